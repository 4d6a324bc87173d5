// Volunteer shifts through nginx: the sign-up storm (never more confirmed
// than the capacity, the waiting list in order, promotion on withdrawal),
// overlap and deadline refusals, cancellation, attendance by scanning the
// station's code, hours and no-shows (driven by `huzu tick --now=`), who
// sees what, and bad input on every body.
//
// Every test makes its own shifts far enough ahead (or moves them in time
// with SQL) and its own volunteers, so the tests do not meet.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import {
  api, request, expectError, expectInvalid, expectStatus, describeRes, staff,
} from './lib.mjs';
import { sql, signJwt, claimsFor } from './identity-lib.mjs';
import { resident, currentToken, regBody, register, expectTokenRefusedByRegistration } from './tenancy-lib.mjs';
import { tickOk } from './scheduler-lib.mjs';

const SHIFTS = '/api/v1/shifts';
const STATIONS = '/api/v1/stations';
const CHECKINS = '/api/v1/checkins';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/;
const CULTURE = '石马桥文化站';
const ELDERLY = '石马桥老人关爱站';

const HOUR = 3600_000;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// Every test takes its own hours far in the future: slot n is 3 hours
// long, 4 hours after the previous one, from 40 days ahead.
let slotNo = 0;
const dayZero = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR + 40 * 24 * HOUR;
function slot(hours = 2) {
  const start = dayZero + (slotNo++) * 4 * HOUR;
  return { starts_at: iso(start), ends_at: iso(start + hours * HOUR) };
}

let stationIds;
async function stationId(name) {
  if (!stationIds) {
    const res = await api('GET', STATIONS, await staff('admin'));
    expectStatus(res, 200, 'stations');
    stationIds = new Map(res.json.items.map((s) => [s.name, s.id]));
  }
  assert.ok(stationIds.has(name), `station ${name}`);
  return stationIds.get(name);
}

// One shift (201 {items:[shift]}) made by `who` (default: station1 at
// the culture station).
async function newShift(over = {}, who = 'station1', station = CULTURE) {
  const body = { station_id: await stationId(station), title: '图书整理', capacity: 5, ...slot(), ...over };
  const res = await api('POST', SHIFTS, await staff(who), { json: body });
  expectStatus(res, 201, 'create shift');
  assert.equal(res.json.items.length, 1);
  return res.json.items[0];
}

const signup = (who, id) => api('POST', `${SHIFTS}/${id}/signup`, who);
const withdraw = (who, id) => api('DELETE', `${SHIFTS}/${id}/signup`, who);
const getShift = (who, id) => api('GET', `${SHIFTS}/${id}`, who);
async function roster(id, who = 'station1') {
  const res = await api('GET', `${SHIFTS}/${id}/roster`, await staff(who));
  expectStatus(res, 200, `roster of ${id}`);
  return res.json;
}
const notes = (userId, kind, subject) => Number(sql(`SELECT COUNT(*) FROM notifications
  WHERE user_id = ${Number(userId)} AND kind = '${kind}' AND subject_id = ${Number(subject)}`)[0][0]);

// Moves a shift (and the copy of its end on its sign-ups) to start
// `startMin` minutes from now and last `lenMin` minutes; deadlines at the
// start and 3 hours before it.
function moveShift(id, startMin, lenMin = 120) {
  const at = (m) => `UTC_TIMESTAMP() + INTERVAL ${m} MINUTE`;
  sql(`UPDATE shifts SET starts_at = ${at(startMin)}, ends_at = ${at(startMin + lenMin)},
    signup_deadline = ${at(startMin)}, cancel_deadline = ${at(startMin - 180)} WHERE id = ${Number(id)};
    UPDATE shift_signups SET shift_ends_at = ${at(startMin + lenMin)} WHERE shift_id = ${Number(id)}`);
}

function expectShift(s) {
  for (const k of ['id', 'station', 'series_id', 'title', 'description', 'requirements', 'starts_at', 'ends_at',
    'signup_deadline', 'cancel_deadline', 'capacity', 'confirmed', 'waiting', 'free', 'status', 'cancel_reason',
    'signup_open', 'can_manage', 'mine']) assert.ok(k in s, `shift.${k} in ${JSON.stringify(s).slice(0, 200)}`);
  for (const k of ['starts_at', 'ends_at', 'signup_deadline', 'cancel_deadline']) assert.match(s[k], RFC3339, k);
  assert.equal(s.free, s.capacity - s.confirmed);
  return s;
}

let stationToken;
async function cultureToken() {
  if (!stationToken) {
    const res = await api('GET', `${STATIONS}/${await stationId(CULTURE)}/poster`, await staff('station1'));
    expectStatus(res, 200, 'culture poster');
    stationToken = res.json.url.slice(res.json.url.lastIndexOf('/') + 1);
  }
  return stationToken;
}

before(async () => {
  await stationId(CULTURE);
});

