/* The append-only audit log (sql/0001_audit_log.sql): every state change,
 * every login, every staff read of full PII. */
#ifndef HZ_AUDIT_H
#define HZ_AUDIT_H

#include <stdint.h>

#include "ctx.h"

/* `detail` is a JSON object text or NULL; never put secrets, codes or
 * clear PII in it. The actor is the context's caller unless actor != 0. */
enum hz_status hz_audit(const struct hz_ctx *, uint64_t actor,
                        const char *action, const char *target_type,
                        uint64_t target_id, const char *detail);

#endif
