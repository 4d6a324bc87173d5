#include <string.h>

#include "outbox.h"

enum { STMT_QUEUE, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_QUEUE] =
	    "INSERT INTO notifications (user_id, kind, subject_id, text,"
	    " created_at, next_try_at) VALUES (?, ?, NULLIF(?, 0), ?,"
	    " FROM_UNIXTIME(?), FROM_UNIXTIME(?))",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("outbox", sql);

enum hz_status
hz_notify(const struct hz_ctx *x, uint64_t user, const char *kind,
          uint64_t subject, const char *text)
{
	struct hz_db_result r;

	return hz_db_run(x->db, x->arena, &stmts, STMT_QUEUE, HZ_ARGS(
	    HZ_ARG_I64((long long)user), HZ_ARG_STR(kind),
	    HZ_ARG_I64((long long)subject), HZ_ARG_STR(text),
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64((long long)x->now)), &r);
}
