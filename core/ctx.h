/* What every domain function of core/ is called with: the request's
 * resources and who is asking. The HTTP front fills one per request; the
 * admin commands fill one with no caller. */
#ifndef HZ_CTX_H
#define HZ_CTX_H

#include <time.h>

#include "arena.h"
#include "config.h"
#include "crypto.h"
#include "db.h"

struct hz_caller;

struct hz_ctx {
	struct hz_db           *db;
	hz_arena               *arena;
	const struct hz_config *cfg;
	const struct hz_keys   *keys;
	const struct hz_caller *caller;      /* NULL: anonymous or CLI */
	const char             *request_id;  /* for the audit log */
	const char             *ip;          /* client address, for limits */
	time_t                  now;
};

#endif
