// station-manage.html?id=<station>: 站点管理 for the station's manager or an
// admin. Hash views: #shifts (upcoming shifts), #roster=<shift> (who signed
// up, attendance polled every 15 s while on screen), #new (publish a shift
// or a weekly/daily series), #edit=<shift>, #station (address, opening
// hours, description; the poster; the hours CSV). Without ?id= it lists
// the stations the caller manages.
import { api, ApiError, auth, files, newIdempotencyKey } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, todayLocal, loadmore, emptyState, errorState, showState, showContent, stateButton,
  toast, hideToast, toptips, showConfirm, showError, promptFields, setBusy, setFieldError as setFieldErrorOf,
} from './ui.js';
// The one date format of the volunteer pages ("12月3日 周四 09:00"), used here too.
import { dayOf, dayText, clock, when, span } from './shift-kit.js';

export const STATION_KINDS = { culture: '文化站', elderly_care: '老人关爱站', women_children: '妇女儿童关爱站' };
const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const POLL_MS = 15000;
const LIST_DAYS = 60; // the API allows at most 62 days in one list

// Minutes before the start; the first of each list is the API's default.
const SIGNUP_OFFSETS = [[0, '开始前均可报名'], [60, '开始前 1 小时'], [180, '开始前 3 小时'], [1440, '开始前 1 天'], [2880, '开始前 2 天']];
const CANCEL_OFFSETS = [[180, '开始前 3 小时'], [0, '开始前均可取消'], [60, '开始前 1 小时'], [360, '开始前 6 小时'], [1440, '开始前 1 天'], [2880, '开始前 2 天']];

const stationId = new URLSearchParams(location.search).get('id') || '';
const here = location.pathname + location.search;

let station = null;
let shifts = [];

// ---- Times (Asia/Shanghai, sent as RFC 3339 with +08:00) -----------------------

const fmt = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23',
});
const WD = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

// {date: 'YYYY-MM-DD', time: 'HH:MM', weekday: '周六'} of an RFC 3339 time in Shanghai.
export function local(rfc3339) {
  const d = new Date(rfc3339);
  if (!rfc3339 || Number.isNaN(d.getTime())) return { date: '', time: '', weekday: '' };
  const o = {};
  for (const p of fmt.formatToParts(d)) o[p.type] = p.value;
  return { date: `${o.year}-${o.month}-${o.day}`, time: `${o.hour}:${o.minute}`, weekday: WEEKDAYS[WD[o.weekday]] || '' };
}

export const toRfc3339 = (date, time) => `${date}T${time}:00+08:00`;

// "12月3日 周四 09:00–12:00" (shift-kit's span): the one way of writing a
// shift's time, as on the volunteer pages.
export const shiftWhen = span;

// The same text in two pieces that each stay on one line: the day, the hours.
function whenParts(s) {
  const d1 = dayOf(s.starts_at);
  const rest = d1 === dayOf(s.ends_at) ? `${clock(s.starts_at)}–${clock(s.ends_at)}` : `${clock(s.starts_at)} – ${when(s.ends_at)}`;
  return [el('span', 'sm-nowrap', dayText(d1)), ' ', el('span', 'sm-nowrap', rest)];
}

// "周四" of YYYY-MM-DD ('' if it is not a date).
function weekdayOf(ymd) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(ymd || '')) return '';
  const d = new Date(`${ymd}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? '' : WEEKDAYS[d.getUTCDay()];
}

// "12月3日" of YYYY-MM-DD, the year too when it is not this year (as dayText).
function shortDay(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  if (!m) return '';
  const year = m[1] === todayLocal().slice(0, 4) ? '' : `${Number(m[1])}年`;
  return `${year}${Number(m[2])}月${Number(m[3])}日`;
}

function offsetLabel(min) {
  if (min <= 0) return '开始时';
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  return `开始前${d ? ` ${d} 天` : ''}${h ? ` ${h} 小时` : ''}${m ? ` ${m} 分钟` : ''}`;
}

function addDays(ymd, n) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// ---- Gate ----------------------------------------------------------------------------

function gate(state) {
  stopPolling();
  $('sm-picker').hidden = true;
  $('sm-desc').textContent = '';
  showState(state);
}

function loginState() {
  gate({
    icon: 'weui-icon-info', title: '请先登录', desc: '站点管理供站点负责人和管理员使用',
    buttons: [stateButton('工作人员登录', { href: `${loginHref(here + location.hash)}#staff`, primary: true, id: 'sm-login' })],
  });
}

function notFound() {
  document.title = '户组 · 无法管理该站点';
  gate({
    icon: 'weui-icon-warn', title: '无法管理该站点', desc: '该站点不存在，或不由您负责管理',
    buttons: [stateButton('选择我负责的站点', { href: '/station-manage.html', primary: true, id: 'sm-pick' })],
  });
}

function loadFailed(err, retry) {
  const e = err instanceof ApiError ? err : new ApiError();
  if (e.status === 401) { loginState(); return; }
  gate({
    icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
    buttons: [stateButton('重试', { onClick: retry, primary: true })],
  });
}

