/* The route table and fcgi/openapi.json must list the same endpoints. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_route_is_documented),
		cmocka_unit_test(every_documented_operation_is_routed),
		cmocka_unit_test(route_table_has_no_duplicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
