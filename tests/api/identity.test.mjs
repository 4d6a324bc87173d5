// Identity through nginx: staff password login, resident phone-code and
// WeChat login, access tokens (and forged, tampered, expired ones), key
// rotation, refresh-token families, logout, the login rate limits, and
// what the database, the audit log and the log file hold afterwards.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';

import {
  request, burst, expectError, expectInvalid, expectJsonType, expectSecurityHeaders, sleep, waitFor,
  masterPid, execdWorkers, onEveryWorker, readLog, logPath, DEMO_PASSWORD, DEMO_STAFF, api, authPost,
  describeRes, expectStatus, freshPhone, login, loginRaw, residentLogin, sendCode, smsCodes, smsLogPath,
  staff, verifyCode,
} from './lib.mjs';
import {
  bcode, claimsFor, currentKey, decodeJwt, forge, nowSec, secretsPath, signJwt, sql, sqlStr, startFakeWechat,
  unitMap, auditRows, ageLatestCode, nextAutoIncrement,
} from './identity-lib.mjs';

const LOGIN = '/api/v1/auth/login';
const CODE = '/api/v1/auth/code';
const WECHAT = '/api/v1/auth/wechat';
const REFRESH = '/api/v1/auth/refresh';
const LOGOUT = '/api/v1/auth/logout';
const ME = '/api/v1/me';

// Everything secret this file has seen: none of it may reach the log.
const seen = { phones: new Set(), tokens: new Set(), codes: new Set() };
const remember = (t) => {
  if (t && t.access_token) seen.tokens.add(t.access_token);
  if (t && t.refresh_token) seen.tokens.add(t.refresh_token);
  return t;
};

function expectUnauthorized(res, code = 'token_invalid') {
  const e = expectError(res, 401, code);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer', 'WWW-Authenticate: Bearer');
  return e;
}

