/* A building's posted code against the real database: what a scan shows
 * each kind of caller and offers them, forged and replaced codes, posters
 * and their rotation. */
#include "unit.h"

#include <string.h>

#include "dbfixture.h"
#include "scan.h"
#include "tenancies.h"

static struct hz_ctx
as(const struct hz_caller *c)
{
	struct hz_ctx x = fx;

	x.caller = c;
	return x;
}

/* The actions a scan offers, comma-separated. */
static const char *
actions(const struct hz_scan *s)
{
	struct hz_buf b;

	hz_buf_init(&b, fx.arena);
	for (size_t i = 0; i < s->nactions; i++)
		hz_buf_printf(&b, "%s%s", i ? "," : "", s->actions[i]);
	hz_buf_append(&b, "", 1);
	assert_false(b.oom);
	return b.data;
}

/* What `c` may do at `building`. */
static const char *
offered(const struct hz_caller *c, uint64_t building)
{
	struct hz_ctx x = as(c);
	struct hz_scan s;

	assert_int_equal(hz_scan(&x, fx_token(building), &s), HZ_OK);
	assert_int_equal(s.building.id, building);
	return actions(&s);
}

static void
refused(const struct hz_caller *c, const char *token, enum hz_status want,
        const char *code)
{
	struct hz_ctx x = as(c);
	struct hz_scan s;
	struct hz_unit b;

	fx_why = (struct hz_refusal){ 0 };
	assert_int_equal(hz_scan(&x, token, &s), want);
	assert_non_null(hz_refusal_of(&x, want));
	assert_string_equal(fx_why.code, code);
	fx_why = (struct hz_refusal){ 0 };
	assert_int_equal(hz_scan_resolve(&x, token, &b), want);
	assert_string_equal(fx_why.code, code);
}

static void
anyone_sees_the_place_not_the_rooms(void **state)
{
	struct fx_org o;
	struct hz_caller admin, head, r;
	struct hz_scan s;
	struct hz_ctx x;
	const char *token;
	char check[8];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	/* A head named on the poster. */
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE__MAX, 0), HZ_OK);
	x = as(&admin);
	struct hz_unit_input in = { .head_id = head.id };
	assert_int_equal(hz_unit_update(&x, o.b1, &in), HZ_OK);

	token = fx_token(o.b1);
	x = as(NULL);
	assert_int_equal(hz_scan(&x, token, &s), HZ_OK);
	assert_int_equal(s.building.id, o.b1);
	assert_string_equal(s.building.name, "1号楼");
	assert_string_equal(s.building.door_no, "1");
	assert_string_equal(s.building.head_name, "测试员");
	assert_null(s.building.rooms);
	assert_int_equal(s.nchain, 3);
	assert_int_equal(s.chain[0].id, fx_root());
	assert_int_equal(s.chain[1].id, o.c1);
	assert_string_equal(s.chain[1].name, "一社");
	assert_int_equal(s.chain[2].id, o.g1);
	assert_string_equal(s.chain[2].kind, "group");
	hz_qr_check_code(&fx_keys.qr, token, check);
	assert_string_equal(s.check_code, check);
	assert_string_equal(actions(&s), "login");
	assert_int_equal(s.tenancy_id, 0);
	assert_false(s.staff_reads);

	/* Logged in, the rooms show. */
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = as(&r);
	assert_int_equal(hz_scan(&x, token, &s), HZ_OK);
	assert_string_equal(s.building.rooms, "101, 102");
}

