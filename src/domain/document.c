/* document.c - policies and the documents that support them (ISO 27001 5.2, 7.3, 7.5; policy
 * 1.2, 3.9.3): each document has versions that move draft -> in review -> approved ->
 * published -> superseded or retired. Approval is recorded as sign-offs (who, in which role,
 * when, the version number and a hash of the exact text); a published version never changes;
 * publishing asks the document's audience to read and acknowledge it. Reviews keep the
 * review date, change requests record what anyone wants changed. */
#include <stdio.h>
#include <string.h>

#include "core/authz.h"
#include "core/mail.h"
#include "core/repo.h"
#include "domain/document.h"
#include "core/jobs.h"
#include "domain/domain.h"
#include "store/db.h"
#include "util/crypto.h"
#include "util/str.h"
#include "util/textdoc.h"
#include "util/timeutil.h"

/* The registers' fields, indexed by these enums: domain code names a field by its entry
 * (VER(BODY) below), so a misspelt name does not compile. */
enum document_field {
	DOC_CODE,
	DOC_TITLE,
	DOC_KIND,
	DOC_CLASSIFICATION,
	DOC_OWNER_ID,
	DOC_DEPARTMENT_ID,
	DOC_APPROVAL,
	DOC_AUDIENCE,
	DOC_AUDIENCE_DEPARTMENT_ID,
	DOC_REVIEW_MONTHS,
	DOC_SUMMARY,
	DOC_STATUS,
	DOC_CURRENT_VERSION_ID,
	DOC_CURRENT_NUMBER,
	DOC_APPROVED_ON,
	DOC_PUBLISHED_ON,
	DOC_LAST_REVIEWED_ON,
	DOC_NEXT_REVIEW_ON,
	DOC__COUNT
};

enum version_field {
	VER_DOCUMENT_ID,
	VER_NAME,
	VER_NUMBER,
	VER_ROUND,
	VER_BODY,
	VER_CHANGE_SUMMARY,
	VER_STATUS,
	VER_OWNER_ID,
	VER_DEPARTMENT_ID,
	VER_CLASSIFICATION,
	VER_APPROVAL,
	VER_SIGNOFFS,
	VER_BODY_HASH,
	VER_APPROVED_AT,
	VER_PUBLISHED_AT,
	VER_PUBLISHED_BY,
	VER_DECISION_NOTE,
	VER__COUNT
};

enum signoff_field {
	SIG_VERSION_ID,
	SIG_NAME,
	SIG_ROLE,
	SIG_SIGNED_BY,
	SIG_SIGNED_AT,
	SIG_NUMBER,
	SIG_BODY_HASH,
	SIG_ROUND,
	SIG__COUNT
};

enum review_field {
	REV_DOCUMENT_ID,
	REV_REVIEWED_ON,
	REV_REVIEWER_ID,
	REV_OUTCOME,
	REV_NOTES,
	REV_OWNER_ID,
	REV_DEPARTMENT_ID,
	REV__COUNT
};

enum cr_field {
	CRQ_DOCUMENT_ID,
	CRQ_TITLE,
	CRQ_REASON,
	CRQ_RAISED_BY_ID,
	CRQ_DEPARTMENT_ID,
	CRQ_STATUS,
	CRQ_DECISION_NOTE,
	CRQ_DECIDED_BY,
	CRQ_DECIDED_AT,
	CRQ_VERSION_ID,
	CRQ__COUNT
};

enum ack_field {
	ACK_NAME,
	ACK_DOCUMENT_ID,
	ACK_VERSION_ID,
	ACK_PERSON_ID,
	ACK_DEPARTMENT_ID,
	ACK_STATUS,
	ACK_REQUESTED_ON,
	ACK_DUE_ON,
	ACK_ACKNOWLEDGED_AT,
	ACK_REMINDERS,
	ACK_LAST_REMINDED_ON,
	ACK__COUNT
};

enum dc_field { DCL_DOCUMENT_ID, DCL_CONTROL_ID, DCL_NOTE, DCL__COUNT };

static const struct field document_fields[DOC__COUNT];
static const struct field version_fields[VER__COUNT];
static const struct field signoff_fields[SIG__COUNT];
static const struct field review_fields[REV__COUNT];
static const struct field cr_fields[CRQ__COUNT];
static const struct field ack_fields[ACK__COUNT];
static const struct field dc_fields[DCL__COUNT];

static const struct choice kinds[] = {
	{ "policy", "Policy", "What the organisation requires, approved by its management." },
	{ "standard", "Standard", "Specific, mandatory requirements that support a policy." },
	{ "procedure", "Procedure", "How a task is done, step by step." },
	{ "guideline", "Guideline", "Advice and good practice: recommended, not mandatory." },
	{ "record_template", "Record template", "The form in which a record is kept." },
	{ NULL, NULL, NULL },
};

static const struct choice classifications[] = {
	{ "public", "Public", "May be given to anyone; published on the public trust page." },
	{ "internal", "Internal", "For staff, contractors and agents." },
	{ "confidential", "Confidential", "For the people named in its audience only." },
	{ NULL, NULL, NULL },
};

static const struct choice approvals[] = {
	{ "board", "The ISM, then the Board",
	  "The Information Security Manager signs it off, then the Board approves it (the top "
	  "policy)." },
	{ "isms_manager", "The Information Security Manager", NULL },
	{ NULL, NULL, NULL },
};

static const struct choice audiences[] = {
	{ "everyone", "All staff, contractors and agents", NULL },
	{ "employees", "All employees", NULL },
	{ "contractors", "Contractors and agents", NULL },
	{ "department", "One department", NULL },
	{ "none", "No one (kept for reference)", NULL },
	{ NULL, NULL, NULL },
};

static const struct choice doc_states[] = {
	{ "draft", "Not yet published", NULL },
	{ "published", "Published", NULL },
	{ "retired", "Retired", NULL },
	{ NULL, NULL, NULL },
};

static const struct field document_fields[DOC__COUNT] = {
	[DOC_CODE] = { .name = "code",
		       .label = "Reference",
		       .type = FT_TEXT,
		       .flags = FF_REQUIRED | FF_UNIQUE | FF_SEARCH | FF_LIST,
		       .max = 32,
		       .help = "A short unique reference, e.g. POL-001 or PRO-ACCESS." },
	[DOC_TITLE] = { .name = "title",
			.label = "Title",
			.type = FT_TEXT,
			.flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
			.max = 200 },
	[DOC_KIND] = { .name = "kind",
		       .label = "Kind",
		       .type = FT_ENUM,
		       .flags = FF_REQUIRED | FF_LIST,
		       .choices = kinds,
		       .dflt = "procedure" },
	[DOC_CLASSIFICATION] = { .name = "classification",
				 .label = "Classification",
				 .type = FT_ENUM,
				 .flags = FF_REQUIRED | FF_LIST,
				 .choices = classifications,
				 .dflt = "internal" },
	[DOC_OWNER_ID] = { .name = "owner_id",
			   .label = "Owner",
			   .type = FT_REF,
			   .flags = FF_REQUIRED | FF_LIST,
			   .ref = "person",
			   .help = "Keeps the document current and reviews it." },
	[DOC_DEPARTMENT_ID] = { .name = "department_id",
				.label = "Department",
				.type = FT_REF,
				.ref = "department" },
	[DOC_APPROVAL] = { .name = "approval",
			   .label = "Approved by",
			   .type = FT_ENUM,
			   .choices = approvals,
			   .help = "Who must sign a version off before it can be published "
				   "(default: the Board "
				   "for a policy, the ISM otherwise)." },
	[DOC_AUDIENCE] = { .name = "audience",
			   .label = "Audience",
			   .type = FT_ENUM,
			   .flags = FF_REQUIRED,
			   .choices = audiences,
			   .dflt = "everyone",
			   .help = "Who is asked to read and acknowledge each published version." },
	[DOC_AUDIENCE_DEPARTMENT_ID] = { .name = "audience_department_id",
					 .label = "Audience department",
					 .type = FT_REF,
					 .ref = "department",
					 .help = "When the audience is one department." },
	[DOC_REVIEW_MONTHS] = { .name = "review_months",
				.label = "Review every (months)",
				.type = FT_INT,
				.flags = FF_REQUIRED,
				.min = 1,
				.max = 36,
				.dflt = "12" },
	[DOC_SUMMARY] = { .name = "summary",
			  .label = "Summary",
			  .type = FT_LONGTEXT,
			  .flags = FF_SEARCH },
	[DOC_STATUS] = { .name = "status",
			 .label = "Status",
			 .type = FT_ENUM,
			 .flags = FF_READONLY | FF_LIST,
			 .choices = doc_states,
			 .dflt = "draft" },
	[DOC_CURRENT_VERSION_ID] = { .name = "current_version_id",
				     .label = "Published version",
				     .type = FT_REF,
				     .flags = FF_READONLY,
				     .ref = "document_version" },
	[DOC_CURRENT_NUMBER] = { .name = "current_number",
				 .label = "Version",
				 .type = FT_INT,
				 .flags = FF_READONLY | FF_LIST },
	[DOC_APPROVED_ON] = { .name = "approved_on",
			      .label = "Approved on",
			      .type = FT_DATE,
			      .flags = FF_READONLY },
	[DOC_PUBLISHED_ON] = { .name = "published_on",
			       .label = "Published on",
			       .type = FT_DATE,
			       .flags = FF_READONLY | FF_LIST },
	[DOC_LAST_REVIEWED_ON] = { .name = "last_reviewed_on",
				   .label = "Last reviewed",
				   .type = FT_DATE,
				   .flags = FF_READONLY },
	[DOC_NEXT_REVIEW_ON] = { .name = "next_review_on",
				 .label = "Next review",
				 .type = FT_DATE,
				 .flags = FF_READONLY | FF_LIST | FF_DUE,
				 .help = "Set when a version is published or a review is "
					 "recorded." },
};

