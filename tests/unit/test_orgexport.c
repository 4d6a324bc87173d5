/* The org tree and staff as import CSV (core/orgexport.c) against the real
 * database: the exact bytes, who may export what, formulas defused, and
 * a round trip through the importer. */
#include "unit.h"

#include <string.h>

#include "csv.h"
#include "dbfixture.h"
#include "orgexport.h"

enum { S_HEAD, S_NAME, S_USERNAME, S_GROUP_NAME, S__MAX };
static const char *const sql[S__MAX] = {
	[S_HEAD] = "UPDATE buildings SET head_user_id = ? WHERE unit_id = ?",
	[S_NAME] = "UPDATE units SET name = '=HYPERLINK(\"x\")' WHERE id = ?",
	[S_USERNAME] = "SELECT username FROM users WHERE id = ?",
	[S_GROUP_NAME] = "SELECT name FROM units WHERE code = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_orgexport", sql);

static enum hz_status
collect(void *arg, const char *line, size_t len)
{
	hz_buf_append(arg, line, len);
	return HZ_OK;
}

/* File `file` of `unit` as `c` sees it (NULL c: the operator, by code). */
static const char *
exported(const struct hz_caller *c, uint64_t unit, const char *code,
         const char *file, enum hz_status want)
{
	struct hz_ctx x = fx_as(c);
	struct hz_buf b;

	hz_buf_init(&b, fx.arena);
	assert_int_equal(c ? hz_org_export(&x, unit, file, collect, &b)
	    : hz_org_export_operator(&x, code, file, collect, &b), want);
	hz_buf_append(&b, "", 1);
	assert_false(b.oom);
	return b.data;
}

static const char *
username(const struct hz_caller *c)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_USERNAME,
	    HZ_ARGS(HZ_ARG_I64((long long)c->id)), &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->s;
}

static char *
replace(const char *s, const char *from, const char *to)
{
	struct hz_buf b;
	const char *p;

	hz_buf_init(&b, fx.arena);
	while ((p = strstr(s, from)) != NULL) {
		hz_buf_append(&b, s, (size_t)(p - s));
		hz_buf_puts(&b, to);
		s = p + strlen(from);
	}
	hz_buf_puts(&b, s);
	hz_buf_append(&b, "", 1);
	return b.data;
}

static void
the_files_are_the_import_formats(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	const char *t, *csv, *want;
	struct hz_csv parsed;
	size_t bad;
	const char *why;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	t = o.tag;
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_HEAD, HZ_ARGS(
	    HZ_ARG_I64((long long)k.head.id), HZ_ARG_I64((long long)o.b1)),
	    NULL), HZ_OK);

	want = hz_arena_printf(fx.arena, "\xef\xbb\xbf"
	    "code,parent_code,kind,name\r\n"
	    "%sC1,fx-root,cooperative,一社\r\n%sG1,%sC1,group,东巷\r\n",
	    t, t, t);
	assert_string_equal(exported(&k.cadre, o.c1, NULL, "units", HZ_OK),
	    want);
	/* The operator's, by code: the same file. */
	assert_string_equal(exported(NULL, 0, hz_arena_printf(fx.arena,
	    "%sC1", t), "units", HZ_OK), want);

	want = hz_arena_printf(fx.arena, "\xef\xbb\xbf"
	    "code,group_code,name,lane,door_no,rooms,head_username\r\n"
	    "%sB1,%sG1,1号楼,%s东一巷,1,\"101, 102\",%s\r\n"
	    "%sB2,%sG1,2号楼,%s东一巷,2,,\r\n",
	    t, t, t, username(&k.head), t, t, t);
	assert_string_equal(exported(&k.cadre, o.c1, NULL, "buildings", HZ_OK),
	    want);

	/* One row per role, in the order the accounts were made; no phone. */
	want = hz_arena_printf(fx.arena, "\xef\xbb\xbf"
	    "username,display_name,role,unit_code\r\n"
	    "%s,测试员,building_head,%sB1\r\n%s,测试员,group_leader,%sG1\r\n"
	    "%s,测试员,cadre,%sC1\r\n%s,测试员,station_manager,%sB1\r\n",
	    username(&k.head), t, username(&k.leader), t, username(&k.cadre), t,
	    username(&k.station), t);
	csv = exported(&k.cadre, o.c1, NULL, "staff", HZ_OK);
	assert_string_equal(csv, want);
	assert_int_equal(hz_csv_parse(fx.arena, csv, strlen(csv), &parsed,
	    &bad, &why), HZ_OK);
	assert_int_equal(parsed.nrows, 5);
	assert_int_equal(parsed.rows[4].n, 4);
	assert_true(fx_audits("org.export", k.cadre.id, o.c1) >= 3);

	/* A name a spreadsheet would run is shown, not run (as in every
	 * export); quotes are doubled. */
	fx_exec(&stmts, S_NAME, o.g1);
	csv = exported(&k.cadre, o.g1, NULL, "units", HZ_OK);
	assert_non_null(strstr(csv, ",group,\"'=HYPERLINK(\"\"x\"\")\"\r\n"));
}

