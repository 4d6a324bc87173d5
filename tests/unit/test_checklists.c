/* Monthly checklists against the real database: issuing by the scheduler
 * (once per building with a head), ticking with its photo and note rules,
 * a complaint opened in the same transaction, the summary per child unit
 * worked out by hand, reminders once an hour, and the staff home's
 * counts. Each test takes a month of its own in the future (2030 to
 * 2036, round and round, cleared before it is taken again), so reruns on
 * one database never meet an issued template. */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "checklists.h"
#include "complaints.h"
#include "dbfixture.h"
#include "home.h"
#include "uploads.h"
#include "utf8.h"

#define HOUR 3600
#define DAY  86400

enum {
	S_LAST_MONTH, S_UPLOAD, S_CATEGORY, S_NOTIFIED, S_COMPLAINT,
	S_DIRECTIVE, S_RECEIPT, S_DISABLE, S_LISTS_AT, S_AGE, S_UPLOAD_KEPT,
	S_CLEAR_ENTRIES, S_CLEAR_LISTS, S_CLEAR_ITEMS, S_CLEAR_TEMPLATE,
	S_PDF, S_REMIND_TEXT,
	S__MAX
};
static const char *const sql[S__MAX] = {
	/* The month a test took last (the newest template of the tests'
	 * years). */
	[S_LAST_MONTH] =
	    "SELECT COALESCE(MAX(month), '2029-12') FROM (SELECT month"
	    " FROM checklist_templates WHERE month >= '2030-01'"
	    " AND month < '2037-01' AND ? > 0 ORDER BY id DESC LIMIT 1) t",
	[S_UPLOAD] =
	    "INSERT INTO uploads (user_id, sha256, width, height, bytes)"
	    " VALUES (?, REPEAT('a', 64), 10, 10, 100)",
	/* What an earlier run left in a month taken again. */
	[S_CLEAR_ENTRIES] =
	    "DELETE e FROM checklist_entries e JOIN checklists c"
	    " ON c.id = e.checklist_id WHERE c.month = ?",
	[S_CLEAR_LISTS] = "DELETE FROM checklists WHERE month = ?",
	[S_CLEAR_ITEMS] =
	    "DELETE i FROM checklist_template_items i JOIN checklist_templates t"
	    " ON t.id = i.template_id WHERE t.month = ?",
	[S_CLEAR_TEMPLATE] = "DELETE FROM checklist_templates WHERE month = ?",
	[S_PDF] =
	    "INSERT INTO uploads (user_id, kind, sha256, width, height, bytes)"
	    " VALUES (?, 'pdf', REPEAT('b', 64), 0, 0, 100)",
	[S_REMIND_TEXT] =
	    "SELECT text FROM notifications WHERE user_id = ?"
	    " AND kind = 'checklist.remind' ORDER BY id DESC LIMIT 1",
	[S_CATEGORY] =
	    "SELECT id FROM complaint_categories WHERE code = 'noise' AND ? > 0",
	[S_NOTIFIED] =
	    "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?",
	[S_COMPLAINT] =
	    "SELECT building_id, text, user_id FROM complaints WHERE id = ?",
	[S_DIRECTIVE] =
	    "INSERT INTO directives (unit_id, unit_path, audience, title, body,"
	    " deadline, needs_done, sender_id, recipients, created_at)"
	    " SELECT id, path, 'heads', '测试通知', '内容', NOW(3) + INTERVAL 1 DAY,"
	    " ?, ?, 1, NOW(3) FROM units WHERE id = ?",
	[S_RECEIPT] =
	    "INSERT INTO directive_receipts (directive_id, user_id, role,"
	    " unit_id, unit_path, read_at)"
	    " SELECT ?, ?, 'building_head', id, path, IF(?, NOW(3), NULL)"
	    " FROM units WHERE id = ?",
	[S_DISABLE] = "UPDATE users SET disabled = 1 WHERE id = ?",
	[S_LISTS_AT] = "SELECT COUNT(*) FROM checklists WHERE building_id = ?",
	[S_AGE] = "UPDATE uploads SET created_at = NOW(3) - INTERVAL 2 DAY"
	    " WHERE id = ?",
	[S_UPLOAD_KEPT] = "SELECT COUNT(*) FROM uploads WHERE id = ?",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_checklists",
    sql);

/* The month after the one the last test took, from 2030-01 to 2036-12
 * and round again, cleared of what an earlier run left there; *now is
 * 08:00 on its first day, Shanghai. */
static const char *
fresh_month(time_t *now)
{
	static const int clear[] = { S_CLEAR_ENTRIES, S_CLEAR_LISTS,
	    S_CLEAR_ITEMS, S_CLEAR_TEMPLATE };
	struct hz_db_result r;
	struct tm tm = { 0 };
	const char *month;
	int y, m;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_LAST_MONTH,
	    HZ_ARGS(HZ_ARG_I64(1)), &r), HZ_OK);
	y = atoi(HZ_CELL(&r, 0, 0)->s);
	m = atoi(HZ_CELL(&r, 0, 0)->s + 5) + 1;
	if (m == 13) {
		y++;
		m = 1;
	}
	if (y > 2036)
		y = 2030;
	month = hz_arena_printf(fx.arena, "%04d-%02d", y, m);
	for (size_t i = 0; i < sizeof(clear) / sizeof(clear[0]); i++)
		assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts,
		    (size_t)clear[i], HZ_ARGS(HZ_ARG_STR(month)), NULL), HZ_OK);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 1;
	*now = timegm(&tm);     /* 00:00 UTC is 08:00 in Shanghai */
	return month;
}

