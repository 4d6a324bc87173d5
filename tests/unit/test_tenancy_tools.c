/* The building head's tools (楼栋工作台) against the real database:
 * approving several at once, the overdue list, the renter's phone, who
 * has not checked in this month, and publishing the head's own phone. */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "checklists.h"
#include "contact.h"
#include "dbfixture.h"
#include "tenancies.h"

enum { S_AGE, S_CHECKIN, S_CHECKIN_AT, S__MAX };
static const char *const sql[S__MAX] = {
	[S_AGE] = "UPDATE tenancies SET created_at = NOW(3) - INTERVAL ? HOUR"
	    " WHERE id = ?",
	[S_CHECKIN] = "INSERT INTO checkins (user_id, building_id, kind, at,"
	    " slot) SELECT user_id, building_id, ?, NOW(3) - INTERVAL ? DAY,"
	    " FLOOR(RAND() * 1e12) FROM tenancies WHERE id = ?",
	[S_CHECKIN_AT] = "INSERT INTO checkins (user_id, building_id, kind, at,"
	    " slot) SELECT user_id, building_id, 'residence', ?,"
	    " FLOOR(RAND() * 1e12) FROM tenancies WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_tools", sql);

static void
age(uint64_t id, int hours)
{
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_AGE, HZ_ARGS(
	    HZ_ARG_I64(hours), HZ_ARG_I64((long long)id)), NULL), HZ_OK);
}

static void
checkin(uint64_t id, const char *kind, int days_ago)
{
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_CHECKIN, HZ_ARGS(
	    HZ_ARG_STR(kind), HZ_ARG_I64(days_ago),
	    HZ_ARG_I64((long long)id)), NULL), HZ_OK);
}

static bool
listed(const struct hz_tenancy *t, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return true;
	return false;
}

static void
a_batch_approves_each_in_scope_and_refuses_each_other(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r, head3;
	struct hz_tenancy_batch_item out[5];
	struct hz_ctx x;
	uint64_t a, b, done, other, ids[5];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head3, HZ_ROLE_BUILDING_HEAD, o.b3), HZ_OK);
	a = fx_registered(&r, o.b1, NULL);
	b = fx_registered(&r, o.b1, NULL);
	done = fx_registered(&r, o.b1, &k.head);
	other = fx_registered(&r, o.b3, NULL);       /* another group */
	ids[0] = a;
	ids[1] = other;
	ids[2] = done;
	ids[3] = b;
	ids[4] = 999999999;

	x = fx_as(&k.head);
	assert_int_equal(hz_tenancies_approve_batch(&x, ids, 5, out), HZ_OK);
	assert_int_equal(out[0].id, a);
	assert_string_equal(out[0].status, "active");
	assert_null(out[0].code);
	assert_int_equal(out[1].id, other);
	assert_null(out[1].status);
	assert_string_equal(out[1].code, "not_found");
	assert_non_null(out[1].message);
	assert_string_equal(out[2].code, "state_conflict");
	assert_string_equal(out[3].status, "active");
	assert_string_equal(out[4].code, "not_found");
	/* Each approval has its audit row; the refused ones none. */
	assert_int_equal(fx_audits("tenancy.approve", k.head.id, a), 1);
	assert_int_equal(fx_audits("tenancy.approve", k.head.id, b), 1);
	assert_int_equal(fx_audits("tenancy.approve", 0, other), 0);
	/* The other group's registration is untouched: its head decides. */
	x = fx_as(&head3);
	assert_int_equal(hz_tenancies_approve_batch(&x, &other, 1, out), HZ_OK);
	assert_string_equal(out[0].status, "active");
	/* A resident approves nothing; nor does a station manager. */
	x = fx_as(&r);
	assert_int_equal(hz_tenancies_approve_batch(&x, ids, 1, out),
	    HZ_ERR_FORBIDDEN);
	b = fx_registered(&r, o.b1, NULL);
	x = fx_as(&k.station);
	assert_int_equal(hz_tenancies_approve_batch(&x, &b, 1, out), HZ_OK);
	assert_string_equal(out[0].code, "not_found");
	x = fx_as(NULL);
	assert_int_equal(hz_tenancies_approve_batch(&x, &b, 1, out),
	    HZ_ERR_UNAUTHORIZED);
}

