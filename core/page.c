#include "page.h"

#define MAX_ARGS 24

/* args = [root,] filters, after, limit + 1 */
static enum hz_status
run(const struct hz_ctx *x, const struct hz_stmt_table *t, size_t stmt,
    const char *root, const struct hz_db_arg *filters, size_t nfilters,
    const struct hz_page *p, struct hz_db_result *r)
{
	struct hz_db_arg args[MAX_ARGS];
	size_t n = 0;

	if (nfilters + 3 > MAX_ARGS)
		return HZ_ERR_INTERNAL;
	if (root != NULL)
		args[n++] = HZ_ARG_STR(root);
	for (size_t i = 0; i < nfilters; i++)
		args[n++] = filters[i];
	args[n++] = HZ_ARG_I64((long long)p->after);
	args[n++] = HZ_ARG_I64(p->limit + 1);
	return hz_db_run(x->db, x->arena, t, stmt, args, n, r);
}

static void
trim(const struct hz_page *p, struct hz_db_result *r, bool *more)
{
	*more = r->nrows > (size_t)p->limit;
	if (*more)
		r->nrows = (size_t)p->limit;
}

enum hz_status
hz_page_run(const struct hz_ctx *x, const struct hz_stmt_table *t, size_t stmt,
            const struct hz_db_arg *filters, size_t nfilters,
            const struct hz_page *p, struct hz_db_result *rows, bool *more)
{
	enum hz_status rc;

	*more = false;
	if ((rc = run(x, t, stmt, NULL, filters, nfilters, p, rows)))
		return rc;
	trim(p, rows, more);
	return HZ_OK;
}

/* The first rows of two id-ordered results, merged by id (column 0). */
static enum hz_status
merge(hz_arena *a, struct hz_db_result *acc, const struct hz_db_result *r,
      size_t keep)
{
	size_t nc = r->ncols, i = 0, j = 0, o = 0;
	struct hz_db_cell *cells;

	if (acc->nrows == 0) {
		*acc = *r;
		return HZ_OK;
	}
	if (r->nrows == 0)
		return HZ_OK;
	if ((cells = hz_arena_calloc(a, (keep ? keep : 1) * nc,
	    sizeof(*cells))) == NULL)
		return HZ_ERR_NOMEM;
	while (o < keep && (i < acc->nrows || j < r->nrows)) {
		const struct hz_db_cell *src;

		if (j == r->nrows || (i < acc->nrows &&
		    HZ_CELL(acc, i, 0)->i < HZ_CELL(r, j, 0)->i))
			src = HZ_CELL(acc, i++, 0);
		else
			src = HZ_CELL(r, j++, 0);
		memcpy(&cells[o++ * nc], src, nc * sizeof(*cells));
	}
	acc->cells = cells;
	acc->nrows = o;
	return HZ_OK;
}

/* The statement for a root by its depth: '/1/' is the village, '/1/2/'
 * a cooperative, '/1/2/3/' a group, deeper a building. */
static size_t
by_depth(const struct hz_stmt_by_depth *by, const char *root)
{
	size_t depth = 0;

	for (const char *p = root; *p; p++)
		depth += *p == '/';
	switch (depth) {
	case 3: return by->cooperative;
	case 4: return by->group;
	case 5: return by->building;
	default: return by->village;
	}
}

static enum hz_status
scope_page(const struct hz_ctx *x, enum hz_right right, const char *within,
           const struct hz_stmt_table *t, size_t stmt,
           const struct hz_stmt_by_depth *by,
           const struct hz_db_arg *filters, size_t nfilters,
           const struct hz_page *p, struct hz_db_result *rows, bool *more)
{
	const char *roots[HZ_GRANTS_MAX];
	size_t nroots;
	enum hz_status rc;

	memset(rows, 0, sizeof(*rows));
	*more = false;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (within != NULL) {
		roots[0] = within;
		nroots = 1;
	} else
		nroots = hz_scope_roots(x->caller, right, roots, HZ_GRANTS_MAX);
	/* Each root gives its first limit+1 rows by id; the merge of those
	 * holds the first limit+1 of the union. */
	for (size_t k = 0; k < nroots; k++) {
		struct hz_db_result r;

		if ((rc = run(x, t, by ? by_depth(by, roots[k]) : stmt, roots[k],
		    filters, nfilters, p, &r)) ||
		    (rc = merge(x->arena, rows, &r, (size_t)p->limit + 1)))
			return rc;
	}
	trim(p, rows, more);
	return HZ_OK;
}

enum hz_status
hz_scope_page(const struct hz_ctx *x, enum hz_right right, const char *within,
              const struct hz_stmt_table *t, size_t stmt,
              const struct hz_db_arg *filters, size_t nfilters,
              const struct hz_page *p, struct hz_db_result *rows, bool *more)
{
	return scope_page(x, right, within, t, stmt, NULL, filters, nfilters,
	    p, rows, more);
}

enum hz_status
hz_scope_page_by(const struct hz_ctx *x, enum hz_right right,
                 const char *within, const struct hz_stmt_table *t,
                 const struct hz_stmt_by_depth *by,
                 const struct hz_db_arg *filters, size_t nfilters,
                 const struct hz_page *p, struct hz_db_result *rows,
                 bool *more)
{
	return scope_page(x, right, within, t, 0, by, filters, nfilters, p,
	    rows, more);
}
