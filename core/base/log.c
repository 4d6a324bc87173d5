#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

static enum hz_log_level min_level = HZ_LOG_INFO;
/* getpid() is a system call on every line (glibc caches it no more):
 * kept here, and forgotten in a forked child. */
static pid_t log_pid;

static void
forget_pid(void)
{
	log_pid = 0;
}

static pid_t
my_pid(void)
{
	static bool hooked;

	if (!hooked)
		hooked = pthread_atfork(NULL, NULL, forget_pid) == 0;
	if (log_pid == 0 || !hooked)
		log_pid = getpid();
	return log_pid;
}
static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
hz_log_set_level(enum hz_log_level l)
{
	min_level = l;
}

int
hz_log_level_parse(const char *s, enum hz_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(*level_names); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum hz_log_level)i;
			return 0;
		}
	return -1;
}

void
hz_log(enum hz_log_level level, const char *msg, const char *fmt, ...)
{
	static char stamp[64];
	static time_t stamp_sec;
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;
	int k, saved = errno;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* The date and time to the second, made once a second. */
	if (ts.tv_sec != stamp_sec || stamp[0] == '\0') {
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		stamp_sec = ts.tv_sec;
	}
	k = snprintf(line, sizeof(line),
	    "ts=%s.%03ldZ level=%s pid=%ld msg=\"%s\"", stamp,
	    ts.tv_nsec / 1000000, level_names[level], (long)my_pid(), msg);
	n = k < 0 ? 0 : (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1;
	if (fmt != NULL && *fmt != '\0' && n < sizeof(line) - 2) {
		line[n++] = ' ';
		va_start(ap, fmt);
		k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
		if (k > 0)
			n += (size_t)k < sizeof(line) - n ? (size_t)k
			                                  : sizeof(line) - n - 1;
	}
	if (n >= sizeof(line) - 1) {
		n = sizeof(line) - 2;
		/* Cut at a character boundary, never inside one. */
		while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80)
			n--;
	}
	line[n++] = '\n';
	/* One write: atomic for O_APPEND files and pipes below PIPE_BUF. */
	(void)!write(STDERR_FILENO, line, n);
	errno = saved;
}

const char *
hz_log_quote(char *dst, size_t n, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (n < 3)
		return "\"\"";
	dst[o++] = '"';
	for (size_t i = 0; s != NULL && s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		if (o + 6 >= n)
			break;
		size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1, j;
		for (j = 1; j < k; j++)
			if (((unsigned char)s[i + j] & 0xc0) != 0x80)
				break;
		/* A whole character (not overlong, not a surrogate)? */
		size_t d = k > 1 && j == k ? hz_utf8_decode(s + i, k, &cp) : 0;
		if (d > 0 && (hz_utf8_hidden(cp) || cp < 0xa0)) {
			/* C1 controls, bidirectional controls and invisible
			 * characters: escaped, so that a line reads as it is. */
			int w = snprintf(dst + o, n - o, cp > 0xffff ? "\\U%08" PRIx32
			    : "\\u%04" PRIx32, cp);
			if (i + k > max || w < 0 || o + (size_t)w + 2 >= n) {
				dst[o] = '\0';
				break;
			}
			o += (size_t)w;
			i += k - 1;
		} else if (d > 0) {
			/* A multi-byte character goes whole or not at all. */
			if (i + k > max || o + k + 2 >= n)
				break;
			memcpy(dst + o, s + i, k);
			o += k;
			i += k - 1;
		} else if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Controls and bytes that are not UTF-8: escaped. */
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else
			dst[o++] = (char)c;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

int
hz_log_reopen(const char *path)
{
	int fd, saved;

	if (path == NULL || *path == '\0')
		return 0;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) < 0)
		return -1;
	/* dup2 clears FD_CLOEXEC on fd 2: children inherit the file. */
	if (fd != STDERR_FILENO && dup2(fd, STDERR_FILENO) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (fd != STDERR_FILENO)
		close(fd);
	return 0;
}
