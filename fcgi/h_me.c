/* Who am I: the caller, their masked phone, their roles and units. */
#include "handlers.h"
#include "render.h"
#include "response.h"
#include "users.h"

void
h_me(struct hz_req *req)
{
	const struct hz_caller *c = &req->caller;
	cJSON *o = cJSON_CreateObject(), *u, *roles;
	const char *phone = hz_user_phone_masked(&req->ctx, c);

	if (o == NULL || (u = cJSON_AddObjectToObject(o, "user")) == NULL ||
	    !cJSON_AddNumberToObject(u, "id", (double)c->id) ||
	    !cJSON_AddStringToObject(u, "kind", c->staff ? "staff" : "resident") ||
	    !cJSON_AddStringToObject(u, "display_name", c->display_name) ||
	    !hz_json_add_str_or_null(u, "username", c->username) ||
	    !hz_json_add_str_or_null(u, "phone", phone) ||
	    (roles = hz_render_grants(c)) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	cJSON_AddItemToObject(o, "roles", roles);
	hz_reply_json(req, 200, o);
}
