/* secaudit.c - snapshots of the security records and the events made of their differences
 * (see secaudit.h). The snapshot readers are the only description of what the trail covers:
 * add a column here and both the events and their verification follow. */
#include "core/secaudit.h"

#include <stdlib.h>
#include <string.h>

#include "core/authz.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/timeutil.h"

static const struct {
	const char *entity;
	const char *ids_sql;
} kinds[SEC__COUNT] = {
	[SEC_USER] = { "user", "SELECT id FROM users ORDER BY id" },
	[SEC_TOKEN] = { "api_token", "SELECT id FROM api_tokens ORDER BY id" },
	[SEC_SETTINGS] = { "setting", NULL },
};

const char *secaudit_entity(enum secaudit_kind k)
{
	return (unsigned)k < SEC__COUNT ? kinds[k].entity : "?";
}

const char *secaudit_ids_sql(enum secaudit_kind k)
{
	return (unsigned)k < SEC__COUNT ? kinds[k].ids_sql : NULL;
}

static json_t *col_text(struct db_stmt *st, int col)
{
	size_t n;
	const char *s = db_col_text(st, col, &n);
	return s ? json_stringn(s, n) : json_null();
}

static json_t *col_id(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? json_null() : json_integer(db_col_int(st, col));
}

/* The digest that stands for a stored secret in the trail; null when there is none. */
static json_t *col_digest(struct db_stmt *st, int col)
{
	size_t n;
	const char *s = db_col_text(st, col, &n);
	if (!s)
		return json_null();
	char h[CRYPTO_HASH_HEX];
	crypto_hash_hex(s, n, NULL, 0, h);
	return json_string(h);
}

/* The roles a statement lists (column 0, with $1 bound to id unless 0) as names in the order
 * of enum role, whatever order the table gives them in; names Custos does not know are kept
 * as stored, after the others, so that verify names them. */
static enum err roles_of(struct db *db, const char *sql, int64_t id, json_t **out)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	if (id)
		db_bind_int(st, 1, id);
	bool row;
	unsigned held = 0;
	json_t *unknown = json_array();
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		const char *name = db_col_text(st, 0, NULL);
		int r = name ? authz_role_from_name(name) : -1;
		if (r >= 0)
			held |= 1u << r;
		else
			json_array_append_new(unknown, json_string(name ? name : ""));
	}
	db_done(st);
	*out = json_array();
	for (int r = 0; r < ROLE__COUNT; r++)
		if (held & (1u << r))
			json_array_append_new(*out, json_string(authz_role_name((enum role)r)));
	json_array_extend(*out, unknown);
	json_decref(unknown);
	return e;
}

/* The confirmed second factor: a digest of its secret and every recovery code's hash, and how
 * many codes are left. A factor in the middle of being set up grants nothing and is left out. */
/* The confirmed second factor: a digest of its secret and every recovery code's hash, and how
 * many codes are left. A factor in the middle of being set up grants nothing and is left out. */
static enum err mfa_of(struct db *db, int64_t id, json_t *o)
{
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT secret FROM user_mfa WHERE user_id = $1"
				" AND confirmed_at IS NOT NULL",
				&st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	bool row;
	struct buf all; /* the secret, then ":hash" per recovery code, in hash order */
	buf_init(&all, 64 * 1024);
	if ((e = db_step(st, &row)) == ERR_OK && row) {
		size_t n;
		const char *s = db_col_text(st, 0, &n);
		buf_add(&all, s ? s : "", s ? n : 0);
	}
	db_done(st);
	bool on = !e && row;
	int64_t left = 0;
	if (on && !(e = db_prepare(db,
				   "SELECT code_hash, used_at FROM mfa_recovery_codes"
				   " WHERE user_id = $1 ORDER BY code_hash",
				   &st))) {
		db_bind_int(st, 1, id);
		while ((e = db_step(st, &row)) == ERR_OK && row) {
			size_t n;
			const char *s = db_col_text(st, 0, &n);
			buf_addc(&all, ':');
			buf_add(&all, s ? s : "", s ? n : 0);
			left += db_col_null(st, 1);
		}
		db_done(st);
	}
	if (!e && buf_failed(&all))
		e = ERR_TOO_LARGE;
	char hex[CRYPTO_HASH_HEX];
	if (!e && on)
		crypto_hash_hex(all.p ? all.p : "", all.len, NULL, 0, hex);
	buf_free(&all);
	if (e)
		return e;
	json_object_set_new(o, "mfa", on ? json_string(hex) : json_null());
	json_object_set_new(o, "recovery_codes_left", json_integer(left));
	return ERR_OK;
}

static enum err user_state(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT email, name, active, department_id, person_id, password_hash,"
			   " version, created_at, updated_at FROM users WHERE id = $1",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	bool row;
	json_t *o = NULL;
	if ((e = db_step(st, &row)) == ERR_OK && row)
		o = json_pack("{s:o,s:o,s:b,s:o,s:o,s:o,s:I,s:o,s:o}", "email", col_text(st, 0),
			      "name", col_text(st, 1), "active", db_col_int(st, 2) != 0,
			      "department_id", col_id(st, 3), "person_id", col_id(st, 4),
			      "password", col_digest(st, 5), "version",
			      (json_int_t)db_col_int(st, 6), "created_at", col_text(st, 7),
			      "updated_at", col_text(st, 8));
	db_done(st);
	if (e || !row)
		return e;
	if (!o)
		return ERR_NOMEM;
	json_t *roles = NULL;
	e = roles_of(db, "SELECT role FROM user_roles WHERE user_id = $1", id, &roles);
	json_object_set_new(o, "roles", roles);
	if (e || (e = mfa_of(db, id, o))) {
		json_decref(o);
		return e;
	}
	*out = o;
	return ERR_OK;
}

