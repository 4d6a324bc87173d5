/* An Idempotency-Key's write whose COMMIT has an unknown outcome (error
 * 1180, a lost connection) against the real database, for two routes a
 * key alone protects (a directive send, a shift publish: neither has a
 * natural unique key). The request runs as fcgi/dispatch.c runs it:
 * claim, bind, the core call, unbind, then finish or forget. The fault
 * hook answers the COMMIT with the error either without sending it (the
 * write rolled back) or after it ran (the write is in, its answer lost).
 * Whatever happened, a retry under the key never writes twice, and a
 * write that did not commit runs once more. */
#include "unit.h"

#include <string.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "dbfixture.h"
#include "directives.h"
#include "idempotency.h"
#include "shifts.h"
#include "stations.h"

enum { Q_TITLED, Q_SHIFTS, Q_AGE_CLAIM, Q_COMMITS, Q_KEYS, Q__MAX };
static const char *const sql[Q__MAX] = {
	[Q_TITLED] = "SELECT COUNT(*) FROM directives WHERE title = ?",
	[Q_SHIFTS] = "SELECT COUNT(*) FROM shifts WHERE station_id = ?",
	/* The claim's worker died a minute ago. */
	[Q_AGE_CLAIM] = "UPDATE idempotency_keys SET claimed_at = claimed_at"
	    " - INTERVAL 61 SECOND WHERE user_id = ?",
	[Q_COMMITS] = "SELECT commits FROM idempotency_keys"
	    " WHERE user_id = ?",
	[Q_KEYS] = "SELECT COUNT(*) FROM idempotency_keys WHERE user_id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE(
    "test_idempotency_commit", sql);

/* The write under test, as a handler calls core. */
struct route {
	enum hz_status (*run)(const struct hz_ctx *, void *arg);
	void           *arg;
	const char     *path;
	long long     (*count)(void *arg);   /* rows written so far */
};

/* What became of one request. */
struct outcome {
	enum hz_status claim;     /* HZ_OK: it ran */
	enum hz_status rc;        /* the core call's */
	bool           unknown;   /* hz_db_commit_unknown after it */
	bool           applied;   /* forget closed it as committed */
	char           code[48];  /* the claim's refusal, if any */
};

/* The fault the next request's COMMIT meets: err 0 for none. */
struct fault {
	unsigned err;
	bool     ran;
};

static const struct hz_idem_answer ok_answer = { 201,
    "application/json; charset=utf-8", "", 0, "{\"ok\":true}", 11 };

/* One request under `key` by `c`, the way fcgi/dispatch.c runs it, but
 * with the forget left for later when `forget` is false (the worker was
 * killed after its COMMIT). */
static struct outcome
request(const struct hz_caller *c, const char *key, const struct route *rt,
        struct fault f, bool forget, struct hz_idem_claim *cl)
{
	struct hz_ctx x = fx_as(c);
	struct hz_idem_request q = { "POST", rt->path, "", "{}", 2 };
	struct hz_idem_answer a;
	struct outcome o = { 0 };

	fx_why = (struct hz_refusal){ 0 };
	o.claim = hz_idempotency_claim(&x, key, &q, cl, &a);
	if (o.claim != HZ_OK) {
		const struct hz_refusal *why = hz_refusal_of(&x, o.claim);

		if (why != NULL)
			snprintf(o.code, sizeof(o.code), "%s", why->code);
		return o;
	}
	hz_idempotency_bind(&x, cl);
	if (f.err != 0)
		hz_db_test_faults(fx.db, "COMMIT", f.err, 1, f.ran);
	o.rc = rt->run(&x, rt->arg);
	hz_idempotency_unbind(&x);
	o.unknown = hz_db_commit_unknown(fx.db);
	assert_int_equal(hz_db_test_faults_left(fx.db), 0);
	if (o.rc == HZ_OK)
		assert_int_equal(hz_idempotency_finish(&x, cl, &ok_answer),
		    HZ_OK);
	else if (forget)
		assert_int_equal(hz_idempotency_forget(&x, cl, &o.applied),
		    HZ_OK);
	return o;
}

static void
refused_as(const struct outcome *o, enum hz_status st, const char *code)
{
	assert_int_equal(o->claim, st);
	assert_string_equal(o->code, code);
}

