/* verify.c - replay of the audit trail against the stored rows, one record at a time: rows are
 * read in id order and events in (id, seq) order, so memory stays one record whatever the size.
 * Registers are compared field by field, with their version (one per event since the record
 * was created) and times (those of its first and last event); the security records through
 * their snapshots (core/secaudit.c), which hold their counters themselves. */
#include "core/verify.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/model.h"
#include "core/secaudit.h"
#include "util/timeutil.h"
#include "util/buf.h"

static void report(struct verify_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct verify_result *r, const char *fmt, ...)
{
	r->mismatches++;
	if (r->nreported >= VERIFY_MAX_REPORTED)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reported[r->nreported++], sizeof(r->reported[0]), fmt, ap);
	va_end(ap);
}

/* The row at the cursor as {"field": value}, typed like the audit changes. */
static json_t *row_state(struct db_stmt *st, const struct entity *e)
{
	json_t *o = json_object();
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		int col = (int)i + 1;
		json_t *v;
		if (db_col_null(st, col))
			v = json_null();
		else if (f->type == FT_BOOL)
			v = json_boolean(db_col_int(st, col));
		else if (f->type == FT_INT || f->type == FT_REF)
			v = json_integer(db_col_int(st, col));
		else if (f->type == FT_FILE) {
			size_t n;
			const char *s = db_col_text(st, col, &n);
			struct value fv = { .set = true, .s = s, .n = n };
			v = model_value_json(f, &fv);
		} else {
			size_t n;
			const char *s = db_col_text(st, col, &n);
			v = json_stringn(s ? s : "", n);
		}
		json_object_set_new(o, f->name, v);
	}
	return o;
}

/* Applies one event's "after" values to state; returns false when the event is malformed. */
static bool apply(json_t *state, const char *changes)
{
	json_t *ch = json_loads(changes, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(ch)) {
		json_decref(ch);
		return false;
	}
	const char *k;
	json_t *pair;
	bool ok = true;
	json_object_foreach(ch, k, pair)
	{
		if (!json_is_array(pair) || json_array_size(pair) != 2) {
			ok = false;
			break;
		}
		json_object_set(state, k, json_array_get(pair, 1));
	}
	json_decref(ch);
	return ok;
}

/* The first field where the row and the replayed state differ, or NULL. */
static const char *first_difference(const struct entity *e, json_t *row, json_t *state)
{
	for (size_t i = 0; i < e->nfields; i++) {
		json_t *a = json_object_get(row, e->fields[i].name);
		json_t *b = json_object_get(state, e->fields[i].name);
		if (!b)
			b = json_null();
		if (!json_equal(a, b))
			return e->fields[i].name;
	}
	return NULL;
}

/* The first key where two objects differ (either may lack it), or NULL. */
static const char *first_key_difference(json_t *a, json_t *b)
{
	const char *k;
	json_t *v;
	json_object_foreach(a, k, v)
	{
		json_t *w = json_object_get(b, k);
		if (!json_equal(v, w ? w : json_null()))
			return k;
	}
	json_object_foreach(b, k, v) if (!json_object_get(a, k) && !json_is_null(v)) return k;
	return NULL;
}

/* What replaying one record's events gave. */
struct replayed {
	json_t *state; /* NULL: never created */
	bool deleted, broken;
	int64_t events;			/* since the last create */
	char first_at[32], last_at[32]; /* of the create and of the last event */
};

/* A stored record read at the rows cursor. */
struct stored {
	json_t *state;
	/* registers: the columns the events are counted against; unset for snapshots */
	bool stamps;
	int64_t version;
	const char *created_at, *updated_at;
};

/* Where the stored records of one kind come from. */
struct source {
	const char *entity; /* the events' entity */
	const char *label;  /* how a report names it */
	int64_t *count;	    /* where the records compared are counted */
	/* the stored record at the cursor of rows (column 0 is the id) */
	enum err (*read)(struct db *db, struct db_stmt *rows, const void *arg, struct stored *out);
	const void *arg;
	/* the fields compared (registers); NULL: every key of the snapshot */
	const struct entity *fields;
};

