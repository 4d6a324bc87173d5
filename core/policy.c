#include <string.h>

#include "policy.h"

static const char *const role_names[HZ_ROLE__MAX] = {
	[HZ_ROLE_BUILDING_HEAD]   = "building_head",
	[HZ_ROLE_GROUP_LEADER]    = "group_leader",
	[HZ_ROLE_CADRE]           = "cadre",
	[HZ_ROLE_ADMIN]           = "admin",
	[HZ_ROLE_STATION_MANAGER] = "station_manager",
};

/* Where each role is assigned; a station manager at the unit that holds
 * the station. */
static const char *const role_kinds[HZ_ROLE__MAX] = {
	[HZ_ROLE_BUILDING_HEAD]   = "building",
	[HZ_ROLE_GROUP_LEADER]    = "group",
	[HZ_ROLE_CADRE]           = "cooperative",
	[HZ_ROLE_ADMIN]           = "village",
	[HZ_ROLE_STATION_MANAGER] = NULL,
};

#define R(x) (1u << (x))

/* The policy, one row per role. */
static const unsigned rights[HZ_ROLE__MAX] = {
	[HZ_ROLE_BUILDING_HEAD]   = R(HZ_RIGHT_UNIT_READ),
	[HZ_ROLE_GROUP_LEADER]    = R(HZ_RIGHT_UNIT_READ),
	[HZ_ROLE_CADRE]           = R(HZ_RIGHT_UNIT_READ),
	[HZ_ROLE_STATION_MANAGER] = R(HZ_RIGHT_UNIT_READ),
	[HZ_ROLE_ADMIN]           = R(HZ_RIGHT_UNIT_READ) |
	                            R(HZ_RIGHT_UNIT_WRITE) |
	                            R(HZ_RIGHT_USER_ADMIN) |
	                            R(HZ_RIGHT_PII_REVEAL),
};

const char *
hz_role_name(enum hz_role r)
{
	return (unsigned)r < HZ_ROLE__MAX ? role_names[r] : "?";
}

const char *
hz_role_unit_kind(enum hz_role r)
{
	return (unsigned)r < HZ_ROLE__MAX ? role_kinds[r] : NULL;
}

bool
hz_role_parse(const char *s, enum hz_role *out)
{
	for (int i = 0; s != NULL && i < HZ_ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum hz_role)i;
			return true;
		}
	return false;
}

static bool
under(const char *path, const char *root)
{
	return path != NULL && root != NULL &&
	    strncmp(path, root, strlen(root)) == 0;
}

enum hz_status
hz_authorize(const struct hz_caller *c, enum hz_right right,
             const char *unit_path)
{
	bool seen = false;

	if (c == NULL)
		return HZ_ERR_UNAUTHORIZED;
	for (size_t i = 0; i < c->ngrants; i++) {
		if (!under(unit_path, c->grants[i].unit_path))
			continue;
		seen = true;
		if (rights[c->grants[i].role] & R(right))
			return HZ_OK;
	}
	return seen ? HZ_ERR_FORBIDDEN : HZ_ERR_NOT_FOUND;
}

bool
hz_can_anywhere(const struct hz_caller *c, enum hz_right right)
{
	for (size_t i = 0; c != NULL && i < c->ngrants; i++)
		if (rights[c->grants[i].role] & R(right))
			return true;
	return false;
}

size_t
hz_scope_roots(const struct hz_caller *c, enum hz_right right,
               const char **roots, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; c != NULL && i < c->ngrants; i++) {
		const char *p = c->grants[i].unit_path;
		bool covered = false;

		if (!(rights[c->grants[i].role] & R(right)))
			continue;
		for (size_t j = 0; j < c->ngrants; j++)
			if (j != i && (rights[c->grants[j].role] & R(right)) &&
			    under(p, c->grants[j].unit_path) &&
			    (strlen(c->grants[j].unit_path) < strlen(p) ||
			    j < i))
				covered = true;
		if (!covered && n < max)
			roots[n++] = p;
	}
	return n;
}

enum {
	STMT_CALLER,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_CALLER] =
	    "SELECT u.kind, u.display_name, u.username, u.phone_sealed,"
	    " u.disabled, r.id, r.role, n.id, n.path, n.name, n.kind"
	    " FROM users u"
	    " LEFT JOIN role_assignments r ON r.user_id = u.id"
	    " LEFT JOIN units n ON n.id = r.unit_id"
	    " WHERE u.id = ? LIMIT 16",
	/* No ORDER BY: it costs a temporary table on the hottest query of
	 * all; rows come in roles_unique order (role, unit) anyway. */
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("policy", sql);

enum hz_status
hz_caller_load(const struct hz_ctx *x, uint64_t user_id, struct hz_caller *c)
{
	struct hz_db_arg id = HZ_ARG_I64((long long)user_id);
	struct hz_db_result r;
	enum hz_status rc;

	memset(c, 0, sizeof(*c));
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CALLER, &id, 1, &r)))
		return rc;
	if (r.nrows == 0 || HZ_CELL(&r, 0, 4)->i != 0)
		return HZ_ERR_UNAUTHORIZED;
	c->id = user_id;
	c->staff = strcmp(HZ_CELL(&r, 0, 0)->s, "staff") == 0;
	c->display_name = HZ_CELL(&r, 0, 1)->s;
	c->username = HZ_CELL(&r, 0, 2)->null ? NULL : HZ_CELL(&r, 0, 2)->s;
	if (!HZ_CELL(&r, 0, 3)->null) {
		c->phone_sealed = (const unsigned char *)HZ_CELL(&r, 0, 3)->s;
		c->phone_len = HZ_CELL(&r, 0, 3)->len;
	}
	for (size_t i = 0; i < r.nrows && c->ngrants < HZ_GRANTS_MAX; i++) {
		struct hz_grant *g = &c->grants[c->ngrants];

		if (HZ_CELL(&r, i, 5)->null || HZ_CELL(&r, i, 7)->null ||
		    !hz_role_parse(HZ_CELL(&r, i, 6)->s, &g->role))
			continue;
		g->id = (uint64_t)HZ_CELL(&r, i, 5)->i;
		g->unit_id = (uint64_t)HZ_CELL(&r, i, 7)->i;
		g->unit_path = HZ_CELL(&r, i, 8)->s;
		g->unit_name = HZ_CELL(&r, i, 9)->s;
		g->unit_kind = HZ_CELL(&r, i, 10)->s;
		c->ngrants++;
	}
	/* Grants are for staff only, whatever the table says. */
	if (!c->staff)
		c->ngrants = 0;
	return HZ_OK;
}
