/* import.h - registers' records from CSV or XLSX files, driven by the entity table: no register
 * has import code of its own. Every row goes through repo_create (validation, uniqueness, the
 * caller's write guard, an audit event), all files in one transaction. A reference is written
 * as its record's natural key (io/keys.h) and found again by it, among the records stored and
 * the rows of the same import. Who may import what is the caller's business (the guard in c,
 * the key reader); where the bytes come from too. */
#ifndef CUSTOS_IMPORT_H
#define CUSTOS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/repo.h"
#include "io/keys.h"
#include "util/err.h"

#define IMPORT_MAX_ROWS	    100000	/* in all files together; more is ERR_TOO_LARGE */
#define IMPORT_MAX_ERRORS   1000	/* listed in a report; further ones are only counted */
#define IMPORT_MAX_FILES    32		/* registers in one import */
#define IMPORT_MAX_XLSX_CSV (64u << 20) /* a workbook's text, as CSV */

enum import_format { IMPORT_CSV, IMPORT_XLSX };

struct import_file {
	const struct entity *e;
	enum import_format format;
	const char *data;
	size_t n;
};

struct import_error {
	const struct entity *e; /* the register whose file it is about */
	int64_t row; /* the record's number in the file, the header being row 1; 0: the file */
	const char *field; /* the column (a field name as written), or NULL for the whole row */
	const char *message;
};

struct import_report {
	int64_t rows;	 /* data rows read; rows with every cell empty are skipped, not counted */
	int64_t created; /* records written (0 unless the transaction was committed) */
	int64_t failed;	 /* rows refused */
	struct import_count {
		int64_t rows, created, failed;
	} files[IMPORT_MAX_FILES]; /* the same for each file, in the order given */
	size_t nerrors;
	bool truncated; /* there were more than IMPORT_MAX_ERRORS errors */
	struct import_error *errors;
};

/* Why an import may not create records of e, as a sentence naming the register ("Documents
 * cannot be imported: ..."), or NULL when it may. Not importable: a register that declares so
 * (io.no_import: its records are made by other records' steps, or there is one of them), and
 * one that refers to such a register (an import into an empty installation could never
 * complete it). */
const char *import_refusal(struct arena *a, const struct entity *e);
/* Whether e's records, or those it refers to, move by workflow steps: an import creates them
 * in their first state, as a create does, and refuses a row in another (its read-only cells
 * must be what the create computes), so no step is ever forged and none undone. Such a
 * register cannot be carried whole from one installation to another by export and import. */
bool import_first_state_only(const struct entity *e);

/* Imports files[0..nfiles), each CSV as export_register writes it (XLSX: its sheet named
 * after the register, else the first, read as the same CSV). A header row of field names,
 * then one record per row; the id, version, created_at and updated_at columns are ignored, so
 * an export can be imported again, into another installation too. An unknown column, one
 * given twice, or a required field without a column is an error in row 1 and that file's rows
 * are not read. A cell holds the value as text: a choice by its value or its label, booleans
 * true/false, dates YYYY-MM-DD; an empty cell is no value (the field's default applies); the
 * apostrophe an export puts before = + - @ TAB or CR is removed. Row numbers count records,
 * not lines (a cell may span lines; an XLSX row is its sheet row).
 *
 * A reference holds the natural key of the record it names ("OPS", "ann@example.org",
 * "iso27001-2022 A.5.1"), found among the records stored that rd may list (NULL: all) and the
 * rows of these files; more than one record with that key, or none, refuses the row naming
 * the column. "#12" names the record with id 12 of this installation (what an export writes
 * for a record its reader may not list); a plain number is a key like any other text, never
 * an id, so a file from another installation cannot silently point at the wrong record.
 * Files are imported in the order their references need (departments before people); a
 * reference to a row imported later (a department's head, a control's parent) is set in a
 * second pass, by repo_update, in the same transaction and audited. A read-only column is
 * checked, not written: its cell must be empty or hold what the import computes.
 *
 * By default it is all or nothing: one refused row and nothing is stored. With partial, the
 * valid rows are kept and the refused ones reported (and rows that refer to them refused).
 * The caller must not hold a transaction (c->in_tx false).
 *
 * ERR_OK: committed (rep->created records; with partial, rep->failed rows refused).
 * ERR_INVALID: nothing stored, rep->errors say why (a register that cannot be imported, a
 * header, rows). ERR_BAD_REQUEST: a file is not CSV or not an XLSX workbook, and
 * ERR_TOO_LARGE: more than IMPORT_MAX_ROWS rows; both with the row in rep->errors, nothing
 * stored. Another error: the store failed, nothing stored. Report strings live in c->a. */
enum err import_files(struct repo_ctx *c, const struct import_file *files, size_t nfiles,
		      bool partial, const struct key_reader *rd, struct import_report *rep) WUR;

/* One CSV file of e, references found among every record (the command line's reader). */
enum err import_csv(struct repo_ctx *c, const struct entity *e, const char *data, size_t n,
		    bool partial, struct import_report *rep) WUR;

#endif
