/* People against the real database: staff accounts and their rules, roles
 * and their limits, staff pages, phone reveals, residents found or made by
 * phone or WeChat. */
#include "unit.h"

#include <string.h>

#include "dbfixture.h"
#include "login.h"
#include "session.h"
#include "users.h"

enum { S_DISABLE, S_GRANTS, S_ADMINS, S_SESSION, S_ADMIN_ROLE, S_LOCK_SEQ,
    S__MAX };
static const char *const sql[S__MAX] = {
	[S_DISABLE] = "UPDATE users SET disabled = 1 WHERE id = ?",
	[S_ADMINS] = "SELECT DISTINCT u.id FROM users u JOIN role_assignments r"
	    " ON r.user_id = u.id WHERE r.role = 'admin' AND u.disabled = 0"
	    " ORDER BY u.id",
	[S_GRANTS] = "SELECT COUNT(*) FROM role_assignments WHERE user_id = ?",
	[S_SESSION] = "SELECT MAX(id) FROM sessions WHERE user_id = ?",
	[S_ADMIN_ROLE] = "SELECT MIN(id) FROM role_assignments WHERE user_id = ?"
	    " AND role = 'admin'",
	[S_LOCK_SEQ] = "SELECT lock_seq FROM users WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_users", sql);

static const char *
username(void)
{
	return hz_arena_printf(fx.arena, "u%u",
	    (unsigned)randombytes_uniform(1u << 30));
}

static const char *
repeat(const char *s, int n)
{
	struct hz_buf b;

	hz_buf_init(&b, fx.arena);
	for (int i = 0; i < n; i++)
		hz_buf_puts(&b, s);
	hz_buf_append(&b, "", 1);
	assert_false(b.oom);
	return b.data;
}

/* A staff member with no role, holding the admin role at `unit` as far as
 * this caller struct says (hz_role_grant keeps admins at the village). */
static struct hz_caller
admin_at(uint64_t unit)
{
	struct hz_caller c;
	struct hz_unit u;

	assert_int_equal(fx_staff(&c, HZ_ROLE__MAX, 0), HZ_OK);
	assert_int_equal(hz_unit_public(&fx, unit, &u), HZ_OK);
	c.ngrants = 1;
	c.grants[0] = (struct hz_grant){ .role = HZ_ROLE_ADMIN,
	    .unit_id = unit, .unit_path = u.path, .unit_name = u.name,
	    .unit_kind = u.kind };
	return c;
}

static long long
grants_of(uint64_t user)
{
	return fx_count(&stmts, S_GRANTS, user);
}

static void
staff_accounts_follow_the_rules(void **state)
{
	struct hz_caller admin, head;
	struct fx_org o;
	struct hz_staff_new s = { .display_name = "李主任",
	    .password = "0123456788" };
	struct hz_staff_new f;
	struct hz_ctx x = fx;
	uint64_t id, got, id2 = 0;
	const char *phone;

	(void)state;
	FX_NEED_DB();
	phone = fx_phone();
	s.username = username();
	s.phone = phone;
	assert_int_equal(hz_staff_create(&fx, &s, &id), HZ_OK);
	assert_int_equal(fx_audits("user.create", 0, id), 1);
	assert_int_equal(hz_user_id_by_username(&fx, s.username), id);
	assert_int_equal(hz_staff_authenticate(&fx, s.username, "0123456788",
	    &got), HZ_OK);
	assert_int_equal(got, id);

#define REFUSED(member, value, rc, code, field) do { \
	f = s; \
	f.username = username(); \
	f.phone = NULL; \
	f.member = (value); \
	fx_refused(&x, hz_staff_create(&x, &f, &id2), rc, code, field); \
	assert_int_equal(id2, 0); \
} while (0)
#define INVALID_ON(member, value, field) \
	REFUSED(member, value, HZ_ERR_INVALID, "validation_failed", field)
	INVALID_ON(username, "ab", "username");
	INVALID_ON(username, repeat("a", 33), "username");
	INVALID_ON(username, "Upper1", "username");
	INVALID_ON(username, "with space", "username");
	INVALID_ON(username, "名字abc", "username");
	INVALID_ON(username, NULL, "username");
	INVALID_ON(password, "012345678", "password");
	INVALID_ON(password, repeat("p", 129), "password");
	INVALID_ON(password, NULL, "password");
	INVALID_ON(display_name, "", "display_name");
	INVALID_ON(display_name, repeat("名", 33), "display_name");
	/* Spaces at either end (ASCII, U+00A0, U+3000), a full-width
	 * formula sign first: refused like control characters. */
	INVALID_ON(display_name, " 李主任", "display_name");
	INVALID_ON(display_name, "李主任\t", "display_name");
	INVALID_ON(display_name, "\xc2\xa0李主任", "display_name");
	INVALID_ON(display_name, "李主任\xe3\x80\x80", "display_name");
	INVALID_ON(display_name, "\xef\xbc\x9d" "1+1", "display_name");
	INVALID_ON(display_name, "\xef\xbc\x8b" "86", "display_name");
	INVALID_ON(display_name, "\xef\xbc\x8d" "2", "display_name");
	INVALID_ON(display_name, "\xef\xbc\xa0" "李", "display_name");
	assert_non_null(strstr(fx_why.message, "空格"));
	/* Inside a name, or a sign after its first character: fine. */
	assert_true(hz_rule_ok(&hz_user_rules.display_name, "李 主任", false));
	assert_true(hz_rule_ok(&hz_user_rules.display_name,
	    "李\xe3\x80\x80主任", false));
	assert_true(hz_rule_ok(&hz_user_rules.display_name,
	    "李\xef\xbc\x9d", false));
	INVALID_ON(phone, "12345", "phone");
	INVALID_ON(phone, "23912345678", "phone");
	/* Taken: the username, or the phone under another name, each
	 * refused on its own field. */
	REFUSED(username, s.username, HZ_ERR_CONFLICT, "conflict", "username");
	REFUSED(phone, phone, HZ_ERR_CONFLICT, "conflict", "phone");
