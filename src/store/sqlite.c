/* sqlite.c - the SQLite backend: WAL, synchronous=FULL, foreign keys on, a busy timeout, and a
 * per-connection cache of prepared statements keyed by SQL text. $N placeholders are SQLite's
 * own "?NNN" once rewritten here. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/db.h"
#include "util/buf.h"
#include "util/log.h"

#define STMT_CACHE 256 /* open-addressed slots; the cache is flushed when half full */

struct db_stmt {
	struct db_stmt_base base;
	struct sq_db *db;
	sqlite3_stmt *st;
	char *sql;
	uint64_t hash;
	bool bind_failed;
	bool in_use;
	bool uncached; /* finalized by db_done: the cache was full or the cached copy was busy */
};

struct sq_db {
	struct db_base base;
	sqlite3 *h;
	struct db_stmt *cache[STMT_CACHE];
	int cached;
	char err[256];
};

static void sq_set_err(struct sq_db *d)
{
	const char *m = d->h ? sqlite3_errmsg(d->h) : "cannot open database";
	size_t n = strlen(m);
	if (n >= sizeof(d->err))
		n = sizeof(d->err) - 1;
	memcpy(d->err, m, n);
	d->err[n] = '\0';
}

static enum err sq_map(struct sq_db *d, int rc)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return ERR_OK;
	sq_set_err(d);
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return ERR_CONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ERR_BUSY;
	case SQLITE_NOMEM:
		return ERR_NOMEM;
	case SQLITE_TOOBIG:
		return ERR_TOO_LARGE;
	default:
		return ERR_DB;
	}
}

static enum err sq_exec(struct db *db, const char *sql)
{
	struct sq_db *d = (struct sq_db *)db;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
	enum err e = sq_map(d, rc);
	if (e && strcmp(sql, "ROLLBACK") != 0) /* rolling back nothing is not worth a log line */
		log_error("sqlite: %s", d->err);
	return e;
}

static pthread_once_t sq_once = PTHREAD_ONCE_INIT;

/* Before the first connection: connections are never shared between threads, and the global
 * memory statistics would otherwise take a process-wide mutex on every allocation. */
static void sq_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

static enum err sq_open(const char *path, struct db **out)
{
	pthread_once(&sq_once, sq_configure);
	struct sq_db *d = calloc(1, sizeof(*d));
	if (!d)
		return ERR_NOMEM;
	d->base.ops = &db_sqlite_ops;
	d->base.dialect = DB_SQLITE;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &d->h, flags, NULL);
	if (rc != SQLITE_OK) {
		sq_set_err(d);
		log_error("cannot open %s: %s", path, d->err);
		sqlite3_close(d->h);
		free(d);
		return ERR_IO;
	}
	sqlite3_extended_result_codes(d->h, 1);
	sqlite3_busy_timeout(d->h, 10000);
	/* WAL lets readers run beside the writer; FULL makes a commit durable before we answer 2xx.
	 */
	static const char init[] = "PRAGMA journal_mode=WAL;"
				   "PRAGMA synchronous=FULL;"
				   "PRAGMA foreign_keys=ON;"
				   "PRAGMA trusted_schema=OFF;";
	if (sq_exec((struct db *)d, init) != ERR_OK) {
		sqlite3_close(d->h);
		free(d);
		return ERR_IO;
	}
	*out = (struct db *)d;
	return ERR_OK;
}

static void stmt_free(struct db_stmt *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->st);
	free(s->sql);
	free(s);
}

static void sq_close(struct db *db)
{
	struct sq_db *d = (struct sq_db *)db;
	if (!d)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		stmt_free(d->cache[i]);
	sqlite3_close(d->h);
	free(d);
}

static const char *sq_errmsg(const struct db *db)
{
	return ((const struct sq_db *)db)->err;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

/* "$12" -> "?12" outside quoted strings, so one SQL text serves both engines. */
static char *rewrite_params(const char *sql)
{
	struct buf b;
	buf_init(&b, 0);
	char quote = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			buf_addc(&b, '?');
			continue;
		}
		buf_addc(&b, *p);
	}
	return buf_take(&b);
}

