/* Complaints (诉求): file, read, act, list; the categories. */
#include <string.h>

#include "complaints.h"
#include "handlers.h"
#include "render.h"
#include "response.h"
#include "router.h"

#define R (&hz_complaint_rules)

static const char *const yes_no[] = { "true", "false", NULL };
static const struct hz_rule flag = { HZ_F_ENUM, 0, 0,
    "应为 true 或 false", yes_no };

enum { B_CATEGORY, B_TEXT, B_BUILDING, B_PLACE, B_PHOTOS, B_HIDE };
const struct hz_field complaint_create_fields[] = {
	[B_CATEGORY] = { "category", &R->category, HZ_REQUIRED },
	[B_TEXT]     = { "text", &R->text, HZ_REQUIRED },
	[B_BUILDING] = { "building", &hz_rule_id, 0 },
	[B_PLACE]    = { "place", &R->place, 0 },
	[B_PHOTOS]   = { "photos", &R->photos, 0 },
	[B_HIDE]     = { "hide_identity", HZ_RULE(HZ_F_BOOL), 0 },
	{ NULL, NULL, 0 },
};

enum { V_ACTION, V_TEXT, V_RATING, V_ASSIGNEE };
const struct hz_field complaint_event_fields[] = {
	[V_ACTION]   = { "action", &R->action, HZ_REQUIRED },
	[V_TEXT]     = { "text", &R->event_text, 0 },
	[V_RATING]   = { "rating", &R->rating, 0 },
	[V_ASSIGNEE] = { "assignee", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};

enum { Q_STATUS = HZ_Q_PAGE__N, Q_OPEN, Q_OVERDUE, Q_MINE, Q_UNIT,
       Q_BUILDING, Q_CATEGORY };
const struct hz_field complaints_query[] = {
	HZ_PAGE_QUERY,
	[Q_STATUS]   = { "status", &R->status, 0 },
	[Q_OPEN]     = { "open", &flag, 0 },
	[Q_OVERDUE]  = { "overdue", &flag, 0 },
	[Q_MINE]     = { "mine", &flag, 0 },
	[Q_UNIT]     = { "unit", &hz_rule_id, 0 },
	[Q_BUILDING] = { "building", &hz_rule_id, 0 },
	[Q_CATEGORY] = { "category", &R->category, 0 },
	{ NULL, NULL, 0 },
};

enum { K_CODE, K_NAME, K_KIND, K_URGENT, K_RESPOND, K_RESOLVE, K_ACTIVE };
const struct hz_field category_create_fields[] = {
	[K_CODE]    = { "code", &R->cat_code, HZ_REQUIRED },
	[K_NAME]    = { "name", &R->cat_name, HZ_REQUIRED },
	[K_KIND]    = { "kind", &R->cat_kind, HZ_REQUIRED },
	[K_URGENT]  = { "urgent", HZ_RULE(HZ_F_BOOL), 0 },
	[K_RESPOND] = { "respond_minutes", &R->cat_minutes, HZ_REQUIRED },
	[K_RESOLVE] = { "resolve_minutes", &R->cat_minutes, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

enum { U_NAME, U_URGENT, U_ACTIVE, U_RESPOND, U_RESOLVE };
const struct hz_field category_update_fields[] = {
	[U_NAME]    = { "name", &R->cat_name, 0 },
	[U_URGENT]  = { "urgent", HZ_RULE(HZ_F_BOOL), 0 },
	[U_ACTIVE]  = { "active", HZ_RULE(HZ_F_BOOL), 0 },
	[U_RESPOND] = { "respond_minutes", &R->cat_minutes, 0 },
	[U_RESOLVE] = { "resolve_minutes", &R->cat_minutes, 0 },
	{ NULL, NULL, 0 },
};

static cJSON *
category_json(const struct hz_category *k, bool full)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddStringToObject(o, "code", k->code) ||
	    !cJSON_AddStringToObject(o, "name", k->name) ||
	    !cJSON_AddBoolToObject(o, "urgent", k->urgent))
		return NULL;
	if (full && (!cJSON_AddNumberToObject(o, "id", (double)k->id) ||
	    !cJSON_AddStringToObject(o, "kind", k->kind) ||
	    !cJSON_AddNumberToObject(o, "respond_minutes", k->respond_minutes) ||
	    !cJSON_AddNumberToObject(o, "resolve_minutes", k->resolve_minutes) ||
	    !cJSON_AddBoolToObject(o, "active", k->active)))
		return NULL;
	return o;
}

static bool
add_photos(cJSON *o, const struct hz_complaint *c)
{
	cJSON *a = cJSON_AddArrayToObject(o, "photos");

	for (size_t i = 0; a && i < c->nphotos; i++) {
		cJSON *p = cJSON_CreateObject();
		char url[64], thumb[80];

		snprintf(url, sizeof(url), "/api/v1/uploads/%llu",
		    (unsigned long long)c->photos[i]);
		snprintf(thumb, sizeof(thumb), "%s?size=thumb", url);
		if (p == NULL || !cJSON_AddItemToArray(a, p) ||
		    !cJSON_AddNumberToObject(p, "id", (double)c->photos[i]) ||
		    !cJSON_AddStringToObject(p, "url", url) ||
		    !cJSON_AddStringToObject(p, "thumb_url", thumb))
			return false;
	}
	return a != NULL;
}

static bool
add_events(cJSON *o, const struct hz_complaint *c)
{
	cJSON *a = cJSON_AddArrayToObject(o, "events");

	for (size_t i = 0; a && i < c->nevents; i++) {
		const struct hz_complaint_event *e = &c->events[i];
		cJSON *j = cJSON_CreateObject(), *actor, *t;

		if (j == NULL || !cJSON_AddItemToArray(a, j) ||
		    !cJSON_AddNumberToObject(j, "id", (double)e->id) ||
		    !cJSON_AddStringToObject(j, "action", e->action) ||
		    (actor = cJSON_AddObjectToObject(j, "actor")) == NULL ||
		    !hz_json_add_str_or_null(actor, "name", e->actor_name) ||
		    !cJSON_AddStringToObject(actor, "role", e->actor_role) ||
		    !hz_json_add_str_or_null(j, "from", e->from_status) ||
		    !hz_json_add_str_or_null(j, "to", e->to_status) ||
		    !hz_json_add_str_or_null(j, "text", e->text) ||
		    !hz_json_add_num_or_null(j, "rating", e->rating, e->rating) ||
		    !cJSON_AddBoolToObject(j, "public", e->public) ||
		    !cJSON_AddStringToObject(j, "at", e->at))
			return false;
		if (e->target_id == 0) {
			if (!cJSON_AddNullToObject(j, "target"))
				return false;
		} else if ((t = cJSON_AddObjectToObject(j, "target")) == NULL ||
		    !cJSON_AddNumberToObject(t, "id", (double)e->target_id) ||
		    !hz_json_add_str_or_null(t, "name", e->target_name))
			return false;
	}
	return a != NULL;
}

static cJSON *
complaint_json(const struct hz_complaint *c, bool detail)
{
	cJSON *o = cJSON_CreateObject(), *b, *h, *u, *res, *acts;

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)c->id) ||
	    !cJSON_AddStringToObject(o, "status", c->status) ||
	    !cJSON_AddItemToObject(o, "category", category_json(&c->category,
	    false)) ||
	    !cJSON_AddStringToObject(o, "text", c->text) ||
	    !hz_json_add_str_or_null(o, "place", c->place) ||
	    !cJSON_AddBoolToObject(o, "hide_identity", c->hide_identity))
		return NULL;
	if (c->building_id == 0) {
		if (!cJSON_AddNullToObject(o, "building"))
			return NULL;
	} else if ((b = cJSON_AddObjectToObject(o, "building")) == NULL ||
	    !cJSON_AddNumberToObject(b, "id", (double)c->building_id) ||
	    !hz_json_add_str_or_null(b, "name", c->building_name) ||
	    !hz_json_add_str_or_null(b, "address", c->building_address))
		return NULL;
	if (c->resident_name == NULL) {
		if (!cJSON_AddNullToObject(o, "resident"))
			return NULL;
	} else if ((res = cJSON_AddObjectToObject(o, "resident")) == NULL ||
	    !cJSON_AddStringToObject(res, "name", c->resident_name) ||
	    !hz_json_add_str_or_null(res, "phone", c->resident_phone))
		return NULL;
	if ((h = cJSON_AddObjectToObject(o, "handler")) == NULL ||
	    !hz_json_add_num_or_null(h, "id", c->handler_id != 0,
	    (double)c->handler_id) ||
	    !hz_json_add_str_or_null(h, "name", c->handler_name) ||
	    (u = cJSON_AddObjectToObject(h, "unit")) == NULL ||
	    !cJSON_AddNumberToObject(u, "id", (double)c->handler_unit_id) ||
	    !cJSON_AddStringToObject(u, "name", c->handler_unit_name) ||
	    !cJSON_AddStringToObject(u, "kind", c->handler_unit_kind) ||
	    !cJSON_AddStringToObject(o, "created_at", c->created_at) ||
	    !cJSON_AddStringToObject(o, "updated_at", c->updated_at) ||
	    !cJSON_AddStringToObject(o, "respond_due", c->respond_due) ||
	    !cJSON_AddStringToObject(o, "resolve_due", c->resolve_due) ||
	    !hz_json_add_str_or_null(o, "accepted_at", c->accepted_at) ||
	    !hz_json_add_str_or_null(o, "resolved_at", c->resolved_at) ||
	    !hz_json_add_str_or_null(o, "closed_at", c->closed_at) ||
	    !cJSON_AddBoolToObject(o, "overdue", c->overdue) ||
	    !cJSON_AddNumberToObject(o, "escalations", c->escalations) ||
	    !cJSON_AddNumberToObject(o, "reopened", c->reopened) ||
	    !hz_json_add_num_or_null(o, "rating", c->rating, c->rating) ||
	    !cJSON_AddNumberToObject(o, "unread", c->unread) ||
	    !add_photos(o, c) ||
	    (acts = cJSON_AddArrayToObject(o, "actions")) == NULL)
		return NULL;
	for (size_t i = 0; i < c->nactions; i++)
		if (!cJSON_AddItemToArray(acts, cJSON_CreateString(c->actions[i])))
			return NULL;
	if (detail && !add_events(o, c))
		return NULL;
	return o;
}

