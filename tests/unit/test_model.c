/* test_model.c - field descriptors: JSON in, text parsing per type, validation rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/model.h"
#include "domain/domain.h"

static struct arena A;

static int setup(void **state)
{
	(void)state;
	domain_init();
	arena_init(&A, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(&A);
	return 0;
}

static bool has_error(const struct verrors *ve, const char *field)
{
	for (size_t i = 0; i < ve->n; i++)
		if (ve->items[i].field && strcmp(ve->items[i].field, field) == 0)
			return true;
	return false;
}

static struct record *from_json(const struct entity *e, const char *text, struct verrors *ve)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	assert_non_null(j);
	struct record *r = model_record_new(&A, e);
	model_from_json(&A, e, j, r, ve);
	json_decref(j);
	return r;
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(model_entity("asset"), &entity_asset);
	assert_ptr_equal(model_entity_by_plural("interested_parties"), &entity_interested_party);
	assert_null(model_entity("nothing"));
	assert_null(model_entity_by_plural("asset"));
	assert_non_null(model_field(&entity_asset, "updated_at")); /* system fields too */
	assert_int_equal(model_field_index(&entity_asset, "updated_at"), -1);
	assert_true(model_field_filterable(model_field(&entity_asset, "review_on")));
	assert_false(model_field_filterable(model_field(&entity_asset, "description")));
}

