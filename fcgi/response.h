/* Writing responses. Every helper here completes the response; a handler
 * that called one just returns (after redis's ...OrReply helpers). Errors
 * always use the envelope of DESIGN.md:
 *   {"error":{"code","message","fields"?,"request_id"}} */
#ifndef HZ_RESPONSE_H
#define HZ_RESPONSE_H

#include <cjson/cJSON.h>

#include "json.h"
#include "request.h"
#include "status.h"

void hz_reply_json(struct hz_req *, int status, const cJSON *body);
void hz_reply_empty(struct hz_req *, int status);
/* A rendered object, or 500 when rendering ran out of memory (NULL): the
 * render helpers return NULL on any failure. */
void hz_reply_object(struct hz_req *, int status, const cJSON *body);
/* A body that is not JSON (an image, a CSV file). */
void hz_reply_bytes(struct hz_req *, int status, const char *content_type,
                    const void *data, size_t len);
void hz_reply_error(struct hz_req *, int status, const char *code,
                    const char *message);
/* 422 with per-field messages. */
void hz_reply_invalid(struct hz_req *, const struct hz_field_error *,
                      size_t n);
/* The one place core/ statuses become HTTP. */
void hz_reply_status(struct hz_req *, enum hz_status);
/* Adds "Name: value" to the response headers (before replying). */
void hz_reply_header(struct hz_req *, const char *name, const char *value);

#endif
