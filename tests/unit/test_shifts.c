/* Volunteer shifts against the real database: publishing, sign-up and
 * the waiting list, withdrawals and removals, attendance and hours, and
 * the scheduler's no-shows and pauses. The clock is x->now, moved by the
 * tests. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "dbfixture.h"
#include "scan.h"
#include "shifts.h"
#include "stations.h"

enum { Q_NOTES, Q_STATUS_CONFIRMED, Q_LOCK_SEQ, Q_REVISION, Q__MAX };
static const char *const sql[Q__MAX] = {
	[Q_NOTES] = "SELECT COUNT(*) FROM notifications WHERE subject_id = ?"
	    " AND kind LIKE 'shift.%'",
	[Q_STATUS_CONFIRMED] = "SELECT COUNT(*) FROM shift_signups"
	    " WHERE shift_id = ? AND status = 'confirmed'",
	[Q_LOCK_SEQ] = "SELECT lock_seq FROM users WHERE id = ?",
	[Q_REVISION] = "SELECT revision FROM shifts WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_shifts", sql);

/* A fresh org with two stations under c1: `mine` managed by `m`, and
 * `other` with no manager; an admin over the whole tree. */
struct world {
	struct fx_org   o;
	struct hz_caller m, admin, head;
	uint64_t        mine, other;
	time_t          t0;          /* a whole hour, 30 days from now */
};

