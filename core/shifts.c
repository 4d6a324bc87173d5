#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "csv.h"
#include "outbox.h"
#include "policy.h"
#include "qr.h"
#include "shifts.h"
#include "utf8.h"

/* A shift with its station and the caller's own sign-up (the first
 * argument of every statement built on it is the caller's id, 0 for
 * none). Times come twice where C compares them with x->now. */
#define SHIFT_ROW(C, L) \
	C(H_ID, "h.id") C(H_STATION, "h.station_id") \
	C(H_STATION_NAME, "s.name") C(H_STATION_KIND, "s.kind") \
	C(H_UNIT_PATH, "u.path") C(H_MANAGER, "s.manager_user_id") \
	C(H_SERIES, "h.series_id") C(H_TITLE, "h.title") \
	C(H_DESCRIPTION, "h.description") C(H_REQUIREMENTS, "h.requirements") \
	C(H_STARTS, "h.starts_at") C(H_ENDS, "h.ends_at") \
	C(H_SIGNUP_DL, "h.signup_deadline") C(H_CANCEL_DL, "h.cancel_deadline") \
	C(H_CAPACITY, "h.capacity") C(H_CONFIRMED, "h.confirmed") \
	C(H_WAITING, "h.waiting") C(H_STATUS, "h.status") \
	C(H_REASON, "h.cancel_reason") \
	C(H_SIGNUP_TS, "CAST(UNIX_TIMESTAMP(h.signup_deadline) AS SIGNED)") \
	C(H_CLOSED, "h.closed_at IS NOT NULL") \
	C(M_ID, "m.id") C(M_STATUS, "m.status") \
	C(M_IN, "m.checked_in_at") C(M_OUT, "m.checked_out_at") \
	C(M_MINUTES, "m.minutes") \
	L(M_POSITION, "IF(m.status = 'waiting', (SELECT COUNT(*)" \
	    " FROM shift_signups w WHERE w.shift_id = h.id" \
	    " AND w.status = 'waiting' AND w.queue_no <= m.queue_no), 0)")
enum { SHIFT_ROW(HZ_COL_ENUM, HZ_COL_ENUM) H__NCOLS };
#define FROM_SHIFTS " FROM shifts h JOIN stations s ON s.id = h.station_id" \
	" JOIN units u ON u.id = s.unit_id" \
	" LEFT JOIN shift_signups m ON m.shift_id = h.id AND m.user_id = ?"
#define SELECT_SHIFT "SELECT " SHIFT_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	FROM_SHIFTS

/* The shift under its row lock: what a sign-up, a withdrawal or an edit
 * decides on. Only the shift's row is read, so only it is locked. */
#define LOCK_ROW(C, L) \
	C(L_ID, "id") C(L_STATION, "station_id") C(L_TITLE, "title") \
	C(L_STATUS, "status") C(L_CAPACITY, "capacity") \
	C(L_CONFIRMED, "confirmed") C(L_WAITING, "waiting") \
	C(L_ENDS, "ends_at") C(L_CLOSED, "closed_at IS NOT NULL") \
	C(L_STARTS_TS, "CAST(UNIX_TIMESTAMP(starts_at) AS SIGNED)") \
	C(L_ENDS_TS, "CAST(UNIX_TIMESTAMP(ends_at) AS SIGNED)") \
	C(L_SIGNUP_TS, "CAST(UNIX_TIMESTAMP(signup_deadline) AS SIGNED)") \
	L(L_CANCEL_TS, "CAST(UNIX_TIMESTAMP(cancel_deadline) AS SIGNED)")
enum { LOCK_ROW(HZ_COL_ENUM, HZ_COL_ENUM) L__NCOLS };

#define ROSTER_ROW(C, L) \
	C(R_ID, "g.id") C(R_USER, "g.user_id") C(R_NAME, "p.display_name") \
	C(R_PHONE, "p.phone_sealed") C(R_STATUS, "g.status") \
	C(R_SIGNED, "g.signed_up_at") C(R_IN, "g.checked_in_at") \
	C(R_OUT, "g.checked_out_at") L(R_MINUTES, "g.minutes")
enum { ROSTER_ROW(HZ_COL_ENUM, HZ_COL_ENUM) R__NCOLS };

#define ATTEND_ROW(C, L) \
	C(A_ID, "g.id") C(A_SHIFT, "g.shift_id") \
	C(A_STARTS_TS, "CAST(UNIX_TIMESTAMP(h.starts_at) AS SIGNED)") \
	C(A_ENDS_TS, "CAST(UNIX_TIMESTAMP(h.ends_at) AS SIGNED)") \
	C(A_IN_TS, "CAST(UNIX_TIMESTAMP(g.checked_in_at) AS SIGNED)") \
	L(A_OUT_TS, "CAST(UNIX_TIMESTAMP(g.checked_out_at) AS SIGNED)")
enum { ATTEND_ROW(HZ_COL_ENUM, HZ_COL_ENUM) A__NCOLS };

/* "No bound" in hours queries: FROM_UNIXTIME of MariaDB 10.11 stops at
 * 2038-01-19. */
#define TIME_NONE_BEFORE 0LL
#define TIME_NONE_AFTER  2147483647LL

