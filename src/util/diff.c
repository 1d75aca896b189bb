/* diff.c - Myers' O(ND) diff in linear space ("An O(ND) Difference Algorithm and Its
 * Variations", 1986, section 4b) over interned lines, and its HTML view. Sub-problems go on a
 * fixed explicit stack, never the C stack; all memory comes from the caller's arena. */
#include "util/diff.h"

#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/html.h"

/* A changed line pair longer than this many tokens is shown without word highlighting. */
#define DIFF_MAX_TOKENS 1024

/* Two sequences of ids to compare and the search's scratch space. */
struct myers {
	const uint32_t *a, *b;
	uint8_t *del, *ins; /* out: a[i] deleted, b[j] inserted */
	int32_t *vf, *vb;   /* len(a) + len(b) + 3 slots each */
};

struct range {
	long a0, a1, b0, b1;
};

/* Finds a point (x, y), relative to r, on a shortest edit path through r that splits it into
 * halves of at most ceil(D/2) edits each, D being the path's edits; ERR_TOO_LARGE when
 * D > limit.
 *
 * vf[k] is the furthest x on diagonal k = x - y reachable from (0, 0) with at most d edits,
 * vb[k] the smallest x reachable backwards from the end. A diagonal only ever holds values
 * for one parity of d, so a slot not rewritten at step d still holds its d - 2 value, which
 * is why "at most" costs nothing. Points stay on the grid: a move off an edge is replaced by
 * the neighbouring point on the edge, which is reachable with as few edits. */
static enum err split(struct myers *m, const struct range *r, long limit, long *sx, long *sy)
{
	const uint32_t *A = m->a + r->a0, *B = m->b + r->b0;
	long n = r->a1 - r->a0, mm = r->b1 - r->b0, delta = n - mm;
	bool odd = delta % 2 != 0;
	int32_t *vf = m->vf + mm + 1, *vb = m->vb + mm + 1; /* k in [-mm - 1, n + 1] */
	for (long k = -mm - 1; k <= n + 1; k++) {
		vf[k] = -1;
		vb[k] = (int32_t)(n + 1);
	}
	for (long d = 0; d <= (n + mm) / 2 + 1; d++) {
		if (2 * d - 1 > limit)
			return ERR_TOO_LARGE;
		long lo = d < mm ? -d : -mm, hi = d < n ? d : n;
		lo += (lo + d) & 1;
		hi -= (hi + d) & 1;
		for (long k = lo; k <= hi; k += 2) {
			long x = d == 0 ? 0 : -1;
			if (d && vf[k - 1] >= 0) /* right from k - 1 */
				x = vf[k - 1] < n ? vf[k - 1] + 1 : n;
			if (d && vf[k + 1] >= 0) { /* down from k + 1 */
				long x2 = vf[k + 1] - (k + 1) < mm ? vf[k + 1] : vf[k + 1] - 1;
				x = x2 > x ? x2 : x;
			}
			if (x >= 0) {
				long y = x - k;
				assert(x <= n && y >= 0 && y <= mm);
				while (x < n && y < mm && A[x] == B[y])
					x++, y++;
				if (x > vf[k])
					vf[k] = (int32_t)x;
			}
			if (odd && vf[k] >= 0 && vf[k] >= vb[k]) {
				*sx = vf[k];
				*sy = vf[k] - k; /* D = 2d - 1 */
				return ERR_OK;
			}
		}
		if (2 * d > limit)
			return ERR_TOO_LARGE;
		lo = delta - d < -mm ? -mm : delta - d;
		hi = delta + d > n ? n : delta + d;
		lo += (lo - delta + d) & 1;
		hi -= (hi - delta + d) & 1;
		for (long k = lo; k <= hi; k += 2) {
			long x = d == 0 ? n : n + 1;
			if (d && vb[k + 1] <= n) /* left from k + 1 */
				x = vb[k + 1] > 0 ? vb[k + 1] - 1 : 0;
			if (d && vb[k - 1] <= n) { /* up from k - 1 */
				long x2 = vb[k - 1] - (k - 1) > 0 ? vb[k - 1] : vb[k - 1] + 1;
				x = x2 < x ? x2 : x;
			}
			if (x <= n) {
				long y = x - k;
				assert(x >= 0 && y >= 0 && y <= mm);
				while (x > 0 && y > 0 && A[x - 1] == B[y - 1])
					x--, y--;
				if (x < vb[k])
					vb[k] = (int32_t)x;
			}
			if (!odd && vb[k] <= n && vb[k] <= vf[k]) {
				*sx = vb[k];
				*sy = vb[k] - k; /* D = 2d */
				return ERR_OK;
			}
		}
	}
	assert(!"no middle point"); /* D <= n + mm, so the loop always finds one */
	return ERR_INTERNAL;
}

