/* Volunteer shifts at the stations (sql/0010): publishing them, signing
 * up without ever overbooking, the waiting list, attendance by scanning
 * the station's code, hours, and the scheduler's reminders and no-shows.
 *
 * Capacity is kept by the database, not by C: a sign-up's transaction
 * locks the volunteer's row, then the shift's row, and confirms with a
 * guarded counter (`confirmed < capacity`), so no interleaving of
 * requests can confirm more than the capacity. A cancellation promotes
 * the first in line in the same transaction. Times are x->now. */
#ifndef HZ_SHIFTS_H
#define HZ_SHIFTS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ctx.h"
#include "json.h"
#include "page.h"
#include "stations.h"

#define HZ_SHIFT_CAPACITY_MAX   500
#define HZ_SHIFT_REPEAT_MAX     26      /* half a year of weeks */
#define HZ_SHIFT_HOURS_MAX      12      /* one shift's length */
#define HZ_SHIFT_LIST_MAX       500     /* shifts in one list answer */
#define HZ_SHIFT_RANGE_DAYS     62      /* from..to of one list */
#define HZ_SHIFT_CHECKIN_EARLY  30      /* minutes before the start */
#define HZ_SHIFT_CHECKOUT_LATE  120     /* minutes after the end */
#define HZ_SHIFT_CANCEL_BEFORE  (3 * 3600)  /* default cancel deadline */

struct hz_shift_rules {
	struct hz_rule title, description, requirements, capacity, time,
	               every, count, reason;
};
extern const struct hz_shift_rules hz_shift_rules;
extern const char *const hz_shift_repeats[];   /* "day", "week"; NULL-ended */

/* What the caller's own sign-up is ("none" when they have none). */
struct hz_shift_mine {
	uint64_t    signup_id;       /* 0: none */
	const char *status;          /* none, confirmed, waiting, cancelled,
	                                removed, no_show */
	int         position;        /* 1-based place on the waiting list;
	                                0 unless waiting */
	const char *checked_in_at;   /* RFC 3339 or NULL */
	const char *checked_out_at;
	int         minutes;         /* -1: not counted yet */
};

struct hz_shift {
	uint64_t    id;
	uint64_t    station_id;
	const char *station_name;
	const char *station_kind;
	uint64_t    series_id;       /* 0: a single shift */
	const char *title;
	const char *description;     /* NULL: none */
	const char *requirements;    /* NULL: none */
	const char *starts_at;       /* RFC 3339, Shanghai */
	const char *ends_at;
	const char *signup_deadline;
	const char *cancel_deadline;
	int         capacity;
	int         confirmed;
	int         waiting;
	int         free;            /* capacity - confirmed */
	const char *status;          /* open, cancelled */
	const char *cancel_reason;   /* NULL unless cancelled */
	bool        signup_open;     /* open, before its sign-up deadline */
	bool        can_manage;      /* the caller manages its station */
	struct hz_shift_mine mine;
};

/* A new shift, or the first of a series. Times are RFC 3339 already
 * parsed. signup_deadline 0: the start; cancel_deadline 0: 3 hours
 * before the start (or the creation time if that is later). */
struct hz_shift_new {
	uint64_t    station_id;
	const char *title, *description, *requirements;
	time_t      starts_at, ends_at, signup_deadline, cancel_deadline;
	int         capacity;
	/* Repeats: `count` shifts (1 = just this one), each `every` later
	 * ("day" or "week"; NULL when count is 1). */
	const char *every;
	int         count;
};

/* Creates the shift(s) in one transaction (the station's manager or an
 * admin, or the operator at the command line); audited. *out gets the created shifts in time order. */
enum hz_status hz_shift_create(const struct hz_ctx *, const struct hz_shift_new *,
                               struct hz_shift **out, size_t *n);

/* A change; NULL strings and 0 numbers/times stay. Times cannot move
 * once anyone holds a place (409 shift_has_signups); capacity cannot drop
 * below the confirmed count (409 capacity_below_confirmed), and a raise
 * promotes the waiting list at once. */
struct hz_shift_edit {
	const char *title, *description, *requirements;
	time_t      starts_at, ends_at, signup_deadline, cancel_deadline;
	int         capacity;
};
enum hz_status hz_shift_update(const struct hz_ctx *, uint64_t id,
                               const struct hz_shift_edit *,
                               struct hz_shift *out);
/* Cancels the shift and tells everyone confirmed or waiting why. */
enum hz_status hz_shift_cancel(const struct hz_ctx *, uint64_t id,
                               const char *reason, struct hz_shift *out);

/* One shift, with the caller's own sign-up (any signed-in user). */
enum hz_status hz_shift_get(const struct hz_ctx *, uint64_t id,
                            struct hz_shift *);

/* Shifts starting in [from, to) (at most HZ_SHIFT_RANGE_DAYS apart), of
 * one station or (station 0) all, in start order, at most
 * HZ_SHIFT_LIST_MAX (*truncated says more exist). */
enum hz_status hz_shifts_list(const struct hz_ctx *, uint64_t station,
                              time_t from, time_t to, struct hz_shift **out,
                              size_t *n, bool *truncated);

/* --- Signing up. --- */

/* Confirms the caller, or puts them on the waiting list when full.
 * Refused: signup_closed (409, past the deadline or cancelled),
 * shift_overlap (409: a confirmed shift at the same time),
 * volunteer_paused (403, with the date it ends). Signing up again while
 * confirmed or waiting changes nothing (*created false). */
