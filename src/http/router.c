/* router.c - the route table and the one path every request takes: security headers, route
 * match, database connection, authentication, CSRF, then the handler. */
#include <stdio.h>
#include <string.h>

#include "http/handlers.h"
#include "http/respond.h"
#include "http/server.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/str.h"

enum route_flag {
	ROUTE_PUBLIC = 1u << 0,	   /* no authentication */
	ROUTE_MFA_SETUP = 1u << 1, /* reachable while a required second factor is not set up */
};

struct route {
	enum http_method method;
	const char *pattern; /* {entity} matches a register's plural, {id} a positive number */
	void (*handler)(struct ctx *c);
	unsigned flags;
};

static const struct route routes[] = {
	{ HTTP_GET, "/", index_get, ROUTE_PUBLIC },
	{ HTTP_GET, "/healthz", health_get, ROUTE_PUBLIC },
	{ HTTP_GET, "/api/v1/openapi.json", openapi_get, 0 },
	{ HTTP_POST, "/api/v1/session", session_post, ROUTE_PUBLIC },
	{ HTTP_GET, "/api/v1/session", session_get, ROUTE_MFA_SETUP },
	{ HTTP_DELETE, "/api/v1/session", session_del, ROUTE_MFA_SETUP },
	{ HTTP_POST, "/api/v1/session/password", session_password, ROUTE_MFA_SETUP },
	{ HTTP_POST, "/api/v1/session/mfa", mfa_post, ROUTE_MFA_SETUP },
	{ HTTP_POST, "/api/v1/session/mfa/confirm", mfa_confirm_post, ROUTE_MFA_SETUP },
	{ HTTP_DELETE, "/api/v1/session/mfa", mfa_delete, 0 },
	{ HTTP_GET, "/api/v1/settings/mfa", mfa_settings_get, 0 },
	{ HTTP_PUT, "/api/v1/settings/mfa", mfa_settings_put, 0 },
	{ HTTP_POST, "/api/v1/tokens", tokens_post, 0 },
	{ HTTP_GET, "/api/v1/tokens", tokens_get, 0 },
	{ HTTP_DELETE, "/api/v1/tokens/{id}", tokens_del, 0 },
	{ HTTP_GET, "/api/v1/users", users_list, 0 },
	{ HTTP_POST, "/api/v1/users", users_create, 0 },
	{ HTTP_GET, "/api/v1/users/{id}", users_get, 0 },
	{ HTTP_PATCH, "/api/v1/users/{id}", users_update, 0 },
	{ HTTP_GET, "/api/v1/{entity}", api_list, 0 },
	{ HTTP_POST, "/api/v1/{entity}", api_create, 0 },
	{ HTTP_GET, "/api/v1/{entity}/{id}", api_get, 0 },
	{ HTTP_PATCH, "/api/v1/{entity}/{id}", api_update, 0 },
	{ HTTP_DELETE, "/api/v1/{entity}/{id}", api_delete, 0 },
	{ HTTP_GET, "/api/v1/{entity}/{id}/history", api_history, 0 },
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

void router_each(void (*fn)(void *arg, const char *method, const char *pattern, bool auth),
		 void *arg)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		fn(arg, method_names[routes[i].method], routes[i].pattern,
		   !(routes[i].flags & ROUTE_PUBLIC));
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
		size_t n = strlen(allow);
		snprintf(allow + n, sizeof(allow) - n, "%s%s", n ? ", " : "",
			 method_names[routes[i].method]);
	}
	if (!found) {
		if (allow[0]) {
			http_set_header(req, resp, "Allow", allow);
			respond_problem(&c, ERR_METHOD, "this method is not allowed here", NULL);
		} else {
			respond_problem(&c, ERR_NOT_FOUND, "no such resource", NULL);
		}
		return;
	}
	route_match(&c, found->pattern, req->path); /* re-capture: later patterns overwrote it */

	enum err e = db_pool_get(app->pool, &c.db);
	if (e) {
		respond_problem(&c, e, "the database is not available", NULL);
		return;
	}
	if (!(found->flags & ROUTE_PUBLIC)) {
		e = session_authenticate(&c);
		if (e && e != ERR_UNAUTHORIZED) {
			respond_problem(&c, e, "credentials could not be checked", NULL);
			return;
		}
		if (e) {
			http_set_header(req, resp, "WWW-Authenticate", "Bearer realm=\"custos\"");
			respond_problem(&c, ERR_UNAUTHORIZED,
					"sign in (POST /api/v1/session) or send a bearer token",
					NULL);
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
			size_t n = c.who.csrf ? strlen(c.who.csrf) : 0;
			if (!t || !n || strlen(t) != n || !crypto_equal(t, c.who.csrf, n)) {
				respond_problem(&c, ERR_FORBIDDEN,
						"missing or wrong CSRF token (X-CSRF-Token header)",
						NULL);
				return;
			}
		}
	}
	found->handler(&c);
	if (!resp->status) {
		log_error("%s %s: handler set no status", req->method_name, req->path);
		respond_problem(&c, ERR_INTERNAL, NULL, NULL);
	}
}
