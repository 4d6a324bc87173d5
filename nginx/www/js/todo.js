// todo.html, 今日待办: the building head's home (and any staff member's).
// GET /me/todo answers four sections in a fixed order — registrations to
// decide, directives unread or not done, checklist items left this month,
// open complaints at the caller's buildings — each a big row with its count
// that opens the page where it is handled. Zero is shown calmly; all zero
// shows 今天没有待办.
import { api, ApiError, auth } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, showState, showContent, stateButton, toptips, ROLE_NAMES, formatTime,
} from './ui.js';

const here = location.pathname + location.search;
const num = (v) => (Number.isFinite(Number(v)) && Number(v) > 0 ? Math.floor(Number(v)) : 0);

function checklistHref(s) {
  const left = (Array.isArray(s.lists) ? s.lists : []).filter((l) => l && l.id && num(l.left) > 0);
  return left.length === 1 ? `/checklist.html?id=${encodeURIComponent(left[0].id)}` : '/checklists.html';
}

// The four sections, in the order the contract gives them. desc(s) says
// what the count is made of; it never alarms about a zero.
const SECTIONS = [
  {
    key: 'registrations', title: '待审登记', unit: '条',
    href: () => '/building.html#pending',
    desc: (s) => (num(s.count) === 0 ? '没有等待审核的居住登记'
      : num(s.overdue) > 0 ? [`${num(s.count)} 条等待审核，`, warn(`其中 ${num(s.overdue)} 条已超时`)]
        : `${num(s.count)} 条居住登记等待您审核`),
  },
  {
    key: 'directives', title: '通知未读/未完成', unit: '条',
    href: () => '/directives.html',
    desc: (s) => (num(s.count) === 0 ? '收到的通知都已读完、办完'
      : `未读 ${num(s.unread)} 条 · 待完成 ${num(s.undone)} 条`),
  },
  {
    key: 'checklist', title: '本月清单剩余', unit: '项',
    href: checklistHref,
    desc: (s) => {
      const month = /^\d{4}-(\d{2})$/.exec(s.month || '');
      const m = month ? `${Number(month[1])}月` : '本月';
      return num(s.count) === 0 ? `${m}工作清单没有剩余的事项` : `${m}工作清单还有 ${num(s.count)} 项没做`;
    },
  },
  {
    key: 'complaints', title: '楼栋诉求', unit: '件',
    href: () => '/complaints.html',
    desc: (s) => (num(s.count) === 0 ? '没有未办结的诉求'
      : num(s.overdue) > 0 ? [`${num(s.count)} 件未办结，`, warn(`其中 ${num(s.overdue)} 件已超时`)]
        : `${num(s.count)} 件诉求还没办结`),
  },
];

function warn(text) {
  return el('span', 'huzu-todo-warn', text);
}

// One section: the big row, and for the checklist the buildings with items left.
function item(sec, s) {
  const n = num(s.count);
  const desc = sec.desc(s);
  const row = el('a', {
    class: `huzu-todo-row${n ? ' huzu-todo-row_on' : ''}`, id: `todo-${sec.key}`, href: sec.href(s),
    'data-count': String(n),
  },
  el('span', 'huzu-todo-row__text',
    el('span', 'huzu-todo-row__title', sec.title),
    el('span', 'huzu-todo-row__desc huzu-wrap', ...(Array.isArray(desc) ? desc : [desc]))),
  el('span', { class: `huzu-todo-count${n ? '' : ' huzu-todo-count_zero'}`, id: `count-${sec.key}` },
    el('strong', '', n > 999 ? '999+' : String(n)), el('span', '', sec.unit)),
  el('span', { class: 'huzu-todo-row__arrow', 'aria-hidden': 'true' }));
  const li = el('li', { class: 'huzu-todo-item', 'data-key': sec.key }, row);
  if (sec.key === 'checklist') {
    const lists = (Array.isArray(s.lists) ? s.lists : []).filter((l) => l && l.id && num(l.left) > 0);
    if (lists.length > 1) {
      li.append(el('ul', { class: 'huzu-todo-sub', 'aria-label': '各楼栋的清单' }, ...lists.map((l) => el('li', '',
        el('a', { class: 'huzu-todo-sub__link', href: `/checklist.html?id=${encodeURIComponent(l.id)}`, 'data-list': String(l.id) },
          el('span', 'huzu-todo-sub__name huzu-wrap', (l.building && l.building.name) || `清单 ${l.id}`),
          el('span', 'huzu-todo-sub__left', `还剩 ${num(l.left)} 项`))))));
    }
  }
  return li;
}

