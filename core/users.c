#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "contact.h"
#include "crypto.h"
#include "log.h"
#include "session.h"
#include "users.h"
#include "utf8.h"

#define PW_OPS 2
#define PW_MEM (19u * 1024 * 1024)

#define STAFF_ROW(C, L) \
	C(S_ID, "id") C(S_USERNAME, "username") C(S_NAME, "display_name") \
	C(S_PHONE, "phone_sealed") L(S_DISABLED, "disabled")
enum { STAFF_ROW(HZ_COL_ENUM, HZ_COL_ENUM) S__NCOLS };
#define SELECT_STAFF "SELECT " STAFF_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST) \
	" FROM users WHERE kind = 'staff'"

/* Rows of STMT_BY_PHONE and STMT_BY_WECHAT; of STMT_BY_USERNAME (two). */
enum { F_ID, F_KIND, F_DISABLED };
enum { L_ID, L_HASH };
/* STMT_UNIT_KIND */
enum { K_KIND, K_PATH };

enum {
	STMT_BY_USERNAME, STMT_INSERT_STAFF, STMT_UNIT_KIND, STMT_STAFF_KIND,
	STMT_GRANT, STMT_REVOKE, STMT_BY_PHONE, STMT_INSERT_RESIDENT,
	STMT_BY_WECHAT, STMT_INSERT_WECHAT, STMT_LIST_STAFF, STMT_GET_STAFF,
	STMT_BUMP_AUTHZ, STMT_COUNT_GRANTS, STMT_ID_BY_USERNAME, STMT_LOCK_STAFF,
	STMT_OTHER_ADMINS, STMT_IS_ADMIN, STMT_DISABLE, STMT_ENABLE,
	STMT_SET_PASSWORD, STMT_BUILDING_HEAD, STMT_SET_HEAD, STMT_ASSIGNMENT,
	STMT_CLEAR_HEAD, STMT_FIND_GRANT, STMT_GUARD_ADMINS,
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
	/* A page (page.h): no filters, the cursor, the limit. */
	[STMT_LIST_STAFF] =
	    SELECT_STAFF " AND id > ? ORDER BY id LIMIT ?",
	[STMT_GET_STAFF] = SELECT_STAFF " AND id = ?",
	/* See users.authz_version (sql/0002_identity.sql). */
	[STMT_BUMP_AUTHZ] =
	    "UPDATE users SET authz_version = authz_version + 1 WHERE id = ?",
	[STMT_COUNT_GRANTS] =
	    "SELECT COUNT(*) FROM role_assignments WHERE user_id = ?",
	/* Disabled accounts too: a name stays taken, and the command line
	 * enables, grants and sets passwords by name. */
	[STMT_ID_BY_USERNAME] =
	    "SELECT id FROM users WHERE username = ? AND kind = 'staff'",
	/* The account an admin acts on, locked for the transaction. */
	[STMT_LOCK_STAFF] =
	    "SELECT username, disabled FROM users WHERE id = ? AND kind = 'staff'"
	    " FOR UPDATE",
	/* The other enabled admins, locked: two admins disabling each other
	 * at once are serialised here, and the second finds no one left. */
	[STMT_OTHER_ADMINS] =
	    "SELECT u.id FROM role_assignments r JOIN users u ON u.id = r.user_id"
	    " WHERE r.role = 'admin' AND u.disabled = 0 AND u.id <> ?"
	    " FOR UPDATE",
	/* ...and written: on Galera that lock is only the local node's,
	 * and two nodes' transactions conflict at certification only on a
	 * row both write (sql/0022). updated_at stays as it was. */
	[STMT_GUARD_ADMINS] =
	    "UPDATE users u JOIN role_assignments r ON r.user_id = u.id"
	    " SET u.lock_seq = u.lock_seq + 1, u.updated_at = u.updated_at"
	    " WHERE r.role = 'admin' AND u.disabled = 0 AND u.id <> ?",
	[STMT_IS_ADMIN] =
	    "SELECT COUNT(*) FROM role_assignments"
	    " WHERE user_id = ? AND role = 'admin' FOR UPDATE",
	/* The bump makes every worker drop its cached grants; the account's
	 * sessions end beside it (hz_session_end_user). */
	[STMT_DISABLE] =
	    "UPDATE users SET disabled = 1, disabled_at = NOW(3),"
	    " authz_version = authz_version + 1 WHERE id = ?",
	[STMT_ENABLE] =
	    "UPDATE users SET disabled = 0, disabled_at = NULL,"
	    " authz_version = authz_version + 1 WHERE id = ?",
	[STMT_SET_PASSWORD] =
	    "UPDATE users SET password_hash = ?, must_change_password = ?,"
	    " password_changed_at = NOW(3) WHERE id = ? AND kind = 'staff'",
	/* A building's head, locked: the grant of building_head and the
	 * building's head go together (hz_role_grant). */
	[STMT_BUILDING_HEAD] =
	    "SELECT b.head_user_id, h.display_name, h.username FROM buildings b"
	    " LEFT JOIN users h ON h.id = b.head_user_id WHERE b.unit_id = ?"
	    " FOR UPDATE",
	[STMT_SET_HEAD] =
	    "UPDATE buildings SET head_user_id = ? WHERE unit_id = ?"
	    " AND head_user_id IS NULL",
	[STMT_ASSIGNMENT] =
	    "SELECT role, unit_id FROM role_assignments"
	    " WHERE id = ? AND user_id = ?",
	[STMT_CLEAR_HEAD] =
	    "UPDATE buildings SET head_user_id = NULL"
	    " WHERE unit_id = ? AND head_user_id = ?",
	[STMT_FIND_GRANT] =
	    "SELECT id FROM role_assignments"
	    " WHERE user_id = ? AND role = ? AND unit_id = ?",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("users", sql);

const struct hz_user_rules hz_user_rules = {
	.username = { HZ_F_STRING, 3, 32,
	    "用户名为 3 至 32 位小写字母、数字、_ . -",
	    .chars = "abcdefghijklmnopqrstuvwxyz0123456789_.-" },
	.display_name = { HZ_F_STRING, 1, 32, "姓名须为 1 至 32 个字，开头和结尾"
	    "不能有空格，开头也不能是 ＝＋－＠", .flags = HZ_NAME },
	.password = { HZ_F_STRING, 10, 128, "密码须为 10 至 128 个字符" },
	.role = { HZ_F_ENUM, 0, 0, NULL, hz_role_names },
};

/* too_many names the limit. */
_Static_assert(HZ_GRANTS_MAX == 64, "update the too_many refusal");

static const struct hz_refusal
    username_taken = { HZ_ERR_CONFLICT, "conflict", "username",
	"用户名已被使用，请换一个" },
    phone_taken = { HZ_ERR_CONFLICT, "conflict", "phone",
	"该手机号已被其他账号使用" },
    no_unit = { HZ_ERR_INVALID, "validation_failed", "unit_id",
	"单位不存在" },
    role_kind = { HZ_ERR_INVALID, "validation_failed", "role",
	"角色与单位类型不符" },
    not_staff = { HZ_ERR_INVALID, "validation_failed", "role",
	"只能给工作人员分配角色" },
    too_many = { HZ_ERR_INVALID, "validation_failed", "role",
	"此人担任的角色已达上限（64 个）：请先撤销不再担任的角色" },
    role_held = { HZ_ERR_CONFLICT, "conflict", NULL,
	"该人员已在此单位担任此角色" },
    role_not_held = { HZ_ERR_NOT_FOUND, "not_found", "role",
	"该人员在此单位没有这个角色" },
    head_taken = { HZ_ERR_CONFLICT, "head_taken", "unit_id",
	"该楼栋已有栋长：请先撤销其栋长角色" },
    self_disable = { HZ_ERR_CONFLICT, "cannot_disable_self", NULL,
	"不能停用自己的账号：请由另一位管理员操作" },
    last_admin = { HZ_ERR_CONFLICT, "last_admin", NULL,
	"这是最后一个可用的管理员账号，停用后将无人能管理系统：请先给另一位"
	"工作人员设置管理员角色" };

/* ---- Guessable passwords ---- */

/* The commonest passwords of 10 characters or more (shorter ones fail the
 * length rule), compared without regard to case. */
static const char *const common_passwords[] = {
	"1234567890", "0123456789", "9876543210", "12345678910",
	"123456789a", "a123456789", "1234567890a", "a1234567890",
	"abc1234567", "abcd123456", "abc123456789", "123456abcd",
	"1234qwerty", "qwerty1234", "qwerty123456", "qwertyuiop",
	"qwertyuiop123", "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz2wsx3edc",
	"1qaz@wsx3edc", "qazwsxedcrfv", "zaq12wsxcde3", "asdfghjkl1",
	"asdfghjkl123", "zxcvbnm123", "zxcvbnm1234", "1qazxsw23edc",
	"password12", "password123", "password1234", "passw0rd123",
	"p@ssw0rd123", "password!@#", "admin12345", "admin123456",
	"administrator", "admin@12345", "huzu123456", "huzu2026huzu",
	"woaini1314", "woaini123456", "woaini520520", "5201314520",
	"52013145201314", "1314520520", "iloveyou1314", "iloveyou123",
	"a1b2c3d4e5", "1a2b3c4d5e", "aa123456789", "123123123123",
	"1122334455", "1111122222", "changeme123", "welcome123",
};

static const struct hz_refusal
    weak_name = { HZ_ERR_INVALID, "validation_failed", NULL,
	"密码太简单：不能包含用户名，请换一个别人猜不到的" },
    weak_repeat = { HZ_ERR_INVALID, "validation_failed", NULL,
	"密码太简单：不能是同一个字符或同一小段的重复，请混用字母、数字和符号" },
    weak_run = { HZ_ERR_INVALID, "validation_failed", NULL,
	"密码太简单：不能是连续的数字或字母（如 1234567890、abcdefghij），"
	"请换一个别人猜不到的" },
    weak_common = { HZ_ERR_INVALID, "validation_failed", NULL,
	"密码太简单：这是最常见的密码之一，请换一个别人猜不到的" };

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* A case-insensitive strstr for ASCII needles. */
static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return false;
	for (; *hay != '\0'; hay++) {
		size_t i = 0;

		while (i < n && hay[i] != '\0' &&
		    lower((unsigned char)hay[i]) == lower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* Each character one more (or one less) than the one before, all digits
 * (9 then 0 counts: 1234567890) or all letters. */
static bool
is_run(const char *p, size_t n)
{
	for (int dir = -1; dir <= 1; dir += 2) {
		size_t i;

		for (i = 1; i < n; i++) {
			unsigned char a = lower((unsigned char)p[i - 1]);
			unsigned char b = lower((unsigned char)p[i]);
			bool digits = a >= '0' && a <= '9' && b >= '0' && b <= '9';
			bool letters = a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z';

			if (!digits && !letters)
				break;
			if (b == a + dir)
				continue;
			if (digits && ((dir > 0 && a == '9' && b == '0') ||
			    (dir < 0 && a == '0' && b == '9')))
				continue;
			break;
		}
		if (i == n)
			return true;
	}
	return false;
}

/* The whole password one piece repeated (aaaaaaaaaa, 1212121212,
 * passwordpassword): a period of at most half the length. */
static bool
is_repeat(const char *p, size_t n)
{
	for (size_t k = 1; k <= n / 2; k++) {
		size_t i = k;

		while (i < n && lower((unsigned char)p[i]) ==
		    lower((unsigned char)p[i - k]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

enum hz_status
hz_password_guessable(const struct hz_ctx *x, const char *field,
                      const char *username, const char *password)
{
	const struct hz_refusal *why = NULL;
	size_t n = password != NULL ? strlen(password) : 0;

	if (n == 0)
		return HZ_OK;
	if (username != NULL && strlen(username) >= 3 &&
	    contains_nocase(password, username))
		why = &weak_name;
	else if (is_repeat(password, n))
		why = &weak_repeat;
	else if (is_run(password, n))
		why = &weak_run;
	else {
		for (size_t i = 0; i < sizeof(common_passwords) /
		    sizeof(common_passwords[0]); i++) {
			if (strlen(common_passwords[i]) == n &&
			    contains_nocase(password, common_passwords[i])) {
				why = &weak_common;
				break;
			}
		}
	}
	if (why == NULL)
		return HZ_OK;
	{
		struct hz_refusal r = *why;

		r.field = field;
		return hz_refuse(x, &r);
	}
}

const struct hz_refusal hz_refusal_password_change = { HZ_ERR_FORBIDDEN,
    "password_change_required", NULL, "请先修改临时密码" };

/* The words for a role and a kind of unit, in refusals. */
static const char *const role_words[HZ_ROLE__MAX] = {
	[HZ_ROLE_BUILDING_HEAD] = "栋长", [HZ_ROLE_GROUP_LEADER] = "户组长",
	[HZ_ROLE_CADRE] = "经济社干部", [HZ_ROLE_ADMIN] = "管理员",
	[HZ_ROLE_STATION_MANAGER] = "站点负责人",
};

static const char *
kind_words(const char *kind)
{
	static const char *const w[][2] = {
		{ "village", "村" }, { "cooperative", "经济社" },
		{ "group", "户组" }, { "building", "楼栋" },
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(kind, w[i][0]) == 0)
			return w[i][1];
	return kind;
}

/* A role given at the wrong kind of unit: which kind it takes, and what
 * was chosen. */
static enum hz_status
refuse_kind(const struct hz_ctx *x, enum hz_role role, const char *want,
            const char *got)
{
	struct hz_refusal r = role_kind;

	r.message = hz_arena_printf(x->arena, "%s（%s）只能设在%s（%s）一级，"
	    "所选单位是%s（%s）：请改选一个%s", role_words[role],
	    hz_role_name(role), kind_words(want), want, kind_words(got), got,
	    kind_words(want));
	return hz_refuse(x, r.message ? &r : &role_kind);
}

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
	struct hz_db_result r;
	enum hz_status rc;

	if (dummy[0] == '\0' && hz_password_hash("huzu-no-such-user", dummy))
		return HZ_ERR_NOMEM;
	if (!lookup_name_ok(user))
		r.nrows = 0;
	else if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BY_USERNAME,
	    HZ_ARGS(HZ_ARG_STR(user)), &r)))
		return rc;
	if (r.nrows == 0 || HZ_CELL(&r, 0, L_HASH)->null) {
		(void)hz_password_check(dummy, password);
		return HZ_ERR_UNAUTHORIZED;
	}
	if (!hz_password_check(HZ_CELL(&r, 0, L_HASH)->s, password))
		return HZ_ERR_UNAUTHORIZED;
	*id = HZ_ID(HZ_CELL(&r, 0, L_ID));
	return HZ_OK;
}

struct staff_job {
	const struct hz_staff_new *s;
	const char                *hash;
	struct hz_db_arg           phone, index;
	uint64_t                   id;
};

/* The account and its audit row commit together. */
static enum hz_status
staff_tx(const struct hz_ctx *x, void *p)
{
	struct staff_job *j = p;
	struct hz_db_result r;
	char detail[160];
	enum hz_status rc;

	rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT_STAFF, HZ_ARGS(
	    HZ_ARG_STR(j->s->username), HZ_ARG_OPT_STR(j->hash),
	    HZ_ARG_STR(j->s->display_name), j->phone, j->index), &r);
	/* Two unique keys: say which one was hit. */
	if (rc == HZ_ERR_CONFLICT)
		return hz_refuse(x, hz_user_id_by_username(x, j->s->username)
		    ? &username_taken : &phone_taken);
	if (rc)
		return rc;
	j->id = r.insert_id;
	snprintf(detail, sizeof(detail), "{\"username\":\"%s\"}",
	    j->s->username);
	return hz_audit(x, 0, "user.create", "user", j->id, detail);
}

enum hz_status
hz_staff_create(const struct hz_ctx *x, const struct hz_staff_new *s,
                uint64_t *id)
{
	const struct hz_user_rules *R = &hz_user_rules;
	char hash[128];
	unsigned char index[HZ_INDEX_BYTES], *sealed = NULL;
	size_t sealed_len = 0;
	struct staff_job j = { s, hash, HZ_ARG_NULL, HZ_ARG_NULL, 0 };
	enum hz_status rc;

	if (x->caller != NULL && !hz_can_anywhere(x->caller,
	    HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if (!hz_rule_ok(&R->username, s->username, false))
		return hz_refuse_rule(x, "username", &R->username);
	if (s->no_password ? s->password != NULL
	    : !hz_rule_ok(&R->password, s->password, false))
		return hz_refuse_rule(x, "password", &R->password);
	if (!s->no_password && (rc = hz_password_guessable(x, "password",
	    s->username, s->password)))
		return rc;
	if (!hz_rule_ok(&R->display_name, s->display_name, false))
		return hz_refuse_rule(x, "display_name", &R->display_name);
	if (!hz_rule_ok(&hz_rule_phone, s->phone, true))
		return hz_refuse_rule(x, "phone", &hz_rule_phone);
	if (s->phone != NULL) {
		if ((rc = hz_seal(x->arena, x->keys, "phone", s->phone,
		    strlen(s->phone), &sealed, &sealed_len)))
			return rc;
		hz_blind_index(x->keys, "phone", s->phone, strlen(s->phone),
		    index);
		j.phone = HZ_ARG_STRN((const char *)sealed, sealed_len);
		j.index = HZ_ARG_STRN((const char *)index, sizeof(index));
	}
	if (s->no_password)
		j.hash = NULL;
	else if ((rc = hz_password_hash(s->password, hash)))
		return rc;
	rc = hz_tx(x, staff_tx, &j);
	sodium_memzero(hash, sizeof(hash));
	if (rc == HZ_OK)
		*id = j.id;
	return rc;
}

struct grant_job {
	uint64_t     user, unit;
	enum hz_role role;
	uint64_t     id;
};

/* After a grant or a revoke: the bump that makes every worker reload
 * the holder's rights (users.authz_version), and the audit row. */
static enum hz_status
roles_changed(const struct hz_ctx *x, uint64_t user, const char *action,
              uint64_t assignment, const char *detail)
{
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BUMP_AUTHZ,
	    HZ_ARGS(HZ_ARG_I64((long long)user)), NULL)))
		return rc;
	return hz_audit(x, 0, action, "role_assignment", assignment, detail);
}

/* A building's head holds building_head there, and the one who is given
 * building_head at a building without a head becomes its head (as the
 * importer and the building's own head_id do). Another head already
 * there is named: they go first. */
static enum hz_status
take_building(const struct hz_ctx *x, uint64_t user, uint64_t unit)
{
	struct hz_db_arg b = HZ_ARG_I64((long long)unit);
	struct hz_db_result r;
	struct hz_refusal why = head_taken;
	uint64_t head;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_BUILDING_HEAD,
	    HZ_ARGS(b), &r)) || r.nrows == 0)
		return rc;
	head = HZ_ID(HZ_CELL(&r, 0, 0));
	if (head == user)
		return HZ_OK;
	if (head == 0)
		return hz_db_run(x->db, x->arena, &stmts, STMT_SET_HEAD,
		    HZ_ARGS(HZ_ARG_I64((long long)user), b), NULL);
	why.message = hz_arena_printf(x->arena, "该楼栋已有栋长%s（%s）：请先"
	    "撤销其栋长角色，或在楼栋资料中更换栋长",
	    HZ_TEXT(HZ_CELL(&r, 0, 1)) ? HZ_CELL(&r, 0, 1)->s : "",
	    HZ_TEXT(HZ_CELL(&r, 0, 2)) ? HZ_CELL(&r, 0, 2)->s : "");
	return hz_refuse(x, why.message ? &why : &head_taken);
}

