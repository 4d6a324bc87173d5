/* Idempotency keys against the real database: the key rule, claim and
 * replay byte for byte, another request under a key, keys per user,
 * forgetting, taking over a dead worker's claim, expiry and the purge. */
#include "unit.h"

#include <string.h>

#include "dbfixture.h"
#include "idempotency.h"

enum { S_AGE_CLAIM, S_AGE_KEY, S_COUNT, S_COUNT_RUNNING, S__MAX };
static const char *const sql[S__MAX] = {
	[S_AGE_CLAIM] = "UPDATE idempotency_keys SET claimed_at = claimed_at"
	    " - INTERVAL 61 SECOND WHERE user_id = ?",
	[S_AGE_KEY] = "UPDATE idempotency_keys SET created_at = created_at"
	    " - INTERVAL 25 HOUR, claimed_at = claimed_at - INTERVAL 25 HOUR"
	    " WHERE user_id = ?",
	[S_COUNT] = "SELECT COUNT(*) FROM idempotency_keys WHERE user_id = ?",
	[S_COUNT_RUNNING] = "SELECT COUNT(*) FROM idempotency_keys"
	    " WHERE user_id = ? AND state = 'running'",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_idempotency",
    sql);

/* A body with a NUL and multi-byte UTF-8: replay must keep every byte. */
static const char answer_body[] = "{\"id\":7,\"name\":\"张三\"}\0tail";
#define ANSWER_LEN (sizeof(answer_body) - 1)

static struct hz_idem_request
post(const char *body)
{
	return (struct hz_idem_request){ "POST", "/api/v1/tenancies", "",
	    body, strlen(body) };
}

static struct hz_idem_answer
created(void)
{
	return (struct hz_idem_answer){ 201, "application/json; charset=utf-8",
	    "Location: /x\r\n", 14, answer_body, ANSWER_LEN };
}

/* Claims `key` for `c` with `body`: the status, refusal checked by the
 * caller. */
static enum hz_status
claim(const struct hz_caller *c, const char *key, const char *body,
      struct hz_idem_claim *cl, struct hz_idem_answer *a)
{
	struct hz_ctx x = fx_as(c);
	struct hz_idem_request q = post(body);

	fx_why = (struct hz_refusal){ 0 };
	return hz_idempotency_claim(&x, key, &q, cl, a);
}

static void
refused(const struct hz_caller *c, const char *key, const char *body,
        enum hz_status want, const char *code)
{
	struct hz_ctx x = fx_as(c);
	struct hz_idem_request q = post(body);
	struct hz_idem_claim cl;
	struct hz_idem_answer a;

	fx_why = (struct hz_refusal){ 0 };
	fx_refused(&x, hz_idempotency_claim(&x, key, &q, &cl, &a), want, code,
	    want == HZ_ERR_CONFLICT ? NULL : "Idempotency-Key");
	if (want == HZ_ERR_CONFLICT)
		assert_int_equal(fx_why.retry_after, 1);
}

static const char *
fresh_key(void)
{
	return hz_arena_printf(fx.arena, "k-%u-%u",
	    (unsigned)randombytes_uniform(1u << 30),
	    (unsigned)randombytes_uniform(1u << 30));
}

static void
key_rule(void **state)
{
	char k64[65], k65[66];

	(void)state;
	memset(k64, 'a', 64);
	k64[64] = '\0';
	memset(k65, 'a', 65);
	k65[65] = '\0';
	assert_true(hz_idempotency_key_valid("a"));
	assert_true(hz_idempotency_key_valid(k64));
	assert_true(hz_idempotency_key_valid("!~"));
	assert_true(hz_idempotency_key_valid(
	    "0b7c3a9e-5f1d-4c2a-9e8b-1a2b3c4d5e6f"));
	/* Must-fail beside them. */
	assert_false(hz_idempotency_key_valid(NULL));
	assert_false(hz_idempotency_key_valid(""));
	assert_false(hz_idempotency_key_valid(k65));
	assert_false(hz_idempotency_key_valid("a b"));
	assert_false(hz_idempotency_key_valid("a\tb"));
	assert_false(hz_idempotency_key_valid("a\x7f"));
	assert_false(hz_idempotency_key_valid("键"));
}

