// What the browser tests of the chain's work share (directives.test.mjs,
// checklists.test.mjs): the API for setting up, a fresh cooperative of the
// test's own (so that no other test's heads, directives or lists change
// its numbers), staff logins in the page, a real JPEG, slow 3G.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BASE, DEMO_PASSWORD, apiLogin } from './lib.mjs';

export const apiPath = (r) => new URL(r.url()).pathname;

// Chrome DevTools' "Slow 3G": 2 s round trips, 400 kbit/s each way.
export const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000 };
export const FAST = { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };

export async function network(s, conditions) {
  s.cdp = s.cdp || await s.context.newCDPSession(s.page);
  await s.cdp.send('Network.enable');
  await s.cdp.send('Network.emulateNetworkConditions', conditions);
}

// One API call: {status, body}. POSTs carry a fresh Idempotency-Key.
export async function call(token, method, p, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method === 'POST') headers['Idempotency-Key'] = randomBytes(16).toString('hex');
  const res = await fetch(`${BASE}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: res.status, body: json };
}

export async function ok(token, method, p, body, want = [200, 201]) {
  const r = await call(token, method, p, body);
  assert.ok([].concat(want).includes(r.status), `${method} ${p} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// A new staff member with a role at a unit; resolves to {id, username, token}.
export async function staff(admin, name, role, unitId) {
  const username = `t${randomBytes(5).toString('hex')}`;
  const u = await ok(admin, 'POST', '/users', { username, display_name: name, password: DEMO_PASSWORD });
  if (role) await ok(admin, 'POST', `/users/${u.id}/roles`, { role, unit_id: unitId });
  return { id: u.id, username, name, token: (await apiLogin(username)).access_token };
}

// A cooperative of the test's own under the demo village: groups, each
// with buildings, each building with its own new head (heads[i] is the
// head of buildings[i]); plus an empty group (no buildings, no heads).
export async function freshCoop(admin, { groups = [2, 1], tag = 'T' } = {}) {
  const suffix = randomBytes(3).toString('hex');
  const village = (await ok(admin, 'GET', '/units?kind=village&limit=10')).items[0];
  const coop = await ok(admin, 'POST', '/units', { parent_id: village.id, kind: 'cooperative', name: `${tag}测试社${suffix}` });
  const out = { coop, groups: [], buildings: [], heads: [], empty: null };
  let n = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = await ok(admin, 'POST', '/units', { parent_id: coop.id, kind: 'group', name: `${tag}测试组${g + 1}-${suffix}` });
    out.groups.push(group);
    for (let b = 0; b < groups[g]; b++) {
      n += 1;
      const head = await staff(admin, `测试栋长${n}号`, null, null);
      const building = await ok(admin, 'POST', '/buildings', {
        group_id: group.id, name: `${tag}测试巷${suffix}-${n}号楼`, lane: `${tag}测试巷${suffix}`, door_no: String(n), head_id: head.id,
      });
      out.heads.push({ ...head, token: (await apiLogin(head.username)).access_token, building });
      out.buildings.push(building);
    }
  }
  out.empty = await ok(admin, 'POST', '/units', { parent_id: coop.id, kind: 'group', name: `${tag}空组-${suffix}` });
  return out;
}

// Logs in through the staff form and lands on next.
export async function staffLogin(page, username, next) {
  await page.goto(`${BASE}/login.html?next=${encodeURIComponent(next)}#staff`, { waitUntil: 'load' });
  await page.locator('#form-staff').waitFor({ state: 'visible' });
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.locator('#staff-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

// A real JPEG, drawn in the page.
export async function makeJpeg(page, name = 'photo.jpg') {
  const b64 = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 320;
    c.height = 240;
    const g = c.getContext('2d');
    g.fillStyle = '#2a6';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#c8102e';
    g.fillRect(40, 40, 160, 120);
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.85));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  });
  return { name, mimeType: 'image/jpeg', buffer: Buffer.from(b64, 'base64') };
}

// Taps a button twice fast (a double tap) and clicks it once more.
export async function doubleTap(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.touchscreen.tap(x, y);
  await page.touchscreen.tap(x, y);
  await page.mouse.click(x, y);
}

// Text twice the size (zoom 2: the page lays out as if the screen were
// half as wide) at 390 and 320 px: no horizontal overflow, nothing inside
// root sticking out on the right. Zoom is reset afterwards.
export async function largeText(page, label, root = 'body') {
  for (const width of [390, 320]) {
    await page.setViewportSize({ width, height: 800 });
    await page.evaluate(() => { document.documentElement.style.zoom = '2'; });
    await page.waitForTimeout(150);
    const r = await page.evaluate((sel) => {
      const vw = document.documentElement.clientWidth;
      const out = [];
      for (const n of document.querySelectorAll(`${sel} *`)) {
        if (n.closest('[hidden]') || n.closest('.duty-visually-hidden')) continue;
        const b = n.getBoundingClientRect();
        if (b.width && b.right > vw + 1) out.push(`${n.tagName.toLowerCase()}#${n.id}.${String(n.className).split(' ')[0]} ${Math.round(b.right)} > ${vw}`);
      }
      return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, out: out.slice(0, 10) };
    }, root);
    await page.evaluate(() => { document.documentElement.style.zoom = ''; });
    assert.equal(r.overflow, 0, `${label} at ${width} px, 200 % text: no horizontal overflow`);
    assert.deepEqual(r.out, [], `${label} at ${width} px, 200 % text: nothing sticks out`);
  }
  await page.setViewportSize({ width: 390, height: 844 });
}

// page.waitForResponse whose failure (the page closed after another
// assertion failed) does not hide that first failure.
export function responseOf(page, pred, opts) {
  const p = page.waitForResponse(pred, opts);
  p.catch(() => {});
  return p;
}

// The page state's buttons (parts/state.html) on a 320 px phone: inset
// from both edges, and nothing sticks out with text at 200 %.
export async function checkStateButtons(page, label) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const boxes = await page.evaluate(() => [...document.querySelectorAll('#state-buttons .weui-btn')]
    .filter((b) => b.offsetParent).map((b) => { const r = b.getBoundingClientRect(); return { id: b.id, left: r.left, right: r.right }; }));
  assert.ok(boxes.length > 0, `${label}: the state has buttons`);
  for (const b of boxes) {
    assert.ok(b.left >= 12 && b.right <= 320 - 12, `${label}: ${b.id} is inset from the edges at 320 px (${b.left}–${b.right})`);
  }
  await page.evaluate(() => { document.documentElement.style.zoom = '2'; });
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.evaluate(() => { document.documentElement.style.zoom = ''; });
  await page.setViewportSize(size);
  assert.equal(over, 0, `${label}: nothing sticks out at 320 px with text at 200 %`);
}
