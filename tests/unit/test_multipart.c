/* test_multipart.c - multipart/form-data bodies as browsers send them (text fields and files,
 * a boundary quoted or not, preamble and epilogue), and the bodies that must be refused:
 * no or a bad boundary, unclosed parts, parts without a name, caps on parts and header lines,
 * NUL bytes and text fields that are not UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/multipart.h"

#define CT "multipart/form-data; boundary=----WebKitFormBoundaryAbC123"
#define B  "------WebKitFormBoundaryAbC123"

static struct multipart mp;

static enum err parse(struct arena *a, const char *ct, const char *body, size_t n, const char **why)
{
	return multipart_parse(a, ct, body, n ? n : strlen(body), &mp, why);
}

static void test_browser_body(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	/* as Chromium sends the import form: the token, a file, an empty text area, a box */
	static const char body[] =
		B "\r\n"
		  "Content-Disposition: form-data; name=\"_csrf\"\r\n\r\n"
		  "tok123\r\n" B "\r\n"
		  "Content-Disposition: form-data; name=\"file\"; filename=\"assets.csv\"\r\n"
		  "Content-Type: text/csv\r\n\r\n"
		  "name,type\r\n\"a " B "x\",server\r\n\r\n" B "\r\n"
		  "Content-Disposition: form-data; name=\"csv\"\r\n\r\n"
		  "\r\n" B "\r\n"
		  "content-disposition: FORM-DATA; name=partial\r\n\r\n"
		  "on\r\n" B "--\r\n";
	const char *why = NULL;
	assert_int_equal(parse(&a, CT, body, sizeof(body) - 1, &why), ERR_OK);
	assert_int_equal(mp.n, 4);
	assert_string_equal(mp.parts[0].name, "_csrf");
	assert_null(mp.parts[0].filename);
	assert_null(mp.parts[0].content_type);
	assert_int_equal(mp.parts[0].n, 6);
	assert_memory_equal(mp.parts[0].data, "tok123", 6);
	assert_string_equal(mp.parts[1].name, "file");
	assert_string_equal(mp.parts[1].filename, "assets.csv");
	assert_string_equal(mp.parts[1].content_type, "text/csv");
	/* the boundary without its line break before it is content; the last CRLF is not */
	static const char file[] = "name,type\r\n\"a " B "x\",server\r\n";
	assert_int_equal(mp.parts[1].n, sizeof(file) - 1);
	assert_memory_equal(mp.parts[1].data, file, sizeof(file) - 1);
	assert_string_equal(mp.parts[2].name, "csv");
	assert_int_equal(mp.parts[2].n, 0);
	assert_string_equal(mp.parts[3].name, "partial");
	assert_memory_equal(mp.parts[3].data, "on", 2);

	/* as a form: values are strings, found by name */
	struct form f;
	assert_int_equal(multipart_form(&a, CT, body, sizeof(body) - 1, &f, &why), ERR_OK);
	assert_int_equal(f.n, 4);
	assert_string_equal(form_get(&f, "_csrf"), "tok123");
	assert_string_equal(form_get(&f, "file"), file);
	assert_string_equal(form_get(&f, "partial"), "on");
	arena_free(&a);
}

static void test_variants(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	const char *why = NULL;
	/* a quoted boundary, other parameters, a preamble, padding after a delimiter, an
	 * epilogue; no file chosen (empty file name and content) */
	static const char body[] =
		"preamble to ignore\r\n--a'b(c)+_,-./:=?\r\n"
		"Content-Disposition: form-data; filename=\"\"; name=\"file\"\r\n"
		"Content-Type: application/octet-stream\r\n\r\n"
		"\r\n--a'b(c)+_,-./:=? \t\r\n"
		"Content-Disposition: form-data; name=\"x\"\r\n\r\n"
		"1\r\n--a'b(c)+_,-./:=?--\r\nepilogue";
	assert_int_equal(parse(&a,
			       "Multipart/Form-Data; charset=utf-8; boundary=\"a'b(c)+_,-./:=?\"",
			       body, 0, &why),
			 ERR_OK);
	assert_int_equal(mp.n, 2);
	assert_string_equal(mp.parts[0].filename, "");
	assert_int_equal(mp.parts[0].n, 0);
	assert_string_equal(mp.parts[1].name, "x");
	/* a body of no parts at all is only a close delimiter */
	assert_int_equal(parse(&a, "multipart/form-data; boundary=z", "--z--\r\n", 0, &why),
			 ERR_OK);
	assert_int_equal(mp.n, 0);
	/* UTF-8 names */
	assert_int_equal(parse(&a, "multipart/form-data; boundary=z",
			       "--z\r\nContent-Disposition: form-data; name=\"caf\xc3\xa9\"\r\n\r\n"
			       "v\r\n--z--",
			       0, &why),
			 ERR_OK);
	assert_string_equal(mp.parts[0].name, "caf\xc3\xa9");
	assert_true(multipart_is_form("multipart/form-data"));
	assert_false(multipart_is_form("multipart/form-database"));
	assert_false(multipart_is_form("multipart/mixed; boundary=x"));
	assert_false(multipart_is_form(NULL));
	arena_free(&a);
}

