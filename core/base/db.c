#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <mysql.h>
#include <sodium.h>
#include <mysqld_error.h>
#include <errmsg.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "metrics.h"

#define MAX_TABLES   32
#define SMALL_BUF    256   /* first guess for a text column; longer values
                              are fetched again at their real length */
#define CONNECT_BACKOFF_MS 500
/* The coroutine stack of Connector/C's non-blocking calls: touched only
 * as deep as it is used (sanitizer builds use more). */
#define ASYNC_STACK (256 * 1024)

struct prepared {
	const struct hz_stmt_table *table;
	MYSQL_STMT                **st;      /* table->n handles, lazily */
};

struct hz_db {
	const struct hz_config *cfg;
	MYSQL                  *conn;
	bool                    in_tx;
	bool                    tx_lost;     /* connection died inside it */
	bool                    tx_wrote;    /* a statement of it changed rows */
	unsigned                last_errno;
	char                    last_error[256];   /* its words (hz_db_error) */
	bool                    was_connected;   /* for the reconnect count */
	struct timespec         retry_at;    /* no connect attempt before */
	/* The stall guard (hz_db_guard): 0 when off. */
	int                     stall_ms, check_ms, breaker_ms;
	bool                    connecting;  /* the wait is a connect's */
	bool                    stalled;     /* a wait was given up */
	bool                    shortcut;    /* ...because the breaker was open */
	bool                    timed_out;   /* the library's own timeout passed */
	int                     fd;          /* the connection's socket, or -1 */
	bool                    probing;     /* holds the breaker's probe */
	/* db_sync_wait paused on this connection after a causal read timed
	 * out (sync_pause): reads without it until sync_resume_at. */
	bool                    sync_paused;
	struct timespec         sync_resume_at;
	/* hz_db_test_faults: the next fault_times statements whose SQL is
	 * fault_sql fail with fault_errno, unrun or (fault_ran) after running
	 * (tests only; 0 times: none). */
	const char             *fault_sql;
	unsigned                fault_errno;
	unsigned                fault_times;
	bool                    fault_ran;
	/* The last top-level COMMIT's answer was lost (hz_db_commit_unknown). */
	bool                    commit_unknown;
	/* hz_db_on_commit: run before every top-level COMMIT. */
	hz_db_commit_hook       commit_hook;
	void                   *commit_hook_arg;
	struct hz_breaker      *breaker;     /* shared by the workers */
	size_t                  ntables;
	struct prepared         tables[MAX_TABLES];
};

/* The transaction statements are prepared like any other. */
enum {
	TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_READ_COMMITTED,
	TX_SYNC_OFF, TX_SYNC_ON, TX__MAX
};
static const char *const tx_sql[TX__MAX] = {
	[TX_BEGIN]    = "START TRANSACTION",
	[TX_COMMIT]   = "COMMIT",
	[TX_ROLLBACK] = "ROLLBACK",
	/* For the next transaction only. */
	[TX_READ_COMMITTED] = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
	/* db_sync_wait paused and resumed (sync_pause): the value asked
	 * for is kept in @hz_sync_wait at connect. */
	[TX_SYNC_OFF] = "SET SESSION wsrep_sync_wait = 0",
	[TX_SYNC_ON]  = "SET SESSION wsrep_sync_wait = @hz_sync_wait",
};
static const struct hz_stmt_table tx_stmts = HZ_STMT_TABLE("tx", tx_sql);

struct hz_db *
hz_db_new(const struct hz_config *cfg)
{
	struct hz_db *db;

	if ((db = calloc(1, sizeof(*db))) != NULL) {
		db->cfg = cfg;
		db->fd = -1;
	}
	return db;
}

static void
drop_statements(struct hz_db *db)
{
	for (size_t t = 0; t < db->ntables; t++)
		for (size_t i = 0; i < db->tables[t].table->n; i++)
			if (db->tables[t].st[i] != NULL) {
				mysql_stmt_close(db->tables[t].st[i]);
				db->tables[t].st[i] = NULL;
			}
}

/* `lost`: the connection is dropped for an error or a loss, not closed
 * cleanly at exit. */
static void
disconnect(struct hz_db *db, bool lost)
{
	/* A server that stopped answering (or may have: a guarded connection
	 * dropped for an error) is not waited for again, not even to say
	 * goodbye: with its socket shut, what closing writes fails at once.
	 * Only while the library still holds the socket: once it has closed
	 * it (a given-up wait ends in end_server), the fd number may already
	 * be someone else's, and mysql_get_socket would read freed memory. */
	if ((db->stalled || (lost && db->stall_ms != 0)) && db->conn != NULL &&
	    db->conn->net.pvio != NULL && db->fd >= 0)
		(void)shutdown(db->fd, SHUT_RDWR);
	db->fd = -1;
	drop_statements(db);
	if (db->conn != NULL) {
		mysql_close(db->conn);
		db->conn = NULL;
	}
	/* Whatever the transaction did is gone; make sure the rest of it
	 * fails rather than run on a fresh connection in autocommit. */
	if (db->in_tx)
		db->tx_lost = true;
}

void
hz_db_free(struct hz_db *db)
{
	if (db == NULL)
		return;
	disconnect(db, false);
	for (size_t t = 0; t < db->ntables; t++)
		free(db->tables[t].st);
	free(db);
}

bool
hz_db_connected(const struct hz_db *db)
{
	return db->conn != NULL;
}

unsigned
hz_db_errno(const struct hz_db *db)
{
	return db->last_errno;
}

const char *
hz_db_error(const struct hz_db *db)
{
	return db != NULL && db->last_errno != 0 ? db->last_error : "";
}

static bool
is_connection_error(unsigned e)
{
	switch (e) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case CR_COMMANDS_OUT_OF_SYNC:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case ER_UNKNOWN_STMT_HANDLER:
		return true;
	default:
		return false;
	}
}

/* An error of the client library (no answer from the server), not one
 * the server sent: Connector/C's CR_* and MariaDB's CER_* ranges. Server
 * errors lie below 2000 and above 2999 (ER_ACCOUNT_HAS_BEEN_LOCKED is
 * 4151). */
static bool
is_client_error(unsigned e)
{
	return (e >= CR_MIN_ERROR && e <= CR_MAX_ERROR) ||
	    (e >= CER_MIN_ERROR && e <= CER_MAX_ERROR);
}

