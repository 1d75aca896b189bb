/* user.h - accounts: creation with an argon2id hash, look-up, sessions and API tokens. Secrets
 * (passwords, session and token values) are hashed before they are stored and never logged. */
#ifndef CUSTOS_USER_H
#define CUSTOS_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/model.h"
#include "store/db.h"
#include "util/arena.h"
#include "util/buf.h"

#define USER_PW_MIN 12
#define USER_PW_MAX 128

struct user {
	int64_t id;
	int64_t department_id; /* 0: none */
	int64_t person_id;     /* the user's record in the people register, 0: none */
	unsigned roles;	       /* bit (1u << enum role) per role held */
	const char *email;
	const char *name;
	bool active;
};

bool user_role_valid(const char *role);

/* Creates an active user with the given roles; ERR_INVALID with ve naming the field (bad
 * e-mail, short password, e-mail in use, unknown role). The account is linked to the person
 * with the same e-mail in the people register, whose department it takes unless one is given.
 * Audited as the given actor. */
enum err user_create(struct db *db, struct arena *a, const struct actor *who, const char *email,
		     const char *name, const char *password, const char *const *roles,
		     size_t nroles, int64_t department_id, struct verrors *ve, int64_t *id) WUR;
/* A department by id, code or name (case-insensitive); ERR_NOT_FOUND when none matches. */
enum err user_find_department(struct db *db, const char *key, int64_t *id) WUR;

/* Checks e-mail and password. Unknown e-mail and wrong password take the same time and both
 * answer ERR_UNAUTHORIZED. */
enum err user_authenticate(struct db *db, struct arena *a, const char *email, const char *password,
			   struct user *out) WUR;

/* NULL when the password is acceptable for this account, else what is wrong with it: its
 * length (12-128 characters), a common password, or one made of the e-mail's name. */
const char *user_password_problem(const char *password, const char *email);
/* Sets a new password after checking it (ERR_INVALID with ve naming "new_password"), ends
 * every session of the account and revokes its tokens: whoever knew the old password is
 * signed out. Audited. */
enum err user_set_password(struct db *db, struct arena *a, const struct actor *who, int64_t user_id,
			   const char *email, const char *password, struct verrors *ve) WUR;
/* The account's own change of its password: the current one is checked under the sign-in
 * throttle (per account and per client address addr), so it cannot be guessed faster than at
 * sign-in. ERR_THROTTLED with *retry_after seconds; ERR_INVALID with ve naming
 * current_password (wrong, counted) or new_password (not acceptable). */
enum err user_change_password(struct db *db, struct arena *a, const struct actor *who,
			      int64_t user_id, const char *email, const char *addr,
			      const char *current, const char *next, int64_t *retry_after,
			      struct verrors *ve) WUR;
/* Checks the current password of an account (same time whether right or wrong). */
enum err user_check_password(struct db *db, int64_t user_id, const char *password) WUR;

/* A new session: *token is the cookie value (shown once), *csrf its CSRF token. */
enum err session_create(struct db *db, struct arena *a, int64_t user_id, int64_t ttl,
			const char **token, const char **csrf) WUR;
/* Resolves a cookie value to its user; ERR_UNAUTHORIZED when unknown, past its absolute
 * expiry, idle for idle_seconds or more, or the account is inactive. */
enum err session_lookup(struct db *db, struct arena *a, const char *token, int64_t idle_seconds,
			struct user *u, int64_t *session_id, const char **csrf) WUR;
enum err session_delete(struct db *db, int64_t session_id) WUR;
/* A sign-in whose password was right and whose second factor is still to come: it grants
 * nothing (session_lookup never finds it) and expires after SESSION_PENDING_TTL seconds. */
#define SESSION_PENDING_TTL 300
enum err session_create_pending(struct db *db, struct arena *a, int64_t user_id,
				const char **token) WUR;
enum err session_pending_lookup(struct db *db, struct arena *a, const char *token, struct user *u,
				int64_t *session_id) WUR;

/* What a token is: its name, its limits ("register:action" items that
 * authz_permissions_valid() accepts, NULL for all of the owner's register rights) and its
 * expiry (RFC 3339 UTC, NULL for none). */
struct token_spec {
	const char *name;
	const char *permissions;
	const char *expires_at;
};
/* A bearer token "cst_..." (shown once). parent is the token making this one (NULL from a
 * signed-in session): the new token inherits the limits and the expiry it leaves out, and
 * asking for more than parent allows, or a later expiry, is ERR_INVALID with ve naming the
 * field. *made is what was stored. Audited, the token's hash only as a digest. */
enum err token_create(struct db *db, struct arena *a, const struct actor *who, int64_t user_id,
		      const struct token_spec *spec, const struct token_spec *parent,
		      struct token_spec *made, const char **token, int64_t *id,
		      struct verrors *ve) WUR;
/* *limits: the token's permissions and expiry (NULL where it has none). */
enum err token_lookup(struct db *db, struct arena *a, const char *token, struct user *u,
		      int64_t *token_id, struct token_spec *limits) WUR;
/* Ends every session of the account but keep_session (0: all) and revokes each of its live
 * tokens with an audit event dated at: after its password or second factor changed, or it was
 * deactivated. Inside the caller's write transaction. */
enum err user_end_credentials(struct db *db, const struct actor *who, int64_t user_id,
			      int64_t keep_session, const char *at) WUR;
/* {"items":[{id,name,created_at,expires_at,last_used_at,revoked_at}],"next":null,"total":N} */
enum err token_list_json(struct db *db, int64_t user_id, struct buf *out) WUR;
enum err token_revoke(struct db *db, const struct actor *who, int64_t user_id,
		      int64_t token_id) WUR;

#endif
