/* What a building's posted code is, and what it lets the holder do:
 * resolving tokens (qr.h) to buildings, the scan answer, posters, and
 * rotating a building's code. */
#ifndef HZ_SCAN_H
#define HZ_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "qr.h"
#include "units.h"

/* The building a token names if the token is genuine and current; else
 * refused: qr_invalid (404) for forged, altered, truncated or unknown-key
 * tokens and unknown buildings, qr_expired (410) for a poster whose code
 * was rotated. */
enum hz_status hz_scan_resolve(const struct hz_ctx *, const char *token,
                               struct hz_unit *building);

/* hz_scan_resolve in two steps, for a caller that loads the building in a
 * statement of its own (a check-in reads it with the rest in one): the
 * building and serial a genuine building token names (no database; else
 * qr_invalid), then whether the unit found is that building's current
 * poster (`kind` NULL when no unit has the id: qr_invalid; another kind:
 * qr_invalid; `current` is not `serial`: qr_expired). */
enum hz_status hz_scan_token(const struct hz_ctx *, const char *token,
                             uint64_t *building, uint32_t *serial);
enum hz_status hz_scan_current(const struct hz_ctx *, const char *kind,
                               unsigned current, uint32_t serial);

struct hz_scan {
	struct hz_unit building;
	struct hz_unit chain[3];       /* village, cooperative, group */
	size_t         nchain;
	char           check_code[8];
	/* The caller's relation to the place (none when anonymous). */
	uint64_t       tenancy_id;     /* their open tenancy, 0 if none */
	const char    *tenancy_status;
	bool           tenancy_here;
	bool           staff_reads;    /* staff in scope here */
	bool           staff_decides;
	/* What this caller may do here, for the page to offer: login,
	 * patrol, roster, review_registrations, register, verify_residence,
	 * view_registration, move_out, report_problem. */
	const char    *actions[4];
	size_t         nactions;
	/* Who reviews registrations here: the building head, or without one
	 * the group's leaders (names joined with 、; NULL if none). */
	const char    *reviewer_role;  /* building_head, group_leader */
	const char    *reviewer_name;
	/* The head's number, only when they chose to publish it
	 * (users.phone_public); else NULL. */
	const char    *contact_phone;
};

/* An anonymous caller gets what the poster itself shows (the place, the
 * head's name), not the layout of the rooms. */
enum hz_status hz_scan(const struct hz_ctx *, const char *token,
                       struct hz_scan *);

/* What a building search may hold: part of a lane's name, the start of
 * a door number. */
struct hz_building_search_rules {
	struct hz_rule lane, door;
};
extern const struct hz_building_search_rules hz_building_search_rules;

#define HZ_BUILDING_SEARCH_MAX 20

struct hz_building_hit {
	uint64_t    id;
	const char *address;         /* lane, door number, 号 */
	const char *group;           /* the group's name */
};

/* Finding one's building without its code (any logged-in user): the
 * buildings whose lane contains `lane` and whose door number starts with
 * `door` (either may be NULL, not both), by address, at most
 * HZ_BUILDING_SEARCH_MAX. No code is given out: registering names the
 * building by id. */
enum hz_status hz_buildings_search(const struct hz_ctx *, const char *lane,
                                   const char *door,
                                   struct hz_building_hit **out, size_t *n);

struct hz_poster {
	struct hz_unit building;
	const char    *url;            /* what the code encodes */
	char           check_code[8];
};

/* What the poster of a place (a building or a station) with this serial
 * encodes, `public_base_url`/q/TOKEN, and the check code printed beside
 * it. */
enum hz_status hz_poster_code(const struct hz_ctx *, enum hz_qr_kind,
                              uint64_t id, unsigned serial, const char **url,
                              char check_code[8]);

/* The code of one building (staff reading it). */
enum hz_status hz_building_poster(const struct hz_ctx *, uint64_t building,
                                  struct hz_poster *);
/* Posters of every building under a unit (POSTER_MANAGE there), by id. */
enum hz_status hz_unit_posters(const struct hz_ctx *, uint64_t unit,
                               struct hz_poster **out, size_t *n);
/* Bumps the building's serial (POSTER_MANAGE); audited. */
enum hz_status hz_building_qr_rotate(const struct hz_ctx *, uint64_t building,
                                     struct hz_poster *);

#endif
