/* user.c - `custos user add`. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/user.h"
#include "util/crypto.h"

#define MAX_ROLES 16

int cmd_user_add(struct cli_args *a)
{
	const char *email = cli_value(a, "email"), *name = cli_value(a, "name");
	const char *role_list = cli_value(a, "role");
	if (!email)
		return cli_usage_error(a->cmd, "--email is required");
	if (!name)
		return cli_usage_error(a->cmd, "--name is required");
	if (!role_list)
		return cli_usage_error(a->cmd, "--role is required");

	static char roles_buf[512];
	if (strlen(role_list) >= sizeof(roles_buf))
		return cli_usage_error(a->cmd, "--role: too many roles");
	memcpy(roles_buf, role_list, strlen(role_list) + 1);
	const char *roles[MAX_ROLES];
	size_t nroles = 0;
	for (char *p = roles_buf; p && *p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!user_role_valid(p))
			return cli_usage_error(
				a->cmd, "--role: '%s' is not a role (see custos help user add)", p);
		if (nroles == MAX_ROLES)
			return cli_usage_error(a->cmd, "--role: too many roles");
		roles[nroles++] = p;
		p = comma ? comma + 1 : NULL;
	}

	char password[4 * USER_PW_MAX + 2];
	bool generated = false;
	if (cli_flag(a, "password-stdin")) {
		if (!fgets(password, sizeof(password), stdin)) {
			fprintf(stderr, "custos: no password on standard input\n");
			return CLI_EXIT_FAIL;
		}
		size_t n = strlen(password);
		while (n && (password[n - 1] == '\n' || password[n - 1] == '\r'))
			password[--n] = '\0';
	} else {
		char tok[CRYPTO_TOKEN_LEN];
		crypto_token(tok);
		memcpy(password, tok, 24); /* 24 base64url characters: 144 bits */
		password[24] = '\0';
		generated = true;
	}

	struct db *db;
	int rc = cli_open_db(a, &db);
	if (rc)
		return rc;
	int64_t dept = 0;
	const char *dept_key = cli_value(a, "department");
	if (dept_key) {
		enum err de = user_find_department(db, dept_key, &dept);
		if (de) {
			db_close(db);
			if (de == ERR_NOT_FOUND)
				return cli_usage_error(a->cmd,
						       "--department: no department '%s' (give its "
						       "id, code or name)",
						       dept_key);
			fprintf(stderr, "custos: the departments could not be read\n");
			return CLI_EXIT_FAIL;
		}
	}
	struct arena ar;
	arena_init(&ar, 0);
	struct verrors ve = { 0 };
	struct actor who = { 0, "cli" };
	int64_t id = 0;
	enum err e =
		user_create(db, &ar, &who, email, name, password, roles, nroles, dept, &ve, &id);
	if (e == ERR_INVALID) {
		for (size_t i = 0; i < ve.n; i++)
			fprintf(stderr, "custos: --%s %s\n",
				ve.items[i].field ? ve.items[i].field : "?", ve.items[i].message);
		rc = CLI_EXIT_USAGE;
	} else if (e) {
		fprintf(stderr, "custos: the user could not be created (%s)\n", err_title(e));
		rc = CLI_EXIT_FAIL;
	} else {
		printf("created user %lld <%s>\n", (long long)id, email);
		if (generated)
			printf("password: %s\n(shown once; the user should change it)\n", password);
	}
	memset(password, 0, sizeof(password));
	arena_free(&ar);
	db_close(db);
	return rc;
}
