// Huzu API client, HTTP only (no DOM): JSON over fetch, bearer tokens from
// localStorage (an expired access token is refreshed once, transparently),
// error envelopes mapped to ApiError, login/logout helpers, client error
// reporter. Showing any of it is ui.js's work.

const BASE = '/api/v1';
const ACCESS_KEY = 'huzu.access';
const REFRESH_KEY = 'huzu.refresh';

const MSG_NETWORK = '网络连接失败，请稍后重试';
const MSG_UNEXPECTED = '出现了意外错误，请稍后重试';

export class ApiError extends Error {
  constructor({ status = 0, code = 'unknown', message = MSG_UNEXPECTED, fields = {}, requestId = '' } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.requestId = requestId;
  }
}

// localStorage can throw (disabled storage, some in-app browsers); treat that as "no token".
function readStore(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}

function writeStore(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch { /* storage unavailable: the session lasts for this page only */ }
}

export const tokens = {
  get access() { return readStore(ACCESS_KEY); },
  get refresh() { return readStore(REFRESH_KEY); },
  set({ access, refresh }) {
    writeStore(ACCESS_KEY, access);
    writeStore(REFRESH_KEY, refresh);
  },
  clear() {
    writeStore(ACCESS_KEY, null);
    writeStore(REFRESH_KEY, null);
  },
};

// Random key for the Idempotency-Key header (crypto.randomUUID needs a secure context).
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function parseJson(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}

function errorFromResponse(res, data) {
  const requestId = res.headers.get('X-Request-Id') || '';
  const env = data && typeof data === 'object' ? data.error : undefined;
  if (env && typeof env.code === 'string' && typeof env.message === 'string') {
    return new ApiError({
      status: res.status,
      code: env.code,
      message: env.message,
      fields: env.fields && typeof env.fields === 'object' ? env.fields : {},
      requestId: typeof env.request_id === 'string' ? env.request_id : requestId,
    });
  }
  return new ApiError({
    status: res.status,
    code: res.ok ? 'bad_response' : `http_${res.status}`,
    message: res.ok
      ? '服务器返回了无法识别的内容，请稍后重试'
      : `服务暂时出现问题（错误码 ${res.status}），请稍后重试`,
    requestId,
  });
}

// One HTTP exchange; resolves to the parsed body or throws ApiError.
async function send(method, path, body, { idempotencyKey, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const access = tokens.access;
  if (access) headers.Authorization = `Bearer ${access}`;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;

  let res;
  let text;
  try {
    res = await fetch(BASE + path, init);
    text = await res.text();
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: 'network', message: MSG_NETWORK });
  }

  if (res.ok && (res.status === 204 || text === '')) return null;
  const data = parseJson(text);
  if (res.ok && data !== undefined) return data;
  throw errorFromResponse(res, data);
}

// ---- Session refresh ----------------------------------------------------------

export const LOGOUT_EVENT = 'huzu:logout';

// Tokens are gone: tell the page, which shows its logged-out state.
function dropSession() {
  tokens.clear();
  window.dispatchEvent(new Event(LOGOUT_EVENT));
}

function storeTokens(data) {
  if (!data || typeof data.access_token !== 'string' || typeof data.refresh_token !== 'string') {
    throw new ApiError({ code: 'bad_response', message: '服务器返回了无法识别的内容，请稍后重试' });
  }
  tokens.set({ access: data.access_token, refresh: data.refresh_token });
  return data;
}

// A refused refresh token (as opposed to a network failure or an outage,
// after which the same token may still work).
function isRejection(err) {
  return err instanceof ApiError && err.status >= 400 && err.status < 500 &&
    err.status !== 408 && err.status !== 429;
}

let refreshing = null;

const LOCK_KEY = 'huzu.refresh.lock';
const LOCK_MS = 10_000;

const pause = (ms) => new Promise((r) => { setTimeout(r, ms); });

function lease() {
  try { return JSON.parse(readStore(LOCK_KEY) || 'null'); } catch { return null; }
}

// The cross-tab lock without Web Locks (older in-app browsers): a lease in
// localStorage. A tab writes its id, waits a moment and holds the lock if
// its id is still there (the last writer wins); the others wait until it
// is given back or lapses. Storage that cannot be written, or a wait past
// the lease, lets the tab go on: the server still answers a token spent a
// moment ago with the same new pair.
async function storageLock(fn) {
  const me = newIdempotencyKey();
  const giveUp = Date.now() + LOCK_MS;
  for (;;) {
    const held = lease();
    if (!held || !(held.until > Date.now())) {
      writeStore(LOCK_KEY, JSON.stringify({ id: me, until: Date.now() + LOCK_MS }));
      await pause(200);
      const now = lease();
      if (!now || now.id === me) break;
    }
    if (Date.now() > giveUp) break;
    await pause(50);
  }
  try {
    return await fn();
  } finally {
    if (lease()?.id === me) writeStore(LOCK_KEY, null);
  }
}

