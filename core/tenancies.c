#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "idcard.h"
#include "policy.h"
#include "tenancies.h"
#include "utf8.h"

#define COLS \
	"t.id, t.user_id, t.building_id, u.name, b.lane, b.door_no, t.status," \
	" t.name, t.id_type, t.id_sealed, t.phone_sealed, t.room, t.move_in," \
	" t.reason, t.employer, t.members_sealed, t.created_at, t.decided_at," \
	" t.reject_reason, t.ended_at, t.end_reason, t.last_verified_at," \
	" (t.status = 'pending' AND t.created_at < NOW(3) - INTERVAL 24 HOUR)," \
	" u.path"
#define FROM \
	" FROM tenancies t JOIN units u ON u.id = t.building_id" \
	" JOIN buildings b ON b.unit_id = t.building_id"

enum {
	STMT_GET, STMT_LIST_OWN, STMT_LIST_SCOPE, STMT_LOCK, STMT_APPROVE,
	STMT_REJECT, STMT_END, STMT_INSERT, STMT_OPEN_OF_USER, STMT_OPEN_OF_ID,
	STMT_VERIFIED, STMT_UNIT, STMT_CHILDREN, STMT_COUNT, STMT_EXPORT,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_GET] = "SELECT " COLS FROM " WHERE t.id = ?",
	[STMT_LIST_OWN] =
	    "SELECT " COLS FROM " WHERE t.user_id = ? AND t.id > ?"
	    " AND (? IS NULL OR t.status = ?) ORDER BY t.id LIMIT ?",
	[STMT_LIST_SCOPE] =
	    "SELECT " COLS FROM " WHERE u.path LIKE CONCAT(?, '%') AND t.id > ?"
	    " AND (? IS NULL OR t.status = ?) AND (? = 0 OR t.building_id = ?)"
	    " ORDER BY t.id LIMIT ?",
	[STMT_LOCK] =
	    "SELECT t.status, t.user_id, u.path FROM tenancies t"
	    " JOIN units u ON u.id = t.building_id WHERE t.id = ? FOR UPDATE",
	[STMT_APPROVE] =
	    "UPDATE tenancies SET status = 'active', decided_by = ?,"
	    " decided_at = NOW(3) WHERE id = ?",
	[STMT_REJECT] =
	    "UPDATE tenancies SET status = 'rejected', decided_by = ?,"
	    " decided_at = NOW(3), reject_reason = ? WHERE id = ?",
	[STMT_END] =
	    "UPDATE tenancies SET status = 'ended', ended_by = ?,"
	    " ended_at = NOW(3), end_reason = ? WHERE id = ?",
	[STMT_INSERT] =
	    "INSERT INTO tenancies (user_id, building_id, name, id_type,"
	    " id_sealed, id_index, phone_sealed, room, move_in, reason,"
	    " employer, members_sealed, members_count)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[STMT_OPEN_OF_USER] =
	    "SELECT id, building_id, status FROM tenancies WHERE open_user = ?",
	[STMT_OPEN_OF_ID] =
	    "SELECT id FROM tenancies WHERE open_id = ?",
	[STMT_VERIFIED] =
	    "UPDATE tenancies SET last_verified_at = NOW(3) WHERE id = ?",
	[STMT_UNIT] = "SELECT id, name, kind, path FROM units WHERE id = ?",
	[STMT_CHILDREN] =
	    "SELECT id, name, kind, path FROM units WHERE parent_id = ?"
	    " ORDER BY id LIMIT 500",
	[STMT_COUNT] =
	    /* SUM gives DECIMAL; cast, so the cells arrive as integers. */
	    "SELECT CAST(COALESCE(SUM(t.status = 'active'), 0) AS SIGNED),"
	    " CAST(COALESCE(SUM(t.status = 'pending'), 0) AS SIGNED),"
	    " CAST(COALESCE(SUM(t.status = 'pending' AND"
	    "   t.created_at < NOW(3) - INTERVAL 24 HOUR), 0) AS SIGNED)"
	    " FROM tenancies t JOIN units u ON u.id = t.building_id"
	    " WHERE u.path LIKE CONCAT(?, '%')"
	    " AND t.status IN ('pending', 'active')",
	[STMT_EXPORT] =
	    "SELECT t.id, u.name, b.lane, b.door_no, t.room, t.status, t.name,"
	    " t.id_type, t.id_sealed, t.phone_sealed, t.move_in, t.reason,"
	    " t.employer, t.created_at" FROM
	    " WHERE u.path LIKE CONCAT(?, '%') AND t.move_in BETWEEN ? AND ?"
	    " ORDER BY t.id LIMIT 20001",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("tenancies", sql);

