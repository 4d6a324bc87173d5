/* Runs against the real MariaDB that scripts/test starts (HUZU_TEST_CONFIG
 * names its config, database huzu_unit). */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

enum {
	S_ECHO, S_LONG, S_ID, S_KILL, S_DROP, S_CREATE, S_INSERT, S_COUNT,
	S_SHORT_WAIT, S_BEGIN, S_COMMIT, S_SEED, S_BUMP, S_VALUE, S_SLEEP,
	S_SEED_MANY, S_BUMP_FROM, S_BUMP_ONE, S_BOTH_DOWN, S_VALUE_OF,
	S_MISS, S__MAX
};

static const char *const sql[S__MAX] = {
	[S_ECHO]       = "SELECT ?, ?, ?",
	[S_LONG]       = "SELECT REPEAT('户', 1000), NULL, 42, NOW(3)",
	[S_ID]         = "SELECT CONNECTION_ID()",
	[S_KILL]       = "KILL CONNECTION ?",
	[S_DROP]       = "DROP TABLE IF EXISTS unit_t",
	[S_CREATE]     = "CREATE TABLE unit_t (id INT PRIMARY KEY, n INT NOT NULL)",
	[S_INSERT]     = "INSERT INTO unit_t (id, n) VALUES (?, 0)",
	[S_COUNT]      = "SELECT COUNT(*) FROM unit_t WHERE id = ?",
	[S_SHORT_WAIT] = "SET SESSION innodb_lock_wait_timeout = 1",
	[S_BEGIN]      = "START TRANSACTION",
	[S_COMMIT]     = "COMMIT",
	[S_SEED]       = "INSERT INTO unit_t (id, n) VALUES (1, 0)",
	[S_BUMP]       = "UPDATE unit_t SET n = n + 1 WHERE id = 1",
	[S_VALUE]      = "SELECT n FROM unit_t WHERE id = 1",
	[S_SLEEP]      = "SELECT SLEEP(0.6)",
	[S_SEED_MANY]  = "INSERT INTO unit_t (id, n) SELECT seq, 0"
	                 " FROM seq_1_to_40",
	[S_BUMP_FROM]  = "UPDATE unit_t SET n = n + 1 WHERE id >= ?",
	[S_BUMP_ONE]   = "UPDATE unit_t SET n = n + 1 WHERE id = ?",
	/* Row 2 first, then row 1. */
	[S_BOTH_DOWN]  = "UPDATE unit_t SET n = n + 10 WHERE id IN (1, 2)"
	                 " ORDER BY id DESC",
	[S_VALUE_OF]   = "SELECT n FROM unit_t WHERE id = ?",
	/* A compare-and-set that lost: no row is n = -1. */
	[S_MISS]       = "UPDATE unit_t SET n = n + 1 WHERE id = ? AND n = -1",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("unit", sql);

static struct hz_config cfg;
static hz_arena *arena;
/* The tests run twice: plain (commands) and guarded (workers). */
static bool guarded;

static int
setup(void **state)
{
	const char *path = getenv("HUZU_TEST_CONFIG");
	char err[256];

	(void)state;
	hz_log_set_level(HZ_LOG_ERROR);
	if (path == NULL)
		return getenv("HUZU_TEST_REQUIRE_DB") ? -1 : 0;
	if (hz_config_load(&cfg, path, err, sizeof(err)) != HZ_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	arena = hz_arena_new(8192);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	hz_arena_free(arena);
	return 0;
}

static struct hz_db *
open_db(void)
{
	struct hz_db *db;

	if (getenv("HUZU_TEST_CONFIG") == NULL)
		skip();
	assert_non_null(db = hz_db_new(&cfg));
	if (guarded)
		hz_db_guard(db);
	assert_int_equal(hz_db_connect(db), HZ_OK);
	return db;
}

static int
guard_on(void **state)
{
	(void)state;
	guarded = true;
	return 0;
}

static int
guard_off(void **state)
{
	(void)state;
	guarded = false;
	return 0;
}

static long long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000LL +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static long long
run_i64(struct hz_db *db, size_t idx, const struct hz_db_arg *args,
        size_t n)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(db, arena, &stmts, idx, args, n, &r), HZ_OK);
	assert_int_equal(r.nrows, 1);
	return HZ_CELL(&r, 0, 0)->i;
}

static void
fresh_table(struct hz_db *db)
{
	assert_int_equal(hz_db_run(db, arena, &stmts, S_DROP, NULL, 0, NULL),
	    HZ_OK);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_CREATE, NULL, 0,
	    NULL), HZ_OK);
}

