/* test_mail.c - the outbox: what mail_queue refuses (header injection, bad addresses, sizes),
 * one notice per dedupe key, the message as it goes out (headers, encoded subject, CRLF), the
 * backoff, and that nothing is sent or lost without a mail server. */
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

int main(void)
{
	if (crypto_init() != ERR_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_server_keeps_mail, setup,
						teardown),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
