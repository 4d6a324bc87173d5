// Landing page for scanned QR codes: /q/<token> -> GET /api/v1/scan/<token>.
// A building code shows the building, its place in the org chain and the
// check code, and what the caller may do here (the server's `actions`).
// A station code ({station, check_code, actions, shift}) shows the station,
// the caller's shift there now with a big 签到 / 签退 button, and the way to
// the station's week of shifts (and to 管理 for its manager).
import { api, ApiError, tokens, LOGOUT_EVENT } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, formatDateTime, toast, hideToast, showState, showContent, stateButton, showConfirm, showError, setBusy,
} from './ui.js';
import {
  kindText, span, when, duration, showRefusal, nobreak, checkedInNote, past,
} from './shift-kit.js';

// Returns the token from /q/<token> (trailing slash allowed), or '' if absent or malformed.
function tokenFromPath() {
  const m = location.pathname.match(/^\/q\/([^/]+)\/?$/);
  if (!m) return '';
  try { return decodeURIComponent(m[1]); } catch { return ''; }
}

const token = tokenFromPath();
// landing-boot.js (async, beside the modules) may have asked already.
window.huzuScanStarted = true;
let scanData = null;
// The stored session could not be renewed (api.js cleared it): the page
// says so, with 登录, rather than looking like a visitor's.
let expired = false;
const EXPIRED = '登录已过期，请重新登录';
window.addEventListener(LOGOUT_EVENT, () => { expired = true; });

// The visitor's block: 登录, and why.
function anonBlock(tip, button) {
  $('place-anon').hidden = false;
  const t = $('place-anon-tip');
  t.textContent = expired ? EXPIRED : tip;
  t.classList.toggle('huzu-place__tip_expired', expired);
  $('act-login').href = loginHref(location.pathname);
  $('act-login').textContent = expired ? '登录' : button;
}

// ---- Message states (loading, errors) ----------------------------------------

// The state view with 重试 (shown when it may work later) and 返回首页. The
// hidden 重试 stays in place: WeUI spaces the second of two buttons.
function render({ icon, title, desc, requestId = '', retry = false, find = false }) {
  const again = stateButton('重试', { onClick: () => scan(), primary: true, id: 'state-retry' });
  again.hidden = !retry;
  showState({
    icon, title, desc, requestId, buttons: [
      again,
      find ? stateButton('找不到二维码？按门牌号查找', { href: '/register.html?find=1', id: 'state-find' }) : null,
      stateButton('返回首页', { href: '/' })],
  });
}

function renderError(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  // A 4xx other than timeouts/throttling means the code itself is bad; otherwise it may work later.
  const transient = e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500;
  let title = '二维码无法识别';
  if (transient) title = '暂时无法识别';
  else if (e.status === 410 || e.code === 'qr_expired') title = '此二维码已作废';
  // A replaced poster is an expected state: say what to do, no request id.
  const replaced = title === '此二维码已作废';
  render({
    icon: transient ? 'weui-icon-info' : 'weui-icon-warn',
    title,
    desc: replaced ? '请扫描楼栋门口新张贴的二维码，或联系栋长' : e.message,
    requestId: replaced ? '' : e.requestId,
    retry: transient,
    find: !transient,
  });
}

// ---- The building and what can be done here ------------------------------------

// Who reviews registrations here: 栋长, or 户组长 for a building without a head.
const reviewerWord = (data) => (data && data.reviewer && data.reviewer.role === 'group_leader' ? '户组长' : '栋长');

// The reviewer line, and the head's call button when they published a number.
function renderReviewer(data) {
  const r = data.reviewer || {};
  const line = $('place-reviewer');
  if (r.role === 'group_leader') {
    line.textContent = r.name ? `本楼暂无栋长，登记由户组长（${r.name}）审核` : '本楼暂无栋长，登记由户组长审核';
    line.hidden = false;
  } else {
    line.hidden = true;
  }
  const c = data.contact;
  const call = $('place-call');
  if (c && typeof c.phone === 'string' && /^1\d{10}$/.test(c.phone)) {
    call.href = `tel:${c.phone}`;
    call.textContent = `联系栋长 ${c.phone}`;
    call.setAttribute('aria-label', `拨打栋长${c.name || ''}的电话 ${c.phone}`);
    call.hidden = false;
  } else {
    call.hidden = true;
    call.removeAttribute('href');
  }
}

const CHAIN_ORDER = ['village', 'cooperative', 'group'];

