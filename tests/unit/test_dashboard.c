/* The dashboard against a hand-computed fixture: a cooperative (c1) with
 * two groups, g1 (buildings b1, b2) and ga (building b4), beside another
 * cooperative (c2: g2, b3) whose rows must never count. Every row is
 * written straight into its table (times in UTC), and every figure of
 * every child and of the total is checked exactly. Registrations go
 * through core, which keeps each building's count of them.
 *
 * "Now" is Wednesday 2026-03-11 12:00 in Shanghai (04:00 UTC): the week
 * runs from Monday 03-09 00:00 (03-08 16:00 UTC) to Sunday 03-15, the
 * month from 03-01 00:00 (02-28 16:00 UTC). */
#include "unit.h"

#include <math.h>
#include <string.h>

#include "checkin_days.h"
#include "dashboard.h"
#include "dbfixture.h"
#include "directives.h"

#define NOW_UTC "2026-03-11 04:00:00"

enum {
	S_NOW, S_USER, S_AGE, S_CHECKIN, S_COMPLAINT, S_TEMPLATE,
	S_CHECKLIST, S_DIRECTIVE, S_RECEIPT, S_TALLY, S_STATION, S_SHIFT,
	S_SIGNUP, S_COUNT_DIRECT, S_ROLLED_ROWS, S_COMPLAINT_TALLY, S__MAX
};
static const char *const sql[S__MAX] = {
	[S_NOW] = "SELECT UNIX_TIMESTAMP('" NOW_UTC "')",
	[S_USER] = "INSERT INTO users (kind, display_name)"
	    " VALUES ('resident', '看板测试')",
	/* created, tenancy */
	[S_AGE] = "UPDATE tenancies SET created_at = ? WHERE id = ?",
	/* user, building, kind, at */
	[S_CHECKIN] = "INSERT INTO checkins (user_id, building_id, kind, at,"
	    " slot) VALUES (?, ?, ?, ?, UNIX_TIMESTAMP(?))",
	/* user, accept minutes (-1: none) x2, resolve minutes x2, reopened,
	 * rating (0: none), created, unit. respond_due is 480 minutes
	 * after receipt. */
	[S_COMPLAINT] =
	    "INSERT INTO complaints (user_id, category_id, text, building_id,"
	    " unit_id, unit_path, status, handler_unit_id, created_at,"
	    " respond_due, resolve_due, accepted_at, resolved_at, reopened,"
	    " rating, updated_at)"
	    " SELECT ?, c.id, '看板测试', u.id, u.id, u.path, 'accepted', u.id,"
	    " t.at, t.at + INTERVAL 480 MINUTE, t.at + INTERVAL 4320 MINUTE,"
	    " IF(? < 0, NULL, t.at + INTERVAL ? MINUTE),"
	    " IF(? < 0, NULL, t.at + INTERVAL ? MINUTE), ?, NULLIF(?, 0), t.at"
	    " FROM (SELECT CAST(? AS DATETIME) AS at) t"
	    " JOIN units u JOIN complaint_categories c ON c.code = 'sanitation'"
	    " WHERE u.id = ?",
	/* What core keeps beside each complaint (complaint_tallies,
	 * sql/0023): its day's and month's counts at the unit holding its
	 * place. complaint */
	[S_COMPLAINT_TALLY] =
	    "INSERT INTO complaint_tallies (span, day, unit_id, received,"
	    " in_time, resolved, rated, good, fair)"
	    " SELECT s.span, IF(s.span = 'day', t.d,"
	    " t.d - INTERVAL (DAYOFMONTH(t.d) - 1) DAY), t.u, 1, t.i, t.r, t.k,"
	    " t.g, t.f FROM (SELECT DATE(c.created_at + INTERVAL 8 HOUR) AS d,"
	    " IF(u.kind = 'building', u.parent_id, u.id) AS u,"
	    " COALESCE(c.accepted_at <= c.respond_due, 0) AS i,"
	    " c.resolved_at IS NOT NULL AND c.reopened = 0 AS r,"
	    " c.rating IS NOT NULL AS k, COALESCE(c.rating >= 4, 0) AS g,"
	    " COALESCE(c.rating = 3, 0) AS f"
	    " FROM complaints c JOIN units u ON u.id = c.unit_id"
	    " WHERE c.id = ?) t"
	    " JOIN (SELECT 'day' AS span UNION ALL SELECT 'month') s ON TRUE"
	    " ON DUPLICATE KEY UPDATE received = received + 1,"
	    " in_time = in_time + VALUES(in_time),"
	    " resolved = resolved + VALUES(resolved),"
	    " rated = rated + VALUES(rated), good = good + VALUES(good),"
	    " fair = fair + VALUES(fair)",
	/* month: its id, made once per database */
	[S_TEMPLATE] = "INSERT INTO checklist_templates (month, title, items,"
	    " created_at, updated_at) VALUES (?, '看板测试', 4, NOW(3), NOW(3))"
	    " ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
	/* template, month, building, completed (NULL: not) */
	[S_CHECKLIST] =
	    "INSERT INTO checklists (template_id, month, building_id, unit_path,"
	    " coop_id, group_id, items, items_done, due_at, completed_at,"
	    " created_at)"
	    " SELECT ?, ?, u.id, u.path, g.parent_id, g.id, 4, 0, NOW(3), ?,"
	    " NOW(3) FROM units u JOIN units g ON g.id = u.parent_id"
	    " WHERE u.id = ?",
	/* deadline (= created), needs_done, sender, created, unit */
	[S_DIRECTIVE] =
	    "INSERT INTO directives (unit_id, unit_path, audience, title, body,"
	    " deadline, needs_done, sender_id, recipients, created_at)"
	    " SELECT u.id, u.path, 'both', '看板测试', '正文',"
	    " ?, ?, ?, 0, ? FROM units u WHERE u.id = ?",
	/* directive, user, unit, read (NULL: not), done (NULL: not) */
	[S_RECEIPT] =
	    "INSERT INTO directive_receipts (directive_id, user_id, role,"
	    " unit_id, unit_path, read_at, done_at)"
	    " SELECT ?, ?, IF(u.kind = 'building', 'building_head',"
	    " 'group_leader'), u.id, u.path, ?, ? FROM units u WHERE u.id = ?",
	/* What core keeps beside a receipt (directive_tallies, sql/0021):
	 * directive, read, done, unit. */
	[S_TALLY] =
	    "INSERT INTO directive_tallies (directive_id, unit_id, receipts,"
	    " read_n, done_n) SELECT ?, IF(u.kind = 'building', u.parent_id,"
	    " u.id), 1, ? IS NOT NULL, ? IS NOT NULL FROM units u WHERE u.id = ?"
	    " ON DUPLICATE KEY UPDATE receipts = receipts + 1,"
	    " read_n = read_n + VALUES(read_n), done_n = done_n + VALUES(done_n)",
	/* The week's check-ins under a path counted from the rows (path,
	 * week [lo, hi)): what the rollup must add up to. */
	[S_COUNT_DIRECT] =
	    "SELECT CAST(COALESCE(SUM(c.kind = 'residence'), 0) AS SIGNED),"
	    " CAST(COALESCE(SUM(c.kind = 'patrol'), 0) AS SIGNED)"
	    " FROM checkins c JOIN units u ON u.id = c.building_id"
	    " WHERE u.path LIKE CONCAT(?, '%') AND c.at >= ? AND c.at < ?",
	/* Rolled-up rows of the groups under a path. */
	[S_ROLLED_ROWS] =
	    "SELECT COUNT(*) FROM checkin_days d JOIN units g ON g.id = d.unit_id"
	    " WHERE g.path LIKE CONCAT(?, '%')",
	/* unit */
	[S_STATION] = "INSERT INTO stations (unit_id, kind, name)"
	    " VALUES (?, 'culture', CONCAT('看板测试', UUID()))",
	/* station, ends */
	[S_SHIFT] =
	    "INSERT INTO shifts (station_id, title, starts_at, ends_at,"
	    " signup_deadline, cancel_deadline, capacity, created_at,"
	    " updated_at) SELECT ?, '看板测试', t.e - INTERVAL 2 HOUR, t.e,"
	    " t.e - INTERVAL 2 HOUR, t.e - INTERVAL 2 HOUR, 5, NOW(3), NOW(3)"
	    " FROM (SELECT CAST(? AS DATETIME) AS e) t",
	/* shift, user, station, minutes (NULL: none), ends */
	[S_SIGNUP] =
	    "INSERT INTO shift_signups (shift_id, user_id, station_id, status,"
	    " queue_no, signed_up_at, minutes, shift_ends_at, updated_at)"
	    " VALUES (?, ?, ?, 'confirmed', 1, NOW(3), ?, ?, NOW(3))",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_dashboard",
    sql);

