/* csvread.c - splitting RFC 4180 text into records and cells. Strict where a loose reader would
 * guess (a stray quote means the quoting is broken, and everything after it would be misread),
 * lenient where files really differ (LF or CR instead of CRLF, a byte order mark). It copies
 * only the cells whose doubled quotes must be undone. */
#include "io/csvread.h"

#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *p, size_t n)
{
	r->p = p;
	r->n = n;
	r->pos = 0;
	r->record = 0;
	/* spreadsheets write "CSV UTF-8" with a byte order mark */
	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
}

static bool ends_cell(char ch)
{
	return ch == ',' || ch == '\r' || ch == '\n';
}

static enum err unquoted(struct csv_reader *r, struct str *cell, const char **why)
{
	size_t from = r->pos;
	while (r->pos < r->n && !ends_cell(r->p[r->pos])) {
		if (r->p[r->pos] == '"') {
			*why = "has a quote inside a cell that does not start with one (enclose "
			       "the cell in quotes and write the quote twice)";
			return ERR_BAD_REQUEST;
		}
		r->pos++;
	}
	*cell = (struct str){ r->p + from, r->pos - from };
	if (cell->n > CSV_MAX_CELL_BYTES) {
		*why = "has a cell longer than 1 MiB";
		return ERR_BAD_REQUEST;
	}
	return ERR_OK;
}

static enum err quoted(struct csv_reader *r, struct arena *a, struct str *cell, const char **why)
{
	size_t from = ++r->pos, i = from;
	bool doubled = false;
	for (;;) {
		const char *q = memchr(r->p + i, '"', r->n - i);
		if (!q) {
			*why = "has a quoted cell that is never closed";
			return ERR_BAD_REQUEST;
		}
		i = (size_t)(q - r->p);
		if (i + 1 < r->n && r->p[i + 1] == '"') {
			doubled = true;
			i += 2;
			continue;
		}
		break;
	}
	r->pos = i + 1; /* past the closing quote */
	if (r->pos < r->n && !ends_cell(r->p[r->pos])) {
		*why = "has text after the closing quote of a cell";
		return ERR_BAD_REQUEST;
	}
	if (i - from > CSV_MAX_CELL_BYTES) {
		*why = "has a cell longer than 1 MiB";
		return ERR_BAD_REQUEST;
	}
	if (!doubled) {
		*cell = (struct str){ r->p + from, i - from };
		return ERR_OK;
	}
	char *out = arena_alloc_raw(a, i - from + 1);
	if (!out)
		return ERR_NOMEM;
	size_t o = 0;
	for (size_t k = from; k < i; k++) {
		out[o++] = r->p[k];
		if (r->p[k] == '"')
			k++; /* the second quote of a pair */
	}
	out[o] = '\0';
	*cell = (struct str){ out, o };
	return ERR_OK;
}

enum err csv_read_record(struct csv_reader *r, struct arena *a, struct str *cells, size_t *ncells,
			 bool *more, const char **why)
{
	*ncells = 0;
	*more = r->pos < r->n;
	if (!*more)
		return ERR_OK;
	r->record++;
	size_t start = r->pos;
	for (;;) {
		if (*ncells == CSV_MAX_CELLS) {
			*why = "has more than 256 cells";
			return ERR_BAD_REQUEST;
		}
		struct str *cell = &cells[(*ncells)++];
		enum err err = r->pos < r->n && r->p[r->pos] == '"' ? quoted(r, a, cell, why)
								    : unquoted(r, cell, why);
		if (err)
			return err;
		if (r->pos - start > CSV_MAX_RECORD) {
			*why = "is longer than 4 MiB";
			return ERR_BAD_REQUEST;
		}
		if (r->pos == r->n)
			return ERR_OK; /* the input ends the record */
		char ch = r->p[r->pos++];
		if (ch == ',')
			continue;
		if (ch == '\r' && r->pos < r->n && r->p[r->pos] == '\n')
			r->pos++;
		return ERR_OK;
	}
}
