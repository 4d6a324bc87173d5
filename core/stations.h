/* Service stations (文化站, 老人关爱站, 妇女儿童关爱站) hanging off a unit. */
#ifndef HZ_STATIONS_H
#define HZ_STATIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"

struct hz_station_rules {
	struct hz_rule kind, name;
};
extern const struct hz_station_rules hz_station_rules;
extern const char *const hz_station_kinds[];    /* NULL-terminated */

struct hz_station {
	uint64_t    id;
	uint64_t    unit_id;
	const char *unit_name;
	const char *kind;     /* culture, elderly_care, women_children */
	const char *name;
};

bool           hz_station_kind_valid(const char *);
/* The command line only (no caller). */
enum hz_status hz_station_create(const struct hz_ctx *, uint64_t unit_id,
                                 const char *kind, const char *name,
                                 uint64_t *id);
/* Every station: they are public places, open to any signed-in user. */
enum hz_status hz_stations_list(const struct hz_ctx *,
                                struct hz_station **out, size_t *n);

#endif