static enum hz_status
grant_tx(const struct hz_ctx *x, void *p)
{
	struct grant_job *j = p;
	struct hz_db_result r;
	enum hz_status rc;
	char detail[128];

	if (j->role == HZ_ROLE_BUILDING_HEAD &&
	    (rc = take_building(x, j->user, j->unit)))
		return rc;
	rc = hz_db_run(x->db, x->arena, &stmts, STMT_GRANT,
	    HZ_ARGS(HZ_ARG_I64((long long)j->user),
	    HZ_ARG_STR(hz_role_name(j->role)), HZ_ARG_I64((long long)j->unit),
	    HZ_ARG_OPT_ID(x->caller ? x->caller->id : 0)), &r);
	if (rc == HZ_ERR_CONFLICT)
		return hz_refuse(x, &role_held);
	if (rc)
		return rc;
	j->id = r.insert_id;
	snprintf(detail, sizeof(detail), "{\"role\":\"%s\",\"unit_id\":%llu,"
	    "\"user_id\":%llu}", hz_role_name(j->role),
	    (unsigned long long)j->unit, (unsigned long long)j->user);
	return roles_changed(x, j->user, "role.grant", j->id, detail);
}

enum hz_status
hz_role_grant(const struct hz_ctx *x, uint64_t user_id, enum hz_role role,
              uint64_t unit_id, uint64_t *id)
{
	struct hz_db_arg user = HZ_ARG_I64((long long)user_id);
	struct hz_db_result u, k;
	const char *want = hz_role_unit_kind(role);
	struct grant_job j = { user_id, unit_id, role, 0 };
	enum hz_status rc;

	*id = 0;
	if (x->caller != NULL && !hz_can_anywhere(x->caller,
	    HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UNIT_KIND,
	    HZ_ARGS(HZ_ARG_I64((long long)unit_id)), &u)))
		return rc;
	if (u.nrows == 0)
		return hz_refuse(x, &no_unit);
	if (x->caller != NULL && (rc = hz_authorize(x->caller,
	    HZ_RIGHT_USER_ADMIN, HZ_CELL(&u, 0, K_PATH)->s)))
		return rc == HZ_ERR_NOT_FOUND ? hz_refuse(x, &no_unit) : rc;
	if (want != NULL && strcmp(want, HZ_CELL(&u, 0, K_KIND)->s) != 0)
		return refuse_kind(x, role, want, HZ_CELL(&u, 0, K_KIND)->s);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_STAFF_KIND,
	    HZ_ARGS(user), &k)))
		return rc;
	if (k.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	if (strcmp(HZ_CELL(&k, 0, 0)->s, "staff") != 0)
		return hz_refuse(x, &not_staff);
	/* Every grant must fit the caller (policy.h): refuse more. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_COUNT_GRANTS,
	    HZ_ARGS(user), &k)))
		return rc;
	if (HZ_CELL(&k, 0, 0)->i >= HZ_GRANTS_MAX)
		return hz_refuse(x, &too_many);
	if ((rc = hz_tx(x, grant_tx, &j)))
		return rc;
	*id = j.id;
	return HZ_OK;
}

static enum hz_status check_not_last_admin(const struct hz_ctx *, uint64_t,
                                           bool revoked);

struct revoke_job {
	uint64_t     user, assignment;
	const char **roots;
	size_t       nroots;
};

static enum hz_status
revoke_tx(const struct hz_ctx *x, void *p)
{
	struct revoke_job *j = p;
	char detail[64];

	struct hz_db_result a;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ASSIGNMENT, HZ_ARGS(
	    HZ_ARG_I64((long long)j->assignment),
	    HZ_ARG_I64((long long)j->user)), &a)))
		return rc;
	if (a.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	/* The assignment must sit under one of the caller's admin roots. */
	for (size_t i = 0; i < j->nroots; i++) {
		struct hz_db_result r;

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_REVOKE,
		    HZ_ARGS(HZ_ARG_I64((long long)j->assignment),
		    HZ_ARG_I64((long long)j->user), HZ_ARG_STR(j->roots[i])),
		    &r)))
			return rc;
		if (r.affected == 0)
			continue;
		/* Not the last enabled admin's admin role: checked after the
		 * delete (the refusal undoes it), under a disable's locks. */
		if (strcmp(HZ_CELL(&a, 0, 0)->s, "admin") == 0 &&
		    (rc = check_not_last_admin(x, j->user, true)))
			return rc;
		snprintf(detail, sizeof(detail), "{\"user_id\":%llu}",
		    (unsigned long long)j->user);
		/* A head no more: the building has none until one is named. */
		if (strcmp(HZ_CELL(&a, 0, 0)->s, "building_head") == 0 &&
		    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_CLEAR_HEAD,
		    HZ_ARGS(HZ_ARG_I64(HZ_CELL(&a, 0, 1)->i),
		    HZ_ARG_I64((long long)j->user)), NULL)))
			return rc;
		if ((rc = hz_phone_unpublish_unless_head(x, j->user)))
			return rc;
		return roles_changed(x, j->user, "role.revoke", j->assignment,
		    detail);
	}
	return HZ_ERR_NOT_FOUND;
}

