/* The scheduler's lease (one runner across hosts), the job run that tick
 * and the serve scheduler share, and the outbox it sends: against the
 * real database. */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "dbfixture.h"
#include "outbox.h"
#include "scheduler.h"

enum { S_FREE, S_EXPIRE, S_SENT, S_ATTEMPTS, S_DUE_LATER, S_DROP, S_BEGIN,
    S_LOCK, S_COMMIT, S_WAIT, S__MAX };
static const char *const sql[S__MAX] = {
	[S_FREE] = "UPDATE scheduler_leases SET holder = '' WHERE ? > 0",
	[S_EXPIRE] = "UPDATE scheduler_leases SET expires_at = NOW(3)"
	    " - INTERVAL ? SECOND WHERE name = 'jobs'",
	[S_SENT] = "SELECT COUNT(*) FROM notifications WHERE id = ?"
	    " AND sent_at IS NOT NULL",
	[S_ATTEMPTS] = "SELECT attempts FROM notifications WHERE id = ?",
	[S_DUE_LATER] = "SELECT COUNT(*) FROM notifications WHERE id = ?"
	    " AND sent_at IS NULL AND next_try_at > NOW(3)",
	[S_DROP] = "DELETE FROM scheduler_leases WHERE name = 'jobs' AND ? > 0",
	[S_BEGIN] = "START TRANSACTION",
	[S_LOCK] = "SELECT holder FROM scheduler_leases WHERE name = 'jobs'"
	    " FOR UPDATE",
	[S_COMMIT] = "COMMIT",
	[S_WAIT] = "SET SESSION innodb_lock_wait_timeout = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_scheduler",
    sql);

/* A second runner: the same database through a connection of its own,
 * as another host would have. */
static struct hz_ctx
other_host(void)
{
	struct hz_ctx y = fx;

	y.db = hz_db_new(&fx_cfg);
	assert_non_null(y.db);
	return y;
}

static bool
takes(const struct hz_ctx *x, const char *holder)
{
	bool held = true;

	assert_int_equal(hz_lease_take(x, HZ_LEASE_JOBS, holder, 90, &held),
	    HZ_OK);
	return held;
}

static void
one_runner_at_a_time(void **state)
{
	struct hz_ctx b;
	struct hz_lease l;

	(void)state;
	FX_NEED_DB();
	b = other_host();
	fx_exec(&stmts, S_FREE, 1);
	assert_true(takes(&fx, "host-a:1"));
	/* The other host asks while it is held: no. */
	assert_false(takes(&b, "host-b:2"));
	assert_false(takes(&b, "host-b:2"));
	/* The holder renews as often as it likes. */
	assert_true(takes(&fx, "host-a:1"));
	assert_true(takes(&fx, "host-a:1"));
	assert_int_equal(hz_lease_get(&b, HZ_LEASE_JOBS, &l), HZ_OK);
	assert_string_equal(l.holder, "host-a:1");
	assert_true(l.seconds_left > 80 && l.seconds_left <= 90);
	/* Only the holder's release frees it... */
	assert_int_equal(hz_lease_release(&b, HZ_LEASE_JOBS, "host-b:2"),
	    HZ_OK);
	assert_false(takes(&b, "host-b:2"));
	/* ...and the other host takes it at its next try. */
	assert_int_equal(hz_lease_release(&fx, HZ_LEASE_JOBS, "host-a:1"),
	    HZ_OK);
	assert_true(takes(&b, "host-b:2"));
	assert_false(takes(&fx, "host-a:1"));
	assert_int_equal(hz_lease_release(&b, HZ_LEASE_JOBS, "host-b:2"),
	    HZ_OK);
	hz_db_free(b.db);
}

/* A lease row that was lost is made again by the next taker. */
static void
a_lost_row_is_made_again(void **state)
{
	(void)state;
	FX_NEED_DB();
	fx_exec(&stmts, S_DROP, 1);
	assert_true(takes(&fx, "host-a:1"));
	assert_true(takes(&fx, "host-a:1"));
	assert_int_equal(hz_lease_release(&fx, HZ_LEASE_JOBS, "host-a:1"),
	    HZ_OK);
}

