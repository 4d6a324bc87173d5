// What the volunteer pages share (stations.html, my-shifts.html, the
// station branch of landing.html): station kinds, the one date format of
// these pages ("11月20日 周五 09:00", the year only when it is not this
// year), hours, the caller's own sign-up as a badge, and the shift card
// with its 报名 / 取消报名 / 候补 button and the refusal said next to it.
import { api, ApiError } from './api.js';
import { loginHref } from './nav.js';
import { el, setBusy, showConfirm, toast } from './ui.js';

export const STATION_KINDS = {
  culture: { text: '文化站', mark: '文' },
  elderly_care: { text: '老人关爱站', mark: '老' },
  women_children: { text: '妇女儿童关爱站', mark: '妇' },
};

export const kindText = (k) => (STATION_KINDS[k] || {}).text || '服务站';
export const kindMark = (k) => (STATION_KINDS[k] || {}).mark || '站';

// ---- Dates, in Asia/Shanghai -------------------------------------------------------

const TZ = 'Asia/Shanghai';
const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

function parts(rfc3339) {
  const d = rfc3339 instanceof Date ? rfc3339 : new Date(rfc3339 || '');
  if (Number.isNaN(d.getTime())) return null;
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  const o = {};
  for (const p of f.formatToParts(d)) o[p.type] = p.value;
  return o;
}

// "2026-11-20" (the Shanghai day of a time).
export function dayOf(rfc3339) {
  const p = parts(rfc3339);
  return p ? `${p.year}-${p.month}-${p.day}` : '';
}

export const today = () => dayOf(new Date());

// "2026-11-27" from "2026-11-20" and 7.
export function addDays(ymd, days) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// "11月20日 周五" ("2027年1月3日 周日" in another year).
export function dayText(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  if (!m) return '';
  const wd = WEEKDAYS[new Date(`${ymd}T00:00:00Z`).getUTCDay()];
  const year = m[1] === today().slice(0, 4) ? '' : `${Number(m[1])}年`;
  return `${year}${Number(m[2])}月${Number(m[3])}日 ${wd}`;
}

// "09:00".
export function clock(rfc3339) {
  const p = parts(rfc3339);
  return p ? `${p.hour}:${p.minute}` : '';
}

// "11月20日 周五 09:00".
export function when(rfc3339) {
  const d = dayOf(rfc3339);
  return d ? `${dayText(d)} ${clock(rfc3339)}` : '';
}

// "11月20日 周五 09:00–12:00" (the end's day too when it is another day).
export function span(shift) {
  const d1 = dayOf(shift.starts_at);
  const d2 = dayOf(shift.ends_at);
  return d1 === d2 ? `${when(shift.starts_at)}–${clock(shift.ends_at)}` : `${when(shift.starts_at)} – ${when(shift.ends_at)}`;
}

// "2 小时 45 分钟", "3 小时", "45 分钟" from counted minutes (whole quarters).
export function duration(minutes) {
  const m = Math.max(0, Math.round(Number(minutes) || 0));
  const h = Math.floor(m / 60);
  const r = m % 60;
  if (!h) return `${r} 分钟`;
  return r ? `${h} 小时 ${r} 分钟` : `${h} 小时`;
}

// "2.75" hours from minutes (two decimals at most, no trailing zeros).
export function hours(minutes) {
  return String(Math.round((Number(minutes) || 0) / 60 * 100) / 100);
}

export const past = (rfc3339) => Date.parse(rfc3339) <= Date.now();

// A date or time that must not break inside ("12⏎月2日" at 320 px or with
// large text): it moves to the next line whole, and breaks only at its
// spaces when it is wider than the line itself.
export const nobreak = (text) => el('span', 'huzu-nobreak', text);

// "08:46" today, "12月3日 周四 08:46" on another day.
export function at(rfc3339) {
  return dayOf(rfc3339) === today() ? clock(rfc3339) : when(rfc3339);
}