// ---- No ?id=: pick one of the stations the caller manages ------------------------------

async function pickStation() {
  $('sm-desc').textContent = '请选择站点';
  let list;
  try {
    const r = await api.get('/stations');
    list = (Array.isArray(r.items) ? r.items : []).filter((s) => s.can_manage);
  } catch (err) {
    loadFailed(err, () => { showState({ icon: 'loading', title: '正在加载…' }); pickStation(); });
    return;
  }
  if (!list.length) {
    gate({ icon: 'weui-icon-info', title: '您没有负责的站点', desc: '站点负责人由联社党委管理员指定', buttons: [stateButton('返回办事', { href: '/#services' })] });
    return;
  }
  if (list.length === 1) {
    location.replace(`/station-manage.html?id=${encodeURIComponent(list[0].id)}`);
    return;
  }
  $('state').hidden = true;
  $('sm-desc').textContent = `您负责 ${list.length} 个站点`;
  $('sm-picker-list').replaceChildren(...list.map((s) => el('a', {
    class: 'weui-cell weui-cell_access sm-link-cell sm-pick', href: `/station-manage.html?id=${encodeURIComponent(s.id)}`, 'data-id': String(s.id),
  },
  el('div', 'weui-cell__bd',
    el('p', 'huzu-wrap', s.name || ''),
    el('p', 'weui-cell__desc huzu-wrap', [STATION_KINDS[s.kind], s.unit && s.unit.name].filter(Boolean).join(' · '))),
  el('div', 'weui-cell__ft'))));
  $('sm-picker').hidden = false;
  document.body.dataset.ready = 'true';
}

// ---- Views -------------------------------------------------------------------------------

function route() {
  const h = location.hash.slice(1);
  const m = /^(roster|edit)=(\d+)$/.exec(h);
  if (m) return { view: m[1], id: m[2] };
  if (['shifts', 'new', 'station'].includes(h)) return { view: h };
  return { view: 'shifts' };
}

const TAB_OF = { shifts: 'shifts', roster: 'shifts', edit: 'new', new: 'new', station: 'station' };

function showView() {
  const { view, id } = route();
  const tab = TAB_OF[view];
  for (const t of ['shifts', 'new', 'station']) {
    const on = t === tab;
    $(`panel-${t}`).hidden = !on;
    $(`tab-${t}`).classList.toggle('weui-bar__item_on', on);
    $(`tab-${t}`).setAttribute('aria-selected', String(on));
  }
  $('shift-list-view').hidden = view !== 'shifts';
  $('roster-view').hidden = view !== 'roster';
  if (view !== 'roster') stopPolling();
  if (view === 'shifts') loadShifts();
  if (view === 'roster') openRoster(id);
  if (view === 'new') openForm(null);
  if (view === 'edit') openEdit(id);
  if (view === 'station') fillStationForm();
}

// ---- 班次: the list ---------------------------------------------------------------------------

function shiftState(s) {
  const now = Date.now();
  if (s.status === 'cancelled') return ['已取消', 'huzu-status_ended'];
  if (new Date(s.ends_at).getTime() <= now) return ['已结束', 'huzu-status_ended'];
  if (new Date(s.starts_at).getTime() <= now) return ['进行中', 'huzu-status_active'];
  if (!s.signup_open) return ['报名截止', 'huzu-status_ended'];
  if (s.free <= 0) return ['已满', 'huzu-status_pending'];
  return ['报名中', 'huzu-status_active'];
}

function counts(s) {
  return `已报名 ${s.confirmed}/${s.capacity}${s.waiting ? ` · 候补 ${s.waiting} 人` : ''}`;
}

function shiftCard(s) {
  const [stateText, stateCls] = shiftState(s);
  const cancelled = s.status === 'cancelled';
  const ended = new Date(s.ends_at).getTime() <= Date.now();
  const roster = el('a', { class: 'weui-form-preview__btn weui-form-preview__btn_primary sm-btn-roster', href: `#roster=${s.id}` }, '报名名单');
  const edit = el('a', { class: 'weui-form-preview__btn weui-form-preview__btn_default sm-btn-edit', href: `#edit=${s.id}` }, '修改');
  const cancel = el('button', { class: 'weui-form-preview__btn weui-form-preview__btn_default sm-btn-cancel', type: 'button' }, '取消班次');
  cancel.addEventListener('click', () => cancelShift(s, cancel));
  return el('section', { class: `weui-form-preview huzu-card sm-shift${cancelled ? ' sm-shift_cancelled' : ''}`, id: `shift-${s.id}`, 'data-id': String(s.id) },
    el('div', 'weui-form-preview__hd huzu-card__hd',
      el('div', 'huzu-card__place',
        el('strong', 'huzu-card__building huzu-wrap sm-shift__title', s.title || ''),
        el('span', 'huzu-card__room sm-shift__when', ...whenParts(s))),
      el('span', `huzu-status ${stateCls} sm-shift__state`, stateText)),
    el('p', 'sm-shift__counts', cancelled ? `取消原因：${s.cancel_reason || ''}` : counts(s)),
    el('div', 'weui-form-preview__ft',
      roster,
      !cancelled && !ended ? edit : null,
      !cancelled && !ended ? cancel : null));
}

