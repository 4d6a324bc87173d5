#include <string.h>
#include <strings.h>

#include "http.h"
#include "utf8.h"

static const char *const method_names[] = {
	[HZ_GET] = "GET", [HZ_HEAD] = "HEAD", [HZ_POST] = "POST",
	[HZ_PUT] = "PUT", [HZ_PATCH] = "PATCH", [HZ_DELETE] = "DELETE",
	[HZ_OPTIONS] = "OPTIONS", [HZ_METHOD_OTHER] = "OTHER",
};

enum hz_method
hz_method_parse(const char *s)
{
	if (s == NULL)
		return HZ_METHOD_OTHER;
	for (int m = HZ_GET; m < HZ_METHOD_OTHER; m++)
		if (strcmp(s, method_names[m]) == 0)
			return (enum hz_method)m;
	return HZ_METHOD_OTHER;
}

const char *
hz_method_name(enum hz_method m)
{
	return (unsigned)m <= HZ_METHOD_OTHER ? method_names[m] : "OTHER";
}

enum hz_cl
hz_content_length(const char *s, size_t max, size_t *out)
{
	size_t v = 0;

	*out = 0;
	if (s == NULL || *s == '\0')
		return HZ_CL_OK;
	for (const char *p = s; *p; p++) {
		unsigned d = (unsigned char)*p - '0';
		if (d > 9)
			return HZ_CL_BAD;
		if (p - s >= 19)        /* > 10^19: nonsense, not "large" */
			return HZ_CL_BAD;
		v = v * 10 + d;
	}
	*out = v;
	return v > max ? HZ_CL_TOO_LARGE : HZ_CL_OK;
}

bool
hz_is_json_type(const char *ct)
{
	static const char json[] = "application/json";
	const char *p;

	if (ct == NULL || strncasecmp(ct, json, sizeof(json) - 1) != 0)
		return false;
	p = ct + sizeof(json) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return true;
	if (*p++ != ';')
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "charset=", 8) != 0)
		return false;
	p += 8;
	if (*p == '"')
		p++;
	if (strncasecmp(p, "utf-8", 5) != 0)
		return false;
	p += 5;
	if (*p == '"')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes [s, s+n) ('+' is space) into a fresh arena string. */
static enum hz_status
decode(hz_arena *a, const char *s, size_t n, const char **out)
{
	char *d, *o;

	if ((d = hz_arena_alloc(a, n + 1)) == NULL)
		return HZ_ERR_NOMEM;
	o = d;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n ||
			    (h = hexval(s[i + 1])) < 0 ||
			    (l = hexval(s[i + 2])) < 0)
				return HZ_ERR_INVALID;
			if (h == 0 && l == 0)
				return HZ_ERR_INVALID;
			*o++ = (char)(h << 4 | l);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	if (!hz_utf8_valid(d, (size_t)(o - d)))
		return HZ_ERR_INVALID;
	*out = d;
	return HZ_OK;
}

/* Calls fn for each name=value pair (raw, undecoded spans). */
static enum hz_status
each_pair(const char *q, enum hz_status (*fn)(void *, const char *, size_t,
          const char *, size_t), void *ctx)
{
	enum hz_status rc;

	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', len);
		size_t nlen = eq ? (size_t)(eq - q) : len;

		if (len > 0 && (rc = fn(ctx, q, nlen, eq ? eq + 1 : q + len,
		    eq ? len - nlen - 1 : 0)) != HZ_OK)
			return rc;
		q = amp ? amp + 1 : NULL;
	}
	return HZ_OK;
}

struct lookup {
	hz_arena   *a;
	const char *name;
	const char *value;
	const char *raw;
	size_t      rawlen;
	int         hits;
};

static enum hz_status
lookup_pair(void *ctx, const char *n, size_t nlen, const char *v, size_t vlen)
{
	struct lookup *l = ctx;

	/* Names are plain ASCII in this API: compare undecoded. */
	if (strlen(l->name) != nlen || memcmp(l->name, n, nlen) != 0)
		return HZ_OK;
	if (++l->hits > 1)
		return HZ_ERR_INVALID;
	l->raw = v;
	l->rawlen = vlen;
	return HZ_OK;
}

enum hz_status
hz_query_get(hz_arena *a, const char *query, const char *name,
             const char **out)
{
	struct lookup l = { a, name, NULL, NULL, 0, 0 };
	enum hz_status rc;

	*out = NULL;
	if ((rc = each_pair(query, lookup_pair, &l)) != HZ_OK)
		return rc;
	if (l.hits == 0)
		return HZ_ERR_NOT_FOUND;
	return decode(a, l.raw, l.rawlen, out);
}

struct check {
	const char *const *allowed;
	hz_arena          *a;
	const char        *bad;
};

static enum hz_status
check_pair(void *ctx, const char *n, size_t nlen, const char *v, size_t vlen)
{
	struct check *c = ctx;

	(void)v;
	(void)vlen;
	for (const char *const *p = c->allowed; *p; p++)
		if (strlen(*p) == nlen && memcmp(*p, n, nlen) == 0)
			return HZ_OK;
	/* Echoed back in the error: keep it to printable ASCII. */
	c->bad = hz_arena_strndup(c->a, n, nlen > 64 ? 64 : nlen);
	for (char *p = (char *)c->bad; p != NULL && *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			*p = '?';
	return HZ_ERR_INVALID;
}

enum hz_status
hz_query_check(hz_arena *a, const char *query, const char *const *allowed,
               const char **bad)
{
	struct check c = { allowed, a, NULL };
	enum hz_status rc = each_pair(query, check_pair, &c);

	*bad = c.bad;
	return rc;
}
