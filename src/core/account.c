/* account.c - account administration over the users, user_roles, sessions and api_tokens
 * tables. Nothing here is reachable without the manage-accounts permission (see authz). */
#include "core/account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/authz.h"
#include "core/secaudit.h"
#include "core/user.h"
#include "util/timeutil.h"

/* Role pairs one person must not hold together (ISO 27001 5.3 segregation of duties; 9.2
 * auditors' objectivity and impartiality). */
static const struct {
	enum role a, b;
	const char *why;
} sod_rules[] = {
	{ ROLE_AUDITOR, ROLE_ISMS_MANAGER, "an auditor cannot also manage the ISMS they audit" },
	{ ROLE_AUDITOR, ROLE_OPERATIONS_MANAGER,
	  "an auditor cannot also run the operations they audit" },
	{ ROLE_AUDITOR, ROLE_ADMIN, "an auditor cannot also administer accounts" },
	{ ROLE_EXTERNAL, ROLE_ADMIN, "an external party cannot hold an internal role" },
	{ ROLE_EXTERNAL, ROLE_ISMS_MANAGER, "an external party cannot hold an internal role" },
	{ ROLE_EXTERNAL, ROLE_STAFF, "an external party cannot hold an internal role" },
	{ ROLE_EXTERNAL, ROLE_BOARD, "an external party cannot hold an internal role" },
};

const char *account_roles_conflict(unsigned roles)
{
	for (size_t i = 0; i < sizeof(sod_rules) / sizeof(sod_rules[0]); i++)
		if ((roles & (1u << sod_rules[i].a)) && (roles & (1u << sod_rules[i].b)))
			return sod_rules[i].why;
	return NULL;
}

static const char account_select[] =
	"SELECT u.id, u.email, u.name, u.active, u.department_id, u.person_id, u.created_at,"
	" u.updated_at, (SELECT max(s.last_seen_at) FROM sessions s WHERE s.user_id = u.id)"
	" FROM users u";

static void text_or_null(struct buf *b, struct db_stmt *st, int col)
{
	size_t n;
	const char *s = db_col_text(st, col, &n);
	if (s)
		buf_add_json_str(b, s, n);
	else
		buf_adds(b, "null");
}

static void int_or_null(struct buf *b, struct db_stmt *st, int col)
{
	if (db_col_null(st, col))
		buf_adds(b, "null");
	else
		buf_add_i64(b, db_col_int(st, col));
}

static enum err roles_json(struct db *db, int64_t id, struct buf *b)
{
	struct db_stmt *st;
	enum err e =
		db_prepare(db, "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role", &st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	bool row, first = true;
	buf_addc(b, '[');
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		if (!first)
			buf_addc(b, ',');
		first = false;
		text_or_null(b, st, 0);
	}
	buf_addc(b, ']');
	db_done(st);
	return e;
}

static enum err account_row_json(struct db *db, struct db_stmt *st, struct buf *b)
{
	int64_t id = db_col_int(st, 0);
	buf_adds(b, "{\"id\":");
	buf_add_i64(b, id);
	buf_adds(b, ",\"email\":");
	text_or_null(b, st, 1);
	buf_adds(b, ",\"name\":");
	text_or_null(b, st, 2);
	buf_adds(b, ",\"active\":");
	buf_adds(b, db_col_int(st, 3) ? "true" : "false");
	buf_adds(b, ",\"department_id\":");
	int_or_null(b, st, 4);
	buf_adds(b, ",\"person_id\":");
	int_or_null(b, st, 5);
	buf_adds(b, ",\"created_at\":");
	text_or_null(b, st, 6);
	buf_adds(b, ",\"updated_at\":");
	text_or_null(b, st, 7);
	buf_adds(b, ",\"last_seen_at\":");
	text_or_null(b, st, 8);
	buf_adds(b, ",\"roles\":");
	enum err e = roles_json(db, id, b);
	buf_addc(b, '}');
	return e;
}

enum err account_list_json(struct db *db, const char *q, struct buf *b)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "%s%s ORDER BY u.email", account_select,
		 q ? " WHERE lower(u.email) LIKE lower($1) ESCAPE '\\' OR lower(u.name) LIKE "
		     "lower($1)"
		     " ESCAPE '\\'"
		   : "");
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	if (q) {
		struct buf pat;
		buf_init(&pat, 1024);
		buf_addc(&pat, '%');
		for (const char *p = q; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				buf_addc(&pat, '\\');
			buf_addc(&pat, *p);
		}
		buf_addc(&pat, '%');
		db_bind_text(st, 1, buf_cstr(&pat), pat.len);
		buf_free(&pat);
	}
	bool row;
	int64_t n = 0;
	buf_adds(b, "{\"items\":[");
	/* roles are read with a second statement: collect ids first would need memory; instead
	 * the row statement stays open and the roles statement is a different one */
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		if (n++)
			buf_addc(b, ',');
		if ((e = account_row_json(db, st, b)))
			break;
	}
	db_done(st);
	buf_adds(b, "],\"next\":null,\"total\":");
	buf_add_i64(b, n);
	buf_addc(b, '}');
	return e ? e : buf_failed(b) ? ERR_NOMEM : ERR_OK;
}

enum err account_get_json(struct db *db, int64_t id, struct buf *b)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "%s WHERE u.id = $1", account_select);
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	bool row;
	e = db_step(st, &row);
	if (!e && !row)
		e = ERR_NOT_FOUND;
	if (!e)
		e = account_row_json(db, st, b);
	db_done(st);
	return e;
}

static enum err exists(struct db *db, const char *sql, int64_t id, bool *found)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	e = db_step(st, found);
	db_done(st);
	return e;
}

