#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "csv.h"
#include "directives.h"
#include "log.h"
#include "policy.h"
#include "units.h"
#include "uploads.h"

/* A directive with its unit, sender and the one it corrects. */
#define DIRECTIVE_ROW(C, L) \
	C(D_ID, "d.id") C(D_TITLE, "d.title") C(D_BODY, "d.body") \
	C(D_AUDIENCE, "d.audience") C(D_UNIT, "d.unit_id") \
	C(D_UNIT_NAME, "n.name") C(D_UNIT_KIND, "n.kind") \
	C(D_PATH, "d.unit_path") C(D_DEADLINE, "d.deadline") \
	C(D_DEADLINE_TS, "CAST(UNIX_TIMESTAMP(d.deadline) AS SIGNED)") \
	C(D_NEEDS, "d.needs_done") C(D_CORRECTS, "d.corrects_id") \
	C(D_CORRECTS_TITLE, "k.title") C(D_SENDER, "d.sender_id") \
	C(D_SENDER_NAME, "s.display_name") C(D_RECIPIENTS, "d.recipients") \
	L(D_CREATED, "d.created_at")
enum { DIRECTIVE_ROW(HZ_COL_ENUM, HZ_COL_ENUM) D__NCOLS };
#define DIRECTIVE_JOINS \
	" JOIN units n ON n.id = d.unit_id JOIN users s ON s.id = d.sender_id" \
	" LEFT JOIN directives k ON k.id = d.corrects_id"

/* A receipt with its user and unit. */
#define RECEIPT_ROW(C, L) \
	C(R_USER, "r.user_id") C(R_USER_NAME, "ru.display_name") \
	C(R_ROLE, "r.role") C(R_UNIT, "r.unit_id") C(R_UNIT_NAME, "rn.name") \
	C(R_UNIT_KIND, "rn.kind") C(R_READ, "r.read_at") C(R_DONE, "r.done_at") \
	C(R_NOTE, "r.done_note") C(R_PHOTO, "r.done_upload_id") \
	C(R_REMINDERS, "r.reminders") L(R_REMINDED, "r.reminded_at")
enum { RECEIPT_ROW(HZ_COL_ENUM, HZ_COL_ENUM) R__NCOLS };
#define RECEIPT_JOINS \
	" JOIN users ru ON ru.id = r.user_id JOIN units rn ON rn.id = r.unit_id"

/* The receipts in a state: all, unread or undone (the argument twice). */
#define IN_STATE \
	" AND (? = 'all' OR (? = 'unread' AND r.read_at IS NULL)" \
	"  OR (? = 'undone' AND r.done_at IS NULL))"
/* Not reminded within the hour before now (the argument), and still
 * able to sign in: a disabled account is neither told nor counted. */
#define REMINDABLE \
	" AND (r.reminded_at IS NULL" \
	"  OR r.reminded_at <= FROM_UNIXTIME(?) - INTERVAL 1 HOUR)" \
	" AND EXISTS (SELECT 1 FROM users ru WHERE ru.id = r.user_id" \
	"  AND ru.disabled = 0)"

enum {
	STMT_GET, STMT_RECEIPT, STMT_FILES, STMT_CORRECTIONS, STMT_CHILDREN,
	STMT_INSERT, STMT_FILE, STMT_FAN_OUT, STMT_RECIPIENTS, STMT_NOTIFY,
	STMT_READ, STMT_DONE, STMT_RECEIVED, STMT_UNREAD, STMT_SENT,
	STMT_RECEIPTS, STMT_IN_STATE, STMT_REMIND_LOCK, STMT_REMIND_NOTIFY,
	STMT_REMIND_MARK, STMT_TALLY_SEND, STMT_TALLY,
	STMT__MAX
};