static void
world_new(struct world *w)
{
	struct hz_station_edit e = { .set_manager = true };
	struct hz_station s;

	assert_int_equal(fx_org_new(&w->o), HZ_OK);
	assert_int_equal(fx_staff(&w->m, HZ_ROLE_STATION_MANAGER, w->o.c1),
	    HZ_OK);
	assert_int_equal(fx_staff(&w->admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	assert_int_equal(fx_staff(&w->head, HZ_ROLE_BUILDING_HEAD, w->o.b1),
	    HZ_OK);
	assert_int_equal(hz_station_create(&fx, w->o.c1, "culture",
	    hz_arena_printf(fx.arena, "%s文化站", w->o.tag), &w->mine), HZ_OK);
	assert_int_equal(hz_station_create(&fx, w->o.c1, "elderly_care",
	    hz_arena_printf(fx.arena, "%s关爱站", w->o.tag), &w->other), HZ_OK);
	e.manager_id = w->m.id;
	assert_int_equal(hz_station_update(&fx, w->mine, &e, &s), HZ_OK);
	w->t0 = (time(NULL) / 3600 + 30 * 24) * 3600;
}

static struct hz_ctx
at(const struct hz_caller *c, time_t now)
{
	struct hz_ctx x = fx_as(c);

	x.now = now;
	return x;
}

/* One shift at `station`, from t0 + `hours` for 2 hours. */
static uint64_t
shift_at(const struct world *w, uint64_t station, int hours, int capacity)
{
	struct hz_shift_new in = { .station_id = station, .title = "图书室值班",
	    .starts_at = w->t0 + hours * 3600,
	    .ends_at = w->t0 + (hours + 2) * 3600, .capacity = capacity,
	    .count = 1 };
	struct hz_ctx x = at(&w->m, w->t0 - 86400 * 3);
	struct hz_shift *out;
	size_t n;

	if (station != w->mine)
		x = at(&w->admin, w->t0 - 86400 * 3);
	assert_int_equal(hz_shift_create(&x, &in, &out, &n), HZ_OK);
	assert_int_equal(n, 1);
	return out[0].id;
}

static void
rounding_to_quarter_hours(void **state)
{
	(void)state;
	/* In at the start, out at the end: the whole shift. */
	assert_int_equal(hz_shift_minutes(0, 7200, 0, 7200), 120);
	/* Early arrival counts from the start; a late leave to the end. */
	assert_int_equal(hz_shift_minutes(3600, 7200, 0, 9000), 60);
	/* 52 minutes → 45; 53 minutes → 60 (7.5 rounds up). */
	assert_int_equal(hz_shift_minutes(0, 7200, 0, 52 * 60), 45);
	assert_int_equal(hz_shift_minutes(0, 7200, 0, 53 * 60), 60);
	/* Exactly half a quarter (52 min 30 s) rounds up; a second less
	 * rounds down. */
	assert_int_equal(hz_shift_minutes(0, 7200, 0, 52 * 60 + 30), 60);
	assert_int_equal(hz_shift_minutes(0, 7200, 0, 52 * 60 + 29), 45);
	/* No check-out: to the end. */
	assert_int_equal(hz_shift_minutes(0, 7200, 1800, 0), 90);
	/* Out before in, or in after the end: nothing. */
	assert_int_equal(hz_shift_minutes(0, 7200, 7300, 0), 0);
	assert_int_equal(hz_shift_minutes(0, 7200, 600, 300), 0);
}

static void
publishing_is_for_the_station_manager_and_admins(void **state)
{
	struct world w;
	struct hz_shift_new in;
	struct hz_shift *out, one;
	struct hz_ctx x;
	size_t n;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	in = (struct hz_shift_new){ .station_id = w.mine, .title = "广场舞秩序",
	    .starts_at = w.t0, .ends_at = w.t0 + 7200, .capacity = 5,
	    .count = 4, .every = "week" };
	x = at(&w.m, w.t0 - 86400);
	assert_int_equal(hz_shift_create(&x, &in, &out, &n), HZ_OK);
	assert_int_equal(n, 4);
	assert_true(out[0].series_id != 0);
	assert_int_equal(out[3].series_id, out[0].series_id);
	assert_true(out[0].can_manage);
	/* The default cancellation deadline: 3 hours before the start. */
	assert_int_equal(hz_shift_get(&x, out[1].id, &one), HZ_OK);
	assert_int_equal(one.free, 5);
	assert_int_equal(fx_audits("shift.create", w.m.id, out[0].id), 1);

	/* Another station, a building head, a resident: not theirs (404). */
	in.count = 1;
	in.station_id = w.other;
	fx_refused(&x, hz_shift_create(&x, &in, &out, &n), HZ_ERR_NOT_FOUND,
	    "not_found", NULL);
	x = at(&w.head, w.t0 - 86400);
	in.station_id = w.mine;
	fx_refused(&x, hz_shift_create(&x, &in, &out, &n), HZ_ERR_NOT_FOUND,
	    "not_found", NULL);
	x = at(&w.admin, w.t0 - 86400);
	in.station_id = w.other;
	assert_int_equal(hz_shift_create(&x, &in, &out, &n), HZ_OK);
	x = at(&w.m, w.t0 - 86400);
	fx_refused(&x, hz_shift_update(&x, out[0].id,
	    &(struct hz_shift_edit){ .capacity = 9 }, &one), HZ_ERR_NOT_FOUND,
	    "not_found", NULL);

	/* Rules of time. */
	in.station_id = w.mine;
	in.ends_at = in.starts_at;
	fx_refused(&x, hz_shift_create(&x, &in, &out, &n), HZ_ERR_INVALID,
	    "validation_failed", "ends_at");
	in.ends_at = in.starts_at + 13 * 3600;
	fx_refused(&x, hz_shift_create(&x, &in, &out, &n), HZ_ERR_INVALID,
	    "validation_failed", "ends_at");
	in.ends_at = in.starts_at + 3600;
	x.now = in.starts_at + 1;
	fx_refused(&x, hz_shift_create(&x, &in, &out, &n), HZ_ERR_INVALID,
	    "validation_failed", "starts_at");
	x.now = w.t0 - 86400;
	in.count = 2;
	in.every = NULL;
	fx_refused(&x, hz_shift_create(&x, &in, &out, &n), HZ_ERR_INVALID,
	    "validation_failed", "repeat_every");
}

static void
capacity_waiting_list_and_promotion(void **state)
{
	struct world w;
	struct hz_caller v[4];
	struct hz_shift s;
	struct hz_ctx x;
	uint64_t id;
	bool created;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	id = shift_at(&w, w.mine, 0, 2);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(fx_resident(&v[i]), HZ_OK);
		x = at(&v[i], w.t0 - 86400);
		assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
		assert_true(created);
		assert_string_equal(s.mine.status, i < 2 ? "confirmed"
		    : "waiting");
		assert_int_equal(s.mine.position, i < 2 ? 0 : i - 1);
	}
	assert_int_equal(s.confirmed, 2);
	assert_int_equal(s.waiting, 2);
	assert_int_equal(s.free, 0);
	/* Again: the same place, nothing new. */
	assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
	assert_false(created);
	assert_int_equal(s.mine.position, 2);

	/* The first confirmed leaves: the first in line moves up, is told,
	 * and the second in line becomes first. */
	x = at(&v[0], w.t0 - 86400);
	assert_int_equal(hz_shift_withdraw(&x, id, &s), HZ_OK);
	assert_string_equal(s.mine.status, "cancelled");
	x = at(&v[2], w.t0 - 86400);
	assert_int_equal(hz_shift_get(&x, id, &s), HZ_OK);
	assert_string_equal(s.mine.status, "confirmed");
	x = at(&v[3], w.t0 - 86400);
	assert_int_equal(hz_shift_get(&x, id, &s), HZ_OK);
	assert_int_equal(s.mine.position, 1);
	assert_int_equal(s.confirmed, 2);
	assert_int_equal(s.waiting, 1);
	assert_int_equal(fx_count(&stmts, Q_STATUS_CONFIRMED, id), 2);
	/* Confirmed twice, waiting twice, promoted once. */
	assert_int_equal(fx_count(&stmts, Q_NOTES, id), 5);

	/* Signing up again after leaving goes to the back of the line. */
	x = at(&v[0], w.t0 - 86400);
	assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
	assert_string_equal(s.mine.status, "waiting");
	assert_int_equal(s.mine.position, 2);

	/* A raised capacity fills from the line at once. */
	x = at(&w.m, w.t0 - 86400);
	assert_int_equal(hz_shift_update(&x, id,
	    &(struct hz_shift_edit){ .capacity = 4 }, &s), HZ_OK);
	assert_int_equal(s.confirmed, 4);
	assert_int_equal(s.waiting, 0);
	fx_refused(&x, hz_shift_update(&x, id,
	    &(struct hz_shift_edit){ .capacity = 3 }, &s), HZ_ERR_CONFLICT,
	    "capacity_below_confirmed", "capacity");
	/* Past the cancellation deadline nobody is moved in: the place
	 * stays free and the one waiting keeps waiting. */
	{
		struct hz_caller late;

		assert_int_equal(fx_resident(&late), HZ_OK);
		x = at(&late, w.t0 - 86400);
		assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
		assert_string_equal(s.mine.status, "waiting");
		x = at(&w.m, w.t0 - 3600);
		assert_int_equal(hz_shift_update(&x, id,
		    &(struct hz_shift_edit){ .capacity = 5 }, &s), HZ_OK);
		assert_int_equal(s.free, 1);
		assert_int_equal(s.waiting, 1);
	}
	x = at(&w.m, w.t0 - 86400);
	/* Times stay once people hold places. */
	fx_refused(&x, hz_shift_update(&x, id, &(struct hz_shift_edit){
	    .starts_at = w.t0 + 3600, .ends_at = w.t0 + 7200 }, &s),
	    HZ_ERR_CONFLICT, "shift_has_signups", "starts_at");
}

/* On a Galera cluster a row lock holds on its own node only: two
 * sign-ups on two nodes certify against each other only through a row
 * both write. So every row a place is decided on is written: the shift's
 * (the capacity), the volunteer's (the overlap check), and a promoted
 * volunteer's (sql/0022). Without the writes, two nodes would confirm
 * more than the capacity, or one volunteer in two shifts at once. */
static void
places_write_the_rows_they_are_decided_on(void **state)
{
	struct world w;
	struct hz_caller v[2];
	struct hz_shift s;
	struct hz_ctx x;
	uint64_t id;
	long long seq[2], rev;
	bool created;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	id = shift_at(&w, w.mine, 0, 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fx_resident(&v[i]), HZ_OK);
		seq[i] = fx_count(&stmts, Q_LOCK_SEQ, v[i].id);
		rev = fx_count(&stmts, Q_REVISION, id);
		x = at(&v[i], w.t0 - 86400);
		assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
		assert_string_equal(s.mine.status, i == 0 ? "confirmed"
		    : "waiting");
		assert_int_equal(fx_count(&stmts, Q_LOCK_SEQ, v[i].id),
		    seq[i] + 1);
		assert_true(fx_count(&stmts, Q_REVISION, id) > rev);
	}
	/* The first leaves: the shift's row and the promoted one's. */
	rev = fx_count(&stmts, Q_REVISION, id);
	x = at(&v[0], w.t0 - 86400);
	assert_int_equal(hz_shift_withdraw(&x, id, &s), HZ_OK);
	assert_true(fx_count(&stmts, Q_REVISION, id) > rev);
	assert_int_equal(fx_count(&stmts, Q_LOCK_SEQ, v[1].id), seq[1] + 2);
	x = at(&v[1], w.t0 - 86400);
	assert_int_equal(hz_shift_get(&x, id, &s), HZ_OK);
	assert_string_equal(s.mine.status, "confirmed");
}

