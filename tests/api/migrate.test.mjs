// `huzu migrate` against the test database: idempotent, refuses a
// migration edited after it was applied, waits as long as a statement
// takes but not long for a table in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bin, configPath, waitFor } from './lib.mjs';
import { rootSession, sql } from './identity-lib.mjs';

const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' };

function migrate(conf) {
  const r = spawnSync(bin, ['migrate', '-c', conf], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, String(r.error));
  return r;
}

function sqlDir() {
  const m = /^sql_dir = (.*)$/m.exec(fs.readFileSync(configPath, 'utf8'));
  assert.ok(m, 'sql_dir in the test config');
  return m[1].trim();
}

test('migrate again applies nothing', () => {
  const r = migrate(configPath);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^0 migration\(s\) applied$/m);
  assert.doesNotMatch(r.stdout, /applying/);
});

test('a failing migration ends with MariaDB\'s own words', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-migrate-'));
  try {
    const dir = path.join(tmp, 'sql');
    fs.cpSync(sqlDir(), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '9999_x.sql'), 'SELECT nope FROM no_such_table;\n');
    const conf = path.join(tmp, 'huzu.conf');
    fs.writeFileSync(conf, fs.readFileSync(configPath, 'utf8').replace(/^sql_dir = .*$/m, `sql_dir = ${dir}`));
    const r = migrate(conf);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /9999_x\.sql failed: MariaDB error 1146: Table '.*no_such_table' doesn't exist/);
    assert.match(r.stderr, /huzu: migrate failed: MariaDB error 1146: Table '.*no_such_table' doesn't exist\n$/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('an applied migration that was edited is refused', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-migrate-'));
  try {
    const dir = path.join(tmp, 'sql');
    fs.cpSync(sqlDir(), dir, { recursive: true });
    const file = path.join(dir, '0001_audit_log.sql');
    assert.ok(fs.existsSync(file), '0001_audit_log.sql exists');
    fs.appendFileSync(file, '-- edited after it was applied\n');
    const conf = path.join(tmp, 'huzu.conf');
    fs.writeFileSync(conf, fs.readFileSync(configPath, 'utf8').replace(/^sql_dir = .*$/m, `sql_dir = ${dir}`));

    const r = migrate(conf);
    assert.notEqual(r.status, 0, `exit status (stdout: ${r.stdout})`);
    const out = r.stdout + r.stderr;
    assert.match(out, /0001_audit_log\.sql changed after it was applied/);
    assert.doesNotMatch(r.stdout, /migration\(s\) applied/);

    // Nothing was recorded: the real files still match.
    const again = migrate(configPath);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^0 migration\(s\) applied$/m);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

// A migration may rebuild a big table for minutes (sql/0024 copied a
// million tenancies in ~30 s): the 5 s db_read_timeout of requests cut it
// off ("Lost connection"), unrecorded, while the server carried on. Its
// wait for a table a transaction holds is short instead (2 s: every
// statement on that table queues behind it meanwhile), then it tries
// again 3 s later, five times in all, and fails (1205) if still held.
test('a statement longer than db_read_timeout completes; a table in use is waited for in 2 s turns',
  { timeout: 90_000 }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-migrate-'));
    let lock = null;
    try {
      const dir = path.join(tmp, 'sql');
      fs.cpSync(sqlDir(), dir, { recursive: true });
      fs.writeFileSync(path.join(dir, '9998_slow.sql'),
        'DO SLEEP(6);\nCREATE TABLE IF NOT EXISTS mig_probe (id INT PRIMARY KEY);\n');
      const conf = path.join(tmp, 'huzu.conf');
      fs.writeFileSync(conf, fs.readFileSync(configPath, 'utf8').replace(/^sql_dir = .*$/m, `sql_dir = ${dir}`));
      const t0 = Date.now();
      let r = migrate(conf);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stdout, 'applying 9998_slow.sql\n1 migration(s) applied\n');
      assert.ok(Date.now() - t0 >= 6000);

      lock = rootSession();
      await lock.hold('BEGIN');
      await lock.hold('SELECT COUNT(*) FROM mig_probe');
      fs.writeFileSync(path.join(dir, '9999_alter.sql'), 'ALTER TABLE mig_probe ADD COLUMN IF NOT EXISTS x INT;\n');
      // Held through five tries: the migration fails, the file unrecorded.
      const again = 'a table is in use: trying again in 3 s\n';
      const t2 = Date.now();
      r = migrate(conf);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stdout, new RegExp(`^applying 9999_alter\\.sql\n(${again}){4}error: 9999_alter\\.sql failed: `
        + 'MariaDB error 1205: Lock wait timeout exceeded'));
      assert.ok(Date.now() - t2 >= 5 * 2000 + 4 * 3000 - 1000, `failed after ${Date.now() - t2} ms`);
      assert.deepEqual(sql('SELECT COUNT(*) FROM schema_migrations WHERE version = 9999'), [['0']]);

      // Let go in the pause after the first try: applied on the second.
      const child = spawn(bin, ['migrate', '-c', conf], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const t1 = Date.now();
      await waitFor('migrate to find the table in use', 10_000, () => out.includes('in use'));
      const waited = Date.now() - t1;
      assert.equal(out, `applying 9999_alter.sql\n${again}`);
      assert.ok(waited >= 1500 && waited < 5000, `gave up its wait after ${waited} ms`);
      await lock.end();
      lock = null;
      assert.equal(await exited, 0, out);
      assert.equal(out, `applying 9999_alter.sql\n${again}1 migration(s) applied\n`);
      assert.deepEqual(sql("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'mig_probe' AND column_name = 'x'"), [['1']]);
      r = migrate(conf);
      assert.equal(r.stdout, '0 migration(s) applied\n');
    } finally {
      await lock?.end();
      sql('DROP TABLE IF EXISTS mig_probe');
      sql('DELETE FROM schema_migrations WHERE version IN (9998, 9999)');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
