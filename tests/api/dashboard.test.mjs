// GET /api/v1/dashboard and /api/v1/dashboard.csv through nginx: a fresh
// cooperative with two groups (GA: buildings A1, A2; GB: B1), its rows
// written straight into the tables relative to the server's clock, and
// every figure of each group and of the total checked; the CSV (BOM,
// header, a line per row); and the refusals (wrong types, from after to,
// a unit outside the caller's scope, a head, a leader, a resident, no
// token). Every figure is checked at its edges in
// tests/unit/test_dashboard.c.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import {
  api, staff, residentLogin, freshPhone, expectError, expectInvalid, expectStatus, request,
} from './lib.mjs';
import { sql } from './identity-lib.mjs';
import { tick } from './scheduler-lib.mjs';
import { uid, residentIn, decide } from './tenancy-lib.mjs';

const DASH = '/api/v1/dashboard';
const HOUR = 3600e3;

// A UTC instant as MariaDB DATETIME text.
const at = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
// Shanghai wall clock of now, as a Date whose UTC fields are Shanghai's.
const local = () => new Date(Date.now() + 8 * HOUR);
// Monday 00:00 of this week and the 1st of this month, Shanghai, in UTC ms.
function weekStart() {
  const l = local();
  return Date.UTC(l.getUTCFullYear(), l.getUTCMonth(), l.getUTCDate() - (l.getUTCDay() + 6) % 7) - 8 * HOUR;
}
function monthStart() {
  const l = local();
  return Date.UTC(l.getUTCFullYear(), l.getUTCMonth(), 1) - 8 * HOUR;
}
const month = () => local().toISOString().slice(0, 7);

// Runs an INSERT and answers the id it made.
function insert(q) {
  const rows = sql(`${q}; SELECT LAST_INSERT_ID()`);
  return Number(rows[rows.length - 1][0]);
}
const user = () => insert("INSERT INTO users (kind, display_name) VALUES ('resident', '看板测试')");

