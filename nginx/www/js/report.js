// 反映问题: a resident files a complaint. Category, what happened (5–500
// characters, counted as they type), where (a building from a scan or their
// own registrations, else a free-text place), up to three photos uploaded
// as soon as they are picked (each with its progress and a way to remove
// it), and the choice to hide their name from the building head. One
// Idempotency-Key per version of the form, so a double tap or a retry on a
// bad network files it once.
import { api, ApiError, auth, files, newIdempotencyKey } from './api.js';
import { loginHref } from './nav.js';
import { shrinkPhoto } from './photo.js';
import {
  $, el, showState, showContent, stateButton, setBusy, toptips, showError, formatDateTime,
} from './ui.js';
import { plain, spanWords } from './complaint-kit.js';

const MAX_PHOTOS = 3;
const TEXT_MIN = 5;
const TEXT_MAX = 500;
const PLACE_MAX = 100;
// Photos above this size or side are scaled down in the phone before sending.
const params = new URLSearchParams(location.search);
const presetBuilding = /^\d{1,18}$/.test(params.get('building') || '') ? params.get('building') : '';
const here = location.pathname + location.search;

const form = $('report-form');
const submitBtn = $('report-submit');
let categories = [];
let photos = [];            // {key, file, status, progress, upload, error, abort, node, done}
let photoSeq = 0;
let submitting = false;
let lastBody = '';
let idemKey = '';

// ---- Field errors next to their field -------------------------------------------

const FIELDS = {
  category: { error: 'err-category', focus: () => form.querySelector('input[name=category]') },
  text: { error: 'err-text', cell: 'cell-text', focus: () => $('f-text') },
  place: { error: 'err-place', cell: 'cell-place', focus: () => ($('f-place').offsetParent ? $('f-place') : form.querySelector('input[name=where]')) },
  building: { error: 'err-place', focus: () => form.querySelector('input[name=where]') },
  photos: { error: 'err-photos', focus: () => $('photo-add') },
};

function fieldError(name, message) {
  const f = FIELDS[name];
  if (!f) return false;
  const node = $(f.error);
  node.textContent = message || '';
  node.hidden = !message;
  if (f.cell) $(f.cell).classList.toggle('weui-cell_warn', Boolean(message));
  return true;
}

// The photos' own messages stay: renderPhotos() owns them.
function clearErrors() {
  for (const name of Object.keys(FIELDS)) if (name !== 'photos') fieldError(name, '');
}

function focusFirst(names) {
  for (const n of Object.keys(FIELDS)) {
    if (!names.includes(n)) continue;
    const node = FIELDS[n].focus();
    if (node) {
      node.focus({ preventScroll: true });
      (FIELDS[n].cell ? $(FIELDS[n].cell) : node).scrollIntoView({ block: 'center' });
    }
    return;
  }
}

// ---- Categories --------------------------------------------------------------------

function hoursWords(minutes) {
  return spanWords(minutes * 60000).replace(/ /g, '');
}

function renderCategories() {
  const list = categories.filter((c) => c.active !== false);
  $('cats').replaceChildren(...list.map((c) => {
    const input = el('input', { class: 'huzu-cat__input', type: 'radio', name: 'category', value: c.code, id: `cat-${c.code}` });
    input.addEventListener('change', () => {
      fieldError('category', '');
      const hint = $('cat-hint');
      hint.textContent = `${c.name}：一般 ${hoursWords(c.respond_minutes)}内受理，${hoursWords(c.resolve_minutes)}内办结`;
      hint.hidden = false;
    });
    return el('label', { class: `huzu-cat${c.urgent ? ' huzu-cat_urgent' : ''}`, for: `cat-${c.code}` },
      input,
      el('span', 'huzu-cat__name', c.name),
      c.urgent ? el('span', 'huzu-urgent', '紧急') : null);
  }));
}

// ---- Where: a building or a place -----------------------------------------------

