/* test_verify.c - replaying the audit trail against stored rows catches rows edited, added or
 * removed behind Custos's back; and the rendered-row cache never serves another version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/repo.h"
#include "core/rowcache.h"
#include "core/verify.h"
#include "testdb.h"

static const struct actor who = { 3, "ism@example.org" };

/* Two departments through the generic path: one created and renamed, one deleted. */
static int setup(void **state)
{
	struct db *db = testdb_open();
	if (!db)
		return -1;
	struct arena a;
	arena_init(&a, 0);
	struct repo_ctx c = { .db = db, .a = &a, .who = &who };
	const char *why;
	for (int i = 0; i < 3; i++) {
		struct record *r = model_record_new(&a, &entity_department);
		char name[32];
		snprintf(name, sizeof(name), "Dept %d", i);
		if (!model_parse_text(&a, &r->e->fields[0], name, strlen(name), &r->v[0], &why))
			return -1;
		struct verrors ve = { 0 };
		int64_t id;
		if (repo_create(&c, r, &ve, &id))
			return -1;
	}
	struct record *p = model_record_new(&a, &entity_department);
	struct verrors ve = { 0 };
	if (!model_parse_text(&a, &p->e->fields[0], "Renamed", 7, &p->v[0], &why) ||
	    repo_update(&c, &entity_department, 1, p, 0, &ve) ||
	    repo_delete(&c, &entity_department, 2, 0, &ve))
		return -1;
	arena_free(&a);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	rowcache_clear();
	testdb_close(*state);
	return 0;
}

static struct verify_result run(struct db *db)
{
	struct verify_result r;
	assert_int_equal(verify_records(db, &r), ERR_OK);
	return r;
}

static void test_consistent(void **state)
{
	struct verify_result r = run(*state);
	assert_int_equal(r.records, 2);
	assert_int_equal(r.mismatches, 0);
}

static void test_edited_row(void **state)
{
	assert_int_equal(db_exec(*state, "UPDATE departments SET name = 'Forged' WHERE id = 1"),
			 ERR_OK);
	struct verify_result r = run(*state);
	assert_int_equal(r.mismatches, 1);
	assert_non_null(strstr(r.reported[0], "department 1"));
	assert_non_null(strstr(r.reported[0], "name"));
}

static void test_inserted_row(void **state)
{
	assert_int_equal(db_exec(*state, "INSERT INTO departments (name, created_at, updated_at)"
					 " VALUES ('Shadow', 'x', 'x')"),
			 ERR_OK);
	struct verify_result r = run(*state);
	assert_int_equal(r.mismatches, 1);
	assert_non_null(strstr(r.reported[0], "never created"));
}

static void test_removed_row(void **state)
{
	assert_int_equal(db_exec(*state, "DELETE FROM departments WHERE id = 3"), ERR_OK);
	struct verify_result r = run(*state);
	assert_int_equal(r.mismatches, 1);
	assert_non_null(strstr(r.reported[0], "department 3"));
}

static void test_restored_deleted_row(void **state)
{
	assert_int_equal(db_exec(*state,
				 "INSERT INTO departments (id, name, created_at, updated_at)"
				 " VALUES (2, 'Dept 1', 'x', 'x')"),
			 ERR_OK);
	struct verify_result r = run(*state);
	assert_int_equal(r.mismatches, 1);
	assert_non_null(strstr(r.reported[0], "deleted"));
}

static void test_rowcache_versions(void **state)
{
	(void)state;
	static const int entity = 0;
	struct buf b;
	buf_init(&b, 0);
	assert_false(rowcache_get(&entity, 7, 1, &b));
	rowcache_put(&entity, 7, 1, "{\"v\":1}", 7);
	assert_true(rowcache_get(&entity, 7, 1, &b));
	assert_string_equal(buf_cstr(&b), "{\"v\":1}");
	assert_false(rowcache_get(&entity, 7, 2, &b)); /* another version is a miss */
	assert_false(rowcache_get(&entity, 8, 1, &b)); /* another id too */
	rowcache_put(&entity, 7, 2, "{\"v\":2}", 7);
	buf_reset(&b);
	assert_true(rowcache_get(&entity, 7, 2, &b));
	assert_string_equal(buf_cstr(&b), "{\"v\":2}");
	assert_false(rowcache_get(&entity, 7, 1, &b));
	char big[ROWCACHE_MAX_ROW + 1];
	memset(big, 'x', sizeof(big));
	rowcache_put(&entity, 9, 1, big, sizeof(big)); /* too large: not kept */
	assert_false(rowcache_get(&entity, 9, 1, &b));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_consistent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inserted_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restored_deleted_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rowcache_versions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
