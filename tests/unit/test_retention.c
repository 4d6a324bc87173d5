/* Retention (core/retention.c) against the real database: which
 * registrations lose their numbers and when, what stays, the reveals
 * that answer 410 after, and which refresh tokens are deleted. */
#include "unit.h"

#include <string.h>

#include "dbfixture.h"
#include "retention.h"
#include "tenancies.h"

enum {
	S_ENDED_AGO, S_DECIDED_AGO, S_ERASED, S_KEPT, S_ERASED_AT, S_ROWS,
	S_MEMBERS, S_TOKEN, S_SESSION, S__MAX
};
static const char *const sql[S__MAX] = {
	[S_ENDED_AGO] = "UPDATE tenancies SET ended_at = NOW(3)"
	    " - INTERVAL ? DAY WHERE id = ?",
	[S_DECIDED_AGO] = "UPDATE tenancies SET decided_at = NOW(3)"
	    " - INTERVAL ? DAY WHERE id = ?",
	/* Everything personal gone, and said when. */
	[S_ERASED] = "SELECT COUNT(*) FROM tenancies WHERE id = ?"
	    " AND erased_at IS NOT NULL AND id_sealed IS NULL"
	    " AND id_index IS NULL AND phone_sealed IS NULL"
	    " AND members_sealed IS NULL",
	[S_KEPT] = "SELECT COUNT(*) FROM tenancies WHERE id = ?"
	    " AND erased_at IS NULL AND id_sealed IS NOT NULL"
	    " AND id_index IS NOT NULL AND phone_sealed IS NOT NULL",
	[S_ERASED_AT] = "SELECT CAST(erased_at AS CHAR) FROM tenancies"
	    " WHERE id = ?",
	[S_ROWS] = "SELECT COUNT(*) FROM tenancies WHERE building_id = ?",
	[S_MEMBERS] = "SELECT CAST(COALESCE(SUM(members_count), 0) AS SIGNED)"
	    " FROM tenancies WHERE building_id = ?",
	/* user, family, state, expires in hours, used hours ago (0: not). */
	[S_TOKEN] = "INSERT INTO refresh_tokens (user_id, family, token_hash,"
	    " state, expires_at, used_at) VALUES (?, ?, UNHEX(SHA2(UUID(), 256)),"
	    " ?, NOW(3) + INTERVAL ? HOUR,"
	    " IF(? = 0, NULL, NOW(3) - INTERVAL ? HOUR))",
	/* user, family, ended hours ago. */
	[S_SESSION] = "INSERT INTO sessions (user_id, family, revoked_at)"
	    " VALUES (?, ?, NOW(3) - INTERVAL ? HOUR)",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_retention", sql);

static void
ago(size_t stmt, uint64_t id, int days)
{
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, stmt, HZ_ARGS(
	    HZ_ARG_I64(days), HZ_ARG_I64((long long)id)), NULL), HZ_OK);
}

static const char *
erased_at(uint64_t id)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_ERASED_AT,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r), HZ_OK);
	return HZ_TEXT(HZ_CELL(&r, 0, 0));
}

static void
decide(const struct hz_caller *c, uint64_t id, enum hz_tenancy_action a)
{
	struct hz_ctx x = fx_as(c);

	assert_int_equal(hz_tenancy_decide(&x, id, a,
	    a == HZ_TENANCY_REJECT ? "证件照片不清楚" : NULL), HZ_OK);
}

