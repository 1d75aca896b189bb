/* mfa.h - two-factor sign-in: TOTP (RFC 6238, SHA-1, 30 s, 6 digits, liboath) with a QR code
 * for enrolment (libqrencode) and single-use recovery codes. A code is accepted once: the last
 * accepted time step is stored, so a replayed code fails. */
#ifndef CUSTOS_MFA_H
#define CUSTOS_MFA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/audit.h"
#include "store/db.h"
#include "util/arena.h"
#include "core/model.h"
#include "util/buf.h"

#define MFA_RECOVERY_CODES 10

/* Whether the account has confirmed two-factor sign-in. */
enum err mfa_enrolled(struct db *db, int64_t user_id, bool *enrolled) WUR;
/* Whether the account must enrol first: one of its roles requires it and it has not. */
enum err mfa_enrolment_due(struct db *db, int64_t user_id, bool *due) WUR;

struct mfa_enrolment {
	const char *secret; /* base32, for typing into an app */
	const char *uri;    /* otpauth://totp/... */
	const char *svg;    /* the URI as a QR code */
};
/* Starts (or restarts) enrolment with a fresh secret; not active until confirmed. */
enum err mfa_begin(struct db *db, struct arena *a, int64_t user_id, const char *email,
		   struct mfa_enrolment *out) WUR;
/* Confirms with a current code; fills codes[] with the recovery codes (shown once). Every
 * other session of the account (all but keep_session) ends and its tokens are revoked: they were
 * made without the factor. ERR_INVALID for a wrong code or no enrolment in progress. Audited. */
enum err mfa_confirm(struct db *db, struct arena *a, const struct actor *who, int64_t user_id,
		     int64_t keep_session, const char *code,
		     const char *codes[MFA_RECOVERY_CODES]) WUR;
/* Checks a TOTP code or a recovery code for sign-in, and spends it. ERR_UNAUTHORIZED if wrong
 * or already used. */
enum err mfa_verify(struct db *db, const struct actor *who, int64_t user_id, const char *code) WUR;
/* Turns two-factor sign-in off for the account (after the caller checked a code). Audited. */
enum err mfa_disable(struct db *db, const struct actor *who, int64_t user_id) WUR;

/* The account's own switching off of its factor, proved by a current code (or a recovery
 * code) checked under the sign-in throttle for email and the client address addr. roles are
 * the account's: a factor one of them requires stays. ERR_THROTTLED with *retry_after seconds;
 * ERR_INVALID with ve naming "code". Audited. */
enum err mfa_turn_off(struct db *db, const struct actor *who, int64_t user_id, unsigned roles,
		      const char *email, const char *addr, const char *code, int64_t *retry_after,
		      struct verrors *ve) WUR;

/* The roles that must sign in with a second factor, as a bit set, and setting them. */
enum err mfa_required_roles(struct db *db, unsigned *roles) WUR;
enum err mfa_set_required_roles(struct db *db, const struct actor *who, unsigned roles) WUR;

/* The current code for a secret given in base32 (tests). */
enum err mfa_code_at(const char *secret_b32, int64_t when, char out[7]) WUR;

#endif
