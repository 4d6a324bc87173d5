/* The query plans of the hot statements (issue 14): EXPLAIN against the
 * real MariaDB, with a few thousand rows in the big tables so that the
 * optimizer has a choice, must read each big table through one of its
 * indexes, never by a full scan. A dropped or renamed index, or a rewrite
 * that can no longer use one, fails here instead of at a million rows.
 *
 * The statements are core's (core/tenancies.c, core/complaints.c,
 * core/policy.c) with a shorter select list: the plan is decided by the
 * FROM, WHERE and ORDER BY, which are copied verbatim, and each copy is
 * checked against core's source (the string literals, joined) so that it
 * cannot drift from what core runs. The seeded rows are deleted again.
 * HUZU_PLANS_PRINT=1 prints every plan.
 *
 * The staff tenancy lists and counts (sql/0020) name their index and
 * their join order (FORCE INDEX, STRAIGHT_JOIN), so their plans do not
 * hang on the rows loaded here: each shape (every scope level, first and
 * deep page, with and without a status, ?building=, the counts) must read
 * its index as a range or a ref, sort nothing, and join the rest by
 * primary key. Their definitions are checked against core's source text
 * (whitespace aside), line by line. */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "dbfixture.h"

/* Parts of core's statements, as their string literals read joined. */
#define T_OVERDUE "(? = 0 OR (t.status = 'pending'" \
	" AND t.created_at < NOW(3) - INTERVAL 24 HOUR))"
/* core/tenancies.c's scoped statements, with t.id, u.path for its
 * select list. */
#define T_ROOT_ID "CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(?, '/', -2), '/', 1)" \
	" AS UNSIGNED)"
#define T_SCOPED(INDEX) "EXPLAIN SELECT STRAIGHT_JOIN t.id, u.path" \
	" FROM tenancies t FORCE INDEX (" INDEX ")" \
	" JOIN units u ON u.id = t.building_id" \
	" JOIN buildings b ON b.unit_id = t.building_id"
#define T_IN_VILLAGE " WHERE INSTR(u.path, ?) = 1"
#define T_IN_COOP " WHERE t.coop_id = " T_ROOT_ID
#define T_IN_GROUP " WHERE t.group_id = " T_ROOT_ID
#define T_IN_BUILDING " WHERE t.building_id = " T_ROOT_ID
#define T_AT_BUILDING T_IN_VILLAGE " AND t.building_id = ?"
#define T_ONE_STATUS " AND t.status = ? AND " T_OVERDUE
#define T_SCOPE_PAGE " AND t.id > ? ORDER BY t.id LIMIT ?"
#define T_COUNT_OF(INDEX, CHILD, WHERE) \
	"EXPLAIN SELECT STRAIGHT_JOIN CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(u.path," \
	" '/', ?), '/', -1) AS UNSIGNED), CAST(SUM(r.active) AS SIGNED)," \
	" CAST(SUM(r.pending) AS SIGNED), 0" \
	" FROM units u FORCE INDEX (units_path)" \
	" JOIN building_renters r FORCE INDEX (PRIMARY) ON r.building_id = u.id" \
	" WHERE u.path LIKE CONCAT(?, '%') GROUP BY 1" \
	" UNION ALL SELECT " CHILD ", 0, 0, COUNT(*)" \
	" FROM tenancies t FORCE INDEX (" INDEX ")" \
	WHERE " AND t.status = 'pending'" \
	" AND t.created_at < NOW(3) - INTERVAL 24 HOUR GROUP BY 1"
#define C_FROM " FROM complaints c JOIN complaint_categories k ON k.id = c.category_id" \
	" JOIN users r ON r.id = c.user_id" \
	" JOIN units hu ON hu.id = c.handler_unit_id" \
	" LEFT JOIN users h ON h.id = c.handler_id" \
	" LEFT JOIN units bu ON bu.id = c.building_id" \
	" LEFT JOIN buildings b ON b.unit_id = c.building_id"
#define C_ROOT_ID "CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(?, '/', -2), '/', 1)" \
	" AS UNSIGNED)"
#define C_FILTERS \
	" AND (? IS NULL OR c.status = ?) AND (? IS NULL OR c.is_open = ?)" \
	" AND (? = 0 OR (c.is_open AND ((c.accepted_at IS NULL AND" \
	"   c.respond_due < FROM_UNIXTIME(?)) OR c.resolve_due < FROM_UNIXTIME(?))))" \
	" AND (? = 0 OR c.handler_id = ?) AND (? = 0 OR c.building_id = ?)" \
	" AND (? IS NULL OR k.code = ?)" \
	" AND c.id > ? ORDER BY c.id LIMIT ?"
/* core/policy.h's HZ_CALLER_COLS and HZ_CALLER_FROM. */
#define U_COLS "u.kind, u.display_name, u.username, u.phone_sealed, u.disabled," \
	" u.authz_version, s.id IS NOT NULL, u.must_change_password," \
	" u.phone_public"
#define U_FROM "users u LEFT JOIN sessions s ON s.id = ? AND s.user_id = u.id" \
	" AND s.revoked_at IS NULL"
/* core/checkins.c STMT_SCAN, after the caller's FROM. */
#define K_SCAN " LEFT JOIN units n ON n.id = ?" \
	" LEFT JOIN buildings b ON b.unit_id = n.id" \
	" LEFT JOIN tenancies t ON t.open_user = ?" \
	" LEFT JOIN checkins c FORCE INDEX (checkins_user)" \
	" ON c.user_id = ? AND c.building_id = ?" \
	" AND c.at > NOW(3) - INTERVAL 10 MINUTE WHERE u.id = ? LIMIT 4"

enum {
	S_TENANCIES, S_COMPLAINTS, S_SESSION, S_SESSION_ID, S_PATH, S_DROP_T,
	S_DROP_C, S_ANALYZE, S_FIRST_T,
	E_LIST_VILLAGE, E_LIST_COOP, E_LIST_GROUP, E_LIST_BUILDING, E_LIST_AT,
	E_STATUS_VILLAGE, E_STATUS_COOP, E_STATUS_GROUP, E_STATUS_BUILDING,
	E_STATUS_AT,
	E_COUNT_VILLAGE, E_COUNT_COOP, E_COUNT_GROUP, E_COUNT_BUILDING,
	E_INBOX_GROUP, E_INBOX_ALL, E_CALLER, E_SCAN,
	E_DASH_CHECKIN_DAYS, E_DASH_CHECKINS, E_DASH_TALLIES, E_DASH_RECEIPTS,
	E_DASH_RENTERS, E_DASH_CHECKLISTS, E_DASH_OVERDUE, E_DASH_RATES,
	E_ROLL, E_DASH_TALLIED, E_TALLY, S_FIRST_C, E_DASH_V_OVERDUE,
	E_DASH_C_RENTERS, E_DASH_C_OVERDUE, E_DASH_C_CHECKLISTS,
	E_DASH_C_TALLIES, S__MAX
};

