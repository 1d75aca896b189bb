/* multipart.h - multipart/form-data bodies (RFC 7578: HTML forms with a file input), split into
 * named parts. Contents point into the body, nothing is copied but names; counts and sizes
 * are capped, and anything malformed is refused rather than guessed at. */
#ifndef CUSTOS_MULTIPART_H
#define CUSTOS_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/err.h"
#include "util/form.h"

#define MULTIPART_MAX_PARTS	   32
#define MULTIPART_MAX_HEADERS	   8	/* header lines of one part */
#define MULTIPART_MAX_HEADER_LINE  1024 /* bytes of one header line */
#define MULTIPART_MAX_BOUNDARY_LEN 70	/* RFC 2046 */

struct multipart {
	size_t n;
	struct multipart_part {
		const char *name;	  /* Content-Disposition: form-data; name="..." */
		const char *filename;	  /* NULL unless the part is a file ("" when none chosen) */
		const char *content_type; /* NULL when the part names none */
		const char *data;	  /* the content, inside the body */
		size_t n;
	} parts[MULTIPART_MAX_PARTS];
};

/* Whether a Content-Type header names multipart/form-data. */
bool multipart_is_form(const char *content_type);

/* Splits body[0..n) at the boundary content_type names. The preamble and epilogue are
 * ignored; every part needs a form-data Content-Disposition with a name. ERR_BAD_REQUEST with
 * *why for anything else (no or a bad boundary, a part not closed, too many parts or header
 * lines, a header line too long). */
enum err multipart_parse(struct arena *a, const char *content_type, const char *body, size_t n,
			 struct multipart *out, const char **why) WUR;

/* The same as the fields of a form, for pages that read forms (util/form.h): each value is a
 * NUL-terminated copy of its part. A part may not hold a NUL byte; one that is not a file must
 * be UTF-8 text (a file's bytes are the reader's business). */
enum err multipart_form(struct arena *a, const char *content_type, const char *body, size_t n,
			struct form *out, const char **why) WUR;

/* The same, for forms that upload files of any kind: file parts are left out of the form and
 * read from *files (every part, bytes as sent). */
enum err multipart_form_files(struct arena *a, const char *content_type, const char *body, size_t n,
			      struct form *out, struct multipart **files, const char **why) WUR;

#endif
