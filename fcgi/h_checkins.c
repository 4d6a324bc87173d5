/* Check-ins: a resident confirming residence, staff on patrol. */
#include "checkins.h"
#include "handlers.h"
#include "render.h"
#include "response.h"
#include "tenancies.h"

const struct hz_field checkin_fields[] = {
	{ "token", &hz_tenancy_rules.token, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

void
h_checkin(struct hz_req *req)
{
	struct hz_checkin c;
	cJSON *o, *b;
	enum hz_status rc = hz_checkin(&req->ctx, req->in[0].s, &c);

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
