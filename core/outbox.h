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
#include "page.h"

/* Queues `text` (at most 200 characters) for `user`, about `subject`
 * (a complaint id for kind "complaint.*"; 0: none). Call it inside the
 * transaction of the change it reports. */
enum hz_status hz_notify(const struct hz_ctx *, uint64_t user,
                         const char *kind, uint64_t subject,
                         const char *text);

/* --- Sending (a scheduler job). --- */

struct hz_outbox_counts {
	unsigned long long sent;      /* a text went out */
	unsigned long long silent;    /* no phone or disabled: marked sent,
	                                 nothing sent */
	unsigned long long failed;    /* not sent: to be tried again later,
	                                 or given up (sms.h) */
	unsigned long long taken;     /* claimed by another runner first */
	unsigned long long left;      /* due, not tried: out of time */
};

/* Sends the due notifications (unsent, next_try_at <= x->now), at most
 * outbox_batch of them, oldest due first, to each user's phone (unsealed
 * here, never logged). A failed send backs off (1, 2, 4... minutes, six
 * hours at most) and is given up after outbox_max_attempts (left unsent,
 * never due again); one the gateway refuses for good (a number it cannot
 * reach, content it will not carry: HZ_ERR_INVALID, sms.h) is given up at
 * once. Each text is claimed before it is sent (its next_try_at pushed
 * five minutes on, by a conditional UPDATE): of two runners, only the one
 * that claimed it sends it; one that crashed mid-send leaves it due again
 * when the claim runs out. The run stops starting sends after a third of
 * scheduler_lease (wall time), the rest left due for the next run, so the
 * scheduler renews its lease in time. */
enum hz_status hz_outbox_run(const struct hz_ctx *, struct hz_outbox_counts *);
/* The same; *sent counts the texts that went out. */
enum hz_status hz_outbox_send(const struct hz_ctx *, unsigned long long *sent);

/* --- The caller's list of updates. --- */

struct hz_notification {
	uint64_t    id;
	const char *kind;
	uint64_t    subject_id;       /* 0: none */
	const char *text;
	const char *created_at;       /* RFC 3339, Shanghai */
	bool        read;
};

/* The caller's notifications, newest first (the page's `after` is the
 * last id seen: the next page holds older ones). *unread counts all their
 * unread ones. */
enum hz_status hz_notifications_list(const struct hz_ctx *,
                                     const struct hz_page *,
                                     struct hz_notification **out,
                                     size_t *n, bool *more,
                                     long long *unread);
/* Marks the caller's notifications up to id `up_to` read; *unread is what
 * remains unread. */
enum hz_status hz_notifications_read(const struct hz_ctx *, uint64_t up_to,
                                     long long *unread);

#endif
