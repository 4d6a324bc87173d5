/* For unit tests that need the real database (scripts/test provides it
 * through HUZU_TEST_CONFIG): config, keys, a migrated schema, a context,
 * and the helpers the domain tests share. Include it after unit.h: some
 * helpers assert with cmocka. */
#ifndef HZ_DBFIXTURE_H
#define HZ_DBFIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "config.h"
#include "crypto.h"
#include "ctx.h"
#include "db.h"
#include "idcard.h"
#include "importer.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "policy.h"
#include "qr.h"
#include "tenancies.h"
#include "units.h"
#include "users.h"

static struct hz_config fx_cfg;
static struct hz_keys fx_keys;
static struct hz_ctx fx;
static struct hz_refusal fx_why;    /* why core last refused */

static inline int
fx_setup(void **state)
{
	const char *path = getenv("HUZU_TEST_CONFIG");
	char err[256];
	int applied;
	FILE *devnull;

	(void)state;
	hz_log_set_level(HZ_LOG_ERROR + 1);
	if (path == NULL)
		return getenv("HUZU_TEST_REQUIRE_DB") ? -1 : 0;
	if (sodium_init() < 0 ||
	    hz_config_load(&fx_cfg, path, err, sizeof(err)) != HZ_OK ||
	    hz_keys_load(&fx_cfg, &fx_keys, err, sizeof(err)) != HZ_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	fx.cfg = &fx_cfg;
	fx.keys = &fx_keys;
	fx.arena = hz_arena_new(64 * 1024);
	fx.db = hz_db_new(&fx_cfg);
	fx.request_id = "unit-test";
	fx.ip = "192.0.2.1";
	fx.now = time(NULL);
	fx.why = &fx_why;
	hz_json_use_arena(fx.arena);
	devnull = fopen("/dev/null", "w");
	if (hz_migrate(fx.db, fx_cfg.sql_dir, devnull, &applied) != HZ_OK)
		return -1;
	fclose(devnull);
	return 0;
}

static inline int
fx_teardown(void **state)
{
	(void)state;
	hz_json_use_arena(NULL);
	hz_db_free(fx.db);
	hz_arena_free(fx.arena);
	return 0;
}

/* Skips the test when there is no database (a plain `ctest`). */
#define FX_NEED_DB() do { if (fx.db == NULL) skip(); } while (0)

/* A random mainland mobile number, so reruns never collide. */
static inline const char *
fx_phone(void)
{
	return hz_arena_printf(fx.arena, "139%08u",
	    (unsigned)randombytes_uniform(100000000));
}

/* --- For the domain tests: an org tree, people and codes of their own. --- */

/* What the helpers below run. The fixture's root is a village whose parent
 * is itself: a deployment has one village (parent_id NULL), test_units
 * plants that one, and no test may depend on whether it ran first. */
enum {
	FX_ROOT_INSERT, FX_ROOT_PATH, FX_AUDITS, FX_REFRESH_STATES, FX__MAX
};

static inline const struct hz_stmt_table *
fx_stmts(void)
{
	static const char *const sql[FX__MAX] = {
		[FX_ROOT_INSERT] = "INSERT INTO units (kind, name, code, path)"
		    " VALUES ('village', '测试根', 'fx-root', CONCAT('new:', UUID()))",
		[FX_ROOT_PATH] = "UPDATE units SET parent_id = id,"
		    " path = CONCAT('/', id, '/') WHERE code = 'fx-root'",
		[FX_AUDITS] = "SELECT COUNT(*) FROM audit_log WHERE action = ?"
		    " AND (? = 0 OR actor_id = ?) AND (? = 0 OR target_id = ?)",
		[FX_REFRESH_STATES] = "SELECT state FROM refresh_tokens"
		    " WHERE user_id = ? ORDER BY id",
	};
	static const struct hz_stmt_table t = HZ_STMT_TABLE("dbfixture", sql);

	return &t;
}

static inline enum hz_status
fx_root_tx(struct hz_db *db, void *p)
{
	enum hz_status rc;

	(void)p;
	if ((rc = hz_db_run(db, fx.arena, fx_stmts(), FX_ROOT_INSERT,
	    HZ_NO_ARGS, NULL)))
		return rc;
	return hz_db_run(db, fx.arena, fx_stmts(), FX_ROOT_PATH, HZ_NO_ARGS,
	    NULL);
}

/* The root the tests' trees hang under, made once per database. */
static inline uint64_t
fx_root(void)
{
	uint64_t id = hz_unit_id_by_code(&fx, "fx-root");

	if (id == 0 && hz_db_tx(fx.db, fx_root_tx, NULL) == HZ_OK)
		id = hz_unit_id_by_code(&fx, "fx-root");
	return id;
}

/* A fresh tree under the root: cooperatives c1, c2; groups g1 (c1) and
 * g2 (c2); buildings b1, b2 (g1) and b3 (g2). Codes and lanes carry a
 * random tag, so every call makes new units. */
struct fx_org {
	char     tag[16];
	uint64_t c1, c2, g1, g2, b1, b2, b3;
};

static inline uint64_t
fx_code(const struct fx_org *o, const char *c)
{
	return hz_unit_id_by_code(&fx, hz_arena_printf(fx.arena, "%s%s",
	    o->tag, c));
}

static inline enum hz_status
fx_org_new(struct fx_org *o)
{
	struct hz_import_result *res;
	const char *t = o->tag;
	char *u, *b;
	enum hz_status rc;

	snprintf(o->tag, sizeof(o->tag), "o%u-",
	    (unsigned)randombytes_uniform(1u << 30));
	if (fx_root() == 0)
		return HZ_ERR_DB;
	u = hz_arena_printf(fx.arena, "code,parent_code,kind,name\n"
	    "%sC1,fx-root,cooperative,一社\n%sC2,fx-root,cooperative,二社\n"
	    "%sG1,%sC1,group,东巷\n%sG2,%sC2,group,南约\n", t, t, t, t, t, t);
	b = hz_arena_printf(fx.arena, "name,code,group_code,lane,door_no,"
	    "rooms,head_username\n1号楼,%sB1,%sG1,%s东一巷,1,\"101, 102\",\n"
	    "2号楼,%sB2,%sG1,%s东一巷,2,,\n3号楼,%sB3,%sG2,%s南约大街,3,,\n",
	    t, t, t, t, t, t, t, t, t);
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return HZ_ERR_NOMEM;
	rc = hz_import(&fx, "units.csv", u, strlen(u), "buildings.csv", b,
	    strlen(b), NULL, res);
	for (size_t i = 0; rc == HZ_ERR_INVALID && i < res->nerr; i++)
		fprintf(stderr, "%s:%zu %s %s\n", res->errs[i].file,
		    res->errs[i].line, res->errs[i].column,
		    res->errs[i].reason);
	free(res);
	if (rc)
		return rc;
	o->c1 = fx_code(o, "C1");
	o->c2 = fx_code(o, "C2");
	o->g1 = fx_code(o, "G1");
	o->g2 = fx_code(o, "G2");
	o->b1 = fx_code(o, "B1");
	o->b2 = fx_code(o, "B2");
	o->b3 = fx_code(o, "B3");
	return o->b3 != 0 ? HZ_OK : HZ_ERR_INTERNAL;
}

/* A new staff account holding `role` at `unit` (unit 0: no role), loaded
 * as a caller. */
static inline enum hz_status
fx_staff(struct hz_caller *c, enum hz_role role, uint64_t unit)
{
	char name[32];
	struct hz_staff_new s = { .username = name,
	    .display_name = "测试员", .password = "long enough password" };
	uint64_t id, grant;
	enum hz_status rc;

	snprintf(name, sizeof(name), "fx%u",
	    (unsigned)randombytes_uniform(1u << 30));
	if ((rc = hz_staff_create(&fx, &s, &id)) ||
	    (unit && (rc = hz_role_grant(&fx, id, role, unit, &grant))))
		return rc;
	return hz_caller_load(&fx, id, c);
}

/* A new resident (by a fresh phone), loaded as a caller. */
static inline enum hz_status
fx_resident(struct hz_caller *c)
{
	uint64_t id;
	bool created;
	enum hz_status rc;

	if ((rc = hz_resident_by_phone(&fx, fx_phone(), &id, &created)))
		return rc;
	return hz_caller_load(&fx, id, c);
}

/* A random resident ID number with a right GB 11643 check character. */
static inline const char *
fx_id_number(void)
{
	char *n = hz_arena_printf(fx.arena, "44%04u19%02u%02u%02u%03u_",
	    (unsigned)randombytes_uniform(10000),
	    50 + (unsigned)randombytes_uniform(50),
	    1 + (unsigned)randombytes_uniform(12),
	    1 + (unsigned)randombytes_uniform(28),
	    (unsigned)randombytes_uniform(1000));

	n[17] = hz_id_check_char(n);
	return n;
}

/* The code a building's poster carries now. */
static inline const char *
fx_token(uint64_t building)
{
	struct hz_unit b;
	char *token = NULL;

	if (hz_unit_public(&fx, building, &b) != HZ_OK ||
	    hz_qr_token(fx.arena, &fx_keys.qr, HZ_QR_BUILDING, building, b.qr_serial, &token))
		return NULL;
	return token;
}

/* Audit rows with `action`, by `actor` and on `target` (0: any). */
static inline long long
fx_audits(const char *action, uint64_t actor, uint64_t target)
{
	struct hz_db_result r;
	struct hz_db_arg a = HZ_ARG_I64((long long)actor);
	struct hz_db_arg t = HZ_ARG_I64((long long)target);

	if (hz_db_run(fx.db, fx.arena, fx_stmts(), FX_AUDITS,
	    HZ_ARGS(HZ_ARG_STR(action), a, a, t, t), &r) != HZ_OK)
		return -1;
	return HZ_CELL(&r, 0, 0)->i;
}

/* The states of the user's refresh tokens, oldest first: "used,active". */
static inline const char *
fx_refresh_states(uint64_t user)
{
	struct hz_db_result r;
	struct hz_buf b;

	assert_int_equal(hz_db_run(fx.db, fx.arena, fx_stmts(),
	    FX_REFRESH_STATES, HZ_ARGS(HZ_ARG_I64((long long)user)), &r),
	    HZ_OK);
	hz_buf_init(&b, fx.arena);
	for (size_t i = 0; i < r.nrows; i++)
		hz_buf_printf(&b, "%s%s", i ? "," : "", HZ_CELL(&r, i, 0)->s);
	hz_buf_append(&b, "", 1);
	assert_false(b.oom);
	return b.data;
}

/* --- For the tests of callers: who asks, and why core said no. --- */

/* The fixture's context acting for `c` (NULL: anonymous). */
static inline struct hz_ctx
fx_as(const struct hz_caller *c)
{
	struct hz_ctx x = fx;

	x.caller = c;
	return x;
}

/* `rc` is `want`, and core's refusal in `x` explains it: `code` on
 * `field` (NULL: none), with words for the user. The refusal is used up
 * after: the next check needs one of its own (its words stay readable in
 * fx_why). */
static inline void
fx_refused(const struct hz_ctx *x, enum hz_status rc, enum hz_status want,
           const char *code, const char *field)
{
	const struct hz_refusal *why;

	assert_int_equal(rc, want);
	why = hz_refusal_of(x, rc);
	assert_non_null(why);
	assert_string_equal(why->code, code);
	if (field == NULL)
		assert_null(why->field);
	else
		assert_string_equal(why->field, field);
	fx_why.status = HZ_STATUS__MAX;
	assert_non_null(why->message);
}

/* The usual people of a fresh org: the head of b1, the leader of g1, a
 * cadre of c1, a station manager at b1 (a role there that reads
 * nothing) and a resident. */
struct fx_cast {
	struct hz_caller head, leader, cadre, station, r;
};

static inline enum hz_status
fx_cast_new(struct fx_org *o, struct fx_cast *k)
{
	enum hz_status rc;

	if ((rc = fx_org_new(o)) ||
	    (rc = fx_staff(&k->head, HZ_ROLE_BUILDING_HEAD, o->b1)) ||
	    (rc = fx_staff(&k->leader, HZ_ROLE_GROUP_LEADER, o->g1)) ||
	    (rc = fx_staff(&k->cadre, HZ_ROLE_CADRE, o->c1)) ||
	    (rc = fx_staff(&k->station, HZ_ROLE_STATION_MANAGER, o->b1)))
		return rc;
	return fx_resident(&k->r);
}

/* --- Registrations. --- */

/* A form that passes every rule, for the building `token` names. */
static inline struct hz_tenancy_input
fx_form(const char *token)
{
	return (struct hz_tenancy_input){ .token = token, .name = "张三",
	    .id_type = "resident_id", .id_number = fx_id_number(),
	    .phone = fx_phone(), .room = "101", .move_in = "2024-03-01",
	    .reason = "work", .consent_version = HZ_POLICY_VERSION };
}

/* A new resident `r` registered in `building`: the tenancy's id. It is
 * pending, or active when `approver` (not NULL) approved it. */
static inline uint64_t
fx_registered(struct hz_caller *r, uint64_t building,
              const struct hz_caller *approver)
{
	struct hz_tenancy_input in = fx_form(fx_token(building));
	struct hz_ctx x;
	uint64_t id;

	assert_int_equal(fx_resident(r), HZ_OK);
	x = fx_as(r);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_true(id > 0);
	if (approver != NULL) {
		x = fx_as(approver);
		assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE,
		    NULL), HZ_OK);
	}
	return id;
}

/* --- A test's own statements, each on one id. --- */

/* Runs statement `stmt` of `t`. */
static inline void
fx_exec(const struct hz_stmt_table *t, size_t stmt, uint64_t id)
{
	assert_int_equal(hz_db_run(fx.db, fx.arena, t, stmt,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), NULL), HZ_OK);
}

/* What statement `stmt` of `t`, a SELECT COUNT(*), counts. */
static inline long long
fx_count(const struct hz_stmt_table *t, size_t stmt, uint64_t id)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, t, stmt,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->i;
}

#endif
