/* demo_documents.c - the demo organisation's policy set, in our own words and structured like
 * the customer's policy: the information security policy (public, approved by the ISM and the
 * Board, published, read by most staff), two procedures and a guideline, and a standard still
 * in review, each taken through the same workflow steps a user takes. */
#include <string.h>

#include "core/authz.h"
#include "core/repo.h"
#include "domain/demo.h"
#include "domain/document.h"

static const char policy_text[] =
	"## 1. Policy overview\n\n"
	"### 1.1 Policy statement\n\n"
	"Management gives direction and support for information security in line with what "
	"the business needs and with the laws and contracts that apply to it.\n\n"
	"### 1.2 This document\n\n"
	"The Board has approved this policy. The current version is on the intranet for every "
	"member of staff, and a copy is available to customers, suppliers and other external "
	"parties on request or on our public trust page.\n\n"
	"## 2. Introduction\n\n"
	"### 2.1 Why we protect information\n\n"
	"Information is one of our most valuable assets. Customers trust us with their data and "
	"we depend on complete, accurate and available information to serve them. This policy "
	"sets out how we protect it:\n\n"
	"- against threats from inside and outside, deliberate or accidental;\n"
	"- so that information can be shared safely;\n"
	"- so that everyone knows their part in protecting it;\n"
	"- so that the business keeps running and damage stays small when something goes "
	"wrong;\n"
	"- so that we meet our legal and contractual obligations.\n\n"
	"How well these aims are met is measured by the effectiveness measures of the ISMS.\n\n"
	"### 2.2 Scope\n\n"
	"The policy applies to all information in any form (spoken, printed, stored or sent "
	"electronically), to everyone who works for or with us (employees, contractors, agents "
	"and third parties with access to our systems), and to every site and system.\n\n"
	"### 2.3 Framework\n\n"
	"Our information security management system follows ISO/IEC 27001. Controls are chosen "
	"from its Annex A on the basis of risk, and recorded in the Statement of "
	"Applicability.\n\n"
	"## 3. Policy\n\n"
	"### 3.1 Responsibilities\n\n"
	"- **The Board** approves this policy, sets the risk appetite and accepts risks above "
	"it.\n"
	"- **The Information Security Manager** runs the ISMS, keeps this policy under review "
	"and leads the investigation of incidents.\n"
	"- **The Operations Manager** is responsible for the security of our premises, systems "
	"and networks.\n"
	"- **The HR Manager** screens new staff, makes sure everyone is trained, and handles "
	"joiners, movers and leavers.\n"
	"- **Heads of department** make sure their teams follow this policy and own their "
	"department's information assets.\n"
	"- **The Support Team** is the first point of contact for reporting incidents.\n"
	"- **Everyone** follows this policy and reports anything that may be a security "
	"incident, straight away.\n\n"
	"### 3.2 Risk assessment\n\n"
	"Risks to information are assessed by likelihood and impact using the approved risk "
	"method, treated in line with the risk appetite, and reviewed at least once a year.\n\n"
	"### 3.3 Assets\n\n"
	"Every information asset has an owner and is recorded in the asset register with its "
	"classification.\n\n"
	"### 3.4 Access\n\n"
	"Access is given by role, on a need-to-know basis, through a formal request. Access is "
	"removed promptly when someone changes role or leaves.\n\n"
	"### 3.5 Incidents\n\n"
	"Suspected and actual security incidents are reported to the Support Team at once and "
	"escalated to the Information Security Manager, following the incident reporting "
	"procedure.\n\n"
	"### 3.6 People\n\n"
	"Staff are screened before they join, trained in information security when they join "
	"and every year after, and reminded of their obligations when they leave.\n\n"
	"### 3.7 Premises and equipment\n\n"
	"Secure areas are protected by entry controls. Equipment is protected against loss, "
	"theft and damage.\n\n"
	"### 3.8 Business continuity\n\n"
	"Business continuity plans are kept for critical services and tested at least once a "
	"year.\n\n"
	"### 3.9 Compliance\n\n"
	"We meet the laws, regulations and contracts that apply to our information, including "
	"data protection law.\n\n"
	"### 3.10 Review\n\n"
	"The Information Security Manager reviews this policy at least once a year and after "
	"any significant change; the Board approves every new version. Anyone may propose a "
	"change through a change request.\n";

