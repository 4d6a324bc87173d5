#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "contact.h"
#include "page.h"
#include "policy.h"
#include "units.h"
#include "users.h"
#include "utf8.h"

/* A unit row: the unit, its building fields (NULL for other kinds) and
 * the head's name. */
#define UNIT_ROW(C, L) \
	C(U_ID, "u.id") C(U_PARENT, "u.parent_id") C(U_KIND, "u.kind") \
	C(U_NAME, "u.name") C(U_CODE, "u.code") C(U_PATH, "u.path") \
	C(U_LANE, "b.lane") C(U_DOOR, "b.door_no") C(U_ROOMS, "b.rooms") \
	C(U_HEAD, "b.head_user_id") C(U_HEAD_NAME, "h.display_name") \
	L(U_SERIAL, "b.qr_serial")
enum { UNIT_ROW(HZ_COL_ENUM, HZ_COL_ENUM) U__NCOLS };
#define SELECT_UNIT "SELECT " UNIT_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	" FROM units u LEFT JOIN buildings b ON b.unit_id = u.id" \
	" LEFT JOIN users h ON h.id = b.head_user_id"

enum {
	STMT_GET, STMT_LIST, STMT_CHILDREN, STMT_INSERT, STMT_SET_PATH,
	STMT_INSERT_BUILDING, STMT_UPDATE, STMT_UPDATE_BUILDING, STMT_BY_CODE,
	STMT_COUNT, STMT_STAFF, STMT_BUMP_HOLDERS, STMT_DROP_HEAD_ROLE,
	STMT_BUMP_USER, STMT_BUMP_SERIAL, STMT_VILLAGES, STMT_VILLAGE,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_GET] = SELECT_UNIT " WHERE u.id = ?",
	/* A scoped page (page.h): path prefix, the filters, the cursor. q is
	 * a LIKE pattern already escaped. */
	[STMT_LIST] =
	    SELECT_UNIT " WHERE u.path LIKE CONCAT(?, '%')"
	    " AND (? = 0 OR u.parent_id = ?)"
	    " AND (? IS NULL OR u.kind = ?)"
	    " AND (? IS NULL OR u.name LIKE ? OR b.lane LIKE ?"
	    "      OR CONCAT(b.lane, b.door_no) LIKE ?)"
	    " AND u.id > ? ORDER BY u.id LIMIT ?",
	[STMT_CHILDREN] =
	    SELECT_UNIT " WHERE u.parent_id = ? ORDER BY u.id LIMIT 500",
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
	[STMT_VILLAGE] = "SELECT id FROM units WHERE kind = 'village'"
	    " ORDER BY id LIMIT 1",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("units", sql);

const char *const hz_unit_kinds[] = {
	"village", "cooperative", "group", "building", NULL,
};

static const char *const api_kinds[] = { "cooperative", "group", NULL };

const struct hz_unit_rules hz_unit_rules = {
	.kind = { HZ_F_ENUM, 0, 0,
	    "类型应为 cooperative（经济社）或 group（户组）；"
	    "楼栋请通过 /api/v1/buildings 创建", api_kinds },
	.name = { HZ_F_STRING, 1, 100, "名称须为 1 至 100 个字" },
	.code = { HZ_F_STRING, 1, 32,
	    "编码只能用字母、数字、- 和 _，最长 32 个字符",
	    .chars = HZ_CHARS_ALNUM "-_" },
	.lane = { HZ_F_STRING, 1, 100, "街巷须为 1 至 100 个字" },
	.door_no = { HZ_F_STRING, 1, 32, "门牌号须为 1 至 32 个字" },
	.rooms = { HZ_F_STRING, 0, 1000, "房间说明最长 1000 个字",
	    .flags = HZ_MULTILINE },
};

