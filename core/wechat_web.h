/* Inside WeChat's browser: the official account's web authorisation
 * (snsapi_base gives the openid, bound once to a resident by a phone
 * code), and the signature the JS-SDK needs before wx.scanQRCode.
 * WeChat's HTTP calls are in wechat.h; the logins that use these are in
 * login.h. */
#ifndef HZ_WECHAT_WEB_H
#define HZ_WECHAT_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

/* How long a bind token lasts: the time to ask for a code and type it. */
#define HZ_WECHAT_BIND_TTL 600

/* An app id and a secret are configured. */
bool hz_wechat_web_enabled(const struct hz_config *);
/* Logs a warning when only one of wechat_oa_appid and wechat_oa_secret is
 * set (the feature is then off). Every worker calls it at start, so it is
 * in the log after each start and reload. */
void hz_wechat_web_config_check(const struct hz_config *);

/* A bind token: the openid and its expiry sealed under pii_key (AEAD:
 * nobody can read, forge or alter one), base64url, in the arena. */
enum hz_status hz_wechat_bind_token(const struct hz_ctx *, const char *openid,
                                    char **token);
/* The openid inside a bind token; refused with wechat_bind_invalid (401)
 * for a forged, altered or expired one. */
enum hz_status hz_wechat_bind_open(const struct hz_ctx *, const char *token,
                                   char **openid);

/* The user this openid is bound to (0: none), and whether it may log in
 * (a resident, not disabled). */
enum hz_status hz_wechat_oa_user(const struct hz_ctx *, const char *openid,
                                 uint64_t *user, bool *usable);
/* Inside a transaction: binds the openid to `user` (replacing the user's
 * earlier one, if any), audited. Refused with wechat_already_bound (409)
 * when another user holds it. */
enum hz_status hz_wechat_oa_bind(const struct hz_ctx *, uint64_t user,
                                 const char *openid);

struct hz_jssdk {
	const char *app_id;
	long long   timestamp;
	char        nonce[17];
	char        signature[41];   /* hex SHA-1 */
};

/* The signature of `url` (its #fragment dropped) for wx.config. The url
 * must be on public_base_url's origin (422 on `url`). The access token
 * and the jsapi ticket come from wechat_cache (rows named after the app
 * id), fetched from WeChat only once they expire. wechat_unavailable (502), wechat_disabled (503). */
enum hz_status hz_wechat_jssdk(const struct hz_ctx *, const char *url,
                               struct hz_jssdk *);

/* sha1("jsapi_ticket=T&noncestr=N&timestamp=S&url=U"), in hex. */
void hz_wechat_jssdk_signature(const char *ticket, const char *nonce,
                               long long timestamp, const char *url,
                               char out[41]);

#endif
