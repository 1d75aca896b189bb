/* pdf.h - a published document as an A4 PDF made in-process with libharu: title block,
 * metadata, approval sign-offs, then the Markdown body; a footer with "Page X of Y" on every
 * page. Knows nothing of registers or HTTP: the caller hands over plain strings. */
#ifndef CUSTOS_PDF_H
#define CUSTOS_PDF_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define PDF_MAX_PAGES	 500
#define PDF_MAX_OUTPUT	 (64u << 20) /* bytes of PDF, whatever the buffer's own cap */
#define PDF_MAX_MARKDOWN (16u << 20) /* a body this long would not fit PDF_MAX_PAGES anyway */

/* One row of the metadata table: "Version" / "3", "Review date" / "2027-11-01". */
struct pdf_meta {
	const char *label, *value;
};

/* One approval sign-off; hash is the BLAKE2b hex digest the sign-off covered. */
struct pdf_signoff {
	const char *who, *role, *at, *hash;
};

/* Every string is UTF-8 and may be NULL (shown as empty); org and footer may be NULL. The
 * body is Markdown (CommonMark with tables); raw HTML in it is shown as text, never run. */
struct pdf_doc {
	const char *title, *org;
	const struct pdf_meta *meta;
	size_t nmeta;
	const struct pdf_signoff *signoffs;
	size_t nsignoffs;
	const char *markdown;
	size_t markdown_len;
	const char *footer; /* e.g. "POL-001 v3 - approved 2026-11-01" */
};

/* Appends the PDF of d to out. ERR_BAD_REQUEST when a string is not valid UTF-8 (or holds a
 * NUL); ERR_TOO_LARGE past PDF_MAX_MARKDOWN bytes of body, PDF_MAX_PAGES pages,
 * PDF_MAX_OUTPUT bytes or out's cap; ERR_NOMEM or ERR_INTERNAL when libharu fails. out is left
 * as it was on any error. */
enum err pdf_render(const struct pdf_doc *d, struct buf *out) WUR;

#endif
