/* import.c - `custos import csv ENTITY FILE [--partial]`: a register's records from a CSV file
 * (or standard input for -), with a row-by-row report of what was refused. What a row must hold
 * is io/import.c's business; this file handles arguments, the file and the messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/import.h"
#include "util/buf.h"

/* 100,000 rows of a wide register fit; a file this large is not a register export */
#define CLI_IMPORT_CAP (256u << 20)

/* Reads the whole of fd into out; false with errno set, or with EFBIG past the cap. */
static bool read_all(int fd, struct buf *out)
{
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		if (r == 0)
			return true;
		buf_add(out, chunk, (size_t)r);
		if (buf_failed(out)) {
			errno = EFBIG;
			return false;
		}
	}
}

/* "asset" or "assets", as a sentence says it */
static void print_count(FILE *f, const struct entity *e, int64_t n)
{
	fprintf(f, "%lld ", (long long)n);
	for (const char *p = n == 1 ? e->title : e->title_plural; *p; p++)
		fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, f);
}

static void print_report(const struct import_report *rep)
{
	for (size_t i = 0; i < rep->nerrors; i++) {
		const struct import_error *x = &rep->errors[i];
		fprintf(stderr, "row %lld%s%s: %s\n", (long long)x->row, x->field ? ", " : "",
			x->field ? x->field : "", x->message);
	}
	if (rep->truncated)
		fprintf(stderr, "(only the first %d errors are listed)\n", IMPORT_MAX_ERRORS);
}

int cmd_import_csv(struct cli_args *a)
{
	const struct entity *e = model_entity_by_plural(a->args[0]);
	if (!e)
		return cli_usage_bad_register(a->cmd, a->args[0]);
	const char *path = a->args[1];
	bool from_stdin = strcmp(path, "-") == 0;
	int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cli_usage_error(a->cmd, "cannot read %s: %s", path, strerror(errno));
	struct buf data;
	buf_init(&data, CLI_IMPORT_CAP);
	bool ok = read_all(fd, &data);
	int saved = errno;
	if (!from_stdin)
		close(fd);
	if (!ok) {
		buf_free(&data);
		if (saved == EFBIG) {
			fprintf(stderr, "custos: %s is larger than 256 MiB: split it\n", path);
			return CLI_EXIT_FAIL;
		}
		return cli_usage_error(a->cmd, "cannot read %s: %s", path, strerror(saved));
	}
	struct db *db;
	int rc = cli_open_existing_db(a, &db);
	if (rc) {
		buf_free(&data);
		return rc;
	}
	struct arena ar;
	arena_init(&ar, 0);
	/* the command line is the installation's operator: no scope to guard */
	struct actor who = { 0, "cli" };
	struct repo_ctx c = { .db = db, .a = &ar, .who = &who };
	struct import_report rep;
	enum err err =
		import_csv(&c, e, data.p ? data.p : "", data.len, cli_flag(a, "partial"), &rep);
	print_report(&rep);
	rc = CLI_EXIT_FAIL;
	if (!err) {
		printf("imported ");
		print_count(stdout, e, rep.created);
		if (rep.failed)
			printf("; %lld %s refused", (long long)rep.failed,
			       rep.failed == 1 ? "row was" : "rows were");
		printf("\n");
		rc = rep.failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	} else if (err == ERR_INVALID && rep.rows) {
		fprintf(stderr, "custos: nothing was imported: %lld of %lld rows were refused%s\n",
			(long long)rep.failed, (long long)rep.rows,
			cli_flag(a, "partial") ? "" : " (--partial keeps the valid ones)");
	} else if (err == ERR_INVALID || err == ERR_BAD_REQUEST || err == ERR_TOO_LARGE) {
		fprintf(stderr, "custos: nothing was imported\n");
	} else {
		fprintf(stderr, "custos: nothing was imported: %s (%s)\n", err_title(err),
			db_errmsg(db));
	}
	db_close(db);
	arena_free(&ar);
	buf_free(&data);
	return rc;
}
