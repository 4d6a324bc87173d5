/* People: staff accounts and their roles, residents found or created by
 * phone or WeChat. Phones are sealed and blind-indexed, never stored in
 * clear. */
#ifndef HZ_USERS_H
#define HZ_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"
#include "page.h"
#include "policy.h"

struct hz_user_rules {
	struct hz_rule username, display_name, password, role;
};
extern const struct hz_user_rules hz_user_rules;

/* HZ_OK, or 422 validation_failed on `field` (密码太简单：…) for a
 * password anyone would guess: containing the username (NULL: not
 * checked), one character or short piece repeated, a plain run of digits
 * or letters (1234567890, abcdefghij, 9876543210) or one of the commonest
 * passwords. Apart from the length rule: staff account, password set and
 * change all ask both. */
enum hz_status hz_password_guessable(const struct hz_ctx *, const char *field,
                                     const char *username,
                                     const char *password);

/* Argon2id (libsodium crypto_pwhash_str), OWASP's minimum: t=2, m=19 MiB. */
enum hz_status hz_password_hash(const char *password, char out[128]);
bool           hz_password_check(const char *hash, const char *password);

/* Staff login: HZ_ERR_UNAUTHORIZED for an unknown user or a wrong password
 * alike, in the same time (a dummy hash is checked for unknown users). */
enum hz_status hz_staff_authenticate(const struct hz_ctx *, const char *user,
                                     const char *password, uint64_t *id);

struct hz_staff_new {
	const char *username;      /* [a-z0-9_.-]{3,32} */
	const char *display_name;
	const char *password;      /* 10..128 characters */
	const char *phone;         /* optional */
	bool        no_password;   /* the importer's staff.csv: password NULL,
	                            * none stored; the account cannot log in
	                            * until one is set */
};

/* Refused (422 on the field, 409 for a taken username or phone) or
 * created with its audit row. Needs USER_ADMIN anywhere, or no caller
 * (the CLI). */
enum hz_status hz_staff_create(const struct hz_ctx *,
                               const struct hz_staff_new *, uint64_t *id);

/* Refused while the caller holds a temporary password (an admin's
 * reset): 403 password_change_required, until hz_password_change. */
extern const struct hz_refusal hz_refusal_password_change;

/* A role for a staff member at a unit of the right kind, inside the
 * caller's USER_ADMIN scope (or the CLI); 409 if held already. */
enum hz_status hz_role_grant(const struct hz_ctx *, uint64_t user_id,
                             enum hz_role, uint64_t unit_id, uint64_t *id);
enum hz_status hz_role_revoke(const struct hz_ctx *, uint64_t user_id,
                              uint64_t assignment_id);
/* building_head at a building: the grantee becomes the building's head
 * when it has none (another head there: 409 head_taken, naming them);
 * revoking it clears the building's head. */

/* The assignment of `role` at `unit_id` the user holds, or 0. */
uint64_t hz_role_held(const struct hz_ctx *, uint64_t user_id, enum hz_role,
                      uint64_t unit_id);
/* The same as hz_role_revoke, the assignment named by what it is (the
 * command line); 404 role_not_held when the user does not hold it. */
enum hz_status hz_role_remove(const struct hz_ctx *, uint64_t user_id,
                              enum hz_role, uint64_t unit_id);

/* Finds the resident with this phone (validated, normalised) or creates
 * one; *created says which. */
enum hz_status hz_resident_by_phone(const struct hz_ctx *, const char *phone,
                                    uint64_t *id, bool *created);
enum hz_status hz_resident_by_wechat(const struct hz_ctx *,
                                     const char *openid, uint64_t *id,
                                     bool *created);

/* The caller's phone, masked (or NULL if none). */
char          *hz_user_phone_masked(const struct hz_ctx *,
                                    const struct hz_caller *);

struct hz_staff_row {
	uint64_t    id;
	const char *username;
	const char *display_name;
	const char *phone_masked;
	bool        disabled;
};

/* Staff by id, a keyset page (USER_ADMIN anywhere). */
enum hz_status hz_staff_list(const struct hz_ctx *, const struct hz_page *,
                             struct hz_staff_row **rows, size_t *n,
                             bool *more);
enum hz_status hz_staff_get(const struct hz_ctx *, uint64_t id,
                            struct hz_staff_row *, struct hz_caller *roles);

/* A staff account by name, disabled ones included; 0 if none. */
uint64_t hz_user_id_by_username(const struct hz_ctx *, const char *username);

/* ---- Account administration (admins: USER_ADMIN anywhere, or the
 * command line). Each runs in one transaction with its audit row; 404 for
 * an id that is no staff account. */

/* disabled = 1, disabled_at, authz_version + 1, every session ended
 * (refresh tokens revoked, access tokens refused from the next request
 * on); audited user.disable. 409 cannot_disable_self for the caller's own
 * account, 409 last_admin for the last enabled admin. Disabling a
 * disabled account changes nothing. */
enum hz_status hz_staff_disable(const struct hz_ctx *, uint64_t id);
/* disabled = 0 (the user logs in again); audited user.enable. */
enum hz_status hz_staff_enable(const struct hz_ctx *, uint64_t id);

/* xxxx-xxxx-xxxx: 12 random lower-case letters and digits without 0, o,
 * 1, l, i (about 59 bits). */
#define HZ_TEMP_PASSWORD_LEN 14
void hz_password_temporary(char out[HZ_TEMP_PASSWORD_LEN + 1]);
/* A temporary password (*temporary, in the arena: shown once, never
 * stored in clear or logged): must_change_password = 1, every session
 * ended; audited user.password_reset. 409 cannot_reset_self for the
 * caller's own account (they change it with the old one). */
enum hz_status hz_staff_password_reset(const struct hz_ctx *, uint64_t id,
                                       char **temporary);
/* The command line only (no caller): a password the operator chose
 * (the password rule), not temporary; every session ended; audited
 * user.password_set. */
enum hz_status hz_staff_password_set(const struct hz_ctx *, uint64_t id,
                                     const char *password);
/* Inside a transaction: the hash and whether it must be changed, with
 * password_changed_at; 404 for no staff account. */
enum hz_status hz_password_store(const struct hz_ctx *, uint64_t id,
                                 const char *hash, bool temporary);

/* The full phone number of a staff member, for a caller holding
 * PII_REVEAL; every reveal is written to the audit log. *phone is NULL if
 * the account has none. */
enum hz_status hz_staff_phone_reveal(const struct hz_ctx *, uint64_t id,
                                     char **phone);

#endif
