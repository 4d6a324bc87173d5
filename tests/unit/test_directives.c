/* Directives against the real database: the fan-out (one receipt per
 * person, disabled accounts skipped), reading and completing, counts per
 * child unit, reminders, corrections, files, and who may do what. The
 * clock is x->now, moved by the tests. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "dbfixture.h"
#include "directives.h"
#include "uploads.h"

enum { Q_DISABLE, Q_UPLOAD, Q_NOTES, Q_REMINDS, Q_RECEIPTS, Q_BY_TITLE,
       Q_AGE, Q_UPLOAD_KEPT, Q_NO_HEAD, Q_NOTES_TO, Q_REMINDS_TO, Q__MAX };
/* core/directives.c's STMT_FILES, as hz_db_test_faults names it: only
 * a directive's detail (the read-back after a send) runs it. A fault on
 * it that fires is counted (hz_db_test_faults_left), so a stale copy of
 * the text fails the test rather than passing it by firing nowhere. */
#define DIRECTIVE_FILES_SQL \
	"SELECT f.upload_id, u.kind FROM directive_files f" \
	" JOIN uploads u ON u.id = f.upload_id WHERE f.directive_id = ?" \
	" ORDER BY f.position"
/* A server error that is neither a lost connection nor a retry: the
 * read fails once (HZ_ERR_DB), the connection stays. */
#define READ_FAILS 1317      /* ER_QUERY_INTERRUPTED */

static const char *const sql[Q__MAX] = {
	[Q_DISABLE] = "UPDATE users SET disabled = 1 WHERE id = ?",
	/* An upload row of user ? of kind ? (no file: not fetched here). */
	[Q_UPLOAD] = "INSERT INTO uploads (user_id, kind, sha256, width,"
	    " height, bytes) VALUES (?, ?, REPEAT('0', 64), 1, 1, 1)",
	[Q_NOTES] = "SELECT COUNT(*) FROM notifications WHERE subject_id = ?"
	    " AND kind = 'directive.new'",
	[Q_REMINDS] = "SELECT COUNT(*) FROM notifications WHERE subject_id = ?"
	    " AND kind = 'directive.remind'",
	[Q_RECEIPTS] = "SELECT COUNT(*) FROM directive_receipts"
	    " WHERE directive_id = ?",
	[Q_BY_TITLE] = "SELECT COUNT(*) FROM directives WHERE title = ?",
	[Q_AGE] = "UPDATE uploads SET created_at = NOW(3) - INTERVAL 2 DAY"
	    " WHERE id = ?",
	[Q_UPLOAD_KEPT] = "SELECT COUNT(*) FROM uploads WHERE id = ?",
	/* Two heads at one building, as data from before a grant named the
	 * building's head may hold: the head forgotten before the second
	 * grant (which would otherwise be refused, head_taken). */
	[Q_NO_HEAD] = "UPDATE buildings SET head_user_id = NULL"
	    " WHERE unit_id = ?",
	/* Directive ?'s new (reminder) notifications to user ?. */
	[Q_NOTES_TO] = "SELECT COUNT(*) FROM notifications WHERE subject_id = ?"
	    " AND user_id = ? AND kind = 'directive.new'",
	[Q_REMINDS_TO] = "SELECT COUNT(*) FROM notifications"
	    " WHERE subject_id = ? AND user_id = ? AND kind = 'directive.remind'",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_directives",
    sql);

/* A fresh org (c1: g1 with b1, b2; c2: g2 with b3) and its people: head
 * `a` of b1 and b2, head `b` of b2, head `c` of b3, a disabled head of
 * b1, the leader of g1, a cadre of c1 and the village admin. */
struct world {
	struct fx_org    o;
	struct hz_caller a, b, c, off, leader, cadre, admin;
	time_t           now;
};

