/* user.c - accounts, sessions and API tokens. */
#include "core/user.h"

#include "core/account.h"
#include "core/authz.h"
#include "core/secaudit.h"
#include "core/throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"

#define TOKEN_PREFIX "cst_"
/* The columns user_from_row reads, for a query where users is aliased u. */
#define USER_COLUMNS "u.id, u.email, u.name, u.active, u.department_id, u.person_id"
#define TOUCH_EVERY  60 /* seconds between last-seen writes, so reads stay reads */

bool user_role_valid(const char *role)
{
	return authz_role_from_name(role) >= 0;
}

static enum err one_row(struct db_stmt *st, bool *row)
{
	enum err e = db_step(st, row);
	return e;
}

/* The person with this e-mail in the people register, and their department. */
static enum err find_person(struct db *db, const char *email, int64_t *person, int64_t *dept)
{
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT id, department_id FROM people"
				" WHERE lower(email) = lower($1)",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, email);
	bool row;
	e = db_step(st, &row);
	if (!e && row) {
		*person = db_col_int(st, 0);
		if (dept)
			*dept = db_col_int(st, 1);
	}
	db_done(st);
	return e;
}

extern const char *const common_passwords[];
extern const size_t common_passwords_count;

static int cmp_lower(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

const char *user_password_problem(const char *pw, const char *email)
{
	size_t n = pw ? strlen(pw) : 0;
	if (!pw || !str_valid_utf8(pw, n))
		return "must be valid text";
	size_t chars = str_utf8_len(pw, n);
	if (chars < USER_PW_MIN)
		return "must be at least 12 characters";
	if (chars > USER_PW_MAX)
		return "must be at most 128 characters";
	char lower[4 * USER_PW_MAX + 1];
	for (size_t i = 0; i <= n; i++)
		lower[i] = (pw[i] >= 'A' && pw[i] <= 'Z') ? (char)(pw[i] + 32) : pw[i];
	if (bsearch(lower, common_passwords, common_passwords_count, sizeof(common_passwords[0]),
		    cmp_lower))
		return "is a commonly used password; choose another";
	bool same = true;
	for (size_t i = 1; i < n; i++)
		if (lower[i] != lower[0])
			same = false;
	if (same)
		return "must not repeat one character";
	/* the e-mail's name (before the @), when it is long enough to mean something */
	const char *at = email ? strchr(email, '@') : NULL;
	if (at && at - email >= 4) {
		char local[256];
		size_t ln = (size_t)(at - email) < sizeof(local) - 1 ? (size_t)(at - email)
								     : sizeof(local) - 1;
		for (size_t i = 0; i < ln; i++)
			local[i] = (email[i] >= 'A' && email[i] <= 'Z') ? (char)(email[i] + 32)
									: email[i];
		local[ln] = '\0';
		if (strstr(lower, local))
			return "must not contain your e-mail name";
	}
	return NULL;
}

enum err user_check_password(struct db *db, int64_t user_id, const char *password)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT password_hash FROM users WHERE id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, user_id);
	bool row;
	char hash[CRYPTO_PWHASH_LEN] = "";
	e = db_step(st, &row);
	if (!e && row && db_col_text(st, 0, NULL))
		str_copy(hash, sizeof(hash), db_col_text(st, 0, NULL));
	db_done(st);
	if (e)
		return e;
	size_t n = strlen(password);
	if (!hash[0] || n > 4 * USER_PW_MAX) {
		crypto_password_dummy(password, n > 512 ? 512 : n);
		return ERR_UNAUTHORIZED;
	}
	return crypto_password_verify(hash, password, n) ? ERR_OK : ERR_UNAUTHORIZED;
}

/* Stores a password hash with its audit event; end_all also ends the account's sessions and
 * revokes its tokens (a change by the user, not an upgrade of the hash). */
static enum err password_store(struct db *db, const struct actor *who, int64_t user_id,
			       const char *hash, const char *action, bool end_all)
{
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	enum err e = db_begin(db);
	if (e)
		return e;
	json_t *before = NULL;
	if ((e = secaudit_state(db, SEC_USER, user_id, &before)))
		goto fail;
	if (!before) {
		e = ERR_NOT_FOUND;
		goto fail;
	}
	e = db_run(db, "UPDATE users SET password_hash = $2 WHERE id = $1", "is", user_id, hash);
	if (!e)
		e = secaudit_record(db, who, SEC_USER, action, user_id, before, now);
	/* whoever knew the old password is signed out, and the tokens made with it stop */
	if (!e && end_all)
		e = user_end_credentials(db, who, user_id, 0, now);
fail:
	json_decref(before);
	return db_finish(db, e);
}

