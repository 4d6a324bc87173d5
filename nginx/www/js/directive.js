// directive.html?id=: one directive. A recipient reads it (the server
// records the first opening) and, when asked, confirms it done with a note
// and an optional photo. The sender (and staff above in scope) follows it
// up: 已读 85/120 · 已完成 60/120, a row per child unit, who has not read
// or done it, 提醒 (after a confirm dialog) and the list as CSV.
import { api, ApiError, auth } from './api.js';
import { $, el, showContent, showConfirm, setBusy, toast, toptips, loadmore, emptyState, errorState } from './ui.js';
import {
  staffStart, showRefused, writeError, restoreDraft, countBar, dueWords, receiptState, fieldErrors, idempotent, uploader, fileRow,
  saveCsv, when,
} from './duty-kit.js';

const params = new URLSearchParams(location.search);
const id = /^\d{1,18}$/.test(params.get('id') || '') ? params.get('id') : '';
const AUDIENCE = { heads: '栋长', leaders: '户组长', both: '栋长和户组长' };
const ROLE = { building_head: '栋长', group_leader: '户组长' };

let d = null;
let photo = null;
const errors = fieldErrors(['note', 'done_photo']);
const doneKey = idempotent();

// ---- The directive itself ---------------------------------------------------------------

function renderCard() {
  document.title = `户组 · ${d.title}`;
  $('d-title').textContent = d.title;
  const c = d.corrects;
  $('d-corrects').hidden = !c;
  if (c) {
    $('d-corrects').replaceChildren('更正：', el('a', { href: `/directive.html?id=${encodeURIComponent(c.id)}` }, `《${c.title}》`),
      '，以本通知为准');
  }
  const newer = Array.isArray(d.corrections) ? d.corrections : [];
  $('d-corrected').hidden = !newer.length;
  if (newer.length) {
    const last = newer[newer.length - 1];
    $('d-corrected').replaceChildren('本通知已被更正，请以更正后的为准：',
      el('a', { href: `/directive.html?id=${encodeURIComponent(last.id)}`, id: 'd-correction-link' }, `《${last.title}》`));
  }
  $('d-meta').textContent = `${(d.sender && d.sender.name) || ''} 发给 ${(d.unit && d.unit.name) || ''}的${AUDIENCE[d.audience] || ''} · ${when(d.created_at)}`;
  const finished = d.receipt ? (d.needs_done ? Boolean(d.receipt.done_at) : true) : true;
  $('d-due').textContent = `${d.needs_done ? '需确认完成 · ' : ''}${dueWords(d.deadline, { done: finished })}`;
  $('d-due').classList.toggle('dd-due_over', Boolean(d.receipt && d.receipt.overdue));
  $('d-body').textContent = d.body || '';
  $('d-files').replaceChildren(fileRow(d.files, '附件') || '');
}

// ---- The caller's receipt ------------------------------------------------------------------

function renderReceipt() {
  const r = d.receipt;
  $('d-receipt').hidden = !r;
  if (!r) return;
  const s = receiptState({ ...r, needs_done: d.needs_done });
  const stateText = d.needs_done
    ? (r.done_at ? `已于 ${when(r.done_at)} 确认完成` : r.overdue ? '已超过截止时间，请尽快办理并确认完成' : '已读。办完后请在下面填写办理情况，点「确认完成」')
    : `已读（${when(r.read_at)}），这条通知不需要回执`;
  $('d-receipt-state').replaceChildren(el('span', `duty-state ${s.cls}`, s.text), ' ', stateText);
  const open = d.needs_done && !r.done_at;
  $('done-form').hidden = !open;
  $('d-done').hidden = !r.done_at;
  if (open && !photo) photo = uploader($('done-photo'), { name: 'done_photo', max: 1 });
  if (r.done_at) {
    $('d-done').replaceChildren(
      el('p', 'dd-done__note huzu-wrap', r.done_note || ''),
      fileRow(r.photo ? [r.photo] : [], '回执') || '');
  }
}

