#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "render.h"
#include "response.h"

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 502: return "Bad Gateway";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default:  return status < 500 ? "Error" : "Internal Server Error";
	}
}

/* Emits status line, headers and body; `body` may be NULL. False if the
 * request had its answer already. */
static bool
emit_typed(struct hz_req *req, int status, const char *type,
           const char *body, size_t len)
{
	struct hz_buf *o = &req->out;
	char code[HZ_I64_CHARS];

	if (req->replied) {
		/* A handler answered twice: a bug; keep the first answer. */
		hz_error("second reply ignored", "status=%d rid=%s", status,
		    req->request_id ? req->request_id : "-");
		return false;
	}
	req->replied = true;
	req->status = status;
	/* Appended, not printed: this runs on every answer. */
	hz_buf_append(o, "Status: ", 8);
	hz_buf_append(o, code, hz_fmt_i64(code, status));
	hz_buf_append(o, " ", 1);
	hz_buf_puts(o, reason(status));
	hz_buf_append(o, "\r\n", 2);
	if (body != NULL) {
		hz_buf_append(o, "Content-Type: ", 14);
		hz_buf_puts(o, type);
		hz_buf_append(o, "\r\n", 2);
	}
	/* Never cached, unless the handler said otherwise (a photo). */
	if (!req->cache_control)
		hz_buf_puts(o, "Cache-Control: no-store\r\n");
	if (req->headers.len)
		hz_buf_append(o, req->headers.data, req->headers.len);
	hz_buf_puts(o, "\r\n");
	/* The capture: what hz_reply_captured hands to idempotency. */
	req->body_at = o->len;
	req->body_type = body != NULL ? type : NULL;
	if (body != NULL && req->method != HZ_HEAD)
		hz_buf_append(o, body, len);
	return true;
}

static void emit_nomem(struct hz_req *);

static void
emit(struct hz_req *req, int status, const char *body, size_t len)
{
	emit_typed(req, status, "application/json; charset=utf-8", body, len);
}

void
hz_reply_bytes(struct hz_req *req, int status, const char *content_type,
               const void *data, size_t len)
{
	emit_typed(req, status, content_type, data, len);
	if (req->out.oom)
		emit_nomem(req);
}

void
hz_reply_stream_start(struct hz_req *req, int status, const char *type)
{
	emit_typed(req, status, type, "", 0);
	if (req->sink == NULL || req->out.oom)
		return;
	req->streamed = req->sink_write(req->sink, req->out.data, req->out.len);
	hz_buf_init(&req->out, req->arena);
}

enum hz_status
hz_reply_stream_write(struct hz_req *req, const char *data, size_t len)
{
	if (!req->streamed) {
		hz_buf_append(&req->out, data, len);
		return req->out.oom ? HZ_ERR_NOMEM : HZ_OK;
	}
	/* The client went away: stop reading rows for nobody. */
	return req->sink_write(req->sink, data, len) ? HZ_OK : HZ_ERR_INTERNAL;
}

enum hz_status
hz_reply_csv_line(void *arg, const char *line, size_t len)
{
	struct hz_csv_reply *o = arg;

	if (!o->started) {
		const char *d = o->filename == NULL ? NULL :
		    hz_arena_printf(o->req->arena,
		    "attachment; filename=\"%s\"", o->filename);

		if (d == NULL)
			return HZ_ERR_NOMEM;
		hz_reply_header(o->req, "Content-Disposition", d);
		hz_reply_stream_start(o->req, 200, "text/csv; charset=utf-8");
		o->started = true;
	}
	return hz_reply_stream_write(o->req, line, len);
}

void
hz_reply_csv_end(struct hz_csv_reply *o, enum hz_status rc)
{
	if (rc && !o->started)
		hz_reply_status(o->req, rc);
	else if (rc)
		/* Too late for another status: the file is cut short. */
		hz_error("csv cut short", "status=%s rid=%s", hz_status_str(rc),
		    o->req->request_id ? o->req->request_id : "-");
}

/* Last resort when even the error cannot be built: a fixed body. */
static void
emit_nomem(struct hz_req *req)
{
	static const char body[] =
	    "{\"error\":{\"code\":\"internal\",\"message\":\"服务器内部错误\"}}";

	req->replied = false;
	hz_buf_init(&req->out, req->arena);
	hz_buf_init(&req->headers, req->arena);
	emit(req, 500, body, sizeof(body) - 1);
}