describe('the sign-up storm', () => {
  let volunteers;
  before(async () => {
    volunteers = [];
    for (let i = 0; i < 40; i++) volunteers.push(await resident());
  });

  for (const round of [1, 2, 3]) {
    test(`storm ${round}: 200 sign-ups from 40 volunteers on capacity 20 → 20 confirmed, 20 waiting in order; withdrawals promote in order`, async () => {
      const shift = await newShift({ capacity: 20, title: `风暴 ${round}` });
      const order = [];
      for (let k = 0; k < 5; k++) for (const v of volunteers) order.push(v);
      const t0 = performance.now();
      const answers = await Promise.all(order.map((v) => signup(v, shift.id)));
      const ms = performance.now() - t0;
      console.log(`# storm ${round}: 200 sign-ups (40 volunteers × 5) on capacity 20 in ${ms.toFixed(0)} ms`);

      for (const a of answers) assert.ok(a.status < 500, `no 5xx: ${describeRes(a)}`);
      for (const v of volunteers) {
        const mine = answers.filter((_, i) => order[i] === v);
        assert.deepEqual(mine.map((a) => a.status).sort(), [200, 200, 200, 200, 201],
          `one new place per volunteer, then the same: ${mine.map(describeRes).join(' | ')}`);
        const ids = new Set(mine.map((a) => a.json.mine.signup_id));
        assert.equal(ids.size, 1, 'every answer names the same sign-up');
      }
      const [[confirmed, waiting]] = sql(`SELECT SUM(status = 'confirmed'), SUM(status = 'waiting')
        FROM shift_signups WHERE shift_id = ${shift.id}`);
      assert.equal(Number(confirmed), 20, 'exactly the capacity confirmed (SQL)');
      assert.equal(Number(waiting), 20, 'the rest waiting (SQL)');
      const [[counter]] = sql(`SELECT confirmed FROM shifts WHERE id = ${shift.id}`);
      assert.equal(Number(counter), 20);

      const r = await roster(shift.id);
      expectShift(r.shift);
      assert.equal(r.shift.confirmed, 20);
      assert.equal(r.shift.waiting, 20);
      assert.equal(r.shift.free, 0);
      const conf = r.items.filter((e) => e.status === 'confirmed');
      const wait = r.items.filter((e) => e.status === 'waiting');
      assert.equal(conf.length, 20);
      assert.equal(wait.length, 20);
      assert.deepEqual(wait.map((e) => e.position), Array.from({ length: 20 }, (_, i) => i + 1), 'positions 1..20');
      for (const e of conf) assert.equal(e.position, null);
      // The waiting list is in arrival order (queue_no, as the database saw them).
      const queue = sql(`SELECT id FROM shift_signups WHERE shift_id = ${shift.id} AND status = 'waiting' ORDER BY queue_no`)
        .map(([id]) => Number(id));
      assert.deepEqual(wait.map((e) => e.signup_id), queue, 'positions follow the queue');
      // Each volunteer's own view agrees.
      const byUser = new Map(volunteers.map((v) => [v.user.id, v]));
      const first = wait[0];
      const firstView = expectStatus(await getShift(byUser.get(first.user.id), shift.id), 200);
      assert.equal(firstView.mine.status, 'waiting');
      assert.equal(firstView.mine.position, 1);
      assert.match(first.user.phone_masked, /\*/, 'phones masked on the roster');

      // Three confirmed withdraw: the first three in line move up, in order.
      for (let k = 0; k < 3; k++) {
        const leaving = byUser.get(conf[k].user.id);
        const promoted = wait[k];
        const res = await withdraw(leaving, shift.id);
        expectStatus(res, 200, 'withdraw');
        assert.equal(res.json.mine.status, 'cancelled');
        const after = await roster(shift.id);
        assert.equal(after.shift.confirmed, 20, 'the freed place is taken at once');
        assert.equal(after.shift.waiting, 20 - k - 1);
        const now = after.items.find((e) => e.signup_id === promoted.signup_id);
        assert.equal(now.status, 'confirmed', `position ${k + 1} promoted`);
        const rest = after.items.filter((e) => e.status === 'waiting');
        assert.deepEqual(rest.map((e) => e.signup_id), wait.slice(k + 1).map((e) => e.signup_id), 'the rest keep their order');
        assert.deepEqual(rest.map((e) => e.position), rest.map((_, i) => i + 1), 'positions close up');
        assert.equal(notes(promoted.user.id, 'shift.promoted', shift.id), 1, 'the promoted volunteer is told');
        assert.equal(notes(rest[0].user.id, 'shift.promoted', shift.id), 0, 'nobody else is');
        const view = expectStatus(await getShift(byUser.get(promoted.user.id), shift.id), 200);
        assert.equal(view.mine.status, 'confirmed');
      }
      const [[c2]] = sql(`SELECT COUNT(*) FROM shift_signups WHERE shift_id = ${shift.id} AND status = 'confirmed'`);
      assert.equal(Number(c2), 20);
      // Each of the 20 who joined the list was told their own place: 1..20, no place twice.
      const places = sql(`SELECT text FROM notifications WHERE kind = 'shift.waiting' AND subject_id = ${shift.id}`)
        .map(([t]) => Number(/候补第 (\d+) 位/.exec(t)?.[1])).sort((x, y) => x - y);
      assert.deepEqual(places, Array.from({ length: 20 }, (_, i) => i + 1), 'the places told on joining the list');
    });
  }
});