/* ---- small record and query helpers ---- */

/* A field of a document, version, sign-off, review, change request, acknowledgement or
 * document-control link (their tables are declared below, indexed by their enums). */
#define DOC(x) (&document_fields[DOC_##x])
#define VER(x) (&version_fields[VER_##x])
#define SIG(x) (&signoff_fields[SIG_##x])
#define REV(x) (&review_fields[REV_##x])
#define CRQ(x) (&cr_fields[CRQ_##x])
#define ACK(x) (&ack_fields[ACK_##x])

/* The repository inside the caller's transaction, acting as who: effects of a step (the
 * document a publication changes) are audited like any change, under the same actor. */
static struct repo_ctx inner(struct db *db, struct arena *a, const struct actor *who)
{
	static const struct actor system = { 0, "custos" };
	if (!who)
		who = repo_actor(); /* the write in progress: a review's author moves the dates */
	return (struct repo_ctx){ .db = db, .a = a, .who = who ? who : &system, .in_tx = true };
}

static enum err load(struct db *db, struct arena *a, const struct entity *e, int64_t id,
		     struct record **out)
{
	struct repo_ctx rc = inner(db, a, NULL);
	return repo_load(&rc, e, id, out);
}

const char *document_default_approval(const char *kind)
{
	return str_eq(kind, "policy") ? "board" : "isms_manager";
}

/* A document's new owner (or department) takes over its versions not yet published: their
 * scope columns follow the document (declared), so a write of each recomputes them. */
static enum err follow_owner(struct db *db, struct arena *a, const struct record *doc)
{
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT id FROM document_versions WHERE document_id = $1 AND status IN "
			   "('draft', 'in_review', 'approved') ORDER BY id LIMIT 100",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, doc->id);
	int64_t ids[100];
	size_t n = 0;
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row && n < 100)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	struct repo_ctx rc = inner(db, a, NULL);
	for (size_t i = 0; !e && i < n; i++) {
		struct record *p = model_record_new(a, &entity_document_version);
		if (!p)
			return ERR_NOMEM;
		struct verrors ve = { 0 };
		e = repo_update(&rc, &entity_document_version, ids[i], p, 0, &ve);
	}
	return e;
}

static void document_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	const char *aud = rec_text(r, DOC(AUDIENCE));
	if (str_eq(aud, "department") && !rec_int(r, DOC(AUDIENCE_DEPARTMENT_ID)))
		verrors_add(ve, DOC(AUDIENCE_DEPARTMENT_ID)->name,
			    "is needed for a department audience");
}

static enum err document_derive(struct db *db, struct arena *a, const struct record *before,
				struct record *after, struct verrors *ve)
{
	(void)db;
	(void)a;
	(void)before;
	(void)ve;
	if (!rec_text(after, DOC(APPROVAL)))
		rec_set_text(after, DOC(APPROVAL),
			     document_default_approval(rec_text(after, DOC(KIND))));
	return ERR_OK;
}

/* A new owner (or department) takes over the versions not yet published: the scope columns
 * copied onto them follow, so the old owner no longer edits them. After the row is written,
 * which the versions copy from. */
static enum err document_after_write(struct db *db, struct arena *a, const struct record *before,
				     const struct record *after, const char *action)
{
	(void)action;
	if (before && (rec_int(before, DOC(OWNER_ID)) != rec_int(after, DOC(OWNER_ID)) ||
		       rec_int(before, DOC(DEPARTMENT_ID)) != rec_int(after, DOC(DEPARTMENT_ID))))
		return follow_owner(db, a, after);
	return ERR_OK;
}

/* A document with versions is a record of what was approved and read: it is retired, not
 * deleted. */
static enum err document_can_delete(struct db *db, const struct record *rec, struct verrors *ve)
{
	(void)db;
	if (str_eq(rec_text(rec, DOC(STATUS)), "draft") && !rec_int(rec, DOC(CURRENT_VERSION_ID)))
		return ERR_OK; /* the referrer check still refuses one with versions */
	verrors_add(ve, DOC(STATUS)->name, "has been published: retire its version instead");
	return ERR_CONFLICT;
}

static const char *document_flag(struct db *db, struct arena *a, const struct record *rec,
				 const char *today)
{
	(void)db;
	const char *next = rec_text(rec, DOC(NEXT_REVIEW_ON));
	if (str_eq(rec_text(rec, DOC(STATUS)), "published") && next && strcmp(next, today) < 0)
		return arena_printf(a, "The review was due on %s.", next);
	return NULL;
}

static const struct entity_page document_pages[] = {
	{ "/documents/upload", "Import a policy from a file", .creates = "document" },
	{ "/trust", "Public trust page" },
	{ NULL, NULL },
};

