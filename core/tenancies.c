#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "checklists.h"
#include "num.h"
#include "csv.h"
#include "clock.h"
#include "crypto.h"
#include "idcard.h"
#include "outbox.h"
#include "policy.h"
#include "scan.h"
#include "tenancies.h"
#include "units.h"
#include "utf8.h"

/* A tenancy row with its building, and the building's path for the scope
 * check. */
#define TENANCY_ROW(C, L) \
	C(T_ID, "t.id") C(T_USER, "t.user_id") C(T_BUILDING, "t.building_id") \
	C(T_BUILDING_NAME, "u.name") C(T_LANE, "b.lane") \
	C(T_DOOR, "b.door_no") C(T_STATUS, "t.status") C(T_NAME, "t.name") \
	C(T_ID_TYPE, "t.id_type") C(T_ID_SEALED, "t.id_sealed") \
	C(T_PHONE_SEALED, "t.phone_sealed") C(T_ROOM, "t.room") \
	C(T_MOVE_IN, "t.move_in") C(T_REASON, "t.reason") \
	C(T_EMPLOYER, "t.employer") C(T_MEMBERS, "t.members_sealed") \
	C(T_CREATED, "t.created_at") C(T_DECIDED, "t.decided_at") \
	C(T_REJECT_REASON, "t.reject_reason") C(T_ENDED, "t.ended_at") \
	C(T_END_REASON, "t.end_reason") C(T_VERIFIED, "t.last_verified_at") \
	C(T_ERASED, "t.erased_at") C(T_OVERDUE, "(t.status = 'pending'" \
	    " AND t.created_at < NOW(3) - INTERVAL 24 HOUR)") \
	L(T_PATH, "u.path")
enum { TENANCY_ROW(HZ_COL_ENUM, HZ_COL_ENUM) T__NCOLS };
#define SELECT_TENANCY "SELECT " TENANCY_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	" FROM tenancies t JOIN units u ON u.id = t.building_id" \
	" JOIN buildings b ON b.unit_id = t.building_id"

/* The export's row. */
#define EXPORT_ROW(C, L) \
	C(E_ID, "t.id") C(E_BUILDING, "u.name") C(E_LANE, "b.lane") \
	C(E_DOOR, "b.door_no") C(E_ROOM, "t.room") C(E_STATUS, "t.status") \
	C(E_NAME, "t.name") C(E_ID_TYPE, "t.id_type") \
	C(E_ID_SEALED, "t.id_sealed") C(E_PHONE_SEALED, "t.phone_sealed") \
	C(E_MOVE_IN, "t.move_in") C(E_REASON, "t.reason") \
	C(E_EMPLOYER, "t.employer") C(E_ERASED, "t.erased_at IS NOT NULL") \
	L(E_CREATED, "t.created_at")
enum { EXPORT_ROW(HZ_COL_ENUM, HZ_COL_ENUM) E__NCOLS };

/* ?overdue=1: pending for more than HZ_TENANCY_OVERDUE_HOURS, the rule of
 * T_OVERDUE and of the counts (COUNT_OF). One argument, 0 or 1. */
#define OVERDUE_FILTER "(? = 0 OR (t.status = 'pending'" \
	" AND t.created_at < NOW(3) - INTERVAL 24 HOUR))"

/* Staff pages (page.h) and counts: a scope is one subtree, and each
 * tenancy keeps the cooperative and group above its building (sql/0020),
 * so every level is one index range in id order. The tenancies drive
 * (STRAIGHT_JOIN) through the named index (FORCE INDEX): left free, the
 * optimizer walked PRIMARY for a rare status or building, or read a
 * group's every tenancy and sorted them (tests/unit/test_plans.c keeps
 * each plan). The scope root's id is the last number of its path
 * ("/1/5/17/"); the village is the whole table, checked through the
 * building's path. */
#define ROOT_ID "CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(?, '/', -2), '/', 1)" \
	" AS UNSIGNED)"
#define SELECT_SCOPED(INDEX) "SELECT STRAIGHT_JOIN " \
	TENANCY_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	" FROM tenancies t FORCE INDEX (" INDEX ")" \
	" JOIN units u ON u.id = t.building_id" \
	" JOIN buildings b ON b.unit_id = t.building_id"
/* The path as a prefix by INSTR, not LIKE: no range the optimizer could
 * prefer over the building's primary key (a join buffer, then a sort). */
#define IN_VILLAGE " WHERE INSTR(u.path, ?) = 1"
#define IN_COOP " WHERE t.coop_id = " ROOT_ID
#define IN_GROUP " WHERE t.group_id = " ROOT_ID
#define IN_BUILDING " WHERE t.building_id = " ROOT_ID
/* ?building= within a scope (root, building). */
#define AT_BUILDING IN_VILLAGE " AND t.building_id = ?"
/* One status (status, overdue), or any (no filter: ?overdue=1 is
 * pending). */
#define ONE_STATUS " AND t.status = ? AND " OVERDUE_FILTER
#define SCOPE_PAGE " AND t.id > ? ORDER BY t.id LIMIT ?"

enum {
	STMT_GET, STMT_LIST_OWN, STMT_LOCK, STMT_APPROVE,
	STMT_REJECT, STMT_END, STMT_INSERT, STMT_RENTERS, STMT_OPEN_OF_USER,
	STMT_OPEN_OF_ID,
	STMT_VERIFIED, STMT_EXPORT,
	STMT_CONSENT, STMT_DISPLAY_NAME,
	STMT_LIST_VILLAGE, STMT_LIST_COOP, STMT_LIST_GROUP, STMT_LIST_BUILDING,
	STMT_LIST_AT,
	STMT_STATUS_VILLAGE, STMT_STATUS_COOP, STMT_STATUS_GROUP,
	STMT_STATUS_BUILDING, STMT_STATUS_AT,
	STMT_COUNT_VILLAGE, STMT_COUNT_COOP, STMT_COUNT_GROUP,
	STMT_COUNT_BUILDING,
	STMT__MAX
};

static const struct hz_stmt_by_depth list_any = { STMT_LIST_VILLAGE,
    STMT_LIST_COOP, STMT_LIST_GROUP, STMT_LIST_BUILDING };
static const struct hz_stmt_by_depth list_status = { STMT_STATUS_VILLAGE,
    STMT_STATUS_COOP, STMT_STATUS_GROUP, STMT_STATUS_BUILDING };
static const struct hz_stmt_by_depth counts_by = { STMT_COUNT_VILLAGE,
    STMT_COUNT_COOP, STMT_COUNT_GROUP, STMT_COUNT_BUILDING };

/* A unit's counts, one row per child and per part (the unit is the sum of
 * its children: tenancies are in buildings, and a building's parent is a
 * group): depth + 1 (the path segment that names the child), path, path.
 * Active and pending as each building keeps them (building_renters,
 * sql/0014, one row per building), then the overdue ones counted from the
 * index alone ((level, status, created_at, child)), one range for the
 * unit and all its children (the village's are the whole table's: there
 * is one village, core/units.c). SUM gives DECIMAL; cast, so the cells
 * arrive as integers. */
