/* Volunteer shifts: the week's list, publishing and editing (the
 * station's manager), signing up and withdrawing, the roster, and the
 * volunteer's own sign-ups and hours. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "handlers.h"
#include "render.h"
#include "response.h"
#include "shifts.h"

#define R (&hz_shift_rules)
enum { C_STATION, C_TITLE, C_DESCRIPTION, C_REQUIREMENTS, C_STARTS, C_ENDS,
       C_CAPACITY, C_SIGNUP_DL, C_CANCEL_DL, C_EVERY, C_COUNT };
const struct hz_field shift_create_fields[] = {
	[C_STATION]      = { "station_id", &hz_rule_id, HZ_REQUIRED },
	[C_TITLE]        = { "title", &R->title, HZ_REQUIRED },
	[C_DESCRIPTION]  = { "description", &R->description, 0 },
	[C_REQUIREMENTS] = { "requirements", &R->requirements, 0 },
	[C_STARTS]       = { "starts_at", &R->time, HZ_REQUIRED },
	[C_ENDS]         = { "ends_at", &R->time, HZ_REQUIRED },
	[C_CAPACITY]     = { "capacity", &R->capacity, HZ_REQUIRED },
	[C_SIGNUP_DL]    = { "signup_deadline", &R->time, 0 },
	[C_CANCEL_DL]    = { "cancel_deadline", &R->time, 0 },
	[C_EVERY]        = { "repeat_every", &R->every, 0 },
	[C_COUNT]        = { "repeat_count", &R->count, 0 },
	{ NULL, NULL, 0 },
};

enum { E_TITLE, E_DESCRIPTION, E_REQUIREMENTS, E_STARTS, E_ENDS, E_CAPACITY,
       E_SIGNUP_DL, E_CANCEL_DL };
const struct hz_field shift_update_fields[] = {
	[E_TITLE]        = { "title", &R->title, 0 },
	[E_DESCRIPTION]  = { "description", &R->description, 0 },
	[E_REQUIREMENTS] = { "requirements", &R->requirements, 0 },
	[E_STARTS]       = { "starts_at", &R->time, 0 },
	[E_ENDS]         = { "ends_at", &R->time, 0 },
	[E_CAPACITY]     = { "capacity", &R->capacity, 0 },
	[E_SIGNUP_DL]    = { "signup_deadline", &R->time, 0 },
	[E_CANCEL_DL]    = { "cancel_deadline", &R->time, 0 },
	{ NULL, NULL, 0 },
};

const struct hz_field shift_cancel_fields[] = {
	{ "reason", &R->reason, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};
#undef R

enum { L_STATION, L_FROM, L_TO };
const struct hz_field shifts_query[] = {
	[L_STATION] = { "station", &hz_rule_id, 0 },
	[L_FROM]    = { "from", &hz_rule_time, 0 },
	[L_TO]      = { "to", &hz_rule_time, 0 },
	{ NULL, NULL, 0 },
};

enum { V_FROM, V_TO };
const struct hz_field volunteer_hours_query[] = {
	[V_FROM] = { "from", &hz_rule_date, 0 },
	[V_TO]   = { "to", &hz_rule_date, 0 },
	{ NULL, NULL, 0 },
};

static void
reply_shift(struct hz_req *req, enum hz_status rc, const struct hz_shift *s,
            int status)
{
	if (rc)
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, status, hz_render_shift(s));
}

/* {"items":[shift...]} plus, for a list, "truncated". */
static cJSON *
shifts_json(const struct hz_shift *s, size_t n, const bool *truncated)
{
	cJSON *o = cJSON_CreateObject(), *items;

	if (o == NULL || (items = cJSON_AddArrayToObject(o, "items")) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!cJSON_AddItemToArray(items, hz_render_shift(&s[i])))
			return NULL;
	if (truncated != NULL && !cJSON_AddBoolToObject(o, "truncated",
	    *truncated))
		return NULL;
	return o;
}

void
h_shifts_list(struct hz_req *req)
{
	struct hz_shift *s = NULL;
	size_t n = 0;
	bool truncated = false;
	time_t from, to;
	enum hz_status rc;

	/* By default the week from the start of today (Shanghai). */
	from = req->q[L_FROM].present ? (time_t)req->q[L_FROM].i
	    : hz_local_day(hz_local_date(req->ctx.now), 0);
	to = req->q[L_TO].present ? (time_t)req->q[L_TO].i : from + 7 * 86400;
	rc = hz_shifts_list(&req->ctx, HZ_OPT_ID(req->q[L_STATION]), from, to,
	    &s, &n, &truncated);
	if (rc)
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, shifts_json(s, n, &truncated));
}

