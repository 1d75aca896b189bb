/* db.c - backend dispatch, the migration runner and the per-thread connection pool.
 * Nothing here knows SQLite or PostgreSQL specifics beyond the dialect tokens in migrations. */
#include "store/db.h"

#include <assert.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/timeutil.h"

#define OPS(db)	 (((const struct db_base *)(db))->ops)
#define SOPS(st) (((const struct db_stmt_base *)(st))->ops)

static const char *sqlite_target(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0) {
		url += 7;
		if (strncmp(url, "//", 2) == 0)
			url += 2;
		return *url ? url : NULL;
	}
	if (strstr(url, "://"))
		return NULL;
	return *url ? url : NULL;
}

static bool postgres_url(const char *url)
{
	return !strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13);
}

bool db_url_valid(const char *url)
{
	return url && (postgres_url(url) || sqlite_target(url) != NULL);
}

bool db_exists(const char *url)
{
	if (!url || postgres_url(url))
		return url != NULL; /* a missing PostgreSQL database fails to connect instead */
	const char *path = sqlite_target(url);
	return path && (strcmp(path, ":memory:") == 0 || access(path, F_OK) == 0);
}

enum err db_open(const char *url, struct db **out)
{
	if (url && postgres_url(url))
		return db_postgres_ops.open(url, out);
	const char *path = url ? sqlite_target(url) : NULL;
	if (!path) {
		log_error("unsupported database URL (use sqlite:PATH or postgres://...)");
		return ERR_BAD_REQUEST;
	}
	return db_sqlite_ops.open(path, out);
}

enum err db_lock(struct db *db, int64_t key)
{
	if (db_dialect(db) != DB_POSTGRES)
		return ERR_OK;
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT pg_advisory_xact_lock($1)", &st);
	if (e)
		return e;
	db_bind_int(st, 1, key);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	return e;
}

void db_close(struct db *db)
{
	if (db)
		OPS(db)->close(db);
}

enum db_dialect db_dialect(const struct db *db)
{
	return ((const struct db_base *)db)->dialect;
}

const char *db_errmsg(const struct db *db)
{
	return OPS(db)->errmsg(db);
}

enum err db_exec(struct db *db, const char *sql)
{
	return OPS(db)->exec(db, sql);
}

/* Transaction statements go through the statement cache like any other: no parse per request. */
static enum err exec_cached(struct db *db, const char *sql)
{
	struct db_stmt *st;
	enum err e = OPS(db)->prepare(db, sql, &st);
	if (e)
		return e;
	bool row;
	e = SOPS(st)->step(st, &row);
	SOPS(st)->done(st);
	return e;
}

/* Binds one argument per letter of types (see db_run). */
static void bind_va(struct db_stmt *st, const char *types, va_list ap)
{
	for (int i = 0; types[i]; i++) {
		if (types[i] == 's') {
			db_bind_str(st, i + 1, va_arg(ap, const char *));
		} else {
			int64_t v = va_arg(ap, int64_t);
			if (types[i] == 'r' && v == 0)
				db_bind_null(st, i + 1);
			else
				db_bind_int(st, i + 1, v);
		}
	}
}

/* One statement, bound from ap; with out, its first column of the first row (ERR_NOT_FOUND
 * when there is none). */
static enum err run_va(struct db *db, const char *sql, const char *types, va_list ap, int64_t *out)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	bind_va(st, types, ap);
	bool row;
	e = db_step(st, &row);
	if (!e && out && row)
		*out = db_col_int(st, 0);
	else if (!e && out)
		e = ERR_NOT_FOUND;
	db_done(st);
	return e;
}

enum err db_run(struct db *db, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	enum err e = run_va(db, sql, types, ap, NULL);
	va_end(ap);
	return e;
}

enum err db_get_int(struct db *db, int64_t *out, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	enum err e = run_va(db, sql, types, ap, out);
	va_end(ap);
	return e;
}