#define COUNT_OF(INDEX, CHILD, WHERE) \
	"SELECT STRAIGHT_JOIN CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(u.path," \
	" '/', ?), '/', -1) AS UNSIGNED), CAST(SUM(r.active) AS SIGNED)," \
	" CAST(SUM(r.pending) AS SIGNED), 0" \
	" FROM units u FORCE INDEX (units_path)" \
	" JOIN building_renters r FORCE INDEX (PRIMARY) ON r.building_id = u.id" \
	" WHERE u.path LIKE CONCAT(?, '%') GROUP BY 1" \
	" UNION ALL SELECT " CHILD ", 0, 0, COUNT(*)" \
	" FROM tenancies t FORCE INDEX (" INDEX ")" \
	WHERE " AND t.status = 'pending'" \
	" AND t.created_at < NOW(3) - INTERVAL 24 HOUR GROUP BY 1"

static const char *const sql[STMT__MAX] = {
	[STMT_GET] = SELECT_TENANCY " WHERE t.id = ?",
	/* Pages (page.h): [scope,] filters, cursor, limit. */
	[STMT_LIST_OWN] =
	    SELECT_TENANCY " WHERE t.user_id = ?"
	    " AND (? IS NULL OR t.status = ?) AND " OVERDUE_FILTER
	    " AND t.id > ? ORDER BY t.id LIMIT ?",
	/* Root, then for one status: status, overdue (0 or 1). */
	[STMT_LIST_VILLAGE] = SELECT_SCOPED("PRIMARY") IN_VILLAGE SCOPE_PAGE,
	[STMT_LIST_COOP] = SELECT_SCOPED("tenancies_coop") IN_COOP SCOPE_PAGE,
	[STMT_LIST_GROUP] = SELECT_SCOPED("tenancies_group") IN_GROUP
	    SCOPE_PAGE,
	[STMT_LIST_BUILDING] = SELECT_SCOPED("tenancies_building_all")
	    IN_BUILDING SCOPE_PAGE,
	[STMT_LIST_AT] = SELECT_SCOPED("tenancies_building_all") AT_BUILDING
	    SCOPE_PAGE,
	[STMT_STATUS_VILLAGE] = SELECT_SCOPED("tenancies_status") IN_VILLAGE
	    ONE_STATUS SCOPE_PAGE,
	[STMT_STATUS_COOP] = SELECT_SCOPED("tenancies_coop_status") IN_COOP
	    ONE_STATUS SCOPE_PAGE,
	[STMT_STATUS_GROUP] = SELECT_SCOPED("tenancies_group_status") IN_GROUP
	    ONE_STATUS SCOPE_PAGE,
	[STMT_STATUS_BUILDING] = SELECT_SCOPED("tenancies_building")
	    IN_BUILDING ONE_STATUS SCOPE_PAGE,
	[STMT_STATUS_AT] = SELECT_SCOPED("tenancies_building") AT_BUILDING
	    ONE_STATUS SCOPE_PAGE,
	[STMT_COUNT_VILLAGE] = COUNT_OF("tenancies_since", "t.coop_id",
	    " WHERE ? <> ''"),
	[STMT_COUNT_COOP] = COUNT_OF("tenancies_coop_since", "t.group_id",
	    IN_COOP),
	[STMT_COUNT_GROUP] = COUNT_OF("tenancies_group_since", "t.building_id",
	    IN_GROUP),
	[STMT_COUNT_BUILDING] = COUNT_OF("tenancies_building_since",
	    "t.building_id", IN_BUILDING),
	[STMT_LOCK] =
	    "SELECT t.status, t.user_id, u.path FROM tenancies t"
	    " JOIN units u ON u.id = t.building_id WHERE t.id = ? FOR UPDATE",
	[STMT_APPROVE] =
	    "UPDATE tenancies SET status = 'active', decided_by = ?,"
	    " decided_at = NOW(3) WHERE id = ?",
	[STMT_REJECT] =
	    "UPDATE tenancies SET status = 'rejected', decided_by = ?,"
	    " decided_at = NOW(3), reject_reason = ? WHERE id = ?",
	[STMT_END] =
	    "UPDATE tenancies SET status = 'ended', ended_by = ?,"
	    " ended_at = NOW(3), end_reason = ? WHERE id = ?",
	[STMT_INSERT] =
	    "INSERT INTO tenancies (user_id, building_id, name, id_type,"
	    " id_sealed, id_index, phone_sealed, room, move_in, reason,"
	    " employer, members_sealed, members_count, group_id, coop_id)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " (SELECT parent_id FROM units WHERE id = ?))",
	/* active, pending (each -1, 0 or 1), tenancy: the building's open
	 * tenancies move with every change of state (sql/0014), beside its
	 * group (sql/0021: a village's dashboard sums them per group). */
	[STMT_RENTERS] =
	    "INSERT INTO building_renters (building_id, group_id, active,"
	    " pending) SELECT t.building_id, u.parent_id, ?, ?"
	    " FROM tenancies t JOIN units u ON u.id = t.building_id"
	    " WHERE t.id = ?"
	    " ON DUPLICATE KEY UPDATE active = active + VALUES(active),"
	    " pending = pending + VALUES(pending)",
	[STMT_OPEN_OF_USER] =
	    "SELECT id, building_id, status FROM tenancies WHERE open_user = ?",
	[STMT_OPEN_OF_ID] =
	    "SELECT id FROM tenancies WHERE open_id = ?",
	[STMT_VERIFIED] =
	    "UPDATE tenancies SET last_verified_at = NOW(3) WHERE id = ?",
	[STMT_EXPORT] =
	    "SELECT " EXPORT_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM tenancies t JOIN units u ON u.id = t.building_id"
	    " JOIN buildings b ON b.unit_id = t.building_id"
	    " WHERE u.path LIKE CONCAT(?, '%') AND t.move_in BETWEEN ? AND ?"
	    " ORDER BY t.id LIMIT 20001",
	/* user, version (twice): both documents, once per version. */
	[STMT_CONSENT] =
	    "INSERT IGNORE INTO consents (user_id, document, version,"
	    " accepted_at) VALUES (?, 'privacy', ?, NOW(3)),"
	    " (?, 'terms', ?, NOW(3))",
	/* A resident is greeted by the name they registered. */
	[STMT_DISPLAY_NAME] =
	    "UPDATE users SET display_name = ? WHERE id = ? AND kind = 'resident'",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("tenancies", sql);

/* STMT_OPEN_OF_USER's row, STMT_LOCK's, COUNT_OF's. */
enum { O_ID, O_BUILDING, O_STATUS };
enum { K_STATUS, K_USER, K_PATH };
enum { N_ACTIVE, N_PENDING, N_OVERDUE };   /* after COUNT_OF's child */

const char *const hz_tenancy_states[] = { "pending", "active", "rejected",
    "ended", NULL };
static const char *const reasons[] = { "work", "business", "family", "study",
    "other", NULL };

