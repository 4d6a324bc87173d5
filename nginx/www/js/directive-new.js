// directive-new.html: 发通知. The range is a unit of the sender's own scope
// (the village, a cooperative, a group, or for a group leader one of its
// buildings), the audience, title, body, deadline, whether each recipient
// must confirm completion, up to 3 photos or one PDF, and ?corrects= an
// earlier directive this one corrects. One Idempotency-Key per version of
// the form: a double tap or a retry on a bad line sends it once.
import { api, ApiError } from './api.js';
import { $, el, showContent, showState, stateButton, setBusy, toptips, todayLocal } from './ui.js';
import { staffStart, canSend, SEND_ROLES, fieldErrors, focusField, idempotent, uploader, UNIT_WORDS, writeError, restoreDraft } from './duty-kit.js';

const FIELDS = ['unit_id', 'audience', 'title', 'body', 'deadline', 'files', 'corrects_id'];
const params = new URLSearchParams(location.search);
const correctsParam = /^\d{1,18}$/.test(params.get('corrects') || '') ? params.get('corrects') : '';
const errors = fieldErrors(FIELDS);
const keyFor = idempotent();
let attachments = null;
let corrects = null;

// ---- The range: the sender's units and those under them --------------------------------

// Every unit of a kind under one root, page after page (a cooperative
// may hold more than one page of groups).
async function unitsOf(within, kind) {
  const items = [];
  let after = '';
  for (let i = 0; i < 100; i++) {
    const q = new URLSearchParams({ within: String(within), kind, limit: '100' });
    if (after) q.set('after', after);
    const page = await api.get(`/units?${q}`);
    items.push(...(page.items || []));
    if (!page.next) break;
    after = String(page.next);
  }
  return items;
}

async function loadUnits(roles) {
  const roots = [];
  const seen = new Set();
  for (const r of roles) {
    if (!SEND_ROLES.includes(r.role) || !r.unit || seen.has(String(r.unit.id))) continue;
    seen.add(String(r.unit.id));
    roots.push(r.unit);
  }
  const below = { village: ['cooperative', 'group'], cooperative: ['group'], group: ['building'] };
  const asks = [];
  for (const u of roots) {
    for (const kind of below[u.kind] || []) asks.push(unitsOf(u.id, kind));
  }
  const lists = await Promise.all(asks);
  const all = new Map();
  for (const u of roots) all.set(String(u.id), { ...u, parent_id: null });
  for (const l of lists) for (const u of l) if (!all.has(String(u.id))) all.set(String(u.id), u);
  // Depth-first from the roots, children in id order: a tree in a list.
  const kids = new Map();
  for (const u of all.values()) {
    const p = u.parent_id == null ? '' : String(u.parent_id);
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(u);
  }
  const out = [];
  const walk = (u, depth) => {
    out.push({ u, depth });
    for (const c of (kids.get(String(u.id)) || []).sort((a, b) => a.id - b.id)) walk(c, depth + 1);
  };
  for (const u of roots) walk(all.get(String(u.id)), 0);
  return out;
}

function fillUnits(list) {
  $('f-unit_id').replaceChildren(...list.map(({ u, depth }) => el('option', { value: String(u.id) },
    `${'　'.repeat(depth)}${u.name}${u.kind !== 'building' ? `（${UNIT_WORDS[u.kind] === '全村' ? '全村' : `整个${UNIT_WORDS[u.kind]}`}）` : ''}`)));
}

// ---- Correcting an earlier one ------------------------------------------------------------

async function loadCorrects() {
  if (!correctsParam) return;
  try {
    corrects = await api.get(`/directives/${encodeURIComponent(correctsParam)}`);
  } catch {
    corrects = null;
    errors.set('corrects_id', '找不到要更正的通知，本条将作为新通知发出');
    $('corrects-note').hidden = false;
    $('corrects-text').textContent = '';
    $('corrects-clear').hidden = true;
    return;
  }
  $('new-title').textContent = '发更正';
  $('corrects-note').hidden = false;
  $('corrects-text').textContent = `这条通知将更正《${corrects.title}》，收件人会看到两条的关联。`;
  const unit = corrects.unit && String(corrects.unit.id);
  if (unit && [...$('f-unit_id').options].some((o) => o.value === unit)) $('f-unit_id').value = unit;
  const aud = document.querySelector(`input[name=audience][value="${corrects.audience}"]`);
  if (aud) aud.checked = true;
  $('f-needs_done').checked = Boolean(corrects.needs_done);
  $('f-title').value = `更正：${corrects.title}`.slice(0, 100);
}

$('corrects-clear').addEventListener('click', () => {
  corrects = null;
  $('corrects-note').hidden = true;
  $('new-title').textContent = '发通知';
  history.replaceState(null, '', location.pathname);
});

// ---- Checking and sending -----------------------------------------------------------------

const chars = (s) => [...s].length;

