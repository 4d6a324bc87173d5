/* Who may do what where (DESIGN.md, "Who uses it"). A role is held at a
 * unit and reaches that unit's whole subtree. Outside every subtree the
 * caller holds a right in, a thing does not exist (404); inside one but
 * without the right, it is forbidden (403). Every scoped query in core/
 * goes through these functions, so no handler can forget them. */
#ifndef HZ_POLICY_H
#define HZ_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "status.h"

enum hz_role {
	HZ_ROLE_BUILDING_HEAD,
	HZ_ROLE_GROUP_LEADER,
	HZ_ROLE_CADRE,
	HZ_ROLE_ADMIN,
	HZ_ROLE_STATION_MANAGER,
	HZ_ROLE__MAX
};

enum hz_right {
	HZ_RIGHT_UNIT_READ,     /* see units, buildings, staff in scope */
	HZ_RIGHT_UNIT_WRITE,    /* create and edit units and buildings */
	HZ_RIGHT_USER_ADMIN,    /* create staff, assign roles */
	HZ_RIGHT_PII_REVEAL,    /* see full phone and ID numbers (audited) */
	HZ_RIGHT_TENANCY_DECIDE,/* approve, reject and end registrations */
	HZ_RIGHT_POSTER_MANAGE, /* print posters, rotate a building's code */
	HZ_RIGHT_TENANCY_EXPORT,/* bulk CSV with full numbers (audited) */
	HZ_RIGHT_COMPLAINT_HANDLE,/* act on complaints: accept, reply, resolve */
	HZ_RIGHT_SETTINGS,      /* village-wide settings: complaint categories */
	HZ_RIGHT_STATION_MANAGE,/* a station's details, poster, shifts, roster;
	                           a station manager only at the station they
	                           are named manager of (stations.h) */
	HZ_RIGHT_DIRECTIVE_SEND,/* send directives down the subtree, follow
	                           their receipts, remind the laggards (the
	                           monthly checklists' too): group leaders up */
	HZ_RIGHT_CHECKLIST_TICK,/* tick a building's monthly checklist */
	HZ_RIGHT_DASHBOARD,     /* the village dashboard: cadres and admins */
	HZ_RIGHT_ORG_EXPORT,    /* the org tree and staff as import CSV */
	HZ_RIGHT__MAX
};

const char *hz_role_name(enum hz_role);
extern const char *const hz_role_names[HZ_ROLE__MAX + 1];  /* NULL-ended */
bool        hz_role_parse(const char *, enum hz_role *);
/* The unit kind a role is assigned at (a head at a building...). */
const char *hz_role_unit_kind(enum hz_role);

/* Roles one person may hold; hz_role_grant refuses more. */
#define HZ_GRANTS_MAX 64

struct hz_grant {
	uint64_t     id;
	enum hz_role role;
	uint64_t     unit_id;
	const char  *unit_path;
	const char  *unit_name;
	const char  *unit_kind;
};

struct hz_caller {
	uint64_t             id;
	bool                 staff;
	const char          *display_name;
	const char          *username;       /* staff only */
	const unsigned char *phone_sealed;   /* NULL if none */
	size_t               phone_len;
	bool                 must_change_password;  /* a temporary one */
	/* users.phone_public as read with the caller: a building head's
	 * choice (GET /me shows it without a second round trip). */
	bool                 phone_public;
	uint64_t             sid;       /* the access token's session; 0: none */
	size_t               ngrants;
	struct hz_grant      grants[HZ_GRANTS_MAX];
};

/* Loads the user and their grants: one point select while the worker's
 * cache of the user's grants is current (users.authz_version), two when
 * not. HZ_ERR_UNAUTHORIZED if the user is gone or disabled. */
enum hz_status hz_caller_load(const struct hz_ctx *, uint64_t user_id,
                              struct hz_caller *);
/* The same for the bearer of an access token of session `sid`: also
 * HZ_ERR_UNAUTHORIZED once that session was ended (a logout, a reused
 * refresh token), read in the same statement as the user. */
enum hz_status hz_caller_load_session(const struct hz_ctx *, uint64_t user_id,
                                      uint64_t sid, struct hz_caller *);
void           hz_caller_cache_clear(void);

/* The caller read beside a statement's own rows: a route whose first read
 * can carry the caller (fcgi/router.h, HZ_CALLER_IN_READ) saves the
 * caller's own round trip. Its statement is
 *     "SELECT " HZ_CALLER_COLS ", <its columns> FROM " HZ_CALLER_FROM
 *     " LEFT JOIN <its tables> ... WHERE u.id = ?"
 * with the token's session and user as the first and last arguments
 * (x->claims), and hands the row's first HZ_CALLER_NCOLS cells (NULL: no
 * row) to hz_caller_take. */
#define HZ_CALLER_COLS \
	"u.kind, u.display_name, u.username, u.phone_sealed, u.disabled," \
	" u.authz_version, s.id IS NOT NULL, u.must_change_password," \
	" u.phone_public"
#define HZ_CALLER_FROM \
	"users u LEFT JOIN sessions s ON s.id = ? AND s.user_id = u.id" \
	" AND s.revoked_at IS NULL"
#define HZ_CALLER_NCOLS 9

/* The caller of a request whose token was verified but whose caller was
 * not loaded (x->claims; x->caller NULL): from the cells `u` read by such
 * a statement, admitted as the front admits a caller of a route open to
 * residents and staff without a temporary password: HZ_OK with *out the
 * caller (in x->caller_slot), or refused 401 token_invalid (gone,
 * disabled, session ended, another kind) or 403 password_change_required.
 * With x->caller set already, HZ_OK and *out = x->caller. */
enum hz_status hz_caller_take(const struct hz_ctx *, const struct hz_db_cell *u,
                              const struct hz_caller **out);
/* The same with the caller's own statement, where the route's read does
 * not run (its input was refused first: the caller's standing is still
 * answered first, as for every route). */
enum hz_status hz_caller_settle(const struct hz_ctx *,
                                const struct hz_caller **out);

/* Is unit `path` inside the subtree rooted at `root` (itself included)?
 * False when either is NULL. */
bool           hz_path_under(const char *path, const char *root);

/* HZ_OK, HZ_ERR_NOT_FOUND (outside every subtree the caller may read) or
 * HZ_ERR_FORBIDDEN (inside one, but no role there carries `right`). */
enum hz_status hz_authorize(const struct hz_caller *, enum hz_right,
                            const char *unit_path);
bool           hz_can_anywhere(const struct hz_caller *, enum hz_right);
/* Does the role carry the right (wherever it is held)? */
bool           hz_role_has(enum hz_role, enum hz_right);

/* The unit paths under which the caller holds `right`, with paths inside
 * another one dropped. Returns how many were written to roots. */
size_t hz_scope_roots(const struct hz_caller *, enum hz_right,
                      const char **roots, size_t max);

#endif
