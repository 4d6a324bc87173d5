/* /health's view of the database: on the test server (not a Galera node)
 * HZ_OK and nothing more; a Galera node's status rows read into ready or
 * not (Synced and wsrep_ready ON, nothing else); and the refusal when a
 * node is not ready. The real cluster: tests/cluster/cluster.test.mjs. */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "dbfixture.h"
#include "health.h"

/* SHOW GLOBAL STATUS rows (name, value), as the server sends them: text. */
struct rows {
	struct hz_db_cell   cells[16];
	struct hz_db_result r;
};

static const struct hz_db_result *
status_rows(struct rows *s, const char *const *kv)
{
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	for (; kv[2 * n] != NULL; n++) {
		s->cells[2 * n].s = kv[2 * n];
		s->cells[2 * n].len = strlen(kv[2 * n]);
		s->cells[2 * n + 1].s = kv[2 * n + 1];
		s->cells[2 * n + 1].len = strlen(kv[2 * n + 1]);
	}
	s->r.nrows = n;
	s->r.ncols = 2;
	s->r.cells = s->cells;
	return &s->r;
}

static void
a_synced_ready_node_is_ready(void **state)
{
	static const char *const kv[] = {
		"wsrep_local_state", "4", "wsrep_local_state_comment", "Synced",
		"wsrep_cluster_size", "3", "wsrep_ready", "ON", NULL,
	};
	struct rows s;
	struct hz_health h;

	(void)state;
	hz_health_galera_read(status_rows(&s, kv), &h);
	assert_true(h.galera);
	assert_true(h.ready);
	assert_true(h.wsrep_ready);
	assert_int_equal(h.local_state, 4);
	assert_string_equal(h.state, "Synced");
	assert_int_equal(h.cluster_size, 3);
}

/* Must-fail twins of the one above: each condition alone takes it out. */
static void
a_desynced_donor_or_joining_node_is_not(void **state)
{
	static const char *const desynced[] = {
		"wsrep_local_state", "2", "wsrep_local_state_comment",
		"Donor/Desynced", "wsrep_cluster_size", "3", "wsrep_ready", "ON",
		NULL,
	};
	static const char *const joining[] = {
		"wsrep_local_state", "1", "wsrep_local_state_comment", "Joining",
		"wsrep_ready", "ON", NULL,
	};
	static const char *const joined[] = {
		"wsrep_local_state", "3", "wsrep_ready", "ON", NULL,
	};
	struct rows s;
	struct hz_health h;

	(void)state;
	hz_health_galera_read(status_rows(&s, desynced), &h);
	assert_false(h.ready);
	assert_true(h.wsrep_ready);
	assert_int_equal(h.local_state, 2);
	assert_string_equal(h.state, "Donor/Desynced");
	hz_health_galera_read(status_rows(&s, joining), &h);
	assert_false(h.ready);
	assert_int_equal(h.cluster_size, 0);
	hz_health_galera_read(status_rows(&s, joined), &h);
	assert_false(h.ready);
	assert_null(h.state);
}

static void
wsrep_ready_off_is_not_ready_even_synced(void **state)
{
	static const char *const off[] = {
		"wsrep_local_state", "4", "wsrep_local_state_comment", "Synced",
		"wsrep_ready", "OFF", NULL,
	};
	static const char *const cut[] = {
		"wsrep_local_state", "0", "wsrep_local_state_comment",
		"Initialized", "wsrep_cluster_size", "1", "wsrep_ready", "OFF",
		NULL,
	};
	struct rows s;
	struct hz_health h;

	(void)state;
	hz_health_galera_read(status_rows(&s, off), &h);
	assert_false(h.ready);
	assert_false(h.wsrep_ready);
	hz_health_galera_read(status_rows(&s, cut), &h);
	assert_false(h.ready);
	assert_int_equal(h.local_state, 0);
	assert_int_equal(h.cluster_size, 1);
}

/* What the server did not say is not known, never "ready". */
static void
missing_or_odd_values_are_not_ready(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const odd[] = {
		"wsrep_local_state", "four", "wsrep_ready", "yes",
		"wsrep_cluster_size", "-3", NULL,
	};
	static const char *const upper[] = {
		"WSREP_LOCAL_STATE", "4", "WSREP_READY", "on", NULL,
	};
	struct rows s;
	struct hz_health h;

	(void)state;
	hz_health_galera_read(status_rows(&s, none), &h);
	assert_true(h.galera);
	assert_false(h.ready);
	assert_int_equal(h.local_state, -1);
	hz_health_galera_read(status_rows(&s, odd), &h);
	assert_false(h.ready);
	assert_false(h.wsrep_ready);
	assert_int_equal(h.local_state, -1);
	assert_int_equal(h.cluster_size, 0);
	/* information_schema spells the names in capitals. */
	hz_health_galera_read(status_rows(&s, upper), &h);
	assert_true(h.ready);
}