/* Marks m->del and m->ins for a shortest edit script from a[0..n) to b[0..mm); the first
 * split is refused past limit edits, and every later one has fewer edits than the first. Each
 * split at least halves D, so the stack holds fewer than 2 + log2(D) ranges. */
static enum err myers_diff(struct myers *m, long n, long mm, long limit)
{
	struct range stack[64];
	size_t top = 0;
	if (n - mm > limit || mm - n > limit)
		return ERR_TOO_LARGE; /* at least |n - mm| lines change */
	stack[top++] = (struct range){ 0, n, 0, mm };
	for (bool first = true; top; first = false) {
		struct range r = stack[--top];
		while (r.a0 < r.a1 && r.b0 < r.b1 && m->a[r.a0] == m->b[r.b0])
			r.a0++, r.b0++;
		while (r.a0 < r.a1 && r.b0 < r.b1 && m->a[r.a1 - 1] == m->b[r.b1 - 1])
			r.a1--, r.b1--;
		if (r.a0 == r.a1 || r.b0 == r.b1) {
			if (first && (r.a1 - r.a0) + (r.b1 - r.b0) > limit)
				return ERR_TOO_LARGE;
			memset(m->del + r.a0, 1, (size_t)(r.a1 - r.a0));
			memset(m->ins + r.b0, 1, (size_t)(r.b1 - r.b0));
			continue;
		}
		long x, y;
		enum err e = split(m, &r, first ? limit : LONG_MAX, &x, &y);
		if (e)
			return e;
		if (top + 2 > sizeof(stack) / sizeof(stack[0]))
			return ERR_INTERNAL;
		stack[top++] = (struct range){ r.a0 + x, r.a1, r.b0 + y, r.b1 };
		stack[top++] = (struct range){ r.a0, r.a0 + x, r.b0, r.b0 + y };
	}
	return ERR_OK;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3u;
	return h ^ (h >> 29);
}

/* The hash table size for interning n strings: a power of two at least 2n. */
static size_t slots_for(size_t n)
{
	size_t s = 16;
	while (s < 2 * n)
		s *= 2;
	return s;
}

/* Gives every string of s1 and s2 an id, equal ids for equal bytes: the index of its first
 * occurrence in s1 followed by s2. slot has nslot (a power of two > n1 + n2) entries. */
static void intern(const struct str *s1, size_t n1, const struct str *s2, size_t n2, uint32_t *slot,
		   size_t nslot, uint32_t *id1, uint32_t *id2)
{
	memset(slot, 0, nslot * sizeof(*slot));
	for (size_t g = 0; g < n1 + n2; g++) {
		const struct str *s = g < n1 ? &s1[g] : &s2[g - n1];
		size_t h = (size_t)hash_bytes(s->p, s->n) & (nslot - 1);
		uint32_t id = (uint32_t)g;
		for (;; h = (h + 1) & (nslot - 1)) {
			if (!slot[h]) {
				slot[h] = (uint32_t)g + 1;
				break;
			}
			size_t o = slot[h] - 1;
			const struct str *t = o < n1 ? &s1[o] : &s2[o - n1];
			if (t->n == s->n && !memcmp(t->p, s->p, s->n)) {
				id = (uint32_t)o;
				break;
			}
		}
		if (g < n1)
			id1[g] = id;
		else
			id2[g - n1] = id;
	}
}

