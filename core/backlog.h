/* What GET /metrics reads from the database when it is scraped: the
 * outbox's backlog (the counters of metrics.h are not kept in the
 * database; this is). */
#ifndef HZ_BACKLOG_H
#define HZ_BACKLOG_H

#include "ctx.h"

struct hz_outbox_backlog {
	long long due;          /* unsent, due at x->now */
	long long oldest_age;   /* seconds since the oldest due one was queued */
	long long given_up;     /* unsent and never tried again */
};

enum hz_status hz_outbox_backlog(const struct hz_ctx *,
                                 struct hz_outbox_backlog *);

#endif