/* Why a unit is refused, in the words every front shows. */
static const struct hz_refusal
    no_parent = { HZ_ERR_INVALID, "validation_failed", "parent_id",
	"上级单位不存在：请核对上级单位，或先建立它" },
    no_group = { HZ_ERR_INVALID, "validation_failed", "group_id",
	"户组不存在：请核对户组，或先建立它" },
    unknown_kind = { HZ_ERR_INVALID, "validation_failed", "kind",
	"类型应为 village（村）、cooperative（经济社）、group（户组）"
	"或 building（楼栋）" },
    wrong_kind = { HZ_ERR_INVALID, "validation_failed", "kind",
	"类型与上级不符：村下是经济社，经济社下是户组，户组下是楼栋" },
    not_a_group = { HZ_ERR_INVALID, "validation_failed", "group_id",
	"所选上级不是户组：楼栋只能建在户组下" },
    one_village = { HZ_ERR_CONFLICT, "conflict", "kind",
	"已经有一个村，系统只管理一个村" },
    code_taken = { HZ_ERR_CONFLICT, "conflict", "code",
	"编码已被使用，请换一个" },
    address_taken = { HZ_ERR_CONFLICT, "conflict", "door_no",
	"该地址（街巷 + 门牌号）已有楼栋，请核对门牌号" },
    head_not_staff = { HZ_ERR_INVALID, "validation_failed", "head_id",
	"栋长须为工作人员账号" },
    building_only = { HZ_ERR_INVALID, "validation_failed", "lane",
	"只有楼栋有街巷、门牌号、房间和栋长" },
    address_missing = { HZ_ERR_INVALID, "validation_failed", "lane",
	"请填写街巷和门牌号" };

bool
hz_unit_kind_valid(const char *kind)
{
	for (int i = 0; kind != NULL && hz_unit_kinds[i]; i++)
		if (strcmp(kind, hz_unit_kinds[i]) == 0)
			return true;
	return false;
}

const char *
hz_unit_child_kind(const char *kind)
{
	for (int i = 0; kind != NULL && hz_unit_kinds[i]; i++)
		if (strcmp(kind, hz_unit_kinds[i]) == 0)
			return hz_unit_kinds[i + 1];
	return NULL;
}

static void
fill(const struct hz_db_result *r, size_t i, struct hz_unit *u)
{
	const struct hz_db_cell *c = HZ_CELL(r, i, 0);

	memset(u, 0, sizeof(*u));
	u->id = HZ_ID(&c[U_ID]);
	u->parent_id = HZ_ID(&c[U_PARENT]);
	u->kind = c[U_KIND].s;
	u->name = c[U_NAME].s;
	u->code = HZ_TEXT(&c[U_CODE]);
	u->path = c[U_PATH].s;
	u->lane = HZ_TEXT(&c[U_LANE]);
	u->door_no = HZ_TEXT(&c[U_DOOR]);
	u->rooms = HZ_TEXT(&c[U_ROOMS]);
	u->head_id = HZ_ID(&c[U_HEAD]);
	u->head_name = HZ_TEXT(&c[U_HEAD_NAME]);
	u->qr_serial = (unsigned)HZ_ID(&c[U_SERIAL]);
}

static enum hz_status
fill_all(hz_arena *a, const struct hz_db_result *r, struct hz_unit **out,
         size_t *n)
{
	if ((*out = hz_arena_calloc(a, r->nrows + 1, sizeof(**out))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r->nrows; i++)
		fill(r, i, &(*out)[i]);
	*n = r->nrows;
	return HZ_OK;
}

/* Fetches a unit without any scope check: internal use only. */
static enum hz_status
load(const struct hz_ctx *x, uint64_t id, struct hz_unit *u)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	fill(&r, 0, u);
	return HZ_OK;
}

enum hz_status
hz_unit_scoped(const struct hz_ctx *x, uint64_t id, enum hz_right right,
               struct hz_unit *u)
{
	enum hz_status rc;

	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if ((rc = load(x, id, u)))
		return rc;
	/* Read is the weakest right: without it here, it is not here. */
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ, u->path)))
		return rc == HZ_ERR_FORBIDDEN ? HZ_ERR_NOT_FOUND : rc;
	return right == HZ_RIGHT_UNIT_READ ? HZ_OK
	    : hz_authorize(x->caller, right, u->path);
}

enum hz_status
hz_building_scoped(const struct hz_ctx *x, uint64_t id, enum hz_right right,
                   struct hz_unit *u)
{
	enum hz_status rc;

	/* Kind before right: a group is no building, whatever one may do
	 * there. */
	if ((rc = hz_unit_scoped(x, id, HZ_RIGHT_UNIT_READ, u)))
		return rc;
	if (strcmp(u->kind, "building") != 0)
		return HZ_ERR_NOT_FOUND;
	return right == HZ_RIGHT_UNIT_READ ? HZ_OK
	    : hz_authorize(x->caller, right, u->path);
}

enum hz_status
hz_unit_load(const struct hz_ctx *x, uint64_t id, struct hz_unit *u)
{
	return load(x, id, u);
}

