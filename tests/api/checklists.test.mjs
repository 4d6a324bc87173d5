// Monthly checklists through nginx: the template, the lists `huzu tick`
// issues on the 1st (once), a head completing theirs with a real photo and
// a problem that opens a complaint, the summary per building, reminders,
// and the staff home (GET /api/v1/me/todo).
//
// The demo village carries this month's template (scripts/demo/load). The
// test makes a group of its own with two new heads, so that its numbers
// are its own whatever other files did to the demo buildings.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

import {
  api, expectError, expectInvalid, expectStatus, login, request, residentLogin, staff, testDir,
} from './lib.mjs';
import { sql } from './identity-lib.mjs';
import { tickOk } from './scheduler-lib.mjs';

const TEMPLATES = '/api/v1/checklist-templates';
const LISTS = '/api/v1/checklists';
const TODO = '/api/v1/me/todo';
const FIX = path.join(testDir, 'checklist-fixtures');

// "yyyy-mm" of the Shanghai month holding `t`, and its 1st at 00:00:01.
const monthOf = (t) => new Date(t + 8 * 3600e3).toISOString().slice(0, 7);
const MONTH = monthOf(Date.now());
const FIRST = `${MONTH}-01T00:00:01+08:00`;
const PDF = Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n`
  + `2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
const DEMO_ITEMS = [
  { title: '消防器材检查', photo_required: true },
  { title: '出租屋登记核对', photo_required: false },
  { title: '楼道卫生', photo_required: true },
  { title: '安全隐患排查', photo_required: false },
];

let admin;
let cadre;
let headA;
let headB;
let resident;
let group;
let bA;
let bB;
let bNone;
let tag;

async function newHead(name) {
  const username = `chk${crypto.randomBytes(4).toString('hex')}`;
  const password = 'checklist-head-2026';
  const u = expectStatus(await api('POST', '/api/v1/users', admin, {
    json: { username, display_name: name, password },
  }), 201);
  return { id: u.id, token: await login(username, password) };
}

async function newBuilding(n, headId) {
  const json = { group_id: group, name: `${n}号楼`, lane: `清单测试${tag}巷`, door_no: String(n) };
  if (headId) json.head_id = headId;
  return expectStatus(await api('POST', '/api/v1/buildings', admin, { json }), 201).id;
}

// A real JPEG uploaded by `who`: its id.
async function photoOf(who) {
  const file = path.join(FIX, `p${crypto.randomBytes(3).toString('hex')}.jpg`);
  execFileSync('vips', ['gaussnoise', file, '64', '48'], { stdio: 'ignore' });
  const res = await api('POST', '/api/v1/uploads', who, {
    body: fs.readFileSync(file), headers: { 'content-type': 'image/jpeg' }, timeout: 60_000,
  });
  return expectStatus(res, 201, 'upload').id;
}

const tick = (who, list, position, json, headers = {}) =>
  api('POST', `${LISTS}/${list}/entries/${position}`, who, { json, headers });
const todoOf = async (who) => {
  const t = expectStatus(await api('GET', TODO, who), 200);
  assert.deepEqual(t.items.map((i) => i.key), ['registrations', 'directives', 'checklist', 'complaints']);
  return Object.fromEntries(t.items.map((i) => [i.key, i]));
};

before(async () => {
  fs.rmSync(FIX, { recursive: true, force: true });
  fs.mkdirSync(FIX, { recursive: true });
  tag = crypto.randomBytes(3).toString('hex');
  admin = await staff('admin');
  cadre = await staff('cadre1');
  resident = await residentLogin();
  // A cooperative of its own: the demo's cooperatives keep the units
  // other files count (orgtree.test.mjs lists SMQ-2's).
  const village = Number(sql("SELECT id FROM units WHERE kind = 'village' AND parent_id IS NULL")[0][0]);
  const coop = expectStatus(await api('POST', '/api/v1/units', admin, {
    json: { parent_id: village, kind: 'cooperative', name: `清单社${tag}` },
  }), 201).id;
  group = expectStatus(await api('POST', '/api/v1/units', admin, {
    json: { parent_id: coop, kind: 'group', name: `清单户组${tag}` },
  }), 201).id;
  headA = await newHead('栋长甲');
  headB = await newHead('栋长乙');
  bA = await newBuilding(1, headA.id);
  bB = await newBuilding(2, headB.id);
  bNone = await newBuilding(3, null);
});