/* The template of `month`: three items, the first and third needing a
 * photo; written by the operator (no caller) at `now`. */
static void
template_put(const char *month, time_t now)
{
	struct hz_checklist_template_input in = { .title = "月度安全巡查",
	    .nitems = 3, .items = {
		{ .title = "消防器材检查", .photo_required = true,
		  .hint = "灭火器压力表在绿区" },
		{ .title = "出租屋登记核对" },
		{ .title = "楼道卫生", .photo_required = true },
	} };
	struct hz_checklist_template t;
	struct hz_ctx x = fx_as(NULL);
	bool created;

	x.now = now;
	assert_int_equal(hz_checklist_template_put(&x, month, &in, &t,
	    &created), HZ_OK);
	assert_true(created);
	assert_int_equal(t.nitems, 3);
}

static unsigned long long
issue(time_t now, unsigned long long *entries)
{
	unsigned long long n[3] = { 0 };
	struct hz_ctx x = fx_as(NULL);

	x.now = now;
	assert_int_equal(hz_checklists_issue(&x, n), HZ_OK);
	if (entries)
		*entries = n[1];
	return n[0];
}

/* The caller's lists of `month` (all on one page). */
static size_t
lists_of(const struct hz_caller *who, const char *month, uint64_t unit,
         time_t now, struct hz_checklist **out)
{
	struct hz_checklist_filter f = { .month = month, .unit = unit };
	struct hz_page page = { 0, 100 };
	struct hz_ctx x = fx_as(who);
	size_t n;
	bool more;

	x.now = now;
	assert_int_equal(hz_checklists_list(&x, &f, &page, out, &n, &more),
	    HZ_OK);
	return n;
}

/* The list of `building` the caller sees in `month`, or 0. */
static uint64_t
list_at(const struct hz_caller *who, const char *month, uint64_t building,
        time_t now)
{
	struct hz_checklist *c;
	size_t n = lists_of(who, month, 0, now, &c);

	for (size_t i = 0; i < n; i++)
		if (c[i].building_id == building)
			return c[i].id;
	return 0;
}

static enum hz_status
tick(const struct hz_caller *who, uint64_t id, int position,
     const char *status, const char *note, uint64_t photo, time_t now,
     struct hz_checklist *out, struct hz_ctx *xo)
{
	struct hz_checklist_tick t = { .status = status, .note = note,
	    .photo = photo };

	*xo = fx_as(who);
	xo->now = now;
	return hz_checklist_tick(xo, id, position, &t, out);
}

static void
ticked(const struct hz_caller *who, uint64_t id, int position,
       const char *status, const char *note, uint64_t photo, time_t now,
       struct hz_checklist *out)
{
	struct hz_ctx x;

	assert_int_equal(tick(who, id, position, status, note, photo, now,
	    out, &x), HZ_OK);
}

static uint64_t
upload_of(const struct hz_caller *who)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_UPLOAD,
	    HZ_ARGS(HZ_ARG_I64((long long)who->id)), &r), HZ_OK);
	return r.insert_id;
}

static uint64_t
pdf_of(const struct hz_caller *who)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_PDF,
	    HZ_ARGS(HZ_ARG_I64((long long)who->id)), &r), HZ_OK);
	return r.insert_id;
}

/* `n` times the character `c` (UTF-8). */
static const char *
repeated(const char *c, size_t n)
{
	size_t len = strlen(c);
	char *s = hz_arena_alloc(fx.arena, n * len + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, c, len);
	s[n * len] = '\0';
	return s;
}

/* The text of the last reminder `user` got about their lists. */
static const char *
remind_text(uint64_t user)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_REMIND_TEXT,
	    HZ_ARGS(HZ_ARG_I64((long long)user)), &r), HZ_OK);
	assert_int_equal(r.nrows, 1);
	return HZ_CELL(&r, 0, 0)->s;
}

static long long
notified(uint64_t user, const char *kind)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_NOTIFIED,
	    HZ_ARGS(HZ_ARG_I64((long long)user), HZ_ARG_STR(kind)), &r),
	    HZ_OK);
	return HZ_CELL(&r, 0, 0)->i;
}

