/* Test keys, for the unit tests and the fuzzers: secrets put into a
 * configuration as the secrets file would put them. */
#ifndef HZ_TEST_KEYS_H
#define HZ_TEST_KEYS_H

#include <stdio.h>

#include "config.h"

#define HZ_TEST_KEY1 \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HZ_TEST_KEY2 \
	"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

/* Appends `name = value` to the secrets of c. */
static inline void
hz_test_secret(struct hz_config *c, const char *name, const char *value)
{
	size_t i = c->secrets.n++;

	snprintf(c->secrets.kv[i].name, sizeof(c->secrets.kv[i].name), "%s",
	    name);
	snprintf(c->secrets.kv[i].value, sizeof(c->secrets.kv[i].value), "%s",
	    value);
}

/* Defaults plus every key hz_keys_load wants, all `key`, in this order:
 * 0 pii_key, 1 index_key, 2 jwt_current (k1), 3 jwt_key_k1, 4 qr_current
 * (1), 5 qr_key_1 (tests change an entry by its index). */
static inline void
hz_test_secrets(struct hz_config *c, const char *key)
{
	hz_config_defaults(c);
	hz_test_secret(c, "pii_key", key);
	hz_test_secret(c, "index_key", key);
	hz_test_secret(c, "jwt_current", "k1");
	hz_test_secret(c, "jwt_key_k1", key);
	hz_test_secret(c, "qr_current", "1");
	hz_test_secret(c, "qr_key_1", key);
}

#endif
