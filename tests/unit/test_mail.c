/* test_mail.c - the outbox: what mail_queue refuses (header injection, bad addresses, sizes),
 * one notice per dedupe key, the message as it goes out (headers, folded or encoded subject,
 * 7bit or quoted-printable body, CRLF, line lengths), the backoff, SMTP URLs, and that nothing
 * is sent or lost without a mail server. On SQLite, or PostgreSQL with CUSTOS_TEST_PG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/mail.h"
#include "testdb.h"

static int setup(void **state)
{
	struct db *db = testdb_open();
	*state = db;
	return db ? 0 : -1;
}

static int teardown(void **state)
{
	testdb_close(*state);
	return 0;
}

static int64_t count(struct db *db, const char *sql)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, sql, &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static void test_queue(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_begin(db), ERR_OK);
	assert_int_equal(mail_queue(db, "ann@example.org", "Hello", "Body\n", "k1"), ERR_OK);
	/* the same event again: one notice */
	assert_int_equal(mail_queue(db, "ann@example.org", "Hello", "Body\n", "k1"), ERR_OK);
	assert_int_equal(mail_queue(db, "ann@example.org", "No key", "Body", NULL), ERR_OK);
	assert_int_equal(mail_queue(db, "ann@example.org", "No key", "Body", NULL), ERR_OK);
	/* refused: header injection, not one address, no address */
	assert_int_equal(mail_queue(db, "ann@example.org", "Hi\r\nBcc: x@y.z", "b", NULL),
			 ERR_INVALID);
	assert_int_equal(mail_queue(db, "ann@example.org\r\nBcc: x@y.z", "Hi", "b", NULL),
			 ERR_INVALID);
	assert_int_equal(mail_queue(db, "ann@example.org, bob@example.org", "Hi", "b", NULL),
			 ERR_INVALID);
	assert_int_equal(mail_queue(db, "Ann <ann@example.org>", "Hi", "b", NULL), ERR_INVALID);
	assert_int_equal(mail_queue(db, "ann", "Hi", "b", NULL), ERR_INVALID);
	assert_int_equal(mail_queue(db, "a@b@c", "Hi", "b", NULL), ERR_INVALID);
	assert_int_equal(mail_queue(db, NULL, "Hi", "b", NULL), ERR_INVALID);
	assert_int_equal(mail_queue(db, "ann@example.org", "\xff", "b", NULL), ERR_INVALID);
	char *big = malloc(MAIL_MAX_BODY + 2);
	assert_non_null(big);
	memset(big, 'a', MAIL_MAX_BODY + 1);
	big[MAIL_MAX_BODY + 1] = '\0';
	assert_int_equal(mail_queue(db, "ann@example.org", "Big", big, NULL), ERR_TOO_LARGE);
	free(big);
	assert_int_equal(db_commit(db), ERR_OK);
	assert_int_equal(count(db, "SELECT count(*) FROM mail_outbox"), 3);
	assert_int_equal(count(db, "SELECT count(*) FROM mail_outbox WHERE status = 'queued' AND "
				   "attempts = 0"),
			 3);
	/* without a mail server nothing is sent, and nothing is lost */
	mail_configure(NULL);
	assert_false(mail_configured());
	int sent = -1, failed = -1;
	assert_int_equal(mail_send_due(db, &sent, &failed), ERR_OK);
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 0);
	assert_int_equal(count(db, "SELECT count(*) FROM mail_outbox WHERE status = 'queued'"), 3);
}

