/* authz.c - deny by default; a table of who may do what. */
#include "core/authz.h"

/* kind of subject x action -> allowed. Entity-specific rows come with the roles. */
enum subject_kind { SUBJECT_USER, SUBJECT_ADMIN, SUBJECT__COUNT };

static const bool rules[SUBJECT__COUNT][AUTHZ__COUNT] = {
	[SUBJECT_USER] = { [AUTHZ_READ] = true },
	[SUBJECT_ADMIN] = { [AUTHZ_READ] = true,
			    [AUTHZ_CREATE] = true,
			    [AUTHZ_UPDATE] = true,
			    [AUTHZ_DELETE] = true },
};

bool authz_allow(const struct authz_subject *s, const struct entity *e, enum authz_action a)
{
	(void)e;
	if (!s || !s->authenticated || (unsigned)a >= AUTHZ__COUNT)
		return false;
	return rules[s->is_admin ? SUBJECT_ADMIN : SUBJECT_USER][a];
}

const char *authz_action_name(enum authz_action a)
{
	static const char *const names[] = { "read", "create", "update", "delete" };
	return (unsigned)a < AUTHZ__COUNT ? names[a] : "?";
}
