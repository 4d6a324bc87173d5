#include <string.h>

#include "checklists.h"
#include "home.h"
#include "policy.h"

enum {
	STMT_REGISTRATIONS, STMT_DIRECTIVES, STMT_CHECKLIST, STMT_LISTS,
	STMT_COMPLAINTS, STMT__MAX
};

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
	    "  AS SIGNED)"
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
	o->directives = o->directives_unread + o->directives_undone;
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
