/* pdf.c - a published document as a PDF, laid out here and written by libharu in memory: our
 * own line breaking over md4c's parser callbacks, the standard Helvetica and Courier fonts in
 * WinAnsiEncoding (UTF-8 is converted to CP1252 here). No files, no external tools, and raw
 * HTML in the body is only ever text: a PDF of ours holds no script or actions. */
#include "io/pdf.h"

#include <hpdf.h>
#include <md4c.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

/* Geometry in points (1/72 inch). */
#define PAGE_W	    595.276
#define PAGE_H	    841.89
#define MARGIN	    56.7 /* 20 mm */
#define TEXT_W	    (PAGE_W - 2 * MARGIN)
#define TEXT_TOP    (PAGE_H - MARGIN)
#define TEXT_BOTTOM (MARGIN + 12) /* the footer sits below */
#define FOOTER_Y    36.0
#define INDENT	    18.0 /* one level of list or quote */
#define MAX_NEST    10	 /* deeper lists and quotes keep this indent, so text keeps its width */
#define MAX_COLS    16	 /* further table cells join the last column */

/* Type sizes and line heights. */
#define BODY_SIZE  10.5
#define BODY_LEAD  14.5
#define CODE_SIZE  9.0
#define CODE_LEAD  11.5
#define META_SIZE  9.5
#define META_LEAD  13.0
#define HASH_SIZE  7.0
#define HASH_LEAD  9.0
#define FOOT_SIZE  8.0
#define TITLE_SIZE 20.0
#define TITLE_LEAD 25.0

#define TEXT_CAP    (4u << 20)	   /* one block's text: far more than PDF_MAX_PAGES pages hold */
#define CONTENT_MAX PDF_MAX_OUTPUT /* page content before compression, so memory stays bounded */

enum style { ST_REG, ST_BOLD, ST_ITAL, ST_BOLDITAL, ST_MONO, ST__COUNT };

static const char *const font_names[ST__COUNT] = { "Helvetica", "Helvetica-Bold",
						   "Helvetica-Oblique", "Helvetica-BoldOblique",
						   "Courier" };

/* Where inline text goes: how the block being read is set. */
enum leaf { LEAF_P, LEAF_H, LEAF_CODE };

/* Text ready to set: CP1252 bytes and one style byte for each. */
struct text {
	struct buf t;
	struct buf s;
	size_t base; /* start of the current block or cell, for collapsing white space */
};

struct list {
	bool ordered;
	char delim;
	unsigned next;
};

struct pdf {
	HPDF_Doc doc;
	HPDF_Font font[ST__COUNT];
	uint16_t width[ST__COUNT][256]; /* glyph widths in 1/1000 em, measured once */
	HPDF_Page pages[PDF_MAX_PAGES];
	size_t npages;
	HPDF_Page cur;
	double y;	  /* top of the free space on the current page */
	double gap;	  /* space owed before the next line; dropped at a page top */
	size_t content;	  /* bytes of page content written, against CONTENT_MAX */
	HPDF_STATUS herr; /* the first libharu error, set by its error handler */
	enum err err;	  /* sticky: once set, nothing more is drawn */
	struct text in;	  /* the block being read (or a table row's cells) */
	struct buf run;	  /* one run of text, NUL-terminated for libharu */

	/* where md4c's parser is */
	enum leaf leaf;
	unsigned hlevel;
	int strong, em, code, link;
	size_t link_start;
	unsigned nest; /* open lists and quotes */
	bool quote[MAX_NEST];
	struct list list[MAX_NEST];
	char marker[16]; /* a list item's bullet or number, set with its first line */
	bool marker_pending;
	bool table, th;
	unsigned cols, ncell;
	size_t cell_a[MAX_COLS], cell_b[MAX_COLS];
};

/* ---- errors ---- */

static void fail(struct pdf *p, enum err e)
{
	if (p->err == ERR_OK)
		p->err = e;
}

/* libharu calls this instead of returning a reason; its functions then return the status and
 * refuse further work on the document, so noting the first error is enough. */
static void on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
	(void)detail_no;
	struct pdf *p = user_data;
	if (error_no != HPDF_STREAM_EOF && p->herr == HPDF_OK)
		p->herr = error_no;
}

static bool ok(struct pdf *p)
{
	if (p->herr != HPDF_OK)
		fail(p, p->herr == HPDF_FAILD_TO_ALLOC_MEM ? ERR_NOMEM : ERR_INTERNAL);
	if (buf_failed(&p->in.t) || buf_failed(&p->in.s) || buf_failed(&p->run))
		fail(p, ERR_TOO_LARGE); /* a block past TEXT_CAP */
	return p->err == ERR_OK;
}

/* ---- UTF-8 to CP1252 ---- */

/* The characters of CP1252's 0x80..0x9F (0 where it has none). */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0,	0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0,	0x017D, 0,	0,	0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,	0x017E, 0x0178,
};

/* The CP1252 byte for code point cp: '?' when it has none, 0 for a character to drop. */
static unsigned char cp1252(uint32_t cp)
{
	if (cp == 0xAD || cp == 0x200B || cp == 0xFEFF)
		return 0; /* soft hyphen, zero-width space, BOM: invisible */
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
		return '?';
	if (cp < 0x100)
		return (unsigned char)cp; /* Latin-1 */
	for (unsigned i = 0; i < 32; i++)
		if (cp1252_high[i] == cp)
			return (unsigned char)(0x80 + i);
	if (cp == 0x2010 || cp == 0x2011 || cp == 0x2212)
		return '-';
	return '?';
}

