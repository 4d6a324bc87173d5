/* Access tokens against every forgery DESIGN.md names for libjwt 1.10. */
#include "unit.h"

#include <stdio.h>

#include <sodium.h>

#include "access.h"
#include "keys.h"
#include "json.h"

/* Short names for the forgeries below. */
#define KEY1 HZ_TEST_KEY1
#define KEY2 HZ_TEST_KEY2

static struct hz_config cfg;
static struct hz_keys keys, rotated;
static struct hz_ctx x;

static int
setup(void **state)
{
	struct hz_config c2;
	char err[256];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	hz_test_secrets(&cfg, HZ_TEST_KEY1);
	c2 = cfg;
	snprintf(c2.secrets.kv[2].value, sizeof(c2.secrets.kv[2].value), "k2");
	hz_test_secret(&c2, "jwt_key_k2", HZ_TEST_KEY2);
	if (hz_keys_load(&cfg, &keys, err, sizeof(err)) ||
	    hz_keys_load(&c2, &rotated, err, sizeof(err)) ||
	    unit_arena_setup(state))
		return -1;
	x = (struct hz_ctx){ .arena = unit_arena, .cfg = &cfg, .keys = &keys,
	    .now = 1800000000 };
	return 0;
}

static char *
b64(const char *s)
{
	size_t n = sodium_base64_encoded_len(strlen(s),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *o = hz_arena_alloc(unit_arena, n);

	return sodium_bin2base64(o, n, (const unsigned char *)s, strlen(s),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* header.payload.HMAC-SHA256(key) built by hand, as an attacker would. */
static char *
forge(const char *header, const char *payload, const char *hexkey)
{
	unsigned char key[32], mac[crypto_auth_hmacsha256_BYTES];
	char *signing = hz_arena_printf(unit_arena, "%s.%s", b64(header),
	    b64(payload));
	char sig[64];

	if (hexkey == NULL)
		return hz_arena_printf(unit_arena, "%s.", signing);
	sodium_hex2bin(key, sizeof(key), hexkey, 64, NULL, NULL, NULL);
	crypto_auth_hmacsha256(mac, (const unsigned char *)signing,
	    strlen(signing), key);
	sodium_bin2base64(sig, sizeof(sig), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return hz_arena_printf(unit_arena, "%s.%s", signing, sig);
}

#define GOOD_PAYLOAD "{\"iss\":\"huzu\",\"aud\":\"huzu-h5\",\"sub\":\"7\"," \
	"\"kind\":\"staff\",\"sid\":\"3\",\"iat\":1800000000,\"exp\":1800000900}"

static void
issued_tokens_verify(void **state)
{
	struct hz_claims c;
	char *t;

	(void)state;
	assert_int_equal(hz_jwt_issue(&x, 42, "resident", 1, &t), HZ_OK);
	assert_int_equal(hz_jwt_verify(&x, t, &c), HZ_OK);
	assert_int_equal(c.sid, 1);
	assert_int_equal(c.sub, 42);
	assert_string_equal(c.kind, "resident");
	assert_int_equal(c.exp - c.iat, cfg.access_ttl);
	/* A token built by hand the way we build them verifies too. */
	assert_int_equal(hz_jwt_verify(&x, forge("{\"alg\":\"HS256\","
	    "\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_PAYLOAD, KEY1), &c), HZ_OK);
	assert_int_equal(c.sub, 7);
}

static void
forgeries_are_refused(void **state)
{
	static const char hs256_k1[] = "{\"alg\":\"HS256\",\"kid\":\"k1\"}";
	struct hz_claims c;
	char *good, *tampered, *dot;

	(void)state;
	const char *bad[] = {
		forge("{\"alg\":\"none\",\"kid\":\"k1\"}", GOOD_PAYLOAD, NULL),
		forge("{\"alg\":\"none\"}", GOOD_PAYLOAD, NULL),
		forge(hs256_k1, GOOD_PAYLOAD, KEY2),             /* other key */
		forge("{\"alg\":\"HS256\",\"kid\":\"k9\"}", GOOD_PAYLOAD, KEY1),
		forge("{\"alg\":\"HS256\"}", GOOD_PAYLOAD, KEY1), /* no kid */
		forge("{\"alg\":\"HS512\",\"kid\":\"k1\"}", GOOD_PAYLOAD, KEY1),
		forge("{\"alg\":\"RS256\",\"kid\":\"k1\"}", GOOD_PAYLOAD, KEY1),
		forge(hs256_k1, "{\"iss\":\"huzu\",\"aud\":\"huzu-h5\","
		    "\"sub\":\"7\",\"kind\":\"staff\",\"iat\":1799990000,"
		    "\"exp\":1799999999}", KEY1),                  /* expired */
		forge(hs256_k1, "{\"iss\":\"huzu\",\"aud\":\"other\","
		    "\"sub\":\"7\",\"kind\":\"staff\",\"iat\":1800000000,"
		    "\"exp\":1800000900}", KEY1),                  /* aud */
		forge(hs256_k1, "{\"iss\":\"evil\",\"aud\":\"huzu-h5\","
		    "\"sub\":\"7\",\"kind\":\"staff\",\"iat\":1800000000,"
		    "\"exp\":1800000900}", KEY1),                  /* iss */
		forge(hs256_k1, "{\"iss\":\"huzu\",\"aud\":\"huzu-h5\","
		    "\"sub\":\"7\",\"kind\":\"staff\",\"iat\":1800009000,"
		    "\"exp\":1800009900}", KEY1),                  /* future iat */
		forge(hs256_k1, "{\"iss\":\"huzu\",\"aud\":\"huzu-h5\","
		    "\"sub\":\"-7\",\"kind\":\"staff\",\"iat\":1800000000,"
		    "\"exp\":1800000900}", KEY1),                  /* bad sub */
		forge(hs256_k1, "{\"iss\":\"huzu\",\"aud\":\"huzu-h5\","
		    "\"sub\":\"7\",\"kind\":\"staff\"}", KEY1),    /* no exp */
		"", "a.b", "a.b.c.d", "....", "eyJ.eyJ.", "not a token",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (hz_jwt_verify(&x, bad[i], &c) != HZ_ERR_UNAUTHORIZED)
			fail_msg("forgery %zu accepted: %s", i, bad[i]);

	/* A real token with its payload swapped, signature kept. */
	assert_int_equal(hz_jwt_issue(&x, 42, "resident", 1, &good), HZ_OK);
	dot = strchr(good, '.');
	tampered = hz_arena_printf(unit_arena, "%.*s.%s.%s", (int)(dot - good), good,
	    b64("{\"iss\":\"huzu\",\"aud\":\"huzu-h5\",\"sub\":\"1\","
	    "\"kind\":\"staff\",\"sid\":\"3\",\"iat\":1800000000,\"exp\":1800000900}"),
	    strrchr(good, '.') + 1);
	assert_int_equal(hz_jwt_verify(&x, tampered, &c), HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_jwt_verify(&x, NULL, &c), HZ_ERR_UNAUTHORIZED);
}

static void
rotation_keeps_old_tokens_valid_until_expiry(void **state)
{
	struct hz_ctx old = x, now = x;
	struct hz_claims c;
	char *t1, *t2;

	(void)state;
	now.keys = &rotated;
	assert_int_equal(hz_jwt_issue(&old, 5, "staff", 1, &t1), HZ_OK);
	assert_int_equal(hz_jwt_issue(&now, 6, "staff", 1, &t2), HZ_OK);
	/* After rotation both verify; the old one only until it expires. */
	assert_int_equal(hz_jwt_verify(&now, t1, &c), HZ_OK);
	assert_int_equal(hz_jwt_verify(&now, t2, &c), HZ_OK);
	/* Before rotation (k2 unknown) the new one does not. */
	assert_int_equal(hz_jwt_verify(&old, t2, &c), HZ_ERR_UNAUTHORIZED);
	now.now += cfg.access_ttl;
	assert_int_equal(hz_jwt_verify(&now, t1, &c), HZ_ERR_UNAUTHORIZED);
}

UNIT_TESTS(setup, unit_arena_teardown,
	cmocka_unit_test(issued_tokens_verify),
	cmocka_unit_test(forgeries_are_refused),
	cmocka_unit_test(rotation_keeps_old_tokens_valid_until_expiry))
