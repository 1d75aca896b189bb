/* test_import.c - CSV import against a temporary database: the reader (quotes, line breaks, a
 * byte order mark, strictness, caps), round trips through export for a register made up here
 * (every field type, values that need quoting or the formula guard) and for real registers,
 * header errors, row errors with their numbers, all or nothing against partial, the write guard,
 * audit events, and the row cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/audit.h"
#include "core/repo.h"
#include "core/rowcache.h"
#include "core/verify.h"
#include "domain/document.h"
#include "domain/incident.h"
#include "io/csv.h"
#include "io/csvread.h"
#include "io/export.h"
#include "io/import.h"
#include "testdb.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static const struct actor who = { 1, "ism@example.org" };

static const struct choice probe_levels[] = {
	{ "1", "Low", NULL },
	{ "2", "High", NULL },
	{ NULL, NULL, NULL },
};
static const struct choice probe_kinds[] = {
	{ "a", "Kind A", NULL },
	{ "b", "Kind B", NULL },
	{ NULL, NULL, NULL },
};
/* every field type, a unique field, a default and a computed field */
static const struct field probe_fields[] = {
	{ .name = "t", .label = "Title", .type = FT_TEXT, .flags = FF_REQUIRED | FF_UNIQUE },
	{ .name = "body", .label = "Body", .type = FT_LONGTEXT },
	{ .name = "n", .label = "Number", .type = FT_INT, .min = -1000, .max = 1000 },
	{ .name = "lvl", .label = "Level", .type = FT_INT, .choices = probe_levels },
	{ .name = "kind", .label = "Kind", .type = FT_ENUM, .choices = probe_kinds, .dflt = "a" },
	{ .name = "flag", .label = "Flag", .type = FT_BOOL },
	{ .name = "ref_id", .label = "Department", .type = FT_REF, .ref = "department" },
	{ .name = "day", .label = "Day", .type = FT_DATE },
	{ .name = "at", .label = "At", .type = FT_TIMESTAMP },
	{ .name = "mail", .label = "Mail", .type = FT_EMAIL },
	{ .name = "score", .label = "Score", .type = FT_INT, .flags = FF_READONLY },
};
static const struct entity entity_probe = {
	.name = "probe",
	.plural = "probes",
	.title = "Probe",
	.title_plural = "Probes",
	.fields = probe_fields,
	.nfields = N(probe_fields),
	.label_field = "t",
	.dept_column = "ref_id",
};

/* The same register with a derive hook that writes (a log row) before it refuses a negative n:
 * a refused row must not leave its log row behind. */
static enum err logged_derive(struct db *db, struct arena *a, const struct record *before,
			      struct record *after, struct verrors *ve)
{
	(void)a;
	(void)before;
	const struct value *t = model_get(after, "t"), *n = model_get(after, "n");
	enum err err = db_run(db, "INSERT INTO probe_log (t) VALUES ($1)", "s",
			      t->set && t->s ? t->s : "");
	if (err)
		return err;
	if (n->set && !n->null && n->i < 0) {
		verrors_add(ve, "n", "must not be negative here");
		return ERR_INVALID;
	}
	return ERR_OK;
}

static const struct entity entity_logged = {
	.name = "probe",
	.plural = "probes",
	.title = "Probe",
	.title_plural = "Probes",
	.fields = probe_fields,
	.nfields = N(probe_fields),
	.label_field = "t",
	.derive = logged_derive,
};

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
	int64_t dept, dept2, person;
};

/* ---- helpers ---- */

static const char *num(struct fx *f, int64_t v)
{
	return arena_printf(&f->a, "%lld", (long long)v);
}

static int64_t count(struct fx *f, const char *sql)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, sql, &st), ERR_OK);
	bool row = false;
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static int64_t create(struct fx *f, const struct entity *e, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, e);
	assert_non_null(r);
	for (size_t i = 0; kv[i]; i += 2) {
		int k = model_field_index(e, kv[i]);
		const char *why = NULL;
		assert_true(k >= 0);
		if (!model_parse_text(&f->a, &e->fields[k], kv[i + 1], strlen(kv[i + 1]), &r->v[k],
				      &why))
			fail_msg("%s: %s", kv[i], why);
	}
	struct verrors ve = { 0 };
	int64_t id = 0;
	enum err err = repo_create(&f->c, r, &ve, &id);
	if (err)
		fail_msg("create %s: %s (%s %s)", e->name, err_name(err),
			 ve.n ? ve.items[0].field : "", ve.n ? ve.items[0].message : "");
	return id;
}

static enum err import(struct fx *f, const struct entity *e, const char *csv, bool partial,
		       struct import_report *rep)
{
	return import_csv(&f->c, e, csv, strlen(csv), partial, rep);
}

