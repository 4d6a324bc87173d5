// What the complaint pages (report, complaints, complaint, complaint-stats)
// share: Chinese names for states, actions and roles, deadlines in words,
// the place of a complaint, photos fetched behind the bearer token, and
// errors shown without request ids. DOM through ui.js's el(); HTTP through
// api.js.
import { ApiError, files } from './api.js';
import { el, formatDateTime } from './ui.js';

export const C_STATUS = {
  submitted: { text: '待受理', cls: 'huzu-cstatus_wait' },
  reopened: { text: '重新反映', cls: 'huzu-cstatus_wait' },
  accepted: { text: '已受理', cls: 'huzu-cstatus_work' },
  in_progress: { text: '办理中', cls: 'huzu-cstatus_work' },
  resolved: { text: '已办结', cls: 'huzu-cstatus_done' },
  closed: { text: '已完结', cls: 'huzu-cstatus_closed' },
  rejected: { text: '已退回', cls: 'huzu-cstatus_rejected' },
};

export const OPEN_STATES = ['submitted', 'reopened', 'accepted', 'in_progress'];

// The buttons a handler or the resident sees, by the API's action names.
export const ACTION_NAMES = {
  accept: '受理',
  reply: '回复',
  note: '内部备注',
  assign: '指派',
  escalate: '上报',
  resolve: '办结',
  reject: '退回',
  reopen: '重新反映',
  rate: '评价',
};

// What an event on the timeline says happened.
export const EVENT_NAMES = {
  submit: '提交了诉求',
  accept: '受理了诉求',
  reply: '回复',
  note: '内部备注',
  assign: '指派给',
  escalate: '上报给',
  resolve: '办结了诉求',
  reject: '退回了诉求',
  reopen: '重新反映',
  rate: '评价',
  close: '诉求已完结',
  read: '已查看',
};

export const ACTOR_ROLES = {
  resident: '反映人',
  building_head: '栋长',
  group_leader: '户组长',
  cadre: '经济社干部',
  admin: '联社党委',
  system: '系统',
};

export const RATING_WORDS = ['', '很不满意', '不满意', '基本满意', '满意', '非常满意'];

export function cstatusBadge(status) {
  const s = C_STATUS[status] || { text: status || '', cls: '' };
  return el('span', `huzu-status huzu-cstatus ${s.cls}`, s.text);
}

export function stars(n) {
  const k = Math.max(0, Math.min(5, Number(n) || 0));
  return el('span', { class: 'huzu-stars', 'aria-label': `${k} 星，${RATING_WORDS[k] || ''}` },
    '★'.repeat(k), el('span', 'huzu-stars__off', '★'.repeat(5 - k)));
}

// "1 天 2 小时", "1 小时 20 分", "5 分" for a span in milliseconds.
export function spanWords(ms) {
  const min = Math.max(0, Math.floor(ms / 60000));
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return h ? `${d} 天 ${h} 小时` : `${d} 天`;
  if (h > 0) return m ? `${h} 小时 ${m} 分` : `${h} 小时`;
  return `${Math.max(m, 1)} 分`;
}

// The deadline that matters now: to accept while waiting, to resolve while
// being handled; null when finished. {label, at, words, overdue, ms}.
export function deadline(c, now = Date.now()) {
  let label;
  let at;
  if (c.status === 'submitted' || c.status === 'reopened') {
    label = '受理期限';
    at = c.respond_due;
  } else if (c.status === 'accepted' || c.status === 'in_progress') {
    label = '办结期限';
    at = c.resolve_due;
  } else {
    return null;
  }
  const t = at ? new Date(at).getTime() : NaN;
  if (Number.isNaN(t)) return null;
  const ms = t - now;
  const overdue = ms < 0;
  return { label, at, ms, overdue, words: overdue ? `已超时 ${spanWords(-ms)}` : `还剩 ${spanWords(ms)}` };
}

export function placeText(c) {
  if (c.building && c.building.name) return c.building.address ? `${c.building.name}（${c.building.address}）` : c.building.name;
  return c.place || '';
}

// The handler as one line: "东巷户组 · 东巷户组长".
export function handlerText(c) {
  const h = c.handler || {};
  const unit = h.unit && h.unit.name ? h.unit.name : '';
  return [unit, h.name || ''].filter(Boolean).join(' · ') || '待分派';
}

export function when(rfc3339) {
  return formatDateTime(rfc3339);
}

// An error as the pages show it: the server's words, no request id.
export function plain(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  return new ApiError({ status: e.status, code: e.code, message: e.message, fields: e.fields, requestId: '' });
}

// ---- Photos ---------------------------------------------------------------------

const objectUrls = new Set();

// An <img> whose source is fetched with the bearer token; a grey box with
// words if it cannot be loaded.
export function authImage(url, alt, cls = 'huzu-photo__img') {
  const img = el('img', { class: cls, alt, decoding: 'async' });
  if (url) {
    files.blob(url).then((blob) => {
      const u = URL.createObjectURL(blob);
      objectUrls.add(u);
      img.src = u;
    }).catch(() => {
      img.replaceWith(el('span', { class: `${cls} huzu-photo__missing`, role: 'img', 'aria-label': alt }, '图片无法加载'));
    });
  }
  return img;
}

// A full-screen WeUI gallery for one photo; closes on tap or Escape.
export function openGallery(photo, alt) {
  document.getElementById('huzu-gallery')?.remove();
  const opener = document.activeElement;
  const close = el('button', { class: 'huzu-gallery__close', type: 'button', id: 'huzu-gallery-close' }, '关闭');
  const root = el('div', { class: 'weui-gallery huzu-gallery', id: 'huzu-gallery', role: 'dialog', 'aria-modal': 'true', 'aria-label': alt },
    el('div', 'huzu-gallery__img', authImage(photo.url, alt, 'huzu-gallery__photo')),
    el('div', 'weui-gallery__opr huzu-gallery__opr', close));
  const done = () => {
    root.remove();
    if (opener && opener.isConnected) opener.focus();
  };
  close.addEventListener('click', done);
  root.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') done(); });
  document.body.append(root);
  close.focus();
}

// The photos of a complaint as a row of thumbnails that open full size.
export function photoRow(photos) {
  if (!Array.isArray(photos) || photos.length === 0) return null;
  return el('div', 'huzu-photos', ...photos.map((p, i) => {
    const alt = `照片 ${i + 1}`;
    const b = el('button', { class: 'huzu-photo', type: 'button', 'aria-label': `查看${alt}` }, authImage(p.thumb_url || p.url, alt));
    b.addEventListener('click', () => openGallery(p, alt));
    return b;
  }));
}

window.addEventListener('pagehide', () => {
  for (const u of objectUrls) URL.revokeObjectURL(u);
  objectUrls.clear();
});
