/* test_model.c - field descriptors: JSON in, text parsing per type, validation rules, the
 * registry and the error accumulator. Uses the real registers from src/domain; no database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/model.h"
#include "domain/domain.h"
#include "util/buf.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static struct arena A;

/* A register only this file knows: no real one has a read-only field, an integer range or a
 * minimum length yet, but model.c supports them. */
static const struct field widget_fields[] = {
	{ .name = "name", .label = "Name", .type = FT_TEXT, .flags = FF_REQUIRED, .min = 3 },
	{ .name = "score", .label = "Score", .type = FT_INT, .min = 1, .max = 10 },
	{ .name = "computed", .label = "Computed", .type = FT_INT, .flags = FF_READONLY },
};

static const struct entity entity_widget = {
	.name = "widget",
	.plural = "widgets",
	.title = "Widget",
	.title_plural = "Widgets",
	.fields = widget_fields,
	.nfields = N(widget_fields),
	.label_field = "name",
};

static int setup(void **state)
{
	(void)state;
	assert_null(domain_init());
	arena_init(&A, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(&A);
	return 0;
}

/* The message for field, or NULL when the field has none. */
static const char *error_for(const struct verrors *ve, const char *field)
{
	for (size_t i = 0; i < ve->n; i++)
		if (ve->items[i].field && strcmp(ve->items[i].field, field) == 0)
			return ve->items[i].message;
	return NULL;
}

static bool has_error(const struct verrors *ve, const char *field)
{
	return error_for(ve, field) != NULL;
}

static struct record *from_json_flags(const struct entity *e, const char *text, size_t flags,
				      struct verrors *ve)
{
	json_error_t err;
	json_t *j = json_loads(text, flags, &err);
	if (!j)
		fail_msg("bad test JSON %s: %s", text, err.text);
	struct record *r = model_record_new(&A, e);
	assert_non_null(r);
	model_from_json(&A, e, j, r, ve);
	json_decref(j);
	return r;
}

static struct record *from_json(const struct entity *e, const char *text, struct verrors *ve)
{
	return from_json_flags(e, text, 0, ve);
}

/* Sets one field of r from text, which must parse. */
static void set(struct record *r, const char *name, const char *text, size_t n)
{
	int k = model_field_index(r->e, name);
	assert_true(k >= 0);
	const char *why = NULL;
	if (!model_parse_text(&A, &r->e->fields[k], text, n, &r->v[k], &why))
		fail_msg("%s='%s' does not parse: %s", name, text, why);
}

/* ---- registry and look-ups ---- */

static void test_registry(void **state)
{
	(void)state;
	assert_int_equal(model_registry_count(), 28);
	assert_ptr_equal(model_registry_at(0), &entity_department);
	assert_null(model_registry_at(model_registry_count()));
	static const struct {
		const char *name, *plural;
		const struct entity *e;
	} cases[] = {
		{ "department", "departments", &entity_department },
		{ "person", "people", &entity_person },
		{ "asset", "assets", &entity_asset },
		{ "interested_party", "interested_parties", &entity_interested_party },
	};
	for (size_t i = 0; i < N(cases); i++) {
		assert_ptr_equal(model_entity(cases[i].name), cases[i].e);
		assert_ptr_equal(model_entity_by_plural(cases[i].plural), cases[i].e);
	}
	/* names and plurals are separate keys, and matching is exact */
	static const char *const missing[] = { "nothing", "", "assets", "Asset", "asset " };
	for (size_t i = 0; i < N(missing); i++)
		assert_null(model_entity(missing[i]));
	static const char *const missing_plural[] = { "asset", "person", "", "Assets" };
	for (size_t i = 0; i < N(missing_plural); i++)
		assert_null(model_entity_by_plural(missing_plural[i]));
	/* system fields are found by model_field but have no index among the entity's fields */
	assert_non_null(model_field(&entity_asset, "updated_at"));
	assert_int_equal(model_field(&entity_asset, "id")->type, FT_INT);
	assert_int_equal(model_field_index(&entity_asset, "updated_at"), -1);
	assert_int_equal(model_field_index(&entity_asset, "name"), 0);
	assert_null(model_field(&entity_asset, "nope"));
}

static void test_field_filterable(void **state)
{
	(void)state;
	static const struct {
		const struct entity *e;
		const char *field;
		bool filterable;
	} cases[] = {
		{ &entity_asset, "name", true },		/* text */
		{ &entity_asset, "review_on", true },		/* date */
		{ &entity_asset, "type", true },		/* enum */
		{ &entity_asset, "owner_id", true },		/* reference */
		{ &entity_asset, "confidentiality", true },	/* int with levels */
		{ &entity_asset, "id", true },			/* system */
		{ &entity_asset, "created_at", true },		/* system timestamp */
		{ &entity_interested_party, "in_scope", true }, /* bool */
		{ &entity_person, "email", true },		/* e-mail */
		{ &entity_asset, "description", false },	/* markdown */
		{ &entity_person, "notes", false },		/* long text */
	};
	for (size_t i = 0; i < N(cases); i++) {
		const struct field *f = model_field(cases[i].e, cases[i].field);
		assert_non_null(f);
		if (model_field_filterable(f) != cases[i].filterable)
			fail_msg("%s.%s: filterable should be %d", cases[i].e->name, cases[i].field,
				 cases[i].filterable);
	}
}

static void test_get(void **state)
{
	(void)state;
	struct record *r = model_record_new(&A, &entity_asset);
	assert_non_null(r);
	assert_ptr_equal(model_get(r, "name"), &r->v[0]);
	int k = model_field_index(&entity_asset, "review_on");
	assert_ptr_equal(model_get(r, "review_on"), &r->v[k]);
	assert_false(model_get(r, "review_on")->set); /* a new record holds nothing */
	assert_null(model_get(r, "id"));	      /* system fields are not values */
	assert_null(model_get(r, "nope"));
}

/* ---- JSON in ---- */

static void test_from_json_errors(void **state)
{
	(void)state;
	static const struct {
		const struct entity *e;
		const char *json, *field, *message_part;
	} cases[] = {
		/* keys that cannot be written */
		{ &entity_asset, "{\"bogus\":1}", "bogus", "not a field" },
		{ &entity_asset, "{\"id\":1}", "id", "set by the system" },
		{ &entity_asset, "{\"version\":2}", "version", "set by the system" },
		{ &entity_asset, "{\"created_at\":\"2026-01-01T00:00:00Z\"}", "created_at",
		  "set by the system" },
		{ &entity_asset, "{\"updated_at\":null}", "updated_at", "set by the system" },
		{ &entity_widget, "{\"computed\":3}", "computed", "computed" },
		/* text types want strings */
		{ &entity_asset, "{\"name\":5}", "name", "string" },
		{ &entity_asset, "{\"name\":true}", "name", "string" },
		{ &entity_asset, "{\"name\":[\"x\"]}", "name", "string" },
		{ &entity_asset, "{\"name\":{}}", "name", "string" },
		{ &entity_asset, "{\"description\":[]}", "description", "string" },
		{ &entity_person, "{\"notes\":{\"a\":1}}", "notes", "string" },
		{ &entity_person, "{\"email\":1}", "email", "string" },
		/* enums want strings; membership is validation's job */
		{ &entity_asset, "{\"type\":true}", "type", "string" },
		{ &entity_asset, "{\"type\":1}", "type", "string" },
		/* integers want JSON integers */
		{ &entity_asset, "{\"confidentiality\":\"2\"}", "confidentiality", "whole number" },
		{ &entity_asset, "{\"confidentiality\":2.0}", "confidentiality", "whole number" },
		{ &entity_asset, "{\"confidentiality\":2.5}", "confidentiality", "whole number" },
		{ &entity_asset, "{\"confidentiality\":true}", "confidentiality", "whole number" },
		/* references want the id as a number */
		{ &entity_asset, "{\"owner_id\":\"7\"}", "owner_id", "id" },
		{ &entity_asset, "{\"owner_id\":7.5}", "owner_id", "id" },
		{ &entity_asset, "{\"owner_id\":{\"id\":7}}", "owner_id", "id" },
		/* booleans want true/false, not strings or numbers */
		{ &entity_interested_party, "{\"in_scope\":\"true\"}", "in_scope",
		  "true or false" },
		{ &entity_interested_party, "{\"in_scope\":1}", "in_scope", "true or false" },
		{ &entity_interested_party, "{\"in_scope\":0}", "in_scope", "true or false" },
		/* dates: a string holding a real calendar day */
		{ &entity_asset, "{\"acquired_on\":20230101}", "acquired_on", "string" },
		{ &entity_asset, "{\"acquired_on\":\"2023-02-29\"}", "acquired_on", "date" },
		{ &entity_asset, "{\"acquired_on\":\"2023-13-01\"}", "acquired_on", "date" },
		{ &entity_asset, "{\"acquired_on\":\"23-01-01\"}", "acquired_on", "date" },
		{ &entity_interested_party, "{\"review_on\":false}", "review_on", "string" },
		{ &entity_person, "{\"start_date\":\"2025-1-2\"}", "start_date", "date" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct verrors ve = { 0 };
		struct record *r = from_json(cases[i].e, cases[i].json, &ve);
		const char *m = error_for(&ve, cases[i].field);
		if (!m)
			fail_msg("%s: no error for %s", cases[i].json, cases[i].field);
		if (!strstr(m, cases[i].message_part))
			fail_msg("%s: message '%s' lacks '%s'", cases[i].json, m,
				 cases[i].message_part);
		assert_int_equal(ve.n, 1);
		int k = model_field_index(cases[i].e, cases[i].field);
		if (k >= 0)
			assert_false(r->v[k].set); /* a rejected value is not kept */
	}
}

static void test_from_json_not_object(void **state)
{
	(void)state;
	static const char *const bodies[] = { "[]", "[{\"name\":\"x\"}]", "\"x\"", "1", "null" };
	for (size_t i = 0; i < N(bodies); i++) {
		struct verrors ve = { 0 };
		from_json_flags(&entity_asset, bodies[i], JSON_DECODE_ANY, &ve);
		assert_int_equal(ve.n, 1);
		assert_null(ve.items[0].field); /* about the body, not a field */
		assert_non_null(strstr(ve.items[0].message, "object"));
	}
}

static void test_from_json_values(void **state)
{
	(void)state;
	struct verrors ve = { 0 };
	struct record *r = from_json(&entity_asset,
				     "{\"name\":\"Laptop\",\"confidentiality\":3,\"owner_id\":12,"
				     "\"acquired_on\":\"2024-02-29\",\"location\":null}",
				     &ve);
	assert_int_equal(ve.n, 0);
	assert_true(model_get(r, "name")->set);
	assert_string_equal(model_get(r, "name")->s, "Laptop");
	assert_int_equal(model_get(r, "name")->n, 6);
	assert_int_equal(model_get(r, "confidentiality")->i, 3);
	assert_int_equal(model_get(r, "owner_id")->i, 12);
	assert_string_equal(model_get(r, "acquired_on")->s, "2024-02-29");
	/* null is a value: set, and null */
	assert_true(model_get(r, "location")->set);
	assert_true(model_get(r, "location")->null);
	/* PATCH: absent fields stay unset, so they are not touched */
	static const char *const absent[] = { "identifier",    "type",	    "description",
					      "department_id", "integrity", "availability",
					      "status",	       "review_on" };
	for (size_t i = 0; i < N(absent); i++)
		if (model_get(r, absent[i])->set)
			fail_msg("%s was not in the input but is set", absent[i]);

	struct verrors ve2 = { 0 };
	r = from_json(&entity_interested_party, "{\"in_scope\":false,\"contact\":null}", &ve2);
	assert_int_equal(ve2.n, 0);
	assert_true(model_get(r, "in_scope")->set);
	assert_false(model_get(r, "in_scope")->null);
	assert_int_equal(model_get(r, "in_scope")->i, 0);
	assert_true(model_get(r, "contact")->null);
	assert_false(model_get(r, "name")->set);
	struct verrors ve3 = { 0 };
	r = from_json(&entity_interested_party, "{\"in_scope\":true}", &ve3);
	assert_int_equal(model_get(r, "in_scope")->i, 1);

	/* an empty object is a valid PATCH that changes nothing */
	struct verrors ve4 = { 0 };
	r = from_json(&entity_asset, "{}", &ve4);
	assert_int_equal(ve4.n, 0);
	for (size_t i = 0; i < entity_asset.nfields; i++)
		assert_false(r->v[i].set);
}

/* One bad field does not stop the others from being read, and each error names its field. */
static void test_from_json_mixed(void **state)
{
	(void)state;
	struct verrors ve = { 0 };
	struct record *r = from_json(&entity_asset,
				     "{\"name\":\"Ok\",\"integrity\":\"x\",\"bogus\":1,"
				     "\"availability\":4,\"id\":3}",
				     &ve);
	assert_int_equal(ve.n, 3);
	assert_true(has_error(&ve, "integrity"));
	assert_true(has_error(&ve, "bogus"));
	assert_true(has_error(&ve, "id"));
	assert_string_equal(model_get(r, "name")->s, "Ok");
	assert_int_equal(model_get(r, "availability")->i, 4);
	assert_false(model_get(r, "integrity")->set);
}

/* Strings jansson would refuse to load can still be built in C; model.c must refuse them. */
static void test_from_json_bad_text(void **state)
{
	(void)state;
	json_t *j = json_object();
	json_object_set_new(j, "name", json_stringn_nocheck("bad \xff", 5));
	json_object_set_new(j, "location", json_stringn("a\0b", 3));
	struct record *r = model_record_new(&A, &entity_asset);
	struct verrors ve = { 0 };
	model_from_json(&A, &entity_asset, j, r, &ve);
	json_decref(j);
	assert_int_equal(ve.n, 2);
	assert_non_null(strstr(error_for(&ve, "name"), "UTF-8"));
	assert_non_null(strstr(error_for(&ve, "location"), "UTF-8")); /* NUL is never text */
	assert_false(model_get(r, "name")->set);
	assert_false(model_get(r, "location")->set);
}

/* ---- text in: query parameters and CSV cells ---- */

static void test_parse_text(void **state)
{
	(void)state;
	static const struct {
		const struct entity *e;
		const char *field, *text;
		bool ok;
		const char *stored; /* the text kept, or NULL for integer types */
		int64_t i;
	} cases[] = {
		/* integers */
		{ &entity_asset, "confidentiality", "3", true, NULL, 3 },
		{ &entity_asset, "confidentiality", "-2", true, NULL, -2 }, /* range: validate */
		{ &entity_asset, "confidentiality", "0", true, NULL, 0 },
		{ &entity_asset, "confidentiality", "9223372036854775807", true, NULL, INT64_MAX },
		{ &entity_asset, "confidentiality", "9223372036854775808", false, NULL, 0 },
		{ &entity_asset, "confidentiality", "three", false, NULL, 0 },
		{ &entity_asset, "confidentiality", "1.5", false, NULL, 0 },
		{ &entity_asset, "confidentiality", "", false, NULL, 0 },
		{ &entity_asset, "confidentiality", " 1", false, NULL, 0 },
		{ &entity_asset, "confidentiality", "1 ", false, NULL, 0 },
		{ &entity_asset, "confidentiality", "0x10", false, NULL, 0 },
		/* references */
		{ &entity_asset, "owner_id", "7", true, NULL, 7 },
		{ &entity_asset, "owner_id", "seven", false, NULL, 0 },
		/* booleans: exactly true or false */
		{ &entity_interested_party, "in_scope", "true", true, NULL, 1 },
		{ &entity_interested_party, "in_scope", "false", true, NULL, 0 },
		{ &entity_interested_party, "in_scope", "TRUE", false, NULL, 0 },
		{ &entity_interested_party, "in_scope", "1", false, NULL, 0 },
		{ &entity_interested_party, "in_scope", "yes", false, NULL, 0 },
		{ &entity_interested_party, "in_scope", "", false, NULL, 0 },
		{ &entity_interested_party, "in_scope", "true ", false, NULL, 0 },
		/* dates, with the leap-year rules */
		{ &entity_asset, "acquired_on", "2024-02-29", true, "2024-02-29", 0 },
		{ &entity_asset, "acquired_on", "2000-02-29", true, "2000-02-29", 0 }, /* /400 */
		{ &entity_asset, "acquired_on", "1900-02-29", false, NULL, 0 },	       /* /100 */
		{ &entity_asset, "acquired_on", "2100-02-29", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "2023-02-29", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "2023-02-28", true, "2023-02-28", 0 },
		{ &entity_asset, "acquired_on", "2024-04-31", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "2024-12-31", true, "2024-12-31", 0 },
		{ &entity_asset, "acquired_on", "2024-13-01", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "2024-00-10", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "2024-01-00", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "2024-1-01", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "2024/01/01", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "2024-01-01T00:00:00Z", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "0999-12-31", false, NULL, 0 },
		{ &entity_asset, "acquired_on", "9999-12-31", true, "9999-12-31", 0 },
		/* timestamps are stored normalised to UTC with a Z */
		{ &entity_asset, "created_at", "2026-01-31T09:00:00Z", true, "2026-01-31T09:00:00Z",
		  0 },
		{ &entity_asset, "created_at", "2026-01-31T10:00:00+01:00", true,
		  "2026-01-31T09:00:00Z", 0 },
		{ &entity_asset, "created_at", "2026-01-31T03:30:00-05:30", true,
		  "2026-01-31T09:00:00Z", 0 },
		{ &entity_asset, "created_at", "2026-01-31t09:00:00z", true, "2026-01-31T09:00:00Z",
		  0 },
		{ &entity_asset, "created_at", "2026-01-31 09:00:00Z", true, "2026-01-31T09:00:00Z",
		  0 },
		{ &entity_asset, "created_at", "2026-01-31T09:00:00.123456Z", true,
		  "2026-01-31T09:00:00Z", 0 },
		{ &entity_asset, "created_at", "2024-03-01T00:30:00+01:00", true,
		  "2024-02-29T23:30:00Z", 0 }, /* back over a leap day */
		{ &entity_asset, "created_at", "2023-12-31T23:30:00-01:00", true,
		  "2024-01-01T00:30:00Z", 0 }, /* forward over a year */
		{ &entity_asset, "created_at", "2026-01-31T09:00:00", false, NULL, 0 },
		{ &entity_asset, "created_at", "2026-01-31T24:00:00Z", false, NULL, 0 },
		{ &entity_asset, "created_at", "2026-01-31T09:60:00Z", false, NULL, 0 },
		{ &entity_asset, "created_at", "2026-01-31T09:00:60Z", false, NULL, 0 },
		{ &entity_asset, "created_at", "2026-02-30T09:00:00Z", false, NULL, 0 },
		{ &entity_asset, "created_at", "2026-01-31T09:00:00+0100", false, NULL, 0 },
		{ &entity_asset, "created_at", "2026-01-31T09:00:00.Z", false, NULL, 0 },
		{ &entity_asset, "created_at", "2026-01-31T09:00:00Zjunk", false, NULL, 0 },
		{ &entity_asset, "created_at", "2026-01-31", false, NULL, 0 },
		/* enums: any text parses; membership is checked by model_validate */
		{ &entity_asset, "type", "server", true, "server", 0 },
		{ &entity_asset, "type", "rocket", true, "rocket", 0 },
		/* text */
		{ &entity_asset, "name", "caf\xc3\xa9", true, "caf\xc3\xa9", 0 },
		{ &entity_asset, "name", "bad \xff", false, NULL, 0 },
		{ &entity_asset, "name", "\xed\xa0\x80", false, NULL, 0 }, /* a surrogate */
		{ &entity_person, "email", "a@x.example", true, "a@x.example", 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		const struct field *f = model_field(cases[i].e, cases[i].field);
		assert_non_null(f);
		struct value v;
		const char *why = NULL;
		bool ok = model_parse_text(&A, f, cases[i].text, strlen(cases[i].text), &v, &why);
		if (ok != cases[i].ok)
			fail_msg("%s=%s: expected %s", cases[i].field, cases[i].text,
				 cases[i].ok ? "ok" : "an error");
		assert_true(v.set);
		if (!ok) {
			assert_non_null(why);
			continue;
		}
		assert_false(v.null);
		if (cases[i].stored) {
			if (strcmp(v.s, cases[i].stored) != 0)
				fail_msg("%s=%s: stored '%s', want '%s'", cases[i].field,
					 cases[i].text, v.s, cases[i].stored);
			assert_int_equal(v.n, strlen(cases[i].stored));
		} else {
			assert_true(v.i == cases[i].i);
		}
	}
	/* a length-carrying string: the NUL and what follows are part of it */
	struct value v;
	const char *why = NULL;
	assert_false(
		model_parse_text(&A, model_field(&entity_asset, "type"), "server\0x", 8, &v, &why));
	assert_non_null(why);
	/* and only n bytes are read */
	assert_true(model_parse_text(&A, model_field(&entity_asset, "confidentiality"), "34", 1, &v,
				     &why));
	assert_int_equal(v.i, 3);
	/* the reason names what is wrong */
	assert_false(
		model_parse_text(&A, model_field(&entity_asset, "owner_id"), "x", 1, &v, &why));
	assert_non_null(strstr(why, "id"));
	assert_false(
		model_parse_text(&A, model_field(&entity_asset, "acquired_on"), "x", 1, &v, &why));
	assert_non_null(strstr(why, "YYYY-MM-DD"));
}

/* ---- validation ---- */

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

static struct record *valid_person(void)
{
	struct verrors ve = { 0 };
	struct record *r = from_json(&entity_person,
				     "{\"name\":\"Ann\",\"email\":\"ann@x.example\","
				     "\"department_id\":1,\"employment_type\":\"employee\"}",
				     &ve);
	assert_int_equal(ve.n, 0);
	return r;
}

static void test_validate_valid(void **state)
{
	(void)state;
	struct verrors ve = { 0 };
	model_validate(&A, valid_asset(), &ve);
	assert_int_equal(ve.n, 0);
	model_validate(&A, valid_person(), &ve);
	assert_int_equal(ve.n, 0);
	/* optional fields may be empty or null */
	struct record *r = valid_asset();
	set(r, "location", "", 0);
	int k = model_field_index(&entity_asset, "review_on");
	r->v[k] = (struct value){ .set = true, .null = true };
	model_validate(&A, r, &ve);
	assert_int_equal(ve.n, 0);
}

static void test_validate_required(void **state)
{
	(void)state;
	/* absent, null and "" all count as missing */
	struct verrors ve = { 0 };
	struct record *r = model_record_new(&A, &entity_asset);
	model_validate(&A, r, &ve);
	static const char *const required[] = {
		"name",	     "type",	     "owner_id", "department_id", "confidentiality",
		"integrity", "availability", "status"
	};
	assert_int_equal(ve.n, N(required));
	for (size_t i = 0; i < N(required); i++) {
		const char *m = error_for(&ve, required[i]);
		if (!m || strcmp(m, "is required") != 0)
			fail_msg("%s: want 'is required', got '%s'", required[i], m ? m : "");
	}
	static const char *const missing[] = { "{\"name\":null}", "{\"name\":\"\"}",
					       "{\"type\":\"\"}", "{\"owner_id\":null}",
					       "{\"confidentiality\":null}" };
	for (size_t i = 0; i < N(missing); i++) {
		struct verrors fe = { 0 };
		struct record *p = from_json(&entity_asset, missing[i], &fe);
		assert_int_equal(fe.n, 0);
		struct record *m = valid_asset();
		for (size_t k = 0; k < entity_asset.nfields; k++)
			if (p->v[k].set)
				m->v[k] = p->v[k];
		struct verrors e = { 0 };
		model_validate(&A, m, &e);
		assert_int_equal(e.n, 1);
		assert_string_equal(e.items[0].message, "is required");
	}
}

static void test_validate_rules(void **state)
{
	(void)state;
	static const struct {
		const struct entity *e;
		const char *field, *text, *message_part; /* NULL message: valid */
	} cases[] = {
		/* one-line text: no control characters, no surrounding spaces */
		{ &entity_asset, "name", " lead", "space" },
		{ &entity_asset, "name", "trail ", "space" },
		{ &entity_asset, "name", "in side", NULL },
		{ &entity_asset, "name", "ctl\x01", "control" },
		{ &entity_asset, "name", "two\nlines", "control" },
		{ &entity_asset, "name", "cr\rhere", "control" },
		{ &entity_asset, "name", "del\x7f", "control" },
		{ &entity_asset, "location", " Rack 4", "space" },
		/* Markdown and long text keep line breaks and indentation */
		{ &entity_asset, "description", "a\nb", NULL },
		{ &entity_asset, "description", "a\r\nb\tc", NULL },
		{ &entity_asset, "description", "    code block\n", NULL },
		{ &entity_asset, "description", "bell\x07", "control" },
		{ &entity_asset, "description", "del\x7f", "control" },
		{ &entity_person, "notes", "line 1\nline 2", NULL },
		{ &entity_person, "notes", "esc\x1b[0m", "control" },
		/* e-mail shape */
		{ &entity_person, "email", "first.last+tag@sub.example.org", NULL },
		{ &entity_person, "email", "a@b", "e-mail" },
		{ &entity_person, "email", "@x.example", "e-mail" },
		{ &entity_person, "email", "a@", "e-mail" },
		{ &entity_person, "email", "a.example", "e-mail" },
		{ &entity_person, "email", "a@@x.example", "e-mail" },
		{ &entity_person, "email", "a@x@y.example", "e-mail" },
		{ &entity_person, "email", "a b@x.example", "e-mail" },
		{ &entity_person, "email", "a@.example", "e-mail" },
		{ &entity_person, "email", "a@x.", "e-mail" },
		{ &entity_person, "email", "<a@x.example>", "e-mail" },
		{ &entity_person, "email", "a,b@x.example", "e-mail" },
		{ &entity_person, "email", "a;b@x.example", "e-mail" },
		{ &entity_person, "email", "\"a\"@x.example", "e-mail" },
		{ &entity_person, "email", " a@x.example", "e-mail" },
		{ &entity_person, "email", "a@x.example\n", "control" },
		/* enum membership, case-sensitive */
		{ &entity_asset, "type", "server", NULL },
		{ &entity_asset, "type", "Server", "must be one of" },
		{ &entity_asset, "type", "spaceship", "must be one of" },
		{ &entity_person, "employment_type", "intern", "must be one of" },
		/* integers with levels: 1..4 only */
		{ &entity_asset, "confidentiality", "1", NULL },
		{ &entity_asset, "confidentiality", "4", NULL },
		{ &entity_asset, "integrity", "0", "must be a level from 1 to 4" },
		{ &entity_asset, "availability", "5", "must be a level from 1 to 4" },
		{ &entity_asset, "confidentiality", "-1", "must be a level from 1 to 4" },
		/* references must be ids */
		{ &entity_asset, "owner_id", "0", "id" },
		{ &entity_asset, "department_id", "-3", "id" },
		/* a plain integer range */
		{ &entity_widget, "score", "1", NULL },
		{ &entity_widget, "score", "10", NULL },
		{ &entity_widget, "score", "0", "between 1 and 10" },
		{ &entity_widget, "score", "11", "between 1 and 10" },
		/* a minimum length, in characters */
		{ &entity_widget, "name", "ab", "at least 3" },
		{ &entity_widget, "name", "\xc3\xa9\xc3\xa9\xc3\xa9", NULL },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct record *r;
		if (cases[i].e == &entity_asset)
			r = valid_asset();
		else if (cases[i].e == &entity_person)
			r = valid_person();
		else {
			r = model_record_new(&A, cases[i].e);
			set(r, "name", "Widget", 6);
		}
		set(r, cases[i].field, cases[i].text, strlen(cases[i].text));
		struct verrors ve = { 0 };
		model_validate(&A, r, &ve);
		const char *m = error_for(&ve, cases[i].field);
		if (!cases[i].message_part) {
			if (ve.n)
				fail_msg("%s='%s': unexpected error on %s: %s", cases[i].field,
					 cases[i].text, ve.items[0].field, ve.items[0].message);
			continue;
		}
		if (!m)
			fail_msg("%s='%s' passed validation", cases[i].field, cases[i].text);
		if (!strstr(m, cases[i].message_part))
			fail_msg("%s='%s': message '%s' lacks '%s'", cases[i].field, cases[i].text,
				 m, cases[i].message_part);
		assert_int_equal(ve.n, 1);
	}
	/* C1 controls (U+0085 NEL, U+009B CSI) and U+2028 LINE SEPARATOR in one-line text */
	static const char *const c1[] = { "a\xc2\x85"
					  "b",
					  "a\xc2\x9b"
					  "b",
					  "a\xe2\x80\xa8"
					  "b" };
	for (size_t i = 0; i < N(c1); i++) {
		struct record *r = valid_asset();
		set(r, "name", c1[i], strlen(c1[i]));
		struct verrors ve = { 0 };
		model_validate(&A, r, &ve);
		assert_true(has_error(&ve, "name"));
	}
}

static void test_validate_enum_message(void **state)
{
	(void)state;
	struct record *r = valid_asset();
	set(r, "status", "gone", 4);
	struct verrors ve = { 0 };
	model_validate(&A, r, &ve);
	assert_string_equal(error_for(&ve, "status"),
			    "must be one of: planned, in_use, retired, disposed");
	/* a long list is given in full, first to last */
	r = valid_asset();
	set(r, "type", "rocket", 6);
	struct verrors ve2 = { 0 };
	model_validate(&A, r, &ve2);
	const char *m = error_for(&ve2, "type");
	assert_non_null(m);
	const struct field *f = model_field(&entity_asset, "type");
	struct buf want;
	buf_init(&want, 0);
	buf_adds(&want, "must be one of: ");
	for (const struct choice *c = f->choices; c->value; c++)
		buf_printf(&want, "%s%s", c == f->choices ? "" : ", ", c->value);
	assert_string_equal(m, buf_cstr(&want));
	buf_free(&want);
}

/* Lengths count characters, not bytes. */
static void test_validate_length(void **state)
{
	(void)state;
	static const struct {
		const char *field, *unit;
		size_t count;
		bool ok;
	} cases[] = {
		{ "name", "a", 200, true },
		{ "name", "a", 201, false },
		{ "name", "\xc3\xa9", 200, true }, /* 400 bytes, 200 characters */
		{ "name", "\xc3\xa9", 201, false },
		{ "name", "\xf0\x9f\x94\x92", 200, true }, /* 800 bytes */
		{ "name", "\xf0\x9f\x94\x92", 201, false },
		{ "identifier", "\xe2\x82\xac", 64, true },
		{ "identifier", "x", 65, false },
		{ "description", "\xc3\xa9", 20000, true }, /* the Markdown default */
		{ "description", "a", 20001, false },
	};
	for (size_t i = 0; i < N(cases); i++) {
		size_t ul = strlen(cases[i].unit), n = ul * cases[i].count;
		char *text = arena_alloc(&A, n + 1);
		assert_non_null(text);
		for (size_t k = 0; k < cases[i].count; k++)
			memcpy(text + k * ul, cases[i].unit, ul);
		struct record *r = valid_asset();
		set(r, cases[i].field, text, n);
		struct verrors ve = { 0 };
		model_validate(&A, r, &ve);
		if (cases[i].ok != (ve.n == 0))
			fail_msg("%s: %zu x '%s' should %s", cases[i].field, cases[i].count,
				 cases[i].unit, cases[i].ok ? "pass" : "fail");
		if (!cases[i].ok) {
			const char *m = error_for(&ve, cases[i].field);
			assert_non_null(m);
			char want[64];
			snprintf(want, sizeof(want), "must be at most %zu characters",
				 cases[i].count - 1);
			assert_string_equal(m, want);
		}
	}
}

/* The entity's check hook: rules across fields, run once the fields are valid. */
static void test_person_rule(void **state)
{
	(void)state;
	static const struct {
		const char *start, *end;
		bool ok;
	} cases[] = {
		{ "2025-01-02", "2025-01-01", false }, { "2025-01-01", "2024-12-31", false },
		{ "2025-01-01", "2025-01-01", true }, /* a one-day engagement */
		{ "2025-01-01", "2026-01-01", true },  { NULL, "2025-01-01", true },
		{ "2025-01-01", NULL, true },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct record *r = valid_person();
		if (cases[i].start)
			set(r, "start_date", cases[i].start, 10);
		if (cases[i].end)
			set(r, "end_date", cases[i].end, 10);
		struct verrors ve = { 0 };
		model_validate(&A, r, &ve);
		if (cases[i].ok != (ve.n == 0))
			fail_msg("start %s end %s: expected %s", cases[i].start, cases[i].end,
				 cases[i].ok ? "ok" : "an error");
		if (!cases[i].ok)
			assert_string_equal(error_for(&ve, "end_date"),
					    "must not be before the start date");
	}
	/* with an explicit null end date */
	struct record *r = valid_person();
	set(r, "start_date", "2025-01-01", 10);
	r->v[model_field_index(&entity_person, "end_date")] =
		(struct value){ .set = true, .null = true };
	struct verrors ve = { 0 };
	model_validate(&A, r, &ve);
	assert_int_equal(ve.n, 0);
	/* the hook does not run while a field is invalid: one error, about the field */
	r = valid_person();
	set(r, "name", "", 0);
	set(r, "start_date", "2025-01-02", 10);
	set(r, "end_date", "2025-01-01", 10);
	struct verrors ve2 = { 0 };
	model_validate(&A, r, &ve2);
	assert_int_equal(ve2.n, 1);
	assert_true(has_error(&ve2, "name"));
}

/* Read-only fields are never taken from input, so validation does not ask for them. */
static void test_validate_skips_readonly(void **state)
{
	(void)state;
	struct record *r = model_record_new(&A, &entity_widget);
	set(r, "name", "Widget", 6);
	struct verrors ve = { 0 };
	model_validate(&A, r, &ve);
	assert_int_equal(ve.n, 0);
}

/* ---- the error accumulator ---- */

static void test_verrors(void **state)
{
	(void)state;
	struct verrors ve = { 0 };
	verrors_add(&ve, "a", "first");
	verrors_add(&ve, "a", "second");
	verrors_add(&ve, "b", "other");
	assert_int_equal(ve.n, 2);
	assert_string_equal(ve.items[0].message, "first"); /* the first message wins */
	assert_string_equal(ve.items[1].field, "b");
	/* errors about the whole record (no field) are not merged */
	verrors_add(&ve, NULL, "x");
	verrors_add(&ve, NULL, "y");
	assert_int_equal(ve.n, 4);
	/* capped, keeping the earliest */
	static char names[64][8];
	for (int i = 0; i < 64; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		verrors_add(&ve, names[i], "many");
	}
	assert_int_equal(ve.n, VERRORS_MAX);
	assert_string_equal(ve.items[4].field, "f0");
	assert_string_equal(ve.items[VERRORS_MAX - 1].field, names[VERRORS_MAX - 5]);
	/* a full list still refuses duplicates and does not grow */
	verrors_add(&ve, "a", "again");
	verrors_add(&ve, NULL, "again");
	assert_int_equal(ve.n, VERRORS_MAX);

	struct verrors many = { 0 };
	for (int i = 0; i < 100; i++)
		verrors_add(&many, NULL, "many");
	assert_int_equal(many.n, VERRORS_MAX);
}

/* ---- JSON out ---- */

static void test_value_json(void **state)
{
	(void)state;
	struct verrors ve = { 0 };
	struct record *r =
		from_json(&entity_interested_party,
			  "{\"name\":\"Regulator\",\"in_scope\":true,\"contact\":null}", &ve);
	assert_int_equal(ve.n, 0);
	static const struct {
		const char *field, *json;
	} cases[] = {
		{ "name", "\"Regulator\"" },
		{ "in_scope", "true" },
		{ "contact", "null" },
		{ "review_on", "null" }, /* unset */
	};
	for (size_t i = 0; i < N(cases); i++) {
		const struct field *f = model_field(&entity_interested_party, cases[i].field);
		json_t *j = model_value_json(f, model_get(r, cases[i].field));
		char *s = json_dumps(j, JSON_ENCODE_ANY);
		assert_string_equal(s, cases[i].json);
		free(s);
		json_decref(j);
	}
	const struct field *f = model_field(&entity_asset, "confidentiality");
	struct value v = { .set = true, .i = 3 };
	json_t *j = model_value_json(f, &v);
	assert_true(json_is_integer(j));
	assert_int_equal(json_integer_value(j), 3);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_field_filterable),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_from_json_errors),
		cmocka_unit_test(test_from_json_not_object),
		cmocka_unit_test(test_from_json_values),
		cmocka_unit_test(test_from_json_mixed),
		cmocka_unit_test(test_from_json_bad_text),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_validate_valid),
		cmocka_unit_test(test_validate_required),
		cmocka_unit_test(test_validate_rules),
		cmocka_unit_test(test_validate_enum_message),
		cmocka_unit_test(test_validate_length),
		cmocka_unit_test(test_person_rule),
		cmocka_unit_test(test_validate_skips_readonly),
		cmocka_unit_test(test_verrors),
		cmocka_unit_test(test_value_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
