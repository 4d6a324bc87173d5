// Complaints (诉求) through nginx: filing, first receipt (首接负责) up the
// chain, the lifecycle and who may take each step, scope (another
// resident's complaint, another group's), the hidden name, races between
// two handlers, the categories, and the lists.
//
// Demo chain: B001/B002 are head1's, in 东巷户组 (leader1), under 第一经济社
// (cadre1). B011 is in 西巷户组 (no leader): cadre1 receives it. B021 is in
// the second cooperative (no leader, no cadre): the village admin does.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

import { api, expectError, expectInvalid, request, staff, freshPhone, residentLogin, smsTexts, testDir } from './lib.mjs';
import { tickOk } from './scheduler-lib.mjs';
import { sql } from './identity-lib.mjs';
import { uid, units } from './tenancy-lib.mjs';

export const COMPLAINTS = '/api/v1/complaints';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/;

const resident = () => residentLogin(freshPhone('137'));
const userOf = async (token) => (await api('GET', '/api/v1/me', token)).json.user.id;
const file = (who, json, headers = {}) => api('POST', COMPLAINTS, who, { json, headers });
const act = (who, id, json) => api('POST', `${COMPLAINTS}/${id}/events`, who, { json });
const get = (who, id) => api('GET', `${COMPLAINTS}/${id}`, who);