static const char *const sql[STMT__MAX] = {
	[STMT_GET] = "SELECT " DIRECTIVE_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM directives d" DIRECTIVE_JOINS " WHERE d.id = ?",
	[STMT_RECEIPT] = "SELECT " RECEIPT_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM directive_receipts r" RECEIPT_JOINS
	    " WHERE r.directive_id = ? AND r.user_id = ?",
	[STMT_FILES] =
	    "SELECT f.upload_id, u.kind FROM directive_files f"
	    " JOIN uploads u ON u.id = f.upload_id WHERE f.directive_id = ?"
	    " ORDER BY f.position",
	[STMT_CORRECTIONS] =
	    "SELECT id, title, created_at FROM directives WHERE corrects_id = ?"
	    " ORDER BY id LIMIT 20",
	/* Per child unit of the directive's (path twice, then the
	 * directive, then the path for the order): a receipt counts under
	 * the prefix of its path one level below the directive's unit, or
	 * under the unit itself. One GROUP BY over the directive's receipts. */
	[STMT_CHILDREN] =
	    "SELECT n.id, n.name, n.kind, c.recipients, c.rd, c.dn FROM"
	    " (SELECT IF(r.unit_path = ?, r.unit_path, SUBSTRING(r.unit_path, 1,"
	    "   LOCATE('/', r.unit_path, LENGTH(?) + 1))) AS path,"
	    "  COUNT(*) AS recipients, COUNT(r.read_at) AS rd,"
	    "  COUNT(r.done_at) AS dn"
	    "  FROM directive_receipts r WHERE r.directive_id = ?"
	    "  GROUP BY path) c"
	    " JOIN units n ON n.path = c.path"
	    " ORDER BY n.path = ? DESC, n.id LIMIT 1000",
	[STMT_INSERT] =
	    "INSERT INTO directives (unit_id, unit_path, audience, title, body,"
	    " deadline, needs_done, corrects_id, sender_id, recipients,"
	    " created_at) VALUES (?, ?, ?, ?, ?, FROM_UNIXTIME(?), ?, ?, ?, 0,"
	    " FROM_UNIXTIME(?))",
	[STMT_FILE] =
	    "INSERT INTO directive_files (directive_id, position, upload_id)"
	    " VALUES (?, ?, ?)",
	/* The fan-out: one receipt per user holding one of the roles (two
	 * arguments) at a unit under the path, placed at the first of their
	 * units (the lowest id: paths compare as text, '/10/' before '/8/');
	 * disabled accounts get none, nor does the sender (the last
	 * argument): a leader writing to their own group's leaders is not
	 * one of their recipients. The role follows the kind of the unit (a
	 * head at a building, a leader at a group). */
	[STMT_FAN_OUT] =
	    "INSERT INTO directive_receipts (directive_id, user_id, role,"
	    " unit_id, unit_path)"
	    " SELECT ?, f.user_id,"
	    "  IF(n.kind = 'building', 'building_head', 'group_leader'),"
	    "  n.id, n.path"
	    " FROM (SELECT ra.user_id, MIN(un.id) AS unit"
	    "  FROM role_assignments ra JOIN units un ON un.id = ra.unit_id"
	    "  JOIN users u ON u.id = ra.user_id"
	    "  WHERE un.path LIKE CONCAT(?, '%') AND ra.role IN (?, ?)"
	    "  AND u.disabled = 0 AND ra.user_id <> ? GROUP BY ra.user_id) f"
	    " JOIN units n ON n.id = f.unit",
	[STMT_RECIPIENTS] = "UPDATE directives SET recipients = ? WHERE id = ?",
	/* One notification per receipt of the directive (kind, text, now
	 * twice, directive). */
	[STMT_NOTIFY] =
	    "INSERT INTO notifications (user_id, kind, subject_id, text,"
	    " created_at, next_try_at)"
	    " SELECT r.user_id, ?, r.directive_id, ?, FROM_UNIXTIME(?),"
	    " FROM_UNIXTIME(?) FROM directive_receipts r"
	    " WHERE r.directive_id = ?",
	[STMT_READ] =
	    "UPDATE directive_receipts SET read_at = FROM_UNIXTIME(?)"
	    " WHERE directive_id = ? AND user_id = ? AND read_at IS NULL",
	/* Done once: a second confirmation changes nothing. */
	[STMT_DONE] =
	    "UPDATE directive_receipts SET done_at = FROM_UNIXTIME(?),"
	    " done_note = ?, done_upload_id = ?,"
	    " read_at = COALESCE(read_at, FROM_UNIXTIME(?))"
	    " WHERE directive_id = ? AND user_id = ? AND done_at IS NULL",
	/* The caller's receipts, newest first (user, cursor, limit). */
	[STMT_RECEIVED] =
	    "SELECT " DIRECTIVE_ROW(HZ_COL_SQL, HZ_COL_SQL) " "
	    RECEIPT_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM directive_receipts r JOIN directives d"
	    " ON d.id = r.directive_id" DIRECTIVE_JOINS RECEIPT_JOINS
	    " WHERE r.user_id = ?"
	    " AND r.directive_id < COALESCE(NULLIF(?, 0), ~0)"
	    " ORDER BY r.directive_id DESC LIMIT ?",
	[STMT_UNREAD] =
	    "SELECT COUNT(*) FROM directive_receipts WHERE user_id = ?"
	    " AND read_at IS NULL",
	/* Directives under a scope root, newest first (root, cursor,
	 * limit). Column 0 is the id negated, so that hz_scope_page's merge
	 * by ascending column 0 keeps the newest first. */
	[STMT_SENT] =
	    "SELECT -CAST(d.id AS SIGNED), "
	    DIRECTIVE_ROW(HZ_COL_SQL, HZ_COL_SQL)
	    " COUNT(r.read_at), COUNT(r.done_at)"
	    " FROM (SELECT * FROM directives WHERE unit_path LIKE CONCAT(?, '%')"
	    "  AND id < COALESCE(NULLIF(?, 0), ~0) ORDER BY id DESC LIMIT ?) d"
	    DIRECTIVE_JOINS
	    " LEFT JOIN directive_receipts r ON r.directive_id = d.id"
	    " GROUP BY d.id ORDER BY d.id DESC",
	/* A directive's receipts by user (directive, state x3, path,
	 * cursor, limit). */
	[STMT_RECEIPTS] = "SELECT " RECEIPT_ROW(HZ_COL_SQL, HZ_COL_SQL_LAST)
	    " FROM directive_receipts r" RECEIPT_JOINS
	    " WHERE r.directive_id = ?" IN_STATE
	    " AND r.unit_path LIKE CONCAT(?, '%') AND r.user_id > ?"
	    " ORDER BY r.user_id LIMIT ?",
	[STMT_IN_STATE] =
	    "SELECT COUNT(*) FROM directive_receipts r"
	    " WHERE r.directive_id = ?" IN_STATE,
	/* Reminders: the laggards not reminded within the hour get one
	 * notification each (kind, text, now x3, directive, state x3), then
	 * the same rows are marked (now, directive, state x3, now). */
	/* Reminders of one directive take turns: the notifications'
	 * INSERT ... SELECT share-locks the receipts the marking UPDATE then
	 * needs, so two at once deadlocked each other. After the turn, the
	 * second sees the first's marks and reminds nobody twice. */
	[STMT_REMIND_LOCK] = "SELECT id FROM directives WHERE id = ? FOR UPDATE",
	[STMT_REMIND_NOTIFY] =
	    "INSERT INTO notifications (user_id, kind, subject_id, text,"
	    " created_at, next_try_at)"
	    " SELECT r.user_id, ?, r.directive_id, ?, FROM_UNIXTIME(?),"
	    " FROM_UNIXTIME(?) FROM directive_receipts r"
	    " WHERE r.directive_id = ?" IN_STATE REMINDABLE,
	[STMT_REMIND_MARK] =
	    "UPDATE directive_receipts r SET r.reminded_at = FROM_UNIXTIME(?),"
	    " r.reminders = r.reminders + 1"
	    " WHERE r.directive_id = ?" IN_STATE REMINDABLE,
	/* The receipts' counts per directive and group (directive_tallies,
	 * sql/0021: what a village's dashboard sums), made with the
	 * fan-out and moved with each first read and completion, in their
	 * transaction. A head counts at their building's group, a leader at
	 * their own unit. */
#define TALLY_UNIT "IF(u.kind = 'building', u.parent_id, u.id)"
	[STMT_TALLY_SEND] =
	    "INSERT INTO directive_tallies (directive_id, unit_id, receipts)"
	    " SELECT r.directive_id, " TALLY_UNIT ", COUNT(*)"
	    " FROM directive_receipts r JOIN units u ON u.id = r.unit_id"
	    " WHERE r.directive_id = ? GROUP BY 2",
	/* read, done (0 or 1), directive, directive, user. */
	[STMT_TALLY] =
	    "UPDATE directive_tallies SET read_n = read_n + ?,"
	    " done_n = done_n + ? WHERE directive_id = ? AND unit_id ="
	    " (SELECT " TALLY_UNIT " FROM directive_receipts r"
	    "  JOIN units u ON u.id = r.unit_id"
	    "  WHERE r.directive_id = ? AND r.user_id = ?)",
#undef TALLY_UNIT
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("directives", sql);

/* The caller's receipt of directive `id` counts `read` more reads and
 * `done` more completions in its group's tally. */
static enum hz_status
tally(const struct hz_ctx *x, uint64_t id, int read, int done)
{
	struct hz_db_arg d = HZ_ARG_I64((long long)id);

	if (read == 0 && done == 0)
		return HZ_OK;
	return hz_db_run(x->db, x->arena, &stmts, STMT_TALLY, HZ_ARGS(
	    HZ_ARG_I64(read), HZ_ARG_I64(done), d, d,
	    HZ_ARG_I64((long long)x->caller->id)), NULL);
}

static const char *const audiences[] = { "heads", "leaders", "both", NULL };
static const char *const boxes[] = { "received", "sent", NULL };
static const char *const states[] = { "all", "unread", "undone", NULL };
static const char *const remind_states[] = { "unread", "undone", NULL };

static const struct hz_rule file_id = { HZ_F_ID, 1, HZ_ID_MAX,
    "文件编号不正确，请重新上传" };

const struct hz_directive_rules hz_directive_rules = {
	.audience = { HZ_F_ENUM, 0, 0, "请选择发给谁：栋长（heads）、户组长"
	    "（leaders）或两者（both）", audiences },
	.title = { HZ_F_STRING, 1, 100, "请填写标题（1 至 100 个字）" },
	.body = { HZ_F_STRING, 1, 2000, "请填写内容（1 至 2000 个字）",
	    .flags = HZ_MULTILINE },
	.files = { HZ_F_ARRAY, 0, HZ_DIRECTIVE_FILES,
	    "最多附 3 张照片，或 1 个 PDF 文件", .item = &file_id },
	.note = { HZ_F_STRING, 1, 500, "请写明办理情况（1 至 500 个字）",
	    .flags = HZ_MULTILINE },
	.box = { HZ_F_ENUM, 0, 0, NULL, boxes },
	.state = { HZ_F_ENUM, 0, 0, NULL, states },
	.remind_state = { HZ_F_ENUM, 0, 0, NULL, remind_states },
};

static const struct hz_refusal
    no_recipients = { HZ_ERR_INVALID, "no_recipients", "unit_id",
	"该范围内没有栋长（户组长），请换一个范围或对象" },
    deadline_past = { HZ_ERR_INVALID, "validation_failed", "deadline",
	"截止时间应晚于现在，请重新选择" },
    deadline_far = { HZ_ERR_INVALID, "validation_failed", "deadline",
	"截止时间不能超过一年，请重新选择" },
    files_mixed = { HZ_ERR_INVALID, "validation_failed", "files",
	"附件可以是最多 3 张照片，或者 1 个 PDF 文件，不能混在一起；请重新选择" },
    files_twice = { HZ_ERR_INVALID, "validation_failed", "files",
	"同一个文件只能添加一次" },
    files_gone = { HZ_ERR_INVALID, "validation_failed", "files",
	"附件已失效，请重新上传" },
    photo_gone = { HZ_ERR_INVALID, "validation_failed", "photo",
	"照片已失效或不是照片，请重新拍照上传" },
    unknown_correction = { HZ_ERR_INVALID, "validation_failed", "corrects_id",
	"没有找到要更正的通知，请从您能查看的已发通知中选择" },
    unknown_unit = { HZ_ERR_NOT_FOUND, "not_found", "unit",
	"这个单位不在该通知的范围内，请重新选择" },
    done_not_needed = { HZ_ERR_CONFLICT, "done_not_needed", NULL,
	"这条通知只需查看，不用确认完成" },
    senders_only = { HZ_ERR_FORBIDDEN, "forbidden", NULL,
	"只有发通知的一方能查看回执和提醒；如有疑问请联系发通知的人" },
    cannot_send = { HZ_ERR_FORBIDDEN, "forbidden", "box",
	"发出的通知由户组长、社干部和管理员查看；请看“收到的”通知" },
    cannot_send_here = { HZ_ERR_FORBIDDEN, "forbidden", "unit_id",
	"栋长不能发通知；需要通知其他人时，请联系户组长或社干部" },
    not_staff = { HZ_ERR_FORBIDDEN, "forbidden", NULL,
	"通知只发给工作人员；请用工作人员账号登录" };

/* ---- Reading ---- */

static bool
is(const char *s, const char *a)
{
	return s != NULL && strcmp(s, a) == 0;
}

/* "12月6日 09:00" in Shanghai, for the texts people read. */
static const char *
spoken(const struct hz_ctx *x, time_t t)
{
	struct tm tm;
	time_t s = t + 8 * 3600;

	gmtime_r(&s, &tm);
	return hz_arena_printf(x->arena, "%d月%d日 %02d:%02d", tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* Is a receipt late: past the deadline and not done (when asked) or
 * not read? */
static bool
late(const struct hz_ctx *x, const struct hz_db_cell *d, bool read, bool done)
{
	return (long long)x->now > d[D_DEADLINE_TS].i &&
	    (d[D_NEEDS].i ? !done : !read);
}

static void
fill(const struct hz_ctx *x, const struct hz_db_cell *c, struct hz_directive *o)
{
	memset(o, 0, sizeof(*o));
	o->id = HZ_ID(&c[D_ID]);
	o->title = c[D_TITLE].s;
	o->body = c[D_BODY].s;
	o->audience = c[D_AUDIENCE].s;
	o->unit = (struct hz_directive_ref){ HZ_ID(&c[D_UNIT]),
	    c[D_UNIT_NAME].s, c[D_UNIT_KIND].s };
	o->sender = (struct hz_directive_ref){ HZ_ID(&c[D_SENDER]),
	    c[D_SENDER_NAME].s, NULL };
	o->deadline = hz_time_local(x->arena, c[D_DEADLINE].s);
	o->created_at = hz_time_local(x->arena, c[D_CREATED].s);
	o->needs_done = c[D_NEEDS].i != 0;
	o->corrects_id = HZ_ID(&c[D_CORRECTS]);
	o->corrects_title = HZ_TEXT(&c[D_CORRECTS_TITLE]);
	o->counts.recipients = c[D_RECIPIENTS].i;
}

static void
fill_receipt(const struct hz_ctx *x, const struct hz_db_cell *d,
             const struct hz_db_cell *c, struct hz_directive_receipt *o)
{
	memset(o, 0, sizeof(*o));
	o->user = (struct hz_directive_ref){ HZ_ID(&c[R_USER]),
	    c[R_USER_NAME].s, NULL };
	o->role = c[R_ROLE].s;
	o->unit = (struct hz_directive_ref){ HZ_ID(&c[R_UNIT]),
	    c[R_UNIT_NAME].s, c[R_UNIT_KIND].s };
	o->read_at = hz_time_local(x->arena, HZ_TEXT(&c[R_READ]));
	o->done_at = hz_time_local(x->arena, HZ_TEXT(&c[R_DONE]));
	o->done_note = HZ_TEXT(&c[R_NOTE]);
	o->photo = HZ_ID(&c[R_PHOTO]);
	o->reminders = (int)c[R_REMINDERS].i;
	o->reminded_at = hz_time_local(x->arena, HZ_TEXT(&c[R_REMINDED]));
	o->overdue = late(x, d, !c[R_READ].null, !c[R_DONE].null);
}

/* Counts of a directive (or a child unit) from its totals: every receipt
 * shares the deadline, so the late ones are the unread or undone ones
 * once it passed. */
static void
counts_of(const struct hz_ctx *x, const struct hz_db_cell *d,
          long long recipients, long long read, long long done,
          struct hz_directive_counts *c)
{
	c->recipients = recipients;
	c->read = read;
	c->done = done;
	c->overdue = (long long)x->now <= d[D_DEADLINE_TS].i ? 0
	    : recipients - (d[D_NEEDS].i ? done : read);
}

static enum hz_status
load(const struct hz_ctx *x, uint64_t id, struct hz_db_result *r)
{
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), r)))
		return rc;
	return r->nrows ? HZ_OK : HZ_ERR_NOT_FOUND;
}

