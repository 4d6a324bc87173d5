/* Residence registration against the real database: the form and its
 * refusals, one open registration per person and per document, who sees
 * and decides what, pages, the roster, the counts and the export. */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "dbfixture.h"
#include "scan.h"
#include "tenancies.h"

enum { S_AGE, S_CONSENTS, S_NAME, S_NO_HEAD, S_LEVELS, S_RAW,
	S_RAW_BARE, S__MAX };
static const char *const sql[S__MAX] = {
	/* Older than the landlord's 24 hours. */
	[S_AGE] = "UPDATE tenancies SET created_at = NOW(3) - INTERVAL 25 HOUR"
	    " WHERE id = ?",
	[S_CONSENTS] = "SELECT COUNT(*) FROM consents WHERE user_id = ?"
	    " AND version = '" HZ_POLICY_VERSION "'",
	[S_NAME] = "SELECT display_name FROM users WHERE id = ?",
	/* Two heads at one building, as data from before a grant named the
	 * building's head may hold: the head forgotten before the second
	 * grant (which would otherwise be refused, head_taken). */
	[S_NO_HEAD] = "UPDATE buildings SET head_user_id = NULL"
	    " WHERE unit_id = ?",
	[S_LEVELS] = "SELECT CONCAT(group_id, '/', coop_id) FROM tenancies"
	    " WHERE id = ?",
	/* An ended registration written by hand: user, building, group and
	 * cooperative (NULL: left out). */
	[S_RAW] = "INSERT INTO tenancies (user_id, building_id, group_id,"
	    " coop_id, status, name, id_type, id_sealed, id_index,"
	    " phone_sealed, room, move_in, reason) VALUES (?, ?, ?, ?,"
	    " 'ended', '手写', 'resident_id', 'x', UNHEX(SHA2(UUID(), 256)),"
	    " 'x', '101', '2024-03-01', 'work')",
	/* The same without the two columns: user, building. */
	[S_RAW_BARE] = "INSERT INTO tenancies (user_id, building_id, status,"
	    " name, id_type, id_sealed, id_index, phone_sealed, room, move_in,"
	    " reason) VALUES (?, ?, 'ended', '手写', 'resident_id', 'x',"
	    " UNHEX(SHA2(UUID(), 256)), 'x', '101', '2024-03-01', 'work')",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_tenancies", sql);

static void
decide(const struct hz_caller *c, uint64_t id, enum hz_tenancy_action a,
       const char *reason)
{
	struct hz_ctx x = fx_as(c);

	assert_int_equal(hz_tenancy_decide(&x, id, a, reason), HZ_OK);
}

static const char *
status_of(const struct hz_caller *c, uint64_t id)
{
	struct hz_ctx x = fx_as(c);
	struct hz_tenancy t;

	assert_int_equal(hz_tenancy_get(&x, id, &t, true), HZ_OK);
	return t.status;
}

/* Registers `in` as a new resident; the form must be refused on `field`. */
static void
refused_on(const struct hz_tenancy_input *in, const char *field)
{
	struct hz_caller r;
	struct hz_ctx x;
	uint64_t id = 99;

	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	fx_why = (struct hz_refusal){ 0 };
	fx_refused(&x, hz_tenancy_create(&x, in, &id), HZ_ERR_INVALID,
	    "validation_failed", field);
	assert_int_equal(id, 0);
}

static void
accepted(const struct hz_tenancy_input *in)
{
	struct hz_caller r;
	struct hz_ctx x;
	uint64_t id;

	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_create(&x, in, &id), HZ_OK);
}

/* A valid resident ID number whose check character is X. */
static const char *
id_ending_in_x(void)
{
	const char *n;

	do
		n = fx_id_number();
	while (n[17] != 'X');
	return n;
}

/* yyyy-mm-dd in Shanghai, `days` from the fixture's now. */
static const char *
day(int days)
{
	time_t t = fx.now + 8 * 3600 + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	return hz_arena_printf(fx.arena, "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
}

static void
a_resident_registers_from_the_posted_code(void **state)
{
	struct fx_org o;
	struct hz_caller r;
	struct hz_tenancy_input in;
	struct hz_tenancy t;
	struct hz_ctx x;
	uint64_t id, tid, where;
	const char *number, *status;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	in = fx_form(fx_token(o.b1));
	in.employer = "东巷五金店";
	in.members_json = "[{\"name\":\"李四\",\"relation\":\"配偶\"}]";
	in.members_count = 1;
	number = in.id_number;
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_int_equal(fx_audits("tenancy.create", r.id, id), 1);

	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_OK);
	assert_int_equal(t.id, id);
	assert_int_equal(t.user_id, r.id);
	assert_int_equal(t.building_id, o.b1);
	assert_string_equal(t.building_name, "1号楼");
	assert_string_equal(t.status, "pending");
	assert_string_equal(t.name, "张三");
	assert_string_equal(t.id_type, "resident_id");
	assert_string_equal(t.room, "101");
	assert_string_equal(t.move_in, "2024-03-01");
	assert_string_equal(t.reason, "work");
	assert_string_equal(t.employer, "东巷五金店");
	assert_string_equal(t.members_json, in.members_json);
	assert_false(t.overdue);
	assert_null(t.decided_at);
	/* Masked, never the number itself. */
	assert_int_equal(strlen(t.id_masked), 18);
	assert_memory_equal(t.id_masked, number, 4);
	assert_string_equal(t.id_masked + 14, number + 14);
	assert_string_equal(t.phone_masked, hz_mask_phone(fx.arena, in.phone));
	/* The owner reading their own is no staff read. */
	assert_int_equal(fx_audits("tenancy.read", r.id, id), 0);

	assert_int_equal(hz_tenancy_open_of(&fx, r.id, &tid, &where, &status),
	    HZ_OK);
	assert_int_equal(tid, id);
	assert_int_equal(where, o.b1);
	assert_string_equal(status, "pending");
}

