/* Residence registration (居住登记): a renter registers from the building's
 * code, the building head or anyone above decides, and the roster of a
 * building is its active tenancies.
 *
 *   pending ──approve──> active ──end──> ended
 *      │ └──end (withdrawn)──────────────> ended
 *      └──reject (reason)──> rejected
 *
 * One open (pending or active) tenancy per person and per ID number, held
 * by unique keys in the database. */
#ifndef HZ_TENANCIES_H
#define HZ_TENANCIES_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"
#include "page.h"

#define HZ_TENANCY_OVERDUE_HOURS 24   /* the landlord's legal window */

/* The version of the 隐私政策 and 用户协议 (nginx/www/privacy.html,
 * terms.html) a registration must have been agreed to: bump it with every
 * change of either page, and registrations made against the old text are
 * refused until the renter has read and ticked the new one. */
#define HZ_POLICY_VERSION "2026-12-02"
#define HZ_MOVE_END_REASON "迁往新住址"
/* Shown for the ID number and phone of a registration erased after the
 * retention period (retention.h), in the answers and the export. */
#define HZ_TENANCY_ERASED "已删除"

/* What a registration's fields may hold (json.h). */
struct hz_tenancy_rules {
	struct hz_rule token, name, id_type, id_number, phone, room, move_in,
	               reason, employer, members, member_name, relation,
	               decision_reason, status, consent_version;
};
extern const struct hz_tenancy_rules hz_tenancy_rules;
extern const char *const hz_tenancy_states[];   /* NULL-terminated */

struct hz_tenancy_input {
	const char *token;           /* the building's code, as scanned; */
	uint64_t    building_id;     /* or the building found by address */
	const char *consent_version; /* must be HZ_POLICY_VERSION */
	uint64_t    moving_from;     /* 0, or the caller's active tenancy,
	                                ended in the same transaction */
	const char *name;
	const char *id_type;
	const char *id_number;
	const char *phone;
	const char *room;
	const char *move_in;         /* yyyy-mm-dd */
	const char *reason;          /* work, business, family, study, other */
	const char *employer;        /* optional */
	const char *members_json;    /* optional: [{"name","relation"}] */
	int         members_count;
};

struct hz_tenancy {
	uint64_t    id;
	uint64_t    user_id;
	uint64_t    building_id;
	const char *building_name;
	const char *lane, *door_no;
	const char *status;
	const char *name;
	const char *id_type;
	const char *id_masked;
	const char *phone_masked;
	const char *room;
	const char *move_in;
	const char *reason;
	const char *employer;
	const char *members_json;    /* unsealed, or NULL */
	const char *created_at;      /* RFC 3339, Asia/Shanghai */
	const char *decided_at;
	const char *reject_reason;
	const char *ended_at;
	const char *end_reason;
	const char *last_verified_at;
	const char *erased_at;       /* RFC 3339, or NULL: not erased */
	bool        overdue;         /* pending for more than 24 hours */
};

/* A resident registers into the building their scanned code names, or
 * the one they found by its address (exactly one of token and
 * building_id; an unknown building is 404), having agreed to the current
 * 隐私政策 and 用户协议 (consents rows, same transaction). Their
 * display_name becomes the registered name. With moving_from, their own
 * active tenancy (another's: 404) ends (迁往新住址) in the same
 * transaction. Refused on the field at fault (422), or 409:
 * already_registered (an open tenancy exists and it is not the one moved
 * from) or id_already_registered (that document has one). */
enum hz_status hz_tenancy_create(const struct hz_ctx *,
                                 const struct hz_tenancy_input *,
                                 uint64_t *id);

/* The owner, or staff reading the building. A staff read is audited
 * (tenancy.read) unless it is the answer to their own write, which is
 * audited as that write. */
enum hz_status hz_tenancy_get(const struct hz_ctx *, uint64_t id,
                              struct hz_tenancy *, bool after_write);

struct hz_tenancy_filter {
	const char *status;      /* NULL: any */
	uint64_t    building;    /* 0: any */
	uint64_t    unit;        /* 0: anywhere in scope; else a subtree */
	bool        overdue;     /* only pending for more than 24 hours */
};

