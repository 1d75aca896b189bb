/* control.c - controls (ISO 27001 6.1.3 c/d, Annex A; policy 2.4, 3.3.5): catalogues of
 * controls from frameworks (ISO/IEC 27001:2013 and 2022 Annex A, NIST SP 800-53, any OSCAL
 * catalog), mappings between them, the organisation's implementation of each control it adopts
 * with its evidence and the risks it treats. The Statement of Applicability is built from
 * these records. */
#include <string.h>

#include "core/repo.h"
#include "domain/domain.h"
#include "store/db.h"

static const struct choice framework_kinds[] = {
	{ "iso27001", "ISO/IEC 27001 Annex A", NULL },
	{ "nist80053", "NIST SP 800-53", NULL },
	{ "other", "Other", NULL },
	{ NULL, NULL, NULL },
};

static const struct field framework_fields[] = {
	{ .name = "code",
	  .label = "Code",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_UNIQUE | FF_SEARCH | FF_LIST,
	  .max = 64,
	  .help = "A short unique name, e.g. iso27001-2022." },
	{ .name = "name",
	  .label = "Name",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "kind",
	  .label = "Kind",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = framework_kinds,
	  .dflt = "other" },
	{ .name = "edition",
	  .label = "Version",
	  .type = FT_TEXT,
	  .flags = FF_LIST,
	  .max = 64,
	  .help = "The framework's own version, e.g. 2022 or Rev 5." },
	{ .name = "source",
	  .label = "Source",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH,
	  .max = 500,
	  .help = "Where the catalogue came from (built in, or the imported file)." },
	{ .name = "description", .label = "Description", .type = FT_MARKDOWN, .flags = FF_SEARCH },
};