describe('races beyond the one-shift storm', () => {
  test('ten confirmed withdraw at once from a full shift (3 rounds): the ten in line move up, counters equal the rows, each told once', async () => {
    for (let round = 0; round < 3; round++) {
      const people = [];
      for (let i = 0; i < 20; i++) people.push(await resident());
      const s = await newShift({ capacity: 10, title: `同时取消 ${round}` });
      for (const p of people) expectStatus(await signup(p, s.id), 201);
      const answers = await Promise.all(people.slice(0, 10).map((p) => withdraw(p, s.id)));
      for (const a of answers) expectStatus(a, 200, 'withdraw');
      const [[conf, wait]] = sql(`SELECT SUM(status = 'confirmed'), SUM(status = 'waiting') FROM shift_signups WHERE shift_id = ${s.id}`);
      const [[cc, cw]] = sql(`SELECT confirmed, waiting FROM shifts WHERE id = ${s.id}`);
      assert.deepEqual([Number(conf), Number(wait)], [10, 0], 'rows: the ten in line confirmed');
      assert.deepEqual([Number(cc), Number(cw)], [10, 0], 'the counters agree with the rows');
      for (const p of people.slice(10)) {
        assert.equal(expectStatus(await getShift(p, s.id), 200).mine.status, 'confirmed');
        assert.equal(notes(p.user.id, 'shift.promoted', s.id), 1, 'told once');
      }
    }
  });

  test('one volunteer signs up for six overlapping shifts at once (8 rounds): exactly one confirmed, the rest 409 shift_overlap', async () => {
    for (let round = 0; round < 8; round++) {
      const v = await resident();
      const start = Date.parse(slot(3).starts_at);
      const shifts = [];
      for (let k = 0; k < 6; k++) {
        const at = start + k * 10 * 60_000;
        shifts.push(await newShift({ starts_at: iso(at), ends_at: iso(at + 2 * HOUR), title: `重叠 ${round}-${k}` }));
      }
      const answers = await Promise.all(shifts.map((s) => signup(v, s.id)));
      for (const a of answers) assert.ok(a.status < 500, describeRes(a));
      assert.equal(answers.filter((a) => a.status === 201).length, 1, answers.map(describeRes).join(' | '));
      for (const a of answers.filter((x) => x.status !== 201)) expectError(a, 409, 'shift_overlap');
      const [[n]] = sql(`SELECT COUNT(*) FROM shift_signups WHERE user_id = ${Number(v.user.id)} AND status = 'confirmed'`);
      assert.equal(Number(n), 1, 'one confirmed place in the database');
    }
  });
});

describe('refusals of signing up and withdrawing', () => {
  test('overlapping confirmed shifts: 409 shift_overlap; the next slot is fine', async () => {
    const v = await resident();
    const a = await newShift(slot(3));
    const start = Date.parse(a.starts_at);
    const b = await newShift({ starts_at: iso(start + HOUR), ends_at: iso(start + 4 * HOUR) });
    const c = await newShift({ starts_at: iso(start + 3 * HOUR), ends_at: iso(start + 5 * HOUR) });
    expectStatus(await signup(v, a.id), 201);
    expectError(await signup(v, b.id), 409, 'shift_overlap');
    const s = expectShift(expectStatus(await getShift(v, b.id), 200));
    assert.equal(s.mine.status, 'none', 'a refused sign-up leaves nothing');
    assert.equal(s.confirmed, 0);
    const ok = expectShift(expectStatus(await signup(v, c.id), 201, 'back to back is no overlap'));
    assert.equal(ok.mine.status, 'confirmed');
    // Back to back the other way round: holding the later one, the earlier one is no overlap either.
    const w = await resident();
    expectStatus(await signup(w, c.id), 201);
    const before = expectShift(expectStatus(await signup(w, a.id), 201, 'the earlier of two back-to-back shifts, taken second'));
    assert.equal(before.mine.status, 'confirmed');
  });

  test('after the cancel deadline: 409 cancel_too_late; the manager may still remove; the removed is told', async () => {
    const v = await resident();
    const s = await newShift();
    const mine = expectStatus(await signup(v, s.id), 201).mine;
    assert.equal(mine.status, 'confirmed');
    sql(`UPDATE shifts SET cancel_deadline = UTC_TIMESTAMP() - INTERVAL 1 MINUTE WHERE id = ${s.id}`);
    expectError(await withdraw(v, s.id), 409, 'cancel_too_late');
    assert.equal(expectStatus(await getShift(v, s.id), 200).mine.status, 'confirmed', 'still confirmed');
    // Another volunteer's sign-up id in another shift is not this shift's.
    const other = await newShift();
    expectError(await api('DELETE', `${SHIFTS}/${other.id}/signups/${mine.signup_id}`, await staff('station1')), 404, 'not_found');
    const res = await api('DELETE', `${SHIFTS}/${s.id}/signups/${mine.signup_id}`, await staff('station1'));
    expectShift(expectStatus(res, 200, 'manager removes'));
    assert.equal(res.json.confirmed, 0);
    const after = await roster(s.id);
    assert.equal(after.items.find((e) => e.signup_id === mine.signup_id).status, 'removed');
    assert.equal(notes(v.user.id, 'shift.removed', s.id), 1);
    expectError(await withdraw(v, s.id), 404, 'not_signed_up');
  });

  test('before the cancel deadline the volunteer withdraws; withdrawing twice is 404 not_signed_up', async () => {
    const v = await resident();
    const s = await newShift();
    expectError(await withdraw(v, s.id), 404, 'not_signed_up');
    expectStatus(await signup(v, s.id), 201);
    assert.equal(expectStatus(await withdraw(v, s.id), 200).mine.status, 'cancelled');
    expectError(await withdraw(v, s.id), 404, 'not_signed_up');
    // Signing up again takes a new place.
    assert.equal(expectStatus(await signup(v, s.id), 201).mine.status, 'confirmed');
  });

  test('after the sign-up deadline: 409 signup_closed; before it: 201', async () => {
    const [v, w] = [await resident(), await resident()];
    const s = await newShift();
    expectStatus(await signup(w, s.id), 201);
    sql(`UPDATE shifts SET signup_deadline = UTC_TIMESTAMP() - INTERVAL 1 MINUTE WHERE id = ${s.id}`);
    expectError(await signup(v, s.id), 409, 'signup_closed');
    const seen = expectStatus(await getShift(v, s.id), 200);
    assert.equal(seen.signup_open, false);
    assert.equal(seen.mine.status, 'none');
  });

  test('a cancelled shift: everyone signed up is told why; signing up is refused; cancelling again is refused', async () => {
    const [a, b, c] = [await resident(), await resident(), await resident()];
    const s = await newShift({ capacity: 1 });
    expectStatus(await signup(a, s.id), 201);
    assert.equal(expectStatus(await signup(b, s.id), 201).mine.status, 'waiting');
    const res = await api('POST', `${SHIFTS}/${s.id}/cancel`, await staff('station1'), { json: { reason: '场地维修' } });
    const done = expectShift(expectStatus(res, 200, 'cancel'));
    assert.equal(done.status, 'cancelled');
    assert.equal(done.cancel_reason, '场地维修');
    assert.equal(notes(a.user.id, 'shift.cancelled', s.id), 1, 'the confirmed is told');
    assert.equal(notes(b.user.id, 'shift.cancelled', s.id), 1, 'the waiting is told');
    assert.equal(notes(c.user.id, 'shift.cancelled', s.id), 0);
    const r = await signup(c, s.id);
    assert.equal(r.status, 409, describeRes(r));
    assert.ok(['signup_closed', 'shift_cancelled'].includes(r.json.error.code), describeRes(r));
    expectError(r, 409, r.json.error.code);
    const again = await api('POST', `${SHIFTS}/${s.id}/cancel`, await staff('station1'), { json: { reason: '再取消' } });
    expectError(again, 409, 'shift_cancelled');
  });

  test('a full shift puts the next on the waiting list (201, position 1); capacity raised promotes at once', async () => {
    const [a, b] = [await resident(), await resident()];
    const s = await newShift({ capacity: 1 });
    expectStatus(await signup(a, s.id), 201);
    const w = expectStatus(await signup(b, s.id), 201).mine;
    assert.equal(w.status, 'waiting');
    assert.equal(w.position, 1);
    // contract-issue10.md: the outbox kind shift.waiting tells who joined the list.
    assert.equal(notes(b.user.id, 'shift.waiting', s.id), 1, 'the waiting volunteer is told (shift.waiting)');
    assert.equal(notes(a.user.id, 'shift.confirmed', s.id), 1);
    // Lowering below the confirmed is refused; raising promotes.
    expectError(await api('PATCH', `${SHIFTS}/${s.id}`, await staff('station1'), { json: { capacity: 0 } }), 422, 'validation_failed');
    const up = expectStatus(await api('PATCH', `${SHIFTS}/${s.id}`, await staff('station1'), { json: { capacity: 2 } }), 200);
    assert.equal(up.confirmed, 2);
    assert.equal(expectStatus(await getShift(b, s.id), 200).mine.status, 'confirmed');
    expectError(await api('PATCH', `${SHIFTS}/${s.id}`, await staff('station1'), { json: { capacity: 1 } }), 409, 'capacity_below_confirmed');
    // Times cannot move once anyone holds a place.
    const later = slot();
    expectError(await api('PATCH', `${SHIFTS}/${s.id}`, await staff('station1'), { json: later }), 409, 'shift_has_signups');
  });
});

