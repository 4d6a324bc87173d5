/* The counts the dashboard reads for a village and a cooperative
 * (complaint_tallies, sql/0023) against a direct count of the complaints,
 * after every kind of change core makes: a filing (by a resident and on a
 * checklist's duty), an acceptance in time and late, an owner's first
 * reply, a note, an assignment, an escalation by hand and by the
 * scheduler, a resolution, a rejection, a reopening and the resolution
 * after it, ratings (good, fair, poor, after the automatic close) and the
 * automatic close. Each time every day and month row of the fresh tree's
 * two cooperatives equals the count made from the complaints' own rows,
 * and the rates read through the rows (hz_complaint_rates_tallied) equal
 * the live count (hz_complaint_rates_by_child) for ranges that cut the
 * months every way, seen from two "todays". Complaints are filed at the
 * edges of Shanghai's days and months (23:59:59 and 00:00:00 local). */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "complaint_stats.h"
#include "complaints.h"
#include "dbfixture.h"

#define HOUR 3600
#define DAY  86400

/* A complaint's Shanghai day and month, and the unit holding its place. */
#define C_DAY "DATE(c.created_at + INTERVAL 8 HOUR)"
#define C_MONTH C_DAY " - INTERVAL (DAYOFMONTH(" C_DAY ") - 1) DAY"
#define C_COUNTS "IF(u.kind = 'building', u.parent_id, u.id), COUNT(*)," \
	" COALESCE(SUM(c.accepted_at <= c.respond_due), 0)," \
	" COALESCE(SUM(c.resolved_at IS NOT NULL AND c.reopened = 0), 0)," \
	" COUNT(c.rating), COALESCE(SUM(c.rating >= 4), 0)," \
	" COALESCE(SUM(c.rating = 3), 0)" \
	" FROM complaints c JOIN units u ON u.id = c.unit_id" \
	" WHERE c.unit_path LIKE CONCAT(?, '%')"

enum { S_DIFF, S_ROWS, S_CATEGORY, S__MAX };
static const char *const sql[S__MAX] = {
	/* path x3: the rows of the units under the path that are not
	 * exactly in both the kept counts and a direct count. */
	[S_DIFF] =
	    "SELECT COUNT(*) FROM (SELECT 1 FROM ("
	    " SELECT CAST(t.span AS CHAR) AS span, t.day, t.unit_id,"
	    " t.received, t.in_time, t.resolved, t.rated, t.good, t.fair"
	    " FROM complaint_tallies t JOIN units g ON g.id = t.unit_id"
	    " WHERE g.path LIKE CONCAT(?, '%')"
	    " UNION ALL SELECT 'day', " C_DAY ", " C_COUNTS " GROUP BY 2, 3"
	    " UNION ALL SELECT 'month', " C_MONTH ", " C_COUNTS
	    " GROUP BY 2, 3) a"
	    " GROUP BY span, day, unit_id, received, in_time, resolved, rated,"
	    " good, fair HAVING COUNT(*) <> 2) d",
	/* path: the kept rows under it. */
	[S_ROWS] =
	    "SELECT COUNT(*) FROM complaint_tallies t JOIN units g"
	    " ON g.id = t.unit_id WHERE g.path LIKE CONCAT(?, '%')",
	[S_CATEGORY] = "SELECT id FROM complaint_categories WHERE code = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE(
    "test_complaint_tallies", sql);

static struct fx_org o;
static struct hz_caller admin, cadre, leader, head, r1, r2, r3;
static const char *c1_path, *c2_path;

/* UTC seconds of a UTC time "YYYY-MM-DD hh:mm:ss". */
static time_t
at(const char *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(t, "%d-%d-%d %d:%d:%d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* Shanghai midnight starting "YYYY-MM-DD", in UTC seconds. */
static time_t
midnight(const char *date)
{
	return at(hz_arena_printf(fx.arena, "%s 00:00:00", date)) - 8 * HOUR;
}

static int
setup(void **state)
{
	struct hz_unit u;

	if (fx_setup(state) != 0)
		return -1;
	if (fx.db == NULL)
		return 0;
	if (fx_org_new(&o) != HZ_OK ||
	    fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()) != HZ_OK ||
	    fx_staff(&cadre, HZ_ROLE_CADRE, o.c1) != HZ_OK ||
	    fx_staff(&leader, HZ_ROLE_GROUP_LEADER, o.g1) != HZ_OK ||
	    fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1) != HZ_OK ||
	    fx_resident(&r1) != HZ_OK || fx_resident(&r2) != HZ_OK ||
	    fx_resident(&r3) != HZ_OK)
		return -1;
	if (hz_unit_load(&fx, o.c1, &u) != HZ_OK)
		return -1;
	c1_path = u.path;
	if (hz_unit_load(&fx, o.c2, &u) != HZ_OK)
		return -1;
	c2_path = u.path;
	return 0;
}