/* Splits s into lines: \n, \r\n or a lone \r ends one, and a last line needs no end. */
static enum err split_lines(struct arena *a, const char *s, size_t n, const struct str **out,
			    size_t *count)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'));
	c += n && s[n - 1] != '\n' && s[n - 1] != '\r';
	if (c > DIFF_MAX_LINES)
		return ERR_TOO_LARGE;
	struct str *l = arena_alloc_raw(a, (c ? c : 1) * sizeof(*l));
	if (!l)
		return ERR_NOMEM;
	size_t k = 0, start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n' && s[i] != '\r')
			continue;
		l[k++] = (struct str){ s + start, i - start };
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	if (start < n)
		l[k++] = (struct str){ s + start, n - start };
	assert(k == c);
	*out = l;
	*count = c;
	return ERR_OK;
}

/* Turns the marks into runs (ops may be NULL to count them). Within a change, all deleted
 * lines come before all inserted ones: with no equal line between them, order is free. */
static size_t make_ops(const uint8_t *del, size_t on, const uint8_t *ins, size_t nn,
		       struct diff_op *ops)
{
	size_t i = 0, j = 0, k = 0;
	while (i < on || j < nn) {
		size_t i0 = i, j0 = j;
		while ((i < on && del[i]) || (j < nn && ins[j])) {
			while (i < on && del[i])
				i++;
			while (j < nn && ins[j])
				j++;
		}
		if (i > i0 && ops)
			ops[k] = (struct diff_op){ DIFF_DELETE, i0, j0, i - i0 };
		k += i > i0;
		if (j > j0 && ops)
			ops[k] = (struct diff_op){ DIFF_INSERT, i, j0, j - j0 };
		k += j > j0;
		size_t e0 = i, f0 = j;
		while (i < on && j < nn && !del[i] && !ins[j])
			i++, j++;
		if (i > e0 && ops)
			ops[k] = (struct diff_op){ DIFF_EQUAL, e0, f0, i - e0 };
		k += i > e0;
		if (i == i0 && j == j0) {
			assert(!"unpaired equal line"); /* the marks leave as many on each side */
			break;
		}
	}
	return k;
}

enum err diff_lines(struct arena *a, const char *old_text, size_t on, const char *new_text,
		    size_t nn, struct diff *out)
{
	memset(out, 0, sizeof(*out));
	out->a = a;
	if (on > DIFF_MAX_BYTES || nn > DIFF_MAX_BYTES)
		return ERR_TOO_LARGE;
	size_t oc, nc;
	enum err e = split_lines(a, old_text, on, &out->old_lines, &oc);
	if (!e)
		e = split_lines(a, new_text, nn, &out->new_lines, &nc);
	if (e)
		return e;
	out->old_n = oc;
	out->new_n = nc;
	size_t total = oc + nc, nslot = slots_for(total);
	uint32_t *slot = arena_alloc_raw(a, nslot * sizeof(uint32_t));
	uint32_t *ida = arena_alloc_raw(a, (oc + 1) * sizeof(uint32_t));
	uint32_t *idb = arena_alloc_raw(a, (nc + 1) * sizeof(uint32_t));
	struct myers m = {
		.a = ida,
		.b = idb,
		.del = arena_alloc(a, oc + 1),
		.ins = arena_alloc(a, nc + 1),
		.vf = arena_alloc_raw(a, (total + 3) * sizeof(int32_t)),
		.vb = arena_alloc_raw(a, (total + 3) * sizeof(int32_t)),
	};
	if (!slot || !ida || !idb || !m.del || !m.ins || !m.vf || !m.vb)
		return ERR_NOMEM;
	intern(out->old_lines, oc, out->new_lines, nc, slot, nslot, ida, idb);
	e = myers_diff(&m, (long)oc, (long)nc, DIFF_MAX_EDITS);
	if (e)
		return e;
	size_t nops = make_ops(m.del, oc, m.ins, nc, NULL);
	struct diff_op *ops = arena_alloc_raw(a, (nops + 1) * sizeof(*ops));
	if (!ops)
		return ERR_NOMEM;
	out->n_ops = make_ops(m.del, oc, m.ins, nc, ops);
	out->ops = ops;
	for (size_t i = 0; i < oc; i++)
		out->removed += m.del[i];
	for (size_t j = 0; j < nc; j++)
		out->added += m.ins[j];
	return ERR_OK;
}

