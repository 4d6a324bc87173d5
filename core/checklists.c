#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "checklists.h"
#include "clock.h"
#include "complaints.h"
#include "num.h"
#include "policy.h"
#include "units.h"
#include "uploads.h"
#include "utf8.h"

#define SHANGHAI (8 * 3600)

#define TEMPLATE_ROW(C, L) \
	C(T_ID, "id") C(T_MONTH, "month") C(T_TITLE, "title") \
	C(T_ITEMS, "items") C(T_ISSUED, "issued_at") L(T_REVISION, "revision")
enum { TEMPLATE_ROW(HZ_COL_ENUM, HZ_COL_ENUM) T__NCOLS };
#define SELECT_TEMPLATE "SELECT " TEMPLATE_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	" FROM checklist_templates"

/* A list with its template's title and its building. */
#define LIST_ROW(C, L) \
	C(L_ID, "c.id") C(L_MONTH, "c.month") C(L_TITLE, "t.title") \
	C(L_BUILDING, "c.building_id") C(L_BNAME, "u.name") \
	C(L_LANE, "b.lane") C(L_DOOR, "b.door_no") C(L_PATH, "c.unit_path") \
	C(L_ITEMS, "c.items") C(L_DONE, "c.items_done") \
	C(L_PROBLEMS, "c.problems") C(L_DUE, "c.due_at") \
	C(L_COMPLETED, "c.completed_at") C(L_REVISION, "c.revision") \
	L(L_DUE_TS, "CAST(UNIX_TIMESTAMP(c.due_at) AS SIGNED)")
enum { LIST_ROW(HZ_COL_ENUM, HZ_COL_ENUM) L__NCOLS };
#define SELECT_LIST "SELECT " LIST_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	" FROM checklists c JOIN checklist_templates t ON t.id = c.template_id" \
	" JOIN units u ON u.id = c.building_id" \
	" JOIN buildings b ON b.unit_id = c.building_id"
/* A page's filter after the scope: the month. */
#define LIST_FILTERS " AND c.month = ? AND c.id > ? ORDER BY c.id LIMIT ?"
/* The scope root's id is the last number of its path ("/1/5/17/"). */
#define ROOT_ID "CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(?, '/', -2), '/', 1)" \
	" AS UNSIGNED)"

#define ENTRY_ROW(C, L) \
	C(E_POSITION, "e.position") C(E_TITLE, "i.title") C(E_HINT, "i.hint") \
	C(E_PHOTO_REQUIRED, "i.photo_required") C(E_STATUS, "e.status") \
	C(E_NOTE, "e.note") C(E_UPLOAD, "e.upload_id") \
	C(E_COMPLAINT, "e.complaint_id") C(E_DONE_BY, "e.done_by") \
	C(E_DONE_NAME, "d.display_name") L(E_DONE_AT, "e.done_at")
enum { ENTRY_ROW(HZ_COL_ENUM, HZ_COL_ENUM) E__NCOLS };

/* The heads of a building: the staff holding building_head there. */
#define HEADS_OF(b) \
	" JOIN role_assignments r ON r.unit_id = " b \
	"  AND r.role = 'building_head'" \
	" JOIN users s ON s.id = r.user_id AND s.disabled = 0"

/* A summary's counts: now (overdue), then month and path. */
#define COUNTS \
	" COUNT(*)," \
	" CAST(SUM(completed_at IS NOT NULL) AS SIGNED)," \
	" CAST(SUM(items) AS SIGNED), CAST(SUM(items_done) AS SIGNED)," \
	" CAST(SUM(problems) AS SIGNED)," \
	" CAST(SUM(completed_at IS NULL AND due_at < FROM_UNIXTIME(?))" \
	"  AS SIGNED)" \
	" FROM checklists WHERE month = ? AND unit_path LIKE CONCAT(?, '%')"
enum { S_KEY, S_LIST, S_LISTS, S_COMPLETED, S_ITEMS, S_DONE, S_PROBLEMS,
       S_OVERDUE };

/* Lists to remind: incomplete, with a head, not reminded within the hour.
 * Arguments: month, path, an hour ago. */
#define TO_REMIND \
	" c.month = ? AND c.unit_path LIKE CONCAT(?, '%')" \
	" AND c.completed_at IS NULL" \
	" AND (c.reminded_at IS NULL OR c.reminded_at <= FROM_UNIXTIME(?))"

