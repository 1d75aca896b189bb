/* test_control.c - controls, catalogues and the Statement of Applicability against a temporary
 * database (SQLite, or PostgreSQL with CUSTOS_TEST_PG): the built-in catalogues loaded once
 * and only once (counts, order, groups, the correspondence needing both catalogues), the
 * control's check rules and derived names, the SoA built from the records (every catalogue
 * control once, not-assessed rows, evidence expiring with the clock, withdrawn controls left
 * out, risks counted), its JSON round trip and exports with the formula guard, and approved
 * SoA versions that freeze a hashed copy and never change; audit chain and records verified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/repo.h"
#include "core/rowcache.h"
#include "core/verify.h"
#include "domain/catalogue.h"
#include "domain/soa.h"
#include "testdb.h"

#define JAN_1_2026 1767225600 /* 2026-01-01T00:00:00Z */
#define DAY	   86400

static const struct actor loader = { 1, "ism@example.org" };

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
	int64_t dept, ann;
};

/* ---- helpers ---- */

static int64_t scalar(struct db *db, const char *sql, const char *arg)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, sql, &st), ERR_OK);
	if (arg)
		db_bind_str(st, 1, arg);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	int64_t n = db_col_null(st, 0) ? -1 : db_col_int(st, 0);
	db_done(st);
	return n;
}

static int64_t controls_of(struct db *db, const char *code)
{
	return scalar(db,
		      "SELECT count(*) FROM catalog_controls cc JOIN frameworks f ON f.id ="
		      " cc.framework_id WHERE f.code = $1",
		      code);
}

static int64_t catalog_id(struct db *db, const char *code, const char *control)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db,
				    "SELECT cc.id FROM catalog_controls cc JOIN frameworks f ON"
				    " f.id = cc.framework_id WHERE f.code = $1 AND cc.control_id ="
				    " $2",
				    &st),
			 ERR_OK);
	db_bind_str(st, 1, code);
	db_bind_str(st, 2, control);
	assert_int_equal(db_step(st, &row), ERR_OK);
	int64_t id = row ? db_col_int(st, 0) : 0;
	db_done(st);
	if (!id)
		fail_msg("no catalogue control %s %s", code, control);
	return id;
}

static const char *num(struct fx *f, int64_t v)
{
	return arena_printf(&f->a, "%lld", (long long)v);
}

/* A record of e with the key/value pairs kv ("null" for SQL NULL). */
static struct record *rec(struct fx *f, const struct entity *e, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, e);
	assert_non_null(r);
	for (size_t k = 0; kv && kv[k]; k += 2) {
		int i = model_field_index(e, kv[k]);
		if (i < 0)
			fail_msg("%s has no field %s", e->name, kv[k]);
		const char *why;
		if (strcmp(kv[k + 1], "null") == 0)
			r->v[i] = (struct value){ .set = true, .null = true };
		else if (!model_parse_text(&f->a, &e->fields[i], kv[k + 1], strlen(kv[k + 1]),
					   &r->v[i], &why))
			fail_msg("%s='%s': %s", kv[k], kv[k + 1], why);
	}
	return r;
}

static void show(const struct verrors *ve)
{
	for (size_t i = 0; i < ve->n; i++)
		print_message("  %s: %s\n", ve->items[i].field ? ve->items[i].field : "-",
			      ve->items[i].message);
}

static int64_t make(struct fx *f, const struct entity *e, const char *const *kv)
{
	struct verrors ve = { 0 };
	int64_t id = 0;
	enum err err = repo_create(&f->c, rec(f, e, kv), &ve, &id);
	if (err) {
		show(&ve);
		fail_msg("create %s: %s", e->name, err_name(err));
	}
	return id;
}

static bool names_field(const struct verrors *ve, const char *field)
{
	for (size_t i = 0; i < ve->n; i++)
		if (ve->items[i].field && strcmp(ve->items[i].field, field) == 0)
			return true;
	return false;
}

/* Creating kv must fail with ERR_INVALID naming field. */
static void refused(struct fx *f, const struct entity *e, const char *const *kv, const char *field)
{
	struct verrors ve = { 0 };
	int64_t id = 0;
	assert_int_equal(repo_create(&f->c, rec(f, e, kv), &ve, &id), ERR_INVALID);
	if (!names_field(&ve, field)) {
		show(&ve);
		fail_msg("no error on %s", field);
	}
}

static enum err change(struct fx *f, const struct entity *e, int64_t id, const char *const *kv,
		       struct verrors *ve)
{
	return repo_update(&f->c, e, id, rec(f, e, kv), 0, ve);
}

static const char *field_text(struct fx *f, const struct entity *e, int64_t id, const char *name)
{
	struct record *r = NULL;
	assert_int_equal(repo_load(&f->c, e, id, &r), ERR_OK);
	const struct value *v = model_get(r, name);
	assert_non_null(v);
	return v->set && !v->null ? v->s : NULL;
}

