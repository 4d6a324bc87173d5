// What every browser test shares: the environment, one headless Chromium
// per test file, pages that collect their errors, and small helpers.
// Env: HUZU_TEST_BASE (required), HUZU_SMS_LOG (the log sender's file, for
// phone-code logins), HUZU_CHROMIUM (default /usr/bin/chromium),
// HUZU_ARTEFACT_DIR (screenshots; default ./artefacts).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const BASE = (process.env.HUZU_TEST_BASE || '').replace(/\/+$/, '');
export const SMS_LOG = process.env.HUZU_SMS_LOG || '';
export const ARTEFACTS = path.resolve(process.env.HUZU_ARTEFACT_DIR || 'artefacts');
export const DEMO_PASSWORD = 'huzu-demo-2026';

// Node 20 runs a file's top-level before() hooks at the same time, not one
// after the other (seen: a file's own hook reached openPage() while
// Chromium was still starting, on a loaded machine): openPage() waits for
// the launch through this promise, whatever the order of the hooks.
let launched;
const browserReady = new Promise((resolve, reject) => { launched = { resolve, reject }; });
browserReady.catch(() => {});

// Registers the file's before/after hooks: Chromium launched once, closed
// at the end. Without the background-networking flags Chromium keeps
// knocking on this machine's closed network.
export function useBrowser({ needSmsLog = false } = {}) {
  before(() => start().then(launched.resolve, (e) => { launched.reject(e); throw e; }));
  async function start() {
    assert.ok(BASE, 'HUZU_TEST_BASE is required, e.g. HUZU_TEST_BASE=http://127.0.0.1:18080');
    if (needSmsLog)
      assert.ok(SMS_LOG, 'HUZU_SMS_LOG is required (the file the log SMS sender appends codes to)');
    await mkdir(ARTEFACTS, { recursive: true });
    const launch = () => chromium.launch({
      executablePath: process.env.HUZU_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    // Once more after a failed start (seen once, with the cluster group
    // loading the machine), saying why the first one failed.
    return launch().catch((e) => {
      console.log(`# chromium did not start (${e.message.split('\n')[0]}); once more`);
      return launch();
    });
  }
  after(() => browserReady.then((b) => b.close(), () => {}));
}

// A fresh context per call (empty localStorage = logged out): phone-sized,
// or desktop-sized for printing. Console errors, page errors, client error
// reports and API calls are collected.
export async function openPage({ desktop = false, viewport } = {}) {
  const context = await (await browserReady).newContext(desktop
    ? { viewport: viewport || { width: 900, height: 1300 }, deviceScaleFactor: 1, locale: 'zh-CN' }
    : { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  const s = { context, page, consoleErrors: [], pageErrors: [], reports: [], calls: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') s.consoleErrors.push({ text: msg.text(), url: msg.location().url || '' });
  });
  page.on('pageerror', (err) => s.pageErrors.push(String(err)));
  page.on('request', (req) => {
    const p = new URL(req.url()).pathname;
    if (p === '/api/v1/client-errors') s.reports.push(req.postData());
    if (p.startsWith('/api/')) s.calls.push(`${req.method()} ${p}`);
  });
  return s;
}

export async function shot(page, name, opts = {}) {
  await page.screenshot({ path: path.join(ARTEFACTS, name), animations: 'disabled', ...opts });
}

// Chromium logs every API answer >= 400 as "Failed to load resource"; the
// ones a test provokes on purpose are listed in expectedFailures (paths or
// patterns). Anything else, a CSP violation included, fails the test.
export function assertClean(s, expectedFailures = []) {
  const consoleErrors = s.consoleErrors.filter((e) => {
    const p = e.url ? new URL(e.url).pathname : '';
    return !(expectedFailures.some((f) => (f instanceof RegExp ? f.test(p) : f === p)) &&
      /Failed to load resource/.test(e.text));
  });
  assert.deepEqual(s.pageErrors, [], 'page errors');
  assert.deepEqual(consoleErrors, [], 'console errors (CSP violations show up here)');
  assert.deepEqual(s.reports, [], 'client error reports sent to /api/v1/client-errors');
}

export async function visibleText(page, selector) {
  const loc = page.locator(selector).first();
  await loc.waitFor({ state: 'visible' });
  return (await loc.innerText()).trim();
}

export function freshPhone(prefix = '139') {
  return `${prefix}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

// The log sender appends "<time> <phone> <code> 【户组】验证码 ..." lines.
export async function codeFromSmsLog(phone, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = '';
    try {
      text = await readFile(SMS_LOG, 'utf8');
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    const codes = text.split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1] === phone && /^\d{6}$/.test(f[2] || ''))
      .map((f) => f[2]);
    if (codes.length) return codes.at(-1);
    if (Date.now() > deadline) throw new Error(`no code for ${phone} in ${SMS_LOG}`);
    await sleep(100);
  }
}

// A demo staff member's tokens, straight from the API.
export async function apiLogin(username) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  assert.equal(res.status, 200, `${username} logs in through the API`);
  return res.json();
}

export async function apiGet(token, p) {
  const res = await fetch(`${BASE}/api/v1${p}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET ${p}`);
  return res.json();
}

// The page at this width: nothing wider than the screen, every control a
// 44 px target (a hidden radio or checkbox counts by its label), and text
// at 4.5:1 against what is behind it (3:1 when large).
export async function checkLayout(page, label) {
  const r = await page.evaluate(() => {
    const visible = (n) => {
      if (n.closest('[hidden]')) return false;
      const b = n.getBoundingClientRect();
      return b.width > 0 && b.height > 0 && getComputedStyle(n).visibility !== 'hidden';
    };
    const small = [];
    for (const n of document.querySelectorAll('a[href], button, input, select, textarea, [role=radio]')) {
      let target = n;
      if (n.matches('input[type=radio], input[type=checkbox], input[type=file]')) target = n.closest('label') || document.querySelector(`label[for="${n.id}"]`) || n;
      if (!visible(target)) continue;
      const b = target.getBoundingClientRect();
      if (b.height < 44 || b.width < 44) small.push(`${n.tagName.toLowerCase()}#${n.id || ''}.${String(n.className).split(' ')[0]} "${(target.innerText || n.value || '').trim().slice(0, 16)}" ${Math.round(b.width)}×${Math.round(b.height)}`);
    }
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const over = (top, under) => ({
      r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1,
    });
    const lum = (c) => {
      const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const low = [];
    for (const n of document.querySelectorAll('body *')) {
      const own = [...n.childNodes].some((t) => t.nodeType === 3 && t.textContent.trim());
      if (!own || !visible(n) || n.closest('.huzu-chart, .weui-toast, .huzu-dialog, .weui-mask')) continue;
      const chain = [];
      let gradient = false;
      for (let a = n; a; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (cs.backgroundImage !== 'none') gradient = true;
        chain.push(parse(cs.backgroundColor) || { r: 0, g: 0, b: 0, a: 0 });
      }
      if (gradient) continue;
      let bg = { r: 255, g: 255, b: 255, a: 1 };
      for (const c of chain.reverse()) if (c.a > 0) bg = over(c, bg);
      const cs = getComputedStyle(n);
      const fg = over(parse(cs.color), bg);
      const l1 = lum(fg);
      const l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) low.push(`${n.tagName.toLowerCase()}.${String(n.className).split(' ')[0]} "${n.textContent.trim().slice(0, 12)}" ${ratio.toFixed(2)}`);
    }
    return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, small, low };
  });
  assert.equal(r.overflow, 0, `${label}: no horizontal overflow`);
  assert.deepEqual(r.small, [], `${label}: tap targets of at least 44 px`);
  assert.deepEqual(r.low, [], `${label}: text contrast of at least 4.5:1`);
}