static const char *
fresh_key(void)
{
	return hz_arena_printf(fx.arena, "c-%u-%u",
	    (unsigned)randombytes_uniform(1u << 30),
	    (unsigned)randombytes_uniform(1u << 30));
}

/* --- The two routes. --- */

struct directive_job {
	struct hz_directive_input in;
	struct hz_directive       out;
};

static enum hz_status
send(const struct hz_ctx *x, void *arg)
{
	struct directive_job *j = arg;

	return hz_directive_send(x, &j->in, &j->out);
}

static long long
directives_sent(void *arg)
{
	struct directive_job *j = arg;
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, Q_TITLED,
	    HZ_ARGS(HZ_ARG_STR(j->in.title)), &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->i;
}

struct shift_job {
	struct hz_shift_new in;
};

static enum hz_status
publish(const struct hz_ctx *x, void *arg)
{
	struct shift_job *j = arg;
	struct hz_ctx at = *x;
	struct hz_shift *out;
	size_t n;

	at.now = j->in.starts_at - 3 * 86400;
	return hz_shift_create(&at, &j->in, &out, &n);
}

static long long
shifts_published(void *arg)
{
	struct shift_job *j = arg;

	return fx_count(&stmts, Q_SHIFTS, j->in.station_id);
}

/* A cadre of c1 sending to c1's building heads (the head of b1). */
static struct route
directive_route(struct fx_cast *k, struct fx_org *o, struct directive_job *j)
{
	assert_int_equal(fx_cast_new(o, k), HZ_OK);
	memset(j, 0, sizeof(*j));
	j->in = (struct hz_directive_input){ .unit_id = o->c1,
	    .audience = "heads",
	    .title = hz_arena_printf(fx.arena, "消防检查%s", o->tag),
	    .body = "请各栋长本周内检查消防通道。",
	    .deadline = time(NULL) + 3 * 86400 };
	return (struct route){ send, j, "/api/v1/directives", directives_sent };
}

/* A station manager publishing one shift at a new station of c1. */
static struct route
shift_route(struct hz_caller *m, struct fx_org *o, struct shift_job *j)
{
	struct hz_station_edit e = { .set_manager = true };
	struct hz_station s;
	uint64_t station;
	time_t t0 = (time(NULL) / 3600 + 30 * 24) * 3600;

	assert_int_equal(fx_org_new(o), HZ_OK);
	assert_int_equal(fx_staff(m, HZ_ROLE_STATION_MANAGER, o->c1), HZ_OK);
	assert_int_equal(hz_station_create(&fx, o->c1, "culture",
	    hz_arena_printf(fx.arena, "%s文化站", o->tag), &station), HZ_OK);
	e.manager_id = m->id;
	assert_int_equal(hz_station_update(&fx, station, &e, &s), HZ_OK);
	j->in = (struct hz_shift_new){ .station_id = station,
	    .title = "图书室值班", .starts_at = t0, .ends_at = t0 + 7200,
	    .capacity = 3, .count = 1 };
	return (struct route){ publish, j, "/api/v1/shifts", shifts_published };
}

/* --- The cases, each run on both routes. --- */

/* The COMMIT ran, and its answer was lost (`err`): the write is in. The
 * 503 closes the claim as applied; a retry, at once or a minute later,
 * is told so and writes nothing. */
static void
committed_unknown(const struct hz_caller *c, const struct route *rt,
                  unsigned err)
{
	struct hz_idem_claim cl, cl2;
	struct outcome o;
	const char *key = fresh_key();

	o = request(c, key, rt, (struct fault){ err, true }, false, &cl);
	assert_int_equal(o.claim, HZ_OK);
	assert_int_equal(o.rc, HZ_ERR_DB_UNAVAILABLE);
	assert_true(o.unknown);
	assert_int_equal(rt->count(rt->arg), 1);
	assert_int_equal(fx_count(&stmts, Q_COMMITS, c->id), 1);
	/* Before the first worker answers, a retry waits. */
	o = request(c, key, rt, (struct fault){ 0 }, true, &cl2);
	refused_as(&o, HZ_ERR_CONFLICT, "idempotency_in_progress");
	/* Its forget finds the write in: closed, not dropped. */
	{
		struct hz_ctx x = fx_as(c);
		bool applied;

		assert_int_equal(hz_idempotency_forget(&x, &cl, &applied),
		    HZ_OK);
		assert_true(applied);
	}
	for (int i = 0; i < 2; i++) {
		o = request(c, key, rt, (struct fault){ 0 }, true, &cl2);
		refused_as(&o, HZ_ERR_CONFLICT, "idempotency_key_applied");
	}
	fx_exec(&stmts, Q_AGE_CLAIM, c->id);
	o = request(c, key, rt, (struct fault){ 0 }, true, &cl2);
	refused_as(&o, HZ_ERR_CONFLICT, "idempotency_key_applied");
	assert_int_equal(rt->count(rt->arg), 1);
}

