// Browser tests for the login page and 我的, run against a live nginx + huzu
// with the demo village loaded (scripts/test does both):
//   HUZU_TEST_BASE=http://127.0.0.1:18080 HUZU_SMS_LOG=.../sms.log node --test browser/login.test.mjs
// Env: HUZU_TEST_BASE (required), HUZU_SMS_LOG (required: the log sender's
//      file, where the one-time codes land), HUZU_CHROMIUM (default
//      /usr/bin/chromium), HUZU_ARTEFACT_DIR (screenshots; default ./artefacts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, DEMO_PASSWORD, apiLogin, assertClean, checkWidths, codeFromSmsLog, freshPhone, openPage, shot, useBrowser,
  visibleText,
} from './lib.mjs';

function storage(page) {
  return page.evaluate(() => ({
    access: localStorage.getItem('huzu.access'),
    refresh: localStorage.getItem('huzu.refresh'),
  }));
}

async function openLogin(page, query = '') {
  const res = await page.goto(`${BASE}/login.html${query}`, { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/, 'CSP header on the login page');
  await page.locator('#form-phone, #form-staff').first().waitFor({ state: 'attached' });
}

async function staffLogin(page, username, password = DEMO_PASSWORD) {
  await page.locator('#mode-staff').click();
  await page.locator('#form-staff').waitFor({ state: 'visible' });
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#staff-submit').click();
}

useBrowser({ needSmsLog: true });

test('resident logs in by phone and SMS code, sees 我的, logs out', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await openLogin(page);
    assert.match(await page.title(), /登录/);
    // Phone login is the default mode.
    assert.equal(await page.locator('#mode-phone').getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('#form-phone').isVisible(), true);
    assert.equal(await page.locator('#form-staff').isVisible(), false);
    assert.equal(await visibleText(page, '#send-code'), '获取验证码');

    const phone = freshPhone();
    await page.locator('#phone').fill(phone);
    const sent = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/code');
    await page.locator('#send-code').click();
    assert.equal((await sent).status(), 202);

    // Countdown after a successful send; the button cannot be pressed again.
    await page.locator('#send-code', { hasText: /^\d+ 秒后重发$/ }).waitFor();
    assert.equal(await page.locator('#send-code').isDisabled(), true);
    const seconds = Number((await page.locator('#send-code').innerText()).match(/\d+/)[0]);
    assert.ok(seconds > 50 && seconds <= 60, `countdown starts near 60 s, got ${seconds}`);

    const code = await codeFromSmsLog(phone);
    await page.locator('#code').fill(code);
    await page.locator('#huzu-toast .weui-toast').waitFor({ state: 'hidden' });
    await shot(page, 'login-phone.png');

    const verified = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/code/verify');
    await page.locator('#phone-submit').click();
    assert.equal((await verified).status(), 200);
    await page.waitForURL(`${BASE}/#me`);

    // 我的: resident, masked phone, no roles.
    await page.locator('#me-details').waitFor({ state: 'visible' });
    const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;
    assert.equal(await visibleText(page, '#me-tag'), '住户');
    assert.equal(await visibleText(page, '#me-kind'), '住户');
    assert.equal(await visibleText(page, '#me-phone'), masked);
    assert.match(await visibleText(page, '#me-status'), /\S/);
    assert.equal(await page.locator('#me-roles-group').isVisible(), false);
    assert.equal(await page.locator('#me-username-row').isVisible(), false);
    assert.equal(await page.locator('#me-login').isVisible(), false);
    assert.equal(await page.locator('#tab-me').getAttribute('aria-selected'), 'true');
    const body = await page.locator('body').innerText();
    assert.ok(!body.includes(phone), 'the full phone number is never shown');
    const { access, refresh } = await storage(page);
    assert.ok(access && refresh, 'tokens stored');
    await shot(page, 'me-resident.png');

    // 退出登录 asks first; cancelling keeps the session.
    await page.locator('#me-logout').click();
    await page.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '取消' }).click();
    await page.locator('#huzu-confirm-dialog').waitFor({ state: 'detached' });
    assert.equal(await visibleText(page, '#me-phone'), masked);

    await page.locator('#me-logout').click();
    const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/logout');
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '退出登录' }).click();
    assert.equal((await loggedOut).status(), 204);
    await page.locator('#me-status', { hasText: '未登录' }).waitFor();
    assert.equal(await visibleText(page, '#me-login'), '登录');
    assert.equal(await page.locator('#me-details').isVisible(), false);
    assert.equal(await page.locator('#me-logout').isVisible(), false);
    assert.deepEqual(await storage(page), { access: null, refresh: null });

    // The server ended the session too: the old refresh token is refused.
    const again = await page.request.post(`${BASE}/api/v1/auth/refresh`, { data: { refresh_token: refresh } });
    assert.equal(again.status(), 401);

    // The 登录 button leads back to the login page.
    await page.locator('#me-login').click();
    await page.waitForURL(`${BASE}/login.html`);
    await page.locator('#form-phone').waitFor({ state: 'visible' });

    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('staff login shows the name, 工作人员 and the roles with their units', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await openLogin(page);
    await staffLogin(page, 'head1');
    // A building head with no ?next= starts at 今日待办; 我的 is one tap away.
    await page.waitForURL(`${BASE}/todo.html`);
    await page.locator('#todo-list').waitFor({ state: 'visible' });
    await page.locator('#todo-me').click();
    await page.waitForURL(`${BASE}/#me`);
    await page.locator('#me-details').waitFor({ state: 'visible' });

    assert.equal(await visibleText(page, '#me-status'), '栋长陈伯');
    assert.equal(await visibleText(page, '#me-tag'), '工作人员');
    assert.equal(await visibleText(page, '#me-kind'), '工作人员');
    assert.equal(await visibleText(page, '#me-username'), 'head1');
    assert.equal(await page.locator('#me-roles-group').isVisible(), true);
    const roles = (await page.locator('#me-roles .huzu-role .weui-cell__bd').allInnerTexts()).map((t) => t.trim());
    assert.equal(roles.length, 4, `head1 heads 4 buildings: ${roles.join(', ')}`);
    for (const r of roles) assert.match(r, /^栋长 · 石马桥东一巷\d+号楼$/);
    const kinds = (await page.locator('#me-roles .huzu-role .weui-cell__ft').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(kinds, ['楼栋', '楼栋', '楼栋', '楼栋']);
    await shot(page, 'me-staff.png');

    // A reload keeps the session.
    await page.reload({ waitUntil: 'load' });
    assert.equal(await visibleText(page, '#me-status'), '栋长陈伯');

    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('wrong password shows 用户名或密码错误 and stays on the login page', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await openLogin(page, '#staff');
    // #staff opens the staff mode directly.
    assert.equal(await page.locator('#mode-staff').getAttribute('aria-selected'), 'true');

    // Empty fields are caught before any request.
    await page.locator('#staff-submit').click();
    assert.equal(await visibleText(page, '#username-error'), '请输入用户名');
    assert.equal(await visibleText(page, '#password-error'), '请输入密码');
    assert.ok(!s.calls.includes('POST /api/v1/auth/login'));

    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/login');
    await staffLogin(page, 'head1', 'not-the-password');
    const res = await answered;
    assert.equal(res.status(), 401);
    const rid = (await res.json()).error?.request_id;

    // Said under the password field, as a wrong code is; no banner, no request id.
    await page.locator('#password-error').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#password-error'), '用户名或密码错误');
    assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
    assert.ok(rid, 'the answer has a request id');
    assert.equal(await page.locator('#huzu-toptips.huzu-toptips_on').count(), 0, 'no banner besides');
    assert.doesNotMatch(await page.locator('body').innerText(), /[0-9a-f]{32}/, 'no request id on the face');
    await shot(page, 'login-error.png');

    assert.equal(new URL(page.url()).pathname, '/login.html');
    assert.equal(await page.locator('#form-staff').isVisible(), true);
    assert.equal(await page.locator('#staff-submit').isDisabled(), false);
    assert.equal(await page.locator('#username-error').isVisible(), false);
    assert.deepEqual(await storage(page), { access: null, refresh: null });

    assertClean(s, ['/api/v1/auth/login']);
  } finally {
    await s.context.close();
  }
});

