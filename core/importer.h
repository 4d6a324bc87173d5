/* `huzu import units.csv buildings.csv [staff.csv]`: the org tree and its
 * staff from files, all or nothing, in one transaction; and `huzu init`,
 * the first setup of an empty instance.
 *
 *   units.csv      code,parent_code,kind,name
 *                  (kind: village, cooperative or group; parents first or
 *                  already in the database; the village has no parent)
 *   buildings.csv  code,group_code,name,lane,door_no,rooms,head_username
 *                  (rooms and head_username may be empty)
 *   staff.csv      username,display_name,role,unit_code
 *                  (one row per role; role and unit_code both empty: an
 *                  account without a role)
 *
 * The header row names the columns, in any order; every column is
 * required and no other is allowed. Cells are trimmed of surrounding
 * spaces. Imports only add: a row equal to what the database holds (the
 * village after `huzu init`, a file exported and imported again) is
 * counted as present; a row whose code exists with other contents is an
 * error.
 *
 * What stops a run at once and is reported alone (res->root): a file that
 * is not UTF-8 (a GBK file, as Excel saves "CSV", is named as such) or not
 * CSV, a missing, unknown or repeated column, a units or buildings file
 * with no data rows, a village other than the one already there. Other
 * errors are collected by line (the first 50); a line that depends on a
 * line with an error (a building of a group that failed) is counted in
 * res->knock_on, not reported.
 *
 * Staff rows are applied after the units and before the buildings, so
 * head_username may name an account the same import creates; a role at a
 * building of the same import is granted after the buildings. Accounts it
 * creates have no password and cannot log in until one is set
 * (`huzu user password`, or an admin's reset). An existing account keeps
 * its password; its display name must match.
 *
 * door_no, as imported: a number from 1 (no leading zero, at most five
 * digits), optionally followed by one sub-door: -1 or -A (12-1), one
 * letter (12A), or 之 and a number (12之1, 12之一). Never 号: the address
 * prints lane, door_no and 号. The API takes any text for door_no. */
#ifndef HZ_IMPORTER_H
#define HZ_IMPORTER_H

#include <stdbool.h>
#include <stdio.h>

#include "ctx.h"

struct hz_import_error {
	const char *file;
	size_t      line;
	const char *column;    /* NULL: the whole line or file */
	const char *reason;    /* Chinese */
};

struct hz_import_result {
	size_t                  units;        /* created */
	size_t                  buildings;    /* created */
	size_t                  staff;        /* accounts created */
	size_t                  roles;        /* roles granted */
	size_t                  present;      /* rows already in the database */
	bool                    root;         /* errs[0] stopped the run */
	size_t                  knock_on;     /* lines not checked (see above) */
	size_t                  nerr;
	struct hz_import_error  errs[50];     /* the first 50 */
};

/* One file: its name (for messages) and its bytes. */
struct hz_import_file {
	const char *name;
	const char *text;
	size_t      len;
};

/* staff may be NULL. Progress lines go to `progress` (may be NULL) every
 * 1000 rows. HZ_ERR_INVALID when any error was found: nothing is kept. */
enum hz_status hz_import_files(const struct hz_ctx *,
                               const struct hz_import_file *units,
                               const struct hz_import_file *buildings,
                               const struct hz_import_file *staff,
                               FILE *progress, struct hz_import_result *);
/* hz_import_files without staff. */
enum hz_status hz_import(const struct hz_ctx *, const char *units_name,
                         const char *units, size_t ulen,
                         const char *buildings_name, const char *buildings,
                         size_t blen, FILE *progress,
                         struct hz_import_result *);

/* --- huzu init ---------------------------------------------------------- */

/* What an instance holds already: its staff accounts and its village
 * (village 0: none; code and name NULL). */
struct hz_setup_state {
	long long   staff;
	uint64_t    village;
	const char *village_code, *village_name;
};
enum hz_status hz_setup_state(const struct hz_ctx *, struct hz_setup_state *);

struct hz_setup_input {
	const char *village_code, *village_name;
	const char *username, *display_name, *password;
};

/* The village and its first admin (role admin at the village), in one
 * transaction; refused (409, not_empty) once any staff account or any
 * village exists, and by the unit and user rules. */
enum hz_status hz_setup_init(const struct hz_ctx *,
                             const struct hz_setup_input *,
                             uint64_t *village, uint64_t *user);

#endif
