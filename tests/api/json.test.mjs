// The JSON front is strict: what is not RFC 8259 JSON is 400
// malformed_json; valid JSON refused by policy (\u0000, bidirectional and
// invisible characters) is 422 on its field. Cases are named after
// JSONTestSuite's y_ (must parse) and n_ (must not).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { request, postRaw, expectError, expectInvalid } from './lib.mjs';

const CE = '/api/v1/client-errors';
const LOGIN = '/api/v1/auth/login';

const postTo = (path, body) =>
  request('POST', path, { body, headers: { 'content-type': 'application/json' } });

describe('n_: what is not JSON is 400 malformed_json', () => {
  const cases = {
    n_string_invalid_unicode_escape: '{"message":"Lane\\uZZZZhidden"}',
    n_string_short_unicode_escape: '{"message":"\\u12"}',
    n_string_invalid_escape: '{"message":"\\a"}',
    n_string_escaped_single_quote: '{"message":"\\\'"}',
    n_string_lone_high_surrogate: '{"message":"\\uD800"}',
    n_string_lone_low_surrogate: '{"message":"\\uDC00"}',
    n_string_high_then_letter: '{"message":"\\uD83Dx"}',
    n_string_high_then_high: '{"message":"\\uD83D\\uD83D"}',
    n_string_reversed_pair: '{"message":"\\uDE00\\uD83D"}',
    n_string_raw_tab: '{"message":"a\tb"}',
    n_string_raw_newline: '{"message":"a\nb"}',
    n_string_raw_unit_separator: '{"message":"a\x1fb"}',
    n_number_leading_zero: '{"message":"x","n":012}',
    n_number_neg_leading_zero: '{"message":"x","n":-012}',
    n_number_trailing_dot: '{"message":"x","n":2.}',
    n_number_neg_no_int: '{"message":"x","n":-.5}',
    n_number_no_int: '{"message":"x","n":.5}',
    n_number_plus: '{"message":"x","n":+1}',
    n_number_empty_exponent: '{"message":"x","n":1e}',
    n_number_hex: '{"message":"x","n":0x10}',
    n_number_NaN: '{"message":"x","n":NaN}',
    n_number_Infinity: '{"message":"x","n":Infinity}',
    n_number_minus_Infinity: '{"message":"x","n":-Infinity}',
    n_object_trailing_comma: '{"message":"x",}',
    n_array_trailing_comma: '{"message":"x","n":[1,]}',
    n_array_leading_comma: '{"message":"x","n":[,1]}',
    n_object_single_quotes: "{'message':'x'}",
    n_object_unquoted_key: '{message:"x"}',
    n_object_missing_colon: '{"message" "x"}',
    n_object_comment: '{"message":"x" /* c */}',
    n_structure_line_comment: '// c\n{"message":"x"}',
    n_structure_trailing_garbage: '{"message":"x"}x',
    n_structure_two_values: '{"message":"x"}{}',
    n_structure_unclosed: '{"message":"x"',
    n_literal_capital: '{"message":"x","n":True}',
    n_literal_truncated: '{"message":"x","n":nul}',
  };
  for (const [name, body] of Object.entries(cases)) {
    test(name, async () => {
      expectError(await postRaw(body), 400, 'malformed_json');
    });
  }

  test('n_structure_UTF8_BOM: a BOM is not whitespace', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"message":"x"}')]);
    expectError(await postRaw(body), 400, 'malformed_json');
  });

  test('n_structure_control_whitespace: only space, tab, LF and CR are whitespace', async () => {
    for (const c of [0x00, 0x01, 0x0b, 0x0c, 0x1f, 0x7f]) {
      const body = Buffer.concat([Buffer.from('{'), Buffer.from([c]), Buffer.from('"message":"x"}')]);
      expectError(await postRaw(body), 400, 'malformed_json');
      const after = Buffer.concat([Buffer.from('{"message":"x"}'), Buffer.from([c])]);
      expectError(await postRaw(after), 400, 'malformed_json');
    }
    // U+00A0 and U+3000 are not whitespace either.
    expectError(await postRaw('\u00a0{"message":"x"}'), 400, 'malformed_json');
    expectError(await postRaw('{"message":"x"}\u3000'), 400, 'malformed_json');
  });

  test('n_string_raw_NUL: a raw NUL in a string is not JSON', async () => {
    expectError(await postRaw(Buffer.from('{"message":"a\0b"}', 'latin1')), 400, 'malformed_json');
  });

  test('deep nesting is too_deep, even unclosed', async () => {
    expectError(await postRaw(`{"message":"x","n":${'['.repeat(40)}${']'.repeat(40)}}`), 400, 'too_deep');
    expectError(await postRaw('['.repeat(5000)), 400, 'too_deep');
  });

  test('the login route is as strict', async () => {
    for (const body of [
      '{"username":"admin","password":"Lane\\uZZZZ"}', '{"username":"admin","password":"x",}',
      "{'username':'admin','password':'x'}", '{"username":"admin","password":"\\uD800"}',
    ]) {
      expectError(await postTo(LOGIN, body), 400, 'malformed_json');
    }
  });
});