#define assert_near(a, b) assert_true(fabs((a) - (b)) < 1e-9)
#define I(v) HZ_ARG_I64((long long)(v))
#define S(v) HZ_ARG_OPT_STR(v)

static struct fx_org o;
static uint64_t ga, b4;            /* c1's second group and its building */
static struct hz_caller admin, cadre, other_cadre, leader, resident;
static time_t now;

static uint64_t
run(size_t stmt, const struct hz_db_arg *args, size_t n)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, stmt, args, n,
	    &r), HZ_OK);
	assert_int_equal(r.affected, 1);
	return r.insert_id;
}

static uint64_t
user(void)
{
	return run(S_USER, HZ_NO_ARGS);
}

/* A registration through core (so that its building counts it), in
 * `status` (or "withdrawn": ended while pending), received at
 * `created`. */
static void
tenancy(uint64_t building, const char *status, const char *created)
{
	bool open = strcmp(status, "pending") == 0 ||
	    strcmp(status, "rejected") == 0 ||
	    strcmp(status, "withdrawn") == 0;
	struct hz_ctx x = fx_as(&admin);
	struct hz_caller r;
	uint64_t id = fx_registered(&r, building, open ? NULL : &admin);

	if (strcmp(status, "rejected") == 0)
		assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_REJECT,
		    "证件照片不清楚"), HZ_OK);
	if (strcmp(status, "ended") == 0 || strcmp(status, "withdrawn") == 0)
		assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_END,
		    NULL), HZ_OK);
	run(S_AGE, HZ_ARGS(S(created), I(id)));
}