enum hz_status
hz_role_revoke(const struct hz_ctx *x, uint64_t user_id, uint64_t assignment)
{
	const char *roots[HZ_GRANTS_MAX] = { "/" };
	struct revoke_job j = { user_id, assignment, roots, 1 };

	/* The command line (no caller) reaches the whole tree. */
	if (x->caller != NULL) {
		if (!hz_can_anywhere(x->caller, HZ_RIGHT_USER_ADMIN))
			return HZ_ERR_FORBIDDEN;
		j.nroots = hz_scope_roots(x->caller, HZ_RIGHT_USER_ADMIN, roots,
		    HZ_GRANTS_MAX);
	}
	return hz_tx(x, revoke_tx, &j);
}

uint64_t
hz_role_held(const struct hz_ctx *x, uint64_t user_id, enum hz_role role,
             uint64_t unit_id)
{
	struct hz_db_result r;

	if (hz_db_run(x->db, x->arena, &stmts, STMT_FIND_GRANT, HZ_ARGS(
	    HZ_ARG_I64((long long)user_id), HZ_ARG_STR(hz_role_name(role)),
	    HZ_ARG_I64((long long)unit_id)), &r) || r.nrows == 0)
		return 0;
	return HZ_ID(HZ_CELL(&r, 0, 0));
}

