// 我的居住: the resident's registrations (newest first) with their status,
// the masked ID number (full on request, audited), and 迁出 / 撤销.
import { api, ApiError, auth } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, ID_TYPES, REASONS, STATUS, label, formatDate, formatDateTime, loadmore, emptyState, statusBadge,
  previewItem as row, showState, showContent, stateButton, toast, hideToast, showConfirm, showError,
} from './ui.js';

const main = $('res-main');

function done() {
  main.setAttribute('aria-busy', 'false');
}

// The state view in place of the list.
function message(state) {
  showState(state);
  done();
}

// "2022年12月2日 17:24" that breaks, on a narrow screen, only between the
// date and the time, never inside either.
function when(iso) {
  const text = formatDateTime(iso);
  const cut = text.lastIndexOf(' ');
  if (cut < 0) return el('span', 'huzu-nowrap', text);
  return el('span', null, el('span', 'huzu-nowrap', text.slice(0, cut)), ' ',
    el('span', 'huzu-nowrap', text.slice(cut + 1)));
}

// After the retention period the ID number, the phone and the members
// are gone (已删除): the card says why.
function erasedNote(t) {
  if (!t.erased_at) return null;
  return el('p', { class: 'huzu-card__note huzu-wrap', id: `tenancy-${t.id}-erased` },
    '已过保存期限，已按隐私政策删除证件号码、手机号和同住人员信息',
    el('a', { href: '/privacy.html', class: 'huzu-card__policy' }, '查看隐私政策'));
}

// The ID number masked, with a button that asks for the full number once.
function idRow(t) {
  const value = el('span', { class: 'huzu-id', 'data-id': String(t.id) }, t.id_number || '');
  // Erased after the retention period: 已删除, nothing to show.
  if (t.erased_at) return [row('证件类型', label(ID_TYPES, t.id_type)), row('证件号码', value)];
  const btn = el('button', { class: 'huzu-linkbtn', type: 'button' }, '显示');
  let shown = false;
  btn.addEventListener('click', async () => {
    if (shown) {
      value.textContent = t.id_number || '';
      btn.textContent = '显示';
      shown = false;
      return;
    }
    btn.disabled = true;
    try {
      const r = await api.get(`/tenancies/${encodeURIComponent(t.id)}/id-number`);
      value.textContent = r.id_number;
      btn.textContent = '隐藏';
      shown = true;
    } catch (err) {
      showError(err);
    } finally {
      btn.disabled = false;
    }
  });
  return [row('证件类型', label(ID_TYPES, t.id_type)), row('证件号码', value, btn)];
}

function statusNote(t) {
  if (t.status === 'pending') {
    return el('p', `huzu-card__note ${t.overdue ? 'huzu-card__note_warn' : ''}`,
      t.overdue ? '已超过24小时未审核，您可以联系栋长或户组长催办' : '已提交，等待审核');
  }
  // The badge already says 未通过: the note gives the reason, once.
  if (t.status === 'rejected') {
    return el('p', 'huzu-card__note huzu-card__note_warn huzu-wrap', `原因：${t.reject_reason || '未说明'}`);
  }
  if (t.status === 'active') {
    const v = formatDateTime(t.last_verified_at);
    return el('p', 'huzu-card__note', v ? `最近一次扫码确认居住：${v}` : '每月扫码打卡一次，确认仍在此居住');
  }
  if (t.status === 'ended') {
    return el('p', 'huzu-card__note', `已于 ${formatDateTime(t.ended_at)} 迁出${t.end_reason ? `（${t.end_reason}）` : ''}`);
  }
  return null;
}

// A footer button (an action on the card) that is a link.
const footLink = (text, href, id) => el('a', { class: 'weui-form-preview__btn weui-form-preview__btn_primary huzu-again', href, id }, text);

