// Login page: residents by phone and SMS code, staff by username and
// password. Afterwards the page goes to ?next= (a same-origin path only),
// or, without one, to 今日待办 for a building head and to 我的 for others.
// 修改密码 lives here too: after an admin's reset (the temporary password,
// before anything else; api.js sends every page here while it is
// unchanged) and by choice from 我的 (?change=1).
import { api, ApiError, auth } from './api.js';
import { safeNext, HOME_ME } from './nav.js';
import { wechatLogin, wechatVerify } from './wx.js';
import {
  $, flash, normalizePhone, revealToggles, setBusy, setFieldError as setFieldErrorOf, showError, toast, toptips, hideToptips,
} from './ui.js';

const PHONE_RE = /^1[3-9]\d{9}$/;
const CODE_RE = /^\d{6}$/;
const MSG_PHONE = '请输入正确的 11 位手机号';
const MSG_CODE = '请输入 6 位数字验证码';
const DESC = {
  phone: '住户使用手机号验证码登录，首次登录将自动注册',
  staff: '工作人员使用管理员分配的账号密码登录',
};

const params = new URLSearchParams(location.search);
const asked = safeNext(params.get('next'), '');
const wantsChange = params.get('change') === '1';
const next = asked || HOME_ME;
const HEAD_HOME = '/todo.html';

// Inputs by API field name, for the envelope's `fields`.
const FIELDS = {
  phone: $('phone'),
  code: $('code'),
  username: $('username'),
  password: $('password'),
  old_password: $('old_password'),
  new_password: $('new_password'),
  new_password2: $('new_password2'),
};

// ---- Feedback: field errors under the inputs, toptips, dialogs (ui.js) -----------

function setFieldError(name, message) {
  setFieldErrorOf({ cell: $(`cell-${name}`), error: $(`${name}-error`), input: FIELDS[name] }, message);
}

// Refusals of the code itself (wrong, expired, too many tries): their
// words go under the code field even if the answer names no field.
const CODE_REFUSALS = ['code_invalid', 'code_locked'];
// A wrong staff password (用户名或密码错误): under the password field.
const PASSWORD_REFUSALS = ['login_failed'];

// Field errors go under their inputs; the rest of an error is shown as
// toptips (a refusal the user can act on) or in a dialog (anything else).
// Neither shows the request id on its face: it is one tap away.
function reportError(err, names) {
  if (!(err instanceof ApiError)) {
    showError(err);
    return;
  }
  const fields = { ...(err.fields || {}) };
  if (names.includes('code') && CODE_REFUSALS.includes(err.code) && typeof fields.code !== 'string') fields.code = err.message;
  if (names.includes('password') && PASSWORD_REFUSALS.includes(err.code) && typeof fields.password !== 'string') fields.password = err.message;
  const known = Object.keys(fields).filter((k) => names.includes(k) && typeof fields[k] === 'string');
  for (const name of known) setFieldError(name, fields[name]);
  if (known.length) {
    FIELDS[known[0]].focus();
    if (known.length === Object.keys(fields).length) return;
  }
  if (err.status >= 400 && err.status < 500) toptips(err.message, err.requestId);
  else showError(err);
}

function done() {
  location.replace(next);
}

// A staff member who asked for no page: a building head starts at
// 今日待办, the others at 我的 (also when /me cannot be read now).
async function staffDone() {
  if (asked) {
    done();
    return;
  }
  let home = next;
  try {
    const me = await api.get('/me');
    if (Array.isArray(me && me.roles) && me.roles.some((r) => r.role === 'building_head')) home = HEAD_HOME;
  } catch { /* 我的 shows the error itself */ }
  location.replace(home);
}

// ---- Mode switch -----------------------------------------------------------------

// A temporary password (an admin's reset) is changed before anything
// else: every other API answers password_change_required until then.
// By choice (temporary false), the old password is asked and the page
// can be left.
let changeTemporary = true;

