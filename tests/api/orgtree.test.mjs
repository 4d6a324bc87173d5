// The org tree through nginx: who sees which units and buildings (a role
// reaches its unit's subtree; outside it everything is 404), keyset
// pagination and filters, and the admin's writes: kinds, text fields stored
// verbatim or refused with 422, conflicts, and 403 for staff without the
// right inside their scope.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import {
  request, expectError, expectInvalid, expectJsonType, onEveryWorker, readLog, api, describeRes,
  expectStatus, login, residentLogin, staff,
} from './lib.mjs';
import { auditRows, bcodes, codesOf, freshCode, listAll, sql, unitMap } from './identity-lib.mjs';

const UNITS = '/api/v1/units';
const BUILDINGS = '/api/v1/buildings';

let admin, cadre1, leader1, head1, station1, resident;
let units; // code → unit (as the admin sees it)
const id = (code) => {
  const u = units.get(code);
  assert.ok(u, `unit ${code}`);
  return u.id;
};
const demoBuildings = bcodes(1, 40);
const onlyDemo = (items) => codesOf(items).filter((c) => /^(SMQ(-\d(-[AB])?)?|B0[0-4]\d)$/.test(c));

// The error object without its request id, to compare two answers.
const sameError = (res) => {
  const { request_id: _, ...rest } = res.json.error;
  return { status: res.status, ...rest };
};

before(async () => {
  [admin, cadre1, leader1, head1, station1] = await Promise.all(
    ['admin', 'cadre1', 'leader1', 'head1', 'station1'].map((u) => staff(u)));
  resident = await residentLogin();
  units = await unitMap(admin);
});

