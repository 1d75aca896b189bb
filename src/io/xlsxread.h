/* xlsxread.h - one worksheet of an XLSX workbook as CSV text (RFC 4180, CRLF), so an import
 * reads a workbook with exactly the rules it reads a CSV file with: the zip through libzip,
 * the XML through expat, streamed. Every size is capped (parts, uncompressed bytes, strings,
 * rows, cells) and bad input of any kind is a clean error naming what is wrong. It knows
 * nothing of registers. */
#ifndef CUSTOS_XLSXREAD_H
#define CUSTOS_XLSXREAD_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#define XLSXR_MAX_ENTRIES  10000	/* parts in the zip */
#define XLSXR_MAX_UNZIPPED (256u << 20) /* bytes inflated, every part read together */
#define XLSXR_MAX_STRINGS  1000000	/* shared strings */
#define XLSXR_MAX_ROW	   1048576	/* Excel's last row */
#define XLSXR_MAX_COLS	   256		/* as CSV_MAX_CELLS: columns with a value */
#define XLSXR_MAX_CELL	   (1u << 20)	/* bytes of one cell's text */

/* Appends to csv the worksheet named sheet (compared without case; NULL or no such sheet: the
 * workbook's first) of the workbook data[0..n): row N of the sheet is record N of the CSV,
 * empty rows included, so row numbers in messages are the sheet's. Cells: shared and inline
 * strings as their text, numbers as written (a whole number without ".0" or an exponent),
 * booleans as true/false, ISO dates (t="d") as written; formulas by their cached value. An
 * error cell (#N/A) is refused. ERR_BAD_REQUEST with *why (and *row, 0 for the workbook as a
 * whole) for anything that is not such a workbook: not a zip, an encrypted or corrupt part,
 * malformed XML, a document type declaration, a cap passed; ERR_TOO_LARGE when csv's cap is
 * passed; ERR_NOMEM. *why lives in msgs. */
enum err xlsx_read_csv(const char *data, size_t n, const char *sheet, struct buf *csv,
		       struct arena *msgs, int64_t *row, const char **why) WUR;

#endif
