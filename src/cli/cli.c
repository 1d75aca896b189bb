/* cli.c - the command table, option parsing and help. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/domain.h"
#include "core/secaudit.h"
#include "store/db.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/log.h"

#ifndef CUSTOS_VERSION
#define CUSTOS_VERSION "0.0.0"
#endif

static int cmd_version(struct cli_args *a);
static int cmd_help(struct cli_args *a);

#define DB_OPT                                                                                     \
	{                                                                                          \
		"db", "URL",                                                                       \
			"database: sqlite:PATH (default sqlite:custos.db) or postgres://...; or "  \
			"set CUSTOS_DB"                                                            \
	}

/* serve sends the outbox with them, mail test one mail; the password is never a flag */
/* clang-format off */
#define SMTP_OPTS                                                                                  \
	{ "smtp-url", "URL", "send mail through smtp://HOST:PORT or smtps://HOST:PORT (password: " \
	  "set CUSTOS_SMTP_PASSWORD); without it mail stays in the outbox" },                      \
	{ "smtp-from", "ADDRESS", "the sender of Custos's mail (default custos@localhost)" },      \
	{ "smtp-user", "USER", "SMTP login name (needs smtps:// or --smtp-starttls)" },            \
	{ "smtp-starttls", NULL, "require STARTTLS on smtp://" }
/* clang-format on */