// The list in days, each under its header (今天, 明天, 12月5日 周六), in
// time order from today.
function dayHeader(ymd) {
  const today = todayLocal();
  const name = ymd === today ? '今天' : ymd === addDays(today, 1) ? '明天' : '';
  return el('h2', { class: 'sm-day', id: `day-${ymd}`, 'data-day': ymd },
    el('span', 'sm-day__name', name || dayText(ymd)),
    name ? el('span', 'sm-day__date', dayText(ymd)) : null);
}

function groupedByDay(list) {
  const sorted = [...list].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at) || Number(a.id) - Number(b.id));
  const out = [];
  let last = '';
  for (const s of sorted) {
    const d = dayOf(s.starts_at);
    if (d !== last) {
      out.push(dayHeader(d));
      last = d;
    }
    out.push(shiftCard(s));
  }
  return out;
}

let listSeq = 0;

async function loadShifts() {
  const list = $('shift-list');
  const seq = ++listSeq;
  const from = todayLocal();
  const to = addDays(from, LIST_DAYS);
  $('shift-range').textContent = `${dayText(from)} 至 ${dayText(addDays(to, -1))} 的班次`;
  if (!list.children.length || list.querySelector('.huzu-empty_error')) list.replaceChildren(loadmore('正在加载', { loading: true }));
  const q = new URLSearchParams({ station: stationId, from: toRfc3339(from, '00:00'), to: toRfc3339(to, '00:00') });
  try {
    const r = await api.get(`/shifts?${q}`);
    if (seq !== listSeq) return;
    shifts = Array.isArray(r.items) ? r.items : [];
    if (!shifts.length) {
      const add = el('a', { class: 'weui-btn weui-btn_primary weui-btn_mini', href: '#new' }, '发布班次');
      list.replaceChildren(el('div', 'huzu-empty', el('p', 'huzu-empty__title', '近期没有班次'), el('p', 'huzu-empty__desc', '发布后，居民可在“志愿服务”中报名'), add));
    } else {
      list.replaceChildren(...groupedByDay(shifts));
      if (r.truncated) list.append(el('p', 'sm-hint', '班次较多，仅显示前面的部分'));
    }
    document.body.dataset.ready = 'true';
  } catch (err) {
    if (seq !== listSeq) return;
    if (err instanceof ApiError && err.status === 401) { loginState(); return; }
    list.replaceChildren(errorState(err, () => loadShifts()));
  }
}

// The shifts of s's series from s on that can still be cancelled (in the
// loaded list: the next LIST_DAYS days), s excluded.
function laterInSeries(s) {
  if (s.series_id == null) return [];
  const from = Date.parse(s.starts_at);
  return shifts
    .filter((x) => String(x.id) !== String(s.id) && x.series_id != null && String(x.series_id) === String(s.series_id) &&
      x.status === 'open' && Date.parse(x.starts_at) >= from && Date.parse(x.ends_at) > Date.now())
    .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
}

function replaceCard(updated) {
  const i = shifts.findIndex((x) => String(x.id) === String(updated.id));
  if (i >= 0) shifts[i] = updated;
  const card = $(`shift-${updated.id}`);
  if (card) card.replaceWith(shiftCard(updated));
}

async function cancelShift(s, button) {
  const people = s.confirmed + s.waiting;
  const later = laterInSeries(s);
  const answer = await promptFields({
    title: '取消班次',
    desc: `${s.title}（${shiftWhen(s)}）。${people ? `已报名的 ${s.confirmed} 人${s.waiting ? `和候补的 ${s.waiting} 人` : ''}都会收到取消通知和原因。` : '目前还没有人报名。'}取消后不能恢复。`,
    fields: [{ name: 'reason', label: '取消原因', placeholder: '志愿者会看到，如：场地临时占用', max: 200, missing: '请填写取消原因', presets: ['天气原因', '场地临时占用', '活动调整'] }],
    checks: later.length ? [{ name: 'series', label: `取消整个系列（之后的班次）：连同之后的 ${later.length} 个班次，至 ${dayText(dayOf(later[later.length - 1].starts_at))}` }] : [],
    ok: '确认取消', cancel: '不取消', warn: true,
  });
  if (!answer) return;
  const todo = [s, ...(answer.series ? later : [])];
  button.disabled = true;
  const failed = [];
  let done = 0;
  let notified = false;
  let reload = false;
  for (const [i, x] of todo.entries()) {
    toast(todo.length > 1 ? `正在取消 ${i + 1}/${todo.length}` : '正在取消', { ms: 0, icon: 'loading' });
    try {
      const updated = await api.post(`/shifts/${encodeURIComponent(x.id)}/cancel`, { reason: answer.reason });
      done += 1;
      if (x.confirmed + x.waiting) notified = true;
      if (updated && updated.id) replaceCard(updated);
      else reload = true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'shift_cancelled') {
        if (todo.length === 1) toptips('该班次已被取消');
        done += 1;
        reload = true;
        continue;
      }
      if (err instanceof ApiError && err.status === 401) { hideToast(); loginState(); return; }
      failed.push({ shift: x, err });
    }
  }
  hideToast();
  if (!failed.length) {
    if (!reload || todo.length > 1) toast(todo.length > 1 ? `已取消 ${done} 个班次` : notified ? '已取消，已通知报名者' : '已取消');
    if (reload) loadShifts();
    return;
  }
  button.disabled = false;
  if (todo.length === 1) {
    showError(failed[0].err);
    return;
  }
  // Which shifts are still open and why, one line each (no request ids).
  const fields = {};
  for (const { shift, err } of failed) fields[`shift-${shift.id}`] = `${shiftWhen(shift)}：${err instanceof ApiError ? err.message : '网络连接失败'}`;
  await showError(new ApiError({ message: `已取消 ${done} 个，${failed.length} 个未能取消，可稍后逐个再试：`, fields }));
  loadShifts();
}

