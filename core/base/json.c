#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "clock.h"
#include "json.h"
#include "num.h"
#include "utf8.h"

static hz_arena *json_arena;

static void *
arena_malloc(size_t n)
{
	return hz_arena_alloc(json_arena, n);
}

static void
arena_nofree(void *p)
{
	(void)p;
}

void
hz_json_use_arena(hz_arena *a)
{
	cJSON_Hooks hooks = { NULL, NULL };

	json_arena = a;
	if (a != NULL) {
		hooks.malloc_fn = arena_malloc;
		hooks.free_fn = arena_nofree;
	}
	cJSON_InitHooks(&hooks);
}

size_t
hz_fmt_i64(char *out, int64_t v)
{
	char tmp[HZ_I64_CHARS];
	/* Magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		out[len++] = '-';
	while (n > 0)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

void
hz_json_put_number(struct hz_buf *b, double d)
{
	char s[32];
	double back = 0;
	int n;

	if (isnan(d) || isinf(d)) {
		hz_buf_append(b, "null", 4);
		return;
	}
	/* An integer a double holds exactly (|d| <= 2^53): its digits. Below
	 * 1e15 that is what "%1.15g" gives; from there to 2^53 cJSON loses
	 * digits (2^53 comes out as 9.00719925474099e+15), we do not. Not -0,
	 * which cJSON prints "-0". */
	if (d >= -9007199254740992.0 && d <= 9007199254740992.0 &&
	    d == (double)(int64_t)d && !(d == 0 && signbit(d))) {
		hz_buf_append(b, s, hz_fmt_i64(s, (int64_t)d));
		return;
	}
	/* cJSON 1.7's print_number: 15 significant digits if they read back
	 * as the same double, else 17; the locale's decimal point made '.'. */
	n = snprintf(s, sizeof(s), "%1.15g", d);
	if (sscanf(s, "%lg", &back) != 1 ||
	    fabs(back - d) > fmax(fabs(back), fabs(d)) * DBL_EPSILON)
		n = snprintf(s, sizeof(s), "%1.17g", d);
	if (n < 0 || (size_t)n >= sizeof(s)) {
		hz_buf_append(b, "null", 4);
		return;
	}
	if (localeconv()->decimal_point[0] != '.')
		for (int i = 0; i < n; i++)
			if (s[i] == localeconv()->decimal_point[0])
				s[i] = '.';
	hz_buf_append(b, s, (size_t)n);
}

void
hz_json_put_string(struct hz_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = s != NULL ? strlen(s) : 0;
	char *o;

	/* At worst six bytes a byte (\u00xx), and the quotes. */
	if (n > (SIZE_MAX - 2) / 6 || !hz_buf_reserve(b, 6 * n + 2))
		return;
	o = b->data + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
}

bool
hz_json_print(struct hz_buf *b, const cJSON *item)
{
	const cJSON *c;
	bool object;

	if (item == NULL)
		return false;
	switch (item->type & 0xff) {
	case cJSON_NULL:
		hz_buf_append(b, "null", 4);
		break;
	case cJSON_False:
		hz_buf_append(b, "false", 5);
		break;
	case cJSON_True:
		hz_buf_append(b, "true", 4);
		break;
	case cJSON_Number:
		hz_json_put_number(b, item->valuedouble);
		break;
	case cJSON_String:
		hz_json_put_string(b, item->valuestring);
		break;
	case cJSON_Raw:
		if (item->valuestring == NULL)
			return false;
		hz_buf_puts(b, item->valuestring);
		break;
	case cJSON_Array:
	case cJSON_Object:
		object = (item->type & 0xff) == cJSON_Object;
		hz_buf_append(b, object ? "{" : "[", 1);
		for (c = item->child; c != NULL; c = c->next) {
			if (object) {
				/* A member without a name: "" (as cJSON). */
				hz_json_put_string(b, c->string);
				hz_buf_append(b, ":", 1);
			}
			if (!hz_json_print(b, c))
				return false;
			if (c->next != NULL)
				hz_buf_append(b, ",", 1);
		}
		hz_buf_append(b, object ? "}" : "]", 1);
		break;
	default:
		return false;
	}
	return !b->oom;
}

