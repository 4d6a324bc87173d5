#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "complaints.h"
#include "crypto.h"
#include "outbox.h"
#include "policy.h"
#include "units.h"
#include "uploads.h"

/* A complaint with its category, place, resident and handler. Times come
 * twice where C needs to compare them with x->now. */
#define COMPLAINT_ROW(C, L) \
	C(C_ID, "c.id") C(C_USER, "c.user_id") C(C_STATUS, "c.status") \
	C(C_CAT_ID, "k.id") C(C_CAT_CODE, "k.code") C(C_CAT_NAME, "k.name") \
	C(C_CAT_KIND, "k.kind") C(C_CAT_URGENT, "k.urgent") \
	C(C_CAT_RESPOND, "k.respond_minutes") \
	C(C_CAT_RESOLVE, "k.resolve_minutes") \
	C(C_TEXT, "c.text") C(C_BUILDING, "c.building_id") \
	C(C_BUILDING_NAME, "bu.name") C(C_LANE, "b.lane") \
	C(C_DOOR, "b.door_no") C(C_PLACE, "c.place") C(C_UNIT, "c.unit_id") \
	C(C_PATH, "c.unit_path") C(C_HIDE, "c.hide_identity") \
	C(C_RES_NAME, "r.display_name") C(C_RES_PHONE, "r.phone_sealed") \
	C(C_HUNIT, "c.handler_unit_id") C(C_HUNIT_NAME, "hu.name") \
	C(C_HUNIT_KIND, "hu.kind") C(C_HUNIT_PATH, "hu.path") \
	C(C_HUNIT_PARENT, "hu.parent_id") \
	C(C_HANDLER, "c.handler_id") C(C_HANDLER_NAME, "h.display_name") \
	C(C_CREATED, "c.created_at") C(C_UPDATED, "c.updated_at") \
	C(C_RESPOND_DUE, "c.respond_due") C(C_RESOLVE_DUE, "c.resolve_due") \
	C(C_ACCEPTED, "c.accepted_at") C(C_RESOLVED, "c.resolved_at") \
	C(C_CLOSED, "c.closed_at") C(C_RATED, "c.rated_at") \
	C(C_ESCALATIONS, "c.escalations") C(C_REOPENED, "c.reopened") \
	C(C_RATING, "c.rating") C(C_UNREAD, "c.unread") \
	C(C_OPEN, "c.is_open") C(C_REVISION, "c.revision") \
	C(C_RESPOND_TS, "CAST(UNIX_TIMESTAMP(c.respond_due) AS SIGNED)") \
	C(C_RESOLVE_TS, "CAST(UNIX_TIMESTAMP(c.resolve_due) AS SIGNED)") \
	C(C_RESOLVED_TS, "CAST(UNIX_TIMESTAMP(c.resolved_at) AS SIGNED)") \
	L(C_PHOTOS, "(SELECT GROUP_CONCAT(p.upload_id ORDER BY p.position)" \
	    " FROM complaint_photos p WHERE p.complaint_id = c.id)")
enum { COMPLAINT_ROW(HZ_COL_ENUM, HZ_COL_ENUM) C__NCOLS };
/* STRAIGHT_JOIN: the complaints drive, in id order, and everything else
 * is a point read per row. Left free, MariaDB may start from the seven
 * categories and sort every complaint of the scope to find one page
 * (tests/unit/test_plans.c caught it choosing that). */
#define SELECT_COMPLAINT "SELECT STRAIGHT_JOIN " \
	COMPLAINT_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	" FROM complaints c JOIN complaint_categories k ON k.id = c.category_id" \
	" JOIN users r ON r.id = c.user_id" \
	" JOIN units hu ON hu.id = c.handler_unit_id" \
	" LEFT JOIN users h ON h.id = c.handler_id" \
	" LEFT JOIN units bu ON bu.id = c.building_id" \
	" LEFT JOIN buildings b ON b.unit_id = c.building_id"

/* A list's filters, after the scope: status, open, overdue (now twice),
 * handler, building, category. */
#define LIST_FILTERS \
	" AND (? IS NULL OR c.status = ?) AND (? IS NULL OR c.is_open = ?)" \
	" AND (? = 0 OR (c.is_open AND ((c.accepted_at IS NULL AND" \
	"   c.respond_due < FROM_UNIXTIME(?)) OR c.resolve_due < FROM_UNIXTIME(?))))" \
	" AND (? = 0 OR c.handler_id = ?) AND (? = 0 OR c.building_id = ?)" \
	" AND (? IS NULL OR k.code = ?)" \
	" AND c.id > ? ORDER BY c.id LIMIT ?"
/* The scope root's id is the last number of its path ("/1/5/17/"). */
#define ROOT_ID "CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(?, '/', -2), '/', 1)" \
	" AS UNSIGNED)"

#define EVENT_ROW(C, L) \
	C(E_ID, "e.id") C(E_ACTOR, "e.actor_id") C(E_ACTOR_NAME, "a.display_name") \
	C(E_ROLE, "e.actor_role") C(E_ACTION, "e.action") \
	C(E_FROM, "e.from_status") C(E_TO, "e.to_status") C(E_TEXT, "e.text") \
	C(E_RATING, "e.rating") C(E_TARGET, "e.target_id") \
	C(E_TARGET_NAME, "t.display_name") C(E_PUBLIC, "e.public") \
	L(E_AT, "e.created_at")
enum { EVENT_ROW(HZ_COL_ENUM, HZ_COL_ENUM) E__NCOLS };

#define CATEGORY_ROW(C, L) \
	C(K_ID, "id") C(K_CODE, "code") C(K_NAME, "name") C(K_KIND, "kind") \
	C(K_URGENT, "urgent") C(K_ACTIVE, "active") \
	C(K_RESPOND, "respond_minutes") L(K_RESOLVE, "resolve_minutes")
enum { CATEGORY_ROW(HZ_COL_ENUM, HZ_COL_ENUM) K__NCOLS };
#define SELECT_CATEGORY "SELECT " CATEGORY_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	" FROM complaint_categories"

