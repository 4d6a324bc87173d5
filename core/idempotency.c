#include <string.h>

#include <sodium.h>

#include "idempotency.h"
#include "log.h"
#include "policy.h"

#define STR(x) #x
#define XSTR(x) STR(x)

enum {
	STMT_CLAIM, STMT_GET, STMT_TAKE_OVER, STMT_MARK, STMT_FINISH,
	STMT_FORGET, STMT_ABANDON, STMT_PURGE, STMT__MAX
};

/* The stored row as the claim reads it. */
#define IDEM_ROW(C, L) \
	C(I_REQUEST, "request_hash") C(I_OWNER, "owner") C(I_STATE, "state") \
	C(I_STATUS, "status") C(I_TYPE, "content_type") \
	C(I_HEADERS, "headers") C(I_BODY, "body") C(I_COMMITS, "commits") \
	C(I_STALE, "state = 'running' AND claimed_at < NOW(3) - INTERVAL " \
	    XSTR(HZ_IDEM_STALE_SECS) " SECOND") \
	L(I_EXPIRED, "created_at < NOW(3) - INTERVAL " \
	    XSTR(HZ_IDEM_KEEP_HOURS) " HOUR")
enum { IDEM_ROW(HZ_COL_ENUM, HZ_COL_ENUM) I__NCOLS };

static const char *const sql[STMT__MAX] = {
	/* The claim is the insert: a duplicate key means it is taken. */
	[STMT_CLAIM] =
	    "INSERT INTO idempotency_keys (user_id, key_hash, request_hash,"
	    " owner) VALUES (?, ?, ?, ?)",
	[STMT_GET] =
	    "SELECT " IDEM_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM idempotency_keys WHERE user_id = ? AND key_hash = ?",
	/* Compare-and-set on the owner read: of two takers, one wins. A
	 * claim whose request committed anything (or answered) is never
	 * taken over before its 24 hours, even if that happened after the
	 * read. */
	[STMT_TAKE_OVER] =
	    "UPDATE idempotency_keys SET owner = ?, request_hash = ?,"
	    " state = 'running', status = NULL, content_type = NULL,"
	    " headers = NULL, body = NULL, commits = 0, created_at = NOW(3),"
	    " claimed_at = NOW(3)"
	    " WHERE user_id = ? AND key_hash = ? AND owner = ?"
	    " AND ((state = 'running' AND commits = 0) OR created_at < NOW(3)"
	    " - INTERVAL " XSTR(HZ_IDEM_KEEP_HOURS) " HOUR)",
	/* Inside each of the request's transactions that wrote
	 * (hz_db_on_commit): the write commits only while the claim is still
	 * ours, and a retry finds it marked if it did. On one server the update waits for
	 * the row lock of a take-over or a forget, and they for it; on
	 * Galera the later of two commits fails certification. */
	[STMT_MARK] =
	    "UPDATE idempotency_keys SET commits = commits + 1"
	    " WHERE user_id = ? AND key_hash = ? AND owner = ?"
	    " AND state = 'running'",
	[STMT_FINISH] =
	    "UPDATE idempotency_keys SET state = 'done', status = ?,"
	    " content_type = ?, headers = ?, body = ?"
	    " WHERE user_id = ? AND key_hash = ? AND owner = ?"
	    " AND state = 'running'",
	/* Only a claim whose request committed nothing: a retry runs it. */
	[STMT_FORGET] =
	    "DELETE FROM idempotency_keys"
	    " WHERE user_id = ? AND key_hash = ? AND owner = ?"
	    " AND state = 'running' AND commits = 0",
	/* One that did commit but has no final answer: done, without one;
	 * a retry is told it was done (applied). */
	[STMT_ABANDON] =
	    "UPDATE idempotency_keys SET state = 'done', status = NULL,"
	    " content_type = NULL, headers = NULL, body = NULL"
	    " WHERE user_id = ? AND key_hash = ? AND owner = ?"
	    " AND state = 'running' AND commits > 0",
	[STMT_PURGE] =
	    "DELETE FROM idempotency_keys WHERE created_at < NOW(3)"
	    " - INTERVAL " XSTR(HZ_IDEM_KEEP_HOURS) " HOUR LIMIT 5000",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("idempotency", sql);

/* hz_idempotency_test_before_take_over (tests only). */
static void (*test_hook)(void *);
static void *test_hook_arg;

static const struct hz_refusal
    key_invalid = { HZ_ERR_INVALID, "validation_failed", "Idempotency-Key",
	"Idempotency-Key 须为 1 至 64 个可见 ASCII 字符（如 UUID），"
	"请为每次新的提交生成一个" },
    key_reused = { HZ_ERR_INVALID, "idempotency_key_reused",
	"Idempotency-Key", "此 Idempotency-Key 已用于内容不同的另一次提交："
	"新的提交请换一个新的键" },
    in_progress = { HZ_ERR_CONFLICT, "idempotency_in_progress", NULL,
	"相同的提交正在处理中，请稍候再试", 1 },
    already_applied = { HZ_ERR_CONFLICT, "idempotency_key_applied", NULL,
	"相同的提交此前已经完成，但当时的结果未能送达：请刷新查看，"
	"不要重复提交" };

bool
hz_idempotency_key_valid(const char *key)
{
	size_t n;

	if (key == NULL)
		return false;
	for (n = 0; key[n] != '\0'; n++)
		if (n >= HZ_IDEM_KEY_MAX || key[n] < 0x21 || key[n] > 0x7e)
			return false;
	return n > 0;
}

/* SHA-256 over the length-prefixed parts, so that no two requests can
 * run together into the same bytes. */
static void
request_hash(const struct hz_idem_request *r, unsigned char out[32])
{
	const char *part[4] = { r->method, r->path, r->query, r->body };
	size_t len[4];
	crypto_hash_sha256_state st;

	len[0] = r->method ? strlen(r->method) : 0;
	len[1] = r->path ? strlen(r->path) : 0;
	len[2] = r->query ? strlen(r->query) : 0;
	len[3] = r->body ? r->body_len : 0;
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < 4; i++) {
		unsigned char be[8];
		uint64_t n = len[i];

		for (int b = 7; b >= 0; b--, n >>= 8)
			be[b] = (unsigned char)(n & 0xff);
		crypto_hash_sha256_update(&st, be, sizeof(be));
		if (len[i])
			crypto_hash_sha256_update(&st,
			    (const unsigned char *)part[i], len[i]);
	}
	crypto_hash_sha256_final(&st, out);
}