static void
world_new(struct world *w)
{
	uint64_t grant;

	assert_int_equal(fx_org_new(&w->o), HZ_OK);
	assert_int_equal(fx_staff(&w->a, HZ_ROLE_BUILDING_HEAD, w->o.b1), HZ_OK);
	assert_int_equal(hz_role_grant(&fx, w->a.id, HZ_ROLE_BUILDING_HEAD,
	    w->o.b2, &grant), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, w->a.id, &w->a), HZ_OK);
	fx_exec(&stmts, Q_NO_HEAD, w->o.b2);
	assert_int_equal(fx_staff(&w->b, HZ_ROLE_BUILDING_HEAD, w->o.b2), HZ_OK);
	assert_int_equal(fx_staff(&w->c, HZ_ROLE_BUILDING_HEAD, w->o.b3), HZ_OK);
	fx_exec(&stmts, Q_NO_HEAD, w->o.b1);
	assert_int_equal(fx_staff(&w->off, HZ_ROLE_BUILDING_HEAD, w->o.b1),
	    HZ_OK);
	fx_exec(&stmts, Q_DISABLE, w->off.id);
	assert_int_equal(fx_staff(&w->leader, HZ_ROLE_GROUP_LEADER, w->o.g1),
	    HZ_OK);
	assert_int_equal(fx_staff(&w->cadre, HZ_ROLE_CADRE, w->o.c1), HZ_OK);
	assert_int_equal(fx_staff(&w->admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	/* A month ahead: what is queued is not due for another test's outbox
	 * run, which sends the oldest due first. */
	w->now = time(NULL) + 30 * 86400;
}

static struct hz_ctx
at(const struct world *w, const struct hz_caller *c, long delta)
{
	struct hz_ctx x = fx_as(c);

	x.now = w->now + delta;
	return x;
}

static struct hz_directive_input
form(uint64_t unit, const char *audience, const struct world *w)
{
	return (struct hz_directive_input){ .unit_id = unit,
	    .audience = audience, .title = "消防通道清理",
	    .body = "请在本周内清理楼道杂物，保持消防通道畅通。",
	    .deadline = w->now + 3 * 86400 };
}

static uint64_t
sent(const struct world *w, const struct hz_caller *by,
     struct hz_directive_input in, struct hz_directive *d)
{
	struct hz_ctx x = at(w, by, 0);

	assert_int_equal(hz_directive_send(&x, &in, d), HZ_OK);
	return d->id;
}

static uint64_t
upload(const struct hz_caller *owner, const char *kind)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, Q_UPLOAD, HZ_ARGS(
	    HZ_ARG_I64((long long)owner->id), HZ_ARG_STR(kind)), &r), HZ_OK);
	return r.insert_id;
}

static long long
titled(const char *title)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, Q_BY_TITLE,
	    HZ_ARGS(HZ_ARG_STR(title)), &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->i;
}

/* The receipt of user `u` in a page of receipts, or NULL. */
static const struct hz_directive_receipt *
receipt_of(const struct hz_directive_receipt *v, size_t n, uint64_t u)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].user.id == u)
			return &v[i];
	return NULL;
}

static void
fan_out_one_receipt_per_person(void **state)
{
	struct world w;
	struct hz_directive d;
	struct hz_directive_receipt *v;
	const struct hz_directive_receipt *ra;
	struct hz_page p = { 0, 100 };
	struct hz_ctx x;
	size_t n;
	bool more;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	/* Heads under c1: a (two buildings, one receipt), b; the disabled
	 * one gets none, c is under c2. */
	id = sent(&w, &w.cadre, form(w.o.c1, "heads", &w), &d);
	assert_int_equal(d.counts.recipients, 2);
	assert_true(d.sender_view);
	assert_int_equal(fx_count(&stmts, Q_RECEIPTS, id), 2);
	assert_int_equal(fx_count(&stmts, Q_NOTES, id), 2);
	assert_int_equal(fx_audits("directive.send", w.cadre.id, id), 1);
	x = at(&w, &w.cadre, 0);
	assert_int_equal(hz_directive_receipts(&x, id, NULL, &p, &v, &n, &more),
	    HZ_OK);
	assert_int_equal(n, 2);
	assert_non_null(ra = receipt_of(v, n, w.a.id));
	/* At the first of a's buildings by path. */
	assert_int_equal(ra->unit.id, w.o.b1);
	assert_string_equal(ra->role, "building_head");
	assert_non_null(receipt_of(v, n, w.b.id));
	assert_null(receipt_of(v, n, w.off.id));
	/* Leaders only; both. */
	sent(&w, &w.cadre, form(w.o.c1, "leaders", &w), &d);
	assert_int_equal(d.counts.recipients, 1);
	sent(&w, &w.cadre, form(w.o.c1, "both", &w), &d);
	assert_int_equal(d.counts.recipients, 3);
	/* The admin at g2 reaches c. */
	id = sent(&w, &w.admin, form(w.o.g2, "both", &w), &d);
	assert_int_equal(d.counts.recipients, 1);
}

static void
counts_per_child_unit(void **state)
{
	struct world w;
	struct hz_directive d;
	struct hz_ctx x;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	/* At g1: the leader at g1 itself (listed first), a at b1, b at b2. */
	id = sent(&w, &w.cadre, form(w.o.g1, "both", &w), &d);
	assert_int_equal(d.counts.recipients, 3);
	assert_int_equal(d.nchildren, 3);
	assert_int_equal(d.children[0].unit.id, w.o.g1);
	assert_int_equal(d.children[0].c.recipients, 1);
	assert_int_equal(d.children[1].unit.id, w.o.b1);
	assert_int_equal(d.children[2].unit.id, w.o.b2);
	/* a reads: b1 has one read. */
	x = at(&w, &w.a, 60);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	x = at(&w, &w.cadre, 120);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_int_equal(d.counts.read, 1);
	assert_int_equal(d.children[1].c.read, 1);
	assert_int_equal(d.children[2].c.read, 0);
	assert_int_equal(d.counts.overdue, 0);
	/* Past the deadline, the unread ones are late. */
	x = at(&w, &w.cadre, 4 * 86400);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_int_equal(d.counts.overdue, 2);
	/* At c1, everything is under g1. */
	sent(&w, &w.cadre, form(w.o.c1, "both", &w), &d);
	assert_int_equal(d.nchildren, 1);
	assert_int_equal(d.children[0].unit.id, w.o.g1);
	assert_int_equal(d.children[0].c.recipients, 3);
}

