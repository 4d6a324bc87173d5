#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checklists.h"
#include "home.h"
#include "policy.h"

enum {
	STMT_REGISTRATIONS, STMT_DIRECTIVES, STMT_CHECKLIST, STMT_LISTS,
	STMT_COMPLAINTS, STMT_RESIDENCE, STMT_UNIT_RENTERS, STMT_UNIT_COMPLAINTS,
	STMT__MAX
};

/* STMT_RESIDENCE's row. */
#define RESIDENCE_ROW(C, L) C(R_ID, "t.id") C(R_STATUS, "t.status") \
	C(R_NAME, "t.name") C(R_BUILDING, "u.name") C(R_LANE, "b.lane") \
	C(R_DOOR, "b.door_no") \
	L(R_VERIFIED, "COALESCE(t.last_verified_at >= FROM_UNIXTIME(?), 0)")
enum { RESIDENCE_ROW(HZ_COL_ENUM, HZ_COL_ENUM) R__NCOLS };

/* Each counts under one scope root (the first argument) but the
 * directives, which are the caller's own. */
static const char *const sql[STMT__MAX] = {
	/* Arguments: root, a day ago. */
	[STMT_REGISTRATIONS] =
	    "SELECT COUNT(*), CAST(COALESCE(SUM(t.created_at"
	    "  < FROM_UNIXTIME(?)), 0) AS SIGNED)"
	    " FROM tenancies t JOIN units u ON u.id = t.building_id"
	    " WHERE u.path LIKE CONCAT(?, '%') AND t.status = 'pending'",
	[STMT_DIRECTIVES] =
	    "SELECT CAST(COALESCE(SUM(r.read_at IS NULL), 0) AS SIGNED),"
	    " CAST(COALESCE(SUM(d.needs_done AND r.done_at IS NULL), 0)"
	    "  AS SIGNED),"
	    " CAST(COALESCE(SUM(r.read_at IS NULL OR"
	    "  (d.needs_done AND r.done_at IS NULL)), 0) AS SIGNED)"
	    " FROM directive_receipts r JOIN directives d"
	    " ON d.id = r.directive_id WHERE r.user_id = ?",
	/* Arguments: month, root. */
	[STMT_CHECKLIST] =
	    "SELECT CAST(COALESCE(SUM(items - items_done), 0) AS SIGNED),"
	    " COUNT(*) FROM checklists"
	    " WHERE month = ? AND unit_path LIKE CONCAT(?, '%')",
	[STMT_LISTS] =
	    "SELECT c.id, c.building_id, u.name, c.items - c.items_done"
	    " FROM checklists c JOIN units u ON u.id = c.building_id"
	    " WHERE c.month = ? AND c.unit_path LIKE CONCAT(?, '%')"
	    " ORDER BY c.id LIMIT 21",
	/* Arguments: now, now, root. */
	[STMT_COMPLAINTS] =
	    "SELECT COUNT(*), CAST(COALESCE(SUM((accepted_at IS NULL"
	    "  AND respond_due < FROM_UNIXTIME(?))"
	    "  OR resolve_due < FROM_UNIXTIME(?)), 0) AS SIGNED)"
	    " FROM complaints WHERE unit_path LIKE CONCAT(?, '%')"
	    " AND is_open AND building_id IS NOT NULL",
	/* Arguments: this month's first instant, user. The latest
	 * registration (tenancies_user). */
	[STMT_RESIDENCE] =
	    "SELECT " RESIDENCE_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM tenancies t JOIN units u ON u.id = t.building_id"
	    " JOIN buildings b ON b.unit_id = t.building_id"
	    " WHERE t.user_id = ? ORDER BY t.id DESC LIMIT 1",
	/* Arguments: path. One row per building (sql/0014). */
	[STMT_UNIT_RENTERS] =
	    "SELECT CAST(COALESCE(SUM(r.active), 0) AS SIGNED),"
	    " CAST(COALESCE(SUM(r.pending), 0) AS SIGNED)"
	    " FROM units u JOIN building_renters r ON r.building_id = u.id"
	    " WHERE u.path LIKE CONCAT(?, '%')",
	/* Two counts, as per_root adds them up: the second is none.
	 * (Parenthesised: clang takes a two-piece last literal for a
	 * missing comma.) */
	[STMT_UNIT_COMPLAINTS] =
	    ("SELECT COUNT(*), 0 FROM complaints WHERE is_open"
	    " AND unit_path LIKE CONCAT(?, '%')"),
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("home", sql);

/* Runs `stmt` once per scope root of `right` (disjoint subtrees) with
 * `before` ahead of the root, adding up its two counts. */
static enum hz_status
per_root(const struct hz_ctx *x, enum hz_right right, size_t stmt,
         const struct hz_db_arg *before, size_t nbefore, long long *a,
         long long *b)
{
	const char *roots[HZ_GRANTS_MAX];
	size_t n = hz_scope_roots(x->caller, right, roots, HZ_GRANTS_MAX);
	enum hz_status rc;

	*a = *b = 0;
	for (size_t k = 0; k < n; k++) {
		struct hz_db_arg args[4];
		struct hz_db_result r;

		for (size_t i = 0; i < nbefore; i++)
			args[i] = before[i];
		args[nbefore] = HZ_ARG_STR(roots[k]);
		if ((rc = hz_db_run(x->db, x->arena, &stmts, stmt, args,
		    nbefore + 1, &r)))
			return rc;
		*a += HZ_CELL(&r, 0, 0)->i;
		*b += HZ_CELL(&r, 0, 1)->i;
	}
	return HZ_OK;
}

static enum hz_status
lists_of(const struct hz_ctx *x, struct hz_todo *o)
{
	const char *roots[HZ_GRANTS_MAX];
	size_t n = hz_scope_roots(x->caller, HZ_RIGHT_CHECKLIST_TICK, roots,
	    HZ_GRANTS_MAX);
	enum hz_status rc;

	if ((o->lists = hz_arena_calloc(x->arena, HZ_CHECKLIST_TODO_LISTS + 1,
	    sizeof(*o->lists))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t k = 0; k < n; k++) {
		struct hz_db_result r;

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LISTS,
		    HZ_ARGS(HZ_ARG_STR(o->month), HZ_ARG_STR(roots[k])), &r)))
			return rc;
		for (size_t i = 0; i < r.nrows; i++) {
			const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
			struct hz_todo_list *l;

			if (o->nlists == HZ_CHECKLIST_TODO_LISTS) {
				/* More than a head's: the count only. */
				o->nlists = 0;
				return HZ_OK;
			}
			l = &o->lists[o->nlists++];
			l->id = HZ_ID(&c[0]);
			l->building_id = HZ_ID(&c[1]);
			l->building_name = c[2].s;
			l->left = (int)c[3].i;
		}
	}
	return HZ_OK;
}

