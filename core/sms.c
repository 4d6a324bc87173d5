#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sms.h"

static const struct hz_refusal
    sms_failed = { HZ_ERR_UPSTREAM, "sms_failed", NULL,
	"短信暂时发不出去，请过几分钟再试" },
    sms_unreachable = { HZ_ERR_INVALID, "validation_failed", "phone",
	"这个手机号收不到短信，请检查号码是否正确" };

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

enum sender { S_UNKNOWN, S_LOG, S_TENCENT };

/* hz_config_load refuses other names; a config built by hand (the tests)
 * may still hold one. */
static enum sender
sender_of(const struct hz_ctx *x)
{
	if (strcmp(x->cfg->sms_sender, "log") == 0)
		return S_LOG;
	if (strcmp(x->cfg->sms_sender, "tencent") == 0)
		return S_TENCENT;
	hz_error("unknown sms sender", "sender=%s", x->cfg->sms_sender);
	return S_UNKNOWN;
}

const char *
hz_sms_masked(hz_arena *a, const char *phone)
{
	size_t n = phone ? strlen(phone) : 0;

	if (n < 8)
		return "****";
	return hz_arena_printf(a, "%.3s****%s", phone, phone + n - 4);
}

enum hz_status
hz_sms_send_code(const struct hz_ctx *x, const char *phone, const char *code)
{
	char minutes[16];
	const char *params[2] = { code, minutes };
	enum hz_status rc;

	switch (sender_of(x)) {
	case S_LOG:
		return log_line(x, phone, hz_arena_printf(x->arena,
		    "%s 【户组】验证码 %s，5分钟内有效。", code, code));
	case S_TENCENT:
		snprintf(minutes, sizeof(minutes), "%d",
		    (x->cfg->code_ttl + 59) / 60);
		rc = hz_sms_tencent_send(x, phone, "code",
		    x->cfg->sms_template_code, params, 2);
		if (rc == HZ_OK || rc == HZ_ERR_NOMEM)
			return rc;
		/* The user is waiting: tell them, in their words. */
		return hz_refuse(x, rc == HZ_ERR_INVALID ? &sms_unreachable :
		    &sms_failed);
	default:
		return HZ_ERR_CONFIG;
	}
}

/* Labels of what happened, for the notification template's {1}: twelve
 * characters at most, nothing personal (the text itself, which may name
 * an address or a reason, stays in the portal). */
static const struct {
	const char *kind;
	const char *label;
} labels[] = {
	{ "complaint.new",      "有新诉求待受理" },
	{ "complaint.update",   "您的诉求有新进展" },
	{ "complaint.assigned", "有诉求待您办理" },
	{ "tenancy.new",        "有居住登记待审核" },
	{ "tenancy.approved",   "居住登记已通过" },
	{ "tenancy.rejected",   "居住登记未通过" },
	{ "shift.confirmed",    "志愿报名已确认" },
	{ "shift.promoted",     "候补已转为报名" },
	{ "shift.waiting",      "志愿报名在候补" },
	{ "shift.removed",      "志愿报名已取消" },
	{ "shift.cancelled",    "志愿活动已取消" },
	{ "shift.reminder",     "志愿活动即将开始" },
	{ "shift.no_show",      "志愿活动未签到" },
	{ "volunteer.paused",   "志愿报名已暂停" },
	{ "checklist.new",      "本月工作清单已下发" },
	{ "checklist.remind",   "工作清单尚未完成" },
	{ "directive.new",      "有新的工作通知" },
	{ "directive.remind",   "工作通知尚未办结" },
};

const char *
hz_sms_notice_label(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].kind, kind) == 0)
			return labels[i].label;
	return "您有一条新通知";
}

enum hz_status
hz_sms_send_text(const struct hz_ctx *x, const char *phone, const char *kind,
                 uint64_t ref, const char *text)
{
	char num[24];
	const char *params[2] = { hz_sms_notice_label(kind), num };
	char *t;

	switch (sender_of(x)) {
	case S_LOG:
		/* One message, one line. */
		if ((t = hz_arena_strdup(x->arena, text)) == NULL)
			return HZ_ERR_NOMEM;
		for (char *p = t; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		return log_line(x, phone, hz_arena_printf(x->arena,
		    "msg 【户组】%s", t));
	case S_TENCENT:
		snprintf(num, sizeof(num), "%llu", (unsigned long long)ref);
		return hz_sms_tencent_send(x, phone, "notice",
		    x->cfg->sms_template_notice, params, 2);
	default:
		return HZ_ERR_CONFIG;
	}
}