static void
read_once_and_done_counts_once(void **state)
{
	struct world w;
	struct hz_directive_input in;
	struct hz_directive d, d2;
	struct hz_ctx x;
	uint64_t id, plain, photo, pdf, theirs;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	in = form(w.o.g1, "heads", &w);
	in.needs_done = true;
	id = sent(&w, &w.leader, in, &d);
	/* The first look sets read_at; the second keeps it. */
	x = at(&w, &w.a, 100);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_true(d.has_receipt);
	assert_false(d.sender_view);
	assert_non_null(d.receipt.read_at);
	x = at(&w, &w.a, 5000);
	assert_int_equal(hz_directive_get(&x, id, &d2), HZ_OK);
	assert_string_equal(d.receipt.read_at, d2.receipt.read_at);
	/* Done with the recipient's own photo; again: unchanged. */
	photo = upload(&w.b, "photo");
	pdf = upload(&w.b, "pdf");
	theirs = upload(&w.a, "photo");
	x = at(&w, &w.b, 200);
	fx_refused(&x, hz_directive_done(&x, id, "已清理", theirs, &d),
	    HZ_ERR_INVALID, "validation_failed", "photo");
	fx_refused(&x, hz_directive_done(&x, id, "已清理", pdf, &d),
	    HZ_ERR_INVALID, "validation_failed", "photo");
	fx_refused(&x, hz_directive_done(&x, id, "", 0, &d),
	    HZ_ERR_INVALID, "validation_failed", "note");
	assert_int_equal(hz_directive_done(&x, id, "已清理", photo, &d), HZ_OK);
	assert_non_null(d.receipt.done_at);
	assert_non_null(d.receipt.read_at);       /* done is read */
	assert_int_equal(d.receipt.photo, photo);
	x = at(&w, &w.b, 300);
	assert_int_equal(hz_directive_done(&x, id, "再次确认", 0, &d2), HZ_OK);
	assert_string_equal(d2.receipt.done_at, d.receipt.done_at);
	assert_string_equal(d2.receipt.done_note, "已清理");
	assert_int_equal(fx_audits("directive.done", w.b.id, id), 1);
	x = at(&w, &w.leader, 400);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_int_equal(d.counts.read, 2);
	assert_int_equal(d.counts.done, 1);
	/* Not a recipient: 404, whoever sees it. */
	x = at(&w, &w.leader, 400);
	assert_int_equal(hz_directive_done(&x, id, "已清理", 0, &d),
	    HZ_ERR_NOT_FOUND);
	x = at(&w, &w.c, 400);
	assert_int_equal(hz_directive_done(&x, id, "已清理", 0, &d),
	    HZ_ERR_NOT_FOUND);
	/* Only to be read: nothing to confirm. */
	plain = sent(&w, &w.leader, form(w.o.g1, "heads", &w), &d);
	x = at(&w, &w.a, 100);
	fx_refused(&x, hz_directive_done(&x, plain, "已阅", 0, &d),
	    HZ_ERR_CONFLICT, "done_not_needed", NULL);
}

static void
remind_only_the_laggards_once_an_hour(void **state)
{
	struct world w;
	struct hz_directive d;
	struct hz_directive_receipt *v;
	struct hz_receipt_filter f = { "unread", 0 };
	struct hz_page p = { 0, 100 };
	struct hz_ctx x;
	long long reminded, skipped;
	size_t n;
	bool more;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	id = sent(&w, &w.cadre, form(w.o.c1, "both", &w), &d);
	x = at(&w, &w.a, 10);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	/* b and the leader have not read it. */
	x = at(&w, &w.cadre, 20);
	assert_int_equal(hz_directive_remind(&x, id, NULL, &reminded, &skipped),
	    HZ_OK);
	assert_int_equal(reminded, 2);
	assert_int_equal(skipped, 0);
	assert_int_equal(fx_count(&stmts, Q_REMINDS, id), 2);
	assert_int_equal(hz_directive_receipts(&x, id, &f, &p, &v, &n, &more),
	    HZ_OK);
	assert_int_equal(n, 2);
	assert_null(receipt_of(v, n, w.a.id));
	assert_int_equal(receipt_of(v, n, w.b.id)->reminders, 1);
	assert_non_null(receipt_of(v, n, w.b.id)->reminded_at);
	/* Within the hour: skipped. b reads meanwhile. */
	x = at(&w, &w.b, 30);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	x = at(&w, &w.cadre, 3000);
	assert_int_equal(hz_directive_remind(&x, id, "unread", &reminded,
	    &skipped), HZ_OK);
	assert_int_equal(reminded, 0);
	assert_int_equal(skipped, 1);
	assert_int_equal(fx_count(&stmts, Q_REMINDS, id), 2);
	/* An hour later: the leader again, nobody else. */
	x = at(&w, &w.cadre, 20 + 3600);
	assert_int_equal(hz_directive_remind(&x, id, "unread", &reminded,
	    &skipped), HZ_OK);
	assert_int_equal(reminded, 1);
	assert_int_equal(fx_count(&stmts, Q_REMINDS, id), 3);
	/* A recipient who is no sender: 403; someone else: 404. */
	x = at(&w, &w.a, 9000);
	fx_refused(&x, hz_directive_remind(&x, id, NULL, &reminded, &skipped),
	    HZ_ERR_FORBIDDEN, "forbidden", NULL);
	x = at(&w, &w.c, 9000);
	assert_int_equal(hz_directive_remind(&x, id, NULL, &reminded, &skipped),
	    HZ_ERR_NOT_FOUND);
}