static const char access_text[] =
	"## 1. Purpose\n\n"
	"How access to our systems is requested, approved, changed and removed.\n\n"
	"## 2. Requesting access\n\n"
	"1. The line manager raises an access request naming the person, the system and the "
	"role.\n"
	"2. The system owner approves the role.\n"
	"3. The Operations team creates the account and records it.\n\n"
	"## 3. Changes and leavers\n\n"
	"HR tells Operations of every move and every leaver before the change takes effect. "
	"Accounts of leavers are disabled on their last day.\n\n"
	"## 4. Reviews\n\n"
	"System owners review who has access every quarter and remove what is no longer "
	"needed.\n";

static const char incident_text[] =
	"## 1. What to report\n\n"
	"Anything that may harm our information: lost or stolen equipment, a suspicious e-mail, "
	"an unexpected error or outage, a door left open, a password shared, a change made "
	"without approval.\n\n"
	"## 2. How to report\n\n"
	"Report it to the Support Team at once, using the report form in Custos or by phone. "
	"Say what happened, when, and what is affected. Do not try to investigate yourself.\n\n"
	"## 3. What happens next\n\n"
	"The Support Team records and triages the report and escalates it to the Information "
	"Security Manager, who leads the investigation.\n";

static const char aup_text[] =
	"## Using our systems well\n\n"
	"- Lock your screen when you step away.\n"
	"- Keep your passwords to yourself and use the password manager.\n"
	"- Store work on the company's systems, not on personal devices or services.\n"
	"- Think before you click: report suspicious messages to the Support Team.\n";

static const char crypto_text[] =
	"## 1. Scope\n\n"
	"Which cryptography protects our data at rest and in transit.\n\n"
	"## 2. Requirements\n\n"
	"- Data in transit: TLS 1.2 or later.\n"
	"- Data at rest: full-disk encryption on every laptop and server.\n"
	"- Keys are kept in the key management service; nobody holds them on paper.\n";

struct demo_doc {
	const char *code, *title, *kind, *classification, *owner_email, *audience, *summary;
	const char *text, *state; /* how far it goes: draft, in_review or published */
	int read_pct;		  /* of those asked, how many have acknowledged */
	const char *control;	  /* the ISO/IEC 27001:2022 control it implements, or NULL */
};

static const struct demo_doc docs[] = {
	{ "POL-001", "Information Security Policy", "policy", "public", DEMO_ISM_EMAIL, "everyone",
	  "The top policy of the ISMS: direction, scope, responsibilities and principles.",
	  policy_text, "published", 70, "5.1" },
	{ "PRO-ACC", "Access Control Procedure", "procedure", "internal",
	  "priya.natarajan@westcloud.example", "everyone",
	  "How access is requested, approved, changed and removed.", access_text, "published", 45,
	  "5.15" },
	{ "PRO-INC", "Incident Reporting Procedure", "procedure", "public", DEMO_ISM_EMAIL,
	  "everyone", "What to report, how, and what happens next.", incident_text, "published", 85,
	  "5.24" },
	{ "GUI-AUP", "Acceptable Use Guideline", "guideline", "internal", DEMO_ISM_EMAIL,
	  "employees", "Everyday good practice with our systems.", aup_text, "draft", 0 },
	{ "STD-CRY", "Cryptography Standard", "standard", "confidential",
	  "priya.natarajan@westcloud.example", "department",
	  "Which cryptography protects our data.", crypto_text, "in_review", 0 },
};

/* Everyone asked to read a version: the first pct percent of them (by id) have read it. */
static enum err acknowledge_some(struct repo_ctx *c, int64_t version, int pct)
{
	struct db_stmt *st;
	enum err e =
		db_prepare(c->db,
			   "SELECT k.id, k.person_id, p.email FROM acknowledgements k JOIN "
			   "people p ON p.id = k.person_id WHERE k.version_id = $1 ORDER BY k.id",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, version);
	int64_t ids[512], people[512];
	const char *emails[512];
	size_t n = 0;
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row && n < 512) {
		ids[n] = db_col_int(st, 0);
		people[n] = db_col_int(st, 1);
		const char *m = db_col_text(st, 2, NULL);
		emails[n++] = m ? arena_strdup(c->a, m) : "";
	}
	db_done(st);
	size_t want = n * (size_t)pct / 100;
	for (size_t i = 0; !e && i < want; i++)
		e = demo_step(c, &entity_acknowledgement, ids[i], "acknowledge", emails[i],
			      people[i], 1u << ROLE_STAFF, NULL);
	return e;
}

