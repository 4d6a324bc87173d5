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
