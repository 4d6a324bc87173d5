#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "policy.h"
#include "qr.h"
#include "scan.h"
#include "stations.h"

#define STATION_ROW(C, L) \
	C(S_ID, "s.id") C(S_UNIT, "s.unit_id") C(S_UNIT_NAME, "u.name") \
	C(S_UNIT_PATH, "u.path") C(S_KIND, "s.kind") C(S_NAME, "s.name") \
	C(S_ADDRESS, "s.address") C(S_HOURS, "s.opening_hours") \
	C(S_PHONE, "s.phone") \
	C(S_DESCRIPTION, "s.description") C(S_MANAGER, "s.manager_user_id") \
	C(S_MANAGER_NAME, "m.display_name") L(S_SERIAL, "s.qr_serial")
enum { STATION_ROW(HZ_COL_ENUM, HZ_COL_ENUM) S__NCOLS };

#define FROM_STATIONS " FROM stations s JOIN units u ON u.id = s.unit_id" \
	" LEFT JOIN users m ON m.id = s.manager_user_id"

enum { STMT_INSERT, STMT_LIST, STMT_GET, STMT_UPDATE, STMT_MANAGER_OK,
       STMT_SET_MANAGER, STMT_USER_BY_NAME, STMT_FIND, STMT_ROTATE,
       STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO stations (unit_id, kind, name) VALUES (?, ?, ?)",
	[STMT_LIST] =
	    "SELECT " STATION_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) FROM_STATIONS
	    " ORDER BY s.id LIMIT 500",
	[STMT_GET] =
	    "SELECT " STATION_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) FROM_STATIONS
	    " WHERE s.id = ?",
	/* COALESCE keeps what is not given; '' clears the optional ones. */
	[STMT_UPDATE] =
	    "UPDATE stations SET name = COALESCE(?, name),"
	    " address = IF(? IS NULL, address, NULLIF(?, '')),"
	    " opening_hours = IF(? IS NULL, opening_hours, NULLIF(?, '')),"
	    " phone = IF(? IS NULL, phone, NULLIF(?, '')),"
	    " description = IF(? IS NULL, description, NULLIF(?, ''))"
	    " WHERE id = ?",
	/* The would-be manager holds the role at or above the station. */
	[STMT_MANAGER_OK] =
	    "SELECT 1 FROM role_assignments r JOIN units u ON u.id = r.unit_id"
	    " JOIN users p ON p.id = r.user_id"
	    " WHERE r.user_id = ? AND r.role = 'station_manager'"
	    " AND p.disabled = 0 AND ? LIKE CONCAT(u.path, '%') LIMIT 1",
	[STMT_SET_MANAGER] =
	    "UPDATE stations SET manager_user_id = ? WHERE id = ?",
	[STMT_FIND] =
	    "SELECT id FROM stations WHERE unit_id = ? AND name = ?",
	[STMT_ROTATE] =
	    "UPDATE stations SET qr_serial = qr_serial + 1 WHERE id = ?",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("stations", sql);

const char *const hz_station_kinds[] = { "culture", "elderly_care",
    "women_children", NULL };

const struct hz_station_rules hz_station_rules = {
	.kind = { HZ_F_ENUM, 0, 0, NULL, hz_station_kinds },
	.name = { HZ_F_STRING, 1, 100, "站点名称须为 1 至 100 个字" },
	.address = { HZ_F_STRING, 0, 200, "地址最多 200 个字" },
	.opening_hours = { HZ_F_STRING, 0, 200, "开放时间最多 200 个字" },
	.phone = { HZ_F_STRING, 0, 20, "联系电话只能有数字、空格和“-”，最多 20 位，"
	    "如 020-12345678", NULL, 0, NULL, "0123456789- " },
	.description = { HZ_F_STRING, 0, 1000, "介绍最多 1000 个字", NULL,
	    HZ_MULTILINE },
	/* 0: the station has no manager (its admins run it). */
	.manager = { HZ_F_INT, 0, HZ_ID_MAX,
	    "应为站长的用户编号；0 表示不设站长" },
};

