#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "contact.h"
#include "crypto.h"
#include "num.h"
#include "policy.h"
#include "qr.h"
#include "scan.h"
#include "tenancies.h"

enum { STMT_HEAD, STMT_SEARCH, STMT__MAX };

static const char *const sql[STMT__MAX] = {
	[STMT_HEAD] =
	    "SELECT phone_public, phone_sealed FROM users"
	    " WHERE id = ? AND disabled = 0",
	/* lane (twice), door (twice): LIKE patterns, escaped. A village
	 * has hundreds of buildings: a scan of them is cheap. */
	[STMT_SEARCH] =
	    "SELECT b.unit_id, b.lane, b.door_no, g.name FROM buildings b"
	    " JOIN units u ON u.id = b.unit_id JOIN units g ON g.id = u.parent_id"
	    " WHERE (? IS NULL OR b.lane LIKE CONCAT('%', ?, '%'))"
	    " AND (? IS NULL OR b.door_no LIKE CONCAT(?, '%'))"
	    " ORDER BY b.lane, CHAR_LENGTH(b.door_no), b.door_no, b.unit_id"
	    " LIMIT 20",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("scan", sql);

enum { H_PUBLIC, H_PHONE };
enum { F_ID, F_LANE, F_DOOR, F_GROUP };

const struct hz_building_search_rules hz_building_search_rules = {
	.lane = { HZ_F_STRING, 1, 50, "街巷名称请填 1 至 50 个字，如：东一巷" },
	.door = { HZ_F_STRING, 1, 16, "门牌号请填 1 至 16 个字，如：3" },
};

static const struct hz_refusal
    search_needs = { HZ_ERR_INVALID, "validation_failed", "lane",
	"请填写街巷名称或门牌号" },
    qr_invalid = { HZ_ERR_NOT_FOUND, "qr_invalid", NULL,
	"无法识别此二维码，请确认扫描的是楼栋门口或站点张贴的二维码" },
    qr_expired = { HZ_ERR_GONE, "qr_expired", NULL,
	"此二维码已作废，请扫描楼栋门口张贴的新二维码" };

enum hz_status
hz_scan_token(const struct hz_ctx *x, const char *token, uint64_t *building,
              uint32_t *serial)
{
	enum hz_qr_kind kind;

	if (hz_qr_verify(&x->keys->qr, token, &kind, building, serial) != HZ_OK ||
	    kind != HZ_QR_BUILDING)
		return hz_refuse(x, &qr_invalid);
	return HZ_OK;
}

enum hz_status
hz_scan_current(const struct hz_ctx *x, const char *kind, unsigned current,
                uint32_t serial)
{
	if (kind == NULL || strcmp(kind, "building") != 0)
		return hz_refuse(x, &qr_invalid);
	/* Genuine but older than the building's current poster. */
	if (serial != current)
		return hz_refuse(x, &qr_expired);
	return HZ_OK;
}

enum hz_status
hz_scan_resolve(const struct hz_ctx *x, const char *token, struct hz_unit *b)
{
	uint64_t id;
	uint32_t serial;
	enum hz_status rc;

	if ((rc = hz_scan_token(x, token, &id, &serial)))
		return rc;
	rc = hz_unit_public(x, id, b);
	if (rc == HZ_ERR_NOT_FOUND)
		return hz_scan_current(x, NULL, 0, serial);
	if (rc)
		return rc;
	return hz_scan_current(x, b->kind, b->qr_serial, serial);
}

/* The ancestors named in a path "/1/4/9/12/", root first. */
static enum hz_status
chain(const struct hz_ctx *x, const char *path, struct hz_unit *out,
      size_t max, size_t *n)
{
	const char *p = path;
	enum hz_status rc;

	*n = 0;
	while (*p == '/' && p[1] != '\0') {
		const char *slash = strchr(p + 1, '/');
		int64_t id;

		if (slash == NULL || !hz_parse_i64(p + 1, (size_t)(slash - p - 1),
		    1, INT64_MAX, &id))
			return HZ_ERR_INTERNAL;
		if (slash[1] == '\0')
			break;              /* the building itself */
		if (*n < max && (rc = hz_unit_public(x, (uint64_t)id,
		    &out[(*n)++])))
			return rc;
		p = slash;
	}
	return HZ_OK;
}

static void
offer(struct hz_scan *s, const char *a, const char *b)
{
	const size_t max = sizeof(s->actions) / sizeof(s->actions[0]);

	if (a != NULL && s->nactions < max)
		s->actions[s->nactions++] = a;
	if (b != NULL && s->nactions < max)
		s->actions[s->nactions++] = b;
}

/* Who reviews registrations in building `b`, and the head's number if
 * they published it. */
static enum hz_status
reviewer(const struct hz_ctx *x, struct hz_scan *s)
{
	const struct hz_unit *b = &s->building;
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_building_reviewer(x, b, &s->reviewer_role,
	    &s->reviewer_name)) ||
	    strcmp(s->reviewer_role, "building_head") != 0)
		return rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_HEAD,
	    HZ_ARGS(HZ_ARG_I64((long long)b->head_id)), &r)))
		return rc;
	if (r.nrows && HZ_CELL(&r, 0, H_PUBLIC)->i != 0 &&
	    !HZ_CELL(&r, 0, H_PHONE)->null) {
		char *phone;

		if (hz_unseal(x->arena, x->keys, "phone",
		    (const unsigned char *)HZ_CELL(&r, 0, H_PHONE)->s,
		    HZ_CELL(&r, 0, H_PHONE)->len, &phone) == HZ_OK)
			s->contact_phone = phone;
	}
	return HZ_OK;
}