static const char *export_csv(struct fx *f, const struct entity *e)
{
	struct list_query lq;
	list_query_init(&lq);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(export_register(&f->c, e, &lq, EXPORT_CSV, NULL, &out), ERR_OK);
	const char *s = arena_strdup(&f->a, buf_cstr(&out));
	buf_free(&out);
	return s;
}

/* A CSV text's records as "cell|cell/cell|cell", without the system columns when asked. */
static const char *flatten(struct fx *f, const char *csv, size_t n, bool drop_system)
{
	struct csv_reader r;
	csv_reader_init(&r, csv, n);
	struct str cells[CSV_MAX_CELLS];
	bool keep[CSV_MAX_CELLS];
	struct buf out;
	buf_init(&out, 0);
	for (;;) {
		size_t nc;
		bool more;
		const char *why = NULL;
		assert_int_equal(csv_read_record(&r, &f->a, cells, &nc, &more, &why), ERR_OK);
		if (!more)
			break;
		for (size_t i = 0; i < nc; i++) {
			if (r.record == 1) {
				const char *h = arena_strndup(&f->a, cells[i].p, cells[i].n);
				keep[i] = !drop_system ||
					  (strcmp(h, "id") && strcmp(h, "version") &&
					   strcmp(h, "created_at") && strcmp(h, "updated_at"));
			}
			if (!keep[i])
				continue;
			buf_add(&out, cells[i].p, cells[i].n);
			buf_addc(&out, '|');
		}
		buf_addc(&out, '/');
	}
	const char *s = arena_strdup(&f->a, buf_cstr(&out));
	buf_free(&out);
	return s;
}

struct want {
	int64_t row;
	const char *field;   /* NULL: the row as a whole */
	const char *message; /* a part of the message */
};

static void expect(const struct import_report *rep, const struct want *w, size_t n)
{
	for (size_t i = 0; i < rep->nerrors && i < n; i++) {
		const struct import_error *x = &rep->errors[i];
		bool field_ok = w[i].field ? x->field && strcmp(x->field, w[i].field) == 0
					   : x->field == NULL;
		if (x->row != w[i].row || !field_ok || !strstr(x->message, w[i].message))
			fail_msg("error %zu: row %lld, %s: %s; wanted row %lld, %s: ...%s...", i,
				 (long long)x->row, x->field ? x->field : "(row)", x->message,
				 (long long)w[i].row, w[i].field ? w[i].field : "(row)",
				 w[i].message);
	}
	if (rep->nerrors != n) {
		for (size_t i = 0; i < rep->nerrors; i++)
			print_message("  row %lld, %s: %s\n", (long long)rep->errors[i].row,
				      rep->errors[i].field ? rep->errors[i].field : "(row)",
				      rep->errors[i].message);
		fail_msg("%zu errors, wanted %zu", rep->nerrors, n);
	}
}

static int64_t audit_events(struct fx *f)
{
	return count(f, "SELECT count(*) FROM audit_events");
}

static void assert_audit_holds(struct fx *f)
{
	struct audit_result ar;
	assert_int_equal(audit_verify(f->db, &ar), ERR_OK);
	assert_int_equal(ar.bad_seq, 0);
}

/* ---- fixture ---- */

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !(f->db = testdb_open()))
		return -1;
	const char *pk = db_dialect(f->db) == DB_SQLITE
				 ? "INTEGER PRIMARY KEY AUTOINCREMENT"
				 : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE probes (id %s, t TEXT NOT NULL UNIQUE, body TEXT, n BIGINT,"
		 " lvl BIGINT, kind TEXT, flag BIGINT, ref_id BIGINT, day TEXT, at TEXT,"
		 " mail TEXT, score BIGINT, version BIGINT NOT NULL, created_at TEXT NOT NULL,"
		 " updated_at TEXT NOT NULL)",
		 pk);
	if (db_exec(f->db, sql) || db_exec(f->db, "CREATE TABLE probe_log (t TEXT)"))
		return -1;
	/* list totals are cached by (query, register version): start every register at a
	 * version no earlier test reached, so no total outlives its database */
	static int64_t runs;
	runs++;
	for (size_t i = 0; i <= model_registry_count(); i++) {
		const char *name =
			i < model_registry_count() ? model_registry_at(i)->name : "probe";
		if (db_run(f->db, "INSERT INTO register_versions (entity, version) VALUES ($1, $2)",
			   "si", name, runs * 1000000))
			return -1;
	}
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &who };
	*state = f;
	f->dept = create(f, &entity_department, (const char *[]){ "name", "Operations", NULL });
	f->dept2 = create(f, &entity_department, (const char *[]){ "name", "Finance", NULL });
	f->person = create(f, &entity_person,
			   (const char *[]){ "name", "Ann", "email", "ann@example.org",
					     "department_id", num(f, f->dept), NULL });
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	/* rendered rows are cached by (register, id, version): the next test's database
	 * reuses the ids */
	rowcache_clear();
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

