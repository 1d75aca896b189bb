/* test_util.c - buf, arena, str, time and crypto helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static void sha1_hex(const void *p, size_t n, size_t chunk, char out[41])
{
	struct crypto_sha1 s;
	unsigned char h[CRYPTO_SHA1_LEN];
	crypto_sha1_init(&s);
	/* fed in pieces of chunk bytes: the block buffering must not change the result */
	for (size_t o = 0; o < n; o += chunk)
		crypto_sha1_update(&s, (const char *)p + o, n - o < chunk ? n - o : chunk);
	crypto_sha1_final(&s, h);
	for (size_t i = 0; i < sizeof(h); i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* FIPS 180-2 appendix A (one block, two blocks, a million a's) and the 896-bit message of
 * the NIST examples; then lengths around the padding's edges (55, 56, 63, 64 ... bytes), whose
 * digests come from Python's hashlib. */
static void test_sha1(void **state)
{
	(void)state;
	static const struct {
		const char *msg;
		const char *hex;
	} fips[] = {
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
		  "kl"
		  "mnopqrlmnopqrsmnopqrstnopqrstu",
		  "a49b2446a02c645bf419f995b67091253a04a259" },
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
	};
	char hex[41];
	for (size_t i = 0; i < sizeof(fips) / sizeof(fips[0]); i++) {
		for (size_t chunk = 1; chunk <= 65; chunk += 32) {
			sha1_hex(fips[i].msg, strlen(fips[i].msg), chunk, hex);
			assert_string_equal(hex, fips[i].hex);
		}
	}
	static char million[1000000];
	memset(million, 'a', sizeof(million));
	sha1_hex(million, sizeof(million), 4096, hex);
	assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	sha1_hex(million, sizeof(million), 999, hex);
	assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	static const struct {
		size_t n;
		const char *hex;
	} edges[] = {
		{ 55, "cef734ba81a024479e09eb5a75b6ddae62e6abf1" },
		{ 56, "901305367c259952f4e7af8323f480d59f81335b" },
		{ 63, "0ddc4e0cccd9a12850deb5abb0853a4425559fec" },
		{ 64, "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163" },
		{ 65, "78c741ddc482e4cdf8c474a0876347a0905b6233" },
		{ 119, "4300320394f7ee239bcdce7d3b8bcee173a0cd5c" },
		{ 120, "ceb2821639c4b6dcb10bce0e522ca2e608ce056d" },
	};
	char xs[120];
	memset(xs, 'x', sizeof(xs));
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		sha1_hex(xs, edges[i].n, 64, hex);
		assert_string_equal(hex, edges[i].hex);
	}
}

/* RFC 9562: the version 5 example (appendix A.4), version and variant bits, parsing. */
static void test_uuid(void **state)
{
	(void)state;
	assert_int_equal(crypto_init(), ERR_OK);
	unsigned char dns[16], url[16], back[16];
	assert_true(crypto_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8", dns));
	assert_true(crypto_uuid_parse("6BA7B811-9DAD-11D1-80B4-00C04FD430C8", url));
	char u[CRYPTO_UUID_LEN];
	crypto_uuid5(dns, "www.example.com", 15, u);
	assert_string_equal(u, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
	/* Python: uuid.uuid5(uuid.NAMESPACE_DNS, '') and (NAMESPACE_URL, the Custos namespace) */
	crypto_uuid5(dns, "", 0, u);
	assert_string_equal(u, "4ebd0208-8328-5d69-8c44-ec50939c0967");
	crypto_uuid5(url, "https://custos.example/ns/oscal", 31, u);
	assert_string_equal(u, "d745a5a8-3ae2-5a97-b4e7-9b8962728c19");
	assert_true(crypto_uuid_parse(u, back));
	char v[CRYPTO_UUID_LEN];
	crypto_uuid5(back, "x", 1, v);
	assert_string_not_equal(u, v);
	/* version 4: random, version nibble 4, variant 10xx, and never the same twice */
	char r1[CRYPTO_UUID_LEN], r2[CRYPTO_UUID_LEN];
	crypto_uuid4(r1);
	crypto_uuid4(r2);
	assert_int_equal(strlen(r1), 36);
	assert_int_equal(r1[14], '4');
	assert_non_null(strchr("89ab", r1[19]));
	assert_string_not_equal(r1, r2);
	assert_true(crypto_uuid_parse(r1, back));
	static const char *const bad[] = {
		"",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c",	 /* short */
		"6ba7b810-9dad-11d1-80b4-00c04fd430c80", /* long */
		"6ba7b810x9dad-11d1-80b4-00c04fd430c8",	 /* no dash */
		"6ba7b810-9dad-11d1-80b4-00c04fd430cg",	 /* not hex */
		"{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
		"6ba7b8109dad11d180b400c04fd430c8",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(crypto_uuid_parse(bad[i], back));
	assert_false(crypto_uuid_parse(NULL, back));
}

/* Cc, Cf, Zl and Zp go; every other character, letters of any script included, stays. */
static void test_invisible(void **state)
{
	(void)state;
	static const uint32_t gone[] = { 0x0,	 0x1F,	 0x7F,	 0x85,	 0x9F,	 0xAD,
					 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A,
					 0x202E, 0x2066, 0x2069, 0xFEFF, 0xE0041 };
	static const uint32_t kept[] = { 'a',	 ' ',	 0xA0,	 0xE9,	  0x5D0, 0x627,
					 0x2010, 0x2030, 0x4E2D, 0x1F600, 0xFFFD };
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		assert_true(str_invisible(gone[i]));
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_false(str_invisible(kept[i]));
	char s[] = "\xE2\x80\xAEgpj\tx\xF3\xA0\x81\x81.exe\xE2\x80\xA8";
	size_t n = str_drop_invisible(s, strlen(s));
	assert_int_equal(n, strlen("gpjx.exe"));
	assert_string_equal(s, "gpjx.exe");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invisible),
		cmocka_unit_test(test_buf_cap_is_sticky),
		cmocka_unit_test(test_buf_printf_and_json),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_str_to_i64),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_crypto),
		cmocka_unit_test(test_sha1),
		cmocka_unit_test(test_uuid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
