/* Complaints (诉求, DESIGN.md "Complaints"), handled the 接诉即办 way:
 * whoever first receives a complaint owns it (首接负责), deadlines are
 * visible, and work is judged by three rates (complaint_stats.h).
 *
 * A resident files one about a building (or a free-text place) with up to
 * three photos; it goes to the household-group leader of the building's
 * group, else the cooperative's cadre, else the village admin. Staff answer
 * it through events; every event is on the timeline. A resident sees only
 * their own complaints; staff see those in their scope, and a building
 * head never sees the name or phone of a resident who asked to hide them. */
#ifndef HZ_COMPLAINTS_H
#define HZ_COMPLAINTS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"
#include "page.h"

#define HZ_COMPLAINT_PHOTOS 3
/* A resident's complaints being handled at once. */
#define HZ_COMPLAINTS_OPEN_MAX 20

struct hz_complaint_rules {
	struct hz_rule category, text, place, photos, action, status,
	    event_text, rating, reason;
	struct hz_rule cat_code, cat_name, cat_kind, cat_minutes;
};
extern const struct hz_complaint_rules hz_complaint_rules;
extern const char *const hz_complaint_statuses[];  /* NULL-terminated */
extern const char *const hz_complaint_actions[];   /* NULL-terminated */

struct hz_category {
	uint64_t    id;
	const char *code, *name, *kind;
	bool        urgent, active;
	int         respond_minutes, resolve_minutes;
};

struct hz_complaint_event {
	uint64_t    id;
	uint64_t    actor_id;         /* 0: the system */
	const char *actor_name;       /* NULL: the system */
	const char *actor_role;       /* resident, building_head, ..., system */
	const char *action;
	const char *from_status, *to_status;
	const char *text;             /* NULL: none */
	int         rating;           /* 0: none */
	uint64_t    target_id;
	const char *target_name;
	bool        public;           /* false: a staff note */
	const char *at;
};

struct hz_complaint {
	uint64_t    id;
	uint64_t    user_id;
	const char *status;
	struct hz_category category;
	const char *text;
	uint64_t    building_id;      /* 0: a place */
	const char *building_name, *building_address;
	const char *place;
	uint64_t    unit_id;
	bool        hide_identity;
	/* The resident as this viewer may see them: NULL when hidden. */
	const char *resident_name;
	const char *resident_phone;   /* masked */
	uint64_t    handler_unit_id;
	const char *handler_unit_name, *handler_unit_kind;
	uint64_t    handler_id;
	const char *handler_name;
	/* RFC 3339 in Asia/Shanghai (clock.h); NULL: not yet. */
	const char *created_at, *updated_at, *respond_due, *resolve_due;
	const char *accepted_at, *resolved_at, *closed_at, *rated_at;
	int         escalations, reopened, rating, unread;
	bool        overdue;
	size_t      nphotos;
	uint64_t    photos[HZ_COMPLAINT_PHOTOS];
	/* Detail only. */
	size_t      nevents;
	struct hz_complaint_event *events;
	/* What this viewer may do now (names from hz_complaint_actions). */
	size_t      nactions;
	const char *actions[12];
};

struct hz_complaint_input {
	const char *category;         /* a category code */
	const char *text;
	uint64_t    building;         /* 0: none */
	const char *place;            /* NULL: none */
	uint64_t    photos[HZ_COMPLAINT_PHOTOS];
	size_t      nphotos;
	bool        hide_identity;
	const char *request_key;      /* the Idempotency-Key, or NULL */
};

/* A resident files a complaint; *out is its detail. Filed again under the
 * same request key, it is the first one (also when that first attempt
 * committed but never answered). */
enum hz_status hz_complaint_submit(const struct hz_ctx *,
                                   const struct hz_complaint_input *,
                                   struct hz_complaint *out);