/* Who the caller is to a directive: a recipient (their receipt lands in
 * `receipt`), a sender in scope, or both; 404 when neither. */
struct view {
	bool recipient, sender;
};

static enum hz_status
view_of(const struct hz_ctx *x, const struct hz_db_cell *d,
        struct hz_db_result *receipt, struct view *v)
{
	enum hz_status rc;

	memset(v, 0, sizeof(*v));
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff)
		return HZ_ERR_NOT_FOUND;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_RECEIPT, HZ_ARGS(
	    HZ_ARG_I64(d[D_ID].i), HZ_ARG_I64((long long)x->caller->id)),
	    receipt)))
		return rc;
	v->recipient = receipt->nrows > 0;
	v->sender = hz_authorize(x->caller, HZ_RIGHT_DIRECTIVE_SEND,
	    d[D_PATH].s) == HZ_OK;
	return v->recipient || v->sender ? HZ_OK : HZ_ERR_NOT_FOUND;
}

static enum hz_status
files_of(const struct hz_ctx *x, struct hz_directive *o)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_FILES,
	    HZ_ARGS(HZ_ARG_I64((long long)o->id)), &r)))
		return rc;
	for (size_t i = 0; i < r.nrows && o->nfiles < HZ_DIRECTIVE_FILES; i++)
		o->files[o->nfiles++] = (struct hz_directive_file){
		    HZ_ID(HZ_CELL(&r, i, 0)), HZ_CELL(&r, i, 1)->s };
	return HZ_OK;
}

