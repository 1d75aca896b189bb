/* test_audit.c - the hash chain: appends verify, and any edit, removal or reordering of an
 * event is caught at that event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/audit.h"
#include "testdb.h"

static int setup(void **state)
{
	struct db *db = testdb_open();
	if (!db)
		return -1;
	struct actor who = { 7, "ism@example.org" };
	for (int i = 1; i <= 5; i++) {
		char changes[64];
		snprintf(changes, sizeof(changes), "{\"name\":[null,\"asset %d\"]}", i);
		if (db_begin(db) || audit_append(db, &who, "create", "asset", i, changes) ||
		    db_commit(db))
			return -1;
	}
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	testdb_close(*state);
	return 0;
}

static void test_chain_holds(void **state)
{
	struct audit_result r;
	assert_int_equal(audit_verify(*state, &r), ERR_OK);
	assert_int_equal(r.events, 5);
	assert_int_equal(r.bad_seq, 0);
}

static void test_edit_detected(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_exec(db, "UPDATE audit_events SET changes = '{\"name\":[null,\"x\"]}'"
				     " WHERE seq = 3"),
			 ERR_OK);
	struct audit_result r;
	assert_int_equal(audit_verify(db, &r), ERR_OK);
	assert_int_equal(r.bad_seq, 3);
}

static void test_actor_edit_detected(void **state)
{
	struct db *db = *state;
	assert_int_equal(
		db_exec(db, "UPDATE audit_events SET actor = 'someone@else' WHERE seq = 4"),
		ERR_OK);
	struct audit_result r;
	assert_int_equal(audit_verify(db, &r), ERR_OK);
	assert_int_equal(r.bad_seq, 4);
}

static void test_removal_detected(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_exec(db, "DELETE FROM audit_events WHERE seq = 2"), ERR_OK);
	struct audit_result r;
	assert_int_equal(audit_verify(db, &r), ERR_OK);
	assert_int_equal(r.bad_seq, 3);
	assert_non_null(strstr(r.why, "sequence"));
}

static void test_rehash_of_one_event_detected(void **state)
{
	/* an attacker who edits an event and recomputes its own hash still breaks the next link */
	struct db *db = *state;
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "SELECT prev_hash FROM audit_events WHERE seq = 2", &st),
			 ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	char prev[CRYPTO_HASH_HEX];
	str_copy(prev, sizeof(prev), db_col_text(st, 0, NULL));
	db_done(st);
	assert_int_equal(db_prepare(db, "SELECT at FROM audit_events WHERE seq = 2", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	char at[TIME_ISO_LEN];
	str_copy(at, sizeof(at), db_col_text(st, 0, NULL));
	db_done(st);
	struct buf canon;
	buf_init(&canon, 0);
	audit_canonical(&canon, 2, at, 7, "ism@example.org", "create", "asset", 2,
			"{\"name\":[null,\"forged\"]}");
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(prev, strlen(prev), canon.p, canon.len, hash);
	buf_free(&canon);
	assert_int_equal(db_prepare(db,
				    "UPDATE audit_events SET changes = $1, hash = $2 WHERE seq = 2",
				    &st),
			 ERR_OK);
	db_bind_str(st, 1, "{\"name\":[null,\"forged\"]}");
	db_bind_str(st, 2, hash);
	assert_int_equal(db_step(st, &row), ERR_OK);
	db_done(st);
	struct audit_result r;
	assert_int_equal(audit_verify(db, &r), ERR_OK);
	assert_int_equal(r.bad_seq, 3);
}

static void test_history(void **state)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(audit_history_json(*state, "asset", 2, &b), ERR_OK);
	assert_non_null(strstr(buf_cstr(&b), "\"asset 2\""));
	assert_null(strstr(buf_cstr(&b), "\"asset 3\""));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actor_edit_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removal_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehash_of_one_event_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