enum {
	STMT_TEMPLATE, STMT_TEMPLATE_LOCK, STMT_TEMPLATE_ITEMS,
	STMT_TEMPLATES, STMT_TEMPLATE_INSERT, STMT_TEMPLATE_UPDATE,
	STMT_ITEMS_DELETE, STMT_ITEM_INSERT,
	STMT_ISSUE_DUE, STMT_ISSUE_LISTS, STMT_ISSUE_NOTIFY, STMT_ISSUE_ENTRIES, STMT_ISSUED,
	STMT_GET, STMT_LIST_ALL, STMT_LIST_COOP, STMT_LIST_GROUP,
	STMT_LIST_BUILDING, STMT_ENTRIES, STMT_ENTRY, STMT_CLAIM,
	STMT_ENTRY_SET, STMT_ENTRY_COMPLAINT, STMT_RECOUNT,
	STMT_SUM_COOP, STMT_SUM_GROUP, STMT_SUM_BUILDING,
	STMT_REMIND_LOCK, STMT_REMIND_NOTIFY, STMT_REMIND_MARK,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_TEMPLATE] = SELECT_TEMPLATE " WHERE month = ?",
	/* The issuing run and an edit queue on the template's row. */
	[STMT_TEMPLATE_LOCK] = SELECT_TEMPLATE " WHERE month = ? FOR UPDATE",
	[STMT_TEMPLATE_ITEMS] =
	    "SELECT position, title, hint, photo_required"
	    " FROM checklist_template_items WHERE template_id = ?"
	    " ORDER BY position",
	/* Newest month first; the cursor is the last month seen. */
	[STMT_TEMPLATES] = SELECT_TEMPLATE
	    " WHERE (? IS NULL OR month < ?) ORDER BY month DESC LIMIT ?",
	[STMT_TEMPLATE_INSERT] =
	    "INSERT INTO checklist_templates (month, title, items, created_by,"
	    " created_at, updated_at) VALUES (?, ?, ?, ?, FROM_UNIXTIME(?),"
	    " FROM_UNIXTIME(?))",
	/* Compare-and-set on the revision read, and never once issued. */
	[STMT_TEMPLATE_UPDATE] =
	    "UPDATE checklist_templates SET title = ?, items = ?,"
	    " updated_at = FROM_UNIXTIME(?), revision = revision + 1"
	    " WHERE id = ? AND revision = ? AND issued_at IS NULL",
	[STMT_ITEMS_DELETE] =
	    "DELETE FROM checklist_template_items WHERE template_id = ?",
	[STMT_ITEM_INSERT] =
	    "INSERT INTO checklist_template_items (template_id, position,"
	    " title, hint, photo_required) VALUES (?, ?, ?, ?, ?)",
	/* Is any list of the month's template missing? A plain read, so that
	 * the run every minute locks nothing once the month's lists exist. */
	[STMT_ISSUE_DUE] =
	    "SELECT 1 FROM checklist_templates t JOIN units u"
	    " ON u.kind = 'building' WHERE t.month = ?"
	    " AND EXISTS (SELECT 1 FROM role_assignments r"
	    "  JOIN users s ON s.id = r.user_id AND s.disabled = 0"
	    "  WHERE r.unit_id = u.id AND r.role = 'building_head')"
	    " AND NOT EXISTS (SELECT 1 FROM checklists c"
	    "  WHERE c.template_id = t.id AND c.building_id = u.id) LIMIT 1",
	/* Issuing, set-based: a list for every building with a head that has
	 * none for the template; its cooperative and group come from its
	 * path ("/village/coop/group/building/"). Arguments: due, now,
	 * template. */
	[STMT_ISSUE_LISTS] =
	    "INSERT INTO checklists (template_id, month, building_id,"
	    " unit_path, coop_id, group_id, items, due_at, created_at)"
	    " SELECT t.id, t.month, u.id, u.path,"
	    " CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(u.path, '/', 3), '/', -1)"
	    "  AS UNSIGNED),"
	    " CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(u.path, '/', 4), '/', -1)"
	    "  AS UNSIGNED),"
	    " t.items, FROM_UNIXTIME(?) - INTERVAL 1000 MICROSECOND,"
	    " FROM_UNIXTIME(?)"
	    " FROM checklist_templates t JOIN units u ON u.kind = 'building'"
	    " WHERE t.id = ? AND EXISTS (SELECT 1 FROM role_assignments r"
	    "  JOIN users s ON s.id = r.user_id AND s.disabled = 0"
	    "  WHERE r.unit_id = u.id AND r.role = 'building_head')"
	    " AND NOT EXISTS (SELECT 1 FROM checklists c"
	    "  WHERE c.template_id = t.id AND c.building_id = u.id)",
	/* The new lists are those without entries yet: their heads are
	 * told, then the entries are made. Arguments: now, now, template. */
	[STMT_ISSUE_NOTIFY] =
	    "INSERT INTO notifications (user_id, kind, subject_id, text,"
	    " created_at, next_try_at)"
	    " SELECT r.user_id, 'checklist.new', MIN(c.id),"
	    " LEFT(CONCAT('本月工作清单已下发：', MIN(t.title), '（',"
	    "  IF(COUNT(*) > 1, CONCAT(COUNT(*), ' 栋楼'), MIN(u.name)),"
	    "  '），请在月底前逐项完成'), 200),"
	    " FROM_UNIXTIME(?), FROM_UNIXTIME(?)"
	    " FROM checklists c JOIN checklist_templates t ON t.id = c.template_id"
	    " JOIN units u ON u.id = c.building_id" HEADS_OF("c.building_id")
	    " WHERE c.template_id = ? AND NOT EXISTS (SELECT 1"
	    "  FROM checklist_entries e WHERE e.checklist_id = c.id)"
	    " GROUP BY r.user_id",
	[STMT_ISSUE_ENTRIES] =
	    "INSERT INTO checklist_entries (checklist_id, position)"
	    " SELECT c.id, i.position FROM checklists c"
	    " JOIN checklist_template_items i ON i.template_id = c.template_id"
	    " WHERE c.template_id = ? AND NOT EXISTS (SELECT 1"
	    "  FROM checklist_entries e WHERE e.checklist_id = c.id)",
	[STMT_ISSUED] =
	    "UPDATE checklist_templates SET issued_at ="
	    " COALESCE(issued_at, FROM_UNIXTIME(?)) WHERE id = ?",
	[STMT_GET] = SELECT_LIST " WHERE c.id = ?",
	/* Pages (page.h): scope, month, cursor, limit. A list keeps its
	 * cooperative and group, so every level is an index range. */
	[STMT_LIST_ALL] = SELECT_LIST
	    " WHERE c.unit_path LIKE CONCAT(?, '%')" LIST_FILTERS,
	[STMT_LIST_COOP] = SELECT_LIST " WHERE c.coop_id = " ROOT_ID
	    LIST_FILTERS,
	[STMT_LIST_GROUP] = SELECT_LIST " WHERE c.group_id = " ROOT_ID
	    LIST_FILTERS,
	[STMT_LIST_BUILDING] = SELECT_LIST " WHERE c.building_id = " ROOT_ID
	    LIST_FILTERS,
	[STMT_ENTRIES] =
	    "SELECT " ENTRY_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM checklist_entries e JOIN checklists c"
	    " ON c.id = e.checklist_id JOIN checklist_template_items i"
	    " ON i.template_id = c.template_id AND i.position = e.position"
	    " LEFT JOIN users d ON d.id = e.done_by"
	    " WHERE e.checklist_id = ? ORDER BY e.position",
	[STMT_ENTRY] =
	    "SELECT " ENTRY_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM checklist_entries e JOIN checklists c"
	    " ON c.id = e.checklist_id JOIN checklist_template_items i"
	    " ON i.template_id = c.template_id AND i.position = e.position"
	    " LEFT JOIN users d ON d.id = e.done_by"
	    " WHERE e.checklist_id = ? AND e.position = ?",
	/* Compare-and-set on the revision the list was read at. */
	[STMT_CLAIM] =
	    "UPDATE checklists SET revision = revision + 1"
	    " WHERE id = ? AND revision = ?",
	/* status, note, upload, done_by, status, now, list, position */
	[STMT_ENTRY_SET] =
	    "UPDATE checklist_entries SET status = ?, note = ?, upload_id = ?,"
	    " done_by = ?, done_at = IF(? = 'open', NULL, FROM_UNIXTIME(?))"
	    " WHERE checklist_id = ? AND position = ?",
	[STMT_ENTRY_COMPLAINT] =
	    "UPDATE checklist_entries SET complaint_id = ?"
	    " WHERE checklist_id = ? AND position = ?",
	/* The list's counts from its entries, in the tick's transaction
	 * (MariaDB assigns left to right: completed_at sees the new
	 * items_done). Arguments: now, id. */
	[STMT_RECOUNT] =
	    "UPDATE checklists c SET"
	    " items_done = (SELECT COUNT(*) FROM checklist_entries e"
	    "  WHERE e.checklist_id = c.id AND e.status <> 'open'),"
	    " problems = (SELECT COUNT(*) FROM checklist_entries e"
	    "  WHERE e.checklist_id = c.id AND e.status = 'problem'),"
	    " completed_at = IF(items_done >= items,"
	    "  COALESCE(completed_at, FROM_UNIXTIME(?)), NULL)"
	    " WHERE id = ?",
	/* Per child unit in one scan: a village's cooperatives, a
	 * cooperative's groups, a group's buildings. */
	[STMT_SUM_COOP] = "SELECT coop_id, 0," COUNTS " GROUP BY coop_id",
	[STMT_SUM_GROUP] = "SELECT group_id, 0," COUNTS " GROUP BY group_id",
	[STMT_SUM_BUILDING] = "SELECT building_id, MAX(id)," COUNTS
	    " GROUP BY building_id",
	/* Reminders take turns over the lists they may touch, locked in
	 * index order (month, path): the notifications' INSERT ... SELECT
	 * share-locks the lists the marking UPDATE then needs, so two at once
	 * deadlocked each other. After the turn, the second sees the first's
	 * marks and reminds nobody twice. Arguments: month, path. */
	[STMT_REMIND_LOCK] =
	    "SELECT COUNT(*) FROM checklists"
	    " WHERE month = ? AND unit_path LIKE CONCAT(?, '%') FOR UPDATE",
	/* Arguments: the month's name ("12月"), now, now, then
	 * TO_REMIND's. A reminder may be of a month already over: it names
	 * the month, never "this month". */
	[STMT_REMIND_NOTIFY] =
	    "INSERT INTO notifications (user_id, kind, subject_id, text,"
	    " created_at, next_try_at)"
	    " SELECT r.user_id, 'checklist.remind', MIN(c.id),"
	    " LEFT(CONCAT('请尽快完成', ?, '工作清单：',"
	    "  IF(COUNT(*) > 1, CONCAT(COUNT(*), ' 栋楼'), MIN(u.name)),"
	    "  '还有 ', SUM(c.items - c.items_done), ' 项未完成'), 200),"
	    " FROM_UNIXTIME(?), FROM_UNIXTIME(?)"
	    " FROM checklists c JOIN units u ON u.id = c.building_id"
	    HEADS_OF("c.building_id") " WHERE" TO_REMIND " GROUP BY r.user_id",
	[STMT_REMIND_MARK] =
	    "UPDATE checklists c SET c.reminded_at = FROM_UNIXTIME(?)"
	    " WHERE" TO_REMIND " AND EXISTS (SELECT 1 FROM role_assignments r"
	    "  JOIN users s ON s.id = r.user_id AND s.disabled = 0"
	    "  WHERE r.unit_id = c.building_id AND r.role = 'building_head')",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("checklists", sql);