describe('attendance by the station code', () => {
  test('outside the window 409 no_shift_now; inside: check-in 201, a repeat 200, later check-out with minutes rounded to 15', async () => {
    const v = await resident();
    const token = await cultureToken();
    const s = await newShift();
    expectError(await api('POST', CHECKINS, v, { json: { token } }), 409, 'no_shift_now');
    expectStatus(await signup(v, s.id), 201);
    expectError(await api('POST', CHECKINS, v, { json: { token } }), 409, 'no_shift_now');
    // Started an hour ago, ends in an hour.
    moveShift(s.id, -60, 120);
    const a = await api('POST', CHECKINS, v, { json: { token } });
    expectStatus(a, 201, 'check in');
    assert.equal(a.json.kind, 'shift_check_in');
    assert.equal(a.json.repeated, false);
    assert.equal(a.json.station.id, await stationId(CULTURE));
    assert.equal(a.json.station.name, CULTURE);
    assert.equal(a.json.shift.id, s.id);
    assert.equal(a.json.minutes, null);
    assert.match(a.json.at, RFC3339);
    const signupId = a.json.id;
    const again = await api('POST', CHECKINS, v, { json: { token } });
    expectStatus(again, 200, 'repeat');
    assert.equal(again.json.repeated, true);
    assert.equal(again.json.id, signupId);
    assert.equal(again.json.kind, 'shift_check_in');
    // 50 minutes ago: the check-out counts 50 minutes → 45.
    sql(`UPDATE shift_signups SET checked_in_at = UTC_TIMESTAMP() - INTERVAL 50 MINUTE WHERE id = ${signupId}`);
    const out = await api('POST', CHECKINS, v, { json: { token } });
    expectStatus(out, 201, 'check out');
    assert.equal(out.json.kind, 'shift_check_out');
    assert.equal(out.json.minutes, 45);
    const mine = expectStatus(await getShift(v, s.id), 200).mine;
    assert.equal(mine.minutes, 45);
    assert.match(mine.checked_in_at, RFC3339);
    assert.match(mine.checked_out_at, RFC3339);
    // The roster shows it.
    const e = (await roster(s.id)).items.find((x) => x.signup_id === signupId);
    assert.equal(e.minutes, 45);
  });

  test('someone not on the shift: 409 no_shift_now; anonymous 401; a forged station token 404', async () => {
    const token = await cultureToken();
    const [v, stranger] = [await resident(), await resident()];
    const s = await newShift();
    expectStatus(await signup(v, s.id), 201);
    moveShift(s.id, -10, 60);
    expectError(await api('POST', CHECKINS, stranger, { json: { token } }), 409, 'no_shift_now');
    expectError(await request('POST', CHECKINS, { json: { token } }), 401, 'unauthorized');
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expectError(await api('POST', CHECKINS, v, { json: { token: flipped } }), 404, 'qr_invalid');
  });

  test('a building code still checks in as before; a station code is no building code', async () => {
    const v = await resident();
    const btok = await currentToken('B011');
    // Not living there: the building side answers as it always did.
    expectError(await api('POST', CHECKINS, v, { json: { token: btok } }), 403, 'register_first');
    const leader = await api('POST', CHECKINS, await staff('admin'), { json: { token: btok } });
    assert.ok([200, 201].includes(leader.status), describeRes(leader));
    assert.equal(leader.json.kind, 'patrol');
    assert.ok(leader.json.building, 'a building answer');
    // Registering with a station code: refused as the form's bad token.
    expectTokenRefusedByRegistration(await register(v, regBody(await cultureToken())));
  });
});

