/* xlsxread.c - reading an XLSX worksheet: libzip opens the archive from memory, expat parses
 * xl/workbook.xml and its relationships (which part is which sheet), the shared strings and
 * the sheet, each streamed chunk by chunk so no part is held whole. Inflated bytes are counted
 * as they come (a zip bomb stops at the cap whatever its header claims), a document type
 * declaration is refused (no entities, so no entity expansion), and every count is capped.
 * Rows are written out as CSV as soon as they end. */
#include "io/xlsxread.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>
#include <zip.h>

#include "io/csv.h"
#include "io/csvread.h"
#include "util/arena.h"
#include "util/str.h"

#define MAX_SHEETS   256
#define ARENA_CAP    (512u << 20) /* shared strings and names */
#define NAME_MAX_LEN 512	  /* a sheet's name, a relationship's id or target */
#define NS_SEP	     ' '	  /* expat's separator between a name's namespace and itself */
#define REL_NS	     "/relationships"

struct reader {
	zip_t *za;
	size_t unzipped;
	XML_Parser p;
	enum err err;
	const char *why;
	int64_t row;
	struct arena a;
	/* the workbook: sheets by name and relationship, relationships by id */
	size_t nsheets, nrels;
	struct {
		const char *name, *rid;
	} sheets[MAX_SHEETS];
	struct {
		const char *id, *target;
	} rels[MAX_SHEETS];
	/* shared strings */
	struct str *ss;
	size_t nss, ass;
	/* text being collected (a <t> or <v>), capped like a cell */
	struct buf text;
	bool collect;
	int skip; /* depth inside a phonetic run (<rPh>): its text is no part of the cell */
	/* the sheet */
	bool in_data, in_cell, in_v, in_is;
	int64_t cur_row, last_row; /* the row being read, and the last written */
	int64_t col;		   /* the cell's column (0-based) */
	int64_t last_col;	   /* the last column given in this row, -1 before any */
	char type[16];		   /* the cell's t attribute */
	struct buf cells;	   /* this row's cell texts, one after another */
	size_t ncells;
	struct {
		uint32_t col;
		size_t off, n;
	} cell[XLSXR_MAX_COLS];
	struct buf *out;
	char chunk[65536]; /* inflated bytes on their way to the parser */
	char msg[NAME_MAX_LEN + 200];
};

static void fail(struct reader *r, enum err err, int64_t row, const char *why)
{
	if (r->err)
		return;
	r->err = err;
	r->row = row;
	r->why = why;
	if (r->p)
		XML_StopParser(r->p, XML_FALSE);
}

/* The name without its namespace ("uri c" -> "c"). */
static const char *local(const char *name)
{
	const char *s = strrchr(name, NS_SEP);
	return s ? s + 1 : name;
}

/* An attribute by its local name: with ns NULL one without a namespace, else one in a
 * namespace whose name ends in ns (transitional and strict OOXML name it differently). */
static const char *attr(const char **atts, const char *name, const char *ns)
{
	for (size_t i = 0; atts[i]; i += 2) {
		const char *sep = strrchr(atts[i], NS_SEP);
		if (strcmp(sep ? sep + 1 : atts[i], name) != 0)
			continue;
		size_t nl = ns ? strlen(ns) : 0, sl = sep ? (size_t)(sep - atts[i]) : 0;
		if (!ns ? !sep : sep && sl >= nl && memcmp(sep - nl, ns, nl) == 0)
			return atts[i + 1];
	}
	return NULL;
}

static const char *keep(struct reader *r, const char *s)
{
	if (!s)
		return NULL; /* an element without it: skipped */
	if (strlen(s) > NAME_MAX_LEN) {
		fail(r, ERR_BAD_REQUEST, 0, "has a sheet or relationship with an overlong name");
		return NULL;
	}
	const char *c = arena_strdup(&r->a, s);
	if (!c)
		fail(r, ERR_NOMEM, 0, "is too large to read");
	return c;
}

