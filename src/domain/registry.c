/* registry.c - the list of every register in this build, in navigation order. */
#include "core/authz.h"
#include "core/jobs.h"
#include "domain/document.h"
#include "domain/domain.h"
#include "domain/incident.h"
#include "domain/risk.h"

static const struct entity *const all_entities[] = {
	/* clang-format off */
	&entity_department,
	&entity_person,
	&entity_asset,
	&entity_organisation,
	&entity_interested_party,
	&entity_risk,
	&entity_risk_action,
	&entity_risk_asset,
	&entity_risk_method,
	&entity_control,
	&entity_evidence,
	&entity_control_risk,
	&entity_soa_version,
	&entity_framework,
	&entity_catalog_control,
	&entity_control_mapping,
	&entity_document,
	&entity_document_version,
	&entity_document_signoff,
	&entity_document_review,
	&entity_change_request,
	&entity_acknowledgement,
	&entity_document_control,
	&entity_incident,
	&entity_incident_asset,
	&entity_incident_note,
	&entity_incident_action,
	&entity_incident_target,
	/* clang-format on */
};

static const struct job domain_jobs[] = {
	{ "risk_acceptance_expiry", 3600, risk_expire_acceptances },
	{ "acknowledgement_reminders", 3600, document_reminders_job },
	{ "incident_overdue", 300, incident_overdue_job },
};

const char *domain_init(void)
{
	static char why[300];
	model_registry_set(all_entities, sizeof(all_entities) / sizeof(all_entities[0]));
	jobs_set_domain(domain_jobs, sizeof(domain_jobs) / sizeof(domain_jobs[0]));
	return model_registry_check(why, sizeof(why)) && authz_load(why, sizeof(why)) ? NULL : why;
}
