/* catalogue.h - the control catalogues built into Custos (data/catalogues/: ISO/IEC 27001:2013
 * and 2022 Annex A with titles in Custos's own words, and the 2013 -> 2022 correspondence),
 * loaded through the registers like any import: every record audited. */
#ifndef CUSTOS_CATALOGUE_H
#define CUSTOS_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/audit.h"
#include "store/db.h"
#include "util/err.h"

struct catalogue_file {
	const char *name; /* "iso27001-2022.csv" */
	size_t len;
	const char *data;
};

extern const struct catalogue_file catalogue_files[];
extern const size_t catalogue_files_count;

/* The names catalogue_load() takes, NULL-terminated. */
extern const char *const catalogue_builtin_names[];

/* Loads one built-in catalogue by name ("iso27001-2022", "iso27001-2013", or
 * "iso27001-2013-to-2022" for the correspondence, which needs both) in one transaction.
 * ERR_CONFLICT when it is loaded already; ERR_NOT_FOUND for an unknown name or, for the
 * correspondence, a catalogue not loaded yet. *records counts what was created. */
enum err catalogue_load(struct db *db, const struct actor *who, const char *name,
			int64_t *records) WUR;

/* Replaces the titles of a framework's catalogue controls with those of a CSV (columns
 * control_id and title; others ignored): how an organisation holding the standard puts in the
 * official wording. One transaction, each change audited (controls are renamed with them).
 * ERR_NOT_FOUND: no such framework; ERR_INVALID: no control_id/title header, or *bad_row names
 * a row whose control the framework lacks or whose title is not valid. */
enum err catalogue_titles(struct db *db, const struct actor *who, const char *code,
			  const char *data, size_t n, int64_t *changed, int64_t *bad_row) WUR;

#endif