static void load(struct fx *f, const char *name)
{
	int64_t n = 0;
	assert_int_equal(catalogue_load(f->db, &loader, name, &n), ERR_OK);
	assert_true(n > 0);
}

static const char *today(struct fx *f)
{
	char *d = arena_alloc(&f->a, 11);
	assert_non_null(d);
	time_format_date(time_now(), d);
	return d;
}

static struct soa build(struct fx *f, const char *code)
{
	struct soa s;
	assert_int_equal(soa_build(f->db, &f->a, code, today(f), &s), ERR_OK);
	return s;
}

static const struct soa_row *row_of(const struct soa *s, const char *control)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->rows[i].control_id && strcmp(s->rows[i].control_id, control) == 0)
			return &s->rows[i];
	return NULL;
}

/* A control of Ann's on 2022 control `id`, with kv on top. */
static int64_t control(struct fx *f, const char *id, const char *const *kv)
{
	const char *base[] = { "catalog_control_id",
			       num(f, catalog_id(f->db, "iso27001-2022", id)),
			       "owner_id",
			       num(f, f->ann),
			       "status",
			       "partial",
			       "reason_business",
			       "true",
			       NULL };
	struct record *r = rec(f, &entity_control, base);
	struct record *more = rec(f, &entity_control, kv);
	for (size_t i = 0; i < entity_control.nfields; i++)
		if (more->v[i].set)
			r->v[i] = more->v[i];
	struct verrors ve = { 0 };
	int64_t cid = 0;
	enum err err = repo_create(&f->c, r, &ve, &cid);
	if (err) {
		show(&ve);
		fail_msg("control %s: %s", id, err_name(err));
	}
	return cid;
}

static enum err approve(struct fx *f, int64_t version, struct verrors *ve)
{
	char *now = arena_alloc(&f->a, TIME_ISO_LEN);
	assert_non_null(now);
	time_format_iso(time_now(), now);
	struct step_env env = {
		.db = f->db, .a = &f->a, .who = &loader, .today = today(f), .now = now
	};
	return repo_step(&f->c, &entity_soa_version, version,
			 model_step(&entity_soa_version, "approve"), &env,
			 model_record_new(&f->a, &entity_soa_version), 0, ve);
}

static void audit_holds(struct fx *f)
{
	struct audit_result ar;
	assert_int_equal(audit_verify(f->db, &ar), ERR_OK);
	if (ar.bad_seq)
		fail_msg("audit chain broken at %lld: %s", (long long)ar.bad_seq, ar.why);
	struct verify_result vr;
	assert_int_equal(verify_records(f->db, &vr), ERR_OK);
	for (int i = 0; i < vr.nreported; i++)
		print_message("  %s\n", vr.reported[i]);
	assert_int_equal(vr.mismatches, 0);
}

/* ---- fixture: an empty database with a department and Ann ---- */

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !(f->db = testdb_open()))
		return -1;
	assert_null(domain_init());
	if (testdb_fresh_totals(f->db))
		return -1;
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &loader };
	*state = f;
	time_set_fake(JAN_1_2026);
	const char *d[] = { "name", "Operations", "code", "OPS", NULL };
	f->dept = make(f, &entity_department, d);
	const char *p[] = { "name",	     "Ann Owner",     "email", "ann@example.org",
			    "department_id", num(f, f->dept), NULL };
	f->ann = make(f, &entity_person, p);
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

/* ---- catalogues ---- */

