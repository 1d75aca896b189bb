/* test_keys.c - natural keys: every register's declaration holds (a register others refer to
 * has a key, every record has one, a key's reference is required and the chain of keys ends),
 * choice labels can be read back, and against a temporary database the lookups: an
 * alternative after another, a composite key through a reference, an ambiguous key, pending
 * rows, the reader's scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/authz.h"
#include "core/repo.h"
#include "core/rowcache.h"
#include "io/keys.h"
#include "testdb.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static const struct actor who = { 1, "ism@example.org" };

/* ---- declarations ---- */

static bool referenced(const struct entity *e)
{
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *o = model_registry_at(i);
		for (size_t k = 0; k < o->nfields; k++)
			if (o->fields[k].type == FT_REF && strcmp(o->fields[k].ref, e->name) == 0)
				return true;
	}
	return false;
}

/* The depth of e's key chain through its reference parts; -1 when it loops. */
static int key_depth(const struct entity *e, int depth)
{
	if (depth > 8)
		return -1;
	struct key_spec ks;
	const char *why;
	assert_true(key_spec_parse(e, &ks, &why));
	int deepest = depth;
	for (size_t a = 0; a < ks.nalts; a++)
		for (size_t p = 0; p < ks.alts[a].nparts; p++) {
			const struct field *f = ks.alts[a].parts[p];
			if (f->type != FT_REF)
				continue;
			int d = key_depth(model_entity(f->ref), depth + 1);
			if (d < 0)
				return -1;
			deepest = d > deepest ? d : deepest;
		}
	return deepest;
}

static void test_declarations(void **state)
{
	(void)state;
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		struct key_spec ks;
		const char *why = NULL;
		if (!key_spec_parse(e, &ks, &why))
			fail_msg("%s: the key '%s' %s", e->plural, e->io.key, why);
		/* a reference to the register can be written in a file and found again */
		if (referenced(e) && !ks.nalts)
			fail_msg("%s is referred to but declares no natural key (io.key)",
				 e->plural);
		if (!ks.nalts)
			continue;
		/* the last alternative is always there: every record has a key */
		const struct key_alt *last = &ks.alts[ks.nalts - 1];
		for (size_t p = 0; p < last->nparts; p++)
			if (!(last->parts[p]->flags & FF_REQUIRED))
				fail_msg("%s: %s, in the key's last alternative, is not required",
					 e->plural, last->parts[p]->name);
		/* a reference in a key is required (its register is imported first) and the
		 * chain of keys ends */
		for (size_t a = 0; a < ks.nalts; a++)
			for (size_t p = 0; p < ks.alts[a].nparts; p++) {
				const struct field *f = ks.alts[a].parts[p];
				if (f->type == FT_REF && !(f->flags & FF_REQUIRED))
					fail_msg("%s: the key's reference %s is not required",
						 e->plural, f->name);
				if (f->type == FT_REF && strcmp(f->ref, e->name) == 0)
					fail_msg("%s: the key refers to its own register",
						 e->plural);
			}
		if (key_depth(e, 0) < 0)
			fail_msg("%s: the chain of keys loops", e->plural);
	}
	/* choices are read back by value or label (an XLSX export writes labels): no label
	 * may name two choices, or another choice's value */
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		for (size_t k = 0; k < e->nfields; k++) {
			const struct choice *cs = e->fields[k].choices;
			for (const struct choice *c = cs; c && c->value; c++)
				for (const struct choice *d = cs; d->value; d++)
					if (c != d && (strcasecmp(c->label, d->label) == 0 ||
						       strcasecmp(c->label, d->value) == 0))
						fail_msg("%s.%s: the label '%s' is ambiguous",
							 e->plural, e->fields[k].name, c->label);
		}
	}
}