enum hz_status
hz_unit_village(const struct hz_ctx *x, struct hz_unit *u)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_VILLAGE, HZ_NO_ARGS,
	    &r)))
		return rc;
	return r.nrows ? load(x, HZ_ID(HZ_CELL(&r, 0, 0)), u)
	    : HZ_ERR_NOT_FOUND;
}

enum hz_status
hz_unit_get(const struct hz_ctx *x, uint64_t id, struct hz_unit *u)
{
	return hz_unit_scoped(x, id, HZ_RIGHT_UNIT_READ, u);
}

enum hz_status
hz_unit_children(const struct hz_ctx *x, uint64_t id, struct hz_unit **out,
                 size_t *n)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CHILDREN,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r)))
		return rc;
	return fill_all(x->arena, &r, out, n);
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
	struct hz_page page = { f->after, f->limit };
	struct hz_unit within, parent;
	struct hz_db_result r;
	char *like = NULL;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if (f->within != 0 && (rc = hz_unit_get(x, f->within, &within)))
		return rc;
	/* A parent outside the caller's scope is as absent as ?within=. */
	if (f->parent_id != 0 && (rc = hz_unit_get(x, f->parent_id, &parent)))
		return rc;
	if (f->q != NULL && (like = contains(x->arena, f->q)) == NULL)
		return HZ_ERR_NOMEM;
	struct hz_db_arg filters[] = {
		HZ_ARG_I64((long long)f->parent_id),
		HZ_ARG_I64((long long)f->parent_id),
		HZ_ARG_OPT_STR(f->kind), HZ_ARG_OPT_STR(f->kind),
		HZ_ARG_OPT_STR(like), HZ_ARG_OPT_STR(like),
		HZ_ARG_OPT_STR(like), HZ_ARG_OPT_STR(like),
	};
	if ((rc = hz_scope_page(x, HZ_RIGHT_UNIT_READ, f->within ? within.path
	    : NULL, &stmts, STMT_LIST, HZ_ARGV(filters), &page, &r, more)))
		return rc;
	return fill_all(x->arena, &r, out, n);
}

/* Field checks shared by create and update; NULL fields are skipped. */
static enum hz_status
check_fields(const struct hz_ctx *x, const struct hz_unit_input *in,
             bool building)
{
	const struct hz_unit_rules *R = &hz_unit_rules;

	if (!hz_rule_ok(&R->name, in->name, true))
		return hz_refuse_rule(x, "name", &R->name);
	if (!hz_rule_ok(&R->code, in->code, true))
		return hz_refuse_rule(x, "code", &R->code);
	if (!building && (in->lane || in->door_no || in->rooms || in->head_id))
		return hz_refuse(x, &building_only);
	if (!hz_rule_ok(&R->lane, in->lane, true))
		return hz_refuse_rule(x, "lane", &R->lane);
	if (!hz_rule_ok(&R->door_no, in->door_no, true))
		return hz_refuse_rule(x, "door_no", &R->door_no);
	if (!hz_rule_ok(&R->rooms, in->rooms, true))
		return hz_refuse_rule(x, "rooms", &R->rooms);
	return HZ_OK;
}

/* A building's head must be an enabled staff account. */
static enum hz_status
check_head(const struct hz_ctx *x, uint64_t head)
{
	struct hz_db_result r;
	enum hz_status rc;

	if (head == 0)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_STAFF,
	    HZ_ARGS(HZ_ARG_I64((long long)head)), &r)))
		return rc;
	return r.nrows == 1 && strcmp(HZ_CELL(&r, 0, 0)->s, "staff") == 0
	    ? HZ_OK : hz_refuse(x, &head_not_staff);
}

/* The head of a building holds building_head there. */
static enum hz_status
grant_head(const struct hz_ctx *x, uint64_t head, uint64_t unit)
{
	uint64_t id;
	enum hz_status rc = hz_role_grant(x, head, HZ_ROLE_BUILDING_HEAD, unit,
	    &id);

	if (rc != HZ_ERR_CONFLICT)
		return rc;
	hz_refuse_clear(x);     /* already the head there: nothing to do */
	return HZ_OK;
}

struct create_job {
	const struct hz_unit_input *in;
	const struct hz_unit       *parent;
	uint64_t                    id;
};

