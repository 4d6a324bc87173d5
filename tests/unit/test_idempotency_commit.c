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

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "complaints.h"
#include "dbfixture.h"
#include "directives.h"
#include "idempotency.h"
#include "shifts.h"
#include "stations.h"

enum { Q_TITLED, Q_SHIFTS, Q_AGE_CLAIM, Q_COMMITS, Q_KEYS, Q_MARK, Q_FILED,
    Q_FILED_ID, Q_MISSED, Q_LOCK, Q__MAX };
static const char *const sql[Q__MAX] = {
	[Q_TITLED] = "SELECT COUNT(*) FROM directives WHERE title = ?",
	[Q_SHIFTS] = "SELECT COUNT(*) FROM shifts WHERE station_id = ?",
	/* The claim's worker died a minute ago. */
	[Q_AGE_CLAIM] = "UPDATE idempotency_keys SET claimed_at = claimed_at"
	    " - INTERVAL 61 SECOND WHERE user_id = ?",
	[Q_COMMITS] = "SELECT commits FROM idempotency_keys"
	    " WHERE user_id = ?",
	[Q_KEYS] = "SELECT COUNT(*) FROM idempotency_keys WHERE user_id = ?",
	/* What core/idempotency.c's commit hook runs (STMT_MARK). */
	[Q_MARK] = "UPDATE idempotency_keys SET commits = commits + 1"
	    " WHERE user_id = ? AND key_hash = ? AND owner = ?"
	    " AND state = 'running'",
	[Q_FILED] = "SELECT COUNT(*) FROM complaints WHERE user_id = ?",
	[Q_FILED_ID] = "SELECT id FROM complaints WHERE user_id = ?",
	/* A compare-and-set that lost (checklists.c tick_tx, complaints.c
	 * act_tx): no row has revision -1. */
	[Q_MISSED] = "UPDATE directives SET title = title WHERE id = ?"
	    " AND ? = -1",
	[Q_LOCK] = "SELECT id FROM directives WHERE title = ? FOR UPDATE",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE(
    "test_idempotency_commit", sql);

/* The write under test, as a handler calls core. */
struct route {
	enum hz_status (*run)(const struct hz_ctx *, void *arg);
	void           *arg;
	const char     *path;
	long long     (*count)(void *arg);   /* rows written so far */
	bool            rerun_safe;          /* HZ_IDEM_RERUN_SAFE: unbound */
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
	if (!rt->rerun_safe)
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

struct complaint_job {
	struct hz_complaint_input in;
	struct hz_complaint       out;
	uint64_t                  user;
};

static enum hz_status
file_complaint(const struct hz_ctx *x, void *arg)
{
	struct complaint_job *j = arg;

	return hz_complaint_submit(x, &j->in, &j->out);
}

static long long
complaints_filed(void *arg)
{
	struct complaint_job *j = arg;

	return fx_count(&stmts, Q_FILED, j->user);
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

/* A new resident of b1 filing a complaint about it under `key` (the
 * route is HZ_IDEM_RERUN_SAFE: the complaint remembers its key). */
static struct route
complaint_route(struct fx_cast *k, struct fx_org *o, struct complaint_job *j,
                const char *key)
{
	assert_int_equal(fx_cast_new(o, k), HZ_OK);
	memset(j, 0, sizeof(*j));
	j->in = (struct hz_complaint_input){ .category = "noise",
	    .text = "楼下夜里施工，噪音很大", .building = o->b1,
	    .request_key = key };
	j->user = k->r.id;
	return (struct route){ file_complaint, j, "/api/v1/complaints",
	    complaints_filed, true };
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

/* --- A stale claim marked between a retry's read and its take-over. --- */

/* Request A, on a connection of its own in a thread: it writes, marks its
 * claim (as the commit hook does) and holds that transaction open, then
 * commits. */
struct racer {
	const struct hz_caller *c;
	const struct route     *rt;
	struct hz_idem_claim   *claim;
	struct hz_ctx           x;
	pthread_t               th;
	pthread_mutex_t         mu;
	pthread_cond_t          cv;
	bool                    marked, done;
	enum hz_status          rc;
	long long               marks;
};

static enum hz_status
racer_tx(struct hz_db *db, void *p)
{
	struct racer *r = p;
	struct hz_db_result res;
	enum hz_status rc;

	if ((rc = r->rt->run(&r->x, r->rt->arg)))       /* joins this one */
		return rc;
	if ((rc = hz_db_run(db, r->x.arena, &stmts, Q_MARK, HZ_ARGS(
	    HZ_ARG_I64((long long)r->claim->user_id),
	    HZ_ARG_STRN((const char *)r->claim->key_hash,
	    sizeof(r->claim->key_hash)),
	    HZ_ARG_STRN((const char *)r->claim->owner,
	    sizeof(r->claim->owner))), &res)))
		return rc;
	r->marks = (long long)res.affected;
	pthread_mutex_lock(&r->mu);
	r->marked = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	/* B's take-over waits for our row lock meanwhile. */
	usleep(400 * 1000);
	return HZ_OK;
}

static void *
racer_main(void *p)
{
	struct racer *r = p;

	r->rc = hz_db_tx(r->x.db, racer_tx, r);
	pthread_mutex_lock(&r->mu);
	r->done = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* The hook inside B's claim, between its read and its take-over: A
 * starts, and B goes on once A's mark holds the claim's row. */
static void
racer_start(void *p)
{
	struct racer *r = p;

	hz_idempotency_test_before_take_over(NULL, NULL);
	if (pthread_create(&r->th, NULL, racer_main, r) != 0)
		abort();
	pthread_mutex_lock(&r->mu);
	while (!r->marked && !r->done)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

/* A's claim is a minute old and unmarked when retry B reads it, so B
 * takes it over; but A's transaction marks it before B's update, which
 * waits for A's COMMIT and then must find the claim committed (`commits
 * = 0` in the take-over), not run the write a second time. */
static void
marked_while_taken_over(const struct hz_caller *c, const struct route *rt)
{
	struct hz_ctx x = fx_as(c);
	struct hz_idem_request q = { "POST", rt->path, "", "{}", 2 };
	struct hz_idem_claim a_claim, b_claim;
	struct hz_idem_answer ans;
	struct racer r = { .c = c, .rt = rt, .claim = &a_claim,
	    .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	struct outcome o;
	const char *key = fresh_key();

	fx_why = (struct hz_refusal){ 0 };
	assert_int_equal(hz_idempotency_claim(&x, key, &q, &a_claim, &ans),
	    HZ_OK);
	fx_exec(&stmts, Q_AGE_CLAIM, c->id);
	r.x = fx_as(c);
	r.x.db = hz_db_new(&fx_cfg);
	r.x.arena = hz_arena_new(64 * 1024);
	assert_non_null(r.x.db);
	hz_idempotency_test_before_take_over(racer_start, &r);
	o = request(c, key, rt, (struct fault){ 0 }, true, &b_claim);
	hz_idempotency_test_before_take_over(NULL, NULL);
	assert_true(r.marked || r.done);
	pthread_join(r.th, NULL);
	hz_db_free(r.x.db);
	hz_arena_free(r.x.arena);
	assert_int_equal(r.rc, HZ_OK);
	assert_int_equal(r.marks, 1);
	refused_as(&o, HZ_ERR_CONFLICT, "idempotency_key_applied");
	assert_int_equal(rt->count(rt->arg), 1);
	assert_int_equal(fx_count(&stmts, Q_COMMITS, c->id), 1);
}

static void
a_claim_marked_meanwhile_is_not_taken_over(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct directive_job j;
	struct route rt;

	(void)state;
	FX_NEED_DB();
	rt = directive_route(&k, &o, &j);
	marked_while_taken_over(&k.cadre, &rt);
}

/* --- A transaction that changed nothing. --- */

static enum hz_status
missed_tx(struct hz_db *db, void *p)
{
	struct directive_job *j = p;
	struct hz_db_result r;
	enum hz_status rc;

	/* It reads under a lock, and its compare-and-set hits no row: it
	 * says why (j->lost in core) and commits, having changed nothing. */
	if ((rc = hz_db_run(db, fx.arena, &stmts, Q_LOCK,
	    HZ_ARGS(HZ_ARG_STR(j->in.title)), &r)) ||
	    (rc = hz_db_run(db, fx.arena, &stmts, Q_MISSED,
	    HZ_ARGS(HZ_ARG_I64(1), HZ_ARG_I64(7)), &r)))
		return rc;
	return r.affected == 0 ? HZ_OK : HZ_ERR_INTERNAL;
}

/* A tick or a complaint step whose compare-and-set lost (someone moved
 * the list) commits a transaction that wrote nothing, and tries again; if
 * the next try fails with a 5xx before its COMMIT, nothing was done under
 * the key: the claim is released (not closed as applied), and a retry
 * runs the write once. */
static void
a_transaction_that_wrote_nothing_does_not_mark(void **state)
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
	{
		struct hz_ctx x = fx_as(&k.cadre);
		struct hz_idem_request q = { "POST", rt.path, "", "{}", 2 };
		struct hz_idem_answer a;
		enum hz_status missed[2], rc;
		long long commits;
		bool applied = true;

		assert_int_equal(hz_idempotency_claim(&x, key, &q, &cl, &a),
		    HZ_OK);
		/* Bound, nothing here may fail the test (cl is ours). */
		hz_idempotency_bind(&x, &cl);
		for (int i = 0; i < 2; i++)
			missed[i] = hz_db_tx(fx.db, missed_tx, &j);
		commits = fx_count(&stmts, Q_COMMITS, k.cadre.id);
		/* The next try's COMMIT never reached the server. */
		hz_db_test_faults(fx.db, "COMMIT", CR_SERVER_GONE_ERROR, 1,
		    false);
		rc = rt.run(&x, rt.arg);
		hz_idempotency_unbind(&x);
		assert_int_equal(missed[0], HZ_OK);
		assert_int_equal(missed[1], HZ_OK);
		assert_int_equal(commits, 0);
		assert_int_equal(rc, HZ_ERR_DB_UNAVAILABLE);
		assert_int_equal(hz_db_test_faults_left(fx.db), 0);
		assert_int_equal(hz_idempotency_forget(&x, &cl, &applied),
		    HZ_OK);
		assert_false(applied);
	}
	assert_int_equal(rt.count(rt.arg), 0);
	assert_int_equal(fx_count(&stmts, Q_KEYS, k.cadre.id), 0);
	out = request(&k.cadre, key, &rt, (struct fault){ 0 }, true, &cl);
	assert_int_equal(out.claim, HZ_OK);
	assert_int_equal(out.rc, HZ_OK);
	assert_int_equal(rt.count(rt.arg), 1);
	/* The write that did commit marked it, once. */
	assert_int_equal(fx_count(&stmts, Q_COMMITS, k.cadre.id), 1);
}

/* --- A route whose rerun is harmless (HZ_IDEM_RERUN_SAFE). --- */

/* fcgi/dispatch.c does not bind a complaint filing: its COMMIT ran and
 * its answer was lost, yet the claim is released, and the retry answers
 * the complaint filed (it remembers its key), not 409 applied. */
static void
a_complaint_filing_is_rerun(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct complaint_job j;
	struct route rt;
	struct hz_idem_claim cl;
	struct outcome out;
	struct hz_db_result r;
	uint64_t first;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	rt = complaint_route(&k, &o, &j, key);
	out = request(&k.r, key, &rt, (struct fault){ ER_ERROR_DURING_COMMIT,
	    true }, true, &cl);
	assert_int_equal(out.claim, HZ_OK);
	assert_int_equal(out.rc, HZ_ERR_DB_UNAVAILABLE);
	assert_true(out.unknown);
	assert_false(out.applied);
	assert_int_equal(rt.count(rt.arg), 1);
	assert_int_equal(fx_count(&stmts, Q_KEYS, k.r.id), 0);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, Q_FILED_ID,
	    HZ_ARGS(HZ_ARG_I64((long long)k.r.id)), &r), HZ_OK);
	first = HZ_ID(HZ_CELL(&r, 0, 0));
	out = request(&k.r, key, &rt, (struct fault){ 0 }, true, &cl);
	assert_int_equal(out.claim, HZ_OK);
	assert_int_equal(out.rc, HZ_OK);
	assert_int_equal(j.out.id, first);
	assert_int_equal(rt.count(rt.arg), 1);
	/* And the one after that is its stored answer. */
	out = request(&k.r, key, &rt, (struct fault){ 0 }, true, &cl);
	assert_int_equal(out.claim, HZ_DONE);
	assert_int_equal(fx_count(&stmts, Q_COMMITS, k.r.id), 0);

	/* Bound like any other route, the same loss is told "applied": the
	 * retry learns nothing of the complaint it filed. */
	rt = complaint_route(&k, &o, &j, NULL);
	rt.rerun_safe = false;
	committed_unknown(&k.r, &rt, ER_ERROR_DURING_COMMIT);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(directive_send_commit_lost),
	cmocka_unit_test(shift_publish_commit_lost),
	cmocka_unit_test(a_failed_request_is_forgotten),
	cmocka_unit_test(a_claim_marked_meanwhile_is_not_taken_over),
	cmocka_unit_test(a_transaction_that_wrote_nothing_does_not_mark),
	cmocka_unit_test(a_complaint_filing_is_rerun))
