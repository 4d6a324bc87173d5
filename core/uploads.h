/* Photos uploaded before they are attached (sql/0006_uploads.sql). */
#ifndef HZ_UPLOADS_H
#define HZ_UPLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* HZ_OK if every id is an upload of the caller, else a 422 refusal on
 * "photos". */
enum hz_status hz_uploads_owned(const struct hz_ctx *, const uint64_t *ids,
                                size_t n);

#endif