// While the shift runs, after 签到: what to do when leaving.
export function checkedInNote(shift) {
  const mine = shift.mine || {};
  return `已于 ${at(mine.checked_in_at)} 签到，班次 ${at(shift.ends_at)} 结束，离开时请扫码签退`;
}

// The station's contact phone as a 44 px tel: link, or null without one.
// station: a station object (its phone is string|null, or absent).
export function phoneLink(station, id) {
  const phone = station && typeof station.phone === 'string' ? station.phone.trim() : '';
  if (!phone) return null;
  return el('a', { class: 'huzu-tel', href: `tel:${phone.replace(/[^\d+]/g, '')}`, id }, `拨打 ${phone}`);
}

// ---- The caller's own sign-up ------------------------------------------------------------

// {text, cls} of a sign-up's state, or null when there is none.
export function mineBadge(shift) {
  const mine = shift.mine || {};
  const ended = past(shift.ends_at);
  switch (mine.status) {
    case 'confirmed':
      if (mine.checked_out_at || (ended && typeof mine.minutes === 'number')) return { text: '已完成', cls: 'huzu-sstatus_done' };
      if (mine.checked_in_at) return { text: '已签到', cls: 'huzu-sstatus_ok' };
      return { text: '已报名', cls: 'huzu-sstatus_ok' };
    case 'waiting':
      return { text: mine.position ? `候补第 ${mine.position} 位` : '候补中', cls: 'huzu-sstatus_wait' };
    case 'cancelled': return { text: '已取消', cls: 'huzu-sstatus_off' };
    case 'removed': return { text: '已被移出', cls: 'huzu-sstatus_off' };
    case 'no_show': return { text: '未到岗', cls: 'huzu-sstatus_bad' };
    default: return null;
  }
}

export function badge(shift) {
  if (shift.status === 'cancelled') return el('span', 'huzu-sstatus huzu-sstatus_off', '班次已取消');
  const b = mineBadge(shift);
  return b ? el('span', `huzu-sstatus ${b.cls}`, b.text) : null;
}

// "余 3 个名额（共 10 个）" or "已满，2 人候补".
export function placesText(s) {
  if (s.free > 0) return `余 ${s.free} 个名额（共 ${s.capacity} 个）`;
  return s.waiting > 0 ? `已满（共 ${s.capacity} 个），${s.waiting} 人候补` : `已满（共 ${s.capacity} 个）`;
}

// The paused notice (我的志愿 and the week view) into box, from GET
// /me/volunteer-hours; hidden when sign-up is not paused.
export function showPaused(box, h) {
  if (!h || !h.paused_until || past(h.paused_until)) {
    box.hidden = true;
    return;
  }
  box.replaceChildren(
    el('p', 'huzu-paused__title', `报名暂停至 ${when(h.paused_until)}`),
    el('p', 'huzu-paused__desc huzu-wrap',
      `近期有 ${h.no_shows || 0} 次报名后没有到岗，也没有提前取消，按站点规定暂停报名新的班次，到期后自动恢复。已报名的班次不受影响；如有特殊情况，请联系站点负责人。`));
  box.hidden = false;
}

// ---- Refusals in the volunteer's words -----------------------------------------------------