static enum hz_status
corrections_of(const struct hz_ctx *x, struct hz_directive *o)
{
	struct hz_db_result r;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CORRECTIONS,
	    HZ_ARGS(HZ_ARG_I64((long long)o->id)), &r)))
		return rc;
	if ((o->corrections = hz_arena_calloc(x->arena, r.nrows + 1,
	    sizeof(*o->corrections))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		o->corrections[i] = (struct hz_directive_correction){
		    HZ_ID(HZ_CELL(&r, i, 0)), HZ_CELL(&r, i, 1)->s,
		    hz_time_local(x->arena, HZ_CELL(&r, i, 2)->s) };
	o->ncorrections = r.nrows;
	return HZ_OK;
}

static enum hz_status
children_of(const struct hz_ctx *x, const struct hz_db_cell *d,
            struct hz_directive *o)
{
	struct hz_db_result r;
	struct hz_db_arg path = HZ_ARG_STR(d[D_PATH].s);
	long long read = 0, done = 0, all = 0;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_CHILDREN, HZ_ARGS(
	    path, path, HZ_ARG_I64((long long)o->id), path), &r)))
		return rc;
	if ((o->children = hz_arena_calloc(x->arena, r.nrows + 1,
	    sizeof(*o->children))) == NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		struct hz_directive_child *ch = &o->children[i];

		ch->unit = (struct hz_directive_ref){ HZ_ID(&c[0]), c[1].s,
		    c[2].s };
		counts_of(x, d, c[3].i, c[4].i, c[5].i, &ch->c);
		all += c[3].i;
		read += c[4].i;
		done += c[5].i;
	}
	o->nchildren = r.nrows;
	o->sender_view = true;
	counts_of(x, d, all, read, done, &o->counts);
	return HZ_OK;
}