static void
parameters_come_back_verbatim(void **state)
{
	static const char evil[] = "'; DROP TABLE unit_t; -- \"\\ 户😀";
	struct hz_db *db = open_db();
	struct hz_db_result r;
	struct hz_db_arg args[] = {
		HZ_ARG_I64(-9007199254740991LL), HZ_ARG_STR(evil), HZ_ARG_NULL,
	};

	(void)state;
	assert_int_equal(hz_db_run(db, arena, &stmts, S_ECHO, args, 3, &r),
	    HZ_OK);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.ncols, 3);
	assert_string_equal(HZ_CELL(&r, 0, 1)->s, evil);
	assert_int_equal(HZ_CELL(&r, 0, 1)->len, strlen(evil));
	assert_true(HZ_CELL(&r, 0, 2)->null);
	/* The wrong number of arguments is a programming error, not SQL. */
	assert_int_equal(hz_db_run(db, arena, &stmts, S_ECHO, args, 2, &r),
	    HZ_ERR_INTERNAL);
	hz_db_free(db);
}

static void
long_text_is_fetched_whole(void **state)
{
	struct hz_db *db = open_db();
	struct hz_db_result r;

	(void)state;
	assert_int_equal(hz_db_run(db, arena, &stmts, S_LONG, NULL, 0, &r),
	    HZ_OK);
	assert_int_equal(HZ_CELL(&r, 0, 0)->len, 3000);   /* past 256 bytes */
	assert_memory_equal(HZ_CELL(&r, 0, 0)->s + 2997, "户", 3);
	assert_true(HZ_CELL(&r, 0, 1)->null);
	assert_int_equal(HZ_CELL(&r, 0, 2)->i, 42);
	assert_int_equal(HZ_CELL(&r, 0, 3)->len, 23);    /* DATETIME(3) text */
	hz_db_free(db);
}

static void
duplicate_key_is_a_conflict(void **state)
{
	struct hz_db *db = open_db();
	struct hz_db_arg id = HZ_ARG_I64(7);

	(void)state;
	fresh_table(db);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_INSERT, &id, 1, NULL),
	    HZ_OK);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_INSERT, &id, 1, NULL),
	    HZ_ERR_CONFLICT);
	hz_db_free(db);
}

static void
kill_conn(struct hz_db *victim)
{
	struct hz_db *killer = open_db();
	struct hz_db_arg id = HZ_ARG_I64(run_i64(victim, S_ID, NULL, 0));

	assert_int_equal(hz_db_run(killer, arena, &stmts, S_KILL, &id, 1, NULL),
	    HZ_OK);
	hz_db_free(killer);
}

static void
read_after_server_dropped_us_reconnects(void **state)
{
	struct hz_db *db = open_db();
	long long before, after;

	(void)state;
	before = run_i64(db, S_ID, NULL, 0);
	kill_conn(db);
	/* A read is safe to repeat: reconnected and re-prepared at once. */
	after = run_i64(db, S_ID, NULL, 0);
	assert_true(after != before);
	hz_db_free(db);
}

static void
write_after_server_dropped_us_is_never_doubled(void **state)
{
	struct hz_db *db = open_db();
	struct hz_db_arg id = HZ_ARG_I64(8);
	enum hz_status rc;

	(void)state;
	fresh_table(db);
	kill_conn(db);
	rc = hz_db_run(db, arena, &stmts, S_INSERT, &id, 1, NULL);
	/* Either the server never saw it (retried) or the outcome is
	 * unknown (reported, not retried); never two rows. */
	assert_true(rc == HZ_OK || rc == HZ_ERR_DB_UNAVAILABLE);
	assert_true(run_i64(db, S_COUNT, &id, 1) == (rc == HZ_OK));
	hz_db_free(db);
}

struct lost_ctx {
	struct hz_db *db;
	int           calls;
};

static enum hz_status
insert_then_lose(struct hz_db *db, void *p)
{
	struct lost_ctx *c = p;
	struct hz_db_arg a = HZ_ARG_I64(9), b = HZ_ARG_I64(10);
	enum hz_status rc;

	c->calls++;
	if ((rc = hz_db_run(db, arena, &stmts, S_INSERT, &a, 1, NULL)))
		return rc;
	kill_conn(db);
	/* Must fail: running on a fresh connection would commit b alone. */
	return hz_db_run(db, arena, &stmts, S_INSERT, &b, 1, NULL);
}

