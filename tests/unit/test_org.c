/* test_org.c - the organisation's own record against a temporary database (SQLite, or
 * PostgreSQL with CUSTOS_TEST_PG): one record at most (a clear conflict from the register, and
 * the database's unique index against anything that bypasses it), a random uuid made on create
 * that no update changes, the website and security contact rules, organisation_get() before
 * and after, and the audit chain and records still verifying. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/repo.h"
#include "core/verify.h"
#include "testdb.h"

static const struct actor ism = { 1, "ism@example.org" };

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !(f->db = testdb_open()))
		return -1;
	if (testdb_fresh_totals(f->db))
		return -1;
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &ism };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

/* An organisation record with the key/value pairs kv. */
static struct record *rec(struct fx *f, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, &entity_organisation);
	assert_non_null(r);
	for (size_t k = 0; kv[k]; k += 2) {
		int i = model_field_index(&entity_organisation, kv[k]);
		assert_true(i >= 0);
		const char *why;
		if (!model_parse_text(&f->a, &entity_organisation.fields[i], kv[k + 1],
				      strlen(kv[k + 1]), &r->v[i], &why))
			fail_msg("%s='%s': %s", kv[k], kv[k + 1], why);
	}
	return r;
}

static bool names_field(const struct verrors *ve, const char *field)
{
	for (size_t i = 0; i < ve->n; i++)
		if (ve->items[i].field && strcmp(ve->items[i].field, field) == 0)
			return true;
	return false;
}

static int64_t count(struct db *db)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "SELECT count(*) FROM organisations", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static const char *uuid_of(struct fx *f, int64_t id)
{
	struct record *r;
	assert_int_equal(repo_load(&f->c, &entity_organisation, id, &r), ERR_OK);
	const struct value *v = model_get(r, "uuid");
	assert_true(v->set && !v->null);
	return v->s;
}

static void test_one_record_stable_uuid(void **state)
{
	struct fx *f = *state;
	struct organisation_info info;
	assert_int_equal(organisation_get(f->db, &f->a, &info), ERR_OK);
	assert_null(info.name);
	assert_null(info.uuid);

	const char *kv[] = { "name",
			     "Westcloud",
			     "legal_name",
			     "Westcloud Communications Ltd",
			     "website",
			     "https://westcloud.example",
			     "security_contact",
			     "security@westcloud.example",
			     NULL };
	struct verrors ve = { 0 };
	int64_t id = 0;
	assert_int_equal(repo_create(&f->c, rec(f, kv), &ve, &id), ERR_OK);
	const char *u = uuid_of(f, id);
	unsigned char b[16];
	assert_true(crypto_uuid_parse(u, b));
	assert_int_equal(u[14], '4');
	assert_int_equal(organisation_get(f->db, &f->a, &info), ERR_OK);
	assert_string_equal(info.name, "Westcloud");
	assert_string_equal(info.uuid, u);

	/* a second record: refused with the reason, nothing written */
	const char *again[] = { "name", "Another", NULL };
	struct verrors ve2 = { 0 };
	int64_t id2 = 0;
	assert_int_equal(repo_create(&f->c, rec(f, again), &ve2, &id2), ERR_CONFLICT);
	assert_int_equal(ve2.n, 1);
	assert_null(ve2.items[0].field);
	assert_non_null(strstr(ve2.items[0].message, "already an organisation record"));
	assert_int_equal(count(f->db), 1);
	/* nor behind the register's back: the unique index */
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(f->db,
				    "INSERT INTO organisations (name, version, created_at,"
				    " updated_at) VALUES ('Sneaky', 1, 'x', 'x')",
				    &st),
			 ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_CONFLICT);
	db_done(st);
	assert_int_equal(count(f->db), 1);

	/* updates keep the uuid, even one that tries to set it */
	const char *rename[] = { "name", "Westcloud Group", "uuid",
				 "00000000-0000-4000-8000-000000000000", NULL };
	struct verrors ve3 = { 0 };
	assert_int_equal(repo_update(&f->c, &entity_organisation, id, rec(f, rename), 0, &ve3),
			 ERR_OK);
	assert_string_equal(uuid_of(f, id), u);
	assert_int_equal(organisation_get(f->db, &f->a, &info), ERR_OK);
	assert_string_equal(info.name, "Westcloud Group");
	assert_string_equal(info.uuid, u);

	struct audit_result ar;
	assert_int_equal(audit_verify(f->db, &ar), ERR_OK);
	assert_int_equal(ar.bad_seq, 0);
	struct verify_result vr;
	assert_int_equal(verify_records(f->db, &vr), ERR_OK);
	assert_int_equal(vr.mismatches, 0);
}

static void test_rules(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *field, *value;
		bool ok;
	} cases[] = {
		{ "website", "https://westcloud.example", true },
		{ "website", "http://westcloud.example/trust", true },
		{ "website", "javascript:alert(1)", false },
		{ "website", "westcloud.example", false },
		{ "website", "https://", false },
		{ "website", "https:///etc/passwd", false },
		{ "website", "https://west cloud.example", false },
		{ "website", "ftp://westcloud.example", false },
		{ "security_contact", "security@westcloud.example", true },
		{ "security_contact", "not an address", false },
		{ "name", "", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *kv[] = { "name", "Westcloud", cases[i].field, cases[i].value, NULL };
		struct record *r = rec(f, strcmp(cases[i].field, "name") ? kv : kv + 2);
		struct verrors ve = { 0 };
		int64_t id = 0;
		enum err e = repo_create(&f->c, r, &ve, &id);
		if (cases[i].ok) {
			assert_int_equal(e, ERR_OK);
			/* make room for the next case */
			struct verrors vd = { 0 };
			assert_int_equal(repo_delete(&f->c, &entity_organisation, id, 0, &vd),
					 ERR_OK);
		} else {
			if (e != ERR_INVALID || !names_field(&ve, cases[i].field))
				fail_msg("%s='%s' was not refused", cases[i].field, cases[i].value);
		}
	}
	assert_int_equal(count(f->db), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_record_stable_uuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
