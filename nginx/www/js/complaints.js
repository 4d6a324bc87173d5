// complaints.html: 我的诉求 for a resident (their own, newest first, with
// the updates they have not seen), 诉求工单 for staff (their scope, overdue
// first, deadlines counting down in words, filters by state and 指派给我).
import { api, ApiError, auth } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, showState, showContent, stateButton, loadmore, emptyState, errorState, formatDateTime,
} from './ui.js';
import {
  cstatusBadge, deadline, placeText, handlerText, plain,
} from './complaint-kit.js';

const here = location.pathname + location.search + location.hash;
const FILTERS = [
  ['open', '待办', 'open=true'],
  ['overdue', '已超时', 'overdue=true'],
  ['submitted', '待受理', 'status=submitted'],
  ['in_progress', '办理中', 'status=in_progress'],
  ['resolved', '已办结', 'status=resolved'],
  ['done', '已结束', 'open=false'],
  ['all', '全部', ''],
];

let staff = false;
let items = [];
let next = null;
let seq = 0;
let timer = 0;

function filterKey() {
  const h = new URLSearchParams(location.hash.slice(1));
  const f = h.get('f');
  return FILTERS.some(([k]) => k === f) ? f : 'open';
}

function mine() {
  return new URLSearchParams(location.hash.slice(1)).get('mine') === '1';
}

function setHash(f, m) {
  const h = new URLSearchParams();
  if (f !== 'open') h.set('f', f);
  if (m) h.set('mine', '1');
  const s = h.toString();
  history.replaceState(null, '', s ? `#${s}` : location.pathname + location.search);
  load();
}

function query(after) {
  const q = [];
  if (staff) {
    const f = FILTERS.find(([k]) => k === filterKey());
    if (f && f[2]) q.push(f[2]);
    if (mine()) q.push('mine=true');
  }
  // A resident's list is their own complaints (mine=true is 指派给我 for staff).
  q.push('limit=100');
  if (after) q.push(`after=${encodeURIComponent(after)}`);
  return `/complaints?${q.join('&')}`;
}

// Overdue first, then the nearest deadline; finished ones newest first.
function order(list) {
  const now = Date.now();
  return [...list].sort((a, b) => {
    const da = deadline(a, now);
    const db = deadline(b, now);
    if (Boolean(da) !== Boolean(db)) return da ? -1 : 1;
    if (da && db) {
      if (da.overdue !== db.overdue) return da.overdue ? -1 : 1;
      return da.ms - db.ms;
    }
    return b.id - a.id;
  });
}

function dueLine(c) {
  const d = deadline(c);
  if (!d) return null;
  const cls = d.overdue ? 'huzu-due huzu-due_over' : d.ms < 2 * 3600000 ? 'huzu-due huzu-due_soon' : 'huzu-due';
  return el('p', { class: cls, 'data-due': d.at, 'data-label': d.label }, `${d.label} ${formatDateTime(d.at)} · ${d.words}`);
}

function resultLine(c) {
  if (c.status === 'resolved') return el('p', 'huzu-due', `已办结 ${formatDateTime(c.resolved_at)}${c.actions?.includes('rate') ? ' · 请评价' : ''}`);
  if (c.status === 'closed') return el('p', 'huzu-due', `已完结 ${formatDateTime(c.closed_at)}`);
  if (c.status === 'rejected') return el('p', 'huzu-due', '已退回，点开查看原因');
  return null;
}

function card(c) {
  const cat = c.category || {};
  const unread = !staff && c.unread > 0;
  const title = el('div', 'huzu-ccard__hd',
    el('span', 'huzu-ccard__cat',
      el('strong', '', cat.name || ''),
      cat.urgent ? el('span', 'huzu-urgent', '紧急') : null,
      unread ? el('span', { class: 'weui-badge huzu-ccard__new', 'aria-label': `${c.unread} 条新进展` }, '新进展') : null),
    cstatusBadge(c.status));
  return el('a', {
    class: `huzu-ccard${deadline(c)?.overdue ? ' huzu-ccard_overdue' : ''}${unread ? ' huzu-ccard_unread' : ''}`,
    href: `/complaint.html?id=${encodeURIComponent(c.id)}`, id: `complaint-${c.id}`, 'data-status': c.status,
  },
  title,
  el('p', 'huzu-ccard__text huzu-wrap', c.text || ''),
  el('p', 'huzu-ccard__meta huzu-wrap', [placeText(c), staff ? handlerText(c) : ''].filter(Boolean).join(' · ')),
  dueLine(c) || resultLine(c),
  el('p', 'huzu-ccard__time', `${formatDateTime(c.created_at)} 提交 · 编号 ${c.id}`));
}

