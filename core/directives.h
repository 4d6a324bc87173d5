/* Directives (通知/指令, issue 11): staff send an instruction down a subtree
 * of their scope to its building heads, its group leaders or both; every
 * recipient gets a receipt (one row per person, made by one INSERT ...
 * SELECT) that says whether they read it and, when asked, did it. The
 * sender follows the counts per child unit and reminds the laggards. A
 * directive is never edited: a correction is a new one naming it. */
#ifndef HZ_DIRECTIVES_H
#define HZ_DIRECTIVES_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ctx.h"
#include "json.h"
#include "page.h"

#define HZ_DIRECTIVE_FILES 3
/* How far ahead a deadline may be. */
#define HZ_DIRECTIVE_DAYS  366

struct hz_directive_rules {
	struct hz_rule audience, title, body, files, note, box, state,
	    remind_state;
};
extern const struct hz_directive_rules hz_directive_rules;

/* {id, name} of a user or {id, name, kind} of a unit. */
struct hz_directive_ref {
	uint64_t    id;
	const char *name;
	const char *kind;             /* units only */
};

struct hz_directive_file {
	uint64_t    id;
	const char *kind;             /* photo, pdf */
};

struct hz_directive_counts {
	long long recipients, read, done, overdue;
};

struct hz_directive_child {
	struct hz_directive_ref    unit;
	struct hz_directive_counts c;
};

/* A recipient's receipt. Times are RFC 3339 (Shanghai) or NULL. */
struct hz_directive_receipt {
	struct hz_directive_ref user;
	const char *role;             /* building_head, group_leader */
	struct hz_directive_ref unit;
	const char *read_at, *done_at, *done_note, *reminded_at;
	uint64_t    photo;            /* 0: none */
	int         reminders;
	bool        overdue;
};

struct hz_directive_correction {
	uint64_t    id;
	const char *title, *created_at;
};

struct hz_directive {
	uint64_t    id;
	const char *title, *body, *audience;
	struct hz_directive_ref unit, sender;
	const char *deadline, *created_at;
	bool        needs_done;
	uint64_t    corrects_id;      /* 0: none */
	const char *corrects_title;
	size_t      nfiles;
	struct hz_directive_file files[HZ_DIRECTIVE_FILES];
	/* Detail only. */
	size_t      ncorrections;
	struct hz_directive_correction *corrections;
	bool        has_receipt;      /* the caller's own */
	struct hz_directive_receipt receipt;
	bool        sender_view;      /* counts and children are set */
	struct hz_directive_counts counts;
	size_t      nchildren;
	struct hz_directive_child *children;
};

struct hz_directive_input {
	uint64_t    unit_id;
	const char *audience;         /* heads, leaders, both */
	const char *title, *body;
	time_t      deadline;
	bool        needs_done;
	uint64_t    files[HZ_DIRECTIVE_FILES];
	size_t      nfiles;
	uint64_t    corrects_id;      /* 0: none */
};

/* Sends a directive (DIRECTIVE_SEND at the unit): one transaction makes
 * it, its files, a receipt per recipient (never the sender) and a
 * notification each. 404 outside scope, 403 without the right, 422
 * no_recipients when nobody of the audience but the sender is under the
 * unit. *out is the sender's view. Once committed it is HZ_OK: when the
 * directive cannot be read back, *out is made from what was sent, with
 * no children. */
enum hz_status hz_directive_send(const struct hz_ctx *,
                                 const struct hz_directive_input *,
                                 struct hz_directive *out);

/* The directive as the caller sees it: its recipients (a first read sets
 * read_at) and staff who may send in its unit (counts, children); 404 for
 * anyone else. */
enum hz_status hz_directive_get(const struct hz_ctx *, uint64_t id,
                                struct hz_directive *out);

/* A row of a list: the directive and, in the received box, the caller's
 * receipt; in the sent box, the counts. */
struct hz_directive_item {
	struct hz_directive d;
	struct hz_directive_receipt r;       /* received */
	struct hz_directive_counts  c;       /* sent */
};

/* box "received" (the caller's receipts, *unread their unread ones) or
 * "sent" (directives in the caller's DIRECTIVE_SEND scope), newest
 * first: the page's `after` is the last id seen. */
enum hz_status hz_directives_list(const struct hz_ctx *, const char *box,
                                  const struct hz_page *,
                                  struct hz_directive_item **out, size_t *n,
                                  bool *more, long long *unread);

struct hz_receipt_filter {
	const char *state;            /* all (NULL), unread, undone */
	uint64_t    unit;             /* 0: all; else a unit in the directive's */
};

/* The receipts of a directive for its senders, by user id. */
enum hz_status hz_directive_receipts(const struct hz_ctx *, uint64_t id,
                                     const struct hz_receipt_filter *,
                                     const struct hz_page *,
                                     struct hz_directive_receipt **out,
                                     size_t *n, bool *more);

/* The same rows as CSV (UTF-8 with a BOM), handed to row() line by line,
 * the header first once the caller was checked. */
enum hz_status hz_directive_receipts_csv(const struct hz_ctx *, uint64_t id,
                                         const struct hz_receipt_filter *,
                                         enum hz_status (*row)(void *,
                                             const char *, size_t),
                                         void *arg);

/* A recipient confirms they did it (needs_done), with a note and
 * optionally a photo of their own; twice is once. *out is their view. */
enum hz_status hz_directive_done(const struct hz_ctx *, uint64_t id,
                                 const char *note, uint64_t photo,
                                 struct hz_directive *out);

/* Reminds the recipients in `state` (unread, undone; NULL: undone) not
 * reminded within the hour; the others are skipped. */
enum hz_status hz_directive_remind(const struct hz_ctx *, uint64_t id,
                                   const char *state, long long *reminded,
                                   long long *skipped);

#endif