static void
who_may_send_where(void **state)
{
	struct world w;
	struct hz_directive_input in;
	struct hz_directive d;
	struct hz_ctx x;
	uint64_t photos[3], pdf;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	/* A leader outside their group: no such unit; a head: forbidden. */
	x = at(&w, &w.leader, 0);
	in = form(w.o.g2, "heads", &w);
	assert_int_equal(hz_directive_send(&x, &in, &d), HZ_ERR_NOT_FOUND);
	in = form(w.o.g1, "heads", &w);
	assert_int_equal(hz_directive_send(&x, &in, &d), HZ_OK);
	x = at(&w, &w.a, 0);
	in = form(w.o.b1, "heads", &w);
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_FORBIDDEN,
	    "forbidden", "unit_id");
	/* Nobody of the audience there: refused, nothing kept. */
	x = at(&w, &w.admin, 0);
	in = form(w.o.c2, "leaders", &w);
	in.title = hz_arena_printf(fx.arena, "无人%s", w.o.tag);
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "no_recipients", "unit_id");
	assert_int_equal(titled(in.title), 0);
	/* Deadlines: not past, not beyond a year. */
	in = form(w.o.c1, "heads", &w);
	in.deadline = w.now - 1;
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "validation_failed", "deadline");
	in.deadline = w.now + 367 * 86400LL;
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "validation_failed", "deadline");
	in = form(w.o.c1, "everyone", &w);
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "validation_failed", "audience");
	/* Files: up to 3 photos or one PDF, the sender's own. */
	for (size_t i = 0; i < 3; i++)
		photos[i] = upload(&w.admin, "photo");
	pdf = upload(&w.admin, "pdf");
	in = form(w.o.c1, "heads", &w);
	memcpy(in.files, photos, sizeof(photos));
	in.nfiles = 3;
	assert_int_equal(hz_directive_send(&x, &in, &d), HZ_OK);
	assert_int_equal(d.nfiles, 3);
	assert_string_equal(d.files[0].kind, "photo");
	in.files[2] = pdf;
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "validation_failed", "files");
	in.files[0] = pdf;
	in.nfiles = 1;
	assert_int_equal(hz_directive_send(&x, &in, &d), HZ_OK);
	assert_string_equal(d.files[0].kind, "pdf");
	in.files[0] = upload(&w.cadre, "photo");
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "validation_failed", "files");
	in.files[0] = in.files[1] = photos[0];
	in.nfiles = 2;
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "validation_failed", "files");
}