static enum hz_status
refuse(struct hz_json_error *err, const char *code, const char *message)
{
	err->code = code;
	err->message = message;
	return HZ_ERR_INVALID;
}

/* The strict pass: a recogniser for RFC 8259's grammar, run before cJSON
 * (which is lenient by design: it takes any byte below 0x21 for
 * whitespace, leading zeros, "2.", "-.5", a BOM, bad \u escapes, lone
 * surrogates...). It also counts nesting, and finds \u0000: valid JSON
 * that cJSON would silently cut short. Each one is rewritten to \uFFFD in
 * a copy of the text, and the top-level member that held it is marked so
 * that the validator refuses that field. */
struct scan {
	const char *p, *end;    /* where we are, in buf or in `copy` */
	const char *buf;
	char       *copy;       /* the text with \u0000 made \uFFFD */
	int         depth, max_depth;
	long        member;     /* the top-level member we are in, or -1 */
	long       *marks;      /* members that held \u0000, ascending */
	size_t      nmarks, cap;
	bool        nul;        /* any \u0000 at all */
	const char *code, *message;
};

/* cJSON parses a number through a 64-byte buffer: longer ones fail there.
 * RFC 8259 §9 lets an implementation limit numbers; say so here. */
#define NUMBER_MAX 63

static bool
fail(struct scan *s, const char *code, const char *message)
{
	s->code = code;
	s->message = message;
	return false;
}

static bool
malformed(struct scan *s)
{
	return fail(s, "malformed_json", "请求体不是有效的 JSON");
}

static void
skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool
literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return malformed(s);
	s->p += n;
	return true;
}

static bool
digits(struct scan *s)
{
	const char *from = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > from;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
number(struct scan *s)
{
	const char *from = s->p;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (s->p >= s->end || *s->p < '1' || *s->p > '9' || !digits(s))
		return malformed(s);
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!digits(s))
			return malformed(s);
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return malformed(s);
	}
	return s->p - from <= NUMBER_MAX || malformed(s);
}

/* Four hex digits at p, or -1. */
static long
hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0'
		    : c >= 'a' && c <= 'f' ? c - 'a' + 10
		    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Room for one more mark; cJSON's allocator is the request's arena. */
static bool
grow_marks(struct scan *s)
{
	size_t cap = s->cap ? 2 * s->cap : 8;
	long *m;

	if (s->nmarks < s->cap)
		return true;
	if ((m = cJSON_malloc(cap * sizeof(*m))) == NULL)
		return false;
	if (s->nmarks > 0)
		memcpy(m, s->marks, s->nmarks * sizeof(*m));
	cJSON_free(s->marks);
	s->marks = m;
	s->cap = cap;
	return true;
}

/* A \u0000 at s->p (the backslash): move to the copy, rewrite it there,
 * and remember the top-level member. */
static bool
nul_escape(struct scan *s)
{
	if (s->copy == NULL) {
		size_t total = (size_t)(s->end - s->buf);
		size_t at = (size_t)(s->p - s->buf);
		if ((s->copy = cJSON_malloc(total)) == NULL)
			return fail(s, "out_of_memory", "服务器繁忙，请稍后再试");
		memcpy(s->copy, s->buf, total);
		s->p = s->copy + at;
		s->end = s->copy + total;
	}
	memcpy(s->copy + (s->p - s->copy) + 2, "FFFD", 4);
	s->nul = true;
	if (s->member < 0 || (s->nmarks > 0 &&
	    s->marks[s->nmarks - 1] == s->member))
		return true;
	if (!grow_marks(s))
		return fail(s, "out_of_memory", "服务器繁忙，请稍后再试");
	s->marks[s->nmarks++] = s->member;
	return true;
}

