#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checkin_days.h"

#define SHANGHAI_MS (8LL * 3600 * 1000)
#define DAY_MS (86400LL * 1000)

enum {
	STMT_SEED, STMT_MARK, STMT_CLEAR, STMT_ROLL, STMT_SET, STMT_DROP,
	STMT_RESET_MARK, STMT_RESET_ROWS, STMT__MAX
};

enum { M_UPTO, M_NOW, M_FIRST };

static const char *const sql[STMT__MAX] = {
	[STMT_SEED] =
	    "INSERT IGNORE INTO rollup_marks (name) VALUES ('checkin_days')",
	/* The watermark, locked for the run (a reset waits for it), the
	 * database's clock and the first check-in kept (checkins_at), in
	 * UTC milliseconds. */
	[STMT_MARK] =
	    "SELECT CAST(UNIX_TIMESTAMP(upto) * 1000 AS SIGNED),"
	    " CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED),"
	    " (SELECT CAST(UNIX_TIMESTAMP(MIN(at)) * 1000 AS SIGNED)"
	    "  FROM checkins)"
	    " FROM rollup_marks WHERE name = 'checkin_days' FOR UPDATE",
	/* The day the recount starts and every later one: only the
	 * watermark's day can have a row there, and the recount writes
	 * them all again. */
	[STMT_CLEAR] = "DELETE FROM checkin_days WHERE day >= ?",
	/* [lo, hi) by Shanghai day and by the unit holding the building
	 * (checkins_week: the index alone, then the building by key). */
	[STMT_ROLL] =
	    "INSERT INTO checkin_days (day, unit_id, residence, patrol)"
	    " SELECT DATE(c.at + INTERVAL 8 HOUR),"
	    " COALESCE(u.parent_id, u.id), SUM(c.kind = 'residence'),"
	    " SUM(c.kind = 'patrol')"
	    " FROM checkins c JOIN units u ON u.id = c.building_id"
	    " WHERE c.at >= ? AND c.at < ? GROUP BY 1, 2",
	[STMT_SET] =
	    "UPDATE rollup_marks SET upto = ? WHERE name = 'checkin_days'",
	/* Days the check-ins' purge has emptied (every day before the
	 * first check-in kept): their count is 0 again. */
	[STMT_DROP] =
	    "DELETE FROM checkin_days WHERE day < (SELECT"
	    " DATE(MIN(at) + INTERVAL 8 HOUR) FROM checkins) LIMIT 5000",
	[STMT_RESET_MARK] =
	    "UPDATE rollup_marks SET upto = '1970-01-01'"
	    " WHERE name = 'checkin_days'",
	[STMT_RESET_ROWS] = "DELETE FROM checkin_days",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("checkin_days", sql);

/* UTC milliseconds as DATETIME(3) text, and the Shanghai date. */
static const char *
at_text(hz_arena *a, long long ms, bool date)
{
	time_t s = (time_t)((ms + (date ? SHANGHAI_MS : 0)) / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	if (date)
		return hz_arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
	return hz_arena_printf(a, "%04d-%02d-%02d %02d:%02d:%02d.%03lld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms % 1000);
}

/* The start of the Shanghai day holding ms, in UTC milliseconds. */
static long long
day_start(long long ms)
{
	return (ms + SHANGHAI_MS) / DAY_MS * DAY_MS - SHANGHAI_MS;
}

struct step {
	long long          until;     /* 0: the clock less the margin */
	unsigned long long rows;      /* written by this step */
	bool               done;      /* the watermark reached `until` */
};

/* One week at most, recounted from the start of the watermark's day. */
static enum hz_status
step_tx(const struct hz_ctx *x, void *p)
{
	struct step *j = p;
	struct hz_db_result r;
	long long upto, until, start, lo, hi;
	const char *lo_at, *hi_at, *lo_day;
	enum hz_status rc;

	j->rows = 0;
	j->done = true;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MARK, HZ_NO_ARGS,
	    &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_OK;          /* seeded before; gone: nothing to do */
	upto = HZ_CELL(&r, 0, M_UPTO)->i;
	until = HZ_CELL(&r, 0, M_NOW)->i - HZ_CHECKIN_DAYS_MARGIN_MS;
	if (j->until > 0 && j->until < until)
		until = j->until;
	if (upto >= until)
		return HZ_OK;
	/* Nothing rolled yet: from the first check-in's day (none, or none
	 * before `until`: the watermark moves on alone). */
	start = upto;
	if (upto <= 0)
		start = HZ_CELL(&r, 0, M_FIRST)->null ? until :
		    HZ_CELL(&r, 0, M_FIRST)->i;
	if (start > until)
		start = until;
	lo = day_start(start);
	hi = lo + 7 * DAY_MS;
	if (hi >= until)
		hi = until;
	else
		j->done = false;
	if ((lo_at = at_text(x->arena, lo, false)) == NULL ||
	    (hi_at = at_text(x->arena, hi, false)) == NULL ||
	    (lo_day = at_text(x->arena, lo, true)) == NULL)
		return HZ_ERR_NOMEM;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CLEAR,
	    HZ_ARGS(HZ_ARG_STR(lo_day)), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_ROLL,
	    HZ_ARGS(HZ_ARG_STR(lo_at), HZ_ARG_STR(hi_at)), &r)))
		return rc;
	j->rows = r.affected;
	return hz_db_run(x->db, x->arena, &stmts, STMT_SET,
	    HZ_ARGS(HZ_ARG_STR(hi_at)), NULL);
}

enum hz_status
hz_checkin_days_roll(const struct hz_ctx *x, long long until,
                     unsigned long long *rows)
{
	struct step j = { .until = until };
	enum hz_status rc;

	*rows = 0;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SEED, HZ_NO_ARGS,
	    NULL)))
		return rc;
	/* A week a transaction; a first run over 180 days of check-ins
	 * takes 26, so it is bounded all the same. */
	for (int i = 0; i < 64; i++) {
		/* READ COMMITTED: the check-ins are read, not locked, so a
		 * check-in never waits for the job. */
		if ((rc = hz_tx_read_committed(x, step_tx, &j)))
			return rc;
		*rows += j.rows;
		if (j.done)
			break;
	}
	return HZ_OK;
}

enum hz_status
hz_checkin_days_job(const struct hz_ctx *x, unsigned long long *n)
{
	enum hz_status rc;

	if ((rc = hz_checkin_days_roll(x, 0, &n[0])))
		return rc;
	return hz_db_run_batches(x->db, x->arena, &stmts, STMT_DROP, HZ_NO_ARGS,
	    HZ_DB_PURGE_BATCH, 0, &n[1]);
}

static enum hz_status
reset_tx(const struct hz_ctx *x, void *p)
{
	enum hz_status rc;

	(void)p;
	/* The watermark first: a run holding it finishes before. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_RESET_MARK,
	    HZ_NO_ARGS, NULL)))
		return rc;
	return hz_db_run(x->db, x->arena, &stmts, STMT_RESET_ROWS, HZ_NO_ARGS,
	    NULL);
}

enum hz_status
hz_checkin_days_reset(const struct hz_ctx *x)
{
	return hz_tx(x, reset_tx, NULL);
}
