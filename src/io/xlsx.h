/* xlsx.h - one-sheet Excel workbooks through libxlsxwriter, which writes only to files: the
 * workbook goes to a private temporary file that is read back into a buffer and removed. Cells
 * are numbers, booleans or strings; nothing here ever writes a formula. */
#ifndef CUSTOS_XLSX_H
#define CUSTOS_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define XLSX_MAX_ROWS 1048576u /* Excel's limit, the header row included */

struct xlsx;

/* A workbook with one worksheet named after title (characters Excel refuses in sheet names
 * are replaced, and it is cut to 31 characters). Rows must be written in order: the sheet is
 * streamed to disk so a large export does not hold every cell in memory. */
enum err xlsx_open(const char *title, struct xlsx **out) WUR;
/* Appends cells to row (0 is the header row: bold). A failure is remembered and reported by
 * xlsx_finish, so writers need not check each cell. */
void xlsx_header(struct xlsx *x, uint16_t col, const char *label);
/* The width of a column, in characters of the default font. */
void xlsx_width(struct xlsx *x, uint16_t col, double chars);
void xlsx_number(struct xlsx *x, uint32_t row, uint16_t col, double v);
void xlsx_bool(struct xlsx *x, uint32_t row, uint16_t col, bool v);
/* A string cell holding prefix (may be NULL) then s[0..n): text is never a formula. */
void xlsx_text(struct xlsx *x, uint32_t row, uint16_t col, const char *prefix, const char *s,
	       size_t n);
/* Freezes the header row, puts an autofilter over columns 0..ncols-1 and rows 0..last_row,
 * closes the workbook and appends the file to out (ERR_TOO_LARGE past out's cap). Removes the
 * temporary file and frees x in every case. */
enum err xlsx_finish(struct xlsx *x, uint16_t ncols, uint32_t last_row, struct buf *out) WUR;
/* Abandons the workbook: removes the temporary file and frees x. NULL is ignored. */
void xlsx_discard(struct xlsx *x);

#endif