static const struct hz_refusal
    name_taken = { HZ_ERR_CONFLICT, "conflict", "name",
	"该单位已有同名站点，请换一个名称" },
    no_station = { HZ_ERR_NOT_FOUND, "not_found", NULL,
	"没有找到这个站点，请返回站点列表重新选择" },
    not_a_manager = { HZ_ERR_INVALID, "validation_failed", "manager_id",
	"此人不是站点管理员：请先在站点所在单位或其上级为其分配“站点管理员”角色" },
    manager_admin_only = { HZ_ERR_FORBIDDEN, "forbidden", "manager_id",
	"只有管理员可以更换站点负责人" },
    qr_invalid = { HZ_ERR_NOT_FOUND, "qr_invalid", NULL,
	"无法识别此二维码，请确认扫描的是站点张贴的二维码" },
    qr_expired = { HZ_ERR_GONE, "qr_expired", NULL,
	"此二维码已作废，请扫描站点张贴的新二维码" };

bool
hz_station_kind_valid(const char *k)
{
	return hz_rule_ok(&hz_station_rules.kind, k, false);
}

/* An admin above the station, or the station's named manager holding the
 * manager's role above it: a station manager's right reaches only the
 * stations that name them. */
bool
hz_station_manages(const struct hz_caller *c, const struct hz_station *s)
{
	for (size_t i = 0; c != NULL && i < c->ngrants; i++) {
		const struct hz_grant *g = &c->grants[i];

		if (!hz_path_under(s->unit_path, g->unit_path) ||
		    !hz_role_has(g->role, HZ_RIGHT_STATION_MANAGE))
			continue;
		if (g->role != HZ_ROLE_STATION_MANAGER ||
		    s->manager_id == c->id)
			return true;
	}
	return false;
}

static void
station_of(const struct hz_ctx *x, const struct hz_db_cell *c,
           struct hz_station *s)
{
	*s = (struct hz_station){
		.id = HZ_ID(&c[S_ID]),
		.unit_id = HZ_ID(&c[S_UNIT]),
		.unit_name = c[S_UNIT_NAME].s,
		.unit_path = c[S_UNIT_PATH].s,
		.kind = c[S_KIND].s,
		.name = c[S_NAME].s,
		.address = HZ_TEXT(&c[S_ADDRESS]),
		.opening_hours = HZ_TEXT(&c[S_HOURS]),
		.phone = HZ_TEXT(&c[S_PHONE]),
		.description = HZ_TEXT(&c[S_DESCRIPTION]),
		.manager_id = HZ_ID(&c[S_MANAGER]),
		.manager_name = HZ_TEXT(&c[S_MANAGER_NAME]),
		.qr_serial = (unsigned)c[S_SERIAL].i,
	};
	s->can_manage = hz_station_manages(x->caller, s);
}

struct station_job {
	uint64_t    unit;
	const char *kind, *name;
	uint64_t    id;
};

/* The station and its audit row, together. */
static enum hz_status
station_tx(const struct hz_ctx *x, void *p)
{
	struct station_job *j = p;
	struct hz_db_result r;
	enum hz_status rc;

	rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGS(
	    HZ_ARG_I64((long long)j->unit), HZ_ARG_STR(j->kind),
	    HZ_ARG_STR(j->name)), &r);
	if (rc == HZ_ERR_CONFLICT)
		return hz_refuse(x, &name_taken);
	if (rc)
		return rc;
	j->id = r.insert_id;
	return hz_audit(x, 0, "station.create", "station", j->id, NULL);
}

enum hz_status
hz_station_create(const struct hz_ctx *x, uint64_t unit_id, const char *kind,
                  const char *name, uint64_t *id)
{
	struct station_job j = { unit_id, kind, name, 0 };
	enum hz_status rc;

	if (x->caller != NULL)
		return HZ_ERR_FORBIDDEN;
	if (!hz_rule_ok(&hz_station_rules.kind, kind, false))
		return hz_refuse_rule(x, "kind", &hz_station_rules.kind);
	if (!hz_rule_ok(&hz_station_rules.name, name, false))
		return hz_refuse_rule(x, "name", &hz_station_rules.name);
	if ((rc = hz_tx(x, station_tx, &j)))
		return rc;
	*id = j.id;
	return HZ_OK;
}

