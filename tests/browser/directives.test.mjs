// Browser tests for the directive pages (issue 11): the admin sends a
// directive with a photo to every building head of a cooperative (the
// form's errors next to their fields first, an empty group refused on the
// range, a double tap on slow 3G sending once); two heads open it (read),
// one confirms it done with a photo; the sender's page shows 已读 2/3 ·
// 已完成 1/3, a row per group, who has not done it, and 提醒 (after its
// confirm dialog) reaches only the other two, as their notifications say;
// the list exports as CSV. At 390 and 320 px, and at 200 % text: no
// horizontal overflow, 44 px tap targets, 4.5:1 text, no console errors.
//   HUZU_TEST_BASE=http://127.0.0.1:18080 node --test browser/directives.test.mjs
//
// The test makes its own cooperative (two groups: two buildings and one,
// each with its own new head, and an empty group), so that no other test's
// heads or directives change its numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, apiLogin, assertClean, checkWidths, openPage, shot, useBrowser, visibleText,
  stateTitle, checkLoadingFirstPaint, expireLogin, assertReloginOffered, DEMO_PASSWORD,
} from './lib.mjs';
import { sql } from '../api/identity-lib.mjs';
import {
  apiPath, call, ok, freshCoop, staff, staffLogin, checkStateButtons, makeJpeg, network, SLOW_3G, FAST, doubleTap, largeText, responseOf,
} from './chain-lib.mjs';

const isSend = (r) => apiPath(r) === '/api/v1/directives' && r.request().method() === 'POST';

useBrowser();

let admin = '';
let org = null;
let directive = null;

async function setup() {
  if (org) return;
  admin = (await apiLogin('admin')).access_token;
  org = await freshCoop(admin, { groups: [2, 1], tag: '通' });
}

