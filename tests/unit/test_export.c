/* test_export.c - register exports against a temporary database: RFC 4180 encoding, the
 * formula guard on text (never on numbers), every row exactly once across list pages with the
 * caller's sort and filters, the permission scope, XLSX as a zip, and size limits. A register
 * made up here (probes, its table created by hand) holds values forms would refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>

#include "core/authz.h"
#include "core/repo.h"
#include "core/rowcache.h"
#include "io/csv.h"
#include "io/export.h"
#include "testdb.h"

#define N(x)	   (sizeof(x) / sizeof((x)[0]))
#define MAX_ROWS   1200
#define MAX_CELLS  24
#define STAMP	   "2026-01-01T00:00:00Z"
#define PAGED_ROWS 1101 /* three list pages: 500, 500, 101 */

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
static const struct field probe_fields[] = {
	{ .name = "t", .label = "Text", .type = FT_LONGTEXT, .flags = FF_SEARCH },
	{ .name = "n", .label = "Number", .type = FT_INT },
	{ .name = "lvl", .label = "Level", .type = FT_INT, .choices = probe_levels },
	{ .name = "kind", .label = "Kind", .type = FT_ENUM, .choices = probe_kinds },
	{ .name = "flag", .label = "Flag", .type = FT_BOOL },
	{ .name = "ref_id", .label = "Ref", .type = FT_REF, .ref = "department" },
};
/* characters Excel refuses in a sheet name, and more than 31 of them */
static const struct entity entity_probe = {
	.name = "probe",
	.plural = "probes",
	.title = "Probe",
	.title_plural = "Probes: [odd]/names?* and a long tail",
	.fields = probe_fields,
	.nfields = N(probe_fields),
	.label_field = "t",
};

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
	int64_t dept, person;	/* Operations, Ann */
	int64_t dept2, person2; /* Finance, Bob */
	char tmpdir[64];	/* TMPDIR during the test: the XLSX scratch files go here */
};

/* ---- helpers ---- */

static const char *num(struct fx *f, int64_t v)
{
	return arena_printf(&f->a, "%lld", (long long)v);
}

/* Creates a record through the repository from name/value pairs ending with NULL. */
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

static int64_t asset(struct fx *f, const char *name, int64_t owner, int64_t dept)
{
	const char *kv[] = { "name",
			     name,
			     "type",
			     "server",
			     "owner_id",
			     num(f, owner),
			     "department_id",
			     num(f, dept),
			     "confidentiality",
			     "2",
			     "integrity",
			     "2",
			     "availability",
			     "2",
			     NULL };
	return create(f, &entity_asset, kv);
}

/* A probe row written directly: values no form would accept are what the guard is for. */
static void probe(struct fx *f, int64_t id, const char *t, int64_t n, int64_t lvl, const char *kind,
		  int64_t flag, int64_t ref)
{
	assert_int_equal(db_run(f->db,
				"INSERT INTO probes (id, t, n, lvl, kind, flag, ref_id, version,"
				" created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1,"
				" $8, $8)",
				"isirsirs", id, t, n, lvl, kind, flag, ref, STAMP),
			 ERR_OK);
}

/* Exports e with query parameters (name/value pairs ending with NULL). */
static enum err run_export(struct fx *f, const struct entity *e, const char *const *params,
			   const struct list_query *scope, enum export_format fmt, struct buf *out)
{
	struct list_query *lq = arena_alloc(&f->a, sizeof(*lq));
	assert_non_null(lq);
	if (scope)
		*lq = *scope;
	else
		list_query_init(lq);
	for (size_t i = 0; params && params[i]; i += 2) {
		const char *why = NULL;
		if (list_query_param(&f->a, e, lq, params[i], params[i + 1], &why))
			fail_msg("%s=%s: %s", params[i], params[i + 1], why);
	}
	return export_register(&f->c, e, lq, fmt, NULL, out);
}

struct table {
	size_t nrows;
	struct table_row {
		size_t n;
		char *cells[MAX_CELLS];
	} rows[MAX_ROWS];
};

/* An RFC 4180 reader that refuses anything loose: bare LF, text after a closing quote, a quote
 * inside an unquoted field, a record not ended by CRLF. */