static bool is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* The code point at s[*i] (the input was checked to be valid UTF-8; anything else is '?'). */
static uint32_t utf8_next(const char *s, size_t n, size_t *i)
{
	unsigned char c = (unsigned char)s[*i];
	size_t len = c < 0x80 ? 1 : c < 0xC0 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (len == 0 || len > n - *i) {
		(*i)++;
		return '?';
	}
	uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu : c & 0x07u;
	for (size_t k = 1; k < len; k++)
		cp = cp << 6 | ((unsigned char)s[*i + k] & 0x3Fu);
	*i += len;
	return cp;
}

static void text_reset(struct text *x)
{
	buf_reset(&x->t);
	buf_reset(&x->s);
	x->base = 0;
}

static void text_byte(struct text *x, unsigned char c, enum style st)
{
	buf_addc(&x->t, (char)c);
	buf_addc(&x->s, (char)st);
}

/* Adds one character. Outside preformatted text white space collapses to one space (none at
 * the start of a block or after a line break); inside it tabs stop every four columns. */
static void text_cp(struct text *x, uint32_t cp, enum style st, bool pre)
{
	if (pre && cp == '\n') {
		text_byte(x, '\n', st);
	} else if (pre && cp == '\t') {
		size_t col = 0;
		while (x->t.len - col > x->base && x->t.p[x->t.len - col - 1] != '\n')
			col++;
		do
			text_byte(x, ' ', st);
		while (++col % 4);
	} else if (is_space(cp)) {
		if (pre) {
			if (cp != '\r')
				text_byte(x, ' ', st);
			return;
		}
		char last = x->t.len > x->base ? x->t.p[x->t.len - 1] : '\n';
		if (last != ' ' && last != '\n')
			text_byte(x, ' ', st);
	} else {
		unsigned char c = cp1252(cp);
		if (c)
			text_byte(x, c, st);
	}
}

static void text_utf8(struct text *x, const char *s, size_t n, enum style st, bool pre)
{
	for (size_t i = 0; i < n;)
		text_cp(x, utf8_next(s, n, &i), st, pre);
}

static void text_str(struct text *x, const char *s, enum style st)
{
	if (s)
		text_utf8(x, s, strlen(s), st, false);
}

/* A hard line break: the line ends here, and no space follows it. */
static void text_break(struct text *x, enum style st)
{
	while (x->t.len > x->base && x->t.p[x->t.len - 1] == ' ') {
		buf_truncate(&x->t, x->t.len - 1);
		buf_truncate(&x->s, x->s.len - 1);
	}
	text_byte(x, '\n', st);
}

/* ---- entities ---- */

static const struct {
	const char *name;
	uint16_t cp;
} entities[] = {
	{ "amp", '&' },	     { "lt", '<' },	   { "gt", '>' },	{ "quot", '"' },
	{ "apos", '\'' },    { "nbsp", 0xA0 },	   { "copy", 0xA9 },	{ "reg", 0xAE },
	{ "trade", 0x2122 }, { "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 },  { "ldquo", 0x201C }, { "rdquo", 0x201D },
	{ "sbquo", 0x201A }, { "bdquo", 0x201E },  { "bull", 0x2022 },	{ "euro", 0x20AC },
	{ "sect", 0xA7 },    { "para", 0xB6 },	   { "deg", 0xB0 },	{ "plusmn", 0xB1 },
	{ "times", 0xD7 },   { "divide", 0xF7 },   { "middot", 0xB7 },	{ "laquo", 0xAB },
	{ "raquo", 0xBB },   { "pound", 0xA3 },	   { "yen", 0xA5 },	{ "cent", 0xA2 },
	{ "frac12", 0xBD },  { "frac14", 0xBC },   { "frac34", 0xBE },	{ "shy", 0xAD },
	{ "auml", 0xE4 },    { "ouml", 0xF6 },	   { "uuml", 0xFC },	{ "Auml", 0xC4 },
	{ "Ouml", 0xD6 },    { "Uuml", 0xDC },	   { "szlig", 0xDF },	{ "eacute", 0xE9 },
	{ "egrave", 0xE8 },  { "aacute", 0xE1 },   { "agrave", 0xE0 },	{ "ccedil", 0xE7 },
	{ "ntilde", 0xF1 },
};

/* The code point of an entity as md4c found it ("&copy;", "&#169;", "&#xA9;"), or 0 when it
 * is not one we know (then it is shown as written). */
static uint32_t entity_cp(const char *s, size_t n)
{
	if (n < 3 || s[0] != '&' || s[n - 1] != ';')
		return 0;
	if (s[1] == '#') {
		bool hex = n > 3 && (s[2] == 'x' || s[2] == 'X');
		uint32_t v = 0;
		size_t i = hex ? 3 : 2;
		if (i >= n - 1 || n - 1 - i > 7)
			return 0xFFFD;
		for (; i < n - 1; i++) {
			char c = s[i];
			unsigned d = c >= '0' && c <= '9'	   ? (unsigned)(c - '0')
				     : hex && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				     : hex && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
								   : 99;
			if (d == 99)
				return 0;
			v = v * (hex ? 16 : 10) + d;
		}
		return v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ? 0xFFFD : v;
	}
	for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++)
		if (strlen(entities[i].name) == n - 2 && !memcmp(entities[i].name, s + 1, n - 2))
			return entities[i].cp;
	return 0;
}

