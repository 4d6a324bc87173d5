// The building head's tools (楼栋工作台) through nginx: approving several
// registrations at once, the overdue list, calling a renter, who has not
// checked in this month, and a head publishing their phone (PATCH /me).
// Must-fail cases beside each: wrong types, empty and oversized id lists,
// another cooperative's ids (per-item not_found), the wrong role (403).
//
// Buildings: B004 (head1's), B007 (leader1's group, no head), B026/B027
// (the other cooperative). Never B003: the browser tests use it.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import { api, expectError, expectInvalid, expectStatus, freshPhone, request, staff } from './lib.mjs';
import { auditRows, sql } from './identity-lib.mjs';
import {
  BUILDINGS, CHECKINS, TENANCIES, currentToken, decide, maskPhone, residentIn, uid, units,
} from './tenancy-lib.mjs';

const BATCH = `${TENANCIES}/approve-batch`;
const batch = async (who, json) => api('POST', BATCH, typeof who === 'string' ? await staff(who) : who, { json });
const statusOf = (id) => sql(`SELECT status FROM tenancies WHERE id = ${Number(id)}`)[0][0];
const age = (id, hours) => sql(`UPDATE tenancies SET created_at = NOW(3) - INTERVAL ${Number(hours)} HOUR WHERE id = ${Number(id)}`);

before(async () => {
  await units();
});