describe('hours, missing check-outs and no-shows', () => {
  test('an in/out pair and a missing check-out count; a no-show counts 0; per station and month', async () => {
    const v = await resident();
    const token = await cultureToken();
    const a = await newShift();
    const b = await newShift();
    const c = await newShift();
    for (const s of [a, b, c]) expectStatus(await signup(v, s.id), 201);
    // a: in 60 minutes ago, out now → 60.
    moveShift(a.id, -90, 120);
    expectStatus(await api('POST', CHECKINS, v, { json: { token } }), 201);
    sql(`UPDATE shift_signups SET checked_in_at = UTC_TIMESTAMP() - INTERVAL 60 MINUTE WHERE shift_id = ${a.id}`);
    const out = expectStatus(await api('POST', CHECKINS, v, { json: { token } }), 201);
    assert.equal(out.kind, 'shift_check_out');
    assert.equal(out.minutes, 60);
    // Over, and past its 2-hour check-out window, out of the way.
    moveShift(a.id, -400, 120);
    // b: checked in, never out: counts to the end (2 h shift, in at its start).
    moveShift(b.id, -5, 120);
    expectStatus(await api('POST', CHECKINS, v, { json: { token } }), 201);
    sql(`UPDATE shift_signups SET checked_in_at = (SELECT starts_at FROM shifts WHERE id = ${b.id}) WHERE shift_id = ${b.id}`);
    // c: never came.
    moveShift(c.id, 0, 60);
    const later = Date.now() + 3 * HOUR;
    const jobs = tickOk(new Date(later));
    assert.ok(jobs.shift_close, `a shift_close line: ${JSON.stringify(jobs)}`);
    assert.ok(jobs.shift_close.shifts >= 2, JSON.stringify(jobs.shift_close));
    assert.ok(jobs.shift_close.no_shows >= 1, JSON.stringify(jobs.shift_close));
    const mb = expectStatus(await getShift(v, b.id), 200).mine;
    assert.equal(mb.minutes, 120, 'a missing check-out counts to the end');
    const mc = expectStatus(await getShift(v, c.id), 200).mine;
    assert.equal(mc.status, 'no_show');
    assert.equal(mc.minutes ?? 0, 0);
    const h = expectStatus(await api('GET', '/api/v1/me/volunteer-hours', v), 200);
    assert.equal(h.minutes, 180);
    assert.equal(h.hours, 3);
    assert.equal(h.no_shows, 1);
    assert.equal(h.paused_until, null);
    assert.equal(h.stations.length, 1);
    assert.equal(h.stations[0].station.name, CULTURE);
    assert.equal(h.stations[0].minutes, 180);
    assert.ok(h.months.length >= 1);
    assert.equal(h.months.reduce((t, m) => t + m.minutes, 0), 180);
    for (const m of h.months) assert.match(m.month, /^\d{4}-\d\d$/);
    // A range that holds none of it.
    const none = expectStatus(await api('GET', '/api/v1/me/volunteer-hours?from=2020-01-01&to=2020-01-31', v), 200);
    assert.equal(none.minutes, 0);
    expectInvalid(await api('GET', '/api/v1/me/volunteer-hours?from=2026-02-30', v), ['from']);
    // Another volunteer has none.
    const other = expectStatus(await api('GET', '/api/v1/me/volunteer-hours', await resident()), 200);
    assert.equal(other.minutes, 0);
    assert.deepEqual(other.stations, []);
  });

  test('three no-shows pause sign-up: 403 volunteer_paused; two do not', async () => {
    const v = await resident();
    const shifts = [await newShift(), await newShift(), await newShift(), await newShift()];
    for (const s of shifts) expectStatus(await signup(v, s.id), 201);
    // Two over: not yet paused.
    moveShift(shifts[0].id, -300, 60);
    moveShift(shifts[1].id, -200, 60);
    tickOk(new Date());
    const next = await newShift();
    expectStatus(await signup(v, next.id), 201, 'two no-shows: still allowed');
    expectStatus(await withdraw(v, next.id), 200);
    moveShift(shifts[2].id, -100, 60);
    const jobs = tickOk(new Date());
    assert.ok(jobs.shift_close.pauses >= 1, JSON.stringify(jobs.shift_close));
    for (const s of shifts.slice(0, 3)) assert.equal(expectStatus(await getShift(v, s.id), 200).mine.status, 'no_show');
    const last = await newShift();
    expectError(await signup(v, last.id), 403, 'volunteer_paused');
    const h = expectStatus(await api('GET', '/api/v1/me/volunteer-hours', v), 200);
    assert.equal(h.no_shows, 3);
    assert.match(h.paused_until, RFC3339);
    assert.equal(h.minutes, 0);
  });
});