function askNewPassword(oldPassword = '', { temporary = true } = {}) {
  changeTemporary = temporary;
  for (const name of ['phone', 'staff']) {
    $(`form-${name}`).hidden = true;
  }
  $('mode-phone').parentElement.hidden = true;
  document.title = '户组 · 修改密码';
  $('login-title').textContent = '修改密码';
  $('newpass-title').hidden = true;   // the h1 says it; still the form's name
  $('login-desc').textContent = temporary
    ? '为了账号安全，请先修改临时密码'
    : '修改后，您在其他手机上的登录将退出，需要用新密码重新登录';
  $('newpass-note').hidden = !temporary;
  document.querySelector('label[for="old_password"]').textContent = temporary ? '临时密码' : '原密码';
  FIELDS.old_password.placeholder = temporary ? '管理员给您的临时密码' : '现在使用的密码';
  $('newpass-submit').textContent = temporary ? '修改密码并继续' : '修改密码';
  if (!temporary) {
    const back = $('login-back');
    back.href = next;
    back.textContent = '返回';
  }
  FIELDS.old_password.value = oldPassword;
  $('cell-old_password').hidden = Boolean(oldPassword);
  $('form-newpass').hidden = false;
  (oldPassword ? FIELDS.new_password : FIELDS.old_password).focus();
}

function setMode(mode, { focus = false } = {}) {
  const staff = mode === 'staff';
  for (const [name, on] of [['phone', !staff], ['staff', staff]]) {
    const tab = $(`mode-${name}`);
    tab.classList.toggle('huzu-switch__item_on', on);
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`form-${name}`).hidden = !on;
  }
  $('login-desc').textContent = DESC[staff ? 'staff' : 'phone'];
  hideToptips();
  const url = new URL(location.href);
  url.hash = staff ? 'staff' : '';
  history.replaceState(null, '', url.href.replace(/#$/, ''));
  if (focus) (staff ? FIELDS.username : FIELDS.phone).focus();
}

$('mode-phone').addEventListener('click', () => setMode('phone', { focus: true }));
$('mode-staff').addEventListener('click', () => setMode('staff', { focus: true }));
$('mode-phone').parentElement.addEventListener('keydown', (ev) => {
  if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
  const staff = !$('form-staff').hidden;
  setMode(staff ? 'phone' : 'staff');
  $(staff ? 'mode-phone' : 'mode-staff').focus();
});

// ---- Phone and code ----------------------------------------------------------------

function checkPhone() {
  const phone = normalizePhone(FIELDS.phone.value);
  if (!PHONE_RE.test(phone)) {
    setFieldError('phone', MSG_PHONE);
    FIELDS.phone.focus();
    return '';
  }
  setFieldError('phone', '');
  return phone;
}

const sendButton = $('send-code');
let countdownTimer = 0;
let countdownEnd = 0;
let sending = false;

function renderSendButton() {
  const left = Math.ceil((countdownEnd - Date.now()) / 1000);
  if (left > 0) {
    sendButton.disabled = true;
    sendButton.textContent = `${left} 秒后重发`;
    return;
  }
  clearInterval(countdownTimer);
  countdownTimer = 0;
  sendButton.disabled = sending;
  sendButton.textContent = sending ? '发送中…' : (countdownEnd ? '重新获取' : '获取验证码');
}

function startCountdown(seconds) {
  countdownEnd = Date.now() + Math.max(1, seconds) * 1000;
  clearInterval(countdownTimer);
  countdownTimer = setInterval(renderSendButton, 250);
  renderSendButton();
}

sendButton.addEventListener('click', async () => {
  hideToptips();
  const phone = checkPhone();
  if (!phone || sending || countdownEnd > Date.now()) return;
  sending = true;
  renderSendButton();
  try {
    const res = await auth.sendCode(phone);
    const wait = Number(res && res.resend_after) || 60;
    sending = false;
    startCountdown(wait);
    toast('验证码已发送');
    FIELDS.code.focus();
  } catch (err) {
    sending = false;
    renderSendButton();
    if (err instanceof ApiError && err.code === 'code_too_frequent') startCountdown(60);
    reportError(err, ['phone']);
  }
});

$('form-phone').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideToptips();
  const button = $('phone-submit');
  if (button.disabled) return;
  const phone = checkPhone();
  const code = FIELDS.code.value.trim();
  if (!phone) {
    if (!CODE_RE.test(code)) setFieldError('code', code ? MSG_CODE : '');
    return;
  }
  if (!CODE_RE.test(code)) {
    setFieldError('code', code ? MSG_CODE : '请输入验证码');
    FIELDS.code.focus();
    return;
  }
  setFieldError('code', '');
  setBusy(button, true, '登录中');
  try {
    await wechatVerify(phone, code);   // binds this WeChat when asked to (wx.js)
    done();
  } catch (err) {
    setBusy(button, false, '登录');
    if (err instanceof ApiError && err.code === 'code_locked') FIELDS.code.value = '';
    reportError(err, ['phone', 'code']);
    if (err instanceof ApiError && (err.code === 'code_invalid' || err.code === 'code_locked')) FIELDS.code.focus();
  }
});

