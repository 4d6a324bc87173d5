#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "audit.h"
#include "crypto.h"
#include "log.h"
#include "wechat.h"
#include "wechat_web.h"

enum {
	STMT_FIND, STMT_HOLDER, STMT_BIND,
	STMT_CACHE_GET, STMT_CACHE_LOCK, STMT_CACHE_SEED, STMT_CACHE_PUT,
	STMT_DOWN_SET,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_FIND] =
	    "SELECT id, kind, disabled FROM users WHERE wechat_oa_index = ?",
	/* Locking read: sees (and holds) a binding made a moment ago. */
	[STMT_HOLDER] =
	    "SELECT id FROM users WHERE wechat_oa_index = ? FOR UPDATE",
	[STMT_BIND] =
	    "UPDATE users SET wechat_oa_index = ? WHERE id = ?",
	[STMT_CACHE_GET] =
	    "SELECT value_sealed, expires_at > NOW(3) FROM wechat_cache"
	    " WHERE name = ?",
	/* Every worker that finds the value expired queues here; the first
	 * fetches, the others then read what it stored. On a Galera cluster
	 * the lock is only the local node's: two nodes may both fetch, the
	 * later commit fails certification and hz_tx reruns it, and it then
	 * reads the winner's value. WeChat keeps the replaced access token
	 * valid for 5 minutes, so that costs one extra fetch, nothing more;
	 * to rule even that out, send these writes to one node. */
	[STMT_CACHE_LOCK] =
	    "SELECT value_sealed, expires_at > NOW(3) FROM wechat_cache"
	    " WHERE name = ? FOR UPDATE",
	/* The row to lock must exist: made once, expired, outside the
	 * transaction that locks it. */
	[STMT_CACHE_SEED] =
	    "INSERT IGNORE INTO wechat_cache (name, value_sealed, expires_at)"
	    " VALUES (?, '', '2000-01-01')",
	[STMT_CACHE_PUT] =
	    "UPDATE wechat_cache SET value_sealed = ?,"
	    " expires_at = NOW(3) + INTERVAL ? SECOND WHERE name = ?",
	/* WeChat failed to give a ticket: `down:<appid>` live for a while. */
	[STMT_DOWN_SET] =
	    "INSERT INTO wechat_cache (name, value_sealed, expires_at)"
	    " VALUES (?, '', NOW(3) + INTERVAL ? SECOND)"
	    " ON DUPLICATE KEY UPDATE expires_at = VALUES(expires_at)",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("wechat_web", sql);

enum { F_ID, F_KIND, F_DISABLED };
enum { V_SEALED, V_LIVE };

static const struct hz_refusal
    bind_invalid = { HZ_ERR_UNAUTHORIZED, "wechat_bind_invalid", NULL,
	"微信绑定已超时或无效。请关闭页面，从微信重新打开；"
	"也可以直接用手机号和验证码登录" },
    already_bound = { HZ_ERR_CONFLICT, "wechat_already_bound", NULL,
	"这个微信已绑定另一个手机号，请用那个手机号登录；"
	"如需改绑，请联系户组长或管理员" },
    bad_url = { HZ_ERR_INVALID, "validation_failed", "url",
	"只能为本站的页面签名" },
    oa_down = { HZ_ERR_UPSTREAM, "wechat_unavailable", NULL,
	"微信服务暂时不可用，请稍后重试；也可以用微信“扫一扫”直接扫楼栋二维码" },
    oa_off = { HZ_ERR_DISABLED, "wechat_disabled", NULL,
	"本平台暂未开通微信公众号功能" };

bool
hz_wechat_web_enabled(const struct hz_config *c)
{
	return c->wechat_oa_appid[0] != '\0' &&
	    hz_secret(c, "wechat_oa_secret") != NULL;
}

void
hz_wechat_web_config_check(const struct hz_config *c)
{
	bool app = c->wechat_oa_appid[0] != '\0';
	bool secret = hz_secret(c, "wechat_oa_secret") != NULL;

	/* Either alone leaves the feature off, silently but for this. */
	if (app != secret)
		hz_warn("wechat official account off: half configured",
		    "missing=%s", app ? "wechat_oa_secret" : "wechat_oa_appid");
}

/* ---- Bind tokens -------------------------------------------------------- */

#define BIND_PURPOSE "wechat_bind"
#define BIND_MAX     256   /* base64url characters */

