#include <string.h>

#include "checkins.h"
#include "clock.h"
#include "policy.h"
#include "scan.h"
#include "tenancies.h"

enum { STMT_RECENT, STMT_INSERT, STMT_AT, STMT_PURGE, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	/* Locks the (user, building) range so two scans at once cannot both
	 * miss each other. */
	[STMT_RECENT] =
	    "SELECT id, kind, at FROM checkins WHERE user_id = ?"
	    " AND building_id = ? AND at > NOW(3) - INTERVAL 10 MINUTE"
	    " ORDER BY at DESC LIMIT 1 FOR UPDATE",
	[STMT_INSERT] =
	    "INSERT INTO checkins (user_id, building_id, kind) VALUES (?, ?, ?)",
	[STMT_AT] = "SELECT at FROM checkins WHERE id = ?",
	[STMT_PURGE] =
	    "DELETE FROM checkins WHERE at < NOW(3) - INTERVAL ? DAY LIMIT 5000",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("checkins", sql);

struct job {
	const struct hz_ctx *x;
	uint64_t             building;
	const char          *kind;
	uint64_t             tenancy;
	struct hz_checkin   *out;
};

static enum hz_status
checkin_tx(struct hz_db *db, void *p)
{
	struct job *j = p;
	const struct hz_ctx *x = j->x;
	struct hz_db_arg key[] = {
		HZ_ARG_I64((long long)x->caller->id),
		HZ_ARG_I64((long long)j->building),
	};
	struct hz_db_result r;
	enum hz_status rc;

	(void)db;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_RECENT, key, 2, &r)))
		return rc;
	if (r.nrows == 1) {
		j->out->id = (uint64_t)HZ_CELL(&r, 0, 0)->i;
		j->out->kind = HZ_CELL(&r, 0, 1)->s;
		j->out->at = hz_time_local(x->arena, HZ_CELL(&r, 0, 2)->s);
		j->out->repeated = true;
		return HZ_OK;
	}
	struct hz_db_arg args[] = { key[0], key[1], HZ_ARG_STR(j->kind) };
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, args, 3, &r)))
		return rc;
	j->out->id = r.insert_id;
	j->out->kind = j->kind;
	j->out->repeated = false;
	struct hz_db_arg id = HZ_ARG_I64((long long)j->out->id);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_AT, &id, 1, &r)))
		return rc;
	j->out->at = hz_time_local(x->arena, HZ_CELL(&r, 0, 0)->s);
	return j->tenancy ? hz_tenancy_verified(x, j->tenancy) : HZ_OK;
}

enum hz_status
hz_checkin(const struct hz_ctx *x, const char *token, struct hz_checkin *c,
           const char **why)
{
	struct hz_unit b;
	struct job j = { x, 0, NULL, 0, c };
	enum hz_status rc;

	*why = NULL;
	memset(c, 0, sizeof(*c));
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if ((rc = hz_scan_resolve(x, token, &b)))
		return rc;
	j.building = b.id;
	c->building_id = b.id;
	c->building_name = b.name;
	if (x->caller->staff) {
		if (hz_authorize(x->caller, HZ_RIGHT_UNIT_READ, b.path) != HZ_OK) {
			*why = "not_your_building";
			return HZ_ERR_FORBIDDEN;
		}
		j.kind = "patrol";
	} else {
		uint64_t tid, where;
		const char *status;

		if ((rc = hz_tenancy_open_of(x, x->caller->id, &tid, &where,
		    &status)))
			return rc;
		if (tid == 0 || where != b.id || strcmp(status, "active") != 0) {
			*why = "register_first";
			return HZ_ERR_FORBIDDEN;
		}
		j.kind = "residence";
		j.tenancy = tid;
	}
	return hz_db_tx(x->db, checkin_tx, &j);
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
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PURGE, &d, 1,
		    &r)))
			return rc;
		*deleted += r.affected;
	} while (r.affected == 5000);
	return HZ_OK;
}
