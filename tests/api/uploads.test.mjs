// Photos: POST /api/v1/uploads (the body is the image) and GET
// /api/v1/uploads/{id} (X-Accel-Redirect to nginx's internal location).
// Fixtures are made here with the vips CLI and exiftool: a real JPEG with
// EXIF GPS and an orientation, PNG, WebP, HEIC, a pixel bomb.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';

import {
  api, request, expectError, expectInvalid, expectSecurityHeaders, expectStatus, describeRes,
  residentLogin, staff, testDir, masterPid, execdWorkers, fcgiRequest, cgiParams, expectCgiError,
  randomRequestId, waitFor,
} from './lib.mjs';
import { sql, sqlStr } from './identity-lib.mjs';

const UPLOADS = '/api/v1/uploads';
const MiB = 1024 * 1024;
const FIX = path.join(testDir, 'upload-fixtures');
const STORE = path.join(testDir, 'uploads');

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const fix = (name) => path.join(FIX, name);
const read = (name) => fs.readFileSync(fix(name));
// exiftool's view of a file: {tag: value}, with group names (-G1).
function exif(file) {
  return JSON.parse(run('exiftool', ['-j', '-G1', '-a', file]))[0];
}
const hasGps = (tags) => Object.keys(tags).some((k) => /GPS/i.test(k));

// The segments of a JPEG up to its scan: markers and the frame size.
function jpegInfo(buf) {
  assert.ok(buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8, 'starts with SOI');
  const markers = [];
  let width;
  let height;
  let i = 2;
  while (i + 4 <= buf.length) {
    assert.equal(buf[i], 0xff, `a marker at ${i}`);
    const m = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    const seg = buf.subarray(i + 4, i + 2 + len);
    markers.push({ m, id: seg.subarray(0, 6).toString('latin1') });
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      height = seg.readUInt16BE(1);
      width = seg.readUInt16BE(3);
    }
    if (m === 0xda) break;
    i += 2 + len;
  }
  return { markers, width, height };
}

async function upload(who, body, type = 'image/jpeg') {
  const headers = type === null ? {} : { 'content-type': type };
  return api('POST', UPLOADS, who, { body, headers, timeout: 60_000 });
}

async function uploadOk(who, body, type) {
  const res = await upload(who, body, type);
  return expectStatus(res, 201, 'upload');
}

const fetchPhoto = (who, id, q = '') => api('GET', `${UPLOADS}/${id}${q}`, who);

function expectJpeg(res, what) {
  assert.equal(res.status, 200, `${what}: ${describeRes(res)}`);
  assert.equal(res.headers.get('content-type'), 'image/jpeg', what);
  assert.equal(res.headers.get('cache-control'), 'private, max-age=86400', `${what}: one private Cache-Control`);
  assert.equal(res.headers.get('x-accel-redirect'), null, 'the internal path never reaches the client');
  expectSecurityHeaders(res, what);
  return jpegInfo(res.buf);
}

// A complaint in unit `code` (a building) carrying upload `id`, as the
// complaints module would store it.
function complaintWith(userId, code, id) {
  sql(`INSERT INTO complaints (user_id, category_id, text, building_id, unit_id, unit_path,
      handler_unit_id, created_at, respond_due, resolve_due, updated_at)
    SELECT ${Number(userId)}, (SELECT id FROM complaint_categories WHERE code = 'repair'),
      '门口灯坏了', u.id, u.id, u.path, u.id, NOW(3), NOW(3), NOW(3), NOW(3)
    FROM units u WHERE u.code = ${sqlStr(code)};
    INSERT INTO complaint_photos (complaint_id, upload_id, position)
    VALUES (LAST_INSERT_ID(), ${Number(id)}, 0)`);
}

const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

let alice;
let bob;

