// Idempotency-Key through nginx, on POST /api/v1/tenancies (DESIGN.md:
// per user; same key and same body → the first answer; same key, other
// body → 422; still running → 409; kept ≥ 24 h): a retry storm makes one
// registration, replays are byte for byte, 4xx answers are kept and 5xx
// ones are not, keys are per user, a dead worker's claim is taken over,
// a write that committed but whose answer was lost is never run twice,
// and routes that did not opt in ignore the header.
//
// Buildings: B032–B034, B036–B038 (no other suite uses them). A trigger on
// tenancies, made and dropped by this file, slows down or breaks the
// insert of rooms named IDEM-SLOW and IDEM-FAIL.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  api, burst, describeRes, execdWorkers, expectError, expectInvalid, expectStatus, masterPid, readLog, request,
  staff, waitFor,
} from './lib.mjs';
import { readSecrets, sql, sqlStr } from './identity-lib.mjs';
import {
  TENANCIES, blake2b, currentToken, expectTokenRefusedByRegistration, oneCharVariants, regBody, resident,
  residentIn, tenancyRows, uid,
} from './tenancy-lib.mjs';

const KEY = 'Idempotency-Key';
const REPLAYED = 'idempotent-replayed';
let serial = 0;
const freshKey = () => `t-${process.pid}-${Date.now()}-${++serial}`;

// POST /tenancies as `who` with `body` under `key`.
const post = (who, body, key) => api('POST', TENANCIES, who, { json: body, headers: key === undefined ? {} : { [KEY]: key } });

const keyRows = (userId) => sql(`SELECT HEX(key_hash), state, status FROM idempotency_keys
  WHERE user_id = ${Number(userId)}`).map(([hash, state, status]) => ({ hash, state, status: status && Number(status) }));

function expectOriginal(res, status) {
  expectStatus(res, status, 'the first answer');
  assert.equal(res.headers.get(REPLAYED), null, 'the first answer is no replay');
}

// The stored answer again: same status, same bytes, marked as a replay.
function expectReplay(res, first) {
  assert.equal(res.status, first.status, `a replay: ${describeRes(res)}`);
  assert.equal(res.headers.get(REPLAYED), 'true', 'Idempotent-Replayed: true');
  assert.equal(res.text, first.text, 'the replay is the first answer byte for byte');
  assert.match(res.headers.get('content-type') || '', /^application\/json; ?charset=utf-8$/i);
}

// A trigger that makes the insert of a room named IDEM-SLOW take 1.5 s
// and fails the insert of IDEM-FAIL (a scalar subquery of two rows: a
// database error, so a 500). One statement, so that sql() can send it.
let trigger = false;
function makeTrigger() {
  if (trigger) return;
  sql(`CREATE TRIGGER idem_test BEFORE INSERT ON tenancies FOR EACH ROW SET NEW.room = CASE
    WHEN NEW.room = 'IDEM-SLOW' THEN IF(SLEEP(1.5) = 0, NEW.room, NEW.room)
    WHEN NEW.room = 'IDEM-FAIL' THEN (SELECT 'a' UNION SELECT 'b') ELSE NEW.room END`);
  trigger = true;
}
function dropTrigger() {
  sql('DROP TRIGGER IF EXISTS idem_test');
  trigger = false;
}
after(dropTrigger);