static const struct hz_field member_fields[] = {
	{ "name", &hz_tenancy_rules.member_name, HZ_REQUIRED },
	{ "relation", &hz_tenancy_rules.relation, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

const struct hz_tenancy_rules hz_tenancy_rules = {
	/* Longer than any token; what it holds is the code's business. */
	.token = { HZ_F_STRING, 1, 64, "二维码无效" },
	.name = { HZ_F_STRING, 1, 32, "请填写姓名（1 至 32 个字）" },
	.id_type = { HZ_F_ENUM, 0, 0, "证件类型应为 resident_id、hk_macao、"
	    "taiwan、passport 或 other", hz_id_types },
	.id_number = { HZ_F_STRING, 1, 32, "证件号码不正确，请核对：居民身份证"
	    "为 18 位，末位校验码需正确；其他证件只含字母和数字" },
	.phone = { HZ_F_PHONE, 11, 11, "请输入正确的 11 位手机号" },
	.room = { HZ_F_STRING, 1, 32, "请填写房号（最长 32 个字）" },
	.move_in = { HZ_F_DATE, 10, 10, "请填写正确的入住日期（YYYY-MM-DD，"
	    "最早 1950 年，最晚一个月后）" },
	.reason = { HZ_F_ENUM, 0, 0, "居住事由应为 work、business、family、"
	    "study 或 other", reasons },
	.employer = { HZ_F_STRING, 0, 100, "服务处所最长 100 个字" },
	.members = { HZ_F_ARRAY, 0, 10, "同住人最多 10 位", .sub = member_fields },
	.member_name = { HZ_F_STRING, 1, 32, "请填写同住人姓名（1 至 32 个字）" },
	.relation = { HZ_F_STRING, 1, 16, "请填写与本人关系（1 至 16 个字）" },
	.decision_reason = { HZ_F_STRING, 1, 200, "请填写原因（1 至 200 个字）" },
	.status = { HZ_F_ENUM, 0, 0, NULL, hz_tenancy_states },
	.consent_version = { HZ_F_STRING, 1, 16, "请先阅读并勾选同意最新的"
	    "《隐私政策》和《用户协议》" },
};

static const struct hz_refusal
    already_registered = { HZ_ERR_CONFLICT, "already_registered", NULL,
	"您已有在办或有效的居住登记。如已搬家，请到“我的居住”点“搬家了？"
	"登记新住址”，提交新登记时原登记会同时结束" },
    consent_needed = { HZ_ERR_INVALID, "validation_failed", "consent_version",
	"请先阅读并勾选同意最新的《隐私政策》和《用户协议》" },
    token_or_building = { HZ_ERR_INVALID, "validation_failed", "token",
	"请扫描楼栋门口的二维码，或按门牌号查找楼栋后再登记" },
    token_and_building = { HZ_ERR_INVALID, "validation_failed", "building_id",
	"二维码和门牌号查找只能选一种方式指定楼栋" },
    move_not_active = { HZ_ERR_CONFLICT, "state_conflict", "moving_from",
	"只有审核通过的登记才能办理搬家；待审核的登记请先撤销后再登记" },
    id_taken = { HZ_ERR_CONFLICT, "id_already_registered", "id_number",
	"该证件已有在办或有效的居住登记" },
    staff_cannot_register = { HZ_ERR_FORBIDDEN, "forbidden", NULL,
	"居住登记由住户本人填写，请使用住户账号" },
    already_decided = { HZ_ERR_CONFLICT, "state_conflict", NULL,
	"该登记已处理，不能重复审核" },
    already_ended = { HZ_ERR_CONFLICT, "state_conflict", NULL,
	"该登记已结束，无需再办理迁出" },
    reason_needed = { HZ_ERR_INVALID, "validation_failed", "reason",
	"请填写原因（1 至 200 个字）" },
    own_only_building = { HZ_ERR_INVALID, "validation_failed", "building",
	"住户只能查看自己的登记，不能按楼栋筛选" },
    own_only_unit = { HZ_ERR_INVALID, "validation_failed", "unit",
	"住户只能查看自己的登记，不能按单位筛选" },
    export_too_big = { HZ_ERR_INVALID, "validation_failed", "from",
	"记录过多（超过 20000 条），请缩短日期范围分批导出" },
    export_dates = { HZ_ERR_INVALID, "validation_failed", "from",
	"日期应为 YYYY-MM-DD，且 from 不晚于 to" },
    erased = { HZ_ERR_GONE, "erased", NULL,
	"该登记已过保存期限，证件号码和电话已删除" },
    overdue_pending_only = { HZ_ERR_INVALID, "validation_failed", "overdue",
	"“超时未审”只用于待审核的登记，请去掉状态筛选或选“待审核”" };

static const char *
unsealed_masked(const struct hz_ctx *x, const char *purpose,
                const struct hz_db_cell *c, bool phone)
{
	char *plain;

	if (c->null || hz_unseal(x->arena, x->keys, purpose,
	    (const unsigned char *)c->s, c->len, &plain) != HZ_OK)
		return NULL;
	return phone ? hz_mask_phone(x->arena, plain)
	    : hz_mask_id(x->arena, plain);
}

static void
fill(const struct hz_ctx *x, const struct hz_db_result *r, size_t i,
     struct hz_tenancy *t)
{
	const struct hz_db_cell *c = HZ_CELL(r, i, 0);
	char *members = NULL;

	memset(t, 0, sizeof(*t));
	t->id = HZ_ID(&c[T_ID]);
	t->user_id = HZ_ID(&c[T_USER]);
	t->building_id = HZ_ID(&c[T_BUILDING]);
	t->building_name = c[T_BUILDING_NAME].s;
	t->lane = c[T_LANE].s;
	t->door_no = c[T_DOOR].s;
	t->status = c[T_STATUS].s;
	t->name = c[T_NAME].s;
	t->id_type = c[T_ID_TYPE].s;
	t->erased_at = hz_time_local(x->arena, HZ_TEXT(&c[T_ERASED]));
	/* Past the retention period (retention.h) the numbers are gone:
	 * said so, where the masked ones stood. */
	t->id_masked = t->erased_at ? HZ_TENANCY_ERASED
	    : unsealed_masked(x, "id_number", &c[T_ID_SEALED], false);
	t->phone_masked = t->erased_at ? HZ_TENANCY_ERASED
	    : unsealed_masked(x, "phone", &c[T_PHONE_SEALED], true);
	t->room = c[T_ROOM].s;
	t->move_in = c[T_MOVE_IN].s;
	t->reason = c[T_REASON].s;
	t->employer = HZ_TEXT(&c[T_EMPLOYER]);
	if (!c[T_MEMBERS].null && hz_unseal(x->arena, x->keys, "members",
	    (const unsigned char *)c[T_MEMBERS].s, c[T_MEMBERS].len, &members)
	    == HZ_OK)
		t->members_json = members;
	t->created_at = hz_time_local(x->arena, HZ_TEXT(&c[T_CREATED]));
	t->decided_at = hz_time_local(x->arena, HZ_TEXT(&c[T_DECIDED]));
	t->reject_reason = HZ_TEXT(&c[T_REJECT_REASON]);
	t->ended_at = hz_time_local(x->arena, HZ_TEXT(&c[T_ENDED]));
	t->end_reason = HZ_TEXT(&c[T_END_REASON]);
	t->last_verified_at = hz_time_local(x->arena, HZ_TEXT(&c[T_VERIFIED]));
	t->overdue = c[T_OVERDUE].i != 0;
}

static enum hz_status
fill_all(const struct hz_ctx *x, const struct hz_db_result *r,
         struct hz_tenancy **out, size_t *n)
{
	if ((*out = hz_arena_calloc(x->arena, r->nrows + 1, sizeof(**out)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r->nrows; i++)
		fill(x, r, i, &(*out)[i]);
	*n = r->nrows;
	return HZ_OK;
}

/* The fields of a registration, each by its rule; the ID number also by
 * its type, and the move-in date within a window. */
static enum hz_status
check_input(const struct hz_ctx *x, const struct hz_tenancy_input *in,
            char number[32])
{
	const struct hz_tenancy_rules *R = &hz_tenancy_rules;
	int move_in = hz_date_parse(in->move_in);
	int today = hz_today_local(x->now);
	int latest = hz_today_local(x->now + 31 * 86400);

	if (!hz_rule_ok(&R->name, in->name, false))
		return hz_refuse_rule(x, "name", &R->name);
	if (!hz_rule_ok(&R->id_type, in->id_type, false))
		return hz_refuse_rule(x, "id_type", &R->id_type);
	if (!hz_id_number_valid(in->id_type, in->id_number, today, number))
		return hz_refuse_rule(x, "id_number", &R->id_number);
	if (!hz_rule_ok(&R->phone, in->phone, false))
		return hz_refuse_rule(x, "phone", &R->phone);
	if (!hz_rule_ok(&R->room, in->room, false))
		return hz_refuse_rule(x, "room", &R->room);
	/* A move-in up to a month ahead (a signed lease), not a century
	 * back. */
	if (move_in < 19500101 || move_in > latest)
		return hz_refuse_rule(x, "move_in", &R->move_in);
	if (!hz_rule_ok(&R->reason, in->reason, false))
		return hz_refuse_rule(x, "reason", &R->reason);
	if (!hz_rule_ok(&R->employer, in->employer, true))
		return hz_refuse_rule(x, "employer", &R->employer);
	return HZ_OK;
}

/* The code names the building: a bad one is a bad field of this form.
 * A building found by its address (hz_buildings_search) is named by its
 * id: one that is not there is not found. */
static enum hz_status
building_of(const struct hz_ctx *x, const struct hz_tenancy_input *in,
            struct hz_unit *b)
{
	enum hz_status rc;

	if ((in->token != NULL) == (in->building_id != 0))
		return hz_refuse(x, in->token ? &token_and_building
		    : &token_or_building);
	if (in->building_id != 0) {
		rc = hz_unit_public(x, in->building_id, b);
		if (rc == HZ_OK && strcmp(b->kind, "building") != 0)
			rc = HZ_ERR_NOT_FOUND;
		return rc;
	}
	rc = hz_scan_resolve(x, in->token, b);
	const struct hz_refusal *why = hz_refusal_of(x, rc);

	if (why == NULL)
		return rc;
	struct hz_refusal r = { HZ_ERR_INVALID, "validation_failed", "token",
	    why->message, 0 };
	return hz_refuse(x, &r);
}

/* ---- Telling people (issue 12): the renter hears the decision, the
 * reviewer hears of a new registration, in the transaction of the change
 * (outbox.h). No ID or phone number goes into a text: it is also sent by
 * SMS. ---- */

enum { TELL_WHERE, TELL_NEW, TELL__MAX };

static const char *const tell_sql[TELL__MAX] = {
	[TELL_WHERE] =
	    "SELECT t.user_id, CONCAT(b.lane, b.door_no, '号') FROM tenancies t"
	    " JOIN buildings b ON b.unit_id = t.building_id WHERE t.id = ?",
	/* tenancy, text, now, now, tenancy, tenancy: its building's head,
	 * or, for a building without one, the leaders of its group; one row
	 * each, in one statement. */
	[TELL_NEW] =
	    "INSERT INTO notifications (user_id, kind, subject_id, text,"
	    " created_at, next_try_at)"
	    " SELECT w.id, 'tenancy.new', ?, ?, FROM_UNIXTIME(?),"
	    " FROM_UNIXTIME(?) FROM (SELECT b.head_user_id AS id"
	    "  FROM tenancies t JOIN buildings b ON b.unit_id = t.building_id"
	    "  WHERE t.id = ? AND b.head_user_id IS NOT NULL"
	    " UNION SELECT r.user_id FROM tenancies t"
	    "  JOIN buildings b ON b.unit_id = t.building_id"
	    "  JOIN units u ON u.id = b.unit_id"
	    "  JOIN role_assignments r ON r.unit_id = u.parent_id"
	    "  AND r.role = 'group_leader'"
	    "  WHERE t.id = ? AND b.head_user_id IS NULL) w"
	    " JOIN users us ON us.id = w.id AND NOT us.disabled",
};

static const struct hz_stmt_table tell_stmts =
    HZ_STMT_TABLE("tenancy_tell", tell_sql);

enum tell { TELL_APPROVED, TELL_REJECTED, TELL_CREATED };

static enum hz_status
tell(const struct hz_ctx *x, uint64_t id, enum tell what, const char *reason)
{
	struct hz_db_arg tid = HZ_ARG_I64((long long)id);
	struct hz_db_arg now = HZ_ARG_I64((long long)x->now);
	struct hz_db_result r;
	const char *where, *text;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &tell_stmts, TELL_WHERE,
	    HZ_ARGS(tid), &r)) || r.nrows == 0)
		return rc;
	where = hz_utf8_clip(x->arena, HZ_CELL(&r, 0, 1)->s, 60);
	switch (what) {
	case TELL_APPROVED:
		return hz_notify(x, HZ_ID(HZ_CELL(&r, 0, 0)), "tenancy.approved",
		    id, hz_arena_printf(x->arena, "【居住登记】您在%s的居住登记"
		    "已通过审核。请每月扫一次楼栋门口的二维码打卡", where));
	case TELL_REJECTED:
		return hz_notify(x, HZ_ID(HZ_CELL(&r, 0, 0)), "tenancy.rejected",
		    id, hz_arena_printf(x->arena, "【居住登记】您在%s的居住登记"
		    "未通过，原因：%s。请按原因修改后重新登记", where,
		    hz_utf8_clip(x->arena, reason ? reason : "", 80)));
	case TELL_CREATED:
		text = hz_arena_printf(x->arena, "【居住登记】%s有一条新的居住"
		    "登记等待您审核", where);
		return hz_db_run(x->db, x->arena, &tell_stmts, TELL_NEW,
		    HZ_ARGS(tid, HZ_ARG_STR(text), now, now, tid, tid), NULL);
	}
	return HZ_ERR_INTERNAL;
}

/* The building's count of open tenancies follows tenancy `id`. */
static enum hz_status
renters(const struct hz_ctx *x, uint64_t id, int active, int pending)
{
	return hz_db_run(x->db, x->arena, &stmts, STMT_RENTERS, HZ_ARGS(
	    HZ_ARG_I64(active), HZ_ARG_I64(pending),
	    HZ_ARG_I64((long long)id)), NULL);
}

struct create_job {
	const struct hz_db_arg *args;
	size_t                  nargs;
	uint64_t                building;
	uint64_t                moving_from;
	const char             *name;
	uint64_t                id;
};

/* Moving: the caller's own active tenancy ends first, which frees the
 * unique keys (one open tenancy per person and per document) for the new
 * one. */
static enum hz_status
move_out_tx(const struct hz_ctx *x, uint64_t id)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r)))
		return rc;
	if (r.nrows == 0 || HZ_ID(HZ_CELL(&r, 0, K_USER)) != x->caller->id)
		return HZ_ERR_NOT_FOUND;
	if (strcmp(HZ_CELL(&r, 0, K_STATUS)->s, "active") != 0)
		return hz_refuse(x, &move_not_active);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_END, HZ_ARGS(
	    HZ_ARG_I64((long long)x->caller->id),
	    HZ_ARG_STR(HZ_MOVE_END_REASON), HZ_ARG_I64((long long)id)), NULL)) ||
	    (rc = renters(x, id, -1, 0)))
		return rc;
	return hz_audit(x, 0, "tenancy.end", "tenancy", id,
	    "{\"reason\":\"moving\"}");
}

