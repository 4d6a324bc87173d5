#include <string.h>

#include <sodium.h>

#include "access.h"
#include "audit.h"
#include "crypto.h"
#include "session.h"

enum {
	STMT_INSERT, STMT_FIND, STMT_USE, STMT_REVOKE_FAMILY, STMT_USER_KIND,
	STMT_SESSION_NEW, STMT_SESSION_END, STMT_UNSEAL_OLDER, STMT_PURGE_SEALED,
	STMT_REVOKE_USER, STMT_END_USER, STMT_EXPIRE_SESSIONS,
	STMT_ORPHAN_SESSIONS, STMT_DELETE_SESSIONS,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at)"
	    " VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND)",
	/* The session is the family's; families from before sessions were
	 * recorded get one on their next refresh (s.id NULL). */
	[STMT_FIND] =
	    "SELECT r.id, r.user_id, r.family, r.state, r.expires_at > NOW(3),"
	    " s.id, s.revoked_at IS NOT NULL,"
	    " r.used_at > NOW(3) - INTERVAL ? SECOND, r.successor_sealed"
	    " FROM refresh_tokens r LEFT JOIN sessions s"
	    " ON s.family = r.family WHERE r.token_hash = ? FOR UPDATE",
	/* Spent, with its successor kept sealed for the grace interval
	 * (NULL when there is none). */
	[STMT_USE] =
	    "UPDATE refresh_tokens SET state = 'used', used_at = NOW(3),"
	    " successor_sealed = ? WHERE id = ?",
	/* Once a token is spent, the successors kept for its elders are
	 * needed no more. */
	[STMT_UNSEAL_OLDER] =
	    "UPDATE refresh_tokens SET successor_sealed = NULL"
	    " WHERE family = ? AND id <> ? AND successor_sealed IS NOT NULL",
	/* Successors past the grace interval (refresh_sealed finds them). */
	[STMT_PURGE_SEALED] =
	    "UPDATE refresh_tokens SET successor_sealed = NULL"
	    " WHERE successor_sealed IS NOT NULL"
	    " AND used_at < NOW(3) - INTERVAL ? SECOND LIMIT 5000",
	/* A session whose live refresh token (its family's one 'active'
	 * token) expired is over: no refresh can revive it. It is marked
	 * ended at that expiry, so that it is deleted HZ_SESSION_KEEP_DAYS
	 * later like one ended by a logout. The expired tokens are found by
	 * refresh_expires; they stay HZ_REFRESH_KEEP_DAYS after their expiry
	 * (core/retention.c), which bounds the range. */
	[STMT_EXPIRE_SESSIONS] =
	    "UPDATE sessions s JOIN refresh_tokens r ON r.family = s.family"
	    " SET s.revoked_at = r.expires_at"
	    " WHERE r.expires_at < NOW(3) AND r.state = 'active'"
	    " AND s.revoked_at IS NULL",
	/* A live session with no live refresh token left at all (its
	 * tokens deleted by retention before this job existed, or while the
	 * scheduler was down longer than HZ_REFRESH_KEEP_DAYS): nothing can
	 * revive it either; ended now. A day's margin keeps a session being
	 * started (its token comes in the same transaction) out of it. In
	 * batches, over the live sessions only (sessions_revoked). */
	[STMT_ORPHAN_SESSIONS] =
	    "UPDATE sessions SET revoked_at = NOW(3)"
	    " WHERE revoked_at IS NULL AND created_at < NOW(3) - INTERVAL 1 DAY"
	    " AND NOT EXISTS (SELECT 1 FROM refresh_tokens r"
	    "  WHERE r.family = sessions.family AND r.state = 'active')"
	    " LIMIT 5000",
	/* Ended long enough ago (sessions_revoked): its access tokens are
	 * long refused, and a deleted session reads as ended (core/policy.c,
	 * core/login.c count only a row with revoked_at NULL). */
	[STMT_DELETE_SESSIONS] =
	    "DELETE FROM sessions WHERE revoked_at < NOW(3) - INTERVAL ? DAY"
	    " LIMIT 5000",
	[STMT_REVOKE_FAMILY] =
	    "UPDATE refresh_tokens SET state = 'revoked'"
	    " WHERE family = ? AND state <> 'revoked'",
	[STMT_USER_KIND] =
	    "SELECT kind, must_change_password FROM users"
	    " WHERE id = ? AND disabled = 0",
	[STMT_SESSION_NEW] =
	    "INSERT INTO sessions (user_id, family) VALUES (?, ?)",
	/* Its access tokens stop working on their next request. */
	[STMT_SESSION_END] =
	    "UPDATE sessions SET revoked_at = NOW(3)"
	    " WHERE family = ? AND revoked_at IS NULL",
	/* Every family of a user (hz_session_end_user). */
	[STMT_REVOKE_USER] =
	    "UPDATE refresh_tokens SET state = 'revoked'"
	    " WHERE user_id = ? AND state <> 'revoked'",
	[STMT_END_USER] =
	    "UPDATE sessions SET revoked_at = NOW(3)"
	    " WHERE user_id = ? AND revoked_at IS NULL",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("session", sql);