static const struct entity_page document_record_pages[] = {
	{ "/documents/{id}/read", "Read the published version", "published" },
	{ "/documents/{id}/coverage", "Who has read it", "published" },
	{ "/documents/{id}/compare", "Compare versions" },
	{ "/document_versions/new?document_id={id}", "Start a new version",
	  .creates = "document_version" },
	{ "/change_requests/new?document_id={id}", "Request a change",
	  .creates = "change_request" },
	{ "/document_reviews/new?document_id={id}", "Record a review",
	  .creates = "document_review" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant document_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:own u:own" },
	{ ROLE_HR_MANAGER, "r:all c:own u:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:all c:own+department u:own+department" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_document = {
	.access = document_access,
	.name = "document",
	.plural = "documents",
	.title = "Document",
	.title_plural = "Policies and documents",
	.area = "policies",
	.description = "Policies, standards, procedures, guidelines and record templates: each "
		       "with its owner, audience, versions, approvals and review date.",
	.fields = document_fields,
	.nfields = sizeof(document_fields) / sizeof(document_fields[0]),
	.label_field = "title",
	.label_prefix = "code",
	.default_sort = "code",
	.own_column = "owner_id",
	.dept_column = "department_id",
	.pages = document_pages,
	.record_pages = document_record_pages,
	.task_filter = "status=published",
	.check = document_check,
	.derive = document_derive,
	.after_write = document_after_write,
	.can_delete = document_can_delete,
	.flag = document_flag,
	.io = { .key = "code", .no_import = "their state comes from their versions' approval" },
};

/* ---- versions ---- */

static const struct choice version_states[] = {
	{ "draft", "Draft", NULL },
	{ "in_review", "In review", NULL },
	{ "approved", "Approved", NULL },
	{ "published", "Published", NULL },
	{ "superseded", "Superseded", NULL },
	{ "retired", "Retired", NULL },
	{ NULL, NULL, NULL },
};

static const struct field version_fields[VER__COUNT] = {
	[VER_DOCUMENT_ID] = { .name = "document_id",
			      .label = "Document",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST | FF_FIXED,
			      .ref = "document" },
	[VER_NAME] = { .name = "name",
		       .label = "Name",
		       .type = FT_TEXT,
		       .flags = FF_READONLY | FF_SEARCH | FF_LIST,
		       .max = 64 },
	[VER_NUMBER] = { .name = "number",
			 .label = "Number",
			 .type = FT_INT,
			 .flags = FF_READONLY },
	[VER_ROUND] = { .name = "round",
			.label = "Approval round",
			.type = FT_INT,
			.flags = FF_READONLY,
			.help = "Counts the times the version was sent for approval: sign-offs "
				"count only in "
				"the round they were given." },
	[VER_BODY] = { .name = "body",
		       .label = "Text",
		       .type = FT_MARKDOWN,
		       .flags = FF_SEARCH,
		       .max = DOCUMENT_BODY_MAX,
		       .help = "Markdown. A new version starts as a copy of the latest one." },
	[VER_CHANGE_SUMMARY] = { .name = "change_summary",
				 .label = "What changed",
				 .type = FT_TEXT,
				 .flags = FF_SEARCH | FF_LIST,
				 .max = 500 },
	[VER_STATUS] = { .name = "status",
			 .label = "Status",
			 .type = FT_ENUM,
			 .flags = FF_READONLY | FF_LIST,
			 .choices = version_states,
			 .dflt = "draft" },
	[VER_OWNER_ID] = { .name = "owner_id",
			   .label = "Owner",
			   .type = FT_REF,
			   .flags = FF_READONLY,
			   .follows = "document_id",
			   .ref = "person",
			   .help = "The document's owner." },
	[VER_DEPARTMENT_ID] = { .name = "department_id",
				.label = "Department",
				.type = FT_REF,
				.flags = FF_READONLY,
				.follows = "document_id",
				.ref = "department" },
	[VER_CLASSIFICATION] = { .name = "classification",
				 .label = "Classification",
				 .type = FT_ENUM,
				 .flags = FF_READONLY,
				 .choices = classifications,
				 .help = "The document's, as it was when this version was sent for "
					 "approval: what the "
					 "approvers approved it as (public means on the trust "
					 "page)." },
	[VER_APPROVAL] = { .name = "approval",
			   .label = "Approved by",
			   .type = FT_ENUM,
			   .flags = FF_READONLY,
			   .choices = approvals,
			   .help = "Who must sign this version off, fixed when it was sent for "
				   "approval." },
	[VER_SIGNOFFS] = { .name = "signoffs",
			   .label = "Sign-offs",
			   .type = FT_TEXT,
			   .flags = FF_READONLY | FF_LIST,
			   .max = 200,
			   .help = "Who has signed this version off, and who still must." },
	[VER_BODY_HASH] = { .name = "body_hash",
			    .label = "BLAKE2b of the approved text",
			    .type = FT_TEXT,
			    .flags = FF_READONLY,
			    .max = 128 },
	[VER_APPROVED_AT] = { .name = "approved_at",
			      .label = "Approved at",
			      .type = FT_TIMESTAMP,
			      .flags = FF_READONLY | FF_LIST },
	[VER_PUBLISHED_AT] = { .name = "published_at",
			       .label = "Published at",
			       .type = FT_TIMESTAMP,
			       .flags = FF_READONLY },
	[VER_PUBLISHED_BY] = { .name = "published_by",
			       .label = "Published by",
			       .type = FT_TEXT,
			       .flags = FF_READONLY },
	[VER_DECISION_NOTE] = { .name = "decision_note",
				.label = "Note to the author",
				.type = FT_LONGTEXT,
				.flags = FF_READONLY | FF_PER_STEP,
				.help = "Why the version was sent back." },
};

/* The open (not yet published) version of a document other than skip, 0 if none. */
static enum err open_version(struct db *db, int64_t doc, int64_t skip, int64_t *id, int64_t *num)
{
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT id, number FROM document_versions WHERE document_id = $1"
				" AND id <> $2 AND status IN ('draft', 'in_review', 'approved')"
				" ORDER BY number DESC LIMIT 1",
				&st);
	if (e)
		return e;
	db_bind_int(st, 1, doc);
	db_bind_int(st, 2, skip);
	bool row;
	*id = *num = 0;
	if ((e = db_step(st, &row)) == ERR_OK && row) {
		*id = db_col_int(st, 0);
		*num = db_col_int(st, 1);
	}
	db_done(st);
	return e;
}

static enum err version_create(struct db *db, struct arena *a, struct record *after,
			       struct verrors *ve)
{
	int64_t doc_id = rec_int(after, VER(DOCUMENT_ID));
	struct record *doc;
	enum err e = load(db, a, &entity_document, doc_id, &doc);
	if (e == ERR_NOT_FOUND)
		return ERR_OK; /* the reference check names it */
	if (e)
		return e;
	if (str_eq(rec_text(doc, DOC(STATUS)), "retired")) {
		verrors_add(ve, VER(DOCUMENT_ID)->name, "is retired: it gets no new versions");
		return ERR_INVALID;
	}
	/* one writer per document from here: two new versions at once must not both pass the
	 * check below (PostgreSQL runs them side by side; SQLite's writer lock already does) */
	if ((e = db_lock(db, DOCUMENT_LOCK + doc_id)))
		return e;
	int64_t open_id, open_num;
	if ((e = open_version(db, doc_id, 0, &open_id, &open_num)))
		return e;
	if (open_id) {
		verrors_add(ve, VER(DOCUMENT_ID)->name,
			    arena_printf(a,
					 "already has version %lld in progress: finish or delete "
					 "it first",
					 (long long)open_num));
		return ERR_INVALID;
	}
	struct db_stmt *st;
	if ((e = db_prepare(db,
			    "SELECT number, body FROM document_versions WHERE document_id = $1"
			    " ORDER BY number DESC LIMIT 1",
			    &st)))
		return e;
	db_bind_int(st, 1, doc_id);
	bool row;
	int64_t last = 0;
	const char *body = NULL;
	if ((e = db_step(st, &row)) == ERR_OK && row) {
		last = db_col_int(st, 0);
		const char *b = db_col_text(st, 1, NULL);
		body = b ? arena_strdup(a, b) : NULL;
	}
	db_done(st);
	if (e)
		return e;
	rec_set_int(after, VER(NUMBER), last + 1);
	rec_set_text(after, VER(NAME),
		     arena_printf(a, "%s v%lld", rec_text(doc, DOC(CODE)), (long long)last + 1));
	/* editing a published document starts from its text */
	if (!rec_text(after, VER(BODY)) && body)
		rec_set_text(after, VER(BODY), body);
	rec_set_text(after, VER(STATUS), "draft");
	return ERR_OK;
}

static bool same_text(const struct record *x, const struct record *y, const struct field *f)
{
	const char *a = rec_text(x, f), *b = rec_text(y, f);
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Only a draft's text changes; from review on, the text is what is being approved. */
static enum err version_derive(struct db *db, struct arena *a, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	if (!before)
		return version_create(db, a, after, ve);
	const char *was = rec_text(before, VER(STATUS));
	if (!str_eq(was, "draft") && (!same_text(before, after, VER(BODY)) ||
				      !same_text(before, after, VER(CHANGE_SUMMARY)))) {
		verrors_add(ve, VER(BODY)->name,
			    arena_printf(a,
					 "cannot change: the version is %s. Start a new "
					 "version to change the text",
					 was ? was : "?"));
		return ERR_INVALID;
	}
	return ERR_OK;
}

static enum err version_can_delete(struct db *db, const struct record *rec, struct verrors *ve)
{
	(void)db;
	if (str_eq(rec_text(rec, VER(STATUS)), "draft"))
		return ERR_OK;
	verrors_add(ve, VER(STATUS)->name,
		    "is past draft: versions sent for approval are kept as records");
	return ERR_CONFLICT;
}

/* Accepted change requests not yet in a version go into the one submitted now. */
static enum err link_change_requests(const struct step_env *env, int64_t doc, int64_t version)
{
	struct db_stmt *st;
	enum err e =
		db_prepare(env->db,
			   "SELECT id FROM change_requests WHERE document_id = $1 AND status = "
			   "'accepted' AND version_id IS NULL ORDER BY id LIMIT 500",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, doc);
	int64_t ids[500];
	size_t n = 0;
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row && n < 500)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	struct repo_ctx rc = inner(env->db, env->a, env->who);
	for (size_t i = 0; !e && i < n; i++) {
		struct record *p = model_record_new(env->a, &entity_change_request);
		if (!p)
			return ERR_NOMEM;
		rec_set_int(p, CRQ(VERSION_ID), version);
		struct verrors inner_ve = { 0 };
		e = repo_update(&rc, &entity_change_request, ids[i], p, 0, &inner_ve);
	}
	return e;
}

static enum err version_submit(const struct step_env *env, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	(void)after;
	const char *body = rec_text(before, VER(BODY));
	if (!body || !*body) {
		verrors_add(ve, VER(BODY)->name,
			    "is empty: write the text before sending it for approval");
		return ERR_INVALID;
	}
	/* a new round: sign-offs of an earlier one (before the version was sent back) no
	 * longer count; the reason it was sent back has been dealt with */
	rec_set_int(after, VER(ROUND), rec_int(before, VER(ROUND)) + 1);
	/* what is approved is this text as this classification, by these approvers: a later
	 * change of the document's record does not reach a version already sent */
	struct record *doc;
	enum err e =
		load(env->db, env->a, &entity_document, rec_int(before, VER(DOCUMENT_ID)), &doc);
	if (e)
		return e;
	rec_set_text(after, VER(CLASSIFICATION), rec_text(doc, DOC(CLASSIFICATION)));
	rec_set_text(after, VER(APPROVAL), rec_text(doc, DOC(APPROVAL)));
	rec_set_text(after, VER(SIGNOFFS), NULL);
	return link_change_requests(env, rec_int(before, VER(DOCUMENT_ID)), before->id);
}

static enum err version_return(const struct step_env *env, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	(void)env;
	(void)before;
	(void)ve;
	/* sign-offs given so far stay on record, but belong to this round: sending it again
	 * starts a new one, in which every approver signs again */
	rec_set_text(after, VER(SIGNOFFS), NULL);
	return ERR_OK;
}

/* The roles a document's approval needs, in the order they sign. */
static size_t required_roles(const char *approval, enum role out[2])
{
	out[0] = ROLE_ISMS_MANAGER;
	if (str_eq(approval, "board")) {
		out[1] = ROLE_BOARD;
		return 2;
	}
	return 1;
}

static bool signed_by_role(struct db *db, int64_t version, const char *role, const char *hash,
			   int64_t round, enum err *e)
{
	struct db_stmt *st;
	if ((*e = db_prepare(db,
			     "SELECT 1 FROM document_signoffs WHERE version_id = $1 AND role = $2"
			     " AND body_hash = $3 AND round = $4",
			     &st)))
		return false;
	db_bind_int(st, 1, version);
	db_bind_str(st, 2, role);
	db_bind_str(st, 3, hash);
	db_bind_int(st, 4, round);
	bool row = false;
	*e = db_step(st, &row);
	db_done(st);
	return row;
}

/* A sign-off for the first required role the approver holds that has not signed yet; the
 * version is approved when every required role has signed. The hash is of the exact text. */
static enum err version_approve(const struct step_env *env, const struct record *before,
				struct record *after, struct verrors *ve)
{
	struct record *doc;
	enum err e =
		load(env->db, env->a, &entity_document, rec_int(before, VER(DOCUMENT_ID)), &doc);
	if (e)
		return e;
	const char *body = rec_text(before, VER(BODY));
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(body ? body : "", body ? strlen(body) : 0, NULL, 0, hash);
	enum role need[2];
	const char *approval = rec_text(before, VER(APPROVAL));
	size_t n = required_roles(approval ? approval : rec_text(doc, DOC(APPROVAL)), need);
	int pick = -1;
	bool all_before = true; /* every earlier role has signed */
	for (size_t i = 0; i < n; i++) {
		bool done = signed_by_role(env->db, before->id, authz_role_name(need[i]), hash,
					   rec_int(before, VER(ROUND)), &e);
		if (e)
			return e;
		if (done)
			continue;
		if (pick < 0 && (env->roles & (1u << need[i])) && all_before)
			pick = (int)i;
		all_before = false;
	}
	/* two roles, two people: one person holding both does not approve twice */
	struct db_stmt *st;
	if ((e = db_prepare(env->db,
			    "SELECT 1 FROM document_signoffs WHERE version_id = $1 AND round = $2 "
			    "AND signed_by = $3",
			    &st)))
		return e;
	db_bind_int(st, 1, before->id);
	db_bind_int(st, 2, rec_int(before, VER(ROUND)));
	db_bind_str(st, 3, env->who->name);
	bool twice = false;
	e = db_step(st, &twice);
	db_done(st);
	if (e)
		return e;
	if (twice) {
		verrors_add(ve, VER(STATUS)->name,
			    "has your sign-off already: the next one is someone else's");
		return ERR_FORBIDDEN;
	}
	if (pick < 0) {
		const char *who = n == 2 ? "the Information Security Manager, then the Board"
					 : "the Information Security Manager";
		verrors_add(ve, VER(STATUS)->name,
			    arena_printf(env->a,
					 "needs sign-off by %s; there is none you can give now",
					 who));
		return ERR_FORBIDDEN;
	}
	struct record *so = model_record_new(env->a, &entity_document_signoff);
	if (!so)
		return ERR_NOMEM;
	const char *role = authz_role_name(need[pick]);
	rec_set_int(so, SIG(VERSION_ID), before->id);
	rec_set_text(so, SIG(ROLE), role);
	rec_set_text(so, SIG(SIGNED_BY), env->who->name);
	rec_set_text(so, SIG(SIGNED_AT), env->now);
	rec_set_int(so, SIG(NUMBER), rec_int(before, VER(NUMBER)));
	rec_set_text(so, SIG(BODY_HASH), arena_strdup(env->a, hash));
	rec_set_int(so, SIG(ROUND), rec_int(before, VER(ROUND)));
	struct repo_ctx rc = inner(env->db, env->a, env->who);
	int64_t sid;
	struct verrors sve = { 0 };
	if ((e = repo_create(&rc, so, &sve, &sid)))
		return e == ERR_INVALID || e == ERR_CONFLICT ? ERR_CONFLICT : e;
	if ((size_t)pick + 1 < n) { /* more to sign: it stays in review */
		rec_set_text(after, VER(STATUS), "in_review");
		rec_set_text(after, VER(SIGNOFFS),
			     "Information Security Manager signed; the Board to sign");
		return ERR_OK;
	}
	rec_set_text(after, VER(SIGNOFFS),
		     n == 2 ? "Information Security Manager and Board signed"
			    : "Information Security Manager signed");
	rec_set_text(after, VER(BODY_HASH), arena_strdup(env->a, hash));
	rec_set_text(after, VER(APPROVED_AT), env->now);
	return ERR_OK;
}

/* Everyone in the document's audience who still works here. */
static enum err audience_people(struct db *db, const struct record *doc, int64_t **ids, size_t *n,
				struct arena *a, const char *today)
{
	const char *aud = rec_text(doc, DOC(AUDIENCE));
	const char *where =
		str_eq(aud, "employees")     ? "employment_type = 'employee'"
		: str_eq(aud, "contractors") ? "employment_type IN ('contractor', 'agent')"
		: str_eq(aud, "department")
			? "department_id = $2 AND employment_type IN ('employee', 'contractor', "
			  "'agent')"
		: str_eq(aud, "everyone") ? "employment_type IN ('employee', 'contractor', 'agent')"
					  : NULL;
	*n = 0;
	*ids = NULL;
	if (!where)
		return ERR_OK;
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM people WHERE (end_date IS NULL OR end_date >= $1) AND %s "
		 "ORDER BY id LIMIT %d",
		 where, DOCUMENT_AUDIENCE_MAX);
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	db_bind_str(st, 1, today);
	if (str_eq(aud, "department"))
		db_bind_int(st, 2, rec_int(doc, DOC(AUDIENCE_DEPARTMENT_ID)));
	*ids = arena_alloc(a, sizeof(int64_t) * DOCUMENT_AUDIENCE_MAX);
	if (!*ids) {
		db_done(st);
		return ERR_NOMEM;
	}
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row && *n < DOCUMENT_AUDIENCE_MAX)
		(*ids)[(*n)++] = db_col_int(st, 0);
	db_done(st);
	return e;
}