static long long
ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000LL +
	    (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* --- The stall guard and the breaker (workers only: hz_db_guard). ----------
 *
 * A frozen server (SIGSTOP, a hung host, a cut network) still accepts
 * connections into its socket's backlog and takes our statements into its
 * buffers; it just never answers. With blocking calls every request would
 * wait the library's read timeout (whole seconds, fixed at connect), and
 * the pool would be spent waiting. So a guarded connection makes every call
 * through Connector/C's non-blocking API and does the waiting here, in
 * poll(), against a clock of its own:
 *
 *  - A wait with no answer after db_stall_ms is not given up at once: a slow
 *    statement or a lock wait is no stall. The worker opens a new connection
 *    to the server; if that handshake (or any refusal the server answers
 *    with) comes within db_stall_check_ms, the server is alive and the wait
 *    goes on, up to the library's own timeout (db_read_timeout). If not, the
 *    wait is given up: Connector/C is told it timed out, which ends the call
 *    with CR_SERVER_LOST and closes the connection, and the request gets the
 *    503 db_unavailable it gets for a database that is down.
 *  - A connect is its own check: no greeting within db_stall_ms is a stall.
 *  - A stall, or a connect the server did not answer (refused, unreachable),
 *    opens the breaker shared by every worker (struct hz_breaker in the
 *    metrics segment) for db_breaker_ms. While it is open, calls are refused
 *    at once, without touching the database: one atomic load per call when
 *    it is closed. Once the time is up, one worker (a compare-and-swap on the
 *    probe word) lets its request try the database: an answer closes the
 *    breaker for everyone, another stall opens it again.
 *
 * One warning when the breaker opens, one when it closes; counted in
 * huzu_db_stalls_total, huzu_db_breaker_opens_total and
 * huzu_db_breaker_refusals_total. Commands (migrate, import, export, the
 * scheduler) are not guarded: they make blocking calls with the timeouts
 * of the config (huzu migrate: no read timeout, fcgi/main.c). */

#define LOAD(p)      __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define CAS(p, e, v) __atomic_compare_exchange_n((p), (e), (v), false, \
	__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)

static uint64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}


void
hz_db_guard(struct hz_db *db)
{
	db->breaker = hz_metrics_breaker();
	db->stall_ms = db->cfg->db_stall_ms;
	db->check_ms = db->cfg->db_stall_check_ms;
	db->breaker_ms = db->cfg->db_breaker_ms;
}

bool
hz_db_breaker_open(void)
{
	return LOAD(&hz_metrics_breaker()->open_until) != 0;
}

/* The worker holding the probe lost its connection another way (the
 * server restarted): the next one may try at once. */
static void
probe_release(struct hz_db *db)
{
	if (db->probing) {
		db->probing = false;
		STORE(&db->breaker->probe_until, 0);
	}
}

/* The breaker opens (or stays open longer): from closed, with the one
 * warning. A worker holding the probe gives it back. */
static void
breaker_trip(struct hz_db *db, const char *why, unsigned e, const char *msg)
{
	struct hz_breaker *b = db->breaker;
	uint64_t now = mono_ns();
	uint64_t until = now + (uint64_t)db->breaker_ms * 1000000u;
	uint64_t cur = LOAD(&b->open_until);

	while (cur == 0 || cur < until)
		if (CAS(&b->open_until, &cur, until))
			break;
	if (cur == 0) {
		STORE(&b->opened_at, now);
		hz_metrics_inc(HZ_M_DB_BREAKER_OPENS);
		hz_warn("database not answering, breaker open", "why=%s "
		    "errno=%u error=\"%s\" stall_ms=%d open_ms=%d", why, e, msg,
		    db->stall_ms, db->breaker_ms);
	} else
		hz_log(HZ_LOG_DEBUG, "database still not answering", "why=%s errno=%u",
		    why, e);
	if (db->probing) {
		db->probing = false;
		STORE(&b->probe_until, 0);
	}
}

/* The database answered the worker holding the probe: closed for all. */
static void
breaker_close(struct hz_db *db)
{
	struct hz_breaker *b = db->breaker;
	uint64_t cur = LOAD(&b->open_until);

	db->probing = false;
	if (cur != 0 && CAS(&b->open_until, &cur, 0))
		hz_warn("database answering again, breaker closed",
		    "open_ms=%llu", (unsigned long long)((mono_ns() -
		    LOAD(&b->opened_at)) / 1000000u));
	STORE(&b->probe_until, 0);
}

/* Before any call: HZ_OK to go on, or an instant 503 while the breaker is
 * open and another worker (or nobody yet) tries the database. */
static enum hz_status
breaker_gate(struct hz_db *db)
{
	struct hz_breaker *b;
	uint64_t until, now, probe;

	if (db->stall_ms == 0 || db->probing)
		return HZ_OK;
	b = db->breaker;
	if ((until = LOAD(&b->open_until)) == 0)
		return HZ_OK;
	now = mono_ns();
	if (now >= until) {
		/* Held for as long as a probe can take, so that a worker that
		 * died holding it does not keep the breaker open. */
		probe = LOAD(&b->probe_until);
		if ((probe == 0 || now >= probe) && CAS(&b->probe_until, &probe,
		    now + (uint64_t)(db->stall_ms + db->check_ms + 1000) *
		    1000000u)) {
			db->probing = true;
			return HZ_OK;
		}
	}
	hz_metrics_inc(HZ_M_DB_BREAKER_REFUSALS);
	/* Half a transaction must not stay open on the connection for the
	 * next request to commit: dropping it rolls it back. The server is
	 * taken as stalled: its socket is shut, not waited on. */
	if (db->in_tx)
		disconnect(db, true);
	return HZ_ERR_DB_UNAVAILABLE;
}

/* The events Connector/C waits for (MYSQL_WAIT_*) as poll's, and back. */
static short
poll_events(int status)
{
	return (short)(((status & MYSQL_WAIT_READ) ? POLLIN : 0) |
	    ((status & MYSQL_WAIT_WRITE) ? POLLOUT : 0) |
	    ((status & MYSQL_WAIT_EXCEPT) ? POLLPRI : 0));
}

