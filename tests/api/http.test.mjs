// The HTTP contract of the API and the static pages, through nginx.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

import {
  base, bin, request, postRaw, expectError, expectInvalid, expectSecurityHeaders,
  expectJsonType, logLines, logPath, waitFor, CJK, REQUEST_ID,
} from './lib.mjs';

const CE = '/api/v1/client-errors';
const KiB = 1024;
const MiB = 1024 * 1024;

// A client-errors body of exactly `size` bytes: valid JSON, padded with
// whitespace between the tokens.
function paddedBody(size) {
  const head = '{"message":"padding test"';
  const pad = size - head.length - 1;
  assert.ok(pad >= 0);
  return Buffer.from(head + ' '.repeat(pad) + '}', 'utf8');
}

// The request log line the worker writes for request id `rid`.
function requestLogLine(rid) {
  return logLines(/msg="request"/, new RegExp(`rid=${rid}\\b`))[0];
}

// API responses must never be stored by a cache.
function expectNoStore(res, where) {
  assert.equal(res.headers.get('cache-control'), 'no-store', `Cache-Control of ${where}`);
}

describe('routes', () => {
  test('GET /api/v1/health is 200 {"status":"ok"} with API headers', async () => {
    const res = await request('GET', '/api/v1/health');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { status: 'ok' });
    expectJsonType(res);
    expectNoStore(res, 'health');
    expectSecurityHeaders(res, 'health');
  });

  test('GET /api/v1/version names huzu, the binary\'s version and api v1', async () => {
    const res = await request('GET', '/api/v1/version');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json).sort(), ['api', 'name', 'version']);
    assert.equal(res.json.name, 'huzu');
    assert.equal(res.json.api, 'v1');
    assert.equal(typeof res.json.version, 'string');
    assert.ok(res.json.version.length > 0);
    const cli = execFileSync(bin, ['version'], { encoding: 'utf8' }).trim();
    assert.equal(cli, `huzu ${res.json.version}`, 'same version as `huzu version`');
    expectJsonType(res);
    expectNoStore(res, 'version');
    expectSecurityHeaders(res, 'version');
  });

  test('HEAD /api/v1/version is 200 without a body', async () => {
    const res = await request('HEAD', '/api/v1/version');
    assert.equal(res.status, 200);
    assert.equal(res.buf.length, 0);
    expectSecurityHeaders(res, 'HEAD version');
  });

  test('every response carries its own X-Request-Id', async () => {
    const ids = new Set();
    for (let i = 0; i < 5; i++) {
      const res = await request('GET', '/api/v1/version');
      const id = res.headers.get('x-request-id');
      assert.match(id, REQUEST_ID);
      ids.add(id);
    }
    assert.equal(ids.size, 5);
  });

  test('POST /api/v1/client-errors with a message is 204 with no body', async () => {
    const res = await request('POST', CE, { json: { message: 'TypeError: x is undefined' } });
    assert.equal(res.status, 204, res.text);
    assert.equal(res.buf.length, 0);
    expectNoStore(res, '204 client-errors');
    expectSecurityHeaders(res, '204 client-errors');
  });

  test('client-errors accepts page and a multi-line stack; nulls count as absent', async () => {
    const stack = 'TypeError: boom\n    at f (app.js:1:2)\r\n\tat g (app.js:3:4)';
    let res = await request('POST', CE, { json: { message: '页面出错了', page: '/index.html#me', stack } });
    assert.equal(res.status, 204, res.text);
    res = await request('POST', CE, { json: { message: 'x', page: null, stack: null } });
    assert.equal(res.status, 204, res.text);
  });

  test('a client error is logged with its request id, a QR token in the page is cut off', async () => {
    const token = 'SECRETtoken1234567890';
    const res = await request('POST', CE, { json: { message: 'landing failed 落地页', page: `/q/${token}` } });
    assert.equal(res.status, 204, res.text);
    const rid = res.headers.get('x-request-id');
    const line = await waitFor('the client error log line', 3000,
      () => logLines(/msg="client error"/, new RegExp(`rid=${rid}\\b`))[0]);
    assert.match(line, /page="\/q\/\*"/);
    assert.match(line, /message="landing failed 落地页"/);
    assert.ok(!line.includes(token), 'QR token must not reach the log');
    assert.ok(!logLines(new RegExp(token)).length, 'QR token nowhere in huzu.log');
  });

  test('a long CJK report is logged as valid UTF-8 (cut at a character boundary)', async () => {
    // The log quotes at most so many bytes of page and message; a cut in
    // the middle of a character leaves a broken UTF-8 sequence in
    // huzu.log (and grep then calls the file binary).
    const res = await request('POST', CE, { json: { message: '消息'.repeat(250), page: '页'.repeat(200) } });
    assert.equal(res.status, 204, res.text);
    const rid = res.headers.get('x-request-id');
    await waitFor('the log line', 3000, () => logLines(/msg="client error"/, new RegExp(`rid=${rid}\\b`))[0]);
    const raw = fs.readFileSync(logPath);
    const start = raw.indexOf(`rid=${rid} page=`);
    const line = raw.subarray(raw.lastIndexOf(0x0a, start) + 1, raw.indexOf(0x0a, start));
    let text;
    assert.doesNotThrow(() => { text = new TextDecoder('utf-8', { fatal: true }).decode(line); },
      'the client error log line is not valid UTF-8');
    assert.match(text, /page="页+"/);
    assert.match(text, /message="(消息)+消?"/);
  });

  test('strings are kept verbatim: SQL metacharacters, emoji, 4-byte UTF-8', async () => {
    for (const message of [
      "'; DROP TABLE audit_log; --",
      'Robert"); DROP TABLE students;-- \\ %_ `x`',
      '😀👨‍👩‍👧‍👦 🇨🇳',
      '𠀀𪚥𰻞 (CJK extension B/G)',
      '<script>alert(1)</script>',
    ]) {
      const res = await request('POST', CE, { json: { message, page: message.slice(0, 200) } });
      assert.equal(res.status, 204, `${message}: ${res.text}`);
    }
    // The emoji arrives in the log as it was sent, not mangled.
    const res = await request('POST', CE, { json: { message: 'emoji 😀𠀀 ok' } });
    assert.equal(res.status, 204);
    const rid = res.headers.get('x-request-id');
    const line = await waitFor('the log line', 3000,
      () => logLines(/msg="client error"/, new RegExp(`rid=${rid}\\b`))[0]);
    assert.match(line, /message="emoji 😀𠀀 ok"/);
  });
});