function render() {
  const list = $('list');
  if (!items.length) {
    list.replaceChildren(staff
      ? emptyState('没有符合条件的诉求', filterKey() === 'open' ? '待办的诉求都处理完了' : '换个筛选条件看看')
      : emptyState('您还没有反映过问题', '遇到噪音、卫生、消防隐患等问题，可以点上面的「反映问题」'));
  } else {
    list.replaceChildren(...order(items).map(card));
  }
  $('more-area').hidden = !next;
}

function renderFilters() {
  const cur = filterKey();
  $('filters').replaceChildren(...FILTERS.map(([k, text]) => {
    const b = el('button', { class: `huzu-filter-btn${k === cur ? ' huzu-filter-btn_on' : ''}`, type: 'button', 'aria-pressed': String(k === cur), 'data-filter': k }, text);
    b.addEventListener('click', () => setHash(k, mine()));
    return b;
  }));
  $('f-mine').checked = mine();
}

$('f-mine').addEventListener('change', () => setHash(filterKey(), $('f-mine').checked));

// The API pages by id; overdue-first needs the whole open list, so up to
// three pages come at once and 加载更多 fetches the rest.
async function loadPage(after, pages = 1) {
  let list = [];
  let cursor = after;
  for (let i = 0; i < pages; i++) {
    const page = await api.get(query(cursor));
    list = list.concat(Array.isArray(page.items) ? page.items : []);
    cursor = page.next || null;
    if (!cursor) break;
  }
  return { list, next: cursor };
}

async function load() {
  const my = ++seq;
  if (staff) renderFilters();
  $('list').replaceChildren(loadmore('正在加载', { loading: true }));
  $('more-area').hidden = true;
  try {
    const r = await loadPage('', 3);
    if (my !== seq) return;
    items = r.list;
    next = r.next;
    render();
  } catch (err) {
    if (my !== seq) return;
    $('list').replaceChildren(errorState(plain(err), () => load()));
  }
}

$('more').addEventListener('click', async () => {
  const btn = $('more');
  btn.disabled = true;
  try {
    const r = await loadPage(next);
    items = items.concat(r.list);
    next = r.next;
    render();
  } catch (err) {
    $('list').append(errorState(plain(err), () => load()));
  } finally {
    btn.disabled = false;
  }
});

// Deadlines count down while the list is open.
function tick() {
  for (const node of document.querySelectorAll('[data-due]')) {
    const id = Number(node.closest('.huzu-ccard')?.id.replace('complaint-', ''));
    const c = items.find((x) => x.id === id);
    const line = c && dueLine(c);
    if (line) node.replaceWith(line);
  }
}

async function start() {
  if (!auth.loggedIn) {
    $('list-desc').textContent = '';
    showState({ icon: 'weui-icon-info', title: '请先登录', desc: '登录后可查看您反映的问题和办理进度',
      buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'list-login' })] });
    return;
  }
  try {
    const me = await api.get('/me');
    staff = Boolean(me && me.user && me.user.kind === 'staff');
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      showState({ icon: 'weui-icon-info', title: '登录已过期', desc: '请重新登录后查看',
        buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'list-login' })] });
      return;
    }
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
      buttons: [stateButton('重试', { onClick: () => start(), primary: true })] });
    return;
  }
  const title = staff ? '诉求工单' : '我的诉求';
  $('list-title').textContent = title;
  document.title = `户组 · ${title}`;
  $('list-desc').textContent = staff
    ? '超时的排在最前，请在期限内受理和办结'
    : '您反映的问题和办理进度，有新进展会标出来';
  $('resident-bar').hidden = staff;
  $('staff-bar').hidden = !staff;
  showContent();
  await load();
  clearInterval(timer);
  timer = setInterval(tick, 30000);
}

window.addEventListener('pageshow', (ev) => { if (ev.persisted) load(); });

start();