static void
who_sees_a_directive(void **state)
{
	struct world w;
	struct hz_directive d;
	struct hz_directive_item *items;
	struct hz_directive_receipt *v;
	struct hz_receipt_filter f = { NULL, 0 };
	struct hz_page p = { 0, 20 };
	struct hz_ctx x;
	long long unread;
	size_t n;
	bool more;
	uint64_t first, second;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	first = sent(&w, &w.cadre, form(w.o.g1, "heads", &w), &d);
	second = sent(&w, &w.cadre, form(w.o.c1, "both", &w), &d);
	/* A head of another cooperative, a recipient-less head: 404. */
	x = at(&w, &w.c, 10);
	assert_int_equal(hz_directive_get(&x, first, &d), HZ_ERR_NOT_FOUND);
	/* The receipts are the senders'. */
	x = at(&w, &w.a, 10);
	fx_refused(&x, hz_directive_receipts(&x, first, &f, &p, &v, &n, &more),
	    HZ_ERR_FORBIDDEN, "forbidden", NULL);
	/* Narrowed to a unit outside the directive's: 404. */
	x = at(&w, &w.cadre, 10);
	f.unit = w.o.b3;
	fx_refused(&x, hz_directive_receipts(&x, first, &f, &p, &v, &n, &more),
	    HZ_ERR_NOT_FOUND, "not_found", "unit");
	f.unit = w.o.b2;
	assert_int_equal(hz_directive_receipts(&x, first, &f, &p, &v, &n,
	    &more), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].user.id, w.b.id);
	/* a's box: newest first, both unread. */
	x = at(&w, &w.a, 20);
	assert_int_equal(hz_directives_list(&x, "received", &p, &items, &n,
	    &more, &unread), HZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(unread, 2);
	assert_int_equal(items[0].d.id, second);
	assert_int_equal(items[1].d.id, first);
	assert_null(items[0].r.read_at);
	/* Paged by one. */
	p.limit = 1;
	assert_int_equal(hz_directives_list(&x, "received", &p, &items, &n,
	    &more, &unread), HZ_OK);
	assert_true(more);
	p.after = items[0].d.id;
	assert_int_equal(hz_directives_list(&x, "received", &p, &items, &n,
	    &more, &unread), HZ_OK);
	assert_int_equal(items[0].d.id, first);
	/* A head has no sent box. */
	p = (struct hz_page){ 0, 20 };
	fx_refused(&x, hz_directives_list(&x, "sent", &p, &items, &n, &more,
	    &unread), HZ_ERR_FORBIDDEN, "forbidden", "box");
	/* The leader's sent box holds what is under g1: the cadre's at g1,
	 * not the one at c1. */
	x = at(&w, &w.leader, 20);
	assert_int_equal(hz_directives_list(&x, "sent", &p, &items, &n, &more,
	    &unread), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].d.id, first);
	assert_int_equal(items[0].c.recipients, 2);
	/* The cadre's: both, newest first. */
	x = at(&w, &w.cadre, 20);
	assert_int_equal(hz_directives_list(&x, "sent", &p, &items, &n, &more,
	    &unread), HZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(items[0].d.id, second);
	assert_int_equal(items[0].c.recipients, 3);
}

static void
corrections_name_one_the_sender_sees(void **state)
{
	struct world w;
	struct hz_directive_input in;
	struct hz_directive d;
	struct hz_ctx x;
	uint64_t first, fix, other;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	first = sent(&w, &w.cadre, form(w.o.c1, "heads", &w), &d);
	in = form(w.o.c1, "heads", &w);
	in.title = "更正：消防通道清理";
	in.corrects_id = first;
	fix = sent(&w, &w.cadre, in, &d);
	assert_int_equal(d.corrects_id, first);
	assert_string_equal(d.corrects_title, "消防通道清理");
	/* The recipient sees the correction on the first one. */
	x = at(&w, &w.a, 10);
	assert_int_equal(hz_directive_get(&x, first, &d), HZ_OK);
	assert_int_equal(d.ncorrections, 1);
	assert_int_equal(d.corrections[0].id, fix);
	/* A leader of g1 does not follow the one at c1; nor does anyone
	 * correct a directive that does not exist. */
	x = at(&w, &w.leader, 10);
	in = form(w.o.g1, "heads", &w);
	in.corrects_id = first;
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "validation_failed", "corrects_id");
	in.corrects_id = fix + 1000000;
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "validation_failed", "corrects_id");
	/* Their own, at g1: fine. */
	other = sent(&w, &w.leader, form(w.o.g1, "heads", &w), &d);
	in.corrects_id = other;
	assert_int_equal(hz_directive_send(&x, &in, &d), HZ_OK);
}

struct csv_buf {
	char  text[8192];
	size_t len;
	int    calls;
};

static enum hz_status
csv_take(void *arg, const char *line, size_t len)
{
	struct csv_buf *b = arg;

	assert_true(b->len + len < sizeof(b->text));
	memcpy(b->text + b->len, line, len);
	b->len += len;
	b->text[b->len] = '\0';
	b->calls++;
	return HZ_OK;
}

static void
receipts_csv_streams_rows(void **state)
{
	struct world w;
	struct hz_directive d;
	struct csv_buf out;
	struct hz_ctx x;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	id = sent(&w, &w.cadre, form(w.o.c1, "both", &w), &d);
	memset(&out, 0, sizeof(out));
	x = at(&w, &w.cadre, 10);
	assert_int_equal(hz_directive_receipts_csv(&x, id, NULL, csv_take,
	    &out), HZ_OK);
	assert_int_equal(out.calls, 4);           /* the header, 3 rows */
	assert_memory_equal(out.text, "\xef\xbb\xbf姓名,", 10);
	assert_non_null(strstr(out.text, "栋长"));
	assert_non_null(strstr(out.text, "户组长"));
	assert_int_equal(fx_audits("directive.receipts_export", w.cadre.id, id),
	    1);
	/* Not the recipient's: nothing written. */
	memset(&out, 0, sizeof(out));
	x = at(&w, &w.a, 10);
	fx_refused(&x, hz_directive_receipts_csv(&x, id, NULL, csv_take, &out),
	    HZ_ERR_FORBIDDEN, "forbidden", NULL);
	assert_int_equal(out.calls, 0);
}

