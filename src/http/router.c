/* router.c - the route table and the one path every request takes: security headers, route
 * match, database connection, authentication, CSRF, then the handler. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "http/handlers.h"
#include "http/respond.h"
#include "http/server.h"
#include "http/ui.h"
#include "util/html.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/multipart.h"
#include "util/str.h"

enum route_flag {
	ROUTE_PUBLIC = 1u << 0,	   /* no authentication */
	ROUTE_MFA_SETUP = 1u << 1, /* reachable while a required second factor is not set up */
	ROUTE_UI = 1u << 2,	   /* an HTML page: redirects to sign-in, form posts, HTML errors */
	ROUTE_UPLOAD = 1u << 3,	   /* a form post that may carry files (multipart/form-data) */
	/* a register's file field is written here: on a register that has one, the body may
	 * reach the upload limit, and a form's files may hold any bytes */
	ROUTE_FILES = 1u << 4,
	/* the account's own security and the administration of accounts: a signed-in session,
	 * or a bearer token whose permissions name the route's power ("account:users"); a token
	 * that merely can read or write registers never reaches these */
	ROUTE_SESSION = 1u << 5,
	/* a form whose file inputs hold any bytes on every register (a workbook to import): its
	 * files are read from c->parts, and the body may reach the upload limit */
	ROUTE_BINARY = 1u << 6,
};

struct route {
	enum http_method method;
	const char *pattern; /* {entity} matches a register's plural, {id} a positive number */
	void (*handler)(struct ctx *c);
	unsigned flags;
	const char *power; /* ROUTE_SESSION: the account power that lets a token in; NULL: none */
};