static struct table *csv_read(struct fx *f, const char *s, size_t n)
{
	struct table *t = arena_alloc(&f->a, sizeof(*t));
	assert_non_null(t);
	size_t i = 0;
	while (i < n) {
		assert_true(t->nrows < MAX_ROWS);
		struct table_row *r = &t->rows[t->nrows++];
		for (;;) {
			struct buf cell;
			buf_init(&cell, 0);
			if (i < n && s[i] == '"') {
				for (i++;; i++) {
					assert_true(i < n);
					if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
						buf_addc(&cell, s[i++]);
					else if (s[i] == '"')
						break;
					else
						buf_addc(&cell, s[i]);
				}
				i++;
			} else {
				for (; i < n && s[i] != ',' && s[i] != '\r'; i++) {
					assert_true(s[i] != '"' && s[i] != '\n');
					buf_addc(&cell, s[i]);
				}
			}
			assert_true(r->n < MAX_CELLS);
			r->cells[r->n++] = arena_strdup(&f->a, buf_cstr(&cell));
			buf_free(&cell);
			assert_true(i < n);
			if (s[i] == ',') {
				i++;
				continue;
			}
			assert_true(i + 1 < n && s[i] == '\r' && s[i + 1] == '\n');
			i += 2;
			break;
		}
	}
	return t;
}

static int column_of(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->rows[0].n; i++)
		if (strcmp(t->rows[0].cells[i], name) == 0)
			return (int)i;
	fail_msg("no column %s", name);
	return -1;
}

/* The ids of a CSV export's data rows, in order. */
static size_t csv_ids(const struct table *t, int64_t *ids, size_t max)
{
	int at = column_of(t, "id");
	assert_true(t->nrows - 1 <= max);
	for (size_t i = 1; i < t->nrows; i++)
		assert_true(str_parse_i64(t->rows[i].cells[at], &ids[i - 1]));
	return t->nrows - 1;
}

static bool has_bytes(const char *p, size_t n, const char *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return true;
	return false;
}

static bool has(const char *p, size_t n, const char *needle)
{
	return has_bytes(p, n, needle, strlen(needle));
}

/* Whether the test's TMPDIR holds no file: XLSX scratch files must not outlive an export. */
static bool tmpdir_empty(struct fx *f)
{
	DIR *d = opendir(f->tmpdir);
	assert_non_null(d);
	bool empty = true;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

/* ---- fixture ---- */

static int setup(void **state)
{
	/* list totals are cached by (query, register version): start every register at a
	 * version no earlier test reached, so no total outlives its database */
	static int64_t runs;
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !(f->db = testdb_open()))
		return -1;
	runs++;
	for (size_t i = 0; i <= model_registry_count(); i++) {
		const char *name =
			i < model_registry_count() ? model_registry_at(i)->name : "probe";
		if (db_run(f->db, "INSERT INTO register_versions (entity, version) VALUES ($1, $2)",
			   "si", name, runs * 1000000))
			return -1;
	}
	if (db_exec(f->db, "CREATE TABLE probes (id BIGINT PRIMARY KEY, t TEXT, n BIGINT,"
			   " lvl BIGINT, kind TEXT, flag BIGINT, ref_id BIGINT,"
			   " version BIGINT NOT NULL, created_at TEXT NOT NULL,"
			   " updated_at TEXT NOT NULL)"))
		return -1;
	snprintf(f->tmpdir, sizeof(f->tmpdir), "/tmp/custos-export-test-XXXXXX");
	if (!mkdtemp(f->tmpdir) || setenv("TMPDIR", f->tmpdir, 1) != 0)
		return -1;
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &who };
	*state = f;
	f->dept = create(f, &entity_department, (const char *[]){ "name", "Operations", NULL });
	f->dept2 = create(f, &entity_department, (const char *[]){ "name", "Finance", NULL });
	f->person = create(f, &entity_person,
			   (const char *[]){ "name", "Ann", "email", "ann@example.org",
					     "department_id", num(f, f->dept), NULL });
	f->person2 = create(f, &entity_person,
			    (const char *[]){ "name", "Bob", "email", "bob@example.org",
					      "department_id", num(f, f->dept2), NULL });
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	rowcache_clear();
	unsetenv("TMPDIR");
	rmdir(f->tmpdir);
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

/* ---- formats ---- */

