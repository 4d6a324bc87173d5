/* The home of anyone logged in (GET /me/home, issue 12) against the real
 * database: a resident's residence through its states and the monthly
 * check-in rule at the Shanghai month's edges, a staff member's todo total
 * and unit; and the tenancy notifications that feed the message list. */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "dbfixture.h"
#include "home.h"
#include "outbox.h"
#include "tenancies.h"

enum { S_VERIFIED, S_HEAD, S_TOLD, S_TEXT, S__MAX };
static const char *const sql[S__MAX] = {
	[S_VERIFIED] = "UPDATE tenancies SET last_verified_at = ? WHERE id = ?",
	[S_HEAD] = "UPDATE buildings SET head_user_id = ? WHERE unit_id = ?",
	[S_TOLD] = "SELECT COUNT(*) FROM notifications WHERE user_id = ?"
	    " AND kind = ? AND subject_id = ?",
	[S_TEXT] = "SELECT text FROM notifications WHERE user_id = ?"
	    " AND kind = ? AND subject_id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_home", sql);

static void
run(int stmt, const struct hz_db_arg *a, size_t n, struct hz_db_result *r)
{
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, stmt, a, n, r),
	    HZ_OK);
}

static long long
told(uint64_t user, const char *kind, uint64_t subject)
{
	struct hz_db_result r;

	run(S_TOLD, HZ_ARGS(HZ_ARG_I64((long long)user), HZ_ARG_STR(kind),
	    HZ_ARG_I64((long long)subject)), &r);
	return HZ_CELL(&r, 0, 0)->i;
}

static void
verified(uint64_t tenancy, const char *utc)
{
	run(S_VERIFIED, HZ_ARGS(HZ_ARG_STR(utc),
	    HZ_ARG_I64((long long)tenancy)), NULL);
}

static void
head_of(uint64_t building, const struct hz_caller *head)
{
	run(S_HEAD, HZ_ARGS(head ? HZ_ARG_I64((long long)head->id)
	    : HZ_ARG_NULL, HZ_ARG_I64((long long)building)), NULL);
}

static struct hz_home
home_at(const struct hz_caller *c, time_t now)
{
	struct hz_ctx x = fx_as(c);
	struct hz_home h;

	x.now = now;
	assert_int_equal(hz_home(&x, &h), HZ_OK);
	return h;
}

/* 2026-12-10T02:00:00Z, and 2026-12-31T20:00:00Z (already 1 January 2027,
 * 04:00, in Shanghai). */
#define MID_DECEMBER   1796868000
#define NEW_YEAR_NIGHT 1798747200

static void
a_resident_s_home_follows_their_registration(void **state)
{
	struct fx_org o;
	struct hz_caller r, admin;
	struct hz_home h;
	struct hz_tenancy_input in;
	struct hz_ctx x;
	uint64_t id;

	(void)state;
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);

	/* None yet: no residence, the display name. */
	h = home_at(&r, MID_DECEMBER);
	assert_null(h.residence);
	assert_false(h.staff);
	assert_null(h.unit);
	assert_string_equal(h.name, r.display_name);

	/* Registered: pending, at the building's address, under the name
	 * they registered; no check-in is due yet. */
	in = fx_form(fx_token(o.b1));
	in.name = "王小明";
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	h = home_at(&r, MID_DECEMBER);
	assert_non_null(h.residence);
	assert_int_equal(h.residence->tenancy_id, id);
	assert_string_equal(h.residence->status, "pending");
	assert_string_equal(h.residence->address,
	    hz_arena_printf(fx.arena, "%s东一巷1号", o.tag));
	assert_string_equal(h.residence->building_name, "1号楼");
	assert_null(h.residence->next_checkin_due);
	assert_false(h.residence->checked_in_this_month);
	assert_string_equal(h.name, "王小明");

	/* Approved: due by the month's end until this month's check-in,
	 * then by the next month's end. */
	x = fx_as(&admin);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_OK);
	h = home_at(&r, MID_DECEMBER);
	assert_string_equal(h.residence->status, "active");
	assert_false(h.residence->checked_in_this_month);
	assert_string_equal(h.residence->next_checkin_due, "2026-12-31");
	verified(id, "2026-12-01 00:00:00");     /* 08:00 on 1 December */
	h = home_at(&r, MID_DECEMBER);
	assert_true(h.residence->checked_in_this_month);
	assert_string_equal(h.residence->next_checkin_due, "2027-01-31");
	verified(id, "2026-11-30 15:59:59");     /* 23:59:59 on 30 November */
	h = home_at(&r, MID_DECEMBER);
	assert_false(h.residence->checked_in_this_month);
	assert_string_equal(h.residence->next_checkin_due, "2026-12-31");

	/* The month turns at midnight in Shanghai, not in UTC. */
	verified(id, "2026-12-31 15:59:59");     /* 23:59:59 on 31 December */
	h = home_at(&r, NEW_YEAR_NIGHT);
	assert_false(h.residence->checked_in_this_month);
	assert_string_equal(h.residence->next_checkin_due, "2027-01-31");
	verified(id, "2026-12-31 16:00:00");     /* midnight, 1 January */
	h = home_at(&r, NEW_YEAR_NIGHT);
	assert_true(h.residence->checked_in_this_month);
	assert_string_equal(h.residence->next_checkin_due, "2027-02-28");

	/* Moved out: none again. */
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_END, "搬走了"),
	    HZ_OK);
	h = home_at(&r, MID_DECEMBER);
	assert_null(h.residence);

	/* Registered again and rejected: rejected, nothing due. */
	in = fx_form(fx_token(o.b2));
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	x = fx_as(&admin);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_REJECT,
	    "房号不对"), HZ_OK);
	h = home_at(&r, MID_DECEMBER);
	assert_string_equal(h.residence->status, "rejected");
	assert_null(h.residence->next_checkin_due);

	/* Nobody logged in: 401. */
	x = fx_as(NULL);
	assert_int_equal(hz_home(&x, &h), HZ_ERR_UNAUTHORIZED);
}