static void test_catalogues_load_once(void **state)
{
	struct fx *f = *state;
	int64_t n = -1;
	assert_int_equal(catalogue_load(f->db, &loader, "iso27001-2022", &n), ERR_OK);
	assert_int_equal(n, 1 + 93);
	assert_int_equal(catalogue_load(f->db, &loader, "iso27001-2013", &n), ERR_OK);
	assert_int_equal(n, 1 + 114);
	assert_int_equal(controls_of(f->db, "iso27001-2022"), 93);
	assert_int_equal(controls_of(f->db, "iso27001-2013"), 114);
	/* four themes, fourteen domains; identifiers unique; order 1..n without gaps */
	static const char *const codes[] = { "iso27001-2022", "iso27001-2013" };
	static const int64_t groups[] = { 4, 14 }, total[] = { 93, 114 };
	for (int k = 0; k < 2; k++) {
		const char *q = "SELECT count(DISTINCT group_id) FROM catalog_controls WHERE"
				" framework_id = (SELECT id FROM frameworks WHERE code = $1)";
		assert_int_equal(scalar(f->db, q, codes[k]), groups[k]);
		q = "SELECT count(DISTINCT control_id) FROM catalog_controls WHERE"
		    " framework_id = (SELECT id FROM frameworks WHERE code = $1)";
		assert_int_equal(scalar(f->db, q, codes[k]), total[k]);
		q = "SELECT max(sort_order) - min(sort_order) + 1 FROM catalog_controls WHERE"
		    " framework_id = (SELECT id FROM frameworks WHERE code = $1)";
		assert_int_equal(scalar(f->db, q, codes[k]), total[k]);
	}
	assert_int_equal(scalar(f->db,
				"SELECT sort_order FROM catalog_controls WHERE control_id = $1",
				"A.18.2.3"),
			 114);
	assert_string_equal(field_text(f, &entity_catalog_control,
				       catalog_id(f->db, "iso27001-2022", "8.34"), "group_id"),
			    "8");
	/* the correspondence: 115 pairs, every 2013 control once or more, 82 2022 targets */
	assert_int_equal(catalogue_load(f->db, &loader, "iso27001-2013-to-2022", &n), ERR_OK);
	assert_int_equal(n, 115);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM control_mappings", NULL), 115);
	assert_int_equal(
		scalar(f->db, "SELECT count(DISTINCT from_id) FROM control_mappings", NULL), 114);
	assert_int_equal(scalar(f->db, "SELECT count(DISTINCT to_id) FROM control_mappings", NULL),
			 82);
	assert_int_equal(scalar(f->db,
				"SELECT count(*) FROM control_mappings m JOIN catalog_controls cc"
				" ON cc.id = m.from_id WHERE cc.control_id = $1",
				"A.18.2.3"),
			 2);
	int64_t before_audit = scalar(f->db, "SELECT count(*) FROM audit_events", NULL);
	/* a second load of any of them: ERR_CONFLICT, nothing created, nothing audited */
	for (size_t i = 0; catalogue_builtin_names[i]; i++) {
		n = -1;
		assert_int_equal(catalogue_load(f->db, &loader, catalogue_builtin_names[i], &n),
				 ERR_CONFLICT);
		assert_int_equal(n, 0);
	}
	assert_int_equal(controls_of(f->db, "iso27001-2022"), 93);
	assert_int_equal(controls_of(f->db, "iso27001-2013"), 114);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM frameworks", NULL), 2);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM control_mappings", NULL), 115);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM audit_events", NULL), before_audit);
	/* unknown names, and near misses */
	static const char *const bad[] = { "",
					   "iso27001",
					   "ISO27001-2022",
					   "iso27001-2022 ",
					   "iso27001-2022.csv",
					   "../iso27001-2022",
					   NULL };
	for (size_t i = 0; bad[i]; i++) {
		n = -1;
		assert_int_equal(catalogue_load(f->db, &loader, bad[i], &n), ERR_NOT_FOUND);
		assert_int_equal(n, 0);
	}
	audit_holds(f);
}

static void test_correspondence_needs_both(void **state)
{
	struct fx *f = *state;
	int64_t n = -1;
	assert_int_equal(catalogue_load(f->db, &loader, "iso27001-2013-to-2022", &n),
			 ERR_NOT_FOUND);
	assert_int_equal(n, 0);
	load(f, "iso27001-2013");
	assert_int_equal(catalogue_load(f->db, &loader, "iso27001-2013-to-2022", &n),
			 ERR_NOT_FOUND);
	assert_int_equal(n, 0);
	assert_int_equal(scalar(f->db, "SELECT count(*) FROM control_mappings", NULL), 0);
	load(f, "iso27001-2022");
	load(f, "iso27001-2013-to-2022");
	/* the mapping's name is derived: identifiers and relationship */
	int64_t a9 = catalog_id(f->db, "iso27001-2013", "A.9.2.1");
	int64_t m = scalar(f->db, "SELECT min(id) FROM control_mappings WHERE from_id = $1",
			   num(f, a9));
	assert_true(m > 0);
	assert_string_equal(field_text(f, &entity_control_mapping, m, "name"),
			    "A.9.2.1 \xE2\x86\x92 5.16 (subset)");
	/* the name follows a change of relationship or target */
	struct verrors ve = { 0 };
	const char *to[] = { "relationship", "intersects", "to_id",
			     num(f, catalog_id(f->db, "iso27001-2022", "5.18")), NULL };
	assert_int_equal(change(f, &entity_control_mapping, m, to, &ve), ERR_OK);
	assert_string_equal(field_text(f, &entity_control_mapping, m, "name"),
			    "A.9.2.1 \xE2\x86\x92 5.18 (intersects)");
	/* a name given by the caller is not kept */
	const char *mine[] = { "from_id",
			       num(f, a9),
			       "to_id",
			       num(f, catalog_id(f->db, "iso27001-2022", "5.15")),
			       "relationship",
			       "superset",
			       "name",
			       "forged",
			       NULL };
	struct verrors ve2 = { 0 };
	int64_t id = 0;
	enum err e = repo_create(&f->c, rec(f, &entity_control_mapping, mine), &ve2, &id);
	if (e == ERR_OK)
		assert_string_equal(field_text(f, &entity_control_mapping, id, "name"),
				    "A.9.2.1 \xE2\x86\x92 5.15 (superset)");
	else
		assert_int_equal(e, ERR_INVALID);
	/* a mapping needs both ends, and a relationship of the list */
	const char *half[] = { "from_id", num(f, a9), "relationship", "equal", NULL };
	refused(f, &entity_control_mapping, half, "to_id");
	const char *dangling[] = { "from_id", num(f, a9), "to_id", "999999", NULL };
	refused(f, &entity_control_mapping, dangling, "to_id");
	audit_holds(f);
}