/* ---- measuring and line breaking ---- */

static double measure(const struct pdf *p, const struct text *x, size_t a, size_t b, double size)
{
	const unsigned char *t = (const unsigned char *)x->t.p, *st = (const unsigned char *)x->s.p;
	uint64_t units = 0;
	for (size_t i = a; i < b; i++)
		units += p->width[st[i]][t[i]];
	return (double)units * size / 1000.0;
}

/* The line that starts at from in x[from..to): it ends at *end, the next begins at *next.
 * Lines break at spaces; a word longer than the line breaks where it overflows, and a line
 * always takes at least one character, so the caller always gets further. Preformatted text
 * breaks only at its newlines, or where a line overflows. */
static void wrap(const struct pdf *p, const struct text *x, size_t from, size_t to, double width,
		 double size, bool pre, size_t *end, size_t *next)
{
	const unsigned char *t = (const unsigned char *)x->t.p, *st = (const unsigned char *)x->s.p;
	double limit = width * 1000.0 / size;
	size_t i = from;
	while (!pre && i < to && t[i] == ' ')
		i++;
	size_t start = i, brk = 0;
	double w = 0;
	for (; i < to; i++) {
		if (t[i] == '\n') {
			*end = i;
			*next = i + 1;
			return;
		}
		w += p->width[st[i]][t[i]];
		if (!pre && t[i] == ' ') {
			brk = i; /* spaces never overflow: a line may end on one */
			continue;
		}
		if (w > limit && i > start) {
			*end = brk > start ? brk : i;
			*next = brk > start ? brk + 1 : i;
			return;
		}
	}
	*end = to;
	*next = to;
	while (!pre && *end > start && t[*end - 1] == ' ')
		(*end)--;
}

/* ---- pages and drawing ---- */

static void new_page(struct pdf *p)
{
	if (!ok(p))
		return;
	if (p->npages == PDF_MAX_PAGES) {
		fail(p, ERR_TOO_LARGE);
		return;
	}
	HPDF_Page pg = HPDF_AddPage(p->doc);
	if (!pg || HPDF_Page_SetSize(pg, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT) != HPDF_OK) {
		if (ok(p))
			fail(p, ERR_INTERNAL);
		return;
	}
	p->pages[p->npages++] = pg;
	p->cur = pg;
	p->y = TEXT_TOP;
	p->gap = 0;
}

/* Starts a new page unless h points fit below the cursor after the gap owed. */
static void reserve(struct pdf *p, double h)
{
	if (ok(p) && (!p->cur || p->y - p->gap - h < TEXT_BOTTOM))
		new_page(p);
}

/* Makes room for a line h high: reserves it and pays the gap owed. */
static void advance(struct pdf *p, double h)
{
	reserve(p, h);
	p->y -= p->gap;
	p->gap = 0;
}

static void space(struct pdf *p, double g)
{
	if (p->gap < g)
		p->gap = g;
}

/* The baseline of a line of type size in a line lead high whose top is y: glyphs centred. */
static double baseline(double y, double size, double lead)
{
	return y - (lead - 0.925 * size) / 2 - 0.718 * size;
}

static void stroke(struct pdf *p, double x0, double y0, double x1, double y1, double gray, double w)
{
	if (!ok(p))
		return;
	HPDF_Page_SetGrayStroke(p->cur, (HPDF_REAL)gray);
	HPDF_Page_SetLineWidth(p->cur, (HPDF_REAL)w);
	HPDF_Page_MoveTo(p->cur, (HPDF_REAL)x0, (HPDF_REAL)y0);
	HPDF_Page_LineTo(p->cur, (HPDF_REAL)x1, (HPDF_REAL)y1);
	HPDF_Page_Stroke(p->cur);
	p->content += 64;
}

/* Sets x[a..b) at x0 on baseline y on page pg: one text operator per run of one style. */
static void show(struct pdf *p, HPDF_Page pg, double x0, double y, double size,
		 const struct text *x, size_t a, size_t b)
{
	if (a >= b || !ok(p))
		return;
	const unsigned char *st = (const unsigned char *)x->s.p;
	HPDF_Page_BeginText(pg);
	while (a < b && ok(p)) {
		size_t e = a;
		while (e < b && st[e] == st[a])
			e++;
		buf_reset(&p->run);
		buf_add(&p->run, x->t.p + a, e - a);
		if (!ok(p))
			break;
		HPDF_Page_SetFontAndSize(pg, p->font[st[a]], (HPDF_REAL)size);
		HPDF_Page_TextOut(pg, (HPDF_REAL)x0, (HPDF_REAL)y, buf_cstr(&p->run));
		x0 += measure(p, x, a, e, size);
		p->content += e - a + 48;
		a = e;
	}
	HPDF_Page_EndText(pg);
	if (p->content > CONTENT_MAX)
		fail(p, ERR_TOO_LARGE);
}

static void rule(struct pdf *p, double x0, double x1, double gray)
{
	advance(p, 1);
	stroke(p, x0, p->y - 0.5, x1, p->y - 0.5, gray, 0.6);
	p->y -= 1;
}

