/* The complaint statistics against a hand-computed fixture: complaints
 * are written straight into the table (times in UTC), and every count,
 * rate and median is checked exactly. */
#include "unit.h"

#include <math.h>
#include <string.h>

#include "complaint_stats.h"
#include "dbfixture.h"

enum { S_INSERT, S__MAX };
static const char *const sql[S__MAX] = {
	/* user, status, created (UTC) x3, accept minutes (-1: none) x3,
	 * resolve minutes (-1: none) x3, reopened, rating (0: none),
	 * updated (= created), category code, unit. respond_due is 480
	 * minutes after receipt for every row. */
	[S_INSERT] =
	    "INSERT INTO complaints (user_id, category_id, text, building_id,"
	    " unit_id, unit_path, status, handler_unit_id, created_at,"
	    " respond_due, resolve_due, accepted_at, resolved_at, reopened,"
	    " rating, updated_at)"
	    " SELECT ?, c.id, '统计测试', u.id, u.id, u.path, ?, u.id, ?,"
	    " ? + INTERVAL 480 MINUTE, ? + INTERVAL 4320 MINUTE,"
	    " IF(? < 0, NULL, ? + INTERVAL ? MINUTE),"
	    " IF(? < 0, NULL, ? + INTERVAL ? MINUTE), ?, NULLIF(?, 0), ?"
	    " FROM units u JOIN complaint_categories c ON c.code = ?"
	    " WHERE u.id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE(
    "test_complaint_stats", sql);

static void
complaint(uint64_t user, uint64_t unit, const char *category,
          const char *status, const char *created_utc, int accept_min,
          int resolve_min, int reopened, int rating)
{
	struct hz_db_arg at = HZ_ARG_STR(created_utc);
	struct hz_db_arg a = HZ_ARG_I64(accept_min);
	struct hz_db_arg r = HZ_ARG_I64(resolve_min);
	struct hz_db_result res;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_INSERT, HZ_ARGS(
	    HZ_ARG_I64((long long)user), HZ_ARG_STR(status), at, at, at,
	    a, at, a, r, at, r, HZ_ARG_I64(reopened), HZ_ARG_I64(rating), at,
	    HZ_ARG_STR(category), HZ_ARG_I64((long long)unit)), &res), HZ_OK);
	assert_int_equal(res.affected, 1);
}

#define assert_near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static struct fx_org o;
static struct hz_caller cadre, other_cadre, resident;

/* Shanghai dates 2026-03-01..03: five complaints under g1 (b1: three,
 * b2: two), two just outside the range and one under c2.
 *
 *  #  unit  received (SH)      accepted  resolved  reopened  rating
 *  1  b1    03-01 10:00        +30       +120      0         5
 *  2  b1    03-01 12:00        +600 late +1000     1         3
 *  3  b1    03-02 09:00        +60       -         0         -
 *  4  b2    03-02 20:00        -         -         0         -
 *  5  b2    03-03 23:30        +90       +240      0         4  (repair)
 *  6  b1    03-04 00:10        out of range
 *  7  b1    02-28 23:50        out of range
 *  8  b3    03-02 10:00        another cooperative */
static int
fixture(void **state)
{
	if (fx_setup(state) != 0)
		return -1;
	if (fx.db == NULL)
		return 0;
	if (fx_org_new(&o) != HZ_OK ||
	    fx_staff(&cadre, HZ_ROLE_CADRE, o.c1) != HZ_OK ||
	    fx_staff(&other_cadre, HZ_ROLE_CADRE, o.c2) != HZ_OK ||
	    fx_resident(&resident) != HZ_OK)
		return -1;
	return 0;
}

static void
insert_rows(void)
{
	uint64_t u = resident.id;

	complaint(u, o.b1, "sanitation", "closed", "2026-03-01 02:00:00",
	    30, 120, 0, 5);
	complaint(u, o.b1, "sanitation", "resolved", "2026-03-01 04:00:00",
	    600, 1000, 1, 3);
	complaint(u, o.b1, "sanitation", "in_progress", "2026-03-02 01:00:00",
	    60, -1, 0, 0);
	complaint(u, o.b2, "sanitation", "submitted", "2026-03-02 12:00:00",
	    -1, -1, 0, 0);
	complaint(u, o.b2, "repair", "closed", "2026-03-03 15:30:00",
	    90, 240, 0, 4);
	complaint(u, o.b1, "sanitation", "submitted", "2026-03-03 16:10:00",
	    5, -1, 0, 0);
	complaint(u, o.b1, "sanitation", "submitted", "2026-02-28 15:50:00",
	    5, -1, 0, 0);
	complaint(u, o.b3, "noise", "closed", "2026-03-02 02:00:00",
	    5, 10, 0, 1);
}