enum {
	STMT_GET, STMT_SERIES, STMT_LIST_ALL, STMT_LIST_STATION, STMT_MINE,
	STMT_LOCK_USER, STMT_LOCK_SHIFT, STMT_MY_SIGNUP, STMT_SIGNUP_BY_ID,
	STMT_PAUSED, STMT_OVERLAP, STMT_TAKE_PLACE, STMT_TAKE_WAIT, STMT_SEQ,
	STMT_UPSERT, STMT_LEAVE, STMT_FREE_PLACE, STMT_FREE_WAIT,
	STMT_WAITLIST, STMT_PROMOTE_PLACE, STMT_PROMOTE, STMT_INSERT_SERIES,
	STMT_INSERT, STMT_UPDATE, STMT_SIGNUP_ENDS, STMT_CANCEL, STMT_HOLDERS,
	STMT_ROSTER, STMT_HOURS_STATIONS, STMT_HOURS_MONTHS, STMT_NO_SHOWS,
	STMT_CSV, STMT_ATTEND, STMT_CHECK_IN, STMT_CHECK_OUT,
	STMT_DUE_REMIND, STMT_MARK_REMINDED, STMT_CONFIRMED_USERS,
	STMT_DUE_CLOSE, STMT_UNCHECKED_OUT, STMT_SET_MINUTES,
	STMT_NO_SHOW_USERS, STMT_MARK_NO_SHOW, STMT_PAUSE, STMT_MARK_CLOSED,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_GET] = SELECT_SHIFT " WHERE h.id = ?",
	[STMT_SERIES] = SELECT_SHIFT " WHERE h.series_id = ? ORDER BY h.starts_at",
	[STMT_LIST_ALL] = SELECT_SHIFT
	    " WHERE h.starts_at >= FROM_UNIXTIME(?) AND h.starts_at < FROM_UNIXTIME(?)"
	    " ORDER BY h.starts_at, h.id LIMIT ?",
	[STMT_LIST_STATION] = SELECT_SHIFT
	    " WHERE h.station_id = ? AND h.starts_at >= FROM_UNIXTIME(?)"
	    " AND h.starts_at < FROM_UNIXTIME(?) ORDER BY h.starts_at, h.id LIMIT ?",
	/* The caller's sign-ups, newest first: the join is driven by m. */
	[STMT_MINE] = SELECT_SHIFT
	    " WHERE m.user_id = ? AND m.id < COALESCE(NULLIF(?, 0), ~0)"
	    " ORDER BY m.id DESC LIMIT ?",

	/* A sign-up locks the volunteer, then the shift: a volunteer's own
	 * requests run one at a time (the overlap check holds), and the
	 * shift's requests run one at a time (the capacity holds). The
	 * volunteer's row is written, not only locked: on Galera a row lock
	 * is the local node's, and only a common written row makes two
	 * sign-ups on two nodes conflict at certification (sql/0022). The
	 * shift's row is always written (TAKE_PLACE, TAKE_WAIT, FREE_*). */
	[STMT_LOCK_USER] = "UPDATE users SET lock_seq = lock_seq + 1,"
	    " updated_at = updated_at WHERE id = ?",
	[STMT_LOCK_SHIFT] = "SELECT " LOCK_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM shifts WHERE id = ? FOR UPDATE",
	[STMT_MY_SIGNUP] =
	    "SELECT id, status FROM shift_signups WHERE shift_id = ?"
	    " AND user_id = ? FOR UPDATE",
	[STMT_SIGNUP_BY_ID] =
	    "SELECT id, status, user_id FROM shift_signups WHERE id = ?"
	    " AND shift_id = ? FOR UPDATE",
	[STMT_PAUSED] =
	    "SELECT paused_until FROM volunteer_pauses WHERE user_id = ?"
	    " AND paused_until > FROM_UNIXTIME(?)",
	/* A confirmed place in another open shift that meets [start, end). */
	[STMT_OVERLAP] =
	    "SELECT h.title FROM shift_signups g JOIN shifts h ON h.id = g.shift_id"
	    " WHERE g.user_id = ? AND g.status = 'confirmed'"
	    " AND g.shift_ends_at > FROM_UNIXTIME(?) AND h.id <> ?"
	    " AND h.status = 'open' AND h.starts_at < FROM_UNIXTIME(?) LIMIT 1",
	/* The guard is the capacity itself: 0 rows changed means full. */
	[STMT_TAKE_PLACE] =
	    "UPDATE shifts SET confirmed = confirmed + 1,"
	    " queue_seq = queue_seq + 1, revision = revision + 1,"
	    " updated_at = FROM_UNIXTIME(?) WHERE id = ? AND confirmed < capacity",
	[STMT_TAKE_WAIT] =
	    "UPDATE shifts SET waiting = waiting + 1, queue_seq = queue_seq + 1,"
	    " revision = revision + 1, updated_at = FROM_UNIXTIME(?) WHERE id = ?",
	[STMT_SEQ] = "SELECT queue_seq FROM shifts WHERE id = ?",
	/* A second sign-up after a withdrawal reuses the row, with a new
	 * place in the queue and no attendance. */
	[STMT_UPSERT] =
	    "INSERT INTO shift_signups (shift_id, user_id, station_id, status,"
	    " queue_no, signed_up_at, confirmed_at, shift_ends_at, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, FROM_UNIXTIME(?), IF(? = 'confirmed',"
	    " FROM_UNIXTIME(?), NULL), ?, FROM_UNIXTIME(?))"
	    " ON DUPLICATE KEY UPDATE status = VALUES(status),"
	    " queue_no = VALUES(queue_no), signed_up_at = VALUES(signed_up_at),"
	    " confirmed_at = VALUES(confirmed_at), cancelled_at = NULL,"
	    " checked_in_at = NULL, checked_out_at = NULL, minutes = NULL,"
	    " updated_at = VALUES(updated_at)",
	[STMT_LEAVE] =
	    "UPDATE shift_signups SET status = ?, cancelled_at = FROM_UNIXTIME(?),"
	    " updated_at = FROM_UNIXTIME(?) WHERE id = ?",
	[STMT_FREE_PLACE] =
	    "UPDATE shifts SET confirmed = confirmed - 1, revision = revision + 1,"
	    " updated_at = FROM_UNIXTIME(?) WHERE id = ? AND confirmed > 0",
	[STMT_FREE_WAIT] =
	    "UPDATE shifts SET waiting = waiting - 1, revision = revision + 1,"
	    " updated_at = FROM_UNIXTIME(?) WHERE id = ? AND waiting > 0",
	[STMT_WAITLIST] =
	    "SELECT id, user_id FROM shift_signups WHERE shift_id = ?"
	    " AND status = 'waiting' ORDER BY queue_no LIMIT 100",
	[STMT_PROMOTE_PLACE] =
	    "UPDATE shifts SET confirmed = confirmed + 1, waiting = waiting - 1,"
	    " revision = revision + 1, updated_at = FROM_UNIXTIME(?)"
	    " WHERE id = ? AND confirmed < capacity AND waiting > 0",
	[STMT_PROMOTE] =
	    "UPDATE shift_signups SET status = 'confirmed',"
	    " confirmed_at = FROM_UNIXTIME(?), updated_at = FROM_UNIXTIME(?)"
	    " WHERE id = ? AND status = 'waiting'",

	[STMT_INSERT_SERIES] =
	    "INSERT INTO shift_series (station_id, every_days, count, created_by,"
	    " created_at) VALUES (?, ?, ?, ?, FROM_UNIXTIME(?))",
	[STMT_INSERT] =
	    "INSERT INTO shifts (station_id, series_id, title, description,"
	    " requirements, starts_at, ends_at, signup_deadline, cancel_deadline,"
	    " capacity, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?,"
	    " FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?),"
	    " FROM_UNIXTIME(?), ?, ?, FROM_UNIXTIME(?), FROM_UNIXTIME(?))",
	[STMT_UPDATE] =
	    /* COALESCE keeps a text not given; '' clears the optional ones. */
	    "UPDATE shifts SET title = COALESCE(?, title),"
	    " description = IF(? IS NULL, description, NULLIF(?, '')),"
	    " requirements = IF(? IS NULL, requirements, NULLIF(?, '')),"
	    " starts_at = FROM_UNIXTIME(?), ends_at = FROM_UNIXTIME(?),"
	    " signup_deadline = FROM_UNIXTIME(?), cancel_deadline = FROM_UNIXTIME(?),"
	    " capacity = ?, revision = revision + 1, updated_at = FROM_UNIXTIME(?)"
	    " WHERE id = ?",
	[STMT_SIGNUP_ENDS] =
	    "UPDATE shift_signups SET shift_ends_at = FROM_UNIXTIME(?)"
	    " WHERE shift_id = ?",
	[STMT_CANCEL] =
	    "UPDATE shifts SET status = 'cancelled', cancel_reason = ?,"
	    " closed_at = FROM_UNIXTIME(?), revision = revision + 1,"
	    " updated_at = FROM_UNIXTIME(?) WHERE id = ? AND status = 'open'",
	[STMT_HOLDERS] =
	    "SELECT user_id FROM shift_signups WHERE shift_id = ?"
	    " AND status IN ('confirmed', 'waiting')",
	[STMT_ROSTER] =
	    "SELECT " ROSTER_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM shift_signups g JOIN users p ON p.id = g.user_id"
	    " WHERE g.shift_id = ? ORDER BY FIELD(g.status, 'confirmed',"
	    " 'waiting', 'no_show', 'cancelled', 'removed'), g.queue_no LIMIT 2000",

	[STMT_HOURS_STATIONS] =
	    "SELECT g.station_id, s.name, CAST(SUM(g.minutes) AS SIGNED), COUNT(*)"
	    " FROM shift_signups g JOIN stations s ON s.id = g.station_id"
	    " WHERE g.user_id = ? AND g.status = 'confirmed'"
	    " AND g.shift_ends_at >= FROM_UNIXTIME(?)"
	    " AND g.shift_ends_at < FROM_UNIXTIME(?) AND g.minutes IS NOT NULL"
	    " GROUP BY g.station_id, s.name ORDER BY g.station_id",
	/* Months in Shanghai (+08:00, no daylight saving). */
	[STMT_HOURS_MONTHS] =
	    "SELECT DATE_FORMAT(g.shift_ends_at + INTERVAL 8 HOUR, '%Y-%m') mo,"
	    " CAST(SUM(g.minutes) AS SIGNED), COUNT(*) FROM shift_signups g"
	    " WHERE g.user_id = ? AND g.status = 'confirmed'"
	    " AND g.shift_ends_at >= FROM_UNIXTIME(?)"
	    " AND g.shift_ends_at < FROM_UNIXTIME(?) AND g.minutes IS NOT NULL"
	    " GROUP BY mo ORDER BY mo",
	[STMT_NO_SHOWS] =
	    "SELECT COUNT(*) FROM shift_signups WHERE user_id = ?"
	    " AND status = 'no_show' AND shift_ends_at > FROM_UNIXTIME(?)",
	/* One page of volunteers (by id) with their totals at a station. */
	[STMT_CSV] =
	    "SELECT g.user_id, p.display_name, p.phone_sealed,"
	    " CAST(SUM(g.minutes IS NOT NULL) AS SIGNED),"
	    " CAST(SUM(g.status = 'no_show') AS SIGNED),"
	    " CAST(COALESCE(SUM(g.minutes), 0) AS SIGNED)"
	    " FROM shift_signups g JOIN users p ON p.id = g.user_id"
	    " WHERE g.station_id = ? AND g.shift_ends_at >= FROM_UNIXTIME(?)"
	    " AND g.shift_ends_at < FROM_UNIXTIME(?)"
	    " AND g.status IN ('confirmed', 'no_show') AND g.user_id > ?"
	    " GROUP BY g.user_id, p.display_name, p.phone_sealed"
	    " ORDER BY g.user_id LIMIT 200",

	/* The caller's confirmed shifts at a station that may take a scan
	 * now: started within the early window, not ended long ago. */
	[STMT_ATTEND] =
	    "SELECT " ATTEND_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM shift_signups g JOIN shifts h ON h.id = g.shift_id"
	    " WHERE g.user_id = ? AND g.station_id = ? AND g.status = 'confirmed'"
	    " AND h.status = 'open' AND g.shift_ends_at >= FROM_UNIXTIME(?)"
	    " AND h.starts_at <= FROM_UNIXTIME(?) ORDER BY h.starts_at LIMIT 8",
	/* Compare-and-set: of two scans at once, one checks in. */
	[STMT_CHECK_IN] =
	    "UPDATE shift_signups SET checked_in_at = FROM_UNIXTIME(?),"
	    " updated_at = FROM_UNIXTIME(?) WHERE id = ? AND checked_in_at IS NULL",
	[STMT_CHECK_OUT] =
	    "UPDATE shift_signups SET checked_out_at = FROM_UNIXTIME(?),"
	    " minutes = ?, updated_at = FROM_UNIXTIME(?) WHERE id = ?"
	    " AND checked_in_at IS NOT NULL AND checked_out_at IS NULL",

	[STMT_DUE_REMIND] =
	    "SELECT id FROM shifts WHERE starts_at > FROM_UNIXTIME(?)"
	    " AND starts_at <= FROM_UNIXTIME(?) AND status = 'open'"
	    " AND reminded_at IS NULL ORDER BY starts_at LIMIT 200",
	[STMT_MARK_REMINDED] =
	    "UPDATE shifts SET reminded_at = FROM_UNIXTIME(?) WHERE id = ?"
	    " AND reminded_at IS NULL AND status = 'open'",
	[STMT_CONFIRMED_USERS] =
	    "SELECT user_id FROM shift_signups WHERE shift_id = ?"
	    " AND status = 'confirmed'",
	[STMT_DUE_CLOSE] =
	    "SELECT id FROM shifts WHERE closed_at IS NULL"
	    " AND ends_at <= FROM_UNIXTIME(?) ORDER BY ends_at LIMIT 200",
	[STMT_UNCHECKED_OUT] =
	    "SELECT id, CAST(UNIX_TIMESTAMP(checked_in_at) AS SIGNED)"
	    " FROM shift_signups WHERE shift_id = ? AND status = 'confirmed'"
	    " AND checked_in_at IS NOT NULL AND checked_out_at IS NULL"
	    " AND minutes IS NULL",
	[STMT_SET_MINUTES] =
	    "UPDATE shift_signups SET minutes = ?, updated_at = FROM_UNIXTIME(?)"
	    " WHERE id = ?",
	[STMT_NO_SHOW_USERS] =
	    "SELECT id, user_id FROM shift_signups WHERE shift_id = ?"
	    " AND status = 'confirmed' AND checked_in_at IS NULL",
	[STMT_MARK_NO_SHOW] =
	    "UPDATE shift_signups SET status = 'no_show',"
	    " updated_at = FROM_UNIXTIME(?) WHERE id = ? AND status = 'confirmed'",
	[STMT_PAUSE] =
	    "INSERT INTO volunteer_pauses (user_id, paused_until, no_shows,"
	    " updated_at) VALUES (?, FROM_UNIXTIME(?), ?, FROM_UNIXTIME(?))"
	    " ON DUPLICATE KEY UPDATE paused_until = VALUES(paused_until),"
	    " no_shows = VALUES(no_shows), updated_at = VALUES(updated_at)",
	[STMT_MARK_CLOSED] =
	    "UPDATE shifts SET closed_at = FROM_UNIXTIME(?) WHERE id = ?"
	    " AND closed_at IS NULL",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("shifts", sql);

