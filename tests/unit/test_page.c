/* Keyset pages and scoped lists (core/page.c) against the real MariaDB:
 * rows under several scope roots come back merged by id, each exactly
 * once, limit at a time, and "more" says whether another page exists. */
#include "unit.h"

#include "dbfixture.h"
#include "page.h"
#include "policy.h"

enum { S_DROP, S_CREATE, S_INSERT, S_SCOPED, S_ALL, S__MAX };

static const char *const sql[S__MAX] = {
	[S_DROP]   = "DROP TABLE IF EXISTS unit_page",
	[S_CREATE] = "CREATE TABLE unit_page (id INT PRIMARY KEY,"
	             " path VARCHAR(64) NOT NULL, tag INT NOT NULL)",
	[S_INSERT] = "INSERT INTO unit_page (id, path, tag) VALUES (?, ?, ?)",
	/* The page.h shape: scope, filters, cursor, limit. */
	[S_SCOPED] = "SELECT id, path FROM unit_page"
	             " WHERE path LIKE CONCAT(?, '%') AND (? = 0 OR tag = ?)"
	             " AND id > ? ORDER BY id LIMIT ?",
	[S_ALL]    = "SELECT id, path FROM unit_page WHERE id > ?"
	             " ORDER BY id LIMIT ?",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("unit_page", sql);

/* Ids interleave across three subtrees, so a merge by id is needed:
 * /1/2/ holds 1, 4, 7...; /1/3/ holds 2, 5, 8...; /9/ holds 3, 6, 9... */
#define ROWS 30

static const char *
path_of(int id)
{
	static const char *const paths[] = { "/9/x/", "/1/2/x/", "/1/3/x/" };

	return paths[id % 3];
}

static int
seed(void **state)
{
	if (fx_setup(state) != 0)
		return -1;
	if (fx.db == NULL)
		return 0;
	if (hz_db_run(fx.db, fx.arena, &stmts, S_DROP, HZ_NO_ARGS, NULL) ||
	    hz_db_run(fx.db, fx.arena, &stmts, S_CREATE, HZ_NO_ARGS, NULL))
		return -1;
	for (int id = 1; id <= ROWS; id++)
		if (hz_db_run(fx.db, fx.arena, &stmts, S_INSERT,
		    HZ_ARGS(HZ_ARG_I64(id), HZ_ARG_STR(path_of(id)),
		    HZ_ARG_I64(id % 2)), NULL))
			return -1;
	return 0;
}

static int
unseed(void **state)
{
	if (fx.db != NULL)
		(void)hz_db_run(fx.db, fx.arena, &stmts, S_DROP, HZ_NO_ARGS,
		    NULL);
	return fx_teardown(state);
}

/* A leader of groups /1/2/ and /1/3/: two roots, ids interleaved. */
static struct hz_caller
two_roots(void)
{
	struct hz_caller c = { .id = 1, .staff = true, .ngrants = 2 };

	c.grants[0] = (struct hz_grant){ .role = HZ_ROLE_GROUP_LEADER,
	    .unit_path = "/1/2/" };
	c.grants[1] = (struct hz_grant){ .role = HZ_ROLE_GROUP_LEADER,
	    .unit_path = "/1/3/" };
	return c;
}

/* Walks every page of `limit` rows; returns how many rows came, checks
 * they ascend, and that only the last page says there is no more. */
static size_t
walk(struct hz_ctx *x, const struct hz_db_arg *filters, size_t nfilters,
     int limit, bool scoped, bool *seen)
{
	struct hz_page p = { 0, limit };
	size_t total = 0;
	bool more = true;

	while (more) {
		struct hz_db_result r;

		assert_int_equal(scoped
		    ? hz_scope_page(x, HZ_RIGHT_UNIT_READ, NULL, &stmts,
		        S_SCOPED, filters, nfilters, &p, &r, &more)
		    : hz_page_run(x, &stmts, S_ALL, HZ_NO_ARGS, &p, &r, &more),
		    HZ_OK);
		assert_true(r.nrows <= (size_t)limit);
		if (more)
			assert_int_equal(r.nrows, limit);
		for (size_t i = 0; i < r.nrows; i++) {
			long long id = HZ_CELL(&r, i, 0)->i;

			assert_true((uint64_t)id > p.after);
			assert_false(seen[id]);
			seen[id] = true;
			p.after = (uint64_t)id;
			total++;
		}
		assert_true(total <= ROWS);
	}
	return total;
}

static void
scoped_pages_merge_roots_by_id(void **state)
{
	struct hz_caller c = two_roots();
	struct hz_ctx x = fx_as(&c);
	struct hz_db_arg any[] = { HZ_ARG_I64(0), HZ_ARG_I64(0) };

	(void)state;
	FX_NEED_DB();
	for (int limit = 1; limit <= 25; limit += 3) {
		bool seen[ROWS + 1] = { false };

		/* Two thirds of the rows are in scope; /9/ is not. */
		assert_int_equal(walk(&x, HZ_ARGV(any), limit, true, seen),
		    2 * ROWS / 3);
		for (int id = 1; id <= ROWS; id++)
			assert_int_equal(seen[id], id % 3 != 0);
	}
}

static void
scoped_pages_apply_the_filters(void **state)
{
	struct hz_caller c = two_roots();
	struct hz_ctx x = fx_as(&c);
	struct hz_db_arg odd[] = { HZ_ARG_I64(1), HZ_ARG_I64(1) };
	bool seen[ROWS + 1] = { false };

	(void)state;
	FX_NEED_DB();
	assert_int_equal(walk(&x, HZ_ARGV(odd), 4, true, seen), ROWS / 3);
	for (int id = 1; id <= ROWS; id++)
		assert_int_equal(seen[id], id % 3 != 0 && id % 2 == 1);
}

static void
scoped_pages_need_a_caller_and_a_right(void **state)
{
	struct hz_caller station = { .id = 2, .staff = true, .ngrants = 1 };
	struct hz_ctx x = fx_as(NULL);
	struct hz_db_arg any[] = { HZ_ARG_I64(0), HZ_ARG_I64(0) };
	struct hz_page p = { 0, 10 };
	struct hz_db_result r;
	bool more = true;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(hz_scope_page(&x, HZ_RIGHT_UNIT_READ, NULL, &stmts,
	    S_SCOPED, HZ_ARGV(any), &p, &r, &more), HZ_ERR_UNAUTHORIZED);
	/* A station manager reads no units: no root, no rows. */
	station.grants[0] = (struct hz_grant){
	    .role = HZ_ROLE_STATION_MANAGER, .unit_path = "/1/" };
	x = fx_as(&station);
	assert_int_equal(hz_scope_page(&x, HZ_RIGHT_UNIT_READ, NULL, &stmts,
	    S_SCOPED, HZ_ARGV(any), &p, &r, &more), HZ_OK);
	assert_int_equal(r.nrows, 0);
	assert_false(more);
	/* An explicit root the caller was checked for. */
	assert_int_equal(hz_scope_page(&x, HZ_RIGHT_UNIT_READ, "/9/", &stmts,
	    S_SCOPED, HZ_ARGV(any), &p, &r, &more), HZ_OK);
	assert_int_equal(r.nrows, ROWS / 3);
}

static void
plain_pages_walk_everything_once(void **state)
{
	struct hz_ctx x = fx;

	(void)state;
	FX_NEED_DB();
	for (int limit = 1; limit <= 31; limit += 5) {
		bool seen[ROWS + 1] = { false };

		assert_int_equal(walk(&x, NULL, 0, limit, false, seen), ROWS);
	}
}

UNIT_TESTS(seed, unseed,
	cmocka_unit_test(scoped_pages_merge_roots_by_id),
	cmocka_unit_test(scoped_pages_apply_the_filters),
	cmocka_unit_test(scoped_pages_need_a_caller_and_a_right),
	cmocka_unit_test(plain_pages_walk_everything_once))