/* STMT_USER_KIND's row; STMT_FIND's. */
enum { K_KIND, K_MUST_CHANGE };
enum {
	F_ID, F_USER, F_FAMILY, F_STATE, F_LIVE, F_SESSION, F_ENDED, F_RECENT,
	F_SEALED
};

/* Binds a sealed successor to what it is. */
#define SEAL_PURPOSE "refresh"

static const struct hz_refusal refresh_invalid = { HZ_ERR_UNAUTHORIZED,
    "refresh_invalid", NULL, "登录已失效，请重新登录" };

/* The answer: `refresh`, and an access token of `session`. */
static enum hz_status
answer(const struct hz_ctx *x, uint64_t user_id, const char *kind,
       uint64_t session, const char *refresh, struct hz_tokens *t)
{
	struct hz_db_result u;
	enum hz_status rc;

	/* Staff holding a temporary password are told so with their tokens
	 * (one point select; residents have no password). */
	t->must_change_password = false;
	if (strcmp(kind, "staff") == 0) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_USER_KIND,
		    HZ_ARGS(HZ_ARG_I64((long long)user_id)), &u)))
			return rc;
		t->must_change_password = u.nrows == 1 &&
		    HZ_CELL(&u, 0, K_MUST_CHANGE)->i != 0;
	}
	if ((rc = hz_jwt_issue(x, user_id, kind, session, &t->access)) != HZ_OK)
		return rc;
	if ((t->refresh = hz_arena_strdup(x->arena, refresh)) == NULL)
		return HZ_ERR_NOMEM;
	t->expires_in = x->cfg->access_ttl;
	t->user_id = user_id;
	snprintf(t->kind, sizeof(t->kind), "%s", kind);
	return HZ_OK;
}

/* A refresh token of `family` and an access token of `session`. */
static enum hz_status
issue(const struct hz_ctx *x, uint64_t user_id, const char *kind,
      const unsigned char family[16], uint64_t session, struct hz_tokens *t)
{
	char token[HZ_TOKEN_CHARS + 1];
	unsigned char hash[32];
	enum hz_status rc;

	hz_random_token(token);
	hz_sha256(token, strlen(token), hash);
	struct hz_db_arg args[] = {
		HZ_ARG_I64((long long)user_id),
		HZ_ARG_STRN((const char *)family, 16),
		HZ_ARG_STRN((const char *)hash, 32),
		HZ_ARG_I64(x->cfg->refresh_ttl),
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGV(args),
	    NULL)) == HZ_OK)
		rc = answer(x, user_id, kind, session, token, t);
	sodium_memzero(token, sizeof(token));
	return rc;
}

/* The row of a refresh token, locked. */
static enum hz_status
find(const struct hz_ctx *x, const char *token, struct hz_db_result *r)
{
	unsigned char hash[32];

	hz_sha256(token, strlen(token), hash);
	return hz_db_run(x->db, x->arena, &stmts, STMT_FIND,
	    HZ_ARGS(HZ_ARG_I64(x->cfg->refresh_grace),
	    HZ_ARG_STRN((const char *)hash, 32)), r);
}

/* The session row of a family, then its tokens. */
static enum hz_status
new_session(const struct hz_ctx *x, uint64_t user_id, const char *kind,
            const unsigned char family[16], struct hz_tokens *t)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SESSION_NEW,
	    HZ_ARGS(HZ_ARG_I64((long long)user_id),
	    HZ_ARG_STRN((const char *)family, 16)), &r)))
		return rc;
	return issue(x, user_id, kind, family, r.insert_id, t);
}

/* Ends a family: its refresh tokens and its session's access tokens. */
static enum hz_status
end_family(const struct hz_ctx *x, const char *family, size_t len)
{
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_REVOKE_FAMILY,
	    HZ_ARGS(HZ_ARG_STRN(family, len)), NULL)))
		return rc;
	return hz_db_run(x->db, x->arena, &stmts, STMT_SESSION_END,
	    HZ_ARGS(HZ_ARG_STRN(family, len)), NULL);
}

enum hz_status
hz_session_start(const struct hz_ctx *x, uint64_t user_id, const char *kind,
                 struct hz_tokens *t)
{
	unsigned char family[16];

	randombytes_buf(family, sizeof(family));
	return new_session(x, user_id, kind, family, t);
}

