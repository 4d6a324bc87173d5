/* Sessions: an access JWT plus a refresh token. Refresh tokens are random,
 * stored as SHA-256, rotated on every use; a rotated token presented again
 * revokes its whole family (RFC 6819 §5.2.2.3: the token was stolen),
 * except within refresh_grace seconds of its use while its successor is
 * unspent: two tabs refreshing at once both get that successor. */
#ifndef HZ_SESSION_H
#define HZ_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

struct hz_tokens {
	char     *access;
	char     *refresh;
	int       expires_in;
	uint64_t  user_id;
	char      kind[16];
	bool      must_change_password;   /* staff with a temporary one */
};

/* Starts a new family for user_id. Runs inside the caller's transaction
 * if there is one. */
enum hz_status hz_session_start(const struct hz_ctx *, uint64_t user_id,
                                const char *kind, struct hz_tokens *);
/* HZ_ERR_UNAUTHORIZED for an unknown, expired, revoked or reused token
 * (the last also revokes the family, and that sticks). A token spent less
 * than refresh_grace seconds ago whose successor is still active in a live
 * session answers that same successor and a fresh access token. */
enum hz_status hz_session_refresh(const struct hz_ctx *, const char *refresh,
                                  struct hz_tokens *);
/* Forgets the successors kept past the grace interval (scheduler). */
enum hz_status hz_session_purge(const struct hz_ctx *,
                                unsigned long long *cleared);
/* Days an ended session's row is kept (after a logout, a revocation or
 * the expiry of its last refresh token); more than the 8 days the
 * revoked refresh tokens look back to it (core/retention.c). */
#define HZ_SESSION_KEEP_DAYS 30
/* The scheduler's purge_sessions: marks ended the sessions whose live
 * refresh token expired (n[0]) and deletes those ended more than
 * HZ_SESSION_KEEP_DAYS ago (n[1]). Safe to run again. */
enum hz_status hz_sessions_purge(const struct hz_ctx *, unsigned long long *n);
/* Revokes the family of `refresh`; unknown tokens are not an error. */
enum hz_status hz_session_end(const struct hz_ctx *, const char *refresh);
/* Ends every session of `user_id`: its refresh tokens are revoked and its
 * access tokens refused from the next request on (a disabled account, a
 * password reset or changed). Runs inside the caller's transaction. */
enum hz_status hz_session_end_user(const struct hz_ctx *, uint64_t user_id);

#endif
