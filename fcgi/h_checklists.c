/* The monthly checklists (栋长月度工作清单): templates, lists, ticks,
 * the summary per child unit, reminders; and the staff home's todo. */
#include <stdio.h>
#include <string.h>

#include "checklists.h"
#include "handlers.h"
#include "home.h"
#include "render.h"
#include "response.h"
#include "router.h"

#define R (&hz_checklist_rules)

enum { TQ_AFTER, TQ_LIMIT };
const struct hz_field checklist_templates_query[] = {
	[TQ_AFTER] = { "after", &R->month, 0 },
	[TQ_LIMIT] = { "limit", &hz_rule_page_limit, 0 },
	{ NULL, NULL, 0 },
};

enum { P_TITLE, P_ITEMS };
const struct hz_field checklist_template_fields[] = {
	[P_TITLE] = { "title", &R->title, HZ_REQUIRED },
	[P_ITEMS] = { "items", &R->items, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

enum { LQ_MONTH = HZ_Q_PAGE__N, LQ_UNIT };
const struct hz_field checklists_query[] = {
	HZ_PAGE_QUERY,
	[LQ_MONTH] = { "month", &R->month, 0 },
	[LQ_UNIT]  = { "unit", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};

enum { SQ_UNIT, SQ_MONTH };
const struct hz_field checklist_summary_query[] = {
	[SQ_UNIT]  = { "unit", &hz_rule_id, 0 },
	[SQ_MONTH] = { "month", &R->month, 0 },
	{ NULL, NULL, 0 },
};

enum { K_STATUS, K_NOTE, K_PHOTO, K_COMPLAINT };
const struct hz_field checklist_tick_fields[] = {
	[K_STATUS]    = { "status", &R->status, HZ_REQUIRED },
	[K_NOTE]      = { "note", &R->note, 0 },
	[K_PHOTO]     = { "photo", &R->photo, 0 },
	[K_COMPLAINT] = { "complaint", &R->complaint, 0 },
	{ NULL, NULL, 0 },
};

enum { M_UNIT, M_MONTH };
const struct hz_field checklist_remind_fields[] = {
	[M_UNIT]  = { "unit_id", &hz_rule_id, HZ_REQUIRED },
	[M_MONTH] = { "month", &R->month, 0 },
	{ NULL, NULL, 0 },
};

/* ---- Templates ---- */

static cJSON *
template_json(const struct hz_checklist_template *t, bool full)
{
	cJSON *o = cJSON_CreateObject(), *a;

	if (o == NULL || !cJSON_AddStringToObject(o, "month", t->month) ||
	    !cJSON_AddStringToObject(o, "title", t->title) ||
	    !hz_json_add_str_or_null(o, "issued_at", t->issued_at))
		return NULL;
	if (!full)
		return cJSON_AddNumberToObject(o, "items", (double)t->nitems)
		    ? o : NULL;
	if (!cJSON_AddNumberToObject(o, "revision", (double)t->revision) ||
	    (a = cJSON_AddArrayToObject(o, "items")) == NULL)
		return NULL;
	for (size_t i = 0; i < t->nitems; i++) {
		const struct hz_checklist_item *it = &t->items[i];
		cJSON *j = cJSON_CreateObject();

		if (j == NULL || !cJSON_AddItemToArray(a, j) ||
		    !cJSON_AddNumberToObject(j, "position", it->position) ||
		    !cJSON_AddStringToObject(j, "title", it->title) ||
		    !hz_json_add_str_or_null(j, "hint", it->hint) ||
		    !cJSON_AddBoolToObject(j, "photo_required",
		    it->photo_required))
			return NULL;
	}
	return o;
}

void
h_checklist_templates_list(struct hz_req *req)
{
	const struct hz_value *q = req->q;
	int limit = q[TQ_LIMIT].present ? (int)q[TQ_LIMIT].i : HZ_PAGE_DEFAULT;
	struct hz_checklist_template *t = NULL;
	size_t n = 0;
	bool more = false;
	cJSON *o, *items;
	enum hz_status rc = hz_checklist_templates_list(&req->ctx,
	    HZ_OPT_S(q[TQ_AFTER]), limit, &t, &n, &more);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	o = cJSON_CreateObject();
	items = o ? cJSON_AddArrayToObject(o, "items") : NULL;
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, template_json(&t[i], false)))
			items = NULL;
	if (items == NULL || !(more && n ? cJSON_AddStringToObject(o, "next",
	    t[n - 1].month) != NULL : cJSON_AddNullToObject(o, "next") != NULL))
		o = NULL;
	hz_reply_object(req, 200, o);
}

void
h_checklist_template_get(struct hz_req *req)
{
	struct hz_checklist_template t;
	enum hz_status rc = hz_checklist_template_get(&req->ctx,
	    hz_param(req, "month"), &t);

	if (rc)
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, template_json(&t, true));
}

