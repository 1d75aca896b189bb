/* account.h - user administration: the formal registration and de-registration of policy
 * 3.10.3. Listing accounts, changing names, roles, department and person, deactivating and
 * reactivating; segregation-of-duties rules on role combinations. Every change is audited, and
 * a change of privilege or a deactivation ends the account's sessions at once. */
#ifndef CUSTOS_ACCOUNT_H
#define CUSTOS_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/model.h"
#include "store/db.h"
#include "util/buf.h"

/* The first segregation-of-duties rule a set of roles breaks, or NULL. */
const char *account_roles_conflict(unsigned roles);

/* {"items":[...],"next":null,"total":N}, by e-mail; q matches e-mail or name. */
enum err account_list_json(struct db *db, const char *q, struct buf *out) WUR;
/* One account as JSON; ERR_NOT_FOUND. */
enum err account_get_json(struct db *db, int64_t id, struct buf *out) WUR;

struct account_patch {
	const char *name; /* NULL: unchanged */
	bool set_roles;
	unsigned roles;
	bool set_department;
	int64_t department_id; /* 0: none */
	bool set_person;
	int64_t person_id; /* 0: none */
	bool set_active;
	bool active;
};

/* Applies the patch. ERR_INVALID with ve naming the field: unknown department or person, a
 * segregation-of-duties conflict, or an administrator removing their own administration or
 * deactivating themselves. self_id is the acting user. */
enum err account_update(struct db *db, struct arena *a, const struct actor *who, int64_t self_id,
			int64_t id, const struct account_patch *p, struct verrors *ve) WUR;

#endif
