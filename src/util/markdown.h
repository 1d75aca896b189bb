/* markdown.h - Markdown (CommonMark with tables and strikethrough, via md4c's parser) to HTML
 * that is safe to put in a page: our own renderer escapes every text, drops raw HTML and
 * images, and keeps only link targets that cannot run script (http, https, mailto, relative). */
#ifndef CUSTOS_MARKDOWN_H
#define CUSTOS_MARKDOWN_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Appends the HTML of s[0..n) to out. Headings start at <h3> (a record's page owns h1, h2).
 * ERR_INVALID when md4c refuses the input (out then holds the text escaped instead). */
enum err markdown_html(struct buf *out, const char *s, size_t n);

#endif