/* The left edge of body text at the current nesting. */
static double left(const struct pdf *p)
{
	return MARGIN + INDENT * (p->nest < MAX_NEST ? p->nest : MAX_NEST);
}

/* The bars beside quoted text, for one line lead high. */
static void quote_bars(struct pdf *p, double lead)
{
	unsigned n = p->nest < MAX_NEST ? p->nest : MAX_NEST;
	for (unsigned d = 0; d < n; d++)
		if (p->quote[d])
			stroke(p, MARGIN + INDENT * d + 5, p->y, MARGIN + INDENT * d + 5,
			       p->y - lead, 0.7, 1.5);
}

struct setting {
	double size, lead;
	double keep; /* height that must fit below the block's last line, on the same page */
	bool pre;
};

/* Sets x[a..b) as lines from x0, width w, with a pending list marker on the first line. */
static void set_block(struct pdf *p, const struct text *x, size_t a, size_t b, double x0, double w,
		      const struct setting *s)
{
	size_t pos = a, end, next;
	if (s->keep > 0) {
		/* a heading moves to the next page with the line that follows it */
		unsigned lines = 0;
		for (size_t q = a; q < b && lines < 8; q = next, lines++)
			wrap(p, x, q, b, w, s->size, s->pre, &end, &next);
		reserve(p, lines * s->lead + s->keep);
	}
	for (;;) {
		while (!s->pre && pos < b && x->t.p[pos] == ' ')
			pos++;
		if (pos >= b || !ok(p))
			break;
		wrap(p, x, pos, b, w, s->size, s->pre, &end, &next);
		advance(p, s->lead);
		quote_bars(p, s->lead);
		double y = baseline(p->y, s->size, s->lead);
		if (p->marker_pending) {
			struct text m = { 0 };
			buf_init(&m.t, 64);
			buf_init(&m.s, 64);
			text_str(&m, p->marker, ST_REG);
			double mw = measure(p, &m, 0, m.t.len, BODY_SIZE);
			show(p, p->cur, x0 - 5 - mw, baseline(p->y, BODY_SIZE, s->lead), BODY_SIZE,
			     &m, 0, m.t.len);
			buf_free(&m.t);
			buf_free(&m.s);
			p->marker_pending = false;
		}
		show(p, p->cur, x0, y, s->size, x, pos, end);
		p->y -= s->lead;
		pos = next;
	}
}

struct cell {
	size_t a, b;
	double x, w;
};

/* Sets cells side by side, line by line, so a row taller than a page continues on the next. */
static void set_row(struct pdf *p, const struct text *x, struct cell *c, size_t n, double size,
		    double lead)
{
	for (;;) {
		bool more = false;
		for (size_t i = 0; i < n; i++) {
			while (c[i].a < c[i].b && x->t.p[c[i].a] == ' ')
				c[i].a++;
			more |= c[i].a < c[i].b;
		}
		if (!more || !ok(p))
			return;
		advance(p, lead);
		quote_bars(p, lead);
		double y = baseline(p->y, size, lead);
		for (size_t i = 0; i < n; i++) {
			if (c[i].a >= c[i].b)
				continue;
			size_t end, next;
			wrap(p, x, c[i].a, c[i].b, c[i].w, size, false, &end, &next);
			show(p, p->cur, c[i].x, y, size, x, c[i].a, end);
			c[i].a = next;
		}
		p->y -= lead;
	}
}

/* A paragraph of one style at full width, for the title block. */
static void set_line(struct pdf *p, const char *s, enum style st, double size, double lead)
{
	text_reset(&p->in);
	text_str(&p->in, s, st);
	struct setting set = { .size = size, .lead = lead };
	set_block(p, &p->in, 0, p->in.t.len, MARGIN, TEXT_W, &set);
	text_reset(&p->in);
}

/* ---- Markdown ---- */

static enum style cur_style(const struct pdf *p)
{
	if (p->code || p->leaf == LEAF_CODE)
		return ST_MONO;
	bool b = p->strong || p->leaf == LEAF_H || p->th, i = p->em > 0;
	return b && i ? ST_BOLDITAL : b ? ST_BOLD : i ? ST_ITAL : ST_REG;
}

/* Sets the text read so far as the current block says (table rows wait for their end). */
static void flush(struct pdf *p)
{
	if (p->table || p->in.t.len == 0 || !ok(p))
		return;
	static const double hsize[] = { 18, 15, 13, 11.5, 11, 11 };
	struct setting s = { .size = BODY_SIZE, .lead = BODY_LEAD };
	double x0 = left(p), w = MARGIN + TEXT_W - x0;
	if (p->leaf == LEAF_H) {
		unsigned l = p->hlevel >= 1 && p->hlevel <= 6 ? p->hlevel : 6;
		s.size = hsize[l - 1];
		s.lead = s.size * 1.3;
		s.keep = 2 * BODY_LEAD;
	} else if (p->leaf == LEAF_CODE) {
		s.size = CODE_SIZE;
		s.lead = CODE_LEAD;
		s.pre = true;
		x0 += 8;
		w -= 8;
	}
	set_block(p, &p->in, 0, p->in.t.len, x0, w, &s);
	text_reset(&p->in);
}

/* A list item with nothing of its own before its end or a nested list: its marker alone. */
static void flush_marker(struct pdf *p)
{
	if (!p->marker_pending || p->table)
		return;
	text_byte(&p->in, 0xA0, ST_REG); /* a no-break space: a line to set the marker on */
	flush(p);
	p->marker_pending = false;
}