/* A string, s->p at its opening quote. UTF-8 was checked before. */
static bool
string(struct scan *s)
{
	for (s->p++; s->p < s->end; s->p++) {
		unsigned char c = (unsigned char)*s->p;
		long u, lo;

		if (c == '"') {
			s->p++;
			return true;
		}
		/* RFC 8259 §7: control characters must be escaped. */
		if (c < 0x20)
			return malformed(s);
		if (c != '\\')
			continue;
		if (s->end - s->p < 2)
			return malformed(s);
		if (s->p[1] != '\0' && strchr("\"\\/bfnrt", s->p[1]) != NULL) {
			s->p++;
			continue;
		}
		if (s->p[1] != 'u' || s->end - s->p < 6 ||
		    (u = hex4(s->p + 2)) < 0)
			return malformed(s);
		if (u == 0 && !nul_escape(s))
			return false;
		/* UTF-16: a low surrogate only right after a high one. */
		if (u >= 0xdc00 && u <= 0xdfff)
			return malformed(s);
		if (u >= 0xd800 && u <= 0xdbff) {
			if (s->end - s->p < 12 || s->p[6] != '\\' ||
			    s->p[7] != 'u' || (lo = hex4(s->p + 8)) < 0xdc00 ||
			    lo > 0xdfff)
				return malformed(s);
			s->p += 6;
		}
		s->p += 5;
	}
	return malformed(s);
}

static bool value(struct scan *s);

/* An object or an array, s->p at its opening bracket. */
static bool
container(struct scan *s)
{
	bool object = *s->p == '{', top = s->depth == 0;
	char close = object ? '}' : ']';

	if (++s->depth > s->max_depth)
		return fail(s, "too_deep", "请求体嵌套层级过深");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return true;
	}
	for (long n = 0;; n++) {
		if (top && object)
			s->member = n;
		if (object) {
			if (s->p >= s->end || *s->p != '"')
				return malformed(s);
			if (!string(s))
				return false;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return malformed(s);
			s->p++;
			skip_ws(s);
		}
		if (!value(s))
			return false;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p >= s->end || *s->p != close)
			return malformed(s);
		s->p++;
		s->depth--;
		if (top)
			s->member = -1;
		return true;
	}
}

static bool
value(struct scan *s)
{
	if (s->p >= s->end)
		return malformed(s);
	switch (*s->p) {
	case '{':
	case '[':
		return container(s);
	case '"':
		return string(s);
	case 't':
		return literal(s, "true");
	case 'f':
		return literal(s, "false");
	case 'n':
		return literal(s, "null");
	default:
		return number(s);
	}
}

/* The mark of \u0000, above cJSON's type bits: it masks types with 0xFF,
 * and 256 and 512 are its reference and constant-key flags. */
#define HZ_JSON_NUL (1 << 14)

bool
hz_json_nul(const cJSON *node)
{
	return node != NULL && (node->type & HZ_JSON_NUL) != 0;
}

enum hz_status
hz_json_parse(const char *buf, size_t len, int max_depth, cJSON **out,
              struct hz_json_error *err)
{
	struct scan s = { .p = buf, .end = buf + len, .buf = buf,
	    .max_depth = max_depth, .member = -1 };
	const char *text, *value_end, *end = NULL;
	cJSON *root = NULL, *node;
	size_t k = 0;
	long n = 0;
	bool internal = false;