void
h_checklist_template_put(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_checklist_template_input t = { .title = in[P_TITLE].s };
	struct hz_checklist_template out;
	const cJSON *it;
	bool created = false;
	enum hz_status rc;

	cJSON_ArrayForEach(it, in[P_ITEMS].node) {
		struct hz_checklist_item *i;
		const cJSON *hint = cJSON_GetObjectItemCaseSensitive(it, "hint");

		if (t.nitems == HZ_CHECKLIST_ITEMS_MAX)
			break;
		i = &t.items[t.nitems++];
		i->title = cJSON_GetObjectItemCaseSensitive(it, "title")
		    ->valuestring;
		i->hint = cJSON_IsString(hint) ? hint->valuestring : NULL;
		i->photo_required = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(it, "photo_required"));
	}
	if ((rc = hz_checklist_template_put(&req->ctx, hz_param(req, "month"),
	    &t, &out, &created)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, created ? 201 : 200,
		    template_json(&out, true));
}

/* ---- Lists ---- */

/* {id, kind, url, thumb_url}: a photo. */
static bool
add_photo(cJSON *o, const char *name, uint64_t id)
{
	cJSON *p;
	char url[64], thumb[80];

	if (id == 0)
		return cJSON_AddNullToObject(o, name) != NULL;
	snprintf(url, sizeof(url), "/api/v1/uploads/%llu",
	    (unsigned long long)id);
	snprintf(thumb, sizeof(thumb), "%s?size=thumb", url);
	return (p = cJSON_AddObjectToObject(o, name)) != NULL &&
	    cJSON_AddNumberToObject(p, "id", (double)id) &&
	    cJSON_AddStringToObject(p, "kind", "photo") &&
	    cJSON_AddStringToObject(p, "url", url) &&
	    cJSON_AddStringToObject(p, "thumb_url", thumb);
}

static bool
add_entries(cJSON *o, const struct hz_checklist *c)
{
	cJSON *a = cJSON_AddArrayToObject(o, "entries");

	for (size_t i = 0; a && i < c->nentries; i++) {
		const struct hz_checklist_entry *e = &c->entries[i];
		cJSON *j = cJSON_CreateObject(), *by;

		if (j == NULL || !cJSON_AddItemToArray(a, j) ||
		    !cJSON_AddNumberToObject(j, "position", e->position) ||
		    !cJSON_AddStringToObject(j, "title", e->title) ||
		    !hz_json_add_str_or_null(j, "hint", e->hint) ||
		    !cJSON_AddBoolToObject(j, "photo_required",
		    e->photo_required) ||
		    !cJSON_AddStringToObject(j, "status", e->status) ||
		    !hz_json_add_str_or_null(j, "note", e->note) ||
		    !add_photo(j, "photo", e->photo) ||
		    !hz_json_add_num_or_null(j, "complaint_id",
		    e->complaint_id != 0, (double)e->complaint_id) ||
		    !hz_json_add_str_or_null(j, "done_at", e->done_at))
			return false;
		if (e->done_by == 0) {
			if (!cJSON_AddNullToObject(j, "done_by"))
				return false;
		} else if ((by = cJSON_AddObjectToObject(j, "done_by")) == NULL ||
		    !cJSON_AddNumberToObject(by, "id", (double)e->done_by) ||
		    !hz_json_add_str_or_null(by, "name", e->done_by_name))
			return false;
	}
	return a != NULL;
}

