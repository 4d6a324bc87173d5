/* WeChat's servers, asked with libcurl: the mini-program login
 * (jscode2session, wechat_*), and the official account (wechat_oa_*): its
 * web authorisation (a code for the openid, scope snsapi_base) and the
 * access token and jsapi ticket the JS-SDK's signature needs. The secrets
 * go into URLs, so no URL is ever logged. */
#ifndef HZ_WECHAT_H
#define HZ_WECHAT_H

#include "ctx.h"

/* *openid in the arena. HZ_ERR_UNAUTHORIZED if WeChat refuses the code,
 * HZ_ERR_UPSTREAM if it cannot be reached or answers nonsense,
 * HZ_ERR_CONFIG if WeChat login is not configured. */
enum hz_status hz_wechat_exchange(const struct hz_ctx *, const char *code,
                                  char **openid);

/* The same for the official account's web authorisation
 * ({wechat_oa_url}/sns/oauth2/access_token). HZ_ERR_CONFIG without
 * wechat_oa_appid or wechat_oa_secret. */
enum hz_status hz_wechat_oa_openid(const struct hz_ctx *, const char *code,
                                   char **openid);

/* {wechat_oa_url}/cgi-bin/token (client_credential): the access token and
 * its lifetime in seconds. HZ_ERR_UPSTREAM on any failure. */
enum hz_status hz_wechat_oa_token(const struct hz_ctx *, char **token,
                                  long *expires_in);
/* {wechat_oa_url}/cgi-bin/ticket/getticket?type=jsapi. HZ_ERR_UNAUTHORIZED
 * when WeChat says the access token is invalid or expired (another holder
 * of the secret fetched a new one), HZ_ERR_UPSTREAM otherwise. */
enum hz_status hz_wechat_oa_ticket(const struct hz_ctx *, const char *token,
                                   char **ticket, long *expires_in);

#endif