enum hz_status
hz_role_remove(const struct hz_ctx *x, uint64_t user_id, enum hz_role role,
               uint64_t unit_id)
{
	uint64_t id;

	if (x->caller != NULL && !hz_can_anywhere(x->caller,
	    HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if ((id = hz_role_held(x, user_id, role, unit_id)) == 0)
		return hz_refuse(x, &role_not_held);
	return hz_role_revoke(x, user_id, id);
}

/* A phone or WeChat login opens resident accounts only: a staff account
 * holding the same number logs in with its password, and a disabled
 * account not at all. */
static enum hz_status
found_resident(const struct hz_db_result *r, uint64_t *id)
{
	if (strcmp(HZ_CELL(r, 0, F_KIND)->s, "resident") != 0 ||
	    HZ_CELL(r, 0, F_DISABLED)->i != 0)
		return HZ_ERR_FORBIDDEN;
	*id = HZ_ID(HZ_CELL(r, 0, F_ID));
	return HZ_OK;
}

/* How a resident is found (by a blind index) and made. */
struct resident_key {
	size_t                  find, insert;     /* statements */
	struct hz_db_arg        index;
	const struct hz_db_arg *args;             /* the insert's */
	size_t                  nargs;
	const char             *detail;           /* for the audit row */
};

static enum hz_status
find_or_create(const struct hz_ctx *x, const struct resident_key *k,
               uint64_t *id, bool *created)
{
	struct hz_db_result r;
	enum hz_status rc;

	*created = false;
	/* Twice at most: a concurrent first login may insert between our
	 * look-up and our insert; then the second look-up finds it. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, k->find,
		    HZ_ARGS(k->index), &r)))
			return rc;
		if (r.nrows == 1)
			return found_resident(&r, id);
		rc = hz_db_run(x->db, x->arena, &stmts, k->insert, k->args,
		    k->nargs, &r);
		if (rc == HZ_ERR_CONFLICT)
			continue;
		if (rc)
			return rc;
		*id = r.insert_id;
		*created = true;
		return hz_audit(x, *id, "user.register", "user", *id,
		    k->detail);
	}
	return HZ_ERR_CONFLICT;
}

enum hz_status
hz_resident_by_phone(const struct hz_ctx *x, const char *phone, uint64_t *id,
                     bool *created)
{
	unsigned char index[HZ_INDEX_BYTES], *sealed;
	size_t sealed_len;
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)index, sizeof(index));
	char name[32];
	enum hz_status rc;

	*created = false;
	if (!hz_phone_valid(phone))
		return HZ_ERR_INVALID;
	hz_blind_index(x->keys, "phone", phone, strlen(phone), index);
	if ((rc = hz_seal(x->arena, x->keys, "phone", phone, strlen(phone),
	    &sealed, &sealed_len)))
		return rc;
	snprintf(name, sizeof(name), "住户%s", phone + 7);
	struct hz_db_arg args[] = {
		HZ_ARG_STR(name), HZ_ARG_STRN((const char *)sealed, sealed_len),
		ix,
	};
	struct resident_key k = { STMT_BY_PHONE, STMT_INSERT_RESIDENT, ix,
	    HZ_ARGV(args), NULL };
	return find_or_create(x, &k, id, created);
}

enum hz_status
hz_resident_by_wechat(const struct hz_ctx *x, const char *openid,
                      uint64_t *id, bool *created)
{
	unsigned char index[HZ_INDEX_BYTES];
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)index, sizeof(index));

	hz_blind_index(x->keys, "wechat", openid, strlen(openid), index);
	struct resident_key k = { STMT_BY_WECHAT, STMT_INSERT_WECHAT, ix, &ix,
	    1, "{\"via\":\"wechat\"}" };
	return find_or_create(x, &k, id, created);
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
	const struct hz_db_cell *c = HZ_CELL(r, i, 0);

	s->id = HZ_ID(&c[S_ID]);
	s->username = c[S_USERNAME].s;
	s->display_name = c[S_NAME].s;
	s->phone_masked = masked(x, &c[S_PHONE]);
	s->disabled = c[S_DISABLED].i != 0;
}

enum hz_status
hz_staff_list(const struct hz_ctx *x, const struct hz_page *page,
              struct hz_staff_row **rows, size_t *n, bool *more)
{
	struct hz_db_result r;
	enum hz_status rc;

	if (!hz_can_anywhere(x->caller, HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_page_run(x, &stmts, STMT_LIST_STAFF, HZ_NO_ARGS, page, &r,
	    more)))
		return rc;
	if ((*rows = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(**rows)))
	    == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		staff_row(x, &r, i, &(*rows)[i]);
	*n = r.nrows;
	return HZ_OK;
}

/* The staff row `id` (STAFF_ROW). */
static enum hz_status
load_staff(const struct hz_ctx *x, uint64_t id, struct hz_db_result *r)
{
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET_STAFF,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), r)))
		return rc;
	return r->nrows == 0 ? HZ_ERR_NOT_FOUND : HZ_OK;
}

