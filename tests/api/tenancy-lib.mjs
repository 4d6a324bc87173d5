// Helpers for the building-code, registration and check-in API tests
// (Node 20 built-ins only): building ids, the current poster token of a
// building, QR tokens forged with the keys of the secrets file (keyed
// BLAKE2b, as core/qr.c makes them), GB 11643 ID numbers, residents with a
// registration, and the SQL the tests use to look behind the API.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  base, expectError, expectInvalid, api, describeRes, expectStatus, freshPhone, residentLogin, staff,
} from './lib.mjs';
import { readSecrets, sql, unitMap } from './identity-lib.mjs';

export const TENANCIES = '/api/v1/tenancies';
export const CHECKINS = '/api/v1/checkins';
export const SCAN = '/api/v1/scan';
export const BUILDINGS = '/api/v1/buildings';
export const UNITS = '/api/v1/units';

// --- the org tree ------------------------------------------------------------

let unitsCache;
// code → unit (as the admin sees it), loaded once per process.
export async function units() {
  if (!unitsCache) unitsCache = await unitMap(await staff('admin'));
  return unitsCache;
}

export async function uid(code) {
  const u = (await units()).get(code);
  assert.ok(u, `unit ${code} exists`);
  return u.id;
}

// --- poster tokens -------------------------------------------------------------

export const QR_PREFIX = `${base}/q/`;

export function tokenOf(url) {
  assert.ok(url.startsWith(QR_PREFIX), `${url} starts with ${QR_PREFIX}`);
  const t = url.slice(QR_PREFIX.length);
  assert.match(t, /^[A-Za-z0-9_-]{12,32}$/, 'a short base64url token');
  return t;
}

// The building's current poster: {url, token, check_code, ...} (admin).
export async function poster(code) {
  const res = await api('GET', `${UNITS}/${await uid(code)}/posters`, await staff('admin'));
  expectStatus(res, 200, `posters of ${code}`);
  assert.equal(res.json.items.length, 1, 'a building has one poster');
  const p = res.json.items[0];
  return { ...p, token: tokenOf(p.url) };
}

export const currentToken = async (code) => (await poster(code)).token;

// A new serial for the building (admin): the new poster.
export async function rotate(code, who = 'admin') {
  const res = await api('POST', `${BUILDINGS}/${await uid(code)}/qr/rotate`, await staff(who));
  expectStatus(res, 200, `rotate ${code}`);
  return { ...res.json, token: tokenOf(res.json.url) };
}

// --- keyed BLAKE2b (RFC 7693), for tokens with a genuine MAC ---------------------

const M64 = (1n << 64n) - 1n;
const IV = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];
const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & M64;

