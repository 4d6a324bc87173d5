// Retention and the org export through nginx (issue 13): a registration
// past tenancy_retention_days is erased by `huzu purge` (its numbers read
// 已删除, its reveals answer 410 erased, the counts stay), and the org tree
// and staff come out as CSV in the import format, the same bytes from the
// API as from `huzu export`, for admins and cadres in scope only.
//
// Buildings: B035 (registrations), SMQ, SMQ-1, SMQ-2, B001 (exports).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { api, bin, configPath, expectError, expectStatus, staff } from './lib.mjs';
import { sql } from './identity-lib.mjs';
import { TENANCIES, UNITS, decide, resident, residentIn, uid } from './tenancy-lib.mjs';

const huzu = (...args) => execFileSync(bin, [...args, '-c', configPath], {
  encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' }, stdio: ['ignore', 'pipe', 'pipe'],
});
const ERASED_MESSAGE = '该登记已过保存期限，证件号码和电话已删除';

describe('retention', () => {
  test('a registration ended past the period is erased: 已删除, reveals 410, counts kept', async () => {
    const { who, tenancy } = await residentIn('B035', { approve: true });
    const { tenancy: kept } = await residentIn('B035', { approve: true });
    expectStatus(await decide('admin', tenancy.id, 'end', { reason: '搬走了' }), 200, 'end');
    expectStatus(await decide('admin', kept.id, 'end', { reason: '搬走了' }), 200, 'end');
    sql(`UPDATE tenancies SET ended_at = NOW(3) - INTERVAL 1096 DAY WHERE id = ${Number(tenancy.id)}`);
    const admin = await staff('admin');
    const counts = async () => (await api('GET', `${UNITS}/${await uid('SMQ')}/tenancy-counts`, admin)).json;
    const before = await counts();

    const out = huzu('purge');
    const m = /erased the ID numbers and phones of (\d+) registration/.exec(out);
    assert.ok(m && Number(m[1]) >= 1, `purge output: ${out}`);
    assert.deepEqual(await counts(), before, 'the counts stay');

    const got = await api('GET', `${TENANCIES}/${tenancy.id}`, admin);
    expectStatus(got, 200, 'the row stays');
    assert.equal(got.json.status, 'ended');
    assert.equal(got.json.id_number, '已删除');
    assert.equal(got.json.phone, '已删除');
    assert.deepEqual(got.json.members, []);
    assert.match(got.json.erased_at, /^\d{4}-\d\d-\d\dT.*\+08:00$/);
    for (const [what, token] of [['id-number', admin], ['phone', admin], ['id-number', who]]) {
      const e = expectError(await api('GET', `${TENANCIES}/${tenancy.id}/${what}`, token), 410, 'erased');
      assert.equal(e.message, ERASED_MESSAGE);
    }
    // The one ended yesterday keeps its numbers.
    const other = await api('GET', `${TENANCIES}/${kept.id}`, admin);
    assert.equal(other.json.erased_at, null);
    assert.match(other.json.id_number, /\*/);
    expectStatus(await api('GET', `${TENANCIES}/${kept.id}/id-number`, admin), 200, 'reveal kept');
  });
});

describe('org export', () => {
  const exportOf = async (who, code, file) => api('GET',
    `${UNITS}/${await uid(code)}/export?file=${file}`, typeof who === 'string' ? await staff(who) : who);

  test('the admin gets the import format, the same bytes as huzu export', async () => {
    const audits = () => Number(sql("SELECT COUNT(*) FROM audit_log WHERE action = 'org.export'")[0][0]);
    const n = audits();
    for (const file of ['units', 'buildings', 'staff']) {
      const res = await exportOf('admin', 'SMQ', file);
      expectStatus(res, 200, file);
      assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.equal(res.headers.get('content-disposition'),
        `attachment; filename="unit-${await uid('SMQ')}-${file}.csv"`);
      assert.ok(res.buf.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'a BOM');
      assert.ok(res.text.endsWith('\r\n') && !/[^\r]\n/.test(res.text), 'CRLF lines');
      assert.equal(res.text, huzu('export', file), `${file}: API and CLI agree`);
    }
    assert.equal(audits(), n + 6, 'each export audited as org.export');
    const b = await exportOf('admin', 'SMQ', 'buildings');
    assert.match(b.text, /^\ufeffcode,group_code,name,lane,door_no,rooms,head_username\r\n/);
    assert.ok(b.text.includes('\r\nB001,SMQ-1-A,石马桥东一巷1号楼,石马桥东一巷,1,"101-105, 201-205, 301-305",head1\r\n'));
    const u = await exportOf('admin', 'SMQ', 'units');
    assert.ok(u.text.startsWith('\ufeffcode,parent_code,kind,name\r\nSMQ,,village,石马桥村\r\n'), u.text.slice(0, 80));
  });

  test('a cadre exports their cooperative; others get 404, 403', async () => {
    const s = await exportOf('cadre1', 'SMQ-1', 'staff');
    expectStatus(s, 200, 'staff of SMQ-1');
    const lines = s.text.slice(1).split('\r\n');
    assert.equal(lines[0], 'username,display_name,role,unit_code');
    assert.ok(lines.includes('cadre1,第一经济社干部,cadre,SMQ-1'));
    assert.ok(lines.includes('leader1,东巷户组长,group_leader,SMQ-1-A'));
    assert.ok(!lines.some((l) => l.startsWith('admin,')), 'roles outside the cooperative are not listed');
    assert.ok(!/1[3-9]\d{9}/.test(s.text), 'no phone');
    expectError(await exportOf('cadre1', 'SMQ-2', 'units'), 404, 'not_found');
    expectError(await exportOf('head1', 'B001', 'buildings'), 403, 'forbidden');
    expectError(await exportOf('leader1', 'SMQ-1-A', 'staff'), 403, 'forbidden');
    expectError(await exportOf(await resident(), 'SMQ', 'units'), 403, 'forbidden');
    expectError(await api('GET', `${UNITS}/${await uid('SMQ')}/export?file=units`), 401, 'unauthorized');
    expectError(await exportOf('admin', 'SMQ', 'roles'), 422, 'validation_failed');
  });
});