static void test_bad_bodies(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	static const struct {
		const char *ct, *body;
	} cases[] = {
		/* boundaries */
		{ "multipart/form-data", "--z\r\n\r\n--z--" },
		{ "multipart/form-data; boundary=", "--\r\n--" },
		{ "multipart/form-data; boundary=\"z", "--z--" },
		{ "multipart/form-data; boundary=a<b", "--a<b--" },
		{ "multipart/form-data; boundary=\"ends in space \"", "--ends in space --" },
		{ "multipart/form-data; boundary="
		  "12345678901234567890123456789012345678901234567890123456789012345678901",
		  "--x--" },
		{ "multipart/mixed; boundary=z", "--z--" },
		{ "text/plain; boundary=z", "--z--" },
		/* structure */
		{ "multipart/form-data; boundary=z", "" },
		{ "multipart/form-data; boundary=z", "no delimiter at all" },
		{ "multipart/form-data; boundary=z",
		  "--z\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever closed" },
		{ "multipart/form-data; boundary=z",
		  "--z\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--z" },
		{ "multipart/form-data; boundary=z",
		  "--z\r\nContent-Disposition: form-data; name=\"a\"\r\n" },
		{ "multipart/form-data; boundary=z",
		  "--z\nContent-Disposition: form-data; name=\"a\"\n\nv\n--z--" },
		{ "multipart/form-data; boundary=z", "--zjunk\r\n\r\nv\r\n--z--" },
		/* headers */
		{ "multipart/form-data; boundary=z", "--z\r\n\r\nv\r\n--z--" },
		{ "multipart/form-data; boundary=z",
		  "--z\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--z--" },
		{ "multipart/form-data; boundary=z",
		  "--z\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\nv\r\n--z--" },
		{ "multipart/form-data; boundary=z",
		  "--z\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--z--" },
		{ "multipart/form-data; boundary=z",
		  "--z\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nv\r\n--z--" },
		{ "multipart/form-data; boundary=z",
		  "--z\r\nno colon here\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n"
		  "--z--" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		if (parse(&a, cases[i].ct, cases[i].body, 0, &why) != ERR_BAD_REQUEST)
			fail_msg("case %zu was accepted", i);
		assert_non_null(why);
	}
	/* caps: parts, header lines and their length */
	for (int over = 0; over < 2; over++) {
		struct buf b;
		buf_init(&b, 0);
		for (int i = 0; i < MULTIPART_MAX_PARTS + over; i++)
			buf_printf(
				&b,
				"--z\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv\r\n",
				i);
		buf_adds(&b, "--z--");
		const char *why = NULL;
		assert_int_equal(parse(&a, "multipart/form-data; boundary=z", b.p, b.len, &why),
				 over ? ERR_BAD_REQUEST : ERR_OK);
		buf_reset(&b);
		buf_adds(&b, "--z\r\n");
		for (int i = 0; i < MULTIPART_MAX_HEADERS - 1 + over; i++)
			buf_adds(&b, "X-Other: 1\r\n");
		buf_adds(&b, "Content-Disposition: form-data; name=a\r\n\r\nv\r\n--z--");
		assert_int_equal(parse(&a, "multipart/form-data; boundary=z", b.p, b.len, &why),
				 over ? ERR_BAD_REQUEST : ERR_OK);
		buf_reset(&b);
		buf_adds(&b, "--z\r\nContent-Disposition: form-data; name=a\r\nX-Long: ");
		for (int i = 0; i < MULTIPART_MAX_HEADER_LINE - 8 + over; i++)
			buf_addc(&b, 'x');
		buf_adds(&b, "\r\n\r\nv\r\n--z--");
		assert_int_equal(parse(&a, "multipart/form-data; boundary=z", b.p, b.len, &why),
				 over ? ERR_BAD_REQUEST : ERR_OK);
		buf_free(&b);
	}
	arena_free(&a);
}

/* As form fields: no NUL bytes anywhere; text fields UTF-8, files any other bytes. */
static void test_form_values(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct form f;
	const char *why = NULL;
	static const char latin1_file[] =
		"--z\r\nContent-Disposition: form-data; name=\"file\"; filename=\"l.csv\"\r\n\r\n"
		"caf\xe9\r\n--z--";
	assert_int_equal(multipart_form(&a, "multipart/form-data; boundary=z", latin1_file,
					sizeof(latin1_file) - 1, &f, &why),
			 ERR_OK);
	assert_string_equal(form_get(&f, "file"), "caf\xe9");
	static const char latin1_text[] =
		"--z\r\nContent-Disposition: form-data; name=\"csv\"\r\n\r\ncaf\xe9\r\n--z--";
	assert_int_equal(multipart_form(&a, "multipart/form-data; boundary=z", latin1_text,
					sizeof(latin1_text) - 1, &f, &why),
			 ERR_BAD_REQUEST);
	static const char nul_file[] =
		"--z\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n"
		"a\0b\r\n--z--";
	assert_int_equal(multipart_form(&a, "multipart/form-data; boundary=z", nul_file,
					sizeof(nul_file) - 1, &f, &why),
			 ERR_BAD_REQUEST);
	assert_non_null(strstr(why, "NUL"));
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_browser_body),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_form_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