export async function fileOk(who, over = {}) {
  const body = { category: 'noise', text: '楼下夜里施工，噪音很大，影响休息', building: await uid('B001'), ...over };
  const res = await file(who, body);
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

async function step(who, id, json, status = 200) {
  const res = await act(who, id, json);
  assert.equal(res.status, status, `${json.action}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

let admin, cadre, leader, head;
before(async () => {
  [admin, cadre, leader, head] = await Promise.all(['admin', 'cadre1', 'leader1', 'head1'].map(staff));
  await units();
});

describe('filing', () => {
  test('a resident files about a building: 201, routed to the group leader, deadlines from the category', async () => {
    const r = await resident();
    const c = await fileOk(r);
    assert.equal(c.status, 'submitted');
    assert.equal(c.category.code, 'noise');
    assert.equal(c.category.name, '噪音扰民');
    assert.equal(c.building.id, await uid('B001'));
    assert.match(c.building.address, /石马桥东一巷1号/);
    assert.equal(c.handler.unit.kind, 'group');
    assert.equal(c.handler.name, '东巷户组长');
    for (const k of ['created_at', 'respond_due', 'resolve_due']) assert.match(c[k], RFC3339, k);
    // 噪音扰民: respond within 8 hours, resolve within 2 days.
    const hours = (a, b) => (Date.parse(b) - Date.parse(a)) / 3600e3;
    assert.equal(Math.round(hours(c.created_at, c.respond_due)), 8);
    assert.equal(Math.round(hours(c.created_at, c.resolve_due)), 48);
    assert.equal(c.overdue, false);
    assert.deepEqual(c.actions, []);
    assert.equal(c.events.length, 1);
    assert.equal(c.events[0].action, 'submit');
    assert.equal(c.resident.phone.includes('****'), true, 'the phone is masked');
    const rows = sql(`SELECT action FROM audit_log WHERE target_type = 'complaint' AND target_id = ${c.id}`);
    assert.deepEqual(rows.map((x) => x[0]), ['complaint.create']);
  });

  test('no group leader: the cooperative receives it; no cadre either: the village', async () => {
    const r = await resident();
    const west = await fileOk(r, { building: await uid('B011') });
    assert.equal(west.handler.unit.kind, 'cooperative');
    assert.equal(west.handler.name, '第一经济社干部');
    const south = await fileOk(r, { building: await uid('B021') });
    assert.equal(south.handler.unit.kind, 'village');
  });

  test('a free-text place without a building goes to the village', async () => {
    const r = await resident();
    const c = await fileOk(r, { building: undefined, place: '村口公交站旁的垃圾点' });
    assert.equal(c.building, null);
    assert.equal(c.place, '村口公交站旁的垃圾点');
    assert.equal(c.handler.unit.kind, 'village');
  });

  test('must-fail: missing, wrong types, unknown category, no place, bad photos, staff, no token', async () => {
    const r = await resident();
    const b = await uid('B001');
    expectInvalid(await file(r, { text: '楼道灯坏了很久了', building: b }), ['category']);
    expectInvalid(await file(r, { category: 'repair', building: b }), ['text']);
    expectInvalid(await file(r, { category: 'repair', text: '短', building: b }), ['text']);
    expectInvalid(await file(r, { category: 'repair', text: 'x'.repeat(501), building: b }), ['text']);
    expectInvalid(await file(r, { category: 'repair', text: 12345, building: b }), ['text']);
    expectInvalid(await file(r, { category: 'no_such', text: '楼道灯坏了很久了', building: b }), ['category']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道灯坏了很久了' }), ['place']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道灯坏了很久了', building: 99999999 }), ['building']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道灯坏了很久了', building: await uid('SMQ-1-A') }),
      ['building']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道灯坏了很久了', building: '1' }), ['building']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道灯坏了很久了', building: b, photos: [1, 2, 3, 4] }),
      ['photos']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道灯坏了很久了', building: b, photos: ['a'] }),
      ['photos']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道灯坏了很久了', building: b, hide_identity: 'yes' }),
      ['hide_identity']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道\u202e灯坏了很久了', building: b }), ['text']);
    expectInvalid(await file(r, { category: 'repair', text: '楼道灯坏了很久了', building: b, extra: 1 }), ['extra']);
    expectError(await file(head, { category: 'repair', text: '楼道灯坏了很久了', building: b }), 403, 'forbidden');
    expectError(await request('POST', COMPLAINTS, { json: { category: 'repair', text: '楼道灯坏了很久了', building: b } }),
      401, 'unauthorized');
    // Nothing of the above was stored.
    const me = await userOf(r);
    assert.equal(sql(`SELECT COUNT(*) FROM complaints WHERE user_id = ${me}`)[0][0], '0');
  });

  test('must-fail: the cap holds when filings arrive at once', async () => {
    const r = await resident();
    const me = await userOf(r);
    await Promise.all(Array.from({ length: 18 }, () => fileOk(r)));
    const body = { category: 'noise', text: '同时提交的诉求内容', building: await uid('B001') };
    const answers = await Promise.all(Array.from({ length: 8 }, () => file(r, body)));
    assert.equal(answers.filter((a) => a.status === 201).length, 2, answers.map((a) => a.status).join(','));
    for (const a of answers.filter((x) => x.status !== 201)) expectError(a, 429, 'too_many_open_complaints');
    assert.equal(sql(`SELECT SUM(is_open) FROM complaints WHERE user_id = ${me}`)[0][0], '20');
  });

  test('must-fail: a 21st open complaint is refused (429) until one is finished', async () => {
    const r = await resident();
    const made = await Promise.all(Array.from({ length: 20 }, () => fileOk(r)));
    const res = await file(r, { category: 'noise', text: '又一次反映噪音问题', building: await uid('B001') });
    expectError(res, 429, 'too_many_open_complaints');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    await step(leader, made[0].id, { action: 'accept' });
    await step(leader, made[0].id, { action: 'resolve' });
    await fileOk(r);
  });

  test('with a real photo: the handlers in scope see it, nobody else does', async () => {
    const r = await resident();
    const file_ = path.join(testDir, 'complaint-photo.jpg');
    execFileSync('vips', ['black', file_, '640', '480', '--bands', '3']);
    const up = await api('POST', '/api/v1/uploads', r, { body: fs.readFileSync(file_), headers: { 'content-type': 'image/jpeg' } });
    assert.equal(up.status, 201, JSON.stringify(up.json));
    const c = await fileOk(r, { photos: [up.json.id] });
    assert.deepEqual(c.photos, [{ id: up.json.id, url: up.json.url, thumb_url: up.json.thumb_url }]);
    for (const who of [r, leader, head, cadre, admin]) {
      const res = await api('GET', c.photos[0].thumb_url, who);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
    }
    const other = await resident();
    expectError(await api('GET', c.photos[0].url, other), 404, 'not_found');
    // A building head elsewhere: B001 is head1's; make a fresh complaint at
    // B021 with a photo and ask head1.
    const up2 = await api('POST', '/api/v1/uploads', r, { body: fs.readFileSync(file_), headers: { 'content-type': 'image/jpeg' } });
    await fileOk(r, { building: await uid('B021'), photos: [up2.json.id] });
    expectError(await api('GET', up2.json.url, head), 404, 'not_found');
    expectError(await api('GET', up2.json.url, leader), 404, 'not_found');
  });

  test('must-fail: photos that are not the caller\'s uploads, or the same twice', async () => {
    const a = await resident();
    const b = await resident();
    const bId = await userOf(b);
    sql(`INSERT INTO uploads (user_id, sha256, width, height, bytes) VALUES (${bId}, '${'a'.repeat(64)}', 10, 10, 100)`);
    const upload = Number(sql(`SELECT MAX(id) FROM uploads WHERE user_id = ${bId}`)[0][0]);
    expectInvalid(await file(a, { category: 'repair', text: '楼道灯坏了很久了', building: await uid('B001'),
      photos: [upload] }), ['photos']);
    expectInvalid(await file(b, { category: 'repair', text: '楼道灯坏了很久了', building: await uid('B001'),
      photos: [upload, upload] }), ['photos']);
    const ok = await fileOk(b, { photos: [upload] });
    assert.equal(ok.photos.length, 1);
    assert.equal(ok.photos[0].url, `/api/v1/uploads/${upload}`);
  });
});

describe('retries (Idempotency-Key)', () => {
  test('a retry storm with one key files exactly one complaint; the answers agree', async () => {
    const r = await resident();
    const me = await userOf(r);
    const key = `storm-${Date.now()}-${Math.random()}`;
    const body = { category: 'sanitation', text: '垃圾三天没人清运了', building: await uid('B002') };
    const answers = await Promise.all(Array.from({ length: 12 }, () => file(r, body, { 'idempotency-key': key })));
    const ok = answers.filter((a) => a.status === 201);
    assert.ok(ok.length >= 1, answers.map((a) => a.status).join(','));
    for (const a of answers.filter((x) => x.status !== 201)) expectError(a, 409, 'idempotency_in_progress');
    assert.equal(new Set(ok.map((a) => a.json.id)).size, 1);
    const again = await file(r, body, { 'idempotency-key': key });
    assert.equal(again.status, 201);
    assert.equal(again.json.id, ok[0].json.id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    expectError(await file(r, { ...body, text: '换了内容的另一条诉求' }, { 'idempotency-key': key }), 422,
      'idempotency_key_reused');
    assert.equal(sql(`SELECT COUNT(*) FROM complaints WHERE user_id = ${me}`)[0][0], '1');
  });

  test('a retry after the first committed but never answered finds the first', async () => {
    const r = await resident();
    const me = await userOf(r);
    const key = `lost-${Date.now()}`;
    const body = { category: 'repair', text: '楼道灯坏了很久了', building: await uid('B002') };
    const first = await file(r, body, { 'idempotency-key': key });
    assert.equal(first.status, 201);
    // The stored answer is lost (its worker died before storing it, and
    // the claim was taken over): the complaint itself remembers the key.
    sql(`DELETE FROM idempotency_keys WHERE user_id = ${me}`);
    const retry = await file(r, body, { 'idempotency-key': key });
    assert.equal(retry.status, 201);
    assert.equal(retry.json.id, first.json.id);
    assert.equal(sql(`SELECT COUNT(*) FROM complaints WHERE user_id = ${me}`)[0][0], '1');
    // Without a key, a second one is a second complaint.
    await fileOk(r, body);
    assert.equal(sql(`SELECT COUNT(*) FROM complaints WHERE user_id = ${me}`)[0][0], '2');
  });
});

describe('the lifecycle', () => {
  test('accept → reply → resolve → rate: the timeline, the rates\' timestamps, unread updates and notifications', async () => {
    const r = await resident();
    const me = await userOf(r);
    const c = await fileOk(r);
    let s = await get(leader, c.id);
    assert.deepEqual(s.json.actions.sort(), ['accept', 'assign', 'escalate', 'note', 'reject', 'reply'].sort());
    s = await step(leader, c.id, { action: 'accept' });
    assert.equal(s.status, 'accepted');
    assert.ok(s.accepted_at);
    s = await step(leader, c.id, { action: 'note', text: '联系了施工队，明天答复' });
    s = await step(leader, c.id, { action: 'reply', text: '已联系施工方，夜间22点后停工' });
    assert.equal(s.status, 'in_progress');
    s = await step(leader, c.id, { action: 'resolve', text: '施工方已承诺夜间停工' });
    assert.equal(s.status, 'resolved');
    // The resident sees three updates, no staff note, and the staff names.
    const mine = await get(r, c.id);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.json.events.map((e) => e.action), ['submit', 'accept', 'reply', 'resolve']);
    assert.equal(mine.json.events[2].actor.role, 'group_leader');
    assert.equal(mine.json.events[2].actor.name, '东巷户组长');
    assert.deepEqual(mine.json.actions.sort(), ['rate', 'reopen']);
    assert.equal(mine.json.unread, 3, 'accepted, replied, resolved');
    assert.equal((await get(r, c.id)).json.unread, 0, 'reading it clears the count');
    const queued = sql(`SELECT kind FROM notifications WHERE user_id = ${me} ORDER BY id`);
    assert.equal(queued.length, 3);
    // Staff see the note.
    assert.ok((await get(leader, c.id)).json.events.some((e) => e.action === 'note' && e.public === false));
    s = await step(r, c.id, { action: 'rate', rating: 5, text: '很满意' });
    assert.equal(s.status, 'closed');
    assert.equal(s.rating, 5);
    expectError(await act(r, c.id, { action: 'rate', rating: 4 }), 409, 'state_conflict');
    const audit = sql(`SELECT action FROM audit_log WHERE target_type = 'complaint' AND target_id = ${c.id} ORDER BY id`);
    assert.deepEqual(audit.map((x) => x[0]), ['complaint.create', 'complaint.accept', 'complaint.note',
      'complaint.reply', 'complaint.resolve', 'complaint.rate']);
  });

  test('reopen: back to the handler, counted; resolve again', async () => {
    const r = await resident();
    const c = await fileOk(r);
    await step(leader, c.id, { action: 'accept' });
    await step(leader, c.id, { action: 'resolve' });
    const s = await step(r, c.id, { action: 'reopen', text: '晚上还是很吵' });
    assert.equal(s.status, 'reopened');
    assert.equal(s.reopened, 1);
    await step(leader, c.id, { action: 'resolve', text: '再次协调' });
  });

  test('reject needs a reason with where to go instead', async () => {
    const r = await resident();
    const c = await fileOk(r, { category: 'rental' });
    expectInvalid(await act(leader, c.id, { action: 'reject' }), ['text']);
    const s = await step(leader, c.id, { action: 'reject', text: '房租纠纷请到街道人民调解委员会办理' });
    assert.equal(s.status, 'rejected');
    assert.ok(s.closed_at);
    expectError(await act(leader, c.id, { action: 'reply', text: '补充' }), 409, 'state_conflict');
  });

  test('must-fail: rate before resolve → 409; staff cannot rate; a resident cannot accept; bad rating', async () => {
    const r = await resident();
    const c = await fileOk(r);
    expectError(await act(r, c.id, { action: 'rate', rating: 5 }), 409, 'state_conflict');
    expectError(await act(r, c.id, { action: 'accept' }), 403, 'forbidden');
    expectError(await act(leader, c.id, { action: 'rate', rating: 5 }), 403, 'forbidden');
    expectError(await act(leader, c.id, { action: 'resolve' }), 409, 'state_conflict');
    expectInvalid(await act(leader, c.id, { action: 'fly' }), ['action']);
    expectInvalid(await act(leader, c.id, {}), ['action']);
    await step(leader, c.id, { action: 'accept' });
    await step(leader, c.id, { action: 'resolve' });
    expectInvalid(await act(r, c.id, { action: 'rate', rating: 6 }), ['rating']);
    expectInvalid(await act(r, c.id, { action: 'rate' }), ['rating']);
    expectInvalid(await act(r, c.id, { action: 'rate', rating: '5' }), ['rating']);
  });

  test('assign down the chain, escalate up; the assignee may resolve', async () => {
    const r = await resident();
    const c = await fileOk(r);
    const headId = await userOf(head);
    expectInvalid(await act(leader, c.id, { action: 'assign' }), ['assignee']);
    expectInvalid(await act(leader, c.id, { action: 'assign', assignee: await userOf(r) }), ['assignee']);
    expectInvalid(await act(leader, c.id, { action: 'assign', assignee: await userOf(cadre) }), ['assignee']);
    let s = await step(leader, c.id, { action: 'assign', assignee: headId });
    assert.equal(s.handler.id, headId);
    await step(head, c.id, { action: 'accept' });
    s = await step(head, c.id, { action: 'escalate' });
    assert.equal(s.handler.unit.kind, 'cooperative');
    assert.equal(s.escalations, 1);
    // The head is no longer the owner: they may still reply, not resolve.
    expectError(await act(head, c.id, { action: 'resolve' }), 403, 'forbidden');
    await step(head, c.id, { action: 'reply', text: '我已在楼道张贴告示' });
    s = await step(cadre, c.id, { action: 'escalate' });
    assert.equal(s.handler.unit.kind, 'village');
    expectError(await act(admin, c.id, { action: 'escalate' }), 409, 'state_conflict');
    await step(admin, c.id, { action: 'resolve' });
  });

  test('steps that keep the status race too: two escalations, two ratings → one each', async () => {
    const r = await resident();
    const c = await fileOk(r);
    await step(leader, c.id, { action: 'escalate' });
    // The admin owns every level: four at once from the cooperative, one
    // goes up to the village, the others find it moved (409).
    const ups = await Promise.all([admin, admin, admin, admin].map((w) => act(w, c.id, { action: 'escalate' })));
    assert.deepEqual(ups.map((a) => a.status).sort(), [200, 409, 409, 409]);
    const after = (await get(admin, c.id)).json;
    assert.equal(after.escalations, 2);
    assert.equal(after.handler.unit.kind, 'village');
    await step(admin, c.id, { action: 'accept' });
    await step(admin, c.id, { action: 'resolve' });
    const rates = await Promise.all([1, 2, 3, 4].map((n) => act(r, c.id, { action: 'rate', rating: n })));
    assert.equal(rates.filter((a) => a.status === 200).length, 1, rates.map((a) => a.status).join(','));
    assert.equal(sql(`SELECT COUNT(*) FROM complaint_events WHERE complaint_id = ${c.id} AND action = 'rate'`)[0][0], '1');
  });

  test('a building head\'s reply does not stop the response clock; the owner\'s does', async () => {
    const r = await resident();
    const c = await fileOk(r, { hide_identity: true });
    let s = await step(head, c.id, { action: 'reply', text: '我会处理的' });
    assert.equal(s.status, 'submitted');
    assert.equal(s.accepted_at, null);
    s = await step(leader, c.id, { action: 'reply', text: '户组已收到，正在核实' });
    assert.equal(s.status, 'in_progress');
    assert.ok(s.accepted_at);
  });

  test('a retried step (same Idempotency-Key) is one event, not two', async () => {
    const r = await resident();
    const c = await fileOk(r);
    const key = `reply-${Date.now()}`;
    const body = { action: 'reply', text: '已联系物业' };
    const send = () => api('POST', `${COMPLAINTS}/${c.id}/events`, leader, { json: body, headers: { 'idempotency-key': key } });
    const first = await send();
    assert.equal(first.status, 200);
    const again = await send();
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(sql(`SELECT COUNT(*) FROM complaint_events WHERE complaint_id = ${c.id} AND action = 'reply'`)[0][0], '1');
  });

  test('the full phone, to call back: audited, for those who may see who filed it', async () => {
    const r = await resident();
    const c = await fileOk(r, { hide_identity: true });
    const res = await api('GET', `${COMPLAINTS}/${c.id}/phone`, leader);
    assert.equal(res.status, 200);
    assert.equal(res.json.phone, r.phone);
    assert.equal(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.phone' AND target_id = ${c.id}`)[0][0], '1');
    expectError(await api('GET', `${COMPLAINTS}/${c.id}/phone`, head), 403, 'forbidden');
    expectError(await api('GET', `${COMPLAINTS}/${c.id}/phone`, r), 403, 'forbidden');
    const open = await fileOk(r);
    assert.equal((await api('GET', `${COMPLAINTS}/${open.id}/phone`, head)).json.phone, r.phone);
    const far = await fileOk(r, { building: await uid('B021') });
    expectError(await api('GET', `${COMPLAINTS}/${far.id}/phone`, leader), 404, 'not_found');
  });

  test('a complaint hidden from the building head is never assigned to one', async () => {
    const r = await resident();
    const c = await fileOk(r, { hide_identity: true });
    expectInvalid(await act(leader, c.id, { action: 'assign', assignee: await userOf(head) }), ['assignee']);
    const names = (await api('GET', `${COMPLAINTS}/${c.id}/assignees`, leader)).json.items.map((p) => p.name);
    assert.deepEqual(names, ['东巷户组长']);
  });

  test('assignees: the owners see who may take it, closest first; nobody else does', async () => {
    const r = await resident();
    const c = await fileOk(r);
    const res = await api('GET', `${COMPLAINTS}/${c.id}/assignees`, leader);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.items.map((p) => [p.name, p.role]), [['栋长陈伯', 'building_head'], ['东巷户组长', 'group_leader']]);
    assert.equal(res.json.items[0].unit.name, '石马桥东一巷1号楼');
    // The admin owns every level, and the list is still the owning level's.
    assert.equal((await api('GET', `${COMPLAINTS}/${c.id}/assignees`, admin)).json.items.length, 2);
    expectError(await api('GET', `${COMPLAINTS}/${c.id}/assignees`, head), 403, 'forbidden');
    expectError(await api('GET', `${COMPLAINTS}/${c.id}/assignees`, r), 403, 'forbidden');
    const far = await fileOk(r, { building: await uid('B021') });
    expectError(await api('GET', `${COMPLAINTS}/${far.id}/assignees`, leader), 404, 'not_found');
    expectError(await api('GET', `${COMPLAINTS}/99999999/assignees`, leader), 404, 'not_found');
  });

  test('two handlers resolving at once: one wins, the other 409', async () => {
    const r = await resident();
    const c = await fileOk(r);
    await step(leader, c.id, { action: 'accept' });
    const answers = await Promise.all([leader, cadre, admin, leader].map((w) => act(w, c.id, { action: 'resolve' })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expectError(a, 409, 'state_conflict');
    assert.equal(sql(`SELECT COUNT(*) FROM complaint_events WHERE complaint_id = ${c.id} AND action = 'resolve'`)[0][0], '1');
  });
});

