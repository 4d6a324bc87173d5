#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "clock.h"
#include "complaint_stats.h"
#include "complaints.h"
#include "num.h"
#include "policy.h"
#include "units.h"

#define SHANGHAI (8 * 3600)

enum {
	STMT_RATES, STMT_MEDIAN_ACCEPT, STMT_MEDIAN_RESOLVE, STMT_BY_STATUS,
	STMT_BY_CATEGORY, STMT_PER_DAY, STMT_TALLIED, STMT__MAX
};

/* The statements' arguments: the subtree's path and the range [lo, hi)
 * in UTC seconds (complaints_created is the index); the rates and the
 * medians take the path once more first, for CHILD. */
#define IN_RANGE "unit_path LIKE CONCAT(?, '%')" \
	" AND created_at >= FROM_UNIXTIME(?) AND created_at < FROM_UNIXTIME(?)"
/* The id of the child unit a complaint is under, as text ('' when it is
 * at the unit itself, e.g. a free-text place at the village): the next
 * segment of its path after the unit's. Every number of every child comes
 * from one scan, however many children there are. */
#define CHILD "SUBSTRING_INDEX(SUBSTRING(unit_path, LENGTH(?) + 1), '/', 1)"

#define SUM_OF(e) "CAST(COALESCE(SUM(" e "), 0) AS SIGNED)"

#define RATES_ROW(C, L) C(R_CHILD, CHILD) C(R_RECEIVED, "COUNT(*)") \
	C(R_IN_TIME, "CAST(COALESCE(SUM(accepted_at <= respond_due), 0)" \
	    " AS SIGNED)") \
	C(R_RESOLVED, "CAST(COALESCE(SUM(resolved_at IS NOT NULL" \
	    " AND reopened = 0), 0) AS SIGNED)") \
	C(R_RATED, "CAST(COALESCE(SUM(rating IS NOT NULL), 0) AS SIGNED)") \
	C(R_GOOD, "CAST(COALESCE(SUM(rating >= 4), 0) AS SIGNED)") \
	L(R_FAIR, "CAST(COALESCE(SUM(rating = 3), 0) AS SIGNED)")
enum { RATES_ROW(HZ_COL_ENUM, HZ_COL_ENUM) R__NCOLS };

/* Medians (interpolated between the two middle values when their number
 * is even) of seconds from receipt to `col`: per child, and of the
 * whole unit, one row per child. */
enum { M_CHILD, M_CHILD_MEDIAN, M_UNIT_MEDIAN };
#define MEDIAN(col) \
	"SELECT DISTINCT child," \
	" PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY s)" \
	"  OVER (PARTITION BY child)," \
	" PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY s) OVER ()" \
	" FROM (SELECT " CHILD " AS child," \
	"  TIMESTAMPDIFF(MICROSECOND, created_at, " col ") / 1000000 AS s" \
	"  FROM complaints WHERE " IN_RANGE " AND " col " IS NOT NULL) t"