static void open_nest(struct pdf *p, bool quote, const struct list *l)
{
	if (p->nest < MAX_NEST) {
		p->quote[p->nest] = quote;
		if (l)
			p->list[p->nest] = *l;
	}
	p->nest++;
}

/* The innermost open list (NULL past MAX_NEST, or when a quote is innermost). */
static struct list *cur_list(struct pdf *p)
{
	if (p->nest == 0 || p->nest > MAX_NEST || p->quote[p->nest - 1])
		return NULL;
	return &p->list[p->nest - 1];
}

static void item_marker(struct pdf *p)
{
	struct list *l = cur_list(p);
	if (l && l->ordered) {
		snprintf(p->marker, sizeof(p->marker), "%u%c", l->next, l->delim);
		if (l->next < 999999999u)
			l->next++;
	} else {
		/* bullet, then en dash, by depth: nested lists read apart */
		str_copy(p->marker, sizeof(p->marker),
			 p->nest % 2 ? "\xE2\x80\xA2" : "\xE2\x80\x93");
	}
	p->marker_pending = true;
}

static void table_cell(struct pdf *p, bool enter)
{
	unsigned k = p->ncell < MAX_COLS ? p->ncell : MAX_COLS - 1;
	if (!enter) {
		p->cell_b[k] = p->in.t.len;
		p->ncell++;
	} else if (p->ncell < MAX_COLS) {
		p->cell_a[k] = p->cell_b[k] = p->in.t.len;
		p->in.base = p->in.t.len;
	} else {
		text_str(&p->in, " | ", ST_REG);
	}
}

static void table_row(struct pdf *p)
{
	unsigned n = p->ncell < MAX_COLS ? p->ncell : MAX_COLS;
	unsigned cols = p->cols > n ? p->cols : n;
	if (n == 0 || cols == 0) {
		text_reset(&p->in);
		return;
	}
	double x0 = left(p), colw = (MARGIN + TEXT_W - x0) / cols;
	struct cell c[MAX_COLS];
	for (unsigned i = 0; i < n; i++)
		c[i] = (struct cell){ p->cell_a[i], p->cell_b[i], x0 + i * colw, colw - 6 };
	space(p, 2);
	set_row(p, &p->in, c, n, META_SIZE, META_LEAD);
	text_reset(&p->in);
	p->ncell = 0;
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct pdf *p = arg;
	flush(p);
	switch (type) {
	case MD_BLOCK_QUOTE:
		space(p, 6);
		open_nest(p, true, NULL);
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL: {
		const MD_BLOCK_OL_DETAIL *ol = detail;
		struct list l = { .ordered = type == MD_BLOCK_OL };
		if (l.ordered) {
			l.next = ol->start;
			l.delim = ol->mark_delimiter == ')' ? ')' : '.';
		}
		flush_marker(p);
		space(p, p->nest ? 2 : 6);
		open_nest(p, false, &l);
		break;
	}
	case MD_BLOCK_LI:
		space(p, 2);
		item_marker(p);
		p->leaf = LEAF_P;
		break;
	case MD_BLOCK_H: {
		const MD_BLOCK_H_DETAIL *h = detail;
		p->leaf = LEAF_H;
		p->hlevel = h->level;
		space(p, h->level <= 1 ? 16 : h->level == 2 ? 14 : 10);
		break;
	}
	case MD_BLOCK_P:
		p->leaf = LEAF_P;
		space(p, 6);
		break;
	case MD_BLOCK_CODE:
		p->leaf = LEAF_CODE;
		space(p, 6);
		break;
	case MD_BLOCK_HR:
		space(p, 8);
		rule(p, left(p), MARGIN + TEXT_W, 0.6);
		space(p, 8);
		break;
	case MD_BLOCK_TABLE: {
		const MD_BLOCK_TABLE_DETAIL *t = detail;
		flush_marker(p);
		space(p, 8);
		p->table = true;
		p->cols = t->col_count < MAX_COLS ? t->col_count : MAX_COLS;
		text_reset(&p->in);
		break;
	}
	case MD_BLOCK_THEAD:
		p->th = true;
		break;
	case MD_BLOCK_TR:
		text_reset(&p->in);
		p->ncell = 0;
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		table_cell(p, true);
		break;
	default:
		break; /* the document; raw HTML blocks never come (MD_FLAG_NOHTML) */
	}
	return ok(p) ? 0 : -1;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	(void)detail;
	struct pdf *p = arg;
	flush(p);
	switch (type) {
	case MD_BLOCK_H:
		p->leaf = LEAF_P;
		space(p, 4);
		break;
	case MD_BLOCK_CODE:
		p->leaf = LEAF_P;
		space(p, 6);
		break;
	case MD_BLOCK_LI:
		flush_marker(p);
		break;
	case MD_BLOCK_QUOTE:
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		if (p->nest)
			p->nest--;
		space(p, 6);
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		table_cell(p, false);
		break;
	case MD_BLOCK_TR:
		table_row(p);
		break;
	case MD_BLOCK_THEAD:
		p->th = false;
		space(p, 2);
		rule(p, left(p), MARGIN + TEXT_W, 0.5);
		break;
	case MD_BLOCK_TABLE:
		space(p, 2);
		rule(p, left(p), MARGIN + TEXT_W, 0.75);
		p->table = false;
		text_reset(&p->in);
		space(p, 8);
		break;
	default:
		break;
	}
	return ok(p) ? 0 : -1;
}

