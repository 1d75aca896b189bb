/* mfa.c - TOTP enrolment, verification with replay protection, recovery codes, and the roles
 * that require a second factor. Secrets never leave this file except at enrolment. */
#include "core/mfa.h"

#include "core/secaudit.h"
#include "core/throttle.h"
#include "core/user.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "core/authz.h"
#include "util/crypto.h"
#include "util/timeutil.h"

#define STEP	     30
#define DIGITS	     6
#define WINDOW	     1 /* one step either side: clocks drift */
#define SECRET_BYTES 20

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_ok;

static void oath_start(void)
{
	oath_ok = oath_init() == OATH_OK;
}

enum err mfa_enrolled(struct db *db, int64_t user_id, bool *enrolled)
{
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT 1 FROM user_mfa WHERE user_id = $1"
				" AND confirmed_at IS NOT NULL",
				&st);
	if (e)
		return e;
	db_bind_int(st, 1, user_id);
	e = db_step(st, enrolled);
	db_done(st);
	return e;
}

enum err mfa_enrolment_due(struct db *db, int64_t user_id, bool *due)
{
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT 1 FROM user_roles r JOIN mfa_required_roles m ON m.role = r.role"
			   " WHERE r.user_id = $1 AND NOT EXISTS (SELECT 1 FROM user_mfa f"
			   " WHERE f.user_id = $1 AND f.confirmed_at IS NOT NULL) LIMIT 1",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, user_id);
	e = db_step(st, due);
	db_done(st);
	return e;
}

/* The secret of an account as raw bytes; confirmed selects which state is wanted. */
static enum err load_secret(struct db *db, int64_t user_id, bool confirmed, unsigned char *raw,
			    size_t *n, int64_t *last_step)
{
	struct db_stmt *st;
	enum err e = db_prepare(db,
				confirmed ? "SELECT secret, last_step FROM user_mfa WHERE"
					    " user_id = $1 AND confirmed_at IS NOT NULL"
					  : "SELECT secret, last_step FROM user_mfa WHERE"
					    " user_id = $1 AND confirmed_at IS NULL",
				&st);
	if (e)
		return e;
	db_bind_int(st, 1, user_id);
	bool row;
	e = db_step(st, &row);
	*n = 0;
	if (!e && row) {
		const char *hex = db_col_text(st, 0, NULL);
		if (!hex || sodium_hex2bin(raw, SECRET_BYTES, hex, strlen(hex), NULL, n, NULL) != 0)
			*n = 0;
		*last_step = db_col_int(st, 1);
	}
	db_done(st);
	if (e)
		return e;
	return *n == SECRET_BYTES ? ERR_OK : ERR_NOT_FOUND;
}

/* The time step of a valid code, or -1. */
static int64_t totp_step(const unsigned char *raw, size_t n, const char *code)
{
	pthread_once(&oath_once, oath_start);
	if (!oath_ok || strlen(code) != DIGITS)
		return -1;
	for (const char *p = code; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	int pos;
	uint64_t counter = 0;
	int rc = oath_totp_validate3((const char *)raw, n, (time_t)time_now(), STEP, 0, WINDOW,
				     &pos, &counter, code);
	return rc >= 0 ? (int64_t)counter : -1;
}

static void svg_qr(struct arena *a, const char *text, const char **out)
{
	*out = NULL;
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return;
	struct buf b;
	buf_init(&b, 1u << 20);
	int q = 4, size = qr->width + 2 * q;
	buf_printf(&b,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		   "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		   "<path fill=\"#000\" d=\"",
		   size, size, size, size);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				buf_printf(&b, "M%d %dh1v1h-1z", x + q, y + q);
	buf_adds(&b, "\"/></svg>");
	QRcode_free(qr);
	if (!buf_failed(&b))
		*out = arena_strndup(a, b.p, b.len);
	buf_free(&b);
}

static const char *url_escape(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *o = arena_alloc(a, n * 3 + 1);
	if (!o)
		return "";
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_') {
			o[k++] = (char)c;
		} else {
			o[k++] = '%';
			o[k++] = hex[c >> 4];
			o[k++] = hex[c & 15];
		}
	}
	o[k] = '\0';
	return o;
}

