/* textdoc.h - a policy or other document written as plain text (or already as Markdown) to
 * Markdown for util/markdown.h: numbered section lines become headings, bullets list items,
 * and the words come out exactly as written. Knows nothing of registers or pages. */
#ifndef CUSTOS_TEXTDOC_H
#define CUSTOS_TEXTDOC_H

#include <stddef.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"

#define TEXTDOC_MAX_BYTES (4u << 20)

/* Appends the Markdown for text[0..n) to out (always ending in a newline unless empty).
 * The text must be UTF-8 (no NUL); a BOM is dropped and line ends become \n.
 *
 * Text with an ATX heading line ("# ", "## " ... outside code fences) is Markdown already
 * and passes unchanged; *title is its first heading's text. Otherwise it is plain text:
 * - a short line starting with a section number ("1.", "1.1", "3.3.5", then a blank) that
 *   does not end like a sentence (. , ; : ! ?) nor run on into a lower-case next line
 *   becomes a heading one level below its number's depth ("1." -> ##, "1.1" -> ###);
 * - the title line (the first single-line paragraph before the first section that reads
 *   like a title) becomes "# title"; other lines before it stay paragraphs;
 * - lines starting with a bullet (• · ◦ ▪ ‣ ●, or - * o – and a blank) become "- " items,
 *   nested by indentation;
 * - lines of a paragraph stay together, a short line followed by a capitalised one (a
 *   term and its definition, an address) keeping its line break;
 * - characters that would otherwise be markup are escaped with a backslash.
 * *title is an arena string, or NULL when the document has none.
 *
 * ERR_BAD_REQUEST for invalid UTF-8, ERR_TOO_LARGE past TEXTDOC_MAX_BYTES, ERR_NOMEM when
 * out or the arena is full (out is then cut back to its length before the call). */
enum err textdoc_to_markdown(struct arena *a, const char *text, size_t n, struct buf *out,
			     const char **title) WUR;

#endif
