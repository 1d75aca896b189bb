/* test_user.c - accounts, sessions and tokens: validation, hashing, expiry, revocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>

#include "core/authz.h"
#include "core/user.h"
#include "testdb.h"
#include "util/timeutil.h"

static const struct actor cli = { 0, "cli" };

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

static int64_t add(struct db *db, struct arena *a, const char *email, const char *pw,
		   const char *role, struct verrors *ve, enum err *e)
{
	const char *roles[] = { role };
	int64_t id = 0;
	*e = user_create(db, a, &cli, email, "Someone", pw, roles, 1, 0, ve, &id);
	return id;
}

static void test_create_and_authenticate(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	enum err e;
	int64_t id = add(db, &a, "ism@example.org", "a long enough passphrase", "admin", &ve, &e);
	assert_int_equal(e, ERR_OK);
	assert_true(id > 0);
	struct user u = { 0 };
	assert_int_equal(
		user_authenticate(db, &a, "ISM@example.org", "a long enough passphrase", &u),
		ERR_OK);
	assert_int_equal(u.id, id);
	assert_int_equal(u.roles, 1u << ROLE_ADMIN);
	assert_int_equal(user_authenticate(db, &a, "ism@example.org", "wrong passphrase!", &u),
			 ERR_UNAUTHORIZED);
	assert_int_equal(user_authenticate(db, &a, "nobody@example.org", "whatever it is", &u),
			 ERR_UNAUTHORIZED);
	/* the hash is argon2id and the password is nowhere in the database */
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "SELECT password_hash FROM users", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(strncmp(db_col_text(st, 0, NULL), "$argon2id$", 10) == 0);
	db_done(st);
	/* creation is audited without the hash */
	assert_int_equal(
		db_prepare(db, "SELECT changes FROM audit_events WHERE entity = 'user'", &st),
		ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	assert_null(strstr(db_col_text(st, 0, NULL), "argon2"));
	assert_non_null(strstr(db_col_text(st, 0, NULL), "ism@example.org"));
	db_done(st);
	arena_free(&a);
}

/* A hash made with weaker parameters is upgraded at the next successful sign-in. */
static void test_rehash_at_login(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	enum err e;
	int64_t id = add(db, &a, "old@example.org", "a long enough passphrase", "staff", &ve, &e);
	char weak[crypto_pwhash_STRBYTES];
	assert_int_equal(crypto_pwhash_str_alg(weak, "a long enough passphrase", 24, 2, 8u << 20,
					       crypto_pwhash_ALG_ARGON2ID13),
			 0);
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "UPDATE users SET password_hash = $1 WHERE id = $2", &st),
			 ERR_OK);
	db_bind_str(st, 1, weak);
	db_bind_int(st, 2, id);
	assert_int_equal(db_step(st, &row), ERR_OK);
	db_done(st);
	struct user u;
	assert_int_equal(
		user_authenticate(db, &a, "old@example.org", "a long enough passphrase", &u),
		ERR_OK);
	assert_int_equal(db_prepare(db, "SELECT password_hash FROM users WHERE id = $1", &st),
			 ERR_OK);
	db_bind_int(st, 1, id);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_non_null(strstr(db_col_text(st, 0, NULL), "m=65536,t=3"));
	db_done(st);
	arena_free(&a);
}

static void test_create_rejects(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	static const struct {
		const char *email, *pw, *role, *field;
	} cases[] = {
		{ "not-an-email", "a long enough passphrase", "staff", "email" },
		{ "x@example.org", "short", "staff", "password" },
		{ "y@example.org", "a long enough passphrase", "emperor", "role" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verrors ve = { 0 };
		enum err e;
		add(db, &a, cases[i].email, cases[i].pw, cases[i].role, &ve, &e);
		assert_int_equal(e, ERR_INVALID);
		assert_string_equal(ve.items[0].field, cases[i].field);
	}
	struct verrors ve = { 0 };
	enum err e;
	add(db, &a, "dup@example.org", "a long enough passphrase", "staff", &ve, &e);
	assert_int_equal(e, ERR_OK);
	add(db, &a, "DUP@example.org", "a long enough passphrase", "staff", &ve, &e);
	assert_int_equal(e, ERR_INVALID);
	assert_string_equal(ve.items[0].field, "email");
	arena_free(&a);
}

static void test_sessions_expire_and_delete(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	enum err e;
	int64_t id = add(db, &a, "s@example.org", "a long enough passphrase", "staff", &ve, &e);
	time_set_fake(2000000000);
	const char *token, *csrf, *csrf2;
	assert_int_equal(session_create(db, &a, id, 3600, &token, &csrf), ERR_OK);
	struct user u;
	int64_t sid;
	assert_int_equal(session_lookup(db, &a, token, 1800, &u, &sid, &csrf2), ERR_OK);
	assert_string_equal(csrf, csrf2);
	assert_int_equal(u.roles, 1u << ROLE_STAFF);
	/* the token itself is not stored */
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "SELECT count(*) FROM sessions WHERE token_hash = $1", &st),
			 ERR_OK);
	db_bind_str(st, 1, token);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_int_equal(db_col_int(st, 0), 0);
	db_done(st);
	time_set_fake(2000000000 + 3601);
	assert_int_equal(session_lookup(db, &a, token, 1800, &u, &sid, &csrf2), ERR_UNAUTHORIZED);
	time_set_fake(2000000000);
	assert_int_equal(session_delete(db, sid), ERR_OK);
	assert_int_equal(session_lookup(db, &a, token, 1800, &u, &sid, &csrf2), ERR_UNAUTHORIZED);
	assert_int_equal(session_lookup(db, &a, "garbage", 1800, &u, &sid, &csrf2),
			 ERR_UNAUTHORIZED);
	arena_free(&a);
}

