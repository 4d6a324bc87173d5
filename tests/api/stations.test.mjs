// Stations through nginx: the list and one station with their details,
// editing them (the station's manager or an admin; the manager only by an
// admin), the station's poster and code (PNG read back with zbarimg,
// rotation voids old posters), scanning a station code, and the CSV of
// volunteer hours.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  api, request, expectError, expectInvalid, expectStatus, describeRes, staff,
} from './lib.mjs';
import { sql } from './identity-lib.mjs';
import { resident, currentToken, zbar, tmpFile, removeTmp } from './tenancy-lib.mjs';
import { tickOk } from './scheduler-lib.mjs';

const STATIONS = '/api/v1/stations';
const SHIFTS = '/api/v1/shifts';
const SCAN = '/api/v1/scan';
const CHECKINS = '/api/v1/checkins';
const CULTURE = '石马桥文化站';
const ELDERLY = '石马桥老人关爱站';
const HOUR = 3600_000;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const tokenOfUrl = (url) => url.slice(url.lastIndexOf('/') + 1);

let ids;
const sid = (name) => ids.get(name);

before(async () => {
  const res = await api('GET', STATIONS, await staff('admin'));
  expectStatus(res, 200);
  ids = new Map(res.json.items.map((s) => [s.name, s.id]));
  assert.ok(ids.has(CULTURE) && ids.has(ELDERLY), 'demo stations');
});
after(() => removeTmp());

function expectStation(s) {
  assert.deepEqual(Object.keys(s).sort(), ['address', 'can_manage', 'description', 'id', 'kind', 'manager', 'name',
    'opening_hours', 'phone', 'unit'].sort());
  assert.ok(s.phone === null || /^[0-9 -]{5,20}$/.test(s.phone), `phone ${s.phone}`);
  assert.ok(['culture', 'elderly_care', 'women_children'].includes(s.kind));
  assert.equal(typeof s.unit.id, 'number');
  return s;
}

describe('reading stations', () => {
  test('the list and one station: details, manager, can_manage per caller', async () => {
    const v = await resident();
    const list = expectStatus(await api('GET', STATIONS, v), 200);
    for (const s of list.items) assert.equal(expectStation(s).can_manage, false, 'a resident manages nothing');
    const c = expectStation(expectStatus(await api('GET', `${STATIONS}/${sid(CULTURE)}`, await staff('station1')), 200));
    assert.equal(c.name, CULTURE);
    assert.equal(c.kind, 'culture');
    assert.equal(c.can_manage, true);
    assert.ok(c.manager && typeof c.manager.id === 'number', 'station1 manages it');
    const e = expectStation(expectStatus(await api('GET', `${STATIONS}/${sid(ELDERLY)}`, await staff('station1')), 200));
    assert.equal(e.manager, null);
    assert.equal(e.can_manage, false);
    assert.equal(expectStatus(await api('GET', `${STATIONS}/${sid(ELDERLY)}`, await staff('admin')), 200).can_manage, true);
    expectError(await api('GET', `${STATIONS}/999999999`, v), 404, 'not_found');
    expectError(await api('GET', `${STATIONS}/x`, v), 404, 'not_found');
    expectError(await request('GET', `${STATIONS}/${sid(CULTURE)}`), 401, 'unauthorized');
  });
});

