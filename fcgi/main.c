/* huzu: the FastCGI server (`serve`) and the admin tasks beside it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>
#include <sodium.h>

#include "checkins.h"
#include "cli.h"
#include "checklists.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "ctx.h"
#include "db.h"
#include "json.h"
#include "login.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "num.h"
#include "pool.h"
#include "retention.h"
#include "router.h"
#include "scheduler.h"
#include "shifts.h"
#include "stations.h"
#include "units.h"
#include "users.h"

static const char *
config_path(int argc, char **argv)
{
	const char *env = getenv("HUZU_CONFIG");

	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], "-c") == 0)
			return argv[i + 1];
	return env && *env ? env : "var/huzu.conf";
}

/* Why the database said no, for a command's last line: MariaDB's errno
 * and words when it gave them, else the status. Before hz_db_free. */
static const char *
db_reason(const struct hz_db *db, enum hz_status rc, char *buf, size_t n)
{
	if (db != NULL && hz_db_errno(db) != 0)
		snprintf(buf, n, "MariaDB error %u: %s", hz_db_errno(db),
		    hz_db_error(db));
	else
		snprintf(buf, n, "%s", hz_status_str(rc));
	return buf;
}

static int
cmd_migrate(UNUSED int argc, UNUSED char **argv, UNUSED const char *path)
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
	/* No read timeout (0: Connector/C waits as long as it takes): a
	 * migration may rebuild a big table for minutes, and the server
	 * carries on with a statement whose client gave up (migrate.h). */
	cfg.db_read_timeout = 0;
	if ((db = hz_db_new(&cfg)) == NULL)
		return 1;
	if ((rc = hz_db_connect(db)) != HZ_OK) {
		fprintf(stderr, "huzu: cannot reach the database (%s)\n",
		    db_reason(db, rc, err, sizeof(err)));
		hz_db_free(db);
		return 1;
	}
	rc = hz_migrate(db, cfg.sql_dir, stdout, &applied);
	if (rc != HZ_OK)
		fprintf(stderr, "huzu: migrate failed: %s\n",
		    db_reason(db, rc, err, sizeof(err)));
	hz_db_free(db);
	if (rc != HZ_OK)
		return 1;
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
cmd_keygen(UNUSED int argc, UNUSED char **argv, UNUSED const char *path)
{
	unsigned char kid[4];
	char hex[9], name[32];

	randombytes_buf(kid, sizeof(kid));
	sodium_bin2hex(hex, sizeof(hex), kid, sizeof(kid));
	snprintf(name, sizeof(name), "jwt_key_k%s", hex);
	printf("# huzu secrets. Mode 0600, outside git, never logged.\n"
	    "# Rotating the JWT key: add a new jwt_key_<kid>, point\n"
	    "# jwt_current at it, reload (SIGHUP); remove the old key after\n"
	    "# access_ttl. pii_key and index_key must never change.\n"
	    "# A new qr_key_<n> made current invalidates every printed poster\n"
	    "# once the old key is removed; keep it while posters are reprinted.\n");
	hex_secret("db_password", 24);
	hex_secret("pii_key", 32);
	hex_secret("index_key", 32);
	printf("jwt_current = k%s\n", hex);
	hex_secret(name, 32);
	/* Poster keys are numbered: the number is inside every QR token. */
	printf("qr_current = 1\n");
	hex_secret("qr_key_1", 32);
	return 0;
}

/* huzu station add UNIT_CODE KIND NAME */
static int
cmd_station(int argc, char **argv, const char *path)
{
	struct cli c;
	uint64_t unit, id;
	enum hz_status rc;

	if (argc < 6)
		return usage_of(argv[1]);
	if (!hz_station_kind_valid(argv[4])) {
		fprintf(stderr, "huzu: no station kind %s\n", argv[4]);
		return usage_of(argv[1]);
	}
	if (cli_open(&c, path) != 0)
		return 1;
	if ((unit = hz_unit_id_by_code(&c.x, argv[3])) == 0) {
		fprintf(stderr, "huzu: no unit %s\n", argv[3]);
		cli_close(&c);
		return 1;
	}
	rc = hz_station_create(&c.x, unit, argv[4], argv[5], &id);
	if (rc)
		cli_fail(&c, "cannot add the station", rc);
	cli_close(&c);
	if (rc)
		return 1;
	printf("station %s added (id %llu)\n", argv[5], (unsigned long long)id);
	return 0;
}