/* The row, the consents, the name and the audit entry commit together,
 * or none does. */
static enum hz_status
create_tx(const struct hz_ctx *x, void *p)
{
	struct create_job *j = p;
	struct hz_db_arg user = HZ_ARG_I64((long long)x->caller->id);
	struct hz_db_arg version = HZ_ARG_STR(HZ_POLICY_VERSION);
	struct hz_db_result r;
	char detail[96];
	enum hz_status rc;

	if (j->moving_from && (rc = move_out_tx(x, j->moving_from)))
		return rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, j->args,
	    j->nargs, &r)))
		return rc;
	j->id = r.insert_id;
	if ((rc = renters(x, j->id, 0, 1)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_CONSENT,
	    HZ_ARGS(user, version, user, version), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_DISPLAY_NAME,
	    HZ_ARGS(HZ_ARG_STR(j->name), user), NULL)) ||
	    (rc = tell(x, j->id, TELL_CREATED, NULL)))
		return rc;
	if (j->moving_from)
		snprintf(detail, sizeof(detail), "{\"building_id\":%llu,"
		    "\"moving_from\":%llu}", (unsigned long long)j->building,
		    (unsigned long long)j->moving_from);
	else
		snprintf(detail, sizeof(detail), "{\"building_id\":%llu}",
		    (unsigned long long)j->building);
	return hz_audit(x, 0, "tenancy.create", "tenancy", j->id, detail);
}

