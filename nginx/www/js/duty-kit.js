// What the pages of the chain's work share (directives.html, directive.html,
// directive-new.html, checklists.html, checklist.html,
// checklist-template.html): the staff gate, who may send, deadlines in
// words, counts with their bars, field errors next to their field, one
// photo (or PDF) picker that uploads as soon as a file is picked, files
// opened behind the bearer token, CSV saved from a Blob, and one
// Idempotency-Key per version of a body so that a double tap or a retry
// does the write once. DOM through ui.js; HTTP through api.js.
import { api, ApiError, auth, files, newIdempotencyKey } from './api.js';
import { loginHref } from './nav.js';
import { shrinkPhoto } from './photo.js';
import { $, el, showState, stateButton, setFieldError, toast, showError, showConfirm } from './ui.js';
import { when, requestIdButton } from './shift-kit.js';

export { when };

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

// Roles that may send directives and remind (HZ_RIGHT_DIRECTIVE_SEND).
export const SEND_ROLES = ['group_leader', 'cadre', 'admin'];
export const canSend = (roles) => roles.some((r) => SEND_ROLES.includes(r.role));
export const isHead = (roles) => roles.some((r) => r.role === 'building_head');
export const isAdmin = (roles) => roles.some((r) => r.role === 'admin');

const here = () => location.pathname + location.search + location.hash;

// The login gate and /me: resolves to {user, roles} for staff, or null
// once the page shows why it cannot go on (logged out, expired, a
// resident, an error with 重试).
export async function staffStart({ purpose, retry }) {
  const login = (title, desc) => showState({
    icon: 'weui-icon-info', title, desc,
    buttons: [stateButton('工作人员登录', { href: `${loginHref(here())}#staff`, primary: true, id: 'duty-login' })],
  });
  if (!auth.loggedIn) {
    login('请先登录', purpose);
    return null;
  }
  let me;
  try {
    me = await api.get('/me');
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      login('登录已过期', '请重新登录');
      return null;
    }
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
      buttons: [stateButton('重试', { onClick: retry, primary: true, id: 'duty-retry' }), requestIdButton(e.requestId)] });
    return null;
  }
  const roles = Array.isArray(me.roles) ? me.roles : [];
  if (!me.user || me.user.kind !== 'staff') {
    showState({ icon: 'weui-icon-info', title: '仅供工作人员使用', desc: purpose,
      buttons: [stateButton('返回首页', { href: '/' })] });
    return null;
  }
  return { user: me.user, roles };
}

// ---- A write that failed -------------------------------------------------------------------

// What was typed on this page survives a login that expired during a save:
// kept in sessionStorage under the page's address and put back by
// restoreDraft() once the page is drawn again (photos must be re-added).
const DRAFT = () => `huzu.duty.draft:${location.pathname}${location.search}`;

export function keepDraft() {
  const fields = {};
  for (const n of document.querySelectorAll('[data-content] textarea[id], [data-content] input[id], [data-content] select[id]')) {
    if (n.type === 'file' || n.type === 'hidden' || n.disabled) continue;
    if (n.type === 'checkbox' || n.type === 'radio') {
      if (n.checked !== n.defaultChecked) fields[n.id] = { checked: n.checked };
    } else if (n.value && n.value !== n.defaultValue) {
      fields[n.id] = { value: n.value };
    }
  }
  try {
    sessionStorage.setItem(DRAFT(), JSON.stringify({ t: Date.now(), fields }));
  } catch { /* private mode: nothing kept */ }
}

