// Browser tests for the complaint pages (issue 9): 反映问题 from a scanned
// building with a real photo, 我的诉求 and its unread count on 首页, the
// handler's 诉求工单 and detail (受理 → 回复 → 办结), the resident's 评价,
// 诉求统计; at 390 and 320 px no horizontal overflow, tap targets of 44 px,
// text at 4.5:1, no console errors; and on slow 3G a double tap on 提交
// files exactly one complaint, as does a retry after a lost answer.
//   HUZU_TEST_BASE=http://127.0.0.1:18080 HUZU_SMS_LOG=.../sms.log node --test browser/complaints.test.mjs
//
// The flow uses 石马桥东二巷2号楼 (B007, no building head; its group
// leader is leader1), which no other test files complaints about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, DEMO_PASSWORD, apiGet, apiLogin, assertClean, checkWidths, codeFromSmsLog, freshPhone, openPage, shot, useBrowser, visibleText,
} from './lib.mjs';

const BUILDING = '石马桥东二巷2号楼';
const apiPath = (r) => new URL(r.url()).pathname;
const isCreate = (r) => apiPath(r) === '/api/v1/complaints' && r.request().method() === 'POST';

// Chrome DevTools' "Slow 3G": 2 s round trips, 400 kbit/s each way.
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000 };
const FAST = { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };

async function network(s, conditions) {
  s.cdp = s.cdp || await s.context.newCDPSession(s.page);
  await s.cdp.send('Network.enable');
  await s.cdp.send('Network.emulateNetworkConditions', conditions);
}

async function posterOf(buildingName) {
  const token = (await apiLogin('admin')).access_token;
  const list = await apiGet(token, `/buildings?q=${encodeURIComponent(buildingName.replace(/楼$/, ''))}`);
  const building = list.items.find((b) => b.name === buildingName);
  assert.ok(building, `${buildingName} is in the village`);
  const posters = await apiGet(token, `/units/${building.id}/posters`);
  return { id: building.id, path: new URL(posters.items[0].url).pathname };
}

async function phoneLogin(page, phone) {
  await page.locator('#form-phone').waitFor({ state: 'visible' });
  await page.locator('#phone').fill(phone);
  const sent = page.waitForResponse((r) => apiPath(r) === '/api/v1/auth/code');
  await page.locator('#send-code').click();
  assert.equal((await sent).status(), 202);
  await page.locator('#code').fill(await codeFromSmsLog(phone));
  await page.locator('#phone-submit').click();
}

async function staffLogin(page, username, next) {
  await page.goto(`${BASE}/login.html?next=${encodeURIComponent(next)}#staff`, { waitUntil: 'load' });
  await page.locator('#form-staff').waitFor({ state: 'visible' });
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.locator('#staff-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

// A real JPEG, drawn in the page: colour noise, so that it is big enough
// (~100 KiB) for the upload to show its progress on a throttled line.
async function makeJpeg(page) {
  const b64 = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 480;
    c.height = 360;
    const g = c.getContext('2d');
    const img = g.createImageData(c.width, c.height);
    for (let i = 0; i < img.data.length; i += 4) {
      img.data[i] = (i * 7) % 251;
      img.data[i + 1] = Math.floor(Math.random() * 255);
      img.data[i + 2] = (i / 4) % 255;
      img.data[i + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    g.fillStyle = '#c8102e';
    g.fillRect(40, 40, 160, 120);
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.85));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  });
  return { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(b64, 'base64') };
}

useBrowser({ needSmsLog: true });

