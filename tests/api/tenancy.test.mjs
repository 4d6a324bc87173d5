// Residence registration (居住登记) through nginx: registering from a
// building code, field and ID-number validation (GB 11643), one open
// registration per person and per document (also when five arrive at
// once), who may approve, reject and end, the roster, the counts, the
// CSV export, the audited ID reveal, and masking everywhere else.
//
// Buildings: B001/B002/B004 (head1's), B005, B007–B010 (leader1's group),
// B012–B018 (cadre1's cooperative), B025–B027 (outside all three). Never
// B003: the browser tests use it.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import {
  request, expectError, expectInvalid, readLog, api, describeRes, expectStatus, freshPhone, staff,
} from './lib.mjs';
import { auditRows, listAll, sql, sqlStr } from './identity-lib.mjs';
import {
  BUILDINGS, SCAN, TENANCIES, UNITS, currentToken, decide, freshId, idCheckChar, isoDay, maskId, maskPhone,
  regBody, register, registerOk, resident, residentIn, tenancyRows, uid, units, withCheck, wrongCheck,
} from './tenancy-lib.mjs';

const TENANCY_KEYS = ['building', 'created_at', 'decided_at', 'employer', 'end_reason', 'ended_at', 'erased_at', 'id', 'id_number',
  'id_type', 'last_verified_at', 'members', 'move_in', 'name', 'overdue', 'phone', 'reason', 'reject_reason', 'room',
  'status'];
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/;

const get = (who, id) => api('GET', `${TENANCIES}/${id}`, who);
const reveal = (who, id) => api('GET', `${TENANCIES}/${id}/id-number`, who);

let admin;
before(async () => {
  admin = await staff('admin');
  await units();
});

describe('registering', () => {
  test('a resident registers from the code: 201 pending in that building, masked, stored sealed, audited', async () => {
    const r = await resident();
    const b = await uid('B001');
    const body = regBody(await currentToken('B001'), {
      name: '王小明', room: '205', reason: 'family', members: [{ name: '王小红', relation: '配偶' }, { name: '王小宝', relation: '子女' }],
    });
    const res = await register(r, body);
    expectStatus(res, 201);
    const t = res.json;
    assert.deepEqual(Object.keys(t).sort(), TENANCY_KEYS);
    assert.ok(Number.isSafeInteger(t.id) && t.id > 0);
    const u = (await units()).get('B001');
    assert.deepEqual(t.building, { id: b, name: u.name, lane: u.building.lane, door_no: u.building.door_no });
    assert.equal(t.status, 'pending');
    assert.equal(t.overdue, false);
    assert.equal(t.name, '王小明');
    assert.equal(t.id_type, 'resident_id');
    assert.equal(t.id_number, maskId(body.id_number));
    assert.match(t.id_number, /^\d{4}\*{10}\d{3}[\dX]$/);
    assert.equal(t.phone, maskPhone(body.phone));
    assert.equal(t.room, '205');
    assert.equal(t.move_in, body.move_in);
    assert.equal(t.reason, 'family');
    assert.equal(t.employer, body.employer);
    assert.deepEqual(t.members, body.members);
    assert.match(t.created_at, RFC3339);
    for (const k of ['decided_at', 'reject_reason', 'ended_at', 'end_reason', 'last_verified_at']) assert.equal(t[k], null, k);

    assert.deepEqual(expectStatus(await get(r, t.id), 200), t, 'GET gives the same');
    assert.deepEqual(tenancyRows(r.user.id), [{ id: t.id, building: b, status: 'pending' }]);
    // Sealed at rest: neither number is in the row in clear.
    const [[clear]] = sql(`SELECT COUNT(*) FROM tenancies WHERE id = ${t.id} AND (INSTR(id_sealed, ${sqlStr(body.id_number)})
      OR INSTR(phone_sealed, ${sqlStr(body.phone)}) OR INSTR(members_sealed, ${sqlStr('王小红')}))`);
    assert.equal(clear, '0');
    const audit = auditRows(res.headers.get('x-request-id'));
    assert.deepEqual(audit.map((a) => [a.actor, a.action, a.type, a.target]), [[r.user.id, 'tenancy.create', 'tenancy', t.id]]);
    assert.deepEqual(audit[0].detail, { building_id: b });
  });

  test('the scan answer follows the registration: view it here, only report elsewhere, then move out when active', async () => {
    const r = await resident();
    const t2 = await currentToken('B002');
    const { tenancy } = await registerOk(r, t2);
    let s = expectStatus(await api('GET', `${SCAN}/${t2}`, r), 200);
    assert.deepEqual(s.actions, ['view_registration', 'report_problem']);
    assert.deepEqual(s.tenancy, { id: tenancy.id, status: 'pending', here: true });
    s = expectStatus(await api('GET', `${SCAN}/${await currentToken('B004')}`, r), 200);
    assert.deepEqual(s.actions, ['report_problem']);
    assert.deepEqual(s.tenancy, { id: tenancy.id, status: 'pending', here: false });
    expectStatus(await decide('head1', tenancy.id, 'approve'), 200);
    s = expectStatus(await api('GET', `${SCAN}/${t2}`, r), 200);
    assert.deepEqual(s.actions, ['verify_residence', 'report_problem', 'move_out']);
    assert.deepEqual(s.tenancy, { id: tenancy.id, status: 'active', here: true });
  });

  test("a token of building A registers in A whatever else is sent; a building field is refused", async () => {
    const r = await resident();
    const tA = await currentToken('B004');
    const b25 = await uid('B025');
    for (const extra of [{ building_id: b25 }, { building: b25 }, { unit_id: b25 }, { status: 'active' }, { user_id: 1 }]) {
      const [k] = Object.keys(extra);
      expectInvalid(await register(r, regBody(tA, extra)), [k]);
    }
    assert.deepEqual(tenancyRows(r.user.id), [], 'nothing registered by the refused bodies');
    const { tenancy } = await registerOk(r, tA, { room: 'B025-101' });
    assert.equal(tenancy.building.id, await uid('B004'));
    assert.deepEqual(tenancyRows(r.user.id), [{ id: tenancy.id, building: await uid('B004'), status: 'pending' }]);
  });

  test('staff cannot register (403), nobody 401', async () => {
    for (const who of ['admin', 'head1']) {
      expectError(await register(await staff(who), regBody(await currentToken('B001'))), 403, 'forbidden');
    }
    expectError(await request('POST', TENANCIES, { json: regBody(await currentToken('B001')) }), 401, 'unauthorized');
  });

  test('fields: each bad one is a 422 naming it, and nothing is stored', async () => {
    const r = await resident();
    const tok = await currentToken('B005');
    expectInvalid(await register(r, {}), ['name', 'id_type', 'id_number', 'phone', 'room', 'move_in', 'reason', 'consent_version']);
    const cases = [
      [{ name: '' }, 'name'], [{ name: '名'.repeat(33) }, 'name'], [{ name: 1 }, 'name'], [{ name: 'a\u0001b' }, 'name'],
      [{ id_type: 'card' }, 'id_type'], [{ id_type: '' }, 'id_type'], [{ id_type: 'RESIDENT_ID' }, 'id_type'],
      [{ phone: '12345678901' }, 'phone'], [{ phone: '1391234567' }, 'phone'], [{ phone: '139123456789' }, 'phone'],
      [{ phone: '+8613912345678' }, 'phone'], [{ phone: 13912345678 }, 'phone'],
      [{ room: '' }, 'room'], [{ room: 'r'.repeat(33) }, 'room'],
      [{ move_in: '2024-02-30' }, 'move_in'], [{ move_in: '1949-12-31' }, 'move_in'], [{ move_in: isoDay(60) }, 'move_in'],
      [{ move_in: '2024/01/01' }, 'move_in'], [{ move_in: '20240101' }, 'move_in'], [{ move_in: 'yesterday!' }, 'move_in'],
      [{ reason: 'party' }, 'reason'], [{ reason: '' }, 'reason'], [{ reason: 'WORK' }, 'reason'],
      [{ employer: 'e'.repeat(101) }, 'employer'], [{ employer: 5 }, 'employer'],
      [{ members: [{ name: '甲' }] }, 'members'], [{ members: [{ name: '甲', relation: '子女', age: 3 }] }, 'members'],
      [{ members: Array.from({ length: 11 }, (_, i) => ({ name: `甲${i}`, relation: '子女' })) }, 'members'],
      [{ members: { name: '甲', relation: '子女' } }, 'members'], [{ members: ['甲'] }, 'members'],
      [{ token: 5 }, 'token'], [{ token: '' }, 'token'],
    ];
    const bad = [];
    for (const [over, field] of cases) {
      const res = await register(r, regBody(tok, over));
      if (res.status !== 422 || JSON.stringify(Object.keys(res.json?.error?.fields || {})) !== JSON.stringify([field])) {
        bad.push(`${JSON.stringify(over).slice(0, 80)}: ${describeRes(res)}`);
      }
    }
    assert.deepEqual(bad, []);
    expectInvalid(await register(r, regBody(tok, { reason: 'x' })), ['reason']);
    assert.deepEqual(tenancyRows(r.user.id), []);
    // Optional ones left out, null, or empty lists are fine.
    const { tenancy } = await registerOk(r, tok, { employer: null, members: [] });
    assert.equal(tenancy.employer, null);
    assert.deepEqual(tenancy.members, []);
  });
});

