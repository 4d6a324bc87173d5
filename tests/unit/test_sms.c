/* The SMS senders: Tencent's TC3-HMAC-SHA256 signature against Tencent's
 * own published example, what each answer code means, the labels of the
 * notification template, the config refused at load, and the sender
 * against a fake gateway (a forked process on a local port): a login code
 * refused to the user, a notification given up or tried again, two
 * runners sending each text once, a slow gateway stopping the run in
 * time. */
#include "unit.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbfixture.h"
#include "outbox.h"
#include "sms.h"
#include "utf8.h"

/* Tencent's example ("Signature v3", API 3.0 documentation): a CVM
 * DescribeInstances call from Guangzhou at 1551113065. */
#define EX_ID      "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
#define EX_KEY     "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
#define EX_HOST    "cvm.tencentcloudapi.com"
#define EX_TS      1551113065
#define EX_PAYLOAD "{\"Limit\": 1, \"Filters\": [{\"Values\": " \
	"[\"\\u672a\\u547d\\u540d\"], \"Name\": \"instance-name\"}]}"
#define EX_AUTH    "TC3-HMAC-SHA256 Credential=" EX_ID "/2019-02-25/cvm/" \
	"tc3_request, SignedHeaders=content-type;host, Signature=" \
	"72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"

static hz_arena *a;

static char *
sign(const char *id, const char *key, const char *service, const char *host,
     time_t ts, const char *payload)
{
	return hz_tc3_authorization(a, id, key, service, host, ts, payload,
	    strlen(payload));
}

static void
signature_matches_tencents_example(void **state)
{
	(void)state;
	assert_string_equal(sign(EX_ID, EX_KEY, "cvm", EX_HOST, EX_TS,
	    EX_PAYLOAD), EX_AUTH);
	/* An earlier edition of the same page, with the key masked as
	 * "*******", published this one. */
	assert_string_equal(sign("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
	    "Gu5t9xGARNpq86cd98joQYCN3*******", "cvm", EX_HOST, EX_TS,
	    EX_PAYLOAD), "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WF"
	    "kmLPx3*******/2019-02-25/cvm/tc3_request, SignedHeaders=content-"
	    "type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d7"
	    "78ab3738f756258d7652c");
}

/* 1551113065 is 2019-02-26 00:44 in Shanghai: the credential's date is
 * still UTC's 2019-02-25 (Tencent's own warning). */
