// Fixtures for the issue-11 pages (todo.test.mjs, dashboard.test.mjs): a
// fresh corner of the village that no other test touches — a cooperative
// with groups and buildings made through the API, their heads and a cadre
// as new staff accounts — and the rows the figures are made of, written
// through the API where a person would (registrations, complaints) and by
// SQL where the test needs a past or exact state (checklists, receipts,
// check-ins, volunteer minutes, an overdue registration).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { api, expectStatus, staff } from '../api/lib.mjs';
import { sql, sqlStr } from '../api/identity-lib.mjs';
import { registerOk, resident, tokenOf } from '../api/tenancy-lib.mjs';

export { sql, sqlStr };
export const PASSWORD = 'test-password-2026';

const tag = () => crypto.randomBytes(3).toString('hex');

export async function admin() {
  return staff('admin');
}

export async function call(token, method, path, json) {
  const res = await api(method, `/api/v1${path}`, token, json === undefined ? {} : { json });
  return res;
}

async function ok(token, method, path, json, status = [200, 201]) {
  const res = await call(token, method, path, json);
  assert.ok(status.includes(res.status), `${method} ${path}: ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

// A staff account holding `role` at each of `unitIds` (none for a head:
// POST /buildings with head_id grants building_head).
export async function newStaff(displayName, role = null, unitIds = []) {
  const a = await admin();
  const username = `t11${tag()}`;
  const u = await ok(a, 'POST', '/users', { username, display_name: displayName, password: PASSWORD });
  for (const unitId of unitIds) await ok(a, 'POST', `/users/${u.id}/roles`, { role, unit_id: unitId });
  return { ...u, username };
}

export async function villageId() {
  const [[id]] = sql("SELECT id FROM units WHERE code = 'SMQ'");
  return Number(id);
}

// A cooperative under the village, with groups and buildings:
// spec = {groups: [{name, buildings: [{name, head}]}]} (head: a newStaff).
export async function newTree(name, spec) {
  const a = await admin();
  const t = tag();
  const coop = await ok(a, 'POST', '/units', { parent_id: await villageId(), kind: 'cooperative', name: `${name}${t}` });
  const groups = [];
  let door = 1;
  for (const g of spec.groups) {
    const group = await ok(a, 'POST', '/units', { parent_id: coop.id, kind: 'group', name: g.name });
    const buildings = [];
    for (const b of g.buildings) {
      const body = { group_id: group.id, name: b.name, lane: `测试巷${t}`, door_no: String(door++) };
      if (b.head) body.head_id = b.head.id;
      buildings.push(await ok(a, 'POST', '/buildings', body));
    }
    groups.push({ ...group, buildings });
  }
  return { coop, groups };
}

// The building's poster token, for a registration from a scan.
export async function posterToken(buildingId) {
  const p = await ok(await admin(), 'GET', `/units/${buildingId}/posters`);
  return tokenOf(p.items[0].url);
}

// A new resident's registration at the building: pending, or approved by
// the admin; overdue (created two days ago) by SQL.
export async function registration(buildingId, { approve = false, overdue = false } = {}) {
  const who = await resident();
  const { tenancy } = await registerOk(who, await posterToken(buildingId));
  if (approve) await ok(await admin(), 'POST', `/tenancies/${tenancy.id}/approve`);
  if (overdue) sql(`UPDATE tenancies SET created_at = NOW(3) - INTERVAL 2 DAY WHERE id = ${Number(tenancy.id)}`);
  return { who, tenancy };
}

// A complaint filed by a resident at the building, through the API.
export async function complaintAt(who, buildingId, text = '楼道里的灯坏了好几天，晚上走路看不见，请尽快修一下') {
  return ok(who, 'POST', '/complaints', { category: 'noise', text, building: buildingId });
}

// ---- Months and checklists (SQL) -----------------------------------------------------

// The Shanghai month of now, "2026-12", and its last instant in UTC.
export function shanghaiMonth(now = Date.now()) {
  const d = new Date(now + 8 * 3600_000);
  const month = d.toISOString().slice(0, 7);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 8 * 3600_000 - 1;
  return { month, dueUtc: new Date(next).toISOString().slice(0, 23).replace('T', ' ') };
}

// This month's template (the one there is, or a new one of 3 items).
export function monthTemplate() {
  const { month } = shanghaiMonth();
  const found = sql(`SELECT id, items FROM checklist_templates WHERE month = ${sqlStr(month)}`);
  if (found.length) return { id: Number(found[0][0]), items: Number(found[0][1]), month };
  const [[id]] = sql(`INSERT INTO checklist_templates (month, title, items, issued_at, created_at, updated_at)
    VALUES (${sqlStr(month)}, '测试月度清单', 3, NOW(3), NOW(3), NOW(3)) RETURNING id`);
  sql(`INSERT INTO checklist_template_items (template_id, position, title, hint, photo_required) VALUES
    (${id}, 1, '消防器材检查', NULL, 0), (${id}, 2, '楼道卫生', NULL, 0), (${id}, 3, '出租屋登记核对', NULL, 0)`);
  return { id: Number(id), items: 3, month };
}

// A list for the building this month with `done` items ticked ok (the
// first ones); completed when all are.
export function checklistFor(building, { done = 0 } = {}) {
  const tpl = monthTemplate();
  const { dueUtc } = shanghaiMonth();
  const [[path, groupId, coopId]] = sql(`SELECT u.path, g.id, g.parent_id FROM units u JOIN units g ON g.id = u.parent_id
    WHERE u.id = ${Number(building.id)}`);
  const complete = done >= tpl.items;
  const [[id]] = sql(`INSERT INTO checklists (template_id, month, building_id, unit_path, coop_id, group_id, items,
    items_done, due_at, completed_at, created_at) VALUES (${tpl.id}, ${sqlStr(tpl.month)}, ${Number(building.id)},
    ${sqlStr(path)}, ${coopId}, ${groupId}, ${tpl.items}, ${Math.min(done, tpl.items)}, ${sqlStr(dueUtc)},
    ${complete ? 'NOW(3)' : 'NULL'}, NOW(3)) RETURNING id`);
  const rows = [];
  for (let p = 1; p <= tpl.items; p++) {
    rows.push(p <= done ? `(${id}, ${p}, 'ok', NULL, NOW(3))` : `(${id}, ${p}, 'open', NULL, NULL)`);
  }
  sql(`INSERT INTO checklist_entries (checklist_id, position, status, done_by, done_at) VALUES ${rows.join(', ')}`);
  return { id: Number(id), items: tpl.items, left: tpl.items - Math.min(done, tpl.items), month: tpl.month };
}

// ---- Directives (SQL): one sent now to `unit`, with receipts ---------------------------

// receipts: [{user, unit (a building or group), role, read, done}]
export function directiveTo(unit, senderId, receipts, { needsDone = true, title = '测试通知：消防检查' } = {}) {
  const [[path]] = sql(`SELECT path FROM units WHERE id = ${Number(unit.id)}`);
  const [[id]] = sql(`INSERT INTO directives (unit_id, unit_path, audience, title, body, deadline, needs_done,
    sender_id, recipients, created_at) VALUES (${Number(unit.id)}, ${sqlStr(path)}, 'heads', ${sqlStr(title)},
    '请各栋长本周内检查楼道灭火器并拍照回复。', NOW(3) + INTERVAL 7 DAY, ${needsDone ? 1 : 0}, ${Number(senderId)},
    ${receipts.length}, NOW(3)) RETURNING id`);
  for (const r of receipts) {
    const [[rpath]] = sql(`SELECT path FROM units WHERE id = ${Number(r.unit.id)}`);
    sql(`INSERT INTO directive_receipts (directive_id, user_id, role, unit_id, unit_path, read_at, done_at, done_note)
      VALUES (${id}, ${Number(r.user.id)}, ${sqlStr(r.role || 'building_head')}, ${Number(r.unit.id)}, ${sqlStr(rpath)},
      ${r.read || r.done ? 'NOW(3)' : 'NULL'}, ${r.done ? 'NOW(3)' : 'NULL'}, ${r.done ? "'已检查'" : 'NULL'})`);
  }
  // What core keeps with a fan-out (directive_tallies, sql/0021).
  sql(`INSERT INTO directive_tallies (directive_id, unit_id, receipts, read_n, done_n)
    SELECT r.directive_id, IF(u.kind = 'building', u.parent_id, u.id), COUNT(*), COUNT(r.read_at),
      COUNT(r.done_at) FROM directive_receipts r JOIN units u ON u.id = r.unit_id
    WHERE r.directive_id = ${id} GROUP BY 2`);
  return Number(id);
}

// ---- Check-ins, complaints with exact times, volunteer minutes (SQL) ---------------------

export function checkins(buildingId, userId, kind, n) {
  for (let i = 0; i < n; i++) {
    sql(`INSERT INTO checkins (user_id, building_id, kind, at, slot) VALUES (${Number(userId)}, ${Number(buildingId)},
      ${sqlStr(kind)}, NOW(3), ${crypto.randomInt(1, 2 ** 40)})`);
  }
}

// A complaint created a day ago at the building: accepted in time or
// late (or not at all), resolved or not, rated 1–5 or not.
export function complaintRow(building, userId, { accepted = null, resolved = false, rating = null } = {}) {
  const [[path, groupId, coopId]] = sql(`SELECT u.path, g.id, g.parent_id FROM units u JOIN units g ON g.id = u.parent_id
    WHERE u.id = ${Number(building.id)}`);
  const [[cat]] = sql("SELECT id FROM complaint_categories WHERE code = 'noise'");
  const acceptedAt = accepted === 'in_time' ? 'NOW(3) - INTERVAL 23 HOUR'
    : accepted === 'late' ? 'NOW(3) - INTERVAL 1 HOUR' : 'NULL';
  const status = resolved ? 'resolved' : accepted ? 'accepted' : 'submitted';
  sql(`INSERT INTO complaints (user_id, category_id, text, building_id, unit_id, unit_path, coop_id, group_id, status,
    handler_unit_id, created_at, respond_due, resolve_due, accepted_at, resolved_at, rating, rated_at, updated_at)
    VALUES (${Number(userId)}, ${cat}, '测试诉求：晚上装修噪音', ${Number(building.id)}, ${Number(building.id)},
    ${sqlStr(path)}, ${coopId}, ${groupId}, ${sqlStr(status)}, ${groupId}, NOW(3) - INTERVAL 1 DAY,
    ${accepted === 'late' ? 'NOW(3) - INTERVAL 16 HOUR' : 'NOW(3) - INTERVAL 1 DAY + INTERVAL 8 HOUR'},
    NOW(3) + INTERVAL 1 DAY, ${acceptedAt}, ${resolved ? 'NOW(3) - INTERVAL 30 MINUTE' : 'NULL'},
    ${rating === null ? 'NULL' : Number(rating)}, ${rating === null ? 'NULL' : 'NOW(3)'}, NOW(3));
    -- What core keeps beside each complaint (complaint_tallies, sql/0023).
    INSERT INTO complaint_tallies (span, day, unit_id, received, in_time, resolved, rated, good, fair)
    SELECT s.span, IF(s.span = 'day', t.d, t.d - INTERVAL (DAYOFMONTH(t.d) - 1) DAY), t.u, 1, t.i, t.r, t.k, t.g, t.f
    FROM (SELECT DATE(c.created_at + INTERVAL 8 HOUR) AS d, IF(u.kind = 'building', u.parent_id, u.id) AS u,
      COALESCE(c.accepted_at <= c.respond_due, 0) AS i, c.resolved_at IS NOT NULL AND c.reopened = 0 AS r,
      c.rating IS NOT NULL AS k, COALESCE(c.rating >= 4, 0) AS g, COALESCE(c.rating = 3, 0) AS f
      FROM complaints c JOIN units u ON u.id = c.unit_id WHERE c.id = LAST_INSERT_ID()) t
    JOIN (SELECT 'day' AS span UNION ALL SELECT 'month') s ON TRUE
    ON DUPLICATE KEY UPDATE received = received + 1, in_time = in_time + VALUES(in_time),
      resolved = resolved + VALUES(resolved), rated = rated + VALUES(rated), good = good + VALUES(good),
      fair = fair + VALUES(fair)`);
}

// A station at `unit` with one shift this month (Shanghai) whose
// volunteers earned `minutes` each.
export function volunteerMinutes(unit, userIds, minutes) {
  const [[station]] = sql(`INSERT INTO stations (unit_id, kind, name) VALUES (${Number(unit.id)}, 'culture',
    ${sqlStr(`测试文化站${tag()}`)}) RETURNING id`);
  // The 1st of this Shanghai month, 09:00–11:30 there (01:00–03:30 UTC).
  const { month } = shanghaiMonth();
  const start = `${month}-01 01:00:00`;
  const end = `${month}-01 03:30:00`;
  const [[shift]] = sql(`INSERT INTO shifts (station_id, title, starts_at, ends_at, signup_deadline, cancel_deadline,
    capacity, confirmed, created_at, updated_at) VALUES (${station}, '测试班次', ${sqlStr(start)}, ${sqlStr(end)},
    ${sqlStr(start)}, ${sqlStr(start)}, 10, ${userIds.length}, NOW(3), NOW(3)) RETURNING id`);
  userIds.forEach((u, i) => {
    sql(`INSERT INTO shift_signups (shift_id, user_id, station_id, status, queue_no, signed_up_at, confirmed_at,
      checked_in_at, checked_out_at, minutes, shift_ends_at, updated_at) VALUES (${shift}, ${Number(u)}, ${station},
      'confirmed', ${i + 1}, NOW(3), NOW(3), ${sqlStr(start)}, ${sqlStr(end)}, ${Number(minutes[i])}, ${sqlStr(end)}, NOW(3))`);
  });
  return Number(station);
}

// Very large text (a phone's font size at its largest, ~150 %) on a 320 px
// screen, as CSS zoom: nothing may stick out sideways. A screenshot is kept.
export async function checkLargeText(page, label, shotFile, zoom = 1.5) {
  await page.setViewportSize({ width: 320, height: 800 });
  await page.evaluate((z) => { document.documentElement.style.zoom = String(z); }, zoom);
  await page.waitForTimeout(150);
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (shotFile) {
    const { shot } = await import('./lib.mjs');
    await shot(page, shotFile, { fullPage: true });
  }
  await page.evaluate(() => { document.documentElement.style.zoom = ''; });
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(over, 0, `${label}: no horizontal overflow with text at ${zoom * 100} % on a 320 px phone`);
}