function compress(h, block, t, last) {
  const v = [...h, ...IV];
  const m = [];
  for (let i = 0; i < 16; i++) m.push(block.readBigUInt64LE(i * 8));
  v[12] ^= t & M64;
  v[13] ^= t >> 64n;
  if (last) v[14] ^= M64;
  const g = (a, b, c, d, x, y) => {
    v[a] = (v[a] + v[b] + x) & M64; v[d] = rotr(v[d] ^ v[a], 32n);
    v[c] = (v[c] + v[d]) & M64; v[b] = rotr(v[b] ^ v[c], 24n);
    v[a] = (v[a] + v[b] + y) & M64; v[d] = rotr(v[d] ^ v[a], 16n);
    v[c] = (v[c] + v[d]) & M64; v[b] = rotr(v[b] ^ v[c], 63n);
  };
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10];
    g(0, 4, 8, 12, m[s[0]], m[s[1]]); g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]); g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]); g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]); g(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

export function blake2b(msg, key = Buffer.alloc(0), outlen = 64) {
  const h = [...IV];
  h[0] ^= 0x01010000n ^ (BigInt(key.length) << 8n) ^ BigInt(outlen);
  const data = key.length ? Buffer.concat([key, Buffer.alloc(128 - key.length), msg]) : Buffer.from(msg);
  let t = 0n;
  let off = 0;
  while (data.length - off > 128) {
    t += 128n;
    compress(h, data.subarray(off, off + 128), t, false);
    off += 128;
  }
  const rest = data.subarray(off);
  t += BigInt(rest.length);
  compress(h, Buffer.concat([rest, Buffer.alloc(128 - rest.length)]), t, true);
  const out = Buffer.alloc(64);
  h.forEach((w, i) => out.writeBigUInt64LE(w, i * 8));
  return out.subarray(0, outlen);
}

// --- QR tokens -------------------------------------------------------------------

// {current: kid, keys: {kid: Buffer}} from the secrets file.
export function qrKeys() {
  const s = readSecrets();
  const keys = {};
  for (const [k, v] of Object.entries(s)) {
    const m = /^qr_key_(\d+)$/.exec(k);
    if (m) keys[Number(m[1])] = Buffer.from(v, 'hex');
  }
  assert.ok(keys[Number(s.qr_current)], 'secrets: qr_current names a qr_key_<n>');
  return { current: Number(s.qr_current), keys };
}

export function varint(v) {
  let n = BigInt(v);
  const out = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

// The 8-byte MAC core/qr.c puts after the payload: BLAKE2b-128 keyed,
// over "huzu-qr" || payload, first 8 bytes.
export const qrMac = (key, payload) =>
  blake2b(Buffer.concat([Buffer.from('huzu-qr'), payload]), key, 16).subarray(0, 8);

// A token from raw payload bytes, MAC'd with `key` (default: the current key).
export function qrTokenRaw(payload, key = qrKeys().keys[qrKeys().current]) {
  return Buffer.concat([payload, qrMac(key, payload)]).toString('base64url');
}

// A token as huzu makes it: kid | varint building | varint serial | MAC.
export function qrToken(building, serial, { kid, key } = {}) {
  const k = qrKeys();
  const id = kid ?? k.current;
  return qrTokenRaw(Buffer.concat([Buffer.from([id]), varint(building), varint(serial)]), key ?? k.keys[k.current]);
}

// Every token that differs from `t` in exactly one character (base64url
// alphabet), `per` replacements per position (all when per is 0).
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export function oneCharVariants(t, per = 0) {
  const out = [];
  for (let i = 0; i < t.length; i++) {
    const others = [...ALPHABET].filter((c) => c !== t[i]);
    const pick = per ? [1, 17, 32, 47, 62].slice(0, per).map((k) => others[(ALPHABET.indexOf(t[i]) + k) % others.length]) : others;
    for (const c of pick) out.push(t.slice(0, i) + c + t.slice(i + 1));
  }
  return out;
}

// --- ID numbers (GB 11643) ---------------------------------------------------

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export function idCheckChar(d17) {
  assert.match(d17, /^\d{17}$/);
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(d17[i]) * W[i];
  return '10X98765432'[s % 11];
}

export const withCheck = (d17) => d17 + idCheckChar(d17);

const pad = (n, w = 2) => String(n).padStart(w, '0');
const usedIds = new Set();
// A valid 18-character resident ID nobody in this run has used:
// region (first digit 1–8), birth date (default: random, 1950–2004),
// sequence; `check` 'X' loops until the check character is X.
export function freshId({ region, birth, check } = {}) {
  for (let i = 0; i < 100000; i++) {
    const r = region ?? `${1 + crypto.randomInt(8)}${pad(crypto.randomInt(100000), 5)}`;
    const b = birth ?? `${1950 + crypto.randomInt(55)}${pad(1 + crypto.randomInt(12))}${pad(1 + crypto.randomInt(28))}`;
    const d17 = `${r}${b}${pad(crypto.randomInt(1000), 3)}`;
    const id = withCheck(d17);
    if (check && id[17] !== check) continue;
    if (usedIds.has(id)) continue;
    usedIds.add(id);
    return id;
  }
  throw new Error('no fresh ID number');
}

// The same number with a wrong check character.
export function wrongCheck(id) {
  const good = id[17];
  const bad = '0123456789X'.split('').filter((c) => c !== good);
  return id.slice(0, 17) + bad[crypto.randomInt(bad.length)];
}

// 4 + 4 for an 18-character ID; shorter numbers keep a quarter at each end.
export const maskId = (id) => {
  const k = id.length >= 16 ? 4 : Math.floor(id.length / 4);
  return `${id.slice(0, k)}${'*'.repeat(id.length - 2 * k)}${k ? id.slice(-k) : ''}`;
};
export const maskPhone = (p) => `${p.slice(0, 3)}****${p.slice(7)}`;

// --- dates ----------------------------------------------------------------------

// YYYY-MM-DD, `days` from now (UTC; a few days either way of today is
// the same day in Asia/Shanghai as far as the tests care).
export function isoDay(days = 0) {
  return new Date(Date.now() + days * 86400_000).toISOString().slice(0, 10);
}

// --- residents and registrations ---------------------------------------------------

// A resident with a fresh 139 number, logged in by phone code.
export const resident = () => residentLogin(freshPhone('139'));

// The version of the 隐私政策 and 用户协议 a registration agrees to
// (HZ_POLICY_VERSION in core/tenancies.h).
export const POLICY_VERSION = '2026-12-02';

// A complete, valid registration body for `token`.
export function regBody(token, over = {}) {
  return {
    token, name: '李测试', id_type: 'resident_id', id_number: freshId(), phone: freshPhone('139'),
    room: '302', move_in: isoDay(-3), reason: 'work', employer: '石马桥制衣厂', consent_version: POLICY_VERSION, ...over,
  };
}

export const register = (who, body) => api('POST', TENANCIES, who, { json: body });

// POST /tenancies that must work: {res, tenancy, body}.
export async function registerOk(who, token, over = {}) {
  const body = regBody(token, over);
  const res = await register(who, body);
  expectStatus(res, 201, 'registration');
  assert.equal(res.json.status, 'pending');
  return { res, tenancy: res.json, body };
}

export async function decide(who, id, action, json) {
  const opts = json === undefined ? {} : { json };
  return api('POST', `${TENANCIES}/${id}/${action}`, typeof who === 'string' ? await staff(who) : who, opts);
}

// A new resident registered in building `code` ({who, tenancy, body});
// approved by the admin when `approve`.
export async function residentIn(code, { approve = false, over = {} } = {}) {
  const who = await resident();
  const { tenancy, body } = await registerOk(who, await currentToken(code), over);
  if (!approve) return { who, tenancy, body };
  const res = await decide('admin', tenancy.id, 'approve');
  expectStatus(res, 200, 'approve');
  assert.equal(res.json.status, 'active');
  return { who, tenancy: res.json, body };
}

// POST /tenancies with a token that does not name a current poster. The
// registration is a form and the token one of its fields: the answer is
// 422 naming `token` (fcgi/h_tenancies.c, openapi.json), with a message
// that says whether the code was replaced.
export function expectTokenRefusedByRegistration(res, gone = false) {
  assert.ok(res.status < 500, `never 5xx: ${describeRes(res)}`);
  const e = expectInvalid(res, ['token']);
  if (gone) assert.match(e.fields.token, /作废/, 'a replaced code says so');
  else assert.doesNotMatch(e.fields.token, /作废/, 'an unknown code is not called replaced');
  return e;
}

// Scan and check-in answer 404 qr_invalid / 410 qr_expired.
export function expectQrRefused(res, gone = false) {
  assert.ok(res.status < 500, `never 5xx: ${describeRes(res)}`);
  return gone ? expectError(res, 410, 'qr_expired') : expectError(res, 404, 'qr_invalid');
}

// Tenancy rows of a user, straight from the database.
export function tenancyRows(userId) {
  return sql(`SELECT id, building_id, status FROM tenancies WHERE user_id = ${Number(userId)} ORDER BY id`)
    .map(([id, b, s]) => ({ id: Number(id), building: Number(b), status: s }));
}

// --- files and tools ----------------------------------------------------------------

let tmp;
export function tmpFile(name, data) {
  if (!tmp) tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-qr-'));
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
}

export function removeTmp() {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
}

// zbarimg --raw -q on an image file: the decoded text (stderr, where zbar
// prints dbus noise, is ignored).
export function zbar(file) {
  return execFileSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .replace(/\n$/, '');
}