/* `s` with \, % and _ escaped for LIKE; NULL stays NULL. */
static const char *
like_escaped(hz_arena *a, const char *s)
{
	struct hz_buf b;

	if (s == NULL)
		return NULL;
	hz_buf_init(&b, a);
	for (; *s; s++) {
		if (*s == '\\' || *s == '%' || *s == '_')
			hz_buf_puts(&b, "\\");
		hz_buf_append(&b, s, 1);
	}
	return b.oom || b.data == NULL ? NULL : b.data;
}

enum hz_status
hz_buildings_search(const struct hz_ctx *x, const char *lane, const char *door,
                    struct hz_building_hit **out, size_t *n)
{
	const struct hz_building_search_rules *R = &hz_building_search_rules;
	struct hz_building_hit *h;
	struct hz_db_result r;
	const char *l, *d;
	enum hz_status rc;

	*n = 0;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (lane == NULL && door == NULL)
		return hz_refuse(x, &search_needs);
	if (!hz_rule_ok(&R->lane, lane, true))
		return hz_refuse_rule(x, "lane", &R->lane);
	if (!hz_rule_ok(&R->door, door, true))
		return hz_refuse_rule(x, "door", &R->door);
	l = like_escaped(x->arena, lane);
	d = like_escaped(x->arena, door);
	if ((lane && l == NULL) || (door && d == NULL))
		return HZ_ERR_NOMEM;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SEARCH, HZ_ARGS(
	    HZ_ARG_OPT_STR(l), HZ_ARG_OPT_STR(l), HZ_ARG_OPT_STR(d),
	    HZ_ARG_OPT_STR(d)), &r)))
		return rc;
	if ((h = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(*h))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		struct hz_unit u = { .lane = c[F_LANE].s, .door_no = c[F_DOOR].s };

		h[i].id = HZ_ID(&c[F_ID]);
		h[i].address = hz_building_address(x->arena, &u);
		h[i].group = c[F_GROUP].s;
		if (h[i].address == NULL)
			return HZ_ERR_NOMEM;
	}
	*out = h;
	*n = r.nrows;
	return HZ_OK;
}

enum hz_status
hz_scan(const struct hz_ctx *x, const char *token, struct hz_scan *s)
{
	uint64_t building;
	enum hz_status rc;

	memset(s, 0, sizeof(*s));
	if ((rc = hz_scan_resolve(x, token, &s->building)) ||
	    (rc = chain(x, s->building.path, s->chain, 3, &s->nchain)) ||
	    (rc = reviewer(x, s)))
		return rc;
	hz_qr_check_code(&x->keys->qr, token, s->check_code);
	if (x->caller == NULL) {
		s->building.rooms = NULL;
		offer(s, "login", NULL);
		return HZ_OK;
	}
	if (x->caller->staff) {
		s->staff_reads = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ,
		    s->building.path) == HZ_OK;
		s->staff_decides = hz_authorize(x->caller,
		    HZ_RIGHT_TENANCY_DECIDE, s->building.path) == HZ_OK;
		if (s->staff_reads)
			offer(s, "patrol", "roster");
		if (s->staff_decides)
			offer(s, "review_registrations", NULL);
		return HZ_OK;
	}
	if ((rc = hz_tenancy_open_of(x, x->caller->id, &s->tenancy_id,
	    &building, &s->tenancy_status)))
		return rc;
	s->tenancy_here = s->tenancy_id != 0 && building == s->building.id;
	if (s->tenancy_here && strcmp(s->tenancy_status, "active") == 0) {
		offer(s, "verify_residence", "report_problem");
		offer(s, "move_out", NULL);
	} else if (s->tenancy_here)
		offer(s, "view_registration", "report_problem");
	else if (s->tenancy_id != 0)
		/* Registered elsewhere: move out there first. */
		offer(s, "report_problem", NULL);
	else
		offer(s, "register", "report_problem");
	return HZ_OK;
}

