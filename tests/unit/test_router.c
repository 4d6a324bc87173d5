#include "unit.h"

#include <stdio.h>

#include "dispatch.h"
#include "response.h"
#include "router.h"

static void h_ok(struct hz_req *req) { hz_reply_empty(req, 204); }
static void h_silent(struct hz_req *req) { (void)req; }

static const struct hz_field body[] = {
	{ "name", HZ_RULE(HZ_F_STRING, 1, 10), HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

static const struct hz_route table[] = {
	{ HZ_GET,    "/api/v1/units",                   h_ok, HZ_PUBLIC, NULL },
	{ HZ_POST,   "/api/v1/units",                   h_ok, HZ_PUBLIC, body },
	{ HZ_GET,    "/api/v1/units/{id}",              h_ok, HZ_PUBLIC, NULL },
	{ HZ_DELETE, "/api/v1/shifts/{id}/signup",      h_ok, HZ_PUBLIC, NULL },
	{ HZ_GET,    "/api/v1/units/{id}/members/{m}",  h_ok, HZ_PUBLIC, NULL },
	{ HZ_GET,    "/api/v1/silent",                  h_silent, HZ_PUBLIC, NULL },
};
#define N (sizeof(table) / sizeof(table[0]))

static struct hz_config cfg;

static int
setup(void **state)
{
	hz_config_defaults(&cfg);
	return unit_arena_setup(state);
}

static struct hz_req *
req_for(enum hz_method m, const char *path)
{
	static struct hz_req req;

	hz_arena_reset(unit_arena);
	hz_req_init(&req, unit_arena, &cfg, NULL, NULL);
	req.method = m;
	req.path = path;
	req.request_id = "rid1";
	return &req;
}

static void
matches_literal_and_params(void **state)
{
	char allow[64];
	struct hz_req *r;

	(void)state;
	r = req_for(HZ_GET, "/api/v1/units/42");
	assert_int_equal(hz_route_match(r, table, N, allow, sizeof(allow)),
	    HZ_MATCH_OK);
	assert_ptr_equal(r->route, &table[2]);
	assert_string_equal(hz_param(r, "id"), "42");
	assert_null(hz_param(r, "nope"));

	r = req_for(HZ_GET, "/api/v1/units/7/members/abc");
	assert_int_equal(hz_route_match(r, table, N, allow, sizeof(allow)),
	    HZ_MATCH_OK);
	assert_string_equal(hz_param(r, "id"), "7");
	assert_string_equal(hz_param(r, "m"), "abc");

	/* HEAD is served by the GET row. */
	r = req_for(HZ_HEAD, "/api/v1/units");
	assert_int_equal(hz_route_match(r, table, N, allow, sizeof(allow)),
	    HZ_MATCH_OK);
}

static void
unknown_paths_and_methods(void **state)
{
	static const char *const none[] = {
		"/api/v1/units/", "/api/v1/units//members/x", "/api/v1/unit",
		"/api/v1/units/1/2", "api/v1/units", "", "/api/v1/unitsx",
	};
	char allow[64];
	struct hz_req *r;

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(*none); i++) {
		r = req_for(HZ_GET, none[i]);
		assert_int_equal(hz_route_match(r, table, N, allow,
		    sizeof(allow)), HZ_MATCH_NONE);
	}
	r = req_for(HZ_PUT, "/api/v1/units");
	assert_int_equal(hz_route_match(r, table, N, allow, sizeof(allow)),
	    HZ_MATCH_METHOD);
	assert_string_equal(allow, "GET, POST");
	r = req_for(HZ_GET, "/api/v1/shifts/3/signup");
	assert_int_equal(hz_route_match(r, table, N, allow, sizeof(allow)),
	    HZ_MATCH_METHOD);
	assert_string_equal(allow, "DELETE");
}

static void
assert_response(struct hz_req *r, const char *status, const char *needle)
{
	assert_true(r->replied);
	assert_false(r->out.oom);
	assert_memory_equal(r->out.data, status, strlen(status));
	if (needle != NULL)
		assert_non_null(strstr(r->out.data, needle));
}

static void
handle_answers_every_failure_with_the_envelope(void **state)
{
	struct hz_req *r;

	(void)state;
	r = req_for(HZ_GET, "/nope");
	hz_handle(r, table, N);
	assert_response(r, "Status: 404", "\"code\":\"not_found\"");
	assert_non_null(strstr(r->out.data, "\"request_id\":\"rid1\""));

	r = req_for(HZ_PATCH, "/api/v1/units/1");
	hz_handle(r, table, N);
	assert_response(r, "Status: 405", "Allow: GET\r\n");

	r = req_for(HZ_POST, "/api/v1/units");
	r->content_type = "text/plain";
	r->body = "{}";
	r->body_len = 2;
	hz_handle(r, table, N);
	assert_response(r, "Status: 415", "unsupported_media_type");

	r = req_for(HZ_POST, "/api/v1/units");
	r->content_type = "application/json";
	r->body = "{\"name\":";
	r->body_len = strlen(r->body);
	hz_handle(r, table, N);
	assert_response(r, "Status: 400", "malformed_json");

	r = req_for(HZ_POST, "/api/v1/units");
	r->content_type = "application/json";
	r->body = "{\"name\":\"\",\"x\":1}";
	r->body_len = strlen(r->body);
	hz_handle(r, table, N);
	assert_response(r, "Status: 422", "\"fields\":{");
	assert_non_null(strstr(r->out.data, "\"x\":\"不支持的字段\""));

	r = req_for(HZ_POST, "/api/v1/units");
	r->content_type = "application/json; charset=utf-8";
	r->body = "{\"name\":\"户组\"}";
	r->body_len = strlen(r->body);
	hz_handle(r, table, N);
	assert_response(r, "Status: 204", NULL);
	assert_string_equal(r->in[0].s, "户组");

	/* A handler that forgets to answer still yields a response. */
	r = req_for(HZ_GET, "/api/v1/silent");
	hz_handle(r, table, N);
	assert_response(r, "Status: 500", "\"code\":\"internal\"");
}

/* An id in the path has one spelling: digits, no leading zero. */
static void
path_ids_are_canonical(void **state)
{
	static const char *const bad[] = { "01", "007", "0", "-1", "+1", "1x",
	    " 1", "1.0", "9223372036854775808" };
	char allow[64], path[64];
	struct hz_req *r;
	uint64_t id = 0;

	(void)state;
	r = req_for(HZ_GET, "/api/v1/units/42");
	assert_int_equal(hz_route_match(r, table, N, allow, sizeof(allow)),
	    HZ_MATCH_OK);
	assert_true(hz_path_id(r, "id", &id));
	assert_int_equal(id, 42);
	assert_false(r->replied);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(path, sizeof(path), "/api/v1/units/%s", bad[i]);
		r = req_for(HZ_GET, path);
		assert_int_equal(hz_route_match(r, table, N, allow,
		    sizeof(allow)), HZ_MATCH_OK);
		assert_false(hz_path_id(r, "id", &id));
		assert_response(r, "Status: 404", "\"code\":\"not_found\"");
	}
}

