// GET /api/v1/me/home (issue 12) per role, and the tenancy notifications
// that feed 消息: a resident's registration through its states with the
// monthly check-in due, a building head's and a group leader's unit and
// todo total; tenancy.new to the head (or every leader of the group when
// the building has none), tenancy.approved / tenancy.rejected (with the
// reason) to the renter; nobody sees or marks another's.
//   HUZU_TEST_BASE=… HUZU_TEST_DIR=… node --test api/home.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { api, expectError, expectInvalid, expectStatus, request } from './lib.mjs';
import { sql } from './identity-lib.mjs';
import { CHECKINS, decide, registerOk, resident } from './tenancy-lib.mjs';
import { newStaff, newTree, posterToken, shanghaiMonth } from '../browser/fixture11.mjs';

const home = async (who) => expectStatus(await api('GET', '/api/v1/me/home', who), 200, 'GET /me/home');
const notes = async (who) => expectStatus(await api('GET', '/api/v1/notifications?limit=100', who), 200, 'notifications');
const about = (list, kind, id) => list.items.filter((n) => n.kind === kind && n.subject_id === id);

// The last day of the Shanghai month `ahead` months from now, yyyy-mm-dd.
function monthEnd(ahead) {
  const d = new Date(Date.now() + 8 * 3600_000);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1 + ahead, 0)).toISOString().slice(0, 10);
}

// A head and two leaders; a group of two buildings, one with the head and
// one without.
async function place() {
  const head = await newStaff('测试栋长');
  const tree = await newTree('主页测试社', { groups: [{ name: '主页户组', buildings: [{ name: '有栋长楼', head }, { name: '无栋长楼' }] }] });
  const group = tree.groups[0];
  const leaders = [await newStaff('测试户组长甲', 'group_leader', [group.id]), await newStaff('测试户组长乙', 'group_leader', [group.id])];
  const login = async (u) => expectStatus(await request('POST', '/api/v1/auth/login',
    { json: { username: u.username, password: 'test-password-2026' } }), 200, 'login');
  return {
    tree, group, withHead: group.buildings[0], noHead: group.buildings[1],
    head: { ...head, token: await login(head) },
    leaders: await Promise.all(leaders.map(async (l) => ({ ...l, token: await login(l) }))),
  };
}

describe('GET /me/home', () => {
  test('a resident: none → pending → active with the check-in due → checked in → rejected; the registered name', async () => {
    const p = await place();
    const r = await resident();
    let h = await home(r);
    assert.equal(h.residence, null);
    assert.equal(typeof h.name, 'string');
    assert.equal('todo_total' in h, false, 'no staff figures for a resident');
    assert.equal('unit' in h, false);

    const token = await posterToken(p.withHead.id);
    const { tenancy } = await registerOk(r, token, { name: '赵登记' });
    h = await home(r);
    assert.equal(h.name, '赵登记', 'the greeting follows the registered name');
    assert.deepEqual(Object.keys(h.residence).sort(),
      ['address', 'building_name', 'checked_in_this_month', 'next_checkin_due', 'status', 'tenancy_id']);
    assert.equal(h.residence.tenancy_id, tenancy.id);
    assert.equal(h.residence.status, 'pending');
    assert.equal(h.residence.building_name, '有栋长楼');
    assert.match(h.residence.address, /^测试巷[0-9a-f]+1号$/);
    assert.equal(h.residence.next_checkin_due, null);
    assert.equal(h.residence.checked_in_this_month, false);

    expectStatus(await decide(p.head.token, tenancy.id, 'approve'), 200, 'approve');
    h = await home(r);
    assert.equal(h.residence.status, 'active');
    assert.equal(h.residence.checked_in_this_month, false);
    assert.equal(h.residence.next_checkin_due, monthEnd(0));

    expectStatus(await api('POST', CHECKINS, r, { json: { token } }), 201, 'check-in');
    h = await home(r);
    assert.equal(h.residence.checked_in_this_month, true);
    assert.equal(h.residence.next_checkin_due, monthEnd(1));
    // Last month's check-in does not count for this one.
    const { month } = shanghaiMonth();
    sql(`UPDATE tenancies SET last_verified_at = CONVERT_TZ('${month}-01 00:00:00', '+08:00', '+00:00') - INTERVAL 1 SECOND WHERE id = ${Number(tenancy.id)}`);
    h = await home(r);
    assert.equal(h.residence.checked_in_this_month, false);
    sql(`UPDATE tenancies SET last_verified_at = CONVERT_TZ('${month}-01 00:00:00', '+08:00', '+00:00') WHERE id = ${Number(tenancy.id)}`);
    assert.equal((await home(r)).residence.checked_in_this_month, true);

    // Moved out: none; registered again and rejected: rejected.
    expectStatus(await decide(r, tenancy.id, 'end', { reason: '搬走了' }), 200, 'end');
    assert.equal((await home(r)).residence, null);
    const again = await registerOk(r, await posterToken(p.noHead.id));
    expectStatus(await decide(p.leaders[0].token, again.tenancy.id, 'reject', { reason: '房号不对' }), 200, 'reject');
    h = await home(r);
    assert.equal(h.residence.status, 'rejected');
    assert.equal(h.residence.next_checkin_due, null);
  });

  test('a building head: their building, pending renters and the same total as 今日待办; a leader: the group', async () => {
    const p = await place();
    await registerOk(await resident(), await posterToken(p.withHead.id));
    await registerOk(await resident(), await posterToken(p.noHead.id));
    const h = await home(p.head.token);
    assert.equal('residence' in h, false, 'no residence for staff');
    assert.equal(h.name, '测试栋长');
    assert.deepEqual(h.unit, { id: p.withHead.id, name: '有栋长楼', kind: 'building', units: 1, renters_active: 0, renters_pending: 1, complaints_open: 0 });
    const todo = expectStatus(await api('GET', '/api/v1/me/todo', p.head.token), 200, 'todo');
    assert.equal(h.todo_total, todo.items.reduce((s, i) => s + i.count, 0));
    assert.ok(h.todo_total >= 1);

    const l = await home(p.leaders[0].token);
    assert.equal(l.unit.id, p.group.id);
    assert.equal(l.unit.kind, 'group');
    assert.equal(l.unit.renters_pending, 2);
    assert.ok(l.todo_total >= 2);
  });

  test('must fail: no token 401, a bad token 401, a body or query is not taken', async () => {
    expectError(await request('GET', '/api/v1/me/home'), 401, 'unauthorized');
    expectError(await api('GET', '/api/v1/me/home', 'x.y.z'), 401, 'token_invalid');
    const r = await resident();
    const res = await api('GET', '/api/v1/me/home?unit=1', r);
    assert.ok([200, 422].includes(res.status), `an unknown query is ignored or refused, never 5xx: ${res.status}`);
    expectStatus(await api('POST', '/api/v1/me/home', r, { json: {} }), 405, 'POST is not a method of /me/home');
  });
});

