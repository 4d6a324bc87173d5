// nginx's own refusals: every error nginx answers itself is the API's JSON
// envelope on /api/ and the error page (errors/error.html) elsewhere, never
// nginx's built-in HTML. Most of these requests are malformed on purpose,
// which fetch() refuses to send: they go over a raw TCP socket.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import {
  base, bodyOf, request, expectError, expectSecurityHeaders, withTimeout, CJK, REQUEST_ID,
} from './lib.mjs';

const u = new URL(base);
const HOST = `Host: ${u.host}`;

// Parses one HTTP/1.x response from `buf`; null while it is incomplete.
// `eof`: the peer has closed, so a body without a length ends here.
function parseResponse(buf, { head = false, eof = false } = {}) {
  const sep = buf.indexOf('\r\n\r\n');
  if (sep < 0) return null;
  const lines = buf.subarray(0, sep).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
  assert.ok(m, `a status line: ${JSON.stringify(lines[0])}`);
  const status = Number(m[1]);
  const fields = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    fields.push([l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()]);
  }
  const all = (name) => fields.filter(([k]) => k === name).map(([, v]) => v);
  const headers = { get: (name) => all(name.toLowerCase())[0] ?? null, all };
  let body = buf.subarray(sep + 4);
  if (head || status === 204 || status === 304) {
    body = Buffer.alloc(0);
  } else if (/chunked/i.test(headers.get('transfer-encoding') || '')) {
    const parts = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      if (eol < 0) return null;
      const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
      assert.ok(Number.isInteger(size), 'a chunk size');
      if (size === 0) break;
      if (body.length < eol + 2 + size + 2) return null;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers.get('content-length') !== null) {
    const n = Number(headers.get('content-length'));
    if (body.length < n) return null;
    body = body.subarray(0, n);
  } else if (!eof) {
    return null;
  }
  return { status, reason: m[2] ?? '', headers, ...bodyOf(body) };
}

// Sends `bytes` as they are and reads the one response. Resolves as soon
// as the response is whole (nginx may wait for a body it will discard).
function raw(bytes, { head = false, timeout = 10_000 } = {}) {
  const msg = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1');
  const sock = net.createConnection({ host: u.hostname, port: Number(u.port) || 80 });
  const chunks = [];
  const done = new Promise((resolve, reject) => {
    const tryParse = (eof) => {
      let res;
      try {
        res = parseResponse(Buffer.concat(chunks), { head, eof });
      } catch (e) {
        reject(e);
        return;
      }
      if (res) {
        sock.destroy();
        resolve(res);
      } else if (eof) {
        reject(new Error(`connection closed without a whole response: ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))}`));
      }
    };
    sock.on('connect', () => sock.write(msg));
    sock.on('data', (d) => { chunks.push(d); tryParse(false); });
    sock.on('end', () => tryParse(true));
    sock.on('error', (e) => (chunks.length ? tryParse(true) : reject(e)));
  });
  return withTimeout(done, timeout, `raw ${JSON.stringify(msg.toString('latin1').slice(0, 60))}`)
    .finally(() => sock.destroy());
}

// A request head: the request line, then header lines, then the blank line.
const req = (line, ...headerLines) => `${line}\r\n${headerLines.map((h) => `${h}\r\n`).join('')}\r\n`;

// The envelope, plus what only raw answers can get wrong: one of each
// security header, no-store, and not a trace of nginx's own page.
function expectEnvelope(res, status, code) {
  const e = expectError(res, status, code);
  assert.equal(res.headers.get('cache-control'), 'no-store', `Cache-Control of ${status} ${code}`);
  for (const h of ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'x-request-id']) {
    assert.equal(res.headers.all(h).length, 1, `exactly one ${h}`);
  }
  return e;
}

