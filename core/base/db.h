/* The database layer. Every statement is prepared once per connection from
 * a module's statement table (after openradtool's stmts[STMT__MAX]):
 *
 *     enum { STMT_PING, STMT__MAX };
 *     static const char *const sql[STMT__MAX] = {
 *             [STMT_PING] = "SELECT 1",
 *     };
 *     static const struct hz_stmt_table stmts = HZ_STMT_TABLE("health", sql);
 *
 * Connection loss is handled here: the connection is dropped, and the next
 * call reconnects and re-prepares. A statement that failed because the
 * server was gone is retried once, but only when that cannot repeat a
 * write and never inside a transaction. */
#ifndef HZ_DB_H
#define HZ_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "status.h"

struct hz_stmt_table {
	const char        *module;
	const char *const *sql;
	size_t             n;
};

#define HZ_STMT_TABLE(name, arr) { (name), (arr), sizeof(arr) / sizeof((arr)[0]) }

enum hz_db_type { HZ_DB_NULL, HZ_DB_I64, HZ_DB_STR };

struct hz_db_arg {
	enum hz_db_type type;
	long long       i;
	const char     *s;
	size_t          len;
};

#define HZ_ARG_NULL      ((struct hz_db_arg){ .type = HZ_DB_NULL })
#define HZ_ARG_I64(v)    ((struct hz_db_arg){ .type = HZ_DB_I64, .i = (v) })
#define HZ_ARG_STRN(v, n) ((struct hz_db_arg){ .type = HZ_DB_STR, .s = (v), .len = (n) })
#define HZ_ARG_STR(v)    HZ_ARG_STRN((v), strlen(v))
/* NULL when v is NULL, else the string or id. */
#define HZ_ARG_OPT_STR(v) ((v) != NULL ? HZ_ARG_STR(v) : HZ_ARG_NULL)
#define HZ_ARG_OPT_ID(v)  ((v) != 0 ? HZ_ARG_I64((long long)(v)) : HZ_ARG_NULL)

/* The arguments of one statement as `args, nargs`, counted from the list
 * itself so that the count cannot disagree with it:
 *
 *     hz_db_run(db, a, &stmts, STMT_GET, HZ_ARGS(HZ_ARG_I64(id)), &r);
 *
 * HZ_ARGV(array) does the same for an array built beforehand, and
 * HZ_NO_ARGS is the empty list. (sizeof does not evaluate its operand:
 * every argument expression runs once.) */
#define HZ_ARGS(...) ((const struct hz_db_arg[]){ __VA_ARGS__ }), \
	(sizeof((const struct hz_db_arg[]){ __VA_ARGS__ }) / \
	 sizeof(struct hz_db_arg))
#define HZ_ARGV(arr) (arr), (sizeof(arr) / sizeof((arr)[0]))
#define HZ_NO_ARGS   NULL, 0

/* One cell of a result. Integer columns fill `i`; all others `s`/`len`
 * (NUL-terminated, arena-owned; temporal types arrive as text). */
struct hz_db_cell {
	bool        null;
	long long   i;
	const char *s;
	size_t      len;
};

struct hz_db_result {
	size_t             nrows;
	size_t             ncols;
	struct hz_db_cell *cells;       /* nrows * ncols */
	uint64_t           affected;
	uint64_t           insert_id;
};

#define HZ_CELL(r, row, col) (&(r)->cells[(row) * (r)->ncols + (col)])

/* Named columns. A module lists the columns of a row once, as an X-macro
 * of (NAME, "sql expression") pairs whose last entry uses the second
 * macro; the SELECT list and the enum of cell indices both come from it:
 *
 *     #define ROW(C, L) C(R_ID, "u.id") C(R_NAME, "u.name") L(R_PATH, "u.path")
 *     enum { ROW(HZ_COL_ENUM, HZ_COL_ENUM) R__NCOLS };
 *     ... "SELECT " ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) " FROM units u" ...
 *     HZ_CELL(&r, i, R_NAME)->s
 */