static void
files_are_seen_where_they_are_attached_and_kept(void **state)
{
	struct world w;
	struct hz_directive_input in;
	struct hz_directive d;
	struct hz_ctx x;
	const char *rel;
	unsigned long long purged;
	uint64_t file, photo, stale, id;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	file = upload(&w.cadre, "pdf");
	photo = upload(&w.b, "photo");
	stale = upload(&w.b, "photo");
	in = form(w.o.g1, "heads", &w);
	in.needs_done = true;
	in.files[0] = file;
	in.nfiles = 1;
	id = sent(&w, &w.cadre, in, &d);
	/* The file: its recipients and the senders over g1; not a head
	 * elsewhere. */
	x = at(&w, &w.a, 0);
	assert_int_equal(hz_upload_file(&x, file, false, &rel), HZ_OK);
	assert_string_equal(rel + strlen(rel) - 4, ".pdf");
	x = at(&w, &w.leader, 0);
	assert_int_equal(hz_upload_file(&x, file, false, &rel), HZ_OK);
	x = at(&w, &w.c, 0);
	assert_int_equal(hz_upload_file(&x, file, false, &rel),
	    HZ_ERR_NOT_FOUND);
	/* The evidence: staff reading b2; not c. */
	x = at(&w, &w.b, 10);
	assert_int_equal(hz_directive_done(&x, id, "已办", photo, &d), HZ_OK);
	x = at(&w, &w.leader, 0);
	assert_int_equal(hz_upload_file(&x, photo, false, &rel), HZ_OK);
	x = at(&w, &w.c, 0);
	assert_int_equal(hz_upload_file(&x, photo, false, &rel),
	    HZ_ERR_NOT_FOUND);
	/* A day later, the purge takes the unattached one only. */
	fx_exec(&stmts, Q_AGE, file);
	fx_exec(&stmts, Q_AGE, photo);
	fx_exec(&stmts, Q_AGE, stale);
	for (int i = 0; i < 50 && fx_count(&stmts, Q_UPLOAD_KEPT, stale); i++)
		assert_int_equal(hz_uploads_purge(&fx, &purged), HZ_OK);
	assert_int_equal(fx_count(&stmts, Q_UPLOAD_KEPT, stale), 0);
	assert_int_equal(fx_count(&stmts, Q_UPLOAD_KEPT, file), 1);
	assert_int_equal(fx_count(&stmts, Q_UPLOAD_KEPT, photo), 1);
}

/* A directive that asks for done is late for whoever has not done it,
 * read or not, in the recipient's view, the sender's counts, each child
 * unit and the sent box; the received box's unread counts the unread
 * only; a second confirmation is 200 unchanged, whatever it carries. */
static void
overdue_follows_done_and_unread_counts_the_unread(void **state)
{
	struct world w;
	struct hz_directive_input in;
	struct hz_directive d;
	struct hz_directive_item *items;
	struct hz_directive_receipt *v;
	struct hz_receipt_filter f = { "undone", 0 };
	struct hz_page p = { 0, 20 };
	struct hz_ctx x;
	long long unread, reminded, skipped;
	size_t n;
	bool more;
	uint64_t id, foreign, here;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	in = form(w.o.g1, "heads", &w);
	in.needs_done = true;
	id = sent(&w, &w.leader, in, &d);
	/* a reads it only: nothing unread is left in a's box. */
	x = at(&w, &w.a, 10);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_int_equal(hz_directives_list(&x, "received", &p, &items, &n,
	    &more, &unread), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(unread, 0);
	/* b completes it; again, with a photo not b's: unchanged. */
	x = at(&w, &w.b, 20);
	assert_int_equal(hz_directive_done(&x, id, "已清理", 0, &d), HZ_OK);
	foreign = upload(&w.a, "photo");
	x = at(&w, &w.b, 30);
	assert_int_equal(hz_directive_done(&x, id, "再次确认", foreign, &d),
	    HZ_OK);
	assert_string_equal(d.receipt.done_note, "已清理");
	assert_int_equal(d.receipt.photo, 0);
	/* Undone is a, who read it: the one listed and reminded. */
	x = at(&w, &w.leader, 40);
	assert_int_equal(hz_directive_receipts(&x, id, &f, &p, &v, &n, &more),
	    HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].user.id, w.a.id);
	assert_int_equal(hz_directive_remind(&x, id, NULL, &reminded,
	    &skipped), HZ_OK);
	assert_int_equal(reminded, 1);
	assert_int_equal(skipped, 0);
	/* Past the deadline: a (read, not done) is late, b is not. */
	x = at(&w, &w.a, 4 * 86400);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_true(d.receipt.overdue);
	assert_int_equal(hz_directives_list(&x, "received", &p, &items, &n,
	    &more, &unread), HZ_OK);
	assert_true(items[0].r.overdue);
	x = at(&w, &w.b, 4 * 86400);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_false(d.receipt.overdue);
	x = at(&w, &w.leader, 4 * 86400);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_int_equal(d.counts.read, 2);
	assert_int_equal(d.counts.done, 1);
	assert_int_equal(d.counts.overdue, 1);
	assert_int_equal(d.nchildren, 2);
	assert_int_equal(d.children[0].unit.id, w.o.b1);
	assert_int_equal(d.children[0].c.overdue, 1);
	assert_int_equal(d.children[1].unit.id, w.o.b2);
	assert_int_equal(d.children[1].c.overdue, 0);
	assert_int_equal(hz_directives_list(&x, "sent", &p, &items, &n, &more,
	    &unread), HZ_OK);
	assert_int_equal(items[0].d.id, id);
	assert_int_equal(items[0].c.overdue, 1);
	/* A head reading the directive's building is a recipient, no
	 * sender: no counts, no receipts. */
	here = sent(&w, &w.leader, form(w.o.b1, "heads", &w), &d);
	x = at(&w, &w.a, 50);
	assert_int_equal(hz_directive_get(&x, here, &d), HZ_OK);
	assert_true(d.has_receipt);
	assert_false(d.sender_view);
	fx_refused(&x, hz_directive_receipts(&x, here, NULL, &p, &v, &n,
	    &more), HZ_ERR_FORBIDDEN, "forbidden", NULL);
}


