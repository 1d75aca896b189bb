/* oscal_load.c - an OSCAL catalog into the frameworks and catalogue controls registers: the
 * file is parsed whole first (so a malformed one writes nothing), then every record goes
 * through repo_create in one transaction. Format knowledge stays in io/oscal.c. */
#include "domain/oscal_load.h"

#include <stdio.h>
#include <string.h>

#include "domain/domain.h"
#include "io/oscal.h"

#define PROGRESS_EVERY 250

/* Sets a text field from a C string; false when the value cannot be that field's type. */
static bool put(struct arena *a, struct record *r, const char *name, const char *s)
{
	int i = model_field_index(r->e, name);
	const char *why;
	return i >= 0 && model_parse_text(a, &r->e->fields[i], s, strlen(s), &r->v[i], &why);
}

static bool put_int(struct arena *a, struct record *r, const char *name, int64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%lld", (long long)v);
	return put(a, r, name, num);
}

/* s cut to at most max characters (UTF-8), with an ellipsis when cut: a catalog's long title
 * or version should not keep it out, while identifiers and control titles are refused whole. */
static const char *clip(struct arena *a, const char *s, size_t max)
{
	size_t chars = 0, i = 0, cut = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (chars == max - 1)
			cut = i;
		if (++chars > max)
			break;
	}
	if (!s[i])
		return s;
	char *out = arena_alloc(a, cut + 4);
	if (!out)
		return NULL;
	memcpy(out, s, cut);
	memcpy(out + cut, "\xE2\x80\xA6", 4); /* ... and the terminating NUL */
	return out;
}

/* "NIST SP 800-53 Rev 5" -> "nist-sp-800-53-rev-5": letters and digits, runs of anything
 * else one dash, at most 64 bytes. */
static char *code_from_title(struct arena *a, const char *title)
{
	char *out = arena_alloc(a, 65);
	size_t n = 0;
	for (const char *p = title; out && *p && n < 64; p++) {
		char ch = *p;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		bool keep = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.';
		if (keep)
			out[n++] = ch;
		else if (n && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (out && n && out[n - 1] == '-')
		n--;
	if (out)
		out[n] = '\0';
	return out;
}

static enum err framework_exists(struct db *db, const char *code, bool *exists)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT 1 FROM frameworks WHERE code = $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, code);
	e = db_step(st, exists);
	db_done(st);
	return e;
}

/* A refusal from the register's rules, as one line naming the record. */
static const char *refusal(struct arena *a, const char *what, const struct verrors *ve)
{
	if (!ve->n)
		return arena_printf(a, "%s was refused", what);
	return arena_printf(a, "%s: %s %s", what, ve->items[0].field ? ve->items[0].field : "",
			    ve->items[0].message);
}

static enum err write_framework(struct repo_ctx *c, const struct oscal_catalog *cat,
				const char *code, const char *source, int64_t *id, const char **why)
{
	struct record *fw = model_record_new(c->a, &entity_framework);
	const char *kind = strstr(cat->title, "800-53") ? "nist80053" : "other";
	if (!fw || !put(c->a, fw, "code", code) || !put(c->a, fw, "name", cat->title) ||
	    !put(c->a, fw, "kind", kind) || !put(c->a, fw, "source", source) ||
	    (cat->version && !put(c->a, fw, "edition", cat->version)))
		return ERR_NOMEM;
	struct verrors ve = { 0 };
	enum err e = repo_create(c, fw, &ve, id);
	if (e == ERR_INVALID)
		*why = refusal(c->a, "the framework", &ve);
	return e;
}

