/* audit.c - appending to and verifying the hash chain. The canonical form is a compact JSON
 * array of the stored columns, so verification needs nothing but the table itself. */
#include "core/audit.h"

#include <assert.h>

#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "util/str.h"
#include "util/timeutil.h"

void audit_canonical(struct buf *b, int64_t seq, const char *at, int64_t actor_id,
		     const char *actor, const char *action, const char *entity, int64_t entity_id,
		     const char *changes)
{
	buf_addc(b, '[');
	buf_add_i64(b, seq);
	buf_addc(b, ',');
	buf_add_json_str(b, at, strlen(at));
	buf_addc(b, ',');
	if (actor_id)
		buf_add_i64(b, actor_id);
	else
		buf_adds(b, "null");
	buf_addc(b, ',');
	buf_add_json_str(b, actor, strlen(actor));
	buf_addc(b, ',');
	buf_add_json_str(b, action, strlen(action));
	buf_addc(b, ',');
	buf_add_json_str(b, entity, strlen(entity));
	buf_addc(b, ',');
	if (entity_id)
		buf_add_i64(b, entity_id);
	else
		buf_adds(b, "null");
	buf_addc(b, ',');
	/* changes are stored as text and hashed as that exact text */
	buf_add_json_str(b, changes, strlen(changes));
	buf_addc(b, ']');
}

enum err audit_append(struct db *db, const struct actor *who, const char *action,
		      const char *entity, int64_t entity_id, const char *changes_json)
{
	return audit_append_at(db, who, NULL, action, entity, entity_id, changes_json);
}

enum err audit_append_at(struct db *db, const struct actor *who, const char *when,
			 const char *action, const char *entity, int64_t entity_id,
			 const char *changes_json)
{
	struct db_stmt *st;
	bool row;
	int64_t seq = 1;
	char prev[CRYPTO_HASH_HEX] = AUDIT_GENESIS;
	/* one chain: appends from concurrent writers (other nodes too) take turns */
	enum err e = db_lock(db, AUDIT_LOCK);
	if (e)
		return e;
	e = db_prepare(db, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1", &st);
	if (e)
		return e;
	e = db_step(st, &row);
	if (!e && row) {
		seq = db_col_int(st, 0) + 1;
		size_t n;
		const char *h = db_col_text(st, 1, &n);
		if (h && n == CRYPTO_HASH_HEX - 1)
			memcpy(prev, h, n + 1);
	}
	db_done(st);
	if (e)
		return e;

	/* the chain grows by one, from the hash before it, inside the writer's transaction */
	assert(seq >= 1 && strlen(prev) == CRYPTO_HASH_HEX - 1 && db_in_tx(db));
	assert(changes_json && changes_json[0] == '{');
	char at[TIME_ISO_LEN];
	if (when && strlen(when) == TIME_ISO_LEN - 1)
		memcpy(at, when, TIME_ISO_LEN);
	else
		time_format_iso(time_now(), at);
	const char *actor = who && who->name ? who->name : "system";
	int64_t actor_id = who ? who->id : 0;

	struct buf canon;
	buf_init(&canon, 0);
	audit_canonical(&canon, seq, at, actor_id, actor, action, entity, entity_id, changes_json);
	if (buf_failed(&canon)) {
		buf_free(&canon);
		return ERR_NOMEM;
	}
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(prev, strlen(prev), canon.p, canon.len, hash);
	buf_free(&canon);

	e = db_prepare(
		db,
		"INSERT INTO audit_events (seq, at, actor_id, actor, action, entity, entity_id,"
		" changes, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
		&st);
	if (e)
		return e;
	db_bind_int(st, 1, seq);
	db_bind_str(st, 2, at);
	if (actor_id)
		db_bind_int(st, 3, actor_id);
	else
		db_bind_null(st, 3);
	db_bind_str(st, 4, actor);
	db_bind_str(st, 5, action);
	db_bind_str(st, 6, entity);
	if (entity_id)
		db_bind_int(st, 7, entity_id);
	else
		db_bind_null(st, 7);
	db_bind_str(st, 8, changes_json);
	db_bind_str(st, 9, prev);
	db_bind_str(st, 10, hash);
	e = db_step(st, &row);
	db_done(st);
	return e;
}

static const char *col(struct db_stmt *st, int i)
{
	const char *s = db_col_text(st, i, NULL);
	return s ? s : "";
}

enum err audit_verify(struct db *db, struct audit_result *res)
{
	memset(res, 0, sizeof(*res));
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT seq, at, actor_id, actor, action, entity, entity_id, changes,"
			   " prev_hash, hash FROM audit_events ORDER BY seq",
			   &st);
	if (e)
		return e;
	char prev[CRYPTO_HASH_HEX] = AUDIT_GENESIS;
	int64_t expect = 1;
	struct buf canon;
	buf_init(&canon, 0);
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		int64_t seq = db_col_int(st, 0);
		res->events++;
		if (seq != expect) {
			res->bad_seq = seq;
			snprintf(res->why, sizeof(res->why), "sequence jumps from %lld to %lld",
				 (long long)(expect - 1), (long long)seq);
			break;
		}
		if (strcmp(col(st, 8), prev) != 0) {
			res->bad_seq = seq;
			snprintf(res->why, sizeof(res->why),
				 "prev_hash does not match the hash of event %lld",
				 (long long)(seq - 1));
			break;
		}
		buf_reset(&canon);
		audit_canonical(&canon, seq, col(st, 1), db_col_int(st, 2), col(st, 3), col(st, 4),
				col(st, 5), db_col_int(st, 6), col(st, 7));
		if (buf_failed(&canon)) {
			e = ERR_NOMEM;
			break;
		}
		char hash[CRYPTO_HASH_HEX];
		crypto_hash_hex(prev, strlen(prev), canon.p, canon.len, hash);
		if (strcmp(hash, col(st, 9)) != 0) {
			res->bad_seq = seq;
			snprintf(res->why, sizeof(res->why),
				 "content does not match its hash (the event was altered)");
			break;
		}
		memcpy(prev, hash, sizeof(prev));
		expect++;
	}
	db_done(st);
	buf_free(&canon);
	return e;
}

