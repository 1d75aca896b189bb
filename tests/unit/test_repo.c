/* test_repo.c - generated SQL for every register against a temporary database: writes
 * with their audit events in the same transaction, validation that writes nothing, the JSON
 * shape of a row, and lists with search, filters, sort, keyset cursors, scope and totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/authz.h"
#include "core/repo.h"
#include "core/rowcache.h"
#include "testdb.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static const struct actor who = { 1, "ism@example.org" };

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
	int64_t dept, person;	/* Operations, Ann */
	int64_t dept2, person2; /* Finance, Bob */
};

/* ---- helpers ---- */

static int64_t count(struct db *db, const char *sql)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, sql, &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static int64_t count_id(struct db *db, const char *sql, int64_t id)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, sql, &st), ERR_OK);
	db_bind_int(st, 1, id);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static int64_t events(struct fx *f)
{
	return count(f->db, "SELECT count(*) FROM audit_events");
}

static void set(struct fx *f, struct record *r, const char *name, const char *text)
{
	int i = model_field_index(r->e, name);
	if (i < 0)
		fail_msg("%s has no field %s", r->e->name, name);
	if (!text) {
		memset(&r->v[i], 0, sizeof(r->v[i]));
		return;
	}
	if (strcmp(text, "null") == 0) {
		r->v[i] = (struct value){ .set = true, .null = true };
		return;
	}
	const char *why;
	if (!model_parse_text(&f->a, &r->e->fields[i], text, strlen(text), &r->v[i], &why))
		fail_msg("%s='%s': %s", name, text, why);
}

/* A record of e from name/value pairs ending with NULL; a value NULL leaves the field unset
 * and "null" makes it null. */
static struct record *rec(struct fx *f, const struct entity *e, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, e);
	assert_non_null(r);
	for (size_t i = 0; kv && kv[i]; i += 2)
		set(f, r, kv[i], kv[i + 1]);
	return r;
}

static const char *num(struct fx *f, int64_t v)
{
	return arena_printf(&f->a, "%lld", (long long)v);
}

/* A valid asset of Ann's in Operations, with kv applied on top. */
static struct record *asset(struct fx *f, const char *const *kv)
{
	const char *base[] = { "name",
			       "Server",
			       "type",
			       "server",
			       "owner_id",
			       num(f, f->person),
			       "department_id",
			       num(f, f->dept),
			       "confidentiality",
			       "2",
			       "integrity",
			       "2",
			       "availability",
			       "2",
			       NULL };
	struct record *r = rec(f, &entity_asset, base);
	for (size_t i = 0; kv && kv[i]; i += 2)
		set(f, r, kv[i], kv[i + 1]);
	return r;
}

static int64_t create_ok(struct fx *f, struct record *r)
{
	struct verrors ve = { 0 };
	int64_t id = 0;
	enum err e = repo_create(&f->c, r, &ve, &id);
	if (e)
		fail_msg("create %s: %s (%s %s)", r->e->name, err_name(e),
			 ve.n ? ve.items[0].field : "", ve.n ? ve.items[0].message : "");
	assert_true(id > 0);
	return id;
}

static struct record *load(struct fx *f, const struct entity *e, int64_t id)
{
	struct record *r = NULL;
	assert_int_equal(repo_load(&f->c, e, id, &r), ERR_OK);
	return r;
}

/* The newest audit event; its changes parsed. */
struct event {
	char action[16], entity[32], actor[64];
	int64_t entity_id, actor_id;
	json_t *changes;
};

static void last_event(struct fx *f, struct event *ev)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(f->db,
				    "SELECT action, entity, entity_id, actor_id, actor, changes"
				    " FROM audit_events ORDER BY seq DESC LIMIT 1",
				    &st),
			 ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	snprintf(ev->action, sizeof(ev->action), "%s", db_col_text(st, 0, NULL));
	snprintf(ev->entity, sizeof(ev->entity), "%s", db_col_text(st, 1, NULL));
	ev->entity_id = db_col_int(st, 2);
	ev->actor_id = db_col_int(st, 3);
	snprintf(ev->actor, sizeof(ev->actor), "%s", db_col_text(st, 4, NULL));
	json_error_t jerr;
	ev->changes = json_loads(db_col_text(st, 5, NULL), JSON_REJECT_DUPLICATES, &jerr);
	db_done(st);
	assert_non_null(ev->changes);
}

static json_t *get_json(struct fx *f, const struct entity *e, int64_t id)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(repo_get_json(&f->c, e, id, &b), ERR_OK);
	json_error_t jerr;
	json_t *j = json_loads(buf_cstr(&b), JSON_REJECT_DUPLICATES, &jerr);
	buf_free(&b);
	assert_non_null(j);
	return j;
}

/* ---- fixture ---- */

static int setup(void **state)
{
	/* List totals are cached per thread by (query, register version); every test starts its
	 * registers at a version no earlier test reached, so no total outlives its database. */
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !(f->db = testdb_open()))
		return -1;
	if (testdb_fresh_totals(f->db))
		return -1;
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &who };
	*state = f;
	const char *d1[] = { "name", "Operations", "code", "OPS", NULL };
	f->dept = create_ok(f, rec(f, &entity_department, d1));
	const char *d2[] = { "name", "Finance", "code", "FIN", NULL };
	f->dept2 = create_ok(f, rec(f, &entity_department, d2));
	const char *p1[] = { "name",	      "Ann",	       "email", "ann@example.org",
			     "department_id", num(f, f->dept), NULL };
	f->person = create_ok(f, rec(f, &entity_person, p1));
	const char *p2[] = { "name",	       "Bob", "email", "bob@example.org", "department_id",
			     num(f, f->dept2), NULL };
	f->person2 = create_ok(f, rec(f, &entity_person, p2));
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	time_set_fake(0);
	rowcache_clear();
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

/* ---- create ---- */