function placeRadio(value, title, desc, checked) {
  const id = `where-${value}`;
  const input = el('input', { type: 'radio', class: 'weui-check', name: 'where', value, id, checked });
  input.addEventListener('change', syncPlace);
  return el('label', { class: 'weui-cell weui-cell_active weui-check__label huzu-where', for: id },
    el('div', 'weui-cell__bd', el('p', 'huzu-where__title huzu-wrap', title), desc ? el('p', 'weui-cell__desc huzu-wrap', desc) : null),
    el('div', 'weui-cell__ft', input, el('span', 'weui-icon-checked')));
}

function syncPlace() {
  const v = form.querySelector('input[name=where]:checked')?.value || 'place';
  $('place-cell-group').hidden = v !== 'place';
  fieldError('place', '');
}

// The scanned building (landing.js keeps its name for this page) and the
// buildings the resident is registered in.
function scannedBuilding() {
  try {
    const b = JSON.parse(sessionStorage.getItem('huzu.scan.building') || 'null');
    return b && String(b.id) === presetBuilding ? b : null;
  } catch {
    return null;
  }
}

function renderPlaces(tenancies) {
  const seen = new Map();
  if (presetBuilding) {
    const b = scannedBuilding();
    seen.set(presetBuilding, { name: (b && b.name) || `扫码的楼栋（编号 ${presetBuilding}）`, desc: (b && b.address) || '刚刚扫码的楼栋' });
  }
  for (const t of tenancies) {
    if (!t.building || !(t.status === 'active' || t.status === 'pending')) continue;
    const id = String(t.building.id);
    const address = t.building.lane && t.building.door_no ? `${t.building.lane}${t.building.door_no}号` : '';
    if (!seen.has(id)) seen.set(id, { name: t.building.name || `楼栋 ${id}`, desc: address ? `${address} · 我住的楼栋` : '我住的楼栋' });
    else if (id === presetBuilding && !scannedBuilding()) seen.set(id, { name: t.building.name, desc: address || '刚刚扫码的楼栋' });
  }
  const first = presetBuilding || (seen.size ? seen.keys().next().value : 'place');
  const cells = [...seen].map(([id, b]) => placeRadio(id, b.name, b.desc, id === first));
  cells.push(placeRadio('place', '其他地点', '不在上面的楼栋，请写下具体地点', first === 'place'));
  $('places').replaceChildren(...cells);
  syncPlace();
}

// ---- Photos ------------------------------------------------------------------------

function uploadMessage(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  if (e.status === 413) return '照片太大，请换一张或重新拍';
  if (e.status === 415) return '这不是照片，请选 JPG 或 PNG 照片';
  if (e.status === 0) return '网络不好，没传上去，请点「重试」';
  if (e.status === 429 || e.status === 503) return '现在上传的人多，请稍等片刻再点「重试」';
  return e.message;
}

function renderPhoto(p) {
  const index = photos.indexOf(p) + 1;
  const bar = el('span', { class: 'huzu-photo-progress__bar' });
  bar.style.width = `${Math.round(p.progress * 100)}%`;
  const progress = el('span', {
    class: 'huzu-photo-progress', role: 'progressbar', 'aria-label': `照片 ${index} 上传进度`,
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(p.progress * 100)),
  }, bar);
  const remove = el('button', { class: 'huzu-photo-del', type: 'button', 'aria-label': `删除照片 ${index}` }, '×');
  remove.addEventListener('click', () => removePhoto(p));
  const img = el('img', { class: 'huzu-photo__img', alt: `照片 ${index}`, src: p.preview });
  let status = null;
  if (p.status === 'uploading') status = el('span', 'huzu-photo-state', `${Math.round(p.progress * 100)}%`);
  else if (p.status === 'error') {
    const again = el('button', { class: 'huzu-photo-retry', type: 'button', 'aria-label': `重试上传照片 ${index}` }, '重试');
    again.addEventListener('click', () => startUpload(p));
    status = again;
  }
  const node = el('li', {
    class: `huzu-photo-item huzu-photo-item_${p.status}`, 'data-status': p.status, id: `photo-${p.key}`,
  }, img, status, p.status === 'done' ? null : progress, remove,
  p.error ? el('span', 'huzu-photo-item__err', p.error) : null);
  if (p.node) p.node.replaceWith(node);
  p.node = node;
  return node;
}