static enum err token_state(struct db *db, int64_t id, json_t **out)
{
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT user_id, name, token_hash, created_at, expires_at,"
				" permissions, revoked_at FROM api_tokens WHERE id = $1",
				&st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	bool row;
	if ((e = db_step(st, &row)) == ERR_OK && row) {
		*out = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "user_id", col_id(st, 0), "name",
				 col_text(st, 1), "token", col_digest(st, 2), "created_at",
				 col_text(st, 3), "expires_at", col_text(st, 4), "permissions",
				 col_text(st, 5), "revoked_at", col_text(st, 6));
		if (!*out)
			e = ERR_NOMEM;
	}
	db_done(st);
	return e;
}

static enum err settings_state(struct db *db, json_t **out)
{
	json_t *roles = NULL;
	enum err e = roles_of(db, "SELECT role FROM mfa_required_roles", 0, &roles);
	*out = json_pack("{s:o}", "mfa_required_roles", roles);
	return e ? e : *out ? ERR_OK : ERR_NOMEM;
}

enum err secaudit_state(struct db *db, enum secaudit_kind k, int64_t id, json_t **out)
{
	*out = NULL;
	switch (k) {
	case SEC_USER:
		return user_state(db, id, out);
	case SEC_TOKEN:
		return token_state(db, id, out);
	case SEC_SETTINGS:
		return settings_state(db, out);
	case SEC__COUNT:
		break;
	}
	return ERR_INTERNAL;
}

/* {"key":[before,after]} for every key whose value differs, sorted; NULL when none does. */
static char *difference(const json_t *before, const json_t *after)
{
	json_t *ch = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)after, k, v)
	{
		json_t *old = before ? json_object_get(before, k) : NULL;
		if (!old || !json_equal(old, v))
			json_object_set_new(ch, k, json_pack("[OO]", old ? old : json_null(), v));
	}
	json_object_foreach((json_t *)before, k, v) if (!json_object_get(after, k))
		json_object_set_new(ch, k, json_pack("[On]", v));
	char *text = json_object_size(ch) ? json_dumps(ch, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(ch);
	return text;
}

enum err secaudit_record(struct db *db, const struct actor *who, enum secaudit_kind k,
			 const char *action, int64_t id, const json_t *before, const char *at)
{
	char now[TIME_ISO_LEN];
	if (!at) {
		time_format_iso(time_now(), now);
		at = now;
	}
	json_t *after = NULL;
	enum err e = secaudit_state(db, k, id, &after);
	if (e)
		return e;
	char *text = after ? difference(before, after) : NULL;
	json_decref(after);
	if (!text) /* nothing changed (or the record is gone): nothing to record */
		return ERR_OK;
	if (k == SEC_USER && before) {
		/* the account counts the change, and the count is part of the event */
		free(text);
		if ((e = db_run(db,
				"UPDATE users SET version = version + 1, updated_at = $2"
				" WHERE id = $1",
				"is", id, at)) ||
		    (e = secaudit_state(db, k, id, &after)))
			return e;
		text = after ? difference(before, after) : NULL;
		json_decref(after);
		if (!text)
			return ERR_INTERNAL;
	}
	e = audit_append_at(db, who, at, action, kinds[k].entity, k == SEC_SETTINGS ? 0 : id, text);
	free(text);
	return e;
}

static enum err baseline_kind(struct db *db, enum secaudit_kind k, const char *at)
{
	if (k == SEC_SETTINGS) {
		/* replay starts from no required roles: only a setting made needs its baseline */
		json_t *now = NULL;
		enum err e = secaudit_state(db, k, 0, &now);
		bool empty = !e && json_array_size(json_object_get(now, "mfa_required_roles")) == 0;
		json_decref(now);
		return e || empty ? e : secaudit_record(db, NULL, k, "baseline", 0, NULL, at);
	}
	struct db_stmt *st;
	enum err e = db_prepare(db, kinds[k].ids_sql, &st);
	if (e)
		return e;
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row)
		if ((e = secaudit_record(db, NULL, k, "baseline", db_col_int(st, 0), NULL, at)))
			break;
	db_done(st);
	return e;
}

enum err secaudit_baseline(struct db *db)
{
	char at[TIME_ISO_LEN];
	time_format_iso(time_now(), at);
	enum err e = ERR_OK;
	for (int k = 0; k < SEC__COUNT && !e; k++)
		e = baseline_kind(db, (enum secaudit_kind)k, at);
	return e;
}

enum err secaudit_migrated(struct db *db, int number)
{
	return number == SECAUDIT_MIGRATION ? secaudit_baseline(db) : ERR_OK;
}
