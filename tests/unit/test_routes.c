/* The route table and fcgi/openapi.json must list the same endpoints. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "router.h"

static cJSON *
load_openapi(void)
{
	const char *src = getenv("HUZU_SOURCE_DIR");
	char path[1024], *text;
	FILE *f;
	long n;
	cJSON *doc;

	snprintf(path, sizeof(path), "%s/fcgi/openapi.json", src ? src : ".");
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(text = malloc((size_t)n));
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	doc = cJSON_ParseWithLength(text, (size_t)n);
	free(text);
	assert_non_null(doc);
	return doc;
}

static const char *
lower(enum hz_method m)
{
	switch (m) {
	case HZ_GET: return "get";
	case HZ_POST: return "post";
	case HZ_PUT: return "put";
	case HZ_PATCH: return "patch";
	case HZ_DELETE: return "delete";
	default: return "?";
	}
}

static void
every_route_is_documented(void **state)
{
	cJSON *doc = load_openapi(), *paths, *item, *op;

	(void)state;
	paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
	for (size_t i = 0; i < hz_nroutes; i++) {
		item = cJSON_GetObjectItemCaseSensitive(paths,
		    hz_routes[i].pattern);
		op = item ? cJSON_GetObjectItemCaseSensitive(item,
		    lower(hz_routes[i].method)) : NULL;
		if (op == NULL)
			fail_msg("route %s %s is not in openapi.json",
			    hz_method_name(hz_routes[i].method),
			    hz_routes[i].pattern);
		if (!cJSON_GetObjectItemCaseSensitive(op, "responses"))
			fail_msg("%s has no responses", hz_routes[i].pattern);
	}
	cJSON_Delete(doc);
}

static void
every_documented_operation_is_routed(void **state)
{
	static const char *const methods[] = {
		"get", "post", "put", "patch", "delete", "head", "options",
		"trace",
	};
	cJSON *doc = load_openapi(), *paths, *item;

	(void)state;
	paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
	assert_true(cJSON_IsObject(paths));
	cJSON_ArrayForEach(item, paths) {
		for (size_t m = 0; m < sizeof(methods) / sizeof(*methods); m++) {
			bool found = false;

			if (!cJSON_GetObjectItemCaseSensitive(item, methods[m]))
				continue;
			for (size_t i = 0; i < hz_nroutes; i++)
				if (strcmp(hz_routes[i].pattern, item->string)
				    == 0 && strcmp(lower(hz_routes[i].method),
				    methods[m]) == 0)
					found = true;
			if (!found)
				fail_msg("openapi.json has %s %s, the route "
				    "table does not", methods[m], item->string);
		}
	}
	cJSON_Delete(doc);
}

/* "#/components/schemas/X" → the schema X, following one $ref. */
static const cJSON *
resolve(const cJSON *doc, const cJSON *schema)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(schema, "$ref");
	const char *prefix = "#/components/schemas/";

	if (!cJSON_IsString(ref))
		return schema;
	if (strncmp(ref->valuestring, prefix, strlen(prefix)) != 0)
		fail_msg("unexpected $ref %s", ref->valuestring);
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "components"), "schemas"),
	    ref->valuestring + strlen(prefix));
}

static bool
in_list(const cJSON *arr, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return true;
	return false;
}