describe('reading in scope', () => {
  test('the admin sees the whole village: 7 units above the buildings and all 40 buildings', async () => {
    const all = await listAll(UNITS, admin);
    assert.deepEqual(onlyDemo(all), [...demoBuildings, 'SMQ', 'SMQ-1', 'SMQ-1-A', 'SMQ-1-B', 'SMQ-2', 'SMQ-2-A', 'SMQ-2-B']);
    const b = await listAll(BUILDINGS, admin);
    assert.deepEqual(onlyDemo(b), demoBuildings);
    assert.ok(b.every((u) => u.kind === 'building'), 'only buildings on /buildings');
    assert.deepEqual(codesOf(await listAll(`${UNITS}?kind=village`, admin)), ['SMQ']);
    const groups = await listAll(`${UNITS}?kind=group`, admin);
    assert.ok(groups.every((u) => u.kind === 'group'));
    assert.deepEqual(onlyDemo(groups), ['SMQ-1-A', 'SMQ-1-B', 'SMQ-2-A', 'SMQ-2-B']);
  });

  test('cadre1 (cooperative SMQ-1) sees its subtree: 3 units and 20 buildings', async () => {
    assert.deepEqual(codesOf(await listAll(BUILDINGS, cadre1)), bcodes(1, 20));
    assert.deepEqual(codesOf(await listAll(UNITS, cadre1)), [...bcodes(1, 20), 'SMQ-1', 'SMQ-1-A', 'SMQ-1-B']);
  });

  test('leader1 (group SMQ-1-A) sees its 10 buildings and nothing of SMQ-2', async () => {
    const b = await listAll(BUILDINGS, leader1);
    assert.deepEqual(codesOf(b), bcodes(1, 10));
    assert.ok(b.every((u) => u.parent_id === id('SMQ-1-A')));
    assert.deepEqual(codesOf(await listAll(UNITS, leader1)), [...bcodes(1, 10), 'SMQ-1-A']);
    // A parent outside the scope is absent, as with ?within=.
    expectError(await api('GET', `${UNITS}?parent=${id('SMQ-2')}`, leader1), 404, 'not_found');
    assert.deepEqual(await listAll(`${BUILDINGS}?q=${encodeURIComponent('南约')}`, leader1), []);
  });

  test('head1 (building head of B001–B004) sees exactly those four', async () => {
    assert.deepEqual(codesOf(await listAll(BUILDINGS, head1)), bcodes(1, 4));
    assert.deepEqual(codesOf(await listAll(UNITS, head1)), bcodes(1, 4));
  });

  test('outside the scope a unit is 404, exactly like one that does not exist', async () => {
    const missing = await api('GET', `${UNITS}/99999999`, admin);
    expectError(missing, 404, 'not_found');
    const cases = [
      [head1, 'head1', ['B001', 'B004'], ['B005', 'B010', 'B011', 'B030', 'B040', 'SMQ-1-A', 'SMQ-1', 'SMQ']],
      [leader1, 'leader1', ['SMQ-1-A', 'B001', 'B010'], ['B011', 'B021', 'B030', 'SMQ-1-B', 'SMQ-1', 'SMQ-2', 'SMQ']],
      [cadre1, 'cadre1', ['SMQ-1', 'SMQ-1-B', 'B020'], ['B021', 'B040', 'SMQ-2', 'SMQ-2-A', 'SMQ']],
      [admin, 'admin', ['SMQ', 'SMQ-2-B', 'B030', 'B040'], []],
    ];
    const bad = [];
    for (const [tok, who, inside, outside] of cases) {
      for (const code of inside) {
        const res = await api('GET', `${UNITS}/${id(code)}`, tok);
        if (res.status !== 200 || res.json.code !== code) bad.push(`${who} ${code}: ${describeRes(res)}`);
        if (code.startsWith('B')) {
          const b = await api('GET', `${BUILDINGS}/${id(code)}`, tok);
          if (b.status !== 200 || b.json.code !== code) bad.push(`${who} building ${code}: ${describeRes(b)}`);
        }
      }
      for (const code of outside) {
        for (const p of [UNITS, BUILDINGS]) {
          const res = await api('GET', `${p}/${id(code)}`, tok);
          if (res.status !== 404) {
            bad.push(`${who} ${p} ${code}: ${describeRes(res)}`);
            continue;
          }
          expectError(res, 404, 'not_found');
          assert.deepEqual(sameError(res), sameError(missing), `${who} ${code}: the same 404 as a missing id`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });

  test('head1 reading B030 is 404 and B001 is 200, with the building and its head', async () => {
    expectError(await api('GET', `${BUILDINGS}/${id('B030')}`, head1), 404, 'not_found');
    const res = await api('GET', `${BUILDINGS}/${id('B001')}`, head1);
    expectStatus(res, 200);
    expectJsonType(res);
    const b = res.json;
    assert.ok(Number.isSafeInteger(b.building.qr_serial) && b.building.qr_serial >= 1);
    assert.deepEqual({ ...b, building: { ...b.building, qr_serial: 1 } }, {
      id: id('B001'), kind: 'building', name: '石马桥东一巷1号楼', code: 'B001', parent_id: id('SMQ-1-A'),
      building: {
        lane: '石马桥东一巷', door_no: '1', rooms: '101-105, 201-205, 301-305', qr_serial: 1,
        head: { id: head1.user.id, display_name: '栋长陈伯' },
      },
    });
  });

  test('units above the buildings have no building part; /buildings/{id} is only for buildings', async () => {
    const smq = expectStatus(await api('GET', `${UNITS}/${id('SMQ')}`, admin), 200);
    assert.deepEqual(smq, { id: id('SMQ'), kind: 'village', name: '石马桥村', code: 'SMQ', parent_id: null });
    const g = expectStatus(await api('GET', `${UNITS}/${id('SMQ-2-A')}`, admin), 200);
    assert.deepEqual(g, { id: id('SMQ-2-A'), kind: 'group', name: '南约户组', code: 'SMQ-2-A', parent_id: id('SMQ-2') });
    for (const code of ['SMQ', 'SMQ-1', 'SMQ-1-A']) {
      expectError(await api('GET', `${BUILDINGS}/${id(code)}`, admin), 404, 'not_found');
    }
    const b5 = expectStatus(await api('GET', `${UNITS}/${id('B005')}`, admin), 200);
    assert.equal(b5.building.head, null, 'B005 has no head');
    assert.equal(b5.building.lane, '石马桥东一巷');
    assert.equal(b5.building.door_no, '5');
  });

  test('ids that are not ids are 404', async () => {
    for (const p of ['0', '-1', 'abc', '1.5', '1e3', '01x', '99999999999', '9007199254740992', '18446744073709551617',
      '%201', '1%20', "1'%20OR%20'1'='1"]) {
      expectError(await api('GET', `${UNITS}/${p}`, admin), 404, 'not_found');
      expectError(await api('GET', `${BUILDINGS}/${p}`, admin), 404, 'not_found');
    }
  });

  test('filters: parent, within, kind and unit', async () => {
    assert.deepEqual(codesOf(await listAll(`${UNITS}?parent=${id('SMQ-1')}`, admin)), ['SMQ-1-A', 'SMQ-1-B']);
    assert.deepEqual(codesOf(await listAll(`${UNITS}?parent=${id('SMQ-1-A')}&kind=building`, admin)), bcodes(1, 10));
    assert.deepEqual(codesOf(await listAll(`${UNITS}?within=${id('SMQ-2')}`, admin)),
      [...bcodes(21, 40), 'SMQ-2', 'SMQ-2-A', 'SMQ-2-B']);
    assert.deepEqual(codesOf(await listAll(`${UNITS}?within=${id('SMQ-1-B')}`, cadre1)), [...bcodes(11, 20), 'SMQ-1-B']);
    assert.deepEqual(codesOf(await listAll(`${UNITS}?within=${id('SMQ-1')}&kind=group`, cadre1)), ['SMQ-1-A', 'SMQ-1-B']);
    assert.deepEqual(codesOf(await listAll(`${BUILDINGS}?unit=${id('SMQ-2-A')}`, admin)), bcodes(21, 30));
    assert.deepEqual(codesOf(await listAll(`${BUILDINGS}?unit=${id('B003')}`, head1)), ['B003']);
    // within/unit outside the scope: 404, as for a unit that does not exist.
    expectError(await api('GET', `${UNITS}?within=${id('SMQ-2')}`, cadre1), 404, 'not_found');
    expectError(await api('GET', `${BUILDINGS}?unit=${id('SMQ-2-A')}`, cadre1), 404, 'not_found');
    expectError(await api('GET', `${BUILDINGS}?unit=${id('SMQ-1-A')}`, head1), 404, 'not_found');
    expectError(await api('GET', `${BUILDINGS}?unit=99999999`, admin), 404, 'not_found');
  });

  test('bad query parameters are 422 naming the parameter', async () => {
    const cases = [
      [`${UNITS}?kind=town`, 'kind'], [`${UNITS}?kind=`, 'kind'], [`${UNITS}?limit=0`, 'limit'],
      [`${UNITS}?limit=101`, 'limit'], [`${UNITS}?limit=abc`, 'limit'], [`${UNITS}?limit=-1`, 'limit'],
      [`${UNITS}?limit=1000`, 'limit'], [`${UNITS}?after=abc`, 'after'], [`${UNITS}?after=-5`, 'after'],
      [`${UNITS}?parent=x`, 'parent'], [`${UNITS}?within=0`, 'within'], [`${UNITS}?foo=1`, 'foo'],
      [`${BUILDINGS}?kind=building`, 'kind'], [`${BUILDINGS}?parent=1`, 'parent'],
      [`${BUILDINGS}?q=${'x'.repeat(51)}`, 'q'], [`${BUILDINGS}?q=${encodeURIComponent('巷'.repeat(51))}`, 'q'],
      [`${BUILDINGS}?unit=abc`, 'unit'],
    ];
    for (const [p, field] of cases) {
      const res = await api('GET', p, admin);
      expectInvalid(res, [field]);
    }
    // 50 characters of q are fine.
    expectStatus(await api('GET', `${BUILDINGS}?q=${encodeURIComponent('巷'.repeat(50))}`, admin), 200);
  });

  test('keyset pagination: every building once, in id order, whatever the page size', async () => {
    const full = await listAll(BUILDINGS, admin, 100);
    const ids = full.map((u) => u.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ordered by id');
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    for (const limit of [1, 7, 40]) {
      const got = await listAll(BUILDINGS, admin, limit);
      assert.deepEqual(got.map((u) => u.id), ids, `limit=${limit}`);
    }
    // A page starts after its cursor; the last page's next is null.
    const p1 = expectStatus(await api('GET', `${BUILDINGS}?limit=7`, admin), 200);
    assert.equal(p1.items.length, 7);
    assert.equal(typeof p1.next, 'string');
    const p2 = expectStatus(await api('GET', `${BUILDINGS}?limit=7&after=${encodeURIComponent(p1.next)}`, admin), 200);
    assert.ok(p2.items[0].id > p1.items[6].id);
    assert.deepEqual(p2.items.map((u) => u.id), ids.slice(7, 14));
    const end = expectStatus(await api('GET', `${BUILDINGS}?after=${ids.at(-1)}`, admin), 200);
    assert.deepEqual(end, { items: [], next: null });
    // The leader's 10 buildings in pages of 4: 4, 4, 2.
    const sizes = [];
    let after = '';
    for (;;) {
      const pg = expectStatus(await api('GET', `${BUILDINGS}?limit=4${after}`, leader1), 200);
      sizes.push(pg.items.length);
      if (pg.next === null) break;
      after = `&after=${pg.next}`;
    }
    assert.deepEqual(sizes, [4, 4, 2]);
  });

  test('pagination over several scope roots: each building once, in id order', async () => {
    // A staff member with grants in four subtrees, two of them covered by a
    // third (B031 and B035 lie in SMQ-2-B).
    const username = `multi${crypto.randomBytes(4).toString('hex')}`;
    const u = expectStatus(await api('POST', '/api/v1/users', admin, {
      json: { username, display_name: '多处栋长', password: 'multi-roots-2026' },
    }), 201);
    const grants = [['building_head', 'B035'], ['building_head', 'B005'], ['group_leader', 'SMQ-2-B'],
      ['building_head', 'B015'], ['building_head', 'B031'], ['building_head', 'B025']];
    for (const [role, code] of grants) {
      expectStatus(await api('POST', `/api/v1/users/${u.id}/roles`, admin, { json: { role, unit_id: id(code) } }), 201,
        `grant ${role} at ${code}`);
    }
    const t = await login(username, 'multi-roots-2026');
    const want = ['B005', 'B015', 'B025', ...bcodes(31, 40)];
    for (const limit of [1, 2, 3, 5, 100]) {
      const got = await listAll(BUILDINGS, t, limit);
      const ids = got.map((b) => b.id);
      assert.deepEqual(codesOf(got), want, `limit=${limit}`);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), `limit=${limit}: id order`);
      assert.equal(new Set(ids).size, ids.length, `limit=${limit}: no duplicates`);
    }
    assert.deepEqual(codesOf(await listAll(UNITS, t, 4)), [...want, 'SMQ-2-B']);
    expectError(await api('GET', `${BUILDINGS}/${id('B006')}`, t), 404, 'not_found');
  });

  test('search: q matches names and lane + door number, in scope only', async () => {
    const q = (s, tok = admin) => listAll(`${BUILDINGS}?q=${encodeURIComponent(s)}`, tok);
    assert.deepEqual(onlyDemo(await q('东一巷')), bcodes(1, 5));
    assert.deepEqual(codesOf(await q('东一巷', head1)), bcodes(1, 4));
    assert.deepEqual(codesOf(await q('东一巷', cadre1)), bcodes(1, 5));
    assert.deepEqual(await q('西一巷', leader1), []);
    assert.deepEqual(onlyDemo(await q('南约三巷3')), ['B028']);
    assert.deepEqual(onlyDemo(await q('北约五巷')), bcodes(36, 40));
    assert.deepEqual(await q("' OR '1'='1"), []);
    assert.deepEqual(await q("%' OR 1=1 -- "), []);
    // An empty q is no filter.
    assert.deepEqual(codesOf(await listAll(`${BUILDINGS}?q=`, leader1)), bcodes(1, 10));
  });

  test('stations: any logged-in user, residents included', async () => {
    for (const tok of [resident, head1, admin]) {
      const s = expectStatus(await api('GET', '/api/v1/stations', tok), 200);
      assert.deepEqual(Object.keys(s), ['items']);
      const demo = s.items.filter((x) => x.unit.id === id('SMQ')).map((x) => ({ kind: x.kind, name: x.name, unit: x.unit }));
      assert.deepEqual(demo.slice(0, 2), [
        { kind: 'culture', name: '石马桥文化站', unit: { id: id('SMQ'), name: '石马桥村' } },
        { kind: 'elderly_care', name: '石马桥老人关爱站', unit: { id: id('SMQ'), name: '石马桥村' } },
      ]);
      for (const x of s.items) assert.ok(Number.isSafeInteger(x.id));
    }
    const res = await request('GET', '/api/v1/stations');
    expectError(res, 401, 'unauthorized');
  });
});

describe('who may call the org routes', () => {
  const routes = () => [
    ['GET', UNITS], ['GET', `${UNITS}/${id('SMQ')}`], ['GET', BUILDINGS], ['GET', `${BUILDINGS}/${id('B001')}`],
    ['POST', UNITS, { parent_id: id('SMQ'), kind: 'cooperative', name: '住户建的' }],
    ['PATCH', `${UNITS}/${id('SMQ-1')}`, { name: '住户改的' }],
    ['POST', BUILDINGS, { group_id: id('SMQ-1-A'), name: '住户楼', lane: '住户巷', door_no: '1' }],
    ['PATCH', `${BUILDINGS}/${id('B001')}`, { name: '住户改的楼' }],
  ];

  test('a resident gets 403 forbidden on every staff route', async () => {
    for (const [m, p, json] of routes()) {
      expectError(await api(m, p, resident, json ? { json } : {}), 403, 'forbidden');
    }
  });

  test('no token: 401 unauthorized with WWW-Authenticate', async () => {
    for (const [m, p, json] of routes()) {
      const res = await request(m, p, json ? { json } : {});
      expectError(res, 401, 'unauthorized');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
  });

  test('staff without the right: 403 inside their scope, 404 outside, nothing changes', async () => {
    const b001 = expectStatus(await api('GET', `${BUILDINGS}/${id('B001')}`, admin), 200);
    const missingParent = await api('POST', UNITS, admin, { json: { parent_id: 99999999, kind: 'group', name: 'x' } });
    expectInvalid(missingParent, ['parent_id']);
    const cases = [
      [cadre1, 'POST', UNITS, { parent_id: id('SMQ-1'), kind: 'group', name: '干部建的户组' }, 403],
      [cadre1, 'PATCH', `${UNITS}/${id('SMQ-1')}`, { name: '干部改名' }, 403],
      [cadre1, 'PATCH', `${UNITS}/${id('SMQ-2')}`, { name: '干部改名' }, 404],
      [cadre1, 'PATCH', `${BUILDINGS}/${id('B001')}`, { lane: '干部改巷' }, 403],
      [cadre1, 'POST', BUILDINGS, { group_id: id('SMQ-1-B'), name: '干部楼', lane: '干部巷', door_no: '9' }, 403],
      [leader1, 'PATCH', `${BUILDINGS}/${id('B001')}`, { name: '户组长改名' }, 403],
      [leader1, 'PATCH', `${BUILDINGS}/${id('B011')}`, { name: '户组长改名' }, 404],
      [leader1, 'PATCH', `${UNITS}/${id('SMQ-1-A')}`, { name: '户组长改名' }, 403],
      [leader1, 'POST', BUILDINGS, { group_id: id('SMQ-1-A'), name: '户组长楼', lane: '户组长巷', door_no: '1' }, 403],
      [head1, 'PATCH', `${BUILDINGS}/${id('B001')}`, { rooms: '栋长改房间' }, 403],
      [head1, 'PATCH', `${UNITS}/${id('B001')}`, { name: '栋长改名' }, 403],
      [head1, 'PATCH', `${BUILDINGS}/${id('B030')}`, { rooms: '栋长改房间' }, 404],
      // A station manager reads no units (stations get their own rights
      // with the volunteer work): the tree is outside their scope.
      [station1, 'PATCH', `${BUILDINGS}/${id('B001')}`, { name: '站长改名' }, 404],
    ];
    const bad = [];
    for (const [tok, m, p, json, want] of cases) {
      const res = await api(m, p, tok, { json });
      if (res.status !== want) bad.push(`${m} ${p} ${JSON.stringify(json)}: want ${want}, ${describeRes(res)}`);
      else expectError(res, want, want === 403 ? 'forbidden' : 'not_found');
    }
    assert.deepEqual(bad, []);
    // A parent outside the scope answers like a parent that does not exist.
    const outside = await api('POST', UNITS, cadre1, { json: { parent_id: id('SMQ-2'), kind: 'group', name: 'x' } });
    assert.deepEqual(sameError(outside), sameError(missingParent));
    const outsideB = await api('POST', BUILDINGS, leader1, { json: { group_id: id('SMQ-2-A'), name: 'x', lane: '外巷', door_no: '1' } });
    expectInvalid(outsideB, ['group_id']);
    assert.deepEqual(expectStatus(await api('GET', `${BUILDINGS}/${id('B001')}`, admin), 200), b001, 'B001 unchanged');
    assert.equal(expectStatus(await api('GET', `${UNITS}/${id('SMQ-1')}`, admin), 200).name, '第一经济社');
  });
});

describe('writing the tree (admin)', () => {
  let coop; // a cooperative of this suite, under SMQ
  let group; // a group in it
  const created = [];

  const createUnit = (json, tok = admin) => api('POST', UNITS, tok, { json });
  const createBuilding = (json, tok = admin) => api('POST', BUILDINGS, tok, { json });
  let door = 0;
  const nextDoor = () => `${++door}`;

  test("a cooperative named \"'; DROP TABLE units; --\" is stored verbatim and audited", async () => {
    const name = "'; DROP TABLE units; --";
    const code = freshCode('COOP');
    const res = await createUnit({ parent_id: id('SMQ'), kind: 'cooperative', name, code });
    coop = expectStatus(res, 201);
    expectJsonType(res);
    assert.deepEqual(coop, { id: coop.id, kind: 'cooperative', name, code, parent_id: id('SMQ') });
    assert.deepEqual(expectStatus(await api('GET', `${UNITS}/${coop.id}`, admin), 200), coop);
    const [[hex]] = sql(`SELECT HEX(name) FROM units WHERE id = ${coop.id}`);
    assert.equal(hex, Buffer.from(name, 'utf8').toString('hex').toUpperCase(), 'the bytes in the table');
    // The table is still there.
    assert.ok((await listAll(UNITS, admin)).length >= 47);
    const rows = auditRows(res.headers.get('x-request-id'));
    assert.deepEqual(rows, [{
      actor: admin.user.id, action: 'unit.create', type: 'unit', target: coop.id,
      detail: { kind: 'cooperative', parent_id: id('SMQ') },
    }]);
    group = expectStatus(await createUnit({ parent_id: coop.id, kind: 'group', name: '测试户组' }), 201);
    assert.equal(group.code, null, 'code is optional');
    assert.equal(group.parent_id, coop.id);
    // A new subtree: cadre1 does not see it, the admin does.
    expectError(await api('GET', `${UNITS}/${group.id}`, cadre1), 404, 'not_found');
    assert.deepEqual((await listAll(`${UNITS}?parent=${coop.id}`, admin)).map((u) => u.id), [group.id]);
  });

  test('a unit\'s kind must be the child kind of its parent', async () => {
    const b = id('B001');
    const cases = [
      [{ parent_id: id('SMQ'), kind: 'group', name: 'x' }, ['kind']],
      [{ parent_id: id('SMQ'), kind: 'village', name: 'x' }, ['kind']],
      [{ parent_id: coop.id, kind: 'cooperative', name: 'x' }, ['kind']],
      [{ parent_id: group.id, kind: 'group', name: 'x' }, ['kind']],
      [{ parent_id: group.id, kind: 'building', name: 'x' }, ['kind']],
      [{ parent_id: coop.id, kind: 'building', name: 'x' }, ['kind']],
      [{ parent_id: b, kind: 'group', name: 'x' }, ['kind']],
      [{ parent_id: id('SMQ'), kind: 'Cooperative', name: 'x' }, ['kind']],
      [{ parent_id: id('SMQ'), kind: 'town', name: 'x' }, ['kind']],
      [{ parent_id: id('SMQ'), kind: '', name: 'x' }, ['kind']],
      [{ parent_id: 99999999, kind: 'cooperative', name: 'x' }, ['parent_id']],
      [{ parent_id: 0, kind: 'cooperative', name: 'x' }, ['parent_id']],
      [{ parent_id: -1, kind: 'cooperative', name: 'x' }, ['parent_id']],
      [{ parent_id: String(id('SMQ')), kind: 'cooperative', name: 'x' }, ['parent_id']],
      [{ parent_id: id('SMQ') + 0.5, kind: 'cooperative', name: 'x' }, ['parent_id']],
      [{ parent_id: 2 ** 60, kind: 'cooperative', name: 'x' }, ['parent_id']],
      [{ kind: 'cooperative', name: 'x' }, ['parent_id']],
      [{ parent_id: id('SMQ'), name: 'x' }, ['kind']],
      [{ parent_id: id('SMQ'), kind: 'cooperative' }, ['name']],
      [{ parent_id: id('SMQ'), kind: 'cooperative', name: 'x', path: '/1/' }, ['path']],
      [{ parent_id: id('SMQ'), kind: 'cooperative', name: 'x', lane: 'x' }, ['lane']],
    ];
    const bad = [];
    for (const [json, fields] of cases) {
      const res = await createUnit(json);
      try {
        expectInvalid(res, fields);
      } catch (e) {
        bad.push(`${JSON.stringify(json)}: ${describeRes(res)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('names: up to 100 characters, emoji, quotes and markup are kept verbatim', async () => {
    const names = [
      '村'.repeat(100), 'a'.repeat(100), '😀'.repeat(100), '🏘️户组👍', '<script>alert(1)</script>',
      'a\\b"c\'d`e', '%_\\%_', "Robert'); DROP TABLE students;--", '  前后有空格  ', 'ﾊﾝｶｸ ğüş Ωμέγα',
      'NULL', '\\0', '${name}{{x}}', '🇨🇳 家', '👨‍👩‍👧 家',
    ];
    const bad = [];
    for (const name of names) {
      const res = await createUnit({ parent_id: coop.id, kind: 'group', name });
      if (res.status !== 201) {
        bad.push(`${JSON.stringify(name)}: ${describeRes(res)}`);
        continue;
      }
      created.push(res.json.id);
      const got = expectStatus(await api('GET', `${UNITS}/${res.json.id}`, admin), 200);
      if (res.json.name !== name || got.name !== name) bad.push(`${JSON.stringify(name)} came back as ${JSON.stringify(got.name)}`);
    }
    assert.deepEqual(bad, []);
  });

  test('names over 100 characters, empty or with control, bidi or invisible characters are 422 fields.name', async () => {
    const bad = [];
    for (const name of ['x'.repeat(101), '村'.repeat(101), '😀'.repeat(101), 'x'.repeat(10_000), '', 'a\nb', 'a\tb',
      'a\rb', 'a\u0001b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u009fb', '\u202eRTL override', 'a\u200db',
      'a\u2066b', 'a\ufeffb']) {
      for (const [m, p, json] of [
        ['POST', UNITS, { parent_id: coop.id, kind: 'group', name }],
        ['PATCH', `${UNITS}/${coop.id}`, { name }],
      ]) {
        const res = await api(m, p, admin, { json });
        try {
          expectInvalid(res, ['name']);
        } catch {
          bad.push(`${m} ${JSON.stringify(name.slice(0, 20))}: ${describeRes(res)}`);
        }
      }
    }
    assert.deepEqual(bad, []);
    assert.equal(expectStatus(await api('GET', `${UNITS}/${coop.id}`, admin), 200).name, coop.name, 'unchanged');
  });

  test('codes: letters, digits, - and _, at most 32, unique', async () => {
    const ok = `${freshCode('C')}_x`.padEnd(32, 'z');
    assert.equal(ok.length, 32);
    const res = await createUnit({ parent_id: coop.id, kind: 'group', name: '编码户组', code: ok });
    assert.equal(expectStatus(res, 201).code, ok);
    for (const code of ['SMQ', 'B001', ok]) {
      const e = expectError(await createUnit({ parent_id: coop.id, kind: 'group', name: '重复编码', code }), 409, 'conflict');
      assert.equal(e.message, '编码已被使用，请换一个');
    }
    for (const code of ['a b', '中文', "x'--", 'a/b', 'a.b', 'x'.repeat(33), '', 'a\nb', 'é']) {
      expectInvalid(await createUnit({ parent_id: coop.id, kind: 'group', name: '坏编码', code }), ['code']);
    }
    // The same answers through PATCH.
    const e = expectError(await api('PATCH', `${UNITS}/${res.json.id}`, admin, { json: { code: 'SMQ-1' } }), 409, 'conflict');
    assert.equal(e.message, '编码已被使用，请换一个', 'the conflict names the code');
    expectInvalid(await api('PATCH', `${UNITS}/${res.json.id}`, admin, { json: { code: 'bad code' } }), ['code']);
    expectInvalid(await api('PATCH', `${UNITS}/${res.json.id}`, admin, { json: { code: '中文' } }), ['code']);
  });

  test('buildings: created in a group, SQL and markup in every text field kept verbatim', async () => {
    const json = {
      group_id: group.id,
      name: "楼'; DROP TABLE buildings; --",
      lane: "巷\"); DELETE FROM units WHERE ('1'='1",
      door_no: `${nextDoor()}号<b>'"`,
      rooms: "101\n102\r\n\t103 '; --\n😀 房",
      code: freshCode('BLD'),
    };
    const res = await createBuilding(json);
    const b = expectStatus(res, 201);
    assert.deepEqual(b, {
      id: b.id, kind: 'building', name: json.name, code: json.code, parent_id: group.id,
      building: { lane: json.lane, door_no: json.door_no, rooms: json.rooms, qr_serial: 1, head: null },
    });
    assert.deepEqual(expectStatus(await api('GET', `${BUILDINGS}/${b.id}`, admin), 200), b);
    const rows = auditRows(res.headers.get('x-request-id'));
    assert.deepEqual(rows.map((r) => [r.action, r.actor, r.target, r.detail]),
      [['unit.create', admin.user.id, b.id, { kind: 'building', parent_id: group.id }]]);
    // The search finds it by a quote-laden fragment of its name and address.
    assert.deepEqual((await listAll(`${BUILDINGS}?q=${encodeURIComponent("'; DROP")}&unit=${group.id}`, admin)).map((x) => x.id), [b.id]);
    assert.deepEqual((await listAll(`${BUILDINGS}?q=${encodeURIComponent(`${json.lane}${json.door_no}`.slice(-20))}`, admin)).map((x) => x.id), [b.id]);
    // Nothing was dropped.
    assert.ok((await listAll(BUILDINGS, admin)).length >= 41);
  });

  test('building field limits: lane 100, door number 32, rooms 1000, name 100', async () => {
    const base = () => ({ group_id: group.id, name: '限长楼', lane: '限长巷', door_no: nextDoor() });
    const okCases = [
      { lane: '巷'.repeat(100) }, { door_no: '号'.repeat(32) }, { rooms: '房'.repeat(1000) },
      { name: '楼'.repeat(100) }, { rooms: '' }, { rooms: '😀'.repeat(1000) },
    ];
    for (const over of okCases) {
      const json = { ...base(), ...over };
      const b = expectStatus(await createBuilding(json), 201, JSON.stringify(over).slice(0, 40));
      for (const k of ['lane', 'door_no', 'rooms']) if (k in over) assert.equal(b.building[k], over[k]);
      if (over.name) assert.equal(b.name, over.name);
    }
    const badCases = [
      [{ lane: '巷'.repeat(101) }, 'lane'], [{ door_no: '号'.repeat(33) }, 'door_no'],
      [{ rooms: '房'.repeat(1001) }, 'rooms'], [{ name: '楼'.repeat(101) }, 'name'],
      [{ lane: '' }, 'lane'], [{ door_no: '' }, 'door_no'], [{ lane: 'a\nb' }, 'lane'],
      [{ door_no: '1\t2' }, 'door_no'], [{ rooms: 'a\u0000b' }, 'rooms'], [{ rooms: 'a\u0001b' }, 'rooms'],
      [{ lane: undefined }, 'lane'], [{ door_no: undefined }, 'door_no'], [{ name: undefined }, 'name'],
      [{ group_id: undefined }, 'group_id'], [{ group_id: coop.id }, 'group_id'], [{ group_id: id('SMQ') }, 'group_id'],
      [{ group_id: id('B001') }, 'group_id'], [{ group_id: 99999999 }, 'group_id'], [{ group_id: 'x' }, 'group_id'],
      [{ kind: 'building' }, 'kind'], [{ qr_serial: 5 }, 'qr_serial'], [{ head_id: 'x' }, 'head_id'],
      [{ rooms: 12 }, 'rooms'], [{ lane: ['巷'] }, 'lane'],
    ];
    const bad = [];
    for (const [over, field] of badCases) {
      const json = { ...base(), ...over };
      for (const k of Object.keys(json)) if (json[k] === undefined) delete json[k];
      const res = await createBuilding(json);
      try {
        // A NUL inside a JSON string is refused on its field, too.
        expectInvalid(res, [field]);
      } catch {
        bad.push(`${JSON.stringify(over).slice(0, 60)}: ${describeRes(res)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('one building per address: the same lane and door number is 409', async () => {
    const door_no = nextDoor();
    expectStatus(await createBuilding({ group_id: group.id, name: '地址楼一', lane: '地址巷', door_no }), 201);
    expectError(await createBuilding({ group_id: group.id, name: '地址楼二', lane: '地址巷', door_no }), 409, 'conflict');
    // Also against the demo buildings, from any group.
    expectError(await createBuilding({ group_id: group.id, name: '重复', lane: '石马桥东一巷', door_no: '1' }), 409, 'conflict');
    const other = expectStatus(await createBuilding({ group_id: group.id, name: '地址楼三', lane: '地址巷', door_no: nextDoor() }), 201);
    const e = expectError(await api('PATCH', `${BUILDINGS}/${other.id}`, admin, { json: { door_no } }), 409, 'conflict');
    assert.equal(e.message, '该地址（街巷 + 门牌号）已有楼栋，请核对门牌号');
  });

  test('addresses that differ only in an emoji are different addresses', async () => {
    const door_no = nextDoor();
    const a = await createBuilding({ group_id: group.id, name: '表情楼一', lane: '表情巷🏠', door_no });
    const b = await createBuilding({ group_id: group.id, name: '表情楼二', lane: '表情巷👍', door_no });
    expectStatus(a, 201, 'lane 表情巷🏠');
    expectStatus(b, 201, 'lane 表情巷👍 (another lane than 表情巷🏠)');
    assert.equal(b.json.building.lane, '表情巷👍');
  });

  test('a head given at creation is a staff member, gets building_head there and sees the building', async () => {
    const username = `head${crypto.randomBytes(4).toString('hex')}`;
    const u = expectStatus(await api('POST', '/api/v1/users', admin, {
      json: { username, display_name: '新栋长', password: 'new-head-2026' },
    }), 201);
    const b = expectStatus(await createBuilding({
      group_id: group.id, name: '有栋长的楼', lane: '栋长巷', door_no: nextDoor(), head_id: u.id,
    }), 201);
    assert.deepEqual(b.building.head, { id: u.id, display_name: '新栋长' });
    const t = await login(username, 'new-head-2026');
    const me = expectStatus(await api('GET', '/api/v1/me', t), 200);
    assert.deepEqual(me.roles.map((r) => [r.role, r.unit.id]), [['building_head', b.id]]);
    assert.deepEqual((await listAll(BUILDINGS, t)).map((x) => x.id), [b.id]);
    expectError(await api('GET', `${BUILDINGS}/${id('B001')}`, t), 404, 'not_found');
    // A resident or a missing user cannot be a head.
    const r = await residentLogin();
    for (const head_id of [r.user.id, 99999999]) {
      expectInvalid(await createBuilding({ group_id: group.id, name: '坏栋长', lane: '栋长巷', door_no: nextDoor(), head_id }),
        ['head_id']);
      expectInvalid(await api('PATCH', `${BUILDINGS}/${b.id}`, admin, { json: { head_id } }), ['head_id']);
    }
    // Changing the head through PATCH grants the role to the new head too.
    const b2 = expectStatus(await createBuilding({ group_id: group.id, name: '换栋长的楼', lane: '栋长巷', door_no: nextDoor() }), 201);
    const patched = expectStatus(await api('PATCH', `${BUILDINGS}/${b2.id}`, admin, { json: { head_id: u.id } }), 200);
    assert.deepEqual(patched.building.head, { id: u.id, display_name: '新栋长' });
    assert.deepEqual((await listAll(BUILDINGS, t)).map((x) => x.id), [b.id, b2.id]);
  });

  test("replacing a building's head takes the building away from the old head", async () => {
    const mk = async (display_name) => {
      const username = `head${crypto.randomBytes(4).toString('hex')}`;
      const u = expectStatus(await api('POST', '/api/v1/users', admin, {
        json: { username, display_name, password: 'head-swap-2026' },
      }), 201);
      return { u, t: await login(username, 'head-swap-2026') };
    };
    const old = await mk('旧栋长');
    const next = await mk('新接手栋长');
    const b = expectStatus(await createBuilding({
      group_id: group.id, name: '转手的楼', lane: '转手巷', door_no: nextDoor(), head_id: old.u.id,
    }), 201);
    expectStatus(await api('GET', `${BUILDINGS}/${b.id}`, old.t), 200, 'the head reads their building');
    const patched = expectStatus(await api('PATCH', `${BUILDINGS}/${b.id}`, admin, { json: { head_id: next.u.id } }), 200);
    assert.deepEqual(patched.building.head, { id: next.u.id, display_name: '新接手栋长' });
    expectStatus(await api('GET', `${BUILDINGS}/${b.id}`, next.t), 200, 'the new head reads it');
    const stale = await api('GET', `${BUILDINGS}/${b.id}`, old.t);
    assert.equal(stale.status, 404, `the replaced head still reads the building: ${describeRes(stale)}`);
  });

  test('PATCH changes only what is given, and is audited', async () => {
    const b = expectStatus(await createBuilding({
      group_id: group.id, name: '改前', lane: '改巷', door_no: nextDoor(), rooms: '101', code: freshCode('P'),
    }), 201);
    let res = await api('PATCH', `${BUILDINGS}/${b.id}`, admin, { json: { name: '改后 🏠', rooms: '201\n202' } });
    const after = expectStatus(res, 200);
    assert.deepEqual(after, { ...b, name: '改后 🏠', building: { ...b.building, rooms: '201\n202' } });
    assert.deepEqual(auditRows(res.headers.get('x-request-id')).map((r) => [r.action, r.actor, r.target]),
      [['unit.update', admin.user.id, b.id]]);
    assert.deepEqual(expectStatus(await api('PATCH', `${BUILDINGS}/${b.id}`, admin, { json: {} }), 200), after);
    assert.deepEqual(expectStatus(await api('PATCH', `${BUILDINGS}/${b.id}`, admin, { json: { name: null } }), 200), after,
      'null is the same as leaving the field out');
    res = await api('PATCH', `${UNITS}/${b.id}`, admin, { json: { name: "改'名\"" } });
    assert.equal(expectStatus(res, 200).name, "改'名\"");
    // Through /units a unit has only name and code.
    expectInvalid(await api('PATCH', `${UNITS}/${group.id}`, admin, { json: { lane: 'x' } }), ['lane']);
    expectInvalid(await api('PATCH', `${UNITS}/${b.id}`, admin, { json: { rooms: 'x' } }), ['rooms']);
    expectInvalid(await api('PATCH', `${UNITS}/${b.id}`, admin, { json: { parent_id: id('SMQ-1-A') } }), ['parent_id']);
    expectInvalid(await api('PATCH', `${UNITS}/${b.id}`, admin, { json: { kind: 'group' } }), ['kind']);
    // /buildings/{id} is only for buildings; missing ids are 404.
    expectError(await api('PATCH', `${BUILDINGS}/${group.id}`, admin, { json: { name: 'x' } }), 404, 'not_found');
    expectError(await api('PATCH', `${BUILDINGS}/99999999`, admin, { json: { name: 'x' } }), 404, 'not_found');
    expectError(await api('PATCH', `${UNITS}/99999999`, admin, { json: { name: 'x' } }), 404, 'not_found');
    const renamed = expectStatus(await api('PATCH', `${UNITS}/${coop.id}`, admin, { json: { name: '测试经济社 ✅' } }), 200);
    assert.deepEqual(renamed, { ...coop, name: '测试经济社 ✅' });
  });

  test('PATCH refusals from the core (409, 422) name the right field and never crash a worker', async () => {
    const logStart = readLog().length;
    const a = expectStatus(await createBuilding({
      group_id: group.id, name: '补丁楼一', lane: '补丁巷', door_no: nextDoor(), code: freshCode('PA'),
    }), 201);
    const b = expectStatus(await createBuilding({ group_id: group.id, name: '补丁楼二', lane: '补丁巷', door_no: nextDoor() }), 201);
    const r = await residentLogin();
    const cases = [
      [`${UNITS}/${b.id}`, { code: a.code }, 409, null],
      [`${BUILDINGS}/${b.id}`, { code: a.code }, 409, null],
      [`${BUILDINGS}/${b.id}`, { door_no: a.building.door_no }, 409, null],
      [`${UNITS}/${b.id}`, { code: 'not a code' }, 422, 'code'],
      [`${BUILDINGS}/${b.id}`, { code: '编码' }, 422, 'code'],
      [`${BUILDINGS}/${b.id}`, { head_id: r.user.id }, 422, 'head_id'],
      [`${BUILDINGS}/${b.id}`, { head_id: 99999999 }, 422, 'head_id'],
    ];
    const bad = [];
    for (const [p, json, status, field] of cases) {
      const res = await api('PATCH', p, admin, { json });
      try {
        if (field) expectInvalid(res, [field]);
        else expectError(res, status, 'conflict');
      } catch (e) {
        bad.push(`PATCH ${p} ${JSON.stringify(json)}: ${describeRes(res)}`);
      }
    }
    await request('GET', '/api/v1/version');
    const log = readLog().slice(logStart);
    for (const m of log.match(/AddressSanitizer: [\w-]+|msg="worker (?:died|exited)"/g) || []) bad.push(`log: ${m}`);
    assert.deepEqual(bad, []);
    assert.deepEqual(expectStatus(await api('GET', `${BUILDINGS}/${b.id}`, admin), 200), b, 'unchanged');
  });

  test("a renamed unit shows under its new name in its holders' roles at once, on every worker", async () => {
    const username = `rename${crypto.randomBytes(4).toString('hex')}`;
    const u = expectStatus(await api('POST', '/api/v1/users', admin, {
      json: { username, display_name: '改名看板', password: 'rename-watch-2026' },
    }), 201);
    const b = expectStatus(await createBuilding({ group_id: group.id, name: '改名前的楼', lane: '改名巷', door_no: nextDoor() }), 201);
    expectStatus(await api('POST', `/api/v1/users/${u.id}/roles`, admin, { json: { role: 'group_leader', unit_id: group.id } }), 201);
    expectStatus(await api('POST', `/api/v1/users/${u.id}/roles`, admin, { json: { role: 'building_head', unit_id: b.id } }), 201);
    const t = await login(username, 'rename-watch-2026');
    // /me answers with these names: the answer, for onEveryWorker.
    const expectNames = (want) => async () => {
      const res = await api('GET', '/api/v1/me', t);
      const me = expectStatus(res, 200);
      assert.deepEqual(Object.fromEntries(me.roles.map((r) => [r.unit.id, r.unit.name])), want);
      return res;
    };
    // Every worker has seen (and may have cached) the old names first.
    await onEveryWorker('old names', expectNames({ [group.id]: group.name, [b.id]: '改名前的楼' }));
    const g2 = `户组新名${crypto.randomBytes(2).toString('hex')}`;
    expectStatus(await api('PATCH', `${UNITS}/${group.id}`, admin, { json: { name: g2 } }), 200);
    const b2 = `楼新名${crypto.randomBytes(2).toString('hex')}`;
    expectStatus(await api('PATCH', `${BUILDINGS}/${b.id}`, admin, { json: { name: b2 } }), 200);
    // ... and every one of them answers with the new ones at once.
    await onEveryWorker('new names', expectNames({ [group.id]: g2, [b.id]: b2 }));
  });

  test('the unit.create audit rows carry the admin and the request id', async () => {
    const ids = [coop.id, group.id, ...created];
    const rows = sql(`SELECT target_id, actor_id, request_id FROM audit_log
      WHERE action = 'unit.create' AND target_id IN (${ids.join(',')})`);
    assert.equal(rows.length, ids.length, 'one row per unit created');
    for (const [, actor, rid] of rows) {
      assert.equal(Number(actor), admin.user.id);
      assert.match(rid, /^[0-9a-f]{32}$/);
    }
    assert.equal(new Set(rows.map((r) => r[2])).size, rows.length, 'one request each');
  });
});
