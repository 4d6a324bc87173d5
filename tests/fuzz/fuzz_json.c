/* libFuzzer harness for JSON bodies: the strict RFC 8259 pass against
 * cJSON, and the field validator, with one field of every type.
 *
 * Properties: nothing crashes; cJSON parses whatever the strict pass
 * takes (else hz_json_parse says HZ_ERR_INTERNAL); what cJSON prints from
 * an accepted tree is accepted again, and prints the same; a required field
 * never passes absent; a member marked for \u0000 never passes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const struct hz_field fields[] = {
	{ "s", HZ_RULE(HZ_F_STRING, 1, 20), HZ_REQUIRED },
	{ "m", HZ_RULE(HZ_F_STRING, 0, 200, .flags = HZ_MULTILINE), 0 },
	{ "i", HZ_RULE(HZ_F_INT, -1000, 1000), 0 },
	{ "b", HZ_RULE(HZ_F_BOOL, 0, 0), 0 },
	{ NULL, NULL, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* cJSON prints an infinity (1e999) as null: such a tree does not come
 * back the same. */
static bool
all_finite(const cJSON *n)
{
	if (cJSON_IsNumber(n) && !isfinite(n->valuedouble))
		return false;
	for (n = n->child; n != NULL; n = n->next)
		if (!all_finite(n))
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hz_arena *arena;
	struct hz_value v[HZ_MAX_FIELDS];
	struct hz_field_error errs[8];
	struct hz_json_error jerr;
	cJSON *root, *again;
	const cJSON *node;
	enum hz_status rc;
	char *printed, *reprinted;
	size_t nerr;

	if (arena == NULL)
		arena = hz_arena_new(16 * 1024);
	hz_json_use_arena(arena);
	rc = hz_json_parse((const char *)data, size, 16, &root, &jerr);
	if (rc == HZ_ERR_INTERNAL)
		abort();    /* the strict pass took what cJSON cannot read */
	if (rc != HZ_OK) {
		if (root != NULL || jerr.code == NULL || jerr.message == NULL)
			abort();
		goto out;
	}
	if (hz_json_validate(arena, root, fields, v, errs, 8, &nerr) == HZ_OK) {
		if (!v[0].present || v[0].len == 0)
			abort();    /* a required field passed absent */
		cJSON_ArrayForEach(node, root)
			if (hz_json_nul(node))
				abort();    /* a NUL passed */
	}
	/* cJSON's own output is JSON by the strict pass, and the same. */
	if (!all_finite(root) || (printed = cJSON_PrintUnformatted(root)) == NULL)
		goto out;
	if (hz_json_parse(printed, strlen(printed), 16, &again, &jerr) != HZ_OK)
		abort();
	if ((reprinted = cJSON_PrintUnformatted(again)) != NULL &&
	    strcmp(printed, reprinted) != 0)
		abort();
out:
	hz_arena_reset(arena);
	return 0;
}
