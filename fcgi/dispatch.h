#ifndef HZ_DISPATCH_H
#define HZ_DISPATCH_H

#include "request.h"
#include "router.h"

/* Prepares `req` for a new request on `arena` (fields zeroed, buffers
 * bound to the arena, ctx filled). */
void hz_req_init(struct hz_req *, hz_arena *, const struct hz_config *,
                 const struct hz_keys *, struct hz_db *);

/* Routes, checks the body against the route's declaration and runs the
 * handler. Always leaves a complete response in req->out. */
void hz_handle(struct hz_req *, const struct hz_route *table, size_t n);

#endif
