/* libFuzzer harness for the CSV parser used by huzu import. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hz_arena *arena;
	struct hz_csv c;
	const char *why;
	size_t line;

	if (arena == NULL)
		arena = hz_arena_new(16 * 1024);
	if (hz_csv_parse(arena, (const char *)data, size, &c, &line, &why) ==
	    HZ_OK) {
		for (size_t r = 0; r < c.nrows; r++)
			for (size_t f = 0; f < c.rows[r].n; f++)
				if (!hz_utf8_valid(c.rows[r].f[f],
				    strlen(c.rows[r].f[f])))
					abort();
	} else if (why == NULL || line == 0)
		abort();
	hz_arena_reset(arena);
	return 0;
}