enum {
	STMT_GET, STMT_LIST_OWN, STMT_LIST_ALL, STMT_LIST_COOP, STMT_LIST_GROUP,
	STMT_LIST_BUILDING, STMT_EVENTS, STMT_CATEGORY_BY_CODE, STMT_CATEGORY,
	STMT_CATEGORIES, STMT_CATEGORY_INSERT, STMT_CATEGORY_UPDATE,
	STMT_LEADER, STMT_INSERT, STMT_PHOTO, STMT_EVENT, STMT_MOVE,
	STMT_SEEN, STMT_ESCALATE_DUE, STMT_CLOSE_DUE, STMT_OPEN_OF_USER,
	STMT_BY_REQUEST, STMT_LOCK_USER, STMT_ASSIGNEES, STMT_TALLY,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_GET] = SELECT_COMPLAINT " WHERE c.id = ?",
	/* Pages (page.h): [scope,] filters, cursor, limit. The scope is one
	 * subtree: the complaint keeps its cooperative and group, so every
	 * level is an index range in id order. */
	[STMT_LIST_OWN] = SELECT_COMPLAINT " WHERE c.user_id = ?" LIST_FILTERS,
	[STMT_LIST_ALL] = SELECT_COMPLAINT
	    " WHERE c.unit_path LIKE CONCAT(?, '%')" LIST_FILTERS,
	[STMT_LIST_COOP] = SELECT_COMPLAINT
	    " WHERE c.coop_id = " ROOT_ID LIST_FILTERS,
	[STMT_LIST_GROUP] = SELECT_COMPLAINT
	    " WHERE c.group_id = " ROOT_ID LIST_FILTERS,
	[STMT_LIST_BUILDING] = SELECT_COMPLAINT
	    " WHERE c.building_id = " ROOT_ID LIST_FILTERS,
	[STMT_EVENTS] =
	    "SELECT " EVENT_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM complaint_events e LEFT JOIN users a ON a.id = e.actor_id"
	    " LEFT JOIN users t ON t.id = e.target_id"
	    " WHERE e.complaint_id = ? ORDER BY e.id LIMIT 500",
	[STMT_CATEGORY_BY_CODE] = SELECT_CATEGORY " WHERE code = ?",
	[STMT_CATEGORY] = SELECT_CATEGORY " WHERE id = ?",
	[STMT_CATEGORIES] = SELECT_CATEGORY
	    " WHERE (? = 1 OR active = 1) ORDER BY sort, id LIMIT 200",
	[STMT_CATEGORY_INSERT] =
	    "INSERT INTO complaint_categories (code, name, kind, urgent,"
	    " respond_minutes, resolve_minutes, sort) SELECT ?, ?, ?, ?, ?, ?,"
	    " COALESCE(MAX(sort), 0) + 10 FROM complaint_categories",
	[STMT_CATEGORY_UPDATE] =
	    "UPDATE complaint_categories SET name = COALESCE(?, name),"
	    " urgent = COALESCE(?, urgent), active = COALESCE(?, active),"
	    " respond_minutes = COALESCE(?, respond_minutes),"
	    " resolve_minutes = COALESCE(?, resolve_minutes) WHERE id = ?",
	/* The first staff member holding the role at a unit: the owner of
	 * what is routed there. */
	[STMT_LEADER] =
	    "SELECT r.user_id FROM role_assignments r JOIN users u"
	    " ON u.id = r.user_id WHERE r.unit_id = ? AND r.role = ?"
	    " AND u.disabled = 0 ORDER BY r.id LIMIT 1",
	[STMT_INSERT] =
	    "INSERT INTO complaints (user_id, category_id, text, building_id,"
	    " place, unit_id, unit_path, coop_id, group_id, hide_identity,"
	    " handler_unit_id, handler_id, created_at, updated_at, respond_due,"
	    " resolve_due, escalate_at, request_key)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?),"
	    " FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?),"
	    " FROM_UNIXTIME(?), ?)",
	[STMT_PHOTO] =
	    "INSERT INTO complaint_photos (complaint_id, upload_id, position)"
	    " VALUES (?, ?, ?)",
	[STMT_EVENT] =
	    "INSERT INTO complaint_events (complaint_id, actor_id, actor_role,"
	    " action, from_status, to_status, text, rating, target_id, public,"
	    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " FROM_UNIXTIME(?))",
	/* Every change of a complaint is compare-and-set on the revision it
	 * was read at: of two handlers acting at once (two resolves, two
	 * escalations, two ratings), one wins. Arguments:
	 * status, handler unit, handler, escalate_at (0: none, -1: keep),
	 * accepted, resolved, closed (1: now), escalated, reopened,
	 * rating, unread, now (x2 per time), id, the revision read. */
	[STMT_MOVE] =
	    "UPDATE complaints SET status = ?, handler_unit_id = ?,"
	    " handler_id = ?,"
	    " escalate_at = CASE WHEN ? = -1 THEN escalate_at WHEN ? = 0 THEN NULL"
	    "   ELSE FROM_UNIXTIME(?) END,"
	    " accepted_at = IF(? AND accepted_at IS NULL, FROM_UNIXTIME(?),"
	    "   accepted_at),"
	    " resolved_at = IF(?, FROM_UNIXTIME(?), resolved_at),"
	    " closed_at = IF(?, FROM_UNIXTIME(?), closed_at),"
	    " escalations = escalations + ?, reopened = reopened + ?,"
	    " rating = COALESCE(?, rating),"
	    " rated_at = IF(? IS NULL, rated_at, FROM_UNIXTIME(?)),"
	    " unread = unread + ?, updated_at = FROM_UNIXTIME(?),"
	    " revision = revision + 1"
	    " WHERE id = ? AND revision = ?",
	[STMT_SEEN] =
	    "UPDATE complaints SET unread = 0 WHERE id = ? AND unread > 0",
	/* Scheduler: due escalations and closings, oldest first, a batch. */
	[STMT_ESCALATE_DUE] =
	    "SELECT id FROM complaints WHERE escalate_at <= FROM_UNIXTIME(?)"
	    " ORDER BY escalate_at LIMIT 200",
	[STMT_CLOSE_DUE] =
	    "SELECT id FROM complaints WHERE status = 'resolved'"
	    " AND resolved_at <= FROM_UNIXTIME(?) ORDER BY resolved_at LIMIT 500",
	[STMT_BY_REQUEST] =
	    "SELECT id FROM complaints WHERE user_id = ? AND request_key = ?",
	/* How many of a resident's are still being handled. */
	[STMT_OPEN_OF_USER] =
	    "SELECT COUNT(*) FROM complaints WHERE user_id = ? AND is_open",
	/* Staff who may be given a complaint at `path` owned at `owner`:
	 * a role at the place or above it, at or below the owning level. */
	[STMT_ASSIGNEES] =
	    "SELECT u.id, u.display_name, r.role, n.id, n.name"
	    " FROM role_assignments r JOIN users u ON u.id = r.user_id"
	    " JOIN units n ON n.id = r.unit_id"
	    " WHERE u.disabled = 0 AND r.role <> 'station_manager'"
	    " AND (? = 0 OR r.role <> 'building_head')"
	    " AND ? LIKE CONCAT(n.path, '%') AND n.path LIKE CONCAT(?, '%')"
	    " ORDER BY LENGTH(n.path) DESC, u.id LIMIT 200",
	/* Filings by one resident queue here, so the count above holds:
	 * written, not only locked, so that two filings on two Galera nodes
	 * conflict at certification too (sql/0022). */
	[STMT_LOCK_USER] = "UPDATE users SET lock_seq = lock_seq + 1,"
	    " updated_at = updated_at WHERE id = ?",
	/* The dashboard's counts (complaint_tallies, sql/0023), in the
	 * transaction of each filing and each change of what they count: the
	 * complaint's day and month rows at the unit holding its place move
	 * by its contribution now (read from the row, changed in this
	 * transaction) minus its contribution before the change (from the
	 * row as read: the compare-and-set kept it). Arguments: received
	 * (1 when filed), the accepted_at, resolved, rated, good and fair
	 * it had (NULL, 0 when filed), the id. */
	[STMT_TALLY] =
	    "INSERT INTO complaint_tallies (span, day, unit_id, received,"
	    " in_time, resolved, rated, good, fair)"
	    " SELECT s.span, IF(s.span = 'day', t.d,"
	    " t.d - INTERVAL (DAYOFMONTH(t.d) - 1) DAY), t.u, t.n, t.i, t.r,"
	    " t.k, t.g, t.f"
	    " FROM (SELECT DATE(c.created_at + INTERVAL 8 HOUR) AS d,"
	    " IF(u.kind = 'building', u.parent_id, u.id) AS u, ? AS n,"
	    " COALESCE(c.accepted_at <= c.respond_due, 0)"
	    " - COALESCE(CAST(? AS DATETIME(3)) <= c.respond_due, 0) AS i,"
	    " (c.resolved_at IS NOT NULL AND c.reopened = 0) - ? AS r,"
	    " (c.rating IS NOT NULL) - ? AS k,"
	    " COALESCE(c.rating >= 4, 0) - ? AS g,"
	    " COALESCE(c.rating = 3, 0) - ? AS f"
	    " FROM complaints c FORCE INDEX (PRIMARY)"
	    " JOIN units u FORCE INDEX (PRIMARY) ON u.id = c.unit_id"
	    " WHERE c.id = ?) t"
	    " JOIN (SELECT 'day' AS span UNION ALL SELECT 'month') s ON TRUE"
	    " ON DUPLICATE KEY UPDATE received = received + VALUES(received),"
	    " in_time = in_time + VALUES(in_time),"
	    " resolved = resolved + VALUES(resolved),"
	    " rated = rated + VALUES(rated), good = good + VALUES(good),"
	    " fair = fair + VALUES(fair)",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("complaints", sql);

const char *const hz_complaint_statuses[] = { "submitted", "accepted",
    "in_progress", "resolved", "closed", "rejected", "reopened", NULL };
const char *const hz_complaint_actions[] = { "accept", "reply", "note",
    "assign", "escalate", "resolve", "reject", "reopen", "rate", NULL };
static const char *const category_kinds[] = { "problem", "suggestion",
    NULL };

static const struct hz_rule photo_id = { HZ_F_ID, 1, HZ_ID_MAX,
    "照片编号不正确，请重新上传" };

const struct hz_complaint_rules hz_complaint_rules = {
	.category = { HZ_F_STRING, 1, 32, "请选择问题类别",
	    .chars = HZ_CHARS_ALNUM "_" },
	.text = { HZ_F_STRING, 5, 500, "请描述问题（5 至 500 个字）",
	    .flags = HZ_MULTILINE },
	.place = { HZ_F_STRING, 1, 100, "请填写问题发生的地点（最长 100 个字）" },
	.photos = { HZ_F_ARRAY, 0, HZ_COMPLAINT_PHOTOS, "最多上传 3 张照片",
	    .item = &photo_id },
	.action = { HZ_F_ENUM, 0, 0, NULL, hz_complaint_actions },
	.status = { HZ_F_ENUM, 0, 0, NULL, hz_complaint_statuses },
	.event_text = { HZ_F_STRING, 1, 500, "请填写内容（1 至 500 个字）",
	    .flags = HZ_MULTILINE },
	.rating = { HZ_F_INT, 1, 5, "请选择 1 至 5 星" },
	.reason = { HZ_F_STRING, 1, 500, "请写明退回原因，并告诉群众该去哪里办理"
	    "（1 至 500 个字）", .flags = HZ_MULTILINE },
	.cat_code = { HZ_F_STRING, 1, 32, "类别代码只能含字母、数字和下划线"
	    "（1 至 32 个字符）", .chars = HZ_CHARS_ALNUM "_" },
	.cat_name = { HZ_F_STRING, 1, 32, "请填写类别名称（1 至 32 个字）" },
	.cat_kind = { HZ_F_ENUM, 0, 0, NULL, category_kinds },
	/* Ten minutes to ninety days. */
	.cat_minutes = { HZ_F_INT, 10, 129600, "时限应为 10 至 129600 分钟" },
};

