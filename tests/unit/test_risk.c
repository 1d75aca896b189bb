/* test_risk.c - risk management against a temporary database (SQLite, or PostgreSQL with
 * CUSTOS_TEST_PG): the risk method parsed from its record and every way it can be incoherent,
 * scoring and bands under product and matrix methods, method versions (numbering, drafts,
 * activation superseding the old version, the default method made with the first risk), the
 * scores each risk keeps from the method it was assessed with, and the acceptance workflow
 * with its rules and the daily expiry job, all audited with the chain and records intact. */
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
#include "domain/risk.h"
#include "testdb.h"

#define N(x)	   (sizeof(x) / sizeof((x)[0]))
#define JAN_1_2026 1767225600 /* 2026-01-01T00:00:00Z */
#define DAY	   86400

static const struct actor ism = { 1, "ism@example.org" };

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
	int64_t dept, ann, bob; /* Operations; Ann owns the risks, Bob does not */
};

/* The default method's text, as Custos writes it with the first risk. */
static const char likelihood5[] = "Rare | Less than once in ten years\n"
				  "Unlikely | Once in three to ten years\n"
				  "Possible | Once in one to three years\n"
				  "Likely | Several times a year\n"
				  "Almost certain | Monthly or more often\n";
static const char impact5[] =
	"Negligible | No noticeable effect on customers, finances or compliance\n"
	"Minor | Short disruption or small loss, handled in the normal course of business\n"
	"Moderate | Noticeable disruption, loss or complaint; may need to be reported\n"
	"Major | Serious disruption, large loss, regulatory action or lasting damage to trust\n"
	"Severe | Threatens the organisation's survival or people's safety\n";
static const char bands25[] = "low | 1 | 4 | #2e7d32\n"
			      "medium | 5 | 9 | #f9a825\n"
			      "high | 10 | 16 | #ef6c00\n"
			      "critical | 17 | 25 | #c62828\n";

/* ---- helpers ---- */

static int64_t count_id(struct db *db, const char *sql, int64_t id)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, sql, &st), ERR_OK);
	if (strstr(sql, "$1"))
		db_bind_int(st, 1, id);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static int64_t count(struct db *db, const char *sql)
{
	return count_id(db, sql, 0);
}

static void set(struct fx *f, struct record *r, const char *name, const char *text)
{
	int i = model_field_index(r->e, name);
	if (i < 0)
		fail_msg("%s has no field %s", r->e->name, name);
	if (!text) {
		memset(&r->v[i], 0, sizeof(r->v[i]));
		return;
	}
	if (strcmp(text, "null") == 0) {
		r->v[i] = (struct value){ .set = true, .null = true };
		return;
	}
	const char *why;
	if (!model_parse_text(&f->a, &r->e->fields[i], text, strlen(text), &r->v[i], &why))
		fail_msg("%s='%s': %s", name, text, why);
}

static void apply(struct fx *f, struct record *r, const char *const *kv)
{
	for (size_t i = 0; kv && kv[i]; i += 2)
		set(f, r, kv[i], kv[i + 1]);
}

static const char *num(struct fx *f, int64_t v)
{
	return arena_printf(&f->a, "%lld", (long long)v);
}

/* The default 5 x 5 method's record with kv applied on top. */
static struct record *method_rec(struct fx *f, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, &entity_risk_method);
	assert_non_null(r);
	const char *base[] = { "name",	      "Method",	      "likelihood_scale",
			       likelihood5,   "impact_scale", impact5,
			       "combination", "product",      "bands",
			       bands25,	      "appetite",     "8",
			       NULL };
	apply(f, r, base);
	apply(f, r, kv);
	return r;
}

/* A risk of Ann's in Operations: 4 x 5 before, 2 x 4 after treatment, with kv on top. */
static struct record *risk_rec(struct fx *f, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, &entity_risk);
	assert_non_null(r);
	const char *base[] = { "title",
			       "Ransomware",
			       "owner_id",
			       num(f, f->ann),
			       "department_id",
			       num(f, f->dept),
			       "inherent_likelihood",
			       "4",
			       "inherent_impact",
			       "5",
			       "treatment",
			       "modify",
			       "residual_likelihood",
			       "2",
			       "residual_impact",
			       "4",
			       NULL };
	apply(f, r, base);
	apply(f, r, kv);
	return r;
}

static int64_t create_ok(struct fx *f, struct record *r)
{
	struct verrors ve = { 0 };
	int64_t id = 0;
	enum err e = repo_create(&f->c, r, &ve, &id);
	if (e)
		fail_msg("create %s: %s (%s %s)", r->e->name, err_name(e),
			 ve.n ? ve.items[0].field : "", ve.n ? ve.items[0].message : "");
	assert_true(id > 0);
	return id;
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

/* Whether ve holds an error on field whose message contains part. */
static bool has_error(const struct verrors *ve, const char *field, const char *part)
{
	for (size_t i = 0; i < ve->n; i++)
		if (ve->items[i].field && strcmp(ve->items[i].field, field) == 0 &&
		    (!part || strstr(ve->items[i].message, part)))
			return true;
	return false;
}

static void dump(const struct verrors *ve)
{
	for (size_t i = 0; i < ve->n; i++)
		print_message("  %s: %s\n", ve->items[i].field ? ve->items[i].field : "-",
			      ve->items[i].message);
}

/* Takes a workflow step as the given person (0: none) and account. */
static enum err take(struct fx *f, const struct entity *e, int64_t id, const char *name,
		     int64_t person, const char *email, const char *const *inputs,
		     struct verrors *ve)
{
	const struct step *st = model_step(e, name);
	if (!st)
		fail_msg("%s has no step %s", e->name, name);
	struct record *in = model_record_new(&f->a, e);
	assert_non_null(in);
	apply(f, in, inputs);
	struct actor *who = arena_alloc(&f->a, sizeof(*who));
	assert_non_null(who);
	*who = (struct actor){ person ? 100 + person : 1, email };
	char *today = arena_alloc(&f->a, 11), *now = arena_alloc(&f->a, TIME_ISO_LEN);
	assert_non_null(today);
	assert_non_null(now);
	time_format_date(time_now(), today);
	time_format_iso(time_now(), now);
	struct repo_ctx rc = { .db = f->db, .a = &f->a, .who = who };
	struct step_env env = {
		.db = f->db, .a = &f->a, .who = who, .person_id = person, .today = today, .now = now
	};
	return repo_step(&rc, e, id, st, &env, in, 0, ve);
}

static void take_ok(struct fx *f, const struct entity *e, int64_t id, const char *name,
		    int64_t person, const char *email, const char *const *inputs)
{
	struct verrors ve = { 0 };
	enum err err = take(f, e, id, name, person, email, inputs, &ve);
	if (err) {
		dump(&ve);
		fail_msg("step %s of %s %lld: %s", name, e->name, (long long)id, err_name(err));
	}
}

static enum err patch(struct fx *f, const struct entity *e, int64_t id, const char *const *kv,
		      struct verrors *ve)
{
	struct record *p = model_record_new(&f->a, e);
	assert_non_null(p);
	apply(f, p, kv);
	return repo_update(&f->c, e, id, p, 0, ve);
}

static void patch_ok(struct fx *f, const struct entity *e, int64_t id, const char *const *kv)
{
	struct verrors ve = { 0 };
	enum err err = patch(f, e, id, kv, &ve);
	if (err) {
		dump(&ve);
		fail_msg("update of %s %lld: %s", e->name, (long long)id, err_name(err));
	}
}

static int64_t activate(struct fx *f, const char *const *kv)
{
	int64_t id = create_ok(f, method_rec(f, kv));
	take_ok(f, &entity_risk_method, id, "activate", 0, ism.name, NULL);
	return id;
}

/* The ISM asks Ann to accept her risk, and she does (with inputs, or none). */
static void submit_accept(struct fx *f, int64_t id, const char *const *inputs)
{
	take_ok(f, &entity_risk, id, "submit", 0, ism.name, NULL);
	take_ok(f, &entity_risk, id, "accept", f->ann, "ann@example.org", inputs);
}

/* Ann's risk, submitted and accepted by her. */
static int64_t accepted_risk(struct fx *f, const char *const *kv, const char *until)
{
	int64_t id = create_ok(f, risk_rec(f, kv));
	const char *in[] = { "accepted_until", until, NULL };
	submit_accept(f, id, until ? in : NULL);
	return id;
}

/* The newest audit event of one record. */
struct event {
	char action[24], actor[64];
	json_t *changes;
};

static void last_event(struct fx *f, const char *entity, int64_t id, struct event *ev)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(
		db_prepare(f->db,
			   "SELECT action, actor, changes FROM audit_events WHERE entity = "
			   "$1 AND entity_id = $2 ORDER BY seq DESC LIMIT 1",
			   &st),
		ERR_OK);
	db_bind_str(st, 1, entity);
	db_bind_int(st, 2, id);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	snprintf(ev->action, sizeof(ev->action), "%s", db_col_text(st, 0, NULL));
	snprintf(ev->actor, sizeof(ev->actor), "%s", db_col_text(st, 1, NULL));
	json_error_t jerr;
	ev->changes = json_loads(db_col_text(st, 2, NULL), 0, &jerr);
	db_done(st);
	assert_non_null(ev->changes);
}

