/* Sessions against the real database: a family of refresh tokens, rotated
 * on every use, revoked whole on reuse or logout; a token spent moments ago
 * answers its unspent successor (refresh_grace). */
#include "unit.h"

#include <string.h>

#include "access.h"
#include "dbfixture.h"
#include "session.h"

enum {
	S_DISABLE, S_ENABLE, S_EXPIRE, S_AGE, S_SEALED, S_END, S_SESSION,
	S_TOKEN, S_SESSIONS, S_SESSION_NOW, S__MAX
};
static const char *const sql[S__MAX] = {
	[S_DISABLE] = "UPDATE users SET disabled = 1 WHERE id = ?",
	[S_ENABLE] = "UPDATE users SET disabled = 0 WHERE id = ?",
	[S_EXPIRE] = "UPDATE refresh_tokens SET expires_at = NOW(3) -"
	    " INTERVAL 1 SECOND WHERE user_id = ? AND state = 'active'",
	/* As if the spent tokens had been spent just past the grace. */
	[S_AGE] = "UPDATE refresh_tokens SET used_at = NOW(3) -"
	    " INTERVAL 11 SECOND WHERE user_id = ? AND state = 'used'",
	[S_SEALED] = "SELECT COUNT(*) FROM refresh_tokens"
	    " WHERE user_id = ? AND successor_sealed IS NOT NULL",
	/* Sessions ended by other means than a logout with their token. */
	[S_END] = "UPDATE sessions SET revoked_at = NOW(3)"
	    " WHERE user_id = ? AND revoked_at IS NULL",
	/* user, family, ended days ago (negative: not ended); started 2
	 * days ago. */
	[S_SESSION] = "INSERT INTO sessions (user_id, family, revoked_at,"
	    " created_at) VALUES (?, ?, IF(? < 0, NULL, NOW(3) - INTERVAL ? DAY),"
	    " NOW(3) - INTERVAL 2 DAY)",
	[S_SESSION_NOW] = "INSERT INTO sessions (user_id, family) VALUES (?, ?)",
	/* user, family, state, expires in hours. */
	[S_TOKEN] = "INSERT INTO refresh_tokens (user_id, family, token_hash,"
	    " state, expires_at) VALUES (?, ?, UNHEX(SHA2(UUID(), 256)), ?,"
	    " NOW(3) + INTERVAL ? HOUR)",
	/* A user's sessions in order: live, or ended (and when, in whole
	 * hours ago). */
	[S_SESSIONS] = "SELECT GROUP_CONCAT(IF(revoked_at IS NULL, 'live',"
	    " CONCAT('ended ', TIMESTAMPDIFF(HOUR, revoked_at, NOW(3))))"
	    " ORDER BY id) FROM sessions WHERE user_id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_session", sql);

/* Refreshing with `token` is refused. */
static void
refused(const char *token)
{
	struct hz_tokens t;

	fx_why = (struct hz_refusal){ 0 };
	fx_refused(&fx, hz_session_refresh(&fx, token, &t),
	    HZ_ERR_UNAUTHORIZED, "refresh_invalid", NULL);
	assert_null(t.refresh);
}

static void
start_issues_a_verifiable_pair(void **state)
{
	struct hz_caller r, s;
	struct hz_tokens t;
	struct hz_claims c;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t), HZ_OK);
	assert_int_equal(strlen(t.refresh), HZ_TOKEN_CHARS);
	assert_int_equal(t.expires_in, fx_cfg.access_ttl);
	assert_int_equal(t.user_id, r.id);
	assert_string_equal(t.kind, "resident");
	assert_int_equal(hz_jwt_verify(&fx, t.access, &c), HZ_OK);
	assert_int_equal(c.sub, r.id);
	assert_string_equal(c.kind, "resident");
	assert_string_equal(fx_refresh_states(r.id), "active");

	/* Staff keep their kind through a refresh. */
	assert_int_equal(fx_staff(&s, HZ_ROLE__MAX, 0), HZ_OK);
	assert_int_equal(hz_session_start(&fx, s.id, "staff", &t), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t.refresh, &t), HZ_OK);
	assert_string_equal(t.kind, "staff");
	assert_int_equal(hz_jwt_verify(&fx, t.access, &c), HZ_OK);
	assert_string_equal(c.kind, "staff");
	assert_int_equal(c.sub, s.id);
}

