// Check-ins through nginx: a resident with an active registration verifies
// residence, staff in scope record a patrol, a repeat within 10 minutes is
// the same check-in (also when many arrive at once), everyone else is
// refused; and `huzu purge` deletes what is older than the retention.
//
// Buildings: B007, B008, B011, B019, B020, B023, B024, B028 (never B003,
// which the browser tests use).
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
  request, burst, expectError, expectInvalid, bin, configPath, execdWorkers, masterPid, api, describeRes,
  expectStatus, staff, readLog,
} from './lib.mjs';
import { nextAutoIncrement, rootSession, sql } from './identity-lib.mjs';
import {
  CHECKINS, TENANCIES, currentToken, decide, expectQrRefused, oneCharVariants, registerOk, resident, residentIn,
  rotate, uid, units,
} from './tenancy-lib.mjs';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/;
const checkin = (who, token) => api('POST', CHECKINS, who, { json: { token } });
const rowsOf = (userId) => sql(`SELECT id, building_id, kind FROM checkins WHERE user_id = ${Number(userId)} ORDER BY id`)
  .map(([id, b, k]) => ({ id: Number(id), building: Number(b), kind: k }));

// Whether checkins has the 10-minute `slot` column (its unique key keeps
// two scans at once to one row): rows the tests write or move in time
// must carry the slot of their time.
const hasSlot = () => sql(`SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()
  AND table_name = 'checkins' AND column_name = 'slot'`)[0][0] === '1';
const UTC = "SET time_zone = '+00:00';";

// Moves a check-in back by `minutes` (slot first: it reads the old time).
function ageCheckin(id, minutes) {
  const slot = hasSlot() ? `slot = FLOOR(UNIX_TIMESTAMP(at - INTERVAL ${minutes} MINUTE) / 600), ` : '';
  sql(`${UTC} UPDATE checkins SET ${slot}at = at - INTERVAL ${minutes} MINUTE WHERE id = ${Number(id)}`);
}

// Inserts a check-in `days` old.
function oldCheckin(user, building, days) {
  const at = `NOW(3) - INTERVAL ${Number(days)} DAY`;
  const [cols, vals] = hasSlot() ? [', slot', `, FLOOR(UNIX_TIMESTAMP(${at}) / 600)`] : ['', ''];
  sql(`${UTC} INSERT INTO checkins (user_id, building_id, kind, at${cols})
    VALUES (${Number(user)}, ${Number(building)}, 'residence', ${at}${vals})`);
}

// A 201 or 200 check-in answer, checked for shape.
function expectCheckin(res, status, kind, code) {
  expectStatus(res, status, `check-in (${kind})`);
  const c = res.json;
  assert.deepEqual(Object.keys(c).sort(), ['at', 'building', 'id', 'kind', 'repeated']);
  assert.ok(Number.isSafeInteger(c.id) && c.id > 0);
  assert.equal(c.kind, kind);
  assert.equal(c.repeated, status === 200);
  assert.match(c.at, RFC3339);
  assert.equal(c.building.id, unitsMap.get(code).id);
  assert.equal(c.building.name, unitsMap.get(code).name);
  return c;
}

let unitsMap;
before(async () => {
  unitsMap = await units();
});