test('scan → 反映问题 with a photo → 户组长 受理, 回复, 办结 → 评价', { timeout: 240_000 }, async () => {
  const poster = await posterOf(BUILDING);
  const resident = await openPage();
  const leader = await openPage();
  const { page } = resident;
  try {
    // 1. The scanned building offers 反映问题, a link to report.html?building=.
    await page.goto(`${BASE}/login.html?next=${encodeURIComponent(poster.path)}`, { waitUntil: 'load' });
    await phoneLogin(page, freshPhone('136'));
    await page.waitForURL(`${BASE}${poster.path}`);
    const report = page.locator('#act-report');
    await report.waitFor({ state: 'visible' });
    assert.equal(await report.getAttribute('href'), `/report.html?building=${poster.id}`);
    assert.equal(await report.getAttribute('aria-disabled'), null);
    await report.click();
    await page.waitForURL(`${BASE}/report.html?building=${poster.id}`);
    await page.locator('#report-form').waitFor({ state: 'visible' });

    // The form: categories from the API, the scanned building chosen.
    const cats = (await page.locator('.huzu-cat__name').allInnerTexts()).map((t) => t.trim());
    assert.ok(cats.includes('噪音扰民') && cats.includes('消防安全'), `categories: ${cats}`);
    assert.equal(await page.locator(`#where-${poster.id}`).isChecked(), true, 'the scanned building is preset');
    assert.match(await visibleText(page, `label[for="where-${poster.id}"]`), new RegExp(BUILDING));
    assert.equal(await page.locator('#place-cell-group').isVisible(), false);
    assert.match(await visibleText(page, '#hide-desc'), /栋长/);
    await checkWidths(page, 'report form');

    // Nothing chosen: each error under its own field, nothing sent.
    await page.locator('#report-submit').click();
    assert.equal(await visibleText(page, '#err-category'), '请选择问题类型');
    assert.match(await visibleText(page, '#err-text'), /至少写 5 个字/);
    assert.ok(!resident.calls.includes('POST /api/v1/complaints'));
    // 其他地点 asks for the place.
    await page.locator('label[for="where-place"]').click();
    await page.locator('#f-place').waitFor({ state: 'visible' });
    await page.locator('#report-submit').click();
    assert.match(await visibleText(page, '#err-place'), /请写下地点/);
    await page.locator(`label[for="where-${poster.id}"]`).click();
    await shot(page, 'report-errors.png', { fullPage: true });

    await page.locator('label[for="cat-noise"]').click();
    assert.match(await visibleText(page, '#cat-hint'), /噪音扰民：一般 .+内受理/);
    const text = '楼下每天晚上十一点以后还在装修敲打，吵得没法睡觉，希望尽快处理';
    await page.locator('#f-text').fill(text);
    assert.equal(await visibleText(page, '#text-n'), String([...text].length));
    await page.locator('label[for="f-hide"]').click();
    assert.equal(await page.locator('#f-hide').isChecked(), true);

    // 2. Photos: a real JPEG, uploaded at once with its progress; a second one removed again.
    await page.evaluate(() => {
      window.__progress = [];
      new MutationObserver(() => {
        for (const n of document.querySelectorAll('.huzu-photo-progress')) window.__progress.push(Number(n.getAttribute('aria-valuenow')));
      }).observe(document.getElementById('photo-list'), { subtree: true, childList: true, attributes: true });
    });
    const jpeg = await makeJpeg(page);
    await network(resident, { offline: false, latency: 100, downloadThroughput: 200_000, uploadThroughput: 60_000 });
    const uploaded = page.waitForResponse((r) => apiPath(r) === '/api/v1/uploads');
    await page.locator('#f-photos').setInputFiles(jpeg);
    await page.locator('.huzu-photo-item[data-status="uploading"] [role=progressbar]').waitFor();
    const up = await uploaded;
    assert.equal(up.status(), 201, 'the photo is accepted');
    const upload = await up.json();
    assert.ok(upload.id && upload.url && upload.thumb_url, 'upload answer has id, url and thumb_url');
    assert.equal(up.request().headers()['content-type'], 'image/jpeg');
    await page.locator('.huzu-photo-item[data-status="done"]').waitFor();
    const seen = await page.evaluate(() => window.__progress);
    assert.ok(seen.some((v) => v > 0 && v < 100), `the progress bar moved on the way (${seen})`);
    await network(resident, FAST);
    await page.locator('#f-photos').setInputFiles({ ...jpeg, name: 'second.jpg' });
    await page.locator('.huzu-photo-item').nth(1).waitFor();
    await page.locator('.huzu-photo-del[aria-label="删除照片 2"]').click();
    assert.equal(await page.locator('.huzu-photo-item').count(), 1);
    assert.ok(await page.locator('.huzu-photo-item img').evaluate((i) => i.complete && i.naturalWidth > 0), 'the thumbnail shows');
    await shot(page, 'report-filled.png', { fullPage: true });

    // 3. Slow 3G and a double tap on 提交: one POST, one complaint.
    await network(resident, SLOW_3G);
    const created = page.waitForResponse(isCreate, { timeout: 60_000 });
    const box = await page.locator('#report-submit').boundingBox();
    await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const r201 = await created;
    assert.equal(r201.status(), 201);
    assert.match(r201.request().headers()['idempotency-key'] || '', /^[0-9a-f]{32}$/);
    const complaint = await r201.json();
    assert.equal(complaint.status, 'submitted');
    assert.equal(complaint.photos.length, 1);
    await page.locator('#state-title', { hasText: '已提交' }).waitFor({ timeout: 30_000 });
    await network(resident, FAST);
    assert.equal(resident.calls.filter((c) => c === 'POST /api/v1/complaints').length, 1, 'exactly one POST /complaints');
    assert.match(await visibleText(page, '#state-desc'), new RegExp(`诉求编号 ${complaint.id}`));
    await shot(page, 'report-done.png');

    // 4. The detail: 待受理, the steps, the photo (fetched with the token), the deadline.
    await page.locator('#done-view').click();
    await page.waitForURL(`${BASE}/complaint.html?id=${complaint.id}`);
    await page.locator('#detail-card').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#detail-card .huzu-cstatus'), '待受理');
    assert.match(await visibleText(page, '#detail-due'), /受理期限：(\d{4}年)?\d{1,2}月\d{1,2}日 \d{2}:\d{2}（还剩 .+）/);
    await page.waitForFunction(() => {
      const i = document.querySelector('#detail-card .huzu-photo img');
      return i && i.complete && i.naturalWidth > 0 && i.src.startsWith('blob:');
    });
    assert.match(await visibleText(page, '#detail-text'), /装修敲打/);
    // Tapping the thumbnail opens the photo full size; 关闭 returns.
    await page.locator('#detail-card .huzu-photo').click();
    await page.waitForFunction(() => document.querySelector('#huzu-gallery .huzu-gallery__photo')?.naturalWidth > 0);
    await shot(page, 'complaint-photo.png');
    await page.locator('#huzu-gallery-close').click();
    await page.locator('#huzu-gallery').waitFor({ state: 'detached' });
    await checkWidths(page, 'resident detail');

    // 5. leader1's 诉求工单: the complaint, counted down; open it and act.
    const lp = leader.page;
    await staffLogin(lp, 'leader1', '/complaints.html');
    await lp.waitForURL(`${BASE}/complaints.html`);
    const item = lp.locator(`#complaint-${complaint.id}`);
    await item.waitFor({ state: 'visible' });
    assert.equal(await visibleText(lp, '#list-title'), '诉求工单');
    assert.match(await item.innerText(), /受理期限 .+ · 还剩 /);
    assert.match(await item.innerText(), new RegExp(BUILDING));
    await checkWidths(lp, 'inbox');
    await shot(lp, 'complaints-inbox.png', { fullPage: true });
    // The 已超时 filter asks the API for overdue ones.
    const filtered = lp.waitForRequest((r) => apiPath(r) === '/api/v1/complaints' && new URL(r.url()).searchParams.get('overdue') === 'true');
    await lp.locator('.huzu-filter-btn[data-filter="overdue"]').click();
    await filtered;
    await lp.locator('.huzu-filter-btn[data-filter="open"]').click();
    await item.waitFor({ state: 'visible' });
    await item.click();
    await lp.waitForURL(`${BASE}/complaint.html?id=${complaint.id}`);
    await lp.locator('#act-accept').waitFor({ state: 'visible' });
    // hide_identity: a group leader still sees the resident, marked hidden from the head.
    assert.match(await lp.locator('#detail-card').innerText(), /对栋长隐藏/);
    await checkWidths(lp, 'staff detail');
    await shot(lp, 'complaint-staff.png', { fullPage: true });

    // 受理 asks first; 取消 sends nothing.
    await lp.locator('#act-accept').click();
    await lp.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    await lp.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '取消' }).click();
    assert.ok(!leader.calls.includes(`POST /api/v1/complaints/${complaint.id}/events`));
    await lp.locator('#act-accept').click();
    let acted = lp.waitForResponse((r) => apiPath(r) === `/api/v1/complaints/${complaint.id}/events`);
    await lp.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '受理' }).click();
    assert.equal((await acted).status(), 200);
    await lp.locator('#detail-card .huzu-cstatus', { hasText: /已受理|办理中/ }).waitFor();
    assert.match(await visibleText(lp, '#detail-due'), /办结期限/);

    const answer = '已联系施工队，晚上十点后停止施工';
    await lp.locator('#act-reply').click();
    await lp.locator('#huzu-prompt-input').fill(answer);
    acted = lp.waitForResponse((r) => apiPath(r) === `/api/v1/complaints/${complaint.id}/events`);
    await lp.locator('#huzu-prompt-ok').click();
    assert.equal((await acted).status(), 200);
    await lp.locator('.huzu-event__text', { hasText: answer }).waitFor();

    await lp.locator('#act-resolve').click();
    await lp.locator('#huzu-prompt-input').fill('施工队已调整作业时间，经回访已无夜间噪音');
    acted = lp.waitForResponse((r) => apiPath(r) === `/api/v1/complaints/${complaint.id}/events`);
    await lp.locator('#huzu-prompt-ok').click();
    assert.equal((await acted).status(), 200);
    await lp.locator('#detail-card .huzu-cstatus', { hasText: '已办结' }).waitFor();
    await shot(lp, 'complaint-resolved-staff.png', { fullPage: true });

    // 6. The resident: 首页 counts the new updates; 我的诉求 marks them.
    await page.goto(`${BASE}/`, { waitUntil: 'load' });
    await page.locator('#home-unread').waitFor({ state: 'visible' });
    assert.ok(Number(await visibleText(page, '#home-unread')) > 0, 'unread updates on 首页');
    await checkWidths(page, 'home');
    await page.locator('#home-complaints-link').click();
    await page.waitForURL(`${BASE}/complaints.html`);
    const mine = page.locator(`#complaint-${complaint.id}`);
    await mine.waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#list-title'), '我的诉求');
    assert.match(await mine.innerText(), /新进展/);
    assert.match(await mine.innerText(), /已办结/);
    await checkWidths(page, 'my complaints');
    await shot(page, 'complaints-mine.png', { fullPage: true });

    // 7. The detail: who answered and when; 评价 with stars.
    await mine.click();
    await page.locator('#rate').waitFor({ state: 'visible' });
    const reply = page.locator('.huzu-event_reply');
    assert.match(await reply.innerText(), new RegExp(answer));
    assert.match(await reply.innerText(), /户组长.*\d{1,2}月\d{1,2}日 \d{2}:\d{2}/s);
    assert.equal(await page.locator('.huzu-event_note').count(), 0, 'no staff notes for the resident');
    await page.locator('#rate-submit').click();
    assert.match(await visibleText(page, '#err-rating'), /请先点星星打分/);
    await page.locator('#star-4').click();
    assert.equal(await visibleText(page, '#rate-word'), '4 星：满意');
    await page.locator('#rate-text').fill('处理得很快，谢谢');
    await checkWidths(page, 'rating');
    acted = page.waitForResponse((r) => apiPath(r) === `/api/v1/complaints/${complaint.id}/events`);
    await page.locator('#rate-submit').click();
    const rated = await acted;
    assert.equal(rated.status(), 200);
    assert.deepEqual(JSON.parse(rated.request().postData()), { action: 'rate', rating: 4, text: '处理得很快，谢谢' });
    await page.locator('.huzu-event_rate').waitFor();
    assert.equal(await page.locator('#rate').count(), 0);
    await shot(page, 'complaint-rated.png', { fullPage: true });

    assertClean(resident);
    assertClean(leader);
  } finally {
    await resident.context.close();
    await leader.context.close();
  }
});

