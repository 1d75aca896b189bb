/* static.c - the embedded CSS and JavaScript, with an ETag from their content and a year of
 * caching: page links carry a version, so a new build is fetched at once. */
#include <pthread.h>
#include <string.h>

#include "http/assets.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "util/crypto.h"

#define MAX_ASSETS 16

/* Each file's version (64 bits of its BLAKE2b, as hex), computed once: every page links to the
 * files with it, so it must not cost a hash per page. */
static char versions[MAX_ASSETS][17];
static pthread_once_t versions_once = PTHREAD_ONCE_INIT;

static void compute_versions(void)
{
	for (size_t i = 0; i < web_assets_count && i < MAX_ASSETS; i++) {
		char hash[CRYPTO_HASH_HEX];
		crypto_hash_hex(web_assets[i].data, web_assets[i].len, NULL, 0, hash);
		memcpy(versions[i], hash, 16);
		versions[i][16] = '\0';
	}
}

const char *web_asset_version(size_t i)
{
	pthread_once(&versions_once, compute_versions);
	return i < MAX_ASSETS ? versions[i] : "";
}

void static_get(struct ctx *c)
{
	const char *name = c->nparams ? c->params[0] : "";
	for (size_t i = 0; i < web_assets_count; i++) {
		const struct web_asset *w = &web_assets[i];
		if (strcmp(w->name, name) != 0)
			continue;
		char etag[24];
		snprintf(etag, sizeof(etag), "\"%s\"", web_asset_version(i));
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