/* The body is printed straight after the headers, with no copy of its
 * own (json.h: hz_json_print, cJSON's output without its printf). */
void
hz_reply_json(struct hz_req *req, int status, const cJSON *body)
{
	if (body == NULL) {
		emit_nomem(req);
		return;
	}
	if (!emit_typed(req, status, "application/json; charset=utf-8", "",
	    0))
		return;
	if ((req->method != HZ_HEAD && !hz_json_print(&req->out, body)) ||
	    req->out.oom)
		emit_nomem(req);
}

void
hz_reply_object(struct hz_req *req, int status, const cJSON *body)
{
	if (body == NULL)
		hz_reply_status(req, HZ_ERR_NOMEM);
	else
		hz_reply_json(req, status, body);
}

void
hz_reply_revealed(struct hz_req *req, enum hz_status rc, const char *key,
                  const char *value)
{
	cJSON *o;

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) != NULL &&
	    !hz_json_add_str_or_null(o, key, value))
		o = NULL;
	hz_reply_object(req, 200, o);
}

void
hz_reply_empty(struct hz_req *req, int status)
{
	emit(req, status, NULL, 0);
}

static cJSON *
envelope(struct hz_req *req, const char *code, const char *message,
         cJSON **err)
{
	cJSON *root = cJSON_CreateObject();

	req->error_code = code;
	*err = cJSON_AddObjectToObject(root, "error");
	if (*err == NULL ||
	    !cJSON_AddStringToObject(*err, "code", code) ||
	    !cJSON_AddStringToObject(*err, "message", message) ||
	    !cJSON_AddStringToObject(*err, "request_id",
	        req->request_id ? req->request_id : ""))
		return NULL;
	return root;
}

void
hz_reply_error(struct hz_req *req, int status, const char *code,
               const char *message)
{
	cJSON *err, *root = envelope(req, code, message, &err);

	if (root == NULL) {
		emit_nomem(req);
		return;
	}
	hz_reply_json(req, status, root);
}

void
hz_reply_invalid(struct hz_req *req, const struct hz_field_error *errs,
                 size_t n)
{
	cJSON *err, *fields, *root;

	root = envelope(req, "validation_failed", "提交的内容有误，请检查后重试",
	    &err);
	if (root == NULL || (fields = cJSON_AddObjectToObject(err, "fields"))
	    == NULL) {
		emit_nomem(req);
		return;
	}
	for (size_t i = 0; i < n && i < 16; i++) {
		const char *name = errs[i].field[0] ? errs[i].field : "_body";
		/* First message per field wins. */
		if (cJSON_GetObjectItemCaseSensitive(fields, name) == NULL &&
		    !cJSON_AddStringToObject(fields, name, errs[i].message)) {
			emit_nomem(req);
			return;
		}
	}
	hz_reply_json(req, 422, root);
}

static const struct {
	int         http;
	const char *code;
	const char *message;
} status_map[HZ_STATUS__MAX] = {
	[HZ_OK]                 = { 200, "ok", "成功" },
	[HZ_DONE]               = { 200, "ok", "成功" },
	[HZ_ERR_NOMEM]          = { 500, "internal", "服务器内部错误" },
	[HZ_ERR_INVALID]        = { 422, "validation_failed", "提交的内容有误，请检查后重试" },
	[HZ_ERR_UNAUTHORIZED]   = { 401, "unauthorized", "请先登录" },
	[HZ_ERR_RATE_LIMITED]   = { 429, "rate_limited", "操作过于频繁，请稍后再试" },
	[HZ_ERR_UPSTREAM]       = { 502, "upstream_failed", "外部服务暂时不可用，请稍后重试" },
	[HZ_ERR_NOT_FOUND]      = { 404, "not_found", "未找到该记录" },
	[HZ_ERR_FORBIDDEN]      = { 403, "forbidden", "您没有进行此操作的权限" },
	[HZ_ERR_CONFLICT]       = { 409, "conflict", "与已有记录冲突" },
	[HZ_ERR_GONE]           = { 410, "gone", "已失效" },
	[HZ_ERR_DISABLED]       = { 503, "unavailable", "此功能暂未开通" },
	[HZ_ERR_DB_UNAVAILABLE] = { 503, "db_unavailable", "服务暂时不可用，请稍后重试" },
	[HZ_ERR_DB_RETRY]       = { 503, "busy", "系统繁忙，请稍后重试" },
	[HZ_ERR_DB]             = { 500, "internal", "服务器内部错误" },
	[HZ_ERR_IO]             = { 500, "internal", "服务器内部错误" },
	[HZ_ERR_CONFIG]         = { 500, "internal", "服务器内部错误" },
	[HZ_ERR_INTERNAL]       = { 500, "internal", "服务器内部错误" },
	[HZ_ERR_TOO_LARGE]      = { 413, "body_too_large", "请求内容过大" },
	[HZ_ERR_MEDIA_TYPE]     = { 415, "unsupported_media_type", "不支持的内容类型" },
};