	*out = NULL;
	if (len == 0)
		return refuse(err, "malformed_json", "请求体为空");
	if (!hz_utf8_valid(buf, len))
		return refuse(err, "invalid_utf8", "请求体不是有效的 UTF-8 文本");
	skip_ws(&s);
	if (!value(&s))
		goto out;
	text = s.copy != NULL ? s.copy : buf;
	value_end = s.p;
	skip_ws(&s);
	if (s.p != s.end) {
		malformed(&s);
		goto out;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL || end != value_end) {
		/* cJSON refused what the strict pass took: our bug, which
		 * fuzz_json looks for. The client hears malformed_json. */
		root = NULL;
		malformed(&s);
		internal = true;
		goto out;
	}
	if (s.nul)
		root->type |= HZ_JSON_NUL;
	for (node = root->child; node != NULL && k < s.nmarks;
	    node = node->next, n++)
		if (s.marks[k] == n) {
			node->type |= HZ_JSON_NUL;
			k++;
		}
	*out = root;
out:
	cJSON_free(s.copy);
	cJSON_free(s.marks);
	if (root != NULL)
		return HZ_OK;
	refuse(err, s.code, s.message);
	return internal ? HZ_ERR_INTERNAL : strcmp(s.code, "out_of_memory") == 0
	    ? HZ_ERR_NOMEM : HZ_ERR_INVALID;
}

/* C0 controls, DEL, and C1 controls (U+0080..U+009F, which some log
 * readers take for line breaks). */
/* Nothing but spaces (ASCII white space or the ideographic space U+3000):
 * a required text that says nothing. */
static bool
blank(const char *s)
{
	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			return *s == '\0';
	}
}

static bool
has_control(const char *s, bool multiline)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == 0x7f || (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f))
			return true;
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' ||
		    c == '\t')))
			return true;
	}
	return false;
}

/* A name's edges (HZ_NAME): no space first or last (ASCII space or tab,
 * the no-break space U+00A0, the ideographic space U+3000: two names
 * that look alike), and no full-width ＝ ＋ － ＠ first (a spreadsheet
 * runs them as a formula). Refused like control characters, so that
 * what is stored is what was sent. */
static const char name_edge_message[] =
    "开头和结尾不能有空格，开头也不能是 ＝ ＋ － ＠";

static bool
name_edge_bad(const char *s, size_t len)
{
	static const char *const space[] = { " ", "\t", "\xc2\xa0",
	    "\xe3\x80\x80" };
	static const char *const sign[] = { "\xef\xbc\x9d", "\xef\xbc\x8b",
	    "\xef\xbc\x8d", "\xef\xbc\xa0" };

	for (size_t i = 0; i < sizeof(space) / sizeof(space[0]); i++) {
		size_t n = strlen(space[i]);

		if (len >= n && (memcmp(s, space[i], n) == 0 ||
		    memcmp(s + len - n, space[i], n) == 0))
			return true;
	}
	for (size_t i = 0; i < sizeof(sign) / sizeof(sign[0]); i++)
		if (len >= 3 && memcmp(s, sign[i], 3) == 0)
			return true;
	return false;
}

/* Bidirectional controls and invisible characters (hz_utf8_hidden): a
 * name, a room or a reason holding one can read differently on a staff
 * page than it is stored, or pass for another. Refused rather than
 * stripped, so that what is stored is what was sent. */
static const char hidden_message[] = "含有不允许的不可见字符或方向控制字符";

const struct hz_rule hz_rule_id = { HZ_F_ID, 1, HZ_ID_MAX, NULL };
const struct hz_rule hz_rule_phone = { HZ_F_PHONE, 11, 11,
    "请输入正确的 11 位手机号" };
const struct hz_rule hz_rule_date = { HZ_F_DATE, 10, 10,
    "应为 YYYY-MM-DD 格式的日期" };
const struct hz_rule hz_rule_time = { HZ_F_TIME, 20, 35,
    "应为带时区的日期时间，如 2026-12-05T09:00:00+08:00" };

/* "应为 a、b 或 c" from an enum's values. */
static const char *
enum_message(hz_arena *a, const char *const *values)
{
	struct hz_buf b;

	hz_buf_init(&b, a);
	hz_buf_puts(&b, "应为 ");
	for (size_t i = 0; values[i]; i++)
		hz_buf_printf(&b, "%s%s", i == 0 ? "" : values[i + 1] ? "、"
		    : " 或 ", values[i]);
	return b.oom ? "无效" : b.data;
}

