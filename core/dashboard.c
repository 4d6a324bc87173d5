#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "csv.h"
#include "dashboard.h"
#include "num.h"
#include "policy.h"
#include "units.h"

#define SHANGHAI (8 * 3600)

enum {
	STMT_RENTERS, STMT_GROUP_RENTERS, STMT_OVERDUE, STMT_CHECKINS,
	STMT_CHECKIN_DAYS, STMT_CHECKLISTS, STMT_GROUP_CHECKLISTS,
	STMT_RECEIPTS, STMT_TALLIES, STMT_MINUTES, STMT_VILLAGE_OVERDUE,
	STMT_COOP_RENTERS, STMT_COOP_OVERDUE, STMT_COOP_CHECKLISTS,
	STMT_COOP_TALLIES, STMT__MAX
};

/* The id, as text, of the child of the unit (whose path is the first
 * argument) that a row at `path` is under; '' for a row at the unit
 * itself. Every statement groups by it: one scan answers every child. */
#define CHILD(path) "SUBSTRING_INDEX(SUBSTRING(" path ", LENGTH(?) + 1)," \
	" '/', 1)"
#define N(e) "CAST(COALESCE(SUM(" e "), 0) AS SIGNED)"

/* Each statement's row: the child, then up to four counts. */
enum { C_CHILD, C_1, C_2, C_3, C_4 };