enum err user_set_password(struct db *db, struct arena *a, const struct actor *who, int64_t user_id,
			   const char *email, const char *password, struct verrors *ve)
{
	(void)a;
	const char *problem = user_password_problem(password, email);
	if (problem) {
		verrors_add(ve, "new_password", problem);
		return ERR_INVALID;
	}
	char hash[CRYPTO_PWHASH_LEN];
	enum err e = crypto_password_hash(password, strlen(password), hash);
	if (e)
		return e;
	return password_store(db, who, user_id, hash, "password_change", true);
}

enum err user_end_credentials(struct db *db, const struct actor *who, int64_t user_id,
			      int64_t keep_session, const char *at)
{
	enum err e = db_run(db, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", "ii",
			    user_id, keep_session);
	/* one token at a time, each revocation its own event */
	for (;;) {
		struct db_stmt *st;
		bool row;
		int64_t id = 0;
		if (e || (e = db_prepare(db,
					 "SELECT id FROM api_tokens WHERE user_id = $1"
					 " AND revoked_at IS NULL ORDER BY id LIMIT 1",
					 &st)))
			return e;
		db_bind_int(st, 1, user_id);
		if ((e = db_step(st, &row)) == ERR_OK && row)
			id = db_col_int(st, 0);
		db_done(st);
		if (e || !id)
			return e;
		json_t *before = NULL;
		if ((e = secaudit_state(db, SEC_TOKEN, id, &before)) ||
		    (e = db_run(db, "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1", "is", id,
				at)) ||
		    (e = secaudit_record(db, who, SEC_TOKEN, "revoke", id, before, at))) {
			json_decref(before);
			return e;
		}
		json_decref(before);
	}
}

struct password_check {
	struct db *db;
	int64_t user_id;
	const char *password;
};

static enum err check_password(void *arg)
{
	struct password_check *pc = arg;
	return user_check_password(pc->db, pc->user_id, pc->password);
}

enum err user_change_password(struct db *db, struct arena *a, const struct actor *who,
			      int64_t user_id, const char *email, const char *addr,
			      const char *current, const char *next, int64_t *retry_after,
			      struct verrors *ve)
{
	*retry_after = 0;
	if (!current || !*current)
		verrors_add(ve, "current_password", "is required");
	if (!next || !*next)
		verrors_add(ve, "new_password", "is required");
	if (ve->n)
		return ERR_INVALID;
	/* the current password is a secret like the one at sign-in: its guesses count there */
	struct password_check pc = { db, user_id, current };
	enum err e = throttle_secret(db, email, addr, retry_after, check_password, &pc);
	if (e == ERR_UNAUTHORIZED) {
		verrors_add(ve, "current_password", "is not your password");
		return ERR_INVALID;
	}
	return e ? e : user_set_password(db, a, who, user_id, email, next, ve);
}

static enum err email_taken(struct db *db, const char *email, bool *taken)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT 1 FROM users WHERE lower(email) = lower($1)", &st);
	if (e)
		return e;
	db_bind_str(st, 1, email);
	e = one_row(st, taken);
	db_done(st);
	return e;
}