function card(t, { current, again = false }) {
  const s = STATUS[t.status] || { text: t.status };
  const b = t.building || {};
  const address = b.lane && b.door_no ? `${b.lane}${b.door_no}号` : '';
  const title = el('div', 'weui-form-preview__hd huzu-card__hd',
    el('div', 'huzu-card__place',
      el('strong', 'huzu-card__building huzu-wrap', b.name || ''),
      el('span', 'huzu-card__room', t.room ? `${t.room} 房` : '')),
    statusBadge(t.status));
  const items = [
    row('登记人', t.name || ''),
    ...idRow(t),
    row('手机号', t.phone || ''),
    address ? row('地址', address) : null,
    row('入住日期', formatDate(t.move_in)),
    row('居住事由', label(REASONS, t.reason)),
    t.employer ? row('服务处所', t.employer) : null,
    Array.isArray(t.members) && t.members.length
      ? row('同住人员', t.members.map((m) => `${m.name}（${m.relation}）`).join('、'))
      : null,
    row('提交时间', when(t.created_at)),
    t.decided_at && t.status !== 'pending' ? row(t.status === 'rejected' ? '审核时间' : '通过时间', when(t.decided_at)) : null,
  ];
  const node = el('section', {
    class: `weui-form-preview huzu-card huzu-tenancy huzu-tenancy_${t.status}${current ? ' huzu-tenancy_current' : ''}`,
    id: `tenancy-${t.id}`, 'data-status': t.status, 'aria-label': `${b.name || ''} ${s.text}`,
  }, title, statusNote(t), erasedNote(t), el('div', 'weui-form-preview__bd', ...items));
  if (t.status === 'pending' || t.status === 'active') {
    const pending = t.status === 'pending';
    const btn = el('button', { class: 'weui-form-preview__btn weui-form-preview__btn_default huzu-end', type: 'button', id: `end-${t.id}` },
      pending ? '撤销登记' : '迁出');
    btn.addEventListener('click', () => endTenancy(t, pending));
    // Moving: the new address is registered and this one ends in one step.
    const move = pending ? null : footLink('搬家了？登记新住址', `/register.html?find=1&moving=${encodeURIComponent(t.id)}`, `move-${t.id}`);
    node.append(el('div', 'weui-form-preview__ft', btn, move));
  } else if (again) {
    node.append(el('div', 'weui-form-preview__ft',
      footLink('重新登记', `/register.html?again=${encodeURIComponent(t.id)}`, `again-${t.id}`)));
  }
  return node;
}

async function endTenancy(t, pending) {
  const ok = await showConfirm({
    title: pending ? '撤销登记' : '办理迁出',
    message: pending
      ? '确定撤销这次居住登记吗？撤销后如需登记请重新扫码填写。'
      : `确定已搬离${(t.building && t.building.name) || '此楼栋'}吗？迁出后您的居住登记将结束。`,
    ok: pending ? '撤销' : '确认迁出',
    warn: true,
  });
  if (!ok) return;
  toast('正在办理', { ms: 0, icon: 'loading' });
  try {
    await api.post(`/tenancies/${encodeURIComponent(t.id)}/end`, {});
    toast(pending ? '已撤销' : '已办理迁出');
    await load({ quiet: true });
  } catch (err) {
    hideToast();
    await showError(err);
    load({ quiet: true });
  }
}

function render(items) {
  const sorted = [...items].sort((a, b) => b.id - a.id);
  const current = sorted.filter((t) => t.status === 'pending' || t.status === 'active');
  const past = sorted.filter((t) => !current.includes(t));
  const parts = [];
  if (current.length) {
    parts.push(el('div', 'weui-cells__title', '当前登记'), ...current.map((t) => card(t, { current: true })));
  } else {
    parts.push(emptyState('暂无有效的居住登记', '请扫描所住楼栋门口的二维码，按提示办理居住登记'));
  }
  // 重新登记 for the latest registration when it was not approved and
  // nothing newer is open.
  const latest = sorted[0];
  const again = !current.length && latest && latest.status === 'rejected' ? latest.id : 0;
  if (past.length) parts.push(el('div', 'weui-cells__title', '历史记录'), ...past.map((t) => card(t, { current: false, again: t.id === again })));
  main.replaceChildren(...parts);
  showContent();
  done();
}

async function load({ quiet = false } = {}) {
  if (!auth.loggedIn) {
    message({ icon: 'weui-icon-info', title: '请先登录', desc: '登录后可查看您的居住登记',
      buttons: [stateButton('登录', { href: loginHref('/residence.html'), primary: true, id: 'res-login' })] });
    return;
  }
  if (!quiet) {
    main.replaceChildren(loadmore('正在加载', { loading: true }));
    showContent();
  }
  main.setAttribute('aria-busy', 'true');
  try {
    const me = await api.get('/me');
    if (me && me.user && me.user.kind === 'staff') {
      message({ icon: 'weui-icon-info', title: '工作人员账号', desc: '居住登记由住户本人办理。审核登记、查看名册请到楼栋工作台。',
        buttons: [stateButton('进入楼栋工作台', { href: '/building.html', primary: true })] });
      return;
    }
    const items = [];
    let after = '';
    for (let i = 0; i < 5; i++) {
      const page = await api.get(`/tenancies?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      items.push(...(Array.isArray(page.items) ? page.items : []));
      if (!page.next) break;
      after = page.next;
    }
    render(items);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      message({ icon: 'weui-icon-info', title: '登录已过期', desc: '请重新登录后查看',
        buttons: [stateButton('登录', { href: loginHref('/residence.html'), primary: true, id: 'res-login' })] });
      return;
    }
    message({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message, requestId: e.requestId,
      buttons: [stateButton('重试', { onClick: () => load(), primary: true })] });
  }
}

load();
