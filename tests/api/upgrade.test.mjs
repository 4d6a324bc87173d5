// The README's upgrade procedure, once: an instance at the previous
// release's schema (migrations 0001-0016 only) with data in it (an
// admin, a small tree, a registration with a sealed phone and ID number) is upgraded
// in place while it serves: `huzu migrate` with the full sql/, then
// SIGHUP. The data reads back intact through the API of the new
// generation, and a second migrate applies nothing. Then a migration that
// fails half-way: not recorded, and applied once fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { execdWorkers, waitFor } from './lib.mjs';
import {
  root, dbSocket, huzu, huzuOk, writeConfig, keygen, rand, createDatabases, serve, fcgi, expect,
  residentLogin, freshId, freshPhone, rootSql,
} from './ops-lib.mjs';

const PREVIOUS = 16; // the last migration of the previous release

test('an instance at the previous release\'s schema upgrades in place: migrate, HUP, data intact',
  { timeout: 120_000 }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-upgrade-'));
    const id = rand();
    const db = `huzu_up_${id}`;
    const secrets = keygen(path.join(dir, 'secrets'));
    const drop = createDatabases([db], `hzup_${id}`, secrets);
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
        socket: sock, workers: 2, db_socket: dbSocket, db_name: db, db_user: `hzup_${id}`,
        secrets_file: secrets, uploads_dir: path.join(dir, 'uploads'), sms_log: smsLog,
        scheduler_enabled: 0, code_ip_hourly: 1000, drain_timeout: 5,
      };
      writeConfig(conf, { ...settings, sql_dir: oldSql });
      const first = huzuOk(['migrate'], conf);
      assert.match(first.stdout, new RegExp(`^${PREVIOUS} migration\\(s\\) applied$`, 'm'));
      const schema = () => rootSql('SELECT version FROM schema_migrations ORDER BY version', { db }).map(([v]) => Number(v));
      assert.deepEqual(schema(), old.map((f) => Number(f.slice(0, 4))));

      // Data of the previous release: an admin, a small tree, and a
      // renter's registration (sealed phone and ID number).
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
      const call = (m, p, o) => fcgi(sock, m, p, o);
      const admin = expect(await call('POST', '/api/v1/auth/login',
        { json: { username: 'admin', password } }), 200, 'admin login').access_token;
      const [[building]] = rootSql("SELECT id FROM units WHERE code = 'U001'", { db });
      const posters = expect(await call('GET', `/api/v1/units/${building}/posters`, { token: admin }), 200, 'posters');
      const qr = posters.items[0].url.split('/q/')[1];
      const phone = freshPhone();
      const idNumber = freshId();
      const renterPhone = freshPhone();
      const renter = await residentLogin(call, smsLog, renterPhone);
      const reg = expect(await call('POST', '/api/v1/tenancies', {
        token: renter.access_token,
        json: {
          token: qr, name: '王升级', id_type: 'resident_id', id_number: idNumber, phone, room: '302',
          move_in: new Date(Date.now() - 3 * 86400_000).toISOString().slice(0, 10), reason: 'work',
          employer: '石马桥制衣厂', consent_version: '2026-12-01',
        },
      }), 201, 'registration');
      const before = {
        phone: expect(await call('GET', `/api/v1/tenancies/${reg.id}/phone`, { token: admin }), 200, 'phone').phone,
        id: expect(await call('GET', `/api/v1/tenancies/${reg.id}/id-number`, { token: admin }), 200, 'id').id_number,
        tenancy: expect(await call('GET', `/api/v1/tenancies/${reg.id}`, { token: admin }), 200, 'tenancy'),
        units: rootSql('SELECT COUNT(*) FROM units', { db })[0][0],
      };
      assert.equal(before.phone, phone);
      assert.equal(before.id, idNumber);

      // The upgrade, as the README says: the new release's sql/ (here: the
      // config pointed at it), migrate while the old generation serves,
      // then HUP.
      writeConfig(conf, { ...settings, sql_dir: path.join(root, 'sql') });
      const up = huzuOk(['migrate'], conf);
      const newer = all.slice(PREVIOUS);
      assert.match(up.stdout, new RegExp(`^${newer.length} migration\\(s\\) applied$`, 'm'), up.stdout);
      for (const f of newer) assert.match(up.stdout, new RegExp(f.replace('.', '\\.')), `${f} applied`);
      assert.deepEqual(schema(), all.map((f) => Number(f.slice(0, 4))));

      const oldWorkers = execdWorkers(pool.child.pid);
      assert.ok(oldWorkers.length > 0);
      process.kill(pool.child.pid, 'SIGHUP');
      await waitFor('a new generation of workers', 20_000, () => {
        const w = execdWorkers(pool.child.pid);
        return w.length === 2 && !w.some((p) => oldWorkers.includes(p));
      });

      // Intact, through the new generation: the sealed values open with the
      // same keys, the registration and the tree are as they were, and the
      // tokens issued before the upgrade still work.
      const renterView = expect(await call('GET', `/api/v1/tenancies/${reg.id}`, { token: renter.access_token }), 200, 'renter reads');
      assert.equal(renterView.id, reg.id);
      assert.equal(expect(await call('GET', `/api/v1/tenancies/${reg.id}/phone`, { token: admin }), 200, 'phone after').phone, phone);
      assert.equal(expect(await call('GET', `/api/v1/tenancies/${reg.id}/id-number`, { token: admin }), 200, 'id after').id_number, idNumber);
      assert.deepEqual(expect(await call('GET', `/api/v1/tenancies/${reg.id}`, { token: admin }), 200, 'tenancy after'), before.tenancy);
      assert.equal(rootSql('SELECT COUNT(*) FROM units', { db })[0][0], before.units);
      expect(await call('POST', '/api/v1/auth/login', { json: { username: 'admin', password } }), 200, 'staff login after');

      const again = huzuOk(['migrate'], conf);
      assert.match(again.stdout, /^0 migration\(s\) applied$/m);
      t.diagnostic(`upgraded ${old.length} → ${all.length} migrations`);

      // The next release's migration fails half-way (MariaDB commits each
      // DDL statement on its own): it is not recorded, and once fixed the
      // same `huzu migrate` carries on from it.
      const nextSql = path.join(dir, 'sql-next');
      fs.cpSync(path.join(root, 'sql'), nextSql, { recursive: true });
      const next = String(all.length + 1).padStart(4, '0');
      const drill = path.join(nextSql, `${next}_upgrade_drill.sql`);
      fs.writeFileSync(drill, 'CREATE TABLE IF NOT EXISTS upgrade_drill (id INT NOT NULL PRIMARY KEY);\n' +
        'ALTER TABLE no_such_table ADD COLUMN x INT;\n');
      writeConfig(conf, { ...settings, sql_dir: nextSql });
      const failed = huzu(['migrate'], conf);
      assert.notEqual(failed.status, 0, `a failing migration fails: ${failed.stdout}`);
      assert.deepEqual(schema(), all.map((f) => Number(f.slice(0, 4))), 'the failed file is not recorded');
      assert.equal(rootSql("SHOW TABLES LIKE 'upgrade_drill'", { db }).length, 1, 'its first statement stayed (implicit commit)');
      fs.writeFileSync(drill, 'CREATE TABLE IF NOT EXISTS upgrade_drill (id INT NOT NULL PRIMARY KEY);\n' +
        'ALTER TABLE upgrade_drill ADD COLUMN IF NOT EXISTS x INT;\n');
      assert.match(huzuOk(['migrate'], conf).stdout, /^1 migration\(s\) applied$/m);
      assert.equal(schema().length, all.length + 1);
      // The data is still there for the running generation.
      assert.equal(expect(await call('GET', `/api/v1/tenancies/${reg.id}/phone`, { token: admin }), 200, 'phone at the end').phone, phone);
    } finally {
      if (pool) await pool.stop();
      drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
