/* import.c - rows of CSV (or XLSX, read as CSV) files into registers through repo_create, so
 * an imported record passes exactly the checks and leaves exactly the audit event a record
 * created in a form does. The columns come from the entity table, references are found by
 * their natural key (io/keys.c) among the stored records and the rows of the same import. One
 * transaction holds every file. No row is written any other way.
 *
 * The files are read once up front into an index of rows (where each starts), so a pass can
 * find every row's key before writing any: a person's department may be a row of the same
 * import. A reference to a row not written yet (a department's head, in a file imported
 * before the people) is left empty and set after the pass by repo_update.
 *
 * A refused row must leave nothing behind. A savepoint per row would say so directly, but on
 * PostgreSQL thousands of subtransactions in one transaction made a 10,000-row import four
 * times slower, and worse with every row. Instead: a row refused by validation or the write
 * guard has written nothing (repo_create checks before it writes) unless the register's derive
 * hook wrote first; a row the store itself refuses (a constraint no field check covers), or
 * one refused after it was written (its later reference could not be set), ends the pass.
 * Then the pass is rolled back and run again with the refused rows left out - rare, and each
 * row is reported once. */
#include "io/import.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/csvread.h"
#include "io/xlsxread.h"
#include "util/str.h"

#define ROW_ARENA_CAP (32u << 20) /* one row's cells, values and repo temporaries */
#define MAX_PASSES    32	  /* a pass again after each row the store refused */
#define NAME_MAX_LEN  64	  /* longer header cells are no field name; not quoted back */
#define KEY_TEXT_CAP  (64u << 10)

enum column_kind {
	COL_FIELD,   /* e->fields[field] */
	COL_IGNORED, /* a system column of an export: id, version, created_at, updated_at */
	COL_UNNAMED, /* an empty header cell: spreadsheets leave them; its cells must be empty */
};

struct row {
	int64_t no;   /* its record number in the file */
	size_t off;   /* where it starts in the text */
	int64_t id;   /* the record written in this pass, 0 until then */
	bool refused; /* refused in an earlier pass: left out of later ones (reported once) */
	bool failed;  /* refused in this pass */
};

/* One file, as text (an XLSX's converted), with its header and its rows. */
struct source {
	const struct entity *e;
	size_t index; /* in the caller's files: its count in the report */
	const char *data;
	size_t n;
	struct buf converted;
	struct key_spec key;
	bool referenced; /* some column of the import refers to this register */
	size_t ncols;
	struct column {
		enum column_kind kind;
		int field;
	} cols[CSV_MAX_CELLS];
	int *col_of; /* e->nfields: the column of each field, -1 for none */
	struct row *rows;
	size_t nrows, arows;
};

/* A reference left empty on create, set once its row is written. */
struct fixup {
	struct source *s, *ts;
	size_t row, trow;
	int field;
};

/* A read-only cell of the row being written: checked against what create makes of it. */
struct expect {
	int field;
	bool file;
	struct value v;
};

/* Where a reference cell leads: a stored record, or a row of the import. */
struct target {
	int64_t id;
	struct source *src;
	size_t row;
};

struct importer {
	struct repo_ctx *c; /* the caller's: the report lives in its arena */
	struct repo_ctx rc; /* the same inside our transaction, with one row's arena */
	struct arena row;
	struct import_report *rep;
	const struct key_reader *rd;
	bool partial;
	struct source *src; /* in the order they are written */
	size_t nsrc;
	struct keys *keys;
	struct fixup *fix;
	size_t nfix, afix;
	bool again;	  /* a written row was refused: the transaction must be run again */
	bool derived_bad; /* a refused row ran the derive hook, which may have written */
	const struct entity *stop_e; /* where the store last refused a row */
	int64_t stop_row;
	/* the row being created: its read-only cells, and what the guard found of them */
	const struct entity *checking;
	size_t nexpect;
	struct expect expect[CSV_MAX_CELLS];
	struct verrors ro_ve;
	struct str cells[CSV_MAX_CELLS];
	struct buf text; /* a key being built */
};

/* ---- what may be imported ---- */

static const char *lower(struct arena *a, const char *s)
{
	char *l = arena_strdup(a, s);
	for (char *p = l; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return l ? l : s;
}

/* The register that keeps e from being imported: e itself (declared so), or one it refers to
 * through a field an import sets. NULL: none. A register with a workflow imports as records in
 * their first state, like a create: a row in another state is refused by the check of its
 * read-only cells, so no step is forged and none undone. */
static const struct entity *blocker(const struct entity *e, const struct entity **seen,
				    size_t *nseen, const struct entity **via)
{
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == e)
			return NULL; /* looked at already (or in a cycle, which decides nothing) */
	if (e->io.no_import)
		return e;
	if (*nseen == 64)
		return NULL;
	seen[(*nseen)++] = e;
	for (size_t k = 0; k < e->nfields; k++) {
		const struct field *f = &e->fields[k];
		if (f->type != FT_REF || (f->flags & FF_READONLY))
			continue;
		const struct entity *t = model_entity(f->ref);
		const struct entity *b = t ? blocker(t, seen, nseen, via) : NULL;
		if (b) {
			if (!*via)
				*via = t;
			return b;
		}
	}
	return NULL;
}

