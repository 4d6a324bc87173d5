/* How complaints were answered under a unit (issue 9, "Statistics"):
 * counts by state, category and day, median times, and the three rates
 * of 接诉即办, for the unit and for each of its children, so that a
 * cooperative sees which group lags.
 *
 * Of the complaints received in the range (created_at, Shanghai dates
 * from..to inclusive) under the unit's subtree:
 *
 *   响应率 response_rate     = accepted_at <= respond_due        / received
 *   解决率 resolution_rate   = resolved_at set and reopened = 0  / received
 *   满意率 satisfaction_rate = (rated 4-5 + 0.9 × rated 3)       / rated
 *
 * A rate whose denominator is 0 is absent (has_* false), as is a median
 * of nothing. Medians are in minutes from receipt (created_at) to
 * acceptance and to resolution. */
#ifndef HZ_COMPLAINT_STATS_H
#define HZ_COMPLAINT_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ctx.h"
#include "policy.h"

/* The longest range, in days. */
#define HZ_STATS_MAX_DAYS 366
/* The default range: the last 30 days, today included. */
#define HZ_STATS_DEFAULT_DAYS 30

struct hz_complaint_rates {
	uint64_t    unit_id;
	const char *name, *kind;
	long long   received;
	long long   accepted_in_time, resolved, rated, rated_good, rated_fair;
	bool        has_response, has_resolution, has_satisfaction;
	double      response_rate, resolution_rate, satisfaction_rate;
	bool        has_accept_median, has_resolve_median;
	double      median_accept_minutes, median_resolve_minutes;
};

struct hz_stat_count {
	const char *key;       /* a status, a category code, a yyyy-mm-dd */
	const char *name;      /* a category's name; else NULL */
	long long   n;
};

struct hz_complaint_stats {
	const char *from, *to;                 /* yyyy-mm-dd, Shanghai */
	struct hz_complaint_rates unit;
	struct hz_stat_count *by_status;       /* every status, in order */
	size_t                nstatus;
	struct hz_stat_count *by_category;     /* every category, by sort */
	size_t                ncategory;
	struct hz_stat_count *per_day;         /* every day from..to */
	size_t                ndays;
	struct hz_complaint_rates *children;   /* by id */
	size_t                nchildren;
};

/* Staff only (403 otherwise). `unit` 0: the caller's broadest scope root;
 * a unit outside their scope is 404. from/to NULL: the last 30 days;
 * from after to, or more than 366 days, is 422. */
enum hz_status hz_complaint_stats(const struct hz_ctx *, uint64_t unit,
                                  const char *from, const char *to,
                                  struct hz_complaint_stats *out);

/* The pieces hz_complaint_stats is made of, for other summaries (the
 * dashboard) that must count the same way. */

/* Completes and checks a range of Shanghai dates: NULL from/to are the
 * last 30 days; a bad date, from after to or more than 366 days is 422.
 * Sets *from and *to (yyyy-mm-dd) and [*lo, *hi) in UTC seconds. */
enum hz_status hz_stats_range(const struct hz_ctx *, const char **from,
                              const char **to, time_t *lo, time_t *hi);

/* The caller's broadest scope root (the shortest path) under which they
 * hold `right`, else the broadest they may read; 0 if none. */
uint64_t hz_stats_default_unit(const struct hz_caller *, enum hz_right);

/* The counts and rates, without medians, of the complaints received in
 * [lo, hi) under the unit at `path`: into out[0] for the unit and
 * out[1..n-1] for its children (their unit_id set by the caller), from
 * one statement grouped by child. */
enum hz_status hz_complaint_rates_by_child(const struct hz_ctx *,
                                           const char *path, time_t lo,
                                           time_t hi,
                                           struct hz_complaint_rates *out,
                                           size_t n);

/* The same counts and rates from the counts kept per group and day
 * (complaint_tallies, sql/0023): exact, and a few hundred rows whatever
 * the range, for a village's or a cooperative's children (groups, or
 * cooperatives made of groups). [lo, hi) are Shanghai midnights. */
enum hz_status hz_complaint_rates_tallied(const struct hz_ctx *,
                                          const char *path, time_t lo,
                                          time_t hi,
                                          struct hz_complaint_rates *out,
                                          size_t n);

#endif
