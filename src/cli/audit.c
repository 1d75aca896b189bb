/* audit.c - `custos audit verify`. */
#include <stdio.h>

#include "cli/cli.h"
#include "core/audit.h"
#include "core/files.h"
#include "core/verify.h"
#include "store/db.h"

int cmd_audit_verify(struct cli_args *a)
{
	struct db *db;
	int rc = cli_open_existing_db(a, &db);
	if (rc)
		return rc;
	struct audit_result res;
	enum err e = audit_verify(db, &res);
	if (e) {
		db_close(db);
		fprintf(stderr, "custos: the audit trail could not be read (%s)\n", err_title(e));
		return CLI_EXIT_FAIL;
	}
	if (res.bad_seq) {
		db_close(db);
		printf("FAILED at event %lld: %s\n", (long long)res.bad_seq, res.why);
		return CLI_EXIT_FAIL;
	}
	/* the chain holds; now every stored record must be what its events say */
	struct verify_result vr;
	e = verify_records(db, &vr);
	/* and every uploaded file must still be the bytes its records' descriptors name */
	int64_t nfiles = 0, badfiles = 0;
	if (!e)
		e = files_verify(db, &nfiles, &badfiles);
	db_close(db);
	if (e) {
		fprintf(stderr, "custos: the registers could not be read (%s)\n", err_title(e));
		return CLI_EXIT_FAIL;
	}
	if (badfiles) {
		printf("FAILED: %lld file(s) no longer match their hash or are missing (%lld "
		       "stored)\n",
		       (long long)badfiles, (long long)nfiles);
		return CLI_EXIT_FAIL;
	}
	if (vr.mismatches) {
		printf("FAILED: %lld record(s) do not match the audit trail (chain of %lld events "
		       "holds)\n",
		       (long long)vr.mismatches, (long long)res.events);
		for (int i = 0; i < vr.nreported; i++)
			printf("  %s\n", vr.reported[i]);
		return CLI_EXIT_FAIL;
	}
	printf("ok %lld events\n", (long long)res.events);
	printf("ok %lld records match their audit history\n", (long long)vr.records);
	printf("ok %lld accounts, %lld API tokens and the security settings match their audit "
	       "history\n",
	       (long long)vr.accounts, (long long)vr.tokens);
	printf("ok %lld files match their hashes\n", (long long)nfiles);
	return CLI_EXIT_OK;
}
