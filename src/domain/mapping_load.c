/* mapping_load.c - control mappings from a CSV of identifier pairs. Each framework's controls
 * are read once into a sorted table, so a pair costs two binary searches and one look-up for
 * an existing mapping; the CSV syntax is io/csvread.c's, the records repo's. */
#include "domain/mapping_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/domain.h"
#include "io/csvread.h"

struct ident {
	const char *control_id;
	int64_t id;
};

struct catalogue {
	const char *code;
	struct ident *v;
	size_t n;
};

static int ident_cmp(const void *x, const void *y)
{
	return strcmp(((const struct ident *)x)->control_id, ((const struct ident *)y)->control_id);
}

/* Every control of the framework with that code, sorted by identifier. */
static enum err catalogue_read(struct repo_ctx *c, const char *code, struct catalogue *cat,
			       const char **why)
{
	struct db_stmt *st;
	cat->code = code;
	cat->n = 0;
	enum err e = db_prepare(c->db,
				"SELECT f.id, (SELECT COUNT(*) FROM catalog_controls x WHERE"
				" x.framework_id = f.id) FROM frameworks f WHERE f.code = $1",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, code);
	bool row;
	e = db_step(st, &row);
	int64_t fid = !e && row ? db_col_int(st, 0) : 0, total = fid ? db_col_int(st, 1) : 0;
	db_done(st);
	if (e)
		return e;
	if (!fid) {
		*why = arena_printf(c->a, "no framework with the code '%s'", code);
		return ERR_NOT_FOUND;
	}
	cat->v = arena_alloc_raw(c->a, (size_t)(total > 0 ? total : 1) * sizeof(*cat->v));
	if (!cat->v)
		return ERR_NOMEM;
	if ((e = db_prepare(c->db,
			    "SELECT control_id, id FROM catalog_controls WHERE framework_id = $1",
			    &st)))
		return e;
	db_bind_int(st, 1, fid);
	while (!(e = db_step(st, &row)) && row && (int64_t)cat->n < total) {
		const char *cid = db_col_text(st, 0, NULL);
		cat->v[cat->n] =
			(struct ident){ arena_strdup(c->a, cid ? cid : ""), db_col_int(st, 1) };
		if (!cat->v[cat->n++].control_id) {
			e = ERR_NOMEM;
			break;
		}
	}
	db_done(st);
	if (e)
		return e;
	if (cat->n)
		qsort(cat->v, cat->n, sizeof(*cat->v), ident_cmp);
	return ERR_OK;
}

/* The controls an identifier stands for: [*first, *first + *count). "A.12.x" matches every
 * identifier starting with "A.12.". */
static void catalogue_find(const struct catalogue *cat, const char *id, size_t *first,
			   size_t *count)
{
	size_t len = strlen(id);
	bool prefix = len > 2 && strcmp(id + len - 2, ".x") == 0;
	size_t plen = prefix ? len - 1 : len;
	/* lower bound of id (or of the prefix, which sorts before everything it starts) */
	size_t lo = 0, hi = cat->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(cat->v[mid].control_id, id, plen) < 0 ||
		    (!prefix && strcmp(cat->v[mid].control_id, id) < 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < cat->n && (prefix ? strncmp(cat->v[end].control_id, id, plen) == 0
				       : strcmp(cat->v[end].control_id, id) == 0))
		end++;
	*first = lo;
	*count = end - lo;
}

