/* The org tree and its scopes against the real database (the importer's
 * own rules: test_importer.c). */
#include "unit.h"

#include <string.h>

#include "dbfixture.h"
#include "importer.h"
#include "policy.h"
#include "units.h"
#include "users.h"

static char tag[16];     /* makes this run's codes unique */

static const char *
code(const char *c)
{
	return hz_arena_printf(fx.arena, "%s%s", tag, c);
}

/* Imports a village V with cooperatives C1, C2, groups G1 (C1), G2 (C2),
 * buildings B1, B2 (G1) and B3 (G2). */
static int
setup(void **state)
{
	struct hz_import_result *res;
	char *u, *b;
	int rc;

	if ((rc = fx_setup(state)) != 0 || fx.db == NULL)
		return rc;
	snprintf(tag, sizeof(tag), "u%u-", (unsigned)randombytes_uniform(1u << 30));
	u = hz_arena_printf(fx.arena, "code,parent_code,kind,name\n"
	    "%sV,,village,村\n%sC1,%sV,cooperative,一社\n"
	    "%sC2,%sV,cooperative,二社\n%sG1,%sC1,group,东巷\n"
	    "%sG2,%sC2,group,南约\n", tag, tag, tag, tag, tag, tag, tag, tag, tag);
	b = hz_arena_printf(fx.arena, "name,code,group_code,lane,door_no,rooms,"
	    "head_username\n1号楼,%sB1,%sG1,%s东一巷,1,,\n"
	    "2号楼,%sB2,%sG1,%s东一巷,2,\"101, 102\",\n"
	    "3号楼,%sB3,%sG2,%s南约大街,3,,\n", tag, tag, tag, tag, tag, tag,
	    tag, tag, tag);
	res = calloc(1, sizeof(*res));
	rc = hz_import(&fx, "units.csv", u, strlen(u), "buildings.csv", b,
	    strlen(b), NULL, res);
	if (rc != HZ_OK)
		for (size_t i = 0; i < res->nerr && i < 50; i++)
			fprintf(stderr, "%s:%zu %s %s\n", res->errs[i].file,
			    res->errs[i].line, res->errs[i].column,
			    res->errs[i].reason);
	rc = rc == HZ_OK && res->units == 5 && res->buildings == 3 ? 0 : -1;
	free(res);
	return rc;
}

static struct hz_caller
caller_at(enum hz_role role, const char *unit_code)
{
	struct hz_caller c = { .id = 1, .staff = true, .ngrants = 1 };
	struct hz_unit u;
	struct hz_ctx cli = fx;

	cli.caller = NULL;
	assert_int_equal(hz_unit_get(&(struct hz_ctx){ .db = fx.db,
	    .arena = fx.arena, .cfg = fx.cfg, .keys = fx.keys,
	    .caller = &(struct hz_caller){ .staff = true, .ngrants = 1,
	    .grants = { { .role = HZ_ROLE_ADMIN, .unit_path = "/" } } } },
	    hz_unit_id_by_code(&cli, code(unit_code)), &u), HZ_OK);
	c.grants[0].role = role;
	c.grants[0].unit_path = u.path;
	return c;
}

static size_t
count_buildings(const struct hz_caller *c)
{
	struct hz_ctx x = fx;
	struct hz_unit_filter f = { .kind = "building", .limit = 100,
	    .q = tag };
	struct hz_unit *out;
	size_t n;
	bool more;

	x.caller = c;
	/* Only this run's buildings: their lanes carry the tag. */
	assert_int_equal(hz_units_list(&x, &f, &out, &n, &more), HZ_OK);
	return n;
}

static void
scopes_follow_the_tree(void **state)
{
	struct hz_caller leader, cadre, head, admin;
	struct hz_ctx x = fx;
	struct hz_unit u;

	(void)state;
	FX_NEED_DB();
	admin = caller_at(HZ_ROLE_ADMIN, "V");
	cadre = caller_at(HZ_ROLE_CADRE, "C1");
	leader = caller_at(HZ_ROLE_GROUP_LEADER, "G2");
	head = caller_at(HZ_ROLE_BUILDING_HEAD, "B1");
	assert_int_equal(count_buildings(&admin), 3);
	assert_int_equal(count_buildings(&cadre), 2);
	assert_int_equal(count_buildings(&leader), 1);
	assert_int_equal(count_buildings(&head), 1);

	x.caller = &head;
	assert_int_equal(hz_unit_get(&x, hz_unit_id_by_code(&fx, code("B1")),
	    &u), HZ_OK);
	assert_string_equal(u.lane, hz_arena_printf(fx.arena, "%s东一巷", tag));
	/* Next door, same group: still outside a head's scope. */
	assert_int_equal(hz_unit_get(&x, hz_unit_id_by_code(&fx, code("B2")),
	    &u), HZ_ERR_NOT_FOUND);
	x.caller = &leader;
	assert_int_equal(hz_unit_get(&x, hz_unit_id_by_code(&fx, code("B1")),
	    &u), HZ_ERR_NOT_FOUND);
}

