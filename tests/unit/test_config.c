#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static char dir[64];

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/huzu-unit-config.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static enum hz_status
load(struct hz_config *c, const char *conf, char *err)
{
	char path[128], text[512];

	snprintf(text, sizeof(text), "secrets_file = %s/secrets\n%s", dir, conf);
	write_file("huzu.conf", text, 0644);
	snprintf(path, sizeof(path), "%s/huzu.conf", dir);
	return hz_config_load(c, path, err, 256);
}

static void
loads_values_over_defaults(void **state)
{
	struct hz_config c;
	char err[256] = "";

	(void)state;
	write_file("secrets", "# comment\ndb_password = s3cret\n", 0600);
	assert_int_equal(load(&c, "# a comment\n\nworkers = 7\n"
	    "socket_mode = 0600\n  db_name =  other  \n", err), HZ_OK);
	assert_int_equal(c.workers, 7);
	assert_int_equal(c.socket_mode, 0600);
	assert_string_equal(c.db_name, "other");
	assert_string_equal(hz_secret(&c, "db_password"), "s3cret");
	assert_null(hz_secret(&c, "nope"));
	assert_int_equal(c.max_body, 65536);        /* default kept */
}

static void
refuses_bad_config_with_line_numbers(void **state)
{
	struct hz_config c;
	char err[256];

	(void)state;
	write_file("secrets", "db_password = x\n", 0600);
	assert_int_equal(load(&c, "workers = 0\n", err), HZ_ERR_CONFIG);
	assert_non_null(strstr(err, ":2: bad value for workers"));
	assert_int_equal(load(&c, "workers = 4x\n", err), HZ_ERR_CONFIG);
	/* Registrations' numbers are kept at least a month. */
	assert_int_equal(load(&c, "tenancy_retention_days = 29\n", err),
	    HZ_ERR_CONFIG);
	assert_int_equal(load(&c, "tenancy_retention_days = 30\n", err), HZ_OK);
	assert_int_equal(c.tenancy_retention_days, 30);
	assert_int_equal(load(&c, "wrokers = 4\n", err), HZ_ERR_CONFIG);
	assert_non_null(strstr(err, "unknown key wrokers"));
	assert_int_equal(load(&c, "socket_mode = 0999\n", err), HZ_ERR_CONFIG);
	assert_int_equal(load(&c, "just words\n", err), HZ_ERR_CONFIG);
	/* db_password belongs in the secrets file only. */
	assert_int_equal(load(&c, "db_password = x\n", err), HZ_ERR_CONFIG);
}

static void
refuses_readable_or_incomplete_secrets(void **state)
{
	struct hz_config c;
	char err[256];

	(void)state;
	write_file("secrets", "db_password = x\n", 0644);
	assert_int_equal(load(&c, "", err), HZ_ERR_CONFIG);
	assert_non_null(strstr(err, "chmod 600"));
	write_file("secrets", "other = x\n", 0600);
	assert_int_not_equal(load(&c, "", err), HZ_OK);
}

UNIT_TESTS(setup, teardown,
	cmocka_unit_test(loads_values_over_defaults),
	cmocka_unit_test(refuses_bad_config_with_line_numbers),
	cmocka_unit_test(refuses_readable_or_incomplete_secrets))