static void
a_malformed_key_is_refused_on_the_header(void **state)
{
	struct hz_caller r;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	refused(&r, "", "{}", HZ_ERR_INVALID, "validation_failed");
	refused(&r, "has space", "{}", HZ_ERR_INVALID, "validation_failed");
	assert_int_equal(fx_count(&stmts, S_COUNT, r.id), 0);
}

static void
first_claim_runs_then_the_answer_is_replayed(void **state)
{
	struct hz_caller r;
	struct hz_idem_claim cl, again;
	struct hz_idem_answer a, want = created();
	struct hz_ctx x;
	bool applied = true;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(claim(&r, key, "{\"a\":1}", &cl, &a), HZ_OK);
	assert_int_equal(cl.user_id, r.id);
	assert_int_equal(fx_count(&stmts, S_COUNT_RUNNING, r.id), 1);

	/* While it runs, the retry waits. */
	refused(&r, key, "{\"a\":1}", HZ_ERR_CONFLICT, "idempotency_in_progress");

	assert_int_equal(hz_idempotency_finish(&x, &cl, &want), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_COUNT_RUNNING, r.id), 0);
	/* Once done, every retry gets the same bytes, and nothing is
	 * claimed. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(claim(&r, key, "{\"a\":1}", &again, &a),
		    HZ_DONE);
		assert_int_equal(a.status, 201);
		assert_string_equal(a.content_type, want.content_type);
		assert_int_equal(a.headers_len, want.headers_len);
		assert_memory_equal(a.headers, want.headers, want.headers_len);
		assert_int_equal(a.body_len, ANSWER_LEN);
		assert_memory_equal(a.body, answer_body, ANSWER_LEN);
	}
	assert_int_equal(fx_count(&stmts, S_COUNT, r.id), 1);
	/* A finished claim cannot be finished or forgotten again. */
	assert_int_equal(hz_idempotency_finish(&x, &cl, &want),
	    HZ_ERR_CONFLICT);
	assert_int_equal(hz_idempotency_forget(&x, &cl, &applied), HZ_OK);
	assert_false(applied);
	assert_int_equal(claim(&r, key, "{\"a\":1}", &again, &a), HZ_DONE);
}

static void
an_answer_without_a_body_is_replayed_without_one(void **state)
{
	struct hz_caller r;
	struct hz_idem_claim cl;
	struct hz_idem_answer a, empty = { 204, NULL, "", 0, NULL, 0 };
	struct hz_ctx x;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(claim(&r, key, "", &cl, &a), HZ_OK);
	assert_int_equal(hz_idempotency_finish(&x, &cl, &empty), HZ_OK);
	assert_int_equal(claim(&r, key, "", &cl, &a), HZ_DONE);
	assert_int_equal(a.status, 204);
	assert_null(a.content_type);
	assert_null(a.body);
	assert_int_equal(a.headers_len, 0);
}

