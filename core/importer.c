#include <string.h>

#include "csv.h"
#include "importer.h"
#include "units.h"
#include "users.h"

/* A unit as the files describe it, by code: what a row is compared with
 * when its code exists already. */
#define HAVE_ROW(C, L) \
	C(H_ID, "u.id") C(H_KIND, "u.kind") C(H_NAME, "u.name") \
	C(H_PARENT, "p.code") C(H_LANE, "b.lane") C(H_DOOR, "b.door_no") \
	C(H_ROOMS, "b.rooms") L(H_HEAD, "h.username")
enum { HAVE_ROW(HZ_COL_ENUM, HZ_COL_ENUM) H__NCOLS };

enum {
	STMT_VILLAGE, STMT_STAFF_COUNT, STMT_HAVE_ALL, STMT_USERS_ALL,
	STMT_HELD, STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* The village: the one unit without a parent (a deployment has one;
	 * the test fixture's root is its own parent). */
	[STMT_VILLAGE] = "SELECT id, code, name FROM units"
	    " WHERE parent_id IS NULL ORDER BY id LIMIT 1",
	[STMT_STAFF_COUNT] = "SELECT COUNT(*) FROM users WHERE kind = 'staff'",
	/* Every unit with a code and every staff account, read once: an
	 * import looks its rows up here rather than asking per row. */
	[STMT_HAVE_ALL] = "SELECT " HAVE_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    ", u.code FROM units u LEFT JOIN units p ON p.id = u.parent_id"
	    " LEFT JOIN buildings b ON b.unit_id = u.id"
	    " LEFT JOIN users h ON h.id = b.head_user_id"
	    " WHERE u.code IS NOT NULL",
	[STMT_USERS_ALL] = "SELECT id, display_name, username FROM users"
	    " WHERE kind = 'staff'",
	[STMT_HELD] = "SELECT COUNT(*) FROM role_assignments"
	    " WHERE user_id = ? AND role = ? AND unit_id = ?",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("importer", sql);

static const struct hz_refusal not_empty = { HZ_ERR_CONFLICT, "not_empty",
	NULL, "系统已经初始化过（已有村或工作人员账号）" };

/* The columns of each file, in the order the code reads them. */
static const char *const units_cols[] = { "code", "parent_code", "kind",
    "name" };
enum { U_CODE, U_PARENT, U_KIND, U_NAME, U__N };
static const char *const buildings_cols[] = { "code", "group_code", "name",
    "lane", "door_no", "rooms", "head_username" };
enum { B_CODE, B_GROUP, B_NAME, B_LANE, B_DOOR, B_ROOMS, B_HEAD, B__N };
static const char *const staff_cols[] = { "username", "display_name", "role",
    "unit_code" };
enum { S_USER, S_NAME, S_ROLE, S_UNIT, S__N };

#define NCOLS_MAX 7

struct file {
	const struct hz_import_file *in;
	const char *const           *names;
	size_t                       ncols;
	bool                         need_rows;
	struct hz_csv                csv;
	int                          pos[NCOLS_MAX];
};

/* Codes and usernames of lines that failed: the lines that depend on
 * them are not checked (knock_on), so one bad group is one error. */
struct failed {
	const char **s;
	size_t       n, cap;
};

/* A code or username this import has met, with the line it was first
 * on (and for a username the display name): a repeat is named by it. */
struct seen {
	const char *key, *name;
	size_t      line;       /* 0: in the database, not met yet */
	uint64_t    id;         /* 0: not created (yet) */
	size_t      row;        /* the database's: its row in have */
	bool        db;
};

struct seen_set {
	struct seen *e;
	size_t       cap;    /* a power of two, at least twice the rows */
};

struct job {
	const struct hz_ctx     *x;
	struct file              u, b, s;
	bool                     staff;
	struct failed            bad;
	struct seen_set          codes, users;
	struct hz_db_result      have;      /* STMT_HAVE_ALL */
	size_t                  *later;     /* staff rows granted after buildings */
	size_t                   nlater;
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

/* kind: 'u' a unit code, 's' a username. */
static void
fail(struct job *j, char kind, const char *key)
{
	if (key[0] == '\0')
		return;
	if (j->bad.n == j->bad.cap) {
		size_t ncap = j->bad.cap ? j->bad.cap * 2 : 16;
		const char **g = hz_arena_calloc(j->x->arena, ncap, sizeof(*g));
		if (g == NULL)
			return;
		if (j->bad.n)
			memcpy(g, j->bad.s, j->bad.n * sizeof(*g));
		j->bad.s = g;
		j->bad.cap = ncap;
	}
	j->bad.s[j->bad.n++] = hz_arena_printf(j->x->arena, "%c%s", kind, key);
}

static bool
failed(const struct job *j, char kind, const char *key)
{
	for (size_t i = 0; key[0] && i < j->bad.n; i++)
		if (j->bad.s[i][0] == kind && strcmp(j->bad.s[i] + 1, key) == 0)
			return true;
	return false;
}

static bool
seen_init(hz_arena *a, struct seen_set *t, size_t rows)
{
	t->cap = 16;
	while (t->cap < 2 * rows)
		t->cap *= 2;
	t->e = hz_arena_calloc(a, t->cap, sizeof(*t->e));
	return t->e != NULL;
}

/* The entry for key: the one met before, or a new one (key NULL). */
static struct seen *
seen_slot(struct seen_set *t, const char *key)
{
	size_t h = 5381;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = h * 33 + *p;
	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
		if (t->e[i].key == NULL || strcmp(t->e[i].key, key) == 0)
			return &t->e[i];
}

/* The id of the unit `code`: known to the import, else asked. */
static uint64_t
unit_id(const struct job *j, const char *code)
{
	struct seen *e = seen_slot((struct seen_set *)&j->codes, code);

	return e->key != NULL && e->id != 0 ? e->id
	    : hz_unit_id_by_code(j->x, code);
}

static uint64_t
user_id(const struct job *j, const char *username)
{
	struct seen *e = seen_slot((struct seen_set *)&j->users, username);

	return e->key != NULL && e->id != 0 ? e->id
	    : hz_user_id_by_username(j->x, username);
}

/* The units and staff the database has, in codes and users. */
static enum hz_status
preload(struct job *j)
{
	struct hz_db_result q;
	enum hz_status rc;

	if ((rc = hz_db_run(j->x->db, j->x->arena, &stmts, STMT_HAVE_ALL,
	    HZ_NO_ARGS, &j->have)) ||
	    (rc = hz_db_run(j->x->db, j->x->arena, &stmts, STMT_USERS_ALL,
	    HZ_NO_ARGS, &q)))
		return rc;
	if (!seen_init(j->x->arena, &j->codes, j->u.csv.nrows +
	    j->b.csv.nrows + j->have.nrows) ||
	    !seen_init(j->x->arena, &j->users, j->s.csv.nrows + q.nrows))
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < j->have.nrows; i++) {
		const char *code = HZ_TEXT(HZ_CELL(&j->have, i, H__NCOLS));
		struct seen *e = seen_slot(&j->codes, code);

		*e = (struct seen){ .key = code, .id = HZ_ID(HZ_CELL(&j->have,
		    i, H_ID)), .row = i, .db = true };
	}
	for (size_t i = 0; i < q.nrows; i++) {
		const char *u = HZ_TEXT(HZ_CELL(&q, i, 2));
		struct seen *e = seen_slot(&j->users, u);

		*e = (struct seen){ .key = u, .name = HZ_TEXT(HZ_CELL(&q, i, 1)),
		    .id = HZ_ID(HZ_CELL(&q, i, 0)), .db = true };
	}
	return HZ_OK;
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

/* Spaces a spreadsheet leaves around a value: ASCII ones and the
 * ideographic space U+3000. */
static const char *
trim(hz_arena *a, const char *s)
{
	size_t n;

	for (;;) {
		if (*s == ' ' || *s == '\t')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			break;
	}
	n = strlen(s);
	for (;;) {
		if (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		else if (n >= 3 && memcmp(s + n - 3, "\xe3\x80\x80", 3) == 0)
			n -= 3;
		else
			break;
	}
	return n == strlen(s) ? s : hz_arena_strndup(a, s, n);
}

/* Cell k of a row, trimmed; "" where the row is short. The exports
 * (core/orgexport.c, like every CSV huzu writes) guard a cell a
 * spreadsheet could run (hz_csv_formula_like) with a leading '; that quote
 * is taken off again, so an export edited and imported keeps its names. */
static const char *
cell(const struct job *j, const struct file *f, const struct hz_csv_row *r,
     int k)
{
	int pos = f->pos[k];
	const char *c;

	if ((size_t)pos >= r->n)
		return "";
	c = trim(j->x->arena, r->f[pos]);
	if (c[0] == '\'' && hz_csv_formula_like(c + 1))
		c++;
	return c;
}

/* Control characters: none anywhere but the line breaks of rooms. */
static bool
has_control(const char *s, bool breaks)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (breaks && (*p == '\n' || *p == '\r'))
			continue;
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 &&
		    p[1] <= 0x9f))
			return true;
	}
	return false;
}

