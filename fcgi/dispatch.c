#include <string.h>
#include <strings.h>
#include <time.h>

#include "access.h"
#include "dispatch.h"
#include "idempotency.h"
#include "log.h"
#include "policy.h"
#include "response.h"
#include "users.h"

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
	req->ctx.why = &req->why;
	hz_buf_init(&req->headers, a);
	hz_buf_init(&req->out, a);
}

/* Answers with a refusal core declared. */
static bool
refuse(struct hz_req *req, const struct hz_refusal *r)
{
	hz_reply_status(req, hz_refuse(&req->ctx, r));
	return false;
}

/* Bearer token → verified claims (req->claims), no database. */
static bool
verify(struct hz_req *req)
{
	const char *h = req->authorization;

	/* RFC 9110 §11.1: the scheme is case-insensitive. */
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return refuse(req, &hz_refusal_login_needed);
	/* 1*SP between scheme and credentials (RFC 9110 §11.4). */
	for (h += 7; *h == ' '; h++)
		;
	if (*h == '\0')
		return refuse(req, &hz_refusal_login_needed);
	if (hz_jwt_verify(&req->ctx, h, &req->claims) != HZ_OK)
		return refuse(req, &hz_refusal_token_invalid);
	return true;
}

/* Verified claims → the caller, loaded fresh (a disabled account or a
 * removed role takes effect at once, not at token expiry). */
