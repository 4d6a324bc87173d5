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
		"110105194902301234",   /* 30 February... */
		"110105189912310025",   /* born 1899 */
		"110105203012310011",   /* born in the future */
		"910105194912310021",   /* region 9 */
		"11010519491231002Y",
		"11010519491231 02X",
		"",
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (hz_id_number_valid("resident_id", bad[i], TODAY, out))
			fail_msg("accepted %s", bad[i]);
	/* Check characters recomputed, so only the date is wrong. */
	char d[19] = "11010519490230002";
	d[17] = hz_id_check_char(d);
	d[18] = '\0';
	assert_false(hz_id_number_valid("resident_id", d, TODAY, out));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_digits_follow_gb11643),
		cmocka_unit_test(bad_resident_ids_are_refused),
		cmocka_unit_test(other_documents_get_a_looser_check),
		cmocka_unit_test(dates_are_real_calendar_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
