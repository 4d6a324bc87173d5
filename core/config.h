/* The configuration file (key = value lines, # comments) and the secrets
 * file beside it. Every key is one row of the table in config.c, which is
 * also what `huzu config` prints as the documented defaults. */
#ifndef HZ_CONFIG_H
#define HZ_CONFIG_H

#include <limits.h>
#include <stdio.h>

#include "status.h"

#define HZ_PATH_MAX 512

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
	char      sql_dir[HZ_PATH_MAX];
	char      secrets_file[HZ_PATH_MAX];
	char      log_level[8];
	char      public_base_url[256];

	/* From the secrets file, never from the config file. */
	char      db_password[256];
};

/* Fills `c` with defaults, then reads `path` over them, then the secrets
 * file it names. On error writes a one-line reason into err. */
enum hz_status hz_config_load(struct hz_config *c, const char *path,
                              char *err, size_t errlen);
void           hz_config_defaults(struct hz_config *c);
/* Writes every key with its documentation and default value. */
void           hz_config_print_defaults(FILE *);

/* Looks `name` up in a secrets file (mode 0600 or stricter, else refused).
 * Returns HZ_ERR_NOT_FOUND when the key is absent. */
enum hz_status hz_secret_read(const char *path, const char *name,
                              char *out, size_t outlen,
                              char *err, size_t errlen);

#endif
