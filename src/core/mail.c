/* mail.c - the outbox and its sender: rows queued inside the transaction of a change, claimed
 * one at a time with a lease (several nodes may send at once), sent over SMTP with libcurl,
 * and marked sent, or retried later with backoff. See mail.h. */
#include "core/mail.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"

#define LEASE_SECONDS 300 /* a claimed mail is retried by others after this, if we died */

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char url[512], from[256], user[256], password[256];
	bool set, starttls;
	int64_t retry_base;
} cfg;

void mail_configure(const struct mail_config *c)
{
	static bool curl_ready;
	if (!curl_ready) /* once, before the threads that send: it is not thread-safe */
		curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	pthread_mutex_lock(&cfg_lock);
	memset(&cfg, 0, sizeof(cfg));
	if (c && c->url && *c->url) {
		str_copy(cfg.url, sizeof(cfg.url), c->url);
		str_copy(cfg.from, sizeof(cfg.from), c->from ? c->from : "custos@localhost");
		str_copy(cfg.user, sizeof(cfg.user), c->user ? c->user : "");
		str_copy(cfg.password, sizeof(cfg.password), c->password ? c->password : "");
		cfg.starttls = c->starttls;
		cfg.set = true;
	}
	cfg.retry_base = c && c->retry_base > 0 ? c->retry_base : 60;
	pthread_mutex_unlock(&cfg_lock);
}

bool mail_configured(void)
{
	pthread_mutex_lock(&cfg_lock);
	bool set = cfg.set;
	pthread_mutex_unlock(&cfg_lock);
	return set;
}

int64_t mail_backoff(int64_t base, int64_t attempts)
{
	int64_t d = base > 0 ? base : 60;
	for (int64_t i = 1; i < attempts && d < 3600; i++)
		d *= 2;
	return d < 3600 ? d : 3600;
}

/* One address, as SMTP and a header take it: no spaces, controls, brackets or commas. */
bool mail_address_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *at = s ? strchr(s, '@') : NULL;
	if (n < 3 || n > 254 || !at || at == s || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>,;:\"()[]\\", *p) || *p == 0x7f)
			return false;
	return true;
}

/* smtp:// or smtps://, a host, no user or password (they would show in ps and logs), nothing
 * a header or libcurl would take as a second value. */
bool mail_url_ok(const char *url)
{
	const char *host = !url				     ? NULL
			   : str_has_prefix(url, "smtp://")  ? url + 7
			   : str_has_prefix(url, "smtps://") ? url + 8
							     : NULL;
	if (!host || !*host || *host == '/' || *host == ':' || strlen(url) >= 512)
		return false;
	size_t authority = strcspn(host, "/?#");
	if (memchr(host, '@', authority))
		return false;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

enum err mail_queue(struct db *db, const char *to, const char *subject, const char *body,
		    const char *dedupe_key)
{
	if (!mail_address_ok(to) || !subject || strpbrk(subject, "\r\n") ||
	    !str_valid_utf8(subject, strlen(subject)) || !body ||
	    !str_valid_utf8(body, strlen(body)))
		return ERR_INVALID;
	if (strlen(body) > MAIL_MAX_BODY)
		return ERR_TOO_LARGE;
	/* a long subject (an incident's title in any script) is cut, at a character's start,
	 * rather than the notice refused */
	char cut[MAIL_MAX_SUBJECT + 4];
	size_t sn = strlen(subject);
	if (sn > MAIL_MAX_SUBJECT) {
		sn = MAIL_MAX_SUBJECT - 3;
		while (sn > 0 && ((unsigned char)subject[sn] & 0xC0) == 0x80)
			sn--;
		memcpy(cut, subject, sn);
		memcpy(cut + sn, "\xE2\x80\xA6", 4);
		subject = cut;
	}
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "INSERT INTO mail_outbox (to_addr, subject, body, dedupe_key, status, "
			   "attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, "
			   "'queued', 0, $5, $5) ON CONFLICT (dedupe_key) DO NOTHING",
			   &st);
	if (e)
		return e;
	db_bind_str(st, 1, to);
	db_bind_str(st, 2, subject);
	db_bind_str(st, 3, body);
	db_bind_str(st, 4, dedupe_key);
	db_bind_str(st, 5, now);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	return e;
}

/* Whether a header value must go as encoded words: not ASCII, a control character, or text a
 * reader would take for an encoded word. */
