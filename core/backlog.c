#include <string.h>

#include "backlog.h"

enum { STMT_OUTBOX, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	/* notifications_due is (sent_at, next_try_at): the unsent rows
	 * only, few when the outbox keeps up. Given up is next_try_at
	 * 9999-12-31 (core/outbox.c). */
	[STMT_OUTBOX] =
	    "SELECT CAST(COALESCE(SUM(next_try_at <= FROM_UNIXTIME(?)), 0)"
	    "  AS SIGNED),"
	    " CAST(COALESCE(? - UNIX_TIMESTAMP(MIN(IF(next_try_at <="
	    "  FROM_UNIXTIME(?), created_at, NULL))), 0) AS SIGNED),"
	    " CAST(COALESCE(SUM(next_try_at >= '9999-01-01'), 0) AS SIGNED)"
	    " FROM notifications WHERE sent_at IS NULL",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("backlog", sql);

enum hz_status
hz_outbox_backlog(const struct hz_ctx *x, struct hz_outbox_backlog *b)
{
	struct hz_db_result r;
	struct hz_db_arg now = HZ_ARG_I64((long long)x->now);
	enum hz_status rc;

	memset(b, 0, sizeof(*b));
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OUTBOX,
	    HZ_ARGS(now, now, now), &r)))
		return rc;
	if (r.nrows != 1)
		return HZ_ERR_DB;
	b->due = HZ_CELL(&r, 0, 0)->i;
	b->oldest_age = HZ_CELL(&r, 0, 1)->i;
	b->given_up = HZ_CELL(&r, 0, 2)->i;
	if (b->oldest_age < 0)
		b->oldest_age = 0;
	return HZ_OK;
}