/* Moves every record of e matching sql (one id column, bound $1 = key) to state `to`, in
 * batches until none is left (the query must no longer match a moved record). */
static enum err move_all(const struct step_env *env, const struct entity *e,
			 const struct field *state, const char *sql, int64_t key, const char *to)
{
	enum err err = ERR_OK;
	struct repo_ctx rc = inner(env->db, env->a, env->who);
	for (;;) {
		struct db_stmt *st;
		if ((err = db_prepare(env->db, sql, &st)))
			return err;
		db_bind_int(st, 1, key);
		enum { BATCH = 1024 };
		int64_t ids[BATCH];
		size_t n = 0;
		bool row;
		while ((err = db_step(st, &row)) == ERR_OK && row && n < BATCH)
			ids[n++] = db_col_int(st, 0);
		db_done(st);
		if (err || n == 0)
			return err;
		for (size_t i = 0; i < n; i++) {
			struct record *p = model_record_new(env->a, e);
			if (!p)
				return ERR_NOMEM;
			rec_set_text(p, state, to);
			struct verrors ve = { 0 };
			if ((err = repo_update(&rc, e, ids[i], p, 0, &ve)))
				return err;
		}
		if (n < BATCH)
			return ERR_OK;
	}
}

/* Publishing: the version becomes the document's current one, the one before is superseded
 * (with its unread acknowledgements), the review date restarts, and the audience is asked to
 * read and acknowledge it. */
static enum err version_publish(const struct step_env *env, const struct record *before,
				struct record *after, struct verrors *ve)
{
	(void)after;
	(void)ve;
	int64_t doc_id = rec_int(before, VER(DOCUMENT_ID));
	struct record *doc;
	enum err e = load(env->db, env->a, &entity_document, doc_id, &doc);
	if (e)
		return e;
	if ((e = move_all(env, &entity_acknowledgement, ACK(STATUS),
			  "SELECT id FROM acknowledgements WHERE document_id = $1 AND status = "
			  "'pending' ORDER BY id",
			  doc_id, "superseded")))
		return e;
	if ((e = move_all(env, &entity_document_version, VER(STATUS),
			  "SELECT id FROM document_versions WHERE document_id = $1 AND status = "
			  "'published' ORDER BY id",
			  doc_id, "superseded")))
		return e;

	char next[11];
	int64_t months = rec_int(doc, DOC(REVIEW_MONTHS));
	struct record *p = model_record_new(env->a, &entity_document);
	if (!p)
		return ERR_NOMEM;
	rec_set_text(p, DOC(STATUS), "published");
	rec_set_int(p, DOC(CURRENT_VERSION_ID), before->id);
	rec_set_int(p, DOC(CURRENT_NUMBER), rec_int(before, VER(NUMBER)));
	const char *approved = rec_text(before, VER(APPROVED_AT));
	rec_set_text(p, DOC(APPROVED_ON),
		     approved ? arena_strndup(env->a, approved, 10) : env->today);
	rec_set_text(p, DOC(PUBLISHED_ON), env->today);
	if (time_add_months(env->today, (int)(months > 0 ? months : 12), next))
		rec_set_text(p, DOC(NEXT_REVIEW_ON), arena_strdup(env->a, next));
	struct repo_ctx rc = inner(env->db, env->a, env->who);
	struct verrors dve = { 0 };
	if ((e = repo_update(&rc, &entity_document, doc_id, p, 0, &dve)))
		return e;

	int64_t *people;
	size_t n;
	if ((e = audience_people(env->db, doc, &people, &n, env->a, env->today)))
		return e;
	char due[11];
	if (!time_add_months(env->today, 1, due))
		str_copy(due, sizeof(due), env->today);
	for (size_t i = 0; i < n && !e; i++) {
		struct record *ack = model_record_new(env->a, &entity_acknowledgement);
		if (!ack)
			return ERR_NOMEM;
		rec_set_int(ack, ACK(DOCUMENT_ID), doc_id);
		rec_set_int(ack, ACK(VERSION_ID), before->id);
		rec_set_int(ack, ACK(PERSON_ID), people[i]);
		rec_set_text(ack, ACK(REQUESTED_ON), env->today);
		rec_set_text(ack, ACK(DUE_ON), arena_strdup(env->a, due));
		int64_t id;
		struct verrors ave = { 0 };
		e = repo_create(&rc, ack, &ave, &id);
	}
	return e;
}

static enum err version_retire(const struct step_env *env, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	(void)after;
	(void)ve;
	int64_t doc_id = rec_int(before, VER(DOCUMENT_ID));
	enum err e = move_all(env, &entity_acknowledgement, ACK(STATUS),
			      "SELECT id FROM acknowledgements WHERE version_id = $1 AND status = "
			      "'pending' ORDER BY id",
			      before->id, "superseded");
	if (e)
		return e;
	struct record *p = model_record_new(env->a, &entity_document);
	if (!p)
		return ERR_NOMEM;
	rec_set_text(p, DOC(STATUS), "retired");
	struct repo_ctx rc = inner(env->db, env->a, env->who);
	struct verrors dve = { 0 };
	return repo_update(&rc, &entity_document, doc_id, p, 0, &dve);
}

