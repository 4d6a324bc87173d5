#include <stdio.h>
#include <string.h>

#include "num.h"
#include "response.h"
#include "handlers.h"
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

bool
hz_path_id(struct hz_req *req, const char *name, uint64_t *out)
{
	const char *s = hz_param(req, name);
	int64_t v;

	/* One spelling per id: "01" is no id (and no alias of 1). */
	if (s == NULL || s[0] == '0' ||
	    !hz_parse_i64z(s, 1, HZ_ID_MAX, &v)) {
		hz_reply_status(req, HZ_ERR_NOT_FOUND);
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

const struct hz_rule hz_rule_page_limit = { HZ_F_INT, 1, HZ_PAGE_MAX };

const struct hz_field page_query[] = {
	HZ_PAGE_QUERY,
	{ NULL, NULL, 0 },
};

struct hz_page
hz_req_page(const struct hz_req *req)
{
	struct hz_page p = { 0, HZ_PAGE_DEFAULT };

	if (req->q[HZ_Q_AFTER].present)
		p.after = (uint64_t)req->q[HZ_Q_AFTER].i;
	if (req->q[HZ_Q_LIMIT].present)
		p.limit = (int)req->q[HZ_Q_LIMIT].i;
	return p;
}