function validate() {
  const e = {};
  const title = $('f-title').value.trim();
  const body = $('f-body').value.trim();
  const date = $('f-deadline').value;
  const time = $('f-deadline_time').value || '18:00';
  if (!$('f-unit_id').value) e.unit_id = '请选择发给哪个范围';
  if (!title) e.title = '请写标题，例如「本周六前清理楼道杂物」';
  else if (chars(title) > 100) e.title = '标题最多 100 个字，请删减一些';
  if (!body) e.body = '请写正文：要做什么、怎么做';
  else if (chars(body) > 2000) e.body = '正文最多 2000 个字，请删减一些';
  let deadline = '';
  if (!date) e.deadline = '请选择截止日期';
  else {
    deadline = `${date}T${time}:00+08:00`;
    const t = Date.parse(deadline);
    if (Number.isNaN(t)) e.deadline = '截止时间不对，请重新选择日期和时间';
    else if (t <= Date.now()) e.deadline = '截止时间已经过了，请选一个以后的时间';
    else if (t > Date.now() + 366 * 86400000) e.deadline = '截止时间最多在一年以内';
  }
  const body2 = {
    unit_id: Number($('f-unit_id').value),
    audience: document.querySelector('input[name=audience]:checked')?.value || 'heads',
    title, body, deadline, needs_done: $('f-needs_done').checked,
  };
  if (corrects) body2.corrects_id = corrects.id;
  return { e, body: body2 };
}

const send = async (ev) => {
  ev.preventDefault();
  const btn = $('new-submit');
  if (btn.disabled) return;
  setBusy(btn, true, '正在发送');
  try {
    errors.clear();
    const { e, body } = validate();
    const names = FIELDS.filter((n) => e[n]);
    if (names.length) {
      for (const n of names) errors.set(n, e[n]);
      focusField(names[0]);
      return;
    }
    try {
      if (attachments.count) setBusy(btn, true, '正在上传附件');
      body.files = await attachments.ids();
    } catch (err) {
      attachments.setError(err.message);
      focusField('files');
      return;
    }
    setBusy(btn, true, '正在发送');
    const d = await api.post('/directives', body, { idempotencyKey: keyFor(body) });
    // Back from what follows goes to the list, not to an empty form.
    history.replaceState(null, '', '/directives.html#sent');
    showState({ icon: 'weui-icon-success', title: '已发送', desc: `已发给 ${d.counts ? d.counts.recipients : d.recipients || ''} 人。谁读了、谁办完了，都能在通知里看到。`,
      buttons: [stateButton('查看完成情况', { href: `/directive.html?id=${encodeURIComponent(d.id)}`, primary: true, id: 'new-view' }),
        stateButton('返回通知', { href: '/directives.html#sent', id: 'new-list' })] });
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 0 || e.status === 409 || e.status >= 500) {
      toptips('网络不好，还不能确定是否发出。请再点一次「发送」，不会重复发送。');
      return;
    }
    if (e.code === 'no_recipients') {
      // Name the audience that was chosen, and what to change.
      const aud = document.querySelector('input[name=audience]:checked')?.value;
      errors.set('unit_id', aud === 'leaders' ? '这个范围里没有户组长，请换一个范围，或把对象改成「栋长」'
        : aud === 'both' ? '这个范围里既没有栋长也没有户组长，请换一个范围'
          : '这个范围里没有栋长，请换一个范围，或把对象改成「户组长」');
      focusField('unit_id');
      return;
    }
    if (errors.place(e)) return;
    if (e.status === 404) {
      errors.set('unit_id', '这个范围不在您负责的辖区内，请重新选择');
      focusField('unit_id');
      return;
    }
    writeError(e);
  } finally {
    if (btn.isConnected) setBusy(btn, false, '发送');
  }
};

// ---- Start ------------------------------------------------------------------------------------

async function start() {
  const me = await staffStart({ purpose: '户组长、经济社干部和联社党委可以发通知', retry: start });
  if (!me) return;
  if (!canSend(me.roles)) {
    showState({ icon: 'weui-icon-info', title: '不能发通知', desc: '户组长、经济社干部和联社党委可以发通知；栋长请查看收到的通知。',
      buttons: [stateButton('查看收到的通知', { href: '/directives.html', primary: true })] });
    return;
  }
  showState({ icon: 'loading', title: '正在加载…' });
  try {
    fillUnits(await loadUnits(me.roles));
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message, requestId: e.requestId,
      buttons: [stateButton('重试', { onClick: start, primary: true })] });
    return;
  }
  const tomorrow = new Date(Date.parse(`${todayLocal()}T00:00:00+08:00`) + 3 * 86400000);
  $('f-deadline').min = todayLocal();
  if (!$('f-deadline').value) $('f-deadline').value = new Date(tomorrow.getTime() + 8 * 3600000).toISOString().slice(0, 10);
  attachments = attachments || uploader($('files-root'), { name: 'files', max: 3, allowPdf: true, label: '照片或 PDF' });
  await loadCorrects();
  showContent();
  restoreDraft();
}

$('new-form').addEventListener('submit', send);
$('new-form').addEventListener('input', (ev) => {
  const n = (ev.target.id || '').replace(/^f-/, '').replace(/_time$/, '');
  if (FIELDS.includes(n)) errors.set(n, '');
});
$('new-form').addEventListener('change', (ev) => {
  if (ev.target.name === 'audience') errors.set('audience', '');
  if (ev.target.id === 'f-unit_id') errors.set('unit_id', '');
});

start();