test('发通知: errors next to their fields, an empty range refused, a double tap on slow 3G sends once', { timeout: 240_000 }, async () => {
  await setup();
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'admin', '/directive-new.html');
    await page.waitForURL(`${BASE}/directive-new.html`);
    await page.locator('#new-form').waitFor({ state: 'visible' });
    // The range lists the village, its cooperatives and groups; ours is there.
    const options = await page.locator('#f-unit_id option').allInnerTexts();
    assert.ok(options.some((o) => o.includes(org.coop.name)), `our cooperative is offered: ${options}`);
    assert.ok(options.some((o) => o.includes(org.groups[0].name)), 'its groups too');
    await checkWidths(page, 'send form');
    await largeText(page, 'send form', '#new-form');

    // Nothing written: each error under its own field, nothing sent.
    await page.locator('#f-deadline').fill('');
    await page.locator('#new-submit').click();
    assert.match(await visibleText(page, '#err-title'), /请写标题/);
    assert.match(await visibleText(page, '#err-body'), /请写正文/);
    assert.match(await visibleText(page, '#err-deadline'), /请选择截止日期/);
    assert.equal(await page.locator('#f-title').getAttribute('aria-invalid'), 'true');
    assert.ok(!s.calls.includes('POST /api/v1/directives'), 'nothing is sent');
    await checkWidths(page, 'send form with errors');
    await shot(page, 'directive-new-errors.png', { fullPage: true });

    // A deadline in the past is refused in the page, under the deadline.
    await page.locator('#f-title').fill('本周六前清理楼道杂物');
    await page.locator('#f-body').fill('请各位栋长在本周六前清理楼道、天台的杂物，保持消防通道畅通。清理后拍照回执。');
    await page.locator('#f-deadline').fill('2020-01-01');
    await page.locator('#new-submit').click();
    assert.match(await visibleText(page, '#err-deadline'), /已经过了/);
    assert.equal(await page.locator('#err-title').isVisible(), false, 'the title error went once it was written');

    // The empty group: the server's no_recipients, said under the range.
    const next = new Date(Date.now() + 5 * 86400000).toISOString().slice(0, 10);
    await page.locator('#f-deadline').fill(next);
    await page.locator('#f-unit_id').selectOption(String(org.empty.id));
    const refused = responseOf(page, isSend);
    await page.locator('#new-submit').click();
    assert.equal((await refused).status(), 422);
    assert.match(await visibleText(page, '#err-unit_id'), /没有栋长/);
    assert.equal(await page.locator('#cell-unit_id').evaluate((n) => n.classList.contains('weui-cell_warn')), true);
    // The select's arrow stays on the select, not on the message under it.
    const arrow = await page.locator('#cell-unit_id .weui-cell__bd').evaluate((bd) => {
      const a = getComputedStyle(bd, '::after');
      const top = bd.getBoundingClientRect().top + parseFloat(a.top) + parseFloat(a.marginTop);
      const sel = bd.querySelector('select').getBoundingClientRect();
      return { top, selTop: sel.top, selBottom: sel.bottom };
    });
    assert.ok(arrow.top >= arrow.selTop && arrow.top + 24 <= arrow.selBottom, `the arrow is beside the select: ${JSON.stringify(arrow)}`);

    // The cooperative, heads, 要求确认完成, one photo.
    await page.locator('#f-unit_id').selectOption(String(org.coop.id));
    assert.equal(await page.locator('#err-unit_id').isVisible(), false);
    await page.locator('label[for="aud-heads"]').click();
    await page.locator('label[for="f-needs_done"]').click();
    assert.equal(await page.locator('#f-needs_done').isChecked(), true);
    await page.locator('#f-files').setInputFiles(await makeJpeg(page));
    await page.locator('#files-root .duty-up__item[data-status="done"]').waitFor();
    await shot(page, 'directive-new-filled.png', { fullPage: true });

    // Slow 3G, a double tap: one POST, one directive.
    await network(s, SLOW_3G);
    const sent = responseOf(page, isSend, { timeout: 60_000 });
    await doubleTap(page, '#new-submit');
    assert.equal(await page.locator('#new-submit').getAttribute('aria-busy'), 'true', 'the button says it is busy');
    const res = await sent;
    assert.equal(res.status(), 201);
    assert.match(res.request().headers()['idempotency-key'] || '', /^[0-9a-f]{32}$/);
    directive = await res.json();
    await page.locator('#state-title', { hasText: '已发送' }).waitFor({ timeout: 30_000 });
    await network(s, FAST);
    assert.equal(s.calls.filter((c) => c === 'POST /api/v1/directives').length, 2, 'one refused, then exactly one sent');
    assert.equal(directive.counts.recipients, 3);
    assert.equal(directive.files.length, 1);
    assert.match(await visibleText(page, '#state-desc'), /3 人/);
    await shot(page, 'directive-sent.png');
    assertClean(s, ['/api/v1/directives']);
  } finally {
    await s.context.close();
  }
});

