/* Building codes: the scan answer, the code as PNG/SVG, posters, rotation. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "num.h"
#include "qr.h"
#include "render.h"
#include "response.h"
#include "scan.h"

static void
reply_scan_error(struct hz_req *req, enum hz_status rc)
{
	if (rc == HZ_ERR_NOT_FOUND)
		hz_reply_error(req, 404, "qr_invalid",
		    "无法识别此二维码，请确认扫描的是楼栋门口张贴的二维码");
	else if (rc == HZ_ERR_GONE)
		hz_reply_error(req, 410, "qr_expired",
		    "此二维码已作废，请扫描楼栋门口张贴的新二维码");
	else
		hz_reply_status(req, rc);
}


void
h_scan(struct hz_req *req)
{
	struct hz_scan s;
	cJSON *o, *b, *chain, *actions, *t;
	enum hz_status rc = hz_scan(&req->ctx, hz_param(req, "token"), &s);
	const struct hz_caller *c = req->ctx.caller;

	if (rc) {
		reply_scan_error(req, rc);
		return;
	}
	o = cJSON_CreateObject();
	/* Anonymous callers get what the poster itself shows (the place,
	 * the head's name), not the layout of the rooms. */
	if (c == NULL)
		s.building.rooms = NULL;
	if (o == NULL || (b = hz_render_unit(&s.building)) == NULL ||
	    !cJSON_AddItemToObject(o, "building", b) ||
	    !cJSON_AddStringToObject(o, "address", hz_arena_printf(req->arena,
	        "%s%s号", s.building.lane, s.building.door_no)) ||
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
	/* What this caller may do here. */
#define ACT(a) if (!cJSON_AddItemToArray(actions, cJSON_CreateString(a))) \
	goto nomem
	if (c == NULL) {
		ACT("login");
	} else if (c->staff) {
		if (s.staff_reads) {
			ACT("patrol");
			ACT("roster");
		}
		if (s.staff_decides)
			ACT("review_registrations");
	} else if (s.tenancy_here && strcmp(s.tenancy_status, "active") == 0) {
		ACT("verify_residence");
		ACT("report_problem");
		ACT("move_out");
	} else if (s.tenancy_here) {
		ACT("view_registration");
		ACT("report_problem");
	} else if (s.tenancy_id != 0) {
		/* Registered elsewhere: move out there first. */
		ACT("report_problem");
	} else {
		ACT("register");
		ACT("report_problem");
	}
#undef ACT
	if (c != NULL && !c->staff && s.tenancy_id != 0) {
		if ((t = cJSON_AddObjectToObject(o, "tenancy")) == NULL ||
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

static void
qr_image(struct hz_req *req, bool png)
{
	static const char *const allowed[] = { "scale", NULL };
	struct hz_poster p;
	struct hz_qr_image img;
	const char *scale_s;
	int64_t scale = 10;
	uint64_t id;
	char v[16];
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id) || !hz_query_only(req, allowed) ||
	    !hz_query_text(req, "scale", 2, &scale_s))
		return;
	if (scale_s != NULL && (!png || !hz_parse_i64z(scale_s, 1, 32,
	    &scale))) {
		struct hz_field_error e = { "scale", "应为 1 至 32 之间的整数" };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	if ((rc = hz_building_poster(&req->ctx, id, &p)) ||
	    (rc = png ? hz_qr_png(req->arena, p.url, (int)scale, &img)
	    : hz_qr_svg(req->arena, p.url, &img))) {
		hz_reply_status(req, rc);
		return;
	}
	/* For print checks: the version and width of the code. */
	snprintf(v, sizeof(v), "%d", img.version);
	hz_reply_header(req, "X-QR-Version", v);
	snprintf(v, sizeof(v), "%d", img.modules);
	hz_reply_header(req, "X-QR-Modules", v);
	hz_reply_header(req, "X-QR-Check-Code", p.check_code);
	hz_reply_bytes(req, 200, png ? "image/png"
	    : "image/svg+xml; charset=utf-8", img.data, img.len);
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

static cJSON *
poster_json(struct hz_req *req, const struct hz_poster *p, bool svg)
{
	struct hz_qr_image img;
	cJSON *o = cJSON_CreateObject(), *b;

	if (o == NULL || (b = hz_render_unit(&p->building)) == NULL ||
	    !cJSON_AddItemToObject(o, "building", b) ||
	    !cJSON_AddStringToObject(o, "address", hz_arena_printf(req->arena,
	        "%s%s号", p->building.lane, p->building.door_no)) ||
	    !cJSON_AddStringToObject(o, "url", p->url) ||
	    !cJSON_AddStringToObject(o, "check_code", p->check_code))
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
	cJSON *o;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_building_qr_rotate(&req->ctx, id, &p))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = poster_json(req, &p, false)) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
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
