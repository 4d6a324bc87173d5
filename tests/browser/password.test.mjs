// The login page after an admin's password reset: the temporary password
// logs in, the page asks for a new one (twice) before going on, and the
// new one is what works afterwards. One login, through the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  BASE, apiLogin, assertClean, checkLayout, openPage, shot, useBrowser, visibleText,
} from './lib.mjs';

useBrowser();

async function call(method, p, token, body) {
  const res = await fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

test('a temporary password: 修改密码 first, then the portal, with the new password', { timeout: 60_000 }, async () => {
  const admin = (await apiLogin('admin')).access_token;
  const username = `pw${randomBytes(4).toString('hex')}`;
  const made = await call('POST', '/users', admin, { username, display_name: '改密测试员', password: 'first-password-2026' });
  assert.equal(made.status, 201);
  const reset = await call('POST', `/users/${made.json.id}/password-reset`, admin);
  assert.equal(reset.status, 200);
  const temp = reset.json.temporary_password;
  const fresh = `new-${randomBytes(6).toString('hex')}`;

  const s = await openPage();
  const { page } = s;
  try {
    await page.goto(`${BASE}/login.html#staff`, { waitUntil: 'load' });
    await page.locator('#form-staff').waitFor({ state: 'visible' });
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(temp);
    await page.locator('#staff-submit').click();

    // The form asks for the new password; the temporary one was typed.
    await page.locator('#form-newpass').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#newpass-title'), '修改密码');
    assert.equal(await page.locator('#form-staff').isVisible(), false);
    assert.equal(await page.locator('#cell-old_password').isVisible(), false);
    await checkLayout(page, 'login 修改密码');
    // Must fail: the two differ; too short.
    await page.locator('#new_password').fill(fresh);
    await page.locator('#new_password2').fill(`${fresh}x`);
    await page.locator('#newpass-submit').click();
    assert.match(await visibleText(page, '#new_password2-error'), /不一样/);
    await page.locator('#new_password').fill('short');
    await page.locator('#new_password2').fill('short');
    await page.locator('#newpass-submit').click();
    assert.match(await visibleText(page, '#new_password-error'), /至少 10 个字符/);
    assert.ok(!s.calls.includes('POST /api/v1/me/password'), 'nothing sent while the form is wrong');
    await shot(page, 'login-password-change.png');

    await page.locator('#new_password').fill(fresh);
    await page.locator('#new_password2').fill(fresh);
    const changed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/me/password');
    await page.locator('#newpass-submit').click();
    assert.equal((await changed).status(), 200);
    await page.waitForURL(`${BASE}/#me`);
    await page.locator('#me-details').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#me-username'), username);
    assertClean(s);
  } finally {
    await s.context.close();
  }

  // The new password is the one that works now; the temporary one no more.
  const login = async (password) => (await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
  })).status;
  assert.equal(await login(temp), 401);
  assert.equal(await login(fresh), 200);
});
