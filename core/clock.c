#include <stdio.h>
#include <string.h>

#include "clock.h"

#define SHANGHAI (8 * 3600)

const char *
hz_time_local(hz_arena *a, const char *s)
{
	struct tm tm;
	time_t t;
	int ms = 0;
	char buf[80];

	if (s == NULL)
		return NULL;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
		return NULL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) + SHANGHAI;
	gmtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms);
	return hz_arena_strdup(a, buf);
}

int
hz_today_local(time_t now)
{
	struct tm tm;
	time_t t = now + SHANGHAI;

	gmtime_r(&t, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}
