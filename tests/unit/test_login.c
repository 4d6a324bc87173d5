/* Login codes, sessions and staff passwords against the real database. */
#include "unit.h"

#include <string.h>

#include "dbfixture.h"
#include "login.h"
#include "session.h"
#include "users.h"

enum { S_EXPIRE, S_AGE, S_FAMILY_STATES, S_AGE_FAILURES, S_AGE_PASSWORD,
    S_GUARD_SENDS, S_AGE_GUARD, S__MAX };
static const char *const sql[S__MAX] = {
	[S_EXPIRE] = "UPDATE login_codes SET expires_at = NOW(3) - INTERVAL 1"
	    " SECOND WHERE phone_index = ?",
	[S_AGE] = "UPDATE login_codes SET created_at = created_at - INTERVAL 2"
	    " SECOND WHERE phone_index = ?",
	[S_FAMILY_STATES] = "SELECT state FROM refresh_tokens WHERE user_id = ?"
	    " ORDER BY id",
	/* Moves an account's failed logins out of the guard's window. */
	[S_AGE_FAILURES] = "UPDATE staff_login_failures"
	    " SET at = at - INTERVAL 1 DAY WHERE id > ?",
	/* Sets an account's password a second older than temp_password_ttl. */
	[S_AGE_PASSWORD] = "UPDATE users SET password_changed_at = NOW(3)"
	    " - INTERVAL 259201 SECOND WHERE id = ?",
	[S_GUARD_SENDS] = "SELECT CAST(COALESCE(SUM(sends), -1) AS SIGNED)"
	    " FROM login_phone_guards WHERE phone_index = ?",
	[S_AGE_GUARD] = "UPDATE login_phone_guards SET touched_at ="
	    " touched_at - INTERVAL 2 DAY WHERE phone_index = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_login", sql);

/* The code the log sender wrote for `phone`: the last matching line. */
static const char *
sent_code(const char *phone)
{
	static char code[16];
	char line[256], p[32], c[16], ts[40];
	FILE *f = fopen(fx_cfg.sms_log, "r");

	code[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%39s %31s %15s", ts, p, c) == 3 &&
		    strcmp(p, phone) == 0)
			memcpy(code, c, sizeof(code));
	fclose(f);
	assert_int_equal(strlen(code), 6);
	return code;
}

/* Runs statement `s` with the blind index of `phone` as its argument. */
static void
run_for_phone(int s, const char *phone)
{
	unsigned char index[HZ_INDEX_BYTES];

	hz_blind_index(&fx_keys, "phone", phone, strlen(phone), index);
	struct hz_db_arg a = HZ_ARG_STRN((const char *)index, sizeof(index));
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, s, &a, 1, NULL),
	    HZ_OK);
}

/* The sends counted on `phone`'s guard row; -1: no row. */
static long long
guard_sends(const char *phone)
{
	unsigned char index[HZ_INDEX_BYTES];
	struct hz_db_result r;

	hz_blind_index(&fx_keys, "phone", phone, strlen(phone), index);
	struct hz_db_arg a = HZ_ARG_STRN((const char *)index, sizeof(index));
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_GUARD_SENDS, &a,
	    1, &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->i;
}

static const char *
wrong(const char *code)
{
	static char w[16];

	snprintf(w, sizeof(w), "%06ld", (strtol(code, NULL, 10) + 1) % 1000000);
	return w;
}

/* A new resident, logged in by phone code: their phone. */
static const char *
logged_in(struct hz_tokens *t)
{
	const char *phone = fx_phone();

	assert_int_equal(hz_login_code_send(&fx, phone), HZ_OK);
	assert_int_equal(hz_login_code_verify(&fx, phone, sent_code(phone), t),
	    HZ_OK);
	return phone;
}

static void
code_login_creates_then_finds_the_resident(void **state)
{
	const char *phone;
	struct hz_tokens t1, t2;

	(void)state;
	FX_NEED_DB();
	phone = logged_in(&t1);
	assert_string_equal(t1.kind, "resident");
	/* A used code does not log in twice. */
	assert_int_equal(hz_login_code_verify(&fx, phone, sent_code(phone),
	    &t2), HZ_ERR_UNAUTHORIZED);
	/* Next code (after the interval) logs the same person in. */
	struct hz_ctx later = fx;
	struct hz_config cfg = fx_cfg;
	cfg.code_interval = 0;
	later.cfg = &cfg;
	assert_int_equal(hz_login_code_send(&later, phone), HZ_OK);
	assert_int_equal(hz_login_code_verify(&fx, phone, sent_code(phone),
	    &t2), HZ_OK);
	assert_int_equal(t1.user_id, t2.user_id);
}