const char *const hz_shift_repeats[] = { "day", "week", NULL };

const struct hz_shift_rules hz_shift_rules = {
	.title = { HZ_F_STRING, 1, 100, "请填写班次名称（1 至 100 个字）" },
	.description = { HZ_F_STRING, 0, 1000, "班次说明最多 1000 个字", NULL,
	    HZ_MULTILINE },
	.requirements = { HZ_F_STRING, 0, 500, "报名要求最多 500 个字", NULL,
	    HZ_MULTILINE },
	.capacity = { HZ_F_INT, 1, HZ_SHIFT_CAPACITY_MAX,
	    "名额应为 1 至 500 人" },
	.time = { HZ_F_TIME, 20, 35,
	    "应为带时区的日期时间，如 2026-12-05T09:00:00+08:00" },
	.every = { HZ_F_ENUM, 0, 0, "重复方式应为 day（每天）或 week（每周）",
	    hz_shift_repeats },
	.count = { HZ_F_INT, 1, HZ_SHIFT_REPEAT_MAX,
	    "重复次数应为 1 至 26 次" },
	.reason = { HZ_F_STRING, 1, 200, "请填写取消原因（1 至 200 个字），"
	    "会通知已报名的志愿者" },
};

static const struct hz_refusal
    no_shift = { HZ_ERR_NOT_FOUND, "not_found", NULL,
	"没有找到这个班次，可能已被删除，请返回班次列表刷新" },
    login_first = { HZ_ERR_UNAUTHORIZED, "unauthorized", NULL,
	"请先登录" },
    start_past = { HZ_ERR_INVALID, "validation_failed", "starts_at",
	"开始时间须晚于现在" },
    end_before_start = { HZ_ERR_INVALID, "validation_failed", "ends_at",
	"结束时间须晚于开始时间" },
    too_long = { HZ_ERR_INVALID, "validation_failed", "ends_at",
	"一个班次最长 12 小时，请分成几个班次" },
    signup_after_start = { HZ_ERR_INVALID, "validation_failed",
	"signup_deadline", "报名截止时间不能晚于开始时间" },
    cancel_after_start = { HZ_ERR_INVALID, "validation_failed",
	"cancel_deadline", "取消截止时间不能晚于开始时间" },
    deadline_past = { HZ_ERR_INVALID, "validation_failed",
	"signup_deadline", "报名截止时间须晚于现在" },
    cancel_past = { HZ_ERR_INVALID, "validation_failed", "cancel_deadline",
	"取消截止时间须晚于现在（不填则为开始前 3 小时）" },
    too_far = { HZ_ERR_INVALID, "validation_failed", "starts_at",
	"只能发布一年以内的班次" },
    repeat_needs_every = { HZ_ERR_INVALID, "validation_failed",
	"repeat_every", "重复多次时请选择每天或每周" },
    has_signups = { HZ_ERR_CONFLICT, "shift_has_signups", "starts_at",
	"已有人报名，不能再改时间。如需改期，请取消此班次（会通知已报名的人）后重新发布" },
    below_confirmed = { HZ_ERR_CONFLICT, "capacity_below_confirmed",
	"capacity", "名额不能少于已确认报名的人数" },
    shift_cancelled = { HZ_ERR_CONFLICT, "shift_cancelled", NULL,
	"此班次已取消，请选择其他班次" },
    shift_closed = { HZ_ERR_CONFLICT, "shift_closed", NULL,
	"此班次已结束，不能再修改" },
    signup_closed = { HZ_ERR_CONFLICT, "signup_closed", NULL,
	"此班次已截止报名，请选择其他班次" },
    removed_before = { HZ_ERR_FORBIDDEN, "removed_by_manager", NULL,
	"站长已将您移出此班次，如有疑问请联系站长" },
    not_signed_up = { HZ_ERR_NOT_FOUND, "not_signed_up", NULL,
	"您没有报名此班次" },
    cancel_too_late = { HZ_ERR_CONFLICT, "cancel_too_late", NULL,
	"已过取消截止时间，不能在网上取消。如不能到场，请尽快联系站长说明" },
    not_on_roster = { HZ_ERR_NOT_FOUND, "not_found", NULL,
	"此人不在这个班次的名单上，请刷新名单" },
    no_longer_holding = { HZ_ERR_CONFLICT, "conflict", NULL,
	"此人已不在名单上（已取消或已被移出），请刷新名单" },
    range_too_wide = { HZ_ERR_INVALID, "validation_failed", "to",
	"一次最多查看 62 天的班次" },
    range_backwards = { HZ_ERR_INVALID, "validation_failed", "to",
	"结束时间须晚于开始时间" },
    no_shift_now = { HZ_ERR_CONFLICT, "no_shift_now", NULL,
	"现在没有您在此站点报名的班次可签到。班次开始前 30 分钟起可签到，"
	"结束后 2 小时内可签退；请在“志愿服务”里查看您的班次" };

/* --- Small helpers. --- */

/* A time_t as the database writes it, then as answers show it. */
static const char *
local(const struct hz_ctx *x, time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	return hz_time_local(x->arena, buf);
}

/* "12月6日 09:00" in Shanghai, for the texts people read. */
static const char *
spoken(const struct hz_ctx *x, time_t t)
{
	struct tm tm;
	time_t s = t + 8 * 3600;

	gmtime_r(&s, &tm);
	return hz_arena_printf(x->arena, "%d月%d日 %02d:%02d", tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* A bound of an hours query inside what FROM_UNIXTIME takes; 0 (none)
 * becomes `none`. */
static long long
clamp(time_t t, long long none)
{
	if (t == 0)
		return none;
	return t < 0 ? TIME_NONE_BEFORE : t > TIME_NONE_AFTER ? TIME_NONE_AFTER
	    : (long long)t;
}

static bool
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

int
hz_shift_minutes(time_t start, time_t end, time_t in, time_t out)
{
	time_t from = in > start ? in : start;
	time_t to = out == 0 || out > end ? end : out;

	if (to <= from)
		return 0;
	/* Nearest quarter hour, a half (7.5 minutes) rounding up. */
	return (int)((to - from + 450) / 900) * 15;
}

/* --- Reading shifts. --- */

static void
shift_of(const struct hz_ctx *x, const struct hz_db_cell *c,
         struct hz_shift *o)
{
	/* The station's rule, on the row at hand. */
	const struct hz_station st = {
		.unit_path = c[H_UNIT_PATH].s,
		.manager_id = HZ_ID(&c[H_MANAGER]),
	};

	*o = (struct hz_shift){
		.id = HZ_ID(&c[H_ID]),
		.station_id = HZ_ID(&c[H_STATION]),
		.station_name = c[H_STATION_NAME].s,
		.station_kind = c[H_STATION_KIND].s,
		.series_id = HZ_ID(&c[H_SERIES]),
		.title = c[H_TITLE].s,
		.description = HZ_TEXT(&c[H_DESCRIPTION]),
		.requirements = HZ_TEXT(&c[H_REQUIREMENTS]),
		.starts_at = hz_time_local(x->arena, c[H_STARTS].s),
		.ends_at = hz_time_local(x->arena, c[H_ENDS].s),
		.signup_deadline = hz_time_local(x->arena, c[H_SIGNUP_DL].s),
		.cancel_deadline = hz_time_local(x->arena, c[H_CANCEL_DL].s),
		.capacity = (int)c[H_CAPACITY].i,
		.confirmed = (int)c[H_CONFIRMED].i,
		.waiting = (int)c[H_WAITING].i,
		.status = c[H_STATUS].s,
		.cancel_reason = HZ_TEXT(&c[H_REASON]),
		.can_manage = hz_station_manages(x->caller, &st),
	};
	o->free = o->capacity > o->confirmed ? o->capacity - o->confirmed : 0;
	o->signup_open = is(o->status, "open") && !c[H_CLOSED].i &&
	    (long long)x->now <= c[H_SIGNUP_TS].i;
	o->mine = (struct hz_shift_mine){ .status = "none", .minutes = -1 };
	if (!c[M_ID].null) {
		o->mine.signup_id = HZ_ID(&c[M_ID]);
		o->mine.status = c[M_STATUS].s;
		o->mine.position = (int)c[M_POSITION].i;
		o->mine.checked_in_at = hz_time_local(x->arena,
		    HZ_TEXT(&c[M_IN]));
		o->mine.checked_out_at = hz_time_local(x->arena,
		    HZ_TEXT(&c[M_OUT]));
		o->mine.minutes = c[M_MINUTES].null ? -1 : (int)c[M_MINUTES].i;
	}
}

static long long
me(const struct hz_ctx *x)
{
	return x->caller != NULL ? (long long)x->caller->id : 0;
}

enum hz_status
hz_shift_get(const struct hz_ctx *x, uint64_t id, struct hz_shift *o)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET, HZ_ARGS(
	    HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)id)), &r)))
		return rc;
	if (r.nrows == 0)
		return hz_refuse(x, &no_shift);
	shift_of(x, HZ_CELL(&r, 0, 0), o);
	return HZ_OK;
}