static bool workflow_within(const struct entity *e, const struct entity **seen, size_t *nseen)
{
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == e)
			return false;
	if (e->workflow)
		return true;
	if (*nseen == 64)
		return false;
	seen[(*nseen)++] = e;
	for (size_t k = 0; k < e->nfields; k++) {
		const struct field *f = &e->fields[k];
		const struct entity *t = f->type == FT_REF && !(f->flags & FF_READONLY)
						 ? model_entity(f->ref)
						 : NULL;
		if (t && workflow_within(t, seen, nseen))
			return true;
	}
	return false;
}

bool import_first_state_only(const struct entity *e)
{
	const struct entity *seen[64];
	size_t nseen = 0;
	return workflow_within(e, seen, &nseen);
}

const char *import_refusal(struct arena *a, const struct entity *e)
{
	const struct entity *seen[64], *via = NULL;
	size_t nseen = 0;
	const struct entity *b = blocker(e, seen, &nseen, &via);
	const char *m = NULL;
	if (!b)
		return NULL;
	if (b != e)
		m = arena_printf(a, "%s cannot be imported: they refer to %s, which cannot be",
				 e->title_plural, lower(a, via->title_plural));
	else
		m = arena_printf(a, "%s cannot be imported: %s.", e->title_plural, e->io.no_import);
	return m ? m : "This register cannot be imported.";
}

/* ---- the report ---- */

/* Adds an error to the report, its strings copied out of the row's arena. */
static void report(struct importer *im, const struct entity *e, int64_t row, const char *field,
		   const char *message)
{
	struct import_report *rep = im->rep;
	if (rep->nerrors == IMPORT_MAX_ERRORS) {
		rep->truncated = true;
		return;
	}
	const char *m = arena_strdup(im->c->a, message ? message : "could not be imported");
	struct import_error *x = &rep->errors[rep->nerrors++];
	x->e = e;
	x->row = row;
	x->field = field ? arena_strdup(im->c->a, field) : NULL;
	x->message = m ? m : "could not be imported";
}