static const char *const sql[STMT__MAX] = {
	/* path, path: open tenancies as each building counts them
	 * (building_renters, sql/0014), one row per building. */
	[STMT_RENTERS] =
	    "SELECT " CHILD("u.path") ", " N("r.active") ", " N("r.pending")
	    " FROM units u JOIN building_renters r ON r.building_id = u.id"
	    " WHERE u.path LIKE CONCAT(?, '%') GROUP BY 1",
	/* A village's or a cooperative's (path, path): the same summed per
	 * group first (building_renters_group: the index alone, every
	 * building of the deployment), so that a hundred groups meet the
	 * tree, not 2 000 buildings. */
	[STMT_GROUP_RENTERS] =
	    "SELECT " CHILD("g.path") ", " N("r.active") ", " N("r.pending")
	    " FROM (SELECT group_id, SUM(active) AS active,"
	    " SUM(pending) AS pending FROM building_renters"
	    " FORCE INDEX (building_renters_group)"
	    " GROUP BY group_id) r STRAIGHT_JOIN units g FORCE INDEX (PRIMARY)"
	    " ON g.id = r.group_id"
	    " WHERE g.path LIKE CONCAT(?, '%') GROUP BY 1",
	/* path, overdue before (UTC s), path: pending ones past 24 hours,
	 * with their building from the index (tenancies_overdue, sql/0021). */
	[STMT_OVERDUE] =
	    "SELECT " CHILD("u.path") ", COUNT(*)"
	    " FROM tenancies t JOIN units u ON u.id = t.building_id"
	    " WHERE t.status = 'pending' AND t.created_at < FROM_UNIXTIME(?)"
	    " AND u.path LIKE CONCAT(?, '%') GROUP BY 1",
	/* A group's or a building's (path, week [lo, hi), path): its
	 * buildings' check-ins of the week (checkins_building), a few
	 * hundred; the village's are counted below. */
	[STMT_CHECKINS] =
	    "SELECT " CHILD("u.path") ", " N("c.kind = 'residence'") ", "
	    N("c.kind = 'patrol'") " FROM units u"
	    " STRAIGHT_JOIN checkins c FORCE INDEX (checkins_building)"
	    " ON c.building_id = u.id AND c.at >= FROM_UNIXTIME(?)"
	    " AND c.at < FROM_UNIXTIME(?)"
	    " WHERE u.path LIKE CONCAT(?, '%') GROUP BY 1",
	/* A village's or a cooperative's (path, the week's first day and
	 * the next week's, path, week [lo, hi), path): the days rolled up
	 * per group (checkin_days, sql/0021: 7 x 100 rows at the bench's
	 * village) and the check-ins from the watermark on, counted per
	 * building from the index alone (checkins_week), then placed. One
	 * statement, so one snapshot: a run of the job between two would
	 * count its check-ins twice or not at all. The watermark is read
	 * while the plan is made (a constant), so the range holds it.
	 * STRAIGHT_JOIN keeps the counts first: joined the other way MariaDB
	 * split them per unit (LATERAL DERIVED) and read each building's
	 * every check-in ever kept. */
	[STMT_CHECKIN_DAYS] =
	    "SELECT " CHILD("t.path") ", " N("t.residence") ", "
	    N("t.patrol") " FROM ("
	    " SELECT g.path, d.residence, d.patrol"
	    " FROM checkin_days d FORCE INDEX (PRIMARY)"
	    " JOIN units g ON g.id = d.unit_id"
	    " WHERE d.day >= ? AND d.day < ? AND g.path LIKE CONCAT(?, '%')"
	    " UNION ALL"
	    " SELECT u.path, c.residence, c.patrol FROM (SELECT building_id,"
	    " SUM(kind = 'residence') AS residence,"
	    " SUM(kind = 'patrol') AS patrol"
	    " FROM checkins FORCE INDEX (checkins_week)"
	    " WHERE at >= GREATEST(FROM_UNIXTIME(?), COALESCE((SELECT upto"
	    " FROM rollup_marks WHERE name = 'checkin_days'), FROM_UNIXTIME(0)))"
	    " AND at < FROM_UNIXTIME(?)"
	    " GROUP BY building_id) c STRAIGHT_JOIN units u"
	    " ON u.id = c.building_id"
	    " WHERE u.path LIKE CONCAT(?, '%')) t GROUP BY 1",
	/* path, month, path (checklists_path). */
	[STMT_CHECKLISTS] =
	    "SELECT " CHILD("unit_path") ", COUNT(*), "
	    N("completed_at IS NOT NULL")
	    " FROM checklists WHERE month = ? AND unit_path LIKE CONCAT(?, '%')"
	    " GROUP BY 1",
	/* A village's or a cooperative's (path, month, path): the month's
	 * lists per group first (checklists_done: the index alone). */
	[STMT_GROUP_CHECKLISTS] =
	    "SELECT " CHILD("g.path") ", " N("c.lists") ", " N("c.completed")
	    " FROM (SELECT group_id, COUNT(*) AS lists,"
	    " SUM(completed_at IS NOT NULL) AS completed FROM checklists"
	    " FORCE INDEX (checklists_done)"
	    " WHERE month = ? GROUP BY group_id) c"
	    " STRAIGHT_JOIN units g FORCE INDEX (PRIMARY) ON g.id = c.group_id"
	    " WHERE g.path LIKE CONCAT(?, '%') GROUP BY 1",
	/* A group's or a building's (path, [lo, hi), path): its receipts
	 * (receipts_path, sql/0021) of the directives sent in the range,
	 * wherever the directive was sent. */
	[STMT_RECEIPTS] =
	    "SELECT " CHILD("r.unit_path") ", COUNT(*), "
	    N("r.read_at IS NOT NULL") ", " N("d.needs_done") ", "
	    N("d.needs_done AND r.done_at IS NOT NULL")
	    " FROM directive_receipts r FORCE INDEX (receipts_path)"
	    " STRAIGHT_JOIN directives d FORCE INDEX (PRIMARY)"
	    " ON d.id = r.directive_id"
	    " WHERE d.created_at >= FROM_UNIXTIME(?)"
	    " AND d.created_at < FROM_UNIXTIME(?)"
	    " AND r.unit_path LIKE CONCAT(?, '%') GROUP BY 1",
	/* A village's or a cooperative's (path, [lo, hi), path): the same
	 * from the receipts' counts per group (directive_tallies, kept with
	 * each receipt: sql/0021), one row per directive and group, summed
	 * per group before they meet the tree. */
	[STMT_TALLIES] =
	    "SELECT " CHILD("g.path") ", " N("t.receipts") ", " N("t.read_n")
	    ", " N("t.needs_done") ", " N("t.done_n")
	    " FROM (SELECT t.unit_id, SUM(t.receipts) AS receipts,"
	    " SUM(t.read_n) AS read_n, SUM(d.needs_done * t.receipts)"
	    " AS needs_done, SUM(d.needs_done * t.done_n) AS done_n"
	    " FROM directives d FORCE INDEX (directives_created)"
	    " STRAIGHT_JOIN directive_tallies t FORCE INDEX (PRIMARY)"
	    " ON t.directive_id = d.id"
	    " WHERE d.created_at >= FROM_UNIXTIME(?)"
	    " AND d.created_at < FROM_UNIXTIME(?) GROUP BY t.unit_id) t"
	    " STRAIGHT_JOIN units g FORCE INDEX (PRIMARY) ON g.id = t.unit_id"
	    " WHERE g.path LIKE CONCAT(?, '%') GROUP BY 1",
	/* path, month [lo, hi), path: minutes at the unit's stations
	 * (signups_station_end). */
	[STMT_MINUTES] =
	    "SELECT " CHILD("u.path") ", " N("g.minutes")
	    " FROM units u JOIN stations s ON s.unit_id = u.id"
	    " JOIN shift_signups g ON g.station_id = s.id"
	    " AND g.shift_ends_at >= FROM_UNIXTIME(?)"
	    " AND g.shift_ends_at < FROM_UNIXTIME(?)"
	    " AND g.minutes IS NOT NULL"
	    " WHERE u.path LIKE CONCAT(?, '%') GROUP BY 1",
	/* A village's (path, overdue before, path): the pending ones past
	 * 24 hours per cooperative from the index alone (tenancies_since,
	 * sql/0020: the range of the time-dependent part), placed by the
	 * cooperatives, not by each one's building. */
	[STMT_VILLAGE_OVERDUE] =
	    "SELECT " CHILD("c.path") ", " N("t.n")
	    " FROM (SELECT coop_id, COUNT(*) AS n"
	    " FROM tenancies FORCE INDEX (tenancies_since)"
	    " WHERE status = 'pending' AND created_at < FROM_UNIXTIME(?)"
	    " GROUP BY coop_id) t"
	    " STRAIGHT_JOIN units c FORCE INDEX (PRIMARY) ON c.id = t.coop_id"
	    " WHERE c.path LIKE CONCAT(?, '%') GROUP BY 1",
	/* A cooperative's: its groups (units_parent: the tree's four
	 * levels make a cooperative's children groups), each counted
	 * through its own range of the per-group index, not the village's
	 * every row filtered by path. The child's id as text (CHILD's
	 * form). Renters (cooperative). */
	[STMT_COOP_RENTERS] =
	    "SELECT CAST(g.id AS CHAR), " N("r.active") ", " N("r.pending")
	    " FROM units g FORCE INDEX (units_parent)"
	    " STRAIGHT_JOIN building_renters r"
	    " FORCE INDEX (building_renters_group) ON r.group_id = g.id"
	    " WHERE g.parent_id = ? GROUP BY g.id",
	/* cooperative, overdue before (tenancies_coop_since, sql/0020). */
	[STMT_COOP_OVERDUE] =
	    "SELECT CAST(group_id AS CHAR), COUNT(*)"
	    " FROM tenancies FORCE INDEX (tenancies_coop_since)"
	    " WHERE coop_id = ? AND status = 'pending'"
	    " AND created_at < FROM_UNIXTIME(?) GROUP BY group_id",
	/* month, cooperative (checklists_done). */
	[STMT_COOP_CHECKLISTS] =
	    "SELECT CAST(g.id AS CHAR), COUNT(*), "
	    N("c.completed_at IS NOT NULL")
	    " FROM units g FORCE INDEX (units_parent)"
	    " STRAIGHT_JOIN checklists c FORCE INDEX (checklists_done)"
	    " ON c.month = ? AND c.group_id = g.id"
	    " WHERE g.parent_id = ? GROUP BY g.id",
	/* [lo, hi), cooperative: the range's directives' tallies of its
	 * groups, a point read each (a receipt counts at a building's
	 * group or at a leader's own). */
	[STMT_COOP_TALLIES] =
	    "SELECT CAST(g.id AS CHAR), " N("t.receipts") ", " N("t.read_n")
	    ", " N("d.needs_done * t.receipts") ", "
	    N("d.needs_done * t.done_n")
	    " FROM directives d FORCE INDEX (directives_created)"
	    " STRAIGHT_JOIN units g FORCE INDEX (units_parent)"
	    " STRAIGHT_JOIN directive_tallies t FORCE INDEX (PRIMARY)"
	    " ON t.directive_id = d.id AND t.unit_id = g.id"
	    " WHERE d.created_at >= FROM_UNIXTIME(?)"
	    " AND d.created_at < FROM_UNIXTIME(?) AND g.parent_id = ?"
	    " GROUP BY g.id",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("dashboard", sql);

/* The week (Monday 00:00 to the next Monday, Shanghai) and the month
 * holding x->now, as UTC seconds and as the dates the answer shows. */
struct periods {
	time_t      week_lo, week_hi, month_lo, month_hi;
	const char *day_hi;     /* the Shanghai date of week_hi */
};

static const char *
date_of(hz_arena *a, time_t t)
{
	struct tm tm;

	t += SHANGHAI;
	gmtime_r(&t, &tm);
	return hz_arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
}

static enum hz_status
periods(const struct hz_ctx *x, struct periods *p, struct hz_dashboard *o)
{
	time_t local = x->now + SHANGHAI, day = local - local % 86400;
	struct tm tm;

	gmtime_r(&local, &tm);
	/* tm_wday: 0 is Sunday. */
	p->week_lo = day - (time_t)((tm.tm_wday + 6) % 7) * 86400 - SHANGHAI;
	p->week_hi = p->week_lo + 7 * 86400;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	p->month_lo = timegm(&tm) - SHANGHAI;
	tm.tm_mon++;            /* timegm carries December into January */
	p->month_hi = timegm(&tm) - SHANGHAI;
	o->week_from = date_of(x->arena, p->week_lo);
	o->week_to = date_of(x->arena, p->week_hi - 86400);
	p->day_hi = date_of(x->arena, p->week_hi);
	o->month = hz_arena_printf(x->arena, "%.7s", date_of(x->arena,
	    p->month_lo));
	return o->week_from && o->week_to && p->day_hi && o->month ? HZ_OK :
	    HZ_ERR_NOMEM;
}

/* The child row for the id in text `key`; NULL for '' (a row at the unit
 * itself) and for anything that is no child. */
static struct hz_dash_row *
slot(struct hz_dashboard *o, const char *key)
{
	int64_t id;

	if (key != NULL && hz_parse_i64z(key, 1, HZ_ID_MAX, &id))
		for (size_t i = 0; i < o->nchildren; i++)
			if (o->children[i].unit_id == (uint64_t)id)
				return &o->children[i];
	return NULL;
}

/* Adds each row of `r` to the total and to its child: column c of the
 * result goes to the fields at offs[c - 1]. */
static void
add(struct hz_dashboard *o, const struct hz_db_result *r, const size_t *offs,
    size_t n)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct hz_dash_row *rows[2] = { &o->total,
		    slot(o, HZ_CELL(r, i, C_CHILD)->s) };

		for (size_t k = 0; k < 2; k++)
			for (size_t c = 0; rows[k] != NULL && c < n; c++)
				*(long long *)(void *)((char *)rows[k] +
				    offs[c]) += HZ_CELL(r, i, C_1 + c)->i;
	}
}