static long long
count_of(const struct hz_stat_count *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return v[i].n;
	fail_msg("no count %s", key);
	return -1;
}

static const struct hz_complaint_rates *
child(const struct hz_complaint_stats *s, uint64_t unit)
{
	for (size_t i = 0; i < s->nchildren; i++)
		if (s->children[i].unit_id == unit)
			return &s->children[i];
	fail_msg("no child %llu", (unsigned long long)unit);
	return NULL;
}

static void
group_totals(const struct hz_complaint_rates *g)
{
	assert_int_equal(g->received, 5);
	/* 响应率: #1, #3, #5 accepted within 480 minutes. */
	assert_int_equal(g->accepted_in_time, 3);
	assert_true(g->has_response);
	assert_near(g->response_rate, 3.0 / 5);
	/* 解决率: #1 and #5; #2 was reopened. */
	assert_near(g->resolution_rate, 2.0 / 5);
	/* 满意率: (5, 4 → 2) + 0.9 × (3 → 1), of 3 rated. */
	assert_int_equal(g->rated, 3);
	assert_near(g->satisfaction_rate, 2.9 / 3);
	/* Accepted after 30, 60, 90, 600: the middle two's mean. */
	assert_true(g->has_accept_median);
	assert_near(g->median_accept_minutes, 75);
	/* Resolved after 120, 240, 1000. */
	assert_near(g->median_resolve_minutes, 240);
}

static void
rates_match_the_fixture(void **state)
{
	struct hz_complaint_stats s;
	const struct hz_complaint_rates *b;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	insert_rows();
	x = fx_as(&cadre);
	assert_int_equal(hz_complaint_stats(&x, o.g1, "2026-03-01",
	    "2026-03-03", &s), HZ_OK);
	assert_string_equal(s.from, "2026-03-01");
	assert_string_equal(s.to, "2026-03-03");
	assert_int_equal(s.unit.unit_id, o.g1);
	group_totals(&s.unit);

	assert_int_equal(count_of(s.by_status, s.nstatus, "closed"), 2);
	assert_int_equal(count_of(s.by_status, s.nstatus, "resolved"), 1);
	assert_int_equal(count_of(s.by_status, s.nstatus, "in_progress"), 1);
	assert_int_equal(count_of(s.by_status, s.nstatus, "submitted"), 1);
	assert_int_equal(count_of(s.by_status, s.nstatus, "rejected"), 0);
	assert_int_equal(s.nstatus, 7);
	assert_int_equal(count_of(s.by_category, s.ncategory, "sanitation"),
	    4);
	assert_int_equal(count_of(s.by_category, s.ncategory, "repair"), 1);
	assert_int_equal(count_of(s.by_category, s.ncategory, "noise"), 0);
	/* Shanghai days, every one of them. */
	assert_int_equal(s.ndays, 3);
	assert_string_equal(s.per_day[0].key, "2026-03-01");
	assert_int_equal(s.per_day[0].n, 2);
	assert_int_equal(s.per_day[1].n, 2);
	assert_string_equal(s.per_day[2].key, "2026-03-03");
	assert_int_equal(s.per_day[2].n, 1);

	/* The children: b1 and b2. */
	assert_int_equal(s.nchildren, 2);
	b = child(&s, o.b1);
	assert_int_equal(b->received, 3);
	assert_near(b->response_rate, 2.0 / 3);
	assert_near(b->resolution_rate, 1.0 / 3);
	assert_near(b->satisfaction_rate, 1.9 / 2);
	assert_near(b->median_accept_minutes, 60);
	assert_near(b->median_resolve_minutes, 560);
	b = child(&s, o.b2);
	assert_int_equal(b->received, 2);
	assert_near(b->response_rate, 0.5);
	assert_near(b->resolution_rate, 0.5);
	assert_near(b->satisfaction_rate, 1.0);
	assert_near(b->median_accept_minutes, 90);
	assert_near(b->median_resolve_minutes, 240);

	/* The cooperative holds g1 only: the same numbers; its default
	 * unit is the cadre's own. */
	assert_int_equal(hz_complaint_stats(&x, 0, "2026-03-01",
	    "2026-03-03", &s), HZ_OK);
	assert_int_equal(s.unit.unit_id, o.c1);
	group_totals(&s.unit);
	assert_int_equal(s.nchildren, 1);
	group_totals(child(&s, o.g1));
}

