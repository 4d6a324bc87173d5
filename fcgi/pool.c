/* The master process (the PHP-FPM model, without PHP). It never talks to
 * the database and never handles a request; it only keeps the right number
 * of workers alive, and one scheduler process beside them when
 * scheduler_enabled (not a worker: it runs the periodic jobs,
 * fcgi/schedproc.c). Signals are taken synchronously with sigtimedwait,
 * so there are no async handlers and no races in here.
 *
 * Every generation of workers (and the scheduler) reads one snapshot of
 * the config file, taken when it was accepted (a memfd, passed as
 * -c /dev/fd/N): a worker respawned after a crash reads what its
 * generation read, never a file edited since. A reload (SIGHUP) starts a
 * pending generation whose workers each report on a pipe (HUZU_READY_FD)
 * that they reached the database, or why not; only when all of them have,
 * within db_connect_timeout + READY_SLACK seconds, is the old generation
 * told to finish. Otherwise the new one is stopped and the old one keeps
 * serving with its config. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mman.h>
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
/* Seconds a new worker may take beyond db_connect_timeout to report. */
#define READY_SLACK 5

struct slot {
	pid_t  pid;
	int    generation;
	time_t started;
	bool   ready;                           /* pending generation only */
};

/* A reload being decided. */
struct pending {
	int               gen;                  /* 0: none */
	struct hz_config  cfg;
	int               conf_fd;              /* its config snapshot */
	int               ready_r, ready_w;     /* the workers' reports */
	time_t            deadline;             /* monotonic */
	char              buf[1024];
	size_t            len;
};

struct master {
	const char       *exe;
	const char       *config_path;
	struct hz_config  cfg;
	int               listen_fd;
	int               generation;
	int               last_gen;             /* numbers are never reused */
	struct slot       w[MAX_WORKERS * 3];   /* current, retiring, pending */
	int               respawn_due;          /* deaths not yet replaced */
	pid_t             sched;                /* the scheduler; 0: none */
	time_t            sched_started;
	int               sched_due;            /* to be (re)started */
	int               conf_fd;              /* the running config */
	struct pending    p;
	bool              reload_again;         /* a HUP while one was pending */
};

static time_t
mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

/* A copy of the config file in memory, read once: what a generation's
 * workers all load. -1 (err set) when the file cannot be read. */
static int
conf_snapshot(const char *path, char *err, size_t errlen)
{
	char buf[8192];
	ssize_t n;
	int in, out;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((out = memfd_create("huzu.conf", MFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "memfd: %s", strerror(errno));
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(in);
			close(out);
			return -1;
		}
	}
	close(in);
	return out;
}

static void
fd_path(char *buf, size_t n, int fd)
{
	snprintf(buf, n, "/dev/fd/%d", fd);
}

/* Loads the config (and checks its secrets) from a snapshot of the file
 * `name`; an error about the snapshot (/dev/fd/N:14: ...) names the file. */
static int
conf_load(struct hz_config *c, int fd, const char *name, char *err,
          size_t errlen)
{
	struct hz_keys keys;
	char path[32], named[512];
	size_t k;
	int ok;

	fd_path(path, sizeof(path), fd);
	ok = hz_config_load(c, path, err, errlen) == HZ_OK &&
	    hz_keys_load(c, &keys, err, errlen) == HZ_OK;
	k = strlen(path);
	if (!ok && strncmp(err, path, k) == 0 && (err[k] == ':' ||
	    err[k] == '\0')) {
		size_t n;

		snprintf(named, sizeof(named), "%s%s", name, err + k);
		/* Cut to the caller's buffer, as the error was. */
		n = strnlen(named, errlen - 1);
		memcpy(err, named, n);
		err[n] = '\0';
	}
	sodium_memzero(&keys, sizeof(keys));
	/* The master needs no secret at all: its workers read their own. */
	sodium_memzero(&c->secrets, sizeof(c->secrets));
	return ok ? 0 : -1;
}

/* In a child between fork and exec: a copy of `fd` it keeps across exec,
 * as /dev/fd/N in `buf`. */