static void
overlaps_deadlines_and_removal(void **state)
{
	struct world w;
	struct hz_caller v, u;
	struct hz_roster_entry *ros;
	struct hz_shift s;
	struct hz_ctx x;
	uint64_t a, b, c;
	size_t n;
	bool created;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	a = shift_at(&w, w.mine, 0, 5);      /* 0–2 h */
	b = shift_at(&w, w.other, 1, 5);     /* 1–3 h: meets a */
	c = shift_at(&w, w.other, 2, 5);     /* 2–4 h: touches a, no more */
	assert_int_equal(fx_resident(&v), HZ_OK);
	x = at(&v, w.t0 - 86400);
	assert_int_equal(hz_shift_signup(&x, a, &s, &created), HZ_OK);
	fx_refused(&x, hz_shift_signup(&x, b, &s, &created), HZ_ERR_CONFLICT,
	    "shift_overlap", NULL);
	assert_int_equal(hz_shift_signup(&x, c, &s, &created), HZ_OK);

	/* Past the cancellation deadline (3 h before): only the manager. */
	x.now = w.t0 - 3 * 3600 + 1;
	fx_refused(&x, hz_shift_withdraw(&x, a, &s), HZ_ERR_CONFLICT,
	    "cancel_too_late", NULL);
	x = at(&w.m, w.t0 - 3600);
	assert_int_equal(hz_shift_roster(&x, a, &s, &ros, &n), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ros[0].user_id, v.id);
	assert_int_equal(hz_shift_remove(&x, a, ros[0].signup_id, &s), HZ_OK);
	assert_int_equal(s.confirmed, 0);
	fx_refused(&x, hz_shift_remove(&x, a, ros[0].signup_id, &s),
	    HZ_ERR_CONFLICT, "conflict", NULL);
	assert_int_equal(fx_audits("shift.remove", w.m.id, a), 1);
	/* Removed is removed: no signing up again. */
	x = at(&v, w.t0 - 3600);
	fx_refused(&x, hz_shift_signup(&x, a, &s, &created), HZ_ERR_FORBIDDEN,
	    "removed_by_manager", NULL);
	/* Past the sign-up deadline (the start). */
	assert_int_equal(fx_resident(&u), HZ_OK);
	x = at(&u, w.t0 + 1);
	fx_refused(&x, hz_shift_signup(&x, a, &s, &created), HZ_ERR_CONFLICT,
	    "signup_closed", NULL);
	/* The manager of one station sees nothing of another's rosters. */
	x = at(&w.m, w.t0 - 3600);
	fx_refused(&x, hz_shift_roster(&x, c, &s, &ros, &n), HZ_ERR_NOT_FOUND,
	    "not_found", NULL);
	/* A resident is nobody's manager. */
	x = at(&v, w.t0 - 3600);
	fx_refused(&x, hz_shift_roster(&x, a, &s, &ros, &n), HZ_ERR_NOT_FOUND,
	    "not_found", NULL);

	/* Calling off tells everyone holding a place. */
	x = at(&w.admin, w.t0 - 3600);
	assert_int_equal(hz_shift_cancel(&x, c, "场地维修", &s), HZ_OK);
	assert_string_equal(s.status, "cancelled");
	x = at(&u, w.t0 - 3600);
	fx_refused(&x, hz_shift_signup(&x, c, &s, &created), HZ_ERR_CONFLICT,
	    "shift_cancelled", NULL);
}