static void
the_date_is_utcs_in_any_time_zone(void **state)
{
	const char *tz = getenv("TZ");
	char *saved = tz ? strdup(tz) : NULL;

	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	assert_string_equal(sign(EX_ID, EX_KEY, "cvm", EX_HOST, EX_TS,
	    EX_PAYLOAD), EX_AUTH);
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* Each input is signed: change any and the signature changes. */
static void
every_input_changes_the_signature(void **state)
{
	const char *sig = strstr(EX_AUTH, "Signature=");
	const char *variants[] = {
		sign(EX_ID, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLF", "cvm", EX_HOST,
		    EX_TS, EX_PAYLOAD),
		sign(EX_ID, EX_KEY, "sms", EX_HOST, EX_TS, EX_PAYLOAD),
		sign(EX_ID, EX_KEY, "cvm", "sms.tencentcloudapi.com", EX_TS,
		    EX_PAYLOAD),
		sign(EX_ID, EX_KEY, "cvm", EX_HOST, EX_TS + 1, EX_PAYLOAD),
		sign(EX_ID, EX_KEY, "cvm", EX_HOST, EX_TS, "{\"Limit\": 2}"),
		sign(EX_ID, EX_KEY, "cvm", EX_HOST, EX_TS, ""),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		assert_non_null(variants[i]);
		assert_null(strstr(variants[i], sig));
		assert_non_null(strstr(variants[i], "Signature="));
		/* The secret key never appears in what is sent. */
		assert_null(strstr(variants[i], "Gu5t9x"));
	}
	/* The scope names the service; the date moves with the time. */
	assert_non_null(strstr(variants[1], "/2019-02-25/sms/tc3_request"));
	assert_non_null(strstr(sign(EX_ID, EX_KEY, "sms", EX_HOST,
	    EX_TS + 86400, EX_PAYLOAD), "/2019-02-26/sms/tc3_request"));
}

static void
answer_codes_mean_sent_never_or_later(void **state)
{
	(void)state;
	assert_int_equal(hz_sms_tencent_verdict("Ok"), HZ_OK);
	/* Case matters: only Tencent's exact "Ok" is a success. */
	assert_int_not_equal(hz_sms_tencent_verdict("ok"), HZ_OK);
	assert_int_not_equal(hz_sms_tencent_verdict("OK"), HZ_OK);
	assert_int_equal(hz_sms_tencent_verdict(NULL), HZ_ERR_UPSTREAM);
	assert_int_equal(hz_sms_tencent_verdict(""), HZ_ERR_UPSTREAM);
	/* This number, this content: never. */
	assert_int_equal(hz_sms_tencent_verdict(
	    "InvalidParameterValue.IncorrectPhoneNumber"), HZ_ERR_INVALID);
	assert_int_equal(hz_sms_tencent_verdict(
	    "InvalidParameterValue.TemplateParameterLengthLimit"),
	    HZ_ERR_INVALID);
	assert_int_equal(hz_sms_tencent_verdict(
	    "FailedOperation.PhoneNumberInBlacklist"), HZ_ERR_INVALID);
	assert_int_equal(hz_sms_tencent_verdict(
	    "FailedOperation.ContainSensitiveWord"), HZ_ERR_INVALID);
	assert_int_equal(hz_sms_tencent_verdict(
	    "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone"),
	    HZ_ERR_INVALID);
	assert_int_equal(hz_sms_tencent_verdict(
	    "MissingParameter.EmptyPhoneNumberSet"), HZ_ERR_INVALID);
	/* The operator's settings: later, once fixed. */
	assert_int_equal(hz_sms_tencent_verdict("AuthFailure.SignatureFailure"),
	    HZ_ERR_CONFIG);
	assert_int_equal(hz_sms_tencent_verdict("AuthFailure.SecretIdNotFound"),
	    HZ_ERR_CONFIG);
	assert_int_equal(hz_sms_tencent_verdict(
	    "InvalidParameterValue.SdkAppIdNotExist"), HZ_ERR_CONFIG);
	assert_int_equal(hz_sms_tencent_verdict(
	    "FailedOperation.TemplateIncorrectOrUnapproved"), HZ_ERR_CONFIG);
	assert_int_equal(hz_sms_tencent_verdict(
	    "FailedOperation.InsufficientBalanceInSmsPackage"), HZ_ERR_CONFIG);
	assert_int_equal(hz_sms_tencent_verdict(
	    "UnauthorizedOperation.SmsSdkAppIdVerifyFail"), HZ_ERR_CONFIG);
	/* Limits and Tencent's own trouble: later. */
	assert_int_equal(hz_sms_tencent_verdict(
	    "LimitExceeded.PhoneNumberOneHourLimit"), HZ_ERR_UPSTREAM);
	assert_int_equal(hz_sms_tencent_verdict(
	    "LimitExceeded.PhoneNumberDailyLimit"), HZ_ERR_UPSTREAM);
	assert_int_equal(hz_sms_tencent_verdict("RequestLimitExceeded"),
	    HZ_ERR_UPSTREAM);
	assert_int_equal(hz_sms_tencent_verdict("InternalError.Timeout"),
	    HZ_ERR_UPSTREAM);
	assert_int_equal(hz_sms_tencent_verdict("Something.New"),
	    HZ_ERR_UPSTREAM);
}

static long
chars(const char *s)
{
	return hz_utf8_count(s, strlen(s));
}

static void
labels_fit_one_template_parameter(void **state)
{
	const char *kinds[] = {
		"complaint.new", "complaint.update", "complaint.assigned",
		"tenancy.approved", "tenancy.rejected", "shift.confirmed",
		"shift.promoted", "shift.waiting", "shift.removed",
		"shift.cancelled", "shift.reminder", "shift.no_show",
		"volunteer.paused", "tenancy.new", "checklist.new",
		"checklist.remind", "directive.new", "directive.remind",
	};
	const char *other = hz_sms_notice_label("no.such.kind");

	(void)state;
	assert_string_equal(hz_sms_notice_label(NULL), other);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *l = hz_sms_notice_label(kinds[i]);

		assert_string_not_equal(l, other);
		/* Tencent refuses a parameter over 12 characters (accounts
		 * not certified as an organisation). */
		assert_true(chars(l) >= 4 && chars(l) <= 12);
	}
	assert_true(chars(other) <= 12);
}