/* ---- the organisation's controls ---- */

static void test_control_rules(void **state)
{
	struct fx *f = *state;
	load(f, "iso27001-2022");
	const char *cc = num(f, catalog_id(f->db, "iso27001-2022", "8.30"));
	/* excluded without a justification */
	const char *k1[] = { "catalog_control_id", cc,	"applicable", "false", "status",
			     "not_applicable",	   NULL };
	refused(f, &entity_control, k1, "justification");
	const char *k1b[] = {
		"catalog_control_id", cc,     "applicable", "false", "status", "not_applicable",
		"justification",      "null", NULL
	};
	refused(f, &entity_control, k1b, "justification");
	/* excluded but implemented (or left at the default status, not_started) */
	const char *k2[] = { "catalog_control_id",
			     cc,
			     "applicable",
			     "false",
			     "status",
			     "implemented",
			     "justification",
			     "No outsourcing.",
			     NULL };
	refused(f, &entity_control, k2, "status");
	const char *k3[] = { "catalog_control_id", cc,	"applicable", "false", "justification",
			     "No outsourcing.",	   NULL };
	refused(f, &entity_control, k3, "status");
	/* applicable and not applicable at once */
	const char *k4[] = { "catalog_control_id", cc,	"applicable", "true", "status",
			     "not_applicable",	   NULL };
	refused(f, &entity_control, k4, "status");
	/* the status must be one of the four */
	const char *k5[] = { "catalog_control_id", cc, "status", "done", NULL };
	refused(f, &entity_control, k5, "status");
	/* excluded with its reason: fine */
	const char *ok[] = { "catalog_control_id",
			     cc,
			     "applicable",
			     "false",
			     "status",
			     "not_applicable",
			     "justification",
			     "No outsourcing.",
			     NULL };
	int64_t id = make(f, &entity_control, ok);
	/* one record per catalogue control */
	const char *twice[] = { "catalog_control_id", cc, NULL };
	refused(f, &entity_control, twice, "catalog_control_id");
	/* an update is checked against the whole record: making it applicable needs a status */
	struct verrors ve = { 0 };
	const char *app[] = { "applicable", "true", NULL };
	assert_int_equal(change(f, &entity_control, id, app, &ve), ERR_INVALID);
	assert_true(names_field(&ve, "status"));
	const char *drop[] = { "justification", "null", NULL };
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(change(f, &entity_control, id, drop, &ve), ERR_INVALID);
	assert_true(names_field(&ve, "justification"));
	const char *both[] = { "applicable", "true", "status", "partial", NULL };
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(change(f, &entity_control, id, both, &ve), ERR_OK);
	/* an applicable control back to excluded needs both the status and the reason kept */
	const char *back[] = { "applicable", "false", NULL };
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(change(f, &entity_control, id, back, &ve), ERR_INVALID);
	assert_true(names_field(&ve, "status"));
	/* evidence cannot expire before it was collected; on the same day it can */
	const char *ev[] = { "control_id", num(f, id),	 "title",      "Scan", "collected_on",
			     "2026-01-10", "expires_on", "2026-01-09", NULL };
	refused(f, &entity_evidence, ev, "expires_on");
	const char *ev2[] = { "control_id", num(f, id),	  "title",	"Scan", "collected_on",
			      "2026-01-10", "expires_on", "2026-01-10", NULL };
	assert_true(make(f, &entity_evidence, ev2) > 0);
	audit_holds(f);
}

