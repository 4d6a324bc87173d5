// index.html, the app shell: hash-routed tabs (#home, #services, #me); 首页 knows who
// you are (GET /me/home: a resident's registration and its next step, a staff member's
// unit); 我的 (the caller's profile and roles, or the way to log in, 消息 with the unread
// count also shown as a red dot on the tab, and the 关怀模式 switch).
import { api, auth, tokens, ApiError, LOGOUT_EVENT } from './api.js';
import { loginHref, HOME_ME } from './nav.js';
import { $, el, ROLE_NAMES, UNIT_KINDS, KIND_NAMES, CHAIN_ROLES, showConfirm, formatDate } from './ui.js';

const TABS = ['home', 'services', 'me'];

function currentTab() {
  const name = location.hash.slice(1);
  return TABS.includes(name) ? name : 'home';
}

function showTab(name) {
  for (const tab of TABS) {
    const on = tab === name;
    $(`panel-${tab}`).hidden = !on;
    const item = $(`tab-${tab}`);
    item.classList.toggle('weui-bar__item_on', on);
    item.setAttribute('aria-selected', String(on));
  }
  // The first visit shares the page's /me; a later one asks again.
  if (name === 'me') {
    loadMe({ fresh: meShown });
    meShown = true;
  }
}

// ---- 我的 ------------------------------------------------------------------------

// Each load gets a number; answers to an older load are dropped.
let meSeq = 0;

// One GET /me per page load, shared by 我的 and the 诉求 entry on 首页;
// fresh asks again (重试, another tab logging in).
let meRequest = null;
let meShown = false;
function fetchMe({ fresh = false } = {}) {
  if (fresh || !meRequest) {
    meRequest = api.get('/me');
    meRequest.catch(() => { meRequest = null; });
  }
  return meRequest;
}

function setProfile({ name, tag = '', desc = '', requestId = '', busy = false }) {
  $('me-status').textContent = name;
  $('me-tag').textContent = tag;
  $('me-tag').hidden = !tag;
  $('me-desc').textContent = desc;
  $('me-desc').hidden = !desc;
  $('me-request-id').textContent = requestId ? `请求编号：${requestId}` : '';
  $('me-request-id').hidden = !requestId;
  $('me-profile').setAttribute('aria-busy', String(busy));
  $('me-profile').classList.toggle('huzu-profile_busy', busy);
}

function setButtons({ login = false, retry = false, logout = false }) {
  $('me-login').hidden = !login;
  $('me-retry').hidden = !retry;
  $('me-logout').hidden = !logout;
}

function renderLoggedOut() {
  setProfile({ name: '未登录', desc: '登录后可查看您的登记和诉求记录' });
  $('me-details').hidden = true;
  $('me-login').href = loginHref(HOME_ME);
  setButtons({ login: true });
}

function renderLoading() {
  setProfile({ name: '正在加载…', busy: true });
  $('me-details').hidden = true;
  setButtons({});
}

function roleCell(role) {
  const unitName = role.unit && typeof role.unit.name === 'string' ? role.unit.name : '';
  return el('div', 'weui-cell huzu-role',
    el('div', 'weui-cell__bd huzu-wrap',
      el('span', 'huzu-role__name', ROLE_NAMES[role.role] || String(role.role || '')),
      unitName ? ` · ${unitName}` : ''),
    el('div', 'weui-cell__ft', (role.unit && UNIT_KINDS[role.unit.kind]) || ''));
}

