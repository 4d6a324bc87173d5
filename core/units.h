/* The org tree: village → cooperative → group → building (DESIGN.md, "The
 * org tree"). Every function takes the caller and answers only inside
 * their scope; outside it a unit does not exist. */
#ifndef HZ_UNITS_H
#define HZ_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"
#include "policy.h"

/* What a unit's fields may hold (json.h): the API's field tables and the
 * importer check the same rules. */
struct hz_unit_rules {
	struct hz_rule kind;       /* a unit made through /units */
	struct hz_rule name, code, lane, door_no, rooms;
};
extern const struct hz_unit_rules hz_unit_rules;

struct hz_unit {
	uint64_t    id;
	uint64_t    parent_id;       /* 0 for the village */
	const char *kind;            /* village, cooperative, group, building */
	const char *name;
	const char *code;            /* NULL if none */
	const char *path;
	/* Buildings only. */
	const char *lane;
	const char *door_no;
	const char *rooms;
	uint64_t    head_id;
	const char *head_name;
	unsigned    qr_serial;
	long long   residents;       /* reserved for the registration issue */
};

/* The kind a child of `kind` has, or NULL (buildings have no children). */
const char *hz_unit_child_kind(const char *kind);
bool        hz_unit_kind_valid(const char *kind);
extern const char *const hz_unit_kinds[];    /* NULL-terminated */

/* "Load a unit, check the right, else 404": the unit `id` if the caller
 * may read it; HZ_ERR_NOT_FOUND when there is none or it is outside the
 * caller's scope, HZ_ERR_FORBIDDEN when inside it without `right`,
 * HZ_ERR_UNAUTHORIZED without a caller. */
enum hz_status hz_unit_scoped(const struct hz_ctx *, uint64_t id,
                              enum hz_right, struct hz_unit *);
/* The same for a building: any other kind of unit is not one. */
enum hz_status hz_building_scoped(const struct hz_ctx *, uint64_t id,
                                  enum hz_right, struct hz_unit *);
/* A unit by id whoever asks, for core's own decisions (routing a
 * complaint to a building's chain): never for showing to a caller. */
enum hz_status hz_unit_load(const struct hz_ctx *, uint64_t id,
                            struct hz_unit *);
/* The village (the first, where tests keep several). */
enum hz_status hz_unit_village(const struct hz_ctx *, struct hz_unit *);
/* hz_unit_scoped for reading. */
enum hz_status hz_unit_get(const struct hz_ctx *, uint64_t id,
                           struct hz_unit *);
/* The children of a unit the caller was checked to read, by id (500 at
 * most: a village has a handful of cooperatives, a group tens of
 * buildings). */
enum hz_status hz_unit_children(const struct hz_ctx *, uint64_t id,
                                struct hz_unit **out, size_t *n);

struct hz_unit_filter {
	uint64_t    parent_id;       /* 0: any */
	uint64_t    within;          /* 0: anywhere in scope; else a subtree */
	const char *kind;            /* NULL: any */
	const char *q;               /* buildings: name or address contains */
	uint64_t    after;           /* keyset cursor: last id seen */
	int         limit;           /* 1..100 */
};

/* Units in the caller's scope, by id. *more says whether there are more. */
enum hz_status hz_units_list(const struct hz_ctx *,
                             const struct hz_unit_filter *,
                             struct hz_unit **out, size_t *n, bool *more);

struct hz_unit_input {
	uint64_t    parent_id;
	const char *kind;
	const char *name;
	const char *code;
	const char *lane;
	const char *door_no;
	const char *rooms;
	uint64_t    head_id;
};

/* Creates a unit under parent_id (UNIT_WRITE there). For buildings lane
 * and door_no are required and the parent is called group_id in refusals;
 * a head given is granted building_head. Refusals name the field at
 * fault. Runs in the caller's transaction if any, else in one of its
 * own. */
enum hz_status hz_unit_create(const struct hz_ctx *,
                              const struct hz_unit_input *, uint64_t *id);
/* Changes name, code and building fields that are non-NULL (head_id != 0);
 * parent and kind never change. `kind`, if set, is the kind the caller
 * means to edit: another kind of unit is not found. */
enum hz_status hz_unit_update(const struct hz_ctx *, uint64_t id,
                              const struct hz_unit_input *);

/* A unit without any scope check: for what a building's posted code tells
 * anyone who holds it (name, address, its place in the tree). */
enum hz_status hz_unit_public(const struct hz_ctx *, uint64_t id,
                              struct hz_unit *);
/* A new poster serial for a building (old codes stop working). */
enum hz_status hz_unit_bump_serial(const struct hz_ctx *, uint64_t id,
                                   unsigned *serial);

/* A building's address as printed on its poster: lane, door number, 号. */
const char *hz_building_address(hz_arena *, const struct hz_unit *);

/* For the importer: the id of the unit with `code`, 0 if none. */
uint64_t hz_unit_id_by_code(const struct hz_ctx *, const char *code);
long long hz_unit_count(const struct hz_ctx *);

#endif