static void test_create(void **state)
{
	struct fx *f = *state;
	time_set_fake(1767225600); /* 2026-01-01T00:00:00Z */
	int64_t before = events(f);
	int64_t regver = count(f->db, "SELECT version FROM register_versions WHERE entity='asset'");
	const char *kv[] = { "confidentiality", "3", NULL };
	int64_t id = create_ok(f, asset(f, kv));
	/* one event, in the same transaction as the row, and the register counter moved */
	assert_int_equal(events(f), before + 1);
	assert_int_equal(count(f->db, "SELECT version FROM register_versions WHERE entity='asset'"),
			 regver + 1);
	struct record *r = load(f, &entity_asset, id);
	assert_string_equal(model_get(r, "status")->s, "in_use"); /* the default */
	assert_int_equal(model_get(r, "confidentiality")->i, 3);
	assert_true(model_get(r, "review_on")->null);
	assert_int_equal(r->version, 1);
	assert_string_equal(r->created_at, "2026-01-01T00:00:00Z");
	assert_string_equal(r->updated_at, "2026-01-01T00:00:00Z");

	struct event ev;
	last_event(f, &ev);
	assert_string_equal(ev.action, "create");
	assert_string_equal(ev.entity, "asset");
	assert_int_equal(ev.entity_id, id);
	assert_int_equal(ev.actor_id, 1);
	assert_string_equal(ev.actor, "ism@example.org");
	/* every value written, as [null, value]; nothing for fields left empty */
	json_t *name = json_object_get(ev.changes, "name");
	assert_true(json_is_null(json_array_get(name, 0)));
	assert_string_equal(json_string_value(json_array_get(name, 1)), "Server");
	assert_int_equal(json_integer_value(
				 json_array_get(json_object_get(ev.changes, "confidentiality"), 1)),
			 3);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(ev.changes, "status"), 1)),
		"in_use");
	assert_null(json_object_get(ev.changes, "review_on"));
	assert_null(json_object_get(ev.changes, "description"));
	assert_int_equal(json_object_size(ev.changes), 8);
	json_decref(ev.changes);

	/* a default does not override a value given */
	const char *retired[] = { "name", "Old", "status", "retired", NULL };
	id = create_ok(f, asset(f, retired));
	assert_string_equal(model_get(load(f, &entity_asset, id), "status")->s, "retired");
	/* a boolean default */
	const char *party[] = { "name",		"Regulator", "category", "regulator",
				"requirements", "Reports",   NULL };
	id = create_ok(f, rec(f, &entity_interested_party, party));
	struct record *p = load(f, &entity_interested_party, id);
	assert_false(model_get(p, "in_scope")->null);
	assert_int_equal(model_get(p, "in_scope")->i, 1);
}

/* Whatever fails, nothing is written: no row, no event, no register bump. */
static void test_invalid_writes_nothing(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *field, *value; /* the change to a valid asset */
		const char *error_field, *message_part;
	} cases[] = {
		{ "confidentiality", "9", "confidentiality", "level" },
		{ "name", NULL, "name", "required" },
		{ "name", "", "name", "required" },
		{ "name", " padded", "name", "space" },
		{ "type", "rocket", "type", "one of" },
		{ "owner_id", "4242", "owner_id", "Person that does not exist" },
		{ "department_id", "4242", "department_id", "Department that does not exist" },
		{ "owner_id", "0", "owner_id", "id" },
		{ "acquired_on", "null", NULL, NULL }, /* control: valid */
	};
	for (size_t i = 0; i < N(cases); i++) {
		int64_t ev = events(f), rows = count(f->db, "SELECT count(*) FROM assets");
		int64_t regver =
			count(f->db, "SELECT version FROM register_versions WHERE entity='asset'");
		const char *kv[] = { cases[i].field, cases[i].value, NULL };
		struct verrors ve = { 0 };
		int64_t id = 0;
		enum err e = repo_create(&f->c, asset(f, kv), &ve, &id);
		if (!cases[i].error_field) {
			assert_int_equal(e, ERR_OK);
			assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), rows + 1);
			continue;
		}
		if (e != ERR_INVALID)
			fail_msg("%s=%s: %s, want ERR_INVALID", cases[i].field,
				 cases[i].value ? cases[i].value : "(unset)", err_name(e));
		assert_int_equal(ve.n, 1);
		assert_string_equal(ve.items[0].field, cases[i].error_field);
		if (!strstr(ve.items[0].message, cases[i].message_part))
			fail_msg("%s: '%s' lacks '%s'", cases[i].field, ve.items[0].message,
				 cases[i].message_part);
		assert_int_equal(id, 0);
		assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), rows);
		assert_int_equal(events(f), ev);
		assert_int_equal(
			count(f->db, "SELECT version FROM register_versions WHERE entity='asset'"),
			regver);
	}
	/* both references missing: both named */
	const char *kv[] = { "owner_id", "4242", "department_id", "4343", NULL };
	struct verrors ve = { 0 };
	int64_t id;
	assert_int_equal(repo_create(&f->c, asset(f, kv), &ve, &id), ERR_INVALID);
	assert_int_equal(ve.n, 2);
}

static void test_unique(void **state)
{
	struct fx *f = *state;
	const struct {
		const struct entity *e;
		const char *kv[9];
		const char *field;
	} cases[] = {
		{ &entity_department, { "name", "Operations", NULL }, "name" },
		{ &entity_department, { "name", "Other", "code", "OPS", NULL }, "code" },
		{ &entity_person,
		  { "name", "Ann 2", "email", "ann@example.org", "department_id", num(f, f->dept),
		    NULL },
		  "email" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		int64_t ev = events(f);
		struct verrors ve = { 0 };
		int64_t id;
		assert_int_equal(repo_create(&f->c, rec(f, cases[i].e, cases[i].kv), &ve, &id),
				 ERR_INVALID);
		assert_int_equal(ve.n, 1);
		assert_string_equal(ve.items[0].field, cases[i].field);
		assert_non_null(strstr(ve.items[0].message, "already used"));
		assert_int_equal(events(f), ev);
	}
	/* an optional unique field may be empty on many rows */
	int64_t a = create_ok(f, asset(f, NULL));
	int64_t b = create_ok(f, asset(f, NULL));
	const char *tag[] = { "identifier", "SRV-1", NULL };
	int64_t c = create_ok(f, asset(f, tag));
	struct verrors ve = { 0 };
	int64_t id;
	assert_int_equal(repo_create(&f->c, asset(f, tag), &ve, &id), ERR_INVALID);
	assert_string_equal(ve.items[0].field, "identifier");
	/* on update: taking another row's value fails, keeping one's own does not */
	struct verrors ue = { 0 };
	assert_int_equal(repo_update(&f->c, &entity_asset, a, rec(f, &entity_asset, tag), 0, &ue),
			 ERR_INVALID);
	assert_string_equal(ue.items[0].field, "identifier");
	const char *both[] = { "identifier", "SRV-1", "name", "Renamed", NULL };
	struct verrors se = { 0 };
	assert_int_equal(repo_update(&f->c, &entity_asset, c, rec(f, &entity_asset, both), 0, &se),
			 ERR_OK);
	(void)b;
}

/* The row and its audit event commit together or not at all. */
static void test_audit_failure_rolls_back(void **state)
{
	struct fx *f = *state;
	int64_t id = create_ok(f, asset(f, NULL));
	/* a trigger that refuses every audit event */
	bool pg = db_dialect(f->db) == DB_POSTGRES;
	if (pg) {
		assert_int_equal(db_exec(f->db, "CREATE FUNCTION audit_off() RETURNS trigger"
						" LANGUAGE plpgsql AS"
						" 'BEGIN RAISE EXCEPTION ''audit is off''; END'"),
				 ERR_OK);
		assert_int_equal(db_exec(f->db, "CREATE TRIGGER audit_off BEFORE INSERT ON"
						" audit_events FOR EACH ROW EXECUTE FUNCTION"
						" audit_off()"),
				 ERR_OK);
	} else {
		assert_int_equal(db_exec(f->db, "CREATE TRIGGER audit_off BEFORE INSERT ON"
						" audit_events BEGIN SELECT RAISE(ABORT, 'audit is"
						" off'); END"),
				 ERR_OK);
	}
	int64_t ev = events(f), rows = count(f->db, "SELECT count(*) FROM assets");
	struct verrors ve = { 0 };
	int64_t nid = 0;
	assert_int_not_equal(repo_create(&f->c, asset(f, NULL), &ve, &nid), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), rows);

	const char *kv[] = { "location", "Rack 9", NULL };
	struct verrors ue = { 0 };
	assert_int_not_equal(
		repo_update(&f->c, &entity_asset, id, rec(f, &entity_asset, kv), 0, &ue), ERR_OK);
	struct record *r = load(f, &entity_asset, id);
	assert_true(model_get(r, "location")->null);
	assert_int_equal(r->version, 1);

	struct verrors de = { 0 };
	assert_int_not_equal(repo_delete(&f->c, &entity_asset, id, 0, &de), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), rows);
	assert_int_equal(events(f), ev);
	assert_int_equal(db_exec(f->db, pg ? "DROP TRIGGER audit_off ON audit_events"
					   : "DROP TRIGGER audit_off"),
			 ERR_OK);
}

