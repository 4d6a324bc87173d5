// Shared helpers for the API tests (Node 20 built-ins only).
//
// Environment, set by scripts/test:
//   HUZU_TEST_BASE  nginx, e.g. http://127.0.0.1:23456
//   HUZU_TEST_DIR   run/huzu.sock, run/huzu.pid, log/huzu.log, huzu.conf
//   HUZU_BIN, HUZU_CONFIG, HUZU_DBCTL
import assert from 'node:assert/strict';
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
  const text = buf.toString('utf8');
  let json;
  try {
    json = text.length ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, buf, ms };
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

function describe(res) {
  return `HTTP ${res.status} ${res.text.slice(0, 300)}`;
}

// Asserts the error envelope: status, code, a Chinese message, request_id
// equal to X-Request-Id, JSON content type, security headers, nothing but
// {"error":{code,message,request_id,fields?}}. Returns the error object.
export function expectError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${describe(res)}`);
  expectJsonType(res, `${status} ${code}`);
  expectSecurityHeaders(res, `${status} ${code}`);
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${describe(res)}`);
  assert.deepEqual(Object.keys(res.json), ['error'], 'top level of the envelope');
  const e = res.json.error;
  assert.ok(e && typeof e === 'object' && !Array.isArray(e), 'error is an object');
  for (const k of Object.keys(e)) {
    assert.ok(['code', 'message', 'request_id', 'fields'].includes(k), `unexpected key error.${k}`);
  }
  assert.equal(e.code, code, `error code in ${describe(res)}`);
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
  assert.ok(e.fields, `422 without fields: ${describe(res)}`);
  assert.deepEqual(Object.keys(e.fields).sort(), [...names].sort(), `fields of ${describe(res)}`);
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
  const text = body.toString('utf8');
  let json;
  try {
    json = text.length ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, reason, headers, body, text, json };
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