/* A refusal from core: its status, code and words; 422s keep the
 * validation envelope (code validation_failed, the words on the field),
 * unless the refusal names a code of its own (idempotency_key_reused). */
static void
reply_refusal(struct hz_req *req, const struct hz_refusal *r,
              const char *key, cJSON *extra)
{
	cJSON *err, *fields, *root;
	char secs[16];

	if (r->status == HZ_ERR_INVALID &&
	    strcmp(r->code, "validation_failed") == 0) {
		struct hz_field_error e = { r->field ? r->field : "",
		    r->message };
		hz_reply_invalid(req, &e, 1);
		return;
	}
	if (r->retry_after > 0) {
		snprintf(secs, sizeof(secs), "%d", r->retry_after);
		hz_reply_header(req, "Retry-After", secs);
	}
	/* RFC 9110 §15.5.2: a 401 names the scheme to authenticate with. */
	if (r->status == HZ_ERR_UNAUTHORIZED)
		hz_reply_header(req, "WWW-Authenticate", "Bearer");
	if ((root = envelope(req, r->code, r->message, &err)) == NULL ||
	    (r->field != NULL &&
	    ((fields = cJSON_AddObjectToObject(err, "fields")) == NULL ||
	    !cJSON_AddStringToObject(fields, r->field, r->message))) ||
	    (extra != NULL && !cJSON_AddItemToObject(root, key, extra))) {
		emit_nomem(req);
		return;
	}
	hz_reply_json(req, status_map[r->status].http, root);
}

void
hz_reply_withdraw(struct hz_req *req)
{
	if (req->streamed)
		return;
	req->replied = false;
	req->status = 0;
	req->error_code = NULL;
	req->cache_control = false;
	req->body_at = 0;
	req->body_type = NULL;
	hz_buf_init(&req->headers, req->arena);
	hz_buf_init(&req->out, req->arena);
}

void
hz_reply_status(struct hz_req *req, enum hz_status rc)
{
	hz_reply_status_with(req, rc, NULL, NULL);
}

void
hz_reply_status_with(struct hz_req *req, enum hz_status rc, const char *key,
                     cJSON *extra)
{
	const struct hz_refusal *r = hz_refusal_of(&req->ctx, rc);

	if (r != NULL && (unsigned)rc < HZ_STATUS__MAX) {
		reply_refusal(req, r, key, extra);
		return;
	}
	if ((unsigned)rc >= HZ_STATUS__MAX || status_map[rc].code == NULL)
		rc = HZ_ERR_INTERNAL;
	if (status_map[rc].http == 503)
		hz_reply_header(req, "Retry-After", "1");
	hz_reply_error(req, status_map[rc].http, status_map[rc].code,
	    status_map[rc].message);
}

bool
hz_reply_captured(const struct hz_req *req, struct hz_idem_answer *a)
{
	if (!req->replied || req->out.oom || req->headers.oom ||
	    req->body_at > req->out.len)
		return false;
	a->status = req->status;
	a->content_type = req->body_type;
	a->headers = req->headers.len ? req->headers.data : "";
	a->headers_len = req->headers.len;
	a->body = req->body_type != NULL ? req->out.data + req->body_at : NULL;
	a->body_len = req->body_type != NULL ? req->out.len - req->body_at : 0;
	return true;
}

void
hz_reply_replay(struct hz_req *req, const struct hz_idem_answer *a)
{
	if (a->headers_len)
		hz_buf_append(&req->headers, a->headers, a->headers_len);
	hz_reply_header(req, "Idempotent-Replayed", "true");
	emit_typed(req, a->status, a->content_type, a->content_type != NULL ?
	    (a->body != NULL ? a->body : "") : NULL, a->body_len);
	if (req->out.oom)
		emit_nomem(req);
}

void
hz_reply_header(struct hz_req *req, const char *name, const char *value)
{
	if (strcasecmp(name, "Cache-Control") == 0)
		req->cache_control = true;
	hz_buf_printf(&req->headers, "%s: %s\r\n", name, value);
}
