/* Check-ins against the real database: residents where they live, staff
 * on patrol in their scope, repeats within 10 minutes counted once, and
 * the purge of old ones. */
#include "unit.h"

#include <string.h>

#include "checkins.h"
#include "dbfixture.h"
#include "scan.h"
#include "tenancies.h"

enum { S_AGE, S_EXISTS, S__MAX };
static const char *const sql[S__MAX] = {
	[S_AGE] = "UPDATE checkins SET at = at - INTERVAL 100 DAY WHERE id = ?",
	[S_EXISTS] = "SELECT COUNT(*) FROM checkins WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_checkins", sql);

static struct hz_ctx
as(const struct hz_caller *c)
{
	struct hz_ctx x = fx;

	x.caller = c;
	return x;
}

/* A new resident whose registration in `building` is pending, or active
 * when `head` approved it. */
static uint64_t
resident_in(struct hz_caller *r, uint64_t building,
            const struct hz_caller *head)
{
	struct hz_tenancy_input in = { .token = fx_token(building),
	    .name = "王五", .id_type = "resident_id",
	    .id_number = fx_id_number(), .phone = fx_phone(), .room = "201",
	    .move_in = "2024-06-01", .reason = "family" };
	struct hz_ctx x;
	uint64_t id;

	assert_int_equal(fx_resident(r), HZ_OK);
	x = as(r);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	if (head != NULL) {
		x = as(head);
		assert_int_equal(hz_tenancy_decide(&x, id,
		    HZ_TENANCY_APPROVE, NULL), HZ_OK);
	}
	return id;
}

static void
refused(const struct hz_caller *c, const char *token, enum hz_status want,
        const char *code)
{
	struct hz_ctx x = as(c);
	struct hz_checkin k;

	fx_why = (struct hz_refusal){ 0 };
	assert_int_equal(hz_checkin(&x, token, &k), want);
	assert_non_null(hz_refusal_of(&x, want));
	assert_string_equal(fx_why.code, code);
	assert_null(fx_why.field);
	assert_int_equal(k.id, 0);
}

static bool
exists(uint64_t id)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_EXISTS,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->i == 1;
}

static void
residents_check_in_where_they_live(void **state)
{
	struct fx_org o;
	struct hz_caller r, head;
	struct hz_checkin k, again;
	struct hz_tenancy t;
	struct hz_ctx x;
	uint64_t tid;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	tid = resident_in(&r, o.b1, &head);
	x = as(&r);
	assert_int_equal(hz_tenancy_get(&x, tid, &t, false), HZ_OK);
	assert_null(t.last_verified_at);

	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &k), HZ_OK);
	assert_true(k.id > 0);
	assert_string_equal(k.kind, "residence");
	assert_false(k.repeated);
	assert_int_equal(k.building_id, o.b1);
	assert_string_equal(k.building_name, "1号楼");
	/* Shown in Shanghai time. */
	assert_non_null(strstr(k.at, "+08:00"));
	assert_int_equal(hz_tenancy_get(&x, tid, &t, false), HZ_OK);
	assert_non_null(t.last_verified_at);

	/* The same scan a moment later is the same check-in. */
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &again), HZ_OK);
	assert_true(again.repeated);
	assert_int_equal(again.id, k.id);
	assert_string_equal(again.kind, "residence");
	assert_string_equal(again.at, k.at);
	assert_int_equal(again.building_id, o.b1);
}

static void
only_an_active_registration_is_residence(void **state)
{
	struct fx_org o;
	struct hz_caller pending, active, nobody, head;
	uint64_t tid;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	(void)resident_in(&pending, o.b1, NULL);
	refused(&pending, fx_token(o.b1), HZ_ERR_FORBIDDEN, "register_first");
	assert_int_equal(fx_resident(&nobody), HZ_OK);
	refused(&nobody, fx_token(o.b1), HZ_ERR_FORBIDDEN, "register_first");
	/* Living in b1 is no residence in b2, next door. */
	tid = resident_in(&active, o.b1, &head);
	refused(&active, fx_token(o.b2), HZ_ERR_FORBIDDEN, "register_first");
	/* Moved out: no longer. */
	struct hz_ctx x = as(&active);
	assert_int_equal(hz_tenancy_decide(&x, tid, HZ_TENANCY_END, NULL),
	    HZ_OK);
	refused(&active, fx_token(o.b1), HZ_ERR_FORBIDDEN, "register_first");
	x = as(NULL);
	struct hz_checkin k;
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &k),
	    HZ_ERR_UNAUTHORIZED);
}

