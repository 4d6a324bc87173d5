/* WeChat mini-program login: wx.login() gives the page a code, which the
 * server exchanges for the user's openid at jscode2session (libcurl). */
#ifndef HZ_WECHAT_H
#define HZ_WECHAT_H

#include "ctx.h"

/* *openid in the arena. HZ_ERR_UNAUTHORIZED if WeChat refuses the code,
 * HZ_ERR_UPSTREAM if it cannot be reached or answers nonsense,
 * HZ_ERR_CONFIG if WeChat login is not configured. */
enum hz_status hz_wechat_exchange(const struct hz_ctx *, const char *code,
                                  char **openid);

#endif
