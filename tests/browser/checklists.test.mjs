// Browser tests for the monthly checklist pages (issue 11): the admin's
// template (an empty item refused next to it, then saved); `huzu tick
// --now=` on the 1st gives each head their list, once; a head ticks
// theirs on the phone: an item that needs a photo refuses 正常 without one
// next to its photo, a problem needs its note and can open a complaint in
// the same tap, a double tap on slow 3G ticks once, and the completed list
// says so; the group's completion per building, and 提醒 (after its
// confirm dialog) reaching only the head who has not finished. At 390 and
// 320 px, and at 200 % text: no horizontal overflow, 44 px tap targets,
// 4.5:1 text, no console errors.
//   HUZU_TEST_BASE=… HUZU_BIN=… HUZU_CONFIG=… node --test browser/checklists.test.mjs
//
// The test makes its own cooperative (one group of two buildings, each
// with its own new head), so that other tests' lists do not change its
// numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, apiLogin, assertClean, checkWidths, openPage, shot, useBrowser, visibleText,
  stateTitle, checkLoadingFirstPaint, expireLogin, assertReloginOffered, DEMO_PASSWORD,
} from './lib.mjs';
import {
  apiPath, call, ok, freshCoop, staffLogin, makeJpeg, network, SLOW_3G, FAST, doubleTap, largeText, responseOf,
} from './chain-lib.mjs';
import { tickOk } from '../api/scheduler-lib.mjs';

// The Shanghai month now, "2026-12", and its 1st at 00:05.
function shanghaiMonth(d = new Date()) {
  return new Date(d.getTime() + 8 * 3600e3).toISOString().slice(0, 7);
}
const MONTH = shanghaiMonth();
const FIRST = `${MONTH}-01T00:05:00+08:00`;
const nextMonth = (ym, n = 1) => {
  const [y, m] = ym.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
};

const ITEMS = [
  { title: '消防器材检查', hint: '灭火器压力正常、未过期，消防通道畅通', photo_required: true },
  { title: '楼道卫生', hint: '楼道、天台无堆放杂物', photo_required: false },
  { title: '安全隐患排查', hint: '电线、燃气、电动车充电', photo_required: false },
];

useBrowser();

let admin = '';
let org = null;
let template = null; // the month's template as the lists have it
let lists = {};      // head username → list

async function setup() {
  if (org) return;
  admin = (await apiLogin('admin')).access_token;
  org = await freshCoop(admin, { groups: [2], tag: '单' });
  // This month's template: the demo village's (scripts/demo/load), or
  // ours when there is none.
  const got = await call(admin, 'GET', `/checklist-templates/${MONTH}`);
  if (got.status === 404) {
    template = await ok(admin, 'PUT', `/checklist-templates/${MONTH}`, { title: `${Number(MONTH.slice(5))}月栋长工作清单`, items: ITEMS });
  } else {
    assert.equal(got.status, 200);
    template = got.body;
  }
  assert.ok(template.items.some((i) => i.photo_required), 'the month has an item that needs a photo');
  // The 1st: every building with a head gets its list; a second run adds none.
  const first = tickOk(FIRST);
  assert.ok(first.checklists_issue, `the job ran: ${JSON.stringify(first)}`);
  const again = tickOk(FIRST);
  assert.equal(again.checklists_issue.lists, 0, 'a second run makes no second list');
  for (const h of org.heads) {
    const page = await ok(h.token, 'GET', `/checklists?month=${MONTH}`);
    assert.equal(page.items.length, 1, `${h.name} has one list`);
    assert.equal(String(page.items[0].building.id), String(h.building.id));
    lists[h.username] = page.items[0];
  }
}