static void
codes_are_limited_per_phone_and_per_address(void **state)
{
	struct hz_config cfg = fx_cfg;
	struct hz_ctx x = fx;
	const char *phone;

	(void)state;
	FX_NEED_DB();
	phone = fx_phone();
	assert_int_equal(hz_login_code_send(&fx, phone), HZ_OK);
	assert_int_equal(hz_login_code_send(&fx, phone), HZ_ERR_RATE_LIMITED);
	assert_int_equal(hz_login_code_send(&fx, "12345"), HZ_ERR_INVALID);
	/* Per address: a fresh address may ask code_ip_hourly times. */
	cfg.code_ip_hourly = 2;
	x.cfg = &cfg;
	x.ip = hz_arena_printf(fx.arena, "198.51.100.%u",
	    (unsigned)randombytes_uniform(250));
	assert_int_equal(hz_login_code_send(&x, fx_phone()), HZ_OK);
	assert_int_equal(hz_login_code_send(&x, fx_phone()), HZ_OK);
	phone = fx_phone();
	assert_int_equal(hz_login_code_send(&x, phone), HZ_ERR_RATE_LIMITED);
	/* Refused by the address's quota: nothing written, not even the
	 * phone's guard row (an abusive address would fill that table). */
	assert_int_equal(guard_sends(phone), -1);
}

/* The interval between codes is decided under a lock, which on a Galera
 * cluster holds on one node only; a phone that never had a code has not
 * even a row to lock. So every send that passed the soft limits (address
 * and phone quotas, read only) writes the phone's guard row before that
 * check, ones the interval refuses too (sql/0022): two sends on two nodes
 * then conflict at certification and one runs again, seeing the other's
 * code. The guard goes a day after the phone's last send. */
static void
every_send_writes_the_phones_guard(void **state)
{
	const char *phone;
	unsigned long long n;

	(void)state;
	FX_NEED_DB();
	phone = fx_phone();
	assert_int_equal(guard_sends(phone), -1);
	assert_int_equal(hz_login_code_send(&fx, phone), HZ_OK);
	assert_int_equal(guard_sends(phone), 1);
	assert_int_equal(hz_login_code_send(&fx, phone), HZ_ERR_RATE_LIMITED);
	assert_int_equal(guard_sends(phone), 2);
	assert_int_equal(hz_login_purge(&fx, &n), HZ_OK);
	assert_int_equal(guard_sends(phone), 2);
	run_for_phone(S_AGE_GUARD, phone);
	assert_int_equal(hz_login_purge(&fx, &n), HZ_OK);
	assert_true(n >= 1);
	assert_int_equal(guard_sends(phone), -1);
}

static void
limits_per_phone_span_codes(void **state)
{
	struct hz_config cfg = fx_cfg;
	struct hz_ctx x = fx;
	struct hz_tokens t;
	const char *phone;

	(void)state;
	FX_NEED_DB();
	cfg.code_interval = 1;
	cfg.code_phone_hourly = 3;
	cfg.code_phone_misses = 4;
	x.cfg = &cfg;
	phone = fx_phone();
	/* code_interval is in seconds: age the codes instead of waiting. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(hz_login_code_send(&x, phone), HZ_OK);
		/* Too soon: code_interval still holds. */
		assert_int_equal(hz_login_code_send(&x, phone),
		    HZ_ERR_RATE_LIMITED);
		run_for_phone(S_AGE, phone);
	}
	/* Over the phone's hourly quota (from the third code's second
	 * send on): refused before its guard row. 3 codes, 2 too soon. */
	assert_int_equal(guard_sends(phone), 5);
	assert_int_equal(hz_login_code_send(&x, phone), HZ_ERR_RATE_LIMITED);
	assert_int_equal(guard_sends(phone), 5);
	/* Wrong guesses add up across codes: 4 in a day lock the phone. */
	phone = fx_phone();
	for (int i = 0; i < 2; i++) {
		const char *code;
		assert_int_equal(hz_login_code_send(&x, phone), HZ_OK);
		code = sent_code(phone);
		assert_int_equal(hz_login_code_verify(&x, phone, wrong(code), &t),
		    HZ_ERR_UNAUTHORIZED);
		assert_int_equal(hz_login_code_verify(&x, phone, wrong(code), &t),
		    HZ_ERR_UNAUTHORIZED);
		run_for_phone(S_AGE, phone);
	}
	assert_int_equal(hz_login_code_send(&x, phone), HZ_ERR_RATE_LIMITED);
}

