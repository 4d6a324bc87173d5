/* The org tree: units and buildings, read in scope, written by admins. */
#include <string.h>

#include "handlers.h"
#include "render.h"
#include "response.h"
#include "stations.h"
#include "units.h"

static const char *
field_message(const char *field, enum hz_status rc)
{
	if (rc == HZ_ERR_CONFLICT)
		return strcmp(field, "code") == 0 ? "编码已被使用"
		    : "该地址（街巷 + 门牌号）已有楼栋";
	if (strcmp(field, "parent_id") == 0 || strcmp(field, "group_id") == 0)
		return "上级单位不存在";
	if (strcmp(field, "kind") == 0)
		return "类型与上级不符：村下是经济社，经济社下是户组，户组下是楼栋";
	if (strcmp(field, "code") == 0)
		return "编码只能用字母、数字、- 和 _，最长 32 个字符";
	if (strcmp(field, "head_id") == 0)
		return "栋长须为工作人员账号";
	if (strcmp(field, "lane") == 0 || strcmp(field, "door_no") == 0)
		return "请填写街巷和门牌号";
	return "无效";
}

/* Maps the outcome of a create or update to a reply. */
static void
reply_write(struct hz_req *req, enum hz_status rc, const char *field,
            const char *rename_parent, uint64_t id, int ok_status)
{
	struct hz_unit u;
	cJSON *o;

	if (rc == HZ_OK) {
		if ((rc = hz_unit_get(&req->ctx, id, &u)) ||
		    (o = hz_render_unit(&u)) == NULL) {
			hz_reply_status(req, rc ? rc : HZ_ERR_NOMEM);
			return;
		}
		hz_reply_json(req, ok_status, o);
		return;
	}
	if (field != NULL && (rc == HZ_ERR_INVALID || rc == HZ_ERR_CONFLICT ||
	    (rc == HZ_ERR_NOT_FOUND && strcmp(field, "parent_id") == 0))) {
		const char *name = strcmp(field, "parent_id") == 0 &&
		    rename_parent ? rename_parent : field;
		struct hz_field_error e = { name, field_message(name, rc) };
		if (rc == HZ_ERR_CONFLICT)
			hz_reply_error(req, 409, "conflict",
			    e.message);
		else
			hz_reply_invalid(req, &e, 1);
		return;
	}
	hz_reply_status(req, rc);
}

static void
reply_list(struct hz_req *req, const struct hz_unit_filter *f)
{
	struct hz_unit *units;
	size_t n;
	bool more;
	cJSON *items, *page;
	enum hz_status rc = hz_units_list(&req->ctx, f, &units, &n, &more);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((items = cJSON_CreateArray()) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *u = hz_render_unit(&units[i]);
		if (u == NULL || !cJSON_AddItemToArray(items, u)) {
			hz_reply_status(req, HZ_ERR_NOMEM);
			return;
		}
	}
	if ((page = hz_render_page(items, more, n ? units[n - 1].id : 0))
	    == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, page);
}

void
h_units_list(struct hz_req *req)
{
	static const char *const allowed[] = { "parent", "within", "kind",
	    "after", "limit", NULL };
	struct hz_unit_filter f = { 0 };

	if (!hz_query_only(req, allowed) ||
	    !hz_query_id(req, "parent", &f.parent_id) ||
	    !hz_query_id(req, "within", &f.within) ||
	    !hz_query_text(req, "kind", 16, &f.kind) ||
	    !hz_query_page(req, &f.after, &f.limit))
		return;
	if (f.kind != NULL && !hz_unit_kind_valid(f.kind)) {
		struct hz_field_error e = { "kind",
		    "应为 village、cooperative、group 或 building" };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	reply_list(req, &f);
}

void
h_buildings_list(struct hz_req *req)
{
	static const char *const allowed[] = { "unit", "q", "after", "limit",
	    NULL };
	struct hz_unit_filter f = { .kind = "building" };

	if (!hz_query_only(req, allowed) ||
	    !hz_query_id(req, "unit", &f.within) ||
	    !hz_query_text(req, "q", 50, &f.q) ||
	    !hz_query_page(req, &f.after, &f.limit))
		return;
	if (f.q != NULL && f.q[0] == '\0')
		f.q = NULL;
	reply_list(req, &f);
}

static void
get_unit(struct hz_req *req, bool building_only)
{
	struct hz_unit u;
	uint64_t id;
	cJSON *o;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_unit_get(&req->ctx, id, &u)) == HZ_OK && building_only &&
	    strcmp(u.kind, "building") != 0)
		rc = HZ_ERR_NOT_FOUND;
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = hz_render_unit(&u)) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
}

void
h_unit_get(struct hz_req *req)
{
	get_unit(req, false);
}

void
h_building_get(struct hz_req *req)
{
	get_unit(req, true);
}

static const char *
opt(const struct hz_value *v)
{
	return v->present ? v->s : NULL;
}

enum { U_PARENT, U_KIND, U_NAME, U_CODE };
const struct hz_field unit_create_fields[] = {
	[U_PARENT] = { "parent_id", HZ_F_INT, HZ_REQUIRED, 1, 9007199254740991LL },
	[U_KIND]   = { "kind", HZ_F_STRING, HZ_REQUIRED, 1, 16 },
	[U_NAME]   = { "name", HZ_F_STRING, HZ_REQUIRED, 1, 100 },
	[U_CODE]   = { "code", HZ_F_STRING, 0, 1, 32 },
	{ NULL, 0, 0, 0, 0 },
};

