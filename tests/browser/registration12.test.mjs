// Issue 12's registration pages: a rejected registration's reason shown
// once with 重新登记 pre-filled from it (defect 4), who reviews and the
// head's call button on the landing page (defect 5), the scan request
// started before the landing page's modules have loaded on slow 3G
// (defect 8), consent before the form (PIPL), finding a building by its
// address, and moving in one step. Residents sign in through the API (one
// code each); the pages are driven as a renter would.
//
// Buildings: B004 (head1; the rejected registration), B036 → B038 (the
// move), B006 (no head: leader1's group), B039 (a head of its own here).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { api, expectStatus, residentLogin, staff } from '../api/lib.mjs';
import { sql } from '../api/identity-lib.mjs';
import { POLICY_VERSION, currentToken, decide, registerOk, uid } from '../api/tenancy-lib.mjs';

// The policy's date in words, as the pages print it: 2026-12-02 → 2026年12月2日.
const policyDate = () => { const [y, m, d] = POLICY_VERSION.split('-').map(Number); return `${y}年${m}月${d}日`; };
import {
  BASE, assertClean, checkLayout, checkWidths, freshPhone, openPage, shot, useBrowser, visibleText,
} from './lib.mjs';
import { SLOW_3G, FAST, network, apiPath } from './chain-lib.mjs';

useBrowser();

// A page signed in as the resident whose tokens these are.
async function signedIn(tokens) {
  const s = await openPage();
  await s.page.goto(`${BASE}/privacy.html`, { waitUntil: 'load' });
  await s.page.evaluate(([a, r]) => {
    localStorage.setItem('huzu.access', a);
    localStorage.setItem('huzu.refresh', r);
  }, [tokens.access_token, tokens.refresh_token]);
  return s;
}

const count = (text, part) => text.split(part).length - 1;