// The error page: HTML, put together by SSI, in Chinese, with the way home
// and the request id, never nginx's built-in page.
function expectErrorPage(res, status, title, where = '') {
  const ctx = `${where} → HTTP ${res.status} ${res.text.slice(0, 200)}`;
  assert.equal(res.status, status, ctx);
  assert.match(res.headers.get('content-type') || '', /^text\/html; ?charset=utf-8$/i, ctx);
  expectSecurityHeaders(res, ctx);
  assert.match(res.text, /^<!DOCTYPE html>\n<html lang="zh-CN">/, ctx);
  assert.ok(!res.text.includes('<!--#'), `an SSI command left in the page: ${ctx}`);
  assert.ok(!/<center>|nginx/i.test(res.text), `nginx's own page: ${ctx}`);
  assert.ok(res.text.includes('<link rel="stylesheet" href="/css/base.css">'), `base sheet: ${ctx}`);
  assert.ok(res.text.includes('<link rel="stylesheet" href="/css/error.css">'), `error sheet: ${ctx}`);
  assert.ok(!res.text.includes('<script'), `the error page has no script: ${ctx}`);
  assert.ok(res.text.includes(`<title>户组 · ${title}</title>`), `title ${title}: ${ctx}`);
  assert.ok(res.text.includes(`<h1 class="weui-msg__title">${title}</h1>`), `heading: ${ctx}`);
  assert.match(res.text, /<a class="weui-btn weui-btn_primary" href="\/">返回首页<\/a>/, `the way home: ${ctx}`);
  const rid = res.headers.get('x-request-id');
  assert.match(rid, REQUEST_ID);
  assert.ok(res.text.includes(`错误代码：${status} · 请求编号：${rid}`), `status and request id shown: ${ctx}`);
  assert.equal(res.json, undefined);
}

const CE = '/api/v1/client-errors';
const post = (path, ...h) => req(`POST ${path} HTTP/1.1`, HOST, 'Connection: close', ...h);

describe('must pass: well-formed requests over the same raw socket', () => {
  test('GET /api/v1/health is 200 JSON', async () => {
    const res = await raw(req('GET /api/v1/health HTTP/1.1', HOST, 'Connection: close'));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { status: 'ok' });
    assert.match(res.headers.get('content-type'), /^application\/json; ?charset=utf-8$/);
  });

  test('GET / and a page are 200 HTML', async () => {
    for (const p of ['/', '/login.html', '/q/AbC123']) {
      const res = await raw(req(`GET ${p} HTTP/1.1`, HOST, 'Connection: close'));
      assert.equal(res.status, 200, `${p}: ${res.text.slice(0, 200)}`);
      assert.match(res.headers.get('content-type'), /^text\/html/);
      assert.match(res.text, CJK);
      expectSecurityHeaders(res, p);
    }
  });

  test('a POST with a plain Content-Length, or chunked alone, reaches the app', async () => {
    const body = '{"message":"raw socket"}';
    let res = await raw(post(CE, 'Content-Type: application/json', `Content-Length: ${body.length}`) + body);
    assert.equal(res.status, 204, res.text);
    res = await raw(post(CE, 'Content-Type: application/json', 'Transfer-Encoding: chunked') +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    assert.equal(res.status, 204, res.text);
    // Content-Length: 0 is a length too: an empty body, malformed JSON.
    expectError(await raw(post(CE, 'Content-Type: application/json', 'Content-Length: 0')), 400, 'malformed_json');
  });

  test('HTTP/1.0 without Host is fine', async () => {
    const res = await raw(req('GET /api/v1/health HTTP/1.0'));
    assert.equal(res.status, 200, res.text);
  });
});

