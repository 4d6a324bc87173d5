#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "policy.h"
#include "units.h"
#include "users.h"
#include "utf8.h"

#define COLS \
	"u.id, u.parent_id, u.kind, u.name, u.code, u.path, b.lane," \
	" b.door_no, b.rooms, b.head_user_id, h.display_name, b.qr_serial"
#define FROM \
	" FROM units u LEFT JOIN buildings b ON b.unit_id = u.id" \
	" LEFT JOIN users h ON h.id = b.head_user_id"

enum {
	STMT_GET, STMT_LIST, STMT_INSERT, STMT_SET_PATH, STMT_INSERT_BUILDING,
	STMT_UPDATE, STMT_UPDATE_BUILDING, STMT_BY_CODE, STMT_COUNT,
	STMT_STAFF, STMT_BUMP_HOLDERS, STMT_DROP_HEAD_ROLE, STMT_BUMP_USER,
	STMT_BUMP_SERIAL, STMT_VILLAGES,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_GET] = "SELECT " COLS FROM " WHERE u.id = ?",
	/* One scope root per call: path prefix, then the optional filters.
	 * q is a LIKE pattern already escaped. */
	[STMT_LIST] =
	    "SELECT " COLS FROM
	    " WHERE u.path LIKE CONCAT(?, '%') AND u.id > ?"
	    " AND (? = 0 OR u.parent_id = ?)"
	    " AND (? IS NULL OR u.kind = ?)"
	    " AND (? IS NULL OR u.name LIKE ? OR b.lane LIKE ?"
	    "      OR CONCAT(b.lane, b.door_no) LIKE ?)"
	    " ORDER BY u.id LIMIT ?",
	[STMT_INSERT] =
	    "INSERT INTO units (parent_id, kind, name, code, path)"
	    " VALUES (?, ?, ?, ?, CONCAT('new:', UUID()))",
	[STMT_SET_PATH] =
	    "UPDATE units SET path = CONCAT(?, id, '/') WHERE id = ?",
	[STMT_INSERT_BUILDING] =
	    "INSERT INTO buildings (unit_id, lane, door_no, rooms, head_user_id)"
	    " VALUES (?, ?, ?, ?, ?)",
	[STMT_UPDATE] =
	    "UPDATE units SET name = COALESCE(?, name), code = COALESCE(?, code)"
	    " WHERE id = ?",
	[STMT_UPDATE_BUILDING] =
	    "UPDATE buildings SET lane = COALESCE(?, lane),"
	    " door_no = COALESCE(?, door_no), rooms = COALESCE(?, rooms),"
	    " head_user_id = COALESCE(?, head_user_id) WHERE unit_id = ?",
	[STMT_BY_CODE] = "SELECT id FROM units WHERE code = ?",
	[STMT_COUNT] = "SELECT COUNT(*) FROM units",
	[STMT_STAFF] = "SELECT kind FROM users WHERE id = ? AND disabled = 0",
	/* A renamed unit shows under its new name in its holders' grants. */
	[STMT_BUMP_HOLDERS] =
	    "UPDATE users u JOIN role_assignments r ON r.user_id = u.id"
	    " SET u.authz_version = u.authz_version + 1 WHERE r.unit_id = ?",
	[STMT_DROP_HEAD_ROLE] =
	    "DELETE FROM role_assignments"
	    " WHERE user_id = ? AND role = 'building_head' AND unit_id = ?",
	[STMT_BUMP_USER] =
	    "UPDATE users SET authz_version = authz_version + 1 WHERE id = ?",
	[STMT_BUMP_SERIAL] =
	    "UPDATE buildings SET qr_serial = qr_serial + 1 WHERE unit_id = ?",
	[STMT_VILLAGES] = "SELECT COUNT(*) FROM units WHERE parent_id IS NULL",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("units", sql);

static const char *const kinds[] = {
	"village", "cooperative", "group", "building", NULL,
};