static void test_control_names(void **state)
{
	struct fx *f = *state;
	load(f, "iso27001-2022");
	int64_t id = control(f, "5.15", NULL);
	const char *title = field_text(f, &entity_catalog_control,
				       catalog_id(f->db, "iso27001-2022", "5.15"), "title");
	assert_string_equal(field_text(f, &entity_control, id, "name"),
			    arena_printf(&f->a, "5.15 %s", title));
	/* moved to another catalogue control: the name follows */
	struct verrors ve = { 0 };
	int64_t c8 = catalog_id(f->db, "iso27001-2022", "8.5");
	const char *mv[] = { "catalog_control_id", num(f, c8), NULL };
	assert_int_equal(change(f, &entity_control, id, mv, &ve), ERR_OK);
	const char *t8 = field_text(f, &entity_catalog_control, c8, "title");
	assert_string_equal(field_text(f, &entity_control, id, "name"),
			    arena_printf(&f->a, "8.5 %s", t8));
	/* a name given by the caller is not what is stored */
	const char *forged[] = { "name", "Forged", "implementation", "Two-factor sign-in", NULL };
	memset(&ve, 0, sizeof(ve));
	enum err e = change(f, &entity_control, id, forged, &ve);
	assert_true(e == ERR_OK || e == ERR_INVALID);
	assert_string_equal(field_text(f, &entity_control, id, "name"),
			    arena_printf(&f->a, "8.5 %s", t8));
	/* a dangling catalogue reference is refused */
	const char *dangling[] = { "catalog_control_id", "987654", NULL };
	refused(f, &entity_control, dangling, "catalog_control_id");
	audit_holds(f);
}

/* Was a bug: a control's derived name kept the old catalogue title after the title changed
 * (the README's way of importing the official titles). The name follows the catalogue. */
static void test_control_name_follows_catalogue_title(void **state)
{
	struct fx *f = *state;
	load(f, "iso27001-2022");
	int64_t id = control(f, "5.15", NULL);
	struct verrors ve = { 0 };
	const char *t[] = { "title", "Access control (official title)", NULL };
	assert_int_equal(change(f, &entity_catalog_control,
				catalog_id(f->db, "iso27001-2022", "5.15"), t, &ve),
			 ERR_OK);
	assert_string_equal(field_text(f, &entity_control, id, "name"),
			    "5.15 Access control (official title)");
}

/* ---- the Statement of Applicability ---- */

static void test_soa_build(void **state)
{
	struct fx *f = *state;
	struct soa s;
	assert_int_equal(soa_build(f->db, &f->a, "iso27001-2022", today(f), &s), ERR_NOT_FOUND);
	load(f, "iso27001-2022");
	load(f, "iso27001-2013");
	s = build(f, "iso27001-2022");
	assert_string_equal(s.framework_code, "iso27001-2022");
	assert_string_equal(s.framework_name, "ISO/IEC 27001:2022 Annex A");
	assert_int_equal(s.n, 93);
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(s.rows[i].control, 0);
		assert_false(s.rows[i].applicable);
		assert_null(s.rows[i].status);
		for (size_t j = 0; j < i; j++)
			assert_true(s.rows[i].catalog_id != s.rows[j].catalog_id);
	}
	assert_string_equal(s.rows[0].control_id, "5.1");
	assert_string_equal(s.rows[92].control_id, "8.34");
	assert_int_equal(build(f, "iso27001-2013").n, 114);

	/* a few controls: implemented with evidence, partial with a risk, excluded */
	const char *k1[] = { "status", "implemented", NULL };
	int64_t c1 = control(f, "5.1", k1);
	const char *k2[] = { "reason_risk", "true", "reason_legal", "true", NULL };
	int64_t c2 = control(f, "5.24", k2);
	const char *k3[] = { "applicable",	"false",	 "status",
			     "not_applicable",	"justification", "Development is not outsourced.",
			     "reason_business", "false",	 NULL };
	int64_t c3 = control(f, "8.30", k3);
	const char *e1[] = { "control_id", num(f, c1),	 "title",      "Minutes", "collected_on",
			     "2025-12-01", "expires_on", "2026-01-15", NULL };
	make(f, &entity_evidence, e1);
	const char *e2[] = { "control_id",   num(f, c1),   "title", "Policy",
			     "collected_on", "2025-12-02", NULL };
	make(f, &entity_evidence, e2);
	const char *risk[] = { "title",
			       "Late breach notification",
			       "owner_id",
			       num(f, f->ann),
			       "department_id",
			       num(f, f->dept),
			       "inherent_likelihood",
			       "3",
			       "inherent_impact",
			       "4",
			       "treatment",
			       "modify",
			       "residual_likelihood",
			       "2",
			       "residual_impact",
			       "2",
			       NULL };
	int64_t rk = make(f, &entity_risk, risk);
	const char *link[] = { "control_id", num(f, c2), "risk_id", num(f, rk), NULL };
	make(f, &entity_control_risk, link);

	s = build(f, "iso27001-2022");
	assert_int_equal(s.n, 93);
	const struct soa_row *r1 = row_of(&s, "5.1"), *r2 = row_of(&s, "5.24"),
			     *r3 = row_of(&s, "8.30");
	assert_non_null(r1);
	assert_int_equal(r1->control, c1);
	assert_true(r1->applicable);
	assert_string_equal(r1->status, "implemented");
	assert_string_equal(r1->owner, "Ann Owner");
	assert_int_equal(r1->owner_id, f->ann); /* OSCAL keys the owner's party by it */
	assert_true(r1->reason_business);
	assert_false(r1->reason_risk);
	assert_int_equal(r1->evidence, 2);
	assert_int_equal(r1->evidence_expired, 0);
	assert_int_equal(r2->risks, 1);
	assert_true(r2->reason_risk && r2->reason_legal);
	assert_int_equal(r2->evidence, 0);
	assert_int_equal(r3->control, c3);
	assert_false(r3->applicable);
	assert_string_equal(r3->status, "not_applicable");
	assert_string_equal(r3->justification, "Development is not outsourced.");
	size_t assessed = 0;
	for (size_t i = 0; i < s.n; i++)
		assessed += s.rows[i].control != 0;
	assert_int_equal(assessed, 3);
	/* the 2013 SoA knows nothing of the 2022 controls */
	struct soa s13 = build(f, "iso27001-2013");
	for (size_t i = 0; i < s13.n; i++)
		assert_int_equal(s13.rows[i].control, 0);

	/* evidence expires by the date: on its expiry day it still holds, the day after not */
	time_set_fake(JAN_1_2026 + 14 * DAY); /* 2026-01-15 */
	s = build(f, "iso27001-2022");
	assert_int_equal(row_of(&s, "5.1")->evidence_expired, 0);
	time_set_fake(JAN_1_2026 + 15 * DAY); /* 2026-01-16 */
	s = build(f, "iso27001-2022");
	assert_int_equal(row_of(&s, "5.1")->evidence_expired, 1);
	assert_int_equal(row_of(&s, "5.1")->evidence, 2);

	/* a withdrawn catalogue control leaves the SoA; brought back, it returns */
	int64_t w = catalog_id(f->db, "iso27001-2022", "7.4");
	struct verrors ve = { 0 };
	const char *wd[] = { "withdrawn", "true", NULL };
	assert_int_equal(change(f, &entity_catalog_control, w, wd, &ve), ERR_OK);
	s = build(f, "iso27001-2022");
	assert_int_equal(s.n, 92);
	assert_null(row_of(&s, "7.4"));
	const char *back[] = { "withdrawn", "false", NULL };
	assert_int_equal(change(f, &entity_catalog_control, w, back, &ve), ERR_OK);
	assert_int_equal(build(f, "iso27001-2022").n, 93);
	audit_holds(f);
}