static void
connection_lost_inside_transaction_is_not_papered_over(void **state)
{
	struct hz_db *db = open_db();
	struct lost_ctx c = { db, 0 };
	struct hz_db_arg a = HZ_ARG_I64(9), b = HZ_ARG_I64(10);

	(void)state;
	fresh_table(db);
	assert_int_equal(hz_db_tx(db, insert_then_lose, &c),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_int_equal(c.calls, 1);
	assert_int_equal(run_i64(db, S_COUNT, &a, 1), 0);
	assert_int_equal(run_i64(db, S_COUNT, &b, 1), 0);
	hz_db_free(db);
}

struct retry_ctx {
	struct hz_db *holder;    /* holds the row lock until asked */
	int           calls;
};

static enum hz_status
bump_row(struct hz_db *db, void *p)
{
	struct retry_ctx *c = p;
	enum hz_status rc;

	if (++c->calls == 2)
		/* The first attempt timed out waiting; let go now. */
		assert_int_equal(hz_db_run(c->holder, arena, &stmts, S_COMMIT,
		    NULL, 0, NULL), HZ_OK);
	rc = hz_db_run(db, arena, &stmts, S_BUMP, NULL, 0, NULL);
	return rc;
}

static void
lock_wait_timeout_reruns_the_transaction(void **state)
{
	struct hz_db *db = open_db(), *holder = open_db();
	struct retry_ctx c = { holder, 0 };

	(void)state;
	fresh_table(db);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SEED, NULL, 0, NULL),
	    HZ_OK);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SHORT_WAIT, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(hz_db_run(holder, arena, &stmts, S_BEGIN, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(hz_db_run(holder, arena, &stmts, S_BUMP, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(hz_db_tx(db, bump_row, &c), HZ_OK);
	assert_int_equal(c.calls, 2);
	assert_int_equal(run_i64(db, S_VALUE, NULL, 0), 2);
	hz_db_free(holder);
	hz_db_free(db);
}

static enum hz_status
bump_counted(struct hz_db *db, void *p)
{
	((struct retry_ctx *)p)->calls++;
	return hz_db_run(db, arena, &stmts, S_BUMP, NULL, 0, NULL);
}

struct ended_ctx {
	int            calls;
	enum hz_status ended;    /* what the statement that ended it got */
};

static enum hz_status
end_behind_back(struct hz_db *db, void *p)
{
	struct ended_ctx *c = p;
	enum hz_status rc;

	if ((rc = hz_db_run(db, arena, &stmts, S_BUMP, NULL, 0, NULL)))
		return rc;
	if (++c->calls > 1)
		return HZ_OK;
	/* As a Galera applier's abort does: the transaction is over, the
	 * statement says nothing (here a COMMIT of the test's own). */
	return c->ended = hz_db_run(db, arena, &stmts, S_COMMIT, NULL, 0,
	    NULL);
}

/* A transaction the server ended behind our back is a deadlock: the
 * statement that finds it so fails, and the whole transaction runs again,
 * rather than its next statements run one by one in autocommit. */
static void
a_transaction_ended_by_the_server_reruns(void **state)
{
	struct hz_db *db = open_db();
	struct ended_ctx c = { 0, HZ_OK };

	(void)state;
	fresh_table(db);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SEED, NULL, 0, NULL),
	    HZ_OK);
	assert_int_equal(hz_db_tx(db, end_behind_back, &c), HZ_OK);
	assert_int_equal(c.ended, HZ_ERR_DB_RETRY);
	assert_int_equal(c.calls, 2);
	hz_db_free(db);
}

/* Deadlocks and Galera certification failures are told at once and may
 * take HZ_DB_TX_ATTEMPTS tries in a storm; a lock that is never let go
 * costs a full lock wait per try, so those stop after four. */
static void
lock_waits_stop_after_four_tries(void **state)
{
	struct hz_db *db = open_db(), *holder = open_db();
	struct retry_ctx c = { holder, 0 };

	(void)state;
	fresh_table(db);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SEED, NULL, 0, NULL),
	    HZ_OK);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SHORT_WAIT, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(hz_db_run(holder, arena, &stmts, S_BEGIN, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(hz_db_run(holder, arena, &stmts, S_BUMP, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(hz_db_tx(db, bump_counted, &c), HZ_ERR_DB_RETRY);
	assert_int_equal(c.calls, 4);
	assert_int_equal(hz_db_run(holder, arena, &stmts, S_COMMIT, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(run_i64(db, S_VALUE, NULL, 0), 1);
	hz_db_free(holder);
	hz_db_free(db);
}

/* A statement outside a transaction that loses a deadlock (or, on
 * Galera, fails certification: the same ER_LOCK_DEADLOCK) was rolled back
 * whole, so it runs again rather than fail the request. Here it holds row
 * 2 and waits for row 1, which another transaction holds while it asks
 * for row 2; that one has written 39 rows, so InnoDB picks ours. */
static void
autocommit_deadlock_reruns_the_statement(void **state)
{
	struct hz_db *db = open_db();
	struct hz_db_arg one = HZ_ARG_I64(1), two = HZ_ARG_I64(2);
	int go[2], status;
	pid_t pid;
	char c;

	(void)state;
	fresh_table(db);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SEED_MANY, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(pipe(go), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		struct hz_db *other = hz_db_new(&cfg);
		struct hz_db_arg three = HZ_ARG_I64(3);
		struct timespec d = { 0, 300 * 1000000L };

		if (other == NULL || hz_db_connect(other) != HZ_OK ||
		    hz_db_run(other, arena, &stmts, S_BEGIN, NULL, 0, NULL) ||
		    hz_db_run(other, arena, &stmts, S_BUMP_FROM, &three, 1,
		    NULL) ||
		    hz_db_run(other, arena, &stmts, S_BUMP_ONE, &one, 1,
		    NULL) ||
		    write(go[1], "x", 1) != 1)
			_exit(1);
		nanosleep(&d, NULL);            /* ours is waiting by now */
		if (hz_db_run(other, arena, &stmts, S_BUMP_ONE, &two, 1,
		    NULL) ||
		    hz_db_run(other, arena, &stmts, S_COMMIT, NULL, 0, NULL))
			_exit(2);
		_exit(0);
	}
	close(go[1]);
	assert_int_equal(read(go[0], &c, 1), 1);
	close(go[0]);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_BOTH_DOWN, NULL, 0,
	    NULL), HZ_OK);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Both committed, each once: ours after the other. */
	assert_int_equal(run_i64(db, S_VALUE_OF, &one, 1), 11);
	assert_int_equal(run_i64(db, S_VALUE_OF, &two, 1), 11);
	hz_db_free(db);
}

static void
unreachable_server_fails_fast(void **state)
{
	struct hz_config bad = cfg;
	struct hz_db *db;
	struct timespec t0, t1;

	(void)state;
	if (getenv("HUZU_TEST_CONFIG") == NULL)
		skip();
	snprintf(bad.db_socket, sizeof(bad.db_socket), "/nonexistent/sock");
	assert_non_null(db = hz_db_new(&bad));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_ID, NULL, 0, NULL),
	    HZ_ERR_DB_UNAVAILABLE);
	/* Within the back-off, no new attempt at all. */
	assert_int_equal(hz_db_connect(db), HZ_ERR_DB_UNAVAILABLE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_false(hz_db_connected(db));
	hz_db_free(db);
}


/* A server that takes connections into its backlog and never says a word:
 * what a frozen (SIGSTOPped) MariaDB looks like from here. */
static int
frozen_server(char *path, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(path, n, "/tmp/huzu-frozen-%ld.sock", (long)getpid());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	return fd;
}

/* A guarded connection (short times) to `sock`, or to the real server. */
static struct hz_db *
frozen_db(const char *sock)
{
	static struct hz_config cfgs[2];
	struct hz_config *c = &cfgs[sock != NULL];
	struct hz_db *db;

	*c = cfg;
	c->db_stall_ms = 150;
	c->db_breaker_ms = 400;
	if (sock != NULL)
		snprintf(c->db_socket, sizeof(c->db_socket), "%s", sock);
	assert_non_null(db = hz_db_new(c));
	hz_db_guard(db);
	return db;
}

/* Waits out the breaker; a worker on the real server then closes it. */
static void
breaker_closes(void)
{
	struct hz_db *db = frozen_db(NULL);
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (hz_db_breaker_open()) {
		struct timespec d = { 0, 50000000 };

		assert_true(ms_since(&t0) < 3000);
		nanosleep(&d, NULL);
		(void)hz_db_run(db, arena, &stmts, S_ID, NULL, 0, NULL);
	}
	hz_db_free(db);
}

static void
a_server_that_never_answers_opens_the_breaker(void **state)
{
	char path[108];
	struct hz_db *a, *b;
	struct timespec t0;
	int fd;

	(void)state;
	if (getenv("HUZU_TEST_CONFIG") == NULL)
		skip();
	fd = frozen_server(path, sizeof(path));
	a = frozen_db(path);
	b = frozen_db(path);
	assert_false(hz_db_breaker_open());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* No greeting within db_stall_ms: given up, not the 2 s of
	 * db_connect_timeout. */
	assert_int_equal(hz_db_run(a, arena, &stmts, S_ID, NULL, 0, NULL),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_true(ms_since(&t0) < 1000);
	assert_true(hz_db_breaker_open());
	/* Another worker does not even try while it is open. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(hz_db_run(b, arena, &stmts, S_ID, NULL, 0, NULL),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_true(ms_since(&t0) < 50);
	assert_int_equal(hz_db_errno(b), 0);
	/* Once the time is up one worker tries again; still frozen, it
	 * opens it again. */
	{
		struct timespec d = { 0, 450000000 };

		nanosleep(&d, NULL);
	}
	assert_false(hz_db_connected(b));
	assert_int_equal(hz_db_connect(b), HZ_ERR_DB_UNAVAILABLE);
	assert_true(hz_db_breaker_open());
	hz_db_free(a);
	hz_db_free(b);
	close(fd);
	unlink(path);
	/* The server back: the next probe closes it, for everyone. */
	breaker_closes();
	assert_false(hz_db_breaker_open());
}

/* Every shutdown() of the program comes here: one of a descriptor that is
 * not open means the socket was looked up after the library closed it
 * (and, in a busy worker, that someone else's socket was shut). */
static bool shut_a_closed_fd;

int
shutdown(int fd, int how)
{
	if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
		shut_a_closed_fd = true;
	return (int)syscall(SYS_shutdown, fd, how);
}

/* Relays the connections made to `lfd` to the real server, in a child:
 * SIGSTOP it and the server looks frozen with the connections open. */
static pid_t
relay(int lfd, const char *to)
{
	struct pollfd p[33] = { { .fd = lfd, .events = POLLIN } };
	int peer[33];
	size_t n = 1;
	pid_t pid;

	assert_true((pid = fork()) >= 0);
	if (pid != 0)
		return pid;
	for (;;) {
		if (poll(p, n, -1) < 0)
			_exit(1);
		if ((p[0].revents & POLLIN) && n + 2 <= 33) {
			struct sockaddr_un sa = { .sun_family = AF_UNIX };
			int a = accept(lfd, NULL, NULL), b;

			snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", to);
			if (a < 0 || (b = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
			    connect(b, (struct sockaddr *)&sa, sizeof(sa)) != 0)
				_exit(1);
			p[n] = (struct pollfd){ .fd = a, .events = POLLIN };
			peer[n++] = b;
			p[n] = (struct pollfd){ .fd = b, .events = POLLIN };
			peer[n++] = a;
		}
		for (size_t i = 1; i < n; i++) {
			char buf[16384];
			ssize_t r;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			if ((r = read(p[i].fd, buf, sizeof(buf))) <= 0) {
				p[i].fd = -1;
				shutdown(peer[i], SHUT_WR);
			} else if (write(peer[i], buf, (size_t)r) != r)
				p[i].fd = -1;
		}
	}
}

/* A server that stops answering an open connection (SIGSTOP): the wait is
 * given up within db_stall_ms + the check, and the socket Connector/C has
 * closed by then is left alone (no lookup, no shutdown of its number). */
static void
a_stall_on_an_open_connection_is_given_up(void **state)
{
	char path[108];
	struct hz_db *db;
	struct timespec t0;
	pid_t pid;
	int fd;

	(void)state;
	if (getenv("HUZU_TEST_CONFIG") == NULL)
		skip();
	fd = frozen_server(path, sizeof(path));
	pid = relay(fd, cfg.db_socket);
	db = frozen_db(path);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_ID, NULL, 0, NULL),
	    HZ_OK);
	assert_true(hz_db_connected(db));
	assert_int_equal(kill(pid, SIGSTOP), 0);
	shut_a_closed_fd = false;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_ID, NULL, 0, NULL),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_true(ms_since(&t0) < 1500);
	assert_false(shut_a_closed_fd);
	assert_false(hz_db_connected(db));
	assert_true(hz_db_breaker_open());
	hz_db_free(db);
	assert_false(shut_a_closed_fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);
	unlink(path);
	breaker_closes();
	assert_false(hz_db_breaker_open());
}

static void
slow_statement_on_a_live_server_is_waited_for(void **state)
{
	struct hz_db *db;
	struct hz_db_result r;
	struct timespec t0;

	(void)state;
	if (getenv("HUZU_TEST_CONFIG") == NULL)
		skip();
	db = frozen_db(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Four times db_stall_ms: the server answers a new connection, so
	 * it is a slow statement, not a stall. */
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SLEEP, NULL, 0, &r),
	    HZ_OK);
	assert_true(ms_since(&t0) >= 550);
	assert_false(hz_db_breaker_open());
	assert_true(hz_db_connected(db));
	hz_db_free(db);
}

