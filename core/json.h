/* JSON in and out. cJSON does the parsing and printing; this module adds the
 * limits cJSON lacks (UTF-8, nesting depth, embedded NUL, duplicate keys)
 * and declarative field validation (after kcgi's kvalid and kore's
 * validators): a handler declares its fields and receives typed values. */
#ifndef HZ_JSON_H
#define HZ_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "status.h"

/* Route cJSON's allocations to `a` (NULL: back to malloc). cJSON's hooks
 * are process-global; workers are single-threaded and serve one request
 * at a time, so the current request's arena is the right owner. Nodes
 * allocated this way are never freed one by one: never call cJSON_Delete
 * on them. */
void hz_json_use_arena(hz_arena *a);

/* Why a body was refused before validation; `code` is the API error code. */
struct hz_json_error {
	const char *code;     /* e.g. "malformed_json", "invalid_utf8" */
	const char *message;  /* Chinese, for the user */
};

/* Parses exactly `len` bytes (trailing whitespace allowed) into *out.
 * Refuses invalid UTF-8, nesting deeper than max_depth, "\u0000" escapes
 * (cJSON would silently truncate the string there) and trailing bytes. */
enum hz_status hz_json_parse(const char *buf, size_t len, int max_depth,
                             cJSON **out, struct hz_json_error *err);

enum hz_ftype {
	HZ_F_STRING,
	HZ_F_INT,
	HZ_F_BOOL,
	HZ_F_ARRAY,      /* of objects, each checked against `sub` */
};

enum {
	HZ_REQUIRED  = 1 << 0,
	HZ_MULTILINE = 1 << 1,  /* strings may hold \n, \r, \t */
};

struct hz_field {
	const char   *name;
	enum hz_ftype type;
	unsigned      flags;
	int64_t       min;      /* string: code points; int: value; array: items */
	int64_t       max;
	const struct hz_field *sub;   /* HZ_F_ARRAY: the items' fields */
};

struct hz_value {
	bool        present;
	const char *s;          /* HZ_F_STRING, NUL-terminated */
	size_t      len;        /* bytes */
	int64_t     i;          /* HZ_F_INT; HZ_F_ARRAY: item count */
	bool        b;          /* HZ_F_BOOL */
	const cJSON *node;      /* HZ_F_ARRAY: the array, items valid */
};

#define HZ_MAX_FIELDS 32

struct hz_field_error {
	const char *field;
	const char *message;    /* Chinese */
};

/* Checks `obj` against `fields` (terminated by a NULL name). Fills out[i]
 * for fields[i]. Unknown and duplicated keys are errors, not ignored.
 * Returns HZ_OK or HZ_ERR_INVALID with up to `maxerr` errors in errs. */
enum hz_status hz_json_validate(hz_arena *, const cJSON *obj,
                                const struct hz_field *fields,
                                struct hz_value *out,
                                struct hz_field_error *errs, size_t maxerr,
                                size_t *nerr);

#endif