struct current {
	char *name;
	unsigned roles;
	int64_t department_id, person_id;
	bool active;
};

static enum err load_current(struct db *db, struct arena *a, int64_t id, struct current *cur)
{
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT name, department_id, person_id, active FROM users"
				" WHERE id = $1",
				&st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	bool row;
	e = db_step(st, &row);
	if (!e && !row)
		e = ERR_NOT_FOUND;
	if (!e) {
		const char *n = db_col_text(st, 0, NULL);
		cur->name = arena_strdup(a, n ? n : "");
		cur->department_id = db_col_int(st, 1);
		cur->person_id = db_col_int(st, 2);
		cur->active = db_col_int(st, 3) != 0;
	}
	db_done(st);
	if (e)
		return e;
	if ((e = db_prepare(db, "SELECT role FROM user_roles WHERE user_id = $1", &st)))
		return e;
	db_bind_int(st, 1, id);
	cur->roles = 0;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		int r = authz_role_from_name(db_col_text(st, 0, NULL));
		if (r >= 0)
			cur->roles |= 1u << r;
	}
	db_done(st);
	return e;
}

enum err account_update(struct db *db, struct arena *a, const struct actor *who, int64_t self_id,
			int64_t id, const struct account_patch *p, struct verrors *ve)
{
	enum err e = db_begin(db);
	if (e)
		return e;
	json_t *before = NULL;
	struct current cur;
	if ((e = load_current(db, a, id, &cur)) || (e = secaudit_state(db, SEC_USER, id, &before)))
		goto fail;
	bool found;
	if (p->set_department && p->department_id &&
	    ((e = exists(db, "SELECT 1 FROM departments WHERE id = $1", p->department_id,
			 &found)) ||
	     !found)) {
		if (!e)
			verrors_add(ve, "department_id",
				    "refers to a Department that does not exist");
	}
	if (!e && p->set_person && p->person_id &&
	    ((e = exists(db, "SELECT 1 FROM people WHERE id = $1", p->person_id, &found)) ||
	     !found)) {
		if (!e)
			verrors_add(ve, "person_id", "refers to a Person that does not exist");
	}
	/* a person has one account: a second one would act in their name */
	int64_t other = 0;
	if (!e && p->set_person && p->person_id && p->person_id != cur.person_id) {
		e = db_get_int(db, &other, "SELECT id FROM users WHERE person_id = $1 AND id <> $2",
			       "ii", p->person_id, id);
		if (e == ERR_NOT_FOUND)
			e = ERR_OK;
		else if (!e)
			verrors_add(ve, "person_id", "is already linked to another account");
	}
	if (e)
		goto fail;
	/* no administrator changes what they themselves may do or who they are: that takes a
	 * second administrator, so no one grants themselves the Board's or anyone's powers */
	if (id == self_id && p->set_roles && p->roles != cur.roles)
		verrors_add(ve, "roles", "you cannot change your own roles");
	if (id == self_id && p->set_person && p->person_id != cur.person_id)
		verrors_add(ve, "person_id", "you cannot change which person you are");
	if (id == self_id && p->set_department && p->department_id != cur.department_id)
		verrors_add(ve, "department_id", "you cannot change your own department");
	if (p->set_roles) {
		const char *why = account_roles_conflict(p->roles);
		if (why)
			verrors_add(ve, "roles", why);
	}
	if (p->set_active && !p->active && id == self_id)
		verrors_add(ve, "active", "you cannot deactivate your own account");
	if (p->name && (!*p->name || strlen(p->name) > 200))
		verrors_add(ve, "name", "must be 1 to 200 characters");
	if (ve->n) {
		e = ERR_INVALID;
		goto fail;
	}

	bool privilege = false;
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	if (p->name && strcmp(p->name, cur.name) != 0 &&
	    (e = db_run(db, "UPDATE users SET name = $2 WHERE id = $1", "is", id, p->name)))
		goto fail;
	if (p->set_department && p->department_id != cur.department_id) {
		privilege = true; /* department scopes follow it */
		if ((e = db_run(db, "UPDATE users SET department_id = $2 WHERE id = $1", "ir", id,
				p->department_id)))
			goto fail;
	}
	if (p->set_person && p->person_id != cur.person_id) {
		privilege = true;
		if ((e = db_run(db, "UPDATE users SET person_id = $2 WHERE id = $1", "ir", id,
				p->person_id)))
			goto fail;
	}
	if (p->set_roles && p->roles != cur.roles) {
		privilege = true;
		if ((e = db_run(db, "DELETE FROM user_roles WHERE user_id = $1", "i", id)))
			goto fail;
		for (int r = 0; r < ROLE__COUNT; r++)
			if ((p->roles & (1u << r)) &&
			    (e = db_run(db,
					"INSERT INTO user_roles (user_id, role) VALUES ($1, $2)",
					"is", id, authz_role_name((enum role)r))))
				goto fail;
	}
	bool deactivated = false;
	if (p->set_active && p->active != cur.active) {
		if ((e = db_run(db, "UPDATE users SET active = $2 WHERE id = $1", "ii", id,
				(int64_t)p->active)))
			goto fail;
		deactivated = privilege = !p->active;
	}
	const char *action = p->set_active && p->active != cur.active
				     ? (p->active ? "activate" : "deactivate")
				     : "update";
	if ((e = secaudit_record(db, who, SEC_USER, action, id, before, now)))
		goto fail;
	/* a changed privilege takes effect now: the account signs in again; a deactivated one
	 * loses its tokens too */
	if (deactivated)
		e = user_end_credentials(db, who, id, 0, now);
	else if (privilege)
		e = db_run(db, "DELETE FROM sessions WHERE user_id = $1", "i", id);
fail:
	json_decref(before);
	return db_finish(db, e);
}
