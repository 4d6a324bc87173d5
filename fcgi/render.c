#include <stdio.h>
#include <string.h>

#include "render.h"

bool
hz_json_add_str_or_null(cJSON *o, const char *name, const char *v)
{
	return v ? cJSON_AddStringToObject(o, name, v) != NULL
	    : cJSON_AddNullToObject(o, name) != NULL;
}

bool
hz_json_add_num_or_null(cJSON *o, const char *name, bool has, double v)
{
	return has ? cJSON_AddNumberToObject(o, name, v) != NULL
	    : cJSON_AddNullToObject(o, name) != NULL;
}

cJSON *
hz_render_grants(const struct hz_caller *c)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a != NULL && i < c->ngrants; i++) {
		const struct hz_grant *g = &c->grants[i];
		cJSON *r = cJSON_CreateObject(), *u;

		if (r == NULL || !cJSON_AddItemToArray(a, r) ||
		    !cJSON_AddNumberToObject(r, "id", (double)g->id) ||
		    !cJSON_AddStringToObject(r, "role", hz_role_name(g->role)) ||
		    (u = cJSON_AddObjectToObject(r, "unit")) == NULL ||
		    !cJSON_AddNumberToObject(u, "id", (double)g->unit_id) ||
		    !cJSON_AddStringToObject(u, "kind", g->unit_kind) ||
		    !cJSON_AddStringToObject(u, "name", g->unit_name))
			return NULL;
	}
	return a;
}

cJSON *
hz_render_unit(const struct hz_unit *u)
{
	cJSON *o = cJSON_CreateObject(), *b, *h;

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)u->id) ||
	    !cJSON_AddStringToObject(o, "kind", u->kind) ||
	    !cJSON_AddStringToObject(o, "name", u->name) ||
	    !hz_json_add_str_or_null(o, "code", u->code) ||
	    !hz_json_add_num_or_null(o, "parent_id", u->parent_id != 0,
	    (double)u->parent_id))
		return NULL;
	if (strcmp(u->kind, "building") != 0)
		return o;
	if ((b = cJSON_AddObjectToObject(o, "building")) == NULL ||
	    !hz_json_add_str_or_null(b, "lane", u->lane) ||
	    !hz_json_add_str_or_null(b, "door_no", u->door_no) ||
	    !hz_json_add_str_or_null(b, "rooms", u->rooms) ||
	    !cJSON_AddNumberToObject(b, "qr_serial", u->qr_serial))
		return NULL;
	if (u->head_id == 0)
		return cJSON_AddNullToObject(b, "head") ? o : NULL;
	if ((h = cJSON_AddObjectToObject(b, "head")) == NULL ||
	    !cJSON_AddNumberToObject(h, "id", (double)u->head_id) ||
	    !hz_json_add_str_or_null(h, "display_name", u->head_name))
		return NULL;
	return o;
}

cJSON *
hz_render_staff(const struct hz_staff_row *s)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)s->id) ||
	    !cJSON_AddStringToObject(o, "username", s->username) ||
	    !cJSON_AddStringToObject(o, "display_name", s->display_name) ||
	    !hz_json_add_str_or_null(o, "phone", s->phone_masked) ||
	    !cJSON_AddBoolToObject(o, "disabled", s->disabled))
		return NULL;
	return o;
}

cJSON *
hz_render_page(cJSON *items, bool more, uint64_t last_id)
{
	cJSON *o = cJSON_CreateObject();
	char next[24];

	if (o == NULL || items == NULL)
		return NULL;
	cJSON_AddItemToObject(o, "items", items);
	snprintf(next, sizeof(next), "%llu", (unsigned long long)last_id);
	if (!(more ? cJSON_AddStringToObject(o, "next", next) != NULL
	    : cJSON_AddNullToObject(o, "next") != NULL))
		return NULL;
	return o;
}

cJSON *
hz_render_station_ref(uint64_t id, const char *name)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)id) ||
	    !hz_json_add_str_or_null(o, "name", name))
		return NULL;
	return o;
}