static long long
count(size_t stmt, const struct hz_db_arg *args, size_t n)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, stmt, args, n,
	    &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->i;
}

static void
same_rates(const char *what, const struct hz_complaint_rates *a,
           const struct hz_complaint_rates *b)
{
	if (a->received != b->received ||
	    a->accepted_in_time != b->accepted_in_time ||
	    a->resolved != b->resolved || a->rated != b->rated ||
	    a->rated_good != b->rated_good || a->rated_fair != b->rated_fair)
		fail_msg("%s: kept %lld/%lld/%lld/%lld/%lld/%lld, counted"
		    " %lld/%lld/%lld/%lld/%lld/%lld", what, a->received,
		    a->accepted_in_time, a->resolved, a->rated, a->rated_good,
		    a->rated_fair, b->received, b->accepted_in_time,
		    b->resolved, b->rated, b->rated_good, b->rated_fair);
}

/* The rates of the cooperative at `path` (children g, and its total)
 * over [from, to], read both ways. */
static void
same_over(const char *path, uint64_t group, time_t now, const char *from,
          const char *to)
{
	struct hz_complaint_rates kept[2], live[2];
	struct hz_ctx x = fx_as(&admin);
	const char *what = hz_arena_printf(fx.arena, "%s %s..%s (today %ld)",
	    path, from, to, (long)now);
	time_t lo = midnight(from), hi = midnight(to) + DAY;

	x.now = now;
	memset(kept, 0, sizeof(kept));
	memset(live, 0, sizeof(live));
	kept[1].unit_id = live[1].unit_id = group;
	assert_int_equal(hz_complaint_rates_tallied(&x, path, lo, hi, kept,
	    2), HZ_OK);
	assert_int_equal(hz_complaint_rates_by_child(&x, path, lo, hi, live,
	    2), HZ_OK);
	same_rates(what, &kept[0], &live[0]);
	same_rates(hz_arena_printf(fx.arena, "%s, its group", what), &kept[1],
	    &live[1]);
	assert_true(kept[0].has_response == live[0].has_response);
}

/* The kept rows equal the direct count, and so do the rates of every
 * range below (within a month, across one, two and more, at month
 * edges, a day, a year) seen from mid-June and from June 5th (days
 * after "today" are free to read, never wrong). */
static void
check(const char *step)
{
	static const char *const days[] = { "2025-06-11", "2026-04-01",
	    "2026-04-14", "2026-04-15", "2026-04-16", "2026-04-30",
	    "2026-05-01", "2026-05-17", "2026-05-31", "2026-06-01",
	    "2026-06-02", "2026-06-10", "2026-06-11", "2026-06-30" };
	const size_t nd = sizeof(days) / sizeof(*days);
	const time_t nows[] = { at("2026-06-20 04:00:00"),
	    at("2026-06-05 04:00:00") };

	for (int k = 0; k < 2; k++) {
		const char *p = k ? c2_path : c1_path;
		struct hz_db_arg path = HZ_ARG_STR(p);

		if (count(S_DIFF, HZ_ARGS(path, path, path)) != 0)
			fail_msg("after %s: the kept counts under %s differ"
			    " from the complaints' rows", step, p);
	}
	for (size_t i = 1; i < nd; i++)
		for (size_t j = i; j < nd; j++)
			for (int n = 0; n < 2; n++) {
				same_over(c1_path, o.g1, nows[n], days[i],
				    days[j]);
				same_over(c2_path, o.g2, nows[n], days[i],
				    days[j]);
			}
	/* A year and a day, the longest range. */
	same_over(c1_path, o.g1, nows[0], days[0], "2026-06-11");
}

static struct hz_complaint
filed(struct hz_caller *r, uint64_t building, const char *when)
{
	struct hz_complaint_input in = { .category = "noise",
	    .text = "夜里施工噪音很大", .building = building };
	struct hz_ctx x = fx_as(r);
	struct hz_complaint c;

	x.now = at(when);
	assert_int_equal(hz_complaint_submit(&x, &in, &c), HZ_OK);
	return c;
}

