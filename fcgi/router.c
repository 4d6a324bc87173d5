#include <stdio.h>
#include <string.h>

#include "num.h"
#include "response.h"
#include "router.h"
#include "utf8.h"

/* Matches `path` against `pattern` segment by segment. A "{name}" segment
 * matches one non-empty segment, captured into req (when req != NULL). */
static bool
match(const char *pattern, const char *path, struct hz_req *req)
{
	const char *p = pattern, *s = path;
	size_t n = 0;

	while (*p && *s) {
		if (*p == '{') {
			const char *pe = strchr(p, '}'), *se = s;

			while (*se && *se != '/')
				se++;
			if (pe == NULL || se == s || n == HZ_MAX_PARAMS)
				return false;
			if (req != NULL) {
				req->param_names[n] = hz_arena_strndup(
				    req->arena, p + 1, (size_t)(pe - p - 1));
				req->params[n] = hz_arena_strndup(req->arena,
				    s, (size_t)(se - s));
				if (!req->param_names[n] || !req->params[n])
					return false;
			}
			n++;
			p = pe + 1;
			s = se;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*p || *s)
		return false;
	if (req != NULL)
		req->nparams = n;
	return true;
}

enum hz_match
hz_route_match(struct hz_req *req, const struct hz_route *table, size_t n,
               char *allow, size_t allowlen)
{
	size_t used = 0;
	bool any = false;
	enum hz_method m = req->method == HZ_HEAD ? HZ_GET : req->method;

	allow[0] = '\0';
	if (req->path == NULL || req->path[0] != '/')
		return HZ_MATCH_NONE;
	for (size_t i = 0; i < n; i++) {
		if (table[i].method == m) {
			if (match(table[i].pattern, req->path, req)) {
				req->route = &table[i];
				return HZ_MATCH_OK;
			}
			continue;
		}
		if (!match(table[i].pattern, req->path, NULL))
			continue;
		int k = snprintf(allow + used, allowlen - used, "%s%s",
		    any ? ", " : "", hz_method_name(table[i].method));
		if (k > 0 && (size_t)k < allowlen - used)
			used += (size_t)k;
		any = true;
	}
	return any ? HZ_MATCH_METHOD : HZ_MATCH_NONE;
}

const char *
hz_param(const struct hz_req *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->params[i];
	return NULL;
}

/* The parse-or-reply helpers of request.h. */

#define ID_MAX 9007199254740991LL   /* ids stay exact in JSON numbers */

bool
hz_path_id(struct hz_req *req, const char *name, uint64_t *out)
{
	int64_t v;

	if (!hz_parse_i64z(hz_param(req, name), 1, ID_MAX, &v)) {
		/* Not an id: as absent as an id that does not exist. */
		hz_reply_status(req, HZ_ERR_NOT_FOUND);
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

static void
reply_query(struct hz_req *req, const char *name, const char *message)
{
	struct hz_field_error e = { name, message };

	hz_reply_invalid(req, &e, 1);
}

bool
hz_query_text(struct hz_req *req, const char *name, size_t max,
              const char **out)
{
	enum hz_status rc = hz_query_get(req->arena, req->query, name, out);

	if (rc == HZ_ERR_NOT_FOUND) {
		*out = NULL;
		return true;
	}
	if (rc == HZ_ERR_NOMEM) {
		hz_reply_status(req, rc);
		return false;
	}
	if (rc != HZ_OK || (size_t)hz_utf8_count(*out, strlen(*out)) > max) {
		reply_query(req, name, "参数格式不正确");
		return false;
	}
	return true;
}

bool
hz_query_id(struct hz_req *req, const char *name, uint64_t *out)
{
	const char *s;
	int64_t v;

	*out = 0;
	if (!hz_query_text(req, name, 20, &s))
		return false;
	if (s == NULL)
		return true;
	if (!hz_parse_i64z(s, 1, ID_MAX, &v)) {
		reply_query(req, name, "应为正整数编号");
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

bool
hz_query_page(struct hz_req *req, uint64_t *after, int *limit)
{
	const char *s;
	int64_t v = 20;

	if (!hz_query_id(req, "after", after) ||
	    !hz_query_text(req, "limit", 3, &s))
		return false;
	if (s != NULL && !hz_parse_i64z(s, 1, 100, &v)) {
		reply_query(req, "limit", "应为 1 至 100 之间的整数");
		return false;
	}
	*limit = (int)v;
	return true;
}

bool
hz_query_only(struct hz_req *req, const char *const *allowed)
{
	const char *bad;

	if (hz_query_check(req->arena, req->query, allowed, &bad) == HZ_OK)
		return true;
	reply_query(req, bad ? bad : "", "不支持的参数");
	return false;
}
