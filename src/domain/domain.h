/* domain.h - the ISMS areas: each file declares its registers as entity tables and the rules
 * that are special to them. domain_init() hands the whole list to the core. */
#ifndef CUSTOS_DOMAIN_H
#define CUSTOS_DOMAIN_H

#include "core/authz.h"
#include "core/model.h"
#include "store/db.h"

extern const struct entity entity_organisation;
extern const struct entity entity_department;
extern const struct entity entity_person;
extern const struct entity entity_asset;
extern const struct entity entity_interested_party;
extern const struct entity entity_risk_method;
extern const struct entity entity_risk;
extern const struct entity entity_risk_action;
extern const struct entity entity_risk_asset;
extern const struct entity entity_framework;
extern const struct entity entity_catalog_control;
extern const struct entity entity_control_mapping;
extern const struct entity entity_control;
extern const struct entity entity_control_risk;
extern const struct entity entity_evidence;
extern const struct entity entity_soa_version;

/* What other records and exports say of the organisation: its name, and the namespace of its
 * stable OSCAL UUIDs (the record's uuid). Both NULL while there is no organisation record. */
struct organisation_info {
	const char *name, *uuid;
	const char *security_contact, *trust_intro; /* for the public trust page */
};
enum err organisation_get(struct db *db, struct arena *a, struct organisation_info *out) WUR;

/* A person's department id, 0 when none (or no such person): records that follow a person's
 * department for permission scopes copy it. */
int64_t person_department(struct db *db, int64_t person);
/* A person's name, "#id" when there is none by that id. */
const char *person_name(struct db *db, struct arena *a, int64_t person);

/* Registers every entity and job of this build with the core. Call once at start. */
struct job;

/* One area of the ISMS as its domain file declares it: its registers in navigation order
 * (NULL-terminated) and the jobs the scheduler runs for them. A new register is added to its
 * file's area and nowhere else. */
struct area {
	const struct entity *const *registers;
	const struct job *jobs;
	size_t njobs;
};

extern const struct area area_organisation, area_assets, area_risk, area_controls, area_soa,
	area_frameworks, area_documents, area_incidents;

/* Hands every register to the core and reads their grants; NULL when the declarations hold,
 * else what does not resolve (the program must not start). */
const char *domain_init(void);

#endif
