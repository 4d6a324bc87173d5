// 居住登记: a renter registers residence in the building whose code was
// scanned (/register.html?token=<qr token>), or one found by its address
// (?find=1 searches, then ?building=<id>&place=<address>). ?again=<id>
// fills the form from a rejected registration (重新登记); ?moving=<id>
// registers a new address and ends that active one in the same step.
// Nothing personal is filled in before the 隐私政策 and 用户协议 are
// ticked (the checkbox's value is the policy version, HZ_POLICY_VERSION).
// The checks mirror the server's (core/tenancies.c, core/idcard.c), whose
// `fields` errors are shown under the fields as well.
import { api, ApiError, auth } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, ID_TYPES, REASONS, RELATIONS, normalizePhone, todayLocal, toptips, hideToptips, setBusy,
  setFieldError as setFieldErrorOf, showState, showContent, stateButton, showError, emptyState,
} from './ui.js';

const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const positiveId = (v) => (/^[1-9]\d{0,15}$/.test(v || '') ? v : '');
let buildingId = positiveId(params.get('building'));
const againId = positiveId(params.get('again'));
const movingId = positiveId(params.get('moving'));
const finding = params.has('find') || (!token && !buildingId && !againId);
const MAX_MEMBERS = 10;
const FIELD_NAMES = ['consent_version', 'name', 'id_type', 'id_number', 'phone', 'room', 'move_in', 'reason', 'employer', 'members'];

// ---- Checks (the server's rules) ---------------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