static void
each_refresh_rotates_once(void **state)
{
	struct hz_caller r;
	struct hz_tokens t[4];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t[0]), HZ_OK);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(hz_session_refresh(&fx, t[i - 1].refresh,
		    &t[i]), HZ_OK);
		assert_string_not_equal(t[i].refresh, t[i - 1].refresh);
		assert_int_equal(t[i].user_id, r.id);
		assert_string_equal(t[i].kind, "resident");
	}
	assert_string_equal(fx_refresh_states(r.id), "used,used,used,active");
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, 0), 0);
}

static void
reuse_revokes_the_family(void **state)
{
	struct hz_caller r;
	struct hz_tokens t0, t1, other, t;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	/* A second family of the same person (another phone) survives. */
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &other),
	    HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	/* The rotated token again, after the grace: stolen or replayed. */
	fx_exec(&stmts, S_AGE, r.id);
	refused(t0.refresh);
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, r.id), 1);
	/* The holder of the newest one is logged out too... */
	refused(t1.refresh);
	/* ...and it sticks: the reused one stays refused, without a second
	 * revocation. */
	refused(t0.refresh);
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, r.id), 1);
	assert_string_equal(fx_refresh_states(r.id), "active,revoked,revoked");
	assert_int_equal(hz_session_refresh(&fx, other.refresh, &t), HZ_OK);
}

static void
logout_ends_the_family(void **state)
{
	struct hz_caller r;
	struct hz_tokens t0, t1, t2;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	assert_int_equal(hz_session_end(&fx, t1.refresh), HZ_OK);
	assert_int_equal(fx_audits("session.logout", r.id, r.id), 1);
	refused(t1.refresh);
	assert_string_equal(fx_refresh_states(r.id), "revoked,revoked");
	/* Logging out twice, or with a token nobody knows, is no error. */
	assert_int_equal(hz_session_end(&fx, t1.refresh), HZ_OK);
	assert_int_equal(hz_session_end(&fx, "no-such-token"), HZ_OK);

	/* Ended through an older token of the family: the newest dies. */
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	assert_int_equal(hz_session_end(&fx, t0.refresh), HZ_OK);
	refused(t1.refresh);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t2), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t2.refresh, &t1), HZ_OK);
}

static void
disabled_users_cannot_refresh(void **state)
{
	struct hz_caller r, again;
	struct hz_tokens t0, t1;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	fx_exec(&stmts, S_DISABLE, r.id);
	refused(t0.refresh);
	assert_int_equal(hz_caller_load(&fx, r.id, &again),
	    HZ_ERR_UNAUTHORIZED);
	fx_exec(&stmts, S_ENABLE, r.id);
	/* Back in: a new login works. */
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
}

static void
bad_and_expired_tokens_are_refused(void **state)
{
	struct hz_caller r;
	struct hz_tokens t0;
	char unknown[HZ_TOKEN_CHARS + 1];

	(void)state;
	FX_NEED_DB();
	refused("");
	refused("short");
	hz_random_token(unknown);
	refused(unknown);
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	/* One character more or less is another token. */
	refused(hz_arena_printf(fx.arena, "%sA", t0.refresh));
	refused(hz_arena_strndup(fx.arena, t0.refresh, HZ_TOKEN_CHARS - 1));
	fx_exec(&stmts, S_EXPIRE, r.id);
	refused(t0.refresh);
	/* Expired is not reuse: nothing was revoked. */
	assert_string_equal(fx_refresh_states(r.id), "active");
}

/* Two tabs refresh with the same token at once: the second, within the
 * grace, gets the very successor the first got, with a fresh access token
 * of the same session, and no new row. Once that successor is spent, the
 * first token is reuse again. */