static void
checkin(uint64_t building, const char *kind, const char *at)
{
	run(S_CHECKIN, HZ_ARGS(I(user()), I(building), S(kind), S(at), S(at)));
}

static void
complaint(uint64_t unit, const char *created, int accept, int resolve,
          int reopened, int rating)
{
	uint64_t id = run(S_COMPLAINT, HZ_ARGS(I(resident.id), I(accept),
	    I(accept), I(resolve), I(resolve), I(reopened), I(rating),
	    S(created), I(unit)));

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts,
	    S_COMPLAINT_TALLY, HZ_ARGS(I(id)), NULL), HZ_OK);
}

/* The list's own month is what counts; its template is of the same
 * month in 1999, so that no test of the checklists meets it. */
static void
checklist(const char *month, uint64_t building, const char *completed)
{
	struct hz_db_result r;
	uint64_t t;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_TEMPLATE,
	    HZ_ARGS(S(hz_arena_printf(fx.arena, "1999%s", month + 4))), &r),
	    HZ_OK);
	t = r.insert_id;
	run(S_CHECKLIST, HZ_ARGS(I(t), S(month), S(completed), I(building)));
}

static uint64_t
directive(uint64_t unit, int needs_done, const char *created)
{
	return run(S_DIRECTIVE, HZ_ARGS(S(created), I(needs_done),
	    I(admin.id), S(created), I(unit)));
}

static void
receipt(uint64_t d, uint64_t unit, const char *read, const char *done)
{
	run(S_RECEIPT, HZ_ARGS(I(d), I(user()), S(read), S(done), I(unit)));
	/* An insert or an update (2 rows affected, as MariaDB counts). */
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_TALLY, HZ_ARGS(
	    I(d), S(read), S(done), I(unit)), NULL), HZ_OK);
}

static void
minutes(uint64_t station, int m, const char *ends)
{
	uint64_t shift = run(S_SHIFT, HZ_ARGS(I(station), S(ends)));

	run(S_SIGNUP, HZ_ARGS(I(shift), I(user()), I(station),
	    m < 0 ? HZ_ARG_NULL : I(m), S(ends)));
}

