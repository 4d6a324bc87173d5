/* A building's posted code against the real database: what a scan shows
 * each kind of caller and offers them, forged and replaced codes, posters
 * and their rotation. */
#include "unit.h"

#include <string.h>

#include "dbfixture.h"
#include "scan.h"
#include "tenancies.h"

enum { S_HEAD, S_PUBLISH, S__MAX };
static const char *const sql[S__MAX] = {
	[S_HEAD] = "UPDATE buildings SET head_user_id = ? WHERE unit_id = ?",
	[S_PUBLISH] = "UPDATE users SET phone_sealed = ?, phone_public = ?"
	    " WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_scan", sql);

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
	struct hz_ctx x = fx_as(c);
	struct hz_scan s;

	assert_int_equal(hz_scan(&x, fx_token(building), &s), HZ_OK);
	assert_int_equal(s.building.id, building);
	return actions(&s);
}

/* `c` scanning `token`, and resolving it, is refused with `code`. */
static void
refused(const struct hz_caller *c, const char *token, enum hz_status want,
        const char *code)
{
	struct hz_ctx x = fx_as(c);
	struct hz_scan s;
	struct hz_unit b;

	fx_why = (struct hz_refusal){ 0 };
	fx_refused(&x, hz_scan(&x, token, &s), want, code, NULL);
	fx_why = (struct hz_refusal){ 0 };
	fx_refused(&x, hz_scan_resolve(&x, token, &b), want, code, NULL);
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
	x = fx_as(&admin);
	struct hz_unit_input in = { .head_id = head.id };
	assert_int_equal(hz_unit_update(&x, o.b1, &in), HZ_OK);

	token = fx_token(o.b1);
	x = fx_as(NULL);
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
	x = fx_as(&r);
	assert_int_equal(hz_scan(&x, token, &s), HZ_OK);
	assert_string_equal(s.building.rooms, "101, 102");
}

static void
residents_are_offered_what_their_registration_allows(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_tenancy_input in;
	struct hz_scan s;
	struct hz_ctx x;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_string_equal(offered(&k.r, o.b1), "register,report_problem");

	in = fx_form(fx_token(o.b1));
	x = fx_as(&k.r);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_string_equal(offered(&k.r, o.b1),
	    "view_registration,report_problem");
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_int_equal(s.tenancy_id, id);
	assert_string_equal(s.tenancy_status, "pending");
	assert_true(s.tenancy_here);
	/* Registered elsewhere: move out there first. */
	assert_string_equal(offered(&k.r, o.b2), "report_problem");
	assert_int_equal(hz_scan(&x, fx_token(o.b2), &s), HZ_OK);
	assert_int_equal(s.tenancy_id, id);
	assert_false(s.tenancy_here);

	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_OK);
	assert_string_equal(offered(&k.r, o.b1),
	    "verify_residence,report_problem,move_out");
	assert_string_equal(offered(&k.r, o.b3), "report_problem");
	/* Moved out: free to register anywhere again. */
	x = fx_as(&k.r);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_END, NULL),
	    HZ_OK);
	assert_string_equal(offered(&k.r, o.b1), "register,report_problem");
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_int_equal(s.tenancy_id, 0);
	assert_false(s.staff_reads);
}

static void
staff_are_offered_what_their_roles_allow(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller cadre2;
	struct hz_scan s;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&cadre2, HZ_ROLE_CADRE, o.c2), HZ_OK);

	assert_string_equal(offered(&k.head, o.b1),
	    "patrol,roster,review_registrations");
	x = fx_as(&k.head);
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_true(s.staff_reads);
	assert_true(s.staff_decides);
	assert_int_equal(s.tenancy_id, 0);
	assert_string_equal(offered(&k.leader, o.b2),
	    "patrol,roster,review_registrations");
	assert_string_equal(offered(&cadre2, o.b3),
	    "patrol,roster,review_registrations");
	/* Outside the scope, or a role that reads nothing: the place only. */
	assert_string_equal(offered(&k.head, o.b2), "");
	assert_int_equal(hz_scan(&x, fx_token(o.b2), &s), HZ_OK);
	assert_false(s.staff_reads);
	assert_false(s.staff_decides);
	assert_string_equal(offered(&k.leader, o.b3), "");
	assert_string_equal(offered(&cadre2, o.b1), "");
	assert_string_equal(offered(&k.station, o.b1), "");
}

