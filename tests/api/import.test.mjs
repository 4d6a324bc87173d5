// A village of its own, the way an operator sets one up: `huzu init` on an
// empty database, then one `huzu import` of a 2 000-building village with
// its staff. The test stack's database holds the demo village, so this
// runs against a private database of the same MariaDB (dropped after).
// Then what must fail, each with its message and nothing imported: a
// second init (and the demo) on a set-up instance, a GBK file, another
// village, bad door numbers. Then temporary passwords for imported heads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bin, configPath } from './lib.mjs';
import { dbSocket } from './identity-lib.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const db = `huzu_import_${crypto.randomBytes(4).toString('hex')}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-import-'));
const conf = path.join(tmp, 'huzu.conf');
const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' };

function root(query, database = '') {
  const out = execFileSync('mariadb', ['--no-defaults', '-S', dbSocket, '-u', 'root', '-N', '-B', '--raw',
    ...(database ? [database] : []), '-e', query], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}
const count = (q) => Number(root(q, db)[0][0]);
const counts = () => ({
  units: count('SELECT COUNT(*) FROM units'),
  buildings: count('SELECT COUNT(*) FROM buildings'),
  staff: count("SELECT COUNT(*) FROM users WHERE kind = 'staff'"),
  roles: count('SELECT COUNT(*) FROM role_assignments'),
});

function huzu(args, input = '') {
  const r = spawnSync(bin, [...args, '-c', conf], { env, input, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined, String(r.error));
  return { status: r.status, out: r.stdout, err: r.stderr };
}
const file = (name, text) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

// The generated village: 4 cooperatives × 5 groups × 100 buildings, a
// cadre per cooperative, a leader per group, a head per 10 buildings.
const UNITS = ['code,parent_code,kind,name', 'NV,,village,新村'];
const BUILDINGS = ['code,group_code,name,lane,door_no,rooms,head_username'];
const STAFF = ['username,display_name,role,unit_code'];
for (let c = 1; c <= 4; c++) {
  UNITS.push(`NV-${c},NV,cooperative,第${c}经济社`);
  STAFF.push(`cadre${c},干部${c},cadre,NV-${c}`);
  for (let g = 1; g <= 5; g++) {
    const group = `NV-${c}-${g}`;
    UNITS.push(`${group},NV-${c},group,${c}社${g}组`);
    STAFF.push(`leader${c}${g},组长${c}${g},group_leader,${group}`);
    for (let h = 1; h <= 10; h++) STAFF.push(`head${c}${g}-${h},栋长${c}${g}${h},,`);
    for (let b = 1; b <= 100; b++) {
      const door = b % 10 === 0 ? `${b / 10}-1` : `${b}`;
      BUILDINGS.push(`B${c}${g}${String(b).padStart(3, '0')},${group},${c}社${g}组${b}号楼,`
        + `新村${c}${g}巷,${door},"101, 102",head${c}${g}-${Math.ceil(b / 10)}`);
    }
  }
}
const csv = (rows) => `\ufeff${rows.join('\r\n')}\r\n`;

before(() => {
  root(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    GRANT ALL PRIVILEGES ON \`${db}\`.* TO 'huzu'@'localhost';`);
  const text = fs.readFileSync(configPath, 'utf8');
  fs.writeFileSync(conf, /^db_name\s*=/m.test(text)
    ? text.replace(/^db_name\s*=.*$/m, `db_name = ${db}`) : `${text}\ndb_name = ${db}\n`);
  const m = huzu(['migrate']);
  assert.equal(m.status, 0, m.err);
});

after(() => {
  try { root(`DROP DATABASE IF EXISTS \`${db}\``); } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
});

test('init on an empty instance, then one import of a 2 000-building village with its staff', () => {
  assert.equal(huzu(['init', '--check']).status, 0);
  // Must fail before anything: a password too short, nothing made.
  const short = huzu(['init', 'NV', '新村', 'nvadmin', '新村管理员'], 'short\n');
  assert.equal(short.status, 1);
  assert.match(short.err, /password: 密码须为 10 至 128 个字符/);
  assert.deepEqual(counts(), { units: 0, buildings: 0, staff: 0, roles: 0 });

  const init = huzu(['init', 'NV', '新村', 'nvadmin', '新村管理员'], 'a village password\n');
  assert.equal(init.status, 0, init.err);
  assert.match(init.out, /village NV \(新村\) set up; nvadmin is its admin/);
  assert.deepEqual(root(`SELECT u.username, r.role, n.code, n.kind, n.parent_id IS NULL,
    u.password_hash LIKE '$argon2id$%' FROM users u JOIN role_assignments r ON r.user_id = u.id
    JOIN units n ON n.id = r.unit_id`, db), [['nvadmin', 'admin', 'NV', 'village', '1', '1']]);

  const t0 = process.hrtime.bigint();
  const r = huzu(['import', file('units.csv', csv(UNITS)), file('buildings.csv', csv(BUILDINGS)),
    file('staff.csv', csv(STAFF))]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`import of ${BUILDINGS.length - 1} buildings, ${UNITS.length - 2} units, `
    + `${STAFF.length - 1} staff rows: ${ms.toFixed(0)} ms`);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /imported 24 units, 2000 buildings, 224 staff account\(s\) and 24 role\(s\); 1 line\(s\) were there already/);
  assert.match(r.err, /buildings: 1000\/2000\nbuildings: 2000\/2000/);
  assert.deepEqual(counts(), { units: 2025, buildings: 2000, staff: 225, roles: 1 + 24 + 2000 });
  // The heads hold their buildings; the new accounts have no password.
  assert.equal(count(`SELECT COUNT(*) FROM buildings b JOIN users u ON u.id = b.head_user_id
    WHERE u.username = 'head11-1'`), 10);
  assert.equal(count("SELECT COUNT(*) FROM users WHERE kind = 'staff' AND password_hash IS NULL"), 224);
  assert.equal(count("SELECT COUNT(*) FROM buildings WHERE door_no = '1-1'"), 20);
  assert.equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'unit.create'"), 2025);
});

test('what must fail: each with its message, nothing imported', () => {
  const was = counts();
  const group = 'NV-1-1';
  const b = (rows) => file('b.csv', csv(['code,group_code,name,lane,door_no,rooms,head_username', ...rows]));
  const newUnits = file('u.csv', csv(['code,parent_code,kind,name', 'NV,,village,新村', 'NV-9,NV,cooperative,第九经济社']));

  // A second init.
  const again = huzu(['init', 'NV2', '另一村', 'other', '另一个管理员'], 'a village password\n');
  assert.equal(again.status, 1);
  assert.match(again.err, /set up already: it has the village NV \(新村\) and 225 staff account\(s\)/);
  assert.match(again.err, /huzu user add/);
  assert.equal(huzu(['init', '--check']).status, 1);
  // The demo loads into an empty instance only.
  const demo = spawnSync(path.join(repo, 'scripts', 'demo', 'load'), [bin, conf], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(demo.status, 1, demo.stderr);
  assert.match(demo.stderr, /village NV \(新村\)[^]*not loading the demo: it goes into an empty instance only/);

  // A GBK file, as Excel's plain "CSV" saves it (iconv: the system's).
  const gbk = path.join(tmp, 'gbk.csv');
  execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK', '-o', gbk, file('utf8.csv',
    'code,parent_code,kind,name\r\nNV-9,NV,cooperative,第九经济社\r\n')]);
  let r = huzu(['import', gbk, b([`X1,${group},楼,巷,1,,`])]);
  assert.equal(r.status, 1);
  assert.match(r.err, /gbk\.csv:2: 文件是 GBK 编码.*请另存为"CSV UTF-8".*文件 → 另存为/);
  assert.match(r.err, /the import stopped at this problem; nothing was imported/);
  assert.equal(r.err.split('\n').filter((l) => /\.csv:\d+:/.test(l)).length, 1);

  // Another village: named, alone, though 2 000 lines follow.
  const other = ['code,parent_code,kind,name', 'SMQ,,village,石马桥村', 'SMQ-1,SMQ,cooperative,第一经济社',
    'SMQ-1-A,SMQ-1,group,东巷户组'];
  const many = Array.from({ length: 2000 }, (_, i) => `S${i},SMQ-1-A,楼,东巷,${i + 1},,`);
  r = huzu(['import', file('other.csv', csv(other)), b(many)]);
  assert.equal(r.status, 1);
  assert.match(r.err, /other\.csv:2: 系统里已经有村 NV（新村）/);
  assert.equal(r.err.split('\n').filter((l) => /\.csv:\d+:/.test(l)).length, 1);

  // Bad door numbers and names: by line and column; the good lines too
  // are rolled back.
  r = huzu(['import', newUnits, b(['X1,NV-9-NOPE,楼,巷,1,,', `X2,${group},楼,新巷,-1,,`, `X3,${group},楼,新巷,0,,`,
    `X4,${group},楼,新巷,一号,,`, `X5,${group},"  ",新巷,5,,`, `X6,${group},楼,新巷,6,,`])]);
  assert.equal(r.status, 1);
  assert.match(r.err, /b\.csv:2: 列 group_code 户组编码 NV-9-NOPE 不存在/);
  assert.match(r.err, /b\.csv:3: 列 door_no 门牌号 -1 不对/);
  assert.match(r.err, /b\.csv:4: 列 door_no 门牌号 0 不对/);
  assert.match(r.err, /b\.csv:5: 列 door_no 门牌号 一号 不对/);
  assert.match(r.err, /b\.csv:6: 列 name 不能为空/);
  assert.match(r.err, /5 error\(s\); nothing was imported/);

  assert.deepEqual(counts(), was);
  assert.equal(count("SELECT COUNT(*) FROM units WHERE code IN ('NV-9', 'X6')"), 0);
});

