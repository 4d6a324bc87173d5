// Building codes through nginx: the PNG and SVG (read back with zbarimg,
// checked with xmllint), their version, who may fetch them, posters,
// rotation, the scan answer for each kind of caller, and tokens that are
// forged, altered, truncated, extended or replaced — refused by scan,
// registration and check-in alike, never with a 5xx.
//
// Buildings: B006 and B021/B022 are this file's (B003 belongs to the
// browser tests); head1 rotates B004, which is his.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';

import {
  request, expectError, expectInvalid, expectSecurityHeaders, api, describeRes, expectStatus, staff,
} from './lib.mjs';
import { auditRows, sql } from './identity-lib.mjs';
import {
  BUILDINGS, CHECKINS, SCAN, UNITS, QR_PREFIX, currentToken, expectQrRefused,
  expectTokenRefusedByRegistration, oneCharVariants, poster, qrKeys, qrMac, qrToken, qrTokenRaw,
  regBody, register, removeTmp, resident, rotate, tenancyRows, tmpFile, tokenOf, uid, units, varint, zbar,
} from './tenancy-lib.mjs';

const CHECK_CODE = /^[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$/; // Crockford base32

const png = async (code, who = 'admin', q = '') =>
  api('GET', `${BUILDINGS}/${await uid(code)}/qr.png${q}`, await staff(who));
const svg = async (code, who = 'admin', q = '') =>
  api('GET', `${BUILDINGS}/${await uid(code)}/qr.svg${q}`, await staff(who));
const scan = (token, who) => api('GET', `${SCAN}/${token}`, who);

// IHDR of a PNG: {width, height, depth, color}.
function pngHeader(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), depth: buf[24], color: buf[25] };
}

// The dark modules of our SVG (one "Mx yhNv1h-Nz" run each), as a matrix
// the size of the viewBox.
function svgMatrix(text) {
  const vb = /viewBox="0 0 (\d+) (\d+)"/.exec(text);
  assert.ok(vb, 'viewBox');
  const n = Number(vb[1]);
  assert.equal(Number(vb[2]), n, 'square');
  const d = /<path [^>]*d="([^"]*)"/.exec(text);
  assert.ok(d, 'one path with the dark modules');
  const m = Array.from({ length: n }, () => new Uint8Array(n));
  const rest = d[1].replace(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g, (_, x, y, w, w2) => {
    assert.equal(w, w2, 'a run closes on itself');
    for (let i = 0; i < Number(w); i++) m[Number(y)][Number(x) + i] = 1;
    return '';
  });
  assert.equal(rest, '', 'the path holds only module runs');
  return m;
}