enum err user_create(struct db *db, struct arena *a, const struct actor *who, const char *email,
		     const char *name, const char *password, const char *const *roles,
		     size_t nroles, int64_t department_id, struct verrors *ve, int64_t *id)
{
	static const struct field fields[] = {
		{ .name = "email", .type = FT_EMAIL, .flags = FF_REQUIRED },
		{ .name = "name", .type = FT_TEXT, .flags = FF_REQUIRED, .max = 200 },
	};
	static const struct entity user_entity = { .name = "user", .fields = fields, .nfields = 2 };
	struct record *r = model_record_new(a, &user_entity);
	if (!r)
		return ERR_NOMEM;
	const char *why;
	if (!model_parse_text(a, &fields[0], email ? email : "", email ? strlen(email) : 0,
			      &r->v[0], &why))
		verrors_add(ve, "email", why);
	if (!model_parse_text(a, &fields[1], name ? name : "", name ? strlen(name) : 0, &r->v[1],
			      &why))
		verrors_add(ve, "name", why);
	model_validate(a, r, ve);
	size_t pwlen = password ? strlen(password) : 0;
	const char *pw_problem = user_password_problem(password, email);
	if (pw_problem)
		verrors_add(ve, "password", pw_problem);
	unsigned mask = 0;
	for (size_t i = 0; i < nroles; i++) {
		int role = authz_role_from_name(roles[i]);
		if (role < 0)
			verrors_add(ve, "role", "is not a known role");
		else
			mask |= 1u << role;
	}
	const char *conflict = account_roles_conflict(mask);
	if (conflict)
		verrors_add(ve, "role", conflict);
	if (ve->n)
		return ERR_INVALID;

	char hash[CRYPTO_PWHASH_LEN];
	enum err e =
		crypto_password_hash(password, pwlen, hash); /* slow: outside the transaction */
	if (e)
		return e;
	if ((e = db_begin(db)))
		return e;
	bool taken;
	if ((e = email_taken(db, email, &taken)))
		goto fail;
	int64_t person_id = 0;
	if ((e = find_person(db, email, &person_id, department_id ? NULL : &department_id)))
		goto fail;
	if (taken) {
		verrors_add(ve, "email", "is already used by another user");
		e = ERR_INVALID;
		goto fail;
	}
	/* a person has one account: a second would act in their name */
	int64_t other;
	if (person_id) {
		e = db_get_int(db, &other, "SELECT id FROM users WHERE person_id = $1", "i",
			       person_id);
		if (e == ERR_OK)
			person_id = 0;
		else if (e != ERR_NOT_FOUND)
			goto fail;
	}
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	struct db_stmt *st;
	if ((e = db_prepare(
		     db,
		     "INSERT INTO users (email, name, password_hash, department_id, person_id,"
		     " active, created_at, updated_at) VALUES ($1, $2, $3, $5, $6, 1, $4, $4)"
		     " RETURNING id",
		     &st)))
		goto fail;
	if (person_id)
		db_bind_int(st, 6, person_id);
	else
		db_bind_null(st, 6);
	db_bind_str(st, 1, email);
	db_bind_str(st, 2, name);
	db_bind_str(st, 3, hash);
	db_bind_str(st, 4, now);
	if (department_id)
		db_bind_int(st, 5, department_id);
	else
		db_bind_null(st, 5);
	bool row;
	e = db_step(st, &row);
	*id = row ? db_col_int(st, 0) : 0;
	db_done(st);
	if (e)
		goto fail;
	for (size_t i = 0; i < nroles; i++) {
		if ((e = db_prepare(db,
				    "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)"
				    " ON CONFLICT DO NOTHING",
				    &st)))
			goto fail;
		db_bind_int(st, 1, *id);
		db_bind_str(st, 2, roles[i]);
		e = db_step(st, &row);
		db_done(st);
		if (e)
			goto fail;
	}
	if ((e = secaudit_record(db, who, SEC_USER, "create", *id, NULL, now)))
		goto fail;
	if ((e = db_commit(db)))
		goto fail;
	return ERR_OK;
fail:
	db_rollback(db);
	return e;
}

/* The roles of an account as a bit set. */
static enum err load_roles(struct db *db, struct user *u)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT role FROM user_roles WHERE user_id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, u->id);
	bool row;
	u->roles = 0;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		int r = authz_role_from_name(db_col_text(st, 0, NULL));
		if (r >= 0)
			u->roles |= 1u << r;
	}
	db_done(st);
	return e;
}

static void user_from_row(struct arena *a, struct db_stmt *st, int col, struct user *u)
{
	u->id = db_col_int(st, col);
	u->email = arena_strdup(a, db_col_text(st, col + 1, NULL) ? db_col_text(st, col + 1, NULL)
								  : "");
	u->name = arena_strdup(a, db_col_text(st, col + 2, NULL) ? db_col_text(st, col + 2, NULL)
								 : "");
	u->active = db_col_int(st, col + 3) != 0;
	u->department_id = db_col_int(st, col + 4);
	u->person_id = db_col_int(st, col + 5);
}

