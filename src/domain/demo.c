/* demo.c - loads the demo organisation (demo_data.c) through the generic create path, so the
 * demo has a full audit trail like any real installation, plus its sign-in accounts. */
#include "domain/demo.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#include "core/repo.h"
#include "core/user.h"
#include "domain/catalogue.h"
#include "domain/domain.h"
#include "util/log.h"

static const struct actor demo_actor = { 0, "demo-loader" };

static enum err count_rows(struct db *db, const char *sql, int64_t *n)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	bool row;
	e = db_step(st, &row);
	*n = row ? db_col_int(st, 0) : 0;
	db_done(st);
	return e;
}

bool demo_set(struct arena *a, struct record *r, const char *name, const char *text)
{
	if (!text)
		return true;
	int i = model_field_index(r->e, name);
	const char *why = NULL;
	if (i < 0 || !model_parse_text(a, &r->e->fields[i], text, strlen(text), &r->v[i], &why)) {
		log_error("demo: %s.%s = '%s': %s", r->e->name, name, text,
			  why ? why : "no such field");
		return false;
	}
	return true;
}

bool demo_set_int(struct arena *a, struct record *r, const char *name, int64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%lld", (long long)v);
	return demo_set(a, r, name, num);
}

enum err demo_create(struct repo_ctx *c, struct record *r, int64_t *id)
{
	struct verrors ve = { 0 };
	enum err e = repo_create(c, r, &ve, id);
	if (e)
		for (size_t i = 0; i < ve.n; i++)
			log_error("demo: %s %s: %s", r->e->name,
				  ve.items[i].field ? ve.items[i].field : "", ve.items[i].message);
	return e;
}

enum err demo_step(struct repo_ctx *c, const struct entity *e, int64_t id, const char *name,
		   const char *email, int64_t person, unsigned roles, const char *const *inputs)
{
	char today[11], now[TIME_ISO_LEN];
	time_format_date(time_now(), today);
	time_format_iso(time_now(), now);
	struct actor who = { 0, email };
	struct step_env env = { .db = c->db,
				.a = c->a,
				.who = &who,
				.person_id = person,
				.roles = roles,
				.today = today,
				.now = now };
	struct record *in = model_record_new(c->a, e);
	if (!in)
		return ERR_NOMEM;
	for (size_t i = 0; inputs && inputs[i]; i += 2)
		if (!demo_set(c->a, in, inputs[i], inputs[i + 1]))
			return ERR_INVALID;
	const struct actor *saved = c->who;
	c->who = &who;
	struct verrors ve = { 0 };
	enum err err = repo_step(c, e, id, model_step(e, name), &env, in, 0, &ve);
	c->who = saved;
	for (size_t i = 0; err && i < ve.n; i++)
		log_error("demo: %s %s %s: %s", e->name, name,
			  ve.items[i].field ? ve.items[i].field : "", ve.items[i].message);
	return err;
}

int64_t demo_lookup(struct db *db, const char *sql, const char *key)
{
	struct db_stmt *st;
	if (db_prepare(db, sql, &st))
		return 0;
	db_bind_str(st, 1, key);
	bool row;
	int64_t id = 0;
	if (db_step(st, &row) == ERR_OK && row)
		id = db_col_int(st, 0);
	db_done(st);
	return id;
}

static int64_t find_id(const int64_t *ids, size_t n, const char *const *keys, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (key && keys[i] && strcmp(keys[i], key) == 0)
			return ids[i];
	return 0;
}

struct people_index {
	const int64_t *ids;
	const char **emails;
	size_t n;
};
struct dept_index {
	const int64_t *ids;
	const char **codes;
	size_t n;
};
struct asset_index {
	const int64_t *ids;
	const char **tags;
	size_t n;
};

/* One risk with its affected assets and action, then the steps its demo state names, taken as
 * its owner would. */