// GB 11643-1999 check character for the first 17 digits, or '' if not digits.
export function idCheckChar(first17) {
  if (!/^\d{17}$/.test(first17)) return '';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

function realDate(y, m, d) {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

// YYYY-MM-DD -> yyyymmdd when it is a real date, else -1 (as hz_date_parse).
function dateNumber(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  if (!m) return -1;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return realDate(y, mo, d) ? y * 10000 + mo * 100 + d : -1;
}

const chars = (s) => Array.from(s).length;

// Returns a message for a wrong ID number of this type, or ''.
export function idNumberError(type, raw) {
  const n = raw.toUpperCase();
  if (!n) return '请填写证件号码';
  if (!/^[0-9A-Z]+$/.test(n)) return '证件号码只能包含数字和字母';
  const today = dateNumber(todayLocal());
  switch (type) {
    case 'resident_id': {
      if (n.length !== 18) return `身份证号码应为 18 位，您填写了 ${n.length} 位`;
      if (!/^\d{17}[\dX]$/.test(n)) return '身份证号码前 17 位应为数字，末位为数字或 X';
      if (n[0] < '1' || n[0] > '8') return '身份证号码的地区码不正确';
      const y = Number(n.slice(6, 10));
      const m = Number(n.slice(10, 12));
      const d = Number(n.slice(12, 14));
      if (!realDate(y, m, d) || y < 1900 || y * 10000 + m * 100 + d > today) return '身份证号码中的出生日期不正确';
      if (idCheckChar(n.slice(0, 17)) !== n[17]) return '身份证号码末位校验码不正确，请核对';
      return '';
    }
    case 'hk_macao':
      return n.length >= 9 && n.length <= 11 && (n[0] === 'H' || n[0] === 'M') ? '' : '港澳通行证号码应为 H 或 M 开头，共 9 至 11 位';
    case 'taiwan':
      return n.length >= 8 && n.length <= 10 ? '' : '台湾居民来往大陆通行证号码应为 8 至 10 位';
    case 'passport':
      return n.length >= 5 && n.length <= 17 ? '' : '护照号码应为 5 至 17 位字母或数字';
    case 'other':
      return n.length >= 4 && n.length <= 30 ? '' : '证件号码应为 4 至 30 位字母或数字';
    default:
      return '请选择证件类型';
  }
}

const landingHref = () => (token ? `/q/${encodeURIComponent(token)}` : '/residence.html');
const here = () => location.pathname + location.search;

// ---- Field errors -----------------------------------------------------------------------

function setFieldError(name, message) {
  const error = $(`err-${name}`);
  if (!error) return false;
  setFieldErrorOf({ cell: $(`cell-${name}`), error, input: $(`f-${name}`) }, message);
  return true;
}

function clearErrors() {
  for (const n of FIELD_NAMES) setFieldError(n, '');
  for (const row of $('members').children) row.classList.remove('weui-cell_warn');
}

function focusField(name) {
  const input = name === 'consent_version' ? $('f-consent') : $(`f-${name}`) || $(`cell-${name}`) || $('members').querySelector('input');
  input?.focus();
  ($(`cell-${name}`) || $(`err-${name}`))?.scrollIntoView({ block: 'center' });
}

// ---- Members ------------------------------------------------------------------------------

let memberSeq = 0;

function renderMemberCount() {
  const n = $('members').children.length;
  $('members-count').textContent = `${n}/${MAX_MEMBERS}`;
  $('member-add').disabled = n >= MAX_MEMBERS;
  $('member-add').classList.toggle('weui-btn_disabled', n >= MAX_MEMBERS);
  $('members').hidden = n === 0;
  setFieldError('members', '');
}

function addMember(focus = true, value = null) {
  if ($('members').children.length >= MAX_MEMBERS) return;
  const k = ++memberSeq;
  const name = el('input', {
    class: 'weui-input huzu-member__name', type: 'text', maxlength: '32', placeholder: '同住人姓名',
    'aria-label': '同住人姓名', id: `member-name-${k}`,
  });
  const rel = el('select', { class: 'weui-select huzu-member__relation', 'aria-label': '与本人关系', id: `member-rel-${k}` },
    el('option', { value: '' }, '关系'),
    ...RELATIONS.map((r) => el('option', { value: r }, r)));
  const del = el('button', { class: 'huzu-member__del', type: 'button', 'aria-label': '删除此同住人' }, '删除');
  const row = el('div', 'weui-cell weui-cell_active huzu-member',
    el('div', 'weui-cell__bd', name),
    el('div', 'weui-cell__ft huzu-member__ft', rel, del));
  del.addEventListener('click', () => { row.remove(); renderMemberCount(); $('member-add').focus(); });
  name.addEventListener('input', () => row.classList.remove('weui-cell_warn'));
  rel.addEventListener('change', () => row.classList.remove('weui-cell_warn'));
  if (value) {
    name.value = value.name || '';
    rel.value = RELATIONS.includes(value.relation) ? value.relation : '';
  }
  $('members').append(row);
  renderMemberCount();
  if (focus) name.focus();
}

function readMembers() {
  const out = [];
  let error = '';
  let i = 0;
  for (const row of $('members').children) {
    i += 1;
    const name = row.querySelector('input').value.trim();
    const relation = row.querySelector('select').value;
    if (!name && !relation) continue; // an empty row is ignored
    if (!name || chars(name) > 32 || !relation) {
      row.classList.add('weui-cell_warn');
      if (!error) error = !name ? `请填写第 ${i} 位同住人的姓名` : !relation ? `请选择第 ${i} 位同住人与您的关系` : '同住人姓名最长 32 个字';
      continue;
    }
    out.push({ name, relation });
  }
  return { members: out, error };
}

// ---- The form --------------------------------------------------------------------------------

function fillSelect(select, pairs, placeholder) {
  select.replaceChildren(el('option', { value: '' }, placeholder), ...pairs.map(([v, t]) => el('option', { value: v }, t)));
}

// "101-105, 201-205" -> 101 … 105, 201 … 205 (room suggestions).
function expandRooms(text) {
  const out = [];
  for (const part of String(text || '').split(/[,，、\s]+/)) {
    const m = /^(\d+)-(\d+)$/.exec(part);
    if (m && Number(m[2]) >= Number(m[1]) && Number(m[2]) - Number(m[1]) < 50) {
      for (let r = Number(m[1]); r <= Number(m[2]); r++) out.push(String(r));
    } else if (part) out.push(part);
    if (out.length > 200) break;
  }
  return out;
}

// The latest move-in date: 31 days from today by the calendar, as the
// server (a signed lease; core/tenancies.c).
function maxMoveIn() {
  const [y, m, d] = todayLocal().split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + 31));
  return t.toISOString().slice(0, 10);
}

