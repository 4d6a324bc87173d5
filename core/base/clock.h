/* Times: stored in UTC (DATETIME(3), the connection's time_zone is +00:00),
 * shown in Asia/Shanghai as RFC 3339 with its offset. China has kept +08:00
 * without daylight saving since 1991, so the offset is fixed. */
#ifndef HZ_CLOCK_H
#define HZ_CLOCK_H

#include <stdbool.h>
#include <time.h>

#include "arena.h"

/* "2026-11-27 22:56:06.123" (UTC) → "2026-11-28T06:56:06.123+08:00";
 * NULL in, NULL out. */
const char *hz_time_local(hz_arena *, const char *db_utc);
/* Today in Shanghai as yyyymmdd. */
int         hz_today_local(time_t now);

/* An RFC 3339 date-time ("2026-12-01T08:00:00+08:00", "...Z", with or
 * without a fraction, which is dropped) → *out; false if it is not one. */
bool        hz_time_parse(const char *s, time_t *out);

/* yyyy-mm-dd → yyyymmdd if it is a real calendar date, else -1. */
int         hz_date_parse(const char *s);
/* Is y-m-d a day of the Gregorian calendar? */
bool        hz_date_valid(int y, int m, int d);

/* Milliseconds of CLOCK_MONOTONIC: for intervals within a process. */
long long   hz_mono_ms(void);

#endif
