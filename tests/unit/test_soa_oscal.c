/* test_soa_oscal.c - the SoA as an OSCAL component definition, from an SoA made up here (no
 * database): control identifiers as OSCAL tokens, the organisation as a party, owners as one
 * party each however often they appear, white space folded where OSCAL's string type forbids
 * it but kept in remarks, a framework without controls, text that is not UTF-8 refused with
 * nothing written, and the size cap. Schema validation itself is in tests/api/soa_oscal.test.mjs
 * (ajv against NIST's schema). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "domain/soa.h"
#include "util/crypto.h"

#define NS "https://custos.example/ns/oscal"

static json_t *export(const struct soa *s, const char *org)
{
	struct arena a;
	arena_init(&a, 0);
	struct buf b;
	buf_init(&b, 1u << 20);
	assert_int_equal(soa_to_oscal(&a, s, "2026-11-29", org, &b), ERR_OK);
	json_error_t je;
	json_t *doc = json_loadb(b.p, b.len, 0, &je);
	assert_non_null(doc);
	buf_free(&b);
	arena_free(&a);
	return doc;
}

static json_t *reqs_of(json_t *doc)
{
	return json_object_get(
		json_array_get(
			json_object_get(
				json_array_get(json_object_get(
						       json_object_get(doc, "component-definition"),
						       "components"),
					       0),
				"control-implementations"),
			0),
		"implemented-requirements");
}

static const char *prop(json_t *o, const char *name)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(o, "props"), i, p)
	{
		if (!strcmp(json_string_value(json_object_get(p, "name")), name)) {
			assert_string_equal(json_string_value(json_object_get(p, "ns")), NS);
			return json_string_value(json_object_get(p, "value"));
		}
	}
	return NULL;
}

static void test_tokens_parties_text(void **state)
{
	(void)state;
	struct soa_row rows[] = {
		{ .control_id = "5.1",
		  .title = "Policies",
		  .control = 1,
		  .applicable = true,
		  .status = "implemented",
		  .owner = "  Ann\n Owner ",
		  .justification = "  kept as typed\n",
		  .reason_legal = true },
		{ .control_id = "AC-2(1)",
		  .title = "Accounts",
		  .control = 2,
		  .owner = "Ann Owner" },
		{ .control_id = "A.5.1.1", .title = "Old" },
		{ .control_id = "PE 3/b", .title = "Odd" },
		{ .control_id = "#7", .title = "Number" },
	};
	struct soa s = { "iso27001-2022", "ISO/IEC 27001:2022", 5, rows };
	json_t *doc = export(&s, " Westcloud \"Ltd\" ");
	json_t *cd = json_object_get(doc, "component-definition");
	json_t *meta = json_object_get(cd, "metadata");
	assert_string_equal(json_string_value(json_object_get(meta, "title")),
			    "Statement of Applicability: ISO/IEC 27001:2022 - Westcloud \"Ltd\"");
	assert_string_equal(json_string_value(json_object_get(meta, "version")), "2026-11-29");
	/* the organisation and one party for Ann, though she owns two controls */
	json_t *parties = json_object_get(meta, "parties");
	assert_int_equal(json_array_size(parties), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(parties, 0), "type")),
			    "organization");
	json_t *ann = json_array_get(parties, 1);
	assert_string_equal(json_string_value(json_object_get(ann, "name")), "Ann Owner");
	json_t *reqs = reqs_of(doc);
	assert_int_equal(json_array_size(reqs), 5);
	static const char *const tokens[] = { "a.5.1", "ac-2.1", "a.5.1.1", "pe-3-b", "_-7" };
	for (size_t i = 0; i < 5; i++) {
		json_t *r = json_array_get(reqs, i);
		assert_string_equal(json_string_value(json_object_get(r, "control-id")), tokens[i]);
		assert_string_equal(prop(r, "control-label"), rows[i].control_id);
	}
	json_t *r0 = json_array_get(reqs, 0), *r1 = json_array_get(reqs, 1);
	assert_string_equal(prop(r0, "applicability"), "applicable");
	assert_string_equal(prop(r0, "implementation-status"), "implemented");
	assert_string_equal(prop(r0, "inclusion-reason"), "legal");
	assert_string_equal(json_string_value(json_object_get(r0, "remarks")), "  kept as typed\n");
	assert_string_equal(prop(r1, "applicability"), "not-applicable");
	assert_null(prop(r1, "implementation-status"));
	assert_null(json_object_get(r1, "remarks"));
	assert_string_equal(prop(json_array_get(reqs, 2), "applicability"), "not-assessed");
	/* both of Ann's controls point at her one party */
	const char *ann_uuid = json_string_value(json_object_get(ann, "uuid"));
	for (size_t i = 0; i < 2; i++) {
		json_t *rr = json_array_get(
			json_object_get(json_array_get(reqs, i), "responsible-roles"), 0);
		assert_string_equal(json_string_value(json_object_get(rr, "role-id")),
				    "control-owner");
		assert_string_equal(
			json_string_value(json_array_get(json_object_get(rr, "party-uuids"), 0)),
			ann_uuid);
	}
	assert_null(json_object_get(json_array_get(reqs, 2), "responsible-roles"));
	json_decref(doc);
}

static void test_no_controls_no_org(void **state)
{
	(void)state;
	struct soa s = { "empty", "Empty framework", 0, NULL };
	json_t *doc = export(&s, NULL);
	json_t *cd = json_object_get(doc, "component-definition");
	json_t *comp = json_array_get(json_object_get(cd, "components"), 0);
	/* the schema wants at least one requirement in a control implementation: none at all */
	assert_null(json_object_get(comp, "control-implementations"));
	assert_null(json_object_get(json_object_get(cd, "metadata"), "parties"));
	assert_string_equal(json_string_value(json_object_get(comp, "title")),
			    "Information security management system");
	json_decref(doc);
}

static void test_not_utf8_and_cap(void **state)
{
	(void)state;
	struct soa_row rows[] = { { .control_id = "5.1",
				    .title = "ok",
				    .control = 1,
				    .applicable = true,
				    .status = "partial",
				    .justification = "bad \xC3\x28 byte" } };
	struct soa s = { "iso27001-2022", "ISO", 1, rows };
	struct arena a;
	arena_init(&a, 0);
	struct buf b;
	buf_init(&b, 1u << 20);
	assert_int_equal(soa_to_oscal(&a, &s, "2026-11-29", NULL, &b), ERR_INVALID);
	assert_int_equal(b.len, 0);
	rows[0].justification = "fine";
	buf_free(&b);
	buf_init(&b, 100);
	assert_int_equal(soa_to_oscal(&a, &s, "2026-11-29", NULL, &b), ERR_TOO_LARGE);
	buf_free(&b);
	arena_free(&a);
}

int main(void)
{
	if (crypto_init())
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_parties_text),
		cmocka_unit_test(test_no_controls_no_org),
		cmocka_unit_test(test_not_utf8_and_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