static struct str trim(struct str s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

/* The apostrophe an export writes before text a spreadsheet would run as a formula. */
static struct str unguard(struct str s)
{
	if (s.n >= 2 && s.p[0] == '\'' && memchr("=+-@\t\r", s.p[1], 6)) {
		s.p++;
		s.n--;
	}
	return s;
}

/* ---- the header ---- */

/* Why a column name is not a field: a hint when the user wrote a label or the wrong case. */
static const char *unknown_column(struct importer *im, const struct entity *e, const char *name)
{
	for (size_t k = 0; k < e->nfields; k++)
		if (strcasecmp(name, e->fields[k].name) == 0 ||
		    strcasecmp(name, e->fields[k].label) == 0) {
			const char *m =
				arena_printf(&im->row, "is not a field name: did you mean %s?",
					     e->fields[k].name);
			if (m)
				return m;
		}
	const char *m = arena_printf(&im->row, "is not a field of %s", e->title_plural);
	return m ? m : "is not a field of this register";
}

/* Maps the header's cells to fields; false after reporting what is wrong with it. */
static bool read_header(struct importer *im, struct source *s, size_t n)
{
	const struct entity *e = s->e;
	bool *seen = arena_alloc(&im->row, e->nfields + 1);
	s->col_of = arena_alloc(im->c->a, sizeof(int) * (e->nfields + 1));
	if (!seen || !s->col_of)
		return false;
	for (size_t k = 0; k < e->nfields; k++)
		s->col_of[k] = -1;
	size_t before = im->rep->nerrors;
	s->ncols = n;
	for (size_t i = 0; i < n; i++) {
		struct str h = trim(im->cells[i]);
		struct column *col = &s->cols[i];
		col->kind = COL_UNNAMED;
		if (h.n == 0)
			continue;
		if (h.n > NAME_MAX_LEN || !str_valid_utf8(h.p, h.n) || memchr(h.p, '\0', h.n)) {
			const char *m = arena_printf(&im->row,
						     "column %zu is named by no field (its name is "
						     "not UTF-8 text of at most %d bytes)",
						     i + 1, NAME_MAX_LEN);
			report(im, e, 1, NULL, m ? m : "a column is named by no field");
			continue;
		}
		const char *name = arena_strndup(&im->row, h.p, h.n);
		if (!name)
			return false;
		int k = model_field_index(e, name);
		if (k < 0 && model_field(e, name)) {
			col->kind = COL_IGNORED; /* a system column: the store sets it */
			continue;
		}
		if (k < 0) {
			report(im, e, 1, name, unknown_column(im, e, name));
			continue;
		}
		if (seen[k]) {
			report(im, e, 1, name, "appears twice in the header");
			continue;
		}
		/* a read-only column (an export has them) is checked against what the import
		 * computes, never written */
		seen[k] = true;
		col->kind = COL_FIELD;
		col->field = k;
		s->col_of[k] = (int)i;
	}
	for (size_t k = 0; k < e->nfields; k++) {
		const struct field *f = &e->fields[k];
		if (!seen[k] && (f->flags & FF_REQUIRED) && !(f->flags & FF_READONLY) && !f->dflt)
			report(im, e, 1, f->name, "is required, but the file has no column for it");
	}
	return im->rep->nerrors == before && !im->rep->truncated;
}

/* ---- the index of rows ---- */

static enum err add_row(struct source *s, int64_t no, size_t off)
{
	if (s->nrows == s->arows) {
		size_t na = s->arows ? 2 * s->arows : 64;
		struct row *p = realloc(s->rows, na * sizeof(*p));
		if (!p)
			return ERR_NOMEM;
		s->rows = p;
		s->arows = na;
	}
	s->rows[s->nrows++] = (struct row){ .no = no, .off = off };
	return ERR_OK;
}

/* Reads the header and finds every data row; syntax errors are reported with their row. */
static enum err index_source(struct importer *im, struct source *s)
{
	struct csv_reader in;
	csv_reader_init(&in, s->data, s->n);
	size_t n = 0;
	bool more = false;
	const char *why = NULL;
	enum err err = csv_read_record(&in, &im->row, im->cells, &n, &more, &why);
	if (err == ERR_BAD_REQUEST)
		report(im, s->e, in.record, NULL, why);
	if (err)
		return err;
	if (!more || (n == 1 && im->cells[0].n == 0)) {
		report(im, s->e, 1, NULL, "is empty: the first row must name the columns");
		return ERR_INVALID;
	}
	if (!read_header(im, s, n))
		return im->rep->nerrors ? ERR_INVALID : ERR_NOMEM;
	arena_free(&im->row);
	struct import_count *cnt = &im->rep->files[s->index];
	for (;;) {
		size_t off = in.pos;
		err = csv_read_record(&in, &im->row, im->cells, &n, &more, &why);
		if (err == ERR_BAD_REQUEST)
			report(im, s->e, in.record, NULL, why);
		if (err || !more)
			break;
		bool blank = true;
		for (size_t i = 0; i < n && blank; i++)
			blank = im->cells[i].n == 0;
		arena_free(&im->row);
		if (blank)
			continue;
		cnt->rows++;
		if (++im->rep->rows > IMPORT_MAX_ROWS) {
			report(im, s->e, in.record, NULL,
			       "is one row too many: import at most 100,000 rows at once");
			return ERR_TOO_LARGE;
		}
		if ((err = add_row(s, in.record, off)))
			break;
	}
	arena_free(&im->row);
	return err;
}

/* Re-reads row r's cells into im->cells. */
static enum err read_row(struct importer *im, const struct source *s, const struct row *r,
			 size_t *n)
{
	struct csv_reader in = { .p = s->data, .n = s->n, .pos = r->off, .record = r->no - 1 };
	bool more = false;
	const char *why = NULL;
	enum err err = csv_read_record(&in, &im->row, im->cells, n, &more, &why);
	return err ? err : more ? ERR_OK : ERR_INTERNAL;
}

/* ---- values and references ---- */

/* A cell as field f's value: a choice also by its label, as an XLSX export writes it. */
static bool parse_cell(struct importer *im, const struct field *f, struct str s, struct value *v,
		       const char **why)
{
	if (f->choices) {
		const char *text = arena_strndup(&im->row, s.p, s.n);
		if (text && !model_choice(f, text))
			for (const struct choice *ch = f->choices; ch->value; ch++)
				if (strlen(ch->label) == s.n && str_ieq_n(ch->label, s.p, s.n)) {
					s = (struct str){ ch->value, strlen(ch->value) };
					break;
				}
	}
	return model_parse_text(&im->row, f, s.p, s.n, v, why);
}

/* A cell's text as a message quotes it: at most 100 bytes, cut between characters. */
static struct str quoted(struct str s)
{
	if (s.n <= 100)
		return s;
	size_t n = 97;
	while (n && ((unsigned char)s.p[n] & 0xC0) == 0x80)
		n--;
	return (struct str){ s.p, n };
}

static struct source *source_of(struct importer *im, const struct entity *e)
{
	for (size_t i = 0; i < im->nsrc; i++)
		if (im->src[i].e == e)
			return &im->src[i];
	return NULL;
}

/* Where a reference cell leads, or *msg saying why it leads nowhere. */
static enum err resolve(struct importer *im, const struct field *f, struct str cell,
			struct target *t, const char **msg)
{
	memset(t, 0, sizeof(*t));
	*msg = NULL;
	const struct entity *re = model_entity(f->ref);
	if (!re)
		return ERR_INTERNAL;
	struct str s = trim(cell), q = quoted(s);
	const char *more = q.n < s.n ? "..." : "";
	bool digits = s.n > 0;
	for (size_t i = 0; i < s.n && digits; i++)
		digits = s.p[i] >= '0' && s.p[i] <= '9';
	if (s.n > 1 && s.p[0] == '#') {
		if (!str_to_i64(s.p + 1, s.n - 1, &t->id) || t->id <= 0)
			*msg = "must be #ID with ID a record's number, or the record's key";
		return ERR_OK;
	}
	struct key_match m;
	enum err err = keys_find(im->keys, re, s.p, s.n, &m);
	if (err)
		return err;
	if (m.count == 1 && m.tok) {
		t->src = source_of(im, re);
		t->row = (size_t)(m.tok - 1);
		if (!t->src || t->row >= t->src->nrows)
			return ERR_INTERNAL;
	} else if (m.count == 1) {
		t->id = m.id;
	} else if (m.count > 1) {
		*msg = arena_printf(&im->row,
				    "'%.*s%s' is the %s of %zu %s: write one that names a single "
				    "record",
				    (int)q.n, q.p, more, key_describe(&im->row, re, m.alt), m.count,
				    lower(&im->row, re->title_plural));
	} else {
		*msg = arena_printf(&im->row, "no %s has the %s '%.*s%s'%s%.*s%s", re->title,
				    key_describe(&im->row, re, -1), (int)q.n, q.p, more,
				    digits ? " (a number is read as a key; #" : "",
				    digits ? (int)q.n : 0, q.p,
				    digits ? " is the record with that id here)" : "");
	}
	if (m.count != 1 && !*msg)
		*msg = "refers to a record that cannot be found";
	return ERR_OK;
}

/* The message for a reference to a row that was refused. */
static const char *refused_row(struct importer *im, const struct source *s, const struct target *t)
{
	const char *m =
		t->src == s
			? arena_printf(&im->row, "refers to row %lld, which was refused",
				       (long long)t->src->rows[t->row].no)
			: arena_printf(&im->row, "refers to row %lld of the %s, which was refused",
				       (long long)t->src->rows[t->row].no,
				       lower(&im->row, t->src->e->title_plural));
	return m ? m : "refers to a row that was refused";
}

/* One part of a pending row's key text; false when it has none. */
static enum err pending_part(struct importer *im, struct source *s, size_t ncells,
			     const struct field *f, bool first, bool *set)
{
	*set = false;
	int col = s->col_of[f - s->e->fields];
	if (col < 0 || (size_t)col >= ncells)
		return ERR_OK;
	struct str cell = unguard(im->cells[col]);
	if (!cell.n)
		return ERR_OK;
	const char *text = NULL;
	size_t n = 0;
	char num[24];
	if (f->type == FT_REF) {
		struct target t;
		const char *msg;
		enum err err = resolve(im, f, cell, &t, &msg);
		if (err || msg)
			return err; /* the row is refused for it when written */
		if (t.src) {
			text = keys_pending_text(im->keys, t.src->e, (int64_t)t.row + 1);
			n = text ? strlen(text) : 0;
		} else if ((err = keys_text(im->keys, model_entity(f->ref), t.id, &text, &n))) {
			return err;
		}
	} else {
		struct value v;
		const char *why;
		if (!parse_cell(im, f, cell, &v, &why))
			return ERR_OK;
		if (f->type == FT_INT || f->type == FT_BOOL) {
			snprintf(num, sizeof(num), "%lld", (long long)v.i);
			text = f->type == FT_BOOL ? (v.i ? "true" : "false") : num;
			n = strlen(text);
		} else {
			text = v.s;
			n = v.n;
		}
	}
	if (!text || !n)
		return ERR_OK;
	key_part(&im->text, first, text, n);
	*set = true;
	return ERR_OK;
}

/* Every row of s becomes a pending record of its register, with its keys. */
static enum err add_pending(struct importer *im, struct source *s)
{
	for (size_t i = 0; i < s->nrows; i++) {
		size_t n;
		enum err err = read_row(im, s, &s->rows[i], &n);
		const char *texts[KEY_MAX_ALTS] = { NULL };
		for (size_t a = 0; !err && a < s->key.nalts; a++) {
			const struct key_alt *alt = &s->key.alts[a];
			bool set = true;
			buf_reset(&im->text);
			for (size_t p = 0; !err && p < alt->nparts && set; p++)
				err = pending_part(im, s, n, alt->parts[p], p == 0, &set);
			if (!err && set && !buf_failed(&im->text))
				texts[a] = arena_strdup(&im->row, buf_cstr(&im->text));
		}
		if (!err)
			err = keys_add_pending(im->keys, s->e, (int64_t)i + 1, texts);
		arena_free(&im->row);
		if (err)
			return err;
	}
	return ERR_OK;
}

/* ---- writing a row ---- */

/* Whether two values of f are the same, as the API would show them. */
static bool value_equal(const struct field *f, const struct value *a, const struct value *b)
{
	json_t *ja = model_value_json(f, a), *jb = model_value_json(f, b);
	bool same = ja && jb && json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return same;
}

static const char *value_text(struct importer *im, const struct field *f, const struct value *v)
{
	if (!v->set || v->null)
		return "";
	if (f->type == FT_BOOL)
		return v->i ? "true" : "false";
	if (f->type == FT_INT || f->type == FT_REF)
		return arena_printf(&im->row, "%lld", (long long)v->i);
	return v->s ? v->s : "";
}

/* The write guard for the import's rows: a new record's read-only fields must be what its
 * read-only cells say (or those be empty), then the caller's guard decides. */
static enum err import_guard(void *arg, const struct entity *e, const struct record *before,
			     const struct record *after)
{
	struct importer *im = arg;
	if (!before && after && e == im->checking) {
		for (size_t i = 0; i < im->nexpect; i++) {
			const struct expect *x = &im->expect[i];
			const struct field *f = &e->fields[x->field];
			if (x->file) {
				verrors_add(&im->ro_ve, f->name,
					    "is a file, which an import cannot bring: import the "
					    "row without it, then upload the file to the record");
			} else if (!value_equal(f, &after->v[x->field], &x->v)) {
				const char *made = value_text(im, f, &after->v[x->field]);
				const char *given = value_text(im, f, &x->v);
				struct str mq = quoted((struct str){ made, strlen(made) });
				struct str gq = quoted((struct str){ given, strlen(given) });
				const char *m =
					arena_printf(&im->row,
						     "is computed: the import makes it '%.*s', not "
						     "'%.*s' (leave the "
						     "cell empty, or as the export wrote it)",
						     (int)mq.n, mq.p, (int)gq.n, gq.p);
				verrors_add(&im->ro_ve, f->name, m ? m : "is computed");
			}
		}
		if (im->ro_ve.n)
			return ERR_INVALID;
	}
	struct repo_ctx *c = im->c;
	return c->guard ? c->guard(c->guard_arg, e, before, after) : ERR_OK;
}

/* A read-only cell, kept to be checked once the record is derived. */
static void expect_cell(struct importer *im, const struct source *s, int k, struct str cell,
			struct verrors *ve)
{
	const struct field *f = &s->e->fields[k];
	struct expect *x = &im->expect[im->nexpect];
	*x = (struct expect){ .field = k, .file = f->type == FT_FILE };
	const char *why = NULL;
	if (f->type == FT_REF) {
		struct target t;
		enum err err = resolve(im, f, cell, &t, &why);
		if (!err && !why && t.src && !t.src->rows[t.row].id)
			why = "refers to a row not written yet";
		if (err || why) {
			verrors_add(ve, f->name, why ? why : "cannot be looked up");
			return;
		}
		x->v = (struct value){ .set = true, .i = t.src ? t.src->rows[t.row].id : t.id };
	} else if (f->type != FT_FILE && !parse_cell(im, f, cell, &x->v, &why)) {
		verrors_add(ve, f->name, why ? why : "is not valid");
		return;
	}
	im->nexpect++;
}

/* One data row's cells into a new record; problems with the row's shape, a cell's syntax or a
 * reference go to ve. References to rows not written yet go to fix[]. False when the row's
 * cells cannot be matched to the columns at all. */
static bool row_record(struct importer *im, struct source *s, size_t ri, size_t n,
		       struct record *rec, struct verrors *ve, struct fixup *fix, size_t *nfix)
{
	const struct entity *e = s->e;
	if (n < s->ncols) {
		const char *m = arena_printf(&im->row, "has %zu cells, but the header has %zu", n,
					     s->ncols);
		verrors_add(ve, NULL, m ? m : "has fewer cells than the header");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct str cell = unguard(im->cells[i]);
		if (i >= s->ncols || s->cols[i].kind == COL_UNNAMED) {
			if (cell.n == 0)
				continue; /* trailing commas a spreadsheet added */
			const char *m = arena_printf(&im->row,
						     "has a value in column %zu, which has no name "
						     "in the header",
						     i + 1);
			verrors_add(ve, NULL, m ? m : "has a value in a column without a name");
			return false;
		}
		if (s->cols[i].kind == COL_IGNORED || cell.n == 0)
			continue; /* an empty cell is no value: the default applies */
		int k = s->cols[i].field;
		const struct field *f = &e->fields[k];
		const char *why = NULL;
		if (f->flags & FF_READONLY) {
			expect_cell(im, s, k, cell, ve);
			continue;
		}
		if (f->type != FT_REF) {
			if (!parse_cell(im, f, cell, &rec->v[k], &why)) {
				verrors_add(ve, f->name, why ? why : "is not valid");
				rec->v[k].set =
					false; /* reported; validation must not look again */
			}
			continue;
		}
		struct target t;
		if (resolve(im, f, cell, &t, &why) != ERR_OK)
			why = "could not be looked up";
		if (!why && t.src) {
			const struct row *tr = &t.src->rows[t.row];
			if (tr->failed || tr->refused) {
				why = refused_row(im, s, &t);
			} else if (tr->id) {
				t.id = tr->id;
			} else if (f->flags & FF_REQUIRED) {
				why = t.src == s
					      ? "refers to a later row of the file: move that row "
						"before this one"
					      : "refers to a row imported after this one";
			} else {
				/* set once that row is written: empty until then */
				fix[(*nfix)++] = (struct fixup){
					.s = s, .ts = t.src, .row = ri, .trow = t.row, .field = k
				};
				rec->v[k] = (struct value){ .set = true, .null = true };
				continue;
			}
		}
		if (why) {
			verrors_add(ve, f->name, why);
			continue;
		}
		rec->v[k] = (struct value){ .set = true, .i = t.id };
	}
	return true;
}

/* The column a refused write guard most likely objected to (the guard answers only "no"): the
 * department's, else the owner's, when it is a field a row sets. */
static const char *scope_column(const struct entity *e)
{
	const char *cols[] = { e->dept_column, e->own_column };
	for (size_t i = 0; i < 2; i++)
		if (cols[i] && model_field_index(e, cols[i]) >= 0)
			return cols[i];
	return NULL;
}

/* Counts a row as refused in this pass and in every later one, with its errors. */
static void refuse(struct importer *im, struct source *s, struct row *r, struct verrors *ve)
{
	struct import_count *cnt = &im->rep->files[s->index];
	if (r->id) { /* written already: the pass must be run again without it */
		im->rep->created--;
		cnt->created--;
		r->id = 0;
	}
	r->failed = r->refused = true;
	im->rep->failed++;
	cnt->failed++;
	if (!ve->n)
		verrors_add(ve, NULL, "was refused");
	for (size_t i = 0; i < ve->n; i++)
		report(im, s->e, r->no, ve->items[i].field, ve->items[i].message);
}

static enum err add_fixups(struct importer *im, const struct fixup *fix, size_t n)
{
	if (!n)
		return ERR_OK;
	if (im->nfix + n > im->afix) {
		size_t na = im->afix ? 2 * im->afix : 64;
		while (na < im->nfix + n)
			na *= 2;
		struct fixup *p = realloc(im->fix, na * sizeof(*p));
		if (!p)
			return ERR_NOMEM;
		im->fix = p;
		im->afix = na;
	}
	memcpy(im->fix + im->nfix, fix, n * sizeof(*fix));
	im->nfix += n;
	return ERR_OK;
}

/* Writes one data row. Refused rows are counted, reported and left out of later passes; any
 * other failure ends the import. */
static enum err import_row(struct importer *im, struct source *s, size_t ri)
{
	struct row *r = &s->rows[ri];
	struct import_count *cnt = &im->rep->files[s->index];
	if (r->refused) {
		im->rep->failed++;
		cnt->failed++;
		return ERR_OK;
	}
	size_t n;
	enum err err = read_row(im, s, r, &n);
	if (err)
		return err;
	struct verrors ve = { 0 };
	struct record *rec = model_record_new(&im->row, s->e);
	struct fixup *fix = arena_alloc(&im->row, sizeof(*fix) * (s->e->nfields + 1));
	size_t nfix = 0;
	if (!rec || !fix)
		return ERR_NOMEM;
	im->nexpect = 0;
	err = ERR_INVALID;
	if (row_record(im, s, ri, n, rec, &ve, fix, &nfix)) {
		int64_t id = 0;
		im->checking = s->e;
		im->ro_ve.n = 0;
		/* cell errors and rule errors together: repo_create stops before writing */
		err = repo_create(&im->rc, rec, &ve, &id);
		im->checking = NULL;
		for (size_t i = 0; i < im->ro_ve.n; i++)
			verrors_add(&ve, im->ro_ve.items[i].field, im->ro_ve.items[i].message);
		if (err == ERR_FORBIDDEN)
			verrors_add(&ve, scope_column(s->e),
				    "is outside what you may create (for example another "
				    "department)");
		if (err == ERR_CONFLICT) {
			im->again = true;
			im->stop_e = s->e;
			im->stop_row = r->no;
		}
		if (err == ERR_INVALID && s->e->derive)
			im->derived_bad = true;
		if (!err) {
			r->id = id;
			im->rep->created++;
			cnt->created++;
			return add_fixups(im, fix, nfix);
		}
	}
	if (err != ERR_INVALID && err != ERR_FORBIDDEN && err != ERR_CONFLICT)
		return err;
	refuse(im, s, r, &ve);
	return ERR_OK;
}

/* The references left empty on create, now that their rows are written: each an update with
 * its audit event. A row whose reference cannot be set is refused after all. */
static enum err apply_fixups(struct importer *im)
{
	for (size_t i = 0; i < im->nfix; i++) {
		const struct fixup *x = &im->fix[i];
		struct row *r = &x->s->rows[x->row];
		const struct row *tr = &x->ts->rows[x->trow];
		if (!r->id)
			continue; /* refused by an earlier fixup */
		struct verrors ve = { 0 };
		const struct field *f = &x->s->e->fields[x->field];
		enum err err = ERR_INVALID;
		if (!tr->id) {
			struct target t = { .src = x->ts, .row = x->trow };
			verrors_add(&ve, f->name, refused_row(im, x->s, &t));
		} else {
			struct record *patch = model_record_new(&im->row, x->s->e);
			if (!patch)
				return ERR_NOMEM;
			patch->v[x->field] = (struct value){ .set = true, .i = tr->id };
			err = repo_update(&im->rc, x->s->e, r->id, patch, 0, &ve);
			if (err == ERR_FORBIDDEN)
				verrors_add(&ve, f->name, "is outside what you may change");
		}
		if (err && err != ERR_INVALID && err != ERR_FORBIDDEN && err != ERR_CONFLICT)
			return err;
		if (err) {
			/* the row is written: with partial, keeping the others needs a pass
			 * without it; else the whole import is refused anyway */
			if (im->partial || err == ERR_CONFLICT)
				im->again = true;
			refuse(im, x->s, r, &ve);
		}
		arena_free(&im->row);
	}
	return ERR_OK;
}

/* One pass over every row in a transaction of its own. Returns with the transaction still
 * open (the caller commits or rolls back). */
static enum err run_pass(struct importer *im)
{
	struct import_report *rep = im->rep;
	rep->created = rep->failed = 0;
	im->again = im->derived_bad = false;
	im->nfix = 0;
	for (size_t i = 0; i < im->nsrc; i++) {
		struct source *s = &im->src[i];
		rep->files[s->index].created = rep->files[s->index].failed = 0;
		for (size_t k = 0; k < s->nrows; k++) {
			s->rows[k].id = 0;
			s->rows[k].failed = false;
		}
	}
	/* every row's keys first: a reference may name a row of a later file */
	enum err err = ERR_OK;
	keys_forget_pending(im->keys);
	for (size_t i = 0; !err && i < im->nsrc; i++)
		if (im->src[i].referenced)
			err = add_pending(im, &im->src[i]);
	for (size_t i = 0; !err && i < im->nsrc && !im->again; i++) {
		struct source *s = &im->src[i];
		for (size_t k = 0; k < s->nrows && !err && !im->again; k++) {
			err = import_row(im, s, k);
			arena_free(&im->row);
		}
	}
	if (!err && !im->again)
		err = apply_fixups(im);
	arena_free(&im->row);
	return err;
}

/* Reads, before the transaction, the stored records of every register the files' references
 * and keys can name (a list read takes a snapshot of its own; it cannot run inside a write).
 * A record changed between this read and the write is caught by the write's own checks: a
 * reference to a record deleted since is refused as one that does not exist. */
static enum err read_keys(struct importer *im)
{
	enum err err = keys_open(&im->rc, im->rd, &im->keys);
	for (size_t i = 0; !err && i < im->nsrc; i++) {
		struct source *s = &im->src[i];
		if (s->referenced)
			err = keys_load(im->keys, s->e);
		for (size_t k = 0; !err && k < s->e->nfields; k++) {
			const struct field *f = &s->e->fields[k];
			const struct entity *re = f->type == FT_REF ? model_entity(f->ref) : NULL;
			if (re && s->col_of[k] >= 0)
				err = keys_load(im->keys, re);
		}
	}
	if (!err)
		keys_stop_reading(im->keys, true);
	return err;
}

/* Whether the pass must be rolled back and run again without the rows it refused. */
static bool needs_again(const struct importer *im)
{
	const struct import_report *rep = im->rep;
	/* a derive hook's writes for a refused row would be kept only with rows that are */
	return im->again || (im->derived_bad && im->partial && rep->created);
}

/* ---- the order of the files ---- */

/* Whether s has a column that refers to t's register (required only: strong). */
static bool refers(const struct source *s, const struct source *t, bool strong)
{
	for (size_t k = 0; k < s->e->nfields; k++) {
		const struct field *f = &s->e->fields[k];
		if (f->type == FT_REF && s->col_of[k] >= 0 && !(f->flags & FF_READONLY) &&
		    model_entity(f->ref) == t->e && (!strong || (f->flags & FF_REQUIRED)))
			return true;
	}
	return false;
}

/* Puts the sources in an order where every register comes after those its rows refer to,
 * where it can: in a cycle (departments and people), after those it refers to by required
 * fields, its optional references set in the second pass. */
static enum err order_sources(struct importer *im, struct source *all, size_t n)
{
	bool placed[IMPORT_MAX_FILES] = { false };
	for (size_t done = 0; done < n; done++) {
		size_t pick = n;
		for (int strong = 0; strong < 2 && pick == n; strong++)
			for (size_t i = 0; i < n && pick == n; i++) {
				if (placed[i])
					continue;
				bool ready = true;
				for (size_t j = 0; j < n && ready; j++)
					ready = j == i || placed[j] ||
						!refers(&all[i], &all[j], strong);
				if (ready)
					pick = i;
			}
		if (pick == n) {
			report(im, all[0].e, 0, NULL,
			       "refer to each other through required fields: no order imports "
			       "them");
			return ERR_INVALID;
		}
		placed[pick] = true;
		im->src[done] = all[pick];
	}
	/* the registers that some column refers to need their rows' keys */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (refers(&im->src[j], &im->src[i], false))
				im->src[i].referenced = true;
	return ERR_OK;
}

/* ---- the whole import ---- */

static enum err prepare(struct importer *im, const struct import_file *files, size_t nfiles,
			struct source *all)
{
	enum err err = ERR_OK;
	if (!nfiles || nfiles > IMPORT_MAX_FILES) {
		report(im, nfiles ? files[0].e : NULL, 0, NULL, "an import takes one to 32 files");
		return ERR_INVALID;
	}
	for (size_t i = 0; i < nfiles; i++) {
		const char *why = import_refusal(im->c->a, files[i].e);
		for (size_t j = 0; j < i && !why; j++)
			if (files[j].e == files[i].e)
				why = "The register is given twice: one file per register.";
		if (why) {
			report(im, files[i].e, 0, NULL, why);
			err = ERR_INVALID;
		}
	}
	if (err)
		return err;
	for (size_t i = 0; i < nfiles; i++) {
		struct source *s = &all[i];
		s->e = files[i].e;
		s->index = i;
		s->data = files[i].data ? files[i].data : "";
		s->n = files[i].n;
		const char *why = NULL;
		if (!key_spec_parse(s->e, &s->key, &why))
			return ERR_INTERNAL;
		buf_init(&s->converted, IMPORT_MAX_XLSX_CSV);
		if (files[i].format == IMPORT_XLSX) {
			int64_t row = 0;
			enum err xe = xlsx_read_csv(s->data, s->n, s->e->title_plural,
						    &s->converted, im->c->a, &row, &why);
			if (xe == ERR_TOO_LARGE)
				why = "holds more than 64 MiB of text: split the workbook";
			if (xe) {
				report(im, s->e, row, NULL, why);
				return xe == ERR_TOO_LARGE ? ERR_TOO_LARGE : xe;
			}
			s->data = s->converted.p ? s->converted.p : "";
			s->n = s->converted.len;
		}
	}
	/* every file's header and rows; header errors of each file are all reported */
	for (size_t i = 0; i < nfiles; i++) {
		enum err ie = index_source(im, &all[i]);
		if (ie && ie != ERR_INVALID)
			return ie;
		if (ie)
			err = ie;
	}
	return err ? err : order_sources(im, all, nfiles);
}

enum err import_files(struct repo_ctx *c, const struct import_file *files, size_t nfiles,
		      bool partial, const struct key_reader *rd, struct import_report *rep)
{
	assert(!c->in_tx);
	memset(rep, 0, sizeof(*rep));
	rep->errors = arena_alloc_raw(c->a, IMPORT_MAX_ERRORS * sizeof(*rep->errors));
	struct importer *im = arena_alloc(c->a, sizeof(*im));
	struct source *all = arena_alloc(c->a, sizeof(*all) * IMPORT_MAX_FILES);
	im = im && all ? im : NULL;
	if (im)
		im->src = arena_alloc(c->a, sizeof(*im->src) * IMPORT_MAX_FILES);
	if (!rep->errors || !im || !im->src)
		return ERR_NOMEM;
	im->c = c;
	im->rc = *c;
	im->rc.a = &im->row;
	im->rc.in_tx = true;
	im->rc.guard = import_guard;
	im->rc.guard_arg = im;
	im->rep = rep;
	im->rd = rd;
	im->partial = partial;
	im->nsrc = nfiles <= IMPORT_MAX_FILES ? nfiles : 0;
	arena_init(&im->row, ROW_ARENA_CAP);
	buf_init(&im->text, KEY_TEXT_CAP);

	enum err err = prepare(im, files, nfiles, all);
	if (!err)
		err = read_keys(im);
	for (int pass = 1; !err; pass++) {
		if ((err = db_begin(c->db)))
			break;
		err = run_pass(im);
		/* all or nothing: one refused row drops the rest; and an import that keeps
		 * nothing is refused as a whole, so the caller can say so */
		if (!err && !im->again && rep->failed && (!partial || !rep->created))
			err = ERR_INVALID;
		if (err || needs_again(im))
			db_rollback(c->db);
		if (err)
			break;
		if (!needs_again(im)) {
			err = db_commit(c->db);
			if (err)
				db_rollback(c->db);
			break;
		}
		if (pass == MAX_PASSES) {
			report(im, im->stop_e, im->stop_row, NULL,
			       "is one row too many that the database refused: the rows after it "
			       "were not checked");
			err = ERR_INVALID;
			break;
		}
	}
	if (err) {
		rep->created = 0;
		for (size_t i = 0; i < IMPORT_MAX_FILES; i++)
			rep->files[i].created = 0;
	}
	for (size_t i = 0; i < nfiles && i < IMPORT_MAX_FILES; i++) {
		free(all[i].rows);
		buf_free(&all[i].converted);
	}
	keys_close(im->keys);
	free(im->fix);
	buf_free(&im->text);
	arena_free(&im->row);
	return err;
}

enum err import_csv(struct repo_ctx *c, const struct entity *e, const char *data, size_t n,
		    bool partial, struct import_report *rep)
{
	struct import_file f = { .e = e, .format = IMPORT_CSV, .data = data, .n = n };
	return import_files(c, &f, 1, partial, NULL, rep);
}