static void
lists_are_issued_once_per_building_with_a_head(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller head2, gone;
	struct hz_checklist *c, d;
	struct hz_ctx x;
	unsigned long long entries;
	time_t now;
	const char *month;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	/* b3's only head is disabled: b3 has no head to issue to. */
	assert_int_equal(fx_staff(&gone, HZ_ROLE_BUILDING_HEAD, o.b3), HZ_OK);
	fx_exec(&stmts, S_DISABLE, gone.id);
	month = fresh_month(&now);
	/* No template yet: nothing to issue. */
	assert_int_equal(issue(now, NULL), 0);
	template_put(month, now);
	assert_true(issue(now, &entries) >= 1);
	assert_true(entries >= 3);
	/* b1 has a head, b2 and b3 none: the leader of g1 sees one list. */
	assert_int_equal(lists_of(&k.leader, month, o.g1, now, &c), 1);
	assert_int_equal(c[0].building_id, o.b1);
	assert_int_equal(c[0].items, 3);
	assert_int_equal(c[0].items_done, 0);
	assert_false(c[0].overdue);
	assert_string_equal(c[0].title, "月度安全巡查");
	assert_string_equal(c[0].month, month);
	/* Due at the end of the month's last day, Shanghai. */
	assert_non_null(strstr(c[0].due_at, "T23:59:59.999+08:00"));
	x = fx_as(&k.head);
	assert_int_equal(hz_checklist_get(&x, c[0].id, &d), HZ_OK);
	assert_int_equal(d.nentries, 3);
	assert_string_equal(d.entries[0].title, "消防器材检查");
	assert_true(d.entries[0].photo_required);
	assert_string_equal(d.entries[1].status, "open");
	assert_int_equal(notified(k.head.id, "checklist.new"), 1);
	/* The same run again makes nothing and tells nobody twice. */
	assert_int_equal(issue(now, &entries), 0);
	assert_int_equal(entries, 0);
	assert_int_equal(issue(now + 3 * DAY, NULL), 0);
	assert_int_equal(notified(k.head.id, "checklist.new"), 1);
	assert_int_equal(lists_of(&k.leader, month, o.g1, now, &c), 1);
	/* A head named at b2 later in the month gets theirs at the next
	 * run; b3 still has none. */
	assert_int_equal(fx_staff(&head2, HZ_ROLE_BUILDING_HEAD, o.b2), HZ_OK);
	assert_true(issue(now + 10 * DAY, NULL) >= 1);
	assert_int_equal(lists_of(&k.leader, month, o.g1, now, &c), 2);
	assert_int_equal(c[1].building_id, o.b2);
	assert_int_equal(lists_of(&k.cadre, month, 0, now, &c), 2);
	{
		struct hz_checklist_filter f = { .month = month, .unit = o.c2 };
		struct hz_page page = { 0, 100 };
		size_t n;
		bool more;

		/* Another cooperative is out of the cadre's sight. */
		x = fx_as(&k.cadre);
		assert_int_equal(hz_checklists_list(&x, &f, &page, &c, &n,
		    &more), HZ_ERR_NOT_FOUND);
	}
	assert_int_equal(notified(head2.id, "checklist.new"), 1);
	/* The heads told before are not told again; the disabled one never. */
	assert_int_equal(notified(k.head.id, "checklist.new"), 1);
	assert_int_equal(fx_count(&stmts, S_LISTS_AT, o.b3), 0);
	assert_int_equal(notified(gone.id, "checklist.new"), 0);
	/* A head sees their own building's list only. */
	assert_int_equal(lists_of(&head2, month, 0, now, &c), 1);
	assert_int_equal(c[0].building_id, o.b2);
	assert_int_equal(fx_audits("checklist.issue", 0, 0) >= 1, 1);
}

static void
templates_are_for_this_month_on_and_fixed_once_issued(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller admin;
	struct hz_checklist_template_input in = { .title = "十二月清单",
	    .nitems = 1, .items = { { .title = "消防器材检查",
	    .photo_required = true } } };
	struct hz_checklist_template t, *all;
	struct hz_ctx x;
	size_t n;
	bool created, more;
	time_t now;
	const char *month, *before;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	month = fresh_month(&now);
	before = hz_arena_printf(fx.arena, "%.4s-%02d", month,
	    atoi(month + 5) - 1);
	x = fx_as(&admin);
	x.now = now;
	/* Last month is over: 422 on month. */
	if (atoi(month + 5) > 1)
		fx_refused(&x, hz_checklist_template_put(&x, before, &in, &t,
		    &created), HZ_ERR_INVALID, "validation_failed", "month");
	fx_refused(&x, hz_checklist_template_put(&x, "2030-13", &in, &t,
	    &created), HZ_ERR_INVALID, "validation_failed", "month");
	fx_refused(&x, hz_checklist_template_put(&x, "2030-1-", &in, &t,
	    &created), HZ_ERR_INVALID, "validation_failed", "month");
	fx_refused(&x, hz_checklist_template_put(&x, "203-012", &in, &t,
	    &created), HZ_ERR_INVALID, "validation_failed", "month");
	/* Only the admin writes them. */
	x = fx_as(&k.cadre);
	x.now = now;
	assert_int_equal(hz_checklist_template_put(&x, month, &in, &t,
	    &created), HZ_ERR_FORBIDDEN);
	x = fx_as(&admin);
	x.now = now;
	in.nitems = 0;
	fx_refused(&x, hz_checklist_template_put(&x, month, &in, &t,
	    &created), HZ_ERR_INVALID, "validation_failed", "items");
	in.nitems = 1;
	assert_int_equal(hz_checklist_template_put(&x, month, &in, &t,
	    &created), HZ_OK);
	assert_true(created);
	assert_int_equal(t.revision, 0);
	assert_null(t.issued_at);
	/* Edited before it is issued: the same template, a new revision. */
	in.title = "十二月安全清单";
	in.nitems = 2;
	in.items[1].title = "楼道卫生";
	assert_int_equal(hz_checklist_template_put(&x, month, &in, &t,
	    &created), HZ_OK);
	assert_false(created);
	assert_int_equal(t.revision, 1);
	assert_int_equal(t.nitems, 2);
	assert_string_equal(t.items[1].title, "楼道卫生");
	assert_true(t.items[0].photo_required);
	assert_false(t.items[1].photo_required);
	assert_int_equal(fx_audits("checklist_template.update", admin.id,
	    t.id), 1);
	/* Staff read it; the list has it first (newest month). */
	x = fx_as(&k.head);
	assert_int_equal(hz_checklist_template_get(&x, month, &t), HZ_OK);
	assert_string_equal(t.title, "十二月安全清单");
	assert_int_equal(hz_checklist_templates_list(&x, NULL, 100, &all, &n,
	    &more), HZ_OK);
	assert_true(n >= 1);
	assert_int_equal(hz_checklist_template_get(&x, "2036-99", &t),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&k.r);
	assert_int_equal(hz_checklist_template_get(&x, month, &t),
	    HZ_ERR_FORBIDDEN);
	/* Issued: fixed from then on. */
	assert_true(issue(now, NULL) >= 1);
	x = fx_as(&admin);
	x.now = now;
	fx_refused(&x, hz_checklist_template_put(&x, month, &in, &t,
	    &created), HZ_ERR_CONFLICT, "template_issued", NULL);
}