enum hz_status
hz_wechat_bind_token(const struct hz_ctx *x, const char *openid, char **token)
{
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	char plain[96];
	unsigned char *sealed;
	size_t slen, blen;
	int n;
	enum hz_status rc;

	n = snprintf(plain, sizeof(plain), "%lld:%s",
	    (long long)x->now + HZ_WECHAT_BIND_TTL, openid);
	if (n < 0 || (size_t)n >= sizeof(plain))
		return HZ_ERR_INVALID;
	rc = hz_seal(x->arena, x->keys, BIND_PURPOSE, plain, (size_t)n,
	    &sealed, &slen);
	sodium_memzero(plain, sizeof(plain));
	if (rc)
		return rc;
	blen = sodium_base64_encoded_len(slen, v);
	if ((*token = hz_arena_alloc(x->arena, blen)) == NULL)
		return HZ_ERR_NOMEM;
	sodium_bin2base64(*token, blen, sealed, slen, v);
	return HZ_OK;
}

enum hz_status
hz_wechat_bind_open(const struct hz_ctx *x, const char *token, char **openid)
{
	unsigned char bin[BIND_MAX];
	size_t blen, tlen = strnlen(token, BIND_MAX + 1);
	char *plain, *colon;
	long long exp = 0;

	if (tlen > BIND_MAX || sodium_base642bin(bin, sizeof(bin), token, tlen,
	    NULL, &blen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    hz_unseal(x->arena, x->keys, BIND_PURPOSE, bin, blen, &plain) != HZ_OK
	    || (colon = strchr(plain, ':')) == NULL)
		return hz_refuse(x, &bind_invalid);
	for (const char *p = plain; p < colon; p++) {
		if (*p < '0' || *p > '9' || exp > 1000000000000LL)
			return hz_refuse(x, &bind_invalid);
		exp = exp * 10 + (*p - '0');
	}
	if (exp < (long long)x->now || colon[1] == '\0')
		return hz_refuse(x, &bind_invalid);
	*openid = colon + 1;
	return HZ_OK;
}

/* ---- The openid's user -------------------------------------------------- */

static void
oa_index(const struct hz_ctx *x, const char *openid,
         unsigned char out[HZ_INDEX_BYTES])
{
	hz_blind_index(x->keys, "wechat_oa", openid, strlen(openid), out);
}

enum hz_status
hz_wechat_oa_user(const struct hz_ctx *x, const char *openid, uint64_t *user,
                  bool *usable)
{
	unsigned char ix[HZ_INDEX_BYTES];
	struct hz_db_result r;
	enum hz_status rc;

	*user = 0;
	*usable = false;
	oa_index(x, openid, ix);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_FIND, HZ_ARGS(
	    HZ_ARG_STRN((const char *)ix, sizeof(ix))), &r)))
		return rc;
	if (r.nrows == 1) {
		*user = HZ_ID(HZ_CELL(&r, 0, F_ID));
		*usable = strcmp(HZ_CELL(&r, 0, F_KIND)->s, "resident") == 0 &&
		    HZ_CELL(&r, 0, F_DISABLED)->i == 0;
	}
	return HZ_OK;
}

enum hz_status
hz_wechat_oa_bind(const struct hz_ctx *x, uint64_t user, const char *openid)
{
	unsigned char ix[HZ_INDEX_BYTES];
	struct hz_db_arg a = HZ_ARG_STRN((const char *)ix, sizeof(ix));
	struct hz_db_result r;
	enum hz_status rc;

	oa_index(x, openid, ix);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_HOLDER, HZ_ARGS(a),
	    &r)))
		return rc;
	if (r.nrows == 1 && HZ_ID(HZ_CELL(&r, 0, 0)) == user)
		return HZ_OK;
	if (r.nrows == 1)
		return hz_refuse(x, &already_bound);
	rc = hz_db_run(x->db, x->arena, &stmts, STMT_BIND, HZ_ARGS(a,
	    HZ_ARG_I64((long long)user)), NULL);
	if (rc == HZ_ERR_CONFLICT)   /* bound elsewhere a moment ago */
		return hz_refuse(x, &already_bound);
	if (rc)
		return rc;
	return hz_audit(x, user, "user.wechat_oa.bind", "user", user, NULL);
}

/* ---- The JS-SDK signature ----------------------------------------------- */

void
hz_wechat_jssdk_signature(const char *ticket, const char *nonce,
                          long long timestamp, const char *url, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *s = NULL;
	int n;

	out[0] = '\0';
	n = asprintf(&s, "jsapi_ticket=%s&noncestr=%s&timestamp=%lld&url=%s",
	    ticket, nonce, timestamp, url);
	if (n < 0)
		return;
	if (EVP_Digest(s, (size_t)n, md, &mdlen, EVP_sha1(), NULL) == 1 &&
	    mdlen == 20)
		sodium_bin2hex(out, 41, md, 20);
	free(s);
}

