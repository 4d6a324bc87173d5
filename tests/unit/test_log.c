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

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(quote_escapes_what_could_forge_a_line),
	cmocka_unit_test(quote_never_cuts_a_character))
