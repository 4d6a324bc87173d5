/* Service stations (文化站, 老人关爱站, 妇女儿童关爱站) hanging off a unit. */
#ifndef HZ_STATIONS_H
#define HZ_STATIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"

struct hz_station_rules {
	struct hz_rule kind, name, address, opening_hours, phone, description,
	               manager;
};
extern const struct hz_station_rules hz_station_rules;
extern const char *const hz_station_kinds[];    /* NULL-terminated */

struct hz_station {
	uint64_t    id;
	uint64_t    unit_id;
	const char *unit_name;
	const char *unit_path;
	const char *kind;     /* culture, elderly_care, women_children */
	const char *name;
	const char *address;          /* NULL: not given */
	const char *opening_hours;    /* NULL: not given */
	const char *phone;            /* public contact; NULL: not given */
	const char *description;      /* NULL: not given */
	uint64_t    manager_id;       /* 0: none */
	const char *manager_name;     /* NULL: none */
	unsigned    qr_serial;
	bool        can_manage;       /* the caller manages it (admin or its
	                                 manager) */
};

/* A change to a station; NULL fields stay as they are. Only an admin may
 * change the manager. */
struct hz_station_edit {
	const char *name, *address, *opening_hours, *phone, *description;
	bool        set_manager;
	uint64_t    manager_id;       /* 0: no manager */
};

struct hz_station_poster {
	struct hz_station station;
	const char       *url;        /* what the code encodes */
	char              check_code[8];
};

bool           hz_station_kind_valid(const char *);
/* The command line only (no caller). */
enum hz_status hz_station_create(const struct hz_ctx *, uint64_t unit_id,
                                 const char *kind, const char *name,
                                 uint64_t *id);
/* Every station: they are public places, open to any signed-in user. */
enum hz_status hz_stations_list(const struct hz_ctx *,
                                struct hz_station **out, size_t *n);
enum hz_status hz_station_get(const struct hz_ctx *, uint64_t id,
                              struct hz_station *);

/* Does the caller manage the station (its unit_path and manager_id)? An
 * admin above it, or its named manager holding the station_manager role
 * above it. hz_station_get fills can_manage with it. */
bool           hz_station_manages(const struct hz_caller *,
                                  const struct hz_station *);

/* "Load a station the caller manages, else 404": an admin whose scope
 * holds the station's unit, or the station's own manager (holding the
 * station_manager role above it). Anyone else gets HZ_ERR_NOT_FOUND, so a
 * manager of one station learns nothing of another's rosters. With no
 * caller (the command line) the operator manages every station. */
enum hz_status hz_station_managed(const struct hz_ctx *, uint64_t id,
                                  struct hz_station *);

/* Audited. A new manager must hold the station_manager role at or above
 * the station's unit (422 on manager_id otherwise). */
enum hz_status hz_station_update(const struct hz_ctx *, uint64_t id,
                                 const struct hz_station_edit *,
                                 struct hz_station *out);
/* The CLI's way to find a station: by its unit and name. */
enum hz_status hz_station_find(const struct hz_ctx *, uint64_t unit_id,
                               const char *name, uint64_t *id);

/* The station's poster (hz_station_managed). */
enum hz_status hz_station_poster(const struct hz_ctx *, uint64_t id,
                                 struct hz_station_poster *);
/* Bumps the station's serial: its old posters answer 410. Audited. */
enum hz_status hz_station_qr_rotate(const struct hz_ctx *, uint64_t id,
                                    struct hz_station_poster *);
/* Does a genuine token name a station (whatever its serial)? The front
 * asks this to send a scan or a check-in to the stations' side. */
bool           hz_token_is_station(const struct hz_ctx *, const char *token);
/* The station a station token names if genuine and current; refused as
 * hz_scan_resolve refuses a building's (qr_invalid 404, qr_expired 410). */
enum hz_status hz_station_resolve(const struct hz_ctx *, const char *token,
                                  struct hz_station *);

#endif
