#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "crypto.h"
#include "log.h"
#include "login.h"
#include "sms.h"
#include "users.h"
#include "wechat.h"
#include "wechat_web.h"

enum {
	STMT_LAST_FOR_PHONE, STMT_COUNT_FOR_IP, STMT_INSERT, STMT_CURRENT,
	STMT_MISS, STMT_USE, STMT_PHONE_HISTORY, STMT_GUARD, STMT_FAILED,
	STMT_ADDRESS, STMT_PURGE_FAILURES, STMT_PURGE_ADDRESSES, STMT_PURGE_CODES,
	STMT_OWN_PASSWORD, STMT_LOCK_OWN, STMT_SESSION_LIVE, STMT_TEMP_EXPIRED,
	STMT_PHONE_GUARD, STMT_PURGE_GUARDS,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	/* The phone's guard row, written first by every send (sql/0022): the
	 * lock below holds only on one node of a Galera cluster, and a phone
	 * without a code has no row to lock anywhere; two sends that both
	 * write this row take turns on one server and conflict at
	 * certification on two nodes. Sends of one phone are so serial that
	 * its latest code is also the one with the highest id. */
	[STMT_PHONE_GUARD] =
	    "INSERT INTO login_phone_guards (phone_index, sends, touched_at)"
	    " VALUES (?, 1, NOW(3)) ON DUPLICATE KEY UPDATE sends = sends + 1,"
	    " touched_at = NOW(3)",
	[STMT_LAST_FOR_PHONE] =
	    "SELECT TIMESTAMPDIFF(SECOND, created_at, NOW(3)) FROM login_codes"
	    " WHERE phone_index = ? ORDER BY id DESC LIMIT 1 FOR UPDATE",
	[STMT_COUNT_FOR_IP] =
	    "SELECT COUNT(*) FROM login_codes"
	    " WHERE ip = ? AND created_at > NOW(3) - INTERVAL 1 HOUR",
	[STMT_INSERT] =
	    "INSERT INTO login_codes (phone_index, code_hash, ip, expires_at)"
	    " VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND)",
	[STMT_CURRENT] =
	    "SELECT id, code_hash, tries, used, expires_at > NOW(3)"
	    " FROM login_codes WHERE phone_index = ?"
	    " ORDER BY id DESC LIMIT 1 FOR UPDATE",
	[STMT_MISS] =
	    "UPDATE login_codes SET tries = tries + 1 WHERE id = ?",
	[STMT_USE] =
	    "UPDATE login_codes SET used = 1 WHERE id = ?",
	/* Codes sent in the last hour, wrong guesses in the last day. */
	[STMT_PHONE_HISTORY] =
	    "SELECT CAST(COALESCE(SUM(created_at > NOW(3) - INTERVAL 1 HOUR), 0)"
	    " AS SIGNED), CAST(COALESCE(SUM(tries), 0) AS SIGNED)"
	    " FROM login_codes WHERE phone_index = ?"
	    " AND created_at > NOW(3) - INTERVAL 1 DAY",
	/* The account's failures in the window, this address's, the seconds
	 * since this address's last one, and whether the account logged in
	 * from here in the last 90 days. */
	[STMT_GUARD] =
	    "SELECT COUNT(*), CAST(COALESCE(SUM(ip = ?), 0) AS SIGNED),"
	    " COALESCE(TIMESTAMPDIFF(SECOND, MAX(IF(ip = ?, at, NULL)),"
	    " NOW(3)), 1000000000),"
	    " (SELECT COUNT(*) FROM staff_login_addresses a WHERE a.user_id = ?"
	    "  AND a.ip = ? AND a.last_ok_at > NOW(3) - INTERVAL 90 DAY)"
	    " FROM staff_login_failures WHERE name_key = ?"
	    " AND at > NOW(3) - INTERVAL ? MINUTE",
	[STMT_FAILED] =
	    "INSERT INTO staff_login_failures (name_key, ip) VALUES (?, ?)",
	[STMT_ADDRESS] =
	    "INSERT INTO staff_login_addresses (user_id, ip, last_ok_at)"
	    " VALUES (?, ?, NOW(3))"
	    " ON DUPLICATE KEY UPDATE last_ok_at = NOW(3)",
	[STMT_PURGE_FAILURES] =
	    "DELETE FROM staff_login_failures WHERE at < NOW(3) - INTERVAL 1 DAY"
	    " LIMIT 5000",
	[STMT_PURGE_ADDRESSES] =
	    "DELETE FROM staff_login_addresses"
	    " WHERE last_ok_at < NOW(3) - INTERVAL 90 DAY LIMIT 5000",
	/* Expired codes, once they are older than the day the per-phone
	 * and per-address limits look back on. */
	[STMT_PURGE_CODES] =
	    "DELETE FROM login_codes WHERE created_at < NOW(3) - INTERVAL 1 DAY"
	    " AND expires_at < NOW(3) LIMIT 5000",
	/* Guards of phones that asked for no code for as long. */
	[STMT_PURGE_GUARDS] =
	    "DELETE FROM login_phone_guards"
	    " WHERE touched_at < NOW(3) - INTERVAL 1 DAY LIMIT 5000",
	/* The caller's own password, for a change (hz_password_change). */
	[STMT_OWN_PASSWORD] =
	    "SELECT password_hash, must_change_password, disabled FROM users"
	    " WHERE id = ? AND kind = 'staff'",
	/* The same, locked: a reset committed since the old password was
	 * checked is seen here, and none can commit until the change does. */
	[STMT_LOCK_OWN] =
	    "SELECT password_hash, must_change_password, disabled FROM users"
	    " WHERE id = ? AND kind = 'staff' FOR UPDATE",
	/* A temporary password set longer than temp_password_ttl ago
	 * (password_changed_at is when it was set). */
	[STMT_TEMP_EXPIRED] =
	    "SELECT COUNT(*) FROM users WHERE id = ? AND must_change_password = 1"
	    " AND password_changed_at < NOW(3) - INTERVAL ? SECOND",
	[STMT_SESSION_LIVE] =
	    "SELECT revoked_at IS NULL FROM sessions WHERE id = ? AND user_id = ?"
	    " LOCK IN SHARE MODE",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("login", sql);

/* STMT_CURRENT's row; STMT_PHONE_HISTORY's. */
enum { C_ID, C_HASH, C_TRIES, C_USED, C_LIVE };
enum { H_SENT_HOUR, H_MISSES_DAY };
/* STMT_GUARD's. */
enum { G_ACCOUNT, G_ADDRESS, G_SINCE, G_KNOWN };
/* STMT_OWN_PASSWORD's and STMT_LOCK_OWN's. */
enum { O_HASH, O_MUST_CHANGE, O_DISABLED };

const struct hz_rule hz_rule_login_code = { HZ_F_STRING, 6, 6,
    "验证码为 6 位数字", .chars = "0123456789" };

static const struct hz_refusal
    login_failed = { HZ_ERR_UNAUTHORIZED, "login_failed", NULL,
	"用户名或密码错误" },
    too_frequent = { HZ_ERR_RATE_LIMITED, "code_too_frequent", "phone",
	"验证码发送过于频繁，请稍后再试", 60 },
    code_invalid = { HZ_ERR_UNAUTHORIZED, "code_invalid", "code",
	"验证码不对或已过期，请核对短信后重新输入；过期了请重新获取验证码" },
    code_locked = { HZ_ERR_RATE_LIMITED, "code_locked", "code",
	"验证码错误次数过多，请重新获取验证码" },
    old_wrong = { HZ_ERR_FORBIDDEN, "old_password_wrong", "old_password",
	"原密码不对，请重新输入；忘记了请联系管理员重置密码" },
    same_password = { HZ_ERR_INVALID, "validation_failed", "new_password",
	"新密码不能与原密码相同，请换一个" },
    password_moved = { HZ_ERR_CONFLICT, "password_changed", NULL,
	"密码刚刚被修改过（例如管理员重置了密码），这次修改没有生效：请用"
	"新的密码重新登录后再改" },
    session_gone = { HZ_ERR_UNAUTHORIZED, "session_ended", NULL,
	"登录已失效，这次修改没有生效：请重新登录后再改" },
    throttled = { HZ_ERR_RATE_LIMITED, "login_throttled", "password",
	"密码错误次数较多，请稍等片刻再试；忘记密码请联系管理员" },
    locked = { HZ_ERR_RATE_LIMITED, "account_locked", NULL,
	"此账号密码错误次数过多，已暂时锁定；请在常用的网络下登录，"
	"或稍后再试、联系管理员" },
    phone_refused = { HZ_ERR_FORBIDDEN, "login_refused", "phone",
	"该号码不能用于住户登录，工作人员请使用账号密码登录" },
    wechat_refused = { HZ_ERR_FORBIDDEN, "login_refused", NULL,
	"该账号已停用" },
    wechat_invalid = { HZ_ERR_UNAUTHORIZED, "wechat_code_invalid", NULL,
	"微信登录凭证无效或已使用，请重试" },
    wechat_down = { HZ_ERR_UPSTREAM, "wechat_unavailable", NULL,
	"微信服务暂时不可用，请稍后重试或使用手机号登录" },
    wechat_off = { HZ_ERR_DISABLED, "wechat_disabled", NULL,
	"暂未开通微信登录，请使用手机号登录" },
    wechat_web_invalid = { HZ_ERR_UNAUTHORIZED, "wechat_code_invalid", NULL,
	"微信授权已失效，请关闭页面后从微信重新打开；也可以用手机号和验证码登录" };

struct login_job {
	uint64_t          user;
	const char       *kind;
	const char       *action;
	struct hz_tokens *t;
};

/* A session and the audit row of the login that opened it, together. */
static enum hz_status
login_tx(const struct hz_ctx *x, void *p)
{
	struct login_job *j = p;
	enum hz_status rc;

	if ((rc = hz_session_start(x, j->user, j->kind, j->t)))
		return rc;
	return hz_audit(x, j->user, j->action, "user", j->user, NULL);
}

/* {"ip":"..."} for the audit row: nginx's address is digits, dots,
 * colons and hex, nothing to escape; anything else is not shown. */
static const char *
ip_detail(const struct hz_ctx *x)
{
	const char *ip = x->ip ? x->ip : "-";

	if (strlen(ip) > 45 || strspn(ip, "0123456789abcdefABCDEF.:") !=
	    strlen(ip))
		ip = "?";
	return hz_arena_printf(x->arena, "{\"ip\":\"%s\"}", ip);
}

/* The address as stored: what nginx says, bounded to the column. */
static struct hz_db_arg
address(const struct hz_ctx *x)
{
	const char *ip = x->ip ? x->ip : "-";

	return HZ_ARG_STRN(ip, strnlen(ip, 45));
}

/* Before a password is checked: may this address try this account now?
 * Each address waits 1, 2, 4... seconds between tries once it made
 * login_delay_after wrong ones in the window (growing delays, capped at
 * the window); past login_lock_after wrong ones from anywhere, only
 * addresses the account logged in from before may try (a lock a guesser
 * cannot turn against the real user at their usual desk). */
static enum hz_status
guard(const struct hz_ctx *x, const unsigned char key[HZ_INDEX_BYTES],
      uint64_t user, bool *known)
{
	const struct hz_config *c = x->cfg;
	struct hz_refusal r;
	struct hz_db_result g;
	long long mine, wait;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GUARD, HZ_ARGS(
	    address(x), address(x), HZ_ARG_I64((long long)user), address(x),
	    HZ_ARG_STRN((const char *)key, HZ_INDEX_BYTES),
	    HZ_ARG_I64(c->login_lock_minutes)), &g)))
		return rc;
	*known = HZ_CELL(&g, 0, G_KNOWN)->i != 0;
	mine = HZ_CELL(&g, 0, G_ADDRESS)->i;
	if (mine >= c->login_delay_after) {
		long long n = mine - c->login_delay_after;

		wait = n >= 20 ? c->login_lock_minutes * 60LL : 1LL << n;
		if (wait > c->login_lock_minutes * 60LL)
			wait = c->login_lock_minutes * 60LL;
		if (HZ_CELL(&g, 0, G_SINCE)->i < wait) {
			r = throttled;
			r.retry_after = (int)(wait - HZ_CELL(&g, 0, G_SINCE)->i);
			return hz_refuse(x, &r);
		}
	}
	if (HZ_CELL(&g, 0, G_ACCOUNT)->i >= c->login_lock_after && !*known) {
		r = locked;
		r.retry_after = c->login_lock_minutes * 60;
		return hz_refuse(x, &r);
	}
	return HZ_OK;
}

