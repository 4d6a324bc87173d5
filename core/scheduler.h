/* The periodic jobs (DESIGN.md "Time-driven work") and the lease that lets
 * one runner at a time do them, across every host of a deployment.
 *
 * The lease is a row of scheduler_leases (sql/0009) with a holder
 * ("host:pid") and an expiry on the database's clock. hz_lease_take takes
 * it when it is free or expired, or renews it when the caller already
 * holds it, in one conditional UPDATE; a holder that dies loses it when it
 * expires (scheduler_lease seconds), and the next runner to ask takes it.
 *
 * Two runners use it:
 *  - the scheduler process of `huzu serve` (fcgi/pool.c) holds it for as
 *    long as it lives, renewing it well before it expires, runs the jobs
 *    every scheduler_interval seconds and releases it when it stops;
 *  - `huzu tick --now=T` takes it for one run at the jobs' clock T and
 *    releases it. While a live scheduler holds it, tick does not run (it
 *    may wait for it): two runners at once could send a text twice. */
#ifndef HZ_SCHEDULER_H
#define HZ_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"

#define HZ_LEASE_JOBS "jobs"

/* Takes or renews lease `name` for `holder` for `seconds`: *held says
 * whether the caller holds it now. A database error (a Galera
 * certification failure included) is returned and leaves *held false. */
enum hz_status hz_lease_take(const struct hz_ctx *, const char *name,
                             const char *holder, int seconds, bool *held);
/* Gives the lease up if `holder` holds it. */
enum hz_status hz_lease_release(const struct hz_ctx *, const char *name,
                                const char *holder);

struct hz_lease {
	const char *holder;          /* "" when free */
	long long   seconds_left;    /* <= 0: expired */
	const char *last_run_at;     /* RFC 3339, Shanghai; NULL: never */
};
enum hz_status hz_lease_get(const struct hz_ctx *, const char *name,
                            struct hz_lease *);

/* "host:pid" into buf: the scheduler names its master (a scheduler the
 * master respawns after a crash takes the lease back at once), tick
 * itself. */
const char *hz_lease_holder(char *buf, size_t n, long pid);

/* One periodic job: run(x, counts) fills up to three counts, named by
 * `counts` (NULL-ended), and is logged as one line. */
struct hz_job {
	const char *name;
	const char *counts[4];
	enum hz_status (*run)(const struct hz_ctx *, unsigned long long *n);
};
extern const struct hz_job hz_jobs[];
extern const size_t hz_njobs;

struct hz_run_report {
	size_t             njobs;
	size_t             failed;           /* jobs that returned an error */
	unsigned long long counts[16][3];    /* by job, as hz_jobs */
	enum hz_status     status[16];
};

/* Runs every job once at x->now, or only the one named `only` when it is
 * not NULL (the holder must hold the lease: it is renewed before each
 * job, and the run stops if it was lost, with HZ_ERR_CONFLICT). A failing
 * job is logged and the next one runs. */
enum hz_status hz_scheduler_run(const struct hz_ctx *, const char *holder,
                                const char *only, struct hz_run_report *);

#endif
