#include <string.h>

#include "num.h"

bool
hz_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
             int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, lim;
	size_t i = 0;

	if (s == NULL || len == 0)
		return false;
	if (s[0] == '-') {
		if (min >= 0 || len == 1)
			return false;
		neg = true;
		i = 1;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return false;
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg) {
		int64_t r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN
		                                          : -(int64_t)v;
		if (r < min)
			return false;
		*out = r;
	} else {
		if ((int64_t)v > max || (int64_t)v < min)
			return false;
		*out = (int64_t)v;
	}
	return true;
}

bool
hz_parse_i64z(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return s != NULL && hz_parse_i64(s, strlen(s), min, max, out);
}
