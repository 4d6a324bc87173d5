/* Complaints against the real database: first receipt up the chain, the
 * states and who may move them, the hidden name, and the scheduler's
 * jobs driven by the context's clock (no sleeping). */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "complaints.h"
#include "dbfixture.h"

#define HOUR 3600
#define DAY  86400

enum { S_SEED, S_READS, S_LOCK_SEQ, S__MAX };
static const char *const sql[S__MAX] = {
	/* 5 000 finished complaints at one building, as a village's history. */
	[S_SEED] =
	    "INSERT INTO complaints (user_id, category_id, text, building_id,"
	    " unit_id, unit_path, coop_id, group_id, status, handler_unit_id,"
	    " created_at, updated_at, respond_due, resolve_due)"
	    " SELECT c.user_id, c.category_id, c.text, c.building_id, c.unit_id,"
	    " c.unit_path, c.coop_id, c.group_id, 'closed', c.handler_unit_id,"
	    " c.created_at, c.updated_at, c.respond_due, c.resolve_due"
	    " FROM complaints c JOIN seq_1_to_5000 s WHERE c.id = ?",
	/* Rows the server read for this connection so far. */
	[S_READS] =
	    "SELECT CAST(SUM(VARIABLE_VALUE) AS SIGNED)"
	    " FROM information_schema.SESSION_STATUS"
	    " WHERE VARIABLE_NAME LIKE 'HANDLER_READ%' AND ? > 0",
	[S_LOCK_SEQ] = "SELECT lock_seq FROM users WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_complaints",
    sql);

/* A complaint by `r` about `building` at time `now`. */
static struct hz_complaint
filed(struct hz_caller *r, uint64_t building, time_t now, bool hide)
{
	struct hz_complaint_input in = { .category = "noise",
	    .text = "夜里施工噪音很大", .building = building,
	    .hide_identity = hide };
	struct hz_ctx x = fx_as(r);
	struct hz_complaint c;

	x.now = now;
	assert_int_equal(hz_complaint_submit(&x, &in, &c), HZ_OK);
	return c;
}

static struct hz_complaint
acted(const struct hz_caller *who, uint64_t id, const char *action,
      time_t now)
{
	struct hz_complaint_event_input in = { .action = action,
	    .rating = 4 };
	struct hz_ctx x = fx_as(who);
	struct hz_complaint c;

	x.now = now;
	assert_int_equal(hz_complaint_act(&x, id, &in, &c), HZ_OK);
	return c;
}

static struct hz_complaint
seen_by(const struct hz_caller *who, uint64_t id, time_t now)
{
	struct hz_ctx x = fx_as(who);
	struct hz_complaint c;

	x.now = now;
	assert_int_equal(hz_complaint_get(&x, id, &c), HZ_OK);
	return c;
}

static void
first_receipt_goes_up_the_chain_to_the_first_owner(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_complaint c;
	time_t now = time(NULL);

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	/* g1 has a leader. */
	c = filed(&k.r, o.b1, now, false);
	assert_int_equal(c.handler_unit_id, o.g1);
	assert_int_equal(c.handler_id, k.leader.id);
	assert_string_equal(c.status, "submitted");
	assert_int_equal(fx_audits("complaint.create", k.r.id, c.id), 1);
	/* g2 has none and neither has c2: the village owns it (and its
	 * admin, if other tests made one). */
	c = filed(&k.r, o.b3, now, false);
	assert_string_equal(c.handler_unit_kind, "village");
	assert_int_equal(c.handler_unit_id, fx_root());
	/* A cadre at c2 now: the next one stops there. */
	{
		struct hz_caller cadre2;

		assert_int_equal(fx_staff(&cadre2, HZ_ROLE_CADRE, o.c2), HZ_OK);
		c = filed(&k.r, o.b3, now, false);
		assert_int_equal(c.handler_unit_id, o.c2);
		assert_int_equal(c.handler_id, cadre2.id);
	}
}

/* The cap on a resident's open complaints is counted under their row,
 * and that row is written, not only locked: on a Galera cluster only a
 * row both write makes two filings on two nodes take turns (sql/0022). */
