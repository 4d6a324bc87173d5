/* Per-request arena (after nginx's r->pool): request-lifetime memory comes
 * from here and is released at once by hz_arena_reset(). */
#ifndef HZ_ARENA_H
#define HZ_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>

typedef struct hz_arena hz_arena;

hz_arena *hz_arena_new(size_t chunk_size);
void      hz_arena_free(hz_arena *);
/* Frees every chunk but the first; the first is kept for the next request. */
void      hz_arena_reset(hz_arena *);
void     *hz_arena_alloc(hz_arena *, size_t);
/* n * size, overflow-checked, zeroed. */
void     *hz_arena_calloc(hz_arena *, size_t n, size_t size);
char     *hz_arena_strndup(hz_arena *, const char *, size_t);
char     *hz_arena_strdup(hz_arena *, const char *);
char     *hz_arena_printf(hz_arena *, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
/* Bytes currently held in chunks (for memory checks in tests). */
size_t    hz_arena_footprint(const hz_arena *);

/* A growable byte buffer living in an arena. Errors are sticky: after a
 * failed append every later one is a no-op and `oom` stays set, so callers
 * check once at the end. */
struct hz_buf {
	hz_arena *arena;
	char     *data;
	size_t    len;
	size_t    cap;
	bool      oom;
};

void hz_buf_init(struct hz_buf *, hz_arena *);
/* Room for `extra` more bytes and a NUL after data[len], for a writer
 * that fills it itself and then advances len (and writes the NUL); false
 * (and oom) if there is none. */
bool hz_buf_reserve(struct hz_buf *, size_t extra);
void hz_buf_append(struct hz_buf *, const void *, size_t);
void hz_buf_puts(struct hz_buf *, const char *);
void hz_buf_printf(struct hz_buf *, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
void hz_buf_vprintf(struct hz_buf *, const char *fmt, va_list)
		__attribute__((format(printf, 2, 0)));

#endif
