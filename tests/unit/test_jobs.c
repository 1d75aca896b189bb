/* test_jobs.c - a due job runs once per period: leased, run, rescheduled; a leased job is left
 * alone until its lease runs out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/jobs.h"
#include "testdb.h"
#include "util/timeutil.h"

static int setup(void **state)
{
	struct db *db = testdb_open();
	*state = db;
	return db ? 0 : -1;
}

static int teardown(void **state)
{
	time_set_fake(0);
	testdb_close(*state);
	return 0;
}

static int64_t runs(struct db *db, const char *name)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "SELECT runs FROM jobs WHERE name = $1", &st), ERR_OK);
	db_bind_str(st, 1, name);
	assert_int_equal(db_step(st, &row), ERR_OK);
	int64_t n = row ? db_col_int(st, 0) : -1;
	db_done(st);
	return n;
}

static void test_once_per_period(void **state)
{
	struct db *db = *state;
	int64_t t = 2000000000;
	time_set_fake(t);
	int ran;
	assert_int_equal(jobs_run_due(db, "a", &ran), ERR_OK);
	assert_int_equal(ran, (int)jobs_total());
	assert_int_equal(jobs_run_due(db, "b", &ran), ERR_OK);
	assert_int_equal(ran, 0); /* not due again yet */
	time_set_fake(t + jobs_all[0].interval + 1);
	assert_int_equal(jobs_run_due(db, "b", &ran), ERR_OK);
	assert_int_equal(ran, (int)jobs_total());
	assert_int_equal(runs(db, jobs_all[0].name), 2);
}

static void test_lease_blocks_others(void **state)
{
	struct db *db = *state;
	int64_t t = 2000000000;
	time_set_fake(t);
	int ran;
	assert_int_equal(jobs_run_due(db, "a", &ran), ERR_OK);
	/* a node took the lease and died: the job is due but leased */
	assert_int_equal(db_exec(db, "UPDATE jobs SET next_run = '2000-01-01T00:00:00Z',"
				     " leased_by = 'dead', lease_until = '2033-05-18T03:38:20Z'"),
			 ERR_OK);
	assert_int_equal(jobs_run_due(db, "b", &ran), ERR_OK);
	assert_int_equal(ran, 0);
	time_set_fake(t + JOBS_LEASE_SECONDS + 1); /* the lease has run out */
	assert_int_equal(jobs_run_due(db, "b", &ran), ERR_OK);
	assert_int_equal(ran, (int)jobs_total());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_once_per_period, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_blocks_others, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