struct refused_ctx {
	const char *frozen;
	int         calls;
};

static enum hz_status
insert_then_breaker_opens(struct hz_db *db, void *p)
{
	struct refused_ctx *c = p;
	struct hz_db_arg a = HZ_ARG_I64(11), b = HZ_ARG_I64(12);
	struct hz_db *other;
	enum hz_status rc;

	c->calls++;
	if ((rc = hz_db_run(db, arena, &stmts, S_INSERT, &a, 1, NULL)))
		return rc;
	/* Another worker finds the database frozen. */
	other = frozen_db(c->frozen);
	assert_int_equal(hz_db_connect(other), HZ_ERR_DB_UNAVAILABLE);
	hz_db_free(other);
	return hz_db_run(db, arena, &stmts, S_INSERT, &b, 1, NULL);
}

static void
breaker_refusal_inside_a_transaction_rolls_it_back(void **state)
{
	char path[108];
	struct hz_db *db = open_db();
	struct refused_ctx c = { path, 0 };
	struct hz_db_arg a = HZ_ARG_I64(11);
	int fd;

	(void)state;
	fresh_table(db);
	fd = frozen_server(path, sizeof(path));
	assert_int_equal(hz_db_tx(db, insert_then_breaker_opens, &c),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_int_equal(c.calls, 1);
	/* Not left open for the next request to commit. */
	assert_false(hz_db_connected(db));
	close(fd);
	unlink(path);
	breaker_closes();
	assert_int_equal(run_i64(db, S_COUNT, &a, 1), 0);
	hz_db_free(db);
}

struct refusal_ctx {
	size_t   fail;        /* the statement the server refuses */
	unsigned err;
	enum hz_status rc;
};

static enum hz_status
bump_then_refusal(struct hz_db *db, void *p)
{
	struct refusal_ctx *c = p;

	assert_int_equal(hz_db_run(db, arena, &stmts, S_BUMP, NULL, 0, NULL),
	    HZ_OK);
	if (c->err == 0)
		return HZ_ERR_CONFLICT;     /* rolled back */
	hz_db_test_fault(db, sql[c->fail], c->err);
	if (c->fail == S_COMMIT)
		return HZ_OK;               /* hz_db_tx's COMMIT fails */
	c->rc = hz_db_run(db, arena, &stmts, c->fail, NULL, 0, NULL);
	return c->rc;
}

/* Galera's refusals (1047, not in the primary component; 1180, commit
 * failed) inside a transaction, and a ROLLBACK that failed, may leave the
 * transaction open on the server; the next request's statements in
 * autocommit would join it. The connection is dropped instead (closing
 * rolls back) and the next statement reconnects. Outside a transaction
 * a refusal keeps the connection. hz_db_test_fault makes the server's
 * answer. */
static void
refusals_inside_a_transaction_drop_the_connection(void **state)
{
	struct hz_db *db = open_db();
	struct refusal_ctx c = { S_VALUE, 1047, HZ_OK };
	long long id;

	(void)state;
	fresh_table(db);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SEED, NULL, 0, NULL),
	    HZ_OK);
	id = run_i64(db, S_ID, NULL, 0);
	hz_db_test_fault(db, sql[S_BUMP], 1047);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_BUMP, NULL, 0, NULL),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_true(hz_db_connected(db));
	assert_int_equal(run_i64(db, S_ID, NULL, 0), id);
	assert_int_equal(hz_db_tx(db, bump_then_refusal, &c),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_int_equal(c.rc, HZ_ERR_DB_UNAVAILABLE);
	assert_false(hz_db_connected(db));
	assert_int_equal(run_i64(db, S_VALUE, NULL, 0), 0);
	c = (struct refusal_ctx){ S_COMMIT, 1180, HZ_OK };
	assert_int_equal(hz_db_tx(db, bump_then_refusal, &c),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_false(hz_db_connected(db));
	assert_int_equal(run_i64(db, S_VALUE, NULL, 0), 0);
	/* A failed ROLLBACK (any error): the bump must not survive into the
	 * next statement's autocommit. */
	c = (struct refusal_ctx){ 0, 0, HZ_OK };
	hz_db_test_fault(db, "ROLLBACK", 1205);
	assert_int_equal(hz_db_tx(db, bump_then_refusal, &c),
	    HZ_ERR_CONFLICT);
	assert_false(hz_db_connected(db));
	assert_int_equal(run_i64(db, S_VALUE, NULL, 0), 0);
	hz_db_free(db);
}

/* A COMMIT whose answer is lost says so (hz_db_commit_unknown): 1180, a
 * lost or gone connection, whether the COMMIT ran (the row is in) or not
 * (it is not). A deadlock at COMMIT reruns and a refusal before it fails:
 * both known, nothing done. The next transaction clears it. */
struct unknown_case {
	unsigned err;
	bool     ran;          /* the COMMIT ran before its answer was lost */
	enum hz_status rc;
	bool     unknown;
	long long value;       /* the row's after the transaction */
};

static void
a_lost_commit_answer_is_reported_unknown(void **state)
{
	static const struct unknown_case cases[] = {
		{ 1180, false, HZ_ERR_DB_UNAVAILABLE, true, 0 },
		{ 1180, true,  HZ_ERR_DB_UNAVAILABLE, true, 1 },
		{ 2013, false, HZ_ERR_DB_UNAVAILABLE, true, 0 },
		{ 2013, true,  HZ_ERR_DB_UNAVAILABLE, true, 1 },
		{ 2006, false, HZ_ERR_DB_UNAVAILABLE, true, 0 },
		{ 1213, false, HZ_OK,                 false, 1 },
	};
	struct hz_db *db = open_db();
	struct retry_ctx c = { NULL, 0 };
	struct refusal_ctx r = { S_VALUE, 1047, HZ_OK };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct unknown_case *k = &cases[i];

		fresh_table(db);
		assert_int_equal(hz_db_run(db, arena, &stmts, S_SEED, NULL, 0,
		    NULL), HZ_OK);
		hz_db_test_faults(db, "COMMIT", k->err, 1, k->ran);
		c.calls = 0;
		assert_int_equal(hz_db_tx(db, bump_counted, &c), k->rc);
		assert_int_equal(hz_db_test_faults_left(db), 0);
		assert_int_equal(hz_db_commit_unknown(db), k->unknown);
		assert_int_equal(c.calls, k->err == 1213 ? 2 : 1);
		assert_int_equal(run_i64(db, S_VALUE, NULL, 0), k->value);
		/* The next transaction starts with a clean slate. */
		assert_int_equal(hz_db_tx(db, bump_counted, &c), HZ_OK);
		assert_false(hz_db_commit_unknown(db));
	}
	/* Refused before the COMMIT: not sent, so known. */
	fresh_table(db);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_SEED, NULL, 0, NULL),
	    HZ_OK);
	assert_int_equal(hz_db_tx(db, bump_then_refusal, &r),
	    HZ_ERR_DB_UNAVAILABLE);
	assert_false(hz_db_commit_unknown(db));
	assert_int_equal(run_i64(db, S_VALUE, NULL, 0), 0);
	hz_db_free(db);
}