describe('ID numbers (GB 11643 for resident IDs)', () => {
  const idNumberOf = async (who, id) => expectStatus(await reveal(who, id), 200).id_number;

  test('valid numbers register; the check character matches the standard vector', async () => {
    assert.equal(idCheckChar('11010519491231002'), 'X', 'the GB 11643 example');
    // 4·7+4·9+0+1·5+0+6·4+1·2+9·1+9·6+0+0+3·9+0+7·5+2·8+5·4+1·2 = 258; 258 mod 11 = 5 → '7'.
    assert.equal(withCheck('44010619900307251'), '440106199003072517');
    for (const id of [freshId(), freshId({ birth: '19000101' }), freshId({ birth: isoDay(-400).replace(/-/g, '') }),
      freshId({ region: '810000' }), freshId({ region: '100000' }), freshId({ birth: '20000229' })]) {
      const r = await resident();
      const { tenancy } = await registerOk(r, await currentToken('B007'), { id_number: id });
      assert.equal(tenancy.id_number, maskId(id));
      assert.equal(await idNumberOf(r, tenancy.id), id);
    }
  });

  test('a lower-case x check character is accepted and stored upper-case', async () => {
    const id = freshId({ check: 'X' });
    const r = await resident();
    const { tenancy } = await registerOk(r, await currentToken('B007'), { id_number: id.toLowerCase() });
    assert.ok(tenancy.id_number.endsWith('X'), tenancy.id_number);
    assert.equal(await idNumberOf(r, tenancy.id), id);
    // The same document in capitals is the same document.
    const other = await resident();
    expectError(await register(other, regBody(await currentToken('B008'), { id_number: id })), 409, 'id_already_registered');
  });

  test('invalid numbers are 422 fields.id_number', async () => {
    const ok = freshId();
    const d17 = ok.slice(0, 17);
    const vectors = {
      'wrong check character': wrongCheck(ok),
      'every other check character': null,
      'X where a digit belongs': ok[17] === 'X' ? wrongCheck(ok) : `${d17}X`,
      '17 characters': d17,
      '19 characters': `${ok}0`,
      '15 characters (old format)': ok.slice(0, 15),
      'region starting 9': withCheck(`9${d17.slice(1)}`),
      'region starting 0': withCheck(`0${d17.slice(1)}`),
      '30 February': withCheck(`${d17.slice(0, 6)}19990230${d17.slice(14)}`),
      'month 13': withCheck(`${d17.slice(0, 6)}19991301${d17.slice(14)}`),
      'day 00': withCheck(`${d17.slice(0, 6)}19990100${d17.slice(14)}`),
      '29 February of a common year': withCheck(`${d17.slice(0, 6)}19010229${d17.slice(14)}`),
      'born 1899': withCheck(`${d17.slice(0, 6)}18991231${d17.slice(14)}`),
      'born next year': withCheck(`${d17.slice(0, 6)}${Number(isoDay().slice(0, 4)) + 1}0101${d17.slice(14)}`),
      'born in a month': withCheck(`${d17.slice(0, 6)}${isoDay(40).replace(/-/g, '')}${d17.slice(14)}`),
      'a letter inside': `${d17.slice(0, 10)}A${d17.slice(11)}${ok[17]}`,
      'spaces': `${ok.slice(0, 6)} ${ok.slice(6, 14)} ${ok.slice(14)}`,
      'hyphen': `${ok.slice(0, 6)}-${ok.slice(7)}`,
      'full-width digits': [...ok].map((c) => (c >= '0' && c <= '9' ? String.fromCharCode(0xff10 + Number(c)) : c)).join(''),
      'empty': '',
    };
    const r = await resident();
    const tok = await currentToken('B008');
    const bad = [];
    const tryOne = async (what, id) => {
      const res = await register(r, regBody(tok, { id_number: id }));
      if (res.status !== 422 || !res.json?.error?.fields?.id_number) bad.push(`${what} ${id}: ${describeRes(res)}`);
    };
    for (const [what, id] of Object.entries(vectors)) if (id !== null) await tryOne(what, id);
    for (const c of '0123456789X') if (c !== ok[17]) await tryOne(`check ${c}`, d17 + c);
    assert.deepEqual(bad, []);
    assert.deepEqual(tenancyRows(r.user.id), []);
    // The control: the same resident with the right number.
    await registerOk(r, tok, { id_number: ok });
  });

  test('other document types are checked more loosely, and upper-cased', async () => {
    const n = () => String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
    const good = [
      ['passport', `E${n()}`], ['passport', `g${n()}`.slice(0, 6)], ['hk_macao', `H${n()}`], ['hk_macao', `m${n()}01`],
      ['taiwan', n()], ['other', `ZZ${n().slice(0, 2)}`], ['passport', `P${n()}${n()}`],
    ];
    for (const [type, number] of good) {
      const r = await resident();
      const { tenancy } = await registerOk(r, await currentToken('B009'), { id_type: type, id_number: number });
      assert.equal(tenancy.id_type, type);
      assert.equal(expectStatus(await reveal(r, tenancy.id), 200).id_number, number.toUpperCase(), `${type} ${number}`);
    }
    const r = await resident();
    const bad = [];
    for (const [type, number] of [
      ['passport', 'E123'], ['passport', `E${n()}${n()}X`], ['passport', 'E1234-567'], ['passport', 'E 1234567'],
      ['hk_macao', `X${n()}`], ['hk_macao', 'H1234567'], ['hk_macao', `H${n()}123`], ['taiwan', '1234567'],
      ['taiwan', `${n()}123`], ['other', 'ABC'], ['other', 'A'.repeat(31)], ['other', '证件号码1234'],
      ['resident_id', `E${n()}`],
    ]) {
      const res = await register(r, regBody(await currentToken('B009'), { id_type: type, id_number: number }));
      if (res.status !== 422 || !res.json?.error?.fields?.id_number) bad.push(`${type} ${number}: ${describeRes(res)}`);
    }
    assert.deepEqual(bad, []);
    assert.deepEqual(tenancyRows(r.user.id), []);
  });
});