static const char *const reasons[] = { "work", "business", "family", "study",
    "other", NULL };

bool
hz_tenancy_reason_valid(const char *r)
{
	for (int i = 0; r != NULL && reasons[i]; i++)
		if (strcmp(r, reasons[i]) == 0)
			return true;
	return false;
}

static const char *
text(const struct hz_db_cell *c)
{
	return c->null ? NULL : c->s;
}

static const char *
unsealed_masked(const struct hz_ctx *x, const char *purpose,
                const struct hz_db_cell *c, bool phone)
{
	char *plain;

	if (c->null || hz_unseal(x->arena, x->keys, purpose,
	    (const unsigned char *)c->s, c->len, &plain) != HZ_OK)
		return NULL;
	return phone ? hz_mask_phone(x->arena, plain)
	    : hz_mask_id(x->arena, plain);
}

static void
fill(const struct hz_ctx *x, const struct hz_db_result *r, size_t i,
     struct hz_tenancy *t)
{
	const struct hz_db_cell *m = HZ_CELL(r, i, 15);
	char *members = NULL;

	memset(t, 0, sizeof(*t));
	t->id = (uint64_t)HZ_CELL(r, i, 0)->i;
	t->user_id = (uint64_t)HZ_CELL(r, i, 1)->i;
	t->building_id = (uint64_t)HZ_CELL(r, i, 2)->i;
	t->building_name = HZ_CELL(r, i, 3)->s;
	t->lane = HZ_CELL(r, i, 4)->s;
	t->door_no = HZ_CELL(r, i, 5)->s;
	t->status = HZ_CELL(r, i, 6)->s;
	t->name = HZ_CELL(r, i, 7)->s;
	t->id_type = HZ_CELL(r, i, 8)->s;
	t->id_masked = unsealed_masked(x, "id_number", HZ_CELL(r, i, 9), false);
	t->phone_masked = unsealed_masked(x, "phone", HZ_CELL(r, i, 10), true);
	t->room = HZ_CELL(r, i, 11)->s;
	t->move_in = HZ_CELL(r, i, 12)->s;
	t->reason = HZ_CELL(r, i, 13)->s;
	t->employer = text(HZ_CELL(r, i, 14));
	if (!m->null && hz_unseal(x->arena, x->keys, "members",
	    (const unsigned char *)m->s, m->len, &members) == HZ_OK)
		t->members_json = members;
	t->created_at = hz_time_local(x->arena, text(HZ_CELL(r, i, 16)));
	t->decided_at = hz_time_local(x->arena, text(HZ_CELL(r, i, 17)));
	t->reject_reason = text(HZ_CELL(r, i, 18));
	t->ended_at = hz_time_local(x->arena, text(HZ_CELL(r, i, 19)));
	t->end_reason = text(HZ_CELL(r, i, 20));
	t->last_verified_at = hz_time_local(x->arena, text(HZ_CELL(r, i, 21)));
	t->overdue = HZ_CELL(r, i, 22)->i != 0;
}

static bool
len_ok(const char *s, long lo, long hi)
{
	long n = s ? hz_utf8_count(s, strlen(s)) : 0;

	return n >= lo && n <= hi;
}

struct create_job {
	const struct hz_ctx    *x;
	const struct hz_db_arg *args;
	uint64_t                building;
	uint64_t                id;
};