test('two heads read it, one confirms it done with a photo; the note is asked for next to its field', { timeout: 180_000 }, async () => {
  assert.ok(directive, 'the directive was sent');
  const [a, b] = org.heads;
  const s = await openPage();
  const { page } = s;
  try {
    // Head A: the list says 未读, the page shows it, the photo comes with the token.
    await staffLogin(page, a.username, '/directives.html');
    const card = page.locator(`#directive-${directive.id}`);
    await card.waitFor({ state: 'visible' });
    assert.equal(await card.getAttribute('data-state'), '未读');
    assert.equal(await visibleText(page, '#unread-badge'), '1');
    assert.equal(await page.locator('#tab-sent').isVisible(), false, 'a head has no 发出的');
    await checkWidths(page, 'received list');
    await shot(page, 'directives-received.png', { fullPage: true });
    await card.click();
    await page.waitForURL(`${BASE}/directive.html?id=${directive.id}`);
    await page.locator('#d-card').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#d-title'), '本周六前清理楼道杂物');
    assert.match(await visibleText(page, '#d-body'), /消防通道畅通/);
    await page.waitForFunction(() => {
      const i = document.querySelector('#d-files .duty-photo img');
      return i && i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:');
    });
    assert.equal(await page.locator('#d-follow').isVisible(), false, 'a head sees no follow-up');
    assert.equal(await page.locator('#done-form').isVisible(), true);

    // 确认完成 without a note: asked for under the note, nothing sent.
    await page.locator('#done-submit').click();
    assert.match(await visibleText(page, '#err-note'), /请写一句办理情况/);
    assert.ok(!s.calls.some((c) => c.endsWith('/done')), 'nothing is sent');
    await checkWidths(page, 'receipt form with an error');
    await largeText(page, 'receipt form', '#d-app');
    await shot(page, 'directive-done-error.png', { fullPage: true });

    // With a note and a photo, on slow 3G with a double tap: done once.
    await page.locator('#f-note').fill('楼道和天台已清理干净，消防通道畅通');
    await page.locator('#f-done_photo').setInputFiles(await makeJpeg(page, 'done.jpg'));
    await page.locator('#done-photo .duty-up__item[data-status="done"]').waitFor();
    await network(s, SLOW_3G);
    const done = responseOf(page, (r) => apiPath(r) === `/api/v1/directives/${directive.id}/done`, { timeout: 60_000 });
    await doubleTap(page, '#done-submit');
    assert.equal((await done).status(), 200);
    await page.locator('#d-done').waitFor({ state: 'visible', timeout: 30_000 });
    await network(s, FAST);
    assert.equal(s.calls.filter((c) => c.endsWith(`/directives/${directive.id}/done`)).length, 1, 'one POST …/done');
    assert.match(await visibleText(page, '#d-receipt-state'), /已于 .+ 确认完成/);
    assert.match(await visibleText(page, '#d-done'), /清理干净/);
    await page.waitForFunction(() => document.querySelector('#d-done .duty-photo img')?.naturalWidth > 0);
    await checkWidths(page, 'receipt done');
    await shot(page, 'directive-done.png', { fullPage: true });
    assertClean(s);
  } finally {
    await s.context.close();
  }
  // Head B opens it too (the API's first GET records the reading).
  await ok(b.token, 'GET', `/directives/${directive.id}`);
  // Head C has not; another head outside cannot see it.
  const outsider = await call((await apiLogin('head1')).access_token, 'GET', `/directives/${directive.id}`);
  assert.equal(outsider.status, 404, 'a head not among the recipients gets 404');
});

