#include "unit.h"

#include "http.h"

static void
content_length_is_strict(void **state)
{
	size_t n;

	(void)state;
	assert_int_equal(hz_content_length(NULL, 100, &n), HZ_CL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(hz_content_length("", 100, &n), HZ_CL_OK);
	assert_int_equal(hz_content_length("42", 100, &n), HZ_CL_OK);
	assert_int_equal(n, 42);
	assert_int_equal(hz_content_length("100", 100, &n), HZ_CL_OK);
	assert_int_equal(hz_content_length("101", 100, &n), HZ_CL_TOO_LARGE);
	assert_int_equal(n, 101);
	assert_int_equal(hz_content_length("-1", 100, &n), HZ_CL_BAD);
	assert_int_equal(hz_content_length("+5", 100, &n), HZ_CL_BAD);
	assert_int_equal(hz_content_length(" 5", 100, &n), HZ_CL_BAD);
	assert_int_equal(hz_content_length("5 ", 100, &n), HZ_CL_BAD);
	assert_int_equal(hz_content_length("0x10", 100, &n), HZ_CL_BAD);
	assert_int_equal(hz_content_length("12abc", 100, &n), HZ_CL_BAD);
	assert_int_equal(hz_content_length("99999999999999999999", 100, &n),
	    HZ_CL_BAD);
}

static void
json_media_type(void **state)
{
	(void)state;
	assert_true(hz_is_json_type("application/json"));
	assert_true(hz_is_json_type("Application/JSON"));
	assert_true(hz_is_json_type("application/json; charset=utf-8"));
	assert_true(hz_is_json_type("application/json;charset=\"UTF-8\""));
	assert_false(hz_is_json_type(NULL));
	assert_false(hz_is_json_type(""));
	assert_false(hz_is_json_type("text/plain"));
	assert_false(hz_is_json_type("application/jsonx"));
	assert_false(hz_is_json_type("application/json; charset=latin1"));
	assert_false(hz_is_json_type("application/json; boundary=x"));
}

static void
query_get_decodes(void **state)
{
	hz_arena *a = hz_arena_new(1024);
	const char *v;

	(void)state;
	assert_int_equal(hz_query_get(a, "a=1&b=x+y%2Fz", "b", &v), HZ_OK);
	assert_string_equal(v, "x y/z");
	assert_int_equal(hz_query_get(a, "a=1&b=%E6%88%B7", "b", &v), HZ_OK);
	assert_string_equal(v, "户");
	assert_int_equal(hz_query_get(a, "flag&a=", "flag", &v), HZ_OK);
	assert_string_equal(v, "");
	assert_int_equal(hz_query_get(a, "a=", "a", &v), HZ_OK);
	assert_string_equal(v, "");
	assert_int_equal(hz_query_get(a, "ab=1", "a", &v), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_query_get(a, "", "a", &v), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_query_get(a, "&&a=2&&", "a", &v), HZ_OK);
	assert_string_equal(v, "2");
	hz_arena_free(a);
}

static void
query_get_refuses_ambiguous_and_bad_encoding(void **state)
{
	hz_arena *a = hz_arena_new(1024);
	const char *v;

	(void)state;
	assert_int_equal(hz_query_get(a, "a=1&a=2", "a", &v), HZ_ERR_INVALID);
	assert_int_equal(hz_query_get(a, "a=%", "a", &v), HZ_ERR_INVALID);
	assert_int_equal(hz_query_get(a, "a=%4", "a", &v), HZ_ERR_INVALID);
	assert_int_equal(hz_query_get(a, "a=%zz", "a", &v), HZ_ERR_INVALID);
	assert_int_equal(hz_query_get(a, "a=%00", "a", &v), HZ_ERR_INVALID);
	assert_int_equal(hz_query_get(a, "a=%C3%28", "a", &v), HZ_ERR_INVALID);
	hz_arena_free(a);
}

static void
query_check_refuses_unknown_names(void **state)
{
	static const char *const allowed[] = { "limit", "after", NULL };
	hz_arena *a = hz_arena_new(1024);
	const char *bad;

	(void)state;
	assert_int_equal(hz_query_check(a, "limit=5&after=x", allowed, &bad),
	    HZ_OK);
	assert_int_equal(hz_query_check(a, "", allowed, &bad), HZ_OK);
	assert_int_equal(hz_query_check(a, "limit=5&lmit=3", allowed, &bad),
	    HZ_ERR_INVALID);
	assert_string_equal(bad, "lmit");
	assert_int_equal(hz_query_check(a, "x\x01y=1", allowed, &bad),
	    HZ_ERR_INVALID);
	assert_string_equal(bad, "x?y");
	hz_arena_free(a);
}

static void
methods_round_trip(void **state)
{
	(void)state;
	assert_int_equal(hz_method_parse("GET"), HZ_GET);
	assert_int_equal(hz_method_parse("DELETE"), HZ_DELETE);
	assert_int_equal(hz_method_parse("get"), HZ_METHOD_OTHER);
	assert_int_equal(hz_method_parse("BREW"), HZ_METHOD_OTHER);
	assert_int_equal(hz_method_parse(NULL), HZ_METHOD_OTHER);
	assert_string_equal(hz_method_name(HZ_PATCH), "PATCH");
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(content_length_is_strict),
	cmocka_unit_test(json_media_type),
	cmocka_unit_test(query_get_decodes),
	cmocka_unit_test(query_get_refuses_ambiguous_and_bad_encoding),
	cmocka_unit_test(query_check_refuses_unknown_names),
	cmocka_unit_test(methods_round_trip))
