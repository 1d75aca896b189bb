/* http.h - the request/response seen by handlers. server.c is the only file that knows the HTTP
 * library (libmicrohttpd); everything above works on these structs, so the library could be
 * swapped without touching a handler. */
#ifndef CUSTOS_HTTP_H
#define CUSTOS_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#define HTTP_BODY_CAP	 (1u << 20) /* request bodies larger than 1 MiB answer 413 */
#define HTTP_MAX_HEADERS 16

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE, HTTP_OTHER };

struct http_req {
	enum http_method method;
	const char *method_name;
	const char *path;
	struct buf body;
	size_t body_cap; /* HTTP_BODY_CAP, or the upload limit on routes that take files */
	bool body_too_large;
	bool tls;	  /* served over TLS, or a trusted proxy said so */
	bool trust_proxy; /* X-Forwarded-* headers come from our own proxy */
	struct arena *a;
	void *conn; /* the library's connection, for server.c only */
};

struct http_resp {
	int status;
	const char *content_type;
	struct buf body;
	size_t nheaders;
	struct {
		const char *name, *value;
	} headers[HTTP_MAX_HEADERS];
};

/* Request data, implemented by server.c. Values live as long as the request. */
const char *http_header(struct http_req *r, const char *name);
const char *http_query(struct http_req *r, const char *name);
/* Calls fn for every query parameter in order; stops early when fn returns false. */
void http_query_each(struct http_req *r, bool (*fn)(void *arg, const char *k, const char *v),
		     void *arg);
const char *http_cookie(struct http_req *r, const char *name);
/* The client's IP address as text: the peer, or behind a trusted proxy the last address the
 * proxy appended to X-Forwarded-For. */
const char *http_client_addr(struct http_req *r);

/* Response helpers. The value is copied into the request arena. */
void http_set_header(struct http_req *r, struct http_resp *s, const char *name, const char *value);
/* Adds a header even when one of the same name is set (Set-Cookie). */
void http_add_header(struct http_req *r, struct http_resp *s, const char *name, const char *value);
bool http_method_is_safe(enum http_method m);

#endif
