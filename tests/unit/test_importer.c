/* The CSV importer and `huzu init` against the real database: root errors
 * stop the run alone, GBK is named, bad cells are refused by line and
 * column, staff.csv, rows already present. Tests that need the village
 * run inside a transaction they roll back, so the shared test database
 * keeps whatever village it had (none, or test_units'). */
#include "unit.h"

#include <string.h>

#include "csv.h"
#include "dbfixture.h"
#include "importer.h"
#include "units.h"
#include "users.h"

static char tag[16];     /* this run's codes */
static int  ntag;

/* A new tag, so that every test makes new units. */
static const char *
fresh(void)
{
	snprintf(tag, sizeof(tag), "i%u%d-",
	    (unsigned)randombytes_uniform(1u << 30), ntag++);
	return tag;
}

static struct hz_import_result *
result(void)
{
	static struct hz_import_result r;

	memset(&r, 0, sizeof(r));
	return &r;
}

static enum hz_status
run(const char *u, const char *b, const char *s, struct hz_import_result *r)
{
	struct hz_import_file fu = { "units.csv", u, strlen(u) },
	    fb = { "buildings.csv", b, strlen(b) },
	    fs = { "staff.csv", s, s ? strlen(s) : 0 };

	return hz_import_files(&fx, &fu, &fb, s ? &fs : NULL, NULL, r);
}

/* A cooperative and a group under the fixture's root, as units.csv rows. */
static const char *
units_csv(void)
{
	return hz_arena_printf(fx.arena, "code,parent_code,kind,name\n"
	    "%sC,fx-root,cooperative,一社\n%sG,%sC,group,东巷\n", tag, tag, tag);
}

static const char *
code(const char *c)
{
	return hz_arena_printf(fx.arena, "%s%s", tag, c);
}

static void
root_errors_stop_alone(void **state)
{
	struct hz_import_result *r = result();
	long long before;
	const char *u, *b;

	(void)state;
	FX_NEED_DB();
	assert_non_null(fresh());
	assert_int_not_equal(fx_root(), 0);
	before = hz_unit_count(&fx);
	/* Line errors in units.csv, a missing column in buildings.csv: the
	 * column alone. */
	u = hz_arena_printf(fx.arena, "code,parent_code,kind,name\n"
	    "%sX,%sNOPE,group,无上级\n%sC,fx-root,cooperative,好的\n", tag, tag,
	    tag);
	b = "code,group_code,name,lane,door_no,rooms\nZ1,NOPE,楼,巷,1,\n";
	assert_int_equal(run(u, b, NULL, r), HZ_ERR_INVALID);
	assert_true(r->root);
	assert_int_equal(r->nerr, 1);
	assert_string_equal(r->errs[0].file, "buildings.csv");
	assert_string_equal(r->errs[0].column, "head_username");
	assert_int_equal(hz_unit_count(&fx), before);

	/* An unknown column (a typo) and the one it hides, nothing else. */
	b = "code,group_code,name,lane,door-no,rooms,head_username\n"
	    "Z1,NOPE,楼,巷,1,,\n";
	assert_int_equal(run(u, b, NULL, r), HZ_ERR_INVALID);
	assert_true(r->root);
	assert_int_equal(r->nerr, 2);
	assert_string_equal(r->errs[0].column, "door-no");
	assert_string_equal(r->errs[1].column, "door_no");

	/* A header and nothing else; an empty file. */
	assert_int_equal(run(units_csv(), "code,group_code,name,lane,door_no,"
	    "rooms,head_username\r\n", NULL, r), HZ_ERR_INVALID);
	assert_true(r->root);
	assert_int_equal(r->nerr, 1);
	assert_string_equal(r->errs[0].file, "buildings.csv");
	assert_non_null(strstr(r->errs[0].reason, "只有表头"));
	assert_int_equal(run("", "", NULL, r), HZ_ERR_INVALID);
	assert_int_equal(r->nerr, 1);
	assert_non_null(strstr(r->errs[0].reason, "表头 code,parent_code,kind,"
	    "name"));

	/* staff.csv's header too. */
	b = hz_arena_printf(fx.arena, "code,group_code,name,lane,door_no,rooms,"
	    "head_username\n%sB1,%sG,楼,%s巷,1,,\n", tag, tag, tag);
	assert_int_equal(run(units_csv(), b, "username,name,role,unit_code\n",
	    r), HZ_ERR_INVALID);
	assert_true(r->root);
	assert_int_equal(r->nerr, 2);
	assert_string_equal(r->errs[0].file, "staff.csv");
	assert_int_equal(hz_unit_count(&fx), before);
	/* The same files with a right header: imported. */
	assert_int_equal(run(units_csv(), b, "username,display_name,role,"
	    "unit_code\n", r), HZ_OK);
	assert_int_equal(r->units, 2);
	assert_int_equal(r->buildings, 1);
}

