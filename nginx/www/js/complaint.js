// complaint.html?id=N: one complaint with its timeline. The resident sees
// the steps (提交 → 受理 → 办理 → 办结 → 评价), who answered and when, the
// deadlines, and may rate it or raise it again; staff get the buttons the
// API lists in `actions` (受理, 回复, 内部备注, 指派, 上报, 办结, 退回), each
// confirmed first. A 409 (someone acted first) is said and the page reloads.
import { api, ApiError, auth, newIdempotencyKey } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, showState, showContent, stateButton, toast, hideToast, showError, showConfirm,
  promptText, promptFields, promptChoice, setBusy, formatDateTime, previewItem as row,
} from './ui.js';
import {
  ACTION_NAMES, EVENT_NAMES, ACTOR_ROLES, RATING_WORDS, C_STATUS, cstatusBadge, deadline, placeText,
  handlerText, photoRow, stars, plain,
} from './complaint-kit.js';

const id = /^\d{1,18}$/.test(new URLSearchParams(location.search).get('id') || '')
  ? new URLSearchParams(location.search).get('id') : '';
const here = location.pathname + location.search;
const main = $('detail');
let staff = false;
let current = null;
let busy = false;
let timer = 0;

// ---- The steps -----------------------------------------------------------------

const STEPS = ['提交', '受理', '办理', '办结', '评价'];

function stepIndex(c) {
  switch (c.status) {
    case 'submitted': case 'reopened': return 1;
    case 'accepted': return 2;
    case 'in_progress': return 3;
    case 'resolved': return 4;
    case 'closed': return c.rating ? 5 : 4;
    default: return 1;
  }
}

function steps(c) {
  if (c.status === 'rejected') {
    return el('ol', { class: 'huzu-steps', 'aria-label': '办理进度' },
      el('li', 'huzu-step huzu-step_done', el('span', 'huzu-step__dot'), el('span', 'huzu-step__name', '提交')),
      el('li', 'huzu-step huzu-step_rejected', el('span', 'huzu-step__dot'), el('span', 'huzu-step__name', '已退回')));
  }
  const n = stepIndex(c);
  return el('ol', { class: 'huzu-steps', 'aria-label': `办理进度：${STEPS[n - 1]}` }, ...STEPS.map((s, i) => el('li', {
    class: `huzu-step${i < n ? ' huzu-step_done' : ''}${i === n - 1 ? ' huzu-step_current' : ''}`,
    'aria-current': i === n - 1 ? 'step' : null,
  }, el('span', 'huzu-step__dot'), el('span', 'huzu-step__name', s))));
}

// ---- Deadlines ----------------------------------------------------------------

function dueBox(c) {
  const d = deadline(c);
  const lines = [];
  if (d) {
    lines.push(el('p', { class: `huzu-due ${d.overdue ? 'huzu-due_over' : d.ms < 2 * 3600000 ? 'huzu-due_soon' : ''}`, id: 'detail-due' },
      `${d.label}：${formatDateTime(d.at)}（${d.words}）`));
  }
  if (c.status === 'submitted' || c.status === 'reopened') lines.push(el('p', 'huzu-due', `办结期限：${formatDateTime(c.resolve_due)}`));
  if (c.escalations > 0) lines.push(el('p', 'huzu-due', `已上报 ${c.escalations} 次`));
  return lines.length ? el('div', 'huzu-detail__due', ...lines) : null;
}

// ---- Who --------------------------------------------------------------------------

function reporter(c) {
  if (!staff) return c.hide_identity ? '本人（已设置不让栋长看到姓名和电话）' : '本人';
  if (!c.resident) return '反映人选择不让栋长看到姓名和电话';
  const who = [c.resident.name, c.resident.phone].filter(Boolean).join(' ');
  return c.hide_identity ? `${who}（对栋长隐藏）` : who;
}

function actorText(e) {
  const role = ACTOR_ROLES[e.actor?.role] || '';
  if (e.actor?.role === 'system') return '系统';
  if (e.actor?.role === 'resident') return e.actor.name && staff ? `${e.actor.name}（反映人）` : staff ? '反映人（匿名）' : '我';
  const name = e.actor?.name || '';
  return name && role && !name.includes(role) ? `${name}（${role}）` : name || role;
}

function eventTitle(e) {
  const base = EVENT_NAMES[e.action] || e.action;
  if ((e.action === 'assign' || e.action === 'escalate') && e.target?.name) return `${base} ${e.target.name}`;
  if (e.action === 'assign' || e.action === 'escalate') return base.replace(/给$/, '');
  return base;
}