enum hz_status
hz_poster_code(const struct hz_ctx *x, enum hz_qr_kind kind, uint64_t id,
               unsigned serial, const char **url, char check_code[8])
{
	char *token;
	enum hz_status rc;

	if ((rc = hz_qr_token(x->arena, &x->keys->qr, kind, id, serial,
	    &token)))
		return rc;
	hz_qr_check_code(&x->keys->qr, token, check_code);
	*url = hz_arena_printf(x->arena, "%s/q/%s", x->cfg->public_base_url,
	    token);
	return *url ? HZ_OK : HZ_ERR_NOMEM;
}

static enum hz_status
poster_of(const struct hz_ctx *x, const struct hz_unit *b, struct hz_poster *p)
{
	p->building = *b;
	return hz_poster_code(x, HZ_QR_BUILDING, b->id, b->qr_serial, &p->url,
	    p->check_code);
}

enum hz_status
hz_building_poster(const struct hz_ctx *x, uint64_t id, struct hz_poster *p)
{
	struct hz_unit b;
	enum hz_status rc;

	if ((rc = hz_building_scoped(x, id, HZ_RIGHT_UNIT_READ, &b)))
		return rc;
	return poster_of(x, &b, p);
}

enum hz_status
hz_unit_posters(const struct hz_ctx *x, uint64_t unit, struct hz_poster **out,
                size_t *n)
{
	struct hz_unit u, *list;
	struct hz_unit_filter f = { .within = unit, .kind = "building",
	    .limit = 100 };
	struct hz_poster *p = NULL;
	size_t got, total = 0;
	bool more = true;
	enum hz_status rc;

	if ((rc = hz_unit_scoped(x, unit, HZ_RIGHT_POSTER_MANAGE, &u)))
		return rc;
	if (strcmp(u.kind, "building") == 0) {
		if ((p = hz_arena_calloc(x->arena, 1, sizeof(*p))) == NULL)
			return HZ_ERR_NOMEM;
		*out = p;
		*n = 1;
		return poster_of(x, &u, p);
	}
	/* A sheet is for one group or cooperative: at most 500 buildings. */
	while (more && total < 500) {
		struct hz_poster *g;

		if ((rc = hz_units_list(x, &f, &list, &got, &more)))
			return rc;
		if ((g = hz_arena_calloc(x->arena, total + got + 1, sizeof(*g)))
		    == NULL)
			return HZ_ERR_NOMEM;
		if (total)
			memcpy(g, p, total * sizeof(*g));
		p = g;
		for (size_t i = 0; i < got; i++)
			if ((rc = poster_of(x, &list[i], &p[total++])))
				return rc;
		if (got)
			f.after = list[got - 1].id;
	}
	*out = p;
	*n = total;
	return HZ_OK;
}

struct rotate_job {
	uint64_t id;
	unsigned serial;
};

/* Bump, read back and audit in one transaction: two rotations at once
 * each get the serial they made, and no rotation goes unrecorded. */
static enum hz_status
rotate_tx(const struct hz_ctx *x, void *p)
{
	struct rotate_job *j = p;
	char detail[48];
	enum hz_status rc;

	if ((rc = hz_unit_bump_serial(x, j->id, &j->serial)))
		return rc;
	snprintf(detail, sizeof(detail), "{\"serial\":%u}", j->serial);
	return hz_audit(x, 0, "building.qr_rotate", "unit", j->id, detail);
}

enum hz_status
hz_building_qr_rotate(const struct hz_ctx *x, uint64_t id, struct hz_poster *p)
{
	struct rotate_job j = { id, 0 };
	struct hz_unit b;
	enum hz_status rc;

	if ((rc = hz_building_scoped(x, id, HZ_RIGHT_POSTER_MANAGE, &b)) ||
	    (rc = hz_tx(x, rotate_tx, &j)))
		return rc;
	b.qr_serial = j.serial;
	return poster_of(x, &b, p);
}
