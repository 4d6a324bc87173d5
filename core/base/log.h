/* One line per event, logfmt (key=value), written with a single write(2)
 * so lines from several workers never interleave. Never pass secrets,
 * tokens, codes or request bodies here; quote untrusted text with
 * hz_log_quote(). */
#ifndef HZ_LOG_H
#define HZ_LOG_H

#include <stddef.h>

enum hz_log_level { HZ_LOG_DEBUG, HZ_LOG_INFO, HZ_LOG_WARN, HZ_LOG_ERROR };

void hz_log_set_level(enum hz_log_level);
int  hz_log_level_parse(const char *, enum hz_log_level *);
/* `fmt` renders the key=value pairs after ts, level, pid and msg. */
void hz_log(enum hz_log_level, const char *msg, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
/* Writes `s` (at most `max` input bytes) as a double-quoted logfmt value
 * into dst (size n), escaping quotes, backslashes and control bytes (as
 * \xNN), bytes that are not UTF-8 (\xNN), and C1 controls, bidirectional
 * controls and invisible characters (hz_utf8_hidden; as \u202e, or
 * \U000e0041 above the BMP). */
const char *hz_log_quote(char *dst, size_t n, const char *s, size_t max);
/* Points stderr (where every line goes) at `path`, opened anew for
 * appending (created 0640 if missing): at start when log_file is set, and
 * again on SIGUSR1 after logrotate moved the file. An empty path does
 * nothing. On failure stderr is left as it was and -1 returned (errno
 * set). */
int hz_log_reopen(const char *path);

#define hz_info(msg, ...)  hz_log(HZ_LOG_INFO, msg, __VA_ARGS__)
#define hz_warn(msg, ...)  hz_log(HZ_LOG_WARN, msg, __VA_ARGS__)
#define hz_error(msg, ...) hz_log(HZ_LOG_ERROR, msg, __VA_ARGS__)

#endif
