/* A staff member's home: what waits for them today (今日待办, issue 11),
 * counted in a few cheap statements over their own scope. */
#ifndef HZ_HOME_H
#define HZ_HOME_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

struct hz_todo_list {
	uint64_t    id;
	uint64_t    building_id;
	const char *building_name;
	int         left;             /* items still open */
};

struct hz_todo {
	/* Pending registrations where the caller decides them; overdue:
	 * waiting more than 24 hours. */
	long long   registrations, registrations_overdue;
	/* The caller's directive receipts: count = those waiting for them
	 * (unread, or to be done), each once; unread and undone overlap. */
	long long   directives, directives_unread, directives_undone;
	/* Items still open this month on lists the caller may tick; the
	 * lists themselves when there are at most 20 (a head's). */
	long long   checklist;
	const char *month;
	size_t      nlists;
	struct hz_todo_list *lists;
	/* Open complaints at buildings the caller handles. */
	long long   complaints, complaints_overdue;
};

/* Staff only (403 for a resident). */
enum hz_status hz_todo(const struct hz_ctx *, struct hz_todo *out);

/* ---- The home of anyone logged in (GET /me/home, issue 12) ---- */

/* A resident's latest registration, unless it ended (moved out: none).
 * The check-in rule (DESIGN.md, "Check-in"): an active renter confirms
 * they still live there by scanning their building's code once every
 * calendar month (Shanghai); a scan sets the tenancy's last_verified_at.
 * So the next one is due by the end of this month, or, once this month's
 * is done, by the end of the next. */
struct hz_home_residence {
	uint64_t    tenancy_id;
	const char *status;           /* pending, active or rejected */
	const char *address;          /* "石门巷3号" */
	const char *building_name;
	const char *next_checkin_due; /* yyyy-mm-dd; NULL unless active */
	bool        checked_in_this_month;
};

/* What a staff member looks after: the unit of their highest grant that
 * reads units (the first such on a tie), with its open registrations
 * (building_renters) and open complaints. */
struct hz_home_unit {
	uint64_t    id;
	const char *name;
	const char *kind;
	long long   renters_active, renters_pending, complaints_open;
	size_t      units;            /* how many subtrees the figures add
	                                 up (a head of 4 buildings: 4; then
	                                 name says so and id, kind are the
	                                 highest one's) */
};

struct hz_home {
	const char *name;             /* the registered name of a resident
	                                 with a registration, else the
	                                 display name */
	struct hz_home_residence *residence;  /* residents; NULL: none */
	bool        staff;
	long long   todo_total;       /* staff: the sum of hz_todo's counts */
	struct hz_home_unit *unit;    /* staff with a unit; NULL: none */
};

/* Anyone logged in; a few point reads (a resident: one statement). */
enum hz_status hz_home(const struct hz_ctx *, struct hz_home *out);

#endif
