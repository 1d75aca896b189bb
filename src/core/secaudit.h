/* secaudit.h - the security records in the audit chain: accounts (with their roles, person
 * link, password and second factor), API tokens and the security settings. Each record is read
 * as a snapshot; a change writes the difference between the snapshots before and after it as its
 * event, and `custos audit verify` replays the events against today's snapshot. One reader
 * serves both, so what verify checks is exactly what was recorded. Secrets never enter the
 * trail: a password hash, a TOTP secret with its recovery codes, or a token's hash appears only
 * as a BLAKE2b digest of what is stored, which shows it unchanged and reveals nothing. */
#ifndef CUSTOS_SECAUDIT_H
#define CUSTOS_SECAUDIT_H

#include <stdint.h>

#include <jansson.h>

#include "core/audit.h"
#include "store/db.h"
#include "util/err.h"

enum secaudit_kind {
	SEC_USER,     /* users, user_roles, user_mfa, mfa_recovery_codes; entity "user" */
	SEC_TOKEN,    /* api_tokens (never last_used_at); entity "api_token" */
	SEC_SETTINGS, /* mfa_required_roles; entity "setting", one record without an id */
	SEC__COUNT
};

/* The audit events' entity name of a kind. */
const char *secaudit_entity(enum secaudit_kind k);

/* The record as stored now, a new reference in *out (NULL when there is no such record). An
 * account's snapshot holds its version, created_at and updated_at too: every event counts. */
enum err secaudit_state(struct db *db, enum secaudit_kind k, int64_t id, json_t **out) WUR;

/* Writes the event of a change just made: the difference between before (NULL: the record is
 * new; borrowed) and the record as stored now. An account's change also counts itself
 * (version + 1, updated_at = at) and so is part of the difference; nothing is written when
 * nothing changed. at is the time the change stored (NULL: now). Inside the caller's write
 * transaction. */
enum err secaudit_record(struct db *db, const struct actor *who, enum secaudit_kind k,
			 const char *action, int64_t id, const json_t *before, const char *at) WUR;

/* One event per security record holding its whole snapshot ("baseline"): the starting point
 * of replay for records whose older events recorded less. Run once, by the migration that
 * brought the security records into the chain, inside its transaction. */
enum err secaudit_baseline(struct db *db) WUR;

/* The follow-up of migrations for db_migrate_with(): migration 17 brought the security records
 * into the chain and takes their baseline. */
#define SECAUDIT_MIGRATION 17
enum err secaudit_migrated(struct db *db, int number) WUR;

/* The ids of a kind's stored records in ascending order, as a statement whose column 0 is the
 * id (SEC_SETTINGS has none: NULL). */
const char *secaudit_ids_sql(enum secaudit_kind k);

#endif
