#include "unit.h"

#include "log.h"
#include "utf8.h"

static void
quote_escapes_what_could_forge_a_line(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(hz_log_quote(out, sizeof(out), "a\"b\\c\nd\x7f", 100),
	    "\"a\\\"b\\\\c\\x0ad\\x7f\"");
	assert_string_equal(hz_log_quote(out, sizeof(out), NULL, 10), "\"\"");
	/* Bytes that are not UTF-8 are escaped, not copied. */
	assert_string_equal(hz_log_quote(out, sizeof(out), "a\xe6\x88" "b\x80", 100),
	    "\"a\\xe6\\x88b\\x80\"");
}

static void
quote_never_cuts_a_character(void **state)
{
	char out[64];
	const char *q;

	(void)state;
	/* 户 is 3 bytes: a limit of 4 bytes keeps one whole character. */
	q = hz_log_quote(out, sizeof(out), "户组户组", 4);
	assert_string_equal(q, "\"户\"");
	/* A small output buffer cuts at a boundary too. */
	q = hz_log_quote(out, 12, "户组户组户组", 100);
	assert_true(hz_utf8_valid(q, strlen(q)));
	assert_int_equal(q[strlen(q) - 1], '"');
}

/* Bidirectional controls, invisible characters and C1 controls are
 * escaped as code points: a line reads as it is, and cannot be made to
 * look like another. Emoji and CJK stay as they are. */
static void
quote_escapes_what_could_spoof_a_line(void **state)
{
	char out[128];

	(void)state;
	assert_string_equal(hz_log_quote(out, sizeof(out),
	    "a\xe2\x80\xae" "b\xe2\x81\xa6" "c\xe2\x80\x8b" "d", 100),
	    "\"a\\u202eb\\u2066c\\u200bd\"");
	assert_string_equal(hz_log_quote(out, sizeof(out),
	    "\xc2\x85\xc2\x9b\xe2\x80\xa8\xef\xbb\xbf\xc2\xad", 100),
	    "\"\\u0085\\u009b\\u2028\\ufeff\\u00ad\"");
	/* A tag character, above the BMP. */
	assert_string_equal(hz_log_quote(out, sizeof(out), "x\xf3\xa0\x81\x81",
	    100), "\"x\\U000e0041\"");
	/* Even a joiner inside an emoji: the log is for reading, exactly. */
	assert_string_equal(hz_log_quote(out, sizeof(out),
	    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", 100),
	    "\"\xf0\x9f\x91\xa8\\u200d\xf0\x9f\x91\xa9\"");
	assert_string_equal(hz_log_quote(out, sizeof(out), "户 😀 é\xc2\xa0", 100),
	    "\"户 😀 é\xc2\xa0\"");
	/* Well-formed in shape but not UTF-8: overlong, surrogate. */
	assert_string_equal(hz_log_quote(out, sizeof(out),
	    "\xc0\xaf\xed\xa0\x80", 100), "\"\\xc0\\xaf\\xed\\xa0\\x80\"");
}

static void
quote_fits_escapes_in_small_buffers(void **state)
{
	char out[16];

	(void)state;
	/* Each \u202e is 6 bytes: only whole escapes, always terminated. */
	for (size_t n = 3; n <= sizeof(out); n++) {
		const char *q = hz_log_quote(out, n,
		    "\xe2\x80\xae\xe2\x80\xae\xe2\x80\xae", 100);
		assert_true(strlen(q) < n);
		assert_int_equal(q[0], '"');
		assert_int_equal(q[strlen(q) - 1], '"');
		assert_true(strlen(q) == 2 || q[strlen(q) - 2] == 'e');
	}
	/* A limit inside a character stops before it. */
	assert_string_equal(hz_log_quote(out, sizeof(out), "a\xe2\x80\xae", 3),
	    "\"a\"");
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(quote_escapes_what_could_forge_a_line),
	cmocka_unit_test(quote_never_cuts_a_character),
	cmocka_unit_test(quote_escapes_what_could_spoof_a_line),
	cmocka_unit_test(quote_fits_escapes_in_small_buffers))