static enum err read_register(struct db *db, struct db_stmt *rows, const void *arg,
			      struct stored *out)
{
	(void)db;
	const struct entity *e = arg;
	int base = (int)e->nfields + 1;
	out->state = row_state(rows, e);
	out->stamps = true;
	out->version = db_col_int(rows, base);
	out->created_at = db_col_text(rows, base + 1, NULL);
	out->updated_at = db_col_text(rows, base + 2, NULL);
	return out->state ? ERR_OK : ERR_NOMEM;
}

static enum err read_secure(struct db *db, struct db_stmt *rows, const void *arg,
			    struct stored *out)
{
	const enum secaudit_kind *k = arg;
	return secaudit_state(db, *k, db_col_int(rows, 0), &out->state);
}

/* Whether a stored time is that of its event: the row's is taken first, in the same
 * transaction, so it is the event's or (for a trail written before the two were one value) at
 * most a second earlier. */
static bool same_time(const char *row, const char *event)
{
	int64_t r, e;
	if (!row || !time_parse_iso(row, strlen(row), &r) ||
	    !time_parse_iso(event, strlen(event), &e))
		return false;
	return r <= e && e - r <= 1;
}

static void compare(const struct source *src, int64_t id, const struct stored *row,
		    const struct replayed *rp, struct verify_result *res)
{
	const char *diff;
	if (!rp->state)
		report(res, "%s %lld: stored, but the audit trail never created it", src->label,
		       (long long)id);
	else if (rp->broken)
		report(res, "%s %lld: its audit events cannot be replayed", src->label,
		       (long long)id);
	else if (rp->deleted)
		report(res, "%s %lld: stored, but the audit trail deleted it", src->label,
		       (long long)id);
	else if ((diff = src->fields ? first_difference(src->fields, row->state, rp->state)
				     : first_key_difference(row->state, rp->state)))
		report(res, "%s %lld: field %s differs from its audit history", src->label,
		       (long long)id, diff);
	else if (row->stamps && row->version != rp->events)
		report(res, "%s %lld: version %lld, but its audit history has %lld change(s)",
		       src->label, (long long)id, (long long)row->version, (long long)rp->events);
	else if (row->stamps && !same_time(row->created_at, rp->first_at))
		report(res, "%s %lld: created_at differs from its audit history", src->label,
		       (long long)id);
	else if (row->stamps && !same_time(row->updated_at, rp->last_at))
		report(res, "%s %lld: updated_at differs from its audit history", src->label,
		       (long long)id);
}

static void copy_time(char out[32], const char *at)
{
	snprintf(out, 32, "%s", at ? at : "");
}

/* Replays the events at the cursor that belong to record id, advancing the cursor. */
static enum err replay(struct db_stmt *ev, bool *have_ev, int64_t id, struct replayed *rp)
{
	enum err err = ERR_OK;
	while (*have_ev && db_col_int(ev, 0) == id) {
		const char *action = db_col_text(ev, 1, NULL);
		const char *changes = db_col_text(ev, 2, NULL);
		const char *at = db_col_text(ev, 4, NULL);
		/* a baseline restates a security record whole: replay starts again from it */
		if (action && (strcmp(action, "create") == 0 || strcmp(action, "baseline") == 0)) {
			json_decref(rp->state);
			rp->state = json_object();
			rp->deleted = false;
			rp->events = 0;
			copy_time(rp->first_at, at);
		}
		if (!rp->state || !changes || !apply(rp->state, changes))
			rp->broken = true;
		if (action && strcmp(action, "delete") == 0)
			rp->deleted = true;
		rp->events++;
		copy_time(rp->last_at, at);
		if ((err = db_step(ev, have_ev)))
			break;
	}
	return err;
}

static enum err verify_source(struct db *db, const struct source *src, const char *rows_sql,
			      struct verify_result *res)
{
	struct db_stmt *rows = NULL, *ev = NULL;
	enum err err = db_prepare(db, rows_sql, &rows);
	if (err)
		return err;
	if ((err = db_prepare(
		     db,
		     "SELECT entity_id, action, changes, seq, at FROM audit_events"
		     " WHERE entity = $1 AND entity_id IS NOT NULL ORDER BY entity_id, seq",
		     &ev))) {
		db_done(rows);
		return err;
	}
	db_bind_str(ev, 1, src->entity);

