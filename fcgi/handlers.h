/* Handlers: thin, each one validate → call core/ → render. Their input
 * declarations (struct hz_field tables) live beside them. */
#ifndef HZ_HANDLERS_H
#define HZ_HANDLERS_H

#include "json.h"
#include "request.h"

void h_health(struct hz_req *);
void h_version(struct hz_req *);
void h_client_error(struct hz_req *);

extern const struct hz_field client_error_fields[];

#endif