void
h_complaint_create(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_complaint_input c = {
		.category = in[B_CATEGORY].s, .text = in[B_TEXT].s,
		.building = HZ_OPT_ID(in[B_BUILDING]),
		.place = HZ_OPT_S(in[B_PLACE]),
		.hide_identity = in[B_HIDE].present && in[B_HIDE].b,
		.request_key = req->idempotency_key,
	};
	struct hz_complaint out;
	const cJSON *it;
	enum hz_status rc;

	if (in[B_PHOTOS].present)
		cJSON_ArrayForEach(it, in[B_PHOTOS].node)
			c.photos[c.nphotos++] = (uint64_t)it->valuedouble;
	if ((rc = hz_complaint_submit(&req->ctx, &c, &out)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 201, complaint_json(&out, true));
}

void
h_complaint_get(struct hz_req *req)
{
	struct hz_complaint c;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_complaint_get(&req->ctx, id, &c)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, complaint_json(&c, true));
}

void
h_complaint_event(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_complaint_event_input e = {
		.action = in[V_ACTION].s, .text = HZ_OPT_S(in[V_TEXT]),
		.rating = in[V_RATING].present ? (int)in[V_RATING].i : 0,
		.assignee = HZ_OPT_ID(in[V_ASSIGNEE]),
	};
	struct hz_complaint c;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_complaint_act(&req->ctx, id, &e, &c)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, complaint_json(&c, true));
}

