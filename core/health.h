#ifndef HZ_HEALTH_H
#define HZ_HEALTH_H

#include <stdbool.h>

#include "arena.h"
#include "ctx.h"
#include "db.h"

/* HZ_OK when the database answers a query now (a new worker's readiness:
 * a Galera node that is not synced still answers). */
enum hz_status hz_health_check(struct hz_db *, hz_arena *);

/* What /health says of the database node. On a server that is not a
 * Galera node (wsrep_on OFF) only `galera` is set (false). */
struct hz_health {
	bool        galera;        /* a Galera node (wsrep_on) */
	bool        ready;         /* wsrep_ready ON and wsrep_local_state 4 */
	bool        wsrep_ready;   /* wsrep_ready ON (false: not known) */
	int         local_state;   /* wsrep_local_state: 4 Synced, 2 Donor/
	                            * Desynced, 1 Joining...; -1 not known */
	const char *state;         /* wsrep_local_state_comment, or NULL */
	int         cluster_size;  /* wsrep_cluster_size; 0 not known */
};

/* /health: HZ_OK when the database answers and, on a Galera node, the
 * node is ready to serve (wsrep_ready ON and wsrep_local_state 4,
 * Synced); the refusal db_not_synced (503, Retry-After) when a Galera node
 * is not (a node that joins, gives a state transfer, was desynced, or is
 * cut off from the primary component: a balancer takes it out);
 * HZ_ERR_DB_UNAVAILABLE when the database does not answer. `h` says what
 * was seen (strings in x->arena). */
enum hz_status hz_health_node(const struct hz_ctx *x, struct hz_health *h);
/* Per worker, a Galera node's state is read once a second at most (a
 * flood of /health runs one SHOW GLOBAL STATUS a second), and a server
 * without wsrep (error 1193 for its variables: not a Galera node) is not
 * asked again for a minute. Forgets both (tests). */
void hz_health_forget(void);

/* The Galera part of hz_health_node: rows (name, value) of SHOW GLOBAL
 * STATUS into `h`, ready or not (for the unit tests). */
void hz_health_galera_read(const struct hz_db_result *, struct hz_health *h);

#endif
