/* csv.h - RFC 4180 output: one field or the end of a record appended to a buffer. Only the
 * encoding lives here; what a cell holds (and the formula guard) is decided by export.c. */
#ifndef CUSTOS_CSV_H
#define CUSTOS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Appends one field, preceded by a comma unless first. prefix (may be NULL) is written before
 * s as part of the same field; the field is quoted when it holds a comma, a quote or a line
 * break, and quotes inside are doubled. */
void csv_field(struct buf *b, bool first, const char *prefix, const char *s, size_t n);
/* Ends a record with CRLF, as RFC 4180 writes it. */
void csv_end_record(struct buf *b);

#endif
