/* JSON in and out. cJSON does the parsing and printing; this module adds
 * what cJSON lacks (a strict RFC 8259 pass, UTF-8, nesting depth, embedded
 * NUL, duplicate keys) and declarative field validation (after kcgi's kvalid and kore's
 * validators): a handler declares its fields and receives typed values. */
#ifndef HZ_JSON_H
#define HZ_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "status.h"

/* Route cJSON's allocations to `a` (NULL: back to malloc). cJSON's hooks
 * are process-global; workers are single-threaded and serve one request
 * at a time, so the current request's arena is the right owner. Nodes
 * allocated this way are never freed one by one: never call cJSON_Delete
 * on them. */
void hz_json_use_arena(hz_arena *a);

/* Printing. cJSON prints every number through "%1.15g" and reads it back
 * with sscanf (localeconv() too): most of an answer's cost in libc, for
 * ids and counts that are integers. */

/* The decimal digits of v (INT64_MIN included) into out, which holds at
 * least HZ_I64_CHARS bytes, NUL-terminated; returns their length. */
#define HZ_I64_CHARS 21
size_t hz_fmt_i64(char *out, int64_t v);

/* A number appended to b: an integer a double holds exactly (magnitude
 * up to 2^53) as its digits by hz_fmt_i64, which below 1e15 is what
 * cJSON_PrintUnformatted prints too (above, cJSON drops digits: 2^53
 * becomes 9.00719925474099e+15); anything else (fractions, -0, beyond
 * 2^53) the way cJSON does; NaN and the infinities as null. */
void hz_json_put_number(struct hz_buf *b, double d);

/* A string as cJSON prints it (quotes, \" \\ \b \f \n \r \t, other
 * controls as \u00xx, the rest as it is), appended to b. */
void hz_json_put_string(struct hz_buf *b, const char *s);

/* The whole tree, byte for byte what cJSON_PrintUnformatted makes
 * (but for integers from 1e15 to 2^53, printed whole), appended to b
 * without an intermediate copy. False when cJSON would
 * fail too (a node of no known type, a raw node without text) or when b
 * ran out of memory (b->oom). */
bool hz_json_print(struct hz_buf *b, const cJSON *item);

/* Why a body was refused before validation; `code` is the API error code. */
struct hz_json_error {
	const char *code;     /* e.g. "malformed_json", "invalid_utf8" */
	const char *message;  /* Chinese, for the user */
};

/* Parses exactly `len` bytes into *out. The text must be one RFC 8259
 * JSON value with optional whitespace (space, tab, LF, CR) around it:
 * no BOM, comments, single quotes, trailing commas, NaN, leading zeros,
 * bad escapes or lone surrogates ("malformed_json"), valid UTF-8
 * ("invalid_utf8"), nested at most max_depth deep ("too_deep"), numbers
 * at most 63 characters long. HZ_ERR_INVALID with *err filled when not;
 * HZ_ERR_NOMEM ("out_of_memory"); HZ_ERR_INTERNAL ("malformed_json") if
 * cJSON refused what the strict pass took, which would be a bug here.
 *
 * "\u0000" is valid JSON, which cJSON would silently cut short there:
 * it is parsed as U+FFFD instead, and marked (hz_json_nul) on the root and
 * on each top-level member whose key or value held it, however deep.
 * hz_json_validate refuses a marked member as a field error; a caller
 * that reads the tree itself can test the root. */
enum hz_status hz_json_parse(const char *buf, size_t len, int max_depth,
                             cJSON **out, struct hz_json_error *err);

/* Did this node (the root, or a member of a root object) hold \u0000? */
bool hz_json_nul(const cJSON *node);

/* Input rules (after kcgi's kvalid): what a valid value of one input is,
 * declared once where the rule lives and used both by the front's field
 * tables (JSON bodies, query strings) and by core/ when it checks the
 * same value itself (the CLI, the importer):
 *
 *     const struct hz_rule hz_rule_person_name = {
 *             HZ_F_STRING, 1, 32, "请填写姓名（1 至 32 个字）" };
 *
 * `message` is shown for a value of the right type that breaks the rule;
 * a wrong type or a missing required value gets the validator's words. */
