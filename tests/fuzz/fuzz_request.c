/* libFuzzer harness for the request path without a socket: method, path
 * parameters, query strings, content type and JSON body through the real
 * route table and hz_handle. Input: one method byte, then path, query,
 * content type and body separated by NUL bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "http.h"
#include "log.h"

static hz_arena *arena;
static struct hz_config cfg;
static struct hz_db *db;
static struct hz_keys keys;

static const char *
next_field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p, *z = memchr(s, 0, (size_t)(end - s));
	size_t n = z ? (size_t)(z - s) : (size_t)(end - s);
	char *out = hz_arena_strndup(arena, (const char *)s, n);

	*p = z ? z + 1 : end;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "limit", "after", "unit", NULL };
	const uint8_t *p = data + 1, *end = data + size;
	struct hz_req req;
	const char *v, *bad;
	size_t len;

	if (arena == NULL) {
		arena = hz_arena_new(16 * 1024);
		hz_config_defaults(&cfg);
		/* The database is unreachable: handlers that need it answer
		 * 503, which is itself a path worth fuzzing. */
		strcpy(cfg.db_socket, "/nonexistent/huzu-fuzz.sock");
		db = hz_db_new(&cfg);
		hz_log_set_level(HZ_LOG_ERROR + 1);
	}
	if (size < 1)
		return 0;
	hz_req_init(&req, arena, &cfg, &keys, db);
	req.method = (enum hz_method)(data[0] % (HZ_METHOD_OTHER + 1));
	req.path = next_field(&p, end);
	req.query = next_field(&p, end);
	req.content_type = next_field(&p, end);
	req.request_id = "fuzz";
	req.body = (const char *)p;
	req.body_len = (size_t)(end - p);

	for (const char *const *n = names; *n; n++)
		(void)hz_query_get(arena, req.query, *n, &v);
	(void)hz_query_check(arena, req.query, names, &bad);
	/* Every declared query parameter of every route, by its rule (the
	 * dispatcher checks them only after a login the fuzzer lacks). */
	for (size_t i = 0; i < hz_nroutes; i++)
		for (const struct hz_field *f = hz_routes[i].query;
		    f != NULL && f->name != NULL; f++) {
			struct hz_value val;
			if (hz_query_get(arena, req.query, f->name, &v) == HZ_OK)
				(void)hz_value_check(arena, f->rule, v, &val);
		}
	(void)hz_content_length(req.query, 65536, &len);
	(void)hz_is_json_type(req.content_type);

	hz_handle(&req, hz_routes, hz_nroutes);
	if (!req.replied || req.out.len == 0)
		abort();
	hz_arena_reset(arena);
	return 0;
}
