// 楼栋工作台 for building heads and above: 待审核 (approve / reject the
// registrations in scope, one by one or several at once, by building, the
// overdue ones), 住户名册 (a building's active tenancies), 未打卡 (active
// renters with no residence check-in in a month) and 海报打印 (the A4 poster
// sheet of a unit or a building, a building's code replaced, the head's
// phone published on the landing page).
import { api, ApiError, auth, newIdempotencyKey } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, ID_TYPES, REASONS, ROLE_NAMES, UNIT_KINDS, CHAIN_ROLES, label, formatDate, formatDateTime,
  loadmore, emptyState, errorState, previewItem as item, showState, showContent, stateButton,
  toast, hideToast, toptips, showConfirm, showError, promptText,
} from './ui.js';

const TABS = ['pending', 'roster', 'absent', 'posters'];
const params = new URLSearchParams(location.search);
const focusBuilding = /^\d+$/.test(params.get('building') || '') ? params.get('building') : '';

let buildings = []; // [{id, name}] in scope
let buildingsLoaded = null;

// ---- Gate and tabs -------------------------------------------------------------------

// Not logged in, no right role, an error: the state view instead of the tabs.
function gate(state) {
  $('building-who').textContent = '';
  showState(state);
}

// An expired login: 重新登录 (back here after), never a dead-end 重试.
function expired(err) {
  return err instanceof ApiError && err.status === 401;
}
function reloginButton() {
  return stateButton('重新登录', { href: `${loginHref(location.pathname + location.search)}#staff`, primary: true, id: 'building-relogin' });
}
function expiredGate() {
  gate({ icon: 'weui-icon-info', title: '登录已过期', desc: '请重新登录后继续', buttons: [reloginButton()] });
}
// A list's error card, or the expired-login gate.
function listError(list, err, retry) {
  if (expired(err)) { expiredGate(); return; }
  list.replaceChildren(errorState(err, retry));
}

function currentTab() {
  const t = location.hash.slice(1);
  return TABS.includes(t) ? t : 'pending';
}

const loaded = new Set();

function showTab(name) {
  for (const t of TABS) {
    const on = t === name;
    $(`panel-${t}`).hidden = !on;
    $(`tab-${t}`).classList.toggle('weui-bar__item_on', on);
    $(`tab-${t}`).setAttribute('aria-selected', String(on));
  }
  if (!loaded.has(name)) {
    loaded.add(name);
    if (name === 'pending') loadPending();
    if (name === 'roster') initRoster();
    if (name === 'absent') initAbsent();
    if (name === 'posters') initPosters();
  }
}

// ---- Shared bits -------------------------------------------------------------------------

// Masked ID number with 显示 (GET …/id-number, audited) to check against the card.
function idItem(t) {
  const value = el('span', 'huzu-id', t.id_number || '');
  // Erased after the retention period: 已删除, nothing to check.
  if (t.erased_at) return [item('证件类型', label(ID_TYPES, t.id_type)), item('证件号码', value)];
  const btn = el('button', { class: 'huzu-linkbtn', type: 'button' }, '核对');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      const r = await api.get(`/tenancies/${encodeURIComponent(t.id)}/id-number`);
      value.textContent = r.id_number;
      btn.remove();
    } catch (err) {
      btn.disabled = false;
      showError(err);
    }
  });
  return [item('证件类型', label(ID_TYPES, t.id_type)), item('证件号码', value, btn)];
}

// The masked phone, and 拨打电话: the full number (GET …/phone, audited)
// becomes a tel: link, so the head calls with a second tap.
function phoneValue(t) {
  return el('span', { class: 'huzu-phone', 'data-phone': String(t.id) }, t.phone || '');
}

function callButton(t) {
  if (!t.phone || t.erased_at) return null;
  const btn = el('button', { class: 'huzu-linkbtn huzu-call', type: 'button' }, '拨打电话');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      const r = await api.get(`/tenancies/${encodeURIComponent(t.id)}/phone`);
      const link = el('a', { class: 'huzu-linkbtn huzu-call', href: `tel:${r.phone}` }, `拨打 ${r.phone}`);
      btn.replaceWith(link);
      link.focus();
    } catch (err) {
      btn.disabled = false;
      showError(err);
    }
  });
  return btn;
}

