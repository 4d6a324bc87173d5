/* Sending text messages. The "log" sender (development and tests) appends
 * one line per message to sms_log: "time phone code text" for a login
 * code, "time phone msg text" for a notification; a real gateway is
 * another sender here, chosen by sms_sender for both. */
#ifndef HZ_SMS_H
#define HZ_SMS_H

#include "ctx.h"

enum hz_status hz_sms_send_code(const struct hz_ctx *, const char *phone,
                                const char *code);
/* A notification (outbox.h): `text` is the message, without the
 * signature. */
enum hz_status hz_sms_send_text(const struct hz_ctx *, const char *phone,
                                const char *text);

#endif
