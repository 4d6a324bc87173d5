/* Writing responses. Every helper here completes the response; a handler
 * that called one just returns (after redis's ...OrReply helpers). Errors
 * always use the envelope of DESIGN.md:
 *   {"error":{"code","message","fields"?,"request_id"}} */
#ifndef HZ_RESPONSE_H
#define HZ_RESPONSE_H

#include <cjson/cJSON.h>

#include "idempotency.h"
#include "json.h"
#include "request.h"
#include "status.h"

void hz_reply_json(struct hz_req *, int status, const cJSON *body);
void hz_reply_empty(struct hz_req *, int status);
/* A rendered object, or 500 when rendering ran out of memory (NULL): the
 * render helpers return NULL on any failure. */
void hz_reply_object(struct hz_req *, int status, const cJSON *body);
/* A number revealed on purpose (a phone, an ID number), audited by core:
 * rc's refusal, or 200 {key: value} (null when value is NULL). */
void hz_reply_revealed(struct hz_req *, enum hz_status rc, const char *key,
                       const char *value);
/* A body that is not JSON (an image, a CSV file). */
/* An answer too long to hold in memory (a CSV of every volunteer): the
 * status line and headers go out now, then each piece as it is written.
 * Start only once every check has passed: the status cannot change
 * afterwards. Without a sink (unit tests) the pieces collect in `out`. */
void           hz_reply_stream_start(struct hz_req *, int status,
                                     const char *content_type);
enum hz_status hz_reply_stream_write(struct hz_req *, const char *data,
                                     size_t len);

/* A CSV file streamed as core hands over its lines (model:
 * h_station_hours_csv): the status and headers go out with the first
 * line, the header row, which core writes once every check passed; then
 * each row. Give core hz_reply_csv_line with the struct as its argument,
 * then hand what core returned to hz_reply_csv_end. */
struct hz_csv_reply {
	struct hz_req *req;
	const char    *filename;   /* of the download: ASCII, no quotes */
	bool           started;
};
enum hz_status hz_reply_csv_line(void *csv_reply, const char *line,
                                 size_t len);
/* A refusal when nothing went out yet; else the file is cut short, and
 * the log says so. */
void           hz_reply_csv_end(struct hz_csv_reply *, enum hz_status);

void hz_reply_bytes(struct hz_req *, int status, const char *content_type,
                    const void *data, size_t len);
void hz_reply_error(struct hz_req *, int status, const char *code,
                    const char *message);
/* 422 with per-field messages. */
void hz_reply_invalid(struct hz_req *, const struct hz_field_error *,
                      size_t n);
/* Forgets an answer composed but not yet sent (nothing streamed), so that
 * another takes its place: an input refusal that the caller's standing
 * outranks (dispatch.c, HZ_CALLER_IN_READ). */
void hz_reply_withdraw(struct hz_req *);
/* The one place core/ statuses become HTTP. */
void hz_reply_status(struct hz_req *, enum hz_status);
/* The same, with `extra` beside "error" under `key` when rc is a refusal
 * (/health's galera object); otherwise `extra` is left out. */
void hz_reply_status_with(struct hz_req *, enum hz_status, const char *key,
                          cJSON *extra);
/* The capture hook of idempotency: the answer written so far (status,
 * content type, the extra headers and the body, pointing into req's
 * buffers). false when nothing complete was written. */
bool hz_reply_captured(const struct hz_req *, struct hz_idem_answer *);
/* Writes a stored answer again, byte for byte, with the header
 * Idempotent-Replayed: true. */
void hz_reply_replay(struct hz_req *, const struct hz_idem_answer *);
/* Adds "Name: value" to the response headers (before replying). */
void hz_reply_header(struct hz_req *, const char *name, const char *value);

#endif
