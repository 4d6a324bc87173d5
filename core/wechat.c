#include <string.h>

#include <curl/curl.h>

#include "json.h"
#include "log.h"
#include "wechat.h"

#define ANSWER_MAX 8192

struct answer {
	struct hz_buf buf;
};

static size_t
collect(char *p, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;

	if (n != 0 && size > ANSWER_MAX / n)
		return 0;
	if (a->buf.len + size * n > ANSWER_MAX)
		return 0;   /* makes curl fail: nothing this big is valid */
	hz_buf_append(&a->buf, p, size * n);
	return a->buf.oom ? 0 : size * n;
}

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

enum hz_status
hz_wechat_exchange(const struct hz_ctx *x, const char *code, char **openid)
{
	const char *secret = hz_secret(x->cfg, "wechat_secret");
	struct answer a;
	struct hz_json_error jerr;
	cJSON *doc;
	const cJSON *id, *errcode;
	char *url, *app = NULL, *sec = NULL;
	CURL *c;
	CURLcode cr;
	long status = 0;
	enum hz_status rc = HZ_ERR_UPSTREAM;

	if (x->cfg->wechat_appid[0] == '\0' || secret == NULL)
		return HZ_ERR_CONFIG;
	if (!code_ok(code))
		return HZ_ERR_UNAUTHORIZED;
	if ((c = curl_easy_init()) == NULL)
		return HZ_ERR_NOMEM;
	app = curl_easy_escape(c, x->cfg->wechat_appid, 0);
	sec = curl_easy_escape(c, secret, 0);
	url = hz_arena_printf(x->arena, "%s?appid=%s&secret=%s&js_code=%s"
	    "&grant_type=authorization_code", x->cfg->wechat_url,
	    app ? app : "", sec ? sec : "", code);
	hz_buf_init(&a.buf, x->arena);
	if (url == NULL || app == NULL || sec == NULL)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)x->cfg->wechat_timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)x->cfg->wechat_timeout);
	/* TLS verification stays on (libcurl's default): say so anyway. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (cr != CURLE_OK || status != 200) {
		/* The URL holds the secret: never logged. */
		hz_warn("wechat exchange failed", "curl=%d http=%ld", (int)cr,
		    status);
		goto out;
	}
	hz_json_use_arena(x->arena);
	if (hz_json_parse(a.buf.data, a.buf.len, 4, &doc, &jerr) != HZ_OK) {
		hz_warn("wechat answered nonsense", "%s", "");
		goto out;
	}
	errcode = cJSON_GetObjectItemCaseSensitive(doc, "errcode");
	id = cJSON_GetObjectItemCaseSensitive(doc, "openid");
	if (cJSON_IsNumber(errcode) && errcode->valuedouble != 0) {
		/* 40029 invalid code, 40163 code used, 40226 risky user. */
		int e = (int)errcode->valuedouble;
		hz_info("wechat refused the code", "errcode=%d", e);
		rc = (e == 40029 || e == 40163 || e == 40226)
		    ? HZ_ERR_UNAUTHORIZED : HZ_ERR_UPSTREAM;
		goto out;
	}
	if (!cJSON_IsString(id) || strlen(id->valuestring) < 8 ||
	    strlen(id->valuestring) > 64)
		goto out;
	/* session_key is deliberately dropped: Huzu never needs it. */
	if ((*openid = hz_arena_strdup(x->arena, id->valuestring)) != NULL)
		rc = HZ_OK;
out:
	curl_free(app);
	curl_free(sec);
	curl_easy_cleanup(c);
	return rc;
}
