/* HTTP-level parsing of what nginx hands over as FastCGI parameters. Pure
 * functions over strings: no FastCGI here, so unit tests and the fuzzer
 * call them directly. */
#ifndef HZ_HTTP_H
#define HZ_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "status.h"

enum hz_method {
	HZ_GET, HZ_HEAD, HZ_POST, HZ_PUT, HZ_PATCH, HZ_DELETE, HZ_OPTIONS,
	HZ_METHOD_OTHER,
};

enum hz_method hz_method_parse(const char *);
const char    *hz_method_name(enum hz_method);

enum hz_cl { HZ_CL_OK, HZ_CL_BAD, HZ_CL_TOO_LARGE };

/* RFC 3875 §4.1.2: CONTENT_LENGTH is absent/empty (no body) or 1*digit.
 * Anything else (sign, space, hex, overflow) is HZ_CL_BAD; a valid value
 * above `max` is HZ_CL_TOO_LARGE (with *out set, so the body can be
 * drained). */
enum hz_cl hz_content_length(const char *s, size_t max, size_t *out);

/* application/json, optionally with ";charset=utf-8" (RFC 8259 §11 has no
 * charset parameter, but clients send it). Case-insensitive. */
bool hz_is_json_type(const char *content_type);

/* Finds `name` in an application/x-www-form-urlencoded query string and
 * decodes its value into the arena. HZ_ERR_NOT_FOUND when absent;
 * HZ_ERR_INVALID for bad %-escapes, invalid UTF-8, a NUL or a repeated
 * name (ambiguous, so refused). */
enum hz_status hz_query_get(hz_arena *, const char *query, const char *name,
                            const char **out);

/* Validates every pair of a query string against the names allowed (NULL
 * terminated): unknown names are refused like unknown JSON fields. Returns
 * the first bad name in *bad. */
enum hz_status hz_query_check(hz_arena *, const char *query,
                              const char *const *allowed, const char **bad);

#endif