test('a lost answer on a bad network: the retry reuses the key and files one complaint', { timeout: 120_000 }, async () => {
  const poster = await posterOf(BUILDING);
  const s = await openPage();
  const { page } = s;
  try {
    await page.goto(`${BASE}/login.html?next=${encodeURIComponent(`/report.html?building=${poster.id}`)}`, { waitUntil: 'load' });
    await phoneLogin(page, freshPhone('136'));
    await page.locator('#report-form').waitFor({ state: 'visible' });
    await page.locator('label[for="cat-sanitation"]').click();
    await page.locator('#f-text').fill('巷口垃圾桶满了三天没人清理');
    // The first POST reaches the server, its answer is lost on the way back.
    const keys = [];
    await page.route('**/api/v1/complaints', async (route) => {
      keys.push(route.request().headers()['idempotency-key']);
      await route.fetch();
      await route.abort('connectionreset');
    }, { times: 1 });
    await page.locator('#report-submit').click();
    await page.locator('#huzu-toptips-message', { hasText: '不会重复提交' }).waitFor();
    assert.equal(await page.locator('#report-form').isVisible(), true, 'the form stays as it was');
    const again = page.waitForResponse(isCreate);
    await page.locator('#report-submit').click();
    const r = await again;
    keys.push(r.request().headers()['idempotency-key']);
    assert.ok([200, 201].includes(r.status()), `the retry answers the first result (${r.status()})`);
    assert.equal(keys[0], keys[1], 'the same Idempotency-Key on the retry');
    const c = await r.json();
    await page.locator('#state-title', { hasText: '已提交' }).waitFor();
    const list = await page.evaluate(async () => {
      const res = await fetch('/api/v1/complaints', { headers: { Authorization: `Bearer ${localStorage.getItem('huzu.access')}` } });
      return res.json();
    });
    assert.deepEqual(list.items.map((x) => x.id), [c.id], 'one complaint filed');
    assertClean(s, ['/api/v1/complaints']);
  } finally {
    await s.context.close();
  }
});

