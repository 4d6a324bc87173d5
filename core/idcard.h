/* Identity document numbers. */
#ifndef HZ_IDCARD_H
#define HZ_IDCARD_H

#include <stdbool.h>
#include <stddef.h>

/* Document types, as stored (tenancies.id_type). */
bool hz_id_type_valid(const char *type);
extern const char *const hz_id_types[];    /* NULL-terminated */

/* Checks `number` for `type` and writes its normal form (upper case) to
 * out. A mainland resident ID (居民身份证) is 18 characters, the last the
 * GB 11643-1999 check character (ISO 7064 MOD 11-2), with a plausible
 * birth date (1900-01-01 up to `today`, yyyymmdd); other types get a
 * looser shape check. */
bool hz_id_number_valid(const char *type, const char *number, int today,
                        char out[32]);

/* The check character for the first 17 digits of a resident ID, or 0. */
char hz_id_check_char(const char *first17);

#endif