// ---- The roster, polled while on screen ---------------------------------------------------------

let pollTimer = 0;
let rosterId = '';
let rosterSeq = 0;

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = 0;
  rosterId = '';
}

function hhmm(t) {
  return t ? local(t).time : '';
}

// [badge text, badge class, detail line] for one sign-up.
function attendance(e, shift) {
  const now = Date.now();
  const started = new Date(shift.starts_at).getTime() - 30 * 60000 <= now;
  const ended = new Date(shift.ends_at).getTime() <= now;
  switch (e.status) {
    case 'confirmed':
      if (e.checked_out_at) {
        return ['已签退', 'huzu-status_active', `签到 ${hhmm(e.checked_in_at)} · 签退 ${hhmm(e.checked_out_at)}${e.minutes != null ? ` · 计 ${e.minutes} 分钟` : ''}`];
      }
      if (e.checked_in_at) return ['已签到', 'sm-status_in', `签到 ${hhmm(e.checked_in_at)}`];
      if (ended) return ['未到', 'huzu-status_rejected', '未扫码签到'];
      if (started) return ['未签到', 'huzu-status_pending', '尚未扫码签到'];
      return ['已报名', 'sm-status_plain', `报名于 ${when(e.signed_up_at)}`];
    case 'no_show':
      return ['未到', 'huzu-status_rejected', '未扫码签到，已记缺席'];
    case 'waiting':
      return [`候补第 ${e.position ?? '?'} 位`, 'huzu-status_pending', `报名于 ${when(e.signed_up_at)}`];
    case 'removed':
      return ['已移除', 'huzu-status_ended', ''];
    case 'cancelled':
      return ['已取消', 'huzu-status_ended', '本人取消报名'];
    default:
      return [e.status || '', 'huzu-status_ended', ''];
  }
}

function rosterCell(e, shift) {
  const [badge, cls, detail] = attendance(e, shift);
  const u = e.user || {};
  const name = u.name || '未填写姓名';
  // Someone who has checked in has come: nothing to remove.
  const removable = (e.status === 'confirmed' || e.status === 'waiting') && !e.checked_in_at && shift.status !== 'cancelled' &&
    new Date(shift.ends_at).getTime() > Date.now();
  const remove = removable ? el('button', { class: 'huzu-linkbtn huzu-linkbtn_warn sm-remove', type: 'button' }, '移除') : null;
  remove?.addEventListener('click', () => removeSignup(e, shift, remove));
  return el('div', { class: `weui-cell sm-person sm-person_${e.status}`, id: `signup-${e.signup_id}`, 'data-status': e.status },
    el('div', 'weui-cell__bd',
      el('p', 'sm-person__name', el('span', 'huzu-wrap', name), u.phone_masked ? el('span', 'sm-person__phone', u.phone_masked) : null),
      el('p', 'sm-person__line',
        el('span', `huzu-status ${cls} sm-person__badge`, badge),
        detail ? el('span', 'sm-person__detail', detail) : null)),
    remove ? el('div', 'weui-cell__ft', remove) : null);
}

function rosterHead(shift, items) {
  const n = (f) => items.filter(f).length;
  const inNow = n((e) => e.status === 'confirmed' && e.checked_in_at && !e.checked_out_at);
  const out = n((e) => e.status === 'confirmed' && e.checked_out_at);
  const absent = n((e) => e.status === 'no_show' || (e.status === 'confirmed' && !e.checked_in_at && new Date(shift.ends_at).getTime() <= Date.now()));
  const [stateText, stateCls] = shiftState(shift);
  return el('section', 'huzu-card sm-roster-hd',
    el('div', 'sm-roster-hd__top',
      el('h2', 'sm-roster-hd__title huzu-wrap', shift.title || ''),
      el('span', `huzu-status ${stateCls}`, stateText)),
    el('p', 'sm-roster-hd__when', ...whenParts(shift)),
    shift.status === 'cancelled' ? el('p', 'sm-roster-hd__when', `取消原因：${shift.cancel_reason || ''}`) : null,
    el('div', 'sm-stats',
      el('div', 'sm-stat', el('strong', { id: 'stat-confirmed' }, `${shift.confirmed}/${shift.capacity}`), el('span', '', '已报名')),
      el('div', 'sm-stat', el('strong', { id: 'stat-waiting' }, String(shift.waiting)), el('span', '', '候补')),
      el('div', 'sm-stat', el('strong', { id: 'stat-in' }, String(inNow)), el('span', '', '已签到')),
      el('div', 'sm-stat', el('strong', { id: 'stat-out' }, String(out)), el('span', '', '已签退')),
      el('div', 'sm-stat', el('strong', { id: 'stat-absent' }, String(absent)), el('span', '', '未到'))));
}