static void
ticking_needs_photos_and_notes_where_the_item_says(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller head3;
	struct hz_checklist c;
	struct hz_ctx x;
	struct hz_db_result r;
	uint64_t id, mine, theirs, category, complaint;
	time_t now;
	const char *month;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head3, HZ_ROLE_BUILDING_HEAD, o.b3), HZ_OK);
	month = fresh_month(&now);
	template_put(month, now);
	issue(now, NULL);
	now += 2 * DAY;
	assert_true((id = list_at(&k.head, month, o.b1, now)) != 0);
	mine = upload_of(&k.head);
	theirs = upload_of(&head3);
	/* Item 1 needs a photo. */
	fx_refused(&x, tick(&k.head, id, 1, "ok", NULL, 0, now, &c, &x),
	    HZ_ERR_INVALID, "validation_failed", "photo");
	assert_string_equal(fx_why.message,
	    "这一项需要拍照：请先拍一张现场照片");
	/* Someone else's photo is not the caller's to attach; a PDF of
	 * theirs is no photo. */
	fx_refused(&x, tick(&k.head, id, 1, "ok", NULL, theirs, now, &c, &x),
	    HZ_ERR_INVALID, "validation_failed", "photo");
	fx_refused(&x, tick(&k.head, id, 1, "ok", NULL, pdf_of(&k.head), now,
	    &c, &x), HZ_ERR_INVALID, "validation_failed", "photo");
	ticked(&k.head, id, 1, "ok", NULL, mine, now, &c);
	assert_int_equal(c.items_done, 1);
	assert_string_equal(c.entries[0].status, "ok");
	assert_int_equal(c.entries[0].photo, mine);
	assert_int_equal(c.entries[0].done_by, k.head.id);
	assert_non_null(c.entries[0].done_at);
	/* Item 2 needs none; the same tick again changes nothing. */
	ticked(&k.head, id, 2, "ok", NULL, 0, now, &c);
	assert_int_equal(c.items_done, 2);
	ticked(&k.head, id, 2, "ok", NULL, 0, now, &c);
	assert_int_equal(fx_audits("checklist.tick", k.head.id, id), 2);
	/* A problem needs a note. */
	fx_refused(&x, tick(&k.head, id, 2, "problem", NULL, 0, now, &c, &x),
	    HZ_ERR_INVALID, "validation_failed", "note");
	fx_refused(&x, tick(&k.head, id, 2, "problem", "", 0, now, &c, &x),
	    HZ_ERR_INVALID, "validation_failed", "note");
	/* Another head's list does not exist for them; nor does an item
	 * past the end. */
	assert_int_equal(tick(&head3, id, 2, "ok", NULL, 0, now, &c, &x),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(tick(&head3, id, 2, "problem", "不是我的楼", 0, now,
	    &c, &x), HZ_ERR_NOT_FOUND);
	assert_int_equal(tick(&head3, id, 1, "open", NULL, 0, now, &c, &x),
	    HZ_ERR_NOT_FOUND);
	/* ... and left the list as it was. */
	x = fx_as(&k.head);
	assert_int_equal(hz_checklist_get(&x, id, &c), HZ_OK);
	assert_string_equal(c.entries[0].status, "ok");
	assert_int_equal(c.entries[0].photo, mine);
	assert_string_equal(c.entries[1].status, "ok");
	assert_null(c.entries[1].note);
	assert_int_equal(c.entries[1].done_by, k.head.id);
	assert_int_equal(c.items_done, 2);
	assert_int_equal(c.problems, 0);
	x = fx_as(&head3);
	assert_int_equal(hz_checklist_get(&x, id, &c), HZ_ERR_NOT_FOUND);
	assert_int_equal(tick(&k.station, id, 2, "ok", NULL, 0, now, &c, &x),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(tick(&k.head, id, 4, "ok", NULL, 0, now, &c, &x),
	    HZ_ERR_NOT_FOUND);
	/* A problem with a complaint: filed at the building in the same
	 * transaction, with the item's title and the note. */
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_CATEGORY,
	    HZ_ARGS(HZ_ARG_I64(1)), &r), HZ_OK);
	category = HZ_ID(HZ_CELL(&r, 0, 0));
	{
		struct hz_checklist_tick t = { .status = "ok",
		    .complaint_category = category, .photo = mine };

		x = fx_as(&k.head);
		x.now = now;
		fx_refused(&x, hz_checklist_tick(&x, id, 3, &t, &c),
		    HZ_ERR_INVALID, "validation_failed", "complaint");
		t.status = "problem";
		t.note = "三楼楼道堆满杂物";
		t.complaint_category = 999999999;
		fx_refused(&x, hz_checklist_tick(&x, id, 3, &t, &c),
		    HZ_ERR_INVALID, "validation_failed", "complaint");
		t.complaint_category = category;
		assert_int_equal(hz_checklist_tick(&x, id, 3, &t, &c), HZ_OK);
	}
	assert_string_equal(c.entries[2].status, "problem");
	assert_string_equal(c.entries[2].note, "三楼楼道堆满杂物");
	assert_true((complaint = c.entries[2].complaint_id) != 0);
	assert_int_equal(c.problems, 1);
	assert_int_equal(c.items_done, 3);
	assert_non_null(c.completed_at);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_COMPLAINT,
	    HZ_ARGS(HZ_ARG_I64((long long)complaint)), &r), HZ_OK);
	assert_int_equal(HZ_ID(HZ_CELL(&r, 0, 0)), o.b1);
	assert_string_equal(HZ_CELL(&r, 0, 1)->s, "楼道卫生：三楼楼道堆满杂物");
	assert_int_equal(HZ_ID(HZ_CELL(&r, 0, 2)), k.head.id);
	{
		struct hz_complaint cc;

		/* The group leader owns it and sees the photo. */
		x = fx_as(&k.leader);
		assert_int_equal(hz_complaint_get(&x, complaint, &cc), HZ_OK);
		assert_int_equal(cc.handler_id, k.leader.id);
		assert_int_equal(cc.nphotos, 1);
		assert_int_equal(cc.photos[0], mine);
	}
	{
		struct hz_checklist_tick t = { .status = "problem",
		    .note = "三楼楼道堆满杂物", .photo = mine,
		    .complaint_category = category };

		/* The same problem sent again: its complaint is opened once. */
		x = fx_as(&k.head);
		x.now = now;
		assert_int_equal(hz_checklist_tick(&x, id, 3, &t, &c), HZ_OK);
		assert_int_equal(c.entries[2].complaint_id, complaint);
	}
	/* Open again (the photo sent along or not): no longer done, no
	 * longer complete; the complaint stays where it was filed. */
	ticked(&k.leader, id, 3, "open", NULL, mine, now, &c);
	assert_int_equal(c.items_done, 2);
	assert_int_equal(c.problems, 0);
	assert_null(c.completed_at);
	assert_null(c.entries[2].done_by_name);
	/* What was said and shown goes with it. */
	assert_null(c.entries[2].note);
	assert_int_equal(c.entries[2].photo, 0);
	assert_int_equal(c.entries[2].complaint_id, complaint);
	/* A resident reads no list. */
	x = fx_as(&k.r);
	assert_int_equal(hz_checklist_get(&x, id, &c), HZ_ERR_NOT_FOUND);
}