static void
a_phone_is_masked_in_logs(void **state)
{
	(void)state;
	assert_string_equal(hz_sms_masked(a, "13800138000"), "138****8000");
	assert_string_equal(hz_sms_masked(a, "123"), "****");
	assert_string_equal(hz_sms_masked(a, NULL), "****");
}

/* --- The config. --- */

static char conf_path[64], secrets_path[64];

/* Writes a config with `lines` and a secrets file with `secrets` (mode
 * 0600), loads it: the status, the reason in err. */
static enum hz_status
load(const char *lines, const char *secrets, char *err, size_t n)
{
	struct hz_config c;
	FILE *f;

	snprintf(secrets_path, sizeof(secrets_path), "/tmp/huzu-sms-s.%d",
	    (int)getpid());
	snprintf(conf_path, sizeof(conf_path), "/tmp/huzu-sms-c.%d",
	    (int)getpid());
	assert_non_null(f = fopen(secrets_path, "w"));
	fprintf(f, "db_password = x\n%s", secrets);
	fclose(f);
	chmod(secrets_path, 0600);
	assert_non_null(f = fopen(conf_path, "w"));
	fprintf(f, "secrets_file = %s\n%s", secrets_path, lines);
	fclose(f);
	err[0] = '\0';
	return hz_config_load(&c, conf_path, err, n);
}

#define TENCENT_ALL "sms_sender = tencent\nsms_tencent_secret_id = AKIDx\n" \
	"sms_tencent_app_id = 1400000000\nsms_sign_name = 某某村\n" \
	"sms_template_code = 100001\nsms_template_notice = 100002\n"

static void
a_tencent_config_without_its_keys_is_refused(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(load("sms_sender = log\n", "", err, sizeof(err)),
	    HZ_OK);
	assert_int_equal(load(TENCENT_ALL, "sms_tencent_secret_key = k\n", err,
	    sizeof(err)), HZ_OK);

	assert_int_equal(load("sms_sender = tencent\n", "", err, sizeof(err)),
	    HZ_ERR_CONFIG);
	assert_non_null(strstr(err, "sms_tencent_secret_id"));
	assert_non_null(strstr(err, "sms_tencent_app_id"));
	assert_non_null(strstr(err, "sms_sign_name"));
	assert_non_null(strstr(err, "sms_template_code"));
	assert_non_null(strstr(err, "sms_template_notice"));

	/* One missing: named alone. */
	assert_int_equal(load(TENCENT_ALL "sms_template_notice =\n",
	    "sms_tencent_secret_key = k\n", err, sizeof(err)), HZ_ERR_CONFIG);
	assert_non_null(strstr(err, "sms_template_notice"));
	assert_null(strstr(err, "sms_template_code"));

	/* The key belongs in the secrets file, and must be there. */
	assert_int_equal(load(TENCENT_ALL, "", err, sizeof(err)),
	    HZ_ERR_CONFIG);
	assert_non_null(strstr(err, "sms_tencent_secret_key"));
	assert_int_equal(load(TENCENT_ALL "sms_tencent_secret_key = k\n", "",
	    err, sizeof(err)), HZ_ERR_CONFIG);
	assert_non_null(strstr(err, "unknown key sms_tencent_secret_key"));

	assert_int_equal(load("sms_sender = aliyun\n", "", err, sizeof(err)),
	    HZ_ERR_CONFIG);
	assert_non_null(strstr(err, "log or tencent"));
	unlink(conf_path);
	unlink(secrets_path);
}

/* --- Against a fake gateway. --- */

struct fake {
	pid_t pid;
	int   port;
	char  seen[64];   /* the last request, as received */
	char  all[64];    /* every request, one after the other */
};

/* How long the next fake gateway takes over each answer. */
static int fake_delay_ms;

/* Reads one HTTP request (headers, then Content-Length bytes). */
static size_t
read_request(int fd, char *buf, size_t n)
{
	size_t got = 0, want = 0;
	char *end;

	while (got + 1 < n) {
		ssize_t r = read(fd, buf + got, n - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			char *cl = strcasestr(buf, "\r\nContent-Length:");

			want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 17,
			    NULL, 10) : 0);
			if (got >= want)
				break;
		}
	}
	buf[got] = '\0';
	return got;
}