/* The COMMIT never reached the server (`err` before it ran): nothing is
 * in. The 503 drops the claim, and the retry writes once. */
static void
rolled_back_unknown(const struct hz_caller *c, const struct route *rt,
                    unsigned err)
{
	struct hz_idem_claim cl;
	struct outcome o;
	const char *key = fresh_key();

	o = request(c, key, rt, (struct fault){ err, false }, true, &cl);
	assert_int_equal(o.claim, HZ_OK);
	assert_int_equal(o.rc, HZ_ERR_DB_UNAVAILABLE);
	assert_true(o.unknown);
	assert_false(o.applied);
	assert_int_equal(rt->count(rt->arg), 0);
	assert_int_equal(fx_count(&stmts, Q_KEYS, c->id), 0);
	o = request(c, key, rt, (struct fault){ 0 }, true, &cl);
	assert_int_equal(o.claim, HZ_OK);
	assert_int_equal(o.rc, HZ_OK);
	assert_false(o.unknown);
	assert_int_equal(rt->count(rt->arg), 1);
	/* And the one after that is the stored answer. */
	o = request(c, key, rt, (struct fault){ 0 }, true, &cl);
	assert_int_equal(o.claim, HZ_DONE);
	assert_int_equal(rt->count(rt->arg), 1);
}

/* The worker died after an unknown COMMIT, before its forget: a minute
 * later the claim is taken over only if nothing was committed. */
static void
dead_worker(const struct hz_caller *c, const struct route *rt)
{
	struct hz_idem_claim cl;
	struct outcome o;
	const char *key = fresh_key();

	/* Not committed: taken over, written once. */
	o = request(c, key, rt, (struct fault){ CR_SERVER_LOST, false }, false,
	    &cl);
	assert_int_equal(o.rc, HZ_ERR_DB_UNAVAILABLE);
	o = request(c, key, rt, (struct fault){ 0 }, true, &cl);
	refused_as(&o, HZ_ERR_CONFLICT, "idempotency_in_progress");
	fx_exec(&stmts, Q_AGE_CLAIM, c->id);
	o = request(c, key, rt, (struct fault){ 0 }, true, &cl);
	assert_int_equal(o.claim, HZ_OK);
	assert_int_equal(o.rc, HZ_OK);
	assert_int_equal(rt->count(rt->arg), 1);
}

static void
dead_worker_after_commit(const struct hz_caller *c, const struct route *rt)
{
	struct hz_idem_claim cl;
	struct outcome o;
	const char *key = fresh_key();

	o = request(c, key, rt, (struct fault){ ER_ERROR_DURING_COMMIT, true },
	    false, &cl);
	assert_int_equal(o.rc, HZ_ERR_DB_UNAVAILABLE);
	assert_true(o.unknown);
	fx_exec(&stmts, Q_AGE_CLAIM, c->id);
	o = request(c, key, rt, (struct fault){ 0 }, true, &cl);
	refused_as(&o, HZ_ERR_CONFLICT, "idempotency_key_applied");
	assert_int_equal(rt->count(rt->arg), 1);
}

/* A request that ran so long that its claim was taken over: its
 * transaction is rolled back (409), the taker's commits, once. */
static void
overtaken(const struct hz_caller *c, const struct route *rt)
{
	struct hz_ctx x = fx_as(c);
	struct hz_idem_request q = { "POST", rt->path, "", "{}", 2 };
	struct hz_idem_claim slow, fast;
	struct hz_idem_answer a;
	enum hz_status rc;
	const char *key = fresh_key();

	fx_why = (struct hz_refusal){ 0 };
	assert_int_equal(hz_idempotency_claim(&x, key, &q, &slow, &a), HZ_OK);
	fx_exec(&stmts, Q_AGE_CLAIM, c->id);
	assert_int_equal(hz_idempotency_claim(&x, key, &q, &fast, &a), HZ_OK);
	hz_idempotency_bind(&x, &slow);
	rc = rt->run(&x, rt->arg);
	hz_idempotency_unbind(&x);
	fx_refused(&x, rc, HZ_ERR_CONFLICT, "idempotency_in_progress", NULL);
	assert_int_equal(rt->count(rt->arg), 0);
	hz_idempotency_bind(&x, &fast);
	assert_int_equal(rt->run(&x, rt->arg), HZ_OK);
	hz_idempotency_unbind(&x);
	assert_int_equal(rt->count(rt->arg), 1);
}