static void XMLCALL on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)internal;
	fail(arg, ERR_BAD_REQUEST, 0,
	     "has a document type declaration, which a workbook never has");
}

static void XMLCALL on_text(void *arg, const XML_Char *s, int len)
{
	struct reader *r = arg;
	if (!r->collect || r->skip || len <= 0)
		return;
	buf_add(&r->text, s, (size_t)len);
	if (buf_failed(&r->text))
		fail(r, ERR_BAD_REQUEST, r->in_data ? r->cur_row : 0,
		     "has a cell longer than 1 MiB");
}

/* ---- the workbook and its relationships ---- */

static void XMLCALL workbook_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct reader *r = arg;
	if (strcmp(local(name), "sheet") != 0)
		return;
	if (r->nsheets == MAX_SHEETS) {
		fail(r, ERR_BAD_REQUEST, 0, "has more than 256 sheets");
		return;
	}
	const char *n = keep(r, attr(atts, "name", NULL)), *id = keep(r, attr(atts, "id", REL_NS));
	if (n && id) {
		r->sheets[r->nsheets].name = n;
		r->sheets[r->nsheets++].rid = id;
	}
}

static void XMLCALL rels_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct reader *r = arg;
	if (strcmp(local(name), "Relationship") != 0 || r->nrels == MAX_SHEETS)
		return;
	const char *id = keep(r, attr(atts, "Id", NULL)), *t = keep(r, attr(atts, "Target", NULL));
	if (id && t) {
		r->rels[r->nrels].id = id;
		r->rels[r->nrels++].target = t;
	}
}

/* ---- shared strings: <si> holds a <t>, or runs <r> of <t>; <rPh> is phonetic help ---- */

static void XMLCALL strings_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct reader *r = arg;
	(void)atts;
	const char *l = local(name);
	if (strcmp(l, "rPh") == 0)
		r->skip++;
	else if (strcmp(l, "si") == 0) {
		buf_reset(&r->text);
		r->collect = false;
	} else if (strcmp(l, "t") == 0)
		r->collect = true;
}

static void XMLCALL strings_end(void *arg, const XML_Char *name)
{
	struct reader *r = arg;
	const char *l = local(name);
	if (strcmp(l, "rPh") == 0 && r->skip)
		r->skip--;
	else if (strcmp(l, "t") == 0)
		r->collect = false;
	else if (strcmp(l, "si") == 0) {
		if (r->nss == XLSXR_MAX_STRINGS) {
			fail(r, ERR_BAD_REQUEST, 0, "has more than 1,000,000 shared strings");
			return;
		}
		if (r->nss == r->ass) {
			size_t na = r->ass ? 2 * r->ass : 1024;
			struct str *p = realloc(r->ss, na * sizeof(*p));
			if (!p) {
				fail(r, ERR_NOMEM, 0, "is too large to read");
				return;
			}
			r->ss = p;
			r->ass = na;
		}
		const char *s = arena_strndup(&r->a, r->text.p ? r->text.p : "", r->text.len);
		if (!s) {
			fail(r, ERR_BAD_REQUEST, 0, "has more shared string text than can be read");
			return;
		}
		r->ss[r->nss++] = (struct str){ s, r->text.len };
		buf_reset(&r->text);
	}
}

/* ---- the sheet ---- */

/* "B12" -> column 1; false for a reference that names no column. */
static bool column_of(const char *ref, int64_t *col)
{
	int64_t c = 0;
	size_t i = 0;
	for (; ref[i] >= 'A' && ref[i] <= 'Z' && i < 3; i++)
		c = c * 26 + (ref[i] - 'A' + 1);
	if (!i || (ref[i] && (ref[i] < '0' || ref[i] > '9')))
		return false;
	*col = c - 1;
	return true;
}

