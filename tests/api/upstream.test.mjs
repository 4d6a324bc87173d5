// The nginx upstream over several pools (scripts/cluster, README "Scaling
// out"), against two fake FastCGI pools whose behaviour each test sets: a
// pool that takes a request and dies before answering makes nginx pass a
// GET on to the other pool, but never a POST (it may have been processed);
// a pool's 503 is passed on for a GET, not for a POST; a pool that is down
// costs no request at all. Deterministic: the fakes count what reached
// them. (The real cluster: tests/cluster/cluster.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { FCGI, fcgiRecord, fcgiStream } from './lib.mjs';
import { nginx } from './ops-lib.mjs';

// A fake pool on a unix socket. `mode`: 'ok' answers 200 with its name,
// '503' answers the app's 503 db_unavailable, 'die' reads the whole
// request and closes the connection without a word (a pool killed while
// the request was in its hands). `seen` lists the "METHOD uri" it read.
function fakePool(sock, name) {
  const p = { name, mode: 'ok', seen: [] };
  p.server = net.createServer((conn) => {
    let buf = Buffer.alloc(0);
    let method = '';
    let uri = '';
    conn.on('error', () => {});
    conn.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const type = buf[1];
        const id = buf.readUInt16BE(2);
        const len = buf.readUInt16BE(4);
        const pad = buf[6];
        if (buf.length < 8 + len + pad) return;
        const body = buf.subarray(8, 8 + len);
        buf = buf.subarray(8 + len + pad);
        if (type === FCGI.PARAMS && len > 0) {
          // Name-value pairs: 1- or 4-byte lengths.
          for (let i = 0; i < body.length;) {
            const ln = (o) => (body[o] < 128 ? [body[o], 1] : [body.readUInt32BE(o) & 0x7fffffff, 4]);
            const [kl, ks] = ln(i); i += ks;
            const [vl, vs] = ln(i); i += vs;
            const k = body.subarray(i, i + kl).toString(); i += kl;
            const v = body.subarray(i, i + vl).toString(); i += vl;
            if (k === 'REQUEST_METHOD') method = v;
            if (k === 'REQUEST_URI') uri = v;
          }
        }
        if (type === FCGI.STDIN && len === 0) {
          p.seen.push(`${method} ${uri}`);
          if (p.mode === 'die') {
            conn.destroy();
            return;
          }
          const [status, json] = p.mode === '503'
            ? ['503 Service Unavailable', { error: { code: 'db_unavailable', message: '服务暂时不可用，请稍后重试', request_id: '' } }]
            : ['200 OK', { pool: name }];
          const head = `Status: ${status}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n`;
          const end = Buffer.alloc(8);
          conn.end(Buffer.concat([
            fcgiStream(FCGI.STDOUT, Buffer.from(head + JSON.stringify(json)), id),
            fcgiRecord(FCGI.STDOUT, undefined, id),
            fcgiRecord(FCGI.END_REQUEST, end, id),
          ]));
        }
      }
    });
  });
  return new Promise((resolve) => p.server.listen(sock, () => { fs.chmodSync(sock, 0o777); resolve(p); }));
}

let dir, a, b, web;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-upstream-'));
  fs.chmodSync(dir, 0o755);
  a = await fakePool(path.join(dir, 'a.sock'), 'a');
  b = await fakePool(path.join(dir, 'b.sock'), 'b');
  web = await nginx(path.join(dir, 'nginx'), [path.join(dir, 'a.sock'), path.join(dir, 'b.sock')], path.join(dir, 'uploads'));
});

after(async () => {
  if (web) await web.stop();
  for (const p of [a, b]) if (p) await new Promise((r) => p.server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

const call = async (method, uri) => {
  const res = await fetch(web.base + uri, {
    method, headers: { 'content-type': 'application/json' },
    body: method === 'POST' ? '{"text":"x"}' : undefined, signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) };
};

// Each test starts from a clean slate: both pools answer, nothing counted
// against either (a pool left out for fail_timeout would skew the next).
async function reset() {
  a.mode = b.mode = 'ok';
  // A fresh nginx forgets its failure counts.
  await web.stop();
  web = await nginx(path.join(dir, 'nginx'), [path.join(dir, 'a.sock'), path.join(dir, 'b.sock')], path.join(dir, 'uploads'));
  a.seen.length = b.seen.length = 0;
}

test('both pools take turns', async () => {
  const got = [];
  for (let i = 0; i < 6; i++) got.push((await call('GET', `/api/v1/me?i=${i}`)).json.pool);
  assert.deepEqual([...new Set(got)].sort(), ['a', 'b']);
});

test('a pool that dies with the request in hand: the GET goes to the other, the POST is never sent twice', async () => {
  await reset();
  a.mode = 'die';
  for (let i = 0; i < 6; i++) {
    const res = await call('GET', `/api/v1/me?get=${i}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.pool, 'b');
  }
  await reset();
  a.mode = b.mode = 'die';
  const posts = [];
  for (let i = 0; i < 6; i++) posts.push(await call('POST', `/api/v1/complaints?post=${i}`));
  // Each POST reached exactly one pool, once, and its client was told it
  // failed (nginx's 502 as the 503 envelope) to retry with its key.
  const seen = [...a.seen, ...b.seen].sort();
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5].map((i) => `POST /api/v1/complaints?post=${i}`).sort());
  for (const r of posts) {
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'unavailable');
  }
});

test("a pool's 503: a GET is passed on, a POST is answered with it", async () => {
  await reset();
  a.mode = '503';
  for (let i = 0; i < 4; i++) {
    const res = await call('GET', `/api/v1/me?g=${i}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.pool, 'b');
  }
  await reset();
  a.mode = '503';
  const codes = [];
  for (let i = 0; i < 6; i++) {
    const r = await call('POST', `/api/v1/complaints?p=${i}`);
    codes.push(r.status);
    if (r.status === 503) assert.equal(r.json.error.code, 'db_unavailable', 'the pool\'s own answer');
  }
  // Round-robin: some went to a (503, not passed on), the others to b.
  assert.ok(codes.includes(503) && codes.includes(200), codes.join(' '));
  assert.equal(a.seen.length + b.seen.length, 6, 'every POST reached one pool once');
});

test('a pool that is down costs no request, whatever the method', async () => {
  await reset();
  await new Promise((r) => a.server.close(r));
  try {
    for (let i = 0; i < 6; i++) {
      const m = i % 2 ? 'POST' : 'GET';
      const res = await call(m, `/api/v1/x?d=${i}`);
      assert.equal(res.status, 200, `${m} ${i}`);
      assert.equal(res.json.pool, 'b');
    }
    assert.equal(b.seen.length, 6);
  } finally {
    await new Promise((r) => a.server.listen(path.join(dir, 'a.sock'), r));
  }
});
