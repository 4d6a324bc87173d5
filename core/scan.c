#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "num.h"
#include "policy.h"
#include "qr.h"
#include "scan.h"
#include "tenancies.h"

static const struct hz_refusal
    qr_invalid = { HZ_ERR_NOT_FOUND, "qr_invalid", NULL,
	"无法识别此二维码，请确认扫描的是楼栋门口或站点张贴的二维码" },
    qr_expired = { HZ_ERR_GONE, "qr_expired", NULL,
	"此二维码已作废，请扫描楼栋门口张贴的新二维码" };

enum hz_status
hz_scan_resolve(const struct hz_ctx *x, const char *token, struct hz_unit *b)
{
	enum hz_qr_kind kind;
	uint64_t id;
	uint32_t serial;
	enum hz_status rc;

	if (hz_qr_verify(&x->keys->qr, token, &kind, &id, &serial) != HZ_OK ||
	    kind != HZ_QR_BUILDING)
		return hz_refuse(x, &qr_invalid);
	rc = hz_unit_public(x, id, b);
	if (rc == HZ_ERR_NOT_FOUND || (rc == HZ_OK &&
	    strcmp(b->kind, "building") != 0))
		return hz_refuse(x, &qr_invalid);
	if (rc)
		return rc;
	/* Genuine but older than the building's current poster. */
	if (serial != b->qr_serial)
		return hz_refuse(x, &qr_expired);
	return HZ_OK;
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

enum hz_status
hz_scan(const struct hz_ctx *x, const char *token, struct hz_scan *s)
{
	uint64_t building;
	enum hz_status rc;

	memset(s, 0, sizeof(*s));
	if ((rc = hz_scan_resolve(x, token, &s->building)) ||
	    (rc = chain(x, s->building.path, s->chain, 3, &s->nchain)))
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
