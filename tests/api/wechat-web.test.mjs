// Inside WeChat's browser, through nginx against a fake WeChat: the
// official account's web authorisation (an openid bound to a phone by one
// code the first time, signed in without typing after), every way it must
// fail, and the JS-SDK signature with its token and ticket fetched once
// for all workers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import {
  api, authPost, base, burst, expectError, expectInvalid, expectStatus, freshPhone, readLog, request,
  residentLogin, sendCode,
} from './lib.mjs';
import {
  OA_APPID, OA_SECRET, auditRows, fakeOfficialAccount, sql, sqlStr, startFakeWechat,
} from './identity-lib.mjs';

const INFO = '/api/v1/auth/wechat-web';
const VERIFY = '/api/v1/auth/code/verify';
const JSSDK = '/api/v1/wechat/jssdk';

const openid = () => `oWeb${crypto.randomBytes(8).toString('hex')}`;
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex');
const jssdk = (url) => request('GET', `${JSSDK}?url=${encodeURIComponent(url)}`);

function expectTokens(res, what) {
  expectStatus(res, 200, what);
  assert.equal(typeof res.json.access_token, 'string', what);
  assert.equal(res.json.user.kind, 'resident', what);
  return res.json;
}

// A bind token for a new openid: WeChat knows it, nobody has bound it.
async function bindFor(id = openid()) {
  const res = await authPost(INFO, { code: `ok-${id}` });
  expectStatus(res, 200, 'an unbound openid');
  assert.deepEqual(Object.keys(res.json).sort(), ['bind_required', 'bind_token', 'expires_in']);
  assert.equal(res.json.bind_required, true);
  assert.equal(res.json.expires_in, 600);
  assert.match(res.json.bind_token, /^[A-Za-z0-9_-]{40,256}$/);
  assert.ok(!res.json.bind_token.includes(id.slice(4)), 'the openid is sealed, not readable');
  return { openid: id, token: res.json.bind_token };
}

let wx;
let oa;
before(async () => {
  oa = fakeOfficialAccount();
  wx = await startFakeWechat(oa.answer);
});
after(async () => {
  await wx?.close();
});

