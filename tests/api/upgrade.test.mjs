// The README's upgrade procedure, once: an instance at the previous
// release's schema (migrations 0001-0016 only) holding data (an admin, a
// small tree, a renter's registration with a sealed phone and ID number)
// is upgraded in place by `huzu migrate` with the full sql/; the data
// reads back intact through the API of the new release, and a second
// migrate applies nothing. Then a migration that fails half-way: not
// recorded, and applied once fixed.
//
// The previous release's binary is not at hand, and this one may need
// the newer columns to serve (that is what the upgrade is for), so the
// data is written through this release's API into a seed database, then
// copied column by column into a database at 0016: the rows the previous
// release would hold, without the newer columns, sealed with the same keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  root, dbSocket, huzu, huzuOk, writeConfig, keygen, rand, createDatabases, serve, fcgi, expect,
  registerRenter, rootSql,
} from './ops-lib.mjs';

const PREVIOUS = 16; // the last migration of the previous release

// Every row of the tables `to` has, copied from `from` (the columns `to`
// has; generated ones are computed again; rows the migrations put in,
// such as the complaint categories, are replaced by the same ones).
function copyRows(from, to) {
  const cols = new Map();
  for (const [t, c] of rootSql(`SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = '${to}' AND EXTRA NOT LIKE '%GENERATED%' AND TABLE_NAME <> 'schema_migrations'
      ORDER BY TABLE_NAME, ORDINAL_POSITION`)) {
    if (!cols.has(t)) cols.set(t, []);
    cols.get(t).push(`\`${c}\``);
  }
  const stmts = ['SET FOREIGN_KEY_CHECKS = 0;'];
  for (const [t, c] of cols) {
    stmts.push(`REPLACE INTO \`${to}\`.\`${t}\` (${c.join(', ')}) SELECT ${c.join(', ')} FROM \`${from}\`.\`${t}\`;`);
  }
  rootSql(null, { input: stmts.join('\n') });
  return cols.size;
}

