/* arena.h - per-request bump allocator (h2o's req->pool): temporaries live here and die with
 * the request, so handlers never free and error paths cannot leak. Capped in total size. */
#ifndef CUSTOS_ARENA_H
#define CUSTOS_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used; /* bytes handed out, for the cap */
	size_t cap;
};

void arena_init(struct arena *a, size_t cap);
/* Frees every chunk; the arena can be used again afterwards. */
void arena_free(struct arena *a);
/* Zeroed, 16-byte aligned memory, or NULL past the cap. */
void *arena_alloc(struct arena *a, size_t n);
/* The same without zeroing, for large scratch structures the caller fills itself. */
void *arena_alloc_raw(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
