/* The caller's updates (the outbox's rows) for the home page: a page of
 * them with the unread count, and marking them read. */
#include "handlers.h"
#include "outbox.h"
#include "render.h"
#include "response.h"

enum { N_UP_TO };
const struct hz_field notifications_read_fields[] = {
	[N_UP_TO] = { "up_to", &hz_rule_id, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

static cJSON *
notification_json(const struct hz_notification *v)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)v->id) ||
	    !cJSON_AddStringToObject(o, "kind", v->kind) ||
	    !hz_json_add_num_or_null(o, "subject_id", v->subject_id != 0,
	    (double)v->subject_id) ||
	    !cJSON_AddStringToObject(o, "text", v->text) ||
	    !hz_json_add_str_or_null(o, "created_at", v->created_at) ||
	    !cJSON_AddBoolToObject(o, "read", v->read))
		return NULL;
	return o;
}

void
h_notifications_list(struct hz_req *req)
{
	struct hz_page page = hz_req_page(req);
	struct hz_notification *v = NULL;
	long long unread = 0;
	size_t n = 0;
	bool more = false;
	cJSON *items, *o;
	enum hz_status rc;

	rc = hz_notifications_list(&req->ctx, &page, &v, &n, &more, &unread);
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, notification_json(&v[i])))
			items = NULL;
	o = hz_render_page(items, more, n ? v[n - 1].id : 0);
	if (o != NULL && !cJSON_AddNumberToObject(o, "unread", (double)unread))
		o = NULL;
	hz_reply_object(req, 200, o);
}

void
h_notifications_read(struct hz_req *req)
{
	long long unread = 0;
	cJSON *o;
	enum hz_status rc;

	rc = hz_notifications_read(&req->ctx, (uint64_t)req->in[N_UP_TO].i,
	    &unread);
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) != NULL &&
	    !cJSON_AddNumberToObject(o, "unread", (double)unread))
		o = NULL;
	hz_reply_object(req, 200, o);
}
