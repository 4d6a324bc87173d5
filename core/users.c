#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "crypto.h"
#include "log.h"
#include "users.h"
#include "utf8.h"

#define PW_OPS 2
#define PW_MEM (19u * 1024 * 1024)

enum {
	STMT_BY_USERNAME, STMT_INSERT_STAFF, STMT_UNIT_KIND, STMT_STAFF_KIND,
	STMT_GRANT, STMT_REVOKE, STMT_BY_PHONE, STMT_INSERT_RESIDENT,
	STMT_BY_WECHAT, STMT_INSERT_WECHAT, STMT_LIST_STAFF, STMT_GET_STAFF,
	STMT_BUMP_AUTHZ, STMT_COUNT_GRANTS,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_BY_USERNAME] =
	    "SELECT id, password_hash FROM users"
	    " WHERE username = ? AND kind = 'staff' AND disabled = 0",
	[STMT_INSERT_STAFF] =
	    "INSERT INTO users (kind, username, password_hash, display_name,"
	    " phone_sealed, phone_index) VALUES ('staff', ?, ?, ?, ?, ?)",
	[STMT_UNIT_KIND] =
	    "SELECT kind, path FROM units WHERE id = ?",
	[STMT_STAFF_KIND] =
	    "SELECT kind FROM users WHERE id = ?",
	[STMT_GRANT] =
	    "INSERT INTO role_assignments (user_id, role, unit_id, created_by)"
	    " VALUES (?, ?, ?, ?)",
	[STMT_REVOKE] =
	    "DELETE r FROM role_assignments r JOIN units n ON n.id = r.unit_id"
	    " WHERE r.id = ? AND r.user_id = ? AND n.path LIKE CONCAT(?, '%')",
	/* Locking reads: inside a transaction they see a row another one
	 * just committed, where a plain read would see the old snapshot. */
	[STMT_BY_PHONE] =
	    "SELECT id, kind, disabled FROM users WHERE phone_index = ?"
	    " FOR UPDATE",
	[STMT_INSERT_RESIDENT] =
	    "INSERT INTO users (kind, display_name, phone_sealed, phone_index)"
	    " VALUES ('resident', ?, ?, ?)",
	[STMT_BY_WECHAT] =
	    "SELECT id, kind, disabled FROM users WHERE wechat_index = ?"
	    " FOR UPDATE",
	[STMT_INSERT_WECHAT] =
	    "INSERT INTO users (kind, display_name, wechat_index)"
	    " VALUES ('resident', '微信用户', ?)",
	[STMT_LIST_STAFF] =
	    "SELECT id, username, display_name, phone_sealed, disabled"
	    " FROM users WHERE kind = 'staff' AND id > ? ORDER BY id LIMIT ?",
	[STMT_GET_STAFF] =
	    "SELECT id, username, display_name, phone_sealed, disabled"
	    " FROM users WHERE kind = 'staff' AND id = ?",
	/* See users.authz_version (sql/0002_identity.sql). */
	[STMT_BUMP_AUTHZ] =
	    "UPDATE users SET authz_version = authz_version + 1 WHERE id = ?",
	[STMT_COUNT_GRANTS] =
	    "SELECT COUNT(*) FROM role_assignments WHERE user_id = ?",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("users", sql);

enum hz_status
hz_password_hash(const char *password, char out[128])
{
	return crypto_pwhash_str(out, password, strlen(password), PW_OPS,
	    PW_MEM) == 0 ? HZ_OK : HZ_ERR_NOMEM;
}

bool
hz_password_check(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* What may be looked up as a username: the characters usernames are made
 * of, in either case (the column compares case-insensitively). Anything
 * else is no username, and must not reach the ascii column, where MariaDB
 * refuses to compare it (ER_CANT_AGGREGATE_2COLLATIONS). */
static bool
lookup_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

enum hz_status
hz_staff_authenticate(const struct hz_ctx *x, const char *user,
                      const char *password, uint64_t *id)
{
	/* Checked when the user does not exist, so that the answer takes as
	 * long either way. Made once per process. */
	static char dummy[128];
	struct hz_db_arg u = HZ_ARG_STR(user);
	struct hz_db_result r;
	enum hz_status rc;

	if (dummy[0] == '\0' && hz_password_hash("huzu-no-such-user", dummy))
		return HZ_ERR_NOMEM;
	if (!lookup_name_ok(user))
		r.nrows = 0;
	else if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BY_USERNAME, &u,
	    1, &r)))
		return rc;
	if (r.nrows == 0 || HZ_CELL(&r, 0, 1)->null) {
		(void)hz_password_check(dummy, password);
		return HZ_ERR_UNAUTHORIZED;
	}
	if (!hz_password_check(HZ_CELL(&r, 0, 1)->s, password))
		return HZ_ERR_UNAUTHORIZED;
	*id = (uint64_t)HZ_CELL(&r, 0, 0)->i;
	return HZ_OK;
}

