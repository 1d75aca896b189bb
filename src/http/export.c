/* export.c - GET /api/v1/{entity}/export?format=csv|xlsx|json: the list's rows as a download.
 * It takes the list's parameters and the caller's read scope exactly as api_list does, then
 * hands the query to io/export.c; it must not read a row any other way. */
#include <string.h>

#include "core/authz.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "io/export.h"

struct export_args {
	struct ctx *c;
	struct list_query *lq;
	const char *bad_name, *why;
};

/* Every parameter but format is a list parameter; limit and cursor would cut an export that
 * promises every row, so they are refused rather than silently ignored. */
static bool export_arg(void *arg, const char *k, const char *v)
{
	struct export_args *ea = arg;
	const char *why = NULL;
	if (strcmp(k, "format") == 0)
		return true;
	if (strcmp(k, "limit") == 0 || strcmp(k, "cursor") == 0)
		why = "does not apply to exports: they hold every matching record";
	else if (list_query_param(ea->c->a, ea->c->entity, ea->lq, k, v, &why) == ERR_OK)
		return true;
	ea->bad_name = k;
	ea->why = why ? why : "is not valid";
	return false;
}

/* The number of times a query parameter is given, for "format" given twice. */
static bool count_format(void *arg, const char *k, const char *v)
{
	(void)v;
	if (strcmp(k, "format") == 0)
		(*(int *)arg)++;
	return true;
}

void api_export(struct ctx *c)
{
	const struct entity *e = c->entity;
	unsigned scope = authz_scope(&c->who.subject, e, AUTHZ_READ);
	if (scope == SCOPE_NONE) {
		respond_problem(c, ERR_FORBIDDEN,
				arena_printf(c->a, "you may not read %s", e->title_plural), NULL);
		return;
	}
	int nformat = 0;
	http_query_each(c->req, count_format, &nformat);
	const char *fs = http_query(c->req, "format");
	enum export_format fmt;
	if (nformat > 1) {
		respond_field_error(c, ERR_BAD_REQUEST, "format", "is given twice");
		return;
	}
	if (!fs || !export_format_parse(fs, &fmt)) {
		respond_field_error(c, ERR_BAD_REQUEST, "format",
				    fs ? "must be csv, xlsx or json"
				       : "is required: csv, xlsx or json");
		return;
	}
	struct list_query *lq = arena_alloc(c->a, sizeof(*lq));
	if (!lq) {
		respond_problem(c, ERR_NOMEM, NULL, NULL);
		return;
	}
	http_list_query(c, lq, scope);
	struct export_args ea = { .c = c, .lq = lq };
	http_query_each(c->req, export_arg, &ea);
	if (ea.bad_name) {
		respond_field_error(c, ERR_BAD_REQUEST, arena_strdup(c->a, ea.bad_name), ea.why);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	struct key_reader rd = http_key_reader(c);
	enum err err = export_register(&rc, e, lq, fmt, &rd, &c->resp->body);
	if (err == ERR_TOO_LARGE) {
		const char *m =
			arena_printf(c->a,
				     "the export would hold more than %d records or more "
				     "than the server sends at once; narrow it with filters",
				     EXPORT_MAX_ROWS);
		respond_problem(c, err, m, NULL);
		return;
	}
	if (err) {
		respond_problem(c, err, NULL, NULL);
		return;
	}
	respond_attachment(c, arena_printf(c->a, "%s.%s", e->plural, export_extension(fmt)), false);
	c->resp->status = 200;
	c->resp->content_type = export_content_type(fmt);
}