static void
the_overdue_list_is_pending_past_24_hours(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r;
	struct hz_tenancy_filter f = { .status = "pending", .overdue = true };
	struct hz_page page = { 0, 100 };
	struct hz_tenancy *t;
	struct hz_tenancy_counts *c;
	struct hz_ctx x;
	size_t n, nc;
	bool more;
	uint64_t fresh, late, edge, approved;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	fresh = fx_registered(&r, o.b1, NULL);
	late = fx_registered(&r, o.b1, NULL);
	edge = fx_registered(&r, o.b1, NULL);
	approved = fx_registered(&r, o.b1, NULL);
	age(late, 25);
	age(edge, 23);
	age(approved, 30);
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_decide(&x, approved, HZ_TENANCY_APPROVE,
	    NULL), HZ_OK);

	assert_int_equal(hz_tenancies_list(&x, &f, &page, &t, &n, &more), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].id, late);
	assert_true(t[0].overdue);
	assert_false(listed(t, n, fresh) || listed(t, n, edge) ||
	    listed(t, n, approved));
	/* The same rule as the counts. */
	assert_int_equal(hz_tenancy_counts(&x, o.b1, &c, &nc), HZ_OK);
	assert_int_equal(c[0].overdue, 1);
	/* Without status it means pending too; with another it is refused. */
	f.status = NULL;
	assert_int_equal(hz_tenancies_list(&x, &f, &page, &t, &n, &more), HZ_OK);
	assert_int_equal(n, 1);
	f.status = "active";
	fx_refused(&x, hz_tenancies_list(&x, &f, &page, &t, &n, &more),
	    HZ_ERR_INVALID, "validation_failed", "overdue");
	/* Off: every pending one. */
	f.status = "pending";
	f.overdue = false;
	assert_int_equal(hz_tenancies_list(&x, &f, &page, &t, &n, &more), HZ_OK);
	assert_int_equal(n, 3);
}

static void
the_renter_s_phone_is_for_staff_in_scope_and_audited(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r, head3;
	struct hz_tenancy t;
	struct hz_ctx x;
	char *phone;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head3, HZ_ROLE_BUILDING_HEAD, o.b3), HZ_OK);
	id = fx_registered(&r, o.b1, NULL);
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_get(&x, id, &t, true), HZ_OK);
	assert_int_equal(hz_tenancy_reveal_phone(&x, id, &phone), HZ_OK);
	assert_int_equal(strlen(phone), 11);
	assert_string_equal(hz_mask_phone(fx.arena, phone), t.phone_masked);
	assert_int_equal(fx_audits("pii.reveal", k.head.id, id), 1);

	/* Another building's head, the renter, nobody: no number. */
	x = fx_as(&head3);
	assert_int_equal(hz_tenancy_reveal_phone(&x, id, &phone),
	    HZ_ERR_NOT_FOUND);
	assert_null(phone);
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_reveal_phone(&x, id, &phone),
	    HZ_ERR_FORBIDDEN);
	x = fx_as(&k.station);                /* reads no buildings */
	assert_int_equal(hz_tenancy_reveal_phone(&x, id, &phone),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(NULL);
	assert_int_equal(hz_tenancy_reveal_phone(&x, id, &phone),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(fx_audits("pii.reveal", 0, id), 1);
}

static void
absent_are_active_renters_without_a_residence_check_in(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r, head3;
	struct hz_page page = { 0, 100 };
	struct hz_tenancy *t;
	struct hz_ctx x;
	char month[8];
	size_t n;
	bool more;
	uint64_t in, patrolled, away, pending, last_year;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head3, HZ_ROLE_BUILDING_HEAD, o.b3), HZ_OK);
	in = fx_registered(&r, o.b1, &k.head);
	patrolled = fx_registered(&r, o.b1, &k.head);
	away = fx_registered(&r, o.b1, &k.head);
	last_year = fx_registered(&r, o.b1, &k.head);
	pending = fx_registered(&r, o.b1, NULL);
	checkin(in, "residence", 0);
	checkin(patrolled, "patrol", 0);     /* a patrol is no residence */
	checkin(last_year, "residence", 400);

	x = fx_as(&k.head);
	assert_int_equal(hz_tenancies_absent(&x, o.b1, NULL, &page, &t, &n,
	    &more), HZ_OK);
	assert_int_equal(n, 3);
	assert_false(listed(t, n, in) || listed(t, n, pending));
	assert_true(listed(t, n, patrolled) && listed(t, n, away) &&
	    listed(t, n, last_year));
	assert_non_null(t[0].phone_masked);
	assert_non_null(strchr(t[0].phone_masked, '*'));
	assert_int_equal(fx_audits("tenancy.list", k.head.id, 0), 1);
	/* This month by name is the same; a month long ago has all four. */
	hz_checklist_month(fx.now, month);
	assert_int_equal(hz_tenancies_absent(&x, o.b1, month, &page, &t, &n,
	    &more), HZ_OK);
	assert_int_equal(n, 3);
	assert_int_equal(hz_tenancies_absent(&x, o.b1, "2001-01", &page, &t,
	    &n, &more), HZ_OK);
	assert_int_equal(n, 4);
	/* A month is Shanghai's, and only that one: 00:30 on 1 November in
	 * Shanghai (16:30 UTC on 31 October) counts for November, not for
	 * October. */
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_CHECKIN_AT,
	    HZ_ARGS(HZ_ARG_STR("2026-10-31 16:30:00"),
	    HZ_ARG_I64((long long)away)), NULL), HZ_OK);
	assert_int_equal(hz_tenancies_absent(&x, o.b1, "2026-11", &page, &t,
	    &n, &more), HZ_OK);
	assert_false(listed(t, n, away));
	assert_int_equal(hz_tenancies_absent(&x, o.b1, "2026-10", &page, &t,
	    &n, &more), HZ_OK);
	assert_true(listed(t, n, away));
	/* Pages. */
	page.limit = 2;
	assert_int_equal(hz_tenancies_absent(&x, o.b1, NULL, &page, &t, &n,
	    &more), HZ_OK);
	assert_int_equal(n, 2);
	assert_true(more);
	page.limit = 100;

	/* No month, another building's head, a group, a resident. */
	fx_refused(&x, hz_tenancies_absent(&x, o.b1, "2026-13", &page, &t, &n,
	    &more), HZ_ERR_INVALID, "validation_failed", "month");
	fx_refused(&x, hz_tenancies_absent(&x, o.b1, "26-12", &page, &t, &n,
	    &more), HZ_ERR_INVALID, "validation_failed", "month");
	fx_refused(&x, hz_tenancies_absent(&x, o.b1, "2026/12", &page, &t, &n,
	    &more), HZ_ERR_INVALID, "validation_failed", "month");
	x = fx_as(&head3);
	assert_int_equal(hz_tenancies_absent(&x, o.b1, NULL, &page, &t, &n,
	    &more), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.leader);
	assert_int_equal(hz_tenancies_absent(&x, o.g1, NULL, &page, &t, &n,
	    &more), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_tenancies_absent(&x, o.b1, NULL, &page, &t, &n,
	    &more), HZ_OK);
	assert_int_equal(n, 3);
	x = fx_as(&r);
	assert_int_not_equal(hz_tenancies_absent(&x, o.b1, NULL, &page, &t,
	    &n, &more), HZ_OK);
}

