#include <string.h>

#include "csv.h"
#include "importer.h"
#include "units.h"
#include "users.h"

struct job {
	const struct hz_ctx     *x;
	const char              *uname, *bname;
	struct hz_csv            u, b;
	FILE                    *progress;
	struct hz_import_result *res;
};

static void
error(struct hz_import_result *r, const char *file, size_t line,
      const char *column, const char *reason)
{
	if (r->nerr < sizeof(r->errs) / sizeof(r->errs[0])) {
		struct hz_import_error *e = &r->errs[r->nerr];
		e->file = file;
		e->line = line;
		e->column = column;
		e->reason = reason;
	}
	r->nerr++;
}

/* Column positions from the header; -1 where missing. */
static bool
columns(struct job *j, const char *file, const struct hz_csv *c,
        const char *const *names, int *pos, size_t n)
{
	bool ok = true;

	if (c->nrows == 0) {
		error(j->res, file, 1, NULL, "文件为空，缺少表头");
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		pos[k] = -1;
		for (size_t i = 0; i < c->rows[0].n; i++)
			if (strcmp(c->rows[0].f[i], names[k]) == 0)
				pos[k] = (int)i;
		if (pos[k] < 0) {
			error(j->res, file, c->rows[0].line, names[k],
			    "表头缺少此列");
			ok = false;
		}
	}
	return ok;
}

static const char *
cell(const struct hz_csv_row *r, int pos)
{
	return pos >= 0 && (size_t)pos < r->n ? r->f[pos] : "";
}

/* A cell to quote back in a message: control characters (a terminal's
 * escape sequences among them) become '?'. */