static bool
authenticate(struct hz_req *req)
{
	enum hz_status rc;

	if (!verify(req))
		return false;
	rc = hz_caller_load_session(&req->ctx, req->claims.sub,
	    req->claims.sid, &req->caller);
	if (rc == HZ_OK && strcmp(req->claims.kind,
	    req->caller.staff ? "staff" : "resident") != 0)
		rc = HZ_ERR_UNAUTHORIZED;
	if (rc == HZ_ERR_UNAUTHORIZED)
		return refuse(req, &hz_refusal_token_invalid);
	if (rc) {
		hz_reply_status(req, rc);
		return false;
	}
	req->ctx.caller = &req->caller;
	if (req->route->access == HZ_STAFF && !req->caller.staff)
		return refuse(req, &hz_refusal_staff_only);
	if (req->caller.must_change_password &&
	    !(req->route->flags & HZ_TEMP_PASSWORD_OK))
		return refuse(req, &hz_refusal_password_change);
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

/* Query parameters: only the declared ones (a route that declares none
 * takes none), never repeated, each valid by its rule. Replies and
 * returns false on failure. */
static bool
read_query(struct hz_req *req)
{
	static const struct hz_field none[] = { { NULL, NULL, 0 } };
	const struct hz_field *f = req->route->query ? req->route->query : none;
	const char *names[HZ_MAX_FIELDS + 1], *bad, *text, *msg = NULL;
	size_t n;
	enum hz_status rc;

	for (n = 0; f[n].name != NULL && n < HZ_MAX_FIELDS; n++)
		names[n] = f[n].name;
	names[n] = NULL;
	if (hz_query_check(req->arena, req->query, names, &bad) != HZ_OK) {
		struct hz_field_error e = { bad ? bad : "", "不支持的参数" };
		hz_reply_invalid(req, &e, 1);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		rc = hz_query_get(req->arena, req->query, f[i].name, &text);
		if (rc == HZ_ERR_NOT_FOUND) {
			if (!(f[i].flags & HZ_REQUIRED))
				continue;
			msg = "必填";
		} else if (rc == HZ_ERR_NOMEM) {
			hz_reply_status(req, rc);
			return false;
		} else if (rc != HZ_OK)
			msg = "参数格式不正确";
		else
			msg = hz_value_check(req->arena, f[i].rule, text,
			    &req->q[i]);
		if (msg != NULL) {
			struct hz_field_error e = { f[i].name, msg };
			hz_reply_invalid(req, &e, 1);
			return false;
		}
	}
	return true;
}

static void
run_handler(struct hz_req *req)
{
	req->route->handler(req);
	if (!req->replied) {
		hz_error("handler did not reply", "route=%s",
		    req->route->pattern);
		hz_reply_status(req, HZ_ERR_INTERNAL);
	}
}

/* An answer worth keeping: what a retry would be told again. A 5xx (the
 * database was away, a bug) and a 429 (come back later) are not: the
 * retry must run again. */
static bool
is_final(int status)
{
	return status < 500 && status != 429;
}

/* The handler under an Idempotency-Key (core/idempotency.h): the first
 * request runs it and its answer is stored; a retry is answered from the
 * store, byte for byte. Its transactions mark the claim as they commit
 * (bind), so that an answer that is not final (a 5xx, among them a
 * COMMIT whose outcome is unknown) lets a retry run again only if nothing
 * was committed; a route whose rerun is harmless (HZ_IDEM_RERUN_SAFE)
 * does not mark, and its retry runs again. */
static void
run_idempotent(struct hz_req *req)
{
	struct hz_idem_request q = {
		hz_method_name(req->method), req->path, req->query,
		req->body, req->body_len,
	};
	struct hz_idem_claim claim;
	struct hz_idem_answer a;
	enum hz_status rc;
	bool applied;

	rc = hz_idempotency_claim(&req->ctx, req->idempotency_key, &q,
	    &claim, &a);
	if (rc == HZ_DONE) {
		req->idem = "replay";
		hz_reply_replay(req, &a);
		return;
	}
	if (rc != HZ_OK) {
		req->idem = "refused";
		hz_reply_status(req, rc);
		return;
	}
	req->idem = "new";
	if (!(req->route->flags & HZ_IDEM_RERUN_SAFE))
		hz_idempotency_bind(&req->ctx, &claim);
	run_handler(req);
	hz_idempotency_unbind(&req->ctx);
	if (hz_reply_captured(req, &a) && is_final(a.status)) {
		if ((rc = hz_idempotency_finish(&req->ctx, &claim, &a)) != HZ_OK)
			hz_error("idempotent answer not stored",
			    "route=%s status=%s", req->route->pattern,
			    hz_status_str(rc));
		return;
	}
	/* Not released, the claim stays running: a retry is told to wait
	 * (409), then takes it over after a minute only if nothing was
	 * committed under it. */
	if ((rc = hz_idempotency_forget(&req->ctx, &claim, &applied)) != HZ_OK) {
		req->idem = "kept";
		hz_error("idempotency key not released", "route=%s status=%s"
		    " commit_unknown=%d", req->route->pattern,
		    hz_status_str(rc), hz_db_commit_unknown(req->ctx.db));
		return;
	}
	req->idem = applied ? "applied" : "forgotten";
	if (applied)
		hz_warn("idempotent write committed, answer lost",
		    "route=%s commit_unknown=%d", req->route->pattern,
		    hz_db_commit_unknown(req->ctx.db));
}

/* A route whose handler reads the caller with its first statement
 * (router.h, HZ_CALLER_IN_READ): the token verified here, the caller
 * loaded and admitted by core (policy.h, hz_caller_take). Input refused
 * here still answers the caller's standing first, as authenticate() would
 * have: its answer is withdrawn for the caller's refusal. */
static void
run_caller_in_read(struct hz_req *req)
{
	const struct hz_caller *who;
	enum hz_status rc;

	if (!verify(req))
		return;
	req->ctx.claims = &req->claims;
	req->ctx.caller_slot = &req->caller;
	if (!read_query(req) ||
	    (req->route->body != NULL && !read_json_body(req))) {
		if ((rc = hz_caller_settle(&req->ctx, &who)) != HZ_OK) {
			hz_reply_withdraw(req);
			hz_reply_status(req, rc);
		}
		return;
	}
	run_handler(req);
	/* Whatever succeeded had its caller admitted (hz_caller_take or
	 * hz_caller_settle fill req->caller): a handler that answered 2xx
	 * without is a bug that skipped the caller's checks, said loudly. */
	if (req->caller.id != 0)
		req->ctx.caller = &req->caller;
	else if (req->status > 0 && req->status < 400)
		hz_error("caller never admitted", "route=%s status=%d rid=%s",
		    req->route->pattern, req->status,
		    req->request_id ? req->request_id : "-");
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
	if (req->route->flags & HZ_CALLER_IN_READ) {
		run_caller_in_read(req);
		return;
	}
	if ((req->route->access != HZ_PUBLIC &&
	    (req->route->access != HZ_OPTIONAL || req->authorization != NULL))
	    && !authenticate(req))
		return;
	if (!read_query(req))
		return;
	if (req->route->body != NULL && !read_json_body(req))
		return;
	/* Keys are per user: a route without a caller ignores the header,
	 * as does a route that did not opt in (router.h, HZ_IDEMPOTENT). */
	if ((req->route->flags & HZ_IDEMPOTENT) && req->idempotency_key != NULL
	    && req->ctx.caller != NULL)
		run_idempotent(req);
	else
		run_handler(req);
}