/* The hash chain holds and every row equals the replay of its events. */
static void assert_audit_ok(struct fx *f)
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

/* ---- fixture ---- */

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
	time_set_fake(JAN_1_2026);
	struct record *d = model_record_new(&f->a, &entity_department);
	const char *dk[] = { "name", "Operations", "code", "OPS", NULL };
	apply(f, d, dk);
	f->dept = create_ok(f, d);
	struct record *p = model_record_new(&f->a, &entity_person);
	const char *pk[] = { "name",	      "Ann",	       "email", "ann@example.org",
			     "department_id", num(f, f->dept), NULL };
	apply(f, p, pk);
	f->ann = create_ok(f, p);
	p = model_record_new(&f->a, &entity_person);
	const char *bk[] = { "name",	      "Bob",	       "email", "bob@example.org",
			     "department_id", num(f, f->dept), NULL };
	apply(f, p, bk);
	f->bob = create_ok(f, p);
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

/* ---- the method as a record ---- */

static bool parse(struct fx *f, const char *const *kv, struct risk_method *m, struct verrors *ve)
{
	memset(ve, 0, sizeof(*ve));
	return risk_method_parse(&f->a, method_rec(f, kv), m, ve);
}

static void test_parse_default(void **state)
{
	struct fx *f = *state;
	struct risk_method m;
	struct verrors ve;
	assert_true(parse(f, NULL, &m, &ve));
	assert_int_equal(ve.n, 0);
	assert_int_equal(m.nlevels[0], 5);
	assert_int_equal(m.nlevels[1], 5);
	assert_false(m.matrix_lookup);
	assert_int_equal(m.top, 25);
	assert_int_equal(m.appetite, 8);
	assert_string_equal(m.names[0][0], "Rare");
	assert_string_equal(m.descriptions[0][0], "Less than once in ten years");
	assert_string_equal(m.names[0][4], "Almost certain");
	assert_string_equal(m.names[1][4], "Severe");
	assert_string_equal(m.descriptions[1][4], "Threatens the organisation's survival or "
						  "people's safety");
	assert_int_equal(m.nbands, 4);
	static const char *const lv[] = { "low", "medium", "high", "critical" };
	static const int lo[] = { 1, 5, 10, 17 }, hi[] = { 4, 9, 16, 25 };
	for (int i = 0; i < 4; i++) {
		assert_string_equal(m.bands[i].level, lv[i]);
		assert_int_equal(m.bands[i].lo, lo[i]);
		assert_int_equal(m.bands[i].hi, hi[i]);
	}
	assert_string_equal(m.bands[3].colour, "#c62828");
	assert_string_equal(risk_level_label("critical"), "Critical");
	assert_string_equal(risk_level_label("odd"), "odd");
}

/* Spellings a person may type that still make a coherent method. */
static void test_parse_variants(void **state)
{
	struct fx *f = *state;
	struct risk_method m;
	struct verrors ve;
	/* CRLF line ends, blank lines, padding, names without descriptions, upper-case colour */
	const char *crlf[] = { "likelihood_scale",
			       "  Low  \r\n\r\n High | often \r\n",
			       "impact_scale",
			       "Small|\nBig | hurts\n\n",
			       "bands",
			       "low|1|2|#ABCDEF\r\n\r\nhigh | 3 | 4 | #00ff00\r\n",
			       "appetite",
			       "4",
			       NULL };
	assert_true(parse(f, crlf, &m, &ve));
	assert_int_equal(m.nlevels[0], 2);
	assert_string_equal(m.names[0][0], "Low");
	assert_string_equal(m.descriptions[0][0], "");
	assert_string_equal(m.names[0][1], "High");
	assert_string_equal(m.descriptions[0][1], "often");
	assert_string_equal(m.descriptions[1][1], "hurts");
	assert_int_equal(m.top, 4);
	assert_int_equal(m.appetite, 4); /* the appetite may be the top score itself */
	assert_string_equal(m.bands[0].colour, "#ABCDEF");
	/* ten levels is the most; the last band may reach past the top score */
	const char *ten[] = { "likelihood_scale",
			      "1\n2\n3\n4\n5\n6\n7\n8\n9\n10",
			      "impact_scale",
			      "1\n2\n3\n4\n5\n6\n7\n8\n9\n10",
			      "bands",
			      "low | 1 | 50 | #000000\nhigh | 51 | 999 | #ffffff",
			      "appetite",
			      "100",
			      NULL };
	assert_true(parse(f, ten, &m, &ve));
	assert_int_equal(m.top, 100);
	assert_int_equal(risk_score(&m, 10, 10), 100);
	/* two bands and a matrix are enough */
	const char *mx[] = { "likelihood_scale",
			     "A\nB",
			     "impact_scale",
			     "x\ny\nz",
			     "combination",
			     "matrix",
			     "matrix",
			     " 1  2\t3 \n\n4 5 6\n",
			     "bands",
			     "low | 1 | 3 | #000000\ncritical | 4 | 6 | #ffffff",
			     "appetite",
			     "6",
			     NULL };
	assert_true(parse(f, mx, &m, &ve));
	assert_true(m.matrix_lookup);
	assert_int_equal(m.top, 6);
}

