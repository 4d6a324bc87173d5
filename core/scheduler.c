#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkin_days.h"
#include "checkins.h"
#include "checklists.h"
#include "clock.h"
#include "complaints.h"
#include "idempotency.h"
#include "log.h"
#include "login.h"
#include "metrics.h"
#include "outbox.h"
#include "retention.h"
#include "session.h"
#include "scheduler.h"
#include "shifts.h"
#include "uploads.h"

enum { STMT_TAKE, STMT_SEED, STMT_RELEASE, STMT_GET, STMT_RAN, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	/* Free, expired or ours: take or renew it. acquired_at is set
	 * before holder (MariaDB assigns left to right). */
	[STMT_TAKE] =
	    "UPDATE scheduler_leases SET"
	    " acquired_at = IF(holder = ? AND expires_at >= NOW(3),"
	    "  acquired_at, NOW(3)),"
	    " holder = ?, expires_at = NOW(3) + INTERVAL ? SECOND,"
	    " renewals = renewals + 1"
	    " WHERE name = ? AND (holder = ? OR holder = ''"
	    "  OR expires_at < NOW(3))",
	/* The migration made the row; this puts it back if it was lost. */
	[STMT_SEED] = "INSERT IGNORE INTO scheduler_leases (name) VALUES (?)",
	[STMT_RELEASE] =
	    "UPDATE scheduler_leases SET holder = '', expires_at = NOW(3)"
	    " WHERE name = ? AND holder = ?",
	[STMT_GET] =
	    "SELECT holder, TIMESTAMPDIFF(SECOND, NOW(3), expires_at),"
	    " last_run_at FROM scheduler_leases WHERE name = ?",
	[STMT_RAN] =
	    "UPDATE scheduler_leases SET last_run_at = FROM_UNIXTIME(?)"
	    " WHERE name = ? AND holder = ?",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("scheduler", sql);

enum hz_status
hz_lease_take(const struct hz_ctx *x, const char *name, const char *holder,
              int seconds, bool *held)
{
	struct hz_db_result r;
	struct hz_db_arg h = HZ_ARG_STR(holder);
	enum hz_status rc;

	/* Held only on an UPDATE that changed the row and committed: one
	 * that failed Galera certification (retried by the server and by
	 * hz_db_run, then finding another holder, or an error) leaves it
	 * false. Every time compared is the database's NOW(3): on a cluster,
	 * that of the node asked, so the nodes' clocks must agree to well
	 * within the two thirds of a lease between renewals (NTP does). */
	*held = false;
	if (holder[0] == '\0')
		return HZ_ERR_INTERNAL;
	for (int i = 0; i < 2; i++) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TAKE,
		    HZ_ARGS(h, h, HZ_ARG_I64(seconds), HZ_ARG_STR(name), h),
		    &r)))
			return rc;
		if ((*held = r.affected == 1) || i == 1)
			break;
		/* Not taken: held elsewhere, or no row at all. */
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SEED,
		    HZ_ARGS(HZ_ARG_STR(name)), &r)))
			return rc;
		if (r.affected == 0)
			break;
	}
	return HZ_OK;
}

enum hz_status
hz_lease_release(const struct hz_ctx *x, const char *name, const char *holder)
{
	return hz_db_run(x->db, x->arena, &stmts, STMT_RELEASE,
	    HZ_ARGS(HZ_ARG_STR(name), HZ_ARG_STR(holder)), NULL);
}

enum hz_status
hz_lease_get(const struct hz_ctx *x, const char *name, struct hz_lease *l)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_STR(name)), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	l->holder = HZ_CELL(&r, 0, 0)->s;
	l->seconds_left = HZ_CELL(&r, 0, 1)->i;
	l->last_run_at = hz_time_local(x->arena, HZ_TEXT(HZ_CELL(&r, 0, 2)));
	return HZ_OK;
}

const char *
hz_lease_holder(char *buf, size_t n, long pid)
{
	char host[128];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, n, "%s:%ld", host, pid);
	return buf;
}

/* --- The jobs. ------------------------------------------------------------ */

/* Purges keep their own clocks (retention periods on the database's
 * clock), not x->now: a tick in the future must not delete today's rows. */
static enum hz_status
job_purge_checkins(const struct hz_ctx *x, unsigned long long *n)
{
	return hz_checkins_purge(x, x->cfg->checkin_retention_days, &n[0]);
}

static enum hz_status
job_purge_logins(const struct hz_ctx *x, unsigned long long *n)
{
	return hz_login_purge(x, &n[0]);
}