describe('y_: valid JSON reaches validation', () => {
  test('y_ bodies are accepted', async () => {
    for (const body of [
      '{"message":"x"}', ' \t\r\n{ "message" : "x" } \r\n',
      '{"message":"\\u0041\\u00e9\\u4E2D\\/\\"\\\\"}',
      '{"message":"\\uD83D\\uDE00 \\ud834\\udd1e"}',
      '{"message":"户组 😀"}',
    ]) {
      const res = await postRaw(body);
      assert.equal(res.status, 204, `${body}: HTTP ${res.status} ${res.text}`);
    }
  });

  test('y_ numbers the grammar allows are judged by the field, not the parser', async () => {
    for (const n of ['0', '-0', '1.5', '-0.5e+10', '1E-2', '0e0', '1e999']) {
      expectInvalid(await postRaw(`{"message":"x","n":${n}}`), ['n']);
    }
  });

  test('y_ bare values and arrays parse, then are refused as not an object', async () => {
    for (const body of ['1', '"x"', 'true', 'null', '[]', '[{"message":"x"}]']) {
      const e = expectInvalid(await postRaw(body), ['_body']);
      assert.equal(e.fields._body, '请求体应为 JSON 对象');
    }
  });
});

describe('\\u0000 is valid JSON, refused by policy on its field (422)', () => {
  test('the field that holds it is named, and the value is not stored cut short', async () => {
    let e = expectInvalid(await postRaw('{"message":"Lane\\u0000hidden"}'), ['message']);
    assert.equal(e.fields.message, '不能包含空字符');
    e = expectInvalid(await postRaw('{"message":"x","page":"\\u0000"}'), ['page']);
    assert.equal(e.fields.page, '不能包含空字符');
    // Nested under a key: the top-level key is named.
    expectInvalid(await postRaw('{"message":"x","stack":["a",{"b":"\\u0000"}]}'), ['stack']);
    // Others are judged as usual.
    expectInvalid(await postRaw('{"message":"\\u0000","page":1}'), ['message', 'page']);
    // An escaped backslash then the text u0000 is no NUL.
    assert.equal((await postRaw('{"message":"\\\\u0000"}')).status, 204);
  });

  test('on the login route too', async () => {
    const e = expectInvalid(await postTo(LOGIN, '{"username":"admin","password":"huzu\\u0000"}'),
      ['password']);
    assert.equal(e.fields.password, '不能包含空字符');
  });
});

describe('bidirectional controls and invisible characters are refused (422)', () => {
  test('in text fields', async () => {
    for (const c of ['\u202e', '\u202a', '\u202d', '\u2066', '\u2069', '\u200b', '\u200e', '\u200f',
      '\u061c', '\u2028', '\u2029', '\ufeff', '\u00ad', '\u2060', '\u3164', '\u{e0041}']) {
      for (const field of ['message', 'page', 'stack']) {
        const json = { message: 'x', [field]: `a${c}b` };
        const e = expectInvalid(await request('POST', CE, { json }), [field]);
        assert.equal(e.fields[field], '含有不允许的不可见字符或方向控制字符',
          `U+${c.codePointAt(0).toString(16)} in ${field}`);
      }
    }
    // Escaped in JSON or raw: the same.
    expectInvalid(await postRaw('{"message":"evil\\u202Etxt.exe"}'), ['message']);
    // A zero-width joiner between two ideographs hides; in emoji it joins.
    expectInvalid(await request('POST', CE, { json: { message: '张\u200d三' } }), ['message']);
  });

  test('emoji, CJK and variation selectors pass', async () => {
    for (const message of ['😀👨‍👩‍👧‍👦 🇨🇳', '🏳️‍🌈 ❤️‍🔥 🧑‍⚕️', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '𠀀𪚥 葛\u{e0100}', '张三丰', 'a\u00a0b']) {
      const res = await request('POST', CE, { json: { message } });
      assert.equal(res.status, 204, `${message}: ${res.text}`);
    }
  });
});