static void
filing_writes_the_filers_row(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	time_t now = time(NULL);
	long long seq;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	seq = fx_count(&stmts, S_LOCK_SEQ, k.r.id);
	(void)filed(&k.r, o.b1, now, false);
	assert_int_equal(fx_count(&stmts, S_LOCK_SEQ, k.r.id), seq + 1);
	(void)filed(&k.r, o.b1, now, false);
	assert_int_equal(fx_count(&stmts, S_LOCK_SEQ, k.r.id), seq + 2);
}

static void
only_residents_file_and_only_about_a_building(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_complaint c;
	struct hz_complaint_input in = { .category = "noise",
	    .text = "夜里施工噪音很大" };
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	x = fx_as(NULL);
	in.building = o.b1;
	assert_int_equal(hz_complaint_submit(&x, &in, &c), HZ_ERR_UNAUTHORIZED);
	x = fx_as(&k.head);
	fx_refused(&x, hz_complaint_submit(&x, &in, &c), HZ_ERR_FORBIDDEN,
	    "forbidden", NULL);
	x = fx_as(&k.r);
	in.building = o.g1;
	fx_refused(&x, hz_complaint_submit(&x, &in, &c), HZ_ERR_INVALID,
	    "validation_failed", "building");
	in.building = 0;
	fx_refused(&x, hz_complaint_submit(&x, &in, &c), HZ_ERR_INVALID,
	    "validation_failed", "place");
	in.building = o.b1;
	in.category = "nonexistent";
	fx_refused(&x, hz_complaint_submit(&x, &in, &c), HZ_ERR_INVALID,
	    "validation_failed", "category");
	in.category = "noise";
	in.text = "短";
	fx_refused(&x, hz_complaint_submit(&x, &in, &c), HZ_ERR_INVALID,
	    "validation_failed", "text");
	in.text = "夜里施工噪音很大";
	in.photos[0] = 999999999;
	in.nphotos = 1;
	fx_refused(&x, hz_complaint_submit(&x, &in, &c), HZ_ERR_INVALID,
	    "validation_failed", "photos");
}

static void
states_move_only_forward_and_only_by_their_owner(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_complaint c;
	struct hz_caller other;
	struct hz_complaint_event_input in = { .action = "rate", .rating = 5 };
	struct hz_ctx x;
	time_t now = time(NULL);

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_resident(&other), HZ_OK);
	c = filed(&k.r, o.b1, now, false);
	/* 问效 only after the answer. */
	x = fx_as(&k.r);
	fx_refused(&x, hz_complaint_act(&x, c.id, &in, &c), HZ_ERR_CONFLICT,
	    "state_conflict", "action");
	/* Another resident: no such complaint. */
	x = fx_as(&other);
	assert_int_equal(hz_complaint_act(&x, c.id, &in, &c), HZ_ERR_NOT_FOUND);
	/* The head may reply, not accept: the group leader owns it. */
	in = (struct hz_complaint_event_input){ .action = "accept" };
	x = fx_as(&k.head);
	fx_refused(&x, hz_complaint_act(&x, c.id, &in, &c), HZ_ERR_FORBIDDEN,
	    "forbidden", "action");
	/* The station manager at b1 reads nothing. */
	x = fx_as(&k.station);
	assert_int_equal(hz_complaint_act(&x, c.id, &in, &c), HZ_ERR_NOT_FOUND);
	c = acted(&k.leader, c.id, "accept", now + 60);
	assert_non_null(c.accepted_at);
	c = acted(&k.cadre, c.id, "resolve", now + 120);
	assert_string_equal(c.status, "resolved");
	c = acted(&k.r, c.id, "rate", now + 180);
	assert_string_equal(c.status, "closed");
	assert_int_equal(c.rating, 4);
	assert_int_equal(fx_audits("complaint.rate", k.r.id, c.id), 1);
}

static void
the_head_never_sees_a_hidden_name(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_complaint c;
	time_t now = time(NULL);

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	c = filed(&k.r, o.b1, now, true);
	c = seen_by(&k.head, c.id, now);
	assert_null(c.resident_name);
	assert_null(c.resident_phone);
	assert_null(c.events[0].actor_name);
	c = seen_by(&k.leader, c.id, now);
	assert_non_null(c.resident_name);
	assert_non_null(c.resident_phone);
	assert_non_null(strstr(c.resident_phone, "****"));
	c = seen_by(&k.r, c.id, now);
	assert_non_null(c.resident_name);
}

