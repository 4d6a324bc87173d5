/* Building codes: the scan answer, the code as PNG/SVG, posters, rotation.
 * A station's code scans here too (its poster and image are
 * h_stations.c's). */
#include <stdio.h>
#include <string.h>

#include "contact.h"
#include "handlers.h"
#include "qr.h"
#include "render.h"
#include "response.h"
#include "scan.h"
#include "shifts.h"
#include "stations.h"

/* A station's code: the station, and the caller's shift there now. */
static void
scan_station(struct hz_req *req, const char *token)
{
	struct hz_station_scan s;
	cJSON *o, *actions;
	enum hz_status rc;

	if ((rc = hz_scan_station(&req->ctx, token, &s))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddItemToObject(o, "station", hz_render_station(&s.station)) ||
	    !cJSON_AddStringToObject(o, "check_code", s.check_code) ||
	    (actions = cJSON_AddArrayToObject(o, "actions")) == NULL ||
	    !(s.shift != NULL ? cJSON_AddItemToObject(o, "shift",
	    hz_render_shift(s.shift)) : cJSON_AddNullToObject(o, "shift") != NULL))
		o = NULL;
	for (size_t i = 0; o != NULL && i < s.nactions; i++)
		if (!cJSON_AddItemToArray(actions,
		    cJSON_CreateString(s.actions[i])))
			o = NULL;
	hz_reply_object(req, 200, o);
}

void
h_scan(struct hz_req *req)
{
	const char *token = hz_param(req, "token");
	struct hz_scan s;
	cJSON *o, *b, *chain, *actions;
	enum hz_status rc;

	if (hz_token_is_station(&req->ctx, token)) {
		scan_station(req, token);
		return;
	}
	rc = hz_scan(&req->ctx, token, &s);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    (b = hz_render_unit(&s.building)) == NULL ||
	    !cJSON_AddItemToObject(o, "building", b) ||
	    !cJSON_AddStringToObject(o, "address", hz_building_address(req->arena,
	        &s.building)) ||
	    (chain = cJSON_AddArrayToObject(o, "chain")) == NULL ||
	    !cJSON_AddStringToObject(o, "check_code", s.check_code) ||
	    (actions = cJSON_AddArrayToObject(o, "actions")) == NULL)
		goto nomem;
	for (size_t i = 0; i < s.nchain; i++) {
		cJSON *u = cJSON_CreateObject();
		if (u == NULL || !cJSON_AddItemToArray(chain, u) ||
		    !cJSON_AddNumberToObject(u, "id", (double)s.chain[i].id) ||
		    !cJSON_AddStringToObject(u, "kind", s.chain[i].kind) ||
		    !cJSON_AddStringToObject(u, "name", s.chain[i].name))
			goto nomem;
	}
	for (size_t i = 0; i < s.nactions; i++)
		if (!cJSON_AddItemToArray(actions,
		    cJSON_CreateString(s.actions[i])))
			goto nomem;
	/* Who reviews here; the head's number only if they published it. */
	{
		cJSON *r = cJSON_AddObjectToObject(o, "reviewer");
		if (r == NULL ||
		    !cJSON_AddStringToObject(r, "role", s.reviewer_role) ||
		    !hz_json_add_str_or_null(r, "name", s.reviewer_name))
			goto nomem;
	}
	if (s.contact_phone != NULL) {
		cJSON *c = cJSON_AddObjectToObject(o, "contact");
		if (c == NULL ||
		    !hz_json_add_str_or_null(c, "name", s.building.head_name) ||
		    !cJSON_AddStringToObject(c, "phone", s.contact_phone))
			goto nomem;
	}
	/* A resident's own registration, wherever it is. */
	if (s.tenancy_id != 0) {
		cJSON *t = cJSON_AddObjectToObject(o, "tenancy");
		if (t == NULL ||
		    !cJSON_AddNumberToObject(t, "id", (double)s.tenancy_id) ||
		    !cJSON_AddStringToObject(t, "status", s.tenancy_status) ||
		    !cJSON_AddBoolToObject(t, "here", s.tenancy_here))
			goto nomem;
	}
	hz_reply_json(req, 200, o);
	return;
nomem:
	hz_reply_status(req, HZ_ERR_NOMEM);
}

enum { S_LANE, S_DOOR };
const struct hz_field building_search_query[] = {
	[S_LANE] = { "lane", &hz_building_search_rules.lane, 0 },
	[S_DOOR] = { "door", &hz_building_search_rules.door, 0 },
	{ NULL, NULL, 0 },
};