// Puts a kept draft back (at most a day old) and forgets it; the panels
// marked data-draft-open that hold a restored field are opened.
export function restoreDraft() {
  let d = null;
  try {
    d = JSON.parse(sessionStorage.getItem(DRAFT()) || 'null');
    sessionStorage.removeItem(DRAFT());
  } catch { return false; }
  if (!d || !d.fields || Date.now() - d.t > 86400000) return false;
  let first = null;
  for (const [id, f] of Object.entries(d.fields)) {
    const n = document.getElementById(id);
    if (!n) continue;
    if ('checked' in f) {
      n.checked = Boolean(f.checked);
      n.dispatchEvent(new Event('change', { bubbles: true }));
    } else {
      n.value = f.value;
      n.dispatchEvent(new Event('input', { bubbles: true }));
      n.dispatchEvent(new Event('change', { bubbles: true }));
    }
    const panel = n.closest('[data-draft-open]');
    if (panel) panel.hidden = false;
    first = first || n;
  }
  if (first) {
    first.scrollIntoView({ block: 'center' });
    toast('已填回您上次写的内容');
  }
  return Boolean(first);
}

// The refusal of a save: an expired login offers 重新登录 (what was typed
// is kept and comes back); anything else in a dialog with the request id
// one tap away. Resolves when the user has answered.
export async function writeError(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  if (e.status === 401) {
    const go = await showConfirm({
      title: '登录已过期',
      message: '请重新登录后再保存。您在这一页填写的文字会保留，登录后回到这里（照片需要重新添加）。',
      ok: '重新登录', cancel: '稍后',
    });
    if (go) {
      keepDraft();
      location.assign(`${loginHref(here())}#staff`);
    }
    return;
  }
  await showError(e, { ridBehindTap: true });
}

// A whole-page refusal (404 outside scope, 403 without the right).
export function showRefused(err, retry) {
  const e = err instanceof ApiError ? err : new ApiError();
  if (e.status === 404) {
    showState({ icon: 'weui-icon-info', title: '找不到这条内容', desc: '它可能不在您负责的范围内，或链接有误。',
      buttons: [stateButton('返回', { href: '/#services', primary: true })] });
  } else if (e.status === 403) {
    showState({ icon: 'weui-icon-info', title: '没有权限', desc: e.message,
      buttons: [stateButton('返回', { href: '/#services', primary: true })] });
  } else {
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
      buttons: [stateButton('重试', { onClick: retry, primary: true, id: 'duty-retry' }), requestIdButton(e.requestId)] });
  }
}

// A receipt: what is asked of its holder now: {text, cls}.
export function receiptState(d) {
  if (d.needs_done && d.done_at) return { text: '已完成', cls: 'duty-state_done' };
  if (d.overdue) return { text: '已超时', cls: 'duty-state_over' };
  if (!d.read_at) return { text: '未读', cls: 'duty-state_new' };
  if (d.needs_done) return { text: '待完成', cls: 'duty-state_wait' };
  return { text: '已读', cls: 'duty-state_done' };
}

// ---- Counts and bars ----------------------------------------------------------------

export const pct = (n, total) => (total > 0 ? Math.round((n / total) * 100) : 0);

// "已读 85/120" with a bar under it; the bar is decoration (the words say it).
export function countBar(labelText, n, total, { tone = 'read', id } = {}) {
  const fill = el('span', `duty-bar__fill duty-bar__fill_${tone}`);
  fill.style.width = `${pct(n, total)}%`;
  return el('div', { class: 'duty-count', id },
    el('p', 'duty-count__text', el('span', 'duty-count__label', labelText), ' ',
      el('strong', 'duty-count__n', `${n}/${total}`),
      el('span', 'duty-count__pct', `（${pct(n, total)}%）`)),
    el('span', { class: 'duty-bar', 'aria-hidden': 'true' }, fill));
}

// ---- Deadlines ------------------------------------------------------------------------

// "截止 12月5日 周六 18:00 · 还剩 2 天" / "· 已超时 3 小时".
export function dueWords(deadline, { done = false } = {}) {
  const t = Date.parse(deadline || '');
  if (Number.isNaN(t)) return '';
  if (done) return `截止 ${when(deadline)}`;
  const ms = t - Date.now();
  return `截止 ${when(deadline)} · ${ms >= 0 ? `还剩 ${spanWords(ms)}` : `已超时 ${spanWords(-ms)}`}`;
}

// ---- Field errors next to their field --------------------------------------------------