/* Adds an attribute's text (a link target) with its entities decoded. */
static void text_attr(struct pdf *p, const MD_ATTRIBUTE *a, enum style st)
{
	for (size_t i = 0; a->substr_offsets[i] < a->size; i++) {
		const char *s = a->text + a->substr_offsets[i];
		size_t n = a->substr_offsets[i + 1] - a->substr_offsets[i];
		uint32_t cp = a->substr_types[i] == MD_TEXT_ENTITY ? entity_cp(s, n) : 0;
		if (a->substr_types[i] == MD_TEXT_NULLCHAR)
			text_cp(&p->in, '?', st, false);
		else if (cp)
			text_cp(&p->in, cp, st, false);
		else
			text_utf8(&p->in, s, n, st, false);
	}
}

/* After a link's text, its target in brackets when it is a web or mail address the text does
 * not already show: the printed page cannot be clicked. */
static void link_target(struct pdf *p, const MD_SPAN_A_DETAIL *d)
{
	static const char *const schemes[] = { "http://", "https://", "mailto:" };
	bool web = false;
	for (size_t i = 0; i < 3; i++)
		web |= d->href.size >= strlen(schemes[i]) &&
		       str_ieq_n(schemes[i], d->href.text, strlen(schemes[i]));
	if (!web)
		return;
	size_t mark = p->in.t.len, shown = mark - p->link_start;
	text_str(&p->in, " (", cur_style(p));
	size_t url = p->in.t.len;
	text_attr(p, &d->href, cur_style(p));
	size_t n = p->in.t.len - url;
	if (!ok(p))
		return;
	/* autolinks ("www.example.org", "a@example.org") show their target already */
	if (shown == 0 || (n >= shown && !memcmp(p->in.t.p + url + n - shown,
						 p->in.t.p + p->link_start, shown))) {
		buf_truncate(&p->in.t, mark);
		buf_truncate(&p->in.s, mark);
		return;
	}
	text_str(&p->in, ")", cur_style(p));
}

static int enter_span(MD_SPANTYPE type, void *detail, void *arg)
{
	(void)detail;
	struct pdf *p = arg;
	if (type == MD_SPAN_EM)
		p->em++;
	else if (type == MD_SPAN_STRONG)
		p->strong++;
	else if (type == MD_SPAN_CODE)
		p->code++;
	else if (type == MD_SPAN_A && p->link++ == 0)
		p->link_start = p->in.t.len;
	return 0; /* images show their alt text; strikethrough and underline as plain text */
}

static int leave_span(MD_SPANTYPE type, void *detail, void *arg)
{
	struct pdf *p = arg;
	if (type == MD_SPAN_EM && p->em)
		p->em--;
	else if (type == MD_SPAN_STRONG && p->strong)
		p->strong--;
	else if (type == MD_SPAN_CODE && p->code)
		p->code--;
	else if (type == MD_SPAN_A && p->link && --p->link == 0)
		link_target(p, detail);
	return ok(p) ? 0 : -1;
}

static int on_text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *arg)
{
	struct pdf *p = arg;
	enum style st = cur_style(p);
	uint32_t cp;
	switch (type) {
	case MD_TEXT_NULLCHAR:
		text_cp(&p->in, '?', st, false);
		break;
	case MD_TEXT_BR:
		text_break(&p->in, st);
		break;
	case MD_TEXT_SOFTBR:
		text_cp(&p->in, ' ', st, false);
		break;
	case MD_TEXT_ENTITY:
		cp = entity_cp(s, n);
		if (cp)
			text_cp(&p->in, cp, st, false);
		else
			text_utf8(&p->in, s, n, st, false);
		break;
	default:
		/* normal text, code and (with MD_FLAG_NOHTML) what looks like HTML: as text */
		text_utf8(&p->in, s, n, st, p->leaf == LEAF_CODE && !p->table);
		break;
	}
	return ok(p) ? 0 : -1;
}

static void body(struct pdf *p, const char *s, size_t n)
{
	MD_PARSER parser = {
		.abi_version = 0,
		.flags = MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |
			 MD_FLAG_PERMISSIVEURLAUTOLINKS | MD_FLAG_PERMISSIVEEMAILAUTOLINKS,
		.enter_block = enter_block,
		.leave_block = leave_block,
		.enter_span = enter_span,
		.leave_span = leave_span,
		.text = on_text,
	};
	p->leaf = LEAF_P;
	if (n && md_parse(s, (MD_SIZE)n, &parser, p) != 0 && ok(p))
		fail(p, ERR_NOMEM); /* md4c fails only when out of memory */
	flush(p);
}

/* ---- the title block ---- */