#define ARG_BIN(p, n) HZ_ARG_STRN((const char *)(p), (n))

static enum hz_status
take_over(const struct hz_ctx *x, struct hz_idem_claim *c,
          const unsigned char req[32], const struct hz_db_cell *old,
          bool *won)
{
	struct hz_db_result r;
	enum hz_status rc;

	randombytes_buf(c->owner, sizeof(c->owner));
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TAKE_OVER,
	    HZ_ARGS(ARG_BIN(c->owner, sizeof(c->owner)), ARG_BIN(req, 32),
	    HZ_ARG_I64((long long)c->user_id),
	    ARG_BIN(c->key_hash, sizeof(c->key_hash)),
	    HZ_ARG_STRN(old->s, old->len)), &r)))
		return rc;
	*won = r.affected == 1;
	return HZ_OK;
}

enum hz_status
hz_idempotency_claim(const struct hz_ctx *x, const char *key,
                     const struct hz_idem_request *q,
                     struct hz_idem_claim *c, struct hz_idem_answer *ans)
{
	unsigned char req[32];
	struct hz_db_result r;
	enum hz_status rc;

	memset(c, 0, sizeof(*c));
	memset(ans, 0, sizeof(*ans));
	if (!hz_idempotency_key_valid(key))
		return hz_refuse(x, &key_invalid);
	if (x->caller == NULL || x->caller->id == 0)
		return HZ_ERR_INTERNAL;
	c->user_id = x->caller->id;
	hz_blind_index(x->keys, "idempotency_key", key, strlen(key),
	    c->key_hash);
	request_hash(q, req);

	/* A row deleted or taken over between our statements sends us round
	 * again; a few rounds settle any race with the few retries a phone
	 * sends. */
	for (int attempt = 0; attempt < 4; attempt++) {
		const struct hz_db_arg who[] = {
			HZ_ARG_I64((long long)c->user_id),
			ARG_BIN(c->key_hash, sizeof(c->key_hash)),
		};
		bool won;

		randombytes_buf(c->owner, sizeof(c->owner));
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_CLAIM,
		    HZ_ARGS(who[0], who[1], ARG_BIN(req, sizeof(req)),
		    ARG_BIN(c->owner, sizeof(c->owner))), NULL);
		if (rc == HZ_OK)
			return HZ_OK;
		/* A deadlock or a Galera certification failure: another
		 * node claimed it at the same moment; look again. */
		if (rc == HZ_ERR_DB_RETRY)
			continue;
		if (rc != HZ_ERR_CONFLICT)
			return rc;
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
		    HZ_ARGV(who), &r)))
			return rc;
		if (r.nrows == 0)
			continue;                       /* forgotten meanwhile */
		if (HZ_CELL(&r, 0, I_EXPIRED)->i) {
			/* Past its 24 hours, not yet purged: a new key. */
			if ((rc = take_over(x, c, req, HZ_CELL(&r, 0, I_OWNER),
			    &won)))
				return rc;
			if (won)
				return HZ_OK;
			continue;
		}
		if (HZ_CELL(&r, 0, I_REQUEST)->len != sizeof(req) ||
		    sodium_memcmp(HZ_CELL(&r, 0, I_REQUEST)->s, req,
		    sizeof(req)) != 0)
			return hz_refuse(x, &key_reused);
		if (strcmp(HZ_CELL(&r, 0, I_STATE)->s, "done") == 0) {
			const struct hz_db_cell *h = HZ_CELL(&r, 0, I_HEADERS);
			const struct hz_db_cell *b = HZ_CELL(&r, 0, I_BODY);

			/* Committed, its answer lost (forget): done all
			 * the same, and never run again. */
			if (HZ_CELL(&r, 0, I_STATUS)->null)
				return hz_refuse(x, &already_applied);

			ans->status = (int)HZ_CELL(&r, 0, I_STATUS)->i;
			ans->content_type = HZ_TEXT(HZ_CELL(&r, 0, I_TYPE));
			ans->headers = h->null ? "" : h->s;
			ans->headers_len = h->null ? 0 : h->len;
			ans->body = b->null ? NULL : b->s;
			ans->body_len = b->null ? 0 : b->len;
			return HZ_DONE;
		}
		if (!HZ_CELL(&r, 0, I_STALE)->i)
			return hz_refuse(x, &in_progress);
		/* Running for a minute after committing its write: its
		 * worker died before storing the answer. Done, not rerun. */
		if (HZ_CELL(&r, 0, I_COMMITS)->i > 0)
			return hz_refuse(x, &already_applied);
		/* Running for a minute, nothing committed: its worker died.
		 * Ours now, unless it committed since our read (the
		 * take-over's `commits = 0`). */
		if (test_hook != NULL)
			test_hook(test_hook_arg);
		if ((rc = take_over(x, c, req, HZ_CELL(&r, 0, I_OWNER), &won)))
			return rc;
		if (won) {
			hz_warn("idempotency key taken over", "user=%llu",
			    (unsigned long long)c->user_id);
			return HZ_OK;
		}
	}
	return hz_refuse(x, &in_progress);
}

