#ifndef HZ_UTF8_H
#define HZ_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above
 * U+10FFFF. Returns the number of code points, or -1 when invalid. */
long hz_utf8_count(const char *s, size_t len);
bool hz_utf8_valid(const char *s, size_t len);

#endif
