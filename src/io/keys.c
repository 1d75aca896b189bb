/* keys.c - natural keys: each register asked about is read once, page by page through
 * repo_list_json in the reader's scope, into a table from key text to records (per
 * alternative) and from record to its key. A key that holds a reference holds that record's
 * key, so the referenced register is read first; declarations keep that chain acyclic. An
 * import's rows are added as pending records. Nothing here writes to the database. */
#include "io/keys.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define KEYS_ARENA_CAP (512u << 20) /* the key texts of every register read */
#define PAGE_ARENA_CAP (16u << 20)  /* one list page's temporaries, freed after each page */
#define CURSOR_CAP     (64u << 10)
#define KEY_TEXT_CAP   (64u << 10) /* one key: a few short fields */
#define KEYS_PAGE      500
#define KEYS_MAX_SETS  256 /* registers asked about; the registry has far fewer */

bool key_spec_parse(const struct entity *e, struct key_spec *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	const char *p = e->io.key;
	if (!p)
		return true;
	for (;;) {
		if (out->nalts == KEY_MAX_ALTS) {
			*why = "has more than 3 alternatives";
			return false;
		}
		struct key_alt *alt = &out->alts[out->nalts++];
		for (;;) {
			size_t len = strcspn(p, "|+");
			char name[64];
			if (!len || len >= sizeof(name)) {
				*why = "has an empty or overlong field name";
				return false;
			}
			memcpy(name, p, len);
			name[len] = '\0';
			int k = model_field_index(e, name);
			if (k < 0 || e->fields[k].type == FT_FILE) {
				*why = "names no field that can be a key";
				return false;
			}
			if (alt->nparts == KEY_MAX_PARTS) {
				*why = "has more than 3 fields in one alternative";
				return false;
			}
			for (size_t i = 0; i < alt->nparts; i++)
				if (alt->parts[i] == &e->fields[k]) {
					*why = "names a field twice";
					return false;
				}
			alt->parts[alt->nparts++] = &e->fields[k];
			p += len;
			if (*p != '+')
				break;
			p++;
		}
		if (!*p)
			return true;
		p++; /* '|' */
	}
}

void key_part(struct buf *b, bool first, const char *s, size_t n)
{
	if (!first)
		buf_addc(b, ' ');
	buf_add(b, s, n);
}

const char *key_describe(struct arena *a, const struct entity *e, int alt)
{
	struct key_spec ks;
	const char *why;
	if (!key_spec_parse(e, &ks, &why) || !ks.nalts || alt >= (int)ks.nalts)
		return "key";
	struct buf b;
	buf_init(&b, 1024);
	for (size_t i = alt < 0 ? 0 : (size_t)alt; i < (alt < 0 ? ks.nalts : (size_t)alt + 1);
	     i++) {
		buf_adds(&b, buf_cstr(&b)[0] ? " or " : "");
		for (size_t k = 0; k < ks.alts[i].nparts; k++) {
			/* a reference part is named by its register: "catalogue control" */
			const struct field *f = ks.alts[i].parts[k];
			const struct entity *re = f->type == FT_REF ? model_entity(f->ref) : NULL;
			buf_adds(&b, k ? " and " : "");
			for (const char *l = re ? re->title : f->label; *l; l++)
				buf_addc(&b, *l >= 'A' && *l <= 'Z' ? (char)(*l - 'A' + 'a') : *l);
		}
	}
	const char *s = buf_failed(&b) ? NULL : arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return s ? s : "key";
}

/* One record's text in one alternative. Entries live in two chained hash tables: by text
 * (every alternative), and by record (only its key, the first alternative it has). */
struct entry {
	int64_t id;  /* a stored record's, or 0 */
	int64_t tok; /* a pending record's, or 0 */
	const char *s;
	size_t n;
	uint32_t next;	 /* the next entry in its text bucket, plus one; 0 ends */
	uint32_t idnext; /* the next key in its record bucket, plus one */
	uint8_t alt;
	bool key; /* the record's key: in the record table */
};

