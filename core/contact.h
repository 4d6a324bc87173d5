/* A building head may publish their phone on the landing page of their
 * buildings' codes (users.phone_public, off by default), so a renter can
 * call them with one tap. */
#ifndef HZ_CONTACT_H
#define HZ_CONTACT_H

#include <stdbool.h>

#include "ctx.h"
#include "json.h"
#include "units.h"

/* Does the caller hold a building_head role anywhere? */
bool           hz_caller_is_head(const struct hz_ctx *);

/* The caller's choice (false for anyone who is no building head). */
enum hz_status hz_phone_public_get(const struct hz_ctx *, bool *on);

/* Publishing: only a building head (403 otherwise), with a phone on the
 * account (422 on phone_public); withdrawing: any staff member. Audited
 * (user.phone_public). */
enum hz_status hz_phone_public_set(const struct hz_ctx *, bool on);

extern const struct hz_rule hz_phone_public_rule;

/* After a building_head role is dropped: a user who heads no building
 * any more has their published phone withdrawn, so heading one again
 * does not publish it unasked. In the caller's transaction. */
enum hz_status hz_phone_unpublish_unless_head(const struct hz_ctx *,
                                              uint64_t user);

/* Who answers for a building (units.h's building unit): its head
 * (role "building_head"), or, without one (or with a disabled one), the
 * leaders of its group
 * ("group_leader", their names joined by 、; NULL name when the group
 * has none either). */
enum hz_status hz_building_reviewer(const struct hz_ctx *,
                                    const struct hz_unit *building,
                                    const char **role, const char **name);

#endif