/* ---- the reader ---- */

static void test_reader(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t n; /* 0: strlen(in) */
		const char *out;
		int64_t bad_record; /* 0: reads; else ERR_BAD_REQUEST there */
	} cases[] = {
		{ "a,b\r\nc,d\r\n", 0, "a|b|/c|d|/", 0 },
		{ "a,b\nc,d", 0, "a|b|/c|d|/", 0 },
		{ "a\rb\r", 0, "a|/b|/", 0 },
		{ "\"a,b\",\"c\"\"d\"\n", 0, "a,b|c\"d|/", 0 },
		{ "\"line 1\r\nline 2\",x\r\ny\r\n", 0, "line 1\r\nline 2|x|/y|/", 0 },
		{ "\xEF\xBB\xBFid,name\n", 0, "id|name|/", 0 },
		{ "\xEF\xBB\xBF", 0, "", 0 },
		{ ",\n", 0, "||/", 0 },
		{ "a,", 0, "a||/", 0 },
		{ "\n\n", 0, "|/|/", 0 },
		{ "", 0, "", 0 },
		{ "\"\"\n\"\"\"\"", 0, "|/\"|/", 0 },
		{ "\"a\"\n\"b\",", 0, "a|/b||/", 0 },
		{ " spaced , cells ", 0, " spaced | cells |/", 0 },
		{ "caf\xC3\xA9,\"\xE2\x82\xAC\"", 0, "caf\xC3\xA9|\xE2\x82\xAC|/", 0 },
		{ "nul\0byte", 8, "nul\0byte|/", 0 },
		{ "a,\"b", 0, NULL, 1 },
		{ "x\ny\n\"never\nclosed", 0, NULL, 3 },
		{ "ok\na\"b\n", 0, NULL, 2 },
		{ "\"a\"b\n", 0, NULL, 1 },
		{ "\"a\" ,b\n", 0, NULL, 1 },
		{ " \"a\"\n", 0, NULL, 1 },
	};
	struct arena a;
	arena_init(&a, 0);
	for (size_t i = 0; i < N(cases); i++) {
		size_t n = cases[i].n ? cases[i].n : strlen(cases[i].in);
		struct csv_reader r;
		csv_reader_init(&r, cases[i].in, n);
		struct str cells[CSV_MAX_CELLS];
		struct buf out;
		buf_init(&out, 0);
		enum err err;
		for (;;) {
			size_t nc;
			bool more;
			const char *why = NULL;
			err = csv_read_record(&r, &a, cells, &nc, &more, &why);
			if (err || !more) {
				assert_true(!err || why);
				break;
			}
			for (size_t k = 0; k < nc; k++) {
				buf_add(&out, cells[k].p, cells[k].n);
				buf_addc(&out, '|');
			}
			buf_addc(&out, '/');
		}
		if (cases[i].bad_record) {
			if (err != ERR_BAD_REQUEST || r.record != cases[i].bad_record)
				fail_msg("case %zu: %s at record %lld", i, err_name(err),
					 (long long)r.record);
		} else {
			assert_int_equal(err, ERR_OK);
			size_t want = cases[i].n ? cases[i].n + 2 : strlen(cases[i].out);
			if (out.len != want || memcmp(buf_cstr(&out), cases[i].out, want) != 0)
				fail_msg("case %zu: read '%s'", i, buf_cstr(&out));
		}
		buf_free(&out);
	}
	arena_free(&a);
}

static void test_reader_caps(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct str cells[CSV_MAX_CELLS];
	size_t nc;
	bool more;
	const char *why = NULL;
	struct csv_reader r;
	/* cells per record: 256 read, 257 refused */
	for (size_t cols = CSV_MAX_CELLS; cols <= CSV_MAX_CELLS + 1; cols++) {
		struct buf b;
		buf_init(&b, 0);
		for (size_t i = 0; i < cols; i++)
			buf_adds(&b, i ? ",x" : "x");
		csv_reader_init(&r, b.p, b.len);
		enum err err = csv_read_record(&r, &a, cells, &nc, &more, &why);
		assert_int_equal(err, cols == CSV_MAX_CELLS ? ERR_OK : ERR_BAD_REQUEST);
		if (!err)
			assert_int_equal(nc, CSV_MAX_CELLS);
		buf_free(&b);
	}
	/* bytes per cell, quoted or not */
	size_t big = CSV_MAX_CELL_BYTES + 1;
	char *s = malloc(big + 3);
	assert_non_null(s);
	memset(s, 'x', big + 2);
	for (int quoted = 0; quoted < 2; quoted++) {
		for (size_t len = big - 1; len <= big; len++) {
			if (quoted) {
				s[0] = '"';
				s[len + 1] = '"';
			}
			csv_reader_init(&r, s, len + (quoted ? 2 : 0));
			enum err err = csv_read_record(&r, &a, cells, &nc, &more, &why);
			assert_int_equal(err, len < big ? ERR_OK : ERR_BAD_REQUEST);
			memset(s, 'x', big + 2);
		}
	}
	/* bytes per record: five cells of just under 1 MiB */
	char *rec = malloc(5 * big);
	assert_non_null(rec);
	memset(rec, 'y', 5 * big);
	for (size_t i = 1; i < 5; i++)
		rec[i * big - 1] = ',';
	csv_reader_init(&r, rec, 5 * big - 1);
	assert_int_equal(csv_read_record(&r, &a, cells, &nc, &more, &why), ERR_BAD_REQUEST);
	assert_non_null(strstr(why, "4 MiB"));
	free(rec);
	free(s);
	arena_free(&a);
}