// A registration through the API (so that its building counts it) in
// building `code`: pending, active or ended; received `hoursAgo` ago.
async function tenancy(code, status, hoursAgo = 0) {
  const { tenancy: t } = await residentIn(code, { approve: status !== 'pending' });
  if (status === 'ended') expectStatus(await decide('admin', t.id, 'end', {}), 200, 'end');
  if (hoursAgo) sql(`UPDATE tenancies SET created_at = created_at - INTERVAL ${hoursAgo} HOUR WHERE id = ${t.id}`);
}
function checkin(b, kind, t) {
  insert(`INSERT INTO checkins (user_id, building_id, kind, at, slot)
    VALUES (${user()}, ${b}, '${kind}', '${at(t)}', ${Math.floor(t / 1000)})`);
}
// accept/resolve: minutes after receipt, or null; respond_due 480 minutes.
function complaint(b, created, accept, resolve, rating, resident) {
  const c = `'${at(created)}'`;
  const plus = (m) => (m === null ? 'NULL' : `${c} + INTERVAL ${m} MINUTE`);
  const id = insert(`INSERT INTO complaints (user_id, category_id, text, building_id, unit_id, unit_path,
    status, handler_unit_id, created_at, respond_due, resolve_due, accepted_at, resolved_at,
    reopened, rating, updated_at)
    SELECT ${resident}, c.id, '看板测试', u.id, u.id, u.path, 'accepted', u.id, ${c},
      ${c} + INTERVAL 480 MINUTE, ${c} + INTERVAL 4320 MINUTE, ${plus(accept)}, ${plus(resolve)},
      0, ${rating ?? 'NULL'}, ${c}
    FROM units u JOIN complaint_categories c ON c.code = 'sanitation' WHERE u.id = ${b}`);
  // What core keeps beside each complaint (complaint_tallies, sql/0023).
  sql(`INSERT INTO complaint_tallies (span, day, unit_id, received, in_time, resolved, rated, good, fair)
    SELECT s.span, IF(s.span = 'day', t.d, t.d - INTERVAL (DAYOFMONTH(t.d) - 1) DAY), t.u, 1, t.i, t.r, t.k, t.g, t.f
    FROM (SELECT DATE(c.created_at + INTERVAL 8 HOUR) AS d, IF(u.kind = 'building', u.parent_id, u.id) AS u,
      COALESCE(c.accepted_at <= c.respond_due, 0) AS i, c.resolved_at IS NOT NULL AND c.reopened = 0 AS r,
      c.rating IS NOT NULL AS k, COALESCE(c.rating >= 4, 0) AS g, COALESCE(c.rating = 3, 0) AS f
      FROM complaints c JOIN units u ON u.id = c.unit_id WHERE c.id = ${id}) t
    JOIN (SELECT 'day' AS span UNION ALL SELECT 'month') s ON TRUE
    ON DUPLICATE KEY UPDATE received = received + 1, in_time = in_time + VALUES(in_time),
      resolved = resolved + VALUES(resolved), rated = rated + VALUES(rated), good = good + VALUES(good),
      fair = fair + VALUES(fair)`);
}
// Lists of this month (or another) under a template of a month in 1999,
// which no test of the checklists meets.
function checklist(b, m, completed) {
  sql(`INSERT IGNORE INTO checklist_templates (month, title, items, created_at, updated_at)
    VALUES ('1999${m.slice(4)}', '看板测试', 4, NOW(3), NOW(3))`);
  insert(`INSERT INTO checklists (template_id, month, building_id, unit_path, coop_id, group_id,
    items, due_at, completed_at, created_at)
    SELECT t.id, '${m}', u.id, u.path, g.parent_id, g.id, 4, NOW(3), ${completed ? 'NOW(3)' : 'NULL'}, NOW(3)
    FROM units u JOIN units g ON g.id = u.parent_id
    JOIN checklist_templates t ON t.month = '1999${m.slice(4)}' WHERE u.id = ${b}`);
}
function directive(unit, needsDone, created, sender) {
  return insert(`INSERT INTO directives (unit_id, unit_path, audience, title, body, deadline,
    needs_done, sender_id, recipients, created_at)
    SELECT u.id, u.path, 'both', '看板测试', '正文', '${at(created)}', ${needsDone}, ${sender}, 0,
      '${at(created)}' FROM units u WHERE u.id = ${unit}`);
}
function receipt(d, unit, read, done) {
  insert(`INSERT INTO directive_receipts (directive_id, user_id, role, unit_id, unit_path, read_at, done_at)
    SELECT ${d}, ${user()}, IF(u.kind = 'building', 'building_head', 'group_leader'), u.id, u.path,
      ${read ? 'NOW(3)' : 'NULL'}, ${done ? 'NOW(3)' : 'NULL'} FROM units u WHERE u.id = ${unit}`);
  // What core keeps beside each receipt (directive_tallies, sql/0021).
  sql(`INSERT INTO directive_tallies (directive_id, unit_id, receipts, read_n, done_n)
    SELECT ${d}, IF(u.kind = 'building', u.parent_id, u.id), 1, ${read ? 1 : 0}, ${done ? 1 : 0}
    FROM units u WHERE u.id = ${unit}
    ON DUPLICATE KEY UPDATE receipts = receipts + 1, read_n = read_n + VALUES(read_n),
      done_n = done_n + VALUES(done_n)`);
}
// Check-ins written behind the rollup's watermark (a tick of another test
// moved it): forget the rollup, so that they count (core/checkin_days.h).
function forgetRollup() {
  sql(`START TRANSACTION; UPDATE rollup_marks SET upto = '1970-01-01' WHERE name = 'checkin_days';
    DELETE FROM checkin_days; COMMIT`);
}
function minutes(unit, m, ends) {
  const st = insert(`INSERT INTO stations (unit_id, kind, name) VALUES (${unit}, 'culture', CONCAT('看板测试', UUID()))`);
  const e = `'${at(ends)}'`;
  const shift = insert(`INSERT INTO shifts (station_id, title, starts_at, ends_at, signup_deadline,
    cancel_deadline, capacity, created_at, updated_at) VALUES (${st}, '看板测试', ${e} - INTERVAL 2 HOUR,
    ${e}, ${e} - INTERVAL 2 HOUR, ${e} - INTERVAL 2 HOUR, 5, NOW(3), NOW(3))`);
  insert(`INSERT INTO shift_signups (shift_id, user_id, station_id, status, queue_no, signed_up_at,
    minutes, shift_ends_at, updated_at) VALUES (${shift}, ${user()}, ${st}, 'confirmed', 1, NOW(3),
    ${m}, ${e}, NOW(3))`);
}

let admin, cadre, head, leader, resident;
const u = {};            // coop, ga, gb, a1, a2, b1
const tag = `D${Date.now() % 1e8}`;

