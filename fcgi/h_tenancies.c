/* Residence registration: register from a code, decide, roster, counts,
 * export. */
#include <string.h>

#include "handlers.h"
#include "render.h"
#include "response.h"
#include "scan.h"
#include "tenancies.h"
#include "units.h"

static cJSON *
tenancy_json(const struct hz_tenancy *t)
{
	cJSON *o = cJSON_CreateObject(), *b;

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)t->id) ||
	    !cJSON_AddStringToObject(o, "status", t->status) ||
	    !cJSON_AddBoolToObject(o, "overdue", t->overdue) ||
	    (b = cJSON_AddObjectToObject(o, "building")) == NULL ||
	    !cJSON_AddNumberToObject(b, "id", (double)t->building_id) ||
	    !cJSON_AddStringToObject(b, "name", t->building_name) ||
	    !cJSON_AddStringToObject(b, "lane", t->lane) ||
	    !cJSON_AddStringToObject(b, "door_no", t->door_no) ||
	    !cJSON_AddStringToObject(o, "name", t->name) ||
	    !cJSON_AddStringToObject(o, "id_type", t->id_type) ||
	    !hz_json_add_str_or_null(o, "id_number", t->id_masked) ||
	    !hz_json_add_str_or_null(o, "phone", t->phone_masked) ||
	    !cJSON_AddStringToObject(o, "room", t->room) ||
	    !cJSON_AddStringToObject(o, "move_in", t->move_in) ||
	    !cJSON_AddStringToObject(o, "reason", t->reason) ||
	    !hz_json_add_str_or_null(o, "employer", t->employer) ||
	    !hz_json_add_str_or_null(o, "created_at", t->created_at) ||
	    !hz_json_add_str_or_null(o, "decided_at", t->decided_at) ||
	    !hz_json_add_str_or_null(o, "reject_reason", t->reject_reason) ||
	    !hz_json_add_str_or_null(o, "ended_at", t->ended_at) ||
	    !hz_json_add_str_or_null(o, "end_reason", t->end_reason) ||
	    !hz_json_add_str_or_null(o, "last_verified_at", t->last_verified_at))
		return NULL;
	if (t->members_json != NULL) {
		cJSON *m = cJSON_Parse(t->members_json);
		if (m == NULL || !cJSON_AddItemToObject(o, "members", m))
			return NULL;
	} else if (!cJSON_AddArrayToObject(o, "members"))
		return NULL;
	return o;
}

static void
reply_tenancy(struct hz_req *req, uint64_t id, int status, bool after_write)
{
	struct hz_tenancy t;
	cJSON *o;
	enum hz_status rc;

	if ((rc = hz_tenancy_get(&req->ctx, id, &t, after_write))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = tenancy_json(&t)) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, status, o);
}