static void
grace_answers_the_same_successor(void **state)
{
	struct hz_caller r;
	struct hz_tokens t0, t1, t2, t3;
	struct hz_claims c1, c2;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cfg.refresh_grace, 10);
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_SEALED, r.id), 1);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t2), HZ_OK);
	assert_string_equal(t2.refresh, t1.refresh);
	assert_int_equal(t2.user_id, r.id);
	assert_string_equal(t2.kind, "resident");
	assert_int_equal(t2.expires_in, fx_cfg.access_ttl);
	assert_int_equal(hz_jwt_verify(&fx, t1.access, &c1), HZ_OK);
	assert_int_equal(hz_jwt_verify(&fx, t2.access, &c2), HZ_OK);
	assert_int_equal(c2.sub, r.id);
	assert_int_equal(c2.sid, c1.sid);
	assert_string_equal(fx_refresh_states(r.id), "used,active");
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, 0), 0);

	/* The successor is spent: its elder's copy goes, and the elder
	 * presented again is reuse, grace or not. */
	assert_int_equal(hz_session_refresh(&fx, t1.refresh, &t3), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_SEALED, r.id), 1);
	assert_string_equal(fx_refresh_states(r.id), "used,used,active");
	refused(t0.refresh);
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, r.id), 1);
	refused(t3.refresh);
	assert_string_equal(fx_refresh_states(r.id), "revoked,revoked,revoked");
}

/* Past the grace the kept successor is forgotten by the scheduler, and
 * the spent token is reuse: the whole family ends. */
static void
after_the_grace_is_reuse(void **state)
{
	struct hz_caller r;
	struct hz_tokens t0, t1;
	unsigned long long cleared;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	/* Within the grace the purge keeps it. */
	assert_int_equal(hz_session_purge(&fx, &cleared), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_SEALED, r.id), 1);
	fx_exec(&stmts, S_AGE, r.id);
	assert_int_equal(hz_session_purge(&fx, &cleared), HZ_OK);
	assert_true(cleared >= 1);
	assert_int_equal(fx_count(&stmts, S_SEALED, r.id), 0);
	refused(t0.refresh);
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, r.id), 1);
	refused(t1.refresh);
	assert_string_equal(fx_refresh_states(r.id), "revoked,revoked");

	/* Aged but not yet purged: the age alone decides. */
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	fx_exec(&stmts, S_AGE, r.id);
	assert_int_equal(fx_count(&stmts, S_SEALED, r.id), 1);
	refused(t0.refresh);
	refused(t1.refresh);
}

/* refresh_grace = 0: no successor is kept, and any reuse ends the family. */
static void
grace_zero_is_reuse(void **state)
{
	struct hz_caller r;
	struct hz_tokens t0, t1;

	(void)state;
	FX_NEED_DB();
	fx_cfg.refresh_grace = 0;
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_SEALED, r.id), 0);
	refused(t0.refresh);
	fx_cfg.refresh_grace = 10;
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, r.id), 1);
	refused(t1.refresh);
	assert_string_equal(fx_refresh_states(r.id), "revoked,revoked");
}

/* Within the grace, a session that ended (logout) or a user who was
 * disabled gets nothing: the spent token is treated as reuse. */
static void
grace_needs_a_live_session(void **state)
{
	struct hz_caller r;
	struct hz_tokens t0, t1;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	assert_int_equal(hz_session_end(&fx, t1.refresh), HZ_OK);
	refused(t0.refresh);
	refused(t1.refresh);
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, r.id), 0);

	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	fx_exec(&stmts, S_END, r.id);
	refused(t0.refresh);
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, r.id), 1);
	refused(t1.refresh);

	assert_int_equal(hz_session_start(&fx, r.id, "resident", &t0), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	fx_exec(&stmts, S_DISABLE, r.id);
	refused(t0.refresh);
	fx_exec(&stmts, S_ENABLE, r.id);
	refused(t1.refresh);
	assert_int_equal(fx_audits("session.reuse_revoked", r.id, r.id), 2);
}

static const char *
sessions_of(uint64_t user)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_SESSIONS,
	    HZ_ARGS(HZ_ARG_I64((long long)user)), &r), HZ_OK);
	return HZ_TEXT(HZ_CELL(&r, 0, 0));
}

