// checklists.html: 月度工作清单. A building head sees their own lists of
// the month (each with how many items are ticked) and opens one to tick
// it. Group leaders and above see completion for a unit of their scope
// and each child unit, drill down to a building's list, and remind the
// heads whose lists are not complete. The admin finds the template here.
import { api, ApiError } from './api.js';
import { $, el, showState, stateButton, showContent, showConfirm, setBusy, toast, loadmore, emptyState, errorState } from './ui.js';
import {
  staffStart, writeError, canSend, isHead, isAdmin, countBar, monthText, thisMonth, addMonths, UNIT_WORDS,
} from './duty-kit.js';

const params = new URLSearchParams(location.search);
const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(params.get('month') || '') ? params.get('month') : thisMonth();
const unitParam = /^\d{1,18}$/.test(params.get('unit') || '') ? params.get('unit') : '';
const LEAD_ROLES = ['group_leader', 'cadre', 'admin'];
let sender = false;
let summary = null;

const href = (q) => {
  const p = new URLSearchParams();
  if (q.unit) p.set('unit', String(q.unit));
  if ((q.month || month) !== thisMonth()) p.set('month', q.month || month);
  const s = p.toString();
  return `/checklists.html${s ? `?${s}` : ''}`;
};

function fillMonths() {
  const now = thisMonth();
  const list = [];
  for (let i = 0; i < 6; i++) list.push(addMonths(now, -i));
  if (!list.includes(month)) list.push(month);
  $('f-month').replaceChildren(...list.map((m) => el('option', { value: m }, `${monthText(m)}${m === now ? '（本月）' : ''}`)));
  $('f-month').value = month;
}

$('f-month').addEventListener('change', () => {
  location.assign(href({ unit: unitParam, month: $('f-month').value }));
});

// ---- A head's own lists ----------------------------------------------------------------------

function listCard(c) {
  const b = c.building || {};
  const left = (c.items || 0) - (c.items_done || 0);
  const s = c.completed_at ? { text: '已完成', cls: 'duty-state_done' }
    : c.overdue ? { text: '已超时', cls: 'duty-state_over' }
      : { text: `还剩 ${left} 项`, cls: 'duty-state_wait' };
  return el('a', { class: `duty-card${c.overdue && !c.completed_at ? ' duty-card_overdue' : ''}`, href: `/checklist.html?id=${encodeURIComponent(c.id)}`, id: `list-${c.id}` },
    el('div', 'duty-card__hd',
      el('p', 'duty-card__title', b.name || ''),
      el('span', `duty-state ${s.cls}`, s.text)),
    el('p', 'duty-card__meta', `${c.title || monthText(c.month)}${b.lane ? ` · ${b.lane}${b.door_no || ''}号` : ''}`),
    countBar('已完成', c.items_done || 0, c.items || 0, { tone: 'done' }),
    c.problems ? el('p', 'duty-card__meta cl-over', `${c.problems} 项有问题`) : null);
}

async function loadMine() {
  const list = $('mine-list');
  list.replaceChildren(loadmore('正在加载', { loading: true }));
  try {
    const items = [];
    let after = '';
    for (let i = 0; i < 5; i++) {
      const q = new URLSearchParams({ month, limit: '100' });
      if (after) q.set('after', after);
      const page = await api.get(`/checklists?${q}`);
      items.push(...(page.items || []));
      if (!page.next) break;
      after = page.next;
    }
    list.replaceChildren(...items.map(listCard));
    if (!items.length) {
      list.append(emptyState(`${monthText(month)}还没有清单`, month === thisMonth() ? '每月 1 日会下发本月的工作清单，请稍后再来看' : ''));
    }
  } catch (err) {
    list.replaceChildren(errorState(err, loadMine));
  }
}

// ---- Completion per child unit ------------------------------------------------------------------

// The month as a person says it: 本月, or 2026年11月.
const monthWord = () => (month === thisMonth() ? '本月' : monthText(month));

