/* export.c - `custos export ENTITY --format csv|xlsx|json [--output FILE]`: a whole register,
 * to standard output or to a file written atomically (a reader never sees half a file). What
 * the file holds is io/export.c's business; this file handles arguments and where bytes go. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "domain/domain.h"
#include "domain/soa.h"
#include "io/export.h"
#include "util/timeutil.h"
#include "util/buf.h"

/* The command line reads no request: allow a large register, but still a bounded one. */
#define CLI_EXPORT_CAP (1u << 30)

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* A temporary file next to path, renamed over it once complete and on disk: path holds the
 * old file or the whole new one, never a part. Mode 0640: exports hold ISMS records. */
static int write_file(const char *path, const char *p, size_t n)
{
	char tmp[4096];
	int len = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (len < 0 || (size_t)len >= sizeof(tmp)) {
		fprintf(stderr, "custos: --output: the path is too long\n");
		return CLI_EXIT_FAIL;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "custos: cannot write %s: %s\n", path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	bool ok = fchmod(fd, 0640) == 0 && write_all(fd, p, n) && fsync(fd) == 0;
	int saved = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp);
		fprintf(stderr, "custos: cannot write %s: %s\n", path, strerror(saved));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int write_stdout(const char *p, size_t n)
{
	if (fwrite(p, 1, n, stdout) != n || fflush(stdout) != 0) {
		fprintf(stderr, "custos: cannot write to standard output: %s\n", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* The exported bytes to --output (atomically) or standard output. */
static int deliver(const struct cli_args *a, const struct buf *out)
{
	const char *p = out->p ? out->p : "";
	return cli_value(a, "output") ? write_file(cli_value(a, "output"), p, out->len)
				      : write_stdout(p, out->len);
}

/* `custos export soa`: the Statement of Applicability of one framework, as it is today; OSCAL
 * is the SoA's format only, so it is not an export_format. */
static int export_soa(struct cli_args *a, enum export_format fmt, bool oscal)
{
	const char *code = cli_value(a, "framework");
	if (!code)
		code = SOA_DEFAULT_FRAMEWORK;
	struct db *db;
	int rc = cli_open_existing_db(a, &db);
	if (rc)
		return rc;
	struct arena ar;
	arena_init(&ar, 0);
	char today[11];
	time_format_date(time_now(), today);
	struct soa s;
	struct buf out;
	buf_init(&out, CLI_EXPORT_CAP);
	struct organisation_info org = { 0 };
	enum err err = soa_build(db, &ar, code, today, &s);
	/* OSCAL names the organisation, and its record's uuid keeps the export's UUIDs stable */
	if (!err && oscal)
		err = organisation_get(db, &ar, &org);
	if (!err)
		err = oscal ? soa_to_oscal(&ar, &s, today, org.name, org.uuid, &out)
			    : soa_export(&ar, &s, today, fmt, &out);
	db_close(db);
	if (err == ERR_NOT_FOUND)
		fprintf(stderr,
			"custos: no framework '%s' (load one with custos import catalogue)\n",
			code);
	else if (err)
		fprintf(stderr, "custos: the SoA could not be exported (%s)\n", err_title(err));
	else
		rc = deliver(a, &out);
	if (err)
		rc = CLI_EXIT_FAIL;
	buf_free(&out);
	arena_free(&ar);
	return rc;
}

int cmd_export(struct cli_args *a)
{
	if (strcmp(a->args[0], "soa") == 0) {
		const char *sfs = cli_value(a, "format");
		enum export_format sf = EXPORT_JSON;
		bool oscal = sfs && strcmp(sfs, "oscal") == 0;
		if (!sfs || (!oscal && !export_format_parse(sfs, &sf)))
			return cli_usage_error(a->cmd,
					       "--format for the SoA: xlsx, csv, json or oscal");
		return export_soa(a, sf, oscal);
	}
	if (cli_value(a, "framework"))
		return cli_usage_error(a->cmd, "--framework goes with soa only");
	const struct entity *e = model_entity_by_plural(a->args[0]);
	if (!e)
		return cli_usage_bad_register(a->cmd, a->args[0]);
	const char *fs = cli_value(a, "format");
	enum export_format fmt;
	if (!fs)
		return cli_usage_error(a->cmd, "--format is required (csv, xlsx or json)");
	if (!export_format_parse(fs, &fmt))
		return cli_usage_error(a->cmd, "--format: '%s' is not csv, xlsx or json", fs);
	/* a workbook is binary: on a terminal it would only garble the screen */
	if (fmt == EXPORT_XLSX && !cli_value(a, "output") && isatty(STDOUT_FILENO))
		return cli_usage_error(a->cmd, "--format xlsx needs --output FILE (or a pipe)");
	struct db *db;
	int rc = cli_open_existing_db(a, &db);
	if (rc)
		return rc;
	struct arena ar;
	arena_init(&ar, 0);
	struct actor who = { 0, "cli" };
	struct repo_ctx c = { .db = db, .a = &ar, .who = &who };
	struct list_query *lq = arena_alloc_raw(&ar, sizeof(*lq));
	struct buf out;
	buf_init(&out, CLI_EXPORT_CAP);
	enum err err = ERR_NOMEM;
	if (lq) {
		/* the command line is the installation's operator: every row, unscoped */
		list_query_init(lq);
		err = export_register(&c, e, lq, fmt, NULL, &out);
	}
	db_close(db);
	if (err == ERR_TOO_LARGE)
		fprintf(stderr,
			"custos: %s holds more than %d rows, or more than 1 GiB as %s; export it "
			"through the API with filters\n",
			e->plural, EXPORT_MAX_ROWS, export_extension(fmt));
	else if (err)
		fprintf(stderr, "custos: %s could not be exported (%s)\n", e->plural,
			err_title(err));
	else
		rc = deliver(a, &out);
	if (err)
		rc = CLI_EXIT_FAIL;
	buf_free(&out);
	arena_free(&ar);
	return rc;
}