static void
staff_patrol_the_buildings_they_read(void **state)
{
	struct fx_org o;
	struct hz_caller head1, leader1, station;
	struct hz_checkin k, again;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head1, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(fx_staff(&leader1, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);
	assert_int_equal(fx_staff(&station, HZ_ROLE_STATION_MANAGER, o.b1),
	    HZ_OK);

	x = as(&head1);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &k), HZ_OK);
	assert_string_equal(k.kind, "patrol");
	assert_false(k.repeated);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &again), HZ_OK);
	assert_true(again.repeated);
	assert_int_equal(again.id, k.id);
	/* Another building, another check-in. */
	x = as(&leader1);
	assert_int_equal(hz_checkin(&x, fx_token(o.b2), &k), HZ_OK);
	assert_string_equal(k.kind, "patrol");
	assert_false(k.repeated);
	assert_int_equal(k.building_id, o.b2);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &again), HZ_OK);
	assert_false(again.repeated);
	assert_true(again.id != k.id);

	refused(&head1, fx_token(o.b2), HZ_ERR_FORBIDDEN, "not_your_building");
	refused(&leader1, fx_token(o.b3), HZ_ERR_FORBIDDEN,
	    "not_your_building");
	refused(&station, fx_token(o.b1), HZ_ERR_FORBIDDEN,
	    "not_your_building");
}

static void
bad_and_replaced_codes_are_refused(void **state)
{
	struct fx_org o;
	struct hz_caller head;
	struct hz_poster p;
	struct hz_ctx x;
	const char *old;
	char *forged;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	refused(&head, "garbage", HZ_ERR_NOT_FOUND, "qr_invalid");
	forged = hz_arena_strdup(fx.arena, fx_token(o.b1));
	forged[3] = forged[3] == 'A' ? 'B' : 'A';
	refused(&head, forged, HZ_ERR_NOT_FOUND, "qr_invalid");
	old = fx_token(o.b1);
	x = as(&head);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p), HZ_OK);
	refused(&head, old, HZ_ERR_GONE, "qr_expired");
	struct hz_checkin k;
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &k), HZ_OK);
}

static void
purge_deletes_old_check_ins_only(void **state)
{
	struct fx_org o;
	struct hz_caller head;
	struct hz_checkin old, recent;
	struct hz_ctx x;
	unsigned long long deleted = 99;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);
	x = as(&head);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &old), HZ_OK);
	assert_int_equal(hz_checkin(&x, fx_token(o.b2), &recent), HZ_OK);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_AGE,
	    HZ_ARGS(HZ_ARG_I64((long long)old.id)), NULL), HZ_OK);

	/* Kept longer than 100 days: nothing of ours goes. */
	assert_int_equal(hz_checkins_purge(&fx, 101, &deleted), HZ_OK);
	assert_true(exists(old.id));
	assert_true(exists(recent.id));
	assert_int_equal(hz_checkins_purge(&fx, 90, &deleted), HZ_OK);
	assert_true(deleted >= 1);
	assert_false(exists(old.id));
	assert_true(exists(recent.id));
	/* Nothing left that old. */
	assert_int_equal(hz_checkins_purge(&fx, 90, &deleted), HZ_OK);
	assert_int_equal(deleted, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(residents_check_in_where_they_live),
		cmocka_unit_test(only_an_active_registration_is_residence),
		cmocka_unit_test(staff_patrol_the_buildings_they_read),
		cmocka_unit_test(bad_and_replaced_codes_are_refused),
		cmocka_unit_test(purge_deletes_old_check_ins_only),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