cJSON *
hz_render_station(const struct hz_station *s)
{
	cJSON *o = cJSON_CreateObject(), *u, *m;

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)s->id) ||
	    (u = cJSON_AddObjectToObject(o, "unit")) == NULL ||
	    !cJSON_AddNumberToObject(u, "id", (double)s->unit_id) ||
	    !hz_json_add_str_or_null(u, "name", s->unit_name) ||
	    !cJSON_AddStringToObject(o, "kind", s->kind) ||
	    !cJSON_AddStringToObject(o, "name", s->name) ||
	    !hz_json_add_str_or_null(o, "address", s->address) ||
	    !hz_json_add_str_or_null(o, "opening_hours", s->opening_hours) ||
	    !hz_json_add_str_or_null(o, "phone", s->phone) ||
	    !hz_json_add_str_or_null(o, "description", s->description))
		return NULL;
	if (s->manager_id == 0) {
		if (!cJSON_AddNullToObject(o, "manager"))
			return NULL;
	} else if ((m = cJSON_AddObjectToObject(o, "manager")) == NULL ||
	    !cJSON_AddNumberToObject(m, "id", (double)s->manager_id) ||
	    !hz_json_add_str_or_null(m, "name", s->manager_name))
		return NULL;
	return cJSON_AddBoolToObject(o, "can_manage", s->can_manage) ? o : NULL;
}

static cJSON *
mine_json(const struct hz_shift_mine *m)
{
	cJSON *o = cJSON_CreateObject();
	bool waiting = m->status != NULL && strcmp(m->status, "waiting") == 0;

	if (o == NULL || !hz_json_add_num_or_null(o, "signup_id",
	    m->signup_id != 0, (double)m->signup_id) ||
	    !cJSON_AddStringToObject(o, "status", m->status ? m->status
	    : "none") ||
	    !hz_json_add_num_or_null(o, "position", waiting && m->position > 0,
	    m->position) ||
	    !hz_json_add_str_or_null(o, "checked_in_at", m->checked_in_at) ||
	    !hz_json_add_str_or_null(o, "checked_out_at", m->checked_out_at) ||
	    !hz_json_add_num_or_null(o, "minutes", m->minutes >= 0, m->minutes))
		return NULL;
	return o;
}

cJSON *
hz_render_shift(const struct hz_shift *s)
{
	cJSON *o = cJSON_CreateObject(), *st;

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)s->id) ||
	    (st = cJSON_AddObjectToObject(o, "station")) == NULL ||
	    !cJSON_AddNumberToObject(st, "id", (double)s->station_id) ||
	    !hz_json_add_str_or_null(st, "name", s->station_name) ||
	    !hz_json_add_str_or_null(st, "kind", s->station_kind) ||
	    !hz_json_add_num_or_null(o, "series_id", s->series_id != 0,
	    (double)s->series_id) ||
	    !cJSON_AddStringToObject(o, "title", s->title) ||
	    !hz_json_add_str_or_null(o, "description", s->description) ||
	    !hz_json_add_str_or_null(o, "requirements", s->requirements) ||
	    !hz_json_add_str_or_null(o, "starts_at", s->starts_at) ||
	    !hz_json_add_str_or_null(o, "ends_at", s->ends_at) ||
	    !hz_json_add_str_or_null(o, "signup_deadline", s->signup_deadline) ||
	    !hz_json_add_str_or_null(o, "cancel_deadline", s->cancel_deadline) ||
	    !cJSON_AddNumberToObject(o, "capacity", s->capacity) ||
	    !cJSON_AddNumberToObject(o, "confirmed", s->confirmed) ||
	    !cJSON_AddNumberToObject(o, "waiting", s->waiting) ||
	    !cJSON_AddNumberToObject(o, "free", s->free) ||
	    !cJSON_AddStringToObject(o, "status", s->status) ||
	    !hz_json_add_str_or_null(o, "cancel_reason", s->cancel_reason) ||
	    !cJSON_AddBoolToObject(o, "signup_open", s->signup_open) ||
	    !cJSON_AddBoolToObject(o, "can_manage", s->can_manage) ||
	    !cJSON_AddItemToObject(o, "mine", mine_json(&s->mine)))
		return NULL;
	return o;
}

/* Shanghai keeps +08:00 all year (clock.h). */
#define SHANGHAI (8 * 3600)

time_t
hz_local_day(int ymd, int days)
{
	struct tm tm = { 0 };

	tm.tm_year = ymd / 10000 - 1900;
	tm.tm_mon = ymd / 100 % 100 - 1;
	tm.tm_mday = ymd % 100 + days;
	return timegm(&tm) - SHANGHAI;
}

int
hz_local_date(time_t t)
{
	struct tm tm;
	time_t l = t + SHANGHAI;

	if (gmtime_r(&l, &tm) == NULL)
		return 19700101;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}
