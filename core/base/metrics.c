/* The shared counters of GET /metrics (metrics.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

/* Bumped whenever the layout below changes: a worker of a new binary then
 * refuses the old master's segment rather than misread it. */
#define MAGIC   0x68757a756d657472ULL      /* "huzumetr" */
#define VERSION 2

#define ROUTES  384
#define JOBS    48
#define KEY_MAX 124

/* The statuses counted one by one; any other is folded into its class. */
static const int statuses[] = {
	200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 409, 410,
	413, 415, 422, 429, 500, 502, 503, 504,
};
#define NSTATUS  (sizeof(statuses) / sizeof(statuses[0]))
#define NCLASSES 6                 /* "1xx" .. "5xx", and "other" */
#define NCOUNTS  (NSTATUS + NCLASSES)

/* Request durations, global (not per route: 12 series, not 12 × routes),
 * upper bounds in microseconds; the last bucket is +Inf. */
static const long long bounds_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000,
};
static const char *const bounds_le[] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5",
};
#define NBUCKETS (sizeof(bounds_us) / sizeof(bounds_us[0]) + 1)

/* A slot named by a key, claimed once by whichever process needs it
 * first: state 0 free, 1 being named, 2 named (then never changes). */
struct head {
	uint32_t state;
	char     key[KEY_MAX];   /* routes: "METHOD pattern"; jobs: the name */
};

struct route_slot {
	struct head h;
	uint64_t    n[NCOUNTS];
};

struct job_slot {
	struct head h;
	uint64_t    runs;
	uint64_t    failures;
	uint64_t    last_run;        /* unix seconds */
};

struct seg {
	uint64_t          magic;
	uint64_t          version;
	uint64_t          size;
	uint64_t          started;   /* the master's start, unix seconds */
	uint64_t          c[HZ_M__MAX];
	uint64_t          bucket[NBUCKETS];   /* not cumulative */
	uint64_t          sum_us;
	/* Its own cache line: read on every statement, written only when
	 * the database stops or starts answering. */
	struct hz_breaker breaker __attribute__((aligned(64)));
	struct route_slot route[ROUTES] __attribute__((aligned(64)));
	struct job_slot   job[JOBS];
};

static struct seg *seg;
static int seg_fd = -1;
/* The breaker of a process without a segment (tests, commands). */
static struct hz_breaker own_breaker;
/* This process's (method, route) → slot + 1 (0: not looked up yet). */
static int16_t cache[HZ_METRICS_KEYS];

#define ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define GET(p)    __atomic_load_n((p), __ATOMIC_RELAXED)