/* core/dashboard.c's statements (issue 11, sql/0021) from their FROM on,
 * and the rollup job's (core/checkin_days.c). */
#define D_CHECKIN_DAYS " FROM checkin_days d FORCE INDEX (PRIMARY)" \
	" JOIN units g ON g.id = d.unit_id" \
	" WHERE d.day >= ? AND d.day < ? AND g.path LIKE CONCAT(?, '%')" \
	" UNION ALL SELECT u.path, c.residence, c.patrol FROM (SELECT building_id," \
	" SUM(kind = 'residence') AS residence, SUM(kind = 'patrol') AS patrol" \
	" FROM checkins FORCE INDEX (checkins_week)" \
	" WHERE at >= GREATEST(FROM_UNIXTIME(?), COALESCE((SELECT upto" \
	" FROM rollup_marks WHERE name = 'checkin_days'), FROM_UNIXTIME(0)))" \
	" AND at < FROM_UNIXTIME(?) GROUP BY building_id) c STRAIGHT_JOIN units u" \
	" ON u.id = c.building_id WHERE u.path LIKE CONCAT(?, '%')) t GROUP BY 1"
#define D_CHECKINS " FROM units u" \
	" STRAIGHT_JOIN checkins c FORCE INDEX (checkins_building)" \
	" ON c.building_id = u.id AND c.at >= FROM_UNIXTIME(?)" \
	" AND c.at < FROM_UNIXTIME(?) WHERE u.path LIKE CONCAT(?, '%') GROUP BY 1"
#define D_TALLIES " FROM directives d FORCE INDEX (directives_created)" \
	" STRAIGHT_JOIN directive_tallies t FORCE INDEX (PRIMARY)" \
	" ON t.directive_id = d.id" \
	" WHERE d.created_at >= FROM_UNIXTIME(?)" \
	" AND d.created_at < FROM_UNIXTIME(?) GROUP BY t.unit_id) t" \
	" STRAIGHT_JOIN units g FORCE INDEX (PRIMARY) ON g.id = t.unit_id" \
	" WHERE g.path LIKE CONCAT(?, '%') GROUP BY 1"
#define D_RECEIPTS " FROM directive_receipts r FORCE INDEX (receipts_path)" \
	" STRAIGHT_JOIN directives d FORCE INDEX (PRIMARY)" \
	" ON d.id = r.directive_id" \
	" WHERE d.created_at >= FROM_UNIXTIME(?)" \
	" AND d.created_at < FROM_UNIXTIME(?)" \
	" AND r.unit_path LIKE CONCAT(?, '%') GROUP BY 1"
#define D_RENTERS " FROM building_renters" \
	" FORCE INDEX (building_renters_group)" \
	" GROUP BY group_id) r STRAIGHT_JOIN units g FORCE INDEX (PRIMARY)" \
	" ON g.id = r.group_id" \
	" WHERE g.path LIKE CONCAT(?, '%') GROUP BY 1"
#define D_CHECKLISTS " FROM checklists FORCE INDEX (checklists_done)" \
	" WHERE month = ? GROUP BY group_id) c" \
	" STRAIGHT_JOIN units g FORCE INDEX (PRIMARY) ON g.id = c.group_id" \
	" WHERE g.path LIKE CONCAT(?, '%') GROUP BY 1"
#define D_OVERDUE " FROM tenancies t JOIN units u ON u.id = t.building_id" \
	" WHERE t.status = 'pending' AND t.created_at < FROM_UNIXTIME(?)" \
	" AND u.path LIKE CONCAT(?, '%') GROUP BY 1"
#define D_RATES " FROM complaints WHERE unit_path LIKE CONCAT(?, '%')" \
	" AND created_at >= FROM_UNIXTIME(?) AND created_at < FROM_UNIXTIME(?)" \
	" GROUP BY 1"
/* core/complaint_stats.c's rates from the kept counts (sql/0023), and
 * core/complaints.c's move of them with a complaint. */
#define D_TALLIED " FROM complaint_tallies FORCE INDEX (PRIMARY)" \
	" WHERE (span = 'month' AND day >= ? AND day < ?)" \
	" OR (span = 'day' AND day >= ? AND day < ?)" \
	" OR (span = 'day' AND day >= ? AND day < ?)) p" \
	" GROUP BY p.unit_id) t" \
	" STRAIGHT_JOIN units g FORCE INDEX (PRIMARY) ON g.id = t.unit_id" \
	" WHERE g.path LIKE CONCAT(?, '%') GROUP BY 1"
#define C_TALLY " FROM complaints c FORCE INDEX (PRIMARY)" \
	" JOIN units u FORCE INDEX (PRIMARY) ON u.id = c.unit_id" \
	" WHERE c.id = ?) t" \
	" JOIN (SELECT 'day' AS span UNION ALL SELECT 'month') s ON TRUE"
/* A village's overdue registrations per cooperative, and a
 * cooperative's figures through its groups (core/dashboard.c). */
#define D_V_OVERDUE " FROM tenancies FORCE INDEX (tenancies_since)" \
	" WHERE status = 'pending' AND created_at < FROM_UNIXTIME(?)" \
	" GROUP BY coop_id) t" \
	" STRAIGHT_JOIN units c FORCE INDEX (PRIMARY) ON c.id = t.coop_id" \
	" WHERE c.path LIKE CONCAT(?, '%') GROUP BY 1"
#define D_C_RENTERS " FROM units g FORCE INDEX (units_parent)" \
	" STRAIGHT_JOIN building_renters r" \
	" FORCE INDEX (building_renters_group) ON r.group_id = g.id" \
	" WHERE g.parent_id = ? GROUP BY g.id"
#define D_C_OVERDUE " FROM tenancies FORCE INDEX (tenancies_coop_since)" \
	" WHERE coop_id = ? AND status = 'pending'" \
	" AND created_at < FROM_UNIXTIME(?) GROUP BY group_id"
#define D_C_CHECKLISTS " FROM units g FORCE INDEX (units_parent)" \
	" STRAIGHT_JOIN checklists c FORCE INDEX (checklists_done)" \
	" ON c.month = ? AND c.group_id = g.id" \
	" WHERE g.parent_id = ? GROUP BY g.id"
#define D_C_TALLIES " FROM directives d FORCE INDEX (directives_created)" \
	" STRAIGHT_JOIN units g FORCE INDEX (units_parent)" \
	" STRAIGHT_JOIN directive_tallies t FORCE INDEX (PRIMARY)" \
	" ON t.directive_id = d.id AND t.unit_id = g.id" \
	" WHERE d.created_at >= FROM_UNIXTIME(?)" \
	" AND d.created_at < FROM_UNIXTIME(?) AND g.parent_id = ?" \
	" GROUP BY g.id"