static void
another_request_under_the_key_is_refused(void **state)
{
	struct hz_caller r;
	struct hz_idem_claim cl;
	struct hz_idem_answer a, want = created();
	struct hz_ctx x;
	struct hz_idem_request q;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(claim(&r, key, "{\"a\":1}", &cl, &a), HZ_OK);
	/* Running or done: another body is another request. */
	refused(&r, key, "{\"a\":2}", HZ_ERR_INVALID, "idempotency_key_reused");
	assert_int_equal(hz_idempotency_finish(&x, &cl, &want), HZ_OK);
	refused(&r, key, "{\"a\":2}", HZ_ERR_INVALID, "idempotency_key_reused");
	refused(&r, key, "{\"a\":1} ", HZ_ERR_INVALID, "idempotency_key_reused");
	/* So is the same body on another path, or with another query. */
	q = post("{\"a\":1}");
	q.path = "/api/v1/complaints";
	fx_refused(&x, hz_idempotency_claim(&x, key, &q, &cl, &a),
	    HZ_ERR_INVALID, "idempotency_key_reused", "Idempotency-Key");
	q = post("{\"a\":1}");
	q.query = "x=1";
	fx_refused(&x, hz_idempotency_claim(&x, key, &q, &cl, &a),
	    HZ_ERR_INVALID, "idempotency_key_reused", "Idempotency-Key");
	/* The stored answer is untouched. */
	assert_int_equal(claim(&r, key, "{\"a\":1}", &cl, &a), HZ_DONE);
	assert_memory_equal(a.body, answer_body, ANSWER_LEN);
}

static void
keys_are_per_user(void **state)
{
	struct hz_caller r1, r2;
	struct hz_idem_claim c1, c2;
	struct hz_idem_answer a, want = created();
	struct hz_ctx x1;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r1), HZ_OK);
	assert_int_equal(fx_resident(&r2), HZ_OK);
	x1 = fx_as(&r1);
	assert_int_equal(claim(&r1, key, "{}", &c1, &a), HZ_OK);
	/* Another user's same key neither waits for nor replays r1's. */
	assert_int_equal(claim(&r2, key, "{\"other\":1}", &c2, &a), HZ_OK);
	assert_int_equal(hz_idempotency_finish(&x1, &c1, &want), HZ_OK);
	refused(&r2, key, "{\"other\":1}", HZ_ERR_CONFLICT,
	    "idempotency_in_progress");
	assert_int_equal(fx_count(&stmts, S_COUNT, r1.id), 1);
	assert_int_equal(fx_count(&stmts, S_COUNT, r2.id), 1);
}

static void
a_forgotten_claim_runs_again(void **state)
{
	struct hz_caller r;
	struct hz_idem_claim cl, again;
	struct hz_idem_answer a;
	struct hz_ctx x;
	bool applied = true;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(claim(&r, key, "{}", &cl, &a), HZ_OK);
	assert_int_equal(hz_idempotency_forget(&x, &cl, &applied), HZ_OK);
	assert_false(applied);
	assert_int_equal(fx_count(&stmts, S_COUNT, r.id), 0);
	assert_int_equal(claim(&r, key, "{}", &again, &a), HZ_OK);
	/* The old claim's forget no longer removes the new one. */
	assert_int_equal(hz_idempotency_forget(&x, &cl, &applied), HZ_OK);
	assert_false(applied);
	assert_int_equal(fx_count(&stmts, S_COUNT_RUNNING, r.id), 1);
}

static void
a_dead_workers_claim_is_taken_over_after_a_minute(void **state)
{
	struct hz_caller r;
	struct hz_idem_claim dead, live;
	struct hz_idem_answer a, want = created();
	struct hz_idem_answer late = { 201, "application/json", "", 0, "{}", 2 };
	struct hz_ctx x;
	bool applied = true;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(claim(&r, key, "{}", &dead, &a), HZ_OK);
	fx_exec(&stmts, S_AGE_CLAIM, r.id);
	/* Another body is still another request, stale or not. */
	refused(&r, key, "{\"b\":1}", HZ_ERR_INVALID, "idempotency_key_reused");
	assert_int_equal(claim(&r, key, "{}", &live, &a), HZ_OK);
	assert_memory_not_equal(live.owner, dead.owner, sizeof(dead.owner));
	/* The new holder is fresh: the next retry waits for it. */
	refused(&r, key, "{}", HZ_ERR_CONFLICT, "idempotency_in_progress");
	/* The old holder, if it wakes, can neither store nor drop. */
	assert_int_equal(hz_idempotency_finish(&x, &dead, &late),
	    HZ_ERR_CONFLICT);
	assert_int_equal(hz_idempotency_forget(&x, &dead, &applied), HZ_OK);
	assert_false(applied);
	assert_int_equal(fx_count(&stmts, S_COUNT_RUNNING, r.id), 1);
	assert_int_equal(hz_idempotency_finish(&x, &live, &want), HZ_OK);
	assert_int_equal(claim(&r, key, "{}", &live, &a), HZ_DONE);
	assert_int_equal(a.body_len, ANSWER_LEN);
	assert_memory_equal(a.body, answer_body, ANSWER_LEN);
}

