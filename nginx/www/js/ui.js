// Shared H5 helpers: DOM building (text only, never HTML strings), WeUI
// toast and toptips, busy buttons, field errors, Chinese labels and dates.

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

// Roles that look after buildings (review, roster, posters).
export const CHAIN_ROLES = ['building_head', 'group_leader', 'cadre', 'admin'];

export const label = (pairs, value) => (pairs.find(([k]) => k === value) || [null, value || ''])[1];

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

// "2026年3月5日" from YYYY-MM-DD.
export function formatDate(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  return m ? `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日` : (ymd || '');
}

// Today in Shanghai as YYYY-MM-DD.
export function todayLocal() {
  const p = parts(new Date());
  return `${p.year}-${p.month}-${p.day}`;
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

// A red WeUI toptips bar for refusals the user can act on.
export function toptips(message, requestId = '') {
  let root = $('huzu-toptips');
  if (!root) {
    root = el('div', { class: 'weui-toptips weui-toptips_warn huzu-toptips', id: 'huzu-toptips', role: 'alert' });
    root.addEventListener('click', hideToptips);
    document.body.append(root);
  }
  root.replaceChildren(el('p', 'huzu-toptips__message', message));
  if (requestId) root.append(el('p', 'huzu-toptips__rid', `请求编号：${requestId}`));
  root.classList.add('huzu-toptips_on');
  clearTimeout(tipsTimer);
  tipsTimer = setTimeout(hideToptips, 5000);
}

export function hideToptips() {
  clearTimeout(tipsTimer);
  $('huzu-toptips')?.classList.remove('huzu-toptips_on');
}

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

// A centred WeUI "loading / empty / error" block.
export function loadmore(text, { loading = false } = {}) {
  const node = el('div', 'weui-loadmore huzu-loadmore');
  if (loading) node.append(el('span', 'weui-primary-loading', el('span', 'weui-primary-loading__dot')));
  node.append(el('span', 'weui-loadmore__tips', text));
  return node;
}

// Status badge for a tenancy.
export function statusBadge(status) {
  const s = STATUS[status] || { text: status, cls: '' };
  return el('span', `huzu-status ${s.cls}`, s.text);
}

// Dialog asking for a required text (e.g. the reason for a rejection).
// Resolves to the trimmed text, or null when cancelled.
export function promptText({ title, placeholder = '', ok = '确定', cancel = '取消', max = 200, required = true, presets = [], warn = false }) {
  document.getElementById('huzu-prompt-dialog')?.remove();
  const opener = document.activeElement;
  const area = el('textarea', {
    class: 'weui-textarea huzu-prompt__input', id: 'huzu-prompt-input', rows: '3',
    maxlength: String(max), placeholder, 'aria-label': title,
  });
  const error = el('p', { class: 'huzu-prompt__error', id: 'huzu-prompt-error', hidden: true });
  const chips = presets.length
    ? el('div', 'huzu-chips', ...presets.map((p) => {
      const b = el('button', { class: 'huzu-chip', type: 'button' }, p);
      b.addEventListener('click', () => { area.value = p; error.hidden = true; area.focus(); });
      return b;
    }))
    : null;
  const no = el('button', { class: 'weui-dialog__btn weui-dialog__btn_default', type: 'button' }, cancel);
  const yes = el('button', { class: `weui-dialog__btn ${warn ? 'weui-dialog__btn_warn' : 'weui-dialog__btn_primary'}`, type: 'button', id: 'huzu-prompt-ok' }, ok);
  const mask = el('div', 'weui-mask');
  const root = el('div', { class: 'huzu-dialog', id: 'huzu-prompt-dialog', role: 'dialog', 'aria-modal': 'true' },
    mask,
    el('div', 'weui-dialog huzu-prompt',
      el('div', 'weui-dialog__hd', el('strong', 'weui-dialog__title', title)),
      el('div', 'weui-dialog__bd', chips, area, error),
      el('div', 'weui-dialog__ft', no, yes)));
  document.body.append(root);
  area.focus();
  return new Promise((resolve) => {
    let closed = false;
    const close = (answer) => {
      if (closed) return;
      closed = true;
      root.remove();
      if (opener && typeof opener.focus === 'function' && opener.isConnected) opener.focus();
      resolve(answer);
    };
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
    mask.addEventListener('click', () => close(null));
    root.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') close(null); });
  });
}
