/* libFuzzer harness for building-code tokens: no input may crash the
 * verifier, and nothing but our own tokens may pass it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "qr.h"
#include "../unit/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hz_qr_keys keys;
	static hz_arena *arena;
	char buf[64], *again;
	enum hz_qr_kind kind;
	uint64_t b;
	uint32_t s;

	if (arena == NULL) {
		struct hz_config c;
		char err[128];

		if (sodium_init() < 0)
			abort();
		hz_config_defaults(&c);
		hz_test_secret(&c, "qr_current", "1");
		hz_test_secret(&c, "qr_key_1", HZ_TEST_KEY1);
		if (hz_qr_keys_load(&c, &keys, err, sizeof(err)))
			abort();
		arena = hz_arena_new(4096);
	}
	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (hz_qr_verify(&keys, buf, &kind, &b, &s) == HZ_OK) {
		/* Only a token we could have issued: it must round-trip. */
		if (hz_qr_token(arena, &keys, kind, b, s, &again) != HZ_OK ||
		    strcmp(again, buf) != 0)
			abort();
	}
	hz_arena_reset(arena);
	return 0;
}
