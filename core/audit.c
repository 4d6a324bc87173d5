#include <string.h>

#include "audit.h"
#include "policy.h"

enum { STMT_INSERT, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO audit_log (actor_id, action, target_type, target_id,"
	    " request_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("audit", sql);

enum hz_status
hz_audit(const struct hz_ctx *x, uint64_t actor, const char *action,
         const char *target_type, uint64_t target_id, const char *detail)
{
	if (actor == 0 && x->caller != NULL)
		actor = x->caller->id;
	struct hz_db_arg args[] = {
		actor ? HZ_ARG_I64((long long)actor) : HZ_ARG_NULL,
		HZ_ARG_STR(action),
		target_type ? HZ_ARG_STR(target_type) : HZ_ARG_NULL,
		target_id ? HZ_ARG_I64((long long)target_id) : HZ_ARG_NULL,
		x->request_id ? HZ_ARG_STR(x->request_id) : HZ_ARG_NULL,
		detail ? HZ_ARG_STR(detail) : HZ_ARG_NULL,
	};

	return hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGV(args), NULL);
}