// One refresh at a time across the tabs of this origin.
function crossTabLock(fn) {
  if (typeof navigator !== 'undefined' && navigator.locks && typeof navigator.locks.request === 'function') {
    return navigator.locks.request('huzu.refresh', fn);
  }
  return storageLock(fn);
}

// Trades the stored refresh token for new tokens. staleAccess and
// staleRefresh are the tokens the refused request went out with. Under the
// cross-tab lock the stored tokens are read again: if another tab (or a
// concurrent call) replaced either meanwhile, the stored pair is used and
// the refresh token, which rotates, is not spent twice (the server ends
// the whole session on a reuse). Resolves true when there is a new access
// token, false when the session is over (tokens cleared); throws on
// transient errors.
function refreshSession(staleAccess, staleRefresh) {
  if (!refreshing) {
    const run = async () => {
      const current = tokens.access;
      const refresh = tokens.refresh;
      if (current && (current !== staleAccess || (staleRefresh && refresh && refresh !== staleRefresh))) return true;
      if (!refresh) {
        dropSession();
        return false;
      }
      try {
        storeTokens(await send('POST', '/auth/refresh', { refresh_token: refresh }));
        return true;
      } catch (err) {
        if (!isRejection(err)) throw err;
        // Another tab may have rotated the token while this request was out.
        if (tokens.refresh !== refresh && tokens.access) return true;
        dropSession();
        return false;
      }
    };
    refreshing = crossTabLock(run).finally(() => { refreshing = null; });
  }
  return refreshing;
}

// ---- A temporary password still unchanged -------------------------------------

// After an admin's reset every API but /me and /me/password answers 403
// password_change_required: any page sends the user to 修改密码 on the
// login page, which comes back here afterwards. The caller's promise never
// settles, so the page shows no error on its way out.
const LOGIN_PAGE = '/login.html';

function isPasswordChange(err) {
  return err instanceof ApiError && err.status === 403 && err.code === 'password_change_required';
}

function toPasswordChange(err) {
  if (location.pathname === LOGIN_PAGE) throw err;
  const here = location.pathname + location.search + location.hash;
  location.assign(`${LOGIN_PAGE}?next=${encodeURIComponent(here)}`);
  return new Promise(() => {});
}

// Like send(), but a 401 from an authenticated endpoint is answered by one
// refresh of the session and one retry. If the session cannot be renewed the
// tokens are cleared, LOGOUT_EVENT fires and the original 401 is thrown.
async function request(method, path, body, opts) {
  const sentAccess = tokens.access;
  const sentRefresh = tokens.refresh;
  try {
    return await send(method, path, body, opts);
  } catch (err) {
    if (isPasswordChange(err)) return toPasswordChange(err);
    const retryable = err instanceof ApiError && err.status === 401 &&
      !path.startsWith('/auth/') && (sentAccess || tokens.refresh);
    if (!retryable) throw err;
    if (!(await refreshSession(sentAccess, sentRefresh))) throw err;
    try {
      return await send(method, path, body, opts);
    } catch (again) {
      if (isPasswordChange(again)) return toPasswordChange(again);
      throw again;
    }
  }
}

export const api = {
  get: (path, opts) => request('GET', path, undefined, opts),
  post: (path, body, opts) => request('POST', path, body ?? {}, opts),
  put: (path, body, opts) => request('PUT', path, body ?? {}, opts),
  patch: (path, body, opts) => request('PATCH', path, body ?? {}, opts),
  delete: (path, opts) => request('DELETE', path, undefined, opts),
};

// ---- Photos: uploads with progress, images behind the bearer token -------------

// One XMLHttpRequest upload of a raw photo body (fetch has no upload
// progress). onProgress gets a fraction 0..1. Resolves to the parsed body.
function xhrUpload(path, blob, { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', BASE + path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', blob.type || 'application/octet-stream');
    const access = tokens.access;
    if (access) xhr.setRequestHeader('Authorization', `Bearer ${access}`);
    if (onProgress) {
      xhr.upload.addEventListener('progress', (ev) => {
        if (ev.lengthComputable && ev.total > 0) onProgress(ev.loaded / ev.total);
      });
    }
    const abort = () => xhr.abort();
    signal?.addEventListener('abort', abort, { once: true });
    xhr.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    xhr.addEventListener('error', () => reject(new ApiError({ status: 0, code: 'network', message: MSG_NETWORK })));
    xhr.addEventListener('timeout', () => reject(new ApiError({ status: 0, code: 'network', message: MSG_NETWORK })));
    xhr.addEventListener('load', () => {
      signal?.removeEventListener('abort', abort);
      const data = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300 && data !== undefined) {
        resolve(data);
        return;
      }
      // errorFromResponse only needs status, ok and the request id header.
      const res = {
        status: xhr.status,
        ok: xhr.status >= 200 && xhr.status < 300,
        headers: { get: (h) => xhr.getResponseHeader(h) },
      };
      reject(errorFromResponse(res, data));
    });
    xhr.send(blob);
  });
}

