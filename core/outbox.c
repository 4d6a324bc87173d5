#include <string.h>
#include <time.h>

#include <sodium.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "policy.h"
#include "sms.h"

#define BACKOFF_MAX_MINUTES 360
/* How far a claim pushes a row's next_try_at: well past one send (at most
 * sms_timeout, 60 s at most by config.c) and its mark. A runner that dies
 * holding a claim leaves the row due again after it. */
#define CLAIM_SECONDS 300

enum {
	STMT_QUEUE, STMT_DUE, STMT_CLAIM, STMT_SENT, STMT_RETRY, STMT_GIVE_UP,
	STMT_LIST,
	STMT_UNREAD, STMT_READ, STMT__MAX
};

#define DUE_ROW(C, L) C(D_ID, "n.id") C(D_TEXT, "n.text") \
	C(D_ATTEMPTS, "n.attempts") C(D_KIND, "n.kind") \
	C(D_SUBJECT, "n.subject_id") C(D_DUE, "CAST(n.next_try_at AS CHAR)") \
	L(D_PHONE, "IF(u.disabled, NULL, u.phone_sealed)")
enum { DUE_ROW(HZ_COL_ENUM, HZ_COL_ENUM) D__NCOLS };

#define LIST_ROW(C, L) C(L_ID, "id") C(L_KIND, "kind") \
	C(L_SUBJECT, "subject_id") C(L_TEXT, "text") \
	C(L_CREATED, "created_at") L(L_READ, "read_at IS NOT NULL")
enum { LIST_ROW(HZ_COL_ENUM, HZ_COL_ENUM) L__NCOLS };