function timeline(events) {
  const list = Array.isArray(events) ? events : [];
  if (!list.length) return null;
  const sorted = [...list].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id));
  return el('section', { class: 'huzu-card huzu-timeline', 'aria-labelledby': 'timeline-title' },
    el('h2', { class: 'huzu-section-title', id: 'timeline-title' }, '办理记录'),
    el('ol', 'huzu-timeline__list', ...sorted.map((e, i) => el('li', {
      class: `huzu-event huzu-event_${e.action}${e.public === false ? ' huzu-event_private' : ''}${i === 0 ? ' huzu-event_latest' : ''}`,
      'data-action': e.action,
    },
    el('span', 'huzu-event__dot', ''),
    el('div', 'huzu-event__body',
      el('p', 'huzu-event__title',
        el('strong', '', eventTitle(e)),
        e.public === false ? el('span', 'huzu-event__private', '仅工作人员可见') : null),
      e.action === 'rate' && e.rating ? el('p', 'huzu-event__rating', stars(e.rating), ` ${RATING_WORDS[e.rating] || ''}`) : null,
      e.text ? el('p', 'huzu-event__text huzu-wrap', e.text) : null,
      e.from && e.to && e.from !== e.to
        ? el('p', 'huzu-event__meta', `状态：${(C_STATUS[e.from] || {}).text || e.from} → ${(C_STATUS[e.to] || {}).text || e.to}`)
        : null,
      el('p', 'huzu-event__meta', `${actorText(e)} · ${formatDateTime(e.at)}`))))));
}

// ---- Acting -----------------------------------------------------------------------

// A step whose answer was lost is sent again under the same key (the
// server does it once), and text typed for a step that failed is offered
// again when the dialog reopens.
let pending = { sig: '', key: '' };
const drafts = {};

async function act(body, doneText) {
  if (busy) return;
  busy = true;
  toast('正在提交', { ms: 0, icon: 'loading' });
  const sig = JSON.stringify(body);
  if (pending.sig !== sig) pending = { sig, key: newIdempotencyKey() };
  if (body.text) drafts[body.action] = body.text;
  try {
    const c = await api.post(`/complaints/${encodeURIComponent(id)}/events`, body, { idempotencyKey: pending.key });
    pending = { sig: '', key: '' };
    delete drafts[body.action];
    toast(doneText);
    render(c && c.id ? c : await api.get(`/complaints/${encodeURIComponent(id)}`));
  } catch (err) {
    hideToast();
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status !== 0 && e.status < 500) pending = { sig: '', key: '' };
    if (e.status === 409) {
      const said = (e.message || '这条诉求刚刚有了变化').replace(/[。.]$/, '');
      await showError(new ApiError({ status: 409, message: `${said}。点「知道了」就会显示最新情况${drafts[body.action] ? '，您刚写的内容会保留' : ''}。` }));
      busy = false;
      await load({ quiet: true });
      return;
    }
    await showError(plain(e));
  } finally {
    busy = false;
  }
}

const REJECT_WHERE = [
  '请拨打 12345 政务服务便民热线反映',
  '请联系小区物业管理处',
  '请到街道劳动保障所咨询',
  '属治安案件，请拨打 110 报警',
];

async function assign() {
  toast('正在加载人员', { ms: 0, icon: 'loading' });
  let people = [];
  try {
    const r = await api.get(`/complaints/${current.id}/assignees`);
    people = Array.isArray(r.items) ? r.items : [];
    hideToast();
  } catch (err) {
    hideToast();
    await showError(plain(err));
    return;
  }
  if (people.length === 0) {
    await showError(new ApiError({ status: 409, message: '这里没有可以指派的工作人员。如需别人办理，请点「上报」交给上一级。' }));
    return;
  }
  const who = await promptChoice({
    title: '指派给',
    desc: '选择负责办理这条诉求的工作人员',
    options: people.map((u) => ({ value: u.id, label: u.name, desc: `${ACTOR_ROLES[u.role] || ''} · ${u.unit.name}` })),
    ok: '指派',
  });
  if (!who) return;
  const name = people.find((u) => String(u.id) === who);
  await act({ action: 'assign', assignee: Number(who) }, `已指派给${name ? name.name : ''}`);
}

