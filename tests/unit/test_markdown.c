/* test_markdown.c - Markdown to safe HTML: the constructs kept, and every way stored text
 * could add markup or script refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/markdown.h"

static const char *md(struct buf *b, const char *s)
{
	buf_reset(b);
	assert_int_equal(markdown_html(b, s, strlen(s)), ERR_OK);
	return buf_cstr(b);
}

static void test_constructs(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_string_equal(md(&b, "Hello *world* and **bold**"),
			    "<p>Hello <em>world</em> and <strong>bold</strong></p>");
	assert_string_equal(md(&b, "- a\n- b\n"), "<ul><li>a</li><li>b</li></ul>");
	assert_string_equal(md(&b, "3. c\n4. d\n"), "<ol start=\"3\"><li>c</li><li>d</li></ol>");
	assert_string_equal(md(&b, "# Title"), "<h3>Title</h3>");
	assert_string_equal(md(&b, "`x < y`"), "<p><code>x &lt; y</code></p>");
	assert_string_equal(md(&b, "[site](https://example.org/a?b=1&c=2)"),
			    "<p><a rel=\"nofollow noopener noreferrer\" "
			    "href=\"https://example.org/a?b=1&amp;c=2\">site</a></p>");
	assert_string_equal(md(&b, "| a | b |\n|---|---|\n| 1 | 2 |\n"),
			    "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr>"
			    "<td>1</td><td>2</td></tr></tbody></table>");
	assert_string_equal(md(&b, "&copy; 2026"), "<p>&copy; 2026</p>");
	buf_free(&b);
}

static void test_nothing_unsafe_gets_through(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	static const char *const attacks[] = {
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"text <b onmouseover=alert(1)>x</b>",
		"[x](javascript:alert(1))",
		"[x]( JaVaScRiPt:alert(1))",
		"[x](data:text/html,<script>alert(1)</script>)",
		"![y](https://evil.example/t.png)",
		"<https://ok.example/\"onmouseover=\"alert(1)>",
		"\"><svg onload=alert(1)>",
		"```\n</code></pre><script>alert(1)</script>\n```",
		"[x](vbscript:msgbox)",
		"&#106;avascript",
	};
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const char *h = md(&b, attacks[i]);
		/* text is escaped, so an event attribute could only live in a tag of ours */
		if (strstr(h, "<script") || strstr(h, "<img") || strstr(h, "<svg") ||
		    strstr(h, "<b ") || strstr(h, "href=\"javascript") ||
		    strstr(h, "href=\" JaVaScRiPt") || strstr(h, "href=\"data:") ||
		    strstr(h, "href=\"vbscript") || strstr(h, "\"onmouseover"))
			fail_msg("case %zu let markup through: %s", i, h);
	}
	/* a refused link keeps its text */
	assert_string_equal(md(&b, "[click](javascript:x)"), "<p>click</p>");
	/* an image shows its alt text only */
	assert_string_equal(md(&b, "![diagram](https://x.example/d.png)"), "<p>diagram</p>");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs),
		cmocka_unit_test(test_nothing_unsafe_gets_through),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