/* The test server is a plain MariaDB (wsrep_on OFF): /health is as it
 * always was, and the worker's readiness check too. */
static void
a_server_that_is_not_galera_is_healthy_as_before(void **state)
{
	struct hz_health h;
	struct hz_ctx x = fx;

	(void)state;
	FX_NEED_DB();
	fx_why.code = NULL;
	assert_int_equal(hz_health_node(&x, &h), HZ_OK);
	assert_false(h.galera);
	assert_false(h.ready);
	assert_null(hz_refusal_of(&x, HZ_ERR_DB_UNAVAILABLE));
	assert_int_equal(hz_health_check(fx.db, fx.arena), HZ_OK);
	/* Again on the same connection (statements prepared once). */
	assert_int_equal(hz_health_node(&x, &h), HZ_OK);
	assert_false(h.galera);
}

/* core/health.c's statements, as hz_db_test_fault names them. */
#define HEALTH_NODE "SET STATEMENT wsrep_sync_wait = 0 FOR" \
	" SELECT 1, @@GLOBAL.wsrep_on"
#define HEALTH_PING "SET STATEMENT wsrep_sync_wait = 0 FOR SELECT 1"

/* A server built without wsrep knows no wsrep variable (1193): not a
 * Galera node, healthy, and not asked again (each asking logs a db
 * error); a new worker's readiness check alike. */
static void
a_server_without_wsrep_is_not_a_galera_node(void **state)
{
	struct hz_health h;
	struct hz_ctx x = fx;

	(void)state;
	FX_NEED_DB();
	hz_health_forget();
	hz_db_test_fault(fx.db, HEALTH_NODE, 1193);
	assert_int_equal(hz_health_node(&x, &h), HZ_OK);
	assert_int_equal(hz_db_errno(fx.db), 1193);
	assert_false(h.galera);
	hz_db_test_fault(fx.db, HEALTH_NODE, 1064);  /* would be a 500 */
	assert_int_equal(hz_health_node(&x, &h), HZ_OK);
	assert_false(h.galera);
	hz_db_test_fault(fx.db, HEALTH_NODE, 0);
	hz_health_forget();
	hz_db_test_fault(fx.db, HEALTH_PING, 1193);
	assert_int_equal(hz_health_check(fx.db, fx.arena), HZ_OK);
	assert_int_equal(hz_db_errno(fx.db), 1193);
	hz_health_forget();
}

/* A node not in the primary component refuses with 1047, which
 * core/base/db.c tells as the database unavailable: db_not_synced. */
static void
a_node_refusing_statements_is_not_synced(void **state)
{
	struct hz_health h;
	struct hz_ctx x = fx;

	(void)state;
	FX_NEED_DB();
	hz_health_forget();
	fx_why.code = NULL;
	hz_db_test_fault(fx.db, HEALTH_NODE, 1047);
	assert_int_equal(hz_health_node(&x, &h), HZ_ERR_DB_UNAVAILABLE);
	assert_true(h.galera);
	assert_false(h.ready);
	assert_non_null(fx_why.code);
	assert_string_equal(fx_why.code, "db_not_synced");
	assert_true(hz_db_connected(fx.db));
	fx_why.code = NULL;
	assert_int_equal(hz_health_node(&x, &h), HZ_OK);
	assert_false(h.galera);
}

enum { S_SYNC_WAIT, S_USERS, S_PROBE, S_LOCK_PROBE, S__MAX };
static const char *const sql[S__MAX] = {
	[S_SYNC_WAIT]  = "SELECT @@SESSION.wsrep_sync_wait",
	[S_USERS]      = "SELECT COUNT(*) FROM users",
	[S_PROBE]      = "SELECT COUNT(*) FROM test_causal_probe",
	[S_LOCK_PROBE] = "SELECT COUNT(*) FROM test_causal_probe FOR UPDATE",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_health", sql);

/* db_sync_wait (a cluster's hosts set it): each connection asks for causal
 * reads; on a single server that changes nothing, and 0 asks for none. */
static void
db_sync_wait_is_set_per_connection_and_harmless_alone(void **state)
{
	struct hz_config cfg = fx_cfg;
	struct hz_db_result r;
	struct hz_health h;
	struct hz_ctx x = fx;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_SYNC_WAIT,
	    HZ_NO_ARGS, &r), HZ_OK);
	assert_int_equal(HZ_CELL(&r, 0, 0)->i, 0);
	cfg.db_sync_wait = 1;
	x.db = hz_db_new(&cfg);
	assert_non_null(x.db);
	assert_int_equal(hz_db_run(x.db, fx.arena, &stmts, S_SYNC_WAIT,
	    HZ_NO_ARGS, &r), HZ_OK);
	assert_int_equal(HZ_CELL(&r, 0, 0)->i, 1);
	assert_int_equal(hz_health_node(&x, &h), HZ_OK);
	assert_false(h.galera);
	/* A read of a table: no causal wait to fail on a lone server. */
	assert_int_equal(hz_db_run(x.db, fx.arena, &stmts, S_USERS,
	    HZ_NO_ARGS, &r), HZ_OK);
	hz_db_free(x.db);
}

