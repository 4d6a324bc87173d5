/* One HTTP request as the handlers see it. Everything hangs off the
 * request's arena and dies with it; strings are copies, never pointers
 * into FastCGI's buffers (those die at FCGX_Finish_r). */
#ifndef HZ_REQUEST_H
#define HZ_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "access.h"
#include "arena.h"
#include "config.h"
#include "ctx.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "page.h"
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
	const char             *idempotency_key;  /* NULL if none */
	const char             *body;
	size_t                  body_len;
	const char             *body_path;     /* HZ_BODY_FILE routes: the
	                                          body's file, removed after */

	/* What core/ is called with; ctx.caller points at `caller` once the
	 * bearer token was verified. */
	struct hz_ctx           ctx;
	struct hz_caller        caller;
	struct hz_claims        claims;        /* the bearer token's */

	/* Filled by the router and the body validator. */
	const struct hz_route  *route;
	const char             *param_names[HZ_MAX_PARAMS];
	const char             *params[HZ_MAX_PARAMS];
	size_t                  nparams;
	cJSON                  *json;
	struct hz_value         in[HZ_MAX_FIELDS];   /* route->body[i] */
	struct hz_value         q[HZ_MAX_FIELDS];    /* route->query[i] */
	/* Why core refused, if it did (ctx.why points here). */
	struct hz_refusal       why;

	/* Output: the whole CGI response (headers and body), written to the
	 * FastCGI stream in one call by the worker (unless streamed). */
	int                     status;
	bool                    replied;
	const char             *error_code;    /* of an error answer, for the log */
	struct hz_buf           headers;       /* extra "Name: value\r\n" lines */
	bool                    cache_control; /* headers has one: no no-store */
	struct hz_buf           out;
	/* A streamed answer (hz_reply_stream_start): its bytes go to the
	 * sink at once instead of into `out`. The worker sets the sink. */
	void                   *sink;
	bool                  (*sink_write)(void *sink, const char *data,
	                                    size_t len);
	bool                    streamed;
	/* The capture of the answer (response.c), for idempotency: where the
	 * body starts in `out` and its type (NULL: no body). */
	size_t                  body_at;
	const char             *body_type;
	const char             *idem;          /* for the log: new, replay... */
};

/* A path parameter by name ({id} in the pattern), or NULL. */
const char *hz_param(const struct hz_req *, const char *name);

/* Parse-or-reply: a path id, or a 404 written and false returned (a
 * string that is no id is as absent as an id that does not exist). */
bool hz_path_id(struct hz_req *, const char *name, uint64_t *out);

/* The query parameters every list takes first, in this order: the keyset
 * cursor and the page size. A route's query table starts with them:
 *
 *     static const struct hz_field q[] = { HZ_PAGE_QUERY, { "status", ... } };
 */
extern const struct hz_rule hz_rule_page_limit;
#define HZ_PAGE_QUERY { "after", &hz_rule_id, 0 }, \
	{ "limit", &hz_rule_page_limit, 0 }
enum { HZ_Q_AFTER, HZ_Q_LIMIT, HZ_Q_PAGE__N };

/* The page asked for by a route whose query starts with HZ_PAGE_QUERY. */
struct hz_page hz_req_page(const struct hz_req *);

/* Optional values of the body (in) or the query (q): NULL / 0 if absent. */
#define HZ_OPT_S(v) ((v).present ? (v).s : NULL)
#define HZ_OPT_ID(v) ((v).present ? (uint64_t)(v).i : 0)

#endif