// Consent first: the fields open only once it is ticked.
function consentChanged() {
  const on = $('f-consent').checked;
  $('reg-fields').disabled = !on;
  $('consent-hint').hidden = on;
  if (on) setFieldError('consent_version', '');
}

// place: {name, address, rooms, reviewer: '栋长' | '户组长' | ''}
function setupForm(place) {
  $('reg-building').textContent = place.name || '';
  $('reg-address').textContent = place.address || '';
  const who = place.reviewer || '栋长或户组长';
  $('reg-desc').textContent = `请如实填写，提交后由${who}审核。信息仅用于出租屋居住管理，证件号码和手机号加密保存。`;
  fillSelect($('f-id_type'), ID_TYPES, '请选择');
  $('f-id_type').value = 'resident_id';
  fillSelect($('f-reason'), REASONS, '请选择');
  $('f-move_in').value = todayLocal();
  $('f-move_in').max = maxMoveIn();
  const rooms = expandRooms(place.rooms);
  $('room-list').replaceChildren(...rooms.map((r) => el('option', { value: r })));
  renderMemberCount();
  consentChanged();
  $('find').hidden = true;
  showContent();
  $('find').hidden = true;
  document.title = '户组 · 居住登记';
}

// A registration's answers in the form (重新登记, or moving: all but the room and date).
function prefill(t, { idNumber = '', whole = true } = {}) {
  $('f-name').value = t.name || '';
  if (ID_TYPES.some(([v]) => v === t.id_type)) $('f-id_type').value = t.id_type;
  $('f-id_number').placeholder = $('f-id_type').value === 'resident_id' ? '18 位身份证号码' : '证件上的号码';
  $('f-id_number').value = idNumber;
  $('f-phone').value = '';
  if (whole) {
    $('f-room').value = t.room || '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(t.move_in || '')) $('f-move_in').value = t.move_in;
  }
  if (REASONS.some(([v]) => v === t.reason)) $('f-reason').value = t.reason;
  $('f-employer').value = t.employer || '';
  $('members').replaceChildren();
  for (const m of Array.isArray(t.members) ? t.members.slice(0, MAX_MEMBERS) : []) addMember(false, m);
  renderMemberCount();
}

// The note above the form: what came from where, what to fill in again.
function note(text) {
  $('reg-note').textContent = text;
  $('reg-note').hidden = !text;
}

function check() {
  const v = {
    name: $('f-name').value.trim(),
    id_type: $('f-id_type').value,
    id_number: $('f-id_number').value.replace(/\s/g, '').toUpperCase(),
    phone: normalizePhone($('f-phone').value),
    room: $('f-room').value.trim(),
    move_in: $('f-move_in').value,
    reason: $('f-reason').value,
    employer: $('f-employer').value.trim(),
  };
  const errors = {};
  if (!$('f-consent').checked) errors.consent_version = '请先阅读并勾选同意《隐私政策》和《用户协议》';
  if (!v.name) errors.name = '请填写姓名';
  else if (chars(v.name) > 32) errors.name = '姓名最长 32 个字';
  if (!v.id_type) errors.id_type = '请选择证件类型';
  else {
    const e = idNumberError(v.id_type, v.id_number);
    if (e) errors.id_number = e;
  }
  if (!/^1[3-9]\d{9}$/.test(v.phone)) errors.phone = v.phone ? '请输入正确的 11 位手机号' : '请填写手机号';
  if (!v.room) errors.room = '请填写房号';
  else if (chars(v.room) > 32) errors.room = '房号最长 32 个字';
  const mi = dateNumber(v.move_in);
  if (mi < 0) errors.move_in = '请选择入住日期';
  else if (mi < 19500101) errors.move_in = '入住日期不能早于 1950 年';
  else if (mi > dateNumber(maxMoveIn())) errors.move_in = '入住日期最晚为 31 天后';
  if (!v.reason) errors.reason = '请选择居住事由';
  if (chars(v.employer) > 100) errors.employer = '服务处所最长 100 个字';
  const { members, error } = readMembers();
  if (error) errors.members = error;

  const body = {
    name: v.name, id_type: v.id_type, id_number: v.id_number, phone: v.phone,
    room: v.room, move_in: v.move_in, reason: v.reason, consent_version: $('f-consent').value,
  };
  if (buildingId) body.building_id = Number(buildingId);
  else body.token = token;
  if (movingId) body.moving_from = Number(movingId);
  if (v.employer) body.employer = v.employer;
  if (members.length) body.members = members;
  return { body, errors };
}