static void
erasure_takes_closed_registrations_past_the_period(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r;
	struct hz_tenancy_input in;
	struct hz_tenancy t;
	struct hz_tenancy_counts *before, *after;
	struct hz_buf csv;
	struct hz_ctx x;
	size_t nb, na, rows;
	uint64_t active, pending, ended_old, ended_new, rejected_old,
	    rejected_new, ended_edge;
	unsigned long long n, again;
	long long audits, members, total;
	char *plain;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	active = fx_registered(&r, o.b1, &k.head);
	pending = fx_registered(&r, o.b1, NULL);
	/* Ended long ago, with household members. */
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	in = fx_form(fx_token(o.b1));
	in.members_json = "[{\"name\":\"李四\",\"relation\":\"配偶\"}]";
	in.members_count = 1;
	assert_int_equal(hz_tenancy_create(&x, &in, &ended_old), HZ_OK);
	decide(&k.head, ended_old, HZ_TENANCY_APPROVE);
	decide(&k.head, ended_old, HZ_TENANCY_END);
	ago(S_ENDED_AGO, ended_old, 1096);
	ended_new = fx_registered(&r, o.b1, &k.head);
	decide(&k.head, ended_new, HZ_TENANCY_END);
	ago(S_ENDED_AGO, ended_new, 30);
	/* A day short of the period: kept. */
	ended_edge = fx_registered(&r, o.b1, &k.head);
	decide(&k.head, ended_edge, HZ_TENANCY_END);
	ago(S_ENDED_AGO, ended_edge, 1094);
	rejected_old = fx_registered(&r, o.b1, NULL);
	decide(&k.head, rejected_old, HZ_TENANCY_REJECT);
	ago(S_DECIDED_AGO, rejected_old, 1200);
	rejected_new = fx_registered(&r, o.b1, NULL);
	decide(&k.head, rejected_new, HZ_TENANCY_REJECT);
	/* An active registration decided long ago is no closed one. */
	ago(S_DECIDED_AGO, active, 2000);

	x = fx_as(&k.cadre);
	assert_int_equal(hz_tenancy_counts(&x, o.c1, &before, &nb), HZ_OK);
	total = fx_count(&stmts, S_ROWS, o.b1);
	members = fx_count(&stmts, S_MEMBERS, o.b1);
	assert_int_equal(members, 1);
	audits = fx_audits("tenancy.erase", 0, 0);

	assert_int_equal(hz_tenancies_erase(&fx, 1095, &n), HZ_OK);
	assert_true(n >= 2);
	assert_int_equal(fx_count(&stmts, S_ERASED, ended_old), 1);
	assert_int_equal(fx_count(&stmts, S_ERASED, rejected_old), 1);
	assert_int_equal(fx_count(&stmts, S_KEPT, active), 1);
	assert_int_equal(fx_count(&stmts, S_KEPT, pending), 1);
	assert_int_equal(fx_count(&stmts, S_KEPT, ended_new), 1);
	assert_int_equal(fx_count(&stmts, S_KEPT, ended_edge), 1);
	assert_int_equal(fx_count(&stmts, S_KEPT, rejected_new), 1);
	/* One audit row for the run, none per registration. */
	assert_int_equal(fx_audits("tenancy.erase", 0, 0), audits + 1);
	assert_int_equal(fx_audits("tenancy.erase", 0, ended_old), 0);

	/* The counts stay as they were: rows, members, per unit. */
	assert_int_equal(fx_count(&stmts, S_ROWS, o.b1), total);
	assert_int_equal(fx_count(&stmts, S_MEMBERS, o.b1), members);
	assert_int_equal(hz_tenancy_counts(&x, o.c1, &after, &na), HZ_OK);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(after[i].active, before[i].active);
		assert_int_equal(after[i].pending, before[i].pending);
	}

	/* Again: nothing more, the same erased_at, no audit row. */
	const char *when = erased_at(ended_old);
	assert_int_equal(hz_tenancies_erase(&fx, 1095, &again), HZ_OK);
	assert_int_equal(again, 0);
	assert_string_equal(erased_at(ended_old), when);
	assert_int_equal(fx_audits("tenancy.erase", 0, 0), audits + 1);

	/* Readers: the row is there, its numbers say 已删除, the reveals
	 * answer 410 erased; an unerased one still reveals. */
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_get(&x, ended_old, &t, true), HZ_OK);
	assert_string_equal(t.status, "ended");
	assert_string_equal(t.name, "张三");
	assert_string_equal(t.id_masked, HZ_TENANCY_ERASED);
	assert_string_equal(t.phone_masked, HZ_TENANCY_ERASED);
	assert_null(t.members_json);
	assert_non_null(t.erased_at);
	fx_refused(&x, hz_tenancy_reveal_id(&x, ended_old, &plain),
	    HZ_ERR_GONE, "erased", NULL);
	fx_refused(&x, hz_tenancy_reveal_phone(&x, ended_old, &plain),
	    HZ_ERR_GONE, "erased", NULL);
	assert_int_equal(hz_tenancy_reveal_id(&x, ended_new, &plain), HZ_OK);
	assert_int_equal(strlen(plain), 18);
	assert_int_equal(hz_tenancy_get(&x, ended_new, &t, true), HZ_OK);
	assert_null(t.erased_at);
	assert_string_not_equal(t.id_masked, HZ_TENANCY_ERASED);

	/* The export lists the row, without its numbers. */
	x = fx_as(&k.cadre);
	hz_buf_init(&csv, fx.arena);
	assert_int_equal(hz_tenancies_export(&x, o.b1, "2024-03-01",
	    "2024-03-01", &csv, &rows), HZ_OK);
	hz_buf_append(&csv, "", 1);
	assert_int_equal(rows, 7);
	assert_non_null(strstr(csv.data, ",resident_id,已删除,已删除,"));
}