test('the sender follows it up: 已读 2/3 · 已完成 1/3, a row per group, who has not done it, 提醒 only them, CSV', { timeout: 180_000 }, async () => {
  assert.ok(directive, 'the directive was sent');
  const [a, b, c] = org.heads;
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'admin', '/directives.html#sent');
    const card = page.locator(`#sent-${directive.id}`);
    await card.waitFor({ state: 'visible' });
    assert.match(await card.innerText(), /已读\s*2\/3/);
    assert.match(await card.innerText(), /已完成\s*1\/3/);
    await checkWidths(page, 'sent list');
    await shot(page, 'directives-sent.png', { fullPage: true });
    await card.click();
    await page.waitForURL(`${BASE}/directive.html?id=${directive.id}`);
    await page.locator('#d-follow').waitFor({ state: 'visible' });

    // The counts, in words and bars.
    assert.match(await visibleText(page, '#f-read'), /已读\s*2\/3/);
    assert.match(await visibleText(page, '#f-done'), /已完成\s*1\/3/);
    assert.match(await visibleText(page, '#f-summary'), /共 3 人 · 已读 2\/3 · 已完成 1\/3/);
    // A row per group: the first has both readers and the one done.
    const g1 = page.locator(`#child-${org.groups[0].id}`);
    const g2 = page.locator(`#child-${org.groups[1].id}`);
    assert.match(await g1.innerText(), /2 人[\s\S]*已读\s*2\/2[\s\S]*已完成\s*1\/2/);
    assert.match(await g2.innerText(), /1 人[\s\S]*已读\s*0\/1[\s\S]*已完成\s*0\/1/);
    assert.equal(await page.locator(`#child-${org.empty.id}`).count() <= 1, true);

    // Who has not done it: B and C, not A.
    await page.locator('#f-people .dd-person').first().waitFor();
    const undone = await page.locator('#f-people .dd-person').evaluateAll((ns) => ns.map((n) => n.dataset.user));
    assert.deepEqual(undone.sort(), [String(b.id), String(c.id)].sort());
    assert.equal(await page.locator('#f-state-undone').getAttribute('aria-pressed'), 'true');
    // Narrowed to the second group: C alone.
    await page.locator(`#child-${org.groups[1].id} .dd-child__pick`).click();
    await page.waitForFunction((id) => {
      const ns = [...document.querySelectorAll('#f-people .dd-person')];
      return ns.length === 1 && ns[0].dataset.user === id;
    }, String(c.id));
    assert.match(await visibleText(page, '#f-unit-name'), new RegExp(org.groups[1].name));
    await page.locator('#f-unit-clear').click();
    await page.waitForFunction(() => document.querySelectorAll('#f-people .dd-person').length === 2);
    // 未读: C alone.
    await page.locator('#f-state-unread').click();
    await page.waitForFunction((id) => {
      const ns = [...document.querySelectorAll('#f-people .dd-person')];
      return ns.length === 1 && ns[0].dataset.user === id;
    }, String(c.id));
    assert.equal(await visibleText(page, '#remind-btn'), '提醒未读的 1 人');
    await page.locator('#f-state-undone').click();
    await page.waitForFunction(() => document.querySelectorAll('#f-people .dd-person').length === 2);
    assert.equal(await visibleText(page, '#remind-btn'), '提醒未完成的 2 人');
    await checkWidths(page, 'follow-up');
    await largeText(page, 'follow-up', '#d-app');
    await shot(page, 'directive-follow-up.png', { fullPage: true });
    const desk = await openPage({ desktop: true });
    try {
      await staffLogin(desk.page, 'admin', `/directive.html?id=${directive.id}`);
      await desk.page.locator('#f-people .dd-person').first().waitFor();
      await shot(desk.page, 'directive-follow-up-desk.png', { fullPage: true });
      assertClean(desk);
    } finally {
      await desk.context.close();
    }

    // 提醒: a confirm dialog first; cancelling sends nothing.
    await page.locator('#remind-btn').click();
    const dialog = page.locator('#huzu-confirm-dialog');
    await dialog.locator('.weui-dialog').waitFor({ state: 'visible' });
    assert.match(await dialog.innerText(), /还没有完成这条通知的 2 人/);
    await shot(page, 'directive-remind-confirm.png');
    await page.waitForTimeout(450);
    await dialog.locator('button', { hasText: '取消' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok(!s.calls.some((x) => x.endsWith('/remind')), 'cancel sends nothing');
    await page.locator('#remind-btn').click();
    await dialog.locator('.weui-dialog').waitFor({ state: 'visible' });
    await page.waitForTimeout(450);
    const reminded = responseOf(page, (r) => apiPath(r) === `/api/v1/directives/${directive.id}/remind`);
    await dialog.locator('button', { hasText: '发送提醒' }).click();
    const rr = await reminded;
    assert.equal(rr.status(), 200);
    assert.deepEqual(await rr.json(), { reminded: 2, skipped: 0 });
    assert.match(await visibleText(page, '#remind-hint'), /已提醒 2 人/);

    // The reminder reached B and C, not A (their notifications).
    const remindsOf = async (h) => {
      const list = await ok(h.token, 'GET', '/notifications?limit=100');
      return list.items.filter((n) => n.kind === 'directive.remind' && String(n.subject_id) === String(directive.id)).length;
    };
    assert.equal(await remindsOf(a), 0, 'the head who did it is not reminded');
    assert.equal(await remindsOf(b), 1, 'the head who read it is reminded');
    assert.equal(await remindsOf(c), 1, 'the head who did not read it is reminded');
    // Each of them got the directive itself once.
    const news = (await ok(c.token, 'GET', '/notifications?limit=100')).items.filter((n) => n.kind === 'directive.new' && String(n.subject_id) === String(directive.id));
    assert.equal(news.length, 1);

    // The list as CSV (UTF-8 with BOM), saved from the page.
    const download = page.waitForEvent('download');
    await page.locator('#export-btn').click();
    const file = await download;
    const text = await (await import('node:fs/promises')).readFile(await file.path(), 'utf8');
    assert.equal(text.charCodeAt(0), 0xfeff, 'UTF-8 with BOM');
    assert.match(text, new RegExp(b.name));
    assert.match(file.suggestedFilename(), /\.csv$/);
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('发更正 links the new directive to the old one; a head cannot send; an unknown id is 找不到', { timeout: 120_000 }, async () => {
  assert.ok(directive, 'the directive was sent');
  const [a] = org.heads;
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'admin', `/directive-new.html?corrects=${directive.id}`);
    await page.locator('#new-form').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#corrects-text'), /本周六前清理楼道杂物/);
    assert.equal(await page.locator('#f-unit_id').inputValue(), String(org.coop.id));
    await page.locator('#f-title').fill('更正：清理楼道杂物改为本周日前');
    await page.locator('#f-body').fill('截止时间改为本周日 18:00，其余不变。');
    const sent = responseOf(page, isSend);
    await page.locator('#new-submit').click();
    const res = await sent;
    assert.equal(res.status(), 201);
    const fix = await res.json();
    assert.equal(fix.corrects.id, directive.id);
    await page.locator('#new-view').click();
    await page.waitForURL(`${BASE}/directive.html?id=${fix.id}`);
    assert.match(await visibleText(page, '#d-corrects'), /本周六前清理楼道杂物/);
    await page.goto(`${BASE}/directive.html?id=${directive.id}`, { waitUntil: 'load' });
    assert.match(await visibleText(page, '#d-corrected'), /已被更正/);
    await page.goto(`${BASE}/directive.html?id=999999999`, { waitUntil: 'load' });
    assert.equal(await stateTitle(page), '找不到这条内容');
    assertClean(s, [/^\/api\/v1\/directives\/999999999$/]);
  } finally {
    await s.context.close();
  }
  const h = await openPage();
  try {
    await staffLogin(h.page, a.username, '/directive-new.html');
    assert.equal(await stateTitle(h.page), '不能发通知');
    await checkWidths(h.page, 'head on the send form');
    await checkStateButtons(h.page, 'head on the send form');
    // Where a head finds the pages: 办事 and 我的.
    await h.page.goto(`${BASE}/#me`, { waitUntil: 'load' });
    await h.page.locator('#me-directives').waitFor({ state: 'visible' });
    assert.equal(await h.page.locator('#me-checklists').getAttribute('href'), '/checklists.html');
    await h.page.goto(`${BASE}/#services`, { waitUntil: 'load' });
    // A head is not offered what would refuse them.
    await h.page.locator('#svc-dashboard').waitFor({ state: 'hidden' });
    assert.equal(await h.page.locator('#svc-stations').isVisible(), false);
    await h.page.locator('#svc-directives').click();
    await h.page.waitForURL(`${BASE}/directives.html`);
    await h.page.locator('#received-list .duty-card').first().waitFor();
    assertClean(h);
  } finally {
    await h.context.close();
  }
});

// A minimal PDF the server accepts (%PDF- header, %%EOF trailer).
const PDF = Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n`
  + `2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');

test('a PDF goes alone (no photo beside it), and the head opens it from the directive', { timeout: 150_000 }, async () => {
  await setup();
  const [a] = org.heads;
  const s = await openPage();
  const { page } = s;
  let sent = null;
  try {
    await staffLogin(page, 'admin', '/directive-new.html');
    await page.locator('#new-form').waitFor({ state: 'visible' });
    await page.locator('#f-unit_id').selectOption(String(org.groups[0].id));
    await page.locator('#f-title').fill('消防安全宣传材料');
    await page.locator('#f-body').fill('附件是本月的消防安全宣传材料，请打印张贴在楼道。');
    // A PDF and a photo at once: the PDF alone is kept, and it says why.
    await page.locator('#f-files').setInputFiles([
      { name: '宣传材料.pdf', mimeType: 'application/pdf', buffer: PDF },
      await makeJpeg(page),
    ]);
    assert.match(await visibleText(page, '#err-files'), /PDF 只能单独上传一个/);
    await page.locator('#files-root .duty-up__item[data-status="done"]').waitFor();
    assert.equal(await page.locator('#files-root .duty-up__item').count(), 1);
    assert.match(await page.locator('#files-root .duty-up__item').innerText(), /PDF/);
    assert.equal(await page.locator('#add-files').isVisible(), false, 'nothing more can be added beside a PDF');
    await checkWidths(page, 'send form with a PDF');
    await shot(page, 'directive-new-pdf.png', { fullPage: true });
    const res = responseOf(page, isSend);
    await page.locator('#new-submit').click();
    assert.equal((await res).status(), 201);
    sent = await (await res).json();
    assert.equal(sent.files.length, 1);
    assert.equal(sent.files[0].kind, 'pdf');
    assert.equal(sent.counts.recipients, 2, 'the group has two heads');
    await page.locator('#state-title', { hasText: '已发送' }).waitFor();
    assertClean(s);
  } finally {
    await s.context.close();
  }
  const h = await openPage();
  try {
    await staffLogin(h.page, a.username, `/directive.html?id=${sent.id}`);
    const btn = h.page.locator('#d-files .duty-pdf');
    await btn.waitFor({ state: 'visible' });
    assert.equal(await btn.innerText(), '查看 PDF 附件');
    const download = h.page.waitForEvent('download');
    await btn.click();
    const file = await download;
    const bytes = await (await import('node:fs/promises')).readFile(await file.path());
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the PDF as it was sent');
    assert.match(file.suggestedFilename(), /\.pdf$/);
    assert.equal(await h.page.locator('#done-form').isVisible(), false, 'reading is all that is asked');
    assert.match(await visibleText(h.page, '#d-receipt-state'), /不需要回执/);
    await checkWidths(h.page, 'a directive with a PDF');
    await shot(h.page, 'directive-pdf.png', { fullPage: true });
    assertClean(h);
  } finally {
    await h.context.close();
  }
});

test('the pages show 正在加载 from the first paint, and preload every module they import', { timeout: 60_000 }, async () => {
  for (const p of ['/directives.html', '/directive.html?id=1', '/directive-new.html']) await checkLoadingFirstPaint(p);
});

test('a login that expires during 确认完成 offers 重新登录, keeps the note, and comes back to it', { timeout: 150_000 }, async () => {
  assert.ok(directive, 'the directive was sent');
  const c = org.heads[2];
  const s = await openPage();
  const { page } = s;
  const here = `/directive.html?id=${directive.id}`;
  try {
    await staffLogin(page, c.username, here);
    await page.locator('#done-form').waitFor({ state: 'visible' });
    const note = '楼道杂物已清走，天台门已锁好';
    await page.locator('#f-note').fill(note);
    await expireLogin(page);
    await page.locator('#done-submit').click();
    const dialog = await assertReloginOffered(page);
    await shot(page, 'directive-done-expired.png');
    // 稍后: the page stays with what was typed.
    await page.waitForTimeout(450);
    await dialog.locator('button', { hasText: '稍后' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.locator('#f-note').inputValue(), note);
    // Again, and 重新登录: the staff login, then back here with the note.
    await page.locator('#done-submit').click();
    await assertReloginOffered(page);
    await page.waitForTimeout(450);
    await dialog.locator('button', { hasText: '重新登录' }).click();
    await page.waitForURL((u) => u.pathname === '/login.html');
    assert.equal(new URL(page.url()).searchParams.get('next'), here, 'the login returns to the directive');
    await page.locator('#form-staff').waitFor({ state: 'visible' });
    await page.locator('#username').fill(c.username);
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.locator('#staff-submit').click();
    await page.waitForURL(`${BASE}${here}`);
    await page.locator('#done-form').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#f-note').inputValue(), note, 'the note came back');
    const done = responseOf(page, (r) => apiPath(r) === `/api/v1/directives/${directive.id}/done`);
    await page.locator('#done-submit').click();
    assert.equal((await done).status(), 200);
    await page.locator('#d-done').waitFor({ state: 'visible' });
    assertClean(s, [/^\/api\/v1\//]);
  } finally {
    await s.context.close();
  }
});

test('the sender: 未读 in an attention colour (4.5:1), 都已完成 instead of 提醒 0 人, no recipients named by audience, back after sending goes to the list', { timeout: 150_000 }, async () => {
  assert.ok(directive, 'the directive was sent');
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'admin', `/directive.html?id=${directive.id}`);
    await page.locator('#d-follow').waitFor({ state: 'visible' });
    // All three are done by now (A, then C above); B has read it.
    await ok(org.heads[1].token, 'POST', `/directives/${directive.id}/done`, { note: '已办好' });
    await page.reload({ waitUntil: 'load' });
    await page.locator('#d-follow').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.getElementById('remind-btn').disabled);
    assert.equal(await visibleText(page, '#remind-btn'), '都已完成，无需提醒');
    const colour = await page.evaluate(() => {
      const n = document.createElement('span');
      n.className = 'duty-state duty-state_new';
      n.textContent = '未读';
      document.body.append(n);
      const c = getComputedStyle(n).color;
      n.remove();
      return c;
    });
    const [r, g, b] = colour.match(/\d+/g).map(Number);
    assert.ok(!(g > r + 40 && g > b + 40), `未读 is not green: ${colour}`);

    // No recipients: the message names the chosen audience, inside the cell's padding.
    await page.goto(`${BASE}/directive-new.html`, { waitUntil: 'load' });
    await page.locator('#new-form').waitFor({ state: 'visible' });
    // Text at 200 % (half as wide): the date is not cut off.
    await page.setViewportSize({ width: 195, height: 422 });
    const w = await page.locator('#f-deadline').evaluate((n) => n.getBoundingClientRect().width);
    assert.ok(w >= 130, `the date input has room for the date at 200 % (${w}px)`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#f-unit_id').selectOption(String(org.empty.id));
    await page.locator('label[for="aud-leaders"]').click();
    await page.locator('#f-title').fill('测试：没有人收');
    await page.locator('#f-body').fill('这个范围里没有人。');
    await page.locator('#new-submit').click();
    const err = await visibleText(page, '#err-unit_id');
    assert.match(err, /没有户组长/);
    assert.doesNotMatch(err, /栋长（户组长）/);
    const box = await page.locator('#err-unit_id').evaluate((n) => {
      const r = document.createRange();
      r.selectNodeContents(n);
      return r.getBoundingClientRect().left;
    });
    assert.ok(box >= 12, `the error text is inset from the screen edge (${box}px)`);

    // Sent, then 查看完成情况, then back: the list, not an empty form.
    await page.locator('#f-unit_id').selectOption(String(org.groups[1].id));
    await page.locator('label[for="aud-heads"]').click();
    await page.locator('#new-submit').click();
    await page.locator('#state-title', { hasText: '已发送' }).waitFor();
    await page.locator('#new-view').click();
    await page.waitForURL((u) => u.pathname === '/directive.html');
    await page.locator('#d-card').waitFor({ state: 'visible' });
    await page.goBack({ waitUntil: 'load' });
    await page.waitForURL((u) => u.pathname === '/directives.html');
    await page.locator('#list-app').waitFor({ state: 'visible' });
    assertClean(s, ['/api/v1/directives']);
  } finally {
    await s.context.close();
  }
});

test('发通知: the range lists every unit, past the first page of 100', { timeout: 120_000 }, async () => {
  await setup();
  // A cadre of a cooperative with 103 groups (made by SQL: cheap).
  const village = (await ok(admin, 'GET', '/units?kind=village&limit=10')).items[0];
  const coop = await ok(admin, 'POST', '/units', { parent_id: village.id, kind: 'cooperative', name: `多组社${Date.now() % 100000}` });
  sql(`INSERT INTO units (parent_id, kind, name, path) SELECT ${coop.id}, 'group', CONCAT('多组', seq), CONCAT('new:', UUID())
    FROM seq_1_to_103`);
  sql(`UPDATE units u JOIN units c ON c.id = u.parent_id SET u.path = CONCAT(c.path, u.id, '/') WHERE u.parent_id = ${coop.id}`);
  const cadre = await staff(admin, '多组社干部', 'cadre', coop.id);
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, cadre.username, '/directive-new.html');
    await page.locator('#new-form').waitFor({ state: 'visible' });
    const options = (await page.locator('#f-unit_id option').allInnerTexts()).map((o) => o.trim());
    assert.equal(options.length, 104, 'the cooperative and its 103 groups');
    assert.ok(options.some((o) => o.startsWith('多组103（')), 'the 103rd group is offered');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});