/* The url as WeChat signs it: the page's address without its #fragment,
 * printable ASCII, on public_base_url's scheme, host and port. */
static char *
signed_url(const struct hz_ctx *x, const char *url)
{
	const char *base = x->cfg->public_base_url, *host, *end;
	size_t origin, n = strcspn(url, "#");

	if ((host = strstr(base, "://")) == NULL)
		return NULL;
	end = strchr(host + 3, '/');
	origin = end ? (size_t)(end - base) : strlen(base);
	if (n <= origin || strncmp(url, base, origin) != 0 ||
	    strchr("/?", url[origin]) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (url[i] < 0x21 || url[i] > 0x7e)
			return NULL;
	return hz_arena_strndup(x->arena, url, n);
}

/* What WeChat gives for an hour or two, kept sealed in wechat_cache. */
static enum hz_status
cache_read(const struct hz_ctx *x, const struct hz_db_result *r,
           const char *name, char **value)
{
	const struct hz_db_cell *c = HZ_CELL(r, 0, V_SEALED);

	if (r->nrows != 1 || HZ_CELL(r, 0, V_LIVE)->i != 1 || c->len == 0)
		return HZ_DONE;
	return hz_unseal(x->arena, x->keys, name, (const unsigned char *)c->s,
	    c->len, value) == HZ_OK ? HZ_OK : HZ_DONE;
}

static enum hz_status
cache_put(const struct hz_ctx *x, const char *name, const char *value,
          long expires_in)
{
	unsigned char *sealed;
	size_t len;
	/* Renewed before WeChat lets it lapse: 5 minutes early (a quarter of
	 * a short lifetime), so a page never signs with a dying ticket. */
	long keep = expires_in - (expires_in >= 1200 ? 300 : expires_in / 4);
	enum hz_status rc;

	if ((rc = hz_seal(x->arena, x->keys, name, value, strlen(value),
	    &sealed, &len)))
		return rc;
	return hz_db_run(x->db, x->arena, &stmts, STMT_CACHE_PUT, HZ_ARGS(
	    HZ_ARG_STRN((const char *)sealed, len), HZ_ARG_I64(keep),
	    HZ_ARG_STR(name)), NULL);
}

/* The rows of the official account configured now: `token:<appid>` and
 * `ticket:<appid>` (and `down:<appid>`, the back-off after a failure), so that another app id never signs with the previous
 * account's ticket (a changed secret keeps the rows: the ticket is the
 * account's, and a token WeChat refuses is renewed below). The name is
 * also the sealing purpose. NULL for an app id too long for the column
 * (WeChat's are 18 characters). */
struct cache_names {
	char token[33];
	char ticket[33];
	char down[33];
};

static bool
cache_names(const struct hz_config *c, struct cache_names *n)
{
	int a = snprintf(n->token, sizeof(n->token), "token:%s",
	    c->wechat_oa_appid);
	int b = snprintf(n->ticket, sizeof(n->ticket), "ticket:%s",
	    c->wechat_oa_appid);

	int d = snprintf(n->down, sizeof(n->down), "down:%s",
	    c->wechat_oa_appid);

	return a > 0 && (size_t)a < sizeof(n->token) && b > 0 &&
	    (size_t)b < sizeof(n->ticket) && d > 0 &&
	    (size_t)d < sizeof(n->down);
}

/* Inside the ticket's transaction: the access token, fetched (and stored)
 * if it expired, or if `renew` (WeChat refused the stored one). */
static enum hz_status
access_token(const struct hz_ctx *x, const char *name, bool renew,
             char **token)
{
	struct hz_db_result r;
	long expires_in;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CACHE_LOCK, HZ_ARGS(
	    HZ_ARG_STR(name)), &r)))
		return rc;
	if (!renew && cache_read(x, &r, name, token) == HZ_OK)
		return HZ_OK;
	if ((rc = hz_wechat_oa_token(x, token, &expires_in)))
		return rc;
	return cache_put(x, name, *token, expires_in);
}

struct ticket_job {
	const struct cache_names *names;
	char *ticket;
};

/* Under the ticket row's lock (then the token's: always in this order),
 * so one worker fetches and the others wait for its value. */
