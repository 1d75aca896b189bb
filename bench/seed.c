/* seed.c - fills a database for the benchmark: departments, people and N assets (default
 * 100000), written through the same generic create path as the API (with audit events), in
 * one transaction. Prints a bearer token for the load script on stdout.
 * usage: bench-seed DB_URL [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/repo.h"
#include "core/user.h"
#include "domain/domain.h"
#include "store/db.h"
#include "util/crypto.h"
#include "util/str.h"

#define DEPARTMENTS 20
#define PEOPLE	    1000

static void set(struct arena *a, struct record *r, const char *name, const char *text)
{
	int i = model_field_index(r->e, name);
	const char *why;
	if (i < 0 || !model_parse_text(a, &r->e->fields[i], text, strlen(text), &r->v[i], &why)) {
		fprintf(stderr, "bench-seed: bad value for %s\n", name);
		exit(1);
	}
}

static int64_t create(struct repo_ctx *c, struct record *r)
{
	struct verrors ve = { 0 };
	int64_t id = 0;
	if (repo_create(c, r, &ve, &id) != ERR_OK) {
		fprintf(stderr, "bench-seed: create %s failed: %s %s\n", r->e->name,
			ve.n ? ve.items[0].field : "", ve.n ? ve.items[0].message : "");
		exit(1);
	}
	return id;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-seed DB_URL [N]\n");
		return 2;
	}
	int64_t n = 100000;
	if (argc > 2 && (!str_parse_i64(argv[2], &n) || n < 1)) {
		fprintf(stderr, "bench-seed: N must be a positive number\n");
		return 2;
	}
	if (crypto_init() != ERR_OK)
		return 1;
	if (domain_init())
		return 1; /* the declarations must hold */
	struct db *db;
	if (db_open(argv[1], &db) || db_migrate(db))
		return 1;
	struct actor who = { 0, "bench-seed" };
	struct arena a;
	arena_init(&a, 0);
	struct repo_ctx c = { .db = db, .a = &a, .who = &who, .in_tx = true };
	static const char *const types[] = { "server",	"electronic_data", "pc_laptop", "software",
					     "service", "mobile_device",   "paper",	"email" };
	static const char *const statuses[] = { "in_use", "in_use", "in_use", "planned",
						"retired" };
	int64_t dept[DEPARTMENTS], people[PEOPLE];
	char text[128];
	if (db_begin(db))
		return 1;
	for (int i = 0; i < DEPARTMENTS; i++) {
		struct record *r = model_record_new(&a, &entity_department);
		snprintf(text, sizeof(text), "Department %02d", i + 1);
		set(&a, r, "name", text);
		dept[i] = create(&c, r);
	}
	for (int i = 0; i < PEOPLE; i++) {
		struct record *r = model_record_new(&a, &entity_person);
		snprintf(text, sizeof(text), "Person %04d", i + 1);
		set(&a, r, "name", text);
		snprintf(text, sizeof(text), "person%04d@bench.example", i + 1);
		set(&a, r, "email", text);
		snprintf(text, sizeof(text), "%lld", (long long)dept[i % DEPARTMENTS]);
		set(&a, r, "department_id", text);
		people[i] = create(&c, r);
	}
	for (int64_t i = 0; i < n; i++) {
		struct record *r = model_record_new(&a, &entity_asset);
		snprintf(text, sizeof(text), "Asset %06lld %s", (long long)((i * 7919) % n),
			 types[i % 8]);
		set(&a, r, "name", text);
		snprintf(text, sizeof(text), "BA-%07lld", (long long)i + 1);
		set(&a, r, "identifier", text);
		set(&a, r, "type", types[i % 8]);
		set(&a, r, "description", "A benchmark asset with a short description.");
		int p = (int)(i % PEOPLE);
		snprintf(text, sizeof(text), "%lld", (long long)people[p]);
		set(&a, r, "owner_id", text);
		snprintf(text, sizeof(text), "%lld", (long long)dept[p % DEPARTMENTS]);
		set(&a, r, "department_id", text);
		snprintf(text, sizeof(text), "%d", (int)(i % 4) + 1);
		set(&a, r, "confidentiality", text);
		set(&a, r, "integrity", text);
		set(&a, r, "availability", text);
		set(&a, r, "location", "Data centre, rack 12");
		set(&a, r, "status", statuses[i % 5]);
		create(&c, r);
		if (i % 1000 == 999) { /* the arena holds one batch of records at a time */
			arena_free(&a);
			arena_init(&a, 0);
		}
	}
	if (db_commit(db))
		return 1;
	struct verrors ve = { 0 };
	int64_t uid, tid;
	const char *roles[] = { "isms_manager" };
	if (user_create(db, &a, &who, "bench@bench.example", "Bench", "load test runner 2026",
			roles, 1, 0, &ve, &uid)) {
		fprintf(stderr, "bench-seed: the bench account could not be created: %s %s\n",
			ve.n && ve.items[0].field ? ve.items[0].field : "",
			ve.n ? ve.items[0].message : "");
		return 1;
	}
	const char *token;
	struct token_spec spec = { "bench", NULL, NULL }, made;
	if (token_create(db, &a, &who, uid, &spec, NULL, &made, &token, &tid, &ve))
		return 1;
	printf("%s\n", token);
	arena_free(&a);
	db_close(db);
	return 0;
}
