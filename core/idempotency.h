/* Idempotency keys (DESIGN.md, API conventions): a phone that retries a
 * write on a bad network sends the same Idempotency-Key, and the write
 * happens once. Per user: the same key from two users is two keys.
 *
 *   claim    first time: the key is ours (state running), run the request;
 *            same key, same request, answered: the stored answer;
 *            same key, another request: 422 idempotency_key_reused;
 *            same key, still running: 409 idempotency_in_progress;
 *            running for HZ_IDEM_STALE_SECS (its worker died) having
 *            committed nothing: ours again;
 *            committed, but no answer was stored (below): 409
 *            idempotency_key_applied, never run again.
 *   bind     while the request runs: every transaction it commits marks
 *            the claim's row in the same transaction (commits + 1), and
 *            commits only if the claim is still ours.
 *   finish   stores the final answer (state done), kept ≥ 24 hours.
 *   forget   the answer was not final (a 5xx): a claim that committed
 *            nothing is dropped, so that a retry runs again; one that did
 *            is closed without an answer (applied).
 *   purge    deletes keys older than 24 hours (the scheduler's job).
 *
 * A claim is a committed row, taken before the request runs and outside
 * its transaction: insert-first on the primary key, no gap locks (Galera).
 * The mark is what makes a COMMIT of unknown outcome (hz_db_commit_unknown:
 * 1180, a lost connection, a stall) safe: the row says whether the write
 * is in, because both committed together or neither did. A retry never
 * runs a committed write again, whichever worker or host it reaches, and
 * a write that was not committed runs once more. */
#ifndef HZ_IDEMPOTENCY_H
#define HZ_IDEMPOTENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "ctx.h"

#define HZ_IDEM_KEY_MAX     64    /* characters of a key */
#define HZ_IDEM_STALE_SECS  60    /* a claim running this long is dead */
#define HZ_IDEM_KEEP_HOURS  24    /* answers are kept at least this long */

/* What was asked: the request hash covers all four, so that the same key
 * with another body (or on another path) is told apart. */
struct hz_idem_request {
	const char *method;
	const char *path;
	const char *query;       /* "" if none */
	const char *body;        /* may be NULL when body_len is 0 */
	size_t      body_len;
};

/* A claim this request holds: what finish and forget need. */
struct hz_idem_claim {
	uint64_t             user_id;
	unsigned char        key_hash[HZ_INDEX_BYTES];
	unsigned char        owner[16];
	const struct hz_ctx *x;          /* bound to (hz_idempotency_bind) */
};

/* An answer, as stored and replayed byte for byte. */
struct hz_idem_answer {
	int         status;
	const char *content_type;   /* NULL: no body */
	const char *headers;        /* extra "Name: value\r\n" lines, or "" */
	size_t      headers_len;
	const char *body;
	size_t      body_len;
};

/* 1 to HZ_IDEM_KEY_MAX visible ASCII characters (0x21–0x7e): a UUID, a
 * ULID, a random token. */
bool hz_idempotency_key_valid(const char *key);

/* Claims `key` for the caller (x->caller, required) and `req`.
 * HZ_OK: claimed, *claim filled; run the request, then finish or forget.
 * HZ_DONE: answered before; *answer holds the stored answer (arena).
 * Refusals: 422 validation_failed on "Idempotency-Key" for a malformed
 * key, 422 idempotency_key_reused for another request under the key,
 * 409 idempotency_in_progress (Retry-After 1) while it runs, 409
 * idempotency_key_applied when it committed but its answer was lost. */
enum hz_status hz_idempotency_claim(const struct hz_ctx *, const char *key,
                                    const struct hz_idem_request *,
                                    struct hz_idem_claim *,
                                    struct hz_idem_answer *answer);

/* Stores the final answer under the claim. HZ_ERR_CONFLICT when the claim
 * is no longer ours (taken over as stale): the answer is not stored. */
enum hz_status hz_idempotency_finish(const struct hz_ctx *,
                                     const struct hz_idem_claim *,
                                     const struct hz_idem_answer *);

/* Ties the claim to the transactions of the request that runs next on
 * x->db (hz_db_on_commit), until unbind: each that wrote marks the claim's
 * row before its COMMIT (one that changed nothing, a compare-and-set that
 * lost, has nothing to mark), and one whose claim was taken over
 * meanwhile is rolled back (409 idempotency_in_progress). `c` must
 * outlive the binding. */
void           hz_idempotency_bind(const struct hz_ctx *,
                                   struct hz_idem_claim *);
void           hz_idempotency_unbind(const struct hz_ctx *);

/* The request ended without a final answer. If it committed nothing
 * (whatever hz_db_commit_unknown says, the row knows), the claim is
 * dropped and a retry runs again; if it did, the claim is closed as done
 * without an answer (*applied) and a retry is told so. A claim no longer
 * ours is left alone. */
enum hz_status hz_idempotency_forget(const struct hz_ctx *,
                                     const struct hz_idem_claim *,
                                     bool *applied);

/* Tests only: fn(arg) runs inside the next claims, between reading a
 * stale claim that committed nothing and taking it over, where another
 * request may mark it (the take-over's `commits = 0`); NULL: none. */
void           hz_idempotency_test_before_take_over(void (*fn)(void *),
                                                    void *arg);

/* Deletes keys older than HZ_IDEM_KEEP_HOURS; *n: how many. */
enum hz_status hz_idempotency_purge(const struct hz_ctx *,
                                    unsigned long long *n);

#endif