function renderPhotos() {
  $('photo-list').replaceChildren(...photos.map((p) => { p.node = null; return renderPhoto(p); }));
  $('photo-add').hidden = photos.length >= MAX_PHOTOS;
  const errs = photos.filter((p) => p.status === 'error').map((p) => `照片 ${photos.indexOf(p) + 1}：${p.error}`);
  fieldError('photos', errs.join('；'));
}

function setProgress(p, f) {
  p.progress = f;
  const bar = p.node?.querySelector('.huzu-photo-progress__bar');
  const pb = p.node?.querySelector('.huzu-photo-progress');
  const st = p.node?.querySelector('.huzu-photo-state');
  const pct = Math.round(f * 100);
  if (bar) bar.style.width = `${pct}%`;
  if (pb) pb.setAttribute('aria-valuenow', String(pct));
  if (st) st.textContent = `${pct}%`;
}

function startUpload(p) {
  const ctl = new AbortController();
  p.abort = () => ctl.abort();
  p.status = 'uploading';
  p.error = '';
  p.progress = 0;
  renderPhotos();
  p.done = (async () => {
    try {
      const body = p.body || (p.body = await shrinkPhoto(p.file));
      const res = await files.upload(body, { onProgress: (f) => setProgress(p, f), signal: ctl.signal });
      p.upload = res;
      p.status = 'done';
      setProgress(p, 1);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      p.status = 'error';
      p.error = uploadMessage(err);
    }
    if (photos.includes(p)) renderPhotos();
  })();
}

function removePhoto(p) {
  p.abort?.();
  photos = photos.filter((x) => x !== p);
  URL.revokeObjectURL(p.preview);
  renderPhotos();
  $('photo-add').focus();
}

