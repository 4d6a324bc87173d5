// Private instances for the operations tests (deploy, upgrade): a database
// and a database user of their own on the test stack's MariaDB, a secrets
// file and a config in a temporary folder, a `huzu serve` on its own
// socket, an nginx in front when asked, and HTTP or FastCGI to them.
// Node 20 built-ins only; the stack's MariaDB is reached as root over its
// socket (HUZU_TEST_DIR/db/mysql.sock).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bin, testDir, isAlive, waitFor, fcgiRequest, cgiParams } from './lib.mjs';
import { POLICY_VERSION, freshId } from './tenancy-lib.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dbSocket = path.join(testDir, 'db', 'mysql.sock');
const env = { ...process.env, ASAN_OPTIONS: 'abort_on_error=0:detect_leaks=0:halt_on_error=1' };

// SQL as the MariaDB administrator (root over the socket); `input` is
// fed on stdin (for statements that carry a password: never in argv).
// Rows as arrays of strings.
export function rootSql(query, { db = '', input } = {}) {
  const args = ['--no-defaults', '-S', dbSocket, '-u', 'root', '-N', '-B', '--raw'];
  if (db) args.push(db);
  if (query !== null) args.push('-e', query);
  const out = execFileSync('mariadb', args, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

// `huzu ARGS -c CONF`: {status, stdout, stderr}; `input` on stdin.
export function huzu(args, conf, { input = '', timeout = 120_000 } = {}) {
  const r = spawnSync(bin, [...args, '-c', conf], { env, input, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  assert.equal(r.error, undefined, String(r.error));
  return r;
}

export function huzuOk(args, conf, opts) {
  const r = huzu(args, conf, opts);
  assert.equal(r.status, 0, `huzu ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

// A script of scripts/ (backup, restore) with this build's huzu.
export function script(name, args, { cwd } = {}) {
  const r = spawnSync(path.join(root, 'scripts', name), args, {
    env: { ...env, HUZU_BIN: bin }, cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20,
  });
  assert.equal(r.error, undefined, String(r.error));
  return r;
}

// The value of `key` in a key = value file (the last one).
export function valueOf(file, key) {
  const m = [...fs.readFileSync(file, 'utf8').matchAll(new RegExp(`^${key}\\s*=\\s*(.*?)\\s*$`, 'gm'))];
  return m.length ? m[m.length - 1][1] : undefined;
}

// huzu's documented defaults with `over` replacing (or adding) keys,
// written to `file` (as scripts/lib.sh's hz_write_config does).
export function writeConfig(file, over) {
  const r = spawnSync(bin, ['config'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const left = new Map(Object.entries(over));
  const lines = r.stdout.split('\n').map((l) => {
    const m = /^([a-z_]+) = /.exec(l);
    if (!m || !left.has(m[1])) return l;
    const v = left.get(m[1]);
    left.delete(m[1]);
    return `${m[1]} = ${v}`;
  });
  for (const [k, v] of left) lines.push(`${k} = ${v}`);
  fs.writeFileSync(file, lines.join('\n'));
}

// A fresh secrets file (huzu keygen), mode 0600.
export function keygen(file) {
  const r = spawnSync(bin, ['keygen'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  fs.writeFileSync(file, r.stdout, { mode: 0o600 });
  return file;
}

export const rand = () => crypto.randomBytes(4).toString('hex');

// Empty databases `names` and a user `user` with the db_password of
// `secrets` and every right on them. Returns a function that drops them.
export function createDatabases(names, user, secrets) {
  const pw = valueOf(secrets, 'db_password');
  assert.match(pw, /^[0-9A-Za-z_-]+$/, 'a db_password that needs no quoting');
  const stmts = [`CREATE USER '${user}'@'localhost' IDENTIFIED BY '${pw}';`];
  for (const n of names) {
    stmts.push(`CREATE DATABASE \`${n}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
      `GRANT ALL PRIVILEGES ON \`${n}\`.* TO '${user}'@'localhost';`);
  }
  rootSql(null, { input: stmts.join('\n') });
  return () => {
    for (const n of names) rootSql(`DROP DATABASE IF EXISTS \`${n}\``);
    rootSql(`DROP USER IF EXISTS '${user}'@'localhost'`);
  };
}

// The group nginx's workers run as (they must reach huzu's socket), as
// scripts/lib.sh's hz_socket_group says.
export const socketGroup = () => (process.getuid() === 0 ? 'www-data'
  : execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim());

// A TCP port nobody listens on, outside the kernel's ephemeral range:
// scripts/lib.sh's hz_free_port, the one place that knows how.
export async function freePort() {
  return Number(execFileSync('bash', ['-c', '. scripts/lib.sh && hz_free_port'], { cwd: root, encoding: 'utf8' }));
}

// A process group started detached (its own session), stopped with
// SIGTERM to the group and waited for.
async function stopGroup(child, what) {
  if (!child || !isAlive(child.pid)) return;
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
  try {
    await waitFor(`${what} to stop`, 20_000, () => !isAlive(child.pid));
  } catch (e) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    throw e;
  }
}

// `huzu serve -c CONF` in the background, ready once /api/v1/health
// answers 200 on its socket. {child, stop()}.
export async function serve(conf, logFile) {
  const sock = valueOf(conf, 'socket');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(bin, ['serve', '-c', conf], { env, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  await waitFor(`huzu serve on ${sock}`, 20_000, async () => {
    assert.equal(exited, null, `huzu serve exited: ${JSON.stringify(exited)}\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    if (!fs.existsSync(sock)) return false;
    const r = await fcgiRequest(cgiParams('GET', '/api/v1/health'), undefined, { sock, timeout: 2000 });
    return r.status === 200;
  });
  return { child, sock, stop: () => stopGroup(child, 'huzu serve') };
}

// An nginx for the huzu socket `sock` (or an array of them: one upstream
// over several pools) on 127.0.0.1:PORT, rendered by scripts/lib.sh's
// hz_nginx_render into DIR (the test stack's loose login limits).
// {base, stop()}.
export async function nginx(dir, sock, uploads) {
  const port = await freePort();
  const log = path.join(dir, 'log');
  const socks = Array.isArray(sock) ? sock.join(' ') : sock;
  execFileSync('bash', ['-c', `. "${root}/scripts/lib.sh" && hz_nginx_render "$@"`, 'render',
    dir, `127.0.0.1:${port}`, socks, log, uploads], {
    env: { ...process.env, HZ_AUTH_RATE: '50r/s', HZ_AUTH_BURST: '100' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const conf = path.join(dir, 'nginx.conf');
  execFileSync('nginx', ['-t', '-q', '-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore', detached: true });
  const base = `http://127.0.0.1:${port}`;
  await waitFor('nginx', 10_000, async () => (await fetch(`${base}/`).catch(() => null))?.status === 200);
  return { base, child, stop: () => stopGroup(child, 'nginx') };
}

// HTTP to `base`: {status, json, text}.
export async function http(base, method, urlPath, { json, token } = {}) {
  const headers = {};
  if (json !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + urlPath, {
    method, headers, body: json === undefined ? undefined : JSON.stringify(json),
    redirect: 'manual', signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
  return { status: res.status, json: parsed, text };
}

// The same request straight to a huzu socket (FastCGI, as nginx sends it).
export async function fcgi(sock, method, urlPath, { json, token } = {}) {
  const [p, q = ''] = urlPath.split('?');
  const body = json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json), 'utf8');
  const extra = { QUERY_STRING: q, REQUEST_URI: urlPath };
  if (json !== undefined) Object.assign(extra, { CONTENT_TYPE: 'application/json', CONTENT_LENGTH: String(body.length) });
  if (token) extra.HTTP_AUTHORIZATION = `Bearer ${token}`;
  const r = await fcgiRequest(cgiParams(method, p, extra), body, { sock });
  return { status: r.status, json: r.json, text: r.text };
}

export const expect = (res, status, what) => {
  assert.equal(res.status, status, `${what}: HTTP ${res.status} ${res.text.slice(0, 400)}`);
  return res.json;
};

// A phone's newest login code from the log sender's file.
export function lastCode(smsLog, phone) {
  let text = '';
  try { text = fs.readFileSync(smsLog, 'utf8'); } catch { /* none yet */ }
  const codes = text.split('\n').map((l) => l.split(' ')).filter((f) => f[1] === phone && /^\d{6}$/.test(f[2]));
  return codes.length ? codes[codes.length - 1][2] : null;
}

// A resident logged in by phone code through `call` (http or fcgi bound
// to an instance): the token response.
export async function residentLogin(call, smsLog, phone) {
  expect(await call('POST', '/api/v1/auth/code', { json: { phone } }), 202, `code for ${phone}`);
  const code = await waitFor(`the SMS for ${phone}`, 5000, () => lastCode(smsLog, phone));
  return expect(await call('POST', '/api/v1/auth/code/verify', { json: { phone, code } }), 200, 'code login');
}

export function freshPhone() {
  let p = '139';
  while (p.length < 11) p += String(crypto.randomInt(10));
  return p;
}

// A renter (a fresh phone, logged in through `call`) registers in unit
// `building` from its first poster's code, read with `adminToken`: the
// registration, the phone and ID number it sealed, and the renter's tokens.
export async function registerRenter(call, smsLog, adminToken, building, { name, room, employer, daysAgo = 1 }) {
  const posters = expect(await call('GET', `/api/v1/units/${building}/posters`, { token: adminToken }), 200, 'posters');
  const phone = freshPhone();
  const idNumber = freshId();
  const renter = await residentLogin(call, smsLog, freshPhone());
  const reg = expect(await call('POST', '/api/v1/tenancies', {
    token: renter.access_token,
    json: {
      token: posters.items[0].url.split('/q/')[1], name, id_type: 'resident_id', id_number: idNumber, phone, room,
      move_in: new Date(Date.now() - daysAgo * 86400_000).toISOString().slice(0, 10), reason: 'work', employer,
      consent_version: POLICY_VERSION,
    },
  }), 201, 'registration');
  return { reg, phone, idNumber, renter };
}