describe('tenancy notifications', () => {
  test('tenancy.new to the head, or to each leader of the group when there is no head; decisions to the renter', async () => {
    const p = await place();
    const a = await resident();
    const b = await resident();
    const ta = (await registerOk(a, await posterToken(p.withHead.id))).tenancy;
    const tb = (await registerOk(b, await posterToken(p.noHead.id))).tenancy;

    const headNotes = await notes(p.head.token);
    assert.equal(about(headNotes, 'tenancy.new', ta.id).length, 1, 'the head hears of their building');
    assert.equal(about(headNotes, 'tenancy.new', tb.id).length, 0, 'not of another building');
    assert.match(about(headNotes, 'tenancy.new', ta.id)[0].text, /等待您审核/);
    assert.equal(about(headNotes, 'tenancy.new', ta.id)[0].read, false);
    for (const l of p.leaders) {
      const n = await notes(l.token);
      assert.equal(about(n, 'tenancy.new', tb.id).length, 1, 'each leader hears of the building without a head');
      assert.equal(about(n, 'tenancy.new', ta.id).length, 0, 'not of the head’s building');
    }
    // No ID or phone number in a text (it also goes out by SMS).
    // (The lane's random hex tag may itself be all digits: not a number.)
    assert.doesNotMatch(about(headNotes, 'tenancy.new', ta.id)[0].text.replace(/测试巷[0-9a-f]+/g, '测试巷'), /\d{6,}/);

    expectStatus(await decide(p.head.token, ta.id, 'approve'), 200, 'approve');
    expectStatus(await decide(p.leaders[1].token, tb.id, 'reject', { reason: '请填写正确的房号 203' }), 200, 'reject');
    const an = await notes(a);
    assert.equal(about(an, 'tenancy.approved', ta.id).length, 1);
    assert.match(about(an, 'tenancy.approved', ta.id)[0].text, /已通过/);
    assert.ok(an.unread >= 1);
    const bn = await notes(b);
    assert.equal(about(bn, 'tenancy.rejected', tb.id).length, 1);
    assert.match(about(bn, 'tenancy.rejected', tb.id)[0].text, /请填写正确的房号 203/);

    // Must fail: another's notifications are never in one's list...
    assert.equal(about(bn, 'tenancy.approved', ta.id).length, 0);
    assert.ok(bn.items.every((n) => n.subject_id !== ta.id));
    // ...and marking read reaches only one's own, even up to another's id.
    const aId = about(an, 'tenancy.approved', ta.id)[0].id;
    expectStatus(await api('POST', '/api/v1/notifications/read', b, { json: { up_to: aId + 1000 } }), 200, 'read');
    assert.equal(about(await notes(a), 'tenancy.approved', ta.id)[0].read, false, 'a’s stays unread');
    assert.equal((await notes(b)).unread, 0);
    const r = expectStatus(await api('POST', '/api/v1/notifications/read', a, { json: { up_to: aId } }), 200, 'read');
    assert.equal(r.unread, 0);
    assert.equal(about(await notes(a), 'tenancy.approved', ta.id)[0].read, true);
    // Wrong types and missing fields.
    expectInvalid(await api('POST', '/api/v1/notifications/read', a, { json: { up_to: String(aId) } }), ['up_to']);
    expectInvalid(await api('POST', '/api/v1/notifications/read', a, { json: {} }), ['up_to']);
  });
});