static const char *const from_draft[] = { "draft", NULL };
static const char *const from_review[] = { "in_review", NULL };
static const char *const from_approved[] = { "approved", NULL };
static const char *const from_published[] = { "published", NULL };
static const char *const note_input[] = { "decision_note", NULL };

static const struct step version_steps[] = {
	{ .name = "submit",
	  .label = "Send for approval",
	  .help = "The text is fixed from now on; the approvers sign it off or send it back.",
	  .from = from_draft,
	  .to = "in_review",
	  .apply = version_submit },
	{ .name = "return",
	  .label = "Send back to the author",
	  .help = "Say what must change; sign-offs given so far are withdrawn.",
	  .from = from_review,
	  .to = "draft",
	  .inputs = note_input,
	  .require = note_input, /* say what must change */
	  .apply = version_return },
	{ .name = "approve",
	  .label = "Sign off",
	  .help = "Records your approval of this exact text, with a hash of it (for a policy: "
		  "the ISM signs first, then the Board).",
	  .from = from_review,
	  .to = "approved",
	  .task = true,
	  .apply = version_approve },
	{ .name = "publish",
	  .label = "Publish",
	  .help = "Makes this the document's current version, supersedes the previous one and "
		  "asks the audience to read and acknowledge it.",
	  .from = from_approved,
	  .to = "published",
	  .task = true,
	  .stamp_at = "published_at",
	  .stamp_by = "published_by",
	  .apply = version_publish },
	{ .name = "retire",
	  .label = "Retire the document",
	  .help = "The document no longer applies: nobody is asked to read it any more.",
	  .from = from_published,
	  .to = "retired",
	  .apply = version_retire },
};

static const struct workflow version_workflow = {
	.state_field = "status",
	.steps = version_steps,
	.nsteps = sizeof(version_steps) / sizeof(version_steps[0]),
};

static const char *const version_frozen[] = { "in_review",  "approved", "published",
					      "superseded", "retired",	NULL };