describe('one open registration per person and per document', () => {
  test('a second registration of the same resident is 409 already_registered, anywhere', async () => {
    const r = await resident();
    await registerOk(r, await currentToken('B010'));
    for (const code of ['B010', 'B012', 'B025']) {
      expectError(await register(r, regBody(await currentToken(code))), 409, 'already_registered');
    }
    assert.equal(tenancyRows(r.user.id).length, 1);
  });

  test('five registrations of one resident at once: one 201, four 409, one row', async () => {
    const r = await resident();
    const tok = await currentToken('B010');
    const answers = await Promise.all(Array.from({ length: 5 }, () => register(r, regBody(tok))));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409], answers.map(describeRes).join('\n'));
    for (const a of answers.filter((x) => x.status === 409)) expectError(a, 409, 'already_registered');
    assert.equal(tenancyRows(r.user.id).length, 1, 'exactly one row in the database');
    // The same body five times: the same.
    const r2 = await resident();
    const body = regBody(tok);
    const again = await Promise.all(Array.from({ length: 5 }, () => register(r2, body)));
    assert.deepEqual(again.map((a) => a.status).sort(), [201, 409, 409, 409, 409], again.map(describeRes).join('\n'));
    assert.equal(tenancyRows(r2.user.id).length, 1);
  });

  test('the same ID number from another resident is 409 id_already_registered, until the first ends', async () => {
    const a = await resident();
    const b = await resident();
    const { tenancy, body } = await registerOk(a, await currentToken('B012'));
    const res = await register(b, regBody(await currentToken('B013'), { id_number: body.id_number }));
    expectError(res, 409, 'id_already_registered');
    assert.deepEqual(tenancyRows(b.user.id), []);
    expectStatus(await decide(a, tenancy.id, 'end', {}), 200, 'end');
    const second = await registerOk(b, await currentToken('B013'), { id_number: body.id_number });
    assert.equal(second.tenancy.id_number, maskId(body.id_number));
  });

  test('five residents with one ID number at once: one 201, four 409 id_already_registered', async () => {
    // Three rounds, so that two of them really meet at the insert (the
    // unique key decides there, and must still name the document).
    const tok = await currentToken('B013');
    for (let round = 0; round < 3; round++) {
      const who = await Promise.all(Array.from({ length: 5 }, () => resident()));
      const id = freshId();
      const answers = await Promise.all(who.map((r) => register(r, regBody(tok, { id_number: id }))));
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409], answers.map(describeRes).join('\n'));
      // Whoever lost the race did so over the document, not over a
      // registration of their own (they have none).
      for (const a of answers.filter((x) => x.status === 409)) expectError(a, 409, 'id_already_registered');
      assert.equal(who.flatMap((r) => tenancyRows(r.user.id)).length, 1, 'one row');
    }
  });
});