struct failed_job {
	const unsigned char *key;
	uint64_t             user;
};

/* A wrong password (or any password for a name nobody has): counted
 * under the name as typed, and audited with the address. */
static enum hz_status
failed_tx(const struct hz_ctx *x, void *p)
{
	struct failed_job *j = p;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_FAILED, HZ_ARGS(
	    HZ_ARG_STRN((const char *)j->key, HZ_INDEX_BYTES), address(x)),
	    NULL)))
		return rc;
	return hz_audit(x, j->user, "login.staff.failed", "user", j->user,
	    ip_detail(x));
}

/* A staff login: the session, the address it came from, the audit row. */
static enum hz_status
staff_tx(const struct hz_ctx *x, void *p)
{
	struct login_job *j = p;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_ADDRESS, HZ_ARGS(
	    HZ_ARG_I64((long long)j->user), address(x)), NULL)))
		return rc;
	return login_tx(x, j);
}

/* The key failures are counted under: the username as typed, lower
 * case (usernames compare without case), through the keyed hash. */
static void
name_key(const struct hz_ctx *x, const char *username,
         unsigned char key[HZ_INDEX_BYTES])
{
	size_t n = strnlen(username, 256);
	char *lower = hz_arena_strndup(x->arena, username, n);

	for (size_t i = 0; lower != NULL && i < n; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	hz_blind_index(x->keys, "staff_login", lower ? lower : username, n,
	    key);
}

enum hz_status
hz_login_staff(const struct hz_ctx *x, const char *username,
               const char *password, struct hz_tokens *t)
{
	/* The username is ours to log only if it is one. */
	uint64_t id = 0, who = hz_user_id_by_username(x, username);
	unsigned char key[HZ_INDEX_BYTES];
	struct failed_job f = { key, who };
	struct hz_refusal held = { 0 };
	bool known = false;
	enum hz_status rc, verdict;

	name_key(x, username, key);
	/* Names nobody has are guarded the same way: the same queries, the
	 * same answers, so the guard tells no one which names exist. */
	if ((verdict = guard(x, key, who, &known))) {
		const struct hz_refusal *r = hz_refusal_of(x, verdict);

		if (r != NULL)
			held = *r;
		(void)hz_audit(x, who, "login.staff.refused", "user", who,
		    hz_arena_printf(x->arena, "{\"why\":\"%s\",%s",
		    held.code ? held.code : "-", ip_detail(x) + 1));
		/* Held back, unless this is the account's own address: there
		 * the right password still gets in, so nobody can lock its
		 * user out at their desk. A wrong one gets the same answer. */
		if (!known)
			return verdict;
	}
	rc = hz_staff_authenticate(x, username, password, &id);
	if (rc == HZ_ERR_UNAUTHORIZED) {
		if ((rc = hz_tx(x, failed_tx, &f)))
			return rc;
		return verdict ? hz_refuse(x, &held) : hz_refuse(x, &login_failed);
	}
	if (rc)
		return rc;
	/* An expired temporary password is a wrong one to the caller; the
	 * log and the audit trail say why. */
	struct hz_db_result e;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TEMP_EXPIRED, HZ_ARGS(
	    HZ_ARG_I64((long long)id), HZ_ARG_I64(x->cfg->temp_password_ttl)),
	    &e)))
		return rc;
	if (HZ_CELL(&e, 0, 0)->i != 0) {
		hz_info("login refused", "why=temporary_password_expired user=%llu"
		    " ttl=%d", (unsigned long long)id, x->cfg->temp_password_ttl);
		(void)hz_audit(x, id, "login.staff.refused", "user", id,
		    hz_arena_printf(x->arena, "{\"why\":\"temporary_password_"
		    "expired\",%s", ip_detail(x) + 1));
		return hz_refuse(x, &login_failed);
	}
	struct login_job j = { id, "staff", "login.staff", t };
	return hz_tx(x, staff_tx, &j);
}