test('an instance at the previous release\'s schema upgrades in place: migrate, data intact; a failed migration is re-run',
  { timeout: 120_000 }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-upgrade-'));
    const id = rand();
    const db = `huzu_up_${id}`;
    const seed = `huzu_up_${id}_seed`;
    const secrets = keygen(path.join(dir, 'secrets'));
    const drop = createDatabases([db, seed], `hzup_${id}`, secrets);
    let pool;
    try {
      // The previous release's sql/: its files as they were (applied files
      // never change), without the newer ones.
      const all = fs.readdirSync(path.join(root, 'sql')).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort();
      const old = all.filter((f) => Number(f.slice(0, 4)) <= PREVIOUS);
      assert.equal(old.length, PREVIOUS, 'migrations 0001-0016 exist');
      assert.ok(all.length > old.length, 'this release has migrations after 0016');
      const oldSql = path.join(dir, 'sql-previous');
      fs.mkdirSync(oldSql);
      for (const f of old) fs.copyFileSync(path.join(root, 'sql', f), path.join(oldSql, f));

      const conf = path.join(dir, 'huzu.conf');
      const sock = path.join(dir, 'huzu.sock');
      const smsLog = path.join(dir, 'sms.log');
      const settings = {
        socket: sock, workers: 2, db_socket: dbSocket, db_user: `hzup_${id}`,
        secrets_file: secrets, uploads_dir: path.join(dir, 'uploads'), sms_log: smsLog,
        scheduler_enabled: 0, code_ip_hourly: 1000, drain_timeout: 5, sql_dir: path.join(root, 'sql'),
      };
      const call = (m, p, o) => fcgi(sock, m, p, o);

      // The seed: an admin, a small tree, a renter's registration.
      writeConfig(conf, { ...settings, db_name: seed });
      huzuOk(['migrate'], conf);
      const password = `upgrade-${rand()}`;
      huzuOk(['user', 'add', 'admin', '升级管理员'], conf, { input: `${password}\n` });
      const units = path.join(dir, 'units.csv');
      const buildings = path.join(dir, 'buildings.csv');
      fs.writeFileSync(units, 'code,parent_code,kind,name\nUPG,,village,升级村\nUPG-1,UPG,cooperative,第一经济社\n' +
        'UPG-1-A,UPG-1,group,东巷户组\n');
      fs.writeFileSync(buildings, 'code,group_code,name,lane,door_no,rooms,head_username\n' +
        'U001,UPG-1-A,东巷1号楼,东巷,1,,\n');
      huzuOk(['import', units, buildings], conf);
      huzuOk(['role', 'add', 'admin', 'admin', 'UPG'], conf);
      pool = await serve(conf, path.join(dir, 'huzu.log'));
      let admin = expect(await call('POST', '/api/v1/auth/login',
        { json: { username: 'admin', password } }), 200, 'admin login').access_token;
      const [[building]] = rootSql("SELECT id FROM units WHERE code = 'U001'", { db: seed });
      const { reg, phone, idNumber, renter } = await registerRenter(call, smsLog, admin, building,
        { name: '王升级', room: '302', employer: '石马桥制衣厂', daysAgo: 3 });
      const before = expect(await call('GET', `/api/v1/tenancies/${reg.id}`, { token: admin }), 200, 'tenancy');
      await pool.stop();
      pool = null;

      // The instance at the previous release: 0001-0016 and the seed's rows.
      writeConfig(conf, { ...settings, db_name: db, sql_dir: oldSql });
      const first = huzuOk(['migrate'], conf);
      assert.match(first.stdout, new RegExp(`^${PREVIOUS} migration\\(s\\) applied$`, 'm'));
      const schema = () => rootSql('SELECT version FROM schema_migrations ORDER BY version', { db }).map(([v]) => Number(v));
      assert.deepEqual(schema(), old.map((f) => Number(f.slice(0, 4))));
      const tables = copyRows(seed, db);
      const count = (q) => rootSql(q, { db })[0][0];
      assert.equal(count(`SELECT COUNT(*) FROM tenancies WHERE id = ${Number(reg.id)} AND phone_sealed IS NOT NULL`), '1');
      const rows = count('SELECT COUNT(*) FROM units');

      // The upgrade, as the README says: the new release's sql/, migrate.
      writeConfig(conf, { ...settings, db_name: db });
      const up = huzuOk(['migrate'], conf);
      const newer = all.slice(PREVIOUS);
      assert.match(up.stdout, new RegExp(`^${newer.length} migration\\(s\\) applied$`, 'm'), up.stdout);
      for (const f of newer) assert.match(up.stdout, new RegExp(f.replace('.', '\\.')), `${f} applied`);
      assert.deepEqual(schema(), all.map((f) => Number(f.slice(0, 4))));

      // Intact, through the new release: the sealed values open with the
      // same keys, the registration and the tree are as they were, and the
      // tokens issued before still work.
      pool = await serve(conf, path.join(dir, 'huzu.log'));
      const renterView = expect(await call('GET', `/api/v1/tenancies/${reg.id}`, { token: renter.access_token }), 200, 'renter reads');
      assert.equal(renterView.id, reg.id);
      admin = expect(await call('POST', '/api/v1/auth/login', { json: { username: 'admin', password } }), 200, 'admin login after').access_token;
      assert.equal(expect(await call('GET', `/api/v1/tenancies/${reg.id}/phone`, { token: admin }), 200, 'phone after').phone, phone);
      assert.equal(expect(await call('GET', `/api/v1/tenancies/${reg.id}/id-number`, { token: admin }), 200, 'id after').id_number, idNumber);
      assert.deepEqual(expect(await call('GET', `/api/v1/tenancies/${reg.id}`, { token: admin }), 200, 'tenancy after'), before);
      assert.equal(count('SELECT COUNT(*) FROM units'), rows);

      const again = huzuOk(['migrate'], conf);
      assert.match(again.stdout, /^0 migration\(s\) applied$/m);
      t.diagnostic(`${tables} tables at ${old.length}, upgraded to ${all.length} migrations`);

      // The next release's migration fails half-way (MariaDB commits each
      // DDL statement on its own): it is not recorded, and once fixed the
      // same `huzu migrate` carries on from it.
      const nextSql = path.join(dir, 'sql-next');
      fs.cpSync(path.join(root, 'sql'), nextSql, { recursive: true });
      // After the highest number, not the count: numbers are given out
      // per branch, so one may land before the one below it.
      const next = String(Math.max(...all.map((f) => Number(f.slice(0, 4)))) + 1).padStart(4, '0');
      const drill = path.join(nextSql, `${next}_upgrade_drill.sql`);
      fs.writeFileSync(drill, 'CREATE TABLE IF NOT EXISTS upgrade_drill (id INT NOT NULL PRIMARY KEY);\n' +
        'ALTER TABLE no_such_table ADD COLUMN x INT;\n');
      writeConfig(conf, { ...settings, db_name: db, sql_dir: nextSql });
      const failed = huzu(['migrate'], conf);
      assert.notEqual(failed.status, 0, `a failing migration fails: ${failed.stdout}`);
      assert.deepEqual(schema(), all.map((f) => Number(f.slice(0, 4))), 'the failed file is not recorded');
      assert.equal(rootSql("SHOW TABLES LIKE 'upgrade_drill'", { db }).length, 1, 'its first statement stayed (implicit commit)');
      fs.writeFileSync(drill, 'CREATE TABLE IF NOT EXISTS upgrade_drill (id INT NOT NULL PRIMARY KEY);\n' +
        'ALTER TABLE upgrade_drill ADD COLUMN IF NOT EXISTS x INT;\n');
      assert.match(huzuOk(['migrate'], conf).stdout, /^1 migration\(s\) applied$/m);
      assert.equal(schema().length, all.length + 1);
      // The running instance still serves the data.
      assert.equal(expect(await call('GET', `/api/v1/tenancies/${reg.id}/phone`, { token: admin }), 200, 'phone at the end').phone, phone);
    } finally {
      if (pool) await pool.stop();
      drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
