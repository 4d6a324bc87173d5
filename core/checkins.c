#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checkins.h"
#include "access.h"
#include "clock.h"
#include "policy.h"
#include "scan.h"
#include "tenancies.h"

/* What a scan needs to know, in one consistent (lock-free) read, after
 * the caller's own columns (policy.h, HZ_CALLER_COLS): the unit the code
 * names, the caller's open tenancy (residents: staff pass NULL) and their
 * check-ins there within 10 minutes. */
#define SCAN_ROW(C, L) \
	C(S_KIND, "n.kind") C(S_NAME, "n.name") C(S_PATH, "n.path") \
	C(S_SERIAL, "b.qr_serial") C(S_TENANCY, "t.id") \
	C(S_WHERE, "t.building_id") C(S_STATUS, "t.status") \
	C(S_ID, "c.id") C(S_CKIND, "c.kind") L(S_AT, "c.at")
enum { SCAN_ROW(HZ_COL_ENUM, HZ_COL_ENUM) S__NCOLS };

enum { STMT_SCAN, STMT_RECENT, STMT_INSERT, STMT_BY_SLOT, STMT_PURGE,
       STMT__MAX };

static const char *const sql[STMT__MAX] = {
	/* Args: the caller's session, the building, the caller's id if a
	 * resident (else NULL), the caller's id and the building again (an
	 * index range on all three parts of checkins_user; joined to u and
	 * n, MariaDB reads the pair's every check-in by ref), the caller's
	 * id. The caller and their
	 * session, then a row per check-in of theirs there within 10 minutes
	 * (at most two: a slot is 10 minutes) or one with NULL check-in
	 * columns; the latest is chosen in C. So a check-in is this read and
	 * the insert: two round trips, the caller's included.
	 *
	 * A plain range join, no subquery: MariaDB optimizes a prepared
	 * statement anew at every execution, and a subquery's optimization
	 * cost more than its execution. A consistent read: it locks nothing
	 * (an INSERT ... SELECT would take next-key locks on checkins under
	 * REPEATABLE READ, into whose gaps the concurrent check-ins of one
	 * person all insert: deadlocks). */
	[STMT_SCAN] =
	    "SELECT " HZ_CALLER_COLS ", " SCAN_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM " HZ_CALLER_FROM
	    " LEFT JOIN units n ON n.id = ?"
	    " LEFT JOIN buildings b ON b.unit_id = n.id"
	    " LEFT JOIN tenancies t ON t.open_user = ?"
	    " LEFT JOIN checkins c FORCE INDEX (checkins_user)"
	    " ON c.user_id = ? AND c.building_id = ?"
	    " AND c.at > NOW(3) - INTERVAL 10 MINUTE"
	    " WHERE u.id = ? LIMIT 4",
	[STMT_RECENT] =
	    "SELECT id, kind, at FROM checkins WHERE user_id = ?"
	    " AND building_id = ? AND at > NOW(3) - INTERVAL 10 MINUTE"
	    " ORDER BY at DESC LIMIT 1",
	/* The time comes from here, so the answer needs no read-back; slot
	 * is its 10-minute window, unique per person and building. */
	[STMT_INSERT] = ("INSERT INTO checkins"
	    " (user_id, building_id, kind, at, slot) VALUES (?, ?, ?, ?, ?)"),
	[STMT_BY_SLOT] =
	    "SELECT id, kind, at FROM checkins WHERE user_id = ?"
	    " AND building_id = ? AND slot = ?",
	[STMT_PURGE] =
	    "DELETE FROM checkins WHERE at < NOW(3) - INTERVAL ? DAY LIMIT 5000",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("checkins", sql);

static const struct hz_refusal
    not_yours = { HZ_ERR_FORBIDDEN, "not_your_building", NULL,
	"您不负责此楼栋，不能在此巡查打卡" },
    register_first = { HZ_ERR_FORBIDDEN, "register_first", NULL,
	"您还不是此楼栋的登记住户，请先完成居住登记" };

/* The row of STMT_RECENT and STMT_BY_SLOT, and the end of STMT_SCAN's. */
enum { R_ID, R_KIND, R_AT };
_Static_assert(S_CKIND - S_ID == R_KIND && S_AT - S_ID == R_AT,
    "STMT_SCAN ends with the columns of STMT_RECENT");

struct job {
	const struct hz_ctx *x;
	uint64_t             building;
	const char          *kind;
	uint64_t             tenancy;
	struct hz_checkin   *out;
	struct hz_db_arg     args[5];   /* STMT_INSERT's */
	uint64_t             id;        /* what it inserted */
};

/* An earlier check-in (id, kind, at: cells `c`) answers this scan. */
static enum hz_status
repeated(const struct hz_ctx *x, const struct hz_db_cell *c,
         struct hz_checkin *out)
{
	out->id = HZ_ID(&c[R_ID]);
	out->kind = c[R_KIND].s;
	out->at = hz_time_local(x->arena, c[R_AT].s);
	out->repeated = true;
	return HZ_OK;
}

/* The insert, and for a resident the verified time, in one transaction:
 * one commit, so one wait for the log's flush where two autocommitted
 * statements had two (and the time is never set without the check-in, nor
 * the check-in kept without the time). A taken slot rolls both back. */
static enum hz_status
insert_tx(const struct hz_ctx *x, void *p)
{
	struct job *j = p;
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT,
	    HZ_ARGV(j->args), &r)))
		return rc;
	j->id = r.insert_id;
	return hz_tenancy_verified(x, j->tenancy);
}

