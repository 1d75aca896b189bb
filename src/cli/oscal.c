/* oscal.c - the imports of whole files: `custos import oscal FILE` (a control catalogue from
 * an OSCAL catalog), `custos import mapping FILE --from CODE --to CODE` (control mappings from
 * a CSV of pairs) and `custos import document FILE --code CODE --owner EMAIL` (a policy from
 * a text or Markdown file). This file reads the file and prints; what becomes a record is
 * the domain's business (oscal_load.c, mapping_load.c, document.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "domain/document.h"
#include "util/textdoc.h"
#include "domain/mapping_load.h"
#include "domain/oscal_load.h"
#include "io/oscal.h"
#include "util/buf.h"

/* The whole file into out (capped); false with a message printed. */
static bool slurp(const char *path, size_t cap, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "custos: %s: %s\n", path, strerror(errno));
		return false;
	}
	buf_init(out, cap);
	char chunk[1u << 16];
	ssize_t got;
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "custos: %s: %s\n", path, strerror(errno));
			break;
		}
		buf_add(out, chunk, (size_t)got);
		if (buf_failed(out)) {
			fprintf(stderr, "custos: %s: larger than %zu MiB\n", path, cap >> 20);
			break;
		}
	}
	close(fd);
	if (got != 0)
		buf_free(out);
	return got == 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The file's name without its extension, as a framework code (lower case, dashes). */
static void code_from_path(const char *path, char *out, size_t size)
{
	const char *b = base_name(path), *dot = strrchr(b, '.');
	size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b), k = 0;
	for (size_t i = 0; i < n && k + 1 < size && k < 64; i++) {
		char ch = b[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.')
			out[k++] = ch;
		else if (k && out[k - 1] != '-')
			out[k++] = '-';
	}
	while (k && out[k - 1] == '-')
		k--;
	out[k] = '\0';
}

/* What both imports need: the file read, the database open, a repo context as the command
 * line, an arena for the report, and the file named as the records' source. */
struct job {
	struct buf data;
	struct db *db;
	struct actor who;
	struct arena ar;
	struct repo_ctx c;
	char source[512];
};

static int job_open(struct job *j, const struct cli_args *a, size_t cap, const char *what)
{
	const char *path = a->args[0];
	if (!slurp(path, cap, &j->data))
		return CLI_EXIT_FAIL;
	int rc = cli_open_db(a, &j->db);
	if (rc) {
		buf_free(&j->data);
		return rc;
	}
	j->who = (struct actor){ 0, "cli" };
	arena_init(&j->ar, 0);
	j->c = (struct repo_ctx){ .db = j->db, .a = &j->ar, .who = &j->who };
	/* a file name has at most 255 bytes (NAME_MAX), so this is never cut */
	snprintf(j->source, sizeof(j->source), "%s of %s", what, base_name(path));
	return CLI_EXIT_OK;
}

/* The database and the file are done with; the report (in the arena) stays until job_end. */
static void job_close(struct job *j)
{
	db_close(j->db);
	buf_free(&j->data);
}

