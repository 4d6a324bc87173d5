#include "unit.h"
#include "dbfixture.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backlog.h"
#include "metrics.h"
#include "scheduler.h"

static const char *
render(void)
{
	static hz_arena *a;
	struct hz_buf b;

	if (a == NULL)
		assert_non_null(a = hz_arena_new(64 * 1024));
	hz_buf_init(&b, a);
	hz_metrics_render(&b, time(NULL));
	hz_buf_append(&b, "", 1);
	assert_false(b.oom);
	return b.data;
}

/* The value of the line that starts with `series` (name and labels, as
 * rendered), or -1 when there is none. */
static long long
value(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return atoll(p + n + 1);
	return -1;
}

static int
lines_of(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		n += strncmp(p, prefix, len) == 0;
	return n;
}

static void
without_a_segment_nothing_happens(void **state)
{
	const char *t;

	(void)state;
	assert_false(hz_metrics_on());
	assert_int_equal(hz_metrics_fd(), -1);
	hz_metrics_inc(HZ_M_DB_ERRORS);
	hz_metrics_request(0, "GET", "/api/v1/version", 200, 10);
	hz_metrics_job("outbox", true);
	assert_int_equal(hz_metrics_get(HZ_M_DB_ERRORS), 0);
	assert_int_equal(hz_metrics_requests("GET", "/api/v1/version", 200), 0);
	t = render();
	assert_non_null(strstr(t, "huzu_build_info{version=\"" HUZU_VERSION
	    "\"} 1\n"));
	assert_null(strstr(t, "huzu_requests_total"));
	assert_int_equal(hz_metrics_attach(-1), -1);
}

/* The worker's case: the master's descriptor, mapped again after exec. */
static void
a_second_mapping_sees_the_same_counters(void **state)
{
	int fd, again;

	(void)state;
	assert_true((fd = hz_metrics_create()) >= 0);
	assert_int_equal(hz_metrics_create(), fd);     /* once per master */
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	hz_metrics_inc(HZ_M_RELOADS);
	hz_metrics_inc(HZ_M_RELOADS);
	hz_metrics_request(3, "GET", "/api/v1/units/{id}", 200, 1500);
	assert_true((again = dup(fd)) >= 0);
	hz_metrics_detach();
	assert_false(hz_metrics_on());
	assert_int_equal(hz_metrics_attach(again), 0);
	assert_true(hz_metrics_on());
	assert_int_equal(hz_metrics_get(HZ_M_RELOADS), 2);
	assert_int_equal(hz_metrics_requests("GET", "/api/v1/units/{id}", 200),
	    1);
	/* Attaching closed the descriptor it was given. */
	assert_int_equal(fcntl(again, F_GETFD), -1);
	hz_metrics_detach();
}

/* Four children (as four workers) and the parent count at once: every
 * count lands, and every (route, status) has one slot, however many
 * processes named it first at the same moment. */