/* Marks the caller's receipt of directive *id read, and counts it. */
static enum hz_status
read_tx(const struct hz_ctx *x, void *p)
{
	uint64_t id = *(const uint64_t *)p;
	struct hz_db_result u;
	enum hz_status rc;

	/* Guarded: of two first looks at once, one sets it (and counts). */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_READ, HZ_ARGS(
	    HZ_ARG_I64((long long)x->now), HZ_ARG_I64((long long)id),
	    HZ_ARG_I64((long long)x->caller->id)), &u)))
		return rc;
	return tally(x, id, u.affected == 1, 0);
}

/* The detail of directive `id` for the caller; a recipient's first look
 * marks it read when `mark`. */
static enum hz_status
detail(const struct hz_ctx *x, uint64_t id, bool mark, struct hz_directive *o)
{
	struct hz_db_result r, rec;
	const struct hz_db_cell *d;
	struct view v;
	enum hz_status rc;

	if ((rc = load(x, id, &r)))
		return rc;
	d = HZ_CELL(&r, 0, 0);
	if ((rc = view_of(x, d, &rec, &v)))
		return rc;
	if (mark && v.recipient && HZ_CELL(&rec, 0, R_READ)->null) {
		if ((rc = hz_tx(x, read_tx, &id)) ||
		    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_RECEIPT,
		    HZ_ARGS(HZ_ARG_I64((long long)id),
		    HZ_ARG_I64((long long)x->caller->id)), &rec)))
			return rc;
	}
	fill(x, d, o);
	if (v.recipient) {
		o->has_receipt = true;
		fill_receipt(x, d, HZ_CELL(&rec, 0, 0), &o->receipt);
	}
	if ((rc = files_of(x, o)) || (rc = corrections_of(x, o)))
		return rc;
	if (v.sender && (rc = children_of(x, d, o)))
		return rc;
	return HZ_OK;
}

enum hz_status
hz_directive_get(const struct hz_ctx *x, uint64_t id, struct hz_directive *o)
{
	return detail(x, id, true, o);
}

/* ---- Sending ---- */

struct send_job {
	const struct hz_directive_input *in;
	const struct hz_unit *unit;
	const char *kinds[HZ_DIRECTIVE_FILES];   /* of in->files */
	const char *corrects_title;
	uint64_t id;
	long long recipients;
};

static enum hz_status
send_tx(const struct hz_ctx *x, void *p)
{
	struct send_job *j = p;
	const struct hz_directive_input *in = j->in;
	const char *r1 = is(in->audience, "leaders") ? "group_leader"
	    : "building_head";
	const char *r2 = is(in->audience, "heads") ? "building_head"
	    : "group_leader";
	struct hz_db_arg now = HZ_ARG_I64((long long)x->now);
	struct hz_db_result r;
	struct hz_db_arg id;
	const char *text;
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGS(
	    HZ_ARG_I64((long long)j->unit->id), HZ_ARG_STR(j->unit->path),
	    HZ_ARG_STR(in->audience), HZ_ARG_STR(in->title),
	    HZ_ARG_STR(in->body), HZ_ARG_I64((long long)in->deadline),
	    HZ_ARG_I64(in->needs_done), HZ_ARG_OPT_ID(in->corrects_id),
	    HZ_ARG_I64((long long)x->caller->id), now), &r)))
		return rc;
	j->id = r.insert_id;
	id = HZ_ARG_I64((long long)j->id);
	for (size_t i = 0; i < in->nfiles; i++)
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_FILE, HZ_ARGS(
		    id, HZ_ARG_I64((long long)i),
		    HZ_ARG_I64((long long)in->files[i])), NULL)))
			return rc;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_FAN_OUT, HZ_ARGS(
	    id, HZ_ARG_STR(j->unit->path), HZ_ARG_STR(r1), HZ_ARG_STR(r2),
	    HZ_ARG_I64((long long)x->caller->id)), &r)))
		return rc;
	/* Nobody to send to: nothing is kept. */
	if ((j->recipients = (long long)r.affected) == 0)
		return hz_refuse(x, &no_recipients);
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_TALLY_SEND,
	    HZ_ARGS(id), NULL)))
		return rc;
	text = hz_arena_printf(x->arena, "新通知：%s，请在%s前查看", in->title,
	    spoken(x, in->deadline));
	if (text == NULL)
		return HZ_ERR_NOMEM;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_RECIPIENTS, HZ_ARGS(
	    HZ_ARG_I64(j->recipients), id), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_NOTIFY, HZ_ARGS(
	    HZ_ARG_STR("directive.new"), HZ_ARG_STR(text), now, now, id),
	    NULL)))
		return rc;
	return hz_audit(x, 0, "directive.send", "directive", j->id,
	    hz_arena_printf(x->arena, "{\"unit_id\":%llu,\"audience\":\"%s\","
	    "\"recipients\":%lld,\"corrects_id\":%llu}",
	    (unsigned long long)j->unit->id, in->audience, j->recipients,
	    (unsigned long long)in->corrects_id));
}