static void write_row(struct reader *r)
{
	/* the rows the sheet leaves out are empty records, so record N stays row N */
	for (int64_t k = r->last_row + 1; k < r->cur_row; k++)
		csv_end_record(r->out);
	size_t at = 0;
	uint32_t last = 0;
	for (size_t i = 0; i < r->ncells; i++)
		if (r->cell[i].n)
			last = r->cell[i].col + 1;
	for (uint32_t col = 0; col < last; col++) {
		const char *s = "";
		size_t n = 0;
		if (at < r->ncells && r->cell[at].col == col) {
			s = r->cells.p + r->cell[at].off;
			n = r->cell[at].n;
			at++;
		}
		csv_field(r->out, col == 0, NULL, s, n);
	}
	csv_end_record(r->out);
	r->last_row = r->cur_row;
	r->ncells = 0;
	buf_reset(&r->cells);
	if (buf_failed(r->out))
		fail(r, ERR_TOO_LARGE, r->cur_row, "is larger than an import reads");
}

/* A number as written, but a whole one without its ".0" or exponent: 3, not 3.0 or 3E0. */
static void number_text(struct reader *r, const char *s, size_t n, struct buf *b)
{
	char tmp[64];
	if (n && n < sizeof(tmp)) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		char *end;
		double v = strtod(tmp, &end);
		if (*end == '\0' && v > -1e15 && v < 1e15 && v == (double)(long long)v) {
			buf_printf(b, "%lld", (long long)v);
			return;
		}
	}
	(void)r;
	buf_add(b, s, n);
}

static void end_cell(struct reader *r)
{
	const char *s = r->text.p ? r->text.p : "";
	size_t n = r->text.len;
	size_t off = r->cells.len;
	const char *t = r->type;
	if (strcmp(t, "s") == 0) {
		int64_t k;
		if (!n)
			goto done; /* a styled cell with no value */
		if (!str_to_i64(s, n, &k) || k < 0 || (uint64_t)k >= r->nss) {
			fail(r, ERR_BAD_REQUEST, r->cur_row,
			     "has a cell that refers to a shared string that does not exist");
			return;
		}
		buf_add(&r->cells, r->ss[k].p, r->ss[k].n);
	} else if (strcmp(t, "b") == 0) {
		if (n == 1 && (s[0] == '0' || s[0] == '1'))
			buf_adds(&r->cells, s[0] == '1' ? "true" : "false");
		else if (n) {
			fail(r, ERR_BAD_REQUEST, r->cur_row,
			     "has a boolean cell that is not 0 or 1");
			return;
		}
	} else if (strcmp(t, "e") == 0) {
		fail(r, ERR_BAD_REQUEST, r->cur_row,
		     "has a cell holding an error value (such as #N/A): correct or clear it");
		return;
	} else if (strcmp(t, "n") == 0 || !*t) {
		number_text(r, s, n, &r->cells);
	} else { /* inlineStr, str (a formula's text), d (an ISO date) */
		buf_add(&r->cells, s, n);
	}
done:
	if (buf_failed(&r->cells)) {
		fail(r, ERR_BAD_REQUEST, r->cur_row, "has a row longer than can be read");
		return;
	}
	size_t len = r->cells.len - off;
	if (r->col >= XLSXR_MAX_COLS) {
		if (len)
			fail(r, ERR_BAD_REQUEST, r->cur_row, "has a value past column 256");
		return;
	}
	r->cell[r->ncells].col = (uint32_t)r->col;
	r->cell[r->ncells].off = off;
	r->cell[r->ncells++].n = len;
}