describe('web authorisation', () => {
  test('the page learns that it is switched on, and the app id', async () => {
    const res = await request('GET', INFO);
    expectStatus(res, 200);
    assert.deepEqual(res.json, { enabled: true, app_id: OA_APPID });
  });

  test('first time: bind with the phone code; afterwards: signed in without typing', async () => {
    const b = await bindFor();
    const call = wx.seen.at(-1);
    assert.equal(call.path, '/sns/oauth2/access_token');
    assert.deepEqual(call.query, { appid: OA_APPID, secret: OA_SECRET, code: `ok-${b.openid}`, grant_type: 'authorization_code' });

    const phone = freshPhone();
    const code = await sendCode(phone);
    const bound = await authPost(VERIFY, { phone, code, wechat_bind: b.token });
    const t = expectTokens(bound, 'code with wechat_bind');
    assert.deepEqual(auditRows(bound.headers.get('x-request-id')).map((r) => [r.action, r.target]),
      [['user.register', t.user.id], ['user.wechat_oa.bind', t.user.id], ['login.code', t.user.id]]);

    const again = await authPost(INFO, { code: `ok-${b.openid}` });
    const t2 = expectTokens(again, 'a bound openid');
    assert.equal(t2.user.id, t.user.id, 'the same resident');
    assert.deepEqual(auditRows(again.headers.get('x-request-id')).map((r) => r.action), ['login.wechat_web']);
    const me = expectStatus(await api('GET', '/api/v1/me', t2), 200);
    assert.equal(me.user.phone, `${phone.slice(0, 3)}****${phone.slice(-4)}`);

    // Stored as a keyed index only, never the openid itself.
    const [[n]] = sql(`SELECT COUNT(*) FROM users WHERE INSTR(wechat_oa_index, ${sqlStr(b.openid)}) > 0`);
    assert.equal(n, '0');
  });

  test('a resident who already logged in by phone keeps their account when binding', async () => {
    const r = await residentLogin();
    const b = await bindFor();
    sql(`UPDATE login_codes SET created_at = created_at - INTERVAL 61 SECOND ORDER BY id DESC LIMIT 1`);
    const t = expectTokens(await authPost(VERIFY, { phone: r.phone, code: await sendCode(r.phone), wechat_bind: b.token }), 'bind');
    assert.equal(t.user.id, r.user.id);
    assert.equal(expectTokens(await authPost(INFO, { code: `ok-${b.openid}` }), 'again').user.id, r.user.id);
  });

  test('an openid bound to another phone is refused, and nothing is done', async () => {
    const b = await bindFor();
    const first = freshPhone();
    expectTokens(await authPost(VERIFY, { phone: first, code: await sendCode(first), wechat_bind: b.token }), 'first');
    const other = freshPhone();
    const code = await sendCode(other);
    const res = await authPost(VERIFY, { phone: other, code, wechat_bind: b.token });
    const e = expectError(res, 409, 'wechat_already_bound');
    assert.match(e.message, /手机号登录/, 'says what to do next');
    assert.deepEqual(auditRows(res.headers.get('x-request-id')), [], 'no resident, no session, no binding');
    // The code was not spent on it: it logs in without the binding.
    expectTokens(await authPost(VERIFY, { phone: other, code }), 'the same code without the bind token');
  });

  test('a forged or altered bind token is refused before the code is spent', async () => {
    const b = await bindFor();
    const phone = freshPhone();
    const code = await sendCode(phone);
    const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const forged of [flip(b.token, 5), flip(b.token, b.token.length - 3), b.token.slice(0, -4), 'AAAA', 'not a token!']) {
      const e = expectError(await authPost(VERIFY, { phone, code, wechat_bind: forged }), 401, 'wechat_bind_invalid');
      assert.match(e.message, /重新打开|手机号/);
    }
    expectTokens(await authPost(VERIFY, { phone, code }), 'the code still works');
  });

  test('WeChat refusing the code: 401; WeChat failing: 502; too slow: 502 after the timeout', { timeout: 20_000 }, async () => {
    for (const code of ['bad', 'used']) {
      const e = expectError(await authPost(INFO, { code }), 401, 'wechat_code_invalid');
      assert.match(e.message, /手机号/);
    }
    for (const code of ['busy', 'e500']) expectError(await authPost(INFO, { code }), 502, 'wechat_unavailable');
    const slow = await authPost(INFO, { code: 'slow' });
    expectError(slow, 502, 'wechat_unavailable');
    assert.ok(slow.ms >= 1500 && slow.ms < 6000, `answered after ${Math.round(slow.ms)} ms`);
  });

  test('a code that cannot be a WeChat code never reaches WeChat; wrong types are 422', async () => {
    const calls = oa.calls.oauth;
    for (const code of ['a b', 'x&secret=stolen', '../../sns', 'ok-中文']) {
      expectError(await authPost(INFO, { code }), 401, 'wechat_code_invalid');
    }
    assert.equal(oa.calls.oauth, calls);
    expectInvalid(await authPost(INFO, {}), ['code']);
    expectInvalid(await authPost(INFO, { code: 42 }), ['code']);
    expectInvalid(await authPost(INFO, { code: 'a'.repeat(129) }), ['code']);
    expectInvalid(await authPost(INFO, { code: 'ok-x', extra: 1 }), ['extra']);
    const phone = freshPhone();
    expectInvalid(await authPost(VERIFY, { phone, code: '123456', wechat_bind: 42 }), ['wechat_bind']);
    expectInvalid(await authPost(VERIFY, { phone, code: '123456', wechat_bind: '' }), ['wechat_bind']);
    expectInvalid(await authPost(VERIFY, { phone, code: '123456', wechat_bind: 'A'.repeat(257) }), ['wechat_bind']);
  });

  test('a disabled resident bound to WeChat is refused', async () => {
    const b = await bindFor();
    const phone = freshPhone();
    const t = expectTokens(await authPost(VERIFY, { phone, code: await sendCode(phone), wechat_bind: b.token }), 'bind');
    sql(`UPDATE users SET disabled = 1 WHERE id = ${t.user.id}`);
    try {
      expectError(await authPost(INFO, { code: `ok-${b.openid}` }), 403, 'login_refused');
    } finally {
      sql(`UPDATE users SET disabled = 0 WHERE id = ${t.user.id}`);
    }
  });
});

