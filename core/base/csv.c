#include <string.h>

#include "csv.h"
#include "utf8.h"

struct parser {
	hz_arena      *a;
	struct hz_csv *out;
	size_t         cap;
	const char   **fields;
	size_t         nf, fcap;
};

static enum hz_status
push_field(struct parser *p, struct hz_buf *b)
{
	if (p->nf == p->fcap) {
		size_t ncap = p->fcap ? p->fcap * 2 : 8;
		const char **g = hz_arena_calloc(p->a, ncap, sizeof(*g));
		if (g == NULL)
			return HZ_ERR_NOMEM;
		if (p->nf)
			memcpy(g, p->fields, p->nf * sizeof(*g));
		p->fields = g;
		p->fcap = ncap;
	}
	if (b->oom)
		return HZ_ERR_NOMEM;
	p->fields[p->nf++] = b->data ? b->data : "";
	hz_buf_init(b, p->a);
	return HZ_OK;
}

static enum hz_status
push_row(struct parser *p, size_t line)
{
	struct hz_csv *o = p->out;

	/* A line holding one empty field is a blank line. */
	if (p->nf == 1 && p->fields[0][0] == '\0') {
		p->nf = 0;
		return HZ_OK;
	}
	if (o->nrows == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		struct hz_csv_row *g = hz_arena_calloc(p->a, ncap, sizeof(*g));
		if (g == NULL)
			return HZ_ERR_NOMEM;
		if (o->nrows)
			memcpy(g, o->rows, o->nrows * sizeof(*g));
		o->rows = g;
		p->cap = ncap;
	}
	o->rows[o->nrows].line = line;
	o->rows[o->nrows].n = p->nf;
	o->rows[o->nrows].f = p->fields;
	o->nrows++;
	p->fields = NULL;
	p->nf = p->fcap = 0;
	return HZ_OK;
}

/* The first line (1-based) that is not UTF-8 or holds a NUL. No UTF-8
 * sequence contains a newline byte, so lines can be checked alone. */
static size_t
first_bad_line(const char *s, size_t len)
{
	size_t line = 1;

	for (const char *end = s + len; s < end; line++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		if (!hz_utf8_valid(s, n) || memchr(s, '\0', n) != NULL)
			return line;
		s += n + 1;
	}
	return 1;
}

/* GBK (and GB 18030's two-byte part): ASCII, or a lead byte 0x81-0xFE
 * followed by a trail byte 0x40-0xFE other than 0x7F. Chinese text in
 * GBK is almost never valid UTF-8, and UTF-8's three-byte Chinese runs
 * rarely pair up as GBK to the end of a file; the caller has seen that
 * the text is not UTF-8. */
bool
hz_csv_is_gbk(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t pairs = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x80)
			continue;
		if (s[i] == 0x80 || s[i] == 0xff || i + 1 == len ||
		    s[i + 1] < 0x40 || s[i + 1] == 0x7f || s[i + 1] == 0xff)
			return false;
		i++;
		pairs++;
	}
	return pairs > 0;
}

enum hz_status
hz_csv_parse(hz_arena *a, const char *s, size_t len, struct hz_csv *out,
             size_t *bad_line, const char **why)
{
	struct parser p = { a, out, 0, NULL, 0, 0 };
	struct hz_buf b;
	size_t i = 0, line = 1, row_line = 1;
	enum hz_status rc;
	bool quoted = false, was_quoted = false;

	memset(out, 0, sizeof(*out));
	*bad_line = 0;
	*why = NULL;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if (!hz_utf8_valid(s + i, len - i) || memchr(s, '\0', len) != NULL) {
		*why = memchr(s, '\0', len) == NULL && hz_csv_is_gbk(s, len)
		    ? HZ_CSV_GBK_MESSAGE
		    : "文件不是 UTF-8 编码：请在 Excel 中“文件 → 另存为”，"
		    "保存类型选“CSV UTF-8 (逗号分隔)”，再导入";
		*bad_line = first_bad_line(s + i, len - i);
		return HZ_ERR_INVALID;
	}
	hz_buf_init(&b, a);
	for (; i < len; i++) {
		char c = s[i];

		if (quoted) {
			if (c == '"' && i + 1 < len && s[i + 1] == '"') {
				hz_buf_append(&b, "\"", 1);
				i++;
			} else if (c == '"')
				quoted = false;
			else {
				if (c == '\n')
					line++;
				hz_buf_append(&b, &c, 1);
			}
			continue;
		}
		if (c == '"') {
			if (b.len != 0 || was_quoted) {
				*why = "引号只能出现在字段开头";
				*bad_line = line;
				return HZ_ERR_INVALID;
			}
			quoted = was_quoted = true;
		} else if (c == ',') {
			if ((rc = push_field(&p, &b)))
				return rc;
			was_quoted = false;
		} else if (c == '\n' || c == '\r') {
			if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
				i++;
			if ((rc = push_field(&p, &b)) ||
			    (rc = push_row(&p, row_line)))
				return rc;
			was_quoted = false;
			row_line = ++line;
		} else if (was_quoted) {
			*why = "引号后面只能是逗号或换行";
			*bad_line = line;
			return HZ_ERR_INVALID;
		} else
			hz_buf_append(&b, &c, 1);
	}
	if (quoted) {
		*why = "引号没有闭合";
		*bad_line = row_line;
		return HZ_ERR_INVALID;
	}
	if (b.len > 0 || p.nf > 0 || was_quoted) {
		if ((rc = push_field(&p, &b)) || (rc = push_row(&p, row_line)))
			return rc;
	}
	return HZ_OK;
}

/* Whether a spreadsheet may run `s` as a formula. OWASP's list: = + - @
 * first, or a tab or carriage return first; and a spreadsheet also takes
 * = + - @ after leading spaces, and their full-width forms (＝ ＋ － ＠,
 * which a Chinese input method types) as the same signs. */
bool
hz_csv_formula_like(const char *s)
{
	static const char *const wide[] = {
		"\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d", "\xef\xbc\xa0",
	};

	if (s[0] == '\t' || s[0] == '\r')
		return true;
	while (*s == ' ')
		s++;
	if (*s != '\0' && strchr("=+-@", *s) != NULL)
		return true;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (strncmp(s, wide[i], 3) == 0)
			return true;
	return false;
}

void
hz_csv_field(struct hz_buf *b, const char *s, bool last)
{
	bool quote = s != NULL && strpbrk(s, ",\"\r\n") != NULL;

	if (s == NULL)
		s = "";
	if (quote)
		hz_buf_puts(b, "\"");
	if (hz_csv_formula_like(s))
		hz_buf_puts(b, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			hz_buf_puts(b, "\"");
		hz_buf_append(b, p, 1);
	}
	if (quote)
		hz_buf_puts(b, "\"");
	hz_buf_puts(b, last ? "\r\n" : ",");
}
