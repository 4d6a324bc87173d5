// A stalled database is not a stalled site (issue 14, target 5). A MariaDB
// of its own (not the stack's: SIGSTOP would freeze every other test) with
// `huzu serve` (4 workers) and nginx in front. /me is loaded with wrk, then
// mariadbd is frozen (SIGSTOP) under wrk: every answer is the 503
// db_unavailable envelope, at once once the breaker is open (p99 within
// 1.5 s, the median far below), no 502/504 and no socket timeout; /health
// says the database is down, /metrics that the breaker is open. Then
// SIGCONT: /me answers 200 again within ~2 s without a restart, the same
// workers, no connection left behind, one warning for the breaker opening
// and one for it closing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bin, isAlive, waitFor, execdWorkers } from './lib.mjs';
import {
  root, huzuOk, writeConfig, keygen, rand, serve, nginx, http, expect, valueOf, socketGroup,
} from './ops-lib.mjs';

const WORKERS = 4;
const dbUser = os.userInfo().username; // socket authentication, as scripts/lib.sh

// wrk's report as one JSON line: the statuses counted in every thread, the
// latency percentiles (µs) and the socket errors.
const WRK_LUA = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) codes = {} end
function response(status, headers, body) codes[status] = (codes[status] or 0) + 1 end
function done(summary, latency, requests)
  local all, parts = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("codes")) do all[k] = (all[k] or 0) + v end
  end
  for k, v in pairs(all) do table.insert(parts, string.format('"%d":%d', k, v)) end
  local e = summary.errors
  io.write(string.format('WRK {"codes":{%s},"requests":%d,"p50":%d,"p99":%d,"max":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n', table.concat(parts, ","), summary.requests,
    latency:percentile(50), latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout))
