/* Included by every unit test: cmocka wants these headers first. */
#ifndef HZ_UNIT_H
#define HZ_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"
#include "json.h"

/* The group's arena, also the one cJSON allocates from: pass
 * unit_arena_setup and unit_arena_teardown to cmocka_run_group_tests, or
 * call them from a group set-up that does more. */
static hz_arena *unit_arena __attribute__((unused));

static inline int
unit_arena_setup(void **state)
{
	(void)state;
	if ((unit_arena = hz_arena_new(64 * 1024)) == NULL)
		return -1;
	hz_json_use_arena(unit_arena);
	return 0;
}

static inline int
unit_arena_teardown(void **state)
{
	(void)state;
	hz_json_use_arena(NULL);
	hz_arena_free(unit_arena);
	unit_arena = NULL;
	return 0;
}

/* A test file's main(): its tests, run as one group between setup and
 * teardown (either may be NULL).
 *     UNIT_TESTS(unit_arena_setup, unit_arena_teardown,
 *             cmocka_unit_test(a), cmocka_unit_test(b))
 */
#define UNIT_TESTS(setup, teardown, ...)                                   \
	int                                                                \
	main(void)                                                         \
	{                                                                  \
		const struct CMUnitTest tests[] = { __VA_ARGS__ };         \
		return cmocka_run_group_tests(tests, setup, teardown);     \
	}

#endif