const char *
hz_rule_words(hz_arena *a, const struct hz_rule *r)
{
	if (r->message != NULL)
		return r->message;
	switch (r->type) {
	case HZ_F_ENUM:
		return enum_message(a, r->values);
	case HZ_F_STRING:
		return hz_arena_printf(a, "长度应为 %lld 至 %lld 个字符",
		    (long long)r->min, (long long)r->max);
	case HZ_F_DATE:
		return hz_rule_date.message;
	case HZ_F_TIME:
		return hz_rule_time.message;
	case HZ_F_PHONE:
		return hz_rule_phone.message;
	case HZ_F_ID:
		return "应为正整数编号";
	case HZ_F_INT:
		return hz_arena_printf(a, "应为 %lld 至 %lld 之间的整数",
		    (long long)r->min, (long long)r->max);
	default:
		return "无效";
	}
}

/* An RFC 3339 time the database can hold: after 1970-01-01 and before
 * 2038-01-19 (TIMESTAMP and FROM_UNIXTIME of MariaDB 10.11). */
static bool
time_ok(const char *s)
{
	time_t t;

	return hz_time_parse(s, &t) && t > 0 && t < 2147483647;
}

/* A text-valued rule (string, enum, date, phone) against `s`. */
static const char *
check_text(hz_arena *a, const struct hz_rule *r, const char *s, size_t len)
{
	long n = hz_utf8_count(s, len);

	if (n < 0)
		return "不是有效的 UTF-8 文本";
	switch (r->type) {
	case HZ_F_STRING:
		if (n < r->min || n > r->max)
			return r->message ? r->message : r->min > 0 && n == 0
			    ? "不能为空" : hz_arena_printf(a,
			        "长度应为 %lld 至 %lld 个字符",
			        (long long)r->min, (long long)r->max);
		if (r->min > 0 && blank(s))
			return r->message ? r->message : "不能只填空格";
		if (r->chars != NULL && strspn(s, r->chars) != len)
			return r->message ? r->message : "含有不允许的字符";
		if (has_control(s, r->flags & HZ_MULTILINE))
			return "含有不允许的控制字符";
		if ((r->flags & HZ_NAME) && name_edge_bad(s, len))
			return name_edge_message;
		if (hz_utf8_find_hidden(s, len) != NULL)
			return hidden_message;
		return NULL;
	case HZ_F_ENUM:
		for (size_t i = 0; r->values[i]; i++)
			if (strcmp(r->values[i], s) == 0)
				return NULL;
		return r->message ? r->message : enum_message(a, r->values);
	case HZ_F_DATE:
		return hz_date_parse(s) < 0 ? r->message ? r->message
		    : hz_rule_date.message : NULL;
	case HZ_F_TIME:
		return !time_ok(s) ? r->message ? r->message
		    : hz_rule_time.message : NULL;
	case HZ_F_PHONE:
		return !hz_phone_valid(s) ? r->message ? r->message
		    : hz_rule_phone.message : NULL;
	default:
		return "无效";
	}
}

static const char *
check_int(hz_arena *a, const struct hz_rule *r, int64_t v)
{
	if (v >= r->min && v <= r->max)
		return NULL;
	if (r->message)
		return r->message;
	return r->type == HZ_F_ID ? "应为正整数编号" : hz_arena_printf(a,
	    "取值应在 %lld 至 %lld 之间", (long long)r->min, (long long)r->max);
}