describe('residents', () => {
  test('anonymous 401; a body without a token 422; not JSON 415', async () => {
    const tok = await currentToken('B007');
    expectError(await request('POST', CHECKINS, { json: { token: tok } }), 401, 'unauthorized');
    const r = await resident();
    expectInvalid(await api('POST', CHECKINS, r, { json: {} }), ['token']);
    expectInvalid(await api('POST', CHECKINS, r, { json: { token: tok, building_id: 1 } }), ['building_id']);
    expectInvalid(await api('POST', CHECKINS, r, { json: { token: 7 } }), ['token']);
    expectError(await api('POST', CHECKINS, r, { body: `{"token":"${tok}"}` }), 415, 'unsupported_media_type');
    assert.deepEqual(rowsOf(r.user.id), []);
  });

  // The check-in's read brings the caller (HZ_CALLER_IN_READ): the
  // caller's standing still comes before anything about the body or the
  // code, as on every route.
  test('a session ended, an account disabled, a temporary password: refused first, whatever the body', async () => {
    const tok = await currentToken('B007');
    const bodies = [{ token: tok }, {}, { token: 7 }, { token: 'garbage' }];
    const ended = await resident();
    sql(`UPDATE sessions SET revoked_at = NOW(3) WHERE user_id = ${Number(ended.user.id)}`);
    const off = await resident();
    sql(`UPDATE users SET disabled = 1 WHERE id = ${Number(off.user.id)}`);
    for (const json of bodies) {
      expectError(await api('POST', CHECKINS, ended, { json }), 401, 'token_invalid');
      expectError(await api('POST', CHECKINS, off, { json }), 401, 'token_invalid');
    }
    expectError(await api('POST', CHECKINS, ended, { body: '{"token":' }), 401, 'token_invalid');
    expectError(await api('POST', CHECKINS, off, { body: `{"token":"${tok}"}` }), 401, 'token_invalid');
    // Set by an admin's reset, for staff; a fresh account of our own here
    // (the shared staff logins serve other files at the same time).
    const temp = await resident();
    sql(`UPDATE users SET must_change_password = 1 WHERE id = ${Number(temp.user.id)}`);
    for (const json of bodies) {
      expectError(await api('POST', CHECKINS, temp, { json }), 403, 'password_change_required');
    }
    assert.deepEqual([...rowsOf(ended.user.id), ...rowsOf(off.user.id), ...rowsOf(temp.user.id)], []);
    // Every check-in answered so far had its caller admitted.
    assert.doesNotMatch(readLog(), /caller never admitted/);
  });

  test('no registration, a pending one, or one elsewhere: 403 register_first', async () => {
    const tok = await currentToken('B007');
    const nobody = await resident();
    expectError(await checkin(nobody, tok), 403, 'register_first');
    const pending = await residentIn('B007');
    expectError(await checkin(pending.who, tok), 403, 'register_first');
    const elsewhere = await residentIn('B008', { approve: true });
    expectError(await checkin(elsewhere.who, tok), 403, 'register_first');
    for (const w of [nobody, pending.who, elsewhere.who]) assert.deepEqual(rowsOf(w.user.id), []);
    const t = expectStatus(await api('GET', `${TENANCIES}/${pending.tenancy.id}`, pending.who), 200);
    assert.equal(t.last_verified_at, null, 'a refused check-in verifies nothing');
  });

  test('after approval: 201 residence, a repeat is 200 with the same id, last_verified_at is set', async () => {
    const { who, tenancy } = await residentIn('B007');
    const tok = await currentToken('B007');
    expectError(await checkin(who, tok), 403, 'register_first');
    expectStatus(await decide('leader1', tenancy.id, 'approve'), 200);
    const first = expectCheckin(await checkin(who, tok), 201, 'residence', 'B007');
    const t = expectStatus(await api('GET', `${TENANCIES}/${tenancy.id}`, who), 200);
    assert.match(t.last_verified_at, RFC3339, 'last_verified_at set');
    const again = expectCheckin(await checkin(who, tok), 200, 'residence', 'B007');
    assert.equal(again.id, first.id);
    assert.equal(again.at, first.at);
    assert.deepEqual(rowsOf(who.user.id), [{ id: first.id, building: unitsMap.get('B007').id, kind: 'residence' }]);

    // Eleven minutes later it counts again.
    ageCheckin(first.id, 11);
    sql(`UPDATE tenancies SET last_verified_at = last_verified_at - INTERVAL 11 MINUTE WHERE id = ${tenancy.id}`);
    const before = expectStatus(await api('GET', `${TENANCIES}/${tenancy.id}`, who), 200).last_verified_at;
    const later = expectCheckin(await checkin(who, tok), 201, 'residence', 'B007');
    assert.ok(later.id > first.id);
    const after = expectStatus(await api('GET', `${TENANCIES}/${tenancy.id}`, who), 200).last_verified_at;
    assert.ok(Date.parse(after) > Date.parse(before), `last_verified_at moves on (${before} → ${after})`);
    assert.equal(rowsOf(who.user.id).length, 2);
  });

  test('check-ins at once: one 201, the rest 200 with the same id, one row; the slot conflict is met', async (t) => {
    // Two per worker, released together (burst): the workers look for a
    // recent check-in and insert at the same moment, and all but one insert
    // must meet the slot's unique key and answer with the winner's row
    // (core/checkins.c). A used-up AUTO_INCREMENT value shows a round got
    // there; rounds (each in a new slot) go on, bounded, until two have.
    const { who } = await residentIn('B011', { approve: true });
    const tok = await currentToken('B011');
    const n = 2 * execdWorkers(masterPid()).length;
    assert.ok(n >= 4, `${n / 2} workers`);
    let contested = 0;
    let rounds = 0;
    for (; rounds < 40 && contested < 2; rounds++) {
      const before = nextAutoIncrement('checkins');
      const answers = await burst(n, 'POST', CHECKINS, {
        json: { token: tok }, headers: { authorization: `Bearer ${who.access_token}` },
      });
      assert.deepEqual(answers.map((a) => a.status).sort(), [...Array(n - 1).fill(200), 201],
        answers.map(describeRes).join('\n'));
      const ids = new Set(answers.map((a) => a.json.id));
      assert.equal(ids.size, 1, 'the same check-in');
      const rows = rowsOf(who.user.id);
      assert.equal(rows.length, rounds + 1, 'one row per round');
      assert.equal(rows.at(-1).id, [...ids][0]);
      if (nextAutoIncrement('checkins') - before > 1) contested++;
      // The next round starts a new slot; each round's row is moved back
      // 11 minutes further than the last one's, so that no two share one.
      ageCheckin([...ids][0], 11 * (rounds + 1));
    }
    t.diagnostic(`inserts met in ${contested} of ${rounds} rounds`);
    assert.equal(contested, 2, `two inserts met in ${contested} of ${rounds} rounds`);
  });

  test('after moving out, or with a replaced code, no check-in', async () => {
    const { who, tenancy } = await residentIn('B019', { approve: true });
    const old = await currentToken('B019');
    expectCheckin(await checkin(who, old), 201, 'residence', 'B019');
    const p = await rotate('B019');
    expectQrRefused(await checkin(who, old), true);
    expectCheckin(await checkin(who, p.token), 200, 'residence', 'B019');
    for (const t of oneCharVariants(p.token, 1)) expectQrRefused(await checkin(who, t));
    expectQrRefused(await checkin(who, `${p.token.slice(0, -1)}`));
    expectStatus(await decide(who, tenancy.id, 'end', {}), 200);
    expectError(await checkin(who, p.token), 403, 'register_first');
    // A new registration elsewhere does not make this building home.
    await registerOk(who, await currentToken('B020'));
    expectError(await checkin(who, p.token), 403, 'register_first');
    assert.equal(rowsOf(who.user.id).length, 1);
  });
});

