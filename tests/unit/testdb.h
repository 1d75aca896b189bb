/* testdb.h - a fresh migrated database for unit tests: a temporary SQLite file, or, when
 * CUSTOS_TEST_PG names a PostgreSQL server (postgres://user@host:port/), a new database there. */
#ifndef CUSTOS_TESTDB_H
#define CUSTOS_TESTDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/domain.h"
#include "store/db.h"
#include "util/crypto.h"
#include "util/str.h"
#include "util/timeutil.h"

static char testdb_path[64];
static char testdb_pgname[64];

static const char *testdb_pg(void)
{
	const char *pg = getenv("CUSTOS_TEST_PG");
	return pg && *pg ? pg : NULL;
}

/* Runs one statement on the PostgreSQL server's maintenance database. */
static int testdb_pg_admin(const char *sql)
{
	char url[512];
	snprintf(url, sizeof(url), "%spostgres", testdb_pg());
	struct db *adm;
	if (db_open(url, &adm) != ERR_OK)
		return -1;
	enum err e = db_exec(adm, sql);
	db_close(adm);
	return e == ERR_OK ? 0 : -1;
}

static struct db *testdb_open(void)
{
	static unsigned counter;
	if (crypto_init() != ERR_OK)
		return NULL;
	assert_null(domain_init());
	char url[512];
	if (testdb_pg()) {
		snprintf(testdb_pgname, sizeof(testdb_pgname), "custos_unit_%d_%u", (int)getpid(),
			 counter++);
		char sql[128];
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", testdb_pgname);
		if (testdb_pg_admin(sql) != 0)
			return NULL;
		snprintf(url, sizeof(url), "%s%s", testdb_pg(), testdb_pgname);
	} else {
		snprintf(testdb_path, sizeof(testdb_path), "/tmp/custos-unit-XXXXXX");
		int fd = mkstemp(testdb_path);
		if (fd < 0)
			return NULL;
		close(fd);
		unlink(testdb_path);
		snprintf(url, sizeof(url), "sqlite:%s", testdb_path);
	}
	struct db *db;
	if (db_open(url, &db) != ERR_OK)
		return NULL;
	if (db_migrate(db) != ERR_OK) {
		db_close(db);
		return NULL;
	}
	return db;
}

static void testdb_close(struct db *db)
{
	db_close(db);
	if (testdb_pg()) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
			 testdb_pgname);
		(void)testdb_pg_admin(sql);
		return;
	}
	char p[96];
	unlink(testdb_path);
	snprintf(p, sizeof(p), "%s-wal", testdb_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", testdb_path);
	unlink(p);
}

/* List totals are cached by register version in the process: each test database starts its
 * registers' versions above any earlier one, so a total cached for another database never
 * matches. Returns non-zero when the store refused. */
static inline int testdb_fresh_totals(struct db *db)
{
	static int64_t runs;
	runs++;
	for (size_t i = 0; i < model_registry_count(); i++) {
		char sql[200];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO register_versions (entity, version) VALUES ('%s', %lld)",
			 model_registry_at(i)->name, (long long)(runs * 1000000));
		if (db_exec(db, sql))
			return -1;
	}
	return 0;
}

#endif