/* The new password, every session of the account ended, a new one for
 * the caller, and the audit row; refused, with nothing written, if the
 * password is no longer the one the old password was checked against
 * (a reset or another change committed in between: it would be silently
 * undone), if the caller's session ended or the account was disabled
 * meanwhile. */
static enum hz_status
change_tx(const struct hz_ctx *x, void *p)
{
	const struct hz_password_change *j = p;
	const struct hz_db_cell *h;
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LOCK_OWN, HZ_ARGS(
	    HZ_ARG_I64((long long)j->user)), &r)))
		return rc;
	if (r.nrows == 0)
		return hz_refuse(x, &session_gone);
	/* A reset ends the sessions too: it is named first. */
	h = HZ_CELL(&r, 0, O_HASH);
	if (!HZ_TEXT(h) || h->len != strlen(j->verified) ||
	    memcmp(h->s, j->verified, h->len) != 0 ||
	    (HZ_CELL(&r, 0, O_MUST_CHANGE)->i != 0) != j->must_change)
		return hz_refuse(x, &password_moved);
	if (HZ_CELL(&r, 0, O_DISABLED)->i != 0)
		return hz_refuse(x, &session_gone);
	if (j->sid != 0) {
		struct hz_db_result s;

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SESSION_LIVE,
		    HZ_ARGS(HZ_ARG_I64((long long)j->sid),
		    HZ_ARG_I64((long long)j->user)), &s)))
			return rc;
		if (s.nrows == 0 || HZ_CELL(&s, 0, 0)->i != 1)
			return hz_refuse(x, &session_gone);
	}
	if ((rc = hz_password_store(x, j->user, j->hash, false)) ||
	    (rc = hz_session_end_user(x, j->user)) ||
	    (rc = hz_session_start(x, j->user, "staff", j->t)))
		return rc;
	return hz_audit(x, 0, "user.password_change", "user", j->user, NULL);
}

