// Browser tests for the printable poster sheet (/poster.html?unit=<id>):
// two posters per A4 page, the QR code imported from the API's SVG (CSP
// clean), the PDF page count, and the code itself read back with zbarimg
// when it is installed.
//   HUZU_TEST_BASE=http://127.0.0.1:18080 node --test browser/poster.test.mjs
// Env: HUZU_TEST_BASE (required), HUZU_CHROMIUM (default /usr/bin/chromium),
//      HUZU_ARTEFACT_DIR (screenshots and the PDF).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, access } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import {
  ARTEFACTS, BASE, apiGet, apiLogin, assertClean, openPage, useBrowser,
} from './lib.mjs';

const ZBARIMG = '/usr/bin/zbarimg';

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

// Pages of a PDF: "/Type /Page" objects, not the "/Type /Pages" tree nodes.
function pdfPages(buf) {
  return (buf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}

async function openSheet(page, unitId) {
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/units/${unitId}/posters`);
  const res = await page.goto(`${BASE}/poster.html?unit=${unitId}`, { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'] || '', /style-src 'self'/);
  return answered;
}

useBrowser();

test('a group leader prints the group: 10 buildings, 2 per A4 page, 5 pages', { timeout: 120_000 }, async () => {
  const s = await openPage({ desktop: true });
  const { page } = s;
  try {
    const token = await signIn(page, 'leader1');
    const me = await apiGet(token, '/me');
    const group = me.roles.map((r) => r.unit).find((u) => u && u.kind === 'group' && u.name === '东巷户组');
    assert.ok(group, 'leader1 leads 东巷户组');
    const api = await (await openSheet(page, group.id)).json();
    const n = api.items.length;
    assert.equal(n, 10, 'SMQ-1-A has 10 buildings');

    await page.locator('body[data-ready="true"]').waitFor();
    assert.equal(await page.locator('.poster').count(), n);
    assert.equal(await page.locator('.sheet').count(), Math.ceil(n / 2));
    assert.match(await page.locator('#poster-summary').innerText(), /10 栋楼 · 5 页 A4/);

    // Every poster: title, name, address, the code as inline SVG, the check code, steps.
    for (let i = 0; i < n; i++) {
      const p = page.locator('.poster').nth(i);
      const item = api.items[i];
      // Defect 5: a building without a 栋长 sends people to the group leader.
      const head = item.building.building && item.building.building.head;
      assert.equal((await p.locator('.poster__title').innerText()).trim(), `扫码登记 · 扫码打卡 · 有事找${head ? '栋长' : '户组长'}`);
      assert.equal((await p.locator('.poster__name').innerText()).trim(), item.building.name);
      assert.equal((await p.locator('.poster__address').innerText()).trim(), item.address);
      assert.equal((await p.locator('.poster__check-code').innerText()).trim(), item.check_code);
      assert.equal(await p.locator('.poster__qr svg path').count(), 1, 'the QR code path was imported');
      const steps = (await p.locator('.poster__steps li').allInnerTexts()).map((t) => t.trim());
      assert.equal(steps.length, 3);
      assert.match(steps[0], /微信扫一扫/);
      assert.match(steps[1], /登记居住信息/);
      assert.match(steps[2], /每月扫码确认居住/);
      if (head) assert.match(await p.locator('.poster__head').innerText(), new RegExp(head.display_name));
      else assert.match(await p.locator('.poster__head').innerText(), /^户组长：东巷户组长$/);
    }
    // Nothing but the whitelisted SVG made it into the page.
    const stray = await page.evaluate(() => [...document.querySelectorAll('.poster__qr *')]
      .filter((n) => !['svg', 'rect', 'path'].includes(n.localName) || n.hasAttribute('style')).length);
    assert.equal(stray, 0);
    // The 打印 button is on screen only.
    assert.equal(await page.locator('#poster-print').isVisible(), true);
    assert.equal(await page.locator('#poster-print').isDisabled(), false);
    await page.screenshot({ path: path.join(ARTEFACTS, 'poster.png'), animations: 'disabled' });

    // Print: ceil(n/2) A4 pages, the bar hidden.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#poster-bar').isVisible(), false);
    await page.emulateMedia({ media: 'screen' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    await writeFile(path.join(ARTEFACTS, 'poster.pdf'), pdf);
    assert.equal(pdfPages(pdf), Math.ceil(n / 2), 'two posters per A4 page');

    // The printed code reads back as the poster URL (zbar-tools).
    let haveZbar = true;
    try { await access(ZBARIMG); } catch { haveZbar = false; }
    if (haveZbar) {
      const png = path.join(ARTEFACTS, 'poster-qr.png');
      await page.locator('.poster__qr').first().screenshot({ path: png });
      const { stdout } = await promisify(execFile)(ZBARIMG, ['--raw', '-q', png]);
      assert.equal(stdout.trim(), api.items[0].url);
    }

    assertClean(s);
  } finally {
    await s.context.close();
  }
});

test('a building head prints one building (1 page) and cannot print the group', { timeout: 120_000 }, async () => {
  const s = await openPage({ desktop: true });
  const { page } = s;
  try {
    const token = await signIn(page, 'head1');
    const list = await apiGet(token, `/buildings?q=${encodeURIComponent('石马桥东一巷3号')}`);
    const b = list.items.find((x) => x.name === '石马桥东一巷3号楼');
    assert.ok(b);
    await openSheet(page, b.id);
    await page.locator('body[data-ready="true"]').waitFor();
    assert.equal(await page.locator('.poster').count(), 1);
    assert.equal(await page.locator('.sheet').count(), 1);
    assert.match(await page.locator('.poster__head').innerText(), /陈伯/);
    await page.screenshot({ path: path.join(ARTEFACTS, 'poster-single.png'), animations: 'disabled' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    assert.equal(pdfPages(pdf), 1);

    // The workbench's 海报打印 links to the buildings head1 heads.
    await page.goto(`${BASE}/building.html#posters`, { waitUntil: 'load' });
    await page.locator('#panel-posters').waitFor({ state: 'visible' });
    await page.locator('#poster-building option').first().waitFor({ state: 'attached' });
    assert.equal(await page.locator('.huzu-poster-unit').count(), 4);
    await page.locator('#poster-building').selectOption(String(b.id));
    assert.equal(await page.locator('#poster-open').getAttribute('href'), `/poster.html?unit=${b.id}`);

    // The group is beyond a building head's scope.
    const group = b.parent_id;
    const refused = await openSheet(page, group);
    assert.equal(refused.status() >= 400, true);
    await page.locator('.weui-msg__title', { hasText: '无法生成海报' }).waitFor();
    assert.equal(await page.locator('.poster').count(), 0);

    assertClean(s, [`/api/v1/units/${group}/posters`]);
  } finally {
    await s.context.close();
  }
});
