// The periodic jobs: `huzu tick --now=` drives them (complaint deadlines,
// the outbox into the SMS log) with no sleeping; the scheduler process of
// `huzu serve` holds the lease when enabled, is respawned when it dies,
// releases the lease when it stops, and keeps tick out meanwhile. And the
// resident's notifications list.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  api, bin, configPath, testDir, staff, freshPhone, residentLogin, smsTexts, expectError, expectInvalid,
  request, waitFor, isAlive, workerPids, execdWorkers,
} from './lib.mjs';
import { sql } from './identity-lib.mjs';
import { tick, tickOk } from './scheduler-lib.mjs';
import { uid, units } from './tenancy-lib.mjs';

const COMPLAINTS = '/api/v1/complaints';

const lease = () => {
  const [row] = sql("SELECT holder, TIMESTAMPDIFF(SECOND, NOW(3), expires_at) FROM scheduler_leases WHERE name = 'jobs'");
  return { holder: row[0], left: Number(row[1]) };
};

let leader;
before(async () => {
  leader = await staff('leader1');
  await units();
});

async function fileComplaint(r) {
  const res = await api('POST', COMPLAINTS, r, {
    json: { category: 'noise', text: '楼下夜里施工，噪音很大', building: await uid('B001') },
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

describe('huzu tick', () => {
  test('sends the queued notifications into the SMS log, once', async () => {
    const phone = freshPhone('136');
    const r = await residentLogin(phone);
    const c = await fileComplaint(r);
    const acc = await api('POST', `${COMPLAINTS}/${c.id}/events`, leader, { json: { action: 'accept' } });
    assert.equal(acc.status, 200, acc.text);
    assert.deepEqual(smsTexts(phone), [], 'nothing is sent by the request itself');

    const jobs = tickOk();
    assert.ok(jobs.outbox.sent >= 1, JSON.stringify(jobs));
    for (const j of ['complaints_escalate', 'complaints_autoclose', 'outbox', 'purge_logins', 'purge_refresh_grace', 'purge_checkins', 'purge_idempotency']) {
      assert.ok(j in jobs, `tick ran ${j}`);
    }
    const texts = smsTexts(phone);
    assert.equal(texts.length, 1, 'one text for the acceptance');
    assert.match(texts[0], /^【户组】/);
    const [[sentAt]] = sql(`SELECT sent_at FROM notifications WHERE user_id = (SELECT user_id FROM complaints WHERE id = ${c.id})`);
    assert.ok(sentAt, 'marked sent');

    // Again at the same time: nothing new.
    tickOk();
    assert.equal(smsTexts(phone).length, 1, 'never sent twice');
  });

  test('an overdue complaint escalates one level up at a later --now', async () => {
    const r = await residentLogin(freshPhone('136'));
    const c = await fileComplaint(r);
    // 噪音扰民: respond within 8 hours. Nothing is due yet...
    tickOk();
    let [[n]] = sql(`SELECT escalations FROM complaints WHERE id = ${c.id}`);
    assert.equal(Number(n), 0);
    // ...nine hours on, it goes up to the cooperative.
    const jobs = tickOk(new Date(Date.now() + 9 * 3600e3));
    assert.ok(jobs.complaints_escalate.escalated >= 1, JSON.stringify(jobs));
    [[n]] = sql(`SELECT escalations FROM complaints WHERE id = ${c.id}`);
    assert.equal(Number(n), 1);
    const events = sql(`SELECT action, actor_id FROM complaint_events WHERE complaint_id = ${c.id} ORDER BY id`);
    assert.deepEqual(events.map((e) => e[0]), ['submit', 'escalate']);
    assert.equal(events[1][1], null, 'by the system');
  });

  test('must-fail: a --now that is no RFC 3339 time, an unknown option', () => {
    for (const bad of ['2026-12-01 08:00:00', '2026-12-01T08:00:00', 'tomorrow', '2026-02-30T00:00:00Z']) {
      const r = tick(bad);
      assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /RFC 3339/);
    }
    const r = spawnSync(bin, ['tick', '--later', '-c', configPath], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: huzu tick/);
  });
});

describe('notifications', () => {
  test('the resident\'s own, newest first, with the unread count; read up to an id', async () => {
    const r = await residentLogin(freshPhone('136'));
    const c = await fileComplaint(r);
    for (const json of [{ action: 'accept' }, { action: 'reply', text: '已联系施工方' }]) {
      const res = await api('POST', `${COMPLAINTS}/${c.id}/events`, leader, { json });
      assert.equal(res.status, 200, res.text);
    }
    let res = await api('GET', '/api/v1/notifications', r);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json).sort(), ['items', 'next', 'unread']);
    assert.equal(res.json.unread, 2);
    assert.equal(res.json.items.length, 2);
    const [newest, older] = res.json.items;
    assert.ok(newest.id > older.id, 'newest first');
    assert.deepEqual(Object.keys(newest).sort(), ['created_at', 'id', 'kind', 'read', 'subject_id', 'text']);
    assert.equal(newest.subject_id, c.id);
    assert.match(newest.kind, /^complaint\./);
    assert.match(newest.text, /[\u3400-\u9fff]/);
    assert.equal(newest.read, false);

    // One per page: the cursor leads to the older one.
    res = await api('GET', '/api/v1/notifications?limit=1', r);
    assert.equal(res.json.items[0].id, newest.id);
    assert.ok(res.json.next);
    res = await api('GET', `/api/v1/notifications?limit=1&after=${res.json.next}`, r);
    assert.equal(res.json.items[0].id, older.id);
    assert.equal(res.json.next, null);

    // Another resident sees none of them and cannot mark them.
    const other = await residentLogin(freshPhone('136'));
    res = await api('POST', '/api/v1/notifications/read', other, { json: { up_to: newest.id } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { unread: 0 });
    assert.deepEqual((await api('GET', '/api/v1/notifications', other)).json.items, []);

    res = await api('POST', '/api/v1/notifications/read', r, { json: { up_to: older.id } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { unread: 1 });
    res = await api('GET', '/api/v1/notifications', r);
    assert.deepEqual(res.json.items.map((n) => n.read), [false, true]);
    res = await api('POST', '/api/v1/notifications/read', r, { json: { up_to: newest.id } });
    assert.deepEqual(res.json, { unread: 0 });
  });

  test('must-fail: no token → 401; no or a bad up_to → 422; unknown fields → 422', async () => {
    expectError(await request('GET', '/api/v1/notifications'), 401, 'unauthorized');
    expectError(await request('POST', '/api/v1/notifications/read', { json: { up_to: 1 } }), 401, 'unauthorized');
    const r = await residentLogin(freshPhone('136'));
    expectInvalid(await api('POST', '/api/v1/notifications/read', r, { json: {} }), ['up_to']);
    expectInvalid(await api('POST', '/api/v1/notifications/read', r, { json: { up_to: 'all' } }), ['up_to']);
    expectInvalid(await api('POST', '/api/v1/notifications/read', r, { json: { up_to: 0 } }), ['up_to']);
    expectInvalid(await api('POST', '/api/v1/notifications/read', r, { json: { up_to: 1, all: true } }), ['all']);
    expectInvalid(await api('GET', '/api/v1/notifications?limit=1000', r), ['limit']);
  });
});

describe('the scheduler of huzu serve', () => {
  let tmp;
  let master;
  let logFile;

  const children = () => workerPids(master.pid);
  const schedulerPid = () => children().find((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[1] === 'scheduler';
    } catch {
      return false;
    }
  });

  before(async () => {
    tmp = fs.mkdtempSync(path.join(testDir, 'sched-'));
    const conf = path.join(tmp, 'huzu.conf');
    // The stack's config, with its own socket and a scheduler every second.
    let text = fs.readFileSync(configPath, 'utf8')
      .replace(/^socket = .*$/m, `socket = ${path.join(tmp, 'huzu.sock')}`)
      .replace(/^workers = .*$/m, 'workers = 2')
      .replace(/^scheduler_enabled = .*$/m, 'scheduler_enabled = 1')
      .replace(/^scheduler_interval = .*$/m, 'scheduler_interval = 1')
      .replace(/^log_level = .*$/m, 'log_level = info');
    fs.writeFileSync(conf, text);
    logFile = path.join(tmp, 'huzu.log');
    const out = fs.openSync(logFile, 'a');
    master = spawn(bin, ['serve', '-c', conf], { stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    await waitFor('the scheduler process', 20_000, () => schedulerPid());
  });

  after(async () => {
    if (master && isAlive(master.pid)) {
      process.kill(master.pid, 'SIGTERM');
      await waitFor('huzu serve to stop', 20_000, () => !isAlive(master.pid)).catch(() => process.kill(master.pid, 'SIGKILL'));
    }
  });

  test('one scheduler process beside the workers, holding the lease; its jobs log one line each', async () => {
    const pid = schedulerPid();
    assert.ok(pid);
    assert.equal(execdWorkers(master.pid).length, 2, 'the scheduler is not a worker');
    assert.equal(children().length, 3);
    // Named after its master, so that a respawned scheduler is the same
    // holder.
    const holder = `${os.hostname()}:${master.pid}`;
    await waitFor('the lease', 10_000, () => lease().holder === holder);
    assert.ok(lease().left > 25, `a lease of ~40 s: ${JSON.stringify(lease())}`);
    await waitFor('job log lines', 10_000, () => /msg="?job"? .*job=outbox sent=\d+ no_phone=\d+ failed=\d+/.test(fs.readFileSync(logFile, 'utf8')));
    // The jobs after the outbox log their lines a moment later.
    const jobs = ['complaints_escalate', 'complaints_autoclose', 'purge_logins', 'purge_checkins', 'purge_idempotency'];
    await waitFor('every job\'s line', 10_000, () => {
      const log = fs.readFileSync(logFile, 'utf8');
      return jobs.every((j) => new RegExp(`job=${j} `).test(log));
    });
  });

  test('while it holds the lease, tick does not run (exit 75, naming the holder)', async () => {
    const r = tick();
    assert.equal(r.status, 75, r.stderr + r.stdout);
    assert.match(r.stderr, new RegExp(`held by ${os.hostname()}:${master.pid}`));
    assert.equal(r.stdout, '', 'no job ran');
  });

  test('a scheduler killed with SIGKILL is respawned and carries on with the lease at once', async () => {
    const victim = schedulerPid();
    process.kill(victim, 'SIGKILL');
    const next = await waitFor('a new scheduler', 15_000, () => {
      const p = schedulerPid();
      return p && p !== victim && p;
    });
    assert.ok(isAlive(next));
    // The same master, the same holder: the new process renews the dead
    // one's lease instead of waiting 40 s for it to expire.
    sql("UPDATE scheduler_leases SET expires_at = NOW(3) + INTERVAL 10 SECOND WHERE name = 'jobs'");
    await waitFor('the lease renewed by the new one', 15_000, () => lease().left > 25);
    assert.equal(lease().holder, `${os.hostname()}:${master.pid}`);
  });

  test('SIGHUP replaces it: the old one stops and releases the lease, the new one takes it', async () => {
    const old = schedulerPid();
    const holder = `${os.hostname()}:${master.pid}`;
    await waitFor('the lease', 10_000, () => lease().holder === holder);
    process.kill(master.pid, 'SIGHUP');
    const next = await waitFor('the new scheduler', 15_000, () => {
      const p = schedulerPid();
      return p && p !== old && p;
    });
    assert.ok(!isAlive(old), 'never two schedulers side by side');
    assert.match(fs.readFileSync(logFile, 'utf8'), /scheduler lease released/);
    await waitFor('the lease taken again', 10_000, () => lease().holder === holder);
  });

  test('SIGTERM stops it with the workers and releases the lease; then tick runs', async () => {
    process.kill(master.pid, 'SIGTERM');
    await waitFor('huzu serve to stop', 30_000, () => !isAlive(master.pid));
    assert.equal(lease().holder, '', 'released on the way out');
    const log = fs.readFileSync(logFile, 'utf8');
    assert.match(log, /scheduler lease released/);
    assert.doesNotMatch(log, /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/);
    tickOk();
  });
});