static enum err sq_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct sq_db *d = (struct sq_db *)db;
	uint64_t h = fnv1a(sql);
	unsigned slot = (unsigned)(h % STMT_CACHE);
	for (unsigned i = 0; i < STMT_CACHE; i++) {
		struct db_stmt *s = d->cache[(slot + i) % STMT_CACHE];
		if (!s)
			break;
		if (s->hash == h && strcmp(s->sql, sql) == 0 && !s->in_use) {
			s->in_use = true;
			*out = s;
			return ERR_OK;
		}
	}
	struct db_stmt *s = calloc(1, sizeof(*s));
	char *text = rewrite_params(sql);
	if (!s || !text) {
		free(s);
		free(text);
		return ERR_NOMEM;
	}
	int rc = sqlite3_prepare_v3(d->h, text, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
	free(text);
	if (rc != SQLITE_OK) {
		enum err e = sq_map(d, rc);
		log_error("sqlite prepare: %s in: %.200s", d->err, sql);
		free(s);
		return e == ERR_CONFLICT ? ERR_DB : e;
	}
	s->base.ops = &db_sqlite_ops;
	s->db = d;
	s->sql = strdup(sql);
	s->hash = h;
	if (!s->sql) {
		stmt_free(s);
		return ERR_NOMEM;
	}
	s->in_use = true;
	if (d->cached < STMT_CACHE / 2) {
		unsigned i = slot;
		while (d->cache[i])
			i = (i + 1) % STMT_CACHE;
		d->cache[i] = s;
		d->cached++;
	} else {
		s->uncached = true;
	}
	*out = s;
	return ERR_OK;
}

static void sq_bind_int(struct db_stmt *s, int idx, int64_t v)
{
	if (sqlite3_bind_int64(s->st, idx, v) != SQLITE_OK)
		s->bind_failed = true;
}

static void sq_bind_text(struct db_stmt *s, int idx, const char *p, size_t n)
{
	if (n > 0x7fffffff ||
	    sqlite3_bind_text(s->st, idx, p, (int)n, SQLITE_TRANSIENT) != SQLITE_OK)
		s->bind_failed = true;
}

static void sq_bind_blob(struct db_stmt *s, int idx, const void *p, size_t n)
{
	if (n > 0x7fffffff ||
	    sqlite3_bind_blob(s->st, idx, n ? p : "", (int)n, SQLITE_TRANSIENT) != SQLITE_OK)
		s->bind_failed = true;
}

static void sq_bind_null(struct db_stmt *s, int idx)
{
	if (sqlite3_bind_null(s->st, idx) != SQLITE_OK)
		s->bind_failed = true;
}

static enum err sq_step(struct db_stmt *s, bool *row)
{
	*row = false;
	if (s->bind_failed) {
		log_error("sqlite: a parameter could not be bound in: %.200s", s->sql);
		return ERR_DB;
	}
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW) {
		*row = true;
		return ERR_OK;
	}
	if (rc == SQLITE_DONE)
		return ERR_OK;
	enum err e = sq_map(s->db, rc);
	if (e != ERR_CONFLICT)
		log_error("sqlite step: %s in: %.200s", s->db->err, s->sql);
	return e;
}

static const char *sq_col_name(struct db_stmt *s, int col)
{
	return sqlite3_column_name(s->st, col);
}

static int sq_col_count(struct db_stmt *s)
{
	return sqlite3_column_count(s->st);
}

static bool sq_col_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static int64_t sq_col_int(struct db_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

static const char *sq_col_text(struct db_stmt *s, int col, size_t *n)
{
	/* NULL for SQL NULL (an out-of-memory NULL reads as NULL too) */
	const char *p = (const char *)sqlite3_column_text(s->st, col);
	if (n)
		*n = p ? (size_t)sqlite3_column_bytes(s->st, col) : 0;
	return p;
}

static const void *sq_col_blob(struct db_stmt *s, int col, size_t *n)
{
	const void *p = sqlite3_column_blob(s->st, col);
	*n = p ? (size_t)sqlite3_column_bytes(s->st, col) : 0;
	return p;
}

static bool sq_col_is_blob(struct db_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_BLOB;
}

static void sq_done(struct db_stmt *s)
{
	if (s->uncached) {
		stmt_free(s);
		return;
	}
	s->in_use = false;
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->bind_failed = false;
}

static int64_t sq_changes(struct db *db)
{
	return sqlite3_changes64(((struct sq_db *)db)->h);
}

static bool sq_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(((struct sq_db *)db)->h);
}

const struct db_ops db_sqlite_ops = {
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.bind_int = sq_bind_int,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.col_blob = sq_col_blob,
	.col_is_blob = sq_col_is_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_count = sq_col_count,
	.col_name = sq_col_name,
	.col_null = sq_col_null,
	.col_int = sq_col_int,
	.col_text = sq_col_text,
	.done = sq_done,
	.changes = sq_changes,
	.in_transaction = sq_in_transaction,
	.begin_write_sql = "BEGIN IMMEDIATE",
};