test('诉求统计: the three rates per unit and volumes per day, each with its table', { timeout: 90_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'cadre1', '/complaint-stats.html');
    await page.waitForURL(/\/complaint-stats\.html/);
    await page.locator('#stats-body .huzu-tiles').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#tile-received'), /收到诉求/);
    for (const t of ['#tile-response', '#tile-resolution', '#tile-satisfaction']) {
      assert.match(await visibleText(page, t), /(\d+(\.\d)?%|—)/);
    }
    // The cooperative's groups: a chart and the same numbers in a table.
    const head = (await page.locator('#table-rates thead th').allInnerTexts()).map((x) => x.trim());
    assert.deepEqual(head, ['单位', '收到', '响应率', '解决率', '满意率']);
    assert.ok(await page.locator('#table-rates tbody tr').count() >= 2, 'one row per group');
    await page.locator('#chart-rates canvas').waitFor();
    await page.locator('#table-days, #stats-body .huzu-stats-desc').first().waitFor();
    assert.ok((await page.locator('#table-rates tbody th').allInnerTexts()).every((t) => t.trim()), 'every row names its unit');
    await checkWidths(page, 'stats');
    await shot(page, 'complaint-stats.png', { fullPage: true });
    // 近 7 天 asks for a 7-day range.
    const asked = page.waitForRequest((r) => apiPath(r) === '/api/v1/stats/complaints');
    await page.locator('.huzu-range[data-days="7"]').click();
    const q = new URL((await asked).url()).searchParams;
    const days = (Date.parse(q.get('to')) - Date.parse(q.get('from'))) / 86_400_000;
    assert.equal(days, 6);
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

// A resident's tokens through the API (phone code from the log sender).
async function residentToken() {
  return (await residentTokens()).access_token;
}

async function residentTokens() {
  const phone = freshPhone('135');
  const post = (p, body) => fetch(`${BASE}/api/v1${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post('/auth/code', { phone })).status, 202);
  const res = await post('/auth/code/verify', { phone, code: await codeFromSmsLog(phone) });
  assert.equal(res.status, 200);
  return res.json();
}

async function apiPost(token, p, body) {
  return fetch(`${BASE}/api/v1${p}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
}

test('someone else acted first: 409 is said and the page shows the new state; 退回 gives a reason and where to go', { timeout: 120_000 }, async () => {
  const poster = await posterOf(BUILDING);
  const rt = await residentToken();
  const filed = await apiPost(rt, '/complaints', { category: 'repair', text: '三楼楼道的灯坏了一个星期', building: poster.id, photos: [], hide_identity: false });
  assert.equal(filed.status, 201);
  const c = await filed.json();
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'leader1', `/complaint.html?id=${c.id}`);
    await page.locator('#act-accept').waitFor({ state: 'visible' });
    // Meanwhile the same complaint is accepted elsewhere.
    const lt = (await apiLogin('leader1')).access_token;
    assert.equal((await apiPost(lt, `/complaints/${c.id}/events`, { action: 'accept' })).status, 200);
    await page.locator('#act-accept').click();
    const lost = page.waitForResponse((r) => apiPath(r) === `/api/v1/complaints/${c.id}/events`);
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '受理' }).click();
    assert.equal((await lost).status(), 409);
    await page.locator('#huzu-error-dialog .weui-dialog').waitFor();
    const said = await page.locator('#huzu-error-dialog .weui-dialog').innerText();
    assert.match(said, /最新情况/);
    assert.doesNotMatch(said, /[0-9a-f]{16}/, 'no request id on the face of the message');
    await page.locator('#huzu-error-dialog .weui-dialog__btn').click();
    await page.locator('#detail-card .huzu-cstatus', { hasText: '已受理' }).waitFor();
    assert.equal(await page.locator('#act-accept').count(), 0);

    // 退回: both the reason and where to go are asked for, each under its box.
    await page.locator('#act-reject').click();
    await page.locator('#huzu-prompt-dialog .weui-dialog').waitFor();
    await page.locator('#huzu-prompt-ok').click();
    assert.equal(await visibleText(page, '#huzu-prompt-reason-error'), '请填写退回原因');
    assert.equal(await visibleText(page, '#huzu-prompt-where-error'), '请告诉反映人该去哪里反映');
    await checkWidths(page, 'reject dialog');
    await page.locator('#huzu-prompt-reason').fill('楼道照明由物业负责');
    await page.locator('#huzu-prompt-dialog .huzu-chip', { hasText: '物业' }).click();
    await shot(page, 'complaint-reject.png');
    const rejected = page.waitForResponse((r) => apiPath(r) === `/api/v1/complaints/${c.id}/events`);
    await page.locator('#huzu-prompt-ok').click();
    const rr = await rejected;
    assert.equal(rr.status(), 200);
    assert.deepEqual(JSON.parse(rr.request().postData()), { action: 'reject', text: '楼道照明由物业负责。建议：请联系小区物业管理处' });
    await page.locator('#detail-card .huzu-cstatus', { hasText: '已退回' }).waitFor();
    assert.match(await visibleText(page, '.huzu-event_reject'), /建议：请联系小区物业管理处/);
    assertClean(s, [`/api/v1/complaints/${c.id}/events`]);
  } finally {
    await s.context.close();
  }
});

