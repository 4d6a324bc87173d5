/* What every admin command shares: opening the config, keys and a
 * connection, saying why a command was refused, reading a password. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "json.h"

int
cli_open(struct cli *c, const char *path)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	if (hz_config_load(&c->cfg, path, err, sizeof(err)) != HZ_OK ||
	    hz_keys_load(&c->cfg, &c->keys, err, sizeof(err)) != HZ_OK) {
		fprintf(stderr, "huzu: %s\n", err);
		return -1;
	}
	if ((c->db = hz_db_new(&c->cfg)) == NULL ||
	    hz_db_connect(c->db) != HZ_OK) {
		fprintf(stderr, "huzu: cannot reach the database\n");
		return -1;
	}
	c->x.db = c->db;
	c->x.cfg = &c->cfg;
	c->x.keys = &c->keys;
	c->x.arena = hz_arena_new(64 * 1024);
	c->x.request_id = "cli";
	c->x.why = &c->why;
	c->x.now = time(NULL);
	hz_json_use_arena(c->x.arena);
	return c->x.arena ? 0 : -1;
}

void
cli_close(struct cli *c)
{
	hz_json_use_arena(NULL);
	hz_arena_free(c->x.arena);
	hz_db_free(c->db);
	sodium_memzero(&c->keys, sizeof(c->keys));
}

/* A refused command says why in core's words; anything else by status. */
void
cli_fail(const struct cli *c, const char *what, enum hz_status rc)
{
	const struct hz_refusal *r = hz_refusal_of(&c->x, rc);

	if (r != NULL)
		fprintf(stderr, "huzu: %s: %s%s%s\n", what,
		    r->field ? r->field : "", r->field ? ": " : "", r->message);
	else
		fprintf(stderr, "huzu: %s: %s\n", what, hz_status_str(rc));
}

/* A password from the terminal (not echoed, asked twice) or from the first
 * line of stdin; never from argv, where ps and shell history see it. */
int
cli_password(char *buf, size_t n)
{
	struct termios old, quiet;
	char again[256];
	bool tty = isatty(STDIN_FILENO);

	if (tty) {
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fputs("password: ", stderr);
	}
	if (fgets(buf, (int)n, stdin) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (tty) {
		fputs("\nagain: ", stderr);
		if (fgets(again, sizeof(again), stdin) == NULL)
			again[0] = '\0';
		again[strcspn(again, "\r\n")] = '\0';
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputs("\n", stderr);
		if (strcmp(buf, again) != 0) {
			fputs("huzu: the passwords differ\n", stderr);
			return -1;
		}
	}
	return 0;
}