describe('who sees what', () => {
  test('a volunteer sees only their own sign-ups; the roster is staff-only', async () => {
    const [a, b] = [await resident(), await resident()];
    const s = await newShift();
    const mine = expectStatus(await signup(a, s.id), 201).mine;
    const la = expectStatus(await api('GET', '/api/v1/me/signups', a), 200);
    assert.deepEqual(la.items.map((i) => i.id), [mine.signup_id]);
    assert.equal(la.items[0].shift.id, s.id);
    assert.equal(la.items[0].shift.mine.status, 'confirmed');
    assert.equal(la.next, null);
    const lb = expectStatus(await api('GET', '/api/v1/me/signups', b), 200);
    assert.deepEqual(lb.items, []);
    assert.equal(expectStatus(await getShift(b, s.id), 200).mine.status, 'none');
    assert.equal(expectStatus(await getShift(b, s.id), 200).mine.signup_id, null);
    expectError(await api('GET', `${SHIFTS}/${s.id}/roster`, b), 403, 'forbidden');
    expectError(await api('DELETE', `${SHIFTS}/${s.id}/signups/${mine.signup_id}`, b), 403, 'forbidden');
    // The list shows the shift with b's own (none) view.
    const list = expectStatus(await api('GET', `${SHIFTS}?station=${await stationId(CULTURE)}&from=${encodeURIComponent(s.starts_at)}&to=${encodeURIComponent(s.ends_at)}`, b), 200);
    const row = list.items.find((x) => x.id === s.id);
    assert.ok(row, 'the shift is listed');
    assert.equal(row.mine.status, 'none');
    assert.equal(list.truncated, false);
    // Paging: limit 1 over two sign-ups.
    const s2 = await newShift();
    expectStatus(await signup(a, s2.id), 201);
    const p1 = expectStatus(await api('GET', '/api/v1/me/signups?limit=1', a), 200);
    assert.equal(p1.items.length, 1);
    assert.equal(typeof p1.next, 'string');
    const p2 = expectStatus(await api('GET', `/api/v1/me/signups?limit=1&after=${p1.next}`, a), 200);
    assert.equal(p2.items.length, 1);
    assert.notEqual(p2.items[0].id, p1.items[0].id);
  });

  test('station1 gets 404 on the elderly station\'s shifts; admin manages both; leader1 and head1 neither', async () => {
    const admin = await staff('admin');
    const own = await newShift();
    const theirs = await newShift({}, 'admin', ELDERLY);
    assert.equal(theirs.can_manage, true);
    const s1 = await staff('station1');
    assert.equal(expectStatus(await getShift(s1, theirs.id), 200).can_manage, false, 'anyone may read a shift');
    assert.equal(expectStatus(await getShift(s1, own.id), 200).can_manage, true);
    expectError(await api('GET', `${SHIFTS}/${theirs.id}/roster`, s1), 404, 'not_found');
    expectError(await api('PATCH', `${SHIFTS}/${theirs.id}`, s1, { json: { title: '改名' } }), 404, 'not_found');
    expectError(await api('POST', `${SHIFTS}/${theirs.id}/cancel`, s1, { json: { reason: '不行' } }), 404, 'not_found');
    expectError(await api('POST', SHIFTS, s1, { json: { station_id: await stationId(ELDERLY), title: 'x', capacity: 1, ...slot() } }), 404, 'not_found');
    expectStatus(await api('GET', `${SHIFTS}/${own.id}/roster`, s1), 200);
    expectStatus(await api('GET', `${SHIFTS}/${theirs.id}/roster`, admin), 200);
    expectStatus(await api('GET', `${SHIFTS}/${own.id}/roster`, admin), 200);
    assert.equal(expectStatus(await api('PATCH', `${SHIFTS}/${theirs.id}`, admin, { json: { title: '改名' } }), 200).title, '改名');
    for (const who of ['leader1', 'head1']) {
      const t = await staff(who);
      expectError(await api('GET', `${SHIFTS}/${own.id}/roster`, t), 404, 'not_found');
      expectError(await api('PATCH', `${SHIFTS}/${own.id}`, t, { json: { title: '改名' } }), 404, 'not_found');
      expectError(await api('POST', SHIFTS, t, { json: { station_id: await stationId(CULTURE), title: 'x', capacity: 1, ...slot() } }), 404, 'not_found');
    }
  });
});

