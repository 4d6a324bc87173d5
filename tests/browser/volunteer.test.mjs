// Browser tests for the volunteer pages (issue 10): 志愿服务 from 首页, a
// station's week of shifts, 报名 → 已报名, a full shift's 候补 with its
// place in line, 取消报名 before the deadline and the refusal said next to
// the button after it, 我的志愿 with its monthly chart, a station's code
// on the landing page with 签到, the week at 200 % text, and the station
// list on slow 3G in one API request. At 390 and 320 px: no horizontal
// overflow, 44 px tap targets, 4.5:1 text, no console errors.
//   HUZU_TEST_BASE=http://127.0.0.1:18080 HUZU_SMS_LOG=.../sms.log node --test browser/volunteer.test.mjs
//
// Each test makes its own shifts at 石马桥文化站 (station1's) and its own
// fresh residents, so that nothing depends on the demo's shifts or on the
// order of the tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  BASE, apiGet, apiLogin, assertClean, checkWidths, codeFromSmsLog, freshPhone, openPage, shot, useBrowser, visibleText,
} from './lib.mjs';

const STATION = '石马桥文化站';
const apiPath = (r) => new URL(r.url()).pathname;

// Chrome DevTools' "Slow 3G": 2 s round trips, 400 kbit/s each way.
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000 };

// ---- The API, for what the test sets up -----------------------------------------------------

async function call(token, method, p, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method === 'POST') headers['Idempotency-Key'] = randomBytes(16).toString('hex');
  const res = await fetch(`${BASE}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function residentTokens() {
  const phone = freshPhone('137');
  const post = (p, body) => fetch(`${BASE}/api/v1${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post('/auth/code', { phone })).status, 202);
  const res = await post('/auth/code/verify', { phone, code: await codeFromSmsLog(phone) });
  assert.equal(res.status, 200);
  return res.json();
}

let managerToken = '';
let stationId = 0;

async function manager() {
  if (!managerToken) {
    managerToken = (await apiLogin('station1')).access_token;
    const list = await apiGet(managerToken, '/stations');
    const st = list.items.find((s) => s.name === STATION);
    assert.ok(st, `${STATION} is listed`);
    stationId = st.id;
  }
  return managerToken;
}

// RFC 3339 in Shanghai time, as the API wants it.
function rfc(ms) {
  const d = new Date(ms + 8 * 3600e3);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

// Today's Shanghai date as YYYY-MM-DD, and that day's hh:mm in ms.
function shanghaiAt(daysAhead, hh, mm = 0) {
  const now = new Date(Date.now() + 8 * 3600e3);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysAhead, hh - 8, mm);
}

const minutes = (n) => n * 60e3;
let made = 0;

// A new shift at the station; starts/ends in ms.
async function makeShift({ starts, ends, capacity = 5, title, requirements, cancelDeadline } = {}) {
  const token = await manager();
  made += 1;
  const body = {
    station_id: stationId,
    title: title || `图书整理 ${made}${randomBytes(2).toString('hex')}`,
    description: '整理阅览室书架，登记新到图书',
    starts_at: rfc(starts),
    ends_at: rfc(ends),
    capacity,
  };
  if (requirements) body.requirements = requirements;
  if (cancelDeadline) body.cancel_deadline = rfc(cancelDeadline);
  const r = await call(token, 'POST', '/shifts', body);
  assert.equal(r.status, 201, `shift created: ${JSON.stringify(r.body)}`);
  return r.body.items[0];
}

// A shift tomorrow (Shanghai) at a free hour of its own: each test's
// residents are fresh, so overlaps only come from within one test.
function tomorrow(hh, hours = 2) {
  const s = shanghaiAt(1, hh);
  return { starts: s, ends: s + hours * 3600e3 };
}