// fields: names whose markup is cell-<name>, f-<name>, err-<name>.
export function fieldErrors(names) {
  const set = (name, message) => {
    if (!$(`err-${name}`)) return false;
    setFieldError({ cell: $(`cell-${name}`), error: $(`err-${name}`), input: $(`f-${name}`) }, message);
    return true;
  };
  return {
    set,
    clear() { for (const n of names) set(n, ''); },
    // Places a 422's field messages; true when at least one was shown.
    // The first is scrolled to and focused.
    place(err) {
      let first = null;
      for (const [k, m] of Object.entries((err && err.fields) || {})) {
        if (typeof m === 'string' && names.includes(k) && set(k, m)) first = first || k;
      }
      if (first) focusField(first);
      return Boolean(first);
    },
  };
}

export function focusField(name) {
  const input = $(`f-${name}`) || $(`cell-${name}`);
  const cell = $(`cell-${name}`) || input;
  if (input && typeof input.focus === 'function') input.focus({ preventScroll: true });
  cell?.scrollIntoView({ block: 'center' });
}

// ---- Writes a phone may retry ----------------------------------------------------------------

// The same body keeps its key: a retry after a lost answer is done once.
export function idempotent() {
  let sig = '';
  let key = '';
  return (body) => {
    const s = JSON.stringify(body);
    if (s !== sig) {
      sig = s;
      key = newIdempotencyKey();
    }
    return key;
  };
}

// A button that ignores taps while its request runs (setBusy in ui.js
// disables it; this also covers the taps before the first paint).
export function once(fn) {
  let running = false;
  return async (...args) => {
    if (running) return;
    running = true;
    try {
      await fn(...args);
    } finally {
      running = false;
    }
  };
}

// ---- Files: pick, upload at once, show ----------------------------------------------------------

function uploadMessage(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  if (e.status === 413) return '文件太大，请换一个或重新拍';
  if (e.status === 415) return '这种文件不能上传，请选 JPG、PNG 照片或 PDF';
  if (e.status === 0) return '网络不好，没传上去，请点「重试」';
  if (e.status === 429 || e.status === 503) return '现在上传的人多，请稍等片刻再点「重试」';
  return e.message;
}