static enum err load_risk(struct repo_ctx *c, const struct demo_risk *d,
			  const struct people_index *pi, const struct dept_index *di,
			  const struct asset_index *ai)
{
	struct arena *a = c->a;
	int64_t owner = find_id(pi->ids, pi->n, pi->emails, d->owner_email);
	int64_t dept = find_id(di->ids, di->n, di->codes, d->department_code);
	struct record *r = model_record_new(a, &entity_risk);
	if (!r || !owner || !dept || !demo_set(a, r, "title", d->title) ||
	    !demo_set(a, r, "category", d->category) ||
	    !demo_set(a, r, "description", d->description) ||
	    !demo_set(a, r, "threat", d->threat) ||
	    !demo_set(a, r, "vulnerability", d->vulnerability) ||
	    !demo_set(a, r, "existing_controls", d->existing_controls) ||
	    !demo_set_int(a, r, "owner_id", owner) || !demo_set_int(a, r, "department_id", dept) ||
	    !demo_set_int(a, r, "inherent_likelihood", d->likelihood) ||
	    !demo_set_int(a, r, "inherent_impact", d->impact) ||
	    !demo_set(a, r, "treatment", d->treatment) ||
	    !demo_set(a, r, "treatment_plan", d->treatment_plan) ||
	    !demo_set(a, r, "review_on", d->review_on))
		return ERR_INVALID;
	if (d->residual_likelihood &&
	    (!demo_set_int(a, r, "residual_likelihood", d->residual_likelihood) ||
	     !demo_set_int(a, r, "residual_impact", d->residual_impact)))
		return ERR_INVALID;
	int64_t id, link;
	enum err e = demo_create(c, r, &id);
	if (e)
		return e;
	char *list = d->assets ? arena_strdup(a, d->assets) : NULL;
	char *save = NULL;
	for (char *tag = list ? strtok_r(list, ",", &save) : NULL; tag;
	     tag = strtok_r(NULL, ",", &save)) {
		int64_t asset = find_id(ai->ids, ai->n, ai->tags, tag);
		struct record *l = model_record_new(a, &entity_risk_asset);
		if (!l || !asset || !demo_set_int(a, l, "risk_id", id) ||
		    !demo_set_int(a, l, "asset_id", asset))
			return ERR_INVALID;
		if ((e = demo_create(c, l, &link)))
			return e;
	}
	if (d->action) {
		int64_t who = find_id(pi->ids, pi->n, pi->emails, d->action_owner_email);
		struct record *act = model_record_new(a, &entity_risk_action);
		if (!act || !who || !demo_set(a, act, "title", d->action) ||
		    !demo_set_int(a, act, "risk_id", id) ||
		    !demo_set_int(a, act, "owner_id", who) ||
		    !demo_set(a, act, "due_on", d->action_due) ||
		    !demo_set(a, act, "status", d->action_status))
			return ERR_INVALID;
		if ((e = demo_create(c, act, &link)))
			return e;
	}
	static const char *const submitted[] = { "submit", NULL };
	static const char *const accepted[] = { "submit", "accept", NULL };
	const char *const *steps = strcmp(d->state, "submitted") == 0  ? submitted
				   : strcmp(d->state, "accepted") == 0 ? accepted
								       : NULL;
	for (const char *const *s = steps; s && *s; s++)
		if ((e = demo_step(c, &entity_risk, id, *s, d->owner_email, owner, 0, NULL)))
			return e;
	return ERR_OK;
}

/* A few of the organisation's controls against ISO/IEC 27001:2022, so that the Statement of
 * Applicability has something to show: implemented, partial, not started and excluded ones,
 * with evidence (one item expired) and the risks they treat. */
