/* catalogue.c - `custos import catalogue NAME`: one of the control catalogues built into the
 * binary, loaded through the registers (domain/catalogue.c). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "domain/catalogue.h"
#include "util/buf.h"

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

int cmd_import_titles(struct cli_args *a)
{
	const char *code = a->args[0], *path = a->args[1];
	FILE *f = fopen(path, "rb");
	if (!f)
		return cli_usage_error(a->cmd, "cannot read %s", path);
	struct buf data;
	buf_init(&data, 16u << 20);
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&data, chunk, got);
	bool bad = ferror(f) != 0 || buf_failed(&data);
	fclose(f);
	if (bad) {
		buf_free(&data);
		return cli_usage_error(a->cmd, "%s cannot be read (or is over 16 MiB)", path);
	}
	struct db *db;
	int rc = cli_open_db(a, &db);
	if (rc) {
		buf_free(&data);
		return rc;
	}
	struct actor who = { 0, "cli" };
	int64_t changed = 0, row = 0;
	enum err e =
		catalogue_titles(db, &who, code, data.p ? data.p : "", data.len, &changed, &row);
	db_close(db);
	buf_free(&data);
	if (e == ERR_NOT_FOUND) {
		fprintf(stderr, "custos: no framework '%s'\n", code);
		return CLI_EXIT_FAIL;
	}
	if (e == ERR_INVALID && row) {
		fprintf(stderr,
			"custos: row %lld: no such control in %s, or not a valid title; nothing "
			"changed\n",
			(long long)row, code);
		return CLI_EXIT_FAIL;
	}
	if (e == ERR_INVALID) {
		fprintf(stderr, "custos: %s needs a header with control_id and title\n", path);
		return CLI_EXIT_FAIL;
	}
	if (e) {
		fprintf(stderr, "custos: the titles could not be imported (%s)\n", err_title(e));
		return CLI_EXIT_FAIL;
	}
	printf("updated %lld titles of %s\n", (long long)changed, code);
	return CLI_EXIT_OK;
}
