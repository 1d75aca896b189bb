/* postgres.c - the PostgreSQL backend (libpq): the same db.h as SQLite. Statements are prepared
 * once per connection and cached by SQL text; parameters travel as text and results come back
 * as text. A lost connection is re-established and the statement prepared again, once. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "util/log.h"
#include "util/str.h"

#define STMT_CACHE 256
#define MAX_PARAMS 512

struct db_stmt {
	struct db_stmt_base base;
	struct pg_db *db;
	char *sql;
	uint64_t hash;
	char name[24];
	unsigned gen; /* the connection generation it was prepared on */
	int nparams;
	char **values; /* nparams slots, NULL for SQL NULL */
	/* per parameter: its length and format (1: binary, a blob); NULL until a blob is bound */
	int *lengths, *formats;
	unsigned char *blob; /* the last column read as a blob, unescaped (freed on next read) */
	PGresult *res;
	int row, nrows;
	bool executed, in_use, uncached, bind_failed;
};

struct pg_db {
	struct db_base base;
	PGconn *conn;
	unsigned gen;
	unsigned next_name;
	struct db_stmt *cache[STMT_CACHE];
	int cached;
	int64_t changes;
	bool in_tx; /* a transaction was open after the last statement */
	char err[256];
};

static void pg_set_err(struct pg_db *d, const char *m)
{
	str_copy(d->err, sizeof(d->err), m ? m : "unknown error");
	size_t n = strlen(d->err);
	while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
}

static enum err pg_map(struct pg_db *d, PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	pg_set_err(d, res ? PQresultErrorMessage(res) : PQerrorMessage(d->conn));
	if (!state)
		return PQstatus(d->conn) == CONNECTION_BAD ? ERR_BUSY : ERR_DB;
	if (strncmp(state, "23", 2) == 0) /* integrity constraint violation */
		return ERR_CONFLICT;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strncmp(state, "08", 2) ||
	    !strcmp(state, "57P01"))
		return ERR_BUSY;
	if (!strcmp(state, "53200"))
		return ERR_NOMEM;
	return ERR_DB;
}

/* Server notices ("relation already exists, skipping") are not errors: keep them off stderr. */
static void pg_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("postgres: %s", message);
}

static enum err pg_open(const char *url, struct db **out)
{
	struct pg_db *d = calloc(1, sizeof(*d));
	if (!d)
		return ERR_NOMEM;
	d->base.ops = &db_postgres_ops;
	d->base.dialect = DB_POSTGRES;
	d->conn = PQconnectdb(url);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		pg_set_err(d, PQerrorMessage(d->conn));
		log_error("cannot connect to PostgreSQL: %s", d->err);
		PQfinish(d->conn);
		free(d);
		return ERR_IO;
	}
	PQsetNoticeProcessor(d->conn, pg_notice, NULL);
	/* UTC text timestamps and the session settings the SQL assumes */
	PGresult *r = PQexec(d->conn, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC';"
				      " SET standard_conforming_strings = on");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		PQfinish(d->conn);
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
	PQclear(s->res);
	for (int i = 0; i < s->nparams; i++)
		free(s->values[i]);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	PQfreemem(s->blob);
	free(s->sql);
	free(s);
}

static void pg_close(struct db *db)
{
	struct pg_db *d = (struct pg_db *)db;
	if (!d)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		stmt_free(d->cache[i]);
	PQfinish(d->conn);
	free(d);
}

static const char *pg_errmsg(const struct db *db)
{
	return ((const struct pg_db *)db)->err;
}

/* After a lost connection: reconnect; every prepared statement has to be prepared again. */
static bool pg_reconnect(struct pg_db *d)
{
	if (PQstatus(d->conn) == CONNECTION_OK)
		return true;
	log_warn("PostgreSQL connection lost: reconnecting");
	PQreset(d->conn);
	if (PQstatus(d->conn) != CONNECTION_OK)
		return false;
	d->gen++;
	PGresult *r = PQexec(d->conn, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
	PQclear(r);
	return true;
}

static enum err pg_exec(struct db *db, const char *sql)
{
	struct pg_db *d = (struct pg_db *)db;
	PGresult *r = PQexec(d->conn, sql);
	if (!r && !pg_reconnect(d))
		return ERR_BUSY;
	ExecStatusType s = PQresultStatus(r);
	enum err e = ERR_OK;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		e = pg_map(d, r);
		if (strcmp(sql, "ROLLBACK") != 0)
			log_error("postgres: %s", d->err);
		if (PQstatus(d->conn) == CONNECTION_BAD)
			pg_reconnect(d);
	}
	PQclear(r);
	return e;
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

/* The highest $N outside quotes: the number of parameters. */
static int count_params(const char *sql)
{
	int max = 0;
	char quote = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			int n = 0;
			while (p[1] >= '0' && p[1] <= '9')
				n = n * 10 + (*++p - '0');
			if (n > max)
				max = n;
		}
	}
	return max;
}