/* A complaint opened from an entry says "<item>：<note>" and keeps the
 * complaint rule (5 to 500 characters): the note is refused, saying how
 * long it may be, before anything is kept; the on-duty filing checks the
 * rule itself too. */
static void
a_complaint_from_an_entry_keeps_the_length_rule(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_checklist c;
	struct hz_ctx x;
	struct hz_db_result r;
	uint64_t id, category, complaint;
	time_t now;
	const char *month;
	/* "出租屋登记核对" and "：" leave 500 - 8 for the note. */
	struct hz_checklist_tick t = { .status = "problem" };

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	month = fresh_month(&now);
	template_put(month, now);
	issue(now, NULL);
	now += DAY;
	assert_true((id = list_at(&k.head, month, o.b1, now)) != 0);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_CATEGORY,
	    HZ_ARGS(HZ_ARG_I64(1)), &r), HZ_OK);
	category = HZ_ID(HZ_CELL(&r, 0, 0));
	t.complaint_category = category;
	x = fx_as(&k.head);
	x.now = now;
	t.note = repeated("杂", 499);
	fx_refused(&x, hz_checklist_tick(&x, id, 2, &t, &c), HZ_ERR_INVALID,
	    "validation_failed", "note");
	assert_non_null(strstr(fx_why.message, "492"));
	t.note = repeated("杂", 493);
	fx_refused(&x, hz_checklist_tick(&x, id, 2, &t, &c), HZ_ERR_INVALID,
	    "validation_failed", "note");
	/* Nothing was kept: the item is still open. */
	assert_int_equal(hz_checklist_get(&x, id, &c), HZ_OK);
	assert_string_equal(c.entries[1].status, "open");
	/* Without a complaint the note may be 499 long... */
	t.complaint_category = 0;
	t.note = repeated("杂", 499);
	assert_int_equal(hz_checklist_tick(&x, id, 2, &t, &c), HZ_OK);
	assert_int_equal(c.entries[1].complaint_id, 0);
	/* ... with one, 492 makes a complaint of 500. */
	t.complaint_category = category;
	t.note = repeated("杂", 492);
	assert_int_equal(hz_checklist_tick(&x, id, 2, &t, &c), HZ_OK);
	assert_true((complaint = c.entries[1].complaint_id) != 0);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_COMPLAINT,
	    HZ_ARGS(HZ_ARG_I64((long long)complaint)), &r), HZ_OK);
	assert_int_equal(hz_utf8_count(HZ_CELL(&r, 0, 1)->s,
	    strlen(HZ_CELL(&r, 0, 1)->s)), 500);
	/* Filed on duty directly: the same rule, on the note. */
	fx_refused(&x, hz_complaint_file_on_duty(&x, o.b1, category,
	    repeated("杂", 501), 0, &complaint), HZ_ERR_INVALID,
	    "validation_failed", "note");
	fx_refused(&x, hz_complaint_file_on_duty(&x, o.b1, category, "有问题",
	    0, &complaint), HZ_ERR_INVALID, "validation_failed", "note");
}