/* The rows, as the table in each test's comment says. */
static void
rows(void)
{
	uint64_t d1, d2, d3, d4, s_g1, s_b4, s_c1, s_b3;

	/* Renters: pending is overdue after 24 hours (03-10 04:00 UTC). */
	tenancy(o.b1, "active", "2026-01-05 00:00:00");
	tenancy(o.b1, "active", "2026-02-05 00:00:00");
	tenancy(o.b1, "pending", "2026-03-11 03:00:00");
	tenancy(o.b1, "pending", "2026-03-09 00:00:00");     /* overdue */
	tenancy(o.b1, "rejected", "2026-03-01 00:00:00");
	tenancy(o.b1, "ended", "2026-01-01 00:00:00");
	tenancy(o.b2, "active", "2026-02-01 00:00:00");
	tenancy(o.b2, "pending", "2026-03-10 03:59:00");     /* overdue */
	tenancy(o.b2, "withdrawn", "2026-03-01 00:00:00");
	tenancy(b4, "active", "2026-02-01 00:00:00");
	tenancy(b4, "active", "2026-02-02 00:00:00");
	tenancy(b4, "active", "2026-02-03 00:00:00");
	tenancy(b4, "pending", "2026-03-10 04:00:01");       /* 23:59:59 */
	tenancy(o.b3, "active", "2026-02-01 00:00:00");
	tenancy(o.b3, "pending", "2026-03-01 00:00:00");

	/* Check-ins: the week is [03-08 16:00, 03-15 16:00) UTC. */
	checkin(o.b1, "residence", "2026-03-08 16:00:00");   /* Monday 0:00 */
	checkin(o.b1, "residence", "2026-03-08 15:59:59");   /* last week */
	checkin(o.b1, "residence", "2026-03-10 10:00:00");
	checkin(o.b1, "patrol", "2026-03-11 01:00:00");
	checkin(o.b2, "patrol", "2026-03-09 02:00:00");
	checkin(b4, "residence", "2026-03-10 08:00:00");
	checkin(b4, "residence", "2026-03-11 03:00:00");
	checkin(b4, "patrol", "2026-03-01 03:00:00");        /* last week */
	checkin(o.b3, "residence", "2026-03-10 08:00:00");
	/* Written behind the rollup's watermark (any tick of another test
	 * moved it to today): forget it, so that they count. */
	assert_int_equal(hz_checkin_days_reset(&fx), HZ_OK);

	/* Complaints received 03-01..03-11 (Shanghai). */
	complaint(o.b1, "2026-03-02 02:00:00", 30, 120, 0, 5);
	complaint(o.b1, "2026-03-05 02:00:00", 600, 700, 1, 3);
	complaint(o.b2, "2026-03-06 02:00:00", -1, -1, 0, 0);
	complaint(b4, "2026-03-07 02:00:00", 60, 100, 0, 4);
	complaint(b4, "2026-02-28 15:59:59", 60, 100, 0, 4); /* Feb in SH */
	complaint(o.b3, "2026-03-03 02:00:00", 60, 100, 0, 1);

	/* Checklists of March; February's does not count. */
	checklist("2026-03", o.b1, "2026-03-05 00:00:00");
	checklist("2026-03", o.b2, NULL);
	checklist("2026-03", b4, "2026-03-06 00:00:00");
	checklist("2026-02", o.b1, "2026-02-10 00:00:00");
	checklist("2026-03", o.b3, "2026-03-06 00:00:00");

	/* Directives sent 03-01..03-11 (Shanghai), receipts by unit. */
	d1 = directive(o.c1, 1, "2026-03-05 01:00:00");
	receipt(d1, o.b1, "2026-03-05 02:00:00", "2026-03-05 03:00:00");
	receipt(d1, o.b2, "2026-03-05 02:00:00", NULL);
	receipt(d1, o.g1, NULL, NULL);
	receipt(d1, b4, "2026-03-06 02:00:00", "2026-03-07 02:00:00");
	d2 = directive(ga, 0, "2026-03-08 01:00:00");
	receipt(d2, b4, "2026-03-08 02:00:00", NULL);
	d3 = directive(o.c1, 1, "2026-02-20 01:00:00");     /* out of range */
	receipt(d3, o.b1, "2026-02-20 02:00:00", "2026-02-20 03:00:00");
	d4 = directive(o.c2, 1, "2026-03-06 01:00:00");
	receipt(d4, o.b3, "2026-03-06 02:00:00", "2026-03-06 03:00:00");

	/* Volunteer minutes of shifts that ended in March (Shanghai). */
	s_g1 = run(S_STATION, HZ_ARGS(I(o.g1)));
	s_b4 = run(S_STATION, HZ_ARGS(I(b4)));
	s_c1 = run(S_STATION, HZ_ARGS(I(o.c1)));
	s_b3 = run(S_STATION, HZ_ARGS(I(o.b3)));
	minutes(s_g1, 60, "2026-03-05 10:00:00");
	minutes(s_g1, 45, "2026-03-10 10:00:00");
	minutes(s_g1, -1, "2026-03-10 10:00:00");            /* no-show */
	minutes(s_b4, 30, "2026-03-02 10:00:00");
	minutes(s_b4, 120, "2026-02-28 15:00:00");           /* Feb in SH */
	minutes(s_c1, 15, "2026-03-03 10:00:00");            /* c1 itself */
	minutes(s_b3, 90, "2026-03-03 10:00:00");
}

static int
fixture(void **state)
{
	struct hz_unit_input g = { .kind = "group", .name = "西巷" };
	struct hz_unit_input b = { .kind = "building", .name = "4号楼",
	    .door_no = "4" };
	struct hz_db_result r;
	struct hz_ctx x;

	if (fx_setup(state) != 0)
		return -1;
	if (fx.db == NULL)
		return 0;
	if (fx_org_new(&o) != HZ_OK ||
	    fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()) != HZ_OK ||
	    fx_staff(&cadre, HZ_ROLE_CADRE, o.c1) != HZ_OK ||
	    fx_staff(&other_cadre, HZ_ROLE_CADRE, o.c2) != HZ_OK ||
	    fx_staff(&leader, HZ_ROLE_GROUP_LEADER, o.g1) != HZ_OK ||
	    fx_resident(&resident) != HZ_OK)
		return -1;
	x = fx_as(&admin);
	g.parent_id = o.c1;
	b.lane = hz_arena_printf(fx.arena, "%s西一巷", o.tag);
	if (hz_unit_create(&x, &g, &ga) != HZ_OK)
		return -1;
	b.parent_id = ga;
	if (hz_unit_create(&x, &b, &b4) != HZ_OK ||
	    hz_db_run(fx.db, fx.arena, &stmts, S_NOW, HZ_NO_ARGS, &r) != HZ_OK)
		return -1;
	now = (time_t)HZ_CELL(&r, 0, 0)->i;
	return 0;
}

static struct hz_ctx
as(const struct hz_caller *c)
{
	struct hz_ctx x = fx_as(c);

	x.now = now;
	return x;
}

static const struct hz_dash_row *
child(const struct hz_dashboard *d, uint64_t unit)
{
	for (size_t i = 0; i < d->nchildren; i++)
		if (d->children[i].unit_id == unit)
			return &d->children[i];
	fail_msg("no child %llu", (unsigned long long)unit);
	return NULL;
}