static void
attendance_hours_no_shows_and_pause(void **state)
{
	struct world w;
	struct hz_caller v, lazy;
	struct hz_attendance a;
	struct hz_hours h;
	struct hz_shift s;
	struct hz_ctx x, sys;
	uint64_t one, two, miss[3];
	unsigned long long n[3];
	bool created;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	one = shift_at(&w, w.mine, 0, 5);
	two = shift_at(&w, w.mine, 3, 5);
	assert_int_equal(fx_resident(&v), HZ_OK);
	x = at(&v, w.t0 - 86400);
	assert_int_equal(hz_shift_signup(&x, one, &s, &created), HZ_OK);
	assert_int_equal(hz_shift_signup(&x, two, &s, &created), HZ_OK);

	/* Too early (31 minutes before), then in time. */
	x.now = w.t0 - 31 * 60;
	fx_refused(&x, hz_station_checkin(&x, w.mine, &a), HZ_ERR_CONFLICT,
	    "no_shift_now", NULL);
	fx_refused(&x, hz_station_checkin(&x, w.other, &a), HZ_ERR_CONFLICT,
	    "no_shift_now", NULL);
	x.now = w.t0 - 10 * 60;
	assert_int_equal(hz_station_checkin(&x, w.mine, &a), HZ_OK);
	assert_string_equal(a.action, "check_in");
	assert_false(a.repeated);
	assert_int_equal(a.shift.id, one);
	/* A second scan within 10 minutes changes nothing. */
	x.now += 5 * 60;
	assert_int_equal(hz_station_checkin(&x, w.mine, &a), HZ_OK);
	assert_string_equal(a.action, "check_in");
	assert_true(a.repeated);
	/* Out after 1 h 22 min of the shift: 1 h 15 min counted. */
	x.now = w.t0 + 82 * 60;
	assert_int_equal(hz_station_checkin(&x, w.mine, &a), HZ_OK);
	assert_string_equal(a.action, "check_out");
	assert_int_equal(a.minutes, 75);
	/* The second shift: in, and never out. It starts an hour after the
	 * first ends; a scan 5 minutes after the check-out above is still a
	 * repeat of it, a scan in the second's window checks in there. */
	x.now = w.t0 + 87 * 60;
	assert_int_equal(hz_station_checkin(&x, w.mine, &a), HZ_OK);
	assert_string_equal(a.action, "check_out");
	assert_true(a.repeated);
	x.now = w.t0 + 3 * 3600 + 30 * 60;
	assert_int_equal(hz_station_checkin(&x, w.mine, &a), HZ_OK);
	assert_int_equal(a.shift.id, two);
	assert_string_equal(a.action, "check_in");

	/* A volunteer who signs up three times and never comes. */
	assert_int_equal(fx_resident(&lazy), HZ_OK);
	for (int i = 0; i < 3; i++) {
		miss[i] = shift_at(&w, w.mine, 6 + 3 * i, 5);
		x = at(&lazy, w.t0 - 86400);
		assert_int_equal(hz_shift_signup(&x, miss[i], &s, &created),
		    HZ_OK);
	}
	/* The scheduler after all of them: counts the missing check-out to
	 * the end, marks three no-shows, pauses one volunteer. */
	sys = at(NULL, w.t0 + 20 * 3600);
	assert_int_equal(hz_shifts_close(&sys, n), HZ_OK);
	assert_true(n[0] >= 5);
	assert_true(n[1] >= 3);
	assert_true(n[2] >= 1);
	/* A second run finds nothing new. */
	assert_int_equal(hz_shifts_close(&sys, n), HZ_OK);
	assert_int_equal(n[0], 0);

	x = at(&v, w.t0 + 21 * 3600);
	assert_int_equal(hz_my_hours(&x, 0, 0, &h), HZ_OK);
	assert_int_equal(h.minutes, 75 + 90);
	assert_int_equal(h.shifts, 2);
	assert_int_equal(h.nstations, 1);
	assert_int_equal(h.stations[0].station_id, w.mine);
	assert_int_equal(h.nmonths >= 1, true);
	assert_null(h.paused_until);

	x = at(&lazy, w.t0 + 21 * 3600);
	assert_int_equal(hz_my_hours(&x, 0, 0, &h), HZ_OK);
	assert_int_equal(h.minutes, 0);
	assert_int_equal(h.no_shows, 3);
	assert_non_null(h.paused_until);
	one = shift_at(&w, w.mine, 48, 5);
	fx_refused(&x, hz_shift_signup(&x, one, &s, &created),
	    HZ_ERR_FORBIDDEN, "volunteer_paused", NULL);
	/* 30 days later they may again. */
	x.now += 31 * 86400;
	two = shift_at(&w, w.mine, 24 * 40, 5);
	assert_int_equal(hz_shift_signup(&x, two, &s, &created), HZ_OK);
}

