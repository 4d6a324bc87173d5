/* Tencent Cloud SMS, API 3.0 SendSms (version 2021-01-11), signed with
 * TC3-HMAC-SHA256 as Tencent documents it ("Signature v3"): libsodium
 * hashes and MACs, libcurl speaks HTTP, cJSON builds and reads the JSON. */
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include <sodium.h>

#include "fetch.h"
#include "json.h"
#include "log.h"
#include "sms.h"

#define ACTION        "SendSms"
#define VERSION       "2021-01-11"
#define SERVICE       "sms"
#define CONTENT_TYPE  "application/json; charset=utf-8"
#define ANSWER_MAX    16384

/* --- The signature. --- */

static void
sha256_hex(const void *p, size_t n, char hex[2 * crypto_hash_sha256_BYTES + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, p, n);
	sodium_bin2hex(hex, 2 * sizeof(h) + 1, h, sizeof(h));
}

/* HMAC-SHA256 with a key of any length (the first one is "TC3" + the
 * secret key). */
static void
hmac(unsigned char out[crypto_auth_hmacsha256_BYTES], const void *key,
     size_t keylen, const char *msg)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg,
	    strlen(msg));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

char *
hz_tc3_authorization(hz_arena *a, const char *secret_id,
                     const char *secret_key, const char *service,
                     const char *host, time_t ts, const char *payload,
                     size_t len)
{
	unsigned char k[crypto_auth_hmacsha256_BYTES], sig[sizeof(k)];
	char body_hash[65], request_hash[65], sig_hex[65], date[16];
	char *canonical, *to_sign, *first, *out;
	struct tm tm;

	/* The date is UTC's, whatever the host's time zone. */
	gmtime_r(&ts, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	sha256_hex(payload, len, body_hash);
	if ((canonical = hz_arena_printf(a, "POST\n/\n\ncontent-type:"
	    CONTENT_TYPE "\nhost:%s\n\ncontent-type;host\n%s", host,
	    body_hash)) == NULL)
		return NULL;
	sha256_hex(canonical, strlen(canonical), request_hash);
	if ((to_sign = hz_arena_printf(a, "TC3-HMAC-SHA256\n%lld\n%s/%s/"
	    "tc3_request\n%s", (long long)ts, date, service, request_hash))
	    == NULL || (first = hz_arena_printf(a, "TC3%s", secret_key))
	    == NULL)
		return NULL;
	hmac(k, first, strlen(first), date);
	sodium_memzero(first, strlen(first));
	hmac(k, k, sizeof(k), service);
	hmac(k, k, sizeof(k), "tc3_request");
	hmac(sig, k, sizeof(k), to_sign);
	sodium_memzero(k, sizeof(k));
	sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
	out = hz_arena_printf(a, "TC3-HMAC-SHA256 Credential=%s/%s/%s/"
	    "tc3_request, SignedHeaders=content-type;host, Signature=%s",
	    secret_id, date, service, sig_hex);
	return out;
}

/* --- What an answer means. --- */

static bool
prefixed(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

enum hz_status
hz_sms_tencent_verdict(const char *code)
{
	/* Settings the operator must fix; a retry succeeds once they do. */
	static const char *const config[] = {
		"InvalidParameterValue.SdkAppIdNotExist",
		"InvalidParameter.AppidAndBizId",
		"FailedOperation.SignatureIncorrectOrUnapproved",
		"FailedOperation.TemplateIncorrectOrUnapproved",
		"FailedOperation.TemplateUnapprovedOrNotExist",
		"FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
		"FailedOperation.MissingSignatureList",
		"FailedOperation.MissingTemplateList",
		"FailedOperation.InsufficientBalanceInSmsPackage",
	};
	/* This number or this content: no retry can make it go. */
	static const char *const never[] = {
		"FailedOperation.PhoneNumberInBlacklist",
		"FailedOperation.PhoneNumberParseFail",
		"FailedOperation.ContainSensitiveWord",
		"InvalidParameter.DirtyWordFound",
	};

	if (code == NULL || code[0] == '\0')
		return HZ_ERR_UPSTREAM;
	if (strcmp(code, "Ok") == 0)
		return HZ_OK;
	for (size_t i = 0; i < sizeof(config) / sizeof(config[0]); i++)
		if (strcmp(code, config[i]) == 0)
			return HZ_ERR_CONFIG;
	if (prefixed(code, "AuthFailure") ||
	    prefixed(code, "UnauthorizedOperation"))
		return HZ_ERR_CONFIG;
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (strcmp(code, never[i]) == 0)
			return HZ_ERR_INVALID;
	/* A bad number, a parameter too long or with a URL, a region not
	 * served, a number missing. */
	if (prefixed(code, "InvalidParameterValue.") ||
	    prefixed(code, "UnsupportedOperation") ||
	    prefixed(code, "MissingParameter"))
		return HZ_ERR_INVALID;
	/* LimitExceeded.*, RequestLimitExceeded, InternalError.*,
	 * ResourceUnavailable.*, and whatever Tencent adds: later. */
	return HZ_ERR_UPSTREAM;
}

/* --- The call. --- */

/* The Host header of `url`: its host, lower case, with the port when the
 * URL names one (what curl would send, made explicit so that what is
 * signed is what is sent). */
static char *
host_of(hz_arena *a, const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *out = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
		out = port ? hz_arena_printf(a, "%s:%s", host, port) :
		    hz_arena_strdup(a, host);
		for (char *p = out; p && *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

/* The body: one number, the app, the sign, the template and its
 * parameters. */
static char *
body_of(const struct hz_ctx *x, const char *phone, const char *template_id,
        const char *const *params, size_t n)
{
	cJSON *o, *nums, *ps;

	hz_json_use_arena(x->arena);
	if ((o = cJSON_CreateObject()) == NULL ||
	    (nums = cJSON_AddArrayToObject(o, "PhoneNumberSet")) == NULL)
		return NULL;
	cJSON_AddItemToArray(nums, cJSON_CreateString(hz_arena_printf(
	    x->arena, "+86%s", phone)));
	if (cJSON_AddStringToObject(o, "SmsSdkAppId",
	    x->cfg->sms_tencent_app_id) == NULL ||
	    cJSON_AddStringToObject(o, "SignName", x->cfg->sms_sign_name)
	    == NULL ||
	    cJSON_AddStringToObject(o, "TemplateId", template_id) == NULL ||
	    (ps = cJSON_AddArrayToObject(o, "TemplateParamSet")) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(ps, cJSON_CreateString(params[i]));
	if (cJSON_GetArraySize(nums) != 1 || cJSON_GetArraySize(ps) != (int)n)
		return NULL;
	return cJSON_PrintUnformatted(o);
}

static const char *
string_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads Tencent's answer: Response.Error.Code for a refused request,
 * else Response.SendStatusSet[0].Code for the number; *request_id is
 * Response.RequestId. */
static const char *
code_of(const struct hz_ctx *x, const char *answer, size_t len,
        const char **request_id)
{
	struct hz_json_error jerr;
	const cJSON *r, *e, *set;
	cJSON *doc;

	*request_id = "-";
	hz_json_use_arena(x->arena);
	if (hz_json_parse(answer, len, 8, &doc, &jerr) != HZ_OK ||
	    !cJSON_IsObject(r = cJSON_GetObjectItemCaseSensitive(doc,
	    "Response")))
		return NULL;
	if (string_of(r, "RequestId") != NULL)
		*request_id = string_of(r, "RequestId");
	if (cJSON_IsObject(e = cJSON_GetObjectItemCaseSensitive(r, "Error")))
		return string_of(e, "Code");
	set = cJSON_GetObjectItemCaseSensitive(r, "SendStatusSet");
	if (!cJSON_IsArray(set) || cJSON_GetArraySize(set) != 1)
		return NULL;
	return string_of(cJSON_GetArrayItem(set, 0), "Code");
}

/* A log value from Tencent: printable ASCII, 64 bytes at most. */
static const char *
safe(hz_arena *a, const char *s)
{
	size_t n;
	char *t;

	if (s == NULL)
		return "-";
	n = strlen(s);
	t = hz_arena_strndup(a, s, n < 64 ? n : 64);

	for (char *p = t; p && *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '"')
			*p = '?';
	return t ? t : "-";
}

enum hz_status
hz_sms_tencent_send(const struct hz_ctx *x, const char *phone,
                    const char *what, const char *template_id,
                    const char *const *params, size_t n)
{
	const struct hz_config *c = x->cfg;
	const char *key = hz_secret(c, "sms_tencent_secret_key");
	const char *masked = hz_sms_masked(x->arena, phone);
	const char *code, *rid;
	char *body, *host, *auth, *answer = NULL;
	size_t len = 0;
	long status = 0;
	time_t now = time(NULL);   /* Tencent's clock, not a test's --now */
	int cr;
	enum hz_status rc;

	if (key == NULL || key[0] == '\0' ||
	    c->sms_tencent_secret_id[0] == '\0' || template_id[0] == '\0') {
		hz_error("sms not sent: tencent is not configured", "what=%s",
		    what);
		return HZ_ERR_CONFIG;
	}
	if ((body = body_of(x, phone, template_id, params, n)) == NULL ||
	    (host = host_of(x->arena, c->sms_tencent_url)) == NULL ||
	    (auth = hz_tc3_authorization(x->arena, c->sms_tencent_secret_id,
	    key, SERVICE, host, now, body, strlen(body))) == NULL)
		return HZ_ERR_NOMEM;
	{
		const char *lines[] = {
			"Content-Type: " CONTENT_TYPE,
			hz_arena_printf(x->arena, "Host: %s", host),
			"X-TC-Action: " ACTION,
			"X-TC-Version: " VERSION,
			hz_arena_printf(x->arena, "X-TC-Timestamp: %lld",
			    (long long)now),
			hz_arena_printf(x->arena, "X-TC-Region: %s",
			    c->sms_tencent_region),
			hz_arena_printf(x->arena, "Authorization: %s", auth),
			"Expect:",
		};
		struct hz_fetch f = {
			.url = c->sms_tencent_url, .headers = lines,
			.nheaders = sizeof(lines) / sizeof(lines[0]),
			.body = body, .body_len = strlen(body),
			.timeout = c->sms_timeout, .max = ANSWER_MAX,
		};

		cr = hz_fetch(x->arena, &f, &status, &answer, &len);
	}
	/* The Authorization value is a MAC of this one request: harmless
	 * after the call, but not left lying about either. */
	sodium_memzero(auth, strlen(auth));
	if (cr != 0 || status != 200) {
		hz_warn("sms not sent: tencent unreachable", "what=%s phone=%s "
		    "curl=%d http=%ld", what, masked, cr, status);
		return HZ_ERR_UPSTREAM;
	}
	if ((code = code_of(x, answer, len, &rid)) == NULL) {
		hz_warn("sms not sent: tencent answered nonsense", "what=%s "
		    "phone=%s request_id=%s", what, masked,
		    safe(x->arena, rid));
		return HZ_ERR_UPSTREAM;
	}
	rc = hz_sms_tencent_verdict(code);
	switch (rc) {
	case HZ_OK:
		hz_info("sms sent", "what=%s phone=%s request_id=%s", what,
		    masked, safe(x->arena, rid));
		break;
	case HZ_ERR_CONFIG:
		hz_error("sms not sent: check the tencent settings", "what=%s "
		    "phone=%s code=%s request_id=%s", what, masked,
		    safe(x->arena, code), safe(x->arena, rid));
		break;
	default:
		hz_warn("sms not sent", "what=%s phone=%s code=%s "
		    "request_id=%s retry=%s", what, masked,
		    safe(x->arena, code), safe(x->arena, rid),
		    rc == HZ_ERR_INVALID ? "no" : "yes");
		break;
	}
	return rc;
}