/* OSCAL catalogs are imported on their own page (http/ui_oscal.c), linked from the list */
static const struct entity_page framework_pages[] = {
	{ "/frameworks/oscal", "Import OSCAL catalog" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant framework_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_framework = {
	.access = framework_access,
	.name = "framework",
	.plural = "frameworks",
	.title = "Framework",
	.title_plural = "Frameworks",
	.area = "controls",
	.description = "Control catalogues: ISO/IEC 27001 Annex A, NIST SP 800-53 and others.",
	.fields = framework_fields,
	.nfields = sizeof(framework_fields) / sizeof(framework_fields[0]),
	.label_field = "name",
	.default_sort = "code",
	.pages = framework_pages,
	.io = { .key = "code" },
};

static const struct field catalog_fields[] = {
	{ .name = "framework_id",
	  .label = "Framework",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "framework" },
	{ .name = "control_id",
	  .label = "Identifier",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 64,
	  .help = "As the framework numbers it, e.g. A.9.2.1, 5.15 or AC-2(1)." },
	{ .name = "title",
	  .label = "Title",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 500 },
	{ .name = "group_id",
	  .label = "Group",
	  .type = FT_TEXT,
	  .flags = FF_LIST,
	  .max = 64,
	  .help = "The domain, theme or family, e.g. A.9, 5 or AC." },
	{ .name = "group_title",
	  .label = "Group title",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH,
	  .max = 200 },
	{ .name = "parent_id",
	  .label = "Enhancement of",
	  .type = FT_REF,
	  .ref = "catalog_control",
	  .help = "For a control enhancement (NIST), the control it enhances." },
	{ .name = "statement", .label = "Statement", .type = FT_MARKDOWN, .flags = FF_SEARCH },
	{ .name = "guidance", .label = "Guidance", .type = FT_MARKDOWN },
	{ .name = "withdrawn",
	  .label = "Withdrawn",
	  .type = FT_BOOL,
	  .flags = FF_LIST,
	  .dflt = "false" },
	{ .name = "sort_order",
	  .label = "Order",
	  .type = FT_INT,
	  .min = 0,
	  .max = 1000000,
	  .help = "The position in the catalogue." },
};

/* Set while a catalogue control's rename updates its control (one thread, one transaction). */
static __thread struct {
	int64_t catalog_id;
	const char *name;
} renaming;

/* A control's name is its catalogue control's identifier and title: when an organisation
 * imports the official titles, its controls are renamed with them (each change audited). */
static enum err catalog_derive(struct db *db, struct arena *a, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	if (!before)
		return ERR_OK;
	const struct value *t0 = model_get(before, "title"), *t1 = model_get(after, "title");
	const struct value *i0 = model_get(before, "control_id"),
			   *i1 = model_get(after, "control_id");
	bool same = t0->n == t1->n && i0->n == i1->n && t0->s && t1->s && i0->s && i1->s &&
		    !memcmp(t0->s, t1->s, t0->n) && !memcmp(i0->s, i1->s, i0->n);
	if (same)
		return ERR_OK;
	const char *name = arena_printf(a, "%s %s", i1->s ? i1->s : "", t1->s ? t1->s : "");
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT id FROM controls WHERE catalog_control_id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, before->id);
	bool row;
	int64_t id = 0;
	if (db_step(st, &row) == ERR_OK && row)
		id = db_col_int(st, 0);
	db_done(st);
	if (!id || !name)
		return ERR_OK;
	/* the control's derive reads the name from the catalogue row, which this transaction has
	 * not written yet: it is told the new one for the length of this update */
	static const struct actor custos = { 0, "custos" };
	struct repo_ctx rc = { .db = db, .a = a, .who = &custos, .in_tx = true };
	struct record *patch = model_record_new(a, &entity_control);
	if (!patch)
		return ERR_NOMEM;
	int k = model_field_index(&entity_control, "name");
	patch->v[k] = (struct value){ .set = true, .s = name, .n = strlen(name) };
	renaming.catalog_id = before->id;
	renaming.name = name;
	enum err ue = repo_update(&rc, &entity_control, id, patch, 0, ve);
	renaming.catalog_id = 0;
	return ue;
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant catalog_control_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_catalog_control = {
	.access = catalog_control_access,
	.name = "catalog_control",
	.plural = "catalog_controls",
	.title = "Catalogue control",
	.title_plural = "Catalogue controls",
	.area = "controls",
	.description = "The controls of each framework, as the catalogue states them.",
	.fields = catalog_fields,
	.nfields = sizeof(catalog_fields) / sizeof(catalog_fields[0]),
	.label_field = "title",
	.label_prefix = "control_id",
	.default_sort = "sort_order",
	.derive = catalog_derive,
	.io = { .key = "framework_id+control_id" },
};

static const struct choice relationships[] = {
	{ "equal", "Equal", "Both controls ask for the same thing." },
	{ "subset", "Subset", "The first control is part of the second." },
	{ "superset", "Superset", "The first control covers more than the second." },
	{ "intersects", "Intersects", "The controls overlap in part." },
	{ NULL, NULL, NULL },
};

static const struct field mapping_fields[] = {
	{ .name = "name",
	  .label = "Mapping",
	  .type = FT_TEXT,
	  .flags = FF_READONLY | FF_SEARCH | FF_LIST,
	  .max = 300 },
	{ .name = "from_id",
	  .label = "Control",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "catalog_control" },
	{ .name = "relationship",
	  .label = "Relationship",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = relationships,
	  .dflt = "intersects" },
	{ .name = "to_id",
	  .label = "Equivalent control",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "catalog_control" },
	{ .name = "source",
	  .label = "Source",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH | FF_LIST,
	  .max = 500 },
};

/* A control mapped to itself would list itself among its own equivalents. */
static void mapping_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	const struct value *from = model_get(r, "from_id"), *to = model_get(r, "to_id");
	if (from->set && !from->null && to->set && !to->null && from->i == to->i)
		verrors_add(ve, "to_id", "must be another control than the first");
}

/* "A.9.2.1 -> 5.16 (subset)": readable wherever a mapping is listed. */
static enum err mapping_derive(struct db *db, struct arena *a, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	(void)before;
	(void)ve;
	const struct value *from = model_get(after, "from_id"), *to = model_get(after, "to_id");
	const struct value *rel = model_get(after, "relationship");
	if (!from->set || from->null || !to->set || to->null)
		return ERR_OK;
	const char *ids[2] = { NULL, NULL };
	int64_t keys[2] = { from->i, to->i };
	for (int k = 0; k < 2; k++) {
		struct db_stmt *st;
		enum err e = db_prepare(db, "SELECT control_id FROM catalog_controls WHERE id = $1",
					&st);
		if (e)
			return e;
		db_bind_int(st, 1, keys[k]);
		bool row;
		e = db_step(st, &row);
		const char *s = !e && row ? db_col_text(st, 0, NULL) : NULL;
		ids[k] = s ? arena_strdup(a, s) : NULL;
		db_done(st);
		if (e)
			return e;
	}
	if (!ids[0] || !ids[1])
		return ERR_OK; /* a dangling reference is reported by the reference check */
	const char *name = arena_printf(a, "%s \xE2\x86\x92 %s (%s)", ids[0], ids[1],
					rel->set && !rel->null && rel->s ? rel->s : "?");
	int i = model_field_index(after->e, "name");
	if (name)
		after->v[i] = (struct value){ .set = true, .s = name, .n = strlen(name) };
	return ERR_OK;
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant control_mapping_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_control_mapping = {
	.access = control_mapping_access,
	.name = "control_mapping",
	.plural = "control_mappings",
	.title = "Control mapping",
	.title_plural = "Control mappings",
	.area = "controls",
	.description = "Which controls of one framework correspond to which of another.",
	.fields = mapping_fields,
	.nfields = sizeof(mapping_fields) / sizeof(mapping_fields[0]),
	.label_field = "name",
	.default_sort = "from_id",
	.check = mapping_check,
	.derive = mapping_derive,
	.io = { .key = "from_id+to_id" },
};

static const struct choice impl_states[] = {
	{ "not_started", "Not started", NULL },
	{ "partial", "Partly implemented", NULL },
	{ "implemented", "Implemented", NULL },
	{ "not_applicable", "Not applicable", NULL },
	{ NULL, NULL, NULL },
};

static const struct field control_fields[] = {
	{ .name = "name",
	  .label = "Name",
	  .type = FT_TEXT,
	  .flags = FF_READONLY | FF_SEARCH | FF_LIST,
	  .max = 600,
	  .help = "The catalogue control's identifier and title." },
	{ .name = "catalog_control_id",
	  .label = "Control",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_UNIQUE | FF_LIST,
	  .ref = "catalog_control",
	  .help = "The catalogue control this record implements." },
	{ .name = "applicable",
	  .label = "Applicable",
	  .type = FT_BOOL,
	  .flags = FF_LIST,
	  .dflt = "true" },
	{ .name = "status",
	  .label = "Implementation",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = impl_states,
	  .dflt = "not_started" },
	{ .name = "owner_id", .label = "Owner", .type = FT_REF, .flags = FF_LIST, .ref = "person" },
	{ .name = "department_id", .label = "Department", .type = FT_REF, .ref = "department" },
	{ .name = "reason_risk",
	  .label = "Included for risks",
	  .type = FT_BOOL,
	  .dflt = "false",
	  .help = "The control treats risks of the risk register (linked below)." },
	{ .name = "reason_legal",
	  .label = "Included for legal or regulatory reasons",
	  .type = FT_BOOL,
	  .dflt = "false" },
	{ .name = "reason_contract",
	  .label = "Included for contractual reasons",
	  .type = FT_BOOL,
	  .dflt = "false" },
	{ .name = "reason_business",
	  .label = "Included for business needs or good practice",
	  .type = FT_BOOL,
	  .dflt = "false" },
	{ .name = "justification",
	  .label = "Justification",
	  .type = FT_LONGTEXT,
	  .flags = FF_SEARCH,
	  .help = "Why the control is included or excluded (ISO 27001 6.1.3 d)." },
	{ .name = "implementation",
	  .label = "How it is implemented",
	  .type = FT_MARKDOWN,
	  .flags = FF_SEARCH },
	{ .name = "review_on", .label = "Next review", .type = FT_DATE, .flags = FF_LIST | FF_DUE },
};

/* An excluded control needs its reason; an included one at least one reason to be there. */
static void control_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	const struct value *app = model_get(r, "applicable"), *st = model_get(r, "status");
	const struct value *just = model_get(r, "justification");
	bool applicable = !app->set || app->null || app->i;
	bool has_just = just->set && !just->null && just->n > 0;
	if (!applicable && !has_just)
		verrors_add(ve, "justification", "is needed to exclude a control");
	bool na = st->set && !st->null && st->s && strcmp(st->s, "not_applicable") == 0;
	if (applicable && na)
		verrors_add(ve, "status", "cannot be not applicable for an applicable control");
	if (!applicable && st->set && !st->null && st->s && !na)
		verrors_add(ve, "status", "must be not applicable for an excluded control");
}

/* The name follows the catalogue control: identifier and title, so lists read like the SoA. */
static enum err control_derive(struct db *db, struct arena *a, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	(void)ve;
	const struct value *cc = model_get(after, "catalog_control_id");
	if (!cc->set || cc->null)
		return ERR_OK;
	(void)before;
	/* the catalogue control being renamed in this transaction: its new name */
	if (renaming.catalog_id && renaming.catalog_id == cc->i) {
		int k = model_field_index(after->e, "name");
		after->v[k] = (struct value){ .set = true,
					      .s = renaming.name,
					      .n = strlen(renaming.name) };
		return ERR_OK;
	}
	struct db_stmt *st;
	enum err e =
		db_prepare(db, "SELECT control_id, title FROM catalog_controls WHERE id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, cc->i);
	bool row;
	e = db_step(st, &row);
	const char *name = NULL;
	if (!e && row) {
		const char *id = db_col_text(st, 0, NULL), *title = db_col_text(st, 1, NULL);
		name = arena_printf(a, "%s %s", id ? id : "", title ? title : "");
	}
	db_done(st);
	if (e || !name)
		return e; /* a dangling reference is reported by the reference check */
	int i = model_field_index(after->e, "name");
	after->v[i] = (struct value){ .set = true, .s = name, .n = strlen(name) };
	return ERR_OK;
}

/* Expired evidence flags the control (issue: evidence has an expiry; an auditor asks for
 * evidence that holds today). An applicable control with no evidence at all is flagged too. */
static const char *control_flag(struct db *db, struct arena *a, const struct record *rec,
				const char *today)
{
	const struct value *app = model_get(rec, "applicable");
	if (app->set && !app->null && !app->i)
		return NULL;
	struct db_stmt *st;
	if (db_prepare(db,
		       "SELECT count(*), sum(CASE WHEN expires_on IS NOT NULL AND expires_on < $2"
		       " THEN 1 ELSE 0 END), max(expires_on) FROM evidence WHERE control_id = $1",
		       &st) != ERR_OK)
		return NULL;
	db_bind_int(st, 1, rec->id);
	db_bind_str(st, 2, today);
	bool row;
	const char *flag = NULL;
	if (db_step(st, &row) == ERR_OK && row) {
		int64_t n = db_col_int(st, 0), expired = db_col_null(st, 1) ? 0 : db_col_int(st, 1);
		const char *last = db_col_null(st, 2) ? NULL : db_col_text(st, 2, NULL);
		if (n == 0)
			flag = "No evidence yet: nothing shows this control works.";
		else if (expired == n)
			flag = arena_printf(a,
					    "All its evidence has expired (the last on %s): "
					    "collect new evidence.",
					    last ? last : "?");
		else if (expired)
			flag = arena_printf(a, "%lld of %lld evidence items have expired.",
					    (long long)expired, (long long)n);
	}
	db_done(st);
	return flag;
}

static const struct entity_page control_pages[] = {
	{ "/soa", "Statement of Applicability" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant control_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all u:all" },
	{ ROLE_HR_MANAGER, "r:own u:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:own+department u:own+department" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_control = {
	.access = control_access,
	.name = "control",
	.plural = "controls",
	.title = "Control",
	.title_plural = "Controls",
	.area = "controls",
	.description = "The organisation's controls: for each catalogue control it adopts or "
		       "excludes, the owner, why, how it is implemented, and its evidence.",
	.fields = control_fields,
	.nfields = sizeof(control_fields) / sizeof(control_fields[0]),
	.label_field = "name",
	.default_sort = "catalog_control_id",
	.pages = control_pages,
	.own_column = "owner_id",
	.dept_column = "department_id",
	.check = control_check,
	.derive = control_derive,
	.flag = control_flag,
	.io = { .key = "catalog_control_id" },
};

static const struct field control_risk_fields[] = {
	{ .name = "control_id",
	  .label = "Control",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "control" },
	{ .name = "risk_id",
	  .label = "Risk",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "risk" },
	{ .name = "note",
	  .label = "How the control treats the risk",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH | FF_LIST,
	  .max = 500 },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant control_risk_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_control_risk = {
	.access = control_risk_access,
	.name = "control_risk",
	.plural = "control_risks",
	.title = "Risk treated",
	.title_plural = "Risks treated by controls",
	.area = "controls",
	.description = "Which risks each control treats: the reason many controls are included in "
		       "the Statement of Applicability.",
	.fields = control_risk_fields,
	.nfields = sizeof(control_risk_fields) / sizeof(control_risk_fields[0]),
	.label_field = "note",
	.default_sort = "control_id",
};

static const struct field evidence_fields[] = {
	{ .name = "control_id",
	  .label = "Control",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "control" },
	{ .name = "title",
	  .label = "Evidence",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "link",
	  .label = "Link or location",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH,
	  .max = 2000,
	  .help = "Where the evidence is kept: a URL, a document reference or a file path." },
	{ .name = "file",
	  .label = "File",
	  .type = FT_FILE,
	  .flags = FF_READONLY,
	  .help = "The evidence itself, uploaded: a report, an export, a screenshot (up to the "
		  "server's upload limit, 16 MiB unless set otherwise)." },
	{ .name = "collected_on",
	  .label = "Collected on",
	  .type = FT_DATE,
	  .flags = FF_REQUIRED | FF_LIST },
	{ .name = "expires_on",
	  .label = "Expires on",
	  .type = FT_DATE,
	  .flags = FF_LIST | FF_DUE,
	  .help = "After this date the evidence no longer shows the control works." },
	{ .name = "collected_by_id",
	  .label = "Collected by",
	  .type = FT_REF,
	  .flags = FF_LIST | FF_SELF,
	  .ref = "person" },
	{ .name = "notes", .label = "Notes", .type = FT_MARKDOWN, .flags = FF_SEARCH },
};

static void evidence_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	const struct value *c = model_get(r, "collected_on"), *x = model_get(r, "expires_on");
	if (c->set && !c->null && x->set && !x->null && strcmp(x->s, c->s) < 0)
		verrors_add(ve, "expires_on", "must not be before the collection date");
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant evidence_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_HR_MANAGER, "r:own c:own u:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:own c:own u:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_evidence = {
	.access = evidence_access,
	.name = "evidence",
	.plural = "evidence",
	.title = "Evidence",
	.title_plural = "Evidence",
	.area = "controls",
	.description = "What shows each control works, when it was collected and until when it "
		       "holds.",
	.fields = evidence_fields,
	.nfields = sizeof(evidence_fields) / sizeof(evidence_fields[0]),
	.label_field = "title",
	.default_sort = "-collected_on",
	.own_column = "collected_by_id",
	.check = evidence_check,
	.io = { .key = "control_id+title" },
};

/* The registers of this file, in navigation order, and their scheduled jobs (domain.h). */
const struct area area_controls = {
	.registers = (const struct entity *const[]){ &entity_control, &entity_evidence,
						     &entity_control_risk, NULL },
};

/* The registers of this file, in navigation order, and their scheduled jobs (domain.h). */
const struct area area_frameworks = {
	.registers = (const struct entity *const[]){ &entity_framework, &entity_catalog_control,
						     &entity_control_mapping, NULL },
};
