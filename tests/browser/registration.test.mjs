// Browser tests for the building QR landing page, 居住登记, 我的居住 and the
// 楼栋工作台, run against a live nginx + huzu with the demo village loaded
// (scripts/test does both):
//   HUZU_TEST_BASE=http://127.0.0.1:18080 HUZU_SMS_LOG=.../sms.log node --test browser/registration.test.mjs
// Env: HUZU_TEST_BASE (required), HUZU_SMS_LOG (required), HUZU_CHROMIUM
//      (default /usr/bin/chromium), HUZU_ARTEFACT_DIR (screenshots).
//
// The flow uses 石马桥东一巷3号楼 (B003, headed by head1), so that it does
// not meet the registrations the API tests make elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  BASE, DEMO_PASSWORD, apiGet, apiLogin, assertClean, codeFromSmsLog, freshPhone, openPage, shot, useBrowser, visibleText,
} from './lib.mjs';

const BUILDING = '石马桥东一巷3号楼';

const apiPath = (r) => new URL(r.url()).pathname;

// GB 11643-1999: a resident ID number with a correct check character (and,
// with wrong = true, the same number with a wrong one).
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
function residentId({ wrong = false } = {}) {
  const birth = `19${randomInt(60, 100)}${String(randomInt(1, 13)).padStart(2, '0')}${String(randomInt(1, 29)).padStart(2, '0')}`;
  const first17 = `440106${birth}${String(randomInt(0, 1000)).padStart(3, '0')}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  const good = CHECK[sum % 11];
  const bad = CHECK[(sum + 1) % 11];
  return { good: first17 + good, bad: first17 + bad };
}

function freshName() {
  const family = '赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨';
  const given = '建国明华丽娟志强秀英桂芳海涛春梅子轩雨';
  const pick = (s) => s[randomInt(0, s.length)];
  return `${pick(family)}${pick(given)}${pick(given)}${pick(given)}`;
}

// The poster of a building headed by head1: its /q/<token> path and check code.
async function posterOf(buildingName) {
  const token = (await apiLogin('head1')).access_token;
  const list = await apiGet(token, `/buildings?q=${encodeURIComponent(buildingName.replace(/楼$/, ''))}`);
  const building = list.items.find((b) => b.name === buildingName);
  assert.ok(building, `${buildingName} is in head1's buildings`);
  const posters = await apiGet(token, `/units/${building.id}/posters`);
  assert.equal(posters.items.length, 1, 'a building id gives that one poster');
  const p = posters.items[0];
  assert.match(p.check_code, /^[0-9A-Z]{3}-[0-9A-Z]{3}$/);
  const url = new URL(p.url);
  assert.match(url.pathname, /^\/q\/[^/]+$/);
  return { id: building.id, path: url.pathname, checkCode: p.check_code, address: p.address };
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

async function staffLogin(page, username) {
  await page.locator('#form-staff').waitFor({ state: 'visible' });
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.locator('#staff-submit').click();
}

// ---- The whole flow ------------------------------------------------------------------

useBrowser({ needSmsLog: true });

test('scan → log in → 居住登记 → 栋长审核通过 → 我的居住 已登记 → 打卡 → 迁出', { timeout: 180_000 }, async () => {
  const poster = await posterOf(BUILDING);
  const resident = await openPage();
  const head = await openPage();
  const { page } = resident;
  try {
    // 1. Scanned, not logged in: the building, its chain, the check code, 登录后办理.
    const scanned = page.waitForResponse((r) => apiPath(r).startsWith('/api/v1/scan/'));
    const res = await page.goto(`${BASE}${poster.path}`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/);
    assert.equal((await scanned).status(), 200);
    assert.equal(await visibleText(page, '#place-name'), BUILDING);
    assert.equal(await visibleText(page, '#place-address'), '石马桥东一巷3号');
    assert.equal(await visibleText(page, '#place-chain'), '石马桥村 › 第一经济社 › 东巷户组');
    assert.equal(await visibleText(page, '#place-code'), poster.checkCode);
    assert.match(await visibleText(page, '.huzu-checkcode'), /请与门口海报上的核验码核对/);
    assert.match(await visibleText(page, '#place-head'), /陈伯/);
    assert.equal(await visibleText(page, '#act-login'), '登录后办理');
    assert.equal(await page.locator('#act-login').getAttribute('href'), `/login.html?next=${encodeURIComponent(poster.path)}`);
    assert.equal(await page.locator('#place-actions-group').isVisible(), false);
    await shot(page, 'landing.png');

    // 2. 登录后办理 → phone login → back on the landing page, now with 居住登记.
    await page.locator('#act-login').click();
    await page.waitForURL(/\/login\.html\?next=/);
    const phone = freshPhone('137');
    await phoneLogin(page, phone);
    await page.waitForURL(`${BASE}${poster.path}`);
    await page.locator('#act-register').waitFor({ state: 'visible' });
    const actions = (await page.locator('#place-actions .huzu-action__title').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(actions, ['居住登记', '反映问题']);
    assert.equal(await page.locator('#act-report').getAttribute('href'), `/report.html?building=${poster.id}`);
    await shot(page, 'landing-resident.png');

    // 3. 居住登记: the form, with Chinese pickers.
    await page.locator('#act-register').click();
    await page.waitForURL(/\/register\.html\?token=/);
    await page.locator('#reg-form').waitFor({ state: 'visible' });
    assert.equal(await visibleText(page, '#reg-building'), BUILDING);
    const idTypes = (await page.locator('#f-id_type option').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(idTypes, ['请选择', '居民身份证', '港澳居民来往内地通行证', '台湾居民来往大陆通行证', '护照', '其他证件']);
    assert.equal(await page.locator('#f-id_type').inputValue(), 'resident_id');
    const reasons = (await page.locator('#f-reason option').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(reasons, ['请选择', '务工', '经商', '投靠亲友', '就学', '其他']);
    assert.equal(await page.locator('#f-move_in').getAttribute('type'), 'date');
    assert.match(await page.locator('#f-move_in').inputValue(), /^\d{4}-\d{2}-\d{2}$/, 'move-in defaults to today');
    // Consent first (PIPL): the fields open once it is ticked.
    assert.equal(await page.locator('#f-name').isDisabled(), true);
    await page.locator('#f-consent').check();

    // Nothing filled: every required field says so, nothing is sent.
    await page.locator('#reg-submit').click();
    for (const f of ['name', 'phone', 'room', 'reason']) {
      await page.locator(`#err-${f}`).waitFor({ state: 'visible' });
    }
    assert.equal(await visibleText(page, '#err-id_number'), '请填写证件号码');

    const name = freshName();
    const id = residentId();
    const tenantPhone = freshPhone('137');
    await page.locator('#f-name').fill(name);
    await page.locator('#f-id_number').fill(id.bad);
    await page.locator('#f-phone').fill(tenantPhone);
    await page.locator('#f-room').fill('302');
    await page.locator('#f-reason').selectOption({ label: '务工' });
    await page.locator('#f-employer').fill('石马桥综合市场');
    // Household members: add two, remove one, up to ten.
    await page.locator('#member-add').click();
    await page.locator('.huzu-member__name').nth(0).fill('李秀英');
    await page.locator('.huzu-member__relation').nth(0).selectOption('配偶');
    await page.locator('#member-add').click();
    assert.equal(await page.locator('.huzu-member').count(), 2);
    await page.locator('.huzu-member__del').nth(1).click();
    assert.equal(await page.locator('.huzu-member').count(), 1);
    assert.equal(await visibleText(page, '#members-count'), '1/10');
    for (let i = 1; i < 10; i++) await page.locator('#member-add').click();
    assert.equal(await page.locator('#member-add').isDisabled(), true, 'no more than 10 members');
    for (let i = 9; i >= 1; i--) await page.locator('.huzu-member__del').nth(i).click();
    assert.equal(await page.locator('.huzu-member').count(), 1);
    await page.locator('#f-name').focus();
    await shot(page, 'register-form.png', { fullPage: true });

    // A wrong check digit is caught in the page (GB 11643 in JS), under the field.
    await page.locator('#reg-submit').click();
    assert.equal(await visibleText(page, '#err-id_number'), '身份证号码末位校验码不正确，请核对');
    assert.equal(await page.locator('#cell-id_number').evaluate((n) => n.classList.contains('weui-cell_warn')), true);
    assert.equal(await page.locator('#err-name').isVisible(), false);
    assert.ok(!resident.calls.includes('POST /api/v1/tenancies'), 'nothing sent while the form is wrong');
    await page.locator('#cell-id_number').scrollIntoViewIfNeeded();
    await shot(page, 'register-errors.png');

    // The server checks it too: a request whose number is spoilt on the way
    // gets the server's own field error, shown under the field.
    await page.locator('#f-id_number').fill(id.good);
    await page.route('**/api/v1/tenancies', async (route) => {
      const body = JSON.parse(route.request().postData());
      assert.equal(body.id_number, id.good);
      const response = await route.fetch({ postData: JSON.stringify({ ...body, id_number: id.bad }) });
      await route.fulfill({ response });
    }, { times: 1 });
    const refused = page.waitForResponse((r) => apiPath(r) === '/api/v1/tenancies');
    await page.locator('#reg-submit').click();
    const r422 = await refused;
    assert.equal(r422.status(), 422);
    const serverMessage = (await r422.json()).error.fields.id_number;
    assert.match(serverMessage, /证件号码/);
    assert.equal(await visibleText(page, '#err-id_number'), serverMessage);
    await page.unroute('**/api/v1/tenancies');

    // Submitted for real.
    const created = page.waitForResponse((r) => apiPath(r) === '/api/v1/tenancies' && r.request().method() === 'POST');
    await page.locator('#reg-submit').click();
    const r201 = await created;
    assert.equal(r201.status(), 201);
    const tenancy = await r201.json();
    assert.equal(tenancy.status, 'pending');
    assert.deepEqual(tenancy.members, [{ name: '李秀英', relation: '配偶' }]);
    assert.equal(await visibleText(page, '#state-title'), '已提交，等待栋长审核');
    assert.equal(await page.locator('#reg-form').isVisible(), false);
    await shot(page, 'register-done.png');

    // 我的居住: 待审核.
    await page.locator('#done-residence').click();
    await page.waitForURL(`${BASE}/residence.html`);
    const card = page.locator(`#tenancy-${tenancy.id}`);
    await card.waitFor({ state: 'visible' });
    assert.equal(await card.locator('.huzu-status').innerText(), '待审核');
    assert.match(await card.innerText(), /等待审核/);
    assert.match(await card.innerText(), new RegExp(BUILDING));
    const masked = (await card.locator('.huzu-id').innerText()).trim();
    assert.match(masked, /^\d{4}\*+[\dX]{4}$/, `masked ID number, got ${masked}`);
    assert.ok(!(await page.locator('body').innerText()).includes(id.good), 'the full ID number is not shown by default');
    assert.equal(await visibleText(page, `#end-${tenancy.id}`), '撤销登记');
    await shot(page, 'residence-pending.png', { fullPage: true });

    // Landing again: 待审核 notice, 我的登记.
    await page.goto(`${BASE}${poster.path}`, { waitUntil: 'load' });
    await page.locator('#act-view').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#place-status'), /居住登记待审核/);

    // 2nd context: head1 logs in on the workbench and approves.
    const hp = head.page;
    // (Filtered to the building: the API tests leave other registrations pending.)
    const headUrl = `/building.html?building=${poster.id}`;
    await hp.goto(`${BASE}${headUrl}`, { waitUntil: 'load' });
    await hp.locator('#building-login').click();
    await hp.waitForURL(`${BASE}/login.html?next=${encodeURIComponent(headUrl)}#staff`);
    await staffLogin(hp, 'head1');
    await hp.waitForURL(`${BASE}${headUrl}`);
    await hp.locator('#building-app').waitFor({ state: 'visible' });
    assert.match(await visibleText(hp, '#building-who'), /栋长陈伯 · 栋长/);
    const review = hp.locator(`#review-${tenancy.id}`);
    await review.waitFor({ state: 'visible' });
    const reviewText = await review.innerText();
    assert.match(reviewText, new RegExp(name));
    assert.match(reviewText, /302 房/);
    assert.match(reviewText, /务工/);
    assert.match(reviewText, /李秀英（配偶）/);
    assert.equal(await review.locator('.huzu-status').innerText(), '待审核');
    assert.ok(!reviewText.includes(id.good), 'masked until 核对');
    await review.scrollIntoViewIfNeeded();
    await shot(hp, 'building-pending.png');

    // 核对 reveals the full number (audited on the server).
    await review.locator('.huzu-linkbtn', { hasText: '核对' }).click();
    await review.locator('.huzu-id', { hasText: id.good }).waitFor();

    await review.locator('.huzu-approve').click();
    await hp.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    const approved = hp.waitForResponse((r) => apiPath(r) === `/api/v1/tenancies/${tenancy.id}/approve`);
    await hp.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '通过' }).click();
    assert.equal((await approved).status(), 200);
    await review.locator('.huzu-review__result', { hasText: '已通过' }).waitFor();
    await hp.locator('#huzu-toast .weui-toast').waitFor({ state: 'hidden' });

    // 住户名册 of that building lists the resident.
    await hp.goto(`${BASE}/building.html?building=${poster.id}#roster`, { waitUntil: 'load' });
    await hp.locator(`#resident-${tenancy.id}`).waitFor({ state: 'visible' });
    assert.equal(await hp.locator('#roster-building').inputValue(), String(poster.id));
    assert.match(await hp.locator(`#resident-${tenancy.id}`).innerText(), new RegExp(name));
    await hp.locator('#roster-stats').waitFor({ state: 'visible' });
    assert.ok(Number(await visibleText(hp, '#stat-active')) >= 1);
    await shot(hp, 'building-roster.png');

    // 3. The resident: 我的居住 shows 已登记.
    await page.goto(`${BASE}/residence.html`, { waitUntil: 'load' });
    await card.waitFor({ state: 'visible' });
    assert.equal(await card.locator('.huzu-status').innerText(), '已登记');
    assert.equal(await visibleText(page, `#end-${tenancy.id}`), '迁出');
    await shot(page, 'residence-active.png', { fullPage: true });

    // Landing: 扫码打卡, then again within 10 minutes.
    await page.goto(`${BASE}${poster.path}`, { waitUntil: 'load' });
    await page.locator('#act-checkin').waitFor({ state: 'visible' });
    assert.match(await visibleText(page, '#place-status'), /已在此楼栋登记居住/);
    assert.doesNotMatch(await page.locator('body').innerText(), /null|undefined/);
    let checked = page.waitForResponse((r) => apiPath(r) === '/api/v1/checkins');
    await page.locator('#act-checkin').click();
    assert.equal((await checked).status(), 201);
    assert.equal(await visibleText(page, '.huzu-result__title'), '打卡成功');
    assert.match(await visibleText(page, '.huzu-result__desc'), new RegExp(`已确认您在${BUILDING}居住`));
    await page.locator('#huzu-toast .weui-toast').waitFor({ state: 'hidden' });
    await shot(page, 'landing-checkin.png');
    checked = page.waitForResponse((r) => apiPath(r) === '/api/v1/checkins');
    await page.locator('#act-checkin').click();
    assert.equal((await checked).status(), 200);
    await page.locator('.huzu-result__title', { hasText: '10 分钟内已打过卡' }).waitFor();

    // head1 on the same code: 巡查打卡 (patrol), 住户名册, 审核登记.
    await hp.goto(`${BASE}${poster.path}`, { waitUntil: 'load' });
    await hp.locator('#act-patrol').waitFor({ state: 'visible' });
    const staffActions = (await hp.locator('#place-actions .huzu-action__title').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(staffActions, ['巡查打卡', '住户名册', '审核登记']);
    assert.equal(await hp.locator('#act-roster').getAttribute('href'), `/building.html?building=${poster.id}#roster`);
    const patrolled = hp.waitForResponse((r) => apiPath(r) === '/api/v1/checkins');
    await hp.locator('#act-patrol').click();
    const pr = await patrolled;
    assert.ok([200, 201].includes(pr.status()));
    assert.equal((await pr.json()).kind, 'patrol');
    await hp.locator('.huzu-result__title', { hasText: /巡查打卡成功|10 分钟内已打过卡/ }).waitFor();
    await shot(hp, 'landing-staff.png');

    // 迁出 from the landing page, after a confirmation.
    await page.locator('#act-moveout').click();
    await page.locator('#huzu-confirm-dialog .weui-dialog').waitFor();
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '取消' }).click();
    assert.ok(!resident.calls.includes(`POST /api/v1/tenancies/${tenancy.id}/end`), 'cancel sends nothing');
    await page.locator('#act-moveout').click();
    const ended = page.waitForResponse((r) => apiPath(r) === `/api/v1/tenancies/${tenancy.id}/end`);
    await page.locator('#huzu-confirm-dialog .weui-dialog__btn', { hasText: '确认迁出' }).click();
    assert.equal((await ended).status(), 200);
    await page.locator('#act-register').waitFor({ state: 'visible' });
    await page.goto(`${BASE}/residence.html`, { waitUntil: 'load' });
    await card.waitFor({ state: 'visible' });
    assert.equal(await card.locator('.huzu-status').innerText(), '已迁出');
    assert.match(await visibleText(page, '.huzu-empty__title'), /暂无有效的居住登记/);

    assertClean(resident, ['/api/v1/tenancies']);
    assertClean(head);
  } finally {
    await resident.context.close();
    await head.context.close();
  }
});

test('a rejected registration shows 未通过 with the reason', { timeout: 120_000 }, async () => {
  const poster = await posterOf('石马桥东一巷4号楼');
  const resident = await openPage();
  const head = await openPage();
  const { page } = resident;
  try {
    await page.goto(`${BASE}/login.html?next=${encodeURIComponent(poster.path)}`, { waitUntil: 'load' });
    await phoneLogin(page, freshPhone('137'));
    await page.waitForURL(`${BASE}${poster.path}`);
    await page.locator('#act-register').click();
    await page.locator('#reg-form').waitFor({ state: 'visible' });
    await page.locator('#f-consent').check();
    const name = freshName();
    await page.locator('#f-name').fill(name);
    await page.locator('#f-id_type').selectOption({ label: '护照' });
    await page.locator('#f-id_number').fill(`E${randomInt(10_000_000, 99_999_999)}`);
    await page.locator('#f-phone').fill(freshPhone('137'));
    await page.locator('#f-room').fill('101');
    await page.locator('#f-reason').selectOption({ label: '经商' });
    // A move-in more than 31 days ahead is refused in the page, as on the server.
    const today = await page.locator('#f-move_in').inputValue();
    const late = new Date(`${today}T00:00:00Z`);
    late.setUTCDate(late.getUTCDate() + 40);
    await page.locator('#f-move_in').fill(late.toISOString().slice(0, 10));
    await page.locator('#reg-submit').click();
    assert.equal(await visibleText(page, '#err-move_in'), '入住日期最晚为 31 天后');
    await page.locator('#f-move_in').fill(today);
    const created = page.waitForResponse((r) => apiPath(r) === '/api/v1/tenancies');
    await page.locator('#reg-submit').click();
    const tenancy = await (await created).json();
    await page.locator('#state-title', { hasText: '已提交，等待栋长审核' }).waitFor();

    const hp = head.page;
    await hp.goto(`${BASE}/login.html?next=${encodeURIComponent(`/building.html?building=${poster.id}`)}#staff`, { waitUntil: 'load' });
    await staffLogin(hp, 'head1');
    const review = hp.locator(`#review-${tenancy.id}`);
    await review.waitFor({ state: 'visible' });
    assert.equal(await hp.locator('#pending-filter').isVisible(), true);

    // 驳回 needs a reason.
    await review.locator('.huzu-reject').click();
    await hp.locator('#huzu-prompt-dialog .weui-dialog').waitFor();
    await hp.locator('#huzu-prompt-ok').click();
    assert.equal(await visibleText(hp, '#huzu-prompt-error'), '请填写原因');
    assert.ok(!head.calls.includes(`POST /api/v1/tenancies/${tenancy.id}/reject`));
    await hp.locator('#huzu-prompt-input').fill('房号不正确，请核对后重新登记');
    await shot(hp, 'building-reject.png');
    const rejected = hp.waitForResponse((r) => apiPath(r) === `/api/v1/tenancies/${tenancy.id}/reject`);
    await hp.locator('#huzu-prompt-ok').click();
    const rr = await rejected;
    assert.equal(rr.status(), 200);
    assert.equal((await rr.json()).reject_reason, '房号不正确，请核对后重新登记');
    await review.locator('.huzu-review__result', { hasText: '已驳回' }).waitFor();

    await page.goto(`${BASE}/residence.html`, { waitUntil: 'load' });
    const card = page.locator(`#tenancy-${tenancy.id}`);
    await card.waitFor({ state: 'visible' });
    assert.equal(await card.locator('.huzu-status').innerText(), '未通过');
    assert.match(await card.innerText(), /原因：房号不正确，请核对后重新登记/);
    assert.match(await card.innerText(), /护照/);
    await shot(page, 'residence-rejected.png', { fullPage: true });

    assertClean(resident);
    assertClean(head);
  } finally {
    await resident.context.close();
    await head.context.close();
  }
});

test('a forged QR token shows 二维码无法识别 with the server message', { timeout: 60_000 }, async () => {
  const s = await openPage();
  const { page } = s;
  try {
    const scanned = page.waitForResponse((r) => apiPath(r).startsWith('/api/v1/scan/'));
    await page.goto(`${BASE}/q/AAAAAAAAAAAAAAAAAAAA`, { waitUntil: 'load' });
    const r = await scanned;
    assert.equal(r.status(), 404);
    const envelope = await r.json();
    assert.equal(envelope.error.code, 'qr_invalid');
    assert.equal(await visibleText(page, '#state-title'), '二维码无法识别');
    assert.equal(await visibleText(page, '#state-desc'), envelope.error.message);
    assert.equal(await page.locator('#place').isVisible(), false);
    assert.equal(await page.locator('#state-retry').isVisible(), false);
    await shot(page, 'landing-forged.png');

    // Registration with a forged token never shows the form.
    await page.goto(`${BASE}/register.html?token=AAAAAAAAAAAAAAAAAAAA`, { waitUntil: 'load' });
    await page.locator('#state-title', { hasText: '请先登录' }).waitFor();
    assert.equal(await page.locator('#reg-form').isVisible(), false);

    assertClean(s, [/^\/api\/v1\/scan\//]);
  } finally {
    await s.context.close();
  }
});