struct hook_ctx {
	int            calls;
	enum hz_status rc;      /* what the hook says after its bump */
};

static enum hz_status
hook_bump(struct hz_db *db, hz_arena *a, void *p)
{
	struct hook_ctx *h = p;
	struct hz_db_arg two = HZ_ARG_I64(2);
	enum hz_status rc;

	h->calls++;
	if ((rc = hz_db_run(db, a, &stmts, S_BUMP_ONE, &two, 1, NULL)))
		return rc;
	return h->rc;
}

static enum hz_status
bump_nested(struct hz_db *db, void *p)
{
	enum hz_status rc;

	if ((rc = bump_counted(db, p)))
		return rc;
	return hz_db_tx(db, bump_counted, p);
}

/* Reads under a lock, then a compare-and-set that changes no row. */
static enum hz_status
read_and_miss(struct hz_db *db, void *p)
{
	struct hz_db_arg one = HZ_ARG_I64(1);
	struct hz_db_result r;
	enum hz_status rc;

	(void)p;
	if ((rc = hz_db_run(db, arena, &stmts, S_VALUE_OF, &one, 1, &r)) ||
	    (rc = hz_db_run(db, arena, &stmts, S_MISS, &one, 1, &r)))
		return rc;
	return r.affected == 0 ? HZ_OK : HZ_ERR_INTERNAL;
}

