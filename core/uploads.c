#include "policy.h"
#include "uploads.h"

enum { STMT_OWNED, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_OWNED] = "SELECT COUNT(*) FROM uploads WHERE user_id = ?"
	    " AND id IN (?, ?, ?)",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("uploads", sql);

static const struct hz_refusal gone = { HZ_ERR_INVALID, "validation_failed",
    "photos", "照片已失效，请重新上传" };

enum hz_status
hz_uploads_owned(const struct hz_ctx *x, const uint64_t *ids, size_t n)
{
	struct hz_db_result r;
	enum hz_status rc;

	if (n == 0)
		return HZ_OK;
	if (n > 3 || x->caller == NULL)
		return hz_refuse(x, &gone);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OWNED, HZ_ARGS(
	    HZ_ARG_I64((long long)x->caller->id), HZ_ARG_I64((long long)ids[0]),
	    HZ_ARG_I64((long long)ids[n > 1]), HZ_ARG_I64((long long)ids[n - 1])),
	    &r)))
		return rc;
	return HZ_CELL(&r, 0, 0)->i == (long long)n ? HZ_OK : hz_refuse(x, &gone);
}
