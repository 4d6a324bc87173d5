#include "unit.h"

#include "arena.h"

static void
alloc_is_aligned_and_distinct(void **state)
{
	hz_arena *a = hz_arena_new(1024);
	char *p, *q;

	(void)state;
	assert_non_null(a);
	p = hz_arena_alloc(a, 3);
	q = hz_arena_alloc(a, 5);
	assert_true(((uintptr_t)p & 15) == 0);
	assert_true(((uintptr_t)q & 15) == 0);
	assert_ptr_not_equal(p, q);
	memset(p, 'x', 3);
	memset(q, 'y', 5);
	assert_int_equal(p[2], 'x');
	hz_arena_free(a);
}

static void
large_alloc_gets_own_chunk_and_reset_releases_it(void **state)
{
	hz_arena *a = hz_arena_new(1024);
	size_t before;
	char *big;

	(void)state;
	before = hz_arena_footprint(a);
	big = hz_arena_alloc(a, 1 << 20);
	assert_non_null(big);
	memset(big, 1, 1 << 20);
	assert_true(hz_arena_footprint(a) >= before + (1 << 20));
	hz_arena_reset(a);
	assert_int_equal(hz_arena_footprint(a), before);
	hz_arena_free(a);
}

static void
calloc_refuses_overflow(void **state)
{
	hz_arena *a = hz_arena_new(1024);

	(void)state;
	assert_null(hz_arena_calloc(a, SIZE_MAX / 2, 4));
	assert_null(hz_arena_alloc(a, SIZE_MAX));
	assert_non_null(hz_arena_calloc(a, 10, 10));
	hz_arena_free(a);
}

static void
buf_grows_and_printf_appends(void **state)
{
	hz_arena *a = hz_arena_new(1024);
	struct hz_buf b;

	(void)state;
	hz_buf_init(&b, a);
	for (int i = 0; i < 1000; i++)
		hz_buf_printf(&b, "%d,", i % 10);
	assert_false(b.oom);
	assert_int_equal(b.len, 2000);
	assert_memory_equal(b.data, "0,1,2,", 6);
	assert_int_equal(b.data[b.len], '\0');
	assert_string_equal(hz_arena_printf(a, "%s-%d", "a", 7), "a-7");
	assert_string_equal(hz_arena_strndup(a, "abcdef", 3), "abc");
	hz_arena_free(a);
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(alloc_is_aligned_and_distinct),
	cmocka_unit_test(large_alloc_gets_own_chunk_and_reset_releases_it),
	cmocka_unit_test(calloc_refuses_overflow),
	cmocka_unit_test(buf_grows_and_printf_appends))