static const struct entity_page version_record_pages[] = {
	{ "/document_versions/{id}/export.html", "Download as HTML" },
	{ "/document_versions/{id}/export.pdf", "Download as PDF" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): authors send versions
 * for approval; the ISM and the Board sign off (the step decides which sign-off the document
 * still needs); the ISM publishes and retires. */
static const struct grant document_version_access[] = {
	{ ROLE_BOARD, "r:all return:all approve:all" },
	{ ROLE_ISMS_MANAGER,
	  "r:all c:all u:all d:all submit:all return:all approve:all publish:all retire:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:own u:own d:own submit:own" },
	{ ROLE_HR_MANAGER, "r:all c:own u:own d:own submit:own" },
	{ ROLE_DEPARTMENT_HEAD,
	  "r:all c:own+department u:own+department d:own+department submit:own+department" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_document_version = {
	.access = document_version_access,
	.name = "document_version",
	.plural = "document_versions",
	.title = "Document version",
	.title_plural = "Document versions",
	.area = "policies",
	.description = "Each version of each document: its text, approvals and publication.",
	.fields = version_fields,
	.nfields = sizeof(version_fields) / sizeof(version_fields[0]),
	.label_field = "name",
	.default_sort = "-id",
	.own_column = "owner_id",
	.dept_column = "department_id",
	.record_pages = version_record_pages,
	.frozen_states = version_frozen,
	.derive = version_derive,
	.can_delete = version_can_delete,
	.workflow = &version_workflow,
	.io = { .key = "document_id+number|document_id" },
};

/* ---- sign-offs: written only by the approve step ---- */

static const struct choice signoff_roles[] = {
	{ "isms_manager", "Information Security Manager", NULL },
	{ "board", "Board", NULL },
	{ NULL, NULL, NULL },
};

static const struct field signoff_fields[SIG__COUNT] = {
	[SIG_VERSION_ID] = { .name = "version_id",
			     .label = "Version",
			     .type = FT_REF,
			     .flags = FF_REQUIRED | FF_LIST,
			     .ref = "document_version" },
	[SIG_NAME] = { .name = "name",
		       .label = "Sign-off",
		       .type = FT_TEXT,
		       .flags = FF_READONLY,
		       .max = 200 },
	[SIG_ROLE] = { .name = "role",
		       .label = "Role",
		       .type = FT_ENUM,
		       .flags = FF_REQUIRED | FF_LIST,
		       .choices = signoff_roles },
	[SIG_SIGNED_BY] = { .name = "signed_by",
			    .label = "Signed by",
			    .type = FT_TEXT,
			    .flags = FF_REQUIRED | FF_LIST,
			    .max = 320 },
	[SIG_SIGNED_AT] = { .name = "signed_at",
			    .label = "Signed at",
			    .type = FT_TIMESTAMP,
			    .flags = FF_REQUIRED | FF_LIST },
	[SIG_NUMBER] = { .name = "number",
			 .label = "Version number",
			 .type = FT_INT,
			 .flags = FF_REQUIRED | FF_LIST,
			 .min = 1,
			 .max = 1000000 },
	[SIG_BODY_HASH] = { .name = "body_hash",
			    .label = "BLAKE2b of the text signed",
			    .type = FT_TEXT,
			    .flags = FF_REQUIRED,
			    .max = 128 },
	[SIG_ROUND] = { .name = "round",
			.label = "Approval round",
			.type = FT_INT,
			.min = 0,
			.max = 1000000 },
};

static enum err signoff_derive(struct db *db, struct arena *a, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	(void)db;
	(void)ve;
	if (before) { /* a signature is what it was */
		verrors_add(ve, SIG(ROLE)->name, "a sign-off never changes");
		return ERR_INVALID;
	}
	rec_set_text(after, SIG(NAME),
		     arena_printf(a, "v%lld by %s (%s)", (long long)rec_int(after, SIG(NUMBER)),
				  rec_text(after, SIG(SIGNED_BY)), rec_text(after, SIG(ROLE))));
	return ERR_OK;
}

static enum err signoff_can_delete(struct db *db, const struct record *rec, struct verrors *ve)
{
	(void)db;
	(void)rec;
	verrors_add(ve, SIG(ROLE)->name, "a sign-off is kept as a record");
	return ERR_CONFLICT;
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant document_signoff_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_document_signoff = {
	.access = document_signoff_access,
	.name = "document_signoff",
	.plural = "document_signoffs",
	.title = "Approval sign-off",
	.title_plural = "Approval sign-offs",
	.area = "policies",
	.description = "Who approved which version of which document, when, in which role, and "
		       "a hash of the exact text approved.",
	.fields = signoff_fields,
	.nfields = sizeof(signoff_fields) / sizeof(signoff_fields[0]),
	.label_field = "name",
	.default_sort = "-signed_at",
	.derive = signoff_derive,
	.can_delete = signoff_can_delete,
};

/* ---- reviews ---- */

static const struct choice outcomes[] = {
	{ "no_change", "Still right: no change", "The review date moves on by the interval." },
	{ "change_needed", "Needs a new version",
	  "Start a new version; publishing it moves the "
	  "review date on." },
	{ NULL, NULL, NULL },
};

static const struct field review_fields[REV__COUNT] = {
	[REV_DOCUMENT_ID] = { .name = "document_id",
			      .label = "Document",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST,
			      .ref = "document" },
	[REV_REVIEWED_ON] = { .name = "reviewed_on",
			      .label = "Reviewed on",
			      .type = FT_DATE,
			      .flags = FF_REQUIRED | FF_LIST },
	[REV_REVIEWER_ID] = { .name = "reviewer_id",
			      .label = "Reviewer",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST,
			      .ref = "person" },
	[REV_OUTCOME] = { .name = "outcome",
			  .label = "Outcome",
			  .type = FT_ENUM,
			  .flags = FF_REQUIRED | FF_LIST,
			  .choices = outcomes,
			  .dflt = "no_change" },
	[REV_NOTES] = { .name = "notes",
			.label = "Notes",
			.type = FT_MARKDOWN,
			.flags = FF_SEARCH },
	[REV_OWNER_ID] = { .name = "owner_id",
			   .label = "Document owner",
			   .type = FT_REF,
			   .flags = FF_READONLY,
			   .follows = "document_id",
			   .ref = "person" },
	[REV_DEPARTMENT_ID] = { .name = "department_id",
				.label = "Department",
				.type = FT_REF,
				.flags = FF_READONLY,
				.follows = "document_id",
				.ref = "department" },
};

/* A review moves the document's review dates: an audited change of the document. Who may
 * record one is scoped by the document's owner (copied here), not by who types it in. */
static enum err review_derive(struct db *db, struct arena *a, const struct record *before,
			      struct record *after, struct verrors *ve)
{
	struct record *doc;
	enum err e = load(db, a, &entity_document, rec_int(after, REV(DOCUMENT_ID)), &doc);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e)
		return e;
	if (before)
		return ERR_OK; /* a correction of the notes does not move dates again */
	const char *on = rec_text(after, REV(REVIEWED_ON));
	if (!on)
		return ERR_OK;
	char today[11];
	time_format_date(time_now(), today);
	if (strcmp(on, today) > 0) {
		verrors_add(ve, REV(REVIEWED_ON)->name,
			    "is in the future: record a review once it is done");
		return ERR_INVALID;
	}
	struct record *p = model_record_new(a, &entity_document);
	if (!p)
		return ERR_NOMEM;
	rec_set_text(p, DOC(LAST_REVIEWED_ON), on);
	char next[11];
	if (str_eq(rec_text(after, REV(OUTCOME)), "no_change") &&
	    time_add_months(on, (int)rec_int(doc, DOC(REVIEW_MONTHS)), next))
		rec_set_text(p, DOC(NEXT_REVIEW_ON), arena_strdup(a, next));
	struct repo_ctx rc = inner(db, a, NULL);
	struct verrors dve = { 0 };
	e = repo_update(&rc, &entity_document, doc->id, p, 0, &dve);
	if (e == ERR_INVALID) {
		verrors_add(ve, REV(DOCUMENT_ID)->name, "could not be updated with the review");
		return ERR_INVALID;
	}
	return e;
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant document_review_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:own u:own" },
	{ ROLE_HR_MANAGER, "r:all c:own u:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:all c:own u:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_document_review = {
	.access = document_review_access,
	.name = "document_review",
	.plural = "document_reviews",
	.title = "Document review",
	.title_plural = "Document reviews",
	.area = "policies",
	.description = "Reviews of documents at their interval (the policy: at least yearly), "
		       "and what came of them.",
	.fields = review_fields,
	.nfields = sizeof(review_fields) / sizeof(review_fields[0]),
	.label_field = "reviewed_on",
	.default_sort = "-reviewed_on",
	.own_column = "owner_id",
	.dept_column = "department_id",
	.derive = review_derive,
};

/* ---- change requests ---- */

static const struct choice cr_states[] = {
	{ "open", "Open", NULL },
	{ "accepted", "Accepted", NULL },
	{ "rejected", "Rejected", NULL },
	{ NULL, NULL, NULL },
};

static const struct field cr_fields[CRQ__COUNT] = {
	[CRQ_DOCUMENT_ID] = { .name = "document_id",
			      .label = "Document",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST | FF_FIXED,
			      .ref = "document" },
	[CRQ_TITLE] = { .name = "title",
			.label = "What should change",
			.type = FT_TEXT,
			.flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
			.max = 200 },
	[CRQ_REASON] = { .name = "reason",
			 .label = "Why",
			 .type = FT_LONGTEXT,
			 .flags = FF_REQUIRED | FF_SEARCH },
	[CRQ_RAISED_BY_ID] = { .name = "raised_by_id",
			       .label = "Raised by",
			       .type = FT_REF,
			       .flags = FF_REQUIRED | FF_LIST | FF_SELF,
			       .ref = "person" },
	[CRQ_DEPARTMENT_ID] = { .name = "department_id",
				.label = "Department",
				.type = FT_REF,
				.flags = FF_READONLY,
				.follows = "document_id",
				.ref = "department",
				.help = "The document's department." },
	[CRQ_STATUS] = { .name = "status",
			 .label = "Status",
			 .type = FT_ENUM,
			 .flags = FF_READONLY | FF_LIST,
			 .choices = cr_states,
			 .dflt = "open" },
	[CRQ_DECISION_NOTE] = { .name = "decision_note",
				.label = "Decision",
				.type = FT_LONGTEXT,
				.flags = FF_READONLY },
	[CRQ_DECIDED_BY] = { .name = "decided_by",
			     .label = "Decided by",
			     .type = FT_TEXT,
			     .flags = FF_READONLY },
	[CRQ_DECIDED_AT] = { .name = "decided_at",
			     .label = "Decided at",
			     .type = FT_TIMESTAMP,
			     .flags = FF_READONLY },
	[CRQ_VERSION_ID] = { .name = "version_id",
			     .label = "In version",
			     .type = FT_REF,
			     .flags = FF_READONLY | FF_LIST,
			     .ref = "document_version" },
};

/* Only the document's owner (or the ISM) decides on a change to it. */
static enum err cr_decide(const struct step_env *env, const struct record *before,
			  struct record *after, bool accept, struct verrors *ve)
{
	struct record *doc;
	enum err e =
		load(env->db, env->a, &entity_document, rec_int(before, CRQ(DOCUMENT_ID)), &doc);
	if (e)
		return e;
	bool owner = env->person_id && env->person_id == rec_int(doc, DOC(OWNER_ID));
	if (!owner && !(env->roles & (1u << ROLE_ISMS_MANAGER))) {
		verrors_add(ve, CRQ(STATUS)->name, "is decided by the document's owner");
		return ERR_FORBIDDEN;
	}
	if (accept) { /* into the version in progress, or the next one when it is sent */
		int64_t vid, num;
		if ((e = open_version(env->db, doc->id, 0, &vid, &num)))
			return e;
		if (vid)
			rec_set_int(after, CRQ(VERSION_ID), vid);
	}
	return ERR_OK;
}

static enum err cr_accept(const struct step_env *env, const struct record *before,
			  struct record *after, struct verrors *ve)
{
	return cr_decide(env, before, after, true, ve);
}

static enum err cr_reject(const struct step_env *env, const struct record *before,
			  struct record *after, struct verrors *ve)
{
	return cr_decide(env, before, after, false, ve);
}

static const char *const from_open[] = { "open", NULL };

static const struct step cr_steps[] = {
	{ .name = "accept",
	  .label = "Accept",
	  .help = "The change goes into the document's next version.",
	  .from = from_open,
	  .to = "accepted",
	  .task = true,
	  .inputs = note_input,
	  .stamp_at = "decided_at",
	  .stamp_by = "decided_by",
	  .apply = cr_accept },
	{ .name = "reject",
	  .label = "Reject",
	  .help = "Say why the change is not made; the person who asked sees it.",
	  .from = from_open,
	  .to = "rejected",
	  .inputs = note_input,
	  .require = note_input, /* why the change is not made */
	  .stamp_at = "decided_at",
	  .stamp_by = "decided_by",
	  .apply = cr_reject },
};

static const struct workflow cr_workflow = {
	.state_field = "status",
	.steps = cr_steps,
	.nsteps = sizeof(cr_steps) / sizeof(cr_steps[0]),
};

static const char *const cr_frozen[] = { "accepted", "rejected", NULL };

/* Who may do what with it (docs/security.md shows every register's): anyone raises one in
 * their own name; the document's owner decides (the step checks it is the owner). */
static const struct grant change_request_access[] = {
	{ ROLE_BOARD, "r:all c:own u:own" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all accept:all reject:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:own u:own accept:all reject:all" },
	{ ROLE_HR_MANAGER, "r:all c:own u:own accept:all reject:all" },
	{ ROLE_DEPARTMENT_HEAD,
	  "r:own+department c:own u:own accept:department reject:department" },
	{ ROLE_SUPPORT, "r:own c:own u:own" },
	{ ROLE_STAFF, "r:own c:own u:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_change_request = {
	.access = change_request_access,
	.name = "change_request",
	.plural = "change_requests",
	.title = "Change request",
	.title_plural = "Change requests",
	.area = "policies",
	.description = "Changes anyone asks for in a document, and the owner's decision.",
	.fields = cr_fields,
	.nfields = sizeof(cr_fields) / sizeof(cr_fields[0]),
	.label_field = "title",
	.default_sort = "-id",
	.own_column = "raised_by_id",
	.dept_column = "department_id",
	.frozen_states = cr_frozen,
	.workflow = &cr_workflow,
};

/* ---- acknowledgements ---- */

static const struct choice ack_states[] = {
	{ "pending", "To read", NULL },
	{ "acknowledged", "Read and acknowledged", NULL },
	{ "superseded", "No longer asked (a newer version or retired)", NULL },
	{ NULL, NULL, NULL },
};

static const struct field ack_fields[ACK__COUNT] = {
	[ACK_NAME] = { .name = "name",
		       .label = "Request",
		       .type = FT_TEXT,
		       .flags = FF_READONLY,
		       .max = 400 },
	[ACK_DOCUMENT_ID] = { .name = "document_id",
			      .label = "Document",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST,
			      .ref = "document" },
	[ACK_VERSION_ID] = { .name = "version_id",
			     .label = "Version",
			     .type = FT_REF,
			     .flags = FF_REQUIRED | FF_LIST | FF_FIXED,
			     .ref = "document_version" },
	[ACK_PERSON_ID] = { .name = "person_id",
			    .label = "Person",
			    .type = FT_REF,
			    .flags = FF_REQUIRED | FF_LIST | FF_FIXED,
			    .ref = "person" },
	[ACK_DEPARTMENT_ID] = { .name = "department_id",
				.label = "Department",
				.type = FT_REF,
				.flags = FF_READONLY,
				.follows = "person_id",
				.ref = "department" },
	[ACK_STATUS] = { .name = "status",
			 .label = "Status",
			 .type = FT_ENUM,
			 .flags = FF_READONLY | FF_LIST,
			 .choices = ack_states,
			 .dflt = "pending" },
	[ACK_REQUESTED_ON] = { .name = "requested_on",
			       .label = "Asked on",
			       .type = FT_DATE,
			       .flags = FF_REQUIRED | FF_LIST },
	[ACK_DUE_ON] = { .name = "due_on", .label = "Read by", .type = FT_DATE, .flags = FF_LIST },
	[ACK_ACKNOWLEDGED_AT] = { .name = "acknowledged_at",
				  .label = "Acknowledged at",
				  .type = FT_TIMESTAMP,
				  .flags = FF_READONLY | FF_LIST },
	[ACK_REMINDERS] = { .name = "reminders",
			    .label = "Reminders sent",
			    .type = FT_INT,
			    .flags = FF_READONLY,
			    .dflt = "0" },
	[ACK_LAST_REMINDED_ON] = { .name = "last_reminded_on",
				   .label = "Last reminded",
				   .type = FT_DATE,
				   .flags = FF_READONLY },
};

static enum err ack_derive(struct db *db, struct arena *a, const struct record *before,
			   struct record *after, struct verrors *ve)
{
	if (before)
		return ERR_OK; /* who is asked to read what is fixed (declared) */
	struct record *v;
	enum err e = load(db, a, &entity_document_version, rec_int(after, ACK(VERSION_ID)), &v);
	if (e == ERR_NOT_FOUND)
		return ERR_OK;
	if (e)
		return e;
	if (rec_int(v, VER(DOCUMENT_ID)) != rec_int(after, ACK(DOCUMENT_ID))) {
		verrors_add(ve, ACK(VERSION_ID)->name, "is a version of another document");
		return ERR_INVALID;
	}
	struct db_stmt *st;
	const char *who = NULL;
	if ((e = db_prepare(db, "SELECT name FROM people WHERE id = $1", &st)))
		return e;
	db_bind_int(st, 1, rec_int(after, ACK(PERSON_ID)));
	bool row;
	if (db_step(st, &row) == ERR_OK && row) {
		const char *s = db_col_text(st, 0, NULL);
		who = s ? arena_strdup(a, s) : NULL;
	}
	db_done(st);
	rec_set_text(after, ACK(NAME),
		     arena_printf(a, "%s \xE2\x80\x94 %s",
				  rec_text(v, VER(NAME)) ? rec_text(v, VER(NAME)) : "?",
				  who ? who : "?"));
	rec_set_int(after, ACK(REMINDERS), 0);
	return ERR_OK;
}

static enum err ack_acknowledge(const struct step_env *env, const struct record *before,
				struct record *after, struct verrors *ve)
{
	(void)after;
	if (!env->person_id || env->person_id != rec_int(before, ACK(PERSON_ID))) {
		verrors_add(ve, ACK(PERSON_ID)->name,
			    "is someone else: only they can acknowledge it");
		return ERR_FORBIDDEN;
	}
	return ERR_OK;
}

static const char *ack_flag(struct db *db, struct arena *a, const struct record *rec,
			    const char *today)
{
	(void)db;
	const char *due = rec_text(rec, ACK(DUE_ON));
	if (str_eq(rec_text(rec, ACK(STATUS)), "pending") && due && strcmp(due, today) < 0)
		return arena_printf(a, "Overdue since %s (reminded %lld times).", due,
				    (long long)rec_int(rec, ACK(REMINDERS)));
	return NULL;
}

static const char *const from_pending[] = { "pending", NULL };

static const struct step ack_steps[] = {
	{ .name = "acknowledge",
	  .label = "I have read and understood it",
	  .help = "Records that you have read this version and will follow it.",
	  .from = from_pending,
	  .to = "acknowledged",
	  /* not a generic task: the home page lists these as documents to read */
	  .stamp_at = "acknowledged_at",
	  .apply = ack_acknowledge },
};

static const struct workflow ack_workflow = {
	.state_field = "status",
	.steps = ack_steps,
	.nsteps = sizeof(ack_steps) / sizeof(ack_steps[0]),
};

static const char *const ack_frozen[] = { "acknowledged", "superseded", NULL };

static const struct entity_page ack_record_pages[] = {
	{ "/acknowledgements/{id}/read", "Read the document", "pending" },
	{ "/acknowledgements/{id}/read", "Read the document again", "acknowledged" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): everyone acknowledges
 * what they were asked to read, themselves. */
static const struct grant acknowledgement_access[] = {
	{ ROLE_ADMIN, "r:own acknowledge:own" },
	{ ROLE_BOARD, "r:all acknowledge:own" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all acknowledge:own" },
	{ ROLE_OPERATIONS_MANAGER, "r:own acknowledge:own" },
	{ ROLE_HR_MANAGER, "r:own acknowledge:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:own+department acknowledge:own" },
	{ ROLE_SUPPORT, "r:own acknowledge:own" },
	{ ROLE_STAFF, "r:own acknowledge:own" },
	{ ROLE_AUDITOR, "r:all acknowledge:own" },
	{ .rights = NULL },
};

const struct entity entity_acknowledgement = {
	.access = acknowledgement_access,
	.name = "acknowledgement",
	.plural = "acknowledgements",
	.title = "Acknowledgement",
	.title_plural = "Acknowledgements",
	.area = "policies",
	.description = "Who has been asked to read which published version, and who has read "
		       "and acknowledged it.",
	.fields = ack_fields,
	.nfields = sizeof(ack_fields) / sizeof(ack_fields[0]),
	.label_field = "name",
	.default_sort = "-requested_on",
	.own_column = "person_id",
	.dept_column = "department_id",
	.record_pages = ack_record_pages,
	.frozen_states = ack_frozen,
	.flag = ack_flag,
	.derive = ack_derive,
	.workflow = &ack_workflow,
};

/* ---- links between documents and controls (ISO 27001 Annex A: the policies and procedures
 * that implement each control) ---- */

static const struct field dc_fields[DCL__COUNT] = {
	[DCL_DOCUMENT_ID] = { .name = "document_id",
			      .label = "Document",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST,
			      .ref = "document" },
	[DCL_CONTROL_ID] = { .name = "control_id",
			     .label = "Control",
			     .type = FT_REF,
			     .flags = FF_REQUIRED | FF_LIST,
			     .ref = "control" },
	[DCL_NOTE] = { .name = "note",
		       .label = "How the document implements the control",
		       .type = FT_TEXT,
		       .flags = FF_SEARCH | FF_LIST,
		       .max = 500 },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant document_control_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_document_control = {
	.access = document_control_access,
	.name = "document_control",
	.plural = "document_controls",
	.title = "Document for a control",
	.title_plural = "Documents for controls",
	.area = "policies",
	.description = "Which policies and procedures implement which controls.",
	.fields = dc_fields,
	.nfields = sizeof(dc_fields) / sizeof(dc_fields[0]),
	.label_field = "note",
	.default_sort = "document_id",
};

/* ---- reminders ---- */

/* The mail of a reminder to the person asked (an address the mail server would not take is
 * skipped: the reminder stays recorded on the acknowledgement). */
static enum err remind(struct db *db, struct arena *a, const struct record *ack, const char *today)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT email FROM people WHERE id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, rec_int(ack, ACK(PERSON_ID)));
	bool row;
	const char *to = NULL;
	if ((e = db_step(st, &row)) == ERR_OK && row && db_col_text(st, 0, NULL))
		to = arena_strdup(a, db_col_text(st, 0, NULL));
	db_done(st);
	if (e || !to)
		return e;
	const char *name = rec_text(ack, ACK(NAME));
	const char *subject =
		arena_printf(a, "Reminder: please read %s", name ? name : "a document");
	const char *body = arena_printf(
		a,
		"You were asked to read and acknowledge %s by %s.\n\nOpen it "
		"in Custos: /acknowledgements/%lld/read\n",
		name ? name : "a document", rec_text(ack, ACK(DUE_ON)), (long long)ack->id);
	e = mail_queue(
		db, to, subject, body,
		arena_printf(a, "acknowledgement:%lld:reminder:%s", (long long)ack->id, today));
	return e == ERR_INVALID || e == ERR_TOO_LARGE ? ERR_OK : e;
}

enum err document_send_reminders(struct db *db, struct arena *a, const char *today, int *n)
{
	*n = 0;
	char week_ago[11];
	int64_t t;
	if (!time_parse_date(today, strlen(today), &t))
		return ERR_INVALID;
	time_format_date(t - 7 * 86400, week_ago);
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT id FROM acknowledgements WHERE status = 'pending' AND due_on < "
			   "$1 AND (last_reminded_on IS NULL OR last_reminded_on <= $2) ORDER "
			   "BY id LIMIT 2000",
			   &st);
	if (e)
		return e;
	db_bind_str(st, 1, today);
	db_bind_str(st, 2, week_ago);
	int64_t *ids = arena_alloc(a, sizeof(int64_t) * 2000);
	size_t k = 0;
	bool row;
	while (ids && (e = db_step(st, &row)) == ERR_OK && row && k < 2000)
		ids[k++] = db_col_int(st, 0);
	db_done(st);
	if (!ids)
		return ERR_NOMEM;
	static const struct actor system = { 0, "custos" };
	for (size_t i = 0; !e && i < k; i++) {
		struct repo_ctx rc = { .db = db, .a = a, .who = &system };
		struct record *cur;
		if ((e = repo_load(&rc, &entity_acknowledgement, ids[i], &cur)))
			break;
		struct record *p = model_record_new(a, &entity_acknowledgement);
		if (!p)
			return ERR_NOMEM;
		rec_set_int(p, ACK(REMINDERS), rec_int(cur, ACK(REMINDERS)) + 1);
		rec_set_text(p, ACK(LAST_REMINDED_ON), today);
		struct verrors ve = { 0 };
		/* each its own transaction, the reminder recorded and its mail queued together */
		if ((e = db_begin(db)))
			break;
		rc.in_tx = true;
		e = repo_update(&rc, &entity_acknowledgement, ids[i], p, 0, &ve);
		rc.in_tx = false;
		if (!e)
			e = remind(db, a, cur, today);
		if (!e && !(e = db_commit(db)))
			(*n)++;
		else if (e)
			db_rollback(db);
	}
	return e;
}

enum err document_reminders_job(struct db *db)
{
	struct arena a;
	arena_init(&a, 8u << 20);
	char today[11];
	time_format_date(time_now(), today);
	int n;
	enum err e = document_send_reminders(db, &a, today, &n);
	arena_free(&a);
	return e;
}

/* ---- what the pages read ---- */

static const char *dup_col(struct arena *a, struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col, NULL);
	return s ? arena_strdup(a, s) : NULL;
}

enum err document_signoffs(struct db *db, struct arena *a, int64_t version_id,
			   struct doc_signoff **out, size_t *n)
{
	*n = 0;
	*out = arena_alloc(a, sizeof(**out) * 8);
	if (!*out)
		return ERR_NOMEM;
	/* the sign-offs of the version's current round: those of a round it was sent back
	 * from were for another text, or withdrawn */
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT s.role, s.signed_by, s.signed_at, s.body_hash, s.number FROM "
			   "document_signoffs s JOIN document_versions v ON v.id = s.version_id "
			   "WHERE s.version_id = $1 AND s.round = v.round ORDER BY s.signed_at, "
			   "s.id",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, version_id);
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row && *n < 8) {
		struct doc_signoff *s = &(*out)[(*n)++];
		s->role = dup_col(a, st, 0);
		s->signed_by = dup_col(a, st, 1);
		s->signed_at = dup_col(a, st, 2);
		s->body_hash = dup_col(a, st, 3);
		s->number = db_col_int(st, 4);
	}
	db_done(st);
	return e;
}

enum err document_coverage(struct db *db, struct arena *a, int64_t version_id,
			   struct doc_coverage *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT status, count(*) FROM acknowledgements WHERE version_id = $1 "
			   "GROUP BY status",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, version_id);
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		const char *s = db_col_text(st, 0, NULL);
		int64_t k = db_col_int(st, 1);
		if (str_eq(s, "acknowledged"))
			out->acknowledged = k;
		else if (str_eq(s, "pending"))
			out->pending = k;
		else
			out->superseded = k;
	}
	db_done(st);
	if (e)
		return e;
	out->asked = out->acknowledged + out->pending;
	out->rows = arena_alloc(a, sizeof(*out->rows) * (out->pending ? (size_t)out->pending : 1));
	if (!out->rows)
		return ERR_NOMEM;
	if ((e = db_prepare(db,
			    "SELECT k.id, p.id, p.name, d.name, k.due_on, k.reminders FROM "
			    "acknowledgements k JOIN people p ON p.id = k.person_id LEFT JOIN "
			    "departments d ON d.id = p.department_id WHERE k.version_id = $1 AND "
			    "k.status = 'pending' ORDER BY p.name, k.id",
			    &st)))
		return e;
	db_bind_int(st, 1, version_id);
	while ((e = db_step(st, &row)) == ERR_OK && row && out->nrows < (size_t)out->pending) {
		struct doc_pending *r = &out->rows[out->nrows++];
		r->ack_id = db_col_int(st, 0);
		r->person_id = db_col_int(st, 1);
		r->person = dup_col(a, st, 2);
		r->department = dup_col(a, st, 3);
		r->due_on = dup_col(a, st, 4);
		r->reminders = db_col_int(st, 5);
	}
	db_done(st);
	return e;
}

enum err document_public(struct db *db, struct arena *a, struct doc_public **out, size_t *n)
{
	*n = 0;
	size_t cap = 1000;
	*out = arena_alloc(a, sizeof(**out) * cap);
	if (!*out)
		return ERR_NOMEM;
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT d.id, d.current_version_id, d.current_number, d.code, d.title, "
			   "d.kind, d.approved_on, d.published_on, d.next_review_on FROM documents "
			   "d JOIN document_versions v ON v.id = d.current_version_id WHERE "
			   "d.status = 'published' AND v.status = 'published' AND "
			   "v.classification = 'public' AND d.classification = 'public' ORDER BY "
			   "d.code LIMIT 1000",
			   &st);
	if (e)
		return e;
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row && *n < cap) {
		struct doc_public *d = &(*out)[(*n)++];
		d->id = db_col_int(st, 0);
		d->version_id = db_col_int(st, 1);
		d->number = db_col_int(st, 2);
		d->code = dup_col(a, st, 3);
		d->title = dup_col(a, st, 4);
		d->kind = dup_col(a, st, 5);
		d->approved_on = dup_col(a, st, 6);
		d->published_on = dup_col(a, st, 7);
		d->next_review_on = dup_col(a, st, 8);
	}
	db_done(st);
	return e;
}