enum err mfa_begin(struct db *db, struct arena *a, int64_t user_id, const char *email,
		   struct mfa_enrolment *out)
{
	unsigned char raw[SECRET_BYTES];
	randombytes_buf(raw, sizeof(raw));
	char hex[2 * SECRET_BYTES + 1];
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	char *b32 = NULL;
	size_t b32n = 0;
	pthread_once(&oath_once, oath_start);
	if (!oath_ok || oath_base32_encode((const char *)raw, sizeof(raw), &b32, &b32n) != OATH_OK)
		return ERR_INTERNAL;
	out->secret = arena_strndup(a, b32, b32n);
	free(b32);
	sodium_memzero(raw, sizeof(raw));
	out->uri = arena_printf(a,
				"otpauth://totp/Custos:%s?secret=%s&issuer=Custos&algorithm=SHA1"
				"&digits=6&period=30",
				url_escape(a, email), out->secret);
	svg_qr(a, out->uri ? out->uri : "", &out->svg);
	if (!out->secret || !out->uri || !out->svg)
		return ERR_NOMEM;
	/* a confirmed factor stays until the new one is confirmed */
	return db_run(
		db,
		"INSERT INTO user_mfa (user_id, secret, confirmed_at, last_step) VALUES ($1, $2,"
		" NULL, 0) ON CONFLICT (user_id) DO UPDATE SET secret = CASE WHEN"
		" user_mfa.confirmed_at IS NULL THEN $2 ELSE user_mfa.secret END",
		"is", user_id, hex);
}

static void recovery_code(char out[12])
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* no look-alikes */
	unsigned char r[10];
	randombytes_buf(r, sizeof(r));
	for (int i = 0, k = 0; i < 11; i++)
		out[i] = i == 5 ? '-' : alphabet[r[k++] % (sizeof(alphabet) - 1)];
	out[11] = '\0';
}

static void code_hash(const char *code, char out[CRYPTO_HASH_HEX])
{
	char norm[32];
	size_t k = 0;
	for (const char *p = code; *p && k + 1 < sizeof(norm); p++)
		if (*p != '-' && *p != ' ')
			norm[k++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
	norm[k] = '\0';
	crypto_hash_hex(norm, k, NULL, 0, out);
}

enum err mfa_confirm(struct db *db, struct arena *a, const struct actor *who, int64_t user_id,
		     int64_t keep_session, const char *code, const char *codes[MFA_RECOVERY_CODES])
{
	enum err e = db_begin(db);
	if (e)
		return e;
	json_t *before = NULL;
	if ((e = secaudit_state(db, SEC_USER, user_id, &before)))
		goto fail;
	unsigned char raw[SECRET_BYTES];
	size_t n;
	int64_t last;
	e = load_secret(db, user_id, false, raw, &n, &last);
	int64_t step = e ? -1 : totp_step(raw, n, code);
	sodium_memzero(raw, sizeof(raw));
	if (e == ERR_NOT_FOUND || (!e && step < 0)) {
		e = ERR_INVALID;
		goto fail;
	}
	if (e)
		goto fail;
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	if ((e = db_run(db, "DELETE FROM user_mfa WHERE user_id = $1 AND confirmed_at IS NOT NULL",
			"i", user_id)) ||
	    (e = db_run(db,
			"UPDATE user_mfa SET confirmed_at = $2, last_step = 0 WHERE user_id = $1",
			"is", user_id, now)) ||
	    (e = db_run(db, "DELETE FROM mfa_recovery_codes WHERE user_id = $1", "i", user_id)))
		goto fail;
	for (int i = 0; i < MFA_RECOVERY_CODES; i++) {
		char c[12], h[CRYPTO_HASH_HEX];
		recovery_code(c);
		code_hash(c, h);
		codes[i] = arena_strdup(a, c);
		if ((e = db_run(
			     db,
			     "INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES ($1, $2)",
			     "is", user_id, h)))
			goto fail;
	}
	/* the confirming code is spent too */
	struct db_stmt *st;
	bool row;
	if ((e = db_prepare(db, "UPDATE user_mfa SET last_step = $2 WHERE user_id = $1", &st)))
		goto fail;
	db_bind_int(st, 1, user_id);
	db_bind_int(st, 2, step);
	e = db_step(st, &row);
	db_done(st);
	/* from now on the account signs in with the factor: sessions and tokens made without it
	 * end, but for the session that turned it on */
	if (!e)
		e = secaudit_record(db, who, SEC_USER, "mfa_enrol", user_id, before, now);
	if (!e)
		e = user_end_credentials(db, who, user_id, keep_session, now);
fail:
	json_decref(before);
	return db_finish(db, e);
}

enum err mfa_verify(struct db *db, const struct actor *who, int64_t user_id, const char *code)
{
	enum err e = db_begin(db); /* the check and the spending in one transaction */
	if (e)
		return e;
	json_t *before = NULL;
	unsigned char raw[SECRET_BYTES];
	size_t n;
	int64_t last;
	if ((e = load_secret(db, user_id, true, raw, &n, &last)))
		goto fail;
	int64_t step = totp_step(raw, n, code);
	sodium_memzero(raw, sizeof(raw));
	struct db_stmt *st;
	bool row;
	if (step >= 0) {
		if (step <= last) { /* replay of a code already used */
			e = ERR_UNAUTHORIZED;
			goto fail;
		}
		if ((e = db_prepare(db, "UPDATE user_mfa SET last_step = $2 WHERE user_id = $1",
				    &st)))
			goto fail;
		db_bind_int(st, 1, user_id);
		db_bind_int(st, 2, step);
		e = db_step(st, &row);
		db_done(st);
	} else {
		char h[CRYPTO_HASH_HEX], now[TIME_ISO_LEN];
		code_hash(code, h);
		time_format_iso(time_now(), now);
		if ((e = secaudit_state(db, SEC_USER, user_id, &before)) ||
		    (e = db_prepare(db,
				    "UPDATE mfa_recovery_codes SET used_at = $3 WHERE user_id = $1"
				    " AND code_hash = $2 AND used_at IS NULL",
				    &st)))
			goto fail;
		db_bind_int(st, 1, user_id);
		db_bind_str(st, 2, h);
		db_bind_str(st, 3, now);
		e = db_step(st, &row);
		db_done(st);
		if (!e && db_changes(db) == 0)
			e = ERR_UNAUTHORIZED;
		if (!e)
			e = secaudit_record(db, who, SEC_USER, "mfa_recovery_code", user_id, before,
					    now);
	}
fail:
	json_decref(before);
	e = db_finish(db, e);
	return e == ERR_NOT_FOUND ? ERR_UNAUTHORIZED : e;
}

enum err mfa_disable(struct db *db, const struct actor *who, int64_t user_id)
{
	enum err e = db_begin(db);
	if (e)
		return e;
	json_t *before = NULL;
	if (!(e = secaudit_state(db, SEC_USER, user_id, &before)) &&
	    !(e = db_run(db, "DELETE FROM user_mfa WHERE user_id = $1", "i", user_id)) &&
	    !(e = db_run(db, "DELETE FROM mfa_recovery_codes WHERE user_id = $1", "i", user_id)))
		e = secaudit_record(db, who, SEC_USER, "mfa_disable", user_id, before, NULL);
	json_decref(before);
	return db_finish(db, e);
}

struct code_check {
	struct db *db;
	const struct actor *who;
	int64_t user_id;
	const char *code;
};

static enum err check_code(void *arg)
{
	struct code_check *cc = arg;
	return mfa_verify(cc->db, cc->who, cc->user_id, cc->code);
}

enum err mfa_turn_off(struct db *db, const struct actor *who, int64_t user_id, unsigned roles,
		      const char *email, const char *addr, const char *code, int64_t *retry_after,
		      struct verrors *ve)
{
	*retry_after = 0;
	unsigned required;
	enum err e = mfa_required_roles(db, &required);
	if (e)
		return e;
	if (required & roles) {
		verrors_add(ve, "code", "cannot turn off a second factor that your role requires");
		return ERR_INVALID;
	}
	if (!code || !*code) {
		verrors_add(ve, "code", "is required");
		return ERR_INVALID;
	}
	/* a code guessed here removes the factor: it counts like one guessed at sign-in */
	struct code_check cc = { db, who, user_id, code };
	e = throttle_secret(db, email, addr, retry_after, check_code, &cc);
	if (e == ERR_UNAUTHORIZED) {
		verrors_add(ve, "code", "is not a valid code");
		return ERR_INVALID;
	}
	return e ? e : mfa_disable(db, who, user_id);
}

enum err mfa_required_roles(struct db *db, unsigned *roles)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT role FROM mfa_required_roles", &st);
	if (e)
		return e;
	bool row;
	*roles = 0;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		int r = authz_role_from_name(db_col_text(st, 0, NULL));
		if (r >= 0)
			*roles |= 1u << r;
	}
	db_done(st);
	return e;
}