/* purge_sessions: a session whose live refresh token expired is ended at
 * that expiry; an ended session goes HZ_SESSION_KEEP_DAYS (30) days
 * after; a live one stays, however old its spent tokens. */
static void
purge_ends_expired_sessions_and_deletes_old_ones(void **state)
{
	struct hz_caller r;
	unsigned char fam[16];
	unsigned long long n[2];
	const struct {
		int ended_ago;      /* days; -1: not ended */
		const char *state;  /* its token's */
		int expires_in;     /* hours */
	} rows[] = {
		{ -1, "active", 24 },             /* live: kept */
		{ -1, "active", -2 },             /* expired 2 h ago: ended */
		{ 31, "revoked", 24 },            /* ended 31 days ago: gone */
		{ 29, "revoked", 24 },            /* ended 29 days ago: kept */
		{ -1, "used", -31 * 24 },         /* rotated long ago, */
		{ -2, "active", 24 },             /* its successor live: kept */
		/* expired 31 days ago, missed: ended then, gone now */
		{ -1, "active", -31 * 24 },
	};

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* -2: another token of the row before's family. */
		if (rows[i].ended_ago != -2) {
			randombytes_buf(fam, sizeof(fam));
			assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts,
			    S_SESSION, HZ_ARGS(HZ_ARG_I64((long long)r.id),
			    HZ_ARG_STRN((const char *)fam, 16),
			    HZ_ARG_I64(rows[i].ended_ago),
			    HZ_ARG_I64(rows[i].ended_ago)), NULL), HZ_OK);
		}
		assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_TOKEN,
		    HZ_ARGS(HZ_ARG_I64((long long)r.id),
		    HZ_ARG_STRN((const char *)fam, 16),
		    HZ_ARG_STR(rows[i].state), HZ_ARG_I64(rows[i].expires_in)),
		    NULL), HZ_OK);
	}
	/* Live, without any token left (deleted by retention): ended now. */
	randombytes_buf(fam, sizeof(fam));
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_SESSION,
	    HZ_ARGS(HZ_ARG_I64((long long)r.id), HZ_ARG_STRN((const char *)fam,
	    16), HZ_ARG_I64(-1), HZ_ARG_I64(-1)), NULL), HZ_OK);
	assert_string_equal(sessions_of(r.id),
	    "live,live,ended 744,ended 696,live,live,live");

	assert_int_equal(hz_sessions_purge(&fx, n), HZ_OK);
	assert_true(n[0] >= 3);
	assert_true(n[1] >= 2);
	assert_string_equal(sessions_of(r.id),
	    "live,ended 2,ended 696,live,ended 0");
	/* Again: nothing of this user's changes. */
	assert_int_equal(hz_sessions_purge(&fx, n), HZ_OK);
	assert_string_equal(sessions_of(r.id),
	    "live,ended 2,ended 696,live,ended 0");
	/* A session just started (its token not in yet) is left alone. */
	randombytes_buf(fam, sizeof(fam));
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_SESSION_NOW,
	    HZ_ARGS(HZ_ARG_I64((long long)r.id), HZ_ARG_STRN((const char *)fam,
	    16)), NULL), HZ_OK);
	assert_int_equal(hz_sessions_purge(&fx, n), HZ_OK);
	assert_string_equal(sessions_of(r.id),
	    "live,ended 2,ended 696,live,ended 0,live");
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(start_issues_a_verifiable_pair),
	cmocka_unit_test(each_refresh_rotates_once),
	cmocka_unit_test(reuse_revokes_the_family),
	cmocka_unit_test(logout_ends_the_family),
	cmocka_unit_test(disabled_users_cannot_refresh),
	cmocka_unit_test(bad_and_expired_tokens_are_refused),
	cmocka_unit_test(grace_answers_the_same_successor),
	cmocka_unit_test(after_the_grace_is_reuse),
	cmocka_unit_test(grace_zero_is_reuse),
	cmocka_unit_test(grace_needs_a_live_session),
	cmocka_unit_test(purge_ends_expired_sessions_and_deletes_old_ones))