static void
the_form_is_refused_on_the_field_at_fault(void **state)
{
	struct fx_org o;
	struct hz_tenancy_input in;
	char *bad, long_name[40];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	in = fx_form(fx_token(o.b1));
	memset(long_name, 'a', 33);
	long_name[33] = '\0';

#define REFUSED(member, value, field) do { \
	struct hz_tenancy_input f_ = in; \
	f_.id_number = fx_id_number(); \
	f_.member = (value); \
	refused_on(&f_, field); \
} while (0)
	REFUSED(name, "", "name");
	REFUSED(name, NULL, "name");
	REFUSED(name, long_name, "name");
	REFUSED(id_type, "driver_licence", "id_type");
	REFUSED(id_type, NULL, "id_type");
	REFUSED(phone, "12345678901", "phone");
	REFUSED(phone, "1391234567", "phone");
	REFUSED(room, "", "room");
	REFUSED(move_in, "1949-12-31", "move_in");
	REFUSED(move_in, "2024-02-30", "move_in");
	REFUSED(move_in, "2024/03/01", "move_in");
	REFUSED(move_in, day(32), "move_in");
	REFUSED(reason, "holiday", "reason");
	REFUSED(employer, hz_arena_printf(fx.arena, "%s%s%s%s", long_name,
	    long_name, long_name, long_name), "employer");
#undef REFUSED

	/* The ID number: the GB 11643 check character, shape, birth date. */
	struct hz_tenancy_input f = in;
	bad = hz_arena_strdup(fx.arena, fx_id_number());
	bad[17] = bad[17] == '0' ? '1' : '0';
	f.id_number = bad;
	refused_on(&f, "id_number");
	f.id_number = "44010119900101123";         /* 17 characters */
	refused_on(&f, "id_number");
	bad = hz_arena_strdup(fx.arena, "440101209901011230");
	bad[17] = hz_id_check_char(bad);           /* born in 2099 */
	f.id_number = bad;
	refused_on(&f, "id_number");
	f.id_type = "passport";
	f.id_number = "E12";
	refused_on(&f, "id_number");
	f.id_number = hz_arena_printf(fx.arena, "E%08u",
	    (unsigned)randombytes_uniform(100000000));
	accepted(&f);

	/* The move-in window: 1950 up to 31 days ahead, both ends in. */
	f = in;
	f.id_number = fx_id_number();
	f.move_in = "1950-01-01";
	accepted(&f);
	f.id_number = fx_id_number();
	f.move_in = day(31);
	accepted(&f);
}

static void
only_residents_register_from_a_current_code(void **state)
{
	struct fx_org o;
	struct hz_caller head, r;
	struct hz_tenancy_input in;
	struct hz_poster p;
	struct hz_ctx x;
	const char *old;
	char *tok;
	uint64_t id = 99;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	in = fx_form(fx_token(o.b1));

	/* Staff register nobody, not even in their own building. */
	x = fx_as(&head);
	fx_refused(&x, hz_tenancy_create(&x, &in, &id), HZ_ERR_FORBIDDEN,
	    "forbidden", NULL);
	assert_int_equal(id, 0);
	x = fx_as(NULL);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_ERR_UNAUTHORIZED);

	/* Codes: forged, of no building, of a group. */
	in.token = "not-a-code";
	refused_on(&in, "token");
	in.token = "";
	refused_on(&in, "token");
	assert_int_equal(hz_qr_token(fx.arena, &fx_keys.qr, HZ_QR_BUILDING, o.g1, 1, &tok),
	    HZ_OK);
	in.token = tok;
	refused_on(&in, "token");
	assert_int_equal(hz_qr_token(fx.arena, &fx_keys.qr, HZ_QR_BUILDING, 4000000000u, 1,
	    &tok), HZ_OK);
	in.token = tok;
	refused_on(&in, "token");

	/* A rotated poster: the old code is refused as replaced. */
	old = fx_token(o.b1);
	x = fx_as(&head);
	assert_int_equal(hz_building_qr_rotate(&x, o.b1, &p), HZ_OK);
	in.token = old;
	refused_on(&in, "token");
	assert_non_null(strstr(fx_why.message, "已作废"));
	in.token = fx_token(o.b1);
	assert_string_not_equal(in.token, old);
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_string_equal(status_of(&r, id), "pending");
}