describe('JS-SDK signature', () => {
  const page = `${base}/index.html?from=poster`;
  const cache = () => Object.fromEntries(sql(`SELECT name, TIMESTAMPDIFF(SECOND, NOW(3), expires_at), HEX(value_sealed)
    FROM wechat_cache`).map(([name, left, hex]) => [name, { left: Number(left), hex }]));
  const expire = (name) => sql(`UPDATE wechat_cache SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE name = ${sqlStr(name)}`);

  test('five pages at once: one token fetch, one ticket fetch, and a signature WeChat accepts', async () => {
    sql('DELETE FROM wechat_cache');
    const calls = { ...oa.calls };
    const all = await burst(5, 'GET', `${JSSDK}?url=${encodeURIComponent(`${page}#home`)}`);
    for (const res of all) {
      assert.equal(res.status, 200, res.text);
      const j = res.json;
      assert.deepEqual(Object.keys(j).sort(), ['app_id', 'nonce_str', 'signature', 'timestamp']);
      assert.equal(j.app_id, OA_APPID);
      assert.ok(Math.abs(j.timestamp - Date.now() / 1000) < 60, 'a unix time in seconds');
      assert.match(j.nonce_str, /^[A-Za-z0-9]{16}$/);
      // The url is signed without its #fragment.
      assert.equal(j.signature, sha1(`jsapi_ticket=${oa.ticket}&noncestr=${j.nonce_str}&timestamp=${j.timestamp}&url=${page}`));
    }
    assert.equal(oa.calls.token - calls.token, 1, 'one access token fetch');
    assert.equal(oa.calls.ticket - calls.ticket, 1, 'one ticket fetch');
    const c = cache();
    for (const name of ['access_token', 'jsapi_ticket']) {
      // 7200 s less the 300 s margin.
      assert.ok(c[name].left > 6800 && c[name].left <= 6900, `${name} expires in ${c[name].left} s`);
    }
    const hexOf = (s) => Buffer.from(s).toString('hex').toUpperCase();
    assert.ok(!c.access_token.hex.includes(hexOf(oa.token)) && !c.jsapi_ticket.hex.includes(hexOf(oa.ticket)), 'sealed');
    // Served from the cache from now on.
    expectStatus(await jssdk(page), 200);
    assert.equal(oa.calls.token - calls.token, 1);
    assert.equal(oa.calls.ticket - calls.ticket, 1);
  });

  test('an expired ticket is fetched again; a token WeChat no longer takes is renewed', async () => {
    let calls = { ...oa.calls };
    expire('jsapi_ticket');
    expectStatus(await jssdk(page), 200);
    assert.deepEqual([oa.calls.token - calls.token, oa.calls.ticket - calls.ticket], [0, 1], 'the live token is reused');
    // Someone else took a new token: ours answers 40001 at getticket.
    calls = { ...oa.calls };
    oa.token = `ACCESS_${crypto.randomBytes(8).toString('hex')}`;
    oa.ticket = `TICKET_${crypto.randomBytes(8).toString('hex')}`;
    expire('jsapi_ticket');
    const j = expectStatus(await jssdk(page), 200);
    assert.equal(j.signature, sha1(`jsapi_ticket=${oa.ticket}&noncestr=${j.nonce_str}&timestamp=${j.timestamp}&url=${page}`));
    assert.deepEqual([oa.calls.token - calls.token, oa.calls.ticket - calls.ticket], [1, 2]);
  });

  test('WeChat down or too slow: 502, and nothing is stored', { timeout: 20_000 }, async () => {
    expire('jsapi_ticket');
    expire('access_token');
    try {
      oa.down = true;
      const e = expectError(await jssdk(page), 502, 'wechat_unavailable');
      assert.match(e.message, /稍后/);
      oa.down = false;
      oa.slow = true;
      const slow = await jssdk(page);
      expectError(slow, 502, 'wechat_unavailable');
      assert.ok(slow.ms >= 1500 && slow.ms < 6000, `answered after ${Math.round(slow.ms)} ms`);
    } finally {
      oa.down = false;
      oa.slow = false;
    }
    const c = cache();
    assert.ok(c.access_token.left < 0 && c.jsapi_ticket.left < 0, 'still expired');
    expectStatus(await jssdk(page), 200, 'back once WeChat is');
  });

  test('only pages of this site are signed', async () => {
    const u = new URL(base);
    for (const url of ['https://evil.example/index.html', `${base}.evil.example/`, `${u.protocol}//${u.hostname}:1/x`,
      'javascript:alert(1)', `${base}/a b`, `${base}/中文`, base.replace('http:', 'https:') + '/', `${base}@evil.example/`]) {
      expectInvalid(await jssdk(url), ['url']);
    }
    expectInvalid(await request('GET', JSSDK), ['url']);
    expectInvalid(await jssdk(`${base}/${'a'.repeat(1100)}`), ['url']);
    expectStatus(await jssdk(`${base}/`), 200);
    expectStatus(await jssdk(`${base}/q/abc?x=1`), 200);
  });

  test('no secret, token or ticket reaches the log', () => {
    const log = readLog();
    for (const s of [OA_SECRET, oa.token, oa.ticket, 'web-token']) assert.ok(!log.includes(s), `${s} in huzu.log`);
  });
});