#define D_ROLL " FROM checkins c JOIN units u ON u.id = c.building_id" \
	" WHERE c.at >= ? AND c.at < ? GROUP BY 1, 2"

static const char *const sql[S__MAX] = {
	/* 3 000 closed tenancies of one resident over three buildings (a
	 * tenth rejected, the rest ended), and one active, each with its
	 * building's group and cooperative as core's insert sets them. */
	[S_TENANCIES] =
	    "INSERT INTO tenancies (user_id, building_id, group_id, coop_id,"
	    " status, name, id_type, id_sealed, id_index, phone_sealed, room,"
	    " move_in, reason)"
	    " SELECT ?, b.id, g.id, g.parent_id,"
	    " IF(s.seq = 1, 'active', IF(s.seq % 10 = 0, 'rejected', 'ended')),"
	    " '计划', 'resident_id', 'x',"
	    " UNHEX(SHA2(CONCAT(?, '-', s.seq), 256)), 'x', '101', '2026-01-01',"
	    " 'work' FROM seq_1_to_3000 s"
	    " JOIN units b ON b.id = ELT(1 + s.seq % 3, ?, ?, ?)"
	    " JOIN units g ON g.id = b.parent_id",
	/* 3 000 complaints about the third building (the other group, so
	 * that the first group's inbox is a narrow range), 2 % open. */
	[S_COMPLAINTS] =
	    "INSERT INTO complaints (user_id, category_id, text, building_id,"
	    " unit_id, unit_path, coop_id, group_id, status, handler_unit_id,"
	    " created_at, updated_at, respond_due, resolve_due, closed_at)"
	    " SELECT ?, (SELECT MIN(id) FROM complaint_categories), '计划', ?, ?,"
	    " ?, ?, ?, IF(s.seq % 50 = 0, 'submitted', 'closed'), ?,"
	    " NOW(3), NOW(3), NOW(3) + INTERVAL 1 DAY, NOW(3) + INTERVAL 2 DAY,"
	    " IF(s.seq % 50 = 0, NULL, NOW(3)) FROM seq_1_to_3000 s",
	[S_SESSION] =
	    "INSERT INTO sessions (user_id, family) VALUES (?, RANDOM_BYTES(16))",
	[S_SESSION_ID] = "SELECT MAX(id) FROM sessions WHERE user_id = ?",
	[S_PATH] = "SELECT path FROM units WHERE id = ?",
	[S_DROP_T] = "DELETE FROM tenancies WHERE user_id = ?",
	[S_DROP_C] = "DELETE FROM complaints WHERE user_id = ?",
	[S_ANALYZE] = "ANALYZE TABLE tenancies, complaints",
	[S_FIRST_T] = "SELECT MIN(id) FROM tenancies WHERE user_id = ?",
	/* core/tenancies.c's staff pages: root, [building,] [status,
	 * overdue,] after, limit. */
	[E_LIST_VILLAGE] = T_SCOPED("PRIMARY") T_IN_VILLAGE T_SCOPE_PAGE,
	[E_LIST_COOP] = T_SCOPED("tenancies_coop") T_IN_COOP T_SCOPE_PAGE,
	[E_LIST_GROUP] = T_SCOPED("tenancies_group") T_IN_GROUP T_SCOPE_PAGE,
	[E_LIST_BUILDING] = T_SCOPED("tenancies_building_all") T_IN_BUILDING
	    T_SCOPE_PAGE,
	[E_LIST_AT] = T_SCOPED("tenancies_building_all") T_AT_BUILDING
	    T_SCOPE_PAGE,
	[E_STATUS_VILLAGE] = T_SCOPED("tenancies_status") T_IN_VILLAGE
	    T_ONE_STATUS T_SCOPE_PAGE,
	[E_STATUS_COOP] = T_SCOPED("tenancies_coop_status") T_IN_COOP
	    T_ONE_STATUS T_SCOPE_PAGE,
	[E_STATUS_GROUP] = T_SCOPED("tenancies_group_status") T_IN_GROUP
	    T_ONE_STATUS T_SCOPE_PAGE,
	[E_STATUS_BUILDING] = T_SCOPED("tenancies_building") T_IN_BUILDING
	    T_ONE_STATUS T_SCOPE_PAGE,
	[E_STATUS_AT] = T_SCOPED("tenancies_building") T_AT_BUILDING
	    T_ONE_STATUS T_SCOPE_PAGE,
	/* core/tenancies.c's counts: the unit's path, twice. */
	[E_COUNT_VILLAGE] = T_COUNT_OF("tenancies_since", "t.coop_id",
	    " WHERE ? <> ''"),
	[E_COUNT_COOP] = T_COUNT_OF("tenancies_coop_since", "t.group_id",
	    T_IN_COOP),
	[E_COUNT_GROUP] = T_COUNT_OF("tenancies_group_since", "t.building_id",
	    T_IN_GROUP),
	[E_COUNT_BUILDING] = T_COUNT_OF("tenancies_building_since",
	    "t.building_id", T_IN_BUILDING),
	/* core/complaints.c STMT_LIST_GROUP and STMT_LIST_ALL: root, then
	 * LIST_FILTERS' 15 arguments. */
	[E_INBOX_GROUP] = "EXPLAIN SELECT STRAIGHT_JOIN c.id" C_FROM " WHERE c.group_id = "
	    C_ROOT_ID C_FILTERS,
	[E_INBOX_ALL] = "EXPLAIN SELECT STRAIGHT_JOIN c.id" C_FROM
	    " WHERE c.unit_path LIKE CONCAT(?, '%')" C_FILTERS,
	/* The dashboard's: each with a short select list. */
	[E_DASH_CHECKIN_DAYS] = "EXPLAIN SELECT t.path, SUM(t.residence) FROM"
	    " (SELECT g.path, d.residence, d.patrol" D_CHECKIN_DAYS,
	[E_DASH_CHECKINS] = "EXPLAIN SELECT u.path, COUNT(*)" D_CHECKINS,
	[E_DASH_TALLIES] = "EXPLAIN SELECT g.path, SUM(t.receipts)"
	    " FROM (SELECT t.unit_id, SUM(t.receipts) AS receipts" D_TALLIES,
	[E_DASH_RECEIPTS] = "EXPLAIN SELECT r.unit_path, COUNT(*)" D_RECEIPTS,
	[E_DASH_RENTERS] = "EXPLAIN SELECT g.path, SUM(r.active)"
	    " FROM (SELECT group_id, SUM(active) AS active" D_RENTERS,
	[E_DASH_CHECKLISTS] = "EXPLAIN SELECT g.path, SUM(c.lists)"
	    " FROM (SELECT group_id, COUNT(*) AS lists" D_CHECKLISTS,
	[E_DASH_OVERDUE] = "EXPLAIN SELECT u.path, COUNT(*)" D_OVERDUE,
	[E_DASH_RATES] = "EXPLAIN SELECT unit_path, COUNT(*),"
	    " SUM(accepted_at <= respond_due), SUM(rating)" D_RATES,
	[E_ROLL] = "EXPLAIN SELECT DATE(c.at + INTERVAL 8 HOUR),"
	    " COALESCE(u.parent_id, u.id), COUNT(*)" D_ROLL,
	[E_DASH_TALLIED] = "EXPLAIN SELECT g.path, SUM(t.n) FROM (SELECT"
	    " p.unit_id, SUM(p.received) AS n FROM (SELECT unit_id, received"
	    D_TALLIED,
	[E_TALLY] = "EXPLAIN SELECT s.span, t.u FROM (SELECT"
	    " DATE(c.created_at + INTERVAL 8 HOUR) AS d,"
	    " IF(u.kind = 'building', u.parent_id, u.id) AS u" C_TALLY,
	[S_FIRST_C] = "SELECT MIN(id) FROM complaints WHERE user_id = ?",
	[E_DASH_V_OVERDUE] = "EXPLAIN SELECT c.path, SUM(t.n) FROM (SELECT"
	    " coop_id, COUNT(*) AS n" D_V_OVERDUE,
	[E_DASH_C_RENTERS] = "EXPLAIN SELECT g.id, SUM(r.active)" D_C_RENTERS,
	[E_DASH_C_OVERDUE] = "EXPLAIN SELECT group_id, COUNT(*)" D_C_OVERDUE,
	[E_DASH_C_CHECKLISTS] = "EXPLAIN SELECT g.id, COUNT(*)"
	    D_C_CHECKLISTS,
	[E_DASH_C_TALLIES] = "EXPLAIN SELECT g.id, SUM(t.receipts)"
	    D_C_TALLIES,
	/* core/policy.h's caller (STMT_USER_SESSION): session, user. */
	[E_CALLER] = "EXPLAIN SELECT " U_COLS " FROM " U_FROM " WHERE u.id = ?",
	[E_SCAN] = "EXPLAIN SELECT " U_COLS ", n.kind, b.qr_serial, t.id, c.id,"
	    " c.at FROM " U_FROM K_SCAN,
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_plans", sql);

/* EXPLAIN's columns. */
enum { X_ID, X_SELECT, X_TABLE, X_TYPE, X_KEYS, X_KEY, X_LEN, X_REF, X_ROWS,
       X_EXTRA };

/* core/FILE's text (at most 1 MiB), its length in *n. */
static char *
read_core(const char *file, size_t *n)
{
	const char *dir = getenv("HUZU_SOURCE_DIR");
	char path[1024], *src;
	FILE *f;

	snprintf(path, sizeof(path), "%s/core/%s", dir ? dir : "..", file);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot read %s (set HUZU_SOURCE_DIR)", path);
	src = calloc(1, 1 << 20);
	assert_non_null(src);
	*n = fread(src, 1, (1 << 20) - 1, f);
	fclose(f);
	return src;
}

/* core/FILE's string literals joined, as the compiler joins adjacent
 * ones: what the statements are made of, macros aside. */
static char *
literals(const char *file)
{
	size_t n, o = 0;
	char *src = read_core(file, &n), *out = calloc(1, 1 << 20);

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		if (src[i] == '\'' && i + 2 < n) {  /* a char literal */
			i += src[i + 1] == '\\' ? 3 : 2;
			continue;
		}
		if (src[i] == '/' && i + 1 < n && src[i + 1] == '*') {
			const char *e = strstr(src + i + 2, "*/");

			i = e ? (size_t)(e - src) + 1 : n;
			continue;
		}
		if (src[i] != '"')
			continue;
		for (i++; i < n && src[i] != '"'; i++) {
			if (src[i] == '\\' && i + 1 < n)
				i++;
			out[o++] = src[i];
		}
	}
	free(src);
	return out;
}

