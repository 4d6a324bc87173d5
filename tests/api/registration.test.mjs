// Issue 12's registration rules through nginx: consent to the current
// 隐私政策 and 用户协议 (PIPL), a building named by its code or by its id
// (found with GET /buildings/search, which gives no code out), moving in
// one step, the display name following the registration, and who reviews
// (and the head's published phone) in the scan answer.
//
// Buildings: B029 (no head, a group without leaders), B039 (given a head
// of its own here), B036–B038 for registrations; B001 (head1) and B006
// (leader1's group, no head) are only scanned. Never B003.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import {
  request, expectError, expectInvalid, api, expectStatus, freshPhone, staff,
} from './lib.mjs';
import { sql } from './identity-lib.mjs';
import {
  BUILDINGS, SCAN, TENANCIES, POLICY_VERSION, currentToken, decide, regBody, register, registerOk, resident,
  residentIn, tenancyRows, uid, units,
} from './tenancy-lib.mjs';

const SEARCH = `${BUILDINGS}/search`;
const consentsOf = (user) => sql(`SELECT document, version FROM consents WHERE user_id = ${Number(user)} ORDER BY document`);

let admin;
before(async () => {
  admin = await staff('admin');
  await units();
});

describe('consent (PIPL)', () => {
  test('consent_version is required and must be the current version; nothing is stored without it', async () => {
    const r = await resident();
    const tok = await currentToken('B036');
    const body = regBody(tok);
    delete body.consent_version;
    expectInvalid(await register(r, body), ['consent_version']);
    for (const v of ['2020-01-01', '', 20261201, null, true, 'x'.repeat(17)]) {
      expectInvalid(await register(r, regBody(tok, { consent_version: v })), ['consent_version']);
    }
    assert.deepEqual(tenancyRows(r.user.id), [], 'no registration');
    assert.deepEqual(consentsOf(r.user.id), [], 'no consent recorded');
    const { tenancy } = await registerOk(r, tok);
    assert.deepEqual(consentsOf(r.user.id), [['privacy', POLICY_VERSION], ['terms', POLICY_VERSION]]);
    // Withdrawn and registered again: the same consent, kept once.
    expectStatus(await api('POST', `${TENANCIES}/${tenancy.id}/end`, r, { json: {} }), 200);
    await registerOk(r, tok);
    assert.equal(consentsOf(r.user.id).length, 2);
  });

  test('the policy pages show the version the server accepts, readable without a script', async () => {
    for (const page of ['/privacy.html', '/terms.html']) {
      const res = await request('GET', page);
      assert.equal(res.status, 200);
      const html = res.text ?? res.body?.toString?.() ?? '';
      assert.ok(html.includes(`<span data-policy-version>${POLICY_VERSION}</span>`), `${page} names version ${POLICY_VERSION}`);
      const [y, m, d] = POLICY_VERSION.split('-').map(Number);
      assert.ok(html.includes(`${y}年${m}月${d}日`), `${page} dates version ${POLICY_VERSION}`);
      assert.doesNotMatch(html, /type="module"/, `${page} needs no module`);
    }
    const reg = await request('GET', '/register.html');
    const html = reg.text ?? reg.body?.toString?.() ?? '';
    assert.ok(html.includes(`id="f-consent" name="consent_version" value="${POLICY_VERSION}"`), 'the form agrees to that version');
    assert.doesNotMatch(html, /id="f-consent"[^>]*checked/, 'not ticked beforehand');
  });
});

describe('the display name', () => {
  test('a resident is called by the name they registered', async () => {
    const r = await resident();
    await registerOk(r, await currentToken('B037'), { name: '欧阳娜娜' });
    const me = expectStatus(await api('GET', '/api/v1/me', r), 200);
    assert.equal(me.user.display_name, '欧阳娜娜');
  });
});