describe('client-errors validation (422)', () => {
  test('message is required', async () => {
    expectInvalid(await request('POST', CE, { json: {} }), ['message']);
    expectInvalid(await request('POST', CE, { json: { page: '/x' } }), ['message']);
    expectInvalid(await request('POST', CE, { json: { message: null } }), ['message']);
    expectInvalid(await request('POST', CE, { json: { message: '' } }), ['message']);
  });

  test('wrong types are refused per field', async () => {
    for (const v of [1, 0, true, false, [], ['x'], {}, { a: 'b' }, 1.5]) {
      expectInvalid(await request('POST', CE, { json: { message: v } }), ['message']);
      expectInvalid(await request('POST', CE, { json: { message: 'x', page: v } }), ['page']);
      expectInvalid(await request('POST', CE, { json: { message: 'x', stack: v } }), ['stack']);
    }
    expectInvalid(await postRaw('{"message":1e999}'), ['message']);
  });

  test('unknown fields are refused, names are case-sensitive', async () => {
    expectInvalid(await request('POST', CE, { json: { message: 'x', foo: 1 } }), ['foo']);
    expectInvalid(await request('POST', CE, { json: { message: 'x', url: null } }), ['url']);
    expectInvalid(await request('POST', CE, { json: { Message: 'x' } }), ['Message', 'message']);
  });

  test('duplicate keys are refused', async () => {
    expectInvalid(await postRaw('{"message":"a","message":"b"}'), ['message']);
    expectInvalid(await postRaw('{"message":"a","page":"/","page":"/"}'), ['page']);
    expectInvalid(await postRaw('{"message":"a","message":null}'), ['message']);
  });

  test('several bad fields are reported together', async () => {
    const e = expectInvalid(await request('POST', CE, { json: { message: 1, page: 2, extra: 3 } }),
      ['message', 'page', 'extra']);
    assert.notEqual(e.fields.message, e.fields.extra);
  });

  test('the body must be a JSON object', async () => {
    for (const body of ['[]', '[{"message":"x"}]', 'null', '"message"', '42', 'true']) {
      const e = expectError(await postRaw(body), 422, 'validation_failed');
      assert.ok(e.fields && Object.keys(e.fields).length > 0, `fields for ${body}`);
    }
  });

  test('message: 500 characters (CJK or 4-byte) accepted, 501 refused', async () => {
    assert.equal((await request('POST', CE, { json: { message: '户'.repeat(500) } })).status, 204);
    assert.equal((await request('POST', CE, { json: { message: 'a'.repeat(500) } })).status, 204);
    assert.equal((await request('POST', CE, { json: { message: '😀'.repeat(500) } })).status, 204);
    expectInvalid(await request('POST', CE, { json: { message: '户'.repeat(501) } }), ['message']);
    expectInvalid(await request('POST', CE, { json: { message: 'a'.repeat(501) } }), ['message']);
    expectInvalid(await request('POST', CE, { json: { message: '😀'.repeat(501) } }), ['message']);
  });

  test('page: 200 characters accepted, 201 refused', async () => {
    assert.equal((await request('POST', CE, { json: { message: 'x', page: '页'.repeat(200) } })).status, 204);
    expectInvalid(await request('POST', CE, { json: { message: 'x', page: '页'.repeat(201) } }), ['page']);
  });

  test('stack: 4000 characters accepted, 4001 refused', async () => {
    const line = 'at f (a.js:1)\n'; // 14 chars
    const s4000 = line.repeat(285) + 'x'.repeat(4000 - 285 * 14);
    assert.equal([...s4000].length, 4000);
    assert.equal((await request('POST', CE, { json: { message: 'x', stack: s4000 } })).status, 204);
    expectInvalid(await request('POST', CE, { json: { message: 'x', stack: s4000 + 'y' } }), ['stack']);
    assert.equal((await request('POST', CE, { json: { message: 'x', stack: '栈'.repeat(4000) } })).status, 204);
    expectInvalid(await request('POST', CE, { json: { message: 'x', stack: '栈'.repeat(4001) } }), ['stack']);
  });

  test('control characters are refused, except \\n \\r \\t in stack', async () => {
    for (const c of ['\u0001', '\u001b', '\u007f', '\n', '\r', '\t', '\u0008']) {
      expectInvalid(await request('POST', CE, { json: { message: `a${c}b` } }), ['message']);
      expectInvalid(await request('POST', CE, { json: { message: 'x', page: `/a${c}` } }), ['page']);
    }
    for (const c of ['\u0001', '\u001b', '\u007f', '\u000b', '\u000c']) {
      expectInvalid(await request('POST', CE, { json: { message: 'x', stack: `a${c}b` } }), ['stack']);
    }
    const res = await request('POST', CE, { json: { message: 'x', stack: 'a\nb\r\n\tc' } });
    assert.equal(res.status, 204, res.text);
  });

  test('C1 control characters (U+0080–U+009F) are control characters too', async () => {
    // Unicode category Cc includes C1; U+0085 (NEL) is a line break to
    // many log readers, U+009B a terminal CSI.
    for (const c of ['\u0085', '\u009b']) {
      expectInvalid(await request('POST', CE, { json: { message: `a${c}b` } }), ['message']);
    }
  });
});