struct refresh_job {
	const char          *token;
	struct hz_tokens    *t;
	bool                 ok;        /* else the caller is refused */
};

/* The grace: `r`, spent less than refresh_grace seconds ago, comes again
 * (two tabs refreshed at once with the same token). Its successor, if it
 * is still unspent in a live session of an enabled user, is answered
 * again with a fresh access token (*ok); anything else is reuse. */
static enum hz_status
grace(const struct hz_ctx *x, const struct hz_db_result *r,
      struct hz_tokens *t, bool *ok)
{
	const struct hz_db_cell *sealed = HZ_CELL(r, 0, F_SEALED);
	struct hz_db_result n, u;
	enum hz_status rc;
	char *next = NULL;

	*ok = false;
	if (x->cfg->refresh_grace == 0 || HZ_CELL(r, 0, F_RECENT)->null ||
	    HZ_CELL(r, 0, F_RECENT)->i != 1 ||
	    sealed->null)
		return HZ_OK;
	/* A row that does not open (another pii_key) is no successor. */
	if (hz_unseal(x->arena, x->keys, SEAL_PURPOSE,
	    (const unsigned char *)sealed->s, sealed->len, &next) != HZ_OK ||
	    strlen(next) != HZ_TOKEN_CHARS)
		return HZ_OK;
	rc = find(x, next, &n);
	if (rc == HZ_OK && (n.nrows == 0 ||
	    HZ_CELL(&n, 0, F_FAMILY)->len != 16 ||
	    memcmp(HZ_CELL(&n, 0, F_FAMILY)->s, HZ_CELL(r, 0, F_FAMILY)->s,
	    16) != 0 ||
	    strcmp(HZ_CELL(&n, 0, F_STATE)->s, "active") != 0 ||
	    HZ_CELL(&n, 0, F_LIVE)->i != 1 || HZ_CELL(&n, 0, F_SESSION)->null ||
	    HZ_CELL(&n, 0, F_ENDED)->i != 0))
		goto out;
	if (rc || (rc = hz_db_run(x->db, x->arena, &stmts, STMT_USER_KIND,
	    HZ_ARGS(HZ_ARG_I64((long long)HZ_ID(HZ_CELL(&n, 0, F_USER)))),
	    &u)) || u.nrows == 0)
		goto out;
	if ((rc = answer(x, HZ_ID(HZ_CELL(&n, 0, F_USER)), HZ_CELL(&u, 0, 0)->s,
	    HZ_ID(HZ_CELL(&n, 0, F_SESSION)), next, t)) == HZ_OK)
		*ok = true;
out:
	sodium_memzero(next, HZ_TOKEN_CHARS);
	return rc;
}

/* Spends `r` for the successor in `t`, kept sealed for the grace
 * interval; the successors kept for older tokens of the family go. */
static enum hz_status
spend(const struct hz_ctx *x, const struct hz_db_result *r,
      const struct hz_tokens *t)
{
	struct hz_db_arg keep = HZ_ARG_NULL;
	unsigned char *sealed;
	size_t len;
	enum hz_status rc;

	if (x->cfg->refresh_grace > 0) {
		if ((rc = hz_seal(x->arena, x->keys, SEAL_PURPOSE, t->refresh,
		    strlen(t->refresh), &sealed, &len)))
			return rc;
		keep = HZ_ARG_STRN((const char *)sealed, len);
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_USE,
	    HZ_ARGS(keep, HZ_ARG_I64(HZ_CELL(r, 0, F_ID)->i)), NULL)))
		return rc;
	return hz_db_run(x->db, x->arena, &stmts, STMT_UNSEAL_OLDER,
	    HZ_ARGS(HZ_ARG_STRN(HZ_CELL(r, 0, F_FAMILY)->s, 16),
	    HZ_ARG_I64(HZ_CELL(r, 0, F_ID)->i)), NULL);
}

