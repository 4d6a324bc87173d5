/* A staff member's home: what waits for them today (今日待办, issue 11),
 * counted in a few cheap statements over their own scope. */
#ifndef HZ_HOME_H
#define HZ_HOME_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

struct hz_todo_list {
	uint64_t    id;
	uint64_t    building_id;
	const char *building_name;
	int         left;             /* items still open */
};

struct hz_todo {
	/* Pending registrations where the caller decides them; overdue:
	 * waiting more than 24 hours. */
	long long   registrations, registrations_overdue;
	/* The caller's directive receipts: count = unread + undone. */
	long long   directives, directives_unread, directives_undone;
	/* Items still open this month on lists the caller may tick; the
	 * lists themselves when there are at most 20 (a head's). */
	long long   checklist;
	const char *month;
	size_t      nlists;
	struct hz_todo_list *lists;
	/* Open complaints at buildings the caller handles. */
	long long   complaints, complaints_overdue;
};

/* Staff only (403 for a resident). */
enum hz_status hz_todo(const struct hz_ctx *, struct hz_todo *out);

#endif
