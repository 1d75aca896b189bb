/* test_document.c - policies and documents against a temporary database (SQLite, or
 * PostgreSQL with CUSTOS_TEST_PG): version numbers and the copied text, the text fixed from
 * review on, sign-offs in order (ISM, then Board) with the hash of the exact text, publishing
 * (supersede, document dates, acknowledgements for each audience, leavers left out), only the
 * person acknowledges, change requests decided by the owner and carried into the next version,
 * reviews moving the dates, reminders, and the audit chain and records intact afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/authz.h"
#include "core/repo.h"
#include "core/rowcache.h"
#include "core/verify.h"
#include "domain/document.h"
#include "testdb.h"

#define JAN_31_2026 1769817600 /* 2026-01-31T00:00:00Z */

static const struct actor ism = { 1, "ism@example.org" };

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
	int64_t ops, sales;		 /* departments */
	int64_t ann, bob, cid, dan, eve; /* Ann owns documents; Cid a contractor; Eve has left */
};

static const char *num(struct fx *f, int64_t v)
{
	return arena_printf(&f->a, "%lld", (long long)v);
}

static void apply(struct fx *f, struct record *r, const char *const *kv)
{
	for (size_t i = 0; kv && kv[i]; i += 2) {
		int k = model_field_index(r->e, kv[i]);
		if (k < 0)
			fail_msg("%s has no field %s", r->e->name, kv[i]);
		const char *why;
		if (!model_parse_text(&f->a, &r->e->fields[k], kv[i + 1], strlen(kv[i + 1]),
				      &r->v[k], &why))
			fail_msg("%s='%s': %s", kv[i], kv[i + 1], why);
	}
}

static int64_t create_ok(struct fx *f, const struct entity *e, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, e);
	assert_non_null(r);
	apply(f, r, kv);
	struct verrors ve = { 0 };
	int64_t id = 0;
	enum err err = repo_create(&f->c, r, &ve, &id);
	if (err)
		fail_msg("create %s: %s (%s %s)", e->name, err_name(err),
			 ve.n ? ve.items[0].field : "", ve.n ? ve.items[0].message : "");
	return id;
}

static enum err create(struct fx *f, const struct entity *e, const char *const *kv,
		       struct verrors *ve, int64_t *id)
{
	struct record *r = model_record_new(&f->a, e);
	assert_non_null(r);
	apply(f, r, kv);
	return repo_create(&f->c, r, ve, id);
}

static struct record *load(struct fx *f, const struct entity *e, int64_t id)
{
	struct record *r = NULL;
	assert_int_equal(repo_load(&f->c, e, id, &r), ERR_OK);
	return r;
}

static const char *text(const struct record *r, const char *name)
{
	const struct value *v = model_get(r, name);
	assert_non_null(v);
	return v->set && !v->null ? v->s : NULL;
}

static int64_t integer(const struct record *r, const char *name)
{
	const struct value *v = model_get(r, name);
	assert_non_null(v);
	return v->set && !v->null ? v->i : -1;
}

static int64_t count(struct fx *f, const char *sql, int64_t id)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(f->db, sql, &st), ERR_OK);
	if (strstr(sql, "$1"))
		db_bind_int(st, 1, id);
	assert_int_equal(db_step(st, &row), ERR_OK);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

/* Takes a step as person (0: none) holding roles. */
static enum err take(struct fx *f, const struct entity *e, int64_t id, const char *name,
		     int64_t person, unsigned roles, const char *const *inputs, struct verrors *ve)
{
	const struct step *st = model_step(e, name);
	if (!st)
		fail_msg("%s has no step %s", e->name, name);
	struct record *in = model_record_new(&f->a, e);
	assert_non_null(in);
	apply(f, in, inputs);
	struct actor *who = arena_alloc(&f->a, sizeof(*who));
	assert_non_null(who);
	*who = (struct actor){ 10 + person,
			       arena_printf(&f->a, "person%lld@example.org", (long long)person) };
	char *today = arena_alloc(&f->a, 11), *now = arena_alloc(&f->a, TIME_ISO_LEN);
	assert_non_null(today);
	assert_non_null(now);
	time_format_date(time_now(), today);
	time_format_iso(time_now(), now);
	struct repo_ctx rc = { .db = f->db, .a = &f->a, .who = who };
	struct step_env env = { .db = f->db,
				.a = &f->a,
				.who = who,
				.person_id = person,
				.roles = roles,
				.today = today,
				.now = now };
	memset(ve, 0, sizeof(*ve));
	return repo_step(&rc, e, id, st, &env, in, 0, ve);
}