enum err db_begin(struct db *db)
{
	return exec_cached(db, OPS(db)->begin_write_sql);
}

enum err db_begin_read(struct db *db)
{
	return exec_cached(db, "BEGIN");
}

enum err db_ping(struct db *db)
{
	int64_t one = 0;
	enum err e = db_get_int(db, &one, "SELECT 1", "");
	return e ? e : one == 1 ? ERR_OK : ERR_DB;
}

enum err db_finish(struct db *db, enum err e)
{
	if (!e)
		e = db_commit(db);
	if (e)
		db_rollback(db);
	return e;
}

enum err db_commit(struct db *db)
{
	assert(OPS(db)->in_transaction(db)); /* a commit with nothing begun is a logic error */
	return exec_cached(db, "COMMIT");
}

bool db_in_tx(struct db *db)
{
	return OPS(db)->in_transaction(db);
}

void db_rollback(struct db *db)
{
	if (OPS(db)->in_transaction(db))
		(void)exec_cached(db, "ROLLBACK");
}

enum err db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	return OPS(db)->prepare(db, sql, out);
}

void db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	SOPS(st)->bind_int(st, idx, v);
}

void db_bind_text(struct db_stmt *st, int idx, const char *s, size_t n)
{
	SOPS(st)->bind_text(st, idx, s, n);
}

void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n)
{
	SOPS(st)->bind_blob(st, idx, p, n);
}

void db_bind_str(struct db_stmt *st, int idx, const char *s)
{
	if (s)
		SOPS(st)->bind_text(st, idx, s, strlen(s));
	else
		SOPS(st)->bind_null(st, idx);
}

void db_bind_null(struct db_stmt *st, int idx)
{
	SOPS(st)->bind_null(st, idx);
}

enum err db_step(struct db_stmt *st, bool *row)
{
	return SOPS(st)->step(st, row);
}

const char *db_col_name(struct db_stmt *st, int col)
{
	return SOPS(st)->col_name(st, col);
}

int db_col_count(struct db_stmt *st)
{
	return SOPS(st)->col_count(st);
}

bool db_col_null(struct db_stmt *st, int col)
{
	return SOPS(st)->col_null(st, col);
}

int64_t db_col_int(struct db_stmt *st, int col)
{
	return SOPS(st)->col_int(st, col);
}

const char *db_col_text(struct db_stmt *st, int col, size_t *n)
{
	return SOPS(st)->col_text(st, col, n);
}

const void *db_col_blob(struct db_stmt *st, int col, size_t *n)
{
	return SOPS(st)->col_blob(st, col, n);
}

bool db_col_is_blob(struct db_stmt *st, int col)
{
	return SOPS(st)->col_is_blob(st, col);
}

void db_done(struct db_stmt *st)
{
	if (st)
		SOPS(st)->done(st);
}

int64_t db_changes(struct db *db)
{
	return OPS(db)->changes(db);
}

/* Migrations are written once; the few tokens that differ between engines are spelt
 * {{name}} and replaced here. */
