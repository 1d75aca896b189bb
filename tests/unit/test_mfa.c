/* test_mfa.c - TOTP with an injected clock: codes valid one step either side, each accepted
 * once; recovery codes once; required roles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/authz.h"
#include "core/mfa.h"
#include "core/user.h"
#include "testdb.h"
#include "util/timeutil.h"

static const struct actor who = { 0, "test" };

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

static void test_totp_once(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	int64_t id;
	const char *roles[] = { "support" };
	assert_int_equal(user_create(db, &a, &who, "s@example.org", "S", "violet tractor umbrella",
				     roles, 1, 0, &ve, &id),
			 ERR_OK);
	bool due = true;
	assert_int_equal(mfa_enrolment_due(db, id, &due), ERR_OK);
	assert_false(due);
	assert_int_equal(mfa_set_required_roles(db, &who, 1u << ROLE_SUPPORT), ERR_OK);
	assert_int_equal(mfa_enrolment_due(db, id, &due), ERR_OK);
	assert_true(due);

	int64_t t = 2000000010; /* 10 s into a step */
	time_set_fake(t);
	struct mfa_enrolment en;
	assert_int_equal(mfa_begin(db, &a, id, "s@example.org", &en), ERR_OK);
	assert_non_null(strstr(en.svg, "<path"));
	char code[7], old[7], later[7], far[7];
	assert_int_equal(mfa_code_at(en.secret, t, code), ERR_OK);
	assert_int_equal(mfa_code_at(en.secret, t - 30, old), ERR_OK);
	assert_int_equal(mfa_code_at(en.secret, t + 30, later), ERR_OK);
	assert_int_equal(mfa_code_at(en.secret, t + 90, far), ERR_OK);
	const char *codes[MFA_RECOVERY_CODES];
	assert_int_equal(mfa_confirm(db, &a, &who, id, 0, "000000", codes) == ERR_INVALID ||
				 strcmp(code, "000000") == 0,
			 1);
	assert_int_equal(mfa_confirm(db, &a, &who, id, 0, code, codes), ERR_OK);
	assert_int_equal(mfa_enrolment_due(db, id, &due), ERR_OK);
	assert_false(due);
	bool enrolled;
	assert_int_equal(mfa_enrolled(db, id, &enrolled), ERR_OK);
	assert_true(enrolled);

	assert_int_equal(mfa_verify(db, &who, id, code), ERR_UNAUTHORIZED); /* spent at confirm */
	assert_int_equal(mfa_verify(db, &who, id, old), ERR_UNAUTHORIZED);  /* older than that */
	if (strcmp(far, later) != 0)
		assert_int_equal(mfa_verify(db, &who, id, far),
				 ERR_UNAUTHORIZED); /* too far ahead */
	assert_int_equal(mfa_verify(db, &who, id, later), ERR_OK);
	assert_int_equal(mfa_verify(db, &who, id, later), ERR_UNAUTHORIZED); /* replay */
	time_set_fake(t + 60);
	char now2[7];
	assert_int_equal(mfa_code_at(en.secret, t + 60, now2), ERR_OK);
	assert_int_equal(mfa_verify(db, &who, id, now2), ERR_OK);

	assert_int_equal(mfa_verify(db, &who, id, codes[0]), ERR_OK);
	assert_int_equal(mfa_verify(db, &who, id, codes[0]), ERR_UNAUTHORIZED);
	assert_int_equal(mfa_verify(db, &who, id, codes[1]), ERR_OK);
	assert_int_equal(mfa_verify(db, &who, id, "zzzzz-zzzzz"), ERR_UNAUTHORIZED);

	assert_int_equal(mfa_disable(db, &who, id), ERR_OK);
	assert_int_equal(mfa_enrolled(db, id, &enrolled), ERR_OK);
	assert_false(enrolled);
	assert_int_equal(mfa_verify(db, &who, id, codes[2]), ERR_UNAUTHORIZED);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_totp_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