static void take_ok(struct fx *f, const struct entity *e, int64_t id, const char *name,
		    int64_t person, unsigned roles)
{
	struct verrors ve;
	enum err err = take(f, e, id, name, person, roles, NULL, &ve);
	if (err)
		fail_msg("%s %s: %s (%s %s)", e->name, name, err_name(err),
			 ve.n ? ve.items[0].field : "", ve.n ? ve.items[0].message : "");
}

#define ISM   (1u << ROLE_ISMS_MANAGER)
#define BOARD (1u << ROLE_BOARD)
#define STAFF (1u << ROLE_STAFF)

static int64_t person(struct fx *f, const char *name, int64_t dept, const char *type,
		      const char *end)
{
	const char *kv[] = { "name",
			     name,
			     "email",
			     arena_printf(&f->a, "%s@example.org", name),
			     "department_id",
			     num(f, dept),
			     "employment_type",
			     type,
			     end ? "end_date" : NULL,
			     end,
			     NULL };
	return create_ok(f, &entity_person, kv);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !(f->db = testdb_open()))
		return -1;
	assert_null(domain_init());
	if (testdb_fresh_totals(f->db))
		return -1;
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &ism };
	*state = f;
	time_set_fake(JAN_31_2026);
	const char *d1[] = { "name", "Operations", "code", "OPS", NULL };
	const char *d2[] = { "name", "Sales", "code", "SAL", NULL };
	f->ops = create_ok(f, &entity_department, d1);
	f->sales = create_ok(f, &entity_department, d2);
	f->ann = person(f, "ann", f->ops, "employee", NULL);
	f->bob = person(f, "bob", f->ops, "employee", NULL);
	f->cid = person(f, "cid", f->sales, "contractor", NULL);
	f->dan = person(f, "dan", f->sales, "employee", NULL);
	f->eve = person(f, "eve", f->sales, "employee", "2025-12-31");
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	time_set_fake(0);
	rowcache_clear();
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

static int64_t document(struct fx *f, const char *code, const char *kind, const char *audience)
{
	const char *kv[] = { "code",	 code,		 "title",    "A document", "kind", kind,
			     "owner_id", num(f, f->ann), "audience", audience,	   NULL };
	return create_ok(f, &entity_document, kv);
}

static int64_t version(struct fx *f, int64_t doc, const char *body)
{
	const char *kv[] = { "document_id", num(f, doc), body ? "body" : NULL, body, NULL };
	return create_ok(f, &entity_document_version, kv);
}

static const char *blake(struct fx *f, const char *s)
{
	char *h = arena_alloc(&f->a, CRYPTO_HASH_HEX);
	assert_non_null(h);
	crypto_hash_hex(s, strlen(s), NULL, 0, h);
	return h;
}

static void test_defaults_and_numbering(void **state)
{
	struct fx *f = *state;
	int64_t pol = document(f, "POL-1", "policy", "everyone");
	int64_t pro = document(f, "PRO-1", "procedure", "everyone");
	assert_string_equal(text(load(f, &entity_document, pol), "approval"), "board");
	assert_string_equal(text(load(f, &entity_document, pro), "approval"), "isms_manager");
	assert_string_equal(text(load(f, &entity_document, pol), "status"), "draft");
	assert_int_equal(integer(load(f, &entity_document, pol), "review_months"), 12);

	int64_t v1 = version(f, pro, "# One\n\nFirst text.");
	struct record *r = load(f, &entity_document_version, v1);
	assert_int_equal(integer(r, "number"), 1);
	assert_string_equal(text(r, "name"), "PRO-1 v1");
	assert_int_equal(integer(r, "owner_id"), f->ann);
	/* a second version while the first is open is refused, naming the document */
	struct verrors ve = { 0 };
	int64_t id;
	const char *kv[] = { "document_id", num(f, pro), NULL };
	assert_int_equal(create(f, &entity_document_version, kv, &ve, &id), ERR_INVALID);
	assert_string_equal(ve.items[0].field, "document_id");
	/* published, then a new version: number 2, starting from the published text */
	take_ok(f, &entity_document_version, v1, "submit", f->ann, ISM);
	take_ok(f, &entity_document_version, v1, "approve", f->bob, ISM);
	take_ok(f, &entity_document_version, v1, "publish", f->bob, ISM);
	int64_t v2 = version(f, pro, NULL);
	r = load(f, &entity_document_version, v2);
	assert_int_equal(integer(r, "number"), 2);
	assert_string_equal(text(r, "body"), "# One\n\nFirst text.");
	assert_string_equal(text(r, "status"), "draft");
}

