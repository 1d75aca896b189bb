/* test_cli.c - the command line through cli_main(): help and version, every kind of bad flag or
 * value exits 2 with a message, and the commands that touch a database (init, user add, audit
 * verify) against a temporary SQLite file. Output is captured, never shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "store/db.h"

#define N(x)	   (sizeof(x) / sizeof((x)[0]))
#define MAX_ARGV   16
#define NOWHERE_DB "sqlite:/nonexistent-custos-dir/x.db"

static char out[16384]; /* stdout and stderr of the last run, together */

/* Runs `custos args...` (args end with NULL) and returns its exit code; out holds its output. */
static int run(const char *const *args)
{
	char *argv[MAX_ARGV + 2];
	int argc = 0;
	argv[argc++] = strdup("custos");
	for (size_t i = 0; args[i]; i++) {
		assert_true(argc <= MAX_ARGV);
		argv[argc++] = strdup(args[i]);
	}
	argv[argc] = NULL;

	FILE *cap = tmpfile();
	assert_non_null(cap);
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	assert_true(saved_out >= 0 && saved_err >= 0);
	assert_true(dup2(fileno(cap), STDOUT_FILENO) >= 0);
	assert_true(dup2(fileno(cap), STDERR_FILENO) >= 0);
	int rc = cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	rewind(cap);
	size_t n = fread(out, 1, sizeof(out) - 1, cap);
	out[n] = '\0';
	fclose(cap);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

static void expect(const char *const *args, int rc, const char *part)
{
	int got = run(args);
	char line[256];
	size_t o = 0;
	for (size_t i = 0; args[i] && o < sizeof(line) - 1; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s", i ? " " : "", args[i]);
	if (got != rc)
		fail_msg("custos %s: exit %d, want %d; output:\n%s", line, got, rc, out);
	if (part && !strstr(out, part))
		fail_msg("custos %s: output lacks '%s':\n%s", line, part, out);
}

/* ---- a temporary database per test ---- */

struct fx {
	char path[64];
	char url[80];
};

static int setup(void **state)
{
	unsetenv("CUSTOS_DB");
	unsetenv("CUSTOS_DEBUG");
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->path, sizeof(f->path), "/tmp/custos-cli-XXXXXX");
	int fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(f->path); /* init must create it */
	snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[96];
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

static int64_t count(const char *url, const char *sql)
{
	struct db *db;
	assert_int_equal(db_open(url, &db), ERR_OK);
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, sql, &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(row);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	db_close(db);
	return n;
}

/* ---- help and version: exit 0 ---- */

static void test_help_and_version(void **state)
{
	(void)state;
	static const struct {
		const char *args[5];
		const char *part;
	} cases[] = {
		{ { "help", NULL }, "commands:" },
		{ { "--help", NULL }, "usage: custos COMMAND" },
		{ { "-h", NULL }, "audit verify" },
		{ { "help", "init", NULL }, "usage: custos init" },
		{ { "help", "serve", NULL }, "--listen HOST:PORT" },
		{ { "help", "user", "add", NULL }, "--password-stdin" },
		{ { "help", "audit", "verify", NULL }, "hash chain" },
		{ { "help", "user", NULL }, "usage: custos user add" },
		{ { "init", "--help", NULL }, "usage: custos init" },
		{ { "user", "add", "-h", NULL }, "usage: custos user add" },
		{ { "version", NULL }, "custos " CUSTOS_VERSION "\n" },
		{ { "--version", NULL }, "custos " CUSTOS_VERSION "\n" },
		{ { "registers", NULL }, "assets (Assets)" },
		{ { "routes", NULL }, "GET" },
		{ { "permissions", NULL }, "| role |" },
	};
	for (size_t i = 0; i < N(cases); i++)
		expect(cases[i].args, CLI_EXIT_OK, cases[i].part);
	/* help goes to stdout and says nothing is wrong */
	run((const char *[]){ "help", NULL });
	assert_null(strstr(out, "custos: "));
}

/* ---- usage errors: exit 2 with what is wrong ---- */

static void test_usage_errors(void **state)
{
	(void)state;
	static const struct {
		const char *args[12];
		const char *part;
	} cases[] = {
		{ { NULL }, "no command given" },
		{ { "frobnicate", NULL }, "unknown command 'frobnicate'" },
		{ { "user", NULL }, "'user' needs a command: user add" },
		{ { "user", "delete", NULL }, "unknown command 'user delete' (user add)" },
		{ { "import", "xls", NULL },
		  "unknown command 'import xls' (import csv, import xlsx," },
		{ { "import", "xlsx", NULL }, "missing argument" },
		{ { "help", "nope", NULL }, "no such command: nope" },
		/* options */
		{ { "init", "--nope", NULL }, "unknown option '--nope'" },
		{ { "init", "--nope=1", NULL }, "unknown option '--nope'" },
		{ { "init", "--listen", "127.0.0.1:1", NULL }, "unknown option '--listen'" },
		{ { "init", "--d", "x", NULL }, "unknown option '--d'" }, /* no prefixes */
		{ { "init", "extra", NULL }, "unexpected argument 'extra'" },
		{ { "init", "-x", NULL }, "unexpected argument '-x'" },
		{ { "init", "--db", NULL }, "needs a value" },
		{ { "init", "--db=", NULL }, "empty value" },
		{ { "init", "--db", "", NULL }, "empty value" },
		{ { "init", "--db", "sqlite:a.db", "--db", "sqlite:b.db", NULL }, "given twice" },
		{ { "init", "--db=sqlite:a.db", "--db=sqlite:a.db", NULL }, "given twice" },
		{ { "serve", "--demo=1", "--db", NOWHERE_DB, NULL }, "takes no value" },
		{ { "serve", "--demo=", "--db", NOWHERE_DB, NULL }, "takes no value" },
		{ { "serve", "--demo", "--demo", "--db", NOWHERE_DB, NULL }, "given twice" },
		/* values */
		{ { "serve", "--listen", "garbage", "--db", NOWHERE_DB, NULL }, "--listen" },
		{ { "serve", "--listen", "127.0.0.1", "--db", NOWHERE_DB, NULL }, "--listen" },
		{ { "serve", "--listen", ":8080", "--db", NOWHERE_DB, NULL }, "--listen" },
		{ { "serve", "--listen", "127.0.0.1:", "--db", NOWHERE_DB, NULL }, "--listen" },
		{ { "serve", "--listen", "127.0.0.1:65536", "--db", NOWHERE_DB, NULL },
		  "--listen" },
		{ { "serve", "--listen", "127.0.0.1:-1", "--db", NOWHERE_DB, NULL }, "--listen" },
		{ { "serve", "--listen", "127.0.0.1:http", "--db", NOWHERE_DB, NULL }, "--listen" },
		{ { "serve", "--listen", "127.0.0.1:80x", "--db", NOWHERE_DB, NULL }, "--listen" },
		{ { "serve", "--listen", "[]:80", "--db", NOWHERE_DB, NULL }, "--listen" },
		{ { "serve", "--threads", "0", "--db", NOWHERE_DB, NULL }, "--threads" },
		{ { "serve", "--threads", "257", "--db", NOWHERE_DB, NULL }, "--threads" },
		{ { "serve", "--threads", "-1", "--db", NOWHERE_DB, NULL }, "--threads" },
		{ { "serve", "--threads", "four", "--db", NOWHERE_DB, NULL }, "--threads" },
		{ { "serve", "--threads", "4.5", "--db", NOWHERE_DB, NULL }, "--threads" },
		{ { "serve", "--session-hours", "0", "--db", NOWHERE_DB, NULL },
		  "--session-hours" },
		{ { "serve", "--session-hours", "721", "--db", NOWHERE_DB, NULL },
		  "--session-hours" },
		{ { "serve", "--session-idle-minutes", "0", "--db", NOWHERE_DB, NULL },
		  "--session-idle-minutes" },
		{ { "serve", "--session-idle-minutes", "1441", "--db", NOWHERE_DB, NULL },
		  "--session-idle-minutes" },
		/* database URLs */
		{ { "init", "--db", "mysql://localhost/custos", NULL }, "not a database URL" },
		{ { "init", "--db", "http://example.org/db", NULL }, "not a database URL" },
		{ { "init", "--db", "sqlite:", NULL }, "not a database URL" },
		{ { "init", "--db", "sqlite://", NULL }, "not a database URL" },
		{ { "audit", "verify", "--db", "ftp://x/y", NULL }, "not a database URL" },
		{ { "serve", "--db", "redis://x", NULL }, "not a database URL" },
		/* command-specific */
		{ { "user", "add", "--name", "N", "--role", "staff", "--db", NOWHERE_DB, NULL },
		  "--email is required" },
		{ { "user", "add", "--email", "a@b.example", "--role", "staff", "--db", NOWHERE_DB,
		    NULL },
		  "--name is required" },
		{ { "user", "add", "--email", "a@b.example", "--name", "N", "--db", NOWHERE_DB,
		    NULL },
		  "--role is required" },
		{ { "user", "add", "--email", "a@b.example", "--name", "N", "--role", "emperor",
		    "--db", NOWHERE_DB, NULL },
		  "'emperor' is not a role" },
		{ { "user", "add", "--email", "a@b.example", "--name", "N", "--role",
		    "staff,emperor", "--db", NOWHERE_DB, NULL },
		  "'emperor' is not a role" },
		{ { "user", "add", "--email", "a@b.example", "--name", "N", "--role", "Staff",
		    "--db", NOWHERE_DB, NULL },
		  "is not a role" },
		{ { "migrate-data", "--from", "sqlite:a.db", NULL }, "--to" },
		{ { "migrate-data", "--from", "sqlite:a.db", "--to", "sqlite:a.db", NULL },
		  "the same database" },
		{ { "migrate-data", "--from", "mysql://x", "--to", NOWHERE_DB, NULL },
		  "not a database URL" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		expect(cases[i].args, CLI_EXIT_USAGE, cases[i].part);
		/* the message comes with the usage line */
		if (!strstr(out, "usage: custos") && !strstr(out, "not a database URL"))
			fail_msg("case %zu: no usage line:\n%s", i, out);
	}
	/* nothing was created in the working directory by any of them */
	assert_int_not_equal(access("a.db", F_OK), 0);
	assert_int_not_equal(access("custos.db", F_OK), 0);
}

/* CUSTOS_DB stands in for --db, and is checked the same way. */
static void test_db_from_environment(void **state)
{
	struct fx *f = *state;
	setenv("CUSTOS_DB", "mysql://x", 1);
	expect((const char *[]){ "init", NULL }, CLI_EXIT_USAGE, "not a database URL");
	setenv("CUSTOS_DB", f->url, 1);
	expect((const char *[]){ "init", NULL }, CLI_EXIT_OK, f->url);
	/* --db wins over the environment */
	expect((const char *[]){ "init", "--db", "mysql://x", NULL }, CLI_EXIT_USAGE, NULL);
	unsetenv("CUSTOS_DB");
	assert_int_equal(access(f->path, F_OK), 0);
}

/* ---- commands with a database ---- */

static void test_init(void **state)
{
	struct fx *f = *state;
	assert_int_not_equal(access(f->path, F_OK), 0);
	expect((const char *[]){ "init", "--db", f->url, NULL }, CLI_EXIT_OK, "schema version");
	assert_int_equal(access(f->path, F_OK), 0);
	char want[32];
	snprintf(want, sizeof(want), "schema version %zu", db_migrations_count);
	assert_non_null(strstr(out, want));
	struct db *db;
	assert_int_equal(db_open(f->url, &db), ERR_OK);
	assert_int_equal(db_schema_version(db), (int)db_migrations_count);
	db_close(db);
	static const char *const tables[] = { "users",	"audit_events", "departments",
					      "people", "assets",	"interested_parties" };
	for (size_t i = 0; i < N(tables); i++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
		assert_int_equal(count(f->url, sql), 0);
	}
	/* again: nothing to do, same answer; the sqlite:// form names the same file */
	expect((const char *[]){ "init", "--db", f->url, NULL }, CLI_EXIT_OK, want);
	char url2[96];
	snprintf(url2, sizeof(url2), "sqlite://%s", f->path);
	expect((const char *[]){ "init", "--db", url2, NULL }, CLI_EXIT_OK, want);
	/* a database that cannot be opened is a failure, not a usage error */
	expect((const char *[]){ "init", "--db", NOWHERE_DB, NULL }, CLI_EXIT_FAIL, "cannot open");
}

static void test_user_add(void **state)
{
	struct fx *f = *state;
	expect((const char *[]){ "init", "--db", f->url, NULL }, CLI_EXIT_OK, NULL);
	expect((const char *[]){ "user", "add", "--db", f->url, "--email", "a@b.example", "--name",
				 "A", "--role", "wizard", NULL },
	       CLI_EXIT_USAGE, "--role");
	assert_int_equal(count(f->url, "SELECT count(*) FROM users"), 0);
	expect((const char *[]){ "user", "add", "--db", f->url, "--email", "a@b.example", "--name",
				 "A", "--role", "staff,auditor", NULL },
	       CLI_EXIT_OK, "created user");
	assert_non_null(strstr(out, "password: "));
	assert_int_equal(count(f->url, "SELECT count(*) FROM users"), 1);
	/* the same e-mail again is bad input */
	expect((const char *[]){ "user", "add", "--db", f->url, "--email", "a@b.example", "--name",
				 "A", "--role", "staff", NULL },
	       CLI_EXIT_USAGE, "--email");
	/* a repeated option accumulates (and, under ASan, leaks nothing) */
	expect((const char *[]){ "user", "add", "--db", f->url, "--email", "r@b.example", "--name",
				 "R", "--role", "staff", "--role", "wizard", NULL },
	       CLI_EXIT_USAGE, "'wizard' is not a role");
	/* a department that does not exist */
	expect((const char *[]){ "user", "add", "--db", f->url, "--email", "c@b.example", "--name",
				 "C", "--role", "staff", "--department", "Nowhere", NULL },
	       CLI_EXIT_USAGE, "--department");
	assert_int_equal(count(f->url, "SELECT count(*) FROM users"), 1);
}

static void test_audit_verify(void **state)
{
	struct fx *f = *state;
	/* verify never creates a database where none is */
	expect((const char *[]){ "audit", "verify", "--db", f->url, NULL }, CLI_EXIT_FAIL,
	       "no database");
	/* a fresh database: an empty chain holds */
	expect((const char *[]){ "init", "--db", f->url, NULL }, CLI_EXIT_OK, NULL);
	expect((const char *[]){ "audit", "verify", "--db", f->url, NULL }, CLI_EXIT_OK,
	       "ok 0 events");
	/* after writes it still holds */
	expect((const char *[]){ "user", "add", "--db", f->url, "--email", "a@b.example", "--name",
				 "A", "--role", "admin", NULL },
	       CLI_EXIT_OK, NULL);
	int64_t n = count(f->url, "SELECT count(*) FROM audit_events");
	assert_true(n > 0);
	char want[32];
	snprintf(want, sizeof(want), "ok %lld events", (long long)n);
	expect((const char *[]){ "audit", "verify", "--db", f->url, NULL }, CLI_EXIT_OK, want);
	/* an edited event breaks it */
	struct db *db;
	assert_int_equal(db_open(f->url, &db), ERR_OK);
	assert_int_equal(db_exec(db, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 1"),
			 ERR_OK);
	db_close(db);
	expect((const char *[]){ "audit", "verify", "--db", f->url, NULL }, CLI_EXIT_FAIL,
	       "FAILED at event 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_from_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_verify, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