/* ---- round trips ---- */

/* What the probe rows hold: every type, text that needs quotes or the formula guard. */
static const char *const probe_rows[][10] = {
	{ "Plain", "", "0", "1", "a", "false", "", "", "", "" },
	{ "Quote \" and, comma", "line 1\nline 2\r\nline 3", "-5", "2", "b", "true", "REF",
	  "2026-02-28", "2026-03-01T10:00:00Z", "a@example.org" },
	{ "=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "7", "", "b", "", "", "", "", "" },
	{ "@SUM(A1)", "\t=tabbed", "", "", "a", "", "", "", "", "" },
	{ "-minus", "\r=cr first", "", "", "a", "", "", "", "", "" },
	{ "'apostrophe kept", "'", "", "", "a", "", "", "", "", "" },
	{ "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92", "\"\"", "", "", "a", "", "", "", "", "" },
};
static const char *const probe_cols[] = { "t",	  "body",   "n",   "lvl", "kind",
					  "flag", "ref_id", "day", "at",  "mail" };

static void test_round_trip_probe(void **state)
{
	struct fx *f = *state;
	for (size_t r = 0; r < N(probe_rows); r++) {
		const char *kv[2 * N(probe_cols) + 1];
		size_t k = 0;
		for (size_t i = 0; i < N(probe_cols); i++) {
			const char *v = probe_rows[r][i];
			if (!*v)
				continue;
			kv[k++] = probe_cols[i];
			kv[k++] = strcmp(v, "REF") == 0 ? num(f, f->dept) : v;
		}
		kv[k] = NULL;
		create(f, &entity_probe, kv);
	}
	const char *before = export_csv(f, &entity_probe);
	/* the export holds the read-only column too (empty: nothing computes it): it is
	 * checked, not written, so the file goes in as it is */
	struct import_report rep;
	assert_int_equal(db_exec(f->db, "DELETE FROM probes"), ERR_OK);
	struct buf b;
	buf_init(&b, 0);
	buf_adds(&b, before);
	int64_t events = audit_events(f);
	assert_int_equal(import_csv(&f->c, &entity_probe, b.p, b.len, false, &rep), ERR_OK);
	assert_int_equal(rep.rows, N(probe_rows));
	assert_int_equal(rep.created, N(probe_rows));
	assert_int_equal(rep.failed, 0);
	assert_int_equal(rep.nerrors, 0);
	/* one create event per record */
	assert_int_equal(audit_events(f), events + (int64_t)N(probe_rows));
	assert_int_equal(count(f, "SELECT count(*) FROM audit_events WHERE entity = 'probe'"
				  " AND action = 'create'"),
			 2 * (int64_t)N(probe_rows));
	const char *after = export_csv(f, &entity_probe);
	assert_string_equal(flatten(f, after, strlen(after), true),
			    flatten(f, before, strlen(before), true));
	/* the guarded cells came back without their apostrophe */
	struct list_query lq;
	list_query_init(&lq);
	const char *why = NULL;
	assert_int_equal(list_query_param(&f->a, &entity_probe, &lq, "t", "@SUM(A1)", &why),
			 ERR_OK);
	struct buf page;
	buf_init(&page, 0);
	assert_int_equal(repo_list_json(&f->c, &entity_probe, &lq, &page, &why), ERR_OK);
	assert_non_null(strstr(buf_cstr(&page), "\"body\":\"\\t=tabbed\""));
	assert_non_null(strstr(buf_cstr(&page), "\"total\":1"));
	buf_free(&page);
	buf_free(&b);
	assert_audit_holds(f);
}

/* Real registers: an export, its rows removed, imported again, gives the same rows. */
static void test_round_trip_registers(void **state)
{
	struct fx *f = *state;
	const char *d = num(f, f->dept), *p = num(f, f->person);
	create(f, &entity_asset,
	       (const char *[]){ "name",
				 "Mail server, \"primary\"",
				 "identifier",
				 "+44 123",
				 "type",
				 "server",
				 "owner_id",
				 p,
				 "department_id",
				 d,
				 "confidentiality",
				 "3",
				 "integrity",
				 "2",
				 "availability",
				 "1",
				 "description",
				 "# Mail\n\n- one\n- two",
				 "location",
				 "-2 basement",
				 "acquired_on",
				 "2024-01-31",
				 "status",
				 "in_use",
				 NULL });
	create(f, &entity_asset,
	       (const char *[]){ "name", "=cmd|' /C calc'!A0", "type", "paper", "owner_id", p,
				 "department_id", d, "confidentiality", "1", "integrity", "1",
				 "availability", "1", NULL });
	create(f, &entity_interested_party,
	       (const char *[]){ "name", "Customers", "category", "customer", "requirements",
				 "Uptime, \"99.9%\"", "in_scope", "false", NULL });
	create(f, &entity_interested_party,
	       (const char *[]){ "name", "Regulator", "category", "regulator", "requirements",
				 "@law", NULL });
	const struct entity *es[] = { &entity_asset, &entity_interested_party };
	for (size_t i = 0; i < N(es); i++) {
		const char *before = export_csv(f, es[i]);
		char sql[128];
		snprintf(sql, sizeof(sql), "DELETE FROM %s", es[i]->plural);
		assert_int_equal(db_exec(f->db, sql), ERR_OK);
		struct import_report rep;
		enum err err = import(f, es[i], before, false, &rep);
		if (err)
			expect(&rep, NULL, 0);
		assert_int_equal(rep.created, 2);
		const char *after = export_csv(f, es[i]);
		assert_string_equal(flatten(f, after, strlen(after), true),
				    flatten(f, before, strlen(before), true));
	}
	struct verify_result vr;
	assert_int_equal(verify_records(f->db, &vr), ERR_OK);
	/* the deletes behind Custos's back are the only mismatches: four records */
	assert_int_equal(vr.mismatches, 4);
}

/* Every register: an importable one takes its export's header (read-only columns included:
 * they are checked, not written) and its writable columns alone; another is refused as a
 * whole, saying why, before any row is read. Those with a workflow (or belonging to one)
 * import their records in the first state only. */
static void test_every_register(void **state)
{
	struct fx *f = *state;
	static const char *const importable[] = {
		"departments",	    "people",		"assets",     "interested_parties",
		"controls",	    "evidence",		"frameworks", "catalog_controls",
		"control_mappings", "incident_targets",
	};
	static const char *const first_state[] = {
		"risks",	  "risk_actions",     "risk_assets", "risk_methods",
		"control_risks",  "soa_versions",     "incidents",   "incident_assets",
		"incident_notes", "incident_actions",
	};
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		bool whole = false, first_only = false;
		for (size_t k = 0; k < N(importable); k++)
			whole = whole || strcmp(importable[k], e->plural) == 0;
		for (size_t k = 0; k < N(first_state); k++)
			first_only = first_only || strcmp(first_state[k], e->plural) == 0;
		bool yes = whole || first_only;
		const char *refusal = import_refusal(&f->a, e);
		if (yes == (refusal != NULL))
			fail_msg("%s: %s", e->plural, refusal ? refusal : "importable");
		if (yes && first_only != import_first_state_only(e))
			fail_msg("%s: %s in its first state only", e->plural,
				 first_only ? "not" : "wrongly");
		const char *csv = export_csv(f, e);
		const char *eol = strstr(csv, "\r\n");
		assert_non_null(eol);
		const char *header = arena_strndup(&f->a, csv, (size_t)(eol - csv) + 2);
		struct import_report rep;
		enum err err = import(f, e, header, false, &rep);
		if (!yes) {
			assert_int_equal(err, ERR_INVALID);
			expect(&rep, (struct want[]){ { 0, NULL, "cannot be imported" } }, 1);
			assert_string_equal(rep.errors[0].message, refusal);
			assert_ptr_equal(rep.errors[0].e, e);
			continue;
		}
		if (err)
			expect(&rep, NULL, 0);
		assert_int_equal(rep.rows + rep.created + rep.failed, 0);
		/* the writable columns alone: a header without rows imports nothing, fine */
		struct buf b;
		buf_init(&b, 0);
		for (size_t k = 0, first = 1; k < e->nfields; k++) {
			if (e->fields[k].flags & FF_READONLY)
				continue;
			csv_field(&b, first, NULL, e->fields[k].name, strlen(e->fields[k].name));
			first = 0;
		}
		csv_end_record(&b);
		assert_int_equal(import(f, e, buf_cstr(&b), false, &rep), ERR_OK);
		assert_int_equal(rep.rows + rep.created + rep.failed, 0);
		buf_free(&b);
	}
}