static void
renters(const struct hz_dash_row *w, long long active, long long pending,
        long long overdue)
{
	assert_int_equal(w->active, active);
	assert_int_equal(w->pending, pending);
	assert_int_equal(w->overdue, overdue);
}

static void
directives(const struct hz_dash_row *w, long long receipts, long long read,
           long long needs_done, long long done)
{
	assert_int_equal(w->receipts, receipts);
	assert_int_equal(w->read, read);
	assert_int_equal(w->needs_done, needs_done);
	assert_int_equal(w->done, done);
	assert_true(w->has_read_rate && w->has_done_rate);
	assert_near(w->read_rate, (double)read / (double)receipts);
	assert_near(w->done_rate, (double)done / (double)needs_done);
}

/*            renters       check-ins    complaints        lists  receipts      min
 *            act pend over res patrol   recv resolved     n done n read nd done
 *  g1         3   3    2    2   2        3    1           2  1   3  2   3  1   105
 *  ga         3   1    0    2   0        1    1           1  1   2  2   1  1    30
 *  c1         6   4    2    4   2        4    2           3  2   5  4   4  2   150
 * (c1's own station adds 15 minutes to its total alone.) */
static void
a_cooperative_and_its_groups(void **state)
{
	struct hz_dashboard d;
	const struct hz_dash_row *g, *t;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	rows();
	x = as(&cadre);
	/* The cadre's default unit is their cooperative. */
	assert_int_equal(hz_dashboard(&x, 0, "2026-03-01", "2026-03-11", &d),
	    HZ_OK);
	assert_int_equal(d.total.unit_id, o.c1);
	assert_string_equal(d.total.kind, "cooperative");
	assert_string_equal(d.from, "2026-03-01");
	assert_string_equal(d.to, "2026-03-11");
	assert_string_equal(d.week_from, "2026-03-09");
	assert_string_equal(d.week_to, "2026-03-15");
	assert_string_equal(d.month, "2026-03");
	assert_int_equal(d.nchildren, 2);

	g = child(&d, o.g1);
	assert_string_equal(g->kind, "group");
	renters(g, 3, 3, 2);
	assert_int_equal(g->residence, 2);
	assert_int_equal(g->patrol, 2);
	assert_int_equal(g->complaints.received, 3);
	assert_int_equal(g->complaints.resolved, 1);
	assert_near(g->complaints.response_rate, 1.0 / 3);
	assert_near(g->complaints.resolution_rate, 1.0 / 3);
	assert_near(g->complaints.satisfaction_rate, 1.9 / 2);
	assert_int_equal(g->lists, 2);
	assert_int_equal(g->completed, 1);
	assert_near(g->checklist_rate, 0.5);
	directives(g, 3, 2, 3, 1);
	assert_int_equal(g->volunteer_minutes, 105);

	g = child(&d, ga);
	renters(g, 3, 1, 0);
	assert_int_equal(g->residence, 2);
	assert_int_equal(g->patrol, 0);
	assert_int_equal(g->complaints.received, 1);
	assert_int_equal(g->complaints.resolved, 1);
	assert_near(g->complaints.response_rate, 1);
	assert_near(g->complaints.resolution_rate, 1);
	assert_near(g->complaints.satisfaction_rate, 1);
	assert_int_equal(g->lists, 1);
	assert_int_equal(g->completed, 1);
	assert_near(g->checklist_rate, 1);
	directives(g, 2, 2, 1, 1);
	assert_int_equal(g->volunteer_minutes, 30);

	t = &d.total;
	renters(t, 6, 4, 2);
	assert_int_equal(t->residence, 4);
	assert_int_equal(t->patrol, 2);
	assert_int_equal(t->complaints.received, 4);
	assert_int_equal(t->complaints.resolved, 2);
	assert_near(t->complaints.response_rate, 0.5);
	assert_near(t->complaints.resolution_rate, 0.5);
	assert_near(t->complaints.satisfaction_rate, 2.9 / 3);
	assert_int_equal(t->lists, 3);
	assert_int_equal(t->completed, 2);
	assert_near(t->checklist_rate, 2.0 / 3);
	directives(t, 5, 4, 4, 2);
	assert_int_equal(t->volunteer_minutes, 150);

	/* The admin sees the same numbers for c1, and c2's own apart. */
	x = as(&admin);
	assert_int_equal(hz_dashboard(&x, o.c1, "2026-03-01", "2026-03-11",
	    &d), HZ_OK);
	assert_int_equal(d.total.active, 6);
	assert_int_equal(d.total.volunteer_minutes, 150);
	x = as(&other_cadre);
	assert_int_equal(hz_dashboard(&x, 0, "2026-03-01", "2026-03-11", &d),
	    HZ_OK);
	assert_int_equal(d.total.unit_id, o.c2);
	renters(&d.total, 1, 1, 1);
	assert_int_equal(d.total.residence, 1);
	assert_int_equal(d.total.complaints.received, 1);
	assert_int_equal(d.total.lists, 1);
	directives(&d.total, 1, 1, 1, 1);
	assert_int_equal(d.total.volunteer_minutes, 90);
}