function showErrors(errors) {
  const names = FIELD_NAMES.filter((n) => errors[n]);
  for (const n of names) setFieldError(n, errors[n]);
  if (names.length) focusField(names[0]);
  return names.length;
}

// Who reviews here, as the scan said ('' when unknown: 等待审核).
let reviewer = '';

function submitted(t) {
  const where = [t.building && t.building.name, t.room ? `${t.room} 房` : ''].filter(Boolean).join(' ');
  showState({
    icon: 'weui-icon-waiting',
    title: `已提交，等待${reviewer}审核`,
    desc: `您在 ${where || '此楼栋'} 的居住登记已提交${movingId ? '，原登记已结束（迁往新住址）' : ''}。${reviewer}审核通过后即可扫码打卡，审核结果可在“我的居住”中查看。`,
    buttons: [
      stateButton('查看我的居住', { href: '/residence.html', primary: true, id: 'done-residence' }),
      stateButton('返回楼栋页', { href: landingHref(), id: 'done-back' }),
    ],
  });
  $('state').classList.add('huzu-msg_done');
}

async function onSubmit(ev) {
  ev.preventDefault();
  hideToptips();
  const button = $('reg-submit');
  if (button.disabled) return;
  clearErrors();
  const { body, errors } = check();
  if (showErrors(errors)) return;
  setBusy(button, true, '提交中');
  try {
    const t = await api.post('/tenancies', body);
    submitted(t || {});
  } catch (err) {
    setBusy(button, false, '提交登记');
    if (!(err instanceof ApiError)) {
      showError(err);
      return;
    }
    if (err.status === 422) {
      const fields = err.fields || {};
      if (typeof fields.token === 'string' && token) {
        showState({ icon: 'weui-icon-warn', title: '二维码已失效', desc: fields.token, requestId: err.requestId,
          buttons: [stateButton('返回首页', { href: '/' })] });
        return;
      }
      const shown = showErrors(Object.fromEntries(Object.entries(fields).filter(([, m]) => typeof m === 'string')));
      if (!shown) toptips(Object.values(fields).find((m) => typeof m === 'string') || err.message, err.requestId);
      return;
    }
    if (err.status === 404) {
      toptips(movingId ? '找不到您要迁出的原登记，请回到“我的居住”查看' : '找不到这个楼栋，请重新查找', err.requestId);
      return;
    }
    if (err.status === 409) {
      const msg = err.code === 'id_already_registered'
        ? `${err.message}。如已搬离原住处，请先在原登记办理迁出。`
        : err.message;
      if (err.code === 'id_already_registered') setFieldError('id_number', '该证件已有在办或有效的居住登记');
      toptips(msg, err.requestId);
      return;
    }
    if (err.status === 401) {
      location.href = loginHref(location.pathname + location.search);
      return;
    }
    if (err.status >= 400 && err.status < 500) toptips(err.message, err.requestId);
    else showError(err);
  }
}

// ---- 按门牌号查找 ---------------------------------------------------------------------------

function setFindError(name, message) {
  setFieldErrorOf({ cell: $(`cell-${name}`), error: $(`err-${name}`), input: $(`f-${name}`) }, message);
}

function showFind() {
  for (const node of document.querySelectorAll('[data-content]')) node.hidden = true;
  $('state').hidden = true;
  $('find').hidden = false;
  if (movingId) $('find-desc').textContent = '搬家了？输入新住址的街巷和门牌号找到楼栋，登记新住址；提交后原登记会同时结束。';
  document.title = '户组 · 按门牌号查找';
}

function hitHref(b) {
  const q = new URLSearchParams({ building: String(b.id), place: b.address || '' });
  if (movingId) q.set('moving', movingId);
  return `/register.html?${q}`;
}