bool
hz_rule_ok(const struct hz_rule *r, const char *s, bool optional)
{
	if (s == NULL)
		return optional;
	/* No arena: a failing rule with a generated message would need one,
	 * but only the verdict is wanted here. */
	switch (r->type) {
	case HZ_F_STRING: {
		long n = hz_utf8_count(s, strlen(s));
		return n >= r->min && n <= r->max && !(r->min > 0 && blank(s)) &&
		    (r->chars == NULL || strspn(s, r->chars) == strlen(s)) &&
		    !has_control(s, r->flags & HZ_MULTILINE) &&
		    !((r->flags & HZ_NAME) && name_edge_bad(s, strlen(s))) &&
		    hz_utf8_find_hidden(s, strlen(s)) == NULL;
	}
	case HZ_F_ENUM:
		for (size_t i = 0; r->values[i]; i++)
			if (strcmp(r->values[i], s) == 0)
				return true;
		return false;
	case HZ_F_DATE:
		return hz_date_parse(s) >= 0;
	case HZ_F_TIME:
		return time_ok(s);
	case HZ_F_PHONE:
		return hz_phone_valid(s);
	default:
		return false;
	}
}

/* The time_t of a value that passed HZ_F_TIME. */
static int64_t
time_of(const char *s)
{
	time_t t = 0;

	(void)hz_time_parse(s, &t);
	return (int64_t)t;
}

const char *
hz_value_check(hz_arena *a, const struct hz_rule *r, const char *text,
               struct hz_value *v)
{
	const char *msg;

	memset(v, 0, sizeof(*v));
	v->s = text;
	v->len = strlen(text);
	if (r->type == HZ_F_ID || r->type == HZ_F_INT) {
		if (!hz_parse_i64z(text, r->min, r->max, &v->i))
			return r->message ? r->message : r->type == HZ_F_ID
			    ? "应为正整数编号" : hz_arena_printf(a,
			        "应为 %lld 至 %lld 之间的整数",
			        (long long)r->min, (long long)r->max);
	} else if ((msg = check_text(a, r, text, v->len)) != NULL)
		return msg;
	if (r->type == HZ_F_TIME)
		v->i = time_of(text);
	v->present = true;
	return NULL;
}

static const char *
check_one(hz_arena *a, const struct hz_field *f, const cJSON *node,
          struct hz_value *v)
{
	const struct hz_rule *r = f->rule;
	const char *msg;

	switch (r->type) {
	case HZ_F_STRING:
	case HZ_F_ENUM:
	case HZ_F_DATE:
	case HZ_F_TIME:
	case HZ_F_PHONE:
		if (!cJSON_IsString(node))
			return "应为字符串";
		v->s = node->valuestring;
		v->len = strlen(v->s);
		if ((msg = check_text(a, r, v->s, v->len)) != NULL)
			return msg;
		if (r->type == HZ_F_TIME)
			v->i = time_of(v->s);
		break;
	case HZ_F_INT:
	case HZ_F_ID:
		/* JSON numbers are doubles in cJSON; accept only exact
		 * integers within the IEEE-754 safe range. */
		if (!cJSON_IsNumber(node) || !isfinite(node->valuedouble) ||
		    node->valuedouble != floor(node->valuedouble) ||
		    fabs(node->valuedouble) > 9007199254740991.0)
			return "应为整数";
		v->i = (int64_t)node->valuedouble;
		if ((msg = check_int(a, r, v->i)) != NULL)
			return msg;
		break;
	case HZ_F_BOOL:
		if (!cJSON_IsBool(node))
			return "应为 true 或 false";
		v->b = cJSON_IsTrue(node);
		break;
	case HZ_F_ARRAY: {
		struct hz_value item[HZ_MAX_FIELDS];
		struct hz_field_error e;
		const cJSON *it;
		size_t ne, k = 0;
		long n;

		if (!cJSON_IsArray(node))
			return "应为数组";
		n = cJSON_GetArraySize(node);
		if (n < r->min || n > r->max)
			return r->message ? r->message : hz_arena_printf(a,
			    "应有 %lld 至 %lld 项", (long long)r->min,
			    (long long)r->max);
		cJSON_ArrayForEach(it, node) {
			k++;
			if (r->item != NULL) {
				const struct hz_field one = { "", r->item, 0 };
				const char *m = check_one(a, &one, it, &item[0]);

				if (m != NULL)
					return hz_arena_printf(a, "第 %zu 项：%s", k,
					    m);
				continue;
			}
			if (hz_json_validate(a, it, r->sub, item, &e, 1, &ne)
			    != HZ_OK)
				return hz_arena_printf(a, "第 %zu 项：%s%s%s", k,
				    e.field[0] ? e.field : "", e.field[0] ? " "
				    : "", e.message);
		}
		v->i = n;
		v->node = node;
		break;
	}
	case HZ_F_OBJECT: {
		struct hz_value sub[HZ_MAX_FIELDS];
		struct hz_field_error e;
		size_t ne;

		if (!cJSON_IsObject(node))
			return "应为对象";
		if (hz_json_validate(a, node, r->sub, sub, &e, 1, &ne) != HZ_OK)
			return hz_arena_printf(a, "%s%s%s", e.field[0] ? e.field
			    : "", e.field[0] ? " " : "", e.message);
		v->node = node;
		break;
	}
	}
	v->present = true;
	return NULL;
}