static const struct demo_control {
	const char *control_id, *status, *owner_email, *implementation, *justification;
	bool applicable, risk, legal, contract;
	const char *evidence, *collected_on, *expires_on; /* or NULL */
	const char *treats;				  /* a demo risk's title, or NULL */
} demo_controls[] = {
	{ "5.1", "implemented", "daniel.okafor@westcloud.example",
	  "The Information Security Policy, approved by the Board, reviewed every year.",
	  "Required by ISO 27001 clause 5.2 and the policy itself.", true, false, true, true,
	  "Board minutes approving policy version 3", "2026-03-12", "2027-03-12", NULL },
	{ "5.15", "implemented", "priya.natarajan@westcloud.example",
	  "Access by role, granted on request and approved by the head of department.",
	  "Customer contracts require restricted access to call data.", true, true, false, true,
	  "Quarterly access review report", "2026-09-30", "2026-12-31",
	  "Customer call recordings disclosed" },
	{ "5.24", "partial", "daniel.okafor@westcloud.example",
	  "Incident reporting to the Support Team and escalation to the ISM; the runbook is "
	  "being rewritten.",
	  "Personal-data breaches must be notified within 72 hours.", true, true, true, false, NULL,
	  NULL, NULL, "Regulatory fine for late breach notification" },
	{ "5.30", "not_started", "ewan.campbell@westcloud.example", NULL,
	  "The telephony platform outage risk needs tested recovery.", true, true, false, true,
	  NULL, NULL, NULL, "Telephony platform outage" },
	{ "6.3", "partial", "grace.mensah@westcloud.example",
	  "Induction training for all; yearly refresher for staff handling customer data.",
	  "Phishing is among the main risks; the policy requires training.", true, true, false,
	  false, "Training completion export", "2025-10-01", "2026-10-01",
	  "Phishing leads to account takeover" },
	{ "7.1", "implemented", "marcus.reid@westcloud.example",
	  "Badge access to the office and the server room; visitors signed in.",
	  "Offices and the server room hold equipment and paper records.", true, true, false, false,
	  "Badge system configuration review", "2026-06-01", "2027-06-01",
	  "Fire or flood in the server room" },
	{ "8.5", "partial", "mei.lin@westcloud.example",
	  "Two-factor sign-in for e-mail; the CRM follows in December.",
	  "Account takeover by phishing.", true, true, false, false, NULL, NULL, NULL,
	  "Phishing leads to account takeover" },
	{ "8.13", "partial", "james.whitfield@westcloud.example",
	  "Nightly backups; immutable off-site copies being introduced.",
	  "Ransomware and loss of the database servers.", true, true, false, true,
	  "Restore test of the CRM database", "2026-08-20", "2026-11-20",
	  "Ransomware encrypts the file and database servers" },
	{ "8.30", "not_applicable", "daniel.okafor@westcloud.example", NULL,
	  "No software development is outsourced; all development is in-house (see 8.25).", false,
	  false, false, false, NULL, NULL, NULL, NULL },
};

static enum err load_controls(struct db *db, struct arena *a, const int64_t *person_ids,
			      const char **emails, size_t np)
{
	int64_t n;
	enum err e;
	static const char *const catalogues[] = { "iso27001-2022", "iso27001-2013",
						  "iso27001-2013-to-2022" };
	for (size_t i = 0; i < 3; i++)
		if ((e = catalogue_load(db, &demo_actor, catalogues[i], &n)))
			return e;
	struct repo_ctx c = { .db = db, .a = a, .who = &demo_actor };
	for (size_t i = 0; i < sizeof(demo_controls) / sizeof(demo_controls[0]); i++) {
		const struct demo_control *d = &demo_controls[i];
		int64_t cc = 0, id, risk = 0;
		struct db_stmt *st;
		if ((e = db_prepare(
			     db,
			     "SELECT cc.id FROM catalog_controls cc JOIN frameworks f ON f.id ="
			     " cc.framework_id WHERE f.code = 'iso27001-2022' AND"
			     " cc.control_id = $1",
			     &st)))
			return e;
		db_bind_str(st, 1, d->control_id);
		bool row;
		if (db_step(st, &row) == ERR_OK && row)
			cc = db_col_int(st, 0);
		db_done(st);
		int64_t owner = find_id(person_ids, np, emails, d->owner_email);
		struct record *r = model_record_new(a, &entity_control);
		if (!cc || !owner || !r || !demo_set_int(a, r, "catalog_control_id", cc) ||
		    !demo_set(a, r, "applicable", d->applicable ? "true" : "false") ||
		    !demo_set(a, r, "status", d->status) ||
		    !demo_set_int(a, r, "owner_id", owner) ||
		    !demo_set(a, r, "reason_risk", d->risk ? "true" : "false") ||
		    !demo_set(a, r, "reason_legal", d->legal ? "true" : "false") ||
		    !demo_set(a, r, "reason_contract", d->contract ? "true" : "false") ||
		    !demo_set(a, r, "justification", d->justification) ||
		    !demo_set(a, r, "implementation", d->implementation))
			return ERR_INVALID;
		if ((e = demo_create(&c, r, &id)))
			return e;
		if (d->evidence) {
			int64_t ev;
			struct record *x = model_record_new(a, &entity_evidence);
			if (!x || !demo_set_int(a, x, "control_id", id) ||
			    !demo_set(a, x, "title", d->evidence) ||
			    !demo_set(a, x, "collected_on", d->collected_on) ||
			    !demo_set(a, x, "expires_on", d->expires_on) ||
			    !demo_set_int(a, x, "collected_by_id", owner))
				return ERR_INVALID;
			if ((e = demo_create(&c, x, &ev)))
				return e;
		}
		if (d->treats) {
			if ((e = db_prepare(db, "SELECT id FROM risks WHERE title = $1", &st)))
				return e;
			db_bind_str(st, 1, d->treats);
			if (db_step(st, &row) == ERR_OK && row)
				risk = db_col_int(st, 0);
			db_done(st);
			int64_t link;
			struct record *l = model_record_new(a, &entity_control_risk);
			if (!l || !risk || !demo_set_int(a, l, "control_id", id) ||
			    !demo_set_int(a, l, "risk_id", risk))
				return ERR_INVALID;
			if ((e = demo_create(&c, l, &link)))
				return e;
		}
	}
	return ERR_OK;
}