static const struct hz_refusal
    staff_cannot_file = { HZ_ERR_FORBIDDEN, "forbidden", NULL,
	"反映问题请使用住户账号" },
    too_many_open = { HZ_ERR_RATE_LIMITED, "too_many_open_complaints", NULL,
	"您已有 20 条诉求正在办理，请等办结后再反映新问题；紧急情况请拨打 110"
	" 或 119", 3600 },
    unknown_category = { HZ_ERR_INVALID, "validation_failed", "category",
	"没有这个问题类别，请重新选择" },
    where_needed = { HZ_ERR_INVALID, "validation_failed", "place",
	"请扫描楼栋二维码，或填写问题发生的地点" },
    unknown_building = { HZ_ERR_INVALID, "validation_failed", "building",
	"没有找到这栋楼，请重新扫描楼栋二维码或填写地点" },
    duplicate_photo = { HZ_ERR_INVALID, "validation_failed", "photos",
	"同一张照片只能添加一次" },
    state_moved = { HZ_ERR_CONFLICT, "state_conflict", NULL,
	"就在刚才，已有其他工作人员办理了这条诉求，请看最新的办理情况后再操作" },
    not_now = { HZ_ERR_CONFLICT, "state_conflict", "action",
	"这条诉求现在的状态不能做这项操作，请看最新的办理情况后再操作" },
    rate_too_early = { HZ_ERR_CONFLICT, "state_conflict", "action",
	"问题办结后才能评价" },
    already_rated = { HZ_ERR_CONFLICT, "state_conflict", "action",
	"您已评价过，感谢反馈" },
    accept_first = { HZ_ERR_CONFLICT, "state_conflict", "action",
	"请先受理，再办结" },
    top_level = { HZ_ERR_CONFLICT, "state_conflict", "action",
	"已是村级，不能再上报" },
    residents_only = { HZ_ERR_FORBIDDEN, "forbidden", "action",
	"只有反映人本人可以评价或重新反映" },
    staff_only = { HZ_ERR_FORBIDDEN, "forbidden", "action",
	"这项操作由工作人员办理" },
    not_yours = { HZ_ERR_FORBIDDEN, "forbidden", "action",
	"该诉求由上级或其他人负责，您可以回复或备注" },
    rating_needed = { HZ_ERR_INVALID, "validation_failed", "rating",
	"请选择 1 至 5 星" },
    assignee_needed = { HZ_ERR_INVALID, "validation_failed", "assignee",
	"请选择要指派的工作人员" },
    assignee_out = { HZ_ERR_INVALID, "validation_failed", "assignee",
	"只能指派给负责这里的工作人员" },
    assignee_hidden = { HZ_ERR_INVALID, "validation_failed", "assignee",
	"反映人要求不让栋长知道身份，不能指派给栋长办理" },
    code_taken = { HZ_ERR_CONFLICT, "conflict", "code",
	"已有同样代码或名称的类别，请换一个" },
    nothing_to_change = { HZ_ERR_INVALID, "validation_failed", NULL,
	"请至少修改一项" };

/* The viewer's relation to one complaint. */
struct view {
	bool resident;    /* the complainant */
	bool reader;      /* staff reading it in scope */
	bool chain;       /* staff who may reply and note */
	bool owner;       /* staff who own it: the handler or above */
	bool identity;    /* may see the resident's name and phone */
};

/* A building head never sees who asked to be hidden from them; anyone
 * higher in the chain does. */
static bool
identity_visible(const struct hz_caller *c, const char *path, bool hide)
{
	if (!hide)
		return true;
	for (size_t i = 0; i < c->ngrants; i++)
		if (c->grants[i].role != HZ_ROLE_BUILDING_HEAD &&
		    c->grants[i].role != HZ_ROLE_STATION_MANAGER &&
		    hz_path_under(path, c->grants[i].unit_path))
			return true;
	return false;
}

/* Who the caller is to the complaint in row 0 of r; 404 if it is not
 * theirs to see. */
static enum hz_status
view_of(const struct hz_ctx *x, const struct hz_db_result *r, size_t i,
        struct view *v)
{
	const struct hz_db_cell *c = HZ_CELL(r, i, 0);
	const char *path = c[C_PATH].s;

	memset(v, 0, sizeof(*v));
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff) {
		if (HZ_ID(&c[C_USER]) != x->caller->id)
			return HZ_ERR_NOT_FOUND;
		v->resident = v->identity = true;
		return HZ_OK;
	}
	if (hz_authorize(x->caller, HZ_RIGHT_UNIT_READ, path) != HZ_OK)
		return HZ_ERR_NOT_FOUND;
	v->reader = true;
	v->chain = hz_authorize(x->caller, HZ_RIGHT_COMPLAINT_HANDLE, path)
	    == HZ_OK;
	v->owner = v->chain && (HZ_ID(&c[C_HANDLER]) == x->caller->id ||
	    hz_authorize(x->caller, HZ_RIGHT_COMPLAINT_HANDLE,
	    c[C_HUNIT_PATH].s) == HZ_OK);
	v->identity = identity_visible(x->caller, path, c[C_HIDE].i != 0);
	return HZ_OK;
}

static bool
is(const char *s, const char *a)
{
	return s != NULL && strcmp(s, a) == 0;
}

static bool
one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (is(s, *set))
			return true;
	return false;
}

static const char *const open_states[] = { "submitted", "accepted",
    "in_progress", "reopened", NULL };

/* May this viewer take `action` on a complaint in `status`? */
static bool
allowed(const struct view *v, const char *action, const char *status,
        bool rated)
{
	static const char *const accept_from[] = { "submitted", "reopened",
	    NULL };
	static const char *const resolve_from[] = { "accepted",
	    "in_progress", "reopened", NULL };
	static const char *const reject_from[] = { "submitted", "accepted",
	    NULL };

	if (v->resident) {
		if (is(action, "reopen"))
			return is(status, "resolved");
		if (is(action, "rate"))
			return !rated && (is(status, "resolved") ||
			    is(status, "closed"));
		return false;
	}
	if (is(action, "note"))
		return v->chain;
	if (is(action, "reply"))
		return v->chain && one_of(status, open_states);
	if (!v->owner)
		return false;
	if (is(action, "accept"))
		return one_of(status, accept_from);
	if (is(action, "assign") || is(action, "escalate"))
		return one_of(status, open_states);
	if (is(action, "resolve"))
		return one_of(status, resolve_from);
	if (is(action, "reject"))
		return one_of(status, reject_from);
	return false;
}

static void
fill(const struct hz_ctx *x, const struct hz_db_result *r, size_t i,
     const struct view *v, struct hz_complaint *o)
{
	const struct hz_db_cell *c = HZ_CELL(r, i, 0);
	const char *ph = HZ_TEXT(&c[C_PHOTOS]);
	char *plain;

	memset(o, 0, sizeof(*o));
	o->id = HZ_ID(&c[C_ID]);
	o->user_id = HZ_ID(&c[C_USER]);
	o->status = c[C_STATUS].s;
	o->category.id = HZ_ID(&c[C_CAT_ID]);
	o->category.code = c[C_CAT_CODE].s;
	o->category.name = c[C_CAT_NAME].s;
	o->category.kind = c[C_CAT_KIND].s;
	o->category.urgent = c[C_CAT_URGENT].i != 0;
	o->category.active = true;
	o->category.respond_minutes = (int)c[C_CAT_RESPOND].i;
	o->category.resolve_minutes = (int)c[C_CAT_RESOLVE].i;
	o->text = c[C_TEXT].s;
	o->building_id = HZ_ID(&c[C_BUILDING]);
	o->building_name = HZ_TEXT(&c[C_BUILDING_NAME]);
	if (o->building_id) {
		struct hz_unit b = { .kind = "building", .lane = c[C_LANE].s,
		    .door_no = c[C_DOOR].s };

		o->building_address = hz_building_address(x->arena, &b);
	}
	o->place = HZ_TEXT(&c[C_PLACE]);
	o->unit_id = HZ_ID(&c[C_UNIT]);
	o->hide_identity = c[C_HIDE].i != 0;
	if (v->identity) {
		o->resident_name = c[C_RES_NAME].s;
		if (!c[C_RES_PHONE].null && hz_unseal(x->arena, x->keys, "phone",
		    (const unsigned char *)c[C_RES_PHONE].s, c[C_RES_PHONE].len,
		    &plain) == HZ_OK)
			o->resident_phone = hz_mask_phone(x->arena, plain);
	}
	o->handler_unit_id = HZ_ID(&c[C_HUNIT]);
	o->handler_unit_name = c[C_HUNIT_NAME].s;
	o->handler_unit_kind = c[C_HUNIT_KIND].s;
	o->handler_id = HZ_ID(&c[C_HANDLER]);
	o->handler_name = HZ_TEXT(&c[C_HANDLER_NAME]);
	o->created_at = hz_time_local(x->arena, c[C_CREATED].s);
	o->updated_at = hz_time_local(x->arena, c[C_UPDATED].s);
	o->respond_due = hz_time_local(x->arena, c[C_RESPOND_DUE].s);
	o->resolve_due = hz_time_local(x->arena, c[C_RESOLVE_DUE].s);
	o->accepted_at = hz_time_local(x->arena, HZ_TEXT(&c[C_ACCEPTED]));
	o->resolved_at = hz_time_local(x->arena, HZ_TEXT(&c[C_RESOLVED]));
	o->closed_at = hz_time_local(x->arena, HZ_TEXT(&c[C_CLOSED]));
	o->rated_at = hz_time_local(x->arena, HZ_TEXT(&c[C_RATED]));
	o->escalations = (int)c[C_ESCALATIONS].i;
	o->reopened = (int)c[C_REOPENED].i;
	o->rating = c[C_RATING].null ? 0 : (int)c[C_RATING].i;
	o->unread = v->resident ? (int)c[C_UNREAD].i : 0;
	o->overdue = c[C_OPEN].i && ((c[C_ACCEPTED].null &&
	    x->now > c[C_RESPOND_TS].i) || x->now > c[C_RESOLVE_TS].i);
	for (const char *p = ph; p && *p && o->nphotos < HZ_COMPLAINT_PHOTOS;) {
		o->photos[o->nphotos++] = strtoull(p, (char **)&p, 10);
		if (*p == ',')
			p++;
	}
	for (size_t k = 0; hz_complaint_actions[k]; k++)
		if (allowed(v, hz_complaint_actions[k], o->status, o->rating))
			o->actions[o->nactions++] = hz_complaint_actions[k];
}