/* A caller that holds the transaction decides: rolled back, nothing remains. */
static void test_caller_transaction(void **state)
{
	struct fx *f = *state;
	int64_t ev = events(f);
	assert_int_equal(db_begin(f->db), ERR_OK);
	f->c.in_tx = true;
	create_ok(f, asset(f, NULL));
	create_ok(f, asset(f, NULL));
	f->c.in_tx = false;
	db_rollback(f->db);
	assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), 0);
	assert_int_equal(events(f), ev);
}

static enum err deny(void *arg, const struct entity *e, const struct record *before,
		     const struct record *after)
{
	(void)e;
	(void)before;
	(void)after;
	(*(int *)arg)++;
	return ERR_FORBIDDEN;
}

static void test_guard_blocks_writes(void **state)
{
	struct fx *f = *state;
	int64_t id = create_ok(f, asset(f, NULL));
	int64_t ev = events(f);
	int calls = 0;
	f->c.guard = deny;
	f->c.guard_arg = &calls;
	struct verrors ve = { 0 };
	int64_t nid;
	assert_int_equal(repo_create(&f->c, asset(f, NULL), &ve, &nid), ERR_FORBIDDEN);
	const char *kv[] = { "name", "X", NULL };
	assert_int_equal(repo_update(&f->c, &entity_asset, id, rec(f, &entity_asset, kv), 0, &ve),
			 ERR_FORBIDDEN);
	/* permission comes before the version check: a stale If-Match learns nothing */
	assert_int_equal(repo_update(&f->c, &entity_asset, id, rec(f, &entity_asset, kv), 99, &ve),
			 ERR_FORBIDDEN);
	assert_int_equal(repo_delete(&f->c, &entity_asset, id, 0, &ve), ERR_FORBIDDEN);
	f->c.guard = NULL;
	assert_int_equal(calls, 4);
	assert_int_equal(events(f), ev);
	assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), 1);
}

/* ---- update ---- */

static void test_update(void **state)
{
	struct fx *f = *state;
	time_set_fake(1767225600);
	int64_t id = create_ok(f, asset(f, NULL));
	time_set_fake(1767225690);
	/* name unchanged, location new: only location is in the event */
	const char *kv[] = { "name", "Server", "location", "Rack 4", NULL };
	struct verrors ve = { 0 };
	int64_t ev = events(f);
	assert_int_equal(repo_update(&f->c, &entity_asset, id, rec(f, &entity_asset, kv), 1, &ve),
			 ERR_OK);
	assert_int_equal(events(f), ev + 1);
	struct event e;
	last_event(f, &e);
	assert_string_equal(e.action, "update");
	assert_int_equal(e.entity_id, id);
	char *s = json_dumps(e.changes, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"location\":[null,\"Rack 4\"]}");
	free(s);
	json_decref(e.changes);
	struct record *r = load(f, &entity_asset, id);
	assert_int_equal(r->version, 2);
	assert_string_equal(r->created_at, "2026-01-01T00:00:00Z");
	assert_string_equal(r->updated_at, "2026-01-01T00:01:30Z");
	assert_string_equal(model_get(r, "type")->s, "server"); /* untouched */

	/* several changes at once, one of them to null */
	const char *kv2[] = { "location", "null", "confidentiality", "4", "integrity", "2", NULL };
	assert_int_equal(repo_update(&f->c, &entity_asset, id, rec(f, &entity_asset, kv2), 2, &ve),
			 ERR_OK);
	last_event(f, &e);
	s = json_dumps(e.changes, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"confidentiality\":[2,4],\"location\":[\"Rack 4\",null]}");
	free(s);
	json_decref(e.changes);
	assert_int_equal(load(f, &entity_asset, id)->version, 3);

	/* a PATCH that changes nothing: no event, same version, same updated_at */
	time_set_fake(1767225999);
	static const char *const noops[][7] = {
		{ NULL },
		{ "location", "null", NULL },
		{ "confidentiality", "4", "name", "Server", NULL },
	};
	for (size_t i = 0; i < N(noops); i++) {
		ev = events(f);
		assert_int_equal(repo_update(&f->c, &entity_asset, id,
					     rec(f, &entity_asset, noops[i]), 3, &ve),
				 ERR_OK);
		assert_int_equal(events(f), ev);
		r = load(f, &entity_asset, id);
		assert_int_equal(r->version, 3);
		assert_string_equal(r->updated_at, "2026-01-01T00:01:30Z");
	}
	assert_int_equal(ve.n, 0);
}