static void
keyset_pages_cover_everything_once(void **state)
{
	struct hz_caller admin;
	struct hz_ctx x = fx;
	struct hz_unit_filter f = { .limit = 2, .q = NULL };
	struct hz_unit *out;
	size_t n, seen = 0;
	bool more = true;
	uint64_t last = 0;

	(void)state;
	FX_NEED_DB();
	admin = caller_at(HZ_ROLE_ADMIN, "V");
	x.caller = &admin;
	f.within = hz_unit_id_by_code(&fx, code("V"));
	while (more) {
		assert_int_equal(hz_units_list(&x, &f, &out, &n, &more), HZ_OK);
		for (size_t i = 0; i < n; i++) {
			assert_true(out[i].id > last);
			last = out[i].id;
		}
		seen += n;
		f.after = last;
	}
	assert_int_equal(seen, 8);     /* 5 units + 3 buildings */
}

static void
writes_need_the_right_and_the_right_kind(void **state)
{
	struct hz_caller admin, leader;
	struct hz_ctx x = fx;
	uint64_t id;
	struct hz_unit_input in = { .kind = "building", .name = "4号楼",
	    .lane = "西巷", .door_no = "4" };

	(void)state;
	FX_NEED_DB();
	admin = caller_at(HZ_ROLE_ADMIN, "V");
	leader = caller_at(HZ_ROLE_GROUP_LEADER, "G1");
	in.parent_id = hz_unit_id_by_code(&fx, code("G1"));
	in.lane = hz_arena_printf(fx.arena, "%s西巷", tag);
	x.caller = &leader;
	assert_int_equal(hz_unit_create(&x, &in, &id),
	    HZ_ERR_FORBIDDEN);
	x.caller = &admin;
	assert_int_equal(hz_unit_create(&x, &in, &id), HZ_OK);
	/* The same address twice. */
	assert_int_equal(hz_unit_create(&x, &in, &id),
	    HZ_ERR_CONFLICT);
	/* Core says why, on the field at fault. */
	assert_non_null(hz_refusal_of(&x, HZ_ERR_CONFLICT));
	assert_string_equal(fx_why.field, "door_no");
	assert_string_equal(fx_why.message, "该地址（街巷 + 门牌号）已有楼栋，请核对门牌号");
	/* A building under a cooperative. */
	in.parent_id = hz_unit_id_by_code(&fx, code("C1"));
	in.door_no = "5";
	assert_int_equal(hz_unit_create(&x, &in, &id), HZ_ERR_INVALID);
	assert_string_equal(fx_why.field, "group_id");
	assert_string_equal(fx_why.code, "validation_failed");
	/* Only the command line plants a village. */
	struct hz_unit_input root = { .kind = "village", .name = "另一个村" };
	assert_int_equal(hz_unit_create(&x, &root, &id),
	    HZ_ERR_INVALID);
}

static void
grant_changes_are_seen_at_once(void **state)
{
	struct hz_staff_new s = { .display_name = "新栋长",
	    .password = "long enough password" };
	struct hz_caller c;
	uint64_t user, grant, b1;
	char name[32];

	(void)state;
	FX_NEED_DB();
	snprintf(name, sizeof(name), "g%u", (unsigned)randombytes_uniform(1u << 30));
	s.username = name;
	assert_int_equal(hz_staff_create(&fx, &s, &user), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, user, &c), HZ_OK);
	assert_int_equal(c.ngrants, 0);
	b1 = hz_unit_id_by_code(&fx, code("B1"));
	assert_int_equal(hz_role_grant(&fx, user, HZ_ROLE_BUILDING_HEAD, b1,
	    &grant), HZ_OK);
	/* The worker's cached (empty) grants are stale now: reloaded. */
	assert_int_equal(hz_caller_load(&fx, user, &c), HZ_OK);
	assert_int_equal(c.ngrants, 1);
	assert_int_equal(c.grants[0].unit_id, b1);
	/* Renaming the unit shows at once too. */
	struct hz_unit_input in = { .name = "改名楼" };
	struct hz_caller admin = caller_at(HZ_ROLE_ADMIN, "V");
	struct hz_ctx x = fx;
	x.caller = &admin;
	assert_int_equal(hz_unit_update(&x, b1, &in), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, user, &c), HZ_OK);
	assert_string_equal(c.grants[0].unit_name, "改名楼");
	/* Revoked: gone on the next load, not at token expiry. */
	x.caller = &admin;
	assert_int_equal(hz_role_revoke(&x, user, grant), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, user, &c), HZ_OK);
	assert_int_equal(c.ngrants, 0);
	/* A role at the wrong kind of unit. */
	assert_int_equal(hz_role_grant(&fx, user, HZ_ROLE_GROUP_LEADER, b1,
	    &grant), HZ_ERR_INVALID);
	hz_caller_cache_clear();
}

UNIT_TESTS(setup, fx_teardown,
	cmocka_unit_test(scopes_follow_the_tree),
	cmocka_unit_test(keyset_pages_cover_everything_once),
	cmocka_unit_test(writes_need_the_right_and_the_right_kind),
	cmocka_unit_test(grant_changes_are_seen_at_once))
