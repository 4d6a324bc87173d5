/* `huzu import units.csv buildings.csv`: the org tree from two files, all
 * or nothing, in one transaction.
 *
 *   units.csv      code,parent_code,kind,name
 *                  (kind: village, cooperative or group; parents first or
 *                  already in the database; the village has no parent)
 *   buildings.csv  code,group_code,name,lane,door_no,rooms,head_username
 *                  (rooms and head_username may be empty)
 *
 * The header row names the columns, in any order. */
#ifndef HZ_IMPORTER_H
#define HZ_IMPORTER_H

#include <stdio.h>

#include "ctx.h"

struct hz_import_error {
	const char *file;
	size_t      line;
	const char *column;    /* NULL: the whole line */
	const char *reason;    /* Chinese */
};

struct hz_import_result {
	size_t                  units;
	size_t                  buildings;
	size_t                  nerr;
	struct hz_import_error  errs[50];    /* the first 50 */
};

/* Progress lines go to `progress` (may be NULL). */
enum hz_status hz_import(const struct hz_ctx *, const char *units_name,
                         const char *units, size_t ulen,
                         const char *buildings_name, const char *buildings,
                         size_t blen, FILE *progress,
                         struct hz_import_result *);

#endif
