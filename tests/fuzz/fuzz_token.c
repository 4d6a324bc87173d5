/* libFuzzer harness for access-token verification: whatever the bytes,
 * only a token signed with our key may pass. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "access.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
secret(struct hz_config *c, const char *name, const char *value)
{
	size_t i = c->secrets.n++;

	snprintf(c->secrets.kv[i].name, sizeof(c->secrets.kv[i].name), "%s",
	    name);
	snprintf(c->secrets.kv[i].value, sizeof(c->secrets.kv[i].value), "%s",
	    value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hz_config cfg;
	static struct hz_keys keys;
	static hz_arena *arena;
	struct hz_claims claims;
	char err[128], *token;

	if (arena == NULL) {
		const char *k = "00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff";
		if (sodium_init() < 0)
			abort();
		hz_config_defaults(&cfg);
		secret(&cfg, "pii_key", k);
		secret(&cfg, "index_key", k);
		secret(&cfg, "jwt_current", "k1");
		secret(&cfg, "jwt_key_k1", k);
		secret(&cfg, "qr_current", "1");
		secret(&cfg, "qr_key_1", k);
		if (hz_keys_load(&cfg, &keys, err, sizeof(err)) != HZ_OK)
			abort();
		arena = hz_arena_new(16 * 1024);
	}
	struct hz_ctx x = { .arena = arena, .cfg = &cfg, .keys = &keys,
	    .now = 1800000000 };
	token = hz_arena_strndup(arena, (const char *)data, size);
	hz_json_use_arena(arena);
	/* Fuzzed bytes carry no valid HMAC: acceptance would be a forgery.
	 * A token we issue ourselves must still pass. */
	if (token != NULL && strlen(token) == size &&
	    hz_jwt_verify(&x, token, &claims) == HZ_OK)
		abort();
	if (hz_jwt_issue(&x, 7, "staff", &token) != HZ_OK ||
	    hz_jwt_verify(&x, token, &claims) != HZ_OK || claims.sub != 7)
		abort();
	hz_arena_reset(arena);
	return 0;
}