static void
in_core(const char *file, const char *part)
{
	char *text = literals(file);
	bool held = strstr(text, part) != NULL;

	free(text);
	if (!held)
		fail_msg("core/%s no longer holds \"%s\": update test_plans.c"
		    " to its statement", file, part);
}

/* core/FILE's text with line continuations dropped and every run of
 * white space one space: what a definition says, layout aside. */
static char *
flat(const char *file)
{
	size_t n, o = 0;
	char *src = read_core(file, &n), *out = calloc(1, 1 << 20);

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		bool space = src[i] == ' ' || src[i] == '\t' ||
		    src[i] == '\n' || (src[i] == '\\' && i + 1 < n &&
		    src[i + 1] == '\n');

		if (!space)
			out[o++] = src[i];
		else if (o > 0 && out[o - 1] != ' ')
			out[o++] = ' ';
	}
	free(src);
	return out;
}

/* Each line (a definition, white space aside) is in core/FILE. */
static void
in_source(const char *file, const char *const *lines)
{
	char *text = flat(file);

	for (const char *const *l = lines; *l; l++)
		if (strstr(text, *l) == NULL)
			fail_msg("core/%s no longer holds `%s`: update"
			    " test_plans.c to its statements", file, *l);
	free(text);
}

static void
print_plan(const char *what, const struct hz_db_result *r)
{
	fprintf(stderr, "plan of %s:\n", what);
	for (size_t i = 0; i < r->nrows; i++) {
		fprintf(stderr, " ");
		for (size_t c = X_TABLE; c <= X_EXTRA; c++) {
			const struct hz_db_cell *v = HZ_CELL(r, i, c);

			if (v->null)
				fprintf(stderr, " NULL");
			else if (v->s != NULL)
				fprintf(stderr, " %s", v->s);
			else
				fprintf(stderr, " %lld", v->i);
		}
		fprintf(stderr, "\n");
	}
}

/* The row of TABLE in the plan reads it by one of KEYS (NULL-ended), not
 * by a full scan. */
static void
uses_index(const char *what, const struct hz_db_result *r, const char *table,
           const char *const *keys)
{
	for (size_t i = 0; i < r->nrows; i++) {
		const struct hz_db_cell *t = HZ_CELL(r, i, X_TABLE);
		const struct hz_db_cell *type = HZ_CELL(r, i, X_TYPE);
		const struct hz_db_cell *key = HZ_CELL(r, i, X_KEY);

		if (t->null || strcmp(t->s, table) != 0)
			continue;
		if (type->null || strcmp(type->s, "ALL") == 0 || key->null) {
			print_plan(what, r);
			fail_msg("%s: a full scan of %s", what, table);
		}
		for (const char *const *k = keys; *k; k++)
			if (strcmp(key->s, *k) == 0) {
				if (getenv("HUZU_PLANS_PRINT"))
					print_plan(what, r);
				return;
			}
		print_plan(what, r);
		fail_msg("%s: %s read by %s, not by its index", what, table,
		    key->s);
	}
	print_plan(what, r);
	fail_msg("%s: %s not in the plan", what, table);
}

