#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "migrate.h"
#include "num.h"

enum {
	STMT_CREATE,
	STMT_APPLIED,
	STMT_RECORD,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_CREATE] =
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version INT UNSIGNED NOT NULL PRIMARY KEY,"
	    " name VARCHAR(255) NOT NULL,"
	    " checksum CHAR(64) NOT NULL,"
	    " applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
	    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	[STMT_APPLIED] =
	    "SELECT version, name, checksum FROM schema_migrations "
	    "ORDER BY version",
	[STMT_RECORD] =
	    "INSERT INTO schema_migrations (version, name, checksum) "
	    "VALUES (?, ?, ?)",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("migrate", sql);

/* STMT_APPLIED's row. */
enum { M_VERSION, M_NAME, M_CHECKSUM };

struct file {
	int64_t version;
	char    name[256];
};

static int
by_version(const void *a, const void *b)
{
	const struct file *x = a, *y = b;

	return x->version < y->version ? -1 : x->version > y->version;
}

/* NNNN_lowercase_name.sql */
static bool
parse_name(const char *n, int64_t *version)
{
	size_t len = strlen(n);

	if (len < 10 || len > 200 || strcmp(n + len - 4, ".sql") != 0 ||
	    n[4] != '_' || !hz_parse_i64(n, 4, 1, 9999, version))
		return false;
	for (size_t i = 5; i < len - 4; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') ||
		    (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
			return false;
	return true;
}

static enum hz_status
list_files(const char *dir, hz_arena *a, struct file **out, size_t *n)
{
	DIR *d;
	struct dirent *de;
	struct file *files = NULL;
	size_t cap = 0, k = 0;

	if ((d = opendir(dir)) == NULL) {
		hz_error("cannot open migrations", "dir=%s error=\"%s\"", dir,
		    strerror(errno));
		return HZ_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		int64_t v;

		if (de->d_name[0] == '.' || !parse_name(de->d_name, &v))
			continue;
		if (k == cap) {
			struct file *g;
			cap = cap ? cap * 2 : 32;
			if ((g = hz_arena_calloc(a, cap, sizeof(*g))) == NULL) {
				closedir(d);
				return HZ_ERR_NOMEM;
			}
			if (k)
				memcpy(g, files, k * sizeof(*g));
			files = g;
		}
		files[k].version = v;
		snprintf(files[k].name, sizeof(files[k].name), "%s",
		    de->d_name);
		k++;
	}
	closedir(d);
	if (k > 1)
		qsort(files, k, sizeof(*files), by_version);
	for (size_t i = 1; i < k; i++)
		if (files[i].version == files[i - 1].version) {
			hz_error("two migrations share a number",
			    "a=%s b=%s", files[i - 1].name, files[i].name);
			return HZ_ERR_CONFIG;
		}
	*out = files;
	*n = k;
	return HZ_OK;
}

static enum hz_status
read_file(hz_arena *a, const char *path, char **out, size_t *len)
{
	FILE *f;
	struct hz_buf b;
	char chunk[4096];
	size_t r;

	if ((f = fopen(path, "rb")) == NULL)
		return HZ_ERR_IO;
	hz_buf_init(&b, a);
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		hz_buf_append(&b, chunk, r);
	fclose(f);
	if (b.oom)
		return HZ_ERR_NOMEM;
	*out = b.data ? b.data : hz_arena_strdup(a, "");
	*len = b.len;
	return *out ? HZ_OK : HZ_ERR_NOMEM;
}

static void
sha256_hex(const char *data, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)data, len);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* ER_LOCK_WAIT_TIMEOUT: a statement that waited 2 s for a table in use
 * (lock_wait_timeout) or a row (innodb_lock_wait_timeout, both set by the
 * connection's init command, core/base/db.c) was rolled back whole (no
 * migration opens a transaction: each statement commits on its own), so
 * it runs again: LOCK_TRIES times in all, LOCK_PAUSE_S apart, the site
 * serving in the pauses (migrate.h). */
#define LOCK_WAIT_TIMEOUT 1205
#define LOCK_TRIES        5
#define LOCK_PAUSE_S      3

static enum hz_status
run_stmt(struct hz_db *db, const char *text, size_t len, FILE *out)
{
	enum hz_status rc;

	for (int tries = 1;; tries++) {
		rc = hz_db_run_sql(db, text, len);
		if (rc != HZ_ERR_DB || hz_db_errno(db) != LOCK_WAIT_TIMEOUT ||
		    tries == LOCK_TRIES)
			return rc;
		fprintf(out, "a table is in use: trying again in %d s\n",
		    LOCK_PAUSE_S);
		fflush(out);
		sleep(LOCK_PAUSE_S);
	}
}

/* Runs each statement of a file: statements end with ';' at line end;
 * "--" lines are dropped. */
static enum hz_status
run_file(struct hz_db *db, hz_arena *a, const char *text, size_t len,
         FILE *out)
{
	struct hz_buf stmt;
	const char *p = text, *end = text + len;
	enum hz_status rc;

	hz_buf_init(&stmt, a);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p, *e = le;

		p = nl ? nl + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e - s >= 2 && s[0] == '-' && s[1] == '-')
			continue;
		if (e == s)
			continue;
		hz_buf_append(&stmt, s, (size_t)(e - s));
		if (e[-1] != ';') {
			hz_buf_append(&stmt, "\n", 1);
			continue;
		}
		if (stmt.oom)
			return HZ_ERR_NOMEM;
		/* Drop the terminating ';'. */
		if ((rc = run_stmt(db, stmt.data, stmt.len - 1, out)) != HZ_OK)
			return rc;
		hz_buf_init(&stmt, a);
	}
	if (stmt.len > 0) {
		hz_error("migration ends without ';'", "%s", "");
		return HZ_ERR_CONFIG;
	}
	return HZ_OK;
}