describe('building search', () => {
  test('by lane and door: at most 20, {id, address, group}, no code', async () => {
    const r = await resident();
    const all = expectStatus(await api('GET', `${SEARCH}?lane=${encodeURIComponent('巷')}`, r), 200);
    assert.equal(all.items.length, 20, 'capped at 20');
    for (const b of all.items) {
      assert.deepEqual(Object.keys(b).sort(), ['address', 'group', 'id']);
      assert.ok(Number.isSafeInteger(b.id));
    }
    const text = JSON.stringify(all);
    assert.doesNotMatch(text, /\/q\/|token|qr/i, 'no code in the answer');

    const one = expectStatus(await api('GET', `${SEARCH}?lane=${encodeURIComponent('东一巷')}&door=3`, r), 200);
    assert.deepEqual(one.items, [{ id: await uid('B003'), address: '石马桥东一巷3号', group: '东巷户组' }]);
    const lane = expectStatus(await api('GET', `${SEARCH}?lane=${encodeURIComponent('北约五巷')}`, r), 200);
    assert.deepEqual(lane.items.map((b) => b.address), [1, 2, 3, 4, 5].map((n) => `北约五巷${n}号`));
    const door = expectStatus(await api('GET', `${SEARCH}?door=5`, r), 200);
    assert.ok(door.items.length > 1 && door.items.every((b) => /5号$/.test(b.address)));
    // Wildcards are characters; a lane nobody has is an empty list.
    for (const q of ['lane=%25', 'lane=_', `lane=${encodeURIComponent('不存在的巷')}`, 'door=%25']) {
      assert.deepEqual(expectStatus(await api('GET', `${SEARCH}?${q}`, r), 200).items, [], q);
    }
    // Staff may look too (any logged-in user).
    expectStatus(await api('GET', `${SEARCH}?door=1`, await staff('head1')), 200);
  });

  test('must fail: nothing to search by, empty, over-long, bad UTF-8, unknown parameters, nobody', async () => {
    const r = await resident();
    expectInvalid(await api('GET', SEARCH, r), ['lane']);
    expectInvalid(await api('GET', `${SEARCH}?lane=`, r), ['lane']);
    expectInvalid(await api('GET', `${SEARCH}?door=`, r), ['door']);
    expectInvalid(await api('GET', `${SEARCH}?lane=${encodeURIComponent('巷'.repeat(51))}`, r), ['lane']);
    expectInvalid(await api('GET', `${SEARCH}?door=${'1'.repeat(17)}`, r), ['door']);
    expectInvalid(await api('GET', `${SEARCH}?lane=%FF%FE`, r), ['lane']);
    expectInvalid(await api('GET', `${SEARCH}?door=%C3`, r), ['door']);
    expectInvalid(await api('GET', `${SEARCH}?q=1`, r), ['q']);
    expectError(await request('GET', `${SEARCH}?lane=x`), 401, 'unauthorized');
  });
});

describe('a building by id', () => {
  test('exactly one of token and building_id; an unknown building is 404; a found one registers', async () => {
    const r = await resident();
    const b = await uid('B038');
    const noBuilding = regBody(undefined);
    delete noBuilding.token;
    expectInvalid(await register(r, noBuilding), ['token']);
    expectInvalid(await register(r, regBody(await currentToken('B038'), { building_id: b })), ['building_id']);
    for (const bad of ['1', 0, -1, 1.5, true]) {
      expectInvalid(await register(r, { ...noBuilding, building_id: bad }), ['building_id']);
    }
    expectError(await register(r, { ...noBuilding, building_id: 999_999_999 }), 404, 'not_found');
    expectError(await register(r, { ...noBuilding, building_id: await uid('SMQ-2-B') }), 404, 'not_found');
    assert.deepEqual(tenancyRows(r.user.id), []);
    const res = await register(r, { ...noBuilding, building_id: b });
    expectStatus(res, 201);
    assert.equal(res.json.building.id, b);
    assert.equal(res.json.status, 'pending');
  });
});