static int
wait_events(short revents)
{
	int ev = 0;

	/* An error or hang-up wakes both ways: the library's next read or
	 * write then meets it. */
	if (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
		ev |= MYSQL_WAIT_READ;
	if (revents & (POLLOUT | POLLHUP | POLLERR | POLLNVAL))
		ev |= MYSQL_WAIT_WRITE;
	if (revents & POLLPRI)
		ev |= MYSQL_WAIT_EXCEPT;
	return ev;
}

/* Does the server answer a new connection within check_ms? A refusal
 * (too many connections, access denied) is an answer too. */
static bool
server_answers(struct hz_db *db)
{
	const struct hz_config *c = db->cfg;
	unsigned int ct = (unsigned)c->db_connect_timeout;
	bool tcp = c->db_host[0] != '\0', ok;
	long long deadline = hz_mono_ms() + db->check_ms;
	MYSQL *m, *ret = NULL;
	int s;

	if ((m = mysql_init(NULL)) == NULL)
		return true;             /* no memory: no verdict */
	if (mysql_options(m, MYSQL_OPT_NONBLOCK, &(size_t){ ASYNC_STACK })) {
		mysql_close(m);
		return true;
	}
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	s = mysql_real_connect_start(&ret, m, tcp ? c->db_host : NULL,
	    c->db_user, hz_secret(c, "db_password"), c->db_name,
	    tcp ? (unsigned)c->db_port : 0, tcp ? NULL : c->db_socket, 0);
	while (s != 0) {
		struct pollfd p = { mysql_get_socket(m), poll_events(s), 0 };
		long long left = deadline - hz_mono_ms();
		int ev = MYSQL_WAIT_TIMEOUT, r = 0;

		while (left > 0 && (r = poll(&p, 1, (int)left)) < 0 &&
		    errno == EINTR)
			left = deadline - hz_mono_ms();
		if (left > 0 && r > 0)
			ev = wait_events(p.revents);
		s = mysql_real_connect_cont(&ret, m, ev);
	}
	ok = ret != NULL || (mysql_errno(m) != 0 &&
	    !is_client_error(mysql_errno(m)));
	mysql_close(m);
	return ok;
}

/* Waits for what a suspended call of `m` waits for (`status`), and says
 * what happened, for its _cont: the events, or MYSQL_WAIT_TIMEOUT when the
 * library's own timeout passed or the wait is given up as a stall
 * (db->stalled). */
static int
await(struct hz_db *db, MYSQL *m, int status)
{
	struct pollfd p = { mysql_get_socket(m), poll_events(status), 0 };
	long long now = hz_mono_ms(), check = now + db->stall_ms, lib = LLONG_MAX;

	if (status & MYSQL_WAIT_TIMEOUT)
		lib = now + (long long)mysql_get_timeout_value_ms(m);
	for (;;) {
		long long until = check < lib ? check : lib;
		int r = poll(&p, 1, until > now ? (int)(until - now) : 0);

		if (r > 0)
			return wait_events(p.revents);
		if (r < 0 && errno != EINTR)
			return MYSQL_WAIT_TIMEOUT;
		now = hz_mono_ms();
		if (now >= lib) {
			db->timed_out = true;
			return MYSQL_WAIT_TIMEOUT;
		}
		if (now < check)
			continue;
		/* No answer for stall_ms: a stall, unless the server answers
		 * someone else. A connect is its own check; once another
		 * worker has found the server stalled, no need to ask. */
		if (!db->connecting && !db->probing && hz_db_breaker_open())
			db->shortcut = true;
		if (db->connecting || db->shortcut || !server_answers(db)) {
			db->stalled = true;
			hz_metrics_inc(HZ_M_DB_STALLS);
			return MYSQL_WAIT_TIMEOUT;
		}
		if (db->probing)
			breaker_close(db);
		now = hz_mono_ms();
		check = now + db->stall_ms;
	}
}

/* One Connector/C call `fn(obj, ...)` into `ret`: a plain blocking call
 * when the guard is off, else its non-blocking pair, every wait in
 * await(). */
#define CALL(db, m, ret, fn, ...) do {                                       \
	int s_;                                                               \
	if ((db)->stall_ms == 0) {                                            \
		(ret) = fn(__VA_ARGS__);                                      \
		break;                                                        \
	}                                                                     \
	s_ = fn##_start(&(ret), __VA_ARGS__);                                 \
	while (s_ != 0)                                                       \
		s_ = fn##_cont(&(ret), FIRST_(__VA_ARGS__, 0),                \
		    await((db), (m), s_));                                    \
} while (0)
#define FIRST_(a, ...) a

