/* Sending text messages. The "log" sender (development and tests) appends
 * one line per message to sms_log; a real gateway is another sender here. */
#ifndef HZ_SMS_H
#define HZ_SMS_H

#include "ctx.h"

enum hz_status hz_sms_send_code(const struct hz_ctx *, const char *phone,
                                const char *code);

#endif
