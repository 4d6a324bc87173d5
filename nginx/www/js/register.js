// 居住登记: a renter registers residence in the building whose code was
// scanned (/register.html?token=<qr token>). The checks mirror the server's
// (core/tenancies.c, core/idcard.c), whose `fields` errors are shown under
// the fields as well.
import { api, ApiError, auth } from './api.js';
import { loginHref } from './nav.js';
import {
  $, el, ID_TYPES, REASONS, RELATIONS, normalizePhone, todayLocal, toptips, hideToptips, setBusy,
  setFieldError as setFieldErrorOf, showState, showContent, stateButton, showError,
} from './ui.js';

const token = new URLSearchParams(location.search).get('token') || '';
const MAX_MEMBERS = 10;
const FIELD_NAMES = ['name', 'id_type', 'id_number', 'phone', 'room', 'move_in', 'reason', 'employer', 'members'];

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

const landingHref = () => `/q/${encodeURIComponent(token)}`;

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
  const input = $(`f-${name}`) || $(`cell-${name}`) || $('members').querySelector('input');
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

function addMember(focus = true) {
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

function setupForm(data) {
  const b = data.building || {};
  $('reg-building').textContent = b.name || '';
  $('reg-address').textContent = data.address || '';
  fillSelect($('f-id_type'), ID_TYPES, '请选择');
  $('f-id_type').value = 'resident_id';
  fillSelect($('f-reason'), REASONS, '请选择');
  $('f-move_in').value = todayLocal();
  $('f-move_in').max = maxMoveIn();
  const rooms = expandRooms(b.building && b.building.rooms);
  $('room-list').replaceChildren(...rooms.map((r) => el('option', { value: r })));
  renderMemberCount();
  showContent();
  document.title = '户组 · 居住登记';
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
    token, name: v.name, id_type: v.id_type, id_number: v.id_number, phone: v.phone,
    room: v.room, move_in: v.move_in, reason: v.reason,
  };
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

function submitted(t) {
  const where = [t.building && t.building.name, t.room ? `${t.room} 房` : ''].filter(Boolean).join(' ');
  showState({
    icon: 'weui-icon-waiting',
    title: '已提交，等待栋长审核',
    desc: `您在 ${where || '此楼栋'} 的居住登记已提交。栋长审核通过后即可扫码打卡，审核结果可在“我的居住”中查看。`,
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
      if (typeof fields.token === 'string') {
        showState({ icon: 'weui-icon-warn', title: '二维码已失效', desc: fields.token, requestId: err.requestId,
          buttons: [stateButton('返回首页', { href: '/' })] });
        return;
      }
      const shown = showErrors(Object.fromEntries(Object.entries(fields).filter(([, m]) => typeof m === 'string')));
      if (!shown) showError(err);
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

// ---- Start -----------------------------------------------------------------------------------

async function start() {
  if (!token) {
    showState({ icon: 'weui-icon-warn', title: '请先扫码', desc: '居住登记需要先扫描所住楼栋门口的二维码', buttons: [stateButton('返回首页', { href: '/' })] });
    return;
  }
  if (!auth.loggedIn) {
    showState({ icon: 'weui-icon-info', title: '请先登录', desc: '登录后即可办理居住登记', buttons: [
      stateButton('登录', { href: loginHref(location.pathname + location.search), primary: true, id: 'state-login' }),
    ] });
    return;
  }
  let data;
  try {
    data = await api.get(`/scan/${encodeURIComponent(token)}`);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError();
    if (e.status === 401) {
      showState({ icon: 'weui-icon-info', title: '请先登录', desc: '登录已过期，请重新登录', buttons: [
        stateButton('登录', { href: loginHref(location.pathname + location.search), primary: true, id: 'state-login' }),
      ] });
      return;
    }
    showState({ icon: 'weui-icon-warn', title: e.status === 410 ? '此二维码已作废' : '二维码无法识别', desc: e.message, requestId: e.requestId,
      buttons: [stateButton('返回首页', { href: '/' })] });
    return;
  }
  const actions = Array.isArray(data.actions) ? data.actions : [];
  if (actions.includes('register')) {
    setupForm(data);
    return;
  }
  const t = data.tenancy;
  if (actions.includes('login')) {
    showState({ icon: 'weui-icon-info', title: '请先登录', desc: '登录后即可办理居住登记', buttons: [
      stateButton('登录', { href: loginHref(location.pathname + location.search), primary: true, id: 'state-login' })] });
  } else if (t && t.here) {
    showState({ icon: 'weui-icon-success', title: t.status === 'active' ? '您已在此楼栋登记居住' : '您已提交此楼栋的登记',
      desc: t.status === 'active' ? '无需重复登记' : '请等待栋长审核', buttons: [
        stateButton('查看我的居住', { href: '/residence.html', primary: true }), stateButton('返回楼栋页', { href: landingHref() })] });
  } else if (t) {
    showState({ icon: 'weui-icon-info', title: '您在其他楼栋已有居住登记', desc: '一人同一时间只能有一处居住登记。如已搬到这里，请先在原登记办理迁出，再扫码登记。',
      buttons: [stateButton('查看我的居住', { href: '/residence.html', primary: true }), stateButton('返回楼栋页', { href: landingHref() })] });
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

start();