describe('scope and privacy', () => {
  test('another resident\'s complaint → 404 for reading and acting; staff outside the building → 404', async () => {
    const a = await resident();
    const b = await resident();
    const c = await fileOk(a, { building: await uid('B001') });
    expectError(await get(b, c.id), 404, 'not_found');
    expectError(await act(b, c.id, { action: 'rate', rating: 1 }), 404, 'not_found');
    const far = await fileOk(a, { building: await uid('B021') });
    expectError(await get(head, far.id), 404, 'not_found');
    expectError(await act(head, far.id, { action: 'reply', text: '你好' }), 404, 'not_found');
    expectError(await get(leader, far.id), 404, 'not_found');
    expectError(await get(cadre, far.id), 404, 'not_found');
    assert.equal((await get(admin, far.id)).status, 200);
    expectError(await get(a, 99999999), 404, 'not_found');
    expectError(await api('GET', `${COMPLAINTS}/1abc`, a), 404, 'not_found');
    expectError(await api('GET', `${COMPLAINTS}/..%2f1`, a), 404, 'not_found');
  });

  test('the building head never sees a hidden name or phone; the group leader does', async () => {
    const r = await resident();
    const c = await fileOk(r, { hide_identity: true });
    const seen = await get(head, c.id);
    assert.equal(seen.status, 200);
    assert.equal(seen.json.resident, null);
    assert.equal(seen.json.events[0].actor.name, null);
    assert.equal(JSON.stringify(seen.json).includes(seen.json.resident?.name ?? '住户'), false);
    const list = await api('GET', `${COMPLAINTS}?building=${await uid('B001')}&limit=100`, head);
    const row = list.json.items.find((x) => x.id === c.id);
    assert.ok(row);
    assert.equal(row.resident, null);
    const up = await get(leader, c.id);
    assert.ok(up.json.resident?.name);
    assert.match(up.json.resident.phone, /^\d{3}\*{4}\d{4}$/);
    // Not hidden: the head sees the masked phone only.
    const open = await fileOk(r);
    assert.match((await get(head, open.id)).json.resident.phone, /^\d{3}\*{4}\d{4}$/);
  });
});