/* ---- import from a text file ---- */

/* A field of r from text, as a form gives it; empty text leaves it unset. */
static bool set_field(struct arena *a, struct record *r, const struct field *f, const char *text,
		      struct verrors *ve)
{
	const char *why = NULL;
	if (!text || !*text)
		return true;
	struct value v;
	if (!model_parse_text(a, f, text, strlen(text), &v, &why)) {
		verrors_add(ve, f->name, why ? why : "is not valid");
		return false;
	}
	r->v[rec_get(r, f) - r->v] = v;
	return true;
}

enum err document_import(struct repo_ctx *rc, const struct document_import *in, struct verrors *ve,
			 int64_t *doc_id, int64_t *version_id)
{
	struct buf md;
	buf_init(&md, (size_t)DOCUMENT_BODY_MAX * 4);
	const char *title = NULL;
	enum err e = textdoc_to_markdown(rc->a, in->text ? in->text : "", in->n, &md, &title);
	if (e) {
		buf_free(&md);
		verrors_add(ve, VER(BODY)->name,
			    e == ERR_BAD_REQUEST ? "is not UTF-8 text"
			    : e == ERR_TOO_LARGE ? "is too long for one document"
						 : "could not be read");
		return e == ERR_NOMEM ? ERR_TOO_LARGE : e;
	}
	/* the page shows the title above the text: its heading line is not repeated in it */
	const char *body = buf_cstr(&md);
	const char *h = title ? arena_printf(rc->a, "# %s\n", title) : NULL;
	const char *at = h ? strstr(body, h) : NULL;
	if (at && (at == body || at[-1] == '\n')) {
		const char *rest = at + strlen(h);
		while (*rest == '\n')
			rest++;
		body = arena_printf(rc->a, "%.*s%s", (int)(at - body), body, rest);
		if (!body)
			body = buf_cstr(&md);
	}
	const char *use_title = in->title && *in->title ? in->title : title;
	struct record *doc = model_record_new(rc->a, &entity_document);
	struct record *ver = model_record_new(rc->a, &entity_document_version);
	if (!doc || !ver) {
		buf_free(&md);
		return ERR_NOMEM;
	}
	char owner[24];
	snprintf(owner, sizeof(owner), "%lld", (long long)in->owner_id);
	set_field(rc->a, doc, DOC(CODE), in->code, ve);
	set_field(rc->a, doc, DOC(TITLE), use_title, ve);
	set_field(rc->a, doc, DOC(KIND), in->kind, ve);
	set_field(rc->a, doc, DOC(CLASSIFICATION), in->classification, ve);
	set_field(rc->a, doc, DOC(AUDIENCE), in->audience, ve);
	if (in->owner_id > 0)
		set_field(rc->a, doc, DOC(OWNER_ID), owner, ve);
	set_field(rc->a, ver, VER(BODY), body, ve);
	set_field(rc->a, ver, VER(CHANGE_SUMMARY),
		  in->source ? arena_printf(rc->a, "Imported from %s.", in->source) : "Imported.",
		  ve);
	buf_free(&md);
	if (!use_title)
		verrors_add(ve, DOC(TITLE)->name,
			    "is required: the text has no title line; give one");
	if (ve->n)
		return ERR_INVALID;
	bool outer = rc->in_tx;
	if (!outer && (e = db_begin(rc->db)))
		return e;
	rc->in_tx = true;
	e = repo_create(rc, doc, ve, doc_id);
	if (!e) {
		rec_set_int(ver, VER(DOCUMENT_ID), *doc_id);
		e = repo_create(rc, ver, ve, version_id);
	}
	rc->in_tx = outer;
	if (outer)
		return e;
	if (!e)
		return db_commit(rc->db);
	db_rollback(rc->db);
	return e;
}

