#include <string.h>

#include "health.h"

enum { STMT_PING, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_PING] = "SELECT 1",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("health", sql);

enum hz_status
hz_health_check(struct hz_db *db, hz_arena *a)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(db, a, &stmts, STMT_PING, HZ_NO_ARGS, &r)) != HZ_OK)
		return rc;
	return r.nrows == 1 && HZ_CELL(&r, 0, 0)->i == 1 ? HZ_OK : HZ_ERR_DB;
}