// Issue 12, defect 3: a wrong code is said at the code field, in words
// that say what to do next; no request id anywhere on the page. The page's
// controls are 44 px targets and its text readable, at 390 and 320 px.
test('a wrong code is marked at the code field, with no request id', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await openLogin(page);
    await checkWidths(page, 'login, phone');
    const phone = freshPhone();
    await page.locator('#phone').fill(phone);
    const sent = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/code');
    await page.locator('#send-code').click();
    assert.equal((await sent).status(), 202);
    const code = await codeFromSmsLog(phone);
    await page.locator('#code').fill(code === '000000' ? '111111' : '000000');
    const verified = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/code/verify');
    await page.locator('#phone-submit').click();
    const res = await verified;
    assert.equal(res.status(), 401);
    const { error } = await res.json();
    assert.equal(error.code, 'code_invalid');
    assert.match(error.request_id, /^[0-9a-f]{32}$/);

    const said = await visibleText(page, '#code-error');
    assert.equal(said, error.fields.code);
    assert.match(said, /重新输入/);
    assert.match(said, /重新获取验证码/);
    assert.equal(await page.locator('#cell-code').evaluate((n) => n.classList.contains('weui-cell_warn')), true);
    assert.equal(await page.locator('#code').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'code');
    // The input's 44 px tap area overhangs its line (base.css): the line is the cell's body.
    const codeBox = await page.locator('#cell-code .weui-cell__bd').boundingBox();
    const errorBox = await page.locator('#code-error').boundingBox();
    assert.ok(errorBox.y >= codeBox.y + codeBox.height - 1, 'the error right under the code');
    assert.doesNotMatch(await page.locator('body').innerText(), /[0-9a-f]{32}/, 'no request id on the face');
    assert.equal(await page.locator('#huzu-toptips.huzu-toptips_on').count(), 0, 'no banner besides');
    await checkWidths(page, 'login, wrong code');
    await shot(page, 'login-wrong-code.png');

    // Typing again clears it.
    await page.locator('#code').fill('1');
    assert.equal(await page.locator('#code-error').isVisible(), false);

    await page.locator('#mode-staff').click();
    await checkWidths(page, 'login, staff');
    assertClean(s, ['/api/v1/auth/code/verify']);
  } finally {
    await s.context.close();
  }
});

