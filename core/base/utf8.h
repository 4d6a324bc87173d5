#ifndef HZ_UTF8_H
#define HZ_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above
 * U+10FFFF. Returns the number of code points, or -1 when invalid. */
long hz_utf8_count(const char *s, size_t len);
bool hz_utf8_valid(const char *s, size_t len);

/* Decodes the character at s (at most len bytes) into *cp and returns its
 * length in bytes, or 0 when s does not start with valid UTF-8. */
size_t hz_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* At most `max` characters of s, with "…" when cut (in the arena; s
 * itself when it is short enough, or on invalid UTF-8 from there on). */
const char *hz_utf8_clip(hz_arena *, const char *s, long max);

/* Characters that make text read other than it is: the bidirectional
 * controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), the
 * line and paragraph separators U+2028/U+2029, and the invisible
 * "default ignorable" format and filler characters (soft hyphen U+00AD,
 * zero widths U+200B..U+200D, U+2060..U+206F, U+FEFF, the Hangul fillers,
 * tags U+E0000..U+E007F, ...). Variation selectors (U+FE00..U+FE0F,
 * U+E0100..U+E01EF) are not among them: emoji and CJK variants need them. */
bool hz_utf8_hidden(uint32_t cp);

/* The first hidden character in valid UTF-8 text, or NULL. Two are let
 * through where emoji need them: U+200D (zero width joiner) between two
 * pictographs, as in 👨‍👩‍👧, and the tags (digits, small letters, cancel)
 * that spell a subdivision flag after U+1F3F4 🏴. */
const char *hz_utf8_find_hidden(const char *s, size_t len);

#endif
