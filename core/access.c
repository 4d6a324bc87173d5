#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <sodium.h>

#include "json.h"
#include "access.h"
#include "num.h"

const struct hz_refusal hz_refusal_login_needed = { HZ_ERR_UNAUTHORIZED,
    "unauthorized", NULL, "请先登录" };
const struct hz_refusal hz_refusal_token_invalid = { HZ_ERR_UNAUTHORIZED,
    "token_invalid", NULL, "登录已失效，请重新登录" };
const struct hz_refusal hz_refusal_staff_only = { HZ_ERR_FORBIDDEN,
    "forbidden", NULL, "此功能仅限工作人员使用" };

#define TOKEN_MAX 2048
#define CLOCK_SKEW 60   /* seconds an iat may lie in the future */

enum hz_status
hz_jwt_issue(const struct hz_ctx *x, uint64_t user_id, const char *kind,
             uint64_t session, char **token)
{
	const struct hz_jwt_key *k = x->keys->jwt_current;
	char sub[24], sid[24];
	jwt_t *j = NULL;
	char *s = NULL;
	enum hz_status rc = HZ_ERR_INTERNAL;

	snprintf(sub, sizeof(sub), "%llu", (unsigned long long)user_id);
	snprintf(sid, sizeof(sid), "%llu", (unsigned long long)session);
	if (jwt_new(&j) != 0)
		return HZ_ERR_NOMEM;
	if (jwt_set_alg(j, JWT_ALG_HS256, k->key, (int)k->len) != 0 ||
	    jwt_add_header(j, "kid", k->kid) != 0 ||
	    jwt_add_grant(j, "iss", x->cfg->jwt_issuer) != 0 ||
	    jwt_add_grant(j, "aud", x->cfg->jwt_audience) != 0 ||
	    jwt_add_grant(j, "sub", sub) != 0 ||
	    jwt_add_grant(j, "kind", kind) != 0 ||
	    jwt_add_grant(j, "sid", sid) != 0 ||
	    jwt_add_grant_int(j, "iat", (long)x->now) != 0 ||
	    jwt_add_grant_int(j, "exp", (long)x->now + x->cfg->access_ttl) != 0 ||
	    (s = jwt_encode_str(j)) == NULL)
		goto out;
	if ((*token = hz_arena_strdup(x->arena, s)) != NULL)
		rc = HZ_OK;
out:
	free(s);
	jwt_free(j);
	return rc;
}

/* Reads the header ourselves: the algorithm and the key id decide which
 * key libjwt gets, so they are checked before it runs. */
static const struct hz_jwt_key *
header_key(const struct hz_ctx *x, const char *token)
{
	const char *dot = strchr(token, '.');
	unsigned char raw[512];
	size_t n;
	cJSON *h;
	const cJSON *alg, *kid;
	struct hz_json_error err;

	if (dot == NULL || dot == token || (size_t)(dot - token) > 600 ||
	    sodium_base642bin(raw, sizeof(raw), token, (size_t)(dot - token),
	    NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	hz_json_use_arena(x->arena);
	if (hz_json_parse((const char *)raw, n, 2, &h, &err) != HZ_OK)
		return NULL;
	alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
	kid = cJSON_GetObjectItemCaseSensitive(h, "kid");
	if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "HS256") != 0 ||
	    !cJSON_IsString(kid))
		return NULL;
	return hz_jwt_key_find(x->keys, kid->valuestring);
}

enum hz_status
hz_jwt_verify(const struct hz_ctx *x, const char *token,
              struct hz_claims *out)
{
	const struct hz_jwt_key *k;
	const char *iss, *aud, *sub, *kind, *sid;
	jwt_t *j = NULL;
	int64_t id, session;
	enum hz_status rc = HZ_ERR_UNAUTHORIZED;
	int dots = 0;

	memset(out, 0, sizeof(*out));
	if (token == NULL || strlen(token) > TOKEN_MAX)
		return rc;
	for (const char *p = token; *p; p++)
		dots += *p == '.';
	if (dots != 2 || (k = header_key(x, token)) == NULL || k->len < 32)
		return rc;
	if (jwt_decode(&j, token, k->key, (int)k->len) != 0 || j == NULL)
		return rc;
	if (jwt_get_alg(j) != JWT_ALG_HS256)
		goto out;
	iss = jwt_get_grant(j, "iss");
	aud = jwt_get_grant(j, "aud");
	sub = jwt_get_grant(j, "sub");
	kind = jwt_get_grant(j, "kind");
	sid = jwt_get_grant(j, "sid");
	out->iat = jwt_get_grant_int(j, "iat");
	out->exp = jwt_get_grant_int(j, "exp");
	if (iss == NULL || strcmp(iss, x->cfg->jwt_issuer) != 0 ||
	    aud == NULL || strcmp(aud, x->cfg->jwt_audience) != 0 ||
	    kind == NULL || strlen(kind) >= sizeof(out->kind) ||
	    !hz_parse_i64z(sub, 1, INT64_MAX, &id) ||
	    !hz_parse_i64z(sid, 1, INT64_MAX, &session) ||
	    out->exp <= (long)x->now || out->iat <= 0 ||
	    out->iat > (long)x->now + CLOCK_SKEW || out->exp <= out->iat)
		goto out;
	out->sub = (uint64_t)id;
	out->sid = (uint64_t)session;
	memcpy(out->kind, kind, strlen(kind) + 1);
	rc = HZ_OK;
out:
	jwt_free(j);
	return rc;
}
