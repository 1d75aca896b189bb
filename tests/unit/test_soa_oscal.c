/* test_soa_oscal.c - the SoA as an OSCAL component definition, from an SoA made up here (no
 * database): control identifiers as OSCAL tokens, the organisation as a party, owners as one
 * party each however often they appear, white space folded where OSCAL's string type forbids
 * it but kept in remarks, a framework without controls, text that is not UTF-8 refused with
 * nothing written, and the size cap; the UUIDs: stable (version 5 in the organisation's
 * namespace) for what the document describes, new (version 4) for the document itself.
 * Schema validation itself is in tests/api/soa_oscal.test.mjs (ajv against NIST's schema). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "domain/soa.h"
#include "util/crypto.h"

#define NS     "https://custos.example/ns/oscal"
#define ORG_NS "7d444840-9dc0-41a4-b4f2-0b5bc0b2a0c5"

static json_t *export_ns(const struct soa *s, const char *org, const char *ns)
{
	struct arena a;
	arena_init(&a, 0);
	struct buf b;
	buf_init(&b, 1u << 20);
	assert_int_equal(soa_to_oscal(&a, s, "2026-11-29", org, ns, &b), ERR_OK);
	json_error_t je;
	json_t *doc = json_loadb(b.p, b.len, 0, &je);
	assert_non_null(doc);
	buf_free(&b);
	arena_free(&a);
	return doc;
}

static json_t *export(const struct soa *s, const char *org)
{
	return export_ns(s, org, ORG_NS);
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
		  .owner_id = 7,
		  .justification = "  kept as typed\n",
		  .reason_legal = true },
		{ .control_id = "AC-2(1)",
		  .title = "Accounts",
		  .control = 2,
		  .owner = "Ann Owner",
		  .owner_id = 7 },
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
	assert_int_equal(soa_to_oscal(&a, &s, "2026-11-29", NULL, NULL, &b), ERR_INVALID);
	assert_int_equal(b.len, 0);
	rows[0].justification = "fine";
	buf_free(&b);
	buf_init(&b, 100);
	assert_int_equal(soa_to_oscal(&a, &s, "2026-11-29", NULL, NULL, &b), ERR_TOO_LARGE);
	buf_free(&b);
	arena_free(&a);
}

/* ---- UUIDs ---- */

static const char *uuid_at(json_t *o)
{
	const char *u = json_string_value(json_object_get(o, "uuid"));
	assert_non_null(u);
	return u;
}

static json_t *comp_of(json_t *doc)
{
	return json_array_get(
		json_object_get(json_object_get(doc, "component-definition"), "components"), 0);
}

/* Every uuid of the document but its own, in document order, as one string. */
static char *stable_uuids(json_t *doc)
{
	json_t *cd = json_object_get(doc, "component-definition");
	json_t *comp = comp_of(doc);
	json_t *impl = json_array_get(json_object_get(comp, "control-implementations"), 0);
	json_t *all = json_array();
	json_array_append_new(all, json_string(uuid_at(comp)));
	json_array_append_new(all, json_string(uuid_at(impl)));
	size_t i;
	json_t *x;
	json_array_foreach(reqs_of(doc), i, x) json_array_append_new(all, json_string(uuid_at(x)));
	json_array_foreach(json_object_get(json_object_get(cd, "metadata"), "parties"), i, x)
		json_array_append_new(all, json_string(uuid_at(x)));
	json_array_foreach(json_object_get(json_object_get(cd, "back-matter"), "resources"), i, x)
		json_array_append_new(all, json_string(uuid_at(x)));
	char *s = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	return s;
}

static void expect_uuid5(const char *ns, const char *name, const char *got)
{
	unsigned char b[16];
	assert_true(crypto_uuid_parse(ns, b));
	char want[CRYPTO_UUID_LEN];
	crypto_uuid5(b, name, strlen(name), want);
	assert_string_equal(got, want);
}

static struct soa_row uuid_rows[] = {
	{ .control_id = "5.1", .title = "A", .control = 41, .owner = "Ann", .owner_id = 7 },
	{ .control_id = "5.2", .title = "B", .control = 42, .owner = "Ann", .owner_id = 8 },
	{ .control_id = "5.3", .title = "C" },
};

