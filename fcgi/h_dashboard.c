/* The village dashboard (core/dashboard.h): JSON and CSV. */
#include <stdio.h>

#include "dashboard.h"
#include "handlers.h"
#include "log.h"
#include "render.h"
#include "response.h"

enum { Q_UNIT, Q_FROM, Q_TO };
const struct hz_field dashboard_query[] = {
	[Q_UNIT] = { "unit", &hz_rule_id, 0 },
	[Q_FROM] = { "from", &hz_rule_date, 0 },
	[Q_TO]   = { "to", &hz_rule_date, 0 },
	{ NULL, NULL, 0 },
};

static cJSON *
obj(cJSON *parent, const char *name)
{
	return cJSON_AddObjectToObject(parent, name);
}

static bool
n(cJSON *o, const char *name, long long v)
{
	return cJSON_AddNumberToObject(o, name, (double)v) != NULL;
}

static cJSON *
row_json(const struct hz_dash_row *w)
{
	const struct hz_complaint_rates *c = &w->complaints;
	cJSON *o = cJSON_CreateObject(), *u, *t, *k, *p, *l, *d;

	if (o == NULL || (u = obj(o, "unit")) == NULL ||
	    !n(u, "id", (long long)w->unit_id) ||
	    !cJSON_AddStringToObject(u, "name", w->name) ||
	    !cJSON_AddStringToObject(u, "kind", w->kind) ||
	    (t = obj(o, "renters")) == NULL || !n(t, "active", w->active) ||
	    !n(t, "pending", w->pending) || !n(t, "overdue", w->overdue) ||
	    (k = obj(o, "checkins")) == NULL ||
	    !n(k, "residence", w->residence) || !n(k, "patrol", w->patrol) ||
	    (p = obj(o, "complaints")) == NULL ||
	    !n(p, "received", c->received) || !n(p, "resolved", c->resolved) ||
	    !hz_json_add_num_or_null(p, "response_rate", c->has_response,
	    c->response_rate) ||
	    !hz_json_add_num_or_null(p, "resolution_rate", c->has_resolution,
	    c->resolution_rate) ||
	    !hz_json_add_num_or_null(p, "satisfaction_rate",
	    c->has_satisfaction, c->satisfaction_rate) ||
	    (l = obj(o, "checklist")) == NULL || !n(l, "lists", w->lists) ||
	    !n(l, "completed", w->completed) ||
	    !hz_json_add_num_or_null(l, "rate", w->has_checklist_rate,
	    w->checklist_rate) ||
	    (d = obj(o, "directives")) == NULL ||
	    !n(d, "receipts", w->receipts) || !n(d, "read", w->read) ||
	    !n(d, "needs_done", w->needs_done) || !n(d, "done", w->done) ||
	    !hz_json_add_num_or_null(d, "read_rate", w->has_read_rate,
	    w->read_rate) ||
	    !hz_json_add_num_or_null(d, "done_rate", w->has_done_rate,
	    w->done_rate) ||
	    !n(o, "volunteer_minutes", w->volunteer_minutes))
		return NULL;
	return o;
}

static cJSON *
dashboard_json(const struct hz_dashboard *s)
{
	cJSON *o = cJSON_CreateObject(), *u, *w, *kids;

	if (o == NULL || (u = obj(o, "unit")) == NULL ||
	    !n(u, "id", (long long)s->total.unit_id) ||
	    !cJSON_AddStringToObject(u, "name", s->total.name) ||
	    !cJSON_AddStringToObject(u, "kind", s->total.kind) ||
	    !cJSON_AddStringToObject(o, "from", s->from) ||
	    !cJSON_AddStringToObject(o, "to", s->to) ||
	    (w = obj(o, "week")) == NULL ||
	    !cJSON_AddStringToObject(w, "from", s->week_from) ||
	    !cJSON_AddStringToObject(w, "to", s->week_to) ||
	    !cJSON_AddStringToObject(o, "month", s->month) ||
	    !cJSON_AddItemToObject(o, "total", row_json(&s->total)) ||
	    (kids = cJSON_AddArrayToObject(o, "children")) == NULL)
		return NULL;
	for (size_t i = 0; i < s->nchildren; i++)
		if (!cJSON_AddItemToArray(kids, row_json(&s->children[i])))
			return NULL;
	return o;
}

void
h_dashboard(struct hz_req *req)
{
	struct hz_dashboard s;
	enum hz_status rc;
	cJSON *o;

	rc = hz_dashboard(&req->ctx, HZ_OPT_ID(req->q[Q_UNIT]),
	    HZ_OPT_S(req->q[Q_FROM]), HZ_OPT_S(req->q[Q_TO]), &s);
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	o = dashboard_json(&s);
	hz_reply_object(req, 200, o);
}

/* The file goes out as core hands over its lines: the status and headers
 * with the first (the header row, once every check passed), then each
 * row. */
struct csv_out {
	struct hz_req *req;
	bool           started;
};

static enum hz_status
csv_row(void *arg, const char *line, size_t len)
{
	struct csv_out *o = arg;

	if (!o->started) {
		hz_reply_header(o->req, "Content-Disposition",
		    "attachment; filename=\"dashboard.csv\"");
		hz_reply_stream_start(o->req, 200, "text/csv; charset=utf-8");
		o->started = true;
	}
	return hz_reply_stream_write(o->req, line, len);
}

void
h_dashboard_csv(struct hz_req *req)
{
	struct csv_out o = { req, false };
	enum hz_status rc;

	rc = hz_dashboard_csv(&req->ctx, HZ_OPT_ID(req->q[Q_UNIT]),
	    HZ_OPT_S(req->q[Q_FROM]), HZ_OPT_S(req->q[Q_TO]), csv_row, &o);
	if (rc && !o.started)
		hz_reply_status(req, rc);
	else if (rc)
		/* Too late for another status: the file is cut short. */
		hz_error("csv cut short", "status=%s rid=%s", hz_status_str(rc),
		    req->request_id ? req->request_id : "-");
}
