/* The same-work floor for scripts/bench: a prefork libfcgi program doing
 * what GET /api/v1/me must do and nothing else. It verifies the HS256
 * bearer token with libjwt under huzu's current key (alg, iss, aud, exp,
 * iat, sub, sid and kind checked as core/access.c does), runs one prepared
 * point select on users by primary key (huzu's caller statement, the
 * session's state riding along, prepared once per process) and prints a
 * small JSON body. /me's distance from this is what the framework costs
 * (issue 14). scripts/bench starts it like the ceiling, in a session of
 * its own, and stops the whole group.
 *
 * With a fourth argument `write` it is the write floor instead, what a
 * check-in must do at the least: the same verify and caller select, then
 * one durable autocommitted insert into the bench's own narrow table
 * bench_writes (a primary key and nothing else to maintain), answered 201
 * with the new id. POST /api/v1/checkins's distance from it is the
 * framework's cost on a write; its distance from the ceiling is what the
 * machine's round trips and log flushes cost.
 *
 * usage: huzu-floor SOCKET WORKERS CONFIG [write]
 * CONFIG is huzu's own config file: db_socket, db_name, db_user,
 * secrets_file (db_password, jwt_current, jwt_key_<kid>), jwt_issuer and
 * jwt_audience are read from it. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jwt.h>
#include <mysql.h>

#define CLOCK_SKEW 60

static char db_socket[512], db_name[128], db_user[128], db_password[256];
static char issuer[128], audience[128], secrets[512], kid[64];
static unsigned char key[128];
static int key_len;

static MYSQL *db;
static MYSQL_STMT *stmt, *insert;
static bool write_mode;

static const char sql[] =
    "SELECT u.kind, u.display_name, u.username, u.disabled,"
    " s.id IS NOT NULL FROM users u LEFT JOIN sessions s ON s.id = ?"
    " AND s.user_id = u.id AND s.revoked_at IS NULL WHERE u.id = ?";
static const char insert_sql[] =
    "INSERT INTO bench_writes (user_id, at) VALUES (?, NOW(3))";

/* "key = value" lines; copies KEY's value into OUT. */
static bool
read_key(const char *path, const char *name, char *out, size_t len)
{
	char line[1024];
	size_t n = strlen(name);
	bool found = false;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line, *e;

		if (strncmp(p, name, n) != 0)
			continue;
		for (p += n; *p == ' ' || *p == '\t'; p++)
			;
		if (*p++ != '=')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p + strlen(p); e > p && (e[-1] == '\n' ||
		    e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (strlen(p) < len) {
			memcpy(out, p, strlen(p) + 1);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static bool
load_config(const char *path)
{
	char name[96], hex[300];

	if (!read_key(path, "db_socket", db_socket, sizeof(db_socket)) ||
	    !read_key(path, "db_name", db_name, sizeof(db_name)) ||
	    !read_key(path, "db_user", db_user, sizeof(db_user)) ||
	    !read_key(path, "secrets_file", secrets, sizeof(secrets)) ||
	    !read_key(path, "jwt_issuer", issuer, sizeof(issuer)) ||
	    !read_key(path, "jwt_audience", audience, sizeof(audience)) ||
	    !read_key(secrets, "db_password", db_password,
	    sizeof(db_password)) ||
	    !read_key(secrets, "jwt_current", kid, sizeof(kid)))
		return false;
	snprintf(name, sizeof(name), "jwt_key_%s", kid);
	if (!read_key(secrets, name, hex, sizeof(hex)) || strlen(hex) % 2 ||
	    strlen(hex) / 2 > sizeof(key) || strlen(hex) < 64)
		return false;
	for (key_len = 0; hex[2 * key_len]; key_len++) {
		unsigned v;

		if (sscanf(hex + 2 * key_len, "%2x", &v) != 1)
			return false;
		key[key_len] = (unsigned char)v;
	}
	return true;
}

static void
db_close(void)
{
	if (stmt)
		mysql_stmt_close(stmt);
	if (insert)
		mysql_stmt_close(insert);
	if (db)
		mysql_close(db);
	stmt = insert = NULL;
	db = NULL;
}

static bool
db_open(void)
{
	unsigned timeout = 2;

	db_close();
	if ((db = mysql_init(NULL)) == NULL)
		return false;
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (mysql_real_connect(db, NULL, db_user, db_password, db_name, 0,
	    db_socket, 0) == NULL ||
	    (stmt = mysql_stmt_init(db)) == NULL ||
	    mysql_stmt_prepare(stmt, sql, sizeof(sql) - 1) != 0 ||
	    (write_mode && ((insert = mysql_stmt_init(db)) == NULL ||
	    mysql_stmt_prepare(insert, insert_sql, sizeof(insert_sql) - 1)
	    != 0))) {
		fprintf(stderr, "huzu-floor: %s\n", mysql_error(db));
		db_close();
		return false;
	}
	return true;
}

/* The parsed claims of a valid access token. */
struct claims {
	long long sub, sid;
	char      kind[16];
};

static bool
parse_id(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s < '1' || *s > '9')
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static bool
verify(const char *h, struct claims *c)
{
	const char *iss, *aud, *kind;
	long iat, exp, now = (long)time(NULL);
	jwt_t *j = NULL;
	bool ok;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	for (h += 7; *h == ' '; h++)
		;
	if (strlen(h) > 2048 || jwt_decode(&j, h, key, key_len) != 0 ||
	    j == NULL)
		return false;
	iss = jwt_get_grant(j, "iss");
	aud = jwt_get_grant(j, "aud");
	kind = jwt_get_grant(j, "kind");
	iat = jwt_get_grant_int(j, "iat");
	exp = jwt_get_grant_int(j, "exp");
	ok = jwt_get_alg(j) == JWT_ALG_HS256 && iss && !strcmp(iss, issuer) &&
	    aud && !strcmp(aud, audience) && kind &&
	    strlen(kind) < sizeof(c->kind) &&
	    parse_id(jwt_get_grant(j, "sub"), &c->sub) &&
	    parse_id(jwt_get_grant(j, "sid"), &c->sid) &&
	    exp > now && iat > 0 && iat <= now + CLOCK_SKEW && exp > iat;
	if (ok)
		memcpy(c->kind, kind, strlen(kind) + 1);
	jwt_free(j);
	return ok;
}

/* The caller's row. */
struct user {
	char          kind[16], name[256], username[128];
	unsigned long kind_len, name_len, username_len;
	my_bool       username_null;
	int           disabled;
	long long     live;
};

/* 1: found, 0: no such live user, -1: database error. */
static int
lookup(const struct claims *c, struct user *u)
{
	MYSQL_BIND in[2], out[5];
	long long sid = c->sid, sub = c->sub;
	int rc;

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	memset(u, 0, sizeof(*u));
	in[0].buffer_type = in[1].buffer_type = MYSQL_TYPE_LONGLONG;
	in[0].buffer = &sid;
	in[1].buffer = &sub;
	out[0].buffer_type = MYSQL_TYPE_STRING;
	out[0].buffer = u->kind;
	out[0].buffer_length = sizeof(u->kind) - 1;
	out[0].length = &u->kind_len;
	out[1].buffer_type = MYSQL_TYPE_STRING;
	out[1].buffer = u->name;
	out[1].buffer_length = sizeof(u->name) - 1;
	out[1].length = &u->name_len;
	out[2].buffer_type = MYSQL_TYPE_STRING;
	out[2].buffer = u->username;
	out[2].buffer_length = sizeof(u->username) - 1;
	out[2].length = &u->username_len;
	out[2].is_null = &u->username_null;
	out[3].buffer_type = MYSQL_TYPE_LONG;
	out[3].buffer = &u->disabled;
	out[4].buffer_type = MYSQL_TYPE_LONGLONG;
	out[4].buffer = &u->live;
	if (mysql_stmt_bind_param(stmt, in) || mysql_stmt_bind_result(stmt, out) ||
	    mysql_stmt_execute(stmt))
		return -1;
	rc = mysql_stmt_fetch(stmt);
	if (rc == 1)
		return -1;
	mysql_stmt_free_result(stmt);
	if (rc == MYSQL_NO_DATA)
		return 0;
	/* Truncated cells stay cut at their buffer: they are never longer
	 * here (the columns are shorter). */
	u->kind[u->kind_len < sizeof(u->kind) ? u->kind_len
	    : sizeof(u->kind) - 1] = '\0';
	u->name[u->name_len < sizeof(u->name) ? u->name_len
	    : sizeof(u->name) - 1] = '\0';
	u->username[u->username_len < sizeof(u->username) ? u->username_len
	    : sizeof(u->username) - 1] = '\0';
	return !u->disabled && u->live > 0 && !strcmp(u->kind, c->kind);
}

/* The write floor's insert: its id, or 0 on a database error. */
static unsigned long long
record(const struct claims *c)
{
	MYSQL_BIND in[1];
	long long sub = c->sub;

	memset(in, 0, sizeof(in));
	in[0].buffer_type = MYSQL_TYPE_LONGLONG;
	in[0].buffer = &sub;
	if (mysql_stmt_bind_param(insert, in) || mysql_stmt_execute(insert))
		return 0;
	return (unsigned long long)mysql_stmt_insert_id(insert);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void
put_json_str(FCGX_Stream *o, const char *s)
{
	FCGX_PutChar('"', o);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			FCGX_PutChar('\\', o);
			FCGX_PutChar(ch, o);
		} else if (ch < 0x20)
			FCGX_FPrintF(o, "\\u%04x", ch);
		else
			FCGX_PutChar(ch, o);
	}
	FCGX_PutChar('"', o);
}

static void
reply_error(FCGX_Stream *o, const char *status, const char *code)
{
	FCGX_FPrintF(o, "Status: %s\r\nContent-Type: application/json\r\n\r\n"
	    "{\"error\":{\"code\":\"%s\"}}", status, code);
}

static void
serve(FCGX_Request *r)
{
	struct claims c;
	struct user u;
	int found;

	if (!verify(FCGX_GetParam("HTTP_AUTHORIZATION", r->envp), &c)) {
		reply_error(r->out, "401 Unauthorized", "token_invalid");
		return;
	}
	/* One reconnect when the connection was lost. */
	if ((db == NULL && !db_open()) ||
	    ((found = lookup(&c, &u)) < 0 && (!db_open() ||
	    (found = lookup(&c, &u)) < 0))) {
		reply_error(r->out, "503 Service Unavailable", "unavailable");
		return;
	}
	if (!found) {
		reply_error(r->out, "401 Unauthorized", "token_invalid");
		return;
	}
	if (write_mode) {
		unsigned long long id = record(&c);

		if (id == 0)
			reply_error(r->out, "503 Service Unavailable",
			    "unavailable");
		else
			FCGX_FPrintF(r->out, "Status: 201 Created\r\n"
			    "Content-Type: application/json\r\n\r\n"
			    "{\"id\":%llu}", id);
		return;
	}
	FCGX_FPrintF(r->out, "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n\r\n"
	    "{\"user\":{\"id\":%lld,\"kind\":\"%s\",\"display_name\":", c.sub,
	    u.kind);
	put_json_str(r->out, u.name);
	FCGX_PutS(",\"username\":", r->out);
	if (u.username_null)
		FCGX_PutS("null", r->out);
	else
		put_json_str(r->out, u.username);
	FCGX_PutS("}}", r->out);
}

int
main(int argc, char **argv)
{
	FCGX_Request r;
	int fd, n;

	if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "write")) ||
	    (n = (int)strtol(argv[2], NULL, 10)) < 1 || n > 64) {
		fputs("usage: huzu-floor SOCKET WORKERS CONFIG [write]\n", stderr);
		return 2;
	}
	write_mode = argc == 5;
	if (!load_config(argv[3])) {
		fprintf(stderr, "huzu-floor: cannot read %s or its secrets\n",
		    argv[3]);
		return 1;
	}
	if (mysql_library_init(0, NULL, NULL) != 0)
		return 1;
	FCGX_Init();
	if ((fd = FCGX_OpenSocket(argv[1], 1024)) < 0)
		return 1;
	for (int i = 0; i < n; i++)
		if (fork() == 0) {
			(void)db_open();
			FCGX_InitRequest(&r, fd, 0);
			while (FCGX_Accept_r(&r) >= 0) {
				serve(&r);
				FCGX_Finish_r(&r);
			}
			db_close();
			_exit(0);
		}
	while (wait(NULL) > 0)
		;
	return 0;
}
