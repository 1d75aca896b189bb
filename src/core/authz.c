/* authz.c - the role x register x action -> scope table, and nothing else decides access.
 * Deny by default: a combination missing from the table is SCOPE_NONE. */
#include "core/authz.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[ROLE__COUNT] = {
	[ROLE_ADMIN] = "admin",
	[ROLE_BOARD] = "board",
	[ROLE_ISMS_MANAGER] = "isms_manager",
	[ROLE_OPERATIONS_MANAGER] = "operations_manager",
	[ROLE_HR_MANAGER] = "hr_manager",
	[ROLE_DEPARTMENT_HEAD] = "department_head",
	[ROLE_SUPPORT] = "support",
	[ROLE_STAFF] = "staff",
	[ROLE_AUDITOR] = "auditor",
	[ROLE_EXTERNAL] = "external",
};

/* The registers' grants (entity.access), parsed once at start: for each register and role,
 * a scope per action and per workflow step. */
struct compiled {
	const struct entity *e;
	unsigned scope[ROLE__COUNT][AUTHZ__COUNT];
	unsigned (*steps)[ROLE__COUNT]; /* one row per step of e's workflow */
};

static struct compiled *compiled;
static size_t ncompiled;

static const struct compiled *compiled_for(const struct entity *e)
{
	for (size_t i = 0; i < ncompiled; i++)
		if (compiled[i].e == e)
			return &compiled[i];
	return NULL;
}

static bool parse_scope(const char *s, size_t n, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned scope;
	} names[] = {
		{ "all", SCOPE_ALL },
		{ "own", SCOPE_OWN },
		{ "department", SCOPE_DEPT },
		{ "own+department", SCOPE_OWN | SCOPE_DEPT },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n == strlen(names[i].name) && strncmp(s, names[i].name, n) == 0) {
			*out = names[i].scope;
			return true;
		}
	return false;
}

/* Parses one register's grants into c; false with why naming what does not resolve. */
static bool compile_entity(const struct entity *e, struct compiled *c, char *why, size_t wn)
{
	static const char *const actions[AUTHZ__COUNT] = { "r", "c", "u", "d" };
	size_t nsteps = e->workflow ? e->workflow->nsteps : 0;
	c->e = e;
	c->steps = nsteps ? calloc(nsteps, sizeof(*c->steps)) : NULL;
	if (nsteps && !c->steps) {
		snprintf(why, wn, "out of memory");
		return false;
	}
	unsigned seen = 0;
	for (const struct grant *g = e->access; g && g->rights; g++) {
		if (g->role < 0 || g->role >= ROLE__COUNT || (seen & (1u << g->role))) {
			snprintf(why, wn, "%s: a grant names role %d %s", e->name, g->role,
				 g->role >= 0 && g->role < ROLE__COUNT ? "twice"
								       : "that does not exist");
			return false;
		}
		seen |= 1u << g->role;
		const char *role = authz_role_name((enum role)g->role);
		for (const char *p = g->rights; *p;) {
			while (*p == ' ')
				p++;
			if (!*p)
				break;
			size_t n = strcspn(p, " ");
			const char *colon = memchr(p, ':', n);
			size_t an = colon ? (size_t)(colon - p) : n;
			unsigned scope = 0;
			unsigned *slot = NULL;
			for (int a = 0; a < AUTHZ__COUNT && !slot; a++)
				if (an == 1 && *p == *actions[a])
					slot = &c->scope[g->role][a];
			for (size_t k = 0; k < nsteps && !slot; k++)
				if (an == strlen(e->workflow->steps[k].name) &&
				    strncmp(p, e->workflow->steps[k].name, an) == 0)
					slot = &c->steps[k][g->role];
			if (!slot || !colon || !parse_scope(colon + 1, n - an - 1, &scope)) {
				snprintf(why, wn,
					 "%s, role %s: '%.*s' is not an action or step of the "
					 "register "
					 "with a scope (all, own, department, own+department)",
					 e->name, role, (int)n, p);
				return false;
			}
			/* a scope the register has no column for would silently grant nothing */
			if (((scope & SCOPE_OWN) && !e->own_column) ||
			    ((scope & SCOPE_DEPT) && !e->dept_column)) {
				snprintf(why, wn,
					 "%s, role %s: '%.*s' needs a column the register lacks",
					 e->name, role, (int)n, p);
				return false;
			}
			if (*slot) {
				snprintf(why, wn, "%s, role %s: '%.*s' is given twice", e->name,
					 role, (int)an, p);
				return false;
			}
			*slot = scope;
			p += n;
		}
	}
	return true;
}

