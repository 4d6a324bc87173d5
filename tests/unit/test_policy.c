#include "unit.h"

#include "policy.h"

static struct hz_caller
caller(size_t n, const enum hz_role *roles, const char *const *paths)
{
	struct hz_caller c = { .id = 1, .staff = true, .ngrants = n };

	for (size_t i = 0; i < n; i++) {
		c.grants[i].role = roles[i];
		c.grants[i].unit_path = paths[i];
	}
	return c;
}

static void
a_role_reaches_its_subtree_only(void **state)
{
	enum hz_role r[] = { HZ_ROLE_GROUP_LEADER };
	const char *p[] = { "/1/2/4/" };
	struct hz_caller c = caller(1, r, p);

	(void)state;
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_READ, "/1/2/4/"), HZ_OK);
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_READ, "/1/2/4/9/"),
	    HZ_OK);
	/* A sibling whose id shares a prefix is not inside. */
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_READ, "/1/2/41/"),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_READ, "/1/2/"),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_READ, "/1/3/5/"),
	    HZ_ERR_NOT_FOUND);
	/* Inside, without the right: forbidden, not hidden. */
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_WRITE, "/1/2/4/9/"),
	    HZ_ERR_FORBIDDEN);
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_WRITE, "/1/3/"),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_authorize(NULL, HZ_RIGHT_UNIT_READ, "/1/"),
	    HZ_ERR_UNAUTHORIZED);
}

static void
admin_holds_every_right(void **state)
{
	enum hz_role r[] = { HZ_ROLE_ADMIN };
	const char *p[] = { "/1/" };
	struct hz_caller c = caller(1, r, p);

	(void)state;
	for (int right = 0; right < HZ_RIGHT__MAX; right++)
		assert_int_equal(hz_authorize(&c, (enum hz_right)right,
		    "/1/7/8/"), HZ_OK);
	assert_true(hz_can_anywhere(&c, HZ_RIGHT_USER_ADMIN));
}

static void
residents_and_roleless_staff_hold_nothing(void **state)
{
	struct hz_caller c = { .id = 9, .staff = false };

	(void)state;
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_READ, "/1/"),
	    HZ_ERR_NOT_FOUND);
	assert_false(hz_can_anywhere(&c, HZ_RIGHT_UNIT_READ));
	c.staff = true;
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_READ, "/1/"),
	    HZ_ERR_NOT_FOUND);
}

static void
a_role_without_read_sees_nothing(void **state)
{
	enum hz_role r[] = { HZ_ROLE_STATION_MANAGER };
	const char *p[] = { "/1/" };
	struct hz_caller c = caller(1, r, p);

	(void)state;
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_READ, "/1/2/"),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_authorize(&c, HZ_RIGHT_UNIT_WRITE, "/1/2/"),
	    HZ_ERR_NOT_FOUND);
}

static void
scope_roots_drop_nested_ones(void **state)
{
	enum hz_role r[] = { HZ_ROLE_BUILDING_HEAD, HZ_ROLE_GROUP_LEADER,
	    HZ_ROLE_BUILDING_HEAD, HZ_ROLE_GROUP_LEADER };
	const char *p[] = { "/1/2/4/9/", "/1/2/4/", "/1/3/6/20/", "/1/2/4/" };
	struct hz_caller c = caller(4, r, p);
	const char *roots[HZ_GRANTS_MAX];
	size_t n;

	(void)state;
	n = hz_scope_roots(&c, HZ_RIGHT_UNIT_READ, roots, HZ_GRANTS_MAX);
	assert_int_equal(n, 2);
	assert_string_equal(roots[0], "/1/2/4/");
	assert_string_equal(roots[1], "/1/3/6/20/");
	assert_int_equal(hz_scope_roots(&c, HZ_RIGHT_UNIT_WRITE, roots,
	    HZ_GRANTS_MAX), 0);
}

static void
roles_parse_and_name(void **state)
{
	enum hz_role r;

	(void)state;
	for (int i = 0; i < HZ_ROLE__MAX; i++) {
		assert_true(hz_role_parse(hz_role_name((enum hz_role)i), &r));
		assert_int_equal(r, i);
	}
	assert_false(hz_role_parse("root", &r));
	assert_false(hz_role_parse("", &r));
	assert_false(hz_role_parse(NULL, &r));
	assert_string_equal(hz_role_unit_kind(HZ_ROLE_BUILDING_HEAD),
	    "building");
	assert_null(hz_role_unit_kind(HZ_ROLE_STATION_MANAGER));
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(a_role_reaches_its_subtree_only),
	cmocka_unit_test(admin_holds_every_right),
	cmocka_unit_test(residents_and_roleless_staff_hold_nothing),
	cmocka_unit_test(a_role_without_read_sees_nothing),
	cmocka_unit_test(scope_roots_drop_nested_ones),
	cmocka_unit_test(roles_parse_and_name))
