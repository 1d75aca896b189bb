/* test_oscal.c - OSCAL catalog import against a temporary database: NIST's resolved LOW and
 * HIGH baselines and the full SP 800-53 Rev 5 catalog, counted against a separate walk of the
 * same JSON; parameters written into statements; malformed and non-catalog files refused with
 * nothing stored; a framework code taken twice; and mappings from NIST's 800-53 <-> ISO
 * 27001:2013 table (A.12.x, clauses skipped, the wrong way round refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/audit.h"
#include "core/repo.h"
#include "domain/catalogue.h"
#include "domain/mapping_load.h"
#include "domain/oscal_load.h"
#include "io/oscal.h"
#include "util/buf.h"
#include "testdb.h"

static const struct actor who = { 0, "cli" };

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !(f->db = testdb_open()))
		return -1;
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &who };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

static int64_t count(struct fx *f, const char *sql)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, sql, &st), ERR_OK);
	bool row;
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static void assert_audit_holds(struct fx *f)
{
	struct audit_result ar;
	assert_int_equal(audit_verify(f->db, &ar), ERR_OK);
	assert_int_equal(ar.bad_seq, 0);
}

/* A file of the shared test data, whole; NULL (and the test skipped) when it is not there. */
static char *shared_file(const char *rel, size_t *n)
{
	const char *root = getenv("CUSTOS_SHARED");
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", root ? root : "../shared", rel);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *p = malloc((size_t)len + 1);
	*n = p ? fread(p, 1, (size_t)len, fp) : 0;
	fclose(fp);
	if (p)
		p[*n] = '\0';
	return p;
}

/* ---- the counts, walked separately from io/oscal.c ---- */

struct tally {
	size_t controls, enhancements, withdrawn;
};

static void tally_controls(json_t *list, bool nested, struct tally *t)
{
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		t->controls++;
		t->enhancements += nested;
		size_t k;
		json_t *p;
		json_array_foreach(json_object_get(c, "props"), k, p)
		{
			const char *name = json_string_value(json_object_get(p, "name"));
			const char *value = json_string_value(json_object_get(p, "value"));
			if (name && value && strcmp(name, "status") == 0 &&
			    strcmp(value, "withdrawn") == 0)
				t->withdrawn++;
		}
		tally_controls(json_object_get(c, "controls"), true, t);
	}
}

static void tally_groups(json_t *groups, struct tally *t)
{
	size_t i;
	json_t *g;
	json_array_foreach(groups, i, g)
	{
		tally_controls(json_object_get(g, "controls"), false, t);
		tally_groups(json_object_get(g, "groups"), t);
	}
}

static struct tally tally_file(const char *data, size_t n)
{
	struct tally t = { 0 };
	json_t *root = json_loadb(data, n, 0, NULL);
	assert_non_null(root);
	json_t *cat = json_object_get(root, "catalog");
	tally_controls(json_object_get(cat, "controls"), false, &t);
	tally_groups(json_object_get(cat, "groups"), &t);
	json_decref(root);
	return t;
}

/* Imports a shared catalog as code and checks every count against the separate walk. */
static void import_and_count(struct fx *f, const char *rel, const char *code, size_t want)
{
	size_t n;
	char *data = shared_file(rel, &n);
	if (!data)
		skip();
	struct tally t = tally_file(data, n);
	if (want)
		assert_int_equal(t.controls, want);
	struct oscal_load_report rep;
	const char *why;
	enum err e = oscal_load(&f->c, code, "test", data, n, NULL, NULL, &rep, &why);
	if (e)
		fail_msg("%s: %s", rel, why ? why : err_title(e));
	free(data);
	assert_int_equal(rep.controls, t.controls);
	assert_int_equal(rep.enhancements, t.enhancements);
	assert_int_equal(rep.withdrawn, t.withdrawn);
	char *sql = arena_printf(&f->a,
				 "SELECT count(*) FROM catalog_controls WHERE framework_id = %lld",
				 (long long)rep.framework_id);
	assert_int_equal(count(f, sql), t.controls);
	sql = arena_printf(&f->a,
			   "SELECT count(*) FROM catalog_controls c JOIN catalog_controls p ON"
			   " p.id = c.parent_id WHERE c.framework_id = %lld AND p.framework_id ="
			   " %lld",
			   (long long)rep.framework_id, (long long)rep.framework_id);
	assert_int_equal(count(f, sql), t.enhancements);
	sql = arena_printf(&f->a,
			   "SELECT count(*) FROM catalog_controls WHERE framework_id = %lld AND"
			   " withdrawn = 1",
			   (long long)rep.framework_id);
	assert_int_equal(count(f, sql), t.withdrawn);
	/* no parameter is left as OSCAL writes it */
	sql = arena_printf(&f->a,
			   "SELECT count(*) FROM catalog_controls WHERE framework_id = %lld AND"
			   " statement LIKE '%%{{%%'",
			   (long long)rep.framework_id);
	assert_int_equal(count(f, sql), 0);
}