static cJSON *
checklist_json(const struct hz_checklist *c, bool full)
{
	cJSON *o = cJSON_CreateObject(), *b;

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)c->id) ||
	    !cJSON_AddStringToObject(o, "month", c->month) ||
	    !cJSON_AddStringToObject(o, "title", c->title) ||
	    (b = cJSON_AddObjectToObject(o, "building")) == NULL ||
	    !cJSON_AddNumberToObject(b, "id", (double)c->building_id) ||
	    !cJSON_AddStringToObject(b, "name", c->building_name) ||
	    !hz_json_add_str_or_null(b, "lane", c->lane) ||
	    !hz_json_add_str_or_null(b, "door_no", c->door_no) ||
	    !cJSON_AddNumberToObject(o, "items", c->items) ||
	    !cJSON_AddNumberToObject(o, "items_done", c->items_done) ||
	    !cJSON_AddNumberToObject(o, "problems", c->problems) ||
	    !cJSON_AddStringToObject(o, "due_at", c->due_at) ||
	    !hz_json_add_str_or_null(o, "completed_at", c->completed_at) ||
	    !cJSON_AddBoolToObject(o, "overdue", c->overdue))
		return NULL;
	if (full && !add_entries(o, c))
		return NULL;
	return o;
}

void
h_checklists_list(struct hz_req *req)
{
	const struct hz_value *q = req->q;
	struct hz_checklist_filter f = { .month = HZ_OPT_S(q[LQ_MONTH]),
	    .unit = HZ_OPT_ID(q[LQ_UNIT]) };
	struct hz_page page = hz_req_page(req);
	struct hz_checklist *c = NULL;
	size_t n = 0;
	bool more = false;
	cJSON *items;
	enum hz_status rc = hz_checklists_list(&req->ctx, &f, &page, &c, &n,
	    &more);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, checklist_json(&c[i], false)))
			items = NULL;
	hz_reply_object(req, 200, hz_render_page(items, more,
	    n ? c[n - 1].id : 0));
}

void
h_checklist_get(struct hz_req *req)
{
	struct hz_checklist c;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_checklist_get(&req->ctx, id, &c)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, checklist_json(&c, true));
}

void
h_checklist_tick(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_checklist_tick t = { .status = in[K_STATUS].s,
	    .note = HZ_OPT_S(in[K_NOTE]), .photo = HZ_OPT_ID(in[K_PHOTO]) };
	struct hz_checklist c;
	uint64_t id, position;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id) || !hz_path_id(req, "position",
	    &position))
		return;
	if (in[K_COMPLAINT].present)
		t.complaint_category = (uint64_t)cJSON_GetObjectItemCaseSensitive(
		    in[K_COMPLAINT].node, "category_id")->valuedouble;
	if ((rc = hz_checklist_tick(&req->ctx, id, position > 100 ? 0
	    : (int)position, &t, &c)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, checklist_json(&c, true));
}

static cJSON *
counts_json(const struct hz_checklist_counts *k, bool unit)
{
	cJSON *o = cJSON_CreateObject(), *u;

	if (o == NULL)
		return NULL;
	if (unit && ((u = cJSON_AddObjectToObject(o, "unit")) == NULL ||
	    !cJSON_AddNumberToObject(u, "id", (double)k->unit_id) ||
	    !cJSON_AddStringToObject(u, "name", k->name) ||
	    !cJSON_AddStringToObject(u, "kind", k->kind) ||
	    (strcmp(k->kind, "building") == 0 && !hz_json_add_num_or_null(o,
	    "checklist_id", k->checklist_id != 0, (double)k->checklist_id))))
		return NULL;
	if (!cJSON_AddNumberToObject(o, "lists", (double)k->lists) ||
	    !cJSON_AddNumberToObject(o, "completed", (double)k->completed) ||
	    !cJSON_AddNumberToObject(o, "items", (double)k->items) ||
	    !cJSON_AddNumberToObject(o, "items_done", (double)k->items_done) ||
	    !cJSON_AddNumberToObject(o, "problems", (double)k->problems) ||
	    !cJSON_AddNumberToObject(o, "overdue", (double)k->overdue))
		return NULL;
	return o;
}