describe('lists', () => {
  test('a resident lists their own; keyset pages; filters', async () => {
    const r = await resident();
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await fileOk(r)).id);
    const p1 = await api('GET', `${COMPLAINTS}?limit=2`, r);
    assert.equal(p1.status, 200);
    assert.deepEqual(p1.json.items.map((x) => x.id), made.slice(0, 2));
    assert.ok(p1.json.next);
    const p2 = await api('GET', `${COMPLAINTS}?limit=2&after=${p1.json.next}`, r);
    assert.deepEqual(p2.json.items.map((x) => x.id), made.slice(2));
    assert.equal(p2.json.next, null);
    assert.equal(p1.json.items[0].events, undefined, 'lists carry no timeline');
    expectInvalid(await api('GET', `${COMPLAINTS}?unit=1`, r), ['unit']);
    expectInvalid(await api('GET', `${COMPLAINTS}?status=lost`, r), ['status']);
    expectInvalid(await api('GET', `${COMPLAINTS}?open=maybe`, r), ['open']);
    expectInvalid(await api('GET', `${COMPLAINTS}?nope=1`, r), ['nope']);
  });

  test('staff: scope, open, assigned to me, category, overdue', async () => {
    const r = await resident();
    const c1 = await fileOk(r, { category: 'repair' });
    const c2 = await fileOk(r, { building: await uid('B021') });
    const all = async (who, q = '') => {
      const ids = [];
      let after = '';
      for (;;) {
        const res = await api('GET', `${COMPLAINTS}?limit=100${q}${after}`, who);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        ids.push(...res.json.items.map((x) => x.id));
        if (!res.json.next) return ids;
        after = `&after=${res.json.next}`;
      }
    };
    const mine = await all(leader);
    assert.ok(mine.includes(c1.id));
    assert.ok(!mine.includes(c2.id));
    assert.ok((await all(admin)).includes(c2.id));
    assert.ok((await all(cadre, `&unit=${await uid('SMQ-1-A')}`)).includes(c1.id));
    expectError(await api('GET', `${COMPLAINTS}?unit=${await uid('SMQ-2')}`, cadre), 404, 'not_found');
    assert.ok((await all(leader, '&category=repair&open=true&mine=true')).includes(c1.id));
    assert.ok(!(await all(leader, '&category=noise')).includes(c1.id));
    assert.ok(!(await all(leader, '&open=false')).includes(c1.id));
    // Overdue: move its deadline into the past.
    sql(`UPDATE complaints SET respond_due = NOW(3) - INTERVAL 1 MINUTE WHERE id = ${c1.id}`);
    assert.ok((await all(leader, '&overdue=true')).includes(c1.id));
    assert.equal((await get(leader, c1.id)).json.overdue, true);
  });
});