async function loadRoster({ quiet = false } = {}) {
  const id = rosterId;
  if (!id) return;
  const seq = ++rosterSeq;
  if (!quiet) {
    $('roster-head').replaceChildren();
    $('roster-list').replaceChildren(loadmore('正在加载', { loading: true }));
    $('roster-live').textContent = '';
  }
  try {
    const r = await api.get(`/shifts/${encodeURIComponent(id)}/roster`);
    if (seq !== rosterSeq || id !== rosterId) return;
    const shift = r.shift || {};
    const items = Array.isArray(r.items) ? r.items : [];
    $('roster-head').replaceChildren(rosterHead(shift, items));
    $('roster-list').replaceChildren(items.length
      ? el('div', 'weui-cells sm-roster', ...items.map((e) => rosterCell(e, shift)))
      : emptyState('还没有人报名', '有人报名后会出现在这里'));
    const live = shift.status !== 'cancelled' && new Date(shift.ends_at).getTime() + 2 * 3600000 > Date.now();
    $('roster-live').textContent = `${live ? '签到情况每 15 秒自动更新 · ' : ''}更新于 ${local(new Date().toISOString()).time}`;
    document.body.dataset.ready = 'true';
  } catch (err) {
    if (seq !== rosterSeq || id !== rosterId) return;
    if (err instanceof ApiError && err.status === 404) {
      stopPolling();
      $('roster-head').replaceChildren();
      $('roster-list').replaceChildren(emptyState('找不到该班次', '班次不存在，或不属于您管理的站点'));
      return;
    }
    if (err instanceof ApiError && err.status === 401) { loginState(); return; }
    if (quiet) {
      $('roster-live').textContent = '自动更新失败，稍后重试';
      return;
    }
    $('roster-list').replaceChildren(errorState(err, () => loadRoster()));
  }
}

function openRoster(id) {
  if (rosterId === id && pollTimer) return;
  stopPolling();
  rosterId = id;
  loadRoster();
  pollTimer = setInterval(() => {
    if (document.visibilityState === 'visible') loadRoster({ quiet: true });
  }, POLL_MS);
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && rosterId) loadRoster({ quiet: true });
});

async function removeSignup(e, shift, button) {
  const name = (e.user && e.user.name) || '该志愿者';
  const promote = e.status === 'confirmed' && shift.waiting > 0;
  const ok = await showConfirm({
    title: '移出本班次',
    message: `将 ${name} 移出“${shift.title}”？对方会收到通知。${promote ? '候补第 1 位将自动递补。' : ''}`,
    ok: '移除', warn: true,
  });
  if (!ok) return;
  button.disabled = true;
  try {
    await api.delete(`/shifts/${encodeURIComponent(shift.id)}/signups/${encodeURIComponent(e.signup_id)}`);
    toast('已移除');
    loadRoster({ quiet: true });
  } catch (err) {
    button.disabled = false;
    showError(err);
  }
}

// ---- 发布 / 修改 a shift ------------------------------------------------------------------

const FIELDS = ['title', 'description', 'requirements', 'capacity', 'date', 'start', 'end', 'signup_deadline', 'cancel_deadline', 'repeat_every', 'repeat_count'];
// The API's field names where they differ from the form's.
const API_FIELD = { starts_at: 'start', ends_at: 'end' };

let editing = null; // the shift being edited, null for a new one
let createKey = null; // Idempotency-Key of the create being tried (kept for a retry)

function setFieldError(name, message) {
  setFieldErrorOf({ cell: $(`cell-${name}`), error: $(`err-${name}`), input: $(`f-${name}`) }, message);
}

function clearErrors() {
  for (const n of FIELDS) setFieldError(n, '');
}

function fillOffsets(select, options, value) {
  const list = [...options];
  if (value != null && !list.some(([m]) => m === value)) list.push([value, offsetLabel(value)]);
  select.replaceChildren(...list.map(([m, text]) => el('option', { value: String(m) }, text)));
  select.value = String(value ?? options[0][0]);
}

// "周四" beside the date field.
function syncWeekday() {
  $('date-weekday').textContent = weekdayOf($('f-date').value);
}

// "每周四，共 8 次：12月3日 … 1月21日".
export function repeatSummary(first, every, n) {
  const wd = weekdayOf(first);
  if (!wd || !every || !(n >= 2)) return '';
  const last = addDays(first, (n - 1) * (every === 'week' ? 7 : 1));
  return `${every === 'week' ? `每${wd}` : '每天'}，共 ${n} 次：${shortDay(first)} … ${shortDay(last)}。每个班次分别报名。`;
}

