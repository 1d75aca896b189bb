/* mail.h - e-mail through an outbox: a notice is a row written in the transaction of the change
 * it tells of, so it exists exactly when the change does; the scheduler sends due rows over
 * SMTP (libcurl), retrying with backoff, so a mail server that is down delays mail but loses
 * none. Delivery is at least once. */
#ifndef CUSTOS_MAIL_H
#define CUSTOS_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "util/buf.h"

#define MAIL_MAX_SUBJECT  300
#define MAIL_MAX_BODY	  (256u << 10)
#define MAIL_MAX_ATTEMPTS 10 /* then the row stays, status failed, for an operator to see */

struct mail_config {
	const char *url;      /* smtp://host:port or smtps://host:port; NULL: mail stays queued */
	const char *from;     /* the envelope and From: address */
	const char *user;     /* SMTP login, or NULL */
	const char *password; /* from the environment, never a flag */
	bool starttls;	      /* require STARTTLS on smtp:// */
	int64_t retry_base;   /* seconds before the first retry, doubling up to an hour */
};

/* Queues one mail inside the caller's write transaction. to: one address; no CR or LF in to
 * or subject (header injection); a subject past MAIL_MAX_SUBJECT is cut. A dedupe_key already
 * queued is ignored (one notice of one event). ERR_INVALID for a bad address or subject,
 * ERR_TOO_LARGE for a body past the cap. */
enum err mail_queue(struct db *db, const char *to, const char *subject, const char *body,
		    const char *dedupe_key) WUR;

/* Whether s is one address SMTP and a header take as it is. */
bool mail_address_ok(const char *s);
/* Whether url is smtp://HOST[:PORT] or smtps://..., with no user or password in it. */
bool mail_url_ok(const char *url);

/* The configuration the scheduler sends with (copied). */
void mail_configure(const struct mail_config *cfg);
bool mail_configured(void);

/* Sends the due mails (claimed one by one, so several nodes can run this at once), each
 * outcome committed on its own; stops at the first failure (the server is down or refusing:
 * the rest waits for the next turn). Without a configuration it sends nothing. */
enum err mail_send_due(struct db *db, int *sent, int *failed) WUR;

/* custos mail test: queues one mail in its own transaction and, when a server is configured,
 * sends it at once (claimed as it is queued, so no scheduler sends it too). *id is its row;
 * *sent whether it went, why the reason when not (it then waits in the outbox as any other). */
enum err mail_send_test(struct db *db, const char *to, const char *subject, const char *body,
			int64_t *id, bool *sent, char *why, size_t whylen) WUR;

/* The message as sent: RFC 5322 headers (the subject folded, or as RFC 2047 words when not
 * ASCII), the body as 7bit or quoted-printable (non-ASCII, or a line past 998 octets), CRLF
 * line ends. For tests. */
enum err mail_format(const char *from, const char *to, const char *subject, const char *body,
		     int64_t now, const char *message_id, struct buf *out) WUR;

/* Seconds until the next attempt after attempts failures. */
int64_t mail_backoff(int64_t base, int64_t attempts);

#endif