/* An unknown key as echoed back in `fields`: printable ASCII of at most
 * 64 bytes, as sent; anything else (bidi controls, 5000 bytes) is not
 * repeated to whoever reads the answer. */
static const char *
shown_key(const char *key)
{
	size_t n = strlen(key);

	if (n > 64)
		return "_body";
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x20 || key[i] > 0x7e)
			return "_body";
	return key;
}

enum hz_status
hz_json_validate(hz_arena *a, const cJSON *obj, const struct hz_field *fields,
                 struct hz_value *out, struct hz_field_error *errs,
                 size_t maxerr, size_t *nerr)
{
	bool seen[HZ_MAX_FIELDS] = { false }, failed[HZ_MAX_FIELDS] = { false };
	const cJSON *node;
	size_t nf, k = 0;

#define ADD_ERROR(name, msg) do {                                       \
		if (k < maxerr) {                                       \
			errs[k].field = (name);                         \
			errs[k].message = (msg) ? (msg) : "无效";       \
		}                                                       \
		k++;                                                    \
	} while (0)

	for (nf = 0; fields[nf].name != NULL && nf < HZ_MAX_FIELDS; nf++)
		memset(&out[nf], 0, sizeof(out[nf]));
	if (!cJSON_IsObject(obj)) {
		ADD_ERROR("", "请求体应为 JSON 对象");
		goto out;
	}
	cJSON_ArrayForEach(node, obj) {
		const char *msg;
		size_t i;

		for (i = 0; i < nf; i++)
			if (strcmp(fields[i].name, node->string) == 0)
				break;
		/* Valid JSON, but C strings end at a NUL: refused by policy
		 * (the key or the value held \u0000, now U+FFFD). */
		if (hz_json_nul(node)) {
			ADD_ERROR(i < nf ? fields[i].name : node->string,
			    "不能包含空字符");
			if (i < nf)
				seen[i] = failed[i] = true;
			continue;
		}
		if (i == nf) {
			ADD_ERROR(shown_key(node->string), "不支持的字段");
			continue;
		}
		if (seen[i]) {
			ADD_ERROR(fields[i].name, "字段重复");
			failed[i] = true;
			continue;
		}
		seen[i] = true;
		/* A JSON null is the same as leaving the field out. */
		if (cJSON_IsNull(node))
			continue;
		if ((msg = check_one(a, &fields[i], node, &out[i])) != NULL) {
			ADD_ERROR(fields[i].name, msg);
			failed[i] = true;
		}
	}
	for (size_t i = 0; i < nf; i++)
		if ((fields[i].flags & HZ_REQUIRED) && !out[i].present &&
		    !failed[i])
			ADD_ERROR(fields[i].name, "必填");
out:
#undef ADD_ERROR
	if (nerr != NULL)
		*nerr = k;
	return k == 0 ? HZ_OK : HZ_ERR_INVALID;
}
