/* libFuzzer harness for building-code tokens: no input may crash the
 * verifier, and nothing but our own tokens may pass it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "qr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hz_qr_keys keys;
	static hz_arena *arena;
	char buf[64], *again;
	uint64_t b;
	uint32_t s;

	if (arena == NULL) {
		struct hz_config c;
		char err[128];

		if (sodium_init() < 0)
			abort();
		hz_config_defaults(&c);
		c.secrets.n = 2;
		snprintf(c.secrets.kv[0].name, 64, "qr_current");
		snprintf(c.secrets.kv[0].value, 256, "1");
		snprintf(c.secrets.kv[1].name, 64, "qr_key_1");
		snprintf(c.secrets.kv[1].value, 256, "%s",
		    "00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff");
		if (hz_qr_keys_load(&c, &keys, err, sizeof(err)))
			abort();
		arena = hz_arena_new(4096);
	}
	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (hz_qr_verify(&keys, buf, &b, &s) == HZ_OK) {
		/* Only a token we could have issued: it must round-trip. */
		if (hz_qr_token(arena, &keys, b, s, &again) != HZ_OK ||
		    strcmp(again, buf) != 0)
			abort();
	}
	hz_arena_reset(arena);
	return 0;
}
