/* Logging in and out: staff password, phone code, WeChat, refresh. */
#include <string.h>

#include "handlers.h"
#include "login.h"
#include "response.h"
#include "session.h"

static void
reply_tokens(struct hz_req *req, const struct hz_tokens *t)
{
	cJSON *o = cJSON_CreateObject(), *u;

	if (o == NULL ||
	    !cJSON_AddStringToObject(o, "access_token", t->access) ||
	    !cJSON_AddStringToObject(o, "refresh_token", t->refresh) ||
	    !cJSON_AddStringToObject(o, "token_type", "Bearer") ||
	    !cJSON_AddNumberToObject(o, "expires_in", t->expires_in) ||
	    (u = cJSON_AddObjectToObject(o, "user")) == NULL ||
	    !cJSON_AddNumberToObject(u, "id", (double)t->user_id) ||
	    !cJSON_AddStringToObject(u, "kind", t->kind)) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
}

enum { L_USERNAME, L_PASSWORD };
const struct hz_field login_fields[] = {
	[L_USERNAME] = { "username", HZ_F_STRING, HZ_REQUIRED, 1, 64 },
	[L_PASSWORD] = { "password", HZ_F_STRING, HZ_REQUIRED, 1, 256 },
	{ NULL, 0, 0, 0, 0 },
};

void
h_login(struct hz_req *req)
{
	struct hz_tokens t;
	enum hz_status rc = hz_login_staff(&req->ctx, req->in[L_USERNAME].s,
	    req->in[L_PASSWORD].s, &t);

	if (rc == HZ_ERR_UNAUTHORIZED) {
		hz_reply_error(req, 401, "login_failed", "用户名或密码错误");
		return;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	reply_tokens(req, &t);
}

enum { C_PHONE, C_CODE };
const struct hz_field code_fields[] = {
	[C_PHONE] = { "phone", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	{ NULL, 0, 0, 0, 0 },
};
const struct hz_field code_verify_fields[] = {
	[C_PHONE] = { "phone", HZ_F_STRING, HZ_REQUIRED, 1, 32 },
	[C_CODE]  = { "code", HZ_F_STRING, HZ_REQUIRED, 1, 16 },
	{ NULL, 0, 0, 0, 0 },
};

static void
reply_bad_phone(struct hz_req *req)
{
	struct hz_field_error e = { "phone", "请输入正确的 11 位手机号" };

	hz_reply_invalid(req, &e, 1);
}

void
h_code_send(struct hz_req *req)
{
	enum hz_status rc = hz_login_code_send(&req->ctx, req->in[C_PHONE].s);
	cJSON *o;

	if (rc == HZ_ERR_INVALID) {
		reply_bad_phone(req);
		return;
	}
	if (rc == HZ_ERR_RATE_LIMITED) {
		hz_reply_header(req, "Retry-After", "60");
		hz_reply_error(req, 429, "code_too_frequent",
		    "验证码发送过于频繁，请稍后再试");
		return;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	o = cJSON_CreateObject();
	if (o == NULL || !cJSON_AddNumberToObject(o, "expires_in",
	    req->cfg->code_ttl) || !cJSON_AddNumberToObject(o, "resend_after",
	    req->cfg->code_interval)) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 202, o);
}

void
h_code_verify(struct hz_req *req)
{
	struct hz_tokens t;
	enum hz_status rc = hz_login_code_verify(&req->ctx, req->in[C_PHONE].s,
	    req->in[C_CODE].s, &t);

	switch (rc) {
	case HZ_OK:
		reply_tokens(req, &t);
		return;
	case HZ_ERR_INVALID: {
		struct hz_field_error e[] = {
			{ "phone", "请输入正确的 11 位手机号" },
			{ "code", "验证码为 6 位数字" },
		};
		/* Say which one is wrong. */
		if (strlen(req->in[C_CODE].s) == 6 &&
		    strspn(req->in[C_CODE].s, "0123456789") == 6)
			hz_reply_invalid(req, e, 1);
		else
			hz_reply_invalid(req, e + 1, 1);
		return;
	}
	case HZ_ERR_UNAUTHORIZED:
		hz_reply_error(req, 401, "code_invalid", "验证码错误或已过期");
		return;
	case HZ_ERR_RATE_LIMITED:
		hz_reply_error(req, 429, "code_locked",
		    "验证码错误次数过多，请重新获取验证码");
		return;
	case HZ_ERR_FORBIDDEN:
		hz_reply_error(req, 403, "login_refused",
		    "该号码不能用于住户登录，工作人员请使用账号密码登录");
		return;
	default:
		hz_reply_status(req, rc);
	}
}

enum { W_CODE };
const struct hz_field wechat_fields[] = {
	[W_CODE] = { "code", HZ_F_STRING, HZ_REQUIRED, 1, 128 },
	{ NULL, 0, 0, 0, 0 },
};

void
h_wechat(struct hz_req *req)
{
	struct hz_tokens t;
	enum hz_status rc = hz_login_wechat(&req->ctx, req->in[W_CODE].s, &t);

	switch (rc) {
	case HZ_OK:
		reply_tokens(req, &t);
		return;
	case HZ_ERR_UNAUTHORIZED:
		hz_reply_error(req, 401, "wechat_code_invalid",
		    "微信登录凭证无效或已使用，请重试");
		return;
	case HZ_ERR_UPSTREAM:
		hz_reply_error(req, 502, "wechat_unavailable",
		    "微信服务暂时不可用，请稍后重试或使用手机号登录");
		return;
	case HZ_ERR_FORBIDDEN:
		hz_reply_error(req, 403, "login_refused", "该账号已停用");
		return;
	case HZ_ERR_CONFIG:
		hz_reply_error(req, 503, "wechat_disabled",
		    "暂未开通微信登录，请使用手机号登录");
		return;
	default:
		hz_reply_status(req, rc);
	}
}

enum { R_TOKEN };
const struct hz_field refresh_fields[] = {
	[R_TOKEN] = { "refresh_token", HZ_F_STRING, HZ_REQUIRED, 1, 128 },
	{ NULL, 0, 0, 0, 0 },
};

void
h_refresh(struct hz_req *req)
{
	struct hz_tokens t;
	enum hz_status rc = hz_session_refresh(&req->ctx, req->in[R_TOKEN].s,
	    &t);

	if (rc == HZ_ERR_UNAUTHORIZED) {
		hz_reply_header(req, "WWW-Authenticate", "Bearer");
		hz_reply_error(req, 401, "refresh_invalid",
		    "登录已失效，请重新登录");
		return;
	}
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	reply_tokens(req, &t);
}

void
h_logout(struct hz_req *req)
{
	enum hz_status rc = hz_session_end(&req->ctx, req->in[R_TOKEN].s);

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	hz_reply_empty(req, 204);
}