enum hz_status
hz_staff_get(const struct hz_ctx *x, uint64_t id, struct hz_staff_row *s,
             struct hz_caller *roles)
{
	struct hz_db_result r;
	enum hz_status rc;

	if (!hz_can_anywhere(x->caller, HZ_RIGHT_USER_ADMIN))
		return HZ_ERR_FORBIDDEN;
	if ((rc = load_staff(x, id, &r)))
		return rc;
	staff_row(x, &r, 0, s);
	rc = hz_caller_load(x, id, roles);
	return rc == HZ_ERR_UNAUTHORIZED ? HZ_OK : rc;
}

uint64_t
hz_user_id_by_username(const struct hz_ctx *x, const char *username)
{
	struct hz_db_result r;

	if (!lookup_name_ok(username) ||
	    hz_db_run(x->db, x->arena, &stmts, STMT_ID_BY_USERNAME,
	    HZ_ARGS(HZ_ARG_STR(username)), &r) || r.nrows == 0)
		return 0;
	return HZ_ID(HZ_CELL(&r, 0, 0));
}

enum hz_status
hz_staff_phone_reveal(const struct hz_ctx *x, uint64_t id, char **phone)
{
	const struct hz_db_cell *c;
	struct hz_db_result r;
	enum hz_status rc;

	*phone = NULL;
	if (!hz_can_anywhere(x->caller, HZ_RIGHT_USER_ADMIN) ||
	    !hz_can_anywhere(x->caller, HZ_RIGHT_PII_REVEAL))
		return HZ_ERR_FORBIDDEN;
	if ((rc = load_staff(x, id, &r)))
		return rc;
	c = HZ_CELL(&r, 0, S_PHONE);
	if (!c->null && (rc = hz_unseal(x->arena, x->keys, "phone",
	    (const unsigned char *)c->s, c->len, phone)))
		return rc;
	/* Audited before it is shown: no reveal goes unrecorded. */
	return hz_audit(x, 0, "pii.reveal", "user", id,
	    "{\"field\":\"phone\"}");
}