describe('approve several at once', () => {
  test('each id answered in order: approved, another cooperative\'s not_found, decided state_conflict; each audited', async () => {
    const a = await residentIn('B004');
    const b = await residentIn('B004');
    const done = await residentIn('B004', { approve: true });
    const other = await residentIn('B026');
    const res = await batch('head1', { ids: [a.tenancy.id, other.tenancy.id, done.tenancy.id, b.tenancy.id, 900000000] });
    const r = expectStatus(res, 200);
    assert.deepEqual(Object.keys(r), ['items']);
    assert.deepEqual(r.items.map((i) => i.id), [a.tenancy.id, other.tenancy.id, done.tenancy.id, b.tenancy.id, 900000000]);
    assert.deepEqual(r.items[0], { id: a.tenancy.id, status: 'active' });
    assert.deepEqual(r.items[3], { id: b.tenancy.id, status: 'active' });
    for (const [i, code] of [[1, 'not_found'], [2, 'state_conflict'], [4, 'not_found']]) {
      assert.deepEqual(Object.keys(r.items[i]).sort(), ['error', 'id']);
      assert.equal(r.items[i].error.code, code);
      assert.match(r.items[i].error.message, /[\u4e00-\u9fff]/);
    }
    assert.equal(statusOf(a.tenancy.id), 'active');
    assert.equal(statusOf(other.tenancy.id), 'pending', 'outside the scope: untouched');
    const audit = auditRows(res.headers.get('x-request-id'));
    assert.deepEqual(audit.filter((x) => x.action === 'tenancy.approve').map((x) => x.target), [a.tenancy.id, b.tenancy.id]);

    // The group leader approves the group's, not the other cooperative's.
    const g = await residentIn('B007');
    const r2 = expectStatus(await batch('leader1', { ids: [g.tenancy.id, other.tenancy.id] }), 200);
    assert.deepEqual(r2.items[0], { id: g.tenancy.id, status: 'active' });
    assert.equal(r2.items[1].error.code, 'not_found');
    // A station manager reads no buildings: not_found, never a 5xx.
    const s = await residentIn('B004');
    const r3 = expectStatus(await batch('station1', { ids: [s.tenancy.id] }), 200);
    assert.equal(r3.items[0].error.code, 'not_found');
    assert.equal(statusOf(s.tenancy.id), 'pending');
    // The same id twice: the second says it is decided.
    const r4 = expectStatus(await batch('head1', { ids: [s.tenancy.id, s.tenancy.id] }), 200);
    assert.deepEqual(r4.items[0], { id: s.tenancy.id, status: 'active' });
    assert.equal(r4.items[1].error.code, 'state_conflict');
  });

  test('a retry with the same Idempotency-Key replays the first answer; another body under it is 422', async () => {
    const head = await staff('head1');
    const t = await residentIn('B004');
    const key = `wb-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const send = (ids) => api('POST', BATCH, head, { json: { ids }, headers: { 'idempotency-key': key } });
    const first = await send([t.tenancy.id]);
    assert.deepEqual(expectStatus(first, 200).items, [{ id: t.tenancy.id, status: 'active' }]);
    const again = await send([t.tenancy.id]);
    assert.deepEqual(expectStatus(again, 200), first.json, 'the same answer, not state_conflict');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    expectError(await send([t.tenancy.id, 1]), 422, 'idempotency_key_reused');
  });

  test('must fail: no ids, empty, 51, wrong types, unknown fields, a resident (403), nobody (401)', async () => {
    const head = await staff('head1');
    expectInvalid(await batch(head, {}), ['ids']);
    expectInvalid(await batch(head, { ids: [] }), ['ids']);
    expectInvalid(await batch(head, { ids: Array.from({ length: 51 }, (_, i) => i + 1) }), ['ids']);
    expectInvalid(await batch(head, { ids: 'all' }), ['ids']);
    expectInvalid(await batch(head, { ids: [1, 'x'] }), ['ids']);
    expectInvalid(await batch(head, { ids: [0] }), ['ids']);
    expectInvalid(await batch(head, { ids: [-3] }), ['ids']);
    expectInvalid(await batch(head, { ids: [1.5] }), ['ids']);
    expectInvalid(await batch(head, { ids: [{ id: 1 }] }), ['ids']);
    expectInvalid(await batch(head, { ids: [1], all: true }), ['all']);
    expectError(await request('POST', BATCH, { headers: { authorization: `Bearer ${head.access_token}`, 'content-type': 'application/json' }, body: '{"ids":[1,' }), 400, 'malformed_json');
    // 50 is the most, and answered one by one.
    const r = expectStatus(await batch(head, { ids: Array.from({ length: 50 }, (_, i) => 800000000 + i) }), 200);
    assert.equal(r.items.length, 50);
    assert.ok(r.items.every((i) => i.error && i.error.code === 'not_found'));
    const who = await residentIn('B004');
    expectError(await batch(who.who, { ids: [who.tenancy.id] }), 403, 'forbidden');
    expectError(await request('POST', BATCH, { json: { ids: [who.tenancy.id] } }), 401, 'unauthorized');
    assert.equal(statusOf(who.tenancy.id), 'pending');
  });
});

describe('the overdue list', () => {
  test('?status=pending&overdue=1 is pending for more than 24 hours, as the counts say', async () => {
    const head = await staff('head1');
    const late = await residentIn('B004');
    const edge = await residentIn('B004');
    const fresh = await residentIn('B004');
    age(late.tenancy.id, 25);
    age(edge.tenancy.id, 23);
    const ids = async (q) => {
      const out = [];
      let after = '';
      for (;;) {
        const p = expectStatus(await api('GET', `${TENANCIES}?${q}&limit=100${after}`, head), 200);
        out.push(...p.items);
        if (!p.next) return out;
        after = `&after=${p.next}`;
      }
    };
    const b4 = await uid('B004');
    const overdue = await ids(`status=pending&overdue=1&building=${b4}`);
    assert.ok(overdue.some((t) => t.id === late.tenancy.id));
    assert.ok(overdue.every((t) => t.status === 'pending' && t.overdue === true));
    assert.ok(!overdue.some((t) => t.id === edge.tenancy.id || t.id === fresh.tenancy.id));
    const counts = expectStatus(await api('GET', `/api/v1/units/${b4}/tenancy-counts`, head), 200);
    assert.equal(counts.overdue, overdue.length, 'the same rule as the counts');
    const all = await ids(`status=pending&overdue=0&building=${b4}`);
    assert.ok(all.some((t) => t.id === fresh.tenancy.id) && all.some((t) => t.id === late.tenancy.id));
    // overdue alone means pending; with another status it is refused.
    assert.ok((await ids(`overdue=1&building=${b4}`)).some((t) => t.id === late.tenancy.id));
    expectInvalid(await api('GET', `${TENANCIES}?status=active&overdue=1`, head), ['overdue']);
    expectInvalid(await api('GET', `${TENANCIES}?overdue=yes`, head), ['overdue']);
    expectInvalid(await api('GET', `${TENANCIES}?overdue=2`, head), ['overdue']);
    await decide('admin', late.tenancy.id, 'approve');
  });
});

describe('calling a renter', () => {
  test('GET /tenancies/{id}/phone: the full number to staff in scope, audited as pii.reveal', async () => {
    const t = await residentIn('B004');
    const res = await api('GET', `${TENANCIES}/${t.tenancy.id}/phone`, await staff('head1'));
    assert.deepEqual(expectStatus(res, 200), { phone: t.body.phone });
    assert.equal(t.tenancy.phone, maskPhone(t.body.phone), 'elsewhere it is masked');
    const audit = auditRows(res.headers.get('x-request-id'));
    assert.deepEqual(audit.map((a) => [a.action, a.type, a.target, a.detail]), [['pii.reveal', 'tenancy', t.tenancy.id, { field: 'phone' }]]);
    expectStatus(await api('GET', `${TENANCIES}/${t.tenancy.id}/phone`, await staff('cadre1')), 200);
  });

  test('must fail: another cooperative (404), a station manager (404), the renter (403), nobody (401), no id (404)', async () => {
    const t = await residentIn('B026');
    const path = `${TENANCIES}/${t.tenancy.id}/phone`;
    expectError(await api('GET', path, await staff('head1')), 404, 'not_found');
    expectError(await api('GET', path, await staff('leader1')), 404, 'not_found');
    expectError(await api('GET', path, await staff('station1')), 404, 'not_found');
    expectError(await api('GET', path, t.who), 403, 'forbidden');
    expectError(await request('GET', path), 401, 'unauthorized');
    expectError(await api('GET', `${TENANCIES}/abc/phone`, await staff('admin')), 404, 'not_found');
    expectError(await api('GET', `${TENANCIES}/999999999/phone`, await staff('admin')), 404, 'not_found');
    assert.equal(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal' AND target_id = ${t.tenancy.id}`)[0][0], '0');
  });
});