static void
child_conf(char *buf, size_t n, int fd)
{
	int c = dup(fd);

	fd_path(buf, n, c < 0 ? fd : c);
}

/* The signal mask of a child until its exec'd program takes its signals
 * over: SIGUSR1 stays blocked (its default would kill it), to be taken
 * once the program is ready for it. */
static void
child_sigmask(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

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
spawn(struct master *m, int gen)
{
	char fdarg[16], conf[32], ready[16], mfd[16];
	struct slot *s = NULL;
	bool pending = m->p.gen != 0 && gen == m->p.gen;
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
		child_sigmask();
		child_conf(conf, sizeof(conf), pending ? m->p.conf_fd
		    : m->conf_fd);
		if (pending) {
			snprintf(ready, sizeof(ready), "%d", dup(m->p.ready_w));
			setenv("HUZU_READY_FD", ready, 1);
		} else
			unsetenv("HUZU_READY_FD");
		execl(m->exe, "huzu", "worker", "-c", conf,
		    "--listen-fd", fdarg, "--metrics-fd", mfd, (char *)NULL);
		hz_error("exec failed", "exe=%s error=\"%s\"", m->exe,
		    strerror(errno));
		_exit(127);
	}
	s->pid = pid;
	s->generation = gen;
	s->started = time(NULL);
	s->ready = false;
	hz_metrics_inc(HZ_M_WORKER_STARTS);
	return 0;
}

/* The scheduler: exec'd like a worker, so that SIGHUP gives it the new
 * binary and config too. */