static void meta_rows(struct pdf *p, const struct pdf_doc *d)
{
	double lw = 80;
	for (size_t i = 0; i < d->nmeta; i++) {
		text_reset(&p->in);
		text_str(&p->in, d->meta[i].label, ST_BOLD);
		double w = measure(p, &p->in, 0, p->in.t.len, META_SIZE) + 14;
		if (w > lw)
			lw = w;
	}
	if (lw > TEXT_W * 0.4)
		lw = TEXT_W * 0.4;
	for (size_t i = 0; i < d->nmeta && ok(p); i++) {
		text_reset(&p->in);
		text_str(&p->in, d->meta[i].label, ST_BOLD);
		size_t a = p->in.t.len;
		p->in.base = a;
		text_str(&p->in, d->meta[i].value, ST_REG);
		struct cell c[2] = { { 0, a, MARGIN, lw - 10 },
				     { a, p->in.t.len, MARGIN + lw, TEXT_W - lw } };
		set_row(p, &p->in, c, 2, META_SIZE, META_LEAD);
	}
	text_reset(&p->in);
}

/* Who signed, in what role and when, then the hash they signed in small type. */
static void signoffs(struct pdf *p, const struct pdf_doc *d)
{
	static const double share[3] = { 0.42, 0.32, 0.26 }; /* an e-mail address fits its column */
	static const char *const heads[3] = { "Approved by", "Role", "Signed" };
	space(p, 16);
	set_line(p, "Approval", ST_BOLD, 13, 17);
	space(p, 2);
	for (size_t i = 0; i <= d->nsignoffs && ok(p); i++) {
		const struct pdf_signoff *s = i ? &d->signoffs[i - 1] : NULL;
		const char *col[3] = { s ? s->who : heads[0], s ? s->role : heads[1],
				       s ? s->at : heads[2] };
		struct cell c[3];
		double x0 = MARGIN;
		text_reset(&p->in);
		for (size_t k = 0; k < 3; k++) {
			p->in.base = p->in.t.len;
			c[k] = (struct cell){ p->in.t.len, 0, x0, TEXT_W * share[k] - 10 };
			text_str(&p->in, col[k], s ? ST_REG : ST_BOLD);
			c[k].b = p->in.t.len;
			x0 += TEXT_W * share[k];
		}
		/* a sign-off's lines stay together on one page */
		space(p, s ? 4 : 0);
		reserve(p, s ? META_LEAD + 2 * HASH_LEAD : 2 * META_LEAD);
		set_row(p, &p->in, c, 3, META_SIZE, META_LEAD);
		if (!s) {
			rule(p, MARGIN, MARGIN + TEXT_W, 0.5);
			continue;
		}
		text_reset(&p->in);
		text_str(&p->in, "BLAKE2b", ST_ITAL);
		size_t a = p->in.t.len;
		p->in.base = a;
		text_str(&p->in, s->hash, ST_MONO);
		struct cell h[2] = { { 0, a, MARGIN, 40 },
				     { a, p->in.t.len, MARGIN + 42, TEXT_W - 42 } };
		set_row(p, &p->in, h, 2, HASH_SIZE, HASH_LEAD);
	}
	text_reset(&p->in);
}

static void head(struct pdf *p, const struct pdf_doc *d)
{
	set_line(p, d->title, ST_BOLD, TITLE_SIZE, TITLE_LEAD);
	if (d->org && *d->org) {
		space(p, 2);
		set_line(p, d->org, ST_REG, 12, 16);
	}
	space(p, 8);
	rule(p, MARGIN, MARGIN + TEXT_W, 0.3);
	space(p, 8);
	meta_rows(p, d);
	if (d->nsignoffs)
		signoffs(p, d);
	space(p, 10);
	rule(p, MARGIN, MARGIN + TEXT_W, 0.3);
	space(p, 12);
}

/* ---- footers, info, output ---- */

/* The footer text cut to fit w, with an ellipsis where it was cut. */
static void footer_text(struct pdf *p, const char *footer, double w)
{
	text_reset(&p->in);
	text_str(&p->in, footer, ST_REG);
	if (measure(p, &p->in, 0, p->in.t.len, FOOT_SIZE) <= w)
		return;
	double dots = p->width[ST_REG][0x85] * FOOT_SIZE / 1000.0;
	size_t n = p->in.t.len;
	while (n && measure(p, &p->in, 0, n, FOOT_SIZE) + dots > w)
		n--;
	buf_truncate(&p->in.t, n);
	buf_truncate(&p->in.s, n);
	text_byte(&p->in, 0x85, ST_REG);
}

/* Known only once the body is set: each page gets its footer afterwards (libharu keeps every
 * page open until the document is saved). */
static void footers(struct pdf *p, const char *footer)
{
	struct text label = { 0 };
	char s[64];
	buf_init(&label.t, 128);
	buf_init(&label.s, 128);
	snprintf(s, sizeof(s), "Page %zu of %zu", p->npages, p->npages);
	text_str(&label, s, ST_REG);
	double lw = measure(p, &label, 0, label.t.len, FOOT_SIZE) + 6; /* the widest label */
	footer_text(p, footer, TEXT_W - lw - 12);
	for (size_t i = 0; i < p->npages && ok(p); i++) {
		HPDF_Page pg = p->pages[i];
		p->cur = pg;
		stroke(p, MARGIN, FOOTER_Y + 11, MARGIN + TEXT_W, FOOTER_Y + 11, 0.6, 0.5);
		HPDF_Page_SetGrayFill(pg, 0.35f);
		show(p, pg, MARGIN, FOOTER_Y, FOOT_SIZE, &p->in, 0, p->in.t.len);
		text_reset(&label);
		snprintf(s, sizeof(s), "Page %zu of %zu", i + 1, p->npages);
		text_str(&label, s, ST_REG);
		double w = measure(p, &label, 0, label.t.len, FOOT_SIZE);
		show(p, pg, MARGIN + TEXT_W - w, FOOTER_Y, FOOT_SIZE, &label, 0, label.t.len);
	}
	buf_free(&label.t);
	buf_free(&label.s);
	text_reset(&p->in);
}

