// The smaller defects of issue 12 (defect 7) that the accessibility sweep
// (a11y.test.mjs) does not catch by itself: one date format per page, the
// time on the 打卡成功 card kept whole at 320 px, a 栋长 of several
// buildings told "负责 4 栋楼" rather than "4 处", and "超时未审" in red only
// when something is overdue. One browser context; users switch by tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { BASE, apiLogin, openPage, shot, useBrowser } from './lib.mjs';
import { freshCoop, ok } from './chain-lib.mjs';
import { complaintAt, posterToken, sql } from './fixture11.mjs';
import { registerOk, resident } from '../api/tenancy-lib.mjs';

useBrowser();

const ISO_DAY = /\d{4}-\d{2}-\d{2}/;
let s = null;
const fx = {};

before(async () => {
  const admin = (await apiLogin('admin')).access_token;
  const org = await freshCoop(admin, { groups: [1], tag: '细节' });
  fx.head = await apiLogin(org.heads[0].username);
  fx.building = org.buildings[0];
  fx.token = await posterToken(fx.building.id);
  fx.renter = await resident();
  const { tenancy } = await registerOk(fx.renter, fx.token);
  await ok(admin, 'POST', `/tenancies/${tenancy.id}/approve`);
  fx.tenancy = tenancy;
  fx.pending = (await registerOk(await resident(), fx.token)).tenancy;
  fx.head1 = await apiLogin('head1');
  fx.complaint = await complaintAt(fx.renter.access_token, fx.building.id);
  s = await openPage();
  await s.page.goto(`${BASE}/errors/`);
});

after(async () => {
  await s?.context.close();
});

async function as(who, path) {
  await s.page.evaluate(([a, r]) => {
    localStorage.setItem('huzu.access', a);
    localStorage.setItem('huzu.refresh', r);
  }, [who.access_token, who.refresh_token]);
  await s.page.goto(`${BASE}${path}`, { waitUntil: 'load' });
}

test('我的居住 and 楼栋工作台 write dates one way: 2026年12月2日, 12月2日 10:22', { timeout: 60_000 }, async () => {
  const { page } = s;
  await as(fx.renter, '/residence.html');
  const card = page.locator(`#tenancy-${fx.tenancy.id}`);
  await card.waitFor({ state: 'visible' });
  const text = await card.innerText();
  assert.doesNotMatch(text, ISO_DAY, `no 2026-12-02 beside 2026年12月2日: ${text}`);
  assert.match(text, /入住日期\s*\d{4}年\d{1,2}月\d{1,2}日/, 'the move-in day in words');
  assert.match(text, /提交时间\s*\d{1,2}月\d{1,2}日 \d{2}:\d{2}/, 'a time of this year without its year');

  await as(fx.head, `/building.html?building=${fx.building.id}`);
  const review = page.locator(`#review-${fx.pending.id}`);
  await review.waitFor({ state: 'visible' });
  const rtext = await review.innerText();
  assert.doesNotMatch(rtext, ISO_DAY, `no ISO day on a registration to review: ${rtext}`);
  assert.match(rtext, /提交时间\s*\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
});

test('诉求: the list and the complaint write times as 12月2日 10:22', { timeout: 60_000 }, async () => {
  const { page } = s;
  await as(fx.renter, '/complaints.html');
  const card = page.locator('.huzu-ccard__time').first();
  await card.waitFor({ state: 'visible' });
  assert.match(await card.innerText(), /^\d{1,2}月\d{1,2}日 \d{2}:\d{2} 提交/);
  await as(fx.renter, `/complaint.html?id=${fx.complaint.id}`);
  await page.locator('#detail-due').waitFor({ state: 'visible' });
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, ISO_DAY, 'no 2026-12-02 on the complaint');
  assert.match(text, /提交时间\s*\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
});

test('超时未审 is red only when something is overdue; a 栋长 of 4 buildings reads 负责 4 栋楼', { timeout: 60_000 }, async () => {
  const { page } = s;
  const warn = () => page.locator('#stat-overdue').evaluate((n) => ({
    cls: n.parentElement.classList.contains('huzu-stat_warn'), color: getComputedStyle(n).color,
  }));
  await as(fx.head, `/building.html?building=${fx.building.id}#roster`);
  await page.locator('#roster-stats').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#stat-overdue').innerText(), '0');
  const calm = await warn();
  assert.equal(calm.cls, false, '0 超时未审 is not a warning');
  assert.equal(calm.color, await page.locator('#stat-active').evaluate((n) => getComputedStyle(n).color), 'a zero looks like the other figures');

  sql(`UPDATE tenancies SET created_at = NOW(3) - INTERVAL 2 DAY WHERE id = ${Number(fx.pending.id)}`);
  await page.reload({ waitUntil: 'load' });
  await page.locator('#roster-stats').waitFor({ state: 'visible' });
  await page.locator('#stat-overdue', { hasText: '1' }).waitFor();
  const red = await warn();
  assert.equal(red.cls, true, '1 超时未审 is a warning');
  assert.notEqual(red.color, calm.color, 'in its warning colour');

  await as(fx.head1, '/building.html');
  const who = page.locator('#building-who');
  await who.waitFor({ state: 'visible' });
  await page.waitForFunction(() => /栋长/.test(document.getElementById('building-who').textContent));
  const line = await who.innerText();
  assert.match(line, /负责 4 栋楼/, line);
  assert.doesNotMatch(line, /处/, line);
});

test('打卡成功: the time stays whole on one line at 320 px', { timeout: 60_000 }, async () => {
  const { page } = s;
  await page.setViewportSize({ width: 320, height: 640 });
  try {
    await as(fx.renter, `/q/${fx.token}`);
    await page.locator('#act-checkin').waitFor({ state: 'visible' });
    const done = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/checkins');
    await page.locator('#act-checkin').click();
    assert.equal((await done).status(), 201);
    await page.locator('.huzu-result__title', { hasText: '打卡成功' }).waitFor();
    const desc = page.locator('.huzu-result__desc');
    assert.doesNotMatch(await desc.innerText(), ISO_DAY, 'the time in words, as on the other pages');
    const time = desc.locator('.huzu-nobreak');
    assert.match(await time.innerText(), /^\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    assert.equal(await time.evaluate((n) => n.getClientRects().length), 1, 'the time is not broken across lines');
    await shot(page, 'landing-checkin-320.png');
  } finally {
    await page.setViewportSize({ width: 390, height: 844 });
  }
});
