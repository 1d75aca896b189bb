/* test_pdf.c - a published document as a PDF: structure (header, trailer, page count), the
 * text that must appear (read back with poppler's pdftotext when installed; those checks are
 * skipped without it), CP1252 mapping, limits and bad input. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/pdf.h"
#include "seed.h"
#include "util/buf.h"

#define HASH                                                                                       \
	"3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f"                         \
	"0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d"

static const struct pdf_meta meta[] = {
	{ "Version", "3" },
	{ "Status", "Published" },
	{ "Review date", "2027-11-01" },
	{ "Owner", "Chief Information Security Officer" },
};

static const struct pdf_signoff signoffs[] = {
	{ "Alice Example", "Chief Executive", "2026-11-01 09:30 UTC", HASH },
	{ "Bob Sample", "Information Security Manager", "2026-10-30 16:05 UTC", HASH },
};

static struct pdf_doc doc_with(const char *md)
{
	return (struct pdf_doc){
		.title = "Access Control Policy",
		.org = "Example Ltd",
		.meta = meta,
		.nmeta = sizeof(meta) / sizeof(meta[0]),
		.signoffs = signoffs,
		.nsignoffs = sizeof(signoffs) / sizeof(signoffs[0]),
		.markdown = md,
		.markdown_len = md ? strlen(md) : 0,
		.footer = "POL-001 v3 - approved 2026-11-01",
	};
}

static void render(const struct pdf_doc *d, struct buf *out)
{
	buf_init(out, 0);
	enum err e = pdf_render(d, out);
	if (e != ERR_OK)
		fail_msg("pdf_render: %s", err_name(e));
	assert_true(out->len > 100);
	assert_memory_equal(out->p, "%PDF-", 5);
	size_t n = out->len;
	while (n && (out->p[n - 1] == '\n' || out->p[n - 1] == '\r'))
		n--;
	assert_true(n >= 5);
	assert_memory_equal(out->p + n - 5, "%%EOF", 5);
}

/* Page objects ("/Type /Page", not "/Type /Pages"): libharu writes them uncompressed. */
static size_t count_pages(const struct buf *b)
{
	size_t n = 0;
	const char *k = "/Type /Page";
	for (const char *p = b->p; (p = memmem(p, b->len - (size_t)(p - b->p), k, 11)); p += 11)
		if (p + 11 < b->p + b->len && p[11] != 's')
			n++;
	return n;
}

static bool have_poppler(void)
{
	static int have = -1;
	if (have < 0) {
		have = system("command -v pdftotext >/dev/null 2>&1") == 0;
		if (!have)
			print_message(
				"pdftotext not installed (poppler-utils): text checks skipped\n");
	}
	return have;
}

/* Runs a poppler tool ("pdftotext -enc UTF-8", "pdfinfo") on pdf, output into out. */
static bool poppler(const struct buf *pdf, const char *tool, const char *after, struct buf *out)
{
	buf_init(out, 0);
	if (!have_poppler())
		return false;
	const char *dir = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/custos-pdf-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pdf->p, pdf->len), (ssize_t)pdf->len);
	close(fd);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "%s '%s' %s", tool, path, after);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	assert_int_equal(pclose(f), 0);
	unlink(path);
	assert_false(buf_failed(out));
	buf_cstr(out);
	return true;
}

/* The text of pdf as pdftotext reads it; pages end in '\f'. */
static bool extract(const struct buf *pdf, const char *opts, struct buf *text)
{
	char tool[128];
	snprintf(tool, sizeof(tool), "pdftotext -layout -enc UTF-8 %s", opts);
	return poppler(pdf, tool, "-", text);
}

/* The text with every run of white space (page breaks too) as one space. */
static char *flat(const struct buf *text)
{
	char *s = malloc(text->len + 1);
	assert_non_null(s);
	size_t o = 0;
	for (size_t i = 0; i < text->len; i++) {
		char c = text->p[i];
		bool ws = c == ' ' || c == '\n' || c == '\f' || c == '\t';
		if (ws && (o == 0 || s[o - 1] == ' '))
			continue;
		s[o++] = ws ? ' ' : c;
	}
	s[o] = '\0';
	return s;
}