/* GBK, as Excel's plain "CSV" is on a Chinese Windows: named, with what
 * to do; other bytes that are not UTF-8 get the general message. */
static void
gbk_is_named(void **state)
{
	static const char gbk[] = "code,parent_code,kind,name\r\n"
	    "G1,,village,\xca\xaf\xc2\xed\xc7\xc5\xb4\xe5\r\n";
	static const char latin1[] = "code,parent_code,kind,name\n"
	    "G1,,village,caf\xe9\n";
	struct hz_import_result *r = result();

	(void)state;
	assert_true(hz_csv_is_gbk(gbk, strlen(gbk)));
	assert_false(hz_csv_is_gbk(latin1, strlen(latin1)));
	assert_false(hz_csv_is_gbk("abc", 3));
	FX_NEED_DB();
	assert_int_equal(run(gbk, "x", NULL, r), HZ_ERR_INVALID);
	assert_true(r->root);
	assert_int_equal(r->nerr, 1);
	assert_int_equal(r->errs[0].line, 2);
	assert_non_null(strstr(r->errs[0].reason, "GBK"));
	assert_non_null(strstr(r->errs[0].reason, "请另存为\"CSV UTF-8\""));
	assert_non_null(strstr(r->errs[0].reason, "文件 → 另存为"));
	assert_int_equal(run(latin1, "x", NULL, r), HZ_ERR_INVALID);
	assert_int_equal(r->nerr, 1);
	assert_null(strstr(r->errs[0].reason, "GBK"));
	assert_non_null(strstr(r->errs[0].reason, "UTF-8"));
}

/* Door numbers as imported (importer.h), names of only spaces, control
 * characters: each refused on its line and column; spaces around a value
 * are trimmed. */