enum err user_authenticate(struct db *db, struct arena *a, const char *email, const char *password,
			   struct user *out)
{
	size_t pwlen = strlen(password);
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT " USER_COLUMNS ", u.password_hash FROM users u"
				" WHERE lower(u.email) = lower($1)",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, email);
	bool row;
	e = db_step(st, &row);
	char hash[CRYPTO_PWHASH_LEN] = "";
	if (!e && row) {
		user_from_row(a, st, 0, out);
		const char *h = db_col_text(st, 6, NULL);
		if (h)
			str_copy(hash, sizeof(hash), h);
	}
	db_done(st);
	if (e)
		return e;
	if (!row || !hash[0] || pwlen > USER_PW_MAX * 4) {
		crypto_password_dummy(password, pwlen > 512 ? 512 : pwlen);
		return ERR_UNAUTHORIZED;
	}
	if (!crypto_password_verify(hash, password, pwlen))
		return ERR_UNAUTHORIZED;
	if (!out->active)
		return ERR_UNAUTHORIZED;
	if (crypto_password_needs_rehash(hash)) {
		/* the parameters were raised since this hash was made: upgrade it while we know the
		 * password; the stored hash is in the audit trail, so the upgrade is an event */
		char fresh[CRYPTO_PWHASH_LEN];
		struct actor self = { out->id, out->email };
		if (crypto_password_hash(password, pwlen, fresh) != ERR_OK ||
		    password_store(db, &self, out->id, fresh, "password_rehash", false) != ERR_OK)
			log_warn("could not store an upgraded password hash");
	}
	return load_roles(db, out);
}

static enum err session_insert(struct db *db, struct arena *a, int64_t user_id, int64_t ttl,
			       bool pending, const char **token, const char **csrf)
{
	char tok[CRYPTO_TOKEN_LEN], cs[CRYPTO_TOKEN_LEN], hash[CRYPTO_HASH_HEX];
	crypto_token(tok);
	crypto_token(cs);
	crypto_hash_hex(tok, strlen(tok), NULL, 0, hash);
	char now[TIME_ISO_LEN], exp[TIME_ISO_LEN];
	int64_t t = time_now();
	time_format_iso(t, now);
	time_format_iso(t + ttl, exp);
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"INSERT INTO sessions (token_hash, user_id, csrf, created_at,"
				" last_seen_at, expires_at, pending_mfa)"
				" VALUES ($1, $2, $3, $4, $4, $5, $6)",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, hash);
	db_bind_int(st, 2, user_id);
	db_bind_str(st, 3, cs);
	db_bind_str(st, 4, now);
	db_bind_str(st, 5, exp);
	db_bind_int(st, 6, pending ? 1 : 0);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	if (e)
		return e;
	*token = arena_strdup(a, tok);
	if (csrf)
		*csrf = arena_strdup(a, cs);
	return *token && (!csrf || *csrf) ? ERR_OK : ERR_NOMEM;
}

enum err session_create(struct db *db, struct arena *a, int64_t user_id, int64_t ttl,
			const char **token, const char **csrf)
{
	return session_insert(db, a, user_id, ttl, false, token, csrf);
}

enum err session_create_pending(struct db *db, struct arena *a, int64_t user_id, const char **token)
{
	return session_insert(db, a, user_id, SESSION_PENDING_TTL, true, token, NULL);
}

