/* verify.c - replay of the audit trail against the stored rows, one record at a time: rows are
 * read in id order and events in (id, seq) order, so memory stays one record whatever the size. */
#include "core/verify.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/model.h"
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

static enum err verify_entity(struct db *db, const struct entity *e, struct verify_result *res)
{
	struct buf sql;
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT id");
	for (size_t i = 0; i < e->nfields; i++)
		buf_printf(&sql, ", %s", e->fields[i].name);
	buf_printf(&sql, " FROM %s ORDER BY id", e->plural);
	struct db_stmt *rows = NULL, *ev = NULL;
	enum err err = buf_failed(&sql) ? ERR_NOMEM : db_prepare(db, sql.p, &rows);
	buf_free(&sql);
	if (err)
		return err;
	if ((err = db_prepare(
		     db,
		     "SELECT entity_id, action, changes, seq FROM audit_events"
		     " WHERE entity = $1 AND entity_id IS NOT NULL ORDER BY entity_id, seq",
		     &ev))) {
		db_done(rows);
		return err;
	}
	db_bind_str(ev, 1, e->name);

	bool have_row, have_ev;
	if ((err = db_step(rows, &have_row)) || (err = db_step(ev, &have_ev)))
		goto done;
	while (have_row || have_ev) {
		int64_t rid = have_row ? db_col_int(rows, 0) : INT64_MAX;
		int64_t eid = have_ev ? db_col_int(ev, 0) : INT64_MAX;
		int64_t id = rid < eid ? rid : eid;
		/* replay this record's events */
		json_t *state = NULL;
		bool deleted = false, broken = false;
		while (have_ev && db_col_int(ev, 0) == id) {
			const char *action = db_col_text(ev, 1, NULL);
			const char *changes = db_col_text(ev, 2, NULL);
			if (action && strcmp(action, "create") == 0) {
				json_decref(state);
				state = json_object();
				deleted = false;
			}
			if (!state || !changes || !apply(state, changes))
				broken = true;
			if (action && strcmp(action, "delete") == 0)
				deleted = true;
			if ((err = db_step(ev, &have_ev))) {
				json_decref(state);
				goto done;
			}
		}
		if (rid == id) {
			res->records++;
			json_t *row = row_state(rows, e);
			const char *diff;
			if (!state)
				report(res, "%s %lld: stored, but the audit trail never created it",
				       e->name, (long long)id);
			else if (broken)
				report(res, "%s %lld: its audit events cannot be replayed", e->name,
				       (long long)id);
			else if (deleted)
				report(res, "%s %lld: stored, but the audit trail deleted it",
				       e->name, (long long)id);
			else if ((diff = first_difference(e, row, state)))
				report(res, "%s %lld: field %s differs from its audit history",
				       e->name, (long long)id, diff);
			json_decref(row);
			if ((err = db_step(rows, &have_row))) {
				json_decref(state);
				goto done;
			}
		} else if (state && !deleted) {
			report(res, "%s %lld: the audit trail has it, but it is not stored",
			       e->name, (long long)id);
		}
		json_decref(state);
	}
done:
	db_done(ev);
	db_done(rows);
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
	db_rollback(db);
	return err;
}