/* One field against its schema: the kind, the bounds, the values. */
static void
field_agrees(const char *where, const struct hz_field *f, const cJSON *sch)
{
	const struct hz_rule *r = f->rule;
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(sch, "type");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(sch, "maxLength");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(sch, "enum");
	const char *want;
	size_t n = 0;

	switch (r->type) {
	case HZ_F_INT: case HZ_F_ID: want = "integer"; break;
	case HZ_F_BOOL: want = "boolean"; break;
	case HZ_F_ARRAY: want = "array"; break;
	case HZ_F_OBJECT: want = "object"; break;
	default: want = "string"; break;
	}
	if (!cJSON_IsString(type) || strcmp(type->valuestring, want) != 0)
		fail_msg("%s %s: openapi type is not %s", where, f->name, want);
	if (r->type == HZ_F_STRING && (!cJSON_IsNumber(max) ||
	    max->valuedouble != (double)r->max))
		fail_msg("%s %s: openapi maxLength is not %lld", where, f->name,
		    (long long)r->max);
	if (r->type == HZ_F_ENUM) {
		for (n = 0; r->values[n]; n++)
			if (!in_list(values, r->values[n]))
				fail_msg("%s %s: openapi enum lacks %s", where,
				    f->name, r->values[n]);
		if (cJSON_GetArraySize(values) != (int)n)
			fail_msg("%s %s: openapi enum has other values", where,
			    f->name);
	} else if (values != NULL)
		fail_msg("%s %s: openapi has an enum, the rule has none", where,
		    f->name);
}

/* The route's body table and the operation's request schema: the same
 * names, the same required ones, fields that agree. */
static void
body_agrees(const cJSON *doc, const struct hz_route *rt, const cJSON *op)
{
	const cJSON *sch = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(op, "requestBody"), "content"),
	    "application/json"), "schema");
	const cJSON *props, *req, *it;
	size_t n = 0;

	if (rt->body == NULL) {
		if (sch != NULL)
			fail_msg("%s has a documented body, no field table",
			    rt->pattern);
		return;
	}
	if (sch == NULL)
		fail_msg("%s takes a body openapi does not show", rt->pattern);
	sch = resolve(doc, sch);
	props = cJSON_GetObjectItemCaseSensitive(sch, "properties");
	req = cJSON_GetObjectItemCaseSensitive(sch, "required");
	for (; rt->body[n].name != NULL; n++) {
		const struct hz_field *f = &rt->body[n];
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(props, f->name);

		if (p == NULL)
			fail_msg("%s: field %s is not documented", rt->pattern,
			    f->name);
		if (((f->flags & HZ_REQUIRED) != 0) != in_list(req, f->name))
			fail_msg("%s: %s required differs", rt->pattern, f->name);
		field_agrees(rt->pattern, f, resolve(doc, p));
	}
	if (cJSON_GetArraySize(props) != (int)n)
		fail_msg("%s: openapi documents fields the table lacks",
		    rt->pattern);
	cJSON_ArrayForEach(it, req)
		if (!cJSON_GetObjectItemCaseSensitive(props, it->valuestring))
			fail_msg("%s: required %s is no property", rt->pattern,
			    it->valuestring);
}

/* The route's query table and the operation's "in": "query" parameters. */
static void
query_agrees(const struct hz_route *rt, const cJSON *op)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(op,
	    "parameters"), *p;
	size_t documented = 0, n = 0;

	cJSON_ArrayForEach(p, params) {
		const cJSON *in = cJSON_GetObjectItemCaseSensitive(p, "in");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(p,
		    "required");
		const struct hz_field *f = NULL;

		if (!cJSON_IsString(in) || strcmp(in->valuestring, "query") != 0)
			continue;
		documented++;
		for (size_t i = 0; rt->query && rt->query[i].name; i++)
			if (strcmp(rt->query[i].name, name->valuestring) == 0)
				f = &rt->query[i];
		if (f == NULL)
			fail_msg("%s: query %s is not in the route's table",
			    rt->pattern, name->valuestring);
		if (((f->flags & HZ_REQUIRED) != 0) != cJSON_IsTrue(req))
			fail_msg("%s: query %s required differs", rt->pattern,
			    f->name);
		/* Cursors are opaque strings to clients. */
		if (strcmp(f->name, "after") != 0)
			field_agrees(rt->pattern, f,
			    cJSON_GetObjectItemCaseSensitive(p, "schema"));
	}
	while (rt->query && rt->query[n].name)
		n++;
	if (n != documented)
		fail_msg("%s: %zu query parameters in the table, %zu documented",
		    rt->pattern, n, documented);
}