static void
forged_and_replaced_codes(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller head2;
	struct hz_poster p, again;
	struct hz_unit b;
	struct hz_ctx x;
	const char *old;
	char *tok, *forged;
	unsigned serial;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head2, HZ_ROLE_BUILDING_HEAD, o.b2), HZ_OK);

	refused(NULL, "", HZ_ERR_NOT_FOUND, "qr_invalid");
	refused(NULL, "garbage", HZ_ERR_NOT_FOUND, "qr_invalid");
	forged = hz_arena_strdup(fx.arena, fx_token(o.b1));
	forged[3] = forged[3] == 'A' ? 'B' : 'A';
	refused(&k.head, forged, HZ_ERR_NOT_FOUND, "qr_invalid");
	refused(&k.head, hz_arena_strndup(fx.arena, fx_token(o.b1), 10),
	    HZ_ERR_NOT_FOUND, "qr_invalid");
	/* Genuine codes of a group, or of no unit at all. */
	assert_int_equal(hz_qr_token(fx.arena, &fx_keys.qr, HZ_QR_BUILDING, o.g1, 1, &tok),
	    HZ_OK);
	refused(&k.head, tok, HZ_ERR_NOT_FOUND, "qr_invalid");
	assert_int_equal(hz_qr_token(fx.arena, &fx_keys.qr, HZ_QR_BUILDING, 4000000000u, 1,
	    &tok), HZ_OK);
	refused(NULL, tok, HZ_ERR_NOT_FOUND, "qr_invalid");

	/* Rotated: the old poster is gone for good, the new one works. */
	old = fx_token(o.b1);
	assert_int_equal(hz_unit_public(&fx, o.b1, &b), HZ_OK);
	serial = b.qr_serial;
	x = fx_as(&k.head);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p), HZ_OK);
	assert_int_equal(p.building.qr_serial, serial + 1);
	assert_int_equal(fx_audits("building.qr_rotate", k.head.id, o.b1), 1);
	assert_string_equal(p.url, hz_arena_printf(fx.arena, "%s/q/%s",
	    fx_cfg.public_base_url, fx_token(o.b1)));
	refused(NULL, old, HZ_ERR_GONE, "qr_expired");
	refused(&k.head, old, HZ_ERR_GONE, "qr_expired");
	/* A code from before an older rotation is no better. */
	x = fx_as(&k.leader);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &again), HZ_OK);
	assert_int_equal(again.building.qr_serial, serial + 2);
	assert_string_not_equal(again.url, p.url);
	assert_string_not_equal(again.check_code, p.check_code);
	refused(NULL, old, HZ_ERR_GONE, "qr_expired");
	assert_string_equal(offered(&k.head, o.b1),
	    "patrol,roster,review_registrations");

	/* Rotating needs POSTER_MANAGE on that building. */
	x = fx_as(&head2);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.station);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.leader);
	assert_int_equal(hz_building_qr_rotate(&x, o.g1, &p), HZ_ERR_NOT_FOUND);
	x = fx_as(NULL);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_unit_public(&fx, o.b1, &b), HZ_OK);
	assert_int_equal(b.qr_serial, serial + 2);
}

static void
posters_need_poster_manage(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_poster *p, one;
	struct hz_ctx x;
	size_t n;
	char check[8];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	/* Here the station manager sits at the group. */
	assert_int_equal(fx_staff(&k.station, HZ_ROLE_STATION_MANAGER,
	    o.g1), HZ_OK);

	x = fx_as(&k.leader);
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
	x = fx_as(&k.cadre);
	assert_int_equal(hz_unit_posters(&x, o.c1, &p, &n), HZ_OK);
	assert_int_equal(n, 2);
	/* A building's sheet is its own poster. */
	x = fx_as(&k.head);
	assert_int_equal(hz_unit_posters(&x, o.b1, &p, &n), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].building.id, o.b1);
	assert_int_equal(hz_building_poster(&x, o.b1, &one), HZ_OK);
	assert_string_equal(one.url, p[0].url);
	assert_string_equal(one.check_code, p[0].check_code);

	assert_int_equal(hz_unit_posters(&x, o.g1, &p, &n), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_building_poster(&x, o.b2, &one), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.leader);
	assert_int_equal(hz_unit_posters(&x, o.g2, &p, &n), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_building_poster(&x, o.g1, &one), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.station);
	assert_int_equal(hz_unit_posters(&x, o.g1, &p, &n), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.r);
	assert_int_equal(hz_unit_posters(&x, o.b1, &p, &n), HZ_ERR_NOT_FOUND);
	x = fx_as(NULL);
	assert_int_equal(hz_unit_posters(&x, o.b1, &p, &n),
	    HZ_ERR_UNAUTHORIZED);
}

/* Who reviews: the head if there is one, else the group's leaders; the
 * head's number only once they chose to publish it. */