describe('staff patrol', () => {
  test('staff reading the building: 201 patrol, then 200 repeated; other buildings count apart', async () => {
    for (const [who, code] of [['head1', 'B001'], ['leader1', 'B008'], ['cadre1', 'B020'], ['admin', 'B028']]) {
      const s = await staff(who);
      const tok = await currentToken(code);
      const first = expectCheckin(await checkin(s, tok), 201, 'patrol', code);
      const again = expectCheckin(await checkin(s, tok), 200, 'patrol', code);
      assert.equal(again.id, first.id);
      const rows = rowsOf(s.user.id).filter((r) => r.building === unitsMap.get(code).id);
      assert.deepEqual(rows.at(-1), { id: first.id, building: unitsMap.get(code).id, kind: 'patrol' });
    }
    const head1 = await staff('head1');
    const b2 = expectCheckin(await checkin(head1, await currentToken('B002')), 201, 'patrol', 'B002');
    const b4 = expectCheckin(await checkin(head1, await currentToken('B004')), 201, 'patrol', 'B004');
    assert.notEqual(b2.id, b4.id);
  });

  test('a patrol verifies nobody: last_verified_at of the residents is untouched', async () => {
    const { who, tenancy } = await residentIn('B023', { approve: true });
    expectCheckin(await checkin(await staff('admin'), await currentToken('B023')), 201, 'patrol', 'B023');
    assert.equal(expectStatus(await api('GET', `${TENANCIES}/${tenancy.id}`, who), 200).last_verified_at, null);
  });

  // A schema change copying the table (sql/0024 rebuilt tenancies that
  // way, writes waiting throughout) holds a metadata lock that writes wait
  // for. The connections' lock_wait_timeout (2 s, as innodb's) ends that
  // wait in the server: 503 busy, the connection kept. Without it the
  // wait was the server's default (a day), cut by the client's read
  // timeout (db_read_timeout, 5 s): 503 db_unavailable, the connection
  // dropped.
  test('a table locked by a schema change: 503 busy after the 2 s lock wait, nothing inserted', async () => {
    const s = await staff('admin');
    const tok = await currentToken('B011');
    const building = unitsMap.get('B011').id;
    const before = rowsOf(s.user.id).filter((r) => r.building === building).length;
    const lock = rootSession();
    await lock.hold('FLUSH TABLES checkins WITH READ LOCK');
    let res;
    const t0 = Date.now();
    try {
      res = await checkin(s, tok);
    } finally {
      await lock.end();
    }
    const waited = Date.now() - t0;
    expectError(res, 503, 'busy');
    assert.ok(waited >= 1500 && waited < 4500, `answered after ${waited} ms: the lock wait's 2 s, not the read timeout's 5`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rowsOf(s.user.id).filter((r) => r.building === building).length, before, 'no insert after the answer');
    expectCheckin(await checkin(s, tok), 201, 'patrol', 'B011');
  });

  // The same lock on tenancies (what sql/0024's copy held for 31 s at a
  // million): a resident's check-in writes the verified time there in its
  // transaction, which is tried four times, each after the 2 s wait: 503
  // busy after about 8 s, its check-in rolled back each time. A patrol
  // writes no tenancy and goes on meanwhile.
  test('tenancies locked: a resident is answered 503 busy after four tries, a patrol at once', async () => {
    const { who } = await residentIn('B024', { approve: true });
    const s = await staff('admin');
    const tok = await currentToken('B024');
    const lock = rootSession();
    await lock.hold('FLUSH TABLES tenancies WITH READ LOCK');
    let res;
    let waited;
    try {
      const t0 = Date.now();
      const resident = checkin(who, tok);
      expectCheckin(await checkin(s, tok), 201, 'patrol', 'B024');
      assert.ok(Date.now() - t0 < 1500, 'the patrol did not wait');
      res = await resident;
      waited = Date.now() - t0;
    } finally {
      await lock.end();
    }
    expectError(res, 503, 'busy');
    assert.ok(waited >= 7000 && waited < 12_000, `answered after ${waited} ms: four waits of 2 s`);
    assert.deepEqual(rowsOf(who.user.id), []);
    expectCheckin(await checkin(who, tok), 201, 'residence', 'B024');
  });

  test('outside their scope: 403 not_your_building, nothing recorded', async () => {
    for (const [who, code] of [['head1', 'B005'], ['head1', 'B024'], ['leader1', 'B011'], ['cadre1', 'B024'], ['station1', 'B007']]) {
      const s = await staff(who);
      const n = rowsOf(s.user.id).length;
      expectError(await checkin(s, await currentToken(code)), 403, 'not_your_building');
      assert.equal(rowsOf(s.user.id).length, n, `${who} at ${code}`);
    }
  });
});