static enum hz_status
load(const struct hz_ctx *x, uint64_t id, struct hz_db_result *r)
{
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), r)))
		return rc;
	return r->nrows ? HZ_OK : HZ_ERR_NOT_FOUND;
}

static enum hz_status
events_of(const struct hz_ctx *x, const struct view *v,
          struct hz_complaint *o)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_EVENTS,
	    HZ_ARGS(HZ_ARG_I64((long long)o->id)), &r)))
		return rc;
	if ((o->events = hz_arena_calloc(x->arena, r.nrows + 1,
	    sizeof(*o->events))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		struct hz_complaint_event *e = &o->events[o->nevents];

		/* Staff notes are not the resident's to read. */
		if (v->resident && c[E_PUBLIC].i == 0)
			continue;
		e->id = HZ_ID(&c[E_ID]);
		e->actor_id = HZ_ID(&c[E_ACTOR]);
		e->actor_role = c[E_ROLE].s;
		e->actor_name = HZ_TEXT(&c[E_ACTOR_NAME]);
		/* A hidden resident stays hidden on their own events. */
		if (is(e->actor_role, "resident") && !v->identity) {
			e->actor_id = 0;
			e->actor_name = NULL;
		}
		e->action = c[E_ACTION].s;
		e->from_status = HZ_TEXT(&c[E_FROM]);
		e->to_status = HZ_TEXT(&c[E_TO]);
		e->text = HZ_TEXT(&c[E_TEXT]);
		e->rating = c[E_RATING].null ? 0 : (int)c[E_RATING].i;
		e->target_id = HZ_ID(&c[E_TARGET]);
		e->target_name = HZ_TEXT(&c[E_TARGET_NAME]);
		e->public = c[E_PUBLIC].i != 0;
		e->at = hz_time_local(x->arena, c[E_AT].s);
		o->nevents++;
	}
	return HZ_OK;
}

/* The detail of complaint `id` for the caller; `seen` clears the
 * resident's unread count. */
static enum hz_status
detail(const struct hz_ctx *x, uint64_t id, bool seen,
       struct hz_complaint *o)
{
	struct hz_db_result r;
	struct view v;
	enum hz_status rc;

	if ((rc = load(x, id, &r)) || (rc = view_of(x, &r, 0, &v)))
		return rc;
	fill(x, &r, 0, &v, o);
	if ((rc = events_of(x, &v, o)))
		return rc;
	if (seen && v.resident && o->unread) {
		/* The answer still says how many were new. */
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SEEN,
		    HZ_ARGS(HZ_ARG_I64((long long)id)), NULL)))
			return rc;
	}
	return HZ_OK;
}

enum hz_status
hz_complaint_get(const struct hz_ctx *x, uint64_t id, struct hz_complaint *o)
{
	return detail(x, id, true, o);
}

/* The caller's role as written on the timeline: the highest role held
 * over the complaint's place. */
static const char *
actor_role(const struct hz_ctx *x, const char *path)
{
	int best = -1;

	if (x->caller == NULL)
		return "system";
	if (!x->caller->staff)
		return "resident";
	for (size_t i = 0; i < x->caller->ngrants; i++) {
		const struct hz_grant *g = &x->caller->grants[i];

		if (g->role != HZ_ROLE_STATION_MANAGER &&
		    hz_path_under(path, g->unit_path) && (int)g->role > best)
			best = (int)g->role;
	}
	return best < 0 ? "staff" : hz_role_name((enum hz_role)best);
}

/* The role that owns complaints routed to a unit of this kind. */
static const char *
owner_role(const char *kind)
{
	return is(kind, "group") ? "group_leader" : is(kind, "cooperative")
	    ? "cadre" : "admin";
}

static enum hz_status
leader_of(const struct hz_ctx *x, uint64_t unit, const char *kind,
          uint64_t *user)
{
	struct hz_db_result r;
	enum hz_status rc;

	*user = 0;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LEADER, HZ_ARGS(
	    HZ_ARG_I64((long long)unit), HZ_ARG_STR(owner_role(kind))), &r)))
		return rc;
	if (r.nrows)
		*user = HZ_ID(HZ_CELL(&r, 0, 0));
	return HZ_OK;
}

static enum hz_status
add_event(const struct hz_ctx *x, uint64_t id, const char *role,
          const char *action, const char *from, const char *to,
          const char *text, int rating, uint64_t target, bool public)
{
	uint64_t actor = x->caller ? x->caller->id : 0;

	return hz_db_run(x->db, x->arena, &stmts, STMT_EVENT, HZ_ARGS(
	    HZ_ARG_I64((long long)id), HZ_ARG_OPT_ID(actor), HZ_ARG_STR(role),
	    HZ_ARG_STR(action), HZ_ARG_OPT_STR(from), HZ_ARG_OPT_STR(to),
	    HZ_ARG_OPT_STR(text), rating ? HZ_ARG_I64(rating) : HZ_ARG_NULL,
	    HZ_ARG_OPT_ID(target), HZ_ARG_I64(public),
	    HZ_ARG_I64((long long)x->now)), NULL);
}

/* ---- Submitting ---- */

struct submit_job {
	const struct hz_complaint_input *in;
	const unsigned char     *request;     /* keyed hash, or NULL */
	const struct hz_db_cell *cat;
	const struct hz_unit    *where;       /* the building or the village */
	uint64_t                 coop, group;
	uint64_t                 handler_unit, handler;
	const char              *role;        /* on the timeline; NULL: resident */
	uint64_t                 id;
};

