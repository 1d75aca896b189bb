/* server.h - starts and stops the HTTP server. */
#ifndef CUSTOS_SERVER_H
#define CUSTOS_SERVER_H

#include "http/ctx.h"

/* Serves until SIGINT or SIGTERM. Prints "listening on http://HOST:PORT" once ready. */
enum err server_run(struct app *app) WUR;

/* Implemented by router.c: builds the whole answer for one request. */
void router_dispatch(struct app *app, struct http_req *req, struct http_resp *resp);
/* The most bytes a request's body may hold: the upload limit on routes that take files, the
 * HTTP_BODY_CAP elsewhere. Decided from the method and path before the body arrives. */
size_t router_body_cap(struct app *app, struct http_req *req);
/* Calls fn for every route in the table (method name, pattern, needs authentication). */
void router_each(void (*fn)(void *arg, const char *method, const char *pattern, bool auth),
		 void *arg);

#endif