/* The columns of one row that may not hold control characters or be
 * empty: the first fault becomes an error; true if none. */
static bool
clean(struct job *j, const struct file *f, const struct hz_csv_row *r,
      const char **v, const bool *required)
{
	for (size_t k = 0; k < f->ncols; k++) {
		bool rooms = f->names == buildings_cols && k == B_ROOMS;

		if (has_control(v[k], rooms)) {
			error(j->res, f->in->name, r->line, f->names[k], rooms
			    ? "含有 Tab 或其他控制字符：请删去"
			    : "含有换行、Tab 或其他控制字符：请删去，写在一行内");
			return false;
		}
		if (required[k] && v[k][0] == '\0') {
			error(j->res, f->in->name, r->line, f->names[k],
			    "不能为空（只有空格也算空）");
			return false;
		}
	}
	return true;
}

/* door_no as the importer takes it (importer.h). */
static bool
door_ok(const char *s)
{
	static const char *const cn[] = { "一", "二", "三", "四", "五", "六",
	    "七", "八", "九", "十" };
	size_t n = 0;

	if (*s < '1' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		if (++n > 5)
			return false;
	if (*s == '\0')
		return true;
	if (*s == '-') {
		n = strspn(s + 1, HZ_CHARS_ALNUM);
		return n >= 1 && n <= 4 && s[1 + n] == '\0';
	}
	if (((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) &&
	    s[1] == '\0')
		return true;
	if (strncmp(s, "之", 3) != 0)
		return false;
	s += 3;
	n = strspn(s, "0123456789");
	if (n >= 1 && n <= 3 && s[n] == '\0')
		return true;
	for (n = 0; *s && n < 2; n++) {
		size_t k = 0;
		while (k < 10 && strncmp(s, cn[k], 3) != 0)
			k++;
		if (k == 10)
			return false;
		s += 3;
	}
	return n > 0 && *s == '\0';
}

/* The columns of a file, joined with `sep`. */
static const char *
cols(hz_arena *a, const struct file *f, const char *sep)
{
	const char *s = f->names[0];

	for (size_t k = 1; k < f->ncols; k++)
		s = hz_arena_printf(a, "%s%s%s", s, sep, f->names[k]);
	return s;
}

/* Column positions from the header: a missing, unknown or repeated column
 * is a root error (each one of this header reported). */
static bool
header(struct job *j, struct file *f)
{
	const struct hz_csv_row *h;
	const char *name = f->in->name;
	size_t before = j->res->nerr;

	if (f->csv.nrows == 0) {
		error(j->res, name, 1, NULL, hz_arena_printf(j->x->arena,
		    "文件是空的：第一行应为表头 %s", cols(j->x->arena, f, ",")));
		return false;
	}
	h = &f->csv.rows[0];
	for (size_t k = 0; k < f->ncols; k++)
		f->pos[k] = -1;
	for (size_t i = 0; i < h->n; i++) {
		const char *c = trim(j->x->arena, h->f[i]);
		size_t k = 0;

		while (k < f->ncols && strcmp(c, f->names[k]) != 0)
			k++;
		if (k == f->ncols)
			error(j->res, name, h->line, shown(j->x->arena, c),
			    hz_arena_printf(j->x->arena, "不认识的列：表头只能有 "
			    "%s 这几列（见 huzu import 的说明）",
			    cols(j->x->arena, f, "、")));
		else if (f->pos[k] >= 0)
			error(j->res, name, h->line, f->names[k], "此列出现了两次");
		else
			f->pos[k] = (int)i;
	}
	for (size_t k = 0; k < f->ncols; k++)
		if (f->pos[k] < 0)
			error(j->res, name, h->line, f->names[k],
			    "表头缺少此列（列名须与说明一致，全用小写英文）");
	if (j->res->nerr == before && f->need_rows && f->csv.nrows < 2)
		error(j->res, name, h->line, NULL,
		    "只有表头，没有数据行：是不是选错了文件？");
	return j->res->nerr == before;
}

/* The existing village and the staff count. */
enum hz_status
hz_setup_state(const struct hz_ctx *x, struct hz_setup_state *st)
{
	struct hz_db_result r;
	enum hz_status rc;

	memset(st, 0, sizeof(*st));
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_STAFF_COUNT,
	    HZ_NO_ARGS, &r)))
		return rc;
	st->staff = HZ_CELL(&r, 0, 0)->i;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_VILLAGE, HZ_NO_ARGS,
	    &r)))
		return rc;
	if (r.nrows == 1) {
		st->village = HZ_ID(HZ_CELL(&r, 0, 0));
		st->village_code = HZ_TEXT(HZ_CELL(&r, 0, 1));
		st->village_name = HZ_CELL(&r, 0, 2)->s;
	}
	return HZ_OK;
}