static const struct hz_field member_fields[] = {
	{ "name", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	{ "relation", HZ_F_STRING, HZ_REQUIRED, 1, 16 },
	{ NULL, 0, 0, 0, 0 },
};

enum { T_TOKEN, T_NAME, T_ID_TYPE, T_ID_NUMBER, T_PHONE, T_ROOM, T_MOVE_IN,
       T_REASON, T_EMPLOYER, T_MEMBERS };
const struct hz_field tenancy_create_fields[] = {
	[T_TOKEN]     = { "token", HZ_F_STRING, HZ_REQUIRED, 1, 64 },
	[T_NAME]      = { "name", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	[T_ID_TYPE]   = { "id_type", HZ_F_STRING, HZ_REQUIRED, 1, 16 },
	[T_ID_NUMBER] = { "id_number", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	[T_PHONE]     = { "phone", HZ_F_STRING, HZ_REQUIRED, 1, 16 },
	[T_ROOM]      = { "room", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	[T_MOVE_IN]   = { "move_in", HZ_F_STRING, HZ_REQUIRED, 10, 10 },
	[T_REASON]    = { "reason", HZ_F_STRING, HZ_REQUIRED, 1, 16 },
	[T_EMPLOYER]  = { "employer", HZ_F_STRING, 0, 0, 100 },
	[T_MEMBERS]   = { "members", HZ_F_ARRAY, 0, 0, 10, member_fields },
	{ NULL, 0, 0, 0, 0 },
};

static const char *
field_message(const char *f)
{
	static const struct { const char *f, *m; } m[] = {
		{ "name", "请填写姓名（1 至 32 个字）" },
		{ "id_type", "证件类型应为 resident_id、hk_macao、taiwan、"
		    "passport 或 other" },
		{ "id_number", "证件号码不正确，请核对（身份证为 18 位，"
		    "末位校验码需正确）" },
		{ "phone", "请输入正确的 11 位手机号" },
		{ "room", "请填写房号" },
		{ "move_in", "请填写正确的入住日期（YYYY-MM-DD）" },
		{ "reason", "居住事由应为 work、business、family、study 或 other" },
		{ "employer", "服务处所最长 100 个字" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(*m); i++)
		if (strcmp(m[i].f, f) == 0)
			return m[i].m;
	return "无效";
}

void
h_tenancy_create(struct hz_req *req)
{
	struct hz_unit b;
	struct hz_tenancy_input in = {
		.name = req->in[T_NAME].s, .id_type = req->in[T_ID_TYPE].s,
		.id_number = req->in[T_ID_NUMBER].s, .phone = req->in[T_PHONE].s,
		.room = req->in[T_ROOM].s, .move_in = req->in[T_MOVE_IN].s,
		.reason = req->in[T_REASON].s,
		.employer = req->in[T_EMPLOYER].present ? req->in[T_EMPLOYER].s
		    : NULL,
	};
	const char *field;
	uint64_t id;
	enum hz_status rc;

	if (req->caller.staff) {
		hz_reply_error(req, 403, "forbidden",
		    "居住登记由住户本人填写，请使用住户账号");
		return;
	}
	/* The code names the building: a resident cannot pick another. */
	if ((rc = hz_scan_resolve(&req->ctx, req->in[T_TOKEN].s, &b))) {
		if (rc == HZ_ERR_NOT_FOUND || rc == HZ_ERR_GONE) {
			struct hz_field_error e = { "token", rc == HZ_ERR_GONE
			    ? "此二维码已作废，请扫描门口的新二维码"
			    : "二维码无效" };
			hz_reply_invalid(req, &e, 1);
		} else
			hz_reply_status(req, rc);
		return;
	}
	in.building_id = b.id;
	if (req->in[T_MEMBERS].present && req->in[T_MEMBERS].i > 0) {
		in.members_json = cJSON_PrintUnformatted(req->in[T_MEMBERS].node);
		in.members_count = (int)req->in[T_MEMBERS].i;
	}
	rc = hz_tenancy_create(&req->ctx, &in, &id, &field);
	if (rc == HZ_ERR_INVALID && field != NULL) {
		struct hz_field_error e = { field, field_message(field) };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	if (rc == HZ_ERR_CONFLICT) {
		if (field && strcmp(field, "id_number") == 0)
			hz_reply_error(req, 409, "id_already_registered",
			    "该证件已有在办或有效的居住登记");
		else
			hz_reply_error(req, 409, "already_registered",
			    "您已有在办或有效的居住登记，请先办理迁出");
		return;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	reply_tenancy(req, id, 201, true);
}

static void
reply_list(struct hz_req *req, struct hz_tenancy_filter *f)
{
	struct hz_tenancy *t;
	size_t n;
	bool more;
	cJSON *items, *page;
	enum hz_status rc = hz_tenancies_list(&req->ctx, f, &t, &n, &more);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++) {
		cJSON *e = tenancy_json(&t[i]);
		if (e == NULL || !cJSON_AddItemToArray(items, e))
			items = NULL;
	}
	if ((page = hz_render_page(items, more, n ? t[n - 1].id : 0)) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, page);
}

static bool
status_ok(struct hz_req *req, const char *s)
{
	if (s == NULL || strcmp(s, "pending") == 0 || strcmp(s, "active") == 0 ||
	    strcmp(s, "rejected") == 0 || strcmp(s, "ended") == 0)
		return true;
	struct hz_field_error e = { "status",
	    "应为 pending、active、rejected 或 ended" };
	hz_reply_invalid(req, &e, 1);
	return false;
}

void
h_tenancies_list(struct hz_req *req)
{
	static const char *const allowed[] = { "status", "building", "unit",
	    "after", "limit", NULL };
	struct hz_tenancy_filter f = { 0 };

	if (!hz_query_only(req, allowed) ||
	    !hz_query_text(req, "status", 16, &f.status) ||
	    !hz_query_id(req, "building", &f.building) ||
	    !hz_query_id(req, "unit", &f.unit) ||
	    !hz_query_page(req, &f.after, &f.limit) || !status_ok(req, f.status))
		return;
	reply_list(req, &f);
}

void
h_roster(struct hz_req *req)
{
	static const char *const allowed[] = { "after", "limit", NULL };
	struct hz_tenancy_filter f = { .status = "active" };
	struct hz_unit b;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &f.building) ||
	    !hz_query_only(req, allowed) ||
	    !hz_query_page(req, &f.after, &f.limit))
		return;
	/* A roster is a building's: any other unit is not one here. */
	if ((rc = hz_unit_get(&req->ctx, f.building, &b)) == HZ_OK &&
	    strcmp(b.kind, "building") != 0)
		rc = HZ_ERR_NOT_FOUND;
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	reply_list(req, &f);
}

void
h_tenancy_get(struct hz_req *req)
{
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_tenancy(req, id, 200, false);
}

static void
decide(struct hz_req *req, enum hz_tenancy_action action, const char *reason)
{
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_tenancy_decide(&req->ctx, id, action, reason);
	if (rc == HZ_ERR_CONFLICT) {
		hz_reply_error(req, 409, "state_conflict",
		    action == HZ_TENANCY_END ? "该登记已结束，无需再办理迁出"
		    : "该登记已处理，不能重复审核");
		return;
	}
	if (rc == HZ_ERR_INVALID) {
		struct hz_field_error e = { "reason", "请填写原因（1 至 200 个字）" };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	reply_tenancy(req, id, 200, true);
}

const struct hz_field reason_fields[] = {
	{ "reason", HZ_F_STRING, 0, 1, 200 },
	{ NULL, 0, 0, 0, 0 },
};

void
h_tenancy_approve(struct hz_req *req)
{
	decide(req, HZ_TENANCY_APPROVE, NULL);
}

void
h_tenancy_reject(struct hz_req *req)
{
	decide(req, HZ_TENANCY_REJECT,
	    req->in[0].present ? req->in[0].s : NULL);
}

void
h_tenancy_end(struct hz_req *req)
{
	decide(req, HZ_TENANCY_END, req->in[0].present ? req->in[0].s : NULL);
}

void
h_tenancy_id_number(struct hz_req *req)
{
	uint64_t id;
	char *number;
	cJSON *o;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_tenancy_reveal_id(&req->ctx, id, &number))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddStringToObject(o, "id_number", number)) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
}

void
h_tenancy_counts(struct hz_req *req)
{
	struct hz_tenancy_counts *c;
	uint64_t id;
	size_t n;
	cJSON *o, *kids = NULL;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_tenancy_counts(&req->ctx, id, &c, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	o = cJSON_CreateObject();
	for (size_t i = 0; o && i < n; i++) {
		cJSON *e = i == 0 ? o : cJSON_CreateObject();
		if (e == NULL ||
		    !cJSON_AddNumberToObject(e, "unit_id", (double)c[i].unit_id) ||
		    !cJSON_AddStringToObject(e, "name", c[i].name) ||
		    !cJSON_AddStringToObject(e, "kind", c[i].kind) ||
		    !cJSON_AddNumberToObject(e, "active", (double)c[i].active) ||
		    !cJSON_AddNumberToObject(e, "pending", (double)c[i].pending) ||
		    !cJSON_AddNumberToObject(e, "overdue", (double)c[i].overdue)) {
			o = NULL;
			break;
		}
		if (i == 0 && (kids = cJSON_AddArrayToObject(o, "children"))
		    == NULL)
			o = NULL;
		else if (i > 0 && !cJSON_AddItemToArray(kids, e))
			o = NULL;
	}
	if (o == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
}

void
h_tenancies_export(struct hz_req *req)
{
	static const char *const allowed[] = { "unit", "from", "to", NULL };
	const char *from, *to;
	struct hz_buf csv;
	uint64_t unit;
	size_t rows;
	char disp[96];
	enum hz_status rc;

	if (!hz_query_only(req, allowed) || !hz_query_id(req, "unit", &unit) ||
	    !hz_query_text(req, "from", 10, &from) ||
	    !hz_query_text(req, "to", 10, &to))
		return;
	if (unit == 0 || from == NULL || to == NULL) {
		struct hz_field_error e = { unit == 0 ? "unit" : from == NULL
		    ? "from" : "to", "必填" };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	hz_buf_init(&csv, req->arena);
	rc = hz_tenancies_export(&req->ctx, unit, from, to, &csv, &rows);
	if (rc == HZ_ERR_RATE_LIMITED) {
		struct hz_field_error e = { "from",
		    "记录过多（超过 20000 条），请缩短日期范围分批导出" };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	if (rc == HZ_ERR_INVALID) {
		struct hz_field_error e = { "from",
		    "日期应为 YYYY-MM-DD，且 from 不晚于 to" };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"tenancies-%s-%s.csv\"",
	    from, to);
	hz_reply_header(req, "Content-Disposition", disp);
	hz_reply_bytes(req, 200, "text/csv; charset=utf-8", csv.data ? csv.data
	    : "", csv.len);
}