static bool token_shape_ok(const char *t, size_t expect)
{
	size_t n = strlen(t);
	if (n != expect)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static void touch(struct db *db, const char *sql, int64_t id, const char *now)
{
	struct db_stmt *st;
	if (db_prepare(db, sql, &st))
		return;
	db_bind_str(st, 1, now);
	db_bind_int(st, 2, id);
	bool row;
	if (db_step(st, &row))
		log_warn("could not record last use");
	db_done(st);
}

/* Session cookies and bearer tokens resolve the same way: hash the secret, find a live row
 * joined to an active user, and note its last use at most once a minute. */
struct credential {
	/* $1 hash, $2 now [, $3 idle cut-off] -> user columns 0-5, id, last use, csrf */
	const char *select;
	const char *touch; /* $1 now, $2 id */
};

static const struct credential session_cred = {
	"SELECT " USER_COLUMNS ", s.id, s.last_seen_at, s.csrf FROM sessions s"
	" JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
	" AND s.last_seen_at > $3 AND s.pending_mfa = 0",
	"UPDATE sessions SET last_seen_at = $1 WHERE id = $2",
};

/* A sign-in waiting for its second factor: found only by the sign-in step, never as a session */
static const struct credential pending_cred = {
	"SELECT " USER_COLUMNS ", s.id, s.last_seen_at, s.csrf FROM sessions s"
	" JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
	" AND s.pending_mfa = 1",
	"UPDATE sessions SET last_seen_at = $1 WHERE id = $2",
};

static const struct credential token_cred = {
	"SELECT " USER_COLUMNS
	", k.id, k.last_used_at, k.permissions, k.expires_at FROM api_tokens k"
	" JOIN users u ON u.id = k.user_id WHERE k.token_hash = $1 AND k.revoked_at IS NULL"
	" AND (k.expires_at IS NULL OR k.expires_at > $2)",
	"UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
};

static enum err credential_lookup(struct db *db, struct arena *a, const struct credential *cr,
				  const char *secret, int64_t idle, struct user *u, int64_t *id,
				  const char **extra, const char **extra2)
{
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(secret, strlen(secret), NULL, 0, hash);
	char now[TIME_ISO_LEN];
	int64_t t = time_now();
	time_format_iso(t, now);
	struct db_stmt *st;
	enum err e = db_prepare(db, cr->select, &st);
	if (e)
		return e;
	db_bind_str(st, 1, hash);
	db_bind_str(st, 2, now);
	if (idle) {
		char cut[TIME_ISO_LEN];
		/* last use is written at most once a minute: allow for that */
		time_format_iso(t - idle - TOUCH_EVERY, cut);
		db_bind_str(st, 3, cut);
	}
	bool row;
	e = db_step(st, &row);
	char seen[TIME_ISO_LEN] = "";
	if (!e && row) {
		user_from_row(a, st, 0, u);
		*id = db_col_int(st, 6);
		const char *s = db_col_text(st, 7, NULL);
		if (s)
			str_copy(seen, sizeof(seen), s);
		if (extra) { /* the session's CSRF token, or the token's permissions (NULL: none) */
			s = db_col_text(st, 8, NULL);
			*extra = s ? arena_strdup(a, s) : NULL;
		}
		if (extra2) { /* the token's expiry (NULL: none) */
			s = db_col_text(st, 9, NULL);
			*extra2 = s ? arena_strdup(a, s) : NULL;
		}
	}
	db_done(st);
	if (e)
		return e;
	if (!row || !u->active)
		return ERR_UNAUTHORIZED;
	int64_t last;
	if (!time_parse_iso(seen, strlen(seen), &last) || t - last >= TOUCH_EVERY)
		touch(db, cr->touch, *id, now);
	return load_roles(db, u);
}

enum err session_lookup(struct db *db, struct arena *a, const char *token, int64_t idle_seconds,
			struct user *u, int64_t *session_id, const char **csrf)
{
	if (!token_shape_ok(token, CRYPTO_TOKEN_LEN - 1))
		return ERR_UNAUTHORIZED;
	if (idle_seconds <= 0)
		idle_seconds = INT32_MAX;
	return credential_lookup(db, a, &session_cred, token, idle_seconds, u, session_id, csrf,
				 NULL);
}

enum err session_pending_lookup(struct db *db, struct arena *a, const char *token, struct user *u,
				int64_t *session_id)
{
	if (!token_shape_ok(token, CRYPTO_TOKEN_LEN - 1))
		return ERR_UNAUTHORIZED;
	return credential_lookup(db, a, &pending_cred, token, 0, u, session_id, NULL, NULL);
}

enum err session_delete(struct db *db, int64_t session_id)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "DELETE FROM sessions WHERE id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, session_id);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	return e;
}