describe('editing a station', () => {
  test('its manager edits details; "" clears them; others get 404; residents 403', async () => {
    const s1 = await staff('station1');
    const url = `${STATIONS}/${sid(CULTURE)}`;
    const res = await api('PATCH', url, s1, { json: { address: '石马桥路 8 号', opening_hours: '周二至周日 9:00-17:00', description: '图书室、活动室' } });
    const s = expectStation(expectStatus(res, 200));
    assert.equal(s.address, '石马桥路 8 号');
    assert.equal(s.opening_hours, '周二至周日 9:00-17:00');
    const cleared = expectStatus(await api('PATCH', url, s1, { json: { description: '' } }), 200);
    assert.equal(cleared.description, null);
    assert.equal(cleared.address, '石马桥路 8 号', 'the others stay');
    // The public contact phone: digits, spaces and '-'; "" clears it.
    assert.equal(expectStatus(await api('PATCH', url, s1, { json: { phone: '020 8888-0101' } }), 200).phone, '020 8888-0101');
    expectInvalid(await api('PATCH', url, s1, { json: { phone: '020-8888-0101 转 3' } }), ['phone']);
    expectInvalid(await api('PATCH', url, s1, { json: { phone: '1'.repeat(21) } }), ['phone']);
    assert.equal(expectStatus(await api('PATCH', url, s1, { json: { phone: '' } }), 200).phone, null);
    expectError(await api('PATCH', `${STATIONS}/${sid(ELDERLY)}`, s1, { json: { address: 'x' } }), 404, 'not_found');
    for (const who of ['leader1', 'head1']) {
      expectError(await api('PATCH', url, await staff(who), { json: { address: 'x' } }), 404, 'not_found');
    }
    expectError(await api('PATCH', url, await resident(), { json: { address: 'x' } }), 403, 'forbidden');
    assert.equal(expectStatus(await api('GET', url, s1), 200).address, '石马桥路 8 号', 'refused edits changed nothing');
  });

  test('only an admin names the manager, and only someone holding station_manager', async () => {
    const admin = await staff('admin');
    const url = `${STATIONS}/${sid(CULTURE)}`;
    const cur = expectStatus(await api('GET', url, admin), 200).manager;
    const byManager = await api('PATCH', url, await staff('station1'), { json: { manager_id: cur.id } });
    assert.ok(byManager.status === 403 || byManager.status === 404, `a manager may not name one: ${describeRes(byManager)}`);
    const [[leader]] = sql("SELECT id FROM users WHERE username = 'leader1'");
    expectInvalid(await api('PATCH', url, admin, { json: { manager_id: Number(leader) } }), ['manager_id']);
    const same = expectStatus(await api('PATCH', url, admin, { json: { manager_id: cur.id } }), 200);
    assert.equal(same.manager.id, cur.id);
    // 0: no manager (the admins run it); the former manager then has no say.
    const none = expectStatus(await api('PATCH', url, admin, { json: { manager_id: 0 } }), 200);
    assert.equal(none.manager, null);
    expectStatus(await api('GET', `${url}/poster`, await staff('station1')), 404);
    expectStatus(await api('PATCH', url, admin, { json: { manager_id: cur.id } }), 200);
    expectStatus(await api('GET', `${url}/poster`, await staff('station1')), 200);
  });

  test('bad bodies: types, lengths, hidden characters, bad UTF-8, unknown fields', async () => {
    const s1 = await staff('station1');
    const patch = (json) => api('PATCH', `${STATIONS}/${sid(CULTURE)}`, s1, { json });
    expectInvalid(await patch({ name: '' }), ['name']);
    expectInvalid(await patch({ name: '站'.repeat(101) }), ['name']);
    expectInvalid(await patch({ address: '路'.repeat(201) }), ['address']);
    expectInvalid(await patch({ opening_hours: 'x'.repeat(201) }), ['opening_hours']);
    expectInvalid(await patch({ description: 'x'.repeat(1001) }), ['description']);
    expectInvalid(await patch({ address: 12 }), ['address']);
    expectInvalid(await patch({ manager_id: 'station1' }), ['manager_id']);
    expectInvalid(await patch({ manager_id: -1 }), ['manager_id']);
    expectInvalid(await patch({ manager_id: 2 ** 53 }), ['manager_id']);
    expectInvalid(await patch({ kind: 'culture' }), ['kind']);
    expectInvalid(await patch({ name: 'a\u200bb' }), ['name']);
    const raw = Buffer.concat([Buffer.from('{"address":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expectError(await api('PATCH', `${STATIONS}/${sid(CULTURE)}`, s1, { body: raw, headers: { 'content-type': 'application/json' } }), 400, 'invalid_utf8');
  });
});

describe('the station code', () => {
  test('the PNG reads back as the poster URL; SVG; scale bounds; another station\'s manager 404', async () => {
    const s1 = await staff('station1');
    const p = expectStatus(await api('GET', `${STATIONS}/${sid(CULTURE)}/poster`, s1), 200);
    expectStation(p.station);
    assert.match(p.check_code, /^[A-Z0-9-]{4,8}$/);
    const png = await api('GET', `${STATIONS}/${sid(CULTURE)}/qr.png`, s1);
    expectStatus(png, 200);
    assert.equal(png.headers.get('content-type'), 'image/png');
    assert.equal(png.headers.get('x-qr-check-code'), p.check_code);
    assert.equal(zbar(tmpFile('station.png', png.buf)), p.url, 'the PNG holds the poster URL');
    const svg = await api('GET', `${STATIONS}/${sid(CULTURE)}/qr.svg`, s1);
    expectStatus(svg, 200);
    assert.match(svg.headers.get('content-type'), /^image\/svg\+xml/);
    assert.match(svg.text, /<svg/);
    expectInvalid(await api('GET', `${STATIONS}/${sid(CULTURE)}/qr.png?scale=33`, s1), ['scale']);
    expectInvalid(await api('GET', `${STATIONS}/${sid(CULTURE)}/qr.png?scale=0`, s1), ['scale']);
    for (const path of ['poster', 'qr.png', 'qr.svg']) {
      expectError(await api('GET', `${STATIONS}/${sid(ELDERLY)}/${path}`, s1), 404, 'not_found');
    }
    expectError(await api('POST', `${STATIONS}/${sid(ELDERLY)}/qr/rotate`, s1), 404, 'not_found');
    expectError(await api('GET', `${STATIONS}/${sid(CULTURE)}/poster`, await staff('leader1')), 404, 'not_found');
    expectError(await api('GET', `${STATIONS}/${sid(CULTURE)}/poster`, await resident()), 403, 'forbidden');
  });

  test('scanning: anonymous gets the station and login; the manager gets manage; a building code is unchanged', async () => {
    const p = expectStatus(await api('GET', `${STATIONS}/${sid(CULTURE)}/poster`, await staff('station1')), 200);
    const token = tokenOfUrl(p.url);
    const anon = expectStatus(await request('GET', `${SCAN}/${token}`), 200);
    assert.equal(anon.station.id, sid(CULTURE));
    assert.equal(anon.check_code, p.check_code);
    assert.ok(anon.actions.includes('login'), JSON.stringify(anon.actions));
    assert.equal(anon.shift, null);
    assert.ok(!('building' in anon));
    const mgr = expectStatus(await api('GET', `${SCAN}/${token}`, await staff('station1')), 200);
    assert.ok(mgr.actions.includes('manage'), JSON.stringify(mgr.actions));
    const vol = expectStatus(await api('GET', `${SCAN}/${token}`, await resident()), 200);
    assert.ok(!vol.actions.includes('manage'));
    assert.ok(vol.actions.includes('shifts'));
    const b = expectStatus(await request('GET', `${SCAN}/${await currentToken('B006')}`), 200);
    assert.ok(b.building, 'a building code answers with the building');
    assert.ok(!('station' in b));
  });

  test('rotate: the old poster answers 410 on scan and check-in, the new one scans', async () => {
    const admin = await staff('admin');
    const old = expectStatus(await api('GET', `${STATIONS}/${sid(ELDERLY)}/poster`, admin), 200);
    const fresh = expectStatus(await api('POST', `${STATIONS}/${sid(ELDERLY)}/qr/rotate`, admin), 200);
    assert.notEqual(fresh.url, old.url);
    expectStation(fresh.station);
    const v = await resident();
    expectError(await request('GET', `${SCAN}/${tokenOfUrl(old.url)}`), 410, 'qr_expired');
    expectError(await api('POST', CHECKINS, v, { json: { token: tokenOfUrl(old.url) } }), 410, 'qr_expired');
    expectStatus(await request('GET', `${SCAN}/${tokenOfUrl(fresh.url)}`), 200);
    expectError(await api('POST', CHECKINS, v, { json: { token: tokenOfUrl(fresh.url) } }), 409, 'no_shift_now');
    // The culture station's code is untouched.
    const c = expectStatus(await api('GET', `${STATIONS}/${sid(CULTURE)}/poster`, admin), 200);
    expectStatus(await request('GET', `${SCAN}/${tokenOfUrl(c.url)}`), 200);
  });
});

describe('hours as CSV', () => {
  test('header, one row per volunteer, masked phones only; 404 for another station\'s manager', async () => {
    const s1 = await staff('station1');
    const [a, b] = [await resident(), await resident()];
    const start = Date.now() + 50 * 24 * HOUR;
    const res = await api('POST', SHIFTS, s1, {
      json: { station_id: sid(CULTURE), title: '导览', capacity: 3, starts_at: iso(start), ends_at: iso(start + 2 * HOUR) },
    });
    const shift = expectStatus(res, 201).items[0];
    for (const v of [a, b]) expectStatus(await api('POST', `${SHIFTS}/${shift.id}/signup`, v), 201);
    // Now: started 10 minutes ago; a checks in, b never comes.
    const at = (m) => `UTC_TIMESTAMP() + INTERVAL ${m} MINUTE`;
    sql(`UPDATE shifts SET starts_at = ${at(-10)}, ends_at = ${at(50)}, signup_deadline = ${at(-10)},
      cancel_deadline = ${at(-190)} WHERE id = ${shift.id};
      UPDATE shift_signups SET shift_ends_at = ${at(50)} WHERE shift_id = ${shift.id}`);
    const p = expectStatus(await api('GET', `${STATIONS}/${sid(CULTURE)}/poster`, s1), 200);
    expectStatus(await api('POST', CHECKINS, a, { json: { token: tokenOfUrl(p.url) } }), 201);
    tickOk(new Date(Date.now() + 2 * HOUR));

    const csv = await api('GET', `${STATIONS}/${sid(CULTURE)}/hours.csv`, s1);
    expectStatus(csv, 200, 'hours.csv');
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    const lines = csv.text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.length);
    assert.equal(lines[0], '姓名,手机号,班次,缺席,分钟,小时');
    const masked = (ph) => `${ph.slice(0, 3)}****${ph.slice(7)}`;
    for (const [v, noShow] of [[a, 0], [b, 1]]) {
      const rows = lines.filter((l) => l.includes(masked(v.phone)));
      assert.equal(rows.length, 1, `one row for ${masked(v.phone)}: ${csv.text.slice(0, 500)}`);
      const f = rows[0].split(',');
      assert.equal(Number(f[3]), noShow, `no-shows of ${rows[0]}`);
      assert.ok(!csv.text.includes(v.phone), 'never a full phone number');
    }
    assert.ok(!/\b1[3-9]\d{9}\b/.test(csv.text), 'no unmasked phone at all');
    // The period: a month with nothing in it is the header alone.
    const empty = await api('GET', `${STATIONS}/${sid(CULTURE)}/hours.csv?from=2020-01-01&to=2020-01-31`, s1);
    assert.deepEqual(empty.text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.length), ['姓名,手机号,班次,缺席,分钟,小时']);
    expectInvalid(await api('GET', `${STATIONS}/${sid(CULTURE)}/hours.csv?from=2026-13-01`, s1), ['from']);
    expectError(await api('GET', `${STATIONS}/${sid(ELDERLY)}/hours.csv`, s1), 404, 'not_found');
    expectError(await api('GET', `${STATIONS}/${sid(CULTURE)}/hours.csv`, await staff('leader1')), 404, 'not_found');
    expectStatus(await api('GET', `${STATIONS}/${sid(ELDERLY)}/hours.csv`, await staff('admin')), 200);
  });
});