test('an invalid phone number gets a field error and sends nothing', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await openLogin(page);
    await page.locator('#phone').fill('12345');
    await page.locator('#send-code').click();
    assert.equal(await visibleText(page, '#phone-error'), '请输入正确的 11 位手机号');
    assert.equal(await page.locator('#cell-phone').evaluate((n) => n.classList.contains('weui-cell_warn')), true);
    assert.equal(await page.locator('#phone').getAttribute('aria-invalid'), 'true');
    // Under the phone input, inside its cell.
    const inputBox = await page.locator('#phone').boundingBox();
    const errorBox = await page.locator('#phone-error').boundingBox();
    assert.ok(errorBox.y >= inputBox.y + inputBox.height - 1, 'error below the input');
    assert.equal(await visibleText(page, '#send-code'), '获取验证码');

    // 登录 with a short code: both fields flagged, still nothing sent.
    await page.locator('#code').fill('12');
    await page.locator('#phone-submit').click();
    assert.equal(await visibleText(page, '#code-error'), '请输入 6 位数字验证码');
    await shot(page, 'login-invalid.png');
    assert.deepEqual(s.calls.filter((c) => c.includes('/auth/')), [], 'no auth request');

    // Typing clears the error.
    await page.locator('#phone').fill('1391234');
    assert.equal(await page.locator('#phone-error').isVisible(), false);

    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('an expired access token is refreshed once, silently; a dead session logs out', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await openLogin(page);
    await staffLogin(page, 'cadre1');
    await page.waitForURL(`${BASE}/#me`);
    await page.locator('#me-details').waitFor({ state: 'visible' });
    const name = await visibleText(page, '#me-status');
    const first = await storage(page);

    await page.evaluate(() => localStorage.setItem('huzu.access', 'garbage.garbage.garbage'));
    const refreshed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/refresh');
    await page.reload({ waitUntil: 'load' });
    assert.equal((await refreshed).status(), 200);
    await page.locator('#me-details').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#me-status'), name);
    assert.equal(await visibleText(page, '#me-tag'), '工作人员');

    const second = await storage(page);
    assert.notEqual(second.access, 'garbage.garbage.garbage');
    assert.ok(second.access && second.refresh);
    assert.notEqual(second.refresh, first.refresh, 'the refresh token rotates');
    // The login page's /me (where a staff member lands), 我的's, then one
    // refresh and one retry: /me was asked twice after the reload, the
    // first time refused.
    assert.deepEqual(s.calls.filter((c) => c === 'GET /api/v1/me' || c === 'POST /api/v1/auth/refresh'),
      ['GET /api/v1/me', 'GET /api/v1/me', 'GET /api/v1/me', 'POST /api/v1/auth/refresh', 'GET /api/v1/me']);

    // Replaying the spent refresh token once its successor is spent too
    // (no grace then) ends the whole session (reuse detection); the next
    // expired access token then leads to 未登录.
    const next = await page.request.post(`${BASE}/api/v1/auth/refresh`, { data: { refresh_token: second.refresh } });
    assert.equal(next.status(), 200);
    const replay = await page.request.post(`${BASE}/api/v1/auth/refresh`, { data: { refresh_token: first.refresh } });
    assert.equal(replay.status(), 401);
    await page.evaluate(() => localStorage.setItem('huzu.access', 'garbage.garbage.garbage'));
    await page.reload({ waitUntil: 'load' });
    await page.locator('#me-status', { hasText: '未登录' }).waitFor();
    assert.equal(await visibleText(page, '#me-login'), '登录');
    assert.deepEqual(await storage(page), { access: null, refresh: null });

    // 首页 also asks for /me/home and the unread count (issue 12).
    assertClean(s, ['/api/v1/me', '/api/v1/auth/refresh', '/api/v1/me/home', '/api/v1/notifications']);
  } finally {
    await s.context.close();
  }
});

