/* test_textdoc.c - plain text to Markdown: each rule on small cases, then the real seed
 * policy: its sections become headings at their depth, its bullets list items, its title the
 * title, and rendering the result gives back every word of the source in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/markdown.h"
#include "util/textdoc.h"

#include "rng.h"
#include "seed.h"

struct fx {
	struct arena a;
	struct buf out;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	arena_init(&f->a, 0);
	buf_init(&f->out, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	arena_free(&f->a);
	buf_free(&f->out);
	free(f);
	return 0;
}

static const char *conv_n(struct fx *f, const char *s, size_t n, const char **title)
{
	buf_reset(&f->out);
	assert_int_equal(textdoc_to_markdown(&f->a, s, n, &f->out, title), ERR_OK);
	return buf_cstr(&f->out);
}

static const char *conv(struct fx *f, const char *s, const char **title)
{
	return conv_n(f, s, strlen(s), title);
}

struct tcase {
	const char *in, *md, *title; /* title NULL: none */
};

static void check_cases(struct fx *f, const struct tcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *title = "unset";
		const char *md = conv(f, c[i].in, &title);
		if (strcmp(md, c[i].md))
			print_error("case %zu: %s", i, c[i].in);
		assert_string_equal(md, c[i].md);
		if (c[i].title)
			assert_string_equal(title, c[i].title);
		else
			assert_null(title);
	}
}

