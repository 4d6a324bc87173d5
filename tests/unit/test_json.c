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
	assert_int_equal(parse("{\"a\":\"x\\u0000y\"}", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "nul_in_string");
	/* An escaped backslash before "u0000" is not an escape. */
	assert_int_equal(parse("{\"a\":\"\\\\u0000\"}", &code), HZ_OK);
	assert_int_equal(parse("{\"a\":}", &code), HZ_ERR_INVALID);
	/* Raw control bytes inside strings (RFC 8259 §7), NUL included. */
	assert_int_equal(parse("{\"a\":\"x\ty\"}", &code), HZ_ERR_INVALID);
	assert_string_equal(code, "malformed_json");
	assert_int_equal(hz_json_parse("{\"a\":\"x\0y\"}", 11, 4,
	    &(cJSON *){ NULL }, &(struct hz_json_error){ 0 }), HZ_ERR_INVALID);
	/* Outside strings, whitespace is fine. */
	assert_int_equal(parse("{\t\"a\":\n1}", &code), HZ_OK);
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
	assert_int_equal(validate("{\"name\":1,\"age\":\"x\",\"y\":0}", v, errs),
	    3);
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

UNIT_TESTS(unit_arena_setup, unit_arena_teardown,
	cmocka_unit_test(parses_objects_with_trailing_space),
	cmocka_unit_test(refuses_what_cjson_alone_would_let_through),
	cmocka_unit_test(validate_accepts_and_types),
	cmocka_unit_test(validate_refuses_with_field_messages),
	cmocka_unit_test(rules_judge_text_alike_everywhere),
	cmocka_unit_test(rules_judge_numbers_in_query_strings),
	cmocka_unit_test(rules_give_their_message_in_bodies))
