/* html.h - escaping at the sink: every value that goes into HTML markup or a URL passes
 * through one of these. Nothing else writes untrusted text into a page. */
#ifndef CUSTOS_HTML_H
#define CUSTOS_HTML_H

#include <stddef.h>

#include "util/buf.h"

/* Text content and attribute values (quoted with "): & < > " ' become entities. Invalid
 * UTF-8 and control characters other than tab and newline become U+FFFD. */
void html_esc(struct buf *b, const char *s);
void html_escn(struct buf *b, const char *s, size_t n);
/* Percent-encodes s for a query-string value or a path segment (unreserved characters kept). */
void url_esc(struct buf *b, const char *s);

#endif