#define AT(f) offsetof(struct hz_dash_row, f)

static void
rates(struct hz_dash_row *w)
{
	if ((w->has_checklist_rate = w->lists > 0))
		w->checklist_rate = (double)w->completed / (double)w->lists;
	if ((w->has_read_rate = w->receipts > 0))
		w->read_rate = (double)w->read / (double)w->receipts;
	if ((w->has_done_rate = w->needs_done > 0))
		w->done_rate = (double)w->done / (double)w->needs_done;
}

/* A village's and a cooperative's children hold groups: their renters,
 * check-ins, checklists and receipts are summed per group first, from
 * counts kept per group where there are some (sql/0021, sql/0023); a
 * cooperative's through its own groups' index ranges. A group's
 * children are buildings, which those do not tell apart: its figures (and
 * a building's) are counted per building, a few hundred rows. */
static enum hz_status
figures(const struct hz_ctx *x, const struct hz_unit *u, time_t lo, time_t hi,
        const struct periods *p, struct hz_dashboard *o)
{
	const char *path = u->path;
	const bool rolled = strcmp(u->kind, "village") == 0 ||
	    strcmp(u->kind, "cooperative") == 0;
	static const size_t renters[] = { AT(active), AT(pending) };
	static const size_t overdue[] = { AT(overdue) };
	static const size_t checkins[] = { AT(residence), AT(patrol) };
	static const size_t lists[] = { AT(lists), AT(completed) };
	static const size_t receipts[] = { AT(receipts), AT(read),
	    AT(needs_done), AT(done) };
	static const size_t minutes[] = { AT(volunteer_minutes) };
	const bool coop = strcmp(u->kind, "cooperative") == 0;
	const struct hz_db_arg P = HZ_ARG_STR(path);
	const struct hz_db_arg U = HZ_ARG_I64((long long)u->id);
	const struct hz_db_arg due = HZ_ARG_I64((long long)(x->now - 24 * 3600));
	struct hz_complaint_rates *c;
	struct hz_db_result r;
	enum hz_status rc;

	if (coop)
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_COOP_RENTERS,
		    HZ_ARGS(U), &r);
	else
		rc = hz_db_run(x->db, x->arena, &stmts, rolled ?
		    STMT_GROUP_RENTERS : STMT_RENTERS, HZ_ARGS(P, P), &r);
	if (rc)
		return rc;
	add(o, &r, renters, 2);
	if (coop)
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_COOP_OVERDUE,
		    HZ_ARGS(U, due), &r);
	else
		rc = hz_db_run(x->db, x->arena, &stmts, rolled ?
		    STMT_VILLAGE_OVERDUE : STMT_OVERDUE, HZ_ARGS(P, due, P), &r);
	if (rc)
		return rc;
	add(o, &r, overdue, 1);
	if (rolled)
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_CHECKIN_DAYS,
		    HZ_ARGS(P, HZ_ARG_STR(o->week_from), HZ_ARG_STR(p->day_hi),
		    P, HZ_ARG_I64((long long)p->week_lo),
		    HZ_ARG_I64((long long)p->week_hi), P), &r);
	else
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_CHECKINS,
		    HZ_ARGS(P, HZ_ARG_I64((long long)p->week_lo),
		    HZ_ARG_I64((long long)p->week_hi), P), &r);
	if (rc)
		return rc;
	add(o, &r, checkins, 2);
	if (coop)
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_COOP_CHECKLISTS,
		    HZ_ARGS(HZ_ARG_STR(o->month), U), &r);
	else
		rc = hz_db_run(x->db, x->arena, &stmts, rolled ?
		    STMT_GROUP_CHECKLISTS : STMT_CHECKLISTS, HZ_ARGS(P,
		    HZ_ARG_STR(o->month), P), &r);
	if (rc)
		return rc;
	add(o, &r, lists, 2);
	if (coop)
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_COOP_TALLIES,
		    HZ_ARGS(HZ_ARG_I64((long long)lo), HZ_ARG_I64((long long)hi),
		    U), &r);
	else
		rc = hz_db_run(x->db, x->arena, &stmts, rolled ? STMT_TALLIES :
		    STMT_RECEIPTS, HZ_ARGS(P, HZ_ARG_I64((long long)lo),
		    HZ_ARG_I64((long long)hi), P), &r);
	if (rc)
		return rc;
	add(o, &r, receipts, 4);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MINUTES, HZ_ARGS(P,
	    HZ_ARG_I64((long long)p->month_lo),
	    HZ_ARG_I64((long long)p->month_hi), P), &r)))
		return rc;
	add(o, &r, minutes, 1);

	/* Complaints: counted by complaint_stats, into an array in its
	 * shape, the unit first; a village's and a cooperative's from the
	 * counts kept per group and day (sql/0023). */
	if ((c = hz_arena_calloc(x->arena, o->nchildren + 1, sizeof(*c))) ==
	    NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < o->nchildren; i++)
		c[i + 1].unit_id = o->children[i].unit_id;
	if ((rc = (rolled ? hz_complaint_rates_tallied :
	    hz_complaint_rates_by_child)(x, path, lo, hi, c, o->nchildren + 1)))
		return rc;
	for (size_t i = 0; i <= o->nchildren; i++) {
		struct hz_dash_row *w = i ? &o->children[i - 1] : &o->total;

		w->complaints = c[i];
		w->complaints.name = w->name;
		w->complaints.kind = w->kind;
		rates(w);
	}
	return HZ_OK;
}

