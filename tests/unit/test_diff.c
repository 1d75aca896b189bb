/* test_diff.c - the line diff: edits at every position, line ends, the caps, the HTML view
 * (escaping, context, word marks), and a property test: on many random pairs the ops
 * rebuild the new text exactly and change as few lines as a plain O(n*m) LCS says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/diff.h"

#include "rng.h"

/* The ops in short: "=2 -1 +1" for two equal lines, one deleted, one inserted. */
static const char *ops_str(struct buf *b, const struct diff *d)
{
	buf_reset(b);
	for (size_t i = 0; i < d->n_ops; i++) {
		static const char sign[] = { '=', '-', '+' };
		buf_printf(b, "%s%c%zu", i ? " " : "", sign[d->ops[i].kind], d->ops[i].n);
	}
	return buf_cstr(b);
}

static enum err run(struct arena *a, const char *o, const char *n, struct diff *d)
{
	return diff_lines(a, o, strlen(o), n, strlen(n), d);
}

static size_t count(const char *hay, const char *needle)
{
	size_t c = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		c++;
	return c;
}

static void test_edits_everywhere(void **state)
{
	(void)state;
	static const struct {
		const char *old, *new, *ops;
		size_t added, removed;
	} cases[] = {
		{ "a\nb\nc\n", "a\nb\nc\n", "=3", 0, 0 },
		{ "", "", "", 0, 0 },
		{ "", "a\nb\n", "+2", 2, 0 },
		{ "a\nb\n", "", "-2", 0, 2 },
		{ "b\nc\n", "a\nb\nc\n", "+1 =2", 1, 0 },
		{ "a\nc\n", "a\nb\nc\n", "=1 +1 =1", 1, 0 },
		{ "a\nb\n", "a\nb\nc\n", "=2 +1", 1, 0 },
		{ "a\nb\nc\n", "b\nc\n", "-1 =2", 0, 1 },
		{ "a\nb\nc\n", "a\nc\n", "=1 -1 =1", 0, 1 },
		{ "a\nb\nc\n", "a\nb\n", "=2 -1", 0, 1 },
		{ "x\nb\nc\n", "y\nb\nc\n", "-1 +1 =2", 1, 1 },
		{ "a\nx\nc\n", "a\ny\nc\n", "=1 -1 +1 =1", 1, 1 },
		{ "a\nb\nx\n", "a\nb\ny\n", "=2 -1 +1", 1, 1 },
		{ "a\nx\ny\nd\n", "a\nz\nd\n", "=1 -2 +1 =1", 1, 2 },
		{ "a\nb\n", "c\nd\n", "-2 +2", 2, 2 },
		/* line ends: CRLF, a lone CR and a missing last \n do not make a line differ */
		{ "a\r\nb\r\n", "a\nb\n", "=2", 0, 0 },
		{ "a\rb", "a\nb\n", "=2", 0, 0 },
		{ "a\nb", "a\nb\n", "=2", 0, 0 },
		{ "a\nb", "a\nc", "=1 -1 +1", 1, 1 },
		{ "\n\n", "\n", "=1 -1", 0, 1 },
		{ "a\n\nb\n", "a\nb\n", "=1 -1 =1", 0, 1 },
	};
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena a;
		arena_init(&a, 0);
		struct diff d;
		assert_int_equal(run(&a, cases[i].old, cases[i].new, &d), ERR_OK);
		assert_string_equal(ops_str(&b, &d), cases[i].ops);
		size_t added, removed;
		diff_stats(&d, &added, &removed);
		assert_int_equal(added, cases[i].added);
		assert_int_equal(removed, cases[i].removed);
		arena_free(&a);
	}
	buf_free(&b);
}

static void test_lines_carry_no_terminator(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct diff d;
	assert_int_equal(run(&a, "one\r\ntwo", "one\nthree\n", &d), ERR_OK);
	assert_int_equal(d.old_n, 2);
	assert_int_equal(d.new_n, 2);
	assert_int_equal(d.old_lines[0].n, 3);
	assert_memory_equal(d.old_lines[1].p, "two", 3);
	assert_int_equal(d.old_lines[1].n, 3);
	assert_int_equal(d.new_lines[1].n, 5);
	/* positions on both sides, for line numbers */
	assert_int_equal(d.n_ops, 3);
	assert_int_equal(d.ops[1].kind, DIFF_DELETE);
	assert_int_equal(d.ops[1].old_at, 1);
	assert_int_equal(d.ops[2].kind, DIFF_INSERT);
	assert_int_equal(d.ops[2].new_at, 1);
	arena_free(&a);
}

static const char *html(struct arena *a, struct buf *b, const char *o, const char *n, int ctx)
{
	struct diff d;
	assert_int_equal(run(a, o, n, &d), ERR_OK);
	buf_reset(b);
	diff_html(b, &d, ctx);
	assert_false(buf_failed(b));
	return buf_cstr(b);
}

