/* repo.c - SQL for every register, generated from the entity table. Identifiers come only from
 * the table (constants); every value goes through a bound parameter. */
#include "core/repo.h"

#include <assert.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/authz.h"
#include "core/files.h"
#include "core/rowcache.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"

/* ---- parameters collected while SQL is generated, bound after prepare ---- */

#define MAX_BINDS 512

struct binds {
	int n;
	bool overflow;
	struct bind {
		bool is_int, is_null;
		int64_t i;
		const char *s;
		size_t len;
	} b[MAX_BINDS];
};

static int bind_add(struct binds *bs, const struct field *f, const struct value *v)
{
	assert(bs->n >= 0 && bs->n <= MAX_BINDS);
	assert(!v->null || v->set); /* null is a value that was given */
	if (bs->n >= MAX_BINDS) {
		bs->overflow = true;
		return 1;
	}
	struct bind *b = &bs->b[bs->n++];
	memset(b, 0, sizeof(*b));
	if (!v->set || v->null) {
		b->is_null = true;
	} else if (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL) {
		b->is_int = true;
		b->i = v->i;
	} else {
		b->s = v->s;
		b->len = v->n;
	}
	return bs->n;
}

static int bind_int(struct binds *bs, int64_t i)
{
	struct value v = { .set = true, .i = i };
	static const struct field f = { .type = FT_INT };
	return bind_add(bs, &f, &v);
}

static int bind_text(struct binds *bs, const char *s)
{
	struct value v = { .set = true, .s = s, .n = s ? strlen(s) : 0, .null = !s };
	static const struct field f = { .type = FT_TEXT };
	return bind_add(bs, &f, &v);
}

static void binds_apply(struct db_stmt *st, const struct binds *bs)
{
	for (int i = 0; i < bs->n; i++) {
		const struct bind *b = &bs->b[i];
		if (b->is_null)
			db_bind_null(st, i + 1);
		else if (b->is_int)
			db_bind_int(st, i + 1, b->i);
		else
			db_bind_text(st, i + 1, b->s, b->len);
	}
}

static void add_param(struct buf *sql, int n)
{
	buf_addc(sql, '$');
	buf_add_i64(sql, n);
}

/* An empty bind list in the arena: a list's binds are too many for the stack. */
static struct binds *binds_new(struct arena *a)
{
	struct binds *bs = arena_alloc_raw(a, sizeof(*bs));
	if (bs) {
		bs->n = 0;
		bs->overflow = false;
	}
	return bs;
}

/* ---- row rendering: columns are read and written as JSON here, no per-row allocation ---- */

/* "id, f1, ..., fn, version, created_at, updated_at": the columns repo_row_json reads. */
static void select_columns(const struct entity *e, struct buf *sql)
{
	buf_adds(sql, "id");
	for (size_t i = 0; i < e->nfields; i++) {
		buf_addc(sql, ',');
		buf_adds(sql, e->fields[i].name);
	}
	buf_adds(sql, ",version,created_at,updated_at");
}

static void json_text_col(struct buf *out, struct db_stmt *st, int col)
{
	size_t n;
	const char *s = db_col_text(st, col, &n);
	if (s)
		buf_add_json_str(out, s, n);
	else
		buf_adds(out, "null");
}

/* A file field's descriptor, as the object it is; a stored text that is not one (changed
 * behind Custos's back) comes out as a string, so the answer stays the JSON it claims. */
static void file_json(struct buf *out, struct db_stmt *st, int col)
{
	size_t n;
	const char *s = db_col_text(st, col, &n);
	json_t *o = s ? json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
	char *text = json_is_object(o) ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (text)
		buf_adds(out, text);
	else
		json_text_col(out, st, col);
	free(text);
}

void repo_row_json(struct db_stmt *st, int col, const struct entity *e, struct buf *out)
{
	buf_adds(out, "{\"id\":");
	buf_add_i64(out, db_col_int(st, col++));
	for (size_t i = 0; i < e->nfields; i++, col++) {
		const struct field *f = &e->fields[i];
		buf_add(out, ",\"", 2);
		buf_adds(out, f->name);
		buf_add(out, "\":", 2);
		if (f->type == FT_FILE && !db_col_null(st, col))
			file_json(out, st, col);
		else if (f->type != FT_BOOL && f->type != FT_INT && f->type != FT_REF)
			json_text_col(out, st, col);
		else if (db_col_null(st, col))
			buf_add(out, "null", 4);
		else if (f->type == FT_BOOL)
			buf_adds(out, db_col_int(st, col) ? "true" : "false");
		else
			buf_add_i64(out, db_col_int(st, col));
	}
	buf_adds(out, ",\"version\":");
	buf_add_i64(out, db_col_int(st, col++));
	buf_adds(out, ",\"created_at\":");
	json_text_col(out, st, col++);
	buf_adds(out, ",\"updated_at\":");
	json_text_col(out, st, col);
	buf_addc(out, '}');
}

static enum err run(struct db *db, const char *sql, const struct binds *bs, bool *row,
		    struct db_stmt **keep)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	binds_apply(st, bs);
	e = db_step(st, row);
	if (keep && !e) {
		*keep = st;
		return ERR_OK;
	}
	db_done(st);
	return e;
}

enum err repo_get_json(struct repo_ctx *c, const struct entity *e, int64_t id, struct buf *out)
{
	int64_t version;
	return repo_read_json(c, e, id, out, &version);
}

enum err repo_read_json(struct repo_ctx *c, const struct entity *e, int64_t id, struct buf *out,
			int64_t *version)
{
	struct buf sql;
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT ");
	select_columns(e, &sql);
	buf_printf(&sql, " FROM %s WHERE id = $1", e->plural);
	enum err err = ERR_NOMEM;
	struct db_stmt *st = NULL;
	if (buf_failed(&sql) || (err = db_prepare(c->db, sql.p, &st)))
		goto done;
	db_bind_int(st, 1, id);
	bool row;
	if ((err = db_step(st, &row)))
		goto done;
	if (!row) {
		err = ERR_NOT_FOUND;
		goto done;
	}
	repo_row_json(st, 0, e, out);
	*version = db_col_int(st, (int)e->nfields + 1);
	err = buf_failed(out) ? ERR_NOMEM : ERR_OK;
done:
	db_done(st);
	buf_free(&sql);
	return err;
}

static void load_value(struct arena *a, struct db_stmt *st, int col, const struct field *f,
		       struct value *v)
{
	memset(v, 0, sizeof(*v));
	v->set = true;
	if (db_col_null(st, col)) {
		v->null = true;
		return;
	}
	if (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL) {
		v->i = db_col_int(st, col);
	} else {
		size_t n;
		const char *s = db_col_text(st, col, &n);
		v->s = arena_strndup(a, s ? s : "", n);
		v->n = n;
	}
}