enum hz_status
hz_db_connect(struct hz_db *db)
{
	const struct hz_config *c = db->cfg;
	unsigned int ct = (unsigned)c->db_connect_timeout;
	unsigned int rt = (unsigned)c->db_read_timeout;
	unsigned int wt = (unsigned)c->db_write_timeout;
	my_bool off = 0;
	bool tcp = c->db_host[0] != '\0';
	enum hz_status rc;
	MYSQL *m, *ok;

	if ((rc = breaker_gate(db)) != HZ_OK)
		return rc;
	if (db->conn != NULL)
		return HZ_OK;
	if (!db->probing && ms_until(&db->retry_at) > 0)
		return HZ_ERR_DB_UNAVAILABLE;
	if ((m = mysql_init(NULL)) == NULL)
		return HZ_ERR_NOMEM;
	if (db->stall_ms != 0 &&
	    mysql_options(m, MYSQL_OPT_NONBLOCK, &(size_t){ ASYNC_STACK })) {
		db->last_errno = mysql_errno(m);
		snprintf(db->last_error, sizeof(db->last_error), "%s",
		    "cannot set up non-blocking calls");
		hz_warn("db connect failed", "error=\"%s\"", db->last_error);
		mysql_close(m);
		return HZ_ERR_NOMEM;
	}
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &wt);
	/* Auto-reconnect would silently end a transaction and lose every
	 * prepared statement; we reconnect ourselves, between requests. */
	mysql_options(m, MYSQL_OPT_RECONNECT, &off);
	/* A lock wait must end (ER_LOCK_WAIT_TIMEOUT, retried by hz_db_tx)
	 * well before the read timeout would drop the connection: a row's
	 * (innodb_lock_wait_timeout) and a table's metadata lock, held by a
	 * schema change (lock_wait_timeout, a day by default: a migration
	 * copying tenancies blocks their writes throughout). */
	mysql_options(m, MYSQL_INIT_COMMAND,
	    "SET time_zone = '+00:00', innodb_lock_wait_timeout = 2,"
	    " lock_wait_timeout = 2,"
	    " sql_mode = 'STRICT_ALL_TABLES,"
	    "NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
	    "NO_ENGINE_SUBSTITUTION'");
	/* Galera: reads wait for this node to catch up (config.c). */
	if (c->db_sync_wait > 0) {
		char sw[80];

		snprintf(sw, sizeof(sw), "SET SESSION wsrep_sync_wait = %d,"
		    " @hz_sync_wait = %d", c->db_sync_wait, c->db_sync_wait);
		mysql_options(m, MYSQL_INIT_COMMAND, sw);
	}
	db->connecting = true;
	db->stalled = db->shortcut = db->timed_out = false;
	CALL(db, m, ok, mysql_real_connect, m, tcp ? c->db_host : NULL,
	    c->db_user, hz_secret(c, "db_password"), c->db_name,
	    tcp ? (unsigned)c->db_port : 0, tcp ? NULL : c->db_socket, 0);
	db->connecting = false;
	if (ok == NULL) {
		struct timespec now;
		unsigned e = mysql_errno(m);

		db->last_errno = e;
		snprintf(db->last_error, sizeof(db->last_error), "%s",
		    mysql_error(m));
		hz_metrics_inc(HZ_M_DB_CONNECT_FAILURES);
		/* Not answered (refused, unreachable, no greeting in time):
		 * the breaker says so, once. A refusal the server answered
		 * (access denied) is no outage. */
		if (db->stall_ms != 0 && (db->stalled || is_client_error(e)))
			breaker_trip(db, db->stalled ? "connect_stalled" :
			    "connect_failed", e, mysql_error(m));
		else {
			hz_warn("db connect failed", "errno=%u error=\"%s\"",
			    e, mysql_error(m));
			/* The server answered: no outage; the probe is done. */
			if (db->probing)
				breaker_close(db);
		}
		db->stalled = db->timed_out = false;
		mysql_close(m);
		clock_gettime(CLOCK_MONOTONIC, &now);
		now.tv_nsec += CONNECT_BACKOFF_MS * 1000000L;
		now.tv_sec += now.tv_nsec / 1000000000L;
		now.tv_nsec %= 1000000000L;
		db->retry_at = now;
		return HZ_ERR_DB_UNAVAILABLE;
	}
	db->conn = m;
	db->fd = (int)mysql_get_socket(m);
	db->last_errno = 0;
	db->sync_paused = false;     /* the init command set it again */
	if (db->probing)
		breaker_close(db);
	hz_metrics_inc(HZ_M_DB_CONNECTS);
	if (db->was_connected)
		hz_metrics_inc(HZ_M_DB_RECONNECTS);
	db->was_connected = true;
	return HZ_OK;
}

static MYSQL_STMT **
table_slots(struct hz_db *db, const struct hz_stmt_table *t)
{
	struct prepared *p;

	for (size_t i = 0; i < db->ntables; i++)
		if (db->tables[i].table == t)
			return db->tables[i].st;
	if (db->ntables == MAX_TABLES)
		return NULL;
	p = &db->tables[db->ntables];
	if ((p->st = calloc(t->n, sizeof(*p->st))) == NULL)
		return NULL;
	p->table = t;
	db->ntables++;
	return p->st;
}

/* Maps the server's error to a status, dropping a dead connection. */
static enum hz_status
failure(struct hz_db *db, unsigned e, const char *what, const char *module,
        size_t idx, const char *msg)
{
	db->last_errno = e;
	if (db->stalled || db->timed_out || is_connection_error(e)) {
		hz_metrics_inc(HZ_M_DB_CONNECTIONS_LOST);
		if (db->shortcut)
			/* Given up because the breaker is open: that proves
			 * nothing new, and must not keep it open longer. */
			hz_log(HZ_LOG_DEBUG, "db wait given up, breaker open",
			    "errno=%u stmt=%s:%zu", e, module, idx);
		else if (db->stalled)
			breaker_trip(db, "stalled", e, "");
		else if (db->timed_out) {
			/* Connections were answered all along: one statement
			 * outran db_read_timeout. Not retried, and not an
			 * outage of the whole pool (a stalled server is caught
			 * by the checks before this). */
			hz_warn("db statement outran db_read_timeout",
			    "errno=%u stmt=%s:%zu", e, module, idx);
			probe_release(db);
		} else {
			hz_warn("db connection lost", "errno=%u stmt=%s:%zu",
			    e, module, idx);
			probe_release(db);
		}
		disconnect(db, true);
		return HZ_ERR_DB_UNAVAILABLE;
	}
	/* Any answer from the server proves it is back. */
	if (db->probing)
		breaker_close(db);
	switch (e) {
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		hz_metrics_inc(HZ_M_DB_RETRIES);
		return HZ_ERR_DB_RETRY;
	case ER_UNKNOWN_COM_ERROR:
	case ER_ERROR_DURING_COMMIT:
		/* Galera: a node that is not Synced in the Primary Component
		 * refuses statements ("WSREP has not yet prepared node for
		 * application use"), and one that lost it during a COMMIT
		 * reports error 1180 (as does a full disk on any server);
		 * either way nothing was done here. The same answer as a
		 * server that is down; outside a transaction the connection
		 * is kept, to be used again once the node has rejoined.
		 * Inside one, the server may still hold the transaction open
		 * (and the next request's statements would join it): the
		 * connection is dropped, which rolls it back. Said of a
		 * COMMIT, 1180 does not prove that nothing was committed:
		 * run_tx reports that outcome as unknown. */
		hz_metrics_inc(HZ_M_DB_ERRORS);
		hz_warn("database not ready or commit failed",
		    "op=%s errno=%u stmt=%s:%zu in_tx=%d", what, e, module,
		    idx, db->in_tx);
		if (db->in_tx)
			disconnect(db, true);
		return HZ_ERR_DB_UNAVAILABLE;
	case ER_DUP_ENTRY:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
		/* The message quotes the duplicated value: not logged. */
		return HZ_ERR_CONFLICT;
	default:
		hz_metrics_inc(HZ_M_DB_ERRORS);
		hz_error("db error", "op=%s errno=%u stmt=%s:%zu error=\"%s\"",
		    what, e, module, idx, msg);
		return HZ_ERR_DB;
	}
}