describe('malformed bodies (400)', () => {
  test('malformed JSON, including trailing garbage and an empty body', async () => {
    for (const body of [
      '{"message":', '{message:"x"}', "{'message':'x'}", '{"message":"x",}', '{"message":"x"',
      '{"message":"x"}x', '{"message":"x"}{}', '{"message":"x"}}', '{"message":"x"} []',
      '{"message":"x"}/**/', '{"message":"\\x41"}', '{"message":"\\ud800"}', ' ', '',
    ]) {
      expectError(await postRaw(body), 400, 'malformed_json');
    }
    expectError(await postRaw(Buffer.from('{"message":"x"}\0', 'latin1')), 400, 'malformed_json');
  });

  test('whitespace around the object is fine', async () => {
    assert.equal((await postRaw(' \r\n\t{"message":"x"} \n\n')).status, 204);
  });

  test('invalid UTF-8 bytes are refused', async () => {
    const bad = [
      [0xc3, 0x28], // bad continuation
      [0xc0, 0xaf], // overlong '/'
      [0xe0, 0x80, 0xaf], // overlong, 3 bytes
      [0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf5, 0x80, 0x80, 0x80],
      [0x80], // lone continuation
      [0xff],
      [0xe4, 0xb8], // truncated 户-like sequence
    ];
    for (const bytes of bad) {
      const body = Buffer.concat([Buffer.from('{"message":"a'), Buffer.from(bytes), Buffer.from('b"}')]);
      expectError(await postRaw(body), 400, 'invalid_utf8');
    }
    // Outside a string too.
    expectError(await postRaw(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), 400, 'invalid_utf8');
  });

  test('nesting deeper than 16 is too_deep; 16 is parsed', async () => {
    // The object is level 1, then 15 arrays: 16 levels.
    const at16 = `{"message":${'['.repeat(15)}${']'.repeat(15)}}`;
    expectInvalid(await postRaw(at16), ['message']);
    const at17 = `{"message":${'['.repeat(16)}${']'.repeat(16)}}`;
    expectError(await postRaw(at17), 400, 'too_deep');
    expectError(await postRaw(`{"a":${'{"a":'.repeat(20)}1${'}'.repeat(20)}}`), 400, 'too_deep');
    expectError(await postRaw('['.repeat(60000)), 400, 'too_deep');
    // Brackets inside a string are text.
    assert.equal((await request('POST', CE, { json: { message: '['.repeat(300) } })).status, 204);
  });

  test('\\u0000 inside a string is valid JSON, refused on its field (422); an escaped backslash is not', async () => {
    expectInvalid(await postRaw('{"message":"a\\u0000b"}'), ['message']);
    expectInvalid(await postRaw('{"message":"\\u0000"}'), ['message']);
    expectInvalid(await postRaw('{"mess\\u0000age":"x"}'), ['mess\ufffdage', 'message']);
    expectInvalid(await postRaw('{"message":"x","stack":"\\\\\\u0000"}'), ['stack']);
    // "\\u0000" is a backslash followed by the text u0000.
    assert.equal((await postRaw('{"message":"\\\\u0000"}')).status, 204);
  });

  test('a raw NUL byte inside a string is refused, not truncated', async () => {
    // Unescaped control characters are not JSON (RFC 8259 §7); a raw NUL
    // would cut the C string short: "a\0bcd" must not be accepted as "a".
    const res = await postRaw(Buffer.from('{"message":"a\0bcd"}', 'latin1'));
    assert.equal(res.status, 400, `raw NUL accepted: HTTP ${res.status}`);
    const e = res.json && res.json.error;
    assert.ok(e && ['malformed_json', 'nul_in_string'].includes(e.code), res.text);
    expectError(res, 400, e.code);
  });
});

