/* test_repo.c - generated SQL for every register: writes with their audit events, validation
 * that writes nothing, lists with filters, sort, keyset cursors, scope and cached totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/authz.h"
#include "core/repo.h"
#include "core/rowcache.h"
#include "testdb.h"

static const struct actor who = { 1, "ism@example.org" };

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
	int64_t dept, person;
};

static int64_t count(struct db *db, const char *sql)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, sql, &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static void set(struct fx *f, struct record *r, const char *name, const char *text)
{
	int i = model_field_index(r->e, name);
	assert_true(i >= 0);
	const char *why;
	assert_true(model_parse_text(&f->a, &r->e->fields[i], text, strlen(text), &r->v[i], &why));
}

static enum err make_asset(struct fx *f, const char *name, const char *conf, const char *review,
			   int64_t *id, struct verrors *ve)
{
	struct record *r = model_record_new(&f->a, &entity_asset);
	char num[24];
	set(f, r, "name", name);
	set(f, r, "type", "server");
	snprintf(num, sizeof(num), "%lld", (long long)f->person);
	set(f, r, "owner_id", num);
	snprintf(num, sizeof(num), "%lld", (long long)f->dept);
	set(f, r, "department_id", num);
	set(f, r, "confidentiality", conf);
	set(f, r, "integrity", "2");
	set(f, r, "availability", "2");
	if (review)
		set(f, r, "review_on", review);
	return repo_create(&f->c, r, ve, id);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->db = testdb_open();
	if (!f->db)
		return -1;
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &who };
	struct verrors ve = { 0 };
	struct record *d = model_record_new(&f->a, &entity_department);
	set(f, d, "name", "Operations");
	if (repo_create(&f->c, d, &ve, &f->dept))
		return -1;
	struct record *p = model_record_new(&f->a, &entity_person);
	set(f, p, "name", "Ann");
	set(f, p, "email", "ann@example.org");
	char num[24];
	snprintf(num, sizeof(num), "%lld", (long long)f->dept);
	set(f, p, "department_id", num);
	if (repo_create(&f->c, p, &ve, &f->person))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	rowcache_clear();
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

static void test_create_audits_in_same_transaction(void **state)
{
	struct fx *f = *state;
	int64_t events = count(f->db, "SELECT count(*) FROM audit_events");
	struct verrors ve = { 0 };
	int64_t id;
	assert_int_equal(make_asset(f, "Server", "3", NULL, &id, &ve), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events + 1);
	struct record *r;
	assert_int_equal(repo_load(&f->c, &entity_asset, id, &r), ERR_OK);
	assert_string_equal(model_get(r, "status")->s, "in_use"); /* default applied */
	assert_int_equal(r->version, 1);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(repo_get_json(&f->c, &entity_asset, id, &b), ERR_OK);
	json_t *j = json_loads(buf_cstr(&b), 0, NULL);
	assert_true(json_is_integer(json_object_get(j, "confidentiality")));
	assert_true(json_is_null(json_object_get(j, "review_on")));
	assert_string_equal(json_string_value(json_object_get(j, "name")), "Server");
	json_decref(j);
	buf_free(&b);
	assert_int_equal(repo_get_json(&f->c, &entity_asset, 999, &b), ERR_NOT_FOUND);
	buf_free(&b);
}

static void test_invalid_writes_nothing(void **state)
{
	struct fx *f = *state;
	int64_t events = count(f->db, "SELECT count(*) FROM audit_events");
	struct verrors ve = { 0 };
	int64_t id;
	assert_int_equal(make_asset(f, "X", "9", NULL, &id, &ve), ERR_INVALID);
	assert_string_equal(ve.items[0].field, "confidentiality");
	/* a reference to nothing */
	f->person = 4242;
	struct verrors ve2 = { 0 };
	assert_int_equal(make_asset(f, "Y", "1", NULL, &id, &ve2), ERR_INVALID);
	assert_string_equal(ve2.items[0].field, "owner_id");
	assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events);
}