function syncRepeat() {
  syncWeekday();
  const every = $('f-repeat_every').value;
  $('cell-repeat_count').hidden = !every;
  const n = Number($('f-repeat_count').value);
  const summary = $('repeat-summary');
  const text = every && Number.isInteger(n) && n <= 26 ? repeatSummary($('f-date').value, every, n) : '';
  summary.hidden = !text;
  summary.textContent = text;
}

function setTimesLocked(locked) {
  for (const n of ['date', 'start', 'end']) $(`f-${n}`).disabled = locked;
}

function openForm(shift) {
  editing = shift;
  const form = $('shift-form');
  form.reset();
  clearErrors();
  $('form-title').textContent = shift ? '修改班次' : '发布班次';
  $('form-submit').textContent = shift ? '保存修改' : '发布';
  $('form-back-bar').hidden = !shift;
  $('repeat-area').hidden = Boolean(shift);
  $('form-note').hidden = true;
  setTimesLocked(false);
  if (!shift) {
    createKey = null;
    $('f-date').min = todayLocal();
    $('f-date').value = addDays(todayLocal(), 1);
    $('f-start').value = '09:00';
    $('f-end').value = '12:00';
    $('f-repeat_count').value = '4';
    fillOffsets($('f-signup_deadline'), SIGNUP_OFFSETS, 0);
    fillOffsets($('f-cancel_deadline'), CANCEL_OFFSETS, 180);
  } else {
    const a = local(shift.starts_at);
    const start = new Date(shift.starts_at).getTime();
    const before = (t) => Math.max(0, Math.round((start - new Date(t).getTime()) / 60000));
    $('f-title').value = shift.title || '';
    $('f-description').value = shift.description || '';
    $('f-requirements').value = shift.requirements || '';
    $('f-capacity').value = String(shift.capacity ?? '');
    $('f-date').removeAttribute('min');
    $('f-date').value = a.date;
    $('f-start').value = a.time;
    $('f-end').value = local(shift.ends_at).time;
    fillOffsets($('f-signup_deadline'), SIGNUP_OFFSETS, before(shift.signup_deadline));
    fillOffsets($('f-cancel_deadline'), CANCEL_OFFSETS, before(shift.cancel_deadline));
    const people = (shift.confirmed || 0) + (shift.waiting || 0);
    if (people) {
      setTimesLocked(true);
      $('form-note').textContent = `已有 ${people} 人报名，日期和时间不能再改；如需改期，请取消本班次后重新发布。人数不能少于已报名的 ${shift.confirmed} 人。`;
      $('form-note').hidden = false;
    }
  }
  syncRepeat();
}

async function openEdit(id) {
  let shift = shifts.find((s) => String(s.id) === id);
  if (!shift) {
    $('form-title').textContent = '修改班次';
    try {
      shift = await api.get(`/shifts/${encodeURIComponent(id)}`);
    } catch (err) {
      showError(err).then(() => { location.hash = '#shifts'; });
      return;
    }
    if (String(shift.station && shift.station.id) !== String(stationId) || !shift.can_manage) {
      toptips('找不到该班次');
      location.hash = '#shifts';
      return;
    }
  }
  if (route().view === 'edit') openForm(shift);
}