static const char *const sql[STMT__MAX] = {
	[STMT_RATES] = "SELECT " RATES_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM complaints WHERE " IN_RANGE " GROUP BY 1",
	[STMT_MEDIAN_ACCEPT] = MEDIAN("accepted_at"),
	[STMT_MEDIAN_RESOLVE] = MEDIAN("resolved_at"),
	[STMT_BY_STATUS] =
	    "SELECT CAST(status AS CHAR), COUNT(*) FROM complaints"
	    " WHERE " IN_RANGE " GROUP BY status",
	[STMT_BY_CATEGORY] =
	    "SELECT c.code, c.name, COUNT(k.id) FROM complaint_categories c"
	    " LEFT JOIN complaints k ON k.category_id = c.id"
	    " AND k.unit_path LIKE CONCAT(?, '%')"
	    " AND k.created_at >= FROM_UNIXTIME(?)"
	    " AND k.created_at < FROM_UNIXTIME(?)"
	    " GROUP BY c.id, c.code, c.name, c.sort ORDER BY c.sort, c.id",
	[STMT_PER_DAY] =
	    "SELECT DATE_FORMAT(created_at + INTERVAL 8 HOUR, '%Y-%m-%d') d,"
	    " COUNT(*) FROM complaints WHERE " IN_RANGE
	    " GROUP BY d ORDER BY d",
	/* The same counts as STMT_RATES from the counts kept per unit
	 * holding the place (complaint_tallies, sql/0023): path; the first
	 * day range [lo, hi) and its weight, the other days' weight; the
	 * months [lo, hi), both day ranges [lo, hi); path. A few hundred
	 * rows of the primary key, summed per unit before they meet the
	 * tree. */
	[STMT_TALLIED] =
	    "SELECT SUBSTRING_INDEX(SUBSTRING(g.path, LENGTH(?) + 1), '/', 1),"
	    " " SUM_OF("t.n") ", " SUM_OF("t.i") ", " SUM_OF("t.r") ", "
	    SUM_OF("t.k") ", " SUM_OF("t.g") ", " SUM_OF("t.f")
	    " FROM (SELECT p.unit_id, SUM(p.received * p.w) AS n,"
	    " SUM(p.in_time * p.w) AS i, SUM(p.resolved * p.w) AS r,"
	    " SUM(p.rated * p.w) AS k, SUM(p.good * p.w) AS g,"
	    " SUM(p.fair * p.w) AS f"
	    " FROM (SELECT unit_id, received, in_time, resolved, rated, good,"
	    " fair, IF(span = 'month', 1, IF(day >= ? AND day < ?, ?, ?)) AS w"
	    " FROM complaint_tallies FORCE INDEX (PRIMARY)"
	    " WHERE (span = 'month' AND day >= ? AND day < ?)"
	    " OR (span = 'day' AND day >= ? AND day < ?)"
	    " OR (span = 'day' AND day >= ? AND day < ?)) p"
	    " GROUP BY p.unit_id) t"
	    " STRAIGHT_JOIN units g FORCE INDEX (PRIMARY) ON g.id = t.unit_id"
	    " WHERE g.path LIKE CONCAT(?, '%') GROUP BY 1",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("complaint_stats",
    sql);

static const struct hz_refusal
    bad_order = { HZ_ERR_INVALID, "validation_failed", "from",
	"开始日期不能晚于结束日期" },
    too_long = { HZ_ERR_INVALID, "validation_failed", "to",
	"统计区间最长 366 天，请缩短日期范围" },
    bad_date = { HZ_ERR_INVALID, "validation_failed", "from",
	"日期应为 YYYY-MM-DD" },
    /* What the database's times hold (FROM_UNIXTIME, MariaDB 10.11). */
    bad_year = { HZ_ERR_INVALID, "validation_failed", "from",
	"日期超出范围，请选择 1971 年至 2037 年之间的日期" };

/* Shanghai's midnight starting yyyy-mm-dd, in UTC seconds. */
static bool
midnight(const char *date, time_t *out)
{
	int d = hz_date_parse(date);
	struct tm tm;

	if (d < 0)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d / 10000 - 1900;
	tm.tm_mon = d / 100 % 100 - 1;
	tm.tm_mday = d % 100;
	*out = timegm(&tm) - SHANGHAI;
	return true;
}

/* The Shanghai date of UTC second t, as yyyy-mm-dd. */
static const char *
date_of(hz_arena *a, time_t t)
{
	struct tm tm;

	t += SHANGHAI;
	gmtime_r(&t, &tm);
	return hz_arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
}

struct range {
	const char *path;
	time_t      lo, hi;
};

static enum hz_status
run(const struct hz_ctx *x, size_t stmt, const struct range *g,
    struct hz_db_result *r)
{
	return hz_db_run(x->db, x->arena, &stmts, stmt, HZ_ARGS(
	    HZ_ARG_STR(g->path), HZ_ARG_I64((long long)g->lo),
	    HZ_ARG_I64((long long)g->hi)), r);
}

static enum hz_status
run_by_child(const struct hz_ctx *x, size_t stmt, const struct range *g,
             struct hz_db_result *r)
{
	return hz_db_run(x->db, x->arena, &stmts, stmt, HZ_ARGS(
	    HZ_ARG_STR(g->path), HZ_ARG_STR(g->path),
	    HZ_ARG_I64((long long)g->lo), HZ_ARG_I64((long long)g->hi)), r);
}

/* The rates of the unit (out[0]) and of each child (out[1..n]), from the
 * counts each holds. */
static void
finish(struct hz_complaint_rates *o)
{
	if ((o->has_response = o->has_resolution = o->received > 0)) {
		o->response_rate = (double)o->accepted_in_time /
		    (double)o->received;
		o->resolution_rate = (double)o->resolved / (double)o->received;
	}
	if ((o->has_satisfaction = o->rated > 0))
		o->satisfaction_rate = ((double)o->rated_good +
		    0.9 * (double)o->rated_fair) / (double)o->rated;
}

/* out[1 + i] for the child whose id is the text `key`; out[0] (the unit
 * alone) for '' and for anything that is no child of it. */
static struct hz_complaint_rates *
slot(struct hz_complaint_rates *out, size_t n, const char *key)
{
	int64_t id;

	if (key != NULL && hz_parse_i64z(key, 1, HZ_ID_MAX, &id))
		for (size_t i = 1; i < n; i++)
			if (out[i].unit_id == (uint64_t)id)
				return &out[i];
	return NULL;
}

static double
seconds_cell(const struct hz_db_cell *c)
{
	return c->s ? strtod(c->s, NULL) : (double)c->i;
}

static enum hz_status
medians(const struct hz_ctx *x, size_t stmt, const struct range *g,
        struct hz_complaint_rates *out, size_t n, bool accept)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = run_by_child(x, stmt, g, &r)))
		return rc;
	for (size_t i = 0; i < r.nrows; i++) {
		struct hz_complaint_rates *o;
		const struct hz_db_cell *c;

		for (int k = 0; k < 2; k++) {
			o = k == 0 ? &out[0] : slot(out, n,
			    HZ_CELL(&r, i, M_CHILD)->s);
			c = HZ_CELL(&r, i, k == 0 ? M_UNIT_MEDIAN :
			    M_CHILD_MEDIAN);
			if (o == NULL || c->null)
				continue;
			if (accept) {
				o->has_accept_median = true;
				o->median_accept_minutes = seconds_cell(c) / 60;
			} else {
				o->has_resolve_median = true;
				o->median_resolve_minutes = seconds_cell(c) / 60;
			}
		}
	}
	return HZ_OK;
}

