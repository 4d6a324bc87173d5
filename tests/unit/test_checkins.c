/* Check-ins against the real database: residents where they live, staff
 * on patrol in their scope, repeats within 10 minutes counted once, and
 * the purge of old ones. */
#include "unit.h"

#include <string.h>

#include "access.h"
#include "checkins.h"
#include "dbfixture.h"
#include "scan.h"
#include "session.h"
#include "tenancies.h"

enum { S_AGE, S_EXISTS, S_AGO_11, S_AGO_8, S_AGO_1, S_DISABLE, S_ENABLE,
       S_END, S_TEMP, S__MAX };
static const char *const sql[S__MAX] = {
	[S_AGE] = "UPDATE checkins SET at = at - INTERVAL 100 DAY WHERE id = ?",
	/* Moved back in time, each into a slot of its own. */
	[S_AGO_11] = "UPDATE checkins SET at = NOW(3) - INTERVAL 11 MINUTE,"
	    " slot = slot - 2 WHERE id = ?",
	[S_AGO_8] = "UPDATE checkins SET at = NOW(3) - INTERVAL 8 MINUTE,"
	    " slot = slot - 6 WHERE id = ?",
	[S_AGO_1] = "UPDATE checkins SET at = NOW(3) - INTERVAL 1 MINUTE,"
	    " slot = slot - 5 WHERE id = ?",
	[S_DISABLE] = "UPDATE users SET disabled = 1 WHERE id = ?",
	[S_ENABLE] = "UPDATE users SET disabled = 0 WHERE id = ?",
	[S_END] = "UPDATE sessions SET revoked_at = NOW(3) WHERE id = ?",
	[S_TEMP] = "UPDATE users SET must_change_password = 1 WHERE id = ?",
	[S_EXISTS] = "SELECT COUNT(*) FROM checkins WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_checkins", sql);

/* `c` checking in with `token` is refused with `code`. */
static void
refused(const struct hz_caller *c, const char *token, enum hz_status want,
        const char *code)
{
	struct hz_ctx x = fx_as(c);
	struct hz_checkin k;

	fx_why = (struct hz_refusal){ 0 };
	fx_refused(&x, hz_checkin(&x, token, &k), want, code, NULL);
	assert_int_equal(k.id, 0);
}

static bool
exists(uint64_t id)
{
	return fx_count(&stmts, S_EXISTS, id) == 1;
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
	tid = fx_registered(&r, o.b1, &head);
	x = fx_as(&r);
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
	(void)fx_registered(&pending, o.b1, NULL);
	refused(&pending, fx_token(o.b1), HZ_ERR_FORBIDDEN, "register_first");
	assert_int_equal(fx_resident(&nobody), HZ_OK);
	refused(&nobody, fx_token(o.b1), HZ_ERR_FORBIDDEN, "register_first");
	/* Living in b1 is no residence in b2, next door. */
	tid = fx_registered(&active, o.b1, &head);
	refused(&active, fx_token(o.b2), HZ_ERR_FORBIDDEN, "register_first");
	/* Moved out: no longer. */
	struct hz_ctx x = fx_as(&active);
	assert_int_equal(hz_tenancy_decide(&x, tid, HZ_TENANCY_END, NULL),
	    HZ_OK);
	refused(&active, fx_token(o.b1), HZ_ERR_FORBIDDEN, "register_first");
	x = fx_as(NULL);
	struct hz_checkin k;
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &k),
	    HZ_ERR_UNAUTHORIZED);
}

static void
staff_patrol_the_buildings_they_read(void **state)
{
	struct fx_org o;
	struct fx_cast cast;
	struct hz_checkin k, again;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &cast), HZ_OK);

	x = fx_as(&cast.head);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &k), HZ_OK);
	assert_string_equal(k.kind, "patrol");
	assert_false(k.repeated);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &again), HZ_OK);
	assert_true(again.repeated);
	assert_int_equal(again.id, k.id);
	/* Another building, another check-in. */
	x = fx_as(&cast.leader);
	assert_int_equal(hz_checkin(&x, fx_token(o.b2), &k), HZ_OK);
	assert_string_equal(k.kind, "patrol");
	assert_false(k.repeated);
	assert_int_equal(k.building_id, o.b2);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &again), HZ_OK);
	assert_false(again.repeated);
	assert_true(again.id != k.id);

	refused(&cast.head, fx_token(o.b2), HZ_ERR_FORBIDDEN,
	    "not_your_building");
	refused(&cast.leader, fx_token(o.b3), HZ_ERR_FORBIDDEN,
	    "not_your_building");
	refused(&cast.station, fx_token(o.b1), HZ_ERR_FORBIDDEN,
	    "not_your_building");
}

/* Two check-ins within 10 minutes (each slot is 10 minutes, so there can
 * be two): a repeat is answered by the later one, whatever the ids say. */
static void
a_repeat_is_the_latest_check_in(void **state)
{
	struct fx_org o;
	struct hz_caller head;
	struct hz_checkin first, second, again;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	x = fx_as(&head);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &first), HZ_OK);
	fx_exec(&stmts, S_AGO_11, first.id);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &second), HZ_OK);
	assert_false(second.repeated);
	assert_true(second.id > first.id);
	/* The older id is now the later check-in. */
	fx_exec(&stmts, S_AGO_8, second.id);
	fx_exec(&stmts, S_AGO_1, first.id);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &again), HZ_OK);
	assert_true(again.repeated);
	assert_int_equal(again.id, first.id);
}

/* As the front calls it for POST /checkins (HZ_CALLER_IN_READ): the
 * bearer's verified token, no caller loaded. */
