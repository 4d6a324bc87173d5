#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "num.h"
#include "policy.h"
#include "qr.h"
#include "scan.h"
#include "tenancies.h"

enum hz_status
hz_scan_resolve(const struct hz_ctx *x, const char *token, struct hz_unit *b)
{
	uint64_t id;
	uint32_t serial;
	enum hz_status rc;

	if (hz_qr_verify(&x->keys->qr, token, &id, &serial) != HZ_OK)
		return HZ_ERR_NOT_FOUND;
	if ((rc = hz_unit_public(x, id, b)))
		return rc;
	if (strcmp(b->kind, "building") != 0)
		return HZ_ERR_NOT_FOUND;
	/* Genuine but older than the building's current poster. */
	if (serial != b->qr_serial)
		return HZ_ERR_GONE;
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
	if (x->caller == NULL)
		return HZ_OK;
	if (x->caller->staff) {
		s->staff_reads = hz_authorize(x->caller, HZ_RIGHT_UNIT_READ,
		    s->building.path) == HZ_OK;
		s->staff_decides = hz_authorize(x->caller,
		    HZ_RIGHT_TENANCY_DECIDE, s->building.path) == HZ_OK;
		return HZ_OK;
	}
	if ((rc = hz_tenancy_open_of(x, x->caller->id, &s->tenancy_id,
	    &building, &s->tenancy_status)))
		return rc;
	s->tenancy_here = s->tenancy_id != 0 && building == s->building.id;
	return HZ_OK;
}

static enum hz_status
poster_of(const struct hz_ctx *x, const struct hz_unit *b, struct hz_poster *p)
{
	char *token;
	enum hz_status rc;

	p->building = *b;
	if ((rc = hz_qr_token(x->arena, &x->keys->qr, b->id, b->qr_serial,
	    &token)))
		return rc;
	hz_qr_check_code(&x->keys->qr, token, p->check_code);
	p->url = hz_arena_printf(x->arena, "%s/q/%s", x->cfg->public_base_url,
	    token);
	return p->url ? HZ_OK : HZ_ERR_NOMEM;
}

static enum hz_status
building_in_scope(const struct hz_ctx *x, uint64_t id, struct hz_unit *b)
{
	enum hz_status rc;

	if ((rc = hz_unit_get(x, id, b)))
		return rc;
	return strcmp(b->kind, "building") == 0 ? HZ_OK : HZ_ERR_NOT_FOUND;
}

enum hz_status
hz_building_poster(const struct hz_ctx *x, uint64_t id, struct hz_poster *p)
{
	struct hz_unit b;
	enum hz_status rc;

	if ((rc = building_in_scope(x, id, &b)))
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

	if ((rc = hz_unit_get(x, unit, &u)))
		return rc;
	if ((rc = hz_authorize(x->caller, HZ_RIGHT_POSTER_MANAGE, u.path)))
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
	const struct hz_ctx *x;
	uint64_t             id;
	unsigned             serial;
};

/* Bump, read back and audit in one transaction: two rotations at once
 * each get the serial they made, and no rotation goes unrecorded. */
static enum hz_status
rotate_tx(struct hz_db *db, void *p)
{
	struct rotate_job *j = p;
	char detail[48];
	enum hz_status rc;

	(void)db;
	if ((rc = hz_unit_bump_serial(j->x, j->id, &j->serial)))
		return rc;
	snprintf(detail, sizeof(detail), "{\"serial\":%u}", j->serial);
	return hz_audit(j->x, 0, "building.qr_rotate", "unit", j->id, detail);
}

enum hz_status
hz_building_qr_rotate(const struct hz_ctx *x, uint64_t id, struct hz_poster *p)
{
	struct rotate_job j = { x, id, 0 };
	struct hz_unit b;
	enum hz_status rc;

	if ((rc = building_in_scope(x, id, &b)) ||
	    (rc = hz_authorize(x->caller, HZ_RIGHT_POSTER_MANAGE, b.path)) ||
	    (rc = hz_db_tx(x->db, rotate_tx, &j)))
		return rc;
	b.qr_serial = j.serial;
	return poster_of(x, &b, p);
}