$('f-photos').addEventListener('change', (ev) => {
  const picked = [...ev.target.files];
  ev.target.value = '';
  const room = MAX_PHOTOS - photos.length;
  const images = picked.filter((f) => /^image\//.test(f.type));
  const notes = [];
  if (images.length < picked.length) notes.push('只能上传照片');
  if (images.length > room) notes.push(`最多 3 张，已为您保留前 ${room} 张`);
  for (const file of images.slice(0, room)) {
    const p = { key: ++photoSeq, file, status: 'uploading', progress: 0, preview: URL.createObjectURL(file) };
    photos.push(p);
    startUpload(p);
  }
  renderPhotos();
  if (notes.length) fieldError('photos', notes.join('；'));
});

// ---- The text and its count -----------------------------------------------------------

function chars(s) {
  return [...s].length;
}

$('f-text').addEventListener('input', () => {
  const n = chars($('f-text').value.trim());
  $('text-n').textContent = String(n);
  $('text-count').classList.toggle('huzu-counter_short', n > 0 && n < TEXT_MIN);
  if (n >= TEXT_MIN) fieldError('text', '');
});
$('f-place').addEventListener('input', () => fieldError('place', ''));

// ---- The draft -----------------------------------------------------------------------------
// What the resident typed survives a login that expired on the way (the
// login page and back): kept in this tab only, dropped once filed.

const DRAFT = 'huzu.report.draft';

function saveDraft() {
  try {
    sessionStorage.setItem(DRAFT, JSON.stringify({
      at: here,
      category: form.querySelector('input[name=category]:checked')?.value || '',
      text: $('f-text').value,
      where: form.querySelector('input[name=where]:checked')?.value || '',
      place: $('f-place').value,
      hide: $('f-hide').checked,
    }));
  } catch { /* private mode: nothing kept */ }
}

function restoreDraft() {
  let d;
  try {
    d = JSON.parse(sessionStorage.getItem(DRAFT) || 'null');
  } catch {
    d = null;
  }
  if (!d || d.at !== here) return false;
  const pick = (name, value) => {
    const i = value && [...form.querySelectorAll(`input[name=${name}]`)].find((x) => x.value === value);
    if (i) i.checked = true;
  };
  pick('category', d.category);
  pick('where', d.where);
  $('f-text').value = d.text || '';
  $('f-place').value = d.place || '';
  $('f-hide').checked = Boolean(d.hide);
  $('f-text').dispatchEvent(new Event('input'));
  syncPlace();
  return Boolean(d.text || d.place || d.category);
}

form.addEventListener('input', saveDraft);
form.addEventListener('change', saveDraft);

// ---- Sending ---------------------------------------------------------------------------

function validate() {
  const errors = {};
  const cat = form.querySelector('input[name=category]:checked');
  if (!cat) errors.category = '请选择问题类型';
  const text = $('f-text').value.trim();
  if (chars(text) < TEXT_MIN) errors.text = `请至少写 ${TEXT_MIN} 个字，说清楚发生了什么`;
  else if (chars(text) > TEXT_MAX) errors.text = `最多 ${TEXT_MAX} 个字，请删减一些`;
  const where = form.querySelector('input[name=where]:checked')?.value || 'place';
  const place = $('f-place').value.trim();
  if (where === 'place' && !place) errors.place = '请写下地点，例如哪条巷、哪个门牌';
  else if (where === 'place' && chars(place) > PLACE_MAX) errors.place = `地点最多 ${PLACE_MAX} 个字`;
  if (photos.some((p) => p.status === 'error')) errors.photos = '有照片没传上去，请点「重试」或把它删掉';
  const body = { category: cat ? cat.value : '', text, hide_identity: $('f-hide').checked };
  if (where === 'place') body.place = place;
  else body.building = Number(where);
  return { errors, body };
}

// What was just filed from this form, so that coming back to it (the
// back button, an old tab) says so instead of showing an empty form that
// looks as if nothing was sent.
const FILED = 'huzu.report.filed';

function justFiled() {
  try {
    const f = JSON.parse(sessionStorage.getItem(FILED) || 'null');
    return f && f.at === here && Date.now() - f.t < 30 * 60e3 ? f.c : null;
  } catch {
    return null;
  }
}

function done(c, again = false) {
  const due = c.respond_due ? formatDateTime(c.respond_due) : '';
  try {
    sessionStorage.removeItem(DRAFT);
    sessionStorage.setItem(FILED, JSON.stringify({ at: here, t: Date.now(), c: { id: c.id, respond_due: c.respond_due } }));
  } catch { /* nothing kept */ }
  showState({
    icon: 'weui-icon-success',
    title: '已提交',
    desc: `诉求编号 ${c.id}。${due ? `户组长会在 ${due} 前受理，` : ''}有进展会在「我的诉求」里提醒您。`,
    buttons: [
      stateButton('查看办理进度', { href: `/complaint.html?id=${encodeURIComponent(c.id)}`, primary: true, id: 'done-view' }),
      again ? stateButton('再反映一个问题', { id: 'done-again', onClick: () => {
        try {
          sessionStorage.removeItem(FILED);
        } catch { /* nothing kept */ }
        location.reload();
      } }) : null,
      stateButton('返回首页', { href: '/', id: 'done-home' }),
    ].filter(Boolean),
  });
  window.scrollTo(0, 0);
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (submitting) return;            // a double tap: the first one is on its way
  submitting = true;
  setBusy(submitBtn, true, '正在提交');
  try {
    clearErrors();
    // Photos still on their way are waited for.
    const pending = photos.filter((p) => p.status === 'uploading').map((p) => p.done);
    if (pending.length) {
      setBusy(submitBtn, true, '正在上传照片');
      await Promise.all(pending);
      setBusy(submitBtn, true, '正在提交');
    }
    const { errors, body } = validate();
    const names = Object.keys(errors);
    if (names.length) {
      for (const n of names) fieldError(n, errors[n]);
      focusFirst(names);
      return;
    }
    body.photos = photos.filter((p) => p.status === 'done').map((p) => p.upload.id);
    // The same form retried keeps its key: the server files it once.
    const sig = JSON.stringify(body);
    if (sig !== lastBody) {
      lastBody = sig;
      idemKey = newIdempotencyKey();
    }
    const c = await api.post('/complaints', body, { idempotencyKey: idemKey });
    done(c);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 0 && navigator.onLine === false) {
      toptips('手机没有联网。请连上网络后再点「提交」，您写的内容都还在。');
      return;
    }
    if (e.status === 0 || e.status === 409 || e.status >= 500) {
      // Not known whether it was filed: the same key makes a retry safe.
      toptips('网络不好，还不能确定是否提交成功。请再点一次「提交」，不会重复提交。');
      return;
    }
    if (e.status === 401) {
      saveDraft();
      showState({ icon: 'weui-icon-info', title: '登录已过期', desc: '请重新登录。您写的内容已保存，登录后会自动填回，照片需要重新添加。',
        buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'report-login' })] });
      return;
    }
    const fields = Object.entries(e.fields || {});
    const shown = fields.filter(([k, m]) => typeof m === 'string' && fieldError(k, m)).map(([k]) => k);
    if (shown.length) {
      focusFirst(shown);
      if (shown.length < fields.length) toptips(e.message);
      return;
    }
    await showError(plain(e));
  } finally {
    submitting = false;
    if (submitBtn.isConnected) setBusy(submitBtn, false, '提交');
  }
});

