// Browser tests of the building head's tools on 楼栋工作台 (building.html)
// and the poster page, at 390 px with one pass at 320 px: the review card's
// badge follows the decision (defect 2), filtering by building and 超时未审,
// picking several and 通过所选 (a double tap sends once), 拨打电话, 未打卡,
// publishing the head's phone, 更换二维码 with its warning, and the poster as
// a PNG whose code zbarimg reads back as the building's /q/ link.
//   HUZU_TEST_BASE=http://127.0.0.1:18080 node --test browser/workbench.test.mjs
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { ARTEFACTS, BASE, DEMO_PASSWORD, apiLogin, assertClean, expireLogin, openPage, shot, useBrowser } from './lib.mjs';
import { apiPath, doubleTap } from './chain-lib.mjs';
import { admin, call, checkins, newTree, registration, sql } from './fixture11.mjs';

const ZBARIMG = '/usr/bin/zbarimg';

let head; // {id, username, phone}
let tree; // one group: 王伯's two buildings and one without a head
let r = {}; // the registrations

async function ok(token, method, p, json) {
  const res = await call(token, method, p, json);
  assert.ok([200, 201].includes(res.status), `${method} ${p}: ${res.status} ${res.text.slice(0, 200)}`);
  return res.json;
}

before(async () => {
  const a = await admin();
  const username = `tw${Date.now() % 1e9}`;
  const phone = `137${String(Date.now() % 1e8).padStart(8, '0')}`;
  head = { ...(await ok(a, 'POST', '/users', { username, display_name: '王伯', password: DEMO_PASSWORD, phone })), username, phone };
  tree = await newTree('工作台测试社', { groups: [{ name: '工作台测试组', buildings: [
    { name: '工作台1号楼', head }, { name: '工作台2号楼', head }, { name: '工作台3号楼' },
  ] }] });
  const [b1, b2] = tree.groups[0].buildings;
  r.one = await registration(b1.id);
  r.two = await registration(b1.id);
  r.late = await registration(b2.id, { overdue: true });
  r.away = await registration(b1.id, { approve: true });
  r.home = await registration(b1.id, { approve: true });
  checkins(b1.id, r.home.who.user.id, 'residence', 1);
});

useBrowser();

// Logs the page in with the head's tokens, where api.js keeps them.
async function signIn(page) {
  const t = await apiLogin(head.username);
  await page.goto(`${BASE}/login.html#staff`, { waitUntil: 'load' });
  await page.evaluate(({ access, refresh }) => {
    localStorage.setItem('huzu.access', access);
    localStorage.setItem('huzu.refresh', refresh);
  }, { access: t.access_token, refresh: t.refresh_token });
}

// The workbench's own controls, each at least 44 × 44 (base.css's are H6's).
async function targetsOk(page, label) {
  const small = await page.evaluate(() => [...document.querySelectorAll(
    '.huzu-back, .huzu-pick, .huzu-linkbtn, #pending-overdue, #pending-building, #batch-approve, #batch-clear, #poster-rotate, .huzu-contact,' +
    ' .huzu-poster-bar__back, #poster-print, #poster-image, .huzu-poster-image__dl')]
    .filter((n) => !n.closest('[hidden]') && n.getBoundingClientRect().width > 0)
    .map((n) => { const b = n.getBoundingClientRect(); return { t: `${n.className.split(' ')[0]} "${n.innerText.trim().slice(0, 8)}"`, w: b.width, h: b.height }; })
    .filter((b) => b.w < 44 || b.h < 44).map((b) => `${b.t} ${Math.round(b.w)}×${Math.round(b.h)}`));
  assert.deepEqual(small, [], `${label}: tap targets of at least 44 px`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, `${label}: no overflow`);
}

const card = (page, t) => page.locator(`#review-${t.tenancy.id}`);

async function confirm(page, text) {
  const dialog = page.locator('#huzu-confirm-dialog .weui-dialog');
  await dialog.waitFor();
  const message = await dialog.innerText();
  await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: text }).click();
  return message;
}

