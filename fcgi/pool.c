/* The master process (the PHP-FPM model, without PHP). It never talks to
 * the database and never handles a request; it only keeps the right number
 * of workers alive, and one scheduler process beside them when
 * scheduler_enabled (not a worker: it runs the periodic jobs,
 * fcgi/schedproc.c). Signals are taken synchronously with sigtimedwait,
 * so there are no async handlers and no races in here. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"

#define MAX_WORKERS 256

struct slot {
	pid_t  pid;
	int    generation;
	time_t started;
};

struct master {
	const char       *exe;
	const char       *config_path;
	struct hz_config  cfg;
	int               listen_fd;
	int               generation;
	struct slot       w[MAX_WORKERS * 2];   /* current and retiring */
	int               respawn_due;          /* deaths not yet replaced */
	pid_t             sched;                /* the scheduler; 0: none */
	time_t            sched_started;
	int               sched_due;            /* to be (re)started */
};

static int
count_gen(const struct master *m, int gen)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++)
		if (m->w[i].pid > 0 && m->w[i].generation == gen)
			n++;
	return n;
}

static int
count_all(const struct master *m)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++)
		n += m->w[i].pid > 0;
	return n;
}

static int
spawn(struct master *m)
{
	char fdarg[16], mfd[16];
	struct slot *s = NULL;
	sigset_t none;
	pid_t pid;

	for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++)
		if (m->w[i].pid == 0) {
			s = &m->w[i];
			break;
		}
	if (s == NULL)
		return -1;
	snprintf(fdarg, sizeof(fdarg), "%d", m->listen_fd);
	snprintf(mfd, sizeof(mfd), "%d", hz_metrics_fd());
	if ((pid = fork()) < 0) {
		hz_error("fork failed", "error=\"%s\"", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Workers are exec'd, not just forked: SIGHUP then picks up
		 * a new binary as well as a new config. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl(m->exe, "huzu", "worker", "-c", m->config_path,
		    "--listen-fd", fdarg, "--metrics-fd", mfd, (char *)NULL);
		hz_error("exec failed", "exe=%s error=\"%s\"", m->exe,
		    strerror(errno));
		_exit(127);
	}
	s->pid = pid;
	s->generation = m->generation;
	s->started = time(NULL);
	hz_metrics_inc(HZ_M_WORKER_STARTS);
	return 0;
}

/* The scheduler: exec'd like a worker, so that SIGHUP gives it the new
 * binary and config too. */
static int
spawn_scheduler(struct master *m)
{
	char mfd[16];
	sigset_t none;
	pid_t pid;

	m->sched_due = 0;
	if (!m->cfg.scheduler_enabled || m->sched > 0)
		return 0;
	if ((pid = fork()) < 0) {
		hz_error("fork failed", "error=\"%s\"", strerror(errno));
		m->sched_due = 1;
		return -1;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(m->listen_fd);
		snprintf(mfd, sizeof(mfd), "%d", hz_metrics_fd());
		execl(m->exe, "huzu", "scheduler", "-c", m->config_path,
		    "--metrics-fd", mfd, (char *)NULL);
		hz_error("exec failed", "exe=%s error=\"%s\"", m->exe,
		    strerror(errno));
		_exit(127);
	}
	m->sched = pid;
	m->sched_started = time(NULL);
	hz_metrics_inc(HZ_M_SCHEDULER_STARTS);
	return 0;
}

/* A scheduler that died is started again, on the next tick if it died at
 * once; one asked to stop (a reload) is replaced when it is gone, so that
 * two never run side by side. */
static void
reap_scheduler(struct master *m, int status, int stopping)
{
	m->sched = 0;
	if (stopping)
		return;
	if (!m->sched_due)
		hz_metrics_inc(HZ_M_SCHEDULER_DEATHS);
	if (m->sched_due) {
		hz_info("scheduler retired", "%s", "action=restart");
	} else if (WIFSIGNALED(status))
		hz_error("scheduler died", "signal=%d action=respawn",
		    WTERMSIG(status));
	else
		hz_error("scheduler exited", "code=%d action=respawn",
		    WEXITSTATUS(status));
	if (!m->sched_due && time(NULL) - m->sched_started < 1)
		m->sched_due = 1;
	else
		spawn_scheduler(m);
}