/* Declarations the parser refuses. */
static void test_bad_specs(void **state)
{
	(void)state;
	static const struct field fs[] = {
		{ .name = "a", .label = "A", .type = FT_TEXT },
		{ .name = "b", .label = "B", .type = FT_TEXT },
		{ .name = "f", .label = "F", .type = FT_FILE },
	};
	static const char *const bad[] = { "x", "a+x", "a|",	  "|a",	    "a++b",
					   "f", "a+a", "a|b|a|b", "a+b+a+b" };
	for (size_t i = 0; i < N(bad); i++) {
		struct entity e = { .name = "t", .plural = "ts", .fields = fs, .nfields = N(fs) };
		e.io.key = bad[i];
		struct key_spec ks;
		const char *why = NULL;
		if (key_spec_parse(&e, &ks, &why))
			fail_msg("'%s' was taken", bad[i]);
		assert_non_null(why);
	}
	struct entity e = { .name = "t", .plural = "ts", .fields = fs, .nfields = N(fs) };
	e.io.key = "a+b|b";
	struct key_spec ks;
	const char *why;
	assert_true(key_spec_parse(&e, &ks, &why));
	assert_int_equal(ks.nalts, 2);
	assert_int_equal(ks.alts[0].nparts, 2);
	assert_ptr_equal(ks.alts[0].parts[1], &fs[1]);
}

/* ---- lookups ---- */

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
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &who };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	rowcache_clear();
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

static int64_t create(struct fx *f, const struct entity *e, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, e);
	assert_non_null(r);
	for (size_t i = 0; kv[i]; i += 2) {
		int k = model_field_index(e, kv[i]);
		const char *why = NULL;
		assert_true(k >= 0);
		assert_true(model_parse_text(&f->a, &e->fields[k], kv[i + 1], strlen(kv[i + 1]),
					     &r->v[k], &why));
	}
	struct verrors ve = { 0 };
	int64_t id = 0;
	if (repo_create(&f->c, r, &ve, &id))
		fail_msg("create %s: %s", e->name, ve.n ? ve.items[0].message : "");
	return id;
}

static const char *num(struct fx *f, int64_t v)
{
	return arena_printf(&f->a, "%lld", (long long)v);
}

static struct key_match find(struct keys *k, const struct entity *e, const char *s)
{
	struct key_match m;
	assert_int_equal(keys_find(k, e, s, strlen(s), &m), ERR_OK);
	return m;
}

static bool only_ops(void *arg, const struct entity *e, struct list_query *lq)
{
	int64_t *ops = arg;
	if (e == &entity_department) {
		lq->scoped = true;
		lq->scope = SCOPE_DEPT;
		lq->scope_department = *ops;
	}
	return e != &entity_asset; /* assets: none at all */
}