function chainText(chain) {
  if (!Array.isArray(chain)) return '';
  const units = chain.filter((u) => u && typeof u.name === 'string' && u.kind !== 'building');
  units.sort((a, b) => CHAIN_ORDER.indexOf(a.kind) - CHAIN_ORDER.indexOf(b.kind));
  return units.map((u) => u.name).join(' › ');
}

// One row of the action list; href for links, onClick for in-page actions.
function actionCell({ id, mark, title, desc, href, onClick, disabled = false, tone = '' }) {
  const icon = el('span', { class: `huzu-action__icon ${tone}`, 'aria-hidden': 'true' }, mark);
  const bd = el('div', 'weui-cell__bd', el('p', 'huzu-action__title', title), desc ? el('p', 'weui-cell__desc', desc) : null);
  const hd = el('div', 'weui-cell__hd', icon);
  if (disabled) {
    return el('div', { class: 'weui-cell weui-cell_disabled huzu-action', id, 'aria-disabled': 'true' },
      hd, bd, el('div', 'weui-cell__ft', '即将开放'));
  }
  const cell = href
    ? el('a', { class: 'weui-cell weui-cell_access huzu-action', id, href }, hd, bd, el('div', 'weui-cell__ft'))
    : el('button', { class: 'weui-cell weui-cell_access huzu-action', id, type: 'button' }, hd, bd, el('div', 'weui-cell__ft'));
  if (onClick) cell.addEventListener('click', (ev) => onClick(ev, cell));
  return cell;
}

function notice(node, { tone, title, desc, link }) {
  node.className = `huzu-card huzu-notice huzu-notice_${tone}`;
  node.replaceChildren(...[
    el('p', 'huzu-notice__title', title),
    desc ? el('p', 'huzu-notice__desc huzu-wrap', desc) : null,
    link ? el('a', { class: 'huzu-notice__link', href: link.href, id: link.id }, link.text) : null,
  ].filter(Boolean));
  node.hidden = false;
}

function renderStatus(data) {
  const box = $('place-status');
  const t = data.tenancy;
  const actions = data.actions || [];
  box.hidden = true;
  if (t && t.here && t.status === 'pending') {
    notice(box, { tone: 'pending', title: '居住登记待审核', desc: `您在此楼栋的居住登记已提交，${reviewerWord(data)}审核通过后即可扫码打卡`, link: { href: '/residence.html', text: '查看我的登记' } });
  } else if (t && t.here && t.status === 'active') {
    notice(box, { tone: 'active', title: '您已在此楼栋登记居住', desc: '每月扫码打卡一次，确认仍在此居住' });
  } else if (t && !t.here && (t.status === 'pending' || t.status === 'active')) {
    const moving = t.status === 'active';
    notice(box, {
      tone: 'info',
      title: '您在其他楼栋已有居住登记',
      desc: moving ? '如已搬到这里，可直接登记新住址，原登记会同时结束' : '原登记还在审核中：如已搬到这里，请先在“我的居住”撤销原登记，再在此登记',
      link: moving
        ? { href: `/register.html?token=${encodeURIComponent(token)}&moving=${encodeURIComponent(t.id)}`, text: '搬到这里了？登记新住址', id: 'act-move-here' }
        : { href: '/residence.html', text: '查看我的居住' },
    });
  } else if (tokens.access && actions.length === 0) {
    notice(box, { tone: 'info', title: '您不负责此楼栋', desc: '工作人员只能在自己负责的楼栋巡查打卡、查看名册' });
  }
}