static int
spawn_scheduler(struct master *m)
{
	char conf[32], mfd[16];
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
		child_sigmask();
		close(m->listen_fd);
		unsetenv("HUZU_READY_FD");
		child_conf(conf, sizeof(conf), m->conf_fd);
		snprintf(mfd, sizeof(mfd), "%d", hz_metrics_fd());
		execl(m->exe, "huzu", "scheduler", "-c", conf,
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

static void pending_end(struct master *m);
static void pending_read(struct master *m);

/* The pending generation is refused: its workers are told to finish (the
 * ones already serving answer what they hold), the running generation
 * and its config stay. */
static void
refuse(struct master *m, const char *reason)
{
	char q[512];

	hz_error("reload refused, keeping the running generation",
	    "reason=%s generation=%d", hz_log_quote(q, sizeof(q), reason, 400),
	    m->generation);
	hz_metrics_inc(HZ_M_RELOADS_REFUSED);
	signal_gen(m, m->p.gen, SIGTERM);
	pending_end(m);
}

/* Reaps exited workers; a death in the current generation (not one we
 * asked for) is logged and scheduled for a respawn; one in the pending
 * generation refuses the reload. */
static void
reap(struct master *m, int stopping)
{
	char why[160];
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
			if (!stopping && m->p.gen != 0 &&
			    s->generation == m->p.gen) {
				/* Its own report first: it says why. */
				pending_read(m);
				if (m->p.gen == 0)
					break;
				if (WIFSIGNALED(status))
					snprintf(why, sizeof(why), "new worker "
					    "%ld died (signal %d)", (long)pid,
					    WTERMSIG(status));
				else
					snprintf(why, sizeof(why), "new worker "
					    "%ld exited (code %d)", (long)pid,
					    WEXITSTATUS(status));
				refuse(m, why);
				break;
			}
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
				spawn(m, m->generation);
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
pending_end(struct master *m)
{
	struct pending *p = &m->p;

	if (p->gen == 0)
		return;
	close(p->ready_r);
	close(p->ready_w);
	if (p->conf_fd >= 0)
		close(p->conf_fd);
	sodium_memzero(&p->cfg, sizeof(p->cfg));
	p->gen = 0;
	p->conf_fd = -1;
	p->len = 0;
	for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++)
		m->w[i].ready = false;
}

/* The pending generation has proved it can serve: it becomes the running
 * one, the old one is told to finish, the scheduler is replaced. */
static void
accept_pending(struct master *m)
{
	struct pending *p = &m->p;
	enum hz_log_level lvl;
	int old = m->generation;

	if (strcmp(p->cfg.socket, m->cfg.socket) != 0)
		hz_warn("socket change needs a restart", "socket=%s",
		    m->cfg.socket);
	if (strcmp(p->cfg.pid_file, m->cfg.pid_file) != 0)
		hz_warn("pid_file change needs a restart", "pid_file=%s",
		    m->cfg.pid_file);
	memcpy(p->cfg.socket, m->cfg.socket, sizeof(p->cfg.socket));
	memcpy(p->cfg.pid_file, m->cfg.pid_file, sizeof(p->cfg.pid_file));
	m->cfg = p->cfg;
	close(m->conf_fd);
	m->conf_fd = p->conf_fd;
	p->conf_fd = -1;
	m->generation = p->gen;
	pending_end(m);
	if (hz_log_level_parse(m->cfg.log_level, &lvl) == 0)
		hz_log_set_level(lvl);
	if (hz_log_reopen(m->cfg.log_file) != 0)
		hz_error("cannot open the log file", "log_file=%s error=\"%s\"",
		    m->cfg.log_file, strerror(errno));
	m->respawn_due = 0;
	signal_gen(m, old, SIGTERM);
	/* The scheduler is replaced once the old one has stopped. */
	if (m->sched > 0) {
		m->sched_due = 1;
		kill(m->sched, SIGTERM);
	} else
		spawn_scheduler(m);
	hz_info("reloaded", "workers=%d generation=%d", m->cfg.workers,
	    m->generation);
	hz_metrics_inc(HZ_M_RELOADS);
}

/* One report of a pending worker: "ready PID" or "failed PID REASON". */
static void
pending_line(struct master *m, char *line)
{
	char *end;
	long pid;
	bool ok = strncmp(line, "ready ", 6) == 0;

	if (!ok && strncmp(line, "failed ", 7) != 0)
		return;
	pid = strtol(line + (ok ? 6 : 7), &end, 10);
	if (!ok) {
		/* The pipe is this reload's own: whoever wrote it is one of
		 * its workers, reaped already or not. */
		char why[400];

		snprintf(why, sizeof(why), "new worker %ld: %s", pid,
		    *end == ' ' ? end + 1 : "failed");
		refuse(m, why);
		return;
	}
	for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++)
		if (m->w[i].pid == pid && m->w[i].generation == m->p.gen)
			m->w[i].ready = true;
}

/* Reads the pending workers' reports that have arrived. */
static void
pending_read(struct master *m)
{
	struct pending *p = &m->p;

	while (p->gen != 0) {
		ssize_t n = read(p->ready_r, p->buf + p->len,
		    sizeof(p->buf) - 1 - p->len);
		char *nl;

		if (n <= 0)
			return;
		p->len += (size_t)n;
		while (p->gen != 0 && (nl = memchr(p->buf, '\n', p->len))) {
			size_t used = (size_t)(nl - p->buf) + 1;

			*nl = '\0';
			pending_line(m, p->buf);
			if (p->gen == 0)
				return;
			memmove(p->buf, p->buf + used, p->len - used);
			p->len -= used;
		}
		if (p->len == sizeof(p->buf) - 1)
			p->len = 0;         /* no line that long is ours */
	}
}

/* Decides the pending reload when it can be: every new worker ready, or
 * the deadline passed. */
static void
pending_check(struct master *m)
{
	struct pending *p = &m->p;
	char why[160];
	int ready = 0, n = 0;

	pending_read(m);
	if (p->gen == 0)
		return;
	for (size_t i = 0; i < sizeof(m->w) / sizeof(m->w[0]); i++)
		if (m->w[i].pid > 0 && m->w[i].generation == p->gen) {
			n++;
			ready += m->w[i].ready;
		}
	if (n == p->cfg.workers && ready == n) {
		accept_pending(m);
		return;
	}
	if (mono() >= p->deadline) {
		snprintf(why, sizeof(why), "%d of %d new workers not ready "
		    "after %d s", p->cfg.workers - ready, p->cfg.workers,
		    p->cfg.db_connect_timeout + READY_SLACK);
		refuse(m, why);
	}
}

/* SIGHUP: reads the config file once more (a new snapshot) and starts a
 * pending generation on it. The running one is untouched until the new
 * one is accepted. */
static void
reload(struct master *m)
{
	struct pending *p = &m->p;
	char err[256];
	int fds[2];

	if (p->gen != 0) {
		/* Decided first; the file is read again after. */
		m->reload_again = true;
		hz_info("reload pending, another follows it", "generation=%d",
		    p->gen);
		return;
	}
	m->reload_again = false;
	if ((p->conf_fd = conf_snapshot(m->config_path, err, sizeof(err))) < 0 ||
	    conf_load(&p->cfg, p->conf_fd, m->config_path, err,
	    sizeof(err)) != 0) {
		char q[300];

		if (p->conf_fd >= 0)
			close(p->conf_fd);
		p->conf_fd = -1;
		sodium_memzero(&p->cfg, sizeof(p->cfg));
		hz_error("reload refused, keeping the running generation",
		    "reason=%s generation=%d", hz_log_quote(q, sizeof(q), err,
		    256), m->generation);
		hz_metrics_inc(HZ_M_RELOADS_REFUSED);
		return;
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		hz_error("reload refused, keeping the running generation",
		    "reason=\"pipe: %s\" generation=%d", strerror(errno),
		    m->generation);
		hz_metrics_inc(HZ_M_RELOADS_REFUSED);
		close(p->conf_fd);
		p->conf_fd = -1;
		return;
	}
	p->ready_r = fds[0];
	p->ready_w = fds[1];
	p->len = 0;
	p->gen = ++m->last_gen;
	p->deadline = mono() + p->cfg.db_connect_timeout + READY_SLACK;
	hz_info("reloading", "workers=%d generation=%d", p->cfg.workers,
	    p->gen);
	for (int i = 0; i < p->cfg.workers; i++)
		if (spawn(m, p->gen) != 0) {
			refuse(m, "cannot start the new workers");
			return;
		}
}

/* The pid file: refused when it names a live huzu (another master). */
static int
pidfile_busy(const char *path)
{
	char buf[32], comm[64];
	FILE *f;
	long pid = 0;
	int busy = 0;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL)
		pid = strtol(buf, NULL, 10);
	fclose(f);
	if (pid > 1 && pid != (long)getpid() && kill((pid_t)pid, 0) == 0) {
		snprintf(buf, sizeof(buf), "/proc/%ld/comm", pid);
		if ((f = fopen(buf, "re")) != NULL) {
			busy = fgets(comm, sizeof(comm), f) != NULL &&
			    strncmp(comm, "huzu", 4) == 0;
			fclose(f);
		}
	}
	if (busy)
		fprintf(stderr, "huzu: %s names huzu serve %ld, still running "
		    "(stop it first, or remove the file if it is not "
		    "huzu serve)\n", path, pid);
	return busy;
}