void
hz_password_change_wipe(struct hz_password_change *pc)
{
	sodium_memzero(pc, sizeof(*pc));
}

enum hz_status
hz_password_change_check(const struct hz_ctx *x, const char *old_password,
                         const char *new_password,
                         struct hz_password_change *pc)
{
	const struct hz_caller *c = x->caller;
	unsigned char key[HZ_INDEX_BYTES];
	struct failed_job f = { key, 0 };
	struct hz_refusal held = { 0 };
	struct hz_db_result r;
	const struct hz_db_cell *h;
	bool known = false, right;
	enum hz_status rc, verdict;

	memset(pc, 0, sizeof(*pc));
	if (c == NULL || !c->staff || c->username == NULL)
		return HZ_ERR_FORBIDDEN;
	if (!hz_rule_ok(&hz_user_rules.password, new_password, false))
		return hz_refuse_rule(x, "new_password", &hz_user_rules.password);
	if ((rc = hz_password_guessable(x, "new_password", c->username,
	    new_password)))
		return rc;
	f.user = c->id;
	/* Guessed old passwords count as wrong logins of the account: the
	 * same delays and lock, whichever door the guesser uses. */
	name_key(x, c->username, key);
	if ((verdict = guard(x, key, c->id, &known))) {
		const struct hz_refusal *why = hz_refusal_of(x, verdict);

		if (why == NULL)
			return verdict;
		held = *why;
		held.field = "old_password";
		if (!known)
			return hz_refuse(x, &held);
	}
	/* The hash the old password is checked against is kept: the commit
	 * goes ahead only while it is still the account's. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_OWN_PASSWORD,
	    HZ_ARGS(HZ_ARG_I64((long long)c->id)), &r)))
		return rc;
	h = r.nrows == 1 ? HZ_CELL(&r, 0, O_HASH) : NULL;
	right = h != NULL && HZ_TEXT(h) && h->len < sizeof(pc->verified) &&
	    HZ_CELL(&r, 0, O_DISABLED)->i == 0 &&
	    hz_password_check(h->s, old_password);
	if (!right) {
		if ((rc = hz_tx(x, failed_tx, &f)))
			return rc;
		return hz_refuse(x, verdict ? &held : &old_wrong);
	}
	if (strcmp(old_password, new_password) == 0)
		return hz_refuse(x, &same_password);
	memcpy(pc->verified, h->s, h->len);
	pc->verified[h->len] = '\0';
	pc->must_change = HZ_CELL(&r, 0, O_MUST_CHANGE)->i != 0;
	pc->user = c->id;
	pc->sid = c->sid;
	if ((rc = hz_password_hash(new_password, pc->hash)))
		hz_password_change_wipe(pc);
	return rc;
}

enum hz_status
hz_password_change_commit(const struct hz_ctx *x,
                          struct hz_password_change *pc, struct hz_tokens *t)
{
	enum hz_status rc;

	pc->t = t;
	rc = hz_tx(x, change_tx, pc);
	hz_password_change_wipe(pc);
	return rc;
}

enum hz_status
hz_password_change(const struct hz_ctx *x, const char *old_password,
                   const char *new_password, struct hz_tokens *t)
{
	struct hz_password_change pc;
	enum hz_status rc;

	if ((rc = hz_password_change_check(x, old_password, new_password,
	    &pc)))
		return rc;
	return hz_password_change_commit(x, &pc, t);
}

enum hz_status
hz_login_purge(const struct hz_ctx *x, unsigned long long *deleted)
{
	static const size_t which[] = { STMT_PURGE_FAILURES,
	    STMT_PURGE_ADDRESSES, STMT_PURGE_CODES, STMT_PURGE_GUARDS };
	enum hz_status rc;

	*deleted = 0;
	for (size_t i = 0; i < sizeof(which) / sizeof(which[0]); i++)
		if ((rc = hz_db_run_batches(x->db, x->arena, &stmts, which[i],
		    HZ_NO_ARGS, HZ_DB_PURGE_BATCH, 0, deleted)))
			return rc;
	return HZ_OK;
}

/* Limits per phone across codes: each new code resets its own five tries,
 * so without these a patient attacker would guess on and on, and a victim
 * could be sent a text a minute. */
static enum hz_status
phone_limited(const struct hz_ctx *x, const struct hz_db_arg *ix, bool sending,
              bool *limited)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PHONE_HISTORY, HZ_ARGS(*ix),
	    &r)))
		return rc;
	*limited = HZ_CELL(&r, 0, H_MISSES_DAY)->i >= x->cfg->code_phone_misses
	    || (sending && HZ_CELL(&r, 0, H_SENT_HOUR)->i >=
	    x->cfg->code_phone_hourly);
	return HZ_OK;
}

