/* multipart.c - splitting multipart/form-data bodies. Strict where browsers are consistent (CRLF
 * line ends, a form-data disposition with a quoted name), so a body that does not parse is
 * refused instead of half read. It never copies a part's content. */
#include "util/multipart.h"

#include <string.h>
#include <strings.h>

#include "util/str.h"

bool multipart_is_form(const char *ct)
{
	size_t n = strlen("multipart/form-data");
	return ct && strncasecmp(ct, "multipart/form-data", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The characters RFC 2046 allows in a boundary. */
static bool bchar(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch && strchr("'()+_,-./:=? ", ch));
}

/* The boundary parameter of the Content-Type, quoted or not, into out (room for the cap). */
static bool boundary_of(const char *ct, char *out)
{
	const char *p = ct;
	for (; *p; p++)
		if ((p == ct || p[-1] == ';' || p[-1] == ' ') &&
		    strncasecmp(p, "boundary=", 9) == 0)
			break;
	if (!*p)
		return false;
	p += 9;
	bool quoted = *p == '"';
	p += quoted;
	size_t n = 0;
	while (p[n] && (quoted ? p[n] != '"' : p[n] != ';' && p[n] != ' '))
		n++;
	if (n == 0 || n > MULTIPART_MAX_BOUNDARY_LEN || (quoted && p[n] != '"') || p[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!bchar(p[i]))
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* The first place at or after from where needle[0..k) stands in s[0..n), or n. */
static size_t find(const char *s, size_t n, size_t from, const char *needle, size_t k)
{
	while (from + k <= n) {
		const char *hit = memchr(s + from, needle[0], n - from - k + 1);
		if (!hit)
			break;
		size_t at = (size_t)(hit - s);
		if (memcmp(hit, needle, k) == 0)
			return at;
		from = at + 1;
	}
	return n;
}

/* A parameter of a Content-Disposition value (name="x"), or NULL when absent. Browsers
 * percent-encode quotes in names and file names, so a quoted value ends at the next quote. */
static const char *disposition_param(struct arena *a, const char *v, size_t n, const char *key,
				     bool *bad)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k + 1 <= n; i++) {
		if (i && v[i - 1] != ';' && v[i - 1] != ' ')
			continue;
		if (strncasecmp(v + i, key, k) != 0 || v[i + k] != '=')
			continue;
		size_t from = i + k + 1, to;
		if (from < n && v[from] == '"') {
			from++;
			const char *q = memchr(v + from, '"', n - from);
			if (!q) {
				*bad = true;
				return NULL;
			}
			to = (size_t)(q - v);
		} else {
			to = from;
			while (to < n && v[to] != ';' && v[to] != ' ')
				to++;
		}
		if (!str_valid_utf8(v + from, to - from) || memchr(v + from, '\0', to - from)) {
			*bad = true;
			return NULL;
		}
		return arena_strndup(a, v + from, to - from);
	}
	return NULL;
}

/* Reads a part's header lines from *pos to the empty line that ends them. */
static enum err part_headers(struct arena *a, const char *s, size_t n, size_t *pos,
			     struct multipart_part *pt, const char **why)
{
	for (int lines = 0;; lines++) {
		size_t eol = find(s, n, *pos, "\r\n", 2);
		if (eol == n) {
			*why = "has a part whose headers do not end";
			return ERR_BAD_REQUEST;
		}
		const char *line = s + *pos;
		size_t len = eol - *pos;
		*pos = eol + 2;
		if (len == 0)
			break;
		if (lines == MULTIPART_MAX_HEADERS || len > MULTIPART_MAX_HEADER_LINE) {
			*why = "has a part with too many or too long header lines";
			return ERR_BAD_REQUEST;
		}
		const char *colon = memchr(line, ':', len);
		if (!colon) {
			*why = "has a part with a malformed header line";
			return ERR_BAD_REQUEST;
		}
		size_t kn = (size_t)(colon - line), vi = kn + 1;
		while (vi < len && (line[vi] == ' ' || line[vi] == '\t'))
			vi++;
		const char *v = line + vi;
		size_t vn = len - vi;
		if (kn == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
			if (vn < 9 || strncasecmp(v, "form-data", 9) != 0 ||
			    (vn > 9 && v[9] != ';' && v[9] != ' ')) {
				*why = "has a part that is not form data";
				return ERR_BAD_REQUEST;
			}
			bool bad = false;
			pt->name = disposition_param(a, v, vn, "name", &bad);
			pt->filename = disposition_param(a, v, vn, "filename", &bad);
			if (bad) {
				*why = "has a part with a malformed name or file name";
				return ERR_BAD_REQUEST;
			}
		} else if (kn == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
			pt->content_type = arena_strndup(a, v, vn);
		}
	}
	if (!pt->name) {
		*why = "has a part without a name";
		return ERR_BAD_REQUEST;
	}
	return ERR_OK;
}

enum err multipart_parse(struct arena *a, const char *content_type, const char *body, size_t n,
			 struct multipart *out, const char **why)
{
	out->n = 0;
	char b[MULTIPART_MAX_BOUNDARY_LEN + 1];
	if (!multipart_is_form(content_type) || !boundary_of(content_type, b)) {
		*why = "names no valid boundary";
		return ERR_BAD_REQUEST;
	}
	/* every delimiter but a first one at the very start follows a line break */
	char delim[MULTIPART_MAX_BOUNDARY_LEN + 5] = "\r\n--";
	memcpy(delim + 4, b, strlen(b) + 1);
	size_t dn = strlen(delim);
	size_t pos = n >= dn - 2 && memcmp(body, delim + 2, dn - 2) == 0
			     ? dn - 2
			     : find(body, n, 0, delim, dn) + dn;
	if (pos > n) {
		*why = "holds no part";
		return ERR_BAD_REQUEST;
	}
	for (;;) {
		/* after a delimiter: "--" closes the body, else transport padding and CRLF */
		if (pos + 2 <= n && body[pos] == '-' && body[pos + 1] == '-')
			return ERR_OK;
		while (pos < n && (body[pos] == ' ' || body[pos] == '\t'))
			pos++;
		if (pos + 2 > n || body[pos] != '\r' || body[pos + 1] != '\n') {
			*why = "is not closed by its boundary";
			return ERR_BAD_REQUEST;
		}
		pos += 2;
		if (out->n == MULTIPART_MAX_PARTS) {
			*why = "has too many parts";
			return ERR_BAD_REQUEST;
		}
		struct multipart_part *pt = &out->parts[out->n];
		memset(pt, 0, sizeof(*pt));
		enum err err = part_headers(a, body, n, &pos, pt, why);
		if (err)
			return err;
		size_t end = find(body, n, pos, delim, dn);
		if (end == n) {
			*why = "is not closed by its boundary";
			return ERR_BAD_REQUEST;
		}
		pt->data = body + pos;
		pt->n = end - pos;
		out->n++;
		pos = end + dn;
	}
}

static enum err to_form(struct arena *a, const char *content_type, const char *body, size_t n,
			struct form *out, struct multipart **files, const char **why)
{
	out->n = 0;
	struct multipart *mp = arena_alloc_raw(a, sizeof(*mp));
	if (!mp)
		return ERR_NOMEM;
	enum err err = multipart_parse(a, content_type, body, n, mp, why);
	if (err)
		return err;
	_Static_assert(MULTIPART_MAX_PARTS <= FORM_MAX_FIELDS, "every part fits a form");
	for (size_t i = 0; i < mp->n; i++) {
		const struct multipart_part *pt = &mp->parts[i];
		if (files && pt->filename)
			continue; /* the caller reads its bytes from the parts */
		if (memchr(pt->data, '\0', pt->n) ||
		    (!pt->filename && !str_valid_utf8(pt->data, pt->n))) {
			*why = pt->filename ? "holds a file that is not text (it has NUL bytes)"
					    : "is not valid form data (not UTF-8)";
			return ERR_BAD_REQUEST;
		}
		char *v = arena_strndup(a, pt->data, pt->n);
		if (!v)
			return ERR_NOMEM;
		out->items[out->n++] = (struct form_field){ pt->name, v };
	}
	if (files)
		*files = mp;
	return ERR_OK;
}

enum err multipart_form(struct arena *a, const char *content_type, const char *body, size_t n,
			struct form *out, const char **why)
{
	return to_form(a, content_type, body, n, out, NULL, why);
}

enum err multipart_form_files(struct arena *a, const char *content_type, const char *body, size_t n,
			      struct form *out, struct multipart **files, const char **why)
{
	return to_form(a, content_type, body, n, out, files, why);
}