/* A village row must be the village already there, if there is one: a
 * root error naming it otherwise. */
static enum hz_status
check_village(struct job *j)
{
	struct hz_setup_state st;
	const struct file *f = &j->u;
	const char *code0 = NULL, *name0 = NULL;
	size_t line0 = 0;
	enum hz_status rc;

	if ((rc = hz_setup_state(j->x, &st)))
		return rc;
	for (size_t i = 1; i < f->csv.nrows; i++) {
		const struct hz_csv_row *r = &f->csv.rows[i];
		const char *code = cell(j, f, r, U_CODE),
		    *name = cell(j, f, r, U_NAME);

		if (strcmp(cell(j, f, r, U_KIND), "village") != 0 ||
		    cell(j, f, r, U_PARENT)[0] != '\0')
			continue;
		if (st.village != 0 && (st.village_code == NULL ||
		    strcmp(code, st.village_code) != 0 ||
		    strcmp(name, st.village_name) != 0)) {
			error(j->res, f->in->name, r->line, NULL,
			    hz_arena_printf(j->x->arena, "系统里已经有村 %s（%s），"
			    "一个系统只管一个村：这一行须与它的编码和名称完全"
			    "一致，或删去这一行（村下的单位写上级编码 %s）",
			    st.village_code ? st.village_code : "",
			    st.village_name, st.village_code ? st.village_code
			    : ""));
			return HZ_OK;
		}
		if (st.village == 0 && code0 != NULL && (strcmp(code, code0) ||
		    strcmp(name, name0))) {
			error(j->res, f->in->name, r->line, NULL,
			    hz_arena_printf(j->x->arena, "第 %zu 行已经是村 %s（%s），"
			    "一个系统只管一个村：请删去这一行", line0,
			    shown(j->x->arena, code0), shown(j->x->arena, name0)));
			return HZ_OK;
		}
		if (code0 == NULL) {
			code0 = code;
			name0 = name;
			line0 = r->line;
		}
	}
	return HZ_OK;
}