enum hz_status
hz_todo(const struct hz_ctx *x, struct hz_todo *o)
{
	long long now = (long long)x->now, nlists;
	struct hz_db_result r;
	char *month;
	enum hz_status rc;

	memset(o, 0, sizeof(*o));
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff)
		return HZ_ERR_FORBIDDEN;
	if ((month = hz_arena_alloc(x->arena, 8)) == NULL)
		return HZ_ERR_NOMEM;
	o->month = hz_checklist_month(x->now, month);
	if ((rc = per_root(x, HZ_RIGHT_TENANCY_DECIDE, STMT_REGISTRATIONS,
	    HZ_ARGS(HZ_ARG_I64(now - 86400)), &o->registrations,
	    &o->registrations_overdue)))
		return rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_DIRECTIVES,
	    HZ_ARGS(HZ_ARG_I64((long long)x->caller->id)), &r)))
		return rc;
	o->directives_unread = HZ_CELL(&r, 0, 0)->i;
	o->directives_undone = HZ_CELL(&r, 0, 1)->i;
	o->directives = HZ_CELL(&r, 0, 2)->i;
	if ((rc = per_root(x, HZ_RIGHT_CHECKLIST_TICK, STMT_CHECKLIST,
	    HZ_ARGS(HZ_ARG_STR(o->month)), &o->checklist, &nlists)))
		return rc;
	if (nlists > 0 && nlists <= HZ_CHECKLIST_TODO_LISTS &&
	    (rc = lists_of(x, o)))
		return rc;
	return per_root(x, HZ_RIGHT_COMPLAINT_HANDLE, STMT_COMPLAINTS,
	    HZ_ARGS(HZ_ARG_I64(now), HZ_ARG_I64(now)), &o->complaints,
	    &o->complaints_overdue);
}

/* ---- GET /me/home ---- */

#define SHANGHAI (8 * 3600)     /* +08:00, no daylight saving (clock.h) */

/* The first instant of the Shanghai month holding `now` (UTC seconds),
 * and the last day of that month plus `ahead` months as yyyy-mm-dd. */
