#include <string.h>


#include "fetch.h"
#include "json.h"
#include "log.h"
#include "wechat.h"

#define ANSWER_MAX 8192

/* The code is user input that goes into a URL: letters, digits, - and _ */
static bool
code_ok(const char *c)
{
	size_t n = strlen(c);

	if (n < 1 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' &&
		    c[i] <= 'Z') || (c[i] >= '0' && c[i] <= '9') ||
		    c[i] == '-' || c[i] == '_'))
			return false;
	return true;
}

/* RFC 3986 percent-encoding of a query value (all but unreserved). */
static char *
escape(hz_arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out, *o;

	if (n > 1024 || (out = hz_arena_alloc(a, 3 * n + 1)) == NULL)
		return NULL;
	o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* GETs `url` and parses the answer into *doc (arena-owned); *errcode is
 * WeChat's errcode, 0 when there is none. HZ_ERR_UPSTREAM when WeChat
 * cannot be reached in wechat_timeout, answers other than 200, or answers
 * something that is not JSON. `what` names the call in the log. */
static enum hz_status
get_json(const struct hz_ctx *x, const char *what, const char *url,
         cJSON **doc, int *errcode)
{
	struct hz_json_error jerr;
	const cJSON *e;
	struct hz_fetch f = { .url = url, .timeout = x->cfg->wechat_timeout,
	    .max = ANSWER_MAX };
	char *answer = NULL;
	size_t len = 0;
	long status = 0;
	int cr;
	enum hz_status rc = HZ_ERR_UPSTREAM;

	*errcode = 0;
	if (url == NULL)
		return HZ_ERR_NOMEM;
	cr = hz_fetch(x->arena, &f, &status, &answer, &len);
	if (cr != 0 || status != 200) {
		/* The URL holds the secret: never logged. */
		hz_warn("wechat call failed", "call=%s curl=%d http=%ld", what,
		    cr, status);
		return rc;
	}
	hz_json_use_arena(x->arena);
	if (hz_json_parse(answer, len, 4, doc, &jerr) != HZ_OK ||
	    !cJSON_IsObject(*doc)) {
		hz_warn("wechat answered nonsense", "call=%s", what);
		return rc;
	}
	e = cJSON_GetObjectItemCaseSensitive(*doc, "errcode");
	if (cJSON_IsNumber(e) && e->valuedouble != 0)
		*errcode = (int)e->valuedouble;
	return HZ_OK;
}

/* WeChat said no. A user's code that is bad, used or risky is the user's
 * business (info); anything else refuses our app id, secret, server IP or
 * token (40013, 40125, 40164, 40001...): the operator's (warn). */
static void
refused(const char *what, int errcode, bool users)
{
	if (users)
		hz_info("wechat refused", "call=%s errcode=%d", what, errcode);
	else
		hz_warn("wechat refused", "call=%s errcode=%d", what, errcode);
}

/* A string member of 8 to `max` bytes, copied to the arena, or NULL. */
static char *
member(const struct hz_ctx *x, const cJSON *doc, const char *name,
       size_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);

	if (!cJSON_IsString(v) || strlen(v->valuestring) < 8 ||
	    strlen(v->valuestring) > max)
		return NULL;
	return hz_arena_strdup(x->arena, v->valuestring);
}

/* A code exchange (either kind): the openid, or why not. 40029 invalid
 * code, 40163 code used, 40226 risky user: the code is refused; any other
 * errcode is WeChat failing. */
static enum hz_status
openid_of(const struct hz_ctx *x, const char *what, const char *url,
          char **openid)
{
	cJSON *doc;
	int e;
	enum hz_status rc;

	if ((rc = get_json(x, what, url, &doc, &e)))
		return rc;
	if (e != 0) {
		bool code = e == 40029 || e == 40163 || e == 40226;

		refused(what, e, code);
		return code ? HZ_ERR_UNAUTHORIZED : HZ_ERR_UPSTREAM;
	}
	/* session_key and the web access_token are deliberately dropped:
	 * Huzu never needs them. */
	if ((*openid = member(x, doc, "openid", 64)) == NULL) {
		hz_warn("wechat answered no openid", "call=%s", what);
		return HZ_ERR_UPSTREAM;
	}
	return HZ_OK;
}

