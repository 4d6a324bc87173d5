/* The configuration file (key = value lines, # comments) and the secrets
 * file beside it. Every key is one row of the table in config.c, which is
 * also what `huzu config` prints as the documented defaults. */
#ifndef HZ_CONFIG_H
#define HZ_CONFIG_H

#include <limits.h>
#include <stdio.h>

#include "status.h"

#define HZ_PATH_MAX 512
#define HZ_SECRETS_MAX 32

/* Every key = value pair of the secrets file. */
struct hz_secrets {
	size_t n;
	struct {
		char name[64];
		char value[256];
	} kv[HZ_SECRETS_MAX];
};

struct hz_config {
	char      socket[HZ_PATH_MAX];
	int       socket_mode;
	char      socket_group[64];
	int       workers;
	int       backlog;
	int       max_body;
	int       json_max_depth;
	int       drain_timeout;
	char      db_host[256];
	int       db_port;
	char      db_socket[HZ_PATH_MAX];
	char      db_name[64];
	char      db_user[64];
	int       db_connect_timeout;
	int       db_read_timeout;
	int       db_write_timeout;
	int       db_stall_ms;
	int       db_stall_check_ms;
	int       db_breaker_ms;
	int       db_sync_wait;
	char      sql_dir[HZ_PATH_MAX];
	char      secrets_file[HZ_PATH_MAX];
	char      log_level[8];
	char      log_file[HZ_PATH_MAX];
	char      pid_file[HZ_PATH_MAX];
	char      public_base_url[256];

	int       access_ttl;
	int       refresh_ttl;
	int       refresh_grace;
	int       temp_password_ttl;
	char      jwt_issuer[64];
	char      jwt_audience[64];
	int       code_ttl;
	int       code_tries;
	int       code_interval;
	int       code_ip_hourly;
	int       code_phone_hourly;
	int       code_phone_misses;
	int       login_delay_after;
	int       login_lock_after;
	int       login_lock_minutes;
	char      sms_sender[16];
	char      sms_log[HZ_PATH_MAX];
	char      sms_tencent_url[256];
	char      sms_tencent_region[32];
	char      sms_tencent_secret_id[128];
	char      sms_tencent_app_id[32];
	char      sms_sign_name[64];
	char      sms_template_code[32];
	char      sms_template_notice[32];
	int       sms_timeout;
	char      wechat_url[256];
	char      wechat_appid[64];
	int       wechat_timeout;
	char      wechat_oa_url[256];
	char      wechat_oa_appid[64];
	int       checkin_retention_days;
	int       tenancy_retention_days;
	char      uploads_dir[HZ_PATH_MAX];
	int       upload_max;
	char      image_program[HZ_PATH_MAX];
	int       image_timeout;
	int       image_max_pixels;
	int       scheduler_enabled;
	int       scheduler_interval;
	int       scheduler_lease;
	int       outbox_batch;
	int       outbox_max_attempts;
	int       volunteer_noshow_limit;
	int       volunteer_noshow_days;
	int       volunteer_pause_days;

	/* From the secrets file, never from the config file. */
	struct hz_secrets secrets;
};

/* Fills `c` with defaults, then reads `path` over them, then the secrets
 * file it names (which must hold db_password). On error writes a one-line
 * reason into err. */
enum hz_status hz_config_load(struct hz_config *c, const char *path,
                              char *err, size_t errlen);
void           hz_config_defaults(struct hz_config *c);
/* Writes every key with its documentation and default value. */
void           hz_config_print_defaults(FILE *);
/* Writes the value of key `name` as the config holds it (after defaults),
 * one line; -1 if there is no such key. */
int            hz_config_print_value(const struct hz_config *,
                                     const char *name, FILE *);

/* Reads every pair of a secrets file (mode 0600 or stricter, else
 * refused). */
enum hz_status hz_secrets_read(const char *path, struct hz_secrets *,
                               char *err, size_t errlen);
/* The value of secret `name`, or NULL. */
const char    *hz_secret(const struct hz_config *, const char *name);

#endif
