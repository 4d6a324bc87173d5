/* Statistics of complaints under a unit (core/complaint_stats.h). */
#include "complaint_stats.h"
#include "handlers.h"
#include "render.h"
#include "response.h"

enum { Q_UNIT, Q_FROM, Q_TO };
const struct hz_field stats_query[] = {
	[Q_UNIT] = { "unit", &hz_rule_id, 0 },
	[Q_FROM] = { "from", &hz_rule_date, 0 },
	[Q_TO]   = { "to", &hz_rule_date, 0 },
	{ NULL, NULL, 0 },
};

/* The numbers a unit and each child share. */
static bool
add_rates(cJSON *o, const struct hz_complaint_rates *r)
{
	return cJSON_AddNumberToObject(o, "received", (double)r->received) &&
	    cJSON_AddNumberToObject(o, "rated", (double)r->rated) &&
	    hz_json_add_num_or_null(o, "response_rate", r->has_response,
	    r->response_rate) &&
	    hz_json_add_num_or_null(o, "resolution_rate", r->has_resolution,
	    r->resolution_rate) &&
	    hz_json_add_num_or_null(o, "satisfaction_rate", r->has_satisfaction,
	    r->satisfaction_rate) &&
	    hz_json_add_num_or_null(o, "median_accept_minutes", r->has_accept_median,
	    r->median_accept_minutes) &&
	    hz_json_add_num_or_null(o, "median_resolve_minutes",
	    r->has_resolve_median, r->median_resolve_minutes);
}

static cJSON *
unit_json(const struct hz_complaint_rates *r)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)r->unit_id) ||
	    !cJSON_AddStringToObject(o, "name", r->name) ||
	    !cJSON_AddStringToObject(o, "kind", r->kind))
		return NULL;
	return o;
}

static cJSON *
stats_json(const struct hz_complaint_stats *s)
{
	cJSON *o = cJSON_CreateObject(), *st, *cats, *days, *kids;

	if (o == NULL || !cJSON_AddItemToObject(o, "unit", unit_json(&s->unit)) ||
	    !cJSON_AddStringToObject(o, "from", s->from) ||
	    !cJSON_AddStringToObject(o, "to", s->to) || !add_rates(o, &s->unit) ||
	    (st = cJSON_AddObjectToObject(o, "by_status")) == NULL ||
	    (cats = cJSON_AddArrayToObject(o, "by_category")) == NULL ||
	    (days = cJSON_AddArrayToObject(o, "per_day")) == NULL ||
	    (kids = cJSON_AddArrayToObject(o, "children")) == NULL)
		return NULL;
	for (size_t i = 0; i < s->nstatus; i++)
		if (!cJSON_AddNumberToObject(st, s->by_status[i].key,
		    (double)s->by_status[i].n))
			return NULL;
	for (size_t i = 0; i < s->ncategory; i++) {
		cJSON *c = cJSON_CreateObject();

		if (c == NULL || !cJSON_AddItemToArray(cats, c) ||
		    !cJSON_AddStringToObject(c, "code", s->by_category[i].key) ||
		    !cJSON_AddStringToObject(c, "name", s->by_category[i].name) ||
		    !cJSON_AddNumberToObject(c, "count",
		    (double)s->by_category[i].n))
			return NULL;
	}
	for (size_t i = 0; i < s->ndays; i++) {
		cJSON *d = cJSON_CreateObject();

		if (d == NULL || !cJSON_AddItemToArray(days, d) ||
		    !cJSON_AddStringToObject(d, "date", s->per_day[i].key) ||
		    !cJSON_AddNumberToObject(d, "count", (double)s->per_day[i].n))
			return NULL;
	}
	for (size_t i = 0; i < s->nchildren; i++) {
		cJSON *k = unit_json(&s->children[i]);

		if (k == NULL || !cJSON_AddItemToArray(kids, k) ||
		    !add_rates(k, &s->children[i]))
			return NULL;
	}
	return o;
}

void
h_stats_complaints(struct hz_req *req)
{
	struct hz_complaint_stats s;
	enum hz_status rc;

	rc = hz_complaint_stats(&req->ctx, HZ_OPT_ID(req->q[Q_UNIT]),
	    HZ_OPT_S(req->q[Q_FROM]), HZ_OPT_S(req->q[Q_TO]), &s);
	if (rc)
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, stats_json(&s));
}