static void
act(const struct hz_caller *who, uint64_t id, const char *action,
    int rating, uint64_t assignee, const char *when)
{
	struct hz_complaint_event_input in = { .action = action,
	    .text = "已处理，请查看", .rating = rating, .assignee = assignee };
	struct hz_ctx x = fx_as(who);
	struct hz_complaint c;

	x.now = at(when);
	assert_int_equal(hz_complaint_act(&x, id, &in, &c), HZ_OK);
	check(hz_arena_printf(fx.arena, "%s of %llu", action,
	    (unsigned long long)id));
}

static void
every_change_keeps_the_counts_exact(void **state)
{
	struct hz_complaint a, b, c, d, e;
	struct hz_ctx sys = fx;
	unsigned long long n;
	uint64_t duty;

	(void)state;
	FX_NEED_DB();
	check("nothing");
	/* Filings: mid-April, the last second of May and the first of June
	 * in Shanghai, June, and in the other cooperative. */
	a = filed(&r1, o.b1, "2026-04-15 02:00:00");
	check("a filing");
	b = filed(&r1, o.b2, "2026-05-31 15:59:59");
	c = filed(&r2, o.b1, "2026-05-31 16:00:00");
	d = filed(&r2, o.b3, "2026-06-10 01:00:00");
	e = filed(&r3, o.b1, "2026-06-10 02:00:00");
	check("filings at a month's edge");
	assert_true(count(S_ROWS, HZ_ARGS(HZ_ARG_STR(c1_path))) >= 4);
	/* On a checklist's duty, by the building's head. */
	sys.caller = &head;
	sys.now = at("2026-06-11 03:00:00");
	assert_int_equal(hz_complaint_file_on_duty(&sys, o.b1,
	    (uint64_t)count(S_CATEGORY, HZ_ARGS(HZ_ARG_STR("repair"))),
	    "楼道灯坏了，需要维修", 0, &duty), HZ_OK);
	check("a filing on duty");

	/* Accepted in time (noise: 480 minutes), and late by a reply. */
	act(&leader, a.id, "accept", 0, 0, "2026-04-15 03:00:00");
	act(&leader, b.id, "reply", 0, 0, "2026-06-01 06:00:00");
	/* Neither counts: a note, a head's reply, an assignment. */
	act(&head, c.id, "note", 0, 0, "2026-05-31 17:00:00");
	act(&head, c.id, "reply", 0, 0, "2026-05-31 17:30:00");
	act(&leader, c.id, "assign", 0, head.id, "2026-05-31 18:00:00");
	/* An escalation by hand, then the scheduler's past the deadline. */
	act(&leader, e.id, "escalate", 0, 0, "2026-06-10 03:00:00");
	sys = fx;
	sys.now = at("2026-06-11 00:00:00");
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	assert_true(n >= 1);
	check("the scheduler's escalations");
	act(&admin, e.id, "accept", 0, 0, "2026-06-11 01:00:00");

	/* From here the owners are a level up or more: the admin acts.
	 * Resolved, rated well. */
	act(&admin, a.id, "resolve", 0, 0, "2026-04-16 03:00:00");
	act(&r1, a.id, "rate", 5, 0, "2026-04-17 03:00:00");
	/* Resolved, reopened (no longer resolved), resolved again (still
	 * not: it was reopened), rated fair. */
	act(&admin, b.id, "resolve", 0, 0, "2026-06-02 03:00:00");
	act(&r1, b.id, "reopen", 0, 0, "2026-06-03 03:00:00");
	act(&admin, b.id, "resolve", 0, 0, "2026-06-04 03:00:00");
	act(&r1, b.id, "rate", 3, 0, "2026-06-05 03:00:00");
	/* Rejected: nothing counted moves. */
	act(&admin, d.id, "reject", 0, 0, "2026-06-10 02:00:00");
	/* Accepted late, resolved, closed by the scheduler unrated, rated
	 * poorly after. */
	act(&admin, c.id, "accept", 0, 0, "2026-06-01 00:00:01");
	act(&admin, c.id, "resolve", 0, 0, "2026-06-01 01:00:00");
	sys = fx;
	sys.now = at("2026-06-09 01:00:00");
	assert_int_equal(hz_complaints_autoclose(&sys, &n), HZ_OK);
	assert_true(n >= 1);
	check("the automatic close");
	act(&r2, c.id, "rate", 1, 0, "2026-06-09 02:00:00");
}

UNIT_TESTS(setup, fx_teardown,
	cmocka_unit_test(every_change_keeps_the_counts_exact))