static void test_html_escapes_and_marks(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct buf b;
	buf_init(&b, 0);
	const char *h = html(&a, &b, "keep\n<script>alert(1)</script>\n",
			     "keep\n<b onclick=\"x\">'bold'</b> & more\n", 3);
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<b "));
	assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(
		strstr(h, "&lt;b onclick=&quot;x&quot;&gt;&#39;bold&#39;&lt;/b&gt; &amp; more"));
	assert_non_null(strstr(h, "<table class=\"diff\">"));
	assert_non_null(strstr(h, "<tr class=\"eq\"><td class=\"ln\">1</td><td class=\"ln\">1</td>"
				  "<td class=\"sign\"></td><td class=\"text\">keep</td></tr>"));
	assert_non_null(strstr(h, "<tr class=\"del\"><td class=\"ln\">2</td><td class=\"ln\"></td>"
				  "<td class=\"sign\">-</td><td class=\"text\"><del>"));
	assert_non_null(strstr(h, "<tr class=\"ins\"><td class=\"ln\"></td><td class=\"ln\">2</td>"
				  "<td class=\"sign\">+</td><td class=\"text\"><ins>"));

	/* a changed line pair marks the words that changed, the rest as it was */
	h = html(&a, &b, "The quick brown fox jumps.\n", "The quick red fox jumps.\n", 3);
	assert_non_null(strstr(h, "<del>The quick <mark>brown</mark> fox jumps.</del>"));
	assert_non_null(strstr(h, "<ins>The quick <mark>red</mark> fox jumps.</ins>"));
	h = html(&a, &b, "Access is reviewed yearly.\n", "Access is reviewed every three months.\n",
		 3);
	assert_non_null(
		strstr(h, "<ins>Access is reviewed <mark>every three months</mark>.</ins>"));
	/* lines with little in common are shown whole */
	h = html(&a, &b, "alpha beta gamma\n", "one two three\n", 3);
	assert_non_null(strstr(h, "<del>alpha beta gamma</del>"));
	assert_null(strstr(h, "<mark>"));
	/* equal texts: nothing */
	assert_string_equal(html(&a, &b, "same\n", "same\r\n", 3), "");
	buf_free(&b);
	arena_free(&a);
}

static void test_html_context(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct buf ob, nb, b;
	buf_init(&ob, 0);
	buf_init(&nb, 0);
	buf_init(&b, 0);
	for (int i = 1; i <= 20; i++) {
		buf_printf(&ob, "line %d\n", i);
		buf_printf(&nb, i == 10 ? "changed %d\n" : "line %d\n", i);
	}
	const char *h = html(&a, &b, buf_cstr(&ob), buf_cstr(&nb), 2);
	/* … 8 9 -10 +10 11 12 … */
	assert_int_equal(count(h, "<tr class=\"skip\">"), 2);
	assert_int_equal(count(h, "<tr class=\"eq\">"), 4);
	assert_int_equal(count(h, "\xE2\x80\xA6"), 2);
	assert_non_null(strstr(h, "<td class=\"ln\">8</td><td class=\"ln\">8</td>"));
	assert_non_null(strstr(h, "<td class=\"ln\">12</td><td class=\"ln\">12</td>"));
	assert_null(strstr(h, "<td class=\"ln\">7</td>"));
	assert_null(strstr(h, "<td class=\"ln\">13</td>"));
	assert_true(strstr(h, "class=\"skip\"") < strstr(h, "line 8"));

	/* a change on the first line: no skip before it; context 0: changes only */
	buf_reset(&nb);
	buf_adds(&nb, "first\n");
	buf_add(&nb, buf_cstr(&ob) + 7, ob.len - 7);
	h = html(&a, &b, buf_cstr(&ob), buf_cstr(&nb), 3);
	assert_int_equal(count(h, "<tr class=\"skip\">"), 1);
	assert_int_equal(count(h, "<tr class=\"eq\">"), 3);
	assert_true(strstr(h, "class=\"del\"") < strstr(h, "class=\"skip\""));
	h = html(&a, &b, buf_cstr(&ob), buf_cstr(&nb), 0);
	assert_int_equal(count(h, "<tr class=\"eq\">"), 0);
	/* an equal run no longer than both contexts is shown whole */
	h = html(&a, &b, "a\nb\nc\nd\ne\n", "A\nb\nc\nd\nE\n", 2);
	assert_int_equal(count(h, "<tr class=\"skip\">"), 0);
	assert_int_equal(count(h, "<tr class=\"eq\">"), 3);
	buf_free(&ob);
	buf_free(&nb);
	buf_free(&b);
	arena_free(&a);
}

