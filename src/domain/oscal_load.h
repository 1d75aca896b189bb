/* oscal_load.h - an OSCAL catalog into the registers: one framework record and a catalogue
 * control per control or enhancement, each through repo_create (validated, audited), in one
 * transaction. Reading the file is io/oscal.c's business; who may import is the caller's. */
#ifndef CUSTOS_OSCAL_LOAD_H
#define CUSTOS_OSCAL_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/repo.h"
#include "util/err.h"

struct oscal_load_report {
	const char *code, *name, *edition; /* the framework's, in the caller's arena */
	int64_t framework_id;
	int64_t controls, enhancements, withdrawn; /* controls counts the enhancements too */
};

/* Called every few hundred controls and once at the end: done of total written. */
typedef void (*oscal_progress_fn)(void *arg, size_t done, size_t total);

/* Imports the OSCAL catalog data[0..n) as framework code (NULL: made from the catalog's title,
 * lower case, letters, digits and dashes). source says where the file came from (at most 400
 * bytes are kept). The framework's kind is nist80053 when the title names SP 800-53. The
 * caller must not hold a transaction (c->in_tx false); c->a receives the report's strings.
 *
 * ERR_OK: committed. Otherwise nothing is stored and *why (in c->a) says what and where:
 * ERR_BAD_REQUEST / ERR_TOO_LARGE from the parser (io/oscal.h), ERR_CONFLICT when a framework
 * with that code exists, ERR_INVALID when a control is refused by the register's rules (an
 * identifier longer than 64 characters, ...), ERR_FORBIDDEN from the caller's guard, or a
 * store error. */
enum err oscal_load(struct repo_ctx *c, const char *code, const char *source, const char *data,
		    size_t n, oscal_progress_fn progress, void *parg, struct oscal_load_report *rep,
		    const char **why) WUR;

#endif
