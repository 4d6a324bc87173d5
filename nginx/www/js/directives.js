// directives.html: 通知. 收到的 (the caller's receipts, newest first, with
// what is still asked of them) and, for those who may send, 发出的 (the
// directives sent inside their scope with 已读 / 已完成 counts) and 发通知.
import { api, auth } from './api.js';
import { $, el, showContent, loadmore, emptyState, errorState, formatDateTime } from './ui.js';
import { staffStart, canSend, countBar, dueWords, when, receiptState } from './duty-kit.js';

const TABS = ['received', 'sent'];
let sender = false;
const state = { received: { next: null, seq: 0 }, sent: { next: null, seq: 0 } };
const loaded = new Set();

function currentTab() {
  const t = location.hash.slice(1);
  return TABS.includes(t) && (t !== 'sent' || sender) ? t : 'received';
}

function showTab(name) {
  for (const t of TABS) {
    const on = t === name;
    $(`panel-${t}`).hidden = !on;
    $(`tab-${t}`).classList.toggle('weui-bar__item_on', on);
    $(`tab-${t}`).setAttribute('aria-selected', String(on));
  }
  if (!loaded.has(name)) {
    loaded.add(name);
    load(name);
  }
}

function receivedCard(d) {
  const s = receiptState(d);
  const finished = d.needs_done ? Boolean(d.done_at) : Boolean(d.read_at);
  return el('a', {
    class: `duty-card${!d.read_at ? ' duty-card_new' : ''}${d.overdue ? ' duty-card_overdue' : ''}`,
    href: `/directive.html?id=${encodeURIComponent(d.id)}`, id: `directive-${d.id}`, 'data-state': s.text,
  },
  el('div', 'duty-card__hd',
    el('p', 'duty-card__title', d.corrects_id ? el('span', 'duty-tag', '更正') : null, d.title || ''),
    el('span', `duty-state ${s.cls}`, s.text)),
  el('p', 'duty-card__meta', `${(d.sender && d.sender.name) || ''} · ${(d.unit && d.unit.name) || ''} · ${when(d.created_at)}`),
  el('p', 'duty-card__meta', `${d.needs_done ? '需确认完成 · ' : ''}${dueWords(d.deadline, { done: finished })}`));
}

function sentCard(d) {
  return el('a', {
    class: `duty-card${d.overdue ? ' duty-card_overdue' : ''}`,
    href: `/directive.html?id=${encodeURIComponent(d.id)}`, id: `sent-${d.id}`,
  },
  el('div', 'duty-card__hd',
    el('p', 'duty-card__title', d.title || ''),
    d.overdue ? el('span', 'duty-state duty-state_over', `${d.overdue} 人超时`) : null),
  el('p', 'duty-card__meta', `发给 ${(d.unit && d.unit.name) || ''} · ${(d.sender && d.sender.name) || ''} · ${formatDateTime(d.created_at)}`),
  el('p', 'duty-card__meta', dueWords(d.deadline, { done: true })),
  el('div', 'dl-counts',
    countBar('已读', d.read || 0, d.recipients || 0, { tone: 'read' }),
    d.needs_done ? countBar('已完成', d.done || 0, d.recipients || 0, { tone: 'done' }) : null));
}

function setUnread(n) {
  const b = $('unread-badge');
  b.textContent = n > 99 ? '99+' : String(n);
  b.hidden = !(n > 0);
  b.setAttribute('aria-label', `${n} 条未读`);
}

async function load(box, { more = false } = {}) {
  const st = state[box];
  const list = $(`${box}-list`);
  const seq = ++st.seq;
  if (!more) {
    st.next = null;
    list.replaceChildren(loadmore('正在加载', { loading: true }));
  }
  const q = new URLSearchParams({ box, limit: '20' });
  if (more && st.next) q.set('after', st.next);
  const btn = $(`${box}-more`);
  btn.disabled = true;
  try {
    const early = box === 'received' && !more ? prefetch : null;
    if (box === 'received') prefetch = null;
    const page = await (early || api.get(`/directives?${q}`));
    if (seq !== st.seq) return;
    const items = Array.isArray(page.items) ? page.items : [];
    if (!more) list.replaceChildren();
    list.append(...items.map(box === 'sent' ? sentCard : receivedCard));
    if (box === 'received' && typeof page.unread === 'number') setUnread(page.unread);
    st.next = page.next || null;
    if (!list.children.length) {
      list.append(box === 'sent'
        ? emptyState('还没有发过通知', '点上面的「发通知」，发给辖区内的栋长或户组长')
        : emptyState('暂时没有收到通知', '上级发来的通知会出现在这里'));
    }
    $(`${box}-more-area`).hidden = !st.next;
  } catch (err) {
    if (seq !== st.seq) return;
    if (!more) list.replaceChildren(errorState(err, () => load(box)));
    else list.append(errorState(err, () => load(box)));
  } finally {
    btn.disabled = false;
  }
}

// The received list is asked for beside /me: one round trip less on a slow line.
let prefetch = null;

async function start() {
  prefetch = auth.loggedIn ? api.get('/directives?box=received&limit=20') : null;
  prefetch?.catch(() => {});
  const me = await staffStart({ purpose: '通知供栋长、户组长等工作人员查看和发送', retry: start });
  if (!me) return;
  sender = canSend(me.roles);
  $('tab-sent').hidden = !sender;
  $('send-bar').hidden = !sender;
  if (!sender) $('list-desc').textContent = '上级发来的通知，请按时查看；需要回执的，办完后点「确认完成」';
  else $('list-desc').textContent = '收到的通知，和您发出的通知的已读、完成情况';
  showContent();
  showTab(currentTab());
}

$('received-more').addEventListener('click', () => load('received', { more: true }));
$('sent-more').addEventListener('click', () => load('sent', { more: true }));
window.addEventListener('hashchange', () => { if (!$('list-app').hidden) showTab(currentTab()); });
// Back from a directive: its state has changed (read, done).
window.addEventListener('pageshow', (ev) => {
  if (ev.persisted) {
    loaded.clear();
    if (!$('list-app').hidden) showTab(currentTab());
  }
});

start();