static void
bad_cells_are_refused_by_line_and_column(void **state)
{
	static const char *const good[] = { "1", "12", "99999", "12-1", "12-A",
	    "12A", "12之1", "12之一", "3之十" };
	static const char *const bad[] = { "-1", "0", "01", "abc", "12号",
	    "123456", "12-", "1 2", "12之", "12之一二三", "#N/A", "1.5" };
	struct hz_import_result *r = result();
	struct hz_buf b;
	struct hz_unit unit;
	size_t line = 1;

	(void)state;
	FX_NEED_DB();
	assert_non_null(fresh());
	assert_int_not_equal(fx_root(), 0);
	hz_buf_init(&b, fx.arena);
	hz_buf_puts(&b, "code,group_code,name,lane,door_no,rooms,head_username\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++, line++)
		hz_buf_printf(&b, "%sD%zu,%sG,楼,%s巷,%s,,\n", tag, i, tag, tag,
		    bad[i]);
	/* line + 1 .. line + 6: names and the other columns. */
	hz_buf_printf(&b, "%sN1,%sG,\"   \",%s巷,1,,\n", tag, tag, tag);
	hz_buf_printf(&b, "%sN2,%sG,\"楼\n名\",%s巷,2,,\n", tag, tag, tag);
	hz_buf_printf(&b, "%sN3,%sG,楼,%s\x01巷,3,,\n", tag, tag, tag);
	hz_buf_printf(&b, "%sN4,%sG,楼,%s巷,4,101\t102,\n", tag, tag, tag);
	hz_buf_printf(&b, "%sN5,%sG,\xe3\x80\x80,%s巷,5,,\n", tag, tag, tag);
	hz_buf_printf(&b, "%sN6,%sG,楼\x7f,%s巷,6,,\n", tag, tag, tag);
	assert_int_equal(run(units_csv(), b.data, NULL, r), HZ_ERR_INVALID);
	assert_false(r->root);
	assert_int_equal(r->nerr, sizeof(bad) / sizeof(*bad) + 6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(r->errs[i].line, i + 2);
		assert_string_equal(r->errs[i].column, "door_no");
	}
	{
		static const char *const cols[] = { "name", "name", "lane",
		    "rooms", "name", "name" };
		/* (N2's name holds a line break: N3 starts two lines on.) */
		static const size_t at[] = { 1, 2, 4, 5, 6, 7 };
		size_t k = sizeof(bad) / sizeof(*bad);

		for (size_t i = 0; i < 6; i++) {
			assert_int_equal(r->errs[k + i].line, line + at[i]);
			assert_string_equal(r->errs[k + i].column, cols[i]);
		}
	}
	assert_int_equal(hz_unit_id_by_code(&fx, code("G")), 0);

	/* Every good form, with spaces around, and rooms on two lines. */
	hz_buf_init(&b, fx.arena);
	hz_buf_puts(&b, " code , group_code,name,lane,door_no,rooms,"
	    "head_username\n");
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		hz_buf_printf(&b, "%sD%zu, %sG ,\xe3\x80\x80%zu号楼 , %s巷 ,"
		    " %s ,\"101\n201\",\n", tag, i, tag, i, tag, good[i]);
	assert_int_equal(run(units_csv(), b.data, NULL, r), HZ_OK);
	assert_int_equal(r->buildings, sizeof(good) / sizeof(*good));
	assert_int_equal(hz_unit_load(&fx, hz_unit_id_by_code(&fx, code("D5")),
	    &unit), HZ_OK);
	assert_string_equal(unit.name, "5号楼");
	assert_string_equal(unit.lane, code("巷"));
	assert_string_equal(unit.door_no, "12A");
	assert_string_equal(unit.rooms, "101\n201");
}

/* A failed line is reported once: the lines under it are counted, not
 * reported; the good lines are rolled back with the rest. */
static void
line_errors_are_all_or_nothing(void **state)
{
	struct hz_import_result *r = result();
	long long before;
	const char *u, *b;

	(void)state;
	FX_NEED_DB();
	assert_non_null(fresh());
	assert_int_not_equal(fx_root(), 0);
	before = hz_unit_count(&fx);
	u = hz_arena_printf(fx.arena, "code,parent_code,kind,name\n"
	    "%sC,fx-root,cooperative,好的一行\n"
	    "%sX,%sNOPE,group,上级不存在\n"
	    "%sY,%sC,cooperative,类型不对\n"
	    "%sZ,%sC,building,楼栋\n"
	    "%sG,%sC,group,好的组\n", tag, tag, tag, tag, tag, tag, tag, tag,
	    tag);
	b = hz_arena_printf(fx.arena, "code,group_code,name,lane,door_no,rooms,"
	    "head_username\n%sB1,%sX,楼,%s巷,1,,\n%sB2,%sX,楼,%s巷,2,,\n"
	    "%sB3,%sG,楼,%s巷,3,,nobody-%s\n", tag, tag, tag, tag, tag, tag,
	    tag, tag, tag, tag);
	assert_int_equal(run(u, b, NULL, r), HZ_ERR_INVALID);
	assert_false(r->root);
	assert_int_equal(r->nerr, 4);
	assert_int_equal(r->errs[0].line, 3);
	assert_string_equal(r->errs[0].column, "parent_code");
	assert_int_equal(r->errs[1].line, 4);
	assert_string_equal(r->errs[1].column, "kind");
	assert_int_equal(r->errs[2].line, 5);
	assert_string_equal(r->errs[2].column, "kind");
	assert_string_equal(r->errs[3].file, "buildings.csv");
	assert_int_equal(r->errs[3].line, 4);
	assert_string_equal(r->errs[3].column, "head_username");
	/* B1 and B2 hang under the failed X. */
	assert_int_equal(r->knock_on, 2);
	assert_int_equal(hz_unit_count(&fx), before);
	assert_int_equal(hz_unit_id_by_code(&fx, code("C")), 0);

	/* Broken CSV is a root error, by line. */
	assert_int_equal(run("code\n\"open\n", "", NULL, r), HZ_ERR_INVALID);
	assert_true(r->root);
	assert_int_equal(r->errs[0].line, 2);
}

/* staff.csv: accounts made without a password, roles granted, a head
 * created by the same import, a role at a building of the same import;
 * then the same files again are all present. */
static void
staff_csv_makes_accounts_and_roles(void **state)
{
	struct hz_import_result *r = result();
	struct hz_caller c;
	const char *s, *b, *bad;
	uint64_t id, head, b1;
	unsigned n = (unsigned)randombytes_uniform(1u << 30);

	(void)state;
	FX_NEED_DB();
	assert_non_null(fresh());
	assert_int_not_equal(fx_root(), 0);
	s = hz_arena_printf(fx.arena, "username,display_name,role,unit_code\n"
	    "c%u,干部甲,cadre,%sC\n"
	    "h%u,栋长乙,,\n"
	    "h%u,栋长乙,building_head,%sB2\n"
	    "l%u,组长丙,group_leader,%sG\n", n, tag, n, n, tag, n, tag);
	b = hz_arena_printf(fx.arena, "code,group_code,name,lane,door_no,rooms,"
	    "head_username\n%sB1,%sG,楼,%s巷,1,,h%u\n%sB2,%sG,楼,%s巷,2,,\n",
	    tag, tag, tag, n, tag, tag, tag);
	assert_int_equal(run(units_csv(), b, s, r), HZ_OK);
	assert_int_equal(r->staff, 3);
	assert_int_equal(r->roles, 3);
	assert_int_equal(r->buildings, 2);
	/* No password: nothing logs in. */
	head = hz_user_id_by_username(&fx, hz_arena_printf(fx.arena, "h%u", n));
	assert_int_not_equal(head, 0);
	assert_int_equal(hz_staff_authenticate(&fx, hz_arena_printf(fx.arena,
	    "h%u", n), "", &id), HZ_ERR_UNAUTHORIZED);
	/* The head holds both buildings: B1 by head_username, B2 by role. */
	assert_int_equal(hz_caller_load(&fx, head, &c), HZ_OK);
	assert_int_equal(c.ngrants, 2);
	b1 = hz_unit_id_by_code(&fx, code("B1"));
	assert_true(c.grants[0].unit_id == b1 || c.grants[1].unit_id == b1);
	assert_int_equal(hz_caller_load(&fx, hz_user_id_by_username(&fx,
	    hz_arena_printf(fx.arena, "c%u", n)), &c), HZ_OK);
	assert_int_equal(c.ngrants, 1);
	assert_int_equal(c.grants[0].role, HZ_ROLE_CADRE);

	/* Again: everything is there (2 units, 2 buildings, 3 roles). */
	assert_int_equal(run(units_csv(), b, s, r), HZ_OK);
	assert_int_equal(r->units + r->buildings + r->staff + r->roles, 0);
	assert_int_equal(r->present, 7);

	/* Must fail: a role at the wrong kind of unit, an unknown role, half
	 * a role, another name for an existing account, a bad username; a
	 * building whose head failed is not reported. */
	bad = hz_arena_printf(fx.arena, "username,display_name,role,unit_code\n"
	    "x%u,某人,cadre,%sG\n"
	    "y%u,某人,mayor,%sC\n"
	    "z%u,某人,cadre,\n"
	    "c%u,别的名字,,\n"
	    "Bad Name,某人,,\n"
	    "w%u,\"某\n人\",,\n", n, tag, n, tag, n, n, n);
	b = hz_arena_printf(fx.arena, "code,group_code,name,lane,door_no,rooms,"
	    "head_username\n%sB3,%sG,楼,%s巷,3,,w%u\n", tag, tag, tag, n);
	assert_int_equal(run(units_csv(), b, bad, r), HZ_ERR_INVALID);
	assert_int_equal(r->nerr, 6);
	assert_string_equal(r->errs[0].column, "role");
	assert_string_equal(r->errs[1].column, "role");
	assert_string_equal(r->errs[2].column, "unit_code");
	assert_string_equal(r->errs[3].column, "display_name");
	assert_string_equal(r->errs[4].column, "username");
	assert_string_equal(r->errs[5].column, "display_name");
	assert_int_equal(r->knock_on, 1);
	assert_int_equal(hz_user_id_by_username(&fx, hz_arena_printf(fx.arena,
	    "x%u", n)), 0);
}

/* --- the village: inside a transaction rolled back ---------------------- */

struct village_job {
	struct hz_setup_state   st;
	enum hz_status          plant, same, other, renamed, init;
	struct hz_import_result same_r, other_r, renamed_r;
	const char             *code, *name;
	struct hz_refusal       init_why;
};

static enum hz_status
village_tx(const struct hz_ctx *x, void *p)
{
	struct village_job *j = p;
	struct hz_import_file u, b;
	struct hz_setup_input in = { "NEWV", "新村", "newadmin", "新管理员",
	    "long enough password" };
	struct hz_ctx y = *x;
	uint64_t v, user;

	j->plant = HZ_OK;
	if (hz_setup_state(x, &j->st))
		return HZ_ERR_DB;
	if (j->st.village == 0) {
		/* None yet: plant one (as huzu init would). */
		struct hz_unit_input v0 = { .kind = "village", .name = "某村",
		    .code = hz_arena_printf(x->arena, "%sV", tag) };
		j->plant = hz_unit_create(x, &v0, &v);
		if (hz_setup_state(x, &j->st))
			return HZ_ERR_DB;
	}
	j->code = j->st.village_code;
	j->name = j->st.village_name;
	/* The village row again, and a cooperative under it (buildings.csv
	 * needs a row: one under the new cooperative's group). */
	const char *t = hz_arena_printf(x->arena, "code,parent_code,kind,name\n"
	    "%s,,village,%s\n%sC,%s,cooperative,一社\n%sG,%sC,group,组\n",
	    j->code, j->name, tag, j->code, tag, tag);
	const char *bt = hz_arena_printf(x->arena, "code,group_code,name,lane,"
	    "door_no,rooms,head_username\n%sB,%sG,楼,%s巷,1,,\n", tag, tag, tag);
	u = (struct hz_import_file){ "units.csv", t, strlen(t) };
	b = (struct hz_import_file){ "buildings.csv", bt, strlen(bt) };
	j->same = hz_import_files(x, &u, &b, NULL, NULL, &j->same_r);
	/* Another village. */
	t = hz_arena_printf(x->arena, "code,parent_code,kind,name\n"
	    "%sW,,village,别的村\n%sC2,%sW,cooperative,一社\n", tag, tag, tag);
	u = (struct hz_import_file){ "units.csv", t, strlen(t) };
	j->other = hz_import_files(x, &u, &b, NULL, NULL, &j->other_r);
	/* The village's code with another name. */
	t = hz_arena_printf(x->arena, "code,parent_code,kind,name\n"
	    "%s,,village,改了名的村\n", j->code);
	u = (struct hz_import_file){ "units.csv", t, strlen(t) };
	j->renamed = hz_import_files(x, &u, &b, NULL, NULL, &j->renamed_r);
	/* init, with a village there. */
	y.why = &j->init_why;
	j->init = hz_setup_init(&y, &in, &v, &user);
	return HZ_ERR_CONFLICT;    /* roll it all back */
}

static void
the_village_row_is_present_another_village_stops(void **state)
{
	struct village_job j;
	struct hz_setup_state before, after;

	(void)state;
	FX_NEED_DB();
	assert_non_null(fresh());
	memset(&j, 0, sizeof(j));
	assert_int_equal(hz_setup_state(&fx, &before), HZ_OK);
	assert_int_equal(hz_tx(&fx, village_tx, &j), HZ_ERR_CONFLICT);
	assert_int_equal(j.plant, HZ_OK);
	assert_non_null(j.code);

	assert_int_equal(j.same, HZ_OK);
	assert_int_equal(j.same_r.present, 1);
	assert_int_equal(j.same_r.units, 2);
	assert_int_equal(j.same_r.buildings, 1);

	/* Named, alone, by its code and name. */
	assert_int_equal(j.other, HZ_ERR_INVALID);
	assert_true(j.other_r.root);
	assert_int_equal(j.other_r.nerr, 1);
	assert_int_equal(j.other_r.errs[0].line, 2);
	assert_non_null(strstr(j.other_r.errs[0].reason, j.code));
	assert_non_null(strstr(j.other_r.errs[0].reason, j.name));
	assert_int_equal(j.renamed, HZ_ERR_INVALID);
	assert_true(j.renamed_r.root);
	assert_int_equal(j.renamed_r.nerr, 1);

	assert_int_equal(j.init, HZ_ERR_CONFLICT);
	assert_string_equal(j.init_why.code, "not_empty");
	/* Rolled back: the database has the village it had. */
	assert_int_equal(hz_setup_state(&fx, &after), HZ_OK);
	assert_int_equal(after.village, before.village);
	assert_int_equal(hz_unit_id_by_code(&fx, code("C")), 0);
	assert_int_equal(hz_user_id_by_username(&fx, "newadmin"), 0);
}

/* --- init on a half-set-up instance: inside a transaction rolled back --- */

enum { H_NO_VILLAGE, H_NO_STAFF, H__MAX };
static const char *const half_sql[H__MAX] = {
	/* The village (parent_id NULL) out of sight, as the fixture's root. */
	[H_NO_VILLAGE] = "UPDATE units SET parent_id = id"
	    " WHERE parent_id IS NULL",
	[H_NO_STAFF] = "UPDATE users SET kind = 'resident'"
	    " WHERE kind = 'staff'",
};
static const struct hz_stmt_table half_stmts =
    HZ_STMT_TABLE("test_importer_half", half_sql);

struct half_job {
	bool                  staff;    /* keep staff (no village), or not */
	enum hz_status        prep, init;
	struct hz_setup_state st;
	struct hz_refusal     why;
};

static enum hz_status
half_tx(const struct hz_ctx *x, void *p)
{
	struct half_job *j = p;
	struct hz_setup_input in = { "HALFV", "半村", "halfadmin", "半管理员",
	    "long enough password" };
	struct hz_ctx y = *x;
	uint64_t v, user;

	if ((j->prep = hz_setup_state(x, &j->st)))
		return HZ_ERR_DB;
	if (j->staff) {
		if (j->st.staff == 0) {
			struct hz_staff_new s = { .username =
			    hz_arena_printf(x->arena, "%sstaff", tag),
			    .display_name = "某人",
			    .password = "long enough password" };

			if ((j->prep = hz_staff_create(x, &s, &user)))
				return HZ_ERR_DB;
		}
		j->prep = hz_db_run(x->db, x->arena, &half_stmts,
		    H_NO_VILLAGE, HZ_NO_ARGS, NULL);
	} else {
		if (j->st.village == 0) {
			struct hz_unit_input v0 = { .kind = "village",
			    .name = "某村",
			    .code = hz_arena_printf(x->arena, "%sV", tag) };

			if ((j->prep = hz_unit_create(x, &v0, &v)))
				return HZ_ERR_DB;
		}
		j->prep = hz_db_run(x->db, x->arena, &half_stmts,
		    H_NO_STAFF, HZ_NO_ARGS, NULL);
	}
	if (j->prep || (j->prep = hz_setup_state(x, &j->st)))
		return HZ_ERR_DB;
	y.why = &j->why;
	j->init = hz_setup_init(&y, &in, &v, &user);
	return HZ_ERR_CONFLICT;    /* roll it all back */
}

/* Staff but no village, or a village but no staff: init refuses either,
 * as it does both. */
static void
init_refuses_a_half_set_up_instance(void **state)
{
	struct half_job j;

	(void)state;
	FX_NEED_DB();
	assert_non_null(fresh());
	memset(&j, 0, sizeof(j));
	j.staff = true;
	assert_int_equal(hz_tx(&fx, half_tx, &j), HZ_ERR_CONFLICT);
	assert_int_equal(j.prep, HZ_OK);
	assert_true(j.st.staff > 0);
	assert_int_equal(j.st.village, 0);
	assert_int_equal(j.init, HZ_ERR_CONFLICT);
	assert_string_equal(j.why.code, "not_empty");

	memset(&j, 0, sizeof(j));
	j.staff = false;
	assert_int_equal(hz_tx(&fx, half_tx, &j), HZ_ERR_CONFLICT);
	assert_int_equal(j.prep, HZ_OK);
	assert_int_equal(j.st.staff, 0);
	assert_true(j.st.village != 0);
	assert_int_equal(j.init, HZ_ERR_CONFLICT);
	assert_string_equal(j.why.code, "not_empty");
	/* Rolled back: nothing of either init stayed. */
	assert_int_equal(hz_user_id_by_username(&fx, "halfadmin"), 0);
	assert_int_equal(hz_unit_id_by_code(&fx, "HALFV"), 0);
}

/* Two villages in one file, into a database without one: the second is
 * named alone. With a village there, the first is. */
static void
two_villages_in_one_file(void **state)
{
	struct hz_import_result *r = result();
	const char *u;

	(void)state;
	FX_NEED_DB();
	assert_non_null(fresh());
	u = hz_arena_printf(fx.arena, "code,parent_code,kind,name\n"
	    "%sV1,,village,一村\n%sV2,,village,二村\n", tag, tag);
	assert_int_equal(run(u, "code,group_code,name,lane,door_no,rooms,"
	    "head_username\nB,G,楼,巷,1,,\n", NULL, r), HZ_ERR_INVALID);
	assert_true(r->root);
	assert_int_equal(r->nerr, 1);
	assert_int_equal(hz_unit_id_by_code(&fx, code("V1")), 0);
}

/* Rows Excel leaves for cleared ones (",,,") are skipped like blank
 * lines; a code or username repeated inside the import is named by the
 * line it first appeared on, not as one the database has. */
static void
empty_rows_skipped_repeats_named(void **state)
{
	struct hz_import_result *r = result();
	const char *u, *b, *s;

	(void)state;
	FX_NEED_DB();
	assert_non_null(fresh());
	u = hz_arena_printf(fx.arena, "%s,,,\r\n , \xe3\x80\x80,,\n",
	    units_csv());
	b = hz_arena_printf(fx.arena, "code,group_code,name,lane,door_no,"
	    "rooms,head_username\n%sB1,%sG,一栋,%s,1,,\n,,,,,,\n", tag,
	    tag, tag);
	assert_int_equal(run(u, b, NULL, r), HZ_OK);
	assert_int_equal(r->nerr, 0);
	assert_int_equal(r->units, 2);
	assert_int_equal(r->buildings, 1);

	assert_non_null(fresh());
	b = hz_arena_printf(fx.arena, "code,group_code,name,lane,door_no,"
	    "rooms,head_username\n%sB1,%sG,一栋,%s,1,,\n"
	    "%sB2,%sG,二栋,%s,2,,\n%sB1,%sG,一栋,%s,3,,\n", tag, tag, tag,
	    tag, tag, tag, tag, tag, tag);
	s = "username,display_name,role,unit_code\n"
	    "dupe1,甲,,\ndupe1,乙,,\n";
	assert_int_equal(run(units_csv(), b, s, r), HZ_ERR_INVALID);
	assert_int_equal(r->nerr, 2);
	assert_string_equal(r->errs[0].file, "staff.csv");
	assert_int_equal(r->errs[0].line, 3);
	assert_non_null(strstr(r->errs[0].reason, "账号 dupe1 与第 2 行重复"));
	assert_string_equal(r->errs[1].file, "buildings.csv");
	assert_int_equal(r->errs[1].line, 4);
	assert_string_equal(r->errs[1].reason, hz_arena_printf(fx.arena,
	    "编码 %sB1 与第 2 行重复", tag));
	assert_int_equal(hz_unit_id_by_code(&fx, code("B1")), 0);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(root_errors_stop_alone),
	cmocka_unit_test(gbk_is_named),
	cmocka_unit_test(bad_cells_are_refused_by_line_and_column),
	cmocka_unit_test(line_errors_are_all_or_nothing),
	cmocka_unit_test(staff_csv_makes_accounts_and_roles),
	cmocka_unit_test(the_village_row_is_present_another_village_stops),
	cmocka_unit_test(init_refuses_a_half_set_up_instance),
	cmocka_unit_test(two_villages_in_one_file),
	cmocka_unit_test(empty_rows_skipped_repeats_named))
