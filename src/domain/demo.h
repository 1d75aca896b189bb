/* demo.h - the demo organisation: a cloud contact-centre company, as plain data. demo.c loads
 * it through the same generic create path as the API, so every row has its audit event. */
#ifndef CUSTOS_DEMO_H
#define CUSTOS_DEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/audit.h"
#include "core/model.h"
#include "store/db.h"
#include "util/err.h"

struct demo_organisation {
	const char *name, *legal_name, *website, *security_contact;
	const char *trust_intro; /* Markdown */
};

struct demo_department {
	const char *name;
	const char *code;	 /* unique, e.g. "OPS" */
	const char *description; /* Markdown, one or two sentences */
	const char *head_email;	 /* a demo_person's e-mail, or NULL */
};

struct demo_person {
	const char *name;
	const char *email;	     /* unique, @westcloud.example */
	const char *department_code; /* a demo_department's code */
	const char *job_title;
	const char *employment_type; /* employee, contractor, agent, third_party */
	const char *start_date;	     /* YYYY-MM-DD or NULL */
	const char *end_date;	     /* YYYY-MM-DD or NULL */
};

struct demo_asset {
	const char *name;
	const char *identifier;	 /* unique tag, e.g. "SRV-001", or NULL */
	const char *type;	 /* a value of the asset type enum (see asset.c) */
	const char *description; /* Markdown */
	const char *owner_email; /* a demo_person's e-mail */
	const char *department_code;
	int confidentiality, integrity, availability; /* 1..4 */
	const char *location;
	const char *status;	 /* planned, in_use, retired, disposed */
	const char *acquired_on; /* YYYY-MM-DD or NULL */
	const char *review_on;	 /* YYYY-MM-DD or NULL */
};

struct demo_party {
	const char *name;
	const char *category;	   /* customer, reseller, supplier, partner, regulator, employee,
				      shareholder, other */
	const char *requirements;  /* Markdown */
	const char *how_addressed; /* Markdown or NULL */
	const char *contact;	   /* or NULL */
	bool in_scope;
	const char *review_on; /* YYYY-MM-DD or NULL */
};

struct demo_risk {
	const char *title;
	const char *category; /* a value of the risk category enum (see risk.c) */
	const char *description, *threat, *vulnerability, *existing_controls;
	const char *owner_email;
	const char *department_code;
	int likelihood, impact; /* inherent, 1..5 on the default method */
	const char *treatment;	/* modify, retain, avoid, share, or NULL */
	const char *treatment_plan;
	int residual_likelihood, residual_impact; /* 0: not assessed yet */
	const char *review_on;
	const char *assets; /* asset identifiers separated by commas, or NULL */
	const char *action, *action_owner_email, *action_due, *action_status; /* or NULL */
	const char *state; /* open, submitted (awaiting the owner), accepted (by the owner) */
};

extern const struct demo_organisation demo_organisation;
extern const struct demo_department demo_departments[];
extern const size_t demo_departments_count;
extern const struct demo_person demo_people[];
extern const size_t demo_people_count;
extern const struct demo_asset demo_assets[];
extern const size_t demo_assets_count;
extern const struct demo_risk demo_risks[];
extern const size_t demo_risks_count;
extern const struct demo_party demo_parties[];
extern const size_t demo_parties_count;

#define DEMO_PASSWORD	 "custos-demo-password"
#define DEMO_ADMIN_EMAIL "admin@westcloud.example"
#define DEMO_ISM_EMAIL	 "daniel.okafor@westcloud.example"

/* For the demo's files (demo.c, demo_documents.c, demo_incidents.c): the data is ours, so a
 * failure is a bug in it, logged with the field or the step's reasons. */
struct repo_ctx;
/* Sets field name of r from text (NULL: leaves it unset). */
bool demo_set(struct arena *a, struct record *r, const char *name, const char *text);
bool demo_set_int(struct arena *a, struct record *r, const char *name, int64_t v);
enum err demo_create(struct repo_ctx *c, struct record *r, int64_t *id) WUR;
/* Takes step name on record id of e as email (person, roles), with the step's inputs as
 * name/value pairs (NULL-terminated, or NULL). */
enum err demo_step(struct repo_ctx *c, const struct entity *e, int64_t id, const char *name,
		   const char *email, int64_t person, unsigned roles,
		   const char *const *inputs) WUR;
/* The id the query (one text parameter) finds, 0 if none. */
int64_t demo_lookup(struct db *db, const char *sql, const char *key);

/* Fills an empty database (no departments, no users) with the demo organisation and its
 * sign-in accounts. *loaded is false when the database already held data. */
enum err demo_load(struct db *db, bool *loaded) WUR;
/* The policy set (demo_documents.c), taken through the document workflow; needs the people. */
enum err demo_documents(struct db *db) WUR;
/* Incident targets and a few incidents (demo_incidents.c), through the incident workflow. */
enum err demo_incidents(struct db *db) WUR;

#endif