static void same_text(const char *a, const char *b)
{
	if (!a || !b)
		assert_true(a == b);
	else
		assert_string_equal(a, b);
}

static void test_soa_json_round_trip(void **state)
{
	struct fx *f = *state;
	load(f, "iso27001-2022");
	const char *k[] = { "justification",
			    "Quotes \" and \\ backslash,\nnew line, \xC3\xA9t\xC3\xA9, </script>",
			    "reason_contract", "true", NULL };
	control(f, "5.2", k);
	const char *k2[] = { "applicable",    "false", "status", "not_applicable",
			     "justification", "=1+1",  NULL };
	control(f, "5.3", k2);
	struct soa s = build(f, "iso27001-2022");
	struct buf b;
	buf_init(&b, 1 << 24);
	assert_int_equal(soa_to_json(&s, "2026-01-01", &b), ERR_OK);
	struct soa t;
	const char *as_of = NULL;
	assert_int_equal(soa_from_json(&f->a, b.p, b.len, &t, &as_of), ERR_OK);
	assert_string_equal(as_of, "2026-01-01");
	same_text(t.framework_code, s.framework_code);
	same_text(t.framework_name, s.framework_name);
	assert_int_equal(t.n, s.n);
	for (size_t i = 0; i < s.n; i++) {
		const struct soa_row *x = &s.rows[i], *y = &t.rows[i];
		same_text(x->control_id, y->control_id);
		same_text(x->title, y->title);
		same_text(x->group_id, y->group_id);
		same_text(x->group_title, y->group_title);
		same_text(x->status, y->status);
		same_text(x->justification, y->justification);
		same_text(x->owner, y->owner);
		assert_int_equal(x->control != 0, y->control != 0);
		assert_int_equal(x->applicable, y->applicable);
		assert_int_equal(x->reason_risk, y->reason_risk);
		assert_int_equal(x->reason_legal, y->reason_legal);
		assert_int_equal(x->reason_contract, y->reason_contract);
		assert_int_equal(x->reason_business, y->reason_business);
		assert_int_equal(x->risks, y->risks);
		assert_int_equal(x->evidence, y->evidence);
		assert_int_equal(x->evidence_expired, y->evidence_expired);
	}
	/* written again, the copy is the same bytes: its hash can be checked */
	struct buf b2;
	buf_init(&b2, 1 << 24);
	assert_int_equal(soa_to_json(&t, as_of, &b2), ERR_OK);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.p, b.p, b.len);
	buf_free(&b2);
	buf_free(&b);
	/* what is not such a copy is refused */
	static const char *const bad[] = {
		"", "null", "[]", "{}", "{\"controls\":{}}", "{\"controls\":[", "not json"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(soa_from_json(&f->a, bad[i], strlen(bad[i]), &t, &as_of),
				 ERR_INVALID);
	/* odd members are tolerated as missing, not crashed on */
	const char *odd = "{\"framework\":7,\"controls\":[1,{\"control_id\":5,\"reasons\":"
			  "\"risks\",\"risks\":\"x\"}]}";
	assert_int_equal(soa_from_json(&f->a, odd, strlen(odd), &t, &as_of), ERR_OK);
	assert_int_equal(t.n, 2);
	assert_null(t.framework_code);
	assert_null(t.rows[1].control_id);
	assert_false(t.rows[1].reason_risk);
}