static void
reminders_once_per_shift(void **state)
{
	struct world w;
	struct hz_caller v;
	struct hz_shift s;
	struct hz_ctx x, sys;
	unsigned long long n[3];
	uint64_t id;
	bool created;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	id = shift_at(&w, w.mine, 0, 5);
	assert_int_equal(fx_resident(&v), HZ_OK);
	x = at(&v, w.t0 - 86400 * 2);
	assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
	sys = at(NULL, w.t0 - 86400 - 60);
	assert_int_equal(hz_shifts_remind(&sys, n), HZ_OK);
	assert_int_equal(fx_count(&stmts, Q_NOTES, id), 1);
	sys.now = w.t0 - 86400 + 60;
	assert_int_equal(hz_shifts_remind(&sys, n), HZ_OK);
	assert_true(n[0] >= 1 && n[1] >= 1);
	assert_int_equal(fx_count(&stmts, Q_NOTES, id), 2);
	assert_int_equal(hz_shifts_remind(&sys, n), HZ_OK);
	assert_int_equal(fx_count(&stmts, Q_NOTES, id), 2);
}

/* A station's code names the station and nothing else; rotating it
 * voids the old poster. */
static void
station_codes_are_their_own(void **state)
{
	struct world w;
	struct hz_station_poster p, q;
	struct hz_station s;
	struct hz_station_scan sc;
	struct hz_unit b;
	struct hz_ctx x;
	const char *token, *old;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	x = at(&w.m, time(NULL));
	assert_int_equal(hz_station_poster(&x, w.mine, &p), HZ_OK);
	token = strrchr(p.url, '/') + 1;
	assert_true(hz_token_is_station(&x, token));
	assert_false(hz_token_is_station(&x, fx_token(w.o.b1)));
	assert_int_equal(hz_station_resolve(&x, token, &s), HZ_OK);
	assert_int_equal(s.id, w.mine);
	fx_refused(&x, hz_scan_resolve(&x, token, &b), HZ_ERR_NOT_FOUND,
	    "qr_invalid", NULL);
	fx_refused(&x, hz_station_resolve(&x, fx_token(w.o.b1), &s),
	    HZ_ERR_NOT_FOUND, "qr_invalid", NULL);
	assert_int_equal(hz_scan_station(&x, token, &sc), HZ_OK);
	assert_string_equal(sc.actions[sc.nactions - 1], "manage");
	/* Another station is not theirs to print. */
	fx_refused(&x, hz_station_poster(&x, w.other, &q), HZ_ERR_NOT_FOUND,
	    "not_found", NULL);
	old = token;
	assert_int_equal(hz_station_qr_rotate(&x, w.mine, &q), HZ_OK);
	assert_string_not_equal(p.url, q.url);
	fx_refused(&x, hz_station_resolve(&x, old, &s), HZ_ERR_GONE,
	    "qr_expired", NULL);
	assert_int_equal(fx_audits("station.qr_rotate", w.m.id, w.mine), 1);
}