/* The counts of one child in a summary. */
static const struct hz_checklist_counts *
child(const struct hz_checklist_summary *s, uint64_t unit)
{
	for (size_t i = 0; i < s->nchildren; i++)
		if (s->children[i].unit_id == unit)
			return &s->children[i];
	fail_msg("no child %llu", (unsigned long long)unit);
	return NULL;
}

static void
the_summary_counts_each_child_unit(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller head2, head3;
	struct hz_checklist_summary s;
	const struct hz_checklist_counts *g;
	struct hz_checklist c;
	struct hz_ctx x;
	uint64_t l1, l2, photo;
	time_t now;
	const char *month;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head2, HZ_ROLE_BUILDING_HEAD, o.b2), HZ_OK);
	assert_int_equal(fx_staff(&head3, HZ_ROLE_BUILDING_HEAD, o.b3), HZ_OK);
	month = fresh_month(&now);
	template_put(month, now);
	issue(now, NULL);
	l1 = list_at(&k.head, month, o.b1, now);
	l2 = list_at(&head2, month, o.b2, now);
	/* b1: all three, one a problem (complete). b2: one of three. b3:
	 * none. */
	photo = upload_of(&k.head);
	ticked(&k.head, l1, 1, "ok", NULL, photo, now, &c);
	ticked(&k.head, l1, 2, "problem", "登记信息与实际不符", 0, now, &c);
	ticked(&k.head, l1, 3, "ok", NULL, photo, now, &c);
	ticked(&head2, l2, 2, "ok", NULL, 0, now, &c);
	x = fx_as(&k.cadre);
	x.now = now + DAY;
	assert_int_equal(hz_checklist_summary(&x, o.c1, month, &s), HZ_OK);
	assert_string_equal(s.month, month);
	assert_int_equal(s.total.unit_id, o.c1);
	/* c1 holds g1 only: 2 lists, 1 complete, 6 items, 3 + 1 done, one
	 * problem, none overdue yet. */
	assert_int_equal(s.nchildren, 1);
	g = child(&s, o.g1);
	assert_int_equal(g->lists, 2);
	assert_int_equal(g->completed, 1);
	assert_int_equal(g->items, 6);
	assert_int_equal(g->items_done, 4);
	assert_int_equal(g->problems, 1);
	assert_int_equal(g->overdue, 0);
	assert_int_equal(s.total.lists, 2);
	assert_int_equal(s.total.items_done, 4);
	/* The group's children are its buildings, with their lists. */
	x = fx_as(&k.leader);
	x.now = now + 40 * DAY;
	assert_int_equal(hz_checklist_summary(&x, o.g1, month, &s), HZ_OK);
	assert_int_equal(s.nchildren, 2);
	assert_int_equal(child(&s, o.b1)->checklist_id, l1);
	assert_int_equal(child(&s, o.b2)->checklist_id, l2);
	assert_int_equal(child(&s, o.b2)->items_done, 1);
	/* The month is over: b2's list is overdue, b1's is not. */
	assert_int_equal(child(&s, o.b1)->overdue, 0);
	assert_int_equal(child(&s, o.b2)->overdue, 1);
	assert_int_equal(s.total.overdue, 1);
	/* The head reads only their building: the group is not theirs. */
	x = fx_as(&k.head);
	assert_int_equal(hz_checklist_summary(&x, o.g1, month, &s),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_checklist_summary(&x, 0, month, &s), HZ_OK);
	assert_int_equal(s.total.unit_id, o.b1);
	assert_int_equal(s.total.lists, 1);
	assert_int_equal(s.total.checklist_id, l1);
	assert_int_equal(s.nchildren, 0);
	x = fx_as(&k.cadre);
	fx_refused(&x, hz_checklist_summary(&x, o.c1, "2030-1x", &s),
	    HZ_ERR_INVALID, "validation_failed", "month");
}

