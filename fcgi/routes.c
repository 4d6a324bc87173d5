/* Every endpoint of the API, one row each. fcgi/openapi.json must list
 * exactly these (tests/unit/test_routes.c checks it). */
#include "handlers.h"
#include "router.h"

const struct hz_route hz_routes[] = {
	/* method   path                          handler         access     body */
	{ HZ_GET,  "/api/v1/health",             h_health,       HZ_PUBLIC, NULL },
	{ HZ_GET,  "/api/v1/version",            h_version,      HZ_PUBLIC, NULL },
	{ HZ_POST, "/api/v1/client-errors",      h_client_error, HZ_PUBLIC, client_error_fields },
};

const size_t hz_nroutes = sizeof(hz_routes) / sizeof(hz_routes[0]);
