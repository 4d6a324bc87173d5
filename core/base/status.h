/* Status codes returned by every core/ function that can fail.
 * HZ_OK is zero so that `if (rc) goto out;` reads naturally. The mapping to
 * HTTP lives in one place: fcgi/response.c. */
#ifndef HZ_STATUS_H
#define HZ_STATUS_H

enum hz_status {
	HZ_OK = 0,
	HZ_DONE,              /* iteration finished; not an error */
	HZ_ERR_NOMEM,
	HZ_ERR_INVALID,       /* input failed validation */
	HZ_ERR_UNAUTHORIZED,  /* no, bad or expired credentials */
	HZ_ERR_RATE_LIMITED,  /* too many attempts; try later */
	HZ_ERR_UPSTREAM,      /* a service we call (WeChat) failed */
	HZ_ERR_NOT_FOUND,     /* absent, or outside the caller's scope */
	HZ_ERR_FORBIDDEN,     /* in scope, but the role lacks the right */
	HZ_ERR_CONFLICT,      /* unique key or state conflict */
	HZ_ERR_GONE,          /* existed, withdrawn for good (a rotated code) */
	HZ_ERR_DISABLED,      /* a feature this deployment has not switched on */
	HZ_ERR_DB_UNAVAILABLE,/* cannot reach the database */
	HZ_ERR_DB_RETRY,      /* deadlock, lock wait, Galera certification */
	HZ_ERR_DB,            /* any other database error */
	HZ_ERR_IO,
	HZ_ERR_CONFIG,
	HZ_ERR_INTERNAL,
	HZ_ERR_TOO_LARGE,     /* a body over its limit (413) */
	HZ_ERR_MEDIA_TYPE,    /* content of a kind we do not take (415) */
	HZ_STATUS__MAX
};

const char *hz_status_str(enum hz_status);

#endif
