// scripts/run supervises MariaDB: the real scripts/run, in a temporary data
// folder on a free port with the already built binary, has its mariadbd
// killed under load (SIGTERM, then SIGKILL). The site answers 503
// db_unavailable envelopes meanwhile and 200 again once scripts/run has
// restarted the database (and said so); nginx and the pool are the same
// processes throughout. Its log moved and USR1 sent, a new one starts.
// SIGTERM to scripts/run then leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bin, expectError, isAlive, sleep, waitFor, withTimeout, DEMO_PASSWORD } from './lib.mjs';
import { freePort } from './ops-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function readPid(file) {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

// Session id of a live process (field 6 of /proc/PID/stat), or null.
function sessionOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[3]);
  } catch {
    return null;
  }
}

// Live processes in any of `sessions`, or whose command line names `dir`.
function leftovers(sessions, dir) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || !isAlive(d)) continue;
    let argv = '';
    try {
      argv = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (sessions.has(sessionOf(d)) || argv.includes(dir)) out.push(`${d} ${argv}`);
  }
  return out;
}

test('scripts/run restarts a MariaDB that dies under load; the site comes back',
  { timeout: 240_000 }, async (t) => {
    assert.ok(bin, 'HUZU_BIN is required');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-run-'));
    fs.chmodSync(dir, 0o755);
    const port = await freePort();
    const site = `http://127.0.0.1:${port}`;
    let out = '';
    const run = spawn(path.join(root, 'scripts', 'run'), [], {
      cwd: root,
      detached: true, // its own session: nothing it starts is ours
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HUZU_VAR: dir,
        HUZU_PORT: String(port),
        HUZU_BIN: bin,
        // A small MariaDB: this one only serves /me to a few connections.
        HZ_DB_ARGS: '--innodb-buffer-pool-size=32M --innodb-log-file-size=16M',
      },
    });
    const collect = (d) => { out += d.toString('utf8').replace(/\x1b\[[0-9;]*m/g, ''); };
    run.stdout.on('data', collect);
    run.stderr.on('data', collect);
    const exited = new Promise((resolve) => run.on('exit', (code, signal) => resolve({ code, signal })));
    let done = null;
    exited.then((e) => { done = e; });
    const sessions = new Set([run.pid]);

    // An answer, with when it was asked (sent) and when it came (at).
    const get = async (urlPath, headers = {}) => {
      const sent = Date.now();
      const res = await fetch(site + urlPath, { headers, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, headers: res.headers, text, json, sent, at: Date.now() };
    };

    let loading = false;
    const loaders = [];
    try {
      const t0 = Date.now();
      for (;;) {
        assert.equal(done, null, 'scripts/run exited before serving');
        if ((await get('/api/v1/health').catch(() => ({ status: 0 }))).status === 200) break;
        assert.ok(Date.now() - t0 < 150_000, 'scripts/run did not serve /api/v1/health in 150 s');
        await sleep(200);
      }
      t.diagnostic(`up after ${Date.now() - t0} ms`);
      const masterPid = readPid(path.join(dir, 'run', 'huzu.pid'));
      const nginxPid = readPid(path.join(dir, 'nginx', 'nginx.master.pid'));
      sessions.add(masterPid).add(nginxPid);

      const login = await fetch(`${site}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'head1', password: DEMO_PASSWORD }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      const auth = { authorization: `Bearer ${(await login.json()).access_token}` };

      // The load: four clients asking for /me back to back, as wrk would.
      const results = [];
      loading = true;
      for (let i = 0; i < 4; i++) {
        loaders.push((async () => {
          while (loading) {
            try {
              results.push(await get('/api/v1/me', auth));
            } catch (e) {
              results.push({ status: 0, text: String(e), at: Date.now() });
              await sleep(50);
            }
          }
        })());
      }
      await waitFor('/me 200 under load', 10_000, () => results.some((r) => r.status === 200));

      for (const [signal, said] of [['SIGTERM', 'exited with status 0'], ['SIGKILL', 'killed by SIGKILL']]) {
        const dbPid = readPid(path.join(dir, 'db', 'mysqld.pid'));
        assert.match(fs.readFileSync(`/proc/${dbPid}/cmdline`, 'utf8'), /mariadbd/);
        sessions.add(dbPid);
        const killed = Date.now();
        process.kill(dbPid, signal);
        await waitFor(`mariadbd ${dbPid} to end (${signal})`, 30_000, () => !isAlive(dbPid), 20);
        const dead = Date.now();
        const outage = await waitFor(`a 503 from /me after ${signal}`, 15_000,
          () => results.find((r) => r.at > killed && r.status === 503), 20);
        expectError(outage, 503, 'db_unavailable');
        await waitFor(`scripts/run to log the ${signal}`, 15_000, () =>
          out.includes(`MariaDB (pid ${dbPid}) ${said}; restarting it in`));
        // (Asked after the old one was gone: those asked before may have
        // had their answer from it.)
        const back = await waitFor(`/me 200 again after ${signal}`, 30_000,
          () => results.find((r) => r.sent > dead && r.status === 200), 50);
        const newPid = readPid(path.join(dir, 'db', 'mysqld.pid'));
        assert.notEqual(newPid, dbPid, 'a new mariadbd');
        assert.ok(isAlive(newPid), `the new mariadbd ${newPid} runs`);
        sessions.add(newPid);
        await waitFor('"MariaDB is back" in the output', 10_000, () =>
          out.includes(`MariaDB is back (pid ${newPid}`));
        assert.equal(readPid(path.join(dir, 'run', 'huzu.pid')), masterPid, 'the pool was not restarted');
        assert.ok(isAlive(masterPid), 'huzu serve still runs');
        assert.ok(isAlive(nginxPid), 'nginx still runs');
        const n503 = results.filter((r) => r.at > killed && r.at <= back.at && r.status === 503).length;
        t.diagnostic(`${signal}: ${n503} × 503, 200 again ${back.at - killed} ms after the kill`);
      }

      // scripts/run sets log_file: the log moved away and USR1 to the
      // master, the lines go to a new huzu.log, none to the moved one.
      const logf = path.join(dir, 'log', 'huzu.log');
      fs.renameSync(logf, `${logf}.1`);
      process.kill(masterPid, 'SIGUSR1');
      await waitFor('a new huzu.log saying "log reopened"', 10_000, () =>
        fs.existsSync(logf) && fs.readFileSync(logf, 'utf8').includes('log reopened'));
      await sleep(500);
      const moved = fs.statSync(`${logf}.1`).size;
      const grown = fs.statSync(logf).size;
      await waitFor('new lines in the new huzu.log', 10_000, () => fs.statSync(logf).size > grown);
      assert.equal(fs.statSync(`${logf}.1`).size, moved, 'nothing more is written to the moved log');

      loading = false;
      await Promise.all(loaders);
      // Only answers: no refused connection, no 502 from nginx, no 500.
      const odd = results.filter((r) => r.status !== 200 &&
        !(r.status === 503 && r.json && r.json.error && r.json.error.code === 'db_unavailable'));
      assert.deepEqual(odd.map((r) => `${r.status} ${r.text.slice(0, 200)}`), [],
        `every answer is 200 or 503 db_unavailable (of ${results.length})`);
      t.diagnostic(`${results.length} requests under load`);

      // SIGTERM stops everything scripts/run started, the restarted
      // mariadbd included.
      assert.ok(leftovers(sessions, dir).length >= 4, 'the services were found');
      const t1 = Date.now();
      run.kill('SIGTERM');
      const e = await withTimeout(exited, 60_000, 'scripts/run to stop on SIGTERM');
      assert.deepEqual(e, { code: 0, signal: null }, out);
      t.diagnostic(`stopped in ${Date.now() - t1} ms`);
      assert.match(out, /==> stopping/);
      assert.deepEqual(leftovers(sessions, dir), [], 'nothing scripts/run started is left');
      assert.ok(!fs.existsSync(path.join(dir, 'run', 'huzu.pid')), 'no pid file is left after a stop');
      const log = ['huzu.log', 'huzu.log.1'].map((f) => fs.readFileSync(path.join(dir, 'log', f), 'utf8')).join('');
      assert.doesNotMatch(log, /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/);
    } catch (err) {
      t.diagnostic(`scripts/run said:\n${out}`);
      throw err;
    } finally {
      loading = false;
      await Promise.all(loaders);
      if (done === null) {
        run.kill('SIGTERM');
        await withTimeout(exited, 60_000, 'scripts/run to stop').catch(() => {});
      }
      for (const line of leftovers(sessions, dir)) {
        try { process.kill(Number(line.split(' ')[0]), 'SIGKILL'); } catch { /* gone */ }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
