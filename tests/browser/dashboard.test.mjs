// Browser tests for 数据看板 (dashboard.html, issue 11): a cadre sees the
// figures of a fresh cooperative equal to the ones worked out by hand from
// the rows this test made, per group in the table, with charts; the date
// range changes what it should; a group drills down to its buildings and
// the breadcrumb leads back; the CSV downloads with a BOM; a building
// head, a resident and a cadre outside the unit get a clear page; at 390,
// 320 and 1280 px nothing overflows, targets are 44 px, no console errors.
//   HUZU_TEST_BASE=… HUZU_TEST_DIR=… HUZU_SMS_LOG=… node --test browser/dashboard.test.mjs
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ARTEFACTS, BASE, DEMO_PASSWORD, assertClean, checkLayout, checkWidths, openPage, shot, useBrowser, visibleText,
  stateTitle,
} from './lib.mjs';
import {
  PASSWORD, admin, call, checkLargeText, villageId, checkins, checklistFor, complaintRow, directiveTo, newStaff, newTree, registration, sql, volunteerMinutes,
} from './fixture11.mjs';
import { residentLogin } from '../api/lib.mjs';
import { checkStateButtons } from './chain-lib.mjs';

useBrowser({ needSmsLog: true });

// The cooperative: 东片 (A1, A2, head hA) and 西片 (B1, head hB).
let F;

before(async () => {
  const hA = await newStaff('测试栋长甲');
  const hB = await newStaff('测试栋长乙');
  const tree = await newTree('看板测试社', { groups: [
    { name: '东片户组', buildings: [{ name: '东片1号楼', head: hA }, { name: '东片2号楼', head: hA }] },
    { name: '西片户组', buildings: [{ name: '西片1号楼', head: hB }] },
  ] });
  const [GA, GB] = tree.groups;
  const [A1, A2] = GA.buildings;
  const [B1] = GB.buildings;
  const cadre = await newStaff('测试经济社干部', 'cadre', [tree.coop.id]);
  const a = await admin();

  // Renters: two living in A1, one waiting two days in A2, one new in B1.
  const r1 = await registration(A1.id, { approve: true });
  const r2 = await registration(A1.id, { approve: true });
  await registration(A2.id, { overdue: true });
  const r4 = await registration(B1.id);
  // This week: three residents' check-ins and a patrol at A1, one check-in at B1.
  checkins(A1.id, r1.who.user.id, 'residence', 2);
  checkins(A1.id, r2.who.user.id, 'residence', 1);
  checkins(A1.id, hA.id, 'patrol', 1);
  checkins(B1.id, r4.who.user.id, 'residence', 1);
  // Complaints a day old: at A1 one accepted in time, resolved, 5 stars,
  // and one not yet accepted; at B1 one accepted late, resolved, 3 stars.
  complaintRow(A1, r1.who.user.id, { accepted: 'in_time', resolved: true, rating: 5 });
  complaintRow(A1, r2.who.user.id);
  complaintRow(B1, r4.who.user.id, { accepted: 'late', resolved: true, rating: 3 });
  // This month's lists: A1 complete, A2 one item, B1 none.
  checklistFor(A1, { done: 99 });
  checklistFor(A2, { done: 1 });
  checklistFor(B1, { done: 0 });
  // A directive that must be done: hA did it (A1), hB only read it (B1).
  directiveTo(tree.coop, a.user.id, [{ user: hA, unit: A1, done: true }, { user: hB, unit: B1, read: true }]);
  // Volunteers at a station of 东片: 90 + 60 minutes this month.
  volunteerMinutes(GA, [r1.who.user.id, r2.who.user.id], [90, 60]);

  F = { tree, GA, GB, A1, A2, B1, hA, hB, cadre };
});