/* The code's hash is keyed and bound to the phone: a leaked table gives
 * neither the codes nor a way to test them offline. */
static void
code_hash(const struct hz_ctx *x, const unsigned char index[HZ_INDEX_BYTES],
          const char *code, unsigned char out[HZ_INDEX_BYTES])
{
	char buf[HZ_INDEX_BYTES + 8];

	memcpy(buf, index, HZ_INDEX_BYTES);
	memcpy(buf + HZ_INDEX_BYTES, code, 6);
	hz_blind_index(x->keys, "login_code", buf, HZ_INDEX_BYTES + 6, out);
}

/* Jobs decide inside the transaction and commit what they wrote (a miss
 * counts even though the answer is no); `verdict` is the refusal told
 * after the commit, NULL for yes. */
struct send_job {
	const char              *phone;
	const unsigned char     *index;
	char                     code[7];
	const struct hz_refusal *verdict;
};

static enum hz_status
send_tx(const struct hz_ctx *x, void *p)
{
	struct send_job *j = p;
	unsigned char hash[HZ_INDEX_BYTES];
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)j->index,
	    HZ_INDEX_BYTES);
	struct hz_db_arg ip = HZ_ARG_STR(x->ip ? x->ip : "-");
	struct hz_db_result r;
	enum hz_status rc;

	j->verdict = &too_frequent;
	/* The soft limits first, reading only: a request they refuse writes
	 * nothing (no guard row to replicate and to purge). Two sends at
	 * once may both pass them and overshoot by one; the interval below
	 * lets one of them through. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_COUNT_FOR_IP, HZ_ARGS(ip),
	    &r)))
		return rc;
	if (HZ_CELL(&r, 0, 0)->i >= x->cfg->code_ip_hourly)
		return HZ_OK;
	bool limited;
	if ((rc = phone_limited(x, &ix, true, &limited)) || limited)
		return rc;
	/* Locks this phone's latest code row (or the gap where it would be),
	 * so two requests at once cannot both pass the interval check; the
	 * guard row does the same across Galera nodes. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PHONE_GUARD,
	    HZ_ARGS(ix), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_LAST_FOR_PHONE,
	    HZ_ARGS(ix), &r)))
		return rc;
	if (r.nrows == 1 && HZ_CELL(&r, 0, 0)->i < x->cfg->code_interval)
		return HZ_OK;
	snprintf(j->code, sizeof(j->code), "%06u",
	    (unsigned)randombytes_uniform(1000000));
	code_hash(x, j->index, j->code, hash);
	struct hz_db_arg args[] = {
		ix, HZ_ARG_STRN((const char *)hash, sizeof(hash)), ip,
		HZ_ARG_I64(x->cfg->code_ttl),
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGV(args),
	    NULL)))
		return rc;
	j->verdict = NULL;
	return HZ_OK;
}

enum hz_status
hz_login_code_send(const struct hz_ctx *x, const char *phone)
{
	unsigned char index[HZ_INDEX_BYTES];
	struct send_job j = { phone, index, "", NULL };
	enum hz_status rc;

	if (!hz_phone_valid(phone))
		return hz_refuse_rule(x, "phone", &hz_rule_phone);
	hz_blind_index(x->keys, "phone", phone, strlen(phone), index);
	if ((rc = hz_tx(x, send_tx, &j)))
		return rc;
	if (j.verdict != NULL)
		return hz_refuse(x, j.verdict);
	/* Sent after the commit: a code is never sent that was not stored. */
	rc = hz_sms_send_code(x, phone, j.code);
	sodium_memzero(j.code, sizeof(j.code));
	return rc;
}

