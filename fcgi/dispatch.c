#include <string.h>
#include <time.h>

#include "access.h"
#include "dispatch.h"
#include "log.h"
#include "response.h"

void
hz_req_init(struct hz_req *req, hz_arena *a, const struct hz_config *cfg,
            const struct hz_keys *keys, struct hz_db *db)
{
	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->cfg = cfg;
	req->db = db;
	req->query = "";
	req->ctx.db = db;
	req->ctx.arena = a;
	req->ctx.cfg = cfg;
	req->ctx.keys = keys;
	req->ctx.now = time(NULL);
	hz_buf_init(&req->headers, a);
	hz_buf_init(&req->out, a);
}

static void
reply_unauthorized(struct hz_req *req, const char *code, const char *message)
{
	hz_reply_header(req, "WWW-Authenticate", "Bearer");
	hz_reply_error(req, 401, code, message);
}

/* Bearer token → verified claims → the caller, loaded fresh (a disabled
 * account or a removed role takes effect at once, not at token expiry). */
static bool
authenticate(struct hz_req *req)
{
	const char *h = req->authorization;
	struct hz_claims claims;
	enum hz_status rc;

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
		reply_unauthorized(req, "unauthorized", "请先登录");
		return false;
	}
	if (hz_jwt_verify(&req->ctx, h + 7, &claims) != HZ_OK) {
		reply_unauthorized(req, "token_invalid",
		    "登录已失效，请重新登录");
		return false;
	}
	rc = hz_caller_load(&req->ctx, claims.sub, &req->caller);
	if (rc == HZ_OK && strcmp(claims.kind,
	    req->caller.staff ? "staff" : "resident") != 0)
		rc = HZ_ERR_UNAUTHORIZED;
	if (rc == HZ_ERR_UNAUTHORIZED) {
		reply_unauthorized(req, "token_invalid",
		    "登录已失效，请重新登录");
		return false;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return false;
	}
	req->ctx.caller = &req->caller;
	if (req->route->access == HZ_STAFF && !req->caller.staff) {
		hz_reply_error(req, 403, "forbidden", "此功能仅限工作人员使用");
		return false;
	}
	return true;
}

/* Body checks for routes that declare JSON fields: media type, size,
 * syntax, then the fields themselves. Replies and returns false on
 * failure. */
static bool
read_json_body(struct hz_req *req)
{
	struct hz_field_error errs[HZ_MAX_FIELDS];
	struct hz_json_error jerr;
	size_t nerr;

	if (!hz_is_json_type(req->content_type)) {
		hz_reply_error(req, 415, "unsupported_media_type",
		    "请求体应为 JSON（Content-Type: application/json）");
		return false;
	}
	if (req->body_len > (size_t)req->cfg->max_body) {
		hz_reply_error(req, 413, "body_too_large", "请求内容过大");
		return false;
	}
	if (hz_json_parse(req->body, req->body_len, req->cfg->json_max_depth,
	    &req->json, &jerr) != HZ_OK) {
		hz_reply_error(req, 400, jerr.code, jerr.message);
		return false;
	}
	if (hz_json_validate(req->arena, req->json, req->route->body, req->in,
	    errs, HZ_MAX_FIELDS, &nerr) != HZ_OK) {
		hz_reply_invalid(req, errs, nerr < HZ_MAX_FIELDS ? nerr
		    : HZ_MAX_FIELDS);
		return false;
	}
	return true;
}

void
hz_handle(struct hz_req *req, const struct hz_route *table, size_t n)
{
	char allow[128];

	hz_json_use_arena(req->arena);
	switch (hz_route_match(req, table, n, allow, sizeof(allow))) {
	case HZ_MATCH_NONE:
		hz_reply_error(req, 404, "not_found", "请求的接口不存在");
		return;
	case HZ_MATCH_METHOD:
		hz_reply_header(req, "Allow", allow);
		hz_reply_error(req, 405, "method_not_allowed",
		    "该接口不支持此请求方法");
		return;
	case HZ_MATCH_OK:
		break;
	}
	req->ctx.request_id = req->request_id;
	req->ctx.ip = req->remote_addr;
	/* An optional login that fails is an error all the same: a client
	 * sending a stale token should learn it, not be served anonymously. */
	if ((req->route->access != HZ_PUBLIC &&
	    (req->route->access != HZ_OPTIONAL || req->authorization != NULL))
	    && !authenticate(req))
		return;
	if (req->route->body != NULL && !read_json_body(req))
		return;
	req->route->handler(req);
	if (!req->replied) {
		hz_error("handler did not reply", "route=%s",
		    req->route->pattern);
		hz_reply_status(req, HZ_ERR_INTERNAL);
	}
}
