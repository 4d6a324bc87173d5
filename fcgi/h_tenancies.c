/* Residence registration: register from a code, decide, roster, counts,
 * export. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "render.h"
#include "response.h"
#include "router.h"
#include "tenancies.h"

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
	    !hz_json_add_str_or_null(o, "last_verified_at", t->last_verified_at) ||
	    !hz_json_add_str_or_null(o, "erased_at", t->erased_at))
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
	enum hz_status rc;

	if ((rc = hz_tenancy_get(&req->ctx, id, &t, after_write)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, status, tenancy_json(&t));
}

enum { T_TOKEN, T_NAME, T_ID_TYPE, T_ID_NUMBER, T_PHONE, T_ROOM, T_MOVE_IN,
       T_REASON, T_EMPLOYER, T_MEMBERS, T_BUILDING_ID, T_CONSENT,
       T_MOVING_FROM };
#define R (&hz_tenancy_rules)
const struct hz_field tenancy_create_fields[] = {
	/* token or building_id: core says which is missing. */
	[T_TOKEN]     = { "token", &R->token, 0 },
	[T_NAME]      = { "name", &R->name, HZ_REQUIRED },
	[T_ID_TYPE]   = { "id_type", &R->id_type, HZ_REQUIRED },
	[T_ID_NUMBER] = { "id_number", &R->id_number, HZ_REQUIRED },
	[T_PHONE]     = { "phone", &R->phone, HZ_REQUIRED },
	[T_ROOM]      = { "room", &R->room, HZ_REQUIRED },
	[T_MOVE_IN]   = { "move_in", &R->move_in, HZ_REQUIRED },
	[T_REASON]    = { "reason", &R->reason, HZ_REQUIRED },
	[T_EMPLOYER]  = { "employer", &R->employer, 0 },
	[T_MEMBERS]   = { "members", &R->members, 0 },
	[T_BUILDING_ID] = { "building_id", &hz_rule_id, 0 },
	[T_CONSENT]   = { "consent_version", &R->consent_version, HZ_REQUIRED },
	[T_MOVING_FROM] = { "moving_from", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};

const struct hz_field reason_fields[] = {
	{ "reason", &R->decision_reason, 0 },
	{ NULL, NULL, 0 },
};

enum { Q_STATUS = HZ_Q_PAGE__N, Q_BUILDING, Q_UNIT, Q_OVERDUE };
const struct hz_field tenancies_query[] = {
	HZ_PAGE_QUERY,
	[Q_STATUS]   = { "status", &R->status, 0 },
	[Q_BUILDING] = { "building", &hz_rule_id, 0 },
	[Q_UNIT]     = { "unit", &hz_rule_id, 0 },
	[Q_OVERDUE]  = { "overdue", &hz_tenancy_overdue_rule, 0 },
	{ NULL, NULL, 0 },
};

enum { X_UNIT, X_FROM, X_TO };
const struct hz_field export_query[] = {
	[X_UNIT] = { "unit", &hz_rule_id, HZ_REQUIRED },
	[X_FROM] = { "from", &hz_rule_date, HZ_REQUIRED },
	[X_TO]   = { "to", &hz_rule_date, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};
#undef R

void
h_tenancy_create(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_tenancy_input t = {
		.token = HZ_OPT_S(in[T_TOKEN]), .name = in[T_NAME].s,
		.building_id = in[T_BUILDING_ID].present
		    ? (uint64_t)in[T_BUILDING_ID].i : 0,
		.consent_version = in[T_CONSENT].s,
		.moving_from = in[T_MOVING_FROM].present
		    ? (uint64_t)in[T_MOVING_FROM].i : 0,
		.id_type = in[T_ID_TYPE].s, .id_number = in[T_ID_NUMBER].s,
		.phone = in[T_PHONE].s, .room = in[T_ROOM].s,
		.move_in = in[T_MOVE_IN].s, .reason = in[T_REASON].s,
		.employer = HZ_OPT_S(in[T_EMPLOYER]),
	};
	uint64_t id;
	enum hz_status rc;

	if (in[T_MEMBERS].present && in[T_MEMBERS].i > 0) {
		t.members_json = cJSON_PrintUnformatted(in[T_MEMBERS].node);
		t.members_count = (int)in[T_MEMBERS].i;
	}
	if ((rc = hz_tenancy_create(&req->ctx, &t, &id)))
		hz_reply_status(req, rc);
	else
		reply_tenancy(req, id, 201, true);
}

static void
reply_list(struct hz_req *req, enum hz_status rc, const struct hz_tenancy *t,
           size_t n, bool more)
{
	cJSON *items;

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, tenancy_json(&t[i])))
			items = NULL;
	hz_reply_object(req, 200, hz_render_page(items, more,
	    n ? t[n - 1].id : 0));
}