function actionList(data) {
  const b = data.building || {};
  const actions = new Set(Array.isArray(data.actions) ? data.actions : []);
  const cells = [];
  const q = `token=${encodeURIComponent(token)}`;
  if (actions.has('register')) {
    cells.push(actionCell({ id: 'act-register', mark: '登', tone: 'huzu-tone_green', title: '居住登记', desc: `租住人员信息登记，提交后由${reviewerWord(data)}审核`, href: `/register.html?${q}` }));
  }
  if (actions.has('verify_residence')) {
    cells.push(actionCell({ id: 'act-checkin', mark: '打', tone: 'huzu-tone_green', title: '扫码打卡', desc: '确认您仍在此楼栋居住', onClick: (ev, cell) => checkin(cell, 'residence') }));
  }
  if (actions.has('view_registration')) {
    cells.push(actionCell({ id: 'act-view', mark: '查', tone: 'huzu-tone_blue', title: '我的登记', desc: '查看登记信息和审核进度', href: '/residence.html' }));
  }
  if (actions.has('patrol')) {
    cells.push(actionCell({ id: 'act-patrol', mark: '巡', tone: 'huzu-tone_green', title: '巡查打卡', desc: '记录本次到楼栋巡查', onClick: (ev, cell) => checkin(cell, 'patrol') }));
  }
  if (actions.has('roster')) {
    cells.push(actionCell({ id: 'act-roster', mark: '册', tone: 'huzu-tone_blue', title: '住户名册', desc: '查看本楼栋已登记的住户', href: `/building.html?building=${encodeURIComponent(b.id)}#roster` }));
  }
  if (actions.has('review_registrations')) {
    cells.push(actionCell({ id: 'act-review', mark: '审', tone: 'huzu-tone_orange', title: '审核登记', desc: '审核本楼栋住户提交的居住登记', href: `/building.html?building=${encodeURIComponent(b.id)}#pending` }));
  }
  if (actions.has('report_problem')) {
    cells.push(actionCell({ id: 'act-report', mark: '诉', tone: 'huzu-tone_orange', title: '反映问题', desc: '噪音、卫生、消防隐患等，户组长限时答复', href: `/report.html?building=${encodeURIComponent(b.id)}` }));
  }
  if (actions.has('move_out') && data.tenancy) {
    cells.push(actionCell({ id: 'act-moveout', mark: '迁', tone: 'huzu-tone_red', title: '迁出', desc: '已搬离此楼栋时办理', onClick: (ev, cell) => moveOut(cell, data.tenancy.id) }));
  }
  return cells;
}

function renderPlace(data) {
  if (data && data.station) {
    renderStation(data);
    return;
  }
  scanData = data;
  const b = data.building || {};
  const info = b.building || {};
  showContent();
  $('place-chain').textContent = chainText(data.chain);
  $('place-name').textContent = b.name || '';
  $('place-address').textContent = data.address || '';
  const head = info.head && typeof info.head.display_name === 'string' ? info.head.display_name : '';
  $('place-head').textContent = head ? (/^栋长/.test(head) ? head : `栋长：${head}`) : '';
  $('place-head').hidden = !head;
  renderReviewer(data);
  $('place-code').textContent = data.check_code || '';
  document.title = `户组 · ${b.name || '扫码'}`;
  // 反映问题 (report.html?building=) names the building from here.
  try {
    sessionStorage.setItem('huzu.scan.building', JSON.stringify({ id: b.id, name: b.name || '', address: data.address || '' }));
  } catch { /* storage unavailable: report.html shows the building's number */ }

  renderStatus(data);
  const actions = Array.isArray(data.actions) ? data.actions : [];
  const anonymous = actions.includes('login');
  $('place-anon').hidden = !anonymous;
  if (anonymous) anonBlock('登录后可办理居住登记、扫码打卡、反映问题等事项', '登录后办理');
  const cells = anonymous ? [] : actionList(data);
  $('place-actions').replaceChildren(...cells);
  $('place-actions-group').hidden = cells.length === 0;
}

// ---- A station's code ----------------------------------------------------------------

function renderStation(data) {
  scanData = data;
  const st = data.station || {};
  $('place').classList.add('huzu-place_station');
  const actions = new Set(Array.isArray(data.actions) ? data.actions : []);
  showContent();
  $('place-chain').textContent = [kindText(st.kind), st.unit && st.unit.name].filter(Boolean).join(' · ');
  $('place-name').textContent = st.name || '';
  $('place-address').textContent = st.address || '';
  $('place-head').hidden = true;
  $('place-reviewer').hidden = true;
  $('place-call').hidden = true;
  $('place-hours').textContent = st.opening_hours ? `开放时间：${st.opening_hours}` : '';
  $('place-hours').hidden = !st.opening_hours;
  $('place-code').textContent = data.check_code || '';
  $('place-code-hint').textContent = '请与站点海报上的核验码核对，一致才是本站点的正规二维码';
  $('place-status').hidden = true;
  document.title = `户组 · ${st.name || '服务站点'}`;

  const anonymous = actions.has('login');
  $('place-anon').hidden = !anonymous;
  if (anonymous) anonBlock('登录后可签到、签退，查看和报名本站点的志愿服务班次', '登录');
  renderNow(data, actions, anonymous);

  const cells = [];
  const q = encodeURIComponent(st.id);
  if (!anonymous && actions.has('shifts')) {
    cells.push(actionCell({ id: 'act-shifts', mark: '班', tone: 'huzu-tone_green', title: '本周班次', desc: '查看空余名额，报名或取消', href: `/stations.html?id=${q}` }));
    cells.push(actionCell({ id: 'act-mine', mark: '志', tone: 'huzu-tone_blue', title: '我的志愿', desc: '报名记录和服务时长', href: '/my-shifts.html' }));
  }
  if (actions.has('manage')) {
    cells.push(actionCell({ id: 'act-manage', mark: '管', tone: 'huzu-tone_orange', title: '管理', desc: '发布班次、查看名单和出勤', href: `/station-manage.html?id=${q}` }));
  }
  $('place-actions').replaceChildren(...cells);
  $('place-actions-group').hidden = cells.length === 0;
}