static void
the_scan_says_who_reviews_and_a_published_phone(void **state)
{
	struct fx_org o;
	struct hz_caller head, leader, leader2;
	struct hz_scan s;
	struct hz_ctx x = fx_as(NULL);
	const char *phone = fx_phone();
	unsigned char *sealed;
	size_t len;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	/* The head is named below (S_HEAD): a grant of building_head would
	 * name them at once. */
	assert_int_equal(fx_staff(&head, HZ_ROLE__MAX, 0), HZ_OK);
	assert_int_equal(fx_staff(&leader, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);
	assert_int_equal(fx_staff(&leader2, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);

	/* No head: the group's leaders, by name; nobody's phone. */
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_string_equal(s.reviewer_role, "group_leader");
	assert_string_equal(s.reviewer_name, "测试员、测试员");
	assert_null(s.contact_phone);
	/* A group without leaders: the role, no name. */
	assert_int_equal(hz_scan(&x, fx_token(o.b3), &s), HZ_OK);
	assert_string_equal(s.reviewer_role, "group_leader");
	assert_null(s.reviewer_name);

	/* A head who has not published their phone. */
	assert_int_equal(hz_seal(fx.arena, fx.keys, "phone", phone,
	    strlen(phone), &sealed, &len), HZ_OK);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_HEAD, HZ_ARGS(
	    HZ_ARG_I64((long long)head.id), HZ_ARG_I64((long long)o.b1)),
	    NULL), HZ_OK);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_PUBLISH, HZ_ARGS(
	    HZ_ARG_STRN((const char *)sealed, len), HZ_ARG_I64(0),
	    HZ_ARG_I64((long long)head.id)), NULL), HZ_OK);
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_string_equal(s.reviewer_role, "building_head");
	assert_string_equal(s.reviewer_name, "测试员");
	assert_null(s.contact_phone);
	/* Published: anyone holding the code sees it. */
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_PUBLISH, HZ_ARGS(
	    HZ_ARG_STRN((const char *)sealed, len), HZ_ARG_I64(1),
	    HZ_ARG_I64((long long)head.id)), NULL), HZ_OK);
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_non_null(s.contact_phone);
	assert_string_equal(s.contact_phone, phone);
	/* Another building of the group, without a head: still no phone. */
	assert_int_equal(hz_scan(&x, fx_token(o.b2), &s), HZ_OK);
	assert_string_equal(s.reviewer_role, "group_leader");
	assert_null(s.contact_phone);
	/* A disabled head is no head: the leaders are named, no phone. */
	assert_int_equal(hz_staff_disable(&fx, head.id), HZ_OK);
	assert_int_equal(hz_scan(&x, fx_token(o.b1), &s), HZ_OK);
	assert_string_equal(s.reviewer_role, "group_leader");
	assert_string_equal(s.reviewer_name, "测试员、测试员");
	assert_null(s.contact_phone);
}

static void
buildings_are_found_by_lane_and_door(void **state)
{
	struct fx_org o;
	struct hz_caller r;
	struct hz_building_hit *h;
	struct hz_ctx x;
	const char *lane;
	size_t n;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	lane = hz_arena_printf(fx.arena, "%s东一巷", o.tag);
	assert_int_equal(hz_buildings_search(&x, lane, NULL, &h, &n), HZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].id, o.b1);
	assert_string_equal(h[0].address, hz_arena_printf(fx.arena, "%s1号",
	    lane));
	assert_string_equal(h[0].group, "东巷");
	assert_int_equal(h[1].id, o.b2);
	/* A part of the lane, and the door number. */
	assert_int_equal(hz_buildings_search(&x, o.tag, "2", &h, &n), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].id, o.b2);
	/* LIKE's wildcards are plain characters. */
	assert_int_equal(hz_buildings_search(&x, "%", NULL, &h, &n), HZ_OK);
	assert_int_equal(n, 0);
	assert_int_equal(hz_buildings_search(&x, "_", "_", &h, &n), HZ_OK);
	assert_int_equal(n, 0);
	/* Must fail: nothing to search by, empty, too long, nobody. */
	fx_refused(&x, hz_buildings_search(&x, NULL, NULL, &h, &n),
	    HZ_ERR_INVALID, "validation_failed", "lane");
	fx_refused(&x, hz_buildings_search(&x, "", NULL, &h, &n),
	    HZ_ERR_INVALID, "validation_failed", "lane");
	fx_refused(&x, hz_buildings_search(&x, NULL, "12345678901234567",
	    &h, &n), HZ_ERR_INVALID, "validation_failed", "door");
	x = fx_as(NULL);
	assert_int_equal(hz_buildings_search(&x, lane, NULL, &h, &n),
	    HZ_ERR_UNAUTHORIZED);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(the_scan_says_who_reviews_and_a_published_phone),
	cmocka_unit_test(buildings_are_found_by_lane_and_door),
	cmocka_unit_test(anyone_sees_the_place_not_the_rooms),
	cmocka_unit_test(residents_are_offered_what_their_registration_allows),
	cmocka_unit_test(staff_are_offered_what_their_roles_allow),
	cmocka_unit_test(forged_and_replaced_codes),
	cmocka_unit_test(posters_need_poster_manage))
