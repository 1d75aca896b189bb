/* files.c - uploaded files: bytes stored once per BLAKE2b-256 hash, records holding a
 * descriptor. See files.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/files.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"

/* Types a browser shows or hands to an application without running anything of ours: the
 * documents and images evidence is made of. HTML, SVG and XML are missing on purpose. */
static const struct {
	const char *type, *ext;
} safe_types[] = {
	{ "application/pdf", ".pdf" },
	{ "image/png", ".png" },
	{ "image/jpeg", ".jpg" },
	{ "image/jpeg", ".jpeg" },
	{ "image/gif", ".gif" },
	{ "image/webp", ".webp" },
	{ "text/plain", ".txt" },
	{ "text/plain", ".log" },
	{ "text/csv", ".csv" },
	{ "application/json", ".json" },
	{ "application/zip", ".zip" },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx" },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx" },
	{ "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx" },
	{ "application/vnd.oasis.opendocument.text", ".odt" },
	{ "application/vnd.oasis.opendocument.spreadsheet", ".ods" },
	{ "message/rfc822", ".eml" },
};

#define NTYPES (sizeof(safe_types) / sizeof(safe_types[0]))

const char *files_media_type(const char *declared, const char *name)
{
	if (declared) {
		/* "text/plain; charset=utf-8" names text/plain */
		size_t n = strcspn(declared, "; \t");
		for (size_t i = 0; i < NTYPES; i++)
			if (strlen(safe_types[i].type) == n &&
			    strncasecmp(declared, safe_types[i].type, n) == 0)
				return safe_types[i].type;
	}
	const char *dot = name ? strrchr(name, '.') : NULL;
	for (size_t i = 0; dot && i < NTYPES; i++)
		if (strcasecmp(dot, safe_types[i].ext) == 0)
			return safe_types[i].type;
	return "application/octet-stream";
}

/* The last path segment (browsers on Windows send C:\...\x.pdf), without quotes or
 * backslashes, which would break a Content-Disposition header, and without invisible
 * characters (controls, bidi overrides: "\u202Egpj.exe" would show as "exe.jpg"), cut at a
 * character boundary to FILES_NAME_MAX bytes. "file" when nothing is left. */
static const char *clean_name(struct arena *a, const char *name)
{
	if (!name)
		return "file";
	const char *base = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	size_t n = strlen(base);
	char *out = arena_alloc(a, n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (base[i] != '"')
			out[o++] = base[i];
	out[o] = '\0';
	if (!str_valid_utf8(out, o))
		o = 0; /* not text: better no name than mojibake in a header */
	o = str_drop_invisible(out, o);
	while (o > FILES_NAME_MAX || (o > 0 && ((unsigned char)out[o] & 0xC0) == 0x80))
		o--;
	/* a name of dots alone ("..") would read as a path */
	out[o] = '\0';
	size_t dots = strspn(out, ".");
	if (o == 0 || dots >= o)
		return "file";
	return out;
}

bool files_value(struct arena *a, const char *name, const char *type, const void *p, size_t n,
		 struct value *v, const char **why)
{
	if (n == 0) {
		*why = "is an empty file";
		return false;
	}
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(p, n, NULL, 0, hash);
	const char *clean = clean_name(a, name);
	if (!clean) {
		*why = "could not be read";
		return false;
	}
	/* key order fixed by hand: the text is what the audit chain hashes */
	json_t *o = json_pack("{s:s,s:s,s:I,s:s}", "name", clean, "type",
			      files_media_type(type, clean), "size", (json_int_t)n, "hash", hash);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	const char *s = text ? arena_strdup(a, text) : NULL;
	free(text);
	if (!s) {
		*why = "could not be read";
		return false;
	}
	*v = (struct value){ .set = true, .s = s, .n = strlen(s), .blob = p, .blob_n = n };
	return true;
}

bool files_desc_parse(struct arena *a, const char *text, size_t n, struct file_desc *d)
{
	json_t *o = text ? json_loadb(text, n, 0, NULL) : NULL;
	const char *name = NULL, *type = NULL, *hash = NULL;
	json_int_t size = -1;
	bool ok = o && json_unpack(o, "{s:s,s:s,s:I,s:s}", "name", &name, "type", &type, "size",
				   &size, "hash", &hash) == 0;
	if (ok) {
		d->name = arena_strdup(a, name);
		d->type = arena_strdup(a, type);
		d->hash = arena_strdup(a, hash);
		d->size = size;
		ok = d->name && d->type && d->hash && strlen(d->hash) == CRYPTO_HASH_HEX - 1;
	}
	json_decref(o);
	return ok;
}

enum err files_store(struct db *db, const char *hash, const void *p, size_t n)
{
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "INSERT INTO files (hash, size, content, created_at)"
			   " VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO UPDATE SET content ="
			   " excluded.content, size = excluded.size",
			   &st);
	if (e)
		return e;
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	db_bind_str(st, 1, hash);
	db_bind_int(st, 2, (int64_t)n);
	db_bind_blob(st, 3, p, n);
	db_bind_str(st, 4, now);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	return e;
}