test('the admin edits a later month\'s template: an empty item refused next to it, then saved', { timeout: 120_000 }, async () => {
  await setup();
  const month = nextMonth(MONTH, 3);
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'admin', `/checklist-template.html?month=${month}`);
    await page.locator('#ct-form').waitFor({ state: 'visible' });
    await page.locator('#item-title-1').waitFor();
    assert.equal(await page.locator('#f-month').inputValue(), month);
    const n = await page.locator('.ct-item').count();
    assert.ok(n >= 1, 'a new month starts from the newest template or the usual items');
    await page.locator('#add-item').click();
    await page.locator(`#item-title-${n + 1}`).waitFor();
    await page.locator('#ct-save').click();
    assert.match(await visibleText(page, '#err-items'), new RegExp(`第 ${n + 1} 项：请写检查什么`));
    assert.equal(await page.locator(`#item-${n + 1}`).evaluate((li) => li.classList.contains('ct-item_bad')), true);
    assert.equal(await page.locator(`#item-${n + 1} #err-items`).count(), 1, 'the message is inside the item, not under the list');
    assert.ok(!s.calls.some((c) => c.startsWith('PUT ')), 'nothing is sent');
    await checkWidths(page, 'template with an error');
    await shot(page, 'checklist-template-error.png', { fullPage: true });
    await page.locator(`#item-title-${n + 1}`).fill('电动车充电检查');
    await page.locator(`label[for="item-photo-${n + 1}"]`).click();
    const put = responseOf(page, (r) => apiPath(r) === `/api/v1/checklist-templates/${month}` && r.request().method() === 'PUT');
    await page.locator('#ct-save').click();
    const res = await put;
    assert.ok([200, 201].includes(res.status()), `saved: ${res.status()}`);
    const saved = await res.json();
    assert.equal(saved.items.length, n + 1);
    assert.deepEqual(saved.items.at(-1), { ...saved.items.at(-1), title: '电动车充电检查', photo_required: true });
    assert.match(await visibleText(page, '#ct-status'), /已保存/);
    await largeText(page, 'template', '#ct-form');
    await shot(page, 'checklist-template.png', { fullPage: true });
    // This month's template is issued: read-only, saying why.
    await page.locator('#f-month').selectOption(MONTH);
    await page.locator('#ct-issued').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#ct-issued'), /已于 .+ 下发，不能再修改/);
    assert.equal(await page.locator('#ct-save').isVisible(), false);
    await checkWidths(page, 'issued template');
    assertClean(s);
  } finally {
    await s.context.close();
  }
  // A head cannot edit templates.
  const h = await openPage();
  try {
    await staffLogin(h.page, org.heads[0].username, '/checklist-template.html');
    assert.equal(await stateTitle(h.page), '没有权限');
    assertClean(h);
  } finally {
    await h.context.close();
  }
});

