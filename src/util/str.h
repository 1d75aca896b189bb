/* str.h - small checked string helpers: number parsing without atoi, UTF-8 validation,
 * length-carrying views. No allocation here. */
#ifndef CUSTOS_STR_H
#define CUSTOS_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct str {
	const char *p;
	size_t n;
};

#define STR_LIT(s) ((struct str){ (s), sizeof(s) - 1 })

/* Parses the whole of s[0..n) as a decimal int64 (optional leading '-'); false on anything else. */
bool str_to_i64(const char *s, size_t n, int64_t *out);
/* Same for a NUL-terminated string. */
bool str_parse_i64(const char *s, int64_t *out);
bool str_valid_utf8(const char *s, size_t n);
/* Whether a code point is invisible or steers the text around it: a control character
 * (Unicode Cc), a format character (Cf: bidi overrides and isolates, zero-width characters,
 * the byte order mark, ...) or a line or paragraph separator. */
bool str_invisible(uint32_t cp);
/* Removes every str_invisible() character from the valid UTF-8 text s[0..n), in place, and
 * returns its new length (the text stays terminated if it was). "\u202Egpj.exe" -> "gpj.exe". */
size_t str_drop_invisible(char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t str_utf8_len(const char *s, size_t n);
bool str_eq(const char *a, const char *b);
bool str_has_prefix(const char *s, const char *prefix);
/* Case-insensitive ASCII comparison of a and b[0..n). */
bool str_ieq_n(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always terminates; returns false if truncated. */
bool str_copy(char *dst, size_t size, const char *src);

#endif