test('defect 4: a rejected registration shows its reason once; 重新登记 opens the form filled from it', { timeout: 120_000 }, async () => {
  const r = await residentLogin(freshPhone('136'));
  const reason = '房号与门牌不符，请核对';
  const { tenancy, body } = await registerOk(r, await currentToken('B004'), {
    name: '黄志强', room: '203', reason: 'business', employer: '石马桥五金店',
    members: [{ name: '黄小梅', relation: '子女' }],
  });
  expectStatus(await decide('head1', tenancy.id, 'reject', { reason }), 200);
  const s = await signedIn(r);
  const { page } = s;
  try {
    await page.goto(`${BASE}/residence.html`, { waitUntil: 'load' });
    const card = page.locator(`#tenancy-${tenancy.id}`);
    await card.waitFor({ state: 'visible' });
    const text = await card.innerText();
    assert.equal(count(text, reason), 1, 'the reason once');
    assert.equal(count(text, '未通过'), 1, '未通过 once (the badge)');
    assert.equal(await visibleText(page, `#again-${tenancy.id}`), '重新登记');
    await shot(page, 'residence-rejected-again.png', { fullPage: true });

    await page.locator(`#again-${tenancy.id}`).click();
    await page.waitForURL(`${BASE}/register.html?again=${tenancy.id}`);
    await page.locator('#reg-form').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#reg-note'), new RegExp(reason));
    assert.equal(await visibleText(page, '#reg-building'), '石马桥东一巷4号楼');
    assert.equal(await page.locator('#f-consent').isChecked(), false, 'consent is not ticked beforehand');
    assert.equal(await page.locator('#f-name').isDisabled(), true, 'nothing to fill before consent');
    assert.equal(await page.locator('#f-name').inputValue(), '黄志强');
    assert.equal(await page.locator('#f-id_type').inputValue(), 'resident_id');
    assert.equal(await page.locator('#f-id_number').inputValue(), body.id_number, 'the owner reads the number back');
    assert.equal(await page.locator('#f-phone').inputValue(), '', 'the phone is typed again (only its mask is kept readable)');
    assert.equal(await page.locator('#f-room').inputValue(), '203');
    assert.equal(await page.locator('#f-move_in').inputValue(), body.move_in);
    assert.equal(await page.locator('#f-reason').inputValue(), 'business');
    assert.equal(await page.locator('#f-employer').inputValue(), '石马桥五金店');
    assert.equal(await page.locator('.huzu-member__name').inputValue(), '黄小梅');
    assert.equal(await page.locator('.huzu-member__relation').inputValue(), '子女');

    // Sent without consent: refused in the page, nothing sent.
    await page.locator('#reg-submit').click();
    await page.locator('#err-consent_version').waitFor({ state: 'visible' });
    assert.ok(!s.calls.includes('POST /api/v1/tenancies'));
    await page.locator('#f-consent').check();
    assert.equal(await page.locator('#f-name').isDisabled(), false);
    await page.locator('#f-room').fill('204');
    await page.locator('#f-phone').fill(freshPhone('136'));
    const created = page.waitForResponse((res) => apiPath(res) === '/api/v1/tenancies' && res.request().method() === 'POST');
    await page.locator('#reg-submit').click();
    const res = await created;
    assert.equal(res.status(), 201);
    const sent = JSON.parse(res.request().postData());
    assert.equal(sent.consent_version, POLICY_VERSION);
    assert.equal(sent.building_id, await uid('B004'));
    assert.equal('token' in sent, false);
    const t = await res.json();
    assert.equal(t.room, '204');
    assert.equal(t.name, '黄志强');
    // 重新登记 knows no reviewer (no scan): 等待审核, not a guessed 栋长.
    assert.equal(await visibleText(page, '#state-title'), '已提交，等待审核');
    assertClean(s);

    // Issue 13, defects 7 and 8: past its period the rejected registration
    // is erased; its card says why, and at 320 px in 关怀模式 审核时间
    // breaks between the date and the time, never inside either.
    sql(`UPDATE tenancies SET erased_at = NOW(3), decided_at = '2022-12-02 17:24:00' WHERE id = ${Number(tenancy.id)}`);
    await page.setViewportSize({ width: 320, height: 720 });
    await page.evaluate(() => localStorage.setItem('huzu.care', '1'));
    await page.goto(`${BASE}/residence.html`, { waitUntil: 'load' });
    assert.match(await visibleText(page, `#tenancy-${tenancy.id}-erased`), /^已过保存期限，已按隐私政策删除/);
    const pieces = await page.evaluate((id) => [...document.querySelectorAll(`#tenancy-${id} .huzu-nowrap`)]
      .map((n) => ({ text: n.textContent, lines: n.getClientRects().length })), tenancy.id);
    assert.ok(pieces.some((p) => p.text === '2022年12月2日' || p.text === '2022年12月3日'), `审核时间's date whole: ${JSON.stringify(pieces)}`);
    assert.ok(pieces.some((p) => /^\d{2}:\d{2}$/.test(p.text)), `and its time: ${JSON.stringify(pieces)}`);
    for (const p of pieces) assert.equal(p.lines, 1, `${p.text} on one line`);
    await checkLayout(page, 'residence erased, 320 px 关怀模式');

    // Defect 9: 重新登记 of an erased registration asks for no number (410).
    const before = s.calls.length;
    await page.goto(`${BASE}/register.html?again=${tenancy.id}`, { waitUntil: 'load' });
    await page.locator('#reg-form').waitFor({ state: 'visible' });
    assert.ok(!s.calls.slice(before).some((c) => c.endsWith('/id-number')), 'no request for the erased number');

    // Defect 3: at 200 % text the two policy links are 8 px or more apart.
    await page.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
    const [a, b] = await page.evaluate(() => ['link-privacy', 'link-terms'].map((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    }));
    const apart = Math.max(b.left - a.right, a.left - b.right, b.top - a.bottom, a.top - b.bottom);
    assert.ok(apart >= 8 || b.top >= a.bottom - 0.5, `8 px apart or on separate lines, never overlapping: ${JSON.stringify([a, b])}`);
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('moving: 搬家了？ → find the new building by lane and door → consent → one step', { timeout: 120_000 }, async () => {
  const r = await residentLogin(freshPhone('136'));
  const { tenancy: old, body } = await registerOk(r, await currentToken('B036'), { name: '林晓东', room: '101' });
  expectStatus(await decide('admin', old.id, 'approve'), 200);
  const s = await signedIn(r);
  const { page } = s;
  try {
    await page.goto(`${BASE}/residence.html`, { waitUntil: 'load' });
    await page.locator(`#move-${old.id}`).click();
    await page.waitForURL(/\/register\.html\?find=1&moving=/);
    await page.locator('#find').waitFor({ state: 'visible' });
    await page.locator('#find-submit').click();
    assert.equal(await visibleText(page, '#err-lane'), '请填写街巷名称或门牌号');
    await page.locator('#f-lane').fill('北约五巷');
    await page.locator('#f-door').fill('3');
    const found = page.waitForResponse((res) => apiPath(res) === '/api/v1/buildings/search');
    await page.locator('#find-submit').click();
    assert.equal((await found).status(), 200);
    const b38 = await uid('B038');
    await page.locator(`#hit-${b38}`).waitFor({ state: 'visible' });
    assert.match(await page.locator(`#hit-${b38}`).innerText(), /北约五巷3号/);
    await checkWidths(page, 'find');
    await shot(page, 'register-find.png');
    await page.locator(`#hit-${b38}`).click();
    await page.waitForURL(/\/register\.html\?building=/);
    await page.locator('#reg-form').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#reg-building'), '北约五巷3号');
    assert.match(await visibleText(page, '#reg-note'), /同时结束/);
    assert.equal(await page.locator('#f-name').inputValue(), '林晓东');
    assert.equal(await page.locator('#f-id_number').inputValue(), body.id_number);
    assert.equal(await page.locator('#f-room').inputValue(), '', 'a new room');

    // The policy pages open from the form, and come back to it.
    await page.locator('#link-privacy').click();
    await page.waitForURL(`${BASE}/privacy.html`);
    assert.equal(await visibleText(page, '[data-policy-version]'), POLICY_VERSION);
    await checkWidths(page, 'privacy');
    await page.locator('#doc-back').click();
    await page.locator('#reg-form').waitFor({ state: 'visible' });
    await page.locator('#f-consent').check();
    await checkWidths(page, 'register with consent');
    await page.locator('#f-room').fill('302');
    await page.locator('#f-phone').fill(freshPhone('136'));
    const created = page.waitForResponse((res) => apiPath(res) === '/api/v1/tenancies' && res.request().method() === 'POST');
    await page.locator('#reg-submit').click();
    const res = await created;
    assert.equal(res.status(), 201);
    const sent = JSON.parse(res.request().postData());
    const fresh = await res.json();
    assert.equal(sent.moving_from, old.id);
    assert.equal(sent.building_id, b38);
    assert.match(await visibleText(page, '#state-desc'), /原登记已结束/);

    await page.goto(`${BASE}/residence.html`, { waitUntil: 'load' });
    const was = page.locator(`#tenancy-${old.id}`);
    await was.waitFor({ state: 'visible' });
    assert.equal(await was.locator('.huzu-status').innerText(), '已迁出');
    assert.match(await was.innerText(), /迁往新住址/);
    assert.equal(await page.locator(`#tenancy-${fresh.id} .huzu-status`).innerText(), '待审核');
    assert.equal(await page.locator('#res-find').getAttribute('href'), '/register.html?find=1');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('defect 5: a building without a head says 户组长审核; a head who published a number gets a call button', { timeout: 120_000 }, async () => {
  const r = await residentLogin(freshPhone('136'));
  const s = await signedIn(r);
  const { page } = s;
  const admin = await staff('admin');
  const phone = freshPhone('138');
  const head = expectStatus(await api('POST', '/api/v1/users', admin, {
    json: { username: `hb12${Date.now() % 1e8}`, display_name: '栋长刘姨', password: 'long enough password 12', phone },
  }), 201);
  const b39 = await uid('B039');
  expectStatus(await api('PATCH', `/api/v1/buildings/${b39}`, admin, { json: { head_id: head.id } }), 200);
  try {
    await page.goto(`${BASE}/q/${await currentToken('B006')}`, { waitUntil: 'load' });
    await page.locator('#act-register').waitFor({ state: 'visible' });
    assert.match(await page.locator('#act-register').innerText(), /提交后由户组长审核/);
    assert.match(await visibleText(page, '#place-reviewer'), /户组长（东巷户组长）审核/);
    assert.doesNotMatch(await page.locator('body').innerText(), /栋长审核/);
    assert.equal(await page.locator('#place-call').isVisible(), false);
    await shot(page, 'landing-group-leader.png');

    // Not published (the default): no button, no number.
    const b39Path = `/q/${await currentToken('B039')}`;
    await page.goto(`${BASE}${b39Path}`, { waitUntil: 'load' });
    await page.locator('#act-register').waitFor({ state: 'visible' });
    assert.match(await page.locator('#act-register').innerText(), /提交后由栋长审核/);
    assert.equal(await page.locator('#place-call').isVisible(), false);
    assert.ok(!(await page.content()).includes(phone.slice(3)), 'no number anywhere');

    sql(`UPDATE users SET phone_public = 1 WHERE id = ${Number(head.id)}`);
    await page.reload({ waitUntil: 'load' });
    const call = page.locator('#place-call');
    await call.waitFor({ state: 'visible' });
    assert.equal(await call.getAttribute('href'), `tel:${phone}`);
    assert.match(await call.innerText(), /联系栋长/);
    const box = await call.boundingBox();
    assert.ok(box.height >= 44 && box.width >= 44, `call button ${box.width}×${box.height}`);
    await shot(page, 'landing-call.png');
    await page.setViewportSize({ width: 320, height: 700 });
    assert.ok((await call.boundingBox()).width <= 320);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320, 'nothing overflows at 320 px');
    await shot(page, 'landing-call-320.png');
    sql(`UPDATE users SET phone_public = 0 WHERE id = ${Number(head.id)}`);

    // A code that does not work: the way to find the building by address.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}/q/AAAAAAAAAAAAAAAAAAAA`, { waitUntil: 'load' });
    await page.locator('#state-find').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#state-find').innerText(), '找不到二维码？按门牌号查找');
    assert.equal(await page.locator('#state-find').getAttribute('href'), '/register.html?find=1');
    assertClean(s, [/^\/api\/v1\/scan\//]);
  } finally {
    sql(`UPDATE users SET phone_public = 0 WHERE id = ${Number(head.id)}`);
    await s.context.close();
  }
});

test('defect 8: on slow 3G the scan request leaves before landing.js has loaded', { timeout: 120_000 }, async () => {
  const r = await residentLogin(freshPhone('136'));
  const s = await signedIn(r);
  const { page } = s;
  const path = `/q/${await currentToken('B006')}`;
  try {
    const times = {};
    let scans = 0;
    page.on('request', (req) => {
      const p = new URL(req.url()).pathname;
      if (p.startsWith('/api/v1/scan/')) {
        scans += 1;
        times.scanStart ??= Date.now();
      }
    });
    page.on('requestfinished', (req) => {
      if (new URL(req.url()).pathname === '/js/landing.js') times.moduleDone = Date.now();
    });
    await network(s, SLOW_3G);
    const t0 = Date.now();
    await page.goto(`${BASE}${path}`, { waitUntil: 'commit', timeout: 60_000 });
    await page.locator('#place-name').waitFor({ state: 'visible', timeout: 60_000 });
    const paint = Date.now() - t0;
    await network(s, FAST);
    console.log(`# landing first useful paint on slow 3G: ${paint} ms (scan at ${times.scanStart - t0} ms, landing.js done at ${times.moduleDone - t0} ms)`);
    assert.ok(times.scanStart && times.moduleDone, 'both seen');
    assert.ok(times.scanStart < times.moduleDone,
      `/scan started ${times.scanStart - t0} ms in, before landing.js finished at ${times.moduleDone - t0} ms`);
    assert.equal(scans, 1, 'one scan request');
    await page.locator('#act-register').waitFor({ state: 'visible' });
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('consent pages at 320 px: version and date, tap targets, contrast', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    for (const p of ['/privacy.html', '/terms.html']) {
      await page.goto(`${BASE}${p}`, { waitUntil: 'load' });
      assert.match(await visibleText(page, '#doc-version'), new RegExp(`版本 ${POLICY_VERSION} · ${policyDate()}起生效`));
      await page.setViewportSize({ width: 320, height: 700 });
      await checkLayout(page, `${p} at 320 px`);
      await shot(page, `${p.slice(1, -5)}-320.png`, { fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
    }
    assertClean(s);
  } finally {
    await s.context.close();
  }
});