enum err token_create(struct db *db, struct arena *a, const struct actor *who, int64_t user_id,
		      const struct token_spec *spec, const struct token_spec *parent,
		      struct token_spec *made, const char **token, int64_t *id, struct verrors *ve)
{
	/* a token never makes a token broader or longer-lived than itself: what the new one
	 * leaves out it inherits, and what it asks beyond is refused */
	*made = *spec;
	if (parent) {
		/* a parent without a list has every register right and no account power */
		if (!spec->permissions)
			made->permissions = parent->permissions;
		else if (!authz_permissions_cover(parent->permissions ? parent->permissions : "*:*",
						  spec->permissions))
			verrors_add(ve, "permissions",
				    "asks for more than the token making it may do");
	}
	if (parent && parent->expires_at) {
		if (!spec->expires_at)
			made->expires_at = parent->expires_at;
		else if (strcmp(spec->expires_at, parent->expires_at) > 0)
			verrors_add(ve, "expires_at",
				    "must not be later than the token making it expires");
	}
	if (ve->n)
		return ERR_INVALID;
	char raw[CRYPTO_TOKEN_LEN], hash[CRYPTO_HASH_HEX];
	crypto_token(raw);
	char *tok = arena_printf(a, TOKEN_PREFIX "%s", raw);
	if (!tok)
		return ERR_NOMEM;
	crypto_hash_hex(tok, strlen(tok), NULL, 0, hash);
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	enum err e = db_begin(db);
	if (e)
		return e;
	struct db_stmt *st;
	if ((e = db_prepare(
		     db,
		     "INSERT INTO api_tokens (user_id, name, token_hash, created_at,"
		     " expires_at, permissions) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		     &st)))
		goto fail;
	db_bind_int(st, 1, user_id);
	db_bind_str(st, 2, made->name);
	db_bind_str(st, 3, hash);
	db_bind_str(st, 4, now);
	db_bind_str(st, 5, made->expires_at);
	db_bind_str(st, 6, made->permissions);
	bool row;
	e = db_step(st, &row);
	*id = row ? db_col_int(st, 0) : 0;
	db_done(st);
	if (e || (e = secaudit_record(db, who, SEC_TOKEN, "create", *id, NULL, now)) ||
	    (e = db_commit(db)))
		goto fail;
	*token = tok;
	return ERR_OK;
fail:
	db_rollback(db);
	return e;
}

enum err token_lookup(struct db *db, struct arena *a, const char *token, struct user *u,
		      int64_t *token_id, struct token_spec *limits)
{
	size_t plen = strlen(TOKEN_PREFIX);
	if (strncmp(token, TOKEN_PREFIX, plen) != 0 ||
	    !token_shape_ok(token + plen, CRYPTO_TOKEN_LEN - 1))
		return ERR_UNAUTHORIZED;
	limits->name = NULL;
	return credential_lookup(db, a, &token_cred, token, 0, u, token_id, &limits->permissions,
				 &limits->expires_at);
}

enum err token_revoke(struct db *db, const struct actor *who, int64_t user_id, int64_t token_id)
{
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	enum err e = db_begin(db);
	if (e)
		return e;
	json_t *before = NULL;
	int64_t owner = 0;
	if ((e = db_get_int(db, &owner,
			    "SELECT user_id FROM api_tokens WHERE id = $1 AND revoked_at IS NULL",
			    "i", token_id)) ||
	    owner != user_id) {
		e = e && e != ERR_NOT_FOUND ? e : ERR_NOT_FOUND; /* another's: as if none */
		goto fail;
	}
	if (!(e = secaudit_state(db, SEC_TOKEN, token_id, &before)) &&
	    !(e = db_run(db, "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1", "is", token_id,
			 now)))
		e = secaudit_record(db, who, SEC_TOKEN, "revoke", token_id, before, now);
fail:
	json_decref(before);
	return db_finish(db, e);
}

static void json_text_or_null(struct buf *b, struct db_stmt *st, int col)
{
	size_t n;
	const char *s = db_col_text(st, col, &n);
	if (s)
		buf_add_json_str(b, s, n);
	else
		buf_adds(b, "null");
}

enum err token_list_json(struct db *db, int64_t user_id, struct buf *b)
{
	struct db_stmt *st;
	enum err e = db_prepare(
		db,
		"SELECT id, name, created_at, expires_at, last_used_at,"
		" revoked_at, permissions FROM api_tokens WHERE user_id = $1 ORDER BY id",
		&st);
	if (e)
		return e;
	db_bind_int(st, 1, user_id);
	static const char *const keys[] = { "name",	    "created_at", "expires_at",
					    "last_used_at", "revoked_at", "permissions" };
	buf_adds(b, "{\"items\":[");
	bool row;
	int64_t n = 0;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		buf_adds(b, n ? ",{\"id\":" : "{\"id\":");
		buf_add_i64(b, db_col_int(st, 0));
		for (int i = 0; i < 6; i++) {
			buf_adds(b, ",\"");
			buf_adds(b, keys[i]);
			buf_adds(b, "\":");
			json_text_or_null(b, st, i + 1);
		}
		buf_addc(b, '}');
		n++;
	}
	db_done(st);
	if (e)
		return e;
	buf_adds(b, "],\"next\":null,\"total\":");
	buf_add_i64(b, n);
	buf_addc(b, '}');
	return buf_failed(b) ? ERR_NOMEM : ERR_OK;
}

enum err user_find_department(struct db *db, const char *key, int64_t *id)
{
	int64_t n = 0;
	bool numeric = str_parse_i64(key, &n);
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT id FROM departments WHERE id = $1 OR lower(code) = lower($2)"
			   " OR lower(name) = lower($2) ORDER BY id LIMIT 1",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, numeric ? n : 0);
	db_bind_str(st, 2, key);
	bool row;
	e = db_step(st, &row);
	*id = row ? db_col_int(st, 0) : 0;
	db_done(st);
	if (e)
		return e;
	return row ? ERR_OK : ERR_NOT_FOUND;
}