static int job_end(struct job *j, enum err e, const char *why)
{
	if (e)
		fprintf(stderr, "custos: %s: nothing was imported: %s\n", j->source,
			why ? why : err_title(e));
	arena_free(&j->ar);
	return e ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* On a terminal the count is rewritten in place; in a log, lines would only be noise next to
 * the summary, and the import of the largest catalogue takes well under a second anyway. */
static void progress(void *arg, size_t done, size_t total)
{
	(void)arg;
	fprintf(stderr, "\rcontrols: %zu/%zu", done, total);
	if (done == total)
		fputc('\n', stderr);
}

static const char *plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int cmd_import_oscal(struct cli_args *a)
{
	const char *path = a->args[0];
	char code[65];
	const char *given = cli_value(a, "code");
	if (given && !*given)
		return cli_usage_error(a->cmd, "--code needs a value");
	code_from_path(path, code, sizeof(code));
	struct job j;
	int rc = job_open(&j, a, OSCAL_MAX_BYTES, "OSCAL import");
	if (rc)
		return rc;
	struct oscal_load_report rep;
	const char *why;
	enum err e = oscal_load(&j.c, given ? given : (*code ? code : NULL), j.source,
				j.data.len ? j.data.p : "", j.data.len,
				isatty(STDERR_FILENO) ? progress : NULL, NULL, &rep, &why);
	job_close(&j);
	if (e)
		return job_end(&j, e, why);
	printf("imported %s%s%s as %s: %lld %s (%lld %s, %lld withdrawn)\n", rep.name,
	       rep.edition ? " " : "", rep.edition ? rep.edition : "", rep.code,
	       (long long)rep.controls, plural(rep.controls, "control", "controls"),
	       (long long)rep.enhancements, plural(rep.enhancements, "enhancement", "enhancements"),
	       (long long)rep.withdrawn);
	return job_end(&j, ERR_OK, NULL);
}

#define MAPPING_FILE_CAP (64u << 20)
#define UNKNOWN_SHOWN	 40 /* distinct identifiers per side; the count says how many more */

/* One line per side: each identifier that matched nothing once, with its number of rows, so
 * NIST's forty references to clause 5.2 read as one. */
static void print_unknown(const struct mapping_load_report *rep, const char *column,
			  const char *code)
{
	size_t shown = 0, distinct = 0;
	for (size_t i = 0; column && i < rep->nlisted; i++) {
		const struct mapping_unknown *u = &rep->listed[i];
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = rep->listed[j].column == u->column &&
			       strcmp(rep->listed[j].id, u->id) == 0;
		if (u->column != column || seen)
			continue;
		distinct++;
		if (shown == UNKNOWN_SHOWN)
			continue;
		size_t rows = 0;
		for (size_t j = i; j < rep->nlisted; j++)
			rows += rep->listed[j].column == u->column &&
				strcmp(rep->listed[j].id, u->id) == 0;
		if (!shown)
			fprintf(stderr, "skipped, no control of %s (column %s): ", code, column);
		fprintf(stderr, "%s%s", shown++ ? ", " : "", u->id);
		if (rows > 1)
			fprintf(stderr, " (%zu rows)", rows);
	}
	if (distinct > shown)
		fprintf(stderr, " and %zu more", distinct - shown);
	if (distinct)
		fputc('\n', stderr);
}

int cmd_import_mapping(struct cli_args *a)
{
	const char *from = cli_value(a, "from"), *to = cli_value(a, "to");
	if (!from || !*from || !to || !*to)
		return cli_usage_error(a->cmd, "--from and --to name the two frameworks");
	struct job j;
	int rc = job_open(&j, a, MAPPING_FILE_CAP, "Mapping import");
	if (rc)
		return rc;
	struct mapping_load_report rep;
	const char *why;
	enum err e = mapping_load(&j.c, from, to, cli_value(a, "relationship"), j.source,
				  j.data.len ? j.data.p : "", j.data.len, &rep, &why);
	job_close(&j);
	print_unknown(&rep, rep.from_column, from);
	print_unknown(&rep, rep.to_column, to);
	if (e)
		return job_end(&j, e, why);
	printf("imported %lld %s %s -> %s from %lld rows (%s -> %s); %lld mapped already, "
	       "%lld rows without a mapping, %lld identifiers not found\n",
	       (long long)rep.created, plural(rep.created, "mapping", "mappings"), from, to,
	       (long long)rep.rows, rep.from_column, rep.to_column, (long long)rep.existing,
	       (long long)rep.unmapped, (long long)rep.unknown);
	return job_end(&j, ERR_OK, NULL);
}

int cmd_import_document(struct cli_args *a)
{
	const char *code = cli_value(a, "code"), *owner = cli_value(a, "owner");
	if (!code || !*code)
		return cli_usage_error(a->cmd, "--code is required (the document's reference)");
	if (!owner || !*owner)
		return cli_usage_error(a->cmd, "--owner is required (the owner's e-mail address)");
	struct job j;
	int rc = job_open(&j, a, TEXTDOC_MAX_BYTES + 1, "document import");
	if (rc)
		return rc;
	int64_t owner_id = 0;
	struct db_stmt *st;
	enum err e = db_prepare(j.db, "SELECT id FROM people WHERE lower(email) = lower($1)", &st);
	if (!e) {
		db_bind_str(st, 1, owner);
		bool row;
		if ((e = db_step(st, &row)) == ERR_OK && row)
			owner_id = db_col_int(st, 0);
		db_done(st);
	}
	if (!e && !owner_id) {
		job_close(&j);
		return job_end(
			&j, ERR_INVALID,
			arena_printf(&j.ar, "--owner: nobody in people has the e-mail %s", owner));
	}
	struct document_import in = {
		.code = code,
		.title = cli_value(a, "title"),
		.kind = cli_value(a, "kind") ? cli_value(a, "kind") : "policy",
		.classification = cli_value(a, "classification"),
		.source = base_name(a->args[0]),
		.owner_id = owner_id,
		.text = j.data.len ? j.data.p : "",
		.n = j.data.len,
	};
	struct verrors ve = { 0 };
	int64_t doc = 0, ver = 0;
	if (!e)
		e = document_import(&j.c, &in, &ve, &doc, &ver);
	job_close(&j);
	if (e) {
		struct buf why;
		buf_init(&why, 4096);
		for (size_t i = 0; i < ve.n; i++)
			buf_printf(&why, "%s%s%s%s", i ? "; " : "",
				   ve.items[i].field ? ve.items[i].field : "",
				   ve.items[i].field ? " " : "", ve.items[i].message);
		const char *m = ve.n ? arena_strdup(&j.ar, buf_cstr(&why)) : NULL;
		buf_free(&why);
		return job_end(&j, e, m);
	}
	printf("imported %s as document %lld, draft version %lld: send it for approval when it "
	       "reads right\n",
	       code, (long long)doc, (long long)ver);
	return job_end(&j, ERR_OK, NULL);
}