static enum hz_status
ticket_tx(const struct hz_ctx *x, void *p)
{
	struct ticket_job *j = p;
	const struct cache_names *n = j->names;
	struct hz_db_result r;
	char *token;
	long expires_in;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CACHE_LOCK, HZ_ARGS(
	    HZ_ARG_STR(n->ticket)), &r)))
		return rc;
	if (cache_read(x, &r, n->ticket, &j->ticket) == HZ_OK)
		return HZ_OK;
	if ((rc = access_token(x, n->token, false, &token)))
		return rc;
	rc = hz_wechat_oa_ticket(x, token, &j->ticket, &expires_in);
	if (rc == HZ_ERR_UNAUTHORIZED) {
		/* Another holder of the secret took a new token, or the
		 * secret was reset (40001, 42001): ours is dead. Once. */
		if ((rc = access_token(x, n->token, true, &token)))
			return rc;
		rc = hz_wechat_oa_ticket(x, token, &j->ticket, &expires_in);
	}
	if (rc)
		return rc == HZ_ERR_UNAUTHORIZED ? HZ_ERR_UPSTREAM : rc;
	return cache_put(x, n->ticket, j->ticket, expires_in);
}

/* Seconds nobody asks WeChat for a ticket after it failed to give one. */
#define HZ_WECHAT_BACKOFF 30

static enum hz_status
jsapi_ticket(const struct hz_ctx *x, char **ticket)
{
	struct cache_names n;
	struct ticket_job j = { &n, NULL };
	struct hz_db_result r;
	enum hz_status rc;

	if (!cache_names(x->cfg, &n)) {
		hz_warn("wechat_oa_appid too long", "max=25");
		return HZ_ERR_CONFIG;
	}
	/* The common case: a live ticket, one plain read, no lock. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CACHE_GET, HZ_ARGS(
	    HZ_ARG_STR(n.ticket)), &r)))
		return rc;
	if (cache_read(x, &r, n.ticket, ticket) == HZ_OK)
		return HZ_OK;
	/* After WeChat failed, nobody asks it again (nor queues on the row
	 * lock below) for HZ_WECHAT_BACKOFF seconds: a public page must not
	 * let callers hold every worker, or spend the day's token fetches,
	 * while WeChat is down or refuses our credentials. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CACHE_GET, HZ_ARGS(
	    HZ_ARG_STR(n.down)), &r)))
		return rc;
	if (r.nrows == 1 && HZ_CELL(&r, 0, V_LIVE)->i == 1)
		return HZ_ERR_UPSTREAM;
	/* Rare (once per expiry), so both rows are made sure of each time. */
	for (size_t i = 0; i < 2; i++)
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CACHE_SEED,
		    HZ_ARGS(HZ_ARG_STR(i ? n.token : n.ticket)), NULL)))
			return rc;
	if ((rc = hz_tx(x, ticket_tx, &j))) {
		if ((rc == HZ_ERR_UPSTREAM || rc == HZ_ERR_UNAUTHORIZED) &&
		    hz_db_run(x->db, x->arena, &stmts, STMT_DOWN_SET, HZ_ARGS(
		    HZ_ARG_STR(n.down), HZ_ARG_I64(HZ_WECHAT_BACKOFF)), NULL))
			hz_warn("wechat back-off not stored", "name=%s", n.down);
		return rc;
	}
	*ticket = j.ticket;
	return HZ_OK;
}

enum hz_status
hz_wechat_jssdk(const struct hz_ctx *x, const char *url, struct hz_jssdk *out)
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	char *ticket, *page;
	enum hz_status rc;

	if (!hz_wechat_web_enabled(x->cfg))
		return hz_refuse(x, &oa_off);
	if ((page = signed_url(x, url)) == NULL)
		return hz_refuse(x, &bad_url);
	switch ((rc = jsapi_ticket(x, &ticket))) {
	case HZ_OK:
		break;
	case HZ_ERR_UPSTREAM:
	case HZ_ERR_UNAUTHORIZED:
		return hz_refuse(x, &oa_down);
	case HZ_ERR_CONFIG:
		return hz_refuse(x, &oa_off);
	default:
		return rc;
	}
	out->app_id = x->cfg->wechat_oa_appid;
	out->timestamp = (long long)x->now;
	for (size_t i = 0; i < sizeof(out->nonce) - 1; i++)
		out->nonce[i] = alnum[randombytes_uniform(sizeof(alnum) - 1)];
	out->nonce[sizeof(out->nonce) - 1] = '\0';
	hz_wechat_jssdk_signature(ticket, out->nonce, out->timestamp, page,
	    out->signature);
	return out->signature[0] ? HZ_OK : HZ_ERR_INTERNAL;
}