static void test_text_fixed_from_review(void **state)
{
	struct fx *f = *state;
	int64_t doc = document(f, "PRO-2", "procedure", "none");
	int64_t v = version(f, doc, "Draft text.");
	struct record *p = model_record_new(&f->a, &entity_document_version);
	const char *kv[] = { "body", "Changed in draft.", NULL };
	apply(f, p, kv);
	struct verrors ve = { 0 };
	assert_int_equal(repo_update(&f->c, &entity_document_version, v, p, 0, &ve), ERR_OK);
	take_ok(f, &entity_document_version, v, "submit", f->ann, ISM);
	const char *kv2[] = { "body", "Changed in review.", NULL };
	p = model_record_new(&f->a, &entity_document_version);
	apply(f, p, kv2);
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(repo_update(&f->c, &entity_document_version, v, p, 0, &ve), ERR_INVALID);
	assert_string_equal(ve.items[0].field, "body");
	/* a version past draft is kept */
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(repo_delete(&f->c, &entity_document_version, v, 0, &ve), ERR_CONFLICT);
	/* sent back with a reason: a draft again, and its text may change */
	assert_int_equal(take(f, &entity_document_version, v, "return", f->bob, ISM, NULL, &ve),
			 ERR_INVALID);
	assert_string_equal(ve.items[0].field, "decision_note");
	const char *note[] = { "decision_note", "Say who approves access.", NULL };
	assert_int_equal(take(f, &entity_document_version, v, "return", f->bob, ISM, note, &ve),
			 ERR_OK);
	assert_string_equal(text(load(f, &entity_document_version, v), "status"), "draft");
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(repo_update(&f->c, &entity_document_version, v, p, 0, &ve), ERR_OK);
	assert_int_equal(repo_delete(&f->c, &entity_document_version, v, 0, &ve), ERR_OK);
}

static void test_signoffs_in_order_with_hash(void **state)
{
	struct fx *f = *state;
	int64_t doc = document(f, "POL-2", "policy", "none");
	const char *body = "## 1. Overview\n\nThe Board approves this policy.\n";
	int64_t v = version(f, doc, body);
	struct verrors ve;
	/* nothing to sign before it is in review */
	assert_int_equal(take(f, &entity_document_version, v, "approve", f->bob, ISM, NULL, &ve),
			 ERR_CONFLICT);
	take_ok(f, &entity_document_version, v, "submit", f->ann, ISM);
	/* the Board signs after the ISM; staff never */
	assert_int_equal(take(f, &entity_document_version, v, "approve", f->dan, BOARD, NULL, &ve),
			 ERR_FORBIDDEN);
	assert_int_equal(take(f, &entity_document_version, v, "approve", f->dan, STAFF, NULL, &ve),
			 ERR_FORBIDDEN);
	take_ok(f, &entity_document_version, v, "approve", f->bob, ISM);
	struct record *r = load(f, &entity_document_version, v);
	assert_string_equal(text(r, "status"), "in_review");
	assert_null(text(r, "body_hash"));
	/* the ISM cannot sign twice */
	assert_int_equal(take(f, &entity_document_version, v, "approve", f->bob, ISM, NULL, &ve),
			 ERR_FORBIDDEN);
	take_ok(f, &entity_document_version, v, "approve", f->dan, BOARD);
	r = load(f, &entity_document_version, v);
	assert_string_equal(text(r, "status"), "approved");
	assert_string_equal(text(r, "body_hash"), blake(f, body));
	struct doc_signoff *so;
	size_t n;
	assert_int_equal(document_signoffs(f->db, &f->a, v, &so, &n), ERR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(so[0].role, "isms_manager");
	assert_string_equal(so[1].role, "board");
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(so[i].body_hash, blake(f, body));
		assert_int_equal(so[i].number, 1);
	}
	/* a sign-off never changes and is never deleted */
	int64_t sid = count(f, "SELECT min(id) FROM document_signoffs", 0);
	struct record *p = model_record_new(&f->a, &entity_document_signoff);
	const char *kv[] = { "signed_by", "someone@else", NULL };
	apply(f, p, kv);
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(repo_update(&f->c, &entity_document_signoff, sid, p, 0, &ve), ERR_INVALID);
	assert_int_equal(repo_delete(&f->c, &entity_document_signoff, sid, 0, &ve), ERR_CONFLICT);
}