static enum hz_status
refresh_tx(const struct hz_ctx *x, void *p)
{
	struct refresh_job *j = p;
	unsigned char family[16];
	struct hz_db_result r, u;
	enum hz_status rc;
	uint64_t user;

	j->ok = false;
	memset(j->t, 0, sizeof(*j->t));
	if ((rc = find(x, j->token, &r)))
		return rc;
	if (r.nrows == 0 || HZ_CELL(&r, 0, F_FAMILY)->len != 16)
		return HZ_OK;
	memcpy(family, HZ_CELL(&r, 0, F_FAMILY)->s, 16);
	user = HZ_ID(HZ_CELL(&r, 0, F_USER));
	if (strcmp(HZ_CELL(&r, 0, F_STATE)->s, "used") == 0) {
		if ((rc = grace(x, &r, j->t, &j->ok)) || j->ok)
			return rc;
		memset(j->t, 0, sizeof(*j->t));
		/* Reuse: someone else holds this family. End it for both,
		 * access tokens included. */
		if ((rc = end_family(x, (const char *)family, 16)))
			return rc;
		return hz_audit(x, user, "session.reuse_revoked", "user",
		    user, NULL);
	}
	if (strcmp(HZ_CELL(&r, 0, F_STATE)->s, "active") != 0 ||
	    HZ_CELL(&r, 0, F_LIVE)->i != 1)
		return HZ_OK;
	/* A session ended by other means ends its refresh tokens too. */
	if (HZ_CELL(&r, 0, F_ENDED)->i == 1)
		return end_family(x, (const char *)family, 16);
	/* A disabled user's token stays unused: re-enabled, they refresh
	 * as before rather than trip the reuse alarm. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_USER_KIND,
	    HZ_ARGS(HZ_ARG_I64((long long)user)), &u)))
		return rc;
	if (u.nrows == 0)
		return HZ_OK;
	/* A family from before sessions were recorded gets its session now. */
	if (HZ_CELL(&r, 0, F_SESSION)->null)
		rc = new_session(x, user, HZ_CELL(&u, 0, 0)->s, family, j->t);
	else
		rc = issue(x, user, HZ_CELL(&u, 0, 0)->s, family,
		    HZ_ID(HZ_CELL(&r, 0, F_SESSION)), j->t);
	if (rc || (rc = spend(x, &r, j->t)))
		return rc;
	j->ok = true;
	return HZ_OK;
}

enum hz_status
hz_session_refresh(const struct hz_ctx *x, const char *refresh,
                   struct hz_tokens *t)
{
	struct refresh_job j = { refresh, t, false };
	enum hz_status rc;

	memset(t, 0, sizeof(*t));
	if (strlen(refresh) != HZ_TOKEN_CHARS)
		return hz_refuse(x, &refresh_invalid);
	if ((rc = hz_tx(x, refresh_tx, &j)) != HZ_OK)
		return rc;
	return j.ok ? HZ_OK : hz_refuse(x, &refresh_invalid);
}

/* The family's end and its audit row, together. */
struct end_job {
	const char *refresh;
};

static enum hz_status
end_tx(const struct hz_ctx *x, void *p)
{
	const char *refresh = ((struct end_job *)p)->refresh;
	struct hz_db_result r;
	uint64_t user;
	enum hz_status rc;

	if ((rc = find(x, refresh, &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_OK;
	user = HZ_ID(HZ_CELL(&r, 0, F_USER));
	if ((rc = end_family(x, HZ_CELL(&r, 0, F_FAMILY)->s,
	    HZ_CELL(&r, 0, F_FAMILY)->len)))
		return rc;
	return hz_audit(x, user, "session.logout", "user", user, NULL);
}

enum hz_status
hz_session_end(const struct hz_ctx *x, const char *refresh)
{
	struct end_job j = { refresh };

	return hz_tx(x, end_tx, &j);
}

enum hz_status
hz_session_end_user(const struct hz_ctx *x, uint64_t user_id)
{
	struct hz_db_arg id = HZ_ARG_I64((long long)user_id);
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_REVOKE_USER,
	    HZ_ARGS(id), NULL)))
		return rc;
	return hz_db_run(x->db, x->arena, &stmts, STMT_END_USER, HZ_ARGS(id),
	    NULL);
}

enum hz_status
hz_session_purge(const struct hz_ctx *x, unsigned long long *cleared)
{
	*cleared = 0;
	return hz_db_run_batches(x->db, x->arena, &stmts, STMT_PURGE_SEALED,
	    HZ_ARGS(HZ_ARG_I64(x->cfg->refresh_grace)), HZ_DB_PURGE_BATCH, 0,
	    cleared);
}

enum hz_status
hz_sessions_purge(const struct hz_ctx *x, unsigned long long *n)
{
	struct hz_db_result r;
	enum hz_status rc;

	n[0] = n[1] = 0;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_EXPIRE_SESSIONS,
	    HZ_NO_ARGS, &r)))
		return rc;
	n[0] = r.affected;
	/* Each batch commits on its own; a run does at most 20 of each. */
	if ((rc = hz_db_run_batches(x->db, x->arena, &stmts,
	    STMT_ORPHAN_SESSIONS, HZ_NO_ARGS, HZ_DB_PURGE_BATCH, 20, &n[0])))
		return rc;
	return hz_db_run_batches(x->db, x->arena, &stmts, STMT_DELETE_SESSIONS,
	    HZ_ARGS(HZ_ARG_I64(HZ_SESSION_KEEP_DAYS)), HZ_DB_PURGE_BATCH, 20,
	    &n[1]);
}
