#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ALIGN 16u

struct chunk {
	struct chunk *next;
	size_t        size;   /* usable bytes in data[] */
	size_t        used;
	_Alignas(ALIGN) unsigned char data[];
};

struct hz_arena {
	struct chunk *head;   /* current chunk; older ones follow */
	struct chunk *first;  /* kept across resets */
	size_t        chunk_size;
};

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	if ((c = malloc(sizeof(*c) + size)) == NULL)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

hz_arena *
hz_arena_new(size_t chunk_size)
{
	hz_arena *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->chunk_size = chunk_size < 1024 ? 1024 : chunk_size;
	if ((a->first = chunk_new(a->chunk_size)) == NULL) {
		free(a);
		return NULL;
	}
	a->head = a->first;
	return a;
}

void
hz_arena_reset(hz_arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c != a->first; c = next) {
		next = c->next;
		free(c);
	}
	a->head = a->first;
	a->first->used = 0;
}

void
hz_arena_free(hz_arena *a)
{
	if (a == NULL)
		return;
	hz_arena_reset(a);
	free(a->first);
	free(a);
}

void *
hz_arena_alloc(hz_arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t need, size;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - (ALIGN - 1))
		return NULL;
	need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (c->size - c->used < need) {
		/* Large requests get a chunk of their own so the remainder of
		 * the current chunk is not wasted on the next small ones. */
		size = need > a->chunk_size ? need : a->chunk_size;
		if ((c = chunk_new(size)) == NULL)
			return NULL;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	return p;
}

void *
hz_arena_calloc(hz_arena *a, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	if ((p = hz_arena_alloc(a, n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}

char *
hz_arena_strndup(hz_arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = hz_arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
hz_arena_strdup(hz_arena *a, const char *s)
{
	return hz_arena_strndup(a, s, strlen(s));
}

char *
hz_arena_printf(hz_arena *a, const char *fmt, ...)
{
	struct hz_buf b;
	va_list ap;

	hz_buf_init(&b, a);
	va_start(ap, fmt);
	hz_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.oom)
		return NULL;
	return b.data != NULL ? b.data : hz_arena_strdup(a, "");
}

size_t
hz_arena_footprint(const hz_arena *a)
{
	const struct chunk *c;
	size_t n = 0;

	for (c = a->head; c != NULL; c = c->next)
		n += c->size;
	return n;
}

void
hz_buf_init(struct hz_buf *b, hz_arena *a)
{
	memset(b, 0, sizeof(*b));
	b->arena = a;
}

/* Ensures room for `extra` more bytes plus a terminating NUL. */
bool
hz_buf_reserve(struct hz_buf *b, size_t extra)
{
	size_t want, cap;
	char *p;

	if (b->oom)
		return false;
	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	want = b->len + extra + 1;
	if (want <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < want) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	if ((p = hz_arena_alloc(b->arena, cap)) == NULL)
		goto fail;
	if (b->len)
		memcpy(p, b->data, b->len);
	b->data = p;
	b->cap = cap;
	return true;
fail:
	b->oom = true;
	return false;
}

void
hz_buf_append(struct hz_buf *b, const void *p, size_t n)
{
	if (!hz_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
hz_buf_puts(struct hz_buf *b, const char *s)
{
	hz_buf_append(b, s, strlen(s));
}

void
hz_buf_vprintf(struct hz_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (b->oom)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!hz_buf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
hz_buf_printf(struct hz_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hz_buf_vprintf(b, fmt, ap);
	va_end(ap);
}