/* lock: inside a write transaction, hold the row until commit. SQLite's write transaction
 * already excludes other writers; PostgreSQL needs FOR UPDATE, or two writers that read the
 * same version would both pass the If-Match check and one change would be lost. */
static enum err load_row(struct repo_ctx *c, const struct entity *e, int64_t id, bool lock,
			 struct record **out)
{
	struct buf sql;
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT id, version, created_at, updated_at");
	for (size_t i = 0; i < e->nfields; i++)
		buf_printf(&sql, ", %s", e->fields[i].name);
	buf_printf(&sql, " FROM %s WHERE id = $1", e->plural);
	if (lock && db_dialect(c->db) == DB_POSTGRES)
		buf_adds(&sql, " FOR UPDATE");
	struct db_stmt *st = NULL;
	enum err err = ERR_NOMEM;
	struct record *r = model_record_new(c->a, e);
	if (!r || buf_failed(&sql) || (err = db_prepare(c->db, sql.p, &st)))
		goto done;
	db_bind_int(st, 1, id);
	bool row;
	if ((err = db_step(st, &row)))
		goto done;
	if (!row) {
		err = ERR_NOT_FOUND;
		goto done;
	}
	r->id = db_col_int(st, 0);
	r->version = db_col_int(st, 1);
	r->created_at =
		arena_strdup(c->a, db_col_text(st, 2, NULL) ? db_col_text(st, 2, NULL) : "");
	r->updated_at =
		arena_strdup(c->a, db_col_text(st, 3, NULL) ? db_col_text(st, 3, NULL) : "");
	for (size_t i = 0; i < e->nfields; i++)
		load_value(c->a, st, (int)i + 4, &e->fields[i], &r->v[i]);
	*out = r;
	err = ERR_OK;
done:
	db_done(st);
	buf_free(&sql);
	return err;
}

enum err repo_load(struct repo_ctx *c, const struct entity *e, int64_t id, struct record **out)
{
	return load_row(c, e, id, false, out);
}

/* ---- transactions: owned by repo unless the caller batches several writes ---- */

/* A write takes the audit chain's lock first: it will append to the chain anyway, and taking
 * it before any row lock gives every writer one lock order (PostgreSQL would otherwise find
 * a publication and an acknowledgement waiting for each other), and makes the checks a write
 * reads before it writes (one draft per document, a merge target) hold until it commits. */
static enum err tx_begin(struct repo_ctx *c)
{
	/* a caller that says it holds the transaction holds one; one that does not, none */
	assert(c->in_tx == db_in_tx(c->db));
	if (c->in_tx)
		return ERR_OK;
	enum err e = db_begin(c->db);
	if (!e && (e = db_lock(c->db, AUDIT_LOCK)))
		db_rollback(c->db);
	return e;
}

static enum err tx_commit(struct repo_ctx *c)
{
	assert(db_in_tx(c->db));
	return c->in_tx ? ERR_OK : db_commit(c->db);
}

static void tx_rollback(struct repo_ctx *c)
{
	if (!c->in_tx)
		db_rollback(c->db);
}

/* ---- checks that need the database ---- */

static enum err check_refs(struct repo_ctx *c, const struct record *r, struct verrors *ve)
{
	const struct entity *e = r->e;
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		const struct value *v = &r->v[i];
		if (f->type != FT_REF || !v->set || v->null || v->i <= 0)
			continue;
		const struct entity *target = model_entity(f->ref);
		if (!target)
			return ERR_INTERNAL;
		char sql[160];
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id = $1", target->plural);
		struct binds bs = { 0 };
		bind_int(&bs, v->i);
		bool row;
		enum err err = run(c->db, sql, &bs, &row, NULL);
		if (err)
			return err;
		if (!row) {
			const char *m = arena_printf(c->a, "refers to a %s that does not exist",
						     target->title);
			verrors_add(ve, f->name, m ? m : "refers to a record that does not exist");
		}
	}
	return ERR_OK;
}

static enum err check_unique(struct repo_ctx *c, const struct record *r, int64_t self,
			     struct verrors *ve)
{
	const struct entity *e = r->e;
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		const struct value *v = &r->v[i];
		if (!(f->flags & FF_UNIQUE) || !v->set || v->null)
			continue;
		char sql[200];
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE %s = $1 AND id <> $2 LIMIT 1",
			 e->plural, f->name);
		struct binds bs = { 0 };
		bind_add(&bs, f, v);
		bind_int(&bs, self);
		bool row;
		enum err err = run(c->db, sql, &bs, &row, NULL);
		if (err)
			return err;
		if (row)
			verrors_add(ve, f->name, "is already used by another record");
	}
	return ERR_OK;
}

static bool value_equal(const struct field *f, const struct value *a, const struct value *b)
{
	bool an = !a->set || a->null, bn = !b->set || b->null;
	if (an || bn)
		return an && bn;
	if (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL)
		return a->i == b->i;
	return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

/* {"field":[before,after],...} with sorted keys: the exact text that is hashed. */
static char *changes_json(const struct entity *e, const struct record *before,
			  const struct record *after)
{
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		static const struct value none = { 0 };
		const struct value *b = before ? &before->v[i] : &none;
		const struct value *a = after ? &after->v[i] : &none;
		if (value_equal(f, b, a))
			continue;
		json_t *pair = json_pack("[oo]", model_value_json(f, b), model_value_json(f, a));
		if (!pair || json_object_set_new(obj, f->name, pair)) {
			json_decref(obj);
			return NULL;
		}
	}
	char *s = json_object_size(obj) ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(obj);
	return s;
}

/* Every write to a register bumps its counter, which invalidates cached list totals. */
static enum err bump_register(struct repo_ctx *c, const struct entity *e)
{
	struct binds bs = { 0 };
	bind_text(&bs, e->name);
	bool row;
	return run(c->db,
		   "INSERT INTO register_versions (entity, version) VALUES ($1, 1)"
		   " ON CONFLICT (entity) DO UPDATE SET version = register_versions.version + 1",
		   &bs, &row, NULL);
}

/* The audit event and the register counter, written in the caller's transaction. */
static enum err audit(struct repo_ctx *c, const char *action, const struct entity *e, int64_t id,
		      const struct record *before, const struct record *after, const char *at)
{
	char *changes = changes_json(e, before, after);
	enum err err =
		audit_append_at(c->db, c->who, at, action, e->name, id, changes ? changes : "{}");
	free(changes);
	return err ? err : bump_register(c, e);
}

/* Fills the defaults of a new record; false when a required field that is the acting user
 * stays empty (an account linked to no person), which no permission can make right. */
static bool apply_defaults(struct repo_ctx *c, struct record *r)
{
	bool self = true;
	for (size_t i = 0; i < r->e->nfields; i++) {
		const struct field *f = &r->e->fields[i];
		const char *why;
		bool empty = !r->v[i].set || r->v[i].null;
		if ((f->flags & FF_SELF) && empty && c->person_id)
			r->v[i] = (struct value){ .set = true, .i = c->person_id };
		else if ((f->flags & FF_SELF) && empty && (f->flags & FF_REQUIRED))
			self = false;
		else if (!r->v[i].set && f->dflt)
			(void)model_parse_text(c->a, f, f->dflt, strlen(f->dflt), &r->v[i], &why);
	}
	return self;
}

