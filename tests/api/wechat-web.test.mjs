// Inside WeChat's browser, through nginx against a fake WeChat: the
// official account's web authorisation (an openid bound to a phone by one
// code the first time, signed in without typing after), every way it must
// fail, and the JS-SDK signature with its token and ticket fetched once
// for all workers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';

import {
  api, authPost, base, burst, configPath, execdWorkers, expectError, expectInvalid, expectStatus, freshPhone,
  logLines, masterPid, readLog, request, residentLogin, sendCode, waitFor,
} from './lib.mjs';
import {
  OA_APPID, OA_SECRET, auditRows, fakeOfficialAccount, secretsPath, sql, sqlStr, startFakeWechat,
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
  const TOKEN = `token:${OA_APPID}`;
  const TICKET = `ticket:${OA_APPID}`;
  const expire = (name) => sql(`UPDATE wechat_cache SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE name = ${sqlStr(name)}`);
  // After WeChat failed to give a ticket, nobody asks it for 30 s.
  const DOWN = `down:${OA_APPID}`;
  const undown = () => sql(`DELETE FROM wechat_cache WHERE name = ${sqlStr(DOWN)}`);

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
    assert.deepEqual(Object.keys(c).sort(), [TICKET, TOKEN], 'rows of this app id');
    for (const name of [TOKEN, TICKET]) {
      // 7200 s less the 300 s margin.
      assert.ok(c[name].left > 6800 && c[name].left <= 6900, `${name} expires in ${c[name].left} s`);
    }
    const hexOf = (s) => Buffer.from(s).toString('hex').toUpperCase();
    assert.ok(!c[TOKEN].hex.includes(hexOf(oa.token)) && !c[TICKET].hex.includes(hexOf(oa.ticket)), 'sealed');
    // Served from the cache from now on.
    expectStatus(await jssdk(page), 200);
    assert.equal(oa.calls.token - calls.token, 1);
    assert.equal(oa.calls.ticket - calls.ticket, 1);
  });

  test('an expired ticket is fetched again; a token WeChat no longer takes is renewed', async () => {
    let calls = { ...oa.calls };
    expire(TICKET);
    expectStatus(await jssdk(page), 200);
    assert.deepEqual([oa.calls.token - calls.token, oa.calls.ticket - calls.ticket], [0, 1], 'the live token is reused');
    // Someone else took a new token: ours answers 40001 at getticket.
    calls = { ...oa.calls };
    oa.token = `ACCESS_${crypto.randomBytes(8).toString('hex')}`;
    oa.ticket = `TICKET_${crypto.randomBytes(8).toString('hex')}`;
    expire(TICKET);
    const j = expectStatus(await jssdk(page), 200);
    assert.equal(j.signature, sha1(`jsapi_ticket=${oa.ticket}&noncestr=${j.nonce_str}&timestamp=${j.timestamp}&url=${page}`));
    assert.deepEqual([oa.calls.token - calls.token, oa.calls.ticket - calls.ticket], [1, 2]);
  });

  test('WeChat down or too slow: 502, and nothing is stored', { timeout: 20_000 }, async () => {
    expire(TICKET);
    expire(TOKEN);
    undown();
    try {
      oa.down = true;
      const e = expectError(await jssdk(page), 502, 'wechat_unavailable');
      assert.match(e.message, /稍后/);
      // Backed off, for every worker: the next page asks WeChat nothing.
      assert.ok(cache()[DOWN].left >= 25, 'down for 30 s');
      const calls = { ...oa.calls };
      const quick = await jssdk(page);
      expectError(quick, 502, 'wechat_unavailable');
      assert.deepEqual([oa.calls.token - calls.token, oa.calls.ticket - calls.ticket], [0, 0], 'backed off');
      undown();
      oa.down = false;
      oa.slow = true;
      const slow = await jssdk(page);
      expectError(slow, 502, 'wechat_unavailable');
      assert.ok(slow.ms >= 1500 && slow.ms < 6000, `answered after ${Math.round(slow.ms)} ms`);
    } finally {
      oa.down = false;
      oa.slow = false;
      undown();
    }
    const c = cache();
    assert.ok(c[TOKEN].left < 0 && c[TICKET].left < 0, 'still expired');
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

  test('a refused secret or app id is a warning in the log', () => {
    assert.ok(logLines(/level=warn/, /msg="wechat refused" call=ticket errcode=40001/).length > 0, 'our token refused');
    // A user's bad code stays info.
    assert.ok(logLines(/level=info/, /msg="wechat refused" call=oauth2 errcode=40029/).length > 0, 'a bad code');
    assert.equal(logLines(/level=warn/, /call=oauth2 errcode=40029/).length, 0);
  });

  test('no secret, token or ticket reaches the log', () => {
    const log = readLog();
    for (const s of [OA_SECRET, oa.token, oa.ticket, 'web-token']) assert.ok(!log.includes(s), `${s} in huzu.log`);
  });
});

