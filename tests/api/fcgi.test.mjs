// Straight to the FastCGI socket: what nginx never sends, and the drain on
// SIGTERM.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

import {
  bin, configPath, testDir, socketPath, FCGI, FcgiConn, fcgiBegin, fcgiRecord, fcgiStream,
  fcgiParams, fcgiRequest, cgiParams, expectCgiError, randomRequestId, masterPid, workerPids,
  execdWorkers, isAlive, logLines, onEveryWorker, waitFor, withTimeout,
} from './lib.mjs';

const CE = '/api/v1/client-errors';

function post(cl, stdin, extra = {}) {
  const rid = randomRequestId();
  const params = cgiParams('POST', CE, {
    CONTENT_TYPE: 'application/json', CONTENT_LENGTH: cl, REQUEST_ID: rid, ...extra,
  });
  return fcgiRequest(params, stdin).then((res) => ({ res, rid }));
}

describe('FastCGI requests nginx would never send', () => {
  test('a well-formed request works (the client is right)', async () => {
    const rid = randomRequestId();
    const res = await fcgiRequest(cgiParams('GET', '/api/v1/version', { REQUEST_ID: rid }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.protocolStatus, 0);
    assert.equal(res.appStatus, 0);
    assert.equal(res.json.name, 'huzu');
    assert.equal(res.json.api, 'v1');
    assert.match(res.headers['content-type'], /^application\/json; charset=utf-8$/);
    assert.equal(res.headers['cache-control'], 'no-store');

    const body = Buffer.from('{"message":"über FastCGI 直连"}');
    const r2 = await post(String(body.length), body);
    assert.equal(r2.res.status, 204, r2.res.text);
    assert.equal(r2.res.body.length, 0);
  });

  test('a non-numeric or out-of-range CONTENT_LENGTH is 400 bad_content_length', async () => {
    for (const cl of [
      '-1', '12abc', ' 5', '+5', '0x10', '99999999999999999999', '5 ', '1e3', '5.0', '-0',
      '18446744073709551616', '١٢', '5\t',
    ]) {
      const { res, rid } = await post(cl, Buffer.from('{"message":"x"}'));
      expectCgiError(res, 400, 'bad_content_length', rid);
    }
    // Checked before routing: a GET says the same.
    const rid = randomRequestId();
    const res = await fcgiRequest(cgiParams('GET', '/api/v1/health', { CONTENT_LENGTH: '-1', REQUEST_ID: rid }));
    expectCgiError(res, 400, 'bad_content_length', rid);
  });

  test('a huge but well-formed CONTENT_LENGTH is 413, not an overflow', async () => {
    const { res, rid } = await post('9999999999999999999', Buffer.alloc(0));
    expectCgiError(res, 413, 'body_too_large', rid);
  });

  test('fewer stdin bytes than CONTENT_LENGTH is 400 incomplete_body', async () => {
    let { res, rid } = await post('10', Buffer.from('{"mes'));
    expectCgiError(res, 400, 'incomplete_body', rid);
    ({ res, rid } = await post('16', Buffer.from('{"message":"x"}'))); // 15 bytes
    expectCgiError(res, 400, 'incomplete_body', rid);
  });

  test('CONTENT_LENGTH 70000 with a real 70000-byte body is 413', async () => {
    const body = Buffer.alloc(70000, 0x20);
    body.write('{"message":"x"', 0);
    body.write('}', 69999);
    const { res, rid } = await post('70000', body);
    expectCgiError(res, 413, 'body_too_large', rid);
  });

  test('exactly max_body (65536) bytes are read and parsed', async () => {
    const body = Buffer.alloc(65536, 0x20);
    body.write('{"message":"x"', 0);
    body.write('}', 65535);
    const { res } = await post('65536', body);
    assert.equal(res.status, 204, res.text);
  });

  test('without REQUEST_ID the envelope has request_id ""', async () => {
    const params = cgiParams('GET', '/api/v1/nope').filter(([k]) => k !== 'REQUEST_ID');
    const res = await fcgiRequest(params);
    expectCgiError(res, 404, 'not_found', '');
    const p2 = cgiParams('POST', CE, { CONTENT_TYPE: 'application/json', CONTENT_LENGTH: '2' })
      .filter(([k]) => k !== 'REQUEST_ID');
    const e = expectCgiError(await fcgiRequest(p2, Buffer.from('{}')), 422, 'validation_failed', '');
    assert.ok(e.fields.message);
  });

  test('a REQUEST_ID with junk characters is not echoed, nor logged', async () => {
    const marker = `forged${process.pid}${Date.now()}`;
    const before = logLines(/msg="request"/).length;
    for (const junk of [
      `x" level=error msg="${marker}`, `abc def${marker}`, `<script>${marker}`, `${marker}\nlevel=error`,
      `${marker}é`, `${marker};rm`, '0'.repeat(65), '',
    ]) {
      const res = await fcgiRequest(cgiParams('GET', '/api/v1/nope', { REQUEST_ID: junk }));
      expectCgiError(res, 404, 'not_found', '');
    }
    // A worker logs a request once it has answered it: wait for all
    // eight lines (rid=-) before looking for the marker.
    await waitFor('the log lines of the eight requests', 5000,
      () => logLines(/msg="request"/).length >= before + 8);
    assert.deepEqual(logLines(new RegExp(marker)), [], 'junk request ids must not reach the log');
  });

  test('missing method or path is a 4xx, not a crash', async () => {
    let rid = randomRequestId();
    let res = await fcgiRequest(cgiParams('GET', undefined, { REQUEST_ID: rid, DOCUMENT_URI: undefined }));
    expectCgiError(res, 404, 'not_found', rid);
    rid = randomRequestId();
    res = await fcgiRequest(cgiParams('GET', 'api/v1/health', { REQUEST_ID: rid }));
    expectCgiError(res, 404, 'not_found', rid);
    rid = randomRequestId();
    res = await fcgiRequest(cgiParams(undefined, '/api/v1/health', { REQUEST_ID: rid }));
    expectCgiError(res, 405, 'method_not_allowed', rid);
    assert.equal(res.headers.allow, 'GET');
    rid = randomRequestId();
    res = await fcgiRequest(cgiParams('get', '/api/v1/health', { REQUEST_ID: rid }));
    expectCgiError(res, 405, 'method_not_allowed', rid);
  });

  test('long params (4-byte lengths) are fine', async () => {
    const rid = randomRequestId();
    const res = await fcgiRequest(cgiParams('GET', '/api/v1/version', {
      REQUEST_ID: rid, HTTP_X_LONG: 'x'.repeat(100_000), HTTP_AUTHORIZATION: 'Bearer ' + 'y'.repeat(300),
    }));
    assert.equal(res.status, 200, res.text);
  });

  test('garbage on the socket does not kill a worker', async () => {
    const master = masterPid();
    const before = workerPids(master);
    const diedBefore = logLines(/msg="worker (died|exited)"/).length;
    const garbage = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      fcgiBegin().subarray(0, 5), // truncated header
      Buffer.concat([fcgiBegin(), Buffer.from([1, FCGI.PARAMS, 0, 1, 0xff, 0xff, 0, 0])]), // PARAMS cut short
      Buffer.concat([fcgiBegin(), fcgiRecord(FCGI.PARAMS, Buffer.from([0x85, 0xff, 0xff, 0xff, 1, 0x41]))]),
      Buffer.concat([fcgiBegin(), fcgiRecord(FCGI.PARAMS, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), fcgiRecord(FCGI.PARAMS)]),
      Buffer.from([2, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), // version 2
      Buffer.alloc(4096, 0xff),
    ];
    for (const g of garbage) {
      await new Promise((resolve) => {
        const s = net.createConnection(socketPath, () => {
          s.end(g);
        });
        s.resume(); // read (and drop) any answer, so that the end is seen
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        s.setTimeout(3000, () => s.destroy());
      });
    }
    // Every worker still answers (by pid in the log).
    await onEveryWorker('after the garbage', async () => {
      const rid = randomRequestId();
      const res = await fcgiRequest(cgiParams('GET', '/api/v1/version', { REQUEST_ID: rid }));
      assert.equal(res.status, 200, res.text);
      return rid;
    });
    assert.deepEqual(workerPids(master), before, 'same workers');
    assert.equal(logLines(/msg="worker (died|exited)"/).length, diedBefore, 'no worker died');
  });
});

// --- drain on SIGTERM --------------------------------------------------------

// Whether SIGTERM (15: bit 14) is pending for `pid` (/proc/<pid>/status,
// ShdPnd for a signal sent to the process, SigPnd for one to the thread).
function sigtermPending(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return ['ShdPnd', 'SigPnd'].some((k) => {
    const m = new RegExp(`^${k}:\\s*([0-9a-f]+)$`, 'm').exec(status);
    return m && (BigInt(`0x${m[1]}`) & (1n << 14n)) !== 0n;
  });
}

test('SIGTERM drains: a request already accepted is answered in full, then the master exits 0',
  { timeout: 60_000 }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'huzu-drain-'));
    const sock = path.join(testDir, 'run', 'drain.sock');
    const conf = path.join(tmp, 'drain.conf');
    const out = path.join(tmp, 'serve.log');
    let text = fs.readFileSync(configPath, 'utf8');
    assert.match(text, /^socket = /m);
    assert.match(text, /^workers = /m);
    text = text.replace(/^socket = .*$/m, `socket = ${sock}`).replace(/^workers = .*$/m, 'workers = 1');
    fs.writeFileSync(conf, text);

    const fd = fs.openSync(out, 'a');
    const child = spawn(bin, ['serve', '-c', conf], { detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const master = child.pid;
    let conn;
    try {
      await waitFor('the drain socket', 20_000, () => fs.existsSync(sock));
      const [worker] = await waitFor('one exec\'d worker', 20_000, () => {
        const w = execdWorkers(master);
        return w.length === 1 && w;
      });
      // The pool answers (the worker is in its accept loop).
      const warm = await fcgiRequest(cgiParams('GET', '/api/v1/version'), undefined, { sock });
      assert.equal(warm.status, 200, warm.text);

      // Sockets the worker holds now (maybe still the warm-up connection,
      // closed just after its END_REQUEST).
      const sockets = () => new Set(fs.readdirSync(`/proc/${worker}/fd`).map((f) => {
        try { return fs.readlinkSync(`/proc/${worker}/fd/${f}`); } catch { return ''; }
      }).filter((l) => l.startsWith('socket:')));
      const before = sockets();
      const rid = randomRequestId();
      const params = fcgiParams(cgiParams('GET', '/api/v1/version', { REQUEST_ID: rid }));
      const all = fcgiStream(FCGI.PARAMS, params);
      const cut = Math.floor(all.length / 2);
      conn = new FcgiConn(sock);
      await conn.write(Buffer.concat([fcgiBegin(), all.subarray(0, cut)]));
      // The worker has accepted: it holds a socket it did not hold before.
      await waitFor('the worker to accept the connection', 5000,
        () => [...sockets()].some((x) => !before.has(x)));

      process.kill(master, 'SIGTERM');
      // The master has passed SIGTERM on: the worker holds it pending
      // (blocked while it serves a request) instead of dying of it.
      await waitFor('the master to start draining', 10_000, () => /msg="draining"/.test(fs.readFileSync(out, 'utf8')));
      await waitFor('SIGTERM pending in the worker', 10_000, () => sigtermPending(worker));
      assert.ok(isAlive(worker), 'the worker is still finishing its request');
      assert.ok(isAlive(master), 'the master waits for it');
      assert.equal(conn.ended, null, 'nothing answered yet');

      await conn.write(Buffer.concat([all.subarray(cut), fcgiRecord(FCGI.PARAMS), fcgiRecord(FCGI.STDIN)]));
      const res = await withTimeout(conn.done, 10_000, 'the draining worker\'s answer');
      assert.equal(res.protocolStatus, 0, 'FCGI_REQUEST_COMPLETE');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.name, 'huzu');
      assert.equal(res.json.api, 'v1');
      assert.equal(typeof res.json.version, 'string');

      const t0 = Date.now();
      const how = await withTimeout(exited, 10_000, 'the master to exit after SIGTERM');
      assert.deepEqual(how, { code: 0, signal: null }, `master exit (${Date.now() - t0} ms)`);
      assert.ok(!fs.existsSync(sock), 'the socket file is removed');
      assert.ok(!isAlive(worker), 'the worker is gone');
      const log = fs.readFileSync(out, 'utf8');
      assert.match(log, /msg="draining"/);
      assert.match(log, /msg="stopped"/);
      assert.doesNotMatch(log, /drain timeout|worker died|AddressSanitizer|runtime error/);
    } finally {
      conn?.close();
      if (child.exitCode === null && child.signalCode === null) {
        for (const w of workerPids(master)) {
          try { process.kill(w, 'SIGKILL'); } catch { /* gone */ }
        }
        try { process.kill(master, 'SIGKILL'); } catch { /* gone */ }
        await exited;
      }
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.rmSync(sock, { force: true });
    }
  });