enum hz_status
hz_wechat_exchange(const struct hz_ctx *x, const char *code, char **openid)
{
	const char *secret = hz_secret(x->cfg, "wechat_secret");
	char *app, *sec;

	if (x->cfg->wechat_appid[0] == '\0' || secret == NULL)
		return HZ_ERR_CONFIG;
	if (!code_ok(code))
		return HZ_ERR_UNAUTHORIZED;
	if ((app = escape(x->arena, x->cfg->wechat_appid)) == NULL ||
	    (sec = escape(x->arena, secret)) == NULL)
		return HZ_ERR_NOMEM;
	return openid_of(x, "jscode2session", hz_arena_printf(x->arena,
	    "%s?appid=%s&secret=%s&js_code=%s&grant_type=authorization_code",
	    x->cfg->wechat_url, app, sec, code), openid);
}

/* The official account's app id and secret, escaped for a URL. */
static enum hz_status
oa_credentials(const struct hz_ctx *x, char **app, char **sec)
{
	const char *secret = hz_secret(x->cfg, "wechat_oa_secret");

	if (x->cfg->wechat_oa_appid[0] == '\0' || secret == NULL)
		return HZ_ERR_CONFIG;
	if ((*app = escape(x->arena, x->cfg->wechat_oa_appid)) == NULL ||
	    (*sec = escape(x->arena, secret)) == NULL)
		return HZ_ERR_NOMEM;
	return HZ_OK;
}

enum hz_status
hz_wechat_oa_openid(const struct hz_ctx *x, const char *code, char **openid)
{
	char *app, *sec;
	enum hz_status rc;

	if ((rc = oa_credentials(x, &app, &sec)))
		return rc;
	if (!code_ok(code))
		return HZ_ERR_UNAUTHORIZED;
	return openid_of(x, "oauth2", hz_arena_printf(x->arena,
	    "%s/sns/oauth2/access_token?appid=%s&secret=%s&code=%s"
	    "&grant_type=authorization_code", x->cfg->wechat_oa_url, app, sec,
	    code), openid);
}

/* `name` (the token or the ticket) and expires_in of an answer. */
static enum hz_status
expiring(const struct hz_ctx *x, const cJSON *doc, const char *name,
         char **value, long *expires_in)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "expires_in");

	/* 900 bytes fit wechat_cache's sealed column with room to spare;
	 * WeChat documents 512 at most. */
	if ((*value = member(x, doc, name, 900)) == NULL || !cJSON_IsNumber(e)
	    || e->valuedouble < 60 || e->valuedouble > 86400) {
		hz_warn("wechat answered no usable value", "call=%s", name);
		return HZ_ERR_UPSTREAM;
	}
	*expires_in = (long)e->valuedouble;
	return HZ_OK;
}

enum hz_status
hz_wechat_oa_token(const struct hz_ctx *x, char **token, long *expires_in)
{
	cJSON *doc;
	char *app, *sec;
	int e;
	enum hz_status rc;

	if ((rc = oa_credentials(x, &app, &sec)) ||
	    (rc = get_json(x, "token", hz_arena_printf(x->arena,
	    "%s/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s",
	    x->cfg->wechat_oa_url, app, sec), &doc, &e)))
		return rc;
	if (e != 0) {
		refused("token", e, false);
		return HZ_ERR_UPSTREAM;
	}
	return expiring(x, doc, "access_token", token, expires_in);
}

enum hz_status
hz_wechat_oa_ticket(const struct hz_ctx *x, const char *token, char **ticket,
                    long *expires_in)
{
	cJSON *doc;
	char *tok;
	int e;
	enum hz_status rc;

	if ((tok = escape(x->arena, token)) == NULL)
		return HZ_ERR_NOMEM;
	if ((rc = get_json(x, "ticket", hz_arena_printf(x->arena,
	    "%s/cgi-bin/ticket/getticket?type=jsapi&access_token=%s",
	    x->cfg->wechat_oa_url, tok), &doc, &e)))
		return rc;
	if (e != 0)
		refused("ticket", e, false);
	/* 40001 invalid credential, 40014 invalid token, 42001 expired. */
	if (e == 40001 || e == 40014 || e == 42001)
		return HZ_ERR_UNAUTHORIZED;
	if (e != 0)
		return HZ_ERR_UPSTREAM;
	return expiring(x, doc, "ticket", ticket, expires_in);
}