static enum hz_status
create_tx(const struct hz_ctx *x, void *p)
{
	struct create_job *j = p;
	const struct hz_unit_input *in = j->in;
	struct hz_db_result r;
	char detail[96];
	enum hz_status rc;

	rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGS(
	    j->parent ? HZ_ARG_I64((long long)j->parent->id) : HZ_ARG_NULL,
	    HZ_ARG_STR(in->kind), HZ_ARG_STR(in->name),
	    HZ_ARG_OPT_STR(in->code)), &r);
	if (rc == HZ_ERR_CONFLICT)
		return hz_refuse(x, &code_taken);
	if (rc)
		return rc;
	j->id = r.insert_id;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SET_PATH, HZ_ARGS(
	    HZ_ARG_STR(j->parent ? j->parent->path : "/"),
	    HZ_ARG_I64((long long)j->id)), NULL)))
		return rc;
	if (strcmp(in->kind, "building") == 0) {
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT_BUILDING,
		    HZ_ARGS(HZ_ARG_I64((long long)j->id), HZ_ARG_STR(in->lane),
		    HZ_ARG_STR(in->door_no), HZ_ARG_OPT_STR(in->rooms),
		    HZ_ARG_OPT_ID(in->head_id)), NULL);
		if (rc == HZ_ERR_CONFLICT)
			return hz_refuse(x, &address_taken);
		if (rc || (in->head_id && (rc = grant_head(x, in->head_id,
		    j->id))))
			return rc;
	}
	snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"parent_id\":%llu}",
	    in->kind, j->parent ? (unsigned long long)j->parent->id : 0ULL);
	return hz_audit(x, 0, "unit.create", "unit", j->id, detail);
}

/* Where a new unit hangs: the one village has no parent and is planted
 * by the command line only (a deployment serves one village, so "admin
 * anywhere" and "admin of everything" stay the same thing); every other
 * unit is a child of the kind above it, in the caller's write scope. */
static enum hz_status
check_parent(const struct hz_ctx *x, const struct hz_unit_input *in,
             struct hz_unit *parent, bool *has_parent)
{
	bool building = strcmp(in->kind, "building") == 0;
	const char *want;
	struct hz_db_result r;
	enum hz_status rc;

	*has_parent = in->parent_id != 0;
	if (!*has_parent) {
		if (x->caller != NULL || strcmp(in->kind, "village") != 0)
			return hz_refuse(x, building ? &no_group : &no_parent);
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_VILLAGES,
		    HZ_NO_ARGS, &r)))
			return rc;
		return HZ_CELL(&r, 0, 0)->i > 0 ? hz_refuse(x, &one_village)
		    : HZ_OK;
	}
	/* The command line (no caller) may plant anywhere. */
	rc = x->caller == NULL ? load(x, in->parent_id, parent)
	    : hz_unit_scoped(x, in->parent_id, HZ_RIGHT_UNIT_WRITE, parent);
	if (rc == HZ_ERR_NOT_FOUND)
		return hz_refuse(x, building ? &no_group : &no_parent);
	if (rc)
		return rc;
	want = hz_unit_child_kind(parent->kind);
	if (want == NULL || strcmp(want, in->kind) != 0)
		return hz_refuse(x, building ? &not_a_group : &wrong_kind);
	return HZ_OK;
}

enum hz_status
hz_unit_create(const struct hz_ctx *x, const struct hz_unit_input *in,
               uint64_t *id)
{
	struct create_job j = { in, NULL, 0 };
	struct hz_unit parent;
	bool building, has_parent;
	enum hz_status rc;

	*id = 0;
	if (!hz_unit_kind_valid(in->kind))
		return hz_refuse(x, &unknown_kind);
	building = strcmp(in->kind, "building") == 0;
	if ((rc = check_parent(x, in, &parent, &has_parent)))
		return rc;
	j.parent = has_parent ? &parent : NULL;
	if (in->name == NULL)
		return hz_refuse_rule(x, "name", &hz_unit_rules.name);
	if (building && (in->lane == NULL || in->door_no == NULL))
		return hz_refuse(x, &address_missing);
	if ((rc = check_fields(x, in, building)) ||
	    (rc = check_head(x, in->head_id)) ||
	    (rc = hz_tx(x, create_tx, &j)))
		return rc;
	*id = j.id;
	return HZ_OK;
}