/* Eight runners, each its own process and connection, ask at the same
 * moment (released together by closing a pipe): exactly one wins. */
static void
racing_runners_one_wins(void **state)
{
	enum { N = 8 };
	pid_t pids[N];
	int gate[2], winners = 0;

	(void)state;
	FX_NEED_DB();
	fx_exec(&stmts, S_FREE, 1);
	assert_int_equal(pipe(gate), 0);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct hz_ctx y = fx;
			char holder[32], c;
			bool held = false;

			close(gate[1]);
			y.arena = hz_arena_new(16 * 1024);
			y.db = hz_db_new(&fx_cfg);
			/* Connected before the start, so that the race is the
			 * statement, not the connect. */
			if (y.arena == NULL || y.db == NULL ||
			    hz_db_connect(y.db) != HZ_OK)
				_exit(3);
			snprintf(holder, sizeof(holder), "race:%d", i);
			(void)read(gate[0], &c, 1);
			if (hz_lease_take(&y, HZ_LEASE_JOBS, holder, 90, &held))
				_exit(2);
			_exit(held ? 0 : 1);
		}
	}
	close(gate[0]);
	usleep(200 * 1000);
	close(gate[1]);
	for (int i = 0; i < N; i++) {
		int st;

		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_true(WEXITSTATUS(st) <= 1);
		winners += WEXITSTATUS(st) == 0;
	}
	assert_int_equal(winners, 1);
	fx_exec(&stmts, S_FREE, 1);
}

static void
an_expired_lease_is_taken_over(void **state)
{
	struct hz_ctx b;

	(void)state;
	FX_NEED_DB();
	b = other_host();
	fx_exec(&stmts, S_FREE, 1);
	assert_true(takes(&fx, "host-a:1"));
	/* host-a dies: not expired yet, so host-b waits... */
	assert_false(takes(&b, "host-b:2"));
	/* ...until it is. */
	fx_exec(&stmts, S_EXPIRE, 1);
	assert_true(takes(&b, "host-b:2"));
	/* host-a comes back: it is no longer the holder. */
	assert_false(takes(&fx, "host-a:1"));
	assert_true(takes(&b, "host-b:2"));
	assert_int_equal(hz_lease_release(&b, HZ_LEASE_JOBS, "host-b:2"),
	    HZ_OK);
	hz_db_free(b.db);
}

/* A take that fails is no take: on Galera the UPDATE of a runner whose
 * node lost the race fails certification (ER_LOCK_DEADLOCK; run again
 * once by the server and up to HZ_DB_STATEMENT_RETRIES times by us, it
 * then finds the row taken), here the row is held past the lock wait.
 * Either way the runner is told it does not hold the lease. */
static void
a_failed_take_is_not_held(void **state)
{
	struct hz_ctx b;
	bool held = true;

	(void)state;
	FX_NEED_DB();
	b = other_host();
	fx_exec(&stmts, S_FREE, 1);
	fx_exec(&stmts, S_WAIT, 1);
	assert_int_equal(hz_db_run(b.db, b.arena, &stmts, S_BEGIN, HZ_NO_ARGS,
	    NULL), HZ_OK);
	assert_int_equal(hz_db_run(b.db, b.arena, &stmts, S_LOCK, HZ_NO_ARGS,
	    NULL), HZ_OK);
	assert_int_equal(hz_lease_take(&fx, HZ_LEASE_JOBS, "host-a:1", 90,
	    &held), HZ_ERR_DB_RETRY);
	assert_false(held);
	assert_int_equal(hz_db_run(b.db, b.arena, &stmts, S_COMMIT, HZ_NO_ARGS,
	    NULL), HZ_OK);
	fx_exec(&stmts, S_WAIT, 2);
	assert_true(takes(&fx, "host-a:1"));
	assert_int_equal(hz_lease_release(&fx, HZ_LEASE_JOBS, "host-a:1"),
	    HZ_OK);
	hz_db_free(b.db);
}

/* Lines of the sms log naming `phone`. */
static int
sms_lines(const char *phone)
{
	char line[2048];
	int n = 0;
	FILE *f = fopen(fx_cfg.sms_log, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, phone) != NULL;
	fclose(f);
	return n;
}