enum err files_read(struct db *db, const char *hash, struct buf *out)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT content FROM files WHERE hash = $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, hash);
	bool row;
	e = db_step(st, &row);
	if (!e && !row)
		e = ERR_NOT_FOUND;
	if (!e) {
		size_t n;
		const void *p = db_col_blob(st, 0, &n);
		char got[CRYPTO_HASH_HEX];
		crypto_hash_hex(p ? p : "", n, NULL, 0, got);
		if (strcmp(got, hash) != 0) {
			log_error("stored file %.16s... no longer matches its hash", hash);
			e = ERR_INTERNAL;
		} else {
			buf_add(out, p ? p : "", n);
			if (buf_failed(out))
				e = ERR_TOO_LARGE;
		}
	}
	db_done(st);
	return e;
}

/* Whether bytes are stored under hash. */
static enum err stored(struct db *db, const char *hash, bool *yes)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT 1 FROM files WHERE hash = $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, hash);
	*yes = false;
	e = db_step(st, yes);
	db_done(st);
	return e;
}

/* Every file a record names must be there: a deleted row would otherwise pass unnoticed. */
static enum err verify_named(struct db *db, int64_t *n, int64_t *bad)
{
	enum err e = ERR_OK;
	for (size_t i = 0; !e && i < model_registry_count(); i++) {
		const struct entity *en = model_registry_at(i);
		for (size_t k = 0; !e && k < en->nfields; k++) {
			const struct field *f = &en->fields[k];
			if (f->type != FT_FILE)
				continue;
			char sql[200];
			snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s IS NOT NULL",
				 f->name, en->plural, f->name);
			struct db_stmt *st;
			if ((e = db_prepare(db, sql, &st)))
				break;
			bool row;
			while ((e = db_step(st, &row)) == ERR_OK && row) {
				size_t len;
				const char *text = db_col_text(st, 0, &len);
				struct file_desc d;
				bool there = false;
				struct arena a;
				arena_init(&a, 64u << 10);
				(*n)++;
				if (!files_desc_parse(&a, text, len, &d) ||
				    stored(db, d.hash, &there) != ERR_OK || !there)
					(*bad)++;
				arena_free(&a);
			}
			db_done(st);
		}
	}
	return e;
}

enum err files_verify(struct db *db, int64_t *n, int64_t *bad)
{
	*n = *bad = 0;
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT hash, content FROM files ORDER BY id", &st);
	if (e)
		return e;
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		size_t len;
		const char *hash = db_col_text(st, 0, NULL);
		char want[CRYPTO_HASH_HEX];
		str_copy(want, sizeof(want), hash ? hash : "");
		const void *p = db_col_blob(st, 1, &len);
		char got[CRYPTO_HASH_HEX];
		crypto_hash_hex(p ? p : "", len, NULL, 0, got);
		(*n)++;
		if (strcmp(got, want) != 0)
			(*bad)++;
	}
	db_done(st);
	if (e)
		return e;
	int64_t named = 0;
	return verify_named(db, &named, bad);
}
