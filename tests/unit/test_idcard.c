#include "unit.h"

#include "clock.h"
#include "idcard.h"

#define TODAY 20261127

static void
check_digits_follow_gb11643(void **state)
{
	char out[32];

	(void)state;
	/* The standard's own example and computed vectors. */
	assert_int_equal(hz_id_check_char("11010519491231002"), 'X');
	assert_int_equal(hz_id_check_char("44010619900101123"), '5');
	assert_true(hz_id_number_valid("resident_id", "11010519491231002X",
	    TODAY, out));
	/* Lower-case x is the same character, stored upper-case. */
	assert_true(hz_id_number_valid("resident_id", "11010519491231002x",
	    TODAY, out));
	assert_string_equal(out, "11010519491231002X");
	assert_true(hz_id_number_valid("resident_id", "440106199001011235",
	    TODAY, out));
}

static void
bad_resident_ids_are_refused(void **state)
{
	static const char *const bad[] = {
		"110105194912310021",   /* wrong check digit */
		"440106199001011234",
		"11010519491231002",    /* 17 characters */
		"1101051949123100211",  /* 19 */
		"11010519491231002Y",
		"11010519491231 02X",
		"",
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (hz_id_number_valid("resident_id", bad[i], TODAY, out))
			fail_msg("accepted %s", bad[i]);
}

/* Each number carries the right GB 11643 check character, so only the rule
 * named beside it can refuse it; its neighbour on the other side of the
 * boundary is accepted. */
static void
each_rule_refuses_on_its_own(void **state)
{
	static const struct { const char *no, *yes, *rule; } cases[] = {
		{ "110105194902300020", "11010519491231002X", "real date" },
		{ "110105189912310023", "110105190001010028", "born >= 1900" },
		{ "110105202611280020", "110105202611270025", "born <= today" },
		{ "910105194912310029", "810105194912310025", "region 1-8" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(hz_id_check_char(cases[i].no), cases[i].no[17]);
		assert_int_equal(hz_id_check_char(cases[i].yes),
		    cases[i].yes[17]);
		if (hz_id_number_valid("resident_id", cases[i].no, TODAY, out))
			fail_msg("%s: accepted %s", cases[i].rule, cases[i].no);
		if (!hz_id_number_valid("resident_id", cases[i].yes, TODAY, out))
			fail_msg("%s: refused %s", cases[i].rule, cases[i].yes);
	}
}

static void
other_documents_get_a_looser_check(void **state)
{
	char out[32];

	(void)state;
	assert_true(hz_id_number_valid("hk_macao", "H12345678", TODAY, out));
	assert_false(hz_id_number_valid("hk_macao", "X12345678", TODAY, out));
	assert_true(hz_id_number_valid("taiwan", "12345678", TODAY, out));
	assert_true(hz_id_number_valid("passport", "e12345678", TODAY, out));
	assert_string_equal(out, "E12345678");
	assert_false(hz_id_number_valid("passport", "E1234-5678", TODAY, out));
	assert_false(hz_id_number_valid("passport", "E1", TODAY, out));
	assert_false(hz_id_number_valid("driving", "E12345678", TODAY, out));
	assert_false(hz_id_type_valid("driving"));
	assert_true(hz_id_type_valid("other"));
}

static void
dates_are_real_calendar_dates(void **state)
{
	(void)state;
	assert_int_equal(hz_date_parse("2024-02-29"), 20240229);
	assert_int_equal(hz_date_parse("2023-02-29"), -1);
	assert_int_equal(hz_date_parse("2000-02-29"), 20000229);
	assert_int_equal(hz_date_parse("1900-02-29"), -1);
	assert_int_equal(hz_date_parse("2026-13-01"), -1);
	assert_int_equal(hz_date_parse("2026-1-01"), -1);
	assert_int_equal(hz_date_parse("2026-01-01T"), -1);
	assert_int_equal(hz_date_parse(NULL), -1);
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(check_digits_follow_gb11643),
	cmocka_unit_test(bad_resident_ids_are_refused),
	cmocka_unit_test(each_rule_refuses_on_its_own),
	cmocka_unit_test(other_documents_get_a_looser_check),
	cmocka_unit_test(dates_are_real_calendar_dates))
