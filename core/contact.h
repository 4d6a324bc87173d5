/* A building head may publish their phone on the landing page of their
 * buildings' codes (users.phone_public, off by default), so a renter can
 * call them with one tap. */
#ifndef HZ_CONTACT_H
#define HZ_CONTACT_H

#include <stdbool.h>

#include "ctx.h"
#include "json.h"

/* Does the caller hold a building_head role anywhere? */
bool           hz_caller_is_head(const struct hz_ctx *);

/* The caller's choice (false for anyone who is no building head). */
enum hz_status hz_phone_public_get(const struct hz_ctx *, bool *on);

/* Only a building head (403 otherwise); publishing needs a phone on the
 * account (422 on phone_public). Audited (user.phone_public). */
enum hz_status hz_phone_public_set(const struct hz_ctx *, bool on);

extern const struct hz_rule hz_phone_public_rule;

#endif