static const char *const sql[STMT__MAX] = {
	[STMT_QUEUE] =
	    "INSERT INTO notifications (user_id, kind, subject_id, text,"
	    " created_at, next_try_at) VALUES (?, ?, NULLIF(?, 0), ?,"
	    " FROM_UNIXTIME(?), FROM_UNIXTIME(?))",
	/* notifications_due is (sent_at, next_try_at). */
	[STMT_DUE] =
	    "SELECT " DUE_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM notifications n JOIN users u ON u.id = n.user_id"
	    " WHERE n.sent_at IS NULL AND n.next_try_at <= FROM_UNIXTIME(?)"
	    " ORDER BY n.next_try_at, n.id LIMIT ?",
	/* Taken for one send: only if no other runner (another host after
	 * a lost lease) took or finished it since it was read, the row's
	 * next_try_at being as read. A conditional UPDATE of the row is what
	 * Galera certification orders across nodes: of two runners, one
	 * changes the row, the other (retried by the server or hz_db_run)
	 * finds it changed and matches nothing. */
	[STMT_CLAIM] =
	    "UPDATE notifications SET next_try_at = FROM_UNIXTIME(?)"
	    " + INTERVAL ? SECOND WHERE id = ? AND sent_at IS NULL"
	    " AND next_try_at = ?",
	[STMT_SENT] =
	    "UPDATE notifications SET sent_at = FROM_UNIXTIME(?),"
	    " attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL",
	/* attempts is assigned first (left to right), so it counts this
	 * failure. Given up: never due again, left unsent for an operator
	 * to see. */
	[STMT_RETRY] =
	    "UPDATE notifications SET attempts = attempts + 1,"
	    " next_try_at = IF(attempts >= ?, '9999-12-31 00:00:00',"
	    "  FROM_UNIXTIME(?) + INTERVAL LEAST(POW(2, attempts - 1), ?) MINUTE)"
	    " WHERE id = ? AND sent_at IS NULL",
	/* The gateway refused this number or this text for good: never due
	 * again, like one given up after outbox_max_attempts. */
	[STMT_GIVE_UP] =
	    "UPDATE notifications SET attempts = attempts + 1,"
	    " next_try_at = '9999-12-31 00:00:00'"
	    " WHERE id = ? AND sent_at IS NULL",
	/* Newest first: the cursor is the last (smallest) id seen, 0 for
	 * the first page. */
	[STMT_LIST] =
	    "SELECT " LIST_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM notifications WHERE user_id = ?"
	    " AND id < COALESCE(NULLIF(?, 0), ~0) ORDER BY id DESC LIMIT ?",
	[STMT_UNREAD] =
	    "SELECT COUNT(*) FROM notifications WHERE user_id = ?"
	    " AND read_at IS NULL",
	[STMT_READ] =
	    "UPDATE notifications SET read_at = FROM_UNIXTIME(?)"
	    " WHERE user_id = ? AND id <= ? AND read_at IS NULL",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("outbox", sql);

enum hz_status
hz_notify(const struct hz_ctx *x, uint64_t user, const char *kind,
          uint64_t subject, const char *text)
{
	struct hz_db_result r;

	return hz_db_run(x->db, x->arena, &stmts, STMT_QUEUE, HZ_ARGS(
	    HZ_ARG_I64((long long)user), HZ_ARG_STR(kind),
	    HZ_ARG_I64((long long)subject), HZ_ARG_STR(text),
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64((long long)x->now)), &r);
}

/* One notification: sent, or silently done (no phone, or a disabled
 * account), or failed: given up at once when the gateway says it can never
 * go (HZ_ERR_INVALID, sms.h), else tried again later, or left alone when
 * another runner claimed it first. A text is claimed before it is sent
 * (STMT_CLAIM), so two live runners never both send it; the send comes
 * before the mark, so a crash in between sends it again once the claim
 * has run out rather than never (at least once, like any outbox). */
static enum hz_status
send_one(const struct hz_ctx *x, const struct hz_db_result *r, size_t i,
         struct hz_outbox_counts *c)
{
	const struct hz_db_cell *ph = HZ_CELL(r, i, D_PHONE);
	long long id = HZ_CELL(r, i, D_ID)->i;
	struct hz_db_arg now = HZ_ARG_I64((long long)x->now);
	char *phone = NULL;
	enum hz_status rc;

	struct hz_db_result claim;

	if (ph->null) {
		c->silent++;
		return hz_db_run(x->db, x->arena, &stmts, STMT_SENT,
		    HZ_ARGS(now, HZ_ARG_I64(id)), NULL);
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CLAIM, HZ_ARGS(now,
	    HZ_ARG_I64(CLAIM_SECONDS), HZ_ARG_I64(id),
	    HZ_ARG_STR(HZ_CELL(r, i, D_DUE)->s)), &claim)))
		return rc;
	if (claim.affected != 1) {
		c->taken++;
		return HZ_OK;
	}
	rc = hz_unseal(x->arena, x->keys, "phone", (const unsigned char *)ph->s,
	    ph->len, &phone);
	if (rc == HZ_OK) {
		/* The template's number: what the notification is about,
		 * else the notification itself. */
		const struct hz_db_cell *sub = HZ_CELL(r, i, D_SUBJECT);
		uint64_t ref = !sub->null && sub->i > 0 ? (uint64_t)sub->i :
		    (uint64_t)id;

		rc = hz_sms_send_text(x, phone, HZ_CELL(r, i, D_KIND)->s, ref,
		    HZ_CELL(r, i, D_TEXT)->s);
	}
	if (phone != NULL)
		sodium_memzero(phone, strlen(phone));
	if (rc == HZ_OK) {
		c->sent++;
		return hz_db_run(x->db, x->arena, &stmts, STMT_SENT,
		    HZ_ARGS(now, HZ_ARG_I64(id)), NULL);
	}
	/* The id and the reason only: no phone, no text. */
	hz_warn("notification not sent", "notification=%lld attempt=%lld "
	    "status=%s retry=%s", id, HZ_CELL(r, i, D_ATTEMPTS)->i + 1,
	    hz_status_str(rc), rc == HZ_ERR_INVALID ? "no" : "yes");
	c->failed++;
	if (rc == HZ_ERR_INVALID)
		return hz_db_run(x->db, x->arena, &stmts, STMT_GIVE_UP,
		    HZ_ARGS(HZ_ARG_I64(id)), NULL);
	return hz_db_run(x->db, x->arena, &stmts, STMT_RETRY, HZ_ARGS(
	    HZ_ARG_I64(x->cfg->outbox_max_attempts), now,
	    HZ_ARG_I64(BACKOFF_MAX_MINUTES), HZ_ARG_I64(id)), NULL);
}

