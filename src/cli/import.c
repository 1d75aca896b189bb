/* import.c - `custos import csv|xlsx ENTITY FILE [ENTITY FILE ...] [--partial]`: registers'
 * records from CSV files or XLSX workbooks (or standard input for -), all in one transaction,
 * with a row-by-row report of what was refused. What a row must hold and the order the files
 * go in are io/import.c's business; this file handles arguments, the files and the messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* "row N, FIELD: MESSAGE", with the register first when there are several files. */
static void print_report(const struct import_report *rep, bool several)
{
	for (size_t i = 0; i < rep->nerrors; i++) {
		const struct import_error *x = &rep->errors[i];
		if (several && x->e)
			fprintf(stderr, "%s%s", x->e->plural, x->row ? " " : "");
		if (x->row)
			fprintf(stderr, "row %lld%s%s", (long long)x->row, x->field ? ", " : "",
				x->field ? x->field : "");
		else if (x->field)
			fprintf(stderr, "%s%s", several && x->e ? ", " : "", x->field);
		fprintf(stderr, "%s%s\n", x->row || x->field || (several && x->e) ? ": " : "",
			x->message);
	}
	if (rep->truncated)
		fprintf(stderr, "(only the first %d errors are listed)\n", IMPORT_MAX_ERRORS);
}

/* Reads one file (or standard input) into data; an exit code after saying why it could not. */
static int read_file(const struct cli_args *a, const char *path, struct buf *data)
{
	bool from_stdin = strcmp(path, "-") == 0;
	int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cli_usage_error(a->cmd, "cannot read %s: %s", path, strerror(errno));
	buf_init(data, CLI_IMPORT_CAP);
	bool ok = read_all(fd, data);
	int saved = errno;
	if (!from_stdin)
		close(fd);
	if (ok)
		return CLI_EXIT_OK;
	buf_free(data);
	if (saved == EFBIG) {
		fprintf(stderr, "custos: %s is larger than 256 MiB: split it\n", path);
		return CLI_EXIT_FAIL;
	}
	return cli_usage_error(a->cmd, "cannot read %s: %s", path, strerror(saved));
}

static int run(struct cli_args *a, enum import_format fmt)
{
	size_t nfiles = (size_t)a->nargs / 2;
	if (a->nargs % 2)
		return cli_usage_error(a->cmd, "each register needs its file: ENTITY FILE pairs");
	if (nfiles > IMPORT_MAX_FILES)
		return cli_usage_error(a->cmd, "at most %d registers at once", IMPORT_MAX_FILES);
	struct import_file files[IMPORT_MAX_FILES];
	struct buf data[IMPORT_MAX_FILES];
	size_t nread = 0, nstdin = 0;
	int rc = CLI_EXIT_OK;
	struct arena ar;
	arena_init(&ar, 0);
	for (size_t i = 0; i < nfiles && !rc; i++) {
		const struct entity *e = model_entity_by_plural(a->args[2 * i]);
		const char *path = a->args[2 * i + 1];
		if (!e) {
			rc = cli_usage_bad_register(a->cmd, a->args[2 * i]);
			break;
		}
		const char *refusal = import_refusal(&ar, e);
		if (refusal) {
			fprintf(stderr, "custos: %s\n", refusal);
			rc = CLI_EXIT_FAIL;
			break;
		}
		if (strcmp(path, "-") == 0 && ++nstdin > 1) {
			rc = cli_usage_error(a->cmd, "only one file can be standard input (-)");
			break;
		}
		if ((rc = read_file(a, path, &data[i])))
			break;
		nread++;
		files[i] = (struct import_file){
			.e = e, .format = fmt, .data = data[i].p ? data[i].p : "", .n = data[i].len
		};
	}
	struct db *db = NULL;
	if (!rc)
		rc = cli_open_existing_db(a, &db);
	if (rc)
		goto done;
	/* the command line is the installation's operator: no scope to guard, every key */
	struct actor who = { 0, "cli" };
	struct repo_ctx c = { .db = db, .a = &ar, .who = &who };
	struct import_report rep;
	bool partial = cli_flag(a, "partial");
	enum err err = import_files(&c, files, nfiles, partial, NULL, &rep);
	print_report(&rep, nfiles > 1);
	rc = CLI_EXIT_FAIL;
	if (!err) {
		printf("imported ");
		for (size_t i = 0; i < nfiles; i++) {
			printf("%s", i == 0 ? "" : i + 1 == nfiles ? " and " : ", ");
			print_count(stdout, files[i].e, rep.files[i].created);
		}
		if (rep.failed)
			printf("; %lld %s refused", (long long)rep.failed,
			       rep.failed == 1 ? "row was" : "rows were");
		printf("\n");
		rc = rep.failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	} else if (err == ERR_INVALID && rep.rows && rep.failed) {
		fprintf(stderr, "custos: nothing was imported: %lld of %lld rows were refused%s\n",
			(long long)rep.failed, (long long)rep.rows,
			partial ? "" : " (--partial keeps the valid ones)");
	} else if (err == ERR_INVALID || err == ERR_BAD_REQUEST || err == ERR_TOO_LARGE) {
		fprintf(stderr, "custos: nothing was imported\n");
	} else {
		fprintf(stderr, "custos: nothing was imported: %s (%s)\n", err_title(err),
			db_errmsg(db));
	}
	db_close(db);
done:
	arena_free(&ar);
	for (size_t i = 0; i < nread; i++)
		buf_free(&data[i]);
	return rc;
}

int cmd_import_csv(struct cli_args *a)
{
	return run(a, IMPORT_CSV);
}

int cmd_import_xlsx(struct cli_args *a)
{
	return run(a, IMPORT_XLSX);
}