static const struct route routes[] = {
	{ HTTP_GET, "/healthz", health_get, ROUTE_PUBLIC },
	{ HTTP_GET, "/static/{file}", static_get, ROUTE_PUBLIC },
	{ HTTP_GET, "/api/v1/openapi.json", openapi_get, 0 },
	{ HTTP_POST, "/api/v1/session", session_post, ROUTE_PUBLIC },
	{ HTTP_GET, "/api/v1/session", session_get, ROUTE_MFA_SETUP },
	{ HTTP_DELETE, "/api/v1/session", session_del, ROUTE_MFA_SETUP },
	{ HTTP_POST, "/api/v1/session/password", session_password,
	  ROUTE_MFA_SETUP | ROUTE_SESSION },
	{ HTTP_POST, "/api/v1/session/mfa", mfa_post, ROUTE_MFA_SETUP | ROUTE_SESSION },
	{ HTTP_POST, "/api/v1/session/mfa/confirm", mfa_confirm_post,
	  ROUTE_MFA_SETUP | ROUTE_SESSION },
	{ HTTP_DELETE, "/api/v1/session/mfa", mfa_delete, ROUTE_SESSION },
	{ HTTP_GET, "/api/v1/settings/mfa", mfa_settings_get, ROUTE_SESSION, "settings" },
	{ HTTP_PUT, "/api/v1/settings/mfa", mfa_settings_put, ROUTE_SESSION, "settings" },
	{ HTTP_POST, "/api/v1/tokens", tokens_post, ROUTE_SESSION, "tokens" },
	{ HTTP_GET, "/api/v1/tokens", tokens_get, ROUTE_SESSION, "tokens" },
	{ HTTP_DELETE, "/api/v1/tokens/{id}", tokens_del, ROUTE_SESSION, "tokens" },
	{ HTTP_GET, "/api/v1/users", users_list, ROUTE_SESSION, "users" },
	{ HTTP_POST, "/api/v1/users", users_create, ROUTE_SESSION, "users" },
	{ HTTP_GET, "/api/v1/users/{id}", users_get, ROUTE_SESSION, "users" },
	{ HTTP_PATCH, "/api/v1/users/{id}", users_update, ROUTE_SESSION, "users" },
	{ HTTP_GET, "/api/v1/soa", api_soa, 0 },
	{ HTTP_GET, "/api/v1/{entity}", api_list, 0 },
	{ HTTP_POST, "/api/v1/{entity}", api_create, 0 },
	{ HTTP_GET, "/api/v1/{entity}/export", api_export, 0 },
	{ HTTP_POST, "/api/v1/frameworks/import", api_frameworks_import, 0 },
	{ HTTP_POST, "/api/v1/{entity}/import", api_import, 0 },
	{ HTTP_GET, "/api/v1/{entity}/{id}", api_get, 0 },
	{ HTTP_PATCH, "/api/v1/{entity}/{id}", api_update, 0 },
	{ HTTP_DELETE, "/api/v1/{entity}/{id}", api_delete, 0 },
	{ HTTP_GET, "/api/v1/{entity}/{id}/history", api_history, 0 },
	{ HTTP_GET, "/api/v1/{entity}/{id}/files/{field}", api_file_get, 0 },
	{ HTTP_PUT, "/api/v1/{entity}/{id}/files/{field}", api_file_put, ROUTE_FILES },
	{ HTTP_DELETE, "/api/v1/{entity}/{id}/files/{field}", api_file_delete, 0 },
	{ HTTP_POST, "/api/v1/{entity}/{id}/{step}", api_step, 0 },

	{ HTTP_GET, "/", ui_home, ROUTE_UI },
	{ HTTP_GET, "/login", ui_login_get, ROUTE_UI | ROUTE_PUBLIC },
	{ HTTP_POST, "/login", ui_login_post, ROUTE_UI | ROUTE_PUBLIC },
	{ HTTP_POST, "/login/verify", ui_login_verify, ROUTE_UI | ROUTE_PUBLIC },
	{ HTTP_POST, "/logout", ui_logout, ROUTE_UI | ROUTE_MFA_SETUP },
	{ HTTP_GET, "/account", ui_account, ROUTE_UI | ROUTE_MFA_SETUP | ROUTE_SESSION },
	{ HTTP_POST, "/account/password", ui_account_password,
	  ROUTE_UI | ROUTE_MFA_SETUP | ROUTE_SESSION },
	{ HTTP_POST, "/account/mfa", ui_account_mfa, ROUTE_UI | ROUTE_MFA_SETUP | ROUTE_SESSION },
	{ HTTP_POST, "/account/mfa/confirm", ui_account_mfa_confirm,
	  ROUTE_UI | ROUTE_MFA_SETUP | ROUTE_SESSION },
	{ HTTP_POST, "/account/mfa/disable", ui_account_mfa_disable, ROUTE_UI | ROUTE_SESSION },
	{ HTTP_POST, "/account/tokens", ui_account_token, ROUTE_UI | ROUTE_SESSION },
	{ HTTP_POST, "/account/tokens/{id}/revoke", ui_account_token_revoke,
	  ROUTE_UI | ROUTE_SESSION },
	{ HTTP_GET, "/admin/users", ui_users, ROUTE_UI | ROUTE_SESSION },
	{ HTTP_GET, "/admin/users/new", ui_user_new, ROUTE_UI | ROUTE_SESSION },
	{ HTTP_POST, "/admin/users", ui_user_create, ROUTE_UI | ROUTE_SESSION },
	{ HTTP_GET, "/admin/users/{id}", ui_user_show, ROUTE_UI | ROUTE_SESSION },
	{ HTTP_POST, "/admin/users/{id}", ui_user_update, ROUTE_UI | ROUTE_SESSION },
	{ HTTP_GET, "/risks/heatmap", ui_risk_heatmap, ROUTE_UI },
	{ HTTP_GET, "/soa", ui_soa, ROUTE_UI },
	{ HTTP_GET, "/soa/export.{format}", ui_soa_export, ROUTE_UI },
	{ HTTP_GET, "/soa_versions/{id}/document", ui_soa_version_document, ROUTE_UI },
	{ HTTP_GET, "/risk_methods/{id}/document", ui_risk_method_document, ROUTE_UI },
	{ HTTP_GET, "/frameworks/oscal", ui_oscal_form, ROUTE_UI },
	{ HTTP_POST, "/frameworks/oscal", ui_oscal, ROUTE_UI | ROUTE_UPLOAD },
	{ HTTP_GET, "/report", ui_report_form, ROUTE_UI },
	{ HTTP_POST, "/report", ui_report, ROUTE_UI | ROUTE_FILES },
	{ HTTP_GET, "/incidents/metrics", ui_incident_metrics, ROUTE_UI },
	{ HTTP_GET, "/incidents/{id}/report.{format}", ui_incident_report, ROUTE_UI },
	{ HTTP_GET, "/trust", ui_trust, ROUTE_UI | ROUTE_PUBLIC },
	{ HTTP_GET, "/trust/{id}", ui_trust_document, ROUTE_UI | ROUTE_PUBLIC },
	{ HTTP_GET, "/documents/upload", ui_document_upload_form, ROUTE_UI },
	{ HTTP_POST, "/documents/upload", ui_document_upload, ROUTE_UI | ROUTE_UPLOAD },
	{ HTTP_GET, "/documents/{id}/compare", ui_document_compare, ROUTE_UI },
	{ HTTP_GET, "/documents/{id}/read", ui_document_read, ROUTE_UI },
	{ HTTP_GET, "/documents/{id}/coverage", ui_document_coverage, ROUTE_UI },
	{ HTTP_GET, "/document_versions/{id}/export.{format}", ui_version_export, ROUTE_UI },
	{ HTTP_GET, "/acknowledgements/{id}/read", ui_acknowledgement_read, ROUTE_UI },
	{ HTTP_GET, "/{entity}", ui_list, ROUTE_UI },
	{ HTTP_POST, "/{entity}", ui_create, ROUTE_UI | ROUTE_FILES },
	{ HTTP_GET, "/{entity}/new", ui_new, ROUTE_UI },
	{ HTTP_GET, "/{entity}/export.{format}", ui_export, ROUTE_UI },
	{ HTTP_GET, "/{entity}/import", ui_import_form, ROUTE_UI },
	{ HTTP_POST, "/{entity}/import", ui_import, ROUTE_UI | ROUTE_UPLOAD | ROUTE_BINARY },
	{ HTTP_GET, "/{entity}/{id}", ui_show, ROUTE_UI },
	{ HTTP_POST, "/{entity}/{id}", ui_update, ROUTE_UI | ROUTE_FILES },
	{ HTTP_GET, "/{entity}/{id}/edit", ui_edit, ROUTE_UI },
	{ HTTP_POST, "/{entity}/{id}/delete", ui_delete, ROUTE_UI },
	{ HTTP_POST, "/{entity}/{id}/step/{step}", ui_step, ROUTE_UI },
};