const submitDone = async (ev) => {
  ev.preventDefault();
  const btn = $('done-submit');
  if (btn.disabled) return;
  setBusy(btn, true, '正在提交');
  try {
    errors.clear();
    const note = $('f-note').value.trim();
    if (!note) {
      errors.set('note', '请写一句办理情况，例如「已通知全楼住户」');
      $('f-note').focus();
      return;
    }
    let ids;
    try {
      setBusy(btn, true, photo.count ? '正在上传照片' : '正在提交');
      ids = await photo.ids();
    } catch (e) {
      photo.setError(e.message);
      return;
    }
    setBusy(btn, true, '正在提交');
    const body = { note };
    if (ids.length) body.photo = ids[0];
    const r = await api.post(`/directives/${encodeURIComponent(id)}/done`, body, { idempotencyKey: doneKey(body) });
    // The answer is the recipient's view: a sender who is also a
    // recipient keeps the follow-up they had (counted again on reload).
    d = { ...r, counts: r.counts || d.counts, children: r.children || d.children };
    toast('已确认完成');
    render();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 0 || (e.status === 409 && e.code !== 'done_not_needed') || e.status >= 500) {
      toptips('网络不好，还不能确定是否提交成功。请再点一次「确认完成」，不会重复提交。');
      return;
    }
    if (e.status === 422 && e.fields && e.fields.photo) {
      photo.setError(e.fields.photo);
      if (e.fields.note) errors.set('note', e.fields.note);
      return;
    }
    if (e.status === 422 && errors.place(e)) return;
    writeError(e);
  } finally {
    if (btn.isConnected) setBusy(btn, false, '确认完成');
  }
};

// ---- The sender's follow-up ------------------------------------------------------------------

const people = { state: '', unit: null, next: null, seq: 0 };

function renderFollow() {
  const c = d.counts;
  $('d-follow').hidden = !c;
  if (!c) return;
  const n = c.recipients || 0;
  $('f-summary').textContent = `共 ${n} 人 · 已读 ${c.read}/${n}${d.needs_done ? ` · 已完成 ${c.done}/${n}` : ''}${c.overdue ? ` · ${c.overdue} 人超时` : ''}`;
  $('f-counts').replaceChildren(
    countBar('已读', c.read, n, { tone: 'read', id: 'f-read' }),
    d.needs_done ? countBar('已完成', c.done, n, { tone: 'done', id: 'f-done' }) : '');
  const rows = Array.isArray(d.children) ? d.children : [];
  $('f-children').replaceChildren(...rows.map((row) => {
    const u = row.unit || {};
    const own = String(u.id) === String(d.unit && d.unit.id);
    const pick = el('button', { class: 'dd-child__pick', type: 'button', 'data-unit': String(u.id), 'aria-label': `只看${u.name}的名单` }, '看名单');
    pick.addEventListener('click', () => {
      people.unit = own ? null : u;
      loadPeople();
      $('f-people-title').scrollIntoView({ block: 'start' });
    });
    return el('div', { class: `dd-child${row.overdue ? ' dd-child_over' : ''}`, id: `child-${u.id}` },
      el('div', 'dd-child__hd',
        el('p', 'dd-child__name huzu-wrap', own ? `${u.name}（本级）` : u.name || ''),
        el('span', 'dd-child__n', `${row.recipients} 人${row.overdue ? ` · ${row.overdue} 超时` : ''}`),
        own && rows.length === 1 ? null : pick),
      el('div', 'dd-child__bars',
        countBar('已读', row.read, row.recipients, { tone: 'read' }),
        d.needs_done ? countBar('已完成', row.done, row.recipients, { tone: 'done' }) : null));
  }));
  $('f-children-title').hidden = !rows.length;
  $('f-state-undone').hidden = !d.needs_done;
  if (!people.state) people.state = d.needs_done ? 'undone' : 'unread';
  $('correct-link').href = `/directive-new.html?corrects=${encodeURIComponent(d.id)}`;
  syncRemind();
}

// 提醒 says whom it reaches: the not-read, or the not-done.
function remindState() {
  if (people.state === 'unread') return 'unread';
  return d.needs_done ? 'undone' : 'unread';
}

function remindCount() {
  const c = d.counts;
  return remindState() === 'unread' ? c.recipients - c.read : c.recipients - c.done;
}

function syncRemind() {
  const n = remindCount();
  const b = $('remind-btn');
  if (n <= 0) b.textContent = remindState() === 'unread' ? '都已读，无需提醒' : '都已完成，无需提醒';
  else b.textContent = remindState() === 'unread' ? `提醒未读的 ${n} 人` : `提醒未完成的 ${n} 人`;
  b.disabled = n <= 0;
  b.classList.toggle('weui-btn_disabled', n <= 0);
}

function personRow(r) {
  const u = r.user || {};
  let s;
  if (r.done_at) s = el('span', 'duty-state duty-state_done', `${when(r.done_at)} 完成`);
  else if (r.overdue) s = el('span', 'duty-state duty-state_over', r.read_at ? '已读 · 超时' : '未读 · 超时');
  else if (r.read_at) s = el('span', 'duty-state duty-state_wait', d.needs_done ? '已读未完成' : `${when(r.read_at)} 已读`);
  else s = el('span', 'duty-state duty-state_new', '未读');
  return el('div', { class: 'dd-person', 'data-user': String(u.id) },
    el('div', 'dd-person__bd',
      el('p', 'dd-person__name', u.name || '', el('span', 'dd-person__role', ` ${ROLE[r.role] || ''}`)),
      el('p', 'dd-person__meta huzu-wrap', `${(r.unit && r.unit.name) || ''}${r.reminders ? ` · 已提醒 ${r.reminders} 次` : ''}${r.done_note ? ` · ${r.done_note}` : ''}`),
      r.photo ? fileRow([r.photo], '回执') : null),
    s);
}