/* A gateway answering every request with `answer` (HTTP 200) after
 * fake_delay_ms, one request at a time, writing the last request it got
 * to f->seen and appending each to f->all. */
static void
fake_start(struct fake *f, const char *answer)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	f->port = ntohs(sa.sin_port);
	snprintf(f->seen, sizeof(f->seen), "/tmp/huzu-sms-seen.%d",
	    (int)getpid());
	snprintf(f->all, sizeof(f->all), "/tmp/huzu-sms-all.%d",
	    (int)getpid());
	unlink(f->seen);
	unlink(f->all);
	if ((f->pid = fork()) == 0) {
		static char req[65536];

		for (;;) {
			int c = accept(s, NULL, NULL);
			size_t n;
			FILE *out;
			char *resp;

			if (c < 0)
				_exit(0);
			n = read_request(c, req, sizeof(req));
			if ((out = fopen(f->seen, "w")) != NULL) {
				fwrite(req, 1, n, out);
				fclose(out);
			}
			if ((out = fopen(f->all, "a")) != NULL) {
				fwrite(req, 1, n, out);
				fputc('\n', out);
				fclose(out);
			}
			if (fake_delay_ms > 0)
				usleep((useconds_t)fake_delay_ms * 1000);
			if (asprintf(&resp, "HTTP/1.1 200 OK\r\nContent-Type: "
			    "application/json\r\nContent-Length: %zu\r\n"
			    "Connection: close\r\n\r\n%s", strlen(answer),
			    answer) > 0) {
				if (write(c, resp, strlen(resp)) < 0)
					_exit(1);
				free(resp);
			}
			close(c);
		}
	}
	close(s);
	assert_true(f->pid > 0);
}

static void
fake_stop(struct fake *f)
{
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	unlink(f->seen);
	unlink(f->all);
}

/* How many requests the gateway got for notification `id` (one without a
 * subject: the template's number is its own). */
static int
fake_sends(struct fake *f, uint64_t id)
{
	static char buf[1 << 20];
	char needle[64];
	FILE *in = fopen(f->all, "r");
	size_t n = 0;
	int hits = 0;

	if (in != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, in);
		fclose(in);
	}
	buf[n] = '\0';
	snprintf(needle, sizeof(needle), "\",\"%llu\"]",
	    (unsigned long long)id);
	for (char *p = buf; (p = strstr(p, needle)) != NULL; p++)
		hits++;
	return hits;
}

static char *
fake_seen(struct fake *f)
{
	static char buf[65536];
	FILE *in = fopen(f->seen, "r");
	size_t n;

	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf) - 1, in);
	fclose(in);
	buf[n] = '\0';
	return buf;
}

static struct hz_config tc;

/* The fixture's config, sending through Tencent at `port` (0: nobody
 * listens). */
static struct hz_ctx
tencent_at(int port)
{
	struct hz_ctx x = fx;

	tc = fx_cfg;
	snprintf(tc.sms_sender, sizeof(tc.sms_sender), "tencent");
	snprintf(tc.sms_tencent_url, sizeof(tc.sms_tencent_url),
	    "http://127.0.0.1:%d", port ? port : 1);
	snprintf(tc.sms_tencent_secret_id, sizeof(tc.sms_tencent_secret_id),
	    "AKID-unit");
	snprintf(tc.sms_tencent_app_id, sizeof(tc.sms_tencent_app_id),
	    "1400000001");
	snprintf(tc.sms_sign_name, sizeof(tc.sms_sign_name), "测试村");
	snprintf(tc.sms_template_code, sizeof(tc.sms_template_code), "1001");
	snprintf(tc.sms_template_notice, sizeof(tc.sms_template_notice),
	    "1002");
	tc.sms_timeout = 2;
	tc.code_ttl = 300;
	if (hz_secret(&tc, "sms_tencent_secret_key") == NULL) {
		snprintf(tc.secrets.kv[tc.secrets.n].name,
		    sizeof(tc.secrets.kv[0].name), "sms_tencent_secret_key");
		snprintf(tc.secrets.kv[tc.secrets.n].value,
		    sizeof(tc.secrets.kv[0].value), "unit-secret-key");
		tc.secrets.n++;
	}
	x.cfg = &tc;
	return x;
}