static bool
username_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 3 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

enum hz_status
hz_staff_create(const struct hz_ctx *x, const struct hz_staff_new *s,
                uint64_t *id, const char **why)
{
	char hash[128], detail[160];
	unsigned char index[HZ_INDEX_BYTES], *sealed = NULL;
	size_t sealed_len = 0;
	long pwlen = hz_utf8_count(s->password, strlen(s->password));
	long dnlen = hz_utf8_count(s->display_name, strlen(s->display_name));
	struct hz_db_result r;
	enum hz_status rc;

	*why = NULL;
	if (x->caller != NULL && !hz_can_anywhere(x->caller,
	    HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if (!username_valid(s->username))
		*why = "username";
	else if (pwlen < 10 || pwlen > 128)
		*why = "password";
	else if (dnlen < 1 || dnlen > 32)
		*why = "display_name";
	else if (s->phone != NULL && !hz_phone_valid(s->phone))
		*why = "phone";
	if (*why != NULL)
		return HZ_ERR_INVALID;
	if (s->phone != NULL) {
		if ((rc = hz_seal(x->arena, x->keys, "phone", s->phone,
		    strlen(s->phone), &sealed, &sealed_len)))
			return rc;
		hz_blind_index(x->keys, "phone", s->phone, strlen(s->phone),
		    index);
	}
	if ((rc = hz_password_hash(s->password, hash)))
		return rc;
	struct hz_db_arg args[] = {
		HZ_ARG_STR(s->username), HZ_ARG_STR(hash),
		HZ_ARG_STR(s->display_name),
		sealed ? HZ_ARG_STRN((const char *)sealed, sealed_len)
		    : HZ_ARG_NULL,
		sealed ? HZ_ARG_STRN((const char *)index, sizeof(index))
		    : HZ_ARG_NULL,
	};
	rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT_STAFF, args, 5, &r);
	sodium_memzero(hash, sizeof(hash));
	if (rc == HZ_ERR_CONFLICT)
		*why = "username";
	if (rc)
		return rc;
	*id = r.insert_id;
	snprintf(detail, sizeof(detail), "{\"username\":\"%s\"}", s->username);
	return hz_audit(x, 0, "user.create", "user", *id, detail);
}

enum hz_status
hz_role_grant(const struct hz_ctx *x, uint64_t user_id, enum hz_role role,
              uint64_t unit_id, uint64_t *id, const char **why)
{
	struct hz_db_arg unit = HZ_ARG_I64((long long)unit_id);
	struct hz_db_arg user = HZ_ARG_I64((long long)user_id);
	struct hz_db_result u, k, r;
	const char *want = hz_role_unit_kind(role);
	char detail[128];
	enum hz_status rc;

	*why = NULL;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UNIT_KIND, &unit, 1,
	    &u)))
		return rc;
	if (u.nrows == 0) {
		*why = "unit_id";
		return HZ_ERR_NOT_FOUND;
	}
	if (x->caller != NULL && (rc = hz_authorize(x->caller,
	    HZ_RIGHT_USER_ADMIN, HZ_CELL(&u, 0, 1)->s))) {
		*why = "unit_id";
		return rc;
	}
	if (want != NULL && strcmp(want, HZ_CELL(&u, 0, 0)->s) != 0) {
		*why = "role";
		return HZ_ERR_INVALID;
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_STAFF_KIND, &user, 1,
	    &k)))
		return rc;
	if (k.nrows == 0) {
		*why = "user";
		return HZ_ERR_NOT_FOUND;
	}
	if (strcmp(HZ_CELL(&k, 0, 0)->s, "staff") != 0) {
		*why = "user";
		return HZ_ERR_INVALID;
	}
	/* Every grant must fit the caller (policy.h): refuse more. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_COUNT_GRANTS, &user,
	    1, &k)))
		return rc;
	if (HZ_CELL(&k, 0, 0)->i >= HZ_GRANTS_MAX) {
		*why = "too_many";
		return HZ_ERR_INVALID;
	}
	struct hz_db_arg args[] = {
		user, HZ_ARG_STR(hz_role_name(role)), unit,
		x->caller ? HZ_ARG_I64((long long)x->caller->id) : HZ_ARG_NULL,
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GRANT, args, 4, &r)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_BUMP_AUTHZ, &user, 1,
	    NULL)))
		return rc;
	*id = r.insert_id;
	snprintf(detail, sizeof(detail), "{\"role\":\"%s\",\"unit_id\":%llu,"
	    "\"user_id\":%llu}", hz_role_name(role),
	    (unsigned long long)unit_id, (unsigned long long)user_id);
	return hz_audit(x, 0, "role.grant", "role_assignment", *id, detail);
}

enum hz_status
hz_role_revoke(const struct hz_ctx *x, uint64_t user_id, uint64_t assignment)
{
	const char *roots[HZ_GRANTS_MAX];
	size_t n = hz_scope_roots(x->caller, HZ_RIGHT_USER_ADMIN, roots,
	    HZ_GRANTS_MAX);
	struct hz_db_result r;
	enum hz_status rc;
	char detail[64];

	for (size_t i = 0; i < n; i++) {
		struct hz_db_arg args[] = {
			HZ_ARG_I64((long long)assignment),
			HZ_ARG_I64((long long)user_id), HZ_ARG_STR(roots[i]),
		};
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_REVOKE, args,
		    3, &r)))
			return rc;
		if (r.affected == 1) {
			struct hz_db_arg u = HZ_ARG_I64((long long)user_id);
			if ((rc = hz_db_run(x->db, x->arena, &stmts,
			    STMT_BUMP_AUTHZ, &u, 1, NULL)))
				return rc;
			snprintf(detail, sizeof(detail), "{\"user_id\":%llu}",
			    (unsigned long long)user_id);
			return hz_audit(x, 0, "role.revoke", "role_assignment",
			    assignment, detail);
		}
	}
	return HZ_ERR_NOT_FOUND;
}

/* A phone or WeChat login opens resident accounts only: a staff account
 * holding the same number logs in with its password, and a disabled
 * account not at all. */