static void test_unreachable_server_keeps_mail(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_begin(db), ERR_OK);
	assert_int_equal(mail_queue(db, "ann@example.org", "Hello", "Body", NULL), ERR_OK);
	assert_int_equal(db_commit(db), ERR_OK);
	/* port 9 on loopback: nothing listens, the connection is refused at once */
	struct mail_config cfg = { .url = "smtp://127.0.0.1:9", .from = "custos@example.org" };
	mail_configure(&cfg);
	int sent, failed;
	assert_int_equal(mail_send_due(db, &sent, &failed), ERR_OK);
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 1);
	assert_int_equal(count(db, "SELECT count(*) FROM mail_outbox WHERE status = 'queued' AND "
				   "attempts = 1 AND last_error IS NOT NULL"),
			 1);
	/* not due again before its backoff */
	assert_int_equal(mail_send_due(db, &sent, &failed), ERR_OK);
	assert_int_equal(failed, 0);
	mail_configure(NULL);
}

static void test_format(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	/* 2026-11-29T07:05:09Z was a Sunday */
	assert_int_equal(mail_format("custos@example.org", "ann@example.org", "Incident escalated",
				     "Line one\nLine two\r\nEnd", 1795935909, "abc@example.org",
				     &b),
			 ERR_OK);
	const char *m = buf_cstr(&b);
	assert_non_null(strstr(m, "Date: Sun, 29 Nov 2026 07:05:09 +0000\r\n"));
	assert_non_null(strstr(m, "From: custos@example.org\r\n"));
	assert_non_null(strstr(m, "To: ann@example.org\r\n"));
	assert_non_null(strstr(m, "Subject: Incident escalated\r\n"));
	assert_non_null(strstr(m, "Message-ID: <abc@example.org>\r\n"));
	assert_non_null(strstr(m, "Content-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(m, "\r\n\r\nLine one\r\nLine two\r\nEnd\r\n"));
	for (const char *p = m; (p = strchr(p, '\n')); p++)
		assert_int_equal(p[-1], '\r'); /* every line ends in CRLF */
	buf_reset(&b);
	/* a subject that is not ASCII goes as encoded words: "Vorfall gemeldet: Straße" */
	assert_int_equal(mail_format("c@example.org", "a@example.org",
				     "Vorfall gemeldet: Stra\xC3\x9F"
				     "e",
				     "b", 0, "x@y", &b),
			 ERR_OK);
	assert_non_null(
		strstr(buf_cstr(&b), "Subject: =?UTF-8?B?Vm9yZmFsbCBnZW1lbGRldDogU3RyYcOfZQ==?="));
	buf_free(&b);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(mail_backoff(60, 1), 60);
	assert_int_equal(mail_backoff(60, 2), 120);
	assert_int_equal(mail_backoff(60, 3), 240);
	assert_int_equal(mail_backoff(60, 7), 3600); /* 3840 capped at an hour */
	assert_int_equal(mail_backoff(60, 50), 3600);
	assert_int_equal(mail_backoff(1, 3), 4);
	assert_int_equal(mail_backoff(0, 1), 60);
}

/* Every line of m ends in CRLF and has at most max characters. */
static void assert_lines(const char *m, size_t max)
{
	const char *line = m;
	for (const char *p = m; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			assert_true((size_t)(p - line) <= max);
			line = p + 2;
			p++;
		} else {
			assert_int_not_equal(*p, '\n'); /* no bare LF */
		}
	}
	assert_ptr_equal(line, m + strlen(m)); /* the last line ends too */
}

/* The text of quoted-printable, its soft breaks removed and hard breaks as LF. */
static char *qp_decode(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	assert_non_null(out);
	while (*s) {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=') {
			char hex[3] = { s[1], s[2], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			s += 3;
		} else if (s[0] == '\r' && s[1] == '\n') {
			*o++ = '\n';
			s += 2;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* A header's value, folding removed (CRLF before a space or tab dropped). */
static char *header(const char *m, const char *name)
{
	const char *p = strstr(m, name);
	assert_non_null(p);
	p += strlen(name);
	char *out = malloc(strlen(p) + 1), *o = out;
	assert_non_null(out);
	for (; *p && !(p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t'); p++)
		if (!(p[0] == '\r' && p[1] == '\n') && !(p[0] == '\n' && p[-1] == '\r'))
			*o++ = *p;
	*o = '\0';
	return out;
}

static void test_body_encoding(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	/* ASCII with lines SMTP carries: 7bit, untouched but for CRLF */
	char line998[1001];
	memset(line998, 'a', 998);
	line998[998] = '\n';
	line998[999] = '\0';
	assert_int_equal(mail_format("c@example.org", "a@example.org", "S", line998, 0, "m@x", &b),
			 ERR_OK);
	assert_non_null(strstr(buf_cstr(&b), "Content-Transfer-Encoding: 7bit\r\n"));
	assert_lines(buf_cstr(&b), 998);
	buf_reset(&b);
	/* ASCII stays 7bit; non-ASCII goes quoted-printable, '=' and a space or tab ending a line
	 * escaped there */
	static const struct {
		const char *body, *cte, *expect;
	} cases[] = {
		{ "Gr\xC3\xBC\xC3\x9F"
		  "e\n",
		  "quoted-printable", "\r\n\r\nGr=C3=BC=C3=9Fe\r\n" },
		{ "\xE2\x82\xAC a=b \nnext\t\n", "quoted-printable",
		  "\r\n\r\n=E2=82=AC a=3Db=20\r\nnext=09\r\n" },
		{ "a=b \nnext\n", "7bit", "\r\n\r\na=b \r\nnext\r\n" },
		{ "no newline", "7bit", "\r\n\r\nno newline\r\n" },
		{ "cr\r\nlf\n", "7bit", "\r\n\r\ncr\r\nlf\r\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mail_format("c@example.org", "a@example.org", "S", cases[i].body,
					     0, "m@x", &b),
				 ERR_OK);
		const char *m = buf_cstr(&b);
		char cte[64];
		snprintf(cte, sizeof(cte), "Content-Transfer-Encoding: %s\r\n", cases[i].cte);
		assert_non_null(strstr(m, cte));
		const char *body = strstr(m, "\r\n\r\n");
		assert_string_equal(body, cases[i].expect);
		assert_lines(m, 76);
		buf_reset(&b);
	}
	/* long lines of mixed text: soft breaks within 76 characters, a character never split,
	 * and the text decodes back exactly */
	char body[5000];
	size_t n = 0;
	for (int i = 0; i < 300; i++) {
		const char *piece = i % 7 == 0 ? "\xE2\x9C\x93" : i % 5 == 0 ? " = " : "ab";
		memcpy(body + n, piece, strlen(piece));
		n += strlen(piece);
		if (i == 150)
			body[n++] = '\n';
	}
	memset(body + n, 'z', 1200); /* past 998 */
	n += 1200;
	body[n++] = '\n';
	body[n] = '\0';
	assert_int_equal(mail_format("c@example.org", "a@example.org", "S", body, 0, "m@x", &b),
			 ERR_OK);
	const char *m = buf_cstr(&b);
	assert_non_null(strstr(m, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_lines(m, 76);
	/* each encoded line decodes to whole characters */
	for (const char *p = strstr(m, "\r\n\r\n") + 4; *p;) {
		const char *eol = strstr(p, "\r\n");
		char *line = strndup(p, (size_t)(eol - p) + 2), *text = qp_decode(line);
		assert_true(str_valid_utf8(text, strlen(text)));
		free(line);
		free(text);
		p = eol + 2;
	}
	char *back = qp_decode(strstr(m, "\r\n\r\n") + 4);
	assert_string_equal(back, body);
	free(back);
	buf_reset(&b);
	/* an empty body is a message with no lines after the blank one */
	assert_int_equal(mail_format("c@example.org", "a@example.org", "S", "", 0, "m@x", &b),
			 ERR_OK);
	m = buf_cstr(&b);
	assert_string_equal(m + strlen(m) - 4, "\r\n\r\n");
	buf_free(&b);
}

static void test_subject(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	/* a long ASCII subject is folded at spaces, and unfolds to itself */
	const char *longs = "New incident report INC-00012: Laptop stolen from the car park while "
			    "the owner was at lunch, with customer data on it, and more words";
	assert_int_equal(mail_format("c@example.org", "a@example.org", longs, "b", 0, "m@x", &b),
			 ERR_OK);
	assert_lines(buf_cstr(&b), 78);
	char *h = header(buf_cstr(&b), "Subject: ");
	assert_string_equal(h, longs);
	free(h);
	buf_reset(&b);
	/* "=?" or a control character would be misread: encoded words, as non-ASCII is */
	assert_int_equal(
		mail_format("c@example.org", "a@example.org", "=?x?= trick", "b", 0, "m@x", &b),
		ERR_OK);
	assert_non_null(strstr(buf_cstr(&b), "Subject: =?UTF-8?B?PT94Pz0gdHJpY2s=?=\r\n"));
	buf_reset(&b);
	/* a long non-ASCII subject: several words, none longer than 75, lines within 78, none
	 * splitting a character (each word decodes on its own) */
	char subject[MAIL_MAX_SUBJECT + 1] = "";
	while (strlen(subject) + 6 < MAIL_MAX_SUBJECT)
		memcpy(subject + strlen(subject),
		       "St\xC3\xA4"
		       "d ",
		       7);
	assert_int_equal(mail_format("c@example.org", "a@example.org", subject, "b", 0, "m@x", &b),
			 ERR_OK);
	const char *m = buf_cstr(&b);
	assert_lines(m, 78);
	int words = 0;
	for (const char *p = m; (p = strstr(p, "=?UTF-8?B?")); p++) {
		const char *end = strstr(p, "?=");
		assert_non_null(end);
		assert_true(end + 2 - p <= 75);
		assert_int_equal((end - p - 10) % 4, 0);
		words++;
	}
	assert_true(words > 1);
	buf_free(&b);
}

static void test_urls_and_addresses(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		bool ok;
	} urls[] = {
		{ "smtp://mail.example.org:587", true },
		{ "smtps://mail.example.org:465", true },
		{ "smtp://127.0.0.1:2525/custos.example.org",
		  true }, /* the path is the EHLO name */
		{ "smtp://[::1]:25", true },
		{ "smtp://user:secret@mail.example.org", false }, /* a password in ps */
		{ "smtp://user@mail.example.org", false },
		{ "http://mail.example.org", false },
		{ "smtp://", false },
		{ "smtp:///x", false },
		{ "smtp://mail.example.org\r\nX", false },
		{ "smtp://mail example.org", false },
		{ "SMTP://mail.example.org", false },
		{ NULL, false },
	};
	for (int i = 0; i < (int)(sizeof(urls) / sizeof(urls[0])); i++)
		if (mail_url_ok(urls[i].url) != urls[i].ok)
			fail_msg("mail_url_ok(%s) is not %d", urls[i].url ? urls[i].url : "NULL",
				 urls[i].ok);
	static const struct {
		const char *addr;
		bool ok;
	} addrs[] = {
		{ "ann@example.org", true },
		{ "ann.o'neil+isms@sub.example.org", true },
		{ "a@b", true },
		{ "ann@example.org\r\nBcc: x@y.z", false },
		{ "ann@example.org\n", false },
		{ "Ann <ann@example.org>", false },
		{ "ann@example.org,bob@example.org", false },
		{ "ann@example.org;bob@example.org", false },
		{ "ann @example.org", false },
		{ "@example.org", false },
		{ "ann@", false },
		{ "a@b@c", false },
		{ "", false },
		{ NULL, false },
	};
	for (int i = 0; i < (int)(sizeof(addrs) / sizeof(addrs[0])); i++)
		if (mail_address_ok(addrs[i].addr) != addrs[i].ok)
			fail_msg("mail_address_ok(%s) is not %d",
				 addrs[i].addr ? addrs[i].addr : "NULL", addrs[i].ok);
}

static void test_long_subject_cut(void **state)
{
	struct db *db = *state;
	char subject[MAIL_MAX_SUBJECT * 2];
	size_t n = 0;
	while (n + 2 < sizeof(subject) - 1) {
		subject[n++] = '\xC3'; /* "ä" again and again: a cut must fall between characters */
		subject[n++] = '\xA4';
	}
	subject[n] = '\0';
	assert_int_equal(db_begin(db), ERR_OK);
	assert_int_equal(mail_queue(db, "ann@example.org", subject, "b", NULL), ERR_OK);
	assert_int_equal(db_commit(db), ERR_OK);
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "SELECT subject FROM mail_outbox", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	const char *got = db_col_text(st, 0, NULL);
	assert_true(strlen(got) <= MAIL_MAX_SUBJECT);
	assert_true(str_valid_utf8(got, strlen(got)));
	assert_string_equal(got + strlen(got) - 3, "\xE2\x80\xA6"); /* ends with an ellipsis */
	db_done(st);
}

/* custos mail test: without a server the mail is queued, due now, for serve to send; with one
 * that refuses, it is tried once and waits for its backoff, claimed meanwhile by nobody else. */
static void test_send_test(void **state)
{
	struct db *db = *state;
	mail_configure(NULL);
	int64_t id = 0;
	bool sent = true;
	char why[256] = "";
	assert_int_equal(
		mail_send_test(db, "ann@example.org", "T", "b", &id, &sent, why, sizeof(why)),
		ERR_OK);
	assert_true(id > 0);
	assert_false(sent);
	assert_int_equal(count(db, "SELECT count(*) FROM mail_outbox WHERE status = 'queued' AND "
				   "attempts = 0 AND dedupe_key LIKE 'test:%'"),
			 1);
	struct mail_config cfg = { .url = "smtp://127.0.0.1:9", .retry_base = 60 };
	mail_configure(&cfg);
	int64_t id2 = 0;
	assert_int_equal(
		mail_send_test(db, "bob@example.org", "T2", "b", &id2, &sent, why, sizeof(why)),
		ERR_OK);
	assert_true(id2 > id);
	assert_false(sent);
	assert_non_null(strstr(why, "(SMTP 0)"));
	/* the first one was due and is tried now too; the second waits for its backoff */
	int s = -1, f = -1;
	assert_int_equal(mail_send_due(db, &s, &f), ERR_OK);
	assert_int_equal(s, 0);
	assert_int_equal(f, 1);
	assert_int_equal(mail_send_due(db, &s, &f), ERR_OK);
	assert_int_equal(f, 0);
	assert_int_equal(count(db, "SELECT count(*) FROM mail_outbox WHERE status = 'queued' AND "
				   "attempts = 1 AND last_error IS NOT NULL AND next_attempt_at > "
				   "created_at"),
			 2);
	/* at the cap a failure is final, and the row stays */
	assert_int_equal(db_run(db,
				"UPDATE mail_outbox SET attempts = $1, next_attempt_at = "
				"'2000-01-01T00:00:00Z' WHERE id = $2",
				"ii", (int64_t)MAIL_MAX_ATTEMPTS - 1, id),
			 ERR_OK);
	assert_int_equal(mail_send_due(db, &s, &f), ERR_OK);
	assert_int_equal(f, 1);
	assert_int_equal(count(db, "SELECT count(*) FROM mail_outbox WHERE status = 'failed' AND "
				   "attempts = 10"),
			 1);
	assert_int_equal(mail_send_due(db, &s, &f), ERR_OK);
	assert_int_equal(f, 0);
	mail_configure(NULL);
}

int main(void)
{
	if (crypto_init() != ERR_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_server_keeps_mail, setup,
						teardown),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_body_encoding),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_urls_and_addresses),
		cmocka_unit_test_setup_teardown(test_long_subject_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_test, setup, teardown),
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