/* ---- Account administration: disable, enable, passwords ---- */

/* Read aloud and typed on a phone: one case, no 0/o, 1/l/i. */
static const char temp_alphabet[] =
    "23456789abcdefghjkmnpqrstuvwxyz";

void
hz_password_temporary(char out[HZ_TEMP_PASSWORD_LEN + 1])
{
	/* Three groups of four, dashes between: 12 random characters of
	 * 31, 12 × log2(31) ≈ 59 bits; plenty for a password that must be
	 * changed at once and whose guesses are throttled and locked. */
	for (size_t i = 0; i < HZ_TEMP_PASSWORD_LEN; i++)
		out[i] = (i + 1) % 5 == 0 ? '-' : temp_alphabet[
		    randombytes_uniform(sizeof(temp_alphabet) - 1)];
	out[HZ_TEMP_PASSWORD_LEN] = '\0';
}

enum account_op { OP_DISABLE, OP_ENABLE, OP_PASSWORD };

struct account_job {
	enum account_op op;
	uint64_t        id;
	const char     *hash;        /* OP_PASSWORD */
	bool            temporary;   /* OP_PASSWORD: must be changed */
	const char     *action;      /* the audit row's, for OP_PASSWORD */
};

/* The last enabled admin may not be disabled, nor lose the admin role:
 * nobody could manage the village then. `revoked`: one admin role of
 * `id` was just deleted in this transaction; refused unless they hold
 * another or another enabled admin is left. */