before(async () => {
  fs.rmSync(FIX, { recursive: true, force: true });
  fs.mkdirSync(FIX, { recursive: true });
  // 400×200 noise, then the phone's EXIF: GPS and "rotate 90 CW".
  run('vips', ['gaussnoise', fix('noise.v'), '400', '200']);
  run('vips', ['cast', fix('noise.v'), fix('gps.jpg'), 'uchar']);
  run('exiftool', ['-q', '-overwrite_original', '-n', '-GPSLatitude=23.1291', '-GPSLatitudeRef=N',
    '-GPSLongitude=113.2644', '-GPSLongitudeRef=E', '-Orientation=6', '-Make=HuzuPhone',
    '-Artist=张三', fix('gps.jpg')]);
  run('vips', ['cast', fix('noise.v'), fix('plain.png'), 'uchar']);
  run('vips', ['bandjoin_const', fix('plain.png'), fix('alpha.png'), '128']);
  run('vips', ['copy', fix('plain.png'), fix('plain.webp')]);
  // A big one (display and thumbnail both shrink), about 4 MB of noise.
  run('vips', ['gaussnoise', fix('big.v'), '2600', '1950', '--sigma', '60']);
  run('vips', ['cast', fix('big.v'), fix('big.jpg[Q=95]'), 'uchar']);
  // 60 Mpx of black: a few hundred KiB of PNG, 60 MB decoded.
  run('vips', ['black', fix('bomb.png'), '10000', '6000']);
  fs.writeFileSync(fix('notes.jpg'), '这不是照片，只是一段文字。\n'.repeat(20));
  fs.writeFileSync(fix('vector.jpg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  alice = await residentLogin();
  bob = await residentLogin();
});

after(() => fs.rmSync(FIX, { recursive: true, force: true }));

describe('POST /api/v1/uploads', () => {
  test('a phone JPEG: 201, upright, every metadata block gone, stored by content hash', async () => {
    const src = exif(fix('gps.jpg'));
    assert.ok(hasGps(src) && src['IFD0:Orientation'], 'the fixture carries GPS and an orientation');
    const body = read('gps.jpg');
    const u = await uploadOk(alice, body);
    assert.deepEqual(Object.keys(u).sort(), ['bytes', 'height', 'id', 'kind', 'thumb_url', 'url', 'width']);
    assert.equal(u.url, `${UPLOADS}/${u.id}`);
    assert.equal(u.kind, 'photo');
    assert.equal(u.thumb_url, `${UPLOADS}/${u.id}?size=thumb`);
    // 400×200 turned 90°: 200×400.
    assert.equal(u.width, 200);
    assert.equal(u.height, 400);

    const res = await fetchPhoto(alice, u.id);
    const info = expectJpeg(res, 'display');
    assert.equal(info.width, 200);
    assert.equal(info.height, 400);
    assert.equal(res.buf.length, u.bytes);
    // No APP1 (EXIF, XMP), APP13 (IPTC) or APP2 (ICC) segment at all.
    const apps = info.markers.filter((s) => s.m >= 0xe1 && s.m <= 0xef);
    assert.deepEqual(apps, [], 'no metadata segments');
    assert.equal(res.buf.indexOf('Exif'), -1);
    assert.equal(res.buf.indexOf('HuzuPhone'), -1);

    // On disk: <uploads>/ab/<sha>.jpg, sha = SHA-256 of the display file.
    const [[sha, owner]] = sql(`SELECT sha256, user_id FROM uploads WHERE id = ${u.id}`);
    assert.equal(Number(owner), alice.user.id);
    const crypto = await import('node:crypto');
    assert.equal(crypto.createHash('sha256').update(res.buf).digest('hex'), sha);
    const file = path.join(STORE, sha.slice(0, 2), `${sha}.jpg`);
    assert.ok(fs.existsSync(file) && fs.existsSync(path.join(STORE, sha.slice(0, 2), `${sha}_t.jpg`)));
    const stored = exif(file);
    assert.ok(!hasGps(stored), 'no GPS in the stored file');
    assert.equal(stored['IFD0:Orientation'], undefined, 'no orientation tag left');
    assert.equal(stored['IFD0:Make'], undefined);
    assert.deepEqual(Object.keys(stored).filter((k) => /^(IFD|ExifIFD|XMP|IPTC|ICC)/.test(k)), []);

    const th = expectJpeg(await fetchPhoto(alice, u.id, '?size=thumb'), 'thumb');
    assert.ok(th.width <= 320 && th.height <= 320, `thumb ${th.width}x${th.height}`);
    assert.equal(th.height, 320);
    expectJpeg(await fetchPhoto(alice, u.id, '?size=display'), 'size=display');
  });

  test('an upload is audited under its request id', async () => {
    const res = await upload(alice, read('plain.png'), 'image/png');
    expectStatus(res, 201);
    const rows = sql(`SELECT actor_id, action, target_type, target_id FROM audit_log
      WHERE request_id = ${sqlStr(res.headers.get('x-request-id'))}`);
    assert.deepEqual(rows, [[String(alice.user.id), 'upload.create', 'upload', String(res.json.id)]]);
  });

  test('PNG (with alpha), WebP and HEIC are taken; the content decides, not the declared type', async () => {
    for (const [name, type] of [['plain.png', 'image/png'], ['alpha.png', 'image/png'],
      ['plain.webp', 'image/webp'], ['plain.png', 'image/jpeg'], ['plain.webp', 'application/octet-stream'],
      ['plain.png', null]]) {
      const u = await uploadOk(alice, read(name), type);
      assert.deepEqual([u.width, u.height], [400, 200], name);
      expectJpeg(await fetchPhoto(alice, u.id), name);
    }
    let heic = true;
    try {
      run('vips', ['copy', fix('plain.png'), fix('plain.heic[compression=hevc]')]);
    } catch {
      heic = false; // no HEVC encoder on this machine: nothing to send
    }
    if (heic) {
      const u = await uploadOk(alice, read('plain.heic'), 'image/heic');
      assert.deepEqual([u.width, u.height], [400, 200], 'heic');
    }
  });

  test('a big photo is kept at 1280 px and a 320 px thumbnail', async () => {
    const body = read('big.jpg');
    assert.ok(body.length > 2 * MiB, `fixture is ${body.length} bytes`);
    const u = await uploadOk(alice, body);
    assert.deepEqual([u.width, u.height], [1280, 960]);
    assert.ok(u.bytes < body.length);
    const th = expectJpeg(await fetchPhoto(alice, u.id, '?size=thumb'), 'thumb');
    assert.deepEqual([th.width, th.height], [320, 240]);
  });

  test('text named .jpg, SVG, or a type that is no image: 415 unsupported_media_type', async () => {
    for (const [name, type] of [['notes.jpg', 'image/jpeg'], ['vector.jpg', 'image/jpeg'],
      ['notes.jpg', 'application/octet-stream'], ['gps.jpg', 'text/plain'], ['gps.jpg', 'multipart/form-data; boundary=x'],
      ['gps.jpg', 'application/json']]) {
      const e = expectError(await upload(alice, read(name), type), 415, 'unsupported_media_type');
      assert.match(e.message, /照片/, `${name} as ${type}: tells the user to choose a photo`);
    }
    let avif = true;
    try {
      run('vips', ['copy', fix('plain.png'), fix('plain.avif')]);
    } catch {
      avif = false;
    }
    if (avif) expectError(await upload(alice, read('plain.avif'), 'image/heif'), 415, 'unsupported_media_type');
    // Nothing stored, nothing left in the folder of bodies being received.
    assert.deepEqual(fs.readdirSync(path.join(STORE, 'tmp')), []);
  });

  test('over 50 Mpx (a decompression bomb) is 422 on photo', async () => {
    const body = read('bomb.png');
    assert.ok(body.length < MiB, 'small on the wire');
    const e = expectInvalid(await upload(alice, body, 'image/png'), ['photo']);
    assert.match(e.fields.photo, /像素/);
  });

  test('when every decode slot is taken (workers - 1), an upload is 429 to retry in seconds; then it passes', async () => {
    // The test stack runs 3 workers: 2 slots. Hold both as a decoding
    // worker would (flock on uploads_dir/locks/decode-N).
    const holders = [0, 1].map((i) => spawn('flock', ['-x', path.join(STORE, 'locks', `decode-${i}`), 'sleep', '30'],
      { stdio: 'ignore', detached: true }));
    try {
      await waitFor('both slots held', 5000, () => {
        try {
          execFileSync('flock', ['-n', path.join(STORE, 'locks', 'decode-1'), 'true']);
          return false;
        } catch {
          return true;
        }
      });
      const res = await upload(alice, read('plain.png'), 'image/png');
      expectError(res, 429, 'uploads_busy');
      assert.equal(res.headers.get('retry-after'), '2');
    } finally {
      // flock and its sleep both hold the lock: end the whole group.
      for (const h of holders) process.kill(-h.pid, 'SIGKILL');
    }
    await waitFor('a slot free', 5000, () => {
      try {
        execFileSync('flock', ['-n', path.join(STORE, 'locks', 'decode-0'), 'true']);
        return true;
      } catch {
        return false;
      }
    });
    await uploadOk(alice, read('plain.png'), 'image/png');
  });

  test('an empty body is 422 on photo', async () => {
    expectInvalid(await upload(alice, Buffer.alloc(0)), ['photo']);
  });

  test('20 MiB is 413 from nginx, in the envelope', async () => {
    const res = await upload(alice, Buffer.alloc(20 * MiB, 0xff));
    expectError(res, 413, 'body_too_large');
  });

  test('just over 10 MiB is 413 from nginx; the worker refuses a longer CONTENT_LENGTH itself', async () => {
    expectError(await upload(alice, Buffer.alloc(10 * MiB + 1, 0xff)), 413, 'body_too_large');
    const rid = randomRequestId();
    const res = await fcgiRequest(cgiParams('POST', UPLOADS, {
      CONTENT_LENGTH: String(10 * MiB + 1), CONTENT_TYPE: 'image/jpeg', REQUEST_ID: rid,
    }));
    expectCgiError(res, 413, 'body_too_large', rid);
  });

  test('a body shorter than its CONTENT_LENGTH is 400 and its file is removed', async () => {
    const rid = randomRequestId();
    const res = await fcgiRequest(cgiParams('POST', UPLOADS, {
      CONTENT_LENGTH: '200000', CONTENT_TYPE: 'image/jpeg', REQUEST_ID: rid,
    }), Buffer.alloc(100000, 0xff));
    expectCgiError(res, 400, 'incomplete_body', rid);
    assert.deepEqual(fs.readdirSync(path.join(STORE, 'tmp')), []);
  });

  test('no token is 401; staff may upload too', async () => {
    expectError(await request('POST', UPLOADS, { body: read('gps.jpg'), headers: { 'content-type': 'image/jpeg' } }),
      401, 'unauthorized');
    await uploadOk(await staff('head1'), read('gps.jpg'));
  });
});

describe('GET /api/v1/uploads/{id}', () => {
  let photo;
  let outside;
  before(async () => {
    photo = await uploadOk(alice, read('gps.jpg'));
    outside = await uploadOk(bob, read('plain.png'), 'image/png');
  });

  test("another resident's photo is 404, as is one that does not exist", async () => {
    expectError(await fetchPhoto(bob, photo.id), 404, 'not_found');
    expectError(await fetchPhoto(bob, photo.id, '?size=thumb'), 404, 'not_found');
    expectError(await fetchPhoto(alice, outside.id), 404, 'not_found');
    const [[max]] = sql('SELECT COALESCE(MAX(id), 0) FROM uploads');
    expectError(await fetchPhoto(alice, Number(max) + 1000), 404, 'not_found');
    expectError(await fetchPhoto(null, photo.id), 401, 'unauthorized');
  });

  test('staff see it only when a complaint in their scope carries it', async () => {
    // Not on any complaint: nobody but its owner.
    for (const who of ['admin', 'cadre1', 'leader1', 'head1']) {
      expectError(await fetchPhoto(await staff(who), photo.id), 404, 'not_found');
    }
    complaintWith(alice.user.id, 'B001', photo.id);
    for (const who of ['admin', 'cadre1', 'leader1', 'head1']) {
      expectJpeg(await fetchPhoto(await staff(who), photo.id), who);
      expectJpeg(await fetchPhoto(await staff(who), photo.id, '?size=thumb'), `${who} thumb`);
    }
    // A station manager reads no units; another resident is still nobody.
    expectError(await fetchPhoto(await staff('station1'), photo.id), 404, 'not_found');
    expectError(await fetchPhoto(bob, photo.id), 404, 'not_found');

    // A complaint in the second cooperative: its staff only.
    const [[code]] = sql(`SELECT b.code FROM units b JOIN units g ON g.id = b.parent_id
      WHERE g.code = 'SMQ-2-A' AND b.kind = 'building' ORDER BY b.id LIMIT 1`);
    complaintWith(bob.user.id, code, outside.id);
    expectJpeg(await fetchPhoto(await staff('admin'), outside.id), 'admin, village-wide');
    for (const who of ['cadre1', 'leader1', 'head1', 'station1']) {
      expectError(await fetchPhoto(await staff(who), outside.id), 404, 'not_found');
    }
  });

  test('ids that are not ids, and path tricks, are 404', async () => {
    for (const p of [
      'abc', `${photo.id}abc`, `0${photo.id}x`, '-1', '0', '1.0', '1e3', '0x10',
      '99999999999999999999999', '18446744073709551616', '%2e%2e', '..%2f..%2fsecrets', '%2e%2e%2f1',
      `${photo.id}/x`, `${photo.id}%00`, `..;/${photo.id}`,
    ]) {
      const res = await fetchPhoto(alice, p);
      assert.ok([400, 404].includes(res.status), `${p}: ${describeRes(res)}`);
      expectError(res, res.status, res.status === 404 ? 'not_found' : 'bad_request');
      assert.notEqual(res.headers.get('content-type'), 'image/jpeg', p);
    }
    // /../ is resolved by nginx before any location: still no photo.
    const up = await request('GET', `${UPLOADS}/${photo.id}/../../uploads/${photo.id}`);
    assert.notEqual(up.headers.get('content-type'), 'image/jpeg');
  });

  test('the internal location cannot be reached from outside', async () => {
    const [[sha]] = sql(`SELECT sha256 FROM uploads WHERE id = ${photo.id}`);
    for (const p of [`/api/_uploads/${sha.slice(0, 2)}/${sha}.jpg`, `/api/_uploads/${sha.slice(0, 2)}/`,
      `/api/v1/../_uploads/${sha.slice(0, 2)}/${sha}.jpg`]) {
      const res = await api('GET', p, alice);
      expectError(res, 404, 'not_found');
    }
  });

  test('size is display or thumb, nothing else', async () => {
    for (const q of ['?size=big', '?size=../../x', '?size=thumb&size=thumb', '?width=10']) {
      expectInvalid(await fetchPhoto(alice, photo.id, q), [q.includes('width') ? 'width' : 'size']);
    }
  });
});

describe('worker memory', () => {
  test('20 photo uploads leave every worker within a few MiB (libvips runs in huzu-image)', async () => {
    const master = masterPid();
    const workers = execdWorkers(master);
    assert.ok(workers.length > 0);
    const body = read('big.jpg');
    // Warm-up: every worker serves an upload before the first reading.
    for (let i = 0; i < workers.length * 2; i++) await uploadOk(alice, body);
    const before = new Map(workers.map((p) => [p, rssKiB(p)]));
    for (let i = 0; i < 20; i++) await uploadOk(alice, body);
    const now = execdWorkers(master);
    assert.deepEqual(now, workers, 'no worker died or was replaced');
    const lines = [];
    for (const p of workers) {
      const a = before.get(p);
      const b = rssKiB(p);
      lines.push(`worker ${p}: RSS ${a} KiB before, ${b} KiB after (${b - a >= 0 ? '+' : ''}${b - a} KiB)`);
      assert.ok(b - a < 4 * 1024, `worker ${p} grew by ${b - a} KiB over 20 uploads of ${body.length} bytes`);
    }
    console.log(`# ${body.length}-byte JPEG x20\n# ${lines.join('\n# ')}`);
    // Nothing left behind in the folder of bodies being received.
    await waitFor('tmp/ to be empty', 2000, () => fs.readdirSync(path.join(STORE, 'tmp')).length === 0);
  });
});
