/* The notification outbox (sql/0007): what a user should be told is
 * queued in the same transaction that made it true, and sent later by the
 * scheduler through the sender of the login codes (sms.h), so a slow
 * sender never slows a request. The queued rows are also the user's list
 * of updates in the portal. */
#ifndef HZ_OUTBOX_H
#define HZ_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

/* Queues `text` (at most 200 characters) for `user`, about `subject`
 * (a complaint id for kind "complaint.*"; 0: none). Call it inside the
 * transaction of the change it reports. */
enum hz_status hz_notify(const struct hz_ctx *, uint64_t user,
                         const char *kind, uint64_t subject,
                         const char *text);

#endif
