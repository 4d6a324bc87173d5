#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checkins.h"
#include "clock.h"
#include "policy.h"
#include "scan.h"
#include "tenancies.h"

enum { STMT_RECENT, STMT_INSERT, STMT_BY_SLOT, STMT_PURGE, STMT__MAX };

static const char *const sql[STMT__MAX] = {
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

/* The row of STMT_RECENT and STMT_BY_SLOT. */
enum { R_ID, R_KIND, R_AT };

struct job {
	const struct hz_ctx *x;
	uint64_t             building;
	const char          *kind;
	uint64_t             tenancy;
	struct hz_checkin   *out;
};

/* An earlier check-in (row: id, kind, at) answers this scan. */
static enum hz_status
repeated(const struct hz_ctx *x, const struct hz_db_result *r,
         struct hz_checkin *out)
{
	out->id = HZ_ID(HZ_CELL(r, 0, R_ID));
	out->kind = HZ_CELL(r, 0, R_KIND)->s;
	out->at = hz_time_local(x->arena, HZ_CELL(r, 0, R_AT)->s);
	out->repeated = true;
	return HZ_OK;
}

/* No transaction: one autocommitted insert is the durable part. For a
 * resident the verified time follows; should that update be lost, the
 * next scan sets it, and nothing else depends on it. */
static enum hz_status
record(struct job *j)
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
	for (int attempt = 0;; attempt++) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_RECENT, HZ_ARGV(key),
		    &r)))
			return rc;
		if (r.nrows == 1) {
			return repeated(x, &r, j->out);
		}
		struct hz_db_arg args[] = {
			key[0], key[1], HZ_ARG_STR(j->kind), HZ_ARG_STR(at),
			HZ_ARG_I64((long long)(now.tv_sec / 600)),
		};
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGV(args), &r);
		/* The same slot taken a moment ago: that scan is this one
		 * (whatever the clocks of this host and the database say). */
		if (rc != HZ_ERR_CONFLICT)
			break;
		if (attempt > 0) {
			struct hz_db_arg by[] = { key[0], key[1], args[4] };
			if ((rc = hz_db_run(x->db, x->arena, &stmts,
			    STMT_BY_SLOT, HZ_ARGV(by), &r)) || r.nrows == 0)
				return rc ? rc : HZ_ERR_CONFLICT;
			return repeated(x, &r, j->out);
		}
	}
	if (rc)
		return rc;
	j->out->id = r.insert_id;
	j->out->kind = j->kind;
	j->out->repeated = false;
	j->out->at = hz_time_local(x->arena, at);
	return j->tenancy ? hz_tenancy_verified(x, j->tenancy) : HZ_OK;
}

enum hz_status
hz_checkin(const struct hz_ctx *x, const char *token, struct hz_checkin *c)
{
	struct hz_unit b;
	struct job j = { x, 0, NULL, 0, c };
	enum hz_status rc;

	memset(c, 0, sizeof(*c));
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if ((rc = hz_scan_resolve(x, token, &b)))
		return rc;
	j.building = b.id;
	c->building_id = b.id;
	c->building_name = b.name;
	if (x->caller->staff) {
		if (hz_authorize(x->caller, HZ_RIGHT_UNIT_READ, b.path) != HZ_OK)
			return hz_refuse(x, &not_yours);
		j.kind = "patrol";
	} else {
		uint64_t tid, where;
		const char *status;

		if ((rc = hz_tenancy_open_of(x, x->caller->id, &tid, &where,
		    &status)))
			return rc;
		if (tid == 0 || where != b.id || strcmp(status, "active") != 0)
			return hz_refuse(x, &register_first);
		j.kind = "residence";
		j.tenancy = tid;
	}
	return record(&j);
}

enum hz_status
hz_checkins_purge(const struct hz_ctx *x, int days,
                  unsigned long long *deleted)
{
	struct hz_db_arg d = HZ_ARG_I64(days);
	struct hz_db_result r;
	enum hz_status rc;

	*deleted = 0;
	/* Small batches: no long lock on a table scans write into. */
	do {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PURGE, HZ_ARGS(d),
		    &r)))
			return rc;
		*deleted += r.affected;
	} while (r.affected == 5000);
	return HZ_OK;
}