void diff_stats(const struct diff *d, size_t *added, size_t *removed)
{
	if (added)
		*added = d->added;
	if (removed)
		*removed = d->removed;
}

/* Scratch space for the word diff of one changed line pair, allocated once per view. */
struct words {
	struct str ta[DIFF_MAX_TOKENS], tb[DIFF_MAX_TOKENS];
	uint32_t ia[DIFF_MAX_TOKENS], ib[DIFF_MAX_TOKENS];
	uint32_t slot[4 * DIFF_MAX_TOKENS];
	uint8_t da[DIFF_MAX_TOKENS], db[DIFF_MAX_TOKENS];
	int32_t vf[2 * DIFF_MAX_TOKENS + 3], vb[2 * DIFF_MAX_TOKENS + 3];
};

static bool word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* Cuts a line into words (letters, digits and any non-ASCII character), runs of blanks and
 * single punctuation marks. Returns the count, or cap + 1 when there are more. */
static size_t tokenize(struct str line, struct str *t, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < line.n;) {
		unsigned char c = (unsigned char)line.p[i];
		size_t j = i + 1;
		if (word_byte(c)) {
			while (j < line.n && word_byte((unsigned char)line.p[j]))
				j++;
		} else if (c == ' ' || c == '\t') {
			while (j < line.n && (line.p[j] == ' ' || line.p[j] == '\t'))
				j++;
		}
		if (n == cap)
			return cap + 1;
		t[n++] = (struct str){ line.p + i, j - i };
		i = j;
	}
	return n;
}

/* Word-diffs a changed line pair into w->da / w->db. False when the lines share too little
 * for highlighting to help (fewer than half the words of the shorter one), are too long, or
 * the diff fails: the caller then shows the lines whole. */
static bool diff_words(struct words *w, struct str old_line, struct str new_line, size_t *na,
		       size_t *nb)
{
	*na = tokenize(old_line, w->ta, DIFF_MAX_TOKENS);
	*nb = tokenize(new_line, w->tb, DIFF_MAX_TOKENS);
	if (*na > DIFF_MAX_TOKENS || *nb > DIFF_MAX_TOKENS)
		return false;
	intern(w->ta, *na, w->tb, *nb, w->slot, slots_for(*na + *nb), w->ia, w->ib);
	memset(w->da, 0, *na);
	memset(w->db, 0, *nb);
	struct myers m = { w->ia, w->ib, w->da, w->db, w->vf, w->vb };
	if (myers_diff(&m, (long)*na, (long)*nb, LONG_MAX))
		return false;
	size_t words_a = 0, words_b = 0, shared = 0;
	for (size_t i = 0; i < *na; i++) {
		bool word = w->ta[i].p[0] != ' ' && w->ta[i].p[0] != '\t';
		words_a += word;
		shared += word && !w->da[i];
	}
	for (size_t j = 0; j < *nb; j++)
		words_b += w->tb[j].p[0] != ' ' && w->tb[j].p[0] != '\t';
	size_t fewer = words_a < words_b ? words_a : words_b;
	return fewer && shared * 2 >= fewer;
}

/* Writes the tokens escaped, runs of changed ones in <mark> (a blank between two changed
 * tokens joins the run). */
static void marked_text(struct buf *b, const struct str *t, const uint8_t *changed, size_t n)
{
	bool open = false;
	for (size_t i = 0; i < n; i++) {
		bool c = changed[i] || (open && i + 1 < n && changed[i + 1] &&
					(t[i].p[0] == ' ' || t[i].p[0] == '\t'));
		if (c != open)
			buf_adds(b, c ? "<mark>" : "</mark>");
		open = c;
		html_escn(b, t[i].p, t[i].n);
	}
	if (open)
		buf_adds(b, "</mark>");
}