struct keyset {
	const struct entity *e;
	struct key_spec spec;
	enum { SET_NEW, SET_LOADING, SET_LOADED } state;
	struct entry *v;
	size_t n, cap;
	size_t nstored;	   /* entries of stored records: the first ones, pending ones after */
	uint32_t *tb, *ib; /* text and record buckets, nb of each (a power of two) */
	size_t nb;
};

struct keys {
	struct repo_ctx c;
	struct key_reader rd;
	bool scoped;
	struct arena a; /* key texts and list queries */
	struct keyset **sets;
	size_t nsets;
	bool no_reads; /* inside the caller's write transaction: nothing more is read */
};

static uint64_t hash_text(uint8_t alt, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ alt;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t hash_id(int64_t id)
{
	uint64_t x = (uint64_t)id;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* A pending record is in the record table under -tok: stored ids are positive. */
static int64_t record_of(const struct entry *en)
{
	return en->tok ? -en->tok : en->id;
}

static void chain(struct keyset *ks, size_t i)
{
	struct entry *en = &ks->v[i];
	size_t t = hash_text(en->alt, en->s, en->n) & (ks->nb - 1);
	en->next = ks->tb[t];
	ks->tb[t] = (uint32_t)(i + 1);
	if (en->key) {
		size_t r = hash_id(record_of(en)) & (ks->nb - 1);
		en->idnext = ks->ib[r];
		ks->ib[r] = (uint32_t)(i + 1);
	}
}

static enum err grow(struct keyset *ks)
{
	if (ks->n < ks->cap)
		return ERR_OK;
	if (ks->cap >= (1u << 30))
		return ERR_TOO_LARGE;
	size_t cap = ks->cap ? 2 * ks->cap : 256;
	struct entry *v = realloc(ks->v, cap * sizeof(*v));
	if (!v)
		return ERR_NOMEM;
	ks->v = v;
	ks->cap = cap;
	/* one bucket per entry: rebuilt whole, which keeps the chains short */
	uint32_t *tb = calloc(cap, sizeof(*tb)), *ib = calloc(cap, sizeof(*ib));
	if (!tb || !ib) {
		free(tb);
		free(ib);
		return ERR_NOMEM;
	}
	free(ks->tb);
	free(ks->ib);
	ks->tb = tb;
	ks->ib = ib;
	ks->nb = cap;
	for (size_t i = 0; i < ks->n; i++)
		chain(ks, i);
	return ERR_OK;
}

static enum err add_entry(struct keys *k, struct keyset *ks, int64_t id, int64_t tok, int alt,
			  const char *s, size_t n, bool key)
{
	enum err err = grow(ks);
	if (err)
		return err;
	char *copy = arena_strndup(&k->a, s, n);
	if (!copy)
		return ERR_TOO_LARGE;
	ks->v[ks->n] = (struct entry){
		.id = id, .tok = tok, .s = copy, .n = n, .alt = (uint8_t)alt, .key = key
	};
	chain(ks, ks->n++);
	return ERR_OK;
}

static struct keyset *set_of(struct keys *k, const struct entity *e)
{
	for (size_t i = 0; i < k->nsets; i++)
		if (k->sets[i]->e == e)
			return k->sets[i];
	if (k->nsets == KEYS_MAX_SETS)
		return NULL;
	struct keyset *ks = calloc(1, sizeof(*ks));
	const char *why;
	if (!ks)
		return NULL;
	ks->e = e;
	if (!key_spec_parse(e, &ks->spec, &why))
		ks->spec.nalts = 0; /* a test holds every declaration valid */
	k->sets[k->nsets++] = ks;
	return ks;
}

static enum err load(struct keys *k, struct keyset *ks);

/* The text of one part of item's key, appended to b; false when the part has no value. */
static enum err part_text(struct keys *k, const struct field *f, json_t *v, bool first,
			  struct buf *b, bool *set)
{
	*set = false;
	if (f->type == FT_REF) {
		if (!json_is_integer(v))
			return ERR_OK;
		const struct entity *re = model_entity(f->ref);
		const char *s;
		size_t n;
		enum err err = re ? keys_text(k, re, json_integer_value(v), &s, &n) : ERR_INTERNAL;
		if (err || !s)
			return err;
		key_part(b, first, s, n);
	} else if (json_is_string(v) && json_string_length(v)) {
		key_part(b, first, json_string_value(v), json_string_length(v));
	} else if (json_is_integer(v)) {
		char num[24];
		int len = snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		key_part(b, first, num, (size_t)len);
	} else if (json_is_boolean(v)) {
		key_part(b, first, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
	} else {
		return ERR_OK;
	}
	*set = true;
	return ERR_OK;
}

/* One listed record: its text in each alternative whose fields all have a value. */
static enum err add_record(struct keys *k, struct keyset *ks, json_t *item, struct buf *b)
{
	json_t *jid = json_object_get(item, "id");
	if (!json_is_integer(jid))
		return ERR_INTERNAL;
	bool key = true;
	for (size_t a = 0; a < ks->spec.nalts; a++) {
		const struct key_alt *alt = &ks->spec.alts[a];
		bool set = true;
		buf_reset(b);
		for (size_t p = 0; p < alt->nparts && set; p++) {
			enum err err = part_text(k, alt->parts[p],
						 json_object_get(item, alt->parts[p]->name), p == 0,
						 b, &set);
			if (err)
				return err;
		}
		if (!set)
			continue;
		if (buf_failed(b))
			return ERR_TOO_LARGE;
		enum err err = add_entry(k, ks, json_integer_value(jid), 0, (int)a, buf_cstr(b),
					 b->len, key);
		if (err)
			return err;
		key = false;
	}
	return ERR_OK;
}

/* Reads every record of the register the reader may list, a page at a time. */
static enum err load(struct keys *k, struct keyset *ks)
{
	if (ks->state == SET_LOADED)
		return ERR_OK;
	if (ks->state == SET_LOADING)
		return ERR_INTERNAL; /* a key that holds itself: declarations keep this out */
	ks->state = SET_LOADING;
	if (!ks->spec.nalts || k->no_reads) {
		ks->state = SET_LOADED;
		return ks->spec.nalts ? ERR_INTERNAL : ERR_OK;
	}
	struct list_query *lq = arena_alloc(&k->a, sizeof(*lq));
	if (!lq)
		return ERR_NOMEM;
	list_query_init(lq);
	if (k->scoped && !k->rd.scope(k->rd.arg, ks->e, lq)) {
		ks->state = SET_LOADED; /* the reader may list none of them: no key finds one */
		return ERR_OK;
	}
	lq->limit = KEYS_PAGE;
	lq->cursor = NULL;
	struct arena pa;
	arena_init(&pa, PAGE_ARENA_CAP);
	struct repo_ctx pc = k->c;
	pc.a = &pa;
	struct buf page, cursor, text;
	buf_init(&page, 0);
	buf_init(&cursor, CURSOR_CAP);
	buf_init(&text, KEY_TEXT_CAP);
	enum err err = ERR_OK;
	for (bool more = true; more && !err;) {
		const char *why = NULL;
		buf_reset(&page);
		err = repo_list_json(&pc, ks->e, lq, &page, &why);
		json_t *j = err ? NULL : json_loadb(page.p, page.len, 0, NULL);
		if (!err && !j)
			err = ERR_INTERNAL;
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(j, "items"), i, item)
		{
			if (!err)
				err = add_record(k, ks, item, &text);
		}
		json_t *next = json_object_get(j, "next");
		more = !err && json_is_string(next);
		if (more) {
			buf_reset(&cursor);
			buf_add(&cursor, json_string_value(next), json_string_length(next));
			if (buf_failed(&cursor))
				err = ERR_INTERNAL;
			lq->cursor = buf_cstr(&cursor);
		}
		json_decref(j);
		arena_free(&pa);
	}
	buf_free(&page);
	buf_free(&cursor);
	buf_free(&text);
	arena_free(&pa);
	ks->state = SET_LOADED;
	ks->nstored = ks->n;
	return err;
}

enum err keys_load(struct keys *k, const struct entity *e)
{
	struct keyset *ks = set_of(k, e);
	return ks ? load(k, ks) : ERR_NOMEM;
}

void keys_forget_pending(struct keys *k)
{
	for (size_t i = 0; i < k->nsets; i++) {
		struct keyset *ks = k->sets[i];
		if (ks->n == ks->nstored)
			continue;
		ks->n = ks->nstored;
		memset(ks->tb, 0, ks->nb * sizeof(*ks->tb));
		memset(ks->ib, 0, ks->nb * sizeof(*ks->ib));
		for (size_t j = 0; j < ks->n; j++)
			chain(ks, j);
	}
}

enum err keys_open(const struct repo_ctx *c, const struct key_reader *rd, struct keys **out)
{
	struct keys *k = calloc(1, sizeof(*k));
	*out = NULL;
	if (!k || !(k->sets = calloc(KEYS_MAX_SETS, sizeof(*k->sets)))) {
		free(k);
		return ERR_NOMEM;
	}
	k->c = *c;
	if (rd && rd->scope) {
		k->rd = *rd;
		k->scoped = true;
	}
	arena_init(&k->a, KEYS_ARENA_CAP);
	*out = k;
	return ERR_OK;
}

void keys_close(struct keys *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nsets; i++) {
		free(k->sets[i]->v);
		free(k->sets[i]->tb);
		free(k->sets[i]->ib);
		free(k->sets[i]);
	}
	free(k->sets);
	arena_free(&k->a);
	free(k);
}

static const struct entry *key_entry(struct keyset *ks, int64_t rec)
{
	if (!ks->nb)
		return NULL;
	for (uint32_t i = ks->ib[hash_id(rec) & (ks->nb - 1)]; i; i = ks->v[i - 1].idnext)
		if (record_of(&ks->v[i - 1]) == rec)
			return &ks->v[i - 1];
	return NULL;
}

enum err keys_text(struct keys *k, const struct entity *e, int64_t id, const char **s, size_t *n)
{
	*s = NULL;
	*n = 0;
	struct keyset *ks = set_of(k, e);
	if (!ks)
		return ERR_NOMEM;
	enum err err = load(k, ks);
	if (err)
		return err;
	const struct entry *en = id > 0 ? key_entry(ks, id) : NULL;
	if (en) {
		*s = en->s;
		*n = en->n;
	}
	return ERR_OK;
}

void keys_stop_reading(struct keys *k, bool stop)
{
	k->no_reads = stop;
}

enum err keys_add_pending(struct keys *k, const struct entity *e, int64_t tok,
			  const char *const texts[KEY_MAX_ALTS])
{
	struct keyset *ks = set_of(k, e);
	if (!ks)
		return ERR_NOMEM;
	enum err err = load(k, ks);
	bool key = true;
	for (size_t a = 0; !err && a < ks->spec.nalts; a++) {
		if (!texts[a])
			continue;
		err = add_entry(k, ks, 0, tok, (int)a, texts[a], strlen(texts[a]), key);
		key = false;
	}
	return err;
}

const char *keys_pending_text(struct keys *k, const struct entity *e, int64_t tok)
{
	struct keyset *ks = set_of(k, e);
	const struct entry *en = ks && tok > 0 ? key_entry(ks, -tok) : NULL;
	return en ? en->s : NULL;
}

enum err keys_find(struct keys *k, const struct entity *e, const char *s, size_t n,
		   struct key_match *m)
{
	memset(m, 0, sizeof(*m));
	struct keyset *ks = set_of(k, e);
	if (!ks)
		return ERR_NOMEM;
	enum err err = load(k, ks);
	if (err || !ks->nb)
		return err;
	for (size_t a = 0; a < ks->spec.nalts && !m->count; a++) {
		uint64_t h = hash_text((uint8_t)a, s, n) & (ks->nb - 1);
		for (uint32_t i = ks->tb[h]; i; i = ks->v[i - 1].next) {
			const struct entry *en = &ks->v[i - 1];
			if (en->alt != a || en->n != n || memcmp(en->s, s, n) != 0)
				continue;
			if (!m->count++) {
				m->alt = (int)a;
				m->id = en->id;
				m->tok = en->tok;
			}
		}
	}
	return ERR_OK;
}