enum err demo_documents(struct db *db)
{
	struct arena a;
	arena_init(&a, 0);
	static const struct actor loader = { 0, "demo-loader" };
	/* one transaction: all of the policy set or none, and one sync to disk, not hundreds */
	struct repo_ctx c = { .db = db, .a = &a, .who = &loader, .in_tx = true };
	int64_t ism = demo_lookup(db, "SELECT id FROM people WHERE email = $1", DEMO_ISM_EMAIL);
	int64_t board = demo_lookup(db, "SELECT id FROM people WHERE email = $1",
				    "amelia.hart@westcloud.example");
	int64_t ops_dept = demo_lookup(db, "SELECT id FROM departments WHERE code = $1", "OPS");
	enum err e = db_begin(db);
	for (size_t i = 0; !e && i < sizeof(docs) / sizeof(docs[0]); i++) {
		const struct demo_doc *d = &docs[i];
		int64_t owner =
			demo_lookup(db, "SELECT id FROM people WHERE email = $1", d->owner_email);
		struct record *r = model_record_new(&a, &entity_document);
		char num[24];
		e = ERR_INVALID;
		snprintf(num, sizeof(num), "%lld", (long long)owner);
		if (!r || !owner || !demo_set(&a, r, "code", d->code) ||
		    !demo_set(&a, r, "title", d->title) || !demo_set(&a, r, "kind", d->kind) ||
		    !demo_set(&a, r, "classification", d->classification) ||
		    !demo_set(&a, r, "owner_id", num) ||
		    !demo_set(&a, r, "audience", d->audience) ||
		    !demo_set(&a, r, "summary", d->summary))
			break;
		if (strcmp(d->audience, "department") == 0) {
			snprintf(num, sizeof(num), "%lld", (long long)ops_dept);
			if (!ops_dept || !demo_set(&a, r, "audience_department_id", num))
				break;
		}
		int64_t doc;
		struct verrors ve = { 0 };
		if ((e = repo_create(&c, r, &ve, &doc)))
			break;
		struct record *v = model_record_new(&a, &entity_document_version);
		snprintf(num, sizeof(num), "%lld", (long long)doc);
		e = ERR_INVALID;
		if (!v || !demo_set(&a, v, "document_id", num) ||
		    !demo_set(&a, v, "body", d->text) ||
		    !demo_set(&a, v, "change_summary", "First issue."))
			break;
		int64_t ver;
		if ((e = repo_create(&c, v, &ve, &ver)))
			break;
		int64_t control = d->control
					  ? demo_lookup(db,
							"SELECT c.id FROM controls c JOIN "
							"catalog_controls cc ON cc.id = "
							"c.catalog_control_id JOIN frameworks f ON "
							"f.id = cc.framework_id WHERE f.code = "
							"'iso27001-2022' AND cc.control_id = $1",
							d->control)
					  : 0;
		if (control) { /* the control's page lists the document that implements it */
			struct record *link = model_record_new(&a, &entity_document_control);
			char ctl[24];
			snprintf(ctl, sizeof(ctl), "%lld", (long long)control);
			int64_t lid;
			e = ERR_INVALID;
			if (!link || !demo_set(&a, link, "document_id", num) ||
			    !demo_set(&a, link, "control_id", ctl) ||
			    !demo_set(&a, link, "note", "Sets out how the control is met."))
				break;
			if ((e = repo_create(&c, link, &ve, &lid)))
				break;
		}
		if (strcmp(d->state, "draft") == 0)
			continue;
		if ((e = demo_step(&c, &entity_document_version, ver, "submit", d->owner_email,
				   owner, 1u << ROLE_ISMS_MANAGER, NULL)))
			break;
		if (strcmp(d->state, "in_review") == 0)
			continue;
		if ((e = demo_step(&c, &entity_document_version, ver, "approve", DEMO_ISM_EMAIL,
				   ism, 1u << ROLE_ISMS_MANAGER, NULL)))
			break;
		if (strcmp(d->kind, "policy") == 0 &&
		    (e = demo_step(&c, &entity_document_version, ver, "approve",
				   "amelia.hart@westcloud.example", board, 1u << ROLE_BOARD, NULL)))
			break;
		if ((e = demo_step(&c, &entity_document_version, ver, "publish", DEMO_ISM_EMAIL,
				   ism, 1u << ROLE_ISMS_MANAGER, NULL)))
			break;
		e = acknowledge_some(&c, ver, d->read_pct);
	}
	if (!e)
		e = db_commit(db);
	else
		db_rollback(db);
	arena_free(&a);
	return e;
}