const CRC = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
// An 8-bit grey PNG of a module matrix (1 = dark), `scale` pixels a module.
function matrixPng(m, scale = 4) {
  const w = m.length * scale;
  const rows = [];
  for (const row of m) {
    const line = Buffer.alloc(1 + w, 0xff);
    line[0] = 0;
    row.forEach((v, x) => { if (v) line.fill(0, 1 + x * scale, 1 + (x + 1) * scale); });
    for (let k = 0; k < scale; k++) rows.push(line);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(w, 4);
  ihdr[8] = 8; // depth
  ihdr[9] = 0; // grey
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function xmllint(file) {
  try {
    execFileSync('xmllint', ['--noout', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    return '';
  } catch (e) {
    return String(e.stderr || e.message);
  }
}

after(() => removeTmp());

let admin;
before(async () => {
  admin = await staff('admin');
  await units();
});

describe('the code as PNG and SVG', () => {
  test('the PNG reads back (zbarimg) as exactly the poster URL, and its token scans', async () => {
    const p = await poster('B006');
    const res = await png('B006');
    expectStatus(res, 200, 'qr.png');
    expectSecurityHeaders(res, 'qr.png');
    assert.equal(res.headers.get('content-type'), 'image/png');
    const h = pngHeader(res.buf);
    assert.equal(h.depth, 1, '1-bit');
    assert.equal(h.color, 0, 'greyscale');
    const version = Number(res.headers.get('x-qr-version'));
    const modules = Number(res.headers.get('x-qr-modules'));
    assert.ok(Number.isInteger(version) && version >= 1, `X-QR-Version ${res.headers.get('x-qr-version')}`);
    assert.ok(version <= 4, `version ${version} at ${QR_PREFIX}: a code of at most 33×33 modules`);
    assert.equal(modules, 17 + 4 * version, 'X-QR-Modules matches the version');
    assert.equal(h.width, (modules + 8) * 10, 'default scale 10 with a 4-module quiet zone');
    assert.equal(h.height, h.width);
    assert.equal(res.headers.get('x-qr-check-code'), p.check_code);
    assert.match(p.check_code, CHECK_CODE);

    const url = zbar(tmpFile('b006.png', res.buf));
    assert.equal(url, p.url, 'the PNG holds the URL and nothing else');
    assert.ok(url.startsWith(QR_PREFIX), url);
    const token = tokenOf(url);
    const s = expectStatus(await scan(token), 200, 'scan of the decoded token');
    assert.equal(s.building.id, await uid('B006'));
    assert.equal(s.check_code, p.check_code, 'the check code printed beside the code');
  });

  test('scale: 1..32 pixels a module, anything else is 422; the code reads at scale 3 too', async () => {
    for (const scale of [1, 3, 32]) {
      const res = await png('B006', 'admin', `?scale=${scale}`);
      expectStatus(res, 200, `scale ${scale}`);
      const m = Number(res.headers.get('x-qr-modules'));
      assert.equal(pngHeader(res.buf).width, (m + 8) * scale);
      if (scale === 3) assert.equal(zbar(tmpFile('s3.png', res.buf)), (await poster('B006')).url);
    }
    for (const bad of ['0', '33', '-1', 'x', '1.5', '', '010000', '%20']) {
      expectInvalid(await png('B006', 'admin', `?scale=${bad}`), ['scale']);
    }
    expectInvalid(await png('B006', 'admin', '?size=3'), ['size']);
    expectInvalid(await svg('B006', 'admin', '?scale=3'), ['scale']);
  });

  test('the SVG is well-formed XML (xmllint) and draws the same code', async () => {
    const p = await poster('B006');
    const res = await svg('B006');
    expectStatus(res, 200, 'qr.svg');
    assert.match(res.headers.get('content-type'), /^image\/svg\+xml; ?charset=utf-8$/i);
    const pngRes = await png('B006');
    for (const h of ['x-qr-version', 'x-qr-modules', 'x-qr-check-code']) {
      assert.equal(res.headers.get(h), pngRes.headers.get(h), `${h} of SVG and PNG`);
    }
    assert.ok(Number(res.headers.get('x-qr-version')) <= 4);
    const file = tmpFile('b006.svg', res.buf);
    assert.equal(xmllint(file), '', 'xmllint --noout finds nothing wrong');
    assert.match(res.text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const m = svgMatrix(res.text);
    assert.equal(m.length, Number(res.headers.get('x-qr-modules')) + 8, 'viewBox = modules + quiet zone');
    // The quiet zone is empty.
    for (let i = 0; i < m.length; i++) {
      for (let k = 0; k < 4; k++) {
        assert.equal(m[i][k] + m[i][m.length - 1 - k] + m[k][i] + m[m.length - 1 - k][i], 0, 'quiet zone');
      }
    }
    assert.equal(zbar(tmpFile('svg.png', matrixPng(m))), p.url, 'the SVG, rasterised, reads as the poster URL');
  });

  test('every building of the village fits in version 4 at this base URL', async () => {
    const res = await api('GET', `${UNITS}/${await uid('SMQ')}/posters`, admin);
    expectStatus(res, 200);
    const codes = res.json.items.map((p) => p.building.code);
    for (let n = 1; n <= 40; n++) assert.ok(codes.includes(`B${String(n).padStart(3, '0')}`));
    for (const p of res.json.items) {
      assert.ok(p.qr_version >= 1 && p.qr_version <= 4, `${p.building.code}: version ${p.qr_version}`);
      assert.ok(p.url.length <= 62, `${p.url} fits version 4-Q (62 bytes)`);
    }
  });

  test('who may fetch the code: staff reading the building; others 404, residents 403, nobody 401', async () => {
    const r = await resident();
    for (const [who, code, status] of [
      ['head1', 'B001', 200], ['head1', 'B004', 200], ['head1', 'B006', 404], ['head1', 'B021', 404],
      ['leader1', 'B010', 200], ['leader1', 'B011', 404], ['cadre1', 'B020', 200], ['cadre1', 'B021', 404],
      ['admin', 'B040', 200], ['station1', 'B001', 404],
    ]) {
      for (const f of [png, svg]) {
        const res = await f(code, who);
        if (status === 200) expectStatus(res, 200, `${who} ${code}`);
        else expectError(res, status, 'not_found');
      }
    }
    for (const ext of ['png', 'svg']) {
      const p = `${BUILDINGS}/${await uid('B001')}/qr.${ext}`;
      expectError(await api('GET', p, r), 403, 'forbidden');
      expectError(await request('GET', p), 401, 'unauthorized');
      // Not a building, or nothing at all.
      expectError(await api('GET', `${BUILDINGS}/${await uid('SMQ-1-A')}/qr.${ext}`, admin), 404, 'not_found');
      expectError(await api('GET', `${BUILDINGS}/99999999/qr.${ext}`, admin), 404, 'not_found');
      expectError(await api('GET', `${BUILDINGS}/abc/qr.${ext}`, admin), 404, 'not_found');
    }
  });
});

describe('posters', () => {
  test('a group leader gets the sheet of the group: ten buildings, each code scans to its building', async () => {
    const leader1 = await staff('leader1');
    const res = await api('GET', `${UNITS}/${await uid('SMQ-1-A')}/posters`, leader1);
    expectStatus(res, 200);
    assert.deepEqual(Object.keys(res.json), ['items']);
    const items = res.json.items;
    assert.deepEqual(items.map((p) => p.building.code), Array.from({ length: 10 }, (_, i) => `B${String(i + 1).padStart(3, '0')}`));
    for (const p of items) {
      assert.deepEqual(Object.keys(p).sort(), ['address', 'building', 'check_code', 'qr_version', 'reviewer', 'svg', 'url']);
      assert.equal(p.address, `${p.building.building.lane}${p.building.building.door_no}号`);
      assert.match(p.check_code, CHECK_CODE);
      assert.match(p.svg, /^<\?xml[^>]*\?>\n<svg /);
      const s = expectStatus(await scan(tokenOf(p.url)), 200, p.building.code);
      assert.equal(s.building.id, p.building.id);
      assert.equal(s.check_code, p.check_code);
    }
    const codes = new Set(items.map((p) => p.check_code));
    assert.ok(codes.size >= 9, 'check codes tell the buildings apart');
  });

  test('scope: head1 has his buildings only, a resident 403, nobody 401', async () => {
    const head1 = await staff('head1');
    const one = expectStatus(await api('GET', `${UNITS}/${await uid('B002')}/posters`, head1), 200);
    assert.deepEqual(one.items.map((p) => p.building.code), ['B002']);
    for (const code of ['SMQ-1-A', 'SMQ-1', 'SMQ', 'B005', 'B021']) {
      expectError(await api('GET', `${UNITS}/${await uid(code)}/posters`, head1), 404, 'not_found');
    }
    expectError(await api('GET', `${UNITS}/${await uid('SMQ-2')}/posters`, await staff('cadre1')), 404, 'not_found');
    expectError(await api('GET', `${UNITS}/${await uid('B001')}/posters`, await staff('station1')), 404, 'not_found');
    expectError(await api('GET', `${UNITS}/${await uid('B001')}/posters`, await resident()), 403, 'forbidden');
    expectError(await request('GET', `${UNITS}/${await uid('B001')}/posters`), 401, 'unauthorized');
  });
});

describe('scan', () => {
  test('anonymous: the place, its chain and one action, login', async () => {
    const p = await poster('B006');
    const res = await scan(p.token);
    expectStatus(res, 200);
    const s = res.json;
    assert.deepEqual(Object.keys(s).sort(), ['actions', 'address', 'building', 'chain', 'check_code', 'reviewer']);
    assert.deepEqual(s.actions, ['login']);
    assert.equal(s.building.code, 'B006');
    assert.equal(s.address, '石马桥东二巷1号', 'lane and door number (scripts/demo/buildings.csv)');
    assert.equal(s.building.building.lane, '石马桥东二巷');
    assert.equal(s.building.building.rooms, null, 'the room layout is for people who log in');
    assert.equal(s.check_code, p.check_code);
    assert.deepEqual(s.chain.map((u) => u.kind), ['village', 'cooperative', 'group']);
    assert.deepEqual(s.chain.map((u) => u.id), [await uid('SMQ'), await uid('SMQ-1'), await uid('SMQ-1-A')]);
    assert.equal(s.chain[2].name, (await units()).get('SMQ-1-A').name);
  });

  test('staff: patrol and roster where they read, review where they decide, nothing elsewhere', async () => {
    const t6 = await currentToken('B006');
    const t1 = await currentToken('B001');
    const t21 = await currentToken('B021');
    const all = ['patrol', 'roster', 'review_registrations'];
    for (const [who, token, want] of [
      ['admin', t21, all], ['cadre1', t6, all], ['leader1', t6, all], ['head1', t1, all],
      ['head1', t6, []], ['leader1', t21, []], ['cadre1', t21, []], ['station1', t1, []],
    ]) {
      const s = expectStatus(await scan(token, await staff(who)), 200, who);
      assert.deepEqual(s.actions, want, `${who}`);
      assert.ok(!('tenancy' in s), 'staff get no tenancy');
    }
  });

  test('a resident without a registration may register; a bad Bearer token is 401 even here', async () => {
    const r = await resident();
    const s = expectStatus(await scan(await currentToken('B006'), r), 200);
    assert.deepEqual(s.actions, ['register', 'report_problem']);
    assert.ok(!('tenancy' in s));
    const t = await currentToken('B006');
    for (const auth of ['Bearer garbage', `Bearer ${r.access_token}x`, `Bearer ${r.access_token.split('.').slice(0, 2).join('.')}.`]) {
      const res = await request('GET', `${SCAN}/${t}`, { headers: { authorization: auth } });
      expectError(res, 401, 'token_invalid');
    }
  });
});

describe('rotation', () => {
  test('a rotated code stops working everywhere (410 qr_expired), the new one works; audited', async () => {
    const b = await uid('B022');
    const before = await poster('B022');
    const serial0 = expectStatus(await api('GET', `${BUILDINGS}/${b}`, admin), 200).building.qr_serial;
    const res = await api('POST', `${BUILDINGS}/${b}/qr/rotate`, admin);
    expectStatus(res, 200, 'rotate');
    const p = res.json;
    assert.deepEqual(Object.keys(p).sort(), ['address', 'building', 'check_code', 'url']);
    assert.equal(p.building.id, b);
    assert.equal(p.building.building.qr_serial, serial0 + 1);
    assert.notEqual(p.url, before.url);
    assert.match(p.check_code, CHECK_CODE);
    const fresh = tokenOf(p.url);
    assert.equal(expectStatus(await api('GET', `${BUILDINGS}/${b}`, admin), 200).building.qr_serial, serial0 + 1);

    // The old token: 410 in scan and check-in, refused by registration.
    expectQrRefused(await scan(before.token), true);
    expectQrRefused(await scan(before.token, admin), true);
    expectQrRefused(await api('POST', CHECKINS, admin, { json: { token: before.token } }), true);
    const r = await resident();
    expectTokenRefusedByRegistration(await register(r, regBody(before.token)), true);
    assert.deepEqual(tenancyRows(r.user.id), []);

    // The new one everywhere.
    assert.equal(expectStatus(await scan(fresh), 200).check_code, p.check_code);
    const img = await png('B022');
    assert.equal(img.headers.get('x-qr-check-code'), p.check_code);
    assert.equal(zbar(tmpFile('b022.png', img.buf)), p.url, 'the PNG now shows the new poster');
    assert.equal((await poster('B022')).url, p.url);

    // A second rotation: both older tokens are expired, not unknown.
    const p2 = await rotate('B022');
    expectQrRefused(await scan(before.token), true);
    expectQrRefused(await scan(fresh), true);
    expectStatus(await scan(p2.token), 200);

    const audit = auditRows(res.headers.get('x-request-id'));
    assert.deepEqual(audit.map((a) => [a.actor, a.action, a.type, a.target]),
      [[admin.user.id, 'building.qr_rotate', 'unit', b]]);
    assert.deepEqual(audit[0].detail, { serial: serial0 + 1 });
  });

  test('who may rotate: head and above in scope; others 404, residents 403, nobody 401', async () => {
    expectStatus(await api('POST', `${BUILDINGS}/${await uid('B004')}/qr/rotate`, await staff('head1')), 200, 'head1 B004');
    expectStatus(await api('POST', `${BUILDINGS}/${await uid('B006')}/qr/rotate`, await staff('leader1')), 200, 'leader1 B006');
    for (const [who, code] of [['head1', 'B006'], ['head1', 'B021'], ['leader1', 'B011'], ['cadre1', 'B021'], ['station1', 'B006']]) {
      const before = sql(`SELECT qr_serial FROM buildings WHERE unit_id = ${await uid(code)}`)[0][0];
      expectError(await api('POST', `${BUILDINGS}/${await uid(code)}/qr/rotate`, await staff(who)), 404, 'not_found');
      assert.equal(sql(`SELECT qr_serial FROM buildings WHERE unit_id = ${await uid(code)}`)[0][0], before, `${who} ${code} unchanged`);
    }
    expectError(await api('POST', `${BUILDINGS}/${await uid('B006')}/qr/rotate`, await resident()), 403, 'forbidden');
    expectError(await request('POST', `${BUILDINGS}/${await uid('B006')}/qr/rotate`), 401, 'unauthorized');
    expectError(await api('POST', `${BUILDINGS}/${await uid('SMQ-1-A')}/qr/rotate`, admin), 404, 'not_found');
  });
});

describe('bad tokens: 404 qr_invalid / 410 qr_expired, never 5xx', () => {
  let good;
  let r;
  before(async () => {
    good = await currentToken('B006');
    r = await resident();
  });

  test('the forger in this file reproduces genuine tokens (the control)', async () => {
    const b = await uid('B006');
    const serial = Number(sql(`SELECT qr_serial FROM buildings WHERE unit_id = ${b}`)[0][0]);
    assert.equal(qrToken(b, serial), good, 'kid | varint building | varint serial | 8-byte BLAKE2b MAC');
    expectStatus(await scan(qrToken(b, serial)), 200);
  });

  test('every one-character change of a genuine token is 404 qr_invalid in scan', async () => {
    const variants = oneCharVariants(good);
    assert.equal(variants.length, good.length * 63);
    const bad = [];
    for (let i = 0; i < variants.length; i += 16) {
      const answers = await Promise.all(variants.slice(i, i + 16).map((t) => scan(t)));
      answers.forEach((res, k) => {
        if (res.status !== 404 || res.json?.error?.code !== 'qr_invalid') bad.push(`${variants[i + k]}: ${describeRes(res)}`);
      });
    }
    assert.deepEqual(bad, []);
    expectQrRefused(await scan(variants[0]));
  });

  test('one-character changes never register and never check in, anywhere', async () => {
    const variants = oneCharVariants(good, 4);
    const staffer = await staff('admin');
    const patrols = () => sql(`SELECT COUNT(*) FROM checkins WHERE user_id = ${staffer.user.id}`)[0][0];
    const patrols0 = patrols();
    const bad = [];
    for (const t of variants) {
      const reg = await register(r, regBody(t));
      if (reg.status !== 422 || !reg.json?.error?.fields?.token) bad.push(`register ${t}: ${describeRes(reg)}`);
      const ci = await api('POST', CHECKINS, staffer, { json: { token: t } });
      if (ci.status !== 404 || ci.json?.error?.code !== 'qr_invalid') bad.push(`checkin ${t}: ${describeRes(ci)}`);
    }
    assert.deepEqual(bad, []);
    expectTokenRefusedByRegistration(await register(r, regBody(variants[1])));
    assert.deepEqual(tenancyRows(r.user.id), [], 'no registration anywhere');
    assert.equal(patrols(), patrols0, 'no patrol recorded');
  });

  test('truncated, extended and mangled tokens', async () => {
    const staffer = await staff('admin');
    const tokens = [];
    for (let n = 1; n < good.length; n++) tokens.push(good.slice(0, n));
    for (const c of ['A', 'Q', 'g', 'w', '0', '-', '_']) tokens.push(good + c, c + good);
    tokens.push(good + good.slice(0, 2), good + good, good.toUpperCase(), good.toLowerCase(),
      [...good].reverse().join(''), 'A'.repeat(good.length), 'A'.repeat(32), '_'.repeat(20), '0');
    const bad = [];
    for (const t of tokens) {
      if (t === good) continue;
      const s = await scan(t);
      if (s.status !== 404 || s.json?.error?.code !== 'qr_invalid') bad.push(`scan ${t}: ${describeRes(s)}`);
      const ci = await api('POST', CHECKINS, staffer, { json: { token: t } });
      if (t.length <= 64 && (ci.status !== 404 || ci.json?.error?.code !== 'qr_invalid')) bad.push(`checkin ${t}: ${describeRes(ci)}`);
      const reg = await register(r, regBody(t));
      if (reg.status !== 422 || !reg.json?.error?.fields?.token) bad.push(`register ${t}: ${describeRes(reg)}`);
    }
    assert.deepEqual(bad, []);
    // Longer than a token can be: the body field's own limit.
    expectInvalid(await api('POST', CHECKINS, staffer, { json: { token: good.repeat(5) } }), ['token']);
    expectInvalid(await register(r, regBody(good.repeat(5))), ['token']);
    assert.deepEqual(tenancyRows(r.user.id), []);
  });

  test('characters outside base64url, padding, encodings: never 5xx, never a building', async () => {
    const odd = [`${good}=`, `${good}==`, good.replace(/[-_]/g, (c) => (c === '-' ? '+' : '/')), `${good.slice(0, 5)}+${good.slice(6)}`,
      `${good.slice(0, 5)}.${good.slice(6)}`, `${good} `, ` ${good}`, `${good}\n`, `${good.slice(0, 5)}é${good.slice(6)}`,
      `${good}\u0000`, '.', '..', '%', '%00', `${good}%00`, `${good};x`, 'A'.repeat(2000)].filter((t) => t !== good);
    const staffer = await staff('admin');
    const bad = [];
    for (const t of odd) {
      const s = await scan(encodeURIComponent(t));
      if (s.status >= 500 || s.status === 200) bad.push(`scan ${JSON.stringify(t)}: ${describeRes(s)}`);
      const ci = await api('POST', CHECKINS, staffer, { json: { token: t } });
      if (ci.status >= 500 || ci.status < 400) bad.push(`checkin ${JSON.stringify(t)}: ${describeRes(ci)}`);
      const reg = await register(r, regBody(t));
      if (reg.status >= 500 || reg.status < 400) bad.push(`register ${JSON.stringify(t)}: ${describeRes(reg)}`);
    }
    assert.deepEqual(bad, []);
    // Those that reach the scan route are the app's 404 qr_invalid (a
    // '/' would make another path, which is the router's 404).
    const strict = [];
    for (const t of [`${good}=`, `+${good.slice(1)}`, `${good.slice(0, 5)}.${good.slice(6)}`, `${good.slice(0, 5)}é${good.slice(6)}`,
      `${good} `, 'A'.repeat(2000)]) {
      const res = await scan(encodeURIComponent(t));
      if (res.status !== 404 || res.json?.error?.code !== 'qr_invalid') strict.push(`${JSON.stringify(t)}: ${describeRes(res)}`);
    }
    assert.deepEqual(strict, []);
    assert.deepEqual(tenancyRows(r.user.id), []);
  });

  test('tokens with a genuine MAC but a wrong payload', async (t) => {
    const k = qrKeys();
    const b6 = await uid('B006');
    const serial = Number(sql(`SELECT qr_serial FROM buildings WHERE unit_id = ${b6}`)[0][0]);
    const kid = Buffer.from([k.current]);
    let stranger = 1;
    while (k.keys[stranger]) stranger++;
    const cases = [
      ['a building that does not exist', qrToken(99999999, 1), false],
      ['a group, not a building', qrToken(await uid('SMQ-1-A'), 1), false],
      ['the village', qrToken(await uid('SMQ'), 1), false],
      ['building 0', qrToken(0, 1), false],
      ['a kid nobody has', qrToken(b6, serial, { kid: stranger }), false],
      ['another key under the right kid', qrToken(b6, serial, { key: Buffer.alloc(32, 7) }), false],
      ['a non-minimal building varint', qrTokenRaw(Buffer.concat([kid, Buffer.from([b6 | 0x80, 0x00]), varint(serial)])), false],
      ['a serial beyond 32 bits', qrTokenRaw(Buffer.concat([kid, varint(b6), varint(2 ** 32 + serial)])), false],
      ['a building beyond 2^53', qrTokenRaw(Buffer.concat([kid, varint(2n ** 60n), varint(serial)])), false],
      ['a byte after the serial', qrTokenRaw(Buffer.concat([kid, varint(b6), varint(serial), Buffer.from([0])])), false],
      ['no serial', qrTokenRaw(Buffer.concat([kid, varint(b6)])), false],
      ['the MAC cut to 7 bytes', Buffer.concat([kid, varint(b6), varint(serial), qrMac(k.keys[k.current], Buffer.concat([kid, varint(b6), varint(serial)])).subarray(0, 7)]).toString('base64url'), false],
      ['an older serial', qrToken(b6, serial - 1), true],
      ['serial 0', qrToken(b6, 0), true],
      ['a future serial', qrToken(b6, serial + 1), true],
    ];
    const staffer = await staff('admin');
    for (const [what, tok, gone] of cases) {
      assert.notEqual(tok, good, what);
      await t.test(what, async () => {
        expectQrRefused(await scan(tok), gone);
        expectQrRefused(await api('POST', CHECKINS, staffer, { json: { token: tok } }), gone);
        expectTokenRefusedByRegistration(await register(r, regBody(tok)), gone);
      });
    }
    assert.deepEqual(tenancyRows(r.user.id), []);
  });
});