static enum hz_status
check_not_last_admin(const struct hz_ctx *x, uint64_t id, bool revoked)
{
	static const struct hz_refusal last_admin_role = { HZ_ERR_CONFLICT,
	    "last_admin", NULL, "这是最后一个可用的管理员账号，撤销其管理员"
	    "角色后将无人能管理系统：请先给另一位工作人员设置管理员角色" };
	struct hz_db_arg user = HZ_ARG_I64((long long)id);
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_IS_ADMIN,
	    HZ_ARGS(user), &r)))
		return rc;
	if ((HZ_CELL(&r, 0, 0)->i != 0) == revoked)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OTHER_ADMINS,
	    HZ_ARGS(user), &r)))
		return rc;
	/* The others this relies on are written, so that two admins
	 * disabling each other on two Galera nodes cannot both commit. */
	if (r.nrows != 0)
		return hz_db_run(x->db, x->arena, &stmts, STMT_GUARD_ADMINS,
		    HZ_ARGS(user), NULL);
	return hz_refuse(x, revoked ? &last_admin_role : &last_admin);
}

/* One change to one staff account, its sessions and its audit row. A
 * change already made (disabling a disabled account) changes nothing
 * and writes nothing. */
static enum hz_status
account_tx(const struct hz_ctx *x, void *p)
{
	struct account_job *j = p;
	struct hz_db_arg id = HZ_ARG_I64((long long)j->id);
	struct hz_db_result r;
	const char *detail;
	bool disabled;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK_STAFF,
	    HZ_ARGS(id), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	disabled = HZ_CELL(&r, 0, 1)->i != 0;
	detail = hz_arena_printf(x->arena, "{\"username\":\"%s\"}",
	    HZ_CELL(&r, 0, 0)->s);
	switch (j->op) {
	case OP_DISABLE:
		if (disabled)
			return HZ_OK;
		if ((rc = check_not_last_admin(x, j->id, false)) ||
		    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_DISABLE,
		    HZ_ARGS(id), NULL)) ||
		    (rc = hz_session_end_user(x, j->id)))
			return rc;
		return hz_audit(x, 0, "user.disable", "user", j->id, detail);
	case OP_ENABLE:
		if (!disabled)
			return HZ_OK;
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ENABLE,
		    HZ_ARGS(id), NULL)))
			return rc;
		return hz_audit(x, 0, "user.enable", "user", j->id, detail);
	case OP_PASSWORD:
		if ((rc = hz_password_store(x, j->id, j->hash, j->temporary)) ||
		    (rc = hz_session_end_user(x, j->id)))
			return rc;
		return hz_audit(x, 0, j->action, "user", j->id, detail);
	}
	return HZ_ERR_INTERNAL;
}