static const char *
shown(hz_arena *a, const char *s)
{
	char *c = hz_arena_strdup(a, s);

	for (char *p = c; p != NULL && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c ? c : "";
}

static const char *
empty_null(const char *s)
{
	return s[0] ? s : NULL;
}

/* A field named in a refusal of hz_unit_create, as a column of the file
 * being read. */
static const char *
column_of(const char *field, bool buildings)
{
	static const struct { const char *field, *units, *buildings; } m[] = {
		{ "parent_id", "parent_code", "group_code" },
		{ "group_id", "parent_code", "group_code" },
		{ "head_id", NULL, "head_username" },
		/* The head's building_head role was refused. */
		{ "role", NULL, "head_username" },
	};

	for (size_t i = 0; field != NULL && i < sizeof(m) / sizeof(*m); i++)
		if (strcmp(m[i].field, field) == 0)
			return buildings ? m[i].buildings : m[i].units;
	return field;
}

/* Creates one unit; a refusal becomes an error on its line, in the same
 * words the API uses. Other failures end the import. */
static enum hz_status
create(struct job *j, const char *file, size_t line,
       const struct hz_unit_input *in, bool buildings, bool *ok)
{
	struct hz_refusal why = { 0 };
	struct hz_ctx x = *j->x;
	const struct hz_refusal *r;
	uint64_t id;
	enum hz_status rc;

	x.why = &why;
	rc = hz_unit_create(&x, in, &id);
	*ok = rc == HZ_OK;
	if ((r = hz_refusal_of(&x, rc)) == NULL)
		return rc;
	error(j->res, file, line, column_of(r->field, buildings), r->message);
	return HZ_OK;
}

static enum hz_status
import_units(struct job *j)
{
	static const char *const names[] = { "code", "parent_code", "kind",
	    "name" };
	int pos[4];
	enum hz_status rc;

	if (!columns(j, j->uname, &j->u, names, pos, 4))
		return HZ_OK;
	for (size_t i = 1; i < j->u.nrows; i++) {
		const struct hz_csv_row *r = &j->u.rows[i];
		const char *parent = cell(r, pos[1]);
		struct hz_unit_input in = {
			.kind = cell(r, pos[2]), .name = cell(r, pos[3]),
			.code = cell(r, pos[0]),
		};
		bool ok;

		if (in.code[0] == '\0') {
			error(j->res, j->uname, r->line, "code", "编码不能为空");
			continue;
		}
		if (strcmp(in.kind, "building") == 0) {
			error(j->res, j->uname, r->line, "kind",
			    "楼栋请写在 buildings.csv 中");
			continue;
		}
		if (parent[0] && (in.parent_id = hz_unit_id_by_code(j->x,
		    parent)) == 0) {
			error(j->res, j->uname, r->line, "parent_code",
			    hz_arena_printf(j->x->arena, "上级单位编码 %s 不存在"
			    "（上级须写在前面，或已导入）",
			    shown(j->x->arena, parent)));
			continue;
		}
		if (!parent[0] && strcmp(in.kind, "village") != 0) {
			error(j->res, j->uname, r->line, "parent_code",
			    "只有村没有上级：请填写上级单位编码");
			continue;
		}
		if ((rc = create(j, j->uname, r->line, &in, false, &ok)))
			return rc;
		if (ok && ++j->res->units % 1000 == 0 && j->progress)
			fprintf(j->progress, "units: %zu/%zu\n", j->res->units,
			    j->u.nrows - 1);
	}
	return HZ_OK;
}

static enum hz_status
import_buildings(struct job *j)
{
	static const char *const names[] = { "code", "group_code", "name",
	    "lane", "door_no", "rooms", "head_username" };
	int pos[7];
	enum hz_status rc;

	if (!columns(j, j->bname, &j->b, names, pos, 7))
		return HZ_OK;
	for (size_t i = 1; i < j->b.nrows; i++) {
		const struct hz_csv_row *r = &j->b.rows[i];
		const char *group = cell(r, pos[1]), *head = cell(r, pos[6]);
		struct hz_unit_input in = {
			.kind = "building", .code = cell(r, pos[0]),
			.name = cell(r, pos[2]), .lane = cell(r, pos[3]),
			.door_no = cell(r, pos[4]),
			.rooms = empty_null(cell(r, pos[5])),
		};
		bool ok;

		if (in.code[0] == '\0') {
			error(j->res, j->bname, r->line, "code", "编码不能为空");
			continue;
		}
		if ((in.parent_id = hz_unit_id_by_code(j->x, group)) == 0) {
			error(j->res, j->bname, r->line, "group_code",
			    hz_arena_printf(j->x->arena, "户组编码 %s 不存在"
			    "（须在 units.csv 中或已导入）",
			    shown(j->x->arena, group)));
			continue;
		}
		if (head[0] && (in.head_id = hz_user_id_by_username(j->x,
		    head)) == 0) {
			error(j->res, j->bname, r->line, "head_username",
			    hz_arena_printf(j->x->arena, "栋长账号 %s 不存在"
			    "（先用 huzu user add 建立）",
			    shown(j->x->arena, head)));
			continue;
		}
		if ((rc = create(j, j->bname, r->line, &in, true, &ok)))
			return rc;
		if (ok && ++j->res->buildings % 1000 == 0 && j->progress)
			fprintf(j->progress, "buildings: %zu/%zu\n",
			    j->res->buildings, j->b.nrows - 1);
	}
	return HZ_OK;
}

static enum hz_status
import_tx(const struct hz_ctx *x, void *p)
{
	struct job *j = p;
	enum hz_status rc;

	j->x = x;    /* the transaction's context */
	j->res->units = j->res->buildings = j->res->nerr = 0;
	if ((rc = import_units(j)) || (rc = import_buildings(j)))
		return rc;
	/* Any error: roll everything back. */
	return j->res->nerr ? HZ_ERR_INVALID : HZ_OK;
}

enum hz_status
hz_import(const struct hz_ctx *x, const char *uname, const char *units,
          size_t ulen, const char *bname, const char *buildings, size_t blen,
          FILE *progress, struct hz_import_result *res)
{
	struct job j = { x, uname, bname, { 0, NULL }, { 0, NULL }, progress,
	    res };
	const char *why;
	size_t line;

	memset(res, 0, sizeof(*res));
	if (hz_csv_parse(x->arena, units, ulen, &j.u, &line, &why)) {
		error(res, uname, line, NULL, why);
		return HZ_ERR_INVALID;
	}
	if (hz_csv_parse(x->arena, buildings, blen, &j.b, &line, &why)) {
		error(res, bname, line, NULL, why);
		return HZ_ERR_INVALID;
	}
	return hz_tx(x, import_tx, &j);
}
