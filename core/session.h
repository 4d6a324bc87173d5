/* Sessions: an access JWT plus a refresh token. Refresh tokens are random,
 * stored as SHA-256, rotated on every use; a rotated token presented again
 * revokes its whole family (RFC 6819 §5.2.2.3: the token was stolen). */
#ifndef HZ_SESSION_H
#define HZ_SESSION_H

#include <stdint.h>

#include "ctx.h"

struct hz_tokens {
	char     *access;
	char     *refresh;
	int       expires_in;
	uint64_t  user_id;
	char      kind[16];
};

/* Starts a new family for user_id. Runs inside the caller's transaction
 * if there is one. */
enum hz_status hz_session_start(const struct hz_ctx *, uint64_t user_id,
                                const char *kind, struct hz_tokens *);
/* HZ_ERR_UNAUTHORIZED for an unknown, expired, revoked or reused token
 * (the last also revokes the family, and that sticks). */
enum hz_status hz_session_refresh(const struct hz_ctx *, const char *refresh,
                                  struct hz_tokens *);
/* Revokes the family of `refresh`; unknown tokens are not an error. */
enum hz_status hz_session_end(const struct hz_ctx *, const char *refresh);

#endif
