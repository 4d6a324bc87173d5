// What a hostile review found (issue 8), each through nginx: access tokens
// end with their session, the Bearer scheme in any case, password guessing
// slowed per account and address, filters a caller may not use refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  api, authPost, expectError, expectInvalid, expectStatus, login, loginRaw, request,
  residentLogin, sleep, staff,
} from './lib.mjs';
import { decodeJwt, forge, sql } from './identity-lib.mjs';

const ME = '/api/v1/me';

describe('an access token ends with its session', () => {
  test('after logout the access token is refused on the next request', async () => {
    const t = await login('cadre1');
    expectStatus(await api('GET', ME, t), 200);
    expectStatus(await authPost('/api/v1/auth/logout', { refresh_token: t.refresh_token }), 204);
    expectError(await api('GET', ME, t), 401, 'token_invalid');
  });

  test('a reused refresh token ends the access tokens of the whole family', async () => {
    const r = await residentLogin();
    const next = await authPost('/api/v1/auth/refresh', { refresh_token: r.refresh_token });
    expectStatus(next, 200);
    assert.equal(decodeJwt(next.json.access_token).payload.sid, decodeJwt(r.access_token).payload.sid,
      'a refresh stays in its session');
    expectStatus(await api('GET', ME, next.json), 200);
    // The rotated token again, past the refresh grace: theft. Both
    // holders are logged out at once.
    sql(`UPDATE refresh_tokens SET used_at = used_at - INTERVAL 11 SECOND WHERE user_id = ${Number(r.user.id)} AND used_at IS NOT NULL`);
    expectError(await authPost('/api/v1/auth/refresh', { refresh_token: r.refresh_token }), 401, 'refresh_invalid');
    expectError(await api('GET', ME, next.json), 401, 'token_invalid');
    expectError(await api('GET', ME, r), 401, 'token_invalid');
  });

  test('other sessions of the same user go on', async () => {
    const a = await login('leader1');
    const b = await login('leader1');
    expectStatus(await authPost('/api/v1/auth/logout', { refresh_token: a.refresh_token }), 204);
    expectError(await api('GET', ME, a), 401, 'token_invalid');
    expectStatus(await api('GET', ME, b), 200);
  });

  test('a token naming no session, or another user\'s, is refused', async () => {
    const [[admin]] = sql("SELECT id FROM users WHERE username = 'admin'");
    const r = await residentLogin();
    const theirs = decodeJwt(r.access_token).payload.sid;
    expectError(await api('GET', ME, forge(admin, 'staff', { sid: undefined })), 401, 'token_invalid');
    expectError(await api('GET', ME, forge(admin, 'staff', { sid: theirs })), 401, 'token_invalid');
    expectError(await api('GET', ME, forge(admin, 'staff', { sid: '0' })), 401, 'token_invalid');
    expectStatus(await api('GET', ME, forge(admin)), 200);
  });
});

describe('the Bearer scheme is case-insensitive (RFC 9110 §11.1)', () => {
  test('bearer, BEARER and Bearer all work; other schemes do not', async () => {
    const t = (await staff('head1')).access_token;
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expectStatus(await request('GET', ME, { headers: { authorization: `${scheme} ${t}` } }), 200, scheme);
    }
    // Several spaces after the scheme are one separator.
    expectStatus(await request('GET', ME, { headers: { authorization: `Bearer   ${t}` } }), 200, 'three spaces');
    for (const scheme of ['Basic', 'Token', 'Bearer:']) {
      expectError(await request('GET', ME, { headers: { authorization: `${scheme} ${t}` } }), 401, 'unauthorized');
    }
  });
});

describe('staff password guessing', () => {
  test('from one address: wrong passwords, then a wait that grows; the right password after the wait', async () => {
    const admin = await staff('admin');
    const username = `guard${process.pid}${Date.now() % 100000}`;
    const password = 'a long enough password';
    expectStatus(await api('POST', '/api/v1/users', admin, {
      json: { username, display_name: '门卫', password },
    }), 201);
    // login_delay_after wrong passwords (5 by default) are plain failures.
    for (let i = 0; i < 5; i++) expectError(await loginRaw(username, 'guess'), 401, 'login_failed');
    // Then the address waits, right password or not, and is told how long.
    for (const pw of ['guess', password]) {
      const res = await loginRaw(username, pw);
      expectError(res, 429, 'login_throttled');
      assert.ok(res.json.error.fields.password, 'the message sits at the password field');
      assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After says how long');
    }
    const [[refused]] = sql(`SELECT COUNT(*) FROM audit_log a JOIN users u ON u.id = a.target_id
      WHERE u.username = '${username}' AND a.action = 'login.staff.refused'`);
    assert.equal(Number(refused), 2, 'every refused try is audited');
    // Waited out, the real user gets in.
    await sleep(1100);
    expectStatus(await loginRaw(username, password), 200);
  });
});

describe('unknown body keys are echoed only when harmless', () => {
  test('a key with bidi controls, or a very long one, is reported under _body', async () => {
    for (const key of ['\u202eevil', 'k'.repeat(5000), 'tab\there']) {
      const res = await request('POST', '/api/v1/client-errors', { json: { message: 'x', [key]: 1 } });
      expectInvalid(res, ['_body']);
    }
    expectInvalid(await request('POST', '/api/v1/client-errors', { json: { message: 'x', extra: 1 } }), ['extra']);
  });
});

describe('filters a caller may not use are refused, not ignored', () => {
  test('a resident filtering tenancies by building or unit gets 422', async () => {
    const r = await residentLogin();
    expectInvalid(await api('GET', '/api/v1/tenancies?building=28', r), ['building']);
    expectInvalid(await api('GET', '/api/v1/tenancies?unit=1', r), ['unit']);
    expectStatus(await api('GET', '/api/v1/tenancies', r), 200);
  });

  test('units?parent= outside the caller\'s scope or missing is 404, like within=', async () => {
    const head = await staff('head1');
    const [[village]] = sql('SELECT id FROM units WHERE parent_id IS NULL');
    expectError(await api('GET', `/api/v1/units?parent=${village}`, head), 404, 'not_found');
    expectError(await api('GET', '/api/v1/units?parent=999999999', head), 404, 'not_found');
    expectError(await api('GET', `/api/v1/units?within=${village}`, head), 404, 'not_found');
    const admin = await staff('admin');
    expectStatus(await api('GET', `/api/v1/units?parent=${village}`, admin), 200);
  });
});
