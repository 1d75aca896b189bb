/* import.c - CSV rows into a register through repo_create, so an imported record passes exactly
 * the checks and leaves exactly the audit event a record created in a form does. The columns
 * come from the entity table. One transaction holds the whole file. No row is written any
 * other way.
 *
 * A refused row must leave nothing behind. A savepoint per row would say so directly, but on
 * PostgreSQL thousands of subtransactions in one transaction made a 10,000-row import four
 * times slower, and worse with every row. Instead: a row refused by validation or the write
 * guard has written nothing (repo_create checks before it writes) unless the register's derive
 * hook wrote first; a row the store itself refuses (a constraint no field check covers) ends
 * the transaction on PostgreSQL. In both cases the pass is rolled back and run again with the
 * refused rows left out - rare, and each row is reported once. */
#include "io/import.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/csvread.h"
#include "util/str.h"

#define ROW_ARENA_CAP (32u << 20) /* one row's cells, values and repo temporaries */
#define MAX_PASSES    32	  /* a pass again after each row the store refused */
#define NAME_MAX_LEN  64	  /* longer header cells are no field name; not quoted back */

enum column_kind {
	COL_FIELD,   /* e->fields[field] */
	COL_IGNORED, /* a system column of an export: id, version, created_at, updated_at */
	COL_UNNAMED, /* an empty header cell: spreadsheets leave them; its cells must be empty */
};

struct importer {
	struct repo_ctx *c; /* the caller's: the report lives in its arena */
	struct repo_ctx rc; /* the same inside our transaction, with one row's arena */
	struct arena row;
	const struct entity *e;
	struct import_report *rep;
	struct csv_reader in;
	const char *data;
	size_t n;
	bool partial;
	/* Rows refused in an earlier pass, ascending: left out of later passes (their errors
	 * are reported already). skip_at is the next entry a pass can meet. */
	int64_t *skip;
	size_t nskip, askip, skip_at;
	bool again;	  /* the store refused a row: the transaction must be run again */
	bool derived_bad; /* a refused row ran the derive hook, which may have written */
	size_t ncols;
	struct column {
		enum column_kind kind;
		int field;
	} cols[CSV_MAX_CELLS];
	struct str cells[CSV_MAX_CELLS];
};