/* Two exports of the same SoA: every object keeps its uuid, the document gets a new one. */
static void test_uuids_stable(void **state)
{
	(void)state;
	struct soa s = { "iso27001-2022", "ISO/IEC 27001:2022", 3, uuid_rows };
	json_t *a = export(&s, "Westcloud"), *b = export(&s, "Westcloud");
	const char *da = uuid_at(json_object_get(a, "component-definition"));
	const char *db = uuid_at(json_object_get(b, "component-definition"));
	assert_string_not_equal(da, db);
	assert_int_equal(da[14], '4');
	char *sa = stable_uuids(a), *sb = stable_uuids(b);
	assert_string_equal(sa, sb);
	/* each is version 5, and none twice: 1 component, 1 implementation, 3 requirements, the
	 * organisation and two people called Ann (two person records), 1 resource */
	json_t *list = json_loads(sa, 0, NULL);
	assert_int_equal(json_array_size(list), 9);
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x)
	{
		assert_int_equal(json_string_value(x)[14], '5');
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(json_string_value(x),
						json_string_value(json_array_get(list, k)));
	}
	json_decref(list);
	free(sa);
	free(sb);
	/* the names the user guide documents, so anyone can recompute them */
	json_t *comp = comp_of(a);
	expect_uuid5(ORG_NS, "component/isms", uuid_at(comp));
	expect_uuid5(ORG_NS, "control-implementation/iso27001-2022",
		     uuid_at(json_array_get(json_object_get(comp, "control-implementations"), 0)));
	json_t *reqs = reqs_of(a);
	expect_uuid5(ORG_NS, "implemented-requirement/control/41",
		     uuid_at(json_array_get(reqs, 0)));
	expect_uuid5(ORG_NS, "implemented-requirement/control/42",
		     uuid_at(json_array_get(reqs, 1)));
	expect_uuid5(ORG_NS, "implemented-requirement/iso27001-2022/5.3",
		     uuid_at(json_array_get(reqs, 2)));
	json_t *meta = json_object_get(json_object_get(a, "component-definition"), "metadata");
	json_t *parties = json_object_get(meta, "parties");
	expect_uuid5(ORG_NS, "party/organisation", uuid_at(json_array_get(parties, 0)));
	expect_uuid5(ORG_NS, "party/person/7", uuid_at(json_array_get(parties, 1)));
	expect_uuid5(ORG_NS, "party/person/8", uuid_at(json_array_get(parties, 2)));
	json_t *res = json_array_get(
		json_object_get(
			json_object_get(json_object_get(a, "component-definition"), "back-matter"),
			"resources"),
		0);
	expect_uuid5(ORG_NS, "resource/framework/iso27001-2022", uuid_at(res));
	/* the implementation's source still points at the resource */
	const char *src = json_string_value(json_object_get(
		json_array_get(json_object_get(comp, "control-implementations"), 0), "source"));
	assert_string_equal(src + 1, uuid_at(res));
	json_decref(a);
	json_decref(b);
}

/* Another organisation's namespace gives other UUIDs; without one (or with a malformed one)
 * the fixed default namespace, which is the v5 UUID of the Custos namespace URL. */
static void test_uuid_namespaces(void **state)
{
	(void)state;
	struct soa s = { "iso27001-2022", "ISO/IEC 27001:2022", 3, uuid_rows };
	json_t *mine = export(&s, NULL);
	json_t *other = export_ns(&s, NULL, "0b0e6c43-3b39-4d4b-9d38-bd7a8f7f2a11");
	json_t *none = export_ns(&s, NULL, NULL);
	json_t *bad = export_ns(&s, NULL, "not-a-uuid");
	json_t *dflt = export_ns(&s, NULL, SOA_OSCAL_DEFAULT_NAMESPACE);
	char *m = stable_uuids(mine), *o = stable_uuids(other), *n = stable_uuids(none),
	     *b = stable_uuids(bad), *d = stable_uuids(dflt);
	assert_string_not_equal(m, o);
	assert_string_not_equal(m, n);
	assert_string_equal(n, d);
	assert_string_equal(b, d);
	expect_uuid5(SOA_OSCAL_DEFAULT_NAMESPACE, "component/isms", uuid_at(comp_of(none)));
	unsigned char url[16];
	assert_true(crypto_uuid_parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8", url));
	char want[CRYPTO_UUID_LEN];
	crypto_uuid5(url, NS, strlen(NS), want);
	assert_string_equal(SOA_OSCAL_DEFAULT_NAMESPACE, want);
	free(m);
	free(o);
	free(n);
	free(b);
	free(d);
	json_decref(mine);
	json_decref(other);
	json_decref(none);
	json_decref(bad);
	json_decref(dflt);
}

/* Rows without real record ids (a frozen copy marks assessed rows with 1) still get one uuid
 * each: a repeat falls back to the control's identifier. */
static void test_uuids_unique_without_ids(void **state)
{
	(void)state;
	struct soa_row rows[] = {
		{ .control_id = "5.1", .title = "A", .control = 1 },
		{ .control_id = "5.2", .title = "B", .control = 1 },
		{ .control_id = "5.2", .title = "B again", .control = 1 },
	};
	struct soa s = { "iso27001-2022", "ISO/IEC 27001:2022", 3, rows };
	json_t *doc = export(&s, NULL);
	json_t *reqs = reqs_of(doc);
	const char *u0 = uuid_at(json_array_get(reqs, 0)), *u1 = uuid_at(json_array_get(reqs, 1)),
		   *u2 = uuid_at(json_array_get(reqs, 2));
	assert_string_not_equal(u0, u1);
	assert_string_not_equal(u1, u2);
	assert_string_not_equal(u0, u2);
	expect_uuid5(ORG_NS, "implemented-requirement/iso27001-2022/5.2", u1);
	json_decref(doc);
}

int main(void)
{
	if (crypto_init())
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_parties_text),
		cmocka_unit_test(test_no_controls_no_org),
		cmocka_unit_test(test_not_utf8_and_cap),
		cmocka_unit_test(test_uuids_stable),
		cmocka_unit_test(test_uuid_namespaces),
		cmocka_unit_test(test_uuids_unique_without_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