describe('the first answer is kept', () => {
  test('a retry after completion gets the same registration, byte for byte; the key is stored hashed', async () => {
    const r = await resident();
    const body = regBody(await currentToken('B032'));
    const key = freshKey();
    const first = await post(r, body, key);
    expectOriginal(first, 201);
    for (let i = 0; i < 2; i++) {
      const again = await post(r, body, key);
      expectReplay(again, first);
      assert.equal(again.json.id, first.json.id);
      // Written once the answer has gone: waited for.
      const rid = again.headers.get('x-request-id');
      const line = await waitFor('the replay\'s log line', 5000,
        () => readLog().split('\n').find((l) => l.includes(`rid=${rid}`)));
      assert.match(line, /route=\/api\/v1\/tenancies status=201 .* idem=replay$/, 'the log line says it');
    }
    assert.equal(tenancyRows(r.user.id).length, 1, 'one registration');
    // Only a keyed hash of the key is stored (core/idempotency.c).
    const index = Buffer.from(readSecrets().index_key, 'hex');
    const hash = blake2b(Buffer.concat([Buffer.from('idempotency_key\0'), Buffer.from(key)]), index, 32);
    assert.deepEqual(keyRows(r.user.id), [{ hash: hash.toString('hex').toUpperCase(), state: 'done', status: 201 }]);
    const [[raw]] = sql(`SELECT COUNT(*) FROM idempotency_keys WHERE user_id = ${r.user.id}
      AND (INSTR(key_hash, ${sqlStr(key)}) OR INSTR(body, ${sqlStr(key)}))`);
    assert.equal(raw, '0', 'the raw key is nowhere in the row');
    // Without the header the route is as before: a second registration
    // is refused by the registration's own rule.
    expectError(await post(r, regBody(await currentToken('B032'))), 409, 'already_registered');
  });

  test('a retry storm (20 at once, one key) makes exactly one registration', async (t) => {
    const r = await resident();
    const body = regBody(await currentToken('B033'));
    const key = freshKey();
    const answers = await burst(20, 'POST', TENANCIES, {
      json: body, headers: { authorization: `Bearer ${r.access_token}`, [KEY]: key },
    });
    const created = answers.filter((a) => a.status === 201);
    const waiting = answers.filter((a) => a.status === 409);
    assert.equal(created.length + waiting.length, 20,
      `only 201 or 409: ${answers.map((a) => `${a.status} ${a.text.slice(0, 80)}`).join(' | ')}`);
    const originals = created.filter((a) => a.headers.get(REPLAYED) === null);
    t.diagnostic(`${created.length} × 201 (${created.length - originals.length} replayed), ${waiting.length} × 409`);
    assert.equal(originals.length, 1, 'one request ran the registration');
    for (const a of created) {
      assert.equal(a.text, originals[0].text, 'every 201 carries the same body');
      if (a !== originals[0]) assert.equal(a.headers.get(REPLAYED), 'true');
    }
    for (const a of waiting) {
      assert.equal(a.json.error.code, 'idempotency_in_progress', a.text);
      assert.equal(a.headers.get('retry-after'), '1');
    }
    const rows = tenancyRows(r.user.id);
    assert.equal(rows.length, 1, 'exactly one tenancy in the database');
    assert.equal(rows[0].id, originals[0].json.id);
    // And after the storm, a retry is the replay.
    const again = await post(r, body, key);
    assert.equal(again.headers.get(REPLAYED), 'true');
    assert.equal(again.text, originals[0].text);
  });

  test('a refusal by the registration (4xx) is kept and replayed too', async () => {
    const r = await resident();
    const bad = oneCharVariants(await currentToken('B034'), 1)[3];
    const body = regBody(bad);
    const key = freshKey();
    const first = await post(r, body, key);
    expectTokenRefusedByRegistration(first);
    assert.equal(first.headers.get(REPLAYED), null);
    const again = await post(r, body, key);
    expectReplay(again, first);
    assert.deepEqual(keyRows(r.user.id).map((k) => [k.state, k.status]), [['done', 422]]);
    assert.equal(tenancyRows(r.user.id).length, 0);
  });

  test('a body the front refuses claims nothing: the corrected form runs under the same key', async () => {
    const r = await resident();
    const body = regBody(await currentToken('B034'));
    const key = freshKey();
    const { name, ...noName } = body;
    assert.ok(name);
    expectInvalid(await post(r, noName, key), ['name']);
    assert.deepEqual(keyRows(r.user.id), []);
    expectOriginal(await post(r, body, key), 201);
  });
});

