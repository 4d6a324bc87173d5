/* Counters for GET /metrics (Prometheus text format 0.0.4), shared by every
 * process of one `huzu serve`.
 *
 * The master creates ONE shared-memory segment (memfd_create, ftruncate,
 * mmap MAP_SHARED) before it starts anything, and hands its descriptor to
 * the workers and the scheduler it execs (`--metrics-fd N`); they map it
 * too. Every generation of workers a reload starts gets the same segment,
 * so the counters live as long as the master. Updates are lock-free
 * relaxed atomic adds on uint64_t: no lock, no syscall, on the request
 * path.
 *
 * Without a segment (unit tests, admin commands, `huzu tick`) every call
 * is a no-op, so the hooks need no condition around them.
 *
 * Labels are bounded by construction: requests are counted by route
 * pattern (never the raw path), method and a fixed list of statuses
 * (others folded into their class, "4xx"); jobs by job name. Nothing a
 * caller typed ever becomes a label. */
#ifndef HZ_METRICS_H
#define HZ_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"

/* The counters without labels of their own (hz_metrics_inc). */
enum hz_metric {
	HZ_M_WORKER_STARTS,        /* a worker started (boot, respawn, reload) */
	HZ_M_WORKER_DEATHS,        /* died or exited unasked (then respawned) */
	HZ_M_SCHEDULER_STARTS,
	HZ_M_SCHEDULER_DEATHS,
	HZ_M_RELOADS,              /* SIGHUP accepted: a new generation */
	HZ_M_RELOADS_REFUSED,      /* SIGHUP refused: the old one kept */
	HZ_M_DB_CONNECTS,          /* connections opened */
	HZ_M_DB_CONNECT_FAILURES,  /* attempts that failed */
	HZ_M_DB_RECONNECTS,        /* opened by a process that had one before */
	HZ_M_DB_CONNECTIONS_LOST,  /* a statement found the connection dead */
	HZ_M_DB_ERRORS,            /* server errors answered as 500 */
	HZ_M_DB_RETRIES,           /* deadlocks and lock waits (retried) */
	HZ_M_DB_STALLS,            /* waits abandoned: the server stopped answering */
	HZ_M_DB_BREAKER_OPENS,     /* the breaker opened (closed → open) */
	HZ_M_DB_BREAKER_REFUSALS,  /* calls refused at once while it was open */
	HZ_M__MAX
};

/* The master, once, before it starts any child: creates and maps the
 * segment (start time = now). Returns its descriptor, inherited by exec
 * (no FD_CLOEXEC), or -1 (logged; the server runs without metrics). A
 * second call returns the same descriptor. */
int  hz_metrics_create(void);
/* The descriptor to pass as --metrics-fd (-1: none). */
int  hz_metrics_fd(void);
/* A child: maps the segment behind `fd` and closes fd. A segment of
 * another layout (a new binary after a reload) is not used: logged, and
 * this process counts nothing. fd < 0: nothing. Returns 0 when mapped. */
int  hz_metrics_attach(int fd);
/* Unmaps (tests; a process that ends needs not). The master also closes
 * its descriptor. */
void hz_metrics_detach(void);
bool hz_metrics_on(void);

void hz_metrics_inc(enum hz_metric);
/* One answered request. `key` is a small number naming (method, route) in
 * this process (the route's index in the table; anything below
 * HZ_METRICS_KEYS is cached, above is looked up by name every time);
 * `route` is the pattern ("" when no route matched), `usec` the time
 * taken. */
#define HZ_METRICS_KEYS 1024
void hz_metrics_request(size_t key, const char *method, const char *route,
                        int status, long long usec);
/* One run of a periodic job, at the wall clock's now. */
void hz_metrics_job(const char *name, bool ok);

/* The database breaker of db.c, shared by every worker of the server
 * (in the segment; a process without one has its own). Words of
 * CLOCK_MONOTONIC nanoseconds (system-wide, so comparable between
 * processes), read and written with atomics only. */
struct hz_breaker {
	uint64_t open_until;     /* 0: closed; else no call before this */
	uint64_t probe_until;    /* a worker's claim to try the database */
	uint64_t opened_at;      /* when it last opened (for the log) */
};
struct hz_breaker *hz_metrics_breaker(void);

/* Reading, for tests: a counter, and one request count (status as
 * counted: 404, or 499 folded into its class). 0 without a segment. */
uint64_t hz_metrics_get(enum hz_metric);
uint64_t hz_metrics_requests(const char *method, const char *route,
                             int status);

/* Appends every series held in the segment, in the text format, with
 * HELP and TYPE lines; `now` is the wall clock (the jobs' lag). Nothing
 * without a segment. */
void hz_metrics_render(struct hz_buf *, time_t now);

#endif
