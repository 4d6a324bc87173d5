// The operator's commands for stations and shifts (`huzu station set`,
// `huzu shift add`), run with the test stack's config: what they change,
// what they print, and how they refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { api, bin, configPath, expectStatus, staff } from './lib.mjs';

const huzu = (...args) => {
  const r = spawnSync(bin, [...args, '-c', configPath], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
};
const day = (n, hm) => {
  const d = new Date(Date.now() + 8 * 3600_000 + n * 86400_000).toISOString().slice(0, 10);
  return `${d}T${hm}:00+08:00`;
};

async function station(name) {
  const res = await api('GET', '/api/v1/stations', await staff('admin'));
  return expectStatus(res, 200).items.find((s) => s.name === name);
}

test('station set changes a field and says so; a station or a field that does not exist is named', async () => {
  const ok = huzu('station', 'set', 'SMQ', '石马桥老人关爱站', 'opening_hours', '周一至周日 08:00–18:00');
  assert.equal(ok.status, 0, ok.err);
  assert.match(ok.out, /石马桥老人关爱站 \(SMQ\): opening_hours = 周一至周日 08:00–18:00/);
  assert.equal((await station('石马桥老人关爱站')).opening_hours, '周一至周日 08:00–18:00');
  const none = huzu('station', 'set', 'SMQ', '不存在站', 'address', '某处');
  assert.equal(none.status, 1);
  assert.match(none.err, /no station 不存在站 at unit SMQ/);
  const field = huzu('station', 'set', 'SMQ', '石马桥文化站', 'colour', 'red');
  assert.notEqual(field.status, 0);
  assert.match(field.err, /no station field colour/);
  const phone = huzu('station', 'set', 'SMQ', '石马桥文化站', 'phone', 'call me');
  assert.equal(phone.status, 1);
  assert.match(phone.err, /phone: 联系电话只能有数字/);
});

test('station set manager: only someone holding station_manager above the station, and it says how', () => {
  const r = huzu('station', 'set', 'SMQ', '石马桥老人关爱站', 'manager', 'head1');
  assert.equal(r.status, 1);
  assert.match(r.err, /head1 does not hold station_manager .*huzu role add head1 station_manager SMQ/);
  const u = huzu('station', 'set', 'SMQ', '石马桥老人关爱站', 'manager', 'nobody-here');
  assert.equal(u.status, 1);
  assert.match(u.err, /no user nobody-here/);
});

test('shift add publishes a weekly series; bad times, capacity and weeks are refused in words', async () => {
  const r = huzu('shift', 'add', 'SMQ', '石马桥老人关爱站', day(50, '09:00'), day(50, '10:30'), '4', '命令行班次', '3');
  assert.equal(r.status, 0, r.err);
  const first = Number(/the first with id (\d+)/.exec(r.out)?.[1]);
  assert.match(r.out, /^3 shift\(s\) added/);
  const s = expectStatus(await api('GET', `/api/v1/shifts/${first}`, await staff('admin')), 200);
  assert.equal(s.title, '命令行班次');
  assert.equal(s.capacity, 4);
  assert.ok(s.series_id);
  const back = huzu('shift', 'add', 'SMQ', '石马桥老人关爱站', day(50, '11:00'), day(50, '09:00'), '4', 'x');
  assert.equal(back.status, 1);
  assert.match(back.err, /ends_at: 结束时间须晚于开始时间/);
  const past = huzu('shift', 'add', 'SMQ', '石马桥老人关爱站', day(-2, '09:00'), day(-2, '10:00'), '4', 'x');
  assert.match(past.err, /starts_at: 开始时间须晚于现在/);
  assert.match(huzu('shift', 'add', 'SMQ', '石马桥老人关爱站', day(5, '09:00'), day(5, '10:00'), '0', 'x').err,
    /CAPACITY is 1 to 500/);
  assert.match(huzu('shift', 'add', 'SMQ', '石马桥老人关爱站', day(5, '09:00'), day(5, '10:00'), '2', 'x', '27').err,
    /WEEKS is 1 to 26/);
  assert.match(huzu('shift', 'add', 'SMQ', '石马桥老人关爱站', '2026-12-05 09:00', day(5, '10:00'), '2', 'x').err,
    /RFC 3339/);
});