/* The commit hook (hz_db_on_commit) runs in the transaction, once per
 * top-level transaction and attempt, just before its COMMIT: its write
 * commits with the transaction's or not at all. A transaction that changed
 * no row has nothing to mark: no hook. */
static void
the_commit_hook_commits_with_the_transaction(void **state)
{
	struct hz_db *db = open_db();
	struct retry_ctx c = { NULL, 0 };
	struct hook_ctx h = { 0, HZ_OK };
	struct hz_db_arg one = HZ_ARG_I64(1), two = HZ_ARG_I64(2);

	(void)state;
	fresh_table(db);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_INSERT, &one, 1, NULL),
	    HZ_OK);
	assert_int_equal(hz_db_run(db, arena, &stmts, S_INSERT, &two, 1, NULL),
	    HZ_OK);
	hz_db_on_commit(db, hook_bump, &h);
	/* Nested: one COMMIT, one hook. */
	assert_int_equal(hz_db_tx(db, bump_nested, &c), HZ_OK);
	assert_int_equal(h.calls, 1);
	assert_int_equal(run_i64(db, S_VALUE_OF, &one, 1), 2);
	assert_int_equal(run_i64(db, S_VALUE_OF, &two, 1), 1);
	/* The transaction failed: no hook. */
	assert_int_equal(hz_db_tx(db, bump_then_refusal,
	    &(struct refusal_ctx){ 0, 0, HZ_OK }), HZ_ERR_CONFLICT);
	assert_int_equal(h.calls, 1);
	/* The hook failed: both rolled back. */
	h.rc = HZ_ERR_CONFLICT;
	assert_int_equal(hz_db_tx(db, bump_counted, &c), HZ_ERR_CONFLICT);
	assert_int_equal(h.calls, 2);
	assert_int_equal(run_i64(db, S_VALUE_OF, &one, 1), 2);
	assert_int_equal(run_i64(db, S_VALUE_OF, &two, 1), 1);
	/* A deadlock at COMMIT reruns both: each counted once. */
	h.rc = HZ_OK;
	hz_db_test_fault(db, "COMMIT", 1213);
	assert_int_equal(hz_db_tx(db, bump_counted, &c), HZ_OK);
	assert_int_equal(h.calls, 4);
	assert_int_equal(run_i64(db, S_VALUE_OF, &one, 1), 3);
	assert_int_equal(run_i64(db, S_VALUE_OF, &two, 1), 2);
	/* Nothing changed: committed without the hook. */
	assert_int_equal(hz_db_tx(db, read_and_miss, NULL), HZ_OK);
	assert_int_equal(h.calls, 4);
	assert_int_equal(run_i64(db, S_VALUE_OF, &two, 1), 2);
	/* Off: the transaction commits alone. */
	hz_db_on_commit(db, NULL, NULL);
	assert_int_equal(hz_db_tx(db, bump_counted, &c), HZ_OK);
	assert_int_equal(h.calls, 4);
	assert_int_equal(run_i64(db, S_VALUE_OF, &two, 1), 2);
	hz_db_free(db);
}