struct verify_job {
	const char              *phone;
	const char              *code;
	struct hz_tokens        *t;
	const struct hz_refusal *verdict;
	uint64_t                 user;
	const char              *openid;   /* to bind (wechat_bind), or NULL */
};

static enum hz_status
verify_tx(const struct hz_ctx *x, void *p)
{
	struct verify_job *j = p;
	unsigned char index[HZ_INDEX_BYTES], hash[HZ_INDEX_BYTES];
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)index, sizeof(index));
	struct hz_db_result r;
	enum hz_status rc;
	bool created;

	j->verdict = &code_invalid;
	hz_blind_index(x->keys, "phone", j->phone, strlen(j->phone), index);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CURRENT, HZ_ARGS(ix), &r)))
		return rc;
	if (r.nrows == 0 || HZ_CELL(&r, 0, C_USED)->i != 0 ||
	    HZ_CELL(&r, 0, C_LIVE)->i != 1 ||
	    HZ_CELL(&r, 0, C_HASH)->len != sizeof(hash))
		return HZ_OK;
	struct hz_db_arg id = HZ_ARG_I64(HZ_CELL(&r, 0, C_ID)->i);
	bool limited;
	if (HZ_CELL(&r, 0, C_TRIES)->i >= x->cfg->code_tries) {
		j->verdict = &code_locked;
		return HZ_OK;
	}
	if ((rc = phone_limited(x, &ix, false, &limited)))
		return rc;
	if (limited) {
		j->verdict = &code_locked;
		return HZ_OK;
	}
	code_hash(x, index, j->code, hash);
	if (sodium_memcmp(hash, HZ_CELL(&r, 0, C_HASH)->s, sizeof(hash)) != 0) {
		/* The miss is committed even though the answer is 401. */
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MISS, HZ_ARGS(id),
		    NULL)))
			return rc;
		return hz_audit(x, 0, "login.code.failed", "login_code",
		    HZ_ID(HZ_CELL(&r, 0, C_ID)), NULL);
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_USE, HZ_ARGS(id),
	    NULL)))
		return rc;
	rc = hz_resident_by_phone(x, j->phone, &j->user, &created);
	if (rc == HZ_ERR_FORBIDDEN) {
		j->verdict = &phone_refused;
		return HZ_OK;
	}
	if (rc)
		return rc;
	/* A refused binding undoes it all, the code's use included: the
	 * code still logs in without the binding. */
	if (j->openid != NULL && (rc = hz_wechat_oa_bind(x, j->user, j->openid)))
		return rc;
	struct login_job l = { j->user, "resident", "login.code", j->t };
	if ((rc = login_tx(x, &l)))
		return rc;
	j->verdict = NULL;
	return HZ_OK;
}

