/* Who am I: the caller, their masked phone, their roles and units; a
 * building head's choice to publish their phone. */
#include "contact.h"
#include "handlers.h"
#include "render.h"
#include "response.h"
#include "users.h"

const struct hz_field me_update_fields[] = {
	{ "phone_public", &hz_phone_public_rule, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

/* `reread`: the choice was just changed, so it is read again; otherwise
 * it is the one read with the caller (one round trip for GET /me). */
static void
reply_me(struct hz_req *req, bool reread)
{
	const struct hz_caller *c = &req->caller;
	cJSON *o = cJSON_CreateObject(), *u, *roles;
	const char *phone = hz_user_phone_masked(&req->ctx, c);
	bool published = c->phone_public;
	enum hz_status rc;

	/* Only a building head has the choice. */
	if (reread && hz_caller_is_head(&req->ctx) &&
	    (rc = hz_phone_public_get(&req->ctx, &published))) {
		hz_reply_status(req, rc);
		return;
	}
	if (o == NULL || (u = cJSON_AddObjectToObject(o, "user")) == NULL ||
	    !cJSON_AddNumberToObject(u, "id", (double)c->id) ||
	    !cJSON_AddStringToObject(u, "kind", c->staff ? "staff" : "resident") ||
	    !cJSON_AddStringToObject(u, "display_name", c->display_name) ||
	    !hz_json_add_str_or_null(u, "username", c->username) ||
	    !hz_json_add_str_or_null(u, "phone", phone) ||
	    (hz_caller_is_head(&req->ctx) &&
	    !cJSON_AddBoolToObject(u, "phone_public", published)) ||
	    (c->staff && !cJSON_AddBoolToObject(u, "must_change_password",
	    c->must_change_password)) ||
	    (roles = hz_render_grants(c)) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	cJSON_AddItemToObject(o, "roles", roles);
	hz_reply_json(req, 200, o);
}

void
h_me(struct hz_req *req)
{
	reply_me(req, false);
}

void
h_me_update(struct hz_req *req)
{
	enum hz_status rc;

	if ((rc = hz_phone_public_set(&req->ctx, req->in[0].b)))
		hz_reply_status(req, rc);
	else
		reply_me(req, true);
}
