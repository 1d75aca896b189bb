/* demo_incidents.c - the demo organisation's incident targets and a few incidents at
 * different points of the workflow (a new report, one under investigation with personal data
 * and its notification clock, one closed with its lessons), taken through the same steps a
 * user takes. */
#include <string.h>

#include "core/authz.h"
#include "core/repo.h"
#include "domain/demo.h"
#include "domain/incident.h"
#include "util/log.h"
#include "util/timeutil.h"

static bool set(struct arena *a, struct record *r, const char *name, const char *text)
{
	int i = model_field_index(r->e, name);
	const char *why;
	if (i < 0)
		return false;
	return !text || model_parse_text(a, &r->e->fields[i], text, strlen(text), &r->v[i], &why);
}

static int64_t person(struct db *db, const char *email)
{
	struct db_stmt *st;
	if (db_prepare(db, "SELECT id FROM people WHERE email = $1", &st))
		return 0;
	db_bind_str(st, 1, email);
	bool row;
	int64_t id = 0;
	if (db_step(st, &row) == ERR_OK && row)
		id = db_col_int(st, 0);
	db_done(st);
	return id;
}

static enum err create(struct repo_ctx *c, struct record *r, int64_t *id)
{
	struct verrors ve = { 0 };
	enum err e = repo_create(c, r, &ve, id);
	for (size_t i = 0; e && i < ve.n; i++)
		log_error("demo: %s %s: %s", r->e->name, ve.items[i].field ? ve.items[i].field : "",
			  ve.items[i].message);
	return e;
}

/* Takes step name on incident id as email, with the step's inputs as name/value pairs. */
static enum err step(struct repo_ctx *c, int64_t id, const char *name, const char *email,
		     unsigned roles, const char *const *kv)
{
	char today[11], now[TIME_ISO_LEN];
	time_format_date(time_now(), today);
	time_format_iso(time_now(), now);
	struct actor who = { 0, email };
	struct step_env env = {
		.db = c->db, .a = c->a, .who = &who, .roles = roles, .today = today, .now = now
	};
	struct record *in = model_record_new(c->a, &entity_incident);
	if (!in)
		return ERR_NOMEM;
	for (size_t i = 0; kv && kv[i]; i += 2)
		if (!set(c->a, in, kv[i], kv[i + 1]))
			return ERR_INVALID;
	const struct actor *saved = c->who;
	c->who = &who;
	struct verrors ve = { 0 };
	enum err e = repo_step(c, &entity_incident, id, model_step(&entity_incident, name), &env,
			       in, 0, &ve);
	c->who = saved;
	for (size_t i = 0; e && i < ve.n; i++)
		log_error("demo: incident %s %s: %s", name,
			  ve.items[i].field ? ve.items[i].field : "", ve.items[i].message);
	return e;
}

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
		if (!r || !set(&a, r, "severity", targets[i].severity) ||
		    !set(&a, r, "triage_minutes", targets[i].triage) ||
		    !set(&a, r, "escalate_minutes", targets[i].escalate))
			break;
		e = create(&c, r, &id);
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
	int64_t ism = person(db, DEMO_ISM_EMAIL);
	for (size_t i = 0; !e && i < sizeof(incidents) / sizeof(incidents[0]); i++) {
		int64_t who = person(db, incidents[i].reporter);
		struct record *r = model_record_new(&a, &entity_incident);
		char num[24];
		snprintf(num, sizeof(num), "%lld", (long long)who);
		e = ERR_INVALID;
		if (!who || !r || !set(&a, r, "title", incidents[i].title) ||
		    !set(&a, r, "description", incidents[i].description) ||
		    !set(&a, r, "category", incidents[i].category) ||
		    !set(&a, r, "reporter_id", num))
			break;
		int64_t id;
		if ((e = create(&c, r, &id)) || incidents[i].stage == 0)
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
		if ((e = step(&c, id, "triage", SUPPORT, 1u << ROLE_SUPPORT, triage)) ||
		    (e = step(&c, id, "escalate", SUPPORT, 1u << ROLE_SUPPORT, NULL)) ||
		    (e = step(&c, id, "investigate", DEMO_ISM_EMAIL, 1u << ROLE_ISMS_MANAGER,
			      investigate)))
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
		if ((e = step(&c, id, "resolve", DEMO_ISM_EMAIL, 1u << ROLE_ISMS_MANAGER, NULL)) ||
		    (e = step(&c, id, "close", DEMO_ISM_EMAIL, 1u << ROLE_ISMS_MANAGER, close)))
			break;
	}
	if (!e)
		e = db_commit(db);
	else
		db_rollback(db);
	arena_free(&a);
	return e;
}
