// Shared helpers for the API tests (Node 20 built-ins only).
//
// Environment, set by scripts/test:
//   HUZU_TEST_BASE  nginx, e.g. http://127.0.0.1:23456
//   HUZU_TEST_DIR   run/huzu.sock, run/huzu.pid, log/huzu.log, huzu.conf
//   HUZU_BIN, HUZU_CONFIG, HUZU_DBCTL, HUZU_SMS_LOG
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const base = (process.env.HUZU_TEST_BASE || '').replace(/\/+$/, '');
export const testDir = process.env.HUZU_TEST_DIR || '';
export const bin = process.env.HUZU_BIN || '';
export const configPath = process.env.HUZU_CONFIG || '';
export const dbctl = process.env.HUZU_DBCTL || '';
export const socketPath = testDir && path.join(testDir, 'run', 'huzu.sock');
export const logPath = testDir && path.join(testDir, 'log', 'huzu.log');
export const smsLogPath = process.env.HUZU_SMS_LOG || (testDir && path.join(testDir, 'log', 'sms.log'));

assert.ok(base, 'HUZU_TEST_BASE is required (run through scripts/test)');
assert.ok(testDir, 'HUZU_TEST_DIR is required (run through scripts/test)');

export const CJK = /[\u3400-\u9fff]/;
export const REQUEST_ID = /^[0-9a-f]{32}$/;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn (sync or async) until it returns a truthy value; returns that
// value, or throws with `what` once `ms` have passed.
export async function waitFor(what, ms, fn, every = 50) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}` +
        (last instanceof Error ? ` (last error: ${last.message})` : ''));
    }
    await sleep(every);
  }
}

// Resolves like `promise`, or rejects with `what` after `ms` (the timer is
// cleared either way, so it never holds the process open).
export async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// --- HTTP through nginx ------------------------------------------------------

// request(method, path, {json, body, headers, timeout}): `json` is serialised
// and sent as application/json unless a Content-Type header is given; `body`
// (string, Buffer, Uint8Array) is sent as bytes with no implicit
// Content-Type (fetch would add text/plain to a string). Never follows
// redirects. Returns {status, headers, text, json, buf, ms}; json is
// undefined when the body does not parse.
// A response body as text and, when it is JSON, parsed (else undefined).
export function bodyOf(buf) {
  const text = buf.toString('utf8');
  let json;
  try {
    json = text.length ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { text, json, buf };
}

export async function request(method, urlPath, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body;
  if (opts.json !== undefined) {
    body = Buffer.from(JSON.stringify(opts.json), 'utf8');
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  } else if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
  }
  const t0 = performance.now();
  const res = await fetch(base + urlPath, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(opts.timeout ?? 15_000),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - t0;
  return { status: res.status, headers: res.headers, ...bodyOf(buf), ms };
}

// n copies of one request, released together: every connection is opened
// and sent all but the last byte of its request first, then the last bytes
// go out in one tick (a start barrier, so that the copies really meet in
// the workers rather than arrive one after another as fetch() may send
// them). HTTP/1.0 with Connection: close, so that nginx neither chunks nor
// keeps the connection. Resolves to [{status, headers (Map-like get),
// text, json}] in the order sent.
export async function burst(n, method, urlPath, { json, headers = {}, timeout = 15_000 } = {}) {
  const u = new URL(base);
  const body = json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json), 'utf8');
  const head = [`${method} ${urlPath} HTTP/1.0`, `Host: ${u.host}`, 'Connection: close',
    `Content-Length: ${body.length}`];
  if (json !== undefined) head.push('Content-Type: application/json');
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  const msg = Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
  const socks = [];
  const answers = [];
  try {
    for (let i = 0; i < n; i++) {
      const sock = net.createConnection({ host: u.hostname, port: Number(u.port) || 80 });
      socks.push(sock);
      const chunks = [];
      answers.push(new Promise((resolve, reject) => {
        sock.on('data', (d) => chunks.push(d));
        sock.on('error', reject);
        sock.on('close', () => resolve(Buffer.concat(chunks)));
      }));
    }
    await Promise.all(socks.map((sock) => new Promise((resolve, reject) => {
      sock.once('connect', () => sock.write(msg.subarray(0, msg.length - 1), (e) => (e ? reject(e) : resolve())));
      sock.once('error', reject);
    })));
    for (const sock of socks) sock.write(msg.subarray(msg.length - 1));
    const raw = await withTimeout(Promise.all(answers), timeout, `${n} × ${method} ${urlPath}`);
    return raw.map((buf) => {
      const sep = buf.indexOf('\r\n\r\n');
      assert.ok(sep > 0, `an HTTP answer: ${JSON.stringify(buf.toString('utf8').slice(0, 200))}`);
      const lines = buf.subarray(0, sep).toString('utf8').split('\r\n');
      const h = new Map();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        h.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
      }
      const text = buf.subarray(sep + 4).toString('utf8');
      let parsed;
      try {
        parsed = text.length ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: Number(lines[0].split(' ')[1]), headers: { get: (k) => h.get(k.toLowerCase()) ?? null }, text, json: parsed };
    });
  } finally {
    for (const sock of socks) sock.destroy();
  }
}

// --- HTTP with a token, logging in -----------------------------------------

export const DEMO_PASSWORD = 'huzu-demo-2026';
export const DEMO_STAFF = ['admin', 'cadre1', 'leader1', 'head1', 'station1'];

export const bearer = (token) => ({ authorization: `Bearer ${token}` });

// request() with the caller's token (a string, or {access_token}).
export function api(method, urlPath, token, opts = {}) {
  const t = typeof token === 'string' ? token : token && token.access_token;
  const headers = { ...(opts.headers || {}) };
  if (t) headers.authorization = `Bearer ${t}`;
  return request(method, urlPath, { ...opts, headers });
}

// POST to an /api/v1/auth/ endpoint. nginx limits those per address (50
// requests/s, burst 100 in the test stack): a 429 rate_limited from nginx
// is waited out and retried, so that only the app's answers reach a test.
// (The app's own 429s have other codes: code_too_frequent, code_locked.)
export async function authPost(urlPath, json, opts = {}) {
  for (let i = 0; ; i++) {
    const res = await request('POST', urlPath, { ...opts, json });
    if (res.status !== 429 || !res.json || !res.json.error || res.json.error.code !== 'rate_limited' || i >= 150) {
      return res;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const loginRaw = (username, password) => authPost('/api/v1/auth/login', { username, password });

export async function login(username, password = DEMO_PASSWORD) {
  const res = await loginRaw(username, password);
  expectStatus(res, 200, `login ${username}`);
  return res.json;
}

const staffCache = new Map();
// Tokens of a demo staff member, logged in once per process.
export async function staff(username) {
  if (!staffCache.has(username)) staffCache.set(username, await login(username));
  return staffCache.get(username);
}

// --- phone codes -----------------------------------------------------------

const usedPhones = new Set();
// A valid mainland mobile number nobody in this run has used yet.
export function freshPhone(prefix = '') {
  for (;;) {
    let p = prefix || `1${3 + crypto.randomInt(7)}`;
    while (p.length < 11) p += String(crypto.randomInt(10));
    if (!usedPhones.has(p)) {
      usedPhones.add(p);
      return p;
    }
  }
}

// The lines the dev SMS sender wrote for `phone`, oldest first, each
// split at spaces: [time, phone, code or "msg", words...].
function smsLines(phone) {
  let text;
  try {
    text = fs.readFileSync(smsLogPath, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((line) => line.split(' ')).filter((f) => f[1] === phone);
}

// The login codes sent to `phone`, oldest first.
export const smsCodes = (phone) => smsLines(phone).filter((f) => /^\d{6}$/.test(f[2])).map((f) => f[2]);

// The notifications sent to `phone` (lines "time phone msg text"), oldest
// first: their text.
export const smsTexts = (phone) => smsLines(phone).filter((f) => f[2] === 'msg').map((f) => f.slice(3).join(' '));

export const sendCodeRaw = (phone) => authPost('/api/v1/auth/code', { phone });

// Asks for a code and returns it, read from the SMS log.
export async function sendCode(phone) {
  const before = smsCodes(phone).length;
  const res = await sendCodeRaw(phone);
  expectStatus(res, 202, `code for ${phone}`);
  const codes = await waitFor(`the SMS for ${phone}`, 5000, () => {
    const c = smsCodes(phone);
    return c.length > before && c;
  });
  assert.equal(codes.length, before + 1, 'one SMS per accepted request');
  const code = codes[codes.length - 1];
  assert.match(code, /^\d{6}$/);
  return code;
}

export const verifyCode = (phone, code) => authPost('/api/v1/auth/code/verify', { phone, code });

// A resident logged in by phone code: the token response.
export async function residentLogin(phone = freshPhone()) {
  const code = await sendCode(phone);
  const res = await verifyCode(phone, code);
  expectStatus(res, 200, `code login ${phone}`);
  return { ...res.json, phone };
}

// The headers nginx adds to every response, pages and errors included.
export function expectSecurityHeaders(res, where = '') {
  const h = res.headers;
  const ctx = where ? ` (${where})` : '';
  const csp = h.get('content-security-policy');
  assert.ok(csp, `Content-Security-Policy missing${ctx}`);
  assert.match(csp, /frame-ancestors 'none'/, `CSP without frame-ancestors 'none'${ctx}`);
  assert.equal(h.get('x-content-type-options'), 'nosniff', `X-Content-Type-Options${ctx}`);
  assert.equal(h.get('x-frame-options'), 'DENY', `X-Frame-Options${ctx}`);
  assert.equal(h.get('referrer-policy'), 'no-referrer', `Referrer-Policy${ctx}`);
  assert.match(h.get('x-request-id') || '', REQUEST_ID, `X-Request-Id${ctx}`);
}

export function expectJsonType(res, where = '') {
  assert.match(res.headers.get('content-type') || '', /^application\/json; ?charset=utf-8$/i,
    `Content-Type of ${where || 'an API response'}`);
}

export function describeRes(res) {
  return `HTTP ${res.status} ${res.text.slice(0, 300)}`;
}

export function expectStatus(res, status, what = '') {
  assert.equal(res.status, status, `${what ? what + ': ' : ''}${describeRes(res)}`);
  return res.json;
}

// Asserts the error envelope: status, code, a Chinese message, request_id
// equal to X-Request-Id, JSON content type, security headers, nothing but
// {"error":{code,message,request_id,fields?}}. Returns the error object.
export function expectError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${describeRes(res)}`);
  expectJsonType(res, `${status} ${code}`);
  expectSecurityHeaders(res, `${status} ${code}`);
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${describeRes(res)}`);
  assert.deepEqual(Object.keys(res.json), ['error'], 'top level of the envelope');
  const e = res.json.error;
  assert.ok(e && typeof e === 'object' && !Array.isArray(e), 'error is an object');
  for (const k of Object.keys(e)) {
    assert.ok(['code', 'message', 'request_id', 'fields'].includes(k), `unexpected key error.${k}`);
  }
  assert.equal(e.code, code, `error code in ${describeRes(res)}`);
  assert.equal(typeof e.message, 'string');
  assert.match(e.message, CJK, 'error message should be Chinese');
  assert.equal(typeof e.request_id, 'string');
  assert.match(e.request_id, REQUEST_ID, 'request_id is nginx\'s $request_id');
  assert.equal(e.request_id, res.headers.get('x-request-id'), 'request_id === X-Request-Id');
  if ('fields' in e) {
    assert.ok(e.fields && typeof e.fields === 'object' && !Array.isArray(e.fields), 'fields is an object');
    for (const [k, v] of Object.entries(e.fields)) {
      assert.equal(typeof v, 'string', `fields.${k} is a string`);
      assert.match(v, CJK, `fields.${k} should be Chinese`);
    }
  }
  return e;
}

// 422 validation_failed whose fields are exactly `names` (sorted compare).
export function expectInvalid(res, names) {
  const e = expectError(res, 422, 'validation_failed');
  assert.ok(e.fields, `422 without fields: ${describeRes(res)}`);
  assert.deepEqual(Object.keys(e.fields).sort(), [...names].sort(), `fields of ${describeRes(res)}`);
  return e;
}

// POST /api/v1/client-errors with raw bytes and a JSON content type.
export function postRaw(body, contentType = 'application/json') {
  const headers = contentType === null ? {} : { 'content-type': contentType };
  return request('POST', '/api/v1/client-errors', { body, headers });
}

// --- processes -------------------------------------------------------------

// /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces
// and parentheses, so split after the last ')'.
export function procStat(pid) {
  let s;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { pid: Number(pid), state: rest[0], ppid: Number(rest[1]) };
}

export function isAlive(pid) {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

// Live (non-zombie) children of masterPid, sorted.
export function workerPids(masterPid, { zombies = false } = {}) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(d);
    if (st === null || st.ppid !== Number(masterPid)) continue;
    if (!zombies && (st.state === 'Z' || st.state === 'X')) continue;
    out.push(st.pid);
  }
  return out.sort((a, b) => a - b);
}

// Children that have become real workers (exec'd `huzu worker`), as
// opposed to a fork still on its way to exec.
export function execdWorkers(masterPid) {
  return workerPids(masterPid).filter((p) => cmdline(p)[1] === 'worker');
}

// The pid of the `huzu serve` master of the test stack: run/huzu.pid,
// checked against its command line.
export function masterPid() {
  const pid = Number(fs.readFileSync(path.join(testDir, 'run', 'huzu.pid'), 'utf8').trim());
  const argv = cmdline(pid);
  assert.ok(argv.includes('serve'), `run/huzu.pid (${pid}) is not huzu serve: ${argv.join(' ')}`);
  assert.ok(isAlive(pid), `huzu serve (${pid}) is not running`);
  return pid;
}

export function readLog(file = logPath) {
  return fs.readFileSync(file, 'utf8');
}

// Log lines (logfmt) matching every regexp in `res`.
export function logLines(...res) {
  return readLog().split('\n').filter((l) => res.every((re) => re.test(l)));
}

// --- which worker answered -----------------------------------------------------

// FastCGI does not hand requests to the workers in turn: a run of requests
// may all land on one. Every request's log line names the worker (pid=)
// and nginx's request id (rid=, the X-Request-Id of the answer), so the
// log tells which worker answered what.

const ridOf = (r) => (typeof r === 'string' ? r : r.headers.get('x-request-id'));

// rid → worker pid, for every rid in `rids` (waits for the lines: a worker
// logs a request after it has answered it).
export async function workersOf(rids) {
  const want = new Set(rids);
  return waitFor(`the log lines of ${want.size} request(s)`, 5000, () => {
    const found = new Map();
    for (const l of logLines(/msg="request"/)) {
      const m = / rid=([0-9a-f]{32})\b/.exec(l);
      if (m && want.has(m[1])) found.set(m[1], Number(/\bpid=(\d+)/.exec(l)[1]));
    }
    return found.size === want.size && found;
  });
}

// Calls `fn` in parallel rounds, one call per worker, until every worker
// of the pool has given at least one counted answer; bounded by `rounds`.
// `fn` sends its request(s), checks the answer(s) and returns them (an
// answer with an X-Request-Id header, a FastCGI REQUEST_ID string, or an
// array of these); `counts(answer)` (default: all) leaves out answers that
// do not prove anything yet, e.g. a worker still in its back-off. Returns
// the pids seen.
export async function onEveryWorker(what, fn, { rounds = 50, counts = () => true } = {}) {
  const pool = execdWorkers(masterPid());
  assert.ok(pool.length > 0, 'the pool has workers');
  const seen = new Set();
  for (let r = 0; r < rounds; r++) {
    const got = (await Promise.all(pool.map(() => fn()))).flat().filter(counts);
    const pids = await workersOf(got.map(ridOf));
    for (const pid of pids.values()) seen.add(pid);
    if (pool.every((p) => seen.has(p))) return seen;
  }
  throw new Error(`${what}: only workers ${[...seen].join(', ')} of ${pool.join(', ')} answered in ${rounds} rounds`);
}

// --- FastCGI 1.0 -------------------------------------------------------------

export const FCGI = {
  BEGIN_REQUEST: 1, ABORT_REQUEST: 2, END_REQUEST: 3, PARAMS: 4, STDIN: 5,
  STDOUT: 6, STDERR: 7, RESPONDER: 1,
};

export function fcgiRecord(type, content = Buffer.alloc(0), requestId = 1) {
  assert.ok(content.length <= 0xffff, 'one record holds at most 65535 bytes');
  const pad = (8 - (content.length % 8)) % 8;
  const h = Buffer.alloc(8);
  h[0] = 1; // version
  h[1] = type;
  h.writeUInt16BE(requestId, 2);
  h.writeUInt16BE(content.length, 4);
  h[6] = pad;
  return Buffer.concat([h, content, Buffer.alloc(pad)]);
}

// A stream (PARAMS, STDIN) split into records of at most 65535 bytes; the
// empty terminating record is NOT included.
export function fcgiStream(type, data, requestId = 1) {
  const out = [];
  for (let i = 0; i < data.length; i += 0xffff) {
    out.push(fcgiRecord(type, data.subarray(i, i + 0xffff), requestId));
  }
  return Buffer.concat(out);
}

export function fcgiBegin(requestId = 1, keepConn = false) {
  const c = Buffer.alloc(8);
  c.writeUInt16BE(FCGI.RESPONDER, 0);
  c[2] = keepConn ? 1 : 0;
  return fcgiRecord(FCGI.BEGIN_REQUEST, c, requestId);
}

function nvLength(n) {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

// Name-value pairs (1- or 4-byte lengths) from [[name, value], ...].
export function fcgiParams(pairs) {
  const parts = [];
  for (const [k, v] of pairs) {
    const kb = Buffer.from(k, 'utf8');
    const vb = Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
    parts.push(nvLength(kb.length), nvLength(vb.length), kb, vb);
  }
  return Buffer.concat(parts);
}

// Splits a CGI response ("Status: 400 ...\r\nheaders\r\n\r\nbody").
export function parseCgi(stdout) {
  const sep = stdout.indexOf('\r\n\r\n');
  assert.ok(sep >= 0, `CGI response without a header end: ${JSON.stringify(stdout.toString('utf8').slice(0, 200))}`);
  const headers = {};
  for (const line of stdout.subarray(0, sep).toString('utf8').split('\r\n')) {
    const i = line.indexOf(':');
    assert.ok(i > 0, `bad CGI header line ${JSON.stringify(line)}`);
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let status = 200;
  let reason = '';
  if (headers.status) {
    const m = /^(\d{3})(?: (.*))?$/.exec(headers.status);
    assert.ok(m, `bad Status header ${headers.status}`);
    status = Number(m[1]);
    reason = m[2] || '';
  }
  const body = stdout.subarray(sep + 4);
  return { status, reason, headers, body, ...bodyOf(body) };
}

// One FastCGI connection. Records are parsed as they arrive; `done`
// resolves at END_REQUEST (or rejects when the connection ends first).
export class FcgiConn {
  constructor(sock, requestId = 1) {
    this.requestId = requestId;
    this.stdout = [];
    this.stderr = [];
    this.pending = Buffer.alloc(0);
    this.ended = null;
    this.sock = net.createConnection(sock);
    this.connected = new Promise((resolve, reject) => {
      this.sock.once('connect', resolve);
      this.sock.once('error', reject);
    });
    this.done = new Promise((resolve, reject) => {
      this.sock.on('data', (d) => {
        this.pending = Buffer.concat([this.pending, d]);
        this.parse();
        if (this.ended) resolve(this.result());
      });
      // A write after the server has closed gives EPIPE: only fatal when
      // no END_REQUEST came.
      this.sock.on('error', (e) => { if (!this.ended) reject(e); });
      this.sock.on('close', () => {
        if (!this.ended) reject(new Error('FastCGI connection closed before END_REQUEST'));
      });
    });
    this.done.catch(() => {});
  }

  parse() {
    while (this.pending.length >= 8) {
      const len = this.pending.readUInt16BE(4);
      const pad = this.pending[6];
      if (this.pending.length < 8 + len + pad) return;
      const type = this.pending[1];
      const id = this.pending.readUInt16BE(2);
      const content = this.pending.subarray(8, 8 + len);
      this.pending = this.pending.subarray(8 + len + pad);
      if (id !== this.requestId) continue;
      if (type === FCGI.STDOUT) this.stdout.push(Buffer.from(content));
      else if (type === FCGI.STDERR) this.stderr.push(Buffer.from(content));
      else if (type === FCGI.END_REQUEST) {
        this.ended = { appStatus: content.readUInt32BE(0), protocolStatus: content[4] };
      }
    }
  }

  result() {
    const stdout = Buffer.concat(this.stdout);
    return {
      ...parseCgi(stdout),
      raw: stdout,
      stderr: Buffer.concat(this.stderr).toString('utf8'),
      ...this.ended,
    };
  }

  async write(buf) {
    await this.connected;
    await new Promise((resolve, reject) => {
      this.sock.write(buf, (e) => (e ? reject(e) : resolve()));
    });
  }

  close() {
    this.sock.destroy();
  }
}

// Whole exchange: BEGIN, PARAMS, empty PARAMS, STDIN (as given), empty
// STDIN, all in one write; waits for END_REQUEST (timeout in ms).
export async function fcgiRequest(params, stdin = Buffer.alloc(0), { sock = socketPath, timeout = 10_000, requestId = 1 } = {}) {
  const c = new FcgiConn(sock, requestId);
  const msg = Buffer.concat([
    fcgiBegin(requestId),
    fcgiStream(FCGI.PARAMS, fcgiParams(params), requestId),
    fcgiRecord(FCGI.PARAMS, undefined, requestId),
    fcgiStream(FCGI.STDIN, stdin, requestId),
    fcgiRecord(FCGI.STDIN, undefined, requestId),
  ]);
  try {
    c.write(msg).catch(() => {}); // EPIPE after an early answer is fine
    return await withTimeout(c.done, timeout, 'FastCGI answer');
  } finally {
    c.close();
  }
}

// The params nginx would send for a request (fastcgi_params), minus the
// ones a test wants to drop or replace.
export function cgiParams(method, uri, extra = {}) {
  const p = {
    REQUEST_METHOD: method,
    DOCUMENT_URI: uri,
    REQUEST_URI: uri,
    QUERY_STRING: '',
    CONTENT_TYPE: '',
    CONTENT_LENGTH: '',
    SCRIPT_NAME: uri,
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_SCHEME: 'http',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'nginx',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_PORT: '40000',
    SERVER_ADDR: '127.0.0.1',
    SERVER_PORT: '80',
    SERVER_NAME: '_',
    REQUEST_ID: randomRequestId(),
    ...extra,
  };
  return Object.entries(p).filter(([, v]) => v !== undefined);
}

export function randomRequestId() {
  let s = '';
  for (let i = 0; i < 32; i++) s += '0123456789abcdef'[Math.floor(Math.random() * 16)];
  return s;
}

// The error envelope of a FastCGI (no nginx) answer.
export function expectCgiError(res, status, code, requestId) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${res.text.slice(0, 300)}`);
  assert.equal(res.protocolStatus, 0, 'FCGI_REQUEST_COMPLETE');
  assert.match(res.headers['content-type'] || '', /^application\/json; charset=utf-8$/i);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.ok(res.json, `body is not JSON: ${res.text.slice(0, 200)}`);
  assert.deepEqual(Object.keys(res.json), ['error']);
  const e = res.json.error;
  assert.equal(e.code, code);
  assert.match(e.message, CJK);
  assert.equal(e.request_id, requestId);
  return e;
}