/* Who the write in progress on this thread is for: hooks that change other records (a
 * review moving its document's dates) write those changes under the same name. */
static __thread const struct actor *writing;

const struct actor *repo_actor(void)
{
	return writing;
}

/* The bytes of files uploaded with this write, stored (once per hash) in its transaction. */
static enum err store_files(struct repo_ctx *c, const struct record *r)
{
	for (size_t i = 0; i < r->e->nfields; i++) {
		const struct value *v = &r->v[i];
		if (r->e->fields[i].type != FT_FILE || !v->set || v->null || !v->blob)
			continue;
		struct file_desc d;
		if (!files_desc_parse(c->a, v->s, v->n, &d))
			return ERR_INTERNAL;
		enum err e = files_store(c->db, d.hash, v->blob, v->blob_n);
		if (e)
			return e;
	}
	return ERR_OK;
}

/* The rules a register declares on its fields (model.h), for a write of after over before
 * (NULL on create), inside its transaction: fixed fields stay, the creation time is now,
 * followed fields are copied from the record their reference names, and a record that belongs
 * to a frozen one takes no change. ERR_INVALID with ve naming the field, or a store error. */
static enum err declared_rules(struct repo_ctx *c, const struct entity *e,
			       const struct record *before, struct record *after, const char *now,
			       struct verrors *ve)
{
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (before && (f->flags & FF_FIXED) && !value_equal(f, &before->v[i], &after->v[i]))
			verrors_add(ve, f->name, "cannot change once the record is made");
		if (!before && (f->flags & FF_CREATE_TIME))
			after->v[i] = (struct value){ .set = true,
						      .s = arena_strdup(c->a, now),
						      .n = strlen(now) };
		if (!f->follows)
			continue;
		int k = model_field_index(e, f->follows);
		assert(k >= 0); /* model_registry_check saw to it */
		const struct value *via = &after->v[k];
		if (!via->set || via->null)
			continue;
		struct record *from;
		enum err err = load_row(c, model_entity(e->fields[k].ref), via->i, false, &from);
		if (err == ERR_NOT_FOUND)
			continue; /* the reference check names it */
		if (err)
			return err;
		const struct value *v = model_get(from, f->name);
		assert(v);
		after->v[i] = *v;
	}
	if (e->parent && (!before || !e->parent_keeps_changes)) {
		int k = model_field_index(e, e->parent);
		assert(k >= 0);
		const struct value *via = &after->v[k];
		struct record *p;
		enum err err = via->set && !via->null ? load_row(c, model_entity(e->fields[k].ref),
								 via->i, false, &p)
						      : ERR_NOT_FOUND;
		const char *state = err ? NULL : model_frozen(p);
		if (err && err != ERR_NOT_FOUND)
			return err;
		if (state)
			verrors_add(ve, e->parent,
				    arena_printf(c->a, "is %s: it takes nothing more", state));
	}
	return ve->n ? ERR_INVALID : ERR_OK;
}

enum err repo_create(struct repo_ctx *c, struct record *r, struct verrors *ve, int64_t *id)
{
	assert(c && c->db && c->a && c->who && r && r->e && ve);
	const struct entity *e = r->e;
	bool self = apply_defaults(c, r);
	/* field errors and the database's (dangling reference, value taken) are reported together
	 */
	model_validate(c->a, r, ve);
	if (!self) /* the validation said who is missing; the guard would only say "no" */
		return ERR_INVALID;
	enum err err = tx_begin(c);
	if (err)
		return err;
	const struct actor *outer = writing;
	writing = c->who;
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	/* derived first: the columns a permission scope reads (a version's owner, copied from
	 * its document) are derived ones; everything derive did rolls back if the guard says no */
	if ((err = declared_rules(c, e, NULL, r, now, ve)) && err != ERR_INVALID)
		goto fail;
	if (e->derive && (err = e->derive(c->db, c->a, NULL, r, ve)) && err != ERR_INVALID)
		goto fail;
	if (c->guard && (err = c->guard(c->guard_arg, e, NULL, r)))
		goto fail;
	if ((err = check_refs(c, r, ve)) || (err = check_unique(c, r, 0, ve)))
		goto fail;
	if (ve->n) {
		err = ERR_INVALID;
		goto fail;
	}
	if ((err = store_files(c, r)))
		goto fail;
	struct buf sql;
	struct binds bs = { 0 };
	buf_init(&sql, 0);
	buf_printf(&sql, "INSERT INTO %s (", e->plural);
	for (size_t i = 0; i < e->nfields; i++)
		buf_printf(&sql, "%s, ", e->fields[i].name);
	buf_adds(&sql, "version, created_at, updated_at) VALUES (");
	for (size_t i = 0; i < e->nfields; i++) {
		add_param(&sql, bind_add(&bs, &e->fields[i], &r->v[i]));
		buf_adds(&sql, ", ");
	}
	int pnow = bind_text(&bs, now);
	buf_printf(&sql, "1, $%d, $%d) RETURNING id", pnow, pnow);
	struct db_stmt *st = NULL;
	bool row = false;
	err = buf_failed(&sql) ? ERR_NOMEM : run(c->db, sql.p, &bs, &row, &st);
	buf_free(&sql);
	if (err)
		goto fail;
	r->id = row ? db_col_int(st, 0) : 0;
	db_done(st);
	assert(!row || r->id > 0);
	if (!r->id) {
		err = ERR_DB;
		goto fail;
	}
	if (e->after_write && (err = e->after_write(c->db, c->a, NULL, r, "create")))
		goto fail;
	if ((err = audit(c, "create", e, r->id, NULL, r, now)))
		goto fail;
	if ((err = tx_commit(c)))
		goto fail;
	*id = r->id;
	writing = outer;
	return ERR_OK;
fail:
	writing = outer;
	tx_rollback(c);
	if (err == ERR_CONFLICT && !ve->n)
		verrors_add(ve, NULL, "the record conflicts with another record");
	return err;
}

/* Writes merged over old (both loaded in this transaction) with one audit event named action:
 * derive, validate, then only the changed columns. Commits unless nothing changed. */