function renderMe(data) {
  const user = (data && data.user) || {};
  const staff = user.kind === 'staff';
  const kind = KIND_NAMES[staff ? 'staff' : 'resident'];
  const phone = typeof user.phone === 'string' ? user.phone : '';
  const username = typeof user.username === 'string' ? user.username : '';
  const roles = Array.isArray(data && data.roles) ? data.roles : [];

  setProfile({ name: user.display_name || kind, tag: kind });
  $('me-kind').textContent = kind;
  $('me-phone').textContent = phone;
  $('me-phone-row').hidden = !phone;
  $('me-username').textContent = username;
  $('me-username-row').hidden = !username;

  const list = $('me-roles');
  list.replaceChildren(...roles.map(roleCell));
  if (staff && roles.length === 0) list.append(el('div', 'weui-cell', el('div', 'weui-cell__bd huzu-muted', '暂无职务')));
  $('me-roles-group').hidden = !staff && roles.length === 0;
  // Links: residents to their registrations, staff who look after buildings to the workbench.
  const chainStaff = staff && roles.some((r) => CHAIN_ROLES.includes(r.role));
  $('me-residence').hidden = staff;
  $('me-complaints').hidden = staff;
  $('me-volunteer').hidden = staff;
  $('me-inbox').hidden = !chainStaff;
  $('me-building').hidden = !chainStaff;
  $('me-directives').hidden = !chainStaff;
  $('me-checklists').hidden = !chainStaff;
  // Station managers and admins run the stations.
  const stationStaff = staff && roles.some((r) => r.role === 'station_manager' || r.role === 'admin');
  $('me-stations').hidden = !stationStaff;
  // 今日待办 for the chain, 数据看板 for cadres and admins.
  const dashStaff = staff && roles.some((r) => r.role === 'cadre' || r.role === 'admin');
  $('me-todo').hidden = !chainStaff;
  $('me-dashboard').hidden = !dashStaff;
  $('me-password').hidden = !staff;   // staff sign in with one (residents by SMS code)
  $('me-links').hidden = false;        // 消息 is everyone's
  $('me-details').hidden = false;
  setButtons({ logout: true });
}

function renderMeError(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  setProfile({ name: '暂时无法获取您的信息', desc: e.message, requestId: e.requestId });
  $('me-details').hidden = true;
  setButtons({ retry: true, logout: true });
}

async function loadMe({ fresh = false } = {}) {
  const seq = ++meSeq;
  if (!auth.loggedIn) {
    renderLoggedOut();
    return;
  }
  renderLoading();
  try {
    // api.js renews an expired access token once before giving up.
    const data = await fetchMe({ fresh });
    if (seq === meSeq) renderMe(data);
  } catch (err) {
    if (seq !== meSeq) return;
    if (err instanceof ApiError && err.status === 401) {
      tokens.clear();
      renderLoggedOut();
    } else {
      renderMeError(err);
    }
  }
}

$('me-retry').addEventListener('click', () => loadMe({ fresh: true }));

$('me-logout').addEventListener('click', async () => {
  const ok = await showConfirm({ message: '确定退出登录吗？', ok: '退出登录', warn: true });
  if (!ok) return;
  const button = $('me-logout');
  button.disabled = true;
  button.classList.add('weui-btn_disabled');
  try {
    await auth.logout();
  } finally {
    meRequest = null;
    button.disabled = false;
    button.classList.remove('weui-btn_disabled');
    meSeq += 1;
    renderLoggedOut();
    clearHome();
  }
});

// The session ended elsewhere (a refused refresh in api.js).
window.addEventListener(LOGOUT_EVENT, () => {
  clearHome();
  if (currentTab() === 'me') {
    meSeq += 1;
    renderLoggedOut();
  }
});

// Another tab logged in or out: 我的 follows.
window.addEventListener('storage', (ev) => {
  if ((ev.key === null || ev.key === 'huzu.access' || ev.key === 'huzu.refresh') && currentTab() === 'me') {
    if (!auth.loggedIn) {
      meSeq += 1;
      renderLoggedOut();
    } else if (ev.oldValue === null) {
      loadMe({ fresh: true });
    }
  }
});

// ---- 诉求 on 首页: 我的诉求 with the updates not yet seen, or staff's 诉求工单 -------

function setUnread(n) {
  const badge = $('home-unread');
  badge.textContent = n > 99 ? '99+' : String(n);
  badge.hidden = !(n > 0);
  badge.setAttribute('aria-label', `${n} 条新进展`);
  $('home-complaints-desc').textContent = n > 0 ? `有 ${n} 条新进展，点开查看` : '查看办理进度和答复';
}