enum hz_status
hz_dashboard(const struct hz_ctx *x, uint64_t unit, const char *from,
             const char *to, struct hz_dashboard *o)
{
	struct hz_unit u, *kids;
	struct periods p;
	time_t lo, hi;
	size_t n;
	enum hz_status rc;

	memset(o, 0, sizeof(*o));
	if (x->caller == NULL || !x->caller->staff)
		return hz_refuse(x, &hz_refusal_staff_only);
	/* Dates first: a bad range is the same answer for any unit. */
	if ((rc = hz_stats_range(x, &from, &to, &lo, &hi)) ||
	    (rc = periods(x, &p, o)))
		return rc;
	o->from = from;
	o->to = to;
	if (unit == 0 && (unit = hz_stats_default_unit(x->caller,
	    HZ_RIGHT_DASHBOARD)) == 0)
		return HZ_ERR_NOT_FOUND;
	if ((rc = hz_unit_scoped(x, unit, HZ_RIGHT_DASHBOARD, &u)) ||
	    (rc = hz_unit_children(x, unit, &kids, &n)))
		return rc;
	o->total = (struct hz_dash_row){ .unit_id = u.id, .name = u.name,
	    .kind = u.kind };
	if (n && (o->children = hz_arena_calloc(x->arena, n,
	    sizeof(*o->children))) == NULL)
		return HZ_ERR_NOMEM;
	o->nchildren = n;
	for (size_t i = 0; i < n; i++)
		o->children[i] = (struct hz_dash_row){ .unit_id = kids[i].id,
		    .name = kids[i].name, .kind = kids[i].kind };
	return figures(x, &u, lo, hi, &p, o);
}

