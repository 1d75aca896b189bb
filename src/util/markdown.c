/* markdown.c - a Markdown renderer on md4c's parser that writes only markup of our own and
 * escaped text: the page's CSP forbids inline script, and this keeps stored text from adding
 * any (no raw HTML, no images, no javascript: links). */
#include "util/markdown.h"

#include <md4c.h>
#include <string.h>

#include "util/html.h"

struct out {
	struct buf *b;
	int link_depth; /* inside a link whose target was refused: its text stays, no <a> */
};

static void lit(struct out *o, const char *s)
{
	buf_adds(o->b, s);
}

/* A link target that cannot run script: http(s), mailto, or relative (no scheme at all). */
static bool safe_href(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	static const char *const schemes[] = { "http://", "https://", "mailto:" };
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(schemes[i]);
		if (n >= k && !strncasecmp(s, schemes[i], k))
			return true;
	}
	/* relative: a ':' only after a '/', '?' or '#' (so "javascript:" and "data:" are out) */
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' || s[i] == '?' || s[i] == '#')
			return true;
		if (s[i] == ':' || (unsigned char)s[i] < 0x20)
			return false;
	}
	return true;
}

/* The element of each simple block type (headings and ordered lists have attributes). */
static const char *block_tag(MD_BLOCKTYPE type)
{
	switch (type) {
	case MD_BLOCK_QUOTE:
		return "blockquote";
	case MD_BLOCK_UL:
		return "ul";
	case MD_BLOCK_OL:
		return "ol";
	case MD_BLOCK_LI:
		return "li";
	case MD_BLOCK_P:
		return "p";
	case MD_BLOCK_TABLE:
		return "table";
	case MD_BLOCK_THEAD:
		return "thead";
	case MD_BLOCK_TBODY:
		return "tbody";
	case MD_BLOCK_TR:
		return "tr";
	case MD_BLOCK_TH:
		return "th";
	case MD_BLOCK_TD:
		return "td";
	default:
		return NULL; /* the document, raw HTML blocks (disabled), the rest below */
	}
}

/* Headings start at h3: a record's page owns h1 and h2. */
static void heading(struct out *o, const void *detail, bool close)
{
	const MD_BLOCK_H_DETAIL *d = detail;
	unsigned l = d->level + 2 > 6 ? 6 : d->level + 2;
	lit(o, close ? "</h" : "<h");
	buf_add_i64(o->b, l);
	lit(o, ">");
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct out *o = arg;
	const MD_BLOCK_OL_DETAIL *ol = detail;
	const char *tag = block_tag(type);
	if (type == MD_BLOCK_OL && ol->start != 1) {
		lit(o, "<ol start=\"");
		buf_add_i64(o->b, ol->start);
		lit(o, "\">");
	} else if (tag) {
		lit(o, "<");
		lit(o, tag);
		lit(o, ">");
	} else if (type == MD_BLOCK_H) {
		heading(o, detail, false);
	} else if (type == MD_BLOCK_HR) {
		lit(o, "<hr>");
	} else if (type == MD_BLOCK_CODE) {
		lit(o, "<pre><code>");
	}
	return 0;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct out *o = arg;
	const char *tag = block_tag(type);
	if (tag) {
		lit(o, "</");
		lit(o, tag);
		lit(o, ">");
	} else if (type == MD_BLOCK_H) {
		heading(o, detail, true);
	} else if (type == MD_BLOCK_CODE) {
		lit(o, "</code></pre>");
	}
	return 0;
}

static int enter_span(MD_SPANTYPE type, void *detail, void *arg)
{
	struct out *o = arg;
	switch (type) {
	case MD_SPAN_EM:
		lit(o, "<em>");
		break;
	case MD_SPAN_STRONG:
		lit(o, "<strong>");
		break;
	case MD_SPAN_CODE:
		lit(o, "<code>");
		break;
	case MD_SPAN_DEL:
		lit(o, "<del>");
		break;
	case MD_SPAN_U:
		lit(o, "<u>");
		break;
	case MD_SPAN_A: {
		const MD_SPAN_A_DETAIL *d = detail;
		if (o->link_depth || !safe_href(d->href.text, d->href.size)) {
			o->link_depth++; /* its text is shown, as text */
			break;
		}
		lit(o, "<a rel=\"nofollow noopener noreferrer\" href=\"");
		html_escn(o->b, d->href.text, d->href.size);
		lit(o, "\">");
		break;
	}
	default:
		break; /* images show their alt text only: no content from elsewhere */
	}
	return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *arg)
{
	(void)detail;
	struct out *o = arg;
	switch (type) {
	case MD_SPAN_EM:
		lit(o, "</em>");
		break;
	case MD_SPAN_STRONG:
		lit(o, "</strong>");
		break;
	case MD_SPAN_CODE:
		lit(o, "</code>");
		break;
	case MD_SPAN_DEL:
		lit(o, "</del>");
		break;
	case MD_SPAN_U:
		lit(o, "</u>");
		break;
	case MD_SPAN_A:
		if (o->link_depth)
			o->link_depth--;
		else
			lit(o, "</a>");
		break;
	default:
		break;
	}
	return 0;
}

/* An entity as md4c found it ("&copy;", "&#169;", "&#xA9;"): passed on only when its shape
 * is an entity's, else escaped like any text. */
static bool entity_shape(const char *s, size_t n)
{
	if (n < 3 || n > 34 || s[0] != '&' || s[n - 1] != ';')
		return false;
	for (size_t i = 1; i < n - 1; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || (i == 1 && c == '#');
		if (!ok)
			return false;
	}
	return true;
}

static int text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *arg)
{
	struct out *o = arg;
	switch (type) {
	case MD_TEXT_NULLCHAR:
		lit(o, "\xEF\xBF\xBD");
		break;
	case MD_TEXT_BR:
		lit(o, "<br>");
		break;
	case MD_TEXT_SOFTBR:
		lit(o, "\n");
		break;
	case MD_TEXT_ENTITY:
		if (entity_shape(s, n))
			buf_add(o->b, s, n);
		else
			html_escn(o->b, s, n);
		break;
	default:
		html_escn(o->b, s, n);
		break; /* normal, code, and any HTML: as text */
	}
	return 0;
}

enum err markdown_html(struct buf *out, const char *s, size_t n)
{
	struct out o = { .b = out };
	MD_PARSER p = {
		.abi_version = 0,
		.flags = MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |
			 MD_FLAG_PERMISSIVEURLAUTOLINKS | MD_FLAG_PERMISSIVEEMAILAUTOLINKS,
		.enter_block = enter_block,
		.leave_block = leave_block,
		.enter_span = enter_span,
		.leave_span = leave_span,
		.text = text,
	};
	size_t mark = out->len;
	if (md_parse(s, (MD_SIZE)n, &p, &o) != 0) {
		buf_truncate(out, mark);
		lit(&o, "<p>");
		html_escn(out, s, n);
		lit(&o, "</p>");
		return ERR_INVALID;
	}
	return ERR_OK;
}