/* One incoherent method per row: the field it changes and the error it must give. */
static const struct bad_method {
	const char *field, *value; /* a second pair may follow */
	const char *field2, *value2;
	const char *err_field, *part;
} bad_methods[] = {
	{ "likelihood_scale", "Only one", NULL, NULL, "likelihood_scale", "at least 2 levels" },
	{ "likelihood_scale", " \n\t\n ", NULL, NULL, "likelihood_scale", "at least 2 levels" },
	{ "impact_scale", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11", NULL, NULL, "impact_scale",
	  "more than 10 levels" },
	{ "impact_scale", "Low | fine\n | no name\nHigh", NULL, NULL, "impact_scale",
	  "level 2 has no name" },
	{ "likelihood_scale", "|\nB", NULL, NULL, "likelihood_scale", "level 1 has no name" },
	{ "bands", "low | 1 | 9 | #2e7d32", NULL, NULL, "bands", "at least 2 bands" },
	{ "bands",
	  "low | 1 | 4 | #2e7d32\nmedium | 5 | 9 | #f9a825\nhigh | 10 | 16 | #ef6c00\n"
	  "critical | 17 | 20 | #c62828\ncritical | 21 | 25 | #c62828",
	  NULL, NULL, "bands", "more than 4 bands" },
	{ "bands", "low | 2 | 4 | #2e7d32\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 1: must start where the band before ended (the first at 1)" },
	{ "bands", "low | 0 | 4 | #2e7d32\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 1: must start" },
	{ "bands", "low | 1 | 4 | #2e7d32\nhigh | 6 | 25 | #c62828", NULL, NULL, "bands",
	  "line 2: must start where the band before ended" },
	{ "bands", "low | 1 | 5 | #2e7d32\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 2: must start where the band before ended" },
	{ "bands", "low | 1 | 4 | #2e7d32\nhigh | 9 | 5 | #c62828", NULL, NULL, "bands",
	  "line 2: needs a lowest and a highest score" },
	{ "bands", "low | 1 | four | #2e7d32\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 1: needs a lowest and a highest score" },
	{ "bands", "low | 1 | 4\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 1: must read: level | lowest | highest | #rrggbb" },
	{ "bands", "low | 1 | 4 | #2e7d3\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 1: colour must be #rrggbb" },
	{ "bands", "low | 1 | 4 | #2e7d32\nhigh | 5 | 25 | red", NULL, NULL, "bands",
	  "line 2: colour must be #rrggbb" },
	{ "bands", "low | 1 | 4 | #2e7g32\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 1: colour must be #rrggbb" },
	{ "bands", "low | 1 | 4 | 2e7d32f\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 1: colour must be #rrggbb" },
	{ "bands", "low | 1 | 4 | #2e7d32\nextreme | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 2: level must be low, medium, high or critical" },
	{ "bands", "Low | 1 | 4 | #2e7d32\nhigh | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 1: level must be" },
	{ "bands", "low | 1 | 4 | #2e7d32\nlow | 5 | 25 | #c62828", NULL, NULL, "bands",
	  "line 2: names a level twice" },
	{ "bands", "low | 1 | 4 | #2e7d32\nhigh | 5 | 24 | #c62828", NULL, NULL, "bands",
	  "must cover every score up to 25" },
	{ "appetite", "26", NULL, NULL, "appetite", "must not exceed the highest score, 25" },
	{ "combination", "matrix", NULL, NULL, "matrix", "one line per likelihood level (5)" },
	{ "combination", "matrix", "matrix", "1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5", "matrix",
	  "one line per likelihood level (5)" },
	{ "combination", "matrix", "matrix",
	  "1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5", "matrix",
	  "one line per likelihood level (5)" },
	{ "combination", "matrix", "matrix", "1 2 3 4 5\n1 2 3 4\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 25",
	  "matrix", "line 2 must hold 5 scores" },
	{ "combination", "matrix", "matrix",
	  "1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5 6\n1 2 3 4 5\n1 2 3 4 25", "matrix",
	  "line 3 must hold 5 scores from 1 to 1000" },
	{ "combination", "matrix", "matrix",
	  "0 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 25", "matrix",
	  "line 1 must hold 5 scores from 1 to 1000" },
	{ "combination", "matrix", "matrix",
	  "1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 1001", "matrix",
	  "line 5 must hold 5 scores from 1 to 1000" },
	{ "combination", "matrix", "matrix",
	  "1 2 3 4 5\n1 2 -3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 25", "matrix", "line 2" },
	{ "combination", "matrix", "matrix",
	  "1 2 3 4 5\n1 2 3 4 5\n1 2 3 x 5\n1 2 3 4 5\n1 2 3 4 25", "matrix", "line 3" },
	{ "combination", "matrix", "matrix",
	  "1 2 3 4 5\n1 2 3 4 5\n1 2 3 4.5 5\n1 2 3 4 5\n1 2 3 4 25", "matrix", "line 3" },
	/* a matrix whose top is 30 needs bands to 30, and its appetite may not pass 30 */
	{ "combination", "matrix", "matrix",
	  "1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 30", "bands",
	  "must cover every score up to 30" },
};