#define HZ_COL_ENUM(name, expr)     name,
#define HZ_COL_SQL(name, expr)      expr ", "
#define HZ_COL_SQL_LAST(name, expr) expr

/* Text of a cell, NULL for SQL NULL; an id, 0 for SQL NULL. */
#define HZ_TEXT(c) ((c)->null ? NULL : (c)->s)
#define HZ_ID(c)   ((c)->null ? (uint64_t)0 : (uint64_t)(c)->i)

struct hz_db;

struct hz_db  *hz_db_new(const struct hz_config *);
void           hz_db_free(struct hz_db *);
/* Connects if not connected (no more than once per 500 ms after a failure,
 * so a dead server costs a request nothing but an instant 503; guarded,
 * nothing at all while the breaker is open). */
enum hz_status hz_db_connect(struct hz_db *);
bool           hz_db_connected(const struct hz_db *);

/* Workers (before the first connect): every wait for the database is
 * bounded. No answer within db_stall_ms, and no new connection within
 * db_stall_check_ms either, and the call gives up (HZ_ERR_DB_UNAVAILABLE)
 * and opens the breaker every worker shares: for db_breaker_ms every call
 * is refused at once, then one worker tries the database again and closes
 * it on an answer. A slow statement or a lock wait on a server that
 * answers is waited for as before. db_stall_ms = 0: nothing changes.
 * Commands and the scheduler are not guarded (long timeouts). Details in
 * db.c. */
void           hz_db_guard(struct hz_db *);
/* Is the breaker open (the database not answering)? */
bool           hz_db_breaker_open(void);

/* Runs statement `idx` of `t` with `args`; rows (if any) land in `res`,
 * allocated from `a`. `res` may be NULL for statements without rows.
 * Outside a transaction, a statement that lost a deadlock or failed
 * Galera certification (ER_LOCK_DEADLOCK: rolled back whole) runs again,
 * up to HZ_DB_STATEMENT_RETRIES more times; then HZ_ERR_DB_RETRY. */
#define HZ_DB_STATEMENT_RETRIES 3
enum hz_status hz_db_run(struct hz_db *, hz_arena *a,
                         const struct hz_stmt_table *t, size_t idx,
                         const struct hz_db_arg *args, size_t nargs,
                         struct hz_db_result *res);

/* A purge in small batches: runs statement `idx` of `t` (an UPDATE or
 * DELETE ending in LIMIT `batch`) again while a run changes `batch` rows
 * (or more: a multi-table DELETE takes no LIMIT), at most `max_runs` times
 * (0: no limit), each run committed on its own (outside a transaction) so
 * that no lock is held long on a busy table.
 * Adds the rows changed to *total. HZ_DB_PURGE_BATCH is the LIMIT of the
 * purge jobs' statements. */
#define HZ_DB_PURGE_BATCH 5000
enum hz_status hz_db_run_batches(struct hz_db *, hz_arena *a,
                                 const struct hz_stmt_table *t, size_t idx,
                                 const struct hz_db_arg *args, size_t nargs,
                                 uint64_t batch, unsigned max_runs,
                                 unsigned long long *total);

/* db_sync_wait (Galera): a plain read (a SELECT without FOR UPDATE, LOCK
 * IN SHARE MODE or FOR SHARE) whose causal wait timed out runs again
 * without it, and its connection reads without it for 2 s (db.c). Is sql
 * such a read; is the wait paused on this connection now? */
bool           hz_db_plain_read(const char *sql);
bool           hz_db_sync_paused(const struct hz_db *);
/* Tests only: the next statement of this connection whose SQL is `sql`
 * (compared whole, e.g. "START TRANSACTION", "ROLLBACK") fails once with
 * server error `err` without being sent, as if the server had answered
 * so. For errors a single server cannot be made to give at will (a causal
 * wait timing out in START TRANSACTION; a failed ROLLBACK). */
