/* Access tokens: HS256 JWTs through libjwt 1.10, with the traps of that
 * version closed here (DESIGN.md): the header is read and checked before
 * libjwt sees the token (alg must be HS256, kid must name a key of ours),
 * the key is never empty, the algorithm is checked again after decoding,
 * and exp, iat, iss and aud are checked by hand (1.10 has no validators). */
#ifndef HZ_ACCESS_H
#define HZ_ACCESS_H

#include <stdint.h>
#include <time.h>

#include "ctx.h"

struct hz_claims {
	uint64_t sub;
	uint64_t sid;        /* the session (sessions.id) it belongs to */
	long     iat;
	long     exp;
	char     kind[16];   /* "staff" or "resident" */
};

/* Signs with the current key (its kid in the header). */
enum hz_status hz_jwt_issue(const struct hz_ctx *, uint64_t user_id,
                            const char *kind, uint64_t session,
                            char **token);
/* HZ_OK with *out filled, or HZ_ERR_UNAUTHORIZED. */
enum hz_status hz_jwt_verify(const struct hz_ctx *, const char *token,
                             struct hz_claims *out);

/* Why a request's credentials are refused (the front renders these). */
extern const struct hz_refusal hz_refusal_login_needed;   /* no token */
extern const struct hz_refusal hz_refusal_token_invalid;  /* bad, expired */
extern const struct hz_refusal hz_refusal_staff_only;     /* a resident */

#endif