enum hz_status
hz_login_code_verify(const struct hz_ctx *x, const char *phone,
                     const char *code, struct hz_tokens *t)
{
	return hz_login_code_verify_bind(x, phone, code, NULL, t);
}

enum hz_status
hz_login_code_verify_bind(const struct hz_ctx *x, const char *phone,
                          const char *code, const char *wechat_bind,
                          struct hz_tokens *t)
{
	struct verify_job j = { phone, code, t, NULL, 0, NULL };
	char *openid;
	enum hz_status rc;

	if (!hz_phone_valid(phone))
		return hz_refuse_rule(x, "phone", &hz_rule_phone);
	if (!hz_rule_ok(&hz_rule_login_code, code, false))
		return hz_refuse_rule(x, "code", &hz_rule_login_code);
	/* A bad bind token is refused before the code is looked at, so the
	 * code is not spent on it. */
	if (wechat_bind != NULL) {
		if ((rc = hz_wechat_bind_open(x, wechat_bind, &openid)))
			return rc;
		j.openid = openid;
	}
	if ((rc = hz_tx(x, verify_tx, &j)))
		return rc;
	return j.verdict ? hz_refuse(x, j.verdict) : HZ_OK;
}

struct wechat_job {
	const char       *openid;
	struct hz_tokens *t;
};