/* Records the check-in unless `recent` (cells id, kind, at of the latest
 * within 10 minutes, or NULL) answers it. Staff: one autocommitted insert,
 * the durable part. */
static enum hz_status
record(struct job *j, const struct hz_db_cell *recent)
{
	const struct hz_ctx *x = j->x;
	struct hz_db_arg key[] = {
		HZ_ARG_I64((long long)x->caller->id),
		HZ_ARG_I64((long long)j->building),
	};
	struct hz_db_result r;
	struct timespec now;
	struct tm tm;
	char at[96];
	enum hz_status rc;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(at, sizeof(at), "%04d-%02d-%02d %02d:%02d:%02d.%03ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, now.tv_nsec / 1000000);
	j->args[0] = key[0];
	j->args[1] = key[1];
	j->args[2] = HZ_ARG_STR(j->kind);
	j->args[3] = HZ_ARG_STR(at);
	j->args[4] = HZ_ARG_I64((long long)(now.tv_sec / 600));
	for (int attempt = 0;; attempt++) {
		if (recent != NULL)
			return repeated(x, recent, j->out);
		if (j->tenancy)
			rc = hz_tx(x, insert_tx, j);
		else if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT,
		    HZ_ARGV(j->args), &r)) == HZ_OK)
			j->id = r.insert_id;
		/* The same slot taken a moment ago: that scan is this one
		 * (whatever the clocks of this host and the database say). */
		if (rc != HZ_ERR_CONFLICT)
			break;
		if (attempt > 0) {
			struct hz_db_arg by[] = { key[0], key[1], j->args[4] };
			if ((rc = hz_db_run(x->db, x->arena, &stmts,
			    STMT_BY_SLOT, HZ_ARGV(by), &r)) || r.nrows == 0)
				return rc ? rc : HZ_ERR_CONFLICT;
			return repeated(x, HZ_CELL(&r, 0, 0), j->out);
		}
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_RECENT,
		    HZ_ARGV(key), &r)))
			return rc;
		recent = r.nrows == 1 ? HZ_CELL(&r, 0, 0) : NULL;
	}
	if (rc)
		return rc;
	j->out->id = j->id;
	j->out->kind = j->kind;
	j->out->repeated = false;
	j->out->at = hz_time_local(x->arena, at);
	return HZ_OK;
}

/* A request refused before the read (`rc`, its refusal in x->why): the
 * caller's standing is answered first, as for every route. */
