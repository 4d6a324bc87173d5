#include <float.h>
#include <math.h>
#include <stdio.h>

#include "unit.h"

#include "json.h"

static enum hz_status
parse(const char *s, const char **code)
{
	struct hz_json_error e = { NULL, NULL };
	cJSON *j;
	enum hz_status rc = hz_json_parse(s, strlen(s), 4, &j, &e);

	*code = e.code;
	return rc;
}

static void
parses_objects_with_trailing_space(void **state)
{
	const char *code;

	(void)state;
	assert_int_equal(parse("{\"a\":1}", &code), HZ_OK);
	assert_int_equal(parse(" {\"a\":[1,2,{\"b\":\"户\"}]} \r\n", &code), HZ_OK);
	assert_int_equal(parse("{\"a\":\"\\u0041\\n\"}", &code), HZ_OK);
}

static void
refuses_what_cjson_alone_would_let_through(void **state)
{
	const char *code;

	(void)state;
	assert_int_equal(parse("", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "malformed_json");
	assert_int_equal(parse("{\"a\":1} x", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "malformed_json");
	assert_int_equal(parse("{\"a\":1}{}", &code), HZ_ERR_INVALID);
	assert_int_equal(parse("{\"a\":\"\xc3\x28\"}", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "invalid_utf8");
	assert_int_equal(parse("[[[[[1]]]]]", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "too_deep");
	/* Brackets inside strings do not count towards the depth. */
	assert_int_equal(parse("{\"a\":\"[[[[[[[[\"}", &code), HZ_OK);
	assert_int_equal(parse("{\"a\":}", &code), HZ_ERR_INVALID);
	/* Raw control bytes inside strings (RFC 8259 §7), NUL included. */
	assert_int_equal(parse("{\"a\":\"x\ty\"}", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "malformed_json");
	assert_int_equal(hz_json_parse("{\"a\":\"x\0y\"}", 11, 4,
	    &(cJSON *){ NULL }, &(struct hz_json_error){ 0 }), HZ_ERR_INVALID);
	/* Outside strings, whitespace is fine. */
	assert_int_equal(parse("{\t\"a\":\n1}", &code), HZ_OK);
}

/* Inputs written from RFC 8259's grammar, named after JSONTestSuite's
 * cases: y_ must parse, n_ must be malformed_json. Parsed with depth 4. */
struct text {
	const char *s;
	size_t      len;
};
#define T(lit) { lit, sizeof(lit) - 1 }

static const struct text y_cases[] = {
	T("{}"), T("[]"), T("{\"a\":[]}"), T("{\"\":\"\"}"),
	T(" \t\r\n{ \"a\" : 1 , \"b\" : [ 1 , 2 ] } \r\n\t "),
	/* Bare values: valid JSON, refused later as not an object. */
	T("1"), T("\"s\""), T("true"), T("false"), T("null"), T("-0"),
	/* number_*: the grammar's every branch. */
	T("[0,-0,1,-1,10,123456789,0.5,-0.5,1.25e10,1E-2,1e+5,0e0,-0.0E-0]"),
	T("[100000000000000000000000000000000000000000000000000000000000001]"),
	T("[1e999,-1e999,1e-999]"),
	/* string_*: every escape, a surrogate pair, raw UTF-8. */
	T("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"),
	T("[\"\\u0041\\u00e9\\u4E2D\\uFFFF\"]"),
	T("[\"\\uD83D\\uDE00\",\"\\ud834\\udd1e\",\"\\uDBFF\\uDFFF\"]"),
	T("[\"户组 😀\"]"), T("[\"\x7f\"]"), T("[\"\\u001f\\u007f\"]"),
	/* "\\u0000" is a backslash followed by the text u0000. */
	T("{\"a\":\"\\\\u0000\"}"),
	/* Duplicate keys are JSON; the validator refuses them. */
	T("{\"a\":1,\"a\":2}"),
	T("[[[[1]]]]"), T("{\"a\":{\"b\":{\"c\":[]}}}"),
	/* Brackets inside strings do not nest. */
	T("{\"a\":\"[[[[[[[[{{{{\"}"),
};

static const struct text n_cases[] = {
	T(""), T(" "), T("\r\n"),
	/* structure_*: trailing garbage, unclosed, extra closers. */
	T("{\"a\":1} x"), T("{\"a\":1}{}"), T("{\"a\":1}}"), T("[1]]"),
	T("[] []"), T("{"), T("["), T("{\"a\""), T("{\"a\":"), T("[1"),
	T("{\"a\":1"), T("\"abc"), T("{\"a\":}"), T("]"), T("}"),
	/* Trailing, leading and missing commas and colons. */
	T("[1,]"), T("{\"a\":1,}"), T("[,1]"), T("{,}"), T("[1,,2]"),
	T("[1 2]"), T("{\"a\" 1}"), T("{\"a\":1 \"b\":2}"), T("{\"a\"::1}"),
	/* Not JSON: single quotes, bare keys, comments, other literals. */
	T("{'a':1}"), T("['a']"), T("{a:1}"), T("[\"a\" /* c */]"),
	T("// c\n{}"), T("{}/**/"), T("{} # c"), T("[True]"), T("[nul]"),
	T("[tru]"), T("[nulll]"), T("[undefined]"), T("[true false]"),
	/* number_*: NaN and infinities, leading zeros, bare dots, signs. */
	T("[NaN]"), T("[Infinity]"), T("[-Infinity]"), T("[012]"),
	T("[-012]"), T("[00]"), T("[2.]"), T("[-.5]"), T(".5"), T("[+1]"),
	T("[1.e5]"), T("[1e]"), T("[1e+]"), T("[1E-]"), T("[0x10]"),
	T("[1.5.2]"), T("[-]"), T("[--1]"), T("[1_000]"), T("[0.]"),
	T("[1ee2]"), T("[\xef\xbc\x91]"), T("[1,0e]"),
	/* 64 characters: past what cJSON can read (§9 allows limits). */
	T("[1000000000000000000000000000000000000000000000000000000000000000]"),
	/* string_*: bad escapes, raw controls (§7). */
	T("{\"a\":\"Lane\\uZZZZhidden\"}"), T("[\"\\u12\"]"), T("[\"\\u\"]"),
	T("[\"\\u00G0\"]"), T("[\"\\x41\"]"), T("[\"\\a\"]"), T("[\"\\'\"]"),
	T("[\"\\U0041\"]"), T("[\"\\\"]"), T("[\"\\"), T("[\"a\tb\"]"),
	T("[\"a\nb\"]"), T("[\"\x1f\"]"), T("[\"a\0b\"]"),
	/* Lone or mis-paired surrogate escapes are not UTF-16. */
	T("[\"\\uD800\"]"), T("[\"\\uDC00\"]"), T("[\"\\uDFFF\\uD800\"]"),
	T("[\"\\uD800\\u0041\"]"), T("[\"\\uD800x\"]"), T("[\"\\uDBFF\\uDBFF\"]"),
	T("[\"\\uD800\\\"]"), T("[\"\\uD800\\n\"]"), T("[\"a\\uD83D\"]"),
	/* Whitespace is space, tab, LF and CR only: not controls, not a
	 * BOM, not U+00A0. */
	T("\xef\xbb\xbf{}"), T("{\x01\"a\":1}"), T("\x0c{}"), T("{}\x0b"),
	T("[1,\x00" "2]"), T("{\"a\":1}\0"), T("\0{}"), T("[\xc2\xa0]"),
	T("{\"a\":1}\x1f"),
};

static void
parses_what_rfc_8259_calls_json(void **state)
{
	struct hz_json_error e;
	cJSON *j;

	(void)state;
	for (size_t i = 0; i < sizeof(y_cases) / sizeof(*y_cases); i++) {
		e.code = NULL;
		if (hz_json_parse(y_cases[i].s, y_cases[i].len, 4, &j, &e)
		    != HZ_OK)
			fail_msg("y_ case %zu refused (%s): %s", i, e.code,
			    y_cases[i].s);
		assert_false(hz_json_nul(j));
	}
}

static void
refuses_what_is_not_json(void **state)
{
	struct hz_json_error e;
	cJSON *j;

	(void)state;
	for (size_t i = 0; i < sizeof(n_cases) / sizeof(*n_cases); i++) {
		e.code = NULL;
		if (hz_json_parse(n_cases[i].s, n_cases[i].len, 4, &j, &e)
		    != HZ_ERR_INVALID)
			fail_msg("n_ case %zu parsed: %s", i, n_cases[i].s);
		assert_null(j);
		if (strcmp(e.code, "malformed_json") != 0)
			fail_msg("n_ case %zu: %s, not malformed_json: %s", i,
			    e.code, n_cases[i].s);
		assert_non_null(strstr(e.message, "请求体"));
	}
}

static void
refuses_deep_nesting_as_too_deep(void **state)
{
	char deep[20001];
	const char *code;

	(void)state;
	assert_int_equal(parse("[[[[1]]]]", &code), HZ_OK);
	assert_int_equal(parse("[[[[[1]]]]]", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "too_deep");
	assert_int_equal(parse("{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}", &code),
	    HZ_ERR_INVALID);
	assert_string_equal(code, "too_deep");
	/* Unclosed and deep: the depth is what is reported, and the
	 * recursion stops there. */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	assert_int_equal(parse(deep, &code), HZ_ERR_INVALID);
	assert_string_equal(code, "too_deep");
	/* Malformed before it gets deep: malformed. */
	assert_int_equal(parse("[[1,]]", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "malformed_json");
}

/* "\u0000" is JSON, so the body parses; but cJSON would cut the string at
 * the NUL. It is read as U+FFFD and the top-level member is marked. */
static void
nul_escapes_are_marked_not_truncated(void **state)
{
	static const char text[] = "{\"a\":\"x\\u0000y\",\"b\":\"ok\","
	    "\"c\":[{\"d\":\"\\u0000\"}],\"e\\u0000\":1,\"f\":\"\\\\u0000\"}";
	char copy[sizeof(text)];
	struct hz_json_error e;
	cJSON *j, *n;

	(void)state;
	memcpy(copy, text, sizeof(text));
	assert_int_equal(hz_json_parse(copy, strlen(copy), 4, &j, &e), HZ_OK);
	/* The caller's text is left as it was. */
	assert_memory_equal(copy, text, sizeof(text));
	assert_true(hz_json_nul(j));
	n = j->child;
	assert_string_equal(n->string, "a");
	assert_true(hz_json_nul(n));
	assert_true(cJSON_IsString(n));
	assert_string_equal(n->valuestring, "x\xef\xbf\xbdy");
	assert_false(hz_json_nul(n = n->next));
	assert_string_equal(n->valuestring, "ok");
	assert_true(hz_json_nul(n = n->next));
	assert_true(cJSON_IsArray(n));
	assert_true(hz_json_nul(n = n->next));
	assert_string_equal(n->string, "e\xef\xbf\xbd");
	assert_false(hz_json_nul(n = n->next));
	assert_string_equal(n->valuestring, "\\u0000");
	/* Outside an object only the root is marked. */
	assert_int_equal(hz_json_parse("[\"\\u0000\"]", 10, 4, &j, &e), HZ_OK);
	assert_true(hz_json_nul(j));
	assert_false(hz_json_nul(j->child));
	assert_int_equal(hz_json_parse("\"\\u0000\"", 8, 4, &j, &e), HZ_OK);
	assert_true(hz_json_nul(j));
	assert_false(hz_json_nul(NULL));
	/* A NUL does not excuse what else is wrong. */
	assert_int_equal(hz_json_parse("{\"a\":\"\\u0000\",}", 15, 4, &j, &e),
	    HZ_ERR_INVALID);
	assert_string_equal(e.code, "malformed_json");
}

enum { F_NAME, F_AGE, F_OK, F_NOTE };
static const struct hz_field fields[] = {
	[F_NAME] = { "name", HZ_RULE(HZ_F_STRING, 1, 4), HZ_REQUIRED },
	[F_AGE]  = { "age", HZ_RULE(HZ_F_INT, 0, 150), 0 },
	[F_OK]   = { "ok", HZ_RULE(HZ_F_BOOL, 0, 0), 0 },
	[F_NOTE] = { "note", HZ_RULE(HZ_F_STRING, 0, 10, .flags = HZ_MULTILINE), 0 },
	{ NULL, NULL, 0 },
};

static size_t
validate(const char *s, struct hz_value *v, struct hz_field_error *errs)
{
	struct hz_json_error e;
	cJSON *j;
	size_t n = 99;

	assert_int_equal(hz_json_parse(s, strlen(s), 8, &j, &e), HZ_OK);
	hz_json_validate(unit_arena, j, fields, v, errs, 8, &n);
	return n;
}

static void
validate_accepts_and_types(void **state)
{
	struct hz_value v[HZ_MAX_FIELDS];
	struct hz_field_error errs[8];

	(void)state;
	assert_int_equal(validate("{\"name\":\"张三丰\",\"age\":42,\"ok\":true,"
	    "\"note\":\"a\\nb\"}", v, errs), 0);
	assert_string_equal(v[F_NAME].s, "张三丰");
	assert_true(v[F_AGE].present);
	assert_int_equal(v[F_AGE].i, 42);
	assert_true(v[F_OK].b);
	assert_string_equal(v[F_NOTE].s, "a\nb");
	/* Four CJK characters is four, not twelve bytes. */
	assert_int_equal(validate("{\"name\":\"城中村民\"}", v, errs), 0);
	/* null is absent. */
	assert_int_equal(validate("{\"name\":\"a\",\"age\":null}", v, errs), 0);
	assert_false(v[F_AGE].present);
}

static void
validate_refuses_with_field_messages(void **state)
{
	struct hz_value v[HZ_MAX_FIELDS];
	struct hz_field_error errs[8];

	(void)state;
	assert_int_equal(validate("{}", v, errs), 1);
	assert_string_equal(errs[0].field, "name");
	assert_string_equal(errs[0].message, "必填");
	assert_int_equal(validate("{\"name\":null}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"abcde\"}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"\"}", v, errs), 1);
	assert_int_equal(validate("{\"name\":1}", v, errs), 1);
	assert_string_equal(errs[0].message, "应为字符串");
	assert_int_equal(validate("{\"name\":\"a\",\"x\":1}", v, errs), 1);
	assert_string_equal(errs[0].field, "x");
	assert_int_equal(validate("{\"name\":\"a\",\"name\":\"b\"}", v, errs), 1);
	assert_string_equal(errs[0].message, "字段重复");
	assert_int_equal(validate("{\"name\":\"a\",\"age\":1.5}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"a\",\"age\":151}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"a\",\"age\":-1}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"a\",\"age\":\"3\"}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"a\",\"age\":1e300}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"a\",\"ok\":1}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"a\\nb\"}", v, errs), 1);
	assert_string_equal(errs[0].message, "含有不允许的控制字符");
	assert_int_equal(validate("{\"name\":\"a\",\"note\":\"\\u0007\"}", v,
	    errs), 1);
	/* C1 controls (U+0085 NEL...) count as control characters. */
	assert_int_equal(validate("{\"name\":\"a\xc2\x85\"}", v, errs), 1);
	assert_int_equal(validate("{\"name\":\"a\\u0085\"}", v, errs), 1);
	assert_int_equal(validate("[1]", v, errs), 1);
	assert_string_equal(errs[0].message, "请求体应为 JSON 对象");
	assert_int_equal(validate("\"\\u0000\"", v, errs), 1);
	assert_string_equal(errs[0].message, "请求体应为 JSON 对象");
	assert_int_equal(validate("{\"name\":1,\"age\":\"x\",\"y\":0}", v, errs),
	    3);
}

/* \u0000 is refused by policy, as a field error on the top-level key that
 * held it, anywhere beneath. */
static void
validate_refuses_nul_on_its_field(void **state)
{
	struct hz_value v[HZ_MAX_FIELDS];
	struct hz_field_error errs[8];

	(void)state;
	assert_int_equal(validate("{\"name\":\"a\\u0000b\"}", v, errs), 1);
	assert_string_equal(errs[0].field, "name");
	assert_string_equal(errs[0].message, "不能包含空字符");
	assert_false(v[F_NAME].present);
	assert_int_equal(validate("{\"name\":\"a\",\"note\":\"\\u0000\"}", v,
	    errs), 1);
	assert_string_equal(errs[0].field, "note");
	assert_string_equal(errs[0].message, "不能包含空字符");
	/* Nested, and in the wrong type: the NUL is what is said. */
	assert_int_equal(validate("{\"name\":\"a\",\"note\":[{\"x\":"
	    "\"\\u0000\"}]}", v, errs), 1);
	assert_string_equal(errs[0].field, "note");
	assert_string_equal(errs[0].message, "不能包含空字符");
	/* In a key: that key, never the field its prefix would name. */
	assert_int_equal(validate("{\"name\":\"a\",\"age\\u0000x\":1}", v, errs),
	    1);
	assert_string_equal(errs[0].field, "age\xef\xbf\xbdx");
	assert_string_equal(errs[0].message, "不能包含空字符");
	assert_false(v[F_AGE].present);
	/* Others are judged as usual; a required field with a NUL is not
	 * also "必填". */
	assert_int_equal(validate("{\"name\":\"\\u0000\",\"age\":999}", v, errs),
	    2);
	assert_string_equal(errs[0].field, "name");
	assert_string_equal(errs[1].field, "age");
}

/* Bidirectional controls and invisible characters break string rules;
 * emoji, CJK and variation selectors do not. */
static void
validate_refuses_hidden_characters(void **state)
{
	static const char *const bad[] = {
		"a\\u202eb", "\xe2\x80\xae", "\\u202a", "\\u202b", "\\u202c",
		"\\u202d", "\\u2066", "\\u2067", "\\u2068", "\\u2069",
		"\\u200b", "\\u200c", "\\u200e", "\\u200f", "\\u061c",
		"a\\u2028", "a\\u2029", "\\ufeffa", "a\\u00adb", "\\u2060",
		"\\u3164", "\\uDB40\\uDC41",
		/* U+200D only between pictographs; tags only in a flag. */
		"张\\u200d三", "😀\\u200d", "\\u200d😀", "a\\uDB40\\uDC7F",
	};
	static const char *const good[] = {
		"张三丰", "😀", "👨‍👩‍👧", "❤️", "🏳️‍🌈", "🇨🇳", "𠀀𪚥",
		"\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81"
		"\xa5\xf3\xa0\x81\xae\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf",
		"葛\xf3\xa0\x84\x80", "a\\u00a0b",
	};
	struct hz_value v[HZ_MAX_FIELDS];
	struct hz_field_error errs[8];
	char body[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(body, sizeof(body), "{\"name\":\"a\",\"note\":\"%s\"}",
		    bad[i]);
		if (validate(body, v, errs) != 1)
			fail_msg("accepted: %s", bad[i]);
		assert_string_equal(errs[0].field, "note");
		assert_string_equal(errs[0].message,
		    "含有不允许的不可见字符或方向控制字符");
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		snprintf(body, sizeof(body), "{\"name\":\"a\",\"note\":\"%s\"}",
		    good[i]);
		if (validate(body, v, errs) != 0)
			fail_msg("refused: %s: %s", good[i], errs[0].message);
	}
	/* The same verdict for core's own checks. */
	assert_false(hz_rule_ok(fields[F_NAME].rule, "a\xe2\x80\xae", false));
	assert_false(hz_rule_ok(fields[F_NAME].rule, "\xe2\x80\x8b", false));
	assert_true(hz_rule_ok(fields[F_NAME].rule, "张三", false));
}

/* A required text of nothing but spaces says nothing: refused in the
 * body, the query and core alike; spaces around words are kept. */
static void
validate_refuses_blank_required_text(void **state)
{
	static const char *const blank[] = { " ", "   ", "\u3000", " \u3000 " };
	struct hz_value v[F_NOTE + 1];
	struct hz_field_error errs[8];
	char body[128];

	(void)state;
	for (size_t i = 0; i < sizeof(blank) / sizeof(*blank); i++) {
		snprintf(body, sizeof(body), "{\"name\":\"%s\"}", blank[i]);
		if (validate(body, v, errs) == 0)
			fail_msg("accepted: '%s'", blank[i]);
		assert_string_equal(errs[0].field, "name");
		assert_string_equal(errs[0].message, "不能只填空格");
	}
	assert_int_equal(validate("{\"name\":\" 张三 \"}", v, errs), 0);
	assert_false(hz_rule_ok(fields[F_NAME].rule, "  ", false));
	assert_false(hz_rule_ok(fields[F_NAME].rule, "\xe3\x80\x80", false));
	assert_true(hz_rule_ok(fields[F_NAME].rule, " 张三", false));
	/* An optional text (minimum 0) may be left as spaces. */
	assert_true(hz_rule_ok(HZ_RULE(HZ_F_STRING, 0, 4), "  ", false));
}

static const char *const colours[] = { "red", "green", "blue", NULL };
static const struct hz_rule colour = { HZ_F_ENUM, 0, 0, NULL, colours };
static const struct hz_rule code = { HZ_F_STRING, 1, 8, "只能用字母和 -",
    .chars = HZ_CHARS_ALNUM "-" };
static const struct hz_rule small = { HZ_F_INT, 1, 32 };

/* One rule, three uses: the body validator, the query validator and
 * core's own checks give the same verdict and the same words. */
static void
rules_judge_text_alike_everywhere(void **state)
{
	struct hz_value v;

	(void)state;
	/* Enums: the message is made from the values. */
	assert_true(hz_rule_ok(&colour, "green", false));
	assert_false(hz_rule_ok(&colour, "Green", false));
	assert_string_equal(hz_value_check(unit_arena, &colour, "pink", &v),
	    "应为 red、green 或 blue");
	assert_false(v.present);
	assert_null(hz_value_check(unit_arena, &colour, "blue", &v));
	assert_true(v.present);
	/* Allowed characters. */
	assert_true(hz_rule_ok(&code, "B-12", false));
	assert_false(hz_rule_ok(&code, "B 12", false));
	assert_false(hz_rule_ok(&code, "楼-1", false));
	assert_string_equal(hz_value_check(unit_arena, &code, "a_b", &v),
	    "只能用字母和 -");
	assert_string_equal(hz_value_check(unit_arena, &code, "123456789", &v),
	    "只能用字母和 -");
	/* NULL passes only where the value is optional. */
	assert_true(hz_rule_ok(&code, NULL, true));
	assert_false(hz_rule_ok(&code, NULL, false));
	/* Dates are calendar dates; phones are mainland mobiles. */
	assert_true(hz_rule_ok(&hz_rule_date, "2024-02-29", false));
	assert_false(hz_rule_ok(&hz_rule_date, "2023-02-29", false));
	assert_false(hz_rule_ok(&hz_rule_date, "2024-2-9", false));
	assert_true(hz_rule_ok(&hz_rule_phone, "13912345678", false));
	assert_false(hz_rule_ok(&hz_rule_phone, "12912345678", false));
	assert_false(hz_rule_ok(&hz_rule_phone, "1391234567", false));
	assert_string_equal(hz_value_check(unit_arena, &hz_rule_phone, "110", &v),
	    hz_rule_phone.message);
}

static void
rules_judge_numbers_in_query_strings(void **state)
{
	struct hz_value v;

	(void)state;
	assert_null(hz_value_check(unit_arena, &hz_rule_id, "42", &v));
	assert_int_equal(v.i, 42);
	assert_string_equal(hz_value_check(unit_arena, &hz_rule_id, "0", &v),
	    "应为正整数编号");
	assert_string_equal(hz_value_check(unit_arena, &hz_rule_id, "9007199254740992",
	    &v), "应为正整数编号");
	assert_string_equal(hz_value_check(unit_arena, &hz_rule_id, "+1", &v),
	    "应为正整数编号");
	assert_null(hz_value_check(unit_arena, &small, "32", &v));
	assert_string_equal(hz_value_check(unit_arena, &small, "33", &v),
	    "应为 1 至 32 之间的整数");
	assert_string_equal(hz_value_check(unit_arena, &small, "x", &v),
	    "应为 1 至 32 之间的整数");
}

/* A JSON body checked against the same rules: the rule's message when
 * the value is of the right type, the validator's when it is not. */
static void
rules_give_their_message_in_bodies(void **state)
{
	static const struct hz_field f[] = {
		{ "colour", &colour, HZ_REQUIRED },
		{ "code", &code, 0 },
		{ "day", &hz_rule_date, 0 },
		{ NULL, NULL, 0 },
	};
	struct hz_value v[4];
	struct hz_field_error e[4];
	struct hz_json_error je;
	cJSON *j;
	size_t n;

	(void)state;
	assert_int_equal(hz_json_parse("{\"colour\":\"pink\",\"code\":\"a b\","
	    "\"day\":7}", 38, 8, &j, &je), HZ_OK);
	assert_int_equal(hz_json_validate(unit_arena, j, f, v, e, 4, &n),
	    HZ_ERR_INVALID);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].field, "colour");
	assert_string_equal(e[0].message, "应为 red、green 或 blue");
	assert_string_equal(e[1].message, "只能用字母和 -");
	assert_string_equal(e[2].field, "day");
	assert_string_equal(e[2].message, "应为字符串");
}

/* An array of values (ids) rather than objects: each item by `item`. */
static void
validate_arrays_of_values(void **state)
{
	const struct hz_rule ids = { HZ_F_ARRAY, 0, 3, NULL,
	    .item = &hz_rule_id };
	const struct hz_field table[] = {
		{ "ids", &ids, 0 },
		{ NULL, NULL, 0 },
	};
	struct hz_value v[HZ_MAX_FIELDS];
	struct hz_field_error errs[4];
	size_t n;
	cJSON *j;
	struct hz_json_error e;
	const char *ok[] = { "{\"ids\":[]}", "{\"ids\":[1,2,9007199254740991]}" };
	const char *bad[] = { "{\"ids\":[0]}", "{\"ids\":[\"1\"]}",
	    "{\"ids\":[1.5]}", "{\"ids\":[{}]}", "{\"ids\":[null]}",
	    "{\"ids\":[1,2,3,4]}", "{\"ids\":[9007199254740992]}",
	    "{\"ids\":1}" };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(hz_json_parse(ok[i], strlen(ok[i]), 8, &j, &e),
		    HZ_OK);
		assert_int_equal(hz_json_validate(unit_arena, j, table, v, errs,
		    4, &n), HZ_OK);
	}
	assert_int_equal(v[0].i, 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hz_json_parse(bad[i], strlen(bad[i]), 8, &j,
		    &e), HZ_OK);
		assert_int_equal(hz_json_validate(unit_arena, j, table, v, errs,
		    4, &n), HZ_ERR_INVALID);
		assert_string_equal(errs[0].field, "ids");
	}
}

/* hz_json_print against cJSON_PrintUnformatted: the same bytes. */
static void
assert_prints_as_cjson(const cJSON *item)
{
	struct hz_buf b;
	char *want = cJSON_PrintUnformatted(item);

	hz_buf_init(&b, unit_arena);
	assert_non_null(want);
	assert_true(hz_json_print(&b, item));
	assert_non_null(b.data);
	assert_string_equal(b.data, want);
}

static const char *
number(double d)
{
	struct hz_buf b;

	hz_buf_init(&b, unit_arena);
	hz_json_put_number(&b, d);
	assert_false(b.oom);
	return b.data;
}

static void
fmt_i64_prints_every_integer(void **state)
{
	char s[HZ_I64_CHARS];

	(void)state;
	assert_int_equal(hz_fmt_i64(s, 0), 1);
	assert_string_equal(s, "0");
	assert_int_equal(hz_fmt_i64(s, 7), 1);
	assert_string_equal(s, "7");
	assert_int_equal(hz_fmt_i64(s, -1), 2);
	assert_string_equal(s, "-1");
	assert_int_equal(hz_fmt_i64(s, 1234567890), 10);
	assert_string_equal(s, "1234567890");
	assert_int_equal(hz_fmt_i64(s, -1000), 5);
	assert_string_equal(s, "-1000");
	assert_int_equal(hz_fmt_i64(s, INT64_MAX), 19);
	assert_string_equal(s, "9223372036854775807");
	assert_int_equal(hz_fmt_i64(s, INT64_MIN), 20);
	assert_string_equal(s, "-9223372036854775808");
	assert_int_equal(hz_fmt_i64(s, 9007199254740992LL), 16);
	assert_string_equal(s, "9007199254740992");
	assert_int_equal(hz_fmt_i64(s, -9007199254740993LL), 17);
	assert_string_equal(s, "-9007199254740993");
}

static void
numbers_print_as_cjson_prints_them(void **state)
{
	static const double cases[] = {
		0, -0.0, 1, -1, 42, -42, 999999999999999, -999999999999999,
		1e17, 1e20, 1e300, -1e300, 18014398509481988.0,
		(double)INT64_MAX, (double)INT64_MIN, 2147483647, 2147483648.0,
		-2147483649.0, 0.5, -0.5, 0.1, 1.0 / 3, 2.0 / 3, 3.14159,
		1e-7, -1e-300, 123.456, 1.5e15 + 0.5, 4.9e-324, DBL_MAX, DBL_MIN,
		12345678.9, 0.30000000000000004, 100.25, 5e-324,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_prints_as_cjson(cJSON_CreateNumber(cases[i]));
	/* Integers print their digits, whatever their size below 1e15. */
	for (double d = 1; d < 1e15; d = d * 3 + 1) {
		assert_prints_as_cjson(cJSON_CreateNumber(d));
		assert_prints_as_cjson(cJSON_CreateNumber(-d));
	}
	assert_string_equal(number(0), "0");
	assert_string_equal(number(-0.0), "-0");
	assert_string_equal(number(-17), "-17");
	assert_string_equal(number(999999999999999), "999999999999999");
	assert_string_equal(number(9007199254740992.0), "9007199254740992");
	/* From 1e15 to 2^53, whole where cJSON would cut digits. */
	assert_string_equal(number(1e15), "1000000000000000");
	assert_string_equal(number(-1e15 - 1), "-1000000000000001");
	assert_string_equal(number(-9007199254740992.0), "-9007199254740992");
	assert_string_equal(number(9007199254740991.0), "9007199254740991");
	/* Beyond 2^53 a double is no exact integer: cJSON's way. */
	assert_string_equal(number(18014398509481988.0), "18014398509481988");
	assert_string_equal(number(1e20), "1e+20");
	assert_string_equal(number(1.5e15 + 0.5), "1500000000000000.5");
	assert_string_equal(number(0.5), "0.5");
	assert_string_equal(number(0.1), "0.1");
	assert_string_equal(number(-2.25), "-2.25");
	assert_string_equal(number(1.0 / 3), "0.33333333333333331");
	assert_string_equal(number((double)INT64_MAX), "9.2233720368547758e+18");
	assert_string_equal(number(NAN), "null");
	assert_string_equal(number(INFINITY), "null");
	assert_string_equal(number(-INFINITY), "null");
}

static void
trees_print_as_cjson_prints_them(void **state)
{
	cJSON *o = cJSON_CreateObject(), *a, *u;

	(void)state;
	assert_prints_as_cjson(o);
	assert_prints_as_cjson(cJSON_CreateArray());
	assert_non_null(cJSON_AddNumberToObject(o, "id", 4));
	assert_non_null(cJSON_AddStringToObject(o, "name", "栋长 \"一\"\\\n\t\r\b\f\x01\x1f\x7f 😀"));
	assert_non_null(cJSON_AddStringToObject(o, "", ""));
	assert_non_null(cJSON_AddNullToObject(o, "username"));
	assert_non_null(cJSON_AddBoolToObject(o, "t", 1));
	assert_non_null(cJSON_AddBoolToObject(o, "f", 0));
	assert_non_null(cJSON_AddNumberToObject(o, "ratio", 0.25));
	assert_non_null(a = cJSON_AddArrayToObject(o, "roles"));
	for (int i = 0; i < 3; i++) {
		assert_true(cJSON_AddItemToArray(a, u = cJSON_CreateObject()));
		assert_non_null(cJSON_AddNumberToObject(u, "id", i * 1000003));
		assert_non_null(cJSON_AddItemToObject(u, "e", cJSON_CreateArray()));
		assert_true(cJSON_AddItemToArray(a, cJSON_CreateNumber(-i)));
	}
	assert_non_null(cJSON_AddItemToObject(o, "raw", cJSON_CreateRaw("[1, 2]")));
	assert_non_null(cJSON_AddStringToObject(o, "k\"\x02", "v"));
	assert_prints_as_cjson(o);
	assert_prints_as_cjson(a);
	assert_prints_as_cjson(cJSON_CreateString(""));
	assert_prints_as_cjson(cJSON_CreateNull());
}

static void
print_refuses_what_cjson_refuses(void **state)
{
	struct hz_buf b;
	cJSON bad = { 0 }, raw = { 0 };

	(void)state;
	hz_buf_init(&b, unit_arena);
	assert_false(hz_json_print(&b, NULL));
	bad.type = cJSON_Invalid;
	assert_null(cJSON_PrintUnformatted(&bad));
	assert_false(hz_json_print(&b, &bad));
	raw.type = cJSON_Raw;
	assert_null(cJSON_PrintUnformatted(&raw));
	assert_false(hz_json_print(&b, &raw));
}

UNIT_TESTS(unit_arena_setup, unit_arena_teardown,
	cmocka_unit_test(parses_objects_with_trailing_space),
	cmocka_unit_test(validate_arrays_of_values),
	cmocka_unit_test(refuses_what_cjson_alone_would_let_through),
	cmocka_unit_test(parses_what_rfc_8259_calls_json),
	cmocka_unit_test(refuses_what_is_not_json),
	cmocka_unit_test(refuses_deep_nesting_as_too_deep),
	cmocka_unit_test(nul_escapes_are_marked_not_truncated),
	cmocka_unit_test(validate_accepts_and_types),
	cmocka_unit_test(validate_refuses_with_field_messages),
	cmocka_unit_test(validate_refuses_blank_required_text),
	cmocka_unit_test(validate_refuses_nul_on_its_field),
	cmocka_unit_test(validate_refuses_hidden_characters),
	cmocka_unit_test(rules_judge_text_alike_everywhere),
	cmocka_unit_test(rules_judge_numbers_in_query_strings),
	cmocka_unit_test(rules_give_their_message_in_bodies),
	cmocka_unit_test(fmt_i64_prints_every_integer),
	cmocka_unit_test(numbers_print_as_cjson_prints_them),
	cmocka_unit_test(trees_print_as_cjson_prints_them),
	cmocka_unit_test(print_refuses_what_cjson_refuses))