static time_t
month_start(time_t now, int ahead, char due[11])
{
	time_t local = now + SHANGHAI;
	struct tm tm, last;

	gmtime_r(&local, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	last = tm;
	last.tm_mon += ahead + 1;     /* timegm carries into the next year */
	last.tm_mday = 0;             /* the day before the 1st: the last */
	local = timegm(&last);
	gmtime_r(&local, &last);
	snprintf(due, 11, "%04u-%02u-%02u",
	    (unsigned)(last.tm_year + 1900) % 10000,
	    (unsigned)(last.tm_mon + 1) % 100, (unsigned)last.tm_mday % 100);
	return timegm(&tm) - SHANGHAI;
}

static enum hz_status
residence_of(const struct hz_ctx *x, struct hz_home *o)
{
	struct hz_home_residence *h;
	const struct hz_db_cell *c;
	struct hz_db_result r;
	char *due;
	time_t lo;
	enum hz_status rc;

	if ((due = hz_arena_alloc(x->arena, 11)) == NULL)
		return HZ_ERR_NOMEM;
	lo = month_start(x->now, 0, due);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_RESIDENCE, HZ_ARGS(
	    HZ_ARG_I64((long long)lo), HZ_ARG_I64((long long)x->caller->id)),
	    &r)))
		return rc;
	if (r.nrows == 0 || strcmp(HZ_CELL(&r, 0, R_STATUS)->s, "ended") == 0)
		return HZ_OK;
	c = HZ_CELL(&r, 0, 0);
	if ((h = hz_arena_calloc(x->arena, 1, sizeof(*h))) == NULL)
		return HZ_ERR_NOMEM;
	h->tenancy_id = HZ_ID(&c[R_ID]);
	h->status = c[R_STATUS].s;
	h->building_name = c[R_BUILDING].s;
	h->address = hz_arena_printf(x->arena, "%s%s号", c[R_LANE].s,
	    c[R_DOOR].s);
	if (h->address == NULL)
		return HZ_ERR_NOMEM;
	if (strcmp(h->status, "active") == 0) {
		h->checked_in_this_month = c[R_VERIFIED].i != 0;
		if (h->checked_in_this_month)
			month_start(x->now, 1, due);
		h->next_checkin_due = due;
	}
	o->name = c[R_NAME].s;
	o->residence = h;
	return HZ_OK;
}

/* The caller's highest unit they may read (the shortest path). */
static const struct hz_grant *
top_grant(const struct hz_caller *c)
{
	const struct hz_grant *best = NULL;

	for (size_t i = 0; i < c->ngrants; i++) {
		const struct hz_grant *g = &c->grants[i];

		if (!hz_role_has(g->role, HZ_RIGHT_UNIT_READ))
			continue;
		if (best == NULL ||
		    strlen(g->unit_path) < strlen(best->unit_path))
			best = g;
	}
	return best;
}

/* The figures of every unit the caller may read (a head of four
 * buildings: the four), named after the highest one when there is one,
 * else "您负责的 4 栋楼". */
static enum hz_status
unit_of(const struct hz_ctx *x, struct hz_home *o)
{
	const struct hz_grant *g = top_grant(x->caller);
	const char *roots[HZ_GRANTS_MAX];
	size_t n = hz_scope_roots(x->caller, HZ_RIGHT_UNIT_READ, roots,
	    HZ_GRANTS_MAX);
	struct hz_home_unit *u;
	long long none;
	enum hz_status rc;

	if (g == NULL || n == 0)
		return HZ_OK;
	if ((u = hz_arena_calloc(x->arena, 1, sizeof(*u))) == NULL)
		return HZ_ERR_NOMEM;
	u->id = g->unit_id;
	u->name = g->unit_name;
	u->kind = g->unit_kind;
	u->units = n;
	if (n > 1) {
		bool buildings = true;

		for (size_t i = 0; i < x->caller->ngrants; i++)
			if (hz_role_has(x->caller->grants[i].role,
			    HZ_RIGHT_UNIT_READ) && strcmp(
			    x->caller->grants[i].unit_kind, "building") != 0)
				buildings = false;
		u->name = hz_arena_printf(x->arena, "您负责的 %zu %s", n,
		    buildings ? "栋楼" : "个单位");
		if (u->name == NULL)
			return HZ_ERR_NOMEM;
	}
	if ((rc = per_root(x, HZ_RIGHT_UNIT_READ, STMT_UNIT_RENTERS, NULL, 0,
	    &u->renters_active, &u->renters_pending)) ||
	    (rc = per_root(x, HZ_RIGHT_UNIT_READ, STMT_UNIT_COMPLAINTS, NULL, 0,
	    &u->complaints_open, &none)))
		return rc;
	o->unit = u;
	return HZ_OK;
}

enum hz_status
hz_home(const struct hz_ctx *x, struct hz_home *o)
{
	struct hz_todo t;
	enum hz_status rc;

	memset(o, 0, sizeof(*o));
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	o->name = x->caller->display_name;
	if (!x->caller->staff)
		return residence_of(x, o);
	o->staff = true;
	if ((rc = hz_todo(x, &t)))
		return rc;
	o->todo_total = t.registrations + t.directives + t.checklist +
	    t.complaints;
	return unit_of(x, o);
}