/* A group's children are its buildings; the leader's receipt sits at the
 * group itself and counts in its total alone, as does a station there.
 * By default the range is the last 30 days, today included. */
static void
a_group_and_its_buildings(void **state)
{
	struct hz_dashboard d;
	const struct hz_dash_row *b;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	x = as(&admin);
	assert_int_equal(hz_dashboard(&x, o.g1, NULL, NULL, &d), HZ_OK);
	assert_string_equal(d.from, "2026-02-10");
	assert_string_equal(d.to, "2026-03-11");
	assert_int_equal(d.nchildren, 2);
	b = child(&d, o.b1);
	assert_string_equal(b->kind, "building");
	renters(b, 2, 2, 1);
	assert_int_equal(b->residence, 2);
	assert_int_equal(b->patrol, 1);
	/* From 02-10 the February directive (d3) counts too. */
	directives(b, 2, 2, 2, 2);
	assert_int_equal(b->volunteer_minutes, 0);
	b = child(&d, o.b2);
	renters(b, 1, 1, 1);
	directives(b, 1, 1, 1, 0);
	assert_false(child(&d, o.b2)->complaints.has_satisfaction);
	directives(&d.total, 4, 3, 4, 2);
	assert_int_equal(d.total.volunteer_minutes, 105);
	/* A building has no children. */
	assert_int_equal(hz_dashboard(&x, o.b2, NULL, NULL, &d), HZ_OK);
	assert_int_equal(d.nchildren, 0);
	assert_int_equal(d.total.lists, 1);
	assert_int_equal(d.total.completed, 0);
	assert_near(d.total.checklist_rate, 0);
}

struct lines {
	struct hz_buf b;
	int           n;
};

static enum hz_status
line(void *arg, const char *s, size_t len)
{
	struct lines *l = arg;

	hz_buf_append(&l->b, s, len);
	l->n++;
	return HZ_OK;
}

static void
the_csv_has_a_line_per_row(void **state)
{
	struct lines l = { .n = 0 };
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	hz_buf_init(&l.b, fx.arena);
	x = as(&cadre);
	assert_int_equal(hz_dashboard_csv(&x, o.c1, "2026-03-01", "2026-03-11",
	    line, &l), HZ_OK);
	hz_buf_append(&l.b, "", 1);
	/* The header, c1, g1 and ga. */
	assert_int_equal(l.n, 4);
	assert_memory_equal(l.b.data, "\xef\xbb\xbf单位,类型,在住人数,", 30);
	assert_non_null(strstr(l.b.data, "\r\n一社,经济社,6,4,2,4,2,4,2,50.0%,"
	    "50.0%,96.7%,3,2,66.7%,5,4,4,2,80.0%,50.0%,2.5\r\n"));
	assert_non_null(strstr(l.b.data, "\r\n西巷,户组,3,1,0,2,0,1,1,100.0%,"
	    "100.0%,100.0%,1,1,100.0%,2,2,1,1,100.0%,100.0%,0.5\r\n"));
	/* A refusal hands over nothing. */
	l.n = 0;
	x = as(&leader);
	assert_int_equal(hz_dashboard_csv(&x, o.g1, NULL, NULL, line, &l),
	    HZ_ERR_FORBIDDEN);
	assert_int_equal(l.n, 0);
}

static void
who_may_see_it(void **state)
{
	struct hz_dashboard d;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	/* A group leader reads their group but has no dashboard. */
	x = as(&leader);
	assert_int_equal(hz_dashboard(&x, o.g1, NULL, NULL, &d),
	    HZ_ERR_FORBIDDEN);
	assert_int_equal(hz_dashboard(&x, 0, NULL, NULL, &d),
	    HZ_ERR_FORBIDDEN);
	/* Another cooperative's cadre: c1 does not exist for them, nor
	 * does its building. */
	x = as(&other_cadre);
	assert_int_equal(hz_dashboard(&x, o.c1, NULL, NULL, &d),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_dashboard(&x, b4, NULL, NULL, &d),
	    HZ_ERR_NOT_FOUND);
	/* The cadre cannot look up at the village. */
	x = as(&cadre);
	assert_int_equal(hz_dashboard(&x, fx_root(), NULL, NULL, &d),
	    HZ_ERR_NOT_FOUND);
	/* A resident has no dashboard. */
	x = as(&resident);
	fx_refused(&x, hz_dashboard(&x, o.c1, NULL, NULL, &d),
	    HZ_ERR_FORBIDDEN, "forbidden", NULL);
}