async function loadPeople({ more = false } = {}) {
  const seq = ++people.seq;
  for (const b of document.querySelectorAll('.dd-filter')) {
    const on = b.dataset.state === people.state;
    b.classList.toggle('dd-filter_on', on);
    b.setAttribute('aria-pressed', String(on));
  }
  $('f-unit-filter').hidden = !people.unit;
  $('f-unit-name').textContent = people.unit ? `只看：${people.unit.name}` : '';
  $('f-people-title').textContent = people.state === 'all' ? '全部收件人' : people.state === 'unread' ? '还没有读的人' : '还没有完成的人';
  const list = $('f-people');
  if (!more) {
    people.next = null;
    list.replaceChildren(loadmore('正在加载', { loading: true }));
  }
  const q = new URLSearchParams({ state: people.state, limit: '50' });
  if (people.unit) q.set('unit', String(people.unit.id));
  if (more && people.next) q.set('after', people.next);
  try {
    const page = await api.get(`/directives/${encodeURIComponent(id)}/receipts?${q}`);
    if (seq !== people.seq) return;
    const items = Array.isArray(page.items) ? page.items : [];
    if (!more) list.replaceChildren();
    list.append(...items.map(personRow));
    people.next = page.next || null;
    if (!list.children.length) list.append(emptyState(people.state === 'all' ? '没有收件人' : '都办好了', people.state === 'all' ? '' : '这里没有需要提醒的人'));
    $('f-more-area').hidden = !people.next;
  } catch (err) {
    if (seq !== people.seq) return;
    list.replaceChildren(errorState(err, () => loadPeople()));
  }
  syncRemind();
}

async function remind() {
  const btn = $('remind-btn');
  if (btn.disabled) return;
  const state = remindState();
  const n = remindCount();
  const ok = await showConfirm({
    title: '发送提醒',
    message: `给${state === 'unread' ? '还没有读' : '还没有完成'}这条通知的 ${n} 人发提醒消息？一小时内已提醒过的人这次不会再收到。`,
    ok: '发送提醒',
  });
  if (!ok) return;
  const label = btn.textContent;
  setBusy(btn, true, '正在提醒');
  try {
    const body = { state };
    const r = await api.post(`/directives/${encodeURIComponent(id)}/remind`, body);
    const words = `已提醒 ${r.reminded} 人${r.skipped ? `，${r.skipped} 人一小时内已提醒过` : ''}`;
    toast(words, { ms: 2500 });
    $('remind-hint').textContent = words;
    loadPeople();
  } catch (err) {
    writeError(err);
  } finally {
    setBusy(btn, false, label);
    syncRemind();
  }
}

// ---- Start ------------------------------------------------------------------------------------

function render() {
  renderCard();
  renderReceipt();
  renderFollow();
  showContent();
}

async function start() {
  // The directive is asked for beside /me: one round trip less on a slow line.
  const pending = auth.loggedIn && id ? api.get(`/directives/${encodeURIComponent(id)}`) : null;
  pending?.catch(() => {});
  const me = await staffStart({ purpose: '通知供栋长、户组长等工作人员查看', retry: start });
  if (!me) return;
  if (!id) {
    showRefused(new ApiError({ status: 404 }));
    return;
  }
  try {
    d = await pending;
  } catch (err) {
    showRefused(err, start);
    return;
  }
  render();
  if (!$('done-form').hidden) restoreDraft();
  if (d.counts) loadPeople();
}

$('done-form').addEventListener('submit', submitDone);
$('f-note').addEventListener('input', () => errors.set('note', ''));
for (const b of document.querySelectorAll('.dd-filter')) {
  b.addEventListener('click', () => {
    people.state = b.dataset.state;
    loadPeople();
  });
}
$('f-unit-clear').addEventListener('click', () => { people.unit = null; loadPeople(); });
$('f-more').addEventListener('click', () => loadPeople({ more: true }));
$('remind-btn').addEventListener('click', remind);
$('export-btn').addEventListener('click', () => {
  const q = new URLSearchParams({ state: people.state });
  if (people.unit) q.set('unit', String(people.unit.id));
  saveCsv(`/api/v1/directives/${encodeURIComponent(id)}/receipts.csv?${q}`, `通知回执-${d.title}.csv`, $('export-btn'), '导出名单（CSV）');
});

start();