const char *const hz_checklist_statuses[] = { "open", "ok", "problem", NULL };

const struct hz_field hz_checklist_item_fields[] = {
	{ "title", &hz_checklist_rules.item_title, HZ_REQUIRED },
	{ "hint", &hz_checklist_rules.hint, 0 },
	{ "photo_required", HZ_RULE(HZ_F_BOOL), HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

const struct hz_field hz_checklist_complaint_fields[] = {
	{ "category_id", &hz_rule_id, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

const struct hz_checklist_rules hz_checklist_rules = {
	.month = { HZ_F_STRING, 7, 7, "月份应写成 2026-12 这样的年-月",
	    .chars = "0123456789-" },
	.title = { HZ_F_STRING, 1, 100, "请填写清单标题（1 至 100 个字）" },
	.items = { HZ_F_ARRAY, 1, HZ_CHECKLIST_ITEMS_MAX,
	    "清单应有 1 至 20 项", .sub = hz_checklist_item_fields },
	.item_title = { HZ_F_STRING, 1, 100, "请填写这一项的内容（1 至 100 个字）" },
	.hint = { HZ_F_STRING, 0, 200, "说明最长 200 个字",
	    .flags = HZ_MULTILINE },
	.status = { HZ_F_ENUM, 0, 0, NULL, hz_checklist_statuses },
	.note = { HZ_F_STRING, 0, 500, "备注最长 500 个字",
	    .flags = HZ_MULTILINE },
	.photo = { HZ_F_ID, 1, HZ_ID_MAX, "照片编号不正确，请重新上传" },
	.complaint = { HZ_F_OBJECT, 0, 0, "请选择要提交的诉求类别",
	    .sub = hz_checklist_complaint_fields },
};

static const struct hz_refusal
    past_month = { HZ_ERR_INVALID, "validation_failed", "month",
	"只能编辑本月或以后月份的模板，请选择本月或下个月" },
    template_issued = { HZ_ERR_CONFLICT, "template_issued", NULL,
	"这个月份的清单已下发，不能再修改；请编辑以后月份的模板" },
    template_moved = { HZ_ERR_CONFLICT, "state_conflict", NULL,
	"模板刚被其他人修改，请刷新后再编辑" },
    photo_needed = { HZ_ERR_INVALID, "validation_failed", "photo",
	"这一项需要拍照：请先拍一张现场照片" },
    photo_not_yours = { HZ_ERR_INVALID, "validation_failed", "photo",
	"照片已失效，请重新拍照上传" },
    note_needed = { HZ_ERR_INVALID, "validation_failed", "note",
	"发现问题时请写明情况（1 至 500 个字）" },
    complaint_needs_problem = { HZ_ERR_INVALID, "validation_failed",
	"complaint", "只有标记为“有问题”时才能同时提交诉求" },
    list_moved = { HZ_ERR_CONFLICT, "state_conflict", NULL,
	"清单刚被其他人修改，请刷新后再勾选" },
    no_such_entry = { HZ_ERR_NOT_FOUND, "not_found", NULL,
	"清单里没有这一项，请刷新后再试" };

static bool
is(const char *s, const char *a)
{
	return s != NULL && a != NULL && strcmp(s, a) == 0;
}

/* ---- Months ---- */

const char *
hz_checklist_month(time_t t, char out[8])
{
	time_t local = t + SHANGHAI;
	struct tm tm;

	gmtime_r(&local, &tm);
	snprintf(out, 8, "%04u-%02u", (unsigned)(tm.tm_year + 1900) % 10000,
	    (unsigned)(tm.tm_mon + 1) % 100);
	return out;
}

/* "yyyy-mm" with a year this program can hold a time of. */
static bool
month_parse(const char *s, int *y, int *m)
{
	int64_t year, mon;

	if (s == NULL || strlen(s) != 7 || s[4] != '-' ||
	    !hz_parse_i64(s, 4, 2000, 2037, &year) ||
	    !hz_parse_i64(s + 5, 2, 1, 12, &mon))
		return false;
	*y = (int)year;
	*m = (int)mon;
	return true;
}

/* The start of a Shanghai month, as UTC seconds. */
static time_t
month_start(int y, int m)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = 1 };

	return timegm(&tm) - SHANGHAI;
}

/* The month asked for, else the current one; 422 on `month` when it is
 * no month. */
static enum hz_status
month_or_now(const struct hz_ctx *x, const char *month, const char **out)
{
	int y, m;

	if (month == NULL) {
		char *b = hz_arena_alloc(x->arena, 8);

		if (b == NULL)
			return HZ_ERR_NOMEM;
		*out = hz_checklist_month(x->now, b);
		return HZ_OK;
	}
	if (!month_parse(month, &y, &m))
		return hz_refuse_rule(x, "month", &hz_checklist_rules.month);
	*out = month;
	return HZ_OK;
}

/* ---- Templates ---- */

static enum hz_status
template_items(const struct hz_ctx *x, struct hz_checklist_template *t)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TEMPLATE_ITEMS,
	    HZ_ARGS(HZ_ARG_I64((long long)t->id)), &r)))
		return rc;
	if ((t->items = hz_arena_calloc(x->arena, r.nrows + 1,
	    sizeof(*t->items))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);

		t->items[i].position = (int)c[0].i;
		t->items[i].title = c[1].s;
		t->items[i].hint = HZ_TEXT(&c[2]);
		t->items[i].photo_required = c[3].i != 0;
	}
	t->nitems = r.nrows;
	return HZ_OK;
}

