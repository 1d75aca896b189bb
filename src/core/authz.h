/* authz.h - the one permission check. Every path that reads or changes a register (API, UI,
 * export, history, counts) asks authz_allow() first; nothing is allowed unless a rule says so.
 * This first version knows an admin flag; roles and scopes extend the same table. */
#ifndef CUSTOS_AUTHZ_H
#define CUSTOS_AUTHZ_H

#include <stdbool.h>

#include "core/model.h"

enum authz_action { AUTHZ_READ, AUTHZ_CREATE, AUTHZ_UPDATE, AUTHZ_DELETE, AUTHZ__COUNT };

struct authz_subject {
	bool authenticated;
	bool is_admin;
};

bool authz_allow(const struct authz_subject *s, const struct entity *e, enum authz_action a);
const char *authz_action_name(enum authz_action a);

#endif
