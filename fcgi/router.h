/* The route table (after kcgi's sample.c and nginx's ngx_command_t): one
 * row per endpoint, read top to bottom in routes.c. Adding an endpoint is
 * adding a row. */
#ifndef HZ_ROUTER_H
#define HZ_ROUTER_H

#include <stddef.h>

#include "http.h"
#include "json.h"
#include "request.h"

enum hz_access {
	HZ_PUBLIC,            /* anyone, no token needed */
	HZ_USER,              /* any valid access token */
	HZ_STAFF,             /* staff only: a resident gets 403 */
	HZ_OPTIONAL,          /* anyone; a valid token tells who is asking */
};

struct hz_route {
	enum hz_method         method;
	const char            *pattern;   /* "/api/v1/units/{id}" */
	void                 (*handler)(struct hz_req *);
	enum hz_access         access;
	const struct hz_field *body;      /* JSON fields, or NULL: no body */
	const struct hz_field *query;     /* query parameters, or NULL: none
	                                     (any given is refused) */
	unsigned               flags;     /* HZ_IDEMPOTENT, HZ_BODY_FILE; a
	                                     row that leaves it out has none */
};

/* Route flags. */
enum {
	/* Honours Idempotency-Key (core/idempotency.h): a retry with the same
	 * key and request gets the first answer again. Only on routes with a
	 * caller (HZ_USER, HZ_STAFF): keys are per user. Other routes ignore
	 * the header. */
	HZ_IDEMPOTENT = 1u << 0,
	/* The body is raw bytes up to cfg->upload_max, received into a file
	 * (req->body_path) instead of the arena: photos. */
	HZ_BODY_FILE = 1u << 1,
	/* Open to a caller holding a temporary password (an admin's reset);
	 * every other route with a caller answers 403
	 * password_change_required until it is changed (core/users.h). */
	HZ_TEMP_PASSWORD_OK = 1u << 2,
	/* With HZ_IDEMPOTENT: running the write again after it committed is
	 * harmless, and answers better than 409 idempotency_key_applied
	 * would: the complaint's unique request key returns the complaint
	 * filed, a batch approves what is still pending and says which items
	 * were decided already. A 5xx then releases the claim as it did
	 * before the commit marks (core/idempotency.h), and the retry runs
	 * again. Without it, a write that committed is never run twice. */
	HZ_IDEM_RERUN_SAFE = 1u << 3,
	/* The handler's first read brings the caller with it (core/policy.h,
	 * hz_caller_take): the front verifies the token and leaves the
	 * caller's own round trip out. Only on HZ_USER routes without
	 * HZ_TEMP_PASSWORD_OK and HZ_IDEMPOTENT, whose admission core
	 * repeats (test_routes holds this). */
	HZ_CALLER_IN_READ = 1u << 4,
};

extern const struct hz_route hz_routes[];
extern const size_t          hz_nroutes;

enum hz_match { HZ_MATCH_OK, HZ_MATCH_NONE, HZ_MATCH_METHOD };

/* Finds the route for req->method and req->path and fills req->route and
 * the path parameters. HZ_MATCH_METHOD: the path exists under other
 * methods, listed in `allow` (e.g. "GET, POST"). */
enum hz_match hz_route_match(struct hz_req *, const struct hz_route *table,
                             size_t n, char *allow, size_t allowlen);

#endif