static void
template_fill(const struct hz_ctx *x, const struct hz_db_result *r, size_t i,
              struct hz_checklist_template *t)
{
	const struct hz_db_cell *c = HZ_CELL(r, i, 0);

	memset(t, 0, sizeof(*t));
	t->id = HZ_ID(&c[T_ID]);
	t->month = c[T_MONTH].s;
	t->title = c[T_TITLE].s;
	t->issued_at = hz_time_local(x->arena, HZ_TEXT(&c[T_ISSUED]));
	t->revision = c[T_REVISION].i;
	t->nitems = (size_t)c[T_ITEMS].i;
}

static enum hz_status
staff_only(const struct hz_ctx *x)
{
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	return x->caller->staff ? HZ_OK : HZ_ERR_FORBIDDEN;
}

static enum hz_status
template_read(const struct hz_ctx *x, const char *month,
              struct hz_checklist_template *out)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TEMPLATE,
	    HZ_ARGS(HZ_ARG_STR(month)), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	template_fill(x, &r, 0, out);
	return template_items(x, out);
}

enum hz_status
hz_checklist_template_get(const struct hz_ctx *x, const char *month,
                          struct hz_checklist_template *out)
{
	int y, m;
	enum hz_status rc;

	if ((rc = staff_only(x)))
		return rc;
	if (!month_parse(month, &y, &m))
		return HZ_ERR_NOT_FOUND;
	return template_read(x, month, out);
}

