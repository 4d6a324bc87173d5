#include "unit.h"

#include <stdio.h>

#include <sodium.h>

#include "keys.h"
#include "qr.h"

static struct hz_qr_keys keys, other;

static int
setup(void **state)
{
	struct hz_config c, d;
	char err[128];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	hz_config_defaults(&c);
	hz_test_secret(&c, "qr_current", "1");
	hz_test_secret(&c, "qr_key_1", HZ_TEST_KEY1);
	hz_config_defaults(&d);
	hz_test_secret(&d, "qr_current", "1");
	hz_test_secret(&d, "qr_key_1", HZ_TEST_KEY2); /* same kid, other key */
	return hz_qr_keys_load(&c, &keys, err, sizeof(err)) ||
	    hz_qr_keys_load(&d, &other, err, sizeof(err)) ? -1 :
	    unit_arena_setup(state);
}

static void
tokens_round_trip_and_stay_short(void **state)
{
	enum hz_qr_kind kind;
	uint64_t b;
	uint32_t s;
	char *t;

	(void)state;
	assert_int_equal(hz_qr_token(unit_arena, &keys, HZ_QR_BUILDING, 123456, 7, &t), HZ_OK);
	assert_true(strlen(t) <= 20);
	assert_int_equal(hz_qr_verify(&keys, t, &kind, &b, &s), HZ_OK);
	assert_int_equal(kind, HZ_QR_BUILDING);
	assert_int_equal(b, 123456);
	assert_int_equal(s, 7);
	assert_int_equal(hz_qr_token(unit_arena, &keys, HZ_QR_BUILDING, 1, 1, &t), HZ_OK);
	assert_true(strlen(t) <= 16);
}

static void
forged_altered_truncated_and_wrong_key_tokens_fail(void **state)
{
	enum hz_qr_kind kind;
	uint64_t b;
	uint32_t s;
	char *t, *u;

	(void)state;
	assert_int_equal(hz_qr_token(unit_arena, &keys, HZ_QR_BUILDING, 42, 3, &t), HZ_OK);
	assert_int_equal(hz_qr_verify(&other, t, &kind, &b, &s), HZ_ERR_NOT_FOUND);
	/* Every single-character change is caught. */
	for (size_t i = 0; i < strlen(t); i++) {
		u = hz_arena_strdup(unit_arena, t);
		u[i] = u[i] == 'A' ? 'B' : 'A';
		if (hz_qr_verify(&keys, u, &kind, &b, &s) == HZ_OK)
			fail_msg("altered token %s verified", u);
	}
	for (size_t n = 0; n < strlen(t); n++) {
		u = hz_arena_strndup(unit_arena, t, n);
		assert_int_equal(hz_qr_verify(&keys, u, &kind, &b, &s),
		    HZ_ERR_NOT_FOUND);
	}
	assert_int_equal(hz_qr_verify(&keys, "", &kind, &b, &s), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_qr_verify(&keys, "!!!!", &kind, &b, &s), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_qr_verify(&keys, NULL, &kind, &b, &s), HZ_ERR_NOT_FOUND);
	u = hz_arena_printf(unit_arena, "%sAA", t);
	assert_int_equal(hz_qr_verify(&keys, u, &kind, &b, &s), HZ_ERR_NOT_FOUND);
}

/* A station's code and a building's with the same id and serial are
 * different tokens, each verifying as its own kind only. */
static void
station_and_building_codes_never_pass_for_each_other(void **state)
{
	enum hz_qr_kind kind;
	uint64_t id;
	uint32_t s;
	char *bt, *st;

	(void)state;
	assert_int_equal(hz_qr_token(unit_arena, &keys, HZ_QR_BUILDING, 7, 2,
	    &bt), HZ_OK);
	assert_int_equal(hz_qr_token(unit_arena, &keys, HZ_QR_STATION, 7, 2,
	    &st), HZ_OK);
	assert_string_not_equal(bt, st);
	assert_int_equal(hz_qr_verify(&keys, st, &kind, &id, &s), HZ_OK);
	assert_int_equal(kind, HZ_QR_STATION);
	assert_int_equal(id, 7);
	assert_int_equal(s, 2);
	assert_int_equal(hz_qr_verify(&keys, bt, &kind, &id, &s), HZ_OK);
	assert_int_equal(kind, HZ_QR_BUILDING);
	/* Same payload, different MACs: each code says what it is. */
	assert_int_equal(hz_qr_verify(&other, st, &kind, &id, &s),
	    HZ_ERR_NOT_FOUND);
}

static void
check_codes_are_stable_and_readable(void **state)
{
	char a[8], b[8], *t;

	(void)state;
	assert_int_equal(hz_qr_token(unit_arena, &keys, HZ_QR_BUILDING, 42, 3, &t), HZ_OK);
	hz_qr_check_code(&keys, t, a);
	hz_qr_check_code(&keys, t, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 7);
	assert_int_equal(a[3], '-');
	assert_null(strpbrk(a, "ILOU"));
}

static void
codes_render_at_low_density(void **state)
{
	struct hz_qr_image img;
	char *t, *url;

	(void)state;
	assert_int_equal(hz_qr_token(unit_arena, &keys, HZ_QR_BUILDING, 1000000, 65535, &t), HZ_OK);
	/* A typical production base URL still fits version 4 at level Q. */
	url = hz_arena_printf(unit_arena, "https://huzu.example.cn/q/%s", t);
	assert_int_equal(hz_qr_png(unit_arena, url, 4, &img), HZ_OK);
	assert_true(img.version <= 4);
	assert_int_equal(img.modules, 17 + 4 * img.version);
	assert_memory_equal(img.data, "\x89PNG\r\n\x1a\n", 8);
	assert_int_equal(hz_qr_svg(unit_arena, url, &img), HZ_OK);
	assert_non_null(strstr((const char *)img.data, "<svg"));
	assert_int_equal(hz_qr_png(unit_arena, url, 0, &img), HZ_ERR_INVALID);
}

UNIT_TESTS(setup, unit_arena_teardown,
	cmocka_unit_test(tokens_round_trip_and_stay_short),
	cmocka_unit_test(forged_altered_truncated_and_wrong_key_tokens_fail),
	cmocka_unit_test(station_and_building_codes_never_pass_for_each_other),
	cmocka_unit_test(check_codes_are_stable_and_readable),
	cmocka_unit_test(codes_render_at_low_density))