void
h_shift_create(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_shift_new sn = {
		.station_id = (uint64_t)in[C_STATION].i,
		.title = in[C_TITLE].s,
		.description = HZ_OPT_S(in[C_DESCRIPTION]),
		.requirements = HZ_OPT_S(in[C_REQUIREMENTS]),
		.starts_at = (time_t)in[C_STARTS].i,
		.ends_at = (time_t)in[C_ENDS].i,
		.signup_deadline = in[C_SIGNUP_DL].present
		    ? (time_t)in[C_SIGNUP_DL].i : 0,
		.cancel_deadline = in[C_CANCEL_DL].present
		    ? (time_t)in[C_CANCEL_DL].i : 0,
		.capacity = (int)in[C_CAPACITY].i,
		.every = HZ_OPT_S(in[C_EVERY]),
		.count = in[C_COUNT].present ? (int)in[C_COUNT].i : 1,
	};
	struct hz_shift *s = NULL;
	size_t n = 0;
	enum hz_status rc = hz_shift_create(&req->ctx, &sn, &s, &n);

	if (rc)
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 201, shifts_json(s, n, NULL));
}

void
h_shift_get(struct hz_req *req)
{
	struct hz_shift s;
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_shift(req, hz_shift_get(&req->ctx, id, &s), &s, 200);
}

void
h_shift_update(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_shift_edit e = {
		.title = HZ_OPT_S(in[E_TITLE]),
		.description = HZ_OPT_S(in[E_DESCRIPTION]),
		.requirements = HZ_OPT_S(in[E_REQUIREMENTS]),
		.starts_at = in[E_STARTS].present ? (time_t)in[E_STARTS].i : 0,
		.ends_at = in[E_ENDS].present ? (time_t)in[E_ENDS].i : 0,
		.signup_deadline = in[E_SIGNUP_DL].present
		    ? (time_t)in[E_SIGNUP_DL].i : 0,
		.cancel_deadline = in[E_CANCEL_DL].present
		    ? (time_t)in[E_CANCEL_DL].i : 0,
		.capacity = in[E_CAPACITY].present ? (int)in[E_CAPACITY].i : 0,
	};
	struct hz_shift s;
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_shift(req, hz_shift_update(&req->ctx, id, &e, &s), &s,
		    200);
}

void
h_shift_cancel(struct hz_req *req)
{
	struct hz_shift s;
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_shift(req, hz_shift_cancel(&req->ctx, id, req->in[0].s,
		    &s), &s, 200);
}

void
h_shift_signup(struct hz_req *req)
{
	struct hz_shift s;
	bool created = false;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_shift_signup(&req->ctx, id, &s, &created);
	/* A new place is 201; asking again while holding one is 200. */
	reply_shift(req, rc, &s, created ? 201 : 200);
}

void
h_shift_withdraw(struct hz_req *req)
{
	struct hz_shift s;
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_shift(req, hz_shift_withdraw(&req->ctx, id, &s), &s, 200);
}

void
h_shift_remove(struct hz_req *req)
{
	struct hz_shift s;
	uint64_t id, signup;

	if (hz_path_id(req, "id", &id) && hz_path_id(req, "signup_id", &signup))
		reply_shift(req, hz_shift_remove(&req->ctx, id, signup, &s), &s,
		    200);
}

static cJSON *
roster_entry_json(const struct hz_roster_entry *e)
{
	cJSON *o = cJSON_CreateObject(), *u;
	bool waiting = strcmp(e->status, "waiting") == 0;

	if (o == NULL ||
	    !cJSON_AddNumberToObject(o, "signup_id", (double)e->signup_id) ||
	    (u = cJSON_AddObjectToObject(o, "user")) == NULL ||
	    !cJSON_AddNumberToObject(u, "id", (double)e->user_id) ||
	    !hz_json_add_str_or_null(u, "name", e->name) ||
	    !hz_json_add_str_or_null(u, "phone_masked", e->phone_masked) ||
	    !cJSON_AddStringToObject(o, "status", e->status) ||
	    !hz_json_add_num_or_null(o, "position", waiting && e->position > 0,
	    e->position) ||
	    !hz_json_add_str_or_null(o, "signed_up_at", e->signed_up_at) ||
	    !hz_json_add_str_or_null(o, "checked_in_at", e->checked_in_at) ||
	    !hz_json_add_str_or_null(o, "checked_out_at", e->checked_out_at) ||
	    !hz_json_add_num_or_null(o, "minutes", e->minutes >= 0, e->minutes))
		return NULL;
	return o;
}