static void
five_wrong_guesses_kill_the_code(void **state)
{
	struct hz_tokens t;
	const char *phone, *code;

	(void)state;
	FX_NEED_DB();
	phone = fx_phone();
	assert_int_equal(hz_login_code_send(&fx, phone), HZ_OK);
	code = sent_code(phone);
	for (int i = 0; i < fx_cfg.code_tries; i++)
		assert_int_equal(hz_login_code_verify(&fx, phone, wrong(code),
		    &t), HZ_ERR_UNAUTHORIZED);
	/* The sixth try, even with the right code. */
	assert_int_equal(hz_login_code_verify(&fx, phone, code, &t),
	    HZ_ERR_RATE_LIMITED);
	assert_int_equal(hz_login_code_verify(&fx, phone, "12345", &t),
	    HZ_ERR_INVALID);
}

static void
expired_codes_are_refused(void **state)
{
	struct hz_tokens t;
	const char *phone;

	(void)state;
	FX_NEED_DB();
	phone = fx_phone();
	assert_int_equal(hz_login_code_send(&fx, phone), HZ_OK);
	run_for_phone(S_EXPIRE, phone);
	assert_int_equal(hz_login_code_verify(&fx, phone, sent_code(phone), &t),
	    HZ_ERR_UNAUTHORIZED);
}

static void
refresh_rotates_and_reuse_revokes_the_family(void **state)
{
	struct hz_tokens t0, t1, t2, t3;
	struct hz_db_result r;

	(void)state;
	FX_NEED_DB();
	(void)logged_in(&t0);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1), HZ_OK);
	assert_string_not_equal(t0.refresh, t1.refresh);
	assert_int_equal(t1.user_id, t0.user_id);
	/* t0 again (no grace: test_session covers it): a thief or a
	 * replay. Both branches die. */
	fx_cfg.refresh_grace = 0;
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t2),
	    HZ_ERR_UNAUTHORIZED);
	fx_cfg.refresh_grace = 10;
	assert_int_equal(hz_session_refresh(&fx, t1.refresh, &t3),
	    HZ_ERR_UNAUTHORIZED);
	struct hz_db_arg u = HZ_ARG_I64((long long)t0.user_id);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_FAMILY_STATES,
	    &u, 1, &r), HZ_OK);
	/* Both tokens of the family are still there, and both are revoked. */
	assert_int_equal(r.nrows, 2);
	for (size_t i = 0; i < r.nrows; i++)
		assert_string_equal(HZ_CELL(&r, i, 0)->s, "revoked");
	assert_int_equal(hz_session_refresh(&fx, "short", &t3),
	    HZ_ERR_UNAUTHORIZED);
}

static void
logout_ends_the_family(void **state)
{
	struct hz_tokens t0, t1;

	(void)state;
	FX_NEED_DB();
	(void)logged_in(&t0);
	assert_int_equal(hz_session_end(&fx, t0.refresh), HZ_OK);
	assert_int_equal(hz_session_refresh(&fx, t0.refresh, &t1),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_session_end(&fx, "unknown-token"), HZ_OK);
}

static void
staff_passwords(void **state)
{
	char name[32];
	struct hz_staff_new s = { .display_name = "测试员",
	    .password = "correct horse battery" };
	uint64_t id, got;

	(void)state;
	FX_NEED_DB();
	snprintf(name, sizeof(name), "t%u", (unsigned)randombytes_uniform(1u << 30));
	s.username = name;
	assert_int_equal(hz_staff_create(&fx, &s, &id), HZ_OK);
	assert_int_equal(hz_staff_create(&fx, &s, &id), HZ_ERR_CONFLICT);
	assert_int_equal(hz_staff_authenticate(&fx, name,
	    "correct horse battery", &got), HZ_OK);
	assert_int_equal(got, id);
	assert_int_equal(hz_staff_authenticate(&fx, name, "wrong", &got),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_staff_authenticate(&fx, "nobody-here", "x", &got),
	    HZ_ERR_UNAUTHORIZED);
	s.password = "short";
	assert_int_equal(hz_staff_create(&fx, &s, &id), HZ_ERR_INVALID);
	assert_string_equal(fx_why.field, "password");
	s.password = "long enough now";
	s.username = "Bad Name";
	assert_int_equal(hz_staff_create(&fx, &s, &id), HZ_ERR_INVALID);
	assert_string_equal(fx_why.field, "username");
	assert_string_equal(fx_why.message, hz_user_rules.username.message);
}