// What to say when the API refuses; ctx: {shift, station} for names and dates.
export function refusalText(err, { shift, station } = {}) {
  const e = err instanceof ApiError ? err : new ApiError();
  const manager = station && station.manager && station.manager.name;
  const contact = manager ? `站点负责人（${manager}）` : '站点负责人';
  switch (e.code) {
    case 'cancel_too_late':
      return `已过取消截止时间${shift ? `（${when(shift.cancel_deadline)}）` : ''}，不能在网上取消。如确实不能参加，请尽快联系${contact}。`;
    case 'signup_closed':
      return '这个班次的报名已经截止。';
    case 'shift_cancelled':
      return '这个班次已被站点取消。';
    case 'shift_overlap':
      // The server's message names the other shift.
      return e.message || '您在同一时间已经报名了其他班次，不能同时参加。如要换班，请先取消那个班次。';
    case 'volunteer_paused':
      return e.message || '您的报名已暂停。';
    case 'not_signed_up':
      return '您没有报名这个班次，或报名已被取消。';
    case 'no_shift_now':
      return '现在不在您报名班次的签到时间内。班次开始前 30 分钟至结束时可以签到，结束时再扫码签退。';
    case 'qr_expired':
      return '这个二维码已作废，请扫描站点现在张贴的二维码。';
    case 'network':
      return '网络连接失败，请检查网络后重试。';
    default:
      return e.message || '操作没有成功，请稍后重试。';
  }
}

// The refusal next to the action, with the request id one tap away for
// support (never on the face of the message).
export function showRefusal(box, err, ctx) {
  const e = err instanceof ApiError ? err : new ApiError();
  const text = el('span', 'huzu-refusal__text', refusalText(e, ctx));
  box.replaceChildren(text);
  if (e.code === 'cancel_too_late') {
    const tel = phoneLink(ctx && ctx.station, box.id ? `${box.id}-tel` : undefined);
    if (tel) box.append(tel);
  }
  const known = ['cancel_too_late', 'signup_closed', 'shift_cancelled', 'shift_overlap', 'volunteer_paused', 'not_signed_up', 'no_shift_now', 'qr_expired', 'network'];
  if (e.requestId && !known.includes(e.code)) {
    const more = el('button', { class: 'huzu-refusal__more', type: 'button' }, '反馈编号');
    more.addEventListener('click', () => {
      more.replaceWith(el('span', 'huzu-refusal__rid', `请求编号：${e.requestId}`));
    }, { once: true });
    box.append(more);
  }
  box.hidden = false;
}

// For the page-state view: the request id behind a tap (for support), not
// on the face of the message. null when there is none.
export function requestIdButton(requestId) {
  if (!requestId) return null;
  const b = el('button', { class: 'weui-btn weui-btn_default', type: 'button', id: 'state-rid' }, '查看反馈编号');
  b.addEventListener('click', () => {
    const tip = document.getElementById('state-request-id');
    if (tip) {
      tip.textContent = `请求编号：${requestId}`;
      tip.parentElement.hidden = false;
    }
    b.remove();
  }, { once: true });
  return b;
}

// ---- The shift card ---------------------------------------------------------------------------

// A shift as a card: time, title, places, the caller's state, the details
// behind 详情, and the action with its refusal. opts: {station (for the
// manager's name), showStation (name the station: 我的志愿), onChange(shift)
// after a sign-up or cancellation, link (href of the title)}.
export function shiftCard(shift, opts = {}) {
  const id = `shift-${shift.id}`;
  const node = el('article', { class: 'huzu-shift', id, 'data-id': String(shift.id), 'aria-labelledby': `${id}-title` });
  fillCard(node, shift, opts);
  return node;
}

function row(label, value) {
  return value ? el('div', 'huzu-shift__row', el('dt', '', label), el('dd', 'huzu-wrap', value)) : null;
}