/* A field named in a refusal of hz_unit_create or hz_role_grant, as a
 * column of the file being read. */
static const char *
column_of(const char *field, const struct file *f)
{
	static const struct { const char *field, *units, *buildings,
	    *staff; } m[] = {
		{ "parent_id", "parent_code", "group_code", NULL },
		{ "group_id", "parent_code", "group_code", NULL },
		{ "head_id", NULL, "head_username", NULL },
		/* The head's building_head role was refused. */
		{ "role", NULL, "head_username", "role" },
		{ "unit_id", NULL, NULL, "unit_code" },
	};

	for (size_t i = 0; field != NULL && i < sizeof(m) / sizeof(*m); i++)
		if (strcmp(m[i].field, field) == 0)
			return f->names == units_cols ? m[i].units
			    : f->names == buildings_cols ? m[i].buildings
			    : m[i].staff;
	return field;
}

/* A refusal of core becomes an error on its line, in the same words the
 * API uses (*ok false); other failures end the import. */
static enum hz_status
refused(struct job *j, const struct file *f, size_t line, struct hz_ctx *x,
        enum hz_status rc, bool *ok)
{
	const struct hz_refusal *r;

	*ok = rc == HZ_OK;
	if (rc == HZ_OK || (r = hz_refusal_of(x, rc)) == NULL)
		return rc;
	error(j->res, f->in->name, line, column_of(r->field, f), r->message);
	return HZ_OK;
}

static void
progress(struct job *j, const char *what, size_t done, size_t total)
{
	if (done % 1000 == 0 && j->progress != NULL)
		fprintf(j->progress, "%s: %zu/%zu\n", what, done, total);
}

static const char *
empty_null(const char *s)
{
	return s[0] ? s : NULL;
}

