/* assets.h - the web UI's static files (web/), embedded in the binary at build time by
 * scripts/embed.py and served under /static/ with a content hash as ETag. */
#ifndef CUSTOS_ASSETS_H
#define CUSTOS_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *name; /* file name, e.g. "custos.css" */
	const char *type; /* Content-Type */
	size_t len;
	const char *data;
};

extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* web_assets[i]'s version: 16 hex digits of its content hash, the ETag and the ?v= of links. */
const char *web_asset_version(size_t i);

#endif