enum hz_status
hz_migrate(struct hz_db *db, const char *dir, FILE *out, int *applied)
{
	hz_arena *a;
	struct hz_db_result done;
	struct file *files = NULL;
	size_t nfiles = 0;
	enum hz_status rc = HZ_ERR_NOMEM;

	*applied = 0;
	if ((a = hz_arena_new(64 * 1024)) == NULL)
		return HZ_ERR_NOMEM;
	if ((rc = hz_db_run(db, a, &stmts, STMT_CREATE, HZ_NO_ARGS, NULL)) ||
	    (rc = hz_db_run(db, a, &stmts, STMT_APPLIED, HZ_NO_ARGS, &done)) ||
	    (rc = list_files(dir, a, &files, &nfiles)))
		goto out;

	for (size_t i = 0; i < nfiles; i++) {
		char path[HZ_PATH_MAX + 256], hex[65], *text;
		const struct hz_db_cell *row = NULL;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		if ((rc = read_file(a, path, &text, &len)) != HZ_OK) {
			hz_error("cannot read migration", "file=%s", path);
			goto out;
		}
		sha256_hex(text, len, hex);
		for (size_t r = 0; r < done.nrows; r++)
			if (HZ_CELL(&done, r, M_VERSION)->i == files[i].version)
				row = HZ_CELL(&done, r, 0);
		if (row != NULL) {
			if (strcmp(row[M_CHECKSUM].s, hex) != 0) {
				hz_error("applied migration was edited",
				    "file=%s", files[i].name);
				fprintf(out, "error: %s changed after it was "
				    "applied; add a new migration instead\n",
				    files[i].name);
				rc = HZ_ERR_CONFIG;
				goto out;
			}
			continue;
		}
		fprintf(out, "applying %s\n", files[i].name);
		fflush(out);    /* before a statement that may run minutes */
		if ((rc = run_file(db, a, text, len, out)) != HZ_OK) {
			if (hz_db_errno(db) != 0)
				fprintf(out, "error: %s failed: MariaDB error "
				    "%u: %s\n", files[i].name, hz_db_errno(db),
				    hz_db_error(db));
			else
				fprintf(out, "error: %s failed (%s)\n",
				    files[i].name, hz_status_str(rc));
			goto out;
		}
		struct hz_db_arg args[] = {
			HZ_ARG_I64(files[i].version),
			HZ_ARG_STR(files[i].name),
			HZ_ARG_STR(hex),
		};
		if ((rc = hz_db_run(db, a, &stmts, STMT_RECORD, HZ_ARGV(args),
		    NULL)) != HZ_OK)
			goto out;
		hz_info("migration applied", "file=%s", files[i].name);
		(*applied)++;
	}
	rc = HZ_OK;
out:
	hz_arena_free(a);
	return rc;
}
