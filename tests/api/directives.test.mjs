// Directives through nginx: the admin sends one to every building head of
// a cooperative, two heads read it, one completes it with a photo, the
// counts say 2 read / 1 done, and a reminder reaches only the others.
// Then what must fail: bad bodies, forged and foreign upload ids, another
// head's receipt, the wrong role; and a PDF, served sandboxed, beside a
// fake one refused.
//
// The test makes its own cooperative (two groups, three buildings) and
// its own heads, so its counts meet nobody else's.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {
  api, request, expectError, expectInvalid, expectStatus, staff, login, testDir,
} from './lib.mjs';
import { sql } from './identity-lib.mjs';

const DIRECTIVES = '/api/v1/directives';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/;
const PASSWORD = 'directive test password';
const tag = crypto.randomBytes(3).toString('hex');
const inDays = (d) => new Date(Date.now() + d * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const w = {};   // the world: units and tokens

async function unit(admin, parent, kind, name) {
  const res = await api('POST', '/api/v1/units', admin, { json: { parent_id: parent, kind, name } });
  expectStatus(res, 201, `unit ${name}`);
  return res.json.id;
}

async function building(admin, group, n) {
  const res = await api('POST', '/api/v1/buildings', admin, {
    json: { group_id: group, name: `${n}号楼`, lane: `通知测试巷${tag}`, door_no: String(n) },
  });
  expectStatus(res, 201, `building ${n}`);
  return res.json.id;
}

// A new staff account holding `role` at `unitId`: {id, token}.
async function person(admin, name, role, unitId) {
  const username = `dir${tag}${name}`;
  let res = await api('POST', '/api/v1/users', admin, {
    json: { username, display_name: `栋长${name}`, password: PASSWORD },
  });
  expectStatus(res, 201, `user ${username}`);
  const id = res.json.id;
  res = await api('POST', `/api/v1/users/${id}/roles`, admin, { json: { role, unit_id: unitId } });
  expectStatus(res, 201, `role of ${username}`);
  return { id, token: await login(username, PASSWORD) };
}

const send = (who, json, headers = {}) => api('POST', DIRECTIVES, who, { json, headers });
const get = (who, id) => api('GET', `${DIRECTIVES}/${id}`, who);
const body = (over = {}) => ({
  unit_id: w.coop, audience: 'heads', title: `清理楼道杂物${tag}`,
  body: '请在本周五前清理楼道杂物，完成后拍照确认。', deadline: inDays(3), needs_done: true, ...over,
});

function photoFile() {
  const file = path.join(testDir, `directive-photo-${tag}.jpg`);
  if (!fs.existsSync(file)) execFileSync('vips', ['black', file, '320', '240', '--bands', '3']);
  return fs.readFileSync(file);
}

async function uploadPhoto(who) {
  const res = await api('POST', '/api/v1/uploads', who, { body: photoFile(), headers: { 'content-type': 'image/jpeg' } });
  expectStatus(res, 201, 'photo upload');
  assert.equal(res.json.kind, 'photo');
  return res.json;
}

const PDF = Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n`
  + `2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');

// The notifications of kind `kind` about directive `id` the user sees.
async function notesOf(who, kind, id) {
  const res = await api('GET', '/api/v1/notifications?limit=100', who.token);
  expectStatus(res, 200, 'notifications');
  return res.json.items.filter((n) => n.kind === kind && n.subject_id === id);
}

before(async () => {
  const admin = await staff('admin');
  const [[village]] = sql("SELECT id FROM units WHERE kind = 'village' ORDER BY id LIMIT 1");
  w.coop = await unit(admin, Number(village), 'cooperative', `通知测试社${tag}`);
  w.g1 = await unit(admin, w.coop, 'group', `东组${tag}`);
  w.g2 = await unit(admin, w.coop, 'group', `西组${tag}`);
  w.b1 = await building(admin, w.g1, 1);
  w.b2 = await building(admin, w.g1, 2);
  w.b3 = await building(admin, w.g2, 3);
  w.h1 = await person(admin, 'a', 'building_head', w.b1);
  w.h2 = await person(admin, 'b', 'building_head', w.b2);
  w.h3 = await person(admin, 'c', 'building_head', w.b3);
});

describe('a directive to every head of a cooperative', () => {
  test('sent, read by two, done by one with a photo; the reminder reaches the others', async () => {
    const admin = await staff('admin');
    let res = await send(admin, body());
    const d = expectStatus(res, 201, 'send');
    assert.equal(d.audience, 'heads');
    assert.equal(d.needs_done, true);
    assert.match(d.deadline, RFC3339);
    assert.match(d.created_at, RFC3339);
    assert.deepEqual(d.unit, { id: w.coop, name: `通知测试社${tag}`, kind: 'cooperative' });
    assert.equal(d.receipt, null);
    assert.deepEqual(d.counts, { recipients: 3, read: 0, done: 0, overdue: 0 });
    assert.deepEqual(d.children.map((c) => [c.unit.id, c.recipients]), [[w.g1, 2], [w.g2, 1]]);
    for (const h of [w.h1, w.h2, w.h3]) {
      const n = await notesOf(h, 'directive.new', d.id);
      assert.equal(n.length, 1, `new directive note of ${h.id}`);
      assert.match(n[0].text, /新通知：清理楼道杂物/);
    }

    // Two heads read it; the first look sets read_at, once.
    res = await get(w.h1.token, d.id);
    const r1 = expectStatus(res, 200, 'h1 reads');
    assert.match(r1.receipt.read_at, RFC3339);
    assert.equal(r1.counts, null);
    assert.equal(r1.children, null);
    res = await get(w.h1.token, d.id);
    assert.equal(res.json.receipt.read_at, r1.receipt.read_at);
    expectStatus(await get(w.h2.token, d.id), 200, 'h2 reads');

    // h1 completes it with a photo; twice counts once.
    const photo = await uploadPhoto(w.h1.token);
    res = await api('POST', `${DIRECTIVES}/${d.id}/done`, w.h1.token, { json: { note: '已清理完毕', photo: photo.id } });
    const done = expectStatus(res, 200, 'done');
    assert.match(done.receipt.done_at, RFC3339);
    assert.equal(done.receipt.done_note, '已清理完毕');
    assert.deepEqual(done.receipt.photo, { id: photo.id, kind: 'photo', url: photo.url, thumb_url: photo.thumb_url });
    res = await api('POST', `${DIRECTIVES}/${d.id}/done`, w.h1.token, { json: { note: '再报一次' } });
    assert.equal(expectStatus(res, 200, 'done again').receipt.done_note, '已清理完毕');

    // The sender's counts: 2 read, 1 done; per group.
    res = await get(admin, d.id);
    const s = expectStatus(res, 200, 'sender view');
    assert.deepEqual(s.counts, { recipients: 3, read: 2, done: 1, overdue: 0 });
    assert.deepEqual(s.children.map((c) => [c.unit.id, c.recipients, c.read, c.done]),
      [[w.g1, 2, 2, 1], [w.g2, 1, 0, 0]]);
    // The sender sees the evidence; a head of another receipt does not.
    res = await api('GET', photo.thumb_url, admin);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    expectError(await api('GET', photo.url, w.h3.token), 404, 'not_found');

    // The reminder: h2 and h3 have not done it; h1 has.
    res = await api('POST', `${DIRECTIVES}/${d.id}/remind`, admin, { json: {} });
    assert.deepEqual(expectStatus(res, 200, 'remind'), { reminded: 2, skipped: 0 });
    assert.equal((await notesOf(w.h1, 'directive.remind', d.id)).length, 0);
    assert.equal((await notesOf(w.h2, 'directive.remind', d.id)).length, 1);
    assert.equal((await notesOf(w.h3, 'directive.remind', d.id)).length, 1);
    // Within the hour: skipped.
    res = await api('POST', `${DIRECTIVES}/${d.id}/remind`, admin, { json: { state: 'undone' } });
    assert.deepEqual(expectStatus(res, 200, 'remind again'), { reminded: 0, skipped: 2 });
    assert.equal((await notesOf(w.h2, 'directive.remind', d.id)).length, 1);
    // Unread: only h3, and reminded already.
    res = await api('POST', `${DIRECTIVES}/${d.id}/remind`, admin, { json: { state: 'unread' } });
    assert.deepEqual(expectStatus(res, 200, 'remind unread'), { reminded: 0, skipped: 1 });
    // An hour on, ten reminders at once: each laggard is reminded once,
    // and none of the ten fails.
    sql(`UPDATE directive_receipts SET reminded_at = reminded_at - INTERVAL 2 HOUR WHERE directive_id = ${d.id}`);
    const storm = await Promise.all(Array.from({ length: 10 }, () => api('POST', `${DIRECTIVES}/${d.id}/remind`, admin, { json: {} })));
    const sent = storm.map((r) => expectStatus(r, 200, 'remind storm').reminded);
    assert.equal(sent.reduce((a, b) => a + b, 0), 2, JSON.stringify(sent));
    assert.equal((await notesOf(w.h2, 'directive.remind', d.id)).length, 2);
    assert.equal((await notesOf(w.h3, 'directive.remind', d.id)).length, 2);

    // The receipts: all, undone, under one group; the CSV.
    res = await api('GET', `${DIRECTIVES}/${d.id}/receipts`, admin);
    const all = expectStatus(res, 200, 'receipts');
    assert.deepEqual(all.items.map((r) => r.user.id), [w.h1.id, w.h2.id, w.h3.id]);
    assert.equal(all.next, null);
    const r3 = all.items[2];
    assert.equal(r3.role, 'building_head');
    assert.deepEqual(r3.unit, { id: w.b3, name: '3号楼', kind: 'building' });
    assert.equal(r3.reminders, 2);
    assert.match(r3.reminded_at, RFC3339);
    res = await api('GET', `${DIRECTIVES}/${d.id}/receipts?state=undone&limit=1`, admin);
    const page1 = expectStatus(res, 200, 'undone page');
    assert.deepEqual(page1.items.map((r) => r.user.id), [w.h2.id]);
    res = await api('GET', `${DIRECTIVES}/${d.id}/receipts?state=undone&after=${page1.next}`, admin);
    assert.deepEqual(expectStatus(res, 200, 'undone page 2').items.map((r) => r.user.id), [w.h3.id]);
    res = await api('GET', `${DIRECTIVES}/${d.id}/receipts?unit=${w.g2}`, admin);
    assert.deepEqual(expectStatus(res, 200, 'in g2').items.map((r) => r.user.id), [w.h3.id]);
    expectError(await api('GET', `${DIRECTIVES}/${d.id}/receipts?unit=${w.coop + 1000000}`, admin), 404, 'not_found');
    res = await api('GET', `${DIRECTIVES}/${d.id}/receipts.csv`, admin);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type'), /^text\/csv/);
    assert.match(res.headers.get('content-disposition'), /attachment; filename="directive-\d+-receipts\.csv"/);
    assert.deepEqual([...res.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const lines = res.text.trim().split('\r\n');
    assert.equal(lines.length, 4);
    assert.match(lines[1], /^栋长a,栋长,1号楼,/);
    // Times as Excel reads them, in Shanghai: "2026-12-02 23:25".
    const shanghai = (t) => new Date(Date.parse(t) + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ');
    const cells = lines[1].split(',');
    assert.equal(cells[3], shanghai(all.items[0].read_at));
    assert.equal(cells[4], shanghai(all.items[0].done_at));
    expectError(await api('GET', `${DIRECTIVES}/${d.id}/receipts.csv`, w.h1.token), 403, 'forbidden');

    // The boxes: h1's received, the admin's sent.
    res = await api('GET', `${DIRECTIVES}?box=received`, w.h1.token);
    const box = expectStatus(res, 200, 'received');
    const mine = box.items.find((i) => i.id === d.id);
    assert.ok(mine, 'in h1\'s box');
    assert.match(mine.done_at, RFC3339);
    assert.equal(mine.overdue, false);
    assert.deepEqual(mine.sender, { id: d.sender.id, name: d.sender.name });
    assert.equal(typeof box.unread, 'number');
    res = await api('GET', `${DIRECTIVES}?box=sent&limit=100`, admin);
    const sentItem = expectStatus(res, 200, 'sent').items.find((i) => i.id === d.id);
    assert.deepEqual([sentItem.recipients, sentItem.read, sentItem.done, sentItem.overdue], [3, 2, 1, 0]);
    expectError(await api('GET', `${DIRECTIVES}?box=sent`, w.h1.token), 403, 'forbidden');
  });

  test('an Idempotency-Key sends once', async () => {
    const admin = await staff('admin');
    const key = crypto.randomUUID();
    // One body, sent twice: its deadline is computed from the clock, and a
    // second boundary between two computations would make them differ.
    const same = body({ title: `只发一次${tag}` });
    const one = await send(admin, same, { 'idempotency-key': key });
    expectStatus(one, 201, 'first');
    const two = await send(admin, same, { 'idempotency-key': key });
    expectStatus(two, 201, 'replay');
    assert.equal(two.json.id, one.json.id);
    assert.equal(two.headers.get('idempotent-replayed'), 'true');
    const [[n]] = sql(`SELECT COUNT(*) FROM directives WHERE title = '只发一次${tag}'`);
    assert.equal(Number(n), 1);
  });

  test('a correction names the one it corrects', async () => {
    const admin = await staff('admin');
    const first = expectStatus(await send(admin, body({ needs_done: false, title: `原通知${tag}` })), 201, 'first');
    const fix = expectStatus(await send(admin, body({ needs_done: false, title: `更正通知${tag}`, corrects_id: first.id })),
      201, 'correction');
    assert.deepEqual(fix.corrects, { id: first.id, title: `原通知${tag}` });
    const seen = expectStatus(await get(w.h3.token, first.id), 200, 'h3 reads the first');
    assert.deepEqual(seen.corrections.map((c) => c.id), [fix.id]);
    // Only to read: done is not asked.
    expectError(await api('POST', `${DIRECTIVES}/${first.id}/done`, w.h3.token, { json: { note: '已阅' } }),
      409, 'done_not_needed');
    // One the caller cannot see as sender: a head's is no correction.
    expectInvalid(await send(admin, body({ corrects_id: 999999999 })), ['corrects_id']);
  });
});

describe('what must fail', () => {
  test('wrong types, missing fields, bad values', async () => {
    const admin = await staff('admin');
    expectInvalid(await send(admin, {}), ['unit_id', 'audience', 'title', 'body', 'deadline']);
    expectInvalid(await send(admin, body({ unit_id: 'x', audience: 5, needs_done: 'yes', files: '1' })),
      ['unit_id', 'audience', 'needs_done', 'files']);
    expectInvalid(await send(admin, body({ audience: 'everyone', title: '', body: 'x'.repeat(2001) })),
      ['audience', 'title', 'body']);
    expectInvalid(await send(admin, body({ deadline: '2026-13-01' })), ['deadline']);
    expectInvalid(await send(admin, body({ deadline: inDays(-1) })), ['deadline']);
    expectInvalid(await send(admin, body({ deadline: inDays(400) })), ['deadline']);
    expectInvalid(await send(admin, body({ files: [1, 2, 3, 4] })), ['files']);
    expectInvalid(await send(admin, body({ extra: 1 })), ['extra']);
    // Nobody of that audience under the unit.
    const e = expectError(await send(admin, body({ unit_id: w.g2, audience: 'leaders' })), 422, 'no_recipients');
    assert.ok(e.fields.unit_id);
    // Bad UTF-8 and a body over the limit.
    let res = await request('POST', DIRECTIVES, {
      body: Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      headers: { authorization: `Bearer ${admin.access_token}`, 'content-type': 'application/json' },
    });
    expectError(res, 400, 'invalid_utf8');
    res = await send(admin, body({ body: 'x'.repeat(70 * 1024) }));
    expectError(res, 413, 'body_too_large');
  });

  test('forged and foreign upload ids, another head\'s receipt, the wrong role', async () => {
    const admin = await staff('admin');
    const theirs = await uploadPhoto(w.h2.token);
    expectInvalid(await send(admin, body({ files: [999999999] })), ['files']);
    expectInvalid(await send(admin, body({ files: [theirs.id] })), ['files']);
    // To b1 only: h1's.
    const d = expectStatus(await send(admin, body({ unit_id: w.b1 })), 201, 'to b1');
    assert.equal(d.counts.recipients, 1);
    expectError(await get(w.h2.token, d.id), 404, 'not_found');
    expectError(await api('POST', `${DIRECTIVES}/${d.id}/done`, w.h2.token, { json: { note: '已办' } }), 404, 'not_found');
    expectError(await api('POST', `${DIRECTIVES}/${d.id}/remind`, w.h1.token, { json: {} }), 403, 'forbidden');
    expectError(await get(await staff('head1'), d.id), 404, 'not_found');
    // h1 completes with h2's photo: refused.
    expectInvalid(await api('POST', `${DIRECTIVES}/${d.id}/done`, w.h1.token, { json: { note: '已办', photo: theirs.id } }),
      ['photo']);
    expectInvalid(await api('POST', `${DIRECTIVES}/${d.id}/done`, w.h1.token, { json: {} }), ['note']);
    // A head sends nothing; a resident lists nothing.
    expectError(await send(w.h1.token, body({ unit_id: w.b1 })), 403, 'forbidden');
    expectError(await send(await staff('leader1'), body()), 404, 'not_found');
    expectError(await get(admin, 999999999), 404, 'not_found');
    expectError(await api('GET', DIRECTIVES), 401, 'unauthorized');
  });
});

describe('PDF files', () => {
  test('a PDF is kept as received and served sandboxed to the recipients; a fake one is 415', async () => {
    const admin = await staff('admin');
    let res = await api('POST', '/api/v1/uploads', admin, { body: PDF, headers: { 'content-type': 'application/pdf' } });
    const up = expectStatus(res, 201, 'pdf upload');
    assert.equal(up.kind, 'pdf');
    assert.equal(up.thumb_url, undefined);
    // One PDF, not mixed with photos.
    const photo = await uploadPhoto(admin);
    expectInvalid(await send(admin, body({ files: [up.id, photo.id] })), ['files']);
    const d = expectStatus(await send(admin, body({ files: [up.id], needs_done: false })), 201, 'with a pdf');
    assert.deepEqual(d.files, [{ id: up.id, kind: 'pdf', url: up.url }]);
    for (const who of [w.h3.token, admin]) {
      res = await api('GET', up.url, who);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.equal(res.headers.get('content-disposition'), `inline; filename="file-${up.id}.pdf"`);
      assert.equal(res.headers.get('content-security-policy'), 'sandbox');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(res.buf.equals(PDF), 'the bytes as sent');
    }
    expectError(await api('GET', up.url, await staff('head1')), 404, 'not_found');
    // A PDF's header without its end, and HTML named PDF: refused.
    for (const fake of [Buffer.from('%PDF-1.4\n<script>alert(1)</script>\n'), Buffer.from('<html>%%EOF</html>')]) {
      res = await api('POST', '/api/v1/uploads', admin, { body: fake, headers: { 'content-type': 'application/pdf' } });
      expectError(res, 415, 'unsupported_media_type');
    }
    // A PDF is no photo for a receipt.
    const d2 = expectStatus(await send(admin, body({ unit_id: w.b3 })), 201, 'to b3');
    res = await api('POST', '/api/v1/uploads', w.h3.token, { body: PDF, headers: { 'content-type': 'application/pdf' } });
    const hisPdf = expectStatus(res, 201, 'h3 pdf');
    expectInvalid(await api('POST', `${DIRECTIVES}/${d2.id}/done`, w.h3.token, { json: { note: '已办', photo: hisPdf.id } }),
      ['photo']);
  });
});

describe('the sender and the recipients', () => {
  test('a leader writing to their own group is no recipient of it', async () => {
    const admin = await staff('admin');
    const leader = await person(admin, 'lead', 'group_leader', w.g1);
    // To the leaders of g1: only the sender is one, so nobody is left.
    const title = `组长自发${tag}`;
    const e = expectError(await send(leader.token, body({ unit_id: w.g1, audience: 'leaders', title })), 422, 'no_recipients');
    assert.ok(e.fields.unit_id);
    assert.equal(Number(sql(`SELECT COUNT(*) FROM directives WHERE title = '${title}'`)[0][0]), 0);
    // To both: the heads of g1, not the leader.
    const d = expectStatus(await send(leader.token, body({ unit_id: w.g1, audience: 'both', title })), 201, 'to both');
    assert.equal(d.counts.recipients, 2);
    assert.equal(d.receipt, null);
    assert.deepEqual(d.children.map((c) => [c.unit.id, c.recipients]), [[w.b1, 1], [w.b2, 1]]);
    assert.equal((await notesOf(leader, 'directive.new', d.id)).length, 0);
    assert.equal((await notesOf(w.h1, 'directive.new', d.id)).length, 1);
    // The admin's to the same group reaches the leader.
    const a = expectStatus(await send(admin, body({ unit_id: w.g1, audience: 'both' })), 201, 'admin to both');
    assert.equal(a.counts.recipients, 3);
    assert.equal((await notesOf(leader, 'directive.new', a.id)).length, 1);
  });

  test('done sent at once with different notes: the first is kept, audited once', async () => {
    const admin = await staff('admin');
    const d = expectStatus(await send(admin, body({ unit_id: w.b2 })), 201, 'to b2');
    assert.equal(d.counts.recipients, 1);
    const notes = Array.from({ length: 8 }, (_, i) => `第${i + 1}次报告：已清理`);
    const answers = await Promise.all(notes.map((note) =>
      api('POST', `${DIRECTIVES}/${d.id}/done`, w.h2.token, { json: { note } })));
    const kept = answers.map((r) => expectStatus(r, 200, 'done at once').receipt.done_note);
    // Every answer shows the one note that was kept, and it is one sent.
    assert.equal(new Set(kept).size, 1, JSON.stringify(kept));
    assert.ok(notes.includes(kept[0]));
    const [[note, doneAt]] = sql(`SELECT done_note, done_at FROM directive_receipts WHERE directive_id = ${d.id}`);
    assert.equal(note, kept[0]);
    assert.ok(doneAt);
    const [[n]] = sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'directive.done' AND target_id = ${d.id}`);
    assert.equal(Number(n), 1);
  });
});
