#include <string.h>

#include "audit.h"
#include "contact.h"
#include "policy.h"

enum {
	STMT_GET, STMT_SET, STMT_LEADERS, STMT_UNPUBLISH, STMT_HEAD_ENABLED,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_GET] = "SELECT phone_public FROM users WHERE id = ?",
	[STMT_SET] = "UPDATE users SET phone_public = ? WHERE id = ?",
	[STMT_LEADERS] =
	    "SELECT GROUP_CONCAT(u.display_name ORDER BY r.id SEPARATOR '、')"
	    " FROM role_assignments r JOIN users u ON u.id = r.user_id"
	    " WHERE r.unit_id = ? AND r.role = 'group_leader'"
	    " AND u.disabled = 0",
	[STMT_UNPUBLISH] =
	    "UPDATE users SET phone_public = 0 WHERE id = ? AND phone_public = 1"
	    " AND NOT EXISTS (SELECT 1 FROM role_assignments"
	    " WHERE user_id = ? AND role = 'building_head')",
	[STMT_HEAD_ENABLED] =
	    "SELECT COUNT(*) FROM users WHERE id = ? AND disabled = 0",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("contact", sql);

const struct hz_rule hz_phone_public_rule = { HZ_F_BOOL, 0, 0,
    "phone_public 应为 true（公开）或 false（不公开）" };

static const struct hz_refusal
    heads_only = { HZ_ERR_FORBIDDEN, "forbidden", NULL,
	"只有栋长可以在楼栋二维码页面公开电话" },
    no_phone = { HZ_ERR_INVALID, "validation_failed", "phone_public",
	"您的账号还没有登记手机号，请联系管理员添加后再公开" };

bool
hz_caller_is_head(const struct hz_ctx *x)
{
	const struct hz_caller *c = x->caller;

	for (size_t i = 0; c != NULL && c->staff && i < c->ngrants; i++)
		if (c->grants[i].role == HZ_ROLE_BUILDING_HEAD)
			return true;
	return false;
}

enum hz_status
hz_phone_public_get(const struct hz_ctx *x, bool *on)
{
	struct hz_db_result r;
	enum hz_status rc;

	*on = false;
	if (!hz_caller_is_head(x))
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_I64((long long)x->caller->id)), &r)))
		return rc;
	*on = r.nrows && HZ_CELL(&r, 0, 0)->i != 0;
	return HZ_OK;
}

static enum hz_status
set_tx(const struct hz_ctx *x, void *p)
{
	bool on = *(bool *)p;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SET, HZ_ARGS(
	    HZ_ARG_I64(on ? 1 : 0), HZ_ARG_I64((long long)x->caller->id)),
	    NULL)))
		return rc;
	return hz_audit(x, 0, "user.phone_public", "user", x->caller->id,
	    on ? "{\"phone_public\":true}" : "{\"phone_public\":false}");
}

enum hz_status
hz_phone_public_set(const struct hz_ctx *x, bool on)
{
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	/* Withdrawing is open to all staff: someone who was a head may still
	 * have it on (heads_only would lock them out of their own number). */
	if (!x->caller->staff || (on && !hz_caller_is_head(x)))
		return hz_refuse(x, &heads_only);
	if (on && x->caller->phone_sealed == NULL)
		return hz_refuse(x, &no_phone);
	return hz_tx(x, set_tx, &on);
}

enum hz_status
hz_building_reviewer(const struct hz_ctx *x, const struct hz_unit *b,
                     const char **role, const char **name)
{
	struct hz_db_result r;
	enum hz_status rc;

	/* A disabled head answers for nothing: as if there were none. */
	if (b->head_id != 0) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_HEAD_ENABLED,
		    HZ_ARGS(HZ_ARG_I64((long long)b->head_id)), &r)))
			return rc;
		if (HZ_CELL(&r, 0, 0)->i != 0) {
			*role = "building_head";
			*name = b->head_name;
			return HZ_OK;
		}
	}
	*role = "group_leader";
	*name = NULL;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LEADERS,
	    HZ_ARGS(HZ_ARG_I64((long long)b->parent_id)), &r)))
		return rc;
	if (r.nrows && !HZ_CELL(&r, 0, 0)->null)
		*name = HZ_CELL(&r, 0, 0)->s;
	return HZ_OK;
}

enum hz_status
hz_phone_unpublish_unless_head(const struct hz_ctx *x, uint64_t user)
{
	struct hz_db_arg u = HZ_ARG_I64((long long)user);

	return hz_db_run(x->db, x->arena, &stmts, STMT_UNPUBLISH,
	    HZ_ARGS(u, u), NULL);
}