static const char *method_names[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "?" };

/* Matches path against pattern, capturing {…} segments into c->params. */
static bool route_match(struct ctx *c, const char *pattern, const char *path)
{
	c->nparams = 0;
	c->entity = NULL;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			const char *se = strchr(s, '/');
			size_t sn = se ? (size_t)(se - s) : strlen(s);
			if (!pe || sn == 0 || c->nparams == CTX_MAX_PARAMS)
				return false;
			char *seg = arena_strndup(c->a, s, sn);
			if (!seg)
				return false;
			if (strncmp(p, "{entity}", 8) == 0) {
				c->entity = model_entity_by_plural(seg);
				if (!c->entity)
					return false;
			} else if (strncmp(p, "{id}", 4) == 0) {
				int64_t id;
				if (!str_parse_i64(seg, &id) || id <= 0)
					return false;
			}
			assert(c->nparams < CTX_MAX_PARAMS);
			c->params[c->nparams++] = seg;
			p = pe + 1;
			s += sn;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

static void security_headers(struct ctx *c)
{
	struct http_req *r = c->req;
	struct http_resp *s = c->resp;
	http_set_header(r, s, "X-Content-Type-Options", "nosniff");
	http_set_header(r, s, "Referrer-Policy", "no-referrer");
	http_set_header(r, s, "X-Frame-Options", "DENY");
	http_set_header(r, s, "Content-Security-Policy",
			"default-src 'none'; frame-ancestors 'none'");
	http_set_header(r, s, "Cache-Control", "no-store");
}

static bool keep_query(void *arg, const char *k, const char *v)
{
	struct buf *q = arg;
	if (q->len)
		buf_addc(q, '&');
	url_esc(q, k);
	buf_addc(q, '=');
	url_esc(q, v);
	return q->len < 2048;
}

/* A UI form post's fields, decoded into c->form; answers an error page when malformed. Only
 * routes that take files accept multipart/form-data: other forms have no use for it. */
static bool ui_read_form(struct ctx *c, unsigned flags)
{
	struct http_req *r = c->req;
	if (r->method != HTTP_POST)
		return true;
	if (r->body_too_large) {
		ui_error(c, ERR_TOO_LARGE,
			 arena_printf(c->a, "The form is larger than %zu MiB.", r->body_cap >> 20));
		return false;
	}
	bool files = ((flags & ROUTE_FILES) && (!c->entity || model_has_files(c->entity))) ||
		     (flags & ROUTE_BINARY);
	const char *ct = http_header(r, "Content-Type");
	const char *want = "application/x-www-form-urlencoded";
	bool multipart = (files || (flags & ROUTE_UPLOAD)) && multipart_is_form(ct);
	if (!multipart && (!ct || strncasecmp(ct, want, strlen(want)) != 0)) {
		ui_error(c, ERR_MEDIA_TYPE, "Send the form as application/x-www-form-urlencoded.");
		return false;
	}
	c->form = arena_alloc(c->a, sizeof(*c->form));
	const char *why = "could not be read", *body = r->body.p ? r->body.p : "";
	enum err e = ERR_NOMEM;
	if (c->form && multipart && files)
		e = multipart_form_files(c->a, ct, body, r->body.len, c->form, &c->parts, &why);
	else if (c->form && multipart)
		e = multipart_form(c->a, ct, body, r->body.len, c->form, &why);
	else if (c->form)
		e = form_parse(c->a, body, r->body.len, c->form, &why);
	if (e) {
		c->form = NULL;
		ui_error(c, ERR_BAD_REQUEST, arena_printf(c->a, "The form %s.", why));
		return false;
	}
	return true;
}

/* Not signed in: a page asks for sign-in and comes back; a form post cannot be replayed. */
static void sign_in_first(struct ctx *c)
{
	struct http_req *r = c->req;
	if (r->method != HTTP_GET && r->method != HTTP_HEAD) {
		ui_redirect(c, "/login?m=expired");
		return;
	}
	struct buf b;
	buf_init(&b, 0);
	buf_adds(&b, "/login?next=");
	url_esc(&b, r->path);
	const char *qs = NULL;
	/* the query string is kept so a filtered list link survives the detour */
	struct qs_arg {
		struct buf q;
	} qa;
	buf_init(&qa.q, 0);
	http_query_each(r, keep_query, &qa.q);
	if (qa.q.len) {
		url_esc(&b, "?");
		qs = buf_cstr(&qa.q);
		url_esc(&b, qs);
	}
	ui_redirect(c, buf_cstr(&b));
	buf_free(&qa.q);
	buf_free(&b);
}

void router_each(void (*fn)(void *arg, const char *method, const char *pattern, bool auth),
		 void *arg)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		fn(arg, method_names[routes[i].method], routes[i].pattern,
		   !(routes[i].flags & ROUTE_PUBLIC));
}