async function loadBuildings() {
  if (!buildingsLoaded) {
    buildingsLoaded = (async () => {
      const out = [];
      let after = '';
      for (let i = 0; i < 5; i++) {
        const page = await api.get(`/buildings?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
        for (const b of page.items || []) out.push({ id: String(b.id), name: b.name, head: b.building && b.building.head });
        if (!page.next) break;
        after = page.next;
      }
      buildings = out;
      return out;
    })();
    buildingsLoaded.catch(() => { buildingsLoaded = null; });
  }
  return buildingsLoaded;
}

function fillBuildingSelect(select, selected) {
  select.replaceChildren(...buildings.map((b) => el('option', { value: b.id }, b.name)));
  if (selected && buildings.some((b) => b.id === selected)) select.value = selected;
}

// ---- 待审核 ----------------------------------------------------------------------------------

let pendingNext = null;
let pendingCount = 0;
let pendingSeq = 0;
let overdueOnly = false;
const cards = new Map(); // id → { node, pick, finish } of the cards still pending
const selected = new Set(); // ids ticked for 通过所选

function setPendingBadge() {
  const badge = $('pending-badge');
  badge.textContent = pendingCount > 99 ? '99+' : String(pendingCount);
  badge.hidden = pendingCount === 0;
}

function updateBatchBar() {
  const n = selected.size;
  $('batch-bar').hidden = n === 0;
  $('batch-count').textContent = `已选 ${n} 条`;
}

// What a decided card says in place of 待审核 (defect: the badge stayed).
const DONE_BADGES = {
  active: ['已通过', 'huzu-status_active'],
  rejected: ['已驳回', 'huzu-status_rejected'],
  other: ['已处理', 'huzu-status_ended'],
};

function pendingCard(t) {
  const b = t.building || {};
  const id = String(t.id);
  const members = Array.isArray(t.members) && t.members.length
    ? t.members.map((m) => `${m.name}（${m.relation}）`).join('、') : '';
  const approve = el('button', { class: 'weui-form-preview__btn weui-form-preview__btn_primary huzu-approve', type: 'button' }, '通过');
  const reject = el('button', { class: 'weui-form-preview__btn weui-form-preview__btn_default huzu-reject', type: 'button' }, '驳回');
  const box = el('input', { type: 'checkbox', class: 'huzu-pick__box', id: `pick-${id}` });
  const pick = el('label', { class: 'huzu-pick', for: `pick-${id}`, title: '选择这条登记' }, box, el('span', 'huzu-visually-hidden', `选择 ${t.name || ''}`));
  const badge = t.overdue ? el('span', 'huzu-status huzu-status_overdue', '超时') : el('span', 'huzu-status huzu-status_pending', '待审核');
  const note = t.overdue ? el('p', 'huzu-card__note huzu-card__note_warn', '提交已超过 24 小时，请尽快审核') : null;
  const node = el('section', { class: `weui-form-preview huzu-card huzu-review${t.overdue ? ' huzu-review_overdue' : ''}`, id: `review-${id}`, 'data-id': id },
    el('div', 'weui-form-preview__hd huzu-card__hd',
      pick,
      el('div', 'huzu-card__place',
        el('strong', 'huzu-card__building huzu-wrap', t.name || ''),
        el('span', 'huzu-card__room huzu-wrap', `${b.name || ''} · ${t.room || ''} 房`)),
      badge),
    note,
    el('div', 'weui-form-preview__bd',
      ...idItem(t),
      item('手机号', phoneValue(t), callButton(t)),
      item('入住日期', formatDate(t.move_in)),
      item('居住事由', label(REASONS, t.reason)),
      t.employer ? item('服务处所', t.employer) : null,
      members ? item('同住人员', members) : null,
      item('提交时间', formatDateTime(t.created_at))),
    el('div', 'weui-form-preview__ft', reject, approve));

  box.addEventListener('change', () => {
    if (box.checked) selected.add(id);
    else selected.delete(id);
    node.classList.toggle('huzu-review_picked', box.checked);
    updateBatchBar();
  });

  // Decided (here, in a batch, or by someone else): the badge, the note and
  // the buttons say so, and the card leaves the selection.
  const finish = (text, status) => {
    if (!cards.has(id)) return;
    cards.delete(id);
    selected.delete(id);
    updateBatchBar();
    const [word, cls] = DONE_BADGES[status] || DONE_BADGES.other;
    badge.className = `huzu-status ${cls}`;
    badge.textContent = word;
    note?.remove();
    pick.remove();
    node.classList.remove('huzu-review_overdue', 'huzu-review_picked');
    node.classList.add('huzu-review_done');
    node.querySelector('.weui-form-preview__ft').replaceChildren(el('p', 'huzu-review__result', text));
    pendingCount = Math.max(0, pendingCount - 1);
    setPendingBadge();
    loaded.delete('roster');
    loaded.delete('absent');
  };
  cards.set(id, { node, finish });

  const run = async (path, body, doneText, status) => {
    approve.disabled = true;
    reject.disabled = true;
    toast('正在提交', { ms: 0, icon: 'loading' });
    try {
      await api.post(`/tenancies/${encodeURIComponent(t.id)}/${path}`, body);
      toast(doneText);
      finish(doneText, status);
    } catch (err) {
      hideToast();
      approve.disabled = false;
      reject.disabled = false;
      if (err instanceof ApiError && err.code === 'state_conflict') {
        toptips(err.message, err.requestId);
        finish('已由他人处理', 'other');
      } else {
        showError(err);
      }
    }
  };
  approve.addEventListener('click', async () => {
    const ok = await showConfirm({ title: '通过登记', message: `确认 ${t.name} 住在${b.name || ''} ${t.room || ''} 房，信息与证件一致？`, ok: '通过' });
    if (ok) run('approve', {}, '已通过', 'active');
  });
  reject.addEventListener('click', async () => {
    const reason = await promptText({
      title: '驳回原因', placeholder: '请填写驳回原因，住户会看到', ok: '驳回', max: 200, warn: true,
      presets: ['证件信息与本人不符', '房号不正确', '非本楼栋住户'],
    });
    if (reason) run('reject', { reason }, '已驳回', 'rejected');
  });
  return node;
}

function pendingBuilding() {
  return $('pending-building-area').hidden ? focusBuilding : $('pending-building').value;
}

async function loadPending({ more = false } = {}) {
  const list = $('pending-list');
  const seq = more ? pendingSeq : ++pendingSeq;
  if (!more) {
    pendingNext = null;
    cards.clear();
    selected.clear();
    updateBatchBar();
    list.replaceChildren(loadmore('正在加载', { loading: true }));
  }
  const building = pendingBuilding();
  const filter = `${building ? `&building=${encodeURIComponent(building)}` : ''}${overdueOnly ? '&overdue=1' : ''}`;
  const after = more && pendingNext ? `&after=${encodeURIComponent(pendingNext)}` : '';
  try {
    const page = await api.get(`/tenancies?status=pending&limit=20${filter}${after}`);
    if (seq !== pendingSeq) return;
    const items = Array.isArray(page.items) ? page.items : [];
    if (!more) {
      list.replaceChildren();
      pendingCount = 0;
    }
    pendingCount += items.length;
    setPendingBadge();
    pendingNext = page.next || null;
    list.append(...items.map(pendingCard));
    if (!list.children.length) {
      list.append(overdueOnly
        ? emptyState('没有超时未审的登记', '提交超过 24 小时仍未审核的登记会出现在这里')
        : emptyState('暂无待审核的居住登记', '住户扫码提交登记后会出现在这里'));
    }
    $('pending-more-area').hidden = !pendingNext;
  } catch (err) {
    if (seq !== pendingSeq) return;
    if (!more) listError(list, err, () => loadPending());
    else showError(err);
  }
}

// The filters: a building (for a head of several, a leader of ten) and 超时未审.
async function initPendingTools() {
  $('pending-overdue').addEventListener('click', () => {
    overdueOnly = !overdueOnly;
    $('pending-overdue').setAttribute('aria-pressed', String(overdueOnly));
    loadPending();
  });
  $('pending-building').addEventListener('change', () => loadPending());
  if (focusBuilding) return; // opened from a scan: that building only
  try {
    await loadBuildings();
  } catch {
    return; // the filter is a convenience; the list works without it
  }
  if (buildings.length < 2) return;
  $('pending-building').append(...buildings.map((b) => el('option', { value: b.id }, b.name)));
  $('pending-building-area').hidden = false;
}

// 通过所选: one request for the ticked cards (50 at most per request), each
// answered on its own. A second tap while it runs does nothing.
let batchBusy = false;
const batchKeys = new Map(); // ids of a request → its Idempotency-Key, so a retry replays

async function approveSelected() {
  if (batchBusy || selected.size === 0) return;
  batchBusy = true;
  const button = $('batch-approve');
  button.disabled = true;
  try {
    const ids = [...selected];
    const ok = await showConfirm({
      title: '通过所选登记',
      message: `确认通过所选的 ${ids.length} 条居住登记？请确认已逐条核对姓名、证件和房号。`,
      ok: `通过 ${ids.length} 条`,
    });
    if (!ok) return;
    toast('正在提交', { ms: 0, icon: 'loading' });
    let done = 0;
    const failed = [];
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = ids.slice(i, i + 50).map(Number);
      const sig = chunk.join(',');
      if (!batchKeys.has(sig)) batchKeys.set(sig, newIdempotencyKey());
      const r = await api.post('/tenancies/approve-batch', { ids: chunk }, { idempotencyKey: batchKeys.get(sig) });
      for (const it of Array.isArray(r.items) ? r.items : []) {
        const card = cards.get(String(it.id));
        if (it.status === 'active') {
          done += 1;
          card?.finish('已通过', 'active');
        } else if (it.error && it.error.code === 'state_conflict') {
          card?.finish('已由他人处理', 'other');
        } else {
          failed.push(it);
        }
      }
    }
    hideToast();
    if (failed.length) toptips(`已通过 ${done} 条；${failed.length} 条未能通过：${(failed[0].error && failed[0].error.message) || '请刷新后重试'}`);
    else toast(`已通过 ${done} 条`);
  } catch (err) {
    hideToast();
    showError(err);
  } finally {
    batchBusy = false;
    button.disabled = false;
    updateBatchBar();
  }
}

$('batch-approve').addEventListener('click', approveSelected);
$('batch-clear').addEventListener('click', () => {
  for (const id of selected) {
    const c = cards.get(id);
    const box = c && c.node.querySelector('.huzu-pick__box');
    if (box) box.checked = false;
    c?.node.classList.remove('huzu-review_picked');
  }
  selected.clear();
  updateBatchBar();
});

// ---- 住户名册 ----------------------------------------------------------------------------------

let rosterNext = null;
let rosterSeq = 0;

function rosterCell(t) {
  const verified = formatDate(t.last_verified_at);
  const end = el('button', { class: 'huzu-linkbtn huzu-linkbtn_warn', type: 'button' }, '迁出');
  const cell = el('div', { class: 'weui-cell huzu-resident', id: `resident-${t.id}` },
    el('div', 'weui-cell__hd', el('span', { class: 'huzu-resident__room', 'aria-label': '房号' }, t.room || '')),
    el('div', 'weui-cell__bd',
      el('p', 'huzu-resident__name', t.name || '', el('span', 'huzu-resident__phone', t.phone || '')),
      el('p', 'weui-cell__desc', `${formatDate(t.move_in)}入住 · ${label(REASONS, t.reason)}${verified ? ` · 最近确认 ${verified}` : ' · 尚未打卡确认'}`)),
    el('div', 'weui-cell__ft', end));
  end.addEventListener('click', async () => {
    const ok = await showConfirm({ title: '办理迁出', message: `确认 ${t.name}（${t.room} 房）已搬离？迁出后其居住登记结束。`, ok: '确认迁出', warn: true });
    if (!ok) return;
    try {
      await api.post(`/tenancies/${encodeURIComponent(t.id)}/end`, { reason: '栋长办理迁出' });
      toast('已办理迁出');
      cell.remove();
      loadStats($('roster-building').value);
    } catch (err) {
      showError(err);
    }
  });
  return cell;
}

async function loadStats(id) {
  try {
    const c = await api.get(`/units/${encodeURIComponent(id)}/tenancy-counts`);
    if (id !== $('roster-building').value) return;
    $('stat-active').textContent = String(c.active ?? 0);
    $('stat-pending').textContent = String(c.pending ?? 0);
    $('stat-overdue').textContent = String(c.overdue ?? 0);
    // Red only when something is overdue: a zero is calm.
    $('stat-overdue').parentElement.classList.toggle('huzu-stat_warn', Number(c.overdue) > 0);
    $('roster-stats').hidden = false;
  } catch {
    $('roster-stats').hidden = true;
  }
}

async function loadRoster({ more = false } = {}) {
  const id = $('roster-building').value;
  const list = $('roster-list');
  if (!id) return;
  const seq = ++rosterSeq;
  if (!more) {
    rosterNext = null;
    list.replaceChildren(loadmore('正在加载', { loading: true }));
    loadStats(id);
  }
  const after = more && rosterNext ? `&after=${encodeURIComponent(rosterNext)}` : '';
  try {
    const page = await api.get(`/buildings/${encodeURIComponent(id)}/roster?limit=50${after}`);
    if (seq !== rosterSeq) return;
    const items = Array.isArray(page.items) ? page.items : [];
    if (!more) list.replaceChildren(el('div', 'weui-cells huzu-roster', ...items.map(rosterCell)));
    else list.querySelector('.huzu-roster')?.append(...items.map(rosterCell));
    rosterNext = page.next || null;
    if (!list.querySelector('.huzu-resident')) list.replaceChildren(emptyState('暂无已登记的住户', '住户登记经您审核通过后会出现在名册中'));
    $('roster-more-area').hidden = !rosterNext;
  } catch (err) {
    if (seq !== rosterSeq) return;
    if (!more) listError(list, err, () => loadRoster());
    else showError(err);
  }
}

async function initRoster() {
  const list = $('roster-list');
  list.replaceChildren(loadmore('正在加载楼栋', { loading: true }));
  try {
    await loadBuildings();
  } catch (err) {
    loaded.delete('roster');
    listError(list, err, () => { loaded.add('roster'); initRoster(); });
    return;
  }
  if (!buildings.length) {
    list.replaceChildren(emptyState('您名下暂无楼栋'));
    return;
  }
  fillBuildingSelect($('roster-building'), focusBuilding);
  loadRoster();
}

// ---- 未打卡 ----------------------------------------------------------------------------------

let absentNext = null;
let absentSeq = 0;

// This month in Shanghai, as yyyy-mm.
function thisMonth() {
  const d = new Date(Date.now() + 8 * 3600 * 1000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function absentCell(t) {
  const verified = formatDateTime(t.last_verified_at);
  return el('div', { class: 'weui-cell huzu-resident huzu-absent', id: `absent-${t.id}` },
    el('div', 'weui-cell__hd', el('span', { class: 'huzu-resident__room', 'aria-label': '房号' }, t.room || '')),
    el('div', 'weui-cell__bd',
      el('p', 'huzu-resident__name', t.name || '', el('span', 'huzu-resident__phone', t.phone || '')),
      el('p', 'weui-cell__desc', verified ? `上次确认 ${verified.slice(0, 10)}` : '入住后还没有扫码确认过')),
    el('div', 'weui-cell__ft', callButton(t)));
}

async function loadAbsent({ more = false } = {}) {
  const id = $('absent-building').value;
  const month = $('absent-month').value || thisMonth();
  const list = $('absent-list');
  if (!id) return;
  const seq = more ? absentSeq : ++absentSeq;
  if (!more) {
    absentNext = null;
    list.replaceChildren(loadmore('正在加载', { loading: true }));
  }
  const after = more && absentNext ? `&after=${encodeURIComponent(absentNext)}` : '';
  try {
    const page = await api.get(`/buildings/${encodeURIComponent(id)}/absent?month=${encodeURIComponent(month)}&limit=100${after}`);
    if (seq !== absentSeq) return;
    const items = Array.isArray(page.items) ? page.items : [];
    if (!more) list.replaceChildren(el('div', 'weui-cells huzu-absent-list', ...items.map(absentCell)));
    else list.querySelector('.huzu-absent-list')?.append(...items.map(absentCell));
    absentNext = page.next || null;
    const n = list.querySelectorAll('.huzu-absent').length;
    const [y, m] = month.split('-');
    $('absent-summary').textContent = n
      ? `${y}年${Number(m)}月还有 ${n}${absentNext ? '+' : ''} 位在住的住户没有扫码确认居住，可提醒他们扫楼栋二维码。`
      : `${y}年${Number(m)}月在住的住户都已扫码确认居住。`;
    if (!n) list.replaceChildren(emptyState('都已打卡确认', '本楼栋在住的住户这个月都扫过楼栋二维码'));
    $('absent-more-area').hidden = !absentNext;
  } catch (err) {
    if (seq !== absentSeq) return;
    if (!more) listError(list, err, () => loadAbsent());
    else showError(err);
  }
}

async function initAbsent() {
  const list = $('absent-list');
  const month = $('absent-month');
  if (!month.value) {
    month.value = thisMonth();
    month.max = thisMonth();
  }
  list.replaceChildren(loadmore('正在加载楼栋', { loading: true }));
  try {
    await loadBuildings();
  } catch (err) {
    loaded.delete('absent');
    listError(list, err, () => { loaded.add('absent'); initAbsent(); });
    return;
  }
  if (!buildings.length) {
    list.replaceChildren(emptyState('您名下暂无楼栋'));
    return;
  }
  if (!$('absent-building').options.length) fillBuildingSelect($('absent-building'), focusBuilding);
  loadAbsent();
}

$('absent-building').addEventListener('change', () => loadAbsent());
$('absent-month').addEventListener('change', () => loadAbsent());
$('absent-more').addEventListener('click', () => loadAbsent({ more: true }));

// ---- 海报打印 ------------------------------------------------------------------------------------

let myRoles = [];

async function initPosters() {
  const units = [];
  const seen = new Set();
  for (const r of myRoles) {
    if (!CHAIN_ROLES.includes(r.role) || !r.unit || seen.has(r.unit.id)) continue;
    seen.add(r.unit.id);
    units.push(r.unit);
  }
  $('poster-units').replaceChildren(...units.map((u) => el('a', {
    class: 'weui-cell weui-cell_access huzu-poster-unit', href: `/poster.html?unit=${encodeURIComponent(u.id)}`, 'data-unit': String(u.id),
  },
  el('div', 'weui-cell__bd', el('p', '', u.name), el('p', 'weui-cell__desc', u.kind === 'building' ? '本楼栋海报' : `${UNIT_KINDS[u.kind] || ''}内全部楼栋`)),
  el('div', 'weui-cell__ft', '打印'))));
  try {
    await loadBuildings();
    fillBuildingSelect($('poster-building'), focusBuilding);
    const sync = () => { $('poster-open').href = `/poster.html?unit=${encodeURIComponent($('poster-building').value)}`; };
    $('poster-building').addEventListener('change', sync);
    sync();
    $('poster-rotate').hidden = !buildings.length;
  } catch (err) {
    loaded.delete('posters');
    showError(err);
  }
}

// 更换二维码: the building's poster serial moves on (POST …/qr/rotate), every
// poster printed before stops working at once; then the new poster opens.
let rotating = false;

async function rotateCode() {
  const id = $('poster-building').value;
  const b = buildings.find((x) => x.id === id);
  if (rotating || !b) return;
  rotating = true;
  try {
    const ok = await showConfirm({
      title: '更换二维码',
      message: `更换后，${b.name}已贴出的旧海报会立即作废：住户再扫旧海报会提示“二维码已失效”，无法登记和打卡。请马上打印新海报，把旧海报全部换下。确定更换吗？`,
      ok: '更换并打印新海报',
      warn: true,
    });
    if (!ok) return;
    toast('正在更换', { ms: 0, icon: 'loading' });
    await api.post(`/buildings/${encodeURIComponent(id)}/qr/rotate`, {});
    toast('已更换二维码');
    location.assign(`/poster.html?unit=${encodeURIComponent(id)}&rotated=1`);
  } catch (err) {
    hideToast();
    showError(err);
  } finally {
    rotating = false;
  }
}

$('poster-rotate').addEventListener('click', rotateCode);

// A building head may publish their phone on their buildings' landing page.
function initContact(user) {
  if (typeof user.phone_public !== 'boolean') return; // building heads only
  const sw = $('phone-public');
  sw.checked = user.phone_public;
  $('contact-area').hidden = false;
  // No phone on the account: nothing to publish (the server would refuse).
  if (!user.phone && !user.phone_public) {
    sw.disabled = true;
    $('phone-public-desc').textContent = '您的账号还没有登记手机号，请联系管理员添加后再公开';
    return;
  }
  let busy = false;
  sw.addEventListener('change', async () => {
    if (busy) return;
    busy = true;
    const want = sw.checked;
    sw.disabled = true;
    try {
      const me = await api.patch('/me', { phone_public: want });
      sw.checked = Boolean(me.user && me.user.phone_public);
      toast(sw.checked ? '已公开，租户扫码可拨打' : '已不再公开');
    } catch (err) {
      sw.checked = !want;
      showError(err);
    } finally {
      sw.disabled = false;
      busy = false;
    }
  });
}

// ---- Start ----------------------------------------------------------------------------------------

async function start() {
  if (!auth.loggedIn) {
    gate({ icon: 'weui-icon-info', title: '请先登录', desc: '楼栋工作台供栋长、户组长等工作人员使用',
      buttons: [stateButton('工作人员登录', { href: `${loginHref(location.pathname + location.search)}#staff`, primary: true, id: 'building-login' })] });
    return;
  }
  let me;
  try {
    me = await api.get('/me');
  } catch (err) {
    if (expired(err) || !auth.loggedIn) {
      expiredGate();
      return;
    }
    const e = err instanceof ApiError ? err : new ApiError();
    gate({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message });
    return;
  }
  const roles = Array.isArray(me.roles) ? me.roles : [];
  myRoles = roles;
  const chain = roles.filter((r) => CHAIN_ROLES.includes(r.role));
  if (!me.user || me.user.kind !== 'staff' || chain.length === 0) {
    gate({ icon: 'weui-icon-info', title: '没有可用的职务', desc: '楼栋工作台供栋长、户组长、经济社干部和联社党委使用',
      buttons: [stateButton('返回我的', { href: '/#me' })] });
    return;
  }
  const names = [...new Set(chain.map((r) => ROLE_NAMES[r.role] || r.role))].join('、');
  // Several places: counted in their own word ("负责 4 栋楼"), not "4 处".
  const kinds = [...new Set(chain.map((r) => r.unit && r.unit.kind))];
  const counted = { building: '栋楼', group: '个户组', cooperative: '个经济社' }[kinds.length === 1 ? kinds[0] : ''] || '个单位';
  const scope = chain.length === 1 && chain[0].unit ? ` · ${chain[0].unit.name}` : ` · 负责 ${chain.length} ${counted}`;
  $('building-who').textContent = `${me.user.display_name || ''} · ${names}${scope}`;
  if (focusBuilding) {
    $('pending-filter').hidden = false;
    $('pending-filter-text').textContent = '仅显示扫码所在楼栋的登记';
  }
  showContent();
  initContact(me.user);
  initPendingTools();
  showTab(currentTab());
}

$('pending-more').addEventListener('click', () => loadPending({ more: true }));
$('roster-more').addEventListener('click', () => loadRoster({ more: true }));
$('roster-building').addEventListener('change', () => loadRoster());
window.addEventListener('hashchange', () => { if (!$('building-app').hidden) showTab(currentTab()); });

start();
