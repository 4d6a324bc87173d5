// `huzu tick`, the scheduler's jobs run once at a given time, for the
// tests of everything time-driven (deadlines, the outbox, purges).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { bin, configPath } from './lib.mjs';

// `huzu tick` with the stack's config: {status, stdout, stderr}.
export function tick(now = new Date(), extra = []) {
  const at = typeof now === 'string' ? now : now.toISOString();
  const r = spawnSync(bin, ['tick', `--now=${at}`, ...extra, '-c', configPath], {
    encoding: 'utf8', timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A tick that must run: its counts by job, {outbox: {sent: 1, ...}, ...}.
export function tickOk(now) {
  const r = tick(now);
  assert.equal(r.status, 0, `huzu tick: ${r.stderr}${r.stdout}`);
  const jobs = {};
  for (const line of r.stdout.trim().split('\n')) {
    const m = /^([a-z_]+):(.*)$/.exec(line);
    assert.ok(m, `a tick line: ${line}`);
    jobs[m[1]] = Object.fromEntries(m[2].trim().split(' ').filter(Boolean).map((kv) => {
      const [k, v] = kv.split('=');
      return [k, Number(v)];
    }));
  }
  return jobs;
}

