// notifications.html (消息): the caller's notifications newest first (GET
// /notifications), unread ones marked; a tap opens what it is about where
// there is a page for it; 全部已读 marks them all read (POST
// /notifications/read up to the newest). The red dot on 我的 counts the
// unread ones; opening the list marks what it shows as read.
import { api, auth, ApiError } from './api.js';
import { loginHref } from './nav.js';
import { $, el, showState, showContent, stateButton, toptips, setBusy } from './ui.js';

const HERE = '/notifications.html';

// The page a notification is about, or null.
function target(n) {
  const id = Number(n.subject_id) > 0 ? encodeURIComponent(n.subject_id) : '';
  const kind = String(n.kind || '');
  if (kind.startsWith('complaint.')) return id ? `/complaint.html?id=${id}` : '/complaints.html';
  if (kind === 'tenancy.new') return '/building.html#pending';
  if (kind.startsWith('tenancy.')) return '/residence.html';
  if (kind.startsWith('directive.')) return id ? `/directive.html?id=${id}` : '/directives.html';
  if (kind.startsWith('checklist.')) return id ? `/checklist.html?id=${id}` : '/checklists.html';
  if (kind.startsWith('shift.') || kind.startsWith('volunteer.')) return '/my-shifts.html';
  return null;
}

// 12月2日 10:22 this year, 2025年12月2日 10:22 before (Shanghai).
const FMT = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
function when(iso) {
  const d = new Date(iso || '');
  if (Number.isNaN(d.getTime())) return '';
  const p = Object.fromEntries(FMT.formatToParts(d).map((x) => [x.type, x.value]));
  const thisYear = Object.fromEntries(FMT.formatToParts(new Date()).map((x) => [x.type, x.value])).year;
  return `${p.year === thisYear ? '' : `${p.year}年`}${p.month}月${p.day}日 ${p.hour}:${p.minute}`;
}

let items = [];
let next = null;
let unread = 0;

function row(n) {
  const href = target(n);
  const body = [
    el('span', { class: 'huzu-msg__dot', 'aria-hidden': 'true' }),
    el('span', 'huzu-msg__body',
      el('span', 'huzu-msg__text huzu-wrap', n.text || ''),
      el('span', 'huzu-msg__time', n.read ? null : el('span', 'huzu-msg__new', '未读'), when(n.created_at))),
  ];
  const cls = `huzu-msg${n.read ? '' : ' huzu-msg_unread'}`;
  const inner = href
    ? el('a', { class: `${cls} huzu-msg_link`, href, 'data-kind': n.kind }, ...body)
    : el('div', { class: cls, 'data-kind': n.kind }, ...body);
  return el('li', { id: `msg-${n.id}` }, inner);
}

function render() {
  const list = $('msg-list');
  if (!items.length) {
    list.replaceChildren(el('li', 'huzu-msg-empty',
      el('p', 'huzu-msg-empty__title', '暂无消息'),
      el('p', 'huzu-msg-empty__desc', '登记审核有了结果、诉求有了新进展，会在这里告诉您')));
  } else {
    list.replaceChildren(...items.map(row));
  }
  $('msg-more-area').hidden = !next;
  $('msg-readall').hidden = unread === 0;
  $('msg-desc').textContent = unread > 0 ? `${unread} 条未读` : '登记审核结果、诉求办理进度等';
}

async function fetchPage(after) {
  const q = after ? `&after=${encodeURIComponent(after)}` : '';
  return api.get(`/notifications?limit=20${q}`);
}

// Opening the list reads what it shows: up to the newest shown, after
// rendering, so the rows keep their 未读 mark in this view while the red dot
// on 我的 clears. A failure only leaves them unread.
async function markSeen() {
  if (!unread || !items.length) return;
  try {
    const res = await api.post('/notifications/read', { up_to: items[0].id });
    unread = Number(res && res.unread) > 0 ? Number(res.unread) : 0;
    $('msg-readall').hidden = unread === 0;
  } catch {
    // Still unread: 全部已读 stays.
  }
}

function gate(title, desc) {
  showState({ icon: 'weui-icon-info', title, desc,
    buttons: [stateButton('登录', { href: loginHref(HERE), primary: true, id: 'msg-login' })] });
}

async function load() {
  showState({ icon: 'loading', title: '正在加载…', desc: '请稍候' });
  try {
    const page = await fetchPage(null);
    items = Array.isArray(page.items) ? page.items : [];
    next = page.next || null;
    unread = Number(page.unread) > 0 ? Number(page.unread) : 0;
    render();
    showContent();
    markSeen();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      gate('登录已过期', '请重新登录后查看消息');
      return;
    }
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载消息', desc: e.message, requestId: e.requestId,
      buttons: [stateButton('重试', { onClick: () => load(), primary: true, id: 'msg-retry' })] });
  }
}

$('msg-more').addEventListener('click', async () => {
  const button = $('msg-more');
  setBusy(button, true, '正在加载…');
  try {
    const page = await fetchPage(next);
    items = items.concat(Array.isArray(page.items) ? page.items : []);
    next = page.next || null;
    unread = Number(page.unread) > 0 ? Number(page.unread) : 0;
    render();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    toptips(e.message, e.requestId);
  } finally {
    setBusy(button, false, '加载更早的消息');
  }
});

$('msg-readall').addEventListener('click', async () => {
  if (!items.length) return;
  const button = $('msg-readall');
  setBusy(button, true, '正在标记…');
  try {
    const res = await api.post('/notifications/read', { up_to: items[0].id });
    for (const n of items) n.read = true;
    unread = Number(res && res.unread) > 0 ? Number(res.unread) : 0;
    render();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    toptips(e.message, e.requestId);
  } finally {
    setBusy(button, false, '全部已读');
  }
});

// Back from the page a message opened: read again.
window.addEventListener('pageshow', (ev) => { if (ev.persisted && auth.loggedIn) load(); });

if (auth.loggedIn) load();
else gate('请先登录', '登录后可以查看登记审核结果、诉求办理进度等消息');
