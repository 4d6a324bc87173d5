/* One HTTP request as the handlers see it. Everything hangs off the
 * request's arena and dies with it; strings are copies, never pointers
 * into FastCGI's buffers (those die at FCGX_Finish_r). */
#ifndef HZ_REQUEST_H
#define HZ_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "config.h"
#include "ctx.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "policy.h"

#define HZ_MAX_PARAMS 4

struct hz_route;

struct hz_req {
	hz_arena               *arena;
	const struct hz_config *cfg;
	struct hz_db           *db;

	/* Input, from nginx's FastCGI parameters. */
	enum hz_method          method;
	const char             *path;          /* nginx $uri: decoded, normalised */
	const char             *query;         /* raw QUERY_STRING, "" if none */
	const char             *content_type;  /* NULL if none */
	const char             *request_id;    /* nginx $request_id */
	const char             *remote_addr;
	const char             *authorization;
	const char             *body;
	size_t                  body_len;

	/* What core/ is called with; ctx.caller points at `caller` once the
	 * bearer token was verified. */
	struct hz_ctx           ctx;
	struct hz_caller        caller;

	/* Filled by the router and the body validator. */
	const struct hz_route  *route;
	const char             *param_names[HZ_MAX_PARAMS];
	const char             *params[HZ_MAX_PARAMS];
	size_t                  nparams;
	cJSON                  *json;
	struct hz_value         in[HZ_MAX_FIELDS];

	/* Output: the whole CGI response (headers and body), written to the
	 * FastCGI stream in one call by the worker. */
	int                     status;
	bool                    replied;
	struct hz_buf           headers;       /* extra "Name: value\r\n" lines */
	struct hz_buf           out;
};

/* A path parameter by name ({id} in the pattern), or NULL. */
const char *hz_param(const struct hz_req *, const char *name);

/* Parse-or-reply helpers: on failure the response is written (404 for a
 * path id, 422 for a query value) and false is returned. */
bool hz_path_id(struct hz_req *, const char *name, uint64_t *out);
bool hz_query_id(struct hz_req *, const char *name, uint64_t *out);
bool hz_query_text(struct hz_req *, const char *name, size_t max,
                   const char **out);
/* ?after=<id>&limit=<1..100, default 20> */
bool hz_query_page(struct hz_req *, uint64_t *after, int *limit);
/* Refuses query names not in `allowed` (NULL-terminated) with 422. */
bool hz_query_only(struct hz_req *, const char *const *allowed);

#endif
