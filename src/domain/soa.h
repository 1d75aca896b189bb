/* soa.h - the Statement of Applicability (ISO 27001 6.1.3 d): every control of a framework
 * with whether it applies, why (risks, law, contracts, business), how far it is implemented
 * and whether its evidence holds, built from the control records. */
#ifndef CUSTOS_SOA_H
#define CUSTOS_SOA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/export.h"
#include "store/db.h"
#include "util/buf.h"
#include "util/arena.h"
#include "util/err.h"

#define SOA_MAX_ROWS	      5000
#define SOA_DEFAULT_FRAMEWORK "iso27001-2022" /* the SoA shown when none is named */

struct soa_row {
	int64_t catalog_id;
	const char *control_id, *title, *group_id, *group_title;
	int64_t control; /* the organisation's control record, 0 when none yet */
	bool applicable;
	const char *status; /* not_started, partial, implemented, not_applicable; NULL: none */
	const char *justification, *owner;
	int64_t owner_id; /* the owner's person record, 0 when none (or in a frozen copy) */
	bool reason_risk, reason_legal, reason_contract, reason_business;
	int64_t risks, evidence, evidence_expired;
};

struct soa {
	const char *framework_code, *framework_name;
	size_t n;
	struct soa_row *rows;
};

/* The SoA of the framework with this code as of today (YYYY-MM-DD, for evidence expiry).
 * ERR_NOT_FOUND when there is no such framework. */
enum err soa_build(struct db *db, struct arena *a, const char *code, const char *today,
		   struct soa *out) WUR;

/* The SoA as JSON: {"framework":{code,name},"as_of":"YYYY-MM-DD","controls":[...]}. It is
 * also the frozen copy an approved SoA version keeps. */
enum err soa_to_json(const struct soa *s, const char *as_of, struct buf *out) WUR;
/* Reads such a frozen copy back (for showing an approved version). */
enum err soa_from_json(struct arena *a, const char *text, size_t n, struct soa *out,
		       const char **as_of) WUR;
/* As CSV, XLSX or JSON: one row per control, the formula guard on text cells. */
enum err soa_export(struct arena *a, const struct soa *s, const char *as_of, enum export_format fmt,
		    struct buf *out) WUR;
/* The namespace of the OSCAL UUIDs while there is no organisation record: the version 5 UUID
 * of the Custos OSCAL namespace URL (https://custos.example/ns/oscal) in RFC 9562's URL
 * namespace. Fixed: changing it would change every exported UUID of such installations. */
#define SOA_OSCAL_DEFAULT_NAMESPACE "d745a5a8-3ae2-5a97-b4e7-9b8962728c19"

/* As an OSCAL 1.1 component definition (soa_oscal.c says why that model): one component, the
 * ISMS, with a requirement per control. The document's own uuid is new on every call (each
 * export is a new document); the component, the control implementation, each requirement,
 * each party and the catalogue resource have version 5 UUIDs in the namespace org_uuid (the
 * organisation record's uuid; SOA_OSCAL_DEFAULT_NAMESPACE when NULL or malformed), so every
 * export of the same SoA gives them the same UUIDs. They are keyed by record ids, so s must
 * come from soa_build (a frozen copy has none). org_name may be NULL. ERR_INVALID when a text
 * is not UTF-8; nothing is appended then. */
enum err soa_to_oscal(struct arena *a, const struct soa *s, const char *as_of, const char *org_name,
		      const char *org_uuid, struct buf *out) WUR;

#endif