/* A time as detail() shows one: whole seconds, as the send stored it. */
static const char *
shown(const struct hz_ctx *x, time_t t)
{
	struct tm tm;
	char db[32];

	gmtime_r(&t, &tm);
	if (strftime(db, sizeof(db), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return NULL;
	return hz_time_local(x->arena, db);
}

/* The sender's view of a directive just sent, from the job alone: what
 * detail() would read back, but for the per-child counts (none). */
static void
as_sent(const struct hz_ctx *x, const struct send_job *j,
        struct hz_directive *o)
{
	const struct hz_directive_input *in = j->in;

	memset(o, 0, sizeof(*o));
	o->id = j->id;
	o->title = in->title;
	o->body = in->body;
	o->audience = in->audience;
	o->unit = (struct hz_directive_ref){ j->unit->id, j->unit->name,
	    j->unit->kind };
	o->sender = (struct hz_directive_ref){ x->caller->id,
	    x->caller->display_name, NULL };
	o->deadline = shown(x, in->deadline);
	o->created_at = shown(x, x->now);
	o->needs_done = in->needs_done;
	o->corrects_id = in->corrects_id;
	o->corrects_title = j->corrects_title;
	for (size_t i = 0; i < in->nfiles && i < HZ_DIRECTIVE_FILES; i++)
		o->files[o->nfiles++] = (struct hz_directive_file){
		    in->files[i], j->kinds[i] };
	/* Nobody has read it yet, and the deadline is ahead. */
	o->sender_view = true;
	o->counts.recipients = j->recipients;
}

/* The detail of a directive just sent (tests make it fail with
 * hz_db_test_faults on STMT_FILES, which only detail() runs). */
static enum hz_status
read_back(const struct hz_ctx *x, uint64_t id, struct hz_directive *o)
{
	return detail(x, id, false, o);
}

/* Up to 3 photos or one PDF, each once, all the caller's own; their
 * kinds land in kinds[]. */
static enum hz_status
check_files(const struct hz_ctx *x, const struct hz_directive_input *in,
            const char **kinds)
{
	size_t pdfs = 0;
	enum hz_status rc;

	if (in->nfiles > HZ_DIRECTIVE_FILES)
		return hz_refuse_rule(x, "files", &hz_directive_rules.files);
	for (size_t i = 0; i < in->nfiles; i++)
		for (size_t k = 0; k < i; k++)
			if (in->files[i] == in->files[k])
				return hz_refuse(x, &files_twice);
	if ((rc = hz_uploads_owned_files(x, in->files, in->nfiles, kinds))) {
		if (rc != HZ_ERR_INVALID)
			return rc;
		hz_refuse_clear(x);
		return hz_refuse(x, &files_gone);
	}
	for (size_t i = 0; i < in->nfiles; i++)
		pdfs += is(kinds[i], "pdf");
	if (pdfs > 0 && in->nfiles > 1)
		return hz_refuse(x, &files_mixed);
	return HZ_OK;
}

enum hz_status
hz_directive_send(const struct hz_ctx *x, const struct hz_directive_input *in,
                  struct hz_directive *out)
{
	const struct hz_directive_rules *R = &hz_directive_rules;
	struct hz_unit unit;
	struct send_job j = { .in = in, .unit = &unit };
	enum hz_status rc;

	memset(out, 0, sizeof(*out));
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff)
		return hz_refuse(x, &not_staff);
	if ((rc = hz_unit_scoped(x, in->unit_id, HZ_RIGHT_DIRECTIVE_SEND,
	    &unit)))
		return rc == HZ_ERR_FORBIDDEN ? hz_refuse(x, &cannot_send_here)
		    : rc;
	if (!hz_rule_ok(&R->audience, in->audience, false))
		return hz_refuse_rule(x, "audience", &R->audience);
	if (!hz_rule_ok(&R->title, in->title, false))
		return hz_refuse_rule(x, "title", &R->title);
	if (!hz_rule_ok(&R->body, in->body, false))
		return hz_refuse_rule(x, "body", &R->body);
	if (in->deadline <= x->now)
		return hz_refuse(x, &deadline_past);
	if (in->deadline > x->now + HZ_DIRECTIVE_DAYS * 86400LL)
		return hz_refuse(x, &deadline_far);
	if ((rc = check_files(x, in, j.kinds)))
		return rc;
	if (in->corrects_id) {
		struct hz_db_result r;

		/* Only one the caller may follow as a sender. */
		if ((rc = load(x, in->corrects_id, &r)) == HZ_ERR_NOT_FOUND ||
		    (rc == HZ_OK && hz_authorize(x->caller,
		    HZ_RIGHT_DIRECTIVE_SEND, HZ_CELL(&r, 0, D_PATH)->s) != HZ_OK))
			return hz_refuse(x, &unknown_correction);
		if (rc)
			return rc;
		j.corrects_title = HZ_CELL(&r, 0, D_TITLE)->s;
	}
	if ((rc = hz_tx(x, send_tx, &j)))
		return rc;
	/* Sent and committed: from here the answer is a success. A 5xx
	 * would leave the sender without it: the Idempotency-Key's claim,
	 * marked by the commit, would be closed without an answer, and the
	 * retry told only that it was sent (idempotency_key_applied). A
	 * failed read-back is tried once more, then answered from what was
	 * sent. */
	if ((rc = read_back(x, j.id, out)) == HZ_OK ||
	    (rc = read_back(x, j.id, out)) == HZ_OK)
		return HZ_OK;
	hz_warn("directive sent, read back failed", "directive=%llu status=%s",
	    (unsigned long long)j.id, hz_status_str(rc));
	hz_refuse_clear(x);
	as_sent(x, &j, out);
	return HZ_OK;
}

/* ---- Lists ---- */

enum hz_status
hz_directives_list(const struct hz_ctx *x, const char *box,
                   const struct hz_page *p, struct hz_directive_item **out,
                   size_t *n, bool *more, long long *unread)
{
	struct hz_db_result r;
	enum hz_status rc;
	bool sent = is(box, "sent");

	*out = NULL;
	*n = 0;
	*more = false;
	*unread = 0;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!x->caller->staff)
		return hz_refuse(x, &not_staff);
	if (sent) {
		if (!hz_can_anywhere(x->caller, HZ_RIGHT_DIRECTIVE_SEND))
			return hz_refuse(x, &cannot_send);
		rc = hz_scope_page(x, HZ_RIGHT_DIRECTIVE_SEND, NULL, &stmts,
		    STMT_SENT, NULL, 0, p, &r, more);
	} else {
		struct hz_db_result u;
		struct hz_db_arg me = HZ_ARG_I64((long long)x->caller->id);

		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_UNREAD,
		    HZ_ARGS(me), &u)))
			return rc;
		*unread = HZ_CELL(&u, 0, 0)->i;
		rc = hz_page_run(x, &stmts, STMT_RECEIVED, HZ_ARGS(me), p, &r,
		    more);
	}
	if (rc)
		return rc;
	if ((*out = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(**out))) ==
	    NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		struct hz_directive_item *it = &(*out)[i];

		if (sent) {
			c++;          /* past the negated id */
			fill(x, c, &it->d);
			counts_of(x, c, c[D_RECIPIENTS].i, c[D__NCOLS].i,
			    c[D__NCOLS + 1].i, &it->c);
		} else {
			fill(x, c, &it->d);
			fill_receipt(x, c, c + D__NCOLS, &it->r);
		}
	}
	*n = r.nrows;
	return HZ_OK;
}