/* The event of complaint c that the system wrote last, if any. */
static const struct hz_complaint_event *
last_system_event(const struct hz_complaint *c)
{
	for (size_t i = c->nevents; i-- > 0;)
		if (strcmp(c->events[i].actor_role, "system") == 0)
			return &c->events[i];
	return NULL;
}

static void
overdue_complaints_escalate_one_level_at_a_time(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_complaint c;
	struct hz_ctx sys = fx_as(NULL);
	unsigned long long n;
	time_t t0 = time(NULL) - 30 * DAY;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	/* 噪音扰民: 8 hours to respond. */
	c = filed(&k.r, o.b1, t0, false);
	sys.now = t0 + 7 * HOUR;
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	assert_int_equal(seen_by(&k.leader, c.id, sys.now).handler_unit_id,
	    o.g1);
	assert_false(seen_by(&k.leader, c.id, sys.now).overdue);
	sys.now = t0 + 9 * HOUR;
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	assert_true(n >= 1);
	c = seen_by(&k.cadre, c.id, sys.now);
	assert_int_equal(c.handler_unit_id, o.c1);
	assert_int_equal(c.handler_id, k.cadre.id);
	assert_int_equal(c.escalations, 1);
	assert_true(c.overdue);
	assert_non_null(last_system_event(&c));
	assert_string_equal(last_system_event(&c)->action, "escalate");
	/* Run again at once: the cooperative has a window of its own. */
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	assert_int_equal(seen_by(&k.cadre, c.id, sys.now).escalations, 1);
	/* Past that window too: the village. */
	sys.now += 9 * HOUR;
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	c = seen_by(&k.cadre, c.id, sys.now);
	assert_string_equal(c.handler_unit_kind, "village");
	assert_int_equal(c.escalations, 2);
	/* At the top: one note that the village supervises it, then quiet. */
	sys.now += 9 * HOUR;
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	sys.now += 9 * HOUR;
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	c = seen_by(&k.cadre, c.id, sys.now);
	assert_int_equal(c.escalations, 2);
	assert_string_equal(last_system_event(&c)->text,
	    "超过办理时限，已在村级督办");
	/* A finished one never escalates. */
	c = filed(&k.r, o.b1, t0, false);
	acted(&k.leader, c.id, "accept", t0 + HOUR);
	acted(&k.leader, c.id, "resolve", t0 + 2 * HOUR);
	sys.now = t0 + 5 * DAY;
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	assert_int_equal(seen_by(&k.leader, c.id, sys.now).escalations, 0);
	/* Jobs run as the system, never for a caller. */
	sys = fx_as(&k.leader);
	assert_int_equal(hz_complaints_escalate_due(&sys, &n),
	    HZ_ERR_FORBIDDEN);
}

static void
resolved_complaints_close_after_seven_quiet_days(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_complaint c;
	struct hz_ctx sys = fx_as(NULL);
	unsigned long long n;
	time_t t0 = time(NULL) - 40 * DAY;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	c = filed(&k.r, o.b1, t0, false);
	acted(&k.leader, c.id, "accept", t0 + HOUR);
	acted(&k.leader, c.id, "resolve", t0 + 2 * HOUR);
	sys.now = t0 + 2 * HOUR + 6 * DAY;
	assert_int_equal(hz_complaints_autoclose(&sys, &n), HZ_OK);
	assert_string_equal(seen_by(&k.r, c.id, sys.now).status, "resolved");
	sys.now = t0 + 2 * HOUR + 7 * DAY + 1;
	assert_int_equal(hz_complaints_autoclose(&sys, &n), HZ_OK);
	assert_true(n >= 1);
	c = seen_by(&k.r, c.id, sys.now);
	assert_string_equal(c.status, "closed");
	assert_non_null(c.closed_at);
	assert_int_equal(c.rating, 0);
	assert_string_equal(last_system_event(&c)->action, "close");
	/* Still rateable once closed, once. */
	c = acted(&k.r, c.id, "rate", sys.now + 60);
	assert_int_equal(c.rating, 4);
}