static void test_formats(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
		enum export_format fmt;
		const char *ext, *type;
	} cases[] = {
		{ "csv", true, EXPORT_CSV, "csv", "text/csv; charset=utf-8" },
		{ "xlsx", true, EXPORT_XLSX, "xlsx",
		  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "json", true, EXPORT_JSON, "json", "application/json" },
		{ "CSV", false, 0, NULL, NULL },
		{ "xls", false, 0, NULL, NULL },
		{ "csv ", false, 0, NULL, NULL },
		{ "", false, 0, NULL, NULL },
	};
	for (size_t i = 0; i < N(cases); i++) {
		enum export_format fmt = EXPORT_JSON;
		assert_int_equal(export_format_parse(cases[i].in, &fmt), cases[i].ok);
		if (!cases[i].ok)
			continue;
		assert_int_equal(fmt, cases[i].fmt);
		assert_string_equal(export_extension(fmt), cases[i].ext);
		assert_string_equal(export_content_type(fmt), cases[i].type);
	}
	enum export_format fmt;
	assert_false(export_format_parse(NULL, &fmt));
}

/* ---- CSV ---- */

static void test_csv_field(void **state)
{
	(void)state;
	static const struct {
		const char *prefix, *in, *out;
	} cases[] = {
		{ NULL, "plain", "plain" },
		{ NULL, "", "" },
		{ NULL, "a,b", "\"a,b\"" },
		{ NULL, "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ NULL, "\"", "\"\"\"\"" },
		{ NULL, "line 1\nline 2", "\"line 1\nline 2\"" },
		{ NULL, "line 1\r\nline 2", "\"line 1\r\nline 2\"" },
		{ NULL, "ends\r", "\"ends\r\"" },
		{ NULL, " spaced ", " spaced " },
		{ NULL, "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "'", "=1+1", "'=1+1" },
		{ "'", "=A1,B1", "\"'=A1,B1\"" },
		{ "'", "\rx", "\"'\rx\"" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct buf b;
		buf_init(&b, 0);
		csv_field(&b, true, cases[i].prefix, cases[i].in, strlen(cases[i].in));
		assert_string_equal(buf_cstr(&b), cases[i].out);
		/* not first: a separating comma, then the same field */
		buf_reset(&b);
		csv_field(&b, false, cases[i].prefix, cases[i].in, strlen(cases[i].in));
		assert_int_equal(b.p[0], ',');
		assert_string_equal(b.p + 1, cases[i].out);
		csv_end_record(&b);
		assert_int_equal(b.len, strlen(cases[i].out) + 3);
		assert_memory_equal(b.p + b.len - 2, "\r\n", 2);
		buf_free(&b);
	}
}

/* Stored values, not labels; null as an empty field; the header is the field names; a
 * reference as its record's natural key. */
static void test_csv_values(void **state)
{
	struct fx *f = *state;
	probe(f, 1, "a,b \"q\"\nline 2", -5, 2, "b", 1, f->dept);
	probe(f, 2, NULL, 0, 0, NULL, 0, 0);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(run_export(f, &entity_probe, NULL, NULL, EXPORT_CSV, &out), ERR_OK);
	char want[512];
	snprintf(want, sizeof(want),
		 "id,t,n,lvl,kind,flag,ref_id,version,created_at,updated_at\r\n"
		 "1,\"a,b \"\"q\"\"\nline 2\",-5,2,b,true,Operations,1," STAMP "," STAMP "\r\n"
		 "2,,0,,,false,,1," STAMP "," STAMP "\r\n");
	assert_string_equal(buf_cstr(&out), want);
	buf_free(&out);

	/* a real register: the same columns as its JSON, quoted where needed */
	int64_t id = asset(f, "Rack \"A\", row 2", f->person, f->dept);
	buf_init(&out, 0);
	assert_int_equal(run_export(f, &entity_asset, NULL, NULL, EXPORT_CSV, &out), ERR_OK);
	struct table *t = csv_read(f, out.p, out.len);
	assert_int_equal(t->nrows, 2);
	assert_int_equal(t->rows[0].n, entity_asset.nfields + model_system_nfields);
	assert_string_equal(t->rows[0].cells[0], "id");
	for (size_t i = 0; i < entity_asset.nfields; i++)
		assert_string_equal(t->rows[0].cells[i + 1], entity_asset.fields[i].name);
	assert_string_equal(t->rows[1].cells[column_of(t, "id")], num(f, id));
	assert_string_equal(t->rows[1].cells[column_of(t, "name")], "Rack \"A\", row 2");
	assert_string_equal(t->rows[1].cells[column_of(t, "type")], "server");
	assert_string_equal(t->rows[1].cells[column_of(t, "owner_id")], "ann@example.org");
	assert_string_equal(t->rows[1].cells[column_of(t, "department_id")], "Operations");
	assert_string_equal(t->rows[1].cells[column_of(t, "status")], "in_use");
	assert_string_equal(t->rows[1].cells[column_of(t, "review_on")], "");
	assert_true(has(out.p, out.len, "\"Rack \"\"A\"\", row 2\""));
	buf_free(&out);
}

/* Text starting with = + - @ TAB or CR gets an apostrophe; numbers never do. */
static void test_formula_guard(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *text;
		bool guarded;
	} cases[] = {
		{ "=HYPERLINK(\"http://x\",\"y\")", true },
		{ "+1+1", true },
		{ "-1+1", true },
		{ "@SUM(A1:A2)", true },
		{ "\t=1", true },
		{ "\r=1", true },
		{ "-7", true },
		{ "a=b", false },
		{ " =1", false },
		{ "'quoted", false },
		{ "", false },
	};
	for (size_t i = 0; i < N(cases); i++)
		probe(f, (int64_t)i + 1, cases[i].text, -7, 1, "a", 0, 0);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(run_export(f, &entity_probe, NULL, NULL, EXPORT_CSV, &out), ERR_OK);
	struct table *t = csv_read(f, out.p, out.len);
	assert_int_equal(t->nrows, N(cases) + 1);
	int tc = column_of(t, "t"), nc = column_of(t, "n"), ic = column_of(t, "id");
	for (size_t r = 1; r < t->nrows; r++) {
		int64_t id;
		assert_true(str_parse_i64(t->rows[r].cells[ic], &id));
		const char *text = cases[id - 1].text;
		const char *want = cases[id - 1].guarded ? arena_printf(&f->a, "'%s", text) : text;
		if (strcmp(t->rows[r].cells[tc], want) != 0)
			fail_msg("'%s' exported as '%s'", text, t->rows[r].cells[tc]);
		assert_string_equal(t->rows[r].cells[nc], "-7"); /* a number: never prefixed */
	}
	buf_free(&out);
	/* JSON is data, not a spreadsheet: the text is exactly as stored */
	buf_init(&out, 0);
	assert_int_equal(run_export(f, &entity_probe, NULL, NULL, EXPORT_JSON, &out), ERR_OK);
	json_t *j = json_loads(buf_cstr(&out), 0, NULL);
	assert_non_null(j);
	size_t k;
	json_t *item;
	json_array_foreach(json_object_get(j, "items"), k, item)
	{
		int64_t id = json_integer_value(json_object_get(item, "id"));
		assert_string_equal(json_string_value(json_object_get(item, "t")),
				    cases[id - 1].text);
		assert_int_equal(json_integer_value(json_object_get(item, "n")), -7);
	}
	json_decref(j);
	buf_free(&out);
}

/* ---- pages ---- */

static void test_every_page_once(void **state)
{
	struct fx *f = *state;
	assert_int_equal(db_begin(f->db), ERR_OK);
	for (int64_t i = 1; i <= PAGED_ROWS; i++)
		/* n repeats, so equal sort keys straddle the page boundaries */
		probe(f, i, i % 2 ? "odd" : "even", i % 300, 1, "a", 0, 0);
	assert_int_equal(db_commit(f->db), ERR_OK);

	static int64_t ids[MAX_ROWS];
	struct buf out;
	buf_init(&out, 0);
	const char *sorted[] = { "sort", "-n", NULL };
	assert_int_equal(run_export(f, &entity_probe, sorted, NULL, EXPORT_CSV, &out), ERR_OK);
	struct table *t = csv_read(f, out.p, out.len);
	size_t n = csv_ids(t, ids, MAX_ROWS);
	assert_int_equal(n, PAGED_ROWS);
	static bool seen[PAGED_ROWS + 1];
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < n; i++) {
		assert_true(ids[i] >= 1 && ids[i] <= PAGED_ROWS);
		assert_false(seen[ids[i]]);
		seen[ids[i]] = true;
		/* the caller's sort is kept: n descending, then id */
		if (i) {
			int64_t a = ids[i - 1] % 300, b = ids[i] % 300;
			assert_true(a > b || (a == b && ids[i - 1] < ids[i]));
		}
	}
	buf_free(&out);

	/* a filter and a search: exactly the matching rows, from every page */
	const char *filtered[] = { "n.gte", "150", "q", "odd", NULL };
	buf_init(&out, 0);
	assert_int_equal(run_export(f, &entity_probe, filtered, NULL, EXPORT_CSV, &out), ERR_OK);
	t = csv_read(f, out.p, out.len);
	n = csv_ids(t, ids, MAX_ROWS);
	size_t want = 0;
	for (int64_t i = 1; i <= PAGED_ROWS; i++)
		want += i % 300 >= 150 && i % 2;
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++)
		assert_true(ids[i] % 300 >= 150 && ids[i] % 2);
	buf_free(&out);

	/* JSON: every row, and total counts them */
	buf_init(&out, 0);
	assert_int_equal(run_export(f, &entity_probe, NULL, NULL, EXPORT_JSON, &out), ERR_OK);
	json_t *j = json_loads(buf_cstr(&out), JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 2);
	assert_int_equal(json_array_size(json_object_get(j, "items")), PAGED_ROWS);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), PAGED_ROWS);
	json_decref(j);
	buf_free(&out);

	/* the caller's limit and cursor do not cut the export */
	struct list_query lq;
	list_query_init(&lq);
	lq.limit = 3;
	lq.cursor = "garbage";
	buf_init(&out, 0);
	assert_int_equal(run_export(f, &entity_probe, NULL, &lq, EXPORT_CSV, &out), ERR_OK);
	assert_int_equal(csv_ids(csv_read(f, out.p, out.len), ids, MAX_ROWS), PAGED_ROWS);
	buf_free(&out);
}

