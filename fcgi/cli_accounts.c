/* Staff accounts on the command line: add, disable, enable, set a
 * password; give and remove roles. The same rules and words as the API
 * (core/users.h); no caller, so the whole village is in reach. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "csv.h"
#include "temppw.h"
#include "units.h"
#include "users.h"

/* The staff account named `name`, or 0 having said so. */
static uint64_t
staff_named(struct cli *c, const char *name)
{
	uint64_t id = hz_user_id_by_username(&c->x, name);

	if (id == 0)
		fprintf(stderr, "huzu: no staff account %s (huzu user add "
		    "creates one)\n", name);
	return id;
}

/* huzu user add USERNAME DISPLAY_NAME [PHONE] */
int
cmd_user_add(int argc, char **argv, const char *path)
{
	struct cli c;
	char pw[256];
	uint64_t id;
	enum hz_status rc;

	if (argc < 5 || argv[4][0] == '-')
		return usage_of(argv[1]);
	struct hz_staff_new s = {
		.username = argv[3], .display_name = argv[4],
		.phone = argc > 5 && argv[5][0] != '-' ? argv[5] : NULL,
		.password = pw,
	};
	if (cli_password(pw, sizeof(pw)) != 0 || cli_open(&c, path) != 0)
		return 1;
	rc = hz_staff_create(&c.x, &s, &id);
	sodium_memzero(pw, sizeof(pw));
	if (rc) {
		cli_fail(&c, "cannot add the user", rc);
		cli_close(&c);
		return 1;
	}
	cli_close(&c);
	printf("user %s added (id %llu)\n", s.username, (unsigned long long)id);
	return 0;
}

/* huzu user disable|enable USERNAME */
static int
switch_account(int argc, char **argv, const char *path, bool on)
{
	struct cli c;
	uint64_t id;
	enum hz_status rc;

	if (argc < 4 || argv[3][0] == '-')
		return usage_of(argv[1]);
	if (cli_open(&c, path) != 0)
		return 1;
	if ((id = staff_named(&c, argv[3])) == 0) {
		cli_close(&c);
		return 1;
	}
	rc = on ? hz_staff_enable(&c.x, id) : hz_staff_disable(&c.x, id);
	if (rc)
		cli_fail(&c, on ? "cannot enable the account" :
		    "cannot disable the account", rc);
	else if (on)
		printf("%s is enabled: they can log in again\n", argv[3]);
	else
		printf("%s is disabled: logged out everywhere, and cannot log "
		    "in until huzu user enable %s\n", argv[3], argv[3]);
	cli_close(&c);
	return rc ? 1 : 0;
}

int
cmd_user_disable(int argc, char **argv, const char *path)
{
	return switch_account(argc, argv, path, false);
}

int
cmd_user_enable(int argc, char **argv, const char *path)
{
	return switch_account(argc, argv, path, true);
}

/* huzu user password --temporary USERNAME... | --passwordless: each
 * account the temporary password of an admin's reset (to be changed at
 * the first login), as CSV on stdout, never logged. Every name is
 * looked up first: an unknown one, and nothing is changed. */
static int
temporary_passwords(int argc, char **argv, const char *path)
{
	struct cli c;
	const char **names = NULL;
	uint64_t *ids;
	const char **shown;
	size_t n = 0;
	bool all = false;
	enum hz_status rc = HZ_OK;

	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--passwordless") == 0)
			all = true;
		else if (argv[i][0] == '-')
			return usage_of(argv[1]);
		else
			n++;
	}
	if (all == (n > 0))
		return usage_of(argv[1]);
	if (cli_open(&c, path) != 0)
		return 1;
	if (all)
		rc = hz_staff_passwordless(&c.x, &names, &n);
	else if ((names = hz_arena_calloc(c.x.arena, n + 1, sizeof(*names)))) {
		for (int i = 4, k = 0; i < argc; i++) {
			if (strcmp(argv[i], "-c") == 0)
				i++;
			else
				names[k++] = argv[i];
		}
	}
	ids = hz_arena_calloc(c.x.arena, n + 1, sizeof(*ids));
	shown = hz_arena_calloc(c.x.arena, n + 1, sizeof(*shown));
	if (rc == HZ_OK && (names == NULL || ids == NULL || shown == NULL))
		rc = HZ_ERR_NOMEM;
	for (size_t i = 0; rc == HZ_OK && i < n; i++)
		if ((rc = hz_staff_named(&c.x, names[i], &ids[i], &shown[i])) ==
		    HZ_ERR_NOT_FOUND)
			fprintf(stderr, "huzu: no staff account %s (huzu user add "
			    "creates one); no password was changed\n", names[i]);
	if (rc) {
		if (rc != HZ_ERR_NOT_FOUND)
			cli_fail(&c, "cannot read the accounts", rc);
		cli_close(&c);
		return 1;
	}
	printf("username,display_name,temporary_password\r\n");
	for (size_t i = 0; i < n; i++) {
		struct hz_buf b;
		char *pw;

		if ((rc = hz_staff_password_reset(&c.x, ids[i], &pw))) {
			fflush(stdout);
			fprintf(stderr, "huzu: %s: ", names[i]);
			cli_fail(&c, "cannot set a temporary password", rc);
			fprintf(stderr, "huzu: the accounts above it have theirs; "
			    "those below it were not changed\n");
			break;
		}
		hz_buf_init(&b, c.x.arena);
		hz_csv_field(&b, names[i], false);
		hz_csv_field(&b, shown[i], false);
		hz_csv_field(&b, pw, true);
		fwrite(b.data, 1, b.len, stdout);
		fflush(stdout);
		sodium_memzero(pw, strlen(pw));
		sodium_memzero(b.data, b.len);
	}
	if (rc == HZ_OK)
		fprintf(stderr, "%zu temporary password(s) set (each changed at "
		    "the first login); the list is shown once: hand it out, "
		    "then destroy it\n", n);
	cli_close(&c);
	return rc ? 1 : 0;
}

