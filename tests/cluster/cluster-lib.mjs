// A private Huzu cluster for tests: scripts/cluster (3 Galera nodes, two
// pools as if on two hosts, one nginx over both) started in a folder of
// its own on a port of its own, with this build's huzu, and stopped with
// SIGTERM as a person's Ctrl-C would. Node 20 built-ins only.
//
//   const c = await startCluster();      // HUZU_TEST_DIR, HUZU_TEST_BASE's port
//   c.base, c.nodes[i].socket, c.hosts[i].socket, c.sql(node, query)
//   await c.stop();
//
// scripts/test runs tests/cluster/ with HUZU_TEST_DIR (the folder, empty)
// and HUZU_TEST_BASE (http://127.0.0.1:PORT, PORT free) of their own.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// startCluster({dir, port, bin, set, env}): resolves once scripts/cluster
// has written dir/cluster.json (every node Synced, the pools and nginx
// up). `set`: config keys for the pools (HUZU_SET). Small nodes (64 MiB
// buffer pool, 16 MiB redo log, 32 MiB gcache) and loose login limits,
// as the test stacks have.
export async function startCluster({
  dir = process.env.HUZU_TEST_DIR,
  port = Number(new URL(process.env.HUZU_TEST_BASE).port),
  bin = process.env.HUZU_BIN,
  set = 'workers=2 code_ip_hourly=1000 drain_timeout=5',
  env = {},
  timeout = 240_000,
} = {}) {
  assert.ok(dir && port && bin, 'HUZU_TEST_DIR, HUZU_TEST_BASE and HUZU_BIN are required');
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, 'cluster.out');
  const fd = fs.openSync(out, 'a');
  const t0 = Date.now();
  const child = spawn(path.join(root, 'scripts', 'cluster'), [], {
    env: {
      ...process.env,
      HUZU_VAR: dir, HUZU_PORT: String(port), HUZU_BIN: bin, HUZU_SET: set,
      HZ_DB_ARGS: '--innodb-buffer-pool-size=64M --innodb-log-file-size=16M',
      HZ_GCACHE: '32M', HZ_AUTH_RATE: '50r/s', HZ_AUTH_BURST: '100',
      ...env,
    },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  fs.closeSync(fd);
  // For scripts/test, which stops a cluster that a crashed test left.
  fs.writeFileSync(path.join(dir, 'cluster.pid'), String(child.pid));
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const json = path.join(dir, 'cluster.json');
  while (!fs.existsSync(json)) {
    if (exited || Date.now() - t0 > timeout) {
      if (!exited) try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      assert.fail(`scripts/cluster ${exited ? `exited ${JSON.stringify(exited)}` : `not up in ${timeout} ms`}:\n` +
        fs.readFileSync(out, 'utf8').slice(-3000));
    }
    await sleep(100);
  }
  const info = JSON.parse(fs.readFileSync(json, 'utf8'));
  const c = {
    ...info,
    dir,
    out,
    child,
    upMs: Date.now() - t0,
    exited: () => exited,
    // SQL as the MariaDB administrator on node `i` (0-based): rows as
    // arrays of strings.
    sql(i, query, { db = 'huzu' } = {}) {
      const args = ['--no-defaults', '-S', info.nodes[i].socket, '-u', user, '-N', '-B', '--raw'];
      if (db) args.push(db);
      // stderr kept in the error (a node being restarted refuses
      // connections: not noise on the test's output).
      const text = execFileSync('mariadb', [...args, '-e', query], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return text.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
    },
    // wsrep status values of node `i` as an object.
    status(i) {
      return Object.fromEntries(c.sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_%'", { db: '' }));
    },
    hostPid(h) {
      return Number(fs.readFileSync(info.hosts[h].pid_file, 'utf8').trim());
    },
    // Stops everything (scripts/cluster's SIGTERM handling) and waits.
    async stop() {
      if (exited) return exited;
      process.kill(-child.pid, 'SIGTERM');
      const deadline = Date.now() + 120_000;
      while (!exited && Date.now() < deadline) await sleep(100);
      if (!exited) {
        try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
        assert.fail('scripts/cluster did not stop in 120 s');
      }
      return exited;
    },
  };
  return c;
}