static void test_parse_refused(void **state)
{
	struct fx *f = *state;
	for (size_t i = 0; i < N(bad_methods); i++) {
		const struct bad_method *b = &bad_methods[i];
		const char *kv[] = { b->field, b->value, b->field2, b->value2, NULL };
		struct risk_method m;
		struct verrors ve;
		bool ok = parse(f, kv, &m, &ve);
		if (ok || !has_error(&ve, b->err_field, b->part)) {
			dump(&ve);
			fail_msg("case %zu (%s = '%s'): wanted an error on %s saying '%s'", i,
				 b->field, b->value, b->err_field, b->part);
		}
	}
	/* the same rules guard the register: nothing is written */
	int64_t before = count(f->db, "SELECT count(*) FROM audit_events");
	const char *kv[] = { "bands", "low | 1 | 4 | #2e7d32\nhigh | 5 | 24 | #c62828", NULL };
	struct verrors ve = { 0 };
	int64_t id = 0;
	assert_int_equal(repo_create(&f->c, method_rec(f, kv), &ve, &id), ERR_INVALID);
	assert_true(has_error(&ve, "bands", "must cover every score up to 25"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM risk_methods"), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), before);
}

/* A band bound past what an int holds is either refused or still gives its level. */
static void test_parse_huge_band_bound(void **state)
{
	/* Was a bug (fixed in 0e44905): "high | 5 | 4294967300 | ..." was accepted and cast to
	 * int (hi 4), so scores 5..25 had no band; 9223372036854775807 overflowed "hi + 1". */
	struct fx *f = *state;
	struct risk_method m;
	struct verrors ve;
	const char *kv[] = { "bands", "low | 1 | 4 | #2e7d32\nhigh | 5 | 4294967300 | #c62828",
			     NULL };
	if (parse(f, kv, &m, &ve)) {
		const struct risk_band *b = risk_band(&m, 10);
		assert_non_null(b);
		assert_string_equal(b->level, "high");
	} else {
		assert_true(has_error(&ve, "bands", NULL));
	}
	const char *kv2[] = { "bands",
			      "low | 1 | 4 | #2e7d32\nhigh | 5 | 9223372036854775807 | #c62828",
			      NULL };
	if (parse(f, kv2, &m, &ve))
		assert_non_null(risk_band(&m, 10));
}

/* ---- scoring ---- */

static void test_score_product(void **state)
{
	struct fx *f = *state;
	struct risk_method m;
	struct verrors ve;
	assert_true(parse(f, NULL, &m, &ve));
	assert_int_equal(risk_score(&m, 1, 1), 1);
	assert_int_equal(risk_score(&m, 4, 5), 20);
	assert_int_equal(risk_score(&m, 5, 4), 20);
	assert_int_equal(risk_score(&m, 5, 5), 25);
	/* outside the scales: 0 */
	assert_int_equal(risk_score(&m, 0, 3), 0);
	assert_int_equal(risk_score(&m, 3, 0), 0);
	assert_int_equal(risk_score(&m, 6, 1), 0);
	assert_int_equal(risk_score(&m, 1, 6), 0);
	assert_int_equal(risk_score(&m, -1, -1), 0);
	assert_int_equal(risk_score(&m, 11, 11), 0);
	/* scales of different lengths: 3 likelihood levels by 4 impact levels */
	const char *kv[] = { "likelihood_scale",
			     "L1\nL2\nL3",
			     "impact_scale",
			     "I1\nI2\nI3\nI4",
			     "bands",
			     "low | 1 | 3 | #000000\nmedium | 4 | 6 | #111111\n"
			     "high | 7 | 12 | #222222",
			     "appetite",
			     "12",
			     NULL };
	assert_true(parse(f, kv, &m, &ve));
	assert_int_equal(m.top, 12);
	assert_int_equal(risk_score(&m, 3, 4), 12);
	assert_int_equal(risk_score(&m, 4, 3), 0);
	assert_int_equal(risk_score(&m, 2, 3), 6);
}

static const char *const matrix_method[] = { "likelihood_scale",
					     "Rare\nPossible\nLikely",
					     "impact_scale",
					     "Minor\nMajor\nSevere",
					     "combination",
					     "matrix",
					     "matrix",
					     "1 2 4\n2 4 8\n3 6 9",
					     "bands",
					     "low | 1 | 2 | #2e7d32\nmedium | 3 | 4 | #f9a825\n"
					     "high | 5 | 8 | #ef6c00\ncritical | 9 | 9 | #c62828",
					     "appetite",
					     "4",
					     NULL };

static void test_score_matrix(void **state)
{
	struct fx *f = *state;
	struct risk_method m;
	struct verrors ve;
	assert_true(parse(f, matrix_method, &m, &ve));
	assert_true(m.matrix_lookup);
	assert_int_equal(m.top, 9);
	/* one line per likelihood level, one score per impact level */
	assert_int_equal(risk_score(&m, 1, 1), 1);
	assert_int_equal(risk_score(&m, 1, 3), 4);
	assert_int_equal(risk_score(&m, 3, 1), 3);
	assert_int_equal(risk_score(&m, 2, 3), 8);
	assert_int_equal(risk_score(&m, 3, 2), 6);
	assert_int_equal(risk_score(&m, 3, 3), 9);
	assert_int_equal(risk_score(&m, 0, 1), 0);
	assert_int_equal(risk_score(&m, 4, 1), 0);
	assert_int_equal(risk_score(&m, 1, 4), 0);
	assert_string_equal(risk_band(&m, risk_score(&m, 2, 3))->level, "high");
	assert_string_equal(risk_band(&m, risk_score(&m, 3, 3))->level, "critical");
	/* "matrix" text is ignored by a product method */
	const char *kv[] = { "combination", "product", "matrix", "rubbish", NULL };
	assert_true(parse(f, kv, &m, &ve));
	assert_int_equal(risk_score(&m, 3, 3), 9);
}

static void test_band(void **state)
{
	struct fx *f = *state;
	struct risk_method m;
	struct verrors ve;
	assert_true(parse(f, NULL, &m, &ve));
	static const struct {
		int score;
		const char *level;
	} cases[] = { { 1, "low" },   { 4, "low" },   { 5, "medium" },	  { 9, "medium" },
		      { 10, "high" }, { 16, "high" }, { 17, "critical" }, { 25, "critical" },
		      { 0, NULL },    { -3, NULL },   { 26, NULL } };
	for (size_t i = 0; i < N(cases); i++) {
		const struct risk_band *b = risk_band(&m, cases[i].score);
		if (!cases[i].level) {
			assert_null(b);
			continue;
		}
		assert_non_null(b);
		assert_string_equal(b->level, cases[i].level);
	}
}

/* ---- method versions ---- */

static void test_method_versions(void **state)
{
	struct fx *f = *state;
	int64_t v1 = create_ok(f, method_rec(f, NULL));
	int64_t v2 = create_ok(f, method_rec(f, NULL));
	struct record *r = load(f, &entity_risk_method, v1);
	assert_int_equal(integer(r, "number"), 1);
	assert_string_equal(text(r, "status"), "draft");
	assert_null(text(r, "activated_at"));
	assert_int_equal(integer(load(f, &entity_risk_method, v2), "number"), 2);
	/* a draft can change */
	const char *app[] = { "appetite", "10", "name", "Second try", NULL };
	patch_ok(f, &entity_risk_method, v2, app);
	assert_int_equal(integer(load(f, &entity_risk_method, v2), "appetite"), 10);
	/* an active one cannot, in any field a person writes */
	time_set_fake(JAN_1_2026 + 3600);
	take_ok(f, &entity_risk_method, v1, "activate", 0, ism.name, NULL);
	r = load(f, &entity_risk_method, v1);
	assert_string_equal(text(r, "status"), "active");
	assert_string_equal(text(r, "activated_at"), "2026-01-01T01:00:00Z");
	assert_string_equal(text(r, "activated_by"), ism.name);
	static const char *const changes[][2] = {
		{ "appetite", "9" },
		{ "name", "Renamed" },
		{ "bands", "low | 1 | 12 | #000000\nhigh | 13 | 25 | #ffffff" },
		{ "likelihood_scale", "A\nB\nC\nD\nE" },
		{ "notes", "a note" },
		{ "combination", "matrix" },
	};
	int64_t events = count(f->db, "SELECT count(*) FROM audit_events");
	for (size_t i = 0; i < N(changes); i++) {
		const char *kv[] = { changes[i][0], changes[i][1], NULL };
		struct verrors ve = { 0 };
		assert_int_equal(patch(f, &entity_risk_method, v1, kv, &ve), ERR_INVALID);
		if (!has_error(&ve, "status", "is not draft")) {
			dump(&ve);
			fail_msg("changing %s of the active method", changes[i][0]);
		}
	}
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events);
	assert_int_equal(integer(load(f, &entity_risk_method, v1), "appetite"), 8);
	/* the same values again are no change, so allowed (and not audited) */
	const char *same[] = { "appetite", "8", NULL };
	patch_ok(f, &entity_risk_method, v1, same);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events);
	/* activating only starts from a draft */
	struct verrors ve = { 0 };
	assert_int_equal(take(f, &entity_risk_method, v1, "activate", 0, ism.name, NULL, &ve),
			 ERR_CONFLICT);
	assert_true(has_error(&ve, "status", "'activate' cannot start from there"));
	/* numbering goes on past the highest number, whatever the states */
	int64_t v3 = create_ok(f, method_rec(f, NULL));
	assert_int_equal(integer(load(f, &entity_risk_method, v3), "number"), 3);
	assert_audit_ok(f);
}

static void test_activation_supersedes(void **state)
{
	struct fx *f = *state;
	int64_t v1 = activate(f, NULL);
	const char *kv[] = { "appetite", "12", NULL };
	int64_t v2 = create_ok(f, method_rec(f, kv));
	int64_t before = count(f->db, "SELECT count(*) FROM audit_events");
	take_ok(f, &entity_risk_method, v2, "activate", 0, ism.name, NULL);
	assert_string_equal(text(load(f, &entity_risk_method, v1), "status"), "superseded");
	assert_string_equal(text(load(f, &entity_risk_method, v2), "status"), "active");
	assert_int_equal(count(f->db, "SELECT count(*) FROM risk_methods WHERE status = 'active'"),
			 1);
	/* two audited changes: the old version superseded, the new one activated */
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), before + 2);
	struct event ev;
	last_event(f, "risk_method", v1, &ev);
	assert_string_equal(ev.actor, ism.name);
	json_t *st = json_object_get(ev.changes, "status");
	assert_string_equal(json_string_value(json_array_get(st, 0)), "active");
	assert_string_equal(json_string_value(json_array_get(st, 1)), "superseded");
	json_decref(ev.changes);
	last_event(f, "risk_method", v2, &ev);
	assert_string_equal(ev.action, "activate");
	st = json_object_get(ev.changes, "status");
	assert_string_equal(json_string_value(json_array_get(st, 0)), "draft");
	assert_string_equal(json_string_value(json_array_get(st, 1)), "active");
	assert_non_null(json_object_get(ev.changes, "activated_by"));
	json_decref(ev.changes);
	/* the superseded version is kept and refuses changes too */
	const char *ch[] = { "appetite", "5", NULL };
	struct verrors ve = { 0 };
	assert_int_equal(patch(f, &entity_risk_method, v1, ch, &ve), ERR_INVALID);
	assert_true(has_error(&ve, "status", "is not draft"));
	/* a third version: only the active one is superseded, the older stays as it was */
	int64_t v3 = activate(f, NULL);
	assert_string_equal(text(load(f, &entity_risk_method, v1), "status"), "superseded");
	assert_string_equal(text(load(f, &entity_risk_method, v2), "status"), "superseded");
	assert_string_equal(text(load(f, &entity_risk_method, v3), "status"), "active");
	assert_int_equal(count(f->db, "SELECT count(*) FROM risk_methods WHERE status = 'active'"),
			 1);
	assert_audit_ok(f);
}