enum hz_status
hz_tenancy_create(const struct hz_ctx *x, const struct hz_tenancy_input *in,
                  uint64_t *id)
{
	char number[32];
	unsigned char index[HZ_INDEX_BYTES], *id_sealed, *ph_sealed;
	unsigned char *m_sealed = NULL;
	size_t id_len, ph_len, m_len = 0;
	uint64_t own;
	struct hz_unit b;
	struct hz_db_result r;
	enum hz_status rc;

	*id = 0;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (x->caller->staff)
		return hz_refuse(x, &staff_cannot_register);
	/* Nothing personal is taken before the renter agreed to the
	 * current policy (PIPL). */
	if (in->consent_version == NULL ||
	    strcmp(in->consent_version, HZ_POLICY_VERSION) != 0)
		return hz_refuse(x, &consent_needed);
	if ((rc = building_of(x, in, &b)) ||
	    (rc = check_input(x, in, number)))
		return rc;

	hz_blind_index(x->keys, "id_number", number, strlen(number), index);
	struct hz_db_arg user = HZ_ARG_I64((long long)x->caller->id);
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)index, sizeof(index));
	/* Say which rule a second registration breaks; the unique keys
	 * still decide when two arrive at once. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OPEN_OF_USER,
	    HZ_ARGS(user), &r)))
		return rc;
	/* Moving: the transaction checks the tenancy moved from (theirs,
	 * active) before anything else. */
	if (r.nrows && in->moving_from == 0)
		return hz_refuse(x, &already_registered);
	own = r.nrows ? HZ_ID(HZ_CELL(&r, 0, O_ID)) : 0;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OPEN_OF_ID,
	    HZ_ARGS(ix), &r)))
		return rc;
	if (r.nrows && (in->moving_from == 0 ||
	    HZ_ID(HZ_CELL(&r, 0, 0)) != own))
		return hz_refuse(x, &id_taken);
	if ((rc = hz_seal(x->arena, x->keys, "id_number", number,
	    strlen(number), &id_sealed, &id_len)) ||
	    (rc = hz_seal(x->arena, x->keys, "phone", in->phone,
	    strlen(in->phone), &ph_sealed, &ph_len)) ||
	    (in->members_json && (rc = hz_seal(x->arena, x->keys, "members",
	    in->members_json, strlen(in->members_json), &m_sealed, &m_len))))
		return rc;
	struct hz_db_arg args[] = {
		user, HZ_ARG_I64((long long)b.id),
		HZ_ARG_STR(in->name), HZ_ARG_STR(in->id_type),
		HZ_ARG_STRN((const char *)id_sealed, id_len), ix,
		HZ_ARG_STRN((const char *)ph_sealed, ph_len),
		HZ_ARG_STR(in->room), HZ_ARG_STR(in->move_in),
		HZ_ARG_STR(in->reason), HZ_ARG_OPT_STR(in->employer),
		m_sealed ? HZ_ARG_STRN((const char *)m_sealed, m_len)
		    : HZ_ARG_NULL,
		HZ_ARG_I64(in->members_count),
		/* its group, and the group's cooperative (sql/0020) */
		HZ_ARG_I64((long long)b.parent_id),
		HZ_ARG_I64((long long)b.parent_id),
	};
	struct create_job j = { HZ_ARGV(args), b.id, in->moving_from, in->name,
	    0 };
	if ((rc = hz_tx(x, create_tx, &j)) == HZ_ERR_CONFLICT &&
	    hz_refusal_of(x, rc) == NULL) {
		/* Lost a race at the unique keys: which one? */
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_OPEN_OF_USER,
		    HZ_ARGS(user), &r);
		return hz_refuse(x, rc == HZ_OK && r.nrows == 0 ? &id_taken
		    : &already_registered);
	}
	if (rc)
		return rc;
	*id = j.id;
	return HZ_OK;
}

/* Who may see a tenancy: its owner, or staff reading its building. */
static enum hz_status
visible(const struct hz_ctx *x, uint64_t owner, const char *path)
{
	enum hz_status rc;

	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff)
		return x->caller->id == owner ? HZ_OK : HZ_ERR_NOT_FOUND;
	rc = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ, path);
	return rc == HZ_ERR_FORBIDDEN ? HZ_ERR_NOT_FOUND : rc;
}

/* The row of tenancy `id` (TENANCY_ROW), if the caller may see it. */
static enum hz_status
load_visible(const struct hz_ctx *x, uint64_t id, struct hz_db_result *r)
{
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), r)))
		return rc;
	if (r->nrows == 0)
		return HZ_ERR_NOT_FOUND;
	return visible(x, HZ_ID(HZ_CELL(r, 0, T_USER)),
	    HZ_CELL(r, 0, T_PATH)->s);
}

