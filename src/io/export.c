/* export.c - a register's rows as CSV, XLSX or JSON. It pages through repo_list_json like any
 * API client, so filters, sort and permission scope mean exactly what they mean in the list;
 * the columns come from the entity table. The formula guard lives here, once, for every format
 * a spreadsheet opens. Nothing here writes to the database. */
#include "io/export.h"

#include <assert.h>
#include <string.h>

#include <jansson.h>

#include "io/csv.h"
#include "io/keys.h"
#include "io/xlsx.h"

_Static_assert(EXPORT_MAX_ROWS < XLSX_MAX_ROWS, "an export must fit one worksheet");
_Static_assert(EXPORT_PAGE <= LIST_MAX_LIMIT, "pages are list pages");

#define PAGE_ARENA_CAP (16u << 20) /* one page's query temporaries, freed after each page */
#define CURSOR_CAP     (64u << 10) /* a cursor holds the sort keys of one row */

static const struct format {
	const char *name, *content_type;
} formats[] = {
	[EXPORT_CSV] = { "csv", "text/csv; charset=utf-8" },
	[EXPORT_XLSX] = { "xlsx",
			  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	[EXPORT_JSON] = { "json", "application/json" },
};

bool export_format_parse(const char *s, enum export_format *out)
{
	for (size_t i = 0; s && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(s, formats[i].name) == 0) {
			*out = (enum export_format)i;
			return true;
		}
	return false;
}

const char *export_content_type(enum export_format f)
{
	assert((size_t)f < sizeof(formats) / sizeof(formats[0]));
	return formats[f].content_type;
}

const char *export_extension(enum export_format f)
{
	assert((size_t)f < sizeof(formats) / sizeof(formats[0]));
	return formats[f].name;
}

/* Column i of e: id, the register's fields, then version, created_at, updated_at - the order
 * repo_row_json writes them in. */
static const struct field *column(const struct entity *e, size_t i)
{
	if (i == 0)
		return &model_system_fields[0];
	if (i <= e->nfields)
		return &e->fields[i - 1];
	return &model_system_fields[i - e->nfields];
}

/* A spreadsheet runs a cell that starts with = + - or @ as a formula, and one that starts with
 * TAB or CR after trimming it (OWASP, "CSV Injection"): a record named =HYPERLINK(...) must
 * never act when someone opens an export. A leading apostrophe makes such a cell text. XLSX
 * cells are typed strings and would not run, but they get the same prefix: a sheet is often
 * saved again as CSV or pasted elsewhere, and the two formats should hold the same text. */
bool export_starts_formula(const char *s, size_t n)
{
	return n > 0 && s[0] && memchr("=+-@\t\r", s[0], 6) != NULL;
}

enum cell_kind { CELL_EMPTY, CELL_NUMBER, CELL_BOOL, CELL_TEXT };

struct cell {
	enum cell_kind kind;
	int64_t i;
	const char *s;
	size_t n;
};

/* What the spreadsheet cell for value v of field f holds. With labels (XLSX, for people) a
 * choice shows its label; without (CSV, for import) its stored value. */
static struct cell cell_of(const struct field *f, json_t *v, bool labels)
{
	struct cell c = { CELL_EMPTY, 0, NULL, 0 };
	const struct choice *ch = NULL;
	if (json_is_boolean(v)) {
		c.kind = CELL_BOOL;
		c.i = json_is_true(v);
	} else if (json_is_integer(v)) {
		c.kind = CELL_NUMBER;
		c.i = json_integer_value(v);
		if (labels && f->type == FT_INT && f->choices) {
			char num[24];
			snprintf(num, sizeof(num), "%lld", (long long)c.i);
			ch = model_choice(f, num);
		}
	} else if (json_is_string(v)) {
		c.kind = CELL_TEXT;
		c.s = json_string_value(v);
		c.n = json_string_length(v);
		if (labels && f->type == FT_ENUM)
			ch = model_choice(f, c.s);
	} else if (json_is_object(v) && f->type == FT_FILE) {
		json_t *name =
			json_object_get(v, "name"); /* the file's name; the API has the rest */
		if (json_is_string(name)) {
			c.kind = CELL_TEXT;
			c.s = json_string_value(name);
			c.n = json_string_length(name);
		}
	}
	if (ch) {
		c.kind = CELL_TEXT;
		c.s = ch->label;
		c.n = strlen(ch->label);
	}
	return c;
}

struct sink {
	enum export_format fmt;
	const struct entity *e;
	size_t ncols;
	struct buf *out;
	struct xlsx *x;
	int64_t rows;
	struct keys *keys; /* CSV and XLSX: references are written as their records' keys */
	char ref[24];	   /* "#12": a reference to a record without a key the reader sees */
	enum err err;	   /* a key could not be read */
};

/* A reference as the referenced record's natural key, so the file means the same in another
 * installation; "#ID" where the reader may not list that record (its key would show what the
 * reader may not see; the list API shows the id already). */
static bool ref_cell(struct sink *s, const struct field *f, json_t *v, struct cell *c)
{
	if (f->type != FT_REF || !s->keys || !json_is_integer(v))
		return false;
	const struct entity *re = model_entity(f->ref);
	const char *text = NULL;
	size_t n = 0;
	enum err err = re ? keys_text(s->keys, re, json_integer_value(v), &text, &n) : ERR_INTERNAL;
	if (err && !s->err)
		s->err = err;
	if (!text) {
		snprintf(s->ref, sizeof(s->ref), "#%lld", (long long)json_integer_value(v));
		text = s->ref;
		n = strlen(text);
	}
	*c = (struct cell){ CELL_TEXT, 0, text, n };
	return true;
}

static int dump_to_buf(const char *p, size_t n, void *arg)
{
	buf_add(arg, p, n);
	return buf_failed(arg) ? -1 : 0;
}

/* A column wide enough for a typical value of the field's type, so the sheet reads without
 * resizing every column first. */
static size_t type_width(const struct field *f)
{
	switch (f->type) {
	case FT_LONGTEXT:
	case FT_MARKDOWN:
		return 50;
	case FT_TEXT:
	case FT_EMAIL:
		return 30;
	case FT_TIMESTAMP:
		return 21;
	case FT_DATE:
	case FT_ENUM:
		return 14;
	case FT_INT:
		return f->choices ? 14 : 10;
	default:
		return 10;
	}
}

static void sink_begin(struct sink *s)
{
	switch (s->fmt) {
	case EXPORT_CSV:
		for (size_t i = 0; i < s->ncols; i++) {
			const char *name = column(s->e, i)->name;
			csv_field(s->out, i == 0, NULL, name, strlen(name));
		}
		csv_end_record(s->out);
		break;
	case EXPORT_XLSX:
		/* field names, as in CSV: labels are not unique (a framework's "Version" is
		 * its edition, and every record has a version), names are what import reads */
		for (size_t i = 0; i < s->ncols; i++) {
			const struct field *f = column(s->e, i);
			size_t name = strlen(f->name) + 3; /* room for the filter button */
			size_t want = type_width(f);
			xlsx_width(s->x, (uint16_t)i, (double)(want > name ? want : name));
			xlsx_header(s->x, (uint16_t)i, f->name);
		}
		break;
	case EXPORT_JSON:
		buf_adds(s->out, "{\"items\":[");
		break;
	}
}

static void csv_row(struct sink *s, json_t *item)
{
	for (size_t i = 0; i < s->ncols; i++) {
		const struct field *f = column(s->e, i);
		json_t *v = json_object_get(item, f->name);
		struct cell c;
		if (!ref_cell(s, f, v, &c))
			c = cell_of(f, v, false);
		char num[24];
		switch (c.kind) {
		case CELL_EMPTY:
			csv_field(s->out, i == 0, NULL, "", 0);
			break;
		case CELL_NUMBER:
			snprintf(num, sizeof(num), "%lld", (long long)c.i);
			csv_field(s->out, i == 0, NULL, num, strlen(num));
			break;
		case CELL_BOOL:
			csv_field(s->out, i == 0, NULL, c.i ? "true" : "false", c.i ? 4 : 5);
			break;
		case CELL_TEXT:
			csv_field(s->out, i == 0, export_starts_formula(c.s, c.n) ? "'" : NULL, c.s,
				  c.n);
			break;
		}
	}
	csv_end_record(s->out);
}

static void xlsx_row(struct sink *s, json_t *item)
{
	uint32_t row = (uint32_t)s->rows; /* the header is row 0 */
	for (size_t i = 0; i < s->ncols; i++) {
		const struct field *f = column(s->e, i);
		json_t *v = json_object_get(item, f->name);
		struct cell c;
		if (!ref_cell(s, f, v, &c))
			c = cell_of(f, v, true);
		uint16_t col = (uint16_t)i;
		switch (c.kind) {
		case CELL_EMPTY:
			break;
		case CELL_NUMBER:
			xlsx_number(s->x, row, col, (double)c.i);
			break;
		case CELL_BOOL:
			xlsx_bool(s->x, row, col, c.i != 0);
			break;
		case CELL_TEXT:
			xlsx_text(s->x, row, col, export_starts_formula(c.s, c.n) ? "'" : NULL, c.s,
				  c.n);
			break;
		}
	}
}

static enum err sink_row(struct sink *s, json_t *item)
{
	if (!json_is_object(item))
		return ERR_INTERNAL;
	if (s->rows == EXPORT_MAX_ROWS)
		return ERR_TOO_LARGE;
	s->rows++;
	switch (s->fmt) {
	case EXPORT_CSV:
		csv_row(s, item);
		return s->err;
	case EXPORT_XLSX:
		xlsx_row(s, item);
		return s->err;
	case EXPORT_JSON:
		if (s->rows > 1)
			buf_addc(s->out, ',');
		if (json_dump_callback(item, dump_to_buf, s->out, JSON_COMPACT) != 0)
			return ERR_TOO_LARGE;
		break;
	}
	return ERR_OK;
}

static enum err sink_end(struct sink *s)
{
	switch (s->fmt) {
	case EXPORT_XLSX: {
		enum err e = xlsx_finish(s->x, (uint16_t)s->ncols, (uint32_t)s->rows, s->out);
		s->x = NULL;
		return e;
	}
	case EXPORT_JSON:
		buf_adds(s->out, "],\"total\":");
		buf_add_i64(s->out, s->rows);
		buf_addc(s->out, '}');
		break;
	case EXPORT_CSV:
		break;
	}
	return ERR_OK;
}

/* Writes one list page's items; *more and the cursor buffer say where the next page starts. */
static enum err take_page(struct sink *s, const struct buf *page, bool first, struct buf *cursor,
			  bool *more)
{
	json_error_t jerr;
	json_t *j = json_loadb(page->p, page->len, 0, &jerr);
	if (!j)
		return ERR_INTERNAL;
	enum err err = ERR_OK;
	json_t *items = json_object_get(j, "items"), *next = json_object_get(j, "next");
	/* the first page's total says at once when the export would be too large */
	if (first && json_integer_value(json_object_get(j, "total")) > EXPORT_MAX_ROWS)
		err = ERR_TOO_LARGE;
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
	{
		if (err)
			break;
		err = sink_row(s, item);
	}
	*more = !err && json_is_string(next);
	if (*more) {
		buf_reset(cursor);
		buf_add(cursor, json_string_value(next), json_string_length(next));
		if (buf_failed(cursor))
			err = ERR_INTERNAL;
	}
	json_decref(j);
	return err;
}

enum err export_register(struct repo_ctx *c, const struct entity *e, const struct list_query *lq,
			 enum export_format fmt, const struct key_reader *rd, struct buf *out)
{
	assert(strcmp(model_system_fields[0].name, "id") == 0);
	struct list_query *q = arena_alloc_raw(c->a, sizeof(*q));
	if (!q)
		return ERR_NOMEM;
	*q = *lq;
	q->limit = EXPORT_PAGE;
	q->cursor = NULL;

	/* each page's temporaries go to an arena of their own, emptied after the page, so a
	 * long export does not grow the caller's (request) arena */
	struct arena pa;
	arena_init(&pa, PAGE_ARENA_CAP);
	struct repo_ctx pc = *c;
	pc.a = &pa;
	struct buf page, cursor;
	buf_init(&page, 0);
	buf_init(&cursor, CURSOR_CAP);
	size_t start = out->len;
	struct sink s = {
		.fmt = fmt, .e = e, .ncols = e->nfields + model_system_nfields, .out = out
	};
	enum err err = fmt == EXPORT_XLSX ? xlsx_open(e->title_plural, &s.x) : ERR_OK;
	if (!err && fmt != EXPORT_JSON)
		err = keys_open(c, rd, &s.keys);
	if (err)
		goto done;
	sink_begin(&s);
	for (bool first = true, more = true; more; first = false) {
		const char *why = NULL;
		buf_reset(&page);
		err = repo_list_json(&pc, e, q, &page, &why);
		if (!err)
			err = take_page(&s, &page, first, &cursor, &more);
		arena_free(&pa);
		if (err)
			goto done;
		q->cursor = buf_cstr(&cursor);
	}
	err = sink_end(&s);
	/* a buffer fails when an append would pass its cap: the export is too large for it */
	if (!err && buf_failed(out))
		err = ERR_TOO_LARGE;
done:
	xlsx_discard(s.x);
	keys_close(s.keys);
	if (err && !buf_failed(out))
		buf_truncate(out, start);
	arena_free(&pa);
	buf_free(&page);
	buf_free(&cursor);
	return err;
}