static void XMLCALL sheet_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct reader *r = arg;
	const char *l = local(name);
	if (strcmp(l, "sheetData") == 0) {
		r->in_data = true;
		return;
	}
	if (!r->in_data)
		return;
	if (strcmp(l, "row") == 0) {
		const char *rn = attr(atts, "r", NULL);
		int64_t k = r->cur_row + 1;
		if (rn && (!str_parse_i64(rn, &k) || k < 1 || k > XLSXR_MAX_ROW)) {
			fail(r, ERR_BAD_REQUEST, r->cur_row + 1, "has a row numbered out of range");
			return;
		}
		if (k <= r->last_row) {
			fail(r, ERR_BAD_REQUEST, k, "has its rows out of order");
			return;
		}
		r->cur_row = k;
		r->last_col = -1;
		r->ncells = 0;
		buf_reset(&r->cells);
	} else if (strcmp(l, "c") == 0) {
		const char *ref = attr(atts, "r", NULL), *t = attr(atts, "t", NULL);
		int64_t col = r->last_col + 1;
		if (ref && !column_of(ref, &col)) {
			fail(r, ERR_BAD_REQUEST, r->cur_row,
			     "has a cell with a malformed reference");
			return;
		}
		if (col <= r->last_col) {
			fail(r, ERR_BAD_REQUEST, r->cur_row, "has its cells out of order");
			return;
		}
		r->col = r->last_col = col;
		if (!str_copy(r->type, sizeof(r->type), t ? t : "")) {
			fail(r, ERR_BAD_REQUEST, r->cur_row, "has a cell of an unknown type");
			return;
		}
		r->in_cell = true;
		buf_reset(&r->text);
	} else if (r->in_cell && strcmp(l, "v") == 0) {
		r->in_v = r->collect = true;
	} else if (r->in_cell && strcmp(l, "is") == 0) {
		r->in_is = true;
	} else if (r->in_is && strcmp(l, "t") == 0) {
		r->collect = true;
	} else if (r->in_is && strcmp(l, "rPh") == 0) {
		r->skip++;
	}
}

static void XMLCALL sheet_end(void *arg, const XML_Char *name)
{
	struct reader *r = arg;
	const char *l = local(name);
	if (!r->in_data)
		return;
	if (strcmp(l, "sheetData") == 0) {
		r->in_data = false;
	} else if (strcmp(l, "row") == 0) {
		write_row(r);
	} else if (strcmp(l, "c") == 0 && r->in_cell) {
		end_cell(r);
		r->in_cell = r->in_v = r->in_is = r->collect = false;
	} else if (strcmp(l, "v") == 0 || strcmp(l, "t") == 0) {
		r->collect = false;
	} else if (strcmp(l, "is") == 0) {
		r->in_is = false;
	} else if (strcmp(l, "rPh") == 0 && r->skip) {
		r->skip--;
	}
}

/* ---- parts ---- */

/* Streams the part name through a new parser with the given handlers. *found false (and
 * true returned) when the archive has no such part. */