async function make(path, json) {
  const res = await api('POST', path, admin, { json });
  assert.equal(res.status, 201, res.text);
  return res.json.id;
}

before(async () => {
  [admin, cadre, head, leader] = await Promise.all(['admin', 'cadre1', 'head1', 'leader1'].map(staff));
  resident = await residentLogin(freshPhone('136'));
  const village = Number(sql("SELECT id FROM units WHERE kind = 'village' AND parent_id IS NULL")[0][0]);
  u.coop = await make('/api/v1/units', { parent_id: village, kind: 'cooperative', name: `看板社${tag}` });
  u.ga = await make('/api/v1/units', { parent_id: u.coop, kind: 'group', name: '甲组' });
  u.gb = await make('/api/v1/units', { parent_id: u.coop, kind: 'group', name: '乙组' });
  const bld = (g, n) => make('/api/v1/buildings', {
    group_id: g, name: `${n}号楼`, code: `${tag}-${n}`, lane: `${tag}巷`, door_no: String(n),
  });
  u.a1 = await bld(u.ga, 1);
  u.a2 = await bld(u.ga, 2);
  u.b1 = await bld(u.gb, 3);

  const now = Date.now(), ws = weekStart(), ms = monthStart();
  const lastMonth = new Date(ms - HOUR + 8 * HOUR).toISOString().slice(0, 7);
  const residentId = Number(sql(`SELECT MIN(id) FROM users WHERE kind = 'resident'`)[0][0]);
  const adminId = Number(sql("SELECT id FROM users WHERE username = 'admin'")[0][0]);

  const A1 = `${tag}-1`, A2 = `${tag}-2`, B1 = `${tag}-3`;
  await tenancy(A1, 'active');
  await tenancy(A1, 'active');
  await tenancy(A1, 'pending', 1);
  await tenancy(A1, 'pending', 25);                   // overdue
  await tenancy(A2, 'active');
  await tenancy(B1, 'active');
  await tenancy(B1, 'pending', 48);                   // overdue
  await tenancy(B1, 'ended');

  checkin(u.a1, 'residence', ws + 60e3);
  checkin(u.a1, 'patrol', ws + 120e3);
  checkin(u.a1, 'residence', ws - 1e3);               // last week
  checkin(u.b1, 'patrol', ws + 60e3);
  forgetRollup();

  complaint(u.a1, now - 24 * HOUR, 10, 20, 5, residentId);
  complaint(u.b1, now - 24 * HOUR, null, null, null, residentId);
  complaint(u.a2, now - 40 * 24 * HOUR, 10, 20, 5, residentId);  // before the range

  checklist(u.a1, month(), true);
  checklist(u.a2, month(), false);
  checklist(u.b1, month(), true);
  checklist(u.a2, lastMonth, true);                   // last month

  const d1 = directive(u.coop, 1, now - 48 * HOUR, adminId);
  receipt(d1, u.a1, true, true);
  receipt(d1, u.a2, true, false);
  receipt(d1, u.ga, false, false);
  receipt(d1, u.b1, false, false);
  const d2 = directive(u.coop, 0, now - 40 * 24 * HOUR, adminId);  // before the range
  receipt(d2, u.b1, true, false);

  minutes(u.ga, 60, ms + HOUR);
  minutes(u.b1, 30, ms + HOUR);
  minutes(u.b1, 45, ms - HOUR);                       // last month
});

// The figures of GA, GB and the cooperative, by hand.
const GA = {
  renters: { active: 3, pending: 2, overdue: 1 },
  checkins: { residence: 1, patrol: 1 },
  complaints: { received: 1, resolved: 1, response_rate: 1, resolution_rate: 1, satisfaction_rate: 1 },
  checklist: { lists: 2, completed: 1, rate: 0.5 },
  directives: { receipts: 3, read: 2, needs_done: 3, done: 1, read_rate: 2 / 3, done_rate: 1 / 3 },
  volunteer_minutes: 60,
};
const GB = {
  renters: { active: 1, pending: 1, overdue: 1 },
  checkins: { residence: 0, patrol: 1 },
  complaints: { received: 1, resolved: 0, response_rate: 0, resolution_rate: 0, satisfaction_rate: null },
  checklist: { lists: 1, completed: 1, rate: 1 },
  directives: { receipts: 1, read: 0, needs_done: 1, done: 0, read_rate: 0, done_rate: 0 },
  volunteer_minutes: 30,
};
const TOTAL = {
  renters: { active: 4, pending: 3, overdue: 2 },
  checkins: { residence: 1, patrol: 2 },
  complaints: { received: 2, resolved: 1, response_rate: 0.5, resolution_rate: 0.5, satisfaction_rate: 1 },
  checklist: { lists: 3, completed: 2, rate: 2 / 3 },
  directives: { receipts: 4, read: 2, needs_done: 4, done: 1, read_rate: 0.5, done_rate: 0.25 },
  volunteer_minutes: 90,
};