/* Adds an error to the report, its strings copied out of the row's arena. */
static void report(struct importer *im, int64_t row, const char *field, const char *message)
{
	struct import_report *rep = im->rep;
	if (rep->nerrors == IMPORT_MAX_ERRORS) {
		rep->truncated = true;
		return;
	}
	const char *m = arena_strdup(im->c->a, message);
	struct import_error *x = &rep->errors[rep->nerrors++];
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

/* Why a column name is not a field: a hint when the user wrote a label or the wrong case. */
static const char *unknown_column(struct importer *im, const char *name)
{
	const struct entity *e = im->e;
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
static bool read_header(struct importer *im, size_t n)
{
	const struct entity *e = im->e;
	bool *seen = arena_alloc(&im->row, e->nfields + 1);
	if (!seen)
		return false;
	size_t before = im->rep->nerrors;
	im->ncols = n;
	for (size_t i = 0; i < n; i++) {
		struct str h = trim(im->cells[i]);
		struct column *col = &im->cols[i];
		col->kind = COL_UNNAMED;
		if (h.n == 0)
			continue;
		if (h.n > NAME_MAX_LEN || !str_valid_utf8(h.p, h.n) || memchr(h.p, '\0', h.n)) {
			const char *m = arena_printf(&im->row,
						     "column %zu is named by no field (its name is "
						     "not UTF-8 text of at most %d bytes)",
						     i + 1, NAME_MAX_LEN);
			report(im, 1, NULL, m ? m : "a column is named by no field");
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
			report(im, 1, name, unknown_column(im, name));
			continue;
		}
		if (e->fields[k].flags & FF_READONLY) {
			report(im, 1, name,
			       "is computed or set by a workflow step and cannot be imported: "
			       "remove the column");
			continue;
		}
		if (seen[k]) {
			report(im, 1, name, "appears twice in the header");
			continue;
		}
		seen[k] = true;
		col->kind = COL_FIELD;
		col->field = k;
	}
	for (size_t k = 0; k < e->nfields; k++) {
		const struct field *f = &e->fields[k];
		if (!seen[k] && (f->flags & FF_REQUIRED) && !(f->flags & FF_READONLY) && !f->dflt)
			report(im, 1, f->name, "is required, but the file has no column for it");
	}
	return im->rep->nerrors == before && !im->rep->truncated;
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

/* One data row's cells into a new record; problems with the row's shape or a cell's syntax
 * go to ve. False when the row's cells cannot be matched to the columns at all. */
static bool row_record(struct importer *im, size_t n, struct record *rec, struct verrors *ve)
{
	const struct entity *e = im->e;
	if (n < im->ncols) {
		const char *m = arena_printf(&im->row, "has %zu cells, but the header has %zu", n,
					     im->ncols);
		verrors_add(ve, NULL, m ? m : "has fewer cells than the header");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct str s = unguard(im->cells[i]);
		if (i >= im->ncols || im->cols[i].kind == COL_UNNAMED) {
			if (s.n == 0)
				continue; /* trailing commas a spreadsheet added */
			const char *m = arena_printf(&im->row,
						     "has a value in column %zu, which has no name "
						     "in the header",
						     i + 1);
			verrors_add(ve, NULL, m ? m : "has a value in a column without a name");
			return false;
		}
		if (im->cols[i].kind == COL_IGNORED || s.n == 0)
			continue; /* an empty cell is no value: the default applies */
		int k = im->cols[i].field;
		const struct field *f = &e->fields[k];
		const char *why = NULL;
		if (!model_parse_text(&im->row, f, s.p, s.n, &rec->v[k], &why)) {
			verrors_add(ve, f->name, why ? why : "is not valid");
			rec->v[k].set = false; /* reported; validation must not look at it again */
		}
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

/* Whether the row was refused in an earlier pass. Rows come in ascending order in a pass. */
static bool skipped(struct importer *im, int64_t row)
{
	while (im->skip_at < im->nskip && im->skip[im->skip_at] < row)
		im->skip_at++;
	return im->skip_at < im->nskip && im->skip[im->skip_at] == row;
}

/* Leaves the row out of later passes; false when out of memory. */
static bool skip_add(struct importer *im, int64_t row)
{
	if (im->nskip == im->askip) {
		size_t na = im->askip ? 2 * im->askip : 64;
		int64_t *p = realloc(im->skip, na * sizeof(*p));
		if (!p)
			return false;
		im->skip = p;
		im->askip = na;
	}
	size_t at = im->nskip;
	while (at && im->skip[at - 1] > row)
		at--; /* a row that passed before and fails now: rare, kept in order */
	memmove(im->skip + at + 1, im->skip + at, (im->nskip - at) * sizeof(*im->skip));
	im->skip[at] = row;
	im->nskip++;
	return true;
}

/* Writes one data row. Refused rows are counted, reported and left out of later passes; any
 * other failure ends the import. */
static enum err import_row(struct importer *im, size_t n)
{
	int64_t rowno = im->in.record;
	bool blank = true;
	for (size_t i = 0; i < n && blank; i++)
		blank = im->cells[i].n == 0;
	if (blank)
		return ERR_OK;
	if (++im->rep->rows > IMPORT_MAX_ROWS) {
		report(im, rowno, NULL, "is one row too many: import at most 100,000 rows at once");
		return ERR_TOO_LARGE;
	}
	if (skipped(im, rowno)) {
		im->rep->failed++;
		return ERR_OK;
	}
	struct verrors ve = { 0 };
	struct record *rec = model_record_new(&im->row, im->e);
	if (!rec)
		return ERR_NOMEM;
	enum err err = ERR_INVALID;
	if (row_record(im, n, rec, &ve)) {
		int64_t id = 0;
		/* cell errors and rule errors together: repo_create stops before writing */
		err = repo_create(&im->rc, rec, &ve, &id);
		if (err == ERR_FORBIDDEN)
			verrors_add(&ve, scope_column(im->e),
				    "is outside what you may create (for example another "
				    "department)");
		if (err == ERR_CONFLICT)
			im->again = true;
		if (err == ERR_INVALID && im->e->derive)
			im->derived_bad = true;
	}
	if (err == ERR_OK) {
		im->rep->created++;
		return ERR_OK;
	}
	if (err != ERR_INVALID && err != ERR_FORBIDDEN && err != ERR_CONFLICT)
		return err;
	im->rep->failed++;
	if (!skip_add(im, rowno))
		return ERR_NOMEM;
	if (!ve.n)
		verrors_add(&ve, NULL, "was refused");
	for (size_t i = 0; i < ve.n; i++)
		report(im, rowno, ve.items[i].field, ve.items[i].message);
	return ERR_OK;
}

/* Reads the next record into im->cells; a syntax error is reported with its row. */
static enum err next_record(struct importer *im, size_t *n, bool *more)
{
	const char *why = NULL;
	enum err err = csv_read_record(&im->in, &im->row, im->cells, n, more, &why);
	if (err == ERR_BAD_REQUEST)
		report(im, im->in.record, NULL, why);
	return err;
}

/* One pass over the data rows in a transaction of its own. Returns with the transaction
 * still open (the caller commits or rolls back), unless beginning it failed. */
static enum err run_pass(struct importer *im)
{
	struct import_report *rep = im->rep;
	rep->rows = rep->created = rep->failed = 0;
	im->again = im->derived_bad = false;
	im->skip_at = 0;
	csv_reader_init(&im->in, im->data, im->n);
	size_t cells = 0;
	bool more = false;
	enum err err = next_record(im, &cells, &more); /* the header, read before */
	arena_free(&im->row);
	if (err)
		return err;
	while (!(err = next_record(im, &cells, &more)) && more) {
		err = import_row(im, cells);
		arena_free(&im->row);
		if (err || im->again)
			break;
	}
	return err;
}

/* Whether the pass must be rolled back and run again without the rows it refused. */
static bool needs_again(const struct importer *im)
{
	const struct import_report *rep = im->rep;
	/* a derive hook's writes for a refused row would be kept only with rows that are */
	return im->again || (im->derived_bad && im->partial && rep->created);
}

enum err import_csv(struct repo_ctx *c, const struct entity *e, const char *data, size_t n,
		    bool partial, struct import_report *rep)
{
	assert(!c->in_tx);
	memset(rep, 0, sizeof(*rep));
	rep->errors = arena_alloc_raw(c->a, IMPORT_MAX_ERRORS * sizeof(*rep->errors));
	struct importer *im = arena_alloc(c->a, sizeof(*im));
	if (!rep->errors || !im)
		return ERR_NOMEM;
	im->c = c;
	im->rc = *c;
	im->rc.a = &im->row;
	im->rc.in_tx = true;
	im->e = e;
	im->rep = rep;
	im->data = data;
	im->n = n;
	im->partial = partial;
	arena_init(&im->row, ROW_ARENA_CAP);
	csv_reader_init(&im->in, data, n);

	size_t cells = 0;
	bool more = false;
	enum err err = next_record(im, &cells, &more);
	if (err)
		goto done;
	if (!more || (cells == 1 && im->cells[0].n == 0)) {
		report(im, 1, NULL, "is empty: the first row must name the columns");
		err = ERR_INVALID;
		goto done;
	}
	if (!read_header(im, cells)) {
		err = rep->nerrors ? ERR_INVALID : ERR_NOMEM;
		goto done;
	}
	for (int pass = 1;; pass++) {
		if ((err = db_begin(c->db)))
			goto done;
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
			report(im, im->in.record, NULL,
			       "is one row too many that the database refused: the rows after it "
			       "were not checked");
			err = ERR_INVALID;
			break;
		}
	}
done:
	if (err)
		rep->created = 0;
	arena_free(&im->row);
	free(im->skip);
	return err;
}