/* Notifications of kind Q_NOTES_TO or Q_REMINDS_TO about directive `id`
 * to user `u`. */
static long long
notes_to(int q, uint64_t id, uint64_t u)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, (size_t)q, HZ_ARGS(
	    HZ_ARG_I64((long long)id), HZ_ARG_I64((long long)u)), &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->i;
}

/* A leader writing to their own group is no recipient of their own
 * directive: to the leaders alone nobody is left; to both, the heads
 * are, and the leader is neither counted nor told. */
static void
the_sender_is_never_a_recipient(void **state)
{
	struct world w;
	struct hz_directive_input in;
	struct hz_directive d;
	struct hz_ctx x;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	x = at(&w, &w.leader, 0);
	in = form(w.o.g1, "leaders", &w);
	in.title = hz_arena_printf(fx.arena, "自己%s", w.o.tag);
	fx_refused(&x, hz_directive_send(&x, &in, &d), HZ_ERR_INVALID,
	    "no_recipients", "unit_id");
	assert_int_equal(titled(in.title), 0);
	in.audience = "both";
	id = sent(&w, &w.leader, in, &d);
	/* a and b, the heads under g1; not the leader. */
	assert_int_equal(d.counts.recipients, 2);
	assert_false(d.has_receipt);
	assert_int_equal(fx_count(&stmts, Q_RECEIPTS, id), 2);
	assert_int_equal(fx_count(&stmts, Q_NOTES, id), 2);
	assert_int_equal(notes_to(Q_NOTES_TO, id, w.leader.id), 0);
	assert_int_equal(notes_to(Q_NOTES_TO, id, w.a.id), 1);
	/* The cadre's to the same group reaches the leader. */
	id = sent(&w, &w.cadre, in, &d);
	assert_int_equal(d.counts.recipients, 3);
	assert_int_equal(notes_to(Q_NOTES_TO, id, w.leader.id), 1);
}

/* Once a send committed, its answer is a success: a read-back that fails
 * is tried again, and when that fails too the answer is made from what
 * was sent; either way the directive exists once. */
static void
a_committed_send_is_answered_as_sent(void **state)
{
	struct world w;
	struct hz_directive_input in;
	struct hz_directive d, g;
	struct hz_ctx x;
	uint64_t first;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	first = sent(&w, &w.cadre, form(w.o.c1, "heads", &w), &d);
	/* One failure: the second read is the real one. */
	in = form(w.o.g1, "both", &w);
	in.title = hz_arena_printf(fx.arena, "重读%s", w.o.tag);
	x = at(&w, &w.cadre, 0);
	hz_db_test_faults(fx.db, DIRECTIVE_FILES_SQL, READ_FAILS, 1, false);
	assert_int_equal(hz_directive_send(&x, &in, &d), HZ_OK);
	assert_int_equal(hz_db_test_faults_left(fx.db), 0);
	assert_int_equal(titled(in.title), 1);
	assert_int_equal(d.counts.recipients, 3);
	assert_int_equal(d.nchildren, 3);
	/* Two: answered from the job, with its files and correction. */
	in.title = hz_arena_printf(fx.arena, "未读回%s", w.o.tag);
	in.needs_done = true;
	in.corrects_id = first;
	in.files[0] = upload(&w.cadre, "photo");
	in.files[1] = upload(&w.cadre, "photo");
	in.nfiles = 2;
	hz_db_test_faults(fx.db, DIRECTIVE_FILES_SQL, READ_FAILS, 2, false);
	assert_int_equal(hz_directive_send(&x, &in, &d), HZ_OK);
	assert_int_equal(hz_db_test_faults_left(fx.db), 0);
	assert_int_equal(titled(in.title), 1);
	assert_true(d.id != 0);
	assert_true(d.sender_view);
	assert_int_equal(d.counts.recipients, 3);
	assert_int_equal(d.counts.read + d.counts.done + d.counts.overdue, 0);
	assert_int_equal(d.nchildren, 0);
	assert_false(d.has_receipt);
	/* Everything else as the directive reads. */
	assert_int_equal(hz_directive_get(&x, d.id, &g), HZ_OK);
	assert_string_equal(d.title, g.title);
	assert_string_equal(d.body, g.body);
	assert_string_equal(d.audience, g.audience);
	assert_int_equal(d.unit.id, g.unit.id);
	assert_string_equal(d.unit.name, g.unit.name);
	assert_string_equal(d.unit.kind, g.unit.kind);
	assert_int_equal(d.sender.id, g.sender.id);
	assert_string_equal(d.sender.name, g.sender.name);
	assert_string_equal(d.deadline, g.deadline);
	assert_string_equal(d.created_at, g.created_at);
	assert_true(d.needs_done);
	assert_int_equal(d.corrects_id, first);
	assert_string_equal(d.corrects_title, g.corrects_title);
	assert_int_equal(d.nfiles, 2);
	assert_int_equal(d.files[1].id, g.files[1].id);
	assert_string_equal(d.files[1].kind, "photo");
	assert_int_equal(g.counts.recipients, 3);
	assert_int_equal(fx_count(&stmts, Q_RECEIPTS, d.id), 3);
}

