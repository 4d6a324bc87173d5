#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "health.h"
#include "log.h"

enum { STMT_PING, STMT_NODE, STMT_GALERA, STMT_PLAIN, STMT__MAX };

/* STMT_NODE: every MariaDB server built with wsrep (all Linux builds since
 * 10.1) knows wsrep_on, and a SELECT without tables is answered even by a
 * Galera node that is not ready; but not with db_sync_wait, whose causal
 * wait fails on a node cut off from the cluster: not for this one.
 * STMT_GALERA only runs on a Galera node: one round trip more there, none
 * elsewhere (SHOW does not wait). */
static const char *const sql[STMT__MAX] = {
	/* The readiness check of a new worker (a reload): a node cut off
	 * from the cluster refuses a causal read, and a reload must not. */
	[STMT_PING]   = "SET STATEMENT wsrep_sync_wait = 0 FOR SELECT 1",
	[STMT_NODE]   = "SET STATEMENT wsrep_sync_wait = 0 FOR"
	    " SELECT 1, @@GLOBAL.wsrep_on",
	[STMT_GALERA] = "SHOW GLOBAL STATUS WHERE Variable_name IN"
	    " ('wsrep_ready', 'wsrep_local_state',"
	    " 'wsrep_local_state_comment', 'wsrep_cluster_size')",
	/* A server built without wsrep knows neither wsrep_sync_wait nor
	 * wsrep_on (ER_UNKNOWN_SYSTEM_VARIABLE): not a Galera node. */
	[STMT_PLAIN]  = "SELECT 1, 0",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("health", sql);

/* wsrep_local_state of a node that serves: Synced. */
#define SYNCED 4
/* How a Galera node that is not ready refuses a statement:
 * ER_UNKNOWN_COM_ERROR ("WSREP has not yet prepared node for application
 * use"), or ER_LOCK_WAIT_TIMEOUT for a causal read (wsrep_sync_wait) on a
 * node cut off from the primary component. */
#define WSREP_NOT_READY  1047
#define WSREP_NO_CAUSAL  1205
/* ER_UNKNOWN_SYSTEM_VARIABLE: a server without wsrep. */
#define NO_WSREP         1193

/* Per worker. A server found without wsrep is not asked about it again
 * for a minute (each asking logs a db error). A Galera node's state is
 * read at most once a second: a flood of /health costs one SHOW GLOBAL
 * STATUS a second, and a desync shows within that second. While it is
 * not ready, the warning is logged once every 10 s. */
#define NO_WSREP_MS     60000
#define NODE_CACHE_MS   1000
#define WARN_EVERY_MS   10000

static long long no_wsrep_until;    /* hz_mono_ms(); 0: never */
static struct {
	bool            valid;
	long long       at;                 /* hz_mono_ms() */
	struct hz_health h;
	char            state[64];
} node_cache;
static long long warned_at;
static bool warned;

static bool
no_wsrep(void)
{
	return no_wsrep_until != 0 && hz_mono_ms() < no_wsrep_until;
}

static void
set_no_wsrep(void)
{
	no_wsrep_until = hz_mono_ms() + NO_WSREP_MS;
}

/* Once every WARN_EVERY_MS per worker. */
static bool
warn_now(void)
{
	if (warned && hz_mono_ms() - warned_at < WARN_EVERY_MS)
		return false;
	warned = true;
	warned_at = hz_mono_ms();
	return true;
}

void
hz_health_forget(void)
{
	node_cache.valid = false;
	no_wsrep_until = 0;
	warned = false;
}

static const struct hz_refusal not_synced = {
	HZ_ERR_DB_UNAVAILABLE, "db_not_synced", NULL,
	"服务暂时不可用，请稍后重试", 5,
};

enum hz_status
hz_health_check(struct hz_db *db, hz_arena *a)
{
	struct hz_db_result r;
	enum hz_status rc;

	if (no_wsrep())
		rc = hz_db_run(db, a, &stmts, STMT_PLAIN, HZ_NO_ARGS, &r);
	else if ((rc = hz_db_run(db, a, &stmts, STMT_PING, HZ_NO_ARGS, &r)) ==
	    HZ_ERR_DB && hz_db_errno(db) == NO_WSREP) {
		set_no_wsrep();
		rc = hz_db_run(db, a, &stmts, STMT_PLAIN, HZ_NO_ARGS, &r);
	}
	if (rc != HZ_OK)
		return rc;
	return r.nrows == 1 && HZ_CELL(&r, 0, 0)->i == 1 ? HZ_OK : HZ_ERR_DB;
}

/* A cell that is 1/ON (a number or text, as the server typed it). */
static bool
cell_on(const struct hz_db_cell *c)
{
	if (c->null)
		return false;
	if (c->s == NULL)
		return c->i != 0;
	return strcmp(c->s, "1") == 0 || strcasecmp(c->s, "ON") == 0;
}

static int
cell_int(const struct hz_db_cell *c, int unknown)
{
	char *end;
	long v;

	if (c->null)
		return unknown;
	if (c->s == NULL)
		return (int)c->i;
	v = strtol(c->s, &end, 10);
	return end != c->s && *end == '\0' && v >= 0 && v < 1 << 20 ?
	    (int)v : unknown;
}

void
hz_health_galera_read(const struct hz_db_result *r, struct hz_health *h)
{
	h->galera = true;
	h->wsrep_ready = false;
	h->local_state = -1;
	h->state = NULL;
	h->cluster_size = 0;
	for (size_t i = 0; r->ncols >= 2 && i < r->nrows; i++) {
		const struct hz_db_cell *n = HZ_CELL(r, i, 0);
		const struct hz_db_cell *v = HZ_CELL(r, i, 1);

		if (n->null || n->s == NULL)
			continue;
		if (strcasecmp(n->s, "wsrep_ready") == 0)
			h->wsrep_ready = cell_on(v);
		else if (strcasecmp(n->s, "wsrep_local_state") == 0)
			h->local_state = cell_int(v, -1);
		else if (strcasecmp(n->s, "wsrep_local_state_comment") == 0)
			h->state = HZ_TEXT(v);
		else if (strcasecmp(n->s, "wsrep_cluster_size") == 0)
			h->cluster_size = cell_int(v, 0);
	}
	h->ready = h->wsrep_ready && h->local_state == SYNCED;
}

/* core/base/db.c tells 1047 as HZ_ERR_DB_UNAVAILABLE (keeping the
 * connection: without one, the errno may be an earlier statement's), 1205
 * as HZ_ERR_DB_RETRY. */
static bool
not_ready(const struct hz_db *db, enum hz_status rc)
{
	return (rc == HZ_ERR_DB || rc == HZ_ERR_DB_RETRY ||
	    (rc == HZ_ERR_DB_UNAVAILABLE && hz_db_connected(db))) &&
	    (hz_db_errno(db) == WSREP_NOT_READY ||
	    hz_db_errno(db) == WSREP_NO_CAUSAL);
}

/* Refused as a whole: a Galera node, not ready, its state not known. */
static enum hz_status
refuse_not_ready(const struct hz_ctx *x, struct hz_health *h)
{
	h->galera = true;
	h->ready = false;
	if (warn_now())
		hz_warn("galera node not ready", "errno=%u",
		    hz_db_errno(x->db));
	return hz_refuse(x, &not_synced);
}

enum hz_status
hz_health_node(const struct hz_ctx *x, struct hz_health *h)
{
	struct hz_db_result r;
	enum hz_status rc;

	memset(h, 0, sizeof(*h));
	h->local_state = -1;
	if (no_wsrep())
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_PLAIN, HZ_NO_ARGS,
		    &r);
	else if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_NODE,
	    HZ_NO_ARGS, &r)) == HZ_ERR_DB && hz_db_errno(x->db) == NO_WSREP) {
		set_no_wsrep();
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_PLAIN, HZ_NO_ARGS,
		    &r);
	}
	if (rc != HZ_OK && not_ready(x->db, rc))
		return refuse_not_ready(x, h);
	if (rc != HZ_OK)
		return rc == HZ_ERR_DB_UNAVAILABLE ? rc : HZ_ERR_DB;
	if (r.nrows != 1 || r.ncols != 2 || HZ_CELL(&r, 0, 0)->i != 1)
		return HZ_ERR_DB;
	if (!cell_on(HZ_CELL(&r, 0, 1)))
		return HZ_OK;
	h->galera = true;
	if (node_cache.valid && hz_mono_ms() - node_cache.at < NODE_CACHE_MS) {
		*h = node_cache.h;
		if (h->state != NULL)
			h->state = hz_arena_strdup(x->arena, node_cache.state);
	} else {
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_GALERA,
		    HZ_NO_ARGS, &r);
		if (rc != HZ_OK && not_ready(x->db, rc))
			return refuse_not_ready(x, h);
		if (rc != HZ_OK)
			return rc;
		hz_health_galera_read(&r, h);
		node_cache.h = *h;
		snprintf(node_cache.state, sizeof(node_cache.state), "%s",
		    h->state != NULL ? h->state : "");
		if (h->state != NULL)
			node_cache.h.state = node_cache.state;
		node_cache.valid = true;
		node_cache.at = hz_mono_ms();
	}
	if (h->ready)
		return HZ_OK;
	if (warn_now())
		hz_warn("galera node not ready", "wsrep_ready=%s local_state=%d"
		    " state=\"%s\" cluster_size=%d",
		    h->wsrep_ready ? "ON" : "OFF", h->local_state,
		    h->state != NULL ? h->state : "", h->cluster_size);
	return hz_refuse(x, &not_synced);
}