/* huzu checklist template MONTH TITLE ITEM...: a month's checklist
 * template; an item written "photo:..." requires a photo. */
static int
cmd_checklist_template(int argc, char **argv, const char *path)
{
	struct hz_checklist_template_input in = { 0 };
	struct hz_checklist_template out;
	struct cli c;
	bool created;
	enum hz_status rc;

	if (argc < 6)
		return usage_of(argv[1]);
	in.title = argv[4];
	for (int i = 5; i < argc && strcmp(argv[i], "-c") != 0; i++) {
		struct hz_checklist_item *it;

		if (in.nitems == HZ_CHECKLIST_ITEMS_MAX) {
			fputs("huzu: at most 20 items\n", stderr);
			return 1;
		}
		it = &in.items[in.nitems++];
		it->photo_required = strncmp(argv[i], "photo:", 6) == 0;
		it->title = argv[i] + (it->photo_required ? 6 : 0);
	}
	if (cli_open(&c, path) != 0)
		return 1;
	rc = hz_checklist_template_put(&c.x, argv[3], &in, &out, &created);
	if (rc)
		cli_fail(&c, "cannot write the template", rc);
	else
		printf("checklist template %s %s (%zu items)\n", out.month,
		    created ? "added" : "updated", out.nitems);
	cli_close(&c);
	return rc ? 1 : 0;
}

/* The station named by a unit code and its name, or 0 (said why). */
static uint64_t
cli_station(struct cli *c, const char *unit_code, const char *name)
{
	uint64_t unit, id = 0;
	enum hz_status rc;

	if ((unit = hz_unit_id_by_code(&c->x, unit_code)) == 0) {
		fprintf(stderr, "huzu: no unit %s\n", unit_code);
		return 0;
	}
	if ((rc = hz_station_find(&c->x, unit, name, &id))) {
		if (rc == HZ_ERR_NOT_FOUND)
			fprintf(stderr, "huzu: no station %s at unit %s (the name "
			    "as given to station add)\n", name, unit_code);
		else
			cli_fail(c, name, rc);
		return 0;
	}
	return id;
}

/* huzu station set UNIT_CODE NAME FIELD VALUE */
static int
cmd_station_set(int argc, char **argv, const char *path)
{
	struct hz_station_edit e = { 0 };
	struct hz_station out;
	const char *field, *value;
	struct cli c;
	uint64_t id;
	enum hz_status rc = HZ_OK;

	if (argc < 7)
		return usage_of(argv[1]);
	field = argv[5];
	value = argv[6];
	if (strcmp(field, "address") == 0)
		e.address = value;
	else if (strcmp(field, "opening_hours") == 0)
		e.opening_hours = value;
	else if (strcmp(field, "description") == 0)
		e.description = value;
	else if (strcmp(field, "phone") == 0)
		e.phone = value;
	else if (strcmp(field, "manager") != 0) {
		fprintf(stderr, "huzu: no station field %s\n", field);
		return usage_of(argv[1]);
	}
	if (cli_open(&c, path) != 0)
		return 1;
	if ((id = cli_station(&c, argv[3], argv[4])) == 0) {
		cli_close(&c);
		return 1;
	}
	if (strcmp(field, "manager") == 0) {
		e.set_manager = true;
		if ((e.manager_id = hz_user_id_by_username(&c.x, value)) == 0) {
			fprintf(stderr, "huzu: no user %s\n", value);
			cli_close(&c);
			return 1;
		}
	}
	if ((rc = hz_station_update(&c.x, id, &e, &out)) == HZ_OK)
		printf("%s (%s): %s = %s\n", argv[4], argv[3], field, value);
	else if (e.set_manager && rc == HZ_ERR_INVALID)
		fprintf(stderr, "huzu: %s does not hold station_manager at or "
		    "above the station's unit; first: huzu role add %s "
		    "station_manager %s\n", value, value, argv[3]);
	else
		cli_fail(&c, "cannot change the station", rc);
	cli_close(&c);
	return rc ? 1 : 0;
}