static void assert_has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("missing \"%s\" in: %.3000s", want, text);
}

/* Renders d into out and returns its text flattened, or NULL without pdftotext. */
static char *render_text(const struct pdf_doc *d, struct buf *out)
{
	struct buf text;
	render(d, out);
	char *t = extract(out, "", &text) ? flat(&text) : NULL;
	buf_free(&text);
	return t;
}

static void test_full_document(void **state)
{
	(void)state;
	const char *md = "# Purpose\n\n"
			 "This policy sets *how* access is **granted** and `reviewed`, "
			 "with (brackets) and a back\\\\slash.\n\n"
			 "## Scope and roles\n\n"
			 "- every employee\n- contractors\n  - with a badge\n  - and an account\n"
			 "- visitors\n\n"
			 "3. first step\n4. second step\n\n"
			 "### Reviews\n\n"
			 "> Quoted guidance stays indented.\n\n"
			 "```\nint main(void) { return 0; }\n```\n\n"
			 "#### Contacts\n\n"
			 "See [the policy site](https://example.org/policy) or www.example.com.\n\n"
			 "| Role | Duty |\n|---|---|\n| Owner | Approves access |\n"
			 "| Auditor | Checks the log |\n\n"
			 "---\n\nLast&nbsp;line &copy; 2026 &#8364;5.\n";
	struct pdf_doc d = doc_with(md);
	struct buf out;
	char *t = render_text(&d, &out);
	assert_int_equal(count_pages(&out), 1);
	/* nothing that acts: no script, no actions */
	assert_null(memmem(out.p, out.len, "/JavaScript", 11));
	assert_null(memmem(out.p, out.len, "/OpenAction", 11));
	if (t) {
		static const char *const want[] = {
			"Access Control Policy",
			"Example Ltd",
			"Version 3",
			"Review date 2027-11-01",
			"Owner Chief Information Security Officer",
			"Approval",
			"Alice Example",
			"Chief Executive",
			"2026-11-01 09:30 UTC",
			"Information Security Manager",
			"3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f",
			"Purpose",
			"This policy sets how access is granted and reviewed, with (brackets) "
			"and a back\\slash.",
			"Scope and roles",
			"every employee",
			"with a badge",
			"3. first step",
			"4. second step",
			"Reviews",
			"Quoted guidance stays indented.",
			"int main(void) { return 0; }",
			"Contacts",
			"the policy site (https://example.org/policy)",
			"www.example.com.",
			"Owner Approves access",
			"Auditor Checks the log",
			"Last line \xC2\xA9 2026 \xE2\x82\xAC"
			"5.",
			"POL-001 v3 - approved 2026-11-01",
			"Page 1 of 1",
		};
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			assert_has(t, want[i]);
		/* an autolink is not followed by its own address */
		assert_null(strstr(t, "(http://www.example.com)"));
		free(t);
	}
	buf_free(&out);
}

