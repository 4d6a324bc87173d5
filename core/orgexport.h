/* The org tree and the staff list as CSV in the import formats (importer.h),
 * so that an export can be edited and imported again:
 *
 *   units:     code,parent_code,kind,name            (no buildings; parents
 *                                                     first)
 *   buildings: code,group_code,name,lane,door_no,rooms,head_username
 *   staff:     username,display_name,role,unit_code  (one row per role; a
 *                                                     staff member without
 *                                                     one: empty role and
 *                                                     unit_code)
 *
 * UTF-8 with a byte-order mark, CRLF, RFC 4180 quoting; a field starting
 * with = + - @ gets a leading ' (hz_csv_field), as in every export. The
 * staff file carries no phone and no password; disabled accounts are
 * listed like the others (buildings.csv may name one as head). Staff
 * without a role are listed only in an export of the whole village. */
#ifndef HZ_ORGEXPORT_H
#define HZ_ORGEXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"

extern const char *const hz_org_files[];   /* units, buildings, staff; NULL */
/* ?file= of the export: one of hz_org_files. */
extern const struct hz_rule hz_org_file_rule;

typedef enum hz_status (*hz_org_line_fn)(void *arg, const char *line,
                                          size_t len);

/* The file `file` of the subtree of `unit`, written line by line through
 * `line` (never the whole file in memory), for an admin or a cadre whose
 * scope holds the unit (404 outside it, 403 without the right). Audited
 * (org.export). */
enum hz_status hz_org_export(const struct hz_ctx *, uint64_t unit,
                             const char *file, hz_org_line_fn line, void *arg);

/* The same for the operator on the command line (no caller): the subtree
 * of the unit coded `code`, or the whole village when `code` is NULL.
 * HZ_ERR_NOT_FOUND: no such unit (or no village yet). */
enum hz_status hz_org_export_operator(const struct hz_ctx *, const char *code,
                                      const char *file, hz_org_line_fn line,
                                      void *arg);

#endif