enum err audit_summary(struct db *db, int64_t *count, char last_at[32])
{
	struct db_stmt *st;
	/* seq is the chain's order: the highest is the newest, and its count is the total */
	enum err e =
		db_prepare(db, "SELECT seq, at FROM audit_events ORDER BY seq DESC LIMIT 1", &st);
	if (e)
		return e;
	bool row;
	*count = 0;
	last_at[0] = '\0';
	if ((e = db_step(st, &row)) == ERR_OK && row) {
		*count = db_col_int(st, 0);
		str_copy(last_at, 32, col(st, 1));
	}
	db_done(st);
	return e;
}

enum err audit_history_json(struct db *db, const char *entity, int64_t id, struct buf *out)
{
	struct db_stmt *st;
	enum err e = db_prepare(
		db,
		"SELECT seq, at, actor_id, actor, action, changes, hash FROM audit_events"
		" WHERE entity = $1 AND entity_id = $2 ORDER BY seq",
		&st);
	if (e)
		return e;
	db_bind_str(st, 1, entity);
	db_bind_int(st, 2, id);
	bool row, first = true;
	buf_adds(out, "{\"items\":[");
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		if (!first)
			buf_addc(out, ',');
		first = false;
		buf_adds(out, "{\"seq\":");
		buf_add_i64(out, db_col_int(st, 0));
		buf_adds(out, ",\"at\":");
		buf_add_json_str(out, col(st, 1), strlen(col(st, 1)));
		buf_adds(out, ",\"actor_id\":");
		if (db_col_null(st, 2))
			buf_adds(out, "null");
		else
			buf_add_i64(out, db_col_int(st, 2));
		buf_adds(out, ",\"actor\":");
		buf_add_json_str(out, col(st, 3), strlen(col(st, 3)));
		buf_adds(out, ",\"action\":");
		buf_add_json_str(out, col(st, 4), strlen(col(st, 4)));
		buf_adds(out, ",\"changes\":");
		buf_adds(out, col(st, 5)); /* stored as JSON we wrote ourselves */
		buf_adds(out, ",\"hash\":");
		buf_add_json_str(out, col(st, 6), strlen(col(st, 6)));
		buf_addc(out, '}');
	}
	db_done(st);
	buf_adds(out, "]}");
	if (!e && buf_failed(out))
		e = ERR_NOMEM;
	return e;
}
