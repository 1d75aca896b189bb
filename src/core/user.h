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
/* Sets a new password after checking it (ERR_INVALID with ve naming "new_password"), and ends
 * every session of the account: whoever knew the old password is signed out. Audited. */
enum err user_set_password(struct db *db, struct arena *a, const struct actor *who, int64_t user_id,
			   const char *email, const char *password, struct verrors *ve) WUR;
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

/* A bearer token "cst_..." (shown once). expires_at may be NULL (no expiry). */
/* permissions: NULL for all of the owner's rights, else a list authz_permissions_valid() accepts.
 */
enum err token_create(struct db *db, struct arena *a, const struct actor *who, int64_t user_id,
		      const char *name, const char *expires_at, const char *permissions,
		      const char **token, int64_t *id) WUR;
/* *permissions: the token's limits, NULL when it has none. */
enum err token_lookup(struct db *db, struct arena *a, const char *token, struct user *u,
		      int64_t *token_id, const char **permissions) WUR;
/* {"items":[{id,name,created_at,expires_at,last_used_at,revoked_at}],"next":null,"total":N} */
enum err token_list_json(struct db *db, int64_t user_id, struct buf *out) WUR;
enum err token_revoke(struct db *db, const struct actor *who, int64_t user_id,
		      int64_t token_id) WUR;

#endif