// core/checkins.c reads the building, the caller's tenancy and their latest
// check-in there in one statement, then inserts: every refusal and the
// repeat must come out of that read as they did from the separate ones.
describe('one read, then the insert', () => {
  // Moves a check-in back to `seconds` ago and its slot far from now's, so
  // that only the read of the last 10 minutes can find it (the slot's
  // unique key cannot).
  const backdate = (id, seconds) => sql(`${UTC} UPDATE checkins SET at = NOW(3) - INTERVAL ${Number(seconds)} SECOND,
    slot = FLOOR(UNIX_TIMESTAMP(NOW(3)) / 600) - 5 WHERE id = ${Number(id)}`);
  const verifiedOf = async (who, id) => expectStatus(await api('GET', `${TENANCIES}/${id}`, who), 200).last_verified_at;

  test('patrol: 9 minutes back (another slot) is the same check-in, 10½ minutes back a new one', async () => {
    const s = await staff('admin');
    const tok = await currentToken('B007');
    const first = expectCheckin(await checkin(s, tok), 201, 'patrol', 'B007');
    backdate(first.id, 9 * 60);
    const again = expectCheckin(await checkin(s, tok), 200, 'patrol', 'B007');
    assert.equal(again.id, first.id);
    backdate(first.id, 10 * 60 + 30);
    const later = expectCheckin(await checkin(s, tok), 201, 'patrol', 'B007');
    assert.ok(later.id > first.id);
    assert.deepEqual(rowsOf(s.user.id).filter((r) => r.building === unitsMap.get('B007').id).map((r) => r.id),
      [first.id, later.id]);
  });

  test('residence: the repeat leaves last_verified_at alone; a new check-in sets it with the row', async () => {
    const { who, tenancy } = await residentIn('B028', { approve: true });
    const tok = await currentToken('B028');
    const first = expectCheckin(await checkin(who, tok), 201, 'residence', 'B028');
    const v1 = await verifiedOf(who, tenancy.id);
    assert.ok(Math.abs(Date.parse(v1) - Date.parse(first.at)) < 5000, `${v1} beside ${first.at}`);
    sql(`UPDATE tenancies SET last_verified_at = last_verified_at - INTERVAL 9 MINUTE WHERE id = ${tenancy.id}`);
    backdate(first.id, 9 * 60);
    const v2 = await verifiedOf(who, tenancy.id);
    const again = expectCheckin(await checkin(who, tok), 200, 'residence', 'B028');
    assert.equal(again.id, first.id);
    assert.equal(await verifiedOf(who, tenancy.id), v2, 'a repeat verifies nothing new');
    backdate(first.id, 10 * 60 + 30);
    const later = expectCheckin(await checkin(who, tok), 201, 'residence', 'B028');
    const v3 = await verifiedOf(who, tenancy.id);
    assert.ok(Date.parse(v3) > Date.parse(v2) && Math.abs(Date.parse(v3) - Date.parse(later.at)) < 5000,
      `${v2} → ${v3} beside ${later.at}`);
  });

  test('patrol with a replaced code: 410 qr_expired, nothing recorded; the new code works', async () => {
    const s = await staff('admin');
    const old = await currentToken('B019');
    const n = rowsOf(s.user.id).length;
    const p = await rotate('B019');
    expectQrRefused(await checkin(s, old), true);
    assert.equal(rowsOf(s.user.id).length, n);
    expectCheckin(await checkin(s, p.token), 201, 'patrol', 'B019');
  });

  test('a resident refused here whatever their tenancy says: pending, ended, rejected, elsewhere', async () => {
    const tok = await currentToken('B024');
    const pending = await residentIn('B024');
    expectError(await checkin(pending.who, tok), 403, 'register_first');
    const ended = await residentIn('B024', { approve: true });
    expectCheckin(await checkin(ended.who, tok), 201, 'residence', 'B024');
    expectStatus(await decide(ended.who, ended.tenancy.id, 'end', {}), 200);
    expectError(await checkin(ended.who, tok), 403, 'register_first'); // not even a repeat
    const rejected = await residentIn('B024');
    // Rejected behind core's back: its per-building counter (sql/0014)
    // kept in step, as core keeps it, for the counts other suites read.
    sql(`UPDATE tenancies SET status = 'rejected' WHERE id = ${Number(rejected.tenancy.id)}`);
    sql(`UPDATE building_renters SET pending = pending - 1 WHERE building_id = (SELECT building_id FROM tenancies WHERE id = ${Number(rejected.tenancy.id)})`);
    expectError(await checkin(rejected.who, tok), 403, 'register_first');
    const elsewhere = await residentIn('B023', { approve: true });
    expectError(await checkin(elsewhere.who, tok), 403, 'register_first');
    for (const w of [pending.who, rejected.who, elsewhere.who]) assert.deepEqual(rowsOf(w.user.id), []);
    assert.equal(rowsOf(ended.who.user.id).length, 1);
  });
});