static enum hz_status
bind_params(hz_arena *a, MYSQL_STMT *st, const struct hz_db_arg *args,
            size_t nargs, MYSQL_BIND **out)
{
	MYSQL_BIND *b;
	struct hz_db_arg *copy;

	*out = NULL;
	if (nargs != mysql_stmt_param_count(st))
		return HZ_ERR_INTERNAL;
	if (nargs == 0)
		return HZ_OK;
	b = hz_arena_calloc(a, nargs, sizeof(*b));
	copy = hz_arena_calloc(a, nargs, sizeof(*copy));
	if (b == NULL || copy == NULL)
		return HZ_ERR_NOMEM;
	memcpy(copy, args, nargs * sizeof(*copy));
	for (size_t i = 0; i < nargs; i++) {
		switch (copy[i].type) {
		case HZ_DB_NULL:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case HZ_DB_I64:
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &copy[i].i;
			break;
		case HZ_DB_STR:
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)(uintptr_t)copy[i].s;
			b[i].buffer_length = (unsigned long)copy[i].len;
			break;
		}
	}
	*out = b;
	return HZ_OK;
}

static bool
is_integer_type(enum enum_field_types t)
{
	return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT ||
	    t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_INT24 ||
	    t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_YEAR;
}

/* Fetches every row into `res`. Binds length, is_null and error for each
 * column; a text value longer than the first buffer (MYSQL_DATA_TRUNCATED)
 * is fetched again with mysql_stmt_fetch_column at its real length. */
static enum hz_status
fetch_all(struct hz_db *db, hz_arena *a, MYSQL_STMT *st,
          struct hz_db_result *res)
{
	MYSQL_RES *meta;
	MYSQL_FIELD *fields;
	MYSQL_BIND *b;
	unsigned long *len;
	my_bool *nul, *err;
	long long *ints;
	char *bufs;
	size_t ncols, cap = 0;
	enum hz_status rc = HZ_ERR_NOMEM;
	int r;

	if ((meta = mysql_stmt_result_metadata(st)) == NULL)
		return HZ_OK;
	ncols = mysql_num_fields(meta);
	fields = mysql_fetch_fields(meta);
	b = hz_arena_calloc(a, ncols, sizeof(*b));
	len = hz_arena_calloc(a, ncols, sizeof(*len));
	nul = hz_arena_calloc(a, ncols, sizeof(*nul));
	err = hz_arena_calloc(a, ncols, sizeof(*err));
	ints = hz_arena_calloc(a, ncols, sizeof(*ints));
	bufs = hz_arena_calloc(a, ncols, SMALL_BUF);
	if (!b || !len || !nul || !err || !ints || !bufs)
		goto out;
	for (size_t c = 0; c < ncols; c++) {
		b[c].length = &len[c];
		b[c].is_null = &nul[c];
		b[c].error = &err[c];
		if (is_integer_type(fields[c].type)) {
			b[c].buffer_type = MYSQL_TYPE_LONGLONG;
			b[c].buffer = &ints[c];
			b[c].is_unsigned = (fields[c].flags & UNSIGNED_FLAG) != 0;
		} else {
			b[c].buffer_type = MYSQL_TYPE_STRING;
			b[c].buffer = bufs + c * SMALL_BUF;
			b[c].buffer_length = SMALL_BUF;
		}
	}
	rc = HZ_ERR_DB;
	if (mysql_stmt_bind_result(st, b) != 0)
		goto out;
	res->ncols = ncols;
	for (;;) {
		struct hz_db_cell *row;

		CALL(db, db->conn, r, mysql_stmt_fetch, st);
		if (r == MYSQL_NO_DATA)
			break;
		if (r == 1)
			goto out;
		if (res->nrows == cap) {
			struct hz_db_cell *grown;
			size_t ncap = cap ? cap * 2 : 16;

			if (ncap > SIZE_MAX / ncols / sizeof(*grown) ||
			    (grown = hz_arena_calloc(a, ncap * ncols,
			        sizeof(*grown))) == NULL) {
				rc = HZ_ERR_NOMEM;
				goto out;
			}
			if (res->nrows)
				memcpy(grown, res->cells, res->nrows * ncols *
				    sizeof(*grown));
			res->cells = grown;
			cap = ncap;
		}
		row = &res->cells[res->nrows * ncols];
		for (size_t c = 0; c < ncols; c++) {
			char *s;

			if ((row[c].null = nul[c]))
				continue;
			if (b[c].buffer_type == MYSQL_TYPE_LONGLONG) {
				row[c].i = ints[c];
				continue;
			}
			if ((s = hz_arena_alloc(a, len[c] + 1)) == NULL) {
				rc = HZ_ERR_NOMEM;
				goto out;
			}
			if (len[c] > SMALL_BUF) {
				MYSQL_BIND one = {
					.buffer_type = MYSQL_TYPE_STRING,
					.buffer = s, .buffer_length = len[c],
				};
				if (mysql_stmt_fetch_column(st, &one,
				    (unsigned)c, 0) != 0)
					goto out;
			} else
				memcpy(s, b[c].buffer, len[c]);
			s[len[c]] = '\0';
			row[c].s = s;
			row[c].len = len[c];
		}
		res->nrows++;
	}
	rc = HZ_OK;
out:
	mysql_free_result(meta);
	return rc;
}

/* Waits before running a transaction or a statement again after a
 * deadlock: 2, 4, 8, 16, 32, 32... ms for attempt 1, 2, 3..., plus as
 * much again at random, long enough for the other transaction to finish,
 * short for the user; the randomness spreads the transactions of a storm
 * (on Galera, those of the other nodes) that met on one row. */
static void
backoff(int attempt)
{
	long ms = 1L << (attempt < 5 ? attempt : 5);
	struct timespec d = { 0, ms * 1000000L +
	    (long)randombytes_uniform((uint32_t)(ms * 1000000L)) };

	nanosleep(&d, NULL);
}

/* Inside a transaction, a statement that succeeded though the server no
 * longer holds the transaction open: on Galera, an applier's brute-force
 * abort (a write of another node won) rolls it back, and with prepared
 * statements MariaDB 10.11 may not say so to the statement that was
 * running (a SELECT's rows arrive, no error); the statements after it
 * would then run and commit one by one. Told as the deadlock it is, so
 * that hz_db_tx reruns the whole. COMMIT and ROLLBACK end it themselves;
 * on one server this never happens. */
static bool
tx_ended_behind_us(struct hz_db *db, const struct hz_stmt_table *t,
                   size_t idx)
{
	unsigned int status = 0;

	if (!db->in_tx || db->conn == NULL || (t == &tx_stmts &&
	    (idx == TX_COMMIT || idx == TX_ROLLBACK)) ||
	    mariadb_get_infov(db->conn, MARIADB_CONNECTION_SERVER_STATUS,
	    &status) != 0 || (status & SERVER_STATUS_IN_TRANS))
		return false;
	db->last_errno = ER_LOCK_DEADLOCK;
	hz_metrics_inc(HZ_M_DB_RETRIES);
	hz_warn("transaction ended by the server", "stmt=%s:%zu", t->module,
	    idx);
	return true;
}

