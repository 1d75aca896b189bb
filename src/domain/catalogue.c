/* catalogue.c - loading the built-in control catalogues: a framework record, then one
 * catalogue control per CSV row (or one mapping per pair), created through repo so each is
 * validated and audited, all in one transaction. */
#include "domain/catalogue.h"

#include <stdio.h>
#include <string.h>

#include "core/repo.h"
#include "domain/domain.h"
#include "io/csvread.h"

struct builtin {
	const char *name, *file;
	const char *title, *edition, *description;
};

static const struct builtin builtins[] = {
	{ "iso27001-2022", "iso27001-2022.csv", "ISO/IEC 27001:2022 Annex A", "2022",
	  "The 93 controls of ISO/IEC 27001:2022 Annex A in four themes. Titles are written for "
	  "Custos; an organisation holding the standard can import the official ones." },
	{ "iso27001-2013", "iso27001-2013.csv", "ISO/IEC 27001:2013 Annex A", "2013",
	  "The 114 controls of ISO/IEC 27001:2013 Annex A in 14 domains. Titles are written for "
	  "Custos; an organisation holding the standard can import the official ones." },
};

const char *const catalogue_builtin_names[] = { "iso27001-2022", "iso27001-2013",
						"iso27001-2013-to-2022", NULL };

static const struct catalogue_file *file_named(const char *name)
{
	for (size_t i = 0; i < catalogue_files_count; i++)
		if (strcmp(catalogue_files[i].name, name) == 0)
			return &catalogue_files[i];
	return NULL;
}

static bool set(struct arena *a, struct record *r, const char *field, const char *s, size_t n)
{
	int i = model_field_index(r->e, field);
	const char *why;
	return i >= 0 && model_parse_text(a, &r->e->fields[i], s, n, &r->v[i], &why);
}

static bool set_int(struct arena *a, struct record *r, const char *field, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", (long long)v);
	return set(a, r, field, num, (size_t)n);
}

/* The id of a framework by code, or of a catalogue control by framework and identifier. */
static enum err find(struct db *db, const char *sql, const char *k1, const char *k2, int64_t *id)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, sql, &st);
	if (e)
		return e;
	db_bind_str(st, 1, k1);
	if (k2)
		db_bind_str(st, 2, k2);
	bool row;
	e = db_step(st, &row);
	*id = !e && row ? db_col_int(st, 0) : 0;
	db_done(st);
	return e;
}

static enum err create(struct repo_ctx *c, struct record *r)
{
	struct verrors ve = { 0 };
	int64_t id;
	enum err e = repo_create(c, r, &ve, &id);
	return e == ERR_INVALID ? ERR_INTERNAL : e; /* our own data is valid, or it is a bug */
}

static enum err load_controls(struct repo_ctx *c, const struct builtin *b, int64_t *records)
{
	int64_t fid;
	enum err e = find(c->db, "SELECT id FROM frameworks WHERE code = $1", b->name, NULL, &fid);
	if (e)
		return e;
	if (fid)
		return ERR_CONFLICT;
	const struct catalogue_file *f = file_named(b->file);
	if (!f)
		return ERR_NOT_FOUND;
	struct record *fw = model_record_new(c->a, &entity_framework);
	if (!fw || !set(c->a, fw, "code", b->name, strlen(b->name)) ||
	    !set(c->a, fw, "name", b->title, strlen(b->title)) ||
	    !set(c->a, fw, "kind", "iso27001", 8) ||
	    !set(c->a, fw, "edition", b->edition, strlen(b->edition)) ||
	    !set(c->a, fw, "source", "Built into Custos (data/catalogues)", 35) ||
	    !set(c->a, fw, "description", b->description, strlen(b->description)))
		return ERR_INTERNAL;
	struct verrors ve = { 0 };
	if ((e = repo_create(c, fw, &ve, &fid)))
		return e;
	(*records)++;
	struct csv_reader rd;
	csv_reader_init(&rd, f->data, f->len);
	struct str cells[CSV_MAX_CELLS];
	size_t n;
	bool more;
	const char *why;
	/* columns: control_id, group_id, group_title, title (the header row is skipped) */
	if ((e = csv_read_record(&rd, c->a, cells, &n, &more, &why)))
		return e;
	for (int64_t order = 1;; order++) {
		if ((e = csv_read_record(&rd, c->a, cells, &n, &more, &why)))
			return e;
		if (!more)
			break;
		if (n != 4)
			continue;
		struct record *r = model_record_new(c->a, &entity_catalog_control);
		if (!r || !set_int(c->a, r, "framework_id", fid) ||
		    !set(c->a, r, "control_id", cells[0].p, cells[0].n) ||
		    !set(c->a, r, "group_id", cells[1].p, cells[1].n) ||
		    !set(c->a, r, "group_title", cells[2].p, cells[2].n) ||
		    !set(c->a, r, "title", cells[3].p, cells[3].n) ||
		    !set_int(c->a, r, "sort_order", order) ||
		    !set(c->a, r, "withdrawn", "false", 5))
			return ERR_INTERNAL;
		if ((e = create(c, r)))
			return e;
		(*records)++;
	}
	return ERR_OK;
}