/* Staff on their rounds (a monthly checklist item found wrong) file a
 * complaint at `building` in category `category` (an id), with `text`
 * and an optional photo (0: none) already checked as theirs. It is routed
 * and timed like a resident's, with the staff member as the one who filed
 * it (their role on the timeline), and runs in the caller's transaction
 * if any. The caller checked their right at the building. 422 on
 * `complaint` for an unknown or inactive category, on `note` (what the
 * text is made from) for a text that breaks the complaint text rule. */
enum hz_status hz_complaint_file_on_duty(const struct hz_ctx *,
                                         uint64_t building, uint64_t category,
                                         const char *text, uint64_t photo,
                                         uint64_t *id);

/* The complaint as the caller may see it, with its timeline; 404 if it is
 * not theirs (resident) or not in their scope (staff). A resident reading
 * it clears its unread count. */
enum hz_status hz_complaint_get(const struct hz_ctx *, uint64_t id,
                                struct hz_complaint *out);

struct hz_complaint_event_input {
	const char *action;           /* accept, reply, note, ... */
	const char *text;             /* reply, note, reject (reason), rate */
	int         rating;           /* rate: 1..5 */
	uint64_t    assignee;         /* assign */
};

/* One step of the lifecycle; *out is the complaint after it. A state
 * change that lost a race, or is not allowed from the current state, is
 * 409. */
enum hz_status hz_complaint_act(const struct hz_ctx *, uint64_t id,
                                const struct hz_complaint_event_input *,
                                struct hz_complaint *out);

/* Staff the caller may assign complaint `id` to (they own it): those
 * holding a role at its place or above, at or below the owning level,
 * never a building head when the resident hid their identity; closest to
 * the place first, at most 200. */
struct hz_assignee {
	uint64_t    id;
	const char *name, *role;
	uint64_t    unit_id;
	const char *unit_name;
};
enum hz_status hz_complaint_assignees(const struct hz_ctx *, uint64_t id,
                                      struct hz_assignee **out, size_t *n);

/* The resident's full phone, for staff who see who filed it and may
 * reveal numbers there (audited: complaint.phone); 403 for a building head
 * the resident hid from, 404 outside scope. */
enum hz_status hz_complaint_phone(const struct hz_ctx *, uint64_t id,
                                  const char **phone);

struct hz_complaint_filter {
	const char *status;           /* NULL: any */
	int         open;             /* -1: any, 1: open, 0: finished */
	bool        overdue;          /* past a deadline and still open */
	bool        assigned_to_me;
	uint64_t    unit;             /* staff: a subtree of their scope */
	uint64_t    building;
	const char *category;         /* a category code */
};

/* The caller's own complaints (resident) or those in their scope
 * (staff), by id. */
enum hz_status hz_complaints_list(const struct hz_ctx *,
                                  const struct hz_complaint_filter *,
                                  const struct hz_page *,
                                  struct hz_complaint **out, size_t *n,
                                  bool *more);

/* Categories: every one for staff, the active ones for residents. */
enum hz_status hz_categories_list(const struct hz_ctx *, bool all,
                                  struct hz_category **out, size_t *n);
struct hz_category_input {
	const char *code, *name, *kind;
	int         urgent, active;           /* -1: unchanged */
	int         respond_minutes, resolve_minutes;  /* 0: unchanged */
};
/* Admin only (HZ_RIGHT_SETTINGS). */
enum hz_status hz_category_create(const struct hz_ctx *,
                                  const struct hz_category_input *,
                                  struct hz_category *out);
enum hz_status hz_category_update(const struct hz_ctx *, uint64_t id,
                                  const struct hz_category_input *,
                                  struct hz_category *out);

/* Scheduler jobs, run with no caller at x->now. Complaints past their
 * response or resolution deadline go one level up (an escalate event by
 * the system); resolved ones the resident left alone for 7 days close. */
enum hz_status hz_complaints_escalate_due(const struct hz_ctx *,
                                          unsigned long long *n);
enum hz_status hz_complaints_autoclose(const struct hz_ctx *,
                                       unsigned long long *n);

#endif
