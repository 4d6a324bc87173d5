// Browser tests for the station manager's pages: station-manage.html
// (publish a weekly series, edit, cancel with a reason, the live roster,
// remove a volunteer, the hours CSV, another station's page refused) and
// station-poster.html (the code read back with zbarimg, rotation).
//   HUZU_TEST_BASE=http://127.0.0.1:18080 HUZU_SMS_LOG=… node --test browser/station-manage.test.mjs
// Env: HUZU_TEST_BASE, HUZU_SMS_LOG (resident logins), HUZU_CHROMIUM,
//      HUZU_ARTEFACT_DIR (screenshots, the PDF, the CSV).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, access } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import {
  ARTEFACTS, BASE, apiGet, apiLogin, assertClean, codeFromSmsLog, freshPhone, openPage, shot, useBrowser, visibleText,
} from './lib.mjs';

const ZBARIMG = '/usr/bin/zbarimg';
const CULTURE = '石马桥文化站';
const ELDERLY = '石马桥老人关爱站';

const apiPath = (r) => new URL(r.url()).pathname;

async function call(token, method, p, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${BASE}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

// A fresh resident, logged in by phone code: their access token.
async function resident() {
  const phone = freshPhone('137');
  assert.equal((await call(null, 'POST', '/auth/code', { phone })).status, 202);
  const r = await call(null, 'POST', '/auth/code/verify', { phone, code: await codeFromSmsLog(phone) });
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

// Logs the page in by putting the API's tokens where api.js keeps them.
async function signIn(page, username) {
  const t = await apiLogin(username);
  await page.goto(`${BASE}/login.html#staff`, { waitUntil: 'load' });
  await page.evaluate(({ access, refresh }) => {
    localStorage.setItem('huzu.access', access);
    localStorage.setItem('huzu.refresh', refresh);
  }, { access: t.access_token, refresh: t.refresh_token });
  return t.access_token;
}

async function stationIds(token) {
  const list = await apiGet(token, '/stations');
  const find = (name) => {
    const s = list.items.find((x) => x.name === name);
    assert.ok(s, `${name} exists`);
    return s;
  };
  return { culture: find(CULTURE), elderly: find(ELDERLY) };
}

// YYYY-MM-DD in Shanghai, n days from today.
function day(n) {
  const d = new Date(Date.now() + n * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const weekday = (ymd) => WEEKDAYS[new Date(`${ymd}T00:00:00Z`).getUTCDay()];
// "12月5日" of YYYY-MM-DD (with "2027年" in front in another year), as the pages write it.
function md(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  return `${String(y) === day(0).slice(0, 4) ? '' : `${y}年`}${m}月${d}日`;
}
// "12月5日 周六": the pages' day.
const dayText = (ymd) => `${md(ymd)} ${weekday(ymd)}`;

async function assertNoOverflow(page, where) {
  const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(o.sw <= o.cw, `${where}: nothing wider than the screen (${o.sw} > ${o.cw})`);
}

// Every visible control on the page is at least 44 px tall (and the
// buttons 44 px wide); links inside running text are not controls.
async function assertTapTargets(page, where) {
  const small = await page.evaluate(() => {
    const out = [];
    for (const n of document.querySelectorAll('button, .weui-btn, .weui-navbar__item, .weui-form-preview__btn, .weui-cell_access, .huzu-back, input, select')) {
      const r = n.getBoundingClientRect();
      if (!r.width || !r.height || getComputedStyle(n).visibility === 'hidden') continue;
      if (r.height < 43.5 || (n.tagName === 'BUTTON' && r.width < 43.5)) out.push(`${n.tagName}#${n.id}.${n.className} ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    return out;
  });
  assert.deepEqual(small, [], `${where}: tap targets under 44 px`);
}

async function openManage(page, id, hash = '') {
  await page.goto(`${BASE}/station-manage.html?id=${id}${hash}`, { waitUntil: 'load' });
  await page.locator('#sm-app').waitFor({ state: 'visible' });
}

useBrowser({ needSmsLog: true });

test('station1 publishes a weekly series of 4, edits the capacity, cancels one with a reason, exports hours', { timeout: 180_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const token = await signIn(page, 'station1');
    const { culture } = await stationIds(token);
    // A shift tomorrow (and one late today while that is still ahead), for the day headers.
    const soon = [[day(1), '10:00', '10:30']];
    const shanghaiHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    if (shanghaiHour < 22) soon.push([day(0), '23:00', '23:30']);
    for (const [d, a, b] of soon) {
      const r = await call(token, 'POST', '/shifts', {
        station_id: culture.id, title: `整理书架${randomInt(1000, 9999)}`, capacity: 2,
        starts_at: `${d}T${a}:00+08:00`, ends_at: `${d}T${b}:00+08:00`,
      });
      assert.equal(r.status, 201, r.text);
    }

    // Without ?id= the only station station1 manages opens by itself.
    await page.goto(`${BASE}/station-manage.html`, { waitUntil: 'load' });
    await page.waitForURL(new RegExp(`station-manage\\.html\\?id=${culture.id}`));
    await page.locator('#sm-app').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#sm-title'), CULTURE);
    await page.locator('#shift-list .sm-shift, #shift-list .huzu-empty').first().waitFor();
    await shot(page, 'station-manage-list.png', { fullPage: true });
    await assertTapTargets(page, 'shift list');

    // 发布班次: every week, 4 times.
    const title = `读报陪伴${randomInt(10000, 99999)}`;
    await page.locator('#tab-new').click();
    await page.locator('#f-title').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#f-cancel_deadline option:checked').innerText(), '开始前 3 小时', 'the default cancel deadline is shown');
    await page.locator('#f-title').fill(title);
    await page.locator('#f-description').fill('陪长者读报、聊天');
    await page.locator('#f-requirements').fill('会说粤语优先');
    await page.locator('#f-capacity').fill('6');
    await page.locator('#f-date').fill(day(3));
    await page.locator('#f-start').fill('09:00');
    await page.locator('#f-end').fill('11:00');
    await page.locator('#f-repeat_every').selectOption('week');
    await page.locator('#f-repeat_count').fill('4');
    // The weekday beside the date; the series said as days.
    assert.equal(await visibleText(page, '#date-weekday'), weekday(day(3)));
    assert.equal(await visibleText(page, '#repeat-summary'),
      `每${weekday(day(3))}，共 4 次：${md(day(3))} … ${md(day(24))}。每个班次分别报名。`);
    assert.match(await visibleText(page, '#repeat-summary'), /共 4 次/);
    await assertTapTargets(page, 'shift form');
    await shot(page, 'station-manage-form.png', { fullPage: true });
    const created = page.waitForResponse((r) => apiPath(r) === '/api/v1/shifts' && r.request().method() === 'POST');
    await page.locator('#form-submit').click();
    const res = await created;
    assert.equal(res.status(), 201);
    assert.ok(res.request().headers()['idempotency-key'], 'the create carries an Idempotency-Key');
    const body = res.request().postDataJSON();
    assert.equal(body.repeat_every, 'week');
    assert.equal(body.repeat_count, 4);
    assert.equal(body.starts_at, `${day(3)}T09:00:00+08:00`);
    assert.equal(body.ends_at, `${day(3)}T11:00:00+08:00`);
    const items = (await res.json()).items;
    assert.equal(items.length, 4);

    await page.waitForURL(/#shifts$/);
    const cards = page.locator('.sm-shift', { hasText: title });
    await cards.nth(3).waitFor();
    assert.equal(await cards.count(), 4, 'four shifts of the series in the list');
    assert.match(await cards.first().locator('.sm-shift__counts').innerText(), /已报名 0\/6/);
    // One date format, the volunteer pages' ("12月5日 周六 09:00–11:00").
    assert.equal((await cards.first().locator('.sm-shift__when').innerText()).replace(/\s+/g, ' '), `${dayText(day(3))} 09:00–11:00`);
    assert.doesNotMatch(await visibleText(page, '#shift-list-view'), /\d{4}-\d{2}-\d{2}/, 'no ISO dates on the list');

    // The list is in days under headers (今天, 明天, then the date), in order.
    const heads = await page.locator('#shift-list .sm-day').evaluateAll((ns) => ns.map((n) => ({ day: n.dataset.day, text: n.innerText.replace(/\s+/g, ' ') })));
    assert.ok(heads.length >= 2, 'day headers');
    assert.deepEqual(heads.map((h) => h.day), [...heads.map((h) => h.day)].sort(), 'days in order, today first');
    assert.equal(new Set(heads.map((h) => h.day)).size, heads.length, 'one header per day');
    for (const h of heads) {
      const name = h.day === day(0) ? '今天' : h.day === day(1) ? '明天' : '';
      assert.equal(h.text, name ? `${name} ${dayText(h.day)}` : dayText(h.day));
    }
    assert.ok(heads.some((h) => h.day === day(1) && h.text.startsWith('明天')), '明天 has a header');
    if (heads.some((h) => h.day === day(0))) assert.equal(heads[0].text.split(' ')[0], '今天');
    // The card of day(3) sits under day(3)'s header.
    assert.equal(await cards.first().evaluate((n) => {
      let p = n.previousElementSibling;
      while (p && !p.classList.contains('sm-day')) p = p.previousElementSibling;
      return p && p.dataset.day;
    }), day(3));

    // 修改: the capacity of the first.
    await cards.first().locator('.sm-btn-edit').click();
    await page.waitForURL(/#edit=\d+$/);
    assert.equal(await visibleText(page, '#form-title'), '修改班次');
    assert.equal(await page.locator('#f-title').inputValue(), title);
    assert.equal(await page.locator('#f-capacity').inputValue(), '6');
    assert.equal(await page.locator('#repeat-area').isVisible(), false);
    await page.locator('#f-capacity').fill('8');
    const patched = page.waitForResponse((r) => /^\/api\/v1\/shifts\/\d+$/.test(apiPath(r)) && r.request().method() === 'PATCH');
    await page.locator('#form-submit').click();
    const pres = await patched;
    assert.equal(pres.status(), 200);
    assert.deepEqual(pres.request().postDataJSON(), { capacity: 8 }, 'an edit sends only what changed');
    await page.waitForURL(/#shifts$/);
    await page.locator(`#shift-${items[0].id} .sm-shift__counts`, { hasText: '已报名 0/8' }).waitFor();

    // 取消班次: the second, with a reason.
    const second = page.locator(`#shift-${items[1].id}`);
    await second.locator('.sm-btn-cancel').click();
    await page.locator('#huzu-prompt-dialog .weui-dialog').waitFor();
    assert.match(await page.locator('#huzu-prompt-dialog').innerText(), /取消后不能恢复/);
    await page.locator('#huzu-prompt-ok').click();
    await page.locator('#huzu-prompt-reason-error', { hasText: '请填写取消原因' }).waitFor();
    await page.locator('#huzu-prompt-reason').fill('场地临时占用');
    const cancelled = page.waitForResponse((r) => apiPath(r) === `/api/v1/shifts/${items[1].id}/cancel`);
    await page.locator('#huzu-prompt-ok').click();
    assert.equal((await cancelled).status(), 200);
    await page.locator(`#shift-${items[1].id} .sm-shift__state`, { hasText: '已取消' }).waitFor();
    assert.match(await page.locator(`#shift-${items[1].id}`).innerText(), /场地临时占用/);
    assert.equal(await page.locator(`#shift-${items[1].id} .sm-btn-cancel`).count(), 0);
    const after = await call(token, 'GET', `/shifts/${items[1].id}`);
    assert.equal(after.json.status, 'cancelled');
    assert.equal(after.json.cancel_reason, '场地临时占用');

    // 取消整个系列: the third with the rest of the series (the fourth), one reason.
    const posts = [];
    const onRequest = (r) => { if (r.method() === 'POST' && /\/cancel$/.test(apiPath(r))) posts.push(apiPath(r)); };
    page.on('request', onRequest);
    await page.locator(`#shift-${items[2].id} .sm-btn-cancel`).click();
    await page.locator('#huzu-prompt-dialog .weui-dialog').waitFor();
    const tick = page.locator('#huzu-prompt-series');
    assert.match(await page.locator('label[for="huzu-prompt-series"]').innerText(), /取消整个系列（之后的班次）.*之后的 1 个班次/);
    await page.locator('#huzu-prompt-reason').fill('活动调整');
    await page.locator('label[for="huzu-prompt-series"]').click();
    assert.equal(await tick.isChecked(), true);
    await page.locator('#huzu-prompt-ok').click();
    for (const it of [items[2], items[3]]) await page.locator(`#shift-${it.id} .sm-shift__state`, { hasText: '已取消' }).waitFor();
    page.off('request', onRequest);
    assert.deepEqual(posts, [`/api/v1/shifts/${items[2].id}/cancel`, `/api/v1/shifts/${items[3].id}/cancel`], 'one cancel after the other, from this one on');
    for (const it of [items[2], items[3]]) assert.equal((await call(token, 'GET', `/shifts/${it.id}`)).json.cancel_reason, '活动调整');
    assert.equal((await call(token, 'GET', `/shifts/${items[0].id}`)).json.status, 'open', 'the earlier one stays');

    // 站点信息: the opening hours, saved.
    await page.locator('#tab-station').click();
    await page.locator('#f-opening_hours').waitFor({ state: 'visible' });
    const hours = `周二至周日 9:00–17:00（${randomInt(10, 99)}）`;
    await page.locator('#f-opening_hours').fill(hours);
    const saved = page.waitForResponse((r) => apiPath(r) === `/api/v1/stations/${culture.id}` && r.request().method() === 'PATCH');
    await page.locator('#station-save').click();
    assert.equal((await saved).status(), 200);
    assert.equal((await call(token, 'GET', `/stations/${culture.id}`)).json.opening_hours, hours);

    // 联系电话: refused next to the field when it is not a number, then saved.
    await page.locator('#f-phone').waitFor({ state: 'visible' });
    let patches = 0;
    const countPatch = (r) => { if (r.method() === 'PATCH') patches += 1; };
    page.on('request', countPatch);
    await page.locator('#f-phone').fill('找站长');
    await page.locator('#station-save').click();
    await page.locator('#err-phone', { hasText: '数字' }).waitFor();
    assert.equal(patches, 0, 'nothing sent for a bad phone');
    page.off('request', countPatch);
    const phone = `020-8${randomInt(1000000, 9999999)}`;
    await page.locator('#f-phone').fill(phone);
    assert.equal(await page.locator('#err-phone').isVisible(), false);
    const savedPhone = page.waitForResponse((r) => apiPath(r) === `/api/v1/stations/${culture.id}` && r.request().method() === 'PATCH');
    await page.locator('#station-save').click();
    const pr = await savedPhone;
    assert.equal(pr.status(), 200);
    assert.deepEqual(pr.request().postDataJSON(), { phone });
    assert.equal((await call(token, 'GET', `/stations/${culture.id}`)).json.phone, phone);
    await page.locator('#huzu-toast .weui-toast').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#poster-link').getAttribute('href'), `/station-poster.html?id=${culture.id}`);

    // 导出 CSV: a download made from the bearer-token fetch.
    const download = page.waitForEvent('download');
    await page.locator('#export-btn').click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^志愿时长-.*\.csv$/);
    const csvPath = path.join(ARTEFACTS, 'station-hours.csv');
    await file.saveAs(csvPath);
    const csv = (await readFile(csvPath, 'utf8')).replace(/^\uFEFF/, '');
    assert.equal(csv.split(/\r?\n/)[0], '姓名,手机号,班次,缺席,分钟,小时');

    // The saved phone is on the station's poster.
    await page.goto(`${BASE}/station-poster.html?id=${culture.id}`, { waitUntil: 'load' });
    await page.locator('body[data-ready="true"]').waitFor();
    assert.match(await visibleText(page, '.sp-poster__facts'), new RegExp(`联系电话\\s*${phone}`));

    // 320 px: nothing overflows on any view.
    await page.setViewportSize({ width: 320, height: 640 });
    for (const h of ['#shifts', '#new', '#station']) {
      await page.goto(`${BASE}/station-manage.html?id=${culture.id}${h}`, { waitUntil: 'load' });
      await page.locator('#sm-app').waitFor({ state: 'visible' });
      if (h === '#shifts') await cards.first().waitFor();
      await assertNoOverflow(page, `320 px ${h}`);
      await assertTapTargets(page, `320 px ${h}`);
      await shot(page, `station-manage-320-${h.slice(1)}.png`, { fullPage: true });
    }
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('the roster shows a volunteer signed up through the API, updates by itself, and removes one', { timeout: 180_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const token = await signIn(page, 'station1');
    const { culture } = await stationIds(token);
    const date = day(5 + randomInt(0, 20));
    const hour = 13 + randomInt(0, 6);
    const made = await call(token, 'POST', '/shifts', {
      station_id: culture.id, title: `图书整理${randomInt(1000, 9999)}`, capacity: 3,
      starts_at: `${date}T${hour}:00:00+08:00`, ends_at: `${date}T${hour}:45:00+08:00`,
    });
    assert.equal(made.status, 201, made.text);
    const shift = made.json.items[0];
    const v1 = await resident();
    const su = await call(v1, 'POST', `/shifts/${shift.id}/signup`);
    assert.equal(su.status, 201, su.text);

    const roster = page.waitForResponse((r) => apiPath(r) === `/api/v1/shifts/${shift.id}/roster`);
    await openManage(page, culture.id, `#roster=${shift.id}`);
    const first = await (await roster).json();
    assert.equal(first.items.length, 1);
    const entry = first.items[0];
    const cell = page.locator(`#signup-${entry.signup_id}`);
    await cell.waitFor();
    assert.equal(await cell.getAttribute('data-status'), 'confirmed');
    if (entry.user.phone_masked) assert.match(await cell.innerText(), new RegExp(entry.user.phone_masked.replace(/\*/g, '\\*')));
    assert.equal(await visibleText(page, '#stat-confirmed'), '1/3');
    assert.match(await visibleText(page, '#roster-live'), /每 15 秒自动更新/);
    await assertTapTargets(page, 'roster');
    await shot(page, 'station-manage-roster.png', { fullPage: true });

    // A second volunteer signs up meanwhile: the roster shows them without a reload.
    const v2 = await resident();
    assert.equal((await call(v2, 'POST', `/shifts/${shift.id}/signup`)).status, 201);
    await page.locator('#stat-confirmed', { hasText: '2/3' }).waitFor({ timeout: 25_000 });
    assert.equal(await page.locator('.sm-person').count(), 2);

    // A double tap on 移除 opens the dialog but does not confirm it: the
    // second tap, and a tap on the dialog's 移除 at once, are ignored.
    // First where the dialog's buttons are (opened and closed once).
    await cell.locator('.sm-remove').click();
    const warnBtn = page.locator('#huzu-confirm-dialog .weui-dialog__btn_warn');
    const wb = await warnBtn.boundingBox();
    // The safe button takes the primary place (the right) and the focus.
    const safe = page.locator('#huzu-confirm-dialog .weui-dialog__ft .weui-dialog__btn').last();
    assert.equal(await safe.innerText(), '取消');
    assert.equal(await safe.evaluate((b) => b === document.activeElement), true);
    // Its red is readable (≥ 4.5:1 on white).
    const red = await warnBtn.evaluate((b) => getComputedStyle(b).color);
    const lum = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    const [r8, g8, b8] = red.match(/\d+/g).map(Number);
    assert.ok(1.05 / (0.2126 * lum(r8) + 0.7152 * lum(g8) + 0.0722 * lum(b8) + 0.05) >= 4.5, `warn red ${red}`);
    await safe.click();
    await page.locator('#huzu-confirm-dialog').waitFor({ state: 'detached' });

    const deletes = [];
    const onDelete = (r) => { if (r.method() === 'DELETE') deletes.push(apiPath(r)); };
    page.on('request', onDelete);
    // When the dialog appeared and when each tap came, in the page's clock.
    await page.evaluate(() => {
      window.taps = [];
      window.shownAt = 0;
      document.addEventListener('pointerdown', () => window.taps.push(performance.now()), true);
      new MutationObserver(() => {
        if (!window.shownAt && document.getElementById('huzu-confirm-dialog')) window.shownAt = performance.now();
      }).observe(document.body, { childList: true });
    });
    const rb = await cell.locator('.sm-remove').boundingBox();
    await page.touchscreen.tap(rb.x + rb.width / 2, rb.y + rb.height / 2);
    await page.touchscreen.tap(rb.x + rb.width / 2, rb.y + rb.height / 2);
    await page.touchscreen.tap(wb.x + wb.width / 2, wb.y + wb.height / 2);
    await page.waitForTimeout(600);
    const { taps, shownAt } = await page.evaluate(() => ({ taps: window.taps, shownAt: window.shownAt }));
    assert.ok(shownAt > 0, 'the first tap opened the dialog');
    assert.ok(taps.length === 3 && taps[1] - shownAt < 400, `the second tap came within the guard time (${taps.map((t) => Math.round(t - shownAt))})`);
    assert.equal(await page.locator('#huzu-confirm-dialog').count(), 1, 'the dialog is still open');
    assert.deepEqual(deletes, [], 'nothing was sent');
    await safe.click();
    await page.locator('#huzu-confirm-dialog').waitFor({ state: 'detached' });
    page.off('request', onDelete);
    assert.deepEqual(deletes, []);
    assert.equal(await cell.getAttribute('data-status'), 'confirmed');

    // 移除 the first, after the confirm dialog (cancelled once, then confirmed).
    await cell.locator('.sm-remove').click();
    await page.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '取消' }).click();
    assert.equal(await cell.getAttribute('data-status'), 'confirmed');
    await cell.locator('.sm-remove').click();
    await page.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    assert.match(await page.locator('#huzu-confirm-dialog').innerText(), /对方会收到通知/);
    const removed = page.waitForResponse((r) => apiPath(r) === `/api/v1/shifts/${shift.id}/signups/${entry.signup_id}`);
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn_warn').click();
    assert.equal((await removed).status(), 200);
    await page.locator('#stat-confirmed', { hasText: '1/3' }).waitFor();
    const gone = page.locator(`#signup-${entry.signup_id}`);
    if (await gone.count()) assert.equal(await gone.getAttribute('data-status'), 'removed');
    const r = await call(token, 'GET', `/shifts/${shift.id}/roster`);
    assert.notEqual(r.json.items.find((e) => e.signup_id === entry.signup_id)?.status, 'confirmed');

    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoOverflow(page, 'roster at 320 px');
    await shot(page, 'station-manage-roster-320.png', { fullPage: true });
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('station1 opening another station\'s page gets a clear refusal, not a broken page', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const token = await signIn(page, 'station1');
    const { elderly } = await stationIds(token);
    assert.equal((await call(token, 'GET', `/stations/${elderly.id}/poster`)).status, 404);
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(`${BASE}/station-manage.html?id=${elderly.id}`, { waitUntil: 'load' });
    await page.locator('#state-title', { hasText: '无法管理该站点' }).waitFor();
    assert.match(await visibleText(page, '#state-desc'), /不存在，或不由您负责管理/);
    assert.equal(await page.locator('#sm-app').isVisible(), false);
    assert.equal(await page.locator('#sm-pick').getAttribute('href'), '/station-manage.html');
    await assertNoOverflow(page, 'refusal at 320 px');
    await shot(page, 'station-manage-refused.png');
    // A made-up id, too.
    await page.goto(`${BASE}/station-manage.html?id=999999`, { waitUntil: 'load' });
    await page.locator('#state-title', { hasText: '无法管理该站点' }).waitFor();
    // The poster page of another station.
    await page.goto(`${BASE}/station-poster.html?id=${elderly.id}`, { waitUntil: 'load' });
    await page.locator('#state-title', { hasText: '无法生成海报' }).waitFor();
    assert.equal(await page.locator('.sp-poster').count(), 0);
    assertClean(s, ['/api/v1/stations/999999', `/api/v1/stations/${elderly.id}`, `/api/v1/stations/${elderly.id}/poster`]);
  } finally {
    await s.context.close();
  }
});

test('the station poster prints on one A4 page, its code reads back as a /q/ link, and rotating it retires the old one', { timeout: 120_000 }, async () => {
  const s = await openPage({ desktop: true });
  const { page } = s;
  try {
    const token = await signIn(page, 'station1');
    const { culture } = await stationIds(token);
    const before = await apiGet(token, `/stations/${culture.id}/poster`);
    assert.match(before.url, /\/q\/[^/]+$/);

    await page.goto(`${BASE}/station-poster.html?id=${culture.id}`, { waitUntil: 'load' });
    await page.locator('body[data-ready="true"]').waitFor();
    assert.equal(await visibleText(page, '.sp-poster__name'), CULTURE);
    assert.equal(await visibleText(page, '.sp-poster__title'), '扫码签到/签退 · 报名志愿服务');
    assert.equal(await visibleText(page, '.sp-poster__check-code'), before.check_code);
    // The station's public phone (demo data or the first test's) under 联系电话.
    const st = await apiGet(token, `/stations/${culture.id}`);
    if (st.phone) assert.match(await visibleText(page, '.sp-poster__facts'), new RegExp(`联系电话\\s*${st.phone}`));
    const back = await page.locator('#poster-back').boundingBox();
    assert.ok(back.width >= 44 && back.height >= 44, `the back link is ${back.width}×${back.height}`);
    assert.equal(await page.locator('.sp-poster__qr img').evaluate((img) => img.complete && img.naturalWidth > 0), true);
    await shot(page, 'station-poster.png', { fullPage: true });

    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#poster-bar').isVisible(), false);
    assert.equal(await page.locator('#rotate-area').isVisible(), false);
    // Back to no emulation: an emulated 'screen' would print the screen layout.
    await page.emulateMedia({ media: null });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    await writeFile(path.join(ARTEFACTS, 'station-poster.pdf'), pdf);
    assert.equal((pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length, 1, 'one A4 page');

    let haveZbar = true;
    try { await access(ZBARIMG); } catch { haveZbar = false; }
    const decode = async (name) => {
      const png = path.join(ARTEFACTS, name);
      await page.locator('.sp-poster__qr').screenshot({ path: png });
      const { stdout } = await promisify(execFile)(ZBARIMG, ['--raw', '-q', png]);
      return stdout.trim();
    };
    if (haveZbar) assert.equal(await decode('station-poster-qr.png'), before.url);

    // 更换二维码: refused once at the dialog, then confirmed.
    await page.locator('#poster-rotate').click();
    await page.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    assert.match(await page.locator('#huzu-confirm-dialog').innerText(), /旧海报立即失效/);
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '不更换' }).click();
    assert.equal((await apiGet(token, `/stations/${culture.id}/poster`)).url, before.url, 'nothing rotated yet');
    await page.locator('#poster-rotate').click();
    const rotated = page.waitForResponse((r) => apiPath(r) === `/api/v1/stations/${culture.id}/qr/rotate`);
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn_warn').click();
    const rres = await rotated;
    assert.equal(rres.status(), 200);
    const now = await rres.json();
    assert.notEqual(now.url, before.url);
    await page.locator('body[data-ready="true"]').waitFor();
    assert.equal(await visibleText(page, '.sp-poster__check-code'), now.check_code);
    // The 已更换 toast sits over the code for a moment.
    await page.locator('#huzu-toast .weui-toast').waitFor({ state: 'hidden' });
    if (haveZbar) assert.equal(await decode('station-poster-qr-rotated.png'), now.url);
    const oldToken = before.url.split('/q/')[1];
    assert.equal((await call(token, 'GET', `/scan/${oldToken}`)).status, 410, 'the old poster is retired');

    // Phone widths: the bar and the sheet fit.
    for (const width of [390, 320]) {
      await page.setViewportSize({ width, height: 800 });
      await assertNoOverflow(page, `poster at ${width} px`);
      await assertTapTargets(page, `poster at ${width} px`);
    }
    await shot(page, 'station-poster-320.png', { fullPage: true });
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('an admin picks from every station and manages 石马桥老人关爱站', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const token = await signIn(page, 'admin');
    const { elderly } = await stationIds(token);
    await page.goto(`${BASE}/station-manage.html`, { waitUntil: 'load' });
    await page.locator('#sm-picker').waitFor({ state: 'visible' });
    assert.ok(await page.locator('.sm-pick').count() >= 2, 'both demo stations are offered');
    await assertTapTargets(page, 'picker');
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoOverflow(page, 'picker at 320 px');
    await page.locator(`.sm-pick[data-id="${elderly.id}"]`).click();
    await page.locator('#sm-app').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#sm-title'), ELDERLY);
    await page.locator('#shift-list .sm-shift, #shift-list .huzu-empty').first().waitFor();
    await assertNoOverflow(page, 'elderly-care shifts at 320 px');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});
