/* throttle.h - slows password guessing: failed sign-ins are counted per account and per client
 * address in the database; past a few free attempts each failure doubles the wait, up to an
 * hour, and an account takes at most 100 failures an hour. */
#ifndef CUSTOS_THROTTLE_H
#define CUSTOS_THROTTLE_H

#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

/* Seconds until a sign-in for this e-mail from this address may be tried; 0 when now. */
enum err throttle_check(struct db *db, const char *email, const char *addr,
			int64_t *retry_after) WUR;
/* Records a failed sign-in for both keys. */
enum err throttle_fail(struct db *db, const char *email, const char *addr) WUR;
/* A successful sign-in clears the account's count (the address keeps its own). */
enum err throttle_clear(struct db *db, const char *email) WUR;

/* A secret check other than sign-in (the current password, a code that removes a second
 * factor) under the same counters: ERR_THROTTLED with *retry_after seconds while the account
 * or the address waits; else check(arg) runs, and its ERR_UNAUTHORIZED (wrong) counts as a
 * failure, its ERR_OK clears the account's count. Returns what check returned. */
enum err throttle_secret(struct db *db, const char *email, const char *addr, int64_t *retry_after,
			 enum err (*check)(void *arg), void *arg) WUR;

#endif