#define GUARDED(t) cmocka_unit_test_setup_teardown(t, guard_on, guard_off)

UNIT_TESTS(setup, teardown,
	cmocka_unit_test(parameters_come_back_verbatim),
	cmocka_unit_test(long_text_is_fetched_whole),
	cmocka_unit_test(duplicate_key_is_a_conflict),
	cmocka_unit_test(read_after_server_dropped_us_reconnects),
	cmocka_unit_test(write_after_server_dropped_us_is_never_doubled),
	cmocka_unit_test(connection_lost_inside_transaction_is_not_papered_over),
	cmocka_unit_test(lock_wait_timeout_reruns_the_transaction),
	cmocka_unit_test(autocommit_deadlock_reruns_the_statement),
	cmocka_unit_test(lock_waits_stop_after_four_tries),
	cmocka_unit_test(a_transaction_ended_by_the_server_reruns),
	GUARDED(a_transaction_ended_by_the_server_reruns),
	cmocka_unit_test(refusals_inside_a_transaction_drop_the_connection),
	GUARDED(refusals_inside_a_transaction_drop_the_connection),
	cmocka_unit_test(a_lost_commit_answer_is_reported_unknown),
	GUARDED(a_lost_commit_answer_is_reported_unknown),
	cmocka_unit_test(the_commit_hook_commits_with_the_transaction),
	cmocka_unit_test(unreachable_server_fails_fast),
	/* The same as a worker makes them. */
	GUARDED(parameters_come_back_verbatim),
	GUARDED(long_text_is_fetched_whole),
	GUARDED(duplicate_key_is_a_conflict),
	GUARDED(read_after_server_dropped_us_reconnects),
	GUARDED(write_after_server_dropped_us_is_never_doubled),
	GUARDED(connection_lost_inside_transaction_is_not_papered_over),
	GUARDED(lock_wait_timeout_reruns_the_transaction),
	cmocka_unit_test(a_server_that_never_answers_opens_the_breaker),
	cmocka_unit_test(a_stall_on_an_open_connection_is_given_up),
	cmocka_unit_test(slow_statement_on_a_live_server_is_waited_for),
	GUARDED(breaker_refusal_inside_a_transaction_rolls_it_back))