static enum hz_status
submit_tx(const struct hz_ctx *x, void *p)
{
	struct submit_job *j = p;
	const struct hz_complaint_input *in = j->in;
	long long now = (long long)x->now;
	long long respond = now + 60LL * j->cat[K_RESPOND].i;
	long long resolve = now + 60LL * j->cat[K_RESOLVE].i;
	struct hz_db_arg me = HZ_ARG_I64((long long)x->caller->id);
	struct hz_db_result r;
	char detail[96];
	enum hz_status rc;

	/* One person cannot flood the handlers: 20 open at a time, counted
	 * with their row locked, so that filings at once cannot all pass. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK_USER,
	    HZ_ARGS(me), &r)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_OPEN_OF_USER,
	    HZ_ARGS(me), &r)))
		return rc;
	if (HZ_CELL(&r, 0, 0)->i >= HZ_COMPLAINTS_OPEN_MAX)
		return hz_refuse(x, &too_many_open);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGS(
	    me, HZ_ARG_I64(j->cat[K_ID].i), HZ_ARG_STR(in->text),
	    HZ_ARG_OPT_ID(in->building), HZ_ARG_OPT_STR(in->place),
	    HZ_ARG_I64((long long)j->where->id), HZ_ARG_STR(j->where->path),
	    HZ_ARG_OPT_ID(j->coop), HZ_ARG_OPT_ID(j->group),
	    HZ_ARG_I64(in->hide_identity),
	    HZ_ARG_I64((long long)j->handler_unit), HZ_ARG_OPT_ID(j->handler),
	    HZ_ARG_I64(now), HZ_ARG_I64(now), HZ_ARG_I64(respond),
	    HZ_ARG_I64(resolve), HZ_ARG_I64(respond),
	    j->request ? HZ_ARG_STRN((const char *)j->request, HZ_INDEX_BYTES)
	    : HZ_ARG_NULL), &r)))
		return rc;
	j->id = r.insert_id;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TALLY, HZ_ARGS(
	    HZ_ARG_I64(1), HZ_ARG_NULL, HZ_ARG_I64(0), HZ_ARG_I64(0),
	    HZ_ARG_I64(0), HZ_ARG_I64(0), HZ_ARG_I64((long long)j->id)),
	    NULL)))
		return rc;
	for (size_t i = 0; i < in->nphotos; i++)
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PHOTO, HZ_ARGS(
		    HZ_ARG_I64((long long)j->id),
		    HZ_ARG_I64((long long)in->photos[i]),
		    HZ_ARG_I64((long long)i)), NULL)))
			return rc;
	if ((rc = add_event(x, j->id, j->role ? j->role : "resident", "submit",
	    NULL, "submitted", NULL, 0, j->handler, true)))
		return rc;
	if (j->handler && (rc = hz_notify(x, j->handler, "complaint.new", j->id,
	    "您有一条新的群众诉求待受理，请及时处理")))
		return rc;
	snprintf(detail, sizeof(detail), "{\"unit_id\":%llu,\"handler_unit_id\""
	    ":%llu}", (unsigned long long)j->where->id,
	    (unsigned long long)j->handler_unit);
	return hz_audit(x, 0, "complaint.create", "complaint", j->id, detail);
}

/* The ids in a unit path ("/1/5/17/23/"): up to 4. */
static size_t
path_ids(const char *path, uint64_t ids[4])
{
	size_t n = 0;

	for (const char *p = path; p && *p && n < 4;) {
		if (*p == '/') {
			p++;
			continue;
		}
		ids[n++] = strtoull(p, (char **)&p, 10);
	}
	return n;
}

/* First receipt (首接负责): the group of the building, else its
 * cooperative, else the village; the first of those with an owner. */
static enum hz_status
route(const struct hz_ctx *x, struct submit_job *j)
{
	static const char *const kinds[] = { "village", "cooperative", "group" };
	uint64_t ids[4] = { 0 };
	size_t n = path_ids(j->where->path, ids);
	enum hz_status rc;

	j->coop = n > 1 ? ids[1] : 0;
	j->group = n > 2 && is(j->where->kind, "building") && n > 3 ? ids[2]
	    : 0;
	/* From the closest level above the place, up. */
	for (size_t k = n > 3 ? 3 : n; k-- > 0;) {
		if ((rc = leader_of(x, ids[k], kinds[k], &j->handler)))
			return rc;
		j->handler_unit = ids[k];
		if (j->handler)
			break;
	}
	return HZ_OK;
}

static enum hz_status
category_by_code(const struct hz_ctx *x, const char *code,
                 struct hz_db_result *r)
{
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CATEGORY_BY_CODE,
	    HZ_ARGS(HZ_ARG_STR(code)), r)))
		return rc;
	if (r->nrows == 0 || HZ_CELL(r, 0, K_ACTIVE)->i == 0)
		return hz_refuse(x, &unknown_category);
	return HZ_OK;
}

/* The caller's complaint filed under `request`, if any (id 0: none). */
static enum hz_status
by_request(const struct hz_ctx *x, const unsigned char *request,
           uint64_t *id)
{
	struct hz_db_result r;
	enum hz_status rc;

	*id = 0;
	if (request == NULL)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BY_REQUEST, HZ_ARGS(
	    HZ_ARG_I64((long long)x->caller->id),
	    HZ_ARG_STRN((const char *)request, HZ_INDEX_BYTES)), &r)))
		return rc;
	if (r.nrows)
		*id = HZ_ID(HZ_CELL(&r, 0, 0));
	return HZ_OK;
}

enum hz_status
hz_complaint_submit(const struct hz_ctx *x,
                    const struct hz_complaint_input *in,
                    struct hz_complaint *out)
{
	const struct hz_complaint_rules *R = &hz_complaint_rules;
	struct hz_db_result cat;
	struct hz_unit where;
	struct submit_job j = { .in = in, .where = &where };
	unsigned char request[HZ_INDEX_BYTES];
	uint64_t first;
	enum hz_status rc;

	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (x->caller->staff)
		return hz_refuse(x, &staff_cannot_file);
	if (!hz_rule_ok(&R->category, in->category, false))
		return hz_refuse_rule(x, "category", &R->category);
	if (!hz_rule_ok(&R->text, in->text, false))
		return hz_refuse_rule(x, "text", &R->text);
	if (!hz_rule_ok(&R->place, in->place, true))
		return hz_refuse_rule(x, "place", &R->place);
	if (in->building == 0 && in->place == NULL)
		return hz_refuse(x, &where_needed);
	if (in->nphotos > HZ_COMPLAINT_PHOTOS)
		return hz_refuse_rule(x, "photos", &R->photos);
	for (size_t i = 0; i < in->nphotos; i++)
		for (size_t k = 0; k < i; k++)
			if (in->photos[i] == in->photos[k])
				return hz_refuse(x, &duplicate_photo);
	if (in->request_key != NULL) {
		hz_blind_index(x->keys, "complaint_request", in->request_key,
		    strlen(in->request_key), request);
		j.request = request;
	}
	/* Filed before under this key: that one. */
	if ((rc = by_request(x, j.request, &first)))
		return rc;
	if (first)
		return detail(x, first, false, out);
	if ((rc = category_by_code(x, in->category, &cat)))
		return rc;
	j.cat = HZ_CELL(&cat, 0, 0);
	if ((rc = hz_uploads_owned(x, in->photos, in->nphotos)))
		return rc;
	/* A building's address is on a public poster: any building may be
	 * named (a resident reads no units, so core looks it up). A place
	 * without a building goes to the village, which routes it on. */
	if (in->building) {
		rc = hz_unit_load(x, in->building, &where);
		if (rc == HZ_ERR_NOT_FOUND || (rc == HZ_OK &&
		    !is(where.kind, "building")))
			return hz_refuse(x, &unknown_building);
	} else
		rc = hz_unit_village(x, &where);
	if (rc || (rc = route(x, &j)))
		return rc;
	/* Two attempts under one key at once: the unique key keeps one. */
	if ((rc = hz_tx(x, submit_tx, &j)) == HZ_ERR_CONFLICT && j.request &&
	    (rc = by_request(x, j.request, &j.id)) == HZ_OK && j.id == 0)
		rc = HZ_ERR_CONFLICT;
	if (rc)
		return rc;
	return detail(x, j.id, false, out);
}

static const struct hz_refusal unknown_category_id = { HZ_ERR_INVALID,
    "validation_failed", "complaint", "没有这个问题类别，请重新选择" };

enum hz_status
hz_complaint_file_on_duty(const struct hz_ctx *x, uint64_t building,
                          uint64_t category, const char *text, uint64_t photo,
                          uint64_t *id)
{
	struct hz_complaint_input in = { .text = text, .building = building };
	struct hz_db_result cat;
	struct hz_unit where;
	struct submit_job j = { .in = &in, .where = &where };
	enum hz_status rc;

	*id = 0;
	if (x->caller == NULL || !x->caller->staff)
		return HZ_ERR_FORBIDDEN;
	/* The text is made from the entry's note: the same rule as a
	 * resident's, said on the note. */
	if (!hz_rule_ok(&hz_complaint_rules.text, text, false))
		return hz_refuse_rule(x, "note", &hz_complaint_rules.text);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CATEGORY,
	    HZ_ARGS(HZ_ARG_I64((long long)category)), &cat)))
		return rc;
	if (cat.nrows == 0 || HZ_CELL(&cat, 0, K_ACTIVE)->i == 0)
		return hz_refuse(x, &unknown_category_id);
	j.cat = HZ_CELL(&cat, 0, 0);
	if (photo)
		in.photos[in.nphotos++] = photo;
	if ((rc = hz_unit_load(x, building, &where)))
		return rc;
	if (!is(where.kind, "building"))
		return HZ_ERR_NOT_FOUND;
	j.role = actor_role(x, where.path);
	if ((rc = route(x, &j)) || (rc = hz_tx(x, submit_tx, &j)))
		return rc;
	*id = j.id;
	return HZ_OK;
}

/* ---- Acting ---- */

/* One change of a complaint: its new state and what comes with it. */
struct move {
	const char *to;               /* the new status */
	uint64_t    handler_unit, handler;
	long long   escalate_at;      /* -1: keep, 0: none, else a time */
	bool        accepted, resolved, closed;
	int         escalated, reopened, rating, unread;
};

struct act_job {
	const struct hz_complaint_event_input *in;
	const struct hz_db_cell *c;   /* the complaint as read */
	const char *role;
	bool        owner;            /* the viewer owns it (or the system) */
	struct move m;
	/* The resident is told; the new owner too. */
	const char *tell_resident, *tell_handler;
	uint64_t    target;
	bool        public;
	const struct hz_refusal *lost;
};

