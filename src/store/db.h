/* db.h - the only interface between Custos and SQL. Statements are SQL text with $1..$N
 * placeholders and bound values only: no value is ever formatted into SQL. Identifiers that
 * appear in generated SQL come from the entity table, never from a request.
 * Backends (sqlite.c, later postgres.c) implement struct db_ops; callers never see which. */
#ifndef CUSTOS_DB_H
#define CUSTOS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum db_dialect { DB_SQLITE, DB_POSTGRES };

struct db;	/* one connection; used by one thread at a time */
struct db_stmt; /* a prepared statement, owned by its connection's cache */
struct db_pool; /* one connection per thread, opened on first use */

/* url: "sqlite:PATH", a bare PATH, or "postgres://..." */
enum err db_open(const char *url, struct db **out) WUR;
void db_close(struct db *db);
enum db_dialect db_dialect(const struct db *db);
/* The backend's last error message, for logs and CLI messages. */
const char *db_errmsg(const struct db *db);
/* True when url names a backend this build supports. */
bool db_url_valid(const char *url);
/* False when url names an SQLite file that does not exist (opening would create it). */
bool db_exists(const char *url);

/* Applies every embedded migration not yet applied, each in its own transaction. */
enum err db_migrate(struct db *db) WUR;
/* The same, calling after(db, number) inside each applied migration's transaction, once its SQL
 * ran: for what a migration needs done in C (a failure undoes the migration). */
enum err db_migrate_with(struct db *db, enum err (*after)(struct db *db, int number)) WUR;
/* Highest applied migration number, 0 for an empty database. */
int db_schema_version(struct db *db);

/* A write transaction (SQLite: BEGIN IMMEDIATE, so the writer lock is taken up front). */
enum err db_begin(struct db *db) WUR;
enum err db_commit(struct db *db) WUR;
/* The end of a write transaction: commits when e is ERR_OK, else (or when the commit fails)
 * rolls back; returns e or the commit's error. */
enum err db_finish(struct db *db, enum err e) WUR;
void db_rollback(struct db *db);
/* Whether a transaction is open on the connection (for invariants). */
bool db_in_tx(struct db *db);
/* A consistent snapshot for several reads. */
enum err db_begin_read(struct db *db) WUR;

/* Prepared from the connection's cache; hand it back with db_done(). */
enum err db_prepare(struct db *db, const char *sql, struct db_stmt **out) WUR;
void db_bind_int(struct db_stmt *st, int idx, int64_t v);
void db_bind_text(struct db_stmt *st, int idx, const char *s, size_t n);
void db_bind_str(struct db_stmt *st, int idx, const char *s); /* NULL binds NULL */
void db_bind_null(struct db_stmt *st, int idx);
/* Bytes (a BLOB in SQLite, BYTEA in PostgreSQL), copied. */
void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n);
/* *row = true when a row is available. Constraint failures come back as ERR_CONFLICT. */
enum err db_step(struct db_stmt *st, bool *row) WUR;
int db_col_count(struct db_stmt *st);
/* A result column's name (valid while the statement is). */
const char *db_col_name(struct db_stmt *st, int col);
bool db_col_null(struct db_stmt *st, int col);
int64_t db_col_int(struct db_stmt *st, int col);
/* NULL for SQL NULL; valid until the next step or db_done. */
const char *db_col_text(struct db_stmt *st, int col, size_t *n);
/* A BLOB/BYTEA column's bytes; NULL for SQL NULL; valid until the next read or db_done. */
const void *db_col_blob(struct db_stmt *st, int col, size_t *n);
/* Whether the column at the cursor holds bytes rather than text or a number. */
bool db_col_is_blob(struct db_stmt *st, int col);
void db_done(struct db_stmt *st);
/* Rows changed by the last completed statement. */
int64_t db_changes(struct db *db);

/* Runs one statement that returns no rows, binding one argument per letter of types:
 * 'i' an int64_t, 's' a const char * (NULL binds NULL), 'r' an int64_t id where 0 binds NULL.
 *   db_run(db, "UPDATE users SET name = $2 WHERE id = $1", "is", id, name); */
enum err db_run(struct db *db, const char *sql, const char *types, ...) WUR;

/* The first column of the first row as an integer (NULL reads 0), binding as db_run does;
 * ERR_NOT_FOUND when there is no row. */
enum err db_get_int(struct db *db, int64_t *out, const char *sql, const char *types, ...) WUR;

/* Whether the database answers a trivial query (health checks). */
enum err db_ping(struct db *db) WUR;

/* Runs one statement with no parameters and no result (DDL, PRAGMA). */
enum err db_exec(struct db *db, const char *sql) WUR;

enum err db_pool_open(const char *url, struct db_pool **out) WUR;
/* This thread's connection, opened on first use. */
enum err db_pool_get(struct db_pool *pool, struct db **out) WUR;
void db_pool_close(struct db_pool *pool);

/* Backend interface. */
struct db_ops {
	enum err (*open)(const char *target, struct db **out);
	void (*close)(struct db *db);
	const char *(*errmsg)(const struct db *db);
	enum err (*exec)(struct db *db, const char *sql);
	enum err (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
	void (*bind_int)(struct db_stmt *st, int idx, int64_t v);
	void (*bind_text)(struct db_stmt *st, int idx, const char *s, size_t n);
	void (*bind_null)(struct db_stmt *st, int idx);
	void (*bind_blob)(struct db_stmt *st, int idx, const void *p, size_t n);
	enum err (*step)(struct db_stmt *st, bool *row);
	int (*col_count)(struct db_stmt *st);
	const char *(*col_name)(struct db_stmt *st, int col);
	bool (*col_null)(struct db_stmt *st, int col);
	int64_t (*col_int)(struct db_stmt *st, int col);
	const char *(*col_text)(struct db_stmt *st, int col, size_t *n);
	const void *(*col_blob)(struct db_stmt *st, int col, size_t *n);
	bool (*col_is_blob)(struct db_stmt *st, int col);
	void (*done)(struct db_stmt *st);
	int64_t (*changes)(struct db *db);
	bool (*in_transaction)(struct db *db);
	const char *begin_write_sql;
};

/* Every backend's struct db starts with this. */
struct db_base {
	const struct db_ops *ops;
	enum db_dialect dialect;
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_postgres_ops;

/* The tables of the schema that are no register's, NULL-terminated: for copying a whole
 * installation (custos migrate-data) with the registers' own tables. */
const char *const *db_system_tables(void);
/* Copies every row of table from src to dst (same schema) inside dst's open transaction;
 * *rows gets the count. */
enum err db_copy_table(struct db *src, struct db *dst, const char *table, int64_t *rows) WUR;
/* After rows were copied with their ids: move identity counters past them (PostgreSQL). */
enum err db_reset_ids(struct db *db, const char *table) WUR;

/* Serialises writers that must not interleave (the audit chain, migrations) for the rest of
 * the current write transaction. SQLite's write lock already does; PostgreSQL takes an
 * advisory transaction lock. */
enum err db_lock(struct db *db, int64_t key) WUR;

/* Every backend's struct db_stmt starts with this. */
struct db_stmt_base {
	const struct db_ops *ops;
};

/* Embedded migrations (generated at build time from src/store/migrations/NNNN_name.sql). */
struct db_migration {
	int number;
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];
extern const size_t db_migrations_count;

#endif
