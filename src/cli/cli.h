/* cli.h - the command line: one table of commands with their options and help, one parser.
 * A bad flag or value prints what is wrong and the usage, and exits 2. */
#ifndef CUSTOS_CLI_H
#define CUSTOS_CLI_H

#include <stdbool.h>

#define CLI_MAX_OPTS 16
#define CLI_MAX_ARGS 64 /* import csv: 32 ENTITY FILE pairs */

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

struct cli_opt {
	const char *name; /* without the leading -- */
	const char *arg;  /* NULL: a flag; else the value's name in help */
	const char *help;
};

struct cli_args {
	const struct cli_cmd *cmd;
	const char *db_url;
	const char *values[CLI_MAX_OPTS]; /* by option index; flags hold "1" */
	int nargs;
	const char *args[CLI_MAX_ARGS];
};

struct cli_cmd {
	const char *name;  /* "user add" */
	const char *usage; /* after "custos " */
	const char *summary;
	const char *help;
	int min_args, max_args;
	const struct cli_opt opts[CLI_MAX_OPTS];
	int (*run)(struct cli_args *a);
};

const char *cli_value(const struct cli_args *a, const char *name);
bool cli_flag(const struct cli_args *a, const char *name);
/* Prints "custos: <what>" and the usage of the command; returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same for a register name that is none, listing the registers. */
int cli_usage_bad_register(const struct cli_cmd *cmd, const char *name);

int cli_main(int argc, char **argv);

/* the commands */
int cmd_serve(struct cli_args *a);
int cmd_init(struct cli_args *a);
int cmd_user_add(struct cli_args *a);
int cmd_audit_verify(struct cli_args *a);
int cmd_export(struct cli_args *a);
int cmd_import_csv(struct cli_args *a);
int cmd_import_xlsx(struct cli_args *a);
int cmd_import_catalogue(struct cli_args *a);
int cmd_import_titles(struct cli_args *a);
int cmd_import_oscal(struct cli_args *a);
int cmd_import_mapping(struct cli_args *a);
int cmd_import_document(struct cli_args *a);
int cmd_routes(struct cli_args *a);
int cmd_registers(struct cli_args *a);
int cmd_permissions(struct cli_args *a);
int cmd_migrate_data(struct cli_args *a);
int cmd_mail_test(struct cli_args *a);

/* The SMTP settings of serve and mail test: --smtp-url, --smtp-from, --smtp-user,
 * --smtp-starttls, the password from CUSTOS_SMTP_PASSWORD only. CLI_EXIT_OK, or the usage
 * error it printed. */
struct mail_config;
int cli_mail_config(const struct cli_args *a, struct mail_config *mc);

/* Opens the database and applies migrations; prints the reason on failure. */
struct db;
int cli_open_db(const struct cli_args *a, struct db **db);
/* The same for commands that only read: a missing database is an error, not created (a
 * mistyped path must not leave an empty database behind). */
int cli_open_existing_db(const struct cli_args *a, struct db **db);

#endif