static void test_low_and_high_baselines(void **state)
{
	struct fx *f = *state;
	import_and_count(f,
			 "data/oscal/sp800-53-rev5/"
			 "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json",
			 "low", 149);
	import_and_count(f,
			 "data/oscal/sp800-53-rev5/"
			 "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json",
			 "high", 370);
	assert_int_equal(count(f, "SELECT count(*) FROM frameworks WHERE kind = 'nist80053'"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM catalog_controls c JOIN frameworks f ON"
				  " f.id = c.framework_id WHERE f.code = 'low' AND c.control_id ="
				  " 'AC-2' AND c.group_id = 'AC' AND c.group_title = 'Access"
				  " Control' AND c.statement LIKE '%[Assignment: %'"),
			 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_events"), 149 + 370 + 2);
	assert_audit_holds(f);
}

static void test_full_catalog(void **state)
{
	struct fx *f = *state;
	import_and_count(f,
			 "data/oscal/sp800-53-rev5/legacy-v5.0.1/NIST_SP-800-53_rev5_catalog.json",
			 "nist", 1189);
	assert_int_equal(count(f, "SELECT count(*) FROM catalog_controls WHERE withdrawn = 1"),
			 182);
	/* AC-2(10) is withdrawn and enhances AC-2 */
	assert_int_equal(count(f, "SELECT count(*) FROM catalog_controls c JOIN catalog_controls p"
				  " ON p.id = c.parent_id WHERE c.control_id = 'AC-2(10)' AND"
				  " p.control_id = 'AC-2' AND c.withdrawn = 1"),
			 1);
	assert_audit_holds(f);
}

static const char params_catalog[] =
	"{\"catalog\":{\"uuid\":\"u\",\"metadata\":{\"title\":\"Probe catalogue\",\"version\":"
	"\"1\"},\"groups\":[{\"id\":\"pr\",\"title\":\"Probes\",\"controls\":[{\"id\":\"pr-1\","
	"\"title\":\"One\",\"params\":[{\"id\":\"p1\",\"label\":\"frequency\"},{\"id\":\"p2\","
	"\"select\":{\"choice\":[\"daily\",\"weekly {{ insert: param, p1 }}\"]}},{\"id\":\"p3\","
	"\"select\":{\"how-many\":\"one-or-more\",\"choice\":[\"a\",\"b\"]}},{\"id\":\"p4\","
	"\"values\":[\"30 days\"]}],\"props\":[{\"name\":\"label\",\"value\":\"PR-01\",\"class\":"
	"\"zero-padded\"},{\"name\":\"label\",\"value\":\"PR-1\"}],\"parts\":[{\"id\":\"s\","
	"\"name\":\"statement\",\"prose\":\"Do {{ insert: param, p1 }}:\",\"parts\":[{\"id\":"
	"\"s.a\",\"name\":\"item\",\"props\":[{\"name\":\"label\",\"value\":\"a.\"}],\"prose\":"
	"\"{{insert: param, p2}} and {{ insert: param, p3 }}\",\"parts\":[{\"id\":\"s.a.1\","
	"\"name\":\"item\",\"props\":[{\"name\":\"label\",\"value\":\"1.\"}],\"prose\":\"within "
	"{{ insert: param, p4 }}, {{ insert: param, nope }} {{ other }}\"}]}]},{\"id\":\"g\","
	"\"name\":\"guidance\",\"prose\":\"Why it matters.\"}],\"controls\":[{\"id\":\"pr-1.1\","
	"\"title\":\"Gone\",\"props\":[{\"name\":\"label\",\"value\":\"PR-1(1)\"},{\"name\":"
	"\"status\",\"value\":\"withdrawn\"}]}]}]}]}}";

static void test_params_substituted(void **state)
{
	struct fx *f = *state;
	struct oscal_catalog cat;
	const char *why;
	assert_int_equal(oscal_parse(&f->a, params_catalog, strlen(params_catalog), &cat, &why),
			 ERR_OK);
	assert_string_equal(cat.title, "Probe catalogue");
	assert_int_equal(cat.ncontrols, 2);
	assert_int_equal(cat.nenhancements, 1);
	assert_int_equal(cat.nwithdrawn, 1);
	const struct oscal_control *c = &cat.controls[0];
	assert_string_equal(c->label, "PR-1");
	assert_string_equal(c->group_id, "PR");
	assert_string_equal(c->group_title, "Probes");
	assert_int_equal(c->parent, -1);
	assert_string_equal(c->statement,
			    "Do [Assignment: frequency]:\n\n"
			    "- **a.** [Selection: daily; weekly [Assignment: frequency]] and "
			    "[Selection (one or "
			    "more): a; b]\n"
			    "  - **1.** within 30 days, [Assignment: nope] {{ other }}");
	assert_string_equal(c->guidance, "Why it matters.");
	assert_string_equal(cat.controls[1].label, "PR-1(1)");
	assert_int_equal(cat.controls[1].parent, 0);
	assert_true(cat.controls[1].withdrawn);
	assert_string_equal(cat.controls[1].statement, "");
}

/* Every prefix of a catalog, and every byte of it replaced by characters that change JSON's
 * structure: the parser answers (a catalog or a reason) and never misbehaves (under ASan). */
static void test_parse_survives_damage(void **state)
{
	struct fx *f = *state;
	size_t n = strlen(params_catalog);
	char *copy = malloc(n + 1);
	assert_non_null(copy);
	struct oscal_catalog cat;
	const char *why;
	for (size_t len = 0; len < n; len++) {
		memcpy(copy, params_catalog, len);
		assert_int_not_equal(oscal_parse(&f->a, copy, len, &cat, &why), ERR_OK);
		assert_non_null(why);
	}
	static const char subst[] = { '{', '}', '[', ']', '"', ',', ':', '0', ' ', '\\' };
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(subst); k++) {
			memcpy(copy, params_catalog, n + 1);
			copy[i] = subst[k];
			enum err e = oscal_parse(&f->a, copy, n, &cat, &why);
			assert_true(e == ERR_OK || (e == ERR_BAD_REQUEST && why));
			if (e == ERR_OK)
				assert_non_null(cat.title);
		}
		arena_free(&f->a); /* keeps the arena small across thousands of parses */
	}
	free(copy);
}

