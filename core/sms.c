#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sms.h"

/* The "log" sender: one line "time phone rest" per message, appended with
 * one write, so lines from several processes never interleave. */
static enum hz_status
log_line(const struct hz_ctx *x, const char *phone, const char *rest)
{
	char ts[32];
	const char *line;
	struct tm tm;
	size_t n;
	int fd;

	if (rest == NULL)
		return HZ_ERR_NOMEM;
	gmtime_r(&x->now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((line = hz_arena_printf(x->arena, "%s %s %s\n", ts, phone, rest))
	    == NULL)
		return HZ_ERR_NOMEM;
	n = strlen(line);
	if ((fd = open(x->cfg->sms_log, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600)) < 0) {
		hz_error("cannot open sms log", "file=%s error=\"%s\"",
		    x->cfg->sms_log, strerror(errno));
		return HZ_ERR_IO;
	}
	if (write(fd, line, n) != (ssize_t)n) {
		close(fd);
		return HZ_ERR_IO;
	}
	close(fd);
	return HZ_OK;
}

static bool
sender_known(const struct hz_ctx *x)
{
	if (strcmp(x->cfg->sms_sender, "log") == 0)
		return true;
	hz_error("unknown sms sender", "sender=%s", x->cfg->sms_sender);
	return false;
}

enum hz_status
hz_sms_send_code(const struct hz_ctx *x, const char *phone, const char *code)
{
	if (!sender_known(x))
		return HZ_ERR_CONFIG;
	return log_line(x, phone, hz_arena_printf(x->arena,
	    "%s 【户组】验证码 %s，5分钟内有效。", code, code));
}

enum hz_status
hz_sms_send_text(const struct hz_ctx *x, const char *phone, const char *text)
{
	char *t;

	if (!sender_known(x))
		return HZ_ERR_CONFIG;
	/* One message, one line. */
	if ((t = hz_arena_strdup(x->arena, text)) == NULL)
		return HZ_ERR_NOMEM;
	for (char *p = t; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return log_line(x, phone, hz_arena_printf(x->arena, "msg 【户组】%s",
	    t));
}