bool authz_load(char *why, size_t wn)
{
	for (size_t i = 0; i < ncompiled; i++)
		free(compiled[i].steps);
	free(compiled);
	ncompiled = 0;
	size_t n = model_registry_count();
	compiled = calloc(n ? n : 1, sizeof(*compiled));
	if (!compiled) {
		snprintf(why, wn, "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		ncompiled = i + 1;
		if (!compile_entity(model_registry_at(i), &compiled[i], why, wn))
			return false;
	}
	return true;
}

const char *authz_role_name(enum role r)
{
	return (unsigned)r < ROLE__COUNT ? role_names[r] : "?";
}

int authz_role_from_name(const char *name)
{
	for (int i = 0; name && i < ROLE__COUNT; i++)
		if (strcmp(role_names[i], name) == 0)
			return i;
	return -1;
}

const char *authz_action_name(enum authz_action a)
{
	static const char *const names[] = { "read", "create", "update", "delete" };
	return (unsigned)a < AUTHZ__COUNT ? names[a] : "?";
}

const char *authz_scope_name(unsigned scope)
{
	if (scope & SCOPE_ALL)
		return "all";
	if ((scope & SCOPE_DEPT) && (scope & SCOPE_OWN))
		return "own+department";
	if (scope & SCOPE_DEPT)
		return "department";
	if (scope & SCOPE_OWN)
		return "own";
	return "none";
}

static const struct {
	enum role role;
	enum authz_capability cap;
} capabilities[] = {
	{ ROLE_ADMIN, CAP_MANAGE_ACCOUNTS },
	{ ROLE_ISMS_MANAGER, CAP_SECURITY_SETTINGS },
};

/* The pseudo-register of the account powers in a token's permissions: "account:users". A
 * wildcard never reaches it, so "*:*" is every register right and no power. */
#define POWER_REGISTER "account"
static const char *const powers[] = { "tokens", "users", "settings", NULL };

const char *authz_capability_power(enum authz_capability cap)
{
	return cap == CAP_MANAGE_ACCOUNTS     ? "users"
	       : cap == CAP_SECURITY_SETTINGS ? "settings"
					      : "?";
}

bool authz_can(const struct authz_subject *s, enum authz_capability cap)
{
	if (!s || !s->authenticated)
		return false;
	/* a token administers nothing unless it was made for exactly that */
	if (s->via_token && !authz_token_power(s->token_permissions, authz_capability_power(cap)))
		return false;
	for (size_t i = 0; i < sizeof(capabilities) / sizeof(capabilities[0]); i++)
		if (capabilities[i].cap == cap && authz_has_role(s, capabilities[i].role))
			return true;
	return false;
}

bool authz_has_role(const struct authz_subject *s, enum role r)
{
	return s && (s->roles & (1u << r));
}

/* One "register:action" item of a list, as two counted strings. */
struct perm_item {
	const char *reg, *act;
	size_t rn, an;
};

/* The item at *p, advancing *p past it and its comma; false at the end of the list or on an
 * item without a colon. */
static bool next_item(const char **p, struct perm_item *it)
{
	if (!**p)
		return false;
	const char *end = strchr(*p, ',');
	size_t n = end ? (size_t)(end - *p) : strlen(*p);
	const char *colon = memchr(*p, ':', n);
	if (!colon)
		return false;
	it->reg = *p;
	it->rn = (size_t)(colon - *p);
	it->act = colon + 1;
	it->an = n - it->rn - 1;
	*p = end ? end + 1 : *p + n;
	return true;
}

static bool part_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncmp(s, word, n) == 0;
}

static bool is_power(const struct perm_item *it)
{
	return part_is(it->reg, it->rn, POWER_REGISTER);
}

/* Whether item a allows everything item b does (b names a power: only that very power). */
static bool item_covers(const struct perm_item *a, const struct perm_item *b)
{
	if (is_power(b) || is_power(a))
		return is_power(a) && is_power(b) && a->an == b->an &&
		       strncmp(a->act, b->act, a->an) == 0;
	bool reg = part_is(a->reg, a->rn, "*") ||
		   (a->rn == b->rn && strncmp(a->reg, b->reg, a->rn) == 0);
	bool act = part_is(a->act, a->an, "*") ||
		   (a->an == b->an && strncmp(a->act, b->act, a->an) == 0);
	return reg && act;
}

/* Does a token's permission list allow this register and action? */
static bool token_permits(const char *list, const char *plural, const char *action)
{
	struct perm_item want = { plural, action, strlen(plural), strlen(action) }, it;
	for (const char *p = list; next_item(&p, &it);)
		if (item_covers(&it, &want))
			return true;
	return false;
}