// ---- Loading -------------------------------------------------------------------------------

async function load() {
  if (!auth.loggedIn) {
    showState({ icon: 'weui-icon-info', title: '请先登录', desc: '登录后就能反映问题，并随时查看办理进度',
      buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'report-login' })] });
    return;
  }
  if (presetBuilding) $('report-back').textContent = '‹ 返回';
  const filed = justFiled();
  if (filed) {
    done(filed, true);
    return;
  }
  showState({ icon: 'loading', title: '正在加载…' });
  try {
    const [me, cats, ten] = await Promise.all([
      api.get('/me'),
      api.get('/complaint-categories'),
      api.get('/tenancies?limit=100').catch(() => ({ items: [] })),
    ]);
    if (me && me.user && me.user.kind === 'staff') {
      showState({ icon: 'weui-icon-info', title: '工作人员账号', desc: '问题由住户本人反映。处理诉求请到诉求工单。',
        buttons: [stateButton('进入诉求工单', { href: '/complaints.html', primary: true })] });
      return;
    }
    categories = Array.isArray(cats.items) ? cats.items : [];
    renderCategories();
    renderPlaces(Array.isArray(ten.items) ? ten.items : []);
    renderPhotos();
    restoreDraft();
    showContent();
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      showState({ icon: 'weui-icon-info', title: '登录已过期', desc: '请重新登录后反映问题',
        buttons: [stateButton('登录', { href: loginHref(here), primary: true, id: 'report-login' })] });
      return;
    }
    showState({ icon: 'weui-icon-warn', title: '暂时无法加载', desc: e.message,
      buttons: [stateButton('重试', { onClick: () => load(), primary: true })] });
  }
}

// In the back of a link from the landing page, 返回 goes back to it.
$('report-back').addEventListener('click', (ev) => {
  if (presetBuilding && history.length > 1 && document.referrer.startsWith(location.origin)) {
    ev.preventDefault();
    history.back();
  }
});

load();