/* The dashboard's counts move with a change of what they count
 * (STMT_TALLY): only acceptance, resolution, reopening and rating change
 * it; the rest (notes, replies after acceptance, assignment, escalation,
 * rejection, closing) write nothing there. */
static enum hz_status
tally(const struct hz_ctx *x, const struct act_job *j)
{
	const struct hz_db_cell *c = j->c;
	const struct move *m = &j->m;
	const bool rated = !c[C_RATING].null;
	const char *accepted = HZ_TEXT(&c[C_ACCEPTED]);

	if (!(m->accepted && c[C_ACCEPTED].null) && !m->resolved &&
	    !m->reopened && !m->rating)
		return HZ_OK;
	return hz_db_run(x->db, x->arena, &stmts, STMT_TALLY, HZ_ARGS(
	    HZ_ARG_I64(0), HZ_ARG_OPT_STR(accepted),
	    HZ_ARG_I64(!c[C_RESOLVED].null && c[C_REOPENED].i == 0),
	    HZ_ARG_I64(rated), HZ_ARG_I64(rated && c[C_RATING].i >= 4),
	    HZ_ARG_I64(rated && c[C_RATING].i == 3),
	    HZ_ARG_I64((long long)HZ_ID(&c[C_ID]))), NULL);
}

static enum hz_status
act_tx(const struct hz_ctx *x, void *p)
{
	struct act_job *j = p;
	const struct hz_db_cell *c = j->c;
	const struct move *m = &j->m;
	uint64_t id = HZ_ID(&c[C_ID]);
	long long now = (long long)x->now;
	struct hz_db_result r;
	char detail[64];
	enum hz_status rc;

	j->lost = NULL;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MOVE, HZ_ARGS(
	    HZ_ARG_STR(m->to), HZ_ARG_I64((long long)m->handler_unit),
	    HZ_ARG_OPT_ID(m->handler), HZ_ARG_I64(m->escalate_at),
	    HZ_ARG_I64(m->escalate_at), HZ_ARG_I64(m->escalate_at),
	    HZ_ARG_I64(m->accepted), HZ_ARG_I64(now),
	    HZ_ARG_I64(m->resolved), HZ_ARG_I64(now),
	    HZ_ARG_I64(m->closed), HZ_ARG_I64(now),
	    HZ_ARG_I64(m->escalated), HZ_ARG_I64(m->reopened),
	    m->rating ? HZ_ARG_I64(m->rating) : HZ_ARG_NULL,
	    m->rating ? HZ_ARG_I64(m->rating) : HZ_ARG_NULL, HZ_ARG_I64(now),
	    HZ_ARG_I64(m->unread), HZ_ARG_I64(now),
	    HZ_ARG_I64((long long)id), HZ_ARG_I64(c[C_REVISION].i)), &r)))
		return rc;
	/* Someone else changed it since it was read: nothing happens. */
	if (r.affected == 0) {
		j->lost = &state_moved;
		return HZ_OK;
	}
	if ((rc = tally(x, j)))
		return rc;
	if ((rc = add_event(x, id, j->role, j->in->action, c[C_STATUS].s,
	    m->to, j->in->text, m->rating, j->target, j->public)))
		return rc;
	if (j->tell_resident && (rc = hz_notify(x, HZ_ID(&c[C_USER]),
	    "complaint.update", id, j->tell_resident)))
		return rc;
	if (j->tell_handler && m->handler && (x->caller == NULL ||
	    m->handler != x->caller->id) && (rc = hz_notify(x, m->handler,
	    "complaint.assigned", id, j->tell_handler)))
		return rc;
	snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"to\":\"%s\"}",
	    c[C_STATUS].s, m->to);
	return hz_audit(x, 0, hz_arena_printf(x->arena, "complaint.%s",
	    j->in->action), "complaint", id, detail);
}

/* Is `who` staff who may handle complaints at `path`, at or below the
 * owning level `owner_path`? Assignment goes down the chain, escalation
 * up. */
static enum hz_status
assignee_ok(const struct hz_ctx *x, uint64_t who, const char *path,
            const char *owner_path, bool hidden)
{
	struct hz_caller c;
	enum hz_status rc = hz_caller_load(x, who, &c);

	if (rc == HZ_ERR_UNAUTHORIZED || (rc == HZ_OK && !c.staff))
		return hz_refuse(x, &assignee_out);
	if (rc)
		return rc;
	/* Hidden from the building head is hidden from handling it too:
	 * the complaint may well be about them. */
	for (size_t i = 0; i < c.ngrants; i++)
		if (c.grants[i].role != HZ_ROLE_STATION_MANAGER &&
		    !(hidden && c.grants[i].role == HZ_ROLE_BUILDING_HEAD) &&
		    hz_path_under(path, c.grants[i].unit_path) &&
		    hz_path_under(c.grants[i].unit_path, owner_path))
			return HZ_OK;
	return hz_refuse(x, hidden ? &assignee_hidden : &assignee_out);
}

/* The next deadline the scheduler watches once a complaint is in `to`. */
static long long
next_deadline(const struct hz_ctx *x, const struct hz_db_cell *c,
              const char *to)
{
	long long now = (long long)x->now;
	long long due;

	if (is(to, "submitted"))
		due = c[C_RESPOND_TS].i;
	else if (is(to, "accepted") || is(to, "in_progress"))
		due = c[C_RESOLVE_TS].i;
	else if (is(to, "reopened"))
		return now + 60LL * c[C_CAT_RESOLVE].i;
	else
		return 0;
	/* Past it already: the next level gets a whole window. */
	if (due <= now)
		due = now + 60LL * (is(to, "submitted") ? c[C_CAT_RESPOND].i
		    : c[C_CAT_RESOLVE].i);
	return due;
}

/* What `action` does to the complaint in row c; refusals for input. */
static enum hz_status
plan(const struct hz_ctx *x, struct act_job *j)
{
	const struct hz_complaint_rules *R = &hz_complaint_rules;
	const struct hz_complaint_event_input *in = j->in;
	const struct hz_db_cell *c = j->c;
	const char *st = c[C_STATUS].s, *a = in->action;
	struct move *m = &j->m;
	enum hz_status rc;

	*m = (struct move){ .to = st, .handler_unit = HZ_ID(&c[C_HUNIT]),
	    .handler = HZ_ID(&c[C_HANDLER]), .escalate_at = -1 };
	j->public = true;
	if (is(a, "reply") || is(a, "note") || is(a, "reject")) {
		const struct hz_rule *rule = is(a, "reject") ? &R->reason
		    : &R->event_text;

		/* These say something: the text is required. */
		if (!hz_rule_ok(rule, in->text, false))
			return hz_refuse_rule(x, "text", rule);
	} else if (in->text && !hz_rule_ok(&R->event_text, in->text, false))
		return hz_refuse_rule(x, "text", &R->event_text);

	if (is(a, "accept")) {
		m->to = "accepted";
		m->accepted = true;
		j->tell_resident = "您反映的问题已受理，我们会尽快处理";
	} else if (is(a, "reply")) {
		/* An owner's first answer is a response: it counts as
		 * accepting. A building head's does not: the complaint may be
		 * about them, and their word must not stop the clock. */
		if (j->owner) {
			if (!is(st, "reopened"))
				m->to = "in_progress";
			m->accepted = true;
		}
		j->tell_resident = "您反映的问题有了新的回复，请查看";
	} else if (is(a, "note")) {
		j->public = false;
	} else if (is(a, "assign")) {
		if (in->assignee == 0)
			return hz_refuse(x, &assignee_needed);
		if ((rc = assignee_ok(x, in->assignee, c[C_PATH].s,
		    c[C_HUNIT_PATH].s, c[C_HIDE].i != 0)))
			return rc;
		m->handler = j->target = in->assignee;
		j->tell_handler = "有一条群众诉求指派给您办理，请及时处理";
	} else if (is(a, "escalate")) {
		struct hz_unit up;

		if (HZ_ID(&c[C_HUNIT_PARENT]) == 0 ||
		    is(c[C_HUNIT_KIND].s, "village"))
			return hz_refuse(x, &top_level);
		if ((rc = hz_unit_load(x, HZ_ID(&c[C_HUNIT_PARENT]), &up)) ||
		    (rc = leader_of(x, up.id, up.kind, &m->handler)))
			return rc;
		m->handler_unit = up.id;
		m->escalated = 1;
		j->target = m->handler;
		j->tell_handler = "下级上报了一条群众诉求，请督办";
	} else if (is(a, "resolve")) {
		if (is(st, "submitted"))
			return hz_refuse(x, &accept_first);
		m->to = "resolved";
		m->resolved = true;
		j->tell_resident = "您反映的问题已办结，请评价办理结果";
	} else if (is(a, "reject")) {
		m->to = "rejected";
		m->closed = true;
		j->tell_resident = "您反映的问题未予受理，请查看原因和办理指引";
	} else if (is(a, "reopen")) {
		m->to = "reopened";
		m->reopened = 1;
		j->tell_handler = "群众反映问题未解决，请重新办理";
	} else if (is(a, "rate")) {
		if (in->rating < 1 || in->rating > 5)
			return hz_refuse(x, &rating_needed);
		m->to = "closed";
		m->rating = in->rating;
		if (is(st, "resolved"))
			m->closed = true;
	}
	m->escalate_at = next_deadline(x, c, m->to);
	if (is(a, "note") || is(a, "assign") || (is(a, "reply") &&
	    is(st, m->to)))
		m->escalate_at = -1;
	if (j->tell_resident)
		m->unread = 1;
	return HZ_OK;
}