#define PW "the right password"

/* A staff account with `password`, and a guard with no failures in its
 * window (earlier tests' are moved out of it); its id. */
static uint64_t
staff_with(const char *password)
{
	struct hz_staff_new s = { .display_name = "门卫", .password = password };
	uint64_t id;

	fx_exec(&stmts, S_AGE_FAILURES, 0);
	s.username = hz_arena_printf(fx.arena, "g%u",
	    (unsigned)randombytes_uniform(1u << 30));
	assert_int_equal(hz_staff_create(&fx, &s, &id), HZ_OK);
	return id;
}

static enum hz_status
login_from(const char *ip, uint64_t user, const char *password)
{
	struct hz_ctx x = fx;
	struct hz_tokens t;
	struct hz_staff_row row;

	x.ip = ip;
	/* The username, as the login form sends it. */
	x.caller = &(struct hz_caller){ .staff = true, .ngrants = 1,
	    .grants = { { .role = HZ_ROLE_ADMIN, .unit_path = "/" } } };
	assert_int_equal(hz_staff_get(&x, user, &row, &(struct hz_caller){ 0 }),
	    HZ_OK);
	x.caller = NULL;
	return hz_login_staff(&x, row.username, password, &t);
}

/* An attacker at one address: each wrong password past login_delay_after
 * makes the next try wait longer; waited out, the address may try again. */
static void
guessing_from_one_address_slows_down(void **state)
{
	uint64_t u;
	int after = fx_cfg.login_delay_after;

	(void)state;
	FX_NEED_DB();
	u = staff_with(PW);
	for (int i = 0; i < after; i++)
		assert_int_equal(login_from("198.51.100.7", u, "guess"),
		    HZ_ERR_UNAUTHORIZED);
	/* Even the right password waits: the address is throttled, not
	 * told whether its guess was right. */
	assert_int_equal(login_from("198.51.100.7", u, PW),
	    HZ_ERR_RATE_LIMITED);
	assert_string_equal(fx_why.code, "login_throttled");
	assert_int_equal(fx_why.retry_after, 1);
	assert_int_equal(fx_audits("login.staff.refused", u, u), 1);
	/* Another address is not slowed by this one. */
	assert_int_equal(login_from("198.51.100.8", u, PW), HZ_OK);
	/* Out of the window, the address starts afresh. */
	fx_exec(&stmts, S_AGE_FAILURES, 0);
	assert_int_equal(login_from("198.51.100.7", u, PW), HZ_OK);
}

/* Many addresses: the account locks to addresses it never used, while
 * its real user, at an address that logged in before, still gets in. */
static void
a_locked_account_still_lets_its_user_in(void **state)
{
	uint64_t u;

	(void)state;
	FX_NEED_DB();
	u = staff_with(PW);
	/* The real user logs in from the office. */
	assert_int_equal(login_from("203.0.113.1", u, PW), HZ_OK);
	/* A botnet: one guess per address, under any per-address delay. */
	for (int i = 0; i < fx_cfg.login_lock_after; i++)
		assert_int_equal(login_from(hz_arena_printf(fx.arena,
		    "192.0.2.%d", 10 + i), u, "guess"), HZ_ERR_UNAUTHORIZED);
	/* Locked to everyone new, right password or not. */
	assert_int_equal(login_from("192.0.2.250", u, PW), HZ_ERR_RATE_LIMITED);
	assert_string_equal(fx_why.code, "account_locked");
	assert_int_equal(fx_why.retry_after, fx_cfg.login_lock_minutes * 60);
	assert_int_equal(login_from("192.0.2.251", u, "guess"),
	    HZ_ERR_RATE_LIMITED);
	assert_int_equal(fx_audits("login.staff.refused", u, u), 2);
	/* The office still works, and a wrong password there is only a
	 * wrong password. */
	assert_int_equal(login_from("203.0.113.1", u, "typo"),
	    HZ_ERR_UNAUTHORIZED);
	assert_string_equal(fx_why.code, "login_failed");
	assert_int_equal(login_from("203.0.113.1", u, PW), HZ_OK);
	/* The window passes; the lock goes with it. */
	fx_exec(&stmts, S_AGE_FAILURES, 0);
	assert_int_equal(login_from("192.0.2.250", u, PW), HZ_OK);
}

