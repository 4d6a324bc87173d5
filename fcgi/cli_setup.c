/* Setting up an instance: `huzu init` (the village and its first admin)
 * and `huzu import` (the org tree and its staff from CSV files). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "importer.h"

/* Says what the instance holds; 0 if it is empty. */
static int
said_not_empty(const struct hz_setup_state *st)
{
	if (st->staff == 0 && st->village == 0)
		return 0;
	fprintf(stderr, "huzu: this instance is set up already: ");
	if (st->village != 0)
		fprintf(stderr, "it has the village %s (%s)",
		    st->village_code ? st->village_code : "(no code)",
		    st->village_name);
	if (st->village != 0 && st->staff > 0)
		fputs(" and ", stderr);
	if (st->staff > 0)
		fprintf(stderr, "%lld staff account(s)", st->staff);
	fputs(".\n  init only sets up an empty instance. Add staff with `huzu "
	    "user add`, roles with `huzu role add`, units and buildings with "
	    "`huzu import`;\n  or start from an empty database "
	    "(HUZU_DEMO=0 scripts/run with a new HUZU_VAR).\n", stderr);
	return 1;
}

/* huzu init VILLAGE_CODE VILLAGE_NAME USERNAME DISPLAY_NAME
 * huzu init --check: exit 0 if the instance is empty */
int
cmd_init(int argc, char **argv, const char *path)
{
	struct hz_setup_state st;
	struct hz_setup_input in;
	struct cli c;
	char pw[256];
	uint64_t village, user;
	enum hz_status rc;
	bool check = argc > 2 && strcmp(argv[2], "--check") == 0;

	if (!check && (argc < 6 || argv[2][0] == '-' || argv[3][0] == '-' ||
	    argv[4][0] == '-' || argv[5][0] == '-'))
		return usage_of(argv[1]);
	if (cli_open(&c, path) != 0)
		return 1;
	if ((rc = hz_setup_state(&c.x, &st))) {
		cli_fail(&c, "cannot read the database", rc);
		cli_close(&c);
		return 1;
	}
	if (said_not_empty(&st)) {
		cli_close(&c);
		return 1;
	}
	if (check) {
		cli_close(&c);
		printf("%s: empty (no village, no staff): huzu init can set it "
		    "up\n", path);
		return 0;
	}
	/* Asked for only now: a refusal above needs no password. */
	if (cli_password(pw, sizeof(pw)) != 0) {
		cli_close(&c);
		return 1;
	}
	in = (struct hz_setup_input){ .village_code = argv[2],
	    .village_name = argv[3], .username = argv[4],
	    .display_name = argv[5], .password = pw };
	rc = hz_setup_init(&c.x, &in, &village, &user);
	sodium_memzero(pw, sizeof(pw));
	if (rc) {
		/* Someone else set it up meanwhile: say what is there. */
		bool raced = rc == HZ_ERR_CONFLICT && c.why.code != NULL &&
		    strcmp(c.why.code, "not_empty") == 0 &&
		    hz_setup_state(&c.x, &st) == HZ_OK;

		if (!raced || !said_not_empty(&st))
			cli_fail(&c, "cannot set up", rc);
		cli_close(&c);
		return 1;
	}
	cli_close(&c);
	printf("village %s (%s) set up; %s is its admin and can log in now.\n"
	    "Next: the cooperatives, groups and buildings (and staff) with\n"
	    "  huzu import units.csv buildings.csv [staff.csv]\n"
	    "(units.csv may repeat the village row: %s,,village,%s)\n",
	    argv[2], argv[3], argv[4], argv[2], argv[3]);
	return 0;
}

static char *
slurp(hz_arena *a, const char *path, size_t *len)
{
	struct hz_buf b;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "huzu: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	hz_buf_init(&b, a);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		hz_buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.oom ? NULL : b.data ? b.data : hz_arena_strdup(a, "");
}

static void
report(const struct hz_import_result *res)
{
	size_t shown = res->nerr < 50 ? res->nerr : 50;

	for (size_t i = 0; i < shown; i++)
		fprintf(stderr, "%s:%zu:%s%s %s\n", res->errs[i].file,
		    res->errs[i].line, res->errs[i].column ? " 列 " : "",
		    res->errs[i].column ? res->errs[i].column : "",
		    res->errs[i].reason);
	if (res->root) {
		fputs("huzu: the import stopped at this problem; nothing was "
		    "imported. Fix it and run the same command again.\n", stderr);
		return;
	}
	if (res->nerr > shown)
		fprintf(stderr, "huzu: ... and %zu more\n", res->nerr - shown);
	if (res->knock_on)
		fprintf(stderr, "huzu: %zu more line(s) depend on lines with "
		    "errors and were not checked\n", res->knock_on);
	fprintf(stderr, "huzu: %zu error(s); nothing was imported. Fix them "
	    "and run the same command again.\n", res->nerr);
}

/* huzu import UNITS.csv BUILDINGS.csv [STAFF.csv] */
int
cmd_import(int argc, char **argv, const char *path)
{
	struct hz_import_file f[3] = { { argv[2], NULL, 0 } };
	struct hz_import_result *res;
	struct cli c;
	bool staff;
	enum hz_status rc;

	if (argc < 4 || argv[2][0] == '-' || argv[3][0] == '-')
		return usage_of(argv[1]);
	staff = argc > 4 && argv[4][0] != '-';
	if (cli_open(&c, path) != 0)
		return 1;
	for (int i = 0; i < (staff ? 3 : 2); i++) {
		f[i].name = argv[2 + i];
		if ((f[i].text = slurp(c.x.arena, f[i].name, &f[i].len)) == NULL) {
			cli_close(&c);
			return 1;
		}
	}
	if ((res = calloc(1, sizeof(*res))) == NULL) {
		cli_close(&c);
		return 1;
	}
	rc = hz_import_files(&c.x, &f[0], &f[1], staff ? &f[2] : NULL, stderr,
	    res);
	/* (The messages live in the connection's arena: said before it
	 * closes.) */
	if (rc == HZ_OK) {
		printf("imported %zu units, %zu buildings, %zu staff account(s) "
		    "and %zu role(s); %zu line(s) were there already\n",
		    res->units, res->buildings, res->staff, res->roles,
		    res->present);
		if (res->staff)
			printf("the new accounts have no password: give each a "
			    "temporary one with\n  huzu user password --temporary "
			    "--passwordless > passwords.csv\n(hand them out, then "
			    "destroy the file) or one with huzu user password "
			    "USERNAME\n");
	} else if (rc == HZ_ERR_INVALID)
		report(res);
	else
		fprintf(stderr, "huzu: import failed (%s); nothing was "
		    "imported\n", hz_status_str(rc));
	cli_close(&c);
	free(res);
	return rc == HZ_OK ? 0 : 1;
}