bool
hz_unit_kind_valid(const char *kind)
{
	for (int i = 0; kind != NULL && kinds[i]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

const char *
hz_unit_child_kind(const char *kind)
{
	for (int i = 0; kind != NULL && kinds[i]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return kinds[i + 1];
	return NULL;
}

static const char *
text(const struct hz_db_cell *c)
{
	return c->null ? NULL : c->s;
}

static void
fill(const struct hz_db_result *r, size_t i, struct hz_unit *u)
{
	memset(u, 0, sizeof(*u));
	u->id = (uint64_t)HZ_CELL(r, i, 0)->i;
	u->parent_id = HZ_CELL(r, i, 1)->null ? 0 : (uint64_t)HZ_CELL(r, i, 1)->i;
	u->kind = HZ_CELL(r, i, 2)->s;
	u->name = HZ_CELL(r, i, 3)->s;
	u->code = text(HZ_CELL(r, i, 4));
	u->path = HZ_CELL(r, i, 5)->s;
	u->lane = text(HZ_CELL(r, i, 6));
	u->door_no = text(HZ_CELL(r, i, 7));
	u->rooms = text(HZ_CELL(r, i, 8));
	u->head_id = HZ_CELL(r, i, 9)->null ? 0 : (uint64_t)HZ_CELL(r, i, 9)->i;
	u->head_name = text(HZ_CELL(r, i, 10));
	u->qr_serial = HZ_CELL(r, i, 11)->null ? 0 : (unsigned)HZ_CELL(r, i, 11)->i;
}

/* Fetches a unit without any scope check: internal use only. */
static enum hz_status
load(const struct hz_ctx *x, uint64_t id, struct hz_unit *u)
{
	struct hz_db_arg a = HZ_ARG_I64((long long)id);
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET, &a, 1, &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	fill(&r, 0, u);
	return HZ_OK;
}

enum hz_status
hz_unit_get(const struct hz_ctx *x, uint64_t id, struct hz_unit *u)
{
	enum hz_status rc;

	if ((rc = load(x, id, u)))
		return rc;
	/* Read is the weakest right: without it here, it is not here. */
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ, u->path)))
		return rc == HZ_ERR_FORBIDDEN ? HZ_ERR_NOT_FOUND : rc;
	return HZ_OK;
}

/* A LIKE pattern matching `q` anywhere, with % _ \ escaped. */
static char *
contains(hz_arena *a, const char *q)
{
	size_t n = strlen(q);
	char *p, *o;

	if ((p = hz_arena_alloc(a, 2 * n + 3)) == NULL)
		return NULL;
	o = p;
	*o++ = '%';
	for (size_t i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			*o++ = '\\';
		*o++ = q[i];
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

enum hz_status
hz_units_list(const struct hz_ctx *x, const struct hz_unit_filter *f,
              struct hz_unit **out, size_t *n, bool *more)
{
	const char *roots[HZ_GRANTS_MAX];
	struct hz_unit within, *all = NULL;
	size_t nroots, total = 0;
	char *like = NULL;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if (f->within != 0) {
		/* One root: the given unit, if the caller may see it. */
		if ((rc = hz_unit_get(x, f->within, &within)))
			return rc;
		roots[0] = within.path;
		nroots = 1;
	} else
		nroots = hz_scope_roots(x->caller, HZ_RIGHT_UNIT_READ, roots,
		    HZ_GRANTS_MAX);
	if (f->q != NULL && (like = contains(x->arena, f->q)) == NULL)
		return HZ_ERR_NOMEM;
	/* Each root gives its first limit+1 rows by id; the merge of those
	 * holds the first limit+1 of the union (the roots are disjoint). */
	for (size_t k = 0; k < nroots; k++) {
		struct hz_db_result r;
		struct hz_db_arg args[] = {
			HZ_ARG_STR(roots[k]), HZ_ARG_I64((long long)f->after),
			HZ_ARG_I64((long long)f->parent_id),
			HZ_ARG_I64((long long)f->parent_id),
			f->kind ? HZ_ARG_STR(f->kind) : HZ_ARG_NULL,
			f->kind ? HZ_ARG_STR(f->kind) : HZ_ARG_NULL,
			like ? HZ_ARG_STR(like) : HZ_ARG_NULL,
			like ? HZ_ARG_STR(like) : HZ_ARG_NULL,
			like ? HZ_ARG_STR(like) : HZ_ARG_NULL,
			like ? HZ_ARG_STR(like) : HZ_ARG_NULL,
			HZ_ARG_I64(f->limit + 1),
		};
		struct hz_unit *grown;

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LIST, args,
		    11, &r)))
			return rc;
		if ((grown = hz_arena_calloc(x->arena, total + r.nrows + 1,
		    sizeof(*grown))) == NULL)
			return HZ_ERR_NOMEM;
		/* Merge by id. */
		size_t i = 0, j = 0, o = 0;
		while (i < total || j < r.nrows) {
			if (j == r.nrows || (i < total &&
			    all[i].id < (uint64_t)HZ_CELL(&r, j, 0)->i))
				grown[o++] = all[i++];
			else
				fill(&r, j++, &grown[o++]);
		}
		all = grown;
		total = o;
	}
	if (total > (size_t)f->limit) {
		total = (size_t)f->limit;
		*more = true;
	}
	*out = all;
	*n = total;
	return HZ_OK;
}

