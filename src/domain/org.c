/* org.c - the organisation: its own record (name, contacts, the namespace of its OSCAL
 * identifiers), departments, people (employees, contractors, agents, third parties: policy 2.2
 * and 3.7) and interested parties with their requirements (policy 2.2). */
#include <string.h>

#include "domain/domain.h"
#include "util/crypto.h"

static const struct field organisation_fields[] = {
	{ .name = "name",
	  .label = "Name",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200,
	  .help = "The name the organisation is known by; exports such as the Statement of "
		  "Applicability carry it." },
	{ .name = "legal_name",
	  .label = "Legal name",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH | FF_LIST,
	  .max = 300,
	  .help = "The registered name, where it differs from the name." },
	{ .name = "website",
	  .label = "Website",
	  .type = FT_TEXT,
	  .flags = FF_LIST,
	  .max = 500,
	  .help = "The public website, starting with https://." },
	{ .name = "security_contact",
	  .label = "Security contact",
	  .type = FT_EMAIL,
	  .flags = FF_LIST,
	  .help = "Where external parties report a security issue (as a security.txt or trust "
		  "page would give it)." },
	{ .name = "trust_intro",
	  .label = "Trust page introduction",
	  .type = FT_MARKDOWN,
	  .max = 4000,
	  .help = "A short text for a public trust page: how the organisation looks after the "
		  "information entrusted to it." },
	{ .name = "notify_hours",
	  .label = "Personal-data breach notification (hours)",
	  .type = FT_INT,
	  .min = 1,
	  .max = 720,
	  .help = "How long after becoming aware of a breach involving personal data the "
		  "supervisory authority must be told: 72 hours under the GDPR when empty." },
	{ .name = "uuid",
	  .label = "OSCAL namespace",
	  .type = FT_TEXT,
	  .flags = FF_READONLY,
	  .max = 36,
	  .help = "Set once when the record is made, never changed: the UUIDs in this "
		  "organisation's OSCAL exports are derived from it, so they stay the same from "
		  "one export to the next." },
};

/* A link for a public page: a web address, not a script or a file. */
static void organisation_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	const struct value *w = model_get(r, "website");
	if (!w->set || w->null || !w->n)
		return;
	size_t skip = w->n >= 8 && !strncmp(w->s, "https://", 8)  ? 8
		      : w->n >= 7 && !strncmp(w->s, "http://", 7) ? 7
								  : 0;
	if (!skip || skip == w->n || w->s[skip] == '/' || memchr(w->s, ' ', w->n))
		verrors_add(ve, "website",
			    "must be a web address starting with https:// or http://");
}

/* The uuid is made once, on create, and kept: exported UUIDs depend on it. Custos keeps one
 * organisation record; the database's unique index holds that against races, this check
 * gives the reason in words first. */