static char *migration_sql(enum db_dialect d, const char *sql)
{
	static const struct {
		const char *token, *sqlite, *postgres;
	} tokens[] = {
		/* AUTOINCREMENT: an id is never handed out again after a delete, so a record's
		 * history and cached rendering can never be mistaken for another's */
		{ "{{pk}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
		  "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
		{ "{{blob}}", "BLOB", "BYTEA" },
		{ "{{nulls_first}}", "", "ASC NULLS FIRST" },
	};
	struct buf b;
	buf_init(&b, 0);
	const char *p = sql;
	while (*p) {
		const char *t = strstr(p, "{{");
		if (!t) {
			buf_adds(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(t - p));
		size_t i;
		for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
			size_t n = strlen(tokens[i].token);
			if (strncmp(t, tokens[i].token, n) == 0) {
				buf_adds(&b,
					 d == DB_SQLITE ? tokens[i].sqlite : tokens[i].postgres);
				p = t + n;
				break;
			}
		}
		if (i == sizeof(tokens) / sizeof(tokens[0])) {
			buf_add(&b, t, 2);
			p = t + 2;
		}
	}
	return buf_take(&b);
}

int db_schema_version(struct db *db)
{
	struct db_stmt *st;
	bool row;
	int v = 0;
	if (db_prepare(db, "SELECT coalesce(max(number), 0) FROM schema_migrations", &st))
		return 0;
	if (db_step(st, &row) == ERR_OK && row)
		v = (int)db_col_int(st, 0);
	db_done(st);
	return v;
}

enum err db_migrate(struct db *db)
{
	return db_migrate_with(db, NULL);
}

enum err db_migrate_with(struct db *db, enum err (*after)(struct db *db, int number))
{
	enum err e = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
				 " number INTEGER PRIMARY KEY, name TEXT NOT NULL,"
				 " applied_at TEXT NOT NULL)");
	if (e)
		return e;
	for (size_t i = 0; i < db_migrations_count; i++) {
		const struct db_migration *m = &db_migrations[i];
		if ((e = db_begin(db)) || (e = db_lock(db, 7001)))
			goto fail;
		/* checked inside the write transaction, so two processes starting at once
		 * cannot both apply the same migration */
		struct db_stmt *st;
		bool row = false;
		if ((e = db_prepare(db, "SELECT 1 FROM schema_migrations WHERE number = $1", &st)))
			goto fail;
		db_bind_int(st, 1, m->number);
		e = db_step(st, &row);
		db_done(st);
		if (e)
			goto fail;
		if (row) {
			db_rollback(db);
			continue;
		}
		char *sql = migration_sql(db_dialect(db), m->sql);
		if (!sql) {
			e = ERR_NOMEM;
			goto fail;
		}
		e = db_exec(db, sql);
		free(sql);
		if (e) {
			log_error("migration %04d_%s failed: %s", m->number, m->name,
				  db_errmsg(db));
			goto fail;
		}
		if (after && (e = after(db, m->number))) {
			log_error("migration %04d_%s: its follow-up failed (%s)", m->number,
				  m->name, err_title(e));
			goto fail;
		}
		char now[TIME_ISO_LEN];
		time_format_iso(time_now(), now);
		if ((e = db_prepare(db,
				    "INSERT INTO schema_migrations (number, name, applied_at)"
				    " VALUES ($1, $2, $3)",
				    &st)))
			goto fail;
		db_bind_int(st, 1, m->number);
		db_bind_str(st, 2, m->name);
		db_bind_str(st, 3, now);
		e = db_step(st, &row);
		db_done(st);
		if (e)
			goto fail;
		if ((e = db_commit(db)))
			goto fail;
		log_info("applied migration %04d_%s", m->number, m->name);
	}
	return ERR_OK;
fail:
	db_rollback(db);
	return e;
}

/* The pool: a thread-specific connection per worker, every one remembered for closing. */
struct db_pool {
	char *url;
	pthread_key_t key;
	pthread_mutex_t lock;
	struct db **all;
	size_t n, alloc;
};

enum err db_pool_open(const char *url, struct db_pool **out)
{
	struct db_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return ERR_NOMEM;
	p->url = strdup(url);
	if (!p->url || pthread_key_create(&p->key, NULL) != 0) {
		free(p->url);
		free(p);
		return ERR_NOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return ERR_OK;
}

enum err db_pool_get(struct db_pool *p, struct db **out)
{
	struct db *db = pthread_getspecific(p->key);
	if (db) {
		*out = db;
		return ERR_OK;
	}
	enum err e = db_open(p->url, &db);
	if (e)
		return e;
	pthread_mutex_lock(&p->lock);
	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 8;
		struct db **all = realloc(p->all, na * sizeof(*all));
		if (!all) {
			pthread_mutex_unlock(&p->lock);
			db_close(db);
			return ERR_NOMEM;
		}
		p->all = all;
		p->alloc = na;
	}
	p->all[p->n++] = db;
	pthread_mutex_unlock(&p->lock);
	pthread_setspecific(p->key, db);
	*out = db;
	return ERR_OK;
}

