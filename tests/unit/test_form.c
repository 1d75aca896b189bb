/* test_form.c - decoding HTML form posts: escapes, repeated and empty fields, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/form.h"

static struct form f;

static enum err parse(struct arena *a, const char *body, const char **why)
{
	return form_parse(a, body, strlen(body), &f, why);
}

static void test_decoding(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	const char *why = NULL;
	assert_int_equal(parse(&a, "name=Web+server+%231&q=a%26b%3Dc&empty=&flag&x=%C3%A9", &why),
			 ERR_OK);
	assert_int_equal(f.n, 5);
	assert_string_equal(form_get(&f, "name"), "Web server #1");
	assert_string_equal(form_get(&f, "q"), "a&b=c");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "flag"), "");
	assert_string_equal(form_get(&f, "x"), "é");
	assert_null(form_get(&f, "missing"));
	/* repeated names (checkbox groups) are all kept, in order */
	assert_int_equal(parse(&a, "roles=staff&roles=auditor&&", &why), ERR_OK);
	assert_int_equal(form_count(&f, "roles"), 2);
	assert_string_equal(f.items[1].value, "auditor");
	assert_int_equal(parse(&a, "", &why), ERR_OK);
	assert_int_equal(f.n, 0);
	arena_free(&a);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	const char *why = NULL;
	static const char *const bad[] = { "a=%",   "a=%4",  "a=%zz",	   "a=%00",
					   "%ff=1", "a=%C3", "a=%ED%A0%80" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(parse(&a, bad[i], &why), ERR_BAD_REQUEST);
		assert_non_null(why);
	}
	/* too many fields */
	char big[FORM_MAX_FIELDS * 4 + 16];
	size_t n = 0;
	for (int i = 0; i <= FORM_MAX_FIELDS; i++) {
		memcpy(big + n, "a=1&", 4);
		n += 4;
	}
	big[n] = '\0';
	assert_int_equal(parse(&a, big, &why), ERR_BAD_REQUEST);
	assert_string_equal(why, "has too many fields");
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoding),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