static const struct cli_cmd commands[] = {
	{ "serve",
	  "serve [--listen HOST:PORT] [--demo] [--threads N] [--db URL]",
	  "migrate the database, then serve the web UI and JSON API",
	  "Applies pending migrations and serves HTTP until interrupted (SIGINT/SIGTERM).\n"
	  "With --demo, an empty database is first filled with a demo organisation and the\n"
	  "sign-in details are printed. Put a TLS proxy (nginx) in front for anything but\n"
	  "local use; --trust-proxy makes Custos believe its X-Forwarded-Proto header.",
	  0,
	  0,
	  { DB_OPT,
	    { "listen", "HOST:PORT",
	      "address to listen on (default 127.0.0.1:8080; port 0 picks one)" },
	    { "demo", NULL, "fill an empty database with the demo organisation" },
	    { "threads", "N", "worker threads (default: 4, or 2 per core when more)" },
	    { "trust-proxy", NULL, "trust X-Forwarded-Proto from the reverse proxy" },
	    { "secure-cookies", NULL, "always mark cookies Secure (TLS terminated in front)" },
	    { "session-hours", "H", "absolute session lifetime in hours (default 12)" },
	    { "session-idle-minutes", "M", "end sessions unused for M minutes (default 30)" },
	    { "jobs-poll", "S", "how often this node looks for due jobs, in seconds (default 30)" },
	    { "max-upload-mb", "N",
	      "largest uploaded file (evidence, attachments) in MiB, 1 to 64 (default 16)" },
	    SMTP_OPTS },
	  cmd_serve },
	{ "init",
	  "init [--db URL]",
	  "create or migrate the database, then exit",
	  "Creates the database when missing and applies every pending migration. Safe to run\n"
	  "again: migrations already applied are skipped.",
	  0,
	  0,
	  { DB_OPT },
	  cmd_init },
	{ "user add",
	  "user add --email E --name N --role R [--role R2 ...] [--password-stdin] [--db URL]",
	  "create a user who can sign in",
	  "Creates an active user. Roles: admin, board, isms_manager, operations_manager,\n"
	  "hr_manager, department_head, support, staff, auditor, external (repeat --role, or\n"
	  "separate with commas). With --password-stdin the password (12-128 characters) is read\n"
	  "from the first line of standard input; otherwise a strong one is generated and printed\n"
	  "once.",
	  0,
	  0,
	  { DB_OPT,
	    { "email", "E", "sign-in e-mail address" },
	    { "name", "N", "full name" },
	    { "role", "R", "a role from the policy (repeatable)" },
	    { "department", "D", "the user's department: its id, code or name" },
	    { "password-stdin", NULL, "read the password from standard input" } },
	  cmd_user_add },
	{ "audit verify",
	  "audit verify [--db URL]",
	  "check the audit trail's hash chain",
	  "Recomputes the BLAKE2b hash chain over every audit event. Prints 'ok N events' and\n"
	  "exits 0 when it holds; otherwise names the first event that does not match and\n"
	  "exits 1.",
	  0,
	  0,
	  { DB_OPT },
	  cmd_audit_verify },
	{ "export",
	  "export ENTITY|soa --format csv|xlsx|json [--output FILE] [--db URL]",
	  "export a register as CSV, XLSX or JSON",
	  "Writes every record of the register ENTITY (its plural, e.g. assets; custos\n"
	  "registers lists them) to standard output, or to FILE with --output (written to a\n"
	  "temporary file first, then renamed; mode 0640). Columns: id, the register's fields,\n"
	  "version, created_at, updated_at. CSV holds the stored values, with references as\n"
	  "their records' natural keys (a department's code, a person's e-mail: custos import\n"
	  "csv finds them again, in another installation too); XLSX the same under a frozen\n"
	  "header of field names with filters, choices by their labels; JSON is\n"
	  "{\"items\":[...],\"total\":N} with references as ids. Text a spreadsheet would\n"
	  "run as a formula (starting with = + - @, TAB or CR) gets a leading apostrophe in\n"
	  "CSV and XLSX.\n"
	  "At most 1,000,000 records.\n"
	  "custos export soa --format xlsx|csv|json|oscal [--framework CODE] writes the\n"
	  "Statement of Applicability of a framework (default iso27001-2022) as it is today;\n"
	  "oscal is an OSCAL 1.1 component definition (JSON).",
	  1,
	  1,
	  { DB_OPT,
	    { "format", "F", "csv, xlsx or json (required)" },
	    { "output", "FILE", "write to FILE instead of standard output" },
	    { "framework", "CODE", "for soa: the framework, e.g. iso27001-2013" } },
	  cmd_export },
	{ "import csv",
	  "import csv ENTITY FILE [ENTITY FILE ...] [--partial] [--db URL]",
	  "import registers' records from CSV files",
	  "Reads records of the register ENTITY (its plural, e.g. assets; custos registers\n"
	  "lists them) from FILE (- for standard input): CSV as custos export writes it, UTF-8\n"
	  "with or without a byte order mark. The first row names the columns by field name;\n"
	  "id, version, created_at and updated_at are ignored, so an export can be imported\n"
	  "again, into another installation too. A cell holds the value (a choice by its value\n"
	  "or label, booleans true/false, dates YYYY-MM-DD); an empty cell is no value. A\n"
	  "reference holds the natural key of the record it names - a department's code (or\n"
	  "name), a person's e-mail, a framework's code, a catalogue control's framework code\n"
	  "and identifier (iso27001-2022 A.5.1) - found among the records stored and the rows\n"
	  "of the files given; #12 is the record with id 12 of this installation, and a plain\n"
	  "number is a key, never an id. Several ENTITY FILE pairs go in one transaction, in\n"
	  "the order their references need, so departments and people (each refers to the\n"
	  "other) import together into an empty installation: a reference to a row imported\n"
	  "later is set in a second pass. Every row is checked as a form would check it and\n"
	  "gets its audit event. Nothing is imported when a row is refused, unless --partial\n"
	  "is given: then the valid rows are kept. Refused rows are listed as 'row N, FIELD:\n"
	  "MESSAGE' (the header is row 1; with several files the register comes first). Exits\n"
	  "0 when every row was imported, 1 when rows were refused. At most 100,000 rows.\n"
	  "Registers with a workflow (risks, incidents, documents ...) cannot be imported: an\n"
	  "import would forge or undo their steps; custos registers marks them.",
	  2,
	  2 * 32,
	  { DB_OPT, { "partial", NULL, "keep the valid rows when others are refused" } },
	  cmd_import_csv },
	{ "import xlsx",
	  "import xlsx ENTITY FILE [ENTITY FILE ...] [--partial] [--db URL]",
	  "import registers' records from XLSX workbooks",
	  "The same as import csv, from Excel workbooks (.xlsx) as custos export --format xlsx\n"
	  "writes them: the sheet named after the register (else the first), its first row\n"
	  "naming the columns by field name. Text, numbers and booleans are read as the CSV\n"
	  "import reads their text; a choice may be its label, as the export writes it. At most\n"
	  "256 MiB unpacked and 64 MiB of text per workbook.",
	  2,
	  2 * 32,
	  { DB_OPT, { "partial", NULL, "keep the valid rows when others are refused" } },
	  cmd_import_xlsx },
	{ "import catalogue",
	  "import catalogue NAME [--db URL]",
	  "load a control catalogue built into Custos",
	  "Loads a built-in control catalogue as records of the frameworks and catalogue\n"
	  "controls registers (each audited): iso27001-2022 (ISO/IEC 27001:2022 Annex A, 93\n"
	  "controls) or iso27001-2013 (2013 Annex A, 114 controls), titles written for Custos;\n"
	  "iso27001-2013-to-2022 loads the correspondence between the two (both loaded first).\n"
	  "Exits 1 when the catalogue is loaded already.",
	  1,
	  1,
	  { DB_OPT },
	  cmd_import_catalogue },
	{ "import titles",
	  "import titles FRAMEWORK FILE [--db URL]",
	  "replace a catalogue's control titles (e.g. the official ones)",
	  "Reads a CSV with the columns control_id and title (others are ignored) and replaces\n"
	  "the titles of the framework's catalogue controls (FRAMEWORK is its code, e.g.\n"
	  "iso27001-2022): how an organisation holding the standard puts in ISO's own wording.\n"
	  "All or nothing; each change is audited and controls are renamed with their catalogue\n"
	  "control. Exits 1 naming the row when a control is not in the catalogue.",
	  2,
	  2,
	  { DB_OPT },
	  cmd_import_titles },
	{ "import oscal",
	  "import oscal FILE [--code CODE] [--db URL]",
	  "import a control catalogue from an OSCAL catalog (JSON)",
	  "Reads an OSCAL 1.x catalog in JSON (NIST SP 800-53 Rev 5, its resolved baselines, or\n"
	  "any other) and creates one framework (its code from --code, or else from the file\n"
	  "name) and one catalogue control per control and enhancement: the label as identifier\n"
	  "(AC-2(1)), title, family, the enhanced control, the statement and guidance as\n"
	  "Markdown with parameters written as [Assignment: ...] or [Selection: ...], withdrawn.\n"
	  "Every record is audited; all are written in one transaction, so a malformed file\n"
	  "changes nothing. Shows progress on a terminal. At most 64 MiB and 50,000 controls.",
	  1,
	  1,
	  { DB_OPT, { "code", "CODE", "the framework's code (default: from the file name)" } },
	  cmd_import_oscal },
	{ "import mapping",
	  "import mapping FILE --from CODE --to CODE [--relationship REL] [--db URL]",
	  "import control mappings between two frameworks from CSV",
	  "Reads pairs of control identifiers from a CSV file: the columns named from and to,\n"
	  "or else the first two whose names end in _id or _ref (NIST's SP 800-53 <-> ISO\n"
	  "27001 tables). Identifiers are matched within the frameworks --from and --to; A.12.x\n"
	  "stands for every A.12 control. Identifiers that are no control (clauses 4-10 of ISO\n"
	  "27001, controls a baseline leaves out) are listed and skipped; pairs mapped already\n"
	  "are kept. REL is equal, subset, superset or intersects (default), unless a\n"
	  "relationship column says otherwise; rows whose status column is not 'mapped' are\n"
	  "skipped. One transaction; every mapping is audited.",
	  1,
	  1,
	  { DB_OPT,
	    { "from", "CODE", "the framework of the first identifier column" },
	    { "to", "CODE", "the framework of the second identifier column" },
	    { "relationship", "REL", "equal, subset, superset or intersects" } },
	  cmd_import_mapping },
	{ "import document",
	  "import document FILE --code CODE --owner EMAIL [--kind KIND] [--classification C] "
	  "[--title TITLE] [--db URL]",
	  "import a policy or procedure from a text or Markdown file",
	  "Reads FILE (UTF-8 plain text or Markdown, at most 4 MiB) as a new document with its\n"
	  "text as a first draft version, both audited in one transaction. In plain text,\n"
	  "numbered section lines (1., 1.1, 3.3.5) become headings and bullets become lists;\n"
	  "the title line becomes the document's title unless --title is given. KIND is\n"
	  "policy (default), standard, procedure, guideline or record_template; C is public,\n"
	  "internal (default) or confidential. The owner is the person with that e-mail.\n"
	  "Exits 1, importing nothing, when the file or a value is refused.",
	  1,
	  1,
	  { DB_OPT,
	    { "code", "CODE", "the document's unique reference, e.g. POL-001" },
	    { "owner", "EMAIL", "the e-mail of the person who owns the document" },
	    { "kind", "KIND", "policy, standard, procedure, guideline or record_template" },
	    { "classification", "C", "public, internal or confidential" },
	    { "title", "TITLE", "the title, instead of the file's title line" } },
	  cmd_import_document },
	{ "routes",
	  "routes",
	  "list the HTTP routes",
	  "Prints every route of the HTTP server, one per line: METHOD PATTERN and whether it\n"
	  "needs authentication. {entity} stands for a register (custos registers lists them).",
	  0,
	  0,
	  { { 0 } },
	  cmd_routes },
	{ "registers",
	  "registers [--json]",
	  "list the registers and their fields",
	  "Prints every register: its URL name, title, fields with their types, and the steps of\n"
	  "its workflow, if it has one. With --json, prints the declarations as one JSON array\n"
	  "instead, one object per register: name, plural, title, title_plural, label_field,\n"
	  "own_column and dept_column (the columns of the own and department scopes, or null),\n"
	  "id_prefix, frozen_states, fields (name, type, flags, ref, choices, min, max, default,\n"
	  "filterable) and workflow (null, or state_field and steps with name, from, to and\n"
	  "inputs).",
	  0,
	  0,
	  { { "json", NULL, "print the declarations as JSON" } },
	  cmd_registers },
	{ "migrate-data",
	  "migrate-data --from URL --to URL",
	  "copy an installation to another database",
	  "Copies everything - accounts, registers, the audit trail - from one database to\n"
	  "another, typically from SQLite to PostgreSQL when one machine is no longer enough:\n"
	  "  custos migrate-data --from sqlite:custos.db --to postgres://custos@db/custos\n"
	  "The target must be empty. The copy is one transaction; afterwards the audit chain and\n"
	  "every record are verified on the target.",
	  0,
	  0,
	  { { "from", "URL", "the database to copy" },
	    { "to", "URL", "the empty database to fill" } },
	  cmd_migrate_data },
	{ "mail test",
	  "mail test --to ADDRESS [--subject TEXT] [--body TEXT] [--smtp-url URL] "
	  "[--smtp-from ADDRESS] [--smtp-user USER] [--smtp-starttls] [--db URL]",
	  "queue a test mail and try to send it now",
	  "Queues one mail to ADDRESS in the outbox and, with --smtp-url (the settings serve\n"
	  "takes; the password from CUSTOS_SMTP_PASSWORD), sends it at once, printing 'sent\n"
	  "mail N to ADDRESS' or why not. A mail not sent stays in the outbox and a node running\n"
	  "custos serve --smtp-url retries it with backoff, as it does every notice. Without\n"
	  "--smtp-url the mail is only queued. --subject and --body replace the test text (the\n"
	  "default body has non-ASCII characters, to see that they arrive intact). Exits 0 when\n"
	  "sent or queued, 1 when the mail server did not take it.",
	  0,
	  0,
	  { DB_OPT,
	    { "to", "ADDRESS", "the recipient: one e-mail address (required)" },
	    { "subject", "TEXT", "the subject (default: Custos test mail from HOST)" },
	    { "body", "TEXT", "the text of the mail" },
	    SMTP_OPTS },
	  cmd_mail_test },
	{ "permissions",
	  "permissions",
	  "print the role x register permission table",
	  "Prints, as a Markdown table, what each role may read (r), create (c), update (u) and\n"
	  "delete (d) in each register: all, department (the user's own department), own (what\n"
	  "the user owns or is); absent means nothing. This is the table the server enforces.",
	  0,
	  0,
	  { { 0 } },
	  cmd_permissions },
	{ "version",
	  "version",
	  "print the version",
	  "Prints the version of this build.",
	  0,
	  0,
	  { { 0 } },
	  cmd_version },
	{ "help",
	  "help [COMMAND]",
	  "show help for all commands or one",
	  "Without an argument lists the commands; with one shows that command's options.",
	  0,
	  2,
	  { { 0 } },
	  cmd_help },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *cli_value(const struct cli_args *a, const char *name)
{
	for (int i = 0; i < CLI_MAX_OPTS && a->cmd->opts[i].name; i++)
		if (strcmp(a->cmd->opts[i].name, name) == 0)
			return a->values[i];
	return NULL;
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_value(a, name) != NULL;
}

static void print_usage(FILE *f, const struct cli_cmd *cmd)
{
	fprintf(f, "usage: custos %s\n", cmd->usage);
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("custos: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd)
		print_usage(stderr, cmd);
	else
		fputs("usage: custos COMMAND [OPTIONS]   (custos help lists the commands)\n",
		      stderr);
	return CLI_EXIT_USAGE;
}

int cli_usage_bad_register(const struct cli_cmd *cmd, const char *name)
{
	struct buf list;
	buf_init(&list, 4096);
	for (size_t i = 0; i < model_registry_count(); i++) {
		buf_adds(&list, i ? ", " : "");
		buf_adds(&list, model_registry_at(i)->plural);
	}
	int rc = cli_usage_error(cmd, "no register '%s' (registers: %s)", name, buf_cstr(&list));
	buf_free(&list);
	return rc;
}

static void print_help(const struct cli_cmd *cmd)
{
	print_usage(stdout, cmd);
	printf("\n%s\n", cmd->help);
	if (cmd->opts[0].name) {
		printf("\noptions:\n");
		for (int i = 0; i < CLI_MAX_OPTS && cmd->opts[i].name; i++) {
			char left[64];
			snprintf(left, sizeof(left), "--%s%s%s", cmd->opts[i].name,
				 cmd->opts[i].arg ? " " : "",
				 cmd->opts[i].arg ? cmd->opts[i].arg : "");
			printf("  %-22s %s\n", left, cmd->opts[i].help);
		}
	}
}

static void print_overview(void)
{
	printf("Custos %s - an ISO/IEC 27001 information security management system\n\n"
	       "usage: custos COMMAND [OPTIONS]\n\ncommands:\n",
	       CUSTOS_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-14s %s\n", commands[i].name, commands[i].summary);
	printf("\nCommands that use a database take --db URL (or the CUSTOS_DB environment "
	       "variable).\n"
	       "custos help COMMAND shows a command's options.\n");
}

static const struct cli_cmd *find_command(int argc, char **argv, int *used)
{
	/* two-word commands first ("user add"), then one-word */
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *sp = strchr(commands[i].name, ' ');
		if (sp && argc >= 2 &&
		    strncmp(argv[0], commands[i].name, (size_t)(sp - commands[i].name)) == 0 &&
		    argv[0][sp - commands[i].name] == '\0' && strcmp(argv[1], sp + 1) == 0) {
			*used = 2;
			return &commands[i];
		}
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (!strchr(commands[i].name, ' ') && strcmp(argv[0], commands[i].name) == 0) {
			*used = 1;
			return &commands[i];
		}
	}
	return NULL;
}

static int cmd_version(struct cli_args *a)
{
	(void)a;
	printf("custos %s\n", CUSTOS_VERSION);
	return CLI_EXIT_OK;
}

static int cmd_help(struct cli_args *a)
{
	if (a->nargs == 0) {
		print_overview();
		return CLI_EXIT_OK;
	}
	int used = 0;
	const struct cli_cmd *c = find_command(a->nargs, (char **)a->args, &used);
	if (!c || used != a->nargs) {
		/* "help user" lists the user commands */
		bool any = false;
		for (size_t i = 0; i < NCOMMANDS; i++) {
			const char *sp = strchr(commands[i].name, ' ');
			if (a->nargs == 1 && sp &&
			    strncmp(commands[i].name, a->args[0],
				    (size_t)(sp - commands[i].name)) == 0 &&
			    a->args[0][sp - commands[i].name] == '\0') {
				print_usage(stdout, &commands[i]);
				any = true;
			}
		}
		if (any)
			return CLI_EXIT_OK;
		return cli_usage_error(a->cmd, "no such command: %s", a->args[0]);
	}
	print_help(c);
	return CLI_EXIT_OK;
}

/* Repeatable options (--role) accumulate as a comma-separated list, kept in a fixed buffer
 * per option (no allocation to leak); false when the list would not fit. */
static bool append_value(const char **slot, char joined[512], const char *v)
{
	if (!*slot) {
		*slot = v;
		return true;
	}
	char tmp[512];
	int n = snprintf(tmp, sizeof(tmp), "%s,%s", *slot, v);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return false;
	memcpy(joined, tmp, (size_t)n + 1);
	*slot = joined;
	return true;
}

/* "custos import foo": the group's commands, rather than "unknown command 'import'". */
static int unknown_command(int argc, char **argv)
{
	struct buf list;
	buf_init(&list, 4096);
	size_t n = strlen(argv[0]);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, argv[0], n) == 0 && commands[i].name[n] == ' ') {
			buf_adds(&list, list.len ? ", " : "");
			buf_adds(&list, commands[i].name);
		}
	int rc = !list.len  ? cli_usage_error(NULL, "unknown command '%s'", argv[0])
		 : argc < 2 ? cli_usage_error(NULL, "'%s' needs a command: %s", argv[0],
					      buf_cstr(&list))
			    : cli_usage_error(NULL, "unknown command '%s %s' (%s)", argv[0],
					      argv[1], buf_cstr(&list));
	buf_free(&list);
	return rc;
}