static enum err load_correspondence(struct repo_ctx *c, int64_t *records)
{
	static const char *const by_id = "SELECT cc.id FROM catalog_controls cc JOIN frameworks f"
					 " ON f.id = cc.framework_id WHERE f.code = $1"
					 " AND cc.control_id = $2";
	const struct catalogue_file *f = file_named("iso27001-2013-to-2022.csv");
	int64_t f13, f22, any;
	enum err e;
	if (!f ||
	    (e = find(c->db, "SELECT id FROM frameworks WHERE code = $1", "iso27001-2013", NULL,
		      &f13)) ||
	    (e = find(c->db, "SELECT id FROM frameworks WHERE code = $1", "iso27001-2022", NULL,
		      &f22)))
		return f ? e : ERR_NOT_FOUND;
	if (!f13 || !f22)
		return ERR_NOT_FOUND;
	if ((e = find(c->db,
		      "SELECT m.id FROM control_mappings m JOIN catalog_controls cc ON cc.id ="
		      " m.from_id WHERE cc.framework_id = (SELECT id FROM frameworks WHERE code ="
		      " $1)",
		      "iso27001-2013", NULL, &any)))
		return e;
	if (any)
		return ERR_CONFLICT;
	struct csv_reader rd;
	csv_reader_init(&rd, f->data, f->len);
	struct str cells[CSV_MAX_CELLS];
	size_t n;
	bool more;
	const char *why;
	if ((e = csv_read_record(&rd, c->a, cells, &n, &more, &why)))
		return e;
	for (;;) {
		if ((e = csv_read_record(&rd, c->a, cells, &n, &more, &why)))
			return e;
		if (!more)
			break;
		if (n != 3)
			continue;
		char *from = arena_strndup(c->a, cells[0].p, cells[0].n);
		char *to = arena_strndup(c->a, cells[1].p, cells[1].n);
		int64_t fid, tid;
		if (!from || !to || (e = find(c->db, by_id, "iso27001-2013", from, &fid)) ||
		    (e = find(c->db, by_id, "iso27001-2022", to, &tid)))
			return from && to ? e : ERR_NOMEM;
		struct record *r = model_record_new(c->a, &entity_control_mapping);
		if (!fid || !tid || !r || !set_int(c->a, r, "from_id", fid) ||
		    !set_int(c->a, r, "to_id", tid) ||
		    !set(c->a, r, "relationship", cells[2].p, cells[2].n) ||
		    !set(c->a, r, "source", "ISO/IEC 27002:2022 Annex B (identifiers)", 40))
			return ERR_INTERNAL;
		if ((e = create(c, r)))
			return e;
		(*records)++;
	}
	return ERR_OK;
}

enum err catalogue_load(struct db *db, const struct actor *who, const char *name, int64_t *records)
{
	*records = 0;
	const struct builtin *b = NULL;
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			b = &builtins[i];
	bool mapping = strcmp(name, "iso27001-2013-to-2022") == 0;
	if (!b && !mapping)
		return ERR_NOT_FOUND;
	struct arena a;
	arena_init(&a, 0);
	struct repo_ctx c = { .db = db, .a = &a, .who = who, .in_tx = true };
	enum err e = db_begin(db);
	if (!e) {
		e = mapping ? load_correspondence(&c, records) : load_controls(&c, b, records);
		if (!e)
			e = db_commit(db);
		if (e)
			db_rollback(db);
	}
	arena_free(&a);
	if (e)
		*records = 0;
	return e;
}

enum err catalogue_titles(struct db *db, const struct actor *who, const char *code,
			  const char *data, size_t n, int64_t *changed, int64_t *unknown_row)
{
	*changed = 0;
	*unknown_row = 0;
	int64_t fid;
	enum err e = find(db, "SELECT id FROM frameworks WHERE code = $1", code, NULL, &fid);
	if (e)
		return e;
	if (!fid)
		return ERR_NOT_FOUND;
	struct arena a;
	arena_init(&a, 0);
	struct repo_ctx c = { .db = db, .a = &a, .who = who, .in_tx = true };
	struct csv_reader rd;
	csv_reader_init(&rd, data, n);
	struct str cells[CSV_MAX_CELLS];
	size_t nc;
	bool more;
	const char *why;
	int idc = -1, tc = -1;
	if (!(e = db_begin(db)) && !(e = csv_read_record(&rd, &a, cells, &nc, &more, &why))) {
		/* the header names the two columns; others (group, ...) are ignored */
		for (size_t i = 0; i < nc; i++) {
			if (cells[i].n == 10 && !memcmp(cells[i].p, "control_id", 10))
				idc = (int)i;
			if (cells[i].n == 5 && !memcmp(cells[i].p, "title", 5))
				tc = (int)i;
		}
		if (idc < 0 || tc < 0)
			e = ERR_INVALID;
	}
	while (!e) {
		if ((e = csv_read_record(&rd, &a, cells, &nc, &more, &why)) || !more)
			break;
		if ((size_t)idc >= nc || (size_t)tc >= nc || !cells[tc].n)
			continue;
		char *cid = arena_strndup(&a, cells[idc].p, cells[idc].n);
		int64_t id;
		if (!cid || (e = find(db,
				      "SELECT id FROM catalog_controls WHERE framework_id = (SELECT"
				      " id FROM frameworks WHERE code = $1) AND control_id = $2",
				      code, cid, &id)))
			break;
		if (!id) {
			*unknown_row = rd.record; /* a control the catalogue does not have */
			e = ERR_INVALID;
			break;
		}
		struct record *patch = model_record_new(&a, &entity_catalog_control);
		if (!patch || !set(&a, patch, "title", cells[tc].p, cells[tc].n)) {
			e = patch ? ERR_INVALID : ERR_NOMEM;
			*unknown_row = rd.record;
			break;
		}
		struct verrors ve = { 0 };
		if ((e = repo_update(&c, &entity_catalog_control, id, patch, 0, &ve))) {
			*unknown_row = rd.record;
			break;
		}
		(*changed)++;
	}
	if (!e)
		e = db_commit(db);
	if (e) {
		db_rollback(db);
		*changed = 0;
	}
	arena_free(&a);
	return e;
}
