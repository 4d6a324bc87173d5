// The worker pool under load: a worker killed with SIGKILL is replaced, a
// SIGHUP replaces every worker without dropping a request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import {
  request, masterPid, execdWorkers, workerPids, isAlive, logLines, onEveryWorker, waitFor, sleep,
} from './lib.mjs';

const WORKERS = 3;

// 8 loops of GET /api/v1/version for `ms`; `at(elapsed)` is called once
// when `atMs` have passed. Returns {ok, failures: [...]}.
async function load({ ms = 3000, loops = 8, atMs = 500, at }) {
  const t0 = Date.now();
  let fired = false;
  let ok = 0;
  const failures = [];
  const trigger = (async () => {
    await sleep(atMs);
    fired = true;
    at();
  })();
  const loop = async () => {
    while (Date.now() - t0 < ms) {
      try {
        const res = await request('GET', '/api/v1/version', { timeout: 10_000 });
        if (res.status === 200 && res.json && res.json.name === 'huzu') ok++;
        else failures.push({ t: Date.now() - t0, status: res.status, body: res.text.slice(0, 200) });
      } catch (e) {
        failures.push({ t: Date.now() - t0, error: String(e) });
      }
    }
  };
  await Promise.all([trigger, ...Array.from({ length: loops }, loop)]);
  assert.ok(fired);
  return { ok, failures };
}

function pool(master) {
  return execdWorkers(master);
}

test('a worker killed with SIGKILL under load is replaced; at most the request in flight fails',
  { timeout: 60_000 }, async (t) => {
    const master = masterPid();
    const before = await waitFor(`${WORKERS} workers`, 5000, () => {
      const w = pool(master);
      return w.length === WORKERS && w;
    });
    const victim = before[1];

    const { ok, failures } = await load({ at: () => process.kill(victim, 'SIGKILL') });
    t.diagnostic(`${ok} ok, ${failures.length} failed`);
    assert.ok(ok > 50, `the pool kept answering (${ok} ok)`);
    assert.ok(failures.length <= 2, `at most 2 failures, got ${JSON.stringify(failures)}`);
    for (const f of failures) {
      // nginx turns the broken upstream into its 503 envelope.
      assert.equal(f.status, 503, JSON.stringify(f));
      assert.equal(JSON.parse(f.body).error.code, 'unavailable');
    }

    const after = await waitFor(`${WORKERS} workers again, without ${victim}`, 5000, () => {
      const w = pool(master);
      return w.length === WORKERS && !w.includes(victim) && w;
    });
    assert.ok(!workerPids(master, { zombies: true }).includes(victim), 'the killed worker was reaped');
    assert.equal(after.filter((p) => before.includes(p)).length, WORKERS - 1, 'the others kept running');
    assert.equal(masterPid(), master);

    const line = await waitFor('the "worker died" log line', 5000,
      () => logLines(/msg="worker died"/, new RegExp(`\\bworker=${victim}\\b`))[0]);
    assert.match(line, /\bsignal=9\b/);
    assert.match(line, /\blevel=error\b/);
    assert.match(line, new RegExp(`\\bpid=${master}\\b`), 'logged by the master');

    // The replacement answers too, like the others (by pid in the log).
    const answered = await onEveryWorker('after the respawn', async () => {
      const res = await request('GET', '/api/v1/version');
      assert.equal(res.status, 200, `after the respawn: ${res.text}`);
      return res;
    });
    for (const p of after) assert.ok(answered.has(p), `worker ${p} answered`);
  });

test('SIGHUP under load replaces every worker and drops no request', { timeout: 60_000 }, async (t) => {
  const master = masterPid();
  const before = await waitFor(`${WORKERS} workers`, 5000, () => {
    const w = pool(master);
    return w.length === WORKERS && w;
  });
  const reloadsBefore = logLines(/msg="reloading"/, new RegExp(`\\bpid=${master}\\b`)).length;

  const { ok, failures } = await load({ at: () => process.kill(master, 'SIGHUP') });
  t.diagnostic(`${ok} ok, ${failures.length} failed`);
  assert.ok(ok > 50, `the pool kept answering (${ok} ok)`);
  assert.deepEqual(failures, [], 'no request fails during a reload');

  const after = await waitFor(`${WORKERS} new workers and no old one`, 5000, () => {
    const all = workerPids(master, { zombies: true });
    const w = pool(master);
    return w.length === WORKERS && all.length === WORKERS && !all.some((p) => before.includes(p)) && w;
  });
  for (const p of before) assert.ok(!isAlive(p), `old worker ${p} is gone`);
  assert.equal(after.length, WORKERS);
  assert.equal(masterPid(), master, 'the master itself is not restarted');
  assert.equal(Number(fs.readFileSync(`/proc/${master}/stat`, 'utf8').split(' ')[0]), master);

  assert.equal(logLines(/msg="reloading"/, new RegExp(`\\bpid=${master}\\b`)).length, reloadsBefore + 1);
  for (const p of before) {
    assert.equal(logLines(/msg="worker died"/, new RegExp(`\\bworker=${p}\\b`)).length, 0,
      `retired worker ${p} is not reported as died`);
  }
  // Every new worker serves, with its own database connection.
  const answered = await onEveryWorker('after the reload', async () => {
    const res = await request('GET', '/api/v1/health');
    assert.equal(res.status, 200, res.text);
    return res;
  });
  for (const p of after) assert.ok(answered.has(p), `new worker ${p} answered`);
});