describe('huzu purge', () => {
  test('deletes check-ins older than checkin_retention_days (180), keeps the rest', async () => {
    const { who } = await residentIn('B024', { approve: true });
    const b = await uid('B024');
    const u = who.user.id;
    for (const days of [200, 181, 179, 1]) oldCheckin(u, b, days);
    const recent = expectCheckin(await checkin(who, await currentToken('B024')), 201, 'residence', 'B024');
    const ages = () => sql(`${UTC} SELECT DATEDIFF(NOW(), at) FROM checkins WHERE user_id = ${u} ORDER BY at`).map(([d]) => Number(d));
    assert.deepEqual(ages(), [200, 181, 179, 1, 0]);
    const [[old]] = sql(`${UTC} SELECT COUNT(*) FROM checkins WHERE at < NOW(3) - INTERVAL 180 DAY`);
    assert.ok(Number(old) >= 2);
    const total = Number(sql('SELECT COUNT(*) FROM checkins')[0][0]);

    const purge = () => execFileSync(bin, ['purge', '-c', configPath], {
      encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = purge();
    const m = /purged (\d+) check-in\(s\)/.exec(out);
    assert.ok(m, `purge output: ${out}`);
    assert.equal(Number(m[1]), Number(old), 'it says how many it deleted');
    assert.deepEqual(ages(), [179, 1, 0], 'the 200- and 181-day-old ones are gone');
    assert.equal(Number(sql('SELECT COUNT(*) FROM checkins')[0][0]), total - Number(old));
    assert.equal(sql(`${UTC} SELECT COUNT(*) FROM checkins WHERE at < NOW(3) - INTERVAL 180 DAY`)[0][0], '0');
    assert.ok(rowsOf(u).some((r) => r.id === recent.id));
    // Nothing left to do the second time; the repeat window still works.
    assert.match(purge(), /purged 0 check-in\(s\)/);
    expectCheckin(await checkin(who, await currentToken('B024')), 200, 'residence', 'B024');
  });
});