static bool relationship_valid(const char *rel)
{
	int i = model_field_index(&entity_control_mapping, "relationship");
	for (const struct choice *ch = entity_control_mapping.fields[i].choices; ch->value; ch++)
		if (strcmp(ch->value, rel) == 0)
			return true;
	return false;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

static bool named(const struct str *cell, const char *name)
{
	return cell->n == strlen(name) && strncasecmp(cell->p, name, cell->n) == 0;
}

struct columns {
	int from, to, rel, status;
};

static bool columns_find(const struct str *cells, size_t n, struct columns *col)
{
	*col = (struct columns){ -1, -1, -1, -1 };
	for (size_t i = 0; i < n; i++) {
		if (named(&cells[i], "from"))
			col->from = (int)i;
		else if (named(&cells[i], "to"))
			col->to = (int)i;
		else if (named(&cells[i], "relationship"))
			col->rel = (int)i;
		else if (named(&cells[i], "status"))
			col->status = (int)i;
	}
	if (col->from >= 0 && col->to >= 0)
		return true;
	/* NIST's tables: the first two identifier columns, in file order */
	col->from = col->to = -1;
	for (size_t i = 0; i < n && col->to < 0; i++) {
		if (!ends_with(cells[i].p, cells[i].n, "_id") &&
		    !ends_with(cells[i].p, cells[i].n, "_ref"))
			continue;
		if (col->from < 0)
			col->from = (int)i;
		else
			col->to = (int)i;
	}
	return col->to >= 0;
}

static enum err mapping_exists(struct db *db, int64_t from, int64_t to, bool *exists)
{
	struct db_stmt *st;
	enum err e = db_prepare(
		db, "SELECT 1 FROM control_mappings WHERE from_id = $1 AND to_id = $2", &st);
	if (e)
		return e;
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, to);
	e = db_step(st, exists);
	db_done(st);
	return e;
}

struct loader {
	struct repo_ctx *c; /* inside the transaction; c->a holds the report */
	struct arena row;
	struct catalogue from, to;
	const char *source;
	struct mapping_load_report *rep;
	const char **why;
};

static void note_unknown(struct loader *ld, int64_t row, const char *column, const char *id)
{
	struct mapping_load_report *rep = ld->rep;
	rep->unknown++;
	if (rep->nlisted == MAPPING_MAX_UNKNOWN)
		return;
	if (!rep->listed)
		rep->listed = arena_alloc(ld->c->a, MAPPING_MAX_UNKNOWN * sizeof(*rep->listed));
	if (!rep->listed)
		return;
	rep->listed[rep->nlisted++] =
		(struct mapping_unknown){ row, column, arena_strdup(ld->c->a, id) };
}

static enum err write_pair(struct loader *ld, int64_t from, int64_t to, const char *rel)
{
	bool exists;
	enum err e = mapping_exists(ld->c->db, from, to, &exists);
	if (e || exists) {
		ld->rep->existing += exists;
		return e;
	}
	struct repo_ctx rc = *ld->c;
	rc.a = &ld->row;
	struct record *r = model_record_new(rc.a, &entity_control_mapping);
	const char *why;
	char num[2][24];
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)from);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)to);
	const struct entity *me = &entity_control_mapping;
	int fi = model_field_index(me, "from_id"), ti = model_field_index(me, "to_id");
	int ri = model_field_index(me, "relationship"), si = model_field_index(me, "source");
	if (!r ||
	    !model_parse_text(rc.a, &me->fields[fi], num[0], strlen(num[0]), &r->v[fi], &why) ||
	    !model_parse_text(rc.a, &me->fields[ti], num[1], strlen(num[1]), &r->v[ti], &why) ||
	    !model_parse_text(rc.a, &me->fields[ri], rel, strlen(rel), &r->v[ri], &why) ||
	    !model_parse_text(rc.a, &me->fields[si], ld->source, strlen(ld->source), &r->v[si],
			      &why))
		return ERR_NOMEM;
	struct verrors ve = { 0 };
	int64_t id;
	e = repo_create(&rc, r, &ve, &id);
	if (e == ERR_INVALID)
		*ld->why = arena_printf(ld->c->a, "a mapping was refused: %s %s",
					ve.n && ve.items[0].field ? ve.items[0].field : "",
					ve.n ? ve.items[0].message : "");
	if (!e)
		ld->rep->created++;
	arena_free(&ld->row);
	return e;
}