/* Extra says "Using index" (not only "Using index condition"). */
static bool
covered(const char *extra)
{
	for (const char *p = extra; (p = strstr(p, "Using index")) != NULL;
	    p += 11)
		if (p[11] == '\0' || p[11] == ';')
			return true;
	return false;
}

/* TABLE is read by KEY as a range or a ref (covering: from the index
 * alone), and no row of the plan scans a whole table or index, sorts or
 * builds a temporary table: the cost of the answer is the page, not the
 * scope. */
static void
ranged_by(const char *what, const struct hz_db_result *r, const char *table,
          const char *key, bool covering, bool grouped)
{
	static const char *const ok[] = { "range", "ref", "eq_ref", "const",
	    "system", NULL };

	for (size_t i = 0; i < r->nrows; i++) {
		const struct hz_db_cell *t = HZ_CELL(r, i, X_TABLE);
		const struct hz_db_cell *type = HZ_CELL(r, i, X_TYPE);
		const struct hz_db_cell *k = HZ_CELL(r, i, X_KEY);
		const struct hz_db_cell *extra = HZ_CELL(r, i, X_EXTRA);
		const char *x = extra->null ? "" : extra->s;
		bool good = false;

		for (const char *const *o = ok; *o && !type->null; o++)
			good |= strcmp(type->s, *o) == 0;
		if (!good || (!grouped && (strstr(x, "filesort") ||
		    strstr(x, "temporary")))) {
			print_plan(what, r);
			fail_msg("%s: %s is %s%s", what, t->null ? "?" : t->s,
			    type->null ? "no access" : type->s,
			    *x ? x : "");
		}
		if (t->null || strcmp(t->s, table) != 0)
			continue;
		if (k->null || strcmp(k->s, key) != 0) {
			print_plan(what, r);
			fail_msg("%s: %s read by %s, not by %s", what, table,
			    k->null ? "no index" : k->s, key);
		}
		if (covering && !covered(x)) {
			print_plan(what, r);
			fail_msg("%s: %s not from %s alone", what, table, key);
		}
		if (getenv("HUZU_PLANS_PRINT"))
			print_plan(what, r);
		return;
	}
	print_plan(what, r);
	fail_msg("%s: %s not in the plan", what, table);
}

static void
ranged(const char *what, const struct hz_db_result *r, const char *table,
       const char *key, bool covering)
{
	ranged_by(what, r, table, key, covering, false);
}

static struct fx_org org;
static struct hz_caller owner;
static char *group_path, *village_path, *coop_path, *building_path;
static long long session, deep;   /* deep: a cursor at 90 % of the rows */

static char *
path_of(uint64_t unit)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_PATH,
	    HZ_ARGS(HZ_ARG_I64((long long)unit)), &r), HZ_OK);
	assert_int_equal(r.nrows, 1);
	return hz_arena_strdup(fx.arena, HZ_CELL(&r, 0, 0)->s);
}

static int
setup(void **state)
{
	struct hz_db_arg me, b1, b3;
	struct hz_db_result r;
	int rc = fx_setup(state);

	if (rc || fx.db == NULL)
		return rc;
	if (fx_org_new(&org) || fx_resident(&owner))
		return -1;
	me = HZ_ARG_I64((long long)owner.id);
	b1 = HZ_ARG_I64((long long)org.b1);
	b3 = HZ_ARG_I64((long long)org.b3);
	group_path = path_of(org.g1);
	village_path = path_of(fx_root());
	coop_path = path_of(org.c1);
	building_path = path_of(org.b1);
	if (hz_db_run(fx.db, fx.arena, &stmts, S_TENANCIES, HZ_ARGS(me,
	    HZ_ARG_STR(org.tag), b1, HZ_ARG_I64((long long)org.b2), b3),
	    NULL) ||
	    hz_db_run(fx.db, fx.arena, &stmts, S_COMPLAINTS, HZ_ARGS(me, b3, b3,
	    HZ_ARG_STR(path_of(org.b3)), HZ_ARG_I64((long long)org.c2),
	    HZ_ARG_I64((long long)org.g2), HZ_ARG_I64((long long)org.g2)),
	    NULL) ||
	    hz_db_run(fx.db, fx.arena, &stmts, S_SESSION, HZ_ARGS(me), NULL) ||
	    hz_db_run(fx.db, fx.arena, &stmts, S_SESSION_ID, HZ_ARGS(me), &r) ||
	    hz_db_run(fx.db, fx.arena, &stmts, S_ANALYZE, NULL, 0, NULL))
		return -1;
	session = HZ_CELL(&r, 0, 0)->i;
	if (hz_db_run(fx.db, fx.arena, &stmts, S_FIRST_T, HZ_ARGS(me), &r))
		return -1;
	deep = HZ_CELL(&r, 0, 0)->i + 2700;
	return 0;
}

static int
teardown(void **state)
{
	struct hz_db_arg me = HZ_ARG_I64((long long)owner.id);

	if (fx.db != NULL && owner.id != 0) {
		(void)hz_db_run(fx.db, fx.arena, &stmts, S_DROP_T, HZ_ARGS(me),
		    NULL);
		(void)hz_db_run(fx.db, fx.arena, &stmts, S_DROP_C, HZ_ARGS(me),
		    NULL);
	}
	return fx_teardown(state);
}

static void
explain(size_t stmt, const struct hz_db_arg *args, size_t n,
        struct hz_db_result *r)
{
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, stmt, args, n, r),
	    HZ_OK);
	assert_true(r->nrows > 0);
}