static bool
len_ok(const char *s, long lo, long hi)
{
	long n = s ? hz_utf8_count(s, strlen(s)) : 0;

	return n >= lo && n <= hi;
}

static bool
code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* Field checks shared by create and update; NULL fields are skipped. */
static const char *
check_fields(const struct hz_unit_input *in, bool building)
{
	if (in->name && !len_ok(in->name, 1, 100))
		return "name";
	if (in->code && !code_ok(in->code))
		return "code";
	if (!building && (in->lane || in->door_no || in->rooms || in->head_id))
		return in->lane ? "lane" : in->door_no ? "door_no"
		    : in->rooms ? "rooms" : "head_id";
	if (in->lane && !len_ok(in->lane, 1, 100))
		return "lane";
	if (in->door_no && !len_ok(in->door_no, 1, 32))
		return "door_no";
	if (in->rooms && !len_ok(in->rooms, 0, 1000))
		return "rooms";
	return NULL;
}

static enum hz_status
check_head(const struct hz_ctx *x, uint64_t head)
{
	struct hz_db_arg a = HZ_ARG_I64((long long)head);
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_STAFF, &a, 1, &r)))
		return rc;
	return r.nrows == 1 && strcmp(HZ_CELL(&r, 0, 0)->s, "staff") == 0
	    ? HZ_OK : HZ_ERR_INVALID;
}

/* The head of a building holds building_head there. */
static enum hz_status
grant_head(const struct hz_ctx *x, uint64_t head, uint64_t unit)
{
	const char *why;
	uint64_t id;
	enum hz_status rc = hz_role_grant(x, head, HZ_ROLE_BUILDING_HEAD, unit,
	    &id, &why);

	return rc == HZ_ERR_CONFLICT ? HZ_OK : rc;
}

struct create_job {
	const struct hz_ctx        *x;
	const struct hz_unit_input *in;
	const struct hz_unit       *parent;
	uint64_t                    id;
	const char                 *field;
};

static enum hz_status
create_tx(struct hz_db *db, void *p)
{
	struct create_job *j = p;
	const struct hz_ctx *x = j->x;
	const struct hz_unit_input *in = j->in;
	struct hz_db_result r;
	char detail[96];
	enum hz_status rc;

	(void)db;
	struct hz_db_arg args[] = {
		j->parent ? HZ_ARG_I64((long long)j->parent->id) : HZ_ARG_NULL,
		HZ_ARG_STR(in->kind), HZ_ARG_STR(in->name),
		in->code ? HZ_ARG_STR(in->code) : HZ_ARG_NULL,
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, args, 4,
	    &r))) {
		j->field = "code";
		return rc;
	}
	j->id = r.insert_id;
	struct hz_db_arg path[] = {
		HZ_ARG_STR(j->parent ? j->parent->path : "/"),
		HZ_ARG_I64((long long)j->id),
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SET_PATH, path, 2,
	    NULL)))
		return rc;
	if (strcmp(in->kind, "building") == 0) {
		struct hz_db_arg b[] = {
			HZ_ARG_I64((long long)j->id), HZ_ARG_STR(in->lane),
			HZ_ARG_STR(in->door_no),
			in->rooms ? HZ_ARG_STR(in->rooms) : HZ_ARG_NULL,
			in->head_id ? HZ_ARG_I64((long long)in->head_id)
			    : HZ_ARG_NULL,
		};
		if ((rc = hz_db_run(x->db, x->arena, &stmts,
		    STMT_INSERT_BUILDING, b, 5, NULL))) {
			j->field = "door_no";    /* the address is taken */
			return rc;
		}
		if (in->head_id && (rc = grant_head(x, in->head_id, j->id)))
			return rc;
	}
	snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"parent_id\":%llu}",
	    in->kind, j->parent ? (unsigned long long)j->parent->id : 0ULL);
	return hz_audit(x, 0, "unit.create", "unit", j->id, detail);
}