describe('deciding', () => {
  test('who may approve: the head of the building and the chain above it, nobody else', async () => {
    const cases = [
      ['head1', 'B002', 200], ['head1', 'B005', 404], ['head1', 'B025', 404], ['head1', 'B015', 404],
      ['leader1', 'B005', 200], ['leader1', 'B015', 404], ['leader1', 'B025', 404],
      ['cadre1', 'B015', 200], ['cadre1', 'B025', 404], ['station1', 'B005', 404], ['admin', 'B026', 200],
    ];
    for (const [who, code, status] of cases) {
      const { tenancy } = await residentIn(code);
      const res = await decide(who, tenancy.id, 'approve');
      if (status === 404) {
        expectError(res, 404, 'not_found');
        assert.equal(tenancyRows(sql(`SELECT user_id FROM tenancies WHERE id = ${tenancy.id}`)[0][0])[0].status, 'pending', `${who} ${code}`);
        expectError(await decide(who, tenancy.id, 'reject', { reason: '不是本楼住户' }), 404, 'not_found');
        expectError(await decide(who, tenancy.id, 'end', {}), 404, 'not_found');
        continue;
      }
      expectStatus(res, 200, `${who} approves in ${code}`);
      assert.equal(res.json.status, 'active');
      assert.match(res.json.decided_at, RFC3339);
      const [[by]] = sql(`SELECT decided_by FROM tenancies WHERE id = ${tenancy.id}`);
      assert.equal(Number(by), (await staff(who)).user.id);
      assert.deepEqual(auditRows(res.headers.get('x-request-id')).map((a) => [a.actor, a.action, a.target]),
        [[(await staff(who)).user.id, 'tenancy.approve', tenancy.id]]);
    }
  });

  test('the resident cannot approve or reject (403), nobody 401, double approve 409', async () => {
    const { who, tenancy } = await residentIn('B014');
    expectError(await decide(who, tenancy.id, 'approve'), 403, 'forbidden');
    expectError(await decide(who, tenancy.id, 'reject', { reason: '自己拒绝' }), 403, 'forbidden');
    expectError(await request('POST', `${TENANCIES}/${tenancy.id}/approve`), 401, 'unauthorized');
    expectStatus(await decide('cadre1', tenancy.id, 'approve'), 200);
    expectError(await decide('cadre1', tenancy.id, 'approve'), 409, 'state_conflict');
    expectError(await decide('admin', tenancy.id, 'reject', { reason: '太迟了' }), 409, 'state_conflict');
    expectError(await decide('admin', 99999999, 'approve'), 404, 'not_found');
    expectError(await decide('admin', 'abc', 'approve'), 404, 'not_found');
  });

  test('reject needs a reason; a rejected registration frees the resident', async () => {
    const { who, tenancy } = await residentIn('B014');
    const p = `${TENANCIES}/${tenancy.id}/reject`;
    expectInvalid(await decide('cadre1', tenancy.id, 'reject', {}), ['reason']);
    expectInvalid(await decide('cadre1', tenancy.id, 'reject', { reason: null }), ['reason']);
    expectInvalid(await decide('cadre1', tenancy.id, 'reject', { reason: '' }), ['reason']);
    expectInvalid(await decide('cadre1', tenancy.id, 'reject', { reason: '理'.repeat(201) }), ['reason']);
    expectInvalid(await decide('cadre1', tenancy.id, 'reject', { reason: 5 }), ['reason']);
    expectInvalid(await decide('cadre1', tenancy.id, 'reject', { reason: '无', why: 'x' }), ['why']);
    expectError(await api('POST', p, await staff('cadre1')), 415, 'unsupported_media_type');
    assert.equal(tenancyRows(who.user.id)[0].status, 'pending');
    const res = await decide('cadre1', tenancy.id, 'reject', { reason: '房号与实际不符' });
    expectStatus(res, 200);
    assert.equal(res.json.status, 'rejected');
    assert.equal(res.json.reject_reason, '房号与实际不符');
    assert.match(res.json.decided_at, RFC3339);
    expectError(await decide('cadre1', tenancy.id, 'reject', { reason: '再拒' }), 409, 'state_conflict');
    expectError(await decide('cadre1', tenancy.id, 'approve'), 409, 'state_conflict');
    expectError(await decide(who, tenancy.id, 'end', {}), 409, 'state_conflict');
    await registerOk(who, await currentToken('B014'), { room: '实际房号 402' });
  });

  test('end: by the owner (pending or active) or staff in scope; then a new registration is allowed', async () => {
    // Owner withdraws a pending one with an empty body.
    const a = await residentIn('B016');
    let res = await decide(a.who, a.tenancy.id, 'end', {});
    expectStatus(res, 200);
    assert.equal(res.json.status, 'ended');
    assert.equal(res.json.end_reason, null);
    assert.match(res.json.ended_at, RFC3339);
    expectError(await decide(a.who, a.tenancy.id, 'end', {}), 409, 'state_conflict');
    expectError(await decide('admin', a.tenancy.id, 'approve'), 409, 'state_conflict');
    // Owner moves out of an active one, with a reason.
    const b = await residentIn('B016', { approve: true });
    res = await decide(b.who, b.tenancy.id, 'end', { reason: '换工作搬走' });
    expectStatus(res, 200);
    assert.equal(res.json.end_reason, '换工作搬走');
    const again = await registerOk(b.who, await currentToken('B017'));
    assert.equal(again.tenancy.building.id, await uid('B017'));
    assert.deepEqual(tenancyRows(b.who.user.id).map((t) => t.status), ['ended', 'pending']);
    // Others: another resident 404, staff out of scope 404, in scope 200.
    const c = await residentIn('B005', { approve: true });
    expectError(await decide(await resident(), c.tenancy.id, 'end', {}), 404, 'not_found');
    expectError(await decide('head1', c.tenancy.id, 'end', {}), 404, 'not_found');
    expectError(await decide('cadre1', c.tenancy.id, 'end', { reason: 'x', extra: 1 }), 422, 'validation_failed');
    expectError(await api('POST', `${TENANCIES}/${c.tenancy.id}/end`, c.who), 415, 'unsupported_media_type');
    res = await decide('leader1', c.tenancy.id, 'end', { reason: '已搬离' });
    expectStatus(res, 200);
    assert.equal(res.json.status, 'ended');
    const [[endedBy]] = sql(`SELECT ended_by FROM tenancies WHERE id = ${c.tenancy.id}`);
    assert.equal(Number(endedBy), (await staff('leader1')).user.id);
    assert.deepEqual(auditRows(res.headers.get('x-request-id')).map((x) => x.action), ['tenancy.end']);
  });
});