/* huzu shift add UNIT_CODE STATION START END CAPACITY TITLE [WEEKS] */
static int
cmd_shift_add(int argc, char **argv, const char *path)
{
	struct hz_shift_new in = { .count = 1 };
	struct hz_shift *made;
	struct cli c;
	size_t n;
	int64_t v;
	enum hz_status rc;

	if (argc < 9)
		return usage_of(argv[1]);
	if (!hz_time_parse(argv[5], &in.starts_at) ||
	    !hz_time_parse(argv[6], &in.ends_at)) {
		fputs("huzu: START and END are RFC 3339 times, e.g. "
		    "2026-12-05T09:00:00+08:00\n", stderr);
		return 1;
	}
	if (!hz_parse_i64z(argv[7], 1, HZ_SHIFT_CAPACITY_MAX, &v)) {
		fputs("huzu: CAPACITY is 1 to 500\n", stderr);
		return 1;
	}
	in.capacity = (int)v;
	in.title = argv[8];
	if (argc > 9 && strcmp(argv[9], "-c") != 0) {
		if (!hz_parse_i64z(argv[9], 1, HZ_SHIFT_REPEAT_MAX, &v)) {
			fputs("huzu: WEEKS is 1 to 26\n", stderr);
			return 1;
		}
		in.count = (int)v;
		in.every = "week";
	}
	if (cli_open(&c, path) != 0)
		return 1;
	if ((in.station_id = cli_station(&c, argv[3], argv[4])) == 0) {
		cli_close(&c);
		return 1;
	}
	if ((rc = hz_shift_create(&c.x, &in, &made, &n)))
		cli_fail(&c, "cannot add the shift", rc);
	else
		printf("%zu shift(s) added, the first with id %llu\n", n,
		    (unsigned long long)made[0].id);
	cli_close(&c);
	return rc ? 1 : 0;
}

/* huzu purge: deletes what is kept no longer than configured, and
 * erases old registrations' personal data (retention.h), as the
 * scheduler's purge jobs do. */
static int
cmd_purge(UNUSED int argc, UNUSED char **argv, UNUSED const char *path)
{
	struct cli c;
	unsigned long long n = 0, m = 0, t = 0, e = 0;
	enum hz_status rc;

	if (cli_open(&c, path) != 0)
		return 1;
	if ((rc = hz_checkins_purge(&c.x, c.cfg.checkin_retention_days, &n)) ==
	    HZ_OK && (rc = hz_login_purge(&c.x, &m)) == HZ_OK &&
	    (rc = hz_refresh_purge(&c.x, &t)) == HZ_OK)
		rc = hz_tenancies_erase(&c.x, c.cfg.tenancy_retention_days, &e);
	cli_close(&c);
	if (rc) {
		fprintf(stderr, "huzu: purge failed: %s\n", hz_status_str(rc));
		return 1;
	}
	printf("purged %llu check-in(s) older than %d days, %llu old "
	    "login record(s) and code(s), %llu spent refresh token(s); erased "
	    "the ID numbers and phones of %llu registration(s) closed more "
	    "than %d days ago\n", n, c.cfg.checkin_retention_days, m, t, e,
	    c.cfg.tenancy_retention_days);
	return 0;
}

static int
cmd_routes(UNUSED int argc, UNUSED char **argv, UNUSED const char *path)
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

static int
cmd_serve(UNUSED int argc, UNUSED char **argv, UNUSED const char *path)
{
	const char *exe = self_exe();

	if (exe == NULL) {
		fputs("huzu: cannot find own executable\n", stderr);
		return 1;
	}
	return hz_serve(exe, path);
}

/* `--metrics-fd N` at argv[at] (the master's shared counters,
 * core/base/metrics.h), mapped; true when absent (no metrics). */
