#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "num.h"

enum key_type { K_STR, K_INT, K_MODE };

struct key {
	const char   *name;
	enum key_type type;
	size_t        off;
	size_t        size;   /* K_STR: buffer size */
	long long     min, max;
	const char   *def;
	const char   *doc;
};

#define STR(f, d, doc) { #f, K_STR, offsetof(struct hz_config, f), \
	sizeof(((struct hz_config *)0)->f), 0, 0, d, doc }
#define INT(f, lo, hi, d, doc) { #f, K_INT, offsetof(struct hz_config, f), \
	0, lo, hi, d, doc }
#define MODE(f, d, doc) { #f, K_MODE, offsetof(struct hz_config, f), \
	0, 0, 0777, d, doc }

static const struct key keys[] = {
	STR(socket, "var/run/huzu.sock",
	    "FastCGI unix socket the master listens on (nginx connects here)"),
	MODE(socket_mode, "0660", "permissions of the socket (octal)"),
	STR(socket_group, "",
	    "group given the socket, e.g. www-data; empty keeps the owner's"),
	/* 4, from the worker sweep (README, Performance): on 2 cores more
	 * workers did not add check-ins (they are CPU-bound here, not bound
	 * by the log's flush) and cost /me and its p99 (every idle worker
	 * wakes for each connection). A host with more cores or a slower
	 * disk tunes it with scripts/bench --workers on itself. */
	INT(workers, 1, 256, "4",
	    "worker processes (one database connection each)"),
	INT(backlog, 16, 65535, "1024", "listen backlog of the socket"),
	INT(max_body, 1024, 64 * 1024 * 1024, "65536",
	    "largest JSON request body in bytes; larger is 413"),
	INT(json_max_depth, 2, 64, "16", "deepest nesting accepted in a JSON body"),
	INT(drain_timeout, 1, 600, "30",
	    "seconds a stopping worker may take to finish its request"),
	STR(db_host, "", "MariaDB host; empty means the unix socket below"),
	INT(db_port, 1, 65535, "3306", "MariaDB TCP port"),
	STR(db_socket, "/run/mysqld/mysqld.sock",
	    "MariaDB unix socket (Debian's MariaDB listens here)"),
	STR(db_name, "huzu", "database name"),
	STR(db_user, "huzu", "database user (password: db_password in the secrets file)"),
	INT(db_connect_timeout, 1, 60, "2", "seconds to wait for a connection"),
	INT(db_read_timeout, 1, 600, "5", "seconds to wait for a query's answer"),
	INT(db_write_timeout, 1, 600, "5", "seconds to wait to send a query"),
	INT(db_stall_ms, 0, 60000, "800",
	    "workers: milliseconds a request waits for the database before"
	    " checking that it still answers (a new connection within"
	    " db_stall_check_ms); if not, the wait is given up (503) and the"
	    " breaker opens. 0: no guard, only the timeouts above"),
	INT(db_stall_check_ms, 10, 10000, "200",
	    "workers: milliseconds that check may take"),
	INT(db_breaker_ms, 100, 60000, "1000",
	    "workers: milliseconds the breaker stays open once the database"
	    " stopped answering: requests get 503 at once, then one tries the"
	    " database again"),
	INT(db_sync_wait, 0, 15, "0",
	    "wsrep_sync_wait of every connection, for a Galera cluster with"
	    " several hosts: 1 makes each read wait until this node has"
	    " applied every write committed before it on any node, so that"
	    " a write through one host is read through another at once"
	    " (README, Scaling out); 0: reads may lag a write on another"
	    " node by a moment. Leave 0 on a single server"),
	STR(sql_dir, "sql", "folder of the numbered migration files"),
	STR(secrets_file, "var/secrets",
	    "secrets file (key = value, mode 0600, never in git)"),
	STR(log_level, "info", "debug, info, warn or error"),
	STR(log_file, "",
	    "file the master, workers and scheduler append their lines to;"
	    " empty: stderr. SIGUSR1 to the master reopens it (logrotate)"),
	STR(pid_file, "",
	    "file huzu serve writes its pid to at start and removes at exit;"
	    " empty: none"),
	STR(public_base_url, "http://127.0.0.1:8080",
	    "public URL of the portal, printed in QR codes"),
	INT(access_ttl, 60, 3600, "900", "lifetime of an access token (JWT), seconds"),
	INT(refresh_ttl, 3600, 90 * 86400, "2592000",
	    "lifetime of a refresh token, seconds"),
	INT(refresh_grace, 0, 60, "10",
	    "seconds a spent refresh token still answers its unspent successor"
	    " (tabs refreshing at once); 0 never"),
	INT(temp_password_ttl, 3600, 30 * 86400, "259200",
	    "seconds a temporary password (an admin's reset) logs in before it"
	    " expires and another reset is needed"),
	STR(jwt_issuer, "huzu", "iss of the access tokens"),
	STR(jwt_audience, "huzu-h5", "aud of the access tokens"),
	INT(code_ttl, 60, 3600, "300", "lifetime of a login code, seconds"),
	INT(code_tries, 1, 20, "5", "wrong guesses allowed per login code"),
	INT(code_interval, 1, 3600, "60",
	    "seconds before the same phone may ask for another code"),
	INT(code_ip_hourly, 1, 100000, "30",
	    "login codes one client address may ask for per hour"),
	INT(code_phone_hourly, 1, 100, "5",
	    "login codes one phone may be sent per hour"),
	INT(code_phone_misses, 1, 1000, "10",
	    "wrong codes per phone in 24 hours before it is locked for a day"),
	INT(login_delay_after, 1, 1000, "5",
	    "wrong staff passwords from one address before each try waits"
	    " (1, 2, 4... seconds)"),
	INT(login_lock_after, 1, 100000, "20",
	    "wrong staff passwords in login_lock_minutes before the account"
	    " is locked to addresses it never logged in from"),
	INT(login_lock_minutes, 1, 1440, "15",
	    "the window of the password limits, and the longest wait"),
	STR(sms_sender, "log",
	    "how login codes and notifications are sent; log: append \"phone"
	    " code\" lines to sms_log; tencent: Tencent Cloud SMS (the sms_tencent_*"
	    " and sms_template_* keys, sms_tencent_secret_key in the secrets file)"),
	STR(sms_log, "var/log/sms.log", "file of the log sender"),
	STR(sms_tencent_url, "https://sms.tencentcloudapi.com",
	    "Tencent Cloud SMS API endpoint (API 3.0, no path)"),
	STR(sms_tencent_region, "ap-guangzhou", "Tencent Cloud SMS region"),
	STR(sms_tencent_secret_id, "",
	    "SecretId of the Tencent Cloud API key (its SecretKey is"
	    " sms_tencent_secret_key in the secrets file)"),
	STR(sms_tencent_app_id, "", "SmsSdkAppId of the SMS application"),
	STR(sms_sign_name, "",
	    "approved SMS signature (签名), e.g. the village's name"),
	STR(sms_template_code, "",
	    "approved template id of the login code: {1} the code, {2} minutes"),
	STR(sms_template_notice, "",
	    "approved template id of notifications: {1} what happened,"
	    " {2} its number"),
	INT(sms_timeout, 1, 60, "5", "seconds for one call to the SMS gateway"),
	STR(wechat_url, "https://api.weixin.qq.com/sns/jscode2session",
	    "WeChat mini-program code exchange (wechat_secret in the secrets file)"),
	STR(wechat_appid, "", "mini-program app id; empty disables WeChat login"),
	INT(wechat_timeout, 1, 60, "5", "seconds for the WeChat exchange"),
	STR(wechat_oa_url, "https://api.weixin.qq.com",
	    "WeChat official account API base: web authorisation and the JS-SDK"
	    " ticket (wechat_oa_secret in the secrets file)"),
	STR(wechat_oa_appid, "",
	    "official account app id; empty disables signing in inside WeChat"
	    " and the JS-SDK"),
	INT(checkin_retention_days, 1, 3650, "180",
	    "check-ins older than this are deleted by huzu purge"),
	INT(tenancy_retention_days, 30, 3650, "1095",
	    "days an ended or rejected registration keeps its ID number, phone"
	    " and household members; then they are erased (the row stays)"),
	STR(uploads_dir, "var/uploads",
	    "folder of uploaded photos (nginx serves it as an internal location)"),
	INT(upload_max, 1024, 64 * 1024 * 1024, "10485760",
	    "largest photo upload in bytes; larger is 413 (nginx caps it too)"),
	STR(image_program, "",
	    "the photo decoder; empty: huzu-image beside the huzu binary"),
	INT(image_timeout, 1, 600, "20",
	    "seconds the photo decoder may take for one photo"),
	INT(image_max_pixels, 1, 1000000000, "50000000",
	    "largest photo accepted, in pixels (a guard against image bombs)"),
	INT(scheduler_enabled, 0, 1, "1",
	    "1: huzu serve runs the periodic jobs in a scheduler process; 0: off"),
	INT(scheduler_interval, 1, 3600, "60",
	    "seconds between two runs of the periodic jobs"),
	INT(scheduler_lease, 5, 3600, "40",
	    "seconds the scheduler's lease lasts unless renewed: another host"
	    " takes over this long (and a third more) after a holder dies"),
	INT(outbox_batch, 1, 1000, "100",
	    "notifications sent per run of the outbox job, at most"),
	INT(outbox_max_attempts, 1, 50, "8",
	    "failed sends of a notification before it is given up"),
	INT(volunteer_noshow_limit, 1, 100, "3",
	    "no-shows within volunteer_noshow_days that pause a volunteer"),
	INT(volunteer_noshow_days, 1, 3650, "90",
	    "days over which no-shows are counted"),
	INT(volunteer_pause_days, 0, 3650, "30",
	    "days a volunteer who reached the no-show limit cannot sign up"
	    " (0: never paused)"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
set_key(struct hz_config *c, const struct key *k, const char *v)
{
	char *base = (char *)c + k->off;
	int64_t n;

	switch (k->type) {
	case K_STR:
		if (strlen(v) >= k->size)
			return -1;
		memcpy(base, v, strlen(v) + 1);
		return 0;
	case K_INT:
		if (!hz_parse_i64z(v, k->min, k->max, &n))
			return -1;
		*(int *)(void *)base = (int)n;
		return 0;
	case K_MODE:
		/* Octal, 3 or 4 digits. */
		n = 0;
		if (strlen(v) < 3 || strlen(v) > 4)
			return -1;
		for (const char *p = v; *p; p++) {
			if (*p < '0' || *p > '7')
				return -1;
			n = n * 8 + (*p - '0');
		}
		if (n > k->max)
			return -1;
		*(int *)(void *)base = (int)n;
		return 0;
	}
	return -1;
}

void
hz_config_defaults(struct hz_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++)
		(void)set_key(c, &keys[i], keys[i].def);
}

/* Reads `path` line by line, calling `fn` for each key = value pair. */
static enum hz_status
kv_read(const char *path, int (*fn)(void *, const char *, const char *,
        char *, size_t), void *ctx, char *err, size_t errlen)
{
	char line[1024];
	FILE *f;
	int lineno = 0;
	enum hz_status rc = HZ_OK;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HZ_ERR_CONFIG;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s, *eq, why[128] = "";

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path,
			    lineno);
			rc = HZ_ERR_CONFIG;
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value",
			    path, lineno);
			rc = HZ_ERR_CONFIG;
			break;
		}
		*eq = '\0';
		if (fn(ctx, trim(s), trim(eq + 1), why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			rc = HZ_ERR_CONFIG;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int
config_pair(void *ctx, const char *k, const char *v, char *why, size_t n)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, k) != 0)
			continue;
		if (set_key(ctx, &keys[i], v) == 0)
			return 0;
		snprintf(why, n, "bad value for %s", k);
		return -1;
	}
	snprintf(why, n, "unknown key %s", k);
	return -1;
}