/* core/tenancies.c's definitions of the statements copied above. */
static const char *const tenancy_source[] = {
	"#define OVERDUE_FILTER \"(? = 0 OR (t.status = 'pending'\""
	" \" AND t.created_at < NOW(3) - INTERVAL 24 HOUR))\"",
	"#define ROOT_ID \"CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(?, '/', -2),"
	" '/', 1)\" \" AS UNSIGNED)\"",
	"#define SELECT_SCOPED(INDEX) \"SELECT STRAIGHT_JOIN \""
	" TENANCY_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)"
	" \" FROM tenancies t FORCE INDEX (\" INDEX \")\""
	" \" JOIN units u ON u.id = t.building_id\""
	" \" JOIN buildings b ON b.unit_id = t.building_id\"",
	"#define IN_VILLAGE \" WHERE INSTR(u.path, ?) = 1\"",
	"#define IN_COOP \" WHERE t.coop_id = \" ROOT_ID",
	"#define IN_GROUP \" WHERE t.group_id = \" ROOT_ID",
	"#define IN_BUILDING \" WHERE t.building_id = \" ROOT_ID",
	"#define AT_BUILDING IN_VILLAGE \" AND t.building_id = ?\"",
	"#define ONE_STATUS \" AND t.status = ? AND \" OVERDUE_FILTER",
	"#define SCOPE_PAGE \" AND t.id > ? ORDER BY t.id LIMIT ?\"",
	"#define COUNT_OF(INDEX, CHILD, WHERE) "
	"\"SELECT STRAIGHT_JOIN CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(u.path,\""
	" \" '/', ?), '/', -1) AS UNSIGNED), CAST(SUM(r.active) AS SIGNED),\""
	" \" CAST(SUM(r.pending) AS SIGNED), 0\""
	" \" FROM units u FORCE INDEX (units_path)\""
	" \" JOIN building_renters r FORCE INDEX (PRIMARY) ON r.building_id = u.id\""
	" \" WHERE u.path LIKE CONCAT(?, '%') GROUP BY 1\""
	" \" UNION ALL SELECT \" CHILD \", 0, 0, COUNT(*)\""
	" \" FROM tenancies t FORCE INDEX (\" INDEX \")\""
	" WHERE \" AND t.status = 'pending'\""
	" \" AND t.created_at < NOW(3) - INTERVAL 24 HOUR GROUP BY 1\"",
	"[STMT_LIST_VILLAGE] = SELECT_SCOPED(\"PRIMARY\") IN_VILLAGE SCOPE_PAGE,",
	"[STMT_LIST_COOP] = SELECT_SCOPED(\"tenancies_coop\") IN_COOP"
	" SCOPE_PAGE,",
	"[STMT_LIST_GROUP] = SELECT_SCOPED(\"tenancies_group\") IN_GROUP"
	" SCOPE_PAGE,",
	"[STMT_LIST_BUILDING] = SELECT_SCOPED(\"tenancies_building_all\")"
	" IN_BUILDING SCOPE_PAGE,",
	"[STMT_LIST_AT] = SELECT_SCOPED(\"tenancies_building_all\") AT_BUILDING"
	" SCOPE_PAGE,",
	"[STMT_STATUS_VILLAGE] = SELECT_SCOPED(\"tenancies_status\") IN_VILLAGE"
	" ONE_STATUS SCOPE_PAGE,",
	"[STMT_STATUS_COOP] = SELECT_SCOPED(\"tenancies_coop_status\") IN_COOP"
	" ONE_STATUS SCOPE_PAGE,",
	"[STMT_STATUS_GROUP] = SELECT_SCOPED(\"tenancies_group_status\")"
	" IN_GROUP ONE_STATUS SCOPE_PAGE,",
	"[STMT_STATUS_BUILDING] = SELECT_SCOPED(\"tenancies_building\")"
	" IN_BUILDING ONE_STATUS SCOPE_PAGE,",
	"[STMT_STATUS_AT] = SELECT_SCOPED(\"tenancies_building\") AT_BUILDING"
	" ONE_STATUS SCOPE_PAGE,",
	"[STMT_COUNT_VILLAGE] = COUNT_OF(\"tenancies_since\", \"t.coop_id\","
	" \" WHERE ? <> ''\"),",
	"[STMT_COUNT_COOP] = COUNT_OF(\"tenancies_coop_since\", \"t.group_id\","
	" IN_COOP),",
	"[STMT_COUNT_GROUP] = COUNT_OF(\"tenancies_group_since\","
	" \"t.building_id\", IN_GROUP),",
	"[STMT_COUNT_BUILDING] = COUNT_OF(\"tenancies_building_since\","
	" \"t.building_id\", IN_BUILDING),",
	NULL
};

/* The staff list of tenancies at each level of the tree (a building
 * head, a group leader, a cooperative, the village), first page and a
 * deep keyset page, any status or one, and ?building= within a scope:
 * one index range in id order each, never the scope's every row. */
static void
the_staff_tenancy_lists_are_index_ranges(void **state)
{
	static const struct { size_t any, one; const char *ikey, *skey; }
	    level[] = {
		{ E_LIST_VILLAGE, E_STATUS_VILLAGE, "PRIMARY",
		  "tenancies_status" },
		{ E_LIST_COOP, E_STATUS_COOP, "tenancies_coop",
		  "tenancies_coop_status" },
		{ E_LIST_GROUP, E_STATUS_GROUP, "tenancies_group",
		  "tenancies_group_status" },
		{ E_LIST_BUILDING, E_STATUS_BUILDING, "tenancies_building_all",
		  "tenancies_building" },
	};
	const char *roots[] = { village_path, coop_path, group_path,
	    building_path };
	struct hz_db_arg zero = HZ_ARG_I64(0), limit = HZ_ARG_I64(21);
	struct hz_db_arg b1 = HZ_ARG_I64((long long)org.b1);
	struct hz_db_result r;

	(void)state;
	FX_NEED_DB();
	in_source("tenancies.c", tenancy_source);
	for (size_t l = 0; l < 4; l++) {
		struct hz_db_arg root = HZ_ARG_STR(roots[l]);

		for (int d = 0; d < 2; d++) {
			struct hz_db_arg after = HZ_ARG_I64(d ? deep : 0);
			const char *what = hz_arena_printf(fx.arena,
			    "tenancy list at %s, %s page", roots[l],
			    d ? "deep" : "first");

			explain(level[l].any, HZ_ARGS(root, after, limit), &r);
			ranged(what, &r, "t", level[l].ikey, false);
			explain(level[l].one, HZ_ARGS(root,
			    HZ_ARG_STR("rejected"), zero, after, limit), &r);
			ranged(hz_arena_printf(fx.arena, "%s, rejected", what),
			    &r, "t", level[l].skey, false);
			explain(level[l].one, HZ_ARGS(root,
			    HZ_ARG_STR("pending"), HZ_ARG_I64(1), after, limit),
			    &r);
			ranged(hz_arena_printf(fx.arena, "%s, overdue", what),
			    &r, "t", level[l].skey, false);
			explain(E_LIST_AT, HZ_ARGS(root, b1, after, limit), &r);
			ranged(hz_arena_printf(fx.arena, "%s, ?building=",
			    what), &r, "t", "tenancies_building_all", false);
			explain(E_STATUS_AT, HZ_ARGS(root, b1,
			    HZ_ARG_STR("active"), zero, after, limit), &r);
			ranged(hz_arena_printf(fx.arena, "%s, ?building= active",
			    what), &r, "t", "tenancies_building", false);
		}
	}
}