static bool
yes(const struct hz_value *v)
{
	return v->present && strcmp(v->s, "true") == 0;
}

void
h_complaints_list(struct hz_req *req)
{
	const struct hz_value *q = req->q;
	struct hz_complaint_filter f = {
		.status = HZ_OPT_S(q[Q_STATUS]),
		.open = q[Q_OPEN].present ? yes(&q[Q_OPEN]) : -1,
		.overdue = yes(&q[Q_OVERDUE]),
		.assigned_to_me = yes(&q[Q_MINE]),
		.unit = HZ_OPT_ID(q[Q_UNIT]),
		.building = HZ_OPT_ID(q[Q_BUILDING]),
		.category = HZ_OPT_S(q[Q_CATEGORY]),
	};
	struct hz_page page = hz_req_page(req);
	struct hz_complaint *c = NULL;
	size_t n = 0;
	bool more = false;
	cJSON *items;
	enum hz_status rc = hz_complaints_list(&req->ctx, &f, &page, &c, &n,
	    &more);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, complaint_json(&c[i], false)))
			items = NULL;
	hz_reply_object(req, 200, hz_render_page(items, more,
	    n ? c[n - 1].id : 0));
}

void
h_categories_list(struct hz_req *req)
{
	const struct hz_caller *who = req->ctx.caller;
	struct hz_category *k = NULL;
	size_t n = 0;
	cJSON *o, *items;
	enum hz_status rc = hz_categories_list(&req->ctx, who && who->staff, &k,
	    &n);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	o = cJSON_CreateObject();
	items = o ? cJSON_AddArrayToObject(o, "items") : NULL;
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, category_json(&k[i], true)))
			o = NULL, items = NULL;
	hz_reply_object(req, 200, items ? o : NULL);
}