/* PDFDocEncoding, which the document's title in its properties uses, for CP1252's 0x80..0x9F
 * (the rest is Latin-1 in both; '?' where it has no such character). */
static const unsigned char pdfdoc_high[32] = {
	0xA0, '?',  0x91, 0x86, 0x8C, 0x83, 0x81, 0x82, '^',  0x8B, 0x97,
	0x88, 0x96, '?',  0x99, '?',  '?',  0x8F, 0x90, 0x8D, 0x8E, 0x80,
	0x85, 0x84, '~',  0x92, 0x9D, 0x89, 0x9C, '?',	0x9E, 0x98,
};

static void info(struct pdf *p, const char *title)
{
	text_reset(&p->in);
	text_str(&p->in, title, ST_REG);
	buf_reset(&p->run);
	for (size_t i = 0; i < p->in.t.len; i++) {
		unsigned char c = (unsigned char)p->in.t.p[i];
		buf_addc(&p->run, (char)(c >= 0x80 && c < 0xA0	  ? pdfdoc_high[c - 0x80]
					 : c == 0xA0 || c == 0xAD ? ' '
								  : c));
	}
	if (ok(p) && p->run.len)
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, buf_cstr(&p->run));
	HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "Custos");
	text_reset(&p->in);
}

static enum err save(struct pdf *p, struct buf *out)
{
	if (HPDF_SaveToStream(p->doc) != HPDF_OK || !ok(p))
		return p->err ? p->err : ERR_INTERNAL;
	HPDF_UINT32 left_bytes = HPDF_GetStreamSize(p->doc);
	if (left_bytes > PDF_MAX_OUTPUT || left_bytes > out->cap - out->len)
		return ERR_TOO_LARGE;
	size_t mark = out->len;
	HPDF_BYTE chunk[16384];
	while (left_bytes) {
		HPDF_UINT32 k = left_bytes < sizeof(chunk) ? left_bytes : sizeof(chunk);
		HPDF_STATUS st = HPDF_ReadFromStream(p->doc, chunk, &k);
		if ((st != HPDF_OK && st != HPDF_STREAM_EOF) || k == 0 || k > left_bytes) {
			buf_truncate(out, mark);
			return ERR_INTERNAL;
		}
		buf_add(out, chunk, k);
		left_bytes -= k;
	}
	return buf_failed(out) ? ERR_NOMEM : ERR_OK;
}

static bool valid(const char *s)
{
	return !s || str_valid_utf8(s, strlen(s));
}

static bool doc_valid(const struct pdf_doc *d)
{
	bool v = valid(d->title) && valid(d->org) && valid(d->footer) &&
		 (d->nmeta == 0 || d->meta) && (d->nsignoffs == 0 || d->signoffs) &&
		 (d->markdown_len == 0 ||
		  (d->markdown && str_valid_utf8(d->markdown, d->markdown_len)));
	for (size_t i = 0; v && i < d->nmeta; i++)
		v = valid(d->meta[i].label) && valid(d->meta[i].value);
	for (size_t i = 0; v && i < d->nsignoffs; i++) {
		const struct pdf_signoff *s = &d->signoffs[i];
		v = valid(s->who) && valid(s->role) && valid(s->at) && valid(s->hash);
	}
	return v;
}

static void load_fonts(struct pdf *p)
{
	for (int f = 0; f < ST__COUNT && ok(p); f++) {
		p->font[f] = HPDF_GetFont(p->doc, font_names[f], "WinAnsiEncoding");
		if (!p->font[f])
			break;
		for (unsigned c = 1; c < 256; c++) {
			HPDF_BYTE b = (HPDF_BYTE)c;
			p->width[f][c] = (uint16_t)HPDF_Font_TextWidth(p->font[f], &b, 1).width;
		}
	}
	if (ok(p) && !p->font[ST__COUNT - 1])
		fail(p, ERR_INTERNAL);
}

enum err pdf_render(const struct pdf_doc *d, struct buf *out)
{
	if (d->markdown_len > PDF_MAX_MARKDOWN)
		return ERR_TOO_LARGE;
	if (!doc_valid(d))
		return ERR_BAD_REQUEST;
	struct pdf *p = calloc(1, sizeof(*p));
	if (!p)
		return ERR_NOMEM;
	buf_init(&p->in.t, TEXT_CAP);
	buf_init(&p->in.s, TEXT_CAP);
	buf_init(&p->run, TEXT_CAP);
	enum err e;
	p->doc = HPDF_New(on_hpdf_error, p);
	if (!p->doc) {
		e = ERR_NOMEM;
		goto done;
	}
	HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
	load_fonts(p);
	info(p, d->title);
	new_page(p);
	head(p, d);
	body(p, d->markdown, d->markdown_len);
	footers(p, d->footer);
	e = ok(p) ? save(p, out) : p->err;
done:
	if (p->doc)
		HPDF_Free(p->doc);
	buf_free(&p->in.t);
	buf_free(&p->in.s);
	buf_free(&p->run);
	free(p);
	return e;
}