/* ---- the register ---- */

static void test_first_risk_makes_default_method(void **state)
{
	struct fx *f = *state;
	/* a risk that is not valid makes no method either */
	const char *bad[] = { "title", "null", NULL };
	struct verrors ve = { 0 };
	int64_t id = 0;
	assert_int_equal(repo_create(&f->c, risk_rec(f, bad), &ve, &id), ERR_INVALID);
	assert_true(has_error(&ve, "title", NULL));
	assert_int_equal(count(f->db, "SELECT count(*) FROM risk_methods"), 0);

	int64_t before = count(f->db, "SELECT count(*) FROM audit_events");
	id = create_ok(f, risk_rec(f, NULL));
	assert_int_equal(count(f->db, "SELECT count(*) FROM risk_methods"), 1);
	int64_t mid = count(f->db, "SELECT id FROM risk_methods");
	struct record *m = load(f, &entity_risk_method, mid);
	assert_string_equal(text(m, "status"), "active");
	assert_int_equal(integer(m, "number"), 1);
	assert_int_equal(integer(m, "appetite"), 8);
	assert_string_equal(text(m, "activated_by"), "custos");
	assert_string_equal(text(m, "likelihood_scale"), likelihood5);
	assert_string_equal(text(m, "bands"), bands25);
	/* the method's creation and activation and the risk, in one transaction, all audited */
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), before + 3);
	assert_int_equal(count_id(f->db,
				  "SELECT count(*) FROM audit_events WHERE entity = 'risk_method'"
				  " AND entity_id = $1 AND action IN ('create', 'activate')",
				  mid),
			 2);
	struct record *r = load(f, &entity_risk, id);
	assert_int_equal(integer(r, "method_id"), mid);
	assert_string_equal(text(r, "status"), "open");
	assert_int_equal(integer(r, "inherent_score"), 20);
	assert_string_equal(text(r, "inherent_level"), "critical");
	assert_int_equal(integer(r, "residual_score"), 8);
	assert_string_equal(text(r, "residual_level"), "medium");
	/* the second risk uses it; no second default method */
	create_ok(f, risk_rec(f, NULL));
	assert_int_equal(count(f->db, "SELECT count(*) FROM risk_methods"), 1);
	assert_audit_ok(f);
}

static void test_no_active_method(void **state)
{
	struct fx *f = *state;
	/* a draft exists but nothing is active: no default is made behind the ISM's back */
	int64_t draft = create_ok(f, method_rec(f, NULL));
	struct verrors ve = { 0 };
	int64_t id = 0;
	assert_int_equal(repo_create(&f->c, risk_rec(f, NULL), &ve, &id), ERR_INVALID);
	assert_true(has_error(&ve, "method_id", "no active risk method"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM risks"), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM risk_methods"), 1);
	take_ok(f, &entity_risk_method, draft, "activate", 0, ism.name, NULL);
	id = create_ok(f, risk_rec(f, NULL));
	assert_int_equal(integer(load(f, &entity_risk, id), "method_id"), draft);
}

static void test_scores_and_levels(void **state)
{
	struct fx *f = *state;
	int64_t mid = activate(f, matrix_method);
	const char *kv[] = { "inherent_likelihood",
			     "2",
			     "inherent_impact",
			     "3",
			     "residual_likelihood",
			     "1",
			     "residual_impact",
			     "2",
			     NULL };
	int64_t id = create_ok(f, risk_rec(f, kv));
	struct record *r = load(f, &entity_risk, id);
	assert_int_equal(integer(r, "method_id"), mid);
	assert_int_equal(integer(r, "inherent_score"), 8);
	assert_string_equal(text(r, "inherent_level"), "high");
	assert_int_equal(integer(r, "residual_score"), 2);
	assert_string_equal(text(r, "residual_level"), "low");
	/* no residual rating: no residual score or level */
	const char *none[] = { "residual_likelihood", NULL, "residual_impact", NULL, NULL };
	struct record *nr = risk_rec(f, kv);
	apply(f, nr, none);
	int64_t id2 = create_ok(f, nr);
	r = load(f, &entity_risk, id2);
	assert_int_equal(integer(r, "residual_score"), -1);
	assert_null(text(r, "residual_level"));
	assert_int_equal(integer(r, "inherent_score"), 8);
	/* ratings beyond the active method's scales, or half a residual rating */
	static const char *const bad[][5] = {
		{ "inherent_likelihood", "4", "inherent_likelihood",
		  "must be 1 to 3 on risk "
		  "method version 1" },
		{ "inherent_impact", "5", "inherent_impact", "must be 1 to 3" },
		{ "residual_likelihood", "4", "residual_likelihood", "must be 1 to 3" },
		{ "residual_impact", "null", "residual_impact", "needed with the other" },
		{ "inherent_likelihood", "0", "inherent_likelihood", NULL },
		{ "inherent_impact", "11", "inherent_impact", NULL },
	};
	for (size_t i = 0; i < N(bad); i++) {
		const char *k[] = { bad[i][0], bad[i][1], NULL };
		struct verrors ve = { 0 };
		int64_t x = 0;
		struct record *br = risk_rec(f, kv);
		apply(f, br, k);
		assert_int_equal(repo_create(&f->c, br, &ve, &x), ERR_INVALID);
		if (!has_error(&ve, bad[i][2], bad[i][3])) {
			dump(&ve);
			fail_msg("create with %s=%s", bad[i][0], bad[i][1]);
		}
		/* and the same as a change of the stored risk */
		memset(&ve, 0, sizeof(ve));
		assert_int_equal(patch(f, &entity_risk, id, k, &ve), ERR_INVALID);
		if (!has_error(&ve, bad[i][2], bad[i][3])) {
			dump(&ve);
			fail_msg("update with %s=%s", bad[i][0], bad[i][1]);
		}
	}
	/* a patch changing the rating recomputes both; an unrelated one keeps them */
	const char *up[] = { "inherent_likelihood", "3", "inherent_impact", "3", NULL };
	patch_ok(f, &entity_risk, id, up);
	r = load(f, &entity_risk, id);
	assert_int_equal(integer(r, "inherent_score"), 9);
	assert_string_equal(text(r, "inherent_level"), "critical");
	assert_int_equal(integer(r, "residual_score"), 2);
	assert_audit_ok(f);
}

