/* Check-ins: scanning a building's code as a resident (I live here) or as
 * staff (patrol). Repeat scans within 10 minutes count once. */
#ifndef HZ_CHECKINS_H
#define HZ_CHECKINS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

#define HZ_CHECKIN_REPEAT_MINUTES 10

struct hz_checkin {
	uint64_t    id;
	const char *kind;        /* residence, patrol */
	const char *at;          /* RFC 3339 */
	bool        repeated;    /* an earlier scan within 10 minutes */
	uint64_t    building_id;
	const char *building_name;
};

/* Refused (403) when the caller neither lives there (active tenancy:
 * register_first) nor reads the building as staff (not_your_building);
 * a bad or replaced code is refused as by hz_scan_resolve. */
enum hz_status hz_checkin(const struct hz_ctx *, const char *token,
                          struct hz_checkin *);

/* Deletes check-ins older than `days`, in batches; *deleted counts them. */
enum hz_status hz_checkins_purge(const struct hz_ctx *, int days,
                                 unsigned long long *deleted);

#endif