/* The shift if the caller manages its station; else 404, so one
 * station's manager learns nothing of another's shifts. */
static enum hz_status
managed(const struct hz_ctx *x, uint64_t id, struct hz_shift *o)
{
	enum hz_status rc;

	if ((rc = hz_shift_get(x, id, o)))
		return rc;
	/* No caller: the operator at the command line. */
	return o->can_manage || x->caller == NULL ? HZ_OK
	    : hz_refuse(x, &no_shift);
}

static enum hz_status
shifts_of(const struct hz_ctx *x, const struct hz_db_result *r,
          struct hz_shift **out, size_t n)
{
	if ((*out = hz_arena_calloc(x->arena, n + 1, sizeof(**out))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		shift_of(x, HZ_CELL(r, i, 0), &(*out)[i]);
	return HZ_OK;
}

enum hz_status
hz_shifts_list(const struct hz_ctx *x, uint64_t station, time_t from,
               time_t to, struct hz_shift **out, size_t *n, bool *truncated)
{
	struct hz_db_result r;
	enum hz_status rc;

	*n = 0;
	*truncated = false;
	if (x->caller == NULL)
		return hz_refuse(x, &login_first);
	if (to <= from)
		return hz_refuse(x, &range_backwards);
	if (to - from > (time_t)HZ_SHIFT_RANGE_DAYS * 86400)
		return hz_refuse(x, &range_too_wide);
	if (station != 0) {
		struct hz_station s;

		if ((rc = hz_station_get(x, station, &s)))
			return rc;
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_LIST_STATION,
		    HZ_ARGS(HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)station),
		    HZ_ARG_I64((long long)from), HZ_ARG_I64((long long)to),
		    HZ_ARG_I64(HZ_SHIFT_LIST_MAX + 1)), &r);
	} else
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_LIST_ALL, HZ_ARGS(
		    HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)from),
		    HZ_ARG_I64((long long)to), HZ_ARG_I64(HZ_SHIFT_LIST_MAX + 1)),
		    &r);
	if (rc)
		return rc;
	*truncated = r.nrows > HZ_SHIFT_LIST_MAX;
	*n = *truncated ? HZ_SHIFT_LIST_MAX : r.nrows;
	return shifts_of(x, &r, out, *n);
}

/* --- Publishing. --- */

/* The times of a shift, defaults filled, checked. */
static enum hz_status
check_times(const struct hz_ctx *x, time_t start, time_t end,
            time_t *signup, time_t *cancel, bool creating)
{
	if (creating && start <= x->now)
		return hz_refuse(x, &start_past);
	if (start > x->now + 366 * 86400)
		return hz_refuse(x, &too_far);
	/* Given deadlines already past would close a new shift at once. */
	if (creating && *signup != 0 && *signup <= x->now)
		return hz_refuse(x, &deadline_past);
	if (creating && *cancel != 0 && *cancel <= x->now)
		return hz_refuse(x, &cancel_past);
	if (end <= start)
		return hz_refuse(x, &end_before_start);
	if (end - start > HZ_SHIFT_HOURS_MAX * 3600)
		return hz_refuse(x, &too_long);
	if (*signup == 0)
		*signup = start;
	if (*cancel == 0) {
		*cancel = start - HZ_SHIFT_CANCEL_BEFORE;
		if (creating && *cancel < x->now)
			*cancel = x->now < start ? x->now : start;
	}
	if (*signup > start)
		return hz_refuse(x, &signup_after_start);
	if (*cancel > start)
		return hz_refuse(x, &cancel_after_start);
	return HZ_OK;
}

static enum hz_status
check_texts(const struct hz_ctx *x, const char *title, const char *description,
            const char *requirements, bool title_required)
{
	const struct hz_shift_rules *R = &hz_shift_rules;

	if (!hz_rule_ok(&R->title, title, !title_required))
		return hz_refuse_rule(x, "title", &R->title);
	if (!hz_rule_ok(&R->description, description, true))
		return hz_refuse_rule(x, "description", &R->description);
	if (!hz_rule_ok(&R->requirements, requirements, true))
		return hz_refuse_rule(x, "requirements", &R->requirements);
	return HZ_OK;
}

struct create_job {
	const struct hz_shift_new *in;
	time_t                     signup, cancel;
	uint64_t                   first;      /* the first shift's id */
	uint64_t                   series;     /* 0: a single shift */
};

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

static enum hz_status
create_tx(const struct hz_ctx *x, void *p)
{
	struct create_job *j = p;
	const struct hz_shift_new *in = j->in;
	time_t step = is(in->every, "day") ? 86400 : 7 * 86400;
	uint64_t series = 0;
	struct hz_db_result r;
	enum hz_status rc;

	if (in->count > 1) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT_SERIES,
		    HZ_ARGS(HZ_ARG_I64((long long)in->station_id),
		    HZ_ARG_I64((long long)(step / 86400)),
		    HZ_ARG_I64(in->count), HZ_ARG_I64(me(x)),
		    HZ_ARG_I64((long long)x->now)), &r)))
			return rc;
		series = j->series = r.insert_id;
	}
	for (int i = 0; i < in->count; i++) {
		time_t d = step * i;

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGS(
		    HZ_ARG_I64((long long)in->station_id), HZ_ARG_OPT_ID(series),
		    HZ_ARG_STR(in->title),
		    HZ_ARG_OPT_STR(nonempty(in->description)),
		    HZ_ARG_OPT_STR(nonempty(in->requirements)),
		    HZ_ARG_I64((long long)(in->starts_at + d)),
		    HZ_ARG_I64((long long)(in->ends_at + d)),
		    HZ_ARG_I64((long long)(j->signup + d)),
		    HZ_ARG_I64((long long)(j->cancel + d)),
		    HZ_ARG_I64(in->capacity), HZ_ARG_I64(me(x)),
		    HZ_ARG_I64((long long)x->now), HZ_ARG_I64((long long)x->now)),
		    &r)))
			return rc;
		if (i == 0)
			j->first = r.insert_id;
	}
	return hz_audit(x, 0, "shift.create", "shift", j->first,
	    hz_arena_printf(x->arena, "{\"station_id\":%llu,\"count\":%d}",
	    (unsigned long long)in->station_id, in->count));
}

enum hz_status
hz_shift_create(const struct hz_ctx *x, const struct hz_shift_new *in,
                struct hz_shift **out, size_t *n)
{
	const struct hz_shift_rules *R = &hz_shift_rules;
	struct create_job j = { in, in->signup_deadline, in->cancel_deadline,
	    0, 0 };
	struct hz_station s;
	struct hz_db_result r;
	enum hz_status rc;

	*n = 0;
	if ((rc = check_texts(x, in->title, in->description, in->requirements,
	    true)))
		return rc;
	if (in->capacity < R->capacity.min || in->capacity > R->capacity.max)
		return hz_refuse_rule(x, "capacity", &R->capacity);
	if (in->count < 1 || in->count > HZ_SHIFT_REPEAT_MAX)
		return hz_refuse_rule(x, "repeat_count", &R->count);
	if (in->count > 1 && !hz_rule_ok(&R->every, in->every, false))
		return hz_refuse(x, &repeat_needs_every);
	if ((rc = hz_station_managed(x, in->station_id, &s)) ||
	    (rc = check_times(x, in->starts_at, in->ends_at, &j.signup,
	    &j.cancel, true)) ||
	    (rc = hz_tx(x, create_tx, &j)))
		return rc;
	/* What was made, read back in one statement. */
	rc = j.series ? hz_db_run(x->db, x->arena, &stmts, STMT_SERIES, HZ_ARGS(
	    HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)j.series)), &r)
	    : hz_db_run(x->db, x->arena, &stmts, STMT_GET, HZ_ARGS(
	    HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)j.first)), &r);
	if (rc)
		return rc;
	*n = r.nrows;
	return shifts_of(x, &r, out, r.nrows);
}

/* --- The waiting list. --- */

/* Notifies `user` about shift `id` (title and start for the text). */
static enum hz_status
tell(const struct hz_ctx *x, uint64_t user, const char *kind, uint64_t id,
     const char *title, time_t start, const char *what)
{
	return hz_notify(x, user, kind, id, hz_arena_printf(x->arena,
	    "【志愿服务】%s %s：%s", spoken(x, start),
	    hz_utf8_clip(x->arena, title, 24), what));
}

/* Another confirmed place of `user` that meets [start, end) of `shift`;
 * its title in *title. */
static enum hz_status
overlapping(const struct hz_ctx *x, uint64_t user, uint64_t shift,
            long long start, long long end, const char **title)
{
	struct hz_db_result r;
	enum hz_status rc;

	*title = NULL;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OVERLAP, HZ_ARGS(
	    HZ_ARG_I64((long long)user), HZ_ARG_I64(start),
	    HZ_ARG_I64((long long)shift), HZ_ARG_I64(end)), &r)))
		return rc;
	if (r.nrows)
		*title = HZ_CELL(&r, 0, 0)->s;
	return HZ_OK;
}

