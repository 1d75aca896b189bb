/* server.c - the libmicrohttpd glue, and the only file that includes it: connection state,
 * the request head's framing checks, body accumulation with a cap, and turning struct
 * http_resp into an MHD response. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "util/log.h"
#include "util/str.h"

/* The request head (request line and header fields) may hold this many bytes: 431 past it,
 * or 414 when the request line alone is longer. libmicrohttpd reads a head into the
 * connection's 128 KiB pool before the handler sees it and answers 414/431 itself past that. */
#define HEAD_CAP (16u << 10)

struct req_state {
	struct http_req req;
	struct arena arena;
	size_t uri_len; /* the request target as sent, before %-decoding */
	bool uri_nul;	/* ... holds a %00, which decoding would turn into a NUL */
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

/* What the handler's first call reads from the request head, before any body: how the body
 * is framed (Content-Length, Transfer-Encoding), Host, and bytes libmicrohttpd would hide.
 * libmicrohttpd 0.9.75 parses the head in place, in one buffer that starts with the method:
 * it overwrites the spaces of the request line, each field's colon and every CR and LF of a
 * line break with NULs, and hands out the pieces as C strings. So a NUL inside a value ("a\0b"
 * read as "a") or a raw NUL in the request target leaves bytes between one piece and the next
 * that no piece accounts for; every such gap is checked (tests/api/http_framing.test.mjs pins
 * the layout, and would fail on a libmicrohttpd that parses otherwise). */
struct head_scan {
	const char *head; /* the request line's first byte */
	size_t size;	  /* the head's bytes, up to and with the empty line */
	size_t line_end;  /* where the last line read ends, before its line break */
	size_t eol;	  /* the line break's length, 2 (CRLF) or 1 (LF), 0 until known */
	unsigned hosts, lengths, codings;
	struct str host, coding; /* the last Host and Transfer-Encoding values */
	int status;		 /* 0 while the head is fine, else the answer */
	const char *why;
};

static void scan_refuse(struct head_scan *s, int status, const char *why)
{
	if (!s->status) {
		s->status = status;
		s->why = why;
	}
}

/* p's offset in the head; false when p is not in it (libmicrohttpd built that piece
 * elsewhere, as it does for a folded line). */
static bool scan_offset(const struct head_scan *s, const char *p, size_t *off)
{
	uintptr_t a = (uintptr_t)p, h = (uintptr_t)s->head;
	if (a < h || a - h > s->size)
		return false;
	*off = (size_t)(a - h);
	return true;
}

/* Whether the next piece, at off, starts right after `lines` line breaks of this request's
 * kind: every line of a head ends alike, so the gap leaves no room for a hidden byte. */
static bool scan_break(struct head_scan *s, size_t off, size_t lines)
{
	if (off < s->line_end)
		return false;
	size_t gap = off - s->line_end;
	if (!s->eol && (gap == lines || gap == 2 * lines))
		s->eol = gap / lines;
	return s->eol && gap == lines * s->eol;
}

static const char SCAN_HIDDEN[] = "the request head holds a NUL byte or a folded line";

static void scan_start(struct head_scan *s, const char *method, size_t size, const char *url,
		       size_t uri_len, bool uri_nul, const char *version)
{
	memset(s, 0, sizeof(*s));
	s->head = method;
	s->size = size;
	size_t m = strlen(method), v = strlen(version), u, ver;
	/* a NUL would end the path or a parameter early for every C string above this file:
	 * "/static/custos.css%00.html" read as the stylesheet */
	if (uri_nul) {
		scan_refuse(s, 400, "a NUL (%00) in the path or query");
		return;
	}
	/* the target starts after the method's space (and any more spaces) and ends one space
	 * before the version, unless a raw NUL cut it short */
	if (!scan_offset(s, url, &u) || !scan_offset(s, version, &ver) || u <= m ||
	    ver != u + uri_len + 1 || ver + v > size) {
		scan_refuse(s, 400, "the request line holds a NUL byte");
		return;
	}
	for (size_t i = m + 1; i < u; i++)
		if (method[i] != ' ') {
			scan_refuse(s, 400, "the request line holds a NUL byte");
			return;
		}
	s->line_end = ver + v;
}

static bool scan_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void scan_field(struct head_scan *s, const char *name, size_t nlen, const char *value,
		       size_t vlen)
{
	size_t n, v;
	if (s->status)
		return;
	if (!value || !scan_offset(s, name, &n) || !scan_offset(s, value, &v) ||
	    !scan_break(s, n, 1) || n + nlen >= v || v + vlen > s->size) {
		scan_refuse(s, 400, SCAN_HIDDEN);
		return;
	}
	if (!nlen) {
		scan_refuse(s, 400, "a header field has no name");
		return;
	}
	/* "Transfer-Encoding : chunked" would be a field of another name to libmicrohttpd and a
	 * framing to a proxy that trims the space; a bare CR would end the line for another */
	for (size_t i = 0; i < nlen; i++)
		if (!scan_tchar((unsigned char)name[i])) {
			scan_refuse(s, 400,
				    "a header name holds a space or a character a name may not");
			return;
		}
	/* after the colon (a NUL now) only the blanks libmicrohttpd skipped */
	for (size_t i = n + nlen + 1; i < v; i++)
		if (s->head[i] != ' ' && s->head[i] != '\t') {
			scan_refuse(s, 400, SCAN_HIDDEN);
			return;
		}
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			scan_refuse(s, 400,
				    "a header value holds a control character (a bare CR?)");
			return;
		}
	}
	s->line_end = v + vlen;
	if (str_ieq_n("host", name, nlen)) {
		s->hosts++;
		s->host = (struct str){ value, vlen };
	} else if (str_ieq_n("content-length", name, nlen)) {
		s->lengths++;
	} else if (str_ieq_n("transfer-encoding", name, nlen)) {
		s->codings++;
		s->coding = (struct str){ value, vlen };
	}
}