describe('what a key refuses', () => {
  test('the same key with another body: 422 idempotency_key_reused, nothing written', async () => {
    const r = await resident();
    const token = await currentToken('B036');
    const body = regBody(token);
    const key = freshKey();
    const first = await post(r, body, key);
    expectOriginal(first, 201);
    const e = expectError(await post(r, { ...body, room: '909' }, key), 422, 'idempotency_key_reused');
    assert.deepEqual(Object.keys(e.fields), [KEY]);
    expectError(await post(r, regBody(token), key), 422, 'idempotency_key_reused');
    assert.equal(tenancyRows(r.user.id).length, 1);
    // The kept answer is untouched.
    expectReplay(await post(r, body, key), first);
  });

  test('a malformed key: 422 on the field Idempotency-Key, before anything runs', async () => {
    const r = await resident();
    const token = await currentToken('B036');
    for (const key of ['has space', 'x'.repeat(65), 'tab\there']) {
      const e = expectInvalid(await post(r, regBody(token), key), [KEY]);
      assert.match(e.fields[KEY], /64/, 'the message says what a key is');
    }
    // Not ASCII (sent raw: fetch refuses such header values).
    const [res] = await burst(1, 'POST', TENANCIES, {
      json: regBody(token), headers: { authorization: `Bearer ${r.access_token}`, [KEY]: '幂等键' },
    });
    assert.equal(res.status, 422, res.text);
    assert.deepEqual(Object.keys(res.json.error.fields), [KEY]);
    // 64 visible characters are fine.
    expectOriginal(await post(r, regBody(token), `${'~'.repeat(32)}${'!'.repeat(32)}`), 201);
    assert.equal(tenancyRows(r.user.id).length, 1);
  });

  test('keys are per user: the same key from another resident is a key of its own', async () => {
    const [r1, r2] = [await resident(), await resident()];
    const token = await currentToken('B037');
    const key = freshKey();
    const a = await post(r1, regBody(token), key);
    const b = await post(r2, regBody(token), key);
    expectOriginal(a, 201);
    expectOriginal(b, 201);
    assert.notEqual(a.json.id, b.json.id);
    assert.equal(tenancyRows(r1.user.id).length, 1);
    assert.equal(tenancyRows(r2.user.id).length, 1);
  });

  test('while the first is still running: 409 idempotency_in_progress, Retry-After: 1', async () => {
    makeTrigger();
    const r = await resident();
    const body = regBody(await currentToken('B037'), { room: 'IDEM-SLOW' });
    const key = freshKey();
    const slow = post(r, body, key);
    await waitFor('the claim', 5000, () => keyRows(r.user.id).length === 1);
    const busy = await post(r, body, key);
    expectError(busy, 409, 'idempotency_in_progress');
    assert.equal(busy.headers.get('retry-after'), '1');
    // Another body is refused as such even while the first runs.
    expectError(await post(r, { ...body, room: '808' }, key), 422, 'idempotency_key_reused');
    const first = await slow;
    expectOriginal(first, 201);
    expectReplay(await post(r, body, key), first);
    assert.equal(tenancyRows(r.user.id).length, 1);
  });
});

describe('what is not kept', () => {
  test('a 5xx is not stored: the retry runs again', async () => {
    makeTrigger();
    const r = await resident();
    const body = regBody(await currentToken('B038'), { room: 'IDEM-FAIL' });
    const key = freshKey();
    const failed = await post(r, body, key);
    expectError(failed, 500, 'internal');
    assert.deepEqual(keyRows(r.user.id), [], 'the key was let go');
    dropTrigger();
    const retry = await post(r, body, key);
    expectOriginal(retry, 201);
    assert.equal(tenancyRows(r.user.id).length, 1);
  });

  test('a worker that died holding a key: 409 for a minute, then the retry takes it over', async () => {
    makeTrigger();
    const r = await resident();
    const body = regBody(await currentToken('B038'), { room: 'IDEM-SLOW' });
    const key = freshKey();
    const master = masterPid();
    const doomed = post(r, body, key);
    await waitFor('the claim', 5000, () => keyRows(r.user.id).length === 1);
    // Frozen first, killed once the insert has ended and the server waits
    // for the worker's next statement: MariaDB 10.11 rolls a dead client's
    // transaction back at once when it finds the connection gone while
    // reading, but a client killed while the server was still executing
    // (here, the trigger's SLEEP) left its transaction, with a row lock,
    // in INNODB_TRX for 14 to 110 s after logging the connection aborted
    // (4 of 8 runs), long enough for the claim to expire meanwhile.
    const before = execdWorkers(master);
    for (const pid of before) process.kill(pid, 'SIGSTOP');
    await waitFor('the slow insert to end', 10000, () => sql(`SELECT COUNT(*)
      FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()
        AND INFO LIKE '%INSERT INTO tenancies%'`)[0][0] === '0');
    for (const pid of before) process.kill(pid, 'SIGKILL');
    // nginx lost the worker: its 502, shown as the 503 envelope.
    const lost = await doomed;
    assert.equal(lost.status, 503, describeRes(lost));
    assert.equal(lost.json.error.code, 'unavailable');
    await waitFor('new workers', 10000, async () => {
      const now = execdWorkers(master);
      return now.length === before.length && now.every((p) => !before.includes(p))
        && (await request('GET', '/api/v1/health')).status === 200;
    });
    // The insert of the dead worker's transaction must be rolled back
    // before the retry inserts.
    await waitFor('the dead transaction to end', 30000, () => sql(`SELECT
      (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()
        AND INFO LIKE '%INSERT INTO tenancies%')
      + (SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id <> CONNECTION_ID())`)[0][0] === '0');
    dropTrigger();
    assert.deepEqual(keyRows(r.user.id).map((k) => k.state), ['running']);
    expectError(await post(r, body, key), 409, 'idempotency_in_progress');
    sql(`UPDATE idempotency_keys SET claimed_at = claimed_at - INTERVAL 61 SECOND WHERE user_id = ${r.user.id}`);
    const taken = await post(r, body, key);
    expectOriginal(taken, 201);
    expectReplay(await post(r, body, key), taken);
    assert.equal(tenancyRows(r.user.id).length, 1);
  });
});