static bool
same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether the unit `code` exists (*have) and, if so, whether the row
 * says the same (else an error on the row's line). A code that breaks
 * the rule is an error too (*have, so that the row goes no further).
 * An empty head_username asks for nothing: the building may have gained
 * a head since (a building_head role, from staff.csv or granted later,
 * names it), and an import only adds. */
static enum hz_status
existing(struct job *j, const struct file *f, const struct hz_csv_row *r,
         const char **v, bool *have)
{
	bool building = f->names == buildings_cols;
	const char *code = v[building ? B_CODE : U_CODE];
	bool eq;

	*have = false;
	/* Checked first: the column holds ASCII, and MariaDB refuses to
	 * compare it with other characters. */
	if (!hz_rule_ok(&hz_unit_rules.code, code, false)) {
		error(j->res, f->in->name, r->line, "code",
		    hz_unit_rules.code.message);
		*have = true;
		fail(j, 'u', code);
		return HZ_OK;
	}
	struct seen *e = seen_slot(&j->codes, code);
	if (e->key != NULL && e->line != 0) {
		error(j->res, f->in->name, r->line, "code",
		    hz_arena_printf(j->x->arena, "编码 %s 与%s第 %zu 行重复",
		    shown(j->x->arena, code), strcmp(e->name, f->in->name)
		    ? hz_arena_printf(j->x->arena, " %s ", e->name) : "",
		    e->line));
		*have = true;
		return HZ_OK;
	}
	/* Units and buildings share their codes: a repeat in the other
	 * file names it. */
	e->line = r->line;
	e->name = f->in->name;
	if (e->key == NULL) {
		e->key = code;
		return HZ_OK;
	}
	*have = true;
#define H(c) HZ_TEXT(HZ_CELL(&j->have, e->row, c))
	if (building)
		eq = same(H(H_KIND), "building") && same(H(H_PARENT),
		    v[B_GROUP]) && same(H(H_NAME), v[B_NAME]) &&
		    same(H(H_LANE), v[B_LANE]) && same(H(H_DOOR), v[B_DOOR]) &&
		    same(H(H_ROOMS), v[B_ROOMS]) && (v[B_HEAD][0] == '\0' ||
		    same(H(H_HEAD), v[B_HEAD]));
	else
		eq = same(H(H_KIND), v[U_KIND]) && same(H(H_PARENT),
		    v[U_PARENT]) && same(H(H_NAME), v[U_NAME]);
#undef H
	if (eq)
		j->res->present++;
	else
		error(j->res, f->in->name, r->line, "code",
		    hz_arena_printf(j->x->arena, "编码 %s 已经存在，内容与这一行"
		    "不同：导入只新增，不修改已有%s（改名请在管理页面上改）",
		    shown(j->x->arena, code), building ? "楼栋" : "单位"));
	return HZ_OK;
}

static enum hz_status
import_units(struct job *j)
{
	static const bool required[U__N] = { true, false, true, true };
	const struct file *f = &j->u;
	enum hz_status rc;

	for (size_t i = 1; i < f->csv.nrows; i++) {
		const struct hz_csv_row *r = &f->csv.rows[i];
		const char *v[U__N];
		struct hz_refusal why = { 0 };
		struct hz_ctx x = *j->x;
		uint64_t id;
		bool ok, have;

		for (int k = 0; k < U__N; k++)
			v[k] = cell(j, f, r, k);
		if (failed(j, 'u', v[U_PARENT])) {
			j->res->knock_on++;
			fail(j, 'u', v[U_CODE]);
			continue;
		}
		if (!clean(j, f, r, v, required)) {
			fail(j, 'u', v[U_CODE]);
			continue;
		}
		if (strcmp(v[U_KIND], "building") == 0) {
			error(j->res, f->in->name, r->line, "kind",
			    "楼栋请写在 buildings.csv 中");
			fail(j, 'u', v[U_CODE]);
			continue;
		}
		if ((rc = existing(j, f, r, v, &have)))
			return rc;
		if (have)
			continue;
		struct hz_unit_input in = { .kind = v[U_KIND],
		    .name = v[U_NAME], .code = v[U_CODE] };
		if (v[U_PARENT][0] && (in.parent_id = unit_id(j,
		    v[U_PARENT])) == 0) {
			error(j->res, f->in->name, r->line, "parent_code",
			    hz_arena_printf(j->x->arena, "上级单位编码 %s 不存在"
			    "（上级须写在前面，或已导入）",
			    shown(j->x->arena, v[U_PARENT])));
			fail(j, 'u', v[U_CODE]);
			continue;
		}
		if (!v[U_PARENT][0] && strcmp(in.kind, "village") != 0) {
			error(j->res, f->in->name, r->line, "parent_code",
			    "只有村没有上级：请填写上级单位编码");
			fail(j, 'u', v[U_CODE]);
			continue;
		}
		x.why = &why;
		if ((rc = refused(j, f, r->line, &x, hz_unit_create(&x, &in,
		    &id), &ok)))
			return rc;
		if (!ok)
			fail(j, 'u', v[U_CODE]);
		else {
			seen_slot(&j->codes, v[U_CODE])->id = id;
			progress(j, "units", ++j->res->units, f->csv.nrows - 1);
		}
	}
	return HZ_OK;
}

static enum hz_status
import_buildings(struct job *j)
{
	static const bool required[B__N] = { true, true, true, true, true,
	    false, false };
	const struct file *f = &j->b;
	enum hz_status rc;

	for (size_t i = 1; i < f->csv.nrows; i++) {
		const struct hz_csv_row *r = &f->csv.rows[i];
		const char *v[B__N];
		struct hz_refusal why = { 0 };
		struct hz_ctx x = *j->x;
		uint64_t id;
		bool ok, have;

		for (int k = 0; k < B__N; k++)
			v[k] = cell(j, f, r, k);
		if (failed(j, 'u', v[B_GROUP]) || failed(j, 's', v[B_HEAD])) {
			j->res->knock_on++;
			fail(j, 'u', v[B_CODE]);
			continue;
		}
		if (!clean(j, f, r, v, required)) {
			fail(j, 'u', v[B_CODE]);
			continue;
		}
		if (!door_ok(v[B_DOOR])) {
			error(j->res, f->in->name, r->line, "door_no",
			    hz_arena_printf(j->x->arena, "门牌号 %s 不对：应为从 1 "
			    "起的数字，如 12；同一门牌下的几栋写 12-1、12A 或 "
			    "12之一（不写“号”字）", shown(j->x->arena, v[B_DOOR])));
			fail(j, 'u', v[B_CODE]);
			continue;
		}
		if ((rc = existing(j, f, r, v, &have)))
			return rc;
		if (have)
			continue;
		struct hz_unit_input in = {
			.kind = "building", .code = v[B_CODE],
			.name = v[B_NAME], .lane = v[B_LANE],
			.door_no = v[B_DOOR], .rooms = empty_null(v[B_ROOMS]),
		};
		if ((in.parent_id = unit_id(j, v[B_GROUP])) == 0) {
			error(j->res, f->in->name, r->line, "group_code",
			    hz_arena_printf(j->x->arena, "户组编码 %s 不存在"
			    "（须在 units.csv 中或已导入）",
			    shown(j->x->arena, v[B_GROUP])));
			fail(j, 'u', v[B_CODE]);
			continue;
		}
		if (v[B_HEAD][0] && (in.head_id = user_id(j, v[B_HEAD])) == 0) {
			error(j->res, f->in->name, r->line, "head_username",
			    hz_arena_printf(j->x->arena, "栋长账号 %s 不存在"
			    "（写进 staff.csv 一起导入，或先用 huzu user add 建立）",
			    shown(j->x->arena, v[B_HEAD])));
			fail(j, 'u', v[B_CODE]);
			continue;
		}
		x.why = &why;
		if ((rc = refused(j, f, r->line, &x, hz_unit_create(&x, &in,
		    &id), &ok)))
			return rc;
		if (!ok)
			fail(j, 'u', v[B_CODE]);
		else {
			seen_slot(&j->codes, v[B_CODE])->id = id;
			progress(j, "buildings", ++j->res->buildings,
			    f->csv.nrows - 1);
		}
	}
	return HZ_OK;
}

/* One row of staff.csv: the account (created without a password if it
 * is new), then its role, unless the unit comes with the buildings
 * (*later). */
static enum hz_status
staff_row(struct job *j, const struct hz_csv_row *r, bool second,
          bool *later)
{
	static const bool required[S__N] = { true, true, false, false };
	const struct file *f = &j->s;
	const char *v[S__N];
	struct hz_refusal why = { 0 };
	struct hz_ctx x = *j->x;
	struct hz_db_result q;
	enum hz_role role;
	uint64_t user, unit, id;
	enum hz_status rc;
	bool ok;

	*later = false;
	x.why = &why;
	for (int k = 0; k < S__N; k++)
		v[k] = cell(j, f, r, k);
	if (!second) {
		if (failed(j, 'u', v[S_UNIT]) || failed(j, 's', v[S_USER])) {
			j->res->knock_on++;
			fail(j, 's', v[S_USER]);
			return HZ_OK;
		}
		if (!clean(j, f, r, v, required)) {
			fail(j, 's', v[S_USER]);
			return HZ_OK;
		}
		if (!v[S_ROLE][0] != !v[S_UNIT][0]) {
			error(j->res, f->in->name, r->line, v[S_ROLE][0]
			    ? "unit_code" : "role", "角色和单位编码要么都填，"
			    "要么都空（只建账号）");
			fail(j, 's', v[S_USER]);
			return HZ_OK;
		}
		if (v[S_ROLE][0] && !hz_role_parse(v[S_ROLE], &role)) {
			error(j->res, f->in->name, r->line, "role",
			    hz_arena_printf(j->x->arena, "没有角色 %s：应为 admin、"
			    "cadre、group_leader、building_head 或 "
			    "station_manager", shown(j->x->arena, v[S_ROLE])));
			fail(j, 's', v[S_USER]);
			return HZ_OK;
		}
		if (!hz_rule_ok(&hz_user_rules.username, v[S_USER], false)) {
			error(j->res, f->in->name, r->line, "username",
			    hz_user_rules.username.message);
			fail(j, 's', v[S_USER]);
			return HZ_OK;
		}
		struct seen *e = seen_slot(&j->users, v[S_USER]);
		if (e->key != NULL && !e->db && strcmp(e->name, v[S_NAME]) != 0) {
			error(j->res, f->in->name, r->line, "display_name",
			    hz_arena_printf(j->x->arena, "账号 %s 与第 %zu 行重复，"
			    "姓名却不同（那一行是“%s”）：同一账号的各行姓名须一致",
			    shown(j->x->arena, v[S_USER]), e->line,
			    shown(j->x->arena, e->name)));
			return HZ_OK;
		}
		if (e->key != NULL && e->db && strcmp(e->name, v[S_NAME]) != 0) {
			error(j->res, f->in->name, r->line, "display_name",
			    hz_arena_printf(j->x->arena, "账号 %s 已经存在，姓名是"
			    "“%s”：姓名须一致（导入不改已有账号）",
			    shown(j->x->arena, v[S_USER]),
			    shown(j->x->arena, e->name)));
			fail(j, 's', v[S_USER]);
			return HZ_OK;
		}
		if (e->key == NULL) {
			struct hz_staff_new s = { .username = v[S_USER],
			    .display_name = v[S_NAME], .no_password = true };
			if ((rc = refused(j, f, r->line, &x,
			    hz_staff_create(&x, &s, &user), &ok)))
				return rc;
			if (!ok) {
				fail(j, 's', v[S_USER]);
				return HZ_OK;
			}
			*e = (struct seen){ .key = v[S_USER], .name = v[S_NAME],
			    .line = r->line, .id = user };
			j->res->staff++;
		}
		if (!v[S_ROLE][0])
			return HZ_OK;
		if (unit_id(j, v[S_UNIT]) == 0) {
			*later = true;    /* a building of this import, perhaps */
			return HZ_OK;
		}
	}
	(void)hz_role_parse(v[S_ROLE], &role);
	user = user_id(j, v[S_USER]);
	if ((unit = unit_id(j, v[S_UNIT])) == 0) {
		error(j->res, f->in->name, r->line, "unit_code",
		    hz_arena_printf(j->x->arena, "单位编码 %s 不存在（须在 "
		    "units.csv 或 buildings.csv 中，或已导入）",
		    shown(j->x->arena, v[S_UNIT])));
		return HZ_OK;
	}
	if ((rc = hz_db_run(x.db, x.arena, &stmts, STMT_HELD, HZ_ARGS(
	    HZ_ARG_I64((long long)user), HZ_ARG_STR(hz_role_name(role)),
	    HZ_ARG_I64((long long)unit)), &q)))
		return rc;
	if (HZ_CELL(&q, 0, 0)->i > 0) {
		j->res->present++;      /* held already */
		return HZ_OK;
	}
	if ((rc = refused(j, f, r->line, &x, hz_role_grant(&x, user, role,
	    unit, &id), &ok)))
		return rc;
	if (ok)
		j->res->roles++;
	return HZ_OK;
}

static enum hz_status
import_staff(struct job *j, bool second)
{
	const struct file *f = &j->s;
	enum hz_status rc;
	bool later;

	if (!second) {
		j->later = hz_arena_calloc(j->x->arena, f->csv.nrows + 1,
		    sizeof(*j->later));
		if (j->later == NULL)
			return HZ_ERR_NOMEM;
		for (size_t i = 1; i < f->csv.nrows; i++) {
			if ((rc = staff_row(j, &f->csv.rows[i], false, &later)))
				return rc;
			if (later)
				j->later[j->nlater++] = i;
			progress(j, "staff", i, f->csv.nrows - 1);
		}
		return HZ_OK;
	}
	for (size_t i = 0; i < j->nlater; i++)
		if ((rc = staff_row(j, &f->csv.rows[j->later[i]], true, &later)))
			return rc;
	return HZ_OK;
}

static enum hz_status
import_tx(const struct hz_ctx *x, void *p)
{
	struct job *j = p;
	struct hz_import_result *res = j->res;
	enum hz_status rc;

	j->x = x;    /* the transaction's context */
	res->units = res->buildings = res->staff = res->roles = 0;
	res->present = res->knock_on = res->nerr = 0;
	j->bad.n = j->bad.cap = 0;
	j->nlater = 0;
	if ((rc = preload(j)))
		return rc;
	if ((rc = import_units(j)) ||
	    (j->staff && (rc = import_staff(j, false))) ||
	    (rc = import_buildings(j)) ||
	    (j->staff && (rc = import_staff(j, true))))
		return rc;
	/* Any error: roll everything back. */
	return res->nerr ? HZ_ERR_INVALID : HZ_OK;
}

static bool
parse(struct job *j, struct file *f)
{
	const char *why;
	size_t line;

	if (hz_csv_parse(j->x->arena, f->in->text, f->in->len, &f->csv, &line,
	    &why) != HZ_OK) {
		error(j->res, f->in->name, line, NULL, why);
		return false;
	}
	/* A row whose every cell is empty (what Excel writes for a cleared
	 * row: ",,,") is skipped like a blank line. */
	size_t n = f->csv.nrows ? 1 : 0;
	for (size_t i = 1; i < f->csv.nrows; i++) {
		const struct hz_csv_row *r = &f->csv.rows[i];
		size_t k = 0;

		while (k < r->n && trim(j->x->arena, r->f[k])[0] == '\0')
			k++;
		if (k < r->n)
			f->csv.rows[n++] = *r;
	}
	f->csv.nrows = n;
	return true;
}

enum hz_status
hz_import_files(const struct hz_ctx *x, const struct hz_import_file *units,
                const struct hz_import_file *buildings,
                const struct hz_import_file *staff, FILE *progress,
                struct hz_import_result *res)
{
	struct job j = { .x = x, .staff = staff != NULL, .progress = progress,
	    .res = res };
	struct file *files[3] = { &j.u, &j.b, &j.s };
	enum hz_status rc;

	memset(res, 0, sizeof(*res));
	j.u = (struct file){ units, units_cols, U__N, true, { 0, NULL }, { 0 } };
	j.b = (struct file){ buildings, buildings_cols, B__N, true, { 0, NULL },
	    { 0 } };
	j.s = (struct file){ staff, staff_cols, S__N, false, { 0, NULL },
	    { 0 } };
	/* Root errors first: any of them stops the run, reported alone. */
	res->root = true;
	for (int i = 0; i < (staff ? 3 : 2); i++)
		if (!parse(&j, files[i]) || !header(&j, files[i]))
			return HZ_ERR_INVALID;
	if ((rc = check_village(&j)) || res->nerr)
		return rc ? rc : HZ_ERR_INVALID;
	res->root = false;
	return hz_tx(x, import_tx, &j);
}

enum hz_status
hz_import(const struct hz_ctx *x, const char *uname, const char *units,
          size_t ulen, const char *bname, const char *buildings, size_t blen,
          FILE *progress, struct hz_import_result *res)
{
	struct hz_import_file u = { uname, units, ulen },
	    b = { bname, buildings, blen };

	return hz_import_files(x, &u, &b, NULL, progress, res);
}

/* --- huzu init ---------------------------------------------------------- */

struct init_job {
	const struct hz_setup_input *in;
	uint64_t                     village, user;
};

static enum hz_status
init_tx(const struct hz_ctx *x, void *p)
{
	struct init_job *j = p;
	struct hz_setup_state st;
	struct hz_unit_input u = { .kind = "village",
	    .name = j->in->village_name, .code = j->in->village_code };
	struct hz_staff_new s = { .username = j->in->username,
	    .display_name = j->in->display_name, .password = j->in->password };
	uint64_t grant;
	enum hz_status rc;

	if ((rc = hz_setup_state(x, &st)))
		return rc;
	if (st.staff > 0 || st.village != 0)
		return hz_refuse(x, &not_empty);
	if ((rc = hz_unit_create(x, &u, &j->village)) ||
	    (rc = hz_staff_create(x, &s, &j->user)))
		return rc;
	return hz_role_grant(x, j->user, HZ_ROLE_ADMIN, j->village, &grant);
}

enum hz_status
hz_setup_init(const struct hz_ctx *x, const struct hz_setup_input *in,
              uint64_t *village, uint64_t *user)
{
	struct init_job j = { in, 0, 0 };
	enum hz_status rc;

	if (x->caller != NULL)
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_tx(x, init_tx, &j)))
		return rc;
	*village = j.village;
	*user = j.user;
	return HZ_OK;
}