static int
opt_bool(const struct hz_value *v)
{
	return v->present ? v->b : -1;
}

void
h_category_create(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_category_input k = {
		.code = in[K_CODE].s, .name = in[K_NAME].s, .kind = in[K_KIND].s,
		.urgent = opt_bool(&in[K_URGENT]), .active = 1,
		.respond_minutes = (int)in[K_RESPOND].i,
		.resolve_minutes = (int)in[K_RESOLVE].i,
	};
	struct hz_category out;
	enum hz_status rc;

	if ((rc = hz_category_create(&req->ctx, &k, &out)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 201, category_json(&out, true));
}

void
h_category_update(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_category_input k = {
		.name = HZ_OPT_S(in[U_NAME]),
		.urgent = opt_bool(&in[U_URGENT]),
		.active = opt_bool(&in[U_ACTIVE]),
		.respond_minutes = in[U_RESPOND].present ? (int)in[U_RESPOND].i
		    : 0,
		.resolve_minutes = in[U_RESOLVE].present ? (int)in[U_RESOLVE].i
		    : 0,
	};
	struct hz_category out;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_category_update(&req->ctx, id, &k, &out)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, category_json(&out, true));
}

void
h_complaint_assignees(struct hz_req *req)
{
	struct hz_assignee *a = NULL;
	uint64_t id;
	size_t n = 0;
	cJSON *o, *items;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_complaint_assignees(&req->ctx, id, &a, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	o = cJSON_CreateObject();
	items = o ? cJSON_AddArrayToObject(o, "items") : NULL;
	for (size_t i = 0; items && i < n; i++) {
		cJSON *p = cJSON_CreateObject(), *u;

		if (p == NULL || !cJSON_AddItemToArray(items, p) ||
		    !cJSON_AddNumberToObject(p, "id", (double)a[i].id) ||
		    !cJSON_AddStringToObject(p, "name", a[i].name) ||
		    !cJSON_AddStringToObject(p, "role", a[i].role) ||
		    (u = cJSON_AddObjectToObject(p, "unit")) == NULL ||
		    !cJSON_AddNumberToObject(u, "id", (double)a[i].unit_id) ||
		    !cJSON_AddStringToObject(u, "name", a[i].unit_name))
			items = NULL;
	}
	hz_reply_object(req, 200, items ? o : NULL);
}

void
h_complaint_phone(struct hz_req *req)
{
	uint64_t id;
	const char *phone = NULL;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_complaint_phone(&req->ctx, id, &phone);
	hz_reply_revealed(req, rc, "phone", phone);
}