/* count paragraphs of filler text, then tail. */
static char *filler(unsigned count, const char *tail)
{
	struct buf b;
	buf_init(&b, 0);
	for (unsigned i = 1; i <= count; i++)
		buf_printf(&b,
			   "Paragraph %u: access to information and systems is granted on "
			   "need to know and reviewed every quarter by the owner.\n\n",
			   i);
	buf_adds(&b, tail);
	return buf_take(&b);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_pages(void **state)
{
	(void)state;
	char *md = filler(400, "The end.\n");
	struct pdf_doc d = doc_with(md);
	struct buf out, text;
	double t0 = now_ms();
	render(&d, &out);
	double ms = now_ms() - t0;
	size_t pages = count_pages(&out);
	print_message("%zu pages, %zu bytes in %.1f ms\n", pages, out.len, ms);
	assert_true(pages >= 10);
	if (extract(&out, "", &text)) {
		char *t = flat(&text), s[64];
		snprintf(s, sizeof(s), "Page 1 of %zu", pages);
		assert_has(t, s);
		snprintf(s, sizeof(s), "Page %zu of %zu", pages, pages);
		assert_has(t, s);
		snprintf(s, sizeof(s), "Page %zu of", pages + 1);
		assert_null(strstr(t, s));
		/* every paragraph once, in order: nothing lost at a page break */
		const char *at = t;
		for (unsigned i = 1; i <= 400; i++) {
			snprintf(s, sizeof(s), "Paragraph %u:", i);
			const char *next = strstr(at, s);
			if (!next)
				fail_msg("paragraph %u missing or out of order", i);
			at = next + 1;
		}
		assert_has(at, "The end.");
		free(t);
		/* poppler counts as many pages */
		buf_free(&text);
		assert_true(poppler(&out, "pdfinfo", "", &text));
		char *info = flat(&text);
		snprintf(s, sizeof(s), "Pages: %zu ", pages);
		assert_has(info, s);
		free(info);
	}
	buf_free(&text);
	buf_free(&out);
	free(md);
}

/* A heading never ends a page: it goes over with the line after it. A code block that grows
 * by one short line at a time moves the heading down the page in steps finer than the room it
 * needs, so some step leaves room for the heading but not for the line after it. */
static void test_heading_kept_with_next(void **state)
{
	(void)state;
	if (!have_poppler())
		skip();
	for (unsigned k = 20; k <= 70; k++) {
		struct buf md;
		buf_init(&md, 0);
		buf_adds(&md, "```\n");
		for (unsigned i = 0; i < k; i++)
			buf_printf(&md, "line %u\n", i);
		buf_adds(&md, "```\n\n## Kept Heading\n\nFollowing body text.\n");
		struct pdf_doc d = doc_with(buf_cstr(&md));
		struct buf out, text;
		render(&d, &out);
		assert_true(extract(&out, "", &text));
		const char *h = strstr(text.p, "Kept Heading");
		assert_non_null(h);
		const char *page_end = strchr(h, '\f');
		const char *body = strstr(h, "Following body text.");
		assert_non_null(body);
		if (page_end && body > page_end)
			fail_msg("with %u code lines the heading ends its page", k);
		buf_free(&text);
		buf_free(&out);
		buf_free(&md);
	}
}

static void test_typography(void **state)
{
	(void)state;
	const char *md = "\xE2\x80\x9CQuoted\xE2\x80\x9D \xE2\x80\x98single\xE2\x80\x99 "
			 "\xE2\x80\xA2 bullet \xE2\x80\x93 en \xE2\x80\x94 em \xE2\x80\xA6 "
			 "\xE2\x82\xAC 10 caf\xC3\xA9 na\xC3\xAFve \xC3\x9F "
			 "omega \xCE\xA9 arrow \xE2\x86\x92 emoji \xF0\x9F\x98\x80 end";
	struct pdf_doc d = doc_with(md);
	d.title = "\xE2\x80\x9CTypographic\xE2\x80\x9D caf\xC3\xA9 policy";
	struct buf out;
	char *t = render_text(&d, &out);
	if (t) {
		assert_has(t, "\xE2\x80\x9CTypographic\xE2\x80\x9D caf\xC3\xA9 policy");
		assert_has(t, "\xE2\x80\x9CQuoted\xE2\x80\x9D \xE2\x80\x98single\xE2\x80\x99");
		assert_has(t, "\xE2\x80\xA2 bullet \xE2\x80\x93 en \xE2\x80\x94 em \xE2\x80\xA6 "
			      "\xE2\x82\xAC 10 caf\xC3\xA9 na\xC3\xAFve \xC3\x9F");
		/* no such glyph in WinAnsiEncoding: a question mark, one per character */
		assert_has(t, "omega ? arrow ? emoji ? end");
		free(t);
	}
	buf_free(&out);
}

static void test_raw_html_is_text(void **state)
{
	(void)state;
	const char *md = "<script>alert(1)</script>\n\n"
			 "<a href=\"javascript:alert(2)\">x</a> and <b onclick=\"y\">bold</b>\n\n"
			 "after\n";
	struct pdf_doc d = doc_with(md);
	struct buf out;
	char *t = render_text(&d, &out);
	static const char *const acts[] = { "/JavaScript", "/JS",     "/OpenAction",
					    "/AA",	   "/Launch", "/URI" };
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		assert_null(memmem(out.p, out.len, acts[i], strlen(acts[i])));
	if (t) {
		/* shown as the characters written, as the web page shows them */
		assert_has(t, "<script>alert(1)</script>");
		assert_has(t, "<b onclick=\"y\">bold</b>");
		assert_has(t, "after");
		free(t);
	}
	buf_free(&out);
}

static void test_invalid_input(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 0);
	static const char bad[] = "ok \xC3\x28 not";
	struct pdf_doc d = doc_with(bad);
	assert_int_equal(pdf_render(&d, &out), ERR_BAD_REQUEST);
	static const char nul[] = "before\0after";
	d = doc_with(NULL);
	d.markdown = nul;
	d.markdown_len = sizeof(nul) - 1;
	assert_int_equal(pdf_render(&d, &out), ERR_BAD_REQUEST);
	d = doc_with("fine");
	d.title = "\xED\xA0\x80 surrogate";
	assert_int_equal(pdf_render(&d, &out), ERR_BAD_REQUEST);
	d = doc_with("fine");
	d.footer = "\xFF";
	assert_int_equal(pdf_render(&d, &out), ERR_BAD_REQUEST);
	struct pdf_meta m = { "Version", "\xC0\xAF overlong" };
	d = doc_with("fine");
	d.meta = &m;
	d.nmeta = 1;
	assert_int_equal(pdf_render(&d, &out), ERR_BAD_REQUEST);
	struct pdf_signoff s = { "A", "B", "C", "\x80" };
	d = doc_with("fine");
	d.signoffs = &s;
	d.nsignoffs = 1;
	assert_int_equal(pdf_render(&d, &out), ERR_BAD_REQUEST);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void test_empty(void **state)
{
	(void)state;
	static const char *const bodies[] = { NULL, "", "   \n\n  \n", "- \n- \n", "> \n" };
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct pdf_doc d = doc_with(bodies[i]);
		struct buf out;
		render(&d, &out);
		assert_int_equal(count_pages(&out), 1);
		buf_free(&out);
	}
	/* nothing at all but the body */
	struct pdf_doc bare = { .markdown = "Just text.", .markdown_len = 10 };
	struct buf out;
	char *t = render_text(&bare, &out);
	if (t) {
		assert_has(t, "Just text.");
		assert_has(t, "Page 1 of 1");
		free(t);
	}
	buf_free(&out);
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* The right edge of every word pdftotext found (its -bbox output), as a maximum. */
static double max_x(const char *bbox)
{
	double m = 0;
	for (const char *p = bbox; (p = strstr(p, "xMax=\"")); p += 6) {
		double v = strtod(p + 6, NULL);
		if (v > m)
			m = v;
	}
	return m;
}

static void test_long_words_break(void **state)
{
	(void)state;
	struct buf md;
	buf_init(&md, 0);
	buf_adds(&md, "# ");
	for (int i = 0; i < 300; i++)
		buf_addc(&md, 'h');
	buf_adds(&md, "\n\nStart ");
	for (int i = 0; i < 5000; i++)
		buf_addc(&md, 'x');
	buf_adds(&md, " end.\n\n```\n");
	for (int i = 0; i < 3000; i++)
		buf_addc(&md, 'y');
	buf_adds(&md, "\n```\n\n| a | b |\n|---|---|\n| ");
	for (int i = 0; i < 2000; i++)
		buf_addc(&md, 'z');
	buf_adds(&md, " | w |\n\n");
	/* nesting far deeper than the indent goes */
	for (int i = 0; i < 200; i++)
		buf_adds(&md, "> ");
	buf_adds(&md, "deep quote\n\n");
	for (int i = 0; i < 60; i++) {
		for (int k = 0; k < i; k++)
			buf_adds(&md, "  ");
		buf_adds(&md, "- level\n");
	}
	struct pdf_doc d = doc_with(buf_cstr(&md));
	d.title = NULL;
	d.org = NULL;
	d.footer = NULL;
	d.nsignoffs = 0;
	d.nmeta = 0;
	struct buf out;
	char *t = render_text(&d, &out);
	if (t) {
		assert_int_equal(count_char(t, 'x'), 5000);
		assert_int_equal(count_char(t, 'y'), 3000);
		assert_int_equal(count_char(t, 'z'), 2000);
		assert_int_equal(count_char(t, 'h'), 300);
		assert_has(t, "deep quote");
		free(t);
		/* nothing runs past the right margin (A4 is 595.3 pt wide, the margin 56.7) */
		struct buf bbox;
		assert_true(extract(&out, "-bbox", &bbox));
		double right = max_x(bbox.p);
		if (right > 595.3 - 56.7 + 1)
			fail_msg("text reaches x = %.1f", right);
		buf_free(&bbox);
	}
	buf_free(&out);
	buf_free(&md);
}

static void test_limits(void **state)
{
	(void)state;
	/* past PDF_MAX_PAGES */
	struct buf md;
	buf_init(&md, 0);
	for (int i = 0; i < 40000; i++)
		buf_adds(&md, "p\n\n");
	struct pdf_doc d = doc_with(buf_cstr(&md));
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(pdf_render(&d, &out), ERR_TOO_LARGE);
	assert_int_equal(out.len, 0);
	/* past the buffer's own cap */
	d = doc_with("A short body.");
	buf_free(&out);
	buf_init(&out, 1000);
	assert_int_equal(pdf_render(&d, &out), ERR_TOO_LARGE);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	/* past PDF_MAX_MARKDOWN */
	buf_free(&md);
	buf_init(&md, PDF_MAX_MARKDOWN + 128);
	for (size_t i = 0; i <= PDF_MAX_MARKDOWN / 64; i++)
		buf_adds(&md, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	d = doc_with(buf_cstr(&md));
	buf_init(&out, 0);
	assert_int_equal(pdf_render(&d, &out), ERR_TOO_LARGE);
	buf_free(&out);
	buf_free(&md);
}

/* The seed policy (plain text, read as Markdown) as one body. */
static void test_seed_policy(void **state)
{
	(void)state;
	size_t len = 0;
	char *src = seed_text(&len);
	if (!src)
		skip();
	struct pdf_doc d = doc_with(src);
	d.title = "Information Security Policy";
	struct buf out;
	char *t = render_text(&d, &out);
	size_t pages = count_pages(&out);
	print_message("seed policy: %zu bytes of text, %zu pages\n", len, pages);
	assert_true(pages >= 3);
	if (t) {
		static const char *const titles[] = {
			"Security Policy Overview",
			"1.1 Information Security Policy",
			"2.2 Scope",
			"2.3 Terms and Definitions",
			"2.5 Risks",
			"3.2 Review",
			"3.3 Statement of Management intent",
		};
		for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
			assert_has(t, titles[i]);
		/* typographic quotes of the source come through */
		assert_has(t, "(\xE2\x80\x9Cthe organization\xE2\x80\x9D)");
		free(t);
	}
	buf_free(&out);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_document),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_heading_kept_with_next),
		cmocka_unit_test(test_typography),
		cmocka_unit_test(test_raw_html_is_text),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_long_words_break),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_seed_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
