/* `huzu scheduler` (started by the master only): the process that runs the
 * periodic jobs (core/scheduler.h) every scheduler_interval seconds while
 * it holds the lease. It holds the lease for as long as it lives, renewing
 * it a few times per lease period, so a standby on another host, trying
 * as often, takes over within scheduler_lease and a third of it (53 s by
 * default) of this one's death; a clean stop releases it at once.
 * Signals are taken synchronously, as in the master. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "crypto.h"
#include "ctx.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "scheduler.h"

static time_t
mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

int
hz_scheduler_main(const char *config_path)
{
	struct hz_config cfg;
	struct hz_keys keys;
	struct hz_refusal why;
	struct hz_ctx x = { 0 };
	struct hz_run_report rep;
	enum hz_log_level lvl;
	char err[256], holder[192];
	sigset_t set;
	siginfo_t si;
	time_t next_run, renew_every;
	bool held = false, was_held = false, warned = false;
	enum hz_status rc;

	if (hz_config_load(&cfg, config_path, err, sizeof(err)) != HZ_OK ||
	    hz_keys_load(&cfg, &keys, err, sizeof(err)) != HZ_OK) {
		hz_error("scheduler cannot start", "error=\"%s\"", err);
		return 1;
	}
	prctl(PR_SET_DUMPABLE, 0);
	/* Never outlive the master. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (hz_log_level_parse(cfg.log_level, &lvl) == 0)
		hz_log_set_level(lvl);
	if (hz_log_reopen(cfg.log_file) != 0)
		hz_error("cannot open the log file", "log_file=%s error=\"%s\"",
		    cfg.log_file, strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);     /* the log moved: reopen it */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	x.cfg = &cfg;
	x.keys = &keys;
	x.why = &why;
	x.request_id = "scheduler";
	if ((x.db = hz_db_new(&cfg)) == NULL ||
	    (x.arena = hz_arena_new(64 * 1024)) == NULL) {
		hz_error("scheduler cannot start", "error=\"%s\"", "no memory");
		return 1;
	}
	hz_json_use_arena(x.arena);
	/* Named after the master: the scheduler it respawns after a crash
	 * is the same holder and carries on at once, not a lease later. */
	hz_lease_holder(holder, sizeof(holder), (long)getppid());
	/* Renewed a few times per lease period, and at every run. */
	renew_every = cfg.scheduler_lease / 3 > 0 ? cfg.scheduler_lease / 3 : 1;
	if (renew_every > cfg.scheduler_interval)
		renew_every = cfg.scheduler_interval;
	hz_info("scheduler started", "holder=%s interval=%d lease=%d", holder,
	    cfg.scheduler_interval, cfg.scheduler_lease);

	next_run = mono();
	for (;;) {
		struct timespec wait;
		time_t t = mono(), left;
		int sig;

		rc = hz_lease_take(&x, HZ_LEASE_JOBS, holder,
		    cfg.scheduler_lease, &held);
		if (rc && !warned) {
			hz_warn("scheduler cannot reach the lease", "status=%s",
			    hz_status_str(rc));
			warned = true;
		} else if (rc == HZ_OK)
			warned = false;
		if (held != was_held)
			hz_info(held ? "scheduler lease taken" :
			    "scheduler lease held elsewhere", "holder=%s",
			    holder);
		was_held = held;
		if (held && t >= next_run) {
			x.now = time(NULL);
			(void)hz_scheduler_run(&x, holder, NULL, &rep);
			next_run += cfg.scheduler_interval;
			if (next_run <= mono())
				next_run = mono() + cfg.scheduler_interval;
		} else if (!held && t >= next_run)
			next_run = t + cfg.scheduler_interval;
		hz_arena_reset(x.arena);

		left = next_run - mono();
		wait.tv_sec = left < 1 ? 1 : left < renew_every ? left
		    : renew_every;
		wait.tv_nsec = 0;
		sig = sigtimedwait(&set, &si, &wait);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)
			break;
		if (sig == SIGUSR1 && hz_log_reopen(cfg.log_file) != 0)
			hz_error("cannot reopen the log file", "log_file=%s "
			    "error=\"%s\"", cfg.log_file, strerror(errno));
	}
	if (held && hz_lease_release(&x, HZ_LEASE_JOBS, holder) == HZ_OK)
		hz_info("scheduler lease released", "holder=%s", holder);
	hz_json_use_arena(NULL);
	hz_arena_free(x.arena);
	hz_db_free(x.db);
	sodium_memzero(&keys, sizeof(keys));
	sodium_memzero(&cfg.secrets, sizeof(cfg.secrets));
	hz_info("scheduler stopped", "holder=%s", holder);
	return 0;
}
