/* form.c - decoding HTML form posts. */
#include "util/form.h"

#include <string.h>

#include "util/str.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) ('+' is a space, %XX a byte) into a new string; NULL when malformed. */
static char *decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc_raw(a, n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return NULL;
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	if (memchr(out, '\0', o) || !str_valid_utf8(out, o))
		return NULL;
	/* browsers send a textarea's line breaks as CR LF: keep one form, LF */
	size_t w = 0;
	for (size_t r = 0; r < o; r++) {
		if (out[r] == '\r') {
			out[w++] = '\n';
			if (r + 1 < o && out[r + 1] == '\n')
				r++;
		} else {
			out[w++] = out[r];
		}
	}
	out[w] = '\0';
	return out;
}

enum err form_parse(struct arena *a, const char *body, size_t n, struct form *out, const char **why)
{
	out->n = 0;
	size_t i = 0;
	while (i < n) {
		const char *amp = memchr(body + i, '&', n - i);
		size_t end = amp ? (size_t)(amp - body) : n;
		if (end > i) {
			if (out->n == FORM_MAX_FIELDS) {
				*why = "has too many fields";
				return ERR_BAD_REQUEST;
			}
			const char *eq = memchr(body + i, '=', end - i);
			size_t kn = eq ? (size_t)(eq - (body + i)) : end - i;
			char *k = decode(a, body + i, kn);
			char *v = eq ? decode(a, eq + 1, end - (size_t)(eq + 1 - body))
				     : arena_strdup(a, "");
			if (!k || !v) {
				*why = "is not valid form data (bad escape or not UTF-8)";
				return ERR_BAD_REQUEST;
			}
			out->items[out->n++] = (struct form_field){ k, v };
		}
		i = end + 1;
	}
	return ERR_OK;
}

const char *form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->items[i].name, name) == 0)
			return f->items[i].value;
	return NULL;
}

int form_count(const struct form *f, const char *name)
{
	int k = 0;
	for (size_t i = 0; i < f->n; i++)
		k += strcmp(f->items[i].name, name) == 0;
	return k;
}