/* Admins (USER_ADMIN anywhere) or the command line (no caller). */
static bool
may_administer(const struct hz_ctx *x)
{
	return x->caller == NULL || hz_can_anywhere(x->caller,
	    HZ_RIGHT_USER_ADMIN);
}

enum hz_status
hz_staff_disable(const struct hz_ctx *x, uint64_t id)
{
	struct account_job j = { OP_DISABLE, id, NULL, false, NULL };

	if (!may_administer(x))
		return HZ_ERR_FORBIDDEN;
	if (x->caller != NULL && x->caller->id == id)
		return hz_refuse(x, &self_disable);
	return hz_tx(x, account_tx, &j);
}

enum hz_status
hz_staff_enable(const struct hz_ctx *x, uint64_t id)
{
	struct account_job j = { OP_ENABLE, id, NULL, false, NULL };

	if (!may_administer(x))
		return HZ_ERR_FORBIDDEN;
	return hz_tx(x, account_tx, &j);
}

enum hz_status
hz_password_store(const struct hz_ctx *x, uint64_t id, const char *hash,
                  bool temporary)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SET_PASSWORD,
	    HZ_ARGS(HZ_ARG_STR(hash), HZ_ARG_I64(temporary ? 1 : 0),
	    HZ_ARG_I64((long long)id)), &r)))
		return rc;
	return r.affected == 1 ? HZ_OK : HZ_ERR_NOT_FOUND;
}

/* A new password for `id`, hashed here and wiped after. */
static enum hz_status
set_password(const struct hz_ctx *x, uint64_t id, const char *password,
             bool temporary, const char *action)
{
	char hash[128];
	struct account_job j = { OP_PASSWORD, id, hash, temporary, action };
	enum hz_status rc;

	if ((rc = hz_password_hash(password, hash)))
		return rc;
	rc = hz_tx(x, account_tx, &j);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

enum hz_status
hz_staff_password_reset(const struct hz_ctx *x, uint64_t id, char **temporary)
{
	char pw[HZ_TEMP_PASSWORD_LEN + 1];
	enum hz_status rc;

	/* A stolen access token must not take its own account over: one's
	 * own password changes with the old one. */
	static const struct hz_refusal self_reset = { HZ_ERR_CONFLICT,
	    "cannot_reset_self", NULL, "不能重置自己的密码：请在“修改密码”里"
	    "用原密码修改，忘记了请由另一位管理员重置" };

	*temporary = NULL;
	if (!may_administer(x))
		return HZ_ERR_FORBIDDEN;
	if (x->caller != NULL && x->caller->id == id)
		return hz_refuse(x, &self_reset);
	hz_password_temporary(pw);
	if ((rc = set_password(x, id, pw, true, "user.password_reset")) ==
	    HZ_OK && (*temporary = hz_arena_strdup(x->arena, pw)) == NULL)
		rc = HZ_ERR_NOMEM;
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

enum hz_status
hz_staff_password_set(const struct hz_ctx *x, uint64_t id,
                      const char *password)
{
	enum hz_status rc;

	if (x->caller != NULL)
		return HZ_ERR_FORBIDDEN;
	if (!hz_rule_ok(&hz_user_rules.password, password, false))
		return hz_refuse_rule(x, "password", &hz_user_rules.password);
	if ((rc = hz_password_guessable(x, "password", NULL, password)))
		return rc;
	return set_password(x, id, password, false, "user.password_set");
}