static int
secret_pair(void *ctx, const char *k, const char *v, char *why, size_t n)
{
	struct hz_secrets *s = ctx;

	if (s->n == HZ_SECRETS_MAX) {
		snprintf(why, n, "more than %d secrets", HZ_SECRETS_MAX);
		return -1;
	}
	if (strlen(k) >= sizeof(s->kv[0].name) ||
	    strlen(v) >= sizeof(s->kv[0].value)) {
		snprintf(why, n, "secret %.40s too long", k);
		return -1;
	}
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->kv[i].name, k) == 0) {
			snprintf(why, n, "secret %s given twice", k);
			return -1;
		}
	memcpy(s->kv[s->n].name, k, strlen(k) + 1);
	memcpy(s->kv[s->n].value, v, strlen(v) + 1);
	s->n++;
	return 0;
}

enum hz_status
hz_secrets_read(const char *path, struct hz_secrets *s, char *err,
                size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HZ_ERR_CONFIG;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: readable by group or others "
		    "(chmod 600 it)", path);
		return HZ_ERR_CONFIG;
	}
	memset(s, 0, sizeof(*s));
	return kv_read(path, secret_pair, s, err, errlen);
}

const char *
hz_secret(const struct hz_config *c, const char *name)
{
	for (size_t i = 0; i < c->secrets.n; i++)
		if (strcmp(c->secrets.kv[i].name, name) == 0)
			return c->secrets.kv[i].value;
	return NULL;
}