// 办事 shows staff only what their roles open: a head is not offered
// 数据看板 or 站点管理 to be refused there.
function servicesFor(me) {
  if (!me || !me.user || me.user.kind !== 'staff') return;
  const roles = Array.isArray(me.roles) ? me.roles.map((r) => r.role) : [];
  $('svc-dashboard').hidden = !roles.some((r) => r === 'cadre' || r === 'admin');
  $('svc-stations').hidden = !roles.some((r) => r === 'station_manager' || r === 'admin');
}

async function loadComplaintsEntry() {
  if (!auth.loggedIn) {
    setUnread(0);
    return;
  }
  try {
    const me = await fetchMe();
    servicesFor(me);
    if (me && me.user && me.user.kind === 'staff') {
      $('home-report').hidden = true;
      if (Array.isArray(me.roles) && me.roles.some((r) => CHAIN_ROLES.includes(r.role))) loadTodoEntry();
      $('home-complaints-title').textContent = '诉求工单';
      const page = await api.get('/complaints?open=true&overdue=true&limit=100');
      const n = Array.isArray(page.items) ? page.items.length : 0;
      $('home-unread').textContent = n > 99 ? '99+' : String(n);
      $('home-unread').hidden = n === 0;
      $('home-unread').setAttribute('aria-label', `${n} 条已超时`);
      $('home-complaints-desc').textContent = n > 0 ? `有 ${n}${page.next ? '+' : ''} 条已超时，请尽快处理` : '受理、答复、办结辖区内的诉求';
      return;
    }
    // A resident: the unread updates over their complaints.
    const page = await api.get('/complaints?limit=100');
    const items = Array.isArray(page.items) ? page.items : [];
    setUnread(items.reduce((sum, c) => sum + (Number(c.unread) > 0 ? Number(c.unread) : 0), 0));
  } catch {
    setUnread(0);            // the entry still opens the list
  }
}

// Staff: 今日待办 first, with everything waiting counted (todo_total of GET /me/home).
async function loadTodoEntry() {
  $('home-todo').hidden = false;
  try {
    const home = await fetchHome();
    const n = Number(home && home.todo_total) > 0 ? Number(home.todo_total) : 0;
    const badge = $('home-todo-count');
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.hidden = n === 0;
    badge.setAttribute('aria-label', `${n} 项待办`);
    $('home-todo-desc').textContent = n > 0 ? `有 ${n} 项等您处理` : '今天没有待办';
  } catch { /* the entry still opens the page, which says why */ }
}

// ---- 首页: who you are (GET /me/home) ---------------------------------------------

let homeRequest = null;
function fetchHome({ fresh = false } = {}) {
  if (fresh || !homeRequest) {
    homeRequest = api.get('/me/home');
    homeRequest.catch(() => { homeRequest = null; });
  }
  return homeRequest;
}

const num = (v) => (Number(v) > 0 ? Math.floor(Number(v)) : 0);
const dayOf = (ymd) => formatDate(ymd);

// A resident's registration: where it stands and the one thing to do next.
function residenceView(r) {
  if (!r) {
    return { step: '还未登记', tone: 'todo', action: '去登记', primary: true,
      desc: '在村里租住，请先做居住登记。扫描楼栋门口的二维码，或点下面的按钮登记' };
  }
  // One of the two when the building's name already says the address.
  const name = r.building_name || '';
  const where = r.address && name.includes(r.address) ? name : [r.address, name].filter(Boolean).join(' · ');
  if (r.status === 'pending') {
    return { step: '等待审核', tone: 'wait', action: '查看登记',
      desc: `${where}。已提交，审核有结果会在「消息」里告诉您` };
  }
  if (r.status === 'rejected') {
    return { step: '未通过审核', tone: 'todo', action: '去登记', primary: true,
      desc: `${where}。请查看原因，修改后重新登记` };
  }
  if (r.checked_in_this_month) {
    return { step: '本月已打卡', tone: 'done', action: '查看登记',
      desc: `${where}。下次请在${dayOf(r.next_checkin_due)}前扫码打卡` };
  }
  return { step: '本月还未打卡', tone: 'todo', action: '查看登记',
    desc: `${where}。请在${dayOf(r.next_checkin_due)}前扫描楼栋门口的二维码打卡` };
}