static enum err prepare_on_server(struct pg_db *d, struct db_stmt *s)
{
	PGresult *r = PQprepare(d->conn, s->name, s->sql, 0, NULL);
	enum err e = ERR_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		e = pg_map(d, r);
		log_error("postgres prepare: %s in: %.200s", d->err, s->sql);
		if (e == ERR_CONFLICT)
			e = ERR_DB;
	}
	PQclear(r);
	s->gen = d->gen;
	return e;
}

static enum err pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct pg_db *d = (struct pg_db *)db;
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
	if (!s)
		return ERR_NOMEM;
	s->base.ops = &db_postgres_ops;
	s->db = d;
	s->sql = strdup(sql);
	s->hash = h;
	s->nparams = count_params(sql);
	s->values = s->nparams ? calloc((size_t)s->nparams, sizeof(char *)) : NULL;
	snprintf(s->name, sizeof(s->name), "c%u", d->next_name++);
	if (!s->sql || (s->nparams && !s->values) || s->nparams > MAX_PARAMS) {
		stmt_free(s);
		return ERR_NOMEM;
	}
	enum err e = prepare_on_server(d, s);
	if (e) {
		stmt_free(s);
		return e;
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

static void set_value(struct db_stmt *s, int idx, char *v)
{
	if (idx < 1 || idx > s->nparams) {
		free(v);
		s->bind_failed = true;
		return;
	}
	free(s->values[idx - 1]);
	s->values[idx - 1] = v;
	if (s->formats)
		s->formats[idx - 1] = 0;
}

static void pg_bind_int(struct db_stmt *s, int idx, int64_t v)
{
	char *t = malloc(24);
	if (!t) {
		s->bind_failed = true;
		return;
	}
	snprintf(t, 24, "%lld", (long long)v);
	set_value(s, idx, t);
}

static void pg_bind_text(struct db_stmt *s, int idx, const char *p, size_t n)
{
	char *t = malloc(n + 1);
	if (!t) {
		s->bind_failed = true;
		return;
	}
	memcpy(t, p, n);
	t[n] = '\0';
	set_value(s, idx, t);
}

/* A blob travels as a binary parameter: no escaping, and any byte (NUL too) survives. */
static void pg_bind_blob(struct db_stmt *s, int idx, const void *p, size_t n)
{
	if (n > INT32_MAX || idx < 1 || idx > s->nparams) {
		s->bind_failed = true;
		return;
	}
	if (!s->formats) {
		s->lengths = calloc((size_t)s->nparams, sizeof(int));
		s->formats = calloc((size_t)s->nparams, sizeof(int));
		if (!s->lengths || !s->formats) {
			s->bind_failed = true;
			return;
		}
	}
	char *t = malloc(n ? n : 1);
	if (!t) {
		s->bind_failed = true;
		return;
	}
	memcpy(t, p, n);
	set_value(s, idx, t);
	s->lengths[idx - 1] = (int)n;
	s->formats[idx - 1] = 1;
}

static void pg_bind_null(struct db_stmt *s, int idx)
{
	set_value(s, idx, NULL);
}

static enum err pg_step(struct db_stmt *s, bool *row)
{
	struct pg_db *d = s->db;
	*row = false;
	if (s->bind_failed) {
		log_error("postgres: a parameter could not be bound in: %.200s", s->sql);
		return ERR_DB;
	}
	if (!s->executed) {
		for (int attempt = 0; attempt < 2; attempt++) {
			if (s->gen != d->gen && prepare_on_server(d, s) != ERR_OK)
				return ERR_DB;
			s->res = PQexecPrepared(d->conn, s->name, s->nparams,
						(const char *const *)s->values, s->lengths,
						s->formats, 0);
			if (PQstatus(d->conn) != CONNECTION_BAD || attempt)
				break;
			/* the connection dropped. Outside a transaction one retry is safe; inside
			 * one the transaction is gone, and the caller must hear it */
			PQclear(s->res);
			s->res = NULL;
			bool was_in_tx = d->in_tx;
			d->in_tx = false;
			if (!pg_reconnect(d) || was_in_tx) {
				pg_set_err(d, "the database connection was lost");
				return ERR_BUSY;
			}
		}
		s->executed = true;
		d->in_tx = PQtransactionStatus(d->conn) != PQTRANS_IDLE;
		ExecStatusType st = PQresultStatus(s->res);
		if (st == PGRES_TUPLES_OK) {
			s->nrows = PQntuples(s->res);
			s->row = -1;
		} else if (st == PGRES_COMMAND_OK) {
			int64_t n = 0;
			const char *t = PQcmdTuples(s->res);
			d->changes = t && *t && str_parse_i64(t, &n) ? n : 0;
			s->nrows = 0;
			s->row = -1;
		} else {
			enum err e = pg_map(d, s->res);
			if (e != ERR_CONFLICT)
				log_error("postgres: %s in: %.200s", d->err, s->sql);
			else
				log_debug("postgres: %s in: %.200s", d->err, s->sql);
			return e;
		}
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		*row = true;
	}
	return ERR_OK;
}

static const char *pg_col_name(struct db_stmt *s, int col)
{
	/* a statement not yet run has no result: describe the prepared one */
	return s->res ? PQfname(s->res, col) : "";
}

static int pg_col_count(struct db_stmt *s)
{
	return s->res ? PQnfields(s->res) : 0;
}

static bool pg_col_null(struct db_stmt *s, int col)
{
	return !s->res || s->row < 0 || PQgetisnull(s->res, s->row, col);
}

static int64_t pg_col_int(struct db_stmt *s, int col)
{
	if (pg_col_null(s, col))
		return 0;
	const char *v = PQgetvalue(s->res, s->row, col);
	if (v[0] == 't' && !v[1])
		return 1; /* booleans come back as t/f */
	if (v[0] == 'f' && !v[1])
		return 0;
	int64_t n = 0;
	return str_parse_i64(v, &n) ? n : 0;
}

static const char *pg_col_text(struct db_stmt *s, int col, size_t *n)
{
	if (pg_col_null(s, col)) {
		if (n)
			*n = 0;
		return NULL;
	}
	if (n)
		*n = (size_t)PQgetlength(s->res, s->row, col);
	return PQgetvalue(s->res, s->row, col);
}

/* bytea comes back as text in hex ("\\x..."): unescaped into a buffer the statement owns. */
static const void *pg_col_blob(struct db_stmt *s, int col, size_t *n)
{
	*n = 0;
	PQfreemem(s->blob);
	s->blob = NULL;
	if (pg_col_null(s, col))
		return NULL;
	size_t len = 0;
	s->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, col), &len);
	if (!s->blob)
		return NULL;
	*n = len;
	return s->blob;
}