/* huzu user password USERNAME: the operator's choice, not temporary. */
int
cmd_user_password(int argc, char **argv, const char *path)
{
	struct cli c;
	char pw[256];
	uint64_t id;
	enum hz_status rc;

	if (argc >= 4 && strcmp(argv[3], "--temporary") == 0)
		return temporary_passwords(argc, argv, path);
	if (argc < 4 || argv[3][0] == '-')
		return usage_of(argv[1]);
	if (cli_password(pw, sizeof(pw)) != 0)
		return 1;
	if (cli_open(&c, path) != 0) {
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	if ((id = staff_named(&c, argv[3])) == 0)
		rc = HZ_ERR_NOT_FOUND;
	else if ((rc = hz_staff_password_set(&c.x, id, pw)))
		cli_fail(&c, "cannot set the password", rc);
	else
		printf("password of %s set; their sessions were ended, they "
		    "log in with the new one\n", argv[3]);
	sodium_memzero(pw, sizeof(pw));
	cli_close(&c);
	return rc ? 1 : 0;
}

/* The user, role and unit of `role add|remove USERNAME ROLE UNIT_CODE`;
 * 0, or 1 having said what is wrong (c opened on 0). */
static int
role_args(struct cli *c, int argc, char **argv, const char *path,
          uint64_t *user, enum hz_role *role, uint64_t *unit)
{
	if (argc < 6)
		return usage_of(argv[1]);
	if (!hz_role_parse(argv[4], role)) {
		fprintf(stderr, "huzu: no role %s\n", argv[4]);
		return usage_of(argv[1]);
	}
	if (cli_open(c, path) != 0)
		return 1;
	if ((*user = staff_named(c, argv[3])) == 0 ||
	    (*unit = hz_unit_id_by_code(&c->x, argv[5])) == 0) {
		if (*user != 0)
			fprintf(stderr, "huzu: no unit %s\n", argv[5]);
		cli_close(c);
		return 1;
	}
	return 0;
}

/* huzu role add USERNAME ROLE UNIT_CODE */
int
cmd_role_add(int argc, char **argv, const char *path)
{
	struct cli c;
	enum hz_role role;
	uint64_t user, unit, id;
	enum hz_status rc;
	int r;

	if ((r = role_args(&c, argc, argv, path, &user, &role, &unit)))
		return r;
	rc = hz_role_grant(&c.x, user, role, unit, &id);
	/* Held already: what was asked for is so (another head at the
	 * building is a refusal like any other). */
	if (rc == HZ_ERR_CONFLICT && hz_role_held(&c.x, user, role, unit)) {
		cli_close(&c);
		printf("%s already holds %s at %s\n", argv[3], argv[4], argv[5]);
		return 0;
	}
	if (rc)
		cli_fail(&c, "cannot grant", rc);
	else
		printf("%s is %s at %s\n", argv[3], argv[4], argv[5]);
	cli_close(&c);
	return rc ? 1 : 0;
}

/* huzu role remove USERNAME ROLE UNIT_CODE */
int
cmd_role_remove(int argc, char **argv, const char *path)
{
	struct cli c;
	enum hz_role role;
	uint64_t user, unit;
	enum hz_status rc;
	int r;

	if ((r = role_args(&c, argc, argv, path, &user, &role, &unit)))
		return r;
	if ((rc = hz_role_remove(&c.x, user, role, unit)))
		cli_fail(&c, "cannot remove the role", rc);
	else
		printf("%s is no longer %s at %s\n", argv[3], argv[4], argv[5]);
	cli_close(&c);
	return rc ? 1 : 0;
}
