/* The home of anyone logged in (GET /me/home): a resident's residence
 * and when to check in next, a staff member's todo total and unit. The
 * cJSON objects live in the request's arena (json.c). */
#include "handlers.h"
#include "home.h"
#include "render.h"
#include "response.h"

static cJSON *
residence_json(const struct hz_home_residence *h)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL ||
	    !cJSON_AddNumberToObject(o, "tenancy_id", (double)h->tenancy_id) ||
	    !cJSON_AddStringToObject(o, "status", h->status) ||
	    !cJSON_AddStringToObject(o, "address", h->address) ||
	    !cJSON_AddStringToObject(o, "building_name", h->building_name) ||
	    !hz_json_add_str_or_null(o, "next_checkin_due",
	    h->next_checkin_due) ||
	    !cJSON_AddBoolToObject(o, "checked_in_this_month",
	    h->checked_in_this_month))
		return NULL;
	return o;
}

static cJSON *
unit_json(const struct hz_home_unit *u)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)u->id) ||
	    !cJSON_AddStringToObject(o, "name", u->name) ||
	    !cJSON_AddStringToObject(o, "kind", u->kind) ||
	    !cJSON_AddNumberToObject(o, "units", (double)u->units) ||
	    !cJSON_AddNumberToObject(o, "renters_active",
	    (double)u->renters_active) ||
	    !cJSON_AddNumberToObject(o, "renters_pending",
	    (double)u->renters_pending) ||
	    !cJSON_AddNumberToObject(o, "complaints_open",
	    (double)u->complaints_open))
		return NULL;
	return o;
}

void
h_home(struct hz_req *req)
{
	struct hz_home h;
	cJSON *o, *part;
	enum hz_status rc = hz_home(&req->ctx, &h);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddStringToObject(o, "name", h.name))
		goto fail;
	if (!h.staff) {
		if (h.residence == NULL) {
			if (!cJSON_AddNullToObject(o, "residence"))
				goto fail;
		} else if ((part = residence_json(h.residence)) == NULL ||
		    !cJSON_AddItemToObject(o, "residence", part))
			goto fail;
	} else {
		if (!cJSON_AddNumberToObject(o, "todo_total",
		    (double)h.todo_total))
			goto fail;
		if (h.unit != NULL && ((part = unit_json(h.unit)) == NULL ||
		    !cJSON_AddItemToObject(o, "unit", part)))
			goto fail;
	}
	hz_reply_object(req, 200, o);
	return;
fail:
	hz_reply_object(req, 200, NULL);
}