static void
inputs_agree_with_openapi(void **state)
{
	cJSON *doc = load_openapi(), *paths;

	(void)state;
	paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
	for (size_t i = 0; i < hz_nroutes; i++) {
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(paths, hz_routes[i].pattern),
		    lower(hz_routes[i].method));

		body_agrees(doc, &hz_routes[i], op);
		query_agrees(&hz_routes[i], op);
	}
	cJSON_Delete(doc);
}

static void
route_table_has_no_duplicates(void **state)
{
	(void)state;
	for (size_t i = 0; i < hz_nroutes; i++)
		for (size_t j = i + 1; j < hz_nroutes; j++)
			if (hz_routes[i].method == hz_routes[j].method &&
			    strcmp(hz_routes[i].pattern, hz_routes[j].pattern)
			    == 0)
				fail_msg("duplicate route %s",
				    hz_routes[i].pattern);
}

/* A route honours Idempotency-Key exactly when its operation lists the
 * shared parameter, and only where there is a caller (keys are per
 * user). */
static void
idempotent_routes_agree_with_openapi(void **state)
{
	static const char ref[] = "#/components/parameters/IdempotencyKey";
	cJSON *doc = load_openapi(), *paths;
	size_t flagged = 0;

	(void)state;
	paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
	assert_non_null(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    doc, "components"), "parameters"), "IdempotencyKey"));
	for (size_t i = 0; i < hz_nroutes; i++) {
		const struct hz_route *rt = &hz_routes[i];
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(paths, rt->pattern),
		    lower(rt->method)), *p;
		bool documented = false, flag = rt->flags & HZ_IDEMPOTENT;

		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(op,
		    "parameters")) {
			const cJSON *r = cJSON_GetObjectItemCaseSensitive(p,
			    "$ref");
			if (cJSON_IsString(r) && strcmp(r->valuestring, ref)
			    == 0)
				documented = true;
		}
		if (flag != documented)
			fail_msg("%s %s: HZ_IDEMPOTENT %s, Idempotency-Key %s",
			    lower(rt->method), rt->pattern, flag ? "set" :
			    "not set", documented ? "documented" :
			    "not documented");
		if (flag && rt->access != HZ_USER && rt->access != HZ_STAFF)
			fail_msg("%s: idempotent without a caller",
			    rt->pattern);
		flagged += flag;
	}
	assert_true(flagged >= 1);
	cJSON_Delete(doc);
}

/* A route whose read brings its caller (router.h, HZ_CALLER_IN_READ) is
 * admitted by core (policy.c, admit) by the rules of HZ_USER without
 * HZ_TEMP_PASSWORD_OK; an idempotent one would claim its key before a
 * caller was loaded. */
static void
callers_in_read_are_plain_user_routes(void **state)
{
	size_t flagged = 0;

	(void)state;
	for (size_t i = 0; i < hz_nroutes; i++) {
		const struct hz_route *rt = &hz_routes[i];

		if (!(rt->flags & HZ_CALLER_IN_READ))
			continue;
		if (rt->access != HZ_USER ||
		    (rt->flags & (HZ_TEMP_PASSWORD_OK | HZ_IDEMPOTENT)))
			fail_msg("%s: HZ_CALLER_IN_READ needs HZ_USER, without"
			    " HZ_TEMP_PASSWORD_OK or HZ_IDEMPOTENT",
			    rt->pattern);
		flagged++;
	}
	assert_true(flagged >= 1);
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(every_route_is_documented),
	cmocka_unit_test(every_documented_operation_is_routed),
	cmocka_unit_test(route_table_has_no_duplicates),
	cmocka_unit_test(inputs_agree_with_openapi),
	cmocka_unit_test(idempotent_routes_agree_with_openapi),
	cmocka_unit_test(callers_in_read_are_plain_user_routes))
