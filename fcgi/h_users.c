/* Staff accounts and role assignments (admins). */
#include "handlers.h"
#include "render.h"
#include "response.h"
#include "users.h"

enum { S_USERNAME, S_NAME, S_PASSWORD, S_PHONE };
const struct hz_field user_create_fields[] = {
	[S_USERNAME] = { "username", &hz_user_rules.username, HZ_REQUIRED },
	[S_NAME]     = { "display_name", &hz_user_rules.display_name,
	                 HZ_REQUIRED },
	[S_PASSWORD] = { "password", &hz_user_rules.password, HZ_REQUIRED },
	[S_PHONE]    = { "phone", &hz_rule_phone, 0 },
	{ NULL, NULL, 0 },
};

enum { G_ROLE, G_UNIT };
const struct hz_field role_grant_fields[] = {
	[G_ROLE] = { "role", &hz_user_rules.role, HZ_REQUIRED },
	[G_UNIT] = { "unit_id", &hz_rule_id, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

void
h_users_list(struct hz_req *req)
{
	struct hz_page page = hz_req_page(req);
	struct hz_staff_row *rows;
	size_t n;
	bool more;
	cJSON *items;
	enum hz_status rc;

	if ((rc = hz_staff_list(&req->ctx, &page, &rows, &n, &more))) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, hz_render_staff(&rows[i])))
			items = NULL;
	hz_reply_object(req, 200, hz_render_page(items, more,
	    n ? rows[n - 1].id : 0));
}

static void
reply_staff(struct hz_req *req, uint64_t id, int status)
{
	struct hz_staff_row s;
	struct hz_caller roles;
	cJSON *o, *r;
	enum hz_status rc;

	if ((rc = hz_staff_get(&req->ctx, id, &s, &roles))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = hz_render_staff(&s)) == NULL ||
	    (r = hz_render_grants(&roles)) == NULL ||
	    !cJSON_AddItemToObject(o, "roles", r))
		o = NULL;
	hz_reply_object(req, status, o);
}

void
h_user_get(struct hz_req *req)
{
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_staff(req, id, 200);
}

void
h_user_create(struct hz_req *req)
{
	struct hz_staff_new s = {
		.username = req->in[S_USERNAME].s,
		.display_name = req->in[S_NAME].s,
		.password = req->in[S_PASSWORD].s,
		.phone = HZ_OPT_S(req->in[S_PHONE]),
	};
	uint64_t id;
	enum hz_status rc;

	if ((rc = hz_staff_create(&req->ctx, &s, &id)))
		hz_reply_status(req, rc);
	else
		reply_staff(req, id, 201);
}

void
h_role_grant(struct hz_req *req)
{
	enum hz_role role = HZ_ROLE__MAX;
	uint64_t user, id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &user))
		return;
	/* The field rule admitted only role names. */
	(void)hz_role_parse(req->in[G_ROLE].s, &role);
	if ((rc = hz_role_grant(&req->ctx, user, role,
	    (uint64_t)req->in[G_UNIT].i, &id)))
		hz_reply_status(req, rc);
	else
		reply_staff(req, user, 201);
}

void
h_role_revoke(struct hz_req *req)
{
	uint64_t user, id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &user) || !hz_path_id(req, "role_id", &id))
		return;
	if ((rc = hz_role_revoke(&req->ctx, user, id)))
		hz_reply_status(req, rc);
	else
		hz_reply_empty(req, 204);
}

void
h_user_phone(struct hz_req *req)
{
	uint64_t id;
	char *phone = NULL;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_staff_phone_reveal(&req->ctx, id, &phone);
	hz_reply_revealed(req, rc, "phone", phone);
}

/* ---- Account administration ---- */

/* The account as it is now, after `rc` (a change, or a refusal). */
static void
reply_changed(struct hz_req *req, uint64_t id, enum hz_status rc)
{
	if (rc)
		hz_reply_status(req, rc);
	else
		reply_staff(req, id, 200);
}

void
h_user_disable(struct hz_req *req)
{
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_changed(req, id, hz_staff_disable(&req->ctx, id));
}

void
h_user_enable(struct hz_req *req)
{
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_changed(req, id, hz_staff_enable(&req->ctx, id));
}

/* The temporary password is in this answer only (never cached, never
 * in a log line). */
void
h_user_password_reset(struct hz_req *req)
{
	uint64_t id;
	char *pw = NULL;
	cJSON *o;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_staff_password_reset(&req->ctx, id, &pw))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) != NULL &&
	    (!cJSON_AddStringToObject(o, "temporary_password", pw) ||
	    !cJSON_AddBoolToObject(o, "must_change_password", true)))
		o = NULL;
	hz_reply_object(req, 200, o);
}