const HANDLERS = {
  async accept() {
    const ok = await showConfirm({ title: '受理诉求', message: `受理后请在 ${formatDateTime(current.resolve_due)} 前办结。确定受理吗？`, ok: '受理' });
    if (ok) await act({ action: 'accept' }, '已受理');
  },
  async reply() {
    const text = await promptText({ title: '回复反映人', placeholder: '反映人会看到这条回复，例如：已联系维修师傅，明天上午上门', ok: '发送回复', max: 500, value: drafts.reply });
    if (text) await act({ action: 'reply', text }, '已回复');
  },
  async note() {
    const text = await promptText({ title: '内部备注', placeholder: '只有工作人员能看到，反映人看不到', ok: '保存备注', max: 500, value: drafts.note });
    if (text) await act({ action: 'note', text }, '已保存备注');
  },
  assign,
  async escalate() {
    const text = await promptText({
      title: '上报上一级', placeholder: '说明为什么需要上级处理', ok: '上报', max: 500,
      presets: ['超出本级处理能力，请上级协调', '涉及多个部门，需要上级统筹'],
    });
    if (text) await act({ action: 'escalate', text }, '已上报');
  },
  async resolve() {
    const text = await promptText({ title: '办结诉求', placeholder: '写明处理结果，反映人会看到并评价', ok: '办结', max: 500, value: drafts.resolve });
    if (text) await act({ action: 'resolve', text }, '已办结');
  },
  async reject() {
    const r = await promptFields({
      title: '退回诉求',
      desc: '退回后反映人会看到原因和建议的去处',
      fields: [
        { name: 'reason', label: '退回原因', placeholder: '例如：不属于本村管理范围', max: 200, missing: '请填写退回原因' },
        { name: 'where', label: '建议去哪里反映', placeholder: '告诉反映人应该找谁', max: 200, presets: REJECT_WHERE, missing: '请告诉反映人该去哪里反映' },
      ],
      ok: '退回', warn: true,
    });
    if (r) await act({ action: 'reject', text: `${r.reason.replace(/[。.]$/, '')}。建议：${r.where}` }, '已退回');
  },
  async reopen() {
    const text = await promptText({ title: '重新反映', placeholder: '说说哪里还没解决', ok: '重新反映', max: 500, value: drafts.reopen });
    if (text) await act({ action: 'reopen', text }, '已重新反映');
  },
};

const STAFF_ORDER = ['accept', 'resolve', 'reply', 'assign', 'escalate', 'note', 'reject'];

function actionBar(c) {
  const actions = (Array.isArray(c.actions) ? c.actions : []).filter((a) => a !== 'rate' && HANDLERS[a]);
  if (!actions.length) return null;
  actions.sort((a, b) => STAFF_ORDER.indexOf(a) - STAFF_ORDER.indexOf(b));
  const primary = actions.includes('accept') ? 'accept' : actions.includes('resolve') ? 'resolve' : '';
  return el('section', { class: 'huzu-actions-bar', 'aria-label': '可办理的操作' }, ...actions.map((a) => {
    const cls = a === primary ? 'weui-btn_primary' : a === 'reject' ? 'weui-btn_default huzu-btn_warn' : 'weui-btn_default';
    const b = el('button', { class: `weui-btn ${cls} huzu-act`, type: 'button', id: `act-${a}`, 'data-action': a }, ACTION_NAMES[a]);
    b.addEventListener('click', () => { if (!busy) HANDLERS[a](); });
    return b;
  }));
}

// 评价: five stars and an optional comment, after the complaint is resolved.
function rateForm() {
  let picked = 0;
  const err = el('p', { class: 'huzu-err', id: 'err-rating', role: 'alert', hidden: true });
  const word = el('p', { class: 'huzu-rate__word', id: 'rate-word', 'aria-live': 'polite' }, '请点星星打分');
  const starsRow = el('div', { class: 'huzu-rate__stars', role: 'radiogroup', 'aria-label': '满意程度' });
  const paint = () => {
    for (const b of starsRow.children) {
      const on = Number(b.dataset.n) <= picked;
      b.classList.toggle('huzu-rate__star_on', on);
      b.setAttribute('aria-checked', String(Number(b.dataset.n) === picked));
    }
    word.textContent = picked ? `${picked} 星：${RATING_WORDS[picked]}` : '请点星星打分';
  };
  for (let n = 1; n <= 5; n++) {
    const b = el('button', { class: 'huzu-rate__star', type: 'button', role: 'radio', 'aria-checked': 'false', 'aria-label': `${n} 星，${RATING_WORDS[n]}`, 'data-n': String(n), id: `star-${n}` }, '★');
    b.addEventListener('click', () => { picked = n; err.hidden = true; paint(); });
    starsRow.append(b);
  }
  const text = el('textarea', { class: 'weui-textarea huzu-rate__text', id: 'rate-text', rows: '3', maxlength: '200', placeholder: '说说您的感受（选填）', 'aria-label': '评价内容' });
  const send = el('button', { class: 'weui-btn weui-btn_primary', type: 'button', id: 'rate-submit' }, '提交评价');
  send.addEventListener('click', async () => {
    if (!picked) {
      err.textContent = '请先点星星打分，1 星最不满意，5 星最满意';
      err.hidden = false;
      starsRow.querySelector('button').focus();
      return;
    }
    setBusy(send, true, '正在提交');
    const body = { action: 'rate', rating: picked };
    if (text.value.trim()) body.text = text.value.trim();
    await act(body, '感谢您的评价');
    if (send.isConnected) setBusy(send, false, '提交评价');
  });
  return el('section', { class: 'huzu-card huzu-rate', id: 'rate', 'aria-labelledby': 'rate-title' },
    el('h2', { class: 'huzu-section-title', id: 'rate-title' }, '对办理结果满意吗？'),
    starsRow, word, err, text, el('div', 'huzu-rate__btn', send));
}

