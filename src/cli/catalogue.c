/* catalogue.c - `custos import catalogue NAME`: one of the control catalogues built into the
 * binary, loaded through the registers (domain/catalogue.c). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "domain/catalogue.h"

int cmd_import_catalogue(struct cli_args *a)
{
	const char *name = a->args[0];
	bool known = false;
	for (const char *const *p = catalogue_builtin_names; *p; p++)
		known = known || strcmp(*p, name) == 0;
	if (!known)
		return cli_usage_error(a->cmd,
				       "no built-in catalogue '%s' (iso27001-2022, iso27001-2013, "
				       "iso27001-2013-to-2022)",
				       name);
	struct db *db;
	int rc = cli_open_db(a, &db);
	if (rc)
		return rc;
	struct actor who = { 0, "cli" };
	int64_t n = 0;
	enum err e = catalogue_load(db, &who, name, &n);
	db_close(db);
	if (e == ERR_CONFLICT) {
		fprintf(stderr, "custos: %s is loaded already\n", name);
		return CLI_EXIT_FAIL;
	}
	if (e == ERR_NOT_FOUND) {
		fprintf(stderr, "custos: load iso27001-2013 and iso27001-2022 before their "
				"correspondence\n");
		return CLI_EXIT_FAIL;
	}
	if (e) {
		fprintf(stderr, "custos: %s could not be loaded (%s)\n", name, err_title(e));
		return CLI_EXIT_FAIL;
	}
	printf("loaded %s: %lld records\n", name, (long long)n);
	return CLI_EXIT_OK;
}