describe('categories', () => {
  test('anyone signed in reads them; only an admin adds or edits; rules hold', async () => {
    const r = await resident();
    const list = await api('GET', '/api/v1/complaint-categories', r);
    assert.equal(list.status, 200);
    const fire = list.json.items.find((k) => k.code === 'fire_safety');
    assert.equal(fire.name, '消防安全');
    assert.equal(fire.urgent, true);
    assert.equal(fire.respond_minutes, 120);
    assert.ok(list.json.items.some((k) => k.kind === 'suggestion'));
    expectError(await request('GET', '/api/v1/complaint-categories'), 401, 'unauthorized');
    const code = `c${Date.now() % 1e9}`;
    const body = { code, name: `占道经营${code.slice(-4)}`, kind: 'problem', respond_minutes: 240, resolve_minutes: 2880 };
    expectError(await api('POST', '/api/v1/complaint-categories', cadre, { json: body }), 403, 'forbidden');
    expectError(await api('POST', '/api/v1/complaint-categories', r, { json: body }), 403, 'forbidden');
    expectInvalid(await api('POST', '/api/v1/complaint-categories', admin, { json: { ...body, code: 'a b' } }), ['code']);
    expectInvalid(await api('POST', '/api/v1/complaint-categories', admin, { json: { ...body, respond_minutes: 5 } }),
      ['respond_minutes']);
    const made = await api('POST', '/api/v1/complaint-categories', admin, { json: body });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    expectError(await api('POST', '/api/v1/complaint-categories', admin, { json: body }), 409, 'conflict');
    const id = made.json.id;
    const off = await api('PATCH', `/api/v1/complaint-categories/${id}`, admin, { json: { active: false } });
    assert.equal(off.status, 200);
    assert.equal(off.json.active, false);
    assert.ok(!(await api('GET', '/api/v1/complaint-categories', r)).json.items.some((k) => k.code === code));
    expectInvalid(await file(r, { category: code, text: '路边占道经营很严重', building: await uid('B001') }), ['category']);
    expectError(await api('PATCH', `/api/v1/complaint-categories/${id}`, admin, { json: {} }), 422, 'validation_failed');
    expectError(await api('PATCH', '/api/v1/complaint-categories/99999999', admin, { json: { active: true } }), 404,
      'not_found');
  });
});

