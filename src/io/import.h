/* import.h - a register's records from a CSV file, driven by the entity table: no register has
 * import code of its own. Every row goes through repo_create (validation, references,
 * uniqueness, the caller's write guard, an audit event), all in one transaction. Who may import
 * what is the caller's business (the guard in c); where the bytes come from too. */
#ifndef CUSTOS_IMPORT_H
#define CUSTOS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/repo.h"
#include "util/err.h"

#define IMPORT_MAX_ROWS	  100000 /* more is ERR_TOO_LARGE: split the file */
#define IMPORT_MAX_ERRORS 1000	 /* listed in a report; further ones are only counted */

struct import_error {
	int64_t row;	   /* the record's number in the file, the header being row 1 */
	const char *field; /* the column (a field name as written), or NULL for the whole row */
	const char *message;
};

struct import_report {
	int64_t rows;	 /* data rows read; rows with every cell empty are skipped, not counted */
	int64_t created; /* records written (0 unless the transaction was committed) */
	int64_t failed;	 /* rows refused */
	size_t nerrors;
	bool truncated; /* there were more than IMPORT_MAX_ERRORS errors */
	struct import_error *errors;
};

/* Imports data[0..n), CSV as export_register writes it: a header row of field names, then one
 * record per row. The id, version, created_at and updated_at columns are ignored, so an export
 * can be imported again (into another installation, or after its rows were removed); an
 * unknown or read-only column, a column given twice, or a required field without a column is an
 * error in row 1 and nothing is read further. A cell holds the stored value as text (choices by
 * value, references as ids, booleans true/false, dates YYYY-MM-DD); an empty cell is no value
 * (the field's default applies); the apostrophe an export puts before = + - @ TAB or CR is
 * removed. Row numbers count records, not lines: a cell may span lines.
 *
 * All rows are written in one transaction, each record with its audit event. By default it is
 * all or nothing: one refused row and nothing is stored. With partial, the valid rows are kept
 * and the refused ones reported. The caller must not hold a transaction (c->in_tx false).
 *
 * ERR_OK: committed (rep->created records; with partial, rep->failed rows refused). ERR_INVALID:
 * nothing stored, rep->errors say why (header or rows). ERR_BAD_REQUEST: the text is not CSV
 * (an unclosed quote, ...) and ERR_TOO_LARGE: more than IMPORT_MAX_ROWS rows; both with the
 * row in rep->errors, nothing stored. Another error: the store failed, nothing stored.
 * Report strings live in c->a; everything else a row needs is freed after the row. */
enum err import_csv(struct repo_ctx *c, const struct entity *e, const char *data, size_t n,
		    bool partial, struct import_report *rep) WUR;

#endif
