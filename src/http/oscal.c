/* oscal.c - POST /api/v1/frameworks/import?format=oscal: a control catalogue from an OSCAL
 * catalog in the JSON body, through domain/oscal_load.c as the signed-in user. Without format
 * the route is the frameworks register's CSV import (http/import.c). The body cap stays the
 * server's 1 MiB: bodies are read before anyone is authenticated, so a larger cap on one route
 * would let anyone hold that much memory per connection; large catalogues go through the CLI. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/authz.h"
#include "domain/domain.h"
#include "domain/oscal_load.h"
#include "http/handlers.h"
#include "http/respond.h"

bool http_oscal_allowed(struct ctx *c)
{
	return authz_scope(&c->who.subject, &entity_framework, AUTHZ_CREATE) != SCOPE_NONE &&
	       authz_scope(&c->who.subject, &entity_catalog_control, AUTHZ_CREATE) != SCOPE_NONE;
}

struct oscal_args {
	const char *format, *code;
	const char *bad, *why;
};

static bool oscal_arg(void *arg, const char *k, const char *v)
{
	struct oscal_args *oa = arg;
	const char **slot = strcmp(k, "format") == 0 ? &oa->format
			    : strcmp(k, "code") == 0 ? &oa->code
						     : NULL;
	if (!slot)
		oa->why = "is not a parameter of an OSCAL import (format and code are)";
	else if (*slot)
		oa->why = "is given twice";
	else
		*slot = v;
	if (oa->why)
		oa->bad = k;
	return !oa->why;
}

/* "application/json", with parameters at most */
static bool is_json(const char *ct)
{
	size_t n = strlen("application/json");
	return ct && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

void api_frameworks_import(struct ctx *c)
{
	struct http_req *r = c->req;
	if (!http_query(r, "format")) {
		c->entity = &entity_framework; /* the register's CSV import, as for any other */
		api_import(c);
		return;
	}
	struct oscal_args oa = { 0 };
	http_query_each(r, oscal_arg, &oa);
	if (oa.bad) {
		respond_field_error(c, ERR_BAD_REQUEST, arena_strdup(c->a, oa.bad), oa.why);
		return;
	}
	if (strcmp(oa.format, "oscal") != 0) {
		respond_field_error(c, ERR_BAD_REQUEST, "format",
				    "must be oscal (leave it out to import CSV)");
		return;
	}
	if (!http_oscal_allowed(c)) {
		respond_problem(c, ERR_FORBIDDEN,
				"you may not create frameworks and their controls", NULL);
		return;
	}
	if (r->body_too_large) {
		respond_problem(
			c, ERR_TOO_LARGE,
			"the body is larger than 1 MiB: import large catalogues with custos "
			"import oscal FILE",
			NULL);
		return;
	}
	if (!is_json(http_header(r, "Content-Type"))) {
		respond_problem(c, ERR_MEDIA_TYPE, "send the catalog as application/json", NULL);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	struct oscal_load_report rep;
	const char *why;
	enum err e = oscal_load(&rc, oa.code && *oa.code ? oa.code : NULL, "OSCAL import (upload)",
				r->body.p ? r->body.p : "", r->body.len, NULL, NULL, &rep, &why);
	if (e) {
		respond_problem(c, e,
				why ? arena_printf(c->a, "nothing was imported: %s", why) : NULL,
				NULL);
		return;
	}
	struct buf *b = &c->resp->body;
	buf_reset(b);
	buf_adds(b, "{\"framework_id\":");
	buf_add_i64(b, rep.framework_id);
	buf_adds(b, ",\"code\":");
	buf_add_json_str(b, rep.code, strlen(rep.code));
	buf_adds(b, ",\"name\":");
	buf_add_json_str(b, rep.name, strlen(rep.name));
	buf_adds(b, ",\"edition\":");
	if (rep.edition)
		buf_add_json_str(b, rep.edition, strlen(rep.edition));
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"controls\":");
	buf_add_i64(b, rep.controls);
	buf_adds(b, ",\"enhancements\":");
	buf_add_i64(b, rep.enhancements);
	buf_adds(b, ",\"withdrawn\":");
	buf_add_i64(b, rep.withdrawn);
	buf_addc(b, '}');
	if (buf_failed(b)) {
		respond_problem(c, ERR_NOMEM, NULL, NULL);
		return;
	}
	char loc[64];
	snprintf(loc, sizeof(loc), "/api/v1/frameworks/%lld", (long long)rep.framework_id);
	http_set_header(r, c->resp, "Location", loc);
	respond_json(c, 201);
}