static bool
metrics_fd_arg(int argc, char **argv, int at)
{
	int64_t fd;

	if (argc == at)
		return true;
	if (argc != at + 2 || strcmp(argv[at], "--metrics-fd") != 0)
		return false;
	if (strcmp(argv[at + 1], "-1") == 0)    /* the master has none */
		return true;
	if (!hz_parse_i64z(argv[at + 1], 0, 1023, &fd))
		return false;
	(void)hz_metrics_attach((int)fd);
	return true;
}

/* huzu worker -c CONFIG --listen-fd N [--metrics-fd N]: started by the
 * master only. */
static int
cmd_worker(int argc, char **argv, const char *path)
{
	int64_t fd;

	if (argc < 6 || strcmp(argv[4], "--listen-fd") != 0 ||
	    !hz_parse_i64z(argv[5], 0, 1023, &fd) ||
	    !metrics_fd_arg(argc, argv, 6)) {
		fputs("huzu worker is started by huzu serve\n", stderr);
		return 2;
	}
	return hz_worker(path, (int)fd);
}

/* huzu tick [--now=RFC3339] [--wait=SECONDS] [--job=NAME]: every periodic
 * job once, or the one named, at that time (tests drive deadlines with it;
 * operators catch up with it).
 *
 * It takes the same lease as the scheduler of huzu serve, for this one
 * run, and gives it back. While a live scheduler holds it, tick does not
 * run: two runners at once could send a notification twice, and the
 * scheduler does the same work within a minute anyway. --wait polls for
 * the lease that long (the scheduler releases it when it stops; a dead
 * one's expires after scheduler_lease seconds); without it tick exits 75
 * (EX_TEMPFAIL) at once, naming the holder. The lease's times are the
 * database's clock, so a tick in the future never blocks the scheduler. */
/* Whether `name` is a periodic job's; if not, says which there are. */
static bool
job_known(const char *name)
{
	for (size_t k = 0; k < hz_njobs; k++)
		if (strcmp(hz_jobs[k].name, name) == 0)
			return true;
	fprintf(stderr, "huzu: no job %s (they are:", name);
	for (size_t k = 0; k < hz_njobs; k++)
		fprintf(stderr, " %s", hz_jobs[k].name);
	fprintf(stderr, ")\n");
	return false;
}

static int
cmd_tick(int argc, char **argv, const char *path)
{
	struct hz_run_report rep;
	struct hz_lease l;
	struct cli c;
	char holder[192];
	time_t now = time(NULL);
	const char *only = NULL;
	int64_t wait = 0;
	bool held = false;
	enum hz_status rc;

	for (int i = 2; i < argc; i++) {
		if (strncmp(argv[i], "--now=", 6) == 0) {
			if (!hz_time_parse(argv[i] + 6, &now)) {
				fprintf(stderr, "huzu: --now wants an RFC 3339 "
				    "time, e.g. 2026-12-01T08:00:00+08:00\n");
				return usage_of(argv[1]);
			}
		} else if (strncmp(argv[i], "--wait=", 7) == 0) {
			if (!hz_parse_i64z(argv[i] + 7, 0, 3600, &wait))
				return usage_of(argv[1]);
		} else if (strncmp(argv[i], "--job=", 6) == 0) {
			if (!job_known(only = argv[i] + 6))
				return usage_of(argv[1]);
		} else if (strcmp(argv[i], "-c") == 0)
			i++;
		else
			return usage_of(argv[1]);
	}
	if (cli_open(&c, path) != 0)
		return 1;
	c.x.now = now;
	hz_lease_holder(holder, sizeof(holder), (long)getpid());
	for (int64_t waited = 0;; waited++) {
		if ((rc = hz_lease_take(&c.x, HZ_LEASE_JOBS, holder,
		    c.cfg.scheduler_lease, &held)) || held || waited >= wait)
			break;
		sleep(1);
	}
	if (rc || !held) {
		if (rc)
			fprintf(stderr, "huzu: cannot take the scheduler lease: "
			    "%s\n", hz_status_str(rc));
		else if (hz_lease_get(&c.x, HZ_LEASE_JOBS, &l) == HZ_OK)
			fprintf(stderr, "huzu: the scheduler lease is held by %s "
			    "for %lld more second(s); the jobs run there "
			    "(--wait=SECONDS to wait for it)\n", l.holder,
			    l.seconds_left);
		cli_close(&c);
		return rc ? 1 : 75;
	}
	rc = hz_scheduler_run(&c.x, holder, only, &rep);
	(void)hz_lease_release(&c.x, HZ_LEASE_JOBS, holder);
	cli_close(&c);
	for (size_t i = 0; i < rep.njobs; i++) {
		if (only != NULL && strcmp(hz_jobs[i].name, only) != 0)
			continue;
		printf("%s:", hz_jobs[i].name);
		for (size_t k = 0; k < 3 && hz_jobs[i].counts[k]; k++)
			printf(" %s=%llu", hz_jobs[i].counts[k],
			    rep.counts[i][k]);
		printf("%s%s\n", rep.status[i] ? " failed: " : "",
		    rep.status[i] ? hz_status_str(rep.status[i]) : "");
	}
	return rc ? 1 : 0;
}