// Issue 12, defect 1: two tabs whose access token expired together
// refresh at the same moment (their first /me is held until both asked),
// here without Web Locks, as in older in-app browsers. The client's own
// lock lets one tab refresh and the other take the pair it stored; the
// server answers a token spent a moment ago with the same pair. Neither
// tab is logged out, and the session lives on.
test('two tabs refreshing at once both stay logged in', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { context, page } = s;
  try {
    await context.addInitScript(() => { delete Navigator.prototype.locks; });
    const t = await apiLogin('cadre1');
    await page.goto(`${BASE}/login.html#staff`, { waitUntil: 'load' });
    assert.equal(await page.evaluate(() => 'locks' in navigator), false);
    await page.evaluate((refresh) => {
      localStorage.setItem('huzu.access', 'x.y.z');
      localStorage.setItem('huzu.refresh', refresh);
    }, t.refresh_token);
    const other = await context.newPage();
    const errors = [];
    other.on('pageerror', (err) => errors.push(String(err)));
    const held = new Map();
    await context.route('**/api/v1/me', async (route) => {
      const p = route.request().frame().page();
      if (held.size === 2 || held.has(p)) return route.continue();
      const go = new Promise((resolve) => { held.set(p, resolve); });
      if (held.size === 2) for (const resolve of held.values()) resolve();
      await go;
      return route.continue();
    });
    const refreshes = [];
    context.on('response', (r) => { if (new URL(r.url()).pathname === '/api/v1/auth/refresh') refreshes.push(r.status()); });
    await Promise.all([page, other].map((p) => p.goto(`${BASE}/#me`, { waitUntil: 'load' })));
    for (const p of [page, other]) {
      // 我的 decides: the details, or 未登录 with its 登录 button.
      await p.locator('#me-details:visible, #me-login:visible').first().waitFor();
      assert.equal(await p.locator('#me-login').isVisible(), false, `not logged out (refreshes: ${refreshes})`);
      assert.equal(await visibleText(p, '#me-username'), 'cadre1');
      assert.equal(await visibleText(p, '#me-tag'), '工作人员');
    }
    assert.equal(held.size, 2, 'both tabs were refused together');
    assert.ok(refreshes.length >= 1 && refreshes.every((st) => st === 200), `refreshes: ${refreshes}`);
    const now = await storage(page);
    assert.ok(now.access && now.access !== 'x.y.z' && now.refresh && now.refresh !== t.refresh_token);
    // The session was not ended: its refresh token still works.
    const again = await page.request.post(`${BASE}/api/v1/auth/refresh`, { data: { refresh_token: now.refresh } });
    assert.equal(again.status(), 200);
    assert.deepEqual(errors, []);
    // 首页 asks /me/home and the unread count beside /me: each may meet
    // the expired token first (401, then refreshed).
    assertClean(s, ['/api/v1/me', '/api/v1/me/home', '/api/v1/notifications']);
  } finally {
    await s.context.close();
  }
});

test('?next= returns to a same-origin path only', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await openLogin(page);
    const verdicts = await page.evaluate(async () => {
      const { safeNext } = await import('/js/nav.js');
      const cases = [
        '/#services', '/q/abc?x=1#y', '/', '//evil.example/x', '/\\evil.example', '/\t/evil.example',
        'https://evil.example/', 'javascript:alert(1)', '', 'q/abc', '/login.html?next=/', ' /x', '/%2F%2Fevil.example',
      ];
      return cases.map((c) => [c, safeNext(c, 'FALLBACK')]);
    });
    assert.deepEqual(verdicts, [
      ['/#services', '/#services'],
      ['/q/abc?x=1#y', '/q/abc?x=1#y'],
      ['/', '/'],
      ['//evil.example/x', 'FALLBACK'],
      ['/\\evil.example', 'FALLBACK'],
      ['/\t/evil.example', 'FALLBACK'],
      ['https://evil.example/', 'FALLBACK'],
      ['javascript:alert(1)', 'FALLBACK'],
      ['', 'FALLBACK'],
      ['q/abc', 'FALLBACK'],
      ['/login.html?next=/', 'FALLBACK'],
      [' /x', 'FALLBACK'],
      ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ]);

    // An off-site next falls back to 我的.
    await openLogin(page, `?next=${encodeURIComponent('//evil.example/x')}#staff`);
    await staffLogin(page, 'leader1');
    await page.waitForURL(`${BASE}/#me`);
    await page.locator('#me-details').waitFor({ state: 'visible' });

    // Logged in already: the login page forwards to next at once.
    await page.goto(`${BASE}/login.html?next=${encodeURIComponent('/#services')}`, { waitUntil: 'commit' });
    await page.waitForURL(`${BASE}/#services`);
    await page.locator('#panel-services').waitFor({ state: 'visible' });

    assertClean(s);
  } finally {
    await s.context.close();
  }
});