enum hz_status
hz_complaint_act(const struct hz_ctx *x, uint64_t id,
                 const struct hz_complaint_event_input *in,
                 struct hz_complaint *out)
{
	struct hz_db_result r;
	struct act_job j = { .in = in };
	struct view v;
	enum hz_status rc;

	if ((rc = load(x, id, &r)) || (rc = view_of(x, &r, 0, &v)))
		return rc;
	j.c = HZ_CELL(&r, 0, 0);
	if (!hz_rule_ok(&hz_complaint_rules.action, in->action, false))
		return hz_refuse_rule(x, "action", &hz_complaint_rules.action);
	if (!allowed(&v, in->action, j.c[C_STATUS].s, !j.c[C_RATING].null)) {
		bool mine = is(in->action, "reopen") || is(in->action, "rate");

		if (v.resident != mine)
			return hz_refuse(x, v.resident ? &staff_only
			    : &residents_only);
		if (!v.resident && !v.chain)
			return HZ_ERR_FORBIDDEN;
		if (!v.resident && !v.owner && !is(in->action, "reply"))
			return hz_refuse(x, &not_yours);
		if (is(in->action, "rate"))
			return hz_refuse(x, j.c[C_RATING].null ? &rate_too_early
			    : &already_rated);
		if (is(in->action, "resolve") && is(j.c[C_STATUS].s,
		    "submitted"))
			return hz_refuse(x, &accept_first);
		return hz_refuse(x, &not_now);
	}
	j.role = actor_role(x, j.c[C_PATH].s);
	j.owner = v.owner;
	if ((rc = plan(x, &j)) || (rc = hz_tx(x, act_tx, &j)))
		return rc;
	if (j.lost)
		return hz_refuse(x, j.lost);
	return detail(x, id, false, out);
}

enum hz_status
hz_complaint_assignees(const struct hz_ctx *x, uint64_t id,
                       struct hz_assignee **out, size_t *n)
{
	struct hz_db_result r, a;
	struct view v;
	const struct hz_db_cell *c;
	enum hz_status rc;

	*n = 0;
	if ((rc = load(x, id, &r)) || (rc = view_of(x, &r, 0, &v)))
		return rc;
	c = HZ_CELL(&r, 0, 0);
	if (!allowed(&v, "assign", c[C_STATUS].s, false))
		return v.resident ? hz_refuse(x, &staff_only) : v.owner
		    ? hz_refuse(x, &not_now) : hz_refuse(x, &not_yours);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ASSIGNEES, HZ_ARGS(
	    HZ_ARG_I64(c[C_HIDE].i), HZ_ARG_STR(c[C_PATH].s),
	    HZ_ARG_STR(c[C_HUNIT_PATH].s)), &a)))
		return rc;
	if ((*out = hz_arena_calloc(x->arena, a.nrows + 1, sizeof(**out)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < a.nrows; i++) {
		const struct hz_db_cell *p = HZ_CELL(&a, i, 0);
		struct hz_assignee *o = &(*out)[*n];

		/* One line per person: their role closest to the place. */
		for (size_t k = 0; k < *n; k++)
			if ((*out)[k].id == HZ_ID(&p[0]))
				o = NULL;
		if (o == NULL)
			continue;
		o->id = HZ_ID(&p[0]);
		o->name = p[1].s;
		o->role = p[2].s;
		o->unit_id = HZ_ID(&p[3]);
		o->unit_name = p[4].s;
		(*n)++;
	}
	return HZ_OK;
}

static const struct hz_refusal no_phone = { HZ_ERR_NOT_FOUND, "not_found",
    NULL, "反映人没有留下手机号" };

enum hz_status
hz_complaint_phone(const struct hz_ctx *x, uint64_t id, const char **phone)
{
	struct hz_db_result r;
	struct view v;
	const struct hz_db_cell *c;
	char *plain;
	enum hz_status rc;

	*phone = NULL;
	if ((rc = load(x, id, &r)) || (rc = view_of(x, &r, 0, &v)))
		return rc;
	c = HZ_CELL(&r, 0, 0);
	/* Staff who may see who filed it, and reveal numbers there. */
	if (v.resident || !v.identity)
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_PII_REVEAL, c[C_PATH].s)))
		return rc;
	if (c[C_RES_PHONE].null)
		return hz_refuse(x, &no_phone);
	if ((rc = hz_unseal(x->arena, x->keys, "phone",
	    (const unsigned char *)c[C_RES_PHONE].s, c[C_RES_PHONE].len,
	    &plain)))
		return rc;
	*phone = plain;
	return hz_audit(x, 0, "complaint.phone", "complaint", id, NULL);
}

/* ---- Lists ---- */

/* The list's statement for a scope root by its depth. */
static const struct hz_stmt_by_depth list_stmt = {
	STMT_LIST_ALL, STMT_LIST_COOP, STMT_LIST_GROUP, STMT_LIST_BUILDING,
};

static const struct hz_refusal own_only = { HZ_ERR_INVALID,
    "validation_failed", "unit", "住户只能查看自己反映的问题，不能按单位或楼栋筛选" };