static bool needs_words(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x7f || (*p < ' ' && *p != '\t') || (p[0] == '=' && p[1] == '?'))
			return true;
	return false;
}

/* The subject after "Subject: ": ASCII folded at spaces to keep lines within 78 characters;
 * anything else as RFC 2047 base64 words of whole characters, one word a line. */
static void add_subject(struct buf *b, const char *s)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (!needs_words(s)) {
		size_t col = 9; /* "Subject: " */
		for (const char *p = s; *p;) {
			const char *sp = strchr(p + 1, ' ');
			size_t n = sp ? (size_t)(sp - p) : strlen(p);
			if (*p == ' ' && col + n > 78 && col > 9) {
				buf_adds(b, "\r\n");
				col = 0;
			}
			buf_add(b, p, n);
			col += n;
			p += n;
		}
		return;
	}
	size_t n = strlen(s), i = 0;
	while (i < n) {
		/* 42 bytes are 56 base64 characters: a word of 68, a line of at most 77 */
		size_t take = n - i < 42 ? n - i : 42;
		while (take > 0 && i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
			take--;
		buf_adds(b, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
		const unsigned char *p = (const unsigned char *)s + i;
		for (size_t k = 0; k < take; k += 3) {
			unsigned v = (unsigned)p[k] << 16;
			if (k + 1 < take)
				v |= (unsigned)p[k + 1] << 8;
			if (k + 2 < take)
				v |= p[k + 2];
			buf_addc(b, b64[(v >> 18) & 63]);
			buf_addc(b, b64[(v >> 12) & 63]);
			buf_addc(b, k + 1 < take ? b64[(v >> 6) & 63] : '=');
			buf_addc(b, k + 2 < take ? b64[v & 63] : '=');
		}
		buf_adds(b, "?=");
		i += take;
	}
}

/* 7bit when every byte is ASCII and every line fits SMTP's 998 octets; else quoted-printable,
 * which any server carries (libcurl does not declare 8BITMIME, so 8bit text is not ours to
 * send). */
static bool body_7bit(const char *s)
{
	size_t line = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\r')
			line = 0;
		else if (*p >= 0x80 || ++line > 998)
			return false;
	}
	return true;
}

/* RFC 2045 quoted-printable: '=', non-ASCII and control bytes as =XX, a space or tab ending
 * a line too (transports strip them), soft breaks keeping lines within 76 characters and a
 * character's bytes on one line. Line breaks of the text become CRLF. */
static void add_qp(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		if (*p == '\r' || *p == '\n') {
			if (*p == '\n') {
				buf_adds(b, "\r\n");
				col = 0;
			}
			p++;
			continue;
		}
		size_t n = 1; /* one character: a UTF-8 lead byte and its continuation bytes */
		while (*p >= 0xC0 && n < 4 && (p[n] & 0xC0) == 0x80)
			n++;
		const unsigned char *q = p + n;
		bool eol = !*q || *q == '\n' || (*q == '\r' && (!q[1] || q[1] == '\n'));
		bool esc = *p == '=' || *p >= 0x7f || (*p < ' ' && *p != '\t') ||
			   ((*p == ' ' || *p == '\t') && eol);
		size_t w = esc ? 3 * n : 1;
		if (col + w > (eol ? 76u : 75u)) { /* room for the '=' of a soft break */
			buf_adds(b, "=\r\n");
			col = 0;
		}
		for (; p < q; p++) {
			if (esc) {
				buf_addc(b, '=');
				buf_addc(b, hex[*p >> 4]);
				buf_addc(b, hex[*p & 15]);
			} else {
				buf_addc(b, (char)*p);
			}
		}
		col += w;
	}
}