describe('who has not checked in this month', () => {
  test('active renters of the building with no residence check-in that month, phones masked', async () => {
    const head = await staff('head1');
    const b4 = await uid('B004');
    const inn = await residentIn('B004', { approve: true });
    const away = await residentIn('B004', { approve: true });
    const pending = await residentIn('B004');
    expectStatus(await api('POST', CHECKINS, inn.who, { json: { token: await currentToken('B004') } }), 201);
    const list = async (q = '') => {
      const out = [];
      let after = '';
      for (;;) {
        const p = expectStatus(await api('GET', `${BUILDINGS}/${b4}/absent?limit=100${q}${after}`, head), 200);
        out.push(...p.items);
        if (!p.next) return out;
        after = `&after=${p.next}`;
      }
    };
    const now = await list();
    const mine = now.find((t) => t.id === away.tenancy.id);
    assert.ok(mine, 'the one who did not check in is listed');
    assert.equal(mine.phone, maskPhone(away.body.phone));
    assert.ok(!now.some((t) => t.id === inn.tenancy.id), 'the one who checked in is not');
    assert.ok(!now.some((t) => t.id === pending.tenancy.id), 'a pending registration is not');
    assert.ok(now.every((t) => t.status === 'active' && t.building.id === b4 && /\*{4}/.test(t.phone)));
    const d = new Date(Date.now() + 8 * 3600_000);
    const month = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    assert.deepEqual((await list(`&month=${month}`)).map((t) => t.id), now.map((t) => t.id));
    assert.ok((await list('&month=2001-01')).some((t) => t.id === inn.tenancy.id), 'another month: not checked in then');
    const res = await api('GET', `${BUILDINGS}/${b4}/absent?limit=1`, head);
    expectStatus(res, 200);
    assert.ok(auditRows(res.headers.get('x-request-id')).some((a) => a.action === 'tenancy.list'));
  });

  test('must fail: a bad month (422), another building (404), a group (404), a resident (403), nobody (401)', async () => {
    const head = await staff('head1');
    const b4 = await uid('B004');
    for (const m of ['2026-13', '26-12', '2026/12', '2026-1', 'abcdefg', '1999-12']) {
      expectInvalid(await api('GET', `${BUILDINGS}/${b4}/absent?month=${encodeURIComponent(m)}`, head), ['month']);
    }
    expectInvalid(await api('GET', `${BUILDINGS}/${b4}/absent?limit=0`, head), ['limit']);
    expectError(await api('GET', `${BUILDINGS}/${await uid('B026')}/absent`, head), 404, 'not_found');
    expectError(await api('GET', `${BUILDINGS}/${await uid('SMQ-1-A')}/absent`, await staff('leader1')), 404, 'not_found');
    expectError(await api('GET', `${BUILDINGS}/999999999/absent`, head), 404, 'not_found');
    const r = await residentIn('B004');
    expectError(await api('GET', `${BUILDINGS}/${b4}/absent`, r.who), 403, 'forbidden');
    expectError(await request('GET', `${BUILDINGS}/${b4}/absent`), 401, 'unauthorized');
  });
});