function render(data) {
  const byKey = new Map();
  for (const s of Array.isArray(data && data.items) ? data.items : []) {
    if (s && typeof s.key === 'string') byKey.set(s.key, s);
  }
  const present = SECTIONS.filter((sec) => byKey.has(sec.key));
  $('todo-list').replaceChildren(...present.map((sec) => item(sec, byKey.get(sec.key))));
  const total = present.reduce((sum, sec) => sum + num(byKey.get(sec.key).count), 0);
  $('todo-empty').hidden = total > 0;
  $('todo-updated').textContent = `更新于 ${formatTime(new Date().toISOString()).slice(11)}`;
  document.title = total > 0 ? `户组 · 今日待办（${total}）` : '户组 · 今日待办';
}

// "12月2日 星期三", in Shanghai.
function today() {
  return new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric', weekday: 'long' })
    .format(new Date()).replace(/\s+/g, ' ');
}

function loginGate(title, desc) {
  $('todo-who').textContent = '';
  showState({ icon: 'weui-icon-info', title, desc,
    buttons: [stateButton('工作人员登录', { href: `${loginHref(here)}#staff`, primary: true, id: 'todo-login' })] });
}

function refuse() {
  $('todo-who').textContent = '';
  showState({ icon: 'weui-icon-info', title: '今日待办供工作人员使用',
    desc: '栋长、户组长等工作人员登录后，在这里处理登记、通知、清单和诉求。住户可以在首页办理居住登记、反映问题。',
    buttons: [stateButton('返回首页', { href: '/', primary: true, id: 'todo-home' })] });
}

let loading = false;
let loadedAt = 0;

async function load({ quiet = false } = {}) {
  if (loading) return;
  loading = true;
  if (!quiet) showState({ icon: 'loading', title: '正在加载…', desc: '请稍候' });
  const button = $('todo-refresh');
  button.disabled = true;
  button.textContent = '正在刷新…';
  try {
    const [me, todo] = await Promise.allSettled([api.get('/me'), api.get('/me/todo')]);
    if (me.status === 'fulfilled' && me.value && me.value.user && me.value.user.kind !== 'staff') {
      refuse();
      return;
    }
    const failed = [me, todo].find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const user = me.value.user || {};
    const roles = Array.isArray(me.value.roles) ? me.value.roles : [];
    // A role the name already says (联社党委管理员, 王栋长, 栋长陈伯) is not said twice.
    const names = [...new Set(roles.map((r) => ROLE_NAMES[r.role])
      .filter((n) => n && !String(user.display_name || '').includes(n)))].join('、');
    $('todo-who').replaceChildren([user.display_name, names].filter(Boolean).join(' · '), ' · ',
      el('span', 'huzu-nobreak', today()));
    render(todo.value);
    loadedAt = Date.now();
    showContent();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      loginGate('登录已过期', '请重新登录后查看今日待办');
    } else if (e.status === 403) {
      refuse();
    } else if (quiet && loadedAt) {
      // A refresh that failed keeps the counts on the screen.
      toptips(`刷新失败：${e.message}`, e.requestId);
    } else {
      $('todo-who').textContent = '';
      showState({ icon: 'weui-icon-warn', title: '暂时无法加载今日待办', desc: e.message, requestId: e.requestId,
        buttons: [stateButton('重试', { onClick: () => load(), primary: true, id: 'todo-retry' }),
          stateButton('全部功能', { href: '/#services' })] });
    }
  } finally {
    loading = false;
    button.disabled = false;
    button.textContent = '刷新';
  }
}

$('todo-refresh').addEventListener('click', () => load({ quiet: true }));
// Back from the page that handled an item: the counts are read again.
window.addEventListener('pageshow', (ev) => { if (ev.persisted && auth.loggedIn) load({ quiet: loadedAt > 0 }); });
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && loadedAt && Date.now() - loadedAt > 60_000) load({ quiet: true });
});

if (auth.loggedIn) load();
else loginGate('请先登录', '今日待办供栋长、户组长等工作人员使用');
