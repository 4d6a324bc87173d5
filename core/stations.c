#include <string.h>

#include "audit.h"
#include "stations.h"

#define STATION_ROW(C, L) \
	C(S_ID, "s.id") C(S_UNIT, "s.unit_id") C(S_UNIT_NAME, "u.name") \
	C(S_KIND, "s.kind") L(S_NAME, "s.name")
enum { STATION_ROW(HZ_COL_ENUM, HZ_COL_ENUM) S__NCOLS };

enum { STMT_INSERT, STMT_LIST, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO stations (unit_id, kind, name) VALUES (?, ?, ?)",
	[STMT_LIST] =
	    "SELECT " STATION_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) " FROM stations s"
	    " JOIN units u ON u.id = s.unit_id ORDER BY s.id LIMIT 500",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("stations", sql);

const char *const hz_station_kinds[] = { "culture", "elderly_care",
    "women_children", NULL };

const struct hz_station_rules hz_station_rules = {
	.kind = { HZ_F_ENUM, 0, 0, NULL, hz_station_kinds },
	.name = { HZ_F_STRING, 1, 100, "站点名称须为 1 至 100 个字" },
};

bool
hz_station_kind_valid(const char *k)
{
	return hz_rule_ok(&hz_station_rules.kind, k, false);
}

static const struct hz_refusal name_taken = { HZ_ERR_CONFLICT, "conflict",
    "name", "该单位已有同名站点，请换一个名称" };

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
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);

		(*out)[i].id = HZ_ID(&c[S_ID]);
		(*out)[i].unit_id = HZ_ID(&c[S_UNIT]);
		(*out)[i].unit_name = c[S_UNIT_NAME].s;
		(*out)[i].kind = c[S_KIND].s;
		(*out)[i].name = c[S_NAME].s;
	}
	*n = r.nrows;
	return HZ_OK;
}