#define OK_ANSWER "{\"Response\":{\"SendStatusSet\":[{" \
	"\"SerialNo\":\"5000:1\",\"PhoneNumber\":\"+8613800138000\"," \
	"\"Fee\":1,\"Code\":\"Ok\"," \
	"\"Message\":\"send success\"}],\"RequestId\":\"a0aabda6-cf91-4f3e\"}}"
#define PERMANENT_ANSWER "{\"Response\":{\"SendStatusSet\":[{\"Code\":" \
	"\"InvalidParameterValue.IncorrectPhoneNumber\",\"Message\":\"x\"}]," \
	"\"RequestId\":\"r-2\"}}"
#define LIMIT_ANSWER "{\"Response\":{\"Error\":{\"Code\":" \
	"\"LimitExceeded.PhoneNumberOneHourLimit\",\"Message\":\"x\"}," \
	"\"RequestId\":\"r-3\"}}"

static void
a_login_code_goes_to_tencent_signed(void **state)
{
	struct fake f;
	struct hz_ctx x;
	char *req, *body;

	(void)state;
	FX_NEED_DB();
	fake_start(&f, OK_ANSWER);
	x = tencent_at(f.port);
	assert_int_equal(hz_sms_send_code(&x, "13800138000", "654321"), HZ_OK);
	req = fake_seen(&f);
	fake_stop(&f);
	assert_true(strncmp(req, "POST / HTTP/1.1\r\n", 17) == 0);
	assert_non_null(strstr(req, "\r\nX-TC-Action: SendSms\r\n"));
	assert_non_null(strstr(req, "\r\nX-TC-Version: 2021-01-11\r\n"));
	assert_non_null(strstr(req, "\r\nX-TC-Region: ap-guangzhou\r\n"));
	assert_non_null(strstr(req, "\r\nContent-Type: application/json; "
	    "charset=utf-8\r\n"));
	assert_non_null(strstr(req, hz_arena_printf(fx.arena, "\r\nHost: "
	    "127.0.0.1:%d\r\n", f.port)));
	assert_non_null(strstr(req, "\r\nAuthorization: TC3-HMAC-SHA256 "
	    "Credential=AKID-unit/"));
	assert_null(strstr(req, "unit-secret-key"));
	body = strstr(req, "\r\n\r\n") + 4;
	assert_string_equal(body, "{\"PhoneNumberSet\":[\"+8613800138000\"],"
	    "\"SmsSdkAppId\":\"1400000001\",\"SignName\":\"测试村\","
	    "\"TemplateId\":\"1001\",\"TemplateParamSet\":[\"654321\",\"5\"]}");
	/* Signed as sent: the same inputs give the header received. */
	{
		char *ts = strstr(req, "\r\nX-TC-Timestamp: ") + 17;
		char *auth = sign("AKID-unit", "unit-secret-key", "sms",
		    hz_arena_printf(fx.arena, "127.0.0.1:%d", f.port),
		    (time_t)strtoll(ts, NULL, 10), body);

		assert_non_null(strstr(req, hz_arena_printf(fx.arena,
		    "\r\nAuthorization: %s\r\n", auth)));
	}
}

static void
a_login_code_that_cannot_go_is_refused_to_the_user(void **state)
{
	struct fake f;
	struct hz_ctx x;

	(void)state;
	FX_NEED_DB();
	/* Nobody listening: try again later. */
	x = tencent_at(0);
	fx_why.code = NULL;
	assert_int_equal(hz_sms_send_code(&x, "13800138000", "654321"),
	    HZ_ERR_UPSTREAM);
	assert_string_equal(fx_why.code, "sms_failed");
	/* A number Tencent cannot reach: the phone field. */
	fake_start(&f, PERMANENT_ANSWER);
	x = tencent_at(f.port);
	fx_why.code = NULL;
	assert_int_equal(hz_sms_send_code(&x, "13800138000", "654321"),
	    HZ_ERR_INVALID);
	fake_stop(&f);
	assert_string_equal(fx_why.code, "validation_failed");
	assert_string_equal(fx_why.field, "phone");
	/* No key (a process that wiped its copy): nothing is sent. */
	fake_start(&f, OK_ANSWER);
	x = tencent_at(f.port);
	for (size_t i = 0; i < tc.secrets.n; i++)
		if (strcmp(tc.secrets.kv[i].name,
		    "sms_tencent_secret_key") == 0)
			tc.secrets.kv[i].value[0] = '\0';
	fx_why.code = NULL;
	assert_int_equal(hz_sms_send_code(&x, "13800138000", "654321"),
	    HZ_ERR_UPSTREAM);
	assert_string_equal(fx_why.code, "sms_failed");
	assert_int_equal(access(f.seen, F_OK), -1);
	fake_stop(&f);
	/* Nonsense (not Tencent's JSON): later. */
	fake_start(&f, "<html>busy</html>");
	x = tencent_at(f.port);
	assert_int_equal(hz_sms_send_code(&x, "13800138000", "654321"),
	    HZ_ERR_UPSTREAM);
	fake_stop(&f);
}

