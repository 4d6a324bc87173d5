/* Bounded numeric parsing (after OpenBSD strtonum and kcgi's child.c).
 * No atoi anywhere: every number from outside goes through these. */
#ifndef HZ_NUM_H
#define HZ_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses exactly [0-9]+ (no sign, no space, no leading '+'), value within
 * [min, max]. `len` bytes of `s` are read; the whole span must be digits. */
bool hz_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
                  int64_t *out);
/* Same as hz_parse_i64 on a NUL-terminated string. */
bool hz_parse_i64z(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