void
h_shift_roster(struct hz_req *req)
{
	struct hz_shift s;
	struct hz_roster_entry *e = NULL;
	size_t n = 0;
	uint64_t id;
	cJSON *o, *items;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_shift_roster(&req->ctx, id, &s, &e, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddItemToObject(o, "shift", hz_render_shift(&s)) ||
	    (items = cJSON_AddArrayToObject(o, "items")) == NULL)
		o = NULL;
	for (size_t i = 0; o != NULL && i < n; i++)
		if (!cJSON_AddItemToArray(items, roster_entry_json(&e[i])))
			o = NULL;
	hz_reply_object(req, 200, o);
}

void
h_my_signups(struct hz_req *req)
{
	struct hz_page page = hz_req_page(req);
	struct hz_signup *su = NULL;
	size_t n = 0;
	bool more = false;
	cJSON *items;
	enum hz_status rc;

	rc = hz_my_signups(&req->ctx, &page, &su, &n, &more);
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		if (e == NULL || !cJSON_AddItemToArray(items, e) ||
		    !cJSON_AddNumberToObject(e, "id", (double)su[i].id) ||
		    !cJSON_AddItemToObject(e, "shift",
		    hz_render_shift(&su[i].shift)))
			items = NULL;
	}
	hz_reply_object(req, 200, hz_render_page(items, more,
	    n ? su[n - 1].id : 0));
}

/* One part of the hours: by station or by month. */
static cJSON *
hours_part_json(const struct hz_hours_part *p, bool station)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	if (station ? !cJSON_AddItemToObject(o, "station",
	    hz_render_station_ref(p->station_id, p->station_name))
	    : !cJSON_AddStringToObject(o, "month", p->month ? p->month : ""))
		return NULL;
	if (!cJSON_AddNumberToObject(o, "minutes", (double)p->minutes) ||
	    !cJSON_AddNumberToObject(o, "shifts", (double)p->shifts))
		return NULL;
	return o;
}

/* minutes / 60, rounded to 2 decimals. */
static double
hours_of(long long minutes)
{
	return (double)((minutes * 100 + 30) / 60) / 100.0;
}

void
h_my_hours(struct hz_req *req)
{
	struct hz_hours h;
	time_t from = 0, to = 0;
	cJSON *o, *st, *mo;
	enum hz_status rc;

	/* Shanghai days, `to` inclusive. */
	if (req->q[V_FROM].present)
		from = hz_local_day(hz_date_parse(req->q[V_FROM].s), 0);
	if (req->q[V_TO].present)
		to = hz_local_day(hz_date_parse(req->q[V_TO].s), 1);
	memset(&h, 0, sizeof(h));
	if ((rc = hz_my_hours(&req->ctx, from, to, &h))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddNumberToObject(o, "minutes", (double)h.minutes) ||
	    !cJSON_AddNumberToObject(o, "hours", hours_of(h.minutes)) ||
	    !cJSON_AddNumberToObject(o, "shifts", (double)h.shifts) ||
	    !cJSON_AddNumberToObject(o, "no_shows", (double)h.no_shows) ||
	    !hz_json_add_str_or_null(o, "paused_until", h.paused_until) ||
	    (st = cJSON_AddArrayToObject(o, "stations")) == NULL ||
	    (mo = cJSON_AddArrayToObject(o, "months")) == NULL)
		o = NULL;
	for (size_t i = 0; o != NULL && i < h.nstations; i++)
		if (!cJSON_AddItemToArray(st, hours_part_json(&h.stations[i],
		    true)))
			o = NULL;
	for (size_t i = 0; o != NULL && i < h.nmonths; i++)
		if (!cJSON_AddItemToArray(mo, hours_part_json(&h.months[i],
		    false)))
			o = NULL;
	hz_reply_object(req, 200, o);
}