// A child without lists is one grey line, not bars of 0/0: a building
// has none when it has no head, or when the month was not issued (the
// summary's `issued` says which).
function emptyRow(r, noneIssued) {
  const u = r.unit || {};
  const building = u.kind === 'building';
  const why = noneIssued ? `${monthWord()}清单还没有下发` : building ? '无栋长' : '没有清单（下面的楼栋都未设栋长）';
  return el('div', { class: 'duty-card cl-card_empty', id: `child-${u.id}`, 'data-unit': String(u.id) },
    el('div', 'duty-card__hd', el('p', 'duty-card__title', u.name || ''),
      building && !noneIssued ? el('span', 'duty-state duty-state_done', '无栋长') : null),
    building && !noneIssued ? el('p', 'cl-total__meta', '这栋楼还没有设栋长，所以没有清单') : el('p', 'cl-total__meta', why));
}

function rowOf(r, { total = false, noneIssued = false } = {}) {
  const u = r.unit || {};
  if (!total && !r.lists) return emptyRow(r, noneIssued);
  const name = total ? el('p', 'cl-total__name', `${u.name || ''}${UNIT_WORDS[u.kind] ? `（${UNIT_WORDS[u.kind]}）` : ''}`) : null;
  const lines = [
    countBar('清单完成', r.completed || 0, r.lists || 0, { tone: 'done' }),
    countBar('事项完成', r.items_done || 0, r.items || 0, { tone: 'read' }),
  ];
  const meta = [];
  if (r.problems) meta.push(`${r.problems} 项有问题`);
  if (r.overdue) meta.push(`${r.overdue} 份超时`);
  const metaNode = meta.length ? el('p', 'cl-total__meta cl-over', meta.join(' · ')) : (r.lists ? null
    : el('p', 'cl-total__meta', noneIssued ? `${monthWord()}清单还没有下发` : '没有清单（下面的楼栋都未设栋长）'));
  if (total) return el('div', { id: 'sum-total-row' }, name, el('div', 'cl-bars', ...lines), metaNode);
  const link = u.kind === 'building'
    ? (r.checklist_id ? `/checklist.html?id=${encodeURIComponent(r.checklist_id)}` : null)
    : href({ unit: u.id });
  const title = el('p', 'duty-card__title', u.name || '');
  const body = [el('div', 'duty-card__hd', title,
    r.lists && r.completed === r.lists ? el('span', 'duty-state duty-state_done', '已完成')
      : r.overdue ? el('span', 'duty-state duty-state_over', '超时') : null),
  el('div', 'cl-bars', ...lines), metaNode];
  const cls = `duty-card${r.overdue ? ' duty-card_overdue' : ''}`;
  return link
    ? el('a', { class: cls, href: link, id: `child-${u.id}`, 'data-unit': String(u.id) }, ...body)
    : el('div', { class: cls, id: `child-${u.id}`, 'data-unit': String(u.id) }, ...body);
}

async function loadSummary(unit) {
  const box = $('sum-children');
  box.replaceChildren(loadmore('正在加载', { loading: true }));
  $('sum-total').replaceChildren();
  try {
    const q = new URLSearchParams({ month });
    if (unit) q.set('unit', String(unit));
    summary = await api.get(`/checklists/summary?${q}`);
    const t = { ...summary.total, unit: summary.unit };
    // An older server says nothing of `issued`: then no list at all means
    // none was issued.
    const noneIssued = summary.issued === false || (summary.issued === undefined && !(t.lists > 0));
    $('sum-total').replaceChildren(rowOf(t, { total: true, noneIssued }));
    const kids = Array.isArray(summary.children) ? summary.children : [];
    box.replaceChildren(...kids.map((r) => rowOf(r, { noneIssued })));
    if (!kids.length) box.append(emptyState('下面没有单位'));
    const left = (t.lists || 0) - (t.completed || 0);
    $('sum-actions').hidden = !sender || !(t.lists > 0);
    const b = $('remind-btn');
    b.textContent = left > 0 ? `提醒未完成的 ${left} 位栋长` : '全部完成，无需提醒';
    b.disabled = left <= 0;
    b.classList.toggle('weui-btn_disabled', left <= 0);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    box.replaceChildren(e.status === 404 ? emptyState('找不到这个单位', '它可能不在您负责的范围内') : errorState(err, () => loadSummary(unit)));
  }
}

