// The database goes away and comes back: /health says so at once, the
// workers survive and reconnect on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
  dbctl, request, expectError, masterPid, execdWorkers, onEveryWorker, waitFor,
} from './lib.mjs';

function db(action) {
  execFileSync(dbctl, [action], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

test('health follows the database: 503 db_unavailable at once while it is down, 200 again after',
  { timeout: 240_000 }, async (t) => {
    assert.ok(dbctl, 'HUZU_DBCTL is required');
    let res = await request('GET', '/api/v1/health');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { status: 'ok' });
    const master = masterPid();
    const workers = await waitFor('3 workers', 5000, () => {
      const w = execdWorkers(master);
      return w.length === 3 && w;
    });

    let stopped = false;
    try {
      db('stop');
      stopped = true;
      const times = [];
      for (let i = 0; i < 5; i++) {
        res = await request('GET', '/api/v1/health', { timeout: 10_000 });
        times.push(Math.round(res.ms));
        expectError(res, 503, 'db_unavailable');
        const ra = res.headers.get('retry-after');
        assert.match(ra || '', /^[1-9]\d*$/, 'Retry-After in seconds');
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.ok(res.ms < 2000, `health took ${res.ms} ms with the database down`);
      }
      t.diagnostic(`503 in ${times.join(', ')} ms`);
      // Every worker says so, at once (checked by pid in the log).
      await onEveryWorker('503 from every worker', async () => {
        const r = await request('GET', '/api/v1/health', { timeout: 10_000 });
        expectError(r, 503, 'db_unavailable');
        assert.ok(r.ms < 2000, `parallel health took ${r.ms} ms`);
        return r;
      });
      // What needs no database keeps working.
      res = await request('GET', '/api/v1/version');
      assert.equal(res.status, 200, res.text);
      res = await request('POST', '/api/v1/client-errors', { json: { message: '数据库停了' } });
      assert.equal(res.status, 204, res.text);
    } finally {
      // Whatever happened above, the later tests need the database.
      if (stopped) db('start');
    }

    const t0 = Date.now();
    await waitFor('health 200 after the database is back', 15_000, async () =>
      (await request('GET', '/api/v1/health', { timeout: 5000 })).status === 200, 100);
    t.diagnostic(`200 again after ${Date.now() - t0} ms`);
    // Every worker reconnects, not just one (checked by pid in the log): a
    // worker whose last connect failed waits out its 500 ms back-off first
    // and says 503 meanwhile, which does not count.
    await onEveryWorker('200 from every worker', async () => {
      const r = await request('GET', '/api/v1/health');
      if (r.status !== 200) expectError(r, 503, 'db_unavailable');
      return r;
    }, { rounds: 1000, counts: (r) => r.status === 200 });
    assert.equal(masterPid(), master, 'the master was not restarted');
    assert.deepEqual(execdWorkers(master), workers, 'no worker was restarted');
  });
