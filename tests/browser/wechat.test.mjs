// Inside WeChat's browser (its user agent), against the fake WeChat of
// tests/api/identity-lib.mjs: the official account's web authorisation
// (WeChat's authorize page stood in for by a route that sends the browser
// back with a code the fake knows), bound with one phone code the first
// time and signed in without typing the second; and 扫一扫 on the home
// page with the JS-SDK file replaced by a test double.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  BASE, apiGet, apiLogin, assertClean, checkWidths, codeFromSmsLog, freshPhone, openPage, shot, useBrowser,
} from './lib.mjs';
import { OA_APPID, fakeOfficialAccount, startFakeWechat } from '../api/identity-lib.mjs';

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)'
  + ' Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN';
const apiPath = (r) => new URL(r.url()).pathname;
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex');

useBrowser({ needSmsLog: true });

let wx;
let oa;
before(async () => {
  oa = fakeOfficialAccount();
  wx = await startFakeWechat(oa.answer);
});
after(async () => {
  await wx?.close();
});

// A page that says it is WeChat's, whose authorize page sends it back
// with `ok-<openid>` and the state it was given.
async function wechatPage(openid) {
  const s = await openPage();
  await s.context.addInitScript((ua) => {
    Object.defineProperty(Navigator.prototype, 'userAgent', { get: () => ua });
  }, UA);
  s.authorize = [];
  await s.context.route('https://open.weixin.qq.com/**', (route) => {
    const u = new URL(route.request().url());
    s.authorize.push(Object.fromEntries(u.searchParams));
    const back = new URL(u.searchParams.get('redirect_uri'));
    back.searchParams.set('code', `ok-${openid}`);
    back.searchParams.set('state', u.searchParams.get('state'));
    route.fulfill({ status: 302, headers: { location: back.href } });
  });
  return s;
}

const stored = (page) => page.evaluate(() => localStorage.getItem('huzu.refresh'));

test('in WeChat: bound with one code the first time, signed in without typing after; 扫一扫 opens a building', { timeout: 90_000 }, async () => {
  const openid = `oBrowser${crypto.randomBytes(6).toString('hex')}`;

  // First time: WeChat's authorisation, then the phone and one code.
  const first = await wechatPage(openid);
  try {
    const { page } = first;
    await page.goto(`${BASE}/login.html`, { waitUntil: 'load' });
    await page.locator('#wx-bind-note').waitFor({ state: 'visible' });
    assert.equal(first.authorize.length, 1);
    const a = first.authorize[0];
    assert.equal(a.appid, OA_APPID);
    assert.equal(a.scope, 'snsapi_base');
    assert.equal(a.response_type, 'code');
    assert.match(a.state, /^[0-9a-f]{32}$/);
    assert.equal(new URL(a.redirect_uri).pathname, '/login.html');
    assert.ok(!page.url().includes('code='), 'the used code is off the address');
    assert.match(await page.locator('#wx-bind-note').innerText(), /首次使用请验证手机号/);
    await shot(page, 'wechat-bind.png');
    await checkWidths(page, 'login, first time in WeChat');

    const phone = freshPhone();
    await page.locator('#phone').fill(phone);
    const sent = page.waitForResponse((r) => apiPath(r) === '/api/v1/auth/code');
    await page.locator('#send-code').click();
    assert.equal((await sent).status(), 202);
    await page.locator('#code').fill(await codeFromSmsLog(phone));
    const verified = page.waitForResponse((r) => apiPath(r) === '/api/v1/auth/code/verify');
    await page.locator('#phone-submit').click();
    const v = await verified;
    assert.equal(v.status(), 200);
    assert.ok(JSON.parse(v.request().postData()).wechat_bind, 'the binding went with the code');
    await page.waitForURL(`${BASE}/#me`);
    assert.ok(await stored(page));
    assertClean(first);
  } finally {
    await first.context.close();
  }

  // Second time, a fresh browser: signed in without typing.
  const again = await wechatPage(openid);
  try {
    const { page } = again;
    await page.goto(`${BASE}/login.html?next=${encodeURIComponent('/')}`, { waitUntil: 'load' });
    await page.waitForURL(`${BASE}/`);
    assert.ok(await stored(page), 'tokens stored');
    assert.ok(!again.calls.includes('POST /api/v1/auth/code'), 'no code asked for');
    assert.ok(again.calls.includes('POST /api/v1/auth/wechat-web'));

    // 扫一扫: the JS-SDK double records wx.config and scans a foreign
    // code, then this village's building code.
    const head = (await apiLogin('head1')).access_token;
    const building = (await apiGet(head, '/buildings?limit=1')).items[0];
    const poster = (await apiGet(head, `/units/${building.id}/posters`)).items[0];
    const results = ['https://evil.example/q/AAAAAAAAAAAA', poster.url];
    await again.context.route('**/vendor/jweixin/jweixin.js', (route) => route.fulfill({
      contentType: 'application/javascript',
      body: `(() => {
        const results = ${JSON.stringify(results)};
        const rec = window.__wxDouble = { configs: [], scans: 0 };
        let ready = null;
        window.wx = {
          config(c) { rec.configs.push(c); setTimeout(() => ready && ready(), 0); },
          ready(fn) { ready = fn; },
          error() {},
          scanQRCode(o) { rec.scans++; rec.last = o; const r = results.shift(); setTimeout(() => o.success({ errMsg: 'scanQRCode:ok', resultStr: r }), 0); },
        };
      })();`,
    }));
    const button = page.locator('#wx-scan-button');
    await button.waitFor({ state: 'visible' });
    const box = await button.boundingBox();
    assert.ok(box.height >= 44 && box.width >= 44, `扫一扫 is ${box.width}×${box.height}`);
    await shot(page, 'wechat-home-scan.png');
    await button.click();
    await page.locator('#huzu-error-dialog').getByText('这不是本平台的楼栋二维码').waitFor();
    await page.locator('#huzu-error-dialog button', { hasText: '知道了' }).click();
    const rec = await page.evaluate(() => window.__wxDouble);
    assert.equal(rec.configs.length, 1);
    const c = rec.configs[0];
    assert.equal(c.appId, OA_APPID);
    assert.deepEqual(c.jsApiList, ['scanQRCode']);
    assert.equal(c.signature, sha1(`jsapi_ticket=${oa.ticket}&noncestr=${c.nonceStr}&timestamp=${c.timestamp}&url=${BASE}/`));
    assert.equal(rec.last.needResult, 1);

    const scanned = page.waitForResponse((r) => apiPath(r).startsWith('/api/v1/scan/'));
    await button.click();
    await page.waitForURL(`${BASE}${new URL(poster.url).pathname}`);
    assert.equal((await scanned).status(), 200, 'the landing page reads the building code');
    assertClean(again);
  } finally {
    await again.context.close();
  }
});

test('outside WeChat nothing changes: no redirect, no 扫一扫', { timeout: 30_000 }, async () => {
  const s = await openPage();
  try {
    const { page } = s;
    let left = false;
    await s.context.route('https://open.weixin.qq.com/**', (route) => { left = true; route.abort(); });
    await page.goto(`${BASE}/login.html`, { waitUntil: 'load' });
    await page.locator('#form-phone').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#wx-bind-note').isVisible(), false);
    await page.goto(`${BASE}/`, { waitUntil: 'load' });
    await page.locator('#panel-home').waitFor({ state: 'visible' });
    assert.equal(left, false);
    assert.equal(await page.locator('#wx-scan').isVisible(), false);
    assert.ok(!s.calls.includes('GET /api/v1/auth/wechat-web'), 'not even asked');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});
