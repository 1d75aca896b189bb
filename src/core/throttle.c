/* throttle.c - failure counting with exponential back-off, one row per key. */
#include "core/throttle.h"

#include <stdio.h>
#include <string.h>

#include "util/str.h"
#include "util/timeutil.h"

#define WINDOW	     3600 /* counts restart after an hour without a new window */
#define MAX_WAIT     3600
#define ACCOUNT_FREE 5	 /* failures before waiting starts, per account */
#define ACCOUNT_MAX  100 /* failures per hour after which the account waits out the hour */
#define ADDRESS_FREE 20	 /* an address trying many accounts gets more rope, then the same */

static void key_for(char *out, size_t n, const char *kind, const char *value)
{
	size_t o = (size_t)snprintf(out, n, "%s:", kind);
	for (const char *p = value ? value : ""; *p && o + 1 < n; p++)
		out[o++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
	out[o < n ? o : n - 1] = '\0';
}

/* A block's end is kept to the millisecond ("...T12:00:01.250Z"): with whole seconds, a
 * one-second wait could end at once when the failure fell late in its second. */
static void format_until(int64_t ms, char out[32])
{
	char s[TIME_ISO_LEN];
	time_format_iso(ms / 1000, s);
	snprintf(out, 32, "%.19s.%03dZ", s, (int)(ms % 1000));
}

static bool parse_until(const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	int64_t sec;
	if (n == 24 && s[19] == '.' && s[23] == 'Z') {
		char base[TIME_ISO_LEN];
		snprintf(base, sizeof(base), "%.19sZ", s);
		int64_t frac;
		char digits[4] = { s[20], s[21], s[22], '\0' };
		if (!time_parse_iso(base, 20, &sec) || !str_parse_i64(digits, &frac) || frac < 0)
			return false;
		*ms = sec * 1000 + frac;
		return true;
	}
	if (!time_parse_iso(s, n, &sec)) /* rows written before milliseconds were kept */
		return false;
	*ms = sec * 1000;
	return true;
}

static enum err wait_for(struct db *db, const char *key, int64_t now_ms, int64_t *wait)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT blocked_until FROM login_failures WHERE key = $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, key);
	bool row;
	e = db_step(st, &row);
	int64_t until;
	const char *s = row ? db_col_text(st, 0, NULL) : NULL;
	/* seconds still to wait, rounded up: Retry-After never says too little */
	if (!e && s && parse_until(s, &until) && until > now_ms &&
	    (until - now_ms + 999) / 1000 > *wait)
		*wait = (until - now_ms + 999) / 1000;
	db_done(st);
	return e;
}

enum err throttle_check(struct db *db, const char *email, const char *addr, int64_t *retry_after)
{
	char k1[300], k2[80];
	key_for(k1, sizeof(k1), "account", email);
	key_for(k2, sizeof(k2), "address", addr);
	int64_t now_ms = time_now_ms();
	*retry_after = 0;
	enum err e = wait_for(db, k1, now_ms, retry_after);
	return e ? e : wait_for(db, k2, now_ms, retry_after);
}

static enum err fail_key(struct db *db, const char *key, int free_tries, int max_per_window)
{
	int64_t now = time_now();
	struct db_stmt *st;
	enum err e = db_prepare(
		db, "SELECT failures, window_start FROM login_failures WHERE key = $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, key);
	bool row;
	int64_t failures = 0, start = now;
	e = db_step(st, &row);
	if (!e && row) {
		const char *s = db_col_text(st, 1, NULL);
		int64_t t;
		if (s && time_parse_iso(s, strlen(s), &t) && now - t < WINDOW) {
			failures = db_col_int(st, 0);
			start = t;
		}
	}
	db_done(st);
	if (e)
		return e;
	failures++;
	int64_t wait = 0;
	if (failures >= max_per_window)
		wait = start + WINDOW - now;
	else if (failures > free_tries) {
		int64_t shift = failures - free_tries - 1;
		wait = shift >= 12 ? MAX_WAIT : (int64_t)1 << shift;
		if (wait > MAX_WAIT)
			wait = MAX_WAIT;
	}
	char s_start[TIME_ISO_LEN], s_until[32];
	time_format_iso(start, s_start);
	format_until(time_now_ms() + wait * 1000, s_until);
	if ((e = db_prepare(
		     db,
		     "INSERT INTO login_failures (key, failures, window_start, blocked_until)"
		     " VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET"
		     " failures = $2, window_start = $3, blocked_until = $4",
		     &st)))
		return e;
	db_bind_str(st, 1, key);
	db_bind_int(st, 2, failures);
	db_bind_str(st, 3, s_start);
	if (wait > 0)
		db_bind_str(st, 4, s_until);
	else
		db_bind_null(st, 4);
	e = db_step(st, &row);
	db_done(st);
	return e;
}

enum err throttle_fail(struct db *db, const char *email, const char *addr)
{
	char k1[300], k2[80];
	key_for(k1, sizeof(k1), "account", email);
	key_for(k2, sizeof(k2), "address", addr);
	enum err e = db_begin(db);
	if (e)
		return e;
	if ((e = fail_key(db, k1, ACCOUNT_FREE, ACCOUNT_MAX)) ||
	    (e = fail_key(db, k2, ADDRESS_FREE, ACCOUNT_MAX * 10)) || (e = db_commit(db))) {
		db_rollback(db);
		return e;
	}
	return ERR_OK;
}

enum err throttle_clear(struct db *db, const char *email)
{
	char k1[300];
	key_for(k1, sizeof(k1), "account", email);
	struct db_stmt *st;
	enum err e = db_prepare(db, "DELETE FROM login_failures WHERE key = $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, k1);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	return e;
}

enum err throttle_secret(struct db *db, const char *email, const char *addr, int64_t *retry_after,
			 enum err (*check)(void *arg), void *arg)
{
	*retry_after = 0;
	enum err e = throttle_check(db, email, addr, retry_after);
	if (e)
		return e;
	if (*retry_after > 0)
		return ERR_THROTTLED;
	e = check(arg);
	enum err t = e == ERR_UNAUTHORIZED ? throttle_fail(db, email, addr)
		     : e == ERR_OK	   ? throttle_clear(db, email)
					   : ERR_OK;
	return t ? t : e;
}