enum hz_status
hz_tenancy_get(const struct hz_ctx *x, uint64_t id, struct hz_tenancy *t,
               bool after_write)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = load_visible(x, id, &r)))
		return rc;
	fill(x, &r, 0, t);
	/* A renter's record read by staff is a PII read: recorded. */
	return x->caller->staff && !after_write ? hz_audit(x, 0, "tenancy.read",
	    "tenancy", id, NULL) : HZ_OK;
}

/* One audit entry per page of renters' records shown to staff. */
static enum hz_status
audit_page(const struct hz_ctx *x, const struct hz_tenancy *t, size_t n)
{
	struct hz_buf d;

	if (!x->caller->staff || n == 0)
		return HZ_OK;
	hz_buf_init(&d, x->arena);
	hz_buf_puts(&d, "{\"tenancy_ids\":[");
	for (size_t i = 0; i < n; i++)
		hz_buf_printf(&d, "%s%llu", i ? "," : "",
		    (unsigned long long)t[i].id);
	hz_buf_puts(&d, "]}");
	if (d.oom)
		return HZ_ERR_NOMEM;
	return hz_audit(x, 0, "tenancy.list", NULL, 0, d.data);
}

enum hz_status
hz_tenancies_list(const struct hz_ctx *x, const struct hz_tenancy_filter *f,
                  const struct hz_page *page, struct hz_tenancy **out,
                  size_t *n, bool *more)
{
	struct hz_db_arg st = HZ_ARG_OPT_STR(f->status);
	struct hz_db_arg od = HZ_ARG_I64(f->overdue ? 1 : 0);
	/* Overdue ones are pending ones (OVERDUE_FILTER): one status. */
	const char *status = f->status ? f->status
	    : f->overdue ? "pending" : NULL;
	struct hz_db_arg one = HZ_ARG_OPT_STR(status);
	struct hz_db_arg at = HZ_ARG_I64((long long)f->building);
	struct hz_db_result r;
	struct hz_unit within;
	uint64_t scope = f->unit ? f->unit : f->building;
	const char *path;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	/* A filter a caller may not use is refused, not ignored. */
	if (!x->caller->staff && (f->building || f->unit))
		return hz_refuse(x, f->building ? &own_only_building
		    : &own_only_unit);
	if (f->overdue && f->status != NULL && strcmp(f->status, "pending"))
		return hz_refuse(x, &overdue_pending_only);
	if (!x->caller->staff)
		rc = hz_page_run(x, &stmts, STMT_LIST_OWN, HZ_ARGS(
		    HZ_ARG_I64((long long)x->caller->id), st, st, od), page, &r,
		    more);
	else if (scope && (rc = hz_unit_get(x, scope, &within)))
		return rc;
	else if (path = scope ? within.path : NULL, f->building)
		/* ?building= in the scope: that building's range. */
		rc = status ? hz_scope_page(x, HZ_RIGHT_UNIT_READ, path, &stmts,
		    STMT_STATUS_AT, HZ_ARGS(at, one, od), page, &r, more)
		    : hz_scope_page(x, HZ_RIGHT_UNIT_READ, path, &stmts,
		    STMT_LIST_AT, HZ_ARGS(at), page, &r, more);
	else
		rc = status ? hz_scope_page_by(x, HZ_RIGHT_UNIT_READ, path,
		    &stmts, &list_status, HZ_ARGS(one, od), page, &r, more)
		    : hz_scope_page_by(x, HZ_RIGHT_UNIT_READ, path, &stmts,
		    &list_any, NULL, 0, page, &r, more);
	if (rc || (rc = fill_all(x, &r, out, n)))
		return rc;
	return audit_page(x, *out, *n);
}

enum hz_status
hz_tenancies_roster(const struct hz_ctx *x, uint64_t building,
                    const struct hz_page *page, struct hz_tenancy **out,
                    size_t *n, bool *more)
{
	struct hz_tenancy_filter f = { .status = "active",
	    .building = building };
	struct hz_unit b;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if ((rc = hz_building_scoped(x, building, HZ_RIGHT_UNIT_READ, &b)))
		return rc;
	return hz_tenancies_list(x, &f, page, out, n, more);
}

struct decide_job {
	uint64_t                id;
	enum hz_tenancy_action  action;
	const char             *reason;
};

/* The action's statement, if the tenancy is in a state it applies to. */
static enum hz_status
apply(const struct hz_ctx *x, const struct decide_job *j, const char *status)
{
	struct hz_db_arg id = HZ_ARG_I64((long long)j->id);
	struct hz_db_arg who = HZ_ARG_I64((long long)x->caller->id);
	struct hz_db_arg why = HZ_ARG_OPT_STR(j->reason);
	bool pending = strcmp(status, "pending") == 0;

	switch (j->action) {
	case HZ_TENANCY_APPROVE:
		return !pending ? hz_refuse(x, &already_decided)
		    : hz_db_run(x->db, x->arena, &stmts, STMT_APPROVE,
		    HZ_ARGS(who, id), NULL);
	case HZ_TENANCY_REJECT:
		return !pending ? hz_refuse(x, &already_decided)
		    : hz_db_run(x->db, x->arena, &stmts, STMT_REJECT,
		    HZ_ARGS(who, why, id), NULL);
	case HZ_TENANCY_END:
		return !pending && strcmp(status, "active") != 0
		    ? hz_refuse(x, &already_ended)
		    : hz_db_run(x->db, x->arena, &stmts, STMT_END,
		    HZ_ARGS(who, why, id), NULL);
	}
	return HZ_ERR_INTERNAL;
}

static enum hz_status
decide_tx(const struct hz_ctx *x, void *p)
{
	static const char *const names[] = { "tenancy.approve",
	    "tenancy.reject", "tenancy.end" };
	struct decide_job *j = p;
	struct hz_db_result r;
	const char *path;
	uint64_t owner;
	bool pending;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK,
	    HZ_ARGS(HZ_ARG_I64((long long)j->id)), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	owner = HZ_ID(HZ_CELL(&r, 0, K_USER));
	path = HZ_CELL(&r, 0, K_PATH)->s;
	if ((rc = visible(x, owner, path)))
		return rc;
	/* The owner may end (move out, or withdraw); deciding is staff's. */
	if (!x->caller->staff)
		rc = j->action == HZ_TENANCY_END ? HZ_OK : HZ_ERR_FORBIDDEN;
	else
		rc = hz_authorize(x->caller, HZ_RIGHT_TENANCY_DECIDE, path);
	if (rc)
		return rc;
	pending = strcmp(HZ_CELL(&r, 0, K_STATUS)->s, "pending") == 0;
	if ((rc = apply(x, j, HZ_CELL(&r, 0, K_STATUS)->s)) ||
	    (rc = renters(x, j->id, j->action == HZ_TENANCY_APPROVE ? 1 :
	    j->action == HZ_TENANCY_END && !pending ? -1 : 0,
	    pending ? -1 : 0)))
		return rc;
	if (j->action != HZ_TENANCY_END && (rc = tell(x, j->id,
	    j->action == HZ_TENANCY_APPROVE ? TELL_APPROVED : TELL_REJECTED,
	    j->reason)))
		return rc;
	return hz_audit(x, 0, names[j->action], "tenancy", j->id, NULL);
}