/* A new method version applies to a risk from its next assessment on. */
static void test_old_risk_keeps_method(void **state)
{
	struct fx *f = *state;
	int64_t v1 = activate(f, NULL);
	static const char *const reassess[][2] = {
		{ "inherent_likelihood", "2" }, { "inherent_impact", "3" },
		{ "treatment", "share" },	{ "residual_likelihood", "1" },
		{ "residual_impact", "1" },
	};
	int64_t ids[N(reassess)], other;
	const char *kv[] = { "inherent_likelihood",
			     "3",
			     "inherent_impact",
			     "2",
			     "residual_likelihood",
			     "2",
			     "residual_impact",
			     "2",
			     NULL };
	for (size_t i = 0; i < N(reassess); i++)
		ids[i] = create_ok(f, risk_rec(f, kv));
	other = create_ok(f, risk_rec(f, kv));
	/* version 2: the matrix method (3 x 3) */
	int64_t v2 = activate(f, matrix_method);
	for (size_t i = 0; i < N(reassess); i++) {
		/* an edit that is no assessment keeps version 1 and its scores */
		const char *t[] = { "title", "Renamed", "review_on", "2026-06-30", NULL };
		patch_ok(f, &entity_risk, ids[i], t);
		struct record *r = load(f, &entity_risk, ids[i]);
		assert_int_equal(integer(r, "method_id"), v1);
		assert_int_equal(integer(r, "inherent_score"), 6);
		assert_string_equal(text(r, "inherent_level"), "medium");
		/* a reassessment moves to version 2 and recomputes everything with it */
		const char *k[] = { reassess[i][0], reassess[i][1], NULL };
		patch_ok(f, &entity_risk, ids[i], k);
		r = load(f, &entity_risk, ids[i]);
		if (integer(r, "method_id") != v2)
			fail_msg("changing %s kept method %lld", reassess[i][0],
				 (long long)integer(r, "method_id"));
		int64_t l = integer(r, "inherent_likelihood"), im = integer(r, "inherent_impact");
		static const int mx[3][3] = { { 1, 2, 4 }, { 2, 4, 8 }, { 3, 6, 9 } };
		assert_int_equal(integer(r, "inherent_score"), mx[l - 1][im - 1]);
		int64_t rl = integer(r, "residual_likelihood"), ri = integer(r, "residual_impact");
		assert_int_equal(integer(r, "residual_score"), mx[rl - 1][ri - 1]);
		struct risk_method m;
		struct verrors ve;
		assert_true(parse(f, matrix_method, &m, &ve));
		assert_string_equal(text(r, "residual_level"),
				    risk_band(&m, (int)mx[rl - 1][ri - 1])->level);
	}
	/* a risk whose ratings do not fit the new scales can keep them until reassessed, and
	 * then must be rated on them */
	const char *big[] = { "inherent_likelihood", "1", NULL };
	patch_ok(f, &entity_risk, other, big); /* 1 x 2: fits */
	assert_int_equal(integer(load(f, &entity_risk, other), "method_id"), v2);
	int64_t v3 = activate(f, NULL); /* back to 5 x 5 */
	const char *five[] = { "inherent_likelihood", "5", "inherent_impact", "5", NULL };
	patch_ok(f, &entity_risk, other, five);
	int64_t v4 = activate(f, matrix_method);
	const char *tr[] = { "treatment", "avoid", NULL };
	struct verrors ve = { 0 };
	assert_int_equal(patch(f, &entity_risk, other, tr, &ve), ERR_INVALID);
	assert_true(has_error(&ve, "inherent_likelihood", "must be 1 to 3 on risk method version"));
	assert_true(has_error(&ve, "inherent_impact", "must be 1 to 3"));
	struct record *r = load(f, &entity_risk, other);
	assert_int_equal(integer(r, "method_id"), v3);
	assert_int_equal(integer(r, "inherent_score"), 25);
	(void)v4;
	assert_audit_ok(f);
}

static void test_reassessing_accepted_reopens(void **state)
{
	struct fx *f = *state;
	int64_t id = accepted_risk(f, NULL, NULL);
	struct record *r = load(f, &entity_risk, id);
	assert_string_equal(text(r, "status"), "accepted");
	assert_non_null(text(r, "accepted_by"));
	/* an edit that is no assessment keeps the acceptance */
	const char *t[] = { "title", "Ransomware (servers)", "description", "more", NULL };
	patch_ok(f, &entity_risk, id, t);
	assert_string_equal(text(load(f, &entity_risk, id), "status"), "accepted");
	/* a new assessment: back to open, the acceptance cleared (history keeps it) */
	const char *kv[] = { "residual_impact", "3", NULL };
	patch_ok(f, &entity_risk, id, kv);
	r = load(f, &entity_risk, id);
	assert_string_equal(text(r, "status"), "open");
	static const char *const cleared[] = { "accepted_by",	    "accepted_at",
					       "board_accepted_by", "board_accepted_at",
					       "accepted_until",    "accepted_state" };
	for (size_t i = 0; i < N(cleared); i++)
		if (text(r, cleared[i]))
			fail_msg("%s kept '%s'", cleared[i], text(r, cleared[i]));
	struct event ev;
	last_event(f, "risk", id, &ev);
	assert_string_equal(ev.action, "update");
	json_t *st = json_object_get(ev.changes, "status");
	assert_string_equal(json_string_value(json_array_get(st, 0)), "accepted");
	assert_string_equal(json_string_value(json_array_get(st, 1)), "open");
	assert_non_null(json_object_get(ev.changes, "accepted_state"));
	json_decref(ev.changes);
	/* the same from the Board's and the owner's queue */
	const char *hi[] = { "residual_likelihood", "3", "residual_impact", "4", NULL };
	int64_t b = create_ok(f, risk_rec(f, hi));
	submit_accept(f, b, NULL);
	assert_string_equal(text(load(f, &entity_risk, b), "status"), "awaiting_board");
	const char *tr[] = { "treatment", "share", NULL };
	patch_ok(f, &entity_risk, b, tr);
	r = load(f, &entity_risk, b);
	assert_string_equal(text(r, "status"), "open");
	assert_null(text(r, "accepted_by"));
	int64_t o = create_ok(f, risk_rec(f, NULL));
	take_ok(f, &entity_risk, o, "submit", 0, ism.name, NULL);
	const char *il[] = { "inherent_likelihood", "5", NULL };
	patch_ok(f, &entity_risk, o, il);
	assert_string_equal(text(load(f, &entity_risk, o), "status"), "open");
	/* a risk under review stays under review when reassessed */
	int64_t rv = accepted_risk(f, NULL, NULL);
	take_ok(f, &entity_risk, rv, "review", 0, ism.name, NULL);
	patch_ok(f, &entity_risk, rv, kv);
	assert_string_equal(text(load(f, &entity_risk, rv), "status"), "review");
	assert_audit_ok(f);
}

/* ---- acceptance ---- */