/* Per-unit counts, one statement for the unit and its children: active
 * and pending as each building keeps them, the overdue ones from the
 * level's index alone, both grouped by child. */
static void
the_tenancy_counts_are_bounded(void **state)
{
	static const size_t stmt[] = { E_COUNT_VILLAGE, E_COUNT_COOP,
	    E_COUNT_GROUP, E_COUNT_BUILDING };
	static const char *const key[] = { "tenancies_since",
	    "tenancies_coop_since", "tenancies_group_since",
	    "tenancies_building_since" };
	const char *roots[] = { village_path, coop_path, group_path,
	    building_path };
	struct hz_db_result r;

	(void)state;
	FX_NEED_DB();
	in_source("tenancies.c", tenancy_source);
	for (size_t l = 0; l < 4; l++) {
		const char *what = hz_arena_printf(fx.arena,
		    "tenancy counts of %s", roots[l]);

		explain(stmt[l], HZ_ARGS(HZ_ARG_I64((long long)l + 3),
		    HZ_ARG_STR(roots[l]), HZ_ARG_STR(roots[l])), &r);
		/* Grouped by child: a temporary table of the unit's
		 * children, not of its tenancies. */
		ranged_by(what, &r, "t", key[l], true, true);
		ranged_by(what, &r, "u", "units_path", true, true);
		ranged_by(what, &r, "r", "PRIMARY", false, true);
	}
}

/* The inbox of a group's leader and the whole village's list. */
static void
the_complaint_inbox_reads_an_index(void **state)
{
	struct hz_db_result r;
	struct hz_db_arg none = HZ_ARG_NULL, zero = HZ_ARG_I64(0);
	struct hz_db_arg one = HZ_ARG_I64(1), now = HZ_ARG_I64(fx.now);

	(void)state;
	FX_NEED_DB();
	in_core("complaints.c", C_FROM);
	in_core("complaints.c", "SELECT STRAIGHT_JOIN ");
	in_core("complaints.c", C_ROOT_ID);
	in_core("complaints.c", C_FILTERS);
	in_core("complaints.c", " WHERE c.group_id = ");
	in_core("complaints.c", " WHERE c.unit_path LIKE CONCAT(?, '%')");
	explain(E_INBOX_GROUP, HZ_ARGS(HZ_ARG_STR(group_path), none, none,
	    one, one, zero, now, now, zero, zero, zero, zero, none, none, zero,
	    HZ_ARG_I64(21)), &r);
	uses_index("open inbox of a group", &r, "c", (const char *const[]){
	    "complaints_group", NULL });
	explain(E_INBOX_ALL, HZ_ARGS(HZ_ARG_STR(village_path), none, none,
	    none, none, zero, now, now, zero, zero, zero, zero, none, none,
	    zero, HZ_ARG_I64(21)), &r);
	uses_index("the village's list", &r, "c", (const char *const[]){
	    "PRIMARY", "complaints_open", NULL });
}

/* Every authenticated request: the caller and their session, two point
 * reads by primary key. */
static void
the_caller_is_two_point_reads(void **state)
{
	static const char *const pk[] = { "PRIMARY", NULL };
	struct hz_db_result r;

	(void)state;
	FX_NEED_DB();
	in_core("policy.h", U_COLS U_FROM);
	explain(E_CALLER, HZ_ARGS(HZ_ARG_I64(session),
	    HZ_ARG_I64((long long)owner.id)), &r);
	uses_index("caller", &r, "u", pk);
	uses_index("caller's session", &r, "s", pk);
}

/* A check-in's one read: the caller and their session, the unit, its
 * building and the resident's open tenancy by key, their check-ins there
 * within 10 minutes by an index range (no subquery: core/checkins.c says
 * why). */
static void
a_checkin_is_one_indexed_read(void **state)
{
	static const char *const pk[] = { "PRIMARY", NULL };
	struct hz_db_result r;

	(void)state;
	FX_NEED_DB();
	in_core("checkins.c", K_SCAN);
	explain(E_SCAN, HZ_ARGS(HZ_ARG_I64(session),
	    HZ_ARG_I64((long long)org.b1), HZ_ARG_I64((long long)owner.id),
	    HZ_ARG_I64((long long)owner.id), HZ_ARG_I64((long long)org.b1),
	    HZ_ARG_I64((long long)owner.id)), &r);
	uses_index("the caller", &r, "u", pk);
	uses_index("the caller's session", &r, "s", pk);
	uses_index("the unit", &r, "n", pk);
	uses_index("its building", &r, "b", pk);
	uses_index("the open tenancy", &r, "t", (const char *const[]){
	    "tenancies_open_user", NULL });
	uses_index("the recent check-ins", &r, "c", (const char *const[]){
	    "checkins_user", NULL });
	/* A range on the time, not every check-in of the pair. */
	for (size_t i = 0; i < r.nrows; i++)
		if (strcmp(HZ_CELL(&r, i, X_TABLE)->s, "c") == 0 &&
		    strcmp(HZ_CELL(&r, i, X_TYPE)->s, "range") != 0)
			fail_msg("the recent check-ins read by %s, not a range",
			    HZ_CELL(&r, i, X_TYPE)->s);
	if (r.nrows != 6)
		fail_msg("a check-in's read: %zu tables, not 6", r.nrows);
}

/* The village dashboard's statements (core/dashboard.c, sql/0021,
 * sql/0023) and the check-ins' rollup: every table by an index (the sums per group by
 * their covering ones), none scanned whole. */
