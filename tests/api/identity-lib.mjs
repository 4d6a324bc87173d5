// Domain fixtures for the identity, org-tree and user API tests (Node 20
// built-ins only): signing our own JWTs with the keys of the secrets file,
// reading the test database through the `mariadb` client, listing the org
// tree, a fake WeChat. HTTP and logging in are lib.mjs's.
//
// Environment (scripts/test): HUZU_TEST_DIR, HUZU_WECHAT_PORT.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { api, expectStatus, testDir, configPath, REQUEST_ID, waitFor } from './lib.mjs';

export const secretsPath = path.join(testDir, 'secrets');
export const dbSocket = path.join(testDir, 'db', 'mysql.sock');
export const wechatPort = Number(process.env.HUZU_WECHAT_PORT || 0);

// Demo buildings: B001..B040, ten per group in this order.
export const bcode = (n) => `B${String(n).padStart(3, '0')}`;
export const bcodes = (from, to) => {
  const out = [];
  for (let n = from; n <= to; n++) out.push(bcode(n));
  return out;
};

// --- secrets and JWTs ------------------------------------------------------

// The secrets file as {name: value} (key = value lines, # comments).
export function readSecrets(file = secretsPath) {
  const out = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) out[m[1]] = m[2];
  }
  return out;
}

// The key access tokens are signed with now: {kid, key (Buffer)}.
export function currentKey() {
  const s = readSecrets();
  assert.ok(s.jwt_current, 'secrets: jwt_current');
  const hex = s[`jwt_key_${s.jwt_current}`];
  assert.ok(hex, `secrets: jwt_key_${s.jwt_current}`);
  return { kid: s.jwt_current, key: Buffer.from(hex, 'hex') };
}

export const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64url');

export const nowSec = () => Math.floor(Date.now() / 1000);