void db_pool_close(struct db_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		db_close(p->all[i]);
	pthread_key_delete(p->key);
	pthread_mutex_destroy(&p->lock);
	free(p->all);
	free(p->url);
	free(p);
}

/* The tables that are no register (accounts, sessions, the trail, files, counters, jobs, mail):
 * the registers' own tables come from their declarations. A migration that adds such a table
 * adds it here; tests/api/migrate.test.mjs fails when a table of the schema is missing. None of
 * them refers to a register's table. */
static const char *const system_tables[] = {
	"users",
	"user_roles",
	"sessions",
	"api_tokens",
	"audit_events",
	"files",
	"register_versions",
	"login_failures",
	"user_mfa",
	"mfa_recovery_codes",
	"mfa_required_roles",
	"jobs",
	"mail_outbox",
	NULL,
};

const char *const *db_system_tables(void)
{
	return system_tables;
}

enum err db_copy_table(struct db *src, struct db *dst, const char *table, int64_t *rows)
{
	char sql[200];
	*rows = 0;
	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	struct db_stmt *in, *out = NULL;
	enum err e = db_prepare(src, sql, &in);
	if (e)
		return e;
	bool row;
	struct buf ins;
	buf_init(&ins, 0);
	while ((e = db_step(in, &row)) == ERR_OK && row) {
		int n = db_col_count(in);
		if (!out) { /* the INSERT is built from the first row's column names */
			buf_printf(&ins, "INSERT INTO %s (", table);
			for (int i = 0; i < n; i++)
				buf_printf(&ins, "%s%s", i ? ", " : "", db_col_name(in, i));
			buf_adds(&ins, ") VALUES (");
			for (int i = 0; i < n; i++)
				buf_printf(&ins, "%s$%d", i ? ", " : "", i + 1);
			buf_addc(&ins, ')');
			if (buf_failed(&ins)) {
				e = ERR_NOMEM;
				break;
			}
			if ((e = db_prepare(dst, ins.p, &out)))
				break;
		}
		for (int i = 0; i < n; i++) {
			size_t len;
			if (db_col_is_blob(in, i)) { /* a file's bytes, NUL bytes included */
				const void *b = db_col_blob(in, i, &len);
				if (b)
					db_bind_blob(out, i + 1, b, len);
				else
					db_bind_null(out, i + 1);
				continue;
			}
			const char *v = db_col_text(in, i, &len);
			if (v)
				db_bind_text(out, i + 1, v, len);
			else
				db_bind_null(out, i + 1);
		}
		bool r2;
		e = db_step(out, &r2);
		/* reuse the prepared INSERT: reset it for the next row */
		db_done(out);
		if (e)
			break;
		if ((e = db_prepare(dst, ins.p, &out)))
			break;
		(*rows)++;
	}
	db_done(out);
	db_done(in);
	buf_free(&ins);
	return e;
}

enum err db_reset_ids(struct db *db, const char *table)
{
	if (db_dialect(db) != DB_POSTGRES)
		return ERR_OK;
	struct db_stmt *st;
	bool identity = false;
	enum err e = db_prepare(db,
				"SELECT 1 FROM information_schema.columns WHERE table_name = $1"
				" AND column_name = 'id' AND is_identity = 'YES'",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, table);
	e = db_step(st, &identity);
	db_done(st);
	if (e || !identity)
		return e;
	char sql[300];
	snprintf(
		sql, sizeof(sql),
		"SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false)"
		" FROM %s",
		table, table);
	if ((e = db_prepare(db, sql, &st)))
		return e;
	bool row;
	e = db_step(st, &row);
	db_done(st);
	return e;
}