/* n lines "<prefix><i>\n" for i in [0, n), every `every`-th one replaced by "x<i>". */
static void lines(struct buf *b, const char *prefix, size_t n, size_t every)
{
	buf_reset(b);
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%zu\n", every && i % every == 0 ? "x" : prefix, i);
}

static void test_caps(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct buf o, n;
	buf_init(&o, 0);
	buf_init(&n, 0);
	struct diff d;

	/* lines per side */
	lines(&o, "l", DIFF_MAX_LINES, 0);
	assert_int_equal(diff_lines(&a, o.p, o.len, "", 0, &d), ERR_TOO_LARGE); /* 20,000 edits */
	lines(&n, "l", DIFF_MAX_LINES, 1000);
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_OK);
	assert_int_equal(d.added, 20);
	assert_int_equal(d.removed, 20);
	lines(&n, "l", DIFF_MAX_LINES + 1, 0);
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_TOO_LARGE);
	assert_int_equal(diff_lines(&a, "", 0, n.p, n.len, &d), ERR_TOO_LARGE);

	/* edits: all different, 4,000 is allowed and 4,002 is not */
	lines(&o, "a", DIFF_MAX_EDITS / 2, 0);
	lines(&n, "b", DIFF_MAX_EDITS / 2, 0);
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_OK);
	assert_int_equal(d.added + d.removed, DIFF_MAX_EDITS);
	lines(&o, "a", DIFF_MAX_EDITS / 2 + 1, 0);
	lines(&n, "b", DIFF_MAX_EDITS / 2 + 1, 0);
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_TOO_LARGE);
	/* only inserts, and a length difference alone */
	assert_int_equal(diff_lines(&a, "", 0, n.p, n.len, &d), ERR_OK);
	lines(&n, "b", DIFF_MAX_EDITS + 1, 0);
	assert_int_equal(diff_lines(&a, "", 0, n.p, n.len, &d), ERR_TOO_LARGE);
	lines(&o, "z", 3, 0); /* 4,004 edits found by the search */
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_TOO_LARGE);
	lines(&o, "b", 3, 0); /* 3,998 */
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_OK);
	lines(&n, "b", DIFF_MAX_EDITS + 4, 0); /* 4,001: too many by the lengths alone */
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_TOO_LARGE);

	/* bytes per side */
	char *big = malloc(DIFF_MAX_BYTES + 1);
	assert_non_null(big);
	memset(big, 'x', DIFF_MAX_BYTES + 1);
	assert_int_equal(diff_lines(&a, big, DIFF_MAX_BYTES + 1, "", 0, &d), ERR_TOO_LARGE);
	assert_int_equal(diff_lines(&a, big, DIFF_MAX_BYTES, big, DIFF_MAX_BYTES, &d), ERR_OK);
	free(big);

	/* a small arena fails cleanly */
	struct arena tiny;
	arena_init(&tiny, 4096);
	lines(&o, "a", 1000, 0);
	lines(&n, "a", 1000, 7);
	assert_int_equal(diff_lines(&tiny, o.p, o.len, n.p, n.len, &d), ERR_NOMEM);
	arena_free(&tiny);
	buf_free(&o);
	buf_free(&n);
	arena_free(&a);
}

/* The worst case the caps allow takes well under a second. */
static void test_worst_case_is_quick(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 64u << 20); /* a request's arena */
	struct buf o, n, h;
	buf_init(&o, 0);
	buf_init(&n, 0);
	buf_init(&h, 0);
	lines(&o, "line ", DIFF_MAX_LINES, 0);
	lines(&n, "line ", DIFF_MAX_LINES, DIFF_MAX_LINES / (DIFF_MAX_EDITS / 2));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct diff d;
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_OK);
	assert_int_equal(d.added + d.removed, DIFF_MAX_EDITS);
	diff_html(&h, &d, 3);
	assert_false(buf_failed(&h));
	/* the same with short lines */
	lines(&o, "a", DIFF_MAX_LINES, 0);
	buf_reset(&n);
	for (size_t i = 0; i < DIFF_MAX_LINES; i++)
		buf_printf(&n, "a%zu\n", i % 10 == 0 ? i + 1000000 : i);
	assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_OK);
	assert_int_equal(d.added + d.removed, DIFF_MAX_EDITS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("two 20,000-line diffs with 4,000 edits and one view: %.0f ms\n", ms);
	assert_true(ms < 5000); /* generous for sanitizer builds */
	buf_free(&o);
	buf_free(&n);
	buf_free(&h);
	arena_free(&a);
}

static struct rng rng = { 0x9E3779B97F4A7C15u };

static uint32_t rnd(uint32_t n)
{
	return rng_below(&rng, n);
}