enum { S_PARK, S_AGE, S_ATTEMPTS, S_SENT, S_GIVEN_UP, S_DUE_IN, S_TRIED,
	S__MAX };
static const char *const sql[S__MAX] = {
	/* What earlier runs left due in the past: out of the way. */
	[S_PARK] = "UPDATE notifications SET next_try_at = '9999-12-31'"
	    " WHERE sent_at IS NULL AND next_try_at < '2005-01-01' AND ? > 0",
	[S_AGE] = "UPDATE notifications SET next_try_at = '2001-01-01'"
	    " WHERE id = ?",
	[S_ATTEMPTS] = "SELECT attempts FROM notifications WHERE id = ?",
	[S_SENT] = "SELECT COUNT(*) FROM notifications WHERE id = ?"
	    " AND sent_at IS NOT NULL",
	[S_GIVEN_UP] = "SELECT COUNT(*) FROM notifications WHERE id = ?"
	    " AND next_try_at = '9999-12-31'",
	[S_DUE_IN] = "SELECT TIMESTAMPDIFF(SECOND, '2001-01-01', next_try_at)"
	    " FROM notifications WHERE id = ?",
	/* Failed many times already, and due again on 2001-01-01. */
	[S_TRIED] = "UPDATE notifications SET attempts = 20,"
	    " next_try_at = '2001-01-01' WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_sms", sql);

/* A notification for a new resident, due on 2001-01-01 and alone then. */
static uint64_t
queued(const char *kind, uint64_t subject)
{
	struct hz_notification *v;
	struct hz_page p = { 0, 1 };
	struct hz_caller c;
	struct hz_ctx x;
	uint64_t user;
	size_t n;
	bool more, created;
	long long unread;

	assert_int_equal(hz_resident_by_phone(&fx, fx_phone(), &user,
	    &created), HZ_OK);
	assert_int_equal(hz_notify(&fx, user, kind, subject,
	    "您反映的问题已受理，我们会尽快处理"), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, user, &c), HZ_OK);
	x = fx_as(&c);
	assert_int_equal(hz_notifications_list(&x, &p, &v, &n, &more,
	    &unread), HZ_OK);
	assert_int_equal(n, 1);
	fx_exec(&stmts, S_PARK, 1);
	fx_exec(&stmts, S_AGE, v[0].id);
	return v[0].id;
}

static void
a_notification_is_given_up_or_tried_again(void **state)
{
	struct hz_outbox_counts c;
	struct fake f;
	struct hz_ctx x;
	uint64_t never, later;
	char *req;

	(void)state;
	FX_NEED_DB();
	/* Refused for good: given up at the first answer. */
	never = queued("complaint.update", 4242);
	fake_start(&f, PERMANENT_ANSWER);
	x = tencent_at(f.port);
	x.now = 978307200;   /* 2001-01-01 */
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	req = fake_seen(&f);
	fake_stop(&f);
	assert_int_equal(c.failed, 1);
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, never), 1);
	assert_int_equal(fx_count(&stmts, S_GIVEN_UP, never), 1);
	assert_int_equal(fx_count(&stmts, S_SENT, never), 0);
	/* The template's parameters: the label and the complaint's number,
	 * not the text. */
	assert_non_null(strstr(req, "\"TemplateId\":\"1002\","
	    "\"TemplateParamSet\":[\"您的诉求有新进展\",\"4242\"]"));
	assert_null(strstr(req, "受理"));

	/* A limit: tried again a minute later, and then sent. */
	later = queued("volunteer.paused", 0);
	fake_start(&f, LIMIT_ANSWER);
	x = tencent_at(f.port);
	x.now = 978307200;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	fake_stop(&f);
	assert_int_equal(c.failed, 1);
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, later), 1);
	assert_int_equal(fx_count(&stmts, S_DUE_IN, later), 60);
	fake_start(&f, OK_ANSWER);
	x = tencent_at(f.port);
	x.now = 978307200 + 61;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	req = fake_seen(&f);
	fake_stop(&f);
	assert_int_equal(c.sent, 1);
	assert_int_equal(fx_count(&stmts, S_SENT, later), 1);
	/* No subject: the notification's own number. */
	assert_non_null(strstr(req, hz_arena_printf(fx.arena,
	    "\"TemplateParamSet\":[\"志愿报名已暂停\",\"%llu\"]",
	    (unsigned long long)later)));
	/* The given-up one stayed out of it. */
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, never), 1);
}