// The caller's shift now: 签到 or 签退, or why there is nothing to do.
function renderNow(data, actions, anonymous) {
  const box = $('station-now');
  if (anonymous) {
    box.hidden = true;
    return;
  }
  const s = data.shift;
  const mode = actions.has('check_out') ? 'check_out' : actions.has('check_in') ? 'check_in' : '';
  if (!s || !mode) {
    box.className = 'huzu-card huzu-now huzu-now_none';
    box.replaceChildren(
      el('h2', { class: 'huzu-now__title', id: 'station-now-title' }, '您现在没有在这里的班次'),
      el('p', 'huzu-now__desc huzu-wrap', '报名的班次开始前 30 分钟至结束时，扫这个码即可签到；结束时再扫一次签退。'));
    box.hidden = false;
    return;
  }
  const mine = s.mine || {};
  const btn = el('button', { class: 'weui-btn weui-btn_primary huzu-now__btn', type: 'button', id: 'act-shift-check', 'data-mode': mode },
    mode === 'check_in' ? '签到' : '签退');
  const refusal = el('p', { class: 'huzu-refusal', id: 'station-now-refusal', role: 'alert', hidden: true });
  btn.addEventListener('click', () => stationCheck(btn, mode, refusal, s));
  box.className = 'huzu-card huzu-now';
  box.replaceChildren(...[
    el('h2', { class: 'huzu-now__title', id: 'station-now-title' }, '您现在的班次'),
    el('p', 'huzu-now__shift huzu-wrap', s.title || ''),
    el('p', 'huzu-now__time huzu-wrap', span(s)),
    mine.checked_in_at && !mine.checked_out_at ? el('p', { class: 'huzu-now__desc huzu-wrap', id: 'station-now-note' }, checkedInNote(s)) : null,
    btn,
    refusal,
  ].filter(Boolean));
  box.hidden = false;
}

async function stationCheck(btn, mode, refusal, shift) {
  if (busy) return;
  refusal.hidden = true;
  const label = mode === 'check_in' ? '签到' : '签退';
  // Leaving early counts only up to now: asked first.
  if (mode === 'check_out' && shift && shift.ends_at && !past(shift.ends_at)) {
    busy = true;
    const left = Math.max(1, Math.ceil((Date.parse(shift.ends_at) - Date.now()) / 60e3));
    const ok = await showConfirm({
      title: '提前签退',
      message: `班次还有 ${left} 分钟结束，现在签退只计到现在，确定签退吗？`,
      ok: '签退', cancel: '再想想',
    });
    busy = false;
    if (!ok) return;
  }
  busy = true;
  setBusy(btn, true, `正在${label}`);
  try {
    const res = await api.post('/checkins', { token });
    const s = res.shift || (scanData && scanData.shift) || {};
    const out = res.kind === 'shift_check_out';
    if (res.repeated) {
      showResult({ ok: false, title: out ? '刚刚已签退' : '刚刚已签到', desc: ['10 分钟内重复扫码不重复记录。上次：', res.at ? nobreak(when(res.at)) : '刚刚'] });
    } else if (out) {
      const mins = typeof res.minutes === 'number' ? res.minutes : null;
      showResult({
        ok: true,
        title: '签退成功',
        desc: [`${s.title || ''}${mins !== null ? ` · 本次服务时长 ${duration(mins)}（按 15 分钟取整）` : ''} · 签退时间 `, nobreak(when(res.at))],
      });
      toast('签退成功');
    } else {
      showResult({ ok: true, title: '签到成功', desc: [`${s.title || ''} · 签到时间 `, nobreak(when(res.at)), '。结束时请再扫码签退'] });
      toast('签到成功');
    }
    busy = false;
    await scan({ quiet: true });
    $('place-result').scrollIntoView({ block: 'nearest' });
  } catch (err) {
    setBusy(btn, false, label);
    if (err instanceof ApiError && err.status === 401) {
      // The session could not be renewed: the page as a visitor sees it, saying so.
      expired = true;
      busy = false;
      await scan({ quiet: true });
      return;
    }
    showRefusal(refusal, err, { station: scanData && scanData.station });
  } finally {
    busy = false;
  }
}

