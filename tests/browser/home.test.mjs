// Browser tests for issue 12's 首页, 消息 and 关怀模式 (H5): a renter's
// home says where their registration stands and what to do next; the
// decision arrives as a message with a red dot on 我的, 消息 lists it
// (unread marked, opening it reads them, a tap opens the registration, the dot clears);
// a building head's home shows their building's figures; no health check
// for anyone, a hint that does not look tappable, an admin's role not said
// twice; 关怀模式 from 我的 makes text at least 18 px on every page before
// any module runs, stays across pages and reloads, and nothing overflows
// at 320 px.
//   HUZU_TEST_BASE=… HUZU_TEST_DIR=… HUZU_SMS_LOG=… node --test browser/home.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, assertClean, checkWidths, openPage, shot, useBrowser, visibleText,
} from './lib.mjs';
import { call, newStaff, newTree, posterToken, PASSWORD } from './fixture11.mjs';
import { registerOk, resident } from '../api/tenancy-lib.mjs';
import { staff } from '../api/lib.mjs';

useBrowser({ needSmsLog: true });

async function signIn(page, tokens) {
  await page.goto(`${BASE}/login.html`, { waitUntil: 'domcontentloaded' });
  await page.evaluate(([a, r]) => {
    localStorage.setItem('huzu.access', a);
    localStorage.setItem('huzu.refresh', r);
  }, [tokens.access_token, tokens.refresh_token]);
}

async function staffTokens(username) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `${username} logs in`);
  return res.json();
}

// Visible elements with their own text under 18 px.
const smallText = (page, scope = 'body') => page.evaluate((sel) => {
  const out = [];
  for (const n of document.querySelectorAll(`${sel} *`)) {
    if (![...n.childNodes].some((t) => t.nodeType === 3 && t.textContent.trim())) continue;
    if (n.closest('[hidden], svg')) continue;
    const b = n.getBoundingClientRect();
    if (!b.width || !b.height) continue;
    const size = parseFloat(getComputedStyle(n).fontSize);
    if (size < 18) out.push(`${n.tagName.toLowerCase()}.${String(n.className).split(' ')[0]} "${n.textContent.trim().slice(0, 10)}" ${size}`);
  }
  return out;
}, scope);