// Reads and checks the form; returns {body} or null after marking the errors.
function readForm() {
  clearErrors();
  const errors = {};
  const v = (n) => $(`f-${n}`).value.trim();
  const title = v('title');
  if (!title) errors.title = '请填写班次名称';
  const capText = v('capacity');
  const capacity = Number(capText);
  if (!capText) errors.capacity = '请填写需要的人数';
  else if (!Number.isInteger(capacity) || capacity < 1 || capacity > 500) errors.capacity = '人数应为 1 到 500 之间的整数';
  else if (editing && capacity < editing.confirmed) errors.capacity = `已有 ${editing.confirmed} 人报名，人数不能少于 ${editing.confirmed}`;
  const date = v('date');
  const start = v('start');
  const end = v('end');
  if (!date) errors.date = '请选择日期';
  if (!start) errors.start = '请选择开始时间';
  if (!end) errors.end = '请选择结束时间';
  let startsAt = 0;
  if (date && start && end) {
    startsAt = new Date(toRfc3339(date, start)).getTime();
    const endsAt = new Date(toRfc3339(date, end)).getTime();
    if (endsAt <= startsAt) errors.end = '结束时间应晚于开始时间';
    else if (endsAt - startsAt > 12 * 3600000) errors.end = '一个班次不能超过 12 小时';
    const timesChanged = !editing || toRfc3339(date, start) !== toRfc3339(local(editing.starts_at).date, local(editing.starts_at).time);
    if (timesChanged && startsAt <= Date.now()) errors.start = '开始时间已过，请选择以后的时间';
  }
  const every = editing ? '' : v('repeat_every');
  const count = Number(v('repeat_count'));
  if (every && !(Number.isInteger(count) && count >= 2 && count <= 26)) errors.repeat_count = '重复次数应为 2 到 26 次';
  const names = Object.keys(errors);
  if (names.length) {
    for (const n of names) setFieldError(n, errors[n]);
    $(`f-${names[0]}`).focus();
    return null;
  }
  const signupOff = Number($('f-signup_deadline').value);
  const cancelOff = Number($('f-cancel_deadline').value);
  const at = (off) => {
    const t = new Date(startsAt - off * 60000);
    const p = local(t.toISOString());
    return toRfc3339(p.date, p.time);
  };
  const fields = {
    title,
    description: v('description'),
    requirements: v('requirements'),
    capacity,
    starts_at: toRfc3339(date, start),
    ends_at: toRfc3339(date, end),
    signup_deadline: at(signupOff),
    cancel_deadline: at(cancelOff),
  };
  if (!editing) {
    const body = { station_id: Number(stationId), title, capacity, starts_at: fields.starts_at, ends_at: fields.ends_at };
    if (fields.description) body.description = fields.description;
    if (fields.requirements) body.requirements = fields.requirements;
    // The API's defaults (at the start; 3 hours before) are left to it.
    if (signupOff !== SIGNUP_OFFSETS[0][0]) body.signup_deadline = fields.signup_deadline;
    if (cancelOff !== CANCEL_OFFSETS[0][0]) body.cancel_deadline = fields.cancel_deadline;
    if (every) {
      body.repeat_every = every;
      body.repeat_count = count;
    }
    return { body };
  }
  // An edit sends what changed.
  const body = {};
  const old = {
    title: editing.title || '',
    description: editing.description || '',
    requirements: editing.requirements || '',
    capacity: editing.capacity,
    starts_at: toRfc3339(local(editing.starts_at).date, local(editing.starts_at).time),
    ends_at: toRfc3339(local(editing.ends_at).date, local(editing.ends_at).time),
  };
  for (const k of ['title', 'description', 'requirements', 'capacity']) if (fields[k] !== old[k]) body[k] = fields[k];
  const moved = fields.starts_at !== old.starts_at || fields.ends_at !== old.ends_at;
  if (moved) {
    body.starts_at = fields.starts_at;
    body.ends_at = fields.ends_at;
  }
  const oldStart = new Date(editing.starts_at).getTime();
  const oldOff = (t) => Math.max(0, Math.round((oldStart - new Date(t).getTime()) / 60000));
  if (moved || signupOff !== oldOff(editing.signup_deadline)) body.signup_deadline = fields.signup_deadline;
  if (moved || cancelOff !== oldOff(editing.cancel_deadline)) body.cancel_deadline = fields.cancel_deadline;
  return { body };
}

// Field messages of a 422 under their fields; true if any was placed.
function placeFieldErrors(err) {
  let placed = false;
  for (const [k, msg] of Object.entries(err.fields || {})) {
    const name = API_FIELD[k] || k;
    if (typeof msg === 'string' && $(`cell-${name}`)) {
      setFieldError(name, msg);
      if (!placed) $(`f-${name}`).focus();
      placed = true;
    }
  }
  return placed;
}

async function submitShift(ev) {
  ev.preventDefault();
  const button = $('form-submit');
  if (button.disabled) return;
  const read = readForm();
  if (!read) return;
  const label = editing ? '保存修改' : '发布';
  if (editing && !Object.keys(read.body).length) {
    toast('没有改动');
    location.hash = '#shifts';
    return;
  }
  setBusy(button, true, editing ? '正在保存' : '正在发布');
  try {
    if (editing) {
      await api.patch(`/shifts/${encodeURIComponent(editing.id)}`, read.body);
      toast('已保存');
    } else {
      createKey = createKey || newIdempotencyKey();
      const r = await api.post('/shifts', read.body, { idempotencyKey: createKey });
      createKey = null;
      const n = Array.isArray(r.items) ? r.items.length : 1;
      toast(n > 1 ? `已发布 ${n} 个班次` : '已发布');
    }
    setBusy(button, false, label);
    editing = null;
    location.hash = '#shifts';
  } catch (err) {
    setBusy(button, false, label);
    if (!(err instanceof ApiError)) { showError(err); return; }
    if (err.code === 'capacity_below_confirmed') { setFieldError('capacity', err.message); $('f-capacity').focus(); return; }
    if (err.code === 'shift_has_signups') {
      setTimesLocked(true);
      setFieldError('start', err.message);
      return;
    }
    if (err.status === 422 && placeFieldErrors(err)) return;
    showError(err);
  }
}

// ---- 站点信息 ---------------------------------------------------------------------------------

const ALL_STATION_FIELDS = [['address', 'address'], ['opening_hours', 'opening_hours'], ['phone', 'phone'], ['description', 'station_description']];
// The public contact phone only where the API knows it (the station has the key).
const stationFields = () => ALL_STATION_FIELDS.filter(([k]) => k !== 'phone' || (station && 'phone' in station));
// Digits, spaces and '-', 5 to 20 of them, as the API takes it.
const PHONE_RE = /^[0-9 -]{5,20}$/;