/* Fills free places from the waiting list, first in line first; someone
 * who meanwhile holds an overlapping shift keeps their place in line and
 * the next one moves up. Runs under the shift's row lock; `l` is that
 * row. */
static enum hz_status
promote(const struct hz_ctx *x, const struct hz_db_cell *l)
{
	uint64_t shift = HZ_ID(&l[L_ID]);
	struct hz_db_result w, r;
	enum hz_status rc;

	/* Nobody is confirmed once they could no longer withdraw: a place
	 * given after the cancellation deadline would be one they cannot
	 * give back, and a no-show if they do not see the message in time. */
	if (!is(l[L_STATUS].s, "open") || l[L_CANCEL_TS].i < (long long)x->now)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_WAITLIST,
	    HZ_ARGS(HZ_ARG_I64((long long)shift)), &w)))
		return rc;
	for (size_t i = 0; i < w.nrows; i++) {
		uint64_t signup = HZ_ID(HZ_CELL(&w, i, 0));
		uint64_t user = HZ_ID(HZ_CELL(&w, i, 1));
		const char *other;

		/* Their own sign-ups take their row lock first; take it too,
		 * so the overlap check holds (a deadlock reruns the whole). */
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK_USER,
		    HZ_ARGS(HZ_ARG_I64((long long)user)), NULL)) ||
		    (rc = overlapping(x, user, shift, l[L_STARTS_TS].i,
		    l[L_ENDS_TS].i, &other)))
			return rc;
		if (other != NULL)
			continue;
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PROMOTE_PLACE,
		    HZ_ARGS(HZ_ARG_I64((long long)x->now),
		    HZ_ARG_I64((long long)shift)), &r)))
			return rc;
		if (r.affected == 0)
			return HZ_OK;                  /* full again */
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PROMOTE,
		    HZ_ARGS(HZ_ARG_I64((long long)x->now),
		    HZ_ARG_I64((long long)x->now),
		    HZ_ARG_I64((long long)signup)), &r)))
			return rc;
		/* The counter moved, so the row must have: anything else
		 * (a waiting list read stale) rolls the whole back. */
		if (r.affected != 1)
			return HZ_ERR_INTERNAL;
		if ((rc = tell(x, user, "shift.promoted", shift, l[L_TITLE].s,
		    (time_t)l[L_STARTS_TS].i,
		    "有人取消，您已从候补转为报名成功，请准时到站扫码签到")))
			return rc;
	}
	return HZ_OK;
}

/* Every transaction that takes or gives up a place. They serialise on
 * row locks (the volunteer's, then the shift's) and run at READ
 * COMMITTED, so that what they read after taking a lock is what others
 * committed before it, never an older snapshot (a promotion must see the
 * volunteer's sign-up elsewhere that committed a moment ago), and so that
 * reading a sign-up that does not exist yet takes no gap lock on the
 * neighbouring shifts' sign-ups. */
static enum hz_status
tx(const struct hz_ctx *x, enum hz_status (*fn)(const struct hz_ctx *, void *),
   void *job)
{
	return hz_tx_read_committed(x, fn, job);
}

/* The shift's row, locked for the rest of the transaction. */
static enum hz_status
lock_shift(const struct hz_ctx *x, uint64_t id, struct hz_db_result *r)
{
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK_SHIFT,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), r)))
		return rc;
	return r->nrows ? HZ_OK : hz_refuse(x, &no_shift);
}

/* --- Signing up. --- */

struct signup_job {
	uint64_t shift;
	bool     created;
};

static enum hz_status
paused(const struct hz_ctx *x, uint64_t user)
{
	struct hz_db_result r;
	struct hz_refusal why = { HZ_ERR_FORBIDDEN, "volunteer_paused", NULL,
	    NULL, 0 };
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PAUSED, HZ_ARGS(
	    HZ_ARG_I64((long long)user), HZ_ARG_I64((long long)x->now)), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_OK;
	why.message = hz_arena_printf(x->arena, "您近 %d 天内有 %d 次报名后未到，"
	    "报名已暂停至 %.10s。如有特殊情况请联系站长",
	    x->cfg->volunteer_noshow_days, x->cfg->volunteer_noshow_limit,
	    hz_time_local(x->arena, HZ_CELL(&r, 0, 0)->s));
	return hz_refuse(x, &why);
}

static enum hz_status
signup_tx(const struct hz_ctx *x, void *p)
{
	struct signup_job *j = p;
	uint64_t user = x->caller->id;
	struct hz_db_result l, m, r;
	const struct hz_db_cell *c;
	const char *status, *other;
	long long seq;
	enum hz_status rc;

	j->created = false;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK_USER,
	    HZ_ARGS(HZ_ARG_I64((long long)user)), NULL)) ||
	    (rc = lock_shift(x, j->shift, &l)))
		return rc;
	c = HZ_CELL(&l, 0, 0);
	if (is(c[L_STATUS].s, "cancelled"))
		return hz_refuse(x, &shift_cancelled);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MY_SIGNUP, HZ_ARGS(
	    HZ_ARG_I64((long long)j->shift), HZ_ARG_I64((long long)user)), &m)))
		return rc;
	if (m.nrows && (is(HZ_CELL(&m, 0, 1)->s, "confirmed") ||
	    is(HZ_CELL(&m, 0, 1)->s, "waiting")))
		return HZ_OK;                      /* already has a place */
	if (m.nrows && is(HZ_CELL(&m, 0, 1)->s, "removed"))
		return hz_refuse(x, &removed_before);
	if ((long long)x->now > c[L_SIGNUP_TS].i || c[L_CLOSED].i)
		return hz_refuse(x, &signup_closed);
	if ((rc = paused(x, user)) ||
	    (rc = overlapping(x, user, j->shift, c[L_STARTS_TS].i,
	    c[L_ENDS_TS].i, &other)))
		return rc;
	if (other != NULL) {
		struct hz_refusal why = { HZ_ERR_CONFLICT, "shift_overlap", NULL,
		    hz_arena_printf(x->arena, "您已报名同一时间的“%s”，"
		    "不能同时报名两个班次。如要改报，请先取消那个班次",
		    hz_utf8_clip(x->arena, other, 24)), 0 };
		return hz_refuse(x, &why);
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TAKE_PLACE, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64((long long)j->shift)),
	    &r)))
		return rc;
	status = r.affected ? "confirmed" : "waiting";
	if (r.affected == 0 && (rc = hz_db_run(x->db, x->arena, &stmts,
	    STMT_TAKE_WAIT, HZ_ARGS(HZ_ARG_I64((long long)x->now),
	    HZ_ARG_I64((long long)j->shift)), NULL)))
		return rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SEQ,
	    HZ_ARGS(HZ_ARG_I64((long long)j->shift)), &r)))
		return rc;
	seq = HZ_CELL(&r, 0, 0)->i;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UPSERT, HZ_ARGS(
	    HZ_ARG_I64((long long)j->shift), HZ_ARG_I64((long long)user),
	    HZ_ARG_I64(c[L_STATION].i), HZ_ARG_STR(status), HZ_ARG_I64(seq),
	    HZ_ARG_I64((long long)x->now), HZ_ARG_STR(status),
	    HZ_ARG_I64((long long)x->now), HZ_ARG_STR(c[L_ENDS].s),
	    HZ_ARG_I64((long long)x->now)), NULL)))
		return rc;
	j->created = true;
	if (is(status, "confirmed"))
		return tell(x, user, "shift.confirmed", j->shift, c[L_TITLE].s,
		    (time_t)c[L_STARTS_TS].i,
		    "报名成功，请准时到站扫码签到；不能来请提前在“我的志愿”里取消");
	/* Last in line: everyone already waiting is ahead. */
	return tell(x, user, "shift.waiting", j->shift, c[L_TITLE].s,
	    (time_t)c[L_STARTS_TS].i, hz_arena_printf(x->arena,
	    "名额已满，您在候补第 %lld 位；有人取消会按顺序递补并通知您",
	    c[L_WAITING].i + 1));
}

enum hz_status
hz_shift_signup(const struct hz_ctx *x, uint64_t shift, struct hz_shift *out,
                bool *created)
{
	struct signup_job j = { shift, false };
	enum hz_status rc;

	*created = false;
	if (x->caller == NULL)
		return hz_refuse(x, &login_first);
	if ((rc = tx(x, signup_tx, &j)))
		return rc;
	*created = j.created;
	return hz_shift_get(x, shift, out);
}

/* --- Leaving. --- */

struct leave_job {
	uint64_t shift;
	uint64_t signup;       /* the manager's removal; 0: the caller */
};

/* Takes signup row `m` (id, status, ...) off the shift whose locked row
 * is `l`, frees its place and fills it from the waiting list. */
static enum hz_status
leave(const struct hz_ctx *x, const struct hz_db_cell *l,
      const struct hz_db_cell *m, const char *as)
{
	bool was_confirmed = is(m[1].s, "confirmed");
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LEAVE, HZ_ARGS(
	    HZ_ARG_STR(as), HZ_ARG_I64((long long)x->now),
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64(m[0].i)), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, was_confirmed
	    ? STMT_FREE_PLACE : STMT_FREE_WAIT, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64(l[L_ID].i)), NULL)))
		return rc;
	return was_confirmed ? promote(x, l) : HZ_OK;
}

