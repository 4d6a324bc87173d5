#include "db.h"
#include "temppw.h"

enum { STMT_NAMED, STMT_PASSWORDLESS, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_NAMED] = "SELECT id, display_name FROM users"
	    " WHERE username = ? AND kind = 'staff'",
	[STMT_PASSWORDLESS] = "SELECT username FROM users WHERE kind = 'staff'"
	    " AND password_hash IS NULL AND disabled = 0 ORDER BY id",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("temppw", sql);

enum hz_status
hz_staff_named(const struct hz_ctx *x, const char *username, uint64_t *id,
               const char **display_name)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_NAMED,
	    HZ_ARGS(HZ_ARG_STR(username)), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	*id = HZ_ID(HZ_CELL(&r, 0, 0));
	*display_name = HZ_CELL(&r, 0, 1)->s;
	return HZ_OK;
}

enum hz_status
hz_staff_passwordless(const struct hz_ctx *x, const char ***usernames,
                      size_t *n)
{
	struct hz_db_result r;
	enum hz_status rc;

	*n = 0;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PASSWORDLESS,
	    HZ_NO_ARGS, &r)))
		return rc;
	if ((*usernames = hz_arena_calloc(x->arena, r.nrows + 1,
	    sizeof(**usernames))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		(*usernames)[(*n)++] = HZ_TEXT(HZ_CELL(&r, i, 0));
	return HZ_OK;
}