// Digits only in the code box (an autofilled SMS may bring more).
FIELDS.code.addEventListener('input', () => {
  const digits = FIELDS.code.value.replace(/\D/g, '').slice(0, 6);
  if (digits !== FIELDS.code.value) FIELDS.code.value = digits;
  setFieldError('code', '');
});
FIELDS.phone.addEventListener('input', () => setFieldError('phone', ''));

// ---- Staff -------------------------------------------------------------------------

$('form-staff').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideToptips();
  const button = $('staff-submit');
  if (button.disabled) return;
  const username = FIELDS.username.value.trim();
  const password = FIELDS.password.value;
  setFieldError('username', username ? '' : '请输入用户名');
  setFieldError('password', password ? '' : '请输入密码');
  if (!username || !password) {
    (username ? FIELDS.password : FIELDS.username).focus();
    return;
  }
  setBusy(button, true, '登录中');
  try {
    const t = await auth.login(username, password);
    if (t && t.user && t.user.must_change_password) {
      setBusy(button, false, '登录');
      askNewPassword(password);
      return;
    }
    await staffDone();
  } catch (err) {
    setBusy(button, false, '登录');
    reportError(err, ['username', 'password']);
    if (err instanceof ApiError && err.code === 'login_failed') FIELDS.password.focus();
  }
});

$('form-newpass').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideToptips();
  const button = $('newpass-submit');
  if (button.disabled) return;
  const oldPassword = FIELDS.old_password.value;
  const fresh = FIELDS.new_password.value;
  const again = FIELDS.new_password2.value;
  setFieldError('old_password', oldPassword ? '' : (changeTemporary ? '请输入临时密码' : '请输入原密码'));
  setFieldError('new_password', fresh.length >= 10 ? '' : '新密码至少 10 个字符');
  setFieldError('new_password2', again === fresh ? '' : '两次输入的新密码不一样，请再输一次');
  if (!oldPassword || fresh.length < 10 || again !== fresh) {
    if (!oldPassword) $('cell-old_password').hidden = false;
    (!oldPassword ? FIELDS.old_password : fresh.length < 10 ? FIELDS.new_password : FIELDS.new_password2).focus();
    return;
  }
  setBusy(button, true, '提交中');
  try {
    await auth.changePassword(oldPassword, fresh);
    flash('密码已修改');             // shown by the next page (ui.js)
    await staffDone();
  } catch (err) {
    setBusy(button, false, changeTemporary ? '修改密码并继续' : '修改密码');
    // The temporary password typed at login was refused: ask for it.
    if (err instanceof ApiError && err.fields && err.fields.old_password) {
      $('cell-old_password').hidden = false;
      if (changeTemporary && err.code === 'old_password_wrong') {
        err.fields.old_password = '临时密码不对，请核对管理员给您的临时密码（都是小写字母和数字，没有 0、o、1、l、i）；找不到了请联系管理员重新重置';
      }
    }
    reportError(err, ['old_password', 'new_password']);
  }
});
for (const name of ['old_password', 'new_password', 'new_password2']) {
  FIELDS[name].addEventListener('input', () => setFieldError(name, ''));
}

FIELDS.username.addEventListener('input', () => setFieldError('username', ''));
FIELDS.password.addEventListener('input', () => setFieldError('password', ''));

// ---- Start -------------------------------------------------------------------------

revealToggles();

if (auth.loggedIn) {
  // Back on the page with a temporary password still unchanged (api.js
  // sends every page here then), or 修改密码 chosen in 我的.
  api.get('/me').then((me) => {
    const user = (me && me.user) || {};
    if (user.must_change_password) askNewPassword();
    else if (wantsChange && user.kind === 'staff') askNewPassword('', { temporary: false });
    else done();
  }, () => done());
} else {
  setMode(location.hash === '#staff' ? 'staff' : 'phone');
  // Inside WeChat: signed in through the official account, or asked once
  // for the phone and a code that bind this WeChat (wx.js).
  if (location.hash !== '#staff') {
    wechatLogin(next).then((how) => {
      if (how === 'signed-in') done();
      if (how !== 'bind') return;
      setMode('phone');
      $('wx-bind-note').hidden = false;
    });
  }
}