describe('nginx\'s refusals on /api/ are the envelope', () => {
  test('a malformed Content-Length is 400 bad_request', async () => {
    for (const cl of ['-1', '1e3', '+19', '18446744073709551616', '0x10', '1 2', '', ' ']) {
      const res = await raw(post(CE, 'Content-Type: application/json', `Content-Length: ${cl}`) + '{}');
      expectEnvelope(res, 400, 'bad_request');
    }
  });

  test('two Content-Lengths, equal or not, are 400', async () => {
    for (const [a, b] of [['2', '2'], ['2', '3']]) {
      const res = await raw(post(CE, 'Content-Type: application/json', `Content-Length: ${a}`, `Content-Length: ${b}`) + '{}');
      expectEnvelope(res, 400, 'bad_request');
    }
  });

  test('Transfer-Encoding with Content-Length is 400 (request smuggling)', async () => {
    for (const h of [
      ['Content-Length: 5', 'Transfer-Encoding: chunked'],
      ['Transfer-Encoding: chunked', 'Content-Length: 5'],
      ['Transfer-Encoding: chunked', 'Content-Length: 5000000'],
    ]) {
      const res = await raw(post(CE, 'Content-Type: application/json', ...h) + '0\r\n\r\n');
      expectEnvelope(res, 400, 'bad_request');
    }
  });

  test('Transfer-Encoding on HTTP/1.0 is 400, a bad chunk is 400, an unknown coding 501', async () => {
    let res = await raw(req(`POST ${CE} HTTP/1.0`, HOST, 'Content-Type: application/json',
      'Transfer-Encoding: chunked') + '0\r\n\r\n');
    expectEnvelope(res, 400, 'bad_request');
    res = await raw(post(CE, 'Content-Type: application/json', 'Transfer-Encoding: chunked') + 'zz\r\n{}\r\n0\r\n\r\n');
    expectEnvelope(res, 400, 'bad_request');
    res = await raw(post(CE, 'Content-Type: application/json', 'Transfer-Encoding: gzip') + '{}');
    expectEnvelope(res, 501, 'not_implemented');
  });

  test('%00 in the path is 400 (nginx has no URI to route)', async () => {
    for (const line of [
      'GET /api/v1/health%00 HTTP/1.1', 'GET /api/v1/%00/x HTTP/1.1', `POST ${CE}%00 HTTP/1.1`,
      'TRACE /api/%00 HTTP/1.1', 'GET /api/../../etc/passwd HTTP/1.1',
      `GET ${u.protocol}//${u.host}/api/v1/health%00 HTTP/1.1`,
    ]) {
      const res = await raw(req(line, HOST, 'Connection: close', 'Content-Length: 0'));
      expectEnvelope(res, 400, 'bad_request');
    }
  });

  test('a missing, doubled or malformed Host is 400', async () => {
    for (const hosts of [[], ['Host: a', 'Host: b'], ['Host: a/b'], ['Host: ..']]) {
      const res = await raw(req('GET /api/v1/health HTTP/1.1', ...hosts, 'Connection: close'));
      expectEnvelope(res, 400, 'bad_request');
    }
  });

  test('a malformed header line is 400', async () => {
    const res = await raw(req('GET /api/v1/health HTTP/1.1', HOST, 'Bad Header', 'Connection: close'));
    expectEnvelope(res, 400, 'bad_request');
  });

  test('oversized headers are 431 header_too_large', async () => {
    // One line longer than a large header buffer (8 KiB), or more lines
    // than the four buffers hold.
    for (const extra of [[`X-Big: ${'a'.repeat(10_000)}`], Array(8).fill(`Cookie: ${'c'.repeat(7000)}`)]) {
      const res = await raw(req('GET /api/v1/health HTTP/1.1', HOST, 'Connection: close', ...extra));
      expectEnvelope(res, 431, 'header_too_large');
    }
  });

  test('a request line too long is 414 uri_too_long', async () => {
    for (const p of [`/api/v1/${'a'.repeat(10_000)}`, `/api/v1/health?${'x=1&'.repeat(3000)}`]) {
      const res = await raw(req(`GET ${p} HTTP/1.1`, HOST, 'Connection: close'));
      expectEnvelope(res, 414, 'uri_too_long');
    }
  });

  test('TRACE is 405 method_not_allowed', async () => {
    for (const p of ['/api/v1/health', '/api/v1/nope', '/api/x']) {
      const res = await raw(req(`TRACE ${p} HTTP/1.1`, HOST, 'Connection: close'));
      expectEnvelope(res, 405, 'method_not_allowed');
    }
  });

  test('an unknown HTTP version is 505', async () => {
    const res = await raw(req('GET /api/v1/health HTTP/9.9', HOST, 'Connection: close'));
    expectEnvelope(res, 505, 'http_version_not_supported');
  });

  test('nginx\'s 404 is JSON whatever the URI looks like; the error location is internal', async () => {
    for (const p of ['/api/v2/x.html', '/api/v2/x.css', '/api/_error', '/api/v1']) {
      expectEnvelope(await raw(req(`GET ${p} HTTP/1.1`, HOST, 'Connection: close')), 404, 'not_found');
    }
  });

  test('a bare HEAD of an nginx error has the headers and no body', async () => {
    const res = await raw(req('HEAD /api/v2/x HTTP/1.1', HOST, 'Connection: close'), { head: true });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.equal(res.buf.length, 0);
  });
});