/* The real user's own address, shared with a guesser (one office NAT):
 * the guesser there is slowed like anyone, but the right password from
 * that address still gets in. */
static void
a_guesser_at_the_users_address_cannot_lock_them_out(void **state)
{
	uint64_t u;

	(void)state;
	FX_NEED_DB();
	u = staff_with(PW);
	assert_int_equal(login_from("203.0.113.9", u, PW), HZ_OK);
	for (int i = 0; i < fx_cfg.login_delay_after; i++)
		assert_int_equal(login_from("203.0.113.9", u, "guess"),
		    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(login_from("203.0.113.9", u, "guess"),
	    HZ_ERR_RATE_LIMITED);
	assert_string_equal(fx_why.code, "login_throttled");
	assert_int_equal(login_from("203.0.113.9", u, PW), HZ_OK);
}

/* A name nobody has is guarded exactly like a real one: the answers do
 * not tell which usernames exist. */
static void
unknown_names_are_guarded_alike(void **state)
{
	struct hz_ctx x = fx;
	struct hz_tokens t;
	const char *name;

	(void)state;
	FX_NEED_DB();
	fx_exec(&stmts, S_AGE_FAILURES, 0);
	name = hz_arena_printf(fx.arena, "nobody%u",
	    (unsigned)randombytes_uniform(1u << 30));
	x.ip = "198.51.100.99";
	for (int i = 0; i < fx_cfg.login_delay_after; i++) {
		assert_int_equal(hz_login_staff(&x, name, "guess", &t),
		    HZ_ERR_UNAUTHORIZED);
		assert_string_equal(fx_why.code, "login_failed");
	}
	assert_int_equal(hz_login_staff(&x, name, "guess", &t),
	    HZ_ERR_RATE_LIMITED);
	assert_string_equal(fx_why.code, "login_throttled");
	/* Counted by the name as typed, in any case. */
	assert_int_equal(hz_login_staff(&x, hz_arena_printf(fx.arena, "NOBODY%s",
	    name + 6), "guess", &t), HZ_ERR_RATE_LIMITED);
}

/* A temporary password logs in for temp_password_ttl; older, it is a
 * wrong password to the caller. A chosen one never expires. */
static void
temporary_passwords_expire(void **state)
{
	struct hz_ctx x = fx;
	uint64_t u;
	char *pw;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cfg.temp_password_ttl, 259200);
	u = staff_with(PW);
	assert_int_equal(hz_staff_password_reset(&x, u, &pw), HZ_OK);
	assert_int_equal(login_from("203.0.113.20", u, pw), HZ_OK);
	fx_exec(&stmts, S_AGE_PASSWORD, u);
	assert_int_equal(login_from("203.0.113.20", u, pw),
	    HZ_ERR_UNAUTHORIZED);
	assert_string_equal(fx_why.code, "login_failed");
	assert_int_equal(fx_audits("login.staff.refused", u, u), 1);
	/* A new reset starts the clock again. */
	assert_int_equal(hz_staff_password_reset(&x, u, &pw), HZ_OK);
	assert_int_equal(login_from("203.0.113.20", u, pw), HZ_OK);
	/* A password the user chose does not expire. */
	assert_int_equal(hz_staff_password_set(&x, u, PW), HZ_OK);
	fx_exec(&stmts, S_AGE_PASSWORD, u);
	assert_int_equal(login_from("203.0.113.20", u, PW), HZ_OK);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(every_send_writes_the_phones_guard),
	cmocka_unit_test(guessing_from_one_address_slows_down),
	cmocka_unit_test(a_guesser_at_the_users_address_cannot_lock_them_out),
	cmocka_unit_test(unknown_names_are_guarded_alike),
	cmocka_unit_test(a_locked_account_still_lets_its_user_in),
	cmocka_unit_test(code_login_creates_then_finds_the_resident),
	cmocka_unit_test(codes_are_limited_per_phone_and_per_address),
	cmocka_unit_test(limits_per_phone_span_codes),
	cmocka_unit_test(five_wrong_guesses_kill_the_code),
	cmocka_unit_test(expired_codes_are_refused),
	cmocka_unit_test(refresh_rotates_and_reuse_revokes_the_family),
	cmocka_unit_test(logout_ends_the_family),
	cmocka_unit_test(staff_passwords),
	cmocka_unit_test(temporary_passwords_expire))