static void
ranges_are_checked(void **state)
{
	struct hz_dashboard d;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	x = as(&cadre);
	fx_refused(&x, hz_dashboard(&x, o.c1, "2026-03-12", "2026-03-11", &d),
	    HZ_ERR_INVALID, "validation_failed", "from");
	fx_refused(&x, hz_dashboard(&x, o.c1, "2025-01-01", "2026-03-11", &d),
	    HZ_ERR_INVALID, "validation_failed", "to");
	fx_refused(&x, hz_dashboard(&x, o.c1, "2026-02-30", NULL, &d),
	    HZ_ERR_INVALID, "validation_failed", "from");
	/* A day's range is that day. */
	assert_int_equal(hz_dashboard(&x, o.c1, "2026-03-07", "2026-03-07",
	    &d), HZ_OK);
	assert_int_equal(d.total.complaints.received, 1);
	assert_int_equal(d.total.receipts, 0);
	assert_false(d.total.has_read_rate);
	/* The week and month follow now, not the range. */
	assert_int_equal(d.total.residence, 4);
	assert_int_equal(d.total.lists, 3);
}

/* UTC milliseconds of a UTC time "YYYY-MM-DD hh:mm:ss[.mmm]". */
static long long
ms_of(const char *t)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	assert_true(sscanf(t, "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) >= 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) * 1000 + ms;
}

/* The week's check-ins of c1 (4 + 2) and its groups, at the cooperative
 * and at the village, wherever the rollup's watermark is: not run yet,
 * before the week, on Monday's first millisecond in Shanghai (a day
 * boundary: 03-08 16:00 UTC), one millisecond after it, on a check-in's
 * own millisecond (it is then after the watermark), within a day, at
 * "now" and past the week. Each time the figures equal the rows' own
 * count, and once the watermark has passed them the rolled rows exist
 * (so the rolled part is the one counting). */
static void
the_rollup_and_the_rows_after_it_are_the_count(void **state)
{
	static const char *const marks[] = {
		NULL, "2026-03-01 00:00:00", "2026-03-08 16:00:00",
		"2026-03-08 16:00:00.001", "2026-03-10 08:00:00",
		"2026-03-10 08:00:00.001", "2026-03-10 15:59:59.999",
		"2026-03-10 16:00:00", NOW_UTC, "2026-03-20 00:00:00",
	};
	const char *c1_path = NULL;
	struct hz_dashboard d;
	struct hz_db_result r;
	struct hz_unit u;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	x = as(&admin);
	assert_int_equal(hz_unit_get(&x, o.c1, &u), HZ_OK);
	c1_path = u.path;
	/* The rows' own count: the fixture's table says 4 + 2. */
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_COUNT_DIRECT,
	    HZ_ARGS(S(c1_path), S("2026-03-08 16:00:00"),
	    S("2026-03-15 16:00:00")), &r), HZ_OK);
	assert_int_equal(HZ_CELL(&r, 0, 0)->i, 4);
	assert_int_equal(HZ_CELL(&r, 0, 1)->i, 2);
	for (size_t i = 0; i < sizeof(marks) / sizeof(*marks); i++) {
		unsigned long long rows_written;

		assert_int_equal(hz_checkin_days_reset(&fx), HZ_OK);
		if (marks[i] != NULL)
			assert_int_equal(hz_checkin_days_roll(&fx,
			    ms_of(marks[i]), &rows_written), HZ_OK);
		x = as(&admin);
		assert_int_equal(hz_dashboard(&x, o.c1, "2026-03-01",
		    "2026-03-11", &d), HZ_OK);
		assert_int_equal(d.total.residence, 4);
		assert_int_equal(d.total.patrol, 2);
		assert_int_equal(child(&d, o.g1)->residence, 2);
		assert_int_equal(child(&d, o.g1)->patrol, 2);
		assert_int_equal(child(&d, ga)->residence, 2);
		assert_int_equal(child(&d, ga)->patrol, 0);
		/* The village's: c1 is one of its children. */
		assert_int_equal(hz_dashboard(&x, fx_root(), "2026-03-01",
		    "2026-03-11", &d), HZ_OK);
		assert_int_equal(child(&d, o.c1)->residence, 4);
		assert_int_equal(child(&d, o.c1)->patrol, 2);
		/* A group's, from the rows. */
		assert_int_equal(hz_dashboard(&x, o.g1, "2026-03-01",
		    "2026-03-11", &d), HZ_OK);
		assert_int_equal(child(&d, o.b1)->residence, 2);
		assert_int_equal(child(&d, o.b1)->patrol, 1);
		assert_int_equal(child(&d, o.b2)->patrol, 1);
		assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts,
		    S_ROLLED_ROWS, HZ_ARGS(S(c1_path)), &r), HZ_OK);
		if (i >= 3)
			assert_true(HZ_CELL(&r, 0, 0)->i > 0);
		else if (i == 0)
			assert_int_equal(HZ_CELL(&r, 0, 0)->i, 0);
	}
	/* A second run at the same watermark writes nothing new, and the
	 * figures stay. */
	{
		unsigned long long n1, n2;

		assert_int_equal(hz_checkin_days_reset(&fx), HZ_OK);
		assert_int_equal(hz_checkin_days_roll(&fx,
		    ms_of("2026-03-10 12:00:00"), &n1), HZ_OK);
		assert_int_equal(hz_checkin_days_roll(&fx,
		    ms_of("2026-03-10 12:00:00"), &n2), HZ_OK);
		assert_true(n1 > 0);
		assert_int_equal(n2, 0);
		assert_int_equal(hz_dashboard(&x, o.c1, "2026-03-01",
		    "2026-03-11", &d), HZ_OK);
		assert_int_equal(d.total.residence, 4);
		assert_int_equal(d.total.patrol, 2);
	}
	/* The job itself (the database's clock less 10 minutes): the same. */
	{
		unsigned long long n[3] = { 0 };

		assert_int_equal(hz_checkin_days_job(&fx, n), HZ_OK);
		assert_int_equal(hz_dashboard(&x, o.c1, "2026-03-01",
		    "2026-03-11", &d), HZ_OK);
		assert_int_equal(d.total.residence, 4);
		assert_int_equal(d.total.patrol, 2);
	}
}

