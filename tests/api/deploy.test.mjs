// Issue 13's "Done when", as a village IT office would do it: an instance
// without the demo (its own database, secrets and config), `huzu init`
// with the first admin, a 2 000-building village imported with its staff,
// `huzu serve` and nginx in front; a renter registers (sealed phone); an
// account is disabled and its access token refused at once; scripts/backup,
// then scripts/restore into a second, empty database, and the sealed phone
// read back through the API of an instance on the restored database.
// Then the production files of scripts/deploy/: the nginx site for a
// domain (TLS, redirect, HSTS, real IP, ACME challenges) served for real,
// the systemd unit; the logrotate file rotates a running instance's log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

import { bin, isAlive, waitFor } from './lib.mjs';
import {
  root, dbSocket, huzu, huzuOk, script, writeConfig, keygen, rand, createDatabases, serve, nginx, http,
  expect, registerRenter, rootSql, valueOf, freePort, socketGroup,
} from './ops-lib.mjs';

const COOPS = 4;
const GROUPS = 5; // per cooperative
const PER_GROUP = 100; // buildings: 4 × 5 × 100 = 2 000
const PER_HEAD = 50; // buildings per head (at most 64 roles each)

// units.csv, buildings.csv and staff.csv of a village of 2 000 buildings.
function villageCsv(dir, code) {
  const units = ['code,parent_code,kind,name', `${code},,village,德普村`];
  const buildings = ['code,group_code,name,lane,door_no,rooms,head_username'];
  const staff = ['username,display_name,role,unit_code'];
  let n = 0;
  for (let c = 1; c <= COOPS; c++) {
    units.push(`${code}-${c},${code},cooperative,第${'一二三四'[c - 1]}经济社`);
    for (let g = 1; g <= GROUPS; g++) {
      const group = `${code}-${c}-${g}`;
      units.push(`${group},${code}-${c},group,${c}社${g}组`);
      for (let b = 1; b <= PER_GROUP; b++) {
        n++;
        const head = `head${String(Math.ceil(n / PER_HEAD)).padStart(2, '0')}`;
        buildings.push(`B${String(n).padStart(4, '0')},${group},${c}社${g}组${b}号楼,德普${c}${g}巷,${b},"101-103, 201-203",${head}`);
      }
    }
  }
  for (let h = 1; h <= n / PER_HEAD; h++) staff.push(`head${String(h).padStart(2, '0')},栋长${h}号,,`);
  staff.push(`cadre1,第一社干部,cadre,${code}-1`, `leader1,一社一组户组长,group_leader,${code}-1-1`);
  const files = { units: path.join(dir, 'units.csv'), buildings: path.join(dir, 'buildings.csv'), staff: path.join(dir, 'staff.csv') };
  fs.writeFileSync(files.units, `${units.join('\r\n')}\r\n`);
  fs.writeFileSync(files.buildings, `${buildings.join('\r\n')}\r\n`);
  fs.writeFileSync(files.staff, `${staff.join('\r\n')}\r\n`);
  return { ...files, nBuildings: n, nHeads: n / PER_HEAD };
}