static void
residents_are_offered_what_their_registration_allows(void **state)
{
	struct fx_org o;
	struct hz_caller r, head;
	struct hz_tenancy_input in;
	struct hz_scan s;
	struct hz_ctx x;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_string_equal(offered(&r, o.b1), "register,report_problem");

	in = (struct hz_tenancy_input){ .token = fx_token(o.b1),
	    .name = "赵六", .id_type = "resident_id",
	    .id_number = fx_id_number(), .phone = fx_phone(), .room = "102",
	    .move_in = "2024-01-15", .reason = "study" };
	x = as(&r);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_string_equal(offered(&r, o.b1),
	    "view_registration,report_problem");
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_int_equal(s.tenancy_id, id);
	assert_string_equal(s.tenancy_status, "pending");
	assert_true(s.tenancy_here);
	/* Registered elsewhere: move out there first. */
	assert_string_equal(offered(&r, o.b2), "report_problem");
	assert_int_equal(hz_scan(&x, fx_token(o.b2), &s), HZ_OK);
	assert_int_equal(s.tenancy_id, id);
	assert_false(s.tenancy_here);

	x = as(&head);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_OK);
	assert_string_equal(offered(&r, o.b1),
	    "verify_residence,report_problem,move_out");
	assert_string_equal(offered(&r, o.b3), "report_problem");
	/* Moved out: free to register anywhere again. */
	x = as(&r);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_END, NULL),
	    HZ_OK);
	assert_string_equal(offered(&r, o.b1), "register,report_problem");
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_int_equal(s.tenancy_id, 0);
	assert_false(s.staff_reads);
}

static void
staff_are_offered_what_their_roles_allow(void **state)
{
	struct fx_org o;
	struct hz_caller head1, leader1, cadre2, station;
	struct hz_scan s;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head1, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(fx_staff(&leader1, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);
	assert_int_equal(fx_staff(&cadre2, HZ_ROLE_CADRE, o.c2), HZ_OK);
	assert_int_equal(fx_staff(&station, HZ_ROLE_STATION_MANAGER, o.b1),
	    HZ_OK);

	assert_string_equal(offered(&head1, o.b1),
	    "patrol,roster,review_registrations");
	x = as(&head1);
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_true(s.staff_reads);
	assert_true(s.staff_decides);
	assert_int_equal(s.tenancy_id, 0);
	assert_string_equal(offered(&leader1, o.b2),
	    "patrol,roster,review_registrations");
	assert_string_equal(offered(&cadre2, o.b3),
	    "patrol,roster,review_registrations");
	/* Outside the scope, or a role that reads nothing: the place only. */
	assert_string_equal(offered(&head1, o.b2), "");
	assert_int_equal(hz_scan(&x, fx_token(o.b2), &s), HZ_OK);
	assert_false(s.staff_reads);
	assert_false(s.staff_decides);
	assert_string_equal(offered(&leader1, o.b3), "");
	assert_string_equal(offered(&cadre2, o.b1), "");
	assert_string_equal(offered(&station, o.b1), "");
}

static void
forged_and_replaced_codes(void **state)
{
	struct fx_org o;
	struct hz_caller head1, head2, leader1, station;
	struct hz_poster p, again;
	struct hz_unit b;
	struct hz_ctx x;
	const char *old;
	char *tok, *forged;
	unsigned serial;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head1, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(fx_staff(&head2, HZ_ROLE_BUILDING_HEAD, o.b2), HZ_OK);
	assert_int_equal(fx_staff(&leader1, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);
	assert_int_equal(fx_staff(&station, HZ_ROLE_STATION_MANAGER, o.b1),
	    HZ_OK);

	refused(NULL, "", HZ_ERR_NOT_FOUND, "qr_invalid");
	refused(NULL, "garbage", HZ_ERR_NOT_FOUND, "qr_invalid");
	forged = hz_arena_strdup(fx.arena, fx_token(o.b1));
	forged[3] = forged[3] == 'A' ? 'B' : 'A';
	refused(&head1, forged, HZ_ERR_NOT_FOUND, "qr_invalid");
	refused(&head1, hz_arena_strndup(fx.arena, fx_token(o.b1), 10),
	    HZ_ERR_NOT_FOUND, "qr_invalid");
	/* Genuine codes of a group, or of no unit at all. */
	assert_int_equal(hz_qr_token(fx.arena, &fx_keys.qr, o.g1, 1, &tok),
	    HZ_OK);
	refused(&head1, tok, HZ_ERR_NOT_FOUND, "qr_invalid");
	assert_int_equal(hz_qr_token(fx.arena, &fx_keys.qr, 4000000000u, 1,
	    &tok), HZ_OK);
	refused(NULL, tok, HZ_ERR_NOT_FOUND, "qr_invalid");

	/* Rotated: the old poster is gone for good, the new one works. */
	old = fx_token(o.b1);
	assert_int_equal(hz_unit_public(&fx, o.b1, &b), HZ_OK);
	serial = b.qr_serial;
	x = as(&head1);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p), HZ_OK);
	assert_int_equal(p.building.qr_serial, serial + 1);
	assert_int_equal(fx_audits("building.qr_rotate", head1.id, o.b1), 1);
	assert_string_equal(p.url, hz_arena_printf(fx.arena, "%s/q/%s",
	    fx_cfg.public_base_url, fx_token(o.b1)));
	refused(NULL, old, HZ_ERR_GONE, "qr_expired");
	refused(&head1, old, HZ_ERR_GONE, "qr_expired");
	/* A code from before an older rotation is no better. */
	x = as(&leader1);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &again), HZ_OK);
	assert_int_equal(again.building.qr_serial, serial + 2);
	assert_string_not_equal(again.url, p.url);
	assert_string_not_equal(again.check_code, p.check_code);
	refused(NULL, old, HZ_ERR_GONE, "qr_expired");
	assert_string_equal(offered(&head1, o.b1),
	    "patrol,roster,review_registrations");

	/* Rotating needs POSTER_MANAGE on that building. */
	x = as(&head2);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p), HZ_ERR_NOT_FOUND);
	x = as(&station);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p), HZ_ERR_NOT_FOUND);
	x = as(&leader1);
	assert_int_equal(hz_building_qr_rotate(&x, o.g1, &p), HZ_ERR_NOT_FOUND);
	x = as(NULL);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_unit_public(&fx, o.b1, &b), HZ_OK);
	assert_int_equal(b.qr_serial, serial + 2);
}