function renderStationHead() {
  $('sm-title').textContent = station.name || '站点管理';
  $('sm-desc').textContent = [STATION_KINDS[station.kind], station.unit && station.unit.name, station.address].filter(Boolean).join(' · ');
  document.title = `户组 · ${station.name || '站点管理'}`;
}

function fillStationForm() {
  $('cell-phone').hidden = !stationFields().some(([k]) => k === 'phone');
  for (const [k, f] of stationFields()) {
    $(`f-${f}`).value = station[k] || '';
    setFieldError(f, '');
  }
  const today = todayLocal();
  if (!$('f-export_from').value) $('f-export_from').value = `${today.slice(0, 8)}01`;
  if (!$('f-export_to').value) $('f-export_to').value = today;
}

async function saveStation(ev) {
  ev.preventDefault();
  const button = $('station-save');
  if (button.disabled) return;
  const body = {};
  for (const [k, f] of stationFields()) {
    setFieldError(f, '');
    const v = $(`f-${f}`).value.trim();
    if (v !== (station[k] || '')) body[k] = v;
  }
  if (body.phone && !PHONE_RE.test(body.phone)) {
    setFieldError('phone', '联系电话为 5 至 20 位，只能有数字、空格和“-”，如 020-12345678');
    $('f-phone').focus();
    return;
  }
  if (!Object.keys(body).length) {
    toast('没有改动');
    return;
  }
  setBusy(button, true, '正在保存');
  try {
    station = await api.patch(`/stations/${encodeURIComponent(stationId)}`, body);
    renderStationHead();
    fillStationForm();
    toast('已保存');
  } catch (err) {
    let placed = false;
    if (err instanceof ApiError && err.status === 422) {
      for (const [k, f] of stationFields()) {
        const msg = err.fields && err.fields[k];
        if (typeof msg === 'string') {
          setFieldError(f, msg);
          if (!placed) $(`f-${f}`).focus();
          placed = true;
        }
      }
    }
    if (!placed) showError(err);
  } finally {
    setBusy(button, false, '保存');
  }
}

// The CSV needs the bearer token, so it is fetched and saved from a Blob.
async function exportHours() {
  const button = $('export-btn');
  if (button.disabled) return;
  const from = $('f-export_from').value;
  const to = $('f-export_to').value;
  setFieldError('export_from', '');
  setFieldError('export_to', '');
  if (!from) { setFieldError('export_from', '请选择开始日期'); return; }
  if (!to) { setFieldError('export_to', '请选择结束日期'); return; }
  if (to < from) { setFieldError('export_to', '结束日期不能早于开始日期'); return; }
  setBusy(button, true, '正在导出');
  try {
    const q = new URLSearchParams({ from, to });
    const blob = await files.blob(`/api/v1/stations/${encodeURIComponent(stationId)}/hours.csv?${q}`);
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: `志愿时长-${station.name || stationId}-${from}至${to}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    toast('已导出');
  } catch (err) {
    if (err instanceof ApiError && err.status === 422 && (err.fields.from || err.fields.to)) {
      if (err.fields.from) setFieldError('export_from', err.fields.from);
      if (err.fields.to) setFieldError('export_to', err.fields.to);
    } else {
      showError(err);
    }
  } finally {
    setBusy(button, false, '导出 CSV');
  }
}

// ---- Start ------------------------------------------------------------------------------------

async function start() {
  if (!auth.loggedIn) { loginState(); return; }
  if (!stationId) { pickStation(); return; }
  if (!/^\d+$/.test(stationId)) { notFound(); return; }
  try {
    station = await api.get(`/stations/${encodeURIComponent(stationId)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) { notFound(); return; }
    loadFailed(err, () => { showState({ icon: 'loading', title: '正在加载…' }); start(); });
    return;
  }
  if (!station || !station.can_manage) { notFound(); return; }
  renderStationHead();
  $('poster-link').href = `/station-poster.html?id=${encodeURIComponent(stationId)}`;
  showContent();
  showView();
}

$('shift-form').addEventListener('submit', submitShift);
$('shift-form').addEventListener('input', (ev) => {
  createKey = null; // another body needs another key
  const n = ev.target.name;
  if (FIELDS.includes(n)) setFieldError(n, '');
  if (['repeat_every', 'repeat_count', 'date'].includes(n)) syncRepeat();
});
$('shift-form').addEventListener('change', (ev) => {
  if (['repeat_every', 'repeat_count', 'date'].includes(ev.target.name)) syncRepeat();
});
$('station-form').addEventListener('submit', saveStation);
$('station-form').addEventListener('input', (ev) => {
  const f = ev.target.id && ev.target.id.startsWith('f-') ? ev.target.id.slice(2) : '';
  if (ALL_STATION_FIELDS.some(([, x]) => x === f)) setFieldError(f, '');
});
$('export-btn').addEventListener('click', exportHours);
window.addEventListener('hashchange', () => { if (station && !$('sm-app').hidden) showView(); });

start();