void
h_unit_create(struct hz_req *req)
{
	struct hz_unit_input in = {
		.parent_id = (uint64_t)req->in[U_PARENT].i,
		.kind = req->in[U_KIND].s, .name = req->in[U_NAME].s,
		.code = opt(&req->in[U_CODE]),
	};
	const char *field;
	uint64_t id = 0;
	enum hz_status rc;

	if (strcmp(in.kind, "building") == 0) {
		struct hz_field_error e = { "kind",
		    "楼栋请通过 /api/v1/buildings 创建" };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	rc = hz_unit_create(&req->ctx, &in, &id, &field);
	reply_write(req, rc, field, NULL, id, 201);
}

enum { UP_NAME, UP_CODE };
const struct hz_field unit_update_fields[] = {
	[UP_NAME] = { "name", HZ_F_STRING, 0, 1, 100 },
	[UP_CODE] = { "code", HZ_F_STRING, 0, 1, 32 },
	{ NULL, 0, 0, 0, 0 },
};

void
h_unit_update(struct hz_req *req)
{
	struct hz_unit_input in = {
		.name = opt(&req->in[UP_NAME]), .code = opt(&req->in[UP_CODE]),
	};
	const char *field;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	/* Two statements: `field` is set by the call, and C leaves the order
	 * of argument evaluation open. */
	rc = hz_unit_update(&req->ctx, id, &in, &field);
	reply_write(req, rc, field, NULL, id, 200);
}

enum { B_GROUP, B_NAME, B_CODE, B_LANE, B_DOOR, B_ROOMS, B_HEAD };
const struct hz_field building_create_fields[] = {
	[B_GROUP] = { "group_id", HZ_F_INT, HZ_REQUIRED, 1, 9007199254740991LL },
	[B_NAME]  = { "name", HZ_F_STRING, HZ_REQUIRED, 1, 100 },
	[B_CODE]  = { "code", HZ_F_STRING, 0, 1, 32 },
	[B_LANE]  = { "lane", HZ_F_STRING, HZ_REQUIRED, 1, 100 },
	[B_DOOR]  = { "door_no", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	[B_ROOMS] = { "rooms", HZ_F_STRING, HZ_MULTILINE, 0, 1000 },
	[B_HEAD]  = { "head_id", HZ_F_INT, 0, 1, 9007199254740991LL },
	{ NULL, 0, 0, 0, 0 },
};

void
h_building_create(struct hz_req *req)
{
	struct hz_unit_input in = {
		.parent_id = (uint64_t)req->in[B_GROUP].i, .kind = "building",
		.name = req->in[B_NAME].s, .code = opt(&req->in[B_CODE]),
		.lane = req->in[B_LANE].s, .door_no = req->in[B_DOOR].s,
		.rooms = opt(&req->in[B_ROOMS]),
		.head_id = req->in[B_HEAD].present ? (uint64_t)req->in[B_HEAD].i
		    : 0,
	};
	const char *field;
	uint64_t id = 0;
	enum hz_status rc = hz_unit_create(&req->ctx, &in, &id, &field);

	if (rc == HZ_ERR_INVALID && field && strcmp(field, "kind") == 0)
		field = "parent_id";   /* the parent is not a group */
	reply_write(req, rc, field, "group_id", id, 201);
}

enum { BU_NAME, BU_CODE, BU_LANE, BU_DOOR, BU_ROOMS, BU_HEAD };
const struct hz_field building_update_fields[] = {
	[BU_NAME]  = { "name", HZ_F_STRING, 0, 1, 100 },
	[BU_CODE]  = { "code", HZ_F_STRING, 0, 1, 32 },
	[BU_LANE]  = { "lane", HZ_F_STRING, 0, 1, 100 },
	[BU_DOOR]  = { "door_no", HZ_F_STRING, 0, 1, 32 },
	[BU_ROOMS] = { "rooms", HZ_F_STRING, HZ_MULTILINE, 0, 1000 },
	[BU_HEAD]  = { "head_id", HZ_F_INT, 0, 1, 9007199254740991LL },
	{ NULL, 0, 0, 0, 0 },
};

void
h_building_update(struct hz_req *req)
{
	struct hz_unit_input in = {
		.name = opt(&req->in[BU_NAME]), .code = opt(&req->in[BU_CODE]),
		.lane = opt(&req->in[BU_LANE]), .door_no = opt(&req->in[BU_DOOR]),
		.rooms = opt(&req->in[BU_ROOMS]),
		.head_id = req->in[BU_HEAD].present
		    ? (uint64_t)req->in[BU_HEAD].i : 0,
	};
	struct hz_unit u;
	const char *field;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_unit_get(&req->ctx, id, &u)) == HZ_OK &&
	    strcmp(u.kind, "building") != 0)
		rc = HZ_ERR_NOT_FOUND;
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	rc = hz_unit_update(&req->ctx, id, &in, &field);
	reply_write(req, rc, field, NULL, id, 200);
}

void
h_stations_list(struct hz_req *req)
{
	struct hz_station *s;
	size_t n;
	cJSON *items, *o;
	enum hz_status rc;

	if ((rc = hz_stations_list(&req->ctx, &s, &n))) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++) {
		cJSON *e = cJSON_CreateObject(), *u;
		if (e == NULL || !cJSON_AddItemToArray(items, e) ||
		    !cJSON_AddNumberToObject(e, "id", (double)s[i].id) ||
		    !cJSON_AddStringToObject(e, "kind", s[i].kind) ||
		    !cJSON_AddStringToObject(e, "name", s[i].name) ||
		    (u = cJSON_AddObjectToObject(e, "unit")) == NULL ||
		    !cJSON_AddNumberToObject(u, "id", (double)s[i].unit_id) ||
		    !cJSON_AddStringToObject(u, "name", s[i].unit_name))
			items = NULL;
	}
	if (items == NULL || (o = cJSON_CreateObject()) == NULL) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	cJSON_AddItemToObject(o, "items", items);
	hz_reply_json(req, 200, o);
}