enum hz_status
hz_checklist_templates_list(const struct hz_ctx *x, const char *after,
                            int limit, struct hz_checklist_template **out,
                            size_t *n, bool *more)
{
	struct hz_db_result r;
	int y, m;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if ((rc = staff_only(x)))
		return rc;
	if (after != NULL && !month_parse(after, &y, &m))
		return hz_refuse_rule(x, "after", &hz_checklist_rules.month);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TEMPLATES, HZ_ARGS(
	    HZ_ARG_OPT_STR(after), HZ_ARG_OPT_STR(after),
	    HZ_ARG_I64(limit + 1)), &r)))
		return rc;
	if ((*more = r.nrows > (size_t)limit))
		r.nrows = (size_t)limit;
	if ((*out = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(**out)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		template_fill(x, &r, i, &(*out)[i]);
	*n = r.nrows;
	return HZ_OK;
}

struct put_job {
	const char *month;
	const struct hz_checklist_template_input *in;
	uint64_t id;
	bool created;
	const struct hz_refusal *lost;
};

static enum hz_status
put_tx(const struct hz_ctx *x, void *p)
{
	struct put_job *j = p;
	const struct hz_checklist_template_input *in = j->in;
	long long now = (long long)x->now;
	struct hz_db_result r;
	char detail[64];
	enum hz_status rc;

	j->lost = NULL;
	j->created = false;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TEMPLATE_LOCK,
	    HZ_ARGS(HZ_ARG_STR(j->month)), &r)))
		return rc;
	if (r.nrows == 0) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts,
		    STMT_TEMPLATE_INSERT, HZ_ARGS(HZ_ARG_STR(j->month),
		    HZ_ARG_STR(in->title), HZ_ARG_I64((long long)in->nitems),
		    HZ_ARG_OPT_ID(x->caller ? x->caller->id : 0),
		    HZ_ARG_I64(now), HZ_ARG_I64(now)), &r)))
			return rc;
		j->id = r.insert_id;
		j->created = true;
	} else {
		const struct hz_db_cell *c = HZ_CELL(&r, 0, 0);

		j->id = HZ_ID(&c[T_ID]);
		if (!c[T_ISSUED].null) {
			j->lost = &template_issued;
			return HZ_OK;
		}
		if ((rc = hz_db_run(x->db, x->arena, &stmts,
		    STMT_TEMPLATE_UPDATE, HZ_ARGS(HZ_ARG_STR(in->title),
		    HZ_ARG_I64((long long)in->nitems), HZ_ARG_I64(now),
		    HZ_ARG_I64((long long)j->id),
		    HZ_ARG_I64(c[T_REVISION].i)), &r)))
			return rc;
		if (r.affected == 0) {
			j->lost = &template_moved;
			return HZ_OK;
		}
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ITEMS_DELETE,
		    HZ_ARGS(HZ_ARG_I64((long long)j->id)), NULL)))
			return rc;
	}
	for (size_t i = 0; i < in->nitems; i++) {
		const struct hz_checklist_item *it = &in->items[i];

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ITEM_INSERT,
		    HZ_ARGS(HZ_ARG_I64((long long)j->id),
		    HZ_ARG_I64((long long)i + 1), HZ_ARG_STR(it->title),
		    it->hint && it->hint[0] ? HZ_ARG_STR(it->hint) : HZ_ARG_NULL,
		    HZ_ARG_I64(it->photo_required)), NULL)))
			return rc;
	}
	snprintf(detail, sizeof(detail), "{\"month\":\"%s\",\"items\":%zu}",
	    j->month, in->nitems);
	return hz_audit(x, 0, j->created ? "checklist_template.create"
	    : "checklist_template.update", "checklist_template", j->id, detail);
}

enum hz_status
hz_checklist_template_put(const struct hz_ctx *x, const char *month,
                          const struct hz_checklist_template_input *in,
                          struct hz_checklist_template *out, bool *created)
{
	const struct hz_checklist_rules *R = &hz_checklist_rules;
	struct put_job j = { .month = month, .in = in };
	char now_month[8];
	int y, m;
	enum hz_status rc;

	*created = false;
	if (x->caller != NULL && !hz_can_anywhere(x->caller,
	    HZ_RIGHT_SETTINGS))
		return HZ_ERR_FORBIDDEN;
	if (!month_parse(month, &y, &m))
		return hz_refuse_rule(x, "month", &R->month);
	if (strcmp(month, hz_checklist_month(x->now, now_month)) < 0)
		return hz_refuse(x, &past_month);
	if (!hz_rule_ok(&R->title, in->title, false))
		return hz_refuse_rule(x, "title", &R->title);
	if (in->nitems < 1 || in->nitems > HZ_CHECKLIST_ITEMS_MAX)
		return hz_refuse_rule(x, "items", &R->items);
	for (size_t i = 0; i < in->nitems; i++)
		if (!hz_rule_ok(&R->item_title, in->items[i].title, false) ||
		    !hz_rule_ok(&R->hint, in->items[i].hint, true))
			return hz_refuse_rule(x, "items", &R->item_title);
	if ((rc = hz_tx(x, put_tx, &j)))
		return rc;
	if (j.lost == &template_issued) {
		/* Name the month: it need not be this one. */
		struct hz_refusal why = template_issued;

		why.message = hz_arena_printf(x->arena, "%d年%d月的清单已下发，"
		    "不能再修改；请编辑以后月份的模板", y, m);
		return hz_refuse(x, &why);
	}
	if (j.lost)
		return hz_refuse(x, j.lost);
	*created = j.created;
	return template_read(x, month, out);
}

/* ---- Issuing (the scheduler) ---- */

struct issue_job {
	const char *month;
	long long   due;              /* the next month's start */
	unsigned long long lists, entries;
};

static enum hz_status
issue_tx(const struct hz_ctx *x, void *p)
{
	struct issue_job *j = p;
	long long now = (long long)x->now;
	struct hz_db_result r;
	struct hz_db_arg t;
	enum hz_status rc;

	j->lists = j->entries = 0;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TEMPLATE_LOCK,
	    HZ_ARGS(HZ_ARG_STR(j->month)), &r)) || r.nrows == 0)
		return rc;
	t = HZ_ARG_I64(HZ_CELL(&r, 0, T_ID)->i);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ISSUE_LISTS,
	    HZ_ARGS(HZ_ARG_I64(j->due), HZ_ARG_I64(now), t), &r)))
		return rc;
	if ((j->lists = r.affected) == 0)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ISSUE_NOTIFY,
	    HZ_ARGS(HZ_ARG_I64(now), HZ_ARG_I64(now), t), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_ISSUE_ENTRIES,
	    HZ_ARGS(t), &r)))
		return rc;
	j->entries = r.affected;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ISSUED,
	    HZ_ARGS(HZ_ARG_I64(now), t), NULL)))
		return rc;
	return hz_audit(x, 0, "checklist.issue", "checklist_template",
	    (uint64_t)t.i, hz_arena_printf(x->arena, "{\"lists\":%llu}",
	    j->lists));
}

enum hz_status
hz_checklists_issue(const struct hz_ctx *x, unsigned long long *n)
{
	char month[8];
	struct issue_job j = { .month = hz_checklist_month(x->now, month) };
	struct hz_db_result r;
	int y, m;
	enum hz_status rc;

	if (x->caller != NULL)
		return HZ_ERR_FORBIDDEN;
	if (!month_parse(month, &y, &m))
		return HZ_OK;
	j.due = (long long)(m == 12 ? month_start(y + 1, 1)
	    : month_start(y, m + 1));
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ISSUE_DUE,
	    HZ_ARGS(HZ_ARG_STR(j.month)), &r)) || r.nrows == 0)
		return rc;
	if ((rc = hz_tx(x, issue_tx, &j)))
		return rc;
	n[0] = j.lists;
	n[1] = j.entries;
	return HZ_OK;
}