size_t router_body_cap(struct app *app, struct http_req *req)
{
	/* a large body only from a request that carries credentials: an anonymous one is
	 * refused at sign-in anyway, and must not make the server hold megabytes first */
	const char *auth = http_header(req, "Authorization");
	if ((!auth || !*auth) && !http_cookie(req, "custos_session") &&
	    !http_cookie(req, "__Host-custos_session"))
		return HTTP_BODY_CAP;
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.a = req->a;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (routes[i].method != req->method ||
		    !(routes[i].flags & (ROUTE_FILES | ROUTE_BINARY)))
			continue;
		/* a route of one register takes files when the register has a file field; a page
		 * of its own (the incident report form, the import form) takes them always */
		if (route_match(&c, routes[i].pattern, req->path) &&
		    (!c.entity || model_has_files(c.entity) || (routes[i].flags & ROUTE_BINARY)))
			return app->cfg.max_upload ? app->cfg.max_upload : HTTP_UPLOAD_DEFAULT;
	}
	return HTTP_BODY_CAP;
}

void router_dispatch(struct app *app, struct http_req *req, struct http_resp *resp)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = app;
	c.req = req;
	c.resp = resp;
	c.a = req->a;
	security_headers(&c);

	enum http_method m = req->method == HTTP_HEAD ? HTTP_GET : req->method;
	const struct route *found = NULL;
	char allow[64] = "";
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!route_match(&c, routes[i].pattern, req->path))
			continue;
		if (routes[i].method == m) {
			found = &routes[i];
			break;
		}
		/* a path two routes serve (POST /api/v1/frameworks/import) names its method once;
		 * no method's name is part of another's */
		if (strstr(allow, method_names[routes[i].method]))
			continue;
		size_t n = strlen(allow);
		snprintf(allow + n, sizeof(allow) - n, "%s%s", n ? ", " : "",
			 method_names[routes[i].method]);
	}
	if (!found) {
		if (allow[0])
			http_set_header(req, resp, "Allow", allow);
		enum err e = allow[0] ? ERR_METHOD : ERR_NOT_FOUND;
		if (ui_path(req->path))
			ui_error(&c, e, NULL);
		else
			respond_problem(&c, e,
					allow[0] ? "this method is not allowed here"
						 : "no such resource",
					NULL);
		return;
	}
	route_match(&c, found->pattern, req->path); /* re-capture: later patterns overwrote it */

	enum err e = db_pool_get(app->pool, &c.db);
	if (e) {
		respond_problem(&c, e, "the database is not available", NULL);
		return;
	}
	bool ui = found->flags & ROUTE_UI;
	if (ui && !ui_read_form(&c, found->flags))
		return;
	if (!(found->flags & ROUTE_PUBLIC)) {
		e = session_authenticate(&c);
		if (e && e != ERR_UNAUTHORIZED) {
			respond_problem(&c, e, "credentials could not be checked", NULL);
			return;
		}
		if (e && ui) {
			c.authed = false;
			sign_in_first(&c);
			return;
		}
		if (e) {
			http_set_header(req, resp, "WWW-Authenticate", "Bearer realm=\"custos\"");
			respond_problem(&c, ERR_UNAUTHORIZED,
					"sign in (POST /api/v1/session) or send a bearer token",
					NULL);
			return;
		}
		if ((found->flags & ROUTE_SESSION) && c.who.subject.via_token &&
		    !(found->power && authz_token_power(c.who.token.permissions, found->power))) {
			const char *why =
				found->power
					? arena_printf(
						  c.a,
						  "an API token reaches this only when made "
						  "with the account:%s permission; sign in instead",
						  found->power)
					: "this takes a signed-in session, not an API token";
			if (ui)
				ui_error(&c, ERR_FORBIDDEN, why);
			else
				respond_problem(&c, ERR_FORBIDDEN, why, NULL);
			return;
		}
		if (c.who.mfa_due && !(found->flags & ROUTE_MFA_SETUP) && ui) {
			ui_redirect(&c, "/account");
			return;
		}
		if (c.who.mfa_due && !(found->flags & ROUTE_MFA_SETUP)) {
			respond_problem(&c, ERR_FORBIDDEN,
					"your role requires two-factor sign-in: set it up first"
					" (POST /api/v1/session/mfa)",
					NULL);
			return;
		}
		if (c.who.via_cookie && !http_method_is_safe(req->method)) {
			const char *t = http_header(req, "X-CSRF-Token");
			if (!t && ui)
				t = ui_field(&c, "_csrf");
			size_t n = c.who.csrf ? strlen(c.who.csrf) : 0;
			if (!t || !n || strlen(t) != n || !crypto_equal(t, c.who.csrf, n)) {
				if (ui) {
					ui_error(&c, ERR_FORBIDDEN,
						 "The form has expired or did not come from this "
						 "site. Go back, reload the page and try again.");
					return;
				}
				respond_problem(&c, ERR_FORBIDDEN,
						"missing or wrong CSRF token (X-CSRF-Token header)",
						NULL);
				return;
			}
		}
	}
	/* every check the route asks for was made: signed in unless public, and any unsafe
	 * cookie request carried its CSRF token (refused above otherwise) */
	assert((found->flags & ROUTE_PUBLIC) || c.authed);
	found->handler(&c);
	assert(resp->status == 0 || (resp->status >= 100 && resp->status < 600));
	if (!resp->status) {
		log_error("%s %s: handler set no status", req->method_name, req->path);
		respond_problem(&c, ERR_INTERNAL, NULL, NULL);
	}
}