// A picker for up to `max` photos, or (allowPdf) exactly one PDF instead.
// Each file is uploaded as soon as it is picked, with its progress and a
// way to remove it. root: an element to fill; name: the field's name (its
// error node is err-<name>). onChange() after every change.
export function uploader(root, { name, max = 1, allowPdf = false, label = '拍照或选照片', onChange = () => {} }) {
  let items = []; // {key, file, kind, status, progress, upload, error, preview, done}
  let seq = 0;
  let pickNote = ''; // what the last pick left out, until the next change
  const input = el('input', {
    class: 'duty-visually-hidden', type: 'file', id: `f-${name}`,
    accept: allowPdf ? 'image/*,application/pdf,.pdf' : 'image/*',
    'aria-describedby': `err-${name}`,
  });
  if (!allowPdf) input.setAttribute('capture', 'environment');
  if (max > 1) input.multiple = true;
  const add = el('label', { class: 'duty-up__add', for: `f-${name}`, id: `add-${name}` },
    el('span', { class: 'duty-up__plus', 'aria-hidden': 'true' }, '+'), el('span', '', label));
  const list = el('ul', { class: 'duty-up__files', 'aria-live': 'polite' });
  const note = el('p', { class: 'huzu-field-error duty-err', id: `err-${name}`, hidden: true });
  root.replaceChildren(el('div', 'duty-up', list, add, input), note);

  const setNote = (m) => { note.textContent = m || ''; note.hidden = !m; };
  const isPdf = (f) => f.type === 'application/pdf' || /\.pdf$/i.test(f.name || '');

  function render() {
    list.replaceChildren(...items.map((p, i) => {
      const n = i + 1;
      const remove = el('button', { class: 'duty-up__del', type: 'button', 'aria-label': `删除第 ${n} 个文件` },
        el('span', { class: 'duty-up__x', 'aria-hidden': 'true' }, '×'));
      remove.addEventListener('click', () => {
        p.ctl?.abort();
        items = items.filter((x) => x !== p);
        if (p.preview) URL.revokeObjectURL(p.preview);
        pickNote = '';
        render();
        add.focus?.();
      });
      let state = null;
      if (p.status === 'uploading') state = el('span', 'duty-up__state', `${Math.round(p.progress * 100)}%`);
      else if (p.status === 'error') {
        const again = el('button', { class: 'duty-up__retry', type: 'button', 'aria-label': `重试上传第 ${n} 个文件` }, '重试');
        again.addEventListener('click', () => start(p));
        state = again;
      }
      const face = p.kind === 'pdf'
        ? el('span', 'duty-up__pdf', 'PDF', el('span', 'duty-up__pdfname', p.file.name || '文件'))
        : el('img', { class: 'duty-up__img', alt: `照片 ${n}`, src: p.preview });
      return el('li', { class: `duty-up__item duty-up__item_${p.status}`, 'data-status': p.status }, face, state, remove);
    }));
    const full = items.length >= max || items.some((p) => p.kind === 'pdf');
    add.hidden = full;
    const errs = items.filter((p) => p.status === 'error').map((p) => `第 ${items.indexOf(p) + 1} 个：${p.error}`);
    setNote([pickNote, ...errs].filter(Boolean).join('；'));
    onChange();
  }

  function start(p) {
    p.ctl = new AbortController();
    p.status = 'uploading';
    p.progress = 0;
    p.error = '';
    render();
    p.done = (async () => {
      try {
        const body = p.body || (p.body = await shrinkPhoto(p.file));
        p.upload = await files.upload(body, {
          signal: p.ctl.signal,
          onProgress: (f) => {
            p.progress = f;
            const s = list.children[items.indexOf(p)]?.querySelector('.duty-up__state');
            if (s) s.textContent = `${Math.round(f * 100)}%`;
          },
        });
        p.status = 'done';
      } catch (err) {
        if (err && err.name === 'AbortError') return;
        p.status = 'error';
        p.error = uploadMessage(err);
      }
      if (items.includes(p)) render();
    })();
  }

  input.addEventListener('change', () => {
    const picked = [...input.files];
    input.value = '';
    const notes = [];
    let ok = picked.filter((f) => /^image\//.test(f.type) || (allowPdf && isPdf(f)));
    if (ok.length < picked.length) notes.push(allowPdf ? '只能上传照片或 PDF 文件' : '只能上传照片');
    const pdfs = ok.filter(isPdf);
    if (pdfs.length) {
      if (pdfs.length > 1 || ok.length > 1 || items.length) notes.push('PDF 只能单独上传一个，不能和照片一起发');
      if (items.length) ok = [];
      else ok = [pdfs[0]];
    }
    const room = max - items.length;
    if (ok.length > room) notes.push(`最多 ${max} 张，已保留前 ${room} 张`);
    for (const file of ok.slice(0, room)) {
      const p = { key: ++seq, file, kind: isPdf(file) ? 'pdf' : 'photo', status: 'uploading', progress: 0 };
      if (p.kind === 'photo') p.preview = URL.createObjectURL(file);
      items.push(p);
      start(p);
    }
    pickNote = notes.join('；');
    render();
  });

  return {
    // Waits for uploads on their way; then the ids, or throws the message to show.
    async ids() {
      await Promise.all(items.filter((p) => p.status === 'uploading').map((p) => p.done));
      if (items.some((p) => p.status === 'error')) throw new Error('有文件没传上去，请点「重试」或把它删掉');
      return items.filter((p) => p.status === 'done').map((p) => p.upload.id);
    },
    get count() { return items.length; },
    setError(m) {
      pickNote = '';
      setNote(m);
    },
    clear() {
      for (const p of items) if (p.preview) URL.revokeObjectURL(p.preview);
      items = [];
      pickNote = '';
      render();
    },
  };
}

const objectUrls = new Set();
window.addEventListener('pagehide', () => {
  for (const u of objectUrls) URL.revokeObjectURL(u);
  objectUrls.clear();
});

// An <img> fetched with the bearer token; words if it cannot be loaded.
export function authImage(url, alt) {
  const img = el('img', { class: 'duty-photo__img', alt, decoding: 'async' });
  if (url) {
    files.blob(url).then((blob) => {
      const u = URL.createObjectURL(blob);
      objectUrls.add(u);
      img.src = u;
    }).catch(() => img.replaceWith(el('span', { class: 'duty-photo__missing', role: 'img', 'aria-label': alt }, '图片无法加载')));
  }
  return img;
}

// Opens a file the API serves behind the token (a PDF: the browser's viewer).
async function openFile(f, button) {
  if (button.disabled) return;
  button.disabled = true;
  const text = button.textContent;
  button.textContent = '正在打开…';
  try {
    const blob = await files.blob(f.url);
    const u = URL.createObjectURL(blob);
    objectUrls.add(u);
    const a = el('a', { href: u, target: '_blank', rel: 'noopener', download: `通知附件-${f.id}.pdf`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    writeError(err);
  } finally {
    button.disabled = false;
    button.textContent = text;
  }
}

// A full-screen photo; closes on 关闭 or Escape.
function gallery(photo, alt) {
  document.getElementById('duty-gallery')?.remove();
  const opener = document.activeElement;
  const close = el('button', { class: 'duty-gallery__close', type: 'button', id: 'duty-gallery-close' }, '关闭');
  const img = authImage(photo.url, alt);
  img.className = 'duty-gallery__photo';
  const root = el('div', { class: 'weui-gallery duty-gallery', id: 'duty-gallery', role: 'dialog', 'aria-modal': 'true', 'aria-label': alt },
    el('div', 'duty-gallery__img', img), el('div', 'duty-gallery__opr', close));
  const done = () => { root.remove(); if (opener && opener.isConnected) opener.focus(); };
  close.addEventListener('click', done);
  root.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') done(); });
  document.body.append(root);
  close.focus();
}

// Photos as thumbnails that open full size; a PDF as a 44 px button.
export function fileRow(list, what = '附件') {
  if (!Array.isArray(list) || !list.length) return null;
  return el('div', 'duty-files', ...list.map((f, i) => {
    if (f.kind === 'pdf') {
      const b = el('button', { class: 'weui-btn weui-btn_default weui-btn_mini duty-pdf', type: 'button' }, `查看 PDF ${what}`);
      b.addEventListener('click', () => openFile(f, b));
      return b;
    }
    const alt = `${what}照片 ${i + 1}`;
    const b = el('button', { class: 'duty-photo', type: 'button', 'aria-label': `查看${alt}` }, authImage(f.thumb_url || f.url, alt));
    b.addEventListener('click', () => gallery(f, alt));
    return b;
  }));
}

// A CSV behind the token, saved under a Chinese name.
export async function saveCsv(url, filename, button, labelText) {
  if (button.disabled) return;
  button.disabled = true;
  button.textContent = '正在导出…';
  try {
    const blob = await files.blob(url);
    const u = URL.createObjectURL(blob);
    const a = el('a', { href: u, download: filename, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(u), 10000);
    toast('已导出');
  } catch (err) {
    writeError(err);
  } finally {
    button.disabled = false;
    button.textContent = labelText;
  }
}

// "2026-12" → "2026年12月"; the current Shanghai month.
export function monthText(ym) {
  const m = /^(\d{4})-(\d{2})$/.exec(ym || '');
  return m ? `${Number(m[1])}年${Number(m[2])}月` : (ym || '');
}

export function thisMonth() {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).formatToParts(new Date());
  const o = {};
  for (const x of p) o[x.type] = x.value;
  return `${o.year}-${o.month}`;
}

export function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

export const UNIT_WORDS = { village: '全村', cooperative: '经济社', group: '户组', building: '楼栋' };