static bool pg_col_is_blob(struct db_stmt *s, int col)
{
	return s->res && PQftype(s->res, col) == 17; /* BYTEAOID */
}

static void pg_done(struct db_stmt *s)
{
	if (s->uncached) {
		stmt_free(s);
		return;
	}
	PQfreemem(s->blob);
	s->blob = NULL;
	if (s->formats)
		memset(s->formats, 0, (size_t)s->nparams * sizeof(int));
	PQclear(s->res);
	s->res = NULL;
	s->executed = false;
	s->row = -1;
	s->nrows = 0;
	s->bind_failed = false;
	s->in_use = false;
	for (int i = 0; i < s->nparams; i++) {
		free(s->values[i]);
		s->values[i] = NULL;
	}
}

static int64_t pg_changes(struct db *db)
{
	return ((struct pg_db *)db)->changes;
}

static bool pg_in_transaction(struct db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(((struct pg_db *)db)->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

const struct db_ops db_postgres_ops = {
	.open = pg_open,
	.close = pg_close,
	.errmsg = pg_errmsg,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.col_blob = pg_col_blob,
	.col_is_blob = pg_col_is_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.col_null = pg_col_null,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.done = pg_done,
	.changes = pg_changes,
	.in_transaction = pg_in_transaction,
	.begin_write_sql = "BEGIN",
};