static void
one_open_registration_per_person_and_per_document(void **state)
{
	struct fx_org o;
	struct hz_caller r, r2, head;
	struct hz_tenancy_input in;
	struct hz_ctx x;
	uint64_t first, second, id = 99;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_staff(&head, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(fx_resident(&r2), HZ_OK);
	in = fx_form(fx_token(o.b1));
	in.id_number = id_ending_in_x();
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_create(&x, &in, &first), HZ_OK);

	/* The same person again, elsewhere, with another document. */
	struct hz_tenancy_input again = fx_form(fx_token(o.b3));
	fx_refused(&x, hz_tenancy_create(&x, &again, &id), HZ_ERR_CONFLICT,
	    "already_registered", NULL);
	assert_int_equal(id, 0);
	/* Another person with the first one's document. */
	struct hz_tenancy_input same = fx_form(fx_token(o.b2));
	same.id_number = in.id_number;
	x = fx_as(&r2);
	fx_refused(&x, hz_tenancy_create(&x, &same, &id), HZ_ERR_CONFLICT,
	    "id_already_registered", "id_number");
	/* Written in lower case it is still that document. */
	char *lower = hz_arena_strdup(fx.arena, in.id_number);
	lower[17] = 'x';
	same.id_number = lower;
	fx_refused(&x, hz_tenancy_create(&x, &same, &id), HZ_ERR_CONFLICT,
	    "id_already_registered", "id_number");

	/* Rejected, the registration is closed: both may go ahead. */
	decide(&head, first, HZ_TENANCY_REJECT, "证件照片不清楚");
	assert_int_equal(hz_tenancy_create(&x, &same, &second), HZ_OK);
	x = fx_as(&r);
	again.id_number = fx_id_number();
	assert_int_equal(hz_tenancy_create(&x, &again, &id), HZ_OK);
	assert_true(second != first && id != second);
}

static void
owners_and_staff_in_scope_see_a_registration(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r, head2, leader2;
	struct hz_tenancy t;
	struct hz_ctx x;
	uint64_t id;
	char *number;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	/* Here the station manager sits at the cooperative. */
	assert_int_equal(fx_staff(&k.station, HZ_ROLE_STATION_MANAGER,
	    o.c1), HZ_OK);
	id = fx_registered(&r, o.b1, NULL);
	assert_int_equal(fx_staff(&head2, HZ_ROLE_BUILDING_HEAD, o.b2), HZ_OK);
	assert_int_equal(fx_staff(&leader2, HZ_ROLE_GROUP_LEADER, o.g2), HZ_OK);

	x = fx_as(&k.r);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_ERR_NOT_FOUND);
	x = fx_as(NULL);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false),
	    HZ_ERR_UNAUTHORIZED);
	x = fx_as(&head2);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_ERR_NOT_FOUND);
	x = fx_as(&leader2);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_ERR_NOT_FOUND);
	/* A station manager holds a role in the subtree, but no reading. */
	x = fx_as(&k.station);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_ERR_NOT_FOUND);
	assert_int_equal(fx_audits("tenancy.read", 0, id), 0);

	/* Staff reads are audited, unless answering their own write. */
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_OK);
	assert_int_equal(t.user_id, r.id);
	assert_int_equal(fx_audits("tenancy.read", k.head.id, id), 1);
	assert_int_equal(hz_tenancy_get(&x, id, &t, true), HZ_OK);
	assert_int_equal(fx_audits("tenancy.read", k.head.id, id), 1);
	x = fx_as(&k.leader);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_OK);
	x = fx_as(&k.cadre);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_OK);
	assert_int_equal(fx_audits("tenancy.read", 0, id), 3);
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_get(&x, 0, &t, false), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_tenancy_get(&x, (uint64_t)INT64_MAX, &t, false),
	    HZ_ERR_NOT_FOUND);

	/* The full number: for the owner, and for staff who may reveal it
	 * there, each time audited. */
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_reveal_id(&x, id, &number), HZ_OK);
	assert_int_equal(strlen(number), 18);
	assert_memory_equal(number, t.id_masked, 4);
	assert_int_equal(fx_audits("pii.reveal", k.head.id, id), 1);
	x = fx_as(&r);
	char *own;
	assert_int_equal(hz_tenancy_reveal_id(&x, id, &own), HZ_OK);
	assert_string_equal(own, number);
	x = fx_as(&head2);
	assert_int_equal(hz_tenancy_reveal_id(&x, id, &own), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.r);
	assert_int_equal(hz_tenancy_reveal_id(&x, id, &own), HZ_ERR_NOT_FOUND);
	assert_int_equal(fx_audits("pii.reveal", 0, id), 2);
}

/* Walks every page of `f` at `limit` rows; the ids seen, in order. */
static size_t
walk(const struct hz_caller *c, const struct hz_tenancy_filter *f, int limit,
     uint64_t *ids, size_t max, size_t *pages)
{
	struct hz_ctx x = fx_as(c);
	struct hz_page p = { 0, limit };
	struct hz_tenancy *out;
	size_t n, seen = 0;
	bool more = true;

	*pages = 0;
	while (more) {
		assert_int_equal(hz_tenancies_list(&x, f, &p, &out, &n, &more),
		    HZ_OK);
		assert_true(n <= (size_t)limit);
		/* A page says "more" only when it is full. */
		assert_true(!more || n == (size_t)limit);
		for (size_t i = 0; i < n; i++) {
			assert_true(out[i].id > p.after);
			assert_true(seen < max);
			ids[seen++] = out[i].id;
			p.after = out[i].id;
		}
		(*pages)++;
		assert_true(*pages < 100);
	}
	return seen;
}

