#include "unit.h"

#include <sodium.h>

#include "crypto.h"
#include "keys.h"

static struct hz_config cfg;
static struct hz_keys keys;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	hz_test_secrets(&cfg, HZ_TEST_KEY1);
	/* An index key of its own: ff, then the rest of KEY1. */
	snprintf(cfg.secrets.kv[1].value, sizeof(cfg.secrets.kv[1].value),
	    "ff%s", HZ_TEST_KEY1 + 2);
	return hz_keys_load(&cfg, &keys, err, sizeof(err)) == HZ_OK ?
	    unit_arena_setup(state) : -1;
}

static void
keys_refuse_short_missing_or_dangling(void **state)
{
	struct hz_config c;
	struct hz_keys k;
	char err[256];

	(void)state;
	c = cfg;
	snprintf(c.secrets.kv[3].value, sizeof(c.secrets.kv[3].value), "abcd");
	assert_int_equal(hz_keys_load(&c, &k, err, sizeof(err)), HZ_ERR_CONFIG);
	assert_non_null(strstr(err, "jwt_key_k1"));
	c = cfg;
	snprintf(c.secrets.kv[2].value, sizeof(c.secrets.kv[2].value), "k9");
	assert_int_equal(hz_keys_load(&c, &k, err, sizeof(err)), HZ_ERR_CONFIG);
	c = cfg;
	c.secrets.n = 1;
	assert_int_equal(hz_keys_load(&c, &k, err, sizeof(err)), HZ_ERR_CONFIG);
	c = cfg;
	snprintf(c.secrets.kv[0].value, sizeof(c.secrets.kv[0].value), "zz");
	assert_int_equal(hz_keys_load(&c, &k, err, sizeof(err)), HZ_ERR_CONFIG);
}

static void
seal_round_trips_and_refuses_tampering(void **state)
{
	unsigned char *s, *t;
	size_t n;
	char *plain;

	(void)state;
	assert_int_equal(hz_seal(unit_arena, &keys, "phone", "13800138000", 11, &s,
	    &n), HZ_OK);
	assert_null(memmem(s, n, "13800138000", 11));
	assert_int_equal(hz_unseal(unit_arena, &keys, "phone", s, n, &plain), HZ_OK);
	assert_string_equal(plain, "13800138000");
	/* Same plaintext, fresh nonce: different ciphertext. */
	assert_int_equal(hz_seal(unit_arena, &keys, "phone", "13800138000", 11, &t,
	    &n), HZ_OK);
	assert_memory_not_equal(s, t, n);
	/* Moved to another column: refused. */
	assert_int_not_equal(hz_unseal(unit_arena, &keys, "id_number", s, n, &plain),
	    HZ_OK);
	s[n - 1] ^= 1;
	assert_int_not_equal(hz_unseal(unit_arena, &keys, "phone", s, n, &plain),
	    HZ_OK);
	assert_int_not_equal(hz_unseal(unit_arena, &keys, "phone", s, 10, &plain),
	    HZ_OK);
}

static void
blind_index_is_keyed_and_separated(void **state)
{
	unsigned char a[HZ_INDEX_BYTES], b[HZ_INDEX_BYTES], c[HZ_INDEX_BYTES];

	(void)state;
	hz_blind_index(&keys, "phone", "13800138000", 11, a);
	hz_blind_index(&keys, "phone", "13800138000", 11, b);
	assert_memory_equal(a, b, sizeof(a));
	hz_blind_index(&keys, "wechat", "13800138000", 11, c);
	assert_memory_not_equal(a, c, sizeof(a));
	/* ("phon", "e1...") must not collide with ("phone", "1..."). */
	hz_blind_index(&keys, "phon", "e13800138000", 12, c);
	assert_memory_not_equal(a, c, sizeof(a));
}

static void
masks_keep_only_the_ends(void **state)
{
	(void)state;
	assert_string_equal(hz_mask_phone(unit_arena, "13812345678"), "138****5678");
	assert_string_equal(hz_mask_id(unit_arena, "440106199001011234"),
	    "4401**********1234");
	assert_string_equal(hz_mask_id(unit_arena, "E12345678"), "E1*****78");
	assert_string_equal(hz_mask_id(unit_arena, "H1234567890"), "H1*******90");
	/* Too short to keep both ends: all of it is masked. */
	assert_string_equal(hz_mask_phone(unit_arena, "123"), "***");
}

static void
phone_numbers_are_mainland_mobiles(void **state)
{
	(void)state;
	assert_true(hz_phone_valid("13800138000"));
	assert_true(hz_phone_valid("19912345678"));
	assert_false(hz_phone_valid("12800138000"));
	assert_false(hz_phone_valid("1380013800"));
	assert_false(hz_phone_valid("138001380000"));
	assert_false(hz_phone_valid("1380013800a"));
	assert_false(hz_phone_valid("+8613800138"));
	assert_false(hz_phone_valid(""));
	assert_false(hz_phone_valid(NULL));
}

static void
random_tokens_differ(void **state)
{
	char a[HZ_TOKEN_CHARS + 1], b[HZ_TOKEN_CHARS + 1];

	(void)state;
	hz_random_token(a);
	hz_random_token(b);
	assert_int_equal(strlen(a), HZ_TOKEN_CHARS);
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_"), HZ_TOKEN_CHARS);
}

UNIT_TESTS(setup, unit_arena_teardown,
	cmocka_unit_test(keys_refuse_short_missing_or_dangling),
	cmocka_unit_test(seal_round_trips_and_refuses_tampering),
	cmocka_unit_test(blind_index_is_keyed_and_separated),
	cmocka_unit_test(masks_keep_only_the_ends),
	cmocka_unit_test(phone_numbers_are_mainland_mobiles),
	cmocka_unit_test(random_tokens_differ))