/* Why a register cannot be imported: a declaration, or a register it refers to. */
static void test_refusals(void **state)
{
	struct fx *f = *state;
	static const struct {
		const struct entity *e;
		const char *says;
	} cases[] = {
		{ &entity_document,
		  "Policies and documents cannot be imported: their state comes" },
		{ &entity_organisation, "Organisation settings cannot be imported: there is one" },
		{ &entity_document_signoff,
		  "they refer to policies and documents, which cannot be" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		const char *m = import_refusal(&f->a, cases[i].e);
		if (!m || !strstr(m, cases[i].says))
			fail_msg("%s: %s", cases[i].e->plural, m ? m : "(importable)");
	}
	assert_null(import_refusal(&f->a, &entity_probe));
	assert_null(import_refusal(&f->a, &entity_risk));
	/* nothing is read or written */
	const char *csv = arena_printf(&f->a, "code,title\r\nPOL-1,Policy\r\n");
	struct import_report rep;
	assert_int_equal(import(f, &entity_document, csv, true, &rep), ERR_INVALID);
	assert_int_equal(rep.rows, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM documents"), 0);
	/* nor is a register given twice */
	struct import_file two[] = { { &entity_department, IMPORT_CSV, "name\nX\n", 7 },
				     { &entity_department, IMPORT_CSV, "name\nY\n", 7 } };
	assert_int_equal(import_files(&f->c, two, 2, false, NULL, &rep), ERR_INVALID);
	expect(&rep, (struct want[]){ { 0, NULL, "given twice" } }, 1);
	/* a message quotes a long cell only in part */
	struct buf b;
	buf_init(&b, 0);
	buf_adds(&b, "t,ref_id\nLong,");
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "\xC3\xA9");
	buf_addc(&b, '\n');
	assert_int_equal(import_csv(&f->c, &entity_probe, b.p, b.len, false, &rep), ERR_INVALID);
	expect(&rep, (struct want[]){ { 2, "ref_id", "...'" } }, 1);
	assert_true(strlen(rep.errors[0].message) < 200);
	assert_true(str_valid_utf8(rep.errors[0].message, strlen(rep.errors[0].message)));
	buf_free(&b);
}

/* A row the database itself refuses (a unique pair, not a field of its own) is rolled back
 * to its savepoint: on PostgreSQL the transaction would otherwise be lost for every later
 * row. */
static void test_store_conflict(void **state)
{
	struct fx *f = *state;
	int64_t fw = create(f, &entity_framework,
			    (const char *[]){ "code", "fw", "name", "Framework", NULL });
	for (int i = 1; i <= 3; i++)
		create(f, &entity_catalog_control,
		       (const char *[]){ "framework_id", num(f, fw), "control_id",
					 arena_printf(&f->a, "C%d", i), "title", "A control",
					 NULL });
	/* a mapping's pair is unique in the table, not in a field */
	const char *csv = "from_id,to_id\nfw C1,fw C2\nfw C1,fw C2\nfw C1,fw C3\n";
	struct import_report rep;
	assert_int_equal(import(f, &entity_control_mapping, csv, false, &rep), ERR_INVALID);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(rep.errors[0].row, 3);
	assert_int_equal(count(f, "SELECT count(*) FROM control_mappings"), 0);
	assert_int_equal(import(f, &entity_control_mapping, csv, true, &rep), ERR_OK);
	assert_int_equal(rep.created, 2);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM control_mappings"), 2);
	/* each such row costs a pass: past 32 of them the rest is not checked, nothing stored */
	struct buf b;
	buf_init(&b, 0);
	buf_adds(&b, "from_id,to_id\n");
	for (int i = 0; i < 40; i++)
		buf_adds(&b, "fw C1,fw C2\n");
	assert_int_equal(import_csv(&f->c, &entity_control_mapping, b.p, b.len, true, &rep),
			 ERR_INVALID);
	assert_int_equal(rep.nerrors, 33);
	assert_int_equal(rep.errors[32].row, 33);
	assert_non_null(strstr(rep.errors[32].message, "the rows after it were not checked"));
	assert_int_equal(count(f, "SELECT count(*) FROM control_mappings"), 2);
	buf_free(&b);
	assert_audit_holds(f);
}

/* A refused row leaves nothing behind, even what a derive hook wrote before refusing it. */
static void test_derive_writes(void **state)
{
	struct fx *f = *state;
	const char *csv = "t,n\nA,1\nB,-1\nC,2\n";
	struct import_report rep;
	assert_int_equal(import(f, &entity_logged, csv, false, &rep), ERR_INVALID);
	expect(&rep, (struct want[]){ { 3, "n", "must not be negative here" } }, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM probe_log"), 0);
	assert_int_equal(import(f, &entity_logged, csv, true, &rep), ERR_OK);
	expect(&rep, (struct want[]){ { 3, "n", "must not be negative here" } }, 1);
	assert_int_equal(rep.created, 2);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM probes"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM probe_log"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM probe_log WHERE t = 'B'"), 0);
}

/* ---- errors ---- */

static void test_header_errors(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *csv;
		enum err err;
		struct want w[4];
		size_t n;
	} cases[] = {
		{ "", ERR_INVALID, { { 1, NULL, "is empty" } }, 1 },
		{ "\r\nt\r\nx\r\n", ERR_INVALID, { { 1, NULL, "is empty" } }, 1 },
		{ "t,colour\nx,red\n",
		  ERR_INVALID,
		  { { 1, "colour", "is not a field of Probes" } },
		  1 },
		{ "t,Number\n", ERR_INVALID, { { 1, "Number", "did you mean n?" } }, 1 },
		{ "T\n",
		  ERR_INVALID,
		  { { 1, "T", "did you mean t?" }, { 1, "t", "is required" } },
		  2 },
		{ "t,n,n\n", ERR_INVALID, { { 1, "n", "appears twice" } }, 1 },
		{ "n,kind\n",
		  ERR_INVALID,
		  { { 1, "t", "is required, but the file has no column" } },
		  1 },
		{ "t,\"\xff\"\n",
		  ERR_INVALID,
		  { { 1, NULL, "column 2 is named by no field" } },
		  1 },
		{ "t,x\"y\n", ERR_BAD_REQUEST, { { 1, NULL, "has a quote inside a cell" } }, 1 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct import_report rep;
		assert_int_equal(import(f, &entity_probe, cases[i].csv, true, &rep), cases[i].err);
		expect(&rep, cases[i].w, cases[i].n);
		assert_int_equal(rep.created, 0);
	}
	/* accepted: system columns, spaces around names, an unnamed empty column, a BOM; no
	 * kind column (it has a default) */
	struct import_report rep;
	assert_int_equal(import(f, &entity_probe,
				"\xEF\xBB\xBFid, t ,version,created_at,updated_at,\r\n"
				"99,Kept,7,2000-01-01T00:00:00Z,2000-01-01T00:00:00Z,\r\n",
				false, &rep),
			 ERR_OK);
	assert_int_equal(rep.created, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM probes WHERE t = 'Kept' AND kind = 'a'"
				  " AND version = 1 AND id <> 99"),
			 1);
}

static void test_row_errors(void **state)
{
	struct fx *f = *state;
	create(f, &entity_probe, (const char *[]){ "t", "Stored", NULL });
	const char *csv = arena_printf(
		&f->a,
		"t,n,lvl,kind,flag,ref_id,day,at,mail,body\r\n"
		"Good one,1,1,a,true,#%lld,2026-01-01,2026-01-01T00:00:00Z,x@example.org,\r\n" /* 2
												*/
		"Bad kind,,,c,,,,,,\r\n"			   /* 3 */
		",5,,,,,,,,\r\n"				   /* 4 */
		"Dangling,,,,,#999999,,,,\r\n"			   /* 5 */
		"Good one,,,,,,,,,\r\n"				   /* 6 */
		"Stored,,,,,,,,,\r\n"				   /* 7 */
		"Types,x,3,,yes,abc,2026-02-30,noon,not-mail,\r\n" /* 8 */
		"\"Multi\nline\",,,,,,,,,\"a\r\nb\"\r\n"	   /* 9 */
		"Short,1\r\n"					   /* 10 */
		",,,,,,,,,\r\n"					   /* 11: blank */
		"Range,1001,,,,,,,,\r\n"			   /* 12 */
		"Extra,,,,,,,,,,,\r\n"				   /* 13: empty extras */
		"Extra value,,,,,,,,,,x\r\n"			   /* 14 */
		" Spaced,,,,,,,,,\r\n",				   /* 15 */
		(long long)f->dept);
	static const struct want w[] = {
		{ 3, "kind", "must be one of: a, b" },
		{ 4, "t", "is required" },
		{ 5, "ref_id", "refers to a Department that does not exist" },
		{ 6, "t", "is already used by another record" },
		{ 7, "t", "is already used by another record" },
		{ 8, "n", "must be a whole number" },
		{ 8, "flag", "must be true or false" },
		{ 8, "ref_id", "no Department has the code or name 'abc'" },
		{ 8, "day", "must be a valid date" },
		{ 8, "at", "must be a valid timestamp" },
		{ 8, "lvl", "must be a level from 1 to 2" },
		{ 8, "mail", "must be an e-mail address" },
		{ 9, "t", "contains control characters" },
		{ 10, NULL, "has 2 cells, but the header has 10" },
		{ 12, "n", "must be between -1000 and 1000" },
		{ 14, NULL, "has a value in column 11" },
		{ 15, "t", "must not start or end with a space" },
	};
	int64_t events = audit_events(f);
	struct import_report rep;
	assert_int_equal(import(f, &entity_probe, csv, false, &rep), ERR_INVALID);
	expect(&rep, w, N(w));
	assert_int_equal(rep.rows, 13);
	assert_int_equal(rep.failed, 11);
	assert_int_equal(rep.created, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM probes"), 1);
	assert_int_equal(audit_events(f), events);
	/* partial: the valid rows (2 and 13) are kept, the same errors reported */
	assert_int_equal(import(f, &entity_probe, csv, true, &rep), ERR_OK);
	expect(&rep, w, N(w));
	assert_int_equal(rep.created, 2);
	assert_int_equal(rep.failed, 11);
	assert_int_equal(count(f, "SELECT count(*) FROM probes"), 3);
	assert_int_equal(audit_events(f), events + 2);
	/* again: every row is refused now, so nothing is imported even with partial */
	assert_int_equal(import(f, &entity_probe, csv, true, &rep), ERR_INVALID);
	assert_int_equal(rep.failed, 13);
	assert_int_equal(count(f, "SELECT count(*) FROM probes"), 3);
	/* a file that is not CSV past row 2 is refused whole, partial or not */
	assert_int_equal(import(f, &entity_probe, "t\nFine\nbro\"ken\nFine 2\n", true, &rep),
			 ERR_BAD_REQUEST);
	expect(&rep, (struct want[]){ { 3, NULL, "has a quote inside a cell" } }, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM probes"), 3);
	/* a file that is not UTF-8 (Latin-1 "café") */
	assert_int_equal(import(f, &entity_probe, "t\ncaf\xe9\n", false, &rep), ERR_INVALID);
	expect(&rep, (struct want[]){ { 2, "t", "is not valid UTF-8" } }, 1);
}

static enum err refuse_dept2(void *arg, const struct entity *e, const struct record *before,
			     const struct record *after)
{
	struct fx *f = arg;
	const struct value *v = model_get(after, e->dept_column);
	(void)before;
	return v && v->set && !v->null && v->i == f->dept2 ? ERR_FORBIDDEN : ERR_OK;
}

/* The caller's write guard is asked for every row, like for a form. */
static void test_guard(void **state)
{
	struct fx *f = *state;
	f->c.guard = refuse_dept2;
	f->c.guard_arg = f;
	const char *csv =
		arena_printf(&f->a, "name,type,owner_id,department_id,confidentiality,integrity,"
				    "availability\n"
				    "Mine,server,ann@example.org,Operations,1,1,1\n"
				    "Theirs,server,ann@example.org,Finance,1,1,1\n");
	struct import_report rep;
	assert_int_equal(import(f, &entity_asset, csv, false, &rep), ERR_INVALID);
	expect(&rep, (struct want[]){ { 3, "department_id", "outside what you may create" } }, 1);
	assert_int_equal(import(f, &entity_asset, csv, true, &rep), ERR_OK);
	assert_int_equal(rep.created, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM assets"), 1);
	f->c.guard = NULL;
}

/* More than 100,000 rows is refused whole, before a row is checked; exactly 100,000 are read
 * to the end, the error list stopping at 1000 but counting all. */
static void test_row_cap(void **state)
{
	struct fx *f = *state;
	struct buf b;
	buf_init(&b, 0);
	buf_adds(&b, "t,n\n");
	/* rows of the wrong shape are refused before any SQL: quick to count */
	for (int i = 0; i <= IMPORT_MAX_ROWS; i++)
		buf_adds(&b, "x\n");
	struct import_report rep;
	/* refused before any row is checked */
	assert_int_equal(import_csv(&f->c, &entity_probe, b.p, b.len, true, &rep), ERR_TOO_LARGE);
	assert_int_equal(rep.rows, IMPORT_MAX_ROWS + 1);
	assert_int_equal(rep.failed, 0);
	expect(&rep, (struct want[]){ { IMPORT_MAX_ROWS + 2, NULL, "one row too many" } }, 1);
	assert_int_equal(rep.created, 0);
	/* exactly 100,000 rows are read to the end */
	buf_truncate(&b, b.len - 2);
	assert_int_equal(import_csv(&f->c, &entity_probe, b.p, b.len, true, &rep), ERR_INVALID);
	assert_int_equal(rep.rows, IMPORT_MAX_ROWS);
	assert_int_equal(rep.failed, IMPORT_MAX_ROWS);
	assert_int_equal(rep.nerrors, IMPORT_MAX_ERRORS);
	assert_true(rep.truncated);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_reader_caps),
		cmocka_unit_test_setup_teardown(test_round_trip_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_derive_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_cap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
