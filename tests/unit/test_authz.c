/* test_authz.c - the permission table read from the registers' declarations: every grant
 * resolves or the program does not start; scopes and steps come out as declared; token
 * permission lists cover, and account powers are given only by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/authz.h"
#include "domain/domain.h"

static const struct field probe_fields[] = {
	{ .name = "owner_id", .type = FT_REF, .ref = "person" },
	{ .name = "status", .type = FT_ENUM, .flags = FF_READONLY },
};
static const char *const from_open[] = { "open", NULL };
static const struct step probe_steps[] = { { .name = "close", .from = from_open, .to = "x" } };
static const struct workflow probe_workflow = { "status", probe_steps, 1 };

/* A register whose grants are the case's. */
static struct entity probe(const struct grant *access, bool owned)
{
	return (struct entity){
		.name = "probe",
		.plural = "probes",
		.title = "Probe",
		.title_plural = "Probes",
		.fields = probe_fields,
		.nfields = 2,
		.own_column = owned ? "owner_id" : NULL,
		.workflow = &probe_workflow,
		.access = access,
	};
}

static const char *load(const struct entity *e)
{
	static char why[300];
	const struct entity *list[] = { e };
	model_registry_set(list, 1);
	return authz_load(why, sizeof(why)) ? NULL : why;
}

static void test_declarations_hold(void **state)
{
	(void)state;
	assert_null(domain_init());
	/* what the domain declares comes out: the ISM triages, staff only read their own */
	struct authz_subject ism = { .authenticated = true, .roles = 1u << ROLE_ISMS_MANAGER };
	struct authz_subject staff = { .authenticated = true, .roles = 1u << ROLE_STAFF };
	const struct entity *incident = model_entity("incident");
	assert_non_null(incident);
	assert_int_equal(authz_step_scope(&ism, incident, "triage"), SCOPE_ALL);
	assert_int_equal(authz_step_scope(&staff, incident, "triage"), SCOPE_NONE);
	assert_int_equal(authz_scope(&staff, incident, AUTHZ_READ), SCOPE_OWN);
	assert_int_equal(authz_scope(&staff, incident, AUTHZ_DELETE), SCOPE_NONE);
}

static void test_bad_grants_stop(void **state)
{
	(void)state;
	static const struct {
		struct grant g[3];
		bool owned;
		const char *says;
	} cases[] = {
		{ { { ROLE_STAFF, "r:all x:all" }, { .rights = NULL } },
		  true,
		  "'x:all' is not an action" },
		{ { { ROLE_STAFF, "r:everything" }, { .rights = NULL } }, true, "'r:everything'" },
		{ { { ROLE_STAFF, "r" }, { .rights = NULL } }, true, "'r' is not an action" },
		{ { { ROLE_STAFF, "close:all clos:all" }, { .rights = NULL } },
		  true,
		  "'clos:all'" },
		{ { { ROLE_STAFF, "r:own" }, { .rights = NULL } }, false, "needs a column" },
		{ { { ROLE_STAFF, "r:department" }, { .rights = NULL } }, true, "needs a column" },
		{ { { ROLE_STAFF, "r:all r:own" }, { .rights = NULL } }, true, "given twice" },
		{ { { ROLE_STAFF, "r:all" }, { ROLE_STAFF, "c:all" }, { .rights = NULL } },
		  true,
		  "twice" },
		{ { { ROLE__COUNT, "r:all" }, { .rights = NULL } }, true, "does not exist" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct entity e = probe(cases[i].g, cases[i].owned);
		const char *why = load(&e);
		if (!why || !strstr(why, cases[i].says) || !strstr(why, "probe"))
			fail_msg("case %zu: %s", i, why ? why : "(accepted)");
	}
	/* a good one, spaces and all, and a role without a grant gets nothing */
	static const struct grant good[] = { { ROLE_STAFF, " r:own  close:own c:all " },
					     { .rights = NULL } };
	struct entity e = probe(good, true);
	assert_null(load(&e));
	struct authz_subject staff = { .authenticated = true, .roles = 1u << ROLE_STAFF };
	struct authz_subject board = { .authenticated = true, .roles = 1u << ROLE_BOARD };
	assert_int_equal(authz_scope(&staff, &e, AUTHZ_READ), SCOPE_OWN);
	assert_int_equal(authz_scope(&staff, &e, AUTHZ_CREATE), SCOPE_ALL);
	assert_int_equal(authz_scope(&staff, &e, AUTHZ_UPDATE), SCOPE_NONE);
	assert_int_equal(authz_step_scope(&staff, &e, "close"), SCOPE_OWN);
	assert_int_equal(authz_scope(&board, &e, AUTHZ_READ), SCOPE_NONE);
	assert_null(domain_init()); /* the real registers again, for what follows */
}

static void test_token_lists(void **state)
{
	(void)state;
	assert_null(domain_init());
	assert_true(authz_permissions_valid("assets:read,*:read"));
	assert_true(authz_permissions_valid("account:users"));
	assert_false(authz_permissions_valid("account:everything"));
	assert_false(authz_permissions_valid("assets:read,"));
	assert_false(authz_permissions_valid(",assets:read"));
	assert_false(authz_permissions_valid("assets"));
	assert_false(authz_permissions_valid(""));
	assert_true(authz_permissions_cover("*:*", "assets:read,risks:accept"));
	assert_true(authz_permissions_cover("assets:*", "assets:read"));
	assert_false(authz_permissions_cover("assets:read", "assets:*"));
	assert_false(authz_permissions_cover("*:*", "account:users"));
	assert_true(authz_permissions_cover("*:read,account:users", "account:users,people:read"));
	assert_false(authz_token_power("*:*", "users"));
	assert_false(authz_token_power(NULL, "users"));
	assert_true(authz_token_power("assets:read,account:users", "users"));
	assert_false(authz_token_power("account:users", "tokens"));
	/* a token never administers without the power, whatever its owner's roles */
	struct authz_subject admin = { .authenticated = true,
				       .roles = 1u << ROLE_ADMIN,
				       .via_token = true };
	assert_false(authz_can(&admin, CAP_MANAGE_ACCOUNTS));
	admin.token_permissions = "account:users";
	assert_true(authz_can(&admin, CAP_MANAGE_ACCOUNTS));
	admin.roles = 1u << ROLE_STAFF;
	assert_false(authz_can(&admin, CAP_MANAGE_ACCOUNTS));
	admin.via_token = false;
	admin.token_permissions = NULL;
	admin.roles = 1u << ROLE_ADMIN;
	assert_true(authz_can(&admin, CAP_MANAGE_ACCOUNTS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declarations_hold),
		cmocka_unit_test(test_bad_grants_stop),
		cmocka_unit_test(test_token_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