/* The row and its audit entry commit together, or neither does. */
static enum hz_status
create_tx(struct hz_db *db, void *p)
{
	struct create_job *j = p;
	struct hz_db_result r;
	char detail[64];
	enum hz_status rc;

	(void)db;
	if ((rc = hz_db_run(j->x->db, j->x->arena, &stmts, STMT_INSERT, j->args,
	    13, &r)))
		return rc;
	j->id = r.insert_id;
	snprintf(detail, sizeof(detail), "{\"building_id\":%llu}",
	    (unsigned long long)j->building);
	return hz_audit(j->x, 0, "tenancy.create", "tenancy", j->id, detail);
}

enum hz_status
hz_tenancy_create(const struct hz_ctx *x, const struct hz_tenancy_input *in,
                  uint64_t *id, const char **field)
{
	char number[32];
	unsigned char index[HZ_INDEX_BYTES], *id_sealed, *ph_sealed;
	unsigned char *m_sealed = NULL;
	size_t id_len, ph_len, m_len = 0;
	int move_in, today = hz_today_local(x->now);
	int latest = hz_today_local(x->now + 31 * 86400);
	struct hz_db_result r;
	enum hz_status rc;

	*field = NULL;
	if (x->caller == NULL || x->caller->staff)
		return HZ_ERR_FORBIDDEN;
	move_in = hz_date_parse(in->move_in);
	if (!len_ok(in->name, 1, 32))
		*field = "name";
	else if (!hz_id_type_valid(in->id_type))
		*field = "id_type";
	else if (!hz_id_number_valid(in->id_type, in->id_number, today, number))
		*field = "id_number";
	else if (!hz_phone_valid(in->phone))
		*field = "phone";
	else if (!len_ok(in->room, 1, 32))
		*field = "room";
	/* A move-in up to a month ahead (a signed lease), not a century back. */
	else if (move_in < 19500101 || move_in > latest)
		*field = "move_in";
	else if (!hz_tenancy_reason_valid(in->reason))
		*field = "reason";
	else if (in->employer && !len_ok(in->employer, 0, 100))
		*field = "employer";
	if (*field)
		return HZ_ERR_INVALID;

	hz_blind_index(x->keys, "id_number", number, strlen(number), index);
	struct hz_db_arg user = HZ_ARG_I64((long long)x->caller->id);
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)index, sizeof(index));
	/* Say which rule a second registration breaks; the unique keys
	 * still decide when two arrive at once. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OPEN_OF_USER, &user,
	    1, &r)))
		return rc;
	if (r.nrows) {
		*field = "user";
		return HZ_ERR_CONFLICT;
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OPEN_OF_ID, &ix, 1,
	    &r)))
		return rc;
	if (r.nrows) {
		*field = "id_number";
		return HZ_ERR_CONFLICT;
	}
	if ((rc = hz_seal(x->arena, x->keys, "id_number", number,
	    strlen(number), &id_sealed, &id_len)) ||
	    (rc = hz_seal(x->arena, x->keys, "phone", in->phone,
	    strlen(in->phone), &ph_sealed, &ph_len)) ||
	    (in->members_json && (rc = hz_seal(x->arena, x->keys, "members",
	    in->members_json, strlen(in->members_json), &m_sealed, &m_len))))
		return rc;
	struct hz_db_arg args[] = {
		user, HZ_ARG_I64((long long)in->building_id),
		HZ_ARG_STR(in->name), HZ_ARG_STR(in->id_type),
		HZ_ARG_STRN((const char *)id_sealed, id_len), ix,
		HZ_ARG_STRN((const char *)ph_sealed, ph_len),
		HZ_ARG_STR(in->room), HZ_ARG_STR(in->move_in),
		HZ_ARG_STR(in->reason),
		in->employer ? HZ_ARG_STR(in->employer) : HZ_ARG_NULL,
		m_sealed ? HZ_ARG_STRN((const char *)m_sealed, m_len)
		    : HZ_ARG_NULL,
		HZ_ARG_I64(in->members_count),
	};
	struct create_job j = { x, args, in->building_id, 0 };
	if ((rc = hz_db_tx(x->db, create_tx, &j))) {
		/* Lost a race at the unique keys: which one? */
		if (rc == HZ_ERR_CONFLICT)
			*field = hz_db_run(x->db, x->arena, &stmts,
			    STMT_OPEN_OF_USER, &user, 1, &r) == HZ_OK &&
			    r.nrows == 0 ? "id_number" : "user";
		return rc;
	}
	*id = j.id;
	return HZ_OK;
}

