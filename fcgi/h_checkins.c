/* Check-ins: a resident confirming residence, staff on patrol; at a
 * station's code, a volunteer checking in and out of their shift. */
#include <string.h>

#include "checkins.h"
#include "handlers.h"
#include "policy.h"
#include "render.h"
#include "response.h"
#include "shifts.h"
#include "stations.h"
#include "tenancies.h"

const struct hz_field checkin_fields[] = {
	{ "token", &hz_tenancy_rules.token, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

/* A station's code: the caller's shift there now. */
static void
station_checkin(struct hz_req *req, const char *token)
{
	struct hz_station st;
	struct hz_attendance a;
	cJSON *o;
	enum hz_status rc;

	if ((rc = hz_station_resolve(&req->ctx, token, &st)) ||
	    (rc = hz_station_checkin(&req->ctx, st.id, &a))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddNumberToObject(o, "id", (double)a.signup_id) ||
	    !cJSON_AddStringToObject(o, "kind",
	    a.action != NULL && strcmp(a.action, "check_out") == 0 ? "shift_check_out"
	    : "shift_check_in") ||
	    !hz_json_add_str_or_null(o, "at", a.at) ||
	    !cJSON_AddBoolToObject(o, "repeated", a.repeated) ||
	    !cJSON_AddItemToObject(o, "station",
	    hz_render_station_ref(st.id, st.name)) ||
	    !cJSON_AddItemToObject(o, "shift", hz_render_shift(&a.shift)) ||
	    !hz_json_add_num_or_null(o, "minutes", a.minutes >= 0, a.minutes))
		o = NULL;
	hz_reply_object(req, a.repeated ? 200 : 201, o);
}

void
h_checkin(struct hz_req *req)
{
	struct hz_checkin c;
	cJSON *o, *b;
	enum hz_status rc;

	if (hz_token_is_station(&req->ctx, req->in[0].s)) {
		/* The caller alone, then the station's own reads. */
		const struct hz_caller *who;

		if ((rc = hz_caller_settle(&req->ctx, &who))) {
			hz_reply_status(req, rc);
			return;
		}
		req->ctx.caller = who;
		station_checkin(req, req->in[0].s);
		return;
	}
	rc = hz_checkin(&req->ctx, req->in[0].s, &c);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddNumberToObject(o, "id", (double)c.id) ||
	    !cJSON_AddStringToObject(o, "kind", c.kind) ||
	    !hz_json_add_str_or_null(o, "at", c.at) ||
	    !cJSON_AddBoolToObject(o, "repeated", c.repeated) ||
	    (b = cJSON_AddObjectToObject(o, "building")) == NULL ||
	    !cJSON_AddNumberToObject(b, "id", (double)c.building_id) ||
	    !cJSON_AddStringToObject(b, "name", c.building_name))
		o = NULL;
	/* A repeat within 10 minutes is the same check-in, not a new one. */
	hz_reply_object(req, c.repeated ? 200 : 201, o);
}