function fillCard(node, s, opts) {
  const id = `shift-${s.id}`;
  const mine = s.mine || {};
  const ended = past(s.ends_at);
  const cancelled = s.status === 'cancelled';
  node.className = `huzu-shift${cancelled ? ' huzu-shift_cancelled' : ''}${ended ? ' huzu-shift_past' : ''}`;
  node.dataset.mine = mine.status || 'none';

  const head = el('div', 'huzu-shift__hd',
    el('p', 'huzu-shift__time', opts.showDay ? span(s) : `${clock(s.starts_at)}–${clock(s.ends_at)}`),
    badge(s));
  const title = opts.link
    ? el('h3', { class: 'huzu-shift__title huzu-wrap', id: `${id}-title` }, el('a', { class: 'huzu-shift__link', href: opts.link }, s.title || ''))
    : el('h3', { class: 'huzu-shift__title huzu-wrap', id: `${id}-title` }, s.title || '');
  const where = opts.showStation && s.station ? el('p', 'huzu-shift__station huzu-wrap', s.station.name || '') : null;
  const started = past(s.starts_at);
  const inShift = mine.status === 'confirmed' && mine.checked_in_at && !mine.checked_out_at && !ended;
  const places = cancelled || ended || started ? null : el('p', { class: `huzu-shift__places${s.free > 0 ? '' : ' huzu-shift__places_full'}`, id: `${id}-places` }, placesText(s));

  // What the caller should know now.
  let note = null;
  const cut = nobreak(when(s.cancel_deadline));
  if (cancelled) {
    note = el('p', 'huzu-shift__note huzu-shift__note_warn huzu-wrap', `站点已取消这个班次${s.cancel_reason ? `：${s.cancel_reason}` : ''}`);
  } else if (inShift) {
    note = el('p', { class: 'huzu-shift__note huzu-shift__note_now huzu-wrap', id: `${id}-note` }, checkedInNote(s));
  } else if (mine.status === 'confirmed' && !mine.checked_in_at && !ended) {
    if (past(s.cancel_deadline)) {
      // 取消报名 can only fail now: say whom to tell instead.
      const station = opts.station || (opts.stationOf && s.station ? opts.stationOf(s.station.id) : null);
      note = el('div', { class: 'huzu-shift__note huzu-shift__note_warn', id: `${id}-note` },
        el('p', { class: 'huzu-shift__late huzu-wrap', id: `${id}-late` }, '已过取消截止时间，不能在网上取消；不能来请联系站点'),
        phoneLink(station, `${id}-tel`));
    } else {
      note = el('p', { class: 'huzu-shift__note huzu-wrap', id: `${id}-note` }, '如不能参加，请在 ', cut, ' 前取消');
    }
  } else if (mine.status === 'waiting' && !ended) {
    // No one moves up from the waiting list after the cancel deadline.
    note = el('p', { class: 'huzu-shift__note huzu-wrap', id: `${id}-note` }, ...(past(s.cancel_deadline)
      ? ['已过取消截止时间（', cut, '），之后有人取消也不再递补']
      : ['取消截止（', cut, '）前有人取消，会按候补顺序自动递补，递补后会通知您；之后不再递补']));
  }
  const attended = [];
  if (mine.checked_in_at) attended.push(`签到 ${clock(mine.checked_in_at)}`);
  if (mine.checked_out_at) attended.push(`签退 ${clock(mine.checked_out_at)}`);
  if (typeof mine.minutes === 'number' && mine.minutes >= 0 && (ended || mine.checked_out_at)) attended.push(`时长 ${duration(mine.minutes)}`);
  const attendance = attended.length && !inShift ? el('p', 'huzu-shift__attend', attended.join(' · ')) : null;

  // 详情: description, requirements and both deadlines.
  const detailId = `${id}-detail`;
  const detail = el('dl', { class: 'huzu-shift__detail', id: detailId, hidden: true },
    row('内容', s.description),
    row('要求', s.requirements),
    row('时间', span(s)),
    row('报名截止', when(s.signup_deadline)),
    row('取消截止', when(s.cancel_deadline)),
    row('名额', `${s.capacity} 个，已报名 ${s.confirmed} 人${s.waiting ? `，候补 ${s.waiting} 人` : ''}`));
  const more = el('button', { class: 'huzu-shift__more', type: 'button', 'aria-expanded': 'false', 'aria-controls': detailId, id: `${id}-more` }, '详情');
  more.addEventListener('click', () => {
    const open = detail.hidden;
    detail.hidden = !open;
    more.setAttribute('aria-expanded', String(open));
    more.textContent = open ? '收起' : '详情';
  });

  const refusal = el('p', { class: 'huzu-refusal', id: `${id}-refusal`, role: 'alert', hidden: true });
  const action = actionFor(s, node, refusal, opts);
  const ft = el('div', 'huzu-shift__ft', more, action);
  node.replaceChildren(...[head, title, where, places, note, attendance, detail, ft, refusal].filter(Boolean));
}