// Last: these move the clock (huzu tick --now) for every complaint in the
// database; the tests above are finished by then.
describe('time (huzu tick)', () => {
  test('overdue → escalated one level; resolved and left alone 7 days → closed; the resident is texted', async () => {
    const r = await resident();
    const late = await fileOk(r);
    const done = await fileOk(r, { category: 'repair' });
    await step(leader, done.id, { action: 'accept' });
    await step(leader, done.id, { action: 'reply', text: '维修师傅明天上门' });
    await step(leader, done.id, { action: 'resolve', text: '灯已换好' });
    const t0 = Date.parse(late.created_at);
    // 噪音扰民 must be answered within 8 hours.
    let jobs = tickOk(new Date(t0 + 7 * 3600e3));
    assert.equal((await get(leader, late.id)).json.escalations, 0);
    jobs = tickOk(new Date(t0 + 9 * 3600e3));
    assert.ok(jobs.complaints_escalate.escalated >= 1);
    const up = await get(cadre, late.id);
    assert.equal(up.json.handler.unit.kind, 'cooperative');
    assert.equal(up.json.escalations, 1);
    const sys = up.json.events.at(-1);
    assert.equal(sys.action, 'escalate');
    assert.equal(sys.actor.role, 'system');
    // The leader's list still finds it (in scope), no longer as theirs.
    expectError(await act(leader, late.id, { action: 'resolve' }), 403, 'forbidden');
    // Six days after resolving: still resolved. Eight: closed, unrated.
    tickOk(new Date(Date.parse((await get(r, done.id)).json.resolved_at) + 6 * 86400e3));
    assert.equal((await get(r, done.id)).json.status, 'resolved');
    jobs = tickOk(new Date(Date.parse((await get(r, done.id)).json.resolved_at) + 8 * 86400e3));
    assert.ok(jobs.complaints_autoclose.closed >= 1);
    const closed = (await get(r, done.id)).json;
    assert.equal(closed.status, 'closed');
    assert.equal(closed.rating, null);
    assert.equal(closed.events.at(-1).action, 'close');
    // 问效 is still open to them once.
    assert.deepEqual(closed.actions, ['rate']);
    // The outbox went out through the SMS sender: accepted, replied, resolved.
    const texts = smsTexts(r.phone);
    assert.ok(texts.some((t) => t.includes('已受理')), texts.join('\n'));
    assert.ok(texts.some((t) => t.includes('已办结')), texts.join('\n'));
    const notes = await api('GET', '/api/v1/notifications', r);
    assert.equal(notes.status, 200);
    assert.ok(notes.json.items.some((n) => n.subject_id === done.id));
  });

  test('photos never attached are purged after a day, files too; attached ones stay', async () => {
    const r = await resident();
    const me = await userOf(r);
    const photo = (name) => {
      const f = path.join(testDir, name);
      execFileSync('vips', ['gaussnoise', f, '64', '48']);
      return fs.readFileSync(f);
    };
    const put = async (body) => (await api('POST', '/api/v1/uploads', r,
      { body, headers: { 'content-type': 'image/jpeg' } })).json;
    const shaOf = (id) => sql(`SELECT sha256 FROM uploads WHERE id = ${id}`)[0][0];
    const filesOf = (sha) => [`${sha}.jpg`, `${sha}_t.jpg`].map((f) => path.join(testDir, 'uploads', sha.slice(0, 2), f));
    const a = photo('purge-a.jpg');
    const b = photo('purge-b.jpg');
    const lone = await put(a);
    const kept = await put(b);
    const twin = await put(b);          // the same photo as kept, never attached
    await fileOk(r, { photos: [kept.id] });
    sql(`UPDATE uploads SET created_at = NOW(3) - INTERVAL 2 DAY WHERE user_id = ${me}`);
    const gone = filesOf(shaOf(lone.id));
    const shared = filesOf(shaOf(kept.id));
    const old = new Date(Date.now() - 2 * 86400e3);
    for (const f of [...gone, ...shared]) fs.utimesSync(f, old, old);
    const jobs = tickOk(new Date());
    assert.ok(jobs.purge_uploads.deleted >= 2);
    assert.equal(sql(`SELECT COUNT(*) FROM uploads WHERE id IN (${lone.id}, ${twin.id})`)[0][0], '0');
    assert.equal(sql(`SELECT COUNT(*) FROM uploads WHERE id = ${kept.id}`)[0][0], '1');
    for (const f of gone) assert.ok(!fs.existsSync(f), `${f} removed`);
    for (const f of shared) assert.ok(fs.existsSync(f), `${f} kept: the complaint's photo names it`);
    expectError(await api('GET', lone.url, r), 404, 'not_found');
    assert.equal((await api('GET', kept.url, r)).status, 200);
  });
});