test('a head ticks their list: the photo asked for next to the item, a problem with a complaint, done once on slow 3G, completion shown', { timeout: 240_000 }, async () => {
  await setup();
  const head = org.heads[0];
  const list = lists[head.username];
  const photoItem = template.items.find((i) => i.photo_required);
  const plainItem = template.items.find((i) => !i.photo_required);
  assert.ok(plainItem, 'the month has an item without a photo');
  const rest = template.items.filter((i) => i !== photoItem && i !== plainItem);
  const s = await openPage();
  const { page } = s;
  try {
    // 月度清单: their building, nothing done yet.
    await staffLogin(page, head.username, '/checklists.html');
    const card = page.locator(`#list-${list.id}`);
    await card.waitFor({ state: 'visible' });
    assert.match(await card.innerText(), new RegExp(head.building.name));
    assert.match(await card.innerText(), new RegExp(`已完成\\s*0/${template.items.length}`));
    assert.equal(await page.locator('#sum').isVisible(), false, 'a head sees their own lists only');
    await checkWidths(page, 'my lists');
    await shot(page, 'checklists-mine.png', { fullPage: true });
    await card.click();
    await page.waitForURL(`${BASE}/checklist.html?id=${list.id}`);
    await page.locator('#ck-items').waitFor({ state: 'visible' });
    assert.equal(await page.locator('.ck-item').count(), template.items.length);
    await checkWidths(page, 'the list');
    await largeText(page, 'the list', '#ck-app');
    await shot(page, 'checklist-open.png', { fullPage: true });

    // 正常 on the photo item without a photo: refused next to its photo.
    const p = photoItem.position;
    await page.locator(`#ok-${p}`).click();
    const err = page.locator(`#err-photo-${p}`);
    assert.equal(await visibleText(page, `#err-photo-${p}`), '这一项需要拍照：请先拍一张现场照片');
    assert.equal(await err.evaluate((n, pos) => Boolean(n.closest(`#item-${pos}`)), p), true, 'the message is inside its item');
    assert.ok(!s.calls.some((c) => c.includes('/entries/')), 'nothing is sent');
    // 有问题 with neither the photo nor a note: both said at once, the
    // first (the photo) focused.
    await page.locator(`#bad-${p}`).click();
    await page.locator(`#send-${p}`).click();
    assert.equal(await visibleText(page, `#err-photo-${p}`), '这一项需要拍照：请先拍一张现场照片');
    assert.match(await visibleText(page, `#err-note-${p}`), /请写一句问题是什么/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), `f-photo-${p}`, 'the photo is focused first');
    await page.locator(`#bad-${p}`).click();
    await checkWidths(page, 'photo refused');
    await shot(page, 'checklist-photo-refused.png', { fullPage: true });
    // And the API says the same when asked without one.
    const direct = await call(head.token, 'POST', `/checklists/${list.id}/entries/${p}`, { status: 'ok' });
    assert.equal(direct.status, 422);
    assert.equal(direct.body.error.fields.photo, '这一项需要拍照：请先拍一张现场照片');

    // With the photo, on slow 3G, a double tap: one tick.
    await page.locator(`#f-photo-${p}`).setInputFiles(await makeJpeg(page));
    await page.locator(`#item-${p} .duty-up__item[data-status="done"]`).waitFor();
    assert.equal(await err.isVisible(), false);
    await network(s, SLOW_3G);
    const ticked = responseOf(page, (r) => apiPath(r) === `/api/v1/checklists/${list.id}/entries/${p}`, { timeout: 60_000 });
    await doubleTap(page, `#ok-${p}`);
    assert.equal((await ticked).status(), 200);
    await page.locator(`#item-${p}[data-status="ok"]`).waitFor({ timeout: 30_000 });
    await network(s, FAST);
    assert.equal(s.calls.filter((c) => c.endsWith(`/entries/${p}`)).length, 1, 'one POST for the tick');
    await page.waitForFunction((pos) => document.querySelector(`#item-${pos} .duty-photo img`)?.naturalWidth > 0, p);
    assert.match(await visibleText(page, '#ck-count'), new RegExp(`已完成\\s*1/${template.items.length}`));

    // A problem: the note is asked for, then a complaint opens with it.
    const q = plainItem.position;
    await page.locator(`#bad-${q}`).click();
    await page.locator(`#send-${q}`).click();
    assert.match(await visibleText(page, `#err-note-${q}`), /请写一句问题是什么/);
    await page.locator(`#note-${q}`).fill('三楼楼道堆放了旧家具，已通知住户清走');
    await page.locator(`label[for="complaint-${q}"]`).click();
    await page.locator(`#cat-${q} option`).nth(1).waitFor({ state: 'attached' });
    await page.locator(`#send-${q}`).click();
    assert.equal(await visibleText(page, `#err-cat-${q}`), '请选择诉求类型');
    await page.locator(`#cat-${q}`).selectOption({ index: 1 });
    await checkWidths(page, 'a problem with a complaint');
    await shot(page, 'checklist-problem.png', { fullPage: true });
    const problem = responseOf(page, (r) => apiPath(r) === `/api/v1/checklists/${list.id}/entries/${q}`);
    await page.locator(`#send-${q}`).click();
    const pr = await problem;
    assert.equal(pr.status(), 200);
    const entry = (await pr.json()).entries.find((e) => e.position === q);
    assert.equal(entry.status, 'problem');
    assert.ok(entry.complaint_id, 'a complaint was opened');
    await page.locator(`#item-${q}[data-status="problem"]`).waitFor();
    // The complaint is named by what it is (查看诉求), not by its number.
    assert.equal(await visibleText(page, `#complaint-link-${q}`), '查看诉求');
    assert.equal(await page.locator(`#complaint-link-${q}`).getAttribute('href'), `/complaint.html?id=${entry.complaint_id}`);
    assert.doesNotMatch(await visibleText(page, `#item-${q}`), /编号/);

    // The rest 正常 (a photo where needed), and the list says it is complete.
    for (const it of rest) {
      if (it.photo_required) {
        await page.locator(`#f-photo-${it.position}`).setInputFiles(await makeJpeg(page, `item-${it.position}.jpg`));
        await page.locator(`#item-${it.position} .duty-up__item[data-status="done"]`).waitFor();
      }
      const done = responseOf(page, (r) => apiPath(r) === `/api/v1/checklists/${list.id}/entries/${it.position}`);
      await page.locator(`#ok-${it.position}`).click();
      assert.equal((await done).status(), 200);
      await page.locator(`#item-${it.position}[data-status="ok"]`).waitFor();
    }
    await page.locator('#ck-complete').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#ck-complete'), /本月清单已全部完成/);
    assert.match(await visibleText(page, '#ck-count'), new RegExp(`已完成\\s*${template.items.length}/${template.items.length}`));
    await checkWidths(page, 'the list complete');
    await shot(page, 'checklist-complete.png', { fullPage: true });
    assertClean(s);
  } finally {
    await s.context.close();
  }
  const after = await ok(head.token, 'GET', `/checklists/${list.id}`);
  assert.ok(after.completed_at, 'the API has it complete');
  // Another head cannot open this list.
  const other = await call(org.heads[1].token, 'GET', `/checklists/${list.id}`);
  assert.equal(other.status, 404);
});

