/* test_files.c - uploaded files: bytes (NUL bytes included) through both backends' blob
 * binding, the descriptor a record holds, cleaned names, the served media type, storage once
 * per hash, and tampering found by files_read and files_verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/files.h"
#include "testdb.h"

static int setup(void **state)
{
	struct db *db = testdb_open();
	*state = db;
	return db ? 0 : -1;
}

static int teardown(void **state)
{
	testdb_close(*state);
	return 0;
}

static const unsigned char bytes[] = { 0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x00, 0x5c,
				       0x78, 0x30, 0x30, 0x27, 0x22, 0x0a, 0x00, 0x01 };

static void test_blob_round_trip(void **state)
{
	struct db *db = *state;
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(bytes, sizeof(bytes), NULL, 0, hash);
	assert_int_equal(db_begin(db), ERR_OK);
	assert_int_equal(files_store(db, hash, bytes, sizeof(bytes)), ERR_OK);
	/* the same bytes again: kept once */
	assert_int_equal(files_store(db, hash, bytes, sizeof(bytes)), ERR_OK);
	assert_int_equal(db_commit(db), ERR_OK);

	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "SELECT count(*), max(size) FROM files", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_int_equal(db_col_int(st, 0), 1);
	assert_int_equal(db_col_int(st, 1), sizeof(bytes));
	db_done(st);

	assert_int_equal(db_prepare(db, "SELECT content FROM files", &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	assert_true(db_col_is_blob(st, 0));
	size_t n;
	const void *p = db_col_blob(st, 0, &n);
	assert_int_equal(n, sizeof(bytes));
	assert_memory_equal(p, bytes, sizeof(bytes));
	db_done(st);

	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(files_read(db, hash, &out), ERR_OK);
	assert_int_equal(out.len, sizeof(bytes));
	assert_memory_equal(out.p, bytes, sizeof(bytes));
	buf_free(&out);
	assert_int_equal(files_read(db, "00", &out), ERR_NOT_FOUND);
	buf_free(&out);

	int64_t total, bad;
	assert_int_equal(files_verify(db, &total, &bad), ERR_OK);
	assert_int_equal(total, 1);
	assert_int_equal(bad, 0);
}

static void test_tampering_found(void **state)
{
	struct db *db = *state;
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(bytes, sizeof(bytes), NULL, 0, hash);
	assert_int_equal(db_begin(db), ERR_OK);
	assert_int_equal(files_store(db, hash, bytes, sizeof(bytes)), ERR_OK);
	assert_int_equal(db_commit(db), ERR_OK);
	/* one byte changed behind the application's back */
	unsigned char changed[sizeof(bytes)];
	memcpy(changed, bytes, sizeof(bytes));
	changed[4] = 1;
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(db, "UPDATE files SET content = $1", &st), ERR_OK);
	db_bind_blob(st, 1, changed, sizeof(changed));
	assert_int_equal(db_step(st, &row), ERR_OK);
	db_done(st);

	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(files_read(db, hash, &out), ERR_INTERNAL);
	assert_int_equal(out.len, 0); /* nothing of the changed bytes is handed out */
	buf_free(&out);
	int64_t total, bad;
	assert_int_equal(files_verify(db, &total, &bad), ERR_OK);
	assert_int_equal(total, 1);
	assert_int_equal(bad, 1);
}

