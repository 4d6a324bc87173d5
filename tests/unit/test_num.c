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

static void
utf8_decodes_one_character(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(hz_utf8_decode("a", 1, &cp), 1);
	assert_int_equal(cp, 'a');
	assert_int_equal(hz_utf8_decode("户", 3, &cp), 3);
	assert_int_equal(cp, 0x6237);
	assert_int_equal(hz_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(hz_utf8_decode("户", 2, &cp), 0);
	assert_int_equal(hz_utf8_decode("\xed\xa0\x80", 3, &cp), 0);
	assert_int_equal(hz_utf8_decode("\xc0\xaf", 2, &cp), 0);
	assert_int_equal(hz_utf8_decode("\x80", 1, &cp), 0);
	assert_int_equal(hz_utf8_decode("", 0, &cp), 0);
}

static void
utf8_finds_hidden_characters(void **state)
{
	static const char *const hidden[] = {
		"\xe2\x80\xae", "\xe2\x80\xaa", "\xe2\x81\xa6", "\xe2\x81\xa9",
		"\xe2\x80\x8b", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xd8\x9c",
		"\xe2\x80\xa8", "\xe2\x80\xa9", "\xef\xbb\xbf", "\xc2\xad",
		"\xe2\x81\xa0", "\xe3\x85\xa4", "\xf3\xa0\x81\x81",
		"a\xe2\x80\x8d" "b", "\xe2\x80\x8d",
		"\xf0\x9f\x98\x80\xe2\x80\x8d",
		"a\xf3\xa0\x81\xbf",
	};
	static const char *const shown[] = {
		"张三 abc", "😀", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️‍🔥", "🧑‍⚕️", "🇨🇳",
		"🏴󠁧󠁢󠁳󠁣󠁴󠁿", "葛\xf3\xa0\x84\x80", "\xc2\xa0", "\xe3\x80\x80", "",
	};
	const char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++)
		if (hz_utf8_find_hidden(hidden[i], strlen(hidden[i])) == NULL)
			fail_msg("not found in case %zu", i);
	for (size_t i = 0; i < sizeof(shown) / sizeof(*shown); i++)
		if (hz_utf8_find_hidden(shown[i], strlen(shown[i])) != NULL)
			fail_msg("found in %s", shown[i]);
	s = "张三\xe2\x80\xae" "abc";
	assert_ptr_equal(hz_utf8_find_hidden(s, strlen(s)), s + 6);
	assert_true(hz_utf8_hidden(0x202e));
	assert_false(hz_utf8_hidden(0xfe0f));
	assert_false(hz_utf8_hidden(0xe0100));
	assert_false(hz_utf8_hidden(0x3000));
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(parses_plain_digits_within_bounds),
	cmocka_unit_test(refuses_what_atoi_would_accept),
	cmocka_unit_test(utf8_counts_code_points),
	cmocka_unit_test(utf8_refuses_invalid),
	cmocka_unit_test(utf8_decodes_one_character),
	cmocka_unit_test(utf8_finds_hidden_characters))
