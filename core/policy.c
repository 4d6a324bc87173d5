#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "policy.h"
#include "users.h"

const char *const hz_role_names[HZ_ROLE__MAX + 1] = {
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
/* The building head and everyone above decide registrations in their
 * subtree (DESIGN.md) and may see an ID number in full to check it
 * against the card, each time audited. */
#define CHAIN (R(HZ_RIGHT_UNIT_READ) | R(HZ_RIGHT_TENANCY_DECIDE) | \
	R(HZ_RIGHT_POSTER_MANAGE) | R(HZ_RIGHT_PII_REVEAL) | \
	R(HZ_RIGHT_COMPLAINT_HANDLE) | R(HZ_RIGHT_CHECKLIST_TICK))

static const unsigned rights[HZ_ROLE__MAX] = {
	[HZ_ROLE_BUILDING_HEAD]   = CHAIN,
	/* Directives travel down the chain from the group leader up
	 * (issue 11); a building head only receives them. */
	[HZ_ROLE_GROUP_LEADER]    = CHAIN | R(HZ_RIGHT_DIRECTIVE_SEND),
	/* Bulk export of full numbers is the cooperative's hand-over to the
	 * official channel, not a landlord's. */
	[HZ_ROLE_CADRE]           = CHAIN | R(HZ_RIGHT_TENANCY_EXPORT) |
	                            R(HZ_RIGHT_DIRECTIVE_SEND) |
	                            R(HZ_RIGHT_DASHBOARD) |
	                            R(HZ_RIGHT_ORG_EXPORT),
	/* A station manager runs their station (hz_station_managed narrows
	 * the subtree to the stations naming them) and has no business
	 * reading the village's buildings. */
	[HZ_ROLE_STATION_MANAGER] = R(HZ_RIGHT_STATION_MANAGE),
	[HZ_ROLE_ADMIN]           = CHAIN | R(HZ_RIGHT_UNIT_WRITE) |
	                            R(HZ_RIGHT_USER_ADMIN) | R(HZ_RIGHT_SETTINGS) |
	                            R(HZ_RIGHT_TENANCY_EXPORT) |
	                            R(HZ_RIGHT_STATION_MANAGE) |
	                            R(HZ_RIGHT_DIRECTIVE_SEND) |
	                            R(HZ_RIGHT_DASHBOARD) |
	                            R(HZ_RIGHT_ORG_EXPORT),
};

const char *
hz_role_name(enum hz_role r)
{
	return (unsigned)r < HZ_ROLE__MAX ? hz_role_names[r] : "?";
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
		if (strcmp(s, hz_role_names[i]) == 0) {
			*out = (enum hz_role)i;
			return true;
		}
	return false;
}

bool
hz_path_under(const char *path, const char *root)
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
		if (!hz_path_under(unit_path, c->grants[i].unit_path))
			continue;
		/* What a caller cannot read is outside their scope. */
		if (rights[c->grants[i].role] & R(HZ_RIGHT_UNIT_READ))
			seen = true;
		if (rights[c->grants[i].role] & R(right))
			return HZ_OK;
	}
	return seen ? HZ_ERR_FORBIDDEN : HZ_ERR_NOT_FOUND;
}

bool
hz_role_has(enum hz_role role, enum hz_right right)
{
	return (unsigned)role < HZ_ROLE__MAX && (rights[role] & R(right));
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
			    hz_path_under(p, c->grants[j].unit_path) &&
			    (strlen(c->grants[j].unit_path) < strlen(p) ||
			    j < i))
				covered = true;
		if (!covered && n < max)
			roots[n++] = p;
	}
	return n;
}

enum {
	STMT_USER,
	STMT_USER_SESSION,
	STMT_GRANTS,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_USER] =
	    "SELECT kind, display_name, username, phone_sealed, disabled,"
	    " authz_version, 1, must_change_password, phone_public"
	    " FROM users WHERE id = ?",
	/* The session's state rides along: a second point select by primary
	 * key, as a join of two constant rows (a subquery in the select list
	 * cost MariaDB more to optimize, at every execution, than to run). */
	[STMT_USER_SESSION] =
	    "SELECT " HZ_CALLER_COLS " FROM " HZ_CALLER_FROM " WHERE u.id = ?",
	[STMT_GRANTS] =
	    "SELECT r.id, r.role, n.id, n.path, n.name, n.kind"
	    " FROM role_assignments r JOIN units n ON n.id = r.unit_id"
	    " WHERE r.user_id = ? ORDER BY r.id LIMIT 64",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("policy", sql);

