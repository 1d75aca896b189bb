/* org.c - the organisation: departments, people (employees, contractors, agents, third
 * parties: policy 2.2 and 3.7) and interested parties with their requirements (policy 2.2). */
#include <string.h>

#include "domain/domain.h"

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

const struct entity entity_department = {
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

const struct entity entity_person = {
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

const struct entity entity_interested_party = {
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
};