/* --- CSV. --- */

static const char *
kind_zh(const char *kind)
{
	static const char *const k[][2] = { { "village", "村" },
	    { "cooperative", "经济社" }, { "group", "户组" },
	    { "building", "楼栋" } };

	for (size_t i = 0; i < sizeof(k) / sizeof(*k); i++)
		if (strcmp(kind, k[i][0]) == 0)
			return k[i][1];
	return kind;
}

/* A rate as a percentage with one decimal ("66.7%", which spreadsheets
 * read as a number), empty without a denominator. */
static void
pct(struct hz_buf *b, bool has, double v)
{
	char s[16];

	if (has)
		snprintf(s, sizeof(s), "%.1f%%", v * 100);
	hz_csv_field(b, has ? s : NULL, false);
}

static void
num(struct hz_buf *b, long long v, bool last)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", v);
	hz_csv_field(b, s, last);
}

/* Minutes as hours to a tenth, as the page shows them ("2.5", "3"). */
static void
hours(struct hz_buf *b, long long minutes)
{
	long long tenths = (minutes * 10 + 30) / 60;
	char s[32];

	if (tenths % 10 == 0)
		snprintf(s, sizeof(s), "%lld", tenths / 10);
	else
		snprintf(s, sizeof(s), "%lld.%lld", tenths / 10, tenths % 10);
	hz_csv_field(b, s, true);
}