/* The directive `id` for one of its senders: 404 to anyone who does not
 * see it, 403 to a recipient who is not a sender. */
static enum hz_status
as_sender(const struct hz_ctx *x, uint64_t id, struct hz_db_result *r)
{
	struct hz_db_result rec;
	struct view v;
	enum hz_status rc;

	if ((rc = load(x, id, r)) ||
	    (rc = view_of(x, HZ_CELL(r, 0, 0), &rec, &v)))
		return rc;
	return v.sender ? HZ_OK : hz_refuse(x, &senders_only);
}

/* The path the receipts are narrowed to: the directive's, or a unit
 * inside it. */
static enum hz_status
narrowed(const struct hz_ctx *x, const struct hz_db_cell *d,
         const struct hz_receipt_filter *f, const char **path)
{
	struct hz_unit u;
	enum hz_status rc;

	*path = d[D_PATH].s;
	if (f == NULL || f->unit == 0)
		return HZ_OK;
	rc = hz_unit_load(x, f->unit, &u);
	if (rc == HZ_ERR_NOT_FOUND || (rc == HZ_OK &&
	    !hz_path_under(u.path, d[D_PATH].s)))
		return hz_refuse(x, &unknown_unit);
	if (rc)
		return rc;
	*path = u.path;
	return HZ_OK;
}

static const char *
state_of(const struct hz_receipt_filter *f)
{
	return f != NULL && f->state != NULL ? f->state : "all";
}

enum hz_status
hz_directive_receipts(const struct hz_ctx *x, uint64_t id,
                      const struct hz_receipt_filter *f,
                      const struct hz_page *p,
                      struct hz_directive_receipt **out, size_t *n,
                      bool *more)
{
	struct hz_db_result d, r;
	struct hz_db_arg st;
	const char *path;
	enum hz_status rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if ((rc = as_sender(x, id, &d)) ||
	    (rc = narrowed(x, HZ_CELL(&d, 0, 0), f, &path)))
		return rc;
	st = HZ_ARG_STR(state_of(f));
	if ((rc = hz_page_run(x, &stmts, STMT_RECEIPTS, HZ_ARGS(
	    HZ_ARG_I64((long long)id), st, st, st, HZ_ARG_STR(path)), p, &r,
	    more)))
		return rc;
	if ((*out = hz_arena_calloc(x->arena, r.nrows + 1, sizeof(**out))) ==
	    NULL)
		return HZ_ERR_NOMEM;
	for (size_t i = 0; i < r.nrows; i++)
		fill_receipt(x, HZ_CELL(&d, 0, 0), HZ_CELL(&r, i, 0), &(*out)[i]);
	*n = r.nrows;
	return HZ_OK;
}

static const char *
role_words(const char *role)
{
	return is(role, "building_head") ? "栋长" : "户组长";
}

/* "2026-12-02T23:25:09.000+08:00" → "2026-12-02 23:25": Shanghai time
 * as Excel reads a time; NULL (not yet) stays an empty cell. */
static const char *
csv_time(hz_arena *a, const char *t)
{
	if (t == NULL || strlen(t) < 16)
		return NULL;
	return hz_arena_printf(a, "%.10s %.5s", t, t + 11);
}

enum hz_status
hz_directive_receipts_csv(const struct hz_ctx *x, uint64_t id,
                          const struct hz_receipt_filter *f,
                          enum hz_status (*row)(void *, const char *, size_t),
                          void *arg)
{
	static const char *const head[] = { "姓名", "身份", "所在单位",
	    "查看时间", "完成时间", "办理情况", "提醒次数", "是否逾期" };
	enum { NHEAD = sizeof(head) / sizeof(head[0]) };
	struct hz_db_result d;
	struct hz_page p = { 0, HZ_PAGE_MAX };
	struct hz_buf b;
	hz_arena *scratch;
	struct hz_db_arg st;
	const char *path;
	long long rows = 0;
	enum hz_status rc;

	if ((rc = as_sender(x, id, &d)) ||
	    (rc = narrowed(x, HZ_CELL(&d, 0, 0), f, &path)))
		return rc;
	st = HZ_ARG_STR(state_of(f));
	/* Each page of rows lives in a scratch arena, reset between pages:
	 * the file is never held in memory, whatever its length. */
	if ((scratch = hz_arena_new(16384)) == NULL)
		return HZ_ERR_NOMEM;
	hz_buf_init(&b, scratch);
	hz_buf_puts(&b, "\xef\xbb\xbf");
	for (size_t i = 0; i < NHEAD; i++)
		hz_csv_field(&b, head[i], i == NHEAD - 1);
	rc = b.oom ? HZ_ERR_NOMEM : row(arg, b.data, b.len);
	while (rc == HZ_OK) {
		struct hz_ctx sx = *x;
		struct hz_db_result r;
		bool more;

		hz_arena_reset(scratch);
		sx.arena = scratch;
		if ((rc = hz_page_run(&sx, &stmts, STMT_RECEIPTS, HZ_ARGS(
		    HZ_ARG_I64((long long)id), st, st, st, HZ_ARG_STR(path)), &p,
		    &r, &more)) || r.nrows == 0)
			break;
		for (size_t i = 0; rc == HZ_OK && i < r.nrows; i++) {
			struct hz_directive_receipt o;

			fill_receipt(&sx, HZ_CELL(&d, 0, 0), HZ_CELL(&r, i, 0),
			    &o);
			hz_buf_init(&b, scratch);
			hz_csv_field(&b, o.user.name, false);
			hz_csv_field(&b, role_words(o.role), false);
			hz_csv_field(&b, o.unit.name, false);
			hz_csv_field(&b, csv_time(scratch, o.read_at), false);
			hz_csv_field(&b, csv_time(scratch, o.done_at), false);
			hz_csv_field(&b, o.done_note, false);
			hz_csv_field(&b, hz_arena_printf(scratch, "%d",
			    o.reminders), false);
			hz_csv_field(&b, o.overdue ? "是" : "否", true);
			rc = b.oom ? HZ_ERR_NOMEM : row(arg, b.data, b.len);
			p.after = o.user.id;
			rows++;
		}
		if (!more)
			break;
	}
	hz_arena_free(scratch);
	if (rc)
		return rc;
	return hz_audit(x, 0, "directive.receipts_export", "directive", id,
	    hz_arena_printf(x->arena, "{\"rows\":%lld}", rows));
}