static enum err write_update(struct repo_ctx *c, const struct entity *e, int64_t id,
			     const struct record *old, struct record *merged,
			     const struct record *patch, const char *action, struct verrors *ve)
{
	assert(old->e == e && merged->e == e && old->id == id && db_in_tx(c->db));
	enum err err = ERR_OK;
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	if ((err = declared_rules(c, e, old, merged, now, ve)) && err != ERR_INVALID)
		return err;
	if (e->derive && (err = e->derive(c->db, c->a, old, merged, ve)) && err != ERR_INVALID)
		return err;
	for (size_t i = 0; i < e->nfields; i++)
		if ((e->fields[i].flags & FF_KEEP) && old->v[i].set && !old->v[i].null &&
		    !value_equal(&e->fields[i], &old->v[i], &merged->v[i]))
			verrors_add(ve, e->fields[i].name, "is kept as it was first given");
	model_validate(c->a, merged, ve);
	if ((err = check_refs(c, patch, ve)) || (err = check_unique(c, patch, id, ve)))
		return err;
	if (ve->n)
		return ERR_INVALID;
	bool changed = false;
	for (size_t i = 0; i < e->nfields; i++)
		if (!value_equal(&e->fields[i], &old->v[i], &merged->v[i]))
			changed = true;
	if (!changed) { /* nothing to write, nothing to audit */
		tx_rollback(c);
		return ERR_OK;
	}
	if ((err = store_files(c, merged)))
		return err;
	struct buf sql;
	struct binds bs = { 0 };
	buf_init(&sql, 0);
	buf_printf(&sql, "UPDATE %s SET ", e->plural);
	for (size_t i = 0; i < e->nfields; i++) {
		if (value_equal(&e->fields[i], &old->v[i], &merged->v[i]))
			continue;
		buf_printf(&sql, "%s = ", e->fields[i].name);
		add_param(&sql, bind_add(&bs, &e->fields[i], &merged->v[i]));
		buf_adds(&sql, ", ");
	}
	buf_adds(&sql, "version = version + 1, updated_at = ");
	add_param(&sql, bind_text(&bs, now));
	buf_adds(&sql, " WHERE id = ");
	add_param(&sql, bind_int(&bs, id));
	bool row;
	err = buf_failed(&sql) ? ERR_NOMEM : run(c->db, sql.p, &bs, &row, NULL);
	buf_free(&sql);
	if (err)
		return err;
	merged->id = id;
	if (e->after_write && (err = e->after_write(c->db, c->a, old, merged, action)))
		return err;
	if ((err = audit(c, action, e, id, old, merged, now)))
		return err;
	return tx_commit(c);
}

/* Loads (locked) and merges: fields set in patch over the stored ones. */
static enum err load_merged(struct repo_ctx *c, const struct entity *e, int64_t id,
			    const struct record *patch, struct record **old, struct record **merged)
{
	enum err err = load_row(c, e, id, true, old);
	if (err)
		return err;
	*merged = model_record_new(c->a, e);
	if (!*merged)
		return ERR_NOMEM;
	(*merged)->id = id;
	for (size_t i = 0; i < e->nfields; i++)
		(*merged)->v[i] = patch->v[i].set ? patch->v[i] : (*old)->v[i];
	return ERR_OK;
}

/* Begins the write: the transaction, the locked record merged with patch, the guard, then the
 * version (permission first: an invisible record must not reveal its version). On failure
 * the transaction is already rolled back. */
/* A user's change to a record in a frozen state (an approved SoA, a published version) is a
 * conflict whatever version it names; the system's own effects of a step (superseding a
 * published version) come without a guard and pass. */
static enum err check_frozen(struct repo_ctx *c, const struct record *old, struct verrors *ve)
{
	const char *st = c->guard ? model_frozen(old) : NULL;
	if (!st)
		return ERR_OK;
	if (ve)
		verrors_add(ve, old->e->workflow->state_field,
			    arena_printf(c->a, "is '%s': the record no longer changes", st));
	return ERR_CONFLICT;
}

static enum err begin_write(struct repo_ctx *c, const struct entity *e, int64_t id,
			    const struct record *patch, int64_t if_version, struct record **old,
			    struct record **merged, struct verrors *frozen_ve)
{
	enum err err = tx_begin(c);
	if (err)
		return err;
	if ((err = load_merged(c, e, id, patch, old, merged)))
		goto fail;
	if (c->guard && (err = c->guard(c->guard_arg, e, *old, *merged)))
		goto fail;
	if (frozen_ve && (err = check_frozen(c, *old, frozen_ve)))
		goto fail;
	if (if_version && (*old)->version != if_version) {
		err = ERR_PRECONDITION;
		goto fail;
	}
	return ERR_OK;
fail:
	tx_rollback(c);
	return err;
}

enum err repo_update(struct repo_ctx *c, const struct entity *e, int64_t id, struct record *patch,
		     int64_t if_version, struct verrors *ve)
{
	struct record *old, *merged;
	const struct actor *outer = writing;
	writing = c->who;
	enum err err = begin_write(c, e, id, patch, if_version, &old, &merged, ve);
	if (!err && (err = write_update(c, e, id, old, merged, patch, "update", ve)))
		tx_rollback(c);
	writing = outer;
	return err;
}

/* What a step declares (model.h): its per-step fields cleared unless given, its time and
 * taker stamped, then the fields it requires checked. */
static enum err step_rules(struct repo_ctx *c, const struct entity *e, const struct step *st,
			   const struct step_env *env, const struct record *inputs,
			   struct record *merged, struct verrors *ve)
{
	for (size_t i = 0; i < e->nfields; i++)
		if ((e->fields[i].flags & FF_PER_STEP) && !inputs->v[i].set)
			merged->v[i] = (struct value){ .set = true, .null = true };
	if (st->stamp_at) {
		int k = model_field_index(e, st->stamp_at);
		assert(k >= 0);
		merged->v[k] = (struct value){ .set = true, .s = env->now, .n = strlen(env->now) };
	}
	if (st->stamp_by) {
		int k = model_field_index(e, st->stamp_by);
		assert(k >= 0);
		const char *who = env->who && env->who->name ? env->who->name : "custos";
		merged->v[k] = e->fields[k].type == FT_REF
				       ? (struct value){ .set = true,
							 .null = !env->person_id,
							 .i = env->person_id }
				       : (struct value){ .set = true, .s = who, .n = strlen(who) };
	}
	for (const char *const *p = st->require; p && *p; p++) {
		const struct value *v = model_get(merged, *p);
		assert(v);
		if (!v->set || v->null || (v->s && !v->n))
			verrors_add(ve, *p, arena_printf(c->a, "is required to %s", st->name));
	}
	return ve->n ? ERR_INVALID : ERR_OK;
}