/* Residents: their own; staff: in scope (page.h). Newest id first is not
 * keyset friendly with several scopes, so lists go by id ascending. */
enum hz_status hz_tenancies_list(const struct hz_ctx *,
                                 const struct hz_tenancy_filter *,
                                 const struct hz_page *,
                                 struct hz_tenancy **out, size_t *n,
                                 bool *more);
/* A building's roster: its active tenancies (staff reading it; any other
 * unit is not a building). */
enum hz_status hz_tenancies_roster(const struct hz_ctx *, uint64_t building,
                                   const struct hz_page *,
                                   struct hz_tenancy **out, size_t *n,
                                   bool *more);

enum hz_tenancy_action { HZ_TENANCY_APPROVE, HZ_TENANCY_REJECT,
                         HZ_TENANCY_END };

/* Refused with state_conflict (409) when the tenancy is not in a state
 * the action applies to, on `reason` (422) without one to reject. */
enum hz_status hz_tenancy_decide(const struct hz_ctx *, uint64_t id,
                                 enum hz_tenancy_action, const char *reason);

/* The full ID number, for staff holding PII_REVEAL there; audited. */
enum hz_status hz_tenancy_reveal_id(const struct hz_ctx *, uint64_t id,
                                    char **number);

/* Records that the owner confirmed living there (a check-in). */
enum hz_status hz_tenancy_verified(const struct hz_ctx *, uint64_t id);
/* The caller's open tenancy (0 if none) and its building. */
enum hz_status hz_tenancy_open_of(const struct hz_ctx *, uint64_t user,
                                  uint64_t *id, uint64_t *building,
                                  const char **status);

struct hz_tenancy_counts {
	uint64_t    unit_id;
	const char *name;
	const char *kind;
	long long   active;
	long long   pending;
	long long   overdue;
};

/* The unit itself first, then each child (UNIT_READ). */
enum hz_status hz_tenancy_counts(const struct hz_ctx *, uint64_t unit,
                                 struct hz_tenancy_counts **out, size_t *n);

#define HZ_EXPORT_MAX_ROWS 20000

/* CSV (UTF-8 with BOM, for spreadsheet programs) of the tenancies that
 * started (move-in) between from and to (yyyy-mm-dd, inclusive) in a
 * unit's subtree, full ID numbers included: TENANCY_EXPORT there (cadres
 * and admins); audited. Refused on `from` past HZ_EXPORT_MAX_ROWS rows
 * (ask for a shorter period) or for dates out of order. */
enum hz_status hz_tenancies_export(const struct hz_ctx *, uint64_t unit,
                                   const char *from, const char *to,
                                   struct hz_buf *csv, size_t *rows);

/* ---- The building head's tools (楼栋工作台) ---- */

#define HZ_TENANCY_BATCH_MAX 50

/* One registration of a batch: approved (status "active"), or refused
 * with code and message (not_found when out of the caller's scope,
 * forbidden without the right, state_conflict when not pending). */
struct hz_tenancy_batch_item {
	uint64_t    id;
	const char *status;      /* "active", or NULL when refused */
	const char *code;
	const char *message;
};

/* Approves each id in its own transaction, in order: one refusal never
 * undoes the others. Only a database failure ends the batch (5xx). */
enum hz_status hz_tenancies_approve_batch(const struct hz_ctx *,
                                          const uint64_t *ids, size_t n,
                                          struct hz_tenancy_batch_item *out);

/* The renter's full phone, for staff holding PII_REVEAL there, to call
 * them; audited (pii.reveal). */
enum hz_status hz_tenancy_reveal_phone(const struct hz_ctx *, uint64_t id,
                                       char **phone);

/* The building's active renters with no residence check-in in `month`
 * (yyyy-mm, Shanghai; NULL: this month), UNIT_READ on the building;
 * 422 on `month` when it is no month. Audited like a list. */
enum hz_status hz_tenancies_absent(const struct hz_ctx *, uint64_t building,
                                   const char *month,
                                   const struct hz_page *,
                                   struct hz_tenancy **out, size_t *n,
                                   bool *more);
extern const struct hz_rule hz_tenancy_month_rule;
extern const struct hz_rule hz_tenancy_overdue_rule;

#endif
