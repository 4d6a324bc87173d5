/* The ways in: staff password, phone code, WeChat code. Each ends in a
 * session (session.h) and an audit row, success or failure. */
#ifndef HZ_LOGIN_H
#define HZ_LOGIN_H

#include "ctx.h"
#include "json.h"
#include "session.h"

extern const struct hz_rule hz_rule_login_code;   /* 6 digits */

/* Refused with login_failed for a wrong username or password alike, or
 * before the password is checked: login_throttled (429, Retry-After) while
 * this address waits out its growing delay, account_locked (429) for an
 * address the account never logged in from once the account had
 * login_lock_after wrong passwords in the window. A temporary password
 * (an admin's reset) set more than temp_password_ttl seconds ago is
 * refused with login_failed too (logged at info, audited). Every refusal
 * is audited. */
enum hz_status hz_login_staff(const struct hz_ctx *, const char *username,
                              const char *password, struct hz_tokens *);
/* A staff member changes their own password (the caller's): the old one
 * goes through the same guard as a login (a wrong one counts as a failed
 * login: 403 old_password_wrong, then login_throttled/account_locked on
 * old_password); the new one follows the password rule and differs from
 * the old (422 new_password). must_change_password is cleared, every
 * session of the account ends, and *t holds a new one's tokens; audited
 * user.password_change. Refused at the commit as below when the password
 * changed, the session ended or the account was disabled after the old
 * password was checked. */
enum hz_status hz_password_change(const struct hz_ctx *,
                                  const char *old_password,
                                  const char *new_password,
                                  struct hz_tokens *t);
/* hz_password_change in its two steps (tests put a reset between them).
 * The check: the guard, the old password against the account's hash,
 * the rules; it keeps the hash it checked. The commit: in one
 * transaction, with the account's row locked, refused with nothing
 * written if that hash is no longer the account's (409
 * password_changed: a reset in between would be silently undone), or
 * the caller's session ended or the account was disabled (401
 * session_ended). Both wipe `pc` when they are done with it. */
struct hz_password_change {
	uint64_t          user, sid;
	char              verified[256];   /* the hash the old one matched */
	bool              must_change;     /* as it was then */
	char              hash[128];       /* the new password's */
	struct hz_tokens *t;
};
enum hz_status hz_password_change_check(const struct hz_ctx *,
                                        const char *old_password,
                                        const char *new_password,
                                        struct hz_password_change *);
enum hz_status hz_password_change_commit(const struct hz_ctx *,
                                         struct hz_password_change *,
                                         struct hz_tokens *t);
void           hz_password_change_wipe(struct hz_password_change *);
/* Forgets failed logins older than a day, addresses unused for 90 and
 * expired login codes older than a day. */
enum hz_status hz_login_purge(const struct hz_ctx *,
                              unsigned long long *deleted);

/* Sends a 6-digit code to `phone`. HZ_ERR_RATE_LIMITED when the phone
 * asked less than code_interval seconds ago or code_phone_hourly times in
 * the last hour, made code_phone_misses wrong guesses in the last day, or
 * the client address asked code_ip_hourly times in the last hour. */
enum hz_status hz_login_code_send(const struct hz_ctx *, const char *phone);

/* HZ_ERR_UNAUTHORIZED for a wrong, used or expired code;
 * HZ_ERR_RATE_LIMITED once code_tries wrong guesses were made (the code is
 * dead then, even if the next guess is right) or the phone made
 * code_phone_misses in a day. */
enum hz_status hz_login_code_verify(const struct hz_ctx *, const char *phone,
                                    const char *code, struct hz_tokens *);

/* The same; with `wechat_bind` (a bind token of hz_login_wechat_web, or
 * NULL) the official account's openid in it is bound to the phone's
 * resident in the same transaction. Refused before the code is checked
 * with wechat_bind_invalid (401) for a forged or expired token, and as a
 * whole (nothing committed) with wechat_already_bound (409) when the
 * openid is another user's. */
enum hz_status hz_login_code_verify_bind(const struct hz_ctx *,
                                         const char *phone, const char *code,
                                         const char *wechat_bind,
                                         struct hz_tokens *);

/* Exchanges a mini-program login code at wechat_url. HZ_ERR_UNAUTHORIZED
 * for a code WeChat refuses, HZ_ERR_UPSTREAM when WeChat cannot be asked. */
enum hz_status hz_login_wechat(const struct hz_ctx *, const char *code,
                               struct hz_tokens *);

/* Inside WeChat's browser: exchanges a web authorisation code (official
 * account, snsapi_base). A bound openid logs its resident in (*t); an
 * unbound one gives *bind_token instead (t untouched), for the phone code
 * that binds it. Refusals as hz_login_wechat's. */
enum hz_status hz_login_wechat_web(const struct hz_ctx *, const char *code,
                                   struct hz_tokens *t, char **bind_token);

#endif