after(() => fs.rmSync(FIX, { recursive: true, force: true }));

describe('templates', () => {
  test('this month has the demo template; staff read it, a resident may not', async () => {
    let res = await api('GET', `${TEMPLATES}/${MONTH}`, admin);
    if (res.status === 404) {
      // A stack without the demo's template: write it the same way.
      expectStatus(await api('PUT', `${TEMPLATES}/${MONTH}`, admin, {
        json: { title: '本月栋长工作清单', items: DEMO_ITEMS },
      }), 201);
      res = await api('GET', `${TEMPLATES}/${MONTH}`, admin);
    }
    const t = expectStatus(res, 200);
    assert.equal(t.month, MONTH);
    assert.deepEqual(t.items.map((i) => [i.position, i.title, i.photo_required]),
      DEMO_ITEMS.map((i, k) => [k + 1, i.title, i.photo_required]));
    const list = expectStatus(await api('GET', TEMPLATES, headA.token), 200);
    assert.ok(list.items.some((i) => i.month === MONTH && i.items === 4));
    expectError(await api('GET', `${TEMPLATES}/${MONTH}`, resident), 403, 'forbidden');
    expectError(await api('GET', `${TEMPLATES}/2030-13`, admin), 404, 'not_found');
  });

  test('a later month: written by the admin, edited until issued', async () => {
    const month = '2031-03';
    const items = [{ title: '消防器材检查', hint: '压力表指针在绿区', photo_required: true }];
    let t = expectStatus(await api('PUT', `${TEMPLATES}/${month}`, admin, {
      json: { title: '三月清单', items },
    }), 201);
    assert.equal(t.revision, 0);
    assert.equal(t.issued_at, null);
    assert.equal(t.items[0].hint, '压力表指针在绿区');
    t = expectStatus(await api('PUT', `${TEMPLATES}/${month}`, admin, {
      json: { title: '三月清单（修订）', items: [...items, { title: '楼道卫生', photo_required: false }] },
    }), 200);
    assert.equal(t.revision, 1);
    assert.equal(t.items.length, 2);
    // Not the admin: 403. Past months, bad months: 422 on month.
    expectError(await api('PUT', `${TEMPLATES}/${month}`, cadre, { json: { title: 'x', items } }), 403, 'forbidden');
    expectInvalid(await api('PUT', `${TEMPLATES}/2020-01`, admin, { json: { title: 'x', items } }), ['month']);
    expectInvalid(await api('PUT', `${TEMPLATES}/2031-3`, admin, { json: { title: 'x', items } }), ['month']);
    // Wrong types, missing fields, bounds.
    expectInvalid(await api('PUT', `${TEMPLATES}/${month}`, admin, { json: { title: 5, items: 'x' } }), ['title', 'items']);
    expectInvalid(await api('PUT', `${TEMPLATES}/${month}`, admin, { json: { title: '缺项目' } }), ['items']);
    expectInvalid(await api('PUT', `${TEMPLATES}/${month}`, admin, { json: { title: '空', items: [] } }), ['items']);
    expectInvalid(await api('PUT', `${TEMPLATES}/${month}`, admin, {
      json: { title: '太多', items: Array.from({ length: 21 }, (_, k) => ({ title: `第${k}项`, photo_required: false })) },
    }), ['items']);
    expectInvalid(await api('PUT', `${TEMPLATES}/${month}`, admin, {
      json: { title: '缺拍照', items: [{ title: '消防器材检查' }] },
    }), ['items']);
    expectInvalid(await api('PUT', `${TEMPLATES}/${month}`, admin, {
      json: { title: '多字段', items, extra: 1 },
    }), ['extra']);
    // Bad UTF-8 in the body.
    const bad = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","items":[]}')]);
    expectError(await api('PUT', `${TEMPLATES}/${month}`, admin, {
      body: bad, headers: { 'content-type': 'application/json' },
    }), 400, 'invalid_utf8');
    const later = expectStatus(await api('GET', `${TEMPLATES}/${month}`, admin), 200);
    assert.equal(later.title, '三月清单（修订）');
  });
});