static void test_from_json_errors(void **state)
{
	(void)state;
	static const struct {
		const char *json, *field;
	} cases[] = {
		{ "{\"bogus\":1}", "bogus" },
		{ "{\"id\":1}", "id" },
		{ "{\"version\":2}", "version" },
		{ "{\"name\":5}", "name" },
		{ "{\"confidentiality\":\"2\"}", "confidentiality" },
		{ "{\"confidentiality\":2.0}", "confidentiality" },
		{ "{\"owner_id\":\"7\"}", "owner_id" },
		{ "{\"acquired_on\":\"2023-02-29\"}", "acquired_on" },
		{ "{\"acquired_on\":20230101}", "acquired_on" },
		{ "{\"type\":true}", "type" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verrors ve = { 0 };
		struct record *r = from_json(&entity_asset, cases[i].json, &ve);
		if (!has_error(&ve, cases[i].field))
			fail_msg("%s: no error for %s", cases[i].json, cases[i].field);
		int k = model_field_index(&entity_asset, cases[i].field);
		if (k >= 0)
			assert_false(r->v[k].set); /* a rejected value is not kept */
	}
	struct verrors ve = { 0 };
	struct record *r =
		from_json(&entity_interested_party, "{\"in_scope\":false,\"contact\":null}", &ve);
	assert_int_equal(ve.n, 0);
	assert_true(model_get(r, "in_scope")->set);
	assert_int_equal(model_get(r, "in_scope")->i, 0);
	assert_true(model_get(r, "contact")->null);
	assert_false(model_get(r, "name")->set); /* PATCH leaves absent fields alone */
}

static void test_parse_text(void **state)
{
	(void)state;
	static const struct {
		const char *field, *text;
		bool ok;
		const char *stored;
	} cases[] = {
		{ "confidentiality", "3", true, NULL },
		{ "confidentiality", "three", false, NULL },
		{ "acquired_on", "2024-02-29", true, "2024-02-29" },
		{ "acquired_on", "2100-02-29", false, NULL },
		{ "acquired_on", "2024-04-31", false, NULL },
		{ "type", "server", true, "server" },
		{ "name", "caf\xc3\xa9", true, "caf\xc3\xa9" },
		{ "name", "bad \xff", false, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct field *f = model_field(&entity_asset, cases[i].field);
		struct value v;
		const char *why = NULL;
		bool ok = model_parse_text(&A, f, cases[i].text, strlen(cases[i].text), &v, &why);
		if (ok != cases[i].ok)
			fail_msg("%s=%s: expected %d", cases[i].field, cases[i].text, cases[i].ok);
		if (!ok)
			assert_non_null(why);
		if (ok && cases[i].stored)
			assert_string_equal(v.s, cases[i].stored);
	}
	static const struct field ts = { .name = "t", .type = FT_TIMESTAMP };
	static const struct field b = { .name = "b", .type = FT_BOOL };
	struct value v;
	const char *why;
	assert_true(model_parse_text(&A, &ts, "2026-01-31T10:00:00+01:00", 25, &v, &why));
	assert_string_equal(v.s, "2026-01-31T09:00:00Z");
	assert_true(model_parse_text(&A, &b, "true", 4, &v, &why));
	assert_int_equal(v.i, 1);
	assert_false(model_parse_text(&A, &b, "yes", 3, &v, &why));
}

static struct record *valid_asset(void)
{
	struct verrors ve = { 0 };
	struct record *r = from_json(&entity_asset,
				     "{\"name\":\"Laptop\",\"type\":\"pc_laptop\",\"owner_id\":1,"
				     "\"department_id\":1,\"confidentiality\":2,\"integrity\":2,"
				     "\"availability\":2,\"status\":\"in_use\"}",
				     &ve);
	assert_int_equal(ve.n, 0);
	return r;
}

static void test_validate(void **state)
{
	(void)state;
	struct verrors ve = { 0 };
	model_validate(&A, valid_asset(), &ve);
	assert_int_equal(ve.n, 0);

	static const struct {
		const char *field, *text;
		const char *message_part;
	} bad[] = {
		{ "name", "", "required" },
		{ "name", " lead", "space" },
		{ "name", "tab\x01", "control" },
		{ "type", "spaceship", "pc_laptop" }, /* the message lists the values */
		{ "confidentiality", "9", "1 to 4" },
		{ "owner_id", "0", "id" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct record *r = valid_asset();
		int k = model_field_index(&entity_asset, bad[i].field);
		const char *why;
		assert_true(model_parse_text(&A, &entity_asset.fields[k], bad[i].text,
					     strlen(bad[i].text), &r->v[k], &why));
		struct verrors e = { 0 };
		model_validate(&A, r, &e);
		if (!has_error(&e, bad[i].field))
			fail_msg("%s='%s' passed validation", bad[i].field, bad[i].text);
		assert_non_null(strstr(e.items[0].message, bad[i].message_part));
	}
	/* length counts characters, not bytes: 200 two-byte characters fit */
	struct record *r = valid_asset();
	char name[401];
	for (int i = 0; i < 200; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[400] = '\0';
	int k = model_field_index(&entity_asset, "name");
	const char *why;
	assert_true(model_parse_text(&A, &entity_asset.fields[k], name, 400, &r->v[k], &why));
	struct verrors e = { 0 };
	model_validate(&A, r, &e);
	assert_int_equal(e.n, 0);
	/* Markdown keeps newlines, one-line text does not */
	int d = model_field_index(&entity_asset, "description");
	assert_true(model_parse_text(&A, &entity_asset.fields[d], "a\nb", 3, &r->v[d], &why));
	model_validate(&A, r, &e);
	assert_int_equal(e.n, 0);
}

static void test_person_rule(void **state)
{
	(void)state;
	struct verrors ve = { 0 };
	struct record *r =
		from_json(&entity_person,
			  "{\"name\":\"A\",\"email\":\"a@x.example\",\"department_id\":1,"
			  "\"employment_type\":\"employee\",\"start_date\":\"2025-01-02\","
			  "\"end_date\":\"2025-01-01\"}",
			  &ve);
	model_validate(&A, r, &ve);
	assert_true(has_error(&ve, "end_date"));
	struct verrors ve2 = { 0 };
	r = from_json(&entity_person, "{\"name\":\"A\",\"email\":\"a@b\",\"department_id\":1}",
		      &ve2);
	model_validate(&A, r, &ve2);
	assert_true(has_error(&ve2, "email"));
}

static void test_verrors(void **state)
{
	(void)state;
	struct verrors ve = { 0 };
	verrors_add(&ve, "a", "first");
	verrors_add(&ve, "a", "second");
	assert_int_equal(ve.n, 1);
	assert_string_equal(ve.items[0].message, "first");
	for (int i = 0; i < 100; i++)
		verrors_add(&ve, NULL, "many");
	assert_int_equal(ve.n, VERRORS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),    cmocka_unit_test(test_from_json_errors),
		cmocka_unit_test(test_parse_text),  cmocka_unit_test(test_validate),
		cmocka_unit_test(test_person_rule), cmocka_unit_test(test_verrors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
