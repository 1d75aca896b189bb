/* test_store.c - the store: migrations are idempotent, placeholders, the statement cache,
 * constraint mapping, and the proof that the entity table and the migrated schema agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testdb.h"

static int setup(void **state)
{
	struct db *db = testdb_open();
	*state = db;
	return db ? 0 : -1;
}

static int teardown(void **state)
{
	testdb_close(*state);
	return 0;
}

static void test_migrate_idempotent(void **state)
{
	struct db *db = *state;
	int v = db_schema_version(db);
	assert_int_equal(v, (int)db_migrations_count);
	assert_int_equal(db_migrate(db), ERR_OK);
	assert_int_equal(db_schema_version(db), v);
}

static void test_wal_and_sync(void **state)
{
	struct db *db = *state;
	if (db_dialect(db) != DB_SQLITE)
		skip(); /* PostgreSQL's durability is the server's configuration */
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "PRAGMA journal_mode", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_string_equal(db_col_text(st, 0, NULL), "wal");
	db_done(st);
	assert_int_equal(db_prepare(db, "PRAGMA synchronous", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_int_equal(db_col_int(st, 0), 2); /* FULL */
	db_done(st);
	assert_int_equal(db_prepare(db, "PRAGMA foreign_keys", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_int_equal(db_col_int(st, 0), 1);
	db_done(st);
}

static void test_placeholders_and_cache(void **state)
{
	struct db *db = *state;
	struct db_stmt *a, *b;
	bool row;
	/* numbered placeholders may repeat and come out of order; '$1' in a string is text */
	const char *sql = "SELECT $2 || $1 || $2 || '$1'";
	assert_int_equal(db_prepare(db, sql, &a), ERR_OK);
	db_bind_str(a, 1, "x");
	db_bind_str(a, 2, "y");
	assert_int_equal(db_step(a, &row), ERR_OK);
	assert_true(row);
	assert_string_equal(db_col_text(a, 0, NULL), "yxy$1");
	/* the same SQL while the first is still in use gets a separate statement */
	assert_int_equal(db_prepare(db, sql, &b), ERR_OK);
	assert_ptr_not_equal(a, b);
	db_done(b);
	db_done(a);
	assert_int_equal(db_prepare(db, sql, &b), ERR_OK);
	db_done(b);
}

static void test_constraint_is_conflict(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_exec(db, "INSERT INTO departments (name, created_at, updated_at)"
				     " VALUES ('Twice', 'x', 'x')"),
			 ERR_OK);
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db,
				    "INSERT INTO departments (name, created_at, updated_at)"
				    " VALUES ($1, 'x', 'x')",
				    &st),
			 ERR_OK);
	db_bind_str(st, 1, "Twice");
	assert_int_equal(db_step(st, &row), ERR_CONFLICT);
	db_done(st);
	assert_int_equal(db_begin(db), ERR_OK);
	db_rollback(db);
}

/* Every field of every entity has a column of the right type and nullability, and every
 * column is a field or a system column. */
static void test_schema_matches_entities(void **state)
{
	struct db *db = *state;
	assert_true(model_registry_count() >= 4);
	for (size_t k = 0; k < model_registry_count(); k++) {
		const struct entity *e = model_registry_at(k);
		struct db_stmt *st;
		/* the engine's own catalogue: column name, INTEGER or TEXT, NOT NULL */
		const char *catalogue =
			db_dialect(db) == DB_SQLITE
				? "SELECT name, type, \"notnull\" FROM pragma_table_info($1)"
				: "SELECT column_name, CASE WHEN data_type IN ('integer', 'bigint')"
				  " THEN 'INTEGER' ELSE upper(data_type) END,"
				  " CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END"
				  " FROM information_schema.columns WHERE table_name = $1";
		assert_int_equal(db_prepare(db, catalogue, &st), ERR_OK);
		db_bind_str(st, 1, e->plural);
		bool row;
		size_t seen = 0;
		while (db_step(st, &row) == ERR_OK && row) {
			const char *col = db_col_text(st, 0, NULL);
			const char *type = db_col_text(st, 1, NULL);
			bool notnull = db_col_int(st, 2) != 0;
			const struct field *f = model_field(e, col);
			if (!f)
				fail_msg("%s.%s is in the schema but not in the entity table",
					 e->plural, col);
			bool int_type =
				f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL;
			if (strcmp(type, int_type ? "INTEGER" : "TEXT") != 0)
				fail_msg("%s.%s is %s in the schema, %s in the entity table",
					 e->plural, col, type, model_type_name(f->type));
			if (model_field_index(e, col) >= 0) {
				bool want = (f->flags & FF_REQUIRED) || f->dflt;
				if (notnull != want)
					fail_msg("%s.%s: NOT NULL is %d in the schema, "
						 "required/default %d in the table",
						 e->plural, col, notnull, want);
			}
			seen++;
		}
		db_done(st);
		if (seen != e->nfields + model_system_nfields)
			fail_msg("%s: %zu columns in the schema, %zu fields in the entity table",
				 e->plural, seen, e->nfields + model_system_nfields);
		for (size_t i = 0; i < e->nfields; i++) {
			const struct field *f = &e->fields[i];
			if (f->type == FT_REF)
				assert_non_null(model_entity(f->ref));
			if (f->type == FT_ENUM)
				assert_non_null(f->choices);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_and_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholders_and_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_constraint_is_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_matches_entities, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