// ---- In-page actions ---------------------------------------------------------------

let busy = false;

function showResult({ ok, title, desc }) {
  const box = $('place-result');
  box.className = `huzu-card huzu-result ${ok ? 'huzu-result_ok' : 'huzu-result_again'}`;
  box.replaceChildren(
    el('i', { class: ok ? 'weui-icon-success' : 'weui-icon-waiting', 'aria-hidden': 'true' }),
    el('div', 'huzu-result__text', el('p', 'huzu-result__title', title), el('p', 'huzu-result__desc huzu-wrap', ...[].concat(desc))),
  );
  box.hidden = false;
}

async function checkin(cell, kind) {
  if (busy) return;
  busy = true;
  cell.setAttribute('aria-busy', 'true');
  toast('正在打卡', { ms: 0, icon: 'loading' });
  try {
    const res = await api.post('/checkins', { token });
    hideToast();
    const where = (res.building && res.building.name) || (scanData && scanData.building && scanData.building.name) || '';
    const at = formatDateTime(res.at);
    const patrol = res.kind === 'patrol' || kind === 'patrol';
    if (res.repeated) {
      showResult({ ok: false, title: '10 分钟内已打过卡', desc: `本次不重复记录。上次打卡：${at || '刚刚'}` });
    } else {
      showResult({
        ok: true,
        title: patrol ? '巡查打卡成功' : '打卡成功',
        desc: [patrol ? `已记录您在${where}的巡查 · ` : `已确认您在${where}居住 · `, nobreak(at)],
      });
      toast('打卡成功');
    }
    $('place-result').scrollIntoView({ block: 'nearest' });
  } catch (err) {
    hideToast();
    await showError(err);
  } finally {
    busy = false;
    cell.removeAttribute('aria-busy');
  }
}

async function moveOut(cell, id) {
  if (busy) return;
  const ok = await showConfirm({
    title: '办理迁出',
    message: '确定已搬离此楼栋吗？迁出后您的居住登记将结束，如再入住需重新登记。',
    ok: '确认迁出',
    warn: true,
  });
  if (!ok) return;
  busy = true;
  toast('正在办理', { ms: 0, icon: 'loading' });
  try {
    await api.post(`/tenancies/${encodeURIComponent(id)}/end`, {});
    toast('已办理迁出');
    $('place-result').hidden = true;
    await scan({ quiet: true });
  } catch (err) {
    hideToast();
    await showError(err);
  } finally {
    busy = false;
  }
}

// ---- Scan -----------------------------------------------------------------------------

// The answer landing-boot.js asked for before the modules arrived, once,
// if it was asked for this code with the session the page has now.
function earlyScan() {
  const e = window.huzuEarlyScan;
  window.huzuEarlyScan = undefined;
  if (!e || e.token !== token || (e.access || null) !== (tokens.access || null)) return Promise.resolve(null);
  return e.response.then((r) => {
    if (!r || !r.body || typeof r.body !== 'object') return null;
    if (r.status === 200) return r.body;
    const env = r.body.error;
    // The code's own refusal is final; anything else is asked again.
    if ((r.status === 404 || r.status === 410) && env && typeof env.message === 'string') {
      throw new ApiError({
        status: r.status, code: env.code, message: env.message,
        fields: env.fields || {}, requestId: env.request_id || r.requestId,
      });
    }
    return null;
  }, () => null);
}

async function scan({ quiet = false, retried = false } = {}) {
  if (!token) {
    render({ icon: 'weui-icon-warn', title: '二维码无法识别', desc: '链接不完整，请重新扫描楼栋门口的二维码', find: true });
    return;
  }
  if (!quiet) render({ icon: 'loading', title: '正在识别二维码…', desc: '请稍候' });
  try {
    const early = await earlyScan();
    renderPlace(early || await api.get(`/scan/${encodeURIComponent(token)}`));
  } catch (err) {
    // A session that cannot be renewed: look again as a visitor.
    if (err instanceof ApiError && err.status === 401 && !retried) {
      if (tokens.access || tokens.refresh) expired = true;
      tokens.clear();
      await scan({ quiet, retried: true });
      return;
    }
    renderError(err);
  }
}

// Back from the login page or another tab: show what this session may do.
window.addEventListener('pageshow', (ev) => { if (ev.persisted) scan({ quiet: true }); });

scan();
