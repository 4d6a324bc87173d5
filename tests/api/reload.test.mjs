// Operating the pool: a reload to a config whose database cannot be
// reached is refused while the old generation keeps serving (no non-2xx
// under load), and a good one is taken over; a moved log_file is reopened
// on SIGUSR1; pid_file lives exactly as long as the master; health probes
// are logged at debug only; `huzu config --check` says whether a file can
// serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import {
  bin, configPath, testDir, request, api, staff, masterPid, execdWorkers, workerPids, isAlive,
  logLines, waitFor, withTimeout, sleep, fcgiRequest, cgiParams, randomRequestId,
} from './lib.mjs';

const REFUSED = /msg="reload refused, keeping the running generation"/;

// `loops` requests in flight for `ms`, half GET /api/v1/health and half an
// authenticated GET /api/v1/me; `at()` runs once after `atMs`. Every
// answer that is not 2xx is kept.
async function load({ token, ms, atMs, at, loops = 8 }) {
  const t0 = Date.now();
  let ok = 0;
  const bad = [];
  const trigger = (async () => {
    await sleep(atMs);
    await at();
  })();
  const loop = async (i) => {
    while (Date.now() - t0 < ms) {
      const what = i % 2 ? 'GET /api/v1/me' : 'GET /api/v1/health';
      try {
        const res = i % 2 ? await api('GET', '/api/v1/me', token, { timeout: 10_000 })
          : await request('GET', '/api/v1/health', { timeout: 10_000 });
        if (res.status >= 200 && res.status < 300) ok++;
        else bad.push({ t: Date.now() - t0, what, status: res.status, body: res.text.slice(0, 200) });
      } catch (e) {
        bad.push({ t: Date.now() - t0, what, error: String(e) });
      }
    }
  };
  await Promise.all([trigger, ...Array.from({ length: loops }, (_, i) => loop(i))]);
  return { ok, bad };
}

const masterLines = (master, ...res) => logLines(...res, new RegExp(`\\bpid=${master}\\b`));

test('a reload whose database cannot be reached is refused with no non-2xx under load; a good one takes over',
  { timeout: 60_000 }, async (t) => {
    const master = masterPid();
    const good = fs.readFileSync(configPath, 'utf8');
    assert.match(good, /^db_name = /m);
    const bad = good.replace(/^db_name = .*$/m, 'db_name = nosuchdb');
    const token = await staff('admin');
    const before = await waitFor('3 workers', 5000, () => {
      const w = execdWorkers(master);
      return w.length === 3 && w;
    });
    const refusedBefore = masterLines(master, REFUSED).length;
    const reloadedBefore = masterLines(master, /msg="reloaded"/).length;

    try {
      const { ok, bad: failures } = await load({
        token, ms: 4000, atMs: 500,
        at: async () => {
          fs.writeFileSync(configPath, bad);
          process.kill(master, 'SIGHUP');
          await waitFor('the refusal', 3000, () => masterLines(master, REFUSED).length > refusedBefore);
        },
      });
      t.diagnostic(`bad reload: ${ok} ok, ${failures.length} not 2xx`);
      assert.ok(ok > 50, `the pool kept answering (${ok} ok)`);
      assert.deepEqual(failures, [], 'every answer 2xx while a bad reload was refused');
    } finally {
      fs.writeFileSync(configPath, good);
    }
    // Why, at error, from the master: the new workers cannot reach the
    // database it names.
    const [line] = masterLines(master, REFUSED).slice(refusedBefore);
    assert.match(line, /\blevel=error\b/);
    assert.match(line, /reason="new worker \d+: cannot reach the database \(.*db_name nosuchdb\)"/);
    assert.equal(masterLines(master, /msg="reloaded"/).length, reloadedBefore, 'nothing was taken over');
    // The old generation serves on, whole; the new one is gone.
    assert.deepEqual(execdWorkers(master), before);
    await waitFor('the refused workers to be reaped', 5000,
      () => workerPids(master, { zombies: true }).length === before.length);
    const health = await request('GET', '/api/v1/health');
    assert.equal(health.status, 200, health.text);

    // The config fixed: the next HUP is taken over, again with no failure.
    const { ok, bad: failures } = await load({
      token, ms: 3000, atMs: 300, at: () => process.kill(master, 'SIGHUP'),
    });
    t.diagnostic(`good reload: ${ok} ok, ${failures.length} not 2xx`);
    assert.deepEqual(failures, [], 'every answer 2xx while a good reload was taken over');
    const after = await waitFor('3 new workers and no old one', 10_000, () => {
      const all = workerPids(master, { zombies: true });
      return all.length === 3 && !all.some((p) => before.includes(p)) && all;
    });
    for (const p of before) assert.ok(!isAlive(p), `old worker ${p} is gone`);
    assert.equal(masterLines(master, /msg="reloaded"/).length, reloadedBefore + 1);
    assert.equal(masterLines(master, REFUSED).length, refusedBefore + 1, 'refused once only');
    assert.equal(masterPid(), master);
    assert.equal(after.length, 3);
  });