static void
signal_gen(struct master *m, int gen, int sig)
{
	for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++)
		if (m->w[i].pid > 0 && (gen < 0 || m->w[i].generation == gen))
			kill(m->w[i].pid, sig);
}

/* Reaps exited workers; a death in the current generation (not one we
 * asked for) is logged and scheduled for a respawn. */
static void
reap(struct master *m, int stopping)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m->sched) {
			reap_scheduler(m, status, stopping);
			continue;
		}
		for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++) {
			struct slot *s = &m->w[i];

			if (s->pid != pid)
				continue;
			s->pid = 0;
			if (stopping || s->generation != m->generation) {
				hz_info("worker retired", "worker=%ld",
				    (long)pid);
				break;
			}
			hz_metrics_inc(HZ_M_WORKER_DEATHS);
			if (WIFSIGNALED(status))
				hz_error("worker died", "worker=%ld signal=%d "
				    "action=respawn", (long)pid,
				    WTERMSIG(status));
			else
				hz_error("worker exited", "worker=%ld code=%d "
				    "action=respawn", (long)pid,
				    WEXITSTATUS(status));
			/* A worker that dies at once (bad config, database
			 * refusing logins...) is respawned on the next tick,
			 * not in a tight loop. */
			if (time(NULL) - s->started < 1)
				m->respawn_due++;
			else
				spawn(m);
			break;
		}
	}
}

/* A live socket at `path` means another master is serving it. */
static int
socket_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return r;
}

static int
open_socket(struct master *m)
{
	const struct hz_config *c = &m->cfg;
	mode_t old;
	int fd, fl;

	if (socket_in_use(c->socket)) {
		hz_error("socket already served by another process",
		    "socket=%s", c->socket);
		return -1;
	}
	unlink(c->socket);
	/* Create the socket with its final permissions: no window in which
	 * it is world-connectable. */
	old = umask(0777 & ~(mode_t)c->socket_mode);
	fd = FCGX_OpenSocket(c->socket, c->backlog);
	umask(old);
	if (fd < 0) {
		hz_error("cannot open socket", "socket=%s error=\"%s\"",
		    c->socket, strerror(errno));
		return -1;
	}
	if (c->socket_group[0] != '\0') {
		struct group *g = getgrnam(c->socket_group);
		if (g == NULL || chown(c->socket, (uid_t)-1, g->gr_gid) != 0) {
			hz_error("cannot give the socket to its group",
			    "group=%s", c->socket_group);
			close(fd);
			return -1;
		}
	}
	if (chmod(c->socket, (mode_t)c->socket_mode) != 0) {
		close(fd);
		return -1;
	}
	/* Non-blocking: several workers poll it and only one wins each
	 * connection; the losers get EAGAIN instead of sleeping in accept. */
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fl = fcntl(fd, F_GETFD);
	fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	return fd;
}