// A compact JWS. header and payload are objects, or strings used verbatim
// (for duplicate keys and other oddities); hash is the HMAC's digest
// (sha256 for HS256); key null gives an empty signature.
export function signJwt(header, payload, key, hash = 'sha256') {
  const h = b64url(header);
  const p = b64url(payload);
  const sig = key === null ? '' : crypto.createHmac(hash, key).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${sig}`;
}

// A live session of `sub` for forged tokens (huzu names the session in
// every access token, sid, and refuses tokens of ended sessions); one per
// user, made in the database as a login would.
const sessions = new Map();
export function sessionOf(sub) {
  if (!sessions.has(sub)) {
    const [[id]] = sql(`INSERT INTO sessions (user_id, family) VALUES (${Number(sub)}, RANDOM_BYTES(16))
      RETURNING id`);
    sessions.set(sub, id);
  }
  return sessions.get(sub);
}

// Claims as huzu issues them, with overrides (undefined drops a claim).
// A user that does not exist gets a session id that does not either.
export function claimsFor(sub, kind = 'staff', over = {}) {
  const t = nowSec();
  const id = Number(sub);
  const known = Number.isSafeInteger(id) && id > 0 && sql(`SELECT COUNT(*) FROM users WHERE id = ${id}`)[0][0] === '1';
  const sid = known ? sessionOf(id) : '999999999';
  const c = { aud: 'huzu-h5', exp: t + 600, iat: t, iss: 'huzu', kind, sub: String(sub), sid, ...over };
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  return c;
}

// A token signed with the current key, exactly like huzu's own.
export function forge(sub, kind = 'staff', over = {}, headerOver = {}) {
  const { kid, key } = currentKey();
  return signJwt({ alg: 'HS256', kid, typ: 'JWT', ...headerOver }, claimsFor(sub, kind, over), key);
}

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

// --- the database ------------------------------------------------------------

function dbName() {
  try {
    const m = /^db_name\s*=\s*(\S+)/m.exec(fs.readFileSync(configPath, 'utf8'));
    if (m) return m[1];
  } catch { /* default below */ }
  return 'huzu';
}

// Runs SQL as root over the test database's socket; rows as arrays of
// strings (NULL as null). Only for looking at what the API stored and for
// moving test data back in time.
export function sql(query) {
  const out = execFileSync('mariadb', [
    '--no-defaults', '-S', dbSocket, '-u', 'root', '-N', '-B', '--raw', dbName(), '-e', query,
  ], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t').map((v) => (v === 'NULL' ? null : v)));
}

// A root session held open, for a lock that must outlast one statement:
// `hold(statement)` runs it and resolves once it has returned; `end()`
// closes the session (releasing what it holds) and waits for it.
export function rootSession() {
  const child = spawn('mariadb', ['--no-defaults', '-S', dbSocket, '-u', 'root', '-N', '-B', '--unbuffered', dbName()],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let mark = 0;
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    async hold(statement) {
      const done = `held-${++mark}`;
      child.stdin.write(`${statement};\nSELECT '${done}';\n`);
      try {
        await waitFor(`${statement} to return`, 5000, () => out.includes(done));
      } catch (e) {
        child.kill();
        throw e;
      }
    },
    async end() {
      child.stdin.end();
      assert.equal(await exited, 0, 'the held session exits cleanly');
    },
  };
}

export const sqlStr = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// The next AUTO_INCREMENT value of `table`. InnoDB hands out a value
// before it checks unique keys, so an INSERT refused as a duplicate still
// uses one up: more values used than rows added proves that a race reached
// its conflict branch (the tests run one file at a time, so nobody else
// inserts meanwhile).
export function nextAutoIncrement(table) {
  const [[n]] = sql(`SELECT AUTO_INCREMENT FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${sqlStr(table)}`);
  return Number(n);
}

// The audit rows written under one request id.
export function auditRows(requestId) {
  assert.match(requestId, REQUEST_ID);
  return sql(`SELECT actor_id, action, target_type, target_id, detail FROM audit_log
    WHERE request_id = ${sqlStr(requestId)} ORDER BY id`).map(([actor, action, type, target, detail]) => ({
    actor: actor === null ? null : Number(actor), action, type,
    target: target === null ? null : Number(target), detail: detail === null ? null : JSON.parse(detail),
  }));
}

// The newest login code row: moved back in time so that the per-phone
// interval has passed (the test sends its next code at once).
export function ageLatestCode(seconds = 61) {
  sql(`UPDATE login_codes SET created_at = created_at - INTERVAL ${seconds} SECOND ORDER BY id DESC LIMIT 1`);
}

// --- the org tree ------------------------------------------------------------

// Every page of a list, following `next`; checks the page shape on the way.
export async function listAll(urlPath, token, limit = 100) {
  const items = [];
  let after = null;
  for (let pages = 0; pages < 1000; pages++) {
    const sep = urlPath.includes('?') ? '&' : '?';
    const res = await api('GET', `${urlPath}${sep}limit=${limit}${after ? `&after=${after}` : ''}`, token);
    expectStatus(res, 200, `GET ${urlPath}`);
    assert.deepEqual(Object.keys(res.json).sort(), ['items', 'next']);
    assert.ok(Array.isArray(res.json.items));
    assert.ok(res.json.items.length <= limit, 'a page holds at most limit items');
    items.push(...res.json.items);
    if (res.json.next === null) return items;
    assert.equal(typeof res.json.next, 'string', 'next is a cursor string or null');
    assert.ok(res.json.items.length > 0, 'a page with a next cursor is not empty');
    after = res.json.next;
  }
  throw new Error('more than 1000 pages');
}

// code → unit for everything the admin sees.
export async function unitMap(token) {
  const map = new Map();
  for (const u of await listAll('/api/v1/units', token)) if (u.code) map.set(u.code, u);
  return map;
}

export const codesOf = (items) => items.map((u) => u.code).sort();

// A code no unit has yet (codes: letters, digits, - and _).
export function freshCode(prefix = 'T') {
  return `${prefix}-${crypto.randomBytes(6).toString('hex')}`;
}

// --- a fake WeChat jscode2session ----------------------------------------------

// Starts a server on 127.0.0.1:HUZU_WECHAT_PORT. `answer(query, req, res)`
// writes the reply; every request's query is kept in `seen`.
export async function startFakeWechat(answer) {
  assert.ok(wechatPort > 0, 'HUZU_WECHAT_PORT is required');
  const seen = [];
  const timers = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    seen.push({ path: url.pathname, query, method: req.method });
    answer(query, req, res, (ms, fn) => {
      const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
      timers.add(t);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(wechatPort, '127.0.0.1', resolve);
  });
  return {
    seen,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// --- a fake WeChat official account --------------------------------------------

export const OA_APPID = 'wx-huzu-oa-test';
export const OA_SECRET = 'test-oa-secret';

// The official account's side of WeChat, as startFakeWechat's `answer`:
// web authorisation (/sns/oauth2/access_token: a code `ok-<openid>` gives
// that openid; bad, used, busy, e500, slow misbehave), the access token
// (/cgi-bin/token) and the jsapi ticket (/cgi-bin/ticket/getticket, which
// wants the current token). `calls` counts each path; `token` and `ticket`
// may be changed by a test (a new token makes the old one invalid),
// `down` makes token and ticket fail, `slow` makes them late.
export function fakeOfficialAccount() {
  const oa = {
    token: `ACCESS_${crypto.randomBytes(8).toString('hex')}`,
    ticket: `TICKET_${crypto.randomBytes(8).toString('hex')}`,
    calls: { oauth: 0, token: 0, ticket: 0 },
    down: false,
    slow: false,
    fetchMs: 150,   // how long a token or ticket fetch takes: a window for races
  };
  oa.answer = (q, req, res, later) => {
    const json = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    const credentials = q.appid === OA_APPID && q.secret === OA_SECRET;
    if (path === '/sns/oauth2/access_token') {
      oa.calls.oauth++;
      const code = q.code || '';
      if (!credentials || q.grant_type !== 'authorization_code') json(200, { errcode: 40125, errmsg: 'invalid appsecret' });
      else if (code.startsWith('ok-')) {
        json(200, { access_token: 'web-token', expires_in: 7200, refresh_token: 'r', openid: code.slice(3), scope: 'snsapi_base' });
      } else if (code === 'bad') json(200, { errcode: 40029, errmsg: 'invalid code' });
      else if (code === 'used') json(200, { errcode: 40163, errmsg: 'code been used' });
      else if (code === 'busy') json(200, { errcode: -1, errmsg: 'system error' });
      else if (code === 'e500') json(500, 'Internal Server Error');
      else if (code === 'slow') later(5000, () => json(200, { openid: 'o-too-late' }));
      else json(200, { errcode: 40029, errmsg: 'unknown test code' });
    } else if (path === '/cgi-bin/token') {
      oa.calls.token++;
      if (!credentials || q.grant_type !== 'client_credential') json(200, { errcode: 40125, errmsg: 'invalid appsecret' });
      else if (oa.slow) later(5000, () => json(200, { access_token: oa.token, expires_in: 7200 }));
      else if (oa.down) json(200, { errcode: -1, errmsg: 'system error' });
      else later(oa.fetchMs, () => json(200, { access_token: oa.token, expires_in: 7200 }));
    } else if (path === '/cgi-bin/ticket/getticket') {
      oa.calls.ticket++;
      if (q.type !== 'jsapi') json(200, { errcode: 40097, errmsg: 'invalid args' });
      else if (oa.down) json(500, 'Internal Server Error');
      else if (q.access_token !== oa.token) json(200, { errcode: 40001, errmsg: 'invalid credential' });
      else later(oa.fetchMs, () => json(200, { errcode: 0, errmsg: 'ok', ticket: oa.ticket, expires_in: 7200 }));
    } else json(404, { errcode: 404, errmsg: 'no such fake path' });
  };
  return oa;
}