test('a renter: 等待审核 on 首页, the decision as a message with a red dot, 消息, 全部已读; no health check', { timeout: 180_000 }, async () => {
  const head = await newStaff('测试栋长陈伯');
  const tree = await newTree('首页测试社', { groups: [{ name: '首页户组', buildings: [{ name: '首页测试楼', head }] }] });
  const building = tree.groups[0].buildings[0];
  const who = await resident();
  const { tenancy } = await registerOk(who, await posterToken(building.id), { name: '孙登记' });

  const s = await openPage();
  const { page } = s;
  try {
    await signIn(page, who);
    await page.goto(`${BASE}/`, { waitUntil: 'load' });
    await page.locator('#home-card').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#home-hello'), '您好，孙登记');
    assert.equal(await visibleText(page, '#home-step'), '等待审核');
    assert.match(await visibleText(page, '#home-res-desc'), /首页测试楼/);
    assert.equal(await visibleText(page, '#home-res-action'), '查看登记');
    assert.equal(await page.locator('#home-unit').isVisible(), false);
    assert.equal(await page.locator('#home-todo').isVisible(), false);
    // Defect 7: no 服务正常 for residents, and no health request at all.
    assert.doesNotMatch(await page.locator('body').innerText(), /服务正常|服务状态/);
    assert.ok(!s.calls.includes('GET /api/v1/health'), s.calls.join(', '));
    // Defect 7: the 扫一扫 hint is not a control and does not look like one.
    const tip = await page.locator('#home-tip').evaluate((n) => ({
      control: Boolean(n.closest('a, button, [role=button], .weui-cell_access, .weui-panel')),
      cursor: getComputedStyle(n).cursor, bg: getComputedStyle(n).backgroundColor,
      arrow: n.querySelectorAll('.weui-cell__ft').length,
    }));
    assert.deepEqual(tip, { control: false, cursor: 'auto', bg: 'rgba(0, 0, 0, 0)', arrow: 0 });
    assert.match(await visibleText(page, '#home-tip'), /扫一扫，就能办/);
    // Nothing unread yet: no red dot.
    assert.equal(await page.locator('#tab-me-badge').isVisible(), false);
    await checkWidths(page, 'a renter’s 首页 (pending)');

    // The head approves: 首页 says 本月还未打卡 with the day, 我的 gets a red dot.
    assert.equal((await call(await staffTokens(head.username), 'POST', `/tenancies/${tenancy.id}/approve`)).status, 200);
    await page.reload({ waitUntil: 'load' });
    await page.locator('#tab-me-badge').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#tab-me-badge'), '1');
    assert.equal(await page.locator('#tab-me').getAttribute('aria-label'), '我的，1 条未读消息');
    assert.equal(await visibleText(page, '#home-step'), '本月还未打卡');
    assert.match(await visibleText(page, '#home-res-desc'), /请在\d{4}年\d{1,2}月\d{1,2}日前扫描楼栋门口的二维码打卡/);
    await shot(page, 'home-renter.png', { fullPage: true });

    await page.locator('#tab-me').click();
    await page.locator('#me-messages').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#me-messages-count'), '1');
    await checkWidths(page, '我的 with 消息 and 关怀模式');
    // Opening 消息 reads what it shows (after rendering): the rows stay 未读 here.
    const seen = page.waitForResponse((x) => new URL(x.url()).pathname === '/api/v1/notifications/read' && x.request().method() === 'POST');
    await page.locator('#me-messages').click();
    await page.waitForURL(`${BASE}/notifications.html`);
    assert.equal((await seen).status(), 200);
    const row = page.locator('#msg-list .huzu-msg').first();
    await row.waitFor({ state: 'visible' });
    assert.equal(await page.locator('#msg-list .huzu-msg').count(), 1);
    assert.match(await row.innerText(), /已通过审核/);
    assert.match(await row.innerText(), /未读/);
    assert.match(await visibleText(page, '#msg-list .huzu-msg__time'), /^未读\d{1,2}月\d{1,2}日 \d\d:\d\d$/);
    assert.equal(await row.getAttribute('href'), '/residence.html');
    await shot(page, 'notifications.png', { fullPage: true });
    await checkWidths(page, '消息');
    await row.click();
    await page.waitForURL(`${BASE}/residence.html`);
    await page.goBack();
    // Read by the first visit: back here, nothing is unread any more.
    await page.waitForFunction(() => document.querySelectorAll('#msg-list .huzu-msg').length === 1 &&
      document.querySelectorAll('#msg-list .huzu-msg_unread').length === 0);
    assert.equal(await page.locator('#msg-readall').isVisible(), false);
    await page.goto(`${BASE}/#me`, { waitUntil: 'load' });
    await page.locator('#me-messages').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.getElementById('me-messages-desc').textContent === '审核结果 · 办理进度');
    assert.equal(await page.locator('#tab-me-badge').isVisible(), false);
    assertClean(s);
  } finally {
    await s.context.close();
  }

  // Someone with no messages: 暂无消息.
  const t = await openPage();
  try {
    await signIn(t.page, await resident());
    await t.page.goto(`${BASE}/notifications.html`, { waitUntil: 'load' });
    await t.page.locator('.huzu-msg-empty').waitFor({ state: 'visible' });
    assert.equal(await visibleText(t.page, '.huzu-msg-empty__title'), '暂无消息');
    assert.equal(await t.page.locator('#msg-readall').isVisible(), false);
    assertClean(t);
  } finally {
    await t.context.close();
  }
});

test('a building head: their building’s figures and 今日待办 on 首页; the admin’s role is not said twice', { timeout: 180_000 }, async () => {
  const head = await newStaff('测试栋长周姨');
  const tree = await newTree('首页栋长社', { groups: [{ name: '栋长户组', buildings: [{ name: '周姨的楼', head }] }] });
  await registerOk(await resident(), await posterToken(tree.groups[0].buildings[0].id));
  const s = await openPage();
  const { page } = s;
  try {
    await signIn(page, await staffTokens(head.username));
    await page.goto(`${BASE}/`, { waitUntil: 'load' });
    await page.locator('#home-unit').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#home-hello'), '您好，测试栋长周姨');
    assert.equal(await visibleText(page, '#home-unit-name'), '周姨的楼 · 楼栋');
    assert.equal(await visibleText(page, '#home-unit-pending'), '1');
    assert.equal(await visibleText(page, '#home-unit-active'), '0');
    assert.equal(await page.locator('#home-fig-pending').getAttribute('href'), '/building.html#pending');
    assert.equal(await page.locator('#home-residence').isVisible(), false);
    await page.locator('#home-todo-count').waitFor({ state: 'visible' });
    assert.ok(Number(await visibleText(page, '#home-todo-count')) >= 1);
    // The head heard of the registration: a red dot on 我的.
    await page.locator('#tab-me-badge').waitFor({ state: 'visible' });
    await shot(page, 'home-head.png', { fullPage: true });
    await checkWidths(page, 'a head’s 首页');
    assertClean(s);
  } finally {
    await s.context.close();
  }

  // The admin's 今日待办: the name, then roles the name does not already say.
  const a = await openPage();
  try {
    const tokens = await staff('admin');
    const me = await (await fetch(`${BASE}/api/v1/me`, { headers: { Authorization: `Bearer ${tokens.access_token}` } })).json();
    await signIn(a.page, tokens);
    await a.page.goto(`${BASE}/todo.html`, { waitUntil: 'load' });
    await a.page.locator('#todo-list').waitFor({ state: 'visible' });
    const whoLine = await visibleText(a.page, '#todo-who');
    assert.ok(whoLine.startsWith(`${me.user.display_name} · `), whoLine);
    const parts = whoLine.split(' · ');
    assert.equal(new Set(parts).size, parts.length, `nothing said twice: ${whoLine}`);
    assert.ok(!parts.slice(1).some((p) => me.user.display_name.endsWith(p)), `the role is not repeated: ${whoLine}`);
  } finally {
    await a.context.close();
  }
});