describe('nginx\'s refusals of pages are the error page', () => {
  test('an unknown page is 404 页面不存在 (fetch)', async () => {
    for (const p of ['/no-such-page.html', '/nope', '/css/', '/js/nope.js', '/parts/head.html',
      '/errors/error.html', '/vendor/weui/nope.css', '/index.html/x']) {
      const res = await request('GET', p);
      expectErrorPage(res, 404, '页面不存在', p);
      assert.equal(res.headers.get('cache-control'), null, `${p}: no Cache-Control on a page error`);
    }
  });

  test('a folder named without its slash is 404 at once, not nginx\'s own 301 page', async () => {
    for (const p of ['/css', '/js', '/errors', '/parts', '/vendor/weui/icon']) {
      const res = await request('GET', p);
      expectErrorPage(res, 404, '页面不存在', p);
      assert.equal(res.headers.get('location'), null, `${p}: no redirect`);
    }
    // What is there still is: the home page, a style, a WeUI file.
    for (const p of ['/', '/css/base.css', '/vendor/weui/icon/weui-icon.css']) {
      assert.equal((await request('GET', p)).status, 200, p);
    }
  });

  test('HEAD of an unknown page is 404 without a body', async () => {
    const res = await raw(req('HEAD /no-such-page.html HTTP/1.1', HOST, 'Connection: close'), { head: true });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type'), /^text\/html/);
  });

  test('POST or TRACE to a page is 405 (the page answers any method)', async () => {
    expectErrorPage(await request('POST', '/index.html', { body: '{}' }), 405, '无法处理该请求', 'POST');
    expectErrorPage(await request('DELETE', '/login.html'), 405, '无法处理该请求', 'DELETE');
    expectErrorPage(await raw(req('TRACE / HTTP/1.1', HOST, 'Connection: close')), 405, '无法处理该请求', 'TRACE');
    // An unknown page with a method other than GET: 404 all the same.
    expectErrorPage(await request('POST', '/nope.html', { body: '{}' }), 404, '页面不存在', 'POST 404');
  });

  test('a body over the limit to a page is 413 内容过大', async () => {
    const res = await request('POST', '/index.html', { body: Buffer.alloc(1024 * 1024 + 1, 0x20) });
    expectErrorPage(res, 413, '内容过大');
  });

  test('%00, /../ above the root, a missing Host: 400 请求有误', async () => {
    for (const [line, hosts] of [
      ['GET /index%00.html HTTP/1.1', [HOST]], ['GET /../../etc/passwd HTTP/1.1', [HOST]],
      ['GET /login.html HTTP/1.1', []], ['GET / HTTP/1.1', ['Host: a', 'Host: b']],
    ]) {
      expectErrorPage(await raw(req(line, ...hosts, 'Connection: close')), 400, '请求有误', line);
    }
  });

  test('a request line that is not HTTP is 400 HTML (no path, so not the API)', async () => {
    expectErrorPage(await raw('GARBAGE\r\n\r\n'), 400, '请求有误', 'GARBAGE');
  });

  test('a page URI too long is 414 链接过长, oversized headers 431', async () => {
    expectErrorPage(await raw(req(`GET /${'a'.repeat(10_000)} HTTP/1.1`, HOST, 'Connection: close')), 414, '链接过长');
    expectErrorPage(await raw(req('GET / HTTP/1.1', HOST, 'Connection: close', `X-Big: ${'a'.repeat(10_000)}`)),
      431, '请求有误');
  });
});