function renderHome(home, me) {
  const staff = me && me.user && me.user.kind === 'staff';
  $('home-hello').textContent = `您好，${home.name || (me && me.user && me.user.display_name) || ''}`;
  $('home-residence').hidden = staff;
  if (!staff) {
    const v = residenceView(home.residence || null);
    const step = $('home-step');
    step.textContent = v.step;
    step.className = `huzu-home-step huzu-home-step_${v.tone}`;
    $('home-res-desc').textContent = v.desc;
    const a = $('home-res-action');
    a.textContent = v.action;
    a.className = `weui-btn ${v.primary ? 'weui-btn_primary' : 'weui-btn_default'} huzu-home-card__btn`;
  }
  const u = staff ? home.unit : null;
  $('home-unit').hidden = !u;
  if (u) {
    $('home-unit-name').textContent = [u.name, u.units > 1 ? '' : UNIT_KINDS[u.kind]].filter(Boolean).join(' · ');
    $('home-unit-pending').textContent = String(num(u.renters_pending));
    $('home-unit-active').textContent = String(num(u.renters_active));
    $('home-unit-complaints').textContent = String(num(u.complaints_open));
  }
  $('home-card').hidden = false;
}

function clearHome() {
  homeRequest = null;
  $('home-card').hidden = true;
  setMessages(0);
}

async function loadHome({ fresh = false } = {}) {
  if (!auth.loggedIn) {
    clearHome();
    return;
  }
  try {
    const [home, me] = await Promise.all([fetchHome({ fresh }), fetchMe()]);
    renderHome(home || {}, me);
  } catch {
    $('home-card').hidden = true;      // the rest of 首页 still works
  }
}

// ---- 消息: the unread count on 我的 (the tab's red dot and the entry) ----------------

function setMessages(n) {
  const text = n > 99 ? '99+' : String(n);
  for (const id of ['tab-me-badge', 'me-messages-count']) {
    $(id).textContent = text;
    $(id).hidden = !(n > 0);
  }
  $('me-messages-count').setAttribute('aria-label', `${n} 条未读`);
  $('me-messages-desc').textContent = n > 0 ? `${n} 条未读` : '审核结果 · 办理进度';
  $('me-messages-desc').hidden = n > 0;
  $('tab-me').setAttribute('aria-label', n > 0 ? `我的，${n} 条未读消息` : '我的');
}

async function loadMessages() {
  if (!auth.loggedIn) {
    setMessages(0);
    return;
  }
  try {
    const page = await api.get('/notifications?limit=1');
    setMessages(num(page && page.unread));
  } catch {
    setMessages(0);
  }
}

// ---- 关怀模式: this device's choice (js/care.js applies it before the first paint) ----

const CARE_KEY = 'huzu.care';
function careOn() {
  try { return localStorage.getItem(CARE_KEY) === '1'; } catch { return false; }
}
$('me-care').checked = careOn();
$('me-care').addEventListener('change', () => {
  const on = $('me-care').checked;
  try {
    if (on) localStorage.setItem(CARE_KEY, '1');
    else localStorage.removeItem(CARE_KEY);
  } catch { /* storage off: this page only */ }
  window.huzuCare(on);
});
window.addEventListener('storage', (ev) => {
  if (ev.key === CARE_KEY || ev.key === null) $('me-care').checked = careOn();
});

window.addEventListener('pageshow', (ev) => {
  if (!ev.persisted) return;
  $('me-care').checked = careOn();
  loadHome({ fresh: true });
  loadComplaintsEntry();
  loadMessages();
});

window.addEventListener('hashchange', () => showTab(currentTab()));
showTab(currentTab());
loadHome();
loadComplaintsEntry();
loadMessages();