static void test_idle_timeout(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	enum err e;
	int64_t id = add(db, &a, "idle@example.org", "a long enough passphrase", "staff", &ve, &e);
	int64_t t0 = 2000000000;
	time_set_fake(t0);
	const char *token, *csrf;
	assert_int_equal(session_create(db, &a, id, 12 * 3600, &token, &csrf), ERR_OK);
	struct user u;
	int64_t sid;
	const char *c2;
	/* used every 20 minutes, it lives on past 30 minutes of age */
	for (int i = 1; i <= 5; i++) {
		time_set_fake(t0 + i * 1200);
		assert_int_equal(session_lookup(db, &a, token, 1800, &u, &sid, &c2), ERR_OK);
	}
	/* then left alone for 32 minutes (30 idle + the minute of last-use granularity) */
	time_set_fake(t0 + 5 * 1200 + 32 * 60);
	assert_int_equal(session_lookup(db, &a, token, 1800, &u, &sid, &c2), ERR_UNAUTHORIZED);
	arena_free(&a);
}

static void test_password_policy_and_change(void **state)
{
	struct db *db = *state;
	static const struct {
		const char *pw;
		bool ok;
	} cases[] = {
		{ "short", false },
		{ "password1234", false },	  /* on the shipped list */
		{ "PassWord1234", false },	  /* case does not matter */
		{ "aaaaaaaaaaaaaaa", false },	  /* one character */
		{ "xx-jane.doe-2026-xx", false }, /* the e-mail's name */
		{ "violet tractor umbrella", true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = user_password_problem(cases[i].pw, "jane.doe@example.org");
		if ((p == NULL) != cases[i].ok)
			fail_msg("'%s': %s", cases[i].pw, p ? p : "accepted");
	}
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	enum err e;
	int64_t id =
		add(db, &a, "jane.doe@example.org", "violet tractor umbrella", "staff", &ve, &e);
	assert_int_equal(e, ERR_OK);
	const char *token, *csrf;
	assert_int_equal(session_create(db, &a, id, 3600, &token, &csrf), ERR_OK);
	assert_int_equal(user_check_password(db, id, "violet tractor umbrella"), ERR_OK);
	assert_int_equal(user_check_password(db, id, "violet tractor umbrelli"), ERR_UNAUTHORIZED);
	assert_int_equal(
		user_set_password(db, &a, &cli, id, "jane.doe@example.org", "password1234", &ve),
		ERR_INVALID);
	assert_int_equal(user_set_password(db, &a, &cli, id, "jane.doe@example.org",
					   "green lantern harbour", &ve),
			 ERR_OK);
	struct user u;
	int64_t sid;
	const char *c2;
	/* the old session is gone, the new password works, the old one does not */
	assert_int_equal(session_lookup(db, &a, token, 1800, &u, &sid, &c2), ERR_UNAUTHORIZED);
	assert_int_equal(
		user_authenticate(db, &a, "jane.doe@example.org", "green lantern harbour", &u),
		ERR_OK);
	assert_int_equal(
		user_authenticate(db, &a, "jane.doe@example.org", "violet tractor umbrella", &u),
		ERR_UNAUTHORIZED);
	arena_free(&a);
}

static void test_tokens(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	enum err e;
	int64_t id = add(db, &a, "t@example.org", "a long enough passphrase", "staff", &ve, &e);
	const char *token;
	int64_t tid;
	struct token_spec spec = { "ci", NULL, NULL }, made, limits;
	assert_int_equal(token_create(db, &a, &cli, id, &spec, NULL, &made, &token, &tid, &ve),
			 ERR_OK);
	assert_true(strncmp(token, "cst_", 4) == 0);
	struct user u;
	int64_t got;
	assert_int_equal(token_lookup(db, &a, token, &u, &got, &limits), ERR_OK);
	assert_int_equal(got, tid);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(token_list_json(db, id, &b), ERR_OK);
	assert_null(strstr(buf_cstr(&b), token + 4)); /* never the secret */
	assert_non_null(strstr(buf_cstr(&b), "\"ci\""));
	buf_free(&b);
	assert_int_equal(token_revoke(db, &cli, id + 1, tid), ERR_NOT_FOUND); /* not theirs */
	assert_int_equal(token_revoke(db, &cli, id, tid), ERR_OK);
	assert_int_equal(token_lookup(db, &a, token, &u, &got, &limits), ERR_UNAUTHORIZED);
	assert_int_equal(token_revoke(db, &cli, id, tid), ERR_NOT_FOUND);
	/* an expired token stops working */
	time_set_fake(2000000000);
	spec = (struct token_spec){ "short", NULL, "2033-05-18T03:34:00Z" };
	assert_int_equal(token_create(db, &a, &cli, id, &spec, NULL, &made, &token, &tid, &ve),
			 ERR_OK);
	assert_int_equal(token_lookup(db, &a, token, &u, &got, &limits), ERR_OK);
	time_set_fake(2000000000 + 3600);
	assert_int_equal(token_lookup(db, &a, token, &u, &got, &limits), ERR_UNAUTHORIZED);
	arena_free(&a);
}

/* A token made with a token never exceeds it: what it leaves out it inherits, what it asks
 * beyond is refused, naming the field. */
static void test_token_from_token(void **state)
{
	struct db *db = *state;
	struct arena a;
	arena_init(&a, 0);
	struct verrors ve = { 0 };
	enum err e;
	int64_t id = add(db, &a, "p@example.org", "a long enough passphrase", "staff", &ve, &e);
	const char *token;
	int64_t tid;
	struct token_spec parent = { "p", "assets:read,*:read", "2031-01-01T00:00:00Z" }, made;
	struct token_spec spec = { "child", NULL, NULL };
	assert_int_equal(token_create(db, &a, &cli, id, &spec, &parent, &made, &token, &tid, &ve),
			 ERR_OK);
	assert_string_equal(made.permissions, "assets:read,*:read");
	assert_string_equal(made.expires_at, "2031-01-01T00:00:00Z");
	spec = (struct token_spec){ "narrower", "risks:read", "2030-06-01T00:00:00Z" };
	assert_int_equal(token_create(db, &a, &cli, id, &spec, &parent, &made, &token, &tid, &ve),
			 ERR_OK);
	assert_string_equal(made.permissions, "risks:read");
	static const char *const broader[] = { "*:*", "assets:update", "*:read,risks:accept",
					       "account:users", "account:tokens" };
	for (size_t i = 0; i < sizeof(broader) / sizeof(broader[0]); i++) {
		ve.n = 0;
		spec = (struct token_spec){ "wide", broader[i], NULL };
		assert_int_equal(
			token_create(db, &a, &cli, id, &spec, &parent, &made, &token, &tid, &ve),
			ERR_INVALID);
		assert_string_equal(ve.items[0].field, "permissions");
	}
	ve.n = 0;
	spec = (struct token_spec){ "longer", NULL, "2031-01-01T00:00:01Z" };
	assert_int_equal(token_create(db, &a, &cli, id, &spec, &parent, &made, &token, &tid, &ve),
			 ERR_INVALID);
	assert_string_equal(ve.items[0].field, "expires_at");
	/* a token with every register right still holds no account power */
	ve.n = 0;
	parent = (struct token_spec){ "all", NULL, NULL };
	spec = (struct token_spec){ "power", "account:users", NULL };
	assert_int_equal(token_create(db, &a, &cli, id, &spec, &parent, &made, &token, &tid, &ve),
			 ERR_INVALID);
	ve.n = 0;
	spec = (struct token_spec){ "registers", "*:read", NULL };
	assert_int_equal(token_create(db, &a, &cli, id, &spec, &parent, &made, &token, &tid, &ve),
			 ERR_OK);
	arena_free(&a);
}

static void test_find_department(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_exec(db, "INSERT INTO departments (name, code, created_at, updated_at)"
				     " VALUES ('Operations', 'OPS', 'x', 'x')"),
			 ERR_OK);
	int64_t id = 0;
	assert_int_equal(user_find_department(db, "ops", &id), ERR_OK);
	assert_int_equal(id, 1);
	assert_int_equal(user_find_department(db, "OPERATIONS", &id), ERR_OK);
	assert_int_equal(user_find_department(db, "1", &id), ERR_OK);
	assert_int_equal(user_find_department(db, "Finance", &id), ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_authenticate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehash_at_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions_expire_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_from_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_policy_and_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_department, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