/* ---- Lists ---- */

static void
list_fill(const struct hz_ctx *x, const struct hz_db_result *r, size_t i,
          struct hz_checklist *o)
{
	const struct hz_db_cell *c = HZ_CELL(r, i, 0);

	memset(o, 0, sizeof(*o));
	o->id = HZ_ID(&c[L_ID]);
	o->month = c[L_MONTH].s;
	o->title = c[L_TITLE].s;
	o->building_id = HZ_ID(&c[L_BUILDING]);
	o->building_name = c[L_BNAME].s;
	o->lane = HZ_TEXT(&c[L_LANE]);
	o->door_no = HZ_TEXT(&c[L_DOOR]);
	o->items = (int)c[L_ITEMS].i;
	o->items_done = (int)c[L_DONE].i;
	o->problems = (int)c[L_PROBLEMS].i;
	o->due_at = hz_time_local(x->arena, c[L_DUE].s);
	o->completed_at = hz_time_local(x->arena, HZ_TEXT(&c[L_COMPLETED]));
	o->overdue = c[L_COMPLETED].null && x->now > c[L_DUE_TS].i;
}

/* The list's statement for a scope root by its depth. */
static const struct hz_stmt_by_depth list_stmt = {
	STMT_LIST_ALL, STMT_LIST_COOP, STMT_LIST_GROUP, STMT_LIST_BUILDING,
};

enum hz_status
hz_checklists_list(const struct hz_ctx *x, const struct hz_checklist_filter *f,
                   const struct hz_page *page, struct hz_checklist **out,
                   size_t *n, bool *more)
{
	struct hz_db_result rows = { 0 };
	struct hz_unit within;
	const char *month;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if ((rc = staff_only(x)) || (rc = month_or_now(x, f->month, &month)))
		return rc;
	struct hz_db_arg filters[] = { HZ_ARG_STR(month) };
	if (f->unit) {
		if ((rc = hz_unit_get(x, f->unit, &within)))
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
	for (size_t i = 0; i < rows.nrows; i++)
		list_fill(x, &rows, i, &(*out)[(*n)++]);
	return HZ_OK;
}

/* List `id` if the caller reads its building; row 0 of *r. */
static enum hz_status
load(const struct hz_ctx *x, uint64_t id, struct hz_db_result *r)
{
	enum hz_status rc;

	if ((rc = staff_only(x)))
		return rc == HZ_ERR_FORBIDDEN ? HZ_ERR_NOT_FOUND : rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), r)))
		return rc;
	if (r->nrows == 0 || hz_authorize(x->caller, HZ_RIGHT_UNIT_READ,
	    HZ_CELL(r, 0, L_PATH)->s) != HZ_OK)
		return HZ_ERR_NOT_FOUND;
	return HZ_OK;
}

static void
entry_fill(const struct hz_ctx *x, const struct hz_db_cell *c,
           struct hz_checklist_entry *e)
{
	e->position = (int)c[E_POSITION].i;
	e->title = c[E_TITLE].s;
	e->hint = HZ_TEXT(&c[E_HINT]);
	e->photo_required = c[E_PHOTO_REQUIRED].i != 0;
	e->status = c[E_STATUS].s;
	e->note = HZ_TEXT(&c[E_NOTE]);
	e->photo = HZ_ID(&c[E_UPLOAD]);
	e->complaint_id = HZ_ID(&c[E_COMPLAINT]);
	e->done_by = HZ_ID(&c[E_DONE_BY]);
	e->done_by_name = HZ_TEXT(&c[E_DONE_NAME]);
	e->done_at = hz_time_local(x->arena, HZ_TEXT(&c[E_DONE_AT]));
}

static enum hz_status
detail(const struct hz_ctx *x, uint64_t id, struct hz_checklist *o)
{
	struct hz_db_result r, e;
	enum hz_status rc;

	if ((rc = load(x, id, &r)))
		return rc;
	list_fill(x, &r, 0, o);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ENTRIES,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &e)))
		return rc;
	if ((o->entries = hz_arena_calloc(x->arena, e.nrows + 1,
	    sizeof(*o->entries))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < e.nrows; i++)
		entry_fill(x, HZ_CELL(&e, i, 0), &o->entries[i]);
	o->nentries = e.nrows;
	return HZ_OK;
}

enum hz_status
hz_checklist_get(const struct hz_ctx *x, uint64_t id, struct hz_checklist *o)
{
	return detail(x, id, o);
}

struct tick_job {
	uint64_t    id;
	int         position;
	long long   revision;
	uint64_t    building;
	const char *status, *note;
	uint64_t    photo;
	uint64_t    category;         /* 0: no complaint */
	const char *complaint_text;
	const struct hz_refusal *lost;
};

static enum hz_status
tick_tx(const struct hz_ctx *x, void *p)
{
	struct tick_job *j = p;
	bool open = is(j->status, "open");
	long long now = (long long)x->now;
	struct hz_db_arg list = HZ_ARG_I64((long long)j->id);
	struct hz_db_arg pos = HZ_ARG_I64(j->position);
	struct hz_db_result r;
	uint64_t complaint = 0;
	char detail[96];
	enum hz_status rc;

	j->lost = NULL;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CLAIM, HZ_ARGS(list,
	    HZ_ARG_I64(j->revision)), &r)))
		return rc;
	if (r.affected == 0) {
		j->lost = &list_moved;
		return HZ_OK;
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ENTRY_SET, HZ_ARGS(
	    HZ_ARG_STR(j->status), HZ_ARG_OPT_STR(j->note),
	    HZ_ARG_OPT_ID(j->photo),
	    open ? HZ_ARG_NULL : HZ_ARG_I64((long long)x->caller->id),
	    HZ_ARG_STR(j->status), HZ_ARG_I64(now), list, pos), NULL)))
		return rc;
	/* The complaint is filed in this transaction: the entry never
	 * points at one that was rolled back, nor one at none. */
	if (j->category) {
		if ((rc = hz_complaint_file_on_duty(x, j->building, j->category,
		    j->complaint_text, j->photo, &complaint)) ||
		    (rc = hz_db_run(x->db, x->arena, &stmts,
		    STMT_ENTRY_COMPLAINT, HZ_ARGS(HZ_ARG_I64((long long)complaint),
		    list, pos), NULL)))
			return rc;
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_RECOUNT,
	    HZ_ARGS(HZ_ARG_I64(now), list), NULL)))
		return rc;
	snprintf(detail, sizeof(detail), "{\"position\":%d,\"status\":\"%s\","
	    "\"complaint_id\":%llu}", j->position, j->status,
	    (unsigned long long)complaint);
	return hz_audit(x, 0, "checklist.tick", "checklist", j->id, detail);
}