test('the group\'s completion per building, and 提醒 only the head who has not finished', { timeout: 180_000 }, async () => {
  await setup();
  const [done, lagging] = org.heads;
  assert.ok((await ok(done.token, 'GET', `/checklists/${lists[done.username].id}`)).completed_at, 'the first head finished (test above)');
  const s = await openPage();
  const { page } = s;
  try {
    // A building of the group without a head: no list, so 无栋长, not 0/0 bars.
    const headless = await ok(admin, 'POST', '/buildings', {
      group_id: org.groups[0].id, name: `${org.buildings[0].name}-无栋长`, lane: org.buildings[0].lane || '测试巷', door_no: '99',
    });
    await staffLogin(page, 'admin', `/checklists.html?unit=${org.coop.id}`);
    const row = page.locator(`#child-${org.groups[0].id}`);
    await row.waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#sum-total'), /清单完成\s*1\/2/);
    assert.match(await row.innerText(), /清单完成\s*1\/2/);
    // The month went out; the empty group has no list because it has no heads.
    const empty = await visibleText(page, `#child-${org.empty.id}`);
    assert.match(empty, /没有清单（下面的楼栋都未设栋长）/);
    assert.doesNotMatch(empty, /还没有下发/);
    await checkWidths(page, 'cooperative summary');
    await shot(page, 'checklists-coop.png', { fullPage: true });
    // Down to the group: a row per building, each opening its list.
    await row.click();
    await page.waitForURL((u) => u.searchParams.get('unit') === String(org.groups[0].id));
    const b1 = page.locator(`#child-${done.building.id}`);
    const b2 = page.locator(`#child-${lagging.building.id}`);
    await b1.waitFor({ state: 'visible' });
    assert.match(await b1.innerText(), /已完成/);
    assert.match(await b2.innerText(), new RegExp(`事项完成\\s*0/${template.items.length}`));
    assert.equal(await b2.getAttribute('href'), `/checklist.html?id=${lists[lagging.username].id}`);
    assert.equal(await visibleText(page, '#remind-btn'), '提醒未完成的 1 位栋长');
    const b3 = page.locator(`#child-${headless.id}`);
    assert.match(await b3.innerText(), /无栋长/);
    assert.doesNotMatch(await b3.innerText(), /0\/0/, 'no 0/0 bars for a building without a head');
    assert.equal(await b3.locator('.duty-bar').count(), 0);
    // ‹ 上一级 goes one level up: the cooperative, not the admin's village.
    await page.waitForFunction((h) => document.getElementById('sum-up').getAttribute('href') === h, `/checklists.html?unit=${org.coop.id}`);
    await checkWidths(page, 'group summary');
    await largeText(page, 'group summary', '#cl-app');
    await shot(page, 'checklists-group.png', { fullPage: true });

    // 提醒: confirmed first, then only the lagging head hears of it.
    await page.locator('#remind-btn').click();
    const dialog = page.locator('#huzu-confirm-dialog');
    await dialog.locator('.weui-dialog').waitFor({ state: 'visible' });
    assert.match(await dialog.innerText(), /还没完成的 1 位栋长/);
    await page.waitForTimeout(450);
    const reminded = responseOf(page, (r) => apiPath(r) === '/api/v1/checklists/remind');
    await dialog.locator('button', { hasText: '发送提醒' }).click();
    const rr = await reminded;
    assert.equal(rr.status(), 200);
    assert.equal((await rr.json()).reminded, 1);
    assert.match(await visibleText(page, '#remind-hint'), /已提醒 1 位栋长/);
    const remindsOf = async (h) => (await ok(h.token, 'GET', '/notifications?limit=100')).items
      .filter((n) => n.kind === 'checklist.remind').length;
    assert.equal(await remindsOf(done), 0, 'the head who finished is not reminded');
    assert.equal(await remindsOf(lagging), 1, 'the head who has not finished is');

    // A month not issued (yet) is named as such, not 本月.
    await page.goto(`${BASE}/checklists.html?unit=${org.groups[0].id}&month=2031-03`, { waitUntil: 'load' });
    await page.locator(`#child-${done.building.id}`).waitFor({ state: 'visible' });
    assert.match(await visibleText(page, `#child-${done.building.id}`), /2031年3月清单还没有下发/);
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('the pages show 正在加载 from the first paint, and preload every module they import', { timeout: 90_000 }, async () => {
  for (const p of ['/checklists.html', '/checklist.html?id=1', '/checklist-template.html', '/todo.html', '/dashboard.html']) {
    await checkLoadingFirstPaint(p);
  }
});

test('a login that expires while ticking offers 重新登录; the problem note comes back after logging in', { timeout: 150_000 }, async () => {
  await setup();
  const head = org.heads[1];
  const list = lists[head.username];
  assert.ok(list, 'the head has a list (tests above)');
  const item = template.items.find((i) => !i.photo_required);
  assert.ok(item, 'an item without a photo');
  const q = item.position;
  const here = `/checklist.html?id=${list.id}`;
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, head.username, here);
    await page.locator(`#bad-${q}`).waitFor({ state: 'visible' });
    await page.locator(`#bad-${q}`).click();
    const note = '二楼楼道灯不亮，已报修';
    await page.locator(`#note-${q}`).fill(note);
    await expireLogin(page);
    await page.locator(`#send-${q}`).click();
    const dialog = await assertReloginOffered(page);
    await shot(page, 'checklist-tick-expired.png');
    await page.waitForTimeout(450);
    await dialog.locator('button', { hasText: '重新登录' }).click();
    await page.waitForURL((u) => u.pathname === '/login.html');
    assert.equal(new URL(page.url()).searchParams.get('next'), here);
    await page.locator('#form-staff').waitFor({ state: 'visible' });
    await page.locator('#username').fill(head.username);
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.locator('#staff-submit').click();
    await page.waitForURL(`${BASE}${here}`);
    await page.locator(`#note-${q}`).waitFor({ state: 'visible' });
    assert.equal(await page.locator(`#note-${q}`).inputValue(), note, 'the note came back, its panel open');
    const sent = responseOf(page, (r) => apiPath(r) === `/api/v1/checklists/${list.id}/entries/${q}`);
    await page.locator(`#send-${q}`).click();
    assert.equal((await sent).status(), 200);
    await page.locator(`#item-${q}[data-status="problem"]`).waitFor();
    assertClean(s, [/^\/api\/v1\//]);
  } finally {
    await s.context.close();
  }
});