static void test_lookups(void **state)
{
	struct fx *f = *state;
	int64_t ops = create(f, &entity_department,
			     (const char *[]){ "name", "Operations", "code", "OPS", NULL });
	int64_t fin = create(f, &entity_department, (const char *[]){ "name", "Finance", NULL });
	int64_t ann = create(f, &entity_person,
			     (const char *[]){ "name", "Ann", "email", "ann@example.org",
					       "department_id", num(f, ops), NULL });
	const char *base[] = { "type",		"server",    "owner_id",	num(f, ann),
			       "department_id", num(f, ops), "confidentiality", "1",
			       "integrity",	"1",	     "availability",	"1" };
	int64_t assets[3];
	for (int i = 0; i < 3; i++) {
		const char *kv[2 * 8 + 1] = { "name", i < 2 ? "Laptop" : "Server" };
		memcpy(kv + 2, base, sizeof(base));
		kv[14] = i == 2 ? "identifier" : NULL;
		kv[15] = "SRV-1";
		kv[16] = NULL;
		assets[i] = create(f, &entity_asset, kv);
	}
	int64_t fw = create(f, &entity_framework,
			    (const char *[]){ "code", "iso", "name", "ISO", NULL });
	int64_t cc = create(f, &entity_catalog_control,
			    (const char *[]){ "framework_id", num(f, fw), "control_id", "A.5.1",
					      "title", "Policies", NULL });

	struct keys *k;
	assert_int_equal(keys_open(&f->c, NULL, &k), ERR_OK);
	/* the code first, the name where there is none: both find it */
	struct key_match m = find(k, &entity_department, "OPS");
	assert_int_equal(m.count, 1);
	assert_int_equal(m.id, ops);
	assert_int_equal(m.alt, 0);
	m = find(k, &entity_department, "Operations");
	assert_int_equal(m.count, 1);
	assert_int_equal(m.id, ops);
	assert_int_equal(m.alt, 1);
	assert_int_equal(find(k, &entity_department, "Finance").id, fin);
	assert_int_equal(find(k, &entity_department, "ops").count, 0);	     /* exact text */
	assert_int_equal(find(k, &entity_department, num(f, ops)).count, 0); /* never an id */
	const char *s;
	size_t n;
	assert_int_equal(keys_text(k, &entity_department, ops, &s, &n), ERR_OK);
	assert_string_equal(s, "OPS");
	assert_int_equal(keys_text(k, &entity_department, fin, &s, &n), ERR_OK);
	assert_string_equal(s, "Finance");
	assert_int_equal(keys_text(k, &entity_department, 999, &s, &n), ERR_OK);
	assert_null(s);
	/* two assets share a name and have no identifier: ambiguous; the third by either */
	m = find(k, &entity_asset, "Laptop");
	assert_int_equal(m.count, 2);
	assert_int_equal(m.alt, 1);
	assert_int_equal(find(k, &entity_asset, "SRV-1").id, assets[2]);
	assert_int_equal(find(k, &entity_asset, "Server").id, assets[2]);
	/* a composite key through a reference: the framework's code and the identifier */
	assert_int_equal(find(k, &entity_catalog_control, "iso A.5.1").id, cc);
	assert_int_equal(keys_text(k, &entity_catalog_control, cc, &s, &n), ERR_OK);
	assert_string_equal(s, "iso A.5.1");
	assert_int_equal(find(k, &entity_person, "ann@example.org").id, ann);
	/* pending rows: found by their texts, their key kept; gone when forgotten */
	const char *texts[KEY_MAX_ALTS] = { "HR", "Human Resources", NULL };
	assert_int_equal(keys_add_pending(k, &entity_department, 1, texts), ERR_OK);
	const char *dup[KEY_MAX_ALTS] = { NULL, "Finance", NULL };
	assert_int_equal(keys_add_pending(k, &entity_department, 2, dup), ERR_OK);
	m = find(k, &entity_department, "Human Resources");
	assert_int_equal(m.count, 1);
	assert_int_equal(m.tok, 1);
	assert_int_equal(m.id, 0);
	assert_string_equal(keys_pending_text(k, &entity_department, 1), "HR");
	assert_int_equal(find(k, &entity_department, "Finance").count, 2);
	keys_forget_pending(k);
	assert_int_equal(find(k, &entity_department, "HR").count, 0);
	assert_int_equal(find(k, &entity_department, "Finance").count, 1);
	/* once reading stops, a register not read yet is an error, not a read */
	keys_stop_reading(k, true);
	struct key_match none;
	assert_int_equal(keys_find(k, &entity_interested_party, "x", 1, &none), ERR_INTERNAL);
	keys_close(k);

	/* a scoped reader: the departments of its scope only, no assets at all */
	struct key_reader rd = { only_ops, &ops };
	assert_int_equal(keys_open(&f->c, &rd, &k), ERR_OK);
	assert_int_equal(find(k, &entity_department, "OPS").id, ops);
	assert_int_equal(find(k, &entity_department, "Finance").count, 0);
	assert_int_equal(find(k, &entity_asset, "SRV-1").count, 0);
	assert_int_equal(keys_text(k, &entity_asset, assets[2], &s, &n), ERR_OK);
	assert_null(s);
	keys_close(k);
	assert_string_equal(key_describe(&f->a, &entity_department, -1), "code or name");
	assert_string_equal(key_describe(&f->a, &entity_department, 1), "name");
	assert_string_equal(key_describe(&f->a, &entity_control, -1), "catalogue control");
	assert_string_equal(key_describe(&f->a, &entity_catalog_control, -1),
			    "framework and identifier");
}

int main(void)
{
	assert_null(domain_init());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