/* One catalogue control; its temporaries live in the row arena, freed by the caller. */
static enum err write_control(struct repo_ctx *rc, const struct oscal_control *oc,
			      int64_t framework_id, int64_t parent_id, int64_t order, int64_t *id,
			      struct arena *report, const char **why)
{
	struct arena *a = rc->a;
	struct record *r = model_record_new(a, &entity_catalog_control);
	if (!r || !put_int(a, r, "framework_id", framework_id) ||
	    !put(a, r, "control_id", oc->label) || !put(a, r, "title", oc->title) ||
	    (oc->group_id && !put(a, r, "group_id", oc->group_id)) ||
	    (oc->group_title && !put(a, r, "group_title", oc->group_title)) ||
	    (parent_id && !put_int(a, r, "parent_id", parent_id)) ||
	    (*oc->statement && !put(a, r, "statement", oc->statement)) ||
	    (*oc->guidance && !put(a, r, "guidance", oc->guidance)) ||
	    !put(a, r, "withdrawn", oc->withdrawn ? "true" : "false") ||
	    !put_int(a, r, "sort_order", order))
		return ERR_NOMEM;
	struct verrors ve = { 0 };
	enum err e = repo_create(rc, r, &ve, id);
	if (e == ERR_INVALID)
		*why = refusal(report, arena_printf(a, "control '%s'", oc->id), &ve);
	return e;
}

static enum err load(struct repo_ctx *c, const struct oscal_catalog *cat, const char *code,
		     const char *source, oscal_progress_fn progress, void *parg,
		     struct oscal_load_report *rep, const char **why)
{
	int64_t fid;
	enum err e = write_framework(c, cat, code, source, &fid, why);
	if (e)
		return e;
	rep->framework_id = fid;
	int64_t *ids = arena_alloc_raw(c->a, (cat->ncontrols ? cat->ncontrols : 1) * sizeof(*ids));
	if (!ids)
		return ERR_NOMEM;
	struct arena row;
	arena_init(&row, 16u << 20);
	struct repo_ctx rc = *c;
	rc.a = &row;
	for (size_t i = 0; i < cat->ncontrols && !e; i++) {
		const struct oscal_control *oc = &cat->controls[i];
		/* parents come first in document order, so their ids are known */
		int64_t parent = oc->parent >= 0 ? ids[oc->parent] : 0;
		e = write_control(&rc, oc, fid, parent, (int64_t)i + 1, &ids[i], c->a, why);
		arena_free(&row);
		if (!e && progress && ((i + 1) % PROGRESS_EVERY == 0 || i + 1 == cat->ncontrols))
			progress(parg, i + 1, cat->ncontrols);
	}
	arena_free(&row);
	return e;
}

enum err oscal_load(struct repo_ctx *c, const char *code, const char *source, const char *data,
		    size_t n, oscal_progress_fn progress, void *parg, struct oscal_load_report *rep,
		    const char **why)
{
	memset(rep, 0, sizeof(*rep));
	*why = NULL;
	struct oscal_catalog cat;
	enum err e = oscal_parse(c->a, data, n, &cat, why);
	if (e)
		return e;
	if (!code || !*code)
		code = code_from_title(c->a, cat.title);
	if (!code)
		return ERR_NOMEM;
	cat.title = clip(c->a, cat.title, 200);
	cat.version = cat.version ? clip(c->a, cat.version, 64) : NULL;
	const char *src = clip(c->a, source ? source : "OSCAL import", 500);
	if (!cat.title || !src)
		return ERR_NOMEM;
	rep->code = code;
	rep->name = cat.title;
	rep->edition = cat.version;
	bool exists = false;
	struct repo_ctx tc = *c;
	tc.in_tx = true;
	if ((e = db_begin(c->db)))
		return e;
	if (!(e = framework_exists(c->db, code, &exists)) && exists) {
		e = ERR_CONFLICT;
		*why = arena_printf(c->a, "a framework with the code '%s' exists already", code);
	}
	if (!e)
		e = load(&tc, &cat, code, src, progress, parg, rep, why);
	if (!e)
		e = db_commit(c->db);
	if (e) {
		db_rollback(c->db);
		rep->framework_id = 0;
		return e;
	}
	rep->controls = (int64_t)cat.ncontrols;
	rep->enhancements = (int64_t)cat.nenhancements;
	rep->withdrawn = (int64_t)cat.nwithdrawn;
	return ERR_OK;
}
