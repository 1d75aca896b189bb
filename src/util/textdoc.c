/* textdoc.c - plain text to Markdown by the shape of its lines (section numbers, bullets,
 * blank lines), streamed in two passes with no memory per line. It must never drop or
 * reorder a word: whatever does not become structure is kept, escaped where needed. */
#include "util/textdoc.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

#define TEXTDOC_HEADING_MAX 120 /* code points: a longer numbered line is a numbered paragraph */
#define TEXTDOC_SHORT_LINE  60	/* a shorter paragraph line may end where it does on purpose */
#define TEXTDOC_MAX_DEPTH   4	/* list nesting */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Bytes of the blank (space, tab, form feed, vertical tab, no-break space) at p, or 0. */
static size_t blank_at(const char *p, size_t n)
{
	if (n && (*p == ' ' || *p == '\t' || *p == '\f' || *p == '\v'))
		return 1;
	if (n >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
		return 2;
	return 0;
}

/* The same for a blank ending at p[n - 1] (0xC2 is a lead byte, so "C2 A0" is one). */
static size_t blank_before(const char *p, size_t n)
{
	if (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\f' || p[n - 1] == '\v'))
		return 1;
	if (n >= 2 && (unsigned char)p[n - 2] == 0xC2 && (unsigned char)p[n - 1] == 0xA0)
		return 2;
	return 0;
}

static bool has_letter(struct str t)
{
	for (size_t i = 0; i < t.n; i++) {
		if (is_lower(t.p[i]) || is_upper(t.p[i]) || (unsigned char)t.p[i] >= 0x80)
			return true;
	}
	return false;
}

/* Ends like a sentence or a clause, so it is not a heading or title. */
static bool ends_sentence(struct str t)
{
	return t.n && memchr(".,;:!?", t.p[t.n - 1], 6);
}

struct cursor {
	const char *p, *end;
};

/* The next line without its end (\n, \r\n or a lone \r). */
static bool next_line(struct cursor *c, struct str *line)
{
	if (c->p >= c->end)
		return false;
	const char *s = c->p;
	while (c->p < c->end && *c->p != '\n' && *c->p != '\r')
		c->p++;
	*line = (struct str){ s, (size_t)(c->p - s) };
	if (c->p < c->end) {
		if (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')
			c->p++;
		c->p++;
	}
	return true;
}

enum kind {
	L_BLANK,
	L_TEXT,
	L_HEADING,
	L_BULLET,
};

struct line {
	enum kind kind;
	struct str text; /* trimmed; a bullet's text after its marker */
	size_t indent;	 /* columns of blanks before the text or marker */
	int level;	 /* a heading's depth: 1 for "1.", 2 for "1.1" */
};

/* The depth of a section number starting a heading line ("3.3.5 Title": 3), else 0. */
static int section_level(struct str t)
{
	const char *p = t.p;
	size_t n = t.n, i = 0, b;
	int level = 0;
	for (;;) {
		size_t s = i;
		while (i < n && is_digit(p[i]) && i - s <= 3)
			i++;
		if (i == s || i - s > 3)
			return 0; /* no number, or a year or amount */
		level++;
		if (i + 1 < n && p[i] == '.' && is_digit(p[i + 1]))
			i++;
		else
			break;
	}
	if (i < n && p[i] == '.')
		i++;
	if (!blank_at(p + i, n - i))
		return 0;
	while ((b = blank_at(p + i, n - i)))
		i += b;
	struct str rest = { p + i, n - i };
	if (!rest.n || is_lower(rest.p[0]) || !has_letter(rest) || ends_sentence(rest) ||
	    str_utf8_len(p, n) >= TEXTDOC_HEADING_MAX)
		return 0;
	return level;
}

/* Bullets: glyphs that may touch their text, and characters that need a blank after them. */
static const char *const glyph_bullets[] = {
	"\xE2\x80\xA2", /* • */
	"\xC2\xB7",	/* · */
	"\xE2\x97\xA6", /* ◦ */
	"\xE2\x96\xAA", /* ▪ */
	"\xE2\x80\xA3", /* ‣ */
	"\xE2\x97\x8F", /* ● */
	"\xEF\x82\xB7", /* Word's Symbol-font bullet, as pasted */
};
static const char *const char_bullets[] = { "-", "*", "o", "\xE2\x80\x93" /* – */ };

/* Bytes of the bullet marker starting t, or 0. */
static size_t bullet_len(struct str t)
{
	for (size_t i = 0; i < sizeof(glyph_bullets) / sizeof(glyph_bullets[0]); i++) {
		size_t k = strlen(glyph_bullets[i]);
		if (t.n >= k && !memcmp(t.p, glyph_bullets[i], k))
			return k;
	}
	for (size_t i = 0; i < sizeof(char_bullets) / sizeof(char_bullets[0]); i++) {
		size_t k = strlen(char_bullets[i]);
		if (t.n > k && !memcmp(t.p, char_bullets[i], k) && blank_at(t.p + k, t.n - k))
			return k;
	}
	return 0;
}

static void classify(struct str raw, struct line *l)
{
	size_t i = 0, b, cols = 0;
	while ((b = blank_at(raw.p + i, raw.n - i))) {
		cols = raw.p[i] == '\t' ? (cols / 4 + 1) * 4 : cols + 1;
		i += b;
	}
	size_t n = raw.n;
	while (n > i && (b = blank_before(raw.p, n)))
		n -= b;
	*l = (struct line){ L_TEXT, { raw.p + i, n - i }, cols, 0 };
	if (!l->text.n) {
		l->kind = L_BLANK;
		return;
	}
	size_t k = bullet_len(l->text);
	if (k) {
		l->text.p += k;
		l->text.n -= k;
		while ((b = blank_at(l->text.p, l->text.n))) {
			l->text.p += b;
			l->text.n -= b;
		}
		l->kind = l->text.n ? L_BULLET : L_BLANK; /* a bare bullet holds no words */
		return;
	}
	l->level = section_level(l->text);
	if (l->level)
		l->kind = L_HEADING;
}

/* Lines classified, with one line of lookahead: a heading-shaped line that runs on into a
 * lower-case line is the first line of a hard-wrapped numbered paragraph. */
struct reader {
	struct cursor c;
	struct line next;
	bool has_next;
};

static void reader_init(struct reader *r, const char *s, size_t n)
{
	struct str raw;
	r->c = (struct cursor){ s, s + n };
	r->has_next = next_line(&r->c, &raw);
	if (r->has_next)
		classify(raw, &r->next);
}

static bool read_line(struct reader *r, struct line *l)
{
	if (!r->has_next)
		return false;
	*l = r->next;
	struct str raw;
	r->has_next = next_line(&r->c, &raw);
	if (r->has_next)
		classify(raw, &r->next);
	if (l->kind == L_HEADING && r->has_next && r->next.kind == L_TEXT &&
	    is_lower(r->next.text.p[0]))
		l->kind = L_TEXT;
	return true;
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_lower(c) || is_upper(c);
}

/* Length of an http(s) URL starting at p (up to a blank, < > " ` or a non-ASCII byte, less
 * trailing punctuation and unbalanced closing parentheses), or 0. */
static size_t url_len(const char *p, size_t n)
{
	size_t k = n >= 8 && !strncasecmp(p, "https://", 8)  ? 8
		   : n >= 7 && !strncasecmp(p, "http://", 7) ? 7
							     : 0;
	if (!k)
		return 0;
	size_t e = k, open = 0, close = 0;
	while (e < n && (unsigned char)p[e] > ' ' && (unsigned char)p[e] < 0x7F &&
	       !memchr("<>\"`", p[e], 4)) {
		open += p[e] == '(';
		close += p[e] == ')';
		e++;
	}
	while (e > k) {
		char c = p[e - 1];
		if (c == ')' && close > open)
			close--;
		else if (!memchr(".,;:!?'*_~", c, 10))
			break;
		e--;
	}
	return e > k ? e : 0;
}

/* Length of an e-mail address starting at p, in CommonMark's autolink grammar with at least
 * one dot in the domain, or 0. */
static size_t email_len(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (is_alnum(p[i]) || memchr(".!#$%&'*+/=?^_`{|}~-", p[i], 20)))
		i++;
	if (!i || i >= n || p[i] != '@')
		return 0;
	size_t end = 0, labels = 0;
	for (size_t j = i + 1;;) {
		size_t s = j;
		while (j < n && j - s < 63 && (is_alnum(p[j]) || p[j] == '-'))
			j++;
		if (j == s || p[s] == '-' || p[j - 1] == '-')
			break;
		end = j;
		labels++;
		if (j + 1 < n && p[j] == '.' && is_alnum(p[j + 1]))
			j++;
		else
			break;
	}
	return labels >= 2 ? end : 0;
}

/* Appends t with a backslash before each character that could start inline markup
 * (emphasis, code, links, autolinks, strikethrough, table cells, entities, escapes), and
 * before '#' too in a heading, where trailing hashes would be dropped. URLs and e-mail
 * addresses become <autolinks>, whose text is literal: escaping them would cut the link
 * md4c finds in them short. */
static void md_inline(struct buf *b, struct str t, bool hashes)
{
	size_t run = 0;
	for (size_t i = 0; i < t.n; i++) {
		char c = t.p[i];
		size_t link = 0;
		if (!i || !is_alnum(t.p[i - 1]))
			link = url_len(t.p + i, t.n - i);
		if (!link && (!i || (!is_alnum(t.p[i - 1]) &&
				     !memchr(".!#$%&'*+/=?^_`{|}~-", t.p[i - 1], 20))))
			link = email_len(t.p + i, t.n - i);
		bool esc = c == '\\' || c == '`' || c == '*' || c == '_' || c == '[' || c == ']' ||
			   c == '<' || c == '~' || c == '|' || (c == '#' && hashes) ||
			   (c == '&' && i + 1 < t.n && (is_alnum(t.p[i + 1]) || t.p[i + 1] == '#'));
		if (!link && !esc) {
			run++;
			continue;
		}
		buf_add(b, t.p + i - run, run);
		run = 0;
		if (link) {
			buf_addc(b, '<');
			buf_add(b, t.p + i, link);
			buf_addc(b, '>');
			i += link - 1;
		} else {
			buf_addc(b, '\\');
			buf_addc(b, c);
		}
	}
	buf_add(b, t.p + t.n - run, run);
}

/* The same for text starting a line, where # > - + = and "1." or "1)" would start a block. */
static void md_line(struct buf *b, struct str t)
{
	size_t i = 0;
	if (url_len(t.p, t.n) || email_len(t.p, t.n)) {
		/* an <autolink> starts no block */
	} else if (t.n && memchr("#>-+=", t.p[0], 5)) {
		buf_addc(b, '\\');
	} else {
		while (i < t.n && i < 9 && is_digit(t.p[i]))
			i++;
		if (i && i < t.n && (t.p[i] == '.' || t.p[i] == ')') &&
		    (i + 1 == t.n || blank_at(t.p + i + 1, t.n - i - 1))) {
			buf_add(b, t.p, i);
			buf_addc(b, '\\');
		} else {
			i = 0;
		}
	}
	md_inline(b, (struct str){ t.p + i, t.n - i }, false);
}

static void md_heading(struct buf *b, int level, struct str t)
{
	static const char hashes[] = "######";
	buf_add(b, hashes, (size_t)(level < 6 ? level : 6));
	buf_addc(b, ' ');
	md_inline(b, t, true);
}

/* Keeps the line break between two paragraph lines: the first is short and does not run on,
 * the second starts like a new line (a term and its definition, lines of an address). */
static bool hard_break(struct str prev, struct str cur)
{
	return str_utf8_len(prev.p, prev.n) < TEXTDOC_SHORT_LINE &&
	       !memchr(",;-(&/", prev.p[prev.n - 1], 6) &&
	       (is_upper(cur.p[0]) || is_digit(cur.p[0]));
}

static bool title_like(const struct line *l)
{
	return l->kind == L_TEXT && !is_lower(l->text.p[0]) && has_letter(l->text) &&
	       !ends_sentence(l->text) && str_utf8_len(l->text.p, l->text.n) < TEXTDOC_HEADING_MAX;
}

/* The index of the title line (its text in *text): the first title-like one-line paragraph
 * before the first section heading, or the first line when it is one and the text has no
 * sections; or -1. */
static long find_title(const char *s, size_t n, struct str *text)
{
	struct reader r;
	struct line l;
	long i = 0, first = -1, cand = -1;
	bool prev_blank = true, sections = false;
	reader_init(&r, s, n);
	for (; read_line(&r, &l); i++) {
		if (l.kind == L_HEADING) {
			sections = true;
			break;
		}
		if (l.kind != L_BLANK && first < 0)
			first = i;
		bool alone = !r.has_next || r.next.kind == L_BLANK || r.next.kind == L_HEADING;
		if (cand < 0 && prev_blank && alone && title_like(&l)) {
			cand = i;
			*text = l.text;
		}
		prev_blank = l.kind == L_BLANK;
	}
	return sections || cand == first ? cand : -1;
}

enum block {
	B_NONE,
	B_PARA,
	B_LIST,
};

struct emit {
	struct buf *b;
	enum block block;
	bool any; /* a block was written: the next one is set apart by a blank line */
	bool gap; /* a blank line since the list's last line */
	int depth;
	size_t indent[TEXTDOC_MAX_DEPTH];
	struct str prev; /* the paragraph's last line */
};

static void new_block(struct emit *e, enum block block)
{
	if (e->any)
		buf_adds(e->b, "\n\n");
	e->any = true;
	e->block = block;
}

static void spaces(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addc(b, ' ');
}

static void list_item(struct emit *e, const struct line *l)
{
	if (e->block != B_LIST) {
		new_block(e, B_LIST);
		e->depth = 0;
		e->indent[0] = l->indent;
	} else {
		buf_addc(e->b, '\n');
		if (l->indent > e->indent[e->depth] && e->depth + 1 < TEXTDOC_MAX_DEPTH)
			e->indent[++e->depth] = l->indent;
		while (e->depth > 0 && l->indent < e->indent[e->depth])
			e->depth--;
	}
	e->gap = false;
	spaces(e->b, 2 * (size_t)e->depth);
	buf_adds(e->b, "- ");
	md_line(e->b, l->text);
}

static void text_line(struct emit *e, const struct line *l)
{
	struct buf *b = e->b;
	if (e->block == B_LIST && !e->gap &&
	    (l->indent > e->indent[e->depth] || is_lower(l->text.p[0]))) {
		buf_addc(b, '\n'); /* a wrapped item goes on under its bullet */
		spaces(b, 2 * (size_t)e->depth + 2);
	} else if (e->block == B_PARA) {
		buf_adds(b, hard_break(e->prev, l->text) ? "\\\n" : "\n");
	} else {
		new_block(e, B_PARA);
	}
	md_line(b, l->text);
	e->prev = l->text;
}

static void convert_plain(const char *s, size_t n, long title_line, struct buf *b)
{
	struct emit e = { .b = b };
	struct reader r;
	struct line l;
	reader_init(&r, s, n);
	for (long i = 0; read_line(&r, &l); i++) {
		if (l.kind == L_BLANK) {
			e.gap = true;
			if (e.block == B_PARA)
				e.block = B_NONE;
		} else if (i == title_line || l.kind == L_HEADING) {
			new_block(&e, B_NONE);
			md_heading(b, i == title_line ? 1 : l.level + 1, l.text);
		} else if (l.kind == L_BULLET) {
			list_item(&e, &l);
		} else {
			text_line(&e, &l);
		}
	}
	if (e.any)
		buf_addc(b, '\n');
}

/* The text of the first ATX heading outside code fences, in *heading; false if none. */
static bool markdown_heading(const char *s, size_t n, struct str *heading)
{
	struct cursor c = { s, s + n };
	struct str raw;
	bool fence = false;
	while (next_line(&c, &raw)) {
		size_t i = 0;
		while (i < raw.n && i < 3 && raw.p[i] == ' ')
			i++;
		const char *p = raw.p + i;
		size_t m = raw.n - i, h = 0;
		if (m >= 3 && (!memcmp(p, "```", 3) || !memcmp(p, "~~~", 3))) {
			fence = !fence;
			continue;
		}
		while (!fence && h < m && h < 7 && p[h] == '#')
			h++;
		if (!h || h > 6 || h == m || (p[h] != ' ' && p[h] != '\t'))
			continue;
		struct str t = { p + h, m - h };
		size_t b;
		while ((b = blank_at(t.p, t.n)))
			t.p += b, t.n -= b;
		while ((b = blank_before(t.p, t.n)))
			t.n -= b;
		/* a closing run of hashes is not part of the text */
		size_t k = t.n;
		while (k && t.p[k - 1] == '#')
			k--;
		if (k < t.n && (!k || t.p[k - 1] == ' ' || t.p[k - 1] == '\t')) {
			t.n = k;
			while ((b = blank_before(t.p, t.n)))
				t.n -= b;
		}
		if (!t.n)
			continue;
		*heading = t;
		return true;
	}
	return false;
}

/* A Markdown heading's text for display: backslash escapes removed. */
static const char *unescape(struct arena *a, struct str t)
{
	char *s = arena_alloc(a, t.n + 1);
	size_t k = 0;
	if (!s)
		return NULL;
	for (size_t i = 0; i < t.n; i++) {
		char c = t.p[i];
		if (c == '\\' && i + 1 < t.n && t.p[i + 1] > ' ' && t.p[i + 1] < 0x7F &&
		    !is_digit(t.p[i + 1]) && !is_lower(t.p[i + 1]) && !is_upper(t.p[i + 1]))
			c = t.p[++i];
		s[k++] = c;
	}
	return s;
}

enum err textdoc_to_markdown(struct arena *a, const char *text, size_t n, struct buf *out,
			     const char **title)
{
	size_t mark = out->len;
	const char *t = NULL;
	if (title)
		*title = NULL;
	if (n > TEXTDOC_MAX_BYTES)
		return ERR_TOO_LARGE;
	if (!str_valid_utf8(text, n))
		return ERR_BAD_REQUEST;
	if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		n -= 3;
	}
	struct str heading;
	bool titled;
	if (markdown_heading(text, n, &heading)) {
		struct cursor c = { text, text + n };
		struct str raw;
		while (next_line(&c, &raw)) {
			buf_add(out, raw.p, raw.n);
			buf_addc(out, '\n');
		}
		titled = true;
		t = unescape(a, heading);
	} else {
		long line = find_title(text, n, &heading);
		convert_plain(text, n, line, out);
		titled = line >= 0;
		if (titled)
			t = arena_strndup(a, heading.p, heading.n);
	}
	if (buf_failed(out) || (titled && !t)) {
		buf_truncate(out, mark);
		return ERR_NOMEM;
	}
	if (title)
		*title = t;
	return ERR_OK;
}