static enum hz_status
withdraw_tx(const struct hz_ctx *x, void *p)
{
	struct leave_job *j = p;
	struct hz_db_result l, m;
	const struct hz_db_cell *c, *s;
	enum hz_status rc;

	if ((rc = lock_shift(x, j->shift, &l)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_MY_SIGNUP, HZ_ARGS(
	    HZ_ARG_I64((long long)j->shift),
	    HZ_ARG_I64((long long)x->caller->id)), &m)))
		return rc;
	c = HZ_CELL(&l, 0, 0);
	s = m.nrows ? HZ_CELL(&m, 0, 0) : NULL;
	if (s == NULL || !(is(s[1].s, "confirmed") || is(s[1].s, "waiting")))
		return hz_refuse(x, &not_signed_up);
	if (c[L_CLOSED].i && is(c[L_STATUS].s, "open"))
		return hz_refuse(x, &shift_closed);
	/* A waiting place can always be given up; a confirmed one only
	 * before the deadline (unless the shift was called off). */
	if (is(s[1].s, "confirmed") && is(c[L_STATUS].s, "open") &&
	    (long long)x->now > c[L_CANCEL_TS].i)
		return hz_refuse(x, &cancel_too_late);
	return leave(x, c, s, "cancelled");
}

enum hz_status
hz_shift_withdraw(const struct hz_ctx *x, uint64_t shift, struct hz_shift *out)
{
	struct leave_job j = { shift, 0 };
	enum hz_status rc;

	if (x->caller == NULL)
		return hz_refuse(x, &login_first);
	if ((rc = tx(x, withdraw_tx, &j)))
		return rc;
	return hz_shift_get(x, shift, out);
}

static enum hz_status
remove_tx(const struct hz_ctx *x, void *p)
{
	struct leave_job *j = p;
	struct hz_db_result l, m;
	const struct hz_db_cell *c, *s;
	enum hz_status rc;

	if ((rc = lock_shift(x, j->shift, &l)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_SIGNUP_BY_ID, HZ_ARGS(
	    HZ_ARG_I64((long long)j->signup), HZ_ARG_I64((long long)j->shift)),
	    &m)))
		return rc;
	if (m.nrows == 0)
		return hz_refuse(x, &not_on_roster);
	c = HZ_CELL(&l, 0, 0);
	s = HZ_CELL(&m, 0, 0);
	if (!(is(s[1].s, "confirmed") || is(s[1].s, "waiting")))
		return hz_refuse(x, &no_longer_holding);
	if (c[L_CLOSED].i)
		return hz_refuse(x, is(c[L_STATUS].s, "cancelled")
		    ? &shift_cancelled : &shift_closed);
	if ((rc = leave(x, c, s, "removed")) ||
	    (rc = tell(x, HZ_ID(&s[2]), "shift.removed", j->shift,
	    c[L_TITLE].s, (time_t)c[L_STARTS_TS].i,
	    "站长已将您移出此班次，如有疑问请联系站长")))
		return rc;
	return hz_audit(x, 0, "shift.remove", "shift", j->shift,
	    hz_arena_printf(x->arena, "{\"signup_id\":%llu,\"user_id\":%llu}",
	    (unsigned long long)j->signup, (unsigned long long)HZ_ID(&s[2])));
}

enum hz_status
hz_shift_remove(const struct hz_ctx *x, uint64_t shift, uint64_t signup,
                struct hz_shift *out)
{
	struct leave_job j = { shift, signup };
	enum hz_status rc;

	if ((rc = managed(x, shift, out)) || (rc = tx(x, remove_tx, &j)))
		return rc;
	return hz_shift_get(x, shift, out);
}

/* --- Editing and calling off. --- */

struct edit_job {
	uint64_t                    id;
	const struct hz_shift_edit *e;
};

static enum hz_status
edit_tx(const struct hz_ctx *x, void *p)
{
	struct edit_job *j = p;
	const struct hz_shift_edit *e = j->e;
	struct hz_db_result l;
	const struct hz_db_cell *c;
	time_t start, end, signup, cancel;
	int capacity;
	bool moved;
	enum hz_status rc;

	if ((rc = lock_shift(x, j->id, &l)))
		return rc;
	c = HZ_CELL(&l, 0, 0);
	if (is(c[L_STATUS].s, "cancelled"))
		return hz_refuse(x, &shift_cancelled);
	if (c[L_CLOSED].i)
		return hz_refuse(x, &shift_closed);
	start = e->starts_at ? e->starts_at : (time_t)c[L_STARTS_TS].i;
	end = e->ends_at ? e->ends_at : (time_t)c[L_ENDS_TS].i;
	signup = e->signup_deadline ? e->signup_deadline
	    : (time_t)c[L_SIGNUP_TS].i;
	cancel = e->cancel_deadline ? e->cancel_deadline
	    : (time_t)c[L_CANCEL_TS].i;
	moved = start != c[L_STARTS_TS].i || end != c[L_ENDS_TS].i;
	if (moved && c[L_CONFIRMED].i + c[L_WAITING].i > 0)
		return hz_refuse(x, &has_signups);
	if (moved && start <= x->now)
		return hz_refuse(x, &start_past);
	/* A deadline left as it was follows a moved start. */
	if (moved && !e->signup_deadline && signup > start)
		signup = start;
	if (moved && !e->cancel_deadline && cancel > start)
		cancel = start - HZ_SHIFT_CANCEL_BEFORE;
	if ((rc = check_times(x, start, end, &signup, &cancel, false)))
		return rc;
	capacity = e->capacity ? e->capacity : (int)c[L_CAPACITY].i;
	if (capacity < c[L_CONFIRMED].i)
		return hz_refuse(x, &below_confirmed);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UPDATE, HZ_ARGS(
	    HZ_ARG_OPT_STR(e->title),
	    HZ_ARG_OPT_STR(e->description), HZ_ARG_OPT_STR(e->description),
	    HZ_ARG_OPT_STR(e->requirements), HZ_ARG_OPT_STR(e->requirements),
	    HZ_ARG_I64((long long)start), HZ_ARG_I64((long long)end),
	    HZ_ARG_I64((long long)signup), HZ_ARG_I64((long long)cancel),
	    HZ_ARG_I64(capacity), HZ_ARG_I64((long long)x->now),
	    HZ_ARG_I64((long long)j->id)), NULL)))
		return rc;
	if (moved && (rc = hz_db_run(x->db, x->arena, &stmts, STMT_SIGNUP_ENDS,
	    HZ_ARGS(HZ_ARG_I64((long long)end), HZ_ARG_I64((long long)j->id)),
	    NULL)))
		return rc;
	if (capacity > c[L_CONFIRMED].i && c[L_WAITING].i > 0) {
		/* The row as updated (a new cancellation deadline), as
		 * promote() decides on it. */
		struct hz_db_result again;

		if ((rc = lock_shift(x, j->id, &again)) ||
		    (rc = promote(x, HZ_CELL(&again, 0, 0))))
			return rc;
	}
	return hz_audit(x, 0, "shift.update", "shift", j->id, NULL);
}

enum hz_status
hz_shift_update(const struct hz_ctx *x, uint64_t id,
                const struct hz_shift_edit *e, struct hz_shift *out)
{
	const struct hz_shift_rules *R = &hz_shift_rules;
	struct edit_job j = { id, e };
	enum hz_status rc;

	if ((rc = check_texts(x, e->title, e->description, e->requirements,
	    false)))
		return rc;
	if (e->capacity != 0 && (e->capacity < R->capacity.min ||
	    e->capacity > R->capacity.max))
		return hz_refuse_rule(x, "capacity", &R->capacity);
	if ((rc = managed(x, id, out)) || (rc = tx(x, edit_tx, &j)))
		return rc;
	return hz_shift_get(x, id, out);
}

struct cancel_job {
	uint64_t    id;
	const char *reason;
};

static enum hz_status
cancel_tx(const struct hz_ctx *x, void *p)
{
	struct cancel_job *j = p;
	struct hz_db_result l, u;
	const struct hz_db_cell *c;
	const char *text;
	enum hz_status rc;

	if ((rc = lock_shift(x, j->id, &l)))
		return rc;
	c = HZ_CELL(&l, 0, 0);
	if (is(c[L_STATUS].s, "cancelled"))
		return hz_refuse(x, &shift_cancelled);
	if (c[L_CLOSED].i)
		return hz_refuse(x, &shift_closed);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_HOLDERS,
	    HZ_ARGS(HZ_ARG_I64((long long)j->id)), &u)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_CANCEL, HZ_ARGS(
	    HZ_ARG_STR(j->reason), HZ_ARG_I64((long long)x->now),
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64((long long)j->id)), NULL)))
		return rc;
	text = hz_arena_printf(x->arena, "此班次已取消（%s），不用到站了",
	    hz_utf8_clip(x->arena, j->reason, 60));
	for (size_t i = 0; i < u.nrows; i++)
		if ((rc = tell(x, HZ_ID(HZ_CELL(&u, i, 0)), "shift.cancelled",
		    j->id, c[L_TITLE].s, (time_t)c[L_STARTS_TS].i, text)))
			return rc;
	return hz_audit(x, 0, "shift.cancel", "shift", j->id, NULL);
}

enum hz_status
hz_shift_cancel(const struct hz_ctx *x, uint64_t id, const char *reason,
                struct hz_shift *out)
{
	struct cancel_job j = { id, reason };
	enum hz_status rc;

	if (!hz_rule_ok(&hz_shift_rules.reason, reason, false))
		return hz_refuse_rule(x, "reason", &hz_shift_rules.reason);
	if ((rc = managed(x, id, out)) || (rc = tx(x, cancel_tx, &j)))
		return rc;
	return hz_shift_get(x, id, out);
}

/* --- The roster. --- */