/* A new resident with this phone; their id. */
static uint64_t
resident(const char *phone)
{
	uint64_t id;
	bool created;

	assert_int_equal(hz_resident_by_phone(&fx, phone, &id, &created),
	    HZ_OK);
	return id;
}

static uint64_t
last_notification(uint64_t user)
{
	struct hz_caller c;
	struct hz_ctx x;
	struct hz_notification *v;
	struct hz_page p = { 0, 1 };
	size_t n;
	bool more;
	long long unread;

	assert_int_equal(hz_caller_load(&fx, user, &c), HZ_OK);
	x = fx_as(&c);
	assert_int_equal(hz_notifications_list(&x, &p, &v, &n, &more,
	    &unread), HZ_OK);
	assert_int_equal(n, 1);
	return v[0].id;
}

static void
a_tick_is_idempotent(void **state)
{
	const char *phone = fx_phone();
	struct hz_run_report rep;
	struct hz_caller staff;
	uint64_t user, id, silent;
	size_t outbox = 0;

	(void)state;
	FX_NEED_DB();
	for (size_t i = 0; i < hz_njobs; i++)
		if (strcmp(hz_jobs[i].name, "outbox") == 0)
			outbox = i;
	user = resident(phone);
	assert_int_equal(fx_staff(&staff, HZ_ROLE_ADMIN, 0), HZ_OK);
	assert_int_equal(hz_notify(&fx, user, "test", 7, "您的诉求已受理"),
	    HZ_OK);
	assert_int_equal(hz_notify(&fx, staff.id, "test", 0, "无手机号"),
	    HZ_OK);
	id = last_notification(user);
	silent = last_notification(staff.id);

	fx_exec(&stmts, S_FREE, 1);
	assert_true(takes(&fx, "tick:1"));
	assert_int_equal(hz_scheduler_run(&fx, "tick:1", NULL, &rep), HZ_OK);
	assert_int_equal(rep.njobs, hz_njobs);
	assert_true(rep.counts[outbox][0] >= 1);
	assert_true(rep.counts[outbox][1] >= 1);
	assert_int_equal(fx_count(&stmts, S_SENT, id), 1);
	assert_int_equal(fx_count(&stmts, S_SENT, silent), 1);
	assert_int_equal(sms_lines(phone), 1);

	/* The same tick again: nothing is sent twice. */
	assert_int_equal(hz_scheduler_run(&fx, "tick:1", NULL, &rep), HZ_OK);
	assert_int_equal(rep.counts[outbox][0], 0);
	assert_int_equal(sms_lines(phone), 1);

	/* A runner that lost its lease stops before any job. */
	assert_int_equal(hz_lease_release(&fx, HZ_LEASE_JOBS, "tick:1"), HZ_OK);
	assert_true(takes(&fx, "other:2"));
	assert_int_equal(hz_scheduler_run(&fx, "tick:1", NULL, &rep),
	    HZ_ERR_CONFLICT);
	assert_int_equal(rep.njobs, 0);
	assert_int_equal(hz_lease_release(&fx, HZ_LEASE_JOBS, "other:2"),
	    HZ_OK);
}

static void
a_failed_send_backs_off(void **state)
{
	const char *phone = fx_phone();
	struct hz_config broken = fx_cfg;
	struct hz_outbox_counts c;
	struct hz_ctx x = fx;
	uint64_t user, id;

	(void)state;
	FX_NEED_DB();
	user = resident(phone);
	assert_int_equal(hz_notify(&fx, user, "test", 0, "您的诉求已办结"),
	    HZ_OK);
	id = last_notification(user);
	snprintf(broken.sms_sender, sizeof(broken.sms_sender), "nowhere");
	x.cfg = &broken;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	assert_true(c.failed >= 1);
	assert_int_equal(fx_count(&stmts, S_SENT, id), 0);
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, id), 1);
	assert_int_equal(fx_count(&stmts, S_DUE_LATER, id), 1);
	/* Not due again at the same time. */
	assert_int_equal(hz_outbox_run(&fx, &c), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_SENT, id), 0);
	/* A minute later it is, and goes. */
	x = fx;
	x.now += 61;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_SENT, id), 1);
	assert_int_equal(sms_lines(phone), 1);
}

