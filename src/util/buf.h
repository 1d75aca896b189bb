/* buf.h - growable byte string with a size cap and a sticky error (like curl's dynbuf and
 * SQLite's StrAccum): appends return nothing; check buf_failed() once at the end. */
#ifndef CUSTOS_BUF_H
#define CUSTOS_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUF_DEFAULT_CAP (64u << 20) /* no single string of ours needs more than 64 MiB */

struct buf {
	char *p; /* always NUL-terminated when len > 0 or after buf_cstr() */
	size_t len;
	size_t alloc;
	size_t cap;  /* hard limit on len */
	bool failed; /* sticky: a failed append poisons the buffer */
};

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add_slow(struct buf *b, const void *p, size_t n);

/* Inline fast path: hot loops append many small pieces. */
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	if (!b->failed && b->alloc - b->len > n && b->len + n <= b->cap) {
		__builtin_memcpy(b->p + b->len, p, n);
		b->len += n;
		b->p[b->len] = '\0';
		return;
	}
	buf_add_slow(b, p, n);
}

static inline void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, __builtin_strlen(s));
}

static inline void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_add_i64(struct buf *b, int64_t v);
/* Appends s (n bytes) as a JSON string literal, quotes included. */
void buf_add_json_str(struct buf *b, const char *s, size_t n);
/* Truncates to len bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
bool buf_failed(const struct buf *b);
/* Returns a NUL-terminated view ("" for an empty buffer); valid until the next append. */
const char *buf_cstr(struct buf *b);
/* Hands the heap string to the caller (who frees it) and resets b. NULL if failed. */
char *buf_take(struct buf *b);

#endif