/* ---- scope ---- */

static void test_scope(void **state)
{
	struct fx *f = *state;
	int64_t ann[3], bob[2];
	for (size_t i = 0; i < N(ann); i++)
		ann[i] = asset(f, arena_printf(&f->a, "Ann %zu", i), f->person, f->dept);
	for (size_t i = 0; i < N(bob); i++)
		bob[i] = asset(f, arena_printf(&f->a, "Bob %zu", i), f->person2, f->dept2);
	static const struct {
		unsigned scope;
		bool ann_person, ann_dept, scoped;
		size_t want; /* 3 bits: Ann's, 2 bits: Bob's */
	} cases[] = {
		{ SCOPE_OWN, true, false, true, 0x07 },	 { SCOPE_DEPT, false, true, true, 0x07 },
		{ SCOPE_ALL, false, false, true, 0x1f }, { 0, false, false, false, 0x1f },
		{ SCOPE_OWN, false, false, true, 0 },
	};
	for (size_t c = 0; c < N(cases); c++) {
		struct list_query lq;
		list_query_init(&lq);
		lq.scoped = cases[c].scoped;
		lq.scope = cases[c].scope;
		lq.scope_person = cases[c].ann_person ? f->person : 0;
		lq.scope_department = cases[c].ann_dept ? f->dept : 0;
		for (enum export_format fmt = EXPORT_CSV; fmt <= EXPORT_JSON; fmt++) {
			if (fmt == EXPORT_XLSX)
				continue;
			struct buf out;
			buf_init(&out, 0);
			assert_int_equal(run_export(f, &entity_asset, NULL, &lq, fmt, &out),
					 ERR_OK);
			int64_t ids[8];
			size_t n = 0;
			if (fmt == EXPORT_CSV) {
				n = csv_ids(csv_read(f, out.p, out.len), ids, N(ids));
			} else {
				json_t *j = json_loads(buf_cstr(&out), 0, NULL);
				json_t *items = json_object_get(j, "items");
				assert_true(json_array_size(items) <= N(ids));
				for (; n < json_array_size(items); n++)
					ids[n] = json_integer_value(
						json_object_get(json_array_get(items, n), "id"));
				assert_int_equal(json_integer_value(json_object_get(j, "total")),
						 n);
				json_decref(j);
			}
			size_t got = 0;
			for (size_t i = 0; i < n; i++)
				for (size_t k = 0; k < 5; k++)
					if (ids[i] == (k < 3 ? ann[k] : bob[k - 3]))
						got |= (size_t)1 << k;
			assert_int_equal(n, (size_t)__builtin_popcountl(cases[c].want));
			if (got != cases[c].want)
				fail_msg("case %zu format %d: rows 0x%zx, want 0x%zx", c, fmt, got,
					 cases[c].want);
			buf_free(&out);
		}
	}
}