static void
posters_need_poster_manage(void **state)
{
	struct fx_org o;
	struct hz_caller head1, leader1, cadre1, station, r;
	struct hz_poster *p, one;
	struct hz_ctx x;
	size_t n;
	char check[8];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head1, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(fx_staff(&leader1, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);
	assert_int_equal(fx_staff(&cadre1, HZ_ROLE_CADRE, o.c1), HZ_OK);
	assert_int_equal(fx_staff(&station, HZ_ROLE_STATION_MANAGER, o.g1),
	    HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);

	x = as(&leader1);
	assert_int_equal(hz_unit_posters(&x, o.g1, &p, &n), HZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].building.id, o.b1);
	assert_int_equal(p[1].building.id, o.b2);
	for (size_t i = 0; i < n; i++) {
		const char *token = fx_token(p[i].building.id);

		assert_string_equal(p[i].url, hz_arena_printf(fx.arena,
		    "%s/q/%s", fx_cfg.public_base_url, token));
		hz_qr_check_code(&fx_keys.qr, token, check);
		assert_string_equal(p[i].check_code, check);
	}
	x = as(&cadre1);
	assert_int_equal(hz_unit_posters(&x, o.c1, &p, &n), HZ_OK);
	assert_int_equal(n, 2);
	/* A building's sheet is its own poster. */
	x = as(&head1);
	assert_int_equal(hz_unit_posters(&x, o.b1, &p, &n), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].building.id, o.b1);
	assert_int_equal(hz_building_poster(&x, o.b1, &one), HZ_OK);
	assert_string_equal(one.url, p[0].url);
	assert_string_equal(one.check_code, p[0].check_code);

	assert_int_equal(hz_unit_posters(&x, o.g1, &p, &n), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_building_poster(&x, o.b2, &one), HZ_ERR_NOT_FOUND);
	x = as(&leader1);
	assert_int_equal(hz_unit_posters(&x, o.g2, &p, &n), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_building_poster(&x, o.g1, &one), HZ_ERR_NOT_FOUND);
	x = as(&station);
	assert_int_equal(hz_unit_posters(&x, o.g1, &p, &n), HZ_ERR_NOT_FOUND);
	x = as(&r);
	assert_int_equal(hz_unit_posters(&x, o.b1, &p, &n), HZ_ERR_NOT_FOUND);
	x = as(NULL);
	assert_int_equal(hz_unit_posters(&x, o.b1, &p, &n),
	    HZ_ERR_UNAUTHORIZED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(anyone_sees_the_place_not_the_rooms),
		cmocka_unit_test(residents_are_offered_what_their_registration_allows),
		cmocka_unit_test(staff_are_offered_what_their_roles_allow),
		cmocka_unit_test(forged_and_replaced_codes),
		cmocka_unit_test(posters_need_poster_manage),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