/* Written whole under another name, then renamed: never half a pid. */
static int
pidfile_write(const char *path)
{
	char tmp[HZ_PATH_MAX + 16];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "we")) == NULL)
		return -1;
	ok = fprintf(f, "%ld\n", (long)getpid()) > 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Removed only while it is still ours. */
static void
pidfile_remove(const char *path)
{
	char buf[32];
	FILE *f;

	if (*path == '\0' || (f = fopen(path, "re")) == NULL)
		return;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    strtol(buf, NULL, 10) == (long)getpid())
		unlink(path);
	fclose(f);
}

int
hz_serve(const char *exe, const char *config_path)
{
	struct master m = { .exe = exe, .config_path = config_path,
	    .p = { .conf_fd = -1 } };
	enum hz_log_level lvl;
	char err[256];
	sigset_t set;
	siginfo_t si;
	int stopping = 0;
	time_t deadline = 0, respawned = 0;

	/* Checked here once so a bad secrets file stops the start, rather
	 * than every worker dying at birth. */
	if ((m.conf_fd = conf_snapshot(config_path, err, sizeof(err))) < 0 ||
	    conf_load(&m.cfg, m.conf_fd, config_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "huzu: %s\n", err);
		return 1;
	}
	prctl(PR_SET_DUMPABLE, 0);
	if (hz_log_level_parse(m.cfg.log_level, &lvl) == 0)
		hz_log_set_level(lvl);
	/* Said on the terminal, before stderr becomes log_file. */
	if (m.cfg.pid_file[0] != '\0' && pidfile_busy(m.cfg.pid_file))
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	FCGX_Init();
	if ((m.listen_fd = open_socket(&m)) < 0)
		return 1;
	if (hz_log_reopen(m.cfg.log_file) != 0) {
		fprintf(stderr, "huzu: cannot open log_file %s: %s\n",
		    m.cfg.log_file, strerror(errno));
		close(m.listen_fd);
		unlink(m.cfg.socket);
		return 1;
	}
	if (m.cfg.pid_file[0] != '\0' && pidfile_write(m.cfg.pid_file) != 0) {
		hz_error("cannot write the pid file", "pid_file=%s error=\"%s\"",
		    m.cfg.pid_file, strerror(errno));
		close(m.listen_fd);
		unlink(m.cfg.socket);
		return 1;
	}
	/* The counters of GET /metrics: one segment for every generation. */
	(void)hz_metrics_create();
	for (int i = 0; i < m.cfg.workers; i++)
		spawn(&m, m.generation);
	spawn_scheduler(&m);
	hz_info("serving", "socket=%s workers=%d scheduler=%d", m.cfg.socket,
	    m.cfg.workers, m.sched > 0);

	for (;;) {
		/* Short ticks while new workers are reporting. */
		struct timespec tick = { m.p.gen ? 0 : 1, m.p.gen ? 50000000 : 0 };
		int sig = sigtimedwait(&set, &si, &tick);

		if (sig == SIGCHLD)
			reap(&m, stopping);
		else if ((sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) &&
		    !stopping) {
			stopping = 1;
			deadline = time(NULL) + m.cfg.drain_timeout;
			hz_info("draining", "workers=%d", count_all(&m));
			/* A pending generation goes too, undecided. */
			signal_gen(&m, -1, SIGTERM);
			pending_end(&m);
			if (m.sched > 0)
				kill(m.sched, SIGTERM);
		} else if (sig == SIGHUP && !stopping)
			reload(&m);
		else if (sig == SIGUSR1) {
			/* logrotate moved the file: a new one, for all. */
			if (hz_log_reopen(m.cfg.log_file) != 0)
				hz_error("cannot reopen the log file",
				    "log_file=%s error=\"%s\"", m.cfg.log_file,
				    strerror(errno));
			else if (m.cfg.log_file[0] != '\0')
				hz_info("log reopened", "log_file=%s",
				    m.cfg.log_file);
			signal_gen(&m, -1, SIGUSR1);
			if (m.sched > 0)
				kill(m.sched, SIGUSR1);
		}

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
		if (m.p.gen != 0)
			pending_check(&m);
		if (m.p.gen == 0 && m.reload_again)
			reload(&m);
		/* Deaths at birth are replaced once a second, not in a loop
		 * (ticks are shorter while a reload is pending). */
		if (sig < 0 && time(NULL) != respawned) {
			respawned = time(NULL);
			while (m.respawn_due > 0) {
				m.respawn_due--;
				spawn(&m, m.generation);
			}
			if (m.sched_due && m.sched == 0)
				spawn_scheduler(&m);
		}
		/* A lost fork. */
		while (count_gen(&m, m.generation) + m.respawn_due <
		    m.cfg.workers && spawn(&m, m.generation) == 0)
			;
	}
	close(m.listen_fd);
	unlink(m.cfg.socket);
	pidfile_remove(m.cfg.pid_file);
	hz_info("stopped", "%s", "");
	return 0;
}
