/* Check-ins: a resident confirming residence, staff on patrol. */
#include "checkins.h"
#include "handlers.h"
#include "render.h"
#include "response.h"

const struct hz_field checkin_fields[] = {
	{ "token", HZ_F_STRING, HZ_REQUIRED, 1, 64 },
	{ NULL, 0, 0, 0, 0 },
};

void
h_checkin(struct hz_req *req)
{
	struct hz_checkin c;
	const char *why;
	cJSON *o, *b;
	enum hz_status rc = hz_checkin(&req->ctx, req->in[0].s, &c, &why);

	switch (rc) {
	case HZ_OK:
		break;
	case HZ_ERR_NOT_FOUND:
		hz_reply_error(req, 404, "qr_invalid", "无法识别此二维码");
		return;
	case HZ_ERR_GONE:
		hz_reply_error(req, 410, "qr_expired",
		    "此二维码已作废，请扫描楼栋门口张贴的新二维码");
		return;
	case HZ_ERR_FORBIDDEN:
		if (why && why[0] == 'r')
			hz_reply_error(req, 403, "register_first",
			    "您还不是此楼栋的登记住户，请先完成居住登记");
		else
			hz_reply_error(req, 403, "not_your_building",
			    "您不负责此楼栋，不能在此巡查打卡");
		return;
	default:
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
	    !cJSON_AddStringToObject(b, "name", c.building_name)) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	/* A repeat within 10 minutes is the same check-in, not a new one. */
	hz_reply_json(req, c.repeated ? 200 : 201, o);
}