function actionFor(s, node, refusal, opts) {
  const mine = s.mine || {};
  const ended = past(s.ends_at);
  if (s.status === 'cancelled' || ended) return null;
  const id = `shift-${s.id}`;
  let label = '';
  let kind = '';
  if (mine.status === 'confirmed') {
    // Checked in, or past the cancel deadline (the note says whom to call).
    if (mine.checked_in_at || past(s.cancel_deadline)) return null;
    label = '取消报名'; kind = 'cancel';
  } else if (mine.status === 'waiting') {
    label = '退出候补'; kind = 'cancel';
  } else if (s.signup_open) {
    label = s.free > 0 ? '报名' : '排队候补'; kind = 'signup';
  } else {
    return el('span', 'huzu-shift__closed', '报名已截止');
  }
  const btn = el('button', {
    class: `weui-btn weui-btn_mini ${kind === 'signup' ? 'weui-btn_primary' : 'weui-btn_default huzu-btn_cancel'} huzu-shift__act`,
    type: 'button', id: `${id}-act`, 'data-action': kind,
  }, label);
  btn.addEventListener('click', () => act(s, kind, btn, label, node, refusal, opts));
  return btn;
}

async function act(s, kind, btn, label, node, refusal, opts) {
  if (btn.disabled) return;
  refusal.hidden = true;
  if (kind === 'cancel') {
    const waiting = (s.mine || {}).status === 'waiting';
    const ok = await showConfirm({
      title: waiting ? '退出候补' : '取消报名',
      message: waiting
        ? `确定退出“${s.title}”的候补吗？再报名需要重新排队。`
        : `确定取消“${s.title}”（${span(s)}）的报名吗？名额会让给候补的人。`,
      ok: waiting ? '退出候补' : '取消报名', cancel: '再想想', warn: true,
    });
    if (!ok) return;
  } else if (past(s.cancel_deadline)) {
    const full = !(s.free > 0);
    const ok = await showConfirm({
      title: full ? '排队候补' : '报名',
      message: full
        ? '此班次已过取消截止时间，之后有人取消也不再递补，确定排队候补吗？'
        : '此班次已过取消截止时间，报名后不能在网上取消，确定报名吗？',
      ok: full ? '排队候补' : '报名', cancel: '再想想',
    });
    if (!ok) return;
  }
  setBusy(btn, true, kind === 'signup' ? '正在报名' : '正在取消');
  try {
    const path = `/shifts/${encodeURIComponent(s.id)}/signup`;
    const next = kind === 'signup' ? await api.post(path, {}) : await api.delete(path);
    const mine = (next && next.mine) || {};
    if (kind === 'signup') {
      toast(mine.status === 'waiting' ? `已排队候补，第 ${mine.position || 1} 位` : '报名成功');
    } else {
      toast((s.mine || {}).status === 'waiting' ? '已退出候补' : '已取消报名');
    }
    if (next && next.id) {
      fillCard(node, next, opts);
      opts.onChange?.(next);
    }
  } catch (err) {
    setBusy(btn, false, label);
    showRefusal(refusal, err, { shift: s, station: opts.station });
    if (err instanceof ApiError && err.status === 401) {
      refusal.replaceChildren(
        el('span', 'huzu-refusal__text', '登录已过期，请重新登录后再试。'),
        el('a', { class: 'huzu-refusal__login', href: loginHref(location.pathname + location.search) }, '重新登录'));
    }
  }
}
