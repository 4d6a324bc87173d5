/* The org tree: village → cooperative → group → building (DESIGN.md, "The
 * org tree"). Every function takes the caller and answers only inside
 * their scope; outside it a unit does not exist. */
#ifndef HZ_UNITS_H
#define HZ_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

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

enum hz_status hz_unit_get(const struct hz_ctx *, uint64_t id,
                           struct hz_unit *);

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
 * and door_no are required; a head given is granted building_head. On
 * HZ_ERR_INVALID or _CONFLICT *field names the culprit. Runs in the
 * caller's transaction if any, else in one of its own. */
enum hz_status hz_unit_create(const struct hz_ctx *,
                              const struct hz_unit_input *, uint64_t *id,
                              const char **field);
/* Changes name, code and building fields that are non-NULL (head_id != 0);
 * parent and kind never change. */
enum hz_status hz_unit_update(const struct hz_ctx *, uint64_t id,
                              const struct hz_unit_input *,
                              const char **field);

/* A unit without any scope check: for what a building's posted code tells
 * anyone who holds it (name, address, its place in the tree). */
enum hz_status hz_unit_public(const struct hz_ctx *, uint64_t id,
                              struct hz_unit *);
/* A new poster serial for a building (old codes stop working). */
enum hz_status hz_unit_bump_serial(const struct hz_ctx *, uint64_t id,
                                   unsigned *serial);

/* For the importer: the id of the unit with `code`, 0 if none. */
uint64_t hz_unit_id_by_code(const struct hz_ctx *, const char *code);
long long hz_unit_count(const struct hz_ctx *);

#endif