static void
counts_add_up_across_processes(void **state)
{
	enum { KIDS = 4, N = 20000 };
	pid_t kids[KIDS];
	const char *t;
	int fd, st;

	(void)state;
	assert_true((fd = hz_metrics_create()) >= 0);
	for (int k = 0; k < KIDS; k++) {
		assert_true((kids[k] = fork()) >= 0);
		if (kids[k] == 0) {
			/* As after exec: a mapping of its own. */
			if (hz_metrics_attach(dup(fd)) != 0)
				_exit(1);
			for (int i = 0; i < N; i++) {
				hz_metrics_request((size_t)(i % 3), "GET",
				    i % 3 == 0 ? "/a" : i % 3 == 1 ? "/b" : "/c",
				    i % 2 ? 200 : 404, 2000);
				hz_metrics_inc(HZ_M_DB_ERRORS);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < N; i++) {
		hz_metrics_request(SIZE_MAX, "GET", "/a", 200, 2000);
		hz_metrics_inc(HZ_M_DB_ERRORS);
	}
	for (int k = 0; k < KIDS; k++) {
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(hz_metrics_get(HZ_M_DB_ERRORS), (KIDS + 1) * N);
	t = render();
	assert_int_equal(value(t, "huzu_db_errors_total"), (KIDS + 1) * N);
	assert_int_equal(value(t, "huzu_request_duration_seconds_count"),
	    (KIDS + 1) * N);
	/* 2 ms: all in the 0.0025 bucket and above, none below. */
	assert_int_equal(value(t,
	    "huzu_request_duration_seconds_bucket{le=\"0.001\"}"), 0);
	assert_int_equal(value(t,
	    "huzu_request_duration_seconds_bucket{le=\"0.0025\"}"),
	    (KIDS + 1) * N);
	assert_int_equal(lines_of(t, "huzu_requests_total{route=\"/a\","), 2);
	assert_int_equal(lines_of(t, "huzu_requests_total{route=\"/b\","), 2);
	assert_int_equal(lines_of(t, "huzu_requests_total{route=\"/c\","), 2);
	{
		long long a200 = value(t, "huzu_requests_total{route=\"/a\","
		    "method=\"GET\",status=\"200\"}");
		long long a404 = value(t, "huzu_requests_total{route=\"/a\","
		    "method=\"GET\",status=\"404\"}");
		long long b = value(t, "huzu_requests_total{route=\"/b\","
		    "method=\"GET\",status=\"200\"}") + value(t,
		    "huzu_requests_total{route=\"/b\",method=\"GET\","
		    "status=\"404\"}");
		long long c = value(t, "huzu_requests_total{route=\"/c\","
		    "method=\"GET\",status=\"200\"}") + value(t,
		    "huzu_requests_total{route=\"/c\",method=\"GET\","
		    "status=\"404\"}");

		assert_int_equal(a200 + a404 + b + c, (KIDS + 1) * N);
		assert_int_equal(a200 + a404, N + KIDS * ((N + 2) / 3));
	}
	hz_metrics_detach();
}

/* Statuses outside the list are folded into their class; the histogram
 * is cumulative, its +Inf bucket is its count, its sum the seconds. */
static void
statuses_fold_and_the_histogram_is_cumulative(void **state)
{
	const char *t;

	(void)state;
	assert_true(hz_metrics_create() >= 0);
	hz_metrics_request(0, "POST", "/x", 299, 500);
	hz_metrics_request(0, "POST", "/x", 418, 3000);
	hz_metrics_request(0, "POST", "/x", 418, 3000000);
	hz_metrics_request(7, "PATCH", "", 1000, 9);
	t = render();
	assert_int_equal(value(t, "huzu_requests_total{route=\"/x\","
	    "method=\"POST\",status=\"2xx\"}"), 1);
	assert_int_equal(value(t, "huzu_requests_total{route=\"/x\","
	    "method=\"POST\",status=\"4xx\"}"), 2);
	assert_int_equal(value(t, "huzu_requests_total{route=\"\","
	    "method=\"PATCH\",status=\"other\"}"), 1);
	assert_int_equal(hz_metrics_requests("POST", "/x", 499), 2);
	assert_int_equal(value(t,
	    "huzu_request_duration_seconds_bucket{le=\"0.001\"}"), 2);
	assert_int_equal(value(t,
	    "huzu_request_duration_seconds_bucket{le=\"0.005\"}"), 3);
	assert_int_equal(value(t,
	    "huzu_request_duration_seconds_bucket{le=\"2.5\"}"), 3);
	assert_int_equal(value(t,
	    "huzu_request_duration_seconds_bucket{le=\"+Inf\"}"), 4);
	assert_int_equal(value(t, "huzu_request_duration_seconds_count"), 4);
	assert_non_null(strstr(t, "huzu_request_duration_seconds_sum "
	    "3.003509\n"));
	/* Every family has its HELP and TYPE, once. */
	assert_int_equal(lines_of(t, "# TYPE huzu_requests_total counter"), 1);
	assert_int_equal(lines_of(t, "# HELP huzu_reloads_total "), 1);
	assert_int_equal(lines_of(t,
	    "# TYPE huzu_request_duration_seconds histogram"), 1);
	assert_int_equal(value(t, "huzu_reloads_total{result=\"refused\"}"), 0);
	assert_true(value(t, "huzu_start_time_seconds") > 1700000000);
	hz_metrics_detach();
}

/* A worker of another binary (another layout) refuses the segment. */
static void
a_segment_of_another_layout_is_not_used(void **state)
{
	int fd = memfd_create("not-huzu", 0);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	assert_int_equal(hz_metrics_attach(fd), -1);
	assert_false(hz_metrics_on());
	hz_metrics_inc(HZ_M_DB_ERRORS);     /* a no-op, no crash */
}

/* The hooks in the database layer and in the scheduler, and the backlog
 * read at scrape time, against the real database. */
static void
database_and_scheduler_hooks_count(void **state)
{
	static const char *const bad_sql[] = { "SELEC nonsense" };
	static const struct hz_stmt_table bad = HZ_STMT_TABLE("unit", bad_sql);
	enum { OP_ID, OP_KILL };
	static const char *const ops_sql[] = {
		[OP_ID] = "SELECT CONNECTION_ID()",
		[OP_KILL] = "KILL CONNECTION ?",
	};
	static const struct hz_stmt_table ops = HZ_STMT_TABLE("unit_ops",
	    ops_sql);
	struct hz_db_result r;
	long long id;
	struct hz_outbox_backlog ob;
	struct hz_run_report rep;
	struct hz_db *db;
	const char *t;
	bool held = false;

	(void)state;
	FX_NEED_DB();
	assert_true(hz_metrics_create() >= 0);
	assert_non_null(db = hz_db_new(&fx_cfg));
	assert_int_equal(hz_db_connect(db), HZ_OK);
	assert_int_equal(hz_metrics_get(HZ_M_DB_CONNECTS), 1);
	assert_int_equal(hz_db_run(db, fx.arena, &bad, 0, HZ_NO_ARGS, NULL),
	    HZ_ERR_DB);
	assert_int_equal(hz_metrics_get(HZ_M_DB_ERRORS), 1);

	/* The connection killed under it: lost, then opened again by the
	 * same handle (a reconnect), and the read retried. */
	assert_int_equal(hz_db_run(db, fx.arena, &ops, OP_ID, HZ_NO_ARGS, &r),
	    HZ_OK);
	id = HZ_CELL(&r, 0, 0)->i;
	assert_int_equal(hz_db_run(fx.db, fx.arena, &ops, OP_KILL,
	    HZ_ARGS(HZ_ARG_I64(id)), NULL), HZ_OK);
	assert_int_equal(hz_db_run(db, fx.arena, &ops, OP_ID, HZ_NO_ARGS, &r),
	    HZ_OK);
	assert_true(HZ_CELL(&r, 0, 0)->i != id);
	assert_int_equal(hz_metrics_get(HZ_M_DB_CONNECTIONS_LOST), 1);
	assert_int_equal(hz_metrics_get(HZ_M_DB_RECONNECTS), 1);
	assert_int_equal(hz_metrics_get(HZ_M_DB_CONNECTS), 2);
	hz_db_free(db);

	fx.now = time(NULL);
	assert_int_equal(hz_outbox_backlog(&fx, &ob), HZ_OK);
	assert_true(ob.due >= 0 && ob.oldest_age >= 0 && ob.given_up >= 0);

	assert_int_equal(hz_lease_take(&fx, HZ_LEASE_JOBS, "unit:metrics", 60,
	    &held), HZ_OK);
	assert_true(held);
	(void)hz_scheduler_run(&fx, "unit:metrics", NULL, &rep);
	assert_int_equal(hz_lease_release(&fx, HZ_LEASE_JOBS, "unit:metrics"),
	    HZ_OK);
	assert_int_equal(rep.njobs, hz_njobs);
	t = render();
	for (size_t i = 0; i < hz_njobs; i++) {
		char s[160];

		snprintf(s, sizeof(s), "huzu_scheduler_job_runs_total{job=\"%s\"}",
		    hz_jobs[i].name);
		assert_int_equal(value(t, s), 1);
		snprintf(s, sizeof(s),
		    "huzu_scheduler_job_failures_total{job=\"%s\"}",
		    hz_jobs[i].name);
		assert_int_equal(value(t, s), rep.status[i] != HZ_OK);
		snprintf(s, sizeof(s), "huzu_scheduler_job_lag_seconds{job=\"%s\"}",
		    hz_jobs[i].name);
		assert_true(value(t, s) >= 0 && value(t, s) <= 60);
	}
	hz_metrics_detach();
}

UNIT_TESTS(fx_setup, fx_teardown,
    cmocka_unit_test(without_a_segment_nothing_happens),
    cmocka_unit_test(a_second_mapping_sees_the_same_counters),
    cmocka_unit_test(counts_add_up_across_processes),
    cmocka_unit_test(statuses_fold_and_the_histogram_is_cumulative),
    cmocka_unit_test(a_segment_of_another_layout_is_not_used),
    cmocka_unit_test(database_and_scheduler_hooks_count))
