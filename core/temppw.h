/* Staff accounts looked up for `huzu user password --temporary`, which
 * gives each the temporary password of an admin's reset
 * (hz_staff_password_reset, core/users.h). */
#ifndef HZ_TEMPPW_H
#define HZ_TEMPPW_H

#include <stdint.h>

#include "ctx.h"

/* The staff account `username` (disabled ones included): its id and
 * display name; HZ_ERR_NOT_FOUND if there is none. */
enum hz_status hz_staff_named(const struct hz_ctx *, const char *username,
                              uint64_t *id, const char **display_name);

/* The usernames of the enabled staff accounts that have no password
 * (staff.csv's imports), by id, in the arena. */
enum hz_status hz_staff_passwordless(const struct hz_ctx *,
                                     const char ***usernames, size_t *n);

#endif