enum err demo_load(struct db *db, bool *loaded)
{
	*loaded = false;
	int64_t n_dept = 0, n_users = 0;
	enum err e;
	if ((e = count_rows(db, "SELECT count(*) FROM departments", &n_dept)) ||
	    (e = count_rows(db, "SELECT count(*) FROM users", &n_users)))
		return e;
	if (n_dept || n_users)
		return ERR_OK;

	struct arena a;
	arena_init(&a, 0);
	/* the organisation goes in as one transaction: all of it or nothing */
	struct repo_ctx c = { .db = db, .a = &a, .who = &demo_actor, .in_tx = true };
	bool in_tx = false;
	size_t nd = demo_departments_count, np = demo_people_count;
	int64_t *dept_ids = arena_alloc(&a, sizeof(int64_t) * nd);
	int64_t *person_ids = arena_alloc(&a, sizeof(int64_t) * np);
	const char **dept_codes = arena_alloc(&a, sizeof(char *) * nd);
	const char **emails = arena_alloc(&a, sizeof(char *) * np);
	e = ERR_NOMEM;
	if (!dept_ids || !person_ids || !dept_codes || !emails)
		goto done;
	if ((e = db_begin(db)))
		goto done;
	in_tx = true;

	/* the organisation's own record, unless someone made it already: there is only one */
	struct organisation_info org;
	if ((e = organisation_get(db, &a, &org)))
		goto done;
	if (!org.name) {
		const struct demo_organisation *o = &demo_organisation;
		struct record *r = model_record_new(&a, &entity_organisation);
		int64_t id;
		e = ERR_INVALID;
		if (!r || !demo_set(&a, r, "name", o->name) ||
		    !demo_set(&a, r, "legal_name", o->legal_name) ||
		    !demo_set(&a, r, "website", o->website) ||
		    !demo_set(&a, r, "security_contact", o->security_contact) ||
		    !demo_set(&a, r, "trust_intro", o->trust_intro))
			goto done;
		if ((e = demo_create(&c, r, &id)))
			goto done;
	}
	for (size_t i = 0; i < nd; i++) {
		const struct demo_department *d = &demo_departments[i];
		struct record *r = model_record_new(&a, &entity_department);
		e = ERR_INVALID;
		if (!r || !demo_set(&a, r, "name", d->name) || !demo_set(&a, r, "code", d->code) ||
		    !demo_set(&a, r, "description", d->description))
			goto done;
		if ((e = demo_create(&c, r, &dept_ids[i])))
			goto done;
		dept_codes[i] = d->code;
	}
	for (size_t i = 0; i < np; i++) {
		const struct demo_person *p = &demo_people[i];
		struct record *r = model_record_new(&a, &entity_person);
		int64_t dept = find_id(dept_ids, nd, dept_codes, p->department_code);
		e = ERR_INVALID;
		if (!r || !dept || !demo_set(&a, r, "name", p->name) ||
		    !demo_set(&a, r, "email", p->email) ||
		    !demo_set_int(&a, r, "department_id", dept) ||
		    !demo_set(&a, r, "job_title", p->job_title) ||
		    !demo_set(&a, r, "employment_type", p->employment_type) ||
		    !demo_set(&a, r, "start_date", p->start_date) ||
		    !demo_set(&a, r, "end_date", p->end_date))
			goto done;
		if ((e = demo_create(&c, r, &person_ids[i])))
			goto done;
		emails[i] = p->email;
	}
	/* heads of department point at people, so they are set once people exist */
	for (size_t i = 0; i < nd; i++) {
		int64_t head = find_id(person_ids, np, emails, demo_departments[i].head_email);
		if (!head)
			continue;
		struct record *patch = model_record_new(&a, &entity_department);
		struct verrors ve = { 0 };
		e = ERR_INVALID;
		if (!patch || !demo_set_int(&a, patch, "head_id", head))
			goto done;
		if ((e = repo_update(&c, &entity_department, dept_ids[i], patch, 0, &ve)))
			goto done;
	}
	size_t na = demo_assets_count;
	int64_t *asset_ids = arena_alloc(&a, sizeof(int64_t) * na);
	const char **tags = arena_alloc(&a, sizeof(char *) * na);
	e = ERR_NOMEM;
	if (!asset_ids || !tags)
		goto done;
	for (size_t i = 0; i < na; i++) {
		const struct demo_asset *s = &demo_assets[i];
		struct record *r = model_record_new(&a, &entity_asset);
		int64_t owner = find_id(person_ids, np, emails, s->owner_email);
		int64_t dept = find_id(dept_ids, nd, dept_codes, s->department_code);
		int64_t *id = &asset_ids[i];
		tags[i] = s->identifier ? s->identifier : "";
		e = ERR_INVALID;
		if (!r || !owner || !dept || !demo_set(&a, r, "name", s->name) ||
		    !demo_set(&a, r, "identifier", s->identifier) ||
		    !demo_set(&a, r, "type", s->type) ||
		    !demo_set(&a, r, "description", s->description) ||
		    !demo_set_int(&a, r, "owner_id", owner) ||
		    !demo_set_int(&a, r, "department_id", dept) ||
		    !demo_set_int(&a, r, "confidentiality", s->confidentiality) ||
		    !demo_set_int(&a, r, "integrity", s->integrity) ||
		    !demo_set_int(&a, r, "availability", s->availability) ||
		    !demo_set(&a, r, "location", s->location) ||
		    !demo_set(&a, r, "status", s->status) ||
		    !demo_set(&a, r, "acquired_on", s->acquired_on) ||
		    !demo_set(&a, r, "review_on", s->review_on))
			goto done;
		if ((e = demo_create(&c, r, id)))
			goto done;
	}
	for (size_t i = 0; i < demo_parties_count; i++) {
		const struct demo_party *p = &demo_parties[i];
		struct record *r = model_record_new(&a, &entity_interested_party);
		int64_t id;
		e = ERR_INVALID;
		if (!r || !demo_set(&a, r, "name", p->name) ||
		    !demo_set(&a, r, "category", p->category) ||
		    !demo_set(&a, r, "requirements", p->requirements) ||
		    !demo_set(&a, r, "how_addressed", p->how_addressed) ||
		    !demo_set(&a, r, "contact", p->contact) ||
		    !demo_set(&a, r, "in_scope", p->in_scope ? "true" : "false") ||
		    !demo_set(&a, r, "review_on", p->review_on))
			goto done;
		if ((e = demo_create(&c, r, &id)))
			goto done;
	}

