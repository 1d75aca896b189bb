/* test_verify.c - replaying the audit trail against stored rows catches rows edited, added or
 * removed behind Custos's back; and the rendered-row cache never serves another version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/account.h"
#include "core/authz.h"
#include "core/mfa.h"
#include "core/repo.h"
#include "core/secaudit.h"
#include "core/user.h"
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

/* A register row's counters are its history's too: a version or a time moved is named. */
static void test_stamps(void **state)
{
	static const struct {
		const char *tamper, *undo, *expect;
	} cases[] = {
		{ "UPDATE departments SET version = version + 5 WHERE id = 1",
		  "UPDATE departments SET version = version - 5 WHERE id = 1", "version 7" },
		/* department 3 was created and never changed: both its times are one */
		{ "UPDATE departments SET created_at = '2020-01-01T00:00:00Z' WHERE id = 3",
		  "UPDATE departments SET created_at = updated_at WHERE id = 3", "created_at" },
		{ "UPDATE departments SET updated_at = '2020-01-01T00:00:00Z' WHERE id = 1", NULL,
		  "updated_at" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(db_exec(*state, cases[i].tamper), ERR_OK);
		struct verify_result r = run(*state);
		assert_int_equal(r.mismatches, 1);
		assert_non_null(strstr(r.reported[0], cases[i].expect));
		if (cases[i].undo)
			assert_int_equal(db_exec(*state, cases[i].undo), ERR_OK);
	}
}

/* The security records replay like register rows: each change behind Custos's back is named,
 * and undoing it makes the trail hold again. */
static void test_security_records(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	int64_t staff, ism, tid;
	const char *staff_roles[] = { "staff" }, *ism_roles[] = { "isms_manager" }, *token;
	assert_int_equal(user_create(db, &a, &who, "staff@example.org", "Staff",
				     "a long passphrase 1", staff_roles, 1, 1, &ve, &staff),
			 ERR_OK);
	assert_int_equal(user_create(db, &a, &who, "ism@example.org", "Ism", "a long passphrase 2",
				     ism_roles, 1, 0, &ve, &ism),
			 ERR_OK);
	struct token_spec spec = { "ci", "assets:read", NULL }, made;
	assert_int_equal(token_create(db, &a, &who, staff, &spec, NULL, &made, &token, &tid, &ve),
			 ERR_OK);
	assert_int_equal(mfa_set_required_roles(db, &who, 1u << ROLE_ISMS_MANAGER), ERR_OK);
	struct account_patch p = { .name = "Staff Member" };
	assert_int_equal(account_update(db, &a, &who, ism, staff, &p, &ve), ERR_OK);
	struct verify_result r = run(db);
	assert_int_equal(r.mismatches, 0);
	assert_int_equal(r.records, 2);
	assert_int_equal(r.accounts, 2);
	assert_int_equal(r.tokens, 1);

	static const struct {
		const char *tamper, *undo, *expect;
	} cases[] = {
		{ "INSERT INTO user_roles (user_id, role) VALUES (1, 'isms_manager')",
		  "DELETE FROM user_roles WHERE user_id = 1 AND role = 'isms_manager'",
		  "account 1: field roles" },
		{ "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = 2)"
		  " WHERE id = 1",
		  "UPDATE users SET password_hash = (SELECT password_hash FROM saved_users s"
		  " WHERE s.id = users.id)",
		  "account 1: field password" },
		{ "UPDATE users SET person_id = 4 WHERE id = 2",
		  "UPDATE users SET person_id = NULL"
		  " WHERE id = 2",
		  "account 2: field person_id" },
		{ "UPDATE users SET version = version + 1 WHERE id = 2",
		  "UPDATE users SET version = version - 1 WHERE id = 2",
		  "account 2: field version" },
		{ "UPDATE users SET updated_at = '2020-01-01T00:00:00Z' WHERE id = 2",
		  "UPDATE users SET updated_at = (SELECT updated_at FROM saved_users s"
		  " WHERE s.id = users.id)",
		  "account 2: field updated_at" },
		{ "UPDATE users SET active = 0 WHERE id = 2",
		  "UPDATE users SET active = 1 WHERE id = 2", "account 2: field active" },
		{ "INSERT INTO api_tokens (user_id, name, token_hash, created_at)"
		  " VALUES (1, 'backdoor', 'h', '2026-01-01T00:00:00Z')",
		  "DELETE FROM api_tokens WHERE name = 'backdoor'", "never created" },
		{ "UPDATE api_tokens SET permissions = NULL",
		  "UPDATE api_tokens SET permissions ="
		  " 'assets:read'",
		  "field permissions" },
		{ "UPDATE api_tokens SET token_hash = 'other'",
		  "UPDATE api_tokens SET token_hash = (SELECT token_hash FROM saved_tokens)",
		  "field token" },
		{ "DELETE FROM mfa_required_roles",
		  "INSERT INTO mfa_required_roles VALUES"
		  " ('isms_manager')",
		  "settings: mfa_required_roles" },
		{ "INSERT INTO user_mfa (user_id, secret, confirmed_at) VALUES (2, 'ab', 'x')",
		  "DELETE FROM user_mfa", "account 2: field mfa" },
	};
	/* what some cases overwrite, to put it back */
	assert_int_equal(db_exec(db, "CREATE TEMP TABLE saved_users AS SELECT id, password_hash,"
				     " updated_at FROM users"),
			 ERR_OK);
	assert_int_equal(db_exec(db, "CREATE TEMP TABLE saved_tokens AS SELECT token_hash FROM"
				     " api_tokens"),
			 ERR_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(db_exec(db, cases[i].tamper), ERR_OK);
		r = run(db);
		if (r.mismatches != 1 || !strstr(r.reported[0], cases[i].expect))
			fail_msg("%s: %lld mismatches, first: %s", cases[i].tamper,
				 (long long)r.mismatches, r.nreported ? r.reported[0] : "-");
		assert_int_equal(db_exec(db, cases[i].undo), ERR_OK);
		r = run(db);
		if (r.mismatches)
			fail_msg("after undoing %s: %s", cases[i].tamper, r.reported[0]);
	}
	arena_free(&a);
}

/* A database from before the security records were in the chain gets a baseline of them,
 * and verify holds on it. */
static void test_baseline(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_exec(db, "INSERT INTO users (email, name, password_hash, active,"
				     " created_at, updated_at) VALUES ('old@example.org', 'Old',"
				     " 'h', 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')"),
			 ERR_OK);
	assert_int_equal(db_exec(db, "INSERT INTO mfa_required_roles VALUES ('board')"), ERR_OK);
	struct verify_result r = run(db);
	assert_int_equal(r.mismatches, 2);
	assert_int_equal(db_begin(db), ERR_OK);
	assert_int_equal(secaudit_migrated(db, SECAUDIT_MIGRATION), ERR_OK);
	assert_int_equal(db_commit(db), ERR_OK);
	r = run(db);
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
		cmocka_unit_test_setup_teardown(test_stamps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_security_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baseline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inserted_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restored_deleted_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rowcache_versions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