async function remind() {
  const b = $('remind-btn');
  if (b.disabled || !summary) return;
  const left = (summary.total.lists || 0) - (summary.total.completed || 0);
  const ok = await showConfirm({
    title: '提醒栋长',
    message: `给${summary.unit.name}里${monthText(month)}清单还没完成的 ${left} 位栋长发提醒？一小时内已提醒过的不会重复收到。`,
    ok: '发送提醒',
  });
  if (!ok) return;
  const label = b.textContent;
  setBusy(b, true, '正在提醒');
  try {
    const r = await api.post('/checklists/remind', { unit_id: summary.unit.id, month });
    const words = `已提醒 ${r.reminded} 位栋长`;
    toast(words, { ms: 2500 });
    $('remind-hint').textContent = `${words}。同一份清单一小时内只提醒一次。`;
  } catch (err) {
    writeError(err);
  } finally {
    setBusy(b, false, label);
  }
}

// ---- Start ------------------------------------------------------------------------------------

async function start() {
  const me = await staffStart({ purpose: '月度工作清单供栋长、户组长等工作人员使用', retry: start });
  if (!me) return;
  const roles = me.roles;
  sender = canSend(roles);
  const roots = [];
  const seen = new Set();
  for (const r of roles) {
    if (!LEAD_ROLES.includes(r.role) || !r.unit || seen.has(String(r.unit.id))) continue;
    seen.add(String(r.unit.id));
    roots.push(r.unit);
  }
  const head = isHead(roles);
  if (!head && !roots.length) {
    showState({ icon: 'weui-icon-info', title: '没有可用的职务', desc: '月度工作清单供栋长、户组长、经济社干部和联社党委使用',
      buttons: [stateButton('返回', { href: '/#services', primary: true })] });
    return;
  }
  fillMonths();
  $('admin-bar').hidden = !isAdmin(roles);
  $('mine').hidden = !head || Boolean(unitParam);
  $('sum').hidden = !roots.length && !unitParam;
  if (roots.length) {
    $('cl-desc').textContent = '各单位栋长月度清单的完成情况，点开可以看到下一级';
    const current = unitParam || String(roots[0].id);
    if (roots.length > 1) {
      $('sum-units').hidden = false;
      $('sum-units').replaceChildren(...roots.map((u) => el('a', {
        class: `cl-unit${String(u.id) === current ? ' cl-unit_on' : ''}`, href: href({ unit: u.id }), 'aria-current': String(u.id) === current ? 'page' : undefined,
      }, u.name)));
    }
    const isRoot = roots.some((u) => String(u.id) === current);
    $('sum-crumb').hidden = isRoot;
    if (!isRoot) {
      // 上一级 is the unit above this one (the caller's own unit at most).
      $('sum-up').href = href({});
      api.get(`/units/${encodeURIComponent(current)}`).then((u) => {
        if (u && u.parent_id) $('sum-up').href = String(u.parent_id) === String(roots[0].id) ? href({}) : href({ unit: u.parent_id });
      }).catch(() => {});
    }
  }
  showContent();
  if (!$('mine').hidden) loadMine();
  if (!$('sum').hidden) loadSummary(unitParam || (roots[0] && roots[0].id));
}

$('remind-btn').addEventListener('click', remind);
window.addEventListener('pageshow', (ev) => { if (ev.persisted) location.reload(); });

start();