/* A statement whose failure may be retried after reconnecting: it never
 * ran (the prepare failed, or the server was gone before we sent), or
 * running it twice changes nothing (a read; opening a transaction). */
static bool
retry_safe(unsigned e, const char *sql, bool prepared)
{
	if (!prepared || e == CR_SERVER_GONE_ERROR ||
	    e == ER_UNKNOWN_STMT_HANDLER)
		return true;
	return strncmp(sql, "SELECT", 6) == 0 ||
	    strcmp(sql, "START TRANSACTION") == 0;
}

/* --- db_sync_wait, bounded (Galera). -----------------------------------------
 *
 * With db_sync_wait, a read first waits until its node has applied every
 * write committed anywhere before it. That wait needs the group: while the
 * cluster changes (a node lost, until the others evict it; a node
 * rejoining) it cannot end, and once the provider's
 * repl.causal_read_timeout is over (scripts/cluster: 1 s, below
 * db_read_timeout) the server says ER_LOCK_WAIT_TIMEOUT, the same error as
 * a lock wait. A plain SELECT takes no row lock, so that error on it is
 * the causal wait's: rerunning it (as a deadlock) waits again for nothing,
 * and on a node cut off from the cluster fails again. So the read runs
 * once more without the wait, and the connection reads without it for
 * SYNC_PAUSE_MS: such a read may miss a write made a moment ago through
 * another node (as with db_sync_wait = 0), which beats a 503 for every
 * read while the cluster settles. On a node cut off from the primary
 * component the read is then refused (1047): the database unavailable. */
#define SYNC_PAUSE_MS 2000

bool
hz_db_plain_read(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
		sql++;
	if (strncasecmp(sql, "SELECT", 6) != 0 &&
	    strncasecmp(sql, "WITH", 4) != 0)
		return false;
	return strcasestr(sql, "FOR UPDATE") == NULL &&
	    strcasestr(sql, "LOCK IN SHARE MODE") == NULL &&
	    strcasestr(sql, "FOR SHARE") == NULL;
}

bool
hz_db_sync_paused(const struct hz_db *db)
{
	return db->sync_paused;
}

/* The causal wait of statement idx of t timed out (ER_LOCK_WAIT_TIMEOUT):
 * paused on this connection, to be run again. The server waits in a plain
 * read outside a transaction, and in START TRANSACTION (MariaDB's
 * trans_begin), not in the reads inside one: there, as for a locking read
 * or a write, or a second time while paused, the error is a lock wait's.
 * A plain read outside one can also time out waiting for a table that a
 * schema change holds (lock_wait_timeout, rare: only its exclusive
 * moments, or LOCK TABLES ... WRITE), which looks the same (Galera's
 * causal wait may take longer than 2 s too, so time does not tell them
 * apart): it is then paused needlessly for SYNC_PAUSE_MS, and its rerun
 * waits for the table again and fails as a lock wait (503 busy after
 * 4 s instead of 2). */
static bool
causal_timeout(const struct hz_db *db, unsigned e,
               const struct hz_stmt_table *t, size_t idx)
{
	if (e != ER_LOCK_WAIT_TIMEOUT || db->cfg->db_sync_wait <= 0 ||
	    db->sync_paused || db->conn == NULL)
		return false;
	if (t == &tx_stmts)
		return idx == TX_BEGIN;
	return !db->in_tx && hz_db_plain_read(t->sql[idx]);
}

static enum hz_status
sync_pause(struct hz_db *db, hz_arena *a, const struct hz_stmt_table *t,
           size_t idx)
{
	struct timespec *r = &db->sync_resume_at;
	enum hz_status rc;

	hz_warn("causal read timed out, reading without wsrep_sync_wait",
	    "pause_ms=%d stmt=%s:%zu", SYNC_PAUSE_MS, t->module, idx);
	rc = hz_db_run(db, a, &tx_stmts, TX_SYNC_OFF, NULL, 0, NULL);
	if (rc != HZ_OK)
		return HZ_ERR_DB_UNAVAILABLE;
	db->sync_paused = true;
	clock_gettime(CLOCK_MONOTONIC, r);
	r->tv_nsec += SYNC_PAUSE_MS % 1000 * 1000000L;
	r->tv_sec += SYNC_PAUSE_MS / 1000 + r->tv_nsec / 1000000000L;
	r->tv_nsec %= 1000000000L;
	return HZ_OK;
}

/* The pause is over: reads wait again (between transactions only). */
static void
sync_resume(struct hz_db *db, hz_arena *a)
{
	if (!db->sync_paused || db->in_tx || ms_until(&db->sync_resume_at) > 0)
		return;
	if (hz_db_run(db, a, &tx_stmts, TX_SYNC_ON, NULL, 0, NULL) == HZ_OK ||
	    db->conn == NULL)
		db->sync_paused = false;    /* (a new connection waits again) */
}

void
hz_db_test_faults(struct hz_db *db, const char *sql, unsigned err,
                  unsigned times, bool ran)
{
	db->fault_sql = sql;
	db->fault_errno = err;
	db->fault_times = err != 0 ? times : 0;
	db->fault_ran = ran;
}

void
hz_db_test_fault(struct hz_db *db, const char *sql, unsigned err)
{
	hz_db_test_faults(db, sql, err, 1, false);
}

unsigned
hz_db_test_faults_left(const struct hz_db *db)
{
	return db->fault_times;
}

/* Does the next statement (SQL `sql`) take an injected fault? Counts it. */
static bool
fault_due(struct hz_db *db, const char *sql)
{
	if (db->fault_times == 0 || strcmp(db->fault_sql, sql) != 0)
		return false;
	db->fault_times--;
	return true;
}

enum hz_status
hz_db_run(struct hz_db *db, hz_arena *a, const struct hz_stmt_table *t,
          size_t idx, const struct hz_db_arg *args, size_t nargs,
          struct hz_db_result *res)
{
	struct hz_db_result scratch;
	MYSQL_STMT **slots, *st;
	MYSQL_BIND *b;
	enum hz_status rc;
	unsigned e;
	bool prepared, fault;
	int deadlocks = 0;