enum err repo_step(struct repo_ctx *c, const struct entity *e, int64_t id, const struct step *st,
		   const struct step_env *env, struct record *inputs, int64_t if_version,
		   struct verrors *ve)
{
	const struct workflow *w = e->workflow;
	int si = w ? model_field_index(e, w->state_field) : -1;
	if (si < 0)
		return ERR_NOT_FOUND;
	/* st is one of the register's steps, or one only the system takes (a risk's acceptance
	 * expiring): either way it names its states */
	assert(st && st->to && inputs && inputs->e == e && env && env->now);
	model_validate_inputs(c->a, inputs, st, ve);
	if (ve->n)
		return ERR_INVALID;
	struct record *old, *merged;
	const struct actor *outer = writing;
	enum err err = begin_write(c, e, id, inputs, if_version, &old, &merged, NULL);
	if (err)
		return err;
	if (!model_step_from(st, old)) {
		const struct value *sv = &old->v[si];
		verrors_add(ve, w->state_field,
			    arena_printf(c->a, "is '%s': '%s' cannot start from there",
					 sv->s ? sv->s : "", st->name));
		err = ERR_CONFLICT;
		goto fail;
	}
	merged->v[si] = (struct value){ .set = true, .s = st->to, .n = strlen(st->to) };
	struct step_env with_inputs = *env;
	with_inputs.inputs = inputs;
	writing = c->who;
	if ((err = step_rules(c, e, st, env, inputs, merged, ve)) ||
	    (st->apply && (err = st->apply(&with_inputs, old, merged, ve))))
		goto fail;
	if ((err = write_update(c, e, id, old, merged, inputs, st->name, ve)))
		goto fail;
	writing = outer;
	return ERR_OK;
fail:
	writing = outer;
	tx_rollback(c);
	return err;
}

/* Other records that point at (e, id) block its deletion. */
static enum err check_referrers(struct repo_ctx *c, const struct entity *e, int64_t id,
				struct verrors *ve)
{
	for (size_t k = 0; k < model_registry_count(); k++) {
		const struct entity *other = model_registry_at(k);
		for (size_t i = 0; i < other->nfields; i++) {
			const struct field *f = &other->fields[i];
			if (f->type != FT_REF || strcmp(f->ref, e->name) != 0)
				continue;
			char sql[200];
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s = $1",
				 other->plural, f->name);
			struct binds bs = { 0 };
			bind_int(&bs, id);
			struct db_stmt *st = NULL;
			bool row;
			enum err err = run(c->db, sql, &bs, &row, &st);
			if (err)
				return err;
			int64_t n = row ? db_col_int(st, 0) : 0;
			db_done(st);
			if (n > 0) {
				const char *m = arena_printf(
					c->a, "is still referenced by %lld %s (field %s)",
					(long long)n, n == 1 ? other->title : other->title_plural,
					f->name);
				verrors_add(ve, "id", m ? m : "is still referenced");
			}
		}
	}
	return ERR_OK;
}

enum err repo_delete(struct repo_ctx *c, const struct entity *e, int64_t id, int64_t if_version,
		     struct verrors *ve)
{
	enum err err = tx_begin(c);
	if (err)
		return err;
	struct record *old;
	if ((err = load_row(c, e, id, true, &old)))
		goto fail;
	if (c->guard && (err = c->guard(c->guard_arg, e, old, NULL)))
		goto fail;
	if ((err = check_frozen(c, old, ve)))
		goto fail;
	if (if_version && old->version != if_version) {
		err = ERR_PRECONDITION;
		goto fail;
	}
	if ((err = check_referrers(c, e, id, ve)))
		goto fail;
	if (!ve->n && e->can_delete && (err = e->can_delete(c->db, old, ve)))
		goto fail;
	if (ve->n) {
		err = ERR_CONFLICT;
		goto fail;
	}
	char sql[160];
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = $1", e->plural);
	struct binds bs = { 0 };
	bind_int(&bs, id);
	bool row;
	if ((err = run(c->db, sql, &bs, &row, NULL)))
		goto fail;
	if ((err = audit(c, "delete", e, id, old, NULL, NULL)))
		goto fail;
	if ((err = tx_commit(c)))
		goto fail;
	return ERR_OK;
fail:
	tx_rollback(c);
	if (err == ERR_CONFLICT && !ve->n)
		verrors_add(ve, "id", "is still referenced by other records");
	return err;
}

/* ---- lists ---- */

void list_query_init(struct list_query *lq)
{
	memset(lq, 0, sizeof(*lq));
	lq->limit = LIST_DEFAULT_LIMIT;
}

static enum err parse_sort(struct arena *a, const struct entity *e, struct list_query *lq,
			   const char *value, const char **why)
{
	lq->nsort = 0;
	const char *p = value;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		bool desc = false;
		if (n && (*p == '-' || *p == '+')) {
			desc = *p == '-';
			p++;
			n--;
		}
		char *name = arena_strndup(a, p, n);
		const struct field *f = name && n ? model_field(e, name) : NULL;
		if (!f || !model_field_filterable(f)) {
			*why = arena_printf(a, "cannot sort by '%s'", name ? name : "");
			return ERR_BAD_REQUEST;
		}
		for (size_t i = 0; i < lq->nsort; i++)
			if (lq->sort[i].f == f) {
				*why = arena_printf(a, "sorts by '%s' twice", name);
				return ERR_BAD_REQUEST;
			}
		if (lq->nsort == LIST_MAX_SORT) {
			*why = "sorts by more than 4 fields";
			return ERR_BAD_REQUEST;
		}
		lq->sort[lq->nsort].f = f;
		lq->sort[lq->nsort].desc = desc;
		lq->nsort++;
		if (!end)
			break;
		p = end + 1;
		if (!*p) {
			*why = "ends with a comma";
			return ERR_BAD_REQUEST;
		}
	}
	return ERR_OK;
}