static enum err organisation_derive(struct db *db, struct arena *a, const struct record *before,
				    struct record *after, struct verrors *ve)
{
	int k = model_field_index(after->e, "uuid");
	const struct value *old = before ? &before->v[k] : NULL;
	if (old && old->set && !old->null && old->n) {
		after->v[k] = *old;
		return ERR_OK;
	}
	/* input with errors is refused for them first (422 naming the fields), whatever exists */
	if (!before && !ve->n) {
		struct db_stmt *st;
		enum err e = db_prepare(db, "SELECT 1 FROM organisations LIMIT 1", &st);
		if (e)
			return e;
		bool row = false;
		e = db_step(st, &row);
		db_done(st);
		if (e)
			return e;
		if (row) {
			verrors_add(
				ve, NULL,
				"There is already an organisation record, and Custos keeps one: "
				"edit that record instead.");
			return ERR_CONFLICT;
		}
	}
	char *u = arena_alloc(a, CRYPTO_UUID_LEN);
	if (!u)
		return ERR_NOMEM;
	crypto_uuid4(u);
	after->v[k] = (struct value){ .set = true, .s = u, .n = strlen(u) };
	return ERR_OK;
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant organisation_access[] = {
	{ ROLE_ADMIN, "r:all c:all u:all" },
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_SUPPORT, "r:all" },
	{ ROLE_STAFF, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ ROLE_EXTERNAL, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_organisation = {
	.access = organisation_access,
	.name = "organisation",
	.plural = "organisations",
	.title = "Organisation",
	.title_plural = "Organisation settings", /* reads right for one record and for none */
	.area = "governance",
	.description = "The organisation itself, one record: its name, its security contact, and "
		       "the namespace of the identifiers in its OSCAL exports.",
	.fields = organisation_fields,
	.nfields = sizeof(organisation_fields) / sizeof(organisation_fields[0]),
	.label_field = "name",
	.default_sort = "name",
	.check = organisation_check,
	.derive = organisation_derive,
	.io = { .key = "name", .no_import = "there is one, edited in place" },
};

static const char *column(struct arena *a, struct db_stmt *st, int col)
{
	const char *s = db_col_null(st, col) ? NULL : db_col_text(st, col, NULL);
	return s ? arena_strdup(a, s) : NULL;
}

enum err organisation_get(struct db *db, struct arena *a, struct organisation_info *out)
{
	*out = (struct organisation_info){ 0 };
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT name, uuid, security_contact, trust_intro FROM organisations "
			   "ORDER BY id LIMIT 1",
			   &st);
	if (e)
		return e;
	bool row = false;
	e = db_step(st, &row);
	if (!e && row) {
		out->name = column(a, st, 0);
		out->uuid = column(a, st, 1);
		out->security_contact = column(a, st, 2);
		out->trust_intro = column(a, st, 3);
	}
	db_done(st);
	return e;
}

const char *person_name(struct db *db, struct arena *a, int64_t person)
{
	struct db_stmt *st;
	const char *name = NULL;
	if (person && db_prepare(db, "SELECT name FROM people WHERE id = $1", &st) == ERR_OK) {
		db_bind_int(st, 1, person);
		bool row;
		if (db_step(st, &row) == ERR_OK && row && db_col_text(st, 0, NULL))
			name = arena_strdup(a, db_col_text(st, 0, NULL));
		db_done(st);
	}
	return name ? name : arena_printf(a, "#%lld", (long long)person);
}

int64_t person_department(struct db *db, int64_t person)
{
	struct db_stmt *st;
	if (db_prepare(db, "SELECT department_id FROM people WHERE id = $1", &st))
		return 0;
	db_bind_int(st, 1, person);
	bool row;
	int64_t d = 0;
	if (db_step(st, &row) == ERR_OK && row && !db_col_null(st, 0))
		d = db_col_int(st, 0);
	db_done(st);
	return d;
}

static const struct field department_fields[] = {
	{ .name = "name",
	  .label = "Name",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_UNIQUE | FF_SEARCH | FF_LIST,
	  .max = 120 },
	{ .name = "code",
	  .label = "Code",
	  .type = FT_TEXT,
	  .flags = FF_UNIQUE | FF_SEARCH | FF_LIST,
	  .max = 16,
	  .help = "A short code such as OPS or HR." },
	{ .name = "head_id",
	  .label = "Head of department",
	  .type = FT_REF,
	  .flags = FF_LIST,
	  .ref = "person",
	  .help = "Accountable for the department's assets and staff awareness (policy 3.5.2, "
		  "3.6.2)." },
	{ .name = "description", .label = "Description", .type = FT_MARKDOWN, .flags = FF_SEARCH },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant department_access[] = {
	{ ROLE_ADMIN, "r:all" },
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_SUPPORT, "r:all" },
	{ ROLE_STAFF, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_department = {
	.access = department_access,
	.name = "department",
	.plural = "departments",
	.title = "Department",
	.title_plural = "Departments",
	.area = "people",
	.description = "Organisational units; each owns assets and has a head of department.",
	.fields = department_fields,
	.nfields = sizeof(department_fields) / sizeof(department_fields[0]),
	.label_field = "name",
	.default_sort = "name",
	.dept_column = "id",
	.io = { .key = "code|name" },
};

static const struct choice employment_types[] = {
	{ "employee", "Employee", NULL },
	{ "contractor", "Contractor", NULL },
	{ "agent", "Agent", NULL },
	{ "third_party", "Third party", NULL },
	{ NULL, NULL, NULL },
};

static const struct field person_fields[] = {
	{ .name = "name",
	  .label = "Name",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "email",
	  .label = "E-mail",
	  .type = FT_EMAIL,
	  .flags = FF_REQUIRED | FF_UNIQUE | FF_SEARCH | FF_LIST },
	{ .name = "department_id",
	  .label = "Department",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "department" },
	{ .name = "job_title",
	  .label = "Job title",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH | FF_LIST,
	  .max = 120 },
	{ .name = "employment_type",
	  .label = "Employment type",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = employment_types,
	  .dflt = "employee" },
	{ .name = "start_date", .label = "Start date", .type = FT_DATE },
	{ .name = "end_date",
	  .label = "End date",
	  .type = FT_DATE,
	  .help = "Last day of the engagement; access must be removed by then (policy 3.10.3)." },
	{ .name = "notes", .label = "Notes", .type = FT_LONGTEXT },
};

static void person_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	const struct value *start = model_get(r, "start_date"), *end = model_get(r, "end_date");
	if (start->s && end->s && !start->null && !end->null && strcmp(end->s, start->s) < 0)
		verrors_add(ve, "end_date", "must not be before the start date");
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant person_access[] = {
	{ ROLE_ADMIN, "r:all" },
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:department" },
	{ ROLE_SUPPORT, "r:all" },
	{ ROLE_STAFF, "r:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_person = {
	.access = person_access,
	.name = "person",
	.plural = "people",
	.title = "Person",
	.title_plural = "People",
	.area = "people",
	.description = "Employees, contractors, agents and third parties who use the "
		       "organisation's information.",
	.fields = person_fields,
	.nfields = sizeof(person_fields) / sizeof(person_fields[0]),
	.label_field = "name",
	.default_sort = "name",
	.own_column = "id",
	.dept_column = "department_id",
	.check = person_check,
	.io = { .key = "email" },
};

static const struct choice party_categories[] = {
	{ "customer", "Customer", NULL },
	{ "reseller", "Reseller", NULL },
	{ "supplier", "Supplier", NULL },
	{ "partner", "Partner", NULL },
	{ "regulator", "Legislative or regulatory body", NULL },
	{ "employee", "Employees", NULL },
	{ "shareholder", "Shareholder or owner", NULL },
	{ "other", "Other", NULL },
	{ NULL, NULL, NULL },
};

static const struct field party_fields[] = {
	{ .name = "name",
	  .label = "Name",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_UNIQUE | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "category",
	  .label = "Category",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = party_categories },
	{ .name = "requirements",
	  .label = "Requirements",
	  .type = FT_MARKDOWN,
	  .flags = FF_REQUIRED | FF_SEARCH,
	  .help = "What this party needs or expects from the organisation's information "
		  "security." },
	{ .name = "how_addressed",
	  .label = "How the ISMS addresses them",
	  .type = FT_MARKDOWN,
	  .flags = FF_SEARCH },
	{ .name = "contact", .label = "Contact", .type = FT_TEXT, .flags = FF_SEARCH, .max = 200 },
	{ .name = "in_scope",
	  .label = "Relevant to the ISMS",
	  .type = FT_BOOL,
	  .flags = FF_LIST,
	  .dflt = "true" },
	{ .name = "review_on", .label = "Next review", .type = FT_DATE, .flags = FF_LIST | FF_DUE },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant interested_party_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_interested_party = {
	.access = interested_party_access,
	.name = "interested_party",
	.plural = "interested_parties",
	.title = "Interested party",
	.title_plural = "Interested parties",
	.area = "governance",
	.description = "Parties whose needs the ISMS addresses (ISO 27001 clause 4.2).",
	.fields = party_fields,
	.nfields = sizeof(party_fields) / sizeof(party_fields[0]),
	.label_field = "name",
	.default_sort = "name",
	.io = { .key = "name" },
};

/* The registers of this file, in navigation order, and their scheduled jobs (domain.h). */
const struct area area_organisation = {
	.registers = (const struct entity *const[]){ &entity_department, &entity_person,
						     &entity_organisation, &entity_interested_party,
						     NULL },
};