static void
directive_send_commit_lost(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct directive_job j;
	struct route rt;

	(void)state;
	FX_NEED_DB();
	rt = directive_route(&k, &o, &j);
	committed_unknown(&k.cadre, &rt, CR_SERVER_LOST);
	rt = directive_route(&k, &o, &j);
	committed_unknown(&k.cadre, &rt, ER_ERROR_DURING_COMMIT);
	rt = directive_route(&k, &o, &j);
	rolled_back_unknown(&k.cadre, &rt, ER_ERROR_DURING_COMMIT);
	rt = directive_route(&k, &o, &j);
	rolled_back_unknown(&k.cadre, &rt, CR_SERVER_GONE_ERROR);
	rt = directive_route(&k, &o, &j);
	dead_worker(&k.cadre, &rt);
	rt = directive_route(&k, &o, &j);
	dead_worker_after_commit(&k.cadre, &rt);
	rt = directive_route(&k, &o, &j);
	overtaken(&k.cadre, &rt);
}

static void
shift_publish_commit_lost(void **state)
{
	struct fx_org o;
	struct hz_caller m;
	struct shift_job j;
	struct route rt;

	(void)state;
	FX_NEED_DB();
	rt = shift_route(&m, &o, &j);
	committed_unknown(&m, &rt, CR_SERVER_LOST);
	rt = shift_route(&m, &o, &j);
	committed_unknown(&m, &rt, ER_ERROR_DURING_COMMIT);
	rt = shift_route(&m, &o, &j);
	rolled_back_unknown(&m, &rt, CR_SERVER_LOST);
	rt = shift_route(&m, &o, &j);
	dead_worker(&m, &rt);
	rt = shift_route(&m, &o, &j);
	dead_worker_after_commit(&m, &rt);
	rt = shift_route(&m, &o, &j);
	overtaken(&m, &rt);
}

/* A request whose core call failed before its COMMIT (a refusal inside
 * the transaction, a deadlock storm) committed nothing: forgotten as
 * before, whatever the route. And a request that commits two
 * transactions marks the claim twice, in each. */
static void
a_failed_request_is_forgotten(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct directive_job j;
	struct route rt;
	struct hz_idem_claim cl;
	struct outcome out;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	rt = directive_route(&k, &o, &j);
	/* A deadlock at every COMMIT: rerun, then given up (503 busy); the
	 * outcome is known, nothing was done. */
	hz_db_test_faults(fx.db, "COMMIT", ER_LOCK_DEADLOCK, HZ_DB_TX_ATTEMPTS,
	    false);
	{
		struct hz_ctx x = fx_as(&k.cadre);
		struct hz_idem_request q = { "POST", rt.path, "", "{}", 2 };
		struct hz_idem_answer a;
		bool applied = true;

		assert_int_equal(hz_idempotency_claim(&x, key, &q, &cl, &a),
		    HZ_OK);
		hz_idempotency_bind(&x, &cl);
		assert_int_equal(rt.run(&x, rt.arg), HZ_ERR_DB_RETRY);
		hz_idempotency_unbind(&x);
		assert_int_equal(hz_db_test_faults_left(fx.db), 0);
		assert_false(hz_db_commit_unknown(fx.db));
		assert_int_equal(hz_idempotency_forget(&x, &cl, &applied),
		    HZ_OK);
		assert_false(applied);
	}
	assert_int_equal(rt.count(rt.arg), 0);
	out = request(&k.cadre, key, &rt, (struct fault){ 0 }, true, &cl);
	assert_int_equal(out.claim, HZ_OK);
	assert_int_equal(out.rc, HZ_OK);
	assert_int_equal(rt.count(rt.arg), 1);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(directive_send_commit_lost),
	cmocka_unit_test(shift_publish_commit_lost),
	cmocka_unit_test(a_failed_request_is_forgotten))