/* A reader that may list every department but Ann's people only. */
static bool ann_only(void *arg, const struct entity *e, struct list_query *lq)
{
	struct fx *f = arg;
	if (e == &entity_person) {
		lq->scoped = true;
		lq->scope = SCOPE_OWN;
		lq->scope_person = f->person;
	}
	return e != &entity_risk;
}

/* References: the key of the record (its code, else its name; an e-mail), the same in XLSX;
 * "#id" for a record the reader may not list, whose key would tell what it may not see; ids
 * in JSON. */
static void test_references(void **state)
{
	struct fx *f = *state;
	assert_int_equal(
		db_run(f->db, "UPDATE departments SET code = 'FIN' WHERE id = $1", "i", f->dept2),
		ERR_OK);
	asset(f, "Ann's", f->person, f->dept);
	asset(f, "Bob's", f->person2, f->dept2);
	struct list_query lq;
	list_query_init(&lq);
	const char *why;
	assert_int_equal(list_query_param(&f->a, &entity_asset, &lq, "sort", "name", &why), ERR_OK);
	struct key_reader rd = { ann_only, f };
	for (int scoped = 0; scoped < 2; scoped++) {
		struct buf out;
		buf_init(&out, 0);
		assert_int_equal(export_register(&f->c, &entity_asset, &lq, EXPORT_CSV,
						 scoped ? &rd : NULL, &out),
				 ERR_OK);
		struct table *t = csv_read(f, out.p, out.len);
		assert_int_equal(t->nrows, 3);
		int o = column_of(t, "owner_id"), d = column_of(t, "department_id");
		assert_string_equal(t->rows[1].cells[o], "ann@example.org");
		assert_string_equal(t->rows[1].cells[d], "Operations");
		assert_string_equal(t->rows[2].cells[o],
				    scoped ? arena_printf(&f->a, "#%lld", (long long)f->person2)
					   : "bob@example.org");
		assert_string_equal(t->rows[2].cells[d], "FIN");
		buf_free(&out);
	}
	/* JSON keeps ids: the API's contract */
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(export_register(&f->c, &entity_asset, &lq, EXPORT_JSON, NULL, &out),
			 ERR_OK);
	assert_true(has(out.p, out.len,
			arena_printf(&f->a, "\"owner_id\":%lld", (long long)f->person2)));
	buf_free(&out);
}