/* Adds each row of r (a child, then the counts in RATES_ROW's order) to
 * its child and to the unit, and makes the rates. */
static void
add_rates(const struct hz_db_result *r, struct hz_complaint_rates *out,
          size_t n)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct hz_complaint_rates *c = slot(out, n,
		    HZ_CELL(r, i, R_CHILD)->s);

		for (int k = 0; k < 2; k++) {
			struct hz_complaint_rates *o = k ? c : &out[0];

			if (o == NULL)
				continue;
			o->received += HZ_CELL(r, i, R_RECEIVED)->i;
			o->accepted_in_time += HZ_CELL(r, i, R_IN_TIME)->i;
			o->resolved += HZ_CELL(r, i, R_RESOLVED)->i;
			o->rated += HZ_CELL(r, i, R_RATED)->i;
			o->rated_good += HZ_CELL(r, i, R_GOOD)->i;
			o->rated_fair += HZ_CELL(r, i, R_FAIR)->i;
		}
	}
	for (size_t i = 0; i < n; i++)
		finish(&out[i]);
}

enum hz_status
hz_complaint_rates_by_child(const struct hz_ctx *x, const char *path,
                            time_t lo, time_t hi,
                            struct hz_complaint_rates *out, size_t n)
{
	const struct range g = { path, lo, hi };
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = run_by_child(x, STMT_RATES, &g, &r)))
		return rc;
	add_rates(&r, out, n);
	return HZ_OK;
}

/* Shanghai day number d (days since 1970-01-01) as yyyy-mm-dd. */
static const char *
day_text(hz_arena *a, long long d)
{
	return date_of(a, (time_t)(d * 86400 - SHANGHAI));
}

/* The day number of the 1st of the month holding day d, and of the
 * month `ahead` months on. */