static void
reload(struct master *m)
{
	struct hz_config next;
	char err[256];
	int old = m->generation;

	struct hz_keys keys;

	if (hz_config_load(&next, m->config_path, err, sizeof(err)) != HZ_OK ||
	    hz_keys_load(&next, &keys, err, sizeof(err)) != HZ_OK) {
		hz_error("reload refused, keeping the running config",
		    "error=\"%s\"", err);
		hz_metrics_inc(HZ_M_RELOADS_REFUSED);
		return;
	}
	if (strcmp(next.socket, m->cfg.socket) != 0)
		hz_warn("socket change needs a restart", "socket=%s",
		    m->cfg.socket);
	sodium_memzero(&keys, sizeof(keys));
	memcpy(next.socket, m->cfg.socket, sizeof(next.socket));
	m->cfg = next;
	sodium_memzero(&next, sizeof(next));
	sodium_memzero(&m->cfg.secrets, sizeof(m->cfg.secrets));
	/* New generation first, old one second: the listen socket never
	 * goes unserved, so no request is dropped. */
	m->generation++;
	m->respawn_due = 0;
	for (int i = 0; i < m->cfg.workers; i++)
		spawn(m);
	signal_gen(m, old, SIGTERM);
	/* The scheduler is replaced once the old one has stopped. */
	if (m->sched > 0) {
		m->sched_due = 1;
		kill(m->sched, SIGTERM);
	} else
		spawn_scheduler(m);
	hz_info("reloading", "workers=%d generation=%d", m->cfg.workers,
	    m->generation);
	hz_metrics_inc(HZ_M_RELOADS);
}

int
hz_serve(const char *exe, const char *config_path)
{
	struct master m = { .exe = exe, .config_path = config_path };
	enum hz_log_level lvl;
	char err[256];
	sigset_t set;
	siginfo_t si;
	int stopping = 0;
	time_t deadline = 0;

	struct hz_keys keys;

	/* Checked here once so a bad secrets file stops the start, rather
	 * than every worker dying at birth. */
	if (hz_config_load(&m.cfg, config_path, err, sizeof(err)) != HZ_OK ||
	    hz_keys_load(&m.cfg, &keys, err, sizeof(err)) != HZ_OK) {
		fprintf(stderr, "huzu: %s\n", err);
		return 1;
	}
	/* The master needs no secret at all: its workers read their own. */
	sodium_memzero(&keys, sizeof(keys));
	sodium_memzero(&m.cfg.secrets, sizeof(m.cfg.secrets));
	prctl(PR_SET_DUMPABLE, 0);
	if (hz_log_level_parse(m.cfg.log_level, &lvl) == 0)
		hz_log_set_level(lvl);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	FCGX_Init();
	if ((m.listen_fd = open_socket(&m)) < 0)
		return 1;
	/* The counters of GET /metrics: one segment for every generation. */
	(void)hz_metrics_create();
	for (int i = 0; i < m.cfg.workers; i++)
		spawn(&m);
	spawn_scheduler(&m);
	hz_info("serving", "socket=%s workers=%d scheduler=%d", m.cfg.socket,
	    m.cfg.workers, m.sched > 0);

	for (;;) {
		struct timespec tick = { 1, 0 };
		int sig = sigtimedwait(&set, &si, &tick);

		if (sig == SIGCHLD)
			reap(&m, stopping);
		else if ((sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) &&
		    !stopping) {
			stopping = 1;
			deadline = time(NULL) + m.cfg.drain_timeout;
			hz_info("draining", "workers=%d", count_all(&m));
			signal_gen(&m, -1, SIGTERM);
			if (m.sched > 0)
				kill(m.sched, SIGTERM);
		} else if (sig == SIGHUP && !stopping)
			reload(&m);

		if (stopping) {
			reap(&m, stopping);
			if (count_all(&m) == 0 && m.sched == 0)
				break;
			if (time(NULL) >= deadline) {
				hz_warn("drain timeout, killing", "workers=%d",
				    count_all(&m));
				signal_gen(&m, -1, SIGKILL);
				if (m.sched > 0)
					kill(m.sched, SIGKILL);
				deadline = time(NULL) + 5;
			}
			continue;
		}
		while (m.respawn_due > 0 && sig < 0) {
			m.respawn_due--;
			spawn(&m);
		}
		if (m.sched_due && m.sched == 0 && sig < 0)
			spawn_scheduler(&m);
		/* A HUP that raised the count, or a lost fork. */
		while (count_gen(&m, m.generation) + m.respawn_due <
		    m.cfg.workers && spawn(&m) == 0)
			;
	}
	close(m.listen_fd);
	unlink(m.cfg.socket);
	hz_info("stopped", "%s", "");
	return 0;
}