test('关怀模式: the switch on 我的, 18 px text before any module runs, kept across pages and reloads, fits 320 px', { timeout: 180_000 }, async () => {
  const who = await resident();
  const s = await openPage();
  const { page } = s;
  try {
    await signIn(page, who);
    await page.goto(`${BASE}/#me`, { waitUntil: 'load' });
    await page.locator('#me-messages').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('huzu-care')), false);
    assert.ok((await smallText(page, '#panel-me')).length > 0, 'normal mode has text under 18 px');
    await page.locator('label[for="me-care"]').click();
    assert.equal(await page.locator('#me-care').isChecked(), true);
    assert.equal(await page.evaluate(() => [document.documentElement.classList.contains('huzu-care'),
      localStorage.getItem('huzu.care')].join()), 'true,1');
    // Switched on here, the sheet is fetched now (a page that starts in
    // care mode holds its first paint for it instead): measure once it
    // has applied.
    await page.waitForFunction(() => [...document.styleSheets].some((x) => x.ownerNode?.id === 'huzu-care-css'
      && x.cssRules.length > 0));
    assert.deepEqual(await smallText(page, '#panel-me'), [], '我的 in care mode: text ≥ 18 px');
    const control = await page.locator('#me-messages').evaluate((n) => n.getBoundingClientRect().height);
    assert.ok(control >= 48, `a control is 48 px or more: ${control}`);
    await checkWidths(page, '我的 in care mode');
    await page.setViewportSize({ width: 320, height: 700 });
    await shot(page, 'care-me-320.png', { fullPage: true });

    // Before any module: the page scripts are blocked, the class and the sizes are there.
    await page.route(/\/js\/(?!care\.js)[\w-]+\.js$/, (route) => route.abort());
    for (const p of ['/', '/residence.html', '/notifications.html', '/todo.html']) {
      await page.goto(`${BASE}${p}`, { waitUntil: 'load' });
      assert.equal(await page.evaluate(() => document.documentElement.classList.contains('huzu-care')), true, `${p}: care mode`);
      assert.deepEqual(await smallText(page), [], `${p}: text ≥ 18 px before any module`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, `${p}: no overflow at 320 px`);
    }
    await page.unroute(/\/js\/(?!care\.js)[\w-]+\.js$/);
    s.consoleErrors.length = 0;          // the blocked modules

    // Loaded pages in care mode at 320 px.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}/`, { waitUntil: 'load' });
    await page.locator('#home-card').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#home-step'), '还未登记');
    assert.equal(await visibleText(page, '#home-res-action'), '去登记');
    assert.deepEqual(await smallText(page, '#panel-home'), [], '首页 in care mode');
    await checkWidths(page, '首页 in care mode');
    await page.setViewportSize({ width: 320, height: 700 });
    await shot(page, 'care-home-320.png', { fullPage: true });
    await page.goto(`${BASE}/notifications.html`, { waitUntil: 'load' });
    await page.locator('.huzu-msg-empty').waitFor({ state: 'visible' });
    assert.deepEqual(await smallText(page), [], '消息 in care mode');
    await checkWidths(page, '消息 in care mode');

    // Off again, and it stays off after a reload.
    await page.goto(`${BASE}/#me`, { waitUntil: 'load' });
    await page.locator('label[for="me-care"]').click();
    await page.reload({ waitUntil: 'load' });
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('huzu-care')), false);
    assert.equal(await page.locator('#me-care').isChecked(), false);
    assertClean(s);
  } finally {
    await s.context.close();
  }
});
