/* keys.h - natural keys (struct entity_io.key): the text that names a record in any
 * installation - a department's code, a person's e-mail, a catalogue control's framework and
 * identifier - so that an export writes a reference as text and an import finds the record
 * again, in another installation too. Records are read through repo_list_json in the reader's
 * scope, so a key never names a record the reader may not list. An import's rows take part
 * before they are stored, as pending records. Nothing here writes, and reading happens outside
 * any write transaction (repo_list_json takes a snapshot of its own). */
#ifndef CUSTOS_KEYS_H
#define CUSTOS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/repo.h"
#include "util/buf.h"
#include "util/err.h"

#define KEY_MAX_ALTS  3
#define KEY_MAX_PARTS 3

/* A key declaration, parsed: alternatives, each of one to three fields. */
struct key_spec {
	size_t nalts;
	struct key_alt {
		size_t nparts;
		const struct field *parts[KEY_MAX_PARTS];
	} alts[KEY_MAX_ALTS];
};

/* Parses e->io.key ("code|name", "framework_id+control_id"); nalts is 0 for a register
 * without one. False with *why when it names no field of e, a field twice, a file, or has
 * too many alternatives or parts. */
bool key_spec_parse(const struct entity *e, struct key_spec *out, const char **why);

/* Appends one part of a key text: a part after the first is preceded by one space. */
void key_part(struct buf *b, bool first, const char *s, size_t n);

/* "code or name": the key's fields as a message names them (a reference by its register's
 * title), in a; alt >= 0: that alternative only ("name"). */
const char *key_describe(struct arena *a, const struct entity *e, int alt);

/* Which records of a register the reader may list: sets lq's scope and answers true, or false
 * when the reader may list none of them. */
struct key_reader {
	bool (*scope)(void *arg, const struct entity *e, struct list_query *lq);
	void *arg;
};

struct keys;

/* Keys read through c (its db and actor; its arena is not used) as rd may list them (NULL:
 * every record, for the command line). Registers are read when first asked about, once. */
enum err keys_open(const struct repo_ctx *c, const struct key_reader *rd, struct keys **out) WUR;
void keys_close(struct keys *k);

/* The key of e's stored record id: its first alternative whose fields all have a value. *s is
 * NULL when e declares no key, or the record is none the reader may list. Valid until
 * keys_close. */
enum err keys_text(struct keys *k, const struct entity *e, int64_t id, const char **s,
		   size_t *n) WUR;

/* Reads e's records now (they are read when first asked about otherwise): list reads cannot
 * run inside a write transaction, so an import reads every register it needs before its own.
 * Between keys_stop_reading(k, true) and (k, false), asking about a register not read yet is
 * ERR_INTERNAL instead of a read. */
enum err keys_load(struct keys *k, const struct entity *e) WUR;
void keys_stop_reading(struct keys *k, bool stop);

/* Removes every pending record, for a new pass of an import. */
void keys_forget_pending(struct keys *k);

/* A record of e that is not stored yet (an import's row), known by tok (> 0, unique in e),
 * with its text for each of e's key alternatives (NULL where it has none). */
enum err keys_add_pending(struct keys *k, const struct entity *e, int64_t tok,
			  const char *const texts[KEY_MAX_ALTS]) WUR;
/* A pending record's key (its first alternative with a text), or NULL. */
const char *keys_pending_text(struct keys *k, const struct entity *e, int64_t tok);

struct key_match {
	size_t count;	 /* records with that key in the first alternative that has any */
	int alt;	 /* that alternative */
	int64_t id, tok; /* the first of them: a stored record's id, or a pending record's tok */
};

/* Looks s[0..n) up among e's records, stored and pending: the first alternative in which
 * some record has exactly that text. m->count 0: none has. */
enum err keys_find(struct keys *k, const struct entity *e, const char *s, size_t n,
		   struct key_match *m) WUR;

#endif
