/* audit.c - `custos audit verify`. */
#include <stdio.h>

#include "cli/cli.h"
#include "core/audit.h"

int cmd_audit_verify(struct cli_args *a)
{
	struct db *db;
	int rc = cli_open_db(a, &db);
	if (rc)
		return rc;
	struct audit_result res;
	enum err e = audit_verify(db, &res);
	db_close(db);
	if (e) {
		fprintf(stderr, "custos: the audit trail could not be read (%s)\n", err_title(e));
		return CLI_EXIT_FAIL;
	}
	if (res.bad_seq) {
		printf("FAILED at event %lld: %s\n", (long long)res.bad_seq, res.why);
		return CLI_EXIT_FAIL;
	}
	printf("ok %lld events\n", (long long)res.events);
	return CLI_EXIT_OK;
}