async function signUp(token, shiftId) {
  const r = await call(token, 'POST', `/shifts/${shiftId}/signup`);
  assert.ok([200, 201].includes(r.status), `sign-up: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// A page whose localStorage holds these tokens from the first script on.
async function as(tokens) {
  const s = await openPage();
  await s.context.addInitScript(([a, r]) => {
    if (!localStorage.getItem('huzu.access')) {
      localStorage.setItem('huzu.access', a);
      localStorage.setItem('huzu.refresh', r);
    }
  }, [tokens.access_token, tokens.refresh_token]);
  return s;
}

// Rewrites the shifts of GET /shifts (a page opened earlier, a shift
// already running): edit(shift) returns the changed shift.
async function editShifts(page, edit) {
  await page.route((url) => url.pathname === '/api/v1/shifts', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    await route.fulfill({ response: res, json: { ...body, items: body.items.map(edit) } });
  });
}

// The station as the lead's API gives it, with a contact phone.
const PHONE = '020-8765 4321';
async function withPhone(page) {
  await page.route((url) => /^\/api\/v1\/stations(\/\d+)?$/.test(url.pathname), async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    const add = (st) => ({ ...st, phone: PHONE });
    await route.fulfill({ response: res, json: Array.isArray(body.items) ? { ...body, items: body.items.map(add) } : add(body) });
  });
}

// Each of these elements lies on one line (a date or number not broken).
async function oneLine(page, selector, label) {
  const lines = await page.$$eval(selector, (ns) => ns.filter((n) => !n.closest('[hidden]') && n.getClientRects().length).map((n) => {
    const r = document.createRange();
    r.selectNodeContents(n);
    const tops = [...r.getClientRects()].filter((b) => b.width > 0).map((b) => b.top).sort((x, y) => x - y);
    return [n.textContent, tops.filter((t, i) => i === 0 || t - tops[i - 1] > 4).length];
  }));
  assert.ok(lines.length > 0, `${label}: ${selector} is there`);
  for (const [text, n] of lines) assert.equal(n, 1, `${label}: "${text}" on one line`);
}

// No request id (hex) on the face of a message.
function noRequestId(text, label) {
  assert.doesNotMatch(text, /[0-9a-f]{16}/, `${label}: no request id on the face of the message`);
}

useBrowser({ needSmsLog: true });

// ---- The tests -----------------------------------------------------------------------------------

test('首页 → 志愿服务 → the station\'s week → 报名 → 已报名, with the details', { timeout: 120_000 }, async () => {
  await manager();
  const shift = await makeShift({ ...tomorrow(9), requirements: '能连续站立两小时，会用手机扫码' });
  const s = await as(await residentTokens());
  const { page } = s;
  try {
    await page.goto(`${BASE}/#services`, { waitUntil: 'load' });
    await page.locator('#svc-volunteer').click();
    await page.waitForURL(`${BASE}/stations.html`);
    const cell = page.locator(`#station-${stationId}`);
    await cell.waitFor({ state: 'visible' });
    assert.match(await cell.innerText(), /文化站/);
    await checkWidths(page, 'stations');
    await shot(page, 'stations.png', { fullPage: true });

    await cell.click();
    await page.waitForURL(`${BASE}/stations.html?id=${stationId}`);
    const card = page.locator(`#shift-${shift.id}`);
    await card.waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#st-title'), STATION);
    assert.equal(await page.locator('.huzu-day').count(), 7, 'a week of days');
    assert.match(await card.innerText(), /余 5 个名额（共 5 个）/);
    // 详情: requirements and both deadlines, in the one date format.
    await page.locator(`#shift-${shift.id}-more`).click();
    const detail = await visibleText(page, `#shift-${shift.id}-detail`);
    assert.match(detail, /能连续站立两小时/);
    assert.match(detail, /报名截止\s*\d{1,2}月\d{1,2}日 周. \d{2}:\d{2}/);
    assert.match(detail, /取消截止\s*\d{1,2}月\d{1,2}日 周. \d{2}:\d{2}/);
    await checkWidths(page, 'week');

    const act = page.locator(`#shift-${shift.id}-act`);
    assert.equal((await act.innerText()).trim(), '报名');
    const signed = page.waitForResponse((r) => apiPath(r) === `/api/v1/shifts/${shift.id}/signup`);
    await act.click();
    assert.equal((await signed).status(), 201);
    await card.locator('.huzu-sstatus', { hasText: '已报名' }).waitFor();
    assert.match(await card.innerText(), /余 4 个名额/);
    assert.match(await card.innerText(), /如不能参加，请在 .+ 前取消/);
    assert.equal((await act.innerText()).trim(), '取消报名');
    await checkWidths(page, 'week after sign-up');
    await shot(page, 'stations-week.png', { fullPage: true });

    // 下一周 asks for that week's shifts only; back returns to this one.
    const before = s.calls.length;
    const range = await visibleText(page, '#week-range');
    await page.locator('#week-next').click();
    await page.waitForFunction((r) => document.getElementById('week-range').textContent !== r, range);
    await page.locator('#week-prev').waitFor({ state: 'visible' });
    assert.deepEqual(s.calls.slice(before), ['GET /api/v1/shifts'], 'one request for another week');
    await page.goBack();
    await card.locator('.huzu-sstatus', { hasText: '已报名' }).waitFor();
    assert.equal(await visibleText(page, '#week-range'), range);
    assert.equal(await page.locator('#week-prev').isVisible(), false, 'no week before this one');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('a full shift: 排队候补 shows the place in line', { timeout: 90_000 }, async () => {
  const shift = await makeShift({ ...tomorrow(13), capacity: 1 });
  await signUp((await residentTokens()).access_token, shift.id);
  const s = await as(await residentTokens());
  const { page } = s;
  try {
    await page.goto(`${BASE}/stations.html?id=${stationId}`, { waitUntil: 'load' });
    const card = page.locator(`#shift-${shift.id}`);
    await card.waitFor({ state: 'visible' });
    assert.match(await card.innerText(), /已满（共 1 个）/);
    const act = page.locator(`#shift-${shift.id}-act`);
    assert.equal((await act.innerText()).trim(), '排队候补');
    const signed = page.waitForResponse((r) => apiPath(r) === `/api/v1/shifts/${shift.id}/signup`);
    await act.click();
    assert.equal((await signed).status(), 201);
    await card.locator('.huzu-sstatus', { hasText: '候补第 1 位' }).waitFor();
    assert.match(await card.innerText(), /按候补顺序自动递补/);
    assert.match(await card.innerText(), /取消截止（\d{1,2}月\d{1,2}日 周. \d{2}:\d{2}）前有人取消.*之后不再递补/);
    assert.equal((await act.innerText()).trim(), '退出候补');
    await checkWidths(page, 'waiting');
    await shot(page, 'stations-waiting.png', { fullPage: true });
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('取消报名 before the deadline; after it no 取消报名 but whom to call, and a stale page\'s refusal next to the button', { timeout: 120_000 }, async () => {
  const early = await makeShift({ ...tomorrow(16) });
  // Starting in 70 minutes: the default cancel deadline (3 h before) has passed.
  const now = Date.now();
  const late = await makeShift({ starts: now + minutes(70), ends: now + minutes(130) });
  // After the late one (a volunteer cannot be in two shifts at once).
  const other = await makeShift({ starts: now + minutes(135), ends: now + minutes(140), title: '临时帮手' });
  const tokens = await residentTokens();
  await signUp(tokens.access_token, early.id);
  await signUp(tokens.access_token, late.id);
  const s = await as(tokens);
  const { page } = s;
  await withPhone(page);
  try {
    await page.goto(`${BASE}/stations.html?id=${stationId}`, { waitUntil: 'load' });
    // Past the deadline: no 取消报名 (it can only fail), the line and the phone instead.
    const lateNow = page.locator(`#shift-${late.id}`);
    await lateNow.locator('.huzu-sstatus', { hasText: '已报名' }).waitFor();
    assert.equal(await page.locator(`#shift-${late.id}-act`).count(), 0, 'no 取消报名 past the deadline');
    assert.equal(await visibleText(page, `#shift-${late.id}-late`), '已过取消截止时间，不能在网上取消；不能来请联系站点');
    const tel = page.locator(`#shift-${late.id}-tel`);
    assert.equal((await tel.innerText()).trim(), `拨打 ${PHONE}`);
    assert.equal(await tel.getAttribute('href'), 'tel:02087654321');
    await checkWidths(page, 'past the cancel deadline');
    await shot(page, 'stations-past-deadline.png', { fullPage: true });

    // 报名 to a shift past its cancel deadline: asked first.
    const otherAct = page.locator(`#shift-${other.id}-act`);
    assert.equal((await otherAct.innerText()).trim(), '报名');
    await otherAct.click();
    await page.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    assert.match(await visibleText(page, '#huzu-confirm-dialog .huzu-dialog__message'), /^此班次已过取消截止时间，报名后不能在网上取消，确定报名吗？$/);
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '再想想' }).click();
    await page.locator('#huzu-confirm-dialog').waitFor({ state: 'hidden' });
    assert.deepEqual(s.calls.filter((c) => c.startsWith('POST')), [], 'nothing sent when not confirmed');
    await otherAct.click();
    const otherSigned = page.waitForResponse((r) => apiPath(r) === `/api/v1/shifts/${other.id}/signup`);
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '报名' }).click();
    assert.equal((await otherSigned).status(), 201);
    await page.locator(`#shift-${other.id} .huzu-sstatus`, { hasText: '已报名' }).waitFor();
    assert.equal(await page.locator(`#shift-${other.id}-act`).count(), 0);

    // A page opened before the deadline still shows 取消报名.
    await editShifts(page, (x) => (x.id === late.id ? { ...x, cancel_deadline: new Date(Date.now() + 3600e3).toISOString() } : x));
    await page.reload({ waitUntil: 'load' });
    // Before the deadline: asked first, then cancelled.
    const card = page.locator(`#shift-${early.id}`);
    await card.locator('.huzu-sstatus', { hasText: '已报名' }).waitFor();
    await page.locator(`#shift-${early.id}-act`).click();
    await page.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    const cancelled = page.waitForResponse((r) => apiPath(r) === `/api/v1/shifts/${early.id}/signup` && r.request().method() === 'DELETE');
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '取消报名' }).click();
    assert.equal((await cancelled).status(), 200);
    await card.locator('.huzu-sstatus', { hasText: '已取消' }).waitFor();
    assert.equal((await page.locator(`#shift-${early.id}-act`).innerText()).trim(), '报名');

    // After it: the API refuses, the page says what to do, beside the button.
    const lateCard = page.locator(`#shift-${late.id}`);
    await lateCard.waitFor({ state: 'visible' });
    assert.match(await lateCard.innerText(), /如不能参加，请在 .+ 前取消/, 'as that page showed it');
    await page.locator(`#shift-${late.id}-act`).click();
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '取消报名' }).click();
    const refusal = page.locator(`#shift-${late.id}-refusal`);
    await refusal.waitFor({ state: 'visible' });
    const said = await refusal.innerText();
    assert.match(said, /已过取消截止时间/);
    assert.match(said, /联系站点负责人/);
    assert.equal(await page.locator(`#shift-${late.id}-refusal-tel`).getAttribute('href'), 'tel:02087654321');
    noRequestId(said, 'cancel_too_late');
    await lateCard.locator('.huzu-sstatus', { hasText: '已报名' }).waitFor();
    // Next to the button: the refusal follows it inside the same card.
    const [bBox, rBox] = [await page.locator(`#shift-${late.id}-act`).boundingBox(), await refusal.boundingBox()];
    assert.ok(rBox.y >= bBox.y + bBox.height - 1 && rBox.y - (bBox.y + bBox.height) < 40, 'the refusal sits right under the button');
    await checkWidths(page, 'refusal');
    await shot(page, 'stations-cancel-too-late.png', { fullPage: true });
    assertClean(s, [`/api/v1/shifts/${late.id}/signup`]);
  } finally {
    await s.context.close();
  }
});