test('a village runs its own Huzu: init, a 2 000-building import, disable, backup, restore into a fresh database',
  { timeout: 180_000 }, async (t) => {
    const t0 = Date.now();
    const lap = (what) => t.diagnostic(`${what}: ${Date.now() - t0} ms`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-deploy-'));
    fs.chmodSync(dir, 0o755);
    const id = rand();
    const dbA = `huzu_dep_${id}`;
    const dbB = `huzu_dep_${id}_r`;
    const user = `hzdep_${id}`;
    const secrets = keygen(path.join(dir, 'secrets'));
    const drop = createDatabases([dbA, dbB], user, secrets);
    const sock = path.join(dir, 'run', 'huzu.sock');
    const smsLog = path.join(dir, 'log', 'sms.log');
    fs.mkdirSync(path.join(dir, 'run'), { mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'log'));
    const logDir = path.join(dir, 'hlog'); // log_file's folder, for logrotate
    fs.mkdirSync(logDir);
    const pidFile = path.join(dir, 'run', 'huzu.pid');
    let pool;
    let front;
    try {
      // --- an instance of our own, without the demo ------------------------
      const common = {
        socket: sock, socket_group: socketGroup(), workers: 2, db_socket: dbSocket, db_user: user, sql_dir: path.join(root, 'sql'),
        sms_log: smsLog, scheduler_enabled: 0, code_ip_hourly: 1000, drain_timeout: 5,
      };
      const confA = path.join(dir, 'huzu.conf');
      writeConfig(confA, {
        ...common, db_name: dbA, secrets_file: secrets, uploads_dir: path.join(dir, 'uploads'),
        log_file: path.join(logDir, 'huzu.log'), pid_file: pidFile,
      });
      huzuOk(['config', '--check'], confA);
      huzuOk(['migrate'], confA);

      // The first admin, with the operator's password (import helper).
      const adminPw = `op-${rand()}-${rand()}`;
      huzuOk(['init', 'DEP', '德普村', 'admin', '德普村管理员'], confA, { input: `${adminPw}\n` });
      const again = huzu(['init', 'DEP', '德普村', 'admin2', '第二个管理员'], confA, { input: `${adminPw}\n` });
      assert.equal(again.status, 1, `a second init is refused: ${again.stdout}${again.stderr}`);

      // 2 000 buildings with their heads, a cadre and a group leader; the
      // village row repeats the one init made (import helper).
      const csv = villageCsv(dir, 'DEP');
      huzuOk(['import', csv.units, csv.buildings, csv.staff], confA);
      const count = (q) => Number(rootSql(q, { db: dbA })[0][0]);
      assert.equal(count("SELECT COUNT(*) FROM units WHERE kind = 'building'"), csv.nBuildings);
      assert.equal(count('SELECT COUNT(*) FROM buildings WHERE head_user_id IS NOT NULL'), csv.nBuildings);
      assert.equal(count("SELECT COUNT(*) FROM units WHERE kind = 'village'"), 1);
      assert.equal(count("SELECT COUNT(*) FROM role_assignments WHERE role = 'building_head'"), csv.nBuildings);
      assert.equal(count("SELECT COUNT(*) FROM users WHERE kind = 'staff'"), csv.nHeads + 3);
      lap('init and import');

      pool = await serve(confA, path.join(dir, 'log', 'huzu.log'));
      front = await nginx(path.join(dir, 'nginx'), sock, path.join(dir, 'uploads'));
      const call = (m, p, o) => http(front.base, m, p, o);
      const login = (username, password) => call('POST', '/api/v1/auth/login', { json: { username, password } });

      const admin = expect(await login('admin', adminPw), 200, 'the first admin logs in');
      assert.ok(!admin.must_change_password, 'the operator chose this password');
      expect(await login('admin', 'huzu-demo-2026'), 401, 'no demo password');

      // An imported head has no password until one is set (accounts
      // helper), then logs in.
      expect(await login('head07', ''), 422, 'an empty password');
      const headPw = `head-${rand()}-${rand()}`;
      expect(await login('head07', headPw), 401, 'no password yet');
      huzuOk(['user', 'password', 'head07'], confA, { input: `${headPw}\n` });
      const head = expect(await login('head07', headPw), 200, 'head07 logs in');
      const me = expect(await call('GET', '/api/v1/me', { token: head.access_token }), 200, 'head07 /me');
      assert.equal(me.user.username, 'head07');

      // A renter registers in B0001 (sealed phone and ID number).
      const [[b1]] = rootSql("SELECT id FROM units WHERE code = 'B0001'", { db: dbA });
      const { reg, phone, idNumber } = await registerRenter(call, smsLog, admin.access_token, b1,
        { name: '赵恢复', room: '201', employer: '德普电子厂' });
      const [[sealed]] = rootSql(`SELECT HEX(phone_sealed) FROM tenancies WHERE id = ${Number(reg.id)}`, { db: dbA });
      assert.ok(sealed.length > 40 && !sealed.includes(Buffer.from(phone).toString('hex').toUpperCase()), 'the phone is sealed');
      const phoneOf = async (token) => expect(await call('GET', `/api/v1/tenancies/${reg.id}/phone`, { token }), 200, 'phone').phone;
      assert.equal(await phoneOf(admin.access_token), phone);

      // Disabled: the access token in hand is refused at once, the refresh
      // token and the password too (accounts helper).
      huzuOk(['user', 'disable', 'head07'], confA);
      expect(await call('GET', '/api/v1/me', { token: head.access_token }), 401, 'a disabled account\'s token');
      expect(await call('POST', '/api/v1/auth/refresh', { json: { refresh_token: head.refresh_token } }), 401, 'its refresh token');
      expect(await login('head07', headPw), 401, 'its password');
      lap('serve, register, disable');

      // --- logrotate -----------------------------------------------------------
      // scripts/deploy/huzu-logrotate, run for real (-f) on a copy with this
      // instance's folders and owner; only how huzu's pid is found differs
      // (its pid_file here, systemctl there).
      const shipped = fs.readFileSync(path.join(root, 'scripts', 'deploy', 'huzu-logrotate'), 'utf8');
      const bySystemd = 'systemctl kill --kill-whom=main --signal=USR1 huzu.service';
      assert.equal(shipped.split(bySystemd).length, 2, 'the postrotate signals huzu through systemctl, once');
      const [owner, ownerGroup] = ['-un', '-gn'].map((o) => execFileSync('id', [o], { encoding: 'utf8' }).trim());
      const rotConf = path.join(dir, 'logrotate.conf');
      fs.writeFileSync(rotConf, shipped.replace(bySystemd, `kill -USR1 "$(cat ${pidFile})"`)
        .replace('/var/log/huzu/*.log', `${logDir}/*.log`).replace('create 0640 huzu adm', `create 0640 ${owner} ${ownerGroup}`)
        .replaceAll('/run/nginx.pid', path.join(dir, 'no-nginx.pid')), { mode: 0o644 });
      const logFile = path.join(logDir, 'huzu.log');
      assert.match(fs.readFileSync(logFile, 'utf8'), /\S/, 'huzu writes log_file');
      const lr = spawnSync('logrotate', ['-f', '-s', path.join(dir, 'logrotate.state'), rotConf], { encoding: 'utf8' });
      assert.equal(lr.error, undefined, `logrotate (scripts/lib.sh HZ_PKGS_TEST installs it): ${lr.error}`);
      assert.equal(lr.status, 0, lr.stderr);
      assert.ok(fs.existsSync(`${logFile}.1`), 'moved (compressed a day later)');
      // After the USR1, the master and every worker log to the new file.
      await waitFor('a request in the new huzu.log', 10_000, async () => {
        await call('GET', '/api/v1/me');
        return fs.readFileSync(logFile, 'utf8').includes('/api/v1/me');
      });
      await waitFor('huzu.log.1 to stop growing', 10_000, async () => {
        const size = fs.statSync(`${logFile}.1`).size;
        for (let i = 0; i < 4; i++) await call('GET', '/api/v1/me');
        return fs.statSync(`${logFile}.1`).size === size;
      });
      lap('logrotate');

      // A photo, posted as the admin: the backup must carry it.
      const jpg = path.join(dir, 'photo.jpg');
      execFileSync('vips', ['black', jpg, '32', '32']);
      const up = await fetch(`${front.base}/api/v1/uploads`, {
        method: 'POST', body: fs.readFileSync(jpg), signal: AbortSignal.timeout(30_000),
        headers: { authorization: `Bearer ${admin.access_token}`, 'content-type': 'image/jpeg' },
      });
      assert.equal(up.status, 201, `the photo upload: ${await up.clone().text()}`);
      const photoId = (await up.json()).id;
      // The photos (not tmp/ nor locks/, which the backup leaves out).
      const filesUnder = (d) => (fs.existsSync(d) ? fs.readdirSync(d, { recursive: true }) : [])
        .filter((f) => !/^(tmp|locks)\//.test(f) && fs.statSync(path.join(d, f)).isFile()).sort();
      const stored = filesUnder(path.join(dir, 'uploads'));
      assert.ok(stored.length >= 1, 'the photo is in uploads_dir');

      // --- backup ----------------------------------------------------------------
      // .tar.gz: gzip, by the final name (not the temporary one tar writes).
      const archive = path.join(dir, 'backup.tar.gz');
      const b = script('backup', ['-c', confA, archive]);
      assert.equal(b.status, 0, b.stderr);
      assert.equal(b.stderr, '', 'silent on stderr when it works (cron mails stderr)');
      assert.match(b.stdout, /HOLDS THE KEYS/, 'the reminder that the archive holds the keys');
      assert.doesNotMatch(b.stdout, /\x1b/, 'no terminal codes when not on a terminal');
      assert.equal(fs.statSync(archive).mode & 0o777, 0o600, 'the archive is 0600');
      assert.deepEqual([...fs.readFileSync(archive).subarray(0, 2)], [0x1f, 0x8b], 'gzip');
      const members = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).split('\n');
      for (const m of ['MANIFEST', 'SHA256SUMS', 'db.sql', 'secrets', 'huzu.conf']) assert.ok(members.includes(m), m);
      const manifest = execFileSync('tar', ['-xOf', archive, 'MANIFEST'], { encoding: 'utf8' });
      const lastMigration = fs.readdirSync(path.join(root, 'sql')).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort().pop();
      assert.match(manifest, new RegExp(`^migration_latest = ${lastMigration.replace('.', '\\.')}$`, 'm'));
      assert.match(manifest, /^huzu_version = huzu \S+$/m);
      assert.match(manifest, /^sha256 db\.sql = [0-9a-f]{64}$/m);
      for (const f of stored) assert.ok(members.includes(`uploads/${f}`), `uploads/${f} in the archive`);
      assert.ok(Number(manifest.match(/^uploads_files = (\d+)$/m)?.[1]) >= 1, `uploads_files in MANIFEST:\n${manifest}`);
      assert.doesNotMatch(b.stdout + b.stderr, new RegExp(valueOf(secrets, 'db_password')), 'no password in the output');
      const twice = script('backup', ['-c', confA, archive]);
      assert.equal(twice.status, 1, 'a backup is never overwritten');
      assert.match(twice.stderr, /exists/);
      lap('backup');

      // --- restore -------------------------------------------------------------
      const bdir = path.join(dir, 'restored');
      fs.mkdirSync(bdir, { mode: 0o755 });
      const confB = path.join(bdir, 'huzu.conf');
      const secretsB = path.join(bdir, 'secrets');
      writeConfig(confB, { ...common, db_name: dbB, secrets_file: secretsB, uploads_dir: path.join(bdir, 'uploads') });
      // Refused: a database with tables, and a secrets file that is not the
      // backup's (the sealed data would be unreadable); nothing is touched.
      const full = script('restore', ['-c', confA, archive]);
      assert.equal(full.status, 1, full.stderr);
      assert.match(full.stderr, new RegExp(`database ${dbA} is not empty`));
      keygen(secretsB);
      const other = script('restore', ['-c', confB, archive]);
      assert.equal(other.status, 1, other.stderr);
      assert.match(other.stderr, /is not the backup's secrets file/);
      assert.match(other.stderr, /pii_key/);
      assert.equal(rootSql(`SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${dbB}'`)[0][0], '0');
      fs.rmSync(secretsB);
      // A damaged archive, and one from a newer release, are refused too.
      const x = path.join(dir, 'unpacked');
      fs.mkdirSync(x);
      execFileSync('tar', ['-C', x, '-xf', archive]);
      fs.appendFileSync(path.join(x, 'db.sql'), 'DROP TABLE users;\n');
      const damaged = path.join(dir, 'damaged.tar');
      execFileSync('tar', ['-C', x, '-cf', damaged, '.']);
      const dmg = script('restore', ['-c', confB, damaged]);
      assert.equal(dmg.status, 1, dmg.stderr);
      assert.match(dmg.stderr, /is damaged/);
      execFileSync('tar', ['-C', x, '-xf', archive, 'db.sql']);
      fs.appendFileSync(path.join(x, 'MANIFEST'), 'migration = 9999_from_the_future.sql\n');
      const future = path.join(dir, 'future.tar');
      execFileSync('tar', ['-C', x, '-cf', future, '.']);
      const fut = script('restore', ['-c', confB, future]);
      assert.equal(fut.status, 1, fut.stderr);
      assert.match(fut.stderr, /9999_from_the_future\.sql.*newer huzu/);
      assert.ok(!fs.existsSync(secretsB), 'nothing written');
      assert.equal(rootSql(`SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${dbB}'`)[0][0], '0');

      const r = script('restore', ['-c', confB, archive]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.readFileSync(secretsB, 'utf8'), fs.readFileSync(secrets, 'utf8'), 'the backup\'s keys');
      assert.equal(fs.statSync(secretsB).mode & 0o777, 0o600);
      // The photo, byte for byte, under the restored instance's uploads_dir.
      assert.deepEqual(filesUnder(path.join(bdir, 'uploads')), stored, 'the restored uploads');
      for (const f of stored) {
        assert.ok(fs.readFileSync(path.join(bdir, 'uploads', f)).equals(fs.readFileSync(path.join(dir, 'uploads', f))), f);
      }
      lap('restore');

      // An instance on the restored database, behind the same nginx: the
      // sealed phone reads back, the tree and the disabled account are there.
      await pool.stop();
      pool = await serve(confB, path.join(dir, 'log', 'huzu-restored.log'));
      const admin2 = expect(await login('admin', adminPw), 200, 'the admin on the restored instance');
      assert.equal(await phoneOf(admin2.access_token), phone, 'the sealed phone, read back');
      const idBack = expect(await call('GET', `/api/v1/tenancies/${reg.id}/id-number`, { token: admin2.access_token }), 200, 'id');
      assert.equal(idBack.id_number, idNumber);
      expect(await login('head07', headPw), 401, 'still disabled');
      // Its row too (the file nginx serves is instance A's: same nginx).
      const photo = await fetch(`${front.base}/api/v1/uploads/${photoId}`, {
        headers: { authorization: `Bearer ${admin2.access_token}` }, signal: AbortSignal.timeout(15_000),
      });
      assert.equal(photo.status, 200, 'the photo on the restored instance');
      assert.equal(Number(rootSql("SELECT COUNT(*) FROM buildings", { db: dbB })[0][0]), csv.nBuildings);
      lap('read back');
    } finally {
      if (front) await front.stop();
      if (pool) await pool.stop();
      drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

// GET over HTTPS to 127.0.0.1:port as `host`, trusting `ca`.
function httpsGet(port, host, ca, urlPath, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: urlPath, servername: host, ca, headers: { host, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

test('scripts/deploy: the nginx site for a domain serves HTTPS with HSTS, redirects HTTP, takes the real IP only from the proxy; the unit, logrotate and MariaDB files are valid',
  { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-site-'));
    const children = [];
    try {
      const domain = 'huzu.example.cn';
      const cert = path.join(dir, 'cert.pem');
      const key = path.join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
        '-days', '2', '-subj', `/CN=${domain}`, '-addext', `subjectAltName=DNS:${domain}`], { stdio: 'ignore' });
      const site = path.join(root, 'scripts', 'deploy', 'nginx-site');
      const render = (sub, ...extra) => {
        const d = path.join(dir, sub);
        fs.mkdirSync(path.join(d, 'log'), { recursive: true });
        const r = spawnSync(site, ['--cert', cert, '--key', key, '--log-dir', path.join(d, 'log'),
          '--socket', path.join(d, 'huzu.sock'), '--uploads', path.join(d, 'uploads'), ...extra, domain], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        fs.writeFileSync(path.join(d, 'site.conf'), r.stdout);
        // A minimal nginx.conf including it, as nginx/nginx.conf.in does.
        fs.writeFileSync(path.join(d, 'nginx.conf'), [
          `pid ${d}/nginx.pid;`, `error_log ${d}/log/main-error.log warn;`, 'events { worker_connections 64; }',
          'http {', '    include /etc/nginx/mime.types;',
          ...['client_body', 'fastcgi', 'proxy', 'uwsgi', 'scgi'].map((n) => `    ${n}_temp_path ${d}/${n};`),
          `    include ${d}/site.conf;`, '}', ''].join('\n'));
        execFileSync('nginx', ['-t', '-q', '-p', d, '-c', path.join(d, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
        return { d, text: r.stdout };
      };

      // As printed for production: 443/80 on IPv4 and IPv6, the
      // certificate, HSTS, and the real-IP lines commented with guidance.
      const prod = render('prod').text;
      assert.match(prod, /^ {4}listen 443 ssl http2;$/m);
      assert.match(prod, /^ {4}listen \[::\]:443 ssl http2;$/m);
      assert.match(prod, /^ {4}listen 80;$/m);
      assert.match(prod, new RegExp(`^ {4}server_name ${domain.replaceAll('.', '\\.')};$`, 'm'));
      assert.match(prod, new RegExp(`^ {4}ssl_certificate ${cert};$`, 'm'));
      assert.match(prod, /^ {4}add_header Strict-Transport-Security "max-age=31536000" always;$/m);
      assert.match(prod, /^ {8}return 301 https:\/\/huzu\.example\.cn\$request_uri;$/m);
      assert.match(prod, /^ {4}# set_real_ip_from /m);
      assert.match(prod, /^ {4}# real_ip_header X-Forwarded-For;$/m);
      assert.match(prod, /anyone else can write any X-Forwarded-For/, 'the warning that goes with it');
      assert.doesNotMatch(prod, /^\s*set_real_ip_from/m, 'no proxy trusted unless named');
      assert.doesNotMatch(prod, /@[A-Z_]+@|huzu-site\./, 'every placeholder filled, no scratch folder left');
      assert.doesNotMatch(prod, /server_name _;/);

      // Refused: a domain that would inject a directive, a relative path,
      // a proxy that is no address, and one that is every address.
      const bad = spawnSync(site, ['huzu.example.cn; include /etc/passwd'], { encoding: 'utf8' });
      assert.equal(bad.status, 1, bad.stderr);
      assert.equal(bad.stdout, '');
      assert.equal(spawnSync(site, ['--cert', 'cert.pem', domain], { encoding: 'utf8' }).status, 1);
      for (const p of ['bogus', '10.0.0.0/33', '1::2::3', '0.0.0.0/0', '::/0']) {
        const r = spawnSync(site, ['--trust-proxy', p, domain], { encoding: 'utf8' });
        assert.equal(r.status, 1, `--trust-proxy ${p}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, p.endsWith('/0') ? /trusts every address.*escape the login limits/ : /IPv4 or IPv6 address/);
      }

      // Served for real, on free ports: one site as printed, one behind a
      // proxy at 127.0.0.1.
      const start = async (sub, ...extra) => {
        const [hs, h] = [await freePort(), await freePort()];
        const { d } = render(sub, '--listen-https', `127.0.0.1:${hs}`, '--listen-http', `127.0.0.1:${h}`, ...extra);
        const child = spawn('nginx', ['-p', d, '-c', path.join(d, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore', detached: true });
        children.push(child);
        await waitFor('nginx', 10_000, async () => (await httpsGet(hs, domain, fs.readFileSync(cert), '/').catch(() => null))?.status === 200);
        return { d, hs, h };
      };
      const ca = fs.readFileSync(cert);
      // certbot --webroot's challenge files, served on plain HTTP.
      const acme = path.join(dir, 'acme');
      fs.mkdirSync(path.join(acme, '.well-known', 'acme-challenge'), { recursive: true });
      fs.writeFileSync(path.join(acme, '.well-known', 'acme-challenge', 'x'), 'token-x.thumbprint');
      fs.chmodSync(dir, 0o755); // nginx's workers read it
      const direct = await start('direct', '--acme-webroot', acme);
      const page = await httpsGet(direct.hs, domain, ca, '/', { 'x-forwarded-for': '203.0.113.7' });
      assert.equal(page.status, 200);
      assert.equal(page.headers['strict-transport-security'], 'max-age=31536000');
      assert.equal(page.headers['x-frame-options'], 'DENY', 'the template\'s headers are all there');
      assert.ok(page.headers['content-security-policy']);
      const redirect = await http(`http://127.0.0.1:${direct.h}`, 'GET', '/q/abc?x=1');
      assert.equal(redirect.status, 301);
      const evil = await fetch(`http://127.0.0.1:${direct.h}/x`, { redirect: 'manual', headers: { host: 'evil.example' } });
      assert.equal(evil.headers.get('location'), `https://${domain}/x`, 'the host is never taken from the request');
      const challenge = await http(`http://127.0.0.1:${direct.h}`, 'GET', '/.well-known/acme-challenge/x');
      assert.equal(challenge.status, 200);
      assert.equal(challenge.text, 'token-x.thumbprint');
      // Nobody trusted: the address logged is the client's own.
      const access = (d) => fs.readFileSync(path.join(d, 'log', 'nginx-access.log'), 'utf8');
      await waitFor('the access log line', 5000, () => /"GET \/index\.html" 200/.test(access(direct.d)));
      assert.match(access(direct.d), /^127\.0\.0\.1 .*"GET \/index\.html" 200/m);
      assert.doesNotMatch(access(direct.d), /203\.0\.113\.7/, 'X-Forwarded-For from anyone is ignored');

      const proxied = await start('proxied', '--trust-proxy', '2001:db8::/32', '--trust-proxy', '::ffff:10.0.0.0/104',
        '--trust-proxy', 'unix:', '--trust-proxy', '127.0.0.1');
      assert.match(fs.readFileSync(path.join(proxied.d, 'site.conf'), 'utf8'), /^ {4}set_real_ip_from 127\.0\.0\.1;\n {4}real_ip_header X-Forwarded-For;$/m);
      assert.equal((await httpsGet(proxied.hs, domain, ca, '/', { 'x-forwarded-for': '203.0.113.7' })).status, 200);
      await waitFor('the proxied access log line', 5000, () => /^203\.0\.113\.7 .*"GET \/index\.html" 200/m.test(access(proxied.d)));

      // The systemd unit (with this build's binary in its paths).
      const unit = fs.readFileSync(path.join(root, 'scripts', 'deploy', 'huzu.service'), 'utf8');
      // SupplementaryGroups: systemd leaves out the user's own group, and
      // /etc/huzu is root:huzu 0750 (README, Production).
      for (const line of ['Type=simple', 'User=huzu', 'Group=www-data', 'SupplementaryGroups=huzu', 'NoNewPrivileges=true', 'ProtectSystem=strict', 'PrivateTmp=true',
        'RuntimeDirectory=huzu', 'ExecReload=/bin/kill -HUP $MAINPID', 'Restart=on-failure']) {
        assert.ok(unit.split('\n').includes(line), line);
      }
      assert.match(unit, /^ExecStart=\/opt\/huzu\/build\/release\/huzu serve -c \/etc\/huzu\/huzu\.conf$/m);
      assert.match(unit, /^ReadWritePaths=.*\/run\/huzu.*\/var\/lib\/huzu.*\/var\/log\/huzu/m);
      const unitFile = path.join(dir, 'huzu.service');
      fs.writeFileSync(unitFile, unit.replaceAll('/opt/huzu/build/release/huzu', bin));
      const analyze = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
      if (analyze.error) {
        // No systemd here: the unit's syntax by hand (sections, key=value).
        for (const l of unit.split('\n')) assert.match(l, /^(|#.*|\[(Unit|Service|Install)\]|[A-Za-z]+=.*)$/, l);
      } else {
        assert.equal(analyze.status, 0, analyze.stderr);
        assert.equal(analyze.stderr.trim(), '', 'systemd-analyze has nothing to say');
      }

      // The settings for Debian's MariaDB, as mariadbd reads them.
      const my = spawnSync('/usr/sbin/mariadbd', ['--defaults-file=' + path.join(root, 'scripts', 'deploy', 'mariadb.cnf'),
        '--help', '--verbose'], { encoding: 'utf8', maxBuffer: 16 << 20 });
      assert.match(my.stdout, /^innodb-flush-log-at-trx-commit\s+1$/m, my.stderr);
      assert.match(my.stdout, /^character-set-server\s+utf8mb4$/m);

      // logrotate: daily, 14, compressed, the signals after the move (run
      // for real in the first test).
      const rot = fs.readFileSync(path.join(root, 'scripts', 'deploy', 'huzu-logrotate'), 'utf8');
      for (const w of ['daily', 'rotate 14', 'compress', 'delaycompress']) assert.match(rot, new RegExp(`^\\s+${w}$`, 'm'), w);
      assert.match(rot, /postrotate[\s\S]*--kill-whom=main --signal=USR1 huzu\.service[\s\S]*kill -USR1[\s\S]*endscript/);
      assert.doesNotMatch(rot, /copytruncate/);
    } finally {
      for (const c of children) {
        try { process.kill(-c.pid, 'SIGTERM'); } catch { /* gone */ }
        await waitFor('nginx to stop', 10_000, () => !isAlive(c.pid)).catch(() => {});
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
