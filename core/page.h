/* Keyset pages (DESIGN.md: "?after=<cursor>&limit=<=100, never OFFSET"),
 * and the one way to list rows in the caller's scope.
 *
 * A list statement takes its arguments in this order:
 *
 *     [scope path,] filters..., after, limit
 *
 * and returns rows ordered by their id, which is column 0:
 *
 *     "SELECT ... FROM t JOIN units u ON ... WHERE u.path LIKE CONCAT(?, '%')"
 *     " AND (? IS NULL OR t.status = ?) AND t.id > ? ORDER BY t.id LIMIT ?"
 *
 * The helpers add the scope path, the cursor and limit + 1 (to learn
 * whether a next page exists) and trim the answer to the limit. */
#ifndef HZ_PAGE_H
#define HZ_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "policy.h"

#define HZ_PAGE_MAX     100
#define HZ_PAGE_DEFAULT 20

struct hz_page {
	uint64_t after;   /* the last id of the previous page; 0: first page */
	int      limit;   /* 1..HZ_PAGE_MAX */
};

/* One statement: args are the filters. */
enum hz_status hz_page_run(const struct hz_ctx *, const struct hz_stmt_table *,
                           size_t stmt, const struct hz_db_arg *filters,
                           size_t nfilters, const struct hz_page *,
                           struct hz_db_result *rows, bool *more);

/* Rows under every unit where the caller holds `right` (or under
 * `within`, a path the caller already was checked to hold it at): the
 * statement runs once per scope root and the answers are merged by id
 * (roots are disjoint subtrees, so no row comes twice). */
enum hz_status hz_scope_page(const struct hz_ctx *, enum hz_right,
                             const char *within,
                             const struct hz_stmt_table *, size_t stmt,
                             const struct hz_db_arg *filters,
                             size_t nfilters, const struct hz_page *,
                             struct hz_db_result *rows, bool *more);

/* The statements of a table that keeps each level of the tree beside the
 * path, one per depth of a scope root, so that every root is an index
 * range in id order whatever its depth (complaints.c, checklists.c). */
struct hz_stmt_by_depth {
	size_t village, cooperative, group, building;
};

/* The same with the statement for each root's depth. */
enum hz_status hz_scope_page_by(const struct hz_ctx *, enum hz_right,
                                const char *within,
                                const struct hz_stmt_table *,
                                const struct hz_stmt_by_depth *,
                                const struct hz_db_arg *filters,
                                size_t nfilters, const struct hz_page *,
                                struct hz_db_result *rows, bool *more);

#endif