describe('reading', () => {
  test('one registration: the owner and staff in scope; others 404', async () => {
    const { who, tenancy } = await residentIn('B018');
    expectStatus(await get(who, tenancy.id), 200);
    for (const s of ['cadre1', 'admin']) assert.equal(expectStatus(await get(await staff(s), tenancy.id), 200).id, tenancy.id);
    for (const s of ['head1', 'leader1', 'station1']) expectError(await get(await staff(s), tenancy.id), 404, 'not_found');
    expectError(await get(await resident(), tenancy.id), 404, 'not_found');
    expectError(await get(who, 99999999), 404, 'not_found');
    expectError(await get(who, 0), 404, 'not_found');
    expectError(await request('GET', `${TENANCIES}/${tenancy.id}`), 401, 'unauthorized');
  });

  test('lists: a resident sees their own, staff their scope, with filters and keyset pages', async () => {
    const a = await residentIn('B027', { approve: true });
    expectStatus(await decide(a.who, a.tenancy.id, 'end', {}), 200);
    const a2 = await registerOk(a.who, await currentToken('B027'));
    const mine = await listAll(TENANCIES, a.who, 1);
    assert.deepEqual(mine.map((t) => [t.id, t.status]), [[a.tenancy.id, 'ended'], [a2.tenancy.id, 'pending']]);
    assert.deepEqual((await listAll(`${TENANCIES}?status=pending`, a.who)).map((t) => t.id), [a2.tenancy.id]);
    assert.deepEqual(await listAll(TENANCIES, await resident()), []);

    const b27 = await uid('B027');
    const adminView = await listAll(`${TENANCIES}?building=${b27}`, admin, 2);
    const ids = adminView.map((t) => t.id);
    assert.ok(ids.includes(a.tenancy.id) && ids.includes(a2.tenancy.id));
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'in id order');
    assert.ok(adminView.every((t) => t.building.id === b27));
    const pending = await listAll(`${TENANCIES}?building=${b27}&status=pending`, admin);
    assert.ok(pending.every((t) => t.status === 'pending') && pending.some((t) => t.id === a2.tenancy.id));
    const sub = await listAll(`${TENANCIES}?unit=${await uid('SMQ-2-A')}`, admin, 100);
    assert.ok(sub.some((t) => t.id === a2.tenancy.id));
    for (const s of ['head1', 'leader1', 'cadre1']) {
      const seen = await listAll(TENANCIES, await staff(s), 100);
      assert.ok(!seen.some((t) => t.building.id === b27), `${s} sees nothing in B027`);
      expectError(await api('GET', `${TENANCIES}?building=${b27}`, await staff(s)), 404, 'not_found');
      expectError(await api('GET', `${TENANCIES}?unit=${await uid('SMQ-2')}`, await staff(s)), 404, 'not_found');
    }
    const head = await listAll(TENANCIES, await staff('head1'), 100);
    const mineHead = [await uid('B001'), await uid('B002'), await uid('B003'), await uid('B004')];
    assert.ok(head.length > 0 && head.every((t) => mineHead.includes(t.building.id)), 'head1: his buildings only');
    const leader = await listAll(TENANCIES, await staff('leader1'), 100);
    assert.ok(leader.some((t) => t.building.id === mineHead[0]), 'leader1 sees head1\'s buildings too');

    expectInvalid(await api('GET', `${TENANCIES}?status=bogus`, admin), ['status']);
    expectInvalid(await api('GET', `${TENANCIES}?limit=0`, admin), ['limit']);
    expectInvalid(await api('GET', `${TENANCIES}?limit=101`, admin), ['limit']);
    expectInvalid(await api('GET', `${TENANCIES}?after=x`, admin), ['after']);
    expectInvalid(await api('GET', `${TENANCIES}?sort=id`, admin), ['sort']);
    expectError(await api('GET', `${TENANCIES}?building=99999999`, admin), 404, 'not_found');
  });

  test('the roster lists only active registrations of the building', async () => {
    const b = await uid('B026');
    const active1 = await residentIn('B026', { approve: true });
    const active2 = await residentIn('B026', { approve: true });
    const pending = await residentIn('B026');
    const ended = await residentIn('B026', { approve: true });
    expectStatus(await decide(ended.who, ended.tenancy.id, 'end', {}), 200);
    const rejected = await residentIn('B026');
    expectStatus(await decide('admin', rejected.tenancy.id, 'reject', { reason: '信息不实' }), 200);
    const roster = await listAll(`${BUILDINGS}/${b}/roster`, admin, 1);
    const ids = roster.map((t) => t.id);
    assert.ok(roster.every((t) => t.status === 'active' && t.building.id === b), 'only active, only here');
    for (const t of [active1, active2]) assert.ok(ids.includes(t.tenancy.id));
    for (const t of [pending, ended, rejected]) assert.ok(!ids.includes(t.tenancy.id));
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
    const [[n]] = sql(`SELECT COUNT(*) FROM tenancies WHERE building_id = ${b} AND status = 'active'`);
    assert.equal(roster.length, Number(n));
    // Masked there too.
    const one = roster.find((t) => t.id === active1.tenancy.id);
    assert.equal(one.id_number, maskId(active1.body.id_number));
    assert.equal(one.phone, maskPhone(active1.body.phone));
    // Scope.
    expectError(await api('GET', `${BUILDINGS}/${b}/roster`, await staff('cadre1')), 404, 'not_found');
    expectError(await api('GET', `${BUILDINGS}/${b}/roster`, active1.who), 403, 'forbidden');
    expectError(await request('GET', `${BUILDINGS}/${b}/roster`), 401, 'unauthorized');
    expectStatus(await api('GET', `${BUILDINGS}/${await uid('B001')}/roster`, await staff('head1')), 200);
    expectError(await api('GET', `${BUILDINGS}/${await uid('B005')}/roster`, await staff('head1')), 404, 'not_found');
    expectInvalid(await api('GET', `${BUILDINGS}/${b}/roster?status=pending`, admin), ['status']);
    // Only buildings have a roster, like /buildings/{id} itself.
    expectError(await api('GET', `${BUILDINGS}/${await uid('SMQ-2-A')}`, admin), 404, 'not_found');
    expectError(await api('GET', `${BUILDINGS}/${await uid('SMQ-2-A')}/roster`, admin), 404, 'not_found');
    expectError(await api('GET', `${BUILDINGS}/99999999/roster`, admin), 404, 'not_found');
  });
});

