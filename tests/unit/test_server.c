/* test_server.c - the request head checks of server.c (framing, Host, bytes libmicrohttpd hides)
 * on heads laid out as libmicrohttpd 0.9.75 leaves them; tests/api/http_framing checks the same
 * against the library itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/server.c"

#define MAX_FIELDS 16

/* A head as libmicrohttpd 0.9.75 parses it in place: lines end at LF (a CR before it dropped),
 * every line break, the request line's spaces and each field's colon become NULs, blanks after
 * the colon are skipped, and every piece is read as a C string. */
struct laid {
	char buf[2048];
	size_t size;
	const char *method, *url, *version;
	size_t uri_len;
	bool uri_nul;
	size_t n;
	const char *name[MAX_FIELDS], *value[MAX_FIELDS];
};

static bool lay_out(struct laid *l, const char *raw, size_t len)
{
	memset(l, 0, sizeof(*l));
	assert_true(len < sizeof(l->buf));
	memcpy(l->buf, raw, len);
	char *b = l->buf;
	size_t at = 0;
	for (size_t line = 0;; line++) {
		char *lf = memchr(b + at, '\n', len - at);
		if (!lf)
			return false;
		size_t end = (size_t)(lf - b);
		*lf = '\0';
		if (end > at && b[end - 1] == '\r')
			b[end - 1] = '\0';
		char *start = b + at;
		at = end + 1;
		if (line == 0) {
			char *sp = memchr(start, ' ', end - (size_t)(start - b));
			char *last = NULL;
			for (char *p = start; p < b + end; p++)
				if (*p == ' ')
					last = p;
			if (!sp || last == sp)
				return false;
			*sp = '\0';
			*last = '\0';
			l->method = start;
			l->url = sp + 1;
			while (*l->url == ' ')
				l->url++;
			l->version = last + 1;
			l->uri_len = strlen(l->url);
			l->uri_nul = strstr(l->url, "%00") != NULL;
			continue;
		}
		if (!*start) {
			l->size = at;
			return true;
		}
		char *colon = strchr(start, ':');
		if (!colon || l->n == MAX_FIELDS)
			return false; /* the library answers 400 itself */
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		l->name[l->n] = start;
		l->value[l->n] = v;
		l->n++;
	}
}

static int verdict(const char *raw, size_t len, const char **why)
{
	struct laid l;
	assert_true(lay_out(&l, raw, len));
	struct head_scan s;
	scan_start(&s, l.method, l.size, l.url, l.uri_len, l.uri_nul, l.version);
	for (size_t i = 0; i < l.n; i++)
		scan_field(&s, l.name[i], strlen(l.name[i]), l.value[i], strlen(l.value[i]));
	int status = scan_end(&s, strcmp(l.version, "HTTP/1.0") == 0);
	*why = s.why;
	return status;
}

/* a case's bytes, NULs and all */
/* clang-format off */
#define CASE(raw, status) { raw, sizeof(raw) - 1, status }
/* clang-format on */

static void test_heads(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		size_t len;
		int status;
	} cases[] = {
		/* served */
		CASE("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0),
		CASE("GET / HTTP/1.1\nHost: x\nX-A: b\n\n", 0),
		CASE("GET  /a%41?b=%2500  HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 0),
		CASE("GET / HTTP/1.1\r\nHost: x\r\nX-A:\r\nX-B: \r\nX-C:\t a b \t\r\n\r\n", 0),
		CASE("GET / HTTP/1.0\r\n\r\n", 0),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n", 0),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n", 0),
		CASE("GET / HTTP/1.1\r\nHost: x\r\nX-Text: caf\xc3\xa9\r\n\r\n", 0),
		/* framing */
		CASE("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
		     "5\r\n\r\n",
		     400),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
		     "chunked\r\n\r\n",
		     400),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
		     400),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n", 400),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \r\n\r\n", 501),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: "
		     "chunked\r\n\r\n",
		     501),
		CASE("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
		CASE("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n", 400),
		/* Host */
		CASE("GET / HTTP/1.1\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: x\r\nhost: x\r\n\r\n", 400),
		CASE("GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
		/* bytes the library would hide or misread */
		CASE("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: x\r\nX-A\r: b\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7f\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0\r\nX-B: c\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\nHost: x\nX-A: a\0\nX-B: c\n\n", 400),
		CASE("GET / HTTP/1.1\nHost: x\nX-A: a\0\n\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: x\r\nX-A:\0 b\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: x\r\n\0X-A: b\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 400),
		CASE("GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400),
		CASE("GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
		CASE("GET \0/a HTTP/1.1\r\nHost: x\r\n\r\n", 400),
		CASE("GET /a%00.css HTTP/1.1\r\nHost: x\r\n\r\n", 400),
		CASE("GET /a?b=c%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		int got = verdict(cases[i].raw, cases[i].len, &why);
		if (got != cases[i].status)
			fail_msg("case %zu: %d, not %d (%s)", i, got, cases[i].status,
				 why ? why : "served");
		assert_true(got ? why != NULL : why == NULL);
	}
}

static void test_pieces(void **state)
{
	(void)state;
	/* a piece libmicrohttpd built outside the head (it does for a folded line) */
	struct laid l;
	static const char raw[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_true(lay_out(&l, raw, sizeof(raw) - 1));
	struct head_scan s;
	scan_start(&s, l.method, l.size, l.url, l.uri_len, l.uri_nul, l.version);
	static const char elsewhere[] = "Host";
	scan_field(&s, elsewhere, 4, l.value[0], 1);
	assert_int_equal(scan_end(&s, false), 400);

	assert_true(scan_ends_chunked((struct str){ "gzip,chunked", 12 }));
	assert_true(scan_ends_chunked((struct str){ "gzip , CHUNKED\t", 15 }));
	assert_false(scan_ends_chunked((struct str){ "chunked, gzip", 13 }));
	assert_false(scan_ends_chunked((struct str){ "xchunked", 8 }));
	assert_false(scan_ends_chunked((struct str){ "", 0 }));
	assert_true(scan_host_valid((struct str){ "isms.example.org:443", 20 }));
	assert_true(scan_host_valid((struct str){ "", 0 }));
	assert_false(scan_host_valid((struct str){ "a@b", 3 }));
	assert_false(scan_host_valid((struct str){ "a\"b", 3 }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heads),
		cmocka_unit_test(test_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