static bool read_part(struct reader *r, const char *name, XML_StartElementHandler start,
		      XML_EndElementHandler end, bool *found)
{
	*found = false;
	zip_int64_t idx = zip_name_locate(r->za, name, 0);
	if (idx < 0)
		return true;
	*found = true;
	zip_stat_t st;
	zip_stat_init(&st);
	if (zip_stat_index(r->za, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
	    st.size > XLSXR_MAX_UNZIPPED - r->unzipped) {
		fail(r, ERR_BAD_REQUEST, 0, "is larger than 256 MiB unpacked");
		return false;
	}
	zip_file_t *zf = zip_fopen_index(r->za, (zip_uint64_t)idx, 0);
	if (!zf) {
		fail(r, ERR_BAD_REQUEST, 0,
		     "has a part that cannot be unpacked (encrypted, or an unknown compression)");
		return false;
	}
	r->p = XML_ParserCreateNS(NULL, NS_SEP);
	if (!r->p) {
		zip_fclose(zf);
		fail(r, ERR_NOMEM, 0, "is too large to read");
		return false;
	}
	XML_SetUserData(r->p, r);
	XML_SetElementHandler(r->p, start, end);
	XML_SetCharacterDataHandler(r->p, on_text);
	XML_SetStartDoctypeDeclHandler(r->p, on_doctype);
	for (bool last = false; !r->err && !last;) {
		zip_int64_t got = zip_fread(zf, r->chunk, sizeof(r->chunk));
		if (got < 0) {
			fail(r, ERR_BAD_REQUEST, 0,
			     "is a damaged zip archive (a part does not unpack)");
			break;
		}
		last = got == 0;
		r->unzipped += (size_t)got;
		if (r->unzipped > XLSXR_MAX_UNZIPPED) {
			fail(r, ERR_BAD_REQUEST, 0, "is larger than 256 MiB unpacked");
			break;
		}
		if (XML_Parse(r->p, r->chunk, (int)got, last) == XML_STATUS_ERROR && !r->err) {
			snprintf(r->msg, sizeof(r->msg), "has malformed XML in %s (line %lu: %s)",
				 name, XML_GetCurrentLineNumber(r->p),
				 XML_ErrorString(XML_GetErrorCode(r->p)));
			fail(r, ERR_BAD_REQUEST, 0, r->msg);
		}
	}
	XML_ParserFree(r->p);
	r->p = NULL;
	zip_fclose(zf);
	return !r->err;
}

/* The part of the sheet wanted (by name, else the first), as an archive path in the arena. */
static const char *sheet_part(struct reader *r, const char *want)
{
	size_t pick = 0;
	for (size_t i = 0; want && i < r->nsheets; i++)
		if (strcasecmp(r->sheets[i].name, want) == 0) {
			pick = i;
			break;
		}
	const char *target = NULL;
	for (size_t i = 0; r->nsheets && i < r->nrels; i++)
		if (strcmp(r->rels[i].id, r->sheets[pick].rid) == 0)
			target = r->rels[i].target;
	if (!target)
		return "xl/worksheets/sheet1.xml";
	/* relative to xl/, or absolute from the archive's root */
	return target[0] == '/' ? target + 1 : arena_printf(&r->a, "xl/%s", target);
}

enum err xlsx_read_csv(const char *data, size_t n, const char *sheet, struct buf *csv,
		       struct arena *msgs, int64_t *row, const char **why)
{
	struct reader *r = calloc(1, sizeof(*r));
	*row = 0;
	*why = NULL;
	if (!r)
		return ERR_NOMEM;
	arena_init(&r->a, ARENA_CAP);
	buf_init(&r->text, XLSXR_MAX_CELL);
	buf_init(&r->cells, CSV_MAX_RECORD);
	r->out = csv;
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(n ? data : "", n, 0, &ze);
	if (src && !(r->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)))
		zip_source_free(src);
	zip_error_fini(&ze);
	bool found = false;
	if (!r->za)
		fail(r, ERR_BAD_REQUEST, 0, "is not an XLSX workbook (not a zip archive)");
	else if (zip_get_num_entries(r->za, 0) > XLSXR_MAX_ENTRIES)
		fail(r, ERR_BAD_REQUEST, 0, "has more than 10,000 parts");
	else if (read_part(r, "xl/workbook.xml", workbook_start, NULL, &found) && !found)
		fail(r, ERR_BAD_REQUEST, 0, "is not an XLSX workbook (it has no xl/workbook.xml)");
	if (!r->err && read_part(r, "xl/_rels/workbook.xml.rels", rels_start, NULL, &found) &&
	    read_part(r, "xl/sharedStrings.xml", strings_start, strings_end, &found)) {
		const char *part = sheet_part(r, sheet);
		if (!part)
			fail(r, ERR_NOMEM, 0, "is too large to read");
		else if (read_part(r, part, sheet_start, sheet_end, &found) && !found)
			fail(r, ERR_BAD_REQUEST, 0, "has no worksheet");
	}
	enum err err = r->err;
	*row = r->row;
	*why = r->why;
	if (r->za)
		zip_discard(r->za);
	free(r->ss);
	buf_free(&r->text);
	buf_free(&r->cells);
	/* messages are constants, or built in the reader: copied out before it goes */
	if (err && *why && !(*why = arena_strdup(msgs, *why)))
		*why = "is not a workbook that can be read";
	arena_free(&r->a);
	free(r);
	return err;
}