static void test_publish_and_acknowledge(void **state)
{
	struct fx *f = *state;
	int64_t doc = document(f, "PRO-3", "procedure", "everyone");
	int64_t v1 = version(f, doc, "First.");
	take_ok(f, &entity_document_version, v1, "submit", f->ann, ISM);
	take_ok(f, &entity_document_version, v1, "approve", f->bob, ISM);
	take_ok(f, &entity_document_version, v1, "publish", f->bob, ISM);
	struct record *d = load(f, &entity_document, doc);
	assert_string_equal(text(d, "status"), "published");
	assert_int_equal(integer(d, "current_version_id"), v1);
	assert_string_equal(text(d, "published_on"), "2026-01-31");
	assert_string_equal(text(d, "next_review_on"), "2027-01-31");
	/* everyone still here: Ann, Bob, Cid (contractor), Dan; not Eve, who has left */
	assert_int_equal(
		count(f, "SELECT count(*) FROM acknowledgements WHERE version_id = $1", v1), 4);
	assert_int_equal(count(f,
			       "SELECT count(*) FROM acknowledgements WHERE version_id = $1 AND "
			       "person_id = (SELECT id FROM people WHERE name = 'eve')",
			       v1),
			 0);
	int64_t ack_dan = count(f,
				"SELECT id FROM acknowledgements WHERE version_id = $1 AND "
				"person_id = (SELECT id FROM people WHERE name = 'dan')",
				v1);
	struct verrors ve;
	/* only Dan acknowledges Dan's */
	assert_int_equal(
		take(f, &entity_acknowledgement, ack_dan, "acknowledge", f->ann, ISM, NULL, &ve),
		ERR_FORBIDDEN);
	take_ok(f, &entity_acknowledgement, ack_dan, "acknowledge", f->dan, STAFF);
	assert_int_equal(
		take(f, &entity_acknowledgement, ack_dan, "acknowledge", f->dan, STAFF, NULL, &ve),
		ERR_CONFLICT);
	struct doc_coverage cov;
	assert_int_equal(document_coverage(f->db, &f->a, v1, &cov), ERR_OK);
	assert_int_equal(cov.asked, 4);
	assert_int_equal(cov.acknowledged, 1);
	assert_int_equal(cov.nrows, 3);

	/* version 2 supersedes version 1 and its unread acknowledgements */
	int64_t v2 = version(f, doc, "Second.");
	take_ok(f, &entity_document_version, v2, "submit", f->ann, ISM);
	take_ok(f, &entity_document_version, v2, "approve", f->bob, ISM);
	take_ok(f, &entity_document_version, v2, "publish", f->bob, ISM);
	assert_string_equal(text(load(f, &entity_document_version, v1), "status"), "superseded");
	assert_int_equal(count(f,
			       "SELECT count(*) FROM acknowledgements WHERE version_id = $1 AND "
			       "status = 'superseded'",
			       v1),
			 3);
	assert_string_equal(text(load(f, &entity_acknowledgement, ack_dan), "status"),
			    "acknowledged");
	assert_int_equal(integer(load(f, &entity_document, doc), "current_number"), 2);

	/* audiences: one department; contractors; employees */
	int64_t dd = document(f, "PRO-4", "procedure", "none");
	struct record *p = model_record_new(&f->a, &entity_document);
	const char *kv[] = { "audience", "department", "audience_department_id", num(f, f->sales),
			     NULL };
	apply(f, p, kv);
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(repo_update(&f->c, &entity_document, dd, p, 0, &ve), ERR_OK);
	int64_t v = version(f, dd, "Sales only.");
	take_ok(f, &entity_document_version, v, "submit", f->ann, ISM);
	take_ok(f, &entity_document_version, v, "approve", f->bob, ISM);
	take_ok(f, &entity_document_version, v, "publish", f->bob, ISM);
	assert_int_equal(count(f, "SELECT count(*) FROM acknowledgements WHERE version_id = $1", v),
			 2); /* Cid and Dan; Eve has left */
	int64_t dc = document(f, "PRO-5", "procedure", "contractors");
	v = version(f, dc, "Contractors.");
	take_ok(f, &entity_document_version, v, "submit", f->ann, ISM);
	take_ok(f, &entity_document_version, v, "approve", f->bob, ISM);
	take_ok(f, &entity_document_version, v, "publish", f->bob, ISM);
	assert_int_equal(count(f, "SELECT count(*) FROM acknowledgements WHERE version_id = $1", v),
			 1);
	/* retired: nobody is asked any more */
	take_ok(f, &entity_document_version, v, "retire", f->bob, ISM);
	assert_string_equal(text(load(f, &entity_document, dc), "status"), "retired");
	assert_int_equal(count(f,
			       "SELECT count(*) FROM acknowledgements WHERE version_id = $1 AND "
			       "status = 'pending'",
			       v),
			 0);
	/* a department audience needs its department */
	const char *bad[] = { "code",	      "PRO-6",	  "title",	"X", "owner_id",
			      num(f, f->ann), "audience", "department", NULL };
	int64_t id;
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(create(f, &entity_document, bad, &ve, &id), ERR_INVALID);
	assert_string_equal(ve.items[0].field, "audience_department_id");
}