describe('a head publishes their phone', () => {
  test('PATCH /me {phone_public}: a head with a phone, off by default, audited; /me says so', async () => {
    const admin = await staff('admin');
    const username = `head${Date.now() % 1e8}`;
    const phone = freshPhone('138');
    const u = expectStatus(await api('POST', '/api/v1/users', admin, { json: { username, display_name: '栋长测试', password: 'huzu-demo-2026', phone } }), 201);
    expectStatus(await api('POST', `/api/v1/users/${u.id}/roles`, admin, { json: { role: 'building_head', unit_id: await uid('B019') } }), 201);
    const login = expectStatus(await request('POST', '/api/v1/auth/login', { json: { username, password: 'huzu-demo-2026' } }), 200);
    const me0 = expectStatus(await api('GET', '/api/v1/me', login), 200);
    assert.equal(me0.user.phone_public, false, 'off by default');
    const res = await api('PATCH', '/api/v1/me', login, { json: { phone_public: true } });
    const me1 = expectStatus(res, 200);
    assert.equal(me1.user.phone_public, true);
    assert.deepEqual(Object.keys(me1).sort(), ['roles', 'user']);
    assert.equal(sql(`SELECT phone_public FROM users WHERE id = ${u.id}`)[0][0], '1');
    assert.deepEqual(auditRows(res.headers.get('x-request-id')).map((a) => [a.action, a.target, a.detail]),
      [['user.phone_public', u.id, { phone_public: true }]]);
    assert.equal(expectStatus(await api('GET', '/api/v1/me', login), 200).user.phone_public, true);
    assert.equal(expectStatus(await api('PATCH', '/api/v1/me', login, { json: { phone_public: false } }), 200).user.phone_public, false);
    assert.equal(sql(`SELECT phone_public FROM users WHERE id = ${u.id}`)[0][0], '0');
  });

  test('must fail: not a head (403), no phone (422), wrong types (422), nobody (401); others see no phone_public', async () => {
    const patch = async (who, json) => api('PATCH', '/api/v1/me', typeof who === 'string' ? await staff(who) : who, { json });
    for (const who of ['leader1', 'cadre1', 'admin', 'station1']) {
      expectError(await patch(who, { phone_public: true }), 403, 'forbidden');
      assert.equal('phone_public' in expectStatus(await api('GET', '/api/v1/me', await staff(who)), 200).user, false);
    }
    const r = await residentIn('B004');
    expectError(await patch(r.who, { phone_public: false }), 403, 'forbidden');
    expectInvalid(await patch('head1', { phone_public: true }), ['phone_public']); // head1 has no phone
    expectInvalid(await patch('head1', { phone_public: 'yes' }), ['phone_public']);
    expectInvalid(await patch('head1', { phone_public: 1 }), ['phone_public']);
    expectInvalid(await patch('head1', {}), ['phone_public']);
    expectInvalid(await patch('head1', { phone_public: false, display_name: 'x' }), ['display_name']);
    expectError(await request('PATCH', '/api/v1/me', { json: { phone_public: true } }), 401, 'unauthorized');
    assert.equal(expectStatus(await patch('head1', { phone_public: false }), 200).user.phone_public, false);
  });
});

describe('the poster says who to ask', () => {
  test('a building with a head: the head; without one: the group\'s leaders (有事找户组长)', async () => {
    const res = expectStatus(await api('GET', `/api/v1/units/${await uid('SMQ-1-A')}/posters`, await staff('leader1')), 200);
    const byCode = new Map(res.items.map((p) => [p.building.code, p]));
    assert.deepEqual(byCode.get('B001').reviewer, { role: 'building_head', name: '栋长陈伯' });
    assert.equal(byCode.get('B007').reviewer.role, 'group_leader');
    assert.match(byCode.get('B007').reviewer.name, /东巷户组长/);
  });
});