enum hz_status
hz_stations_list(const struct hz_ctx *x, struct hz_station **out, size_t *n)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LIST, HZ_NO_ARGS, &r)))
		return rc;
	if ((*out = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(**out)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		station_of(x, HZ_CELL(&r, i, 0), &(*out)[i]);
	*n = r.nrows;
	return HZ_OK;
}

enum hz_status
hz_station_get(const struct hz_ctx *x, uint64_t id, struct hz_station *s)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r)))
		return rc;
	if (r.nrows == 0)
		return hz_refuse(x, &no_station);
	station_of(x, HZ_CELL(&r, 0, 0), s);
	return HZ_OK;
}

enum hz_status
hz_station_managed(const struct hz_ctx *x, uint64_t id, struct hz_station *s)
{
	enum hz_status rc;

	if ((rc = hz_station_get(x, id, s)))
		return rc;
	/* No caller: the operator at the command line. */
	return s->can_manage || x->caller == NULL ? HZ_OK
	    : hz_refuse(x, &no_station);
}

struct edit_job {
	uint64_t                      id;
	const struct hz_station_edit *e;
	struct hz_station            *out;
};

static enum hz_status
update_tx(const struct hz_ctx *x, void *p)
{
	struct edit_job *j = p;
	const struct hz_station_edit *e = j->e;
	struct hz_db_result r;
	enum hz_status rc;

	rc = hz_db_run(x->db, x->arena, &stmts, STMT_UPDATE, HZ_ARGS(
	    HZ_ARG_OPT_STR(e->name),
	    HZ_ARG_OPT_STR(e->address), HZ_ARG_OPT_STR(e->address),
	    HZ_ARG_OPT_STR(e->opening_hours), HZ_ARG_OPT_STR(e->opening_hours),
	    HZ_ARG_OPT_STR(e->phone), HZ_ARG_OPT_STR(e->phone),
	    HZ_ARG_OPT_STR(e->description), HZ_ARG_OPT_STR(e->description),
	    HZ_ARG_I64((long long)j->id)), NULL);
	if (rc == HZ_ERR_CONFLICT)
		return hz_refuse(x, &name_taken);
	if (rc)
		return rc;
	if (e->set_manager) {
		if (e->manager_id != 0) {
			if ((rc = hz_db_run(x->db, x->arena, &stmts,
			    STMT_MANAGER_OK, HZ_ARGS(
			    HZ_ARG_I64((long long)e->manager_id),
			    HZ_ARG_STR(j->out->unit_path)), &r)))
				return rc;
			if (r.nrows == 0)
				return hz_refuse(x, &not_a_manager);
		}
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SET_MANAGER,
		    HZ_ARGS(HZ_ARG_OPT_ID(e->manager_id),
		    HZ_ARG_I64((long long)j->id)), NULL)))
			return rc;
	}
	return hz_audit(x, 0, "station.update", "station", j->id,
	    e->set_manager ? hz_arena_printf(x->arena, "{\"manager_id\":%llu}",
	    (unsigned long long)e->manager_id) : NULL);
}

/* Only an admin above the station names its manager. */
static bool
admin_over(const struct hz_caller *c, const struct hz_station *s)
{
	for (size_t i = 0; c != NULL && i < c->ngrants; i++)
		if (c->grants[i].role == HZ_ROLE_ADMIN &&
		    hz_path_under(s->unit_path, c->grants[i].unit_path))
			return true;
	return false;
}

