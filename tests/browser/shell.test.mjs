// Browser tests for the H5 shell, run against a live nginx (+ backend):
//   HUZU_TEST_BASE=http://127.0.0.1:18080 node --test browser/
// Env: HUZU_TEST_BASE (required), HUZU_CHROMIUM (default /usr/bin/chromium),
//      HUZU_ARTEFACT_DIR (screenshots; default ./artefacts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = (process.env.HUZU_TEST_BASE || '').replace(/\/+$/, '');
const ARTEFACTS = path.resolve(process.env.HUZU_ARTEFACT_DIR || 'artefacts');
const CJK = /[\u4e00-\u9fff]/;

let browser;

before(async () => {
  assert.ok(BASE, 'HUZU_TEST_BASE is required, e.g. HUZU_TEST_BASE=http://127.0.0.1:18080');
  await mkdir(ARTEFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.HUZU_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
});

// A fresh phone-sized context per test (empty localStorage = logged out), with
// console errors, page errors and client error reports collected.
async function openPage() {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  const reports = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push({ text: msg.text(), url: msg.location().url || '' });
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/api/v1/client-errors') reports.push(req.postData());
  });
  return { context, page, consoleErrors, pageErrors, reports };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTEFACTS, name) });
}

function assertClean({ consoleErrors, pageErrors, reports }) {
  assert.deepEqual(pageErrors, [], 'page errors');
  assert.deepEqual(consoleErrors, [], 'console errors (CSP violations show up here)');
  assert.deepEqual(reports, [], 'client error reports sent to /api/v1/client-errors');
}

async function visibleText(page, selector) {
  const loc = page.locator(selector);
  await loc.waitFor({ state: 'visible' });
  return (await loc.innerText()).trim();
}

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

    await page.locator('#health').filter({ hasText: '服务正常' }).waitFor({ timeout: 10_000 });
    await shot(page, 'shell-home.png');

    // 办事
    await page.locator('.weui-tabbar__item', { hasText: '办事' }).click();
    await page.waitForURL(/#services$/);
    const services = await visibleText(page, '#panel-services');
    for (const name of ['居住登记', '扫码打卡', '诉求反映', '志愿服务']) assert.match(services, new RegExp(name));
    // 居住登记 and 楼栋工作台 are open; 诉求反映 and 志愿服务 are still to come.
    assert.equal(await page.locator('#panel-services .weui-cell__ft', { hasText: '即将开放' }).count(), 2);
    assert.equal(await page.locator('#svc-residence').getAttribute('href'), '/residence.html');
    assert.equal(await page.locator('#svc-head').getAttribute('href'), '/head.html');
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
    await page.locator('#scan-desc', { hasText: envelope.error.message }).waitFor();
    const title = await visibleText(page, '.weui-msg__title');
    assert.match(title, CJK);
    assert.doesNotMatch(title, /正在识别/);
    assert.equal(await visibleText(page, '#scan-desc'), envelope.error.message);
    assert.match(envelope.error.message, CJK);
    assert.equal(await page.locator('.weui-msg__icon-area i.weui-icon_msg').isVisible(), true);
    const body = await page.locator('body').innerText();
    assert.doesNotMatch(body, /[{}]|"error"/, 'no raw JSON on the page');
    if (envelope.error.request_id) assert.ok(body.includes(`请求编号：${envelope.error.request_id}`), 'request id shown');
    await shot(page, 'landing-invalid.png');

    // The failed API call itself is logged by Chromium ("Failed to load resource"); anything else is a bug.
    s.consoleErrors = s.consoleErrors.filter((e) => !new URL(e.url || BASE).pathname.startsWith('/api/v1/scan/'));
    assertClean(s);
  } finally {
    await s.context.close();
  }
});
