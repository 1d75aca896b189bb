/* buf.c - growable byte string with a cap and a sticky error. */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap ? cap : BUF_DEFAULT_CAP;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->alloc = 0;
	b->failed = false;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->p)
		b->p[0] = '\0';
}

static bool buf_grow(struct buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (extra > b->cap || b->len > b->cap - extra) {
		b->failed = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->alloc)
		return true;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < need)
		n *= 2;
	char *p = realloc(b->p, n);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->alloc = n;
	return true;
}

void buf_add_slow(struct buf *b, const void *p, size_t n)
{
	if (!buf_grow(b, n))
		return;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (n < 0) {
		b->failed = true;
	} else if ((size_t)n < sizeof(tmp)) {
		buf_add(b, tmp, (size_t)n);
	} else if (buf_grow(b, (size_t)n)) {
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	}
	va_end(ap2);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_add_i64(struct buf *b, int64_t v)
{
	char tmp[24];
	char *e = tmp + sizeof(tmp), *q = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--q = '-';
	buf_add(b, q, (size_t)(e - q));
}

/* 0: copy as is; 1: \uXXXX; else the character after the backslash */
static const unsigned char json_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 't', 'n', 1, 1, 'r', 1, 1,		1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	1,   1, 1, 1,	1, ['"'] = '"', ['\\'] = '\\',
};

/* Length of the well-formed UTF-8 sequence at s (which starts with a byte >= 0x80), or 0. */
static size_t utf8_seq_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	unsigned c = p[0], min;
	if ((c & 0xE0) == 0xC0)
		len = 2, min = 0x80, c &= 0x1F;
	else if ((c & 0xF0) == 0xE0)
		len = 3, min = 0x800, c &= 0x0F;
	else if ((c & 0xF8) == 0xF0)
		len = 4, min = 0x10000, c &= 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	return len;
}

void buf_add_json_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_addc(b, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			/* well-formed UTF-8 passes; a broken byte becomes U+FFFD, so the output is
			 * always valid JSON text whatever came in */
			size_t len = utf8_seq_len(s + i, n - i);
			if (len) {
				i += len - 1;
				continue;
			}
			buf_add(b, s + start, i - start);
			start = i + 1;
			buf_add(b, "\\ufffd", 6);
			continue;
		}
		unsigned char e = json_escape[c];
		if (!e)
			continue;
		buf_add(b, s + start, i - start);
		start = i + 1;
		if (e == 1) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_add(b, u, 6);
		} else {
			char esc[2] = { '\\', (char)e };
			buf_add(b, esc, 2);
		}
	}
	buf_add(b, s + start, n - start);
	buf_addc(b, '"');
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

bool buf_failed(const struct buf *b)
{
	return b->failed;
}

const char *buf_cstr(struct buf *b)
{
	return b->p ? b->p : "";
}

char *buf_take(struct buf *b)
{
	if (b->failed) {
		buf_free(b);
		return NULL;
	}
	char *p = b->p;
	if (!p)
		p = calloc(1, 1);
	b->p = NULL;
	b->len = b->alloc = 0;
	return p;
}