void
h_tenancies_list(struct hz_req *req)
{
	struct hz_tenancy_filter f = {
		.status = HZ_OPT_S(req->q[Q_STATUS]),
		.building = HZ_OPT_ID(req->q[Q_BUILDING]),
		.unit = HZ_OPT_ID(req->q[Q_UNIT]),
		.overdue = req->q[Q_OVERDUE].present &&
		    strcmp(req->q[Q_OVERDUE].s, "1") == 0,
	};
	struct hz_page page = hz_req_page(req);
	struct hz_tenancy *t = NULL;
	size_t n = 0;
	bool more = false;
	enum hz_status rc = hz_tenancies_list(&req->ctx, &f, &page, &t, &n,
	    &more);

	reply_list(req, rc, t, n, more);
}

void
h_roster(struct hz_req *req)
{
	struct hz_page page = hz_req_page(req);
	struct hz_tenancy *t = NULL;
	uint64_t id;
	size_t n = 0;
	bool more = false;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	/* Its own statement: t, n and more are set by the call, and C
	 * leaves the order of argument evaluation open. */
	rc = hz_tenancies_roster(&req->ctx, id, &page, &t, &n, &more);
	reply_list(req, rc, t, n, more);
}

void
h_tenancy_get(struct hz_req *req)
{
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_tenancy(req, id, 200, false);
}

static void
decide(struct hz_req *req, enum hz_tenancy_action action)
{
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_tenancy_decide(&req->ctx, id, action,
	    req->route->body ? HZ_OPT_S(req->in[0]) : NULL)))
		hz_reply_status(req, rc);
	else
		reply_tenancy(req, id, 200, true);
}

void
h_tenancy_approve(struct hz_req *req)
{
	decide(req, HZ_TENANCY_APPROVE);
}

void
h_tenancy_reject(struct hz_req *req)
{
	decide(req, HZ_TENANCY_REJECT);
}

void
h_tenancy_end(struct hz_req *req)
{
	decide(req, HZ_TENANCY_END);
}

void
h_tenancy_id_number(struct hz_req *req)
{
	uint64_t id;
	char *number = NULL;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_tenancy_reveal_id(&req->ctx, id, &number);
	hz_reply_revealed(req, rc, "id_number", number);
}

static cJSON *
counts_json(const struct hz_tenancy_counts *c)
{
	cJSON *e = cJSON_CreateObject();

	if (e == NULL ||
	    !cJSON_AddNumberToObject(e, "unit_id", (double)c->unit_id) ||
	    !cJSON_AddStringToObject(e, "name", c->name) ||
	    !cJSON_AddStringToObject(e, "kind", c->kind) ||
	    !cJSON_AddNumberToObject(e, "active", (double)c->active) ||
	    !cJSON_AddNumberToObject(e, "pending", (double)c->pending) ||
	    !cJSON_AddNumberToObject(e, "overdue", (double)c->overdue))
		return NULL;
	return e;
}