static void test_markdown_kept(void **state)
{
	static const struct tcase cases[] = {
		{ "\xEF\xBB\xBF# Policy\r\n\r\nSome *text*\r\n- item",
		  "# Policy\n\nSome *text*\n- item\n", "Policy" },
		{ "Intro\n\n  ## Scope ##\n", "Intro\n\n  ## Scope ##\n", "Scope" },
		{ "# A \\* B #\n", "# A \\* B #\n", "A * B" },
		{ "#\n# Real\n", "#\n# Real\n", "Real" },
		/* a hash line inside a code fence is not a heading: this is plain text */
		{ "```\n# comment\n```\nplain text\n",
		  "\\`\\`\\`\n\\# comment\n\\`\\`\\`\nplain text\n", NULL },
	};
	check_cases(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_rejects(void **state)
{
	struct fx *f = *state;
	const char *title = "unset";
	assert_int_equal(textdoc_to_markdown(&f->a, "ok \xFF", 4, &f->out, &title),
			 ERR_BAD_REQUEST);
	assert_null(title);
	assert_int_equal(textdoc_to_markdown(&f->a, "a\0b", 3, &f->out, &title), ERR_BAD_REQUEST);
	assert_int_equal(textdoc_to_markdown(&f->a, "\xE2\x80", 2, &f->out, &title),
			 ERR_BAD_REQUEST);
	char *big = malloc(TEXTDOC_MAX_BYTES + 1);
	assert_non_null(big);
	memset(big, 'a', TEXTDOC_MAX_BYTES + 1);
	assert_int_equal(textdoc_to_markdown(&f->a, big, TEXTDOC_MAX_BYTES + 1, &f->out, &title),
			 ERR_TOO_LARGE);
	free(big);
	/* a full output buffer: an error, and the buffer as it was */
	struct buf small;
	buf_init(&small, 16);
	buf_adds(&small, "kept");
	assert_int_equal(
		textdoc_to_markdown(&f->a, "1. A heading that is long\n", 26, &small, NULL),
		ERR_NOMEM);
	assert_int_equal(small.len, 4);
	buf_free(&small);
	assert_string_equal(conv(f, "", &title), "");
	assert_null(title);
	assert_string_equal(conv(f, "\n \n\xC2\xA0\n", NULL), "");
}

static void test_headings(void **state)
{
	static const struct tcase cases[] = {
		{ "1. Security Policy Overview\n\n1.1 Information Security Policy\n\nText.\n\n"
		  "3.3.5 Deep Section\n10.2.3.4 Very Deep\n1.2.3.4.5.6 Deepest\n",
		  "## 1. Security Policy Overview\n\n### 1.1 Information Security "
		  "Policy\n\nText.\n\n"
		  "#### 3.3.5 Deep Section\n\n##### 10.2.3.4 Very Deep\n\n###### 1.2.3.4.5.6 "
		  "Deepest\n",
		  NULL },
		{ "  2.3\tTerms and Definitions  \n", "### 2.3\tTerms and Definitions\n", NULL },
		{ "4 Scope (ISO \xE2\x80\x9C"
		  "27001\xE2\x80\x9D)\n",
		  "## 4 Scope (ISO \xE2\x80\x9C"
		  "27001\xE2\x80\x9D)\n",
		  NULL },
		/* numbered paragraphs: sentences, long lines, lines that run on */
		{ "1. S\n\n3.1.1 The policy is approved by management.\n",
		  "## 1. S\n\n3.1.1 The policy is approved by management.\n", NULL },
		{ "1. S\n\n4. Staff must comply:\n", "## 1. S\n\n4\\. Staff must comply:\n", NULL },
		{ "1. S\n\n1.1 Which one?\n", "## 1. S\n\n1.1 Which one?\n", NULL },
		{ "1. S\n\n1.1 Run on into\nthe next line\n",
		  "## 1. S\n\n1.1 Run on into\nthe next line\n", NULL },
		{ "1. S\n\n1.1 Aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff "
		  "gggggggggg hhhhhhhhhh iiiiiiiiii jjjjjjjjjj kkkkkkkkkk llll\n",
		  "## 1. S\n\n1.1 Aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee "
		  "ffffffffff "
		  "gggggggggg hhhhhhhhhh iiiiiiiiii jjjjjjjjjj kkkkkkkkkk llll\n",
		  NULL },
		/* not section numbers at all */
		{ "1. S\n\n2024 Annual Review\n", "## 1. S\n\n2024 Annual Review\n", NULL },
		{ "1. S\n\n2 apples were eaten\n", "## 1. S\n\n2 apples were eaten\n", NULL },
		{ "1. S\n\n1.Scope\n", "## 1. S\n\n1.Scope\n", NULL },
		{ "1. S\n\n1.1 2.2\n", "## 1. S\n\n1.1 2.2\n", NULL },
	};
	check_cases(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_bullets(void **state)
{
	static const struct tcase cases[] = {
		{ "1. Lists\n\nIntro:\n\n  \xE2\x80\xA2 one\n  \xE2\x80\xA2 two\n- three\n* four\n"
		  "o five\n\xE2\x80\x93 six\n\xC2\xB7seven\n\n\xC2\xB7"
		  "eight\nAfter the list.\n",
		  "## 1. Lists\n\nIntro:\n\n- one\n- two\n- three\n- four\n- five\n- six\n- seven\n"
		  "- eight\n\nAfter the list.\n",
		  NULL },
		/* nested by indentation, and back */
		{ "\xE2\x80\xA2 a\n    o b\n    o c\n\t  \xE2\x97\xA6 c1\n\xE2\x80\xA2 d\n",
		  "- a\n  - b\n  - c\n    - c1\n- d\n", NULL },
		/* a wrapped item goes on under its bullet; a capital at the margin does not */
		{ "\xE2\x80\xA2 a long item that\n  wraps here\nNext paragraph\n- item "
		  "one\ncontinues\n",
		  "- a long item that\n  wraps here\n\nNext paragraph\n\n- item one\n  continues\n",
		  NULL },
		/* bullet text that would be markup; a bare bullet; not bullets */
		{ "1. S\n\n\xE2\x80\xA2 1. first\n\xE2\x80\xA2 # not a heading\n\xE2\x80\xA2\n"
		  "-5 degrees\nokay so\n",
		  "## 1. S\n\n- 1\\. first\n- \\# not a heading\n\n\\-5 degrees\nokay so\n", NULL },
	};
	check_cases(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_paragraphs_and_title(void **state)
{
	static const struct tcase cases[] = {
		{ "1. P\n\nThe controls are delivered by policies, standards,\nprocesses, "
		  "procedures.\n\n"
		  "Asset\nAnything that has value\n\nShort line\nAnother Line\nand more\n",
		  "## 1. P\n\nThe controls are delivered by policies, standards,\nprocesses, "
		  "procedures.\n\nAsset\\\nAnything that has value\n\nShort line\\\nAnother Line\n"
		  "and more\n",
		  NULL },
		/* a no-break space alone is a blank line; CRLF, a lone CR and a BOM are undone */
		{ "1. P\n\na\n\xC2\xA0\nb\r\n\r\nc\rd", "## 1. P\n\na\n\nb\n\nc\nd\n", NULL },
		{ "\xEF\xBB\xBF"
		  "1. A\r\n\r\ntext\r\n",
		  "## 1. A\n\ntext\n", NULL },
		/* the title line, after a stray line, before another */
		{ "Which product are you using?\n\nWest Cloud Information Security Policy\n\n"
		  "Magnetic North now West\n\n1. Overview\n",
		  "Which product are you using?\n\n# West Cloud Information Security Policy\n\n"
		  "Magnetic North now West\n\n## 1. Overview\n",
		  "West Cloud Information Security Policy" },
		{ "Acceptable Use\n\nAll staff must comply.\n",
		  "# Acceptable Use\n\nAll staff must comply.\n", "Acceptable Use" },
		{ "Access *Control* Policy\n\n1. A\n", "# Access \\*Control\\* Policy\n\n## 1. A\n",
		  "Access *Control* Policy" },
		{ "All staff must comply.\n\nAcceptable Use\n",
		  "All staff must comply.\n\nAcceptable Use\n", NULL },
		{ "Two line\nparagraph\n\n1. A\n", "Two line\nparagraph\n\n## 1. A\n", NULL },
		{ "\xE2\x80\xA2 item\n\nLater Title\n\n1. A\n",
		  "- item\n\n# Later Title\n\n## 1. A\n", "Later Title" },
	};
	check_cases(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

/* The words of rendered HTML: tags become blanks and html_escn's five entities are decoded. */
static void html_words(struct buf *out, const char *h)
{
	static const struct {
		const char *ent, *ch;
	} ents[] = { { "&amp;", "&" },
		     { "&lt;", "<" },
		     { "&gt;", ">" },
		     { "&quot;", "\"" },
		     { "&#39;", "'" } };
	struct buf t;
	buf_init(&t, 0);
	while (*h) {
		if (*h == '<') {
			/* inline elements do not part words; blocks and line breaks do */
			static const char *const inl[] = { "<a ",    "</a>",	 "<em>",
							   "</em>",  "<strong>", "</strong>",
							   "<code>", "</code>" };
			bool part = true;
			for (size_t i = 0; i < sizeof(inl) / sizeof(inl[0]); i++)
				part &= strncmp(h, inl[i], strlen(inl[i])) != 0;
			h = strchr(h, '>');
			assert_non_null(h);
			h++;
			if (part)
				buf_addc(&t, ' ');
			continue;
		}
		size_t i = 0;
		while (*h == '&' && i < 5 && strncmp(h, ents[i].ent, strlen(ents[i].ent)))
			i++;
		if (*h == '&' && i < 5) {
			buf_adds(&t, ents[i].ch);
			h += strlen(ents[i].ent);
		} else {
			buf_addc(&t, *h++);
		}
	}
	buf_reset(out);
	const char *s = buf_cstr(&t);
	/* one word a line; blanks are ASCII white space and no-break spaces */
	for (size_t i = 0; i < t.len;) {
		size_t b = strchr(" \t\n\r\f\v", s[i]) && s[i] ? 1
			   : !strncmp(s + i, "\xC2\xA0", 2)    ? 2
							       : 0;
		if (b) {
			if (out->len && out->p[out->len - 1] != '\n')
				buf_addc(out, '\n');
			i += b;
		} else {
			buf_addc(out, s[i++]);
		}
	}
	if (out->len && out->p[out->len - 1] != '\n')
		buf_addc(out, '\n');
	buf_free(&t);
}

/* The words of the source the same way, less the bullet markers that become list items. */
static void source_words(struct buf *out, const char *src)
{
	struct buf t;
	buf_init(&t, 0);
	for (const char *p = src; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p), i = 0;
		for (;;) {
			if (i < n && (p[i] == ' ' || p[i] == '\t'))
				i++;
			else if (n - i >= 2 && !memcmp(p + i, "\xC2\xA0", 2))
				i += 2; /* a no-break space indents too */
			else
				break;
		}
		for (;;) {
			if (n > i && strchr(" \t\r", p[n - 1]))
				n--;
			else if (n - i >= 2 && !memcmp(p + n - 2, "\xC2\xA0", 2))
				n -= 2;
			else
				break;
		}
		if (n - i >= 3 && !memcmp(p + i, "\xE2\x80\xA2", 3))
			i += 3;
		else if (n - i >= 2 && !memcmp(p + i, "\xC2\xB7", 2))
			i += 2;
		else if (n - i >= 2 && strchr("-*o", p[i]) && (p[i + 1] == ' ' || p[i + 1] == '\t'))
			i += 1;
		else if (n - i >= 4 && !memcmp(p + i, "\xE2\x80\x93", 3) &&
			 (p[i + 3] == ' ' || p[i + 3] == '\t'))
			i += 3;
		for (; i < n; i++) {
			if (p[i] == '<')
				buf_adds(&t, "&lt;");
			else if (p[i] == '&')
				buf_adds(&t, "&amp;");
			else
				buf_addc(&t, p[i]);
		}
		buf_addc(&t, '\n');
		p = e ? e + 1 : p + strlen(p);
	}
	html_words(out, buf_cstr(&t));
	buf_free(&t);
}

/* Fails at the first word that differs, showing where. */
static void assert_same_words(const char *want, const char *got)
{
	size_t line = 1;
	const char *w = want, *g = got;
	while (*w && *g && *w == *g) {
		line += *w == '\n';
		w++, g++;
	}
	if (*w || *g) {
		print_error("word %zu differs: want \"%.60s\" got \"%.60s\"\n", line, w, g);
		fail();
	}
}

static void test_markup_is_escaped(void **state)
{
	struct fx *f = *state;
	static const char src[] =
		"1. E\n\n#hashtag\n\n> not a quote\n\n+ plus\n\n= equals\n\n"
		"--- rule\n\n1) first\n\n"
		"a *b* _c_ `d` [e](f) <g> ~h~ | i & j &amp; k\\l &#35; "
		"![i](x) <https://x.example> www.example.com\n\n"
		"Heading\n===\n\nTable | b\n--- | ---\n\n***\n\n    indented code\n";
	const char *md = conv(f, src, NULL);
	assert_non_null(strstr(md, "\n\\#hashtag\n\n\\> not a quote\n\n\\+ plus\n\n\\= equals\n\n"
				   "\\--- rule\n\n1\\) first\n\n"));
	assert_non_null(strstr(md, "a \\*b\\* \\_c\\_ \\`d\\` \\[e\\](f) \\<g> \\~h\\~ \\| i & j "
				   "\\&amp; k\\\\l \\&#35;"));
	struct buf h, want, got;
	buf_init(&h, 0);
	buf_init(&want, 0);
	buf_init(&got, 0);
	assert_int_equal(markdown_html(&h, md, strlen(md)), ERR_OK);
	assert_null(strstr(buf_cstr(&h), "<em>"));
	assert_null(strstr(buf_cstr(&h), "<code>"));
	assert_null(strstr(buf_cstr(&h), "<blockquote>"));
	assert_null(strstr(buf_cstr(&h), "<table>"));
	assert_null(strstr(buf_cstr(&h), "<hr>"));
	assert_null(strstr(buf_cstr(&h), "<ol"));
	assert_null(strstr(buf_cstr(&h), "<pre>"));
	html_words(&got, buf_cstr(&h));
	source_words(&want, src);
	assert_same_words(buf_cstr(&want), buf_cstr(&got));
	buf_free(&h);
	buf_free(&want);
	buf_free(&got);
}

static struct rng rng = { 0x2545F4914F6CDD1Du };

static uint32_t rnd(uint32_t n)
{
	return rng_below(&rng, n);
}

/* Words of every shape Markdown might read as markup, and of the shapes this converter
 * reads as structure. */
static const char *const fuzz_words[] = {
	"a",
	"Policy",
	"staff",
	"*x*",
	"_y_",
	"__z__",
	"`c`",
	"``",
	"[l](u)",
	"[r]:",
	"<t>",
	"</p>",
	"<!--",
	"-->",
	"&amp;",
	"&copy;",
	"&#35;",
	"&",
	"#",
	"##",
	"1.",
	"2)",
	"10.",
	"1.1",
	"3.3.5",
	">",
	"+",
	"-",
	"=",
	"===",
	"---",
	"|",
	"~~s~~",
	"~",
	"\\",
	"\\*",
	"!",
	"![i](x)",
	"www.example.com",
	"https://a.example/b_c",
	"mail@example.org",
	"\xE2\x80\xA2",
	"\xC2\xB7",
	"\xE2\x80\x93",
	"o",
	"***",
	"```",
	"~~~",
	"$",
	"^",
	":",
	"Ab.",
	"end:",
	"\xE2\x80\x99s",
	"\xC2\xA0",
	"\t",
	"(",
	")",
	"{",
	"}",
	"\"q\"",
	"'s'",
	"*",
	"_",
	"user_x@example.org",
	"a*b@x.org",
	"-c@x.org",
	"#d@x.org",
	"(https://a.example/p_(q)).",
	"https://a.example/a_b?x=1&amp;y=2",
	"HTTP://A.EXAMPLE/*x*",
	"http://",
	"https://x",
	"x@y",
	"'q'@ex.org",
	"<https://a.example/t>",
	"https://a.example/\\_",
	"e@x.org.",
};

static size_t n_fuzz_words = sizeof(fuzz_words) / sizeof(fuzz_words[0]);

/* Random documents of those words: rendering the Markdown never loses, adds or reorders a
 * word (the escaping is complete), whatever structure was found. */
static void test_random_texts_keep_words(void **state)
{
	struct fx *f = *state;
	struct buf src, h, want, got;
	buf_init(&src, 0);
	buf_init(&h, 0);
	buf_init(&want, 0);
	buf_init(&got, 0);
	for (int iter = 0; iter < 3000; iter++) {
		buf_reset(&src);
		for (uint32_t l = 0, nl = 1 + rnd(12); l < nl; l++) {
			for (uint32_t k = rnd(4) ? 0 : rnd(7); k; k--)
				buf_addc(&src, rnd(3) ? ' ' : '\t');
			for (uint32_t w = 0, nw = rnd(4) ? rnd(8) : 0; w < nw; w++) {
				const char *word = fuzz_words[rnd((uint32_t)n_fuzz_words)];
				if (w == 0 && word[0] == '#')
					buf_addc(&src, 'x'); /* "# " at a line start would make it
								Markdown */
				buf_adds(&src, word);
				if (w + 1 < nw)
					buf_addc(&src, rnd(8) ? ' ' : '\t');
			}
			buf_adds(&src, rnd(6) ? "\n" : "\r\n");
		}
		const char *md = conv_n(f, src.p, src.len, NULL);
		buf_reset(&h);
		assert_int_equal(markdown_html(&h, md, strlen(md)), ERR_OK);
		html_words(&got, buf_cstr(&h));
		source_words(&want, buf_cstr(&src));
		if (strcmp(buf_cstr(&want), buf_cstr(&got)))
			fprintf(stderr,
				"source:\n%s\nmarkdown:\n%s\nhtml:\n%s\nwant:\n%s\ngot:\n%s\n",
				src.p, md, h.p, want.p, got.p);
		assert_same_words(buf_cstr(&want), buf_cstr(&got));
	}
	buf_free(&src);
	buf_free(&h);
	buf_free(&want);
	buf_free(&got);
}

/* ---- the seed policy ---- */

/* The section depth of a heading line found the simple way: digits and dots, a blank, a
 * short rest that does not end with . or :; else 0. */
static int seed_heading(const char *l, size_t n)
{
	size_t i = 0;
	int depth = 0;
	while (i < n && l[i] >= '0' && l[i] <= '9') {
		while (i < n && l[i] >= '0' && l[i] <= '9')
			i++;
		depth++;
		if (i < n && l[i] == '.')
			i++;
	}
	if (!depth || i >= n || l[i] != ' ' || n >= 120 || l[n - 1] == '.' || l[n - 1] == ':')
		return 0;
	return depth;
}

static void test_seed_policy(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *src = seed_text(&len);
	if (!src)
		skip();
	const char *title = NULL;
	const char *md = conv_n(f, src, len, &title);
	assert_string_equal(title, "West Cloud Contact Services Information Security Policy");
	assert_non_null(
		strstr(md, "\n# West Cloud Contact Services Information Security Policy\n"));

	/* every section heading at its depth, in order; and no other heading */
	size_t headings = 0, bullets = 0;
	const char *at = md;
	for (const char *p = src; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\r'))
			n--;
		size_t i = 0;
		while (i < n && p[i] == ' ')
			i++;
		int depth = seed_heading(p + i, n - i);
		if (depth) {
			char want[256];
			snprintf(want, sizeof(want), "\n%.*s %.*s\n", depth + 1, "######",
				 (int)(n - i), p + i);
			const char *hit = strstr(at, want);
			if (!hit)
				print_error("no heading %s", want);
			assert_non_null(hit);
			at = hit + 1;
			headings++;
		}
		if (n - i >= 2 &&
		    (!memcmp(p + i, "\xE2\x80\xA2", 3) || !memcmp(p + i, "\xC2\xB7", 2)))
			bullets++;
		p += n;
		while (*p == ' ' || *p == '\r')
			p++;
		p += *p == '\n';
	}
	assert_true(headings >= 20); /* the seed has 24 */
	size_t md_headings = 0, md_items = 0;
	for (const char *p = md; *p; p = strchr(p, '\n') + 1) {
		md_headings +=
			!strncmp(p, "## ", 3) || !strncmp(p, "### ", 4) || !strncmp(p, "#### ", 5);
		md_items += !strncmp(p, "- ", 2);
	}
	assert_int_equal(md_headings, headings);
	assert_true(bullets >= 20); /* and 25 */
	assert_int_equal(md_items, bullets);
	/* numbered paragraphs stay paragraphs, number first */
	assert_non_null(strstr(md, "\n\n3.3.4 The Information Security Manager will be responsible "
				   "for incorporating"));
	assert_non_null(strstr(md, "procedures into the\norganization\xE2\x80\x99s operational"));

	/* rendered: the same items, and every word of the source in order */
	struct buf h, want, got;
	buf_init(&h, 0);
	buf_init(&want, 0);
	buf_init(&got, 0);
	assert_int_equal(markdown_html(&h, md, strlen(md)), ERR_OK);
	size_t lis = 0;
	for (const char *p = buf_cstr(&h); (p = strstr(p, "<li>")); p++)
		lis++;
	assert_int_equal(lis, bullets);
	assert_non_null(strstr(buf_cstr(&h), "<h3>West Cloud Contact Services Information Security "
					     "Policy</h3>"));
	assert_non_null(strstr(buf_cstr(&h), "<h4>1. Security Policy Overview</h4>"));
	assert_non_null(strstr(buf_cstr(&h), "<h5>3.3 Statement of Management intent</h5>"));
	assert_non_null(strstr(buf_cstr(&h), "<p>Asset<br>Anything that has value"));
	html_words(&got, buf_cstr(&h));
	source_words(&want, src);
	assert_true(want.len > 10000);
	assert_same_words(buf_cstr(&want), buf_cstr(&got));
	buf_free(&h);
	buf_free(&want);
	buf_free(&got);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_markdown_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bullets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paragraphs_and_title, setup, teardown),
		cmocka_unit_test_setup_teardown(test_markup_is_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_texts_keep_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_policy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