// ---- The page ---------------------------------------------------------------------

// 打电话: the full number is fetched (and audited) only when asked for.
function callButton(c) {
  const b = el('button', { class: 'weui-btn weui-btn_mini weui-btn_default huzu-call', type: 'button', id: 'act-call' }, '打电话');
  b.addEventListener('click', async () => {
    setBusy(b, true, '打电话');
    try {
      const r = await api.get(`/complaints/${encodeURIComponent(c.id)}/phone`);
      location.href = `tel:${r.phone}`;
    } catch (err) {
      await showError(plain(err));
    } finally {
      setBusy(b, false, '打电话');
    }
  });
  return b;
}

function render(c) {
  current = c;
  const cat = c.category || {};
  document.title = `户组 · ${cat.name || '诉求'}`;
  $('detail-title').textContent = cat.name ? `${cat.name}` : '诉求详情';
  const summary = el('section', { class: 'huzu-card huzu-detail', id: 'detail-card', 'data-status': c.status },
    el('div', 'huzu-detail__hd',
      el('span', 'huzu-detail__no', `诉求编号 ${c.id}`, cat.urgent ? el('span', 'huzu-urgent', '紧急') : null),
      cstatusBadge(c.status)),
    steps(c),
    dueBox(c),
    el('p', { class: 'huzu-detail__text huzu-wrap', id: 'detail-text' }, c.text || ''),
    photoRow(c.photos),
    el('div', 'weui-form-preview__bd huzu-detail__rows',
      row('地点', placeText(c)),
      row('反映人', reporter(c), staff && c.resident && c.resident.phone ? callButton(c) : null),
      row('承办', handlerText(c)),
      row('提交时间', formatDateTime(c.created_at)),
      c.accepted_at ? row('受理时间', formatDateTime(c.accepted_at)) : null,
      c.resolved_at ? row('办结时间', formatDateTime(c.resolved_at)) : null,
      c.closed_at ? row('完结时间', formatDateTime(c.closed_at)) : null,
      c.rating ? row('评价', stars(c.rating)) : null));
  const parts = [summary];
  const actions = Array.isArray(c.actions) ? c.actions : [];
  if (actions.includes('rate')) parts.push(rateForm());
  const bar = actionBar(c);
  if (bar) parts.push(bar);
  if (!staff && c.status === 'resolved' && actions.includes('reopen')) {
    parts.push(el('p', 'huzu-detail__tip', '如果问题没有解决，可以点「重新反映」；7 天内没有评价的会自动完结。'));
  }
  parts.push(timeline(c.events));
  main.replaceChildren(...parts.filter(Boolean));
  showContent();
}

function tick() {
  if (!current) return;
  const node = $('detail-due');
  const d = deadline(current);
  if (node && d) node.textContent = `${d.label}：${formatDateTime(d.at)}（${d.words}）`;
}

async function load({ quiet = false } = {}) {
  if (!id) {
    showState({ icon: 'weui-icon-warn', title: '找不到这条诉求', desc: '链接不完整，请从诉求列表打开',
      buttons: [stateButton('诉求列表', { href: '/complaints.html', primary: true })] });
    return;
  }
  if (!auth.loggedIn) {
    showState({ icon: 'weui-icon-info', title: '请先登录', desc: '登录后可查看诉求的办理进度',
      buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'detail-login' })] });
    return;
  }
  if (!quiet) showState({ icon: 'loading', title: '正在加载…' });
  try {
    const [me, c] = await Promise.all([api.get('/me'), api.get(`/complaints/${encodeURIComponent(id)}`)]);
    staff = Boolean(me && me.user && me.user.kind === 'staff');
    $('detail-back').textContent = staff ? '‹ 诉求工单' : '‹ 我的诉求';
    render(c);
    clearInterval(timer);
    timer = setInterval(tick, 30000);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      showState({ icon: 'weui-icon-info', title: '登录已过期', desc: '请重新登录后查看',
        buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'detail-login' })] });
    } else if (e.status === 404) {
      showState({ icon: 'weui-icon-warn', title: '找不到这条诉求', desc: '它可能不在您的查看范围内，请从诉求列表打开',
        buttons: [stateButton('诉求列表', { href: '/complaints.html', primary: true })] });
    } else {
      showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
        buttons: [stateButton('重试', { onClick: () => load(), primary: true })] });
    }
  }
}

load();