static void
the_dashboard_reads_indexes(void **state)
{
	static const char *const pk[] = { "PRIMARY", NULL };
	struct hz_db_arg v = HZ_ARG_STR(village_path);
	struct hz_db_arg g = HZ_ARG_STR(group_path);
	struct hz_db_arg lo = HZ_ARG_I64(fx.now - 30 * 86400);
	struct hz_db_arg hi = HZ_ARG_I64(fx.now + 86400);
	struct hz_db_result r;

	(void)state;
	FX_NEED_DB();
	in_core("dashboard.c", D_CHECKIN_DAYS);
	in_core("dashboard.c", D_CHECKINS);
	in_core("dashboard.c", D_TALLIES);
	in_core("dashboard.c", D_RECEIPTS);
	in_core("dashboard.c", D_RENTERS);
	in_core("dashboard.c", D_CHECKLISTS);
	in_core("dashboard.c", D_OVERDUE);
	in_source("complaint_stats.c", (const char *const[]){
	    "#define IN_RANGE \"unit_path LIKE CONCAT(?, '%')\" \" AND"
	    " created_at >= FROM_UNIXTIME(?) AND created_at < FROM_UNIXTIME(?)\"",
	    "\" FROM complaints WHERE \" IN_RANGE \" GROUP BY 1\",", NULL });
	in_core("checkin_days.c", D_ROLL);
	in_core("complaint_stats.c", D_TALLIED);
	in_core("complaints.c", C_TALLY);
	in_core("dashboard.c", D_V_OVERDUE);
	in_core("dashboard.c", D_C_RENTERS);
	in_core("dashboard.c", D_C_OVERDUE);
	in_core("dashboard.c", D_C_CHECKLISTS);
	in_core("dashboard.c", D_C_TALLIES);

	explain(E_DASH_CHECKIN_DAYS, HZ_ARGS(HZ_ARG_STR("2026-11-30"),
	    HZ_ARG_STR("2026-12-07"), v, lo, hi, v), &r);
	uses_index("rolled check-ins", &r, "d", pk);
	uses_index("rolled check-ins' groups", &r, "g", pk);
	uses_index("check-ins after the watermark", &r, "checkins",
	    (const char *const[]){ "checkins_week", NULL });
	uses_index("their buildings", &r, "u", pk);
	uses_index("the watermark", &r, "rollup_marks", pk);
	explain(E_DASH_CHECKINS, HZ_ARGS(lo, hi, g), &r);
	uses_index("a group's check-ins", &r, "u", (const char *const[]){
	    "units_path", NULL });
	uses_index("a group's check-ins", &r, "c", (const char *const[]){
	    "checkins_building", NULL });
	explain(E_DASH_TALLIES, HZ_ARGS(lo, hi, v), &r);
	uses_index("receipts' tallies", &r, "d", (const char *const[]){
	    "directives_created", NULL });
	uses_index("receipts' tallies", &r, "t", pk);
	uses_index("receipts' tallies' groups", &r, "g", pk);
	explain(E_DASH_RECEIPTS, HZ_ARGS(lo, hi, g), &r);
	uses_index("a group's receipts", &r, "r", (const char *const[]){
	    "receipts_path", NULL });
	uses_index("a group's receipts' directives", &r, "d", pk);
	explain(E_DASH_RENTERS, HZ_ARGS(v), &r);
	uses_index("renters per group", &r, "building_renters",
	    (const char *const[]){ "building_renters_group", NULL });
	uses_index("renters' groups", &r, "g", pk);
	explain(E_DASH_CHECKLISTS, HZ_ARGS(HZ_ARG_STR("2026-12"), v), &r);
	uses_index("checklists per group", &r, "checklists",
	    (const char *const[]){ "checklists_done", NULL });
	explain(E_DASH_OVERDUE, HZ_ARGS(HZ_ARG_I64(fx.now - 86400), v), &r);
	uses_index("overdue registrations", &r, "t", (const char *const[]){
	    "tenancies_overdue", "tenancies_pending", NULL });
	explain(E_DASH_RATES, HZ_ARGS(v, lo, hi), &r);
	uses_index("complaint rates", &r, "complaints", (const char *const[]){
	    "complaints_rates", "complaints_created", NULL });
	/* The months of 2026-11..12 less 11-01..11-03, and 12-04..: a
	 * range of the primary key each, the groups by theirs. */
	explain(E_DASH_TALLIED, HZ_ARGS(HZ_ARG_STR("2026-11-01"),
	    HZ_ARG_STR("2027-01-01"), HZ_ARG_STR("2026-11-01"),
	    HZ_ARG_STR("2026-11-04"), HZ_ARG_STR("2026-12-04"),
	    HZ_ARG_STR("2027-01-01"), v), &r);
	uses_index("kept complaint counts", &r, "complaint_tallies", pk);
	uses_index("kept complaint counts' groups", &r, "g", pk);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_FIRST_C,
	    HZ_ARGS(HZ_ARG_I64((long long)owner.id)), &r), HZ_OK);
	explain(E_TALLY, HZ_ARGS(HZ_ARG_I64(HZ_CELL(&r, 0, 0)->i)), &r);
	uses_index("a complaint's counts", &r, "c", pk);
	uses_index("a complaint's counts' unit", &r, "u", pk);
	explain(E_DASH_V_OVERDUE, HZ_ARGS(HZ_ARG_I64(fx.now - 86400), v), &r);
	uses_index("overdue registrations per cooperative", &r, "tenancies",
	    (const char *const[]){ "tenancies_since", NULL });
	uses_index("their cooperatives", &r, "c", pk);
	explain(E_DASH_C_RENTERS, HZ_ARGS(HZ_ARG_I64((long long)org.c1)), &r);
	uses_index("a cooperative's groups", &r, "g", (const char *const[]){
	    "units_parent", NULL });
	uses_index("a cooperative's renters", &r, "r", (const char *const[]){
	    "building_renters_group", NULL });
	explain(E_DASH_C_OVERDUE, HZ_ARGS(HZ_ARG_I64((long long)org.c1),
	    HZ_ARG_I64(fx.now - 86400)), &r);
	uses_index("a cooperative's overdue registrations", &r, "tenancies",
	    (const char *const[]){ "tenancies_coop_since", NULL });
	explain(E_DASH_C_CHECKLISTS, HZ_ARGS(HZ_ARG_STR("2026-12"),
	    HZ_ARG_I64((long long)org.c1)), &r);
	uses_index("a cooperative's groups' lists", &r, "g",
	    (const char *const[]){ "units_parent", NULL });
	uses_index("a cooperative's lists", &r, "c", (const char *const[]){
	    "checklists_done", NULL });
	explain(E_DASH_C_TALLIES, HZ_ARGS(lo, hi,
	    HZ_ARG_I64((long long)org.c1)), &r);
	uses_index("a cooperative's directives", &r, "d",
	    (const char *const[]){ "directives_created", NULL });
	uses_index("a cooperative's groups' receipts", &r, "g",
	    (const char *const[]){ "units_parent", NULL });
	uses_index("a cooperative's tallies", &r, "t", pk);
	explain(E_ROLL, HZ_ARGS(HZ_ARG_STR("2026-11-30 16:00:00.000"),
	    HZ_ARG_STR("2026-12-01 16:00:00.000")), &r);
	uses_index("the rollup's day", &r, "c", (const char *const[]){
	    "checkins_week", "checkins_at", NULL });
	uses_index("the rollup's buildings", &r, "u", pk);
}

UNIT_TESTS(setup, teardown,
	cmocka_unit_test(the_staff_tenancy_lists_are_index_ranges),
	cmocka_unit_test(the_tenancy_counts_are_bounded),
	cmocka_unit_test(the_complaint_inbox_reads_an_index),
	cmocka_unit_test(the_caller_is_two_point_reads),
	cmocka_unit_test(a_checkin_is_one_indexed_read),
	cmocka_unit_test(the_dashboard_reads_indexes))
