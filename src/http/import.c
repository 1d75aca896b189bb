/* import.c - POST /api/v1/{entity}/import: a register's records from the body, CSV (text/csv)
 * or an XLSX workbook, at most 1 MiB, through io/import.c as the signed-in user. The create
 * permission is asked first; the write guard then checks every row against the caller's
 * create scope, so a head of department cannot import records of another department, and a
 * reference is found only among the records the caller may list. No row is written any other
 * way. */
#include <string.h>
#include <strings.h>

#include "core/authz.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "io/export.h"
#include "io/import.h"

static bool reader_scope(void *arg, const struct entity *e, struct list_query *lq)
{
	struct ctx *c = arg;
	unsigned scope = authz_scope(&c->who.subject, e, AUTHZ_READ);
	if (scope == SCOPE_NONE)
		return false;
	http_list_query(c, lq, scope);
	return true;
}

struct key_reader http_key_reader(struct ctx *c)
{
	return (struct key_reader){ reader_scope, c };
}

/* The media type without parameters, compared without case. */
static bool is_type(const char *ct, const char *type)
{
	size_t n = strlen(type);
	return ct && strncasecmp(ct, type, n) == 0 && (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

/* "text/csv", with parameters at most; a charset other than UTF-8 is refused rather than
 * misread. */
static bool is_csv(const char *ct)
{
	size_t n = strlen("text/csv");
	if (!ct || strncasecmp(ct, "text/csv", n) != 0)
		return false;
	const char *p = ct + n;
	if (*p && *p != ';' && *p != ' ')
		return false;
	for (; *p; p++) {
		if (strncasecmp(p, "charset=", 8) != 0)
			continue;
		const char *cs = p + 8 + (p[8] == '"');
		size_t len = strcspn(cs, "\"; ");
		return (len == 5 && strncasecmp(cs, "utf-8", 5) == 0) ||
		       (len == 4 && strncasecmp(cs, "utf8", 4) == 0);
	}
	return true;
}

struct import_args {
	int partial; /* -1: not given */
	const char *bad_name, *why;
};

static bool import_arg(void *arg, const char *k, const char *v)
{
	struct import_args *ia = arg;
	if (strcmp(k, "partial") != 0)
		ia->why = "is not a parameter of imports (only partial is)";
	else if (ia->partial >= 0)
		ia->why = "is given twice";
	else if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		ia->partial = v[0] == 't';
	else
		ia->why = "must be true or false";
	if (ia->why)
		ia->bad_name = k;
	return !ia->why;
}

/* "rows":R,"created":C,"failed":F,"truncated":B,"errors":[{"row","field","message"}...]; a
 * row of 0 is about the file as a whole */
static void report_json(struct buf *b, const struct import_report *rep)
{
	buf_adds(b, "\"rows\":");
	buf_add_i64(b, rep->rows);
	buf_adds(b, ",\"created\":");
	buf_add_i64(b, rep->created);
	buf_adds(b, ",\"failed\":");
	buf_add_i64(b, rep->failed);
	buf_adds(b, rep->truncated ? ",\"truncated\":true" : ",\"truncated\":false");
	buf_adds(b, ",\"errors\":[");
	for (size_t i = 0; i < rep->nerrors; i++) {
		const struct import_error *x = &rep->errors[i];
		buf_adds(b, i ? ",{\"row\":" : "{\"row\":");
		buf_add_i64(b, x->row);
		buf_adds(b, ",\"field\":");
		if (x->field)
			buf_add_json_str(b, x->field, strlen(x->field));
		else
			buf_adds(b, "null");
		buf_adds(b, ",\"message\":");
		buf_add_json_str(b, x->message, strlen(x->message));
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

/* A problem answer carrying the report, so a client reads the same errors whatever the status. */
static void refuse(struct ctx *c, enum err err, const char *detail, const struct import_report *rep)
{
	respond_problem(c, err, detail, NULL);
	struct buf *b = &c->resp->body;
	if (buf_failed(b) || !b->len)
		return;
	buf_truncate(b, b->len - 1); /* reopen the object respond_problem closed */
	buf_addc(b, ',');
	report_json(b, rep);
	buf_addc(b, '}');
}

void api_import(struct ctx *c)
{
	const struct entity *e = c->entity;
	struct http_req *r = c->req;
	if (authz_scope(&c->who.subject, e, AUTHZ_CREATE) == SCOPE_NONE) {
		respond_problem(c, ERR_FORBIDDEN,
				arena_printf(c->a, "you may not create %s", e->title_plural), NULL);
		return;
	}
	const char *refusal = import_refusal(c->a, e);
	if (refusal) {
		respond_problem(c, ERR_INVALID, refusal, NULL);
		return;
	}
	struct import_args ia = { .partial = -1 };
	http_query_each(r, import_arg, &ia);
	if (ia.bad_name) {
		respond_field_error(c, ERR_BAD_REQUEST, arena_strdup(c->a, ia.bad_name), ia.why);
		return;
	}
	if (r->body_too_large) {
		respond_problem(c, ERR_TOO_LARGE,
				"the body is larger than 1 MiB: split the file, or import it with "
				"custos import csv (or xlsx)",
				NULL);
		return;
	}
	const char *ct = http_header(r, "Content-Type");
	bool xlsx = is_type(ct, export_content_type(EXPORT_XLSX));
	if (!xlsx && !is_csv(ct)) {
		respond_problem(
			c, ERR_MEDIA_TYPE,
			"send the file as text/csv (UTF-8) or as an XLSX workbook "
			"(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
			NULL);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	struct import_report rep;
	struct key_reader rd = http_key_reader(c);
	struct import_file f = { .e = e,
				 .format = xlsx ? IMPORT_XLSX : IMPORT_CSV,
				 .data = r->body.p ? r->body.p : "",
				 .n = r->body.len };
	enum err err = import_files(&rc, &f, 1, ia.partial == 1, &rd, &rep);
	const char *detail = NULL;
	switch (err) {
	case ERR_OK:
		buf_reset(&c->resp->body);
		buf_addc(&c->resp->body, '{');
		report_json(&c->resp->body, &rep);
		buf_addc(&c->resp->body, '}');
		if (buf_failed(&c->resp->body)) {
			respond_problem(c, ERR_NOMEM, NULL, NULL);
			return;
		}
		respond_json(c, 200);
		return;
	case ERR_INVALID:
		if (!rep.rows && rep.nerrors && rep.errors[0].row == 0)
			detail = arena_printf(c->a, "nothing was imported: %s",
					      rep.errors[0].message);
		else if (!rep.rows)
			detail = "nothing was imported: the header row has errors";
		else if (ia.partial == 1)
			detail = arena_printf(c->a,
					      "nothing was imported: all %lld rows were refused",
					      (long long)rep.rows);
		else
			detail =
				arena_printf(c->a,
					     "nothing was imported: %lld of %lld rows were refused "
					     "(partial=true keeps the valid ones)",
					     (long long)rep.failed, (long long)rep.rows);
		break;
	case ERR_BAD_REQUEST:
		detail =
			xlsx ? "nothing was imported: the body is not an XLSX workbook that can be "
			       "read"
			     : "nothing was imported: the body is not CSV (RFC 4180)";
		break;
	case ERR_TOO_LARGE:
		detail = "nothing was imported: import at most 100,000 rows at once";
		break;
	default:
		respond_problem(c, err, NULL, NULL);
		return;
	}
	refuse(c, err, detail, &rep);
}
