// Account administration through nginx and on the command line: disabling
// (the account's tokens stop at once, on every worker), enabling, an
// admin's password reset (a temporary password that opens nothing but the
// way to change it), changing one's own password (through the login
// guard), building heads named by building_head grants, and the refusals
// of each. Nothing here may leave a password in a log.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';

import {
  api, authPost, bin, configPath, describeRes, expectError, expectInvalid, expectStatus, freshPhone, login, loginRaw,
  onEveryWorker, readLog, request, residentLogin, staff,
} from './lib.mjs';
import { auditRows, sql, sqlStr, unitMap, freshCode } from './identity-lib.mjs';

const USERS = '/api/v1/users';
const ME = '/api/v1/me';
const PASSWORD = '/api/v1/me/password';
const TEMP = /^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$/;   // one case, no 0 o 1 l i

const huzu = (args, input = '') => {
  const r = spawnSync(bin, [...args, '-c', configPath], { encoding: 'utf8', input, timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
};

let admin;
let units;
const uid = (code) => units.get(code).id;
const uname = (p = 'acc') => `${p}${crypto.randomBytes(5).toString('hex')}`;
// Every password this file sets: none may reach a log.
const secrets = new Set();

async function person(over = {}) {
  const json = { username: uname(), display_name: '账号测试员', password: `pw-${crypto.randomBytes(8).toString('hex')}`, ...over };
  secrets.add(json.password);
  const u = expectStatus(await api('POST', USERS, admin, { json }), 201, `create ${json.username}`);
  return { ...u, password: json.password };
}

const post = (path, tok, json) => api('POST', path, tok, json === undefined ? {} : { json });
const disable = (id, tok = admin) => post(`${USERS}/${id}/disable`, tok);
const enable = (id, tok = admin) => post(`${USERS}/${id}/enable`, tok);
const reset = (id, tok = admin) => post(`${USERS}/${id}/password-reset`, tok);
const change = (tok, json) => post(PASSWORD, tok, json);
const rid = (res) => res.headers.get('x-request-id');
const row = (id) => {
  const [[disabled, at, must, changed]] = sql(`SELECT disabled, disabled_at IS NOT NULL, must_change_password,
    password_changed_at IS NOT NULL FROM users WHERE id = ${Number(id)}`);
  return { disabled: disabled === '1', disabled_at: at === '1', must: must === '1', changed: changed === '1' };
};
const liveRefresh = (id) => Number(sql(`SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ${Number(id)}
  AND state <> 'revoked'`)[0][0]);
const refresh = (t) => authPost('/api/v1/auth/refresh', { refresh_token: t.refresh_token });

// Buildings of its own, in a cooperative of its own: the demo village's
// groups keep exactly the buildings other suites count.
let ownGroup;
async function group() {
  if (ownGroup === undefined) {
    const made = async (parent_id, kind, name) =>
      expectStatus(await api('POST', '/api/v1/units', admin, { json: { parent_id, kind, name } }), 201, kind).id;
    const coop = await made(uid('SMQ'), 'cooperative', `账号测试社${crypto.randomBytes(3).toString('hex')}`);
    ownGroup = await made(coop, 'group', '账号测试组');
  }
  return ownGroup;
}

async function building(head) {
  const json = { group_id: await group(), name: '账号测试楼', lane: `账号巷${crypto.randomBytes(3).toString('hex')}`,
    door_no: '1', code: freshCode('AC') };
  if (head) json.head_id = head;
  return expectStatus(await api('POST', '/api/v1/buildings', admin, { json }), 201, 'building');
}
const headOf = async (id) => expectStatus(await api('GET', `/api/v1/buildings/${id}`, admin), 200).building.head;

before(async () => {
  admin = await staff('admin');
  units = await unitMap(admin);
});

describe('who may', () => {
  test('only admins: everyone else 403 and nothing changes; ids that are no staff account are 404', async () => {
    const target = await person();
    const r = await residentLogin();
    const bad = [];
    for (const name of ['cadre1', 'leader1', 'head1', 'station1']) {
      const tok = await staff(name);
      for (const res of [await disable(target.id, tok), await enable(target.id, tok), await reset(target.id, tok)]) {
        if (res.status !== 403 || res.json?.error?.code !== 'forbidden') bad.push(`${name}: ${describeRes(res)}`);
      }
    }
    for (const res of [await disable(target.id, r), await reset(target.id, r)]) expectError(res, 403, 'forbidden');
    assert.deepEqual(bad, []);
    assert.deepEqual(row(target.id), { disabled: false, disabled_at: false, must: false, changed: false });
    await login(target.username, target.password);
    for (const id of [r.user.id, 99999999, 0, 'abc', '1.5', `0${target.id}`]) {
      for (const op of ['disable', 'enable', 'password-reset']) {
        expectError(await post(`${USERS}/${id}/${op}`, admin), 404, 'not_found');
      }
    }
    for (const op of ['disable', 'enable', 'password-reset']) {
      expectError(await request('POST', `${USERS}/${target.id}/${op}`), 401, 'unauthorized');
    }
  });
});

describe('disabling and enabling', () => {
  test('disable: the access token is refused at once on every worker, the refresh token too, the password no more; audited once', async () => {
    const u = await person();
    const t = await login(u.username, u.password);
    const t2 = await login(u.username, u.password);
    expectStatus(await api('GET', ME, t), 200);
    const res = await disable(u.id);
    const body = expectStatus(res, 200);
    assert.equal(body.id, u.id);
    assert.equal(body.disabled, true);
    assert.deepEqual(auditRows(rid(res)).map((a) => [a.action, a.actor, a.type, a.target, a.detail]),
      [['user.disable', admin.user.id, 'user', u.id, { username: u.username }]]);
    assert.deepEqual(row(u.id), { disabled: true, disabled_at: true, must: false, changed: false });
    assert.equal(liveRefresh(u.id), 0, 'every refresh token revoked');
    await onEveryWorker('the disabled token', async () => {
      const r = await api('GET', ME, t);
      expectError(r, 401, 'token_invalid');
      return r;
    });
    expectError(await api('GET', '/api/v1/buildings', t2), 401, 'token_invalid');
    expectError(await refresh(t), 401, 'refresh_invalid');
    expectError(await loginRaw(u.username, u.password), 401, 'login_failed');
    // Disabled again: nothing changes, nothing is written.
    const again = await disable(u.id);
    assert.equal(expectStatus(again, 200).disabled, true);
    assert.deepEqual(auditRows(rid(again)), []);
    // The list says so.
    assert.equal(expectStatus(await api('GET', `${USERS}/${u.id}`, admin), 200).disabled, true);

    const on = await enable(u.id);
    assert.equal(expectStatus(on, 200).disabled, false);
    assert.deepEqual(auditRows(rid(on)).map((a) => [a.action, a.actor, a.target]), [['user.enable', admin.user.id, u.id]]);
    assert.deepEqual(row(u.id), { disabled: false, disabled_at: false, must: false, changed: false });
    // The old sessions stay ended; the password logs in again.
    expectError(await api('GET', ME, t), 401, 'token_invalid');
    expectError(await refresh(t2), 401, 'refresh_invalid');
    const back = await login(u.username, u.password);
    expectStatus(await api('GET', ME, back), 200);
    assert.deepEqual(auditRows(rid(await enable(u.id))), [], 'enabling an enabled account writes nothing');
  });

  test('an admin cannot disable themselves nor reset their own password (409); the account stays as it was', async () => {
    const e = expectError(await disable(admin.user.id), 409, 'cannot_disable_self');
    assert.match(e.message, /另一位管理员/);
    const r = expectError(await reset(admin.user.id), 409, 'cannot_reset_self');
    assert.match(r.message, /修改密码/);
    assert.equal(row(admin.user.id).must, false);
    assert.equal(row(admin.user.id).disabled, false);
    expectStatus(await api('GET', ME, admin), 200);
  });

  test('a disabled account keeps its name: user add with it is "username" taken, not "phone"', async () => {
    const u = await person();
    expectStatus(await disable(u.id), 200);
    const res = await api('POST', USERS, admin, { json: { username: u.username, display_name: '重名', password: 'another-pass-2026' } });
    const e = expectError(res, 409, 'conflict');
    assert.deepEqual(Object.keys(e.fields), ['username']);
  });
});

describe('password reset and change', () => {
  test('reset: a temporary password, every session ended; it opens only /me and /me/password until changed', async () => {
    const u = await person();
    const t = await login(u.username, u.password);
    const res = await reset(u.id);
    const body = expectStatus(res, 200);
    assert.deepEqual(Object.keys(body).sort(), ['must_change_password', 'temporary_password']);
    assert.match(body.temporary_password, TEMP);
    assert.equal(body.must_change_password, true);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const temp = body.temporary_password;
    secrets.add(temp);
    const audit = auditRows(rid(res));
    assert.deepEqual(audit.map((a) => [a.action, a.actor, a.target, a.detail]),
      [['user.password_reset', admin.user.id, u.id, { username: u.username }]]);
    assert.deepEqual(row(u.id), { disabled: false, disabled_at: false, must: true, changed: true });
    assert.equal(liveRefresh(u.id), 0);
    expectError(await api('GET', ME, t), 401, 'token_invalid');
    expectError(await loginRaw(u.username, u.password), 401, 'login_failed');
    // Two resets never give the same password.
    const other = await person();
    const p2 = expectStatus(await reset(other.id), 200).temporary_password;
    secrets.add(p2);
    assert.notEqual(p2, temp);

    const tt = expectStatus(await loginRaw(u.username, temp), 200);
    assert.equal(tt.user.must_change_password, true, 'the login answer says so');
    const me = expectStatus(await api('GET', ME, tt), 200);
    assert.equal(me.user.must_change_password, true);
    for (const [m, p] of [['GET', '/api/v1/units'], ['GET', '/api/v1/buildings'], ['GET', '/api/v1/me/home'],
      ['PATCH', ME], ['GET', USERS], ['GET', '/api/v1/tenancies']]) {
      const r = await api(m, p, tt, m === 'PATCH' ? { json: { phone_public: true } } : {});
      const e = expectError(r, 403, 'password_change_required');
      assert.equal(e.message, '请先修改临时密码');
    }
    // Refreshing is allowed (auth/*), and still says so.
    const rt = expectStatus(await refresh(tt), 200);
    assert.equal(rt.user.must_change_password, true);
    expectError(await api('GET', '/api/v1/units', rt), 403, 'password_change_required');

    // Changed: the flag goes, every session ends, new tokens come back.
    const next = `new-${crypto.randomBytes(8).toString('hex')}`;
    secrets.add(next);
    const ch = await change(rt, { old_password: temp, new_password: next });
    const nt = expectStatus(ch, 200);
    assert.equal(nt.user.must_change_password, false);
    assert.equal(nt.user.id, u.id);
    assert.deepEqual(auditRows(rid(ch)).map((a) => [a.action, a.actor, a.target, a.detail]),
      [['user.password_change', u.id, u.id, null]]);
    assert.equal(row(u.id).must, false);
    expectError(await api('GET', ME, rt), 401, 'token_invalid');
    expectError(await refresh(rt), 401, 'refresh_invalid');
    expectStatus(await api('GET', '/api/v1/units', nt), 200);
    assert.equal(expectStatus(await api('GET', ME, nt), 200).user.must_change_password, false);
    // The temporary password worked until changed, and never again.
    expectError(await loginRaw(u.username, temp), 401, 'login_failed');
    assert.equal(expectStatus(await loginRaw(u.username, next), 200).user.must_change_password, false);
  });

  test('change: the old password must be right, the new one valid and different; wrong shapes are refused', async () => {
    const u = await person();
    const t = await login(u.username, u.password);
    const e = expectError(await change(t, { old_password: 'not-the-password', new_password: 'something-new-2026' }), 403,
      'old_password_wrong');
    assert.deepEqual(Object.keys(e.fields), ['old_password']);
    expectInvalid(await change(t, { old_password: u.password, new_password: 'short' }), ['new_password']);
    expectInvalid(await change(t, { old_password: u.password, new_password: 'p'.repeat(129) }), ['new_password']);
    const same = expectInvalid(await change(t, { old_password: u.password, new_password: u.password }), ['new_password']);
    assert.match(same.fields.new_password, /不能与原密码相同/);
    expectInvalid(await change(t, {}), ['old_password', 'new_password']);
    expectInvalid(await change(t, { old_password: 1, new_password: true }), ['old_password', 'new_password']);
    expectInvalid(await change(t, { old_password: null, new_password: ['x'] }), ['old_password', 'new_password']);
    expectInvalid(await change(t, { old_password: u.password, new_password: 'something-new-2026', username: 'admin' }),
      ['username']);
    expectError(await request('POST', PASSWORD, {
      body: Buffer.concat([Buffer.from(`{"old_password":"${u.password}","new_password":"abc`), Buffer.from([0xc3, 0x28]),
        Buffer.from('defghijk"}')]),
      headers: { authorization: `Bearer ${t.access_token}`, 'content-type': 'application/json' },
    }), 400, 'invalid_utf8');
    expectError(await request('POST', PASSWORD, { json: { old_password: u.password, new_password: 'something-new-2026' } }),
      401, 'unauthorized');
    const r = await residentLogin();
    expectError(await change(r, { old_password: 'x', new_password: 'something-new-2026' }), 403, 'forbidden');
    // Nothing of that changed the password.
    expectStatus(await api('GET', ME, t), 200);
    await login(u.username, u.password);
  });

  test('wrong old passwords count as failed logins: after login_delay_after of them, 429 on old_password', async () => {
    const u = await person();
    const t = await login(u.username, u.password);
    for (let i = 0; i < 5; i++) {
      expectError(await change(t, { old_password: `guess-${i}`, new_password: 'something-new-2026' }), 403, 'old_password_wrong');
    }
    const res = await change(t, { old_password: 'guess-again', new_password: 'something-new-2026' });
    const e = expectError(res, 429, 'login_throttled');
    assert.deepEqual(Object.keys(e.fields), ['old_password']);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    // The same counter as the login form's.
    expectError(await loginRaw(u.username, 'guess-at-login'), 429, 'login_throttled');
    const [[n]] = sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'login.staff.failed' AND target_id = ${u.id}`);
    assert.ok(Number(n) >= 6, `failures audited: ${n}`);
  });
});

describe('building heads follow building_head', () => {
  test('a grant names the head of a building without one; another head is named in a 409; a revoke clears it', async () => {
    const a = await person({ display_name: '甲栋长' });
    const b = await person({ display_name: '乙栋长' });
    const bl = await building();
    assert.equal(await headOf(bl.id), null);
    const ra = expectStatus(await api('POST', `${USERS}/${a.id}/roles`, admin, { json: { role: 'building_head', unit_id: bl.id } }),
      201).roles[0];
    assert.deepEqual(await headOf(bl.id), { id: a.id, display_name: '甲栋长' });
    const e = expectError(await api('POST', `${USERS}/${b.id}/roles`, admin, { json: { role: 'building_head', unit_id: bl.id } }),
      409, 'head_taken');
    assert.match(e.message, new RegExp(`甲栋长（${a.username}）`));
    assert.deepEqual(expectStatus(await api('GET', `${USERS}/${b.id}`, admin), 200).roles, [], 'nothing granted');
    assert.equal((await api('DELETE', `${USERS}/${a.id}/roles/${ra.id}`, admin)).status, 204);
    assert.equal(await headOf(bl.id), null);
    expectStatus(await api('POST', `${USERS}/${b.id}/roles`, admin, { json: { role: 'building_head', unit_id: bl.id } }), 201);
    assert.deepEqual(await headOf(bl.id), { id: b.id, display_name: '乙栋长' });
  });

  test('a role at the wrong kind of unit says which kind it takes', async () => {
    const u = await person();
    const bl = await building();
    const e = expectInvalid(await api('POST', `${USERS}/${u.id}/roles`, admin, { json: { role: 'cadre', unit_id: bl.id } }),
      ['role']);
    assert.match(e.fields.role, /经济社干部（cadre）只能设在经济社（cooperative）一级，所选单位是楼栋（building）/);
  });
});

describe('the command line', () => {
  test('user disable / enable / password by name, and what they refuse', async () => {
    const u = await person();
    const t = await login(u.username, u.password);
    const off = huzu(['user', 'disable', u.username]);
    assert.equal(off.status, 0, off.err);
    assert.match(off.out, new RegExp(`${u.username} is disabled`));
    expectError(await api('GET', ME, t), 401, 'token_invalid');
    expectError(await loginRaw(u.username, u.password), 401, 'login_failed');
    const [[actor, reqId]] = sql(`SELECT actor_id, request_id FROM audit_log WHERE action = 'user.disable'
      AND target_id = ${u.id} ORDER BY id DESC LIMIT 1`);
    assert.deepEqual([actor, reqId], [null, 'cli']);
    const on = huzu(['user', 'enable', u.username]);
    assert.equal(on.status, 0, on.err);
    await login(u.username, u.password);

    // A password the operator chose: not temporary, sessions ended.
    const t2 = await login(u.username, u.password);
    expectStatus(await reset(u.id), 200);
    const chosen = `cli-${crypto.randomBytes(8).toString('hex')}`;
    secrets.add(chosen);
    const pw = huzu(['user', 'password', u.username], `${chosen}\n`);
    assert.equal(pw.status, 0, pw.err);
    assert.ok(!pw.out.includes(chosen) && !pw.err.includes(chosen));
    expectError(await api('GET', ME, t2), 401, 'token_invalid');
    const nt = expectStatus(await loginRaw(u.username, chosen), 200);
    assert.equal(nt.user.must_change_password, false);
    expectStatus(await api('GET', '/api/v1/units', nt), 200);
    assert.equal(sql(`SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_set' AND target_id = ${u.id}`)[0][0], '1');

    const short = huzu(['user', 'password', u.username], 'short\n');
    assert.equal(short.status, 1);
    assert.match(short.err, /password: 密码须为 10 至 128 个字符/);
    for (const cmd of [['user', 'disable', 'nobody-here'], ['user', 'enable', 'nobody-here'], ['user', 'password', 'nobody-here']]) {
      const r = huzu(cmd, 'long-enough-password\n');
      assert.equal(r.status, 1);
      assert.match(r.err, /no staff account nobody-here/);
    }
    assert.equal(huzu(['user', 'disable']).status, 2, 'usage');
  });

  test('the last enabled admin cannot be disabled nor lose the admin role (409 last_admin); another admin can', async () => {
    const second = await person();
    expectStatus(await api('POST', `${USERS}/${second.id}/roles`, admin, { json: { role: 'admin', unit_id: uid('SMQ') } }), 201);
    const t = await login(second.username, second.password);
    // Every other enabled admin is set aside for the test, then restored.
    const others = sql(`SELECT DISTINCT u.username FROM users u JOIN role_assignments r ON r.user_id = u.id
      WHERE r.role = 'admin' AND u.disabled = 0 AND u.username NOT IN ('admin', ${sqlStr(second.username)})`).map(([n]) => n);
    for (const n of others) assert.equal(huzu(['user', 'disable', n]).status, 0);
    try {
      // Through the API an admin may disable another admin, while one
      // is left.
      expectStatus(await disable(second.id), 200);
      expectError(await api('GET', ME, t), 401, 'token_invalid');
      const last = huzu(['user', 'disable', 'admin']);
      assert.equal(last.status, 1);
      assert.match(last.err, /最后一个可用的管理员/);
      assert.equal(row(admin.user.id).disabled, false);
      expectStatus(await api('GET', ME, admin), 200);
      // Nor may it lose the admin role, by id or by name.
      const held = expectStatus(await api('GET', `${USERS}/${admin.user.id}`, admin), 200).roles
        .filter((r) => r.role === 'admin');
      assert.ok(held.length >= 1);
      for (const r of held) {
        expectError(await api('DELETE', `${USERS}/${admin.user.id}/roles/${r.id}`, admin), 409, 'last_admin');
      }
      const rm = huzu(['role', 'remove', 'admin', 'admin', 'SMQ']);
      assert.equal(rm.status, 1);
      assert.match(rm.err, /最后一个可用的管理员/);
      expectStatus(await api('GET', USERS, admin), 200);
    } finally {
      for (const n of others) huzu(['user', 'enable', n]);
    }
  });

  test('user add with a phone in use says phone; role add at the wrong kind of unit says which kind', async () => {
    const phone = freshPhone();
    const a = await person({ phone });
    assert.ok(a.id);
    const dup = huzu(['user', 'add', uname(), '重号'], `long-enough-password\n`);
    assert.equal(dup.status, 0, 'no phone: fine');
    const r = huzu(['user', 'add', uname(), '重号', phone], `long-enough-password\n`);
    assert.equal(r.status, 1);
    assert.match(r.err, /phone: 该手机号已被其他账号使用/);
    assert.ok(!r.err.includes('username'));
    const bl = await building();
    const k = huzu(['role', 'add', a.username, 'cadre', bl.code]);
    assert.equal(k.status, 1);
    assert.match(k.err, /cadre.*cooperative.*building/);
  });

  test('role add building_head names the head; another head is named; role remove clears it', async () => {
    const a = await person({ display_name: '命令行栋长' });
    const b = await person();
    const bl = await building();
    const add = huzu(['role', 'add', a.username, 'building_head', bl.code]);
    assert.equal(add.status, 0, add.err);
    assert.deepEqual(await headOf(bl.id), { id: a.id, display_name: '命令行栋长' });
    assert.match(huzu(['role', 'add', a.username, 'building_head', bl.code]).out, /already holds/);
    const taken = huzu(['role', 'add', b.username, 'building_head', bl.code]);
    assert.equal(taken.status, 1);
    assert.match(taken.err, new RegExp(`命令行栋长（${a.username}）`));
    const rm = huzu(['role', 'remove', a.username, 'building_head', bl.code]);
    assert.equal(rm.status, 0, rm.err);
    assert.match(rm.out, /no longer building_head/);
    assert.equal(await headOf(bl.id), null);
    assert.equal(sql(`SELECT COUNT(*) FROM role_assignments WHERE user_id = ${a.id}`)[0][0], '0');
    const again = huzu(['role', 'remove', a.username, 'building_head', bl.code]);
    assert.equal(again.status, 1);
    assert.match(again.err, /role: 该人员在此单位没有这个角色/);
    assert.equal(huzu(['role', 'remove', a.username, 'boss', bl.code]).status, 2);
    assert.match(huzu(['role', 'remove', a.username, 'building_head', 'NO-SUCH-UNIT']).err, /no unit NO-SUCH-UNIT/);
  });
});

describe('privacy', () => {
  test('no password set, reset or changed here is in the log or the audit trail', () => {
    assert.ok(secrets.size >= 5);
    const log = readLog();
    const audit = sql('SELECT COALESCE(detail, \'\') FROM audit_log ORDER BY id DESC LIMIT 2000').map(([d]) => d).join('\n');
    for (const s of secrets) {
      assert.ok(!log.includes(s), 'a password in the log');
      assert.ok(!audit.includes(s), 'a password in the audit log');
    }
  });
});