/* Each failure doubles the wait (1, 2, 4... minutes, 6 hours at most);
 * the outbox_max_attempts-th failure gives it up, left unsent. */
static void
a_notification_backs_off_then_is_given_up(void **state)
{
	struct hz_outbox_counts c;
	struct fake f;
	struct hz_ctx x;
	uint64_t id;
	const long long t0 = 978307200;   /* 2001-01-01 */

	(void)state;
	FX_NEED_DB();
	id = queued("volunteer.paused", 0);
	fake_start(&f, LIMIT_ANSWER);
	x = tencent_at(f.port);
	tc.outbox_max_attempts = 3;
	x.now = t0;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	assert_int_equal(c.failed, 1);
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, id), 1);
	assert_int_equal(fx_count(&stmts, S_DUE_IN, id), 60);
	/* The second failure: two minutes after it. */
	x.now = t0 + 60;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	assert_int_equal(c.failed, 1);
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, id), 2);
	assert_int_equal(fx_count(&stmts, S_DUE_IN, id), 60 + 120);
	/* The third, the last allowed: given up, never due again. */
	x.now = t0 + 180;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	assert_int_equal(c.failed, 1);
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, id), 3);
	assert_int_equal(fx_count(&stmts, S_GIVEN_UP, id), 1);
	assert_int_equal(fx_count(&stmts, S_SENT, id), 0);
	fake_stop(&f);
	/* The gateway answers again: a given-up one stays unsent. */
	fake_start(&f, OK_ANSWER);
	x = tencent_at(f.port);
	tc.outbox_max_attempts = 3;
	x.now = t0 + 86400;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	fake_stop(&f);
	assert_int_equal(c.sent, 0);
	assert_int_equal(c.failed, 0);
	assert_int_equal(fx_count(&stmts, S_SENT, id), 0);
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, id), 3);

	/* Many failures (under the limit): the wait is capped at 6 hours. */
	id = queued("volunteer.paused", 0);
	fx_exec(&stmts, S_TRIED, id);
	fake_start(&f, LIMIT_ANSWER);
	x = tencent_at(f.port);
	tc.outbox_max_attempts = 50;
	x.now = t0;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	fake_stop(&f);
	assert_int_equal(c.failed, 1);
	assert_int_equal(fx_count(&stmts, S_ATTEMPTS, id), 21);
	assert_int_equal(fx_count(&stmts, S_DUE_IN, id), 6 * 3600);
	assert_int_equal(fx_count(&stmts, S_SENT, id), 0);
}

/* Two runners at once on the same due texts (a host still sending when
 * another took the lease over from it), through a slow gateway: each text
 * goes out once, claimed by one of them. */
static void
two_runners_send_each_text_once(void **state)
{
	enum { N = 6 };
	struct hz_outbox_counts c;
	struct fake f;
	struct hz_ctx x;
	uint64_t id[N];
	int sends[N];
	unsigned long long total;
	pid_t pid;
	int st;

	(void)state;
	FX_NEED_DB();
	for (size_t i = 0; i < N; i++)
		id[i] = queued("volunteer.paused", 0);
	for (size_t i = 0; i < N; i++)
		fx_exec(&stmts, S_AGE, id[i]);
	fake_delay_ms = 200;
	fake_start(&f, OK_ANSWER);
	fake_delay_ms = 0;
	x = tencent_at(f.port);
	x.now = 978307200 + 10;
	if ((pid = fork()) == 0) {
		/* The other host: a connection and an arena of its own. */
		struct hz_ctx y = x;
		enum hz_status rc;

		y.db = hz_db_new(&fx_cfg);
		y.arena = hz_arena_new(64 * 1024);
		rc = hz_outbox_run(&y, &c);
		_exit(rc == HZ_OK && c.failed == 0 ? (int)c.sent : 255);
	}
	assert_true(pid > 0);
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_not_equal(WEXITSTATUS(st), 255);
	total = c.sent + (unsigned long long)WEXITSTATUS(st);
	for (size_t i = 0; i < N; i++)
		sends[i] = fake_sends(&f, id[i]);
	fake_stop(&f);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(sends[i], 1);
		assert_int_equal(fx_count(&stmts, S_SENT, id[i]), 1);
		assert_int_equal(fx_count(&stmts, S_ATTEMPTS, id[i]), 1);
	}
	assert_int_equal(total, N);
	assert_int_equal(c.failed, 0);
	/* Both ran at once: this one found texts the other had taken. */
	assert_true(c.sent > 0 && c.taken > 0);
	assert_int_equal(c.sent + c.taken, N);
}