static void
reminders_go_to_incomplete_lists_once_an_hour(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller head2;
	struct hz_checklist c;
	struct hz_ctx x;
	uint64_t l1, photo;
	long long n;
	time_t now;
	const char *month, *text;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head2, HZ_ROLE_BUILDING_HEAD, o.b2), HZ_OK);
	month = fresh_month(&now);
	template_put(month, now);
	issue(now, NULL);
	l1 = list_at(&k.head, month, o.b1, now);
	photo = upload_of(&k.head);
	ticked(&k.head, l1, 1, "ok", NULL, photo, now, &c);
	ticked(&k.head, l1, 2, "ok", NULL, 0, now, &c);
	ticked(&k.head, l1, 3, "ok", NULL, photo, now, &c);
	assert_non_null(c.completed_at);
	/* b1 is done: only b2's head is reminded. */
	x = fx_as(&k.leader);
	x.now = now + 20 * DAY;
	assert_int_equal(hz_checklists_remind(&x, o.g1, month, &n), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(notified(head2.id, "checklist.remind"), 1);
	assert_int_equal(notified(k.head.id, "checklist.remind"), 0);
	/* The text names the month. */
	text = hz_arena_printf(fx.arena, "请尽快完成%d月工作清单：",
	    atoi(month + 5));
	assert_memory_equal(remind_text(head2.id), text, strlen(text));
	/* Within the hour: nobody again. */
	x.now += HOUR - 1;
	assert_int_equal(hz_checklists_remind(&x, o.g1, month, &n), HZ_OK);
	assert_int_equal(n, 0);
	x.now += 1;
	assert_int_equal(hz_checklists_remind(&x, o.g1, month, &n), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(notified(head2.id, "checklist.remind"), 2);
	/* A head may not remind; another cooperative is out of sight. */
	x = fx_as(&k.head);
	assert_int_equal(hz_checklists_remind(&x, o.b1, month, &n),
	    HZ_ERR_FORBIDDEN);
	x = fx_as(&k.leader);
	assert_int_equal(hz_checklists_remind(&x, o.c2, month, &n),
	    HZ_ERR_NOT_FOUND);
	/* A year on, a month long over: named with its year, never "this
	 * month". */
	x.now = now + 400 * DAY;
	assert_int_equal(hz_checklists_remind(&x, o.g1, month, &n), HZ_OK);
	assert_int_equal(n, 1);
	text = hz_arena_printf(fx.arena, "请尽快完成%.4s年%d月工作清单：",
	    month, atoi(month + 5));
	assert_memory_equal(remind_text(head2.id), text, strlen(text));
}

/* A head of several buildings is one person: one text when their lists
 * are issued, one when they are reminded, whatever the count. */
static void
a_head_of_several_buildings_is_told_once(void **state)
{
	struct fx_org o;
	struct hz_caller head, admin;
	struct hz_ctx x = fx_as(NULL);
	uint64_t grant;
	long long n;
	time_t now;
	const char *month;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(hz_role_grant(&x, head.id, HZ_ROLE_BUILDING_HEAD,
	    o.b2, &grant), HZ_OK);
	assert_int_equal(hz_role_grant(&x, head.id, HZ_ROLE_BUILDING_HEAD,
	    o.b3, &grant), HZ_OK);
	assert_int_equal(fx_staff(&admin, HZ_ROLE_ADMIN, fx_root()), HZ_OK);
	month = fresh_month(&now);
	template_put(month, now);
	assert_true(issue(now, NULL) >= 3);
	assert_int_equal(notified(head.id, "checklist.new"), 1);
	x = fx_as(&admin);
	x.now = now + 20 * DAY;
	assert_int_equal(hz_checklists_remind(&x, fx_root(), month, &n), HZ_OK);
	assert_true(n >= 1);
	assert_int_equal(notified(head.id, "checklist.remind"), 1);
}

static const struct hz_todo_list *
todo_list(const struct hz_todo *t, uint64_t id)
{
	for (size_t i = 0; i < t->nlists; i++)
		if (t->lists[i].id == id)
			return &t->lists[i];
	return NULL;
}

static void
the_todo_counts_what_waits_for_the_caller(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r2;
	struct hz_checklist c;
	struct hz_complaint_input in = { .category = "noise",
	    .text = "夜里施工噪音很大" };
	struct hz_complaint cc;
	struct hz_todo t;
	struct hz_db_result r;
	struct hz_ctx x;
	uint64_t l1, d1, d2;
	time_t now;
	const char *month;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	month = fresh_month(&now);
	template_put(month, now);
	issue(now, NULL);
	now += 5 * DAY;
	l1 = list_at(&k.head, month, o.b1, now);
	ticked(&k.head, l1, 2, "ok", NULL, 0, now, &c);
	/* A pending registration at b1 and a complaint about it. */
	fx_registered(&r2, o.b1, NULL);
	in.building = o.b1;
	x = fx_as(&k.r);
	x.now = now;
	assert_int_equal(hz_complaint_submit(&x, &in, &cc), HZ_OK);
	/* Two directives for the head: one unread that needs doing, one
	 * read that needs nothing more. */
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_DIRECTIVE,
	    HZ_ARGS(HZ_ARG_I64(1), HZ_ARG_I64((long long)k.leader.id),
	    HZ_ARG_I64((long long)o.b1)), &r), HZ_OK);
	d1 = r.insert_id;
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_DIRECTIVE,
	    HZ_ARGS(HZ_ARG_I64(0), HZ_ARG_I64((long long)k.leader.id),
	    HZ_ARG_I64((long long)o.b1)), &r), HZ_OK);
	d2 = r.insert_id;
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_RECEIPT,
	    HZ_ARGS(HZ_ARG_I64((long long)d1), HZ_ARG_I64((long long)k.head.id),
	    HZ_ARG_I64(0), HZ_ARG_I64((long long)o.b1)), NULL), HZ_OK);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_RECEIPT,
	    HZ_ARGS(HZ_ARG_I64((long long)d2), HZ_ARG_I64((long long)k.head.id),
	    HZ_ARG_I64(1), HZ_ARG_I64((long long)o.b1)), NULL), HZ_OK);

	x = fx_as(&k.head);
	x.now = now;
	assert_int_equal(hz_todo(&x, &t), HZ_OK);
	assert_int_equal(t.registrations, 1);
	/* Registered on the database's clock, long before this x.now. */
	assert_int_equal(t.registrations_overdue, 1);
	assert_int_equal(t.directives_unread, 1);
	assert_int_equal(t.directives_undone, 1);
	/* The unread one that needs doing waits once, not twice. */
	assert_int_equal(t.directives, 1);
	assert_string_equal(t.month, month);
	assert_int_equal(t.checklist, 2);
	assert_int_equal(t.nlists, 1);
	assert_int_equal(todo_list(&t, l1)->left, 2);
	assert_int_equal(todo_list(&t, l1)->building_id, o.b1);
	assert_int_equal(t.complaints, 1);
	assert_int_equal(t.complaints_overdue, 0);
	/* A day later the complaint has not been answered in time. */
	x.now = now + 3 * DAY;
	assert_int_equal(hz_todo(&x, &t), HZ_OK);
	assert_int_equal(t.complaints_overdue, 1);
	/* The leader of g1 counts the same building's items and lists. */
	x = fx_as(&k.leader);
	x.now = now;
	assert_int_equal(hz_todo(&x, &t), HZ_OK);
	assert_int_equal(t.checklist, 2);
	assert_int_equal(t.directives, 0);
	assert_int_equal(t.registrations, 1);
	/* Next month nothing is issued yet. */
	x.now = now + 40 * DAY;
	assert_int_equal(hz_todo(&x, &t), HZ_OK);
	assert_int_equal(t.checklist, 0);
	assert_int_equal(t.nlists, 0);
	/* A station manager decides and handles nothing. */
	x = fx_as(&k.station);
	assert_int_equal(hz_todo(&x, &t), HZ_OK);
	assert_int_equal(t.registrations + t.checklist + t.complaints, 0);
	x = fx_as(&k.r);
	assert_int_equal(hz_todo(&x, &t), HZ_ERR_FORBIDDEN);
}