// A private `huzu serve` on its own socket with log_file and pid_file.
async function privateServe(t, tmp, extra = {}) {
  const conf = path.join(tmp, 'huzu.conf');
  const keys = {
    socket: path.join(tmp, 'huzu.sock'), workers: '2', log_level: 'info', scheduler_enabled: '1',
    log_file: path.join(tmp, 'huzu.log'), pid_file: path.join(tmp, 'huzu.pid'), ...extra,
  };
  let text = fs.readFileSync(configPath, 'utf8');
  for (const [k, v] of Object.entries(keys)) {
    assert.match(text, new RegExp(`^${k} = `, 'm'), `the stack's config has ${k}`);
    text = text.replace(new RegExp(`^${k} = .*$`, 'm'), `${k} = ${v}`);
  }
  fs.writeFileSync(conf, text);
  // stdout/stderr of the master: only what comes before log_file is open.
  const out = fs.openSync(path.join(tmp, 'serve.out'), 'a');
  const child = spawn(bin, ['serve', '-c', conf], { stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
      await withTimeout(exited, 15_000, 'huzu serve to stop').catch(() => process.kill(child.pid, 'SIGKILL'));
    }
  });
  return { conf, keys, child, exited, master: child.pid };
}

const fd2 = (pid) => fs.readlinkSync(`/proc/${pid}/fd/2`);

test('log_file: a moved log is reopened on SIGUSR1 by the master, its workers and the scheduler; pid_file lives as long as the master; health at debug',
  { timeout: 60_000 }, async (t) => {
    const tmp = fs.mkdtempSync(path.join(testDir, 'reload-'));
    {
      const { keys, master, exited } = await privateServe(t, tmp);
      const log = keys.log_file;
      const moved = `${log}.1`;
      const sock = keys.socket;
      await waitFor('the socket and the scheduler', 20_000, () => fs.existsSync(sock) &&
        workerPids(master).length === 3 && execdWorkers(master).length === 2);

      // pid_file: the master's pid while it serves; a second master with
      // the same pid_file is refused (and writes nothing).
      await waitFor('the pid file', 5000, () => fs.existsSync(keys.pid_file));
      assert.equal(fs.readFileSync(keys.pid_file, 'utf8'), `${master}\n`);
      const second = spawnSync(bin, ['serve', '-c', path.join(tmp, 'huzu.conf')], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(second.status, 1, `a second master: ${second.stderr}`);
      assert.match(second.stderr, new RegExp(`names huzu serve ${master}, still running`));
      assert.equal(fs.readFileSync(keys.pid_file, 'utf8'), `${master}\n`);

      // Health at debug (not logged at info), other routes as before.
      const hrid = randomRequestId();
      const vrid = randomRequestId();
      const h = await fcgiRequest(cgiParams('GET', '/api/v1/health', { REQUEST_ID: hrid }), undefined, { sock });
      assert.equal(h.status, 200, h.text);
      const v = await fcgiRequest(cgiParams('GET', '/api/v1/version', { REQUEST_ID: vrid }), undefined, { sock });
      assert.equal(v.status, 200, v.text);
      await waitFor('the version request in log_file', 5000,
        () => fs.readFileSync(log, 'utf8').includes(`rid=${vrid}`));
      assert.ok(!fs.readFileSync(log, 'utf8').includes(`rid=${hrid}`), 'a 200 health probe is not logged at info');

      // Every process writes to log_file.
      const procs = [master, ...workerPids(master)];
      for (const p of procs) assert.equal(fd2(p), log, `process ${p} logs to log_file`);

      // logrotate: move, then USR1.
      fs.renameSync(log, moved);
      process.kill(master, 'SIGUSR1');
      await waitFor('every process on the new file', 5000, () => procs.every((p) => fd2(p) === log));
      assert.match(fs.readFileSync(log, 'utf8'), new RegExp(`pid=${master} msg="log reopened"`));
      const movedSize = fs.statSync(moved).size;
      const rid = randomRequestId();
      const res = await fcgiRequest(cgiParams('GET', '/api/v1/version', { REQUEST_ID: rid }), undefined, { sock });
      assert.equal(res.status, 200, res.text);
      await waitFor('the new request in the new file', 5000, () => fs.readFileSync(log, 'utf8').includes(`rid=${rid}`));
      assert.equal(fs.statSync(moved).size, movedSize, 'the moved log stops growing');
      assert.ok(!fs.readFileSync(moved, 'utf8').includes(rid));
      assert.deepEqual(procs.filter((p) => !isAlive(p)), [], 'nobody died of USR1');

      // SIGTERM: the master stops and removes its pid file.
      process.kill(master, 'SIGTERM');
      assert.deepEqual(await withTimeout(exited, 20_000, 'the master to stop'), { code: 0, signal: null });
      assert.ok(!fs.existsSync(keys.pid_file), 'the pid file is removed at exit');
      assert.match(fs.readFileSync(log, 'utf8'), new RegExp(`pid=${master} msg="stopped"`));
      assert.doesNotMatch(fs.readFileSync(log, 'utf8') + fs.readFileSync(moved, 'utf8'),
        /worker died|AddressSanitizer|runtime error/);
    }
  });

test('a HUP while a reload is pending is applied after it; workers may change; the scheduler is replaced only on success',
  { timeout: 60_000 }, async (t) => {
    const tmp = fs.mkdtempSync(path.join(testDir, 'reload-'));
    const { conf, keys, master } = await privateServe(t, tmp);
    const schedulerOf = () => workerPids(master).find((p) => {
      try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[1] === 'scheduler'; } catch { return false; }
    });
    const text = () => fs.readFileSync(keys.log_file, 'utf8');
    const lines = (re) => text().split('\n').filter((l) => re.test(l) && l.includes(`pid=${master} `));
    const before = await waitFor('2 workers and the scheduler', 20_000, () => {
      const w = execdWorkers(master);
      return w.length === 2 && schedulerOf() && w;
    });
    const sched = schedulerOf();
    const good = fs.readFileSync(conf, 'utf8');

    // A bad one, and while it is being decided, a good one with 3 workers.
    fs.writeFileSync(conf, good.replace(/^db_name = .*$/m, 'db_name = nosuchdb'));
    process.kill(master, 'SIGHUP');
    await waitFor('the first reload to start', 5000, () => lines(/msg="reloading"/).length === 1, 10);
    fs.writeFileSync(conf, good.replace(/^workers = .*$/m, 'workers = 3'));
    process.kill(master, 'SIGHUP');

    await waitFor('the second reload to be taken over', 15_000, () => lines(/msg="reloaded"/).length === 1);
    assert.equal(lines(REFUSED).length, 1, 'the first one was refused');
    assert.match(lines(REFUSED)[0], /db_name nosuchdb/);
    assert.equal(lines(/msg="reloading"/).length, 2);
    assert.match(lines(/msg="reloaded"/)[0], /\bworkers=3\b/);
    const after = await waitFor('3 new workers and a new scheduler', 10_000, () => {
      const w = execdWorkers(master);
      const s = schedulerOf();
      return w.length === 3 && !w.some((p) => before.includes(p)) && s && s !== sched && w;
    });
    assert.equal(after.length, 3);
    // Every worker of the new generation answers.
    const sock = keys.socket;
    const seen = new Set();
    for (let i = 0; i < 200 && seen.size < 3; i++) {
      const rids = after.map(() => randomRequestId());
      const answers = await Promise.all(rids.map((rid) =>
        fcgiRequest(cgiParams('GET', '/api/v1/version', { REQUEST_ID: rid }), undefined, { sock })));
      for (const a of answers) assert.equal(a.status, 200, a.text);
      await waitFor('the request lines', 5000, () => rids.every((r) => text().includes(`rid=${r}`)));
      for (const l of text().split('\n')) {
        const m = / rid=([0-9a-f]{32})\b/.exec(l);
        if (m && rids.includes(m[1])) seen.add(Number(/\bpid=(\d+)/.exec(l)[1]));
      }
    }
    assert.deepEqual([...seen].sort(), [...after].sort(), 'every new worker answered');
  });