enum err list_query_param(struct arena *a, const struct entity *e, struct list_query *lq,
			  const char *name, const char *value, const char **why)
{
	size_t vlen = strlen(value);
	if (!*name && !vlen)
		return ERR_OK; /* "?&limit=5": an empty pair is no parameter */
	if (!str_valid_utf8(value, vlen)) {
		*why = "is not valid UTF-8";
		return ERR_BAD_REQUEST;
	}
	if (strcmp(name, "q") == 0) {
		if (str_utf8_len(value, vlen) > LIST_MAX_Q) {
			*why = "is longer than 200 characters";
			return ERR_BAD_REQUEST;
		}
		lq->q = value;
		return ERR_OK;
	}
	if (strcmp(name, "limit") == 0) {
		int64_t n;
		if (!str_parse_i64(value, &n) || n < 1 || n > LIST_MAX_LIMIT) {
			*why = "must be a number from 1 to 500";
			return ERR_BAD_REQUEST;
		}
		lq->limit = (int)n;
		return ERR_OK;
	}
	if (strcmp(name, "cursor") == 0) {
		lq->cursor = value;
		return ERR_OK;
	}
	if (strcmp(name, "sort") == 0)
		return parse_sort(a, e, lq, value, why);

	/* a filter: field, field.gte or field.lte */
	enum filter_op op = FILTER_EQ;
	const char *dot = strchr(name, '.');
	char *fname = arena_strndup(a, name, dot ? (size_t)(dot - name) : strlen(name));
	if (!fname)
		return ERR_NOMEM;
	if (dot) {
		if (strcmp(dot, ".gte") == 0)
			op = FILTER_GTE;
		else if (strcmp(dot, ".lte") == 0)
			op = FILTER_LTE;
		else {
			*why = "is not a known parameter (filters are field, field.gte, field.lte)";
			return ERR_BAD_REQUEST;
		}
	}
	const struct field *f = model_field(e, fname);
	if (!f || !model_field_filterable(f)) {
		*why = "is not a known parameter or filterable field";
		return ERR_BAD_REQUEST;
	}
	if (op != FILTER_EQ && (f->type == FT_BOOL || f->type == FT_ENUM || f->type == FT_REF)) {
		*why = "ranges apply to numbers, dates and text only";
		return ERR_BAD_REQUEST;
	}
	for (size_t i = 0; i < lq->nfilters; i++)
		if (lq->filters[i].f == f && lq->filters[i].op == op) {
			*why = "is given twice";
			return ERR_BAD_REQUEST;
		}
	if (lq->nfilters == LIST_MAX_FILTERS) {
		*why = "too many filters";
		return ERR_BAD_REQUEST;
	}
	struct list_filter *flt = &lq->filters[lq->nfilters];
	flt->f = f;
	flt->op = op;
	flt->nvals = 0;
	/* "a,b,c" means any of them for exact matches on enums and references */
	/* text may itself hold commas, so only typed values take a list */
	bool multi = op == FILTER_EQ && f->type != FT_TEXT && f->type != FT_EMAIL;
	const char *p = value;
	for (;;) {
		const char *end = multi ? strchr(p, ',') : NULL;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (flt->nvals == LIST_MAX_VALUES) {
			*why = "has more than 20 values";
			return ERR_BAD_REQUEST;
		}
		struct value *v = &flt->vals[flt->nvals++];
		if (op == FILTER_EQ && n == 4 && memcmp(p, "null", 4) == 0) {
			memset(v, 0, sizeof(*v));
			v->set = v->null = true;
		} else if (!model_parse_text(a, f, p, n, v, why)) {
			return ERR_BAD_REQUEST;
		} else if (f->type == FT_ENUM && !model_choice(f, v->s)) {
			*why = "is not one of the field's values";
			return ERR_BAD_REQUEST;
		}
		if (!end)
			break;
		p = end + 1;
	}
	lq->nfilters++;
	return ERR_OK;
}

static void where_clause(enum db_dialect d, const struct entity *e, const struct list_query *lq,
			 struct arena *a, struct buf *sql, struct binds *bs)
{
	buf_adds(sql, " WHERE 1=1");
	if (lq->scoped && !(lq->scope & SCOPE_ALL)) {
		/* own and department scopes, from the entity's columns; nothing else matches */
		buf_adds(sql, " AND (1=0");
		if ((lq->scope & SCOPE_OWN) && e->own_column && lq->scope_person) {
			buf_printf(sql, " OR %s = ", e->own_column);
			add_param(sql, bind_int(bs, lq->scope_person));
		}
		if ((lq->scope & SCOPE_DEPT) && e->dept_column && lq->scope_department) {
			buf_printf(sql, " OR %s = ", e->dept_column);
			add_param(sql, bind_int(bs, lq->scope_department));
		}
		buf_addc(sql, ')');
	}
	for (size_t i = 0; i < lq->nfilters; i++) {
		const struct list_filter *flt = &lq->filters[i];
		const char *col = flt->f->name;
		if (flt->op != FILTER_EQ) {
			buf_printf(sql, " AND %s %s ", col, flt->op == FILTER_GTE ? ">=" : "<=");
			add_param(sql, bind_add(bs, flt->f, &flt->vals[0]));
			continue;
		}
		buf_adds(sql, " AND (");
		bool first = true;
		for (size_t k = 0; k < flt->nvals; k++) {
			if (!first)
				buf_adds(sql, " OR ");
			first = false;
			if (flt->vals[k].null) {
				buf_printf(sql, "%s IS NULL", col);
			} else {
				buf_printf(sql, "%s = ", col);
				add_param(sql, bind_add(bs, flt->f, &flt->vals[k]));
			}
		}
		buf_addc(sql, ')');
	}
	bool searchable = false;
	for (size_t i = 0; i < e->nfields; i++)
		searchable = searchable || (e->fields[i].flags & FF_SEARCH);
	if (lq->q && *lq->q && !searchable) {
		buf_adds(sql, " AND 1=0"); /* nothing to search in: nothing matches */
	} else if (lq->q && *lq->q) {
		/* substring match; % _ and \ in the user's text are escaped */
		size_t n = strlen(lq->q);
		char *pat = arena_alloc(a, n * 2 + 3);
		if (!pat) {
			sql->failed = true;
			return;
		}
		size_t o = 0;
		pat[o++] = '%';
		for (size_t i = 0; i < n; i++) {
			if (lq->q[i] == '%' || lq->q[i] == '_' || lq->q[i] == '\\')
				pat[o++] = '\\';
			pat[o++] = lq->q[i];
		}
		pat[o++] = '%';
		pat[o] = '\0';
		int pn = bind_text(bs, pat);
		buf_adds(sql, " AND (");
		bool first = true;
		for (size_t i = 0; i < e->nfields; i++) {
			if (!(e->fields[i].flags & FF_SEARCH))
				continue;
			if (!first)
				buf_adds(sql, " OR ");
			first = false;
			buf_printf(sql, "%s %s $%d ESCAPE '\\'", e->fields[i].name,
				   d == DB_POSTGRES ? "ILIKE" : "LIKE", pn);
		}
		if (first)
			buf_adds(sql, "1=0");
		buf_addc(sql, ')');
	}
}

/* The sort spec as text, stored in the cursor so a cursor cannot be replayed on another sort. */
static void sort_spec(const struct list_query *lq, struct buf *b)
{
	for (size_t i = 0; i < lq->nsort; i++) {
		if (i)
			buf_addc(b, ',');
		if (lq->sort[i].desc)
			buf_addc(b, '-');
		buf_adds(b, lq->sort[i].f->name);
	}
}

/* Keys after the sort keys always end with id, which makes the order total. */
struct cursor {
	size_t n;
	struct value v[LIST_MAX_SORT + 1];
};