static long long
month_of(long long d, int ahead)
{
	time_t t = (time_t)(d * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_mday = 1;
	tm.tm_mon += ahead;     /* timegm carries December into January */
	return (long long)(timegm(&tm) / 86400);
}

/* The days of [a, b) that may hold rows: none after today. */
static long long
cost(long long a, long long b, long long today)
{
	if (b > today + 1)
		b = today + 1;
	return b > a ? b - a : 0;
}

enum hz_status
hz_complaint_rates_tallied(const struct hz_ctx *x, const char *path,
                           time_t lo, time_t hi,
                           struct hz_complaint_rates *out, size_t n)
{
	/* Days [f, e) of the range; the 1st of its first and last months
	 * (mf, ml) and of the months after them. */
	const long long f = ((long long)lo + SHANGHAI) / 86400;
	const long long e = ((long long)hi + SHANGHAI) / 86400;
	const long long today = ((long long)x->now + SHANGHAI) / 86400;
	const long long mf = month_of(f, 0), mf1 = month_of(f, 1);
	const long long ml = month_of(e - 1, 0), ml1 = month_of(e - 1, 1);
	/* Whole months [m0, m1), plus or minus (w1, w2) two day ranges. */
	long long m0, m1, a1, b1, w1, a2, b2, w2;
	const char *d[6];
	struct hz_db_result r;
	enum hz_status rc;

	if (mf == ml && cost(f, e, today) <= cost(mf, f, today) +
	    cost(e, ml1, today)) {
		/* Within a month: its days. */
		m0 = m1 = mf;
		a1 = f, b1 = e, w1 = 1;
		a2 = b2 = e, w2 = 1;
	} else {
		/* The months it touches, less the days before it in the
		 * first and after it in the last, or without that month and
		 * with its days in the range instead: what reads fewer. */
		if (mf == ml || cost(mf, f, today) <= cost(f, mf1, today))
			m0 = mf, a1 = mf, b1 = f, w1 = -1;
		else
			m0 = mf1, a1 = f, b1 = mf1, w1 = 1;
		if (mf == ml || cost(e, ml1, today) <= cost(ml, e, today))
			m1 = ml1, a2 = e, b2 = ml1, w2 = -1;
		else
			m1 = ml, a2 = ml, b2 = e, w2 = 1;
	}
	d[0] = day_text(x->arena, a1);
	d[1] = day_text(x->arena, b1);
	d[2] = day_text(x->arena, m0);
	d[3] = day_text(x->arena, m1);
	d[4] = day_text(x->arena, a2);
	d[5] = day_text(x->arena, b2);
	for (size_t i = 0; i < sizeof(d) / sizeof(*d); i++)
		if (d[i] == NULL)
			return HZ_ERR_NOMEM;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TALLIED, HZ_ARGS(
	    HZ_ARG_STR(path), HZ_ARG_STR(d[0]), HZ_ARG_STR(d[1]),
	    HZ_ARG_I64(w1), HZ_ARG_I64(w2), HZ_ARG_STR(d[2]),
	    HZ_ARG_STR(d[3]), HZ_ARG_STR(d[0]), HZ_ARG_STR(d[1]),
	    HZ_ARG_STR(d[4]), HZ_ARG_STR(d[5]), HZ_ARG_STR(path)), &r)))
		return rc;
	add_rates(&r, out, n);
	return HZ_OK;
}

/* out[0] for the unit, out[1 + i] for kids[i]: every count, rate and
 * median, from three statements. */
static enum hz_status
rates(const struct hz_ctx *x, const struct range *g,
      struct hz_complaint_rates *out, size_t n)
{
	enum hz_status rc;

	if ((rc = hz_complaint_rates_by_child(x, g->path, g->lo, g->hi, out,
	    n)))
		return rc;
	if (out[0].received == 0)
		return HZ_OK;
	if ((rc = medians(x, STMT_MEDIAN_ACCEPT, g, out, n, true)))
		return rc;
	return medians(x, STMT_MEDIAN_RESOLVE, g, out, n, false);
}

/* The shortest path (the first of those) among the caller's scope roots
 * for `right`: a path's last segment is its unit's id. */
static uint64_t
broadest(const struct hz_caller *c, enum hz_right right)
{
	const char *roots[HZ_GRANTS_MAX], *best = NULL, *p;
	size_t n = hz_scope_roots(c, right, roots, HZ_GRANTS_MAX);
	size_t depth = 0, bd = 0;
	char seg[24];
	int64_t id;

	for (size_t i = 0; i < n; i++) {
		depth = 0;
		for (p = roots[i]; *p; p++)
			depth += *p == '/';
		if (best == NULL || depth < bd) {
			best = roots[i];
			bd = depth;
		}
	}
	if (best == NULL || strlen(best) < 3)
		return 0;
	/* "/1/5/12/" → "12" */
	p = best + strlen(best) - 1;
	while (p > best && p[-1] != '/')
		p--;
	if (strlen(p) - 1 >= sizeof(seg))
		return 0;
	memcpy(seg, p, strlen(p) - 1);
	seg[strlen(p) - 1] = '\0';
	return hz_parse_i64z(seg, 1, HZ_ID_MAX, &id) ? (uint64_t)id : 0;
}

uint64_t
hz_stats_default_unit(const struct hz_caller *c, enum hz_right right)
{
	uint64_t id = broadest(c, right);

	return id ? id : broadest(c, HZ_RIGHT_UNIT_READ);
}

static enum hz_status
counts(const struct hz_ctx *x, const struct range *g,
       struct hz_complaint_stats *o)
{
	struct hz_db_result r;
	enum hz_status rc;
	size_t ns = 0, k = 0;

	/* Every status, zero or not. */
	while (hz_complaint_statuses[ns])
		ns++;
	if ((rc = run(x, STMT_BY_STATUS, g, &r)))
		return rc;
	if ((o->by_status = hz_arena_calloc(x->arena, ns,
	    sizeof(*o->by_status))) == NULL)
		return HZ_ERR_NOMEM;
	o->nstatus = ns;
	for (size_t i = 0; i < ns; i++) {
		o->by_status[i].key = hz_complaint_statuses[i];
		for (size_t j = 0; j < r.nrows; j++)
			if (strcmp(HZ_CELL(&r, j, 0)->s,
			    hz_complaint_statuses[i]) == 0)
				o->by_status[i].n = HZ_CELL(&r, j, 1)->i;
	}