async function onFind(ev) {
  ev.preventDefault();
  hideToptips();
  const lane = $('f-lane').value.trim();
  const door = $('f-door').value.trim();
  setFindError('lane', '');
  setFindError('door', '');
  if (!lane && !door) {
    setFindError('lane', '请填写街巷名称或门牌号');
    $('f-lane').focus();
    return;
  }
  const q = new URLSearchParams();
  if (lane) q.set('lane', lane);
  if (door) q.set('door', door);
  const button = $('find-submit');
  setBusy(button, true, '查找中');
  try {
    const res = await api.get(`/buildings/search?${q}`);
    const items = Array.isArray(res.items) ? res.items : [];
    const box = $('find-results');
    if (!items.length) {
      box.replaceChildren(emptyState('没有找到这个门牌', '请核对街巷名称和门牌号，只填街巷名称也可以查找；仍找不到请联系栋长或户组长'));
    } else {
      box.replaceChildren(
        el('div', 'weui-cells__title', items.length >= 20 ? '找到 20 个以上，请填写门牌号缩小范围' : '请选择您住的楼栋'),
        el('div', 'weui-cells', ...items.map((b) => el('a', { class: 'weui-cell weui-cell_access huzu-find__hit', href: hitHref(b), id: `hit-${b.id}` },
          el('div', 'weui-cell__bd', el('p', 'huzu-wrap', b.address || ''), el('p', 'huzu-find__group', b.group || '')),
          el('div', 'weui-cell__ft')))));
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) {
      const f = err.fields || {};
      if (typeof f.lane === 'string') setFindError('lane', f.lane);
      if (typeof f.door === 'string') setFindError('door', f.door);
      if (typeof f.lane !== 'string' && typeof f.door !== 'string') toptips(err.message, err.requestId);
    } else if (err instanceof ApiError && err.status === 401) {
      location.href = loginHref(here());
    } else showError(err);
  } finally {
    setBusy(button, false, '查找');
  }
}

// ---- Start -----------------------------------------------------------------------------------

function loginState(desc = '登录后即可办理居住登记') {
  showState({ icon: 'weui-icon-info', title: '请先登录', desc, buttons: [
    stateButton('登录', { href: loginHref(here()), primary: true, id: 'state-login' }),
  ] });
}

function failed(err) {
  const e = err instanceof ApiError ? err : new ApiError();
  if (e.status === 401) {
    loginState('登录已过期，请重新登录');
    return;
  }
  showState({ icon: 'weui-icon-warn', title: e.status === 404 ? '找不到这条登记' : '暂时无法加载', desc: e.message, requestId: e.requestId,
    buttons: [stateButton('查看我的居住', { href: '/residence.html', primary: true }), stateButton('返回首页', { href: '/' })] });
}

// The registration moved from: its answers, and the note that it ends.
async function fromMoving() {
  if (!movingId) return;
  const t = await api.get(`/tenancies/${encodeURIComponent(movingId)}`);
  let idNumber = '';
  try { idNumber = (await api.get(`/tenancies/${encodeURIComponent(movingId)}/id-number`)).id_number || ''; } catch { /* typed again */ }
  prefill(t, { idNumber, whole: false });
  const from = [t.building && t.building.name, t.room ? `${t.room} 房` : ''].filter(Boolean).join(' ');
  note(`搬家登记：提交后，您在 ${from || '原住址'} 的登记会同时结束（迁往新住址）。已按原登记填好，请填写新的房号、入住日期和手机号。`);
}

// 重新登记: the rejected registration's answers, in its building.
async function fromRejected() {
  const t = await api.get(`/tenancies/${encodeURIComponent(againId)}`);
  if (t.status !== 'rejected') {
    showState({ icon: 'weui-icon-info', title: '这条登记不需要重新登记', desc: '只有未通过的登记可以修改后重新登记',
      buttons: [stateButton('查看我的居住', { href: '/residence.html', primary: true })] });
    return;
  }
  // The owner may read their own number back (GET …/id-number).
  let idNumber = '';
  // Past the retention period the number is erased (410): typed again.
  if (!t.erased_at) {
    try { idNumber = (await api.get(`/tenancies/${encodeURIComponent(againId)}/id-number`)).id_number || ''; } catch { /* typed again */ }
  }
  const b = t.building || {};
  buildingId = String(b.id || '');
  setupForm({ name: b.name, address: b.lane && b.door_no ? `${b.lane}${b.door_no}号` : '' });
  prefill(t, { idNumber });
  note(`已按上次的登记填好。未通过的原因：${t.reject_reason || '未说明'}。请按原因修改，填写手机号${idNumber ? '' : '和证件号码'}后再提交。`);
}