/* Who may see a tenancy: its owner, or staff reading its building. */
static enum hz_status
visible(const struct hz_ctx *x, uint64_t owner, const char *path)
{
	enum hz_status rc;

	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff)
		return x->caller->id == owner ? HZ_OK : HZ_ERR_NOT_FOUND;
	rc = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ, path);
	return rc == HZ_ERR_FORBIDDEN ? HZ_ERR_NOT_FOUND : rc;
}

/* The row of tenancy `id` (COLS), if the caller may see it. */
static enum hz_status
load_visible(const struct hz_ctx *x, uint64_t id, struct hz_db_result *r)
{
	struct hz_db_arg a = HZ_ARG_I64((long long)id);
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET, &a, 1, r)))
		return rc;
	if (r->nrows == 0)
		return HZ_ERR_NOT_FOUND;
	return visible(x, (uint64_t)HZ_CELL(r, 0, 1)->i, HZ_CELL(r, 0, 23)->s);
}

enum hz_status
hz_tenancy_get(const struct hz_ctx *x, uint64_t id, struct hz_tenancy *t,
               bool after_write)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = load_visible(x, id, &r)))
		return rc;
	fill(x, &r, 0, t);
	/* A renter's record read by staff is a PII read: recorded. */
	return x->caller->staff && !after_write ? hz_audit(x, 0, "tenancy.read",
	    "tenancy", id, NULL) : HZ_OK;
}

enum hz_status
hz_tenancies_list(const struct hz_ctx *x, const struct hz_tenancy_filter *f,
                  struct hz_tenancy **out, size_t *n, bool *more)
{
	const char *roots[HZ_GRANTS_MAX];
	struct hz_db_result r;
	struct hz_tenancy *all = NULL;
	size_t nroots, total = 0;
	enum hz_status rc;
	char *within = NULL;

	*n = 0;
	*more = false;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	struct hz_db_arg st = f->status ? HZ_ARG_STR(f->status) : HZ_ARG_NULL;
	if (!x->caller->staff) {
		struct hz_db_arg args[] = {
			HZ_ARG_I64((long long)x->caller->id),
			HZ_ARG_I64((long long)f->after), st, st,
			HZ_ARG_I64(f->limit + 1),
		};
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LIST_OWN,
		    args, 5, &r)))
			return rc;
		if ((all = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(*all)))
		    == NULL)
			return HZ_ERR_NOMEM;
		for (size_t i = 0; i < r.nrows; i++)
			fill(x, &r, i, &all[i]);
		total = r.nrows;
	} else {
		uint64_t scope = f->unit ? f->unit : f->building;

		if (scope) {
			struct hz_db_arg u = HZ_ARG_I64((long long)scope);
			if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UNIT,
			    &u, 1, &r)))
				return rc;
			if (r.nrows == 0)
				return HZ_ERR_NOT_FOUND;
			within = hz_arena_strdup(x->arena, HZ_CELL(&r, 0, 3)->s);
			if ((rc = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ,
			    within)))
				return rc == HZ_ERR_FORBIDDEN
				    ? HZ_ERR_NOT_FOUND : rc;
			roots[0] = within;
			nroots = 1;
		} else
			nroots = hz_scope_roots(x->caller, HZ_RIGHT_UNIT_READ,
			    roots, HZ_GRANTS_MAX);
		for (size_t k = 0; k < nroots; k++) {
			struct hz_db_arg args[] = {
				HZ_ARG_STR(roots[k]),
				HZ_ARG_I64((long long)f->after), st, st,
				HZ_ARG_I64((long long)f->building),
				HZ_ARG_I64((long long)f->building),
				HZ_ARG_I64(f->limit + 1),
			};
			struct hz_tenancy *g;
			size_t i = 0, j = 0, o = 0;

			if ((rc = hz_db_run(x->db, x->arena, &stmts,
			    STMT_LIST_SCOPE, args, 7, &r)))
				return rc;
			if ((g = hz_arena_calloc(x->arena, total + r.nrows + 1,
			    sizeof(*g))) == NULL)
				return HZ_ERR_NOMEM;
			/* Merge by id: the roots are disjoint subtrees. */
			while (i < total || j < r.nrows) {
				if (j == r.nrows || (i < total && all[i].id <
				    (uint64_t)HZ_CELL(&r, j, 0)->i))
					g[o++] = all[i++];
				else
					fill(x, &r, j++, &g[o++]);
			}
			all = g;
			total = o;
		}
	}
	if (total > (size_t)f->limit) {
		total = (size_t)f->limit;
		*more = true;
	}
	*out = all;
	*n = total;
	if (x->caller->staff && total > 0) {
		/* One entry per page of renters' records shown to staff. */
		struct hz_buf d;

		hz_buf_init(&d, x->arena);
		hz_buf_puts(&d, "{\"tenancy_ids\":[");
		for (size_t i = 0; i < total; i++)
			hz_buf_printf(&d, "%s%llu", i ? "," : "",
			    (unsigned long long)all[i].id);
		hz_buf_puts(&d, "]}");
		if (d.oom)
			return HZ_ERR_NOMEM;
		return hz_audit(x, 0, "tenancy.list", NULL, 0, d.data);
	}
	return HZ_OK;
}