static void test_copy_table_keeps_bytes(void **state)
{
	struct db *src = *state;
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(bytes, sizeof(bytes), NULL, 0, hash);
	assert_int_equal(db_begin(src), ERR_OK);
	assert_int_equal(files_store(src, hash, bytes, sizeof(bytes)), ERR_OK);
	assert_int_equal(db_commit(src), ERR_OK);
	/* migrate-data copies every table, files too: into a second SQLite database */
	char path[] = "/tmp/custos-files-copy-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	struct db *dst;
	assert_int_equal(db_open(path, &dst), ERR_OK);
	assert_int_equal(db_migrate(dst), ERR_OK);
	int64_t rows;
	assert_int_equal(db_begin(dst), ERR_OK);
	assert_int_equal(db_copy_table(src, dst, "files", &rows), ERR_OK);
	assert_int_equal(db_commit(dst), ERR_OK);
	assert_int_equal(rows, 1);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(files_read(dst, hash, &out), ERR_OK);
	assert_memory_equal(out.p, bytes, sizeof(bytes));
	buf_free(&out);
	db_close(dst);
	unlink(path);
	char side[80];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static const char *name_of(struct arena *a, const char *name, const char *type, struct file_desc *d)
{
	struct value v;
	const char *why = NULL;
	assert_true(files_value(a, name, type, bytes, sizeof(bytes), &v, &why));
	assert_true(v.set && !v.null && v.blob == bytes && v.blob_n == sizeof(bytes));
	assert_true(files_desc_parse(a, v.s, v.n, d));
	return d->name;
}

static void test_descriptor_and_names(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1u << 20);
	struct file_desc d;
	assert_string_equal(name_of(&a, "report.pdf", "application/pdf", &d), "report.pdf");
	assert_string_equal(d.type, "application/pdf");
	assert_int_equal(d.size, sizeof(bytes));
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(bytes, sizeof(bytes), NULL, 0, hash);
	assert_string_equal(d.hash, hash);

	/* paths are cut to their last part; quotes and control characters go */
	assert_string_equal(name_of(&a, "C:\\Users\\x\\scan.png", NULL, &d), "scan.png");
	assert_string_equal(d.type, "image/png"); /* from the extension */
	assert_string_equal(name_of(&a, "../../etc/passwd", NULL, &d), "passwd");
	assert_string_equal(name_of(&a, "a\"b\r\n.txt", "text/plain", &d), "ab.txt");
	/* invisible characters go: a right-to-left override would show "exe.jpg" for this */
	assert_string_equal(name_of(&a, "\xE2\x80\xAEgpj.exe", NULL, &d), "gpj.exe");
	assert_string_equal(name_of(&a,
				    "a\xE2\x81\xA6"
				    "b\xE2\x80\x8B"
				    "c\xEF\xBB\xBF\xC2\x85.pdf",
				    NULL, &d),
			    "abc.pdf");
	assert_string_equal(name_of(&a, "\xE2\x80\xAE", NULL, &d), "file");
	assert_string_equal(
		name_of(&a, "caf\xC3\xA9 \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D.txt", NULL, &d),
		"caf\xC3\xA9 \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D.txt"); /* letters stay */
	assert_string_equal(name_of(&a, "..", NULL, &d), "file");
	assert_string_equal(name_of(&a, "", NULL, &d), "file");
	assert_string_equal(name_of(&a, NULL, NULL, &d), "file");
	assert_string_equal(name_of(&a, "dir/", NULL, &d), "file");
	/* 300 two-byte characters: cut to 255 bytes without splitting one */
	char longname[700];
	size_t o = 0;
	for (int i = 0; i < 300; i++) {
		longname[o++] = (char)0xC3;
		longname[o++] = (char)0xA9;
	}
	longname[o] = '\0';
	const char *cut = name_of(&a, longname, NULL, &d);
	assert_int_equal(strlen(cut), 254);
	assert_true(str_valid_utf8(cut, strlen(cut)));
	/* not UTF-8: no name rather than a broken one */
	assert_string_equal(name_of(&a, "\xff\xfe.pdf", NULL, &d), "file");

	/* an empty file is refused */
	struct value v;
	const char *why = NULL;
	assert_false(files_value(&a, "x.pdf", NULL, bytes, 0, &v, &why));
	assert_non_null(why);
	/* descriptors that are not ours do not parse */
	assert_false(files_desc_parse(&a, "{}", 2, &d));
	assert_false(files_desc_parse(&a, "not json", 8, &d));
	assert_false(files_desc_parse(&a, NULL, 0, &d));
	arena_free(&a);
}

static void test_media_types(void **state)
{
	(void)state;
	assert_string_equal(files_media_type("application/pdf", "x"), "application/pdf");
	assert_string_equal(files_media_type("Application/PDF; charset=x", "x"), "application/pdf");
	assert_string_equal(files_media_type("text/plain;charset=utf-8", "x"), "text/plain");
	/* what a browser would run is served as bytes, whatever it claims or is named */
	assert_string_equal(files_media_type("text/html", "x.html"), "application/octet-stream");
	assert_string_equal(files_media_type("image/svg+xml", "x.svg"), "application/octet-stream");
	assert_string_equal(files_media_type("application/javascript", "x.js"),
			    "application/octet-stream");
	assert_string_equal(files_media_type(NULL, "x.XLSX"),
			    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	assert_string_equal(files_media_type("", NULL), "application/octet-stream");
	assert_string_equal(files_media_type("application/pdfx", "x"), "application/octet-stream");
}

int main(void)
{
	if (crypto_init() != ERR_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blob_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampering_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_table_keeps_bytes, setup, teardown),
		cmocka_unit_test(test_descriptor_and_names),
		cmocka_unit_test(test_media_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
