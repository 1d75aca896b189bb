/* authz.c - the role x register x action -> scope table, and nothing else decides access.
 * Deny by default: a combination missing from the table is SCOPE_NONE. */
#include "core/authz.h"

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

/* Shorthands for the table: R C U D = read create update delete. */
#define ALL SCOPE_ALL
#define DEP SCOPE_DEPT
#define OWN SCOPE_OWN
#define RO(s)                                                                                      \
	{                                                                                          \
		s, 0, 0, 0                                                                         \
	}
#define RW(s)                                                                                      \
	{                                                                                          \
		s, s, s, s                                                                         \
	}

struct rule {
	enum role role;
	const char *entity; /* a register's name */
	unsigned scope[AUTHZ__COUNT];
};

/* The policy, as data (ARCHITECTURE section 1; docs/security.md shows it as a table). */
static const struct rule rules[] = {
	/* the ISM owns the ISMS */
	{ ROLE_ISMS_MANAGER, "department", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "person", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "asset", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "interested_party", RW(ALL) },
	/* the board and auditors see everything and change nothing here */
	{ ROLE_BOARD, "department", RO(ALL) },
	{ ROLE_BOARD, "person", RO(ALL) },
	{ ROLE_BOARD, "asset", RO(ALL) },
	{ ROLE_BOARD, "interested_party", RO(ALL) },
	{ ROLE_AUDITOR, "department", RO(ALL) },
	{ ROLE_AUDITOR, "person", RO(ALL) },
	{ ROLE_AUDITOR, "asset", RO(ALL) },
	{ ROLE_AUDITOR, "interested_party", RO(ALL) },
	/* operations: facilities, systems and access (policy 3.8-3.10) */
	{ ROLE_OPERATIONS_MANAGER, "department", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "person", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "asset", RW(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "interested_party", RO(ALL) },
	/* HR: people and the organisation's structure (policy 3.7) */
	{ ROLE_HR_MANAGER, "department", RW(ALL) },
	{ ROLE_HR_MANAGER, "person", RW(ALL) },
	{ ROLE_HR_MANAGER, "asset", RO(ALL) },
	{ ROLE_HR_MANAGER, "interested_party", RO(ALL) },
	/* heads of department: their department's assets and people (policy 3.5.2, 3.6.2) */
	{ ROLE_DEPARTMENT_HEAD, "department", RO(ALL) },
	{ ROLE_DEPARTMENT_HEAD, "person", RO(DEP) },
	{ ROLE_DEPARTMENT_HEAD, "asset", RW(DEP) },
	{ ROLE_DEPARTMENT_HEAD, "interested_party", RO(ALL) },
	/* support: enough to triage incident reports (policy 3.12) */
	{ ROLE_SUPPORT, "department", RO(ALL) },
	{ ROLE_SUPPORT, "person", RO(ALL) },
	{ ROLE_SUPPORT, "asset", RO(ALL) },
	/* staff: what they own, and themselves */
	{ ROLE_STAFF, "department", RO(ALL) },
	{ ROLE_STAFF, "person", RO(OWN) },
	{ ROLE_STAFF, "asset", RO(OWN) },
	/* administrators run accounts; they see the organisation they assign people to */
	{ ROLE_ADMIN, "department", RO(ALL) },
	{ ROLE_ADMIN, "person", RO(ALL) },
	/* risk management (ISO 27001 6.1.2, 6.1.3, 8.2, 8.3): the ISM runs the method and the
	 * register; heads of department assess their department's risks; owners see theirs */
	{ ROLE_ISMS_MANAGER, "risk_method", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "risk", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "risk_action", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "risk_asset", RW(ALL) },
	{ ROLE_BOARD, "risk_method", RO(ALL) },
	{ ROLE_BOARD, "risk", RO(ALL) },
	{ ROLE_BOARD, "risk_action", RO(ALL) },
	{ ROLE_BOARD, "risk_asset", RO(ALL) },
	{ ROLE_AUDITOR, "risk_method", RO(ALL) },
	{ ROLE_AUDITOR, "risk", RO(ALL) },
	{ ROLE_AUDITOR, "risk_action", RO(ALL) },
	{ ROLE_AUDITOR, "risk_asset", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "risk_method", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "risk", { ALL, ALL, ALL, 0 } },
	{ ROLE_OPERATIONS_MANAGER, "risk_action", RW(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "risk_asset", RW(ALL) },
	{ ROLE_DEPARTMENT_HEAD, "risk_method", RO(ALL) },
	{ ROLE_DEPARTMENT_HEAD, "risk", { DEP | OWN, DEP, DEP, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "risk_action", { OWN, 0, OWN, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "risk_asset", RO(ALL) },
	{ ROLE_HR_MANAGER, "risk_method", RO(ALL) },
	{ ROLE_HR_MANAGER, "risk", RO(OWN) },
	{ ROLE_HR_MANAGER, "risk_action", { OWN, 0, OWN, 0 } },
	{ ROLE_SUPPORT, "risk", RO(OWN) },
	{ ROLE_SUPPORT, "risk_action", { OWN, 0, OWN, 0 } },
	{ ROLE_STAFF, "risk", RO(OWN) },
	{ ROLE_STAFF, "risk_action", { OWN, 0, OWN, 0 } },
	/* controls (ISO 27001 6.1.3, Annex A): the ISM keeps the catalogues and the SoA; control
	 * owners keep their controls and evidence; operations implements many of them */
	{ ROLE_ISMS_MANAGER, "framework", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "catalog_control", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "control_mapping", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "control", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "control_risk", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "evidence", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "soa_version", RW(ALL) },
	{ ROLE_BOARD, "soa_version", RO(ALL) },
	{ ROLE_AUDITOR, "soa_version", RO(ALL) },
	{ ROLE_BOARD, "framework", RO(ALL) },
	{ ROLE_BOARD, "catalog_control", RO(ALL) },
	{ ROLE_BOARD, "control_mapping", RO(ALL) },
	{ ROLE_BOARD, "control", RO(ALL) },
	{ ROLE_BOARD, "control_risk", RO(ALL) },
	{ ROLE_BOARD, "evidence", RO(ALL) },
	{ ROLE_AUDITOR, "framework", RO(ALL) },
	{ ROLE_AUDITOR, "catalog_control", RO(ALL) },
	{ ROLE_AUDITOR, "control_mapping", RO(ALL) },
	{ ROLE_AUDITOR, "control", RO(ALL) },
	{ ROLE_AUDITOR, "control_risk", RO(ALL) },
	{ ROLE_AUDITOR, "evidence", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "framework", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "catalog_control", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "control_mapping", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "control", { ALL, 0, ALL, 0 } },
	{ ROLE_OPERATIONS_MANAGER, "control_risk", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "evidence", RW(ALL) },
	{ ROLE_HR_MANAGER, "framework", RO(ALL) },
	{ ROLE_HR_MANAGER, "catalog_control", RO(ALL) },
	{ ROLE_HR_MANAGER, "control", { OWN, 0, OWN, 0 } },
	{ ROLE_HR_MANAGER, "evidence", { OWN, OWN, OWN, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "framework", RO(ALL) },
	{ ROLE_DEPARTMENT_HEAD, "catalog_control", RO(ALL) },
	{ ROLE_DEPARTMENT_HEAD, "control", { OWN | DEP, 0, OWN | DEP, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "evidence", { OWN, OWN, OWN, 0 } },
	/* policies and documents (ISO 27001 5.2, 7.5; policy 1.2, 3.9.3): the ISM keeps the
	 * document set; managers write the procedures of their areas; the Board and auditors
	 * read everything; anyone may ask for a change; everyone reads what they are asked to */
	{ ROLE_ISMS_MANAGER, "document", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "document_version", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "document_signoff", RO(ALL) },
	{ ROLE_ISMS_MANAGER, "document_review", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "change_request", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "acknowledgement", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "document_control", RW(ALL) },
	{ ROLE_BOARD, "document", RO(ALL) },
	{ ROLE_BOARD, "document_version", RO(ALL) },
	{ ROLE_BOARD, "document_signoff", RO(ALL) },
	{ ROLE_BOARD, "document_review", RO(ALL) },
	{ ROLE_BOARD, "change_request", { ALL, OWN, OWN, 0 } },
	{ ROLE_BOARD, "acknowledgement", RO(ALL) },
	{ ROLE_BOARD, "document_control", RO(ALL) },
	{ ROLE_AUDITOR, "document", RO(ALL) },
	{ ROLE_AUDITOR, "document_version", RO(ALL) },
	{ ROLE_AUDITOR, "document_signoff", RO(ALL) },
	{ ROLE_AUDITOR, "document_review", RO(ALL) },
	{ ROLE_AUDITOR, "change_request", RO(ALL) },
	{ ROLE_AUDITOR, "acknowledgement", RO(ALL) },
	{ ROLE_AUDITOR, "document_control", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "document", { ALL, OWN, OWN, 0 } },
	{ ROLE_OPERATIONS_MANAGER, "document_version", { ALL, OWN, OWN, OWN } },
	{ ROLE_OPERATIONS_MANAGER, "document_signoff", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "document_review", { ALL, OWN, OWN, 0 } },
	{ ROLE_OPERATIONS_MANAGER, "change_request", { ALL, OWN, OWN, 0 } },
	{ ROLE_OPERATIONS_MANAGER, "acknowledgement", RO(OWN) },
	{ ROLE_OPERATIONS_MANAGER, "document_control", RO(ALL) },
	{ ROLE_HR_MANAGER, "document", { ALL, OWN, OWN, 0 } },
	{ ROLE_HR_MANAGER, "document_version", { ALL, OWN, OWN, OWN } },
	{ ROLE_HR_MANAGER, "document_signoff", RO(ALL) },
	{ ROLE_HR_MANAGER, "document_review", { ALL, OWN, OWN, 0 } },
	{ ROLE_HR_MANAGER, "change_request", { ALL, OWN, OWN, 0 } },
	{ ROLE_HR_MANAGER, "acknowledgement", RO(OWN) },
	{ ROLE_HR_MANAGER, "document_control", RO(ALL) },
	{ ROLE_DEPARTMENT_HEAD, "document", { ALL, OWN | DEP, OWN | DEP, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "document_version", { ALL, OWN | DEP, OWN | DEP, OWN | DEP } },
	{ ROLE_DEPARTMENT_HEAD, "document_signoff", RO(ALL) },
	{ ROLE_DEPARTMENT_HEAD, "document_review", { ALL, OWN, OWN, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "change_request", { OWN | DEP, OWN, OWN, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "acknowledgement", RO(OWN | DEP) },
	{ ROLE_DEPARTMENT_HEAD, "document_control", RO(ALL) },
	{ ROLE_SUPPORT, "change_request", { OWN, OWN, OWN, 0 } },
	{ ROLE_SUPPORT, "acknowledgement", RO(OWN) },
	{ ROLE_STAFF, "change_request", { OWN, OWN, OWN, 0 } },
	{ ROLE_STAFF, "acknowledgement", RO(OWN) },
	{ ROLE_ADMIN, "acknowledgement", RO(OWN) },
	/* incidents (policy 3.3.6, 3.3.7, 3.12): everyone reports and sees their own reports;
	 * the Support Team triages every report; the ISM investigates; the Board and auditors
	 * read; corrective actions go to their owners */
	{ ROLE_ISMS_MANAGER, "incident", { ALL, OWN, ALL, 0 } },
	{ ROLE_ISMS_MANAGER, "incident_asset", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "incident_note", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "incident_action", RW(ALL) },
	{ ROLE_ISMS_MANAGER, "incident_target", RW(ALL) },
	{ ROLE_SUPPORT, "incident", { ALL, OWN, ALL, 0 } },
	{ ROLE_SUPPORT, "incident_asset", RW(ALL) },
	{ ROLE_SUPPORT, "incident_note", { ALL, ALL, OWN, 0 } },
	{ ROLE_SUPPORT, "incident_action", { ALL, 0, OWN, 0 } },
	{ ROLE_SUPPORT, "incident_target", RO(ALL) },
	{ ROLE_BOARD, "incident", { ALL, OWN, 0, 0 } },
	{ ROLE_BOARD, "incident_asset", RO(ALL) },
	{ ROLE_BOARD, "incident_note", RO(ALL) },
	{ ROLE_BOARD, "incident_action", RO(ALL) },
	{ ROLE_BOARD, "incident_target", RO(ALL) },
	{ ROLE_AUDITOR, "incident", { ALL, OWN, 0, 0 } },
	{ ROLE_AUDITOR, "incident_asset", RO(ALL) },
	{ ROLE_AUDITOR, "incident_note", RO(ALL) },
	{ ROLE_AUDITOR, "incident_action", RO(ALL) },
	{ ROLE_AUDITOR, "incident_target", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "incident", { ALL, OWN, 0, 0 } },
	{ ROLE_OPERATIONS_MANAGER, "incident_asset", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "incident_note", { ALL, ALL, OWN, 0 } },
	{ ROLE_OPERATIONS_MANAGER, "incident_action", { ALL, 0, OWN, 0 } },
	{ ROLE_HR_MANAGER, "incident", { OWN, OWN, 0, 0 } },
	{ ROLE_HR_MANAGER, "incident_action", { OWN, 0, OWN, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "incident", { OWN | DEP, OWN, 0, 0 } },
	{ ROLE_DEPARTMENT_HEAD, "incident_action", { OWN | DEP, 0, OWN, 0 } },
	{ ROLE_STAFF, "incident", { OWN, OWN, 0, 0 } },
	{ ROLE_STAFF, "incident_action", { OWN, 0, OWN, 0 } },
	{ ROLE_ADMIN, "incident", { OWN, OWN, 0, 0 } },
	/* the organisation's own record: everyone reads who they work for and where security
	 * issues go; the ISM and the administrators keep it; it is never deleted, as its uuid
	 * names the organisation's OSCAL exports */
	{ ROLE_ISMS_MANAGER, "organisation", { ALL, ALL, ALL, 0 } },
	{ ROLE_ADMIN, "organisation", { ALL, ALL, ALL, 0 } },
	{ ROLE_BOARD, "organisation", RO(ALL) },
	{ ROLE_AUDITOR, "organisation", RO(ALL) },
	{ ROLE_OPERATIONS_MANAGER, "organisation", RO(ALL) },
	{ ROLE_HR_MANAGER, "organisation", RO(ALL) },
	{ ROLE_DEPARTMENT_HEAD, "organisation", RO(ALL) },
	{ ROLE_SUPPORT, "organisation", RO(ALL) },
	{ ROLE_STAFF, "organisation", RO(ALL) },
	/* external parties: published documents only, and the organisation they deal with */
	{ ROLE_EXTERNAL, "organisation", RO(ALL) },
};

/* Workflow steps: who may take which step of which register, with the same scopes. */
struct step_rule {
	enum role role;
	const char *entity;
	const char *step;
	unsigned scope;
};

static const struct step_rule step_rules[] = {
	{ ROLE_ISMS_MANAGER, "risk_method", "activate", ALL },
	{ ROLE_ISMS_MANAGER, "soa_version", "approve", ALL },
	/* whoever assesses a risk asks its owner to accept it */
	{ ROLE_ISMS_MANAGER, "risk", "submit", ALL },
	{ ROLE_OPERATIONS_MANAGER, "risk", "submit", ALL },
	{ ROLE_DEPARTMENT_HEAD, "risk", "submit", DEP },
	/* the owner accepts (the step itself checks it is the owner); any role can own a risk */
	{ ROLE_ISMS_MANAGER, "risk", "accept", OWN },
	{ ROLE_BOARD, "risk", "accept", OWN },
	{ ROLE_OPERATIONS_MANAGER, "risk", "accept", OWN },
	{ ROLE_HR_MANAGER, "risk", "accept", OWN },
	{ ROLE_DEPARTMENT_HEAD, "risk", "accept", OWN },
	{ ROLE_SUPPORT, "risk", "accept", OWN },
	{ ROLE_STAFF, "risk", "accept", OWN },
	{ ROLE_ISMS_MANAGER, "risk", "reject", OWN },
	{ ROLE_BOARD, "risk", "reject", ALL },
	{ ROLE_OPERATIONS_MANAGER, "risk", "reject", OWN },
	{ ROLE_HR_MANAGER, "risk", "reject", OWN },
	{ ROLE_DEPARTMENT_HEAD, "risk", "reject", OWN },
	{ ROLE_SUPPORT, "risk", "reject", OWN },
	{ ROLE_STAFF, "risk", "reject", OWN },
	/* above the appetite, the Board (policy 1: the Board accepts risks above appetite) */
	{ ROLE_BOARD, "risk", "board_accept", ALL },
	{ ROLE_ISMS_MANAGER, "risk", "review", ALL },
	{ ROLE_DEPARTMENT_HEAD, "risk", "review", DEP | OWN },
	{ ROLE_ISMS_MANAGER, "risk", "close", ALL },
	{ ROLE_ISMS_MANAGER, "risk", "reopen", ALL },
	/* documents: authors send versions for approval; the ISM and the Board sign off (the
	 * step decides which sign-off the document still needs); the ISM publishes */
	{ ROLE_ISMS_MANAGER, "document_version", "submit", ALL },
	{ ROLE_OPERATIONS_MANAGER, "document_version", "submit", OWN },
	{ ROLE_HR_MANAGER, "document_version", "submit", OWN },
	{ ROLE_DEPARTMENT_HEAD, "document_version", "submit", OWN | DEP },
	{ ROLE_ISMS_MANAGER, "document_version", "return", ALL },
	{ ROLE_BOARD, "document_version", "return", ALL },
	{ ROLE_ISMS_MANAGER, "document_version", "approve", ALL },
	{ ROLE_BOARD, "document_version", "approve", ALL },
	{ ROLE_ISMS_MANAGER, "document_version", "publish", ALL },
	{ ROLE_ISMS_MANAGER, "document_version", "retire", ALL },
	/* the document's owner decides on a change request (the step checks it is the owner) */
	{ ROLE_ISMS_MANAGER, "change_request", "accept", ALL },
	{ ROLE_ISMS_MANAGER, "change_request", "reject", ALL },
	{ ROLE_OPERATIONS_MANAGER, "change_request", "accept", ALL },
	{ ROLE_OPERATIONS_MANAGER, "change_request", "reject", ALL },
	{ ROLE_HR_MANAGER, "change_request", "accept", ALL },
	{ ROLE_HR_MANAGER, "change_request", "reject", ALL },
	{ ROLE_DEPARTMENT_HEAD, "change_request", "accept", DEP },
	{ ROLE_DEPARTMENT_HEAD, "change_request", "reject", DEP },
	/* incidents: the Support Team triages, escalates, merges duplicates and resolves minor
	 * ones (the step checks); the ISM does all and alone investigates and closes */
	{ ROLE_SUPPORT, "incident", "triage", ALL },
	{ ROLE_SUPPORT, "incident", "escalate", ALL },
	{ ROLE_SUPPORT, "incident", "merge", ALL },
	{ ROLE_SUPPORT, "incident", "resolve", ALL },
	{ ROLE_ISMS_MANAGER, "incident", "triage", ALL },
	{ ROLE_ISMS_MANAGER, "incident", "escalate", ALL },
	{ ROLE_ISMS_MANAGER, "incident", "merge", ALL },
	{ ROLE_ISMS_MANAGER, "incident", "reassess", ALL },
	{ ROLE_SUPPORT, "incident", "reassess", ALL },
	{ ROLE_ISMS_MANAGER, "incident", "investigate", ALL },
	{ ROLE_ISMS_MANAGER, "incident", "contain", ALL },
	{ ROLE_ISMS_MANAGER, "incident", "resolve", ALL },
	{ ROLE_ISMS_MANAGER, "incident", "close", ALL },
	/* everyone acknowledges what they were asked to read, themselves */
	{ ROLE_ISMS_MANAGER, "acknowledgement", "acknowledge", OWN },
	{ ROLE_BOARD, "acknowledgement", "acknowledge", OWN },
	{ ROLE_AUDITOR, "acknowledgement", "acknowledge", OWN },
	{ ROLE_OPERATIONS_MANAGER, "acknowledgement", "acknowledge", OWN },
	{ ROLE_HR_MANAGER, "acknowledgement", "acknowledge", OWN },
	{ ROLE_DEPARTMENT_HEAD, "acknowledgement", "acknowledge", OWN },
	{ ROLE_SUPPORT, "acknowledgement", "acknowledge", OWN },
	{ ROLE_STAFF, "acknowledgement", "acknowledge", OWN },
	{ ROLE_ADMIN, "acknowledgement", "acknowledge", OWN },
};

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

/* Drops the scopes the register cannot express. */
static unsigned expressible(const struct entity *e, unsigned scope)
{
	if (!e->own_column)
		scope &= ~(unsigned)SCOPE_OWN;
	if (!e->dept_column)
		scope &= ~(unsigned)SCOPE_DEPT;
	return scope;
}

unsigned authz_scope(const struct authz_subject *s, const struct entity *e, enum authz_action a)
{
	if (!s || !s->authenticated || !e || (unsigned)a >= AUTHZ__COUNT)
		return SCOPE_NONE;
	if (s->token_permissions &&
	    !token_permits(s->token_permissions, e->plural, authz_action_name(a)))
		return SCOPE_NONE;
	unsigned scope = SCOPE_NONE;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (authz_has_role(s, rules[i].role) && strcmp(rules[i].entity, e->name) == 0)
			scope |= rules[i].scope[a];
	/* a scope the register cannot express grants nothing */
	return expressible(e, scope);
}

unsigned authz_step_scope(const struct authz_subject *s, const struct entity *e, const char *step)
{
	if (!s || !s->authenticated || !e || !step || !model_step(e, step))
		return SCOPE_NONE;
	if (s->token_permissions && !token_permits(s->token_permissions, e->plural, step))
		return SCOPE_NONE;
	unsigned scope = SCOPE_NONE;
	for (size_t i = 0; i < sizeof(step_rules) / sizeof(step_rules[0]); i++)
		if (step_rules[i].entity && authz_has_role(s, step_rules[i].role) &&
		    strcmp(step_rules[i].entity, e->name) == 0 &&
		    strcmp(step_rules[i].step, step) == 0)
			scope |= step_rules[i].scope;
	return expressible(e, scope);
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
