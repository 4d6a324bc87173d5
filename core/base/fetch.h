/* One call to a service outside (WeChat, the SMS provider), made the way
 * every such call of huzu is: libcurl, http(s) only, TLS verified, no
 * redirects, no signals, one timeout for connecting and for the whole
 * call, and an answer of bounded size collected into the arena. */
#ifndef HZ_FETCH_H
#define HZ_FETCH_H

#include <stddef.h>

#include "arena.h"

struct hz_fetch {
	const char         *url;
	const char *const  *headers;   /* "Name: value" lines, or NULL */
	size_t              nheaders;
	const char         *body;      /* POSTed when not NULL */
	size_t              body_len;
	int                 timeout;   /* seconds */
	size_t              max;       /* larger answers fail the call */
};

/* Performs `f`. 0 when the call completed (whatever its status, in
 * *status), with the answer in *answer / *len (NUL-terminated, in `a`);
 * otherwise libcurl's error code (a timeout, no connection, an answer
 * over `max`), or -1 when memory ran out. */
int hz_fetch(hz_arena *a, const struct hz_fetch *f, long *status,
             char **answer, size_t *len);

#endif
