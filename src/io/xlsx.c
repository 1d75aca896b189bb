/* xlsx.c - one-sheet workbooks with libxlsxwriter in constant-memory mode (rows streamed to a
 * temporary file as they are written). It writes numbers, booleans and strings only - never
 * worksheet_write_formula - and knows nothing of registers. */
#include "io/xlsx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "util/str.h"

#define SHEET_MAX_CHARS 31    /* Excel's limit on a sheet name */
#define CELL_MAX_CHARS	32767 /* Excel's limit on the text of one cell */
#define TMP_PATH_MAX	512

struct xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold;
	int fd; /* the temporary file as mkstemp made it: read back through this, not the name */
	char dir[TMP_PATH_MAX];
	char path[TMP_PATH_MAX];
	struct buf cell;  /* scratch for one cell's NUL-terminated text */
	lxw_error failed; /* the first error of a write; reported by xlsx_finish */
};

/* Bytes of s[0..n) that hold at most max code points (s is valid UTF-8: stored values are
 * checked on input), so a cut never splits a character. */
static size_t utf8_prefix(const char *s, size_t n, size_t max)
{
	size_t i = 0, chars = 0;
	while (i < n && chars < max) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
		if (len > n - i)
			break;
		i += len;
		chars++;
	}
	return i;
}

/* Excel refuses : \ / ? * [ ] in a sheet name, and an apostrophe at either end. */
static void sheet_name(const char *title, char *out, size_t size)
{
	size_t n = utf8_prefix(title, strlen(title), SHEET_MAX_CHARS);
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < size; i++)
		out[o++] = strchr(":\\/?*[]", title[i]) ? '_' : title[i];
	out[o] = '\0';
	while (o && out[o - 1] == '\'')
		out[--o] = '\0';
	size_t lead = strspn(out, "'");
	memmove(out, out + lead, o - lead + 1);
}

static void note(struct xlsx *x, lxw_error e)
{
	if (e != LXW_NO_ERROR && x->failed == LXW_NO_ERROR)
		x->failed = e;
}

enum err xlsx_open(const char *title, struct xlsx **out)
{
	*out = NULL;
	struct xlsx *x = calloc(1, sizeof(*x));
	if (!x)
		return ERR_NOMEM;
	x->fd = -1;
	/* 4 bytes per character at most, the prefix and the NUL */
	buf_init(&x->cell, 4 * CELL_MAX_CHARS + 16);
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir || !str_copy(x->dir, sizeof(x->dir) - 32, dir))
		str_copy(x->dir, sizeof(x->dir), "/tmp");
	int n = snprintf(x->path, sizeof(x->path), "%s/custos-export-XXXXXX", x->dir);
	if (n < 0 || (size_t)n >= sizeof(x->path))
		goto fail;
	x->fd = mkstemp(x->path); /* mode 0600: the export may hold confidential records */
	if (x->fd < 0)
		goto fail;
	/* libxlsxwriter opens the name itself when closing; its own scratch files (one per
	 * sheet in constant-memory mode) go to the same directory */
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = x->dir };
	x->wb = workbook_new_opt(x->path, &opt);
	if (!x->wb)
		goto fail;
	char name[4 * SHEET_MAX_CHARS + 1];
	sheet_name(title, name, sizeof(name));
	if (!name[0] || workbook_validate_sheet_name(x->wb, name) != LXW_NO_ERROR)
		str_copy(name, sizeof(name), "Sheet1");
	x->ws = workbook_add_worksheet(x->wb, name);
	x->bold = workbook_add_format(x->wb);
	if (!x->ws || !x->bold)
		goto fail;
	format_set_bold(x->bold);
	*out = x;
	return ERR_OK;
fail:
	xlsx_discard(x);
	return ERR_IO;
}

void xlsx_header(struct xlsx *x, uint16_t col, const char *label)
{
	note(x, worksheet_write_string(x->ws, 0, col, label, x->bold));
}

void xlsx_width(struct xlsx *x, uint16_t col, double chars)
{
	note(x, worksheet_set_column(x->ws, col, col, chars, NULL));
}

void xlsx_number(struct xlsx *x, uint32_t row, uint16_t col, double v)
{
	note(x, worksheet_write_number(x->ws, row, col, v, NULL));
}

void xlsx_bool(struct xlsx *x, uint32_t row, uint16_t col, bool v)
{
	note(x, worksheet_write_boolean(x->ws, row, col, v, NULL));
}

void xlsx_text(struct xlsx *x, uint32_t row, uint16_t col, const char *prefix, const char *s,
	       size_t n)
{
	buf_reset(&x->cell);
	size_t pn = prefix ? strlen(prefix) : 0;
	buf_add(&x->cell, prefix ? prefix : "", pn);
	/* longer text would make libxlsxwriter refuse the cell: Excel could not hold it */
	buf_add(&x->cell, s, utf8_prefix(s, n, CELL_MAX_CHARS - utf8_prefix(prefix, pn, pn)));
	if (buf_failed(&x->cell)) {
		note(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	note(x, worksheet_write_string(x->ws, row, col, buf_cstr(&x->cell), NULL));
}

/* Appends the whole file behind fd to out. */
static enum err read_back(int fd, struct buf *out)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0 || sb.st_size < 0 || lseek(fd, 0, SEEK_SET) != 0)
		return ERR_IO;
	if ((uint64_t)sb.st_size > out->cap - out->len)
		return ERR_TOO_LARGE;
	char chunk[32768];
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return ERR_IO;
		if (got == 0)
			break;
		buf_add(out, chunk, (size_t)got);
	}
	return buf_failed(out) ? ERR_NOMEM : ERR_OK;
}

enum err xlsx_finish(struct xlsx *x, uint16_t ncols, uint32_t last_row, struct buf *out)
{
	worksheet_freeze_panes(x->ws, 1, 0);
	if (ncols)
		note(x, worksheet_autofilter(x->ws, 0, 0, last_row, (uint16_t)(ncols - 1)));
	lxw_error closed = workbook_close(x->wb); /* frees the workbook whatever it answers */
	x->wb = NULL;
	note(x, closed);
	enum err e = ERR_OK;
	if (x->failed == LXW_ERROR_MEMORY_MALLOC_FAILED)
		e = ERR_NOMEM;
	else if (x->failed != LXW_NO_ERROR)
		e = ERR_IO;
	else
		e = read_back(x->fd, out);
	xlsx_discard(x);
	return e;
}

void xlsx_discard(struct xlsx *x)
{
	if (!x)
		return;
	if (x->wb)
		lxw_workbook_free(x->wb);
	if (x->fd >= 0) {
		close(x->fd);
		unlink(x->path);
	}
	buf_free(&x->cell);
	free(x);
}