static void
staff_notes_and_other_residents_stay_out_of_sight(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller other;
	struct hz_complaint c;
	struct hz_complaint_event_input note = { .action = "note",
	    .text = "内部备注：房东是村干部亲戚" };
	struct hz_ctx x;
	time_t now = time(NULL);

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_resident(&other), HZ_OK);
	c = filed(&k.r, o.b1, now, false);
	x = fx_as(&k.leader);
	assert_int_equal(hz_complaint_act(&x, c.id, &note, &c), HZ_OK);
	assert_false(c.events[c.nevents - 1].public);
	c = seen_by(&k.r, c.id, now);
	for (size_t i = 0; i < c.nevents; i++)
		assert_true(c.events[i].public);
	x = fx_as(&other);
	assert_int_equal(hz_complaint_get(&x, c.id, &c), HZ_ERR_NOT_FOUND);
	/* A resident cannot write a note either. */
	x = fx_as(&k.r);
	fx_refused(&x, hz_complaint_act(&x, c.id, &note, &c), HZ_ERR_FORBIDDEN,
	    "forbidden", "action");
}

/* Acting after a deadline passed gives the next step a whole window: it
 * is not escalated the minute after it was accepted. */
static void
acting_late_opens_a_new_window(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_complaint c;
	struct hz_ctx sys = fx_as(NULL);
	unsigned long long n;
	time_t t0 = time(NULL) - 60 * DAY;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	/* 噪音扰民: respond in 8 hours, resolve in 48. */
	c = filed(&k.r, o.b1, t0, false);
	acted(&k.leader, c.id, "accept", t0 + 49 * HOUR);
	sys.now = t0 + 49 * HOUR + 60;
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	c = seen_by(&k.leader, c.id, sys.now);
	assert_int_equal(c.escalations, 0);
	assert_int_equal(c.handler_unit_id, o.g1);
	sys.now = t0 + 97 * HOUR + 60;
	assert_int_equal(hz_complaints_escalate_due(&sys, &n), HZ_OK);
	c = seen_by(&k.leader, c.id, sys.now);
	assert_int_equal(c.escalations, 1);
	assert_int_equal(c.handler_unit_id, o.c1);
}

/* The rows the server reads for a page of the leader's list. */
static long long
reads_for_a_page(const struct hz_caller *who, size_t *n, uint64_t *first)
{
	struct hz_complaint_filter f = { .open = -1 };
	struct hz_page page = { 0, 20 };
	struct hz_complaint *list;
	struct hz_db_result r;
	struct hz_ctx x = fx_as(who);
	long long before, probe, after;
	bool more;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_READS,
	    HZ_ARGS(HZ_ARG_I64(1)), &r), HZ_OK);
	before = HZ_CELL(&r, 0, 0)->i;
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_READS,
	    HZ_ARGS(HZ_ARG_I64(1)), &r), HZ_OK);
	probe = HZ_CELL(&r, 0, 0)->i - before;
	assert_int_equal(hz_complaints_list(&x, &f, &page, &list, n, &more),
	    HZ_OK);
	*first = *n ? list[0].id : 0;
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_READS,
	    HZ_ARGS(HZ_ARG_I64(1)), &r), HZ_OK);
	after = HZ_CELL(&r, 0, 0)->i;
	return after - before - 2 * probe;
}

/* A group's list is an index range of its own rows: 5 000 complaints in
 * another group's building are never read. */
static void
a_scoped_list_reads_its_own_rows_only(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_complaint far, mine;
	uint64_t first;
	size_t n;
	time_t now = time(NULL);

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	far = filed(&k.r, o.b3, now, false);
	fx_exec(&stmts, S_SEED, far.id);
	mine = filed(&k.r, o.b1, now, false);
	assert_true(reads_for_a_page(&k.leader, &n, &first) < 500);
	assert_int_equal(n, 1);
	assert_int_equal(first, mine.id);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(first_receipt_goes_up_the_chain_to_the_first_owner),
	cmocka_unit_test(only_residents_file_and_only_about_a_building),
	cmocka_unit_test(states_move_only_forward_and_only_by_their_owner),
	cmocka_unit_test(the_head_never_sees_a_hidden_name),
	cmocka_unit_test(overdue_complaints_escalate_one_level_at_a_time),
	cmocka_unit_test(resolved_complaints_close_after_seven_quiet_days),
	cmocka_unit_test(staff_notes_and_other_residents_stay_out_of_sight),
	cmocka_unit_test(acting_late_opens_a_new_window),
	cmocka_unit_test(filing_writes_the_filers_row),
	cmocka_unit_test(a_scoped_list_reads_its_own_rows_only))