/* One table row; a line number of 0 leaves its cell empty. */
static void row_open(struct buf *b, const char *cls, size_t old_no, size_t new_no, const char *sign)
{
	buf_adds(b, "<tr class=\"");
	buf_adds(b, cls);
	buf_adds(b, "\"><td class=\"ln\">");
	if (old_no)
		buf_add_i64(b, (int64_t)old_no);
	buf_adds(b, "</td><td class=\"ln\">");
	if (new_no)
		buf_add_i64(b, (int64_t)new_no);
	buf_adds(b, "</td><td class=\"sign\">");
	buf_adds(b, sign);
	buf_adds(b, "</td><td class=\"text\">");
}

static void row_close(struct buf *b)
{
	buf_adds(b, "</td></tr>\n");
}

static void equal_rows(struct buf *b, const struct diff *d, size_t i, size_t j, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		row_open(b, "eq", i + k + 1, j + k + 1, "");
		html_escn(b, d->old_lines[i + k].p, d->old_lines[i + k].n);
		row_close(b);
	}
}

static void skip_row(struct buf *b)
{
	row_open(b, "skip", 0, 0, "");
	buf_adds(b, "\xE2\x80\xA6"); /* … */
	row_close(b);
}

/* The rows of a change: del->n deleted lines then ins->n inserted ones (either may be NULL).
 * The k-th deleted and k-th inserted lines are taken as a pair for word highlighting. */
static void change_rows(struct buf *b, const struct diff *d, struct words *w,
			const struct diff_op *del, const struct diff_op *ins)
{
	size_t pairs = del && ins ? (del->n < ins->n ? del->n : ins->n) : 0;
	for (int side = 0; side < 2; side++) {
		const struct diff_op *op = side ? ins : del;
		if (!op)
			continue;
		for (size_t k = 0; k < op->n; k++) {
			struct str line =
				side ? d->new_lines[op->new_at + k] : d->old_lines[op->old_at + k];
			if (side)
				row_open(b, "ins", 0, op->new_at + k + 1, "+");
			else
				row_open(b, "del", op->old_at + k + 1, 0, "-");
			buf_adds(b, side ? "<ins>" : "<del>");
			size_t na, nb;
			if (w && k < pairs &&
			    diff_words(w, d->old_lines[del->old_at + k],
				       d->new_lines[ins->new_at + k], &na, &nb)) {
				if (side)
					marked_text(b, w->tb, w->db, nb);
				else
					marked_text(b, w->ta, w->da, na);
			} else {
				html_escn(b, line.p, line.n);
			}
			buf_adds(b, side ? "</ins>" : "</del>");
			row_close(b);
		}
	}
}

void diff_html(struct buf *out, const struct diff *d, int context)
{
	if (!d->added && !d->removed)
		return;
	size_t ctx = context > 0 ? (size_t)context : 0;
	/* without scratch space the lines are shown whole */
	struct words *w = d->a ? arena_alloc_raw(d->a, sizeof(*w)) : NULL;
	buf_adds(out, "<table class=\"diff\"><tbody>\n");
	for (size_t i = 0; i < d->n_ops; i++) {
		const struct diff_op *op = &d->ops[i];
		if (op->kind == DIFF_EQUAL) {
			size_t head = i == 0 ? 0 : (ctx < op->n ? ctx : op->n);
			size_t tail =
				i + 1 == d->n_ops ? 0 : (ctx < op->n - head ? ctx : op->n - head);
			if (head + tail + 1 >= op->n) { /* a "…" for one line hides nothing */
				equal_rows(out, d, op->old_at, op->new_at, op->n);
				continue;
			}
			equal_rows(out, d, op->old_at, op->new_at, head);
			skip_row(out);
			size_t k = op->n - tail;
			equal_rows(out, d, op->old_at + k, op->new_at + k, tail);
		} else if (op->kind == DIFF_DELETE && i + 1 < d->n_ops &&
			   d->ops[i + 1].kind == DIFF_INSERT) {
			change_rows(out, d, w, op, &d->ops[i + 1]);
			i++;
		} else {
			change_rows(out, d, w, op->kind == DIFF_DELETE ? op : NULL,
				    op->kind == DIFF_INSERT ? op : NULL);
		}
	}
	buf_adds(out, "</tbody></table>\n");
}