#undef INVALID_ON
#undef REFUSED
	assert_string_equal(fx_why.message, "该手机号已被其他账号使用");

	/* The longest of each is fine. */
	f = s;
	f.username = hz_arena_printf(fx.arena, "%s%s", username(),
	    repeat("x", 32));
	f.username = hz_arena_strndup(fx.arena, f.username, 32);
	assert_int_equal(strlen(f.username), 32);
	f.password = hz_arena_printf(fx.arena, "%s%s", "a long one, ",
	    repeat("p", 116));
	f.display_name = repeat("名", 32);
	f.phone = NULL;
	assert_int_equal(hz_staff_create(&fx, &f, &id2), HZ_OK);
	assert_int_equal(hz_staff_authenticate(&fx, f.username, f.password,
	    &got), HZ_OK);

	/* Only a user admin (or the command line) makes accounts. */
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	x = fx_as(&head);
	f.username = username();
	assert_int_equal(hz_staff_create(&x, &f, &id2), HZ_ERR_FORBIDDEN);
	assert_int_equal(hz_user_id_by_username(&fx, f.username), 0);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	x = fx_as(&admin);
	assert_int_equal(hz_staff_create(&x, &f, &id2), HZ_OK);
	assert_int_equal(fx_audits("user.create", admin.id, id2), 1);
}

static void
roles_go_to_staff_at_their_kind_of_unit(void **state)
{
	struct fx_org o;
	struct hz_caller s, c, head, scoped, r;
	struct hz_ctx x = fx;
	uint64_t g = 99, g2;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&s, HZ_ROLE__MAX, 0), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);

	/* Each role at its kind of unit, and only there. */
	fx_refused(&x, hz_role_grant(&x, s.id, HZ_ROLE_BUILDING_HEAD, o.g1, &g),
	    HZ_ERR_INVALID, "validation_failed", "role");
	assert_int_equal(g, 0);
	fx_refused(&x, hz_role_grant(&x, s.id, HZ_ROLE_GROUP_LEADER, o.b1, &g),
	    HZ_ERR_INVALID, "validation_failed", "role");
	fx_refused(&x, hz_role_grant(&x, s.id, HZ_ROLE_CADRE, o.g1, &g),
	    HZ_ERR_INVALID, "validation_failed", "role");
	fx_refused(&x, hz_role_grant(&x, s.id, HZ_ROLE_ADMIN, o.c1, &g),
	    HZ_ERR_INVALID, "validation_failed", "role");
	fx_refused(&x, hz_role_grant(&x, s.id, HZ_ROLE_GROUP_LEADER, 0, &g),
	    HZ_ERR_INVALID, "validation_failed", "unit_id");
	fx_refused(&x, hz_role_grant(&x, s.id, HZ_ROLE_GROUP_LEADER,
	    4000000000u, &g), HZ_ERR_INVALID, "validation_failed", "unit_id");
	/* Roles are for staff. */
	fx_refused(&x, hz_role_grant(&x, r.id, HZ_ROLE_GROUP_LEADER, o.g1, &g),
	    HZ_ERR_INVALID, "validation_failed", "role");
	assert_string_equal(fx_why.message, "只能给工作人员分配角色");
	assert_int_equal(hz_role_grant(&x, 4000000000u, HZ_ROLE_GROUP_LEADER,
	    o.g1, &g), HZ_ERR_NOT_FOUND);
	assert_int_equal(grants_of(s.id), 0);
	assert_int_equal(grants_of(r.id), 0);

	assert_int_equal(hz_role_grant(&x, s.id, HZ_ROLE_GROUP_LEADER, o.g1,
	    &g), HZ_OK);
	assert_int_equal(fx_audits("role.grant", 0, g), 1);
	/* A station manager may sit at any kind of unit. */
	assert_int_equal(hz_role_grant(&x, s.id, HZ_ROLE_STATION_MANAGER,
	    o.b2, &g2), HZ_OK);
	fx_refused(&x, hz_role_grant(&x, s.id, HZ_ROLE_GROUP_LEADER, o.g1, &g2),
	    HZ_ERR_CONFLICT, "conflict", NULL);
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	assert_int_equal(c.ngrants, 2);
	const struct hz_grant *lead = c.grants[0].id == g ? &c.grants[0]
	    : &c.grants[1];
	assert_int_equal(lead->id, g);
	assert_int_equal(lead->role, HZ_ROLE_GROUP_LEADER);
	assert_int_equal(lead->unit_id, o.g1);
	assert_string_equal(lead->unit_kind, "group");

	/* Callers: a user admin, inside their scope. */
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	x = fx_as(&head);
	assert_int_equal(hz_role_grant(&x, s.id, HZ_ROLE_BUILDING_HEAD, o.b1,
	    &g), HZ_ERR_FORBIDDEN);
	scoped = admin_at(o.c1);
	x = fx_as(&scoped);
	fx_refused(&x, hz_role_grant(&x, s.id, HZ_ROLE_BUILDING_HEAD, o.b3, &g),
	    HZ_ERR_INVALID, "validation_failed", "unit_id");
	assert_int_equal(hz_role_grant(&x, s.id, HZ_ROLE_BUILDING_HEAD, o.b2,
	    &g), HZ_OK);
	assert_int_equal(fx_audits("role.grant", scoped.id, g), 1);
	assert_int_equal(grants_of(s.id), 3);
}

