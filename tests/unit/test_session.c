/* Sessions against the real database: a family of refresh tokens, rotated
 * on every use, revoked whole on reuse or logout. */
#include "unit.h"

#include <string.h>

#include "access.h"
#include "dbfixture.h"
#include "session.h"

enum { S_DISABLE, S_ENABLE, S_EXPIRE, S__MAX };
static const char *const sql[S__MAX] = {
	[S_DISABLE] = "UPDATE users SET disabled = 1 WHERE id = ?",
	[S_ENABLE] = "UPDATE users SET disabled = 0 WHERE id = ?",
	[S_EXPIRE] = "UPDATE refresh_tokens SET expires_at = NOW(3) -"
	    " INTERVAL 1 SECOND WHERE user_id = ? AND state = 'active'",
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
	/* The rotated token again: stolen or replayed. */
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

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(start_issues_a_verifiable_pair),
	cmocka_unit_test(each_refresh_rotates_once),
	cmocka_unit_test(reuse_revokes_the_family),
	cmocka_unit_test(logout_ends_the_family),
	cmocka_unit_test(disabled_users_cannot_refresh),
	cmocka_unit_test(bad_and_expired_tokens_are_refused))