	bool have_row, have_ev;
	if ((err = db_step(rows, &have_row)) || (err = db_step(ev, &have_ev)))
		goto done;
	while (have_row || have_ev) {
		int64_t rid = have_row ? db_col_int(rows, 0) : INT64_MAX;
		int64_t eid = have_ev ? db_col_int(ev, 0) : INT64_MAX;
		int64_t id = rid < eid ? rid : eid;
		struct replayed rp = { 0 };
		if ((err = replay(ev, &have_ev, id, &rp))) {
			json_decref(rp.state);
			goto done;
		}
		if (rid == id) {
			(*src->count)++;
			struct stored row = { 0 };
			if ((err = src->read(db, rows, src->arg, &row))) {
				json_decref(rp.state);
				goto done;
			}
			compare(src, id, &row, &rp, res);
			json_decref(row.state);
			err = db_step(rows, &have_row);
		} else if (rp.state && !rp.deleted) {
			report(res, "%s %lld: the audit trail has it, but it is not stored",
			       src->label, (long long)id);
		}
		json_decref(rp.state);
		if (err)
			goto done;
	}
done:
	db_done(ev);
	db_done(rows);
	return err;
}

static enum err verify_entity(struct db *db, const struct entity *e, struct verify_result *res)
{
	struct buf sql;
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT id");
	for (size_t i = 0; i < e->nfields; i++)
		buf_printf(&sql, ", %s", e->fields[i].name);
	buf_printf(&sql, ", version, created_at, updated_at FROM %s ORDER BY id", e->plural);
	struct source src = { e->name, e->name, &res->records, read_register, e, e };
	enum err err = buf_failed(&sql) ? ERR_NOMEM : verify_source(db, &src, sql.p, res);
	buf_free(&sql);
	return err;
}

/* The settings are one record without an id: its events replayed from no setting made. */
static enum err verify_settings(struct db *db, struct verify_result *res)
{
	struct db_stmt *ev;
	enum err err = db_prepare(db,
				  "SELECT action, changes FROM audit_events WHERE entity = $1"
				  " AND entity_id IS NULL ORDER BY seq",
				  &ev);
	if (err)
		return err;
	db_bind_str(ev, 1, secaudit_entity(SEC_SETTINGS));
	json_t *state = json_pack("{s:[]}", "mfa_required_roles");
	bool have, broken = false;
	while ((err = db_step(ev, &have)) == ERR_OK && have) {
		const char *changes = db_col_text(ev, 1, NULL);
		if (!changes || !apply(state, changes))
			broken = true;
	}
	db_done(ev);
	json_t *now = NULL;
	if (!err)
		err = secaudit_state(db, SEC_SETTINGS, 0, &now);
	const char *diff;
	if (!err) {
		if (broken)
			report(res, "settings: their audit events cannot be replayed");
		else if ((diff = first_key_difference(now, state)))
			report(res, "settings: %s differs from its audit history", diff);
	}
	json_decref(now);
	json_decref(state);
	return err;
}

enum err verify_records(struct db *db, struct verify_result *res)
{
	memset(res, 0, sizeof(*res));
	enum err err = db_begin_read(db); /* rows and events from one snapshot */
	if (err)
		return err;
	for (size_t i = 0; i < model_registry_count() && !err; i++)
		err = verify_entity(db, model_registry_at(i), res);
	static const enum secaudit_kind kinds[] = { SEC_USER, SEC_TOKEN };
	static const char *const labels[] = { "account", "API token" };
	int64_t *counts[] = { &res->accounts, &res->tokens };
	for (size_t i = 0; i < 2 && !err; i++) {
		struct source src = { secaudit_entity(kinds[i]),
				      labels[i],
				      counts[i],
				      read_secure,
				      &kinds[i],
				      NULL };
		err = verify_source(db, &src, secaudit_ids_sql(kinds[i]), res);
	}
	if (!err)
		err = verify_settings(db, res);
	db_rollback(db);
	return err;
}