static bool cursor_decode(struct arena *a, const struct list_query *lq, const char *text,
			  struct cursor *cur)
{
	size_t tn = strlen(text);
	if (tn == 0 || tn > 4096)
		return false;
	unsigned char *raw = arena_alloc(a, tn);
	size_t rn = 0;
	if (!raw || sodium_base642bin(raw, tn, text, tn, NULL, &rn, NULL,
				      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return false;
	json_error_t jerr;
	json_t *j = json_loadb((const char *)raw, rn, JSON_REJECT_DUPLICATES, &jerr);
	bool ok = false;
	struct buf spec;
	buf_init(&spec, 4096);
	sort_spec(lq, &spec);
	json_t *s = json_object_get(j, "s"), *k = json_object_get(j, "k");
	if (!json_is_string(s) || strcmp(json_string_value(s), buf_cstr(&spec)) != 0 ||
	    !json_is_array(k) || json_array_size(k) != lq->nsort + 1)
		goto out;
	cur->n = lq->nsort + 1;
	for (size_t i = 0; i < cur->n; i++) {
		json_t *x = json_array_get(k, i);
		const struct field *f = i < lq->nsort ? lq->sort[i].f : &model_system_fields[0];
		struct value *v = &cur->v[i];
		memset(v, 0, sizeof(*v));
		v->set = true;
		if (json_is_null(x) && i < lq->nsort) {
			v->null = true;
		} else if (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL) {
			if (!json_is_integer(x))
				goto out;
			v->i = json_integer_value(x);
		} else {
			if (!json_is_string(x))
				goto out;
			v->s = arena_strndup(a, json_string_value(x), json_string_length(x));
			v->n = json_string_length(x);
			if (!v->s)
				goto out;
		}
	}
	ok = true;
out:
	buf_free(&spec);
	json_decref(j);
	return ok;
}

static char *cursor_encode(struct arena *a, const struct list_query *lq, struct db_stmt *st,
			   int firstcol)
{
	struct buf b;
	buf_init(&b, 8192);
	buf_adds(&b, "{\"s\":");
	struct buf spec;
	buf_init(&spec, 4096);
	sort_spec(lq, &spec);
	buf_add_json_str(&b, buf_cstr(&spec), spec.len);
	buf_free(&spec);
	buf_adds(&b, ",\"k\":[");
	for (size_t i = 0; i <= lq->nsort; i++) {
		int col = firstcol + (int)i;
		const struct field *f = i < lq->nsort ? lq->sort[i].f : &model_system_fields[0];
		if (i)
			buf_addc(&b, ',');
		if (db_col_null(st, col)) {
			buf_adds(&b, "null");
		} else if (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL) {
			buf_add_i64(&b, db_col_int(st, col));
		} else {
			size_t n;
			const char *s = db_col_text(st, col, &n);
			buf_add_json_str(&b, s ? s : "", n);
		}
	}
	buf_adds(&b, "]}");
	char *out = NULL;
	if (!buf_failed(&b)) {
		size_t len =
			sodium_base64_ENCODED_LEN(b.len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		out = arena_alloc(a, len);
		if (out)
			sodium_bin2base64(out, len, (const unsigned char *)b.p, b.len,
					  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	}
	buf_free(&b);
	return out;
}

/* (k1, k2, ..., id) strictly after the cursor, in the list's order; NULL sorts first. */
static void cursor_clause(const struct list_query *lq, const struct cursor *cur, struct buf *sql,
			  struct binds *bs)
{
	buf_adds(sql, " AND (");
	for (size_t j = 0; j < cur->n; j++) {
		if (j)
			buf_adds(sql, " OR ");
		buf_addc(sql, '(');
		for (size_t i = 0; i < j; i++) {
			const struct field *f = lq->sort[i].f;
			if (cur->v[i].null) {
				buf_printf(sql, "%s IS NULL AND ", f->name);
			} else {
				buf_printf(sql, "%s = ", f->name);
				add_param(sql, bind_add(bs, f, &cur->v[i]));
				buf_adds(sql, " AND ");
			}
		}
		const struct field *f = j < lq->nsort ? lq->sort[j].f : &model_system_fields[0];
		bool desc = j < lq->nsort && lq->sort[j].desc;
		if (cur->v[j].null) {
			if (desc)
				buf_adds(sql, "1=0");
			else
				buf_printf(sql, "%s IS NOT NULL", f->name);
		} else if (desc) {
			buf_printf(sql, "(%s < ", f->name);
			add_param(sql, bind_add(bs, f, &cur->v[j]));
			buf_printf(sql, " OR %s IS NULL)", f->name);
		} else {
			buf_printf(sql, "%s > ", f->name);
			add_param(sql, bind_add(bs, f, &cur->v[j]));
		}
		buf_addc(sql, ')');
	}
	buf_addc(sql, ')');
}

/* ---- list totals, cached per thread until the register changes ---- */

#define TOTAL_CACHE 64

struct total_entry {
	unsigned char key[16]; /* BLAKE2b-128 of the count query and its parameters */
	int64_t regver;
	int64_t total;
	bool used;
};

static __thread struct total_entry total_cache[TOTAL_CACHE];
static __thread unsigned total_next;

static void total_key(const char *sql, const struct binds *bs, unsigned char key[16])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, (const unsigned char *)sql, strlen(sql) + 1);
	for (int i = 0; i < bs->n; i++) {
		const struct bind *b = &bs->b[i];
		unsigned char tag = b->is_null ? 'n' : b->is_int ? 'i' : 's';
		uint64_t len = b->is_int ? sizeof(b->i) : b->len;
		crypto_generichash_update(&st, &tag, 1);
		crypto_generichash_update(&st, (const unsigned char *)&len, sizeof(len));
		if (b->is_int)
			crypto_generichash_update(&st, (const unsigned char *)&b->i, sizeof(b->i));
		else if (!b->is_null)
			crypto_generichash_update(&st, (const unsigned char *)b->s, b->len);
	}
	crypto_generichash_final(&st, key, 16);
}

static enum err register_version(struct repo_ctx *c, const struct entity *e, int64_t *v)
{
	struct binds bs = { 0 };
	bind_text(&bs, e->name);
	struct db_stmt *st = NULL;
	bool row;
	enum err err = run(c->db, "SELECT version FROM register_versions WHERE entity = $1", &bs,
			   &row, &st);
	if (err)
		return err;
	*v = row ? db_col_int(st, 0) : 0;
	db_done(st);
	return ERR_OK;
}

/* count(*) for the query, from the cache when the register has not changed since. */
static enum err list_total(struct repo_ctx *c, const struct entity *e, const char *sql,
			   const struct binds *bs, int64_t *total)
{
	int64_t regver;
	enum err err = register_version(c, e, &regver);
	if (err)
		return err;
	unsigned char key[16];
	total_key(sql, bs, key);
	for (unsigned i = 0; i < TOTAL_CACHE; i++) {
		struct total_entry *t = &total_cache[i];
		if (t->used && t->regver == regver && memcmp(t->key, key, 16) == 0) {
			*total = t->total;
			return ERR_OK;
		}
	}
	struct db_stmt *st = NULL;
	bool row;
	if ((err = run(c->db, sql, bs, &row, &st)))
		return err;
	*total = row ? db_col_int(st, 0) : 0;
	db_done(st);
	struct total_entry *t = &total_cache[total_next++ % TOTAL_CACHE];
	memcpy(t->key, key, 16);
	t->regver = regver;
	t->total = *total;
	t->used = true;
	return ERR_OK;
}

/* One row's JSON: from the cache when (id, version) is there, else read, rendered and cached.
 * Runs inside the list's read transaction, so the row read is the version the list saw. */
static enum err row_json_cached(struct repo_ctx *c, const struct entity *e, int64_t id,
				int64_t version, struct buf *out)
{
	if (rowcache_get(e, id, version, out))
		return ERR_OK;
	size_t start = out->len;
	int64_t v = 0;
	enum err err = repo_read_json(c, e, id, out, &v);
	if (!err && v == version && !buf_failed(out))
		rowcache_put(e, id, version, out->p + start, out->len - start);
	return err;
}

enum err repo_count(struct repo_ctx *c, const struct entity *e, const struct list_query *lq,
		    int64_t *total)
{
	struct binds *bs = binds_new(c->a);
	if (!bs)
		return ERR_NOMEM;
	struct buf sql;
	buf_init(&sql, 0);
	buf_printf(&sql, "SELECT count(*) FROM %s", e->plural);
	where_clause(db_dialect(c->db), e, lq, c->a, &sql, bs);
	enum err err =
		buf_failed(&sql) || bs->overflow ? ERR_NOMEM : list_total(c, e, sql.p, bs, total);
	buf_free(&sql);
	return err;
}

enum err repo_list_json(struct repo_ctx *c, const struct entity *e, const struct list_query *lq0,
			struct buf *out, const char **why)
{
	enum db_dialect d = db_dialect(c->db);
	struct list_query *lq = arena_alloc(c->a, sizeof(*lq));
	if (!lq)
		return ERR_NOMEM;
	*lq = *lq0;
	if (lq->nsort == 0 && e->default_sort) {
		const char *w = NULL;
		enum err se = parse_sort(c->a, e, lq, e->default_sort, &w);
		if (se)
			return ERR_INTERNAL;
	}
	struct cursor cur = { 0 };
	if (lq->cursor && !cursor_decode(c->a, lq, lq->cursor, &cur)) {
		*why = "is not a cursor from this list (same filters and sort)";
		return ERR_BAD_REQUEST;
	}

	enum err err = db_begin_read(c->db); /* the page and its total from one snapshot */
	if (err)
		return err;
	struct buf sql;
	struct binds *bs = binds_new(c->a);
	struct db_stmt *st = NULL;
	buf_init(&sql, 0);
	if (!bs) {
		err = ERR_NOMEM;
		goto done;
	}

	/* the total ignores the cursor */
	buf_printf(&sql, "SELECT count(*) FROM %s", e->plural);
	where_clause(d, e, lq, c->a, &sql, bs);
	bool row;
	int64_t total = 0;
	err = buf_failed(&sql) || bs->overflow ? ERR_NOMEM : list_total(c, e, sql.p, bs, &total);
	if (err)
		goto done;

	buf_reset(&sql);
	bs->n = 0;
	bs->overflow = false;
	/* ids, versions and sort keys only: rows come from the row cache, or one by one below */
	buf_adds(&sql, "SELECT id, version");
	for (size_t i = 0; i < lq->nsort; i++)
		buf_printf(&sql, ", %s", lq->sort[i].f->name);
	buf_printf(&sql, ", id FROM %s", e->plural);
	int keycol = 2; /* first sort column */
	where_clause(d, e, lq, c->a, &sql, bs);
	if (lq->cursor)
		cursor_clause(lq, &cur, &sql, bs);
	buf_adds(&sql, " ORDER BY ");
	for (size_t i = 0; i < lq->nsort; i++) {
		const char *dir = lq->sort[i].desc ? " DESC" : "";
		const char *nulls =
			d == DB_POSTGRES ? (lq->sort[i].desc ? " NULLS LAST" : " NULLS FIRST") : "";
		buf_printf(&sql, "%s%s%s, ", lq->sort[i].f->name, dir, nulls);
	}
	buf_adds(&sql, "id LIMIT ");
	add_param(&sql, bind_int(bs, lq->limit + 1));
	if (buf_failed(&sql) || bs->overflow) {
		err = ERR_NOMEM;
		goto done;
	}
	if ((err = db_prepare(c->db, sql.p, &st)))
		goto done;
	binds_apply(st, bs);
	buf_adds(out, "{\"items\":[");
	int count = 0;
	char *next = NULL;
	while ((err = db_step(st, &row)) == ERR_OK && row) {
		if (count == lq->limit) {
			break; /* one more row than asked: there is a next page */
		}
		if (count)
			buf_addc(out, ',');
		if ((err = row_json_cached(c, e, db_col_int(st, 0), db_col_int(st, 1), out)))
			goto done;
		count++;
		if (count == lq->limit)
			next = cursor_encode(c->a, lq, st, keycol);
	}
	if (err)
		goto done;
	if (!row)
		next = NULL; /* the page ended before the extra row: no next page */
	buf_adds(out, "],\"next\":");
	if (next)
		buf_add_json_str(out, next, strlen(next));
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"total\":");
	buf_add_i64(out, total);
	buf_addc(out, '}');
	if (buf_failed(out))
		err = ERR_NOMEM;
done:
	db_done(st);
	db_rollback(c->db);
	buf_free(&sql);
	return err;
}

enum err repo_labels(struct repo_ctx *c, const struct entity *e, const struct list_query *lq,
		     const int64_t *ids, size_t n,
		     void (*fn)(void *arg, int64_t id, const char *label), void *arg)
{
	assert(n <= REPO_LABELS_MAX);
	if (!n || !e->label_field)
		return ERR_OK;
	struct binds *bs = binds_new(c->a);
	if (!bs)
		return ERR_NOMEM;
	struct buf sql;
	buf_init(&sql, 0);
	buf_printf(&sql, "SELECT id, %s, %s FROM %s", e->label_field,
		   e->label_prefix ? e->label_prefix : "NULL", e->plural);
	/* the list's own conditions, its permission scope first: a label is read as a list is */
	where_clause(db_dialect(c->db), e, lq, c->a, &sql, bs);
	buf_adds(&sql, " AND id IN (");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(&sql, ", ");
		add_param(&sql, bind_int(bs, ids[i]));
	}
	buf_addc(&sql, ')');
	struct db_stmt *st = NULL;
	bool row = false;
	enum err err =
		buf_failed(&sql) || bs->overflow ? ERR_NOMEM : run(c->db, sql.p, bs, &row, &st);
	buf_free(&sql);
	while (!err && row) {
		int64_t id = db_col_int(st, 0);
		const char *l = db_col_null(st, 1) ? NULL : db_col_text(st, 1, NULL);
		const char *p = db_col_null(st, 2) ? NULL : db_col_text(st, 2, NULL);
		if (e->id_prefix) /* a register quoted by number: "INC-00012 Laptop lost" */
			p = model_reference(c->a, e, id);
		fn(arg, id,
		   !l || !*l ? arena_printf(c->a, "#%lld", (long long)id)
		   : p && *p ? arena_printf(c->a, "%s %s", p, l)
			     : arena_strdup(c->a, l));
		err = db_step(st, &row);
	}
	if (st)
		db_done(st);
	return err;
}