describe('staff lists at every level of the tree', () => {
  // Each tenancy keeps its building's group and cooperative (sql/0020) so
  // that a scope is an index range: the answers must be the tree's, by the
  // buildings' paths, at every level, with every filter, page by page.
  const truth = (roots, where = '') => sql(`SELECT t.id FROM tenancies t JOIN units u ON u.id = t.building_id
    WHERE (${roots.map((r) => `u.path LIKE CONCAT((SELECT path FROM units WHERE code = ${sqlStr(r)}), '%')`).join(' OR ')})
    ${where} ORDER BY t.id`).map(([id]) => Number(id));
  const scopes = { head1: ['B001', 'B002', 'B003', 'B004'], leader1: ['SMQ-1-A'], cadre1: ['SMQ-1'], admin: ['SMQ'] };

  test('a registration keeps its building\'s group and cooperative', async () => {
    const { tenancy } = await residentIn('B013');
    const [[g, c, bg, bc]] = sql(`SELECT t.group_id, t.coop_id, g.id, g.parent_id FROM tenancies t
      JOIN units b ON b.id = t.building_id JOIN units g ON g.id = b.parent_id WHERE t.id = ${tenancy.id}`);
    assert.deepEqual([g, c], [bg, bc]);
    assert.deepEqual([Number(g), Number(c)], [await uid('SMQ-1-B'), await uid('SMQ-1')]);
    const [[missing]] = sql(`SELECT COUNT(*) FROM tenancies t JOIN units b ON b.id = t.building_id
      WHERE NOT (t.group_id <=> b.parent_id) OR NOT (t.coop_id <=> (SELECT parent_id FROM units WHERE id = b.parent_id))`);
    assert.equal(missing, '0', 'every tenancy\'s levels are its building\'s');
  });

  test('head, leader, cadre and admin: the tree\'s answer with every filter, in id order, page by page', async () => {
    const made = [];
    for (const code of ['B002', 'B012']) {
      made.push(await residentIn(code, { approve: true }));
      made.push(await residentIn(code));
      const r = await residentIn(code);
      expectStatus(await decide('admin', r.tenancy.id, 'reject', { reason: '信息不实' }), 200);
    }
    const late = made.filter((m) => m.tenancy.status === 'pending').map((m) => m.tenancy.id);
    sql(`UPDATE tenancies SET created_at = created_at - INTERVAL 25 HOUR WHERE id IN (${late[0]})`);
    const b002 = await uid('B002');
    const b012 = await uid('B012');
    const overdue = "AND t.status = 'pending' AND t.created_at < NOW(3) - INTERVAL 24 HOUR";
    for (const [who, roots] of Object.entries(scopes)) {
      const token = await staff(who);
      const cases = [
        ['', ''],
        ['?status=pending', "AND t.status = 'pending'"],
        ['?status=rejected', "AND t.status = 'rejected'"],
        ['?overdue=1', overdue],
        ['?status=pending&overdue=1', overdue],
        [`?building=${b002}`, `AND t.building_id = ${b002}`],
        [`?building=${b002}&status=active`, `AND t.building_id = ${b002} AND t.status = 'active'`],
        [`?unit=${await uid('SMQ-1')}&building=${b012}&status=pending`, `AND t.building_id = ${b012} AND t.status = 'pending'`],
      ];
      // The large scopes: the shapes that differ by level only.
      for (const [query, where] of who === 'head1' || who === 'leader1' ? cases : cases.filter((_, i) => [0, 1, 3, 5].includes(i))) {
        const res = await api('GET', `${TENANCIES}${query}`, token);
        if (res.status === 404) {
          // A unit or building out of the caller's scope, as before.
          assert.ok(/building|unit/.test(query), `${who} ${query}: 404 only for an out-of-scope filter`);
          continue;
        }
        const want = truth(roots, where);
        // Small pages where the scope is small (head1's four buildings
        // are four ranges merged); the village's rows grow with the suite.
        const got = (await listAll(`${TENANCIES}${query}`, token, who === 'admin' ? 100 : 10)).map((t) => t.id);
        assert.deepEqual(got, want, `${who} ${query}`);
      }
    }
    // ?unit= and ?building= that do not meet: nothing, not an error.
    assert.deepEqual(await listAll(`${TENANCIES}?unit=${await uid('SMQ-1-A')}&building=${b012}`, admin), []);
  });

  test('counts at every level are the live counts of the tree', async () => {
    // Every unit's live counts, by the buildings' paths, in one query.
    const byUnit = new Map(sql(`SELECT x.id, SUM(t.status = 'active'), SUM(t.status = 'pending'),
        SUM(t.status = 'pending' AND t.created_at < NOW(3) - INTERVAL 24 HOUR)
      FROM units x JOIN units u ON u.path LIKE CONCAT(x.path, '%') JOIN tenancies t ON t.building_id = u.id
      GROUP BY x.id`).map(([id, a, p, o]) => [Number(id), { active: Number(a), pending: Number(p), overdue: Number(o) }]));
    const live = (id) => byUnit.get(id) ?? { active: 0, pending: 0, overdue: 0 };
    for (const code of ['SMQ', 'SMQ-1', 'SMQ-1-A', 'B007', 'B012']) {
      const c = expectStatus(await api('GET', `${UNITS}/${await uid(code)}/tenancy-counts`, admin), 200);
      assert.deepEqual({ active: c.active, pending: c.pending, overdue: c.overdue }, live(c.unit_id), code);
      for (const k of c.children) {
        assert.deepEqual({ active: k.active, pending: k.pending, overdue: k.overdue }, live(k.unit_id),
          `${code} > ${k.unit_id}`);
      }
    }
  });
});

describe('counts', () => {
  const counts = async (code, who = 'admin') => expectStatus(await api('GET', `${UNITS}/${await uid(code)}/tenancy-counts`,
    await staff(who)), 200, `counts of ${code}`);
  const pick = (c) => ({ active: c.active, pending: c.pending, overdue: c.overdue });
  const minus = (a, b) => ({ active: a.active - b.active, pending: a.pending - b.pending, overdue: a.overdue - b.overdue });
  const child = (c, code) => c.children.find((k) => k.unit_id === unitsById.get(code));
  let unitsById;

  test('per unit and per child; a pending registration older than 24 h is overdue', async () => {
    unitsById = new Map([...(await units())].map(([code, u]) => [code, u.id]));
    const g0 = await counts('SMQ-1-B');
    const c0 = await counts('SMQ-1');
    const v0 = await counts('SMQ');
    const b0 = await counts('B015');

    const p1 = await residentIn('B015');
    const p2 = await residentIn('B015');
    await residentIn('B015', { approve: true });
    await residentIn('B015', { approve: true });
    await residentIn('B016', { approve: true });
    const ended = await residentIn('B015', { approve: true });
    expectStatus(await decide(ended.who, ended.tenancy.id, 'end', {}), 200);
    const rej = await residentIn('B015');
    expectStatus(await decide('cadre1', rej.tenancy.id, 'reject', { reason: '重复登记' }), 200);
    sql(`UPDATE tenancies SET created_at = created_at - INTERVAL 25 HOUR WHERE id = ${p1.tenancy.id}`);
    sql(`UPDATE tenancies SET created_at = created_at - INTERVAL 23 HOUR WHERE id = ${p2.tenancy.id}`);

    assert.equal(expectStatus(await get(p1.who, p1.tenancy.id), 200).overdue, true, '25 h pending: overdue');
    assert.equal(expectStatus(await get(p2.who, p2.tenancy.id), 200).overdue, false, '23 h: not yet');
    const listed = await listAll(`${TENANCIES}?building=${await uid('B015')}&status=pending`, await staff('cadre1'));
    assert.equal(listed.find((t) => t.id === p1.tenancy.id).overdue, true);

    const g1 = await counts('SMQ-1-B');
    assert.deepEqual(Object.keys(g1).sort(), ['active', 'children', 'kind', 'name', 'overdue', 'pending', 'unit_id']);
    assert.equal(g1.unit_id, unitsById.get('SMQ-1-B'));
    assert.equal(g1.kind, 'group');
    assert.deepEqual(minus(pick(g1), pick(g0)), { active: 3, pending: 2, overdue: 1 });
    assert.deepEqual(g1.children.map((k) => k.unit_id), Array.from({ length: 10 }, (_, i) => unitsById.get(`B0${11 + i}`)));
    assert.deepEqual(minus(pick(child(g1, 'B015')), pick(child(g0, 'B015'))), { active: 2, pending: 2, overdue: 1 });
    assert.deepEqual(minus(pick(child(g1, 'B016')), pick(child(g0, 'B016'))), { active: 1, pending: 0, overdue: 0 });
    assert.deepEqual(minus(pick(child(g1, 'B019')), pick(child(g0, 'B019'))), { active: 0, pending: 0, overdue: 0 });
    for (const k of g1.children) {
      assert.equal(k.kind, 'building');
      assert.ok(!('children' in k));
    }
    const sum = (f) => g1.children.reduce((s, k) => s + k[f], 0);
    assert.deepEqual(pick(g1), { active: sum('active'), pending: sum('pending'), overdue: sum('overdue') }, 'a unit is the sum of its children');
    const c1 = await counts('SMQ-1');
    assert.deepEqual(minus(pick(c1), pick(c0)), { active: 3, pending: 2, overdue: 1 });
    assert.deepEqual(minus(pick(child(c1, 'SMQ-1-B')), pick(child(c0, 'SMQ-1-B'))), { active: 3, pending: 2, overdue: 1 });
    assert.deepEqual(minus(pick(child(c1, 'SMQ-1-A')), pick(child(c0, 'SMQ-1-A'))), { active: 0, pending: 0, overdue: 0 });
    assert.deepEqual(minus(pick(await counts('SMQ')), pick(v0)), { active: 3, pending: 2, overdue: 1 });
    const b1 = await counts('B015', 'cadre1');
    assert.deepEqual(b1.children, []);
    assert.deepEqual(minus(pick(b1), pick(b0)), { active: 2, pending: 2, overdue: 1 });
    // The database agrees.
    const [[act, pen]] = sql(`SELECT SUM(t.status = 'active'), SUM(t.status = 'pending') FROM tenancies t JOIN units u ON u.id = t.building_id
      WHERE u.parent_id = ${unitsById.get('SMQ-1-B')}`);
    assert.deepEqual([g1.active, g1.pending], [Number(act), Number(pen)]);
  });

  test('counts scope: out of scope 404, residents 403, nobody 401', async () => {
    for (const [who, code] of [['head1', 'SMQ-1-B'], ['head1', 'SMQ-1-A'], ['leader1', 'SMQ-1'], ['cadre1', 'SMQ-2'], ['station1', 'SMQ']]) {
      expectError(await api('GET', `${UNITS}/${await uid(code)}/tenancy-counts`, await staff(who)), 404, 'not_found');
    }
    const headB1 = await counts('B001', 'head1');
    assert.equal(headB1.unit_id, await uid('B001'));
    expectStatus(await api('GET', `${UNITS}/${await uid('SMQ-1-A')}/tenancy-counts`, await staff('leader1')), 200);
    expectError(await api('GET', `${UNITS}/${await uid('SMQ')}/tenancy-counts`, await resident()), 403, 'forbidden');
    expectError(await request('GET', `${UNITS}/${await uid('SMQ')}/tenancy-counts`), 401, 'unauthorized');
    expectError(await api('GET', `${UNITS}/99999999/tenancy-counts`, admin), 404, 'not_found');
  });
});