/* Back to back is no overlap, whichever of the two is taken first. */
static void
touching_shifts_in_either_order(void **state)
{
	struct world w;
	struct hz_caller v;
	struct hz_shift s;
	struct hz_ctx x;
	uint64_t a, c;
	bool created;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	a = shift_at(&w, w.mine, 0, 5);      /* 0–2 h */
	c = shift_at(&w, w.other, 2, 5);     /* 2–4 h */
	assert_int_equal(fx_resident(&v), HZ_OK);
	x = at(&v, w.t0 - 86400);
	assert_int_equal(hz_shift_signup(&x, c, &s, &created), HZ_OK);
	assert_int_equal(hz_shift_signup(&x, a, &s, &created), HZ_OK);
	assert_string_equal(s.mine.status, "confirmed");
}

/* The pause comes with the limit'th no-show, not before. */
static void
fewer_no_shows_than_the_limit_do_not_pause(void **state)
{
	struct world w;
	struct hz_caller v;
	struct hz_hours h;
	struct hz_shift s;
	struct hz_ctx x, sys;
	unsigned long long n[3];
	uint64_t id;
	bool created;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	assert_int_equal(fx_resident(&v), HZ_OK);
	for (int i = 0; i < fx.cfg->volunteer_noshow_limit - 1; i++) {
		id = shift_at(&w, w.mine, 3 * i, 5);
		x = at(&v, w.t0 - 86400);
		assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
	}
	sys = at(NULL, w.t0 + 3 * fx.cfg->volunteer_noshow_limit * 3600);
	assert_int_equal(hz_shifts_close(&sys, n), HZ_OK);
	x = at(&v, sys.now + 60);
	assert_int_equal(hz_my_hours(&x, 0, 0, &h), HZ_OK);
	assert_int_equal(h.no_shows, fx.cfg->volunteer_noshow_limit - 1);
	assert_null(h.paused_until);
	id = shift_at(&w, w.mine, 48, 5);
	assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
	assert_true(created);
}