/* The lines of a CSV without quoted line breaks: each record's first field, counted. */
static size_t csv_records(const char *p, size_t n)
{
	size_t lines = 0;
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (p[i] == '\n' && !quoted)
			lines++;
	}
	return lines;
}

static void test_soa_exports(void **state)
{
	struct fx *f = *state;
	load(f, "iso27001-2022");
	const char *k1[] = { "applicable",
			     "false",
			     "status",
			     "not_applicable",
			     "justification",
			     "=HYPERLINK(\"http://x.example\")",
			     NULL };
	control(f, "5.7", k1);
	const char *k2[] = { "justification", "@SUM(A1)", NULL };
	control(f, "5.8", k2);
	const char *k3[] = { "justification", "Line one\nline two, with \"quotes\"", NULL };
	control(f, "5.9", k3);
	struct soa s = build(f, "iso27001-2022");
	struct buf b;
	buf_init(&b, 1 << 24);
	assert_int_equal(soa_export(&f->a, &s, "2026-01-01", EXPORT_CSV, &b), ERR_OK);
	const char *csv = buf_cstr(&b);
	assert_non_null(csv);
	assert_int_equal(csv_records(csv, strlen(csv)), 1 + 93);
	assert_true(strncmp(csv,
			    "Control,Title,Group,Applicable,Reasons,Justification,Implementation,"
			    "Owner,Evidence items,Evidence expired",
			    100) == 0);
	/* the formula guard: a leading = or @ gets a quote in front, inside the CSV quoting */
	assert_non_null(strstr(csv, "'=HYPERLINK(\"\"http://x.example\"\")"));
	assert_null(strstr(csv, ",=HYPERLINK"));
	assert_null(strstr(csv, ",\"=HYPERLINK"));
	assert_non_null(strstr(csv, "'@SUM(A1)"));
	assert_null(strstr(csv, ",@SUM"));
	assert_non_null(strstr(csv, "\"Line one\nline two, with \"\"quotes\"\"\""));
	/* rows in catalogue order; not-assessed ones say so */
	const char *r57 = strstr(csv, "\n5.7,"), *r58 = strstr(csv, "\n5.8,");
	assert_non_null(r57);
	assert_non_null(r58);
	assert_true(r57 < r58);
	assert_non_null(strstr(r57, ",no,"));
	assert_non_null(strstr(csv, "\n5.1,"));
	const char *r51 = strstr(csv, "\n5.1,");
	const char *eol = strchr(r51 + 1, '\n');
	assert_non_null(eol);
	assert_non_null(strstr(arena_strndup(&f->a, r51, (size_t)(eol - r51)), "not assessed"));
	buf_free(&b);
	/* XLSX is a zip; JSON is the frozen copy's format */
	buf_init(&b, 1 << 24);
	assert_int_equal(soa_export(&f->a, &s, "2026-01-01", EXPORT_XLSX, &b), ERR_OK);
	assert_true(b.len > 100);
	assert_memory_equal(b.p, "PK\x03\x04", 4);
	buf_free(&b);
	struct buf j1, j2;
	buf_init(&j1, 1 << 24);
	buf_init(&j2, 1 << 24);
	assert_int_equal(soa_export(&f->a, &s, "2026-01-01", EXPORT_JSON, &j1), ERR_OK);
	assert_int_equal(soa_to_json(&s, "2026-01-01", &j2), ERR_OK);
	assert_int_equal(j1.len, j2.len);
	assert_memory_equal(j1.p, j2.p, j1.len);
	buf_free(&j1);
	buf_free(&j2);
}

/* ---- approved versions ---- */