/* Lines from a small alphabet so that texts share many lines; "" is an empty line. */
static const char *const words[] = { "a", "b", "c", "d", "", "a b" };
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static void random_text(struct buf *b, const size_t *w, size_t n)
{
	buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, words[w[i]]);
		buf_addc(b, '\n');
	}
}

/* Length of the longest common subsequence, the textbook way. */
static size_t lcs(const size_t *x, size_t n, const size_t *y, size_t m)
{
	size_t *t = calloc((n + 1) * (m + 1), sizeof(size_t));
	assert_non_null(t);
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t *c = &t[i * (m + 1) + j];
			if (x[i - 1] == y[j - 1])
				*c = t[(i - 1) * (m + 1) + j - 1] + 1;
			else if (t[(i - 1) * (m + 1) + j] > t[i * (m + 1) + j - 1])
				*c = t[(i - 1) * (m + 1) + j];
			else
				*c = t[i * (m + 1) + j - 1];
		}
	}
	size_t r = t[n * (m + 1) + m];
	free(t);
	return r;
}

/* Replays the ops on the old text, checking the positions they give on the way. */
static void apply(const struct diff *d, struct buf *out)
{
	size_t i = 0, j = 0;
	buf_reset(out);
	for (size_t k = 0; k < d->n_ops; k++) {
		const struct diff_op *op = &d->ops[k];
		assert_true(op->n > 0);
		assert_int_equal(op->old_at, i);
		assert_int_equal(op->new_at, j);
		for (size_t l = 0; l < op->n; l++) {
			if (op->kind == DIFF_EQUAL) {
				buf_add(out, d->old_lines[i + l].p, d->old_lines[i + l].n);
				buf_addc(out, '\n');
			} else if (op->kind == DIFF_INSERT) {
				buf_add(out, d->new_lines[j + l].p, d->new_lines[j + l].n);
				buf_addc(out, '\n');
			}
		}
		if (k && op->kind == DIFF_INSERT)
			assert_int_not_equal(d->ops[k - 1].kind, DIFF_INSERT);
		if (k && op->kind == DIFF_DELETE)
			assert_int_equal(d->ops[k - 1].kind, DIFF_EQUAL); /* deletes first */
		i += op->kind == DIFF_INSERT ? 0 : op->n;
		j += op->kind == DIFF_DELETE ? 0 : op->n;
	}
	assert_int_equal(i, d->old_n);
	assert_int_equal(j, d->new_n);
}

static void test_random_pairs(void **state)
{
	(void)state;
	struct buf o, n, got, view;
	buf_init(&o, 0);
	buf_init(&n, 0);
	buf_init(&got, 0);
	buf_init(&view, 0);
	size_t x[80], y[400];
	for (int iter = 0; iter < 3000; iter++) {
		size_t nx = rnd(iter < 2000 ? 12 : 80), ny = 0;
		for (size_t i = 0; i < nx; i++)
			x[i] = rnd(N_WORDS);
		if (rnd(4) == 0) { /* unrelated */
			ny = rnd(iter < 2000 ? 12 : 80);
			for (size_t i = 0; i < ny; i++)
				y[i] = rnd(N_WORDS);
		} else { /* edited: lines kept, dropped, replaced and added at random */
			for (size_t i = 0; i <= nx; i++) {
				while (ny < 300 && rnd(5) == 0)
					y[ny++] = rnd(N_WORDS);
				if (i == nx)
					break;
				uint32_t r = rnd(6);
				if (r == 0)
					continue;
				y[ny++] = r == 1 ? rnd(N_WORDS) : x[i];
			}
		}
		random_text(&o, x, nx);
		random_text(&n, y, ny);
		struct arena a;
		arena_init(&a, 0);
		struct diff d;
		assert_int_equal(diff_lines(&a, o.p, o.len, n.p, n.len, &d), ERR_OK);
		apply(&d, &got);
		assert_int_equal(got.len, n.len);
		if (n.len)
			assert_memory_equal(got.p, n.p, n.len);
		size_t l = lcs(x, nx, y, ny);
		assert_int_equal(d.removed, nx - l);
		assert_int_equal(d.added, ny - l);
		buf_reset(&view);
		diff_html(&view, &d, 1);
		assert_false(buf_failed(&view));
		assert_int_equal(count(buf_cstr(&view), "<tr class=\"del\">"), d.removed);
		assert_int_equal(count(buf_cstr(&view), "<tr class=\"ins\">"), d.added);
		arena_free(&a);
	}
	buf_free(&o);
	buf_free(&n);
	buf_free(&got);
	buf_free(&view);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edits_everywhere),
		cmocka_unit_test(test_lines_carry_no_terminator),
		cmocka_unit_test(test_html_escapes_and_marks),
		cmocka_unit_test(test_html_context),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_worst_case_is_quick),
		cmocka_unit_test(test_random_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