/* The resident (found or made), the session and their audit rows. */
static enum hz_status
wechat_tx(const struct hz_ctx *x, void *p)
{
	struct wechat_job *j = p;
	struct login_job l = { 0, "resident", "login.wechat", j->t };
	bool created;
	enum hz_status rc;

	if ((rc = hz_resident_by_wechat(x, j->openid, &l.user, &created)))
		return rc;
	return login_tx(x, &l);
}

enum hz_status
hz_login_wechat(const struct hz_ctx *x, const char *code, struct hz_tokens *t)
{
	char *openid;
	enum hz_status rc;

	switch ((rc = hz_wechat_exchange(x, code, &openid))) {
	case HZ_OK:
		break;
	case HZ_ERR_UNAUTHORIZED:
		return hz_refuse(x, &wechat_invalid);
	case HZ_ERR_UPSTREAM:
		return hz_refuse(x, &wechat_down);
	case HZ_ERR_CONFIG:
		return hz_refuse(x, &wechat_off);
	default:
		return rc;
	}
	struct wechat_job j = { openid, t };
	rc = hz_tx(x, wechat_tx, &j);
	return rc == HZ_ERR_FORBIDDEN ? hz_refuse(x, &wechat_refused) : rc;
}

enum hz_status
hz_login_wechat_web(const struct hz_ctx *x, const char *code,
                    struct hz_tokens *t, char **bind_token)
{
	char *openid;
	bool usable;
	enum hz_status rc;

	*bind_token = NULL;
	switch ((rc = hz_wechat_oa_openid(x, code, &openid))) {
	case HZ_OK:
		break;
	case HZ_ERR_UNAUTHORIZED:
		return hz_refuse(x, &wechat_web_invalid);
	case HZ_ERR_UPSTREAM:
		return hz_refuse(x, &wechat_down);
	case HZ_ERR_CONFIG:
		return hz_refuse(x, &wechat_off);
	default:
		return rc;
	}
	struct login_job l = { 0, "resident", "login.wechat_web", t };
	if ((rc = hz_wechat_oa_user(x, openid, &l.user, &usable)))
		return rc;
	/* Not bound yet: the page asks for the phone and one code, and sends
	 * this token with them (hz_login_code_verify_bind). */
	if (l.user == 0)
		return hz_wechat_bind_token(x, openid, bind_token);
	if (!usable)
		return hz_refuse(x, &wechat_refused);
	return hz_tx(x, login_tx, &l);
}