/* The SMS sender named and, for tencent, everything it needs: refused at
 * load rather than at the first login code. */
static enum hz_status
sms_check(const struct hz_config *c, const char *path, char *err,
          size_t errlen)
{
	const struct { const char *name; const char *v; } need[] = {
		{ "sms_tencent_secret_id", c->sms_tencent_secret_id },
		{ "sms_tencent_app_id", c->sms_tencent_app_id },
		{ "sms_sign_name", c->sms_sign_name },
		{ "sms_template_code", c->sms_template_code },
		{ "sms_template_notice", c->sms_template_notice },
		{ "sms_tencent_url", c->sms_tencent_url },
		{ "sms_tencent_region", c->sms_tencent_region },
	};
	char missing[256] = "";
	size_t n = 0;

	if (strcmp(c->sms_sender, "log") == 0)
		return HZ_OK;
	if (strcmp(c->sms_sender, "tencent") != 0) {
		snprintf(err, errlen, "%s: sms_sender must be log or tencent, "
		    "not %s", path, c->sms_sender);
		return HZ_ERR_CONFIG;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (need[i].v[0] == '\0')
			n += (size_t)snprintf(missing + n, sizeof(missing) - n,
			    "%s%s", n ? ", " : "", need[i].name);
	if (n != 0) {
		snprintf(err, errlen, "%s: sms_sender = tencent needs %s "
		    "(see README, Text messages)", path, missing);
		return HZ_ERR_CONFIG;
	}
	if (hz_secret(c, "sms_tencent_secret_key") == NULL) {
		snprintf(err, errlen, "%s: sms_sender = tencent needs "
		    "sms_tencent_secret_key (the API key's SecretKey)",
		    c->secrets_file);
		return HZ_ERR_CONFIG;
	}
	return HZ_OK;
}

enum hz_status
hz_config_load(struct hz_config *c, const char *path, char *err,
               size_t errlen)
{
	enum hz_status rc;

	hz_config_defaults(c);
	if ((rc = kv_read(path, config_pair, c, err, errlen)) != HZ_OK ||
	    (rc = hz_secrets_read(c->secrets_file, &c->secrets, err, errlen))
	    != HZ_OK)
		return rc;
	if (hz_secret(c, "db_password") == NULL) {
		snprintf(err, errlen, "%s: no db_password", c->secrets_file);
		return HZ_ERR_CONFIG;
	}
	return sms_check(c, path, err, errlen);
}

void
hz_config_print_defaults(FILE *f)
{
	fprintf(f, "# huzu configuration: key = value; relative paths are "
	    "relative to the\n# working directory of huzu.\n");
	for (size_t i = 0; i < NKEYS; i++)
		fprintf(f, "\n# %s\n%s = %s\n", keys[i].doc, keys[i].name,
		    keys[i].def);
}

int
hz_config_print_value(const struct hz_config *c, const char *name, FILE *f)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const char *p = (const char *)c + k->off;

		if (strcmp(k->name, name) != 0)
			continue;
		if (k->type == K_STR)
			fprintf(f, "%s\n", p);
		else if (k->type == K_MODE)
			fprintf(f, "%04o\n", *(const int *)(const void *)p);
		else
			fprintf(f, "%d\n", *(const int *)(const void *)p);
		return 0;
	}
	return -1;
}