test('huzu user password --temporary: the imported heads get one each, as CSV on stdout', () => {
  const unknown = huzu(['user', 'password', '--temporary', 'head11-1', 'nobody-here']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.err, /no staff account nobody-here .*no password was changed/);
  assert.equal(unknown.out, '');
  assert.equal(count("SELECT COUNT(*) FROM users WHERE username = 'head11-1' AND password_hash IS NULL"), 1);

  const r = huzu(['user', 'password', '--temporary', 'head11-1', 'head11-2']);
  assert.equal(r.status, 0, r.err);
  const lines = r.out.split('\r\n');
  assert.equal(lines[0], 'username,display_name,temporary_password');
  assert.match(lines[1], /^head11-1,栋长111,[^,\s-]{4}-[^,\s-]{4}-[^,\s-]{4}$/);
  assert.match(lines[2], /^head11-2,栋长112,/);
  assert.deepEqual(lines.slice(3), ['']);
  assert.match(r.err, /2 temporary password\(s\) set .*destroy it/);
  assert.deepEqual(root(`SELECT username, password_hash LIKE '$argon2id$%', must_change_password FROM users
    WHERE username IN ('head11-1', 'head11-2') ORDER BY username`, db),
  [['head11-1', '1', '1'], ['head11-2', '1', '1']]);
  assert.equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset'"), 2);
  assert.equal(huzu(['user', 'password', '--temporary']).status, 2, 'usage');
});