/* huzu scheduler -c CONFIG [--metrics-fd N]: started by the master only. */
static int
cmd_scheduler(int argc, char **argv, const char *path)
{
	if (!metrics_fd_arg(argc, argv, 4)) {
		fputs("huzu scheduler is started by huzu serve\n", stderr);
		return 2;
	}
	return hz_scheduler_main(path);
}

static int
cmd_config(int argc, char **argv, const char *path)
{
	struct hz_config cfg;
	struct hz_keys keys;
	struct hz_db *db;
	char err[256];
	enum hz_status rc;

	if (argc < 3 || strcmp(argv[2], "-c") == 0) {
		hz_config_print_defaults(stdout);
		return 0;
	}
	if (strcmp(argv[2], "--get") != 0 && strcmp(argv[2], "--check") != 0)
		return usage_of("config");
	if (strcmp(argv[2], "--get") == 0 && (argc < 4 || argv[3][0] == '-'))
		return usage_of("config");
	/* Both read the file as serve would: every error is one line. */
	if (hz_config_load(&cfg, path, err, sizeof(err)) != HZ_OK ||
	    hz_keys_load(&cfg, &keys, err, sizeof(err)) != HZ_OK) {
		fprintf(stderr, "huzu: %s\n", err);
		return 1;
	}
	sodium_memzero(&keys, sizeof(keys));
	if (strcmp(argv[2], "--get") == 0) {
		int r = hz_config_print_value(&cfg, argv[3], stdout);

		sodium_memzero(&cfg, sizeof(cfg));
		if (r != 0)
			fprintf(stderr, "huzu: no configuration key %s\n",
			    argv[3]);
		return r != 0;
	}
	/* --check: the file, its secrets, then the database it names. */
	db = hz_db_new(&cfg);
	rc = db ? hz_db_connect(db) : HZ_ERR_DB;
	db_reason(db, rc, err, sizeof(err));
	hz_db_free(db);
	sodium_memzero(&cfg, sizeof(cfg));
	if (rc != HZ_OK) {
		fprintf(stderr, "huzu: %s: the database cannot be reached (%s)\n",
		    path, err);
		return 1;
	}
	printf("%s: ok (secrets complete, database reachable)\n", path);
	return 0;
}

static int
cmd_version(UNUSED int argc, UNUSED char **argv, UNUSED const char *path)
{
	printf("huzu %s\n", HUZU_VERSION);
	return 0;
}

/* Every command, one row each (like fcgi/routes.c): adding a command is
 * adding a row; the help text is made from this table. */