static int
map(int fd)
{
	void *p = mmap(NULL, sizeof(struct seg), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -1;
	seg = p;
	memset(cache, 0, sizeof(cache));
	return 0;
}

int
hz_metrics_create(void)
{
	int fd;

	if (seg != NULL)
		return seg_fd;
	/* Not MFD_CLOEXEC: the children exec'd with --metrics-fd keep it. */
	if ((fd = memfd_create("huzu-metrics", 0)) < 0 ||
	    ftruncate(fd, (off_t)sizeof(struct seg)) != 0 || map(fd) != 0) {
		hz_warn("metrics off: no shared memory", "error=\"%s\"",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	seg->version = VERSION;
	seg->size = sizeof(struct seg);
	seg->started = (uint64_t)time(NULL);
	__atomic_store_n(&seg->magic, MAGIC, __ATOMIC_RELEASE);
	seg_fd = fd;
	return fd;
}

int
hz_metrics_fd(void)
{
	return seg_fd;
}

int
hz_metrics_attach(int fd)
{
	struct stat st;

	if (fd < 0)
		return -1;
	if (seg != NULL)
		hz_metrics_detach();
	if (fstat(fd, &st) != 0 || (size_t)st.st_size != sizeof(struct seg) ||
	    map(fd) != 0) {
		hz_warn("metrics off: the master's segment is of another "
		    "layout", "fd=%d", fd);
		close(fd);
		return -1;
	}
	close(fd);
	if (__atomic_load_n(&seg->magic, __ATOMIC_ACQUIRE) != MAGIC ||
	    seg->version != VERSION || seg->size != sizeof(struct seg)) {
		hz_warn("metrics off: the master's segment is of another "
		    "layout", "version=%llu", (unsigned long long)seg->version);
		munmap(seg, sizeof(struct seg));
		seg = NULL;
		return -1;
	}
	return 0;
}

void
hz_metrics_detach(void)
{
	if (seg != NULL)
		munmap(seg, sizeof(struct seg));
	seg = NULL;
	if (seg_fd >= 0)
		close(seg_fd);
	seg_fd = -1;
	memset(cache, 0, sizeof(cache));
}

bool
hz_metrics_on(void)
{
	return seg != NULL;
}

void
hz_metrics_inc(enum hz_metric m)
{
	if (seg != NULL && (unsigned)m < HZ_M__MAX)
		ADD(&seg->c[m], 1);
}

struct hz_breaker *
hz_metrics_breaker(void)
{
	return seg != NULL ? &seg->breaker : &own_breaker;
}

uint64_t
hz_metrics_get(enum hz_metric m)
{
	return seg != NULL && (unsigned)m < HZ_M__MAX ? GET(&seg->c[m]) : 0;
}

/* The slot named `key` among n heads `stride` bytes apart, claimed if no
 * slot has that name yet; -1 when all are taken. Two processes naming the
 * same key at once: one claims, the other waits for the name and finds
 * it. */
static int
slot(void *base, size_t stride, int n, const char *key, bool claim)
{
	char k[KEY_MAX];

	snprintf(k, sizeof(k), "%s", key);
	for (int i = 0; i < n; i++) {
		struct head *h = (struct head *)((char *)base + (size_t)i * stride);
		uint32_t st = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);

		if (st == 0) {
			uint32_t zero = 0;

			if (!claim)
				return -1;
			if (__atomic_compare_exchange_n(&h->state, &zero, 1,
			    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				memcpy(h->key, k, sizeof(k));
				__atomic_store_n(&h->state, 2, __ATOMIC_RELEASE);
				return i;
			}
			st = zero;
		}
		while (st == 1) {
			sched_yield();
			st = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
		}
		if (strcmp(h->key, k) == 0)
			return i;
	}
	return -1;
}

static size_t
status_index(int status)
{
	for (size_t i = 0; i < NSTATUS; i++)
		if (statuses[i] == status)
			return i;
	if (status >= 100 && status <= 599)
		return NSTATUS + (size_t)(status / 100 - 1);
	return NSTATUS + NCLASSES - 1;
}

static int
route_slot(const char *method, const char *route, bool claim)
{
	char key[KEY_MAX];

	snprintf(key, sizeof(key), "%s %s", method ? method : "-",
	    route ? route : "");
	return slot(seg->route, sizeof(seg->route[0]), ROUTES, key, claim);
}

void
hz_metrics_request(size_t key, const char *method, const char *route,
                   int status, long long usec)
{
	size_t b = 0;
	int i;

	if (seg == NULL)
		return;
	if (key < HZ_METRICS_KEYS && cache[key] > 0)
		i = cache[key] - 1;
	else if ((i = route_slot(method, route, true)) >= 0 &&
	    key < HZ_METRICS_KEYS)
		cache[key] = (int16_t)(i + 1);
	if (i >= 0)
		ADD(&seg->route[i].n[status_index(status)], 1);
	if (usec < 0)
		usec = 0;
	while (b < NBUCKETS - 1 && usec > bounds_us[b])
		b++;
	ADD(&seg->bucket[b], 1);
	ADD(&seg->sum_us, (uint64_t)usec);
}

uint64_t
hz_metrics_requests(const char *method, const char *route, int status)
{
	int i;

	if (seg == NULL || (i = route_slot(method, route, false)) < 0)
		return 0;
	return GET(&seg->route[i].n[status_index(status)]);
}

void
hz_metrics_job(const char *name, bool ok)
{
	int i;

	if (seg == NULL ||
	    (i = slot(seg->job, sizeof(seg->job[0]), JOBS, name, true)) < 0)
		return;
	ADD(&seg->job[i].runs, 1);
	if (!ok)
		ADD(&seg->job[i].failures, 1);
	__atomic_store_n(&seg->job[i].last_run, (uint64_t)time(NULL),
	    __ATOMIC_RELAXED);
}

/* --- The text format. ------------------------------------------------------ */

static void
family(struct hz_buf *b, const char *name, const char *type, const char *help)
{
	hz_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, quote and newline escaped. */
static void
label(struct hz_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		if (s[i] == '\\' || s[i] == '"')
			hz_buf_printf(b, "\\%c", s[i]);
		else if (s[i] == '\n')
			hz_buf_puts(b, "\\n");
		else
			hz_buf_append(b, &s[i], 1);
	}
}

static const struct {
	const char *name, *labels, *help;
	enum hz_metric m;
} scalars[] = {
	{ "huzu_worker_starts_total", NULL, "Workers started: at boot, after "
	  "a death (a restart) and by reloads.", HZ_M_WORKER_STARTS },
	{ "huzu_worker_deaths_total", NULL, "Workers that died or exited "
	  "unasked; each one is restarted.", HZ_M_WORKER_DEATHS },
	{ "huzu_scheduler_starts_total", NULL, "Scheduler processes started.",
	  HZ_M_SCHEDULER_STARTS },
	{ "huzu_scheduler_deaths_total", NULL, "Scheduler processes that died "
	  "or exited unasked; each one is restarted.", HZ_M_SCHEDULER_DEATHS },
	{ "huzu_reloads_total", "result=\"accepted\"", "Reloads (SIGHUP) by "
	  "result: accepted (a new generation of workers) or refused (the "
	  "running one kept).", HZ_M_RELOADS },
	{ "huzu_reloads_total", "result=\"refused\"", NULL,
	  HZ_M_RELOADS_REFUSED },
	{ "huzu_db_connects_total", "result=\"ok\"", "Database connection "
	  "attempts by result.", HZ_M_DB_CONNECTS },
	{ "huzu_db_connects_total", "result=\"failed\"", NULL,
	  HZ_M_DB_CONNECT_FAILURES },
	{ "huzu_db_reconnects_total", NULL, "Connections opened by a process "
	  "that had one before (after a lost connection).", HZ_M_DB_RECONNECTS },
	{ "huzu_db_connections_lost_total", NULL, "Statements that found the "
	  "database connection gone.", HZ_M_DB_CONNECTIONS_LOST },
	{ "huzu_db_errors_total", NULL, "Database errors other than a lost "
	  "connection, a duplicate or a deadlock (each one answered 500).",
	  HZ_M_DB_ERRORS },
	{ "huzu_db_retries_total", NULL, "Deadlocks and lock wait timeouts "
	  "(the transaction is run again).", HZ_M_DB_RETRIES },
	{ "huzu_db_stalls_total", NULL, "Waits for the database a worker "
	  "gave up: no answer within db_stall_ms and no new connection "
	  "within db_stall_check_ms (each one answered 503).", HZ_M_DB_STALLS },
	{ "huzu_db_breaker_opens_total", NULL, "Times the database breaker "
	  "opened: the database stopped answering, and requests were refused "
	  "at once until it answered again.", HZ_M_DB_BREAKER_OPENS },
	{ "huzu_db_breaker_refusals_total", NULL, "Database calls refused at "
	  "once (503) because the breaker was open.",
	  HZ_M_DB_BREAKER_REFUSALS },
};

static void
status_label(struct hz_buf *b, size_t i)
{
	static const char *const classes[NCLASSES] = {
		"1xx", "2xx", "3xx", "4xx", "5xx", "other",
	};

	if (i < NSTATUS)
		hz_buf_printf(b, "%d", statuses[i]);
	else
		hz_buf_puts(b, classes[i - NSTATUS]);
}

static void
render_requests(struct hz_buf *b)
{
	uint64_t cum = 0;

	family(b, "huzu_requests_total", "counter", "Requests answered, by "
	    "route pattern (\"\" when no route matched), method and status "
	    "(statuses not listed are folded into their class, e.g. 4xx).");
	for (int i = 0; i < ROUTES; i++) {
		struct route_slot *r = &seg->route[i];
		const char *sp;

		/* Slots are claimed in order: the first free one ends the
		 * list; one being named is skipped (counted next time). */
		uint32_t st = __atomic_load_n(&r->h.state, __ATOMIC_ACQUIRE);

		if (st == 0)
			break;
		if (st != 2)
			continue;
		if ((sp = memchr(r->h.key, ' ', sizeof(r->h.key))) == NULL)
			continue;
		for (size_t s = 0; s < NCOUNTS; s++) {
			uint64_t v = GET(&r->n[s]);

			if (v == 0)
				continue;
			hz_buf_puts(b, "huzu_requests_total{route=\"");
			label(b, sp + 1, sizeof(r->h.key) - (size_t)(sp + 1 -
			    r->h.key));
			hz_buf_puts(b, "\",method=\"");
			label(b, r->h.key, (size_t)(sp - r->h.key));
			hz_buf_puts(b, "\",status=\"");
			status_label(b, s);
			hz_buf_printf(b, "\"} %llu\n", (unsigned long long)v);
		}
	}
	family(b, "huzu_request_duration_seconds", "histogram", "Time from "
	    "the request's arrival at a worker to its answer, every route.");
	for (size_t i = 0; i < NBUCKETS; i++) {
		cum += GET(&seg->bucket[i]);
		hz_buf_printf(b, "huzu_request_duration_seconds_bucket"
		    "{le=\"%s\"} %llu\n", i < NBUCKETS - 1 ? bounds_le[i] :
		    "+Inf", (unsigned long long)cum);
	}
	{
		uint64_t us = GET(&seg->sum_us);

		hz_buf_printf(b, "huzu_request_duration_seconds_sum %llu.%06llu\n"
		    "huzu_request_duration_seconds_count %llu\n",
		    (unsigned long long)(us / 1000000),
		    (unsigned long long)(us % 1000000), (unsigned long long)cum);
	}
}

static void
render_jobs(struct hz_buf *b, time_t now)
{
	static const char *const names[3] = {
		"huzu_scheduler_job_runs_total",
		"huzu_scheduler_job_failures_total",
		"huzu_scheduler_job_lag_seconds",
	};
	static const char *const types[3] = { "counter", "counter", "gauge" };
	static const char *const helps[3] = {
		"Runs of each periodic job.",
		"Runs of each periodic job that failed.",
		("Seconds since each periodic job last ran (ran at all: a "
		"failed run counts)."),
	};

	for (int f = 0; f < 3; f++) {
		family(b, names[f], types[f], helps[f]);
		for (int i = 0; i < JOBS; i++) {
			struct job_slot *j = &seg->job[i];
			long long v;

			uint32_t st = __atomic_load_n(&j->h.state,
			    __ATOMIC_ACQUIRE);

			if (st == 0)
				break;
			if (st != 2)
				continue;
			v = f == 0 ? (long long)GET(&j->runs) : f == 1 ?
			    (long long)GET(&j->failures) :
			    (long long)now - (long long)GET(&j->last_run);
			if (f == 2 && v < 0)
				v = 0;
			hz_buf_printf(b, "%s{job=\"", names[f]);
			label(b, j->h.key, sizeof(j->h.key));
			hz_buf_printf(b, "\"} %lld\n", v);
		}
	}
}

void
hz_metrics_render(struct hz_buf *b, time_t now)
{
	family(b, "huzu_build_info", "gauge", "The running binary's version "
	    "(always 1).");
	hz_buf_printf(b, "huzu_build_info{version=\"%s\"} 1\n", HUZU_VERSION);
	if (seg == NULL)
		return;
	family(b, "huzu_start_time_seconds", "gauge", "When the master "
	    "process started, unix seconds (counters count from then).");
	hz_buf_printf(b, "huzu_start_time_seconds %llu\n",
	    (unsigned long long)seg->started);
	render_requests(b);
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		if (scalars[i].help != NULL)
			family(b, scalars[i].name, "counter", scalars[i].help);
		hz_buf_printf(b, "%s%s%s%s %llu\n", scalars[i].name,
		    scalars[i].labels ? "{" : "",
		    scalars[i].labels ? scalars[i].labels : "",
		    scalars[i].labels ? "}" : "",
		    (unsigned long long)GET(&seg->c[scalars[i].m]));
	}
	family(b, "huzu_db_breaker_open", "gauge", "1 while the database "
	    "breaker is open (the database is not answering), else 0.");
	hz_buf_printf(b, "huzu_db_breaker_open %d\n",
	    GET(&seg->breaker.open_until) != 0);
	render_jobs(b, now);
}
