#include <string.h>

#include "audit.h"
#include "stations.h"
#include "utf8.h"

enum { STMT_INSERT, STMT_LIST, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO stations (unit_id, kind, name) VALUES (?, ?, ?)",
	[STMT_LIST] =
	    "SELECT s.id, s.unit_id, u.name, s.kind, s.name FROM stations s"
	    " JOIN units u ON u.id = s.unit_id ORDER BY s.id LIMIT 500",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("stations", sql);

bool
hz_station_kind_valid(const char *k)
{
	return k != NULL && (strcmp(k, "culture") == 0 ||
	    strcmp(k, "elderly_care") == 0 || strcmp(k, "women_children") == 0);
}

enum hz_status
hz_station_create(const struct hz_ctx *x, uint64_t unit_id, const char *kind,
                  const char *name, uint64_t *id)
{
	long n = hz_utf8_count(name, strlen(name));
	struct hz_db_result r;
	enum hz_status rc;

	if (x->caller != NULL)
		return HZ_ERR_FORBIDDEN;
	if (!hz_station_kind_valid(kind) || n < 1 || n > 100)
		return HZ_ERR_INVALID;
	struct hz_db_arg args[] = {
		HZ_ARG_I64((long long)unit_id), HZ_ARG_STR(kind),
		HZ_ARG_STR(name),
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGV(args), &r)))
		return rc;
	*id = r.insert_id;
	return hz_audit(x, 0, "station.create", "station", *id, NULL);
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
		(*out)[i].id = (uint64_t)HZ_CELL(&r, i, 0)->i;
		(*out)[i].unit_id = (uint64_t)HZ_CELL(&r, i, 1)->i;
		(*out)[i].unit_name = HZ_CELL(&r, i, 2)->s;
		(*out)[i].kind = HZ_CELL(&r, i, 3)->s;
		(*out)[i].name = HZ_CELL(&r, i, 4)->s;
	}
	*n = r.nrows;
	return HZ_OK;
}