void
h_checklist_summary(struct hz_req *req)
{
	const struct hz_value *q = req->q;
	struct hz_checklist_summary s;
	cJSON *o, *u, *a;
	enum hz_status rc = hz_checklist_summary(&req->ctx,
	    HZ_OPT_ID(q[SQ_UNIT]), HZ_OPT_S(q[SQ_MONTH]), &s);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    (u = cJSON_AddObjectToObject(o, "unit")) == NULL ||
	    !cJSON_AddNumberToObject(u, "id", (double)s.total.unit_id) ||
	    !cJSON_AddStringToObject(u, "name", s.total.name) ||
	    !cJSON_AddStringToObject(u, "kind", s.total.kind) ||
	    !cJSON_AddStringToObject(o, "month", s.month) ||
	    !cJSON_AddBoolToObject(o, "issued", s.issued) ||
	    !cJSON_AddItemToObject(o, "total", counts_json(&s.total, false)) ||
	    (a = cJSON_AddArrayToObject(o, "children")) == NULL)
		o = NULL;
	for (size_t i = 0; o && i < s.nchildren; i++)
		if (!cJSON_AddItemToArray(a, counts_json(&s.children[i], true)))
			o = NULL;
	hz_reply_object(req, 200, o);
}

void
h_checklists_remind(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	long long n = 0;
	cJSON *o;
	enum hz_status rc = hz_checklists_remind(&req->ctx,
	    (uint64_t)in[M_UNIT].i, HZ_OPT_S(in[M_MONTH]), &n);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddNumberToObject(o, "reminded", (double)n))
		o = NULL;
	hz_reply_object(req, 200, o);
}

/* ---- The staff home ---- */

static cJSON *
todo_item(cJSON *items, const char *key, long long count)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddItemToArray(items, o) ||
	    !cJSON_AddStringToObject(o, "key", key) ||
	    !cJSON_AddNumberToObject(o, "count", (double)count))
		return NULL;
	return o;
}

void
h_todo(struct hz_req *req)
{
	struct hz_todo t;
	cJSON *o, *items, *it, *lists;
	enum hz_status rc = hz_todo(&req->ctx, &t);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    (items = cJSON_AddArrayToObject(o, "items")) == NULL) {
		hz_reply_object(req, 200, NULL);
		return;
	}
	if ((it = todo_item(items, "registrations", t.registrations)) == NULL ||
	    !cJSON_AddNumberToObject(it, "overdue",
	    (double)t.registrations_overdue) ||
	    (it = todo_item(items, "directives", t.directives)) == NULL ||
	    !cJSON_AddNumberToObject(it, "unread",
	    (double)t.directives_unread) ||
	    !cJSON_AddNumberToObject(it, "undone",
	    (double)t.directives_undone) ||
	    (it = todo_item(items, "checklist", t.checklist)) == NULL ||
	    !cJSON_AddStringToObject(it, "month", t.month) ||
	    (lists = cJSON_AddArrayToObject(it, "lists")) == NULL)
		o = NULL;
	for (size_t i = 0; o && i < t.nlists; i++) {
		const struct hz_todo_list *l = &t.lists[i];
		cJSON *j = cJSON_CreateObject(), *b;

		if (j == NULL || !cJSON_AddItemToArray(lists, j) ||
		    !cJSON_AddNumberToObject(j, "id", (double)l->id) ||
		    (b = cJSON_AddObjectToObject(j, "building")) == NULL ||
		    !cJSON_AddNumberToObject(b, "id", (double)l->building_id) ||
		    !cJSON_AddStringToObject(b, "name", l->building_name) ||
		    !cJSON_AddNumberToObject(j, "left", l->left))
			o = NULL;
	}
	if (o && ((it = todo_item(items, "complaints", t.complaints)) == NULL ||
	    !cJSON_AddNumberToObject(it, "overdue",
	    (double)t.complaints_overdue)))
		o = NULL;
	hz_reply_object(req, 200, o);
}
