/* Logging in and out: staff password, phone code, WeChat, refresh. */
#include <string.h>

#include "handlers.h"
#include "login.h"
#include "response.h"
#include "session.h"
#include "users.h"
#include "wechat_web.h"

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
	    !cJSON_AddStringToObject(u, "kind", t->kind) ||
	    /* Staff only: a temporary password must be changed first. */
	    (strcmp(t->kind, "staff") == 0 && !cJSON_AddBoolToObject(u,
	    "must_change_password", t->must_change_password))) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_json(req, 200, o);
}

static const struct hz_rule username = { HZ_F_STRING, 1, 64 };
static const struct hz_rule password = { HZ_F_STRING, 1, 256 };
static const struct hz_rule wechat_code = { HZ_F_STRING, 1, 128 };
static const struct hz_rule refresh_token = { HZ_F_STRING, 1, 128 };

/* Staff log in with whatever they type: a wrong username is a failed
 * login like a wrong password, not a field error that tells them apart. */
enum { L_USERNAME, L_PASSWORD };
const struct hz_field login_fields[] = {
	[L_USERNAME] = { "username", &username, HZ_REQUIRED },
	[L_PASSWORD] = { "password", &password, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

enum { C_PHONE, C_CODE, C_BIND };
/* A bind token of POST /auth/wechat-web (core/wechat_web.h). */
static const struct hz_rule wechat_bind = { HZ_F_STRING, 1, 256 };
const struct hz_field code_fields[] = {
	[C_PHONE] = { "phone", &hz_rule_phone, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};
const struct hz_field code_verify_fields[] = {
	[C_PHONE] = { "phone", &hz_rule_phone, HZ_REQUIRED },
	[C_CODE]  = { "code", &hz_rule_login_code, HZ_REQUIRED },
	[C_BIND]  = { "wechat_bind", &wechat_bind, 0 },
	{ NULL, NULL, 0 },
};

enum { W_CODE };
const struct hz_field wechat_fields[] = {
	[W_CODE] = { "code", &wechat_code, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

enum { R_TOKEN };
const struct hz_field refresh_fields[] = {
	[R_TOKEN] = { "refresh_token", &refresh_token, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

/* Every way in ends the same: tokens, or core's refusal. */
static void
reply_login(struct hz_req *req, enum hz_status rc, const struct hz_tokens *t)
{
	if (rc)
		hz_reply_status(req, rc);
	else
		reply_tokens(req, t);
}

void
h_login(struct hz_req *req)
{
	struct hz_tokens t;

	reply_login(req, hz_login_staff(&req->ctx, req->in[L_USERNAME].s,
	    req->in[L_PASSWORD].s, &t), &t);
}

void
h_code_send(struct hz_req *req)
{
	enum hz_status rc = hz_login_code_send(&req->ctx, req->in[C_PHONE].s);
	cJSON *o;

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) != NULL &&
	    (!cJSON_AddNumberToObject(o, "expires_in", req->cfg->code_ttl) ||
	    !cJSON_AddNumberToObject(o, "resend_after",
	    req->cfg->code_interval)))
		o = NULL;
	hz_reply_object(req, 202, o);
}

void
h_code_verify(struct hz_req *req)
{
	struct hz_tokens t;

	reply_login(req, hz_login_code_verify_bind(&req->ctx,
	    req->in[C_PHONE].s, req->in[C_CODE].s, HZ_OPT_S(req->in[C_BIND]),
	    &t), &t);
}

void
h_wechat(struct hz_req *req)
{
	struct hz_tokens t;

	reply_login(req, hz_login_wechat(&req->ctx, req->in[W_CODE].s, &t), &t);
}

void
h_refresh(struct hz_req *req)
{
	struct hz_tokens t;

	reply_login(req, hz_session_refresh(&req->ctx, req->in[R_TOKEN].s, &t),
	    &t);
}

void
h_logout(struct hz_req *req)
{
	enum hz_status rc = hz_session_end(&req->ctx, req->in[R_TOKEN].s);

	if (rc)
		hz_reply_status(req, rc);
	else
		hz_reply_empty(req, 204);
}

/* ---- One's own password (staff) ---- */

static const struct hz_rule old_password = { HZ_F_STRING, 1, 256,
    "请填写原密码（管理员重置后给您的临时密码也算）" };

enum { P_OLD, P_NEW };
const struct hz_field me_password_fields[] = {
	[P_OLD] = { "old_password", &old_password, HZ_REQUIRED },
	[P_NEW] = { "new_password", &hz_user_rules.password, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

/* Changed: every session of the account ended, this one's new tokens. */
void
h_me_password(struct hz_req *req)
{
	struct hz_tokens t;

	reply_login(req, hz_password_change(&req->ctx, req->in[P_OLD].s,
	    req->in[P_NEW].s, &t), &t);
}

/* ---- Inside WeChat's browser (official account web authorisation) ---- */

void
h_wechat_web_info(struct hz_req *req)
{
	bool on = hz_wechat_web_enabled(req->cfg);
	cJSON *o = cJSON_CreateObject();

	if (o != NULL && (!cJSON_AddBoolToObject(o, "enabled", on) || (on &&
	    !cJSON_AddStringToObject(o, "app_id", req->cfg->wechat_oa_appid))))
		o = NULL;
	hz_reply_object(req, 200, o);
}

void
h_wechat_web(struct hz_req *req)
{
	struct hz_tokens t;
	char *bind = NULL;
	enum hz_status rc = hz_login_wechat_web(&req->ctx, req->in[W_CODE].s,
	    &t, &bind);
	cJSON *o;

	if (rc || bind == NULL) {
		reply_login(req, rc, &t);
		return;
	}
	if ((o = cJSON_CreateObject()) != NULL &&
	    (!cJSON_AddBoolToObject(o, "bind_required", true) ||
	    !cJSON_AddStringToObject(o, "bind_token", bind) ||
	    !cJSON_AddNumberToObject(o, "expires_in", HZ_WECHAT_BIND_TTL)))
		o = NULL;
	hz_reply_object(req, 200, o);
}
