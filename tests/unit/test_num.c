#include "unit.h"

#include "num.h"
#include "utf8.h"

static void
parses_plain_digits_within_bounds(void **state)
{
	int64_t v;

	(void)state;
	assert_true(hz_parse_i64z("0", 0, 10, &v));
	assert_int_equal(v, 0);
	assert_true(hz_parse_i64z("9223372036854775807", 0, INT64_MAX, &v));
	assert_int_equal(v, INT64_MAX);
	assert_true(hz_parse_i64z("-9223372036854775808", INT64_MIN, 0, &v));
	assert_true(v == INT64_MIN);
	assert_true(hz_parse_i64("123abc", 3, 0, 1000, &v));
	assert_int_equal(v, 123);
}

static void
refuses_what_atoi_would_accept(void **state)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "+1", "0x10", "1e3", "12abc", "9223372036854775808",
		"-", "--1", "1.0", "\t5",
	};
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(hz_parse_i64z(bad[i], INT64_MIN, INT64_MAX, &v));
	assert_false(hz_parse_i64z("-1", 0, 10, &v));
	assert_false(hz_parse_i64z("11", 0, 10, &v));
	assert_false(hz_parse_i64z("4", 5, 10, &v));
	assert_false(hz_parse_i64z(NULL, 0, 10, &v));
}

static void
utf8_counts_code_points(void **state)
{
	(void)state;
	assert_int_equal(hz_utf8_count("abc", 3), 3);
	assert_int_equal(hz_utf8_count("户组", strlen("户组")), 2);
	assert_int_equal(hz_utf8_count("\xf0\x9f\x98\x80", 4), 1);
	assert_int_equal(hz_utf8_count("", 0), 0);
}

static void
utf8_refuses_invalid(void **state)
{
	static const char *const bad[] = {
		"\xc3\x28",               /* bad continuation */
		"\xc0\xaf",               /* overlong '/' */
		"\xe0\x80\xaf",           /* overlong */
		"\xed\xa0\x80",           /* surrogate D800 */
		"\xf4\x90\x80\x80",       /* above U+10FFFF */
		"\xff",
		"\xe6\x88",               /* truncated */
		"\x80",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(hz_utf8_valid(bad[i], strlen(bad[i])));
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(parses_plain_digits_within_bounds),
	cmocka_unit_test(refuses_what_atoi_would_accept),
	cmocka_unit_test(utf8_counts_code_points),
	cmocka_unit_test(utf8_refuses_invalid))