/* The hours file as core hands it over: one call for the header, one per
 * volunteer (never the whole file at once), masked phones only. */
struct csv_lines {
	int    calls;
	size_t len;
	char   text[4096];
};

static enum hz_status
csv_take(void *arg, const char *line, size_t len)
{
	struct csv_lines *o = arg;

	assert_true(o->len + len < sizeof(o->text));
	memcpy(o->text + o->len, line, len);
	o->len += len;
	o->text[o->len] = '\0';
	o->calls++;
	return HZ_OK;
}

static void
hours_csv_streams_rows_with_masked_phones(void **state)
{
	static const char head[] = "\xef\xbb\xbf" "姓名,手机号,班次,缺席,分钟,小时\r\n";
	struct world w;
	struct hz_caller v[3];
	struct hz_attendance a;
	struct hz_shift s;
	struct hz_ctx x, sys;
	struct csv_lines out = { 0 };
	unsigned long long n[3];
	uint64_t id;
	bool created;
	int run = 0;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	id = shift_at(&w, w.mine, 0, 5);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fx_resident(&v[i]), HZ_OK);
		x = at(&v[i], w.t0 - 86400);
		assert_int_equal(hz_shift_signup(&x, id, &s, &created), HZ_OK);
	}
	/* v[0] serves the whole shift; the others never come. */
	x = at(&v[0], w.t0 - 5 * 60);
	assert_int_equal(hz_station_checkin(&x, w.mine, &a), HZ_OK);
	x.now = w.t0 + 2 * 3600;
	assert_int_equal(hz_station_checkin(&x, w.mine, &a), HZ_OK);
	assert_string_equal(a.action, "check_out");
	sys = at(NULL, w.t0 + 3 * 3600);
	assert_int_equal(hz_shifts_close(&sys, n), HZ_OK);

	x = at(&w.m, w.t0 + 4 * 3600);
	assert_int_equal(hz_station_hours_csv(&x, w.mine, w.t0 - 86400,
	    w.t0 + 86400, csv_take, &out), HZ_OK);
	assert_int_equal(out.calls, 1 + 3);
	assert_true(out.len > strlen(head));
	assert_memory_equal(out.text, head, strlen(head));
	assert_non_null(strstr(out.text, ",1,0,120,2.00\r\n"));
	assert_non_null(strstr(out.text, ",0,1,0,0.00\r\n"));
	assert_non_null(strstr(out.text, "****"));
	for (size_t i = 0; i < out.len; i++) {
		run = out.text[i] >= '0' && out.text[i] <= '9' ? run + 1 : 0;
		if (run >= 11)
			fail_msg("a whole phone number in the file: %s", out.text);
	}
	/* Another station's file is not theirs: 404, nothing written. */
	memset(&out, 0, sizeof(out));
	fx_refused(&x, hz_station_hours_csv(&x, w.other, w.t0 - 86400,
	    w.t0 + 86400, csv_take, &out), HZ_ERR_NOT_FOUND, "not_found", NULL);
	assert_int_equal(out.calls, 0);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(station_codes_are_their_own),
	cmocka_unit_test(rounding_to_quarter_hours),
	cmocka_unit_test(publishing_is_for_the_station_manager_and_admins),
	cmocka_unit_test(capacity_waiting_list_and_promotion),
	cmocka_unit_test(places_write_the_rows_they_are_decided_on),
	cmocka_unit_test(overlaps_deadlines_and_removal),
	cmocka_unit_test(attendance_hours_no_shows_and_pause),
	cmocka_unit_test(reminders_once_per_shift),
	cmocka_unit_test(touching_shifts_in_either_order),
	cmocka_unit_test(fewer_no_shows_than_the_limit_do_not_pause),
	cmocka_unit_test(hours_csv_streams_rows_with_masked_phones))
