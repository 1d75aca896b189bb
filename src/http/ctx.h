/* ctx.h - what a handler gets: the request, the response being built, this thread's database
 * connection, the authenticated principal and the matched route's parameters. */
#ifndef CUSTOS_CTX_H
#define CUSTOS_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/authz.h"
#include "core/model.h"
#include "core/user.h"
#include "http/http.h"
#include "store/db.h"
#include "util/form.h"
#include "util/multipart.h"

struct app_config {
	const char *db_url;
	const char *listen_host;
	int listen_port;
	unsigned threads;
	bool trust_proxy;     /* believe X-Forwarded-Proto from the proxy in front */
	bool cookie_secure;   /* force Secure cookies (TLS terminated elsewhere) */
	int64_t session_ttl;  /* absolute session lifetime, seconds */
	int64_t session_idle; /* a session unused this long ends, seconds */
	size_t max_upload;    /* bytes of one uploaded file (a request on a file route) */
};

#define HTTP_UPLOAD_DEFAULT (16u << 20)

struct app {
	struct app_config cfg;
	struct db_pool *pool;
};

struct principal {
	int64_t user_id;
	const char *email;
	const char *name;
	struct authz_subject subject; /* roles, person and department, for authz */
	bool via_cookie;	      /* cookie sessions need a CSRF token on unsafe requests */
	bool mfa_due; /* a role requires a second factor the account has not set up */
	int64_t session_id;
	int64_t token_id;
	struct token_spec token; /* a bearer token's limits and expiry (the name is unset) */
	const char *csrf;
};

#define CTX_MAX_PARAMS 4

struct ctx {
	struct app *app;
	struct http_req *req;
	struct http_resp *resp;
	struct arena *a;
	struct db *db;
	bool authed;
	struct principal who;
	struct actor actor;
	size_t nparams;
	const char *params[CTX_MAX_PARAMS];
	const struct entity *entity;
	const struct step *step; /* the workflow step being taken, for the write guard */
	struct form *form;	 /* a UI form post, decoded by the router */
	struct multipart *parts; /* its files, on a route that takes any (ROUTE_FILES) */
	void *ui_cache;		 /* per-request look-ups of referenced records' labels */
};

#endif