end
`;

function wrk(base, token, lua, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t2', '-c32', `-d${seconds}s`, '--timeout', '2s', '--latency', '-s', lua,
      '-H', `Authorization: Bearer ${token}`, `${base}/api/v1/me`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      const m = /^WRK (.*)$/m.exec(out);
      if (code !== 0 || !m) reject(new Error(`wrk exited ${code}:\n${out}`));
      else resolve({ ...JSON.parse(m[1]), text: out });
    });
  });
}

const sql = (sock, query) => execFileSync('mariadb', ['--no-defaults', '-S', sock, '-u', dbUser, '-N', '-B', '-e', query],
  { encoding: 'utf8', timeout: 10_000 }).trim();

test('a frozen MariaDB: 503 within ~1 s under wrk, the pool never waits it out, 200 again by itself',
  { timeout: 90_000 }, async (t) => {
    assert.ok(bin, 'HUZU_BIN is required');
    const t0 = Date.now();
    const lap = (what) => t.diagnostic(`${what}: ${Date.now() - t0} ms`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-stall-'));
    fs.chmodSync(dir, 0o755);
    const dbDir = path.join(dir, 'db');
    const mysock = path.join(dbDir, 'mysql.sock');
    const sock = path.join(dir, 'run', 'huzu.sock');
    const logFile = path.join(dir, 'log', 'huzu.log');
    for (const d of ['db', 'run', 'log']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
    let mariadbd = null;
    let frozen = false;
    let pool;
    let front;
    try {
      // --- a small MariaDB of our own ---------------------------------------
      const small = ['--innodb-buffer-pool-size=32M', '--innodb-log-file-size=16M'];
      const init = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${dbDir}/data`, `--user=${dbUser}`,
        '--auth-root-authentication-method=socket', '--skip-test-db', ...small], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(init.status, 0, `mariadb-install-db: ${init.stdout}${init.stderr}`);
      mariadbd = spawn('/usr/sbin/mariadbd', ['--no-defaults', `--datadir=${dbDir}/data`, `--socket=${mysock}`,
        `--pid-file=${dbDir}/mysql.pid`, `--log-error=${dbDir}/mariadb.log`, `--user=${dbUser}`, '--skip-networking',
        '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', ...small],
      { stdio: 'ignore', detached: true });
      await waitFor('the private MariaDB', 30_000, () => spawnSync('mariadb-admin', ['--no-defaults', '-S', mysock,
        '-u', dbUser, 'ping'], { stdio: 'ignore' }).status === 0, 100);
      lap('MariaDB up');

      const secrets = keygen(path.join(dir, 'secrets'));
      const pw = valueOf(secrets, 'db_password');
      assert.match(pw, /^[0-9A-Za-z_-]+$/);
      execFileSync('mariadb', ['--no-defaults', '-S', mysock, '-u', dbUser], {
        input: "CREATE DATABASE huzu CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n" +
          `CREATE USER 'huzu'@'localhost' IDENTIFIED BY '${pw}';\nGRANT ALL PRIVILEGES ON huzu.* TO 'huzu'@'localhost';\n`,
      });
      const conf = path.join(dir, 'huzu.conf');
      writeConfig(conf, {
        socket: sock, socket_group: socketGroup(), workers: WORKERS, db_socket: mysock, sql_dir: path.join(root, 'sql'),
        secrets_file: secrets, scheduler_enabled: 0, drain_timeout: 5, uploads_dir: path.join(dir, 'uploads'),
        sms_log: path.join(dir, 'log', 'sms.log'), log_file: logFile,
      });
      huzuOk(['migrate'], conf);
      const adminPw = `st-${rand()}-${rand()}`;
      huzuOk(['init', 'STL', '停顿村', 'admin', '停顿村管理员'], conf, { input: `${adminPw}\n` });
      pool = await serve(conf, logFile);
      front = await nginx(path.join(dir, 'nginx'), sock, path.join(dir, 'uploads'));
      const call = (m, p, o) => http(front.base, m, p, o);
      const admin = expect(await call('POST', '/api/v1/auth/login', { json: { username: 'admin', password: adminPw } }),
        200, 'admin login');
      const token = admin.access_token;
      expect(await call('GET', '/api/v1/me', { token }), 200, '/me');
      const master = pool.child.pid;
      const workers = await waitFor(`${WORKERS} workers`, 5000, () => {
        const w = execdWorkers(master);
        return w.length === WORKERS && w;
      });
      const lua = path.join(dir, 'count.lua');
      fs.writeFileSync(lua, WRK_LUA);
      lap('stack up');

      // --- frozen ------------------------------------------------------------
      const dbPid = Number(fs.readFileSync(path.join(dbDir, 'mysql.pid'), 'utf8').trim());
      assert.equal(dbPid, mariadbd.pid);
      process.kill(dbPid, 'SIGSTOP');
      frozen = true;
      const load = await wrk(front.base, token, lua, 3);
      t.diagnostic(`frozen, wrk -c32 3 s on /me: ${JSON.stringify({ ...load, text: undefined })}`);
      const total = Object.values(load.codes).reduce((a, b) => a + b, 0);
      assert.ok(total > 100, `answers under wrk: ${total}`);
      assert.deepEqual(Object.keys(load.codes), ['503'], `only 503: ${JSON.stringify(load.codes)}`);
      assert.deepEqual([load.connect, load.read, load.write, load.timeout], [0, 0, 0, 0], `no socket error:\n${load.text}`);
      assert.ok(load.p99 <= 1_500_000, `p99 ${load.p99} µs <= 1.5 s`);
      assert.ok(load.p50 <= 400_000, `median ${load.p50} µs well under 1 s`);
      assert.ok(load.max <= 2_000_000, `max ${load.max} µs`);

      // What a phone and a balancer see meanwhile: the envelope, at once.
      let t1 = Date.now();
      const me = await call('GET', '/api/v1/me', { token });
      const meMs = Date.now() - t1;
      assert.equal(me.status, 503, me.text);
      assert.equal(me.json.error.code, 'db_unavailable');
      assert.match(me.json.error.message, /[\u4e00-\u9fff]/);
      t1 = Date.now();
      const health = await fetch(`${front.base}/api/v1/health`);
      const healthMs = Date.now() - t1;
      assert.equal(health.status, 503, 'health says the database is down');
      assert.match(health.headers.get('retry-after') || '', /^[1-9]\d*$/);
      assert.equal((await health.json()).error.code, 'db_unavailable');
      assert.ok(meMs < 1500 && healthMs < 1500, `/me ${meMs} ms, /health ${healthMs} ms`);
      const metrics = await (await fetch(`${front.base}/metrics`)).text();
      const metric = (name) => Number((new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics) || [])[1]);
      assert.equal(metric('huzu_db_breaker_open'), 1, 'the breaker is open');
      assert.ok(metric('huzu_db_breaker_opens_total') >= 1);
      assert.ok(metric('huzu_db_breaker_refusals_total') > total / 2, 'most answers never touched the database');
      assert.deepEqual(execdWorkers(master), workers, 'no worker died or was restarted');

      // --- thawed ------------------------------------------------------------
      process.kill(dbPid, 'SIGCONT');
      frozen = false;
      const thawed = Date.now();
      await waitFor('/me 200 after SIGCONT', 5000, async () =>
        (await call('GET', '/api/v1/me', { token })).status === 200, 25);
      const back = Date.now() - thawed;
      t.diagnostic(`200 again ${back} ms after SIGCONT`);
      assert.ok(back <= 2500, `back in ${back} ms`);
      // Every worker serves again: a short wrk run is all 200.
      const after = await wrk(front.base, token, lua, 1);
      assert.deepEqual(Object.keys(after.codes), ['200'], `all 200 again: ${JSON.stringify(after.codes)}`);
      assert.deepEqual(execdWorkers(master), workers, 'the same workers throughout');
      assert.ok(isAlive(master), 'the master runs');
      // No connection left behind: the given-up ones and the checks are
      // gone once the server has run again; one per worker at most.
      await waitFor('no leaked connection', 5000, () =>
        Number(sql(mysock, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED'")) <= WORKERS + 1, 100);
      // One warning when it opened, one when it closed: not one per request.
      const log = fs.readFileSync(logFile, 'utf8');
      assert.equal(log.match(/breaker open/g)?.length, 1, 'one warning for the breaker opening');
      assert.equal(log.match(/breaker closed/g)?.length, 1, 'one warning for the breaker closing');
      assert.doesNotMatch(log, /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/);
      lap('done');
    } finally {
      if (frozen) try { process.kill(mariadbd.pid, 'SIGCONT'); } catch { /* gone */ }
      await front?.stop().catch(() => {});
      await pool?.stop().catch(() => {});
      if (mariadbd && isAlive(mariadbd.pid)) {
        try { process.kill(mariadbd.pid, 'SIGTERM'); } catch { /* gone */ }
        await waitFor('mariadbd to stop', 30_000, () => !isAlive(mariadbd.pid)).catch(() => {
          try { process.kill(mariadbd.pid, 'SIGKILL'); } catch { /* gone */ }
        });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
