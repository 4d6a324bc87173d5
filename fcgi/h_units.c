/* The org tree: units and buildings, read in scope, written by admins. */
#include <string.h>

#include "handlers.h"
#include "render.h"
#include "response.h"
#include "units.h"

#define R (&hz_unit_rules)

static const struct hz_rule any_kind = { HZ_F_ENUM, 0, 0, NULL,
    hz_unit_kinds };
static const struct hz_rule search = { HZ_F_STRING, 0, 50,
    "搜索内容最长 50 个字" };

enum { QU_PARENT = HZ_Q_PAGE__N, QU_WITHIN, QU_KIND };
const struct hz_field units_query[] = {
	HZ_PAGE_QUERY,
	[QU_PARENT] = { "parent", &hz_rule_id, 0 },
	[QU_WITHIN] = { "within", &hz_rule_id, 0 },
	[QU_KIND]   = { "kind", &any_kind, 0 },
	{ NULL, NULL, 0 },
};

enum { QB_UNIT = HZ_Q_PAGE__N, QB_Q };
const struct hz_field buildings_query[] = {
	HZ_PAGE_QUERY,
	[QB_UNIT] = { "unit", &hz_rule_id, 0 },
	[QB_Q]    = { "q", &search, 0 },
	{ NULL, NULL, 0 },
};

enum { U_PARENT, U_KIND, U_NAME, U_CODE };
const struct hz_field unit_create_fields[] = {
	[U_PARENT] = { "parent_id", &hz_rule_id, HZ_REQUIRED },
	[U_KIND]   = { "kind", &R->kind, HZ_REQUIRED },
	[U_NAME]   = { "name", &R->name, HZ_REQUIRED },
	[U_CODE]   = { "code", &R->code, 0 },
	{ NULL, NULL, 0 },
};

enum { UP_NAME, UP_CODE };
const struct hz_field unit_update_fields[] = {
	[UP_NAME] = { "name", &R->name, 0 },
	[UP_CODE] = { "code", &R->code, 0 },
	{ NULL, NULL, 0 },
};

enum { B_GROUP, B_NAME, B_CODE, B_LANE, B_DOOR, B_ROOMS, B_HEAD };
const struct hz_field building_create_fields[] = {
	[B_GROUP] = { "group_id", &hz_rule_id, HZ_REQUIRED },
	[B_NAME]  = { "name", &R->name, HZ_REQUIRED },
	[B_CODE]  = { "code", &R->code, 0 },
	[B_LANE]  = { "lane", &R->lane, HZ_REQUIRED },
	[B_DOOR]  = { "door_no", &R->door_no, HZ_REQUIRED },
	[B_ROOMS] = { "rooms", &R->rooms, 0 },
	[B_HEAD]  = { "head_id", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};

enum { BU_NAME, BU_CODE, BU_LANE, BU_DOOR, BU_ROOMS, BU_HEAD };
const struct hz_field building_update_fields[] = {
	[BU_NAME]  = { "name", &R->name, 0 },
	[BU_CODE]  = { "code", &R->code, 0 },
	[BU_LANE]  = { "lane", &R->lane, 0 },
	[BU_DOOR]  = { "door_no", &R->door_no, 0 },
	[BU_ROOMS] = { "rooms", &R->rooms, 0 },
	[BU_HEAD]  = { "head_id", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};
#undef R

/* The unit as it is now, or why not. */
static void
reply_unit(struct hz_req *req, enum hz_status rc, uint64_t id, int status)
{
	struct hz_unit u;

	if (rc == HZ_OK)
		rc = hz_unit_get(&req->ctx, id, &u);
	if (rc)
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, status, hz_render_unit(&u));
}

static void
reply_list(struct hz_req *req, const struct hz_unit_filter *f)
{
	struct hz_unit *units;
	size_t n;
	bool more;
	cJSON *items;
	enum hz_status rc = hz_units_list(&req->ctx, f, &units, &n, &more);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, hz_render_unit(&units[i])))
			items = NULL;
	hz_reply_object(req, 200, hz_render_page(items, more,
	    n ? units[n - 1].id : 0));
}

void
h_units_list(struct hz_req *req)
{
	struct hz_page p = hz_req_page(req);
	struct hz_unit_filter f = {
		.parent_id = HZ_OPT_ID(req->q[QU_PARENT]),
		.within = HZ_OPT_ID(req->q[QU_WITHIN]),
		.kind = HZ_OPT_S(req->q[QU_KIND]),
		.after = p.after, .limit = p.limit,
	};

	reply_list(req, &f);
}

void
h_buildings_list(struct hz_req *req)
{
	struct hz_page p = hz_req_page(req);
	struct hz_unit_filter f = {
		.kind = "building", .within = HZ_OPT_ID(req->q[QB_UNIT]),
		.q = HZ_OPT_S(req->q[QB_Q]),
		.after = p.after, .limit = p.limit,
	};

	if (f.q != NULL && f.q[0] == '\0')
		f.q = NULL;
	reply_list(req, &f);
}

void
h_unit_get(struct hz_req *req)
{
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_unit(req, HZ_OK, id, 200);
}

void
h_building_get(struct hz_req *req)
{
	struct hz_unit u;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	if ((rc = hz_building_scoped(&req->ctx, id, HZ_RIGHT_UNIT_READ, &u)))
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, 200, hz_render_unit(&u));
}

void
h_unit_create(struct hz_req *req)
{
	struct hz_unit_input in = {
		.parent_id = (uint64_t)req->in[U_PARENT].i,
		.kind = req->in[U_KIND].s, .name = req->in[U_NAME].s,
		.code = HZ_OPT_S(req->in[U_CODE]),
	};
	uint64_t id = 0;
	enum hz_status rc = hz_unit_create(&req->ctx, &in, &id);

	reply_unit(req, rc, id, 201);
}

void
h_unit_update(struct hz_req *req)
{
	struct hz_unit_input in = {
		.name = HZ_OPT_S(req->in[UP_NAME]),
		.code = HZ_OPT_S(req->in[UP_CODE]),
	};
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_unit(req, hz_unit_update(&req->ctx, id, &in), id, 200);
}

void
h_building_create(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_unit_input b = {
		.parent_id = (uint64_t)in[B_GROUP].i, .kind = "building",
		.name = in[B_NAME].s, .code = HZ_OPT_S(in[B_CODE]),
		.lane = in[B_LANE].s, .door_no = in[B_DOOR].s,
		.rooms = HZ_OPT_S(in[B_ROOMS]), .head_id = HZ_OPT_ID(in[B_HEAD]),
	};
	uint64_t id = 0;
	enum hz_status rc = hz_unit_create(&req->ctx, &b, &id);

	reply_unit(req, rc, id, 201);
}

void
h_building_update(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_unit_input b = {
		.kind = "building",
		.name = HZ_OPT_S(in[BU_NAME]), .code = HZ_OPT_S(in[BU_CODE]),
		.lane = HZ_OPT_S(in[BU_LANE]), .door_no = HZ_OPT_S(in[BU_DOOR]),
		.rooms = HZ_OPT_S(in[BU_ROOMS]),
		.head_id = HZ_OPT_ID(in[BU_HEAD]),
	};
	uint64_t id;

	if (hz_path_id(req, "id", &id))
		reply_unit(req, hz_unit_update(&req->ctx, id, &b), id, 200);
}
