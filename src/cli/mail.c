/* mail.c - `custos mail test`, and the SMTP settings serve shares with it: one place reads the
 * --smtp-* options and CUSTOS_SMTP_PASSWORD, so a password never comes from a flag (ps and
 * shell histories show flags) and both commands refuse the same things. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/mail.h"
#include "store/db.h"
#include "util/str.h"
#include "util/timeutil.h"

int cli_mail_config(const struct cli_args *a, struct mail_config *mc)
{
	memset(mc, 0, sizeof(*mc));
	/* CUSTOS_MAIL_RETRY_SECONDS shortens the first retry, for tests: a minute is long there */
	const char *retry = getenv("CUSTOS_MAIL_RETRY_SECONDS");
	if (retry &&
	    (!str_parse_i64(retry, &mc->retry_base) || mc->retry_base < 1 || mc->retry_base > 3600))
		return cli_usage_error(a->cmd, "CUSTOS_MAIL_RETRY_SECONDS: '%s' is not 1 to 3600",
				       retry);
	mc->url = cli_value(a, "smtp-url");
	mc->from = cli_value(a, "smtp-from");
	mc->user = cli_value(a, "smtp-user");
	mc->password = getenv("CUSTOS_SMTP_PASSWORD");
	mc->starttls = cli_flag(a, "smtp-starttls");
	if (mc->url && !mail_url_ok(mc->url))
		return cli_usage_error(
			a->cmd,
			"--smtp-url: '%s' is not smtp://HOST:PORT or smtps://HOST:PORT "
			"(no user or password in it: --smtp-user and "
			"CUSTOS_SMTP_PASSWORD)",
			mc->url);
	if (mc->from && !mail_address_ok(mc->from))
		return cli_usage_error(a->cmd, "--smtp-from: '%s' is not one e-mail address",
				       mc->from);
	/* a login over plain SMTP would send the password in clear */
	if (mc->user && mc->url && str_has_prefix(mc->url, "smtp://") && !mc->starttls)
		return cli_usage_error(a->cmd, "--smtp-user over smtp:// needs --smtp-starttls "
					       "(or use smtps://)");
	if (mc->user && (!*mc->user || strlen(mc->user) > 255 || strpbrk(mc->user, "\r\n")))
		return cli_usage_error(a->cmd, "--smtp-user: not a login name");
	/* named, never shown: the value is a secret */
	if (mc->password && strlen(mc->password) > 255)
		return cli_usage_error(a->cmd, "CUSTOS_SMTP_PASSWORD: longer than 255 bytes");
	return CLI_EXIT_OK;
}

int cmd_mail_test(struct cli_args *a)
{
	struct mail_config mc;
	int rc = cli_mail_config(a, &mc);
	if (rc)
		return rc;
	const char *to = cli_value(a, "to");
	if (!to)
		return cli_usage_error(a->cmd, "--to is required");
	if (!mail_address_ok(to))
		return cli_usage_error(a->cmd, "--to: '%s' is not one e-mail address", to);
	char host[64] = "?", now[TIME_ISO_LEN], subject[128], body[1024];
	gethostname(host, sizeof(host) - 1);
	time_format_iso(time_now(), now);
	snprintf(subject, sizeof(subject), "Custos test mail from %s", host);
	/* the non-ASCII line shows whether the mail server and the client keep UTF-8 text */
	snprintf(body, sizeof(body),
		 "This is a test message from Custos (custos mail test) on %s at %s.\n\n"
		 "Incident notices and reminders reach this address the same way.\n"
		 "Non-ASCII text should read: Grüße, naïve, €, ✓\n",
		 host, now);
	const char *s = cli_value(a, "subject") ? cli_value(a, "subject") : subject;
	const char *b = cli_value(a, "body") ? cli_value(a, "body") : body;
	if (strpbrk(s, "\r\n") || !str_valid_utf8(s, strlen(s)) || strlen(s) > MAIL_MAX_SUBJECT)
		return cli_usage_error(a->cmd,
				       "--subject: one line of UTF-8 text, at most %d bytes",
				       MAIL_MAX_SUBJECT);
	if (!str_valid_utf8(b, strlen(b)) || strlen(b) > MAIL_MAX_BODY)
		return cli_usage_error(a->cmd, "--body: UTF-8 text, at most %u bytes",
				       MAIL_MAX_BODY);

	struct db *db;
	if ((rc = cli_open_existing_db(a, &db)))
		return rc;
	mail_configure(&mc);
	int64_t id = 0;
	bool sent = false;
	char why[512] = "";
	enum err e = mail_send_test(db, to, s, b, &id, &sent, why, sizeof(why));
	db_close(db);
	if (e) {
		fprintf(stderr, "custos: the mail could not be queued (%s)\n", err_title(e));
		return CLI_EXIT_FAIL;
	}
	if (!mc.url) {
		printf("queued mail %lld to %s; no --smtp-url: a node running custos serve "
		       "--smtp-url sends it\n",
		       (long long)id, to);
		return CLI_EXIT_OK;
	}
	if (!sent) {
		fprintf(stderr,
			"custos: mail %lld to %s was not sent: %s\n"
			"custos: it stays in the outbox (attempt 1 of %d); custos serve --smtp-url "
			"retries it\n",
			(long long)id, to, why, MAIL_MAX_ATTEMPTS);
		return CLI_EXIT_FAIL;
	}
	printf("sent mail %lld to %s through %s\n", (long long)id, to, mc.url);
	return CLI_EXIT_OK;
}