// Both widths, on whatever the page shows now.
export async function checkWidths(page, label) {
  for (const width of [390, 320]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(100);
    await checkLayout(page, `${label} at ${width} px`);
  }
  await page.setViewportSize({ width: 390, height: 844 });
}

// The page-state view's title once the page has decided (not the
// 正在加载… the static HTML shows from the first paint).
export async function stateTitle(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById('state');
    const t = document.getElementById('state-title');
    return s && !s.hidden && t && !/^正在加载/.test(t.textContent.trim());
  });
  return visibleText(page, '#state-title');
}

// The first paint of a page, before any script runs (its modules are not
// served): the page-state view shows 正在加载… rather than a blank page.
// And every module the page imports, however deep, is named in a
// <link rel="modulepreload"> of its HTML: one round trip, no waterfall.
export async function checkLoadingFirstPaint(pagePath) {
  const s = await openPage();
  try {
    await s.page.route(/\/js\/[\w-]+\.js$/, (route) => route.abort());
    await s.page.goto(`${BASE}${pagePath}`, { waitUntil: 'load' });
    const st = s.page.locator('#state');
    assert.equal(await st.isVisible(), true, `${pagePath}: the loading state shows before any script runs`);
    assert.match(await st.innerText(), /正在加载/, `${pagePath}: it says 正在加载`);
    assert.equal(await s.page.locator('#state .weui-primary-loading').isVisible(), true, `${pagePath}: with its spinner`);
  } finally {
    await s.context.close();
  }
  const html = await (await fetch(`${BASE}${pagePath}`)).text();
  const page = /\/js\/([\w-]+\.js)"><\/script>/.exec(html)?.[1];
  assert.ok(page, `${pagePath}: its module`);
  const preloaded = new Set([...html.matchAll(/<link rel="modulepreload" href="\/js\/([\w-]+\.js)">/g)].map((m) => m[1]));
  const seen = new Set();
  const todo = [page];
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    const src = await (await fetch(`${BASE}/js/${f}`)).text();
    for (const m of src.matchAll(/from '\.\/([\w-]+\.js)'/g)) todo.push(m[1]);
  }
  seen.delete(page);
  const missing = [...seen].filter((f) => !preloaded.has(f));
  assert.deepEqual(missing, [], `${pagePath}: every imported module is preloaded`);
}

// The session ends: both tokens are no longer valid (the refresh token
// expired), as a phone left for days finds it.
export async function expireLogin(page) {
  await page.evaluate(() => {
    localStorage.setItem('huzu.access', 'x.y.z');
    localStorage.setItem('huzu.refresh', 'not-a-refresh-token');
  });
}

// An expired login during a save: the dialog offers 重新登录 and shows
// no request id (no 32-hex code) on its face. Resolves to the dialog.
export async function assertReloginOffered(page) {
  const dialog = page.locator('#huzu-confirm-dialog');
  await dialog.locator('.weui-dialog').waitFor({ state: 'visible' });
  const text = await dialog.innerText();
  assert.match(text, /登录已过期/);
  assert.match(text, /重新登录/);
  assert.doesNotMatch(await page.locator('body').innerText(), /[0-9a-f]{32}/, 'no request id on the face');
  assert.equal(await page.locator('#huzu-error-dialog').count(), 0, 'no dead-end error dialog');
  return dialog;
}
