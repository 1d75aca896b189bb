/* html.c - HTML and URL escaping. */
#include "util/html.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	unsigned cp = c & (0x7Fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

void html_escn(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* bytes copied through unchanged, flushed in one go */
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		const char *rep = NULL;
		size_t len = 1;
		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
				rep = "\xEF\xBF\xBD";
			} else if (c >= 0x80) {
				len = utf8_seq(p + i, n - i);
				if (!len) {
					rep = "\xEF\xBF\xBD";
					len = 1;
				}
			}
		}
		if (rep) {
			buf_add(b, s + i - run, run);
			run = 0;
			buf_adds(b, rep);
		} else {
			run += len;
		}
		i += len;
	}
	buf_add(b, s + n - run, run);
}

void html_esc(struct buf *b, const char *s)
{
	if (s)
		html_escn(b, s, strlen(s));
}

void url_esc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		unsigned char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_addc(b, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_add(b, e, 3);
		}
	}
}