struct decide_job {
	const struct hz_ctx    *x;
	uint64_t                id;
	enum hz_tenancy_action  action;
	const char             *reason;
};

static enum hz_status
decide_tx(struct hz_db *db, void *p)
{
	static const char *const names[] = { "tenancy.approve",
	    "tenancy.reject", "tenancy.end" };
	struct decide_job *j = p;
	const struct hz_ctx *x = j->x;
	struct hz_db_arg id = HZ_ARG_I64((long long)j->id);
	struct hz_db_arg who = HZ_ARG_I64((long long)x->caller->id);
	struct hz_db_arg why = j->reason ? HZ_ARG_STR(j->reason) : HZ_ARG_NULL;
	struct hz_db_result r;
	const char *status;
	bool owner;
	enum hz_status rc;

	(void)db;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK, &id, 1, &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	status = HZ_CELL(&r, 0, 0)->s;
	owner = !x->caller->staff &&
	    (uint64_t)HZ_CELL(&r, 0, 1)->i == x->caller->id;
	if ((rc = visible(x, (uint64_t)HZ_CELL(&r, 0, 1)->i,
	    HZ_CELL(&r, 0, 2)->s)))
		return rc;
	/* The owner may end (move out, or withdraw); deciding is staff's. */
	if (!(owner && j->action == HZ_TENANCY_END) &&
	    (rc = hz_authorize(x->caller, HZ_RIGHT_TENANCY_DECIDE,
	    HZ_CELL(&r, 0, 2)->s)))
		return rc;
	switch (j->action) {
	case HZ_TENANCY_APPROVE:
		if (strcmp(status, "pending") != 0)
			return HZ_ERR_CONFLICT;
		struct hz_db_arg a[] = { who, id };
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_APPROVE, a, 2, NULL);
		break;
	case HZ_TENANCY_REJECT:
		if (strcmp(status, "pending") != 0)
			return HZ_ERR_CONFLICT;
		struct hz_db_arg b[] = { who, why, id };
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_REJECT, b, 3, NULL);
		break;
	case HZ_TENANCY_END:
		if (strcmp(status, "pending") != 0 &&
		    strcmp(status, "active") != 0)
			return HZ_ERR_CONFLICT;
		struct hz_db_arg c[] = { who, why, id };
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_END, c, 3, NULL);
		break;
	}
	if (rc)
		return rc;
	return hz_audit(x, 0, names[j->action], "tenancy", j->id, NULL);
}