enum hz_status
hz_idempotency_finish(const struct hz_ctx *x, const struct hz_idem_claim *c,
                      const struct hz_idem_answer *a)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_FINISH,
	    HZ_ARGS(HZ_ARG_I64(a->status), HZ_ARG_OPT_STR(a->content_type),
	    HZ_ARG_STRN(a->headers ? a->headers : "", a->headers_len),
	    a->body ? HZ_ARG_STRN(a->body, a->body_len) : HZ_ARG_NULL,
	    HZ_ARG_I64((long long)c->user_id),
	    ARG_BIN(c->key_hash, sizeof(c->key_hash)),
	    ARG_BIN(c->owner, sizeof(c->owner))), &r)))
		return rc;
	return r.affected == 1 ? HZ_OK : HZ_ERR_CONFLICT;
}

enum hz_status
hz_idempotency_forget(const struct hz_ctx *x, const struct hz_idem_claim *c,
                      bool *applied)
{
	const struct hz_db_arg who[] = {
		HZ_ARG_I64((long long)c->user_id),
		ARG_BIN(c->key_hash, sizeof(c->key_hash)),
		ARG_BIN(c->owner, sizeof(c->owner)),
	};
	struct hz_db_result r;
	enum hz_status rc;

	*applied = false;
	/* A COMMIT whose outcome is unknown may still be settling on the
	 * server: both statements meet its row lock (one server) or its
	 * certification (Galera), so they see what it did. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_FORGET, HZ_ARGV(who),
	    &r)) || r.affected == 1)
		return rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ABANDON,
	    HZ_ARGV(who), &r)))
		return rc;
	*applied = r.affected == 1;
	return HZ_OK;
}

/* The commit hook (hz_db_on_commit) of a bound claim. */
static enum hz_status
mark(struct hz_db *db, hz_arena *a, void *arg)
{
	struct hz_idem_claim *c = arg;
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(db, a, &stmts, STMT_MARK,
	    HZ_ARGS(HZ_ARG_I64((long long)c->user_id),
	    ARG_BIN(c->key_hash, sizeof(c->key_hash)),
	    ARG_BIN(c->owner, sizeof(c->owner))), &r)))
		return rc;
	if (r.affected == 1)
		return HZ_OK;
	/* Taken over (we ran past HZ_IDEM_STALE_SECS): the taker runs the
	 * request; ours must not commit. */
	hz_warn("idempotency claim lost before commit", "user=%llu",
	    (unsigned long long)c->user_id);
	return c->x != NULL ? hz_refuse(c->x, &in_progress) : HZ_ERR_CONFLICT;
}

void
hz_idempotency_bind(const struct hz_ctx *x, struct hz_idem_claim *c)
{
	c->x = x;
	hz_db_on_commit(x->db, mark, c);
}

void
hz_idempotency_unbind(const struct hz_ctx *x)
{
	hz_db_on_commit(x->db, NULL, NULL);
}

void
hz_idempotency_test_before_take_over(void (*fn)(void *), void *arg)
{
	test_hook = fn;
	test_hook_arg = arg;
}

enum hz_status
hz_idempotency_purge(const struct hz_ctx *x, unsigned long long *n)
{
	*n = 0;
	/* Small batches: no long lock on a table every retried write uses. */
	return hz_db_run_batches(x->db, x->arena, &stmts, STMT_PURGE, HZ_NO_ARGS,
	    HZ_DB_PURGE_BATCH, 0, n);
}