enum hz_status hz_shift_signup(const struct hz_ctx *, uint64_t shift,
                               struct hz_shift *out, bool *created);
/* The caller withdraws (confirmed or waiting). Refused after the cancel
 * deadline when confirmed (409 cancel_too_late: ask the manager).
 * A freed place goes to the first in line, who is told, until the cancel
 * deadline (after it, nobody is moved in: they could not withdraw). */
enum hz_status hz_shift_withdraw(const struct hz_ctx *, uint64_t shift,
                                 struct hz_shift *out);
/* The manager takes someone off (any time before the shift closes);
 * they are told. Audited. */
enum hz_status hz_shift_remove(const struct hz_ctx *, uint64_t shift,
                               uint64_t signup, struct hz_shift *out);

/* --- The roster (the station's manager). --- */

struct hz_roster_entry {
	uint64_t    signup_id;
	uint64_t    user_id;
	const char *name;            /* display name, NULL if none */
	const char *phone_masked;    /* NULL if none */
	const char *status;
	int         position;        /* waiting only */
	const char *signed_up_at;
	const char *checked_in_at;
	const char *checked_out_at;
	int         minutes;         /* -1: not counted yet */
};

/* Everyone who signed up, confirmed first, then the waiting list in
 * order, then those who left; the shift in *shift. */
enum hz_status hz_shift_roster(const struct hz_ctx *, uint64_t shift,
                               struct hz_shift *, struct hz_roster_entry **out,
                               size_t *n);

/* --- The volunteer's own. --- */

struct hz_signup {
	uint64_t        id;
	struct hz_shift shift;       /* with .mine filled */
};

/* The caller's sign-ups, newest first (after: the last id seen). */
enum hz_status hz_my_signups(const struct hz_ctx *, const struct hz_page *,
                             struct hz_signup **out, size_t *n, bool *more);

struct hz_hours_part {
	uint64_t    station_id;      /* per station */
	const char *station_name;
	const char *month;           /* per month: "2026-11" (Shanghai) */
	long long   minutes;
	long long   shifts;
};

struct hz_hours {
	long long             minutes, shifts;
	struct hz_hours_part *stations, *months;
	size_t                nstations, nmonths;
	const char           *paused_until;   /* RFC 3339, NULL: not paused */
	long long             no_shows;       /* within the no-show window */
};

/* Counted minutes of the caller's shifts ending in [from, to) (0: no
 * bound). */
enum hz_status hz_my_hours(const struct hz_ctx *, time_t from, time_t to,
                           struct hz_hours *);

/* Hours per volunteer at a station for shifts ending in [from, to), as
 * CSV rows written through `row` as they are read (never the whole file
 * in memory): name, masked phone, shifts, no-shows, minutes, hours.
 * The station's manager or an admin; audited. */
enum hz_status hz_station_hours_csv(const struct hz_ctx *, uint64_t station,
                                    time_t from, time_t to,
                                    enum hz_status (*row)(void *, const char *line,
                                                          size_t len),
                                    void *arg);

/* --- Attendance: scanning the station's code. --- */

struct hz_attendance {
	uint64_t    signup_id;
	const char *action;          /* check_in, check_out */
	bool        repeated;        /* a scan within 10 minutes: no change */
	struct hz_shift shift;
	const char *at;              /* the check-in or check-out time */
	int         minutes;         /* after a check-out; -1 otherwise */
};

/* The caller's confirmed shift at the station whose window (30 minutes
 * before the start to the end; check-out up to 2 hours after) holds
 * now: the first scan checks in, a later one (10 minutes on) checks
 * out. Refused: no_shift_now (409, with what to do). */
enum hz_status hz_station_checkin(const struct hz_ctx *, uint64_t station,
                                  struct hz_attendance *);

/* What scanning a station's poster shows (GET /scan/{token}): the
 * station, and for a signed-in caller their shift there now. */
struct hz_station_scan {
	struct hz_station station;
	char              check_code[8];
	struct hz_shift  *shift;     /* the caller's confirmed shift whose
	                                window holds now; NULL: none */
	/* login (anonymous), check_in or check_out (a shift now), shifts
	 * (always), manage (the station's manager or an admin). */
	const char       *actions[4];
	size_t            nactions;
};
enum hz_status hz_scan_station(const struct hz_ctx *, const char *token,
                               struct hz_station_scan *);

/* Minutes inside [start, end] of a stay from `in` to `out` (out 0: to
 * the end), rounded to the nearest 15 (a half rounds up). */
int hz_shift_minutes(time_t start, time_t end, time_t in, time_t out);

/* --- Scheduler jobs (hz_jobs[]). --- */

/* Tells each confirmed volunteer of an open shift starting within the
 * next 24 hours, once per shift. n[0]: shifts, n[1]: volunteers. */
enum hz_status hz_shifts_remind(const struct hz_ctx *, unsigned long long *n);
/* Closes ended shifts: counts a missing check-out to the end, marks the
 * confirmed who never checked in no_show, and pauses anyone reaching the
 * limit. n[0]: shifts, n[1]: no-shows, n[2]: pauses. */
enum hz_status hz_shifts_close(const struct hz_ctx *, unsigned long long *n);

#endif