describe('moving in one step', () => {
  test('moving_from ends the own active registration and starts the new one; others are refused', async () => {
    const { who: r, tenancy: old, body } = await residentIn('B036', { approve: true });
    const { tenancy: others } = await residentIn('B037', { approve: true });
    const tok = await currentToken('B038');

    // Without moving_from: today's refusal, saying how to move.
    const e = expectError(await register(r, regBody(tok)), 409, 'already_registered');
    assert.match(e.message, /搬家了？登记新住址/);
    // Another's tenancy is not found; nothing changes.
    expectError(await register(r, regBody(tok, { moving_from: others.id })), 404, 'not_found');
    expectError(await register(r, regBody(tok, { moving_from: 999_999_999 })), 404, 'not_found');
    for (const bad of ['1', 0, -2, 1.5]) {
      expectInvalid(await register(r, regBody(tok, { moving_from: bad })), ['moving_from']);
    }
    assert.deepEqual(tenancyRows(r.user.id).map((t) => t.status), ['active']);

    // Their own, with the same document: one step.
    const res = await register(r, regBody(tok, { moving_from: old.id, id_number: body.id_number, name: body.name }));
    expectStatus(res, 201);
    assert.equal(res.json.status, 'pending');
    assert.equal(res.json.building.id, await uid('B038'));
    const was = expectStatus(await api('GET', `${TENANCIES}/${old.id}`, r), 200);
    assert.equal(was.status, 'ended');
    assert.equal(was.end_reason, '迁往新住址');
    assert.deepEqual(tenancyRows(r.user.id).map((t) => t.status), ['ended', 'pending']);

    // From a pending one, or the ended one: 409, nothing changes.
    const again = regBody(await currentToken('B036'), { moving_from: res.json.id });
    expectError(await register(r, again), 409, 'state_conflict');
    expectError(await register(r, { ...again, moving_from: old.id }), 409, 'state_conflict');
    assert.deepEqual(tenancyRows(r.user.id).map((t) => t.status), ['ended', 'pending']);
    expectStatus(await decide('admin', others.id, 'end', {}), 200);
  });
});

describe('who reviews, and the head\'s published phone', () => {
  test('the head, or the group\'s leaders when there is none', async () => {
    const r = await resident();
    const head = expectStatus(await api('GET', `${SCAN}/${await currentToken('B001')}`, r), 200);
    assert.deepEqual(head.reviewer, { role: 'building_head', name: '栋长陈伯' });
    assert.equal('contact' in head, false, 'head1 published no phone');
    const leader = expectStatus(await request('GET', `${SCAN}/${await currentToken('B006')}`), 200);
    assert.deepEqual(leader.reviewer, { role: 'group_leader', name: '东巷户组长' });
    const nobody = expectStatus(await request('GET', `${SCAN}/${await currentToken('B029')}`), 200);
    assert.deepEqual(nobody.reviewer, { role: 'group_leader', name: null });
  });

  test('a call number only when the head chose to publish it (off by default)', async () => {
    const phone = freshPhone('138');
    const created = await api('POST', '/api/v1/users', admin, {
      json: { username: `h12${Date.now() % 1e8}`, display_name: '栋长刘姨', password: 'long enough password 12', phone },
    });
    const user = expectStatus(created, 201);
    const b = await uid('B039');
    expectStatus(await api('PATCH', `${BUILDINGS}/${b}`, admin, { json: { head_id: user.id } }), 200);
    const tok = await currentToken('B039');
    let s = await request('GET', `${SCAN}/${tok}`);
    expectStatus(s, 200);
    assert.deepEqual(s.json.reviewer, { role: 'building_head', name: '栋长刘姨' });
    assert.equal('contact' in s.json, false);
    assert.ok(!JSON.stringify(s.json).includes(phone.slice(3)), 'no number anywhere');

    sql(`UPDATE users SET phone_public = 1 WHERE id = ${Number(user.id)}`);
    for (const who of [undefined, await resident()]) {
      s = who ? await api('GET', `${SCAN}/${tok}`, who) : await request('GET', `${SCAN}/${tok}`);
      assert.deepEqual(expectStatus(s, 200).contact, { name: '栋长刘姨', phone });
    }
    sql(`UPDATE users SET phone_public = 0 WHERE id = ${Number(user.id)}`);
    s = await request('GET', `${SCAN}/${tok}`);
    assert.equal('contact' in expectStatus(s, 200), false);
    assert.ok(!JSON.stringify(s.json).includes(phone.slice(3)));
  });
});