/* Which statements may read without the causal wait once it timed out:
 * plain reads, never a locking one (its ER_LOCK_WAIT_TIMEOUT may be a real
 * lock wait) nor a write. */
static void
only_plain_reads_fall_back(void **state)
{
	(void)state;
	assert_true(hz_db_plain_read("SELECT 1"));
	assert_true(hz_db_plain_read("  select id FROM users WHERE id = ?"));
	assert_true(hz_db_plain_read("WITH t AS (SELECT 1) SELECT * FROM t"));
	assert_true(hz_db_plain_read("(SELECT 1) UNION (SELECT 2)"));
	assert_false(hz_db_plain_read("SELECT id FROM users FOR UPDATE"));
	assert_false(hz_db_plain_read("SELECT id FROM users for update"));
	assert_false(hz_db_plain_read("SELECT id FROM t LOCK IN SHARE MODE"));
	assert_false(hz_db_plain_read("SELECT id FROM t FOR SHARE"));
	assert_false(hz_db_plain_read("UPDATE users SET lock_seq = 1"));
	assert_false(hz_db_plain_read("INSERT INTO t SELECT 1"));
	assert_false(hz_db_plain_read("SET STATEMENT wsrep_sync_wait = 0 FOR"
	    " SELECT 1"));
}

/* A read that fails with ER_LOCK_WAIT_TIMEOUT: how a Galera node says a
 * causal read (wsrep_sync_wait) timed out. A lone server cannot time out
 * a causal read, so a SERIALIZABLE read (which takes shared locks) waits
 * on a row another connection holds (in a table of the test's own), and
 * fails the same way. Connection
 * `a` opens its transaction itself, unknown to hz_db, so the statement is
 * not rerun as a deadlock. */
static enum hz_status
read_behind_a_lock(const struct hz_config *cfg, struct hz_db **out)
{
	struct hz_db *a = hz_db_new(cfg), *b = hz_db_new(&fx_cfg);
	struct hz_db_result r;
	enum hz_status rc;
	static const char *const table[] = {
		"CREATE TABLE IF NOT EXISTS test_causal_probe"
		" (id INT PRIMARY KEY) ENGINE=InnoDB",
		"INSERT IGNORE INTO test_causal_probe VALUES (1)",
	};
	static const char *const pre[] = {
		"SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
		"SET SESSION innodb_lock_wait_timeout = 1",
		"START TRANSACTION",
	};

	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(hz_db_run_sql(b, table[i], strlen(table[i])),
		    HZ_OK);
	assert_int_equal(hz_db_run_sql(b, pre[2], strlen(pre[2])), HZ_OK);
	assert_int_equal(hz_db_run(b, fx.arena, &stmts, S_LOCK_PROBE,
	    HZ_NO_ARGS, &r), HZ_OK);
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		assert_int_equal(hz_db_run_sql(a, pre[i], strlen(pre[i])),
		    HZ_OK);
	rc = hz_db_run(a, fx.arena, &stmts, S_PROBE, HZ_NO_ARGS, &r);
	assert_int_equal(hz_db_errno(a), 1205);
	assert_int_equal(hz_db_run_sql(a, "ROLLBACK", 8), HZ_OK);
	assert_int_equal(hz_db_run_sql(b, "ROLLBACK", 8), HZ_OK);
	hz_db_free(b);
	*out = a;
	return rc;
}

static void
a_timed_out_causal_read_runs_without_the_wait_for_a_while(void **state)
{
	struct hz_config cfg = fx_cfg;
	struct hz_db_result r;
	struct hz_db *a;
	struct timespec d = { 2, 100 * 1000000L };

	(void)state;
	FX_NEED_DB();
	cfg.db_sync_wait = 1;
	/* Run again once, without the wait; the second timeout is a lock
	 * wait's (the wait is off): told as such, not again. */
	assert_int_equal(read_behind_a_lock(&cfg, &a), HZ_ERR_DB_RETRY);
	assert_true(hz_db_sync_paused(a));
	assert_int_equal(hz_db_run(a, fx.arena, &stmts, S_SYNC_WAIT,
	    HZ_NO_ARGS, &r), HZ_OK);
	assert_int_equal(HZ_CELL(&r, 0, 0)->i, 0);
	/* 2 s later, the next statement waits again. */
	nanosleep(&d, NULL);
	assert_int_equal(hz_db_run(a, fx.arena, &stmts, S_SYNC_WAIT,
	    HZ_NO_ARGS, &r), HZ_OK);
	assert_int_equal(HZ_CELL(&r, 0, 0)->i, 1);
	assert_false(hz_db_sync_paused(a));
	hz_db_free(a);
}