static void
exports_are_for_admins_and_cadres_in_scope(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller admin;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	/* Another cooperative's: not there. */
	exported(&k.cadre, o.c2, NULL, "units", HZ_ERR_NOT_FOUND);
	exported(&k.cadre, o.b3, NULL, "staff", HZ_ERR_NOT_FOUND);
	/* Heads and leaders see their units, but export nothing. */
	exported(&k.head, o.b1, NULL, "buildings", HZ_ERR_FORBIDDEN);
	exported(&k.head, o.c1, NULL, "units", HZ_ERR_NOT_FOUND);
	exported(&k.leader, o.g1, NULL, "staff", HZ_ERR_FORBIDDEN);
	exported(&k.station, o.b1, NULL, "staff", HZ_ERR_NOT_FOUND);
	exported(&k.r, o.b1, NULL, "units", HZ_ERR_NOT_FOUND);
	exported(NULL, 0, "no-such-code", "units", HZ_ERR_NOT_FOUND);
	/* A file that is none of the three. */
	x = fx_as(&k.cadre);
	fx_refused(&x, hz_org_export(&x, o.c1, "roles", collect, NULL),
	    HZ_ERR_INVALID, "validation_failed", "file");
	/* The admin: anywhere, with the staff holding no role. */
	assert_non_null(strstr(exported(&admin, o.c2, NULL, "units", HZ_OK),
	    "C2,fx-root,cooperative,二社\r\n"));
	assert_non_null(strstr(exported(&admin, fx_root(), NULL, "staff",
	    HZ_OK), hz_arena_printf(fx.arena, "%s,测试员,admin,fx-root\r\n",
	    username(&admin))));
}

static void
an_export_imports_again(void **state)
{
	struct fx_org o;
	struct hz_import_result *res;
	struct hz_db_result r;
	char tag[16];
	const char *units, *buildings, *again;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	/* A name the export guards with a leading ' comes back without it. */
	fx_exec(&stmts, S_NAME, o.g1);
	units = exported(NULL, 0, hz_arena_printf(fx.arena, "%sC1", o.tag),
	    "units", HZ_OK);
	buildings = exported(NULL, 0, hz_arena_printf(fx.arena, "%sC1", o.tag),
	    "buildings", HZ_OK);
	/* The same tree under new codes and lanes, imported as exported. */
	snprintf(tag, sizeof(tag), "r%u-", (unsigned)randombytes_uniform(1u << 30));
	units = replace(units, o.tag, tag);
	buildings = replace(buildings, o.tag, tag);
	assert_non_null(res = calloc(1, sizeof(*res)));
	assert_int_equal(hz_import(&fx, "units.csv", units, strlen(units),
	    "buildings.csv", buildings, strlen(buildings), NULL, res), HZ_OK);
	assert_int_equal(res->units, 2);
	assert_int_equal(res->buildings, 2);
	free(res);
	again = exported(NULL, 0, hz_arena_printf(fx.arena, "%sC1", tag),
	    "buildings", HZ_OK);
	assert_string_equal(again, buildings);
	again = exported(NULL, 0, hz_arena_printf(fx.arena, "%sC1", tag),
	    "units", HZ_OK);
	assert_string_equal(again, units);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_GROUP_NAME,
	    HZ_ARGS(HZ_ARG_STR(hz_arena_printf(fx.arena, "%sG1", tag))), &r),
	    HZ_OK);
	assert_int_equal(r.nrows, 1);
	assert_string_equal(HZ_CELL(&r, 0, 0)->s, "=HYPERLINK(\"x\")");
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(the_files_are_the_import_formats),
	cmocka_unit_test(exports_are_for_admins_and_cadres_in_scope),
	cmocka_unit_test(an_export_imports_again))