static enum hz_status
job_erase_tenancies(const struct hz_ctx *x, unsigned long long *n)
{
	return hz_tenancies_erase(x, x->cfg->tenancy_retention_days, &n[0]);
}

/* The one job that can last: it claims each text before sending it and
 * stops starting sends after a third of the lease (outbox.h), so a slow
 * gateway neither outlasts the lease nor, if it did, sends twice. */
static enum hz_status
job_outbox(const struct hz_ctx *x, unsigned long long *n)
{
	struct hz_outbox_counts c;
	enum hz_status rc = hz_outbox_run(x, &c);

	n[0] = c.sent;
	n[1] = c.silent;
	n[2] = c.failed;
	return rc;
}

/* In the order they run: escalation and closing first, so that the
 * notifications they queue go out in the same run. */
const struct hz_job hz_jobs[] = {
	{ "complaints_escalate", { "escalated" }, hz_complaints_escalate_due },
	{ "complaints_autoclose", { "closed" }, hz_complaints_autoclose },
	{ "shift_reminders", { "shifts", "volunteers" }, hz_shifts_remind },
	{ "shift_close", { "shifts", "no_shows", "pauses" }, hz_shifts_close },
	{ "checklists_issue", { "lists", "entries" }, hz_checklists_issue },
	{ "outbox", { "sent", "no_phone", "failed" }, job_outbox },
	{ "purge_logins", { "deleted" }, job_purge_logins },
	{ "purge_refresh_grace", { "cleared" }, hz_session_purge },
	{ "purge_checkins", { "deleted" }, job_purge_checkins },
	{ "checkin_days", { "rows", "dropped" }, hz_checkin_days_job },
	/* Before the refresh tokens: it reads the expired ones. */
	{ "purge_sessions", { "ended", "deleted" }, hz_sessions_purge },
	{ "purge_refresh_tokens", { "deleted" }, hz_refresh_purge },
	{ "erase_tenancies", { "erased" }, job_erase_tenancies },
	{ "purge_idempotency", { "deleted" }, hz_idempotency_purge },
	{ "purge_uploads", { "deleted" }, hz_uploads_purge },
};
const size_t hz_njobs = sizeof(hz_jobs) / sizeof(hz_jobs[0]);

enum hz_status
hz_scheduler_run(const struct hz_ctx *x, const char *holder, const char *only,
                 struct hz_run_report *rep)
{
	struct timespec t0, t1;
	char line[160];
	bool held;
	enum hz_status rc;

	memset(rep, 0, sizeof(*rep));
	for (size_t i = 0; i < hz_njobs && i < 16; i++) {
		const struct hz_job *j = &hz_jobs[i];
		unsigned long long *n = rep->counts[i];
		size_t len = 0;

		if (only != NULL && strcmp(j->name, only) != 0)
			continue;
		/* Renewed before every job: a run that outlives the lease
		 * stops rather than overlap the next holder's. */
		if ((rc = hz_lease_take(x, HZ_LEASE_JOBS, holder,
		    x->cfg->scheduler_lease, &held)) || !held) {
			hz_warn("scheduler lease lost", "job=%s", j->name);
			return rc ? rc : HZ_ERR_CONFLICT;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = j->run(x, n);
		hz_refuse_clear(x);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rep->status[i] = rc;
		hz_metrics_job(j->name, rc == HZ_OK);
		rep->njobs = i + 1;
		line[0] = '\0';
		for (size_t k = 0; k < 3 && j->counts[k] &&
		    len < sizeof(line); k++)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%s=%llu", k ? " " : "", j->counts[k], n[k]);
		if (rc) {
			rep->failed++;
			/* A lock it could not get (a migration holding a
			 * table, a long transaction) is the next run's. */
			hz_log(rc == HZ_ERR_DB_RETRY ? HZ_LOG_WARN :
			    HZ_LOG_ERROR, "job failed",
			    "job=%s %s status=%s ms=%lld",
			    j->name, line, hz_status_str(rc),
			    (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
			    (t1.tv_nsec - t0.tv_nsec) / 1000000));
		} else
			hz_info("job", "job=%s %s ms=%lld", j->name, line,
			    (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
			    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
	(void)hz_db_run(x->db, x->arena, &stmts, STMT_RAN,
	    HZ_ARGS(HZ_ARG_I64((long long)x->now), HZ_ARG_STR(HZ_LEASE_JOBS),
	    HZ_ARG_STR(holder)), NULL);
	return rep->failed ? HZ_ERR_INTERNAL : HZ_OK;
}
