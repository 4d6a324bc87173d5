// GET /api/v1/stats/complaints through nginx: the shape, the default unit
// and range, the children, a new complaint counted, the scope (another
// cooperative's unit → 404, a resident → 403) and bad ranges (422). The
// rates themselves are checked against a hand-computed fixture in
// tests/unit/test_complaint_stats.c.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import { api, staff, freshPhone, residentLogin, expectError, expectInvalid, request } from './lib.mjs';
import { uid, units } from './tenancy-lib.mjs';

const STATS = '/api/v1/stats/complaints';
const STATUSES = ['submitted', 'accepted', 'in_progress', 'resolved', 'closed', 'rejected', 'reopened'];
const RATES = ['received', 'rated', 'response_rate', 'resolution_rate', 'satisfaction_rate',
  'median_accept_minutes', 'median_resolve_minutes'];

// Today in Shanghai, yyyy-mm-dd, shifted by `days`.
const shanghai = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

let admin, cadre;
before(async () => {
  [admin, cadre] = await Promise.all(['admin', 'cadre1'].map(staff));
  await units();
});

function checkRates(o, where) {
  for (const k of RATES) assert.ok(k in o, `${where}: ${k}`);
  for (const k of ['response_rate', 'resolution_rate', 'satisfaction_rate']) {
    const v = o[k];
    assert.ok(v === null || (typeof v === 'number' && v >= 0 && v <= 1), `${where}: ${k} = ${v}`);
  }
  if (o.received === 0) assert.equal(o.response_rate, null, `${where}: no rate of nothing`);
  if (o.rated === 0) assert.equal(o.satisfaction_rate, null, `${where}: no satisfaction without ratings`);
}

describe('complaint statistics', () => {
  test('a cadre\'s default: their cooperative, the last 30 days, every status, category and day, each group', async () => {
    const groups = { 'SMQ-1-A': await uid('SMQ-1-A'), 'SMQ-1-B': await uid('SMQ-1-B') };
    const res = await api('GET', STATS, cadre);
    assert.equal(res.status, 200, res.text);
    const s = res.json;
    assert.equal(s.unit.id, await uid('SMQ-1'));
    assert.equal(s.unit.kind, 'cooperative');
    assert.equal(s.to, shanghai());
    assert.equal(s.from, shanghai(-29));
    checkRates(s, 'the unit');
    assert.deepEqual(Object.keys(s.by_status).sort(), [...STATUSES].sort());
    assert.equal(Object.values(s.by_status).reduce((a, b) => a + b, 0), s.received);
    assert.equal(s.per_day.length, 30);
    assert.equal(s.per_day[29].date, s.to);
    assert.equal(s.per_day.reduce((a, d) => a + d.count, 0), s.received);
    assert.ok(s.by_category.some((c) => c.code === 'noise' && c.name === '噪音扰民'));
    assert.equal(s.by_category.reduce((a, c) => a + c.count, 0), s.received);
    // Its groups (other suites may add more).
    for (const g of ['SMQ-1-A', 'SMQ-1-B']) assert.ok(s.children.some((c) => c.id === groups[g]), g);
    assert.ok(s.children.every((c) => c.kind === 'group'));
    for (const c of s.children) checkRates(c, c.name);
    assert.equal(s.children.reduce((a, c) => a + c.received, 0), s.received);
  });

  test('a new complaint is received today, in its group and building', async () => {
    const q = `${STATS}?unit=${await uid('SMQ-1-A')}&from=${shanghai()}&to=${shanghai()}`;
    const before = (await api('GET', q, cadre)).json;
    const r = await residentLogin(freshPhone('135'));
    const filed = await api('POST', '/api/v1/complaints', r, {
      json: { category: 'sanitation', text: '楼道堆放垃圾无人清理', building: await uid('B002') },
    });
    assert.equal(filed.status, 201, filed.text);
    const after = (await api('GET', q, cadre)).json;
    assert.equal(after.received, before.received + 1);
    assert.equal(after.by_status.submitted, before.by_status.submitted + 1);
    assert.equal(after.per_day.length, 1);
    assert.equal(after.per_day[0].count, before.per_day[0].count + 1);
    const b002 = after.children.find((c) => c.id === filed.json.building.id);
    assert.ok(b002, 'the building is a child of the group');
    assert.ok(b002.received >= 1);
  });

  test('the admin sees the village and both cooperatives', async () => {
    const uidOf = { 'SMQ-1': await uid('SMQ-1'), 'SMQ-2': await uid('SMQ-2') };
    const res = await api('GET', STATS, admin);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.unit.kind, 'village');
    // Other suites may add cooperatives: at least the demo's two.
    const kids = res.json.children;
    assert.ok(kids.every((c) => c.kind === 'cooperative'));
    for (const code of ['SMQ-1', 'SMQ-2']) assert.ok(kids.some((c) => c.id === uidOf[code]), code);
    assert.equal(kids.reduce((a, c) => a + c.received, 0) <= res.json.received, true);
  });

  test('must-fail: another cooperative\'s unit → 404; a resident → 403; no token → 401', async () => {
    expectError(await api('GET', `${STATS}?unit=${await uid('SMQ-2')}`, cadre), 404, 'not_found');
    expectError(await api('GET', `${STATS}?unit=${await uid('B021')}`, cadre), 404, 'not_found');
    expectError(await api('GET', `${STATS}?unit=999999999`, cadre), 404, 'not_found');
    const r = await residentLogin(freshPhone('135'));
    expectError(await api('GET', STATS, r), 403, 'forbidden');
    expectError(await request('GET', STATS), 401, 'unauthorized');
  });

  test('must-fail: from after to, more than 366 days, not a date → 422', async () => {
    expectInvalid(await api('GET', `${STATS}?from=2026-03-02&to=2026-03-01`, cadre), ['from']);
    expectInvalid(await api('GET', `${STATS}?from=2025-01-01&to=2026-01-02`, cadre), ['to']);
    const ok = await api('GET', `${STATS}?from=2024-01-01&to=2024-12-31`, cadre);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.per_day.length, 366);
    expectInvalid(await api('GET', `${STATS}?from=2026-02-30`, cadre), ['from']);
    expectInvalid(await api('GET', `${STATS}?to=yesterday`, cadre), ['to']);
    expectInvalid(await api('GET', `${STATS}?unit=abc`, cadre), ['unit']);
  });
});
