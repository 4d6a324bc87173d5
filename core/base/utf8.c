#include <stdint.h>
#include <string.h>

#include "utf8.h"

long
hz_utf8_count(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	long n = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t k;

		if (c < 0x80) {
			i++;
			n++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else
			return -1;
		if (len - i <= k)
			return -1;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		i += k + 1;
		n++;
	}
	return n;
}

bool
hz_utf8_valid(const char *s, size_t len)
{
	return hz_utf8_count(s, len) >= 0;
}

size_t
hz_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t k = len == 0 ? 0 : s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2
	    : s[0] < 0xf0 ? 3 : 4;

	if (k == 0 || k > len || hz_utf8_count(str, k) != 1)
		return 0;
	*cp = k == 1 ? s[0] : k == 2 ? s[0] & 0x1fu : k == 3 ? s[0] & 0x0fu
	    : s[0] & 0x07u;
	for (size_t j = 1; j < k; j++)
		*cp = (*cp << 6) | (s[j] & 0x3fu);
	return k;
}

bool
hz_utf8_hidden(uint32_t c)
{
	return c == 0x00ad || c == 0x034f || c == 0x061c ||
	    c == 0x115f || c == 0x1160 || c == 0x17b4 || c == 0x17b5 ||
	    (c >= 0x180b && c <= 0x180f) ||
	    (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x206f) ||
	    c == 0x3164 || c == 0xfeff || c == 0xffa0 ||
	    (c >= 0xfff0 && c <= 0xfffb) ||
	    (c >= 0x1bca0 && c <= 0x1bca3) ||
	    (c >= 0x1d173 && c <= 0x1d17a) ||
	    (c >= 0xe0000 && c <= 0xe0fff && !(c >= 0xe0100 && c <= 0xe01ef));
}

/* Pictographs and what may follow one inside an emoji sequence: symbols
 * and dingbats, the emoji planes, VS16 and the skin tones (U+1F3FB..). */
static bool
pictograph(uint32_t c)
{
	return (c >= 0x2190 && c <= 0x2bff) || c == 0xfe0f ||
	    (c >= 0x1f000 && c <= 0x1faff);
}

/* The tags that spell a subdivision flag: digits, small letters and the
 * cancel tag that ends the flag. */
static bool
flag_tag(uint32_t c)
{
	return (c >= 0xe0030 && c <= 0xe0039) ||
	    (c >= 0xe0061 && c <= 0xe007a) || c == 0xe007f;
}

const char *
hz_utf8_find_hidden(const char *s, size_t len)
{
	uint32_t c, prev = 0, next;
	size_t k;

	for (size_t i = 0; i < len; i += k, prev = c) {
		if ((k = hz_utf8_decode(s + i, len - i, &c)) == 0)
			return s + i;
		if (!hz_utf8_hidden(c))
			continue;
		if (c == 0x200d && pictograph(prev) &&
		    hz_utf8_decode(s + i + k, len - i - k, &next) > 0 &&
		    pictograph(next))
			continue;
		if (flag_tag(c) && (prev == 0x1f3f4 || flag_tag(prev)))
			continue;
		return s + i;
	}
	return NULL;
}

const char *
hz_utf8_clip(hz_arena *a, const char *s, long max)
{
	size_t off = 0, len = strlen(s);

	for (long n = 0; off < len; n++) {
		uint32_t cp;
		size_t k;

		if (n == max)
			return hz_arena_printf(a, "%.*s…", (int)off, s);
		if ((k = hz_utf8_decode(s + off, len - off, &cp)) == 0)
			break;
		off += k;
	}
	return s;
}