// A small RFC 4180 reader: rows of fields.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(f); rows.push(row); row = []; f = ''; i++; } else f += c;
  }
  assert.equal(f, '', 'the CSV ends with CRLF');
  assert.equal(row.length, 0);
  return rows;
}

describe('export and PII', () => {
  test('CSV of a unit by move-in date: BOM, header, full ID numbers and phones; audited', async () => {
    const day = isoDay(-20);
    const a = await residentIn('B017', { approve: true, over: { move_in: day, name: '=1+2', employer: '甲, "乙" 厂' } });
    const b = await residentIn('B018', { over: { move_in: day, id_type: 'passport', id_number: `E${Date.now() % 1e8}` } });
    const outside = await residentIn('B017', { over: { move_in: isoDay(-30) } });
    const q = `unit=${await uid('SMQ-1-B')}&from=${isoDay(-21)}&to=${isoDay(-19)}`;
    const res = await api('GET', `${TENANCIES}/export?${q}`, await staff('cadre1'));
    expectStatus(res, 200, 'export');
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="tenancies-${isoDay(-21)}-${isoDay(-19)}.csv"`);
    assert.deepEqual([...res.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
    const rows = parseCsv(res.text.slice(1));
    assert.deepEqual(rows[0], ['登记编号', '楼栋', '街巷', '门牌号', '房号', '状态', '姓名', '证件类型', '证件号码', '联系电话',
      '入住日期', '居住事由', '服务处所', '登记时间']);
    for (const r of rows.slice(1)) assert.equal(r.length, 14);
    const byId = new Map(rows.slice(1).map((r) => [Number(r[0]), r]));
    assert.ok(!byId.has(outside.tenancy.id), 'move-in outside the range: not exported');
    const ra = byId.get(a.tenancy.id);
    assert.ok(ra, 'the B017 registration is there');
    assert.equal(ra[1], (await units()).get('B017').name);
    assert.equal(ra[5], 'active');
    assert.equal(ra[6], "'=1+2", 'a formula is defused');
    assert.equal(ra[8], a.body.id_number, 'the full ID number');
    assert.equal(ra[9], a.body.phone, 'the full phone');
    assert.equal(ra[10], day);
    assert.equal(ra[12], '甲, "乙" 厂');
    assert.match(ra[13], RFC3339);
    const rb = byId.get(b.tenancy.id);
    assert.equal(rb[8], b.body.id_number);
    assert.equal(rb[7], 'passport');
    assert.equal(rb[5], 'pending');
    const [[n]] = sql(`SELECT COUNT(*) FROM tenancies t JOIN units u ON u.id = t.building_id
      WHERE u.parent_id = ${await uid('SMQ-1-B')} AND t.move_in BETWEEN ${sqlStr(isoDay(-21))} AND ${sqlStr(isoDay(-19))}`);
    assert.equal(rows.length - 1, Number(n), 'every registration of the unit in the range');

    const audit = auditRows(res.headers.get('x-request-id'));
    assert.deepEqual(audit.map((x) => [x.actor, x.action, x.type, x.target]),
      [[(await staff('cadre1')).user.id, 'tenancy.export', 'unit', await uid('SMQ-1-B')]]);
    assert.deepEqual(audit[0].detail, { unit_id: await uid('SMQ-1-B'), from: isoDay(-21), to: isoDay(-19), rows: rows.length - 1 });
    assert.ok(!JSON.stringify(audit).includes(a.body.id_number), 'the audit names no ID number');

    // A building works as the unit too; an empty range is just the header.
    const one = await api('GET', `${TENANCIES}/export?unit=${await uid('B017')}&from=${day}&to=${day}`, admin);
    expectStatus(one, 200);
    assert.ok(parseCsv(one.text.slice(1)).some((r) => Number(r[0]) === a.tenancy.id));
    const none = await api('GET', `${TENANCIES}/export?unit=${await uid('B017')}&from=1990-01-01&to=1990-01-02`, admin);
    expectStatus(none, 200);
    assert.equal(parseCsv(none.text.slice(1)).length, 1, 'header only');
  });

  test('export scope and parameters: out of scope 404, residents 403, bad dates 422', async () => {
    const unit = await uid('SMQ-1-B');
    const q = `from=${isoDay(-30)}&to=${isoDay()}`;
    for (const [who, u] of [['leader1', unit], ['head1', unit], ['head1', await uid('B005')], ['cadre1', await uid('SMQ-2')], ['station1', unit]]) {
      const res = await api('GET', `${TENANCIES}/export?unit=${u}&${q}`, await staff(who));
      expectError(res, 404, 'not_found');
      assert.deepEqual(auditRows(res.headers.get('x-request-id')), [], 'a refused export writes no export audit');
    }
    // In scope, but bulk export is the cooperative's and the admin's.
    expectError(await api('GET', `${TENANCIES}/export?unit=${await uid('B001')}&${q}`, await staff('head1')), 403, 'forbidden');
    expectError(await api('GET', `${TENANCIES}/export?unit=${await uid('SMQ-1-A')}&${q}`, await staff('leader1')), 403, 'forbidden');
    expectError(await api('GET', `${TENANCIES}/export?unit=${unit}&${q}`, await resident()), 403, 'forbidden');
    expectError(await request('GET', `${TENANCIES}/export?unit=${unit}&${q}`), 401, 'unauthorized');
    for (const [qs, field] of [
      [q, 'unit'], [`unit=${unit}&to=${isoDay()}`, 'from'], [`unit=${unit}&from=${isoDay()}`, 'to'],
      [`unit=${unit}&from=2024-02-30&to=2024-03-01`, 'from'], [`unit=${unit}&from=2024-03-02&to=2024-03-01`, 'from'],
      [`unit=${unit}&from=20240301&to=2024-03-01`, 'from'], [`unit=x&${q}`, 'unit'], [`unit=${unit}&${q}&status=active`, 'status'],
    ]) {
      expectInvalid(await api('GET', `${TENANCIES}/export?${qs}`, admin), [field]);
    }
    expectError(await api('GET', `${TENANCIES}/export?unit=99999999&${q}`, admin), 404, 'not_found');
  });

  test('the full ID number: owner and staff in scope, each time audited as pii.reveal', async () => {
    const { who, tenancy, body } = await residentIn('B004');
    for (const s of ['head1', 'leader1', 'cadre1', 'admin']) {
      const res = await reveal(await staff(s), tenancy.id);
      assert.deepEqual(expectStatus(res, 200, s), { id_number: body.id_number });
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(auditRows(res.headers.get('x-request-id')).map((a) => [a.actor, a.action, a.type, a.target, a.detail]),
        [[(await staff(s)).user.id, 'pii.reveal', 'tenancy', tenancy.id, { field: 'id_number' }]]);
    }
    const own = await reveal(who, tenancy.id);
    assert.deepEqual(expectStatus(own, 200), { id_number: body.id_number });
    assert.deepEqual(auditRows(own.headers.get('x-request-id')).map((a) => a.action), ['pii.reveal']);
    for (const [w, status] of [[await staff('station1'), 404], [await resident(), 404]]) {
      const res = await reveal(w, tenancy.id);
      expectError(res, status, 'not_found');
      assert.deepEqual(auditRows(res.headers.get('x-request-id')), [], 'no reveal, no audit');
    }
    const other = await residentIn('B025');
    for (const s of ['head1', 'leader1', 'cadre1']) expectError(await reveal(await staff(s), other.tenancy.id), 404, 'not_found');
    expectError(await request('GET', `${TENANCIES}/${tenancy.id}/id-number`), 401, 'unauthorized');
    expectError(await reveal(admin, 99999999), 404, 'not_found');
  });

  test('masked everywhere else: no full ID number or phone in any JSON answer, the log or the audit', async () => {
    const seen = [];
    const keep = (res) => { seen.push(res.text); return res; };
    const who = await resident();
    const tok = await currentToken('B002');
    const body = regBody(tok, { members: [{ name: '家属甲', relation: '父母' }] });
    const created = keep(await register(who, body));
    expectStatus(created, 201);
    const id = created.json.id;
    const head1 = await staff('head1');
    keep(await get(who, id));
    keep(await get(head1, id));
    keep(await api('GET', TENANCIES, who));
    keep(await api('GET', `${TENANCIES}?building=${await uid('B002')}`, head1));
    keep(await api('GET', `${SCAN}/${tok}`, who));
    keep(await decide(head1, id, 'approve'));
    keep(await api('GET', `${BUILDINGS}/${await uid('B002')}/roster?limit=100`, head1));
    keep(await api('GET', `${UNITS}/${await uid('B002')}/tenancy-counts`, head1));
    keep(await api('GET', '/api/v1/me', who));
    expectError(keep(await register(await resident(), regBody(tok, { id_number: body.id_number }))), 409, 'id_already_registered');
    keep(await decide(who, id, 'end', { reason: '搬走' }));
    for (const text of seen) {
      assert.ok(!text.includes(body.id_number), `full ID number in ${text.slice(0, 200)}`);
      assert.ok(!text.includes(body.phone), `full phone in ${text.slice(0, 200)}`);
    }
    assert.ok(seen.some((t) => t.includes(maskId(body.id_number))), 'the masked form is shown');
    assert.ok(seen.some((t) => t.includes(maskPhone(body.phone))));
    const log = readLog();
    assert.ok(!log.includes(body.id_number), 'the log holds no ID number');
    assert.ok(!log.includes(body.phone), 'the log holds no phone of a registration');
    const [[inAudit]] = sql(`SELECT COUNT(*) FROM audit_log WHERE INSTR(COALESCE(detail, ''), ${sqlStr(body.id_number)})
      OR INSTR(COALESCE(detail, ''), ${sqlStr(body.phone)})`);
    assert.equal(inAudit, '0');
  });
});

describe('staff reads of renters\' records', () => {
  test('a staff read of a tenancy, a list and a roster are audited; the owner\'s own reads and the answer to a write are not', async () => {
    const { who, tenancy } = await residentIn('B007');
    const leader = await staff('leader1');
    const one = await api('GET', `${TENANCIES}/${tenancy.id}`, leader);
    expectStatus(one, 200);
    assert.deepEqual(auditRows(one.headers.get('x-request-id')).map((r) => [r.action, r.target]),
      [['tenancy.read', tenancy.id]]);
    const list = await api('GET', `${TENANCIES}?building=${await uid('B007')}&status=pending`, leader);
    expectStatus(list, 200);
    const rows = auditRows(list.headers.get('x-request-id'));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].action, 'tenancy.list');
    assert.ok(rows[0].detail.tenancy_ids.includes(tenancy.id));
    // The resident reading their own record: no staff read to record.
    const own = await api('GET', `${TENANCIES}/${tenancy.id}`, who);
    expectStatus(own, 200);
    assert.deepEqual(auditRows(own.headers.get('x-request-id')), []);
    // Approving answers with the record; audited once, as the approval.
    const ok = await decide('leader1', tenancy.id, 'approve');
    expectStatus(ok, 200);
    assert.deepEqual(auditRows(ok.headers.get('x-request-id')).map((r) => r.action), ['tenancy.approve']);
    const roster = await api('GET', `${BUILDINGS}/${await uid('B007')}/roster`, leader);
    expectStatus(roster, 200);
    assert.deepEqual(auditRows(roster.headers.get('x-request-id')).map((r) => r.action), ['tenancy.list']);
  });
});