enum hz_status
hz_unit_create(const struct hz_ctx *x, const struct hz_unit_input *in,
               uint64_t *id, const char **field)
{
	struct create_job j = { x, in, NULL, 0, NULL };
	struct hz_unit parent;
	bool building;
	enum hz_status rc;

	*field = NULL;
	if (!hz_unit_kind_valid(in->kind)) {
		*field = "kind";
		return HZ_ERR_INVALID;
	}
	building = strcmp(in->kind, "building") == 0;
	if (in->parent_id == 0) {
		struct hz_db_result r;

		/* Only the command line plants the root of the tree, and there
		 * is one: a deployment serves one village, so "admin anywhere"
		 * and "admin of everything" stay the same thing. */
		if (x->caller != NULL || strcmp(in->kind, "village") != 0) {
			*field = "parent_id";
			return HZ_ERR_INVALID;
		}
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_VILLAGES,
		    NULL, 0, &r)))
			return rc;
		if (HZ_CELL(&r, 0, 0)->i > 0) {
			*field = "kind";
			return HZ_ERR_CONFLICT;
		}
	} else {
		if ((rc = load(x, in->parent_id, &parent))) {
			*field = "parent_id";
			return rc;
		}
		if (x->caller != NULL && (rc = hz_authorize(x->caller,
		    HZ_RIGHT_UNIT_WRITE, parent.path))) {
			*field = "parent_id";
			return rc;
		}
		const char *want = hz_unit_child_kind(parent.kind);
		if (want == NULL || strcmp(want, in->kind) != 0) {
			*field = "kind";
			return HZ_ERR_INVALID;
		}
		j.parent = &parent;
	}
	if (in->name == NULL)
		*field = "name";
	else if (building && (in->lane == NULL || in->door_no == NULL))
		*field = in->lane == NULL ? "lane" : "door_no";
	else
		*field = check_fields(in, building);
	if (*field == NULL && in->head_id && check_head(x, in->head_id))
		*field = "head_id";
	if (*field != NULL)
		return HZ_ERR_INVALID;
	rc = hz_db_tx(x->db, create_tx, &j);
	*field = rc ? j.field : NULL;
	*id = j.id;
	return rc;
}

static enum hz_status
drop_head(const struct hz_ctx *x, uint64_t head, uint64_t unit)
{
	struct hz_db_arg args[] = {
		HZ_ARG_I64((long long)head), HZ_ARG_I64((long long)unit),
	};
	struct hz_db_result r;
	char detail[96];
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_DROP_HEAD_ROLE, args,
	    2, &r)) || r.affected == 0)
		return rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BUMP_USER, args, 1,
	    NULL)))
		return rc;
	snprintf(detail, sizeof(detail), "{\"role\":\"building_head\","
	    "\"unit_id\":%llu,\"user_id\":%llu}", (unsigned long long)unit,
	    (unsigned long long)head);
	return hz_audit(x, 0, "role.revoke", "user", head, detail);
}

struct update_job {
	const struct hz_ctx        *x;
	const struct hz_unit_input *in;
	const struct hz_unit       *u;
	const char                 *field;
};

