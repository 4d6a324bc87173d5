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

enum {
	STMT_LAST_FOR_PHONE, STMT_COUNT_FOR_IP, STMT_INSERT, STMT_CURRENT,
	STMT_MISS, STMT_USE, STMT_PHONE_HISTORY,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
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
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("login", sql);

enum hz_status
hz_login_staff(const struct hz_ctx *x, const char *username,
               const char *password, struct hz_tokens *t)
{
	uint64_t id = 0;
	enum hz_status rc;

	rc = hz_staff_authenticate(x, username, password, &id);
	if (rc == HZ_ERR_UNAUTHORIZED) {
		/* The username is ours to log only if it is a username. */
		uint64_t who = hz_user_id_by_username(x, username);
		(void)hz_audit(x, who, "login.staff.failed", "user", who, NULL);
		return rc;
	}
	if (rc)
		return rc;
	if ((rc = hz_session_start(x, id, "staff", t)))
		return rc;
	return hz_audit(x, id, "login.staff", "user", id, NULL);
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

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_PHONE_HISTORY, ix, 1,
	    &r)))
		return rc;
	*limited = HZ_CELL(&r, 0, 1)->i >= x->cfg->code_phone_misses ||
	    (sending && HZ_CELL(&r, 0, 0)->i >= x->cfg->code_phone_hourly);
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

struct send_job {
	const struct hz_ctx *x;
	const char          *phone;
	const unsigned char *index;
	char                 code[7];
	enum hz_status       verdict;
};

static enum hz_status
send_tx(struct hz_db *db, void *p)
{
	struct send_job *j = p;
	const struct hz_ctx *x = j->x;
	unsigned char hash[HZ_INDEX_BYTES];
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)j->index,
	    HZ_INDEX_BYTES);
	struct hz_db_arg ip = HZ_ARG_STR(x->ip ? x->ip : "-");
	struct hz_db_result r;
	enum hz_status rc;

	(void)db;
	j->verdict = HZ_ERR_RATE_LIMITED;
	/* Locks this phone's latest code row (or the gap where it would be),
	 * so two requests at once cannot both pass the interval check. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_LAST_FOR_PHONE, &ix,
	    1, &r)))
		return rc;
	if (r.nrows == 1 && HZ_CELL(&r, 0, 0)->i < x->cfg->code_interval)
		return HZ_OK;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_COUNT_FOR_IP, &ip, 1,
	    &r)))
		return rc;
	if (HZ_CELL(&r, 0, 0)->i >= x->cfg->code_ip_hourly)
		return HZ_OK;
	bool limited;
	if ((rc = phone_limited(x, &ix, true, &limited)) || limited)
		return rc;
	snprintf(j->code, sizeof(j->code), "%06u",
	    (unsigned)randombytes_uniform(1000000));
	code_hash(x, j->index, j->code, hash);
	struct hz_db_arg args[] = {
		ix, HZ_ARG_STRN((const char *)hash, sizeof(hash)), ip,
		HZ_ARG_I64(x->cfg->code_ttl),
	};
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, args, 4,
	    NULL)))
		return rc;
	j->verdict = HZ_OK;
	return HZ_OK;
}

enum hz_status
hz_login_code_send(const struct hz_ctx *x, const char *phone)
{
	unsigned char index[HZ_INDEX_BYTES];
	struct send_job j = { x, phone, index, "", HZ_OK };
	enum hz_status rc;

	if (!hz_phone_valid(phone))
		return HZ_ERR_INVALID;
	hz_blind_index(x->keys, "phone", phone, strlen(phone), index);
	if ((rc = hz_db_tx(x->db, send_tx, &j)))
		return rc;
	if (j.verdict != HZ_OK)
		return j.verdict;
	/* Sent after the commit: a code is never sent that was not stored. */
	rc = hz_sms_send_code(x, phone, j.code);
	sodium_memzero(j.code, sizeof(j.code));
	return rc;
}

struct verify_job {
	const struct hz_ctx *x;
	const char          *phone;
	const char          *code;
	struct hz_tokens    *t;
	enum hz_status       verdict;
	uint64_t             user;
};

static enum hz_status
verify_tx(struct hz_db *db, void *p)
{
	struct verify_job *j = p;
	const struct hz_ctx *x = j->x;
	unsigned char index[HZ_INDEX_BYTES], hash[HZ_INDEX_BYTES];
	struct hz_db_arg ix = HZ_ARG_STRN((const char *)index, sizeof(index));
	struct hz_db_result r;
	enum hz_status rc;
	bool created;

	(void)db;
	j->verdict = HZ_ERR_UNAUTHORIZED;
	hz_blind_index(x->keys, "phone", j->phone, strlen(j->phone), index);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CURRENT, &ix, 1, &r)))
		return rc;
	if (r.nrows == 0 || HZ_CELL(&r, 0, 3)->i != 0 ||
	    HZ_CELL(&r, 0, 4)->i != 1 || HZ_CELL(&r, 0, 1)->len != sizeof(hash))
		return HZ_OK;
	struct hz_db_arg id = HZ_ARG_I64(HZ_CELL(&r, 0, 0)->i);
	bool limited;
	if (HZ_CELL(&r, 0, 2)->i >= x->cfg->code_tries) {
		j->verdict = HZ_ERR_RATE_LIMITED;
		return HZ_OK;
	}
	if ((rc = phone_limited(x, &ix, false, &limited)))
		return rc;
	if (limited) {
		j->verdict = HZ_ERR_RATE_LIMITED;
		return HZ_OK;
	}
	code_hash(x, index, j->code, hash);
	if (sodium_memcmp(hash, HZ_CELL(&r, 0, 1)->s, sizeof(hash)) != 0) {
		/* The miss is committed even though the answer is 401. */
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_MISS, &id, 1,
		    NULL)))
			return rc;
		return hz_audit(x, 0, "login.code.failed", "login_code",
		    (uint64_t)HZ_CELL(&r, 0, 0)->i, NULL);
	}
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_USE, &id, 1, NULL)) ||
	    (rc = hz_resident_by_phone(x, j->phone, &j->user, &created)))
		return rc;
	if ((rc = hz_session_start(x, j->user, "resident", j->t)) ||
	    (rc = hz_audit(x, j->user, "login.code", "user", j->user, NULL)))
		return rc;
	j->verdict = HZ_OK;
	return HZ_OK;
}

static bool
six_digits(const char *s)
{
	if (strlen(s) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

enum hz_status
hz_login_code_verify(const struct hz_ctx *x, const char *phone,
                     const char *code, struct hz_tokens *t)
{
	struct verify_job j = { x, phone, code, t, HZ_OK, 0 };
	enum hz_status rc;

	if (!hz_phone_valid(phone) || !six_digits(code))
		return HZ_ERR_INVALID;
	if ((rc = hz_db_tx(x->db, verify_tx, &j)))
		return rc;
	return j.verdict;
}

enum hz_status
hz_login_wechat(const struct hz_ctx *x, const char *code, struct hz_tokens *t)
{
	char *openid;
	uint64_t id;
	bool created;
	enum hz_status rc;

	if ((rc = hz_wechat_exchange(x, code, &openid)))
		return rc;
	if ((rc = hz_resident_by_wechat(x, openid, &id, &created)) ||
	    (rc = hz_session_start(x, id, "resident", t)))
		return rc;
	return hz_audit(x, id, "login.wechat", "user", id, NULL);
}