/* Every authenticated request loads its caller, so staff grants are cached
 * per worker, keyed by user id and checked against users.authz_version,
 * which every change to them bumps: the hot path is one point select, and
 * a revoked role still takes effect on the very next request. */
#define CACHE_SLOTS 32

/* The rows of STMT_GRANTS and STMT_USER (HZ_CALLER_COLS). */
enum { G_ID, G_ROLE, G_UNIT, G_PATH, G_NAME, G_KIND };
enum { U_KIND, U_NAME, U_USERNAME, U_PHONE, U_DISABLED, U_VERSION,
       U_SESSION_LIVE, U_MUST_CHANGE, U_PHONE_PUBLIC, U__NCOLS };
_Static_assert(U__NCOLS == HZ_CALLER_NCOLS, "HZ_CALLER_COLS's columns");

struct cached_grant {
	uint64_t     id;
	enum hz_role role;
	uint64_t     unit_id;
	char        *path, *name, *kind;
};

static struct cache_slot {
	uint64_t            user;        /* 0: empty */
	long long           version;
	size_t              n;
	struct cached_grant g[HZ_GRANTS_MAX];
} cache[CACHE_SLOTS];

static void
slot_clear(struct cache_slot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->g[i].path);
		free(s->g[i].name);
		free(s->g[i].kind);
	}
	memset(s, 0, sizeof(*s));
}

/* Fills the slot from the database; false if out of memory. */
static enum hz_status
slot_load(const struct hz_ctx *x, struct cache_slot *s, uint64_t user,
          long long version)
{
	struct hz_db_arg id = HZ_ARG_I64((long long)user);
	struct hz_db_result r;
	enum hz_status rc;

	slot_clear(s);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GRANTS, HZ_ARGS(id), &r)))
		return rc;
	for (size_t i = 0; i < r.nrows && s->n < HZ_GRANTS_MAX; i++) {
		struct cached_grant *g = &s->g[s->n];

		if (!hz_role_parse(HZ_CELL(&r, i, G_ROLE)->s, &g->role))
			continue;
		g->id = (uint64_t)HZ_CELL(&r, i, G_ID)->i;
		g->unit_id = (uint64_t)HZ_CELL(&r, i, G_UNIT)->i;
		g->path = strdup(HZ_CELL(&r, i, G_PATH)->s);
		g->name = strdup(HZ_CELL(&r, i, G_NAME)->s);
		g->kind = strdup(HZ_CELL(&r, i, G_KIND)->s);
		s->n++;
		if (!g->path || !g->name || !g->kind) {
			slot_clear(s);
			return HZ_ERR_NOMEM;
		}
	}
	s->user = user;
	s->version = version;
	return HZ_OK;
}

void
hz_caller_cache_clear(void)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		slot_clear(&cache[i]);
}

/* The caller from the row `u` (HZ_CALLER_COLS; NULL: no such user) of
 * user `user_id` and session `sid` (0: none to check), and their grants. */