enum hz_status
hz_tenancy_decide(const struct hz_ctx *x, uint64_t id,
                  enum hz_tenancy_action action, const char *reason)
{
	struct decide_job j = { id, action, reason };

	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!hz_rule_ok(&hz_tenancy_rules.decision_reason, reason,
	    action != HZ_TENANCY_REJECT))
		return hz_refuse(x, &reason_needed);
	return hz_tx(x, decide_tx, &j);
}

enum hz_status
hz_tenancy_reveal_id(const struct hz_ctx *x, uint64_t id, char **number)
{
	const struct hz_db_cell *c;
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = load_visible(x, id, &r)))
		return rc;
	c = HZ_CELL(&r, 0, 0);
	/* Residents see their own number in the form they filled in. */
	if (x->caller->staff && (rc = hz_authorize(x->caller,
	    HZ_RIGHT_PII_REVEAL, c[T_PATH].s)))
		return rc;
	if (!c[T_ERASED].null || c[T_ID_SEALED].null)
		return hz_refuse(x, &erased);
	if ((rc = hz_unseal(x->arena, x->keys, "id_number",
	    (const unsigned char *)c[T_ID_SEALED].s, c[T_ID_SEALED].len,
	    number)))
		return rc;
	return hz_audit(x, 0, "pii.reveal", "tenancy", id,
	    "{\"field\":\"id_number\"}");
}

enum hz_status
hz_tenancy_verified(const struct hz_ctx *x, uint64_t id)
{
	return hz_db_run(x->db, x->arena, &stmts, STMT_VERIFIED,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), NULL);
}

enum hz_status
hz_tenancy_open_of(const struct hz_ctx *x, uint64_t user, uint64_t *id,
                   uint64_t *building, const char **status)
{
	struct hz_db_result r;
	enum hz_status rc;

	*id = *building = 0;
	*status = NULL;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OPEN_OF_USER,
	    HZ_ARGS(HZ_ARG_I64((long long)user)), &r)) || r.nrows == 0)
		return rc;
	*id = HZ_ID(HZ_CELL(&r, 0, O_ID));
	*building = HZ_ID(HZ_CELL(&r, 0, O_BUILDING));
	*status = HZ_CELL(&r, 0, O_STATUS)->s;
	return HZ_OK;
}

/* A unit's depth: '/1/' the village (2), '/1/2/' a cooperative, '/1/2/3/'
 * a group, '/1/2/3/4/' a building (5). */
static int
depth_of(const char *path)
{
	int depth = 0;

	for (const char *p = path; *p; p++)
		depth += *p == '/';
	return depth;
}

static void
count_add(struct hz_tenancy_counts *c, const struct hz_db_cell *row)
{
	c->active += row[N_ACTIVE].i;
	c->pending += row[N_PENDING].i;
	c->overdue += row[N_OVERDUE].i;
}

enum hz_status
hz_tenancy_counts(const struct hz_ctx *x, uint64_t unit,
                  struct hz_tenancy_counts **out, size_t *n)
{
	struct hz_unit self, *kids;
	struct hz_tenancy_counts *c;
	struct hz_db_result r;
	size_t nkids;
	int depth;
	enum hz_status rc;

	if ((rc = hz_unit_get(x, unit, &self)) ||
	    (rc = hz_unit_children(x, unit, &kids, &nkids)))
		return rc;
	depth = depth_of(self.path);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, depth == 3 ?
	    counts_by.cooperative : depth == 4 ? counts_by.group :
	    depth == 5 ? counts_by.building : counts_by.village,
	    HZ_ARGS(HZ_ARG_I64(depth + 1), HZ_ARG_STR(self.path),
	    HZ_ARG_STR(self.path)), &r)))
		return rc;
	if ((c = hz_arena_calloc(x->arena, nkids + 1, sizeof(*c))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i <= nkids; i++) {
		const struct hz_unit *u = i ? &kids[i - 1] : &self;

		c[i].unit_id = u->id;
		c[i].name = u->name;
		c[i].kind = u->kind;
	}
	/* Each row: the child it counts (or 0 under a building), then the
	 * counts; the unit is their sum. */
	for (size_t k = 0; k < r.nrows; k++) {
		const struct hz_db_cell *row = HZ_CELL(&r, k, 0);

		count_add(&c[0], row + 1);
		for (size_t i = 0; i < nkids; i++)
			if (HZ_ID(&row[0]) == kids[i].id) {
				count_add(&c[i + 1], row + 1);
				break;
			}
	}
	*out = c;
	*n = nkids + 1;
	return HZ_OK;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break; a
 * leading = + - @ is prefixed with ' so spreadsheets do not run it. */
enum hz_status
hz_tenancies_export(const struct hz_ctx *x, uint64_t unit, const char *from,
                    const char *to, struct hz_buf *csv, size_t *rows)
{
	static const char *const head[] = { "登记编号", "楼栋", "街巷", "门牌号",
	    "房号", "状态", "姓名", "证件类型", "证件号码", "联系电话", "入住日期",
	    "居住事由", "服务处所", "登记时间" };
	const size_t nhead = sizeof(head) / sizeof(*head);
	struct hz_unit u;
	struct hz_db_result r;
	char detail[160];
	enum hz_status rc;

	if (hz_date_parse(from) < 0 || hz_date_parse(to) < 0 ||
	    strcmp(from, to) > 0)
		return hz_refuse(x, &export_dates);
	if ((rc = hz_unit_scoped(x, unit, HZ_RIGHT_TENANCY_EXPORT, &u)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_EXPORT,
	    HZ_ARGS(HZ_ARG_STR(u.path), HZ_ARG_STR(from), HZ_ARG_STR(to)), &r)))
		return rc;
	/* One file is built in memory: keep it bounded (a few MiB). */
	if (r.nrows > HZ_EXPORT_MAX_ROWS)
		return hz_refuse(x, &export_too_big);
	hz_buf_puts(csv, "\xef\xbb\xbf");
	for (size_t i = 0; i < nhead; i++)
		hz_csv_field(csv, head[i], i + 1 == nhead);
	for (size_t i = 0; i < r.nrows; i++) {
		char idbuf[24], *idn = NULL, *ph = NULL;
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);

		snprintf(idbuf, sizeof(idbuf), "%lld", c[E_ID].i);
		if (c[E_ERASED].i)
			idn = ph = (char *)HZ_TENANCY_ERASED;
		else {
			(void)hz_unseal(x->arena, x->keys, "id_number",
			    (const unsigned char *)c[E_ID_SEALED].s,
			    c[E_ID_SEALED].len, &idn);
			(void)hz_unseal(x->arena, x->keys, "phone",
			    (const unsigned char *)c[E_PHONE_SEALED].s,
			    c[E_PHONE_SEALED].len, &ph);
		}
		hz_csv_field(csv, idbuf, false);
		hz_csv_field(csv, c[E_BUILDING].s, false);
		hz_csv_field(csv, c[E_LANE].s, false);
		hz_csv_field(csv, c[E_DOOR].s, false);
		hz_csv_field(csv, c[E_ROOM].s, false);
		hz_csv_field(csv, c[E_STATUS].s, false);
		hz_csv_field(csv, c[E_NAME].s, false);
		hz_csv_field(csv, c[E_ID_TYPE].s, false);
		hz_csv_field(csv, idn, false);
		hz_csv_field(csv, ph, false);
		hz_csv_field(csv, c[E_MOVE_IN].s, false);
		hz_csv_field(csv, c[E_REASON].s, false);
		hz_csv_field(csv, HZ_TEXT(&c[E_EMPLOYER]), false);
		hz_csv_field(csv, hz_time_local(x->arena, c[E_CREATED].s), true);
	}
	if (csv->oom)
		return HZ_ERR_NOMEM;
	*rows = r.nrows;
	snprintf(detail, sizeof(detail), "{\"unit_id\":%llu,\"from\":\"%s\","
	    "\"to\":\"%s\",\"rows\":%zu}", (unsigned long long)unit, from, to,
	    r.nrows);
	return hz_audit(x, 0, "tenancy.export", "unit", unit, detail);
}