async function start() {
  if (!auth.loggedIn) {
    loginState(finding ? '登录后可以按门牌号查找楼栋并办理居住登记' : undefined);
    return;
  }
  if (finding) {
    showFind();
    return;
  }
  try {
    if (againId) {
      await fromRejected();
      return;
    }
    if (buildingId) {
      setupForm({ name: params.get('place') || '', address: '' });
      await fromMoving();
      return;
    }
  } catch (err) {
    failed(err);
    return;
  }
  let data;
  try {
    data = await api.get(`/scan/${encodeURIComponent(token)}`);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      loginState('登录已过期，请重新登录');
      return;
    }
    showState({ icon: 'weui-icon-warn', title: e.status === 410 ? '此二维码已作废' : '二维码无法识别', desc: e.message, requestId: e.requestId,
      buttons: [stateButton('按门牌号查找', { href: '/register.html?find=1', id: 'state-find' }), stateButton('返回首页', { href: '/' })] });
    return;
  }
  const actions = Array.isArray(data.actions) ? data.actions : [];
  const t = data.tenancy;
  reviewer = { group_leader: '户组长', building_head: '栋长' }[data.reviewer && data.reviewer.role] || '';
  const b = data.building || {};
  const place = { name: b.name, address: data.address, rooms: b.building && b.building.rooms, reviewer };
  if (actions.includes('register') || (movingId && t && !t.here && t.status === 'active' && String(t.id) === movingId)) {
    setupForm(place);
    try {
      await fromMoving();
    } catch (err) {
      failed(err);
    }
    return;
  }
  if (actions.includes('login')) {
    loginState();
  } else if (t && t.here) {
    showState({ icon: 'weui-icon-success', title: t.status === 'active' ? '您已在此楼栋登记居住' : '您已提交此楼栋的登记',
      desc: t.status === 'active' ? '无需重复登记' : `请等待${reviewer}审核`, buttons: [
        stateButton('查看我的居住', { href: '/residence.html', primary: true }), stateButton('返回楼栋页', { href: landingHref() })] });
  } else if (t) {
    const active = t.status === 'active';
    showState({ icon: 'weui-icon-info', title: '您在其他楼栋已有居住登记',
      desc: active ? '一人同一时间只能有一处居住登记。如已搬到这里，可以直接登记新住址，原登记会同时结束。'
        : '一人同一时间只能有一处居住登记。原登记还在审核中，如已搬到这里，请先在“我的居住”撤销原登记。',
      buttons: [
        active ? stateButton('搬到这里了，登记新住址', { href: `/register.html?token=${encodeURIComponent(token)}&moving=${encodeURIComponent(t.id)}`, primary: true, id: 'state-move' }) : null,
        stateButton('查看我的居住', { href: '/residence.html', primary: !active }), stateButton('返回楼栋页', { href: landingHref() })] });
  } else {
    showState({ icon: 'weui-icon-info', title: '请使用住户账号登记', desc: '居住登记由住户本人使用手机号登录后填写，工作人员账号不能登记',
      buttons: [stateButton('返回楼栋页', { href: landingHref() })] });
  }
}

for (const n of FIELD_NAMES) {
  const input = $(`f-${n}`);
  if (!input) continue;
  input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', () => setFieldError(n, ''));
}
$('f-id_type').addEventListener('change', () => {
  $('f-id_number').placeholder = $('f-id_type').value === 'resident_id' ? '18 位身份证号码' : '证件上的号码';
  setFieldError('id_number', '');
});
$('member-add').addEventListener('click', () => addMember(true));
$('reg-form').addEventListener('submit', onSubmit);
$('f-consent').addEventListener('change', consentChanged);
$('find-form').addEventListener('submit', onFind);
for (const n of ['lane', 'door']) $(`f-${n}`).addEventListener('input', () => setFindError(n, ''));

start();