void           hz_db_test_fault(struct hz_db *, const char *sql, unsigned err);
/* The same for the next `times` statements whose SQL is `sql`; with `ran`,
 * each of them runs first and only its answer is replaced by `err`, as if
 * lost on its way back (a COMMIT that committed, then 2013). */
void           hz_db_test_faults(struct hz_db *, const char *sql,
                                 unsigned err, unsigned times, bool ran);
/* How many of those faults have not fired yet. */
unsigned       hz_db_test_faults_left(const struct hz_db *);

/* Prepares and runs a one-off statement (migrations only: their SQL comes
 * from files in sql/, not from users). */
enum hz_status hz_db_run_sql(struct hz_db *, const char *sql, size_t len);

/* Runs fn inside a transaction (domain code uses hz_tx of ctx.h, whose
 * callbacks get the request context), committing on HZ_OK and rolling back
 * otherwise. Deadlocks and Galera certification failures (both reported
 * as ER_LOCK_DEADLOCK, by any statement or by the COMMIT) rerun fn, up
 * to HZ_DB_TX_ATTEMPTS attempts, and lock wait timeouts up to 4, so fn
 * must be safe to run again; past them, HZ_ERR_DB_RETRY (503 busy,
 * Retry-After: 1) and nothing was committed. Called inside a transaction,
 * fn simply joins it. */
#define HZ_DB_TX_ATTEMPTS 8
enum hz_status hz_db_tx(struct hz_db *,
                        enum hz_status (*fn)(struct hz_db *, void *),
                        void *ctx);
/* The last top-level transaction's COMMIT was sent and its answer lost:
 * error 1180 (Galera: the node left the primary component during the
 * commit; a full disk), a connection lost (2006, 2013...) or a wait given
 * up (stall, db_read_timeout) during the COMMIT. The transaction may have
 * committed or not; hz_db_tx returned HZ_ERR_DB_UNAVAILABLE all the same
 * (503), and a caller must not take that as "nothing was done". A failure
 * before the COMMIT, or a COMMIT the server refused (a deadlock, a
 * certification failure: rerun), leaves this false: nothing was done.
 * Cleared when the next top-level transaction begins, and when a commit
 * hook is set (hz_db_on_commit, not when it is removed). */
bool           hz_db_commit_unknown(const struct hz_db *);

/* A statement to run inside every top-level transaction of this
 * connection that wrote (a statement without a result set changed a
 * row), after its callback succeeded and just before its COMMIT, so that
 * it commits with the rest or not at all (core/idempotency.c marks the
 * Idempotency-Key's row so). A transaction that changed nothing (a
 * compare-and-set that matched no row) commits nothing and is not
 * marked. Its failure rolls the transaction back like the callback's (a
 * deadlock reruns both). fn NULL: none. */
typedef enum hz_status (*hz_db_commit_hook)(struct hz_db *, hz_arena *,
                                            void *arg);
void           hz_db_on_commit(struct hz_db *, hz_db_commit_hook fn,
                               void *arg);

/* The same at READ COMMITTED: every read sees the latest commit rather
 * than the transaction's first snapshot, and searches take no gap locks.
 * For transactions that decide under row locks they take themselves. */
enum hz_status hz_db_tx_read_committed(struct hz_db *,
                                       enum hz_status (*fn)(struct hz_db *,
                                                            void *),
                                       void *ctx);

/* The server's error number of the last failure (0 if none): for tests
 * and for logs. */
unsigned       hz_db_errno(const struct hz_db *);
/* MariaDB's words for that error, when a connection or a migration
 * statement (hz_db_run_sql) failed; "" otherwise. For operators' eyes
 * (the command line): not kept for other statements, whose messages
 * may quote values. */
const char    *hz_db_error(const struct hz_db *);

#endif