struct bearer {
	struct hz_claims  claims;
	struct hz_caller  slot;
	struct hz_refusal why;
	struct hz_ctx     x;
};

static void
bearer_of(struct bearer *b, uint64_t user, const char *kind)
{
	struct hz_tokens t;

	assert_int_equal(hz_session_start(&fx, user, kind, &t), HZ_OK);
	assert_int_equal(hz_jwt_verify(&fx, t.access, &b->claims), HZ_OK);
	memset(&b->slot, 0, sizeof(b->slot));
	b->x = fx;
	b->x.caller = NULL;
	b->x.claims = &b->claims;
	b->x.caller_slot = &b->slot;
	b->x.why = &b->why;
	b->why = (struct hz_refusal){ 0 };
}

static void
bearer_refused(struct bearer *b, const char *token, enum hz_status want,
               const char *code)
{
	struct hz_checkin k;

	b->why = (struct hz_refusal){ 0 };
	assert_int_equal(hz_checkin(&b->x, token, &k), want);
	assert_non_null(b->why.code);
	assert_string_equal(b->why.code, code);
	assert_int_equal(k.id, 0);
}

/* The check-in's read brings the caller: the same caller, the same
 * refusals, in the same order, as when the front loads it first. */
static void
the_caller_comes_with_the_read(void **state)
{
	struct fx_org o;
	struct hz_caller head, r, rhead;
	struct hz_checkin k, again;
	struct bearer b;
	char *forged;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);

	/* Staff: their grants come with them (the group, not b3's). */
	bearer_of(&b, head.id, "staff");
	assert_int_equal(hz_checkin(&b.x, fx_token(o.b1), &k), HZ_OK);
	assert_string_equal(k.kind, "patrol");
	assert_int_equal(b.slot.id, head.id);
	assert_true(b.slot.staff);
	assert_true(b.slot.ngrants >= 1);
	assert_int_equal(hz_checkin(&b.x, fx_token(o.b1), &again), HZ_OK);
	assert_true(again.repeated);
	assert_int_equal(again.id, k.id);
	bearer_refused(&b, fx_token(o.b3), HZ_ERR_FORBIDDEN,
	    "not_your_building");

	/* A resident where they live; not where they do not. */
	assert_int_equal(fx_staff(&rhead, HZ_ROLE_BUILDING_HEAD, o.b2), HZ_OK);
	fx_registered(&r, o.b2, &rhead);
	bearer_of(&b, r.id, "resident");
	assert_int_equal(hz_checkin(&b.x, fx_token(o.b2), &k), HZ_OK);
	assert_string_equal(k.kind, "residence");
	assert_false(b.slot.staff);
	bearer_refused(&b, fx_token(o.b1), HZ_ERR_FORBIDDEN, "register_first");

	/* A token of another kind than its user's. */
	bearer_of(&b, head.id, "resident");
	bearer_refused(&b, fx_token(o.b1), HZ_ERR_UNAUTHORIZED,
	    "token_invalid");

	/* A bad code: the caller's standing is answered first. */
	bearer_of(&b, head.id, "staff");
	forged = hz_arena_strdup(fx.arena, fx_token(o.b1));
	forged[3] = forged[3] == 'A' ? 'B' : 'A';
	bearer_refused(&b, forged, HZ_ERR_NOT_FOUND, "qr_invalid");
	bearer_refused(&b, "garbage", HZ_ERR_NOT_FOUND, "qr_invalid");

	/* A session ended: 401 before anything else, bad code or good. */
	fx_exec(&stmts, S_END, b.claims.sid);
	bearer_refused(&b, fx_token(o.b1), HZ_ERR_UNAUTHORIZED,
	    "token_invalid");
	bearer_refused(&b, forged, HZ_ERR_UNAUTHORIZED, "token_invalid");

	/* A disabled account: 401, even on a code of a building unknown. */
	bearer_of(&b, head.id, "staff");
	fx_exec(&stmts, S_DISABLE, head.id);
	bearer_refused(&b, fx_token(o.b1), HZ_ERR_UNAUTHORIZED,
	    "token_invalid");
	bearer_refused(&b, "garbage", HZ_ERR_UNAUTHORIZED, "token_invalid");
	fx_exec(&stmts, S_ENABLE, head.id);

	/* A temporary password: 403 until it is changed, nothing written. */
	fx_exec(&stmts, S_TEMP, head.id);
	bearer_refused(&b, fx_token(o.b2), HZ_ERR_FORBIDDEN,
	    "password_change_required");
	bearer_refused(&b, "garbage", HZ_ERR_FORBIDDEN,
	    "password_change_required");

	/* A user gone (a token for an id that never was). */
	bearer_of(&b, head.id, "staff");
	b.claims.sub = head.id + 1000000;
	bearer_refused(&b, fx_token(o.b1), HZ_ERR_UNAUTHORIZED,
	    "token_invalid");
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
	x = fx_as(&head);
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
	x = fx_as(&head);
	assert_int_equal(hz_checkin(&x, fx_token(o.b1), &old), HZ_OK);
	assert_int_equal(hz_checkin(&x, fx_token(o.b2), &recent), HZ_OK);
	fx_exec(&stmts, S_AGE, old.id);

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

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(residents_check_in_where_they_live),
	cmocka_unit_test(only_an_active_registration_is_residence),
	cmocka_unit_test(staff_patrol_the_buildings_they_read),
	cmocka_unit_test(a_repeat_is_the_latest_check_in),
	cmocka_unit_test(the_caller_comes_with_the_read),
	cmocka_unit_test(bad_and_replaced_codes_are_refused),
	cmocka_unit_test(purge_deletes_old_check_ins_only))