static enum hz_status
caller_first(const struct hz_ctx *x, enum hz_status rc)
{
	struct hz_refusal why = x->why ? *x->why : (struct hz_refusal){ 0 };
	const struct hz_caller *who;
	enum hz_status standing;

	if ((standing = hz_caller_settle(x, &who)))
		return standing;
	if (x->why)
		*x->why = why;
	return rc;
}

/* One read, the caller's included, then the same checks in the same order
 * as before it was one (the caller's standing, hz_scan_resolve, then the
 * caller's right here), then the insert: a staff patrol is this read and
 * one insert. */
enum hz_status
hz_checkin(const struct hz_ctx *x, const char *token, struct hz_checkin *c)
{
	struct job j = { .out = c };
	const struct hz_caller *who;
	const struct hz_db_cell *s;
	struct hz_db_result r;
	struct hz_ctx as;
	uint64_t id, user, sid;
	uint32_t serial;
	bool resident;
	enum hz_status rc;

	memset(c, 0, sizeof(*c));
	if (x->caller == NULL && x->claims == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if ((rc = hz_scan_token(x, token, &id, &serial)))
		return caller_first(x, rc);
	if (x->caller != NULL) {
		user = x->caller->id;
		sid = x->caller->sid;
		resident = !x->caller->staff;
	} else {
		user = x->claims->sub;
		sid = x->claims->sid;
		/* Another kind than the token's is refused by the take. */
		resident = strcmp(x->claims->kind, "resident") == 0;
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SCAN, HZ_ARGS(
	    HZ_ARG_I64((long long)sid), HZ_ARG_I64((long long)id),
	    resident ? HZ_ARG_I64((long long)user) : HZ_ARG_NULL,
	    HZ_ARG_I64((long long)user), HZ_ARG_I64((long long)id),
	    HZ_ARG_I64((long long)user)), &r)))
		return rc;
	if ((rc = hz_caller_take(x, r.nrows ? HZ_CELL(&r, 0, 0) : NULL, &who)))
		return rc;
	as = *x;
	as.caller = who;
	x = &as;
	j.x = x;
	if (r.nrows == 0)       /* a caller given by the CLI or a test, gone */
		return HZ_ERR_UNAUTHORIZED;
	/* The latest check-in: the row whose time is greatest (the
	 * database's fixed-width text sorts as the time does). */
	s = HZ_CELL(&r, 0, HZ_CALLER_NCOLS);
	for (size_t i = 1; i < r.nrows; i++)
		if (strcmp(HZ_CELL(&r, i, HZ_CALLER_NCOLS + S_AT)->s,
		    s[S_AT].s) > 0)
			s = HZ_CELL(&r, i, HZ_CALLER_NCOLS);
	if ((rc = hz_scan_current(x, s[S_KIND].null ? NULL : s[S_KIND].s,
	    s[S_SERIAL].null ? 0 : (unsigned)HZ_ID(&s[S_SERIAL]), serial)))
		return rc;
	j.building = id;
	c->building_id = id;
	c->building_name = s[S_NAME].s;
	if (who->staff) {
		if (hz_authorize(who, HZ_RIGHT_UNIT_READ, s[S_PATH].s) != HZ_OK)
			return hz_refuse(x, &not_yours);
		j.kind = "patrol";
	} else {
		if (s[S_TENANCY].null || HZ_ID(&s[S_WHERE]) != id ||
		    strcmp(s[S_STATUS].s, "active") != 0)
			return hz_refuse(x, &register_first);
		j.kind = "residence";
		j.tenancy = HZ_ID(&s[S_TENANCY]);
	}
	return record(&j, s[S_ID].null ? NULL : &s[S_ID]);
}

enum hz_status
hz_checkins_purge(const struct hz_ctx *x, int days,
                  unsigned long long *deleted)
{
	struct hz_db_arg d = HZ_ARG_I64(days);

	*deleted = 0;
	/* Small batches: no long lock on a table scans write into. */
	return hz_db_run_batches(x->db, x->arena, &stmts, STMT_PURGE, HZ_ARGS(d),
	    HZ_DB_PURGE_BATCH, 0, deleted);
}