static void test_update_rejected(void **state)
{
	struct fx *f = *state;
	int64_t id = create_ok(f, asset(f, NULL));
	static const struct {
		const char *field, *value;
		int64_t if_version;
		enum err want;
		const char *error_field;
	} cases[] = {
		{ "location", "Rack 5", 2, ERR_PRECONDITION, NULL }, /* If-Match: stale */
		{ "location", "Rack 5", 7, ERR_PRECONDITION, NULL },
		{ "confidentiality", "9", 1, ERR_INVALID, "confidentiality" },
		{ "name", "null", 0, ERR_INVALID, "name" }, /* required: cannot be cleared */
		{ "name", "", 0, ERR_INVALID, "name" },
		{ "owner_id", "4242", 0, ERR_INVALID, "owner_id" },
		{ "status", "lost", 0, ERR_INVALID, "status" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		int64_t ev = events(f);
		const char *kv[] = { cases[i].field, cases[i].value, NULL };
		struct verrors ve = { 0 };
		enum err e = repo_update(&f->c, &entity_asset, id, rec(f, &entity_asset, kv),
					 cases[i].if_version, &ve);
		if (e != cases[i].want)
			fail_msg("%s=%s If-Match %lld: %s, want %s", cases[i].field, cases[i].value,
				 (long long)cases[i].if_version, err_name(e),
				 err_name(cases[i].want));
		if (cases[i].error_field)
			assert_string_equal(ve.items[0].field, cases[i].error_field);
		assert_int_equal(events(f), ev);
		struct record *r = load(f, &entity_asset, id);
		assert_int_equal(r->version, 1);
		assert_string_equal(model_get(r, "name")->s, "Server");
		assert_true(model_get(r, "location")->null);
	}
	/* the matching version is accepted */
	const char *kv[] = { "location", "Rack 5", NULL };
	struct verrors ve = { 0 };
	assert_int_equal(repo_update(&f->c, &entity_asset, id, rec(f, &entity_asset, kv), 1, &ve),
			 ERR_OK);
	assert_int_equal(repo_update(&f->c, &entity_asset, 999, rec(f, &entity_asset, kv), 0, &ve),
			 ERR_NOT_FOUND);
	/* rules across fields see the merged record: an end date before the stored start */
	const char *start[] = { "start_date", "2025-06-01", NULL };
	assert_int_equal(repo_update(&f->c, &entity_person, f->person,
				     rec(f, &entity_person, start), 0, &ve),
			 ERR_OK);
	const char *end[] = { "end_date", "2025-05-31", NULL };
	struct verrors pe = { 0 };
	assert_int_equal(
		repo_update(&f->c, &entity_person, f->person, rec(f, &entity_person, end), 0, &pe),
		ERR_INVALID);
	assert_string_equal(pe.items[0].field, "end_date");
}

/* ---- delete ---- */

static void test_delete(void **state)
{
	struct fx *f = *state;
	const char *kv[] = { "location", "Rack 4", NULL };
	int64_t id = create_ok(f, asset(f, kv));
	/* Ann owns the asset: she cannot go, and nothing is deleted or audited */
	int64_t ev = events(f);
	struct verrors rv = { 0 };
	assert_int_equal(repo_delete(&f->c, &entity_person, f->person, 0, &rv), ERR_CONFLICT);
	assert_int_equal(rv.n, 1);
	assert_string_equal(rv.items[0].field, "id");
	assert_non_null(strstr(rv.items[0].message, "Asset"));
	assert_non_null(strstr(rv.items[0].message, "owner_id"));
	assert_int_equal(count_id(f->db, "SELECT count(*) FROM people WHERE id = $1", f->person),
			 1);
	assert_int_equal(events(f), ev);
	/* a department with people and assets */
	struct verrors dv = { 0 };
	assert_int_equal(repo_delete(&f->c, &entity_department, f->dept, 0, &dv), ERR_CONFLICT);
	assert_int_equal(count(f->db, "SELECT count(*) FROM departments"), 2);
	/* a stale version */
	struct verrors ve = { 0 };
	assert_int_equal(repo_delete(&f->c, &entity_asset, id, 2, &ve), ERR_PRECONDITION);
	assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), 1);
	assert_int_equal(events(f), ev);
	/* unreferenced: gone, with an event holding the values it had */
	assert_int_equal(repo_delete(&f->c, &entity_asset, id, 1, &ve), ERR_OK);
	assert_int_equal(count(f->db, "SELECT count(*) FROM assets"), 0);
	assert_int_equal(events(f), ev + 1);
	struct event e;
	last_event(f, &e);
	assert_string_equal(e.action, "delete");
	assert_string_equal(e.entity, "asset");
	assert_int_equal(e.entity_id, id);
	json_t *loc = json_object_get(e.changes, "location");
	assert_string_equal(json_string_value(json_array_get(loc, 0)), "Rack 4");
	assert_true(json_is_null(json_array_get(loc, 1)));
	assert_null(json_object_get(e.changes, "review_on")); /* it was empty */
	json_decref(e.changes);
	assert_int_equal(repo_delete(&f->c, &entity_asset, id, 0, &ve), ERR_NOT_FOUND);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(repo_get_json(&f->c, &entity_asset, id, &b), ERR_NOT_FOUND);
	buf_free(&b);
	/* and now Bob, who owns nothing, can go */
	assert_int_equal(repo_delete(&f->c, &entity_person, f->person2, 0, &ve), ERR_OK);
}

/* ---- one row as JSON ---- */

