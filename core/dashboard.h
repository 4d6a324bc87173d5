/* The village dashboard (信息化管理平台, issue 11): for a unit and each of
 * its children, the figures a cadre follows, each from one set-based
 * statement grouped by child, however many children there are:
 *
 *   renters     tenancies under the unit now: active, pending (as each
 *               building counts them, sql/0014), and pending for more
 *               than 24 hours (overdue, tenancies.h)
 *   checkins    scans of building codes this week (Monday to Sunday in
 *               Shanghai, holding x->now): residence and patrol
 *   complaints  received from..to, with the three rates of
 *               complaint_stats.h (counted by the same statement)
 *   checklist   the monthly lists of this month: lists, completed
 *   directives  receipts of directives sent from..to, placed by the
 *               receipt's unit: receipts, read, needing done, done
 *   volunteer   minutes earned at shifts that ended this month at
 *               stations under the unit
 *
 * A row at the unit itself (a receipt of its group leader, a station at
 * the cooperative) counts in the unit's total only. */
#ifndef HZ_DASHBOARD_H
#define HZ_DASHBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "complaint_stats.h"
#include "ctx.h"

struct hz_dash_row {
	uint64_t    unit_id;
	const char *name, *kind;
	long long   active, pending, overdue;          /* renters */
	long long   residence, patrol;                 /* check-ins this week */
	struct hz_complaint_rates complaints;          /* from..to */
	long long   lists, completed;                  /* checklists this month */
	bool        has_checklist_rate;
	double      checklist_rate;                    /* completed / lists */
	long long   receipts, read, needs_done, done;  /* directives from..to */
	bool        has_read_rate, has_done_rate;
	double      read_rate;                         /* read / receipts */
	double      done_rate;                         /* done / needs_done */
	long long   volunteer_minutes;                 /* this month */
};

struct hz_dashboard {
	const char *from, *to;               /* yyyy-mm-dd, Shanghai */
	const char *week_from, *week_to;     /* Monday, Sunday */
	const char *month;                   /* yyyy-mm */
	struct hz_dash_row  total;
	struct hz_dash_row *children;        /* by id */
	size_t              nchildren;
};

/* DASHBOARD (cadres, admins) on `unit`: 404 outside the caller's scope,
 * 403 inside it without the right (a group leader), 403 for a resident.
 * `unit` 0: the caller's broadest root. from/to as hz_stats_range (NULL:
 * the last 30 days; 422 when out of order or longer than 366 days). */
enum hz_status hz_dashboard(const struct hz_ctx *, uint64_t unit,
                            const char *from, const char *to,
                            struct hz_dashboard *out);

/* The same rows as CSV (UTF-8 with a BOM, Chinese headers): the header
 * line, the unit's row, then one line per child, each handed to `row`
 * as it is made; nothing is handed over when a check fails. */
enum hz_status hz_dashboard_csv(const struct hz_ctx *, uint64_t unit,
                                const char *from, const char *to,
                                enum hz_status (*row)(void *, const char *,
                                                      size_t),
                                void *arg);

#endif