static void
lists_are_own_or_in_scope_page_by_page(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r[5], two;
	struct hz_tenancy_filter any = { 0 };
	uint64_t t[5], ids[16];
	size_t pages;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	/* Here the station manager sits at the group. */
	assert_int_equal(fx_staff(&k.station, HZ_ROLE_STATION_MANAGER,
	    o.g1), HZ_OK);
	t[0] = fx_registered(&r[0], o.b1, NULL);
	t[1] = fx_registered(&r[1], o.b2, NULL);
	t[2] = fx_registered(&r[2], o.b1, NULL);
	t[3] = fx_registered(&r[3], o.b3, NULL);
	t[4] = fx_registered(&r[4], o.b1, NULL);
	/* Head of b1 and of b3: two scope roots, merged by id. */
	fx_exec(&stmts, S_NO_HEAD, o.b1);
	assert_int_equal(fx_staff(&two, HZ_ROLE_BUILDING_HEAD, o.b1), HZ_OK);
	uint64_t g;
	assert_int_equal(hz_role_grant(&fx, two.id, HZ_ROLE_BUILDING_HEAD,
	    o.b3, &g), HZ_OK);
	assert_int_equal(hz_caller_load(&fx, two.id, &two), HZ_OK);
	assert_int_equal(two.ngrants, 2);

	/* A resident: their own, whatever the page size. */
	assert_int_equal(walk(&r[2], &any, 1, ids, 16, &pages), 1);
	assert_int_equal(ids[0], t[2]);
	assert_int_equal(pages, 1);

	/* One row a page: every row once, in id order, and no empty page at
	 * the end. */
	assert_int_equal(walk(&k.head, &any, 1, ids, 16, &pages), 3);
	assert_int_equal(ids[0], t[0]);
	assert_int_equal(ids[1], t[2]);
	assert_int_equal(ids[2], t[4]);
	assert_int_equal(pages, 3);
	/* Each page shown to staff is audited. */
	assert_int_equal(fx_audits("tenancy.list", k.head.id, 0), 3);

	assert_int_equal(walk(&two, &any, 1, ids, 16, &pages), 4);
	assert_int_equal(ids[0], t[0]);
	assert_int_equal(ids[1], t[2]);
	assert_int_equal(ids[2], t[3]);
	assert_int_equal(ids[3], t[4]);
	assert_int_equal(walk(&two, &any, 3, ids, 16, &pages), 4);
	assert_int_equal(pages, 2);

	assert_int_equal(walk(&k.leader, &any, 2, ids, 16, &pages), 4);
	assert_int_equal(pages, 2);
	assert_int_equal(walk(&k.leader, &any, 100, ids, 16, &pages), 4);
	assert_int_equal(pages, 1);
	/* Nothing to read, nothing listed (and nothing audited). */
	assert_int_equal(walk(&k.station, &any, 5, ids, 16, &pages), 0);
	assert_int_equal(fx_audits("tenancy.list", k.station.id, 0), 0);

	/* Filters: a building, a subtree, a status. */
	struct hz_tenancy_filter f = { .building = o.b2 };
	assert_int_equal(walk(&k.leader, &f, 5, ids, 16, &pages), 1);
	assert_int_equal(ids[0], t[1]);
	f = (struct hz_tenancy_filter){ .unit = o.b1 };
	assert_int_equal(walk(&k.leader, &f, 5, ids, 16, &pages), 3);
	decide(&k.head, t[2], HZ_TENANCY_APPROVE, NULL);
	f = (struct hz_tenancy_filter){ .status = "active" };
	assert_int_equal(walk(&k.leader, &f, 5, ids, 16, &pages), 1);
	assert_int_equal(ids[0], t[2]);
	f.status = "pending";
	assert_int_equal(walk(&k.leader, &f, 1, ids, 16, &pages), 3);
	assert_int_equal(walk(&r[2], &f, 1, ids, 16, &pages), 0);
	f.status = "active";
	assert_int_equal(walk(&r[2], &f, 1, ids, 16, &pages), 1);

	/* A building or unit outside the scope is not there. */
	struct hz_ctx x = fx_as(&k.head);
	struct hz_page p = { 0, 5 };
	struct hz_tenancy *out;
	size_t n;
	bool more;
	f = (struct hz_tenancy_filter){ .building = o.b3 };
	assert_int_equal(hz_tenancies_list(&x, &f, &p, &out, &n, &more),
	    HZ_ERR_NOT_FOUND);
	f = (struct hz_tenancy_filter){ .unit = o.g1 };
	assert_int_equal(hz_tenancies_list(&x, &f, &p, &out, &n, &more),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(NULL);
	assert_int_equal(hz_tenancies_list(&x, &any, &p, &out, &n, &more),
	    HZ_ERR_UNAUTHORIZED);
}

static void
the_roster_is_a_building_s_active_registrations(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r;
	struct hz_tenancy *out;
	struct hz_page p = { 0, 1 };
	struct hz_ctx x;
	uint64_t a1, a2, pending, ended, elsewhere;
	size_t n;
	bool more;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	a1 = fx_registered(&r, o.b1, &k.head);
	pending = fx_registered(&r, o.b1, NULL);
	a2 = fx_registered(&r, o.b1, &k.head);
	ended = fx_registered(&r, o.b1, &k.head);
	decide(&r, ended, HZ_TENANCY_END, "搬走了");
	elsewhere = fx_registered(&r, o.b2, &k.leader);
	(void)pending;

	x = fx_as(&k.head);
	assert_int_equal(hz_tenancies_roster(&x, o.b1, &p, &out, &n, &more),
	    HZ_OK);
	assert_int_equal(n, 1);
	assert_true(more);
	assert_int_equal(out[0].id, a1);
	assert_string_equal(out[0].status, "active");
	p.after = out[0].id;
	assert_int_equal(hz_tenancies_roster(&x, o.b1, &p, &out, &n, &more),
	    HZ_OK);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_int_equal(out[0].id, a2);
	p = (struct hz_page){ 0, 10 };
	x = fx_as(&k.leader);
	assert_int_equal(hz_tenancies_roster(&x, o.b2, &p, &out, &n, &more),
	    HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].id, elsewhere);

	/* A group has no roster; a building outside the scope is not there;
	 * neither is one for a role that reads nothing, or for a resident. */
	assert_int_equal(hz_tenancies_roster(&x, o.g1, &p, &out, &n, &more),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancies_roster(&x, o.b2, &p, &out, &n, &more),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&k.station);
	assert_int_equal(hz_tenancies_roster(&x, o.b1, &p, &out, &n, &more),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&r);
	assert_int_equal(hz_tenancies_roster(&x, o.b2, &p, &out, &n, &more),
	    HZ_ERR_NOT_FOUND);
	assert_int_equal(n, 0);
}