static void test_get_json_shape(void **state)
{
	struct fx *f = *state;
	const char *p1[] = { "name",	  "Regulator",	  "category",
			     "regulator", "requirements", "Annual report\nin *Markdown*",
			     NULL };
	int64_t yes = create_ok(f, rec(f, &entity_interested_party, p1));
	const char *p2[] = { "name",	     "Customer",   "category", "customer",
			     "requirements", "Uptime",	   "in_scope", "false",
			     "review_on",    "2027-02-01", NULL };
	int64_t no = create_ok(f, rec(f, &entity_interested_party, p2));

	json_t *j = get_json(f, &entity_interested_party, yes);
	assert_int_equal(json_object_size(j), entity_interested_party.nfields + 4);
	for (size_t i = 0; i < entity_interested_party.nfields; i++)
		assert_non_null(json_object_get(j, entity_interested_party.fields[i].name));
	assert_true(json_is_integer(json_object_get(j, "id")));
	assert_int_equal(json_integer_value(json_object_get(j, "id")), yes);
	assert_true(json_is_true(json_object_get(j, "in_scope")));
	assert_true(json_is_null(json_object_get(j, "review_on")));
	assert_true(json_is_null(json_object_get(j, "contact")));
	assert_string_equal(json_string_value(json_object_get(j, "requirements")),
			    "Annual report\nin *Markdown*");
	assert_true(json_is_integer(json_object_get(j, "version")));
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	assert_true(json_is_string(json_object_get(j, "created_at")));
	assert_true(json_is_string(json_object_get(j, "updated_at")));
	json_decref(j);
	j = get_json(f, &entity_interested_party, no);
	assert_true(json_is_false(json_object_get(j, "in_scope")));
	assert_string_equal(json_string_value(json_object_get(j, "review_on")), "2027-02-01");
	json_decref(j);

	int64_t a = create_ok(f, asset(f, NULL));
	j = get_json(f, &entity_asset, a);
	static const char *const ints[] = {
		"id",	     "owner_id",     "department_id", "confidentiality",
		"integrity", "availability", "version"
	};
	for (size_t i = 0; i < N(ints); i++)
		if (!json_is_integer(json_object_get(j, ints[i])))
			fail_msg("%s is not a JSON integer", ints[i]);
	static const char *const nulls[] = { "identifier", "description", "location", "acquired_on",
					     "review_on" };
	for (size_t i = 0; i < N(nulls); i++)
		if (!json_is_null(json_object_get(j, nulls[i])))
			fail_msg("%s is not null", nulls[i]);
	assert_int_equal(json_integer_value(json_object_get(j, "owner_id")), f->person);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "in_use");
	json_decref(j);

	/* repo_read_json gives the version for ETags */
	const char *kv[] = { "name", "Renamed", NULL };
	struct verrors ve = { 0 };
	assert_int_equal(repo_update(&f->c, &entity_asset, a, rec(f, &entity_asset, kv), 0, &ve),
			 ERR_OK);
	struct buf b;
	buf_init(&b, 0);
	int64_t version = 0;
	assert_int_equal(repo_read_json(&f->c, &entity_asset, a, &b, &version), ERR_OK);
	assert_int_equal(version, 2);
	buf_free(&b);
	buf_init(&b, 0);
	assert_int_equal(repo_get_json(&f->c, &entity_asset, 999, &b), ERR_NOT_FOUND);
	buf_free(&b);
}

/* ---- lists ---- */

/* The list rows: ties in name and review_on, NULLs in review_on, and names that only match
 * "50%" or "A_" when % and _ are taken as wildcards. */
static const struct {
	const char *name;
	int conf;
	const char *review;
} rows[] = {
	{ "B", 1, NULL },	    { "A", 2, "2027-01-01" }, { "C", 3, NULL },
	{ "A", 4, "2027-02-01" },   { "B", 1, "2027-01-01" }, { "50% off", 2, NULL },
	{ "500", 3, "2027-03-01" }, { "A_b", 4, NULL },	      { "ABC", 1, "2027-02-01" },
};
#define NROWS N(rows)

static int64_t ids[NROWS];

static void fill(struct fx *f)
{
	for (size_t i = 0; i < NROWS; i++) {
		char conf[2] = { (char)('0' + rows[i].conf), 0 };
		const char *kv[] = { "name", rows[i].name, "confidentiality",
				     conf,   "review_on",  rows[i].review,
				     NULL };
		ids[i] = create_ok(f, asset(f, kv));
	}
}

/* Runs a list query given as name=value pairs and returns the parsed JSON. */
static json_t *list_e(struct fx *f, const struct entity *e, const char *const *params,
		      const char *cursor)
{
	struct list_query lq;
	list_query_init(&lq);
	const char *why = NULL;
	for (size_t i = 0; params && params[i]; i += 2)
		if (list_query_param(&f->a, e, &lq, params[i], params[i + 1], &why))
			fail_msg("%s=%s refused: %s", params[i], params[i + 1], why);
	if (cursor)
		assert_int_equal(list_query_param(&f->a, e, &lq, "cursor", cursor, &why), ERR_OK);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(repo_list_json(&f->c, e, &lq, &b, &why), ERR_OK);
	json_error_t jerr;
	json_t *j = json_loads(buf_cstr(&b), JSON_REJECT_DUPLICATES, &jerr);
	buf_free(&b);
	assert_non_null(j);
	assert_true(json_is_array(json_object_get(j, "items")));
	assert_true(json_is_integer(json_object_get(j, "total")));
	return j;
}

static json_t *list(struct fx *f, const char *const *params, const char *cursor)
{
	return list_e(f, &entity_asset, params, cursor);
}

static int64_t total_of(json_t *j)
{
	return json_integer_value(json_object_get(j, "total"));
}

static int64_t item_id(json_t *items, size_t i)
{
	return json_integer_value(json_object_get(json_array_get(items, i), "id"));
}

static void test_list_params_rejected(void **state)
{
	struct fx *f = *state;
	char longq[220];
	memset(longq, 'q', 201);
	longq[201] = '\0';
	const char *const bad[][2] = {
		{ "limit", "0" },
		{ "limit", "501" },
		{ "limit", "-1" },
		{ "limit", "x" },
		{ "limit", "1.5" },
		{ "limit", "" },
		{ "nope", "1" },
		{ "q", longq },
		{ "q", "bad \xff" },
		{ "sort", "description" }, /* long text cannot be sorted */
		{ "sort", "-description" },
		{ "sort", "nope" },
		{ "sort", "name,name" }, /* twice */
		{ "sort", "name,-name" },
		{ "sort", "name," },
		{ "sort", "-" },
		{ "sort", "name,type,status,review_on,id" }, /* more than 4 */
		{ "type", "rocket" },			     /* not a value of the enum */
		{ "type", "server,rocket" },
		{ "type", "server," },
		{ "status", "In_use" },
		{ "type.gte", "server" }, /* ranges only on ordered types */
		{ "owner_id.lte", "3" },
		{ "name.regex", "x" },
		{ "description", "x" }, /* long text cannot be filtered */
		{ "confidentiality", "x" },
		{ "owner_id", "a" },
		{ "review_on", "2027-02-30" },
		{ "review_on.gte", "null" },
		{ "created_at.lte", "yesterday" },
	};
	for (size_t i = 0; i < N(bad); i++) {
		struct list_query lq;
		list_query_init(&lq);
		const char *why = NULL;
		if (list_query_param(&f->a, &entity_asset, &lq, bad[i][0], bad[i][1], &why) !=
		    ERR_BAD_REQUEST)
			fail_msg("%s=%s accepted", bad[i][0], bad[i][1]);
		assert_non_null(why);
	}
	/* the same filter twice */
	struct list_query lq;
	list_query_init(&lq);
	const char *why = NULL;
	assert_int_equal(list_query_param(&f->a, &entity_asset, &lq, "name", "A", &why), ERR_OK);
	assert_int_equal(list_query_param(&f->a, &entity_asset, &lq, "name", "B", &why),
			 ERR_BAD_REQUEST);
	assert_int_equal(list_query_param(&f->a, &entity_asset, &lq, "name.gte", "B", &why),
			 ERR_OK);
	/* accepted */
	const char *const good[][2] = {
		{ "limit", "1" },
		{ "limit", "500" },
		{ "sort", "-name,+type" },
		{ "sort", "-created_at" },
		{ "type", "server,pc_laptop" },
		{ "owner_id", "1,2,null" },
		{ "id.gte", "2" },
		{ "review_on", "null" },
		{ "q", "50%" },
		{ "", "" },
	};
	for (size_t i = 0; i < N(good); i++) {
		list_query_init(&lq);
		if (list_query_param(&f->a, &entity_asset, &lq, good[i][0], good[i][1], &why))
			fail_msg("%s=%s refused: %s", good[i][0], good[i][1], why);
	}
	/* cursors are checked when the list runs */
	static const char *const cursors[] = { "garbage", "!!!", "e30" /* {} */ };
	for (size_t i = 0; i < N(cursors); i++) {
		list_query_init(&lq);
		assert_int_equal(
			list_query_param(&f->a, &entity_asset, &lq, "cursor", cursors[i], &why),
			ERR_OK);
		struct buf b;
		buf_init(&b, 0);
		why = NULL;
		assert_int_equal(repo_list_json(&f->c, &entity_asset, &lq, &b, &why),
				 ERR_BAD_REQUEST);
		assert_non_null(why);
		buf_free(&b);
	}
}