static void
revokes_stay_inside_the_scope(void **state)
{
	struct fx_org o;
	struct hz_caller s, c, admin, scoped, head;
	struct hz_ctx x = fx;
	uint64_t in_scope, out_of_scope;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&s, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	in_scope = s.grants[0].id;
	assert_int_equal(hz_role_grant(&fx, s.id, HZ_ROLE_BUILDING_HEAD, o.b3,
	    &out_of_scope), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_GROUP_LEADER, o.g2), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	scoped = admin_at(o.c1);

	x = fx_as(&head);
	assert_int_equal(hz_role_revoke(&x, s.id, out_of_scope),
	    HZ_ERR_FORBIDDEN);
	x = fx_as(&scoped);
	assert_int_equal(hz_role_revoke(&x, s.id, out_of_scope),
	    HZ_ERR_NOT_FOUND);
	/* The assignment must be that user's. */
	assert_int_equal(hz_role_revoke(&x, head.id, in_scope),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(grants_of(s.id), 2);
	assert_int_equal(hz_role_revoke(&x, s.id, in_scope), HZ_OK);
	assert_int_equal(fx_audits("role.revoke", scoped.id, in_scope), 1);
	assert_int_equal(hz_role_revoke(&x, s.id, in_scope), HZ_ERR_NOT_FOUND);
	x = fx_as(&admin);
	assert_int_equal(hz_role_revoke(&x, s.id, out_of_scope), HZ_OK);
	assert_int_equal(grants_of(s.id), 0);
	/* Seen at the next load, not at token expiry. */
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	assert_int_equal(c.ngrants, 0);
}

static void
grants_stop_at_the_cap(void **state)
{
	struct { enum hz_role role; uint64_t unit; } want[80];
	struct hz_caller s, c, admin;
	struct hz_ctx x;
	size_t n = 0;
	uint64_t ids[HZ_GRANTS_MAX], g = 99;

	(void)state;
	FX_NEED_DB();
	/* 14 different grants per tree: five trees give more than enough. */
	for (int t = 0; t < 5; t++) {
		struct fx_org o;

		assert_int_equal(fx_org_new(&o), HZ_OK);
		want[n].role = HZ_ROLE_BUILDING_HEAD; want[n++].unit = o.b1;
		want[n].role = HZ_ROLE_BUILDING_HEAD; want[n++].unit = o.b2;
		want[n].role = HZ_ROLE_BUILDING_HEAD; want[n++].unit = o.b3;
		want[n].role = HZ_ROLE_GROUP_LEADER; want[n++].unit = o.g1;
		want[n].role = HZ_ROLE_GROUP_LEADER; want[n++].unit = o.g2;
		want[n].role = HZ_ROLE_CADRE; want[n++].unit = o.c1;
		want[n].role = HZ_ROLE_CADRE; want[n++].unit = o.c2;
		uint64_t all[] = { o.b1, o.b2, o.b3, o.g1, o.g2, o.c1, o.c2 };
		for (size_t i = 0; i < 7; i++) {
			want[n].role = HZ_ROLE_STATION_MANAGER;
			want[n++].unit = all[i];
		}
	}
	assert_true(n > HZ_GRANTS_MAX);
	assert_int_equal(fx_staff(&s, HZ_ROLE__MAX, 0), HZ_OK);
	for (size_t i = 0; i < HZ_GRANTS_MAX; i++) {
		assert_int_equal(hz_role_grant(&fx, s.id, want[i].role,
		    want[i].unit, &ids[i]), HZ_OK);
		/* Each grant with its audit row. */
		assert_int_equal(fx_audits("role.grant", 0, ids[i]), 1);
	}
	assert_int_equal(grants_of(s.id), HZ_GRANTS_MAX);
	fx_refused(&fx, hz_role_grant(&fx, s.id, want[HZ_GRANTS_MAX].role,
	    want[HZ_GRANTS_MAX].unit, &g), HZ_ERR_INVALID, "validation_failed",
	    "role");
	assert_string_equal(fx_why.message, "此人担任的角色已达上限（64 个）：请先撤销不再担任的角色");
	assert_int_equal(g, 0);
	assert_int_equal(grants_of(s.id), HZ_GRANTS_MAX);
	/* Every grant fits in a caller. */
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	assert_int_equal(c.ngrants, HZ_GRANTS_MAX);

	/* One revoked makes room for one more. */
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	x = fx_as(&admin);
	assert_int_equal(hz_role_revoke(&x, s.id, ids[10]), HZ_OK);
	assert_int_equal(hz_role_grant(&fx, s.id, want[HZ_GRANTS_MAX].role,
	    want[HZ_GRANTS_MAX].unit, &g), HZ_OK);
	assert_int_equal(fx_audits("role.grant", 0, g), 1);
	fx_refused(&fx, hz_role_grant(&fx, s.id, want[HZ_GRANTS_MAX + 1].role,
	    want[HZ_GRANTS_MAX + 1].unit, &g), HZ_ERR_INVALID,
	    "validation_failed", "role");
}

static void
staff_are_listed_page_by_page(void **state)
{
	struct hz_caller admin, cadre, s[3];
	struct fx_org o;
	struct hz_staff_row *rows, one;
	struct hz_page p = { 0, 1 };
	struct hz_ctx x;
	struct hz_staff_new n = { .display_name = "带电话",
	    .password = "long enough password" };
	size_t got, seen = 0, mine = 0, pages = 0;
	bool more = true;
	uint64_t last = 0, phoned;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	assert_int_equal(fx_staff(&cadre, HZ_ROLE_CADRE, o.c1), HZ_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_staff(&s[i], HZ_ROLE__MAX, 0), HZ_OK);
	n.username = username();
	n.phone = fx_phone();
	assert_int_equal(hz_staff_create(&fx, &n, &phoned), HZ_OK);

	/* Every staff member once, by id, one a page. */
	x = fx_as(&admin);
	while (more) {
		assert_int_equal(hz_staff_list(&x, &p, &rows, &got, &more),
		    HZ_OK);
		assert_int_equal(got, 1);
		assert_true(rows[0].id > last);
		last = p.after = rows[0].id;
		mine += rows[0].id == s[0].id || rows[0].id == s[1].id ||
		    rows[0].id == s[2].id;
		seen++;
		pages++;
	}
	assert_int_equal(mine, 3);
	assert_int_equal(last, phoned);
	assert_true(seen >= 6);

	/* From just before ours: the page ends where the rows do. */
	p = (struct hz_page){ s[0].id - 1, 2 };
	assert_int_equal(hz_staff_list(&x, &p, &rows, &got, &more), HZ_OK);
	assert_int_equal(got, 2);
	assert_true(more);
	assert_int_equal(rows[0].id, s[0].id);
	assert_int_equal(rows[1].id, s[1].id);
	p.after = rows[1].id;
	assert_int_equal(hz_staff_list(&x, &p, &rows, &got, &more), HZ_OK);
	assert_int_equal(got, 2);
	assert_false(more);
	assert_int_equal(rows[0].id, s[2].id);
	assert_int_equal(rows[1].id, phoned);
	assert_string_equal(rows[1].username, n.username);
	assert_string_equal(rows[1].display_name, "带电话");
	assert_string_equal(rows[1].phone_masked,
	    hz_mask_phone(fx.arena, n.phone));
	assert_false(rows[1].disabled);
	assert_null(rows[0].phone_masked);
	p.after = rows[1].id;
	assert_int_equal(hz_staff_list(&x, &p, &rows, &got, &more), HZ_OK);
	assert_int_equal(got, 0);
	assert_false(more);

	/* One, with their roles. */
	struct hz_caller roles;
	assert_int_equal(hz_staff_get(&x, cadre.id, &one, &roles), HZ_OK);
	assert_string_equal(one.username, cadre.username);
	assert_int_equal(roles.ngrants, 1);
	assert_int_equal(roles.grants[0].unit_id, o.c1);
	assert_int_equal(hz_staff_get(&x, 4000000000u, &one, &roles),
	    HZ_ERR_NOT_FOUND);

	/* For user admins only. */
	x = fx_as(&cadre);
	assert_int_equal(hz_staff_list(&x, &p, &rows, &got, &more),
	    HZ_ERR_FORBIDDEN);
	assert_int_equal(hz_staff_get(&x, admin.id, &one, &roles),
	    HZ_ERR_FORBIDDEN);
	x = fx_as(NULL);
	assert_int_equal(hz_staff_list(&x, &p, &rows, &got, &more),
	    HZ_ERR_FORBIDDEN);
}

static void
phone_reveals_are_for_admins_and_audited(void **state)
{
	struct hz_caller admin, cadre, bare;
	struct fx_org o;
	struct hz_staff_new n = { .display_name = "有电话",
	    .password = "long enough password" };
	struct hz_ctx x;
	uint64_t id;
	char *phone;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	assert_int_equal(fx_staff(&cadre, HZ_ROLE_CADRE, o.c1), HZ_OK);
	assert_int_equal(fx_staff(&bare, HZ_ROLE__MAX, 0), HZ_OK);
	n.username = username();
	n.phone = fx_phone();
	assert_int_equal(hz_staff_create(&fx, &n, &id), HZ_OK);

	x = fx_as(&admin);
	assert_int_equal(hz_staff_phone_reveal(&x, id, &phone), HZ_OK);
	assert_string_equal(phone, n.phone);
	assert_int_equal(fx_audits("pii.reveal", admin.id, id), 1);
	/* No phone: nothing shown, the look still recorded. */
	assert_int_equal(hz_staff_phone_reveal(&x, bare.id, &phone), HZ_OK);
	assert_null(phone);
	assert_int_equal(fx_audits("pii.reveal", admin.id, bare.id), 1);
	assert_int_equal(hz_staff_phone_reveal(&x, 4000000000u, &phone),
	    HZ_ERR_NOT_FOUND);

	/* A cadre may reveal ID numbers in their scope, not staff phones. */
	x = fx_as(&cadre);
	assert_int_equal(hz_staff_phone_reveal(&x, id, &phone),
	    HZ_ERR_FORBIDDEN);
	assert_null(phone);
	x = fx_as(&bare);
	assert_int_equal(hz_staff_phone_reveal(&x, id, &phone),
	    HZ_ERR_FORBIDDEN);
	assert_int_equal(fx_audits("pii.reveal", 0, id), 1);
}

static void
residents_are_found_or_made_by_phone_or_wechat(void **state)
{
	struct hz_staff_new n = { .display_name = "也是住户吗",
	    .password = "long enough password" };
	struct hz_caller c;
	const char *phone, *openid;
	uint64_t id, again, staff;
	bool created;

	(void)state;
	FX_NEED_DB();
	phone = fx_phone();
	assert_int_equal(hz_resident_by_phone(&fx, phone, &id, &created),
	    HZ_OK);
	assert_true(created);
	assert_int_equal(fx_audits("user.register", id, id), 1);
	assert_int_equal(hz_resident_by_phone(&fx, phone, &again, &created),
	    HZ_OK);
	assert_false(created);
	assert_int_equal(again, id);
	assert_int_equal(fx_audits("user.register", id, id), 1);
	assert_int_equal(hz_caller_load(&fx, id, &c), HZ_OK);
	assert_false(c.staff);
	assert_string_equal(c.display_name, hz_arena_printf(fx.arena,
	    "住户%s", phone + 7));
	assert_string_equal(hz_user_phone_masked(&fx, &c),
	    hz_mask_phone(fx.arena, phone));

	assert_int_equal(hz_resident_by_phone(&fx, "12345", &again, &created),
	    HZ_ERR_INVALID);
	assert_int_equal(hz_resident_by_phone(&fx, "1391234567x", &again,
	    &created), HZ_ERR_INVALID);
	assert_false(created);

	/* A staff phone logs in with its password, not as a resident. */
	n.username = username();
	n.phone = fx_phone();
	assert_int_equal(hz_staff_create(&fx, &n, &staff), HZ_OK);
	assert_int_equal(hz_resident_by_phone(&fx, n.phone, &again, &created),
	    HZ_ERR_FORBIDDEN);
	assert_false(created);
	/* A disabled resident does not log in at all. */
	fx_exec(&stmts, S_DISABLE, id);
	assert_int_equal(hz_resident_by_phone(&fx, phone, &again, &created),
	    HZ_ERR_FORBIDDEN);

	openid = hz_arena_printf(fx.arena, "o%08x%08x",
	    randombytes_random(), randombytes_random());
	assert_int_equal(hz_resident_by_wechat(&fx, openid, &id, &created),
	    HZ_OK);
	assert_true(created);
	assert_int_equal(fx_audits("user.register", id, id), 1);
	assert_int_equal(hz_resident_by_wechat(&fx, openid, &again, &created),
	    HZ_OK);
	assert_false(created);
	assert_int_equal(again, id);
	assert_int_equal(hz_resident_by_wechat(&fx, hz_arena_printf(fx.arena,
	    "%sx", openid), &again, &created), HZ_OK);
	assert_true(created);
	assert_true(again != id);
	assert_int_equal(hz_caller_load(&fx, id, &c), HZ_OK);
	assert_false(c.staff);
	assert_null(hz_user_phone_masked(&fx, &c));
	fx_exec(&stmts, S_DISABLE, id);
	assert_int_equal(hz_resident_by_wechat(&fx, openid, &again, &created),
	    HZ_ERR_FORBIDDEN);
}

/* Disabled: every session ends at once (the refresh tokens revoked, the
 * next load refused); enabled: the password works again, the old sessions
 * stay ended. Admins or the command line only; never oneself. */
static void
accounts_are_disabled_and_enabled(void **state)
{
	struct hz_caller s, c, admin, head, r;
	struct hz_tokens t, again;
	struct fx_org o;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&s, HZ_ROLE_CADRE, o.c1), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_GROUP_LEADER, o.g1), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	admin = admin_at(fx_root());
	assert_int_equal(hz_session_start(&fx, s.id, "staff", &t), HZ_OK);
	assert_false(t.must_change_password);
	assert_string_equal(fx_refresh_states(s.id), "active");

	x = fx_as(&head);
	assert_int_equal(hz_staff_disable(&x, s.id), HZ_ERR_FORBIDDEN);
	assert_int_equal(hz_staff_enable(&x, s.id), HZ_ERR_FORBIDDEN);
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);

	x = fx_as(&admin);
	assert_int_equal(hz_staff_disable(&x, 4000000000u), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_staff_disable(&x, r.id), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_staff_enable(&x, r.id), HZ_ERR_NOT_FOUND);
	fx_refused(&x, hz_staff_disable(&x, admin.id), HZ_ERR_CONFLICT,
	    "cannot_disable_self", NULL);
	assert_int_equal(hz_staff_disable(&x, s.id), HZ_OK);
	assert_int_equal(fx_audits("user.disable", admin.id, s.id), 1);
	assert_string_equal(fx_refresh_states(s.id), "revoked");
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_session_refresh(&fx, t.refresh, &again),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_staff_authenticate(&fx, s.username,
	    "long enough password", &c.id), HZ_ERR_UNAUTHORIZED);
	/* The name stays the account's: found for enabling, taken for a new
	 * account (not said to be the phone's). */
	assert_int_equal(hz_user_id_by_username(&fx, s.username), s.id);
	struct hz_staff_new same = { .username = s.username,
	    .display_name = "重名", .password = "long enough password" };
	uint64_t none;
	fx_refused(&fx, hz_staff_create(&fx, &same, &none), HZ_ERR_CONFLICT,
	    "conflict", "username");
	/* Twice: nothing more happens. */
	assert_int_equal(hz_staff_disable(&x, s.id), HZ_OK);
	assert_int_equal(fx_audits("user.disable", admin.id, s.id), 1);

	/* The command line too. */
	assert_int_equal(hz_staff_enable(&fx, s.id), HZ_OK);
	assert_int_equal(fx_audits("user.enable", 0, s.id), 1);
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	assert_int_equal(c.ngrants, 1);
	assert_int_equal(hz_staff_authenticate(&fx, s.username,
	    "long enough password", &c.id), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t.refresh, &again),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_staff_enable(&x, s.id), HZ_OK);
	assert_int_equal(fx_audits("user.enable", admin.id, s.id), 0);
}

