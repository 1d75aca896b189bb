/* migrate.c - `custos migrate-data --from URL --to URL`: moves a whole installation between
 * databases (typically SQLite to PostgreSQL). The target must be empty; everything is copied in
 * one transaction, and the audit chain and every record are verified on the target. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/audit.h"
#include "core/model.h"
#include "core/verify.h"
#include "core/secaudit.h"
#include "store/db.h"

static int open_migrated(const char *url, struct db **db)
{
	if (!db_url_valid(url)) {
		fprintf(stderr, "custos: '%s' is not a database URL\n", url);
		return CLI_EXIT_USAGE;
	}
	if (db_open(url, db) != ERR_OK) {
		fprintf(stderr, "custos: cannot open %s\n", url);
		return CLI_EXIT_FAIL;
	}
	if (db_migrate_with(*db, secaudit_migrated) != ERR_OK) {
		fprintf(stderr, "custos: cannot migrate %s: %s\n", url, db_errmsg(*db));
		db_close(*db);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int64_t rows_in(struct db *db, const char *table)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	struct db_stmt *st;
	bool row;
	int64_t n = -1;
	if (db_prepare(db, sql, &st) == ERR_OK) {
		if (db_step(st, &row) == ERR_OK && row)
			n = db_col_int(st, 0);
		db_done(st);
	}
	return n;
}

/* Every table: the system's, then the registers' in an order where a referenced register's
 * table is copied before those that refer to it. */
static size_t all_tables(const char **out, size_t cap)
{
	size_t n = 0;
	for (const char *const *t = db_system_tables(); *t && n < cap; t++)
		out[n++] = *t;
	const struct entity *order[64];
	size_t m = model_registry_order(order, 64);
	for (size_t i = 0; i < m && n < cap; i++)
		out[n++] = order[i]->plural;
	return m == model_registry_count() ? n : 0;
}

int cmd_migrate_data(struct cli_args *a)
{
	const char *from = cli_value(a, "from"), *to = cli_value(a, "to");
	if (!from || !to)
		return cli_usage_error(a->cmd, "--from and --to are both required");
	if (strcmp(from, to) == 0)
		return cli_usage_error(a->cmd, "--from and --to are the same database");
	struct db *src = NULL, *dst = NULL;
	int rc = open_migrated(from, &src);
	if (rc)
		return rc;
	if ((rc = open_migrated(to, &dst))) {
		db_close(src);
		return rc;
	}
	const char *tables[128];
	size_t ntables = all_tables(tables, 128);
	if (!ntables) {
		fprintf(stderr, "custos: the registers have no order to be copied in\n");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (db_schema_version(src) != db_schema_version(dst)) {
		fprintf(stderr, "custos: the databases are at different schema versions\n");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < ntables; i++) {
		int64_t n = rows_in(dst, tables[i]);
		if (n != 0) {
			fprintf(stderr,
				"custos: the target is not empty (%s has %lld rows): refusing\n",
				tables[i], (long long)n);
			rc = CLI_EXIT_FAIL;
			goto out;
		}
	}
	if (db_begin_read(src) != ERR_OK || db_begin(dst) != ERR_OK) {
		fprintf(stderr, "custos: cannot start the copy\n");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < ntables; i++) {
		const char *t = tables[i];
		int64_t n = 0;
		if (db_copy_table(src, dst, t, &n) != ERR_OK || db_reset_ids(dst, t) != ERR_OK) {
			fprintf(stderr, "custos: copying %s failed: %s\n", t, db_errmsg(dst));
			db_rollback(dst);
			rc = CLI_EXIT_FAIL;
			goto out;
		}
		printf("%-20s %lld rows\n", t, (long long)n);
	}
	db_rollback(src);
	if (db_commit(dst) != ERR_OK) {
		fprintf(stderr, "custos: the copy could not be committed: %s\n", db_errmsg(dst));
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	/* fresh statistics, or the planner guesses on a freshly filled database */
	if (db_dialect(dst) == DB_POSTGRES && db_exec(dst, "ANALYZE") != ERR_OK)
		fprintf(stderr, "custos: ANALYZE failed on the target (the copy is complete)\n");
	struct audit_result ar;
	struct verify_result vr;
	if (audit_verify(dst, &ar) != ERR_OK || ar.bad_seq || verify_records(dst, &vr) != ERR_OK ||
	    vr.mismatches) {
		fprintf(stderr, "custos: the copy does not verify on the target\n");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	printf("copied; on the target: ok %lld events, ok %lld records match their audit history\n",
	       (long long)ar.events, (long long)vr.records);
out:
	db_close(src);
	db_close(dst);
	return rc;
}
