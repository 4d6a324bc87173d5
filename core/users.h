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

/* A role for a staff member at a unit of the right kind, inside the
 * caller's USER_ADMIN scope (or the CLI); 409 if held already. */
enum hz_status hz_role_grant(const struct hz_ctx *, uint64_t user_id,
                             enum hz_role, uint64_t unit_id, uint64_t *id);
enum hz_status hz_role_revoke(const struct hz_ctx *, uint64_t user_id,
                              uint64_t assignment_id);

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

uint64_t hz_user_id_by_username(const struct hz_ctx *, const char *username);

/* The full phone number of a staff member, for a caller holding
 * PII_REVEAL; every reveal is written to the audit log. *phone is NULL if
 * the account has none. */
enum hz_status hz_staff_phone_reveal(const struct hz_ctx *, uint64_t id,
                                     char **phone);

#endif
