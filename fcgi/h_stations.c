/* Stations: the list, one station, its details and manager, its poster
 * and code, and the hours of its volunteers as CSV. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "handlers.h"
#include "log.h"
#include "qr.h"
#include "render.h"
#include "response.h"
#include "shifts.h"
#include "stations.h"

#define R (&hz_station_rules)
enum { S_NAME, S_ADDRESS, S_HOURS, S_PHONE, S_DESCRIPTION, S_MANAGER };
const struct hz_field station_update_fields[] = {
	[S_NAME]        = { "name", &R->name, 0 },
	[S_ADDRESS]     = { "address", &R->address, 0 },
	[S_HOURS]       = { "opening_hours", &R->opening_hours, 0 },
	[S_PHONE]       = { "phone", &R->phone, 0 },
	[S_DESCRIPTION] = { "description", &R->description, 0 },
	[S_MANAGER]     = { "manager_id", &hz_station_rules.manager, 0 },
	{ NULL, NULL, 0 },
};
#undef R

enum { H_FROM, H_TO };
const struct hz_field hours_query[] = {
	[H_FROM] = { "from", &hz_rule_date, 0 },
	[H_TO]   = { "to", &hz_rule_date, 0 },
	{ NULL, NULL, 0 },
};

void
h_stations_list(struct hz_req *req)
{
	struct hz_station *s;
	size_t n;
	cJSON *items, *o = NULL;
	enum hz_status rc;

	if ((rc = hz_stations_list(&req->ctx, &s, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, hz_render_station(&s[i])))
			items = NULL;
	if (items != NULL && (o = cJSON_CreateObject()) != NULL)
		cJSON_AddItemToObject(o, "items", items);
	hz_reply_object(req, 200, o);
}

void
h_station_get(struct hz_req *req)
{
	struct hz_station s;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_station_get(&req->ctx, id, &s)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, hz_render_station(&s));
}

void
h_station_update(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_station_edit e = {
		.name = HZ_OPT_S(in[S_NAME]),
		.address = HZ_OPT_S(in[S_ADDRESS]),
		.opening_hours = HZ_OPT_S(in[S_HOURS]),
		.phone = HZ_OPT_S(in[S_PHONE]),
		.description = HZ_OPT_S(in[S_DESCRIPTION]),
		.set_manager = in[S_MANAGER].present,
		.manager_id = HZ_OPT_ID(in[S_MANAGER]),
	};
	struct hz_station s;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_station_update(&req->ctx, id, &e, &s)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, hz_render_station(&s));
}

static cJSON *
poster_json(const struct hz_station_poster *p)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddItemToObject(o, "station",
	    hz_render_station(&p->station)) ||
	    !cJSON_AddStringToObject(o, "url", p->url) ||
	    !cJSON_AddStringToObject(o, "check_code", p->check_code))
		return NULL;
	return o;
}

void
h_station_poster(struct hz_req *req)
{
	struct hz_station_poster p;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_station_poster(&req->ctx, id, &p)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, poster_json(&p));
}

void
h_station_qr_rotate(struct hz_req *req)
{
	struct hz_station_poster p;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_station_qr_rotate(&req->ctx, id, &p)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, poster_json(&p));
}

static void
qr_image(struct hz_req *req, bool png)
{
	struct hz_station_poster p = { 0 };
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_station_poster(&req->ctx, id, &p);
	hz_reply_qr(req, rc, p.url, p.check_code, png);
}

void
h_station_qr_png(struct hz_req *req)
{
	qr_image(req, true);
}

void
h_station_qr_svg(struct hz_req *req)
{
	qr_image(req, false);
}

void
h_station_hours_csv(struct hz_req *req)
{
	int from, to, today = hz_local_date(req->ctx.now);
	struct hz_csv_reply o = { req, NULL, false };
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	/* Dates are Shanghai days, `to` inclusive; by default this month. */
	from = req->q[H_FROM].present ? hz_date_parse(req->q[H_FROM].s)
	    : today / 100 * 100 + 1;
	to = req->q[H_TO].present ? hz_date_parse(req->q[H_TO].s)
	    : hz_local_date(hz_local_day(from / 100 * 100 + 1, 31)) / 100 * 100
	    + 1;
	o.filename = hz_arena_printf(req->arena, "station-%llu-hours-%d.csv",
	    (unsigned long long)id, from);
	rc = hz_station_hours_csv(&req->ctx, id, hz_local_day(from, 0),
	    req->q[H_TO].present ? hz_local_day(to, 1) : hz_local_day(to, 0),
	    hz_reply_csv_line, &o);
	hz_reply_csv_end(&o, rc);
}