/* ---- XLSX ---- */

static void test_xlsx(void **state)
{
	struct fx *f = *state;
	probe(f, 1, "=1+1", -3, 2, "a", 1, f->dept);
	probe(f, 2, NULL, 0, 0, NULL, 0, 0);
	asset(f, "Mail server", f->person, f->dept);
	const struct entity *es[] = { &entity_probe, &entity_asset };
	for (size_t i = 0; i < N(es); i++) {
		struct buf out;
		buf_init(&out, 0);
		assert_int_equal(run_export(f, es[i], NULL, NULL, EXPORT_XLSX, &out), ERR_OK);
		assert_true(out.len > 1000);
		/* a zip: local file header first, the end of the central directory last */
		assert_memory_equal(out.p, "PK\x03\x04", 4);
		assert_true(has_bytes(out.p + out.len - 64, 64, "PK\x05\x06", 4));
		/* its entries' names are stored uncompressed */
		assert_true(has(out.p, out.len, "xl/worksheets/sheet1.xml"));
		assert_true(has(out.p, out.len, "xl/workbook.xml"));
		assert_false(has(out.p, out.len, "xl/worksheets/sheet2.xml"));
		buf_free(&out);
		assert_true(tmpdir_empty(f));
	}
}

/* ---- limits ---- */

static void test_too_large(void **state)
{
	struct fx *f = *state;
	for (int64_t i = 1; i <= 20; i++)
		probe(f, i, "a row of some length, repeated", i, 1, "a", 0, 0);
	for (enum export_format fmt = EXPORT_CSV; fmt <= EXPORT_JSON; fmt++) {
		struct buf out;
		buf_init(&out, 256);
		buf_adds(&out, "kept");
		assert_int_equal(run_export(f, &entity_probe, NULL, NULL, fmt, &out),
				 ERR_TOO_LARGE);
		/* what the caller had is still there, unless the buffer itself failed */
		if (!buf_failed(&out))
			assert_string_equal(buf_cstr(&out), "kept");
		buf_free(&out);
		assert_true(tmpdir_empty(f));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test_setup_teardown(test_csv_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_formula_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_page_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