static void
csv_line(struct hz_buf *b, const struct hz_dash_row *w)
{
	const struct hz_complaint_rates *c = &w->complaints;

	hz_csv_field(b, w->name, false);
	hz_csv_field(b, kind_zh(w->kind), false);
	num(b, w->active, false);
	num(b, w->pending, false);
	num(b, w->overdue, false);
	num(b, w->residence, false);
	num(b, w->patrol, false);
	num(b, c->received, false);
	num(b, c->resolved, false);
	pct(b, c->has_response, c->response_rate);
	pct(b, c->has_resolution, c->resolution_rate);
	pct(b, c->has_satisfaction, c->satisfaction_rate);
	num(b, w->lists, false);
	num(b, w->completed, false);
	pct(b, w->has_checklist_rate, w->checklist_rate);
	num(b, w->receipts, false);
	num(b, w->read, false);
	num(b, w->needs_done, false);
	num(b, w->done, false);
	pct(b, w->has_read_rate, w->read_rate);
	pct(b, w->has_done_rate, w->done_rate);
	hours(b, w->volunteer_minutes);
}

enum hz_status
hz_dashboard_csv(const struct hz_ctx *x, uint64_t unit, const char *from,
                 const char *to, enum hz_status (*row)(void *, const char *,
                                                       size_t), void *arg)
{
	static const char *const head[] = { "单位", "类型", "在住人数",
	    "待审核登记", "超时未审核", "本周住户打卡", "本周巡查", "诉求数",
	    "已解决", "响应率", "解决率", "满意率", "本月清单", "已完成清单",
	    "清单完成率", "通知回执", "已读", "需确认完成", "已完成", "已读率",
	    "完成率", "本月志愿服务时长（小时）" };
	const size_t nhead = sizeof(head) / sizeof(*head);
	struct hz_dashboard d;
	struct hz_buf b;
	enum hz_status rc;

	if ((rc = hz_dashboard(x, unit, from, to, &d)))
		return rc;
	hz_buf_init(&b, x->arena);
	hz_buf_puts(&b, "\xef\xbb\xbf");
	for (size_t i = 0; i < nhead; i++)
		hz_csv_field(&b, head[i], i + 1 == nhead);
	rc = b.oom ? HZ_ERR_NOMEM : row(arg, b.data, b.len);
	for (size_t i = 0; rc == HZ_OK && i <= d.nchildren; i++) {
		hz_buf_init(&b, x->arena);
		csv_line(&b, i ? &d.children[i - 1] : &d.total);
		rc = b.oom ? HZ_ERR_NOMEM : row(arg, b.data, b.len);
	}
	return rc;
}