static void test_change_requests_and_reviews(void **state)
{
	struct fx *f = *state;
	int64_t doc = document(f, "POL-3", "procedure", "none");
	int64_t v1 = version(f, doc, "Text.");
	take_ok(f, &entity_document_version, v1, "submit", f->ann, ISM);
	take_ok(f, &entity_document_version, v1, "approve", f->bob, ISM);
	take_ok(f, &entity_document_version, v1, "publish", f->bob, ISM);

	const char *kv[] = {
		"document_id", num(f, doc),	"title",	"Add the leavers' checklist",
		"reason",      "Audit finding", "raised_by_id", num(f, f->dan),
		NULL
	};
	int64_t cr = create_ok(f, &entity_change_request, kv);
	int64_t cr2 = create_ok(f, &entity_change_request, kv);
	struct verrors ve;
	/* Bob neither owns the document nor is the ISM */
	assert_int_equal(take(f, &entity_change_request, cr, "accept", f->bob, STAFF, NULL, &ve),
			 ERR_FORBIDDEN);
	assert_int_equal(take(f, &entity_change_request, cr2, "reject", f->ann, STAFF, NULL, &ve),
			 ERR_INVALID);
	const char *why[] = { "decision_note", "Covered by the HR procedure.", NULL };
	assert_int_equal(take(f, &entity_change_request, cr2, "reject", f->ann, STAFF, why, &ve),
			 ERR_OK);
	/* accepted with no version in progress: it joins the next one when that is sent */
	take_ok(f, &entity_change_request, cr, "accept", f->ann, STAFF);
	assert_int_equal(integer(load(f, &entity_change_request, cr), "version_id"), -1);
	int64_t v2 = version(f, doc, NULL);
	take_ok(f, &entity_document_version, v2, "submit", f->ann, ISM);
	assert_int_equal(integer(load(f, &entity_change_request, cr), "version_id"), v2);
	assert_int_equal(integer(load(f, &entity_change_request, cr2), "version_id"), -1);

	/* a review with no change moves the next review on by the interval; one dated after
	 * today is refused */
	time_set_fake(JAN_31_2026 + 62 * 86400); /* 2026-04-02 */
	const char *later[] = { "document_id", num(f, doc),   "reviewed_on",
				"2026-05-01",  "reviewer_id", num(f, f->ann),
				"outcome",     "no_change",   NULL };
	int64_t rid;
	struct verrors rve = { 0 };
	struct record *lr = model_record_new(&f->a, &entity_document_review);
	apply(f, lr, later);
	assert_int_equal(repo_create(&f->c, lr, &rve, &rid), ERR_INVALID);
	assert_string_equal(rve.items[0].field, "reviewed_on");
	const char *rv[] = { "document_id", num(f, doc),   "reviewed_on",
			     "2026-03-15",  "reviewer_id", num(f, f->ann),
			     "outcome",	    "no_change",   NULL };
	create_ok(f, &entity_document_review, rv);
	struct record *d = load(f, &entity_document, doc);
	assert_string_equal(text(d, "last_reviewed_on"), "2026-03-15");
	assert_string_equal(text(d, "next_review_on"), "2027-03-15");
	const char *rv2[] = { "document_id", num(f, doc),     "reviewed_on",
			      "2026-04-01",  "reviewer_id",   num(f, f->ann),
			      "outcome",     "change_needed", NULL };
	create_ok(f, &entity_document_review, rv2);
	d = load(f, &entity_document, doc);
	assert_string_equal(text(d, "last_reviewed_on"), "2026-04-01");
	assert_string_equal(text(d, "next_review_on"), "2027-03-15");
}

