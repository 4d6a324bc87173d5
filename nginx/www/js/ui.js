// Everything the pages show that is not their own: DOM building (text only,
// never HTML strings), the page-state view, WeUI dialogs, toast and
// toptips, busy buttons, field errors, Chinese labels and dates. api.js
// speaks HTTP; this module shows what it answers.
import { ApiError } from './api.js';

export const $ = (id) => document.getElementById(id);

// el('div', 'cls', 'text') or el('div', {class, text, attrs...}, child, ...)
export function el(tag, opts, ...children) {
  const node = document.createElement(tag);
  if (typeof opts === 'string') {
    if (opts) node.className = opts;
    if (children.length === 1 && (typeof children[0] === 'string' || typeof children[0] === 'number')) {
      node.textContent = String(children[0]);
      return node;
    }
  } else if (opts) {
    for (const [k, v] of Object.entries(opts)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = String(v);
      else if (k === 'hidden') node.hidden = Boolean(v);
      else if (k === 'disabled') node.disabled = Boolean(v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return node;
}

// ---- Labels --------------------------------------------------------------------

export const ID_TYPES = [
  ['resident_id', '居民身份证'],
  ['hk_macao', '港澳居民来往内地通行证'],
  ['taiwan', '台湾居民来往大陆通行证'],
  ['passport', '护照'],
  ['other', '其他证件'],
];
export const REASONS = [
  ['work', '务工'],
  ['business', '经商'],
  ['family', '投靠亲友'],
  ['study', '就学'],
  ['other', '其他'],
];
export const RELATIONS = ['配偶', '子女', '父母', '兄弟姐妹', '其他亲属', '朋友', '同事', '其他'];

export const STATUS = {
  pending: { text: '待审核', cls: 'huzu-status_pending' },
  active: { text: '已登记', cls: 'huzu-status_active' },
  rejected: { text: '未通过', cls: 'huzu-status_rejected' },
  ended: { text: '已迁出', cls: 'huzu-status_ended' },
};

export const ROLE_NAMES = {
  building_head: '栋长',
  group_leader: '户组长',
  cadre: '经济社干部',
  admin: '联社党委管理员',
  station_manager: '站点负责人',
};
export const UNIT_KINDS = { village: '村', cooperative: '经济社', group: '户组', building: '楼栋' };
export const KIND_NAMES = { staff: '工作人员', resident: '住户' };

// Roles that look after buildings (review, roster, posters).
export const CHAIN_ROLES = ['building_head', 'group_leader', 'cadre', 'admin'];

export const label = (pairs, value) => (pairs.find(([k]) => k === value) || [null, value || ''])[1];

// "138 0013 8000", "138-0013-8000" and "+86 13800138000" all mean 13800138000.
export function normalizePhone(raw) {
  const s = raw.replace(/[\s-]/g, '');
  const m = s.match(/^(?:\+?86|0086)(1\d{10})$/);
  return m ? m[1] : s;
}

// ---- Dates (shown in Asia/Shanghai) ---------------------------------------------

const TZ = 'Asia/Shanghai';

function parts(date) {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  const o = {};
  for (const p of f.formatToParts(date)) o[p.type] = p.value;
  return o;
}

// "2026-03-05 14:07" from an RFC 3339 time, '' if absent or unparsable.
export function formatTime(rfc3339) {
  if (!rfc3339) return '';
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return '';
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// Today in Shanghai as YYYY-MM-DD.
export function todayLocal() {
  const p = parts(new Date());
  return `${p.year}-${p.month}-${p.day}`;
}

// The from/to pair of a page's date inputs (#f-from, #f-to), checked:
// { from, to } when both are set and in order, else null with the reason
// shown in #err-range.
export function dateRange() {
  const from = $('f-from').value;
  const to = $('f-to').value;
  const err = $('err-range');
  if (!from || !to) err.textContent = '请选择开始日期和结束日期';
  else if (from > to) err.textContent = '开始日期不能晚于结束日期，请重新选择';
  else {
    err.hidden = true;
    return { from, to };
  }
  err.hidden = false;
  return null;
}

// ---- Feedback -----------------------------------------------------------------

let toastTimer = 0;

// A WeUI toast (success tick, or a loading spinner while busy).
export function toast(text, { ms = 1500, icon = 'success' } = {}) {
  let root = $('huzu-toast');
  if (!root) {
    root = el('div', { class: 'huzu-toast', id: 'huzu-toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(root);
  }
  const iconNode = icon === 'loading'
    ? el('span', 'weui-primary-loading weui-icon_toast', el('span', 'weui-primary-loading__dot'))
    : el('i', { class: 'weui-icon-success-no-circle weui-icon_toast', 'aria-hidden': 'true' });
  root.replaceChildren(el('div', 'weui-mask_transparent'),
    el('div', 'weui-toast', iconNode, el('p', 'weui-toast__content', text)));
  root.hidden = false;
  clearTimeout(toastTimer);
  if (ms > 0) toastTimer = setTimeout(() => { root.hidden = true; }, ms);
}

export function hideToast() {
  clearTimeout(toastTimer);
  const root = $('huzu-toast');
  if (root) root.hidden = true;
}

let tipsTimer = 0;

// A red WeUI toptips bar for refusals the user can act on; tapping it hides it early.
export function toptips(message, requestId = '') {
  let root = $('huzu-toptips');
  if (!root) {
    root = el('div', { class: 'weui-toptips weui-toptips_warn huzu-toptips', id: 'huzu-toptips', role: 'alert', 'aria-live': 'assertive' });
    root.addEventListener('click', hideToptips);
    document.body.append(root);
  }
  root.replaceChildren(el('p', { class: 'huzu-toptips__message', id: 'huzu-toptips-message' }, message));
  // The id behind a tap; once shown, the bar stays long enough to copy it.
  if (requestId) {
    root.append(ridTap(requestId, 'huzu-toptips-rid', () => {
      clearTimeout(tipsTimer);
      tipsTimer = setTimeout(hideToptips, 15000);
    }));
  }
  root.classList.add('huzu-toptips_on');
  clearTimeout(tipsTimer);
  tipsTimer = setTimeout(hideToptips, 5000);
}

// A word for the next page (密码已修改 before the page goes on): kept in
// sessionStorage across the navigation and shown there as a toast.
const FLASH_KEY = 'huzu.flash';

export function flash(message) {
  try { sessionStorage.setItem(FLASH_KEY, message); } catch { /* the word is lost, the change is not */ }
}

function showFlash() {
  let message = null;
  try {
    message = sessionStorage.getItem(FLASH_KEY);
    sessionStorage.removeItem(FLASH_KEY);
  } catch { return; }
  if (message) toast(message, { ms: 2500 });
}

// 显示 / 隐藏 beside a password: button[data-reveal] names its input.
export function revealToggles(root = document) {
  for (const button of root.querySelectorAll('button[data-reveal]')) {
    const input = $(button.dataset.reveal);
    if (!input) continue;
    button.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', String(show));
      button.setAttribute('aria-label', show ? '隐藏密码' : '显示密码');
      button.textContent = show ? '隐藏' : '显示';
    });
  }
}

export function hideToptips() {
  clearTimeout(tipsTimer);
  $('huzu-toptips')?.classList.remove('huzu-toptips_on');
}

// A button that shows a spinner and labelText while its request runs.
export function setBusy(button, busy, labelText) {
  button.disabled = busy;
  button.classList.toggle('weui-btn_loading', busy);
  button.setAttribute('aria-busy', String(busy));
  if (busy) {
    button.replaceChildren(
      el('span', 'weui-primary-loading weui-primary-loading_transparent', el('i', 'weui-primary-loading__dot')),
      document.createTextNode(labelText),
    );
  } else {
    button.textContent = labelText;
  }
}

// A message under a form field ('' clears it): the cell turns red and the
// input is marked invalid. field is {cell, error, input}.
export function setFieldError({ cell, error, input }, message) {
  error.textContent = message || '';
  error.hidden = !message;
  cell?.classList.toggle('weui-cell_warn', Boolean(message));
  if (!input) return;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

// ---- The page-state view ---------------------------------------------------------

// Every page has one #state block (nginx/www/parts/state.html, included by
// nginx SSI) for loading, gates and errors. showState() fills it and hides
// the page's own content (the elements marked data-content); showContent()
// does the reverse. A state that fills the page (not huzu-msg_inline) also
// names the browser tab and starts at the top.
// icon: a WeUI icon class ('weui-icon-warn', …) or 'loading'.
export function showState({ icon, title, desc = '', requestId = '', buttons = [] }) {
  const root = $('state');
  for (const node of document.querySelectorAll('[data-content]')) node.hidden = true;
  $('state-icon').replaceChildren(icon === 'loading'
    ? el('span', 'weui-primary-loading weui-icon_msg', el('span', 'weui-primary-loading__dot'))
    : el('i', { class: `${icon} weui-icon_msg`, 'aria-hidden': 'true' }));
  $('state-title').textContent = title;
  $('state-desc').textContent = desc;
  $('state-request-id').replaceChildren(requestId ? ridTap(requestId, 'state-rid-text') : '');
  $('state-tips').hidden = !requestId;
  const list = buttons.filter(Boolean);
  $('state-buttons').replaceChildren(...list);
  $('state-buttons').parentElement.hidden = list.length === 0;
  root.hidden = false;
  if (!root.classList.contains('huzu-msg_inline')) {
    document.title = `户组 · ${title}`;
    window.scrollTo(0, 0);
  }
}

export function showContent() {
  $('state').hidden = true;
  for (const node of document.querySelectorAll('[data-content]')) node.hidden = false;
}

// A button for the state view: a link (href) or, with onClick, a button.
export function stateButton(text, { href, onClick, primary = false, id } = {}) {
  const cls = `weui-btn ${primary ? 'weui-btn_primary' : 'weui-btn_default'}`;
  if (!onClick) return el('a', { class: cls, href, id }, text);
  const b = el('button', { class: cls, type: 'button', id }, text);
  b.addEventListener('click', onClick);
  return b;
}

// In a list: a centred WeUI "loading" line, an empty list, a failed load.
export function loadmore(text, { loading = false } = {}) {
  const node = el('div', 'weui-loadmore huzu-loadmore');
  if (loading) node.append(el('span', 'weui-primary-loading', el('span', 'weui-primary-loading__dot')));
  node.append(el('span', 'weui-loadmore__tips', text));
  return node;
}

export function emptyState(title, desc) {
  return el('div', 'huzu-empty', el('p', 'huzu-empty__title', title), desc ? el('p', 'huzu-empty__desc', desc) : null);
}

export function errorState(err, retry) {
  const e = err instanceof ApiError ? err : new ApiError();
  const btn = el('button', { class: 'weui-btn weui-btn_default weui-btn_mini', type: 'button' }, '重试');
  btn.addEventListener('click', retry);
  return el('div', 'huzu-empty huzu-empty_error',
    el('p', 'huzu-empty__title', '暂时无法加载'),
    el('p', 'huzu-empty__desc', e.message),
    e.requestId ? ridTap(e.requestId, null) : null,
    btn);
}

// Status badge for a tenancy.
export function statusBadge(status) {
  const s = STATUS[status] || { text: status, cls: '' };
  return el('span', `huzu-status ${s.cls}`, s.text);
}

// One label: value row of a WeUI form preview (a tenancy card).
export function previewItem(labelText, value, extra) {
  return el('div', 'weui-form-preview__item',
    el('label', 'weui-form-preview__label', labelText),
    el('span', 'weui-form-preview__value huzu-wrap', value, extra || null));
}

// ---- Dialogs ---------------------------------------------------------------------------

// How long after a dialog appears its buttons ignore taps: the second tap
// of a double tap on the control that opened it must not confirm it unseen.
export const DIALOG_GUARD_MS = 400;

// Opens a WeUI dialog (one per id) and resolves to what close() is given.
// cancel: the answer for a tap on the mask or Escape (undefined: neither
// closes it). The focus returns to the opener unless keepFocus.
// For DIALOG_GUARD_MS its buttons (and the mask) ignore activation: they
// are aria-disabled meanwhile, and a click on them is swallowed. After
// that, a pointer click whose press began before the dialog was shown (no
// pointerdown inside it since) is swallowed too; keyboard activation
// (detail 0) needs no press.
function openDialog({ id, role = 'alertdialog', cls = 'weui-dialog', title, body, buttons, focus, cancel, keepFocus = false }) {
  $(id)?.remove();
  const opener = document.activeElement;
  const mask = el('div', 'weui-mask');
  const root = el('div', { class: 'huzu-dialog', id, role, 'aria-modal': 'true' },
    mask,
    el('div', cls,
      title ? el('div', 'weui-dialog__hd', el('strong', 'weui-dialog__title', title)) : null,
      el('div', 'weui-dialog__bd', ...body),
      el('div', 'weui-dialog__ft', ...buttons)));
  const shownAt = performance.now();
  let pressed = false; // a press began inside the dialog after it was shown
  let guarded = true;
  for (const b of buttons) b.setAttribute('aria-disabled', 'true');
  const unguard = setTimeout(() => {
    guarded = false;
    for (const b of buttons) b.removeAttribute('aria-disabled');
  }, DIALOG_GUARD_MS);
  const press = () => { pressed = true; };
  root.addEventListener('pointerdown', press, true);
  root.addEventListener('mousedown', press, true);
  root.addEventListener('touchstart', press, { capture: true, passive: true });
  root.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const guardedTarget = target && (target === mask || buttons.some((b) => b.contains(target)));
    if (!guardedTarget) return;
    const early = guarded || performance.now() - shownAt < DIALOG_GUARD_MS;
    const stalePress = ev.detail > 0 && !pressed;
    if (early || stalePress) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);
  document.body.append(root);
  (focus || buttons[0]).focus();
  let resolve;
  const answer = new Promise((r) => { resolve = r; });
  let closed = false;
  const close = (value) => {
    if (closed) return;
    closed = true;
    clearTimeout(unguard);
    root.remove();
    if (!keepFocus && opener && typeof opener.focus === 'function' && opener.isConnected) opener.focus();
    resolve(value);
  };
  if (cancel !== undefined) {
    mask.addEventListener('click', () => close(cancel));
    root.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') close(cancel); });
  }
  return { answer, close };
}

function dialogButton(text, { primary = false, warn = false, id } = {}) {
  const tone = warn ? 'weui-dialog__btn_warn' : primary ? 'weui-dialog__btn_primary' : 'weui-dialog__btn_default';
  return el('button', { class: `weui-dialog__btn ${tone}`, type: 'button', id }, text);
}

// The footer of a dialog with a safe (no) and an acting (yes) button: the
// acting one on the right as WeUI has it, except when it destroys
// something (warn): then the safe one takes the right, the primary place.
const pair = (no, yes, warn) => (warn ? [yes, no] : [no, yes]);

// Shows err (an ApiError: message, field messages, request id) in a WeUI
// dialog; resolves when the user dismisses it. The request id is one tap
// away (查看反馈编号) for support, never on the face.
export function showError(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  const fieldMessages = Object.values(e.fields || {}).filter((m) => typeof m === 'string');
  const ok = dialogButton('知道了', { primary: true });
  const { answer, close } = openDialog({
    id: 'huzu-error-dialog',
    keepFocus: true,
    body: [
      el('p', 'huzu-dialog__message', e.message),
      fieldMessages.length ? el('ul', 'huzu-dialog__fields', ...fieldMessages.map((m) => el('li', '', m))) : null,
      e.requestId ? ridTap(e.requestId, 'huzu-error-rid') : null,
    ],
    buttons: [ok],
  });
  ok.addEventListener('click', () => close(), { once: true });
  return answer;
}

// 查看反馈编号: a link-like button that turns into the request id, for
// support; no message shows a request id on its face. id names the button
// and then the line that replaces it; onShow runs after the tap.
export function ridTap(requestId, id, onShow) {
  const b = el('button', { class: 'huzu-linkbtn huzu-rid-tap', type: 'button', id }, '查看反馈编号');
  b.addEventListener('click', (ev) => {
    ev.stopPropagation();
    b.replaceWith(el('span', { class: 'huzu-rid', id }, `请求编号：${requestId}`));
    onShow?.();
  }, { once: true });
  return b;
}

// Asks a yes/no question in a WeUI dialog; resolves true for ok, false otherwise.
export function showConfirm({ title = '', message, ok = '确定', cancel = '取消', warn = false }) {
  const no = dialogButton(cancel, { primary: warn });
  const yes = dialogButton(ok, { primary: true, warn });
  const { answer, close } = openDialog({
    id: 'huzu-confirm-dialog', title, body: [el('p', 'huzu-dialog__message', message)], buttons: pair(no, yes, warn), focus: no, cancel: false,
  });
  yes.addEventListener('click', () => close(true), { once: true });
  no.addEventListener('click', () => close(false), { once: true });
  return answer;
}

// Dialog asking for a required text (e.g. the reason for a rejection).
// Resolves to the trimmed text, or null when cancelled.
export function promptText({ title, placeholder = '', ok = '确定', cancel = '取消', max = 200, required = true, presets = [], warn = false, value = '' }) {
  const area = el('textarea', {
    class: 'weui-textarea huzu-prompt__input', id: 'huzu-prompt-input', rows: '3',
    maxlength: String(max), placeholder, 'aria-label': title,
  });
  area.value = value;
  const error = el('p', { class: 'huzu-prompt__error', id: 'huzu-prompt-error', hidden: true });
  const chips = presets.length
    ? el('div', 'huzu-chips', ...presets.map((p) => {
      const b = el('button', { class: 'huzu-chip', type: 'button' }, p);
      b.addEventListener('click', () => { area.value = p; error.hidden = true; area.focus(); });
      return b;
    }))
    : null;
  const no = dialogButton(cancel, { primary: warn });
  const yes = dialogButton(ok, { primary: true, warn, id: 'huzu-prompt-ok' });
  const { answer, close } = openDialog({
    id: 'huzu-prompt-dialog', role: 'dialog', cls: 'weui-dialog huzu-prompt', title,
    body: [chips, area, error], buttons: pair(no, yes, warn), focus: area, cancel: null,
  });
  yes.addEventListener('click', () => {
    const v = area.value.trim();
    if (required && !v) {
      error.textContent = '请填写原因';
      error.hidden = false;
      area.focus();
      return;
    }
    close(v);
  });
  area.addEventListener('input', () => { error.hidden = true; });
  no.addEventListener('click', () => close(null));
  return answer;
}

// Dialog asking for several texts at once (e.g. a reason and where to go
// instead). fields: [{name, label, placeholder, max, required, presets}];
// checks: [{name, label}], tick boxes under them (e.g. 取消整个系列).
// Resolves to {name: trimmed text, check name: bool}, or null when
// cancelled. Each missing answer is named under its own box.
export function promptFields({ title, desc = '', fields, checks = [], ok = '确定', cancel = '取消', warn = false }) {
  const rows = fields.map((f) => {
    const id = `huzu-prompt-${f.name}`;
    const area = el('textarea', {
      class: 'weui-textarea huzu-prompt__input', id, rows: String(f.rows || 3),
      maxlength: String(f.max || 200), placeholder: f.placeholder || '',
    });
    const error = el('p', { class: 'huzu-prompt__error', id: `${id}-error`, hidden: true });
    const chips = (f.presets || []).length
      ? el('div', 'huzu-chips', ...f.presets.map((p) => {
        const b = el('button', { class: 'huzu-chip', type: 'button' }, p);
        b.addEventListener('click', () => { area.value = p; error.hidden = true; area.focus(); });
        return b;
      }))
      : null;
    area.addEventListener('input', () => { error.hidden = true; });
    const lab = el('label', { class: 'huzu-prompt__label', for: id }, f.label);
    return { f, area, error, node: el('div', 'huzu-prompt__field', lab, chips, area, error) };
  });
  const ticks = checks.map((c) => {
    const id = `huzu-prompt-${c.name}`;
    const input = el('input', { type: 'checkbox', id, class: 'huzu-prompt__tick' });
    return { c, input, node: el('label', { class: 'huzu-prompt__check', for: id }, input, el('span', 'huzu-prompt__check-text', c.label)) };
  });
  const no = dialogButton(cancel, { primary: warn });
  const yes = dialogButton(ok, { primary: true, warn, id: 'huzu-prompt-ok' });
  const { answer, close } = openDialog({
    id: 'huzu-prompt-dialog', role: 'dialog', cls: 'weui-dialog huzu-prompt', title,
    body: [desc ? el('p', 'huzu-prompt__desc', desc) : null, ...rows.map((r) => r.node), ...ticks.map((t) => t.node)],
    buttons: pair(no, yes, warn), focus: rows[0].area, cancel: null,
  });
  yes.addEventListener('click', () => {
    const out = {};
    let first = null;
    for (const r of rows) {
      const v = r.area.value.trim();
      if (r.f.required !== false && !v) {
        r.error.textContent = r.f.missing || `请填写${r.f.label}`;
        r.error.hidden = false;
        first = first || r.area;
      }
      out[r.f.name] = v;
    }
    for (const t of ticks) out[t.c.name] = t.input.checked;
    if (first) {
      first.focus();
      return;
    }
    close(out);
  });
  no.addEventListener('click', () => close(null));
  return answer;
}

// Dialog with one choice from a list (radio buttons), e.g. whom to assign.
// options: [{value, label, desc}]. Resolves to the value, or null.
export function promptChoice({ title, desc = '', options, ok = '确定', cancel = '取消', empty = '没有可选的人员' }) {
  const name = 'huzu-choice';
  const error = el('p', { class: 'huzu-prompt__error', id: 'huzu-choice-error', hidden: true });
  const list = options.length
    ? el('div', { class: 'huzu-choice', role: 'radiogroup', 'aria-label': title }, ...options.map((o, i) => {
      const input = el('input', { type: 'radio', name, value: String(o.value), id: `huzu-choice-${i}`, class: 'huzu-choice__input' });
      input.addEventListener('change', () => { error.hidden = true; });
      return el('label', { class: 'huzu-choice__item', for: `huzu-choice-${i}` }, input,
        el('span', 'huzu-choice__text', el('span', 'huzu-choice__label', o.label), o.desc ? el('span', 'huzu-choice__desc', o.desc) : null));
    }))
    : el('p', 'huzu-prompt__desc', empty);
  const no = dialogButton(cancel);
  const yes = dialogButton(ok, { primary: true, id: 'huzu-choice-ok' });
  const { answer, close } = openDialog({
    id: 'huzu-choice-dialog', role: 'dialog', cls: 'weui-dialog huzu-prompt', title,
    body: [desc ? el('p', 'huzu-prompt__desc', desc) : null, list, error], buttons: [no, yes],
    focus: list.querySelector('input') || no, cancel: null,
  });
  yes.addEventListener('click', () => {
    const picked = list.querySelector ? list.querySelector('input:checked') : null;
    if (!picked) {
      if (!options.length) { close(null); return; }
      error.textContent = '请先选择一项';
      error.hidden = false;
      return;
    }
    close(picked.value);
  });
  no.addEventListener('click', () => close(null));
  return answer;
}

// ---- Dates in words: one format on every page (issue 12) ----------------------------------
// A date is "2026年12月2日"; a time of day goes with its date as
// "12月2日 10:22" in this year and "2025年12月2日 10:22" in another (in
// Shanghai). Pages use these two, not formatTime's "2026-12-02 10:22".

// "2026年12月2日" from YYYY-MM-DD (a date as it is) or an RFC 3339 time
// (its day in Shanghai); '' if absent, unparsable text as it is.
export function formatDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  if (m) return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = parts(d);
  return `${Number(p.year)}年${Number(p.month)}月${Number(p.day)}日`;
}

// "12月2日 10:22" (this year) or "2025年12月2日 10:22" from an RFC 3339
// time, '' if absent or unparsable.
export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = parts(d);
  const year = p.year === parts(new Date()).year ? '' : `${Number(p.year)}年`;
  return `${year}${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}`;
}

// Module code runs once per page: the word left by the page before.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', showFlash, { once: true });
else showFlash();
