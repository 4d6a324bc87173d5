/* libFuzzer harness for access-token verification: whatever the bytes,
 * only a token signed with our key may pass. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "access.h"
#include "json.h"
#include "../unit/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hz_config cfg;
	static struct hz_keys keys;
	static hz_arena *arena;
	struct hz_claims claims;
	char err[128], *token;

	if (arena == NULL) {
		if (sodium_init() < 0)
			abort();
		hz_test_secrets(&cfg, HZ_TEST_KEY1);
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
	if (hz_jwt_issue(&x, 7, "staff", 1, &token) != HZ_OK ||
	    hz_jwt_verify(&x, token, &claims) != HZ_OK || claims.sub != 7)
		abort();
	hz_arena_reset(arena);
	return 0;
}
