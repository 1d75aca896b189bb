/* files.h - uploaded files (evidence, attachments). The bytes are stored once per content hash
 * in the database, inside the same transaction as the record that holds them: a backup holds
 * them, every node sees them, and a 2xx means they are committed. A record's file field holds
 * a small descriptor (name, media type, size, BLAKE2b-256 hash) that goes into the audit
 * chain, so the chain proves which exact bytes were attached, and when. */
#ifndef CUSTOS_FILES_H
#define CUSTOS_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "store/db.h"
#include "util/arena.h"
#include "util/buf.h"

#define FILES_NAME_MAX 255 /* bytes of a file name, as most file systems allow */

struct file_desc {
	const char *name; /* cleaned: no path, no control characters, no quotes */
	const char *type; /* a media type from our list, else application/octet-stream */
	int64_t size;
	const char *hash; /* hex BLAKE2b-256 of the bytes */
};

/* Fills v (an FT_FILE value) for bytes p[0..n) named name, as sent with media type type (may
 * be NULL): the descriptor as JSON text, and the bytes for repo to store when it writes the
 * record. false with *why for an empty file. p must live as long as v. */
bool files_value(struct arena *a, const char *name, const char *type, const void *p, size_t n,
		 struct value *v, const char **why);

/* Stores bytes under their hash unless already there; inside the caller's write transaction. */
enum err files_store(struct db *db, const char *hash, const void *p, size_t n) WUR;

/* Appends the bytes stored under hash to out. ERR_NOT_FOUND when none are; ERR_INTERNAL
 * (logged) when the stored bytes no longer hash to it: changed behind the application's back. */
enum err files_read(struct db *db, const char *hash, struct buf *out) WUR;

/* Parses a descriptor (the JSON text a record holds). */
bool files_desc_parse(struct arena *a, const char *text, size_t n, struct file_desc *d);

/* The media type Custos serves a file with: the declared one when it is on a short list of
 * document and image types (never HTML, SVG or script, which a browser would run), else
 * application/octet-stream. */
const char *files_media_type(const char *declared, const char *name);

/* Checks every stored file against its hash, and that every file a record names is stored;
 * *n gets how many files are stored, *bad how many fail either check. */
enum err files_verify(struct db *db, int64_t *n, int64_t *bad) WUR;

#endif