enum hz_status
hz_station_update(const struct hz_ctx *x, uint64_t id,
                  const struct hz_station_edit *e, struct hz_station *out)
{
	const struct hz_station_rules *R = &hz_station_rules;
	struct edit_job j = { id, e, out };
	enum hz_status rc;

	if (!hz_rule_ok(&R->name, e->name, true))
		return hz_refuse_rule(x, "name", &R->name);
	if (!hz_rule_ok(&R->address, e->address, true))
		return hz_refuse_rule(x, "address", &R->address);
	if (!hz_rule_ok(&R->opening_hours, e->opening_hours, true))
		return hz_refuse_rule(x, "opening_hours", &R->opening_hours);
	if (!hz_rule_ok(&R->phone, e->phone, true))
		return hz_refuse_rule(x, "phone", &R->phone);
	if (!hz_rule_ok(&R->description, e->description, true))
		return hz_refuse_rule(x, "description", &R->description);
	if ((rc = hz_station_managed(x, id, out)))
		return rc;
	if (e->set_manager && x->caller != NULL && !admin_over(x->caller, out))
		return hz_refuse(x, &manager_admin_only);
	if ((rc = hz_tx(x, update_tx, &j)))
		return rc;
	return hz_station_get(x, id, out);
}

enum hz_status
hz_station_find(const struct hz_ctx *x, uint64_t unit_id, const char *name,
                uint64_t *id)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_FIND, HZ_ARGS(
	    HZ_ARG_I64((long long)unit_id), HZ_ARG_STR(name)), &r)))
		return rc;
	if (r.nrows == 0)
		return hz_refuse(x, &no_station);
	*id = HZ_ID(HZ_CELL(&r, 0, 0));
	return HZ_OK;
}

/* --- The station's code. --- */

static enum hz_status
poster_of(const struct hz_ctx *x, const struct hz_station *s,
          struct hz_station_poster *p)
{
	p->station = *s;
	return hz_poster_code(x, HZ_QR_STATION, s->id, s->qr_serial, &p->url,
	    p->check_code);
}

enum hz_status
hz_station_poster(const struct hz_ctx *x, uint64_t id,
                  struct hz_station_poster *p)
{
	struct hz_station s;
	enum hz_status rc;

	if ((rc = hz_station_managed(x, id, &s)))
		return rc;
	return poster_of(x, &s, p);
}

static enum hz_status
rotate_tx(const struct hz_ctx *x, void *p)
{
	const uint64_t *id = p;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ROTATE,
	    HZ_ARGS(HZ_ARG_I64((long long)*id)), NULL)))
		return rc;
	return hz_audit(x, 0, "station.qr_rotate", "station", *id, NULL);
}

enum hz_status
hz_station_qr_rotate(const struct hz_ctx *x, uint64_t id,
                     struct hz_station_poster *p)
{
	struct hz_station s;
	enum hz_status rc;

	if ((rc = hz_station_managed(x, id, &s)) ||
	    (rc = hz_tx(x, rotate_tx, &id)) ||
	    (rc = hz_station_get(x, id, &s)))
		return rc;
	return poster_of(x, &s, p);
}

bool
hz_token_is_station(const struct hz_ctx *x, const char *token)
{
	enum hz_qr_kind kind;
	uint64_t id;
	uint32_t serial;

	return hz_qr_verify(&x->keys->qr, token, &kind, &id, &serial) == HZ_OK &&
	    kind == HZ_QR_STATION;
}

enum hz_status
hz_station_resolve(const struct hz_ctx *x, const char *token,
                   struct hz_station *s)
{
	enum hz_qr_kind kind;
	uint64_t id;
	uint32_t serial;
	enum hz_status rc;

	if (hz_qr_verify(&x->keys->qr, token, &kind, &id, &serial) != HZ_OK ||
	    kind != HZ_QR_STATION)
		return hz_refuse(x, &qr_invalid);
	rc = hz_station_get(x, id, s);
	if (rc == HZ_ERR_NOT_FOUND)
		return hz_refuse(x, &qr_invalid);
	if (rc)
		return rc;
	if (serial != s->qr_serial)
		return hz_refuse(x, &qr_expired);
	return HZ_OK;
}
