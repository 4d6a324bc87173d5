// Inside WeChat's own browser: signing in through the official account's
// web authorisation (snsapi_base: no typing once the phone is bound) and
// 扫一扫 through the WeChat JS-SDK. Outside WeChat, or when the village
// has no official account configured, nothing here does anything.
import { api, ApiError, auth, tokens } from './api.js';
import { showError, toptips } from './ui.js';

const STATE_KEY = 'huzu.wx.state';
const AUTHORIZE = 'https://open.weixin.qq.com/connect/oauth2/authorize';
const JWEIXIN = '/vendor/jweixin/jweixin.js';

export function inWeChat() {
  return /MicroMessenger/i.test(navigator.userAgent);
}

// GET /auth/wechat-web once per page: {enabled, app_id}.
let info = null;
export function wechatInfo() {
  if (!info) info = api.get('/auth/wechat-web').catch(() => ({ enabled: false }));
  return info;
}

function session(key, value) {
  try {
    if (value === undefined) return sessionStorage.getItem(key);
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  } catch { /* no storage: the state check then fails, safely */ }
  return null;
}

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- Signing in --------------------------------------------------------------

// The bind token of an openid bound to nobody yet: sent with the phone
// code, which binds it (POST /auth/code/verify wechat_bind).
let bindToken = '';

export const wechatBindPending = () => Boolean(bindToken);

// On the login page. Resolves to what the page does next:
//   'redirect'  leaving for WeChat's authorisation page (it comes back here)
//   'signed-in' tokens stored: go on to next
//   'bind'      first time in this WeChat: ask for the phone and one code
//   'none'      not inside WeChat, not switched on, or it failed (told)
export async function wechatLogin(next) {
  if (!inWeChat()) return 'none';
  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('state')) {
    // Back from WeChat. The code is single-use: off the address at once.
    const code = params.get('code');
    const state = params.get('state');
    const kept = session(STATE_KEY);
    session(STATE_KEY, '');
    params.delete('code');
    params.delete('state');
    const url = new URL(location.href);
    url.search = params.toString();
    history.replaceState(null, '', url.href);
    if (!code || !kept || state !== kept) {
      toptips('微信登录没有完成，请用手机号和验证码登录');
      return 'none';
    }
    try {
      const res = await api.post('/auth/wechat-web', { code });
      if (res && res.bind_required && typeof res.bind_token === 'string') {
        bindToken = res.bind_token;
        return 'bind';
      }
      tokens.set({ access: res.access_token, refresh: res.refresh_token });
      return 'signed-in';
    } catch (err) {
      toptips(err instanceof ApiError ? err.message : '微信登录没有完成，请用手机号和验证码登录');
      return 'none';
    }
  }
  const w = await wechatInfo();
  if (!w || !w.enabled || !w.app_id) return 'none';
  const state = randomHex(16);
  session(STATE_KEY, state);
  const back = `${location.origin}/login.html?next=${encodeURIComponent(next)}`;
  location.replace(`${AUTHORIZE}?appid=${encodeURIComponent(w.app_id)}&redirect_uri=${encodeURIComponent(back)}` +
    `&response_type=code&scope=snsapi_base&state=${state}#wechat_redirect`);
  return 'redirect';
}

// The phone code, with the pending binding if there is one. A binding
// that cannot be made (expired, or this WeChat is someone else's) is
// dropped, so that the next try simply logs in by phone.
export async function wechatVerify(phone, code) {
  if (!bindToken) return auth.verifyCode(phone, code);
  try {
    const res = await api.post('/auth/code/verify', { phone, code, wechat_bind: bindToken });
    tokens.set({ access: res.access_token, refresh: res.refresh_token });
    bindToken = '';
    return res;
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'wechat_bind_invalid' || err.code === 'wechat_already_bound')) bindToken = '';
    throw err;
  }
}

// ---- 扫一扫 ----------------------------------------------------------------------

// WeChat's jweixin (npm jweixin-module, served by nginx) sets window.wx.
let jweixin = null;
function loadJweixin() {
  if (!jweixin) {
    jweixin = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = JWEIXIN;
      s.addEventListener('load', () => (window.wx ? resolve(window.wx) : reject(new Error('no wx'))));
      s.addEventListener('error', () => reject(new Error('jweixin did not load')));
      document.head.append(s);
    });
    jweixin.catch(() => { jweixin = null; });
  }
  return jweixin;
}

// wx.config once per page, signed by the server for this address.
let configured = null;
function configure() {
  if (!configured) {
    configured = (async () => {
      const wx = await loadJweixin();
      const url = location.href.split('#')[0];
      const sig = await api.get(`/wechat/jssdk?url=${encodeURIComponent(url)}`);
      await new Promise((resolve, reject) => {
        wx.ready(resolve);
        wx.error(() => reject(new Error('wx.config refused')));
        wx.config({
          debug: false, appId: sig.app_id, timestamp: sig.timestamp, nonceStr: sig.nonce_str,
          signature: sig.signature, jsApiList: ['scanQRCode'],
        });
      });
      return wx;
    })();
    configured.catch(() => { configured = null; });
  }
  return configured;
}

// A building code of this site (/q/<token>) as a path, else ''.
export function scannedPath(text) {
  try {
    const u = new URL(String(text || '').trim());
    if (u.origin === location.origin && /^\/q\/[A-Za-z0-9_-]{4,64}$/.test(u.pathname)) return u.pathname;
  } catch { /* not a URL */ }
  return '';
}

export async function wxScan() {
  let wx;
  try {
    wx = await configure();
  } catch (err) {
    showError(err instanceof ApiError ? err : new ApiError({
      code: 'wx_unavailable', message: '暂时无法打开扫一扫，请稍后再试，或用微信右上角的“扫一扫”扫楼栋二维码',
    }));
    return;
  }
  wx.scanQRCode({
    needResult: 1,
    scanType: ['qrCode'],
    success: (res) => {
      const target = scannedPath(res && res.resultStr);
      if (target) {
        location.assign(target);
        return;
      }
      showError(new ApiError({
        code: 'wx_scan_foreign', message: '这不是本平台的楼栋二维码。请扫描楼栋门口张贴的“户组”二维码',
      }));
    },
    fail: () => toptips('没有扫到二维码，请再试一次'),
  });
}

// A page's 扫一扫 block (data-wx-scan, hidden in the markup) is shown and
// wired only inside WeChat, when the official account is switched on.
const blocks = document.querySelectorAll('[data-wx-scan]');
if (blocks.length && inWeChat()) {
  wechatInfo().then((w) => {
    if (!w || !w.enabled) return;
    for (const b of blocks) {
      b.hidden = false;
      b.querySelector('button')?.addEventListener('click', wxScan);
    }
  });
}
