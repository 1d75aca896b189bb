/* test_html.c - escaping at the sink: HTML text and attributes, URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/html.h"

static const char *esc(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	html_escn(b, s, n);
	return buf_cstr(b);
}

static void test_markup_characters(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_string_equal(esc(&b, "<script>alert(1)</script>", 25),
			    "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_string_equal(esc(&b, "\"><img src=x onerror='a'>", 25),
			    "&quot;&gt;&lt;img src=x onerror=&#39;a&#39;&gt;");
	assert_string_equal(esc(&b, "a & b", 5), "a &amp; b");
	assert_string_equal(esc(&b, "plain text", 10), "plain text");
	assert_string_equal(esc(&b, "", 0), "");
	buf_reset(&b);
	html_esc(&b, NULL);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_utf8_and_controls(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	/* valid multi-byte text passes through unchanged */
	assert_string_equal(esc(&b, "Zoë — 東京 🔒", strlen("Zoë — 東京 🔒")), "Zoë — 東京 🔒");
	/* tab and newline stay; other controls, NUL and DEL become U+FFFD */
	assert_string_equal(esc(&b, "a\tb\nc", 5), "a\tb\nc");
	assert_string_equal(esc(&b,
				"a\x01"
				"b\x7f",
				4),
			    "a\xEF\xBF\xBD"
			    "b\xEF\xBF\xBD");
	assert_string_equal(esc(&b, "a\0b", 3), "a\xEF\xBF\xBD"
						"b");
	/* invalid sequences: a lone continuation byte, an overlong '<', a surrogate, a cut end */
	assert_string_equal(esc(&b, "\x80", 1), "\xEF\xBF\xBD");
	assert_string_equal(esc(&b, "\xC0\xBC", 2), "\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_string_equal(esc(&b, "\xED\xA0\x80", 3), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_string_equal(esc(&b, "ok\xE2\x82", 4), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
	buf_free(&b);
}

static void test_url(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	url_esc(&b, "a b&c=d/é?#\"<");
	assert_string_equal(buf_cstr(&b), "a%20b%26c%3Dd%2F%C3%A9%3F%23%22%3C");
	buf_reset(&b);
	url_esc(&b, "Keep-this_1.2~");
	assert_string_equal(buf_cstr(&b), "Keep-this_1.2~");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markup_characters),
		cmocka_unit_test(test_utf8_and_controls),
		cmocka_unit_test(test_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