static enum hz_status
update_tx(struct hz_db *db, void *p)
{
	struct update_job *j = p;
	const struct hz_ctx *x = j->x;
	const struct hz_unit_input *in = j->in;
	enum hz_status rc;

	(void)db;
	struct hz_db_arg u[] = {
		in->name ? HZ_ARG_STR(in->name) : HZ_ARG_NULL,
		in->code ? HZ_ARG_STR(in->code) : HZ_ARG_NULL,
		HZ_ARG_I64((long long)j->u->id),
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UPDATE, u, 3, NULL))) {
		j->field = "code";
		return rc;
	}
	if (in->name && (rc = hz_db_run(x->db, x->arena, &stmts,
	    STMT_BUMP_HOLDERS, &u[2], 1, NULL)))
		return rc;
	if (strcmp(j->u->kind, "building") == 0) {
		struct hz_db_arg b[] = {
			in->lane ? HZ_ARG_STR(in->lane) : HZ_ARG_NULL,
			in->door_no ? HZ_ARG_STR(in->door_no) : HZ_ARG_NULL,
			in->rooms ? HZ_ARG_STR(in->rooms) : HZ_ARG_NULL,
			in->head_id ? HZ_ARG_I64((long long)in->head_id)
			    : HZ_ARG_NULL,
			HZ_ARG_I64((long long)j->u->id),
		};
		if ((rc = hz_db_run(x->db, x->arena, &stmts,
		    STMT_UPDATE_BUILDING, b, 5, NULL))) {
			j->field = "door_no";
			return rc;
		}
		if (in->head_id && in->head_id != j->u->head_id) {
			if ((rc = grant_head(x, in->head_id, j->u->id)))
				return rc;
			/* The landlord who handed over keeps no rights here. */
			if (j->u->head_id && (rc = drop_head(x, j->u->head_id,
			    j->u->id)))
				return rc;
		}
	}
	return hz_audit(x, 0, "unit.update", "unit", j->u->id, NULL);
}

enum hz_status
hz_unit_update(const struct hz_ctx *x, uint64_t id,
               const struct hz_unit_input *in, const char **field)
{
	struct hz_unit u;
	struct update_job j = { x, in, &u, NULL };
	enum hz_status rc;

	*field = NULL;
	if ((rc = hz_unit_get(x, id, &u)))
		return rc;
	if (x->caller != NULL &&
	    (rc = hz_authorize(x->caller, HZ_RIGHT_UNIT_WRITE, u.path)))
		return rc;
	if ((*field = check_fields(in, strcmp(u.kind, "building") == 0)))
		return HZ_ERR_INVALID;
	if (in->head_id && check_head(x, in->head_id)) {
		*field = "head_id";
		return HZ_ERR_INVALID;
	}
	rc = hz_db_tx(x->db, update_tx, &j);
	*field = rc ? j.field : NULL;
	return rc;
}

enum hz_status
hz_unit_public(const struct hz_ctx *x, uint64_t id, struct hz_unit *u)
{
	return load(x, id, u);
}

enum hz_status
hz_unit_bump_serial(const struct hz_ctx *x, uint64_t id, unsigned *serial)
{
	struct hz_db_arg a = HZ_ARG_I64((long long)id);
	struct hz_unit u;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BUMP_SERIAL, &a, 1,
	    NULL)) || (rc = load(x, id, &u)))
		return rc;
	*serial = u.qr_serial;
	return HZ_OK;
}

uint64_t
hz_unit_id_by_code(const struct hz_ctx *x, const char *code)
{
	struct hz_db_arg a = HZ_ARG_STR(code);
	struct hz_db_result r;

	if (hz_db_run(x->db, x->arena, &stmts, STMT_BY_CODE, &a, 1, &r) ||
	    r.nrows == 0)
		return 0;
	return (uint64_t)HZ_CELL(&r, 0, 0)->i;
}

long long
hz_unit_count(const struct hz_ctx *x)
{
	struct hz_db_result r;

	if (hz_db_run(x->db, x->arena, &stmts, STMT_COUNT, NULL, 0, &r))
		return -1;
	return HZ_CELL(&r, 0, 0)->i;
}