static void
only_a_head_publishes_their_phone(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller head, admin;
	struct hz_staff_new s = { .username = NULL, .display_name = "有电话",
	    .password = "long enough password", .phone = NULL };
	struct hz_ctx x;
	char name[32];
	uint64_t id, grant;
	bool on;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	snprintf(name, sizeof(name), "fxp%u",
	    (unsigned)randombytes_uniform(1u << 30));
	s.username = name;
	s.phone = fx_phone();
	assert_int_equal(hz_staff_create(&fx, &s, &id), HZ_OK);
	assert_int_equal(hz_role_grant(&fx, id, HZ_ROLE_BUILDING_HEAD, o.b2,
	    &grant), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, id, &head), HZ_OK);

	x = fx_as(&head);
	assert_true(hz_caller_is_head(&x));
	assert_int_equal(hz_phone_public_get(&x, &on), HZ_OK);
	assert_false(on);                         /* off by default */
	assert_int_equal(hz_phone_public_set(&x, true), HZ_OK);
	assert_int_equal(hz_phone_public_get(&x, &on), HZ_OK);
	assert_true(on);
	assert_int_equal(fx_audits("user.phone_public", id, id), 1);
	assert_int_equal(hz_phone_public_set(&x, false), HZ_OK);
	assert_int_equal(hz_phone_public_get(&x, &on), HZ_OK);
	assert_false(on);
	assert_int_equal(fx_audits("user.phone_public", id, id), 2);

	/* Published, then no longer a head: withdrawn with the role, and a
	 * new appointment does not publish it again. */
	assert_int_equal(hz_phone_public_set(&x, true), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	x = fx_as(&admin);
	assert_int_equal(hz_role_revoke(&x, id, grant), HZ_OK);
	assert_int_equal(hz_role_grant(&fx, id, HZ_ROLE_BUILDING_HEAD, o.b2,
	    &grant), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, id, &head), HZ_OK);
	x = fx_as(&head);
	assert_int_equal(hz_phone_public_get(&x, &on), HZ_OK);
	assert_false(on);
	/* One who is no head any more may still withdraw. */
	x = fx_as(&admin);
	assert_int_equal(hz_role_revoke(&x, id, grant), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, id, &head), HZ_OK);
	x = fx_as(&head);
	assert_false(hz_caller_is_head(&x));
	assert_int_equal(hz_phone_public_set(&x, false), HZ_OK);

	/* A head without a phone has nothing to publish (may withdraw). */
	x = fx_as(&k.head);
	fx_refused(&x, hz_phone_public_set(&x, true), HZ_ERR_INVALID,
	    "validation_failed", "phone_public");
	assert_int_equal(hz_phone_public_set(&x, false), HZ_OK);
	/* Nobody else. */
	x = fx_as(&k.leader);
	assert_false(hz_caller_is_head(&x));
	fx_refused(&x, hz_phone_public_set(&x, true), HZ_ERR_FORBIDDEN,
	    "forbidden", NULL);
	assert_int_equal(hz_phone_public_get(&x, &on), HZ_OK);
	assert_false(on);
	x = fx_as(&k.r);
	fx_refused(&x, hz_phone_public_set(&x, false), HZ_ERR_FORBIDDEN,
	    "forbidden", NULL);
	x = fx_as(NULL);
	assert_int_equal(hz_phone_public_set(&x, true), HZ_ERR_UNAUTHORIZED);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(a_batch_approves_each_in_scope_and_refuses_each_other),
	cmocka_unit_test(the_overdue_list_is_pending_past_24_hours),
	cmocka_unit_test(the_renter_s_phone_is_for_staff_in_scope_and_audited),
	cmocka_unit_test(absent_are_active_renters_without_a_residence_check_in),
	cmocka_unit_test(only_a_head_publishes_their_phone))
