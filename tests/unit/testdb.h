/* testdb.h - a fresh migrated SQLite database in a temporary file, for unit tests. */
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

static struct db *testdb_open(void)
{
	snprintf(testdb_path, sizeof(testdb_path), "/tmp/custos-unit-XXXXXX");
	int fd = mkstemp(testdb_path);
	if (fd < 0)
		return NULL;
	close(fd);
	unlink(testdb_path);
	if (crypto_init() != ERR_OK)
		return NULL;
	domain_init();
	char url[80];
	snprintf(url, sizeof(url), "sqlite:%s", testdb_path);
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
	char p[96];
	db_close(db);
	unlink(testdb_path);
	snprintf(p, sizeof(p), "%s-wal", testdb_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", testdb_path);
	unlink(p);
}

#endif