// Worked out by hand from the rows above.
const EXPECT = {
  total: {
    'renters-active': '2', 'renters-pending': '2', 'renters-overdue': '1',
    'checkins-residence': '4', 'checkins-patrol': '1',
    'complaints-received': '3', 'complaints-resolved': '2',
    'complaints-response': '33.3%', 'complaints-resolution': '66.7%', 'complaints-satisfaction': '95%',
    'checklist-completed': '1 / 3', 'checklist-rate': '33.3%',
    'directives-read': '100%', 'directives-done': '50%',
    'volunteer-hours': '2.5',
  },
  // Columns of the table: 在住 待审 超时 住户打卡 巡查 诉求 办结 响应 解决 满意 清单 已读 完成 志愿
  GA: ['2', '1', '1', '3', '1', '2', '1', '50%', '50%', '100%', '1/2', '100%', '100%', '2.5'],
  GB: ['0', '1', '0', '1', '0', '1', '1', '0%', '100%', '90%', '0/1', '100%', '0%', '0'],
  A1: ['2', '0', '0', '3', '1', '2', '1', '50%', '50%', '100%', '1/1', '100%', '100%', '0'],
  A2: ['0', '1', '1', '0', '0', '0', '0', '—', '—', '—', '0/1', '—', '—', '0'],
};

async function staffLogin(page, username, next, password = PASSWORD) {
  await page.goto(`${BASE}/login.html?next=${encodeURIComponent(next)}#staff`, { waitUntil: 'load' });
  await page.locator('#form-staff').waitFor({ state: 'visible' });
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#staff-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

// What ECharts drew: the axes, the unit labels, the chart's height.
async function chartOf(page, id) {
  await page.locator(`#${id} canvas`).first().waitFor({ timeout: 20_000 });
  return page.evaluate(async (cid) => {
    const echarts = await import('/vendor/echarts/echarts.esm.min.js');
    const node = document.getElementById(cid);
    const o = echarts.getInstanceByDom(node).getOption();
    return { y: o.yAxis[0].type, x: o.xAxis[0].type, labels: o.yAxis[0].data, height: node.clientHeight };
  }, id);
}

async function cards(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#dash-cards .huzu-tile')]
    .map((t) => [t.id.replace('card-', ''), t.querySelector('strong').textContent.trim()])));
}

const rowOf = (page, id) => page.evaluate((rid) => [...document.querySelectorAll(`#${rid} td`)].map((td) => td.textContent.trim()), id);

const dashLoaded = (page, unitId) => page.waitForResponse((r) => {
  const u = new URL(r.url());
  return u.pathname === '/api/v1/dashboard' && (!unitId || u.searchParams.get('unit') === String(unitId));
});

