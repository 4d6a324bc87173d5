/* huzu: the FastCGI server (`serve`) and the admin tasks beside it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>
#include <sodium.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "num.h"
#include "pool.h"
#include "router.h"

static void
usage(void)
{
	fputs("usage: huzu <command> [-c config]\n"
	    "\n"
	    "  serve     run the FastCGI worker pool (foreground)\n"
	    "  migrate   apply the pending migrations in sql_dir\n"
	    "  config    print every configuration key with its default\n"
	    "  keygen    print a new secrets file (redirect it, chmod 600)\n"
	    "  routes    print the route table\n"
	    "  version   print the version\n"
	    "\n"
	    "config: -c PATH, else $HUZU_CONFIG, else var/huzu.conf\n",
	    stderr);
}

static const char *
config_path(int argc, char **argv)
{
	const char *env = getenv("HUZU_CONFIG");

	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], "-c") == 0)
			return argv[i + 1];
	return env && *env ? env : "var/huzu.conf";
}

static int
cmd_migrate(const char *path)
{
	struct hz_config cfg;
	struct hz_db *db;
	enum hz_status rc;
	char err[256];
	int applied = 0;

	if (hz_config_load(&cfg, path, err, sizeof(err)) != HZ_OK) {
		fprintf(stderr, "huzu: %s\n", err);
		return 1;
	}
	if ((db = hz_db_new(&cfg)) == NULL)
		return 1;
	if ((rc = hz_db_connect(db)) != HZ_OK) {
		fprintf(stderr, "huzu: cannot reach the database (%s)\n",
		    hz_status_str(rc));
		hz_db_free(db);
		return 1;
	}
	rc = hz_migrate(db, cfg.sql_dir, stdout, &applied);
	hz_db_free(db);
	if (rc != HZ_OK) {
		fprintf(stderr, "huzu: migrate failed: %s\n", hz_status_str(rc));
		return 1;
	}
	printf("%d migration(s) applied\n", applied);
	return 0;
}

static void
hex_secret(const char *name, size_t bytes)
{
	unsigned char k[64];
	char hex[129];

	randombytes_buf(k, bytes);
	sodium_bin2hex(hex, sizeof(hex), k, bytes);
	printf("%s = %s\n", name, hex);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(hex, sizeof(hex));
}

static int
cmd_keygen(void)
{
	printf("# huzu secrets. Mode 0600, outside git, never logged.\n");
	hex_secret("db_password", 24);
	return 0;
}

static int
cmd_routes(void)
{
	for (size_t i = 0; i < hz_nroutes; i++)
		printf("%-7s %s\n", hz_method_name(hz_routes[i].method),
		    hz_routes[i].pattern);
	return 0;
}

/* The master re-execs this binary for its workers; resolve it now, so a
 * binary replaced on disk is the one the next SIGHUP starts. */
static const char *
self_exe(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return NULL;
	path[n] = '\0';
	/* A replaced binary reads " (deleted)": use the path itself. */
	if (n > 10 && strcmp(path + n - 10, " (deleted)") == 0)
		path[n - 10] = '\0';
	return path;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (sodium_init() < 0) {
		fputs("huzu: libsodium failed to initialise\n", stderr);
		return 1;
	}
	if (strcmp(cmd, "serve") == 0) {
		const char *exe = self_exe();
		if (exe == NULL) {
			fputs("huzu: cannot find own executable\n", stderr);
			return 1;
		}
		return hz_serve(exe, config_path(argc, argv));
	}
	if (strcmp(cmd, "worker") == 0) {
		int64_t fd;
		if (argc != 6 || strcmp(argv[4], "--listen-fd") != 0 ||
		    !hz_parse_i64z(argv[5], 0, 1023, &fd)) {
			fputs("huzu worker is started by huzu serve\n", stderr);
			return 2;
		}
		return hz_worker(config_path(argc, argv), (int)fd);
	}
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(config_path(argc, argv));
	if (strcmp(cmd, "config") == 0) {
		hz_config_print_defaults(stdout);
		return 0;
	}
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen();
	if (strcmp(cmd, "routes") == 0)
		return cmd_routes();
	if (strcmp(cmd, "version") == 0) {
		printf("huzu %s\n", HUZU_VERSION);
		return 0;
	}
	usage();
	return 2;
}