/* An account disabled after the send is no laggard to remind: neither
 * told nor counted as reminded. */
static void
reminders_skip_disabled_accounts(void **state)
{
	struct world w;
	struct hz_directive d;
	struct hz_ctx x;
	long long reminded, skipped;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	id = sent(&w, &w.cadre, form(w.o.c1, "heads", &w), &d);
	assert_int_equal(d.counts.recipients, 2);
	fx_exec(&stmts, Q_DISABLE, w.b.id);
	x = at(&w, &w.cadre, 10);
	assert_int_equal(hz_directive_remind(&x, id, NULL, &reminded,
	    &skipped), HZ_OK);
	assert_int_equal(reminded, 1);
	assert_int_equal(notes_to(Q_REMINDS_TO, id, w.a.id), 1);
	assert_int_equal(notes_to(Q_REMINDS_TO, id, w.b.id), 0);
	assert_int_equal(fx_count(&stmts, Q_REMINDS, id), 1);
	/* An hour on: a again, b still not. */
	x = at(&w, &w.cadre, 10 + 3600);
	assert_int_equal(hz_directive_remind(&x, id, "unread", &reminded,
	    &skipped), HZ_OK);
	assert_int_equal(reminded, 1);
	assert_int_equal(notes_to(Q_REMINDS_TO, id, w.b.id), 0);
}

/* A directive only to be read is late for whoever has not read it once
 * the deadline passed; a read one is not, though nobody "did" it. */
static void
only_to_read_is_late_when_unread(void **state)
{
	struct world w;
	struct hz_directive d;
	struct hz_directive_receipt *v;
	struct hz_page p = { 0, 100 };
	struct hz_ctx x;
	size_t n;
	bool more;
	uint64_t id;

	(void)state;
	FX_NEED_DB();
	world_new(&w);
	id = sent(&w, &w.cadre, form(w.o.c1, "heads", &w), &d);
	assert_false(d.needs_done);
	x = at(&w, &w.a, 10);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_false(d.receipt.overdue);
	/* Past the deadline: a read it, b did not. */
	x = at(&w, &w.a, 4 * 86400);
	assert_int_equal(hz_directive_get(&x, id, &d), HZ_OK);
	assert_false(d.receipt.overdue);
	x = at(&w, &w.cadre, 4 * 86400);
	assert_int_equal(hz_directive_receipts(&x, id, NULL, &p, &v, &n,
	    &more), HZ_OK);
	assert_int_equal(n, 2);
	assert_false(receipt_of(v, n, w.a.id)->overdue);
	assert_true(receipt_of(v, n, w.b.id)->overdue);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(fan_out_one_receipt_per_person),
	cmocka_unit_test(counts_per_child_unit),
	cmocka_unit_test(read_once_and_done_counts_once),
	cmocka_unit_test(remind_only_the_laggards_once_an_hour),
	cmocka_unit_test(who_may_send_where),
	cmocka_unit_test(who_sees_a_directive),
	cmocka_unit_test(corrections_name_one_the_sender_sees),
	cmocka_unit_test(receipts_csv_streams_rows),
	cmocka_unit_test(files_are_seen_where_they_are_attached_and_kept),
	cmocka_unit_test(overdue_follows_done_and_unread_counts_the_unread),
	cmocka_unit_test(the_sender_is_never_a_recipient),
	cmocka_unit_test(a_committed_send_is_answered_as_sent),
	cmocka_unit_test(reminders_skip_disabled_accounts),
	cmocka_unit_test(only_to_read_is_late_when_unread))