/* A complaint opened from an entry says "<item title>：<note>", within
 * the complaint text rule (5 to 500 characters): the note has the room
 * the title leaves. */
static enum hz_status
complaint_note_fits(const struct hz_ctx *x, const char *title,
                    const char *note)
{
	const struct hz_rule *t = &hz_complaint_rules.text;
	long long used = hz_utf8_count(title, strlen(title)) + 1;
	long long n = note ? hz_utf8_count(note, strlen(note)) : 0;
	struct hz_refusal r = { HZ_ERR_INVALID, "validation_failed", "note",
	    NULL, 0 };

	if (n + used > t->max)
		r.message = hz_arena_printf(x->arena, "同时提交诉求时，备注最多"
		    " %lld 个字（诉求内容是“这一项的名称：备注”，共 %lld 个字"
		    "以内），请精简备注", (long long)t->max - used,
		    (long long)t->max);
	else if (n + used < t->min)
		r.message = hz_arena_printf(x->arena, "同时提交诉求时，备注至少"
		    " %lld 个字，请把问题写清楚", (long long)t->min - used);
	else
		return HZ_OK;
	return r.message ? hz_refuse(x, &r) : HZ_ERR_NOMEM;
}

/* One try at a tick, on the list as read now; *moved when someone else
 * changed the list between that read and the transaction. */
static enum hz_status
tick_once(const struct hz_ctx *x, uint64_t id, int position,
          const struct hz_checklist_tick *in, struct hz_checklist *out,
          bool *moved)
{
	const struct hz_checklist_rules *R = &hz_checklist_rules;
	struct hz_db_result r, e;
	struct tick_job j = { .id = id, .position = position,
	    .status = in->status, .note = in->note, .photo = in->photo,
	    .category = in->complaint_category };
	const struct hz_db_cell *c, *en;
	bool open, problem;
	enum hz_status rc;

	*moved = false;
	if ((rc = load(x, id, &r)))
		return rc;
	c = HZ_CELL(&r, 0, 0);
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_CHECKLIST_TICK,
	    c[L_PATH].s)))
		return rc;
	if (position < 1 || position > HZ_CHECKLIST_ITEMS_MAX)
		return hz_refuse(x, &no_such_entry);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ENTRY, HZ_ARGS(
	    HZ_ARG_I64((long long)id), HZ_ARG_I64(position)), &e)))
		return rc;
	if (e.nrows == 0)
		return hz_refuse(x, &no_such_entry);
	en = HZ_CELL(&e, 0, 0);
	if (!hz_rule_ok(&R->status, in->status, false))
		return hz_refuse_rule(x, "status", &R->status);
	if (!hz_rule_ok(&R->note, in->note, true))
		return hz_refuse_rule(x, "note", &R->note);
	open = is(in->status, "open");
	problem = is(in->status, "problem");
	if (in->note != NULL && in->note[0] == '\0')
		j.note = NULL;
	if (open) {
		/* Back to open: what was said and shown goes with it. */
		j.note = NULL;
		j.photo = 0;
	} else if (j.photo == 0 && HZ_ID(&en[E_UPLOAD]) != 0 &&
	    !is(en[E_STATUS].s, "open"))
		/* Changing a ticked entry keeps its photo unless a new one
		 * comes. */
		j.photo = HZ_ID(&en[E_UPLOAD]);
	if (!open && en[E_PHOTO_REQUIRED].i && j.photo == 0)
		return hz_refuse(x, &photo_needed);
	if (problem && j.note == NULL)
		return hz_refuse(x, &note_needed);
	if (j.category && !problem)
		return hz_refuse(x, &complaint_needs_problem);
	/* An entry's complaint is opened once. */
	if (HZ_ID(&en[E_COMPLAINT]) != 0)
		j.category = 0;
	if (j.category && (rc = complaint_note_fits(x, en[E_TITLE].s, j.note)))
		return rc;
	if (in->photo && in->photo != HZ_ID(&en[E_UPLOAD])) {
		if ((rc = hz_uploads_owned(x, &in->photo, 1))) {
			if (rc != HZ_ERR_INVALID)
				return rc;
			hz_refuse_clear(x);
			return hz_refuse(x, &photo_not_yours);
		}
	}
	/* The same state again: nothing to do. */
	if (j.category == 0 && is(en[E_STATUS].s, j.status) &&
	    is(HZ_TEXT(&en[E_NOTE]) ? HZ_TEXT(&en[E_NOTE]) : "",
	    j.note ? j.note : "") && HZ_ID(&en[E_UPLOAD]) == j.photo)
		return detail(x, id, out);
	j.revision = c[L_REVISION].i;
	j.building = HZ_ID(&c[L_BUILDING]);
	if (j.category)
		j.complaint_text = hz_arena_printf(x->arena, "%s：%s",
		    en[E_TITLE].s, j.note);
	if ((rc = hz_tx(x, tick_tx, &j)))
		return rc;
	if ((*moved = j.lost != NULL))
		return HZ_ERR_CONFLICT;
	return detail(x, id, out);
}

enum hz_status
hz_checklist_tick(const struct hz_ctx *x, uint64_t id, int position,
                  const struct hz_checklist_tick *in,
                  struct hz_checklist *out)
{
	enum hz_status rc = HZ_OK;
	bool moved = true;

	/* Two items of one list ticked at once (a head and a leader, two
	 * tabs) move its revision under each other: read again and retry,
	 * so only a change to the same item can still say no. */
	for (int tries = 0; moved && tries < 4; tries++)
		rc = tick_once(x, id, position, in, out, &moved);
	return moved ? hz_refuse(x, &list_moved) : rc;
}