static void test_accept(void **state)
{
	struct fx *f = *state;
	int64_t mid = activate(f, NULL);
	int64_t id = create_ok(f, risk_rec(f, NULL));
	struct verrors ve = { 0 };
	/* only from awaiting_owner */
	assert_int_equal(take(f, &entity_risk, id, "accept", f->ann, "ann@example.org", NULL, &ve),
			 ERR_CONFLICT);
	assert_true(has_error(&ve, "status", "is 'open'"));
	take_ok(f, &entity_risk, id, "submit", 0, ism.name, NULL);
	assert_string_equal(text(load(f, &entity_risk, id), "status"), "awaiting_owner");
	/* by the owner only: not Bob, not someone without a person record */
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(take(f, &entity_risk, id, "accept", f->bob, "bob@example.org", NULL, &ve),
			 ERR_FORBIDDEN);
	assert_true(has_error(&ve, "owner_id", "only the risk's owner"));
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(take(f, &entity_risk, id, "accept", 0, ism.name, NULL, &ve),
			 ERR_FORBIDDEN);
	assert_true(has_error(&ve, "owner_id", NULL));
	assert_string_equal(text(load(f, &entity_risk, id), "status"), "awaiting_owner");
	/* an acceptance date must lie ahead */
	static const char *const past[] = { "2026-01-01", "2025-12-31" };
	for (size_t i = 0; i < N(past); i++) {
		const char *in[] = { "accepted_until", past[i], NULL };
		memset(&ve, 0, sizeof(ve));
		assert_int_equal(
			take(f, &entity_risk, id, "accept", f->ann, "ann@example.org", in, &ve),
			ERR_INVALID);
		assert_true(has_error(&ve, "accepted_until", "must be in the future"));
	}
	/* at the appetite (8): the owner's acceptance is enough; one year by default */
	time_set_fake(JAN_1_2026 + 10 * 3600);
	const char *note[] = { "acceptance_note", "Fine for a year", NULL };
	take_ok(f, &entity_risk, id, "accept", f->ann, "ann@example.org", note);
	struct record *r = load(f, &entity_risk, id);
	assert_string_equal(text(r, "status"), "accepted");
	assert_string_equal(text(r, "accepted_by"), "ann@example.org");
	assert_string_equal(text(r, "accepted_at"), "2026-01-01T10:00:00Z");
	assert_string_equal(text(r, "accepted_until"), "2027-01-01");
	assert_string_equal(text(r, "acceptance_note"), "Fine for a year");
	assert_null(text(r, "board_accepted_by"));
	const char *want = arena_printf(&f->a,
					"Inherent 4 x 5 = 20 (Critical); residual 2 x 4 = 8 "
					"(Medium); treatment: modify; risk method #%lld",
					(long long)mid);
	assert_string_equal(text(r, "accepted_state"), want);
	struct event ev;
	last_event(f, "risk", id, &ev);
	assert_string_equal(ev.action, "accept");
	assert_string_equal(ev.actor, "ann@example.org");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(ev.changes, "accepted_state"), 1)),
		want);
	json_decref(ev.changes);

	/* above the appetite (3 x 3 = 9): the Board must accept too */
	const char *hi[] = { "residual_likelihood", "3", "residual_impact", "3", NULL };
	int64_t b = create_ok(f, risk_rec(f, hi));
	take_ok(f, &entity_risk, b, "submit", 0, ism.name, NULL);
	const char *until[] = { "accepted_until", "2026-06-30", NULL };
	take_ok(f, &entity_risk, b, "accept", f->ann, "ann@example.org", until);
	r = load(f, &entity_risk, b);
	assert_string_equal(text(r, "status"), "awaiting_board");
	assert_string_equal(text(r, "accepted_by"), "ann@example.org");
	assert_string_equal(text(r, "accepted_until"), "2026-06-30");
	/* the owner cannot accept twice; the Board's step takes it */
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(take(f, &entity_risk, b, "accept", f->ann, "ann@example.org", NULL, &ve),
			 ERR_CONFLICT);
	take_ok(f, &entity_risk, b, "board_accept", 0, "board@example.org", NULL);
	r = load(f, &entity_risk, b);
	assert_string_equal(text(r, "status"), "accepted");
	assert_string_equal(text(r, "board_accepted_by"), "board@example.org");
	assert_string_equal(text(r, "board_accepted_at"), "2026-01-01T10:00:00Z");
	assert_string_equal(text(r, "accepted_by"), "ann@example.org");
	/* board_accept starts only from awaiting_board */
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(
		take(f, &entity_risk, id, "board_accept", 0, "board@example.org", NULL, &ve),
		ERR_CONFLICT);
	/* the appetite is that of the method the risk was assessed with */
	int64_t c = create_ok(f, risk_rec(f, hi));
	const char *lax[] = { "appetite", "20", NULL };
	activate(f, lax);
	submit_accept(f, c, NULL);
	assert_string_equal(text(load(f, &entity_risk, c), "status"), "awaiting_board");
	assert_audit_ok(f);
}

static void test_submit_and_reject(void **state)
{
	struct fx *f = *state;
	activate(f, NULL);
	/* submitting needs a treatment and a residual rating */
	const char *bare[] = {
		"treatment", "null", "residual_likelihood", "null", "residual_impact", "null", NULL
	};
	int64_t id = create_ok(f, risk_rec(f, bare));
	struct verrors ve = { 0 };
	assert_int_equal(take(f, &entity_risk, id, "submit", 0, ism.name, NULL, &ve), ERR_INVALID);
	assert_true(has_error(&ve, "treatment", NULL));
	assert_true(has_error(&ve, "residual_likelihood", NULL));
	assert_string_equal(text(load(f, &entity_risk, id), "status"), "open");
	const char *fill[] = { "treatment", "retain", "residual_likelihood", "4", "residual_impact",
			       "5",	    NULL };
	patch_ok(f, &entity_risk, id, fill);
	take_ok(f, &entity_risk, id, "submit", 0, ism.name, NULL);
	/* the owner's refusal needs a note; Bob may not refuse for her */
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(take(f, &entity_risk, id, "reject", f->ann, "ann@example.org", NULL, &ve),
			 ERR_INVALID);
	assert_true(has_error(&ve, "acceptance_note", "is needed"));
	const char *note[] = { "acceptance_note", "Too high: treat it further", NULL };
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(take(f, &entity_risk, id, "reject", f->bob, "bob@example.org", note, &ve),
			 ERR_FORBIDDEN);
	assert_true(has_error(&ve, "owner_id", NULL));
	take_ok(f, &entity_risk, id, "reject", f->ann, "ann@example.org", note);
	struct record *r = load(f, &entity_risk, id);
	assert_string_equal(text(r, "status"), "open");
	assert_string_equal(text(r, "acceptance_note"), "Too high: treat it further");
	/* the Board's refusal: any Board member, the owner's acceptance cleared */
	submit_accept(f, id, NULL);
	assert_string_equal(text(load(f, &entity_risk, id), "status"), "awaiting_board");
	const char *no[] = { "acceptance_note", "Not at this level", NULL };
	take_ok(f, &entity_risk, id, "reject", 0, "board@example.org", no);
	r = load(f, &entity_risk, id);
	assert_string_equal(text(r, "status"), "open");
	assert_null(text(r, "accepted_by"));
	assert_null(text(r, "accepted_at"));
	assert_null(text(r, "accepted_until"));
	assert_null(text(r, "accepted_state"));
	/* review, close and reopen */
	int64_t a = accepted_risk(f, NULL, NULL);
	take_ok(f, &entity_risk, a, "review", 0, ism.name, NULL);
	assert_string_equal(text(load(f, &entity_risk, a), "status"), "review");
	take_ok(f, &entity_risk, a, "submit", 0, ism.name, NULL); /* from review */
	take_ok(f, &entity_risk, a, "close", 0, ism.name, NULL);
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(take(f, &entity_risk, a, "close", 0, ism.name, NULL, &ve), ERR_CONFLICT);
	assert_true(has_error(&ve, "status", "is 'closed'"));
	take_ok(f, &entity_risk, a, "reopen", 0, ism.name, NULL);
	assert_string_equal(text(load(f, &entity_risk, a), "status"), "open");
	assert_audit_ok(f);
}

/* A refusal must say why: a note left by the earlier acceptance is not a reason. */
static void test_reject_needs_its_own_note(void **state)
{
	/* Was a bug (fixed in 0e44905): the note the owner gave with "accept" satisfied the
	 * Board's reject without a note. */
	struct fx *f = *state;
	activate(f, NULL);
	const char *hi[] = { "residual_likelihood", "3", "residual_impact", "3", NULL };
	int64_t id = create_ok(f, risk_rec(f, hi));
	take_ok(f, &entity_risk, id, "submit", 0, ism.name, NULL);
	const char *note[] = { "acceptance_note", "I accept this", NULL };
	take_ok(f, &entity_risk, id, "accept", f->ann, "ann@example.org", note);
	struct verrors ve = { 0 };
	assert_int_equal(take(f, &entity_risk, id, "reject", 0, "board@example.org", NULL, &ve),
			 ERR_INVALID);
	assert_true(has_error(&ve, "acceptance_note", NULL));
	/* nor is an empty or blank one */
	static const char *const blank[] = { "", " \t\n " };
	for (size_t i = 0; i < N(blank); i++) {
		const char *in[] = { "acceptance_note", blank[i], NULL };
		memset(&ve, 0, sizeof(ve));
		assert_int_equal(
			take(f, &entity_risk, id, "reject", 0, "board@example.org", in, &ve),
			ERR_INVALID);
		assert_true(has_error(&ve, "acceptance_note", NULL));
	}
	assert_string_equal(text(load(f, &entity_risk, id), "status"), "awaiting_board");
}