/* A building handed to a new head: the old one keeps no rights there. */
static enum hz_status
drop_head(const struct hz_ctx *x, uint64_t head, uint64_t unit)
{
	struct hz_db_result r;
	char detail[96];
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_DROP_HEAD_ROLE,
	    HZ_ARGS(HZ_ARG_I64((long long)head), HZ_ARG_I64((long long)unit)),
	    &r)) || r.affected == 0)
		return rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BUMP_USER,
	    HZ_ARGS(HZ_ARG_I64((long long)head)), NULL)) ||
	    (rc = hz_phone_unpublish_unless_head(x, head)))
		return rc;
	snprintf(detail, sizeof(detail), "{\"role\":\"building_head\","
	    "\"unit_id\":%llu,\"user_id\":%llu}", (unsigned long long)unit,
	    (unsigned long long)head);
	return hz_audit(x, 0, "role.revoke", "user", head, detail);
}

struct update_job {
	const struct hz_unit_input *in;
	const struct hz_unit       *u;
};

static enum hz_status
update_tx(const struct hz_ctx *x, void *p)
{
	struct update_job *j = p;
	const struct hz_unit_input *in = j->in;
	struct hz_db_arg id = HZ_ARG_I64((long long)j->u->id);
	enum hz_status rc;

	rc = hz_db_run(x->db, x->arena, &stmts, STMT_UPDATE, HZ_ARGS(
	    HZ_ARG_OPT_STR(in->name), HZ_ARG_OPT_STR(in->code), id), NULL);
	if (rc == HZ_ERR_CONFLICT)
		return hz_refuse(x, &code_taken);
	if (rc || (in->name && (rc = hz_db_run(x->db, x->arena, &stmts,
	    STMT_BUMP_HOLDERS, HZ_ARGS(id), NULL))))
		return rc;
	if (strcmp(j->u->kind, "building") == 0) {
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_UPDATE_BUILDING,
		    HZ_ARGS(HZ_ARG_OPT_STR(in->lane),
		    HZ_ARG_OPT_STR(in->door_no), HZ_ARG_OPT_STR(in->rooms),
		    HZ_ARG_OPT_ID(in->head_id), id), NULL);
		if (rc == HZ_ERR_CONFLICT)
			return hz_refuse(x, &address_taken);
		if (rc)
			return rc;
		if (in->head_id && in->head_id != j->u->head_id &&
		    ((rc = grant_head(x, in->head_id, j->u->id)) ||
		    (j->u->head_id && (rc = drop_head(x, j->u->head_id,
		    j->u->id)))))
			return rc;
	}
	return hz_audit(x, 0, "unit.update", "unit", j->u->id, NULL);
}

enum hz_status
hz_unit_update(const struct hz_ctx *x, uint64_t id,
               const struct hz_unit_input *in)
{
	struct hz_unit u;
	struct update_job j = { in, &u };
	enum hz_status rc;

	if ((rc = in->kind != NULL && strcmp(in->kind, "building") == 0
	    ? hz_building_scoped(x, id, HZ_RIGHT_UNIT_WRITE, &u)
	    : hz_unit_scoped(x, id, HZ_RIGHT_UNIT_WRITE, &u)))
		return rc;
	if ((rc = check_fields(x, in, strcmp(u.kind, "building") == 0)) ||
	    (rc = check_head(x, in->head_id)))
		return rc;
	return hz_tx(x, update_tx, &j);
}

enum hz_status
hz_unit_public(const struct hz_ctx *x, uint64_t id, struct hz_unit *u)
{
	return load(x, id, u);
}

enum hz_status
hz_unit_bump_serial(const struct hz_ctx *x, uint64_t id, unsigned *serial)
{
	struct hz_unit u;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BUMP_SERIAL,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), NULL)) ||
	    (rc = load(x, id, &u)))
		return rc;
	*serial = u.qr_serial;
	return HZ_OK;
}

const char *
hz_building_address(hz_arena *a, const struct hz_unit *b)
{
	return hz_arena_printf(a, "%s%s号", b->lane ? b->lane : "",
	    b->door_no ? b->door_no : "");
}

uint64_t
hz_unit_id_by_code(const struct hz_ctx *x, const char *code)
{
	struct hz_db_result r;

	if (hz_db_run(x->db, x->arena, &stmts, STMT_BY_CODE,
	    HZ_ARGS(HZ_ARG_STR(code)), &r) || r.nrows == 0)
		return 0;
	return HZ_ID(HZ_CELL(&r, 0, 0));
}

long long
hz_unit_count(const struct hz_ctx *x)
{
	struct hz_db_result r;

	if (hz_db_run(x->db, x->arena, &stmts, STMT_COUNT, HZ_NO_ARGS, &r))
		return -1;
	return HZ_CELL(&r, 0, 0)->i;
}
