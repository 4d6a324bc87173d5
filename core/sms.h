/* Sending text messages, through the sender sms_sender names:
 *
 * - "log" (development and tests) appends one line per message to
 *   sms_log: "time phone code text" for a login code, "time phone msg
 *   text" for a notification.
 * - "tencent": Tencent Cloud SMS (API 3.0 SendSms, sms_tencent.c). A
 *   message is a template the village registered with Tencent plus its
 *   parameters: the login code template gets {1} the code and {2} its
 *   lifetime in minutes; the notification template gets {1} a short label
 *   of what happened (hz_sms_notice_label) and {2} its number (README,
 *   "Text messages").
 *
 * A send is synchronous and lasts sms_timeout at most. What its status
 * means to the caller:
 *   HZ_OK            the gateway took the message
 *   HZ_ERR_INVALID   it can never go as it is (the gateway refuses this
 *                    number or this content): do not try again
 *   other errors     it may go later (a limit, a timeout, the gateway
 *                    down, or settings the operator must fix): try again
 * The logs name the phone masked (138****8000) and never the code, the
 * text or a secret. */
#ifndef HZ_SMS_H
#define HZ_SMS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ctx.h"

/* A login code, at once (the user is waiting). A failure is refused to
 * the user: sms_failed (502), or the phone field (422) for a number the
 * gateway cannot reach. */
enum hz_status hz_sms_send_code(const struct hz_ctx *, const char *phone,
                                const char *code);
/* A notification (outbox.h): `text` is the message, without the
 * signature; `kind` is the notification's kind and `ref` the number the
 * template shows (the complaint's, the registration's...). */
enum hz_status hz_sms_send_text(const struct hz_ctx *, const char *phone,
                                const char *kind, uint64_t ref,
                                const char *text);

/* "138****8000": all a log line may say of a phone. */
const char *hz_sms_masked(hz_arena *, const char *phone);
/* The notification template's {1} for a notification kind: 12 characters
 * at most (Tencent's limit for one parameter), never NULL. */
const char *hz_sms_notice_label(const char *kind);

/* --- Tencent Cloud SMS (sms_tencent.c). --- */

/* The TC3-HMAC-SHA256 Authorization header value for a POST to "/" of
 * `payload` with Content-Type "application/json; charset=utf-8" to
 * `host`, for `service`, at unix time `ts` (signed headers content-type
 * and host); NULL if out of memory. */
char *hz_tc3_authorization(hz_arena *, const char *secret_id,
                           const char *secret_key, const char *service,
                           const char *host, time_t ts,
                           const char *payload, size_t len);
/* What a Tencent answer code means: HZ_OK for "Ok"; HZ_ERR_INVALID when
 * the message can never go as it is (a bad or blocked number, content
 * refused); HZ_ERR_CONFIG for settings the operator must fix (the key,
 * the app id, the sign or a template, the balance); HZ_ERR_UPSTREAM for
 * anything else (limits, Tencent's own failures, codes unknown here). */
enum hz_status hz_sms_tencent_verdict(const char *code);
/* Sends template `template_id` with `params` to `phone` (11 digits, sent
 * as +86...). */
enum hz_status hz_sms_tencent_send(const struct hz_ctx *, const char *phone,
                                   const char *what, const char *template_id,
                                   const char *const *params, size_t n);

#endif
