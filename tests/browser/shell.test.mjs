// Browser tests for the H5 shell, run against a live nginx (+ backend):
//   HUZU_TEST_BASE=http://127.0.0.1:18080 node --test browser/
// Env: HUZU_TEST_BASE (required), HUZU_CHROMIUM (default /usr/bin/chromium),
//      HUZU_ARTEFACT_DIR (screenshots; default ./artefacts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, assertClean, openPage, shot, useBrowser, visibleText,
} from './lib.mjs';

const CJK = /[\u4e00-\u9fff]/;

useBrowser();

test('app shell: tabs, panels, health footer, CSP-clean', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const res = await page.goto(`${BASE}/`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    // Without the CSP header the "no CSP violation" check below would prove nothing.
    assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/, 'CSP header on /');

    assert.match(await page.title(), /户组/);
    assert.deepEqual(
      (await page.locator('.weui-tabbar .weui-tabbar__label').allInnerTexts()).map((t) => t.trim()),
      ['首页', '办事', '我的'],
    );

    // Home panel, WeUI stylesheet applied (tab bar laid out as a flex row).
    assert.equal(await visibleText(page, '#panel-home h1'), '户组');
    assert.match(await visibleText(page, '#panel-home'), /扫描楼栋门口的二维码即可登记居住、打卡、反映诉求/);
    assert.equal(await page.locator('.weui-tabbar').evaluate((n) => getComputedStyle(n).display), 'flex');
    assert.equal(await page.locator('#panel-services').isVisible(), false);

    // No health check on 首页 (issue 12: residents were shown 服务正常).
    assert.equal(await page.locator('#health').count(), 0);
    await shot(page, 'shell-home.png');

    // 办事
    await page.locator('.weui-tabbar__item', { hasText: '办事' }).click();
    await page.waitForURL(/#services$/);
    const services = await visibleText(page, '#panel-services');
    for (const name of ['居住登记', '扫码打卡', '诉求反映', '志愿服务']) assert.match(services, new RegExp(name));
    // Every service is open now (志愿服务 came last).
    assert.equal(await page.locator('#panel-services .weui-cell__ft', { hasText: '即将开放' }).count(), 0);
    assert.equal(await page.locator('#svc-volunteer').getAttribute('href'), '/stations.html');
    assert.equal(await page.locator('#svc-residence').getAttribute('href'), '/residence.html');
    assert.equal(await page.locator('#svc-complaints').getAttribute('href'), '/complaints.html');
    assert.equal(await page.locator('#svc-building').getAttribute('href'), '/building.html');
    assert.equal(await page.locator('#panel-home').isVisible(), false);
    assert.equal(await page.locator('#tab-services').getAttribute('aria-selected'), 'true');
    await shot(page, 'shell-services.png');

    // 我的 (logged out)
    await page.locator('.weui-tabbar__item', { hasText: '我的' }).click();
    await page.waitForURL(/#me$/);
    assert.equal(await visibleText(page, '#me-status'), '未登录');
    const login = page.locator('#me-login');
    assert.equal(await visibleText(page, '#me-login'), '登录');
    assert.equal(await login.getAttribute('href'), '/login.html');
    assert.equal(await page.locator('#me-logout').isVisible(), false);
    assert.equal(await page.locator('#panel-services').isVisible(), false);
    await shot(page, 'shell-me.png');

    // Back button returns to the previous tab (hash routing, no reload).
    await page.goBack();
    await page.locator('#panel-services').waitFor({ state: 'visible' });

    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('QR landing with an unknown token shows the error envelope message', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const apiResponse = page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/api/v1/scan/'));
    const res = await page.goto(`${BASE}/q/somethinginvalid`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);

    const scan = await apiResponse;
    assert.equal(new URL(scan.url()).pathname, '/api/v1/scan/somethinginvalid');
    assert.ok(scan.status() >= 400, `scan of an invalid token answered ${scan.status()}`);
    const envelope = await scan.json();
    assert.equal(typeof envelope.error?.message, 'string', 'error envelope has a message');

    // The page shows the envelope's message in a WeUI msg page, not raw JSON.
    await page.locator('#state-desc', { hasText: envelope.error.message }).waitFor();
    const title = await visibleText(page, '.weui-msg__title');
    assert.match(title, CJK);
    assert.doesNotMatch(title, /正在识别/);
    assert.equal(await visibleText(page, '#state-desc'), envelope.error.message);
    assert.match(envelope.error.message, CJK);
    assert.equal(await page.locator('.weui-msg__icon-area i.weui-icon_msg').isVisible(), true);
    const body = await page.locator('body').innerText();
    assert.doesNotMatch(body, /[{}]|"error"/, 'no raw JSON on the page');
    // The request id is one tap away (查看反馈编号), not on the face.
    assert.doesNotMatch(body, /[0-9a-f]{32}/, 'no request id on the face');
    await shot(page, 'landing-invalid.png');
    if (envelope.error.request_id) {
      await page.locator('#state-rid-text', { hasText: '查看反馈编号' }).click();
      assert.equal(await visibleText(page, '#state-rid-text'), `请求编号：${envelope.error.request_id}`);
    }

    // The failed API call itself is logged by Chromium ("Failed to load resource"); anything else is a bug.
    s.consoleErrors = s.consoleErrors.filter((e) => !new URL(e.url || BASE).pathname.startsWith('/api/v1/scan/'));
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

// nginx SSI puts every page together from nginx/www/parts/: the <head> names
// the page's own script and sheet, no SSI command reaches the browser, and
// the parts are never served alone.
test('pages are put together by SSI; the parts are internal', { timeout: 30_000 }, async () => {
  const pages = [
    ['/', 'index'], ['/login.html', 'login'], ['/q/AbC123', 'landing'], ['/register.html', 'register'],
    ['/residence.html', 'residence'], ['/building.html', 'building'], ['/poster.html', 'poster'],
    ['/report.html', 'report'], ['/complaints.html', 'complaints'], ['/complaint.html', 'complaint'],
    ['/complaint-stats.html', 'complaint-stats'],
  ];
  for (const [p, name] of pages) {
    const res = await fetch(`${BASE}${p}`);
    assert.equal(res.status, 200, p);
    const html = await res.text();
    assert.ok(!html.includes('<!--#'), `${p}: an SSI command left in the page`);
    assert.match(html, /^<!DOCTYPE html>\n<html lang="zh-CN">/, p);
    assert.ok(html.includes('<link rel="stylesheet" href="/css/base.css">'), `${p}: base sheet`);
    assert.ok(html.includes(`<link rel="stylesheet" href="/css/${name}.css">`), `${p}: its own sheet`);
    assert.ok(html.includes(`<script type="module" src="/js/${name}.js"></script>`), `${p}: its own script`);
    assert.match(html, /<title>户组 · [^<]+<\/title>/, p);
  }
  for (const p of ['/parts/head.html', '/parts/state.html']) {
    assert.equal((await fetch(`${BASE}${p}`)).status, 404, `${p} is internal`);
  }
});

// nginx answers an unknown page with errors/error.html: the shared head,
// WeUI's message view, the way home; no script, nothing blocked by the CSP.
test('an unknown page is the 404 page, styled, with the way home', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const res = await page.goto(`${BASE}/no-such-page.html`, { waitUntil: 'load' });
    assert.equal(res.status(), 404);
    assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/, 'CSP header on the 404 page');
    assert.equal(await page.title(), '户组 · 页面不存在');
    assert.equal(await visibleText(page, '.weui-msg__title'), '页面不存在');
    assert.match(await visibleText(page, '.weui-msg__desc'), CJK);
    const rid = res.headers()['x-request-id'];
    // The request id is one tap away, not on the face of the page.
    assert.equal(await page.locator('.huzu-request-id').isVisible(), false, 'no request id on the face');
    await page.locator('.huzu-error__summary', { hasText: '查看反馈编号' }).click();
    assert.match(await visibleText(page, '.huzu-request-id'), new RegExp(`请求编号：${rid}$`));
    // WeUI and base.css applied: the message view is centred text, the
    // button a block in WeUI's primary colour.
    assert.equal(await page.locator('.weui-msg').evaluate((n) => getComputedStyle(n).textAlign), 'center');
    const home = page.locator('a.weui-btn_primary');
    assert.equal(await home.innerText(), '返回首页');
    assert.notEqual(await home.evaluate((n) => getComputedStyle(n).backgroundColor), 'rgba(0, 0, 0, 0)');
    await shot(page, 'error-404.png');

    await home.click();
    await page.waitForURL(`${BASE}/`);
    assert.match(await page.title(), /户组/);
    // The page's own 404 is the one failed load.
    assertClean(s, ['/no-such-page.html']);
  } finally {
    await s.context.close();
  }
});
