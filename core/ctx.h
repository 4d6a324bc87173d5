/* What every domain function of core/ is called with: the request's
 * resources and who is asking. The HTTP front fills one per request; the
 * admin commands fill one with no caller.
 *
 * Two conventions hang off it:
 *
 *  - Refusals. A rule that says no says why, once, where the rule lives:
 *    a `struct hz_refusal` (status, stable code, field, Chinese message)
 *    declared beside the rule and returned with `return hz_refuse(x, &R);`.
 *    The front renders it with one call (hz_reply_status); the importer
 *    and the CLI print the same words. Nothing outside core/ decodes or
 *    rewords a refusal.
 *
 *  - Transactions. hz_tx runs a callback that receives this context, so
 *    a write and its audit row commit together, or neither does. */
#ifndef HZ_CTX_H
#define HZ_CTX_H

#include <time.h>

#include "arena.h"
#include "config.h"
#include "crypto.h"
#include "db.h"

struct hz_caller;
struct hz_claims;
struct hz_rule;

/* Why core said no. `code` is a stable snake_case id for clients and
 * logs; `field` names the input at fault (NULL: none in particular);
 * `message` is Chinese and tells the user what to do next. */
struct hz_refusal {
	enum hz_status status;
	const char    *code;
	const char    *field;
	const char    *message;
	int            retry_after;   /* seconds, for 429; 0: none */
};

struct hz_ctx {
	struct hz_db           *db;
	hz_arena               *arena;
	const struct hz_config *cfg;
	const struct hz_keys   *keys;
	const struct hz_caller *caller;      /* NULL: anonymous or CLI */
	/* A caller not loaded yet (policy.h, hz_caller_take): the verified
	 * token, and where the caller goes once read. NULL otherwise. */
	const struct hz_claims *claims;
	struct hz_caller       *caller_slot;
	const char             *request_id;  /* for the audit log */
	const char             *ip;          /* client address, for limits */
	time_t                  now;
	struct hz_refusal      *why;         /* filled by hz_refuse; may be NULL */
};

/* Records `r` as the reason and returns its status. */
enum hz_status hz_refuse(const struct hz_ctx *, const struct hz_refusal *r);
/* A value broke a declared input rule (json.h): 422 on `field`, with the
 * rule's message. */
enum hz_status hz_refuse_rule(const struct hz_ctx *, const char *field,
                              const struct hz_rule *);
/* Forgets a refusal that the caller handled itself. */
void           hz_refuse_clear(const struct hz_ctx *);
/* The recorded refusal if it explains `rc`, else NULL. */
const struct hz_refusal *hz_refusal_of(const struct hz_ctx *,
                                       enum hz_status rc);

/* hz_db_tx for domain code: fn(x, job) runs inside one transaction,
 * committed on HZ_OK and rolled back otherwise; deadlocks rerun it, so fn
 * must be safe to run again. Nested calls join the outer transaction. */
enum hz_status hz_tx(const struct hz_ctx *,
                     enum hz_status (*fn)(const struct hz_ctx *, void *job),
                     void *job);
/* hz_tx at READ COMMITTED (db.h): for a transaction that serialises
 * itself with row locks and must then read what others committed since
 * it began (the volunteer sign-ups). */
enum hz_status hz_tx_read_committed(const struct hz_ctx *,
                                    enum hz_status (*fn)(const struct hz_ctx *,
                                                         void *job),
                                    void *job);

#endif