// GET an image (or any file) the API serves behind the bearer token; resolves
// to a Blob. url is the path the API gave ("/api/v1/uploads/…").
async function fetchBlob(url, { signal } = {}) {
  const headers = {};
  const access = tokens.access;
  if (access) headers.Authorization = `Bearer ${access}`;
  let res;
  try {
    res = await fetch(url, { headers, credentials: 'same-origin', signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: 'network', message: MSG_NETWORK });
  }
  if (res.ok) return res.blob();
  const text = await res.text().catch(() => '');
  throw errorFromResponse(res, parseJson(text));
}

// Both renew an expired access token once, like request().
async function withRefresh(fn) {
  const sentAccess = tokens.access;
  const sentRefresh = tokens.refresh;
  try {
    return await fn();
  } catch (err) {
    if (isPasswordChange(err)) return toPasswordChange(err);
    if (!(err instanceof ApiError && err.status === 401 && (sentAccess || tokens.refresh))) throw err;
    if (!(await refreshSession(sentAccess, sentRefresh))) throw err;
    return fn();
  }
}

export const files = {
  // POST /api/v1/uploads with the photo as the body → {id, url, thumb_url, …}.
  upload: (blob, opts) => withRefresh(() => xhrUpload('/uploads', blob, opts)),
  blob: (url, opts) => withRefresh(() => fetchBlob(url, opts)),
};

// ---- Logging in and out -------------------------------------------------------

export const auth = {
  // Staff: username and password.
  login: async (username, password) => storeTokens(await send('POST', '/auth/login', { username, password })),
  // Residents: a one-time code by SMS; resolves to {expires_in, resend_after}.
  sendCode: (phone) => send('POST', '/auth/code', { phone }),
  verifyCode: async (phone, code) => storeTokens(await send('POST', '/auth/code/verify', { phone, code })),
  // Staff: one's own password (after an admin's reset, the temporary
  // one); every session ends and the answer's tokens replace ours.
  changePassword: async (oldPassword, newPassword) =>
    storeTokens(await request('POST', '/me/password', { old_password: oldPassword, new_password: newPassword })),
  // Ends the session on the server (best effort) and forgets the tokens.
  async logout() {
    const refresh = tokens.refresh;
    try {
      if (refresh) await send('POST', '/auth/logout', { refresh_token: refresh });
    } catch { /* the local session ends regardless */ }
    tokens.clear();
  },
  get loggedIn() { return Boolean(tokens.access || tokens.refresh); },
};

// ---- Client error reporter ------------------------------------------------------

const MAX_REPORTS = 5;
let reportsSent = 0;

// Cuts s to at most maxBytes of UTF-8 (never splitting a character), so the
// result also fits a limit counted in characters.
function clip(s, maxBytes) {
  const str = String(s ?? '');
  const enc = new TextEncoder();
  if (enc.encode(str).length <= maxBytes) return str;
  let out = '';
  let used = 0;
  for (const ch of str) {
    const n = enc.encode(ch).length;
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

function report(message, stack) {
  if (reportsSent >= MAX_REPORTS) return;
  reportsSent += 1;
  try {
    const payload = { message: clip(message || 'unknown error', 500), page: clip(location.pathname.replace(/^\/q\/.*/, '/q/*'), 200) };
    if (stack) payload.stack = clip(stack, 4000);
    fetch(`${BASE}/client-errors`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
      credentials: 'same-origin',
      keepalive: true,
    }).catch(() => {});
  } catch { /* reporting must never throw */ }
}

// Module code runs once per page, so the listeners are installed once.
function installErrorReporter() {
  window.addEventListener('error', (ev) => {
    report(ev.message || String(ev.error), ev.error && ev.error.stack);
  });
  window.addEventListener('unhandledrejection', (ev) => {
    const r = ev.reason;
    const message = r instanceof Error ? `${r.name}: ${r.message}` : String(r);
    report(`Unhandled rejection: ${message}`, r && r.stack);
  });
}

installErrorReporter();