static void
decisions_follow_the_states_and_the_scope(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r, head2;
	struct hz_tenancy t;
	struct hz_ctx x;
	uint64_t id, id2, id3;
	char reason[220];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&head2, HZ_ROLE_BUILDING_HEAD, o.b2), HZ_OK);
	id = fx_registered(&r, o.b1, NULL);

	/* Rejecting needs a reason of 1 to 200 characters. */
	x = fx_as(&k.head);
	fx_refused(&x, hz_tenancy_decide(&x, id, HZ_TENANCY_REJECT, NULL),
	    HZ_ERR_INVALID, "validation_failed", "reason");
	fx_refused(&x, hz_tenancy_decide(&x, id, HZ_TENANCY_REJECT, ""),
	    HZ_ERR_INVALID, "validation_failed", "reason");
	memset(reason, 'a', 201);
	reason[201] = '\0';
	fx_refused(&x, hz_tenancy_decide(&x, id, HZ_TENANCY_REJECT, reason),
	    HZ_ERR_INVALID, "validation_failed", "reason");

	/* Outside the scope, or without any reading there: not there. */
	x = fx_as(&head2);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&k.station);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&k.r);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_END, NULL),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(NULL);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_ERR_UNAUTHORIZED);
	/* The owner does not decide their own registration: they see it,
	 * so it is forbidden, not absent. */
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_ERR_FORBIDDEN);
	assert_int_equal(hz_tenancy_decide(&x, id, HZ_TENANCY_REJECT, "不要"),
	    HZ_ERR_FORBIDDEN);
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_decide(&x, 0, HZ_TENANCY_APPROVE, NULL),
	    HZ_ERR_NOT_FOUND);
	assert_string_equal(status_of(&r, id), "pending");
	assert_int_equal(fx_audits("tenancy.approve", 0, id), 0);

	/* Approved once, with its audit row; twice is a conflict. */
	decide(&k.head, id, HZ_TENANCY_APPROVE, NULL);
	assert_int_equal(fx_audits("tenancy.approve", k.head.id, id), 1);
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_OK);
	assert_string_equal(t.status, "active");
	assert_non_null(t.decided_at);
	x = fx_as(&k.leader);
	fx_refused(&x, hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_ERR_CONFLICT, "state_conflict", NULL);
	fx_refused(&x, hz_tenancy_decide(&x, id, HZ_TENANCY_REJECT, "晚了"),
	    HZ_ERR_CONFLICT, "state_conflict", NULL);
	assert_int_equal(fx_audits("tenancy.approve", 0, id), 1);

	/* The owner moves out; ended is ended. */
	decide(&r, id, HZ_TENANCY_END, NULL);
	assert_int_equal(fx_audits("tenancy.end", r.id, id), 1);
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_get(&x, id, &t, false), HZ_OK);
	assert_string_equal(t.status, "ended");
	assert_non_null(t.ended_at);
	fx_refused(&x, hz_tenancy_decide(&x, id, HZ_TENANCY_END, NULL),
	    HZ_ERR_CONFLICT, "state_conflict", NULL);
	x = fx_as(&k.head);
	fx_refused(&x, hz_tenancy_decide(&x, id, HZ_TENANCY_APPROVE, NULL),
	    HZ_ERR_CONFLICT, "state_conflict", NULL);

	/* Rejected with its reason, by the group leader above the head. */
	id2 = fx_registered(&r, o.b1, NULL);
	memset(reason, 'b', 200);
	reason[200] = '\0';
	decide(&k.leader, id2, HZ_TENANCY_REJECT, reason);
	assert_int_equal(fx_audits("tenancy.reject", k.leader.id, id2), 1);
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_get(&x, id2, &t, false), HZ_OK);
	assert_string_equal(t.status, "rejected");
	assert_string_equal(t.reject_reason, reason);
	fx_refused(&x, hz_tenancy_decide(&x, id2, HZ_TENANCY_END, NULL),
	    HZ_ERR_CONFLICT, "state_conflict", NULL);

	/* Withdrawn while pending, by the owner; staff end one too. */
	id3 = fx_registered(&r, o.b1, NULL);
	decide(&r, id3, HZ_TENANCY_END, "不租了");
	assert_string_equal(status_of(&r, id3), "ended");
	id3 = fx_registered(&r, o.b1, &k.head);
	decide(&k.head, id3, HZ_TENANCY_END, "已退租");
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_get(&x, id3, &t, false), HZ_OK);
	assert_string_equal(t.status, "ended");
	assert_string_equal(t.end_reason, "已退租");
}

