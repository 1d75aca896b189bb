/* test_throttle.c - back-off doubles after the free attempts, caps at an hour, and an account
 * that reaches 100 failures waits out the hour; counts restart after the window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/throttle.h"
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

static int64_t wait_now(struct db *db, const char *email, const char *addr)
{
	int64_t w = -1;
	assert_int_equal(throttle_check(db, email, addr, &w), ERR_OK);
	return w;
}

static void test_backoff(void **state)
{
	struct db *db = *state;
	int64_t t = 2000000000;
	time_set_fake(t);
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(throttle_fail(db, "A@x.org", "10.0.0.1"), ERR_OK);
		assert_int_equal(wait_now(db, "a@X.org", "10.0.0.2"), 0); /* case-insensitive key */
	}
	static const int64_t waits[] = { 1, 2, 4, 8, 16 };
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		assert_int_equal(throttle_fail(db, "a@x.org", "10.0.0.1"), ERR_OK);
		assert_int_equal(wait_now(db, "a@x.org", "10.0.0.2"), waits[i]);
	}
	/* another account from another address is not affected */
	assert_int_equal(wait_now(db, "b@x.org", "10.0.0.3"), 0);
	assert_int_equal(throttle_clear(db, "a@x.org"), ERR_OK);
	assert_int_equal(wait_now(db, "a@x.org", "10.0.0.2"), 0);
}

static void test_hourly_cap_and_window(void **state)
{
	struct db *db = *state;
	int64_t t = 2000000000;
	for (int i = 0; i < 100; i++) {
		time_set_fake(t + i * 30); /* one failure every 30 s: 99 of them inside the hour */
		assert_int_equal(throttle_fail(db, "c@x.org", NULL), ERR_OK);
	}
	time_set_fake(t + 99 * 30);
	int64_t w = wait_now(db, "c@x.org", "x");
	assert_true(w > 0 && w <= 3600 - 99 * 30);
	/* a new hour: the count restarts, the first failures are free again */
	time_set_fake(t + 3600 + 10);
	assert_int_equal(wait_now(db, "c@x.org", "x"), 0);
	assert_int_equal(throttle_fail(db, "c@x.org", "x"), ERR_OK);
	assert_int_equal(wait_now(db, "c@x.org", "y"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hourly_cap_and_window, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