test('shift_overlap: the server\'s message, naming the other shift, next to the button', { timeout: 90_000 }, async () => {
  const first = await makeShift({ ...tomorrow(10), title: `上午阅览室 ${randomBytes(2).toString('hex')}` });
  const s2 = shanghaiAt(1, 11);
  const second = await makeShift({ starts: s2, ends: s2 + 2 * 3600e3 });
  const tokens = await residentTokens();
  await signUp(tokens.access_token, first.id);
  const s = await as(tokens);
  const { page } = s;
  try {
    await page.goto(`${BASE}/stations.html?id=${stationId}&from=${new Date(shanghaiAt(1, 8)).toISOString().slice(0, 10)}`, { waitUntil: 'load' });
    const act = page.locator(`#shift-${second.id}-act`);
    await act.waitFor({ state: 'visible' });
    const refused = page.waitForResponse((r) => apiPath(r) === `/api/v1/shifts/${second.id}/signup`);
    await act.click();
    const r = await refused;
    assert.equal(r.status(), 409);
    const { error } = await r.json();
    assert.equal(error.code, 'shift_overlap');
    const refusal = page.locator(`#shift-${second.id}-refusal`);
    await refusal.waitFor({ state: 'visible' });
    const said = (await refusal.innerText()).trim();
    assert.equal(said, error.message, 'the server\'s own words');
    assert.ok(said.includes(first.title), 'it names the other shift');
    noRequestId(said, 'shift_overlap');
    await checkWidths(page, 'overlap');
    await shot(page, 'stations-overlap.png', { fullPage: true });
    assertClean(s, [`/api/v1/shifts/${second.id}/signup`]);
  } finally {
    await s.context.close();
  }
});

