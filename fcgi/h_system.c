/* Operational endpoints: health, version, and the H5 pages' error reports. */
#include <string.h>

#include "handlers.h"
#include "health.h"
#include "log.h"
#include "response.h"

/* The Galera node's state, beside "status" or "error" (NULL: no memory). */
static cJSON *
galera_json(const struct hz_health *h)
{
	cJSON *g = cJSON_CreateObject();

	if (g == NULL || !cJSON_AddBoolToObject(g, "ready", h->ready) ||
	    !cJSON_AddBoolToObject(g, "wsrep_ready", h->wsrep_ready) ||
	    (h->local_state >= 0 ?
	    !cJSON_AddNumberToObject(g, "local_state", h->local_state) :
	    !cJSON_AddNullToObject(g, "local_state")) ||
	    (h->state != NULL ?
	    !cJSON_AddStringToObject(g, "state", h->state) :
	    !cJSON_AddNullToObject(g, "state")) ||
	    !cJSON_AddNumberToObject(g, "cluster_size", h->cluster_size))
		return NULL;
	return g;
}

/* 200 {"status":"ok"} when the database answers; on a Galera node also
 * "galera" (its state), and 503 db_not_synced with it when the node is not
 * ready, so that a balancer takes it out. */
void
h_health(struct hz_req *req)
{
	struct hz_health h;
	enum hz_status rc = hz_health_node(&req->ctx, &h);
	cJSON *o;

	if (rc != HZ_OK) {
		if (rc != HZ_ERR_DB_UNAVAILABLE)
			rc = HZ_ERR_DB_UNAVAILABLE;
		hz_reply_status_with(req, rc, "galera",
		    h.galera ? galera_json(&h) : NULL);
		return;
	}
	o = cJSON_CreateObject();
	if (o == NULL || !cJSON_AddStringToObject(o, "status", "ok") ||
	    (h.galera && !cJSON_AddItemToObject(o, "galera",
	    galera_json(&h)))) {
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