enum hz_status
hz_tenancy_decide(const struct hz_ctx *x, uint64_t id,
                  enum hz_tenancy_action action, const char *reason)
{
	struct decide_job j = { x, id, action, reason };

	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (reason != NULL && !len_ok(reason, 1, 200))
		return HZ_ERR_INVALID;
	if (action == HZ_TENANCY_REJECT && reason == NULL)
		return HZ_ERR_INVALID;
	return hz_db_tx(x->db, decide_tx, &j);
}

enum hz_status
hz_tenancy_reveal_id(const struct hz_ctx *x, uint64_t id, char **number)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = load_visible(x, id, &r)))
		return rc;
	/* Residents see their own number in the form they filled in. */
	if (x->caller->staff && (rc = hz_authorize(x->caller,
	    HZ_RIGHT_PII_REVEAL, HZ_CELL(&r, 0, 23)->s)))
		return rc;
	if ((rc = hz_unseal(x->arena, x->keys, "id_number",
	    (const unsigned char *)HZ_CELL(&r, 0, 9)->s, HZ_CELL(&r, 0, 9)->len,
	    number)))
		return rc;
	return hz_audit(x, 0, "pii.reveal", "tenancy", id,
	    "{\"field\":\"id_number\"}");
}

enum hz_status
hz_tenancy_verified(const struct hz_ctx *x, uint64_t id)
{
	struct hz_db_arg a = HZ_ARG_I64((long long)id);

	return hz_db_run(x->db, x->arena, &stmts, STMT_VERIFIED, &a, 1, NULL);
}

enum hz_status
hz_tenancy_open_of(const struct hz_ctx *x, uint64_t user, uint64_t *id,
                   uint64_t *building, const char **status)
{
	struct hz_db_arg a = HZ_ARG_I64((long long)user);
	struct hz_db_result r;
	enum hz_status rc;

	*id = *building = 0;
	*status = NULL;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OPEN_OF_USER, &a, 1,
	    &r)) || r.nrows == 0)
		return rc;
	*id = (uint64_t)HZ_CELL(&r, 0, 0)->i;
	*building = (uint64_t)HZ_CELL(&r, 0, 1)->i;
	*status = HZ_CELL(&r, 0, 2)->s;
	return HZ_OK;
}

static enum hz_status
count_under(const struct hz_ctx *x, const char *path,
            struct hz_tenancy_counts *c)
{
	struct hz_db_arg p = HZ_ARG_STR(path);
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_COUNT, &p, 1, &r)))
		return rc;
	c->active = HZ_CELL(&r, 0, 0)->i;
	c->pending = HZ_CELL(&r, 0, 1)->i;
	c->overdue = HZ_CELL(&r, 0, 2)->i;
	return HZ_OK;
}