/* A value given with the step counts even when it equals what the record holds. */
static void test_step_input_equal_to_stored(void **state)
{
	/* Was a bug (fixed in 4d84efb): the steps compared inputs with the stored values, so an
	 * owner accepting until the same date as before got a year, and a refusal with the same
	 * reason as the last one was told the note "is needed". */
	struct fx *f = *state;
	activate(f, NULL);
	int64_t id = accepted_risk(f, NULL, "2026-06-30");
	take_ok(f, &entity_risk, id, "review", 0, ism.name, NULL);
	take_ok(f, &entity_risk, id, "submit", 0, ism.name, NULL);
	const char *same[] = { "accepted_until", "2026-06-30", NULL };
	take_ok(f, &entity_risk, id, "accept", f->ann, "ann@example.org", same);
	assert_string_equal(text(load(f, &entity_risk, id), "accepted_until"), "2026-06-30");
	const char *hi[] = { "residual_likelihood", "3", "residual_impact", "3", NULL };
	int64_t b = create_ok(f, risk_rec(f, hi));
	const char *why[] = { "acceptance_note", "Treat it first", NULL };
	for (int round = 0; round < 2; round++) {
		submit_accept(f, b, NULL);
		take_ok(f, &entity_risk, b, "reject", 0, "board@example.org", why);
	}
}

/* ---- expiry ---- */

static void test_expiry(void **state)
{
	struct fx *f = *state;
	activate(f, NULL);
	int64_t soon = accepted_risk(f, NULL, "2026-03-01");
	int64_t later = accepted_risk(f, NULL, "2026-12-31");
	int64_t open = create_ok(f, risk_rec(f, NULL));
	const char *hi[] = { "residual_likelihood", "3", "residual_impact", "3", NULL };
	int64_t board = create_ok(f, risk_rec(f, hi));
	take_ok(f, &entity_risk, board, "submit", 0, ism.name, NULL);
	const char *in[] = { "accepted_until", "2026-02-01", NULL };
	take_ok(f, &entity_risk, board, "accept", f->ann, "ann@example.org", in);
	int64_t closed = accepted_risk(f, NULL, "2026-02-01");
	take_ok(f, &entity_risk, closed, "close", 0, ism.name, NULL);

	/* on the last day the acceptance still holds */
	time_set_fake(JAN_1_2026 + 59 * DAY + 23 * 3600); /* 2026-03-01T23:00Z */
	int64_t events = count(f->db, "SELECT count(*) FROM audit_events");
	assert_int_equal(risk_expire_acceptances(f->db), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events);
	assert_string_equal(text(load(f, &entity_risk, soon), "status"), "accepted");
	/* the day after, it is due for review: one "expire" event by the system */
	time_set_fake(JAN_1_2026 + 60 * DAY); /* 2026-03-02 */
	assert_int_equal(risk_expire_acceptances(f->db), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events + 1);
	struct record *r = load(f, &entity_risk, soon);
	assert_string_equal(text(r, "status"), "review");
	assert_string_equal(r->updated_at, "2026-03-02T00:00:00Z");
	struct event ev;
	last_event(f, "risk", soon, &ev);
	assert_string_equal(ev.action, "expire");
	assert_string_equal(ev.actor, "custos");
	json_t *st = json_object_get(ev.changes, "status");
	assert_string_equal(json_string_value(json_array_get(st, 0)), "accepted");
	assert_string_equal(json_string_value(json_array_get(st, 1)), "review");
	assert_int_equal(json_object_size(ev.changes), 1);
	json_decref(ev.changes);
	/* the others are left alone: not yet due, not accepted, waiting for the Board, closed */
	assert_string_equal(text(load(f, &entity_risk, later), "status"), "accepted");
	assert_string_equal(text(load(f, &entity_risk, open), "status"), "open");
	assert_string_equal(text(load(f, &entity_risk, board), "status"), "awaiting_board");
	assert_string_equal(text(load(f, &entity_risk, closed), "status"), "closed");
	/* running again changes nothing */
	assert_int_equal(risk_expire_acceptances(f->db), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events + 1);
	/* a year on, the default one-year acceptances and the late one are due too */
	time_set_fake(JAN_1_2026 + 400 * DAY);
	int64_t dflt = count(f->db, "SELECT count(*) FROM risks WHERE status = 'accepted'");
	assert_int_equal(dflt, 1);
	assert_int_equal(risk_expire_acceptances(f->db), ERR_OK);
	assert_string_equal(text(load(f, &entity_risk, later), "status"), "review");
	assert_int_equal(count(f->db, "SELECT count(*) FROM risks WHERE status = 'accepted'"), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events WHERE action = 'expire'"),
			 2);
	/* an expired risk goes through acceptance again (with a new date: see the test below) */
	take_ok(f, &entity_risk, soon, "submit", 0, ism.name, NULL);
	const char *next[] = { "accepted_until", "2027-12-31", NULL };
	take_ok(f, &entity_risk, soon, "accept", f->ann, "ann@example.org", next);
	assert_string_equal(text(load(f, &entity_risk, soon), "status"), "accepted");
	assert_audit_ok(f);
}

/* A new acceptance without a date lasts a year from now, whatever the last one said. */
static void test_reaccept_gets_a_new_date(void **state)
{
	/* Was a bug (fixed in 0e44905): the expired date was read back, so accept without a date
	 * failed with "must be in the future", and after review the old date was kept. */
	struct fx *f = *state;
	activate(f, NULL);
	int64_t id = accepted_risk(f, NULL, "2026-03-01");
	time_set_fake(JAN_1_2026 + 60 * DAY); /* 2026-03-02 */
	assert_int_equal(risk_expire_acceptances(f->db), ERR_OK);
	submit_accept(f, id, NULL);
	assert_string_equal(text(load(f, &entity_risk, id), "accepted_until"), "2027-03-02");
	/* withdrawn for review while the old date still lies ahead */
	int64_t w = accepted_risk(f, NULL, "2026-06-30");
	take_ok(f, &entity_risk, w, "review", 0, ism.name, NULL);
	submit_accept(f, w, NULL);
	assert_string_equal(text(load(f, &entity_risk, w), "accepted_until"), "2027-03-02");
}

/* The expiry job handles more than one batch over its runs and never touches live work. */
static void test_expiry_many(void **state)
{
	struct fx *f = *state;
	activate(f, NULL);
	enum { MANY = 30 };
	for (int i = 0; i < MANY; i++)
		accepted_risk(f, NULL, i % 2 ? "2026-01-10" : "2026-01-20");
	time_set_fake(JAN_1_2026 + 15 * DAY);
	assert_int_equal(risk_expire_acceptances(f->db), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM risks WHERE status = 'review'"),
			 MANY / 2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM risks WHERE status = 'accepted'"),
			 MANY / 2);
	time_set_fake(JAN_1_2026 + 25 * DAY);
	assert_int_equal(risk_expire_acceptances(f->db), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM risks WHERE status = 'review'"), MANY);
	assert_audit_ok(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_huge_band_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_score_product, setup, teardown),
		cmocka_unit_test_setup_teardown(test_score_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_band, setup, teardown),
		cmocka_unit_test_setup_teardown(test_method_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activation_supersedes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_risk_makes_default_method, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_active_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scores_and_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_risk_keeps_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reassessing_accepted_reopens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_and_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_needs_its_own_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_input_equal_to_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reaccept_gets_a_new_date, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_many, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
