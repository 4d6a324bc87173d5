#include <ctype.h>
#include <string.h>

#include "clock.h"
#include "idcard.h"

const char *const hz_id_types[] = {
	"resident_id", "hk_macao", "taiwan", "passport", "other", NULL,
};

bool
hz_id_type_valid(const char *type)
{
	for (int i = 0; type != NULL && hz_id_types[i]; i++)
		if (strcmp(type, hz_id_types[i]) == 0)
			return true;
	return false;
}

char
hz_id_check_char(const char *d)
{
	/* GB 11643-1999: weights 2^(17-i) mod 11, sum mod 11 mapped. */
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5,
	    8, 4, 2 };
	static const char map[] = "10X98765432";
	int sum = 0;

	for (int i = 0; i < 17; i++) {
		if (d[i] < '0' || d[i] > '9')
			return 0;
		sum += (d[i] - '0') * w[i];
	}
	return map[sum % 11];
}

/* Letters and digits only, within [min, max], upper-cased into out. */
static bool
alnum(const char *s, size_t min, size_t max, char out[32])
{
	size_t n = strlen(s);

	if (n < min || n > max || n > 31)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]))
			return false;
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[n] = '\0';
	return true;
}

bool
hz_id_number_valid(const char *type, const char *number, int today,
                   char out[32])
{
	if (type == NULL || number == NULL)
		return false;
	if (strcmp(type, "resident_id") == 0) {
		int y, m, d, birth;

		if (!alnum(number, 18, 18, out))
			return false;
		if (hz_id_check_char(out) != out[17])
			return false;
		/* Region code: provinces start 1 to 8 (GB/T 2260). */
		if (out[0] < '1' || out[0] > '8')
			return false;
		y = (out[6] - '0') * 1000 + (out[7] - '0') * 100 +
		    (out[8] - '0') * 10 + (out[9] - '0');
		m = (out[10] - '0') * 10 + (out[11] - '0');
		d = (out[12] - '0') * 10 + (out[13] - '0');
		birth = y * 10000 + m * 100 + d;
		return hz_date_valid(y, m, d) && y >= 1900 && birth <= today;
	}
	if (strcmp(type, "hk_macao") == 0)      /* H/M + 8 or 10 digits */
		return alnum(number, 9, 11, out) && (out[0] == 'H' ||
		    out[0] == 'M');
	if (strcmp(type, "taiwan") == 0)        /* 8 digits */
		return alnum(number, 8, 10, out);
	if (strcmp(type, "passport") == 0)
		return alnum(number, 5, 17, out);
	if (strcmp(type, "other") == 0)
		return alnum(number, 4, 30, out);
	return false;
}
