#include "status.h"

static const char *const names[HZ_STATUS__MAX] = {
	[HZ_OK]                 = "ok",
	[HZ_DONE]               = "done",
	[HZ_ERR_NOMEM]          = "out of memory",
	[HZ_ERR_INVALID]        = "invalid input",
	[HZ_ERR_UNAUTHORIZED]   = "unauthorized",
	[HZ_ERR_RATE_LIMITED]   = "rate limited",
	[HZ_ERR_UPSTREAM]       = "upstream failure",
	[HZ_ERR_NOT_FOUND]      = "not found",
	[HZ_ERR_FORBIDDEN]      = "forbidden",
	[HZ_ERR_CONFLICT]       = "conflict",
	[HZ_ERR_GONE]           = "gone",
	[HZ_ERR_DISABLED]       = "disabled",
	[HZ_ERR_DB_UNAVAILABLE] = "database unavailable",
	[HZ_ERR_DB_RETRY]       = "database lock conflict",
	[HZ_ERR_DB]             = "database error",
	[HZ_ERR_IO]             = "i/o error",
	[HZ_ERR_CONFIG]         = "configuration error",
	[HZ_ERR_INTERNAL]       = "internal error",
	[HZ_ERR_TOO_LARGE]      = "too large",
	[HZ_ERR_MEDIA_TYPE]     = "unsupported media type",
};

const char *
hz_status_str(enum hz_status s)
{
	return (unsigned)s < HZ_STATUS__MAX && names[s] ? names[s] : "unknown";
}