static void
counts_cover_a_unit_and_each_child(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r;
	struct hz_tenancy_counts *c;
	struct hz_tenancy t;
	struct hz_ctx x;
	uint64_t late, rej;
	size_t n;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	/* Here the station manager sits at the group. */
	assert_int_equal(fx_staff(&k.station, HZ_ROLE_STATION_MANAGER,
	    o.g1), HZ_OK);
	(void)fx_registered(&r, o.b1, NULL);
	late = fx_registered(&r, o.b1, NULL);
	(void)fx_registered(&r, o.b1, &k.head);
	(void)fx_registered(&r, o.b2, &k.leader);
	rej = fx_registered(&r, o.b1, NULL);
	decide(&k.head, rej, HZ_TENANCY_REJECT, "不符合");
	(void)fx_registered(&r, o.b3, NULL);
	fx_exec(&stmts, S_AGE, late);
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_get(&x, late, &t, true), HZ_OK);
	assert_true(t.overdue);

	x = fx_as(&k.leader);
	assert_int_equal(hz_tenancy_counts(&x, o.g1, &c, &n), HZ_OK);
	assert_int_equal(n, 3);
	assert_int_equal(c[0].unit_id, o.g1);
	assert_string_equal(c[0].kind, "group");
	assert_int_equal(c[0].active, 2);
	assert_int_equal(c[0].pending, 2);
	assert_int_equal(c[0].overdue, 1);
	assert_int_equal(c[1].unit_id, o.b1);
	assert_string_equal(c[1].name, "1号楼");
	assert_int_equal(c[1].active, 1);
	assert_int_equal(c[1].pending, 2);
	assert_int_equal(c[1].overdue, 1);
	assert_int_equal(c[2].unit_id, o.b2);
	assert_int_equal(c[2].active, 1);
	assert_int_equal(c[2].pending, 0);
	assert_int_equal(c[2].overdue, 0);

	x = fx_as(&k.cadre);
	assert_int_equal(hz_tenancy_counts(&x, o.c1, &c, &n), HZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].active, 2);
	assert_int_equal(c[0].pending, 2);
	assert_int_equal(c[1].unit_id, o.g1);
	/* A building: itself, no children. */
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancy_counts(&x, o.b1, &c, &n), HZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].pending, 2);

	assert_int_equal(hz_tenancy_counts(&x, o.g1, &c, &n), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.leader);
	assert_int_equal(hz_tenancy_counts(&x, o.g2, &c, &n), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.station);
	assert_int_equal(hz_tenancy_counts(&x, o.g1, &c, &n), HZ_ERR_NOT_FOUND);
	x = fx_as(&r);
	assert_int_equal(hz_tenancy_counts(&x, o.b3, &c, &n), HZ_ERR_NOT_FOUND);
}

