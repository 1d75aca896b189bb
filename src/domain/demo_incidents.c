/* demo_incidents.c - the demo organisation's incident targets and a few incidents at
 * different points of the workflow (a new report, one under investigation with personal data
 * and its notification clock, one closed with its lessons), taken through the same steps a
 * user takes. */
#include <string.h>

#include "core/authz.h"
#include "core/repo.h"
#include "domain/demo.h"
#include "domain/incident.h"

#define SUPPORT "aisha.rahman@westcloud.example"

enum err demo_incidents(struct db *db)
{
	struct arena a;
	arena_init(&a, 0);
	static const struct actor loader = { 0, "demo-loader" };
	struct repo_ctx c = { .db = db, .a = &a, .who = &loader, .in_tx = true };
	enum err e = db_begin(db);
	/* the ISM's targets, in minutes from the report */
	static const struct {
		const char *severity, *triage, *escalate;
	} targets[] = {
		{ "critical", "15", "30" },
		{ "high", "60", "120" },
		{ "medium", "240", "480" },
		{ "low", "480", NULL },
	};
	for (size_t i = 0; !e && i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct record *r = model_record_new(&a, &entity_incident_target);
		int64_t id;
		e = ERR_INVALID;
		if (!r || !demo_set(&a, r, "severity", targets[i].severity) ||
		    !demo_set(&a, r, "triage_minutes", targets[i].triage) ||
		    !demo_set(&a, r, "escalate_minutes", targets[i].escalate))
			break;
		e = demo_create(&c, r, &id);
	}
	static const struct {
		const char *title, *description, *category, *reporter;
		int stage; /* 0 reported, 1 investigating with personal data, 2 closed */
	} incidents[] = {
		{ "Suspicious e-mail asking for my password",
		  "An e-mail that looks like it comes from IT asks me to confirm my password on a "
		  "link. I did not click it.",
		  "not_sure", "ben.carter@westcloud.example", 0 },
		{ "Customer list sent to the wrong address",
		  "A spreadsheet with customer names and phone numbers went to an external address "
		  "by mistake this morning.",
		  "human_error", "tomasz.nowak@westcloud.example", 1 },
		{ "Server room door found propped open",
		  "The door to the server room was held open with a box after a delivery.",
		  "physical_breach", "james.whitfield@westcloud.example", 2 },
	};
	int64_t ism = demo_lookup(db, "SELECT id FROM people WHERE email = $1", DEMO_ISM_EMAIL);
	for (size_t i = 0; !e && i < sizeof(incidents) / sizeof(incidents[0]); i++) {
		int64_t who = demo_lookup(db, "SELECT id FROM people WHERE email = $1",
					  incidents[i].reporter);
		struct record *r = model_record_new(&a, &entity_incident);
		char num[24];
		snprintf(num, sizeof(num), "%lld", (long long)who);
		e = ERR_INVALID;
		if (!who || !r || !demo_set(&a, r, "title", incidents[i].title) ||
		    !demo_set(&a, r, "description", incidents[i].description) ||
		    !demo_set(&a, r, "category", incidents[i].category) ||
		    !demo_set(&a, r, "reporter_id", num))
			break;
		int64_t id;
		if ((e = demo_create(&c, r, &id)) || incidents[i].stage == 0)
			continue;
		bool personal = incidents[i].stage == 1;
		const char *triage[] = { "severity",
					 personal ? "high" : "medium",
					 "personal_data",
					 personal ? "true" : "false",
					 "step_note",
					 "Checked with the reporter.",
					 NULL };
		char owner[24];
		snprintf(owner, sizeof(owner), "%lld", (long long)ism);
		const char *investigate[] = { "owner_id", owner, NULL };
		if ((e = demo_step(&c, &entity_incident, id, "triage", SUPPORT, 0,
				   1u << ROLE_SUPPORT, triage)) ||
		    (e = demo_step(&c, &entity_incident, id, "escalate", SUPPORT, 0,
				   1u << ROLE_SUPPORT, NULL)) ||
		    (e = demo_step(&c, &entity_incident, id, "investigate", DEMO_ISM_EMAIL, 0,
				   1u << ROLE_ISMS_MANAGER, investigate)))
			break;
		if (personal)
			continue;
		const char *close[] = {
			"root_cause",
			"Deliveries had no one to sign for them, so the door was "
			"held open to carry boxes in.",
			"lessons_learned",
			"Deliveries to the server room are now booked and escorted; the "
			"door alarms after one minute open.",
			NULL
		};
		if ((e = demo_step(&c, &entity_incident, id, "resolve", DEMO_ISM_EMAIL, 0,
				   1u << ROLE_ISMS_MANAGER, NULL)) ||
		    (e = demo_step(&c, &entity_incident, id, "close", DEMO_ISM_EMAIL, 0,
				   1u << ROLE_ISMS_MANAGER, close)))
			break;
	}
	if (!e)
		e = db_commit(db);
	else
		db_rollback(db);
	arena_free(&a);
	return e;
}
