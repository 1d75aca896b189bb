/* respond.c - JSON and problem+json answers. */
#include "http/respond.h"

#include <string.h>

#include "util/html.h"

void respond_json(struct ctx *c, int status)
{
	c->resp->status = status;
	c->resp->content_type = "application/json";
}

void respond_problem(struct ctx *c, enum err e, const char *detail, const struct verrors *ve)
{
	struct buf *b = &c->resp->body;
	buf_reset(b);
	c->resp->status = err_http_status(e);
	c->resp->content_type = "application/problem+json";
	buf_adds(b, "{\"type\":\"");
	buf_adds(b, "urn:custos:problem:");
	buf_adds(b, err_name(e));
	buf_adds(b, "\",\"title\":");
	buf_add_json_str(b, err_title(e), strlen(err_title(e)));
	buf_adds(b, ",\"status\":");
	buf_add_i64(b, c->resp->status);
	if (detail) {
		buf_adds(b, ",\"detail\":");
		buf_add_json_str(b, detail, strlen(detail));
	}
	if (ve && ve->n) {
		buf_adds(b, ",\"errors\":[");
		for (size_t i = 0; i < ve->n; i++) {
			if (i)
				buf_addc(b, ',');
			buf_adds(b, "{\"field\":");
			if (ve->items[i].field)
				buf_add_json_str(b, ve->items[i].field, strlen(ve->items[i].field));
			else
				buf_adds(b, "null");
			buf_adds(b, ",\"message\":");
			buf_add_json_str(b, ve->items[i].message, strlen(ve->items[i].message));
			buf_addc(b, '}');
		}
		buf_addc(b, ']');
	}
	buf_addc(b, '}');
}

void respond_field_error(struct ctx *c, enum err e, const char *field, const char *message)
{
	struct verrors ve = { 0 };
	verrors_add(&ve, field, message);
	const char *detail = field ? arena_printf(c->a, "%s %s", field, message) : message;
	respond_problem(c, e, detail, &ve);
}

void respond_attachment(struct ctx *c, const char *name, bool user_named)
{
	struct buf h;
	buf_init(&h, 4096);
	buf_adds(&h, "attachment; filename=\"");
	for (const char *p = name; *p; p++)
		buf_addc(&h, (unsigned char)*p < 0x80 && *p >= 0x20 && *p != '"' && *p != '\\'
				     ? *p
				     : '_');
	buf_addc(&h, '"');
	if (user_named) {
		buf_adds(&h, "; filename*=UTF-8''");
		url_esc(&h, name);
	}
	http_set_header(c->req, c->resp, "Content-Disposition",
			buf_failed(&h) ? "attachment" : buf_cstr(&h));
	buf_free(&h);
}

void respond_throttled(struct ctx *c, int64_t wait, const char *what)
{
	char secs[24];
	snprintf(secs, sizeof(secs), "%lld", (long long)wait);
	http_set_header(c->req, c->resp, "Retry-After", secs);
	respond_problem(c, ERR_THROTTLED,
			arena_printf(c->a, "too many failed %s; try again in %lld seconds", what,
				     (long long)wait),
			NULL);
}