test('待审核: filters, the badge after a decision, several at once, 拨打电话 (390 and 320 px)', { timeout: 120_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await signIn(page);
    await page.goto(`${BASE}/building.html#pending`, { waitUntil: 'load' });
    await card(page, r.one).waitFor();
    await card(page, r.late).waitFor();

    // By building: a head of two buildings gets the filter.
    await page.locator('#pending-building-area').waitFor({ state: 'visible' });
    const [b1, b2] = tree.groups[0].buildings;
    let listed = page.waitForResponse((x) => apiPath(x) === '/api/v1/tenancies' && new URL(x.url()).searchParams.get('building') === String(b2.id));
    await page.locator('#pending-building').selectOption(String(b2.id));
    await listed;
    await card(page, r.late).waitFor();
    assert.equal(await card(page, r.one).count(), 0, 'another building\'s registration is filtered out');
    await page.locator('#pending-building').selectOption('');
    await card(page, r.one).waitFor();

    // 超时未审: pending for more than 24 hours only.
    listed = page.waitForResponse((x) => apiPath(x) === '/api/v1/tenancies' && new URL(x.url()).searchParams.get('overdue') === '1');
    await page.locator('#pending-overdue').click();
    await listed;
    await card(page, r.late).waitFor();
    assert.equal(await page.locator('#pending-overdue').getAttribute('aria-pressed'), 'true');
    assert.equal(await card(page, r.one).count(), 0);
    assert.equal(await card(page, r.late).locator('.huzu-status').innerText(), '超时');
    await page.locator('#pending-overdue').click();
    await card(page, r.one).waitFor();

    // 拨打电话: the full number after a tap, as a tel: link.
    const revealed = page.waitForResponse((x) => apiPath(x) === `/api/v1/tenancies/${r.one.tenancy.id}/phone`);
    await card(page, r.one).locator('.huzu-call', { hasText: '拨打电话' }).click();
    const number = (await (await revealed).json()).phone;
    assert.match(number, /^1\d{10}$/);
    assert.equal(await card(page, r.one).locator('a.huzu-call').getAttribute('href'), `tel:${number}`);
    await targetsOk(page, 'pending at 390 px');
    await shot(page, 'building-workbench-pending.png');

    // Defect 2: after 通过 the card no longer says 待审核.
    assert.equal(await card(page, r.two).locator('.huzu-status').innerText(), '待审核');
    await card(page, r.two).locator('.huzu-approve').click();
    await confirm(page, '通过');
    await card(page, r.two).locator('.huzu-review__result', { hasText: '已通过' }).waitFor();
    assert.equal(await card(page, r.two).locator('.huzu-status').innerText(), '已通过');
    assert.equal(await card(page, r.two).locator('.huzu-status_pending').count(), 0);

    // Several at once: tick two, 通过所选, confirmed; a double tap sends once.
    await card(page, r.one).locator('.huzu-pick').click();
    await card(page, r.late).locator('.huzu-pick').click();
    assert.equal((await page.locator('#batch-count').innerText()).trim(), '已选 2 条');
    await page.setViewportSize({ width: 320, height: 700 });
    await targetsOk(page, 'pending at 320 px');
    await shot(page, 'building-workbench-batch-320.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await doubleTap(page, '#batch-approve');
    assert.match(await confirm(page, '通过 2 条'), /2 条/);
    await card(page, r.one).locator('.huzu-review__result', { hasText: '已通过' }).waitFor();
    await card(page, r.late).locator('.huzu-review__result', { hasText: '已通过' }).waitFor();
    assert.equal(s.calls.filter((c) => c === 'POST /api/v1/tenancies/approve-batch').length, 1, 'one request');
    assert.equal(await page.locator('#batch-bar').isHidden(), true);
    const rows = sql(`SELECT status FROM tenancies WHERE id IN (${r.one.tenancy.id}, ${r.late.tenancy.id})`);
    assert.deepEqual(rows.map((x) => x[0]), ['active', 'active']);
    assert.equal(await card(page, r.late).locator('.huzu-status').innerText(), '已通过');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('未打卡, the published phone, 更换二维码 and the poster as a PNG', { timeout: 120_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  const [b1] = tree.groups[0].buildings;
  try {
    await signIn(page);
    await page.goto(`${BASE}/building.html#absent`, { waitUntil: 'load' });
    await page.locator(`#absent-${r.away.tenancy.id}`).waitFor();
    assert.equal(await page.locator('#absent-building').inputValue(), String(b1.id));
    assert.equal(await page.locator(`#absent-${r.home.tenancy.id}`).count(), 0, 'checked in this month');
    const n = await page.locator('.huzu-absent').count();
    assert.ok(n >= 1);
    assert.match(await page.locator('#absent-summary').innerText(), new RegExp(`还有 ${n} 位`));
    assert.match(await page.locator(`#absent-${r.away.tenancy.id}`).innerText(), /\d{3}\*{4}\d{4}/);

    // 海报打印: the switch, off by default, then on (PATCH /me).
    await page.locator('#tab-posters').click();
    await page.locator('#contact-area').waitFor({ state: 'visible' });
    assert.match(await page.locator('.huzu-contact__label').innerText(), /在楼栋二维码页面公开我的电话，租户可一键拨打/);
    assert.equal(await page.locator('#phone-public').isChecked(), false);
    const patched = page.waitForResponse((x) => apiPath(x) === '/api/v1/me' && x.request().method() === 'PATCH');
    await page.locator('.huzu-contact').click();
    assert.equal((await patched).status(), 200);
    assert.equal(await page.locator('#phone-public').isChecked(), true);
    assert.equal(sql(`SELECT phone_public FROM users WHERE id = ${head.id}`)[0][0], '1');
    await targetsOk(page, 'posters at 390 px');
    await shot(page, 'building-workbench-posters.png');

    // 更换二维码: the warning says old posters stop working; then the new poster.
    const before = (await (await call(await admin(), 'GET', `/units/${b1.id}/posters`)).json).items[0];
    await page.locator('#poster-building').selectOption(String(b1.id));
    await page.locator('#poster-rotate').click();
    const warning = await confirm(page, '取消');
    assert.match(warning, /旧海报会立即作废/);
    assert.match(warning, /打印新海报/);
    assert.ok(!s.calls.includes(`POST /api/v1/buildings/${b1.id}/qr/rotate`), 'cancel sends nothing');
    await page.locator('#poster-rotate').click();
    await confirm(page, '更换并打印新海报');
    await page.waitForURL(`${BASE}/poster.html?unit=${b1.id}&rotated=1`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.locator('#poster-rotated').waitFor({ state: 'visible' });
    const after = (await (await call(await admin(), 'GET', `/units/${b1.id}/posters`)).json).items[0];
    assert.notEqual(after.url, before.url);
    assert.equal(await page.locator('.poster__check-code').innerText(), after.check_code);

    // The poster as a PNG: an <img> to long-press, 下载图片 for other browsers.
    await page.locator('#poster-image').click();
    await page.locator('#poster-images[data-ready="true"]').waitFor();
    const fig = page.locator('.huzu-poster-image').first();
    assert.match(await fig.innerText(), /长按图片保存，发给电脑或打印店打印/);
    const size = await fig.locator('img').evaluate((img) => [img.naturalWidth, img.naturalHeight]);
    assert.deepEqual(size, [2480, 1748], 'A5 at 300 dpi');
    const download = page.waitForEvent('download');
    await fig.locator('a', { hasText: '下载图片' }).click();
    const file = path.join(ARTEFACTS, 'poster-download.png');
    await (await download).saveAs(file);
    let haveZbar = true;
    try { await access(ZBARIMG); } catch { haveZbar = false; }
    if (haveZbar) {
      const { stdout } = await promisify(execFile)(ZBARIMG, ['--raw', '-q', file]);
      assert.equal(stdout.trim(), after.url, 'the PNG carries the building\'s new /q/ link');
      assert.match(after.url, /\/q\/[A-Za-z0-9_-]+$/);
    }
    await targetsOk(page, 'poster at 390 px');
    await page.setViewportSize({ width: 320, height: 700 });
    await targetsOk(page, 'poster at 320 px');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'poster-image.png');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('an expired login offers 重新登录, not 重试', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await signIn(page);
    await expireLogin(page);
    await page.goto(`${BASE}/building.html`, { waitUntil: 'load' });
    await page.locator('#building-relogin').waitFor({ state: 'visible' });
    assert.match(await page.locator('#building-relogin').innerText(), /重新登录/);
    assert.doesNotMatch(await page.locator('body').innerText(), /重试/);
  } finally {
    await s.context.close();
  }
});

test('a head without a phone sees the switch disabled, with why', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  const t = await apiLogin('head1'); // the demo's head1 has no phone
  await page.goto(`${BASE}/login.html#staff`, { waitUntil: 'load' });
  await page.evaluate(({ access, refresh }) => {
    localStorage.setItem('huzu.access', access);
    localStorage.setItem('huzu.refresh', refresh);
  }, { access: t.access_token, refresh: t.refresh_token });
  await page.goto(`${BASE}/building.html#posters`, { waitUntil: 'load' });
  await page.locator('#tab-posters').click();
  await page.locator('#contact-area').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#phone-public').isDisabled(), true);
  assert.match(await page.locator('#phone-public-desc').innerText(), /您的账号还没有登记手机号，请联系管理员添加后再公开/);
  assert.equal(await page.locator('#huzu-error-dialog').count(), 0, 'no 422 dialog');
  await s.context.close();
});