/* ---- Summary and reminders ---- */

static void
counts_add(struct hz_checklist_counts *to, const struct hz_db_cell *c)
{
	to->lists += c[S_LISTS].i;
	to->completed += c[S_COMPLETED].i;
	to->items += c[S_ITEMS].i;
	to->items_done += c[S_DONE].i;
	to->problems += c[S_PROBLEMS].i;
	to->overdue += c[S_OVERDUE].i;
}

/* The unit the caller asked about, else their broadest read root. */
static enum hz_status
unit_or_root(const struct hz_ctx *x, uint64_t unit, struct hz_unit *u)
{
	const char *roots[HZ_GRANTS_MAX], *best = NULL;
	size_t n;

	if (unit)
		return hz_unit_get(x, unit, u);
	n = hz_scope_roots(x->caller, HZ_RIGHT_UNIT_READ, roots,
	    HZ_GRANTS_MAX);
	for (size_t k = 0; k < n; k++)
		if (best == NULL || strlen(roots[k]) < strlen(best))
			best = roots[k];
	for (size_t i = 0; best && i < x->caller->ngrants; i++)
		if (strcmp(x->caller->grants[i].unit_path, best) == 0)
			return hz_unit_get(x, x->caller->grants[i].unit_id, u);
	return HZ_ERR_NOT_FOUND;
}

enum hz_status
hz_checklist_summary(const struct hz_ctx *x, uint64_t unit, const char *month,
                     struct hz_checklist_summary *o)
{
	struct hz_unit self, *kids = NULL;
	struct hz_db_result r;
	size_t nkids = 0, stmt;
	enum hz_status rc;

	memset(o, 0, sizeof(*o));
	if ((rc = staff_only(x)) || (rc = month_or_now(x, month, &o->month)) ||
	    (rc = unit_or_root(x, unit, &self)))
		return rc;
	if (!is(self.kind, "building") &&
	    (rc = hz_unit_children(x, self.id, &kids, &nkids)))
		return rc;
	/* A unit with no list may still be in an issued month: its
	 * buildings have no head. The page words the two apart. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TEMPLATE,
	    HZ_ARGS(HZ_ARG_STR(o->month)), &r)))
		return rc;
	o->issued = r.nrows > 0 && !HZ_CELL(&r, 0, 0)[T_ISSUED].null;
	stmt = is(self.kind, "village") ? STMT_SUM_COOP
	    : is(self.kind, "cooperative") ? STMT_SUM_GROUP : STMT_SUM_BUILDING;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, stmt, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now), HZ_ARG_STR(o->month),
	    HZ_ARG_STR(self.path)), &r)))
		return rc;
	o->total.unit_id = self.id;
	o->total.name = self.name;
	o->total.kind = self.kind;
	if ((o->children = hz_arena_calloc(x->arena, nkids + 1,
	    sizeof(*o->children))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t k = 0; k < nkids; k++) {
		o->children[k].unit_id = kids[k].id;
		o->children[k].name = kids[k].name;
		o->children[k].kind = kids[k].kind;
	}
	o->nchildren = nkids;
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);

		counts_add(&o->total, c);
		if (is(self.kind, "building"))
			o->total.checklist_id = HZ_ID(&c[S_LIST]);
		for (size_t k = 0; k < nkids; k++)
			if (o->children[k].unit_id == HZ_ID(&c[S_KEY])) {
				counts_add(&o->children[k], c);
				o->children[k].checklist_id = HZ_ID(&c[S_LIST]);
			}
	}
	return HZ_OK;
}

struct remind_job {
	uint64_t    unit;
	const char *month, *path;
	long long   reminded;
};

static enum hz_status
remind_tx(const struct hz_ctx *x, void *p)
{
	struct remind_job *j = p;
	long long now = (long long)x->now;
	struct hz_db_result r;
	char current[8];
	const char *name;
	int y, m, cy, cm;
	enum hz_status rc;

	/* "12月", with its year when that is not this one ("2025年12月"). */
	hz_checklist_month(x->now, current);
	if (!month_parse(j->month, &y, &m) || !month_parse(current, &cy, &cm))
		return HZ_ERR_INTERNAL;
	name = y == cy ? hz_arena_printf(x->arena, "%d月", m)
	    : hz_arena_printf(x->arena, "%d年%d月", y, m);
	if (name == NULL)
		return HZ_ERR_NOMEM;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_REMIND_LOCK,
	    HZ_ARGS(HZ_ARG_STR(j->month), HZ_ARG_STR(j->path)), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_REMIND_NOTIFY,
	    HZ_ARGS(HZ_ARG_STR(name), HZ_ARG_I64(now), HZ_ARG_I64(now),
	    HZ_ARG_STR(j->month),
	    HZ_ARG_STR(j->path), HZ_ARG_I64(now - 3600)), &r)))
		return rc;
	j->reminded = (long long)r.affected;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_REMIND_MARK,
	    HZ_ARGS(HZ_ARG_I64(now), HZ_ARG_STR(j->month), HZ_ARG_STR(j->path),
	    HZ_ARG_I64(now - 3600)), &r)))
		return rc;
	if (j->reminded == 0)
		return HZ_OK;
	return hz_audit(x, 0, "checklist.remind", "unit", j->unit,
	    hz_arena_printf(x->arena, "{\"month\":\"%s\",\"lists\":%llu,"
	    "\"reminded\":%lld}", j->month, (unsigned long long)r.affected,
	    j->reminded));
}

enum hz_status
hz_checklists_remind(const struct hz_ctx *x, uint64_t unit, const char *month,
                     long long *reminded)
{
	struct hz_unit u;
	struct remind_job j = { 0 };
	enum hz_status rc;

	*reminded = 0;
	if ((rc = staff_only(x)) || (rc = month_or_now(x, month, &j.month)) ||
	    (rc = hz_unit_scoped(x, unit, HZ_RIGHT_DIRECTIVE_SEND, &u)))
		return rc;
	j.unit = u.id;
	j.path = u.path;
	if ((rc = hz_tx(x, remind_tx, &j)))
		return rc;
	*reminded = j.reminded;
	return HZ_OK;
}