/* Filters and search, each against the rows it must return (by index into rows[]). */
static void test_list_filters_and_search(void **state)
{
	struct fx *f = *state;
	fill(f);
	static const struct {
		const char *params[7];
		int want[NROWS + 1]; /* indexes into rows[], ending with -1 */
	} cases[] = {
		{ { NULL }, { 0, 1, 2, 3, 4, 5, 6, 7, 8, -1 } },
		/* q: substring, case-insensitive, % and _ are literal */
		{ { "q", "50%", NULL }, { 5, -1 } },
		{ { "q", "500", NULL }, { 6, -1 } },
		{ { "q", "A_", NULL }, { 7, -1 } },
		{ { "q", "a_B", NULL }, { 7, -1 } },
		{ { "q", "_", NULL }, { 7, -1 } },
		{ { "q", "%", NULL }, { 5, -1 } },
		{ { "q", "\\", NULL }, { -1 } },
		{ { "q", "ab", NULL }, { 8, -1 } },
		{ { "q", "zzz", NULL }, { -1 } },
		/* equality is exact, not a substring */
		{ { "name", "A", NULL }, { 1, 3, -1 } },
		{ { "name", "a", NULL }, { -1 } },
		{ { "type", "server", NULL }, { 0, 1, 2, 3, 4, 5, 6, 7, 8, -1 } },
		{ { "type", "pc_laptop", NULL }, { -1 } },
		/* any of */
		{ { "confidentiality", "1,2", NULL }, { 0, 1, 4, 5, 8, -1 } },
		{ { "confidentiality", "4", NULL }, { 3, 7, -1 } },
		/* null */
		{ { "review_on", "null", NULL }, { 0, 2, 5, 7, -1 } },
		{ { "review_on", "2027-01-01", NULL }, { 1, 4, -1 } },
		/* ranges leave NULLs out */
		{ { "review_on.gte", "2027-01-15", NULL }, { 3, 6, 8, -1 } },
		{ { "review_on.lte", "2027-01-01", NULL }, { 1, 4, -1 } },
		{ { "review_on.gte", "2027-02-01", "review_on.lte", "2027-02-01", NULL },
		  { 3, 8, -1 } },
		{ { "confidentiality.gte", "3", NULL }, { 2, 3, 6, 7, -1 } },
		{ { "confidentiality.lte", "1", NULL }, { 0, 4, 8, -1 } },
		{ { "name.gte", "B", NULL }, { 0, 2, 4, -1 } },
		/* combined: all must hold */
		{ { "review_on", "null", "confidentiality", "1,2", "q", "b", NULL }, { 0, -1 } },
		{ { "confidentiality.gte", "2", "q", "a", NULL }, { 1, 3, 7, -1 } },
	};
	for (size_t c = 0; c < N(cases); c++) {
		json_t *j = list(f, cases[c].params, NULL);
		json_t *items = json_object_get(j, "items");
		size_t nwant = 0;
		bool want[NROWS] = { 0 };
		for (; cases[c].want[nwant] >= 0; nwant++)
			want[cases[c].want[nwant]] = true;
		if (json_array_size(items) != nwant || total_of(j) != (int64_t)nwant)
			fail_msg("case %zu (%s=%s): %zu items, total %lld, want %zu", c,
				 cases[c].params[0] ? cases[c].params[0] : "",
				 cases[c].params[1] ? cases[c].params[1] : "",
				 json_array_size(items), (long long)total_of(j), nwant);
		for (size_t i = 0; i < json_array_size(items); i++) {
			int64_t id = item_id(items, i);
			size_t k = 0;
			while (k < NROWS && ids[k] != id)
				k++;
			if (k == NROWS || !want[k])
				fail_msg("case %zu (%s=%s): row %lld should not be listed", c,
					 cases[c].params[0] ? cases[c].params[0] : "",
					 cases[c].params[1] ? cases[c].params[1] : "",
					 (long long)id);
		}
		json_decref(j);
	}
}

/* The order a sort spec must give, worked out here from rows[]: NULL first ascending and last
 * descending, ties broken by id ascending. */
static const char *sort_spec_now;

static int cmp_key(size_t a, size_t b, const char *field)
{
	if (strcmp(field, "name") == 0)
		return strcmp(rows[a].name, rows[b].name);
	if (strcmp(field, "confidentiality") == 0)
		return (rows[a].conf > rows[b].conf) - (rows[a].conf < rows[b].conf);
	if (strcmp(field, "review_on") == 0) {
		const char *x = rows[a].review, *y = rows[b].review;
		if (!x || !y)
			return (x != NULL) - (y != NULL); /* NULL is smallest */
		return strcmp(x, y);
	}
	if (strcmp(field, "id") == 0)
		return (ids[a] > ids[b]) - (ids[a] < ids[b]);
	fail_msg("no comparison for %s", field);
	return 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const char *p = sort_spec_now;
	while (*p) {
		bool desc = *p == '-';
		if (*p == '-' || *p == '+')
			p++;
		size_t n = strcspn(p, ",");
		char field[32];
		snprintf(field, sizeof(field), "%.*s", (int)n, p);
		int c = cmp_key(a, b, field);
		if (c)
			return desc ? -c : c;
		p += n;
		if (*p == ',')
			p++;
	}
	return cmp_key(a, b, "id");
}