enum err mfa_set_required_roles(struct db *db, const struct actor *who, unsigned roles)
{
	enum err e = db_begin(db);
	if (e)
		return e;
	json_t *before = NULL;
	if ((e = secaudit_state(db, SEC_SETTINGS, 0, &before)) ||
	    (e = db_exec(db, "DELETE FROM mfa_required_roles")))
		goto fail;
	for (int r = 0; r < ROLE__COUNT; r++)
		if ((roles & (1u << r)) &&
		    (e = db_run(db, "INSERT INTO mfa_required_roles (role) VALUES ($1)", "s",
				authz_role_name((enum role)r))))
			goto fail;
	e = secaudit_record(db, who, SEC_SETTINGS, "update", 0, before, NULL);
fail:
	json_decref(before);
	return db_finish(db, e);
}

enum err mfa_code_at(const char *secret_b32, int64_t when, char out[7])
{
	pthread_once(&oath_once, oath_start);
	char *raw = NULL;
	size_t n = 0;
	if (!oath_ok || oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &n) != OATH_OK)
		return ERR_BAD_REQUEST;
	int rc = oath_totp_generate(raw, n, (time_t)when, STEP, 0, DIGITS, out);
	free(raw);
	return rc == OATH_OK ? ERR_OK : ERR_INTERNAL;
}
