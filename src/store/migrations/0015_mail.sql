-- 0015: the mail outbox: notices written in the same transaction as the change they tell of,
-- sent later by the scheduler over SMTP, retried with backoff; nothing is lost while the mail
-- server is down. dedupe_key keeps one notice of one event.
CREATE TABLE mail_outbox (
	id {{pk}},
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	dedupe_key TEXT UNIQUE,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	last_error TEXT,
	sent_at TEXT,
	created_at TEXT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