	if (res == NULL)
		res = &scratch;
	if (db->tx_lost)
		return HZ_ERR_DB_UNAVAILABLE;
	if (t != &tx_stmts)
		sync_resume(db, a);
	for (int attempt = 0;; attempt++) {
		int r;
		my_bool done;

		memset(res, 0, sizeof(*res));
		if ((rc = hz_db_connect(db)) != HZ_OK)
			return rc;
		if ((slots = table_slots(db, t)) == NULL || idx >= t->n)
			return HZ_ERR_INTERNAL;
		prepared = false;
		db->stalled = db->shortcut = db->timed_out = false;
		if ((st = slots[idx]) == NULL) {
			if ((st = mysql_stmt_init(db->conn)) == NULL)
				return HZ_ERR_NOMEM;
			CALL(db, db->conn, r, mysql_stmt_prepare, st,
			    t->sql[idx], strlen(t->sql[idx]));
			if (r != 0) {
				e = mysql_stmt_errno(st);
				rc = failure(db, e, "prepare", t->module, idx,
				    mysql_stmt_error(st));
				mysql_stmt_close(st);
				goto failed;
			}
			slots[idx] = st;
		}
		prepared = true;
		if ((rc = bind_params(a, st, args, nargs, &b)) != HZ_OK)
			return rc;
		if ((fault = fault_due(db, t->sql[idx])) && !db->fault_ran) {
			e = db->fault_errno;
			rc = failure(db, e, "execute", t->module, idx,
			    "injected (hz_db_test_fault)");
			goto failed;
		}
		r = b != NULL ? mysql_stmt_bind_param(st, b) : 0;
		if (r == 0)
			CALL(db, db->conn, r, mysql_stmt_execute, st);
		if (r != 0) {
			e = mysql_stmt_errno(st);
			rc = failure(db, e, "execute", t->module, idx,
			    mysql_stmt_error(st));
			goto failed;
		}
		rc = fetch_all(db, a, st, res);
		if (rc == HZ_ERR_DB) {
			/* Errors met while streaming rows (a deadlock found
			 * late) may sit on the connection, not the statement. */
			if ((e = mysql_stmt_errno(st)) == 0 && db->conn != NULL)
				e = mysql_errno(db->conn);
			rc = failure(db, e, "fetch", t->module, idx,
			    mysql_stmt_error(st));
			if (db->conn != NULL) {
				CALL(db, db->conn, done, mysql_stmt_free_result,
				    st);
				if (db->stalled || db->timed_out)
					rc = failure(db, mysql_stmt_errno(st),
					    "fetch", t->module, idx,
					    mysql_stmt_error(st));
			}
			goto failed;
		}
		CALL(db, db->conn, done, mysql_stmt_free_result, st);
		/* The rows were read, but the connection stalled after them:
		 * dropped (a transaction on it fails); a failed fetch fails. */
		if (db->stalled || db->timed_out) {
			enum hz_status f = failure(db, mysql_stmt_errno(st),
			    "fetch", t->module, idx, mysql_stmt_error(st));

			if (rc != HZ_OK)
				return f;
		}
		if (rc != HZ_OK)
			return rc;
		if (fault) {
			/* It ran; its answer is "lost" (hz_db_test_faults). */
			e = db->fault_errno;
			rc = failure(db, e, "execute", t->module, idx,
			    "injected after running (hz_db_test_faults)");
			goto failed;
		}
		if (db->probing)
			breaker_close(db);
		if (tx_ended_behind_us(db, t, idx))
			return HZ_ERR_DB_RETRY;
		res->affected = mysql_stmt_affected_rows(st);
		res->insert_id = mysql_stmt_insert_id(st);
		/* A write (no result set) that changed a row: the commit hook
		 * has something to mark (run_tx). */
		if (db->in_tx && mysql_stmt_field_count(st) == 0 &&
		    res->affected != 0 && res->affected != (my_ulonglong)-1)
			db->tx_wrote = true;
		return HZ_OK;
failed:
		/* A plain read whose causal wait (db_sync_wait) timed out:
		 * once more, without it (sync_pause). */
		if (rc == HZ_ERR_DB_RETRY && t != &tx_stmts &&
		    causal_timeout(db, e, t, idx)) {
			if ((rc = sync_pause(db, a, t, idx)) != HZ_OK)
				return rc;
			attempt--;
			continue;
		}
		/* A statement outside a transaction that lost a deadlock, or
		 * failed Galera certification (both ER_LOCK_DEADLOCK, after
		 * the server's own wsrep_retry_autocommit), was rolled back
		 * whole: nothing of it stays, so it runs again, as hz_db_tx
		 * reruns a transaction (which it does inside one). */
		if (rc == HZ_ERR_DB_RETRY && e == ER_LOCK_DEADLOCK &&
		    !db->in_tx && deadlocks < HZ_DB_STATEMENT_RETRIES) {
			backoff(++deadlocks);
			attempt--;     /* the reconnect's one retry stays */
			continue;
		}
		/* Reconnect-and-retry only outside a transaction: inside
		 * one, the work done so far died with the connection. Never
		 * after a stall: the breaker is open. */
		if (rc != HZ_ERR_DB_UNAVAILABLE || db->in_tx || attempt > 0 ||
		    db->stalled || db->timed_out ||
		    !retry_safe(e, t->sql[idx], prepared))
			return rc;
	}
}

enum hz_status
hz_db_run_batches(struct hz_db *db, hz_arena *a, const struct hz_stmt_table *t,
                  size_t idx, const struct hz_db_arg *args, size_t nargs,
                  uint64_t batch, unsigned max_runs, unsigned long long *total)
{
	struct hz_db_result r;
	enum hz_status rc;
	unsigned runs = 0;

	do {
		if ((rc = hz_db_run(db, a, t, idx, args, nargs, &r)))
			return rc;
		*total += r.affected;
	} while (r.affected >= batch && (max_runs == 0 || ++runs < max_runs));
	return HZ_OK;
}

