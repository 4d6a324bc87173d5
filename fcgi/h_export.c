/* The org tree and staff as import CSV (core/orgexport.h), streamed. */
#include <stdio.h>

#include "handlers.h"
#include "orgexport.h"
#include "response.h"
#include "router.h"

enum { X_FILE };
const struct hz_field org_export_query[] = {
	[X_FILE] = { "file", &hz_org_file_rule, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

void
h_unit_export(struct hz_req *req)
{
	struct hz_csv_reply o = { req, NULL, false };
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	/* ASCII only: the unit's name is not in it. */
	o.filename = hz_arena_printf(req->arena, "unit-%llu-%s.csv",
	    (unsigned long long)id, req->q[X_FILE].s);
	rc = hz_org_export(&req->ctx, id, req->q[X_FILE].s, hz_reply_csv_line,
	    &o);
	hz_reply_csv_end(&o, rc);
}