// A token answer: shape, lifetime, and the access token's header and claims.
function expectTokens(res, kind, where = '') {
  expectStatus(res, 200, where);
  expectJsonType(res, where);
  expectSecurityHeaders(res, where);
  assert.equal(res.headers.get('cache-control'), 'no-store', 'tokens are never cached');
  const t = res.json;
  assert.deepEqual(Object.keys(t).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
  assert.equal(t.token_type, 'Bearer');
  assert.equal(t.expires_in, 900, 'access_ttl of the test config');
  // Staff are told whether their password is a temporary one.
  assert.deepEqual(Object.keys(t.user).sort(), kind === 'staff' ? ['id', 'kind', 'must_change_password'] : ['id', 'kind']);
  if (kind === 'staff') assert.equal(t.user.must_change_password, false);
  assert.equal(t.user.kind, kind);
  assert.ok(Number.isSafeInteger(t.user.id) && t.user.id > 0, `user.id ${t.user.id}`);
  assert.match(t.refresh_token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  assert.match(t.access_token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const { header, payload } = decodeJwt(t.access_token);
  assert.equal(header.alg, 'HS256');
  assert.equal(header.kid, currentKey().kid, 'signed with the current key');
  assert.equal(payload.iss, 'huzu');
  assert.equal(payload.aud, 'huzu-h5');
  assert.equal(payload.sub, String(t.user.id));
  assert.equal(payload.kind, kind);
  assert.equal(payload.exp - payload.iat, 900);
  assert.ok(Math.abs(payload.iat - nowSec()) <= 5, `iat ${payload.iat} is now`);
  return remember(t);
}

const refresh = (token) => authPost(REFRESH, { refresh_token: token });
// The spent tokens of `token`'s family, as if spent 11 s ago: past the
// refresh grace (10 s in the test stack).
const ageFamily = (token) => sql(`UPDATE refresh_tokens r JOIN (SELECT family FROM refresh_tokens
  WHERE token_hash = UNHEX(SHA2(${sqlStr(token)}, 256))) f ON r.family = f.family
  SET r.used_at = r.used_at - INTERVAL 11 SECOND WHERE r.used_at IS NOT NULL`);
const logout = (token) => authPost(LOGOUT, { refresh_token: token });
const phone = () => {
  const p = freshPhone();
  seen.phones.add(p);
  return p;
};
async function codeFor(p) {
  const c = await sendCode(p);
  seen.codes.add(c);
  return c;
}
async function resident() {
  const t = await residentLogin(phone());
  seen.phones.add(t.phone);
  return remember(t);
}
const masked = (p) => `${p.slice(0, 3)}****${p.slice(7)}`;

let units; // code → unit
let ids;   // demo username → user id

before(async () => {
  const admin = await staff('admin');
  remember(admin);
  units = await unitMap(admin);
  ids = {};
  for (const u of DEMO_STAFF) ids[u] = remember(await staff(u)).user.id;
});

describe('staff login', () => {
  test('every demo staff member logs in and /me says who they are', async () => {
    const seenIds = new Set();
    for (const u of DEMO_STAFF) {
      const t = expectTokens(await loginRaw(u, DEMO_PASSWORD), 'staff', u);
      seenIds.add(t.user.id);
      const me = await api('GET', ME, t);
      expectStatus(me, 200, `/me of ${u}`);
      assert.equal(me.json.user.username, u);
      assert.equal(me.json.user.id, t.user.id);
    }
    assert.equal(seenIds.size, DEMO_STAFF.length, 'one account each');
  });

  test('a wrong password and an unknown user get the same 401 login_failed', async () => {
    const answers = [];
    for (const [u, p] of [
      ['admin', 'wrong-password'], ['admin', 'HUZU-DEMO-2026'], ['admin', `${DEMO_PASSWORD} `],
      ['admin', DEMO_PASSWORD.slice(0, -1)], ['nobody-here', DEMO_PASSWORD], ['head1', 'x'],
    ]) {
      const res = await loginRaw(u, p);
      answers.push(expectError(res, 401, 'login_failed').message);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    assert.equal(new Set(answers).size, 1, 'the same message whether the user exists or not');
  });

  test('login bodies are validated: 422 naming the fields', async () => {
    expectInvalid(await authPost(LOGIN, {}), ['username', 'password']);
    expectInvalid(await authPost(LOGIN, { username: 1, password: true }), ['username', 'password']);
    expectInvalid(await authPost(LOGIN, { username: 'admin' }), ['password']);
    expectInvalid(await authPost(LOGIN, { username: '', password: 'x' }), ['username']);
    expectInvalid(await authPost(LOGIN, { username: 'admin', password: '' }), ['password']);
    expectInvalid(await authPost(LOGIN, { username: 'a'.repeat(65), password: 'x' }), ['username']);
    expectInvalid(await authPost(LOGIN, { username: 'admin', password: 'p'.repeat(257) }), ['password']);
    expectInvalid(await authPost(LOGIN, { username: 'admin', password: DEMO_PASSWORD, otp: '1' }), ['otp']);
    expectInvalid(await authPost(LOGIN, { username: ['admin'], password: { p: 1 } }), ['username', 'password']);
    const e = expectError(await authPost(LOGIN, ['admin', DEMO_PASSWORD]), 422, 'validation_failed');
    assert.ok(e.fields, 'a non-object body is a field error too');
  });

  test('SQL metacharacters and long strings in the login fields are only wrong credentials', async () => {
    const users = [
      "admin' --", "admin' OR '1'='1", "' OR 1=1 #", 'admin"; DROP TABLE users; --', 'admin\\',
      '%', '_____', 'admin%', "'".repeat(64), 'a'.repeat(64), 'admin/*', '`admin`',
    ];
    const passwords = ["' OR '1'='1", "') OR ('1'='1", '\\', 'x'.repeat(256), "'".repeat(256), '😀'.repeat(256)];
    const bad = [];
    for (const u of users) {
      const res = await loginRaw(u, passwords[users.indexOf(u) % passwords.length]);
      if (res.status !== 401 || res.json?.error?.code !== 'login_failed') bad.push(`${u}: ${describeRes(res)}`);
    }
    for (const p of passwords) {
      // The password guard would slow this address down after a few
      // misses (that is tested in hardening.test.mjs); here each miss is
      // judged alone.
      sql('DELETE FROM staff_login_failures');
      const res = await loginRaw('admin', p);
      if (res.status !== 401 || res.json?.error?.code !== 'login_failed') bad.push(`password ${p.slice(0, 20)}: ${describeRes(res)}`);
    }
    assert.deepEqual(bad, []);
    // The users table is still there and still answers.
    expectTokens(await loginRaw('admin', DEMO_PASSWORD), 'staff');
  });

  test('a username with characters outside ASCII is a wrong login, not a 500', async () => {
    // users.username is an ASCII column: comparing it with such a string
    // must not become a database error.
    const bad = [];
    for (const u of ['管理员', 'admin😀', 'ädmin', 'admin\u00a0', 'Админ']) {
      const res = await loginRaw(u, DEMO_PASSWORD);
      if (res.status !== 401 || res.json?.error?.code !== 'login_failed') bad.push(`${JSON.stringify(u)}: ${describeRes(res)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('NUL inside a login field is refused before any look-up', async () => {
    const res = await authPost(LOGIN, { username: 'admin\u0000x', password: DEMO_PASSWORD });
    assert.ok([400, 422].includes(res.status), describeRes(res));
    expectError(res, res.status, res.json.error.code);
  });
});

describe('/api/v1/me', () => {
  test('staff: user, no phone, roles with their units', async () => {
    const me = expectStatus(await api('GET', ME, await staff('admin')), 200);
    assert.deepEqual(me.user, {
      id: ids.admin, kind: 'staff', display_name: '联社党委管理员', username: 'admin', phone: null,
      must_change_password: false,
    });
    const unitOf = (code) => ({ id: units.get(code).id, kind: units.get(code).kind, name: units.get(code).name });
    const roles = (m) => m.roles.map((r) => ({ role: r.role, unit: r.unit }));
    for (const r of me.roles) assert.ok(Number.isSafeInteger(r.id) && r.id > 0);
    assert.deepEqual(roles(me), [{ role: 'admin', unit: unitOf('SMQ') }]);
    assert.deepEqual(roles(expectStatus(await api('GET', ME, await staff('cadre1')), 200)),
      [{ role: 'cadre', unit: unitOf('SMQ-1') }]);
    assert.deepEqual(roles(expectStatus(await api('GET', ME, await staff('leader1')), 200)),
      [{ role: 'group_leader', unit: unitOf('SMQ-1-A') }]);
    assert.deepEqual(roles(expectStatus(await api('GET', ME, await staff('station1')), 200)),
      [{ role: 'station_manager', unit: unitOf('SMQ') }]);
    const head = expectStatus(await api('GET', ME, await staff('head1')), 200);
    assert.equal(head.user.display_name, '栋长陈伯');
    assert.deepEqual(roles(head).sort((a, b) => a.unit.id - b.unit.id),
      [1, 2, 3, 4].map((n) => ({ role: 'building_head', unit: unitOf(bcode(n)) })));
  });

  test('without a token: 401 unauthorized with WWW-Authenticate: Bearer', async () => {
    expectUnauthorized(await request('GET', ME), 'unauthorized');
    for (const h of ['Basic YWRtaW46aHV6dQ==', 'Bearer', 'Bearer ', 'Token abc', 'Bearerabc']) {
      const res = await request('GET', ME, { headers: { authorization: h } });
      expectUnauthorized(res, 'unauthorized');
    }
    expectUnauthorized(await request('GET', '/api/v1/units'), 'unauthorized');
  });
});

describe('access tokens', () => {
  test('a token signed with the current key from the secrets file is accepted (the control)', async () => {
    const me = expectStatus(await api('GET', ME, forge(ids.admin)), 200);
    assert.equal(me.user.id, ids.admin);
    assert.equal(me.user.kind, 'staff');
    // iat a little in the future (clock skew) is fine.
    expectStatus(await api('GET', ME, forge(ids.cadre1, 'staff', { iat: nowSec() + 30 })), 200);
    // And it opens staff routes, like a real one.
    expectStatus(await api('GET', `/api/v1/units/${units.get('SMQ').id}`, forge(ids.admin)), 200);
  });

  test('forged, tampered, expired and malformed tokens are 401 token_invalid', async () => {
    const { kid, key } = currentKey();
    const H = { alg: 'HS256', kid, typ: 'JWT' };
    const t = nowSec();
    const good = forge(ids.cadre1);
    const [gh, gp, gs] = good.split('.');
    const payload = JSON.parse(Buffer.from(gp, 'base64url').toString());
    const repay = (over) => `${gh}.${Buffer.from(JSON.stringify({ ...payload, ...over })).toString('base64url')}.${gs}`;
    const flip = (s) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const randomKey = crypto.randomBytes(32);
    const cases = [
      ['alg none, no signature', signJwt({ alg: 'none', kid, typ: 'JWT' }, claimsFor(ids.admin), null)],
      ['alg none without kid', signJwt({ alg: 'none', typ: 'JWT' }, claimsFor(ids.admin), null)],
      ['alg None', signJwt({ alg: 'None', kid }, claimsFor(ids.admin), null)],
      ['alg NONE with a real signature', signJwt({ alg: 'NONE', kid }, claimsFor(ids.admin), key)],
      ['alg none, signature kept', `${b64(JSON.stringify({ alg: 'none', kid }))}.${gp}.${gs}`],
      ['HS256 with another key, real kid', signJwt(H, claimsFor(ids.admin), randomKey)],
      ['HS256 with an empty key', signJwt(H, claimsFor(ids.admin), Buffer.alloc(0))],
      ['tampered sub, signature kept', repay({ sub: String(ids.admin) })],
      ['tampered exp, signature kept', repay({ exp: payload.exp + 86400 })],
      ['tampered kind, signature kept', repay({ kind: 'resident' })],
      ['signature altered', `${gh}.${gp}.${flip(gs)}`],
      ['signature removed', `${gh}.${gp}.`],
      ['signature of another token', `${gh}.${gp}.${forge(ids.admin).split('.')[2]}`],
      ['two parts', `${gh}.${gp}`],
      ['four parts', `${good}.${gs}`],
      ['expired', forge(ids.admin, 'staff', { iat: t - 1000, exp: t - 10 })],
      ['expired a second ago', forge(ids.admin, 'staff', { iat: t - 900, exp: t - 1 })],
      ['exp missing', forge(ids.admin, 'staff', { exp: undefined })],
      ['exp as a string', forge(ids.admin, 'staff', { exp: String(t + 600) })],
      ['iat missing', forge(ids.admin, 'staff', { iat: undefined })],
      ['iat far in the future', forge(ids.admin, 'staff', { iat: t + 600, exp: t + 1200 })],
      ['exp before iat', forge(ids.admin, 'staff', { iat: t + 30, exp: t + 20 })],
      ['wrong aud', forge(ids.admin, 'staff', { aud: 'huzu-admin' })],
      ['aud missing', forge(ids.admin, 'staff', { aud: undefined })],
      ['wrong iss', forge(ids.admin, 'staff', { iss: 'evil' })],
      ['iss in another case', forge(ids.admin, 'staff', { iss: 'HUZU' })],
      ['iss missing', forge(ids.admin, 'staff', { iss: undefined })],
      ['unknown kid', signJwt({ ...H, kid: 'k00000000' }, claimsFor(ids.admin), key)],
      ['missing kid', signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor(ids.admin), key)],
      ['empty kid', signJwt({ ...H, kid: '' }, claimsFor(ids.admin), key)],
      ['kid as a number', signJwt({ ...H, kid: 1 }, claimsFor(ids.admin), key)],
      ['alg HS512 with the real key', signJwt({ ...H, alg: 'HS512' }, claimsFor(ids.admin), key, 'sha512')],
      ['alg HS384 with the real key', signJwt({ ...H, alg: 'HS384' }, claimsFor(ids.admin), key, 'sha384')],
      ['alg RS256, HMAC with the real key', signJwt({ ...H, alg: 'RS256' }, claimsFor(ids.admin), key)],
      ['alg ES256, HMAC with the real key', signJwt({ ...H, alg: 'ES256' }, claimsFor(ids.admin), key)],
      ['alg hs256 (lower case)', signJwt({ ...H, alg: 'hs256' }, claimsFor(ids.admin), key)],
      ['alg missing', signJwt({ kid, typ: 'JWT' }, claimsFor(ids.admin), key)],
      ['duplicate alg: HS256 then none', signJwt(`{"alg":"HS256","kid":"${kid}","typ":"JWT","alg":"none"}`, claimsFor(ids.admin), key)],
      ['duplicate alg: none then HS256', signJwt(`{"alg":"none","kid":"${kid}","typ":"JWT","alg":"HS256"}`, claimsFor(ids.admin), key)],
      ['header not JSON', `${b64('not json')}.${gp}.${gs}`],
      ['header a JSON array', signJwt('["HS256"]', claimsFor(ids.admin), key)],
      ['payload not JSON', signJwt(H, 'not json', key)],
      ['user that does not exist', forge(987654321)],
      ['sub 0', forge(0)],
      ['sub negative', forge(-1)],
      ['sub not a number', forge('admin')],
      ['sub a JSON number', signJwt(H, { ...claimsFor(ids.admin), sub: ids.admin }, key)],
      ['sub missing', forge(ids.admin, 'staff', { sub: undefined })],
      ['staff account, kind resident', forge(ids.admin, 'resident')],
      ['kind admin', forge(ids.admin, 'admin')],
      ['kind missing', forge(ids.admin, 'staff', { kind: undefined })],
      ['garbage', 'garbage'],
      ['three dots', '...'],
      ['a.b.c', 'a.b.c'],
      ['not base64url', '!!!.@@@.###'],
      ['Latin-1 text', '\u00e9t\u00e9.\u00e9t\u00e9.\u00e9t\u00e9'],
      ['longer than any token', `${gh}.${Buffer.from(JSON.stringify({ ...payload, pad: 'x'.repeat(3000) })).toString('base64url')}.${gs}`],
      ['a refresh token', remember(await staff('admin')).refresh_token],
      ['a space inside', `${good.slice(0, 20)} ${good.slice(20)}`],
    ];
    const bad = [];
    for (const [name, token] of cases) {
      const res = await request('GET', ME, { headers: { authorization: `Bearer ${token}` } });
      try {
        expectUnauthorized(res, 'token_invalid');
      } catch (e) {
        bad.push(`${name}: ${describeRes(res)}`);
      }
    }
    assert.deepEqual(bad, []);
    // The control: the same untampered token still works.
    expectStatus(await api('GET', ME, good), 200);
  });

  test('a staff route refuses a bad token before it reads the body', async () => {
    const bad = forge(ids.admin, 'staff', { aud: 'nope' });
    expectUnauthorized(await api('POST', '/api/v1/units', bad, {
      body: '{"parent_id":', headers: { 'content-type': 'application/json' },
    }));
    expectUnauthorized(await api('POST', '/api/v1/units', null, { json: { parent_id: 1, kind: 'cooperative', name: 'x' } }),
      'unauthorized');
  });

  test('a resident token is a user, not staff: /me and /stations yes, staff routes 403', async () => {
    const r = await resident();
    expectStatus(await api('GET', ME, r), 200);
    expectStatus(await api('GET', '/api/v1/stations', r), 200);
    expectError(await api('GET', '/api/v1/units', r), 403, 'forbidden');
    // A resident token re-signed as staff is refused (the kind is checked
    // against the account).
    expectUnauthorized(await api('GET', ME, forge(r.user.id, 'staff')));
  });
});

describe('key rotation (SIGHUP)', () => {
  // Replaces every worker (and waits until all of them run the new
  // generation), so every request after it sees the new secrets.
  async function reload() {
    const master = masterPid();
    const old = new Set(execdWorkers(master));
    process.kill(master, 'SIGHUP');
    await waitFor('a new generation of workers', 20_000, () => {
      const now = execdWorkers(master);
      return now.length >= 3 && now.every((p) => !old.has(p));
    }, 100);
  }

  test('a new current key signs new tokens, tokens of the old key stay valid, a removed key is refused',
    { timeout: 60_000 }, async () => {
      const original = fs.readFileSync(secretsPath, 'utf8');
      const old = currentKey();
      const before = remember(await login('cadre1'));
      assert.equal(decodeJwt(before.access_token).header.kid, old.kid);
      const newKid = `ktest${crypto.randomBytes(3).toString('hex')}`;
      const newKey = crypto.randomBytes(32);
      const byNew = () => signJwt({ alg: 'HS256', kid: newKid, typ: 'JWT' }, claimsFor(ids.cadre1), newKey);
      expectUnauthorized(await api('GET', ME, byNew()), 'token_invalid');
      try {
        fs.writeFileSync(secretsPath, original.replace(/^jwt_current\s*=.*$/m, `jwt_current = ${newKid}`) +
          `jwt_key_${newKid} = ${newKey.toString('hex')}\n`);
        assert.equal((fs.statSync(secretsPath).mode & 0o777), 0o600, 'the secrets file keeps mode 0600');
        await reload();
        // Every worker (by pid in the log) knows both keys.
        await onEveryWorker('the new key', async () => {
          const res = await api('GET', ME, byNew());
          expectStatus(res, 200, 'a token of the new key');
          return res;
        });
        await onEveryWorker('the old key', async () => {
          const res = await api('GET', ME, before);
          expectStatus(res, 200, 'a token of the old key');
          return res;
        });
        const fresh = expectTokens(await loginRaw('cadre1', DEMO_PASSWORD), 'staff');
        assert.equal(decodeJwt(fresh.access_token).header.kid, newKid, 'new logins use the new key');
        const rotated = expectTokens(await refresh(before.refresh_token), 'staff');
        assert.equal(decodeJwt(rotated.access_token).header.kid, newKid, 'a refresh issues under the new key');
      } finally {
        fs.writeFileSync(secretsPath, original);
        await reload();
      }
      // The new key is gone again, from every worker: its tokens are
      // refused, the old key's work.
      await onEveryWorker('the new key removed', async () => {
        const res = await api('GET', ME, byNew());
        expectUnauthorized(res, 'token_invalid');
        return res;
      });
      expectStatus(await api('GET', ME, forge(ids.cadre1)), 200);
      assert.equal(currentKey().kid, old.kid);
    });
});

describe('refresh tokens', () => {
  test('a refresh rotates the refresh token and gives a working access token', async () => {
    const t0 = expectTokens(await loginRaw('leader1', DEMO_PASSWORD), 'staff');
    const t1 = expectTokens(await refresh(t0.refresh_token), 'staff');
    assert.notEqual(t1.refresh_token, t0.refresh_token, 'rotated');
    assert.equal(t1.user.id, ids.leader1);
    expectStatus(await api('GET', ME, t1), 200);
    const t2 = expectTokens(await refresh(t1.refresh_token), 'staff');
    assert.notEqual(t2.refresh_token, t1.refresh_token);
  });

  test('reusing a rotated refresh token is 401 and revokes the whole family', async () => {
    const t0 = expectTokens(await loginRaw('leader1', DEMO_PASSWORD), 'staff');
    const other = expectTokens(await loginRaw('leader1', DEMO_PASSWORD), 'staff');
    const t1 = expectTokens(await refresh(t0.refresh_token), 'staff');
    const t2 = expectTokens(await refresh(t1.refresh_token), 'staff');
    ageFamily(t2.refresh_token);
    const reuse = await refresh(t1.refresh_token);
    expectUnauthorized(reuse, 'refresh_invalid');
    expectUnauthorized(await refresh(t2.refresh_token), 'refresh_invalid');
    expectUnauthorized(await refresh(t0.refresh_token), 'refresh_invalid');
    // In the database: every token of the family is revoked.
    const states = sql(`SELECT state FROM refresh_tokens WHERE family =
      (SELECT family FROM refresh_tokens WHERE token_hash = UNHEX(SHA2(${sqlStr(t2.refresh_token)}, 256)))`).map((r) => r[0]);
    assert.equal(states.length, 3);
    assert.deepEqual([...new Set(states)], ['revoked']);
    // The reuse is in the audit log, under that request.
    const rows = auditRows(reuse.headers.get('x-request-id'));
    assert.deepEqual(rows.map((r) => [r.action, r.actor]), [['session.reuse_revoked', ids.leader1]]);
    // Another session of the same user is not touched.
    expectTokens(await refresh(other.refresh_token), 'staff');
  });

  // Two tabs whose access token expired together refresh with the same
  // token: within refresh_grace (10 s) every one of them gets the same
  // successor, in the same session, and no second token is made.
  test('refreshes of one token at once all get the same successor', async () => {
    const t0 = expectTokens(await loginRaw('head1', DEMO_PASSWORD), 'staff');
    const all = await Promise.all([1, 2, 3].map(() => refresh(t0.refresh_token)));
    assert.deepEqual(all.map((r) => r.status), [200, 200, 200], all.map(describeRes).join('\n'));
    const got = all.map((r) => remember(expectTokens(r, 'staff')));
    assert.equal(new Set(got.map((t) => t.refresh_token)).size, 1, 'one successor for all');
    assert.notEqual(got[0].refresh_token, t0.refresh_token);
    const sid = decodeJwt(t0.access_token).payload.sid;
    for (const t of got) {
      assert.equal(decodeJwt(t.access_token).payload.sid, sid, 'the same session');
      expectStatus(await api('GET', ME, t), 200);
    }
    const family = (tok) => `SELECT state, successor_sealed IS NOT NULL FROM refresh_tokens WHERE family =
      (SELECT family FROM refresh_tokens WHERE token_hash = UNHEX(SHA2(${sqlStr(tok)}, 256))) ORDER BY id`;
    // The successor is kept sealed, never in the clear.
    assert.deepEqual(sql(family(t0.refresh_token)), [['used', '1'], ['active', '0']]);
    assert.equal(sql(`SELECT COUNT(*) FROM refresh_tokens WHERE INSTR(successor_sealed, ${sqlStr(got[0].refresh_token)}) > 0`)[0][0], '0');

    // Spending the successor forgets the kept copy; the old token is
    // then reuse, and the family ends.
    const t2 = remember(expectTokens(await refresh(got[0].refresh_token), 'staff'));
    assert.deepEqual(sql(family(t0.refresh_token)), [['used', '0'], ['used', '1'], ['active', '0']]);
    const reuse = await refresh(t0.refresh_token);
    expectUnauthorized(reuse, 'refresh_invalid');
    assert.deepEqual(auditRows(reuse.headers.get('x-request-id')).map((r) => [r.action, r.actor]),
      [['session.reuse_revoked', ids.head1]]);
    expectUnauthorized(await refresh(t2.refresh_token), 'refresh_invalid');
  });

  test('a replay after the grace is reuse: 401, and the family is dead', async () => {
    const t0 = expectTokens(await loginRaw('head1', DEMO_PASSWORD), 'staff');
    const t1 = remember(expectTokens(await refresh(t0.refresh_token), 'staff'));
    ageFamily(t1.refresh_token);
    const reuse = await refresh(t0.refresh_token);
    expectUnauthorized(reuse, 'refresh_invalid');
    assert.deepEqual(auditRows(reuse.headers.get('x-request-id')).map((r) => [r.action, r.actor]),
      [['session.reuse_revoked', ids.head1]]);
    expectUnauthorized(await refresh(t1.refresh_token), 'refresh_invalid');
    expectUnauthorized(await refresh(t0.refresh_token), 'refresh_invalid');
    expectUnauthorized(await api('GET', ME, t1), 'token_invalid');
    const states = sql(`SELECT state FROM refresh_tokens WHERE family =
      (SELECT family FROM refresh_tokens WHERE token_hash = UNHEX(SHA2(${sqlStr(t1.refresh_token)}, 256)))`).map((r) => r[0]);
    assert.deepEqual(states, ['revoked', 'revoked']);
  });

  test('logout ends the session: 204, then the token no longer refreshes', async () => {
    const t0 = expectTokens(await loginRaw('station1', DEMO_PASSWORD), 'staff');
    const res = await logout(t0.refresh_token);
    assert.equal(res.status, 204, describeRes(res));
    assert.equal(res.buf.length, 0);
    expectSecurityHeaders(res, 'logout');
    assert.deepEqual(auditRows(res.headers.get('x-request-id')).map((r) => [r.action, r.actor]),
      [['session.logout', ids.station1]]);
    expectUnauthorized(await refresh(t0.refresh_token), 'refresh_invalid');
    // Logging out twice, or with a token nobody issued, is still 204.
    assert.equal((await logout(t0.refresh_token)).status, 204);
    assert.equal((await logout(crypto.randomBytes(32).toString('base64url'))).status, 204);
  });

  test('logout with an older token of the session ends the newest too', async () => {
    const t0 = expectTokens(await loginRaw('station1', DEMO_PASSWORD), 'staff');
    const t1 = expectTokens(await refresh(t0.refresh_token), 'staff');
    assert.equal((await logout(t0.refresh_token)).status, 204);
    expectUnauthorized(await refresh(t1.refresh_token), 'refresh_invalid');
  });

  test('an expired refresh token is refused', async () => {
    const t = expectTokens(await loginRaw('cadre1', DEMO_PASSWORD), 'staff');
    sql(`UPDATE refresh_tokens SET expires_at = NOW(3) - INTERVAL 1 SECOND
      WHERE token_hash = UNHEX(SHA2(${sqlStr(t.refresh_token)}, 256))`);
    expectUnauthorized(await refresh(t.refresh_token), 'refresh_invalid');
  });

  test('refresh and logout bodies: 422 for a bad shape, 401 for a token nobody issued', async () => {
    for (const p of [REFRESH, LOGOUT]) {
      expectInvalid(await authPost(p, {}), ['refresh_token']);
      expectInvalid(await authPost(p, { refresh_token: 42 }), ['refresh_token']);
      expectInvalid(await authPost(p, { refresh_token: '' }), ['refresh_token']);
      expectInvalid(await authPost(p, { refresh_token: 'x'.repeat(129) }), ['refresh_token']);
    }
    for (const t of ['abc', crypto.randomBytes(32).toString('base64url'), 'x'.repeat(128), "' OR '1'='1",
      `${'A'.repeat(42)}'`]) {
      expectUnauthorized(await refresh(t), 'refresh_invalid');
    }
  });

  test('a resident refresh stays a resident session', async () => {
    const r = await resident();
    const t = expectTokens(await refresh(r.refresh_token), 'resident');
    assert.equal(t.user.id, r.user.id);
    const me = expectStatus(await api('GET', ME, t), 200);
    assert.equal(me.user.kind, 'resident');
  });
});

describe('phone code login', () => {
  test('a code logs a new resident in; the same phone later is the same user', async () => {
    const p = phone();
    const send = await authPost(CODE, { phone: p });
    expectStatus(send, 202);
    expectJsonType(send);
    assert.deepEqual(send.json, { expires_in: 300, resend_after: 60 });
    const line = await waitFor('the SMS line', 5000, () =>
      fs.readFileSync(smsLogPath, 'utf8').split('\n').find((l) => l.split(' ')[1] === p));
    assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \d{11} (\d{6}) 【户组】验证码 \1，5分钟内有效。$/);
    const code = line.split(' ')[2];
    seen.codes.add(code);
    const verify = await verifyCode(p, code);
    const t = expectTokens(verify, 'resident');
    const rows = auditRows(verify.headers.get('x-request-id'));
    assert.deepEqual(rows.map((r) => [r.action, r.actor, r.target]),
      [['user.register', t.user.id, t.user.id], ['login.code', t.user.id, t.user.id]]);
    const me = expectStatus(await api('GET', ME, t), 200);
    assert.deepEqual(me, {
      user: { id: t.user.id, kind: 'resident', display_name: `住户${p.slice(7)}`, username: null, phone: masked(p) },
      roles: [],
    });
    // Later (the 60 s between codes moved back in the database): same user.
    ageLatestCode();
    const again = await verifyCode(p, await codeFor(p));
    const t2 = expectTokens(again, 'resident');
    assert.equal(t2.user.id, t.user.id, 'one resident per phone');
    assert.deepEqual(auditRows(again.headers.get('x-request-id')).map((r) => r.action), ['login.code']);
  });

  test('a second code within 60 s is 429 code_too_frequent; other phones are not held up', async () => {
    const p = phone();
    await codeFor(p);
    const res = await authPost(CODE, { phone: p });
    expectError(res, 429, 'code_too_frequent');
    assert.equal(res.headers.get('retry-after'), '60');
    assert.equal(smsCodes(p).length, 1, 'no second SMS');
    await codeFor(phone());
  });

  test('six requests for one phone at once send one code', async () => {
    const p = phone();
    const all = await Promise.all([1, 2, 3, 4, 5, 6].map(() => authPost(CODE, { phone: p })));
    const statuses = all.map((r) => r.status).sort();
    assert.deepEqual(statuses, [202, 429, 429, 429, 429, 429], all.map(describeRes).join('\n'));
    for (const r of all) if (r.status === 429) expectError(r, 429, 'code_too_frequent');
    await waitFor('the SMS', 3000, () => smsCodes(p).length === 1);
    assert.equal(smsCodes(p).length, 1);
  });

  test('only the newest code counts, and a code works once', async () => {
    const p = phone();
    const c1 = await codeFor(p);
    // Codes are random: ask again until the new one differs (one in a
    // million does not), so that the old one is really tried.
    let c2 = c1;
    for (let i = 0; c2 === c1; i++) {
      assert.ok(i < 5, 'five codes in a row equal to the first');
      ageLatestCode();
      c2 = await codeFor(p);
    }
    expectError(await verifyCode(p, c1), 401, 'code_invalid');
    expectTokens(await verifyCode(p, c2), 'resident');
    expectError(await verifyCode(p, c2), 401, 'code_invalid');
  });

  test('five verifications at once with the right code: one login', async () => {
    const p = phone();
    const c = await codeFor(p);
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => verifyCode(p, c)));
    assert.equal(all.filter((r) => r.status === 200).length, 1, all.map((r) => r.status).join(' '));
    for (const r of all) {
      if (r.status === 200) remember(r.json);
      else expectError(r, 401, 'code_invalid');
    }
  });

  test('five wrong codes, then even the right one is 429 code_locked; a new code unlocks', async () => {
    const p = phone();
    const c = await codeFor(p);
    const wrong = String((Number(c) + 1) % 1000000).padStart(6, '0');
    for (let i = 0; i < 5; i++) {
      const res = await verifyCode(p, wrong);
      expectError(res, 401, 'code_invalid');
      if (i === 0) {
        assert.deepEqual(auditRows(res.headers.get('x-request-id')).map((r) => [r.action, r.actor]),
          [['login.code.failed', null]]);
      }
    }
    expectError(await verifyCode(p, c), 429, 'code_locked');
    expectError(await verifyCode(p, wrong), 429, 'code_locked');
    ageLatestCode();
    const c2 = await codeFor(p);
    expectTokens(await verifyCode(p, c2), 'resident');
  });

  test('eight wrong codes at once: exactly five count, the rest are locked out', async () => {
    const p = phone();
    const c = await codeFor(p);
    const wrong = String((Number(c) + 7) % 1000000).padStart(6, '0');
    const all = await Promise.all(Array.from({ length: 8 }, () => verifyCode(p, wrong)));
    const got = all.map((r) => `${r.status} ${r.json?.error?.code}`).sort();
    assert.deepEqual(got, [...Array(5).fill('401 code_invalid'), ...Array(3).fill('429 code_locked')]);
    expectError(await verifyCode(p, c), 429, 'code_locked');
  });

  test('an expired code is refused; so is a code for a phone that was sent none', async () => {
    const p = phone();
    const c = await codeFor(p);
    sql('UPDATE login_codes SET expires_at = NOW(3) - INTERVAL 1 SECOND ORDER BY id DESC LIMIT 1');
    expectError(await verifyCode(p, c), 401, 'code_invalid');
    expectError(await verifyCode(phone(), '123456'), 401, 'code_invalid');
  });

  test('phone numbers that are not 1[3-9] + 9 digits are 422 fields.phone, and get no SMS', async () => {
    const before = fs.existsSync(smsLogPath) ? fs.readFileSync(smsLogPath, 'utf8').length : 0;
    const bad = [
      '12345678901', '10012345678', '1380013800', '138001380000', '+8613800138000', '138-0013-8000',
      '138 0013 800', '１３８００１３８０００', ' 13800138000', '13800138000 ', '2380013800a', "1380013800'",
      "' OR 1=1 --", '13800138000\u200b', '', '1'.repeat(33), '😀'.repeat(11),
    ];
    for (const p of bad) {
      expectInvalid(await authPost(CODE, { phone: p }), ['phone']);
      expectInvalid(await verifyCode(p, '123456'), ['phone']);
    }
    expectInvalid(await authPost(CODE, { phone: 13800138000 }), ['phone']);
    expectInvalid(await authPost(CODE, {}), ['phone']);
    const after = fs.existsSync(smsLogPath) ? fs.readFileSync(smsLogPath, 'utf8').length : 0;
    assert.equal(after, before, 'no SMS for a bad number');
  });

  test('codes that are not six digits are 422 fields.code', async () => {
    const p = phone();
    for (const c of ['12345', '1234567', 'abcdef', '12345a', '１２３４５６', ' 12345', '12345 ', '12 456',
      "1' OR", '-12345', '12345.', '']) {
      expectInvalid(await verifyCode(p, c), ['code']);
    }
    expectInvalid(await verifyCode(p, '1'.repeat(17)), ['code']);
    expectInvalid(await verifyCode(p, 123456), ['code']);
    expectInvalid(await authPost('/api/v1/auth/code/verify', { phone: p }), ['code']);
  });

  test('the per-address hourly limit answers 429 code_too_frequent', async () => {
    // Our address's code requests this hour, topped up to code_ip_hourly
    // (1000) with marked rows that are removed again afterwards.
    const p = phone();
    await codeFor(p);
    const [[ip]] = sql('SELECT ip FROM login_codes ORDER BY id DESC LIMIT 1');
    const marker = "UNHEX(REPEAT('EE', 32))";
    try {
      sql(`INSERT INTO login_codes (phone_index, code_hash, ip, expires_at)
        SELECT ${marker}, ${marker}, ${sqlStr(ip)}, NOW(3) + INTERVAL 300 SECOND FROM seq_1_to_1000`);
      const q = phone();
      const res = await authPost(CODE, { phone: q });
      expectError(res, 429, 'code_too_frequent');
      assert.equal(smsCodes(q).length, 0);
    } finally {
      sql(`DELETE FROM login_codes WHERE phone_index = ${marker}`);
    }
    await codeFor(phone());
  });

  test("a code for a staff member's phone never opens a staff session", async () => {
    const admin = await staff('admin');
    const p = phone();
    const created = await api('POST', '/api/v1/users', admin, {
      json: { username: `idphone${crypto.randomBytes(3).toString('hex')}`, display_name: '有手机的干部', password: 'staff-pass-123', phone: p },
    });
    const staffId = expectStatus(created, 201, 'create staff with a phone').id;
    // The number belongs to a staff account: a code opens no session at
    // all, neither the staff one nor a new resident's.
    const users = nextAutoIncrement('users');
    const v = await verifyCode(p, await codeFor(p));
    expectError(v, 403, 'login_refused');
    assert.equal(nextAutoIncrement('users'), users, 'no resident created for the number');
    const [[sessions]] = sql(`SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ${Number(staffId)}`);
    assert.equal(sessions, '0', 'no session for the staff account');
  });
});

describe('WeChat login', () => {
  test('nothing listening at jscode2session: 502 wechat_unavailable, at once', async () => {
    const res = await authPost(WECHAT, { code: 'ok-nobody-listens' });
    expectError(res, 502, 'wechat_unavailable');
    assert.ok(res.ms < 5000, `answered in ${Math.round(res.ms)} ms`);
  });

  describe('with a fake WeChat', () => {
    let wx;
    // Answers for an `ok-race-` code are held until `raceWidth` requests
    // for it have come in (or a second has passed, well inside huzu's
    // wechat_timeout), then given all at once: the workers that asked then
    // look the openid up and insert it at the same moment.
    let raceWidth = 1;
    const held = new Map();
    const hold = (code, answer, later) => {
      let h = held.get(code);
      if (!h) {
        h = { answers: [], done: false };
        held.set(code, h);
      }
      const release = () => {
        if (h.done) return;
        h.done = true;
        for (const a of h.answers) a();
      };
      h.answers.push(answer);
      if (h.answers.length >= raceWidth) release();
      else if (h.answers.length === 1) later(1000, release);
    };
    before(async () => {
      wx = await startFakeWechat((q, req, res, later) => {
        const json = (status, body) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(typeof body === 'string' ? body : JSON.stringify(body));
        };
        const code = q.js_code || '';
        if (code.startsWith('ok-race-')) {
          hold(code, () => json(200, { openid: `o${code.slice(3)}`, session_key: 'c2Vzc2lvbi1rZXk=' }), later);
        } else if (code.startsWith('ok-')) json(200, { openid: `o${code.slice(3)}`, session_key: 'c2Vzc2lvbi1rZXk=' });
        else if (code === 'bad') json(200, { errcode: 40029, errmsg: 'invalid code' });
        else if (code === 'used') json(200, { errcode: 40163, errmsg: 'code been used' });
        else if (code === 'busy') json(200, { errcode: -1, errmsg: 'system error' });
        else if (code === 'e500') json(500, 'Internal Server Error');
        else if (code === 'e404') json(404, { errcode: 0 });
        else if (code === 'garbage') json(200, '<html>not json</html>');
        else if (code === 'empty') json(200, '');
        else if (code === 'noopenid') json(200, { session_key: 'x' });
        else if (code === 'shortid') json(200, { openid: 'abc', session_key: 'x' });
        else if (code === 'numid') json(200, { openid: 12345678901, session_key: 'x' });
        else if (code === 'huge') json(200, { openid: 'o-huge-openid', pad: 'x'.repeat(100_000) });
        else if (code === 'slow') later(5000, () => json(200, { openid: 'o-too-late', session_key: 'x' }));
        else json(200, { errcode: 40029, errmsg: 'unknown test code' });
      });
    });
    after(async () => {
      await wx.close();
    });

    test('a code logs a resident in; the same openid is the same user, another is another', async () => {
      const openid = `test-${crypto.randomBytes(6).toString('hex')}`;
      const first = await authPost(WECHAT, { code: `ok-${openid}` });
      const a = expectTokens(first, 'resident');
      const call = wx.seen.at(-1);
      assert.equal(call.method, 'GET');
      assert.equal(call.path, '/sns/jscode2session');
      assert.deepEqual(call.query, {
        appid: 'wx-huzu-test', secret: 'test-secret', js_code: `ok-${openid}`, grant_type: 'authorization_code',
      });
      const rows = auditRows(first.headers.get('x-request-id'));
      assert.deepEqual(rows.map((r) => [r.action, r.actor]), [['user.register', a.user.id], ['login.wechat', a.user.id]]);
      const b = expectTokens(await authPost(WECHAT, { code: `ok-${openid}` }), 'resident');
      assert.equal(b.user.id, a.user.id);
      const c = expectTokens(await authPost(WECHAT, { code: `ok-${openid}x` }), 'resident');
      assert.notEqual(c.user.id, a.user.id);
      const me = expectStatus(await api('GET', ME, a), 200);
      assert.deepEqual(me, {
        user: { id: a.user.id, kind: 'resident', display_name: '微信用户', username: null, phone: null }, roles: [],
      });
      // The openid is not stored in the clear.
      const [[n]] = sql(`SELECT COUNT(*) FROM users WHERE INSTR(wechat_index, ${sqlStr(`o${openid}`)}) > 0
        OR INSTR(display_name, ${sqlStr(openid)}) > 0`);
      assert.equal(n, '0');
    });

    test('first logins with one new openid at once: one resident, the insert race met', async (t) => {
      // One login per worker, released together, WeChat answering them at
      // the same moment: all but one insert meet the unique key and must
      // find the winner's row (core/users.c). A used-up AUTO_INCREMENT
      // value shows a round got there; rounds go on, bounded, until one has.
      const workers = execdWorkers(masterPid()).length;
      assert.ok(workers >= 2, `${workers} workers`);
      raceWidth = workers;
      let contested = 0;
      let rounds = 0;
      try {
        for (; rounds < 20 && contested === 0; rounds++) {
          const code = `ok-race-${crypto.randomBytes(6).toString('hex')}`;
          const before = nextAutoIncrement('users');
          const all = await burst(workers, 'POST', WECHAT, { json: { code } });
          if (all.some((r) => r.status === 429 && r.json?.error?.code === 'rate_limited')) {
            await sleep(1000); // nginx's limit on /auth/, not the app: again
            continue;
          }
          const ids = all.map((r) => expectTokens(r, 'resident').user.id);
          assert.equal(new Set(ids).size, 1, `one user: ${ids}`);
          const [[n]] = sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'user.register' AND target_id = ${ids[0]}`);
          assert.equal(n, '1', 'registered once');
          const [[rows]] = sql(`SELECT COUNT(*) FROM users WHERE id >= ${before}`);
          assert.equal(rows, '1', 'one row');
          if (nextAutoIncrement('users') - before > 1) contested++;
        }
      } finally {
        raceWidth = 1;
      }
      t.diagnostic(`inserts met in round ${rounds}`);
      assert.equal(contested, 1, 'no round had two inserts meet');
    });

    test('a disabled account is locked out at once, whatever the way in', async () => {
      // There is no API to disable an account yet: the flag is set in the
      // database, as an operator would.
      const disable = (uid, on) => sql(`UPDATE users SET disabled = ${on ? 1 : 0} WHERE id = ${uid}`);
      const admin = await staff('admin');
      const username = `off${crypto.randomBytes(4).toString('hex')}`;
      const s = expectStatus(await api('POST', '/api/v1/users', admin, {
        json: { username, display_name: '停用的干部', password: 'disabled-2026' },
      }), 201);
      const st = expectTokens(await loginRaw(username, 'disabled-2026'), 'staff');
      const p = phone();
      const rt = await residentLogin(p);
      remember(rt);
      const openid = `off-${crypto.randomBytes(6).toString('hex')}`;
      const wt = expectTokens(await authPost(WECHAT, { code: `ok-${openid}` }), 'resident');
      for (const uid of [s.id, rt.user.id, wt.user.id]) disable(uid, true);
      try {
        for (const t of [st, rt, wt]) {
          expectUnauthorized(await api('GET', ME, t), 'token_invalid');
          expectUnauthorized(await refresh(t.refresh_token), 'refresh_invalid');
        }
        expectError(await loginRaw(username, 'disabled-2026'), 401, 'login_failed');
        const users = expectStatus(await api('GET', `/api/v1/users/${s.id}`, admin), 200);
        assert.equal(users.disabled, true);
        // A new code or WeChat login must not hand out tokens either.
        ageLatestCode();
        expectError(await verifyCode(p, await codeFor(p)), 403, 'login_refused');
        expectError(await authPost(WECHAT, { code: `ok-${openid}` }), 403, 'login_refused');
      } finally {
        for (const uid of [s.id, rt.user.id, wt.user.id]) disable(uid, false);
      }
      expectTokens(await loginRaw(username, 'disabled-2026'), 'staff');
    });

    test('WeChat refusing the code is 401 wechat_code_invalid', async () => {
      for (const code of ['bad', 'used']) {
        expectError(await authPost(WECHAT, { code }), 401, 'wechat_code_invalid');
      }
    });

    test('WeChat failing or answering nonsense is 502 wechat_unavailable', async () => {
      const bad = [];
      for (const code of ['busy', 'e500', 'e404', 'garbage', 'empty', 'noopenid', 'shortid', 'numid', 'huge']) {
        const res = await authPost(WECHAT, { code });
        if (res.status !== 502 || res.json?.error?.code !== 'wechat_unavailable') bad.push(`${code}: ${describeRes(res)}`);
        else expectError(res, 502, 'wechat_unavailable');
      }
      assert.deepEqual(bad, []);
    });

    test('WeChat too slow: 502 after the 2 s timeout, not a hang', { timeout: 20_000 }, async () => {
      const res = await authPost(WECHAT, { code: 'slow' });
      expectError(res, 502, 'wechat_unavailable');
      assert.ok(res.ms >= 1500 && res.ms < 6000, `answered after ${Math.round(res.ms)} ms`);
    });

    test('a code that cannot be a WeChat code never reaches WeChat', async () => {
      const calls = wx.seen.length;
      for (const code of ['a b', 'x&secret=stolen', '../../sns', 'ok-中文', 'ok-a%20b', 'ok?x=1', "ok-'--", 'ok-\u00e9']) {
        expectError(await authPost(WECHAT, { code }), 401, 'wechat_code_invalid');
      }
      assert.equal(wx.seen.length, calls, 'no call to WeChat for those');
      expectInvalid(await authPost(WECHAT, { code: '' }), ['code']);
      expectInvalid(await authPost(WECHAT, { code: 'a'.repeat(129) }), ['code']);
      expectInvalid(await authPost(WECHAT, { code: 42 }), ['code']);
      expectInvalid(await authPost(WECHAT, {}), ['code']);
    });
  });
});

describe('what is stored and logged', () => {
  test('the audit log has staff logins and failures, with actor and request id', async () => {
    const ok = await loginRaw('admin', DEMO_PASSWORD);
    remember(expectTokens(ok, 'staff'));
    assert.deepEqual(auditRows(ok.headers.get('x-request-id')),
      [{ actor: ids.admin, action: 'login.staff', type: 'user', target: ids.admin, detail: null }]);
    const wrong = await loginRaw('admin', 'not-the-password');
    expectError(wrong, 401, 'login_failed');
    assert.deepEqual(auditRows(wrong.headers.get('x-request-id')),
      [{ actor: ids.admin, action: 'login.staff.failed', type: 'user', target: ids.admin, detail: { ip: '127.0.0.1' } }]);
    const unknown = await loginRaw('no-such-user', 'whatever-it-is');
    expectError(unknown, 401, 'login_failed');
    assert.deepEqual(auditRows(unknown.headers.get('x-request-id')),
      [{ actor: null, action: 'login.staff.failed', type: 'user', target: null, detail: { ip: '127.0.0.1' } }]);
    // Every login row of the run carries a request id.
    const [[missing]] = sql("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'login.%' AND (request_id IS NULL OR request_id = '')");
    assert.equal(missing, '0');
    for (const action of ['login.staff', 'login.staff.failed', 'login.code', 'login.code.failed']) {
      const [[n]] = sql(`SELECT COUNT(*) FROM audit_log WHERE action = ${sqlStr(action)}`);
      assert.ok(Number(n) > 0, `audit rows for ${action}`);
    }
  });

  test('phones are sealed: users, login codes and the audit log hold no clear number', async () => {
    assert.ok(seen.phones.size >= 10, `phones used: ${seen.phones.size}`);
    const [[sealed]] = sql('SELECT COUNT(*) FROM users WHERE phone_sealed IS NOT NULL');
    assert.ok(Number(sealed) >= 5, 'residents with a sealed phone');
    const bad = [];
    for (const p of seen.phones) {
      const s = sqlStr(p);
      const [[u, c, a]] = sql(`SELECT
        (SELECT COUNT(*) FROM users WHERE INSTR(phone_sealed, ${s}) > 0 OR INSTR(phone_index, ${s}) > 0
           OR INSTR(display_name, ${s}) > 0 OR INSTR(IFNULL(username, ''), ${s}) > 0),
        (SELECT COUNT(*) FROM login_codes WHERE INSTR(phone_index, ${s}) > 0 OR INSTR(ip, ${s}) > 0),
        (SELECT COUNT(*) FROM audit_log WHERE INSTR(IFNULL(detail, ''), ${s}) > 0)`);
      if (u !== '0' || c !== '0' || a !== '0') bad.push(`${p}: users ${u}, login_codes ${c}, audit_log ${a}`);
    }
    assert.deepEqual(bad, []);
    // Not even the last 8 digits, in text or in hex.
    const some = [...seen.phones][0];
    const [[hex]] = sql(`SELECT COUNT(*) FROM users WHERE INSTR(HEX(phone_sealed), HEX(${sqlStr(some.slice(3))})) > 0`);
    assert.equal(hex, '0');
    // No code in the clear either.
    for (const c of seen.codes) {
      const [[n]] = sql(`SELECT COUNT(*) FROM login_codes WHERE INSTR(code_hash, ${sqlStr(c)}) > 0`);
      assert.equal(n, '0', `code ${c} stored in the clear`);
    }
  });

  test('the log file holds no phone, code, password or token', async () => {
    const log = readLog(logPath);
    assert.ok(log.length > 0);
    const leaks = [];
    // A number on its own, not a run of digits inside a hex request id
    // or a longer number, which a random phone's last 8 digits can be.
    const alone = (d) => new RegExp(`(?<![0-9A-Za-z])${d}(?![0-9A-Za-z])`).test(log);
    for (const p of seen.phones) if (alone(p) || alone(p.slice(3))) leaks.push(`phone ${p}`);
    for (const t of seen.tokens) {
      if (log.includes(t)) leaks.push(`token ${t.slice(0, 12)}…`);
      const sig = t.split('.')[2];
      if (sig && log.includes(sig)) leaks.push(`token signature ${sig.slice(0, 12)}…`);
    }
    for (const c of seen.codes) if (new RegExp(`(?<![=\\w])${c}(?!\\w)`).test(log)) leaks.push(`code ${c}`);
    for (const s of [DEMO_PASSWORD, 'staff-pass-123', 'test-secret', readSecretsValue('pii_key'), currentKey().key.toString('hex')]) {
      if (s && log.includes(s)) leaks.push(`secret ${s.slice(0, 6)}…`);
    }
    assert.ok(seen.tokens.size > 20 && seen.codes.size > 5, 'the check looked at something');
    assert.deepEqual(leaks, []);
  });
});

// Last: it leaves nginx's login bucket full for a moment.
describe('rate limits', () => {
  test('hammering /api/v1/auth/login: nginx answers 429 rate_limited with the envelope', { timeout: 60_000 }, async () => {
    // A name each, nobody's: the app's own per-name password guard keeps
    // out of the way, so every 429 here is nginx's.
    const all = await Promise.all(Array.from({ length: 250 }, (_, i) =>
      request('POST', LOGIN, { json: { username: `nobody-hammering-${i}`, password: 'guessing-1234' }, timeout: 45_000 })));
    const counts = {};
    for (const r of all) counts[r.status] = (counts[r.status] || 0) + 1;
    assert.ok(counts[429] >= 50, `many 429: ${JSON.stringify(counts)}`);
    assert.ok(counts[401] >= 1, `some attempts still reach the app: ${JSON.stringify(counts)}`);
    assert.deepEqual(Object.keys(counts).sort(), ['401', '429'], `only 401 and 429: ${JSON.stringify(counts)}`);
    for (const r of all) {
      if (r.status === 429) {
        expectError(r, 429, 'rate_limited');
        assert.equal(r.headers.get('cache-control'), 'no-store');
      } else {
        expectError(r, 401, 'login_failed');
      }
    }
    // Other routes are not limited by it, and the bucket drains.
    expectStatus(await api('GET', ME, await staff('admin')), 200);
    await waitFor('the login limit to let requests through again', 15_000, async () =>
      (await request('POST', LOGIN, { json: {} })).status === 422, 200);
    expectTokens(await loginRaw('admin', DEMO_PASSWORD), 'staff');
  });
});

function b64(s) {
  return Buffer.from(s, 'utf8').toString('base64url');
}

function readSecretsValue(name) {
  const m = new RegExp(`^${name}\\s*=\\s*(\\S+)`, 'm').exec(fs.readFileSync(secretsPath, 'utf8'));
  return m ? m[1] : '';
}