/* g's receipts as the cooperative's dashboard counts them (per group,
 * from directive_tallies) equal the group's own total (from the receipts),
 * and the village's count for c1 equals the cooperative's. */
static void
tallies_agree(const struct hz_caller *c, long long receipts, long long read,
              long long done)
{
	struct hz_ctx x = as(c);
	struct hz_dashboard coop, group, village;
	const uint64_t groups[] = { o.g1, ga };

	assert_int_equal(hz_dashboard(&x, o.c1, "2026-03-01", "2026-03-11",
	    &coop), HZ_OK);
	for (size_t i = 0; i < 2; i++) {
		const struct hz_dash_row *w = child(&coop, groups[i]);

		assert_int_equal(hz_dashboard(&x, groups[i], "2026-03-01",
		    "2026-03-11", &group), HZ_OK);
		assert_int_equal(w->receipts, group.total.receipts);
		assert_int_equal(w->read, group.total.read);
		assert_int_equal(w->needs_done, group.total.needs_done);
		assert_int_equal(w->done, group.total.done);
	}
	assert_int_equal(hz_dashboard(&x, fx_root(), "2026-03-01",
	    "2026-03-11", &village), HZ_OK);
	assert_int_equal(child(&village, o.c1)->receipts, coop.total.receipts);
	assert_int_equal(child(&village, o.c1)->read, coop.total.read);
	assert_int_equal(child(&village, o.c1)->done, coop.total.done);
	/* The fixture's 5 / 4 / 2 (a_cooperative_and_its_groups) and what
	 * this test added. */
	assert_int_equal(coop.total.receipts, 5 + receipts);
	assert_int_equal(coop.total.read, 4 + read);
	assert_int_equal(coop.total.done, 2 + done);
}

/* Receipts are counted per group with the fan-out, each first read and
 * each completion, through core: a village's and a cooperative's
 * dashboards read those counts, a group's the receipts, and they agree
 * at every step. A second look and a second completion count nothing. */
static void
receipts_are_counted_with_each_read_and_completion(void **state)
{
	struct hz_caller h1, h4;
	struct hz_directive_input in = { .audience = "both",
	    .title = "看板回执", .body = "请查看并确认完成。",
	    .needs_done = true };
	struct hz_directive out;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_staff(&h1, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(fx_staff(&h4, HZ_ROLE_BUILDING_HEAD, b4), HZ_OK);
	x = as(&admin);
	in.unit_id = o.c1;
	in.deadline = now + 3 * 86400;
	/* The heads of b1 and b4 and g1's leader. */
	assert_int_equal(hz_directive_send(&x, &in, &out), HZ_OK);
	tallies_agree(&admin, 3, 0, 0);
	x = as(&h1);
	assert_int_equal(hz_directive_get(&x, out.id, &out), HZ_OK);
	tallies_agree(&admin, 3, 1, 0);
	assert_int_equal(hz_directive_get(&x, out.id, &out), HZ_OK);
	tallies_agree(&admin, 3, 1, 0);
	assert_int_equal(hz_directive_done(&x, out.id, "已完成", 0, &out),
	    HZ_OK);
	tallies_agree(&admin, 3, 1, 1);
	/* Done without a look first: read and done at once. */
	x = as(&leader);
	assert_int_equal(hz_directive_done(&x, out.id, "已完成", 0, &out),
	    HZ_OK);
	tallies_agree(&admin, 3, 2, 2);
	x = as(&h4);
	assert_int_equal(hz_directive_done(&x, out.id, "已完成", 0, &out),
	    HZ_OK);
	assert_int_equal(hz_directive_done(&x, out.id, "又一次", 0, &out),
	    HZ_OK);
	tallies_agree(&admin, 3, 3, 3);
}

UNIT_TESTS(fixture, fx_teardown,
	cmocka_unit_test(a_cooperative_and_its_groups),
	cmocka_unit_test(a_group_and_its_buildings),
	cmocka_unit_test(the_rollup_and_the_rows_after_it_are_the_count),
	cmocka_unit_test(the_csv_has_a_line_per_row),
	cmocka_unit_test(who_may_see_it),
	cmocka_unit_test(ranges_are_checked),
	cmocka_unit_test(receipts_are_counted_with_each_read_and_completion))