enum err document_last_version(struct db *db, int64_t doc_id, int64_t *number)
{
	*number = 0;
	enum err e = db_get_int(db, number,
				"SELECT coalesce(max(number), 0) FROM document_versions"
				" WHERE document_id = $1",
				"i", doc_id);
	return e == ERR_NOT_FOUND ? ERR_OK : e;
}

enum err document_version_by_number(struct db *db, struct arena *a, int64_t doc_id, int64_t number,
				    struct record **out)
{
	int64_t id;
	enum err e = db_get_int(db, &id,
				"SELECT id FROM document_versions WHERE document_id = $1"
				" AND number = $2",
				"ii", doc_id, number);
	return e ? e : load(db, a, &entity_document_version, id, out);
}

/* The registers of this file, in navigation order, and their scheduled jobs (domain.h). */
static const struct job area_documents_jobs[] = {
	{ "acknowledgement_reminders", 3600, document_reminders_job },
};

const struct area area_documents = {
	.registers =
		(const struct entity *const[]){ &entity_document, &entity_document_version,
						&entity_document_signoff, &entity_document_review,
						&entity_change_request, &entity_acknowledgement,
						&entity_document_control, NULL },
	.jobs = area_documents_jobs,
	.njobs = sizeof(area_documents_jobs) / sizeof(area_documents_jobs[0]),
};