enum hz_status
hz_complaints_list(const struct hz_ctx *x, const struct hz_complaint_filter *f,
                   const struct hz_page *page, struct hz_complaint **out,
                   size_t *n, bool *more)
{
	struct hz_db_result rows = { 0 };
	struct hz_unit within;
	long long now = (long long)x->now;
	uint64_t me = f->assigned_to_me && x->caller ? x->caller->id : 0;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!hz_rule_ok(&hz_complaint_rules.status, f->status, true))
		return hz_refuse_rule(x, "status", &hz_complaint_rules.status);
	if (!hz_rule_ok(&hz_complaint_rules.category, f->category, true))
		return hz_refuse_rule(x, "category", &hz_complaint_rules.category);
	struct hz_db_arg filters[] = {
		HZ_ARG_OPT_STR(f->status), HZ_ARG_OPT_STR(f->status),
		f->open < 0 ? HZ_ARG_NULL : HZ_ARG_I64(f->open),
		f->open < 0 ? HZ_ARG_NULL : HZ_ARG_I64(f->open),
		HZ_ARG_I64(f->overdue), HZ_ARG_I64(now), HZ_ARG_I64(now),
		HZ_ARG_I64((long long)me), HZ_ARG_I64((long long)me),
		HZ_ARG_I64((long long)f->building),
		HZ_ARG_I64((long long)f->building),
		HZ_ARG_OPT_STR(f->category), HZ_ARG_OPT_STR(f->category),
	};
	if (!x->caller->staff) {
		if (f->unit || f->building)
			return hz_refuse(x, &own_only);
		struct hz_db_arg own[1 + sizeof(filters) / sizeof(filters[0])];

		own[0] = HZ_ARG_I64((long long)x->caller->id);
		memcpy(own + 1, filters, sizeof(filters));
		rc = hz_page_run(x, &stmts, STMT_LIST_OWN, HZ_ARGV(own), page,
		    &rows, more);
	} else if (f->unit || f->building) {
		/* A subtree the caller reads: 404 outside their scope. */
		if ((rc = hz_unit_get(x, f->unit ? f->unit : f->building,
		    &within)))
			return rc;
		rc = hz_scope_page_by(x, HZ_RIGHT_UNIT_READ, within.path,
		    &stmts, &list_stmt, HZ_ARGV(filters), page, &rows, more);
	} else
		rc = hz_scope_page_by(x, HZ_RIGHT_UNIT_READ, NULL, &stmts,
		    &list_stmt, HZ_ARGV(filters), page, &rows, more);
	if (rc)
		return rc;
	if ((*out = hz_arena_calloc(x->arena, rows.nrows + 1, sizeof(**out)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < rows.nrows; i++) {
		struct view v;

		if (view_of(x, &rows, i, &v) == HZ_OK)
			fill(x, &rows, i, &v, &(*out)[(*n)++]);
	}
	return HZ_OK;
}

/* ---- Categories ---- */

static void
fill_category(const struct hz_db_result *r, size_t i, struct hz_category *k)
{
	const struct hz_db_cell *c = HZ_CELL(r, i, 0);

	k->id = HZ_ID(&c[K_ID]);
	k->code = c[K_CODE].s;
	k->name = c[K_NAME].s;
	k->kind = c[K_KIND].s;
	k->urgent = c[K_URGENT].i != 0;
	k->active = c[K_ACTIVE].i != 0;
	k->respond_minutes = (int)c[K_RESPOND].i;
	k->resolve_minutes = (int)c[K_RESOLVE].i;
}

enum hz_status
hz_categories_list(const struct hz_ctx *x, bool all, struct hz_category **out,
                   size_t *n)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CATEGORIES,
	    HZ_ARGS(HZ_ARG_I64(all)), &r)))
		return rc;
	if ((*out = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(**out)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		fill_category(&r, i, &(*out)[i]);
	*n = r.nrows;
	return HZ_OK;
}

/* Village-wide settings: admin only. */
static enum hz_status
settings_right(const struct hz_ctx *x)
{
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	return hz_can_anywhere(x->caller, HZ_RIGHT_SETTINGS) ? HZ_OK
	    : HZ_ERR_FORBIDDEN;
}

static enum hz_status
check_category(const struct hz_ctx *x, const struct hz_category_input *in,
               bool create)
{
	const struct hz_complaint_rules *R = &hz_complaint_rules;

	if (create && !hz_rule_ok(&R->cat_code, in->code, false))
		return hz_refuse_rule(x, "code", &R->cat_code);
	if (!hz_rule_ok(&R->cat_name, in->name, !create))
		return hz_refuse_rule(x, "name", &R->cat_name);
	if (!hz_rule_ok(&R->cat_kind, in->kind, !create))
		return hz_refuse_rule(x, "kind", &R->cat_kind);
	if ((create || in->respond_minutes) && (in->respond_minutes < 10 ||
	    in->respond_minutes > R->cat_minutes.max))
		return hz_refuse_rule(x, "respond_minutes", &R->cat_minutes);
	if ((create || in->resolve_minutes) && (in->resolve_minutes < 10 ||
	    in->resolve_minutes > R->cat_minutes.max))
		return hz_refuse_rule(x, "resolve_minutes", &R->cat_minutes);
	return HZ_OK;
}

struct category_job {
	const struct hz_category_input *in;
	uint64_t id;
	bool create, taken;
};

static enum hz_status
category_tx(const struct hz_ctx *x, void *p)
{
	struct category_job *j = p;
	const struct hz_category_input *in = j->in;
	struct hz_db_result r;
	enum hz_status rc;

	j->taken = false;
	if (j->create)
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_CATEGORY_INSERT,
		    HZ_ARGS(HZ_ARG_STR(in->code), HZ_ARG_STR(in->name),
		    HZ_ARG_STR(in->kind), HZ_ARG_I64(in->urgent > 0),
		    HZ_ARG_I64(in->respond_minutes),
		    HZ_ARG_I64(in->resolve_minutes)), &r);
	else
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_CATEGORY_UPDATE,
		    HZ_ARGS(HZ_ARG_OPT_STR(in->name),
		    in->urgent < 0 ? HZ_ARG_NULL : HZ_ARG_I64(in->urgent),
		    in->active < 0 ? HZ_ARG_NULL : HZ_ARG_I64(in->active),
		    in->respond_minutes ? HZ_ARG_I64(in->respond_minutes)
		    : HZ_ARG_NULL, in->resolve_minutes ?
		    HZ_ARG_I64(in->resolve_minutes) : HZ_ARG_NULL,
		    HZ_ARG_I64((long long)j->id)), &r);
	if (rc == HZ_ERR_CONFLICT) {
		j->taken = true;
		return HZ_ERR_CONFLICT;
	}
	if (rc)
		return rc;
	if (j->create)
		j->id = r.insert_id;
	return hz_audit(x, 0, j->create ? "category.create" : "category.update",
	    "complaint_category", j->id, NULL);
}

static enum hz_status
category_save(const struct hz_ctx *x, struct category_job *j,
              struct hz_category *out)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = settings_right(x)) || (rc = check_category(x, j->in,
	    j->create)))
		return rc;
	if (!j->create) {
		const struct hz_category_input *in = j->in;

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CATEGORY,
		    HZ_ARGS(HZ_ARG_I64((long long)j->id)), &r)))
			return rc;
		if (r.nrows == 0)
			return HZ_ERR_NOT_FOUND;
		if (!in->name && in->urgent < 0 && in->active < 0 &&
		    !in->respond_minutes && !in->resolve_minutes)
			return hz_refuse(x, &nothing_to_change);
	}
	if ((rc = hz_tx(x, category_tx, j)))
		return j->taken ? hz_refuse(x, &code_taken) : rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CATEGORY,
	    HZ_ARGS(HZ_ARG_I64((long long)j->id)), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	fill_category(&r, 0, out);
	return HZ_OK;
}

enum hz_status
hz_category_create(const struct hz_ctx *x, const struct hz_category_input *in,
                   struct hz_category *out)
{
	struct category_job j = { .in = in, .create = true };

	return category_save(x, &j, out);
}

enum hz_status
hz_category_update(const struct hz_ctx *x, uint64_t id,
                   const struct hz_category_input *in,
                   struct hz_category *out)
{
	struct category_job j = { .in = in, .id = id };

	return category_save(x, &j, out);
}

/* ---- The scheduler's jobs ---- */

/* Past a deadline: one level up, on the timeline as the system. At the
 * village there is no level above; it stays on the dashboard as
 * overdue and the scheduler stops looking. */
static enum hz_status
escalate_one(const struct hz_ctx *x, uint64_t id, bool *done)
{
	struct hz_complaint_event_input in = { .action = "escalate",
	    .text = "超过办理时限，系统自动上报上一级" };
	struct act_job j = { .in = &in, .role = "system", .owner = true };
	struct hz_db_result r;
	enum hz_status rc;

	*done = false;
	if ((rc = load(x, id, &r)))
		return rc == HZ_ERR_NOT_FOUND ? HZ_OK : rc;
	j.c = HZ_CELL(&r, 0, 0);
	if (!j.c[C_OPEN].i)
		return HZ_OK;   /* finished meanwhile; the move clears it */
	if ((rc = plan(x, &j)) == HZ_ERR_CONFLICT) {
		/* Top level: stop watching it. */
		hz_refuse_clear(x);
		in.text = "超过办理时限，已在村级督办";
		j.m = (struct move){ .to = j.c[C_STATUS].s,
		    .handler_unit = HZ_ID(&j.c[C_HUNIT]),
		    .handler = HZ_ID(&j.c[C_HANDLER]), .escalate_at = 0 };
		j.tell_handler = NULL;
	} else if (rc)
		return rc;
	else
		/* The next level gets a whole window of its own. */
		j.m.escalate_at = (long long)x->now + 60LL *
		    (j.c[C_ACCEPTED].null ? j.c[C_CAT_RESPOND].i
		    : j.c[C_CAT_RESOLVE].i);
	if ((rc = hz_tx(x, act_tx, &j)))
		return rc;
	*done = j.lost == NULL;
	return HZ_OK;
}

static enum hz_status
run_due(const struct hz_ctx *x, size_t stmt, long long at,
        enum hz_status (*one)(const struct hz_ctx *, uint64_t, bool *),
        unsigned long long *n)
{
	struct hz_db_result r;
	enum hz_status rc;

	*n = 0;
	if (x->caller != NULL)
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, stmt,
	    HZ_ARGS(HZ_ARG_I64(at)), &r)))
		return rc;
	for (size_t i = 0; i < r.nrows; i++) {
		bool done;

		if ((rc = one(x, HZ_ID(HZ_CELL(&r, i, 0)), &done)))
			return rc;
		*n += done;
	}
	return HZ_OK;
}

enum hz_status
hz_complaints_escalate_due(const struct hz_ctx *x, unsigned long long *n)
{
	return run_due(x, STMT_ESCALATE_DUE, (long long)x->now, escalate_one,
	    n);
}

/* Resolved and left alone for 7 days: closed, unrated. */
static enum hz_status
close_one(const struct hz_ctx *x, uint64_t id, bool *done)
{
	struct hz_complaint_event_input in = { .action = "close",
	    .text = "办结后 7 天未评价，系统自动关闭" };
	struct act_job j = { .in = &in, .role = "system" };
	struct hz_db_result r;
	enum hz_status rc;

	*done = false;
	if ((rc = load(x, id, &r)))
		return rc == HZ_ERR_NOT_FOUND ? HZ_OK : rc;
	j.c = HZ_CELL(&r, 0, 0);
	if (!is(j.c[C_STATUS].s, "resolved"))
		return HZ_OK;
	j.m = (struct move){ .to = "closed", .handler_unit =
	    HZ_ID(&j.c[C_HUNIT]), .handler = HZ_ID(&j.c[C_HANDLER]),
	    .escalate_at = 0, .closed = true };
	j.public = true;
	if ((rc = hz_tx(x, act_tx, &j)))
		return rc;
	*done = j.lost == NULL;
	return HZ_OK;
}

enum hz_status
hz_complaints_autoclose(const struct hz_ctx *x, unsigned long long *n)
{
	return run_due(x, STMT_CLOSE_DUE, (long long)x->now - 7LL * 86400,
	    close_one, n);
}