/* The expected ids for sort, among the rows whose index passes keep (NULL: all). */
static size_t expected_order(const char *sort, const bool *keep, int64_t *out)
{
	size_t idx[NROWS], n = 0;
	for (size_t i = 0; i < NROWS; i++)
		if (!keep || keep[i])
			idx[n++] = i;
	sort_spec_now = sort;
	qsort(idx, n, sizeof(idx[0]), cmp_rows);
	for (size_t i = 0; i < n; i++)
		out[i] = ids[idx[i]];
	return n;
}

/* Walks every page of size limit and checks the concatenation against want. */
static void walk(struct fx *f, const char *const *params, int limit, const int64_t *want,
		 size_t nwant, const char *label)
{
	const char *p[16];
	size_t np = 0;
	for (size_t i = 0; params[i]; i++)
		p[np++] = params[i];
	p[np++] = "limit";
	p[np++] = num(f, limit);
	p[np] = NULL;
	size_t seen = 0;
	char *cursor = NULL;
	for (int page = 0; page <= (int)NROWS + 1; page++) {
		json_t *j = list(f, p, cursor);
		free(cursor);
		cursor = NULL;
		if (total_of(j) != (int64_t)nwant)
			fail_msg("%s limit %d: total %lld on page %d, want %zu", label, limit,
				 (long long)total_of(j), page, nwant);
		json_t *items = json_object_get(j, "items");
		assert_true(json_array_size(items) <= (size_t)limit);
		for (size_t i = 0; i < json_array_size(items); i++, seen++) {
			if (seen >= nwant)
				fail_msg("%s limit %d: more rows than %zu", label, limit, nwant);
			if (item_id(items, i) != want[seen])
				fail_msg("%s limit %d: row %zu is id %lld, want %lld", label, limit,
					 seen, (long long)item_id(items, i), (long long)want[seen]);
		}
		json_t *next = json_object_get(j, "next");
		if (json_is_string(next))
			cursor = strdup(json_string_value(next));
		else
			assert_true(json_is_null(next));
		json_decref(j);
		if (!cursor)
			break;
	}
	assert_null(cursor);
	if (seen != nwant)
		fail_msg("%s limit %d: %zu rows in all, want %zu", label, limit, seen, nwant);
}

static void test_sort_and_cursor_walk(void **state)
{
	struct fx *f = *state;
	fill(f);
	static const char *const sorts[] = {
		"name",
		"-name",
		"review_on",
		"-review_on",
		"-review_on,name",
		"review_on,-name",
		"-confidentiality,review_on",
		"-confidentiality,review_on,-id",
		"confidentiality,-name,review_on",
		"-id",
	};
	for (size_t s = 0; s < N(sorts); s++) {
		int64_t want[NROWS];
		size_t n = expected_order(sorts[s], NULL, want);
		/* one page holds the whole order */
		const char *all[] = { "sort", sorts[s], "limit", "500", NULL };
		json_t *full = list(f, all, NULL);
		json_t *items = json_object_get(full, "items");
		assert_int_equal(json_array_size(items), n);
		assert_true(json_is_null(json_object_get(full, "next")));
		for (size_t i = 0; i < n; i++)
			if (item_id(items, i) != want[i])
				fail_msg("sort %s: row %zu is id %lld, want %lld", sorts[s], i,
					 (long long)item_id(items, i), (long long)want[i]);
		json_decref(full);
		/* and the pages, whatever their size, add up to it */
		const char *p[] = { "sort", sorts[s], NULL };
		for (int limit = 1; limit <= 4; limit++)
			walk(f, p, limit, want, n, sorts[s]);
	}
	/* pages of a filtered list, and of a searched one */
	bool keep[NROWS];
	int64_t want[NROWS];
	for (size_t i = 0; i < NROWS; i++)
		keep[i] = rows[i].conf <= 2;
	size_t n = expected_order("-review_on,name", keep, want);
	const char *pf[] = { "sort", "-review_on,name", "confidentiality", "1,2", NULL };
	walk(f, pf, 2, want, n, "filtered");
	for (size_t i = 0; i < NROWS; i++)
		keep[i] = strchr(rows[i].name, 'A') || strchr(rows[i].name, 'a');
	n = expected_order("review_on", keep, want);
	const char *pq[] = { "sort", "review_on", "q", "a", NULL };
	walk(f, pq, 2, want, n, "searched");
	/* the default sort is by name */
	int64_t byname[NROWS];
	n = expected_order("name", NULL, byname);
	walk(f, (const char *[]){ NULL }, 2, byname, n, "default");
}

static void test_cursor_from_another_sort(void **state)
{
	struct fx *f = *state;
	fill(f);
	const char *p[] = { "sort", "name", "limit", "2", NULL };
	json_t *j = list(f, p, NULL);
	const char *next = json_string_value(json_object_get(j, "next"));
	assert_non_null(next);
	static const char *const others[] = { "-name", "name,review_on", "review_on", "type" };
	for (size_t i = 0; i < N(others); i++) {
		struct list_query lq;
		list_query_init(&lq);
		const char *why = NULL;
		assert_int_equal(
			list_query_param(&f->a, &entity_asset, &lq, "sort", others[i], &why),
			ERR_OK);
		assert_int_equal(list_query_param(&f->a, &entity_asset, &lq, "cursor", next, &why),
				 ERR_OK);
		struct buf b;
		buf_init(&b, 0);
		if (repo_list_json(&f->c, &entity_asset, &lq, &b, &why) != ERR_BAD_REQUEST)
			fail_msg("a cursor for sort=name was taken for sort=%s", others[i]);
		assert_non_null(why);
		buf_free(&b);
	}
	/* the default sort is name, so the cursor fits a list without sort= */
	json_t *k = list(f, (const char *[]){ "limit", "2", NULL }, next);
	assert_int_equal(json_array_size(json_object_get(k, "items")), 2);
	json_decref(k);
	json_decref(j);
}

static int64_t scoped(struct fx *f, const struct entity *e, unsigned scope, int64_t person,
		      int64_t dept, int limit, json_t **out)
{
	struct list_query lq;
	list_query_init(&lq);
	lq.limit = limit;
	lq.scoped = true;
	lq.scope = scope;
	lq.scope_person = person;
	lq.scope_department = dept;
	const char *why = NULL;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(repo_list_json(&f->c, e, &lq, &b, &why), ERR_OK);
	json_error_t jerr;
	json_t *j = json_loads(buf_cstr(&b), 0, &jerr);
	buf_free(&b);
	assert_non_null(j);
	int64_t total = total_of(j);
	*out = j;
	return total;
}