static void
head_has_headers_but_no_body(void **state)
{
	struct hz_req *r = req_for(HZ_HEAD, "/nope");

	(void)state;
	hz_handle(r, table, N);
	assert_response(r, "Status: 404", "Content-Type: application/json");
	assert_int_equal(r->out.data[r->out.len - 1], '\n');
}

/* A streamed answer (the hours CSV): its bytes reach the sink as they
 * are written, never collected in req->out; a sink that fails (the
 * client went away) stops the writer. */
struct sink {
	bool   ok;
	size_t len;
	char   buf[512];
};

static bool
sink_put(void *arg, const char *data, size_t len)
{
	struct sink *k = arg;

	if (!k->ok)
		return false;
	assert_true(k->len + len < sizeof(k->buf));
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	k->buf[k->len] = '\0';
	return true;
}

static void
streamed_answers_go_out_as_written(void **state)
{
	struct hz_req *r = req_for(HZ_GET, "/api/v1/stations/1/hours.csv");
	struct sink k = { .ok = true };
	size_t head;

	(void)state;
	r->sink = &k;
	r->sink_write = sink_put;
	hz_reply_stream_start(r, 200, "text/csv; charset=utf-8");
	assert_true(r->streamed);
	assert_memory_equal(k.buf, "Status: 200 OK\r\n", 16);
	assert_non_null(strstr(k.buf, "Content-Type: text/csv; charset=utf-8\r\n"));
	assert_non_null(strstr(k.buf, "\r\n\r\n"));
	head = k.len;
	assert_int_equal(r->out.len, 0);
	assert_int_equal(hz_reply_stream_write(r, "a,b\r\n", 5), HZ_OK);
	assert_int_equal(k.len, head + 5);          /* at once */
	assert_int_equal(hz_reply_stream_write(r, "c,d\r\n", 5), HZ_OK);
	assert_string_equal(k.buf + head, "a,b\r\nc,d\r\n");
	assert_int_equal(r->out.len, 0);            /* nothing held */
	k.ok = false;
	assert_int_not_equal(hz_reply_stream_write(r, "e,f\r\n", 5), HZ_OK);
}

UNIT_TESTS(setup, unit_arena_teardown,
	cmocka_unit_test(matches_literal_and_params),
	cmocka_unit_test(unknown_paths_and_methods),
	cmocka_unit_test(handle_answers_every_failure_with_the_envelope),
	cmocka_unit_test(path_ids_are_canonical),
	cmocka_unit_test(head_has_headers_but_no_body),
	cmocka_unit_test(streamed_answers_go_out_as_written))
