/* server.c - the libmicrohttpd glue, and the only file that includes it: connection state,
 * body accumulation with a cap, and turning struct http_resp into an MHD response. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "util/log.h"
#include "util/str.h"

struct req_state {
	struct http_req req;
	struct arena arena;
	bool answered;
};

const char *http_header(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_req *r, const char *name)
{
	const char *v = NULL;
	size_t n = 0;
	if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
					  &n) != MHD_YES ||
	    !v)
		return NULL;
	if (strlen(v) == n)
		return v;
	/* %00 decoded: a C string would end there ("evil.html%00.pdf" read as "evil.html"), so
	 * the value is read without its NUL bytes */
	char *out = arena_alloc(r->a, n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i])
			out[o++] = v[i];
	out[o] = '\0';
	return out;
}

const char *http_client_addr(struct http_req *r)
{
	if (r->trust_proxy) {
		const char *xff = http_header(r, "X-Forwarded-For");
		if (xff && *xff) {
			const char *last = strrchr(xff, ',');
			last = last ? last + 1 : xff;
			while (*last == ' ')
				last++;
			if (*last && strlen(last) < 64)
				return arena_strdup(r->a, last);
		}
	}
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char buf[INET6_ADDRSTRLEN] = "unknown";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
				  sizeof(buf));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
				  sizeof(buf));
	}
	return arena_strdup(r->a, buf);
}

const char *http_cookie(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

struct each_arg {
	bool (*fn)(void *, const char *, const char *);
	void *arg;
};

static enum MHD_Result each_query(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	(void)kind;
	struct each_arg *ea = cls;
	return ea->fn(ea->arg, k, v ? v : "") ? MHD_YES : MHD_NO;
}

void http_query_each(struct http_req *r, bool (*fn)(void *, const char *, const char *), void *arg)
{
	struct each_arg ea = { fn, arg };
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, each_query, &ea);
}

void http_set_header(struct http_req *r, struct http_resp *s, const char *name, const char *value)
{
	for (size_t i = 0; i < s->nheaders; i++) {
		if (strcasecmp(s->headers[i].name, name) == 0) {
			s->headers[i].value = arena_strdup(r->a, value);
			return;
		}
	}
	if (s->nheaders < HTTP_MAX_HEADERS) {
		s->headers[s->nheaders].name = name;
		s->headers[s->nheaders].value = arena_strdup(r->a, value);
		s->nheaders++;
	}
}

void http_add_header(struct http_req *r, struct http_resp *s, const char *name, const char *value)
{
	if (s->nheaders < HTTP_MAX_HEADERS) {
		s->headers[s->nheaders].name = name;
		s->headers[s->nheaders].value = arena_strdup(r->a, value);
		s->nheaders++;
	}
}

bool http_method_is_safe(enum http_method m)
{
	return m == HTTP_GET || m == HTTP_HEAD;
}

static enum http_method method_of(const char *m)
{
	static const struct {
		const char *name;
		enum http_method m;
	} t[] = { { "GET", HTTP_GET }, { "HEAD", HTTP_HEAD },	{ "POST", HTTP_POST },
		  { "PUT", HTTP_PUT }, { "PATCH", HTTP_PATCH }, { "DELETE", HTTP_DELETE } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(m, t[i].name) == 0)
			return t[i].m;
	return HTTP_OTHER;
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct http_resp *s)
{
	size_t len = s->body.len;
	char *body = buf_take(&s->body);
	if (!body) {
		len = 0;
		s->status = 500;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body ? body : (void *)"",
								 body ? MHD_RESPMEM_MUST_FREE
								      : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (s->content_type)
		MHD_add_response_header(r, "Content-Type", s->content_type);
	for (size_t i = 0; i < s->nheaders; i++)
		if (s->headers[i].value)
			MHD_add_response_header(r, s->headers[i].name, s->headers[i].value);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)s->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct app *app = cls;
	struct req_state *rs = *con_cls;
	if (!rs) {
		rs = calloc(1, sizeof(*rs));
		if (!rs)
			return MHD_NO;
		arena_init(&rs->arena, 64u << 20);
		rs->req.a = &rs->arena;
		rs->req.conn = conn;
		rs->req.path = arena_strdup(&rs->arena, url);
		rs->req.method_name = arena_strdup(&rs->arena, method);
		rs->req.method = method_of(method);
		rs->req.body_cap = rs->req.path ? router_body_cap(app, &rs->req) : HTTP_BODY_CAP;
		buf_init(&rs->req.body, rs->req.body_cap);
		const char *proto =
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
		rs->req.tls = app->cfg.trust_proxy && proto && strcmp(proto, "https") == 0;
		rs->req.trust_proxy = app->cfg.trust_proxy;
		const char *cl =
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		int64_t n;
		if (cl && str_parse_i64(cl, &n) && n > (int64_t)rs->req.body_cap)
			rs->req.body_too_large = true;
		*con_cls = rs;
		/* answer on a later call, so libmicrohttpd keeps the connection alive */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!rs->req.body_too_large) {
			buf_add(&rs->req.body, upload_data, *upload_data_size);
			if (buf_failed(&rs->req.body))
				rs->req.body_too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rs->answered)
		return MHD_YES;
	rs->answered = true;
	struct http_resp resp;
	memset(&resp, 0, sizeof(resp));
	buf_init(&resp.body, 0);
	router_dispatch(app, &rs->req, &resp);
	enum MHD_Result ret = send_resp(conn, &resp);
	buf_free(&resp.body);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct req_state *rs = *con_cls;
	if (!rs)
		return;
	buf_free(&rs->req.body);
	arena_free(&rs->arena);
	free(rs);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warn("http: %s", line);
}

enum err server_run(struct app *app)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t slen;
	/* poll, not epoll: with epoll's edge triggering, libmicrohttpd 0.9.75 now and then leaves
	 * half of a burst of 256 new connections accepted and never read (tests/api/keepalive);
	 * poll is level-triggered, and each pool thread has only its own connections to watch */
	unsigned flags =
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	const char *host = app->cfg.listen_host;
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)app->cfg.listen_port);
		slen = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)app->cfg.listen_port);
		slen = sizeof(*v6);
		flags |= MHD_USE_IPv6;
	} else {
		log_error("cannot listen on '%s': not an IP address", host);
		return ERR_BAD_REQUEST;
	}
	(void)slen;

	/* SIGINT/SIGTERM are taken with sigwait below, so block them before threads start */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, app, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
		app->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		/* each query parameter costs a header record (~56 bytes) in the connection's
		 * pool, which libmicrohttpd 0.9.75 also zeroes on every request: 128 KiB holds
		 * over 1000 parameters and keeps memory at ~0.3 MB per busy connection. Past
		 * that, the library drops the connection (docs/operations: URL limits). */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_LISTEN_BACKLOG_SIZE,
		(unsigned)1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!d) {
		log_error("cannot listen on %s:%d: %s", app->cfg.listen_host, app->cfg.listen_port,
			  strerror(errno));
		return ERR_IO;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	int port = info ? info->port : app->cfg.listen_port;
	printf("custos: listening on http://%s%s%s:%d\n", flags & MHD_USE_IPv6 ? "[" : "",
	       app->cfg.listen_host, flags & MHD_USE_IPv6 ? "]" : "", port);
	fflush(stdout);
	log_info("serving with %u threads", app->cfg.threads);

	int sig = 0;
	sigwait(&sigs, &sig);
	log_info("signal %d: stopping", sig);
	MHD_stop_daemon(d);
	return ERR_OK;
}