enum hz_status
hz_outbox_run(const struct hz_ctx *x, struct hz_outbox_counts *c)
{
	/* A third of the scheduler's lease, which is renewed between jobs
	 * only: the last send begun before it ends within sms_timeout, so a
	 * slow gateway cannot hold this job past the lease. */
	long long budget_ms = (long long)x->cfg->scheduler_lease * 1000 / 3;
	struct timespec t0, t;
	struct hz_db_result r;
	enum hz_status rc;

	memset(c, 0, sizeof(*c));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_DUE, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64(x->cfg->outbox_batch)),
	    &r)))
		return rc;
	for (size_t i = 0; i < r.nrows; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000 >= budget_ms) {
			/* Still due, unclaimed: the next run sends them. */
			c->left = r.nrows - i;
			hz_info("outbox time budget spent", "ms=%lld left=%llu",
			    budget_ms, c->left);
			break;
		}
		if ((rc = send_one(x, &r, i, c)))
			return rc;
	}
	/* Two runners at once: a lease lost mid-run. */
	if (c->taken)
		hz_warn("outbox texts claimed by another runner", "taken=%llu",
		    c->taken);
	return HZ_OK;
}

enum hz_status
hz_outbox_send(const struct hz_ctx *x, unsigned long long *sent)
{
	struct hz_outbox_counts c;
	enum hz_status rc = hz_outbox_run(x, &c);

	*sent = c.sent;
	return rc;
}

static const struct hz_refusal
    login_first = { HZ_ERR_UNAUTHORIZED, "unauthorized", NULL,
	"请先登录" };

static enum hz_status
unread_of(const struct hz_ctx *x, long long *unread)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UNREAD, HZ_ARGS(
	    HZ_ARG_I64((long long)x->caller->id)), &r)))
		return rc;
	*unread = HZ_CELL(&r, 0, 0)->i;
	return HZ_OK;
}

enum hz_status
hz_notifications_list(const struct hz_ctx *x, const struct hz_page *p,
                      struct hz_notification **out, size_t *n, bool *more,
                      long long *unread)
{
	struct hz_notification *v = NULL;
	struct hz_db_result r;
	enum hz_status rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if (x->caller == NULL)
		return hz_refuse(x, &login_first);
	if ((rc = hz_page_run(x, &stmts, STMT_LIST, HZ_ARGS(
	    HZ_ARG_I64((long long)x->caller->id)), p, &r, more)) ||
	    (rc = unread_of(x, unread)))
		return rc;
	if (r.nrows && (v = hz_arena_calloc(x->arena, r.nrows,
	    sizeof(*v))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		v[i] = (struct hz_notification){
			.id = HZ_ID(HZ_CELL(&r, i, L_ID)),
			.kind = HZ_CELL(&r, i, L_KIND)->s,
			.subject_id = HZ_ID(HZ_CELL(&r, i, L_SUBJECT)),
			.text = HZ_CELL(&r, i, L_TEXT)->s,
			.created_at = hz_time_local(x->arena,
			    HZ_CELL(&r, i, L_CREATED)->s),
			.read = HZ_CELL(&r, i, L_READ)->i != 0,
		};
	*out = r.nrows ? v : NULL;
	*n = r.nrows;
	return HZ_OK;
}

enum hz_status
hz_notifications_read(const struct hz_ctx *x, uint64_t up_to,
                      long long *unread)
{
	enum hz_status rc;

	if (x->caller == NULL)
		return hz_refuse(x, &login_first);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_READ, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now),
	    HZ_ARG_I64((long long)x->caller->id),
	    HZ_ARG_I64((long long)up_to)), NULL)))
		return rc;
	return unread_of(x, unread);
}
