/* RFC 4180 CSV, UTF-8 with or without a byte-order mark, CRLF or LF. */
#ifndef HZ_CSV_H
#define HZ_CSV_H

#include <stddef.h>

#include <stdbool.h>

#include "arena.h"
#include "status.h"

struct hz_csv_row {
	size_t       line;     /* 1-based line where the row starts */
	size_t       n;
	const char **f;        /* n NUL-terminated fields */
};

struct hz_csv {
	size_t             nrows;
	struct hz_csv_row *rows;
};

/* On HZ_ERR_INVALID, *bad_line is where parsing failed and *why (Chinese)
 * says why: an unterminated quote, a quote inside an unquoted field,
 * invalid UTF-8 or a NUL byte; a file in GBK (what Excel's plain "CSV"
 * is on a Chinese Windows) gets HZ_CSV_GBK_MESSAGE. Blank lines are
 * skipped. */
#define HZ_CSV_GBK_MESSAGE \
	"文件是 GBK 编码（Excel 的“CSV (逗号分隔)”），请另存为\"CSV UTF-8\"：" \
	"在 Excel 中点 文件 → 另存为 → 保存类型选“CSV UTF-8 (逗号分隔)”，" \
	"保存后再导入"
/* Whether text that is not UTF-8 reads as GBK (byte pairs in its ranges,
 * at least one). */
bool hz_csv_is_gbk(const char *text, size_t len);

enum hz_status hz_csv_parse(hz_arena *, const char *text, size_t len,
                            struct hz_csv *, size_t *bad_line,
                            const char **why);

/* Appends one field of a row, quoted when it must be, then "," or (last)
 * CRLF. A field starting with = + - @ (after spaces too, and their
 * full-width ＝ ＋ － ＠), a tab or a CR gets a leading ' so that a
 * spreadsheet shows it rather than running it as a formula. NULL: empty. */
void hz_csv_field(struct hz_buf *, const char *s, bool last);
/* Whether hz_csv_field guards `s` so (the importer takes the ' off). */
bool hz_csv_formula_like(const char *s);

#endif
