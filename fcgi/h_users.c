/* Staff accounts and role assignments (admins). */
#include <string.h>

#include "handlers.h"
#include "render.h"
#include "response.h"
#include "users.h"

void
h_users_list(struct hz_req *req)
{
	static const char *const allowed[] = { "after", "limit", NULL };
	struct hz_staff_row *rows;
	uint64_t after;
	size_t n;
	int limit;
	cJSON *items, *page;
	enum hz_status rc;

	if (!hz_query_only(req, allowed) ||
	    !hz_query_page(req, &after, &limit))
		return;
	/* One more than asked, to know whether there is a next page. */
	if ((rc = hz_staff_list(&req->ctx, after, limit + 1, &rows, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n && i < (size_t)limit; i++) {
		cJSON *s = hz_render_staff(&rows[i]);
		if (s == NULL || !cJSON_AddItemToArray(items, s))
			items = NULL;
	}
	page = hz_render_page(items, n > (size_t)limit,
	    n ? rows[(n > (size_t)limit ? (size_t)limit : n) - 1].id : 0);
	if (page == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, page);
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
	    (r = hz_render_grants(&roles)) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	cJSON_AddItemToObject(o, "roles", r);
	hz_reply_json(req, status, o);
}

void
h_user_get(struct hz_req *req)
{
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_staff(req, id, 200);
}

enum { S_USERNAME, S_NAME, S_PASSWORD, S_PHONE };
const struct hz_field user_create_fields[] = {
	[S_USERNAME] = { "username", HZ_F_STRING, HZ_REQUIRED, 3, 32 },
	[S_NAME]     = { "display_name", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	[S_PASSWORD] = { "password", HZ_F_STRING, HZ_REQUIRED, 10, 128 },
	[S_PHONE]    = { "phone", HZ_F_STRING, 0, 11, 11 },
	{ NULL, 0, 0, 0, 0 },
};

void
h_user_create(struct hz_req *req)
{
	struct hz_staff_new s = {
		.username = req->in[S_USERNAME].s,
		.display_name = req->in[S_NAME].s,
		.password = req->in[S_PASSWORD].s,
		.phone = req->in[S_PHONE].present ? req->in[S_PHONE].s : NULL,
	};
	const char *why;
	uint64_t id;
	enum hz_status rc = hz_staff_create(&req->ctx, &s, &id, &why);

	if (rc == HZ_ERR_INVALID || rc == HZ_ERR_CONFLICT) {
		struct hz_field_error e = { why ? why : "username",
		    rc == HZ_ERR_CONFLICT ? "已被使用"
		    : strcmp(why, "username") == 0
		    ? "用户名为 3 至 32 位小写字母、数字、_ . -"
		    : strcmp(why, "phone") == 0 ? "请输入正确的 11 位手机号"
		    : "无效" };
		if (rc == HZ_ERR_CONFLICT)
			hz_reply_error(req, 409, "conflict", "用户名或手机号已被使用");
		else
			hz_reply_invalid(req, &e, 1);
		return;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	reply_staff(req, id, 201);
}

enum { G_ROLE, G_UNIT };
const struct hz_field role_grant_fields[] = {
	[G_ROLE] = { "role", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	[G_UNIT] = { "unit_id", HZ_F_INT, HZ_REQUIRED, 1, 9007199254740991LL },
	{ NULL, 0, 0, 0, 0 },
};

void
h_role_grant(struct hz_req *req)
{
	enum hz_role role;
	const char *why;
	uint64_t user, id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &user))
		return;
	if (!hz_can_anywhere(req->ctx.caller, HZ_RIGHT_USER_ADMIN)) {
		hz_reply_status(req, HZ_ERR_FORBIDDEN);
		return;
	}
	if (!hz_role_parse(req->in[G_ROLE].s, &role)) {
		struct hz_field_error e = { "role", "应为 building_head、"
		    "group_leader、cadre、admin 或 station_manager" };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	rc = hz_role_grant(&req->ctx, user, role, (uint64_t)req->in[G_UNIT].i,
	    &id, &why);
	if (rc == HZ_ERR_CONFLICT) {
		hz_reply_error(req, 409, "conflict", "该人员已在此单位担任此角色");
		return;
	}
	if (rc == HZ_ERR_INVALID || (rc == HZ_ERR_NOT_FOUND && why &&
	    strcmp(why, "unit_id") == 0)) {
		struct hz_field_error e = {
			why && strcmp(why, "unit_id") == 0 ? "unit_id" : "role",
			why && strcmp(why, "unit_id") == 0 ? "单位不存在"
			: why && strcmp(why, "user") == 0
			? "只能给工作人员分配角色"
			: why && strcmp(why, "too_many") == 0
			? "此人担任的角色已达上限"
			: "角色与单位类型不符（栋长对楼栋，户组长对户组，"
			  "经济社干部对经济社，管理员对村）",
		};
		hz_reply_invalid(req, &e, 1);
		return;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	reply_staff(req, user, 201);
}

void
h_role_revoke(struct hz_req *req)
{
	uint64_t user, id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &user) || !hz_path_id(req, "role_id", &id))
		return;
	if (!hz_can_anywhere(req->ctx.caller, HZ_RIGHT_USER_ADMIN)) {
		hz_reply_status(req, HZ_ERR_FORBIDDEN);
		return;
	}
	if ((rc = hz_role_revoke(&req->ctx, user, id))) {
		hz_reply_status(req, rc);
		return;
	}
	hz_reply_empty(req, 204);
}

void
h_user_phone(struct hz_req *req)
{
	uint64_t id;
	char *phone;
	cJSON *o;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_staff_phone_reveal(&req->ctx, id, &phone))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !hz_json_add_str_or_null(o, "phone", phone)) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
}