static const struct command {
	const char *name;     /* one word, or two ("user add") */
	const char *args;     /* after the name; NULL: not listed */
	const char *help;
	const char *more;     /* further usage lines, or NULL */
	int       (*run)(int argc, char **argv, const char *config);
	const char         *label;    /* a list of allowed values, from */
	const char *const  *values;   /* core's rule: NULL-terminated */
} commands[] = {
	{ "serve", "", "run the FastCGI worker pool (foreground)", NULL,
	  cmd_serve },
	{ "worker", NULL, NULL, NULL, cmd_worker },
	{ "scheduler", NULL, NULL, NULL, cmd_scheduler },
	{ "tick", "[--now=RFC3339] [--wait=SECONDS] [--job=NAME]",
	  "run every periodic job once at that time (default: now)",
	  "  takes the scheduler's lease for the run; exits 75 while a live\n"
	  "  scheduler holds it (--wait: wait that long for it); --job: that\n"
	  "  job alone (e.g. checkin_days)\n", cmd_tick },
	{ "migrate", "", "apply the pending migrations in sql_dir", NULL,
	  cmd_migrate },
	{ "init", "VILLAGE_CODE VILLAGE_NAME USERNAME DISPLAY_NAME",
	  "set up an empty instance: the village and its first admin",
	  "  the admin's password is asked for twice on a terminal, else read\n"
	  "  from the first line of stdin; refused once any village or staff\n"
	  "  account exists. init --check: exit 0 if the instance is empty\n",
	  cmd_init },
	{ "import", "UNITS.csv BUILDINGS.csv [STAFF.csv]",
	  "load units, buildings and staff from CSV (all or nothing)",
	  "  units.csv:     code,parent_code,kind,name\n"
	  "  buildings.csv: code,group_code,name,lane,door_no,rooms,"
	  "head_username\n"
	  "  staff.csv:     username,display_name,role,unit_code (one row per\n"
	  "                 role; new accounts get no password)\n"
	  "  UTF-8 (Excel: Save As \"CSV UTF-8\"); door_no: 12, 12-1, 12A, "
	  "12之一\n", cmd_import },
	{ "user add", "USERNAME DISPLAY_NAME [PHONE]",
	  "add a staff account (password on stdin)",
	  "  the password is asked for twice on a terminal, else read from\n"
	  "  the first line of stdin; never give it as an argument\n",
	  cmd_user_add },
	{ "user disable", "USERNAME",
	  "disable a staff account: logged out everywhere at once", NULL,
	  cmd_user_disable },
	{ "user enable", "USERNAME", "enable a disabled staff account again",
	  NULL, cmd_user_enable },
	{ "user password", "USERNAME | --temporary USERNAME... | "
	  "--temporary --passwordless",
	  "set a staff member's password (on stdin; ends their sessions)",
	  "  the password is asked for twice on a terminal, else read from\n"
	  "  the first line of stdin; never give it as an argument\n"
	  "  --temporary: each account (--passwordless: every enabled one\n"
	  "  without a password) gets a temporary password, changed at the\n"
	  "  first login, printed as CSV username,display_name,\n"
	  "  temporary_password on stdout (never logged): hand it out, then\n"
	  "  destroy the file\n",
	  cmd_user_password },
	{ "role add", "USERNAME ROLE UNIT_CODE",
	  "give a staff member a role at a unit", NULL, cmd_role_add,
	  "roles", hz_role_names },
	{ "role remove", "USERNAME ROLE UNIT_CODE",
	  "take a role at a unit from a staff member", NULL, cmd_role_remove,
	  "roles", hz_role_names },
	{ "station add", "UNIT_CODE KIND NAME", "add a station", NULL,
	  cmd_station, "kinds", hz_station_kinds },
	{ "station set", "UNIT_CODE NAME FIELD VALUE",
	  "change a station's address, opening_hours, phone, description or"
	  " manager",
	  "  manager: a username holding the station_manager role at or\n"
	  "  above the station's unit\n", cmd_station_set },
	{ "shift add", "UNIT_CODE STATION START END CAPACITY TITLE [WEEKS]",
	  "publish a volunteer shift (WEEKS: the same time every week)",
	  "  START, END: RFC 3339, e.g. 2026-12-05T09:00:00+08:00\n",
	  cmd_shift_add },
	{ "checklist template", "MONTH TITLE ITEM...",
	  "write a month's checklist template for the building heads",
	  "  MONTH: 2026-12, this month or later; ITEM: \"photo:TEXT\" needs a\n"
	  "  photo; 1 to 20 items; fixed once the month's lists were issued\n",
	  cmd_checklist_template },
	{ "export", "units|buildings|staff [UNIT_CODE]",
	  "print the org tree or the staff list as CSV in the import format",
	  "  the subtree of UNIT_CODE, else the whole village; UTF-8 with BOM,\n"
	  "  CRLF; staff: one row per role, no phone, no password\n",
	  cmd_export },
	{ "purge", "", "delete old check-ins, login records and codes and spent"
	  " refresh tokens; erase old registrations' ID numbers and phones",
	  NULL, cmd_purge },
	{ "config", "[--check | --get KEY]",
	  "print every key with its default; check a config; print one value",
	  "  (nothing): every key with its documentation and default\n"
	  "  --check:   read the config and its secrets file as serve would,\n"
	  "             connect to the database; exit 1 saying what is wrong\n"
	  "  --get KEY: the value of KEY in the config (after defaults)\n",
	  cmd_config },
	{ "keygen", "", "print a new secrets file (redirect it, chmod 600)",
	  NULL, cmd_keygen },
	{ "routes", "", "print the route table", NULL, cmd_routes },
	{ "version", "", "print the version", NULL, cmd_version },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The command argv names: its first word, and its second if it has one. */
static const struct command *
find(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < NCOMMANDS; i++) {
		const char *n = commands[i].name, *sp = strchr(n, ' ');
		size_t len = sp ? (size_t)(sp - n) : strlen(n);

		if (strlen(argv[1]) != len || strncmp(argv[1], n, len) != 0)
			continue;
		if (sp == NULL || (argc > 2 && strcmp(argv[2], sp + 1) == 0))
			return &commands[i];
	}
	return NULL;
}