static void
notifications_are_the_callers_own(void **state)
{
	struct hz_caller a, b;
	struct hz_notification *v;
	struct hz_page p = { 0, 2 };
	struct hz_ctx x;
	size_t n;
	bool more;
	long long unread;
	uint64_t ids[3];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&a), HZ_OK);
	assert_int_equal(fx_resident(&b), HZ_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(hz_notify(&fx, a.id, "complaint.reply", 9,
		    "有新回复"), HZ_OK);
		ids[i] = last_notification(a.id);
	}
	x = fx_as(&a);
	/* Newest first, two per page. */
	assert_int_equal(hz_notifications_list(&x, &p, &v, &n, &more,
	    &unread), HZ_OK);
	assert_int_equal(n, 2);
	assert_true(more);
	assert_int_equal(unread, 3);
	assert_int_equal(v[0].id, ids[2]);
	assert_int_equal(v[1].id, ids[1]);
	assert_int_equal(v[0].subject_id, 9);
	assert_false(v[0].read);
	p.after = v[1].id;
	assert_int_equal(hz_notifications_list(&x, &p, &v, &n, &more,
	    &unread), HZ_OK);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_int_equal(v[0].id, ids[0]);

	/* Another resident marks nothing of a's, and sees none of it. */
	x = fx_as(&b);
	assert_int_equal(hz_notifications_read(&x, ids[2], &unread), HZ_OK);
	assert_int_equal(unread, 0);
	p.after = 0;
	assert_int_equal(hz_notifications_list(&x, &p, &v, &n, &more,
	    &unread), HZ_OK);
	assert_int_equal(n, 0);

	x = fx_as(&a);
	assert_int_equal(hz_notifications_read(&x, ids[1], &unread), HZ_OK);
	assert_int_equal(unread, 1);
	assert_int_equal(hz_notifications_list(&x, &p, &v, &n, &more,
	    &unread), HZ_OK);
	assert_false(v[0].read);
	assert_true(v[1].read);

	/* Nobody: refused. */
	x = fx_as(NULL);
	fx_refused(&x, hz_notifications_read(&x, ids[2], &unread),
	    HZ_ERR_UNAUTHORIZED, "unauthorized", NULL);
}

static void
rfc3339_times_parse(void **state)
{
	time_t t;

	(void)state;
	assert_true(hz_time_parse("2026-12-01T08:00:00+08:00", &t));
	assert_int_equal(t, 1796083200);
	assert_true(hz_time_parse("2026-12-01T00:00:00Z", &t));
	assert_int_equal(t, 1796083200);
	assert_true(hz_time_parse("2026-12-01T00:00:00.123z", &t));
	assert_int_equal(t, 1796083200);
	assert_true(hz_time_parse("2026-11-30T19:30:00-04:30", &t));
	assert_int_equal(t, 1796083200);
	/* Must fail: no offset, a bad date, a space, junk after. */
	assert_false(hz_time_parse("2026-12-01T00:00:00", &t));
	assert_false(hz_time_parse("2026-02-30T00:00:00Z", &t));
	assert_false(hz_time_parse("2026-12-01 00:00:00Z", &t));
	assert_false(hz_time_parse("2026-12-01T00:00:00Zx", &t));
	assert_false(hz_time_parse("2026-12-01T24:00:00Z", &t));
	assert_false(hz_time_parse("2026-12-01T00:00:00.Z", &t));
	assert_false(hz_time_parse(NULL, &t));
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(one_runner_at_a_time),
	cmocka_unit_test(racing_runners_one_wins),
	cmocka_unit_test(a_lost_row_is_made_again),
	cmocka_unit_test(an_expired_lease_is_taken_over),
	cmocka_unit_test(a_failed_take_is_not_held),
	cmocka_unit_test(a_tick_is_idempotent),
	cmocka_unit_test(a_failed_send_backs_off),
	cmocka_unit_test(notifications_are_the_callers_own),
	cmocka_unit_test(rfc3339_times_parse))