static void test_scope(void **state)
{
	struct fx *f = *state;
	/* owner/department: Ann/Ops x3, Bob/Fin x2, Ann/Fin x1 */
	const struct {
		int64_t owner, dept;
	} placed[] = {
		{ f->person, f->dept },	  { f->person, f->dept },   { f->person, f->dept },
		{ f->person2, f->dept2 }, { f->person2, f->dept2 }, { f->person, f->dept2 },
	};
	for (size_t i = 0; i < N(placed); i++) {
		const char *kv[] = { "owner_id", num(f, placed[i].owner), "department_id",
				     num(f, placed[i].dept), NULL };
		create_ok(f, asset(f, kv));
	}
	const struct {
		unsigned scope;
		int64_t person, dept;
		int64_t want;
	} cases[] = {
		{ SCOPE_ALL, 0, 0, 6 },
		{ SCOPE_ALL | SCOPE_OWN, f->person2, 0, 6 },
		{ SCOPE_NONE, f->person, f->dept, 0 },
		{ SCOPE_DEPT, 0, f->dept, 3 },
		{ SCOPE_DEPT, 0, f->dept2, 3 },
		{ SCOPE_DEPT, 0, 999, 0 },
		{ SCOPE_DEPT, f->person, 0, 0 }, /* no department: nothing is the department's */
		{ SCOPE_OWN, f->person, 0, 4 },
		{ SCOPE_OWN, f->person2, 0, 2 },
		{ SCOPE_OWN, 0, f->dept, 0 }, /* no person: nothing is one's own */
		{ SCOPE_OWN | SCOPE_DEPT, f->person2, f->dept, 5 },
		{ SCOPE_OWN | SCOPE_DEPT, f->person, f->dept2, 6 },
	};
	for (size_t c = 0; c < N(cases); c++) {
		for (int limit = 2; limit <= 50; limit += 48) {
			json_t *j;
			int64_t total = scoped(f, &entity_asset, cases[c].scope, cases[c].person,
					       cases[c].dept, limit, &j);
			if (total != cases[c].want)
				fail_msg("case %zu: total %lld, want %lld", c, (long long)total,
					 (long long)cases[c].want);
			json_t *items = json_object_get(j, "items");
			size_t want_items = (size_t)(cases[c].want < limit ? cases[c].want : limit);
			assert_int_equal(json_array_size(items), want_items);
			for (size_t i = 0; i < json_array_size(items); i++) {
				json_t *it = json_array_get(items, i);
				int64_t owner = json_integer_value(json_object_get(it, "owner_id"));
				int64_t dept =
					json_integer_value(json_object_get(it, "department_id"));
				bool ok = (cases[c].scope & SCOPE_ALL) ||
					  ((cases[c].scope & SCOPE_OWN) && cases[c].person &&
					   owner == cases[c].person) ||
					  ((cases[c].scope & SCOPE_DEPT) && cases[c].dept &&
					   dept == cases[c].dept);
				if (!ok)
					fail_msg("case %zu: asset %lld is outside the scope", c,
						 (long long)json_integer_value(
							 json_object_get(it, "id")));
			}
			json_decref(j);
		}
	}
	/* a register without the columns: own and department scopes see nothing */
	const char *party[] = { "name",		"Regulator", "category", "regulator",
				"requirements", "Reports",   NULL };
	create_ok(f, rec(f, &entity_interested_party, party));
	json_t *j;
	assert_int_equal(scoped(f, &entity_interested_party, SCOPE_OWN | SCOPE_DEPT, f->person,
				f->dept, 50, &j),
			 0);
	json_decref(j);
	assert_int_equal(scoped(f, &entity_interested_party, SCOPE_ALL, 0, 0, 50, &j), 1);
	json_decref(j);
	/* departments: the department scope is the department itself */
	assert_int_equal(scoped(f, &entity_department, SCOPE_DEPT, 0, f->dept2, 50, &j), 1);
	assert_int_equal(item_id(json_object_get(j, "items"), 0), f->dept2);
	json_decref(j);
}

/* Totals are cached until the register changes; rows come from a cache keyed on version. */
static void test_cached_totals_follow_writes(void **state)
{
	struct fx *f = *state;
	fill(f);
	json_t *j;
	assert_int_equal(scoped(f, &entity_asset, SCOPE_DEPT, 0, f->dept, 50, &j), NROWS);
	json_decref(j);
	assert_int_equal(scoped(f, &entity_asset, SCOPE_DEPT, 0, f->dept, 50, &j), NROWS);
	json_decref(j);
	int64_t id = create_ok(f, asset(f, NULL));
	assert_int_equal(scoped(f, &entity_asset, SCOPE_DEPT, 0, f->dept, 50, &j), NROWS + 1);
	json_decref(j);
	/* moving a row out of the department changes the scoped total */
	const char *move[] = { "department_id", num(f, f->dept2), "name", "Moved", NULL };
	struct verrors ve = { 0 };
	assert_int_equal(repo_update(&f->c, &entity_asset, id, rec(f, &entity_asset, move), 0, &ve),
			 ERR_OK);
	assert_int_equal(scoped(f, &entity_asset, SCOPE_DEPT, 0, f->dept, 50, &j), NROWS);
	json_decref(j);
	assert_int_equal(scoped(f, &entity_asset, SCOPE_ALL, 0, 0, 50, &j), NROWS + 1);
	/* and the row shows its new content, not a cached old one */
	json_t *items = json_object_get(j, "items");
	bool found = false;
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		if (json_integer_value(json_object_get(it, "id")) == id) {
			assert_string_equal(json_string_value(json_object_get(it, "name")),
					    "Moved");
			found = true;
		}
	}
	assert_true(found);
	json_decref(j);
	/* a delete, too */
	assert_int_equal(repo_delete(&f->c, &entity_asset, id, 0, &ve), ERR_OK);
	assert_int_equal(scoped(f, &entity_asset, SCOPE_ALL, 0, 0, 50, &j), NROWS);
	json_decref(j);
	/* list items are the same objects repo_get_json gives */
	j = list(f, (const char *[]){ "limit", "1", NULL }, NULL);
	json_t *first = json_array_get(json_object_get(j, "items"), 0);
	json_t *one = get_json(f, &entity_asset, json_integer_value(json_object_get(first, "id")));
	assert_true(json_equal(first, one));
	json_decref(one);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_failure_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_blocks_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_json_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_params_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters_and_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_and_cursor_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_from_another_sort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached_totals_follow_writes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
