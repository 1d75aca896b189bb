/* authz.h - the one permission check. Every path that reads or changes a register (API, UI,
 * export, history, counts) asks authz_scope() first; nothing is allowed unless a rule in the
 * role x register x action table says so. Scopes become SQL conditions, so lists and totals
 * never reveal what the user may not read. */
#ifndef CUSTOS_AUTHZ_H
#define CUSTOS_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"

/* The policy's roles; admin is system administration (accounts), not ISMS content. */
enum role {
	ROLE_ADMIN,
	ROLE_BOARD,
	ROLE_ISMS_MANAGER,
	ROLE_OPERATIONS_MANAGER,
	ROLE_HR_MANAGER,
	ROLE_DEPARTMENT_HEAD,
	ROLE_SUPPORT,
	ROLE_STAFF,
	ROLE_AUDITOR,
	ROLE_EXTERNAL,
	ROLE__COUNT
};

enum authz_action { AUTHZ_READ, AUTHZ_CREATE, AUTHZ_UPDATE, AUTHZ_DELETE, AUTHZ__COUNT };

/* A bit set: the union of what the user's roles grant. */
enum authz_scope {
	SCOPE_NONE = 0,
	SCOPE_OWN = 1u << 0,  /* records the user's person owns (or is) */
	SCOPE_DEPT = 1u << 1, /* records of the user's department */
	SCOPE_ALL = 1u << 2,
};

struct authz_subject {
	bool authenticated;
	unsigned roles;	       /* bit (1u << enum role) per role held */
	int64_t person_id;     /* the user's record in the people register, 0 if none */
	int64_t department_id; /* 0 if none */
	/* The credential is a bearer token, not a signed-in session: it never holds a power
	 * (authz_can) that its permissions do not name. */
	bool via_token;
	/* A bearer token's own limits, "register:action" items separated by commas with * for
	 * any ("assets:read,*:read"); NULL when the credential carries all the user's rights. */
	const char *token_permissions;
};

/* Reads every registered register's grants (entity.access) into the table authz_scope() and
 * authz_step_scope() consult. Run once at start, after model_registry_set(); false with why
 * naming the register, role and item that does not resolve (an unknown action, step or scope,
 * a scope the register has no column for, a role given twice): the program must not start. */
bool authz_load(char *why, size_t n);

/* Whether a token permission list is well formed (registers and actions that exist, or one of
 * the account powers "account:tokens", "account:users", "account:settings"). */
bool authz_permissions_valid(const char *list);
/* Whether every item of child is allowed by parent, so a token made with a token never
 * exceeds it. A wildcard covers registers and actions but never an account power: those are
 * only ever given by name. Both lists must be valid. */
bool authz_permissions_cover(const char *parent, const char *child);
/* Whether a token's list names this account power ("tokens", "users", "settings"); a token
 * without a list (all of its owner's register rights) holds none. */
bool authz_token_power(const char *list, const char *power);

const char *authz_role_name(enum role r);
/* -1 when the name is not a role. */
int authz_role_from_name(const char *name);
const char *authz_action_name(enum authz_action a);
const char *authz_scope_name(unsigned scope);

/* What the subject may do with the register: SCOPE_NONE means not at all. */
unsigned authz_scope(const struct authz_subject *s, const struct entity *e, enum authz_action a);
/* What the subject may do with a workflow step of the register (model.h): the same scopes. */
unsigned authz_step_scope(const struct authz_subject *s, const struct entity *e, const char *step);
/* Whether a stored (or about to be stored) record lies inside the given scope. */
bool authz_record_in_scope(const struct authz_subject *s, const struct entity *e, unsigned scope,
			   const struct record *r);
bool authz_has_role(const struct authz_subject *s, enum role r);

/* Permissions that are not about a register. A bearer token has one only when its permissions
 * name the matching account power (authz_capability_power) and its owner's roles grant it. */
enum authz_capability {
	CAP_MANAGE_ACCOUNTS,   /* register, change and de-register user accounts (policy 3.10.3) */
	CAP_SECURITY_SETTINGS, /* e.g. which roles must sign in with a second factor */
	CAP__COUNT
};
bool authz_can(const struct authz_subject *s, enum authz_capability cap);
/* "users", "settings": the account power a token needs for the capability. */
const char *authz_capability_power(enum authz_capability cap);

#endif
