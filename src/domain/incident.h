/* incident.h - information security incidents: the registers, the clocks, and what the pages
 * and the scheduler call. */
#ifndef CUSTOS_INCIDENT_H
#define CUSTOS_INCIDENT_H

#include "core/model.h"
#include "util/buf.h"
#include "store/db.h"

#define INCIDENT_NOTIFY_HOURS 72 /* GDPR art. 33, unless the organisation's record says else */

extern const struct entity entity_incident;
extern const struct entity entity_incident_asset;
extern const struct entity entity_incident_note;
extern const struct entity entity_incident_action;
extern const struct entity entity_incident_target;

/* What is late about an incident: nothing, its triage or its escalation past the ISM's
 * target, or its personal-data notification deadline (the first that applies, in this order). */
enum incident_delay { DELAY_NONE, DELAY_TRIAGE, DELAY_ESCALATION, DELAY_NOTIFICATION };

/* The clock that matters now for a stored incident at time now (seconds): the personal-data
 * notification countdown or how late it is, triage or escalation past the ISM's target; NULL
 * when nothing is due. *late (may be NULL) says what is late. */
const char *incident_clock(struct db *db, struct arena *a, const struct record *rec, int64_t now,
			   enum incident_delay *late);

/* The full report of a stored incident as Markdown, as of now: the facts, the clock, the
 * timeline (its steps from the audit trail, and its notes), the corrective actions, the root
 * cause and the lessons learned. For those who read every incident; names are not scoped. */
enum err incident_report_markdown(struct db *db, struct arena *a, const struct record *r,
				  int64_t now, struct buf *b) WUR;

/* Incident metrics over the months ending with this one. */
#define INCIDENT_METRIC_MONTHS 12
struct incident_metrics {
	char month[INCIDENT_METRIC_MONTHS][8]; /* "YYYY-MM", oldest first */
	int64_t by_category[INCIDENT_METRIC_MONTHS][8];
	int64_t by_severity[INCIDENT_METRIC_MONTHS][5]; /* low..critical, then not triaged */
	int64_t total;
	/* means in minutes over every incident with both times; -1 when there is none */
	int64_t mean_triage, mean_escalate, mean_resolve;
	int64_t open, overdue;
};
enum err incident_metrics(struct db *db, struct arena *a, int64_t now,
			  struct incident_metrics *out) WUR;
/* The category and severity choices, in the order the metrics count them. */
const struct choice *incident_categories(void);
const struct choice *incident_severities(void);

/* Sends notices of incidents overdue for triage or escalation, once each (a job). */
enum err incident_overdue_job(struct db *db);

#endif