bool authz_token_power(const char *list, const char *power)
{
	struct perm_item want = { POWER_REGISTER, power, strlen(POWER_REGISTER), strlen(power) },
			 it;
	for (const char *p = list ? list : ""; next_item(&p, &it);)
		if (item_covers(&it, &want))
			return true;
	return false;
}

bool authz_permissions_cover(const char *parent, const char *child)
{
	struct perm_item c, it;
	for (const char *p = child; next_item(&p, &c);) {
		bool covered = false;
		for (const char *q = parent; !covered && next_item(&q, &it);)
			covered = item_covers(&it, &c);
		if (!covered)
			return false;
	}
	return true;
}

static bool valid_action(const char *s, size_t n)
{
	if (part_is(s, n, "*"))
		return true;
	for (int i = 0; i < AUTHZ__COUNT; i++)
		if (part_is(s, n, authz_action_name((enum authz_action)i)))
			return true;
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct workflow *w = model_registry_at(i)->workflow;
		for (size_t k = 0; w && k < w->nsteps; k++)
			if (part_is(s, n, w->steps[k].name))
				return true;
	}
	return false;
}

bool authz_permissions_valid(const char *list)
{
	if (!list || !*list || strlen(list) > 1000)
		return false;
	const char *p = list;
	struct perm_item it;
	while (*p) {
		if (!next_item(&p, &it) || !it.rn || !it.an)
			return false;
		if (is_power(&it)) {
			bool known = false;
			for (const char *const *w = powers; *w; w++)
				known |= part_is(it.act, it.an, *w);
			if (!known)
				return false;
			continue;
		}
		bool reg = part_is(it.reg, it.rn, "*");
		for (size_t i = 0; !reg && i < model_registry_count(); i++)
			reg = part_is(it.reg, it.rn, model_registry_at(i)->plural);
		if (!reg || !valid_action(it.act, it.an))
			return false;
	}
	/* a trailing comma leaves an empty last item */
	return list[strlen(list) - 1] != ',';
}

unsigned authz_scope(const struct authz_subject *s, const struct entity *e, enum authz_action a)
{
	if (!s || !s->authenticated || !e || (unsigned)a >= AUTHZ__COUNT)
		return SCOPE_NONE;
	if (s->token_permissions &&
	    !token_permits(s->token_permissions, e->plural, authz_action_name(a)))
		return SCOPE_NONE;
	const struct compiled *c = compiled_for(e);
	assert(c || !ncompiled); /* every register was compiled at start */
	unsigned scope = SCOPE_NONE;
	for (int r = 0; c && r < ROLE__COUNT; r++)
		if (authz_has_role(s, (enum role)r))
			scope |= c->scope[r][a];
	assert((scope & ~(unsigned)(SCOPE_OWN | SCOPE_DEPT | SCOPE_ALL)) == 0);
	return scope;
}

unsigned authz_step_scope(const struct authz_subject *s, const struct entity *e, const char *step)
{
	if (!s || !s->authenticated || !e || !step || !model_step(e, step))
		return SCOPE_NONE;
	if (s->token_permissions && !token_permits(s->token_permissions, e->plural, step))
		return SCOPE_NONE;
	const struct compiled *c = compiled_for(e);
	const struct step *st = model_step(e, step);
	size_t k = (size_t)(st - e->workflow->steps);
	assert(k < e->workflow->nsteps);
	unsigned scope = SCOPE_NONE;
	for (int r = 0; c && c->steps && r < ROLE__COUNT; r++)
		if (authz_has_role(s, (enum role)r))
			scope |= c->steps[k][r];
	return scope;
}

static int64_t column_value(const struct entity *e, const struct record *r, const char *col)
{
	if (strcmp(col, "id") == 0)
		return r->id;
	int i = model_field_index(e, col);
	if (i < 0 || !r->v[i].set || r->v[i].null)
		return 0;
	return r->v[i].i;
}

bool authz_record_in_scope(const struct authz_subject *s, const struct entity *e, unsigned scope,
			   const struct record *r)
{
	if (scope & SCOPE_ALL)
		return true;
	if ((scope & SCOPE_OWN) && e->own_column && s->person_id &&
	    column_value(e, r, e->own_column) == s->person_id)
		return true;
	if ((scope & SCOPE_DEPT) && e->dept_column && s->department_id &&
	    column_value(e, r, e->dept_column) == s->department_id)
		return true;
	return false;
}