describe('issuing and ticking', () => {
  let listA;
  let listB;

  test('huzu tick on the 1st issues one list per building with a head, once', async () => {
    const first = tickOk(FIRST);
    assert.ok(first.checklists_issue, 'the job ran');
    assert.ok(first.checklists_issue.lists >= 2, JSON.stringify(first.checklists_issue));
    assert.ok(first.checklists_issue.entries >= 8);
    const again = tickOk(FIRST);
    assert.deepEqual(again.checklists_issue, { lists: 0, entries: 0 });
    const page = expectStatus(await api('GET', `${LISTS}?unit=${group}`, admin), 200);
    assert.deepEqual(page.items.map((l) => l.building.id), [bA, bB]);
    assert.equal(page.next, null);
    for (const l of page.items) {
      assert.equal(l.month, MONTH);
      assert.equal(l.items, 4);
      assert.equal(l.items_done, 0);
      assert.equal(l.completed_at, null);
      assert.equal(l.overdue, false);
      assert.match(l.due_at, /T23:59:59\.999\+08:00$/);
    }
    [listA, listB] = page.items.map((l) => l.id);
    // A head sees their own list only; the template is fixed now.
    const mine = expectStatus(await api('GET', LISTS, headA.token), 200);
    assert.deepEqual(mine.items.map((l) => l.id), [listA]);
    const t = expectStatus(await api('GET', `${TEMPLATES}/${MONTH}`, admin), 200);
    assert.notEqual(t.issued_at, null);
    const fixed = await api('PUT', `${TEMPLATES}/${MONTH}`, admin, {
      json: { title: '改', items: DEMO_ITEMS },
    });
    expectError(fixed, 409, 'template_issued');
    // The message names the month (it may be a later one than this).
    const [y, m] = MONTH.split('-').map(Number);
    assert.equal(fixed.json.error.message, `${y}年${m}月的清单已下发，不能再修改；请编辑以后月份的模板`);
  });

  test('a head completes their list: photos where required, a problem with a note and a complaint', async () => {
    const photo = await photoOf(headA.token);
    const theirs = await photoOf(headB.token);
    // Item 1 needs a photo: without one, or with someone else's, 422 on photo.
    const e = expectInvalid(await tick(headA.token, listA, 1, { status: 'ok' }), ['photo']);
    assert.equal(e.fields.photo, '这一项需要拍照：请先拍一张现场照片');
    expectInvalid(await tick(headA.token, listA, 1, { status: 'ok', photo: theirs }), ['photo']);
    // A PDF of theirs is no photo either.
    const pdf = expectStatus(await api('POST', '/api/v1/uploads', headA.token, {
      body: PDF, headers: { 'content-type': 'application/pdf' },
    }), 201, 'pdf upload');
    assert.equal(pdf.kind, 'pdf');
    expectInvalid(await tick(headA.token, listA, 1, { status: 'ok', photo: pdf.id }), ['photo']);
    let l = expectStatus(await tick(headA.token, listA, 1, { status: 'ok', photo }), 200);
    assert.equal(l.items_done, 1);
    assert.equal(l.entries[0].status, 'ok');
    assert.deepEqual(l.entries[0].photo, {
      id: photo, kind: 'photo', url: `/api/v1/uploads/${photo}`, thumb_url: `/api/v1/uploads/${photo}?size=thumb`,
    });
    assert.equal(l.entries[0].done_by.id, headA.id);
    assert.equal(l.entries[0].done_by.name, '栋长甲');
    l = expectStatus(await tick(headA.token, listA, 2, { status: 'ok' }), 200);
    l = expectStatus(await tick(headA.token, listA, 2, { status: 'ok' }), 200);
    assert.equal(l.items_done, 2);
    l = expectStatus(await tick(headA.token, listA, 3, { status: 'ok', photo, note: '已清理' }), 200);
    assert.equal(l.entries[2].note, '已清理');
    // Wrong types, missing fields, unknown ones, bad UTF-8.
    expectInvalid(await tick(headA.token, listA, 4, { status: 1 }), ['status']);
    expectInvalid(await tick(headA.token, listA, 4, { status: 'done' }), ['status']);
    expectInvalid(await tick(headA.token, listA, 4, { note: '缺状态' }), ['status']);
    expectInvalid(await tick(headA.token, listA, 4, { status: 'ok', note: 5, photo: 'x' }), ['note', 'photo']);
    expectInvalid(await tick(headA.token, listA, 4, { status: 'problem', note: '有', complaint: 5 }), ['complaint']);
    expectInvalid(await tick(headA.token, listA, 4, { status: 'problem', note: '有', complaint: {} }), ['complaint']);
    expectInvalid(await tick(headA.token, listA, 4, { status: 'ok', colour: 'red' }), ['colour']);
    expectError(await api('POST', `${LISTS}/${listA}/entries/4`, headA.token, {
      body: Buffer.from([0x7b, 0x22, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
      headers: { 'content-type': 'application/json' },
    }), 400, 'invalid_utf8');
    // A problem needs a note; a complaint needs a problem.
    expectInvalid(await tick(headA.token, listA, 4, { status: 'problem' }), ['note']);
    const cats = expectStatus(await api('GET', '/api/v1/complaint-categories', headA.token), 200);
    const categoryId = cats.items.find((c) => c.code === 'noise').id;
    expectInvalid(await tick(headA.token, listA, 4, { status: 'ok', complaint: { category_id: categoryId } }), ['complaint']);
    // Another head's list does not exist for them; nor does item 5.
    expectError(await tick(headB.token, listA, 4, { status: 'ok' }), 404, 'not_found');
    expectError(await api('GET', `${LISTS}/${listA}`, headB.token), 404, 'not_found');
    expectError(await tick(headA.token, listA, 5, { status: 'ok' }), 404, 'not_found');
    expectError(await tick(headA.token, listB, 2, { status: 'ok' }), 404, 'not_found');
    // The complaint reads "安全隐患排查：<note>" within 500 characters:
    // a note too long for that is refused on the note, saying how long.
    const long = expectInvalid(await tick(headA.token, listA, 4, {
      status: 'problem', note: '线'.repeat(499), complaint: { category_id: categoryId },
    }), ['note']);
    assert.match(long.fields.note, /493/);
    // The last item: a problem, filed as a complaint at the building.
    l = expectStatus(await tick(headA.token, listA, 4, {
      status: 'problem', note: '二楼电线私拉乱接', complaint: { category_id: categoryId },
    }, { 'idempotency-key': `chk-${tag}` }), 200);
    assert.equal(l.entries[3].status, 'problem');
    assert.equal(l.problems, 1);
    assert.equal(l.items_done, 4);
    assert.notEqual(l.completed_at, null);
    const complaintId = l.entries[3].complaint_id;
    assert.ok(Number.isInteger(complaintId) && complaintId > 0);
    const c = expectStatus(await api('GET', `/api/v1/complaints/${complaintId}`, admin), 200);
    assert.equal(c.text, '安全隐患排查：二楼电线私拉乱接');
    // The same request again is the same answer, and files nothing more.
    const again = expectStatus(await tick(headA.token, listA, 4, {
      status: 'problem', note: '二楼电线私拉乱接', complaint: { category_id: categoryId },
    }, { 'idempotency-key': `chk-${tag}` }), 200);
    assert.equal(again.entries[3].complaint_id, complaintId);
    const got = expectStatus(await api('GET', `${LISTS}/${listA}`, headA.token), 200);
    assert.deepEqual(got, again);
  });

  test('the summary of the group counts each building by hand', async () => {
    const s = expectStatus(await api('GET', `${LISTS}/summary?unit=${group}&month=${MONTH}`, admin), 200);
    assert.deepEqual(s.unit, { id: group, name: `清单户组${tag}`, kind: 'group' });
    assert.equal(s.month, MONTH);
    assert.equal(s.issued, true, 'the month went out, bNone has no head');
    // A month whose template is written but has not gone out.
    const later = expectStatus(await api('GET', `${LISTS}/summary?unit=${group}&month=2031-03`, admin), 200);
    assert.equal(later.issued, false);
    assert.deepEqual(s.total, { lists: 2, completed: 1, items: 8, items_done: 4, problems: 1, overdue: 0 });
    assert.deepEqual(s.children.map((k) => [k.unit.id, k.checklist_id, k.lists, k.completed, k.items_done, k.problems]), [
      [bA, listA, 1, 1, 4, 1], [bB, listB, 1, 0, 0, 0], [bNone, null, 0, 0, 0, 0],
    ]);
    expectInvalid(await api('GET', `${LISTS}/summary?unit=${group}&month=12`, admin), ['month']);
    expectError(await api('GET', `${LISTS}/summary?unit=${group}`, headA.token), 404, 'not_found');
    expectError(await api('GET', `${LISTS}/summary`, resident), 403, 'forbidden');
  });

  test('reminders reach the heads of incomplete lists, once an hour', async () => {
    const r = expectStatus(await api('POST', `${LISTS}/remind`, admin, { json: { unit_id: group, month: MONTH } }), 200);
    assert.deepEqual(r, { reminded: 1 });
    assert.deepEqual(expectStatus(await api('POST', `${LISTS}/remind`, admin, { json: { unit_id: group } }), 200), { reminded: 0 });
    const n = expectStatus(await api('GET', '/api/v1/notifications', headB.token), 200);
    assert.deepEqual(n.items.map((i) => i.kind).sort(), ['checklist.new', 'checklist.remind']);
    // It names the month it is about.
    const text = n.items.find((i) => i.kind === 'checklist.remind').text;
    assert.ok(text.startsWith(`请尽快完成${Number(MONTH.slice(5))}月工作清单：`), text);
    expectError(await api('POST', `${LISTS}/remind`, headA.token, { json: { unit_id: bA } }), 403, 'forbidden');
    expectInvalid(await api('POST', `${LISTS}/remind`, admin, { json: { unit_id: 'x' } }), ['unit_id']);
    expectInvalid(await api('POST', `${LISTS}/remind`, admin, { json: {} }), ['unit_id']);
  });

  test('GET /me/todo answers each head\'s numbers; a resident gets 403', async () => {
    const a = await todoOf(headA.token);
    assert.deepEqual(a.registrations, { key: 'registrations', count: 0, overdue: 0 });
    assert.deepEqual(a.directives, { key: 'directives', count: 0, unread: 0, undone: 0 });
    assert.deepEqual(a.checklist, {
      key: 'checklist', count: 0, month: MONTH, lists: [{ id: listA, building: { id: bA, name: '1号楼' }, left: 0 }],
    });
    // The complaint the checklist opened is at their building, open.
    assert.deepEqual(a.complaints, { key: 'complaints', count: 1, overdue: 0 });
    const b = await todoOf(headB.token);
    assert.deepEqual(b.checklist, {
      key: 'checklist', count: 4, month: MONTH, lists: [{ id: listB, building: { id: bB, name: '2号楼' }, left: 4 }],
    });
    assert.equal(b.complaints.count, 0);
    // The admin's count covers the village.
    const adm = await todoOf(admin);
    assert.ok(adm.checklist.count >= 4);
    expectError(await api('GET', TODO, resident), 403, 'forbidden');
    expectError(await request('GET', TODO), 401, 'unauthorized');
  });

  test('two items ticked at once both count; reminders sent at once remind once', async () => {
    const ticks = await Promise.all([2, 4, 2, 4].map((p) => tick(headB.token, listB, p, { status: 'ok' })));
    for (const r of ticks) expectStatus(r, 200);
    const l = expectStatus(await api('GET', `${LISTS}/${listB}`, headB.token), 200);
    assert.equal(l.items_done, 2);
    assert.deepEqual(l.entries.map((e) => e.status), ['open', 'ok', 'open', 'ok']);
    // An hour has passed since the last reminder; ten reminders at once.
    sql(`UPDATE checklists SET reminded_at = reminded_at - INTERVAL 2 HOUR WHERE id = ${listB}`);
    const storm = await Promise.all(Array.from({ length: 10 }, () => api('POST', `${LISTS}/remind`, admin, { json: { unit_id: group, month: MONTH } })));
    const sent = storm.map((r) => expectStatus(r, 200).reminded);
    assert.equal(sent.reduce((a, b) => a + b, 0), 1, JSON.stringify(sent));
    const n = expectStatus(await api('GET', '/api/v1/notifications', headB.token), 200);
    assert.equal(n.items.filter((i) => i.kind === 'checklist.remind').length, 2);
  });
});
