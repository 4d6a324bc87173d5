#include "unit.h"

#include "csv.h"

static struct hz_csv
ok(const char *s)
{
	struct hz_csv c;
	const char *why;
	size_t line;

	assert_int_equal(hz_csv_parse(unit_arena, s, strlen(s), &c, &line, &why),
	    HZ_OK);
	return c;
}

static void
parses_rfc4180(void **state)
{
	struct hz_csv c;

	(void)state;
	c = ok("\xef\xbb\xbf" "a,b,c\r\n1,\"x, \"\"y\"\"\",\r\n\r\n"
	    "\"multi\nline\",户组,z");
	assert_int_equal(c.nrows, 3);
	assert_string_equal(c.rows[0].f[0], "a");      /* BOM dropped */
	assert_int_equal(c.rows[1].n, 3);
	assert_string_equal(c.rows[1].f[1], "x, \"y\"");
	assert_string_equal(c.rows[1].f[2], "");
	assert_int_equal(c.rows[1].line, 2);
	assert_string_equal(c.rows[2].f[0], "multi\nline");
	assert_string_equal(c.rows[2].f[1], "户组");
	assert_int_equal(c.rows[2].line, 4);
	c = ok("");
	assert_int_equal(c.nrows, 0);
	c = ok("a\n");
	assert_int_equal(c.nrows, 1);
	/* One empty field, quoted or not, is a blank line. */
	c = ok("\"\"\n,\n");
	assert_int_equal(c.nrows, 1);
	assert_int_equal(c.rows[0].n, 2);
}

static void
refuses_broken_input_with_its_line(void **state)
{
	static const struct { const char *in; size_t line; } bad[] = {
		{ "a,b\n\"open,c\n", 2 },
		{ "a,b\nx\"y,z\n", 2 },
		{ "a\n\"q\"x,y\n", 2 },
		{ "a,\xc3\x28\n", 1 },
		/* GBK, as Excel saves it: an ASCII header, 楼 on line 3. */
		{ "code,name\r\nB1,x\r\nB2,\xc2\xa5\xb6\xb0\r\n", 3 },
	};
	struct hz_csv c;
	const char *why;
	size_t line;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(hz_csv_parse(unit_arena, bad[i].in,
		    strlen(bad[i].in), &c, &line, &why), HZ_ERR_INVALID);
		assert_int_equal(line, bad[i].line);
		assert_non_null(why);
	}
	assert_int_equal(hz_csv_parse(unit_arena, "a\0b", 3, &c, &line, &why),
	    HZ_ERR_INVALID);
}

/* Written fields: quoted when they must be, and anything a spreadsheet
 * would run as a formula (= + - @ or their full-width forms, first or
 * after spaces; a leading tab or carriage return) shown as text. */
static void
writes_fields_a_spreadsheet_shows(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "张三", "张三," },
		{ "a,b", "\"a,b\"," },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"," },
		{ "=1+1", "'=1+1," },
		{ "+86", "'+86," },
		{ "-2", "'-2," },
		{ "@SUM(A1)", "'@SUM(A1)," },
		{ "\t=1+1", "'\t=1+1," },
		{ "\r=1+1", "\"'\r=1+1\"," },
		{ "a=b", "a=b," },
		{ " =1+1", "' =1+1," },
		{ "  @SUM(A1)", "'  @SUM(A1)," },
		{ "\t-2", "'\t-2," },
		{ "\xef\xbc\x9d" "1+1", "'\xef\xbc\x9d" "1+1," },       /* ＝ */
		{ "\xef\xbc\x8b" "86", "'\xef\xbc\x8b" "86," },         /* ＋ */
		{ "\xef\xbc\x8d" "2", "'\xef\xbc\x8d" "2," },           /* － */
		{ "\xef\xbc\xa0" "SUM", "'\xef\xbc\xa0" "SUM," },       /* ＠ */
		{ "张\xef\xbc\x9d", "张\xef\xbc\x9d," },
		{ " a", " a," },
		{ NULL, "," },
	};
	struct hz_buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		hz_buf_init(&b, unit_arena);
		hz_csv_field(&b, cases[i].in, false);
		hz_buf_append(&b, "", 1);
		assert_string_equal(b.data, cases[i].out);
	}
	hz_buf_init(&b, unit_arena);
	hz_csv_field(&b, "end", true);
	hz_buf_append(&b, "", 1);
	assert_string_equal(b.data, "end\r\n");
}

UNIT_TESTS(unit_arena_setup, unit_arena_teardown,
	cmocka_unit_test(writes_fields_a_spreadsheet_shows),
	cmocka_unit_test(parses_rfc4180),
	cmocka_unit_test(refuses_broken_input_with_its_line))