enum err mail_format(const char *from, const char *to, const char *subject, const char *body,
		     int64_t now, const char *message_id, struct buf *out)
{
	static const char *const days[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char iso[TIME_ISO_LEN];
	time_format_iso(now, iso);
	int64_t dn = now / 86400;
	/* "2026-11-29T07:00:00Z" read back: the date parts are digits at fixed places */
	int y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 + (iso[2] - '0') * 10 + (iso[3] - '0');
	int mo = (iso[5] - '0') * 10 + (iso[6] - '0');
	int d = (iso[8] - '0') * 10 + (iso[9] - '0');
	buf_printf(out, "Date: %s, %02d %s %04d %.8s +0000\r\n", days[((dn % 7) + 7) % 7], d,
		   months[(mo + 11) % 12], y, iso + 11);
	buf_printf(out, "From: %s\r\nTo: %s\r\nMessage-ID: <%s>\r\nSubject: ", from, to,
		   message_id);
	add_subject(out, subject);
	bool plain = body_7bit(body);
	buf_printf(out,
		   "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: %s\r\nAuto-Submitted: auto-generated\r\n\r\n",
		   plain ? "7bit" : "quoted-printable");
	if (plain) {
		for (const char *p = body; *p; p++) {
			if (*p == '\r')
				continue;
			if (*p == '\n')
				buf_addc(out, '\r');
			buf_addc(out, *p);
		}
	} else {
		add_qp(out, body);
	}
	if (!buf_failed(out) && out->len && out->p[out->len - 1] != '\n')
		buf_adds(out, "\r\n"); /* the last line ends in CRLF too */
	return buf_failed(out) ? ERR_TOO_LARGE : ERR_OK;
}

struct reader {
	const char *p;
	size_t left;
};

static size_t read_message(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb < r->left ? size * nmemb : r->left;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

/* Sends one message; false with why (libcurl's reason and the server's code, never the
 * message or the password) on failure. */
static bool smtp_send(const char *to, const struct buf *msg, char *why, size_t whylen)
{
	pthread_mutex_lock(&cfg_lock);
	char url[512], from[256], user[256], password[256];
	str_copy(url, sizeof(url), cfg.url);
	str_copy(from, sizeof(from), cfg.from);
	str_copy(user, sizeof(user), cfg.user);
	str_copy(password, sizeof(password), cfg.password);
	bool starttls = cfg.starttls;
	pthread_mutex_unlock(&cfg_lock);
	CURL *c = curl_easy_init();
	if (!c) {
		explicit_bzero(password, sizeof(password));
		str_copy(why, whylen, "libcurl could not start");
		return false;
	}
	char err[CURL_ERROR_SIZE] = "";
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	struct reader r = { msg->p, msg->len };
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* SMTP only, whatever the URL becomes */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (*user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	}
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	explicit_bzero(password, sizeof(password));
	if (rc == CURLE_OK)
		return true;
	snprintf(why, whylen, "%s (SMTP %ld)", *err ? err : curl_easy_strerror(rc), code);
	return false;
}

/* Claims one due mail with a lease: its next attempt moved LEASE_SECONDS on, so no other
 * node takes it meanwhile; the UPDATE's row count says whether this node won. *id 0: none due;
 * *won false: another node took it first. */
static enum err claim(struct db *db, const char *now, int64_t *id, bool *won)
{
	*id = 0;
	*won = false;
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT id FROM mail_outbox WHERE status = 'queued' AND "
				"next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT 1",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, now);
	bool row;
	if ((e = db_step(st, &row)) == ERR_OK && row)
		*id = db_col_int(st, 0);
	db_done(st);
	if (e || !*id)
		return e;
	char lease[TIME_ISO_LEN];
	time_format_iso(time_now() + LEASE_SECONDS, lease);
	if ((e = db_run(db,
			"UPDATE mail_outbox SET next_attempt_at = $2 WHERE id = $1 AND status = "
			"'queued' AND next_attempt_at <= $3",
			"iss", *id, lease, now)))
		return e;
	*won = db_changes(db) == 1;
	return ERR_OK;
}

/* Sends one claimed mail and records the outcome on its own (autocommit): sent, or the next
 * attempt after the backoff, or failed at the cap. *ok tells; why says why not. */
static enum err send_claimed(struct db *db, int64_t id, bool *ok, char *why, size_t whylen)
{
	*ok = false;
	pthread_mutex_lock(&cfg_lock);
	char from[256];
	str_copy(from, sizeof(from), cfg.from);
	int64_t base = cfg.retry_base;
	pthread_mutex_unlock(&cfg_lock);
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT to_addr, subject, body, attempts, created_at FROM mail_outbox "
			   "WHERE id = $1",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	bool row;
	struct buf msg;
	buf_init(&msg, MAIL_MAX_BODY * 4 + 8192); /* quoted-printable at worst triples */
	char to[256] = "";
	int64_t attempts = 0;
	if ((e = db_step(st, &row)) == ERR_OK && row) {
		const char *t = db_col_text(st, 0, NULL), *s = db_col_text(st, 1, NULL),
			   *b = db_col_text(st, 2, NULL), *c = db_col_text(st, 4, NULL);
		str_copy(to, sizeof(to), t ? t : "");
		attempts = db_col_int(st, 3);
		/* the same Message-ID on every attempt: a mail sent twice (at least once) is
		 * recognisably one */
		char key[320], hash[CRYPTO_HASH_HEX];
		snprintf(key, sizeof(key), "%lld %s %s", (long long)id, c ? c : "", to);
		crypto_hash_hex(key, strlen(key), s ? s : "", s ? strlen(s) : 0, hash);
		const char *at = strchr(from, '@');
		char mid[128];
		snprintf(mid, sizeof(mid), "%.32s%s", hash, at ? at : "@custos");
		e = mail_format(from, to, s ? s : "", b ? b : "", time_now(), mid, &msg);
	}
	db_done(st);
	if (!e && !row)
		e = ERR_NOT_FOUND;
	if (e) {
		buf_free(&msg);
		return e;
	}
	bool sent = smtp_send(to, &msg, why, whylen);
	buf_free(&msg);
	char now[TIME_ISO_LEN], next[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	attempts++;
	if (sent)
		e = db_run(db,
			   "UPDATE mail_outbox SET status = 'sent', sent_at = $2, attempts = $3, "
			   "last_error = NULL WHERE id = $1",
			   "isi", id, now, attempts);
	else {
		time_format_iso(time_now() + mail_backoff(base, attempts), next);
		e = db_run(
			db,
			"UPDATE mail_outbox SET status = $2, attempts = $3, next_attempt_at = $4, "
			"last_error = $5 WHERE id = $1",
			"isiss", id, attempts >= MAIL_MAX_ATTEMPTS ? "failed" : "queued", attempts,
			next, why);
		log_warn("mail %lld was not sent (attempt %lld of %d): %s", (long long)id,
			 (long long)attempts, MAIL_MAX_ATTEMPTS, why);
	}
	*ok = sent;
	return e;
}

enum err mail_send_due(struct db *db, int *sent, int *failed)
{
	*sent = *failed = 0;
	if (!mail_configured())
		return ERR_OK;
	for (int round = 0; round < 100; round++) { /* a bounded batch per scheduler turn */
		char now[TIME_ISO_LEN];
		time_format_iso(time_now(), now);
		int64_t id;
		bool won;
		enum err e = claim(db, now, &id, &won);
		if (e || !id)
			return e;
		if (!won)
			continue; /* another node took that one: look for the next */
		bool ok;
		char why[512] = "";
		if ((e = send_claimed(db, id, &ok, why, sizeof(why))))
			return e;
		if (!ok) {
			/* the server is down or refusing: the rest waits for the next turn */
			(*failed)++;
			return ERR_OK;
		}
		(*sent)++;
	}
	return ERR_OK;
}

enum err mail_send_test(struct db *db, const char *to, const char *subject, const char *body,
			int64_t *id, bool *sent, char *why, size_t whylen)
{
	*id = 0;
	*sent = false;
	char key[CRYPTO_TOKEN_LEN + 8], lease[TIME_ISO_LEN];
	char token[CRYPTO_TOKEN_LEN];
	crypto_token(token);
	snprintf(key, sizeof(key), "test:%s", token);
	time_format_iso(time_now() + LEASE_SECONDS, lease);
	bool send = mail_configured();
	enum err e = db_begin(db);
	if (e)
		return e;
	if ((e = mail_queue(db, to, subject, body, key)))
		goto fail;
	/* claimed in the transaction that queues it: no scheduler sends it as well */
	if (send &&
	    (e = db_run(db, "UPDATE mail_outbox SET next_attempt_at = $2 WHERE dedupe_key = $1",
			"ss", key, lease)))
		goto fail;
	struct db_stmt *st;
	if ((e = db_prepare(db, "SELECT id FROM mail_outbox WHERE dedupe_key = $1", &st)))
		goto fail;
	db_bind_str(st, 1, key);
	bool row;
	if ((e = db_step(st, &row)) == ERR_OK && row)
		*id = db_col_int(st, 0);
	db_done(st);
	if (!e && !*id)
		e = ERR_INTERNAL;
	if (e || (e = db_commit(db)))
		goto fail;
	return send ? send_claimed(db, *id, sent, why, whylen) : ERR_OK;
fail:
	db_rollback(db);
	return e;
}
