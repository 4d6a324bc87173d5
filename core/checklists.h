/* The building head's monthly checklist (栋长月度工作清单, issue 11).
 *
 * The village admin writes one template per month (a title and 1 to 20
 * items, each saying whether a photo is required). At the month's first
 * scheduler run, every building with a head gets its own list, one entry
 * per item; a head named later in the month gets theirs at the next run.
 * The head ticks each item (ok, or a problem with a note, which may open
 * a complaint at once); leaders up the chain see completion per child
 * unit and remind the heads who lag. Every time is x->now; a month is the
 * Shanghai month ("2026-12"). */
#ifndef HZ_CHECKLISTS_H
#define HZ_CHECKLISTS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"
#include "page.h"

#define HZ_CHECKLIST_ITEMS_MAX 20
/* A month's lists are listed on one page at most (a head's todo). */
#define HZ_CHECKLIST_TODO_LISTS 20

struct hz_checklist_rules {
	struct hz_rule month, title, items, item_title, hint, status, note,
	    photo, complaint;
};
extern const struct hz_checklist_rules hz_checklist_rules;
/* The fields of one template item and of a complaint opened on a tick. */
extern const struct hz_field hz_checklist_item_fields[];
extern const struct hz_field hz_checklist_complaint_fields[];
extern const char *const hz_checklist_statuses[];   /* NULL-terminated */

/* "yyyy-mm" of the Shanghai month holding `t`; `out` holds 8 bytes. */
const char *hz_checklist_month(time_t t, char out[8]);

struct hz_checklist_item {
	int         position;         /* 1.. */
	const char *title;
	const char *hint;             /* NULL: none */
	bool        photo_required;
};

struct hz_checklist_template {
	uint64_t    id;
	const char *month, *title;
	const char *issued_at;        /* RFC 3339; NULL: not yet */
	long long   revision;
	size_t      nitems;
	struct hz_checklist_item *items;
};

struct hz_checklist_template_input {
	const char *title;
	size_t      nitems;
	struct hz_checklist_item items[HZ_CHECKLIST_ITEMS_MAX];
};

/* Staff: the template of `month` (404 if none), or the templates newest
 * month first, those before `after` (NULL: from the newest). */
enum hz_status hz_checklist_template_get(const struct hz_ctx *,
                                         const char *month,
                                         struct hz_checklist_template *out);
enum hz_status hz_checklist_templates_list(const struct hz_ctx *,
                                           const char *after, int limit,
                                           struct hz_checklist_template **out,
                                           size_t *n, bool *more);
/* Admin (HZ_RIGHT_SETTINGS; no caller: the operator's CLI): writes the
 * template of `month`, not before the current month (422 on `month`);
 * once its lists were issued, 409 template_issued. *created says whether
 * it is new. Audited. */
enum hz_status hz_checklist_template_put(const struct hz_ctx *,
                                         const char *month,
                                         const struct hz_checklist_template_input *,
                                         struct hz_checklist_template *out,
                                         bool *created);

struct hz_checklist_entry {
	int         position;
	const char *title, *hint;
	bool        photo_required;
	const char *status;           /* open, ok, problem */
	const char *note;             /* NULL: none */
	uint64_t    photo;            /* 0: none */
	uint64_t    complaint_id;     /* 0: none */
	uint64_t    done_by;          /* 0: nobody yet */
	const char *done_by_name;
	const char *done_at;
};

struct hz_checklist {
	uint64_t    id;
	const char *month, *title;
	uint64_t    building_id;
	const char *building_name, *lane, *door_no;
	int         items, items_done, problems;
	const char *due_at, *completed_at;
	bool        overdue;          /* due_at passed and not completed */
	/* Detail only. */
	size_t      nentries;
	struct hz_checklist_entry *entries;
};

struct hz_checklist_filter {
	const char *month;            /* NULL: the current month */
	uint64_t    unit;             /* 0: the caller's whole scope */
};

/* Lists in the caller's read scope (a head: their buildings), by id. */
enum hz_status hz_checklists_list(const struct hz_ctx *,
                                  const struct hz_checklist_filter *,
                                  const struct hz_page *,
                                  struct hz_checklist **out, size_t *n,
                                  bool *more);
/* One list with its entries; 404 outside the caller's read scope. */
enum hz_status hz_checklist_get(const struct hz_ctx *, uint64_t id,
                                struct hz_checklist *out);

struct hz_checklist_tick {
	const char *status;           /* open, ok, problem */
	const char *note;             /* NULL: none */
	uint64_t    photo;            /* an upload of the caller; 0: none */
	uint64_t    complaint_category; /* 0: open no complaint */
};

/* Ticks entry `position` of list `id` (HZ_RIGHT_CHECKLIST_TICK at its
 * building); *out is the list after it. A photo is required by the item
 * for ok and problem (422 on `photo`), a problem needs a note (422 on
 * `note`), a complaint needs a problem. The same state again changes
 * nothing. A list changed by someone else meanwhile is 409. */
enum hz_status hz_checklist_tick(const struct hz_ctx *, uint64_t id,
                                 int position,
                                 const struct hz_checklist_tick *,
                                 struct hz_checklist *out);

struct hz_checklist_counts {
	uint64_t    unit_id;
	const char *name, *kind;
	uint64_t    checklist_id;     /* a building's list; 0: none */
	long long   lists, completed, items, items_done, problems, overdue;
};

struct hz_checklist_summary {
	const char *month;
	bool        issued;     /* the month's template went out (issued_at) */
	struct hz_checklist_counts  total;      /* the unit itself */
	struct hz_checklist_counts *children;   /* by id */
	size_t                      nchildren;
};

/* Completion under `unit` (0: the caller's broadest read root) in
 * `month` (NULL: current), for the unit and each child, from one GROUP
 * BY over the lists. 404 outside the caller's scope. */
enum hz_status hz_checklist_summary(const struct hz_ctx *, uint64_t unit,
                                    const char *month,
                                    struct hz_checklist_summary *out);

/* Reminds the heads of the incomplete lists of `month` (NULL: current)
 * under `unit` (HZ_RIGHT_DIRECTIVE_SEND there): one notification per
 * head, however many of their buildings lag, a list reminded within the
 * hour skipped. *reminded counts the heads reminded. */
enum hz_status hz_checklists_remind(const struct hz_ctx *, uint64_t unit,
                                    const char *month, long long *reminded);

/* Scheduler job (no caller): this month's lists for every building with
 * a head that has none yet, their entries, one notification per head
 * (a head of four buildings gets one text, not four).
 * n[0] lists, n[1] entries. */
enum hz_status hz_checklists_issue(const struct hz_ctx *,
                                   unsigned long long *n);

#endif