static void
export_is_for_cadres_dated_and_audited(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller cadre2;
	struct hz_tenancy_input in;
	struct hz_buf csv;
	struct hz_ctx x;
	uint64_t id, other;
	size_t rows = 99;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_staff(&cadre2, HZ_ROLE_CADRE, o.c2), HZ_OK);
	in = fx_form(fx_token(o.b2));
	in.move_in = "2024-05-01";
	/* A cell a spreadsheet would run is defused. */
	in.employer = "=HYPERLINK(\"x\")";
	x = fx_as(&k.r);
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	other = fx_registered(&k.r, o.b3, NULL);
	(void)other;

	x = fx_as(&k.cadre);
	hz_buf_init(&csv, fx.arena);
	assert_int_equal(hz_tenancies_export(&x, o.c1, "2024-01-01",
	    "2024-12-31", &csv, &rows), HZ_OK);
	assert_int_equal(rows, 1);
	hz_buf_append(&csv, "", 1);
	assert_memory_equal(csv.data, "\xef\xbb\xbf登记编号,", 3 + 13);
	assert_non_null(strstr(csv.data, in.id_number));
	assert_non_null(strstr(csv.data, in.phone));
	assert_non_null(strstr(csv.data, ",\"'=HYPERLINK(\"\"x\"\")\","));
	assert_non_null(strstr(csv.data, "2号楼"));
	assert_null(strstr(csv.data, "3号楼"));
	assert_int_equal(fx_audits("tenancy.export", k.cadre.id, o.c1), 1);

	/* The dates are inclusive; outside them, a header alone. */
	hz_buf_init(&csv, fx.arena);
	assert_int_equal(hz_tenancies_export(&x, o.c1, "2024-05-01",
	    "2024-05-01", &csv, &rows), HZ_OK);
	assert_int_equal(rows, 1);
	hz_buf_init(&csv, fx.arena);
	assert_int_equal(hz_tenancies_export(&x, o.c1, "2024-05-02",
	    "2024-12-31", &csv, &rows), HZ_OK);
	assert_int_equal(rows, 0);
	hz_buf_append(&csv, "", 1);
	assert_ptr_equal(strchr(csv.data, '\n'), csv.data + csv.len - 2);

	fx_refused(&x, hz_tenancies_export(&x, o.c1, "2024-12-31",
	    "2024-01-01", &csv, &rows), HZ_ERR_INVALID, "validation_failed",
	    "from");
	fx_refused(&x, hz_tenancies_export(&x, o.c1, "2024-02-30",
	    "2024-12-31", &csv, &rows), HZ_ERR_INVALID, "validation_failed",
	    "from");
	fx_refused(&x, hz_tenancies_export(&x, o.c1, "2024-01-01", NULL,
	    &csv, &rows), HZ_ERR_INVALID, "validation_failed", "from");

	/* Heads and group leaders read and decide, but do not export. */
	x = fx_as(&k.head);
	assert_int_equal(hz_tenancies_export(&x, o.b1, "2024-01-01",
	    "2024-12-31", &csv, &rows), HZ_ERR_FORBIDDEN);
	x = fx_as(&k.leader);
	assert_int_equal(hz_tenancies_export(&x, o.g1, "2024-01-01",
	    "2024-12-31", &csv, &rows), HZ_ERR_FORBIDDEN);
	/* Another cooperative's is not there; nor is anything for a
	 * resident or nobody. */
	x = fx_as(&cadre2);
	assert_int_equal(hz_tenancies_export(&x, o.c1, "2024-01-01",
	    "2024-12-31", &csv, &rows), HZ_ERR_NOT_FOUND);
	x = fx_as(&k.r);
	assert_int_equal(hz_tenancies_export(&x, o.c1, "2024-01-01",
	    "2024-12-31", &csv, &rows), HZ_ERR_NOT_FOUND);
	x = fx_as(NULL);
	assert_int_equal(hz_tenancies_export(&x, o.c1, "2024-01-01",
	    "2024-12-31", &csv, &rows), HZ_ERR_UNAUTHORIZED);
	assert_int_equal(fx_audits("tenancy.export", 0, o.c1), 3);
}

static const char *
cell_of(size_t stmt, uint64_t id)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, stmt,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r), HZ_OK);
	assert_int_equal(r.nrows, 1);
	return HZ_CELL(&r, 0, 0)->null ? NULL : hz_arena_printf(fx.arena,
	    "%s", HZ_CELL(&r, 0, 0)->s ? HZ_CELL(&r, 0, 0)->s : "");
}

static long long
consents_of(uint64_t user)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_CONSENTS,
	    HZ_ARGS(HZ_ARG_I64((long long)user)), &r), HZ_OK);
	return HZ_CELL(&r, 0, 0)->i;
}

/* PIPL: nothing is taken before the current policy was agreed to; the
 * agreement is kept with the registration, and the name follows it. */
static void
registering_needs_consent_and_names_the_resident(void **state)
{
	struct fx_org o;
	struct hz_caller r;
	struct hz_tenancy_input in;
	struct hz_ctx x;
	uint64_t id = 7;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	in = fx_form(fx_token(o.b1));
	in.consent_version = NULL;
	fx_refused(&x, hz_tenancy_create(&x, &in, &id), HZ_ERR_INVALID,
	    "validation_failed", "consent_version");
	in.consent_version = "2020-01-01";
	fx_refused(&x, hz_tenancy_create(&x, &in, &id), HZ_ERR_INVALID,
	    "validation_failed", "consent_version");
	assert_int_equal(id, 0);
	assert_int_equal(consents_of(r.id), 0);
	in.consent_version = HZ_POLICY_VERSION;
	in.name = "王小明";
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_int_equal(consents_of(r.id), 2);
	assert_string_equal(cell_of(S_NAME, r.id), "王小明");
}

/* A building found by its address instead of its code: exactly one of
 * the two, and a building that is one. */
static void
a_building_is_named_by_code_or_by_id(void **state)
{
	struct fx_org o;
	struct hz_caller r;
	struct hz_tenancy_input in;
	struct hz_tenancy t;
	struct hz_ctx x;
	uint64_t id = 7;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	in = fx_form(NULL);
	fx_refused(&x, hz_tenancy_create(&x, &in, &id), HZ_ERR_INVALID,
	    "validation_failed", "token");
	in = fx_form(fx_token(o.b1));
	in.building_id = o.b2;
	fx_refused(&x, hz_tenancy_create(&x, &in, &id), HZ_ERR_INVALID,
	    "validation_failed", "building_id");
	in.token = NULL;
	in.building_id = o.g1;           /* a group is no building */
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_ERR_NOT_FOUND);
	in.building_id = 9007199254740991ULL;
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_ERR_NOT_FOUND);
	assert_int_equal(id, 0);
	in.building_id = o.b2;
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_int_equal(hz_tenancy_get(&x, id, &t, true), HZ_OK);
	assert_int_equal(t.building_id, o.b2);
}

/* Moving: the old active tenancy ends and the new one is pending, in one
 * step; only one's own, only an active one. */