describe('bad input', () => {
  test('POST /shifts: types, required fields, lengths, bad UTF-8, times, capacity, repeats, stations, tokens', async () => {
    const s1 = await staff('station1');
    const ok = { station_id: await stationId(CULTURE), title: '图书整理', capacity: 5, ...slot() };
    const post = (json) => api('POST', SHIFTS, s1, { json });
    expectInvalid(await post({}), ['station_id', 'title', 'starts_at', 'ends_at', 'capacity']);
    expectInvalid(await post({ ...ok, title: 5 }), ['title']);
    expectInvalid(await post({ ...ok, capacity: '5' }), ['capacity']);
    expectInvalid(await post({ ...ok, capacity: 2.5 }), ['capacity']);
    expectInvalid(await post({ ...ok, station_id: 'x' }), ['station_id']);
    expectInvalid(await post({ ...ok, starts_at: 1800000000 }), ['starts_at']);
    expectInvalid(await post({ ...ok, starts_at: '2026-12-05 09:00' }), ['starts_at']);
    expectInvalid(await post({ ...ok, ends_at: '2026-12-05T09:00:00' }), ['ends_at']);
    // A time without its zone is no time, even one after the start.
    expectInvalid(await post({ ...ok, ends_at: ok.ends_at.replace(/Z$/, '') }), ['ends_at']);
    expectInvalid(await post({ ...ok, title: '' }), ['title']);
    expectInvalid(await post({ ...ok, title: '字'.repeat(101) }), ['title']);
    expectInvalid(await post({ ...ok, description: '字'.repeat(1001) }), ['description']);
    expectInvalid(await post({ ...ok, requirements: 'x'.repeat(501) }), ['requirements']);
    expectInvalid(await post({ ...ok, title: 'a\u202eb' }), ['title']);
    expectInvalid(await post({ ...ok, capacity: 0 }), ['capacity']);
    expectInvalid(await post({ ...ok, capacity: 501 }), ['capacity']);
    expectInvalid(await post({ ...ok, repeat_every: 'month', repeat_count: 2 }), ['repeat_every']);
    expectInvalid(await post({ ...ok, repeat_every: 'week', repeat_count: 27 }), ['repeat_count']);
    expectInvalid(await post({ ...ok, repeat_every: 'week', repeat_count: 0 }), ['repeat_count']);
    expectInvalid(await post({ ...ok, extra: 1 }), ['extra']);
    // Ends before it starts, longer than 12 hours, in the past.
    expectInvalid(await post({ ...ok, ends_at: ok.starts_at, starts_at: ok.ends_at }), ['ends_at']);
    expectInvalid(await post({ ...ok, ends_at: iso(Date.parse(ok.starts_at) + 13 * HOUR) }), ['ends_at']);
    expectInvalid(await post({ ...ok, starts_at: iso(Date.now() - HOUR), ends_at: iso(Date.now() + HOUR) }), ['starts_at']);
    // Bad UTF-8 and not JSON.
    const raw = Buffer.concat([Buffer.from('{"station_id":1,"title":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","capacity":1}')]);
    const bad = await api('POST', SHIFTS, s1, { body: raw, headers: { 'content-type': 'application/json' } });
    expectError(bad, 400, 'invalid_utf8');
    expectError(await api('POST', SHIFTS, s1, { body: '{"title":', headers: { 'content-type': 'application/json' } }), 400, 'malformed_json');
    // Stations: unknown, another's.
    expectError(await post({ ...ok, station_id: 999999999 }), 404, 'not_found');
    expectError(await post({ ...ok, station_id: await stationId(ELDERLY) }), 404, 'not_found');
    // Residents and forged tokens.
    expectError(await api('POST', SHIFTS, await resident(), { json: ok }), 403, 'forbidden');
    const forged = signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor(1), Buffer.from('not the key'));
    expectError(await api('POST', SHIFTS, forged, { json: ok }), 401, 'token_invalid');
    expectError(await request('POST', SHIFTS, { json: ok }), 401, 'unauthorized');
    // And a good one, with a series: 3 weekly shifts, one series id.
    const res = await post({ ...ok, ...slot(), repeat_every: 'week', repeat_count: 3 });
    expectStatus(res, 201);
    assert.equal(res.json.items.length, 3);
    const sid = res.json.items[0].series_id;
    assert.ok(Number.isSafeInteger(sid));
    for (const s of res.json.items) assert.equal(s.series_id, sid);
    assert.equal(Date.parse(res.json.items[1].starts_at) - Date.parse(res.json.items[0].starts_at), 7 * 24 * HOUR);
    // Default deadlines: sign-up at the start, cancel 3 hours before.
    const f = res.json.items[0];
    assert.equal(Date.parse(f.signup_deadline), Date.parse(f.starts_at));
    assert.equal(Date.parse(f.cancel_deadline), Date.parse(f.starts_at) - 3 * HOUR);
  });

  test('POST /shifts is idempotent with a key', async () => {
    const s1 = await staff('station1');
    const body = { station_id: await stationId(CULTURE), title: '幂等', capacity: 2, ...slot() };
    const key = `shift-${Date.now()}`;
    const a = await api('POST', SHIFTS, s1, { json: body, headers: { 'idempotency-key': key } });
    expectStatus(a, 201);
    const b = await api('POST', SHIFTS, s1, { json: body, headers: { 'idempotency-key': key } });
    expectStatus(b, 201);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    assert.equal(b.json.items[0].id, a.json.items[0].id);
  });

  test('PATCH, cancel, list and sign-up: bad bodies and ids', async () => {
    const s1 = await staff('station1');
    const s = await newShift();
    const patch = (json) => api('PATCH', `${SHIFTS}/${s.id}`, s1, { json });
    expectInvalid(await patch({ title: 7 }), ['title']);
    expectInvalid(await patch({ capacity: 501 }), ['capacity']);
    expectInvalid(await patch({ starts_at: 'tomorrow' }), ['starts_at']);
    expectInvalid(await patch({ station_id: 1 }), ['station_id']);
    expectInvalid(await patch({ ends_at: iso(Date.parse(s.starts_at) - HOUR) }), ['ends_at']);
    assert.equal(expectStatus(await patch({ title: '新标题', description: '带上水杯' }), 200).description, '带上水杯');
    const cancel = (json) => api('POST', `${SHIFTS}/${s.id}/cancel`, s1, { json });
    expectInvalid(await cancel({}), ['reason']);
    expectInvalid(await cancel({ reason: '' }), ['reason']);
    expectInvalid(await cancel({ reason: '字'.repeat(201) }), ['reason']);
    expectInvalid(await cancel({ reason: ['x'] }), ['reason']);
    const v = await resident();
    expectError(await signup(v, 999999999), 404, 'not_found');
    expectError(await signup(v, 'abc'), 404, 'not_found');
    expectError(await getShift(v, 999999999), 404, 'not_found');
    expectInvalid(await api('GET', `${SHIFTS}?from=yesterday`, v), ['from']);
    expectInvalid(await api('GET', `${SHIFTS}?station=x`, v), ['station']);
    const from = new Date();
    const far = new Date(from.getTime() + 63 * 24 * HOUR);
    expectInvalid(await api('GET', `${SHIFTS}?from=${encodeURIComponent(iso(from.getTime()))}&to=${encodeURIComponent(iso(far.getTime()))}`, v), ['to']);
    const week = expectStatus(await api('GET', SHIFTS, v), 200, 'the default week');
    assert.ok(Array.isArray(week.items));
    for (const x of week.items) expectShift(x);
  });
});