static enum hz_status
found_resident(const struct hz_db_result *r, uint64_t *id)
{
	if (strcmp(HZ_CELL(r, 0, 1)->s, "resident") != 0 ||
	    HZ_CELL(r, 0, 2)->i != 0)
		return HZ_ERR_FORBIDDEN;
	*id = (uint64_t)HZ_CELL(r, 0, 0)->i;
	return HZ_OK;
}

enum hz_status
hz_resident_by_phone(const struct hz_ctx *x, const char *phone, uint64_t *id,
                     bool *created)
{
	unsigned char index[HZ_INDEX_BYTES], *sealed;
	size_t sealed_len;
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)index, sizeof(index));
	struct hz_db_result r;
	char name[32];
	enum hz_status rc;

	*created = false;
	if (!hz_phone_valid(phone))
		return HZ_ERR_INVALID;
	hz_blind_index(x->keys, "phone", phone, strlen(phone), index);
	/* Twice at most: a concurrent first login may insert between our
	 * look-up and our insert; then the second look-up finds it. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BY_PHONE, &ix,
		    1, &r)))
			return rc;
		if (r.nrows == 1)
			return found_resident(&r, id);
		if ((rc = hz_seal(x->arena, x->keys, "phone", phone,
		    strlen(phone), &sealed, &sealed_len)))
			return rc;
		snprintf(name, sizeof(name), "住户%s", phone + 7);
		struct hz_db_arg args[] = {
			HZ_ARG_STR(name),
			HZ_ARG_STRN((const char *)sealed, sealed_len), ix,
		};
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT_RESIDENT,
		    args, 3, &r);
		if (rc == HZ_ERR_CONFLICT)
			continue;
		if (rc)
			return rc;
		*id = r.insert_id;
		*created = true;
		return hz_audit(x, *id, "user.register", "user", *id, NULL);
	}
	return HZ_ERR_CONFLICT;
}

enum hz_status
hz_resident_by_wechat(const struct hz_ctx *x, const char *openid,
                      uint64_t *id, bool *created)
{
	unsigned char index[HZ_INDEX_BYTES];
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)index, sizeof(index));
	struct hz_db_result r;
	enum hz_status rc;

	*created = false;
	hz_blind_index(x->keys, "wechat", openid, strlen(openid), index);
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BY_WECHAT, &ix,
		    1, &r)))
			return rc;
		if (r.nrows == 1)
			return found_resident(&r, id);
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT_WECHAT, &ix,
		    1, &r);
		if (rc == HZ_ERR_CONFLICT)
			continue;
		if (rc)
			return rc;
		*id = r.insert_id;
		*created = true;
		return hz_audit(x, *id, "user.register", "user", *id,
		    "{\"via\":\"wechat\"}");
	}
	return HZ_ERR_CONFLICT;
}

static char *
masked(const struct hz_ctx *x, const struct hz_db_cell *c)
{
	char *plain;

	if (c->null || hz_unseal(x->arena, x->keys, "phone",
	    (const unsigned char *)c->s, c->len, &plain) != HZ_OK)
		return NULL;
	return hz_mask_phone(x->arena, plain);
}

char *
hz_user_phone_masked(const struct hz_ctx *x, const struct hz_caller *c)
{
	struct hz_db_cell cell = {
		.null = c->phone_sealed == NULL,
		.s = (const char *)c->phone_sealed, .len = c->phone_len,
	};

	return masked(x, &cell);
}

static void
staff_row(const struct hz_ctx *x, const struct hz_db_result *r, size_t i,
          struct hz_staff_row *s)
{
	s->id = (uint64_t)HZ_CELL(r, i, 0)->i;
	s->username = HZ_CELL(r, i, 1)->s;
	s->display_name = HZ_CELL(r, i, 2)->s;
	s->phone_masked = masked(x, HZ_CELL(r, i, 3));
	s->disabled = HZ_CELL(r, i, 4)->i != 0;
}

enum hz_status
hz_staff_list(const struct hz_ctx *x, uint64_t after, int limit,
              struct hz_staff_row **rows, size_t *n)
{
	struct hz_db_arg args[] = {
		HZ_ARG_I64((long long)after), HZ_ARG_I64(limit),
	};
	struct hz_db_result r;
	enum hz_status rc;

	if (!hz_can_anywhere(x->caller, HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LIST_STAFF, args, 2,
	    &r)))
		return rc;
	if ((*rows = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(**rows)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		staff_row(x, &r, i, &(*rows)[i]);
	*n = r.nrows;
	return HZ_OK;
}

enum hz_status
hz_staff_get(const struct hz_ctx *x, uint64_t id, struct hz_staff_row *s,
             struct hz_caller *roles)
{
	struct hz_db_arg a = HZ_ARG_I64((long long)id);
	struct hz_db_result r;
	enum hz_status rc;

	if (!hz_can_anywhere(x->caller, HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET_STAFF, &a, 1, &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	staff_row(x, &r, 0, s);
	rc = hz_caller_load(x, id, roles);
	return rc == HZ_ERR_UNAUTHORIZED ? HZ_OK : rc;
}

uint64_t
hz_user_id_by_username(const struct hz_ctx *x, const char *username)
{
	struct hz_db_arg u = HZ_ARG_STR(username);
	struct hz_db_result r;

	if (!lookup_name_ok(username) ||
	    hz_db_run(x->db, x->arena, &stmts, STMT_BY_USERNAME, &u, 1, &r) ||
	    r.nrows == 0)
		return 0;
	return (uint64_t)HZ_CELL(&r, 0, 0)->i;
}

enum hz_status
hz_staff_phone_reveal(const struct hz_ctx *x, uint64_t id, char **phone)
{
	struct hz_db_arg a = HZ_ARG_I64((long long)id);
	struct hz_db_result r;
	enum hz_status rc;

	*phone = NULL;
	if (!hz_can_anywhere(x->caller, HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if (!hz_can_anywhere(x->caller, HZ_RIGHT_PII_REVEAL))
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET_STAFF, &a, 1, &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	if (!HZ_CELL(&r, 0, 3)->null && (rc = hz_unseal(x->arena, x->keys,
	    "phone", (const unsigned char *)HZ_CELL(&r, 0, 3)->s,
	    HZ_CELL(&r, 0, 3)->len, phone)))
		return rc;
	/* Audited before it is shown: no reveal goes unrecorded. */
	return hz_audit(x, 0, "pii.reveal", "user", id,
	    "{\"field\":\"phone\"}");
}