enum hz_status
hz_shift_roster(const struct hz_ctx *x, uint64_t id, struct hz_shift *shift,
                struct hz_roster_entry **out, size_t *n)
{
	struct hz_db_result r;
	int position = 0;
	enum hz_status rc;

	*n = 0;
	if ((rc = managed(x, id, shift)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_ROSTER,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r)))
		return rc;
	if ((*out = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(**out)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		struct hz_roster_entry *e = &(*out)[i];
		char *phone = NULL;

		*e = (struct hz_roster_entry){
			.signup_id = HZ_ID(&c[R_ID]),
			.user_id = HZ_ID(&c[R_USER]),
			.name = HZ_TEXT(&c[R_NAME]),
			.status = c[R_STATUS].s,
			.signed_up_at = hz_time_local(x->arena, c[R_SIGNED].s),
			.checked_in_at = hz_time_local(x->arena,
			    HZ_TEXT(&c[R_IN])),
			.checked_out_at = hz_time_local(x->arena,
			    HZ_TEXT(&c[R_OUT])),
			.minutes = c[R_MINUTES].null ? -1 : (int)c[R_MINUTES].i,
		};
		if (is(e->status, "waiting"))
			e->position = ++position;
		if (!c[R_PHONE].null && hz_unseal(x->arena, x->keys, "phone",
		    (const unsigned char *)c[R_PHONE].s, c[R_PHONE].len,
		    &phone) == HZ_OK)
			e->phone_masked = hz_mask_phone(x->arena, phone);
	}
	*n = r.nrows;
	return HZ_OK;
}

/* --- The volunteer's own. --- */

enum hz_status
hz_my_signups(const struct hz_ctx *x, const struct hz_page *p,
              struct hz_signup **out, size_t *n, bool *more)
{
	struct hz_db_result r;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if (x->caller == NULL)
		return hz_refuse(x, &login_first);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MINE, HZ_ARGS(
	    HZ_ARG_I64(me(x)), HZ_ARG_I64(me(x)),
	    HZ_ARG_I64((long long)p->after), HZ_ARG_I64(p->limit + 1)), &r)))
		return rc;
	*more = r.nrows > (size_t)p->limit;
	*n = *more ? (size_t)p->limit : r.nrows;
	if ((*out = hz_arena_calloc(x->arena, *n + 1, sizeof(**out))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < *n; i++) {
		shift_of(x, HZ_CELL(&r, i, 0), &(*out)[i].shift);
		(*out)[i].id = (*out)[i].shift.mine.signup_id;
	}
	return HZ_OK;
}

enum hz_status
hz_my_hours(const struct hz_ctx *x, time_t from, time_t to, struct hz_hours *h)
{
	struct hz_db_arg args[3];
	struct hz_db_result s, m, r;
	enum hz_status rc;

	memset(h, 0, sizeof(*h));
	if (x->caller == NULL)
		return hz_refuse(x, &login_first);
	if (from && to && to <= from)
		return hz_refuse(x, &range_backwards);
	args[0] = HZ_ARG_I64(me(x));
	args[1] = HZ_ARG_I64(clamp(from, TIME_NONE_BEFORE));
	args[2] = HZ_ARG_I64(clamp(to, TIME_NONE_AFTER));
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_HOURS_STATIONS,
	    HZ_ARGV(args), &s)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_HOURS_MONTHS,
	    HZ_ARGV(args), &m)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_NO_SHOWS, HZ_ARGS(
	    HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)x->now -
	    (long long)x->cfg->volunteer_noshow_days * 86400)), &r)))
		return rc;
	h->no_shows = HZ_CELL(&r, 0, 0)->i;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PAUSED, HZ_ARGS(
	    HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)x->now)), &r)))
		return rc;
	if (r.nrows)
		h->paused_until = hz_time_local(x->arena, HZ_CELL(&r, 0, 0)->s);
	h->stations = hz_arena_calloc(x->arena, s.nrows + 1, sizeof(*h->stations));
	h->months = hz_arena_calloc(x->arena, m.nrows + 1, sizeof(*h->months));
	if (h->stations == NULL || h->months == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < s.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&s, i, 0);

		h->stations[i] = (struct hz_hours_part){
			.station_id = HZ_ID(&c[0]), .station_name = c[1].s,
			.minutes = c[2].i, .shifts = c[3].i };
		h->minutes += c[2].i;
		h->shifts += c[3].i;
	}
	for (size_t i = 0; i < m.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&m, i, 0);

		h->months[i] = (struct hz_hours_part){ .month = c[0].s,
		    .minutes = c[1].i, .shifts = c[2].i };
	}
	h->nstations = s.nrows;
	h->nmonths = m.nrows;
	return HZ_OK;
}

enum hz_status
hz_station_hours_csv(const struct hz_ctx *x, uint64_t station, time_t from,
                     time_t to, enum hz_status (*row)(void *, const char *,
                                                      size_t), void *arg)
{
	static const char *const head[] = { "姓名", "手机号", "班次", "缺席",
	    "分钟", "小时" };
	struct hz_station s;
	struct hz_buf b;
	hz_arena *scratch;
	long long after = 0, volunteers = 0;
	enum hz_status rc;

	if (to <= from)
		return hz_refuse(x, &range_backwards);
	if ((rc = hz_station_managed(x, station, &s)))
		return rc;
	from = (time_t)clamp(from, TIME_NONE_BEFORE);
	to = (time_t)clamp(to, TIME_NONE_AFTER);
	/* Each page of rows lives in a scratch arena, reset between pages:
	 * the file is never held in memory, whatever its length. */
	if ((scratch = hz_arena_new(16384)) == NULL)
		return HZ_ERR_NOMEM;
	hz_buf_init(&b, scratch);
	hz_buf_puts(&b, "\xef\xbb\xbf");
	for (size_t i = 0; i < 6; i++)
		hz_csv_field(&b, head[i], i == 5);
	rc = b.oom ? HZ_ERR_NOMEM : row(arg, b.data, b.len);
	while (rc == HZ_OK) {
		struct hz_db_result r;

		hz_arena_reset(scratch);
		if ((rc = hz_db_run(x->db, scratch, &stmts, STMT_CSV, HZ_ARGS(
		    HZ_ARG_I64((long long)station),
		    HZ_ARG_I64((long long)from), HZ_ARG_I64((long long)to),
		    HZ_ARG_I64(after)), &r)) || r.nrows == 0)
			break;
		for (size_t i = 0; rc == HZ_OK && i < r.nrows; i++) {
			const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
			char *phone = NULL, num[4][24];

			(void)hz_unseal(scratch, x->keys, "phone",
			    (const unsigned char *)c[2].s, c[2].len, &phone);
			snprintf(num[0], sizeof(num[0]), "%lld", c[3].i);
			snprintf(num[1], sizeof(num[1]), "%lld", c[4].i);
			snprintf(num[2], sizeof(num[2]), "%lld", c[5].i);
			snprintf(num[3], sizeof(num[3]), "%lld.%02lld",
			    c[5].i / 60, (c[5].i % 60) * 100 / 60);
			hz_buf_init(&b, scratch);
			hz_csv_field(&b, c[1].s, false);
			hz_csv_field(&b, phone ? hz_mask_phone(scratch, phone)
			    : NULL, false);
			for (size_t k = 0; k < 4; k++)
				hz_csv_field(&b, num[k], k == 3);
			rc = b.oom ? HZ_ERR_NOMEM : row(arg, b.data, b.len);
			after = c[0].i;
			volunteers++;
		}
	}
	hz_arena_free(scratch);
	if (rc)
		return rc;
	return hz_audit(x, 0, "station.hours_export", "station", station,
	    hz_arena_printf(x->arena, "{\"from\":%lld,\"to\":%lld,\"rows\":%lld}",
	    (long long)from, (long long)to, volunteers));
}

/* --- Attendance. --- */

static bool
within_repeat(time_t then, time_t now)
{
	return now - then < 60 * 10;
}

enum hz_status
hz_station_checkin(const struct hz_ctx *x, uint64_t station,
                   struct hz_attendance *a)
{
	struct hz_db_result r, u;
	const struct hz_db_cell *pick = NULL;
	time_t now = x->now;
	enum hz_status rc;

	memset(a, 0, sizeof(*a));
	a->minutes = -1;
	if (x->caller == NULL)
		return hz_refuse(x, &login_first);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ATTEND, HZ_ARGS(
	    HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)station),
	    HZ_ARG_I64((long long)now - HZ_SHIFT_CHECKOUT_LATE * 60),
	    HZ_ARG_I64((long long)now + HZ_SHIFT_CHECKIN_EARLY * 60)), &r)))
		return rc;
	/* A shift checked in and not out comes first (this scan checks
	 * out), then one to check in (its window holds now: back-to-back
	 * shifts, out of one and into the next), then one just checked out
	 * (a repeat). */
	for (size_t i = 0; pick == NULL && i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		if (!c[A_IN_TS].null && c[A_OUT_TS].null)
			pick = c;
	}
	for (size_t i = 0; pick == NULL && i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		if (c[A_IN_TS].null && now <= c[A_ENDS_TS].i &&
		    now >= c[A_STARTS_TS].i - HZ_SHIFT_CHECKIN_EARLY * 60)
			pick = c;
	}
	for (size_t i = 0; pick == NULL && i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		if (!c[A_OUT_TS].null && within_repeat(c[A_OUT_TS].i, now))
			pick = c;
	}
	if (pick == NULL)
		return hz_refuse(x, &no_shift_now);
	a->signup_id = HZ_ID(&pick[A_ID]);
	if (pick[A_IN_TS].null) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CHECK_IN,
		    HZ_ARGS(HZ_ARG_I64((long long)now), HZ_ARG_I64((long long)now),
		    HZ_ARG_I64((long long)a->signup_id)), &u)))
			return rc;
		a->action = "check_in";
		a->repeated = u.affected == 0;     /* a scan at the same time */
		a->at = local(x, now);
	} else if (!pick[A_OUT_TS].null) {
		a->action = "check_out";
		a->repeated = true;
		a->at = local(x, (time_t)pick[A_OUT_TS].i);
	} else if (within_repeat((time_t)pick[A_IN_TS].i, now)) {
		a->action = "check_in";
		a->repeated = true;
		a->at = local(x, (time_t)pick[A_IN_TS].i);
	} else {
		int minutes = hz_shift_minutes((time_t)pick[A_STARTS_TS].i,
		    (time_t)pick[A_ENDS_TS].i, (time_t)pick[A_IN_TS].i, now);

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CHECK_OUT,
		    HZ_ARGS(HZ_ARG_I64((long long)now), HZ_ARG_I64(minutes),
		    HZ_ARG_I64((long long)now),
		    HZ_ARG_I64((long long)a->signup_id)), &u)))
			return rc;
		a->action = "check_out";
		a->repeated = u.affected == 0;
		a->at = local(x, now);
		a->minutes = minutes;
	}
	if ((rc = hz_shift_get(x, HZ_ID(&pick[A_SHIFT]), &a->shift)))
		return rc;
	if (is(a->action, "check_out"))
		a->minutes = a->shift.mine.minutes;
	return HZ_OK;
}