describe('a write committed, its answer lost', () => {
  // A COMMIT whose answer never came (1180, a lost connection: the 503
  // db_unavailable), or a worker that died between its COMMIT and
  // storing the answer, leaves the claim running. The request's
  // transaction marked it (commits) as it committed, so a retry never
  // writes again: 409 while the claim is fresh, then 409
  // idempotency_key_applied. tests/unit/test_idempotency_commit.c makes
  // the COMMIT itself fail; here the row is put in that state by hand.
  test('the retry is told it was done, and nothing is written twice', async () => {
    const r = await resident();
    const body = regBody(await currentToken('B036'), { room: 'IDEM-LOST' });
    const key = freshKey();
    const first = await post(r, body, key);
    expectOriginal(first, 201);
    const commits = () => sql(`SELECT commits FROM idempotency_keys WHERE user_id = ${Number(r.user.id)}`)
      .map(([n]) => Number(n));
    assert.deepEqual(commits(), [1], 'the registration marked its claim as it committed');
    sql(`UPDATE idempotency_keys SET state = 'running', status = NULL, content_type = NULL, headers = NULL,
      body = NULL WHERE user_id = ${Number(r.user.id)}`);
    expectError(await post(r, body, key), 409, 'idempotency_in_progress');
    sql(`UPDATE idempotency_keys SET claimed_at = claimed_at - INTERVAL 61 SECOND WHERE user_id = ${Number(r.user.id)}`);
    for (let i = 0; i < 2; i++) {
      const again = await post(r, body, key);
      expectError(again, 409, 'idempotency_key_applied');
      assert.match(again.json.error.message, /已经完成/);
    }
    assert.deepEqual(commits(), [1]);
    assert.equal(tenancyRows(r.user.id).length, 1, 'one registration');
  });
});

describe('routes whose rerun is harmless (HZ_IDEM_RERUN_SAFE)', () => {
  // A complaint filing remembers its key, and an approval of one that
  // is approved is state_conflict: neither marks its claim, so a retry
  // after a lost answer runs again and finds what the first did, rather
  // than being told 409 idempotency_key_applied.
  const commitsOf = (userId, key) => {
    const index = Buffer.from(readSecrets().index_key, 'hex');
    const hash = blake2b(Buffer.concat([Buffer.from('idempotency_key\0'), Buffer.from(key)]), index, 32);
    return sql(`SELECT state, commits FROM idempotency_keys WHERE user_id = ${Number(userId)}
      AND key_hash = UNHEX('${hash.toString('hex')}')`).map(([state, n]) => ({ state, commits: Number(n) }));
  };

  test('a complaint filing and an approve-batch leave their claims unmarked; a registration marks its', async () => {
    const r = await resident();
    const key = freshKey();
    const filed = await api('POST', '/api/v1/complaints', r, {
      json: { category: 'repair', text: '楼道灯坏了很久了', building: await uid('B037') }, headers: { [KEY]: key },
    });
    expectOriginal(filed, 201);
    assert.deepEqual(commitsOf(r.user.id, key), [{ state: 'done', commits: 0 }], 'the filing did not mark its claim');

    const admin = await staff('admin');
    const t = await residentIn('B037');
    const bkey = freshKey();
    const approved = await api('POST', `${TENANCIES}/approve-batch`, admin, {
      json: { ids: [t.tenancy.id] }, headers: { [KEY]: bkey },
    });
    assert.deepEqual(expectStatus(approved, 200).items, [{ id: t.tenancy.id, status: 'active' }]);
    const adminId = (await api('GET', '/api/v1/me', admin)).json.user.id;
    assert.deepEqual(commitsOf(adminId, bkey), [{ state: 'done', commits: 0 }], 'the batch did not mark its claim');

    const r2 = await resident();
    const rkey = freshKey();
    const reg = await post(r2, regBody(await currentToken('B037')), rkey);
    expectOriginal(reg, 201);
    assert.deepEqual(commitsOf(r2.user.id, rkey), [{ state: 'done', commits: 1 }],
      'a registration marks its claim');
  });
});

describe('routes that did not opt in', () => {
  test('ignore the header, even a malformed one', async () => {
    const r = await resident();
    for (const key of ['not a valid key', freshKey()]) {
      const res = await api('GET', '/api/v1/me', r, { headers: { [KEY]: key } });
      expectStatus(res, 200);
      assert.equal(res.headers.get(REPLAYED), null);
    }
    assert.deepEqual(keyRows(r.user.id), []);
  });
});