test('huzu config --check: 1 for a file that cannot serve, 0 for one that can', { timeout: 30_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(testDir, 'check-'));
  const good = fs.readFileSync(configPath, 'utf8');
  const cases = [
    ['a key out of range', good.replace(/^workers = .*$/m, 'workers = 0'), /workers/],
    ['an unknown key', `${good}\nno_such_key = 1\n`, /no_such_key/],
    ['a database that cannot be reached', good.replace(/^db_name = .*$/m, 'db_name = nosuchdb'),
      /database cannot be reached \(MariaDB error \d+: .*nosuchdb/],
  ];
  for (const [what, text, why] of cases) {
    const f = path.join(tmp, 'bad.conf');
    fs.writeFileSync(f, text);
    const r = spawnSync(bin, ['config', '--check', '-c', f], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1, `${what}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, why, what);
  }
  const r = spawnSync(bin, ['config', '--check', '-c', configPath], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ok/);
  // serve reads a snapshot (/dev/fd/N): its error names the file.
  const f = path.join(tmp, 'syntax.conf');
  fs.writeFileSync(f, good.replace(/^workers = .*$/m, 'workers = many'));
  const s = spawnSync(bin, ['serve', '-c', f], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(s.status, 1, s.stderr);
  assert.ok(s.stderr.includes(`huzu: ${f}:`), s.stderr);
  assert.match(s.stderr, /:\d+: bad value for workers/);
  assert.doesNotMatch(s.stderr, /\/dev\/fd\//);
});
