/* Operational endpoints: health, version, and the H5 pages' error reports. */
#include <string.h>

#include "handlers.h"
#include "health.h"
#include "log.h"
#include "response.h"

void
h_health(struct hz_req *req)
{
	enum hz_status rc = hz_health_check(req->db, req->arena);
	cJSON *o;

	if (rc != HZ_OK) {
		hz_reply_status(req, rc == HZ_ERR_DB_UNAVAILABLE ? rc
		    : HZ_ERR_DB_UNAVAILABLE);
		return;
	}
	o = cJSON_CreateObject();
	if (o == NULL || !cJSON_AddStringToObject(o, "status", "ok")) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
}

void
h_version(struct hz_req *req)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddStringToObject(o, "name", "huzu") ||
	    !cJSON_AddStringToObject(o, "version", HUZU_VERSION) ||
	    !cJSON_AddStringToObject(o, "api", "v1")) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
}

enum { CE_MESSAGE, CE_PAGE, CE_STACK };

static const struct hz_rule ce_message = { HZ_F_STRING, 1, 500 };
static const struct hz_rule ce_page = { HZ_F_STRING, 0, 200 };
static const struct hz_rule ce_stack = { HZ_F_STRING, 0, 4000,
    .flags = HZ_MULTILINE };

const struct hz_field client_error_fields[] = {
	[CE_MESSAGE] = { "message", &ce_message, HZ_REQUIRED },
	[CE_PAGE]    = { "page", &ce_page, 0 },
	[CE_STACK]   = { "stack", &ce_stack, 0 },
	{ NULL, NULL, 0 },
};

/* A script error on a phone is otherwise invisible; the page reports it
 * here and it lands in the log, quoted. Nothing is stored. A QR token in
 * the page path is a credential of sorts: it is cut off. */
void
h_client_error(struct hz_req *req)
{
	char msg[700], page[300];
	const char *p = req->in[CE_PAGE].present ? req->in[CE_PAGE].s : "";

	if (strncmp(p, "/q/", 3) == 0)
		p = "/q/*";
	hz_warn("client error", "rid=%s page=%s message=%s",
	    req->request_id ? req->request_id : "-",
	    hz_log_quote(page, sizeof(page), p, 200),
	    hz_log_quote(msg, sizeof(msg), req->in[CE_MESSAGE].s, 300));
	hz_reply_empty(req, 204);
}