test('重新反映: a resolved complaint goes back to the handler with what is still wrong', { timeout: 90_000 }, async () => {
  const poster = await posterOf(BUILDING);
  const tokens = await residentTokens();
  const filed = await apiPost(tokens.access_token, '/complaints', { category: 'sanitation', text: '垃圾站周围污水横流，气味很大', building: poster.id });
  assert.equal(filed.status, 201);
  const c = await filed.json();
  const lt = (await apiLogin('leader1')).access_token;
  assert.equal((await apiPost(lt, `/complaints/${c.id}/events`, { action: 'accept' })).status, 200);
  assert.equal((await apiPost(lt, `/complaints/${c.id}/events`, { action: 'resolve', text: '已安排清洁工冲洗' })).status, 200);
  const s = await openPage();
  const { page } = s;
  try {
    await s.context.addInitScript(([a, r]) => {
      if (!localStorage.getItem('huzu.access')) {
        localStorage.setItem('huzu.access', a);
        localStorage.setItem('huzu.refresh', r);
      }
    }, [tokens.access_token, tokens.refresh_token]);
    await page.goto(`${BASE}/complaint.html?id=${c.id}`, { waitUntil: 'load' });
    await page.locator('#act-reopen').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '.huzu-event_resolve'), /已安排清洁工冲洗/);
    assert.match(await visibleText(page, '.huzu-detail__tip'), /重新反映/);
    await checkWidths(page, 'resolved, for the resident');
    await page.locator('#act-reopen').click();
    await page.locator('#huzu-prompt-dialog .weui-dialog').waitFor();
    await page.locator('#huzu-prompt-ok').click();
    assert.equal(await visibleText(page, '#huzu-prompt-error'), '请填写原因');
    await page.locator('#huzu-prompt-input').fill('只冲洗了一次，第二天又有污水');
    const sent = page.waitForResponse((r) => apiPath(r) === `/api/v1/complaints/${c.id}/events`);
    await page.locator('#huzu-prompt-ok').click();
    assert.equal((await sent).status(), 200);
    await page.locator('#detail-card .huzu-cstatus', { hasText: '重新反映' }).waitFor();
    assert.match(await visibleText(page, '#detail-due'), /受理期限/);
    assert.equal(await page.locator('#rate').count(), 0);
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('指派: the group leader picks from the staff who may take it (the building\'s 栋长); the choice is asked for', { timeout: 90_000 }, async () => {
  const poster = await posterOf('石马桥东一巷2号楼');   // head1's
  const rt = await residentToken();
  const filed = await apiPost(rt, '/complaints', { category: 'security', text: '巷尾路灯不亮，晚上有陌生人逗留', building: poster.id });
  assert.equal(filed.status, 201);
  const c = await filed.json();
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'leader1', `/complaint.html?id=${c.id}`);
    await page.locator('#act-assign').waitFor({ state: 'visible' });
    await page.locator('#act-assign').click();
    await page.locator('#huzu-choice-dialog .weui-dialog').waitFor();
    const names = await page.locator('.huzu-choice__label').allInnerTexts();
    assert.ok(names.includes('栋长陈伯'), `staff to choose from: ${names}`);
    assert.ok(!names.includes('联社党委管理员'), 'nobody above the owning level');
    await page.locator('#huzu-choice-ok').click();
    assert.equal(await visibleText(page, '#huzu-choice-error'), '请先选择一项');
    await checkWidths(page, 'assign dialog');
    await page.locator('.huzu-choice__item', { hasText: '栋长陈伯' }).click();
    const assigned = page.waitForResponse((r) => apiPath(r) === `/api/v1/complaints/${c.id}/events`);
    await page.locator('#huzu-choice-ok').click();
    const r = await assigned;
    assert.equal(r.status(), 200);
    assert.equal(JSON.parse(r.request().postData()).action, 'assign');
    await page.locator('.huzu-event_assign', { hasText: '指派给 栋长陈伯' }).waitFor();
    assert.match(await page.locator('#detail-card').innerText(), /承办\s*东巷户组 · 栋长陈伯/);
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('不让栋长看到我的姓名和电话: the building head sees the problem, not the person', { timeout: 90_000 }, async () => {
  const admin = (await apiLogin('admin')).access_token;
  const list = await apiGet(admin, `/buildings?q=${encodeURIComponent('石马桥东一巷1号')}`);
  const building = list.items.find((b) => b.name === '石马桥东一巷1号楼');
  const rt = await residentToken();
  const filed = await apiPost(rt, '/complaints', { category: 'rental', text: '隔壁房间住了十几个人，进出很乱', building: building.id, hide_identity: true });
  assert.equal(filed.status, 201);
  const c = await filed.json();
  const s = await openPage();
  const { page } = s;
  try {
    await staffLogin(page, 'head1', `/complaint.html?id=${c.id}`);
    await page.locator('#detail-card').waitFor({ state: 'visible' });
    const card = await page.locator('#detail-card').innerText();
    assert.match(card, /反映人选择不让栋长看到姓名和电话/);
    assert.doesNotMatch(card, /1\d{2}\*{4}\d{4}/, 'no phone number');
    assert.match(await visibleText(page, '.huzu-event_submit'), /反映人（匿名）/);
    await checkWidths(page, 'building head detail');
    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('an expired login keeps what was typed; back after filing shows the complaint, not an empty form', { timeout: 120_000 }, async () => {
  const poster = await posterOf(BUILDING);
  const phone = freshPhone('134');
  const s = await openPage();
  const { page } = s;
  try {
    const form = `/report.html?building=${poster.id}`;
    await page.goto(`${BASE}/login.html?next=${encodeURIComponent(form)}`, { waitUntil: 'load' });
    await phoneLogin(page, phone);
    await page.waitForURL(`${BASE}${form}`);
    await page.locator('#report-form').waitFor({ state: 'visible' });
    await page.locator('label[for="cat-repair"]').click();
    const text = '楼道的灯坏了一个星期，晚上回家看不见台阶';
    await page.locator('#f-text').fill(text);
    // The session ends while they type (both tokens no longer valid).
    const saved = await page.evaluate(() => [localStorage.getItem('huzu.access'), localStorage.getItem('huzu.refresh')]);
    await page.evaluate(() => {
      localStorage.setItem('huzu.access', 'x.y.z');
      localStorage.setItem('huzu.refresh', 'not-a-refresh-token');
    });
    await page.locator('#report-submit').click();
    await page.locator('#report-login').waitFor({ state: 'visible' });
    assert.match(await page.locator('body').innerText(), /您写的内容已保存/);
    await page.locator('#report-login').click();
    await page.locator('#form-phone').waitFor({ state: 'visible' });
    // Logged in again (a second code within a minute is refused, so the
    // tokens of the first login stand in for it), back to the form.
    await page.evaluate(([a, r]) => {
      localStorage.setItem('huzu.access', a);
      localStorage.setItem('huzu.refresh', r);
    }, saved);
    const next = new URL(page.url()).searchParams.get('next');
    assert.equal(next, form, 'the login page returns to the form');
    await page.goto(`${BASE}${next}`, { waitUntil: 'load' });
    await page.locator('#report-form').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#f-text').inputValue(), text, 'the text came back');
    assert.equal(await page.locator('#cat-repair').isChecked(), true, 'so did the category');
    const filed = page.waitForResponse(isCreate);
    await page.locator('#report-submit').click();
    assert.equal((await filed).status(), 201);
    await page.locator('#done-view').waitFor({ state: 'visible' });
    await Promise.all([page.waitForNavigation(), page.locator('#done-view').click()]);
    await page.locator('#detail-card').waitFor({ state: 'visible' });
    // Back to the form: it says it was filed, with the way to the
    // complaint, and offers a new one; never an empty form.
    await Promise.all([page.waitForNavigation(), page.goBack()]);
    assert.equal(new URL(page.url()).pathname, '/report.html');
    await page.locator('#done-again').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#report-form').isVisible(), false, 'no empty form');
    assert.match(await page.locator('body').innerText(), /已提交/);
    await page.locator('#done-again').click();
    await page.locator('#report-form').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#f-text').inputValue(), '', 'a new one starts empty');
    assertClean(s, [/^\/api\/v1\/(complaints|auth\/refresh)$/]);
  } finally {
    await s.context.close();
  }
});