static enum hz_status
take(const struct hz_ctx *x, const struct hz_db_cell *u, uint64_t user_id,
     uint64_t sid, struct hz_caller *c)
{
	struct cache_slot *s = &cache[user_id % CACHE_SLOTS];
	long long version;
	enum hz_status rc;

	memset(c, 0, sizeof(*c));
	if (u == NULL || u[U_DISABLED].i != 0 || u[U_SESSION_LIVE].i == 0)
		return HZ_ERR_UNAUTHORIZED;
	c->id = user_id;
	c->sid = sid;
	c->staff = strcmp(u[U_KIND].s, "staff") == 0;
	c->must_change_password = u[U_MUST_CHANGE].i != 0;
	c->phone_public = u[U_PHONE_PUBLIC].i != 0;
	c->display_name = u[U_NAME].s;
	c->username = u[U_USERNAME].null ? NULL : u[U_USERNAME].s;
	if (!u[U_PHONE].null) {
		c->phone_sealed = (const unsigned char *)u[U_PHONE].s;
		c->phone_len = u[U_PHONE].len;
	}
	/* Grants are for staff only, whatever the tables say. */
	if (!c->staff)
		return HZ_OK;
	version = u[U_VERSION].i;
	if ((s->user != user_id || s->version != version) &&
	    (rc = slot_load(x, s, user_id, version)))
		return rc;
	/* Copies into the request: a later load may evict this slot. */
	for (size_t i = 0; i < s->n; i++) {
		struct hz_grant *g = &c->grants[i];

		g->id = s->g[i].id;
		g->role = s->g[i].role;
		g->unit_id = s->g[i].unit_id;
		g->unit_path = hz_arena_strdup(x->arena, s->g[i].path);
		g->unit_name = hz_arena_strdup(x->arena, s->g[i].name);
		g->unit_kind = hz_arena_strdup(x->arena, s->g[i].kind);
		if (!g->unit_path || !g->unit_name || !g->unit_kind)
			return HZ_ERR_NOMEM;
	}
	c->ngrants = s->n;
	return HZ_OK;
}

/* sid 0: no session to check. */
static enum hz_status
load(const struct hz_ctx *x, uint64_t user_id, uint64_t sid,
     struct hz_caller *c)
{
	struct hz_db_arg id = HZ_ARG_I64((long long)user_id);
	struct hz_db_result r;
	enum hz_status rc;

	memset(c, 0, sizeof(*c));
	rc = sid == 0 ? hz_db_run(x->db, x->arena, &stmts, STMT_USER,
	    HZ_ARGS(id), &r) : hz_db_run(x->db, x->arena, &stmts,
	    STMT_USER_SESSION, HZ_ARGS(HZ_ARG_I64((long long)sid), id), &r);
	if (rc)
		return rc;
	return take(x, r.nrows ? HZ_CELL(&r, 0, 0) : NULL, user_id, sid, c);
}

enum hz_status
hz_caller_load(const struct hz_ctx *x, uint64_t user_id, struct hz_caller *c)
{
	return load(x, user_id, 0, c);
}

enum hz_status
hz_caller_load_session(const struct hz_ctx *x, uint64_t user_id, uint64_t sid,
                       struct hz_caller *c)
{
	return sid == 0 ? HZ_ERR_UNAUTHORIZED : load(x, user_id, sid, c);
}

/* What the front checks of a caller once loaded (fcgi/dispatch.c), for a
 * route that takes any kind of caller and no temporary password. */
static enum hz_status
admit(const struct hz_ctx *x, enum hz_status rc)
{
	const struct hz_caller *c = x->caller_slot;

	if (rc == HZ_OK && strcmp(x->claims->kind,
	    c->staff ? "staff" : "resident") != 0)
		rc = HZ_ERR_UNAUTHORIZED;
	if (rc == HZ_ERR_UNAUTHORIZED)
		return hz_refuse(x, &hz_refusal_token_invalid);
	if (rc == HZ_OK && c->must_change_password)
		return hz_refuse(x, &hz_refusal_password_change);
	return rc;
}

enum hz_status
hz_caller_take(const struct hz_ctx *x, const struct hz_db_cell *u,
               const struct hz_caller **out)
{
	enum hz_status rc;

	*out = x->caller;
	if (x->caller != NULL)
		return HZ_OK;
	if (x->claims == NULL || x->caller_slot == NULL)
		return HZ_ERR_UNAUTHORIZED;
	rc = admit(x, take(x, u, x->claims->sub, x->claims->sid,
	    x->caller_slot));
	if (rc == HZ_OK)
		*out = x->caller_slot;
	return rc;
}

enum hz_status
hz_caller_settle(const struct hz_ctx *x, const struct hz_caller **out)
{
	enum hz_status rc;

	*out = x->caller;
	if (x->caller != NULL)
		return HZ_OK;
	if (x->claims == NULL || x->caller_slot == NULL)
		return HZ_ERR_UNAUTHORIZED;
	rc = admit(x, x->claims->sid == 0 ? HZ_ERR_UNAUTHORIZED :
	    load(x, x->claims->sub, x->claims->sid, x->caller_slot));
	if (rc == HZ_OK)
		*out = x->caller_slot;
	return rc;
}