static void
empty_rates_are_absent(void **state)
{
	struct hz_complaint_stats s;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	x = fx_as(&cadre);
	assert_int_equal(hz_complaint_stats(&x, o.c1, "2025-01-01",
	    "2025-01-31", &s), HZ_OK);
	assert_int_equal(s.unit.received, 0);
	assert_false(s.unit.has_response);
	assert_false(s.unit.has_resolution);
	assert_false(s.unit.has_satisfaction);
	assert_false(s.unit.has_accept_median);
	assert_false(s.unit.has_resolve_median);
	assert_int_equal(s.ndays, 31);
	/* The default range: the last 30 days, today included. */
	assert_int_equal(hz_complaint_stats(&x, o.c1, NULL, NULL, &s), HZ_OK);
	assert_int_equal(s.ndays, 30);
}

static void
ranges_and_scope_are_checked(void **state)
{
	struct hz_complaint_stats s;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	x = fx_as(&cadre);
	fx_refused(&x, hz_complaint_stats(&x, o.c1, "2026-03-02",
	    "2026-03-01", &s), HZ_ERR_INVALID, "validation_failed", "from");
	/* 366 days pass, 367 do not. */
	assert_int_equal(hz_complaint_stats(&x, o.c1, "2024-01-01",
	    "2024-12-31", &s), HZ_OK);
	assert_int_equal(s.ndays, 366);
	fx_refused(&x, hz_complaint_stats(&x, o.c1, "2025-01-01",
	    "2026-01-02", &s), HZ_ERR_INVALID, "validation_failed", "to");
	/* Another cooperative's unit does not exist for this cadre. */
	assert_int_equal(hz_complaint_stats(&x, o.c2, "2026-03-01",
	    "2026-03-03", &s), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_complaint_stats(&x, o.b3, "2026-03-01",
	    "2026-03-03", &s), HZ_ERR_NOT_FOUND);
	/* Its own cadre sees only #8 there. */
	x = fx_as(&other_cadre);
	assert_int_equal(hz_complaint_stats(&x, o.c2, "2026-03-01",
	    "2026-03-03", &s), HZ_OK);
	assert_int_equal(s.unit.received, 1);
	assert_near(s.unit.satisfaction_rate, 0);
	/* A resident has no statistics. */
	x = fx_as(&resident);
	fx_refused(&x, hz_complaint_stats(&x, o.c1, NULL, NULL, &s),
	    HZ_ERR_FORBIDDEN, "forbidden", NULL);
}

/* A complaint at the unit itself (a free-text place is filed at the
 * village) counts for the unit and for none of its children. */
static void
the_units_own_complaints_count_for_it_alone(void **state)
{
	struct hz_complaint_stats s;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	complaint(resident.id, o.c2, "noise", "submitted",
	    "2026-03-02 03:00:00", -1, -1, 0, 0);
	x = fx_as(&other_cadre);
	assert_int_equal(hz_complaint_stats(&x, o.c2, "2026-03-01",
	    "2026-03-03", &s), HZ_OK);
	assert_int_equal(s.unit.received, 2);
	assert_near(s.unit.response_rate, 0.5);
	assert_near(s.unit.median_accept_minutes, 5);
	assert_int_equal(s.nchildren, 1);
	assert_int_equal(child(&s, o.g2)->received, 1);
	assert_near(child(&s, o.g2)->response_rate, 1);
}

UNIT_TESTS(fixture, fx_teardown,
	cmocka_unit_test(rates_match_the_fixture),
	cmocka_unit_test(empty_rates_are_absent),
	cmocka_unit_test(ranges_and_scope_are_checked),
	cmocka_unit_test(the_units_own_complaints_count_for_it_alone))