describe('media type (415)', () => {
  test('a missing or non-JSON Content-Type is 415', async () => {
    const body = '{"message":"x"}';
    for (const ct of [
      null, 'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x', 'application/json; charset=latin1',
      'application/json; charset=utf-16', 'application/jsonp', 'application/json-patch+json',
      'application/json; foo=bar', 'application/xml', '',
    ]) {
      expectError(await postRaw(body, ct), 415, 'unsupported_media_type');
    }
  });

  test('415 comes before the body is looked at', async () => {
    expectError(await postRaw('not json at all', 'text/plain'), 415, 'unsupported_media_type');
  });

  test('application/json with charset=utf-8, in any case, is fine', async () => {
    for (const ct of [
      'application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8',
      'Application/JSON', 'APPLICATION/JSON; CHARSET=UTF-8', 'application/json; charset="utf-8"',
    ]) {
      const res = await postRaw('{"message":"x"}', ct);
      assert.equal(res.status, 204, `${ct}: ${res.text}`);
    }
  });
});

describe('body size (413)', () => {
  test('exactly 64 KiB is accepted, 64 KiB + 1 is 413 from the app', async () => {
    let res = await postRaw(paddedBody(64 * KiB));
    assert.equal(res.status, 204, res.text);
    res = await postRaw(paddedBody(64 * KiB + 1));
    expectError(res, 413, 'body_too_large');
    expectNoStore(res, 'the app\'s 413');
    const rid = res.headers.get('x-request-id');
    const line = await waitFor('the worker\'s log line', 3000, () => requestLogLine(rid));
    assert.match(line, /status=413/);
  });

  test('exactly 1 MiB still reaches the app (413), 1 MiB + 1 is 413 from nginx', async () => {
    let res = await postRaw(paddedBody(MiB));
    expectError(res, 413, 'body_too_large');
    const rid = res.headers.get('x-request-id');
    assert.match(await waitFor('the worker\'s log line', 3000, () => requestLogLine(rid)), /status=413/);

    res = await postRaw(paddedBody(MiB + 1));
    expectError(res, 413, 'body_too_large');
    // Give a stray worker line time to appear; there must be none.
    await request('GET', '/api/v1/version');
    assert.equal(requestLogLine(res.headers.get('x-request-id')), undefined, 'nginx refused it alone');
  });

  test('a 5 MiB body is refused with the envelope, not a reset', async () => {
    expectError(await postRaw(Buffer.alloc(5 * MiB, 0x20)), 413, 'body_too_large');
  });

  test('a chunked body (no Content-Length) is read whole', async () => {
    const chunks = ['{"message":', '"chunked ', '上报"}'];
    const stream = new ReadableStream({
      pull(c) {
        if (chunks.length) c.enqueue(new TextEncoder().encode(chunks.shift()));
        else c.close();
      },
    });
    const r = await fetch(base + CE, {
      method: 'POST', body: stream, duplex: 'half',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 204, await r.text());
  });
});

describe('routing errors', () => {
  test('unknown /api/v1/ paths are 404 not_found from the app', async () => {
    for (const p of [
      '/api/v1/nope', '/api/v1/', '/api/v1/health/', '/api/v1/HEALTH', '/api/v1/health/x',
      '/api/v1/versions', '/api/v1/client-errors/1',
    ]) {
      const res = await request('GET', p);
      expectError(res, 404, 'not_found');
      expectNoStore(res, `404 ${p}`);
    }
    expectError(await request('POST', '/api/v1/nope', { json: { message: 'x' } }), 404, 'not_found');
    expectError(await request('DELETE', '/api/v1/nope'), 404, 'not_found');
  });

  test('other /api/ paths are 404 not_found from nginx', async () => {
    for (const p of ['/api/', '/api/v2/health', '/api/x', '/api/v0/version', '/api/v1x/health']) {
      expectError(await request('GET', p), 404, 'not_found');
    }
    expectError(await request('POST', '/api/v2/client-errors', { json: { message: 'x' } }), 404, 'not_found');
  });

  test('/api/v1 without the trailing slash is a 404 envelope, not an HTML redirect', async () => {
    // nginx answers a prefix location "/api/v1/" with fastcgi_pass by a
    // 301 text/html redirect for "/api/v1".
    expectError(await request('GET', '/api/v1'), 404, 'not_found');
  });

  test('a known path with the wrong method is 405 with Allow', async () => {
    const cases = [
      ['DELETE', '/api/v1/health', 'GET'],
      ['POST', '/api/v1/health', 'GET'],
      ['PUT', '/api/v1/version', 'GET'],
      ['PATCH', '/api/v1/version', 'GET'],
      ['OPTIONS', '/api/v1/health', 'GET'],
      ['GET', CE, 'POST'],
      ['PUT', CE, 'POST'],
      ['DELETE', CE, 'POST'],
    ];
    for (const [m, p, allow] of cases) {
      const res = await request(m, p);
      expectError(res, 405, 'method_not_allowed');
      assert.equal(res.headers.get('allow'), allow, `Allow for ${m} ${p}`);
      expectNoStore(res, `405 ${m} ${p}`);
    }
    // A body on a 405 is not parsed first.
    const res = await request('POST', '/api/v1/health', { body: '{"x":', headers: { 'content-type': 'application/json' } });
    expectError(res, 405, 'method_not_allowed');
    assert.equal(res.headers.get('allow'), 'GET');
  });
});

describe('headers', () => {
  test('API responses all carry Cache-Control: no-store and the JSON type', async () => {
    // From the app and from nginx's own envelopes (404 /api/, 413 > 1 MiB).
    const samples = [
      ['app 200', await request('GET', '/api/v1/health')],
      ['app 404', await request('GET', '/api/v1/nope')],
      ['app 422', await request('POST', CE, { json: {} })],
      ['nginx 404', await request('GET', '/api/v2/x')],
      ['nginx 413', await postRaw(paddedBody(MiB + 1))],
    ];
    const missing = samples.filter(([, r]) => r.headers.get('cache-control') !== 'no-store').map(([w]) => w);
    for (const [w, r] of samples) expectJsonType(r, w);
    assert.deepEqual(missing, [], 'API responses without Cache-Control: no-store');
  });

  test('security headers on pages, assets, errors and the API', async () => {
    const samples = [
      ['GET', '/'], ['GET', '/index.html'], ['GET', '/q/abc'], ['GET', '/vendor/weui/weui.min.css'],
      ['GET', '/no-such-page.html'], ['GET', '/api/v1/health'], ['GET', '/api/v1/nope'],
      ['GET', '/api/nope'], ['DELETE', '/api/v1/health'], ['POST', CE],
      ['GET', '/css/'], ['GET', '/parts/head.html'], ['POST', '/index.html'], ['GET', '/api/v1'],
    ];
    for (const [m, p] of samples) {
      const res = await request(m, p);
      expectSecurityHeaders(res, `${m} ${p} → ${res.status}`);
    }
  });
});

describe('static pages', () => {
  test('GET / is the Chinese H5 shell', async () => {
    const res = await request('GET', '/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.ok(res.text.includes('户组'), 'the shell mentions 户组');
    assert.match(res.text, /<html[^>]*lang="zh/i);
  });

  test('GET /q/<anything> serves the landing page', async () => {
    const a = await request('GET', '/q/AbC123-_xyz');
    const b = await request('GET', '/q/another.token~with.dots');
    const c = await request('GET', '/q/a/b/c');
    for (const r of [a, b, c]) {
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^text\/html/);
      assert.match(r.text, CJK);
    }
    assert.equal(a.text, b.text);
    assert.equal(a.text, c.text);
    const shell = await request('GET', '/');
    assert.notEqual(a.text, shell.text, 'the landing page is its own page');
  });

  test('an unknown page is the Chinese 404 page, not nginx\'s', async () => {
    // The details (every status, every path) are in nginx.test.mjs.
    const res = await request('GET', '/no-such-page.html');
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type'), /^text\/html; ?charset=utf-8$/i);
    assert.match(res.text, /<title>户组 · 页面不存在<\/title>/);
    assert.match(res.text, /href="\/">返回首页</);
    assert.ok(!res.text.includes('<center>nginx</center>'), 'nginx\'s own 404 page');
  });

  test('WeUI CSS is served as text/css', async () => {
    const res = await request('GET', '/vendor/weui/weui.min.css');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/css/);
    assert.ok(res.text.includes('.weui-'), 'looks like WeUI');
  });
});

test('no request ever produces a 5xx', async () => {
  const odd = [
    ['GET', '/api/v1/health%00'],
    ['GET', '/api/v1/%ZZ'],
    ['GET', '/api/v1/health?%00=1'],
    ['GET', `/api/v1/${'a'.repeat(6000)}`],
    ['GET', `/api/v1/health?${'x=1&'.repeat(1000)}`],
    ['GET', '/api/v1/../../etc/passwd'],
    ['GET', '/api/v1/%2e%2e/%2e%2e/etc/passwd'],
    ['GET', '/api/v1/health/..'],
    ['GET', '/api/v1/%E6%88%B7%E7%BB%84'],
    ['GET', '/api/v1/%C3%28'],
    ['POST', '/api/v1/client-errors?x=1', { json: { message: 'x' } }],
    ['POST', CE, { body: Buffer.from([0, 1, 2, 3, 255]), headers: { 'content-type': 'application/json' } }],
    ['POST', CE, { body: '{"message":"\\u0000', headers: { 'content-type': 'application/json' } }],
    ['POST', CE, { body: '{"message":"\\', headers: { 'content-type': 'application/json' } }],
    ['POST', CE, { body: `{${'"k":1,'.repeat(5000)}"message":"x"}`, headers: { 'content-type': 'application/json' } }],
    ['POST', CE, { body: `{"message":[${'1,'.repeat(20000)}1]}`, headers: { 'content-type': 'application/json' } }],
    ['POST', CE, { body: ']'.repeat(50) + '['.repeat(50), headers: { 'content-type': 'application/json' } }],
    ['POST', CE, { body: '{"message":"x"}', headers: { 'content-type': 'application/json; charset=' } }],
    ['POST', CE, { body: '{"message":"x"}', headers: { 'content-type': 'application/json;' } }],
    ['POST', CE, { json: { message: 'x' }, headers: { 'content-type': `application/json; ${'a'.repeat(4000)}` } }],
    ['POST', CE, { json: { message: 'x' }, headers: { authorization: 'Bearer ' + 'x'.repeat(3000) } }],
    ['GET', '/api/v1/version', { headers: { 'x-request-id': 'evil"\\' } }],
    ['BREW', '/api/v1/health'],
    ['HEAD', CE],
    ['OPTIONS', '/api/nope'],
  ];
  const bad = [];
  for (const [m, p, o] of odd) {
    let res;
    try {
      res = await request(m, p, o);
    } catch (e) {
      bad.push(`${m} ${p.slice(0, 60)}: ${e.message}`);
      continue;
    }
    if (res.status >= 500) bad.push(`${m} ${p.slice(0, 60)}: ${res.status} ${res.text.slice(0, 100)}`);
    if (res.status >= 400 && p.startsWith('/api/v1/') && res.json) {
      // Any JSON error is the envelope.
      expectError(res, res.status, res.json.error && res.json.error.code);
    }
  }
  assert.deepEqual(bad, []);
  // Everything above left the pool healthy.
  assert.equal((await request('GET', '/api/v1/health')).status, 200);
});
