/* oscal.h - reading an OSCAL 1.x catalog (JSON): its groups, controls, enhancements, parameters,
 * statements and withdrawn markers, flattened into a list in document order with the
 * statement and guidance rendered as Markdown. Only the format lives here; what becomes a
 * record is domain/oscal_load.c's business, and nothing here touches the database. */
#ifndef CUSTOS_OSCAL_H
#define CUSTOS_OSCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/err.h"

#define OSCAL_MAX_BYTES	   (64u << 20) /* the full SP 800-53 catalog with 53A is ~10 MiB */
#define OSCAL_MAX_CONTROLS 50000       /* SP 800-53 Rev 5 has 1,189 with enhancements */
#define OSCAL_MAX_PARAMS   200000
#define OSCAL_MAX_DEPTH	   32 /* groups in groups, controls in controls, parts in parts */

struct oscal_control {
	const char *id;		 /* the OSCAL id, e.g. "ac-2.1" */
	const char *label;	 /* the display identifier, e.g. "AC-2(1)"; the id without one */
	const char *title;	 /* never NULL */
	const char *group_id;	 /* the top group's id in capitals ("AC"); NULL outside groups */
	const char *group_title; /* the top group's title; NULL outside groups */
	long parent;		 /* the index of the control this one enhances; -1 for none */
	const char *statement;	 /* Markdown with parameters substituted; "" when none */
	const char *guidance;	 /* Markdown; "" when none */
	bool withdrawn;		 /* a status prop says "withdrawn" */
};

struct oscal_catalog {
	const char *title;   /* metadata.title */
	const char *version; /* metadata.version; NULL when absent */
	size_t ncontrols, nenhancements, nwithdrawn;
	struct oscal_control *controls; /* [ncontrols], in document order: parents first */
};

/* Parses data[0..n) into cat; every string lives in a. Parameters are written where they are
 * inserted: their values when the catalog sets some, "[Selection: a; b]" (or "[Selection (one
 * or more): a; b]") for a choice, "[Assignment: label]" otherwise.
 *
 * ERR_BAD_REQUEST with *why naming what is wrong and where (a JSON path or the control's id):
 * not JSON (with its line and column), duplicate keys, an OSCAL document that is not a catalog
 * (a profile, an SSP ...), a group without a title, a control without an id or title, a
 * duplicate control id, a member of the wrong type. ERR_TOO_LARGE with *why: more than
 * OSCAL_MAX_BYTES, OSCAL_MAX_CONTROLS, OSCAL_MAX_PARAMS or OSCAL_MAX_DEPTH. ERR_NOMEM. */
enum err oscal_parse(struct arena *a, const char *data, size_t n, struct oscal_catalog *cat,
		     const char **why) WUR;

#endif