void
h_buildings_search(struct hz_req *req)
{
	struct hz_building_hit *h;
	size_t n;
	cJSON *o, *items;
	enum hz_status rc;

	if ((rc = hz_buildings_search(&req->ctx, HZ_OPT_S(req->q[S_LANE]),
	    HZ_OPT_S(req->q[S_DOOR]), &h, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    (items = cJSON_AddArrayToObject(o, "items")) == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();
		if (e == NULL || !cJSON_AddItemToArray(items, e) ||
		    !cJSON_AddNumberToObject(e, "id", (double)h[i].id) ||
		    !cJSON_AddStringToObject(e, "address", h[i].address) ||
		    !cJSON_AddStringToObject(e, "group", h[i].group))
			goto nomem;
	}
	hz_reply_json(req, 200, o);
	return;
nomem:
	hz_reply_status(req, HZ_ERR_NOMEM);
}

static const struct hz_rule qr_scale = { HZ_F_INT, 1, 32 };

const struct hz_field qr_png_query[] = {
	{ "scale", &qr_scale, 0 },
	{ NULL, NULL, 0 },
};

void
hz_reply_qr(struct hz_req *req, enum hz_status rc, const char *url,
            const char *check_code, bool png)
{
	struct hz_qr_image img;
	int scale = png && req->q[0].present ? (int)req->q[0].i : 10;
	char v[16];

	if (rc || (rc = png ? hz_qr_png(req->arena, url, scale, &img)
	    : hz_qr_svg(req->arena, url, &img))) {
		hz_reply_status(req, rc);
		return;
	}
	/* For print checks: the version and width of the code. */
	snprintf(v, sizeof(v), "%d", img.version);
	hz_reply_header(req, "X-QR-Version", v);
	snprintf(v, sizeof(v), "%d", img.modules);
	hz_reply_header(req, "X-QR-Modules", v);
	hz_reply_header(req, "X-QR-Check-Code", check_code);
	hz_reply_bytes(req, 200, png ? "image/png"
	    : "image/svg+xml; charset=utf-8", img.data, img.len);
}

static void
qr_image(struct hz_req *req, bool png)
{
	struct hz_poster p = { 0 };
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_building_poster(&req->ctx, id, &p);
	hz_reply_qr(req, rc, p.url, p.check_code, png);
}

void
h_building_qr_png(struct hz_req *req)
{
	qr_image(req, true);
}

void
h_building_qr_svg(struct hz_req *req)
{
	qr_image(req, false);
}

static bool
reviewer_json(struct hz_req *req, cJSON *o, const struct hz_unit *b)
{
	const char *role, *name;
	cJSON *r;

	if (hz_building_reviewer(&req->ctx, b, &role, &name) != HZ_OK)
		return false;
	return (r = cJSON_AddObjectToObject(o, "reviewer")) != NULL &&
	    cJSON_AddStringToObject(r, "role", role) != NULL &&
	    hz_json_add_str_or_null(r, "name", name);
}

static cJSON *
poster_json(struct hz_req *req, const struct hz_poster *p, bool svg)
{
	struct hz_qr_image img;
	cJSON *o = cJSON_CreateObject(), *b;

	if (o == NULL || (b = hz_render_unit(&p->building)) == NULL ||
	    !cJSON_AddItemToObject(o, "building", b) ||
	    !cJSON_AddStringToObject(o, "address", hz_building_address(req->arena,
	        &p->building)) ||
	    !cJSON_AddStringToObject(o, "url", p->url) ||
	    !cJSON_AddStringToObject(o, "check_code", p->check_code))
		return NULL;
	/* Who the poster says to ask (有事找栋长 / 有事找户组长). */
	if (svg && !reviewer_json(req, o, &p->building))
		return NULL;
	if (svg && (hz_qr_svg(req->arena, p->url, &img) != HZ_OK ||
	    !cJSON_AddStringToObject(o, "svg", hz_arena_strndup(req->arena,
	    (const char *)img.data, img.len)) ||
	    !cJSON_AddNumberToObject(o, "qr_version", img.version)))
		return NULL;
	return o;
}

void
h_building_qr_rotate(struct hz_req *req)
{
	struct hz_poster p;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_building_qr_rotate(&req->ctx, id, &p)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, poster_json(req, &p, false));
}

void
h_unit_posters(struct hz_req *req)
{
	struct hz_poster *p;
	uint64_t id;
	size_t n;
	cJSON *o, *items;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_unit_posters(&req->ctx, id, &p, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    (items = cJSON_AddArrayToObject(o, "items")) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *e = poster_json(req, &p[i], true);
		if (e == NULL || !cJSON_AddItemToArray(items, e)) {
			hz_reply_status(req, HZ_ERR_NOMEM);
			return;
		}
	}
	hz_reply_json(req, 200, o);
}