static void test_soa_versions(void **state)
{
	struct fx *f = *state;
	load(f, "iso27001-2022");
	int64_t fw = scalar(f->db, "SELECT id FROM frameworks WHERE code = $1", "iso27001-2022");
	const char *k[] = { "status", "implemented", "justification", "Before approval", NULL };
	int64_t c = control(f, "5.1", k);
	const char *v[] = { "framework_id", num(f, fw), "notes", "Q1 review", NULL };
	int64_t draft = make(f, &entity_soa_version, v);
	assert_string_equal(field_text(f, &entity_soa_version, draft, "status"), "draft");
	assert_null(field_text(f, &entity_soa_version, draft, "content"));
	/* a draft changes and goes */
	struct verrors ve = { 0 };
	const char *n2[] = { "notes", "Q1 review, second try", NULL };
	assert_int_equal(change(f, &entity_soa_version, draft, n2, &ve), ERR_OK);
	assert_int_equal(repo_delete(&f->c, &entity_soa_version, draft, 0, &ve), ERR_OK);

	int64_t id = make(f, &entity_soa_version, v);
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(approve(f, id, &ve), ERR_OK);
	assert_string_equal(field_text(f, &entity_soa_version, id, "status"), "approved");
	assert_string_equal(field_text(f, &entity_soa_version, id, "as_of"), "2026-01-01");
	assert_string_equal(field_text(f, &entity_soa_version, id, "approved_by"), loader.name);
	assert_non_null(field_text(f, &entity_soa_version, id, "approved_at"));
	const char *content = field_text(f, &entity_soa_version, id, "content");
	const char *hash = field_text(f, &entity_soa_version, id, "content_hash");
	assert_non_null(content);
	assert_non_null(hash);
	char want[CRYPTO_HASH_HEX];
	crypto_hash_hex(content, strlen(content), NULL, 0, want);
	assert_string_equal(hash, want);
	assert_int_equal(strlen(hash), 64);
	/* the copy is today's SoA */
	struct soa s = build(f, "iso27001-2022");
	struct buf b;
	buf_init(&b, 1 << 24);
	assert_int_equal(soa_to_json(&s, "2026-01-01", &b), ERR_OK);
	assert_int_equal(strlen(content), b.len);
	assert_memory_equal(content, b.p, b.len);
	buf_free(&b);

	/* later changes to the controls do not reach the frozen copy */
	const char *later[] = { "justification", "After approval", NULL };
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(change(f, &entity_control, c, later, &ve), ERR_OK);
	time_set_fake(JAN_1_2026 + 40 * DAY);
	assert_string_equal(field_text(f, &entity_soa_version, id, "content"), content);
	assert_string_equal(field_text(f, &entity_soa_version, id, "content_hash"), hash);
	struct soa frozen;
	const char *as_of;
	assert_int_equal(soa_from_json(&f->a, content, strlen(content), &frozen, &as_of), ERR_OK);
	assert_string_equal(row_of(&frozen, "5.1")->justification, "Before approval");
	assert_string_equal(as_of, "2026-01-01");

	/* the approved version refuses changes, a second approval and deletion */
	const char *touch[] = { "notes", "rewritten", NULL };
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(change(f, &entity_soa_version, id, touch, &ve), ERR_INVALID);
	assert_true(names_field(&ve, "status"));
	const char *clear[] = { "notes", "null", NULL };
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(change(f, &entity_soa_version, id, clear, &ve), ERR_INVALID);
	int64_t f13;
	load(f, "iso27001-2013");
	f13 = scalar(f->db, "SELECT id FROM frameworks WHERE code = $1", "iso27001-2013");
	const char *move[] = { "framework_id", num(f, f13), NULL };
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(change(f, &entity_soa_version, id, move, &ve), ERR_INVALID);
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(approve(f, id, &ve), ERR_CONFLICT);
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(repo_delete(&f->c, &entity_soa_version, id, 0, &ve), ERR_CONFLICT);
	assert_true(names_field(&ve, "status"));
	assert_string_equal(field_text(f, &entity_soa_version, id, "content"), content);
	assert_string_equal(field_text(f, &entity_soa_version, id, "notes"), "Q1 review");
	/* its framework cannot be deleted from under it */
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(repo_delete(&f->c, &entity_framework, fw, 0, &ve), ERR_CONFLICT);

	/* a second version approved later holds the new text, with a different hash */
	int64_t id2 = make(f, &entity_soa_version, v);
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(approve(f, id2, &ve), ERR_OK);
	assert_string_equal(field_text(f, &entity_soa_version, id2, "as_of"), "2026-02-10");
	assert_non_null(
		strstr(field_text(f, &entity_soa_version, id2, "content"), "After approval"));
	assert_string_not_equal(field_text(f, &entity_soa_version, id2, "content_hash"), hash);
	audit_holds(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_catalogues_load_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_correspondence_needs_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_name_follows_catalogue_title, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_soa_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soa_json_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soa_exports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soa_versions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
