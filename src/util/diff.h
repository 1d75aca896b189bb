/* diff.h - a line diff between two versions of a text (Myers' O(ND) algorithm in linear
 * space) and its rendering as an HTML table with context. Capped in lines and edits so one
 * request cannot make it slow; nothing here knows about documents or HTTP. */
#ifndef CUSTOS_DIFF_H
#define CUSTOS_DIFF_H

#include <stddef.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"

#define DIFF_MAX_LINES 20000	  /* per side */
#define DIFF_MAX_EDITS 4000	  /* lines deleted plus lines inserted */
#define DIFF_MAX_BYTES (8u << 20) /* per side */

enum diff_kind {
	DIFF_EQUAL,
	DIFF_DELETE,
	DIFF_INSERT,
};

/* A run of lines of one kind. old_at and new_at are where the run starts on each side
 * (0-based; for an insert old_at is the old line it goes before, and the other way round). */
struct diff_op {
	enum diff_kind kind;
	size_t old_at, new_at;
	size_t n;
};

/* The lines borrow the texts given to diff_lines(), which must outlive the diff; everything
 * else lives in the arena. Lines carry no terminator (\n, \r\n and a lone \r all end one),
 * so a CRLF text and its LF copy are equal, and a last line without \n equals one with. */
struct diff {
	struct arena *a; /* for diff_html's scratch space */
	const struct str *old_lines, *new_lines;
	size_t old_n, new_n;
	const struct diff_op *ops; /* in order; deletes come before inserts in a change */
	size_t n_ops;
	size_t added, removed; /* lines */
};

/* Diffs old_text[0..on) against new_text[0..nn) with the fewest deleted plus inserted lines.
 * ERR_TOO_LARGE past DIFF_MAX_BYTES or DIFF_MAX_LINES on a side or when more than
 * DIFF_MAX_EDITS lines would change; ERR_NOMEM when the arena is full. */
enum err diff_lines(struct arena *a, const char *old_text, size_t on, const char *new_text,
		    size_t nn, struct diff *out) WUR;

/* Lines added and removed (either pointer may be NULL). */
void diff_stats(const struct diff *d, size_t *added, size_t *removed);

/* Appends a unified view to out: <table class="diff"> with a row per line (class eq, del or
 * ins; cells ln, ln, sign, text: old and new line numbers, "-"/"+" and the text, deleted text
 * in <del>, inserted in <ins>, changed words of a changed line pair in <mark>), `context`
 * equal lines around each change and a row of class skip reading "…" for the equal lines
 * left out. Every text is escaped. Writes nothing when the texts are equal. */
void diff_html(struct buf *out, const struct diff *d, int context);

#endif