static void test_reminders_and_chain(void **state)
{
	struct fx *f = *state;
	int64_t doc = document(f, "PRO-7", "procedure", "employees");
	int64_t v = version(f, doc, "Read me.");
	take_ok(f, &entity_document_version, v, "submit", f->ann, ISM);
	take_ok(f, &entity_document_version, v, "approve", f->bob, ISM);
	take_ok(f, &entity_document_version, v, "publish", f->bob, ISM);
	int n = -1;
	/* nothing is overdue on the day */
	assert_int_equal(document_send_reminders(f->db, &f->a, "2026-01-31", &n), ERR_OK);
	assert_int_equal(n, 0);
	/* due a month later (2026-02-28); overdue the day after: one reminder each, weekly */
	assert_int_equal(document_send_reminders(f->db, &f->a, "2026-03-01", &n), ERR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(document_send_reminders(f->db, &f->a, "2026-03-02", &n), ERR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(document_send_reminders(f->db, &f->a, "2026-03-08", &n), ERR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(
		count(f, "SELECT max(reminders) FROM acknowledgements WHERE version_id = $1", v),
		2);
	struct verify_result vr;
	assert_int_equal(verify_records(f->db, &vr), ERR_OK);
	assert_int_equal(vr.mismatches, 0);
	struct audit_result ar;
	assert_int_equal(audit_verify(f->db, &ar), ERR_OK);
	assert_int_equal(ar.bad_seq, 0);
}

static void test_add_months(void **state)
{
	(void)state;
	char out[11];
	assert_true(time_add_months("2026-01-31", 1, out));
	assert_string_equal(out, "2026-02-28");
	assert_true(time_add_months("2028-01-31", 1, out));
	assert_string_equal(out, "2028-02-29");
	assert_true(time_add_months("2026-11-29", 12, out));
	assert_string_equal(out, "2027-11-29");
	assert_true(time_add_months("2026-03-31", -1, out));
	assert_string_equal(out, "2026-02-28");
	assert_true(time_add_months("2026-12-15", 1, out));
	assert_string_equal(out, "2027-01-15");
	assert_false(time_add_months("2026-02-30", 1, out));
	assert_false(time_add_months("9999-12-01", 1, out));
	assert_false(time_add_months(NULL, 1, out));
}

int main(void)
{
	if (crypto_init() != ERR_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_and_numbering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_fixed_from_review, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signoffs_in_order_with_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_and_acknowledge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_requests_and_reviews, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reminders_and_chain, setup, teardown),
		cmocka_unit_test(test_add_months),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