describe('what the hostile-caller review found', () => {
  test('a promotion racing the same volunteer\'s sign-up elsewhere never leaves two overlapping confirmed shifts', async () => {
    // X holds the only place of P; Y waits on P. X withdraws while Y signs
    // up for Q, which overlaps P: whichever order the two commit in, Y
    // ends confirmed on one of them at most.
    for (let round = 0; round < 12; round++) {
      const [x, y] = [await resident(), await resident()];
      const p = await newShift({ capacity: 1, ...slot(2) });
      const start = Date.parse(p.starts_at);
      const q = await newShift({ starts_at: iso(start + HOUR), ends_at: iso(start + 3 * HOUR) }, 'admin', ELDERLY);
      expectStatus(await signup(x, p.id), 201);
      assert.equal(expectStatus(await signup(y, p.id), 201).mine.status, 'waiting');
      const [out, inQ] = await Promise.all([withdraw(x, p.id), signup(y, q.id)]);
      expectStatus(out, 200, 'the withdrawal');
      assert.ok([201, 409].includes(inQ.status), `Y on Q: ${describeRes(inQ)}`);
      const pNow = expectStatus(await getShift(y, p.id), 200).mine.status;
      const qNow = expectStatus(await getShift(y, q.id), 200).mine.status;
      assert.ok(!(pNow === 'confirmed' && qNow === 'confirmed'), `round ${round}: confirmed on both`);
    }
  });

  test('times the database cannot hold, and deadlines already past, are 422 (never 500)', async () => {
    const s1 = await staff('station1');
    const ok = { station_id: await stationId(CULTURE), title: '图书整理', capacity: 5, ...slot() };
    const post = (json) => api('POST', SHIFTS, s1, { json });
    expectInvalid(await post({ ...ok, signup_deadline: '1969-12-31T23:59:59Z' }), ['signup_deadline']);
    expectInvalid(await post({ ...ok, cancel_deadline: '0001-01-01T00:00:00Z' }), ['cancel_deadline']);
    expectInvalid(await post({ ...ok, signup_deadline: '1970-01-01T00:00:00Z' }), ['signup_deadline']);
    expectInvalid(await post({ ...ok, starts_at: '2040-01-01T09:00:00+08:00' }), ['starts_at']);
    expectInvalid(await post({ ...ok, signup_deadline: '2001-01-01T00:00:00Z' }), ['signup_deadline']);
    expectInvalid(await post({ ...ok, cancel_deadline: '2001-01-01T00:00:00Z' }), ['cancel_deadline']);
    const made = await newShift();
    const patch = (json) => api('PATCH', `${SHIFTS}/${made.id}`, s1, { json });
    expectInvalid(await patch({ signup_deadline: '1969-12-31T23:59:59Z' }), ['signup_deadline']);
    expectInvalid(await patch({ cancel_deadline: '1900-01-01T00:00:00Z' }), ['cancel_deadline']);
  });

  test('hours: to before from is 422; a range past 2038 still counts', async () => {
    const v = await resident();
    expectInvalid(await api('GET', '/api/v1/me/volunteer-hours?from=2026-12-01&to=2026-11-01', v), ['to']);
    expectStatus(await api('GET', '/api/v1/me/volunteer-hours?from=2026-12-01&to=2040-01-01', v), 200);
    const s1 = await staff('station1');
    const csv = `${STATIONS}/${await stationId(CULTURE)}/hours.csv`;
    expectInvalid(await api('GET', `${csv}?from=2026-12-01&to=2026-11-01`, s1), ['to']);
    expectStatus(await api('GET', `${csv}?from=2026-12-01&to=2040-01-01`, s1), 200);
  });
});