/* Each of these is refused with a reason holding the words given, and stores nothing. */
static void assert_refused(struct fx *f, const char *data, size_t n, enum err want,
			   const char *words)
{
	struct oscal_load_report rep;
	const char *why = NULL;
	enum err e = oscal_load(&f->c, NULL, "test", data, n, NULL, NULL, &rep, &why);
	assert_int_equal(e, want);
	assert_non_null(why);
	if (!strstr(why, words))
		fail_msg("'%s' does not say '%s'", why, words);
	assert_int_equal(count(f, "SELECT count(*) FROM frameworks"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM catalog_controls"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_events"), 0);
}

static void test_malformed_refused(void **state)
{
	struct fx *f = *state;
	size_t n;
	char *low = shared_file("data/oscal/sp800-53-rev5/"
				"NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json",
				&n);
	if (low) {
		assert_refused(f, low, n / 2, ERR_BAD_REQUEST, "not JSON"); /* truncated */
		free(low);
	}
	char *profile = shared_file(
		"data/oscal/sp800-53-rev5/NIST_SP-800-53_rev5_LOW-baseline_profile.json", &n);
	if (profile) {
		assert_refused(f, profile, n, ERR_BAD_REQUEST, "profile");
		free(profile);
	}
	static const struct {
		const char *json;
		enum err err;
		const char *words;
	} cases[] = {
		{ "", ERR_BAD_REQUEST, "not JSON" },
		{ "[1,2]", ERR_BAD_REQUEST, "not a JSON object" },
		{ "{\"system-security-plan\":{}}", ERR_BAD_REQUEST, "system-security-plan" },
		{ "{\"catalog\":{}}", ERR_BAD_REQUEST, "catalog.metadata" },
		{ "{\"catalog\":{\"metadata\":{\"title\":7}}}", ERR_BAD_REQUEST,
		  "catalog.metadata.title must be a string" },
		{ "{\"catalog\":{\"metadata\":{\"title\":\"T\"},\"groups\":{}}}", ERR_BAD_REQUEST,
		  "catalog.groups must be an array" },
		{ "{\"catalog\":{\"metadata\":{\"title\":\"T\"},\"groups\":[{\"title\":\"G\","
		  "\"controls\":[{\"id\":\"a-1\",\"title\":\"A\"},{\"id\":\"a-2\"}]}]}}",
		  ERR_BAD_REQUEST, "catalog.groups[0].controls[1]: control 'a-2' has no title" },
		{ "{\"catalog\":{\"metadata\":{\"title\":\"T\"},\"controls\":[{\"title\":\"A\"}]}}",
		  ERR_BAD_REQUEST, "without an id" },
		{ "{\"catalog\":{\"metadata\":{\"title\":\"T\"},\"controls\":[{\"id\":\"a\","
		  "\"title\":\"A\",\"props\":[{\"name\":\"label\"}]}]}}",
		  ERR_BAD_REQUEST, "controls[0].props[0] needs a name and a value" },
		{ "{\"catalog\":{\"metadata\":{\"title\":\"T\"},\"controls\":[{\"id\":\"a\","
		  "\"title\":\"A\"},{\"id\":\"a\",\"title\":\"B\"}]}}",
		  ERR_BAD_REQUEST, "'a' is used twice" },
		{ "{\"catalog\":{\"metadata\":{\"title\":\"T\"}},\"catalog\":{}}", ERR_BAD_REQUEST,
		  "duplicate" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(f, cases[i].json, strlen(cases[i].json), cases[i].err,
			       cases[i].words);

	/* a megabyte of nesting: jansson's own depth limit */
	size_t deep = 1u << 20;
	char *nest = malloc(deep + 64);
	assert_non_null(nest);
	memcpy(nest, "{\"catalog\":", 11);
	memset(nest + 11, '[', deep);
	assert_refused(f, nest, deep + 11, ERR_BAD_REQUEST, "not JSON");
	/* groups nested deeper than we follow, though jansson reads them */
	struct buf b;
	buf_init(&b, 0);
	buf_adds(&b, "{\"catalog\":{\"metadata\":{\"title\":\"T\"},\"groups\":[");
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "{\"title\":\"g\",\"groups\":[");
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "]}");
	buf_adds(&b, "]}}");
	assert_refused(f, b.p, b.len, ERR_TOO_LARGE, "nested more than");
	buf_free(&b);
	free(nest);

	/* a control the register refuses, after others were written: all rolled back */
	char title[700];
	memset(title, 'x', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	char *long_title = arena_printf(
		&f->a,
		"{\"catalog\":{\"metadata\":{\"title\":\"T\"},\"controls\":[{\"id\":\"a\","
		"\"title\":\"A\"},{\"id\":\"b\",\"title\":\"%s\"}]}}",
		title);
	assert_refused(f, long_title, strlen(long_title), ERR_INVALID, "control 'b': title");
	assert_audit_holds(f);
}

static void test_code_taken(void **state)
{
	struct fx *f = *state;
	struct oscal_load_report rep;
	const char *why;
	assert_int_equal(oscal_load(&f->c, NULL, "test", params_catalog, strlen(params_catalog),
				    NULL, NULL, &rep, &why),
			 ERR_OK);
	assert_string_equal(rep.code, "probe-catalogue");
	assert_int_equal(oscal_load(&f->c, "probe-catalogue", "test", params_catalog,
				    strlen(params_catalog), NULL, NULL, &rep, &why),
			 ERR_CONFLICT);
	assert_non_null(strstr(why, "exists already"));
	assert_int_equal(count(f, "SELECT count(*) FROM catalog_controls"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM frameworks"), 1);
	/* a title longer than a framework's name is cut, not refused */
	char title[301];
	memset(title, 'T', 300);
	title[300] = '\0';
	const char *doc =
		arena_printf(&f->a, "{\"catalog\":{\"metadata\":{\"title\":\"%s\"}}}", title);
	assert_int_equal(
		oscal_load(&f->c, "long", "test", doc, strlen(doc), NULL, NULL, &rep, &why),
		ERR_OK);
	assert_int_equal(count(f, "SELECT length(name) FROM frameworks WHERE code = 'long'"), 200);
	assert_int_equal(count(f, "SELECT count(*) FROM frameworks WHERE code = 'long' AND name"
				  " LIKE '%\xE2\x80\xA6'"),
			 1);
}

static int64_t mappings(struct fx *f)
{
	return count(f, "SELECT count(*) FROM control_mappings");
}

static void test_mapping_import(void **state)
{
	struct fx *f = *state;
	int64_t records;
	assert_int_equal(catalogue_load(f->db, &who, "iso27001-2013", &records), ERR_OK);
	import_and_count(f,
			 "data/oscal/sp800-53-rev5/legacy-v5.0.1/NIST_SP-800-53_rev5_catalog.json",
			 "nist", 1189);
	struct mapping_load_report rep;
	const char *why;
	/* A.12.x is every A.12 control; 5.2 is a clause: listed, not fatal */
	const char *csv = "from,to\nAC-2,A.12.x\nAC-2,5.2\nAC-3,A.9.4.1\nAC-3,A.9.4.1\n";
	assert_int_equal(mapping_load(&f->c, "nist", "iso27001-2013", NULL, "test", csv,
				      strlen(csv), &rep, &why),
			 ERR_OK);
	assert_int_equal(rep.created, 14 + 1);
	assert_int_equal(rep.existing, 1);
	assert_int_equal(rep.unknown, 1);
	assert_int_equal(rep.nlisted, 1);
	assert_string_equal(rep.listed[0].id, "5.2");
	assert_int_equal(rep.listed[0].row, 3);
	assert_int_equal(mappings(f), 15);
	assert_int_equal(count(f, "SELECT count(*) FROM control_mappings WHERE name ="
				  " 'AC-3 \xE2\x86\x92 A.9.4.1 (intersects)'"),
			 1);

	/* refused, nothing stored: the wrong way round, a bad relationship, unknown framework */
	assert_int_equal(mapping_load(&f->c, "iso27001-2013", "nist", NULL, "test", csv,
				      strlen(csv), &rep, &why),
			 ERR_INVALID);
	assert_non_null(strstr(why, "right way round"));
	const char *bad = "from,to,relationship\nAC-4,A.13.1.1,kind of\n";
	assert_int_equal(mapping_load(&f->c, "nist", "iso27001-2013", NULL, "test", bad,
				      strlen(bad), &rep, &why),
			 ERR_INVALID);
	assert_int_equal(
		mapping_load(&f->c, "nist", "nope", NULL, "test", csv, strlen(csv), &rep, &why),
		ERR_NOT_FOUND);
	/* a control is not mapped to itself */
	const char *self = "from,to\nAC-2,AC-2\n";
	assert_int_equal(
		mapping_load(&f->c, "nist", "nist", NULL, "test", self, strlen(self), &rep, &why),
		ERR_INVALID);
	assert_non_null(strstr(why, "to_id must be another control"));
	const char *nocols = "a,b\nAC-2,A.9.2.1\n";
	assert_int_equal(mapping_load(&f->c, "nist", "iso27001-2013", NULL, "test", nocols,
				      strlen(nocols), &rep, &why),
			 ERR_BAD_REQUEST);
	assert_int_equal(mappings(f), 15);

	/* NIST's own table, both ways */
	size_t n;
	char *t1 = shared_file(
		"data/frameworks/nist-sp800-53r5_iso27001-2013/sp800-53r5_to_iso27001-2013.csv",
		&n);
	if (!t1)
		skip();
	assert_int_equal(mapping_load(&f->c, "nist", "iso27001-2013", "intersects", "test", t1, n,
				      &rep, &why),
			 ERR_OK);
	free(t1);
	assert_int_equal(rep.rows, 739);
	assert_int_equal(rep.unmapped, 138 + 23); /* no-mapping and withdrawn rows */
	assert_string_equal(rep.from_column, "nist_control_id");
	assert_string_equal(rep.to_column, "iso27001_2013_ref");
	assert_true(rep.created > 300);
	/* SC-38 -> A.12.x: all 14 A.12 controls */
	assert_int_equal(count(f, "SELECT count(*) FROM control_mappings m JOIN catalog_controls"
				  " a ON a.id = m.from_id JOIN catalog_controls b ON b.id ="
				  " m.to_id WHERE a.control_id = 'SC-38' AND b.control_id LIKE"
				  " 'A.12.%'"),
			 14);
	/* every reference NIST gives that is no Annex A control is a clause (4-10) */
	for (size_t i = 0; i < rep.nlisted; i++) {
		const char *id = rep.listed[i].id;
		assert_true(id[0] >= '4' && id[0] <= '9' ? true : strncmp(id, "10.", 3) == 0);
	}
	assert_audit_holds(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_low_and_high_baselines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_catalog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_substituted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_survives_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_code_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapping_import, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
