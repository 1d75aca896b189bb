/* test_xlsxread.c - reading XLSX worksheets as CSV: workbooks written here part by part (with
 * libzip) hold every kind of cell the reader takes - shared strings with rich text and
 * phonetic runs, inline strings, numbers, booleans, formulas' values, gaps between rows and
 * cells - and a workbook from our own writer (io/xlsx.c) reads back as written. Then bad input
 * of every kind is a clean ERR_BAD_REQUEST naming what is wrong: not a zip, truncated or
 * damaged archives, no workbook, malformed XML, a document type declaration (entity
 * expansion), cells and rows out of order, an error cell, a part that unpacks past the cap. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "io/xlsx.h"
#include "io/xlsxread.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

struct part {
	const char *name;
	const char *text; /* NULL: size bytes of zeros */
	size_t size;
};

/* A zip of the parts, written through a temporary file, in a malloc'ed buffer. */
static char *zip_of(const struct part *parts, size_t n, size_t *len)
{
	char path[] = "/tmp/custos-xlsxread-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	int err = 0;
	zip_t *za = zip_open(path, ZIP_TRUNCATE, &err);
	assert_non_null(za);
	void *zeros[8] = { NULL };
	for (size_t i = 0; i < n; i++) {
		const void *p = parts[i].text;
		size_t sz = parts[i].text ? strlen(parts[i].text) : parts[i].size;
		if (!p)
			p = zeros[i] = calloc(1, sz);
		zip_source_t *s = zip_source_buffer(za, p, sz, 0);
		assert_non_null(s);
		assert_true(zip_file_add(za, parts[i].name, s, ZIP_FL_ENC_UTF_8) >= 0);
	}
	assert_int_equal(zip_close(za), 0);
	for (size_t i = 0; i < N(zeros); i++)
		free(zeros[i]);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = malloc((size_t)size + 1);
	assert_int_equal(fread(buf, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	unlink(path);
	*len = (size_t)size;
	return buf;
}

static const char WORKBOOK[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	"<sheets><sheet name=\"Notes\" sheetId=\"1\" r:id=\"rId1\"/>"
	"<sheet name=\"Assets\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>";
static const char RELS[] =
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"x\" Target=\"worksheets/notes.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"x\" Target=\"/xl/worksheets/data.xml\"/>"
	"</Relationships>";
static const char STRINGS[] =
	"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"4\">"
	"<si><t>name</t></si><si><t xml:space=\"preserve\">owner_id</t></si>"
	"<si><r><rPr><b/></rPr><t>Rich </t></r><r><t>text</t></r><rPh><t>ignored</t></rPh></si>"
	"<si><t>caf\xC3\xA9, &quot;quoted&quot; &amp; &lt;escaped&gt;</t></si></sst>";
/* A prefix on the elements (x:) as some writers use; row 2 left out; column B skipped */
static const char DATA[] =
	"<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	"<x:sheetData>"
	"<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"B1\" t=\"s\"><x:v>1</x:v>"
	"</x:c><x:c r=\"C1\" t=\"inlineStr\"><x:is><x:t>flag</x:t></x:is></x:c>"
	"<x:c r=\"D1\"><x:v>n</x:v></x:c></x:row>"
	"<x:row r=\"3\"><x:c r=\"A3\" t=\"s\"><x:v>2</x:v></x:c><x:c r=\"C3\" t=\"b\"><x:v>1</x:v>"
	"</x:c><x:c r=\"D3\"><x:v>3.0</x:v></x:c><x:c r=\"E3\" s=\"1\"/></x:row>"
	"<x:row r=\"4\"><x:c r=\"A4\" t=\"s\"><x:v>3</x:v></x:c><x:c r=\"B4\" t=\"str\">"
	"<x:f>A1&amp;\"x\"</x:f><x:v>namex</x:v></x:c><x:c r=\"C4\" t=\"b\"><x:v>0</x:v></x:c>"
	"<x:c r=\"D4\" t=\"n\"><x:v>1.5</x:v></x:c></x:row>"
	"<x:row><x:c><x:v>1E3</x:v></x:c><x:c t=\"inlineStr\"><x:is><x:t>line 1\nline 2</x:t>"
	"</x:is></x:c><x:c t=\"d\"><x:v>2026-01-31</x:v></x:c></x:row>"
	"</x:sheetData></x:worksheet>";
static const char NOTES[] = "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>"
			    "notes</t></is></c></row></sheetData></worksheet>";

static enum err read_parts(const struct part *parts, size_t n, const char *sheet, struct buf *out,
			   int64_t *row, const char **why, struct arena *a)
{
	size_t len;
	char *z = zip_of(parts, n, &len);
	buf_reset(out);
	enum err err = xlsx_read_csv(z, len, sheet, out, a, row, why);
	free(z);
	return err;
}

static void test_cells(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct buf out;
	buf_init(&out, 0);
	const struct part parts[] = {
		{ "xl/workbook.xml", WORKBOOK, 0 },	 { "xl/_rels/workbook.xml.rels", RELS, 0 },
		{ "xl/sharedStrings.xml", STRINGS, 0 },	 { "xl/worksheets/data.xml", DATA, 0 },
		{ "xl/worksheets/notes.xml", NOTES, 0 },
	};
	int64_t row;
	const char *why;
	/* the sheet named (in any case) */
	assert_int_equal(read_parts(parts, N(parts), "assets", &out, &row, &why, &a), ERR_OK);
	assert_string_equal(buf_cstr(&out),
			    "name,owner_id,flag,n\r\n"
			    "\r\n"
			    "Rich text,,true,3\r\n"
			    "\"caf\xC3\xA9, \"\"quoted\"\" & <escaped>\",namex,false,1.5\r\n"
			    "1000,\"line 1\nline 2\",2026-01-31\r\n");
	/* else the first */
	assert_int_equal(read_parts(parts, N(parts), "Nothing", &out, &row, &why, &a), ERR_OK);
	assert_string_equal(buf_cstr(&out), "notes\r\n");
	assert_int_equal(read_parts(parts, N(parts), NULL, &out, &row, &why, &a), ERR_OK);
	assert_string_equal(buf_cstr(&out), "notes\r\n");
	/* no relationships: the first sheet's usual place */
	const struct part plain[] = { { "xl/workbook.xml", WORKBOOK, 0 },
				      { "xl/worksheets/sheet1.xml", NOTES, 0 } };
	assert_int_equal(read_parts(plain, N(plain), NULL, &out, &row, &why, &a), ERR_OK);
	assert_string_equal(buf_cstr(&out), "notes\r\n");
	buf_free(&out);
	arena_free(&a);
}

/* What our own writer writes reads back as the same text. */
static void test_own_workbook(void **state)
{
	(void)state;
	char dir[] = "/tmp/custos-xlsxw-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);
	struct xlsx *x;
	assert_int_equal(xlsx_open("Assets", &x), ERR_OK);
	xlsx_header(x, 0, "name");
	xlsx_header(x, 1, "n");
	xlsx_header(x, 2, "flag");
	xlsx_text(x, 1, 0, "'", "=1+1", 4);
	xlsx_number(x, 1, 1, 42);
	xlsx_bool(x, 1, 2, true);
	xlsx_text(x, 2, 0, NULL, "a \"b\", c", 8);
	xlsx_number(x, 2, 1, -7);
	struct buf wb;
	buf_init(&wb, 0);
	assert_int_equal(xlsx_finish(x, 3, 2, &wb), ERR_OK);
	unsetenv("TMPDIR");
	rmdir(dir);
	struct arena a;
	arena_init(&a, 0);
	struct buf out;
	buf_init(&out, 0);
	int64_t row;
	const char *why = NULL;
	enum err err = xlsx_read_csv(wb.p, wb.len, "Assets", &out, &a, &row, &why);
	if (err)
		fail_msg("%s: row %lld %s", err_name(err), (long long)row, why);
	assert_string_equal(buf_cstr(&out),
			    "name,n,flag\r\n'=1+1,42,true\r\n\"a \"\"b\"\", c\",-7\r\n");
	buf_free(&out);
	buf_free(&wb);
	arena_free(&a);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct buf out;
	buf_init(&out, 0);
	int64_t row;
	const char *why;
	/* not a zip at all; nothing; a real workbook cut short; one with bytes damaged */
	static const char *const texts[] = { "name,code\nx,y\n", "" };
	for (size_t i = 0; i < N(texts); i++) {
		assert_int_equal(
			xlsx_read_csv(texts[i], strlen(texts[i]), NULL, &out, &a, &row, &why),
			ERR_BAD_REQUEST);
		assert_non_null(strstr(why, "not an XLSX workbook"));
	}
	char big[64 << 10];
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + (i * 7919) % 26);
	big[sizeof(big) - 1] = '\0';
	char *sheet = malloc(sizeof(big) + 200);
	snprintf(sheet, sizeof(big) + 200,
		 "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>%s</t></is></c></row>"
		 "</sheetData></worksheet>",
		 big);
	const struct part good[] = { { "xl/workbook.xml", WORKBOOK, 0 },
				     { "xl/worksheets/sheet1.xml", sheet, 0 } };
	size_t len;
	char *z = zip_of(good, N(good), &len);
	assert_int_equal(xlsx_read_csv(z, len, NULL, &out, &a, &row, &why), ERR_OK);
	for (size_t cut = 1; cut < len; cut += len / 37 + 1) {
		assert_int_equal(xlsx_read_csv(z, cut, NULL, &out, &a, &row, &why),
				 ERR_BAD_REQUEST);
		assert_non_null(why);
	}
	/* damage the sheet's compressed bytes (after its local header): inflating or the CRC
	 * fails; the reader says so, whichever */
	char *hit = memmem(z, len, "xl/worksheets/sheet1.xml", 24);
	assert_non_null(hit);
	for (size_t k = 40; k < 240; k += 8)
		hit[24 + k] ^= 0x5a;
	assert_int_equal(xlsx_read_csv(z, len, NULL, &out, &a, &row, &why), ERR_BAD_REQUEST);
	assert_true(strstr(why, "damaged") || strstr(why, "malformed XML"));
	free(z);
	free(sheet);

	static const struct {
		const char *sheet; /* NULL: no sheet part */
		const char *strings;
		int64_t row;
		const char *says;
	} cases[] = {
		{ NULL, NULL, 0, "has no worksheet" },
		{ "<worksheet><sheetData><row><c><v>1</v></row>", NULL, 0, "malformed XML" },
		{ "<worksheet><sheetData><row><c "
		  "t=\"s\"><v>0</v></c></row></sheetData></worksheet>",
		  NULL, 1, "shared string that does not exist" },
		{ "<worksheet><sheetData><row><c "
		  "t=\"s\"><v>1</v></c></row></sheetData></worksheet>",
		  "<sst><si><t>one</t></si></sst>", 1, "shared string that does not exist" },
		{ "<worksheet><sheetData><row><c t=\"e\"><v>#N/A</v></c></row></sheetData>"
		  "</worksheet>",
		  NULL, 1, "error value" },
		{ "<worksheet><sheetData><row r=\"5\"/><row r=\"3\"/></sheetData></worksheet>",
		  NULL, 3, "rows out of order" },
		{ "<worksheet><sheetData><row r=\"0\"/></sheetData></worksheet>", NULL, 1,
		  "out of range" },
		{ "<worksheet><sheetData><row r=\"2000000\"/></sheetData></worksheet>", NULL, 1,
		  "out of range" },
		{ "<worksheet><sheetData><row r=\"2\"><c r=\"C2\"><v>1</v></c><c r=\"B2\"><v>1</v>"
		  "</c></row></sheetData></worksheet>",
		  NULL, 2, "cells out of order" },
		{ "<worksheet><sheetData><row><c r=\"7A\"/></row></sheetData></worksheet>", NULL, 1,
		  "malformed reference" },
		{ "<worksheet><sheetData><row><c r=\"IW1\"><v>1</v></c></row></sheetData>"
		  "</worksheet>",
		  NULL, 1, "past column 256" },
		{ "<worksheet><sheetData><row><c "
		  "t=\"b\"><v>2</v></c></row></sheetData></worksheet>",
		  NULL, 1, "not 0 or 1" },
		/* a billion laughs needs entities, and entities need a document type */
		{ "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
		  "\"&lol;&lol;&lol;&lol;\">]><worksheet><sheetData><row><c t=\"inlineStr\"><is>"
		  "<t>&lol2;</t></is></c></row></sheetData></worksheet>",
		  NULL, 0, "document type declaration" },
		{ "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&xxe;</t></is></c></row>"
		  "</sheetData></worksheet>",
		  NULL, 0, "malformed XML" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct part parts[3] = { { "xl/workbook.xml", WORKBOOK, 0 } };
		size_t n = 1;
		if (cases[i].sheet)
			parts[n++] = (struct part){ "xl/worksheets/sheet1.xml", cases[i].sheet, 0 };
		if (cases[i].strings)
			parts[n++] = (struct part){ "xl/sharedStrings.xml", cases[i].strings, 0 };
		enum err err = read_parts(parts, n, NULL, &out, &row, &why, &a);
		if (err != ERR_BAD_REQUEST || !why || !strstr(why, cases[i].says) ||
		    row != cases[i].row)
			fail_msg("case %zu: %s, row %lld: %s", i, err_name(err), (long long)row,
				 why ? why : "");
	}
	/* no workbook part; a workbook whose XML is not */
	const struct part nowb[] = { { "xl/worksheets/sheet1.xml", NOTES, 0 } };
	assert_int_equal(read_parts(nowb, N(nowb), NULL, &out, &row, &why, &a), ERR_BAD_REQUEST);
	assert_non_null(strstr(why, "no xl/workbook.xml"));
	const struct part badwb[] = { { "xl/workbook.xml", "<workbook><sheets>", 0 } };
	assert_int_equal(read_parts(badwb, N(badwb), NULL, &out, &row, &why, &a), ERR_BAD_REQUEST);
	assert_non_null(strstr(why, "malformed XML in xl/workbook.xml"));
	/* a zip bomb: 300 MiB of zeros pack into a few hundred KiB; refused at the cap */
	const struct part bomb[] = { { "xl/workbook.xml", WORKBOOK, 0 },
				     { "xl/worksheets/sheet1.xml", NULL, 300u << 20 } };
	assert_int_equal(read_parts(bomb, N(bomb), NULL, &out, &row, &why, &a), ERR_BAD_REQUEST);
	assert_non_null(strstr(why, "larger than 256 MiB unpacked"));
	/* the CSV's own cap: ERR_TOO_LARGE */
	struct buf small;
	buf_init(&small, 4);
	const struct part one[] = { { "xl/workbook.xml", WORKBOOK, 0 },
				    { "xl/worksheets/sheet1.xml", NOTES, 0 } };
	z = zip_of(one, N(one), &len);
	assert_int_equal(xlsx_read_csv(z, len, NULL, &small, &a, &row, &why), ERR_TOO_LARGE);
	free(z);
	buf_free(&small);
	buf_free(&out);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_own_workbook),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