static void
staff_see_their_todo_total_and_their_unit(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r1, r2, r3;
	struct hz_home h;
	struct hz_todo t;
	struct hz_ctx x;

	(void)state;
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	fx_registered(&r1, o.b1, NULL);
	fx_registered(&r2, o.b1, &k.head);
	fx_registered(&r3, o.b2, NULL);

	/* The head: their building, its pending and active renters, and
	 * the same total as 今日待办. */
	h = home_at(&k.head, time(NULL));
	assert_true(h.staff);
	assert_null(h.residence);
	assert_string_equal(h.name, "测试员");
	assert_non_null(h.unit);
	assert_int_equal(h.unit->id, o.b1);
	assert_string_equal(h.unit->kind, "building");
	assert_string_equal(h.unit->name, "1号楼");
	assert_int_equal(h.unit->renters_pending, 1);
	assert_int_equal(h.unit->renters_active, 1);
	assert_int_equal(h.unit->complaints_open, 0);
	x = fx_as(&k.head);
	assert_int_equal(hz_todo(&x, &t), HZ_OK);
	assert_int_equal(h.todo_total, t.registrations + t.directives +
	    t.checklist + t.complaints);
	assert_true(h.todo_total >= 1);

	/* The group leader: the group's two buildings. */
	h = home_at(&k.leader, time(NULL));
	assert_int_equal(h.unit->id, o.g1);
	assert_string_equal(h.unit->kind, "group");
	assert_int_equal(h.unit->renters_pending, 2);
	assert_int_equal(h.unit->renters_active, 1);
	assert_true(h.todo_total >= 2);

	/* The cadre: the cooperative. */
	h = home_at(&k.cadre, time(NULL));
	assert_int_equal(h.unit->id, o.c1);
	assert_int_equal(h.unit->renters_pending, 2);

	/* A station manager's role reads no unit: no figures. */
	h = home_at(&k.station, time(NULL));
	assert_true(h.staff);
	assert_null(h.unit);
}

static void
registrations_and_decisions_are_told(void **state)
{
	struct fx_org o;
	struct hz_caller head, leader1, leader2, other, admin, r1, r2, r3;
	struct hz_db_result res;
	struct hz_ctx x;
	uint64_t t1, t2, t3;

	(void)state;
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(fx_staff(&leader1, HZ_ROLE_GROUP_LEADER, o.g1),
	    HZ_OK);
	assert_int_equal(fx_staff(&leader2, HZ_ROLE_GROUP_LEADER, o.g1),
	    HZ_OK);
	assert_int_equal(fx_staff(&other, HZ_ROLE_GROUP_LEADER, o.g2), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_CADRE, o.c1), HZ_OK);
	head_of(o.b1, &head);

	/* A building with a head: the head hears of it, not the leaders. */
	t1 = fx_registered(&r1, o.b1, NULL);
	assert_int_equal(told(head.id, "tenancy.new", t1), 1);
	assert_int_equal(told(leader1.id, "tenancy.new", t1), 0);
	/* Without a head: each leader of its group, once; not another
	 * group's. */
	t2 = fx_registered(&r2, o.b2, NULL);
	assert_int_equal(told(leader1.id, "tenancy.new", t2), 1);
	assert_int_equal(told(leader2.id, "tenancy.new", t2), 1);
	assert_int_equal(told(other.id, "tenancy.new", t2), 0);
	assert_int_equal(told(head.id, "tenancy.new", t2), 0);
	/* A building whose group has no leader: nobody, and no failure. */
	t3 = fx_registered(&r3, o.b3, NULL);
	assert_true(t3 > 0);

	/* Decisions go to the renter, the reason with a rejection. */
	x = fx_as(&head);
	assert_int_equal(hz_tenancy_decide(&x, t1, HZ_TENANCY_APPROVE, NULL),
	    HZ_OK);
	assert_int_equal(told(r1.id, "tenancy.approved", t1), 1);
	assert_int_equal(told(r1.id, "tenancy.rejected", t1), 0);
	x = fx_as(&admin);
	assert_int_equal(hz_tenancy_decide(&x, t2, HZ_TENANCY_REJECT,
	    "房号填错了，请改成 203"), HZ_OK);
	assert_int_equal(told(r2.id, "tenancy.rejected", t2), 1);
	run(S_TEXT, HZ_ARGS(HZ_ARG_I64((long long)r2.id),
	    HZ_ARG_STR("tenancy.rejected"), HZ_ARG_I64((long long)t2)), &res);
	assert_non_null(strstr(HZ_CELL(&res, 0, 0)->s,
	    "房号填错了，请改成 203"));
	assert_non_null(strstr(HZ_CELL(&res, 0, 0)->s, "东一巷2号"));
	/* A move-out tells nobody. */
	x = fx_as(&r1);
	assert_int_equal(hz_tenancy_decide(&x, t1, HZ_TENANCY_END, "搬走"),
	    HZ_OK);
	assert_int_equal(told(r1.id, "tenancy.approved", t1), 1);
	assert_int_equal(told(head.id, "tenancy.new", t1), 1);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(a_resident_s_home_follows_their_registration),
	cmocka_unit_test(staff_see_their_todo_total_and_their_unit),
	cmocka_unit_test(registrations_and_decisions_are_told))