static enum err load_rows(struct loader *ld, const char *rel_default, const char *data, size_t n)
{
	struct repo_ctx *c = ld->c;
	struct mapping_load_report *rep = ld->rep;
	struct csv_reader rd;
	csv_reader_init(&rd, data, n);
	struct str cells[CSV_MAX_CELLS];
	size_t ncells;
	bool more;
	const char *cwhy;
	struct columns col;
	enum err e = csv_read_record(&rd, c->a, cells, &ncells, &more, &cwhy);
	if (e || !more || !columns_find(cells, ncells, &col)) {
		*ld->why = e ? arena_printf(c->a, "not CSV: record %lld: %s", (long long)rd.record,
					    cwhy)
			     : "the header names no identifier columns: call them from and to, or "
			       "end their names in _id or _ref";
		return ERR_BAD_REQUEST;
	}
	rep->from_column = arena_strndup(c->a, cells[col.from].p, cells[col.from].n);
	rep->to_column = arena_strndup(c->a, cells[col.to].p, cells[col.to].n);
	for (;;) {
		if ((e = csv_read_record(&rd, c->a, cells, &ncells, &more, &cwhy))) {
			*ld->why = arena_printf(c->a, "not CSV: record %lld: %s",
						(long long)rd.record, cwhy);
			return e;
		}
		if (!more)
			break;
		if (ncells == 1 && !cells[0].n)
			continue; /* an empty line */
		if (++rep->rows > MAPPING_MAX_ROWS) {
			*ld->why = "more than 100,000 rows: split the file";
			return ERR_TOO_LARGE;
		}
		const char *side[2] = { NULL, NULL }, *rel = rel_default;
		int which[2] = { col.from, col.to };
		for (int k = 0; k < 2; k++)
			if ((size_t)which[k] < ncells && cells[which[k]].n)
				side[k] = arena_strndup(c->a, cells[which[k]].p, cells[which[k]].n);
		if (col.rel >= 0 && (size_t)col.rel < ncells && cells[col.rel].n)
			rel = arena_strndup(c->a, cells[col.rel].p, cells[col.rel].n);
		bool mapped = !(col.status >= 0 && (size_t)col.status < ncells &&
				cells[col.status].n && !named(&cells[col.status], "mapped"));
		if (!side[0] || !side[1] || !mapped) {
			rep->unmapped++;
			continue;
		}
		if (!rel || !relationship_valid(rel)) {
			*ld->why =
				arena_printf(c->a,
					     "record %lld: the relationship '%s' is none of equal, "
					     "subset, superset, intersects",
					     (long long)rd.record, rel ? rel : "");
			return ERR_INVALID;
		}
		size_t f0, fn, t0, tn;
		catalogue_find(&ld->from, side[0], &f0, &fn);
		catalogue_find(&ld->to, side[1], &t0, &tn);
		if (!fn)
			note_unknown(ld, rd.record, rep->from_column, side[0]);
		if (!tn)
			note_unknown(ld, rd.record, rep->to_column, side[1]);
		for (size_t i = 0; i < fn; i++)
			for (size_t j = 0; j < tn; j++)
				if ((e = write_pair(ld, ld->from.v[f0 + i].id, ld->to.v[t0 + j].id,
						    rel)))
					return e;
	}
	if (!rep->created && !rep->existing) {
		*ld->why = arena_printf(c->a,
					"no pair of the file names controls of %s and %s: are the "
					"frameworks given the right way round?",
					ld->from.code, ld->to.code);
		return ERR_INVALID;
	}
	return ERR_OK;
}

enum err mapping_load(struct repo_ctx *c, const char *from_code, const char *to_code,
		      const char *relationship, const char *source, const char *data, size_t n,
		      struct mapping_load_report *rep, const char **why)
{
	memset(rep, 0, sizeof(*rep));
	*why = NULL;
	if (!relationship)
		relationship = "intersects";
	if (!relationship_valid(relationship)) {
		*why = "the relationship must be equal, subset, superset or intersects";
		return ERR_INVALID;
	}
	struct repo_ctx tc = *c;
	tc.in_tx = true;
	struct loader ld = {
		.c = &tc, .source = source ? source : "mapping import", .rep = rep, .why = why
	};
	arena_init(&ld.row, 1u << 20);
	enum err e = db_begin(c->db);
	if (e)
		return e;
	if (!(e = catalogue_read(&tc, from_code, &ld.from, why)) &&
	    !(e = catalogue_read(&tc, to_code, &ld.to, why)))
		e = load_rows(&ld, relationship, data, n);
	arena_free(&ld.row);
	if (!e)
		e = db_commit(c->db);
	if (e) {
		db_rollback(c->db);
		struct mapping_load_report keep = *rep; /* what was read explains the refusal */
		memset(rep, 0, sizeof(*rep));
		rep->rows = keep.rows;
		rep->from_column = keep.from_column;
		rep->to_column = keep.to_column;
		rep->unknown = keep.unknown;
		rep->nlisted = keep.nlisted;
		rep->listed = keep.listed;
		return e;
	}
	return ERR_OK;
}