static void
moving_ends_the_old_and_starts_the_new(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r, other;
	struct hz_tenancy_input in;
	struct hz_tenancy t;
	struct hz_ctx x;
	uint64_t old, others, id = 7, tid, where;
	const char *status, *number;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	others = fx_registered(&other, o.b2, &k.leader);
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	in = fx_form(fx_token(o.b1));
	number = in.id_number;
	assert_int_equal(hz_tenancy_create(&x, &in, &old), HZ_OK);
	decide(&k.leader, old, HZ_TENANCY_APPROVE, NULL);

	/* Without moving_from: refused, saying how to move. */
	in = fx_form(fx_token(o.b2));
	in.id_number = number;
	fx_refused(&x, hz_tenancy_create(&x, &in, &id), HZ_ERR_CONFLICT,
	    "already_registered", NULL);
	assert_non_null(strstr(fx_why.message, "登记新住址"));
	/* Another's tenancy does not exist for this caller. */
	in.moving_from = others;
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_ERR_NOT_FOUND);
	assert_string_equal(status_of(&k.leader, others), "active");
	assert_string_equal(status_of(&k.leader, old), "active");

	/* Their own: one step, even with the same document. */
	in.moving_from = old;
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_int_equal(hz_tenancy_get(&x, old, &t, true), HZ_OK);
	assert_string_equal(t.status, "ended");
	assert_string_equal(t.end_reason, HZ_MOVE_END_REASON);
	assert_string_equal(status_of(&r, id), "pending");
	assert_int_equal(hz_tenancy_open_of(&fx, r.id, &tid, &where, &status),
	    HZ_OK);
	assert_int_equal(tid, id);
	assert_int_equal(where, o.b2);
	assert_int_equal(fx_audits("tenancy.end", r.id, old), 1);

	/* Moving again from the pending one, or from the ended one: no. */
	in = fx_form(fx_token(o.b1));
	in.moving_from = id;
	fx_refused(&x, hz_tenancy_create(&x, &in, &tid), HZ_ERR_CONFLICT,
	    "state_conflict", "moving_from");
	in.moving_from = old;
	fx_refused(&x, hz_tenancy_create(&x, &in, &tid), HZ_ERR_CONFLICT,
	    "state_conflict", "moving_from");
	assert_string_equal(status_of(&r, id), "pending");
}

/* Every staff page and count reads the group and cooperative kept beside
 * each registration (sql/0020): core's insert sets both, and the schema
 * requires them (sql/0024), so a writer that forgets them fails instead
 * of hiding its row from its group's and cooperative's lists. */
static void
a_registration_keeps_its_group_and_cooperative(void **state)
{
	struct fx_org o;
	struct hz_caller r;
	struct hz_tenancy_input in;
	struct hz_db_result res;
	struct hz_ctx x;
	uint64_t id;
	struct hz_db_arg user, b1, g1, c1;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_org_new(&o), HZ_OK);
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	in = fx_form(fx_token(o.b1));
	assert_int_equal(hz_tenancy_create(&x, &in, &id), HZ_OK);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_LEVELS,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &res), HZ_OK);
	assert_string_equal(HZ_TEXT(HZ_CELL(&res, 0, 0)),
	    hz_arena_printf(fx.arena, "%llu/%llu", (unsigned long long)o.g1,
	    (unsigned long long)o.c1));

	user = HZ_ARG_I64((long long)r.id);
	b1 = HZ_ARG_I64((long long)o.b1);
	g1 = HZ_ARG_I64((long long)o.g1);
	c1 = HZ_ARG_I64((long long)o.c1);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_RAW,
	    HZ_ARGS(user, b1, g1, c1), NULL), HZ_OK);
	assert_int_not_equal(hz_db_run(fx.db, fx.arena, &stmts, S_RAW,
	    HZ_ARGS(user, b1, HZ_ARG_NULL, c1), NULL), HZ_OK);
	assert_int_not_equal(hz_db_run(fx.db, fx.arena, &stmts, S_RAW,
	    HZ_ARGS(user, b1, g1, HZ_ARG_NULL), NULL), HZ_OK);
	assert_int_not_equal(hz_db_run(fx.db, fx.arena, &stmts, S_RAW_BARE,
	    HZ_ARGS(user, b1), NULL), HZ_OK);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(registering_needs_consent_and_names_the_resident),
	cmocka_unit_test(a_building_is_named_by_code_or_by_id),
	cmocka_unit_test(moving_ends_the_old_and_starts_the_new),
	cmocka_unit_test(a_resident_registers_from_the_posted_code),
	cmocka_unit_test(the_form_is_refused_on_the_field_at_fault),
	cmocka_unit_test(only_residents_register_from_a_current_code),
	cmocka_unit_test(one_open_registration_per_person_and_per_document),
	cmocka_unit_test(owners_and_staff_in_scope_see_a_registration),
	cmocka_unit_test(lists_are_own_or_in_scope_page_by_page),
	cmocka_unit_test(the_roster_is_a_building_s_active_registrations),
	cmocka_unit_test(decisions_follow_the_states_and_the_scope),
	cmocka_unit_test(counts_cover_a_unit_and_each_child),
	cmocka_unit_test(a_registration_keeps_its_group_and_cooperative),
	cmocka_unit_test(export_is_for_cadres_dated_and_audited))
