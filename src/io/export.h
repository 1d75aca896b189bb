/* export.h - every row of a register, as its list selects them, as a CSV, XLSX or JSON file.
 * Driven by the entity table: no register has export code of its own. Reads only; the caller
 * decides who may read what (lq's scope) and where the bytes go. */
#ifndef CUSTOS_EXPORT_H
#define CUSTOS_EXPORT_H

#include <stdbool.h>

#include "core/repo.h"
#include "io/keys.h"
#include "util/buf.h"
#include "util/err.h"

#define EXPORT_MAX_ROWS 1000000 /* more is ERR_TOO_LARGE: narrow the export with filters */
#define EXPORT_PAGE	500	/* rows read per list page (the list's maximum) */

enum export_format { EXPORT_CSV, EXPORT_XLSX, EXPORT_JSON };

/* "csv", "xlsx" or "json" (exactly); false for anything else. */
bool export_format_parse(const char *s, enum export_format *out);
/* text/csv; charset=utf-8, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,
 * application/json */
const char *export_content_type(enum export_format f);
/* "csv", "xlsx", "json": the file name extension, without the dot */
const char *export_extension(enum export_format f);

/* Whether a spreadsheet would run text starting like this as a formula (= + - @ TAB CR):
 * such cells get a leading apostrophe in CSV and XLSX. */
bool export_starts_formula(const char *s, size_t n);

/* Writes every row the query selects (all pages: it follows the list cursor, page size 500; the
 * caller's filters, sort and permission scope in lq are kept; lq->limit/cursor are ignored) to out.
 *
 * Columns: id, every field of the register in order, version, created_at, updated_at.
 * - CSV (RFC 4180, UTF-8 without a byte order mark, CRLF): a header row of field names, then
 *   the stored values - choices as their value, booleans true/false, empty for null - and
 *   references as the referenced record's natural key (io/keys.h: a department's code, a
 *   person's e-mail), so the file can be imported again, into another installation too. A
 *   reference to a record rd may not list (NULL: all) is written "#ID" instead, the id the
 *   list API shows: its key would tell what the reader may not see.
 * - XLSX: one sheet named after the register, a bold frozen header of field names (as CSV:
 *   labels are not unique) with an autofilter; integers as numbers, booleans as booleans,
 *   choices as their label, references as in CSV, everything else as string cells (never
 *   formulas). import_files reads it back.
 * - JSON: {"items":[...],"total":N}, items as the list API gives them (references as ids).
 * In CSV and XLSX a text cell that starts with = + - @ TAB or CR gets a leading apostrophe, so a
 * spreadsheet shows it as text instead of running it as a formula; an importer should drop an
 * apostrophe followed by one of those characters. Numbers are never prefixed.
 *
 * More than EXPORT_MAX_ROWS rows, or more bytes than out's cap: ERR_TOO_LARGE. On failure out
 * is cut back to what it held before (unless it failed itself); the caller discards it. */
enum err export_register(struct repo_ctx *c, const struct entity *e, const struct list_query *lq,
			 enum export_format fmt, const struct key_reader *rd, struct buf *out) WUR;

#endif