/* ---- Acting ---- */

struct done_job {
	uint64_t    id;
	const char *note;
	uint64_t    photo;
};

static enum hz_status
done_tx(const struct hz_ctx *x, void *p)
{
	struct done_job *j = p;
	struct hz_db_arg now = HZ_ARG_I64((long long)x->now);
	struct hz_db_result r;
	int read;
	enum hz_status rc;

	/* Read first if it was not (STMT_DONE would set read_at too, without
	 * saying so): the tally counts the read once. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_READ, HZ_ARGS(now,
	    HZ_ARG_I64((long long)j->id),
	    HZ_ARG_I64((long long)x->caller->id)), &r)))
		return rc;
	read = r.affected == 1;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_DONE, HZ_ARGS(
	    now, HZ_ARG_STR(j->note), HZ_ARG_OPT_ID(j->photo), now,
	    HZ_ARG_I64((long long)j->id),
	    HZ_ARG_I64((long long)x->caller->id)), &r)))
		return rc;
	/* Done before: unchanged, and counted once. */
	if (r.affected == 0)
		return tally(x, j->id, read, 0);
	if ((rc = tally(x, j->id, read, 1)))
		return rc;
	return hz_audit(x, 0, "directive.done", "directive", j->id,
	    hz_arena_printf(x->arena, "{\"photo\":%llu}",
	    (unsigned long long)j->photo));
}

enum hz_status
hz_directive_done(const struct hz_ctx *x, uint64_t id, const char *note,
                  uint64_t photo, struct hz_directive *out)
{
	struct hz_db_result d, rec;
	struct done_job j = { id, note, photo };
	struct view v;
	enum hz_status rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load(x, id, &d)) ||
	    (rc = view_of(x, HZ_CELL(&d, 0, 0), &rec, &v)))
		return rc;
	if (!v.recipient)
		return HZ_ERR_NOT_FOUND;
	if (HZ_CELL(&d, 0, D_NEEDS)->i == 0)
		return hz_refuse(x, &done_not_needed);
	if (!hz_rule_ok(&hz_directive_rules.note, note, false))
		return hz_refuse_rule(x, "note", &hz_directive_rules.note);
	if (!HZ_CELL(&rec, 0, R_DONE)->null)
		return detail(x, id, false, out);
	if (photo && (rc = hz_uploads_owned(x, &photo, 1))) {
		if (rc != HZ_ERR_INVALID)
			return rc;
		hz_refuse_clear(x);
		return hz_refuse(x, &photo_gone);
	}
	if ((rc = hz_tx(x, done_tx, &j)))
		return rc;
	return detail(x, id, false, out);
}

struct remind_job {
	const struct hz_db_cell *d;
	const char *state;
	long long   reminded;
};

static enum hz_status
remind_tx(const struct hz_ctx *x, void *p)
{
	struct remind_job *j = p;
	struct hz_db_arg now = HZ_ARG_I64((long long)x->now);
	struct hz_db_arg id = HZ_ARG_I64(j->d[D_ID].i);
	struct hz_db_arg st = HZ_ARG_STR(j->state);
	struct hz_db_result r;
	const char *text;
	enum hz_status rc;

	text = hz_arena_printf(x->arena, "提醒：通知「%s」%s，截止%s",
	    j->d[D_TITLE].s, is(j->state, "unread") ? "您还没有查看"
	    : "您还没有确认完成", spoken(x, (time_t)j->d[D_DEADLINE_TS].i));
	if (text == NULL)
		return HZ_ERR_NOMEM;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_REMIND_LOCK,
	    HZ_ARGS(id), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_REMIND_NOTIFY,
	    HZ_ARGS(HZ_ARG_STR("directive.remind"), HZ_ARG_STR(text), now, now,
	    id, st, st, st, now), NULL)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_REMIND_MARK, HZ_ARGS(
	    now, id, st, st, st, now), &r)))
		return rc;
	j->reminded = (long long)r.affected;
	if (j->reminded == 0)
		return HZ_OK;
	return hz_audit(x, 0, "directive.remind", "directive", HZ_ID(&j->d[D_ID]),
	    hz_arena_printf(x->arena, "{\"state\":\"%s\",\"reminded\":%lld}",
	    j->state, j->reminded));
}

enum hz_status
hz_directive_remind(const struct hz_ctx *x, uint64_t id, const char *state,
                    long long *reminded, long long *skipped)
{
	struct hz_db_result d, n;
	struct remind_job j;
	struct hz_db_arg st;
	enum hz_status rc;

	*reminded = *skipped = 0;
	if (state != NULL && !hz_rule_ok(&hz_directive_rules.remind_state,
	    state, false))
		return hz_refuse_rule(x, "state",
		    &hz_directive_rules.remind_state);
	if ((rc = as_sender(x, id, &d)))
		return rc;
	/* "undone" is not done where that is asked, else not read. */
	if (state == NULL || is(state, "undone"))
		state = HZ_CELL(&d, 0, D_NEEDS)->i ? "undone" : "unread";
	j = (struct remind_job){ HZ_CELL(&d, 0, 0), state, 0 };
	st = HZ_ARG_STR(state);
	if ((rc = hz_tx(x, remind_tx, &j)) ||
	    (rc = hz_db_run(x->db, x->arena, &stmts, STMT_IN_STATE, HZ_ARGS(
	    HZ_ARG_I64((long long)id), st, st, st), &n)))
		return rc;
	*reminded = j.reminded;
	*skipped = HZ_CELL(&n, 0, 0)->i - j.reminded;
	if (*skipped < 0)
		*skipped = 0;
	return HZ_OK;
}
