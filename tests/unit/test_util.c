/* test_util.c - buf, arena, str, time and crypto helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/str.h"
#include "util/timeutil.h"

static void test_buf_cap_is_sticky(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	buf_adds(&b, "12345678");
	assert_false(buf_failed(&b));
	buf_addc(&b, '9');
	assert_true(buf_failed(&b));
	buf_adds(&b, "x"); /* ignored once failed */
	assert_int_equal(b.len, 8);
	assert_null(buf_take(&b));
}

static void test_buf_printf_and_json(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s-%d", "a", 42);
	buf_add_json_str(&b, "q\"\\\n\x01", 5);
	buf_add_i64(&b, INT64_MIN);
	assert_string_equal(buf_cstr(&b), "a-42\"q\\\"\\\\\\n\\u0001\"-9223372036854775808");
	/* a long format goes past the stack buffer */
	buf_reset(&b);
	char big[600];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "<%s>", big);
	assert_int_equal(b.len, 601);
	buf_free(&b);
}

static void test_arena(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 64 * 1024);
	char *s = arena_strdup(&a, "hello");
	assert_string_equal(s, "hello");
	assert_non_null(arena_alloc(&a, 40000)); /* a big block */
	assert_string_equal(arena_printf(&a, "%d-%s", 7, s), "7-hello");
	assert_null(arena_alloc(&a, 64 * 1024)); /* past the cap */
	arena_free(&a);
}

static void test_str_to_i64(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
		int64_t v;
	} cases[] = {
		{ "0", true, 0 },
		{ "42", true, 42 },
		{ "-7", true, -7 },
		{ "9223372036854775807", true, INT64_MAX },
		{ "-9223372036854775808", true, INT64_MIN },
		{ "9223372036854775808", false, 0 },
		{ "", false, 0 },
		{ "-", false, 0 },
		{ "12a", false, 0 },
		{ " 1", false, 0 },
		{ "1.5", false, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = 0;
		assert_int_equal(str_parse_i64(cases[i].in, &v), cases[i].ok);
		if (cases[i].ok)
			assert_true(v == cases[i].v);
	}
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(str_valid_utf8("plain", 5));
	assert_true(str_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	assert_false(str_valid_utf8("\xc3", 1));	 /* truncated */
	assert_false(str_valid_utf8("\xc0\xaf", 2));	 /* overlong */
	assert_false(str_valid_utf8("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(str_valid_utf8("\xff", 1));
	assert_false(str_valid_utf8("a\0b", 3)); /* NUL */
	assert_int_equal(str_utf8_len("caf\xc3\xa9", 5), 4);
}

static void test_dates(void **state)
{
	(void)state;
	int64_t t;
	assert_true(time_parse_date("2024-02-29", 10, &t));
	assert_false(time_parse_date("2023-02-29", 10, &t));
	assert_false(time_parse_date("2024-13-01", 10, &t));
	assert_false(time_parse_date("2024-1-01", 9, &t));
	assert_true(time_parse_date("1970-01-02", 10, &t));
	assert_int_equal(t, 86400);
	assert_true(time_parse_iso("2026-11-28T10:00:00Z", 20, &t));
	char out[TIME_ISO_LEN];
	time_format_iso(t, out);
	assert_string_equal(out, "2026-11-28T10:00:00Z");
	assert_true(time_parse_iso("2026-11-28T12:00:00.123+02:00", 29, &t));
	time_format_iso(t, out);
	assert_string_equal(out, "2026-11-28T10:00:00Z");
	assert_false(time_parse_iso("2026-11-28T25:00:00Z", 20, &t));
	assert_false(time_parse_iso("2026-11-28T10:00:00", 19, &t));
	time_set_fake(1000);
	assert_int_equal(time_now(), 1000);
	time_set_fake(0);
}

static void test_crypto(void **state)
{
	(void)state;
	assert_int_equal(crypto_init(), ERR_OK);
	char a[CRYPTO_TOKEN_LEN], b[CRYPTO_TOKEN_LEN];
	crypto_token(a);
	crypto_token(b);
	assert_int_equal(strlen(a), 43);
	assert_string_not_equal(a, b);
	char h1[CRYPTO_HASH_HEX], h2[CRYPTO_HASH_HEX];
	crypto_hash_hex("ab", 2, "c", 1, h1);
	crypto_hash_hex("abc", 3, NULL, 0, h2);
	assert_string_equal(h1, h2); /* a || b is a plain concatenation */
	char pw[CRYPTO_PWHASH_LEN];
	assert_int_equal(crypto_password_hash("correct horse battery", 21, pw), ERR_OK);
	assert_true(strncmp(pw, "$argon2id$", 10) == 0);
	assert_non_null(strstr(pw, "m=65536,t=3"));
	assert_true(crypto_password_verify(pw, "correct horse battery", 21));
	assert_false(crypto_password_verify(pw, "correct horse batterz", 21));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap_is_sticky),
		cmocka_unit_test(test_buf_printf_and_json),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_str_to_i64),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_crypto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