static void test_update_and_delete(void **state)
{
	struct fx *f = *state;
	struct verrors ve = { 0 };
	int64_t id;
	assert_int_equal(make_asset(f, "Server", "3", NULL, &id, &ve), ERR_OK);
	struct record *p = model_record_new(&f->a, &entity_asset);
	set(f, p, "location", "Rack 4");
	assert_int_equal(repo_update(&f->c, &entity_asset, id, p, 1, &ve), ERR_OK);
	assert_int_equal(count(f->db, "SELECT version FROM assets"), 2);
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(f->db,
				    "SELECT changes FROM audit_events ORDER BY seq DESC LIMIT 1",
				    &st),
			 ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_string_equal(db_col_text(st, 0, NULL), "{\"location\":[null,\"Rack 4\"]}");
	db_done(st);
	/* same value again: no event, no new version */
	int64_t events = count(f->db, "SELECT count(*) FROM audit_events");
	assert_int_equal(repo_update(&f->c, &entity_asset, id, p, 0, &ve), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"), events);
	assert_int_equal(count(f->db, "SELECT version FROM assets"), 2);
	/* a stale version */
	set(f, p, "location", "Rack 5");
	assert_int_equal(repo_update(&f->c, &entity_asset, id, p, 1, &ve), ERR_PRECONDITION);
	assert_int_equal(repo_delete(&f->c, &entity_asset, id, 1, &ve), ERR_PRECONDITION);
	/* the person is referenced by the asset */
	struct verrors rv = { 0 };
	assert_int_equal(repo_delete(&f->c, &entity_person, f->person, 0, &rv), ERR_CONFLICT);
	assert_non_null(strstr(rv.items[0].message, "Asset"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM people"), 1);
	assert_int_equal(repo_delete(&f->c, &entity_asset, id, 2, &ve), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), 0);
	assert_int_equal(repo_delete(&f->c, &entity_asset, id, 0, &ve), ERR_NOT_FOUND);
}

static void test_unique(void **state)
{
	struct fx *f = *state;
	struct record *d = model_record_new(&f->a, &entity_department);
	set(f, d, "name", "Operations");
	struct verrors ve = { 0 };
	int64_t id;
	assert_int_equal(repo_create(&f->c, d, &ve, &id), ERR_INVALID);
	assert_string_equal(ve.items[0].field, "name");
}

/* Runs a list query given as name=value pairs and returns the parsed JSON. */
static json_t *list(struct fx *f, const char *const *params, const char *cursor)
{
	struct list_query lq;
	list_query_init(&lq);
	const char *why = NULL;
	for (size_t i = 0; params && params[i]; i += 2)
		assert_int_equal(
			list_query_param(&f->a, &entity_asset, &lq, params[i], params[i + 1], &why),
			ERR_OK);
	if (cursor)
		assert_int_equal(
			list_query_param(&f->a, &entity_asset, &lq, "cursor", cursor, &why),
			ERR_OK);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(repo_list_json(&f->c, &entity_asset, &lq, &b, &why), ERR_OK);
	json_t *j = json_loads(buf_cstr(&b), 0, NULL);
	buf_free(&b);
	assert_non_null(j);
	return j;
}

static void fill(struct fx *f)
{
	static const char *const names[] = { "B", "A", "C", "A", "B", "50% off", "500", "A_b" };
	static const char *const reviews[] = { NULL, "2027-01-01", NULL, "2027-02-01", "2027-01-01",
					       NULL, "2027-03-01", NULL };
	for (int i = 0; i < 8; i++) {
		struct verrors ve = { 0 };
		int64_t id;
		char conf[2] = { (char)('1' + i % 4), 0 };
		assert_int_equal(make_asset(f, names[i], conf, reviews[i], &id, &ve), ERR_OK);
	}
}

static void test_list_params_rejected(void **state)
{
	struct fx *f = *state;
	static const char *const bad[][2] = {
		{ "limit", "0" },      { "limit", "501" },	  { "limit", "x" },
		{ "nope", "1" },       { "sort", "description" }, { "sort", "name,name" },
		{ "sort", "name," },   { "type", "rocket" },	  { "type.gte", "server" },
		{ "name.regex", "x" }, { "description", "x" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct list_query lq;
		list_query_init(&lq);
		const char *why = NULL;
		if (list_query_param(&f->a, &entity_asset, &lq, bad[i][0], bad[i][1], &why) !=
		    ERR_BAD_REQUEST)
			fail_msg("%s=%s accepted", bad[i][0], bad[i][1]);
		assert_non_null(why);
	}
}

static void test_list_filters_and_search(void **state)
{
	struct fx *f = *state;
	fill(f);
	const char *q1[] = { "q", "50%", NULL };
	json_t *j = list(f, q1, NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
	json_decref(j);
	const char *q2[] = { "q", "A_", NULL };
	j = list(f, q2, NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
	json_decref(j);
	const char *q3[] = { "review_on", "null", "confidentiality", "1,2", NULL };
	j = list(f, q3, NULL);
	json_t *items = json_object_get(j, "items");
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		assert_true(json_is_null(json_object_get(it, "review_on")));
		assert_true(json_integer_value(json_object_get(it, "confidentiality")) <= 2);
	}
	assert_int_equal(json_integer_value(json_object_get(j, "total")), json_array_size(items));
	json_decref(j);
	const char *q4[] = { "review_on.gte", "2027-01-15", NULL };
	j = list(f, q4, NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	json_decref(j);
}

/* Walking every page with limit 2 gives exactly the one-page order, for several sorts. */
static void test_cursor_walk(void **state)
{
	struct fx *f = *state;
	fill(f);
	static const char *const sorts[] = { "name", "-name", "review_on", "-review_on,name",
					     "-confidentiality,review_on,-id" };
	for (size_t s = 0; s < sizeof(sorts) / sizeof(sorts[0]); s++) {
		const char *all[] = { "sort", sorts[s], "limit", "500", NULL };
		json_t *full = list(f, all, NULL);
		json_t *fitems = json_object_get(full, "items");
		size_t n = 0;
		char *cursor = NULL;
		for (int page = 0; page < 20; page++) {
			const char *p[] = { "sort", sorts[s], "limit", "2", NULL };
			json_t *j = list(f, p, cursor);
			free(cursor);
			cursor = NULL;
			assert_int_equal(json_integer_value(json_object_get(j, "total")), 8);
			size_t i;
			json_t *it;
			json_array_foreach(json_object_get(j, "items"), i, it)
			{
				json_t *want = json_array_get(fitems, n++);
				if (json_integer_value(json_object_get(it, "id")) !=
				    json_integer_value(json_object_get(want, "id")))
					fail_msg("sort %s: row %zu differs", sorts[s], n);
			}
			json_t *next = json_object_get(j, "next");
			if (json_is_string(next))
				cursor = strdup(json_string_value(next));
			json_decref(j);
			if (!cursor)
				break;
		}
		assert_int_equal(n, 8);
		json_decref(full);
	}
	/* a cursor from one sort is refused by another */
	const char *p[] = { "sort", "name", "limit", "2", NULL };
	json_t *j = list(f, p, NULL);
	struct list_query lq;
	list_query_init(&lq);
	const char *why;
	assert_int_equal(list_query_param(&f->a, &entity_asset, &lq, "sort", "-name", &why),
			 ERR_OK);
	assert_int_equal(list_query_param(&f->a, &entity_asset, &lq, "cursor",
					  json_string_value(json_object_get(j, "next")), &why),
			 ERR_OK);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(repo_list_json(&f->c, &entity_asset, &lq, &b, &why), ERR_BAD_REQUEST);
	buf_free(&b);
	json_decref(j);
}

static int64_t scoped_total(struct fx *f, unsigned scope, int64_t person, int64_t dept,
			    struct buf *b)
{
	struct list_query lq;
	list_query_init(&lq);
	lq.scoped = true;
	lq.scope = scope;
	lq.scope_person = person;
	lq.scope_department = dept;
	const char *why;
	buf_reset(b);
	assert_int_equal(repo_list_json(&f->c, &entity_asset, &lq, b, &why), ERR_OK);
	json_t *j = json_loads(buf_cstr(b), 0, NULL);
	int64_t total = json_integer_value(json_object_get(j, "total"));
	assert_int_equal(json_array_size(json_object_get(j, "items")), total);
	json_decref(j);
	return total;
}

static void test_scope_and_cached_totals(void **state)
{
	struct fx *f = *state;
	fill(f);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(scoped_total(f, SCOPE_DEPT, 0, f->dept, &b), 8);
	assert_int_equal(scoped_total(f, SCOPE_DEPT, 0, f->dept + 1, &b), 0);
	assert_int_equal(scoped_total(f, SCOPE_OWN, f->person, 0, &b), 8);
	assert_int_equal(scoped_total(f, SCOPE_OWN, f->person + 1, 0, &b), 0);
	assert_int_equal(scoped_total(f, SCOPE_OWN, 0, 0, &b), 0); /* no person: nothing is own */
	assert_int_equal(scoped_total(f, SCOPE_NONE, f->person, f->dept, &b), 0);
	assert_int_equal(scoped_total(f, SCOPE_ALL, 0, 0, &b), 8);
	/* the total is cached; a write to the register must invalidate it */
	struct verrors ve = { 0 };
	int64_t id;
	assert_int_equal(make_asset(f, "New", "1", NULL, &id, &ve), ERR_OK);
	assert_int_equal(scoped_total(f, SCOPE_DEPT, 0, f->dept, &b), 9);
	/* and an update shows its new content through the row cache */
	struct record *p = model_record_new(&f->a, &entity_asset);
	set(f, p, "name", "Renamed");
	assert_int_equal(repo_update(&f->c, &entity_asset, id, p, 0, &ve), ERR_OK);
	scoped_total(f, SCOPE_ALL, 0, 0, &b);
	assert_non_null(strstr(buf_cstr(&b), "Renamed"));
	assert_null(strstr(buf_cstr(&b), "\"New\""));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_audits_in_same_transaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalid_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_params_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters_and_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_and_cached_totals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