/* ---- The building head's tools (楼栋工作台): approve several at once,
 * call a renter, who has not checked in this month ---- */

#define SHANGHAI (8 * 3600)

enum { STMT_ABSENT, TOOLS__MAX };

static const char *const tools_sql[TOOLS__MAX] = {
	/* Page (page.h): building, month start, next month start (UTC),
	 * cursor, limit. checkins_user covers the NOT EXISTS. */
	[STMT_ABSENT] =
	    SELECT_TENANCY " WHERE t.building_id = ? AND t.status = 'active'"
	    " AND NOT EXISTS (SELECT 1 FROM checkins c"
	    " WHERE c.user_id = t.user_id AND c.building_id = t.building_id"
	    " AND c.kind = 'residence' AND c.at >= ? AND c.at < ?)"
	    " AND t.id > ? ORDER BY t.id LIMIT ?",
};

static const struct hz_stmt_table tools_stmts =
    HZ_STMT_TABLE("tenancy_tools", tools_sql);

static const char *const zero_one[] = { "0", "1", NULL };

const struct hz_rule hz_tenancy_month_rule = { HZ_F_STRING, 7, 7,
    "月份应写成 2026-12 这样的年-月", .chars = "0123456789-" };
const struct hz_rule hz_tenancy_overdue_rule = { HZ_F_ENUM, 0, 0,
    "overdue 应为 1（只看超时未审的登记）或 0", zero_one };

static const struct hz_refusal
    batch_not_found = { HZ_ERR_NOT_FOUND, "not_found", NULL,
	"找不到这条登记，或不在您的管辖范围内" },
    batch_forbidden = { HZ_ERR_FORBIDDEN, "forbidden", NULL,
	"您没有审核这条登记的权限" },
    no_phone = { HZ_ERR_NOT_FOUND, "no_phone", NULL,
	"这条登记没有留手机号" };

enum hz_status
hz_tenancies_approve_batch(const struct hz_ctx *x, const uint64_t *ids,
                           size_t n, struct hz_tenancy_batch_item *out)
{
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff)
		return HZ_ERR_FORBIDDEN;
	/* One transaction per registration: each decision stands on its own
	 * (a registration decided by someone else meanwhile must not undo
	 * the rest), and no lock is held across fifty rows. */
	for (size_t i = 0; i < n; i++) {
		enum hz_status rc = hz_tenancy_decide(x, ids[i],
		    HZ_TENANCY_APPROVE, NULL);
		const struct hz_refusal *why = hz_refusal_of(x, rc);

		memset(&out[i], 0, sizeof(out[i]));
		out[i].id = ids[i];
		if (rc == HZ_OK) {
			out[i].status = "active";
			continue;
		}
		if (why == NULL && rc == HZ_ERR_NOT_FOUND)
			why = &batch_not_found;
		else if (why == NULL && rc == HZ_ERR_FORBIDDEN)
			why = &batch_forbidden;
		if (why == NULL)
			return rc;      /* the database, not the item */
		out[i].code = why->code;
		out[i].message = why->message;
		hz_refuse_clear(x);
	}
	return HZ_OK;
}

enum hz_status
hz_tenancy_reveal_phone(const struct hz_ctx *x, uint64_t id, char **phone)
{
	const struct hz_db_cell *c;
	struct hz_db_result r;
	enum hz_status rc;

	*phone = NULL;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff)
		return HZ_ERR_FORBIDDEN;
	if ((rc = load_visible(x, id, &r)))
		return rc;
	c = HZ_CELL(&r, 0, 0);
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_PII_REVEAL, c[T_PATH].s)))
		return rc;
	if (!c[T_ERASED].null)
		return hz_refuse(x, &erased);
	if (c[T_PHONE_SEALED].null)
		return hz_refuse(x, &no_phone);
	if ((rc = hz_unseal(x->arena, x->keys, "phone",
	    (const unsigned char *)c[T_PHONE_SEALED].s, c[T_PHONE_SEALED].len,
	    phone)))
		return rc;
	return hz_audit(x, 0, "pii.reveal", "tenancy", id,
	    "{\"field\":\"phone\"}");
}

/* "yyyy-mm" → the UTC bounds of that Shanghai month, as DATETIME text. */
static bool
month_bounds(const char *s, char from[20], char to[20])
{
	int64_t y, m;
	struct tm tm;
	time_t t;

	if (s == NULL || strlen(s) != 7 || s[4] != '-' ||
	    !hz_parse_i64(s, 4, 2000, 2037, &y) ||
	    !hz_parse_i64(s + 5, 2, 1, 12, &m))
		return false;
	for (int k = 0; k < 2; k++) {
		struct tm start = { .tm_year = (int)y - 1900,
		    .tm_mon = (int)m - 1 + k, .tm_mday = 1 };

		t = timegm(&start) - SHANGHAI;
		gmtime_r(&t, &tm);
		strftime(k ? to : from, 20, "%Y-%m-%d %H:%M:%S", &tm);
	}
	return true;
}

enum hz_status
hz_tenancies_absent(const struct hz_ctx *x, uint64_t building,
                    const char *month, const struct hz_page *page,
                    struct hz_tenancy **out, size_t *n, bool *more)
{
	char now[8], from[20], to[20];
	struct hz_db_result r;
	struct hz_unit b;
	enum hz_status rc;

	*n = 0;
	*more = false;
	if ((rc = hz_building_scoped(x, building, HZ_RIGHT_UNIT_READ, &b)))
		return rc;
	if (month == NULL)
		month = hz_checklist_month(x->now, now);
	if (!month_bounds(month, from, to))
		return hz_refuse_rule(x, "month", &hz_tenancy_month_rule);
	if ((rc = hz_page_run(x, &tools_stmts, STMT_ABSENT, HZ_ARGS(
	    HZ_ARG_I64((long long)b.id), HZ_ARG_STR(from), HZ_ARG_STR(to)),
	    page, &r, more)) || (rc = fill_all(x, &r, out, n)))
		return rc;
	return audit_page(x, *out, *n);
}