test('我的志愿: the sign-up, the hours and the monthly chart', { timeout: 90_000 }, async () => {
  const shift = await makeShift({ ...tomorrow(19) });
  const tokens = await residentTokens();
  await signUp(tokens.access_token, shift.id);
  const s = await as(tokens);
  const { page } = s;
  try {
    await page.goto(`${BASE}/#me`, { waitUntil: 'load' });
    await page.locator('#me-volunteer').click();
    await page.waitForURL(`${BASE}/my-shifts.html`);
    const card = page.locator(`#my-upcoming #shift-${shift.id}`);
    await card.waitFor({ state: 'visible' });
    assert.match(await card.innerText(), /已报名/);
    assert.match(await card.innerText(), new RegExp(STATION));
    assert.match(await card.innerText(), /\d{1,2}月\d{1,2}日 周. \d{2}:\d{2}–\d{2}:\d{2}/);
    assert.match(await visibleText(page, '#tile-hours'), /^0\s/);
    // A new volunteer: one line, not an empty chart and six months of 0.
    assert.equal(await visibleText(page, '#my-hours-empty'), '还没有志愿时长：报名并到站签到、签退后会记在这里');
    assert.equal(await page.locator('#my-hours').isVisible(), false);
    assert.equal(await page.locator('#chart-months canvas').count(), 0, 'no empty chart');
    assert.equal(await page.locator('#my-paused').isVisible(), false);
    await checkWidths(page, 'my shifts, no hours yet');
    await shot(page, 'my-shifts-new.png', { fullPage: true });

    // With hours (the API's answer with 14.25 of them): 正在加载图表… until
    // ECharts has drawn, then the chart and six months in the table.
    await page.route('**/api/v1/me/volunteer-hours', async (route) => {
      const res = await route.fetch();
      const h = await res.json();
      const month = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
      await route.fulfill({ response: res, json: {
        ...h, minutes: 855, hours: 14.25, shifts: 5,
        stations: [{ station: { id: stationId, name: STATION }, minutes: 855, shifts: 5 }],
        months: [{ month, minutes: 855, shifts: 5 }],
      } });
    });
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/vendor/echarts/**', async (route) => { await held; await route.continue(); });
    await page.reload({ waitUntil: 'load' });
    assert.equal(await visibleText(page, '#chart-months'), '正在加载图表…');
    assert.equal(await page.locator('#my-hours-empty').isVisible(), false);
    release();
    await page.locator('#chart-months canvas').waitFor();
    assert.equal(await page.locator('#table-months tbody tr').count(), 6, 'six months in the table');
    assert.equal(await visibleText(page, '#tile-hours strong'), '14.25');
    await checkWidths(page, 'my shifts');
    await shot(page, 'my-shifts.png', { fullPage: true });
    // Large text at 320 px: the number stays whole, the tiles wrap as tiles.
    await page.setViewportSize({ width: 320, height: 800 });
    await page.evaluate(() => {
      document.documentElement.style.zoom = '2';
      window.dispatchEvent(new Event('resize'));     // the chart fits its box again
    });
    await page.waitForTimeout(150);
    await oneLine(page, '.huzu-tile strong', 'tiles at 200 %');
    const wide = await page.evaluate(() => {
      const vw = document.documentElement.clientWidth;
      const out = [];
      for (const n of document.querySelectorAll('#my-main *')) {
        if (n.closest('[hidden]') || n.closest('.huzu-table-wrap')) continue;
        const b = n.getBoundingClientRect();
        if (b.width && b.right > vw + 1) out.push(`${n.tagName.toLowerCase()}#${n.id}.${String(n.className).split(' ')[0]} ${Math.round(b.right)} > ${vw}`);
      }
      return out.slice(0, 8);
    });
    assert.deepEqual(wide, [], 'my shifts at 200 %: nothing sticks out');
    await shot(page, 'my-shifts-200-320.png', { fullPage: true });
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('a station\'s code: the station for everyone, 签到 inside the window, 管理 for its manager', { timeout: 120_000 }, async () => {
  const token = await manager();
  const poster = await apiGet(token, `/stations/${stationId}/poster`);
  const path = new URL(poster.url).pathname;
  assert.match(path, /^\/q\//);
  const now = Date.now();
  const shift = await makeShift({ starts: now + minutes(10), ends: now + minutes(70), title: '阅览室值班' });
  const tokens = await residentTokens();
  await signUp(tokens.access_token, shift.id);

  // Anyone: the station and 登录.
  const anon = await openPage();
  try {
    await anon.page.goto(`${BASE}${path}`, { waitUntil: 'load' });
    assert.equal(await visibleText(anon.page, '#place-name'), STATION);
    assert.match(await visibleText(anon.page, '#place-chain'), /文化站/);
    assert.equal(await visibleText(anon.page, '#place-code'), poster.check_code);
    assert.match(await visibleText(anon.page, '#place-code-hint'), /站点/);
    assert.equal(await visibleText(anon.page, '#act-login'), '登录');
    assert.equal(await anon.page.locator('#station-now').isVisible(), false);
    await checkWidths(anon.page, 'station code, anonymous');
    assertClean(anon);
  } finally {
    await anon.context.close();
  }

  // The volunteer: the shift now and a big 签到.
  const s = await as(tokens);
  const { page } = s;
  try {
    await page.goto(`${BASE}${path}`, { waitUntil: 'load' });
    assert.equal(await visibleText(page, '#place-name'), STATION);
    assert.match(await visibleText(page, '#station-now'), /阅览室值班/);
    const btn = page.locator('#act-shift-check');
    assert.equal((await btn.innerText()).trim(), '签到');
    const box = await btn.boundingBox();
    assert.ok(box.height >= 56, `a big button (${box.height} px)`);
    assert.equal(await page.locator('#act-shifts').getAttribute('href'), `/stations.html?id=${stationId}`);
    assert.equal(await page.locator('#act-manage').count(), 0);
    await checkWidths(page, 'station code, volunteer');
    const checked = page.waitForResponse((r) => apiPath(r) === '/api/v1/checkins');
    await btn.click();
    const r = await checked;
    assert.equal(r.status(), 201);
    assert.equal((await r.json()).kind, 'shift_check_in');
    await page.locator('#place-result', { hasText: '签到成功' }).waitFor();
    assert.match(await visibleText(page, '#place-result'), /签到时间 \d{1,2}月\d{1,2}日 周. \d{2}:\d{2}/);
    noRequestId(await visibleText(page, '#place-result'), 'check-in');
    await page.locator('#act-shift-check[data-mode="check_out"]').waitFor();
    assert.equal((await page.locator('#act-shift-check').innerText()).trim(), '签退');
    const NOTE = /^已于 (\d{1,2}月\d{1,2}日 周. )?\d{2}:\d{2} 签到，班次 (\d{1,2}月\d{1,2}日 周. )?\d{2}:\d{2} 结束，离开时请扫码签退$/;
    assert.match(await visibleText(page, '#station-now-note'), NOTE);
    // The result above the button, not under the fold below it.
    const [resBox, btnBox] = [await page.locator('#place-result').boundingBox(), await page.locator('#act-shift-check').boundingBox()];
    assert.ok(resBox.y + resBox.height <= btnBox.y, 'the result is above the button');
    await checkWidths(page, 'after 签到');
    await page.setViewportSize({ width: 320, height: 800 });
    await oneLine(page, '#place-result .huzu-nobreak', 'the 签到成功 card at 320 px');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'station-checkin.png', { fullPage: true });

    // The week: the checked-in note, and no free places once the shift has
    // started (the API's answer, with the start moved 5 minutes back).
    const week = await s.context.newPage();
    await editShifts(week, (x) => (x.id === shift.id ? { ...x, starts_at: new Date(Date.now() - minutes(5)).toISOString() } : x));
    await week.goto(`${BASE}/stations.html?id=${stationId}`, { waitUntil: 'load' });
    await week.locator(`#shift-${shift.id} .huzu-sstatus`, { hasText: '已签到' }).waitFor();
    assert.match(await visibleText(week, `#shift-${shift.id}-note`), NOTE);
    assert.equal(await week.locator(`#shift-${shift.id}-places`).count(), 0, 'no free places once started');
    assert.equal(await week.locator(`#shift-${shift.id}-act`).count(), 0);
    await checkWidths(week, 'week, checked in');
    await shot(week, 'stations-checked-in.png', { fullPage: true });
    await week.close();

    // A second tap within 10 minutes is the same scan: said so, nothing new.
    // 签退 before the shift ends is asked first (再想想 sends nothing).
    const before = s.calls.length;
    await page.locator('#act-shift-check').click();
    await page.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    assert.match(await visibleText(page, '#huzu-confirm-dialog .huzu-dialog__message'), /^班次还有 \d+ 分钟结束，现在签退只计到现在，确定签退吗？$/);
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '再想想' }).click();
    await page.locator('#huzu-confirm-dialog').waitFor({ state: 'hidden' });
    assert.deepEqual(s.calls.slice(before), [], 'nothing sent when not confirmed');
    const again = page.waitForResponse((r) => apiPath(r) === '/api/v1/checkins');
    await page.locator('#act-shift-check').click();
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '签退' }).click();
    const r2 = await again;
    assert.equal(r2.status(), 200);
    assert.equal((await r2.json()).repeated, true);
    await page.locator('#place-result', { hasText: /刚刚已签/ }).waitFor();
    assert.match(await visibleText(page, '#place-result'), /不重复记录/);

    // 签退 says the time served, in hours and minutes rounded to 15 (the
    // answer is the API's own, with a check-out 2 h 45 min later: the
    // real clock cannot wait for the shift to end).
    const real = await r.json();
    await page.route('**/api/v1/checkins', (route) => route.fulfill({
      status: 201, contentType: 'application/json',
      body: JSON.stringify({ ...real, kind: 'shift_check_out', at: real.shift.ends_at, repeated: false, minutes: 165 }),
    }), { times: 1 });
    await page.locator('#act-shift-check').click();
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '签退' }).click();
    await page.locator('#place-result', { hasText: '签退成功' }).waitFor();
    assert.match(await visibleText(page, '#place-result'), /本次服务时长 2 小时 45 分钟（按 15 分钟取整）/);
    assertClean(s);
  } finally {
    await s.context.close();
  }

  // The manager: 管理 leads to the station's manager page.
  const m = await as(await apiLogin('station1'));
  try {
    await m.page.goto(`${BASE}${path}`, { waitUntil: 'load' });
    await m.page.locator('#act-manage').waitFor({ state: 'visible' });
    assert.match(await visibleText(m.page, '#station-now'), /您现在没有在这里的班次/);
    await checkWidths(m.page, 'station code, manager');
    assert.equal(await m.page.locator('#act-manage').getAttribute('href'), `/station-manage.html?id=${stationId}`);
    assertClean(m);
  } finally {
    await m.context.close();
  }
});

