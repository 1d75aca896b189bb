/* static.c - the embedded CSS and JavaScript, with an ETag from their content and a year of
 * caching: page links carry a version, so a new build is fetched at once. */
#include <string.h>

#include "http/assets.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "util/crypto.h"

void static_get(struct ctx *c)
{
	const char *name = c->nparams ? c->params[0] : "";
	for (size_t i = 0; i < web_assets_count; i++) {
		const struct web_asset *w = &web_assets[i];
		if (strcmp(w->name, name) != 0)
			continue;
		char hash[CRYPTO_HASH_HEX];
		crypto_hash_hex(w->data, w->len, NULL, 0, hash);
		char etag[24];
		snprintf(etag, sizeof(etag), "\"%.16s\"", hash);
		http_set_header(c->req, c->resp, "ETag", etag);
		http_set_header(c->req, c->resp, "Cache-Control",
				"public, max-age=31536000, immutable");
		const char *inm = http_header(c->req, "If-None-Match");
		if (inm && strcmp(inm, etag) == 0) {
			c->resp->status = 304;
			return;
		}
		buf_add(&c->resp->body, w->data, w->len);
		c->resp->status = 200;
		c->resp->content_type = w->type;
		return;
	}
	respond_problem(c, ERR_NOT_FOUND, "no such file", NULL);
}