int cli_main(int argc, char **argv)
{
	log_set_level(getenv("CUSTOS_DEBUG") ? LOG_DEBUG : LOG_INFO);
	if (argc < 2)
		return cli_usage_error(NULL, "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_overview();
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(NULL);
	int used = 0;
	const struct cli_cmd *cmd = find_command(argc - 1, argv + 1, &used);
	if (!cmd)
		return unknown_command(argc - 1, argv + 1);

	struct cli_args a;
	memset(&a, 0, sizeof(a));
	a.cmd = cmd;
	for (int i = 1 + used; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			print_help(cmd);
			return CLI_EXIT_OK;
		}
		if (strncmp(arg, "--", 2) != 0) {
			if (a.nargs >= cmd->max_args || a.nargs >= CLI_MAX_ARGS)
				return cli_usage_error(cmd, "unexpected argument '%s'", arg);
			a.args[a.nargs++] = arg;
			continue;
		}
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		int k = -1;
		for (int j = 0; j < CLI_MAX_OPTS && cmd->opts[j].name; j++)
			if (strlen(cmd->opts[j].name) == nlen &&
			    strncmp(cmd->opts[j].name, name, nlen) == 0)
				k = j;
		if (k < 0 && nlen == 2 && strncmp(name, "db", 2) == 0)
			return cli_usage_error(cmd, "'%s' uses no database, so it takes no --db",
					       cmd->name);
		if (k < 0)
			return cli_usage_error(cmd, "unknown option '--%.*s'", (int)nlen, name);
		const struct cli_opt *o = &cmd->opts[k];
		const char *v;
		if (!o->arg) {
			if (eq)
				return cli_usage_error(cmd, "option '--%s' takes no value",
						       o->name);
			v = "1";
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			return cli_usage_error(cmd, "option '--%s' needs a value (%s)", o->name,
					       o->arg);
		}
		if (o->arg && !*v)
			return cli_usage_error(cmd, "option '--%s' has an empty value", o->name);
		if (a.values[k] && strcmp(o->name, "role") != 0)
			return cli_usage_error(cmd, "option '--%s' given twice", o->name);
		static char joined[CLI_MAX_OPTS][512];
		if (!append_value(&a.values[k], joined[k], v))
			return cli_usage_error(cmd, "option '--%s' is repeated too often", o->name);
	}
	if (a.nargs < cmd->min_args)
		return cli_usage_error(cmd, "missing argument");

	a.db_url = cli_value(&a, "db");
	if (!a.db_url)
		a.db_url = getenv("CUSTOS_DB");
	if (!a.db_url || !*a.db_url)
		a.db_url = "sqlite:custos.db";
	if (!db_url_valid(a.db_url))
		return cli_usage_error(
			cmd, "--db: '%s' is not a database URL (sqlite:PATH or postgres://...)",
			a.db_url);

	if (crypto_init() != ERR_OK) {
		fprintf(stderr, "custos: cannot initialise libsodium\n");
		return CLI_EXIT_FAIL;
	}
	const char *broken = domain_init();
	if (broken) { /* a declaration names what does not exist: never run half-right */
		fprintf(stderr, "custos: the register declarations do not hold: %s\n", broken);
		return CLI_EXIT_FAIL;
	}
	return cmd->run(&a);
}

int cli_open_existing_db(const struct cli_args *a, struct db **db)
{
	if (!db_exists(a->db_url)) {
		fprintf(stderr, "custos: there is no database at %s\n", a->db_url);
		return CLI_EXIT_FAIL;
	}
	return cli_open_db(a, db);
}

int cli_open_db(const struct cli_args *a, struct db **db)
{
	enum err e = db_open(a->db_url, db);
	if (e) {
		fprintf(stderr, "custos: cannot open database %s\n", a->db_url);
		return CLI_EXIT_FAIL;
	}
	if ((e = db_migrate_with(*db, secaudit_migrated))) {
		fprintf(stderr, "custos: cannot migrate database %s: %s\n", a->db_url,
			db_errmsg(*db));
		db_close(*db);
		*db = NULL;
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}