test('a cadre: the cooperative’s cards and groups equal the hand-computed figures; charts; 390/320/1280 px', { timeout: 240_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const loaded = dashLoaded(page);
    await staffLogin(page, F.cadre.username, '/dashboard.html');
    await page.waitForURL(`${BASE}/dashboard.html`);
    assert.equal((await loaded).status(), 200);
    await page.locator('#dash-cards').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#dash-title'), `数据看板 · ${F.tree.coop.name}`);
    assert.deepEqual(await cards(page), EXPECT.total);
    assert.equal(await page.locator('#dash-crumbs').isVisible(), false, 'the cadre’s own unit: nothing above to go back to');
    // The table: one row per group, drill-down links, the total last.
    const names = await page.locator('#dash-children tbody th').allInnerTexts();
    assert.deepEqual(names.map((t) => t.trim()), ['东片户组', '西片户组']);
    assert.deepEqual(await rowOf(page, `child-${F.GA.id}`), EXPECT.GA);
    assert.deepEqual(await rowOf(page, `child-${F.GB.id}`), EXPECT.GB);
    assert.equal((await rowOf(page, 'dash-total-row'))[0], EXPECT.total['renters-active']);
    // The charts are drawn (ECharts served from /vendor/echarts/).
    for (const id of ['chart-renters', 'chart-rates', 'chart-work']) {
      await page.locator(`#${id} canvas`).first().waitFor({ timeout: 20_000 });
    }
    // Horizontal bars, a row per group; the legend above the chart, apart from it.
    const work = await chartOf(page, 'chart-work');
    assert.deepEqual([work.y, work.x], ['category', 'value']);
    assert.deepEqual(work.labels, ['东片户组', '西片户组']);
    await page.setViewportSize({ width: 320, height: 800 });
    await page.waitForTimeout(200);
    for (const id of ['chart-renters', 'chart-work']) {
      const gap = await page.evaluate((cid) => {
        const chart = document.getElementById(cid);
        return chart.getBoundingClientRect().top - chart.previousElementSibling.getBoundingClientRect().bottom;
      }, id);
      assert.ok(gap >= 0, `${id}: the legend ends above the chart at 320 px (${gap})`);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'dashboard-coop.png', { fullPage: true });
    await checkWidths(page, 'dashboard');
    await checkLargeText(page, 'dashboard', 'dashboard-coop-large-text.png', 1.3);
    await page.setViewportSize({ width: 320, height: 800 });
    await shot(page, 'dashboard-coop-320.png', { fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.waitForTimeout(200);
    await checkLayout(page, 'dashboard at 1280 px');
    // At a desk the cards sit side by side.
    const cols = await page.evaluate(() => getComputedStyle(document.getElementById('dash-cards')).gridTemplateColumns.split(' ').length);
    assert.ok(cols >= 3, `${cols} columns of cards at 1280 px`);
    await shot(page, 'dashboard-coop-1280.png', { fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('dates, drill-down, breadcrumb and the CSV', { timeout: 240_000 }, async () => {
  const s = await openPage({ desktop: true, viewport: { width: 1280, height: 900 } });
  const { page } = s;
  try {
    await staffLogin(page, F.cadre.username, `/dashboard.html?unit=${F.tree.coop.id}`);
    await page.locator('#dash-cards').waitFor({ state: 'visible' });
    assert.equal((await cards(page))['complaints-received'], '3');

    // A range before any of it: no complaints or directives, renters as they are.
    const day = (n) => new Date(Date.now() + 8 * 3600_000 + n * 86400_000).toISOString().slice(0, 10);
    let loaded = dashLoaded(page);
    await page.locator('#f-from').fill(day(-60));
    await loaded;
    loaded = dashLoaded(page);
    await page.locator('#f-to').fill(day(-40));
    const r = await loaded;
    assert.equal(new URL(r.url()).searchParams.get('from'), day(-60));
    assert.equal(new URL(r.url()).searchParams.get('to'), day(-40));
    await page.waitForFunction(() => document.querySelector('#card-complaints-received strong')?.textContent === '0');
    const past = await cards(page);
    assert.equal(past['complaints-response'], '—');
    assert.equal(past['directives-read'], '—');
    assert.equal(past['renters-active'], '2');
    // No complaints, no rates: said in words, not an empty chart.
    assert.equal(await visibleText(page, '#chart-rates-empty'), '这段时间没有诉求，暂无三率');
    assert.equal(await page.locator('#chart-rates').count(), 0);
    assert.match(page.url(), new RegExp(`\\?unit=${F.tree.coop.id}&from=${day(-60)}&to=${day(-40)}$`));
    // The wrong order is caught before asking.
    await page.locator('#f-from').fill(day(-10));
    assert.equal(await visibleText(page, '#err-range'), '开始日期不能晚于结束日期，请重新选择');
    loaded = dashLoaded(page);
    await page.locator('.huzu-range[data-days="30"]').click();
    await loaded;
    await page.waitForFunction(() => document.querySelector('#card-complaints-received strong')?.textContent === '3');
    const from = await page.locator('#f-from').inputValue();
    const to = await page.locator('#f-to').inputValue();

    // Drill down to 东片户组: its buildings, and the breadcrumb back up.
    loaded = dashLoaded(page, F.GA.id);
    await page.locator(`#child-${F.GA.id} a.huzu-drill`).click();
    await loaded;
    await page.waitForURL(`${BASE}/dashboard.html?unit=${F.GA.id}&from=${from}&to=${to}`);
    await page.locator(`#child-${F.A1.id}`).waitFor();
    assert.equal(await visibleText(page, '#dash-title'), '数据看板 · 东片户组');
    assert.deepEqual(await rowOf(page, `child-${F.A1.id}`), EXPECT.A1);
    assert.deepEqual(await rowOf(page, `child-${F.A2.id}`), EXPECT.A2);
    assert.equal((await cards(page))['volunteer-hours'], '2.5');
    // The buildings' labels drop what their names share; the full name is in the tooltip.
    assert.deepEqual((await chartOf(page, 'chart-renters')).labels, ['1号楼', '2号楼']);
    await page.locator('#dash-crumbs').waitFor({ state: 'visible' });
    assert.deepEqual((await page.locator('#dash-crumb-list li').allInnerTexts()).map((t) => t.replace('›', '').trim()),
      [F.tree.coop.name, '东片户组']);
    await shot(page, 'dashboard-group.png', { fullPage: true });
    await checkLayout(page, 'dashboard group at 1280 px');

    // A fresh load of a building finds its way up through /units.
    await page.goto(`${BASE}/dashboard.html?unit=${F.A2.id}`, { waitUntil: 'load' });
    await page.locator('#dash-crumbs').waitFor({ state: 'visible' });
    assert.deepEqual((await page.locator('#dash-crumb-list li').allInnerTexts()).map((t) => t.replace('›', '').trim()),
      [F.tree.coop.name, '东片户组', '东片2号楼']);
    assert.equal((await cards(page))['renters-overdue'], '1');
    loaded = dashLoaded(page, F.GA.id);
    await page.locator(`#dash-crumb-list a[data-unit="${F.GA.id}"]`).click();
    await loaded;
    await page.locator(`#child-${F.A1.id}`).waitFor();
    loaded = dashLoaded(page, F.tree.coop.id);
    await page.locator(`#dash-crumb-list a[data-unit="${F.tree.coop.id}"]`).click();
    await loaded;
    await page.locator(`#child-${F.GB.id}`).waitFor();
    assert.equal(await page.locator('#dash-crumbs').isVisible(), false);

    // 导出 CSV: fetched with the token, saved from a Blob, with a BOM.
    const download = page.waitForEvent('download');
    await page.locator('#dash-export').click();
    const file = await download;
    assert.match(file.suggestedFilename(), new RegExp(`^数据看板-${F.tree.coop.name}-\\d{4}-\\d{2}-\\d{2}至\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const csvPath = path.join(ARTEFACTS, 'dashboard.csv');
    await file.saveAs(csvPath);
    const bytes = await readFile(csvPath);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
    const lines = bytes.toString('utf8').slice(1).split(/\r?\n/).filter(Boolean);
    assert.equal(lines.length, 4, 'the header, the cooperative, its two groups');
    assert.match(lines[0], /^单位,类型,在住人数/);
    assert.match(lines[1], new RegExp(`^${F.tree.coop.name},经济社,2,2,1,4,1,3,2,`));
    assert.match(lines[2], /^东片户组,户组,2,1,1,3,1,2,1,/);
    assert.match(lines[3], /^西片户组,户组,0,1,0,1,0,1,1,/);

    // A cadre of two cooperatives: each of their units is one tap away.
    const [[coop2]] = sql("SELECT id FROM units WHERE code = 'SMQ-2'");
    const granted = await call(await admin(), 'POST', `/users/${F.cadre.id}/roles`, { role: 'cadre', unit_id: Number(coop2) });
    assert.equal(granted.status, 201, granted.text);
    await page.reload({ waitUntil: 'load' });
    await page.locator('#dash-roots').waitFor({ state: 'visible' });
    assert.deepEqual((await page.locator('#dash-roots a').allInnerTexts()).map((t) => t.trim()).sort(),
      [F.tree.coop.name, '第二经济社'].sort());
    loaded = dashLoaded(page, coop2);
    await page.locator(`#dash-roots a[data-unit="${coop2}"]`).click();
    await loaded;
    await page.waitForFunction(() => document.getElementById('dash-title').textContent === '数据看板 · 第二经济社');
    await checkLayout(page, 'dashboard of a cadre of two cooperatives');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('a building head, a resident and a cadre of another cooperative get a clear page', { timeout: 180_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  const as = async (tokens) => {
    await page.evaluate(([access, refresh]) => {
      localStorage.setItem('huzu.access', access);
      localStorage.setItem('huzu.refresh', refresh);
    }, [tokens.access_token, tokens.refresh_token]);
  };
  try {
    // Logged out: the way to log in, back here.
    await page.goto(`${BASE}/dashboard.html?unit=${F.GA.id}`, { waitUntil: 'load' });
    await page.locator('#dash-login').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#dash-login').getAttribute('href'), `/login.html?next=${encodeURIComponent(`/dashboard.html?unit=${F.GA.id}`)}#staff`);

    // A building head: refused, and sent to 今日待办.
    const loginRes = await fetch(`${BASE}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: F.hA.username, password: PASSWORD }) });
    await as(await loginRes.json());
    await page.reload({ waitUntil: 'load' });
    await page.locator('#dash-todo').waitFor({ state: 'visible' });
    assert.equal(await stateTitle(page), '数据看板仅供经济社干部和联社党委查看');
    assert.equal(await page.locator('#dash-todo').getAttribute('href'), '/todo.html');
    assert.equal(await page.locator('#dash-app').isVisible(), false);
    await shot(page, 'dashboard-head.png');
    await checkWidths(page, 'dashboard refused to a head');
    await checkStateButtons(page, 'dashboard refused to a head');

    // A resident.
    await as(await residentLogin());
    await page.reload({ waitUntil: 'load' });
    await page.locator('#dash-home').waitFor({ state: 'visible' });
    assert.equal(await stateTitle(page), '数据看板仅供经济社干部和联社党委查看');
    assert.match(await visibleText(page, '#state-desc'), /住户/);
    await checkWidths(page, 'dashboard refused to a resident');

    // cadre1 (第一经济社) asks for this cooperative: it is not theirs.
    const c1 = await fetch(`${BASE}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'cadre1', password: DEMO_PASSWORD }) });
    await as(await c1.json());
    await page.goto(`${BASE}/dashboard.html?unit=${F.tree.coop.id}`, { waitUntil: 'load' });
    await page.locator('#dash-own').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#dash-body .huzu-empty__title'), /找不到这个单位/);
    await shot(page, 'dashboard-not-found.png');
    await checkWidths(page, 'dashboard outside the scope');
    // Their own dashboard opens from there.
    await page.locator('#dash-own').click();
    await page.locator('#dash-cards').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#dash-title'), '数据看板 · 第一经济社');
    assertClean(s, ['/api/v1/dashboard']);
  } finally {
    await s.context.close();
  }
});

test('a cooperative of 20 groups: a readable bar per group at 320 px', { timeout: 120_000 }, async () => {
  const a = await admin();
  const coop = (await call(a, 'POST', '/units', { parent_id: await villageId(), kind: 'cooperative', name: `二十组社${Date.now() % 100000}` })).json;
  sql(`INSERT INTO units (parent_id, kind, name, path) SELECT ${coop.id}, 'group', CONCAT('石马桥第', seq, '户组'), CONCAT('new:', UUID())
    FROM seq_1_to_20`);
  sql(`UPDATE units u JOIN units c ON c.id = u.parent_id SET u.path = CONCAT(c.path, u.id, '/') WHERE u.parent_id = ${coop.id}`);
  const cadre = await newStaff('二十组社干部', 'cadre', [coop.id]);
  const s = await openPage();
  const { page } = s;
  try {
    await page.setViewportSize({ width: 320, height: 640 });
    await staffLogin(page, cadre.username, '/dashboard.html');
    const c = await chartOf(page, 'chart-renters');
    assert.equal(c.y, 'category', 'units on the y-axis');
    assert.equal(c.labels.length, 20);
    assert.equal(c.labels[0], '1户组', 'what the names share is left out');
    assert.ok(c.height >= 20 * 28, `a row of ~28 px per group (${c.height} px)`);
    await shot(page, 'dashboard-20-groups-320.png', { fullPage: true });
    await checkLayout(page, 'dashboard of 20 groups at 320 px');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});