describe('changing the official account (SIGHUP)', () => {
  // Replaces every worker (and waits until all of them run the new
  // generation), so every request after it sees the new config.
  async function reload() {
    const master = masterPid();
    const old = new Set(execdWorkers(master));
    process.kill(master, 'SIGHUP');
    await waitFor('a new generation of workers', 20_000, () => {
      const now = execdWorkers(master);
      return now.length >= 3 && now.every((p) => !old.has(p));
    }, 100);
  }
  const page = `${base}/`;

  test('another app id never signs with the old account\'s ticket: it fetches its own', { timeout: 90_000 }, async () => {
    expectStatus(await jssdk(page), 200, 'the first account, its ticket cached');
    const config = fs.readFileSync(configPath, 'utf8');
    const other = 'wxhuzuoaother00001';
    const calls = { ...oa.calls };
    try {
      fs.writeFileSync(configPath, config.replace(/^wechat_oa_appid = .*$/m, `wechat_oa_appid = ${other}`));
      await reload();
      // The fake WeChat knows only OA_APPID: it refuses the other with
      // 40125, as WeChat refuses a wrong secret.
      expectError(await jssdk(page), 502, 'wechat_unavailable');
      assert.equal(oa.calls.token - calls.token, 1, 'a token fetch for the new app id');
      assert.equal(oa.calls.ticket - calls.ticket, 0);
      assert.equal(wx.seen.at(-1).query.appid, other);
      assert.ok(logLines(/level=warn/, /msg="wechat refused" call=token errcode=40125/).length > 0, 'warned');
    } finally {
      fs.writeFileSync(configPath, config);
      await reload();
    }
    // The first account's rows were left alone: still live, no fetch.
    const back = { ...oa.calls };
    const j = expectStatus(await jssdk(page), 200);
    assert.equal(j.signature, sha1(`jsapi_ticket=${oa.ticket}&noncestr=${j.nonce_str}&timestamp=${j.timestamp}&url=${page}`));
    assert.deepEqual([oa.calls.token - back.token, oa.calls.ticket - back.ticket], [0, 0]);
  });

  test('an app id without its secret: off, and a warning at the reload', { timeout: 90_000 }, async () => {
    const secrets = fs.readFileSync(secretsPath, 'utf8');
    const warned = () => logLines(/level=warn/, /msg="wechat official account off: half configured" missing=wechat_oa_secret/).length;
    const before = warned();
    try {
      fs.writeFileSync(secretsPath, secrets.replace(/^wechat_oa_secret\s*=.*\n/m, ''));
      await reload();
      // Each new worker says so as it starts, a moment after it exists.
      await waitFor('the warning in the log', 10_000, () => warned() > before, 100);
      const res = await request('GET', INFO);
      expectStatus(res, 200);
      assert.equal(res.json.enabled, false);
      expectError(await jssdk(page), 503, 'wechat_disabled');
    } finally {
      fs.writeFileSync(secretsPath, secrets);
      await reload();
    }
    assert.equal((await request('GET', INFO)).json.enabled, true);
  });
});