/* Whoever disables, one enabled admin stays: the last one is refused,
 * and so is taking the admin role from them (by id or by name). */
static void
the_last_admin_stays(void **state)
{
	struct hz_caller a, b;
	struct hz_db_result r;
	uint64_t last, role;
	size_t n;

	(void)state;
	FX_NEED_DB();
	/* While others are left, an admin role goes like any other. */
	assert_int_equal(fx_staff(&b, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	assert_int_equal(hz_role_revoke(&fx, b.id, (uint64_t)fx_count(&stmts,
	    S_ADMIN_ROLE, b.id)), HZ_OK);
	assert_int_equal(grants_of(b.id), 0);
	assert_int_equal(fx_staff(&a, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_ADMINS,
	    HZ_NO_ARGS, &r), HZ_OK);
	n = r.nrows;
	assert_true(n >= 1);
	for (size_t i = 0; i + 1 < n; i++)
		assert_int_equal(hz_staff_disable(&fx,
		    HZ_ID(HZ_CELL(&r, i, 0))), HZ_OK);
	last = HZ_ID(HZ_CELL(&r, n - 1, 0));
	fx_refused(&fx, hz_staff_disable(&fx, last), HZ_ERR_CONFLICT,
	    "last_admin", NULL);
	assert_int_equal(hz_caller_load(&fx, last, &a), HZ_OK);
	role = (uint64_t)fx_count(&stmts, S_ADMIN_ROLE, last);
	fx_refused(&fx, hz_role_revoke(&fx, last, role), HZ_ERR_CONFLICT,
	    "last_admin", NULL);
	assert_non_null(strstr(fx_why.message, "撤销"));
	for (size_t i = 0; i < a.ngrants; i++)
		if (a.grants[i].role == HZ_ROLE_ADMIN)
			fx_refused(&fx, hz_role_remove(&fx, last, HZ_ROLE_ADMIN,
			    a.grants[i].unit_id), HZ_ERR_CONFLICT, "last_admin",
			    NULL);
	assert_int_equal(hz_caller_load(&fx, last, &a), HZ_OK);
	assert_true(hz_can_anywhere(&a, HZ_RIGHT_USER_ADMIN));
	for (size_t i = 0; i + 1 < n; i++)
		assert_int_equal(hz_staff_enable(&fx,
		    HZ_ID(HZ_CELL(&r, i, 0))), HZ_OK);
}

/* "Another enabled admin is left" is read under row locks, which on a
 * Galera cluster hold on one node only: two admins disabling each other
 * on two nodes would both commit. So the admins relied on are written
 * too (sql/0022), and the two transactions conflict at certification. */
static void
the_admins_relied_on_are_written(void **state)
{
	struct hz_caller a, b;
	long long seq;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_staff(&a, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	assert_int_equal(fx_staff(&b, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	seq = fx_count(&stmts, S_LOCK_SEQ, b.id);
	assert_int_equal(hz_staff_disable(&fx, a.id), HZ_OK);
	assert_true(fx_count(&stmts, S_LOCK_SEQ, b.id) > seq);
	assert_int_equal(hz_staff_enable(&fx, a.id), HZ_OK);
	/* Revoking an admin role relies on the others the same way. */
	seq = fx_count(&stmts, S_LOCK_SEQ, a.id);
	assert_int_equal(hz_role_revoke(&fx, b.id, (uint64_t)fx_count(&stmts,
	    S_ADMIN_ROLE, b.id)), HZ_OK);
	assert_true(fx_count(&stmts, S_LOCK_SEQ, a.id) > seq);
	/* A staff member who is no admin relies on nobody. */
	seq = fx_count(&stmts, S_LOCK_SEQ, a.id);
	assert_int_equal(hz_staff_disable(&fx, b.id), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_LOCK_SEQ, a.id), seq);
}

static void
temporary_passwords_are_readable_and_random(void **state)
{
	char a[HZ_TEMP_PASSWORD_LEN + 1], b[HZ_TEMP_PASSWORD_LEN + 1];

	(void)state;
	for (int k = 0; k < 200; k++) {
		hz_password_temporary(a);
		hz_password_temporary(b);
		assert_int_equal(strlen(a), 14);
		assert_string_not_equal(a, b);
		assert_true(hz_rule_ok(&hz_user_rules.password, a, false));
		for (size_t i = 0; i < 14; i++) {
			if (i == 4 || i == 9) {
				assert_int_equal(a[i], '-');
				continue;
			}
			assert_non_null(strchr("23456789abcdefghjkmnpqrstuvwxyz",
			    a[i]));
		}
	}
}

/* Passwords anyone would guess are refused with words saying what to do,
 * wherever a staff password is chosen. */
static void
guessable_passwords_are_refused(void **state)
{
	static const char *const weak[] = {
		"1234567890", "0987654321", "abcdefghijk", "ZYXWVUTSRQ",
		"aaaaaaaaaa", "1212121212", "passwordpassword", "Password123",
		"QWERTYUIOP", "woaini1314", "5201314520",
	};
	struct hz_refusal why = { 0 };
	struct hz_ctx x = fx;

	(void)state;
	x.why = &why;
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		assert_int_equal(hz_password_guessable(&x, "password", NULL,
		    weak[i]), HZ_ERR_INVALID);
		assert_string_equal(why.field, "password");
		assert_string_equal(why.code, "validation_failed");
		assert_non_null(strstr(why.message, "密码太简单："));
	}
	/* The username, also twice or in other case. */
	assert_int_equal(hz_password_guessable(&x, "new_password", "wanghead",
	    "wangheadwanghead"), HZ_ERR_INVALID);
	assert_string_equal(why.field, "new_password");
	assert_non_null(strstr(why.message, "用户名"));
	assert_int_equal(hz_password_guessable(&x, "password", "wanghead",
	    "my-WangHead-2026"), HZ_ERR_INVALID);
	assert_non_null(strstr(why.message, "用户名"));
	/* Ordinary passwords pass. */
	assert_int_equal(hz_password_guessable(&x, "password", "wanghead",
	    "long enough password"), HZ_OK);
	assert_int_equal(hz_password_guessable(&x, "password", "wanghead",
	    "test-password-2026"), HZ_OK);
	assert_int_equal(hz_password_guessable(&x, "password", NULL,
	    "1234567899"), HZ_OK);

	/* Account creation, the command line and the own change ask it. */
	{
		struct hz_staff_new s = { .username = "weakling",
		    .display_name = "弱密码", .password = "weakling2026" };
		uint64_t id = 0;

		fx_refused(&fx, hz_staff_create(&fx, &s, &id), HZ_ERR_INVALID,
		    "validation_failed", "password");
		assert_int_equal(id, 0);
		s.password = "1234567890";
		fx_refused(&fx, hz_staff_create(&fx, &s, &id), HZ_ERR_INVALID,
		    "validation_failed", "password");
	}
	fx_refused(&fx, hz_staff_password_set(&fx, 1, "qwertyuiop"),
	    HZ_ERR_INVALID, "validation_failed", "password");
}

/* A reset gives a temporary password that must be changed; the change
 * checks the old one through the login guard and starts a new session. */
static void
passwords_are_reset_and_changed(void **state)
{
	struct hz_caller s, c, admin, r;
	struct hz_tokens t, t2;
	struct hz_ctx x;
	char *pw = NULL, *pw2 = NULL;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_staff(&s, HZ_ROLE__MAX, 0), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	admin = admin_at(fx_root());
	assert_int_equal(hz_session_start(&fx, s.id, "staff", &t), HZ_OK);

	x = fx_as(&s);
	assert_int_equal(hz_staff_password_reset(&x, s.id, &pw),
	    HZ_ERR_FORBIDDEN);
	assert_null(pw);
	x = fx_as(&admin);
	assert_int_equal(hz_staff_password_reset(&x, r.id, &pw),
	    HZ_ERR_NOT_FOUND);
	/* Not one's own: that changes with the old password. */
	fx_refused(&x, hz_staff_password_reset(&x, admin.id, &pw),
	    HZ_ERR_CONFLICT, "cannot_reset_self", NULL);
	assert_null(pw);
	assert_int_equal(fx_audits("user.password_reset", admin.id, admin.id),
	    0);
	assert_int_equal(hz_staff_password_reset(&x, s.id, &pw), HZ_OK);
	assert_non_null(pw);
	assert_int_equal(strlen(pw), HZ_TEMP_PASSWORD_LEN);
	assert_int_equal(fx_audits("user.password_reset", admin.id, s.id), 1);
	assert_string_equal(fx_refresh_states(s.id), "revoked");
	assert_int_equal(hz_staff_authenticate(&fx, s.username,
	    "long enough password", &id), HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_staff_authenticate(&fx, s.username, pw, &id),
	    HZ_OK);
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	assert_true(c.must_change_password);
	assert_int_equal(hz_session_start(&fx, s.id, "staff", &t2), HZ_OK);
	assert_true(t2.must_change_password);

	/* The change, as the staff member. */
	x = fx_as(&c);
	fx_refused(&x, hz_password_change(&x, "not it", "a new password 1",
	    &t2), HZ_ERR_FORBIDDEN, "old_password_wrong", "old_password");
	fx_refused(&x, hz_password_change(&x, pw, "9876543210", &t2),
	    HZ_ERR_INVALID, "validation_failed", "new_password");
	fx_refused(&x, hz_password_change(&x, pw, hz_arena_printf(x.arena,
	    "%s%s", s.username, s.username), &t2), HZ_ERR_INVALID,
	    "validation_failed", "new_password");
	fx_refused(&x, hz_password_change(&x, pw, "short", &t2),
	    HZ_ERR_INVALID, "validation_failed", "new_password");
	fx_refused(&x, hz_password_change(&x, pw, pw, &t2), HZ_ERR_INVALID,
	    "validation_failed", "new_password");
	assert_int_equal(hz_password_change(&x, pw, "a new password 1", &t2),
	    HZ_OK);
	assert_false(t2.must_change_password);
	assert_int_equal(t2.user_id, s.id);
	/* The session opened with the temporary password ended too. */
	assert_string_equal(fx_refresh_states(s.id), "revoked,revoked,active");
	assert_int_equal(fx_audits("user.password_change", s.id, s.id), 1);
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	assert_false(c.must_change_password);
	assert_int_equal(hz_staff_authenticate(&fx, s.username, pw, &id),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_staff_authenticate(&fx, s.username,
	    "a new password 1", &id), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(hz_password_change(&x, "x", "a new password 2", &t2),
	    HZ_ERR_FORBIDDEN);

	/* The command line sets a chosen one: not temporary. */
	x = fx_as(&admin);
	assert_int_equal(hz_staff_password_reset(&x, s.id, &pw2), HZ_OK);
	assert_string_not_equal(pw, pw2);
	assert_int_equal(hz_staff_password_set(&x, s.id, "chosen password"),
	    HZ_ERR_FORBIDDEN);
	fx_refused(&fx, hz_staff_password_set(&fx, s.id, "short"),
	    HZ_ERR_INVALID, "validation_failed", "password");
	assert_int_equal(hz_staff_password_set(&fx, s.id, "chosen password"),
	    HZ_OK);
	assert_int_equal(fx_audits("user.password_set", 0, s.id), 1);
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	assert_false(c.must_change_password);
	assert_int_equal(hz_staff_password_set(&fx, r.id, "chosen password"),
	    HZ_ERR_NOT_FOUND);
}

/* What changed after the old password was checked and before the change
 * commits wins: a reset (not silently undone), an ended session, a
 * disabled account. Nothing is written then. */
static void
a_change_does_not_undo_what_came_between(void **state)
{
	struct hz_caller s, c, admin;
	struct hz_password_change pc;
	struct hz_tokens t;
	struct hz_ctx x, ax;
	char *pw;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_staff(&s, HZ_ROLE__MAX, 0), HZ_OK);
	admin = admin_at(fx_root());
	ax = fx_as(&admin);

	/* A reset in between. */
	assert_int_equal(hz_session_start(&fx, s.id, "staff", &t), HZ_OK);
	assert_int_equal(hz_caller_load_session(&fx, s.id,
	    (uint64_t)fx_count(&stmts, S_SESSION, s.id), &c), HZ_OK);
	x = fx_as(&c);
	assert_int_equal(hz_password_change_check(&x, "long enough password",
	    "a new password 1", &pc), HZ_OK);
	assert_int_equal(hz_staff_password_reset(&ax, s.id, &pw), HZ_OK);
	fx_refused(&x, hz_password_change_commit(&x, &pc, &t),
	    HZ_ERR_CONFLICT, "password_changed", NULL);
	assert_int_equal(hz_staff_authenticate(&fx, s.username, pw, &id),
	    HZ_OK);
	assert_int_equal(hz_staff_authenticate(&fx, s.username,
	    "a new password 1", &id), HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	assert_true(c.must_change_password);

	/* The caller's session ended in between (a logout everywhere). */
	assert_int_equal(hz_session_start(&fx, s.id, "staff", &t), HZ_OK);
	assert_int_equal(hz_caller_load_session(&fx, s.id,
	    (uint64_t)fx_count(&stmts, S_SESSION, s.id), &c), HZ_OK);
	x = fx_as(&c);
	assert_int_equal(hz_password_change_check(&x, pw, "a new password 1",
	    &pc), HZ_OK);
	assert_int_equal(hz_session_end_user(&fx, s.id), HZ_OK);
	fx_refused(&x, hz_password_change_commit(&x, &pc, &t),
	    HZ_ERR_UNAUTHORIZED, "session_ended", NULL);

	/* Disabled in between. */
	assert_int_equal(hz_caller_load(&fx, s.id, &c), HZ_OK);
	x = fx_as(&c);
	assert_int_equal(hz_password_change_check(&x, pw, "a new password 1",
	    &pc), HZ_OK);
	assert_int_equal(hz_staff_disable(&ax, s.id), HZ_OK);
	fx_refused(&x, hz_password_change_commit(&x, &pc, &t),
	    HZ_ERR_UNAUTHORIZED, "session_ended", NULL);
	assert_int_equal(hz_staff_enable(&ax, s.id), HZ_OK);
	assert_int_equal(fx_audits("user.password_change", s.id, s.id), 0);

	/* Nothing in between: the change goes through. */
	assert_int_equal(hz_password_change(&x, pw, "a new password 1", &t),
	    HZ_OK);
	assert_int_equal(hz_staff_authenticate(&fx, s.username,
	    "a new password 1", &id), HZ_OK);
}

/* building_head names the building's head when it has none; a second
 * head is refused naming the first; revoking clears the head. */
static void
building_heads_follow_the_grant(void **state)
{
	struct hz_caller a, b, s;
	struct fx_org o;
	struct hz_unit u;
	uint64_t ga, gb;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&a, HZ_ROLE__MAX, 0), HZ_OK);
	assert_int_equal(fx_staff(&b, HZ_ROLE__MAX, 0), HZ_OK);
	assert_int_equal(fx_staff(&s, HZ_ROLE__MAX, 0), HZ_OK);
	assert_int_equal(hz_unit_public(&fx, o.b1, &u), HZ_OK);
	assert_int_equal(u.head_id, 0);
	assert_int_equal(hz_role_grant(&fx, a.id, HZ_ROLE_BUILDING_HEAD, o.b1,
	    &ga), HZ_OK);
	assert_int_equal(hz_unit_public(&fx, o.b1, &u), HZ_OK);
	assert_int_equal(u.head_id, a.id);
	fx_refused(&fx, hz_role_grant(&fx, b.id, HZ_ROLE_BUILDING_HEAD, o.b1,
	    &gb), HZ_ERR_CONFLICT, "head_taken", "unit_id");
	assert_non_null(strstr(fx_why.message, a.username));
	assert_int_equal(grants_of(b.id), 0);
	/* Held already: the conflict of a grant held. */
	fx_refused(&fx, hz_role_grant(&fx, a.id, HZ_ROLE_BUILDING_HEAD, o.b1,
	    &gb), HZ_ERR_CONFLICT, "conflict", NULL);
	assert_int_equal(hz_role_held(&fx, a.id, HZ_ROLE_BUILDING_HEAD, o.b1),
	    ga);
	assert_int_equal(hz_role_held(&fx, b.id, HZ_ROLE_BUILDING_HEAD, o.b1),
	    0);

	fx_refused(&fx, hz_role_remove(&fx, b.id, HZ_ROLE_BUILDING_HEAD, o.b1),
	    HZ_ERR_NOT_FOUND, "not_found", "role");
	assert_int_equal(hz_role_remove(&fx, a.id, HZ_ROLE_BUILDING_HEAD, o.b1),
	    HZ_OK);
	assert_int_equal(fx_audits("role.revoke", 0, ga), 1);
	assert_int_equal(hz_unit_public(&fx, o.b1, &u), HZ_OK);
	assert_int_equal(u.head_id, 0);
	assert_int_equal(hz_role_grant(&fx, b.id, HZ_ROLE_BUILDING_HEAD, o.b1,
	    &gb), HZ_OK);
	assert_int_equal(hz_unit_public(&fx, o.b1, &u), HZ_OK);
	assert_int_equal(u.head_id, b.id);
	/* Revoking someone else's building_head elsewhere leaves it. */
	assert_int_equal(hz_role_grant(&fx, a.id, HZ_ROLE_BUILDING_HEAD, o.b2,
	    &ga), HZ_OK);
	assert_int_equal(hz_role_remove(&fx, a.id, HZ_ROLE_BUILDING_HEAD, o.b2),
	    HZ_OK);
	assert_int_equal(hz_unit_public(&fx, o.b1, &u), HZ_OK);
	assert_int_equal(u.head_id, b.id);

	/* The wrong kind of unit: which kind the role takes. */
	fx_refused(&fx, hz_role_grant(&fx, s.id, HZ_ROLE_CADRE, o.b1, &ga),
	    HZ_ERR_INVALID, "validation_failed", "role");
	assert_string_equal(fx_why.message, "经济社干部（cadre）只能设在经济社"
	    "（cooperative）一级，所选单位是楼栋（building）：请改选一个经济社");
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(staff_accounts_follow_the_rules),
	cmocka_unit_test(guessable_passwords_are_refused),
	cmocka_unit_test(roles_go_to_staff_at_their_kind_of_unit),
	cmocka_unit_test(revokes_stay_inside_the_scope),
	cmocka_unit_test(grants_stop_at_the_cap),
	cmocka_unit_test(staff_are_listed_page_by_page),
	cmocka_unit_test(phone_reveals_are_for_admins_and_audited),
	cmocka_unit_test(residents_are_found_or_made_by_phone_or_wechat),
	cmocka_unit_test(accounts_are_disabled_and_enabled),
	cmocka_unit_test(the_last_admin_stays),
	cmocka_unit_test(the_admins_relied_on_are_written),
	cmocka_unit_test(temporary_passwords_are_readable_and_random),
	cmocka_unit_test(passwords_are_reset_and_changed),
	cmocka_unit_test(a_change_does_not_undo_what_came_between),
	cmocka_unit_test(building_heads_follow_the_grant))