enum hz_ftype {
	HZ_F_STRING,     /* min..max code points */
	HZ_F_INT,        /* min..max */
	HZ_F_BOOL,
	HZ_F_ARRAY,      /* min..max items, each an object checked by `sub`
	                    or a value checked by `item` */
	HZ_F_ENUM,       /* one of `values` */
	HZ_F_DATE,       /* yyyy-mm-dd, a real calendar date */
	HZ_F_PHONE,      /* mainland mobile: 1[3-9] and 9 digits */
	HZ_F_ID,         /* a row id: 1 .. 2^53-1 (exact in JSON numbers) */
	HZ_F_TIME,       /* an RFC 3339 date-time with its offset; the value's
	                    `i` holds it as a time_t */
	HZ_F_OBJECT,     /* an object checked by `sub`; the value's `node`
	                    holds it */
};

enum {
	HZ_REQUIRED  = 1 << 0,  /* struct hz_field.flags */
	HZ_MULTILINE = 1 << 1,  /* struct hz_rule.flags: strings may hold
	                           \n, \r, \t */
	HZ_NAME      = 1 << 2,  /* struct hz_rule.flags: a name; no space
	                           (ASCII, U+00A0, U+3000) first or last, no
	                           full-width ＝＋－＠ first */
};

#define HZ_ID_MAX 9007199254740991LL

struct hz_field;

struct hz_rule {
	enum hz_ftype          type;
	int64_t                min;
	int64_t                max;
	const char            *message;  /* Chinese; NULL: generic words */
	const char *const     *values;   /* HZ_F_ENUM: NULL-terminated */
	unsigned               flags;
	const struct hz_field *sub;      /* HZ_F_ARRAY: the items' fields;
	                                    HZ_F_OBJECT: its fields */
	const char            *chars;    /* HZ_F_STRING: if set, the only
	                                    (ASCII) characters allowed */
	const struct hz_rule  *item;     /* HZ_F_ARRAY of values (ids...) */
};

#define HZ_CHARS_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789"

/* A rule written in place, for a field that needs no shared one:
 *     { "page", HZ_RULE(HZ_F_STRING, 0, 200), 0 } */
#define HZ_RULE(...) (&(const struct hz_rule){ __VA_ARGS__ })

/* Rules used in many places. */
extern const struct hz_rule hz_rule_id;       /* HZ_F_ID */
extern const struct hz_rule hz_rule_phone;    /* HZ_F_PHONE */
extern const struct hz_rule hz_rule_date;     /* HZ_F_DATE */
extern const struct hz_rule hz_rule_time;     /* HZ_F_TIME */

/* One input of a body or a query string: its name, its rule, and whether
 * it must be there. Tables end with a NULL name. */
struct hz_field {
	const char           *name;
	const struct hz_rule *rule;
	unsigned              flags;    /* HZ_REQUIRED */
};

struct hz_value {
	bool        present;
	const char *s;          /* strings, enums, dates, phones: NUL-terminated */
	size_t      len;        /* bytes */
	int64_t     i;          /* HZ_F_INT, HZ_F_ID; HZ_F_ARRAY: item count;
	                           HZ_F_TIME: the time_t */
	bool        b;          /* HZ_F_BOOL */
	const cJSON *node;      /* HZ_F_ARRAY: the array, items valid;
	                           HZ_F_OBJECT: the object, fields valid */
};

/* Does text `s` satisfy `rule` (a text-valued rule: string, enum, date,
 * phone)? NULL passes only when `optional`. For core/'s own checks. */
bool hz_rule_ok(const struct hz_rule *, const char *s, bool optional);
/* What a valid value looks like, in words: the rule's message, or words
 * made from its kind and bounds (an enum lists its values). */
const char *hz_rule_words(hz_arena *, const struct hz_rule *);

#define HZ_MAX_FIELDS 32

struct hz_field_error {
	const char *field;
	const char *message;    /* Chinese */
};

/* Checks `obj` against `fields` (terminated by a NULL name). Fills out[i]
 * for fields[i]. Unknown and duplicated keys are errors, not ignored, and
 * so is a member that held \u0000 (hz_json_nul). Strings holding
 * bidirectional controls or invisible characters (hz_utf8_find_hidden)
 * break every HZ_F_STRING rule, here and in hz_rule_ok.
 * Returns HZ_OK or HZ_ERR_INVALID with up to `maxerr` errors in errs. */
enum hz_status hz_json_validate(hz_arena *, const cJSON *obj,
                                const struct hz_field *fields,
                                struct hz_value *out,
                                struct hz_field_error *errs, size_t maxerr,
                                size_t *nerr);

/* The same for a text value that arrived outside JSON (a query string
 * parameter): strings, enums, dates, phones, ids and ints. NULL if it
 * passes, else the message; *out is filled. */
const char *hz_value_check(hz_arena *, const struct hz_rule *,
                           const char *text, struct hz_value *out);

#endif
