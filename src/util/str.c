/* str.c - checked parsing and UTF-8 validation. */
#include "util/str.h"

#include <string.h>

bool str_to_i64(const char *s, size_t n, int64_t *out)
{
	if (n == 0 || n > 20)
		return false;
	size_t i = 0;
	bool neg = false;
	if (s[0] == '-') {
		neg = true;
		i = 1;
		if (n == 1)
			return false;
	}
	uint64_t v = 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)v;
	}
	return true;
}

bool str_parse_i64(const char *s, int64_t *out)
{
	return s && str_to_i64(s, strlen(s), out);
}

bool str_valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	while (p < e) {
		unsigned c = *p;
		if (c < 0x80) {
			if (c == 0)
				return false; /* NUL inside text is never legitimate here */
			p++;
			continue;
		}
		size_t len;
		unsigned min;
		if ((c & 0xE0) == 0xC0) {
			len = 2, min = 0x80, c &= 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, min = 0x800, c &= 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, min = 0x10000, c &= 0x07;
		} else {
			return false;
		}
		if ((size_t)(e - p) < len)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			c = (c << 6) | (p[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return false;
		p += len;
	}
	return true;
}

size_t str_utf8_len(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ieq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x == 0)
			return false;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return false;
	}
	return a[n] == '\0';
}

bool str_copy(char *dst, size_t size, const char *src)
{
	if (size == 0)
		return false;
	size_t n = strlen(src);
	bool fits = n < size;
	if (!fits)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return fits;
}

bool str_invisible(uint32_t cp)
{
	/* Cc, and the Cf ranges of Unicode 15, with Zl and Zp (U+2028, U+2029) */
	static const struct {
		uint32_t lo, hi;
	} ranges[] = {
		{ 0x0000, 0x001F },   { 0x007F, 0x009F },   { 0x00AD, 0x00AD },
		{ 0x0600, 0x0605 },   { 0x061C, 0x061C },   { 0x06DD, 0x06DD },
		{ 0x070F, 0x070F },   { 0x0890, 0x0891 },   { 0x08E2, 0x08E2 },
		{ 0x180E, 0x180E },   { 0x200B, 0x200F },   { 0x2028, 0x202E },
		{ 0x2060, 0x2064 },   { 0x2066, 0x206F },   { 0xFEFF, 0xFEFF },
		{ 0xFFF9, 0xFFFB },   { 0x110BD, 0x110BD }, { 0x110CD, 0x110CD },
		{ 0x13430, 0x1343F }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A },
		{ 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F },
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i].lo && cp <= ranges[i].hi)
			return true;
	return false;
}

size_t str_drop_invisible(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
		if (len > n - i)
			len = n -
			      i; /* not valid UTF-8: the caller's contract, but stay in bounds */
		uint32_t cp = len == 1 ? c : c & (0x7F >> len);
		for (size_t k = 1; k < len; k++)
			cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
		if (!str_invisible(cp)) {
			memmove(s + o, s + i, len);
			o += len;
		}
		i += len;
	}
	if (o < n)
		s[o] = '\0';
	return o;
}