function same(row, want, where) {
  const { unit, ...figures } = row;
  assert.deepEqual(figures, want, where);
  return unit;
}

describe('dashboard', () => {
  test('a cooperative: its own row and one per group, every figure as computed by hand', async () => {
    const res = await api('GET', `${DASH}?unit=${u.coop}`, admin);
    assert.equal(res.status, 200, res.text);
    const d = res.json;
    assert.deepEqual(d.unit, { id: u.coop, name: `看板社${tag}`, kind: 'cooperative' });
    assert.match(d.from, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(d.to, local().toISOString().slice(0, 10));
    assert.equal(d.week.from, new Date(weekStart() + 8 * HOUR).toISOString().slice(0, 10));
    assert.equal(d.week.to, new Date(weekStart() + 8 * HOUR + 6 * 24 * HOUR).toISOString().slice(0, 10));
    assert.equal(d.month, month());
    assert.deepEqual(same(d.total, TOTAL, 'total'), d.unit);
    assert.equal(d.children.length, 2);
    assert.deepEqual(same(d.children[0], GA, 'GA'), { id: u.ga, name: '甲组', kind: 'group' });
    assert.deepEqual(same(d.children[1], GB, 'GB'), { id: u.gb, name: '乙组', kind: 'group' });
  });

  test('a group: its buildings; the leader\'s receipt at the group counts in its total alone', async () => {
    const res = await api('GET', `${DASH}?unit=${u.ga}`, admin);
    assert.equal(res.status, 200, res.text);
    const d = res.json;
    same(d.total, GA, 'GA');
    assert.deepEqual(d.children.map((c) => c.unit.id), [u.a1, u.a2]);
    const [a1, a2] = d.children;
    assert.deepEqual(a1.renters, { active: 2, pending: 2, overdue: 1 });
    assert.deepEqual(a2.directives, { receipts: 1, read: 1, needs_done: 1, done: 0, read_rate: 1, done_rate: 0 });
    assert.equal(a1.directives.receipts + a2.directives.receipts, 2);
    assert.equal(a1.volunteer_minutes + a2.volunteer_minutes, 0, 'the station is at the group');
  });

  test('the village as the admin\'s default holds the cooperative as a child with the same figures', async () => {
    const res = await api('GET', DASH, admin);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.unit.kind, 'village');
    const mine = res.json.children.find((c) => c.unit.id === u.coop);
    assert.ok(mine, 'the cooperative is a child of the village');
    same(mine, TOTAL, 'the cooperative in the village');
    assert.ok(res.json.total.renters.active >= TOTAL.renters.active);
  });

  test('after `huzu tick --job=checkin_days` the week comes from the rollup, with the same figures', async () => {
    const r = tick(new Date(), ['--job=checkin_days']);
    assert.equal(r.status, 0, `huzu tick: ${r.stderr}${r.stdout}`);
    assert.match(r.stdout, /^checkin_days: rows=\d+ dropped=\d+\n$/, 'that job alone');
    // The fixture's check-ins are over 10 minutes old unless the week
    // began within the last 10 minutes: then they are all after the mark.
    const [[upto]] = sql("SELECT UNIX_TIMESTAMP(upto) * 1000 FROM rollup_marks WHERE name = 'checkin_days'");
    if (Number(upto) > weekStart() + 120e3) {
      const [[rows]] = sql(`SELECT COUNT(*) FROM checkin_days WHERE unit_id IN (${u.ga}, ${u.gb})`);
      assert.ok(Number(rows) > 0, 'the groups\' days are rolled up');
    }
    for (const [unit, want] of [[u.coop, TOTAL], [u.ga, GA]]) {
      const res = await api('GET', `${DASH}?unit=${unit}`, admin);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.total.checkins, want.checkins);
    }
    const village = await api('GET', DASH, admin);
    assert.deepEqual(village.json.children.find((c) => c.unit.id === u.coop).checkins, TOTAL.checkins);
    assert.equal(tick(new Date(), ['--job=nothing']).status, 2, 'an unknown job is a usage error');
  });

  test('a range that leaves out the directive and complaints; week and month stay', async () => {
    const today = local().toISOString().slice(0, 10);
    const res = await api('GET', `${DASH}?unit=${u.coop}&from=${today}&to=${today}`, admin);
    assert.equal(res.status, 200, res.text);
    const t = res.json.total;
    assert.deepEqual(t.complaints, { received: 0, resolved: 0, response_rate: null, resolution_rate: null, satisfaction_rate: null });
    assert.deepEqual(t.directives, { receipts: 0, read: 0, needs_done: 0, done: 0, read_rate: null, done_rate: null });
    assert.deepEqual(t.checkins, TOTAL.checkins);
    assert.deepEqual(t.checklist, TOTAL.checklist);
  });

  test('CSV: UTF-8 with a BOM, a Chinese header and a line per row', async () => {
    const res = await api('GET', `${DASH}.csv?unit=${u.coop}`, admin);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assert.match(res.headers.get('content-disposition'), /^attachment; filename="dashboard\.csv"/);
    assert.deepEqual([...res.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const lines = res.text.slice(1).split('\r\n');
    assert.equal(lines.pop(), '', 'the file ends with a line break');
    assert.equal(lines.length, 4, 'the header, the cooperative, two groups');
    assert.match(lines[0], /^单位,类型,在住人数,待审核登记,超时未审核,/);
    assert.equal(lines[1], `看板社${tag},经济社,4,3,2,1,2,2,1,50.0%,50.0%,100.0%,3,2,66.7%,4,2,4,1,50.0%,25.0%,1.5`, 'volunteer time in hours, as on the page');
    assert.equal(lines[3], '乙组,户组,1,1,1,0,1,1,0,0.0%,0.0%,,1,1,100.0%,1,0,1,0,0.0%,0.0%,0.5');
    assert.match(lines[0], /,本月志愿服务时长（小时）$/);
  });

  test('must fail: wrong types and dates, from after to', async () => {
    expectInvalid(await api('GET', `${DASH}?unit=abc`, admin), ['unit']);
    expectInvalid(await api('GET', `${DASH}?unit=0`, admin), ['unit']);
    expectInvalid(await api('GET', `${DASH}?from=2026-13-01`, admin), ['from']);
    expectInvalid(await api('GET', `${DASH}?to=yesterday`, admin), ['to']);
    // Dates the database's times cannot hold, however short the range.
    expectInvalid(await api('GET', `${DASH}?from=9999-12-31&to=9999-12-31`, admin), ['from']);
    expectInvalid(await api('GET', `${DASH}?from=1970-01-01&to=1970-01-01`, admin), ['from']);
    expectInvalid(await api('GET', `${DASH}?from=2026-03-02&to=2026-03-01`, admin), ['from']);
    expectInvalid(await api('GET', `${DASH}?from=2024-01-01&to=2026-03-01`, admin), ['to']);
    expectInvalid(await api('GET', `${DASH}.csv?from=2026-03-02&to=2026-03-01`, admin), ['from']);
  });

  test('must fail: outside the scope 404, a head or a leader 403, a resident 403, no token 401', async () => {
    expectError(await api('GET', `${DASH}?unit=${u.coop}`, cadre), 404, 'not_found');
    expectError(await api('GET', `${DASH}.csv?unit=${u.coop}`, cadre), 404, 'not_found');
    expectError(await api('GET', `${DASH}?unit=${u.coop}`, leader), 404, 'not_found');
    expectError(await api('GET', DASH, head), 403, 'forbidden');
    expectError(await api('GET', `${DASH}?unit=${await uid('B001')}`, head), 403, 'forbidden');
    expectError(await api('GET', DASH, leader), 403, 'forbidden');
    expectError(await api('GET', `${DASH}.csv`, leader), 403, 'forbidden');
    expectError(await api('GET', `${DASH}?unit=${u.coop}`, resident), 403, 'forbidden');
    expectError(await request('GET', `${DASH}?unit=${u.coop}`), 401, 'unauthorized');
    expectError(await request('GET', `${DASH}.csv`), 401, 'unauthorized');
    // The cadre's own cooperative is theirs.
    const own = await api('GET', DASH, cadre);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.unit.id, await uid('SMQ-1'));
  });
});