/* A gateway slower than the lease allows: the run stops starting sends
 * after a third of scheduler_lease, well before the lease runs out; the
 * rest stay due, unclaimed, and the next run sends them. */
static void
a_slow_gateway_stops_the_run_in_time(void **state)
{
	enum { N = 5 };
	struct hz_outbox_counts c;
	struct timespec t0, t1;
	struct fake f;
	struct hz_ctx x;
	uint64_t id[N];
	unsigned long long first;
	long long ms;

	(void)state;
	FX_NEED_DB();
	for (size_t i = 0; i < N; i++)
		id[i] = queued("volunteer.paused", 0);
	for (size_t i = 0; i < N; i++)
		fx_exec(&stmts, S_AGE, id[i]);
	fake_delay_ms = 700;
	fake_start(&f, OK_ANSWER);
	fake_delay_ms = 0;
	x = tencent_at(f.port);
	tc.scheduler_lease = 3;        /* a budget of one second */
	x.now = 978307200;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fake_stop(&f);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	/* Two sends of 0.7 s: the second began inside the budget. */
	assert_int_equal(c.sent, 2);
	assert_int_equal(c.left, N - 2);
	assert_true(ms >= 1000 && ms < 3000);
	first = c.sent;
	for (size_t i = first; i < N; i++) {
		assert_int_equal(fx_count(&stmts, S_SENT, id[i]), 0);
		assert_int_equal(fx_count(&stmts, S_ATTEMPTS, id[i]), 0);
		/* Untouched: due as before, not claimed. */
		assert_int_equal(fx_count(&stmts, S_DUE_IN, id[i]), 0);
	}
	/* The next run, the gateway quick again: the rest. */
	fake_start(&f, OK_ANSWER);
	x = tencent_at(f.port);
	tc.scheduler_lease = 3;
	x.now = 978307200 + 60;
	assert_int_equal(hz_outbox_run(&x, &c), HZ_OK);
	fake_stop(&f);
	assert_int_equal(c.sent, N - first);
	assert_int_equal(c.left, 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(fx_count(&stmts, S_SENT, id[i]), 1);
}

static int
setup(void **state)
{
	if (fx_setup(state) != 0)
		return -1;
	if (fx.arena == NULL) {
		fx.arena = hz_arena_new(64 * 1024);
		fx.why = &fx_why;
		fx.now = time(NULL);
		hz_json_use_arena(fx.arena);
	}
	a = fx.arena;
	return sodium_init() < 0 ? -1 : 0;
}

UNIT_TESTS(setup, fx_teardown,
	cmocka_unit_test(signature_matches_tencents_example),
	cmocka_unit_test(the_date_is_utcs_in_any_time_zone),
	cmocka_unit_test(every_input_changes_the_signature),
	cmocka_unit_test(answer_codes_mean_sent_never_or_later),
	cmocka_unit_test(labels_fit_one_template_parameter),
	cmocka_unit_test(a_phone_is_masked_in_logs),
	cmocka_unit_test(a_tencent_config_without_its_keys_is_refused),
	cmocka_unit_test(a_login_code_goes_to_tencent_signed),
	cmocka_unit_test(a_login_code_that_cannot_go_is_refused_to_the_user),
	cmocka_unit_test(a_notification_is_given_up_or_tried_again),
	cmocka_unit_test(a_notification_backs_off_then_is_given_up),
	cmocka_unit_test(two_runners_send_each_text_once),
	cmocka_unit_test(a_slow_gateway_stops_the_run_in_time))