enum hz_status
hz_tenancy_counts(const struct hz_ctx *x, uint64_t unit,
                  struct hz_tenancy_counts **out, size_t *n)
{
	struct hz_db_arg u = HZ_ARG_I64((long long)unit);
	struct hz_db_result self, kids;
	struct hz_tenancy_counts *c;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UNIT, &u, 1, &self)))
		return rc;
	if (self.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ,
	    HZ_CELL(&self, 0, 3)->s)))
		return rc == HZ_ERR_FORBIDDEN ? HZ_ERR_NOT_FOUND : rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CHILDREN, &u, 1,
	    &kids)))
		return rc;
	if ((c = hz_arena_calloc(x->arena, kids.nrows + 1, sizeof(*c))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i <= kids.nrows; i++) {
		const struct hz_db_result *r = i == 0 ? &self : &kids;
		size_t row = i == 0 ? 0 : i - 1;

		c[i].unit_id = (uint64_t)HZ_CELL(r, row, 0)->i;
		c[i].name = HZ_CELL(r, row, 1)->s;
		c[i].kind = HZ_CELL(r, row, 2)->s;
		if ((rc = count_under(x, HZ_CELL(r, row, 3)->s, &c[i])))
			return rc;
	}
	*out = c;
	*n = kids.nrows + 1;
	return HZ_OK;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line break; a
 * leading = + - @ is prefixed with ' so spreadsheets do not run it. */
static void
csv_field(struct hz_buf *b, const char *s, bool last)
{
	bool quote = s != NULL && strpbrk(s, ",\"\r\n") != NULL;

	if (s == NULL)
		s = "";
	if (quote)
		hz_buf_puts(b, "\"");
	if (strchr("=+-@", s[0]) != NULL && s[0] != '\0')
		hz_buf_puts(b, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			hz_buf_puts(b, "\"");
		hz_buf_append(b, p, 1);
	}
	if (quote)
		hz_buf_puts(b, "\"");
	hz_buf_puts(b, last ? "\r\n" : ",");
}

enum hz_status
hz_tenancies_export(const struct hz_ctx *x, uint64_t unit, const char *from,
                    const char *to, struct hz_buf *csv, size_t *rows)
{
	static const char *const head[] = { "登记编号", "楼栋", "街巷", "门牌号",
	    "房号", "状态", "姓名", "证件类型", "证件号码", "联系电话", "入住日期",
	    "居住事由", "服务处所", "登记时间" };
	struct hz_db_arg u = HZ_ARG_I64((long long)unit);
	struct hz_db_result self, r;
	char detail[160];
	enum hz_status rc;

	if (hz_date_parse(from) < 0 || hz_date_parse(to) < 0 ||
	    strcmp(from, to) > 0)
		return HZ_ERR_INVALID;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UNIT, &u, 1, &self)))
		return rc;
	if (self.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ,
	    HZ_CELL(&self, 0, 3)->s)))
		return rc == HZ_ERR_FORBIDDEN ? HZ_ERR_NOT_FOUND : rc;
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_TENANCY_EXPORT,
	    HZ_CELL(&self, 0, 3)->s)))
		return rc;
	struct hz_db_arg args[] = {
		HZ_ARG_STR(HZ_CELL(&self, 0, 3)->s), HZ_ARG_STR(from),
		HZ_ARG_STR(to),
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_EXPORT, args, 3, &r)))
		return rc;
	/* One file is built in memory: keep it bounded (a few MiB). */
	if (r.nrows > HZ_EXPORT_MAX_ROWS)
		return HZ_ERR_RATE_LIMITED;
	hz_buf_puts(csv, "\xef\xbb\xbf");
	for (size_t i = 0; i < sizeof(head) / sizeof(*head); i++)
		csv_field(csv, head[i], i + 1 == sizeof(head) / sizeof(*head));
	for (size_t i = 0; i < r.nrows; i++) {
		char idbuf[24], *idn = NULL, *ph = NULL;
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);

		snprintf(idbuf, sizeof(idbuf), "%lld", c[0].i);
		(void)hz_unseal(x->arena, x->keys, "id_number",
		    (const unsigned char *)c[8].s, c[8].len, &idn);
		(void)hz_unseal(x->arena, x->keys, "phone",
		    (const unsigned char *)c[9].s, c[9].len, &ph);
		csv_field(csv, idbuf, false);
		csv_field(csv, c[1].s, false);
		csv_field(csv, c[2].s, false);
		csv_field(csv, c[3].s, false);
		csv_field(csv, c[4].s, false);
		csv_field(csv, c[5].s, false);
		csv_field(csv, c[6].s, false);
		csv_field(csv, c[7].s, false);
		csv_field(csv, idn, false);
		csv_field(csv, ph, false);
		csv_field(csv, c[10].s, false);
		csv_field(csv, c[11].s, false);
		csv_field(csv, c[12].null ? NULL : c[12].s, false);
		csv_field(csv, hz_time_local(x->arena, c[13].s), true);
	}
	if (csv->oom)
		return HZ_ERR_NOMEM;
	*rows = r.nrows;
	snprintf(detail, sizeof(detail), "{\"unit_id\":%llu,\"from\":\"%s\","
	    "\"to\":\"%s\",\"rows\":%zu}", (unsigned long long)unit, from, to,
	    r.nrows);
	return hz_audit(x, 0, "tenancy.export", "unit", unit, detail);
}
