/* libFuzzer harness for JSON bodies: the bounded parser and the field
 * validator, with one field of every type. */
#include <stdint.h>
#include <stdlib.h>

#include "json.h"

static const struct hz_field fields[] = {
	{ "s", HZ_RULE(HZ_F_STRING, 1, 20), HZ_REQUIRED },
	{ "m", HZ_RULE(HZ_F_STRING, 0, 200, .flags = HZ_MULTILINE), 0 },
	{ "i", HZ_RULE(HZ_F_INT, -1000, 1000), 0 },
	{ "b", HZ_RULE(HZ_F_BOOL, 0, 0), 0 },
	{ NULL, NULL, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hz_arena *arena;
	struct hz_value v[HZ_MAX_FIELDS];
	struct hz_field_error errs[8];
	struct hz_json_error jerr;
	cJSON *root;
	size_t nerr;

	if (arena == NULL)
		arena = hz_arena_new(16 * 1024);
	hz_json_use_arena(arena);
	if (hz_json_parse((const char *)data, size, 16, &root, &jerr) ==
	    HZ_OK) {
		if (hz_json_validate(arena, root, fields, v, errs, 8, &nerr) ==
		    HZ_OK && (!v[0].present || v[0].len == 0))
			abort();    /* a required field passed absent */
		(void)cJSON_PrintUnformatted(root);
	}
	hz_arena_reset(arena);
	return 0;
}