struct sync_tx {
	long long     wait;       /* @@SESSION.wsrep_sync_wait inside */
	enum hz_status first;     /* the first call's read */
	int           calls;
	size_t        read;       /* the statement read */
};

static enum hz_status
read_in_tx(struct hz_db *db, void *p)
{
	struct sync_tx *c = p;
	struct hz_db_result r;
	enum hz_status rc;

	rc = hz_db_run(db, fx.arena, &stmts, c->read, HZ_NO_ARGS, &r);
	if (c->calls++ == 0)
		c->first = rc;
	if (rc == HZ_OK && c->read == S_SYNC_WAIT)
		c->wait = HZ_CELL(&r, 0, 0)->i;
	return rc;
}

/* With db_sync_wait, MariaDB waits for the cluster in START TRANSACTION
 * (not in the reads inside the transaction). When that wait times out (a
 * view change), the transaction opens without it and the wait is paused
 * as for a plain read; the next transaction after the pause waits again.
 * A lone server cannot time out that wait: hz_db_test_fault says 1205 for
 * it. A 1205 on a read inside a transaction is a lock wait's: no pause,
 * the transaction runs again as for any lock wait. */
static void
a_timed_out_causal_wait_in_begin_opens_the_transaction_without_it(
    void **state)
{
	struct hz_config cfg = fx_cfg;
	struct sync_tx c = { .read = S_SYNC_WAIT };
	struct hz_db *a;
	struct timespec d = { 2, 100 * 1000000L };

	(void)state;
	FX_NEED_DB();
	cfg.db_sync_wait = 1;
	assert_non_null(a = hz_db_new(&cfg));
	hz_db_test_fault(a, "START TRANSACTION", 1205);
	assert_int_equal(hz_db_tx(a, read_in_tx, &c), HZ_OK);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.wait, 0);
	assert_true(hz_db_sync_paused(a));
	/* Only transactions on this connection: the pause still ends. */
	nanosleep(&d, NULL);
	c = (struct sync_tx){ .read = S_SYNC_WAIT };
	assert_int_equal(hz_db_tx(a, read_in_tx, &c), HZ_OK);
	assert_int_equal(c.wait, 1);
	assert_false(hz_db_sync_paused(a));
	c = (struct sync_tx){ .read = S_USERS };
	hz_db_test_fault(a, sql[S_USERS], 1205);
	assert_int_equal(hz_db_tx(a, read_in_tx, &c), HZ_OK);
	assert_int_equal(c.first, HZ_ERR_DB_RETRY);
	assert_int_equal(c.calls, 2);
	assert_false(hz_db_sync_paused(a));
	hz_db_free(a);
	/* Without db_sync_wait, it is the lock wait it says it is. */
	assert_non_null(a = hz_db_new(&fx_cfg));
	c = (struct sync_tx){ .read = S_SYNC_WAIT };
	hz_db_test_fault(a, "START TRANSACTION", 1205);
	assert_int_equal(hz_db_tx(a, read_in_tx, &c), HZ_ERR_DB_RETRY);
	assert_int_equal(c.calls, 0);
	assert_false(hz_db_sync_paused(a));
	hz_db_free(a);
}

/* A single server (db_sync_wait = 0): nothing changes. */
static void
without_db_sync_wait_a_lock_wait_is_a_lock_wait(void **state)
{
	struct hz_db *a;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(read_behind_a_lock(&fx_cfg, &a), HZ_ERR_DB_RETRY);
	assert_false(hz_db_sync_paused(a));
	hz_db_free(a);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(db_sync_wait_is_set_per_connection_and_harmless_alone),
	cmocka_unit_test(only_plain_reads_fall_back),
	cmocka_unit_test(a_timed_out_causal_read_runs_without_the_wait_for_a_while),
	cmocka_unit_test(without_db_sync_wait_a_lock_wait_is_a_lock_wait),
	cmocka_unit_test(a_timed_out_causal_wait_in_begin_opens_the_transaction_without_it),
	cmocka_unit_test(a_synced_ready_node_is_ready),
	cmocka_unit_test(a_desynced_donor_or_joining_node_is_not),
	cmocka_unit_test(wsrep_ready_off_is_not_ready_even_synced),
	cmocka_unit_test(missing_or_odd_values_are_not_ready),
	cmocka_unit_test(a_server_that_is_not_galera_is_healthy_as_before),
	cmocka_unit_test(a_server_without_wsrep_is_not_a_galera_node),
	cmocka_unit_test(a_node_refusing_statements_is_not_synced))