enum hz_status
hz_db_run_sql(struct hz_db *db, const char *sql, size_t len)
{
	MYSQL_STMT *st;
	enum hz_status rc = HZ_OK;
	int r;

	if ((rc = hz_db_connect(db)) != HZ_OK)
		return rc;
	if ((st = mysql_stmt_init(db->conn)) == NULL)
		return HZ_ERR_NOMEM;
	db->stalled = db->shortcut = db->timed_out = false;
	CALL(db, db->conn, r, mysql_stmt_prepare, st, sql, (unsigned long)len);
	if (r == 0)
		CALL(db, db->conn, r, mysql_stmt_execute, st);
	db->last_errno = 0;
	db->last_error[0] = '\0';
	if (r != 0) {
		unsigned e = mysql_stmt_errno(st);
		/* A lock wait is tried again (core/migrate.c). */
		hz_log(e == ER_LOCK_WAIT_TIMEOUT ? HZ_LOG_WARN : HZ_LOG_ERROR,
		    "migration statement failed", "errno=%u error=\"%s\"",
		    e, mysql_stmt_error(st));
		db->last_errno = e;
		snprintf(db->last_error, sizeof(db->last_error), "%s",
		    mysql_stmt_error(st));
		rc = db->stalled || db->timed_out || is_connection_error(e) ?
		    HZ_ERR_DB_UNAVAILABLE : HZ_ERR_DB;
	}
	mysql_stmt_close(st);
	if (rc == HZ_ERR_DB_UNAVAILABLE)
		disconnect(db, true);
	return rc;
}

/* Opens a transaction. With db_sync_wait, the server waits for the
 * cluster in START TRANSACTION; if that wait times out (a view change),
 * the wait is paused as for a plain read and the transaction opened
 * without it: its reads may then miss a write made a moment ago through
 * another node, as with db_sync_wait = 0. A pause that is over ends here
 * too (a connection that only runs transactions would keep it forever). */
static enum hz_status
begin(struct hz_db *db, hz_arena *a, bool read_committed)
{
	enum hz_status rc;

	sync_resume(db, a);
	for (int paused = 0;; paused++) {
		if (read_committed && (rc = hz_db_run(db, a, &tx_stmts,
		    TX_READ_COMMITTED, NULL, 0, NULL)) != HZ_OK)
			return rc;
		rc = hz_db_run(db, a, &tx_stmts, TX_BEGIN, NULL, 0, NULL);
		if (rc == HZ_OK || paused > 0 || rc != HZ_ERR_DB_RETRY ||
		    !causal_timeout(db, db->last_errno, &tx_stmts, TX_BEGIN))
			return rc;
		if ((rc = sync_pause(db, a, &tx_stmts, TX_BEGIN)) != HZ_OK)
			return rc;
	}
}

/* The COMMIT just run failed in a way that does not say whether it
 * committed (hz_db_commit_unknown): the server said 1180, or its answer
 * never came (the connection lost, the wait given up). A deadlock or a
 * certification failure (1213), or a refusal before anything was sent
 * (the breaker open: errno 0), rolled it back for sure. */
static bool
commit_answer_lost(const struct hz_db *db)
{
	unsigned e = db->last_errno;

	return e == ER_ERROR_DURING_COMMIT || db->stalled || db->timed_out ||
	    (e != 0 && is_connection_error(e));
}

bool
hz_db_commit_unknown(const struct hz_db *db)
{
	return db->commit_unknown;
}

void
hz_db_on_commit(struct hz_db *db, hz_db_commit_hook fn, void *arg)
{
	db->commit_hook = fn;
	db->commit_hook_arg = arg;
	if (fn != NULL)
		db->commit_unknown = false;   /* a new request's, from here */
}

static enum hz_status
run_tx(struct hz_db *db, enum hz_status (*fn)(struct hz_db *, void *),
       void *ctx, bool read_committed)
{
	hz_arena *a;
	enum hz_status rc = HZ_ERR_NOMEM;

	/* Nested: join the outer transaction; it owns commit and retries. */
	if (db->in_tx)
		return fn(db, ctx);
	db->commit_unknown = false;
	if ((a = hz_arena_new(1024)) == NULL)
		return HZ_ERR_NOMEM;
	for (int attempt = 0, waits = 0; attempt < HZ_DB_TX_ATTEMPTS;
	    attempt++) {
		unsigned e;

		if (attempt > 0)
			backoff(attempt);
		if ((rc = begin(db, a, read_committed)) != HZ_OK)
			break;
		db->in_tx = true;
		db->tx_wrote = false;
		rc = fn(db, ctx);
		/* fn may have swallowed a lost connection: never report a
		 * transaction that was not committed as done. */
		if (rc == HZ_OK && (db->conn == NULL || db->tx_lost))
			rc = HZ_ERR_DB_UNAVAILABLE;
		/* A transaction that changed nothing (a compare-and-set
		 * that lost, a refusal decided under its locks) commits
		 * nothing to mark. */
		if (rc == HZ_OK && db->commit_hook != NULL && db->tx_wrote)
			rc = db->commit_hook(db, a, db->commit_hook_arg);
		if (rc == HZ_OK && (db->conn == NULL || db->tx_lost))
			rc = HZ_ERR_DB_UNAVAILABLE;
		if (rc == HZ_OK) {
			db->last_errno = 0;
			db->stalled = db->timed_out = false;
			rc = hz_db_run(db, a, &tx_stmts, TX_COMMIT, NULL, 0,
			    NULL);
			if (rc != HZ_OK && commit_answer_lost(db)) {
				db->commit_unknown = true;
				hz_warn("commit outcome unknown", "errno=%u "
				    "stalled=%d", db->last_errno,
				    db->stalled || db->timed_out);
			}
		}
		e = db->last_errno;
		/* A ROLLBACK that failed may have left the transaction open
		 * on the server, for the next request's statements to join:
		 * the connection is dropped, which rolls it back. */
		if (rc != HZ_OK && db->conn != NULL &&
		    hz_db_run(db, a, &tx_stmts, TX_ROLLBACK, NULL, 0, NULL) !=
		    HZ_OK && db->conn != NULL) {
			hz_warn("rollback failed, connection dropped",
			    "errno=%u", db->last_errno);
			disconnect(db, true);
		}
		db->in_tx = false;
		db->tx_lost = false;
		hz_arena_reset(a);
		if (rc != HZ_ERR_DB_RETRY)
			break;
		/* A lock wait that timed out has waited its 2 s already: four
		 * of them at most. Deadlocks and certification failures are
		 * told at once, and a storm on one row (on Galera, from every
		 * node) may need more tries. */
		if (e == ER_LOCK_WAIT_TIMEOUT && ++waits == 4)
			break;
	}
	hz_arena_free(a);
	return rc;
}

enum hz_status
hz_db_tx(struct hz_db *db, enum hz_status (*fn)(struct hz_db *, void *),
         void *ctx)
{
	return run_tx(db, fn, ctx, false);
}

enum hz_status
hz_db_tx_read_committed(struct hz_db *db,
                        enum hz_status (*fn)(struct hz_db *, void *),
                        void *ctx)
{
	return run_tx(db, fn, ctx, true);
}
