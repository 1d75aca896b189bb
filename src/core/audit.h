/* audit.h - the tamper-evident trail. Every change appends one event inside the writing
 * transaction; hash = BLAKE2b-256(prev_hash || canonical event), so editing, removing or
 * reordering any event breaks the chain from there on. */
#ifndef CUSTOS_AUDIT_H
#define CUSTOS_AUDIT_H

#include <stdint.h>

#include "store/db.h"
#include "util/buf.h"
#include "util/err.h"

#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The advisory lock of the audit chain (db_lock): appends take turns under it. */
#define AUDIT_LOCK 7002

struct actor {
	int64_t id;	  /* 0: the system or the command line */
	const char *name; /* an e-mail, or "system" */
};

/* Must run inside a write transaction. changes_json: {"field":[before,after],...}. */
enum err audit_append(struct db *db, const struct actor *who, const char *action,
		      const char *entity, int64_t entity_id, const char *changes_json) WUR;
/* The same, dated at (RFC 3339 as time_format_iso writes it) instead of now: the time the
 * write stored in the record's created_at or updated_at, so the two agree to the letter. */
enum err audit_append_at(struct db *db, const struct actor *who, const char *at, const char *action,
			 const char *entity, int64_t entity_id, const char *changes_json) WUR;

struct audit_result {
	int64_t events;	 /* events checked */
	int64_t bad_seq; /* 0 when the chain holds */
	char why[160];
};

/* Recomputes the whole chain in sequence order. */
enum err audit_verify(struct db *db, struct audit_result *res) WUR;

/* Appends {"items":[...]} of one object's events, oldest first, to out. */
/* How many events the trail holds and when the last was written ("" when none). */
enum err audit_summary(struct db *db, int64_t *count, char last_at[32]) WUR;
enum err audit_history_json(struct db *db, const char *entity, int64_t id, struct buf *out) WUR;

/* The canonical text that is hashed (exposed for tests). */
void audit_canonical(struct buf *b, int64_t seq, const char *at, int64_t actor_id,
		     const char *actor, const char *action, const char *entity, int64_t entity_id,
		     const char *changes);

#endif