static void
a_done_answer_is_never_taken_over(void **state)
{
	struct hz_caller r;
	struct hz_idem_claim cl;
	struct hz_idem_answer a, want = created();
	struct hz_ctx x;
	const char *key = fresh_key();

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(claim(&r, key, "{}", &cl, &a), HZ_OK);
	assert_int_equal(hz_idempotency_finish(&x, &cl, &want), HZ_OK);
	fx_exec(&stmts, S_AGE_CLAIM, r.id);
	assert_int_equal(claim(&r, key, "{}", &cl, &a), HZ_DONE);
}

static void
after_24_hours_the_key_is_new_and_purged(void **state)
{
	struct hz_caller old, recent;
	struct hz_idem_claim cl;
	struct hz_idem_answer a, want = created();
	struct hz_ctx x;
	const char *key = fresh_key();
	unsigned long long n = 99;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&old), HZ_OK);
	assert_int_equal(fx_resident(&recent), HZ_OK);
	x = fx_as(&old);
	assert_int_equal(claim(&old, key, "{}", &cl, &a), HZ_OK);
	assert_int_equal(hz_idempotency_finish(&x, &cl, &want), HZ_OK);
	assert_int_equal(claim(&recent, key, "{}", &cl, &a), HZ_OK);
	x = fx_as(&recent);
	assert_int_equal(hz_idempotency_finish(&x, &cl, &want), HZ_OK);

	/* Kept ≥ 24 h: a purge now leaves both. */
	assert_int_equal(hz_idempotency_purge(&fx, &n), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_COUNT, old.id), 1);
	assert_int_equal(fx_count(&stmts, S_COUNT, recent.id), 1);

	fx_exec(&stmts, S_AGE_KEY, old.id);
	assert_int_equal(hz_idempotency_purge(&fx, &n), HZ_OK);
	assert_true(n >= 1);
	assert_int_equal(fx_count(&stmts, S_COUNT, old.id), 0);
	assert_int_equal(fx_count(&stmts, S_COUNT, recent.id), 1);
	assert_int_equal(hz_idempotency_purge(&fx, &n), HZ_OK);
	assert_int_equal(n, 0);

	/* Expired but not yet purged: the key starts again, any body. */
	x = fx_as(&recent);
	fx_exec(&stmts, S_AGE_KEY, recent.id);
	assert_int_equal(claim(&recent, key, "{\"new\":1}", &cl, &a), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_COUNT_RUNNING, recent.id), 1);
	assert_int_equal(hz_idempotency_finish(&x, &cl, &want), HZ_OK);
	assert_int_equal(hz_idempotency_purge(&fx, &n), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_COUNT, recent.id), 1);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(key_rule),
	cmocka_unit_test(a_malformed_key_is_refused_on_the_header),
	cmocka_unit_test(first_claim_runs_then_the_answer_is_replayed),
	cmocka_unit_test(an_answer_without_a_body_is_replayed_without_one),
	cmocka_unit_test(another_request_under_the_key_is_refused),
	cmocka_unit_test(keys_are_per_user),
	cmocka_unit_test(a_forgotten_claim_runs_again),
	cmocka_unit_test(a_dead_workers_claim_is_taken_over_after_a_minute),
	cmocka_unit_test(a_done_answer_is_never_taken_over),
	cmocka_unit_test(after_24_hours_the_key_is_new_and_purged))