	if ((rc = run(x, STMT_BY_CATEGORY, g, &r)))
		return rc;
	if (r.nrows && (o->by_category = hz_arena_calloc(x->arena, r.nrows,
	    sizeof(*o->by_category))) == NULL)
		return HZ_ERR_NOMEM;
	o->ncategory = r.nrows;
	for (size_t i = 0; i < r.nrows; i++)
		o->by_category[i] = (struct hz_stat_count){
			.key = HZ_CELL(&r, i, 0)->s,
			.name = HZ_CELL(&r, i, 1)->s,
			.n = HZ_CELL(&r, i, 2)->i };

	/* Every day of the range, for a chart without gaps. */
	if ((rc = run(x, STMT_PER_DAY, g, &r)))
		return rc;
	o->ndays = (size_t)((g->hi - g->lo) / 86400);
	if ((o->per_day = hz_arena_calloc(x->arena, o->ndays,
	    sizeof(*o->per_day))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t d = 0; d < o->ndays; d++) {
		const char *day = date_of(x->arena, g->lo + (time_t)d * 86400);

		if (day == NULL)
			return HZ_ERR_NOMEM;
		o->per_day[d].key = day;
		if (k < r.nrows && strcmp(HZ_CELL(&r, k, 0)->s, day) == 0)
			o->per_day[d].n = HZ_CELL(&r, k++, 1)->i;
	}
	return HZ_OK;
}

enum hz_status
hz_stats_range(const struct hz_ctx *x, const char **from, const char **to,
               time_t *lo, time_t *hi)
{
	time_t today;

	if (*to == NULL && (*to = date_of(x->arena, x->now)) == NULL)
		return HZ_ERR_NOMEM;
	if (*from == NULL) {
		if (!midnight(*to, &today))
			return hz_refuse(x, &bad_date);
		if ((*from = date_of(x->arena, today -
		    (HZ_STATS_DEFAULT_DAYS - 1) * 86400)) == NULL)
			return HZ_ERR_NOMEM;
	}
	if (!midnight(*from, lo) || !midnight(*to, hi))
		return hz_refuse(x, &bad_date);
	if (*lo > *hi)
		return hz_refuse(x, &bad_order);
	*hi += 86400;
	if (*lo < 0 || *hi > 2147483647)
		return hz_refuse(x, &bad_year);
	if ((*hi - *lo) / 86400 > HZ_STATS_MAX_DAYS)
		return hz_refuse(x, &too_long);
	return HZ_OK;
}

enum hz_status
hz_complaint_stats(const struct hz_ctx *x, uint64_t unit, const char *from,
                   const char *to, struct hz_complaint_stats *o)
{
	struct hz_unit u, *kids;
	struct hz_complaint_rates *all;
	struct range g;
	size_t nkids;
	enum hz_status rc;

	memset(o, 0, sizeof(*o));
	if (x->caller == NULL || !x->caller->staff)
		return hz_refuse(x, &hz_refusal_staff_only);
	/* Dates first: a bad range is the same answer for any unit. */
	if ((rc = hz_stats_range(x, &from, &to, &g.lo, &g.hi)))
		return rc;
	o->from = from;
	o->to = to;

	if (unit == 0 && (unit = broadest(x->caller, HZ_RIGHT_UNIT_READ)) == 0)
		return HZ_ERR_NOT_FOUND;
	if ((rc = hz_unit_scoped(x, unit, HZ_RIGHT_UNIT_READ, &u)) ||
	    (rc = hz_unit_children(x, unit, &kids, &nkids)))
		return rc;
	g.path = u.path;
	if ((all = hz_arena_calloc(x->arena, nkids + 1, sizeof(*all))) == NULL)
		return HZ_ERR_NOMEM;
	all[0].unit_id = u.id;
	all[0].name = u.name;
	all[0].kind = u.kind;
	for (size_t i = 0; i < nkids; i++) {
		all[i + 1].unit_id = kids[i].id;
		all[i + 1].name = kids[i].name;
		all[i + 1].kind = kids[i].kind;
	}
	if ((rc = rates(x, &g, all, nkids + 1)) || (rc = counts(x, &g, o)))
		return rc;
	o->unit = all[0];
	o->children = nkids ? all + 1 : NULL;
	o->nchildren = nkids;
	return HZ_OK;
}
