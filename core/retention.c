/* Retention (retention.h): erasing old registrations' personal data and
 * deleting spent refresh tokens. Periods run on the database's clock, not
 * x->now: a tick in the future (huzu tick --now) must not erase today's
 * rows. */
#include <stdio.h>

#include "audit.h"
#include "retention.h"

#define ERASE_SET \
	"UPDATE tenancies SET id_sealed = NULL, id_index = NULL," \
	" phone_sealed = NULL, members_sealed = NULL, erased_at = NOW(3)"

#define REFRESH_BATCH HZ_DB_PURGE_BATCH

enum {
	STMT_ERASE_ENDED, STMT_ERASE_REJECTED, STMT_REFRESH_USED,
	STMT_REFRESH_EXPIRED, STMT_REFRESH_REVOKED, STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* tenancies_closed (status, erased_at, ended_at) finds both. */
	[STMT_ERASE_ENDED] = ERASE_SET
	    " WHERE status = 'ended' AND erased_at IS NULL"
	    " AND ended_at < NOW(3) - INTERVAL ? DAY LIMIT 500",
	[STMT_ERASE_REJECTED] = ERASE_SET
	    " WHERE status = 'rejected' AND erased_at IS NULL"
	    " AND decided_at < NOW(3) - INTERVAL ? DAY LIMIT 500",
	/* Used (refresh_used), whatever happened to the family after. */
	[STMT_REFRESH_USED] =
	    "DELETE FROM refresh_tokens WHERE used_at < NOW(3) - INTERVAL 7 DAY"
	    " LIMIT 5000",
	/* Expired (refresh_expires), used or not. */
	[STMT_REFRESH_EXPIRED] =
	    "DELETE FROM refresh_tokens"
	    " WHERE expires_at < NOW(3) - INTERVAL 7 DAY LIMIT 5000",
	/* Revoked with their session (logout, reuse, a disabled account):
	 * the sessions that ended between 8 and 7 days ago, found by
	 * sessions_revoked, so that a run reads one day of them, not the
	 * table. (A multi-table DELETE takes no LIMIT; a family holds one
	 * or two revoked tokens, its used ones went above.) Those a stopped
	 * scheduler missed go 7 days after they expire. */
	[STMT_REFRESH_REVOKED] =
	    "DELETE r FROM sessions s JOIN refresh_tokens r"
	    " ON r.family = s.family AND r.state = 'revoked'"
	    " WHERE s.revoked_at < NOW(3) - INTERVAL 7 DAY"
	    " AND s.revoked_at >= NOW(3) - INTERVAL 8 DAY",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("retention", sql);

/* Runs `stmt` while it fills whole batches, at most HZ_ERASE_BATCHES
 * times; adds what it changed to *n. */
static enum hz_status
batches(const struct hz_ctx *x, size_t stmt, const struct hz_db_arg *arg,
        unsigned long long batch, unsigned long long *n)
{
	return hz_db_run_batches(x->db, x->arena, &stmts, stmt, arg, arg ? 1 : 0,
	    batch, HZ_ERASE_BATCHES, n);
}

enum hz_status
hz_tenancies_erase(const struct hz_ctx *x, int days, unsigned long long *erased)
{
	struct hz_db_arg d = HZ_ARG_I64(days);
	char detail[96];
	enum hz_status rc;

	*erased = 0;
	/* Each statement commits on its own: an interrupted run has erased
	 * what it erased, and the next run goes on from there. */
	if ((rc = batches(x, STMT_ERASE_ENDED, &d, HZ_ERASE_BATCH, erased)) ||
	    (rc = batches(x, STMT_ERASE_REJECTED, &d, HZ_ERASE_BATCH, erased)))
		return rc;
	if (*erased == 0)
		return HZ_OK;
	snprintf(detail, sizeof(detail), "{\"erased\":%llu,\"days\":%d}",
	    *erased, days);
	return hz_audit(x, 0, "tenancy.erase", NULL, 0, detail);
}

enum hz_status
hz_refresh_purge(const struct hz_ctx *x, unsigned long long *deleted)
{
	enum hz_status rc;

	*deleted = 0;
	if ((rc = batches(x, STMT_REFRESH_USED, NULL, REFRESH_BATCH, deleted)) ||
	    (rc = batches(x, STMT_REFRESH_EXPIRED, NULL, REFRESH_BATCH,
	    deleted)))
		return rc;
	return batches(x, STMT_REFRESH_REVOKED, NULL, REFRESH_BATCH, deleted);
}