static enum MHD_Result scan_each(void *cls, enum MHD_ValueKind kind, const char *key,
				 size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	scan_field(cls, key, key_size, value, value_size);
	return MHD_YES;
}

/* RFC 3986 reg-name, IPv4 or [IPv6], and a port */
static bool scan_host_valid(struct str h)
{
	for (size_t i = 0; i < h.n; i++) {
		unsigned char c = (unsigned char)h.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr("-._~!$&'()*+,;=:[]%", c))))
			return false;
	}
	return true;
}

/* Whether the last transfer coding listed is chunked: then the body's end is known, but
 * libmicrohttpd would read it only for exactly "chunked". */
static bool scan_ends_chunked(struct str c)
{
	size_t e = c.n;
	while (e && (c.p[e - 1] == ' ' || c.p[e - 1] == '\t'))
		e--;
	size_t b = e;
	while (b && c.p[b - 1] != ',')
		b--;
	while (b < e && (c.p[b] == ' ' || c.p[b] == '\t'))
		b++;
	return e - b == 7 && str_ieq_n("chunked", c.p + b, 7);
}

/* The answer for the head scanned: 0 to serve it, else 400 or 501 (and s->why). */
static int scan_end(struct head_scan *s, bool http10)
{
	if (!s->status && !scan_break(s, s->size, 2))
		scan_refuse(s, 400, SCAN_HIDDEN);
	if (s->status)
		return s->status;
	/* RFC 9112 3.2: exactly one Host in HTTP/1.1, and a valid one */
	if (http10 ? s->hosts > 1 : s->hosts != 1)
		scan_refuse(s, 400, "a request needs exactly one Host header");
	else if (s->hosts && !scan_host_valid(s->host))
		scan_refuse(s, 400, "the Host header is not a host name or address");
	/* RFC 9112 6.1 and 6.3: one framing, which libmicrohttpd and any proxy read alike */
	else if (s->codings && s->lengths)
		scan_refuse(s, 400, "both Content-Length and Transfer-Encoding");
	else if (s->codings && http10)
		scan_refuse(s, 400, "Transfer-Encoding in an HTTP/1.0 request");
	else if (s->codings && (s->codings > 1 || !str_ieq_n("chunked", s->coding.p, s->coding.n)))
		scan_refuse(s, scan_ends_chunked(s->coding) ? 501 : 400,
			    "the only Transfer-Encoding taken is chunked");
	else if (s->lengths > 1)
		scan_refuse(s, 400, "more than one Content-Length");
	return s->status;
}

/* Checks the head of a request on the handler's first call: 0 to serve it, else the status
 * to refuse it with, and why. */