test('paused after no-shows: 我的志愿 and the week say until when', { timeout: 90_000 }, async () => {
  // A real pause needs three ended shifts and the scheduler's clock moved
  // for every test running at once; the API's own answer gets a
  // paused_until instead (its shape is the real one).
  await manager();
  const until = Date.now() + 20 * 86400e3;
  const s = await as(await residentTokens());
  const { page } = s;
  await page.route('**/api/v1/me/volunteer-hours', async (route) => {
    const res = await route.fetch();
    const h = await res.json();
    assert.ok('paused_until' in h && 'no_shows' in h, 'the real answer names paused_until and no_shows');
    await route.fulfill({ response: res, json: { ...h, no_shows: 3, paused_until: rfc(until) } });
  });
  try {
    await page.goto(`${BASE}/my-shifts.html`, { waitUntil: 'load' });
    const note = await visibleText(page, '#my-paused');
    assert.match(note, /报名暂停至 \d{1,2}月\d{1,2}日 周. \d{2}:\d{2}/);
    assert.match(note, /3 次报名后没有到岗/);
    assert.match(note, /到期后自动恢复/);
    await checkWidths(page, 'paused, my shifts');
    await page.goto(`${BASE}/stations.html?id=${stationId}`, { waitUntil: 'load' });
    assert.match(await visibleText(page, '#st-paused'), /报名暂停至/);
    await checkWidths(page, 'paused, week');
    await shot(page, 'stations-paused.png');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('the week at 200 % text: everything still fits', { timeout: 90_000 }, async () => {
  const shift = await makeShift({ ...tomorrow(7), title: '长者助餐送餐服务（需自备电动车或自行车）', requirements: '熟悉石马桥各巷道，能按时送达' });
  const tokens = await residentTokens();
  await signUp(tokens.access_token, shift.id);
  const s = await as(tokens);
  const { page } = s;
  try {
    for (const width of [390, 320]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(`${BASE}/stations.html?id=${stationId}`, { waitUntil: 'load' });
      await page.locator(`#shift-${shift.id}`).waitFor({ state: 'visible' });
      await page.locator(`#shift-${shift.id}-more`).click();
      // Text twice the size: the page lays out as if the screen were half as wide.
      await page.evaluate(() => { document.documentElement.style.zoom = '2'; });
      await page.waitForTimeout(150);
      const r = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const out = [];
        for (const n of document.querySelectorAll('#st-main *, .huzu-page__hd *')) {
          if (n.closest('[hidden]')) continue;
          const b = n.getBoundingClientRect();
          if (b.width && b.right > vw + 1) out.push(`${n.tagName.toLowerCase()}.${String(n.className).split(' ')[0]} ${Math.round(b.right)} > ${vw}`);
        }
        return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, out: out.slice(0, 10) };
      });
      assert.equal(r.overflow, 0, `${width} px at 200 %: no horizontal overflow`);
      assert.deepEqual(r.out, [], `${width} px at 200 %: nothing sticks out`);
      const act = await page.locator(`#shift-${shift.id}-act`).boundingBox();
      assert.ok(act && act.height >= 44, 'the button is still a button');
      await oneLine(page, '#week-range .huzu-nobreak', `${width} px at 200 %: the week's days`);
      await oneLine(page, '.huzu-weeknav__btn', `${width} px at 200 %: the week buttons`);
      await shot(page, `stations-week-200-${width}.png`, { fullPage: true });
    }
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('slow 3G: the station list asks the API once and fetches nothing twice', { timeout: 120_000 }, async () => {
  await manager();
  const s = await as(await residentTokens());
  const { page } = s;
  const all = [];
  page.on('request', (req) => all.push(new URL(req.url()).pathname));
  try {
    const cdp = await s.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
    const t0 = Date.now();
    await page.goto(`${BASE}/stations.html`, { waitUntil: 'load', timeout: 90_000 });
    await page.locator(`#station-${stationId}`).waitFor({ state: 'visible', timeout: 60_000 });
    const took = Date.now() - t0;
    assert.deepEqual(s.calls, ['GET /api/v1/stations'], 'one API request');
    const twice = all.filter((p, i) => all.indexOf(p) !== i);
    assert.deepEqual(twice, [], 'nothing fetched twice');
    console.log(`# slow 3G: the station list shows after ${took} ms`);
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('an expired login on the scan page, 我的志愿 and the week: said so, with 登录', { timeout: 90_000 }, async () => {
  const token = await manager();
  const poster = await apiGet(token, `/stations/${stationId}/poster`);
  const path = new URL(poster.url).pathname;
  // Stored tokens the server no longer takes: the refresh fails.
  const s = await as({ access_token: `x${randomBytes(16).toString('hex')}`, refresh_token: `y${randomBytes(16).toString('hex')}` });
  const { page } = s;
  try {
    await page.goto(`${BASE}${path}`, { waitUntil: 'load' });
    assert.equal(await visibleText(page, '#place-name'), STATION);
    assert.equal(await visibleText(page, '#place-anon-tip'), '登录已过期，请重新登录');
    assert.equal(await visibleText(page, '#act-login'), '登录');
    assert.match(await page.locator('#act-login').getAttribute('href'), /^\/login\.html\?next=/);
    await checkWidths(page, 'scan page, expired');

    for (const [url, button] of [['/my-shifts.html', '#my-login'], [`/stations.html?id=${stationId}`, '#st-login']]) {
      await page.goto(`${BASE}${url}`, { waitUntil: 'load' });
      await page.locator(button).waitFor({ state: 'visible' });
      assert.equal(await visibleText(page, '#state-title'), '登录已过期，请重新登录', url);
      assert.equal(await visibleText(page, button), '登录');
      await checkWidths(page, `${url}, expired`);
    }
    assertClean(s, [/^\/api\/v1\//]);
  } finally {
    await s.context.close();
  }
});
