/* The org tree and staff as import CSV (orgexport.h). Each file is read
 * in pages of PAGE rows, in keyset order, into a scratch arena reset
 * between pages: the file is never held in memory, whatever its length. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "csv.h"
#include "orgexport.h"
#include "policy.h"
#include "units.h"

#define PAGE 500

enum { F_UNITS, F_BUILDINGS, F_STAFF, F__MAX };

const char *const hz_org_files[] = { "units", "buildings", "staff", NULL };

enum { STMT_UNITS, STMT_BUILDINGS, STMT_STAFF, STMT__MAX };

/* Column 0 and 1 of each row are its key (the path, or the user's and the
 * role's ids); the fields of the file follow. */
static const char *const sql[STMT__MAX] = {
	/* Parents before children: a path sorts after its parent's. */
	[STMT_UNITS] =
	    "SELECT u.path, 0, u.code, p.code, u.kind, u.name FROM units u"
	    " LEFT JOIN units p ON p.id = u.parent_id"
	    " WHERE u.path LIKE CONCAT(?, '%') AND u.kind <> 'building'"
	    " AND u.path > ? ORDER BY u.path LIMIT 500",
	[STMT_BUILDINGS] =
	    "SELECT u.path, 0, u.code, g.code, u.name, b.lane, b.door_no,"
	    " b.rooms, h.username FROM units u"
	    " JOIN buildings b ON b.unit_id = u.id"
	    " LEFT JOIN units g ON g.id = u.parent_id"
	    " LEFT JOIN users h ON h.id = b.head_user_id"
	    " WHERE u.path LIKE CONCAT(?, '%') AND u.kind = 'building'"
	    " AND u.path > ? ORDER BY u.path LIMIT 500",
	/* path, whole village (0/1), after user, after user, after role:
	 * the roles held inside the subtree, and for the whole village also
	 * the staff holding none. */
	[STMT_STAFF] =
	    "SELECT s.id, COALESCE(r.id, 0), s.username, s.display_name,"
	    " r.role, cu.code FROM users s"
	    " LEFT JOIN role_assignments r ON r.user_id = s.id"
	    " LEFT JOIN units cu ON cu.id = r.unit_id"
	    " WHERE s.kind = 'staff'"
	    " AND (cu.path LIKE CONCAT(?, '%') OR (r.id IS NULL AND ? = 1))"
	    " AND (s.id > ? OR (s.id = ? AND COALESCE(r.id, 0) > ?))"
	    " ORDER BY s.id, COALESCE(r.id, 0) LIMIT 500",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("orgexport", sql);

static const char *const heads[F__MAX] = {
	[F_UNITS] = "code,parent_code,kind,name",
	[F_BUILDINGS] = "code,group_code,name,lane,door_no,rooms,head_username",
	[F_STAFF] = "username,display_name,role,unit_code",
};
static const size_t nfields[F__MAX] = { 4, 7, 4 };

#define FILE_WORDS "file 应为 units、buildings 或 staff"

const struct hz_rule hz_org_file_rule = { HZ_F_ENUM, 0, 0, FILE_WORDS,
    hz_org_files };

static const struct hz_refusal bad_file = { HZ_ERR_INVALID,
    "validation_failed", "file", FILE_WORDS };

static int
file_of(const char *file)
{
	for (int f = 0; file && hz_org_files[f]; f++)
		if (strcmp(file, hz_org_files[f]) == 0)
			return f;
	return -1;
}

/* Writes file `f` of the subtree at `u`; *rows: the data rows written. */
static enum hz_status
write_file(const struct hz_ctx *x, const struct hz_unit *u, int f,
           hz_org_line_fn line, void *arg, long long *rows)
{
	bool village = strcmp(u->kind, "village") == 0;
	char after_path[256] = "";
	long long after_user = 0, after_role = 0;
	struct hz_buf b;
	hz_arena *scratch;
	enum hz_status rc;

	*rows = 0;
	if ((scratch = hz_arena_new(16384)) == NULL)
		return HZ_ERR_NOMEM;
	hz_buf_init(&b, scratch);
	hz_buf_puts(&b, "\xef\xbb\xbf");
	hz_buf_puts(&b, heads[f]);
	hz_buf_puts(&b, "\r\n");
	rc = b.oom ? HZ_ERR_NOMEM : line(arg, b.data, b.len);
	while (rc == HZ_OK) {
		struct hz_db_result r;
		struct hz_db_arg path = HZ_ARG_STR(u->path);

		hz_arena_reset(scratch);
		if (f == F_STAFF)
			rc = hz_db_run(x->db, scratch, &stmts, STMT_STAFF, HZ_ARGS(
			    path, HZ_ARG_I64(village ? 1 : 0),
			    HZ_ARG_I64(after_user), HZ_ARG_I64(after_user),
			    HZ_ARG_I64(after_role)), &r);
		else
			rc = hz_db_run(x->db, scratch, &stmts, f == F_UNITS
			    ? STMT_UNITS : STMT_BUILDINGS, HZ_ARGS(path,
			    HZ_ARG_STR(after_path)), &r);
		if (rc || r.nrows == 0)
			break;
		for (size_t i = 0; rc == HZ_OK && i < r.nrows; i++) {
			const struct hz_db_cell *c = HZ_CELL(&r, i, 0);

			hz_buf_init(&b, scratch);
			for (size_t k = 0; k < nfields[f]; k++)
				hz_csv_field(&b, HZ_TEXT(&c[2 + k]),
				    k + 1 == nfields[f]);
			rc = b.oom ? HZ_ERR_NOMEM : line(arg, b.data, b.len);
			(*rows)++;
		}
		if (rc == HZ_OK && f == F_STAFF) {
			after_user = HZ_CELL(&r, r.nrows - 1, 0)->i;
			after_role = HZ_CELL(&r, r.nrows - 1, 1)->i;
		} else if (rc == HZ_OK)
			snprintf(after_path, sizeof(after_path), "%s",
			    HZ_CELL(&r, r.nrows - 1, 0)->s);
		if (r.nrows < PAGE)
			break;
	}
	hz_arena_free(scratch);
	return rc;
}

static enum hz_status
run(const struct hz_ctx *x, const struct hz_unit *u, int f,
    hz_org_line_fn line, void *arg)
{
	long long rows;
	enum hz_status rc;

	if ((rc = write_file(x, u, f, line, arg, &rows)))
		return rc;
	return hz_audit(x, 0, "org.export", "unit", u->id, hz_arena_printf(
	    x->arena, "{\"file\":\"%s\",\"rows\":%lld}", hz_org_files[f], rows));
}

enum hz_status
hz_org_export(const struct hz_ctx *x, uint64_t unit, const char *file,
              hz_org_line_fn line, void *arg)
{
	struct hz_unit u;
	int f = file_of(file);
	enum hz_status rc;

	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if ((rc = hz_unit_scoped(x, unit, HZ_RIGHT_ORG_EXPORT, &u)))
		return rc;
	if (f < 0)
		return hz_refuse(x, &bad_file);
	return run(x, &u, f, line, arg);
}

enum hz_status
hz_org_export_operator(const struct hz_ctx *x, const char *code,
                       const char *file, hz_org_line_fn line, void *arg)
{
	struct hz_unit u;
	uint64_t id;
	int f = file_of(file);
	enum hz_status rc;

	if (f < 0)
		return hz_refuse(x, &bad_file);
	if (code == NULL)
		rc = hz_unit_village(x, &u);
	else if ((id = hz_unit_id_by_code(x, code)) == 0)
		return HZ_ERR_NOT_FOUND;
	else
		rc = hz_unit_load(x, id, &u);
	return rc ? rc : run(x, &u, f, line, arg);
}
