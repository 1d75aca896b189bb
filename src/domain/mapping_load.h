/* mapping_load.h - control mappings from a CSV of identifier pairs (NIST's SP 800-53 <-> ISO
 * 27001 tables, or any file with a "from" and a "to" column): identifiers are looked up within
 * each framework, and every mapping goes through repo_create in one transaction. */
#ifndef CUSTOS_MAPPING_LOAD_H
#define CUSTOS_MAPPING_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/repo.h"
#include "util/err.h"

#define MAPPING_MAX_ROWS    100000
#define MAPPING_MAX_UNKNOWN 1000 /* listed; further ones are only counted */

struct mapping_unknown {
	int64_t row;	    /* the CSV record, the header being 1 */
	const char *column; /* the header of the column it was in */
	const char *id;	    /* the identifier as written */
};

struct mapping_load_report {
	const char *from_column, *to_column; /* the columns read */
	int64_t rows;			     /* data rows read */
	int64_t created;		     /* mappings written */
	int64_t existing;		     /* pairs mapped already (in the store or the file) */
	int64_t unmapped;		     /* rows with an empty side, or a status not "mapped" */
	int64_t unknown;		     /* identifiers found in neither catalogue: skipped */
	size_t nlisted;
	struct mapping_unknown *listed; /* the first MAPPING_MAX_UNKNOWN of them */
};

/* Reads data[0..n): a header row, then pairs. The identifiers come from the columns named
 * "from" and "to", or else from the first two whose names end in _id or _ref (NIST's tables:
 * nist_control_id and iso27001_2013_ref). A "relationship" column, when present, overrides
 * relationship per row; a "status" column other than "mapped" marks a row without a
 * mapping. An identifier is matched exactly within its framework; one ending in ".x" (NIST's
 * "A.12.x") stands for every control whose identifier starts with what precedes the x. An
 * identifier that matches nothing (a clause such as 5.2, a control the catalogue lacks) is
 * listed and skipped. A pair mapped already is counted and kept as it is.
 *
 * ERR_OK: committed. Otherwise nothing is stored, *why (in c->a) says why: ERR_NOT_FOUND an
 * unknown framework code, ERR_BAD_REQUEST not CSV or no columns to read, ERR_INVALID a bad
 * relationship or no identifier matched at all, ERR_TOO_LARGE more than MAPPING_MAX_ROWS. The
 * caller must not hold a transaction. */
enum err mapping_load(struct repo_ctx *c, const char *from_code, const char *to_code,
		      const char *relationship, const char *source, const char *data, size_t n,
		      struct mapping_load_report *rep, const char **why) WUR;

#endif
