/* csvread.h - RFC 4180 input: a buffer split into records of cells, one record per call. Only
 * the syntax lives here (quotes, doubled quotes, line breaks, a byte order mark); what a cell
 * means is the importer's business. Every size is capped, so no input can balloon memory. */
#ifndef CUSTOS_CSVREAD_H
#define CUSTOS_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/err.h"
#include "util/str.h"

#define CSV_MAX_CELLS	   256	      /* cells in one record */
#define CSV_MAX_CELL_BYTES (1u << 20) /* one cell, after removing its quotes */
#define CSV_MAX_RECORD	   (4u << 20) /* one record, as written in the file */

struct csv_reader {
	const char *p;
	size_t n, pos;
	int64_t record; /* the number of the record read last, the first being 1 */
};

/* Reads p[0..n), which must outlive the reader. A UTF-8 byte order mark is skipped. */
void csv_reader_init(struct csv_reader *r, const char *p, size_t n);

/* Reads the next record into cells[0..*ncells) (room for CSV_MAX_CELLS). A record ends at CRLF, LF
 * or CR outside quotes; a quoted cell may hold commas, quotes (doubled) and line breaks. Cells
 * point into the input, or into the arena for a quoted cell whose doubled quotes had to be undone.
 * An empty line is a record of one empty cell; a line break at the very end ends the last record.
 * *more is false at the end of the input (nothing read). ERR_BAD_REQUEST with *why for a
 * quote that is never closed, text after a closing quote, a quote inside an unquoted cell, or
 * a cap passed (cells per record, bytes per cell or record); r->record names the record. */
enum err csv_read_record(struct csv_reader *r, struct arena *a, struct str *cells, size_t *ncells,
			 bool *more, const char **why) WUR;

#endif