static void
spent_refresh_tokens_go_seven_days_after(void **state)
{
	struct hz_caller r;
	unsigned char fam[5][16];
	unsigned long long n;
	const struct {
		int fam;            /* index into fam */
		const char *state;
		int expires_in;     /* hours */
		int used_ago;       /* hours; 0: never used */
	} rows[] = {
		{ 0, "active", 24, 0 },           /* live: kept */
		{ 0, "used", 24, 8 * 24 },        /* used 8 days ago: gone */
		{ 0, "used", 24, 6 * 24 },        /* used 6 days ago: kept */
		{ 1, "active", -8 * 24, 0 },      /* expired 8 days ago: gone */
		{ 1, "active", -6 * 24, 0 },      /* expired 6 days ago: kept */
		{ 2, "revoked", 24 * 20, 0 },     /* session ended 7.5 days ago */
		{ 3, "revoked", 24 * 20, 0 },     /* session ended 6 days ago */
		/* Ended 9 days ago, missed (a stopped scheduler): it waits
		 * for its expiry. */
		{ 4, "revoked", 24 * 20, 0 },
	};
	static const int ended_ago[5] = { 0, 0, 180, 6 * 24, 9 * 24 };

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	for (size_t i = 0; i < 5; i++)
		randombytes_buf(fam[i], sizeof(fam[i]));
	for (size_t i = 2; i < 5; i++)
		assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_SESSION,
		    HZ_ARGS(HZ_ARG_I64((long long)r.id),
		    HZ_ARG_STRN((const char *)fam[i], 16),
		    HZ_ARG_I64(ended_ago[i])), NULL), HZ_OK);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_TOKEN,
		    HZ_ARGS(HZ_ARG_I64((long long)r.id),
		    HZ_ARG_STRN((const char *)fam[rows[i].fam], 16),
		    HZ_ARG_STR(rows[i].state), HZ_ARG_I64(rows[i].expires_in),
		    HZ_ARG_I64(rows[i].used_ago), HZ_ARG_I64(rows[i].used_ago)),
		    NULL), HZ_OK);
	assert_string_equal(fx_refresh_states(r.id),
	    "active,used,used,active,active,revoked,revoked,revoked");

	assert_int_equal(hz_refresh_purge(&fx, &n), HZ_OK);
	assert_true(n >= 3);
	assert_string_equal(fx_refresh_states(r.id),
	    "active,used,active,revoked,revoked");
	/* Again: nothing of this user's goes. */
	assert_int_equal(hz_refresh_purge(&fx, &n), HZ_OK);
	assert_string_equal(fx_refresh_states(r.id),
	    "active,used,active,revoked,revoked");
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(erasure_takes_closed_registrations_past_the_period),
	cmocka_unit_test(spent_refresh_tokens_go_seven_days_after))