	for (size_t i = 0; i < demo_risks_count; i++) {
		struct people_index pi = { person_ids, emails, np };
		struct dept_index di = { dept_ids, dept_codes, nd };
		struct asset_index ai = { asset_ids, tags, na };
		if ((e = load_risk(&c, &demo_risks[i], &pi, &di, &ai)))
			goto done;
	}

	if ((e = db_commit(db)))
		goto done;
	in_tx = false;
	if ((e = load_controls(db, &a, person_ids, emails, np)))
		goto done;
	if ((e = demo_documents(db)) || (e = demo_incidents(db)))
		goto done;

	/* sign-in accounts: the administrator, and one of the policy's people for each role */
	static const struct {
		const char *email, *name, *role;
	} accounts[] = {
		{ DEMO_ADMIN_EMAIL, "Custos Administrator", "admin" },
		{ DEMO_ISM_EMAIL, "Daniel Okafor", "isms_manager" },
		{ "amelia.hart@westcloud.example", "Amelia Hart", "board" },
		{ "priya.natarajan@westcloud.example", "Priya Natarajan", "operations_manager" },
		{ "grace.mensah@westcloud.example", "Grace Mensah", "hr_manager" },
		{ "sofia.rossi@westcloud.example", "Sofia Rossi", "department_head" },
		{ "aisha.rahman@westcloud.example", "Aisha Rahman", "support" },
		{ "ben.carter@westcloud.example", "Ben Carter", "staff" },
		{ "claire.morgan@westcloud.example", "Claire Morgan", "auditor" },
	};
	for (size_t i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++) {
		struct verrors ve = { 0 };
		int64_t id;
		const char *roles[] = { accounts[i].role };
		if ((e = user_create(db, &a, &demo_actor, accounts[i].email, accounts[i].name,
				     DEMO_PASSWORD, roles, 1, 0, &ve, &id)))
			goto done;
	}
	*loaded = true;
	e = ERR_OK;
done:
	if (in_tx)
		db_rollback(db);
	arena_free(&a);
	return e;
}