enum hz_status
hz_scan_station(const struct hz_ctx *x, const char *token,
                struct hz_station_scan *s)
{
	struct hz_db_result r;
	enum hz_status rc;

	memset(s, 0, sizeof(*s));
	if ((rc = hz_station_resolve(x, token, &s->station)))
		return rc;
	hz_qr_check_code(&x->keys->qr, token, s->check_code);
	if (x->caller == NULL) {
		s->actions[s->nactions++] = "login";
		s->actions[s->nactions++] = "shifts";
		return HZ_OK;
	}
	/* The shift a scan would act on now, as hz_station_checkin picks. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ATTEND, HZ_ARGS(
	    HZ_ARG_I64(me(x)), HZ_ARG_I64((long long)s->station.id),
	    HZ_ARG_I64((long long)x->now - HZ_SHIFT_CHECKOUT_LATE * 60),
	    HZ_ARG_I64((long long)x->now + HZ_SHIFT_CHECKIN_EARLY * 60)), &r)))
		return rc;
	for (size_t i = 0; s->shift == NULL && i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		bool out_due = !c[A_IN_TS].null && c[A_OUT_TS].null;
		bool in_due = c[A_IN_TS].null && x->now <= c[A_ENDS_TS].i;

		if (!out_due && !in_due)
			continue;
		if ((s->shift = hz_arena_calloc(x->arena, 1, sizeof(*s->shift)))
		    == NULL)
			return HZ_ERR_NOMEM;
		if ((rc = hz_shift_get(x, HZ_ID(&c[A_SHIFT]), s->shift)))
			return rc;
		s->actions[s->nactions++] = out_due ? "check_out" : "check_in";
	}
	s->actions[s->nactions++] = "shifts";
	if (s->station.can_manage)
		s->actions[s->nactions++] = "manage";
	return HZ_OK;
}

/* --- Scheduler jobs. --- */

struct due_job {
	uint64_t           id;
	unsigned long long n[3];     /* the job's counts for this shift */
};

/* Reminds the confirmed of one shift, once: the mark and the
 * notifications commit together. */
static enum hz_status
remind_tx(const struct hz_ctx *x, void *p)
{
	struct due_job *j = p;
	struct hz_db_result r, l, u;
	const struct hz_db_cell *c;
	enum hz_status rc;

	j->n[0] = j->n[1] = 0;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MARK_REMINDED,
	    HZ_ARGS(HZ_ARG_I64((long long)x->now),
	    HZ_ARG_I64((long long)j->id)), &r)))
		return rc;
	if (r.affected == 0)
		return HZ_OK;                      /* another run did it */
	if ((rc = lock_shift(x, j->id, &l)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_CONFIRMED_USERS,
	    HZ_ARGS(HZ_ARG_I64((long long)j->id)), &u)))
		return rc;
	c = HZ_CELL(&l, 0, 0);
	for (size_t i = 0; i < u.nrows; i++)
		if ((rc = tell(x, HZ_ID(HZ_CELL(&u, i, 0)), "shift.reminder",
		    j->id, c[L_TITLE].s, (time_t)c[L_STARTS_TS].i,
		    "提醒您按时到站服务，到站后扫站点二维码签到；"
		    "不能来请联系站长")))
			return rc;
	j->n[0] = 1;
	j->n[1] = u.nrows;
	return HZ_OK;
}

/* Pauses `user` if this no-show brings them to the limit. */
static enum hz_status
maybe_pause(const struct hz_ctx *x, uint64_t user, unsigned long long *paused)
{
	const struct hz_config *cfg = x->cfg;
	time_t until = x->now + (time_t)cfg->volunteer_pause_days * 86400;
	struct hz_db_result r;
	long long count;
	enum hz_status rc;

	if (cfg->volunteer_pause_days == 0)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_NO_SHOWS, HZ_ARGS(
	    HZ_ARG_I64((long long)user), HZ_ARG_I64((long long)x->now -
	    (long long)cfg->volunteer_noshow_days * 86400)), &r)))
		return rc;
	count = HZ_CELL(&r, 0, 0)->i;
	if (count < cfg->volunteer_noshow_limit)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PAUSE, HZ_ARGS(
	    HZ_ARG_I64((long long)user), HZ_ARG_I64((long long)until),
	    HZ_ARG_I64(count), HZ_ARG_I64((long long)x->now)), NULL)))
		return rc;
	(*paused)++;
	return hz_notify(x, user, "volunteer.paused", 0, hz_arena_printf(
	    x->arena, "【志愿服务】您近 %d 天内有 %lld 次报名后未到，报名暂停至 %s。"
	    "如有特殊情况请联系站长", cfg->volunteer_noshow_days, count,
	    spoken(x, until)));
}

/* Closes one ended shift: a missing check-out counts to the end, the
 * confirmed who never came are no-shows. */
static enum hz_status
close_tx(const struct hz_ctx *x, void *p)
{
	struct due_job *j = p;
	struct hz_db_result l, r;
	const struct hz_db_cell *c;
	enum hz_status rc;

	memset(j->n, 0, sizeof(j->n));
	if ((rc = lock_shift(x, j->id, &l)))
		return rc;
	c = HZ_CELL(&l, 0, 0);
	if (c[L_CLOSED].i || c[L_ENDS_TS].i > (long long)x->now)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UNCHECKED_OUT,
	    HZ_ARGS(HZ_ARG_I64((long long)j->id)), &r)))
		return rc;
	for (size_t i = 0; i < r.nrows; i++) {
		int minutes = hz_shift_minutes((time_t)c[L_STARTS_TS].i,
		    (time_t)c[L_ENDS_TS].i, (time_t)HZ_CELL(&r, i, 1)->i, 0);

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SET_MINUTES,
		    HZ_ARGS(HZ_ARG_I64(minutes), HZ_ARG_I64((long long)x->now),
		    HZ_ARG_I64(HZ_CELL(&r, i, 0)->i)), NULL)))
			return rc;
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_NO_SHOW_USERS,
	    HZ_ARGS(HZ_ARG_I64((long long)j->id)), &r)))
		return rc;
	for (size_t i = 0; i < r.nrows; i++) {
		uint64_t user = HZ_ID(HZ_CELL(&r, i, 1));

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MARK_NO_SHOW,
		    HZ_ARGS(HZ_ARG_I64((long long)x->now),
		    HZ_ARG_I64(HZ_CELL(&r, i, 0)->i)), NULL)) ||
		    (rc = tell(x, user, "shift.no_show", j->id, c[L_TITLE].s,
		    (time_t)c[L_STARTS_TS].i, "您没有到站签到，已记为缺席")) ||
		    (rc = maybe_pause(x, user, &j->n[2])))
			return rc;
		j->n[1]++;
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MARK_CLOSED, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64((long long)j->id)), NULL)))
		return rc;
	j->n[0] = 1;
	return HZ_OK;
}

/* Runs `fn` in its own transaction for each shift `stmt` finds due at
 * [from, to], adding up the counts. */
static enum hz_status
run_due(const struct hz_ctx *x, size_t stmt, const struct hz_db_arg *args,
        size_t nargs, enum hz_status (*fn)(const struct hz_ctx *, void *),
        unsigned long long *n, size_t ncounts)
{
	struct hz_db_result r;
	enum hz_status rc;

	for (size_t k = 0; k < ncounts; k++)
		n[k] = 0;
	if (x->caller != NULL)
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, stmt, args, nargs, &r)))
		return rc;
	for (size_t i = 0; i < r.nrows; i++) {
		struct due_job j = { HZ_ID(HZ_CELL(&r, i, 0)), { 0 } };

		if ((rc = hz_tx(x, fn, &j)))
			return rc;
		for (size_t k = 0; k < ncounts; k++)
			n[k] += j.n[k];
	}
	return HZ_OK;
}

enum hz_status
hz_shifts_remind(const struct hz_ctx *x, unsigned long long *n)
{
	return run_due(x, STMT_DUE_REMIND, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now),
	    HZ_ARG_I64((long long)x->now + 86400)), remind_tx, n, 2);
}

enum hz_status
hz_shifts_close(const struct hz_ctx *x, unsigned long long *n)
{
	return run_due(x, STMT_DUE_CLOSE, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now)), close_tx, n, 3);
}