/* An entry's photo: seen by staff reading the building, not by a head
 * elsewhere; the purge of forms given up keeps it. */
static void
entry_photos_are_seen_where_the_list_is_and_kept(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller head3;
	struct hz_checklist c;
	struct hz_ctx x;
	const char *rel;
	unsigned long long purged;
	uint64_t l1, photo, stale;
	time_t now;
	const char *month;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head3, HZ_ROLE_BUILDING_HEAD, o.b3), HZ_OK);
	month = fresh_month(&now);
	template_put(month, now);
	issue(now, NULL);
	l1 = list_at(&k.head, month, o.b1, now);
	photo = upload_of(&k.head);
	stale = upload_of(&k.head);
	ticked(&k.head, l1, 1, "ok", NULL, photo, now, &c);
	x = fx_as(&k.leader);
	assert_int_equal(hz_upload_file(&x, photo, false, &rel), HZ_OK);
	x = fx_as(&k.cadre);
	assert_int_equal(hz_upload_file(&x, photo, true, &rel), HZ_OK);
	x = fx_as(&head3);
	assert_int_equal(hz_upload_file(&x, photo, false, &rel),
	    HZ_ERR_NOT_FOUND);
	/* A day later, the purge takes the unattached one only. */
	fx_exec(&stmts, S_AGE, photo);
	fx_exec(&stmts, S_AGE, stale);
	for (int i = 0; i < 50 && fx_count(&stmts, S_UPLOAD_KEPT, stale); i++)
		assert_int_equal(hz_uploads_purge(&fx, &purged), HZ_OK);
	assert_int_equal(fx_count(&stmts, S_UPLOAD_KEPT, stale), 0);
	assert_int_equal(fx_count(&stmts, S_UPLOAD_KEPT, photo), 1);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(lists_are_issued_once_per_building_with_a_head),
	cmocka_unit_test(templates_are_for_this_month_on_and_fixed_once_issued),
	cmocka_unit_test(ticking_needs_photos_and_notes_where_the_item_says),
	cmocka_unit_test(the_summary_counts_each_child_unit),
	cmocka_unit_test(reminders_go_to_incomplete_lists_once_an_hour),
	cmocka_unit_test(a_head_of_several_buildings_is_told_once),
	cmocka_unit_test(the_todo_counts_what_waits_for_the_caller),
	cmocka_unit_test(entry_photos_are_seen_where_the_list_is_and_kept),
	cmocka_unit_test(a_complaint_from_an_entry_keeps_the_length_rule))
