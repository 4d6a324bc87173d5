/* The admin commands of `huzu` (fcgi/main.c's table, commands[]): what
 * they share. A command area of its own lives in fcgi/cli_<area>.c and
 * declares its cmd_* functions at the end of this file. */
#ifndef HZ_CLI_H
#define HZ_CLI_H

#include <stddef.h>

#include "config.h"
#include "crypto.h"
#include "ctx.h"
#include "db.h"
#include "status.h"

#define UNUSED __attribute__((unused))

/* Everything an admin command needs: config, keys, a connection. */
struct cli {
	struct hz_config  cfg;
	struct hz_keys    keys;
	struct hz_db     *db;
	struct hz_ctx     x;
	struct hz_refusal why;
};

/* Loads the config at `path` and its secrets, connects; 0, or -1 having
 * said why on stderr. */
int  cli_open(struct cli *c, const char *path);
void cli_close(struct cli *c);
/* A refused command says why in core's words; anything else by status. */
void cli_fail(const struct cli *c, const char *what, enum hz_status rc);
/* A password from the terminal (not echoed, asked twice) or from the
 * first line of stdin; never from argv. 0, or -1 when two differ. */
int  cli_password(char *buf, size_t n);
/* The usage of every command whose first word is `word`: 2 if any. */
int  usage_of(const char *word);

/* Commands outside fcgi/main.c, one line per area: */
int  cmd_export(int argc, char **argv, const char *config);  /* cli_export.c */
int cmd_init(int, char **, const char *), cmd_import(int, char **, const char *);
/* fcgi/cli_accounts.c: user add|disable|enable|password, role add|remove */
int  cmd_user_add(int, char **, const char *);
int  cmd_user_disable(int, char **, const char *);
int  cmd_user_enable(int, char **, const char *);
int  cmd_user_password(int, char **, const char *);
int  cmd_role_add(int, char **, const char *);
int  cmd_role_remove(int, char **, const char *);

#endif