static void
usage(FILE *f)
{
	fputs("usage: huzu <command> [-c config]\n\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].args != NULL)
			fprintf(f, "  %s%s%s\n      %s\n", commands[i].name,
			    commands[i].args[0] ? " " : "", commands[i].args,
			    commands[i].help);
	fputs("\nconfig: -c PATH, else $HUZU_CONFIG, else var/huzu.conf\n",
	    f);
}

/* The usage of every command whose first word is `word`; 2 if any. */
int
usage_of(const char *word)
{
	size_t n = strlen(word);
	int found = 0;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct command *c = &commands[i];

		if (c->args == NULL || strncmp(c->name, word, n) != 0 ||
		    (c->name[n] != '\0' && c->name[n] != ' '))
			continue;
		fprintf(stderr, "usage: huzu %s%s%s [-c config]\n%s", c->name,
		    c->args[0] ? " " : "", c->args, c->more ? c->more : "");
		if (c->values != NULL) {
			fprintf(stderr, "  %s:", c->label);
			for (size_t k = 0; c->values[k]; k++)
				fprintf(stderr, " %s", c->values[k]);
			fputs("\n", stderr);
		}
		found = 2;
	}
	return found;
}

int
main(int argc, char **argv)
{
	const struct command *c;

	if (sodium_init() < 0) {
		fputs("huzu: libsodium failed to initialise\n", stderr);
		return 1;
	}
	/* Admin commands report on stdout/stderr themselves; their log lines
	 * would only repeat it. serve and worker set their own level. */
	hz_log_set_level(HZ_LOG_WARN);
	/* Asked for: the list on stdout, and success. */
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	if ((c = find(argc, argv)) == NULL) {
		/* A known first word with an unknown second: its own usage. */
		if (argc > 1 && find(argc > 2 ? 2 : argc, argv) == NULL)
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (strncmp(commands[i].name, argv[1],
				    strlen(argv[1])) == 0 &&
				    commands[i].name[strlen(argv[1])] == ' ')
					return usage_of(argv[1]);
		usage(stderr);
		return 2;
	}
	return c->run(argc, argv, config_path(argc, argv));
}