static int head_check(struct MHD_Connection *conn, const struct req_state *rs, const char *method,
		      const char *url, const char *version, const char **why)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (!ci) {
		*why = "the request head could not be read";
		return 400;
	}
	/* libmicrohttpd counted the head's bytes as it read them */
	if (ci->header_size > HEAD_CAP) {
		bool line = strlen(method) + rs->uri_len + strlen(version) + 2 > HEAD_CAP;
		*why = line ? "the request line is longer than 16 KiB"
			    : "the request head is longer than 16 KiB";
		return line ? 414 : 431;
	}
	struct head_scan s;
	scan_start(&s, method, ci->header_size, url, rs->uri_len, rs->uri_nul, version);
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, scan_each, &s);
	int status = scan_end(&s, strcmp(version, MHD_HTTP_VERSION_1_0) == 0);
	*why = s.why;
	return status;
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

/* A request refused for its head: answered on the handler's first call, before any body is
 * read, so libmicrohttpd closes the connection after the answer (and Connection: close says
 * so); bytes after the head never run as another request. Router-less, so the problem body
 * and the headers every answer carries are written here. */
static enum MHD_Result refuse(struct MHD_Connection *conn, struct req_state *rs, int status,
			      const char *why)
{
	static const struct {
		int status;
		const char *name, *title;
	} kinds[] = { { 414, "uri-too-long", "URI too long" },
		      { 431, "header-too-large", "Request header fields too large" },
		      { 501, "not-implemented", "Not implemented" } };
	static const char *const headers[][2] = {
		{ "Connection", "close" },
		{ "X-Content-Type-Options", "nosniff" },
		{ "Referrer-Policy", "no-referrer" },
		{ "X-Frame-Options", "DENY" },
		{ "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'" },
		{ "Cache-Control", "no-store" },
	};
	const char *name = err_name(ERR_BAD_REQUEST), *title = err_title(ERR_BAD_REQUEST);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].status == status) {
			name = kinds[i].name;
			title = kinds[i].title;
		}
	struct http_resp resp;
	memset(&resp, 0, sizeof(resp));
	buf_init(&resp.body, 0);
	resp.status = status;
	resp.content_type = "application/problem+json";
	buf_adds(&resp.body, "{\"type\":\"urn:custos:problem:");
	buf_adds(&resp.body, name);
	buf_adds(&resp.body, "\",\"title\":");
	buf_add_json_str(&resp.body, title, strlen(title));
	buf_adds(&resp.body, ",\"status\":");
	buf_add_i64(&resp.body, status);
	buf_adds(&resp.body, ",\"detail\":");
	buf_add_json_str(&resp.body, why, strlen(why));
	buf_addc(&resp.body, '}');
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		http_set_header(&rs->req, &resp, headers[i][0], headers[i][1]);
	rs->answered = true;
	enum MHD_Result ret = send_resp(conn, &resp);
	buf_free(&resp.body);
	return ret;
}

/* libmicrohttpd's URI log callback: it sees the request target as sent, before %-decoding,
 * once per request. What it returns becomes the request's context until the handler's first
 * call puts the request's state there: the target's length and whether it holds a %00, as an
 * odd number (an allocation's address is even). Nothing is allocated here: libmicrohttpd
 * 0.9.75 does not tell on_completed of every request it refuses itself after this callback
 * (too many query parameters for its pool, for one). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	uintptr_t nul = 0;
	size_t n = 0;
	for (; uri[n]; n++)
		if (uri[n] == '%' && uri[n + 1] == '0' && uri[n + 2] == '0')
			nul = 2;
	return (void *)(((uintptr_t)n << 2) | nul | 1);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct app *app = cls;
	struct req_state *rs = *con_cls;
	uintptr_t target = (uintptr_t)rs;
	if (!rs)
		return MHD_NO; /* on_uri leaves its note before every first call */
	if (target & 1) {
		rs = calloc(1, sizeof(*rs));
		if (!rs)
			return MHD_NO;
		arena_init(&rs->arena, 64u << 20);
		rs->req.a = &rs->arena;
		rs->req.conn = conn;
		rs->uri_len = (size_t)(target >> 2);
		rs->uri_nul = target & 2;
		*con_cls = rs;
		const char *why = NULL;
		int status = head_check(conn, rs, method, url, version, &why);
		if (status) {
			log_info("http: %d for a request head: %s", status, why);
			return refuse(conn, rs, status, why);
		}
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
		/* answer on a later call, so libmicrohttpd keeps the connection alive */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!rs->req.body_too_large && !rs->answered) {
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
	if (!rs || ((uintptr_t)rs & 1))
		return; /* on_uri's note, or nothing */
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
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, app->cfg.threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
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