void
h_tenancy_counts(struct hz_req *req)
{
	struct hz_tenancy_counts *c;
	uint64_t id;
	size_t n;
	cJSON *o, *kids;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_tenancy_counts(&req->ctx, id, &c, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	/* The unit itself, its children under "children". */
	if ((o = counts_json(&c[0])) == NULL ||
	    (kids = cJSON_AddArrayToObject(o, "children")) == NULL)
		o = NULL;
	for (size_t i = 1; o != NULL && i < n; i++)
		if (!cJSON_AddItemToArray(kids, counts_json(&c[i])))
			o = NULL;
	hz_reply_object(req, 200, o);
}

void
h_tenancies_export(struct hz_req *req)
{
	const char *from = req->q[X_FROM].s, *to = req->q[X_TO].s;
	struct hz_buf csv;
	size_t rows;
	char disp[96];
	enum hz_status rc;

	hz_buf_init(&csv, req->arena);
	if ((rc = hz_tenancies_export(&req->ctx, (uint64_t)req->q[X_UNIT].i,
	    from, to, &csv, &rows))) {
		hz_reply_status(req, rc);
		return;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"tenancies-%s-%s.csv\"",
	    from, to);
	hz_reply_header(req, "Content-Disposition", disp);
	hz_reply_bytes(req, 200, "text/csv; charset=utf-8", csv.data ? csv.data
	    : "", csv.len);
}

/* ---- The building head's tools (楼栋工作台) ---- */

static const struct hz_rule batch_id = { HZ_F_ID, 1, HZ_ID_MAX,
    "登记编号不正确" };
const struct hz_field approve_batch_fields[] = {
	{ "ids", HZ_RULE(HZ_F_ARRAY, 1, HZ_TENANCY_BATCH_MAX,
	    "请选择 1 至 50 条登记", .item = &batch_id), HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

enum { A_MONTH = HZ_Q_PAGE__N };
const struct hz_field absent_query[] = {
	HZ_PAGE_QUERY,
	[A_MONTH] = { "month", &hz_tenancy_month_rule, 0 },
	{ NULL, NULL, 0 },
};

void
h_tenancies_approve_batch(struct hz_req *req)
{
	uint64_t ids[HZ_TENANCY_BATCH_MAX];
	struct hz_tenancy_batch_item out[HZ_TENANCY_BATCH_MAX];
	const cJSON *it;
	size_t n = 0;
	cJSON *o, *items;
	enum hz_status rc;

	cJSON_ArrayForEach(it, req->in[0].node)
		if (n < HZ_TENANCY_BATCH_MAX)
			ids[n++] = (uint64_t)it->valuedouble;
	if ((rc = hz_tenancies_approve_batch(&req->ctx, ids, n, out))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    (items = cJSON_AddArrayToObject(o, "items")) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	for (size_t i = 0; o != NULL && i < n; i++) {
		cJSON *e = cJSON_CreateObject(), *err;

		if (e == NULL || !cJSON_AddItemToArray(items, e) ||
		    !cJSON_AddNumberToObject(e, "id", (double)out[i].id))
			o = NULL;
		else if (out[i].status != NULL) {
			if (!cJSON_AddStringToObject(e, "status", out[i].status))
				o = NULL;
		} else if ((err = cJSON_AddObjectToObject(e, "error")) == NULL ||
		    !cJSON_AddStringToObject(err, "code", out[i].code) ||
		    !cJSON_AddStringToObject(err, "message", out[i].message))
			o = NULL;
	}
	hz_reply_object(req, 200, o);
}

void
h_tenancy_phone(struct hz_req *req)
{
	uint64_t id;
	char *phone = NULL;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_tenancy_reveal_phone(&req->ctx, id, &phone);
	hz_reply_revealed(req, rc, "phone", phone);
}

void
h_building_absent(struct hz_req *req)
{
	struct hz_page page = hz_req_page(req);
	struct hz_tenancy *t = NULL;
	uint64_t id;
	size_t n = 0;
	bool more = false;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_tenancies_absent(&req->ctx, id, HZ_OPT_S(req->q[A_MONTH]),
	    &page, &t, &n, &more);
	reply_list(req, rc, t, n, more);
}
