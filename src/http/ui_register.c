/* ui_register.c - the pages of every register, generated from the entity table: list (search,
 * filters, sortable columns, pages, count, exports), detail (fields, related records,
 * history), and create/edit forms with per-field errors that keep what was typed. A new
 * register gets all of this without a line here. */
#include <stdlib.h>
#include <string.h>

#include "core/authz.h"
#include "core/files.h"
#include "core/repo.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/ui.h"
#include "io/export.h"
#include "io/import.h"
#include "util/html.h"
#include "util/str.h"
#include "util/timeutil.h"

#define REF_OPTIONS_MAX 300 /* larger registers get a number box instead of a drop-down */

/* ---- shared ---- */

/* Answers 403 and returns SCOPE_NONE when the user may not do a at all. */
static unsigned allowed(struct ctx *c, enum authz_action a)
{
	unsigned scope = authz_scope(&c->who.subject, c->entity, a);
	if (scope == SCOPE_NONE)
		ui_error(c, ERR_FORBIDDEN, NULL);
	return scope;
}

static json_t *parse(struct buf *b)
{
	return json_loadb(b->p, b->len, 0, NULL);
}

/* Runs a list query into a parsed JSON page ({"items","next","total"}). */
static enum err list_page(struct ctx *c, const struct entity *e, struct list_query *lq,
			  json_t **out, const char **why)
{
	struct repo_ctx rc = http_repo(c);
	struct buf b;
	buf_init(&b, 0);
	enum err err = repo_list_json(&rc, e, lq, &b, why);
	if (!err) {
		*out = parse(&b);
		if (!*out)
			err = ERR_INTERNAL;
	}
	buf_free(&b);
	return err;
}

static const char *plural_lower(struct ctx *c, const struct entity *e, int64_t n)
{
	const char *t = n == 1 ? e->title : e->title_plural;
	char *s = arena_strdup(c->a, t);
	for (char *p = s; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s ? s : t;
}

/* ---- list ---- */

#define QS_MAX 40

struct list_state {
	struct ctx *c;
	struct list_query *lq;
	const char *bad, *why;
	size_t n; /* the query kept for links: filters and search, no sort, cursor or message */
	struct {
		const char *k, *v;
	} kept[QS_MAX];
	const char *sort;
};

static bool list_arg(void *arg, const char *k, const char *v)
{
	struct list_state *ls = arg;
	if (!*v || strcmp(k, "m") == 0)
		return true; /* an empty filter box means no filter */
	const char *why = NULL;
	if (list_query_param(ls->c->a, ls->c->entity, ls->lq, k, v, &why) != ERR_OK) {
		ls->bad = arena_strdup(ls->c->a, k);
		ls->why = why ? why : "is not valid";
		return false;
	}
	if (strcmp(k, "sort") == 0)
		ls->sort = v;
	else if (strcmp(k, "cursor") != 0 && strcmp(k, "limit") != 0 && ls->n < QS_MAX)
		ls->kept[ls->n++] = (typeof(ls->kept[0])){ k, v };
	return true;
}

/* Writes "?k=v&..." of the kept query plus extra pairs (NULL-terminated), escaped for HTML. */
static void query_link(struct ctx *c, const struct list_state *ls, const char *sort,
		       const char *cursor)
{
	struct buf *b = &c->resp->body;
	struct buf q;
	buf_init(&q, 0);
	for (size_t i = 0; i < ls->n; i++) {
		buf_addc(&q, q.len ? '&' : '?');
		url_esc(&q, ls->kept[i].k);
		buf_addc(&q, '=');
		url_esc(&q, ls->kept[i].v);
	}
	if (sort) {
		buf_adds(&q, q.len ? "&sort=" : "?sort=");
		url_esc(&q, sort);
	}
	if (cursor) {
		buf_adds(&q, q.len ? "&cursor=" : "?cursor=");
		url_esc(&q, cursor);
	}
	if (q.len)
		html_escn(b, q.p, q.len);
	buf_free(&q);
}

static bool kept_value(const struct list_state *ls, const char *k, const char *v)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strcmp(ls->kept[i].k, k) == 0 && strcmp(ls->kept[i].v, v) == 0)
			return true;
	return false;
}

static const char *kept_get(const struct list_state *ls, const char *k)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strcmp(ls->kept[i].k, k) == 0)
			return ls->kept[i].v;
	return NULL;
}

static void option(struct ctx *c, const char *value, const char *label, bool selected)
{
	ui_html(c, "<option value=\"");
	ui_text(c, value);
	ui_html(c, selected ? "\" selected>" : "\">");
	ui_text(c, label);
	ui_html(c, "</option>");
}

/* Options for a reference: the referenced register's rows the user may read, by label. NULL
 * when the register is too large for a drop-down. */
static json_t *ref_options(struct ctx *c, const struct field *f)
{
	const struct entity *re = model_entity(f->ref);
	unsigned scope = re ? authz_scope(&c->who.subject, re, AUTHZ_READ) : SCOPE_NONE;
	if (!scope)
		return NULL;
	struct list_query lq;
	http_list_query(c, &lq, scope);
	/* the size first (a cached total): a large register is not read just to be dropped */
	struct repo_ctx rc = http_repo(c);
	int64_t total;
	if (repo_count(&rc, re, &lq, &total) != ERR_OK || total > REF_OPTIONS_MAX)
		return NULL;
	const char *why;
	json_t *page = NULL;
	lq.limit = REF_OPTIONS_MAX;
	if (list_query_param(c->a, re, &lq, "sort", re->label_field, &why) != ERR_OK ||
	    list_page(c, re, &lq, &page, &why) != ERR_OK)
		return NULL;
	if (!json_is_null(json_object_get(page, "next"))) {
		json_decref(page);
		return NULL;
	}
	return page;
}

static const char *row_label(struct ctx *c, const struct entity *e, json_t *row);

bool ui_ref_options(struct ctx *c, const struct field *f, const char *val)
{
	json_t *opts = ref_options(c, f);
	if (!opts)
		return false;
	const struct entity *re = model_entity(f->ref);
	option(c, "", "\xE2\x80\x94", !val || !*val);
	size_t k;
	json_t *row;
	bool found = !val || !*val;
	json_array_foreach(json_object_get(opts, "items"), k, row)
	{
		const char *rid = arena_printf(
			c->a, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
		const char *l = row_label(c, re, row);
		bool sel = val && strcmp(val, rid) == 0;
		found = found || sel;
		option(c, rid, l ? l : rid, sel);
	}
	int64_t cur;
	/* a current value the user may not read (an owner in another department) stays
	 * selectable, so saving the form unchanged keeps it */
	if (!found && str_parse_i64(val, &cur) && cur > 0)
		option(c, val, ui_ref_label(c, f->ref, cur), true);
	json_decref(opts);
	return true;
}

static const char *row_label(struct ctx *c, const struct entity *e, json_t *row)
{
	const char *s = json_string_value(json_object_get(row, e->label_field));
	const char *p =
		e->label_prefix ? json_string_value(json_object_get(row, e->label_prefix)) : NULL;
	if (e->id_prefix)
		p = model_reference(c->a, e, json_integer_value(json_object_get(row, "id")));
	if (!s || !*s)
		return NULL;
	return p && *p ? arena_printf(c->a, "%s %s", p, s) : s;
}

static void filter_controls(struct ctx *c, const struct list_state *ls)
{
	const struct entity *e = c->entity;
	ui_html(c, "<form class=\"filters\" role=\"search\" method=\"get\" action=\"/");
	ui_text(c, e->plural);
	ui_html(c, "\"><label>Search<input type=\"search\" name=\"q\" value=\"");
	ui_text(c, kept_get(ls, "q"));
	ui_html(c, "\"></label>");
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (!(f->flags & FF_LIST) || !model_field_filterable(f))
			continue;
		bool choices = f->type == FT_ENUM || (f->type == FT_INT && f->choices);
		if (choices || f->type == FT_BOOL || f->type == FT_REF) {
			json_t *opts = f->type == FT_REF ? ref_options(c, f) : NULL;
			if (f->type == FT_REF && !opts)
				continue;
			ui_html(c, "<label>");
			ui_text(c, f->label);
			ui_html(c, "<select name=\"");
			ui_text(c, f->name);
			ui_html(c, "\">");
			option(c, "", "Any", false);
			if (choices) {
				for (const struct choice *ch = f->choices; ch->value; ch++)
					option(c, ch->value, ch->label,
					       kept_value(ls, f->name, ch->value));
			} else if (f->type == FT_BOOL) {
				option(c, "true", "Yes", kept_value(ls, f->name, "true"));
				option(c, "false", "No", kept_value(ls, f->name, "false"));
			} else {
				const struct entity *re = model_entity(f->ref);
				size_t k;
				json_t *row;
				json_array_foreach(json_object_get(opts, "items"), k, row)
				{
					const char *id =
						arena_printf(c->a, "%lld",
							     (long long)json_integer_value(
								     json_object_get(row, "id")));
					const char *l = row_label(c, re, row);
					option(c, id, l ? l : id, kept_value(ls, f->name, id));
				}
				json_decref(opts);
			}
			ui_html(c, "</select></label>");
		} else if (f->type == FT_DATE) {
			for (int hi = 0; hi < 2; hi++) {
				const char *n =
					arena_printf(c->a, "%s.%s", f->name, hi ? "lte" : "gte");
				ui_html(c, "<label>");
				ui_text(c, f->label);
				ui_text(c, hi ? " to" : " from");
				ui_html(c, "<input type=\"date\" name=\"");
				ui_text(c, n);
				ui_html(c, "\" value=\"");
				ui_text(c, kept_get(ls, n));
				ui_html(c, "\"></label>");
			}
		}
	}
	if (ls->sort) {
		ui_html(c, "<input type=\"hidden\" name=\"sort\" value=\"");
		ui_text(c, ls->sort);
		ui_html(c, "\">");
	}
	ui_html(c, "<button type=\"submit\">Filter</button> <a href=\"/");
	ui_text(c, e->plural);
	ui_html(c, "\">Clear</a></form>");
}

/* The column header: a link that sorts by the field, ascending first, then descending. */
static void sort_header(struct ctx *c, const struct list_state *ls, const struct field *f)
{
	const char *cur = ls->sort;
	bool asc = cur && strcmp(cur, f->name) == 0;
	bool desc = cur && cur[0] == '-' && strcmp(cur + 1, f->name) == 0;
	if (!cur && c->entity->default_sort && strcmp(c->entity->default_sort, f->name) == 0)
		asc = true;
	ui_html(c, "<th scope=\"col\"");
	if (asc)
		ui_html(c, " aria-sort=\"ascending\"");
	else if (desc)
		ui_html(c, " aria-sort=\"descending\"");
	ui_html(c, ">");
	if (!model_field_filterable(f)) {
		ui_text(c, f->label);
		ui_html(c, "</th>");
		return;
	}
	ui_html(c, "<a href=\"/");
	ui_text(c, c->entity->plural);
	query_link(c, ls, asc ? arena_printf(c->a, "-%s", f->name) : f->name, NULL);
	ui_html(c, "\">");
	ui_text(c, f->label);
	ui_html(c, "</a></th>");
}

static void record_link(struct ctx *c, const struct entity *e, json_t *row)
{
	int64_t id = json_integer_value(json_object_get(row, "id"));
	ui_html(c, "<a href=\"/");
	ui_text(c, e->plural);
	ui_html(c, "/");
	ui_int(c, id);
	ui_html(c, "\">");
	const char *l = row_label(c, e, row);
	if (l)
		ui_text(c, l);
	else {
		ui_html(c, "#");
		ui_int(c, id);
	}
	ui_html(c, "</a>");
}

/* The list's query from the URL, scoped to what the user may read. Answers the error page and
 * returns false when a parameter is bad. */
static bool ui_list_query(struct ctx *c, unsigned scope, struct list_query *lq, void *state)
{
	struct list_state *ls = state;
	memset(ls, 0, sizeof(*ls));
	ls->c = c;
	ls->lq = lq;
	http_list_query(c, lq, scope);
	http_query_each(c->req, list_arg, ls);
	if (ls->bad) {
		ui_error(c, ERR_BAD_REQUEST,
			 arena_printf(c->a, "The filter \"%s\" %s.", ls->bad, ls->why));
		return false;
	}
	return true;
}

/* The read permission and the list's query from the URL; false after an error page. */
static bool list_request(struct ctx *c, struct list_query **lq, struct list_state **ls)
{
	unsigned scope = allowed(c, AUTHZ_READ);
	if (!scope)
		return false;
	*lq = arena_alloc(c->a, sizeof(**lq));
	*ls = arena_alloc(c->a, sizeof(**ls));
	if (!*lq || !*ls) {
		ui_error(c, ERR_NOMEM, NULL);
		return false;
	}
	return ui_list_query(c, scope, *lq, *ls);
}

void ui_list(struct ctx *c)
{
	const struct entity *e = c->entity;
	struct list_query *lq;
	struct list_state *ls;
	if (!list_request(c, &lq, &ls))
		return;
	json_t *page = NULL;
	const char *why = NULL;
	enum err err = list_page(c, e, lq, &page, &why);
	if (err) {
		ui_error(c, err,
			 err == ERR_BAD_REQUEST ? "That page link is no longer valid." : NULL);
		return;
	}
	ui_begin(c, e->title_plural);
	ui_html(c, "<h1>");
	ui_text(c, e->title_plural);
	ui_html(c, "</h1>");
	ui_flash(c);
	if (e->description) {
		ui_html(c, "<p class=\"muted\">");
		ui_text(c, e->description);
		ui_html(c, "</p>");
	}
	int64_t total = json_integer_value(json_object_get(page, "total"));
	ui_html(c, "<div class=\"bar\"><p class=\"count grow\">");
	ui_int(c, total);
	ui_html(c, " ");
	ui_text(c, plural_lower(c, e, total));
	ui_html(c, "</p>");
	if (authz_scope(&c->who.subject, e, AUTHZ_CREATE)) {
		ui_html(c, "<a class=\"button\" href=\"/");
		ui_text(c, e->plural);
		ui_html(c, "/new\">New ");
		ui_text(c, plural_lower(c, e, 1));
		ui_html(c, "</a>");
		if (!import_refusal(c->a, e)) {
			ui_html(c, "<a class=\"button plain\" href=\"/");
			ui_text(c, e->plural);
			ui_html(c, "/import\">Import CSV</a>");
		}
	}
	for (const struct entity_page *pg = e->pages; pg && pg->href; pg++) {
		if (!ui_page_allowed(c, e, pg))
			continue;
		ui_html(c, "<a class=\"button plain\" href=\"");
		ui_text(c, pg->href);
		ui_html(c, "\">");
		ui_text(c, pg->label);
		ui_html(c, "</a>");
	}
	static const char *const formats[] = { "csv", "xlsx" };
	for (size_t i = 0; i < 2; i++) {
		ui_html(c, "<a class=\"button plain\" download href=\"/");
		ui_text(c, e->plural);
		ui_html(c, "/export.");
		ui_html(c, formats[i]);
		query_link(c, ls, ls->sort, NULL);
		ui_html(c, i ? "\">XLSX</a>" : "\">CSV</a>");
	}
	ui_html(c, "</div>");
	filter_controls(c, ls);

	json_t *items = json_object_get(page, "items");
	/* the labels of every referenced record on the page, one query per reference column */
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (f->type != FT_REF || !(f->flags & FF_LIST))
			continue;
		int64_t ids[LIST_MAX_LIMIT];
		size_t n = 0, k;
		json_t *row;
		json_array_foreach(items, k, row)
		{
			json_t *v = json_object_get(row, f->name);
			if (json_is_integer(v) && n < LIST_MAX_LIMIT)
				ids[n++] = json_integer_value(v);
		}
		ui_ref_prefetch(c, f->ref, ids, n);
	}
	if (json_array_size(items) == 0) {
		ui_html(c, "<p>Nothing matches.</p>");
	} else {
		ui_html(c, "<div class=\"scroll\"><table><thead><tr>");
		const struct field *lf = model_field(e, e->label_field);
		if (lf)
			sort_header(c, ls, lf);
		for (size_t i = 0; i < e->nfields; i++)
			if ((e->fields[i].flags & FF_LIST) && &e->fields[i] != lf)
				sort_header(c, ls, &e->fields[i]);
		ui_html(c, "</tr></thead><tbody>");
		size_t k;
		json_t *row;
		json_array_foreach(items, k, row)
		{
			ui_html(c, "<tr><td>");
			record_link(c, e, row);
			ui_html(c, "</td>");
			for (size_t i = 0; i < e->nfields; i++) {
				const struct field *f = &e->fields[i];
				if (!(f->flags & FF_LIST) || f == lf)
					continue;
				ui_html(c, "<td>");
				ui_value(c, f, json_object_get(row, f->name));
				ui_html(c, "</td>");
			}
			ui_html(c, "</tr>");
		}
		ui_html(c, "</tbody></table></div>");
	}
	const char *next = json_string_value(json_object_get(page, "next"));
	ui_html(c, "<nav class=\"pager\" aria-label=\"Pages\">");
	if (lq->cursor) {
		ui_html(c, "<a href=\"/");
		ui_text(c, e->plural);
		query_link(c, ls, ls->sort, NULL);
		ui_html(c, "\">First page</a>");
	}
	if (next) {
		ui_html(c, "<a rel=\"next\" href=\"/");
		ui_text(c, e->plural);
		query_link(c, ls, ls->sort, next);
		ui_html(c, "\">Next page</a>");
	}
	ui_html(c, "</nav>");
	json_decref(page);
	ui_end(c, 200);
}

/* ---- detail ---- */

/* Loads the record as JSON if the user may read it; answers the error page otherwise. */
static json_t *load_visible(struct ctx *c, int64_t id, unsigned scope, struct record **rec)
{
	struct repo_ctx rc = http_repo(c);
	struct record *r = NULL;
	enum err e = repo_load(&rc, c->entity, id, &r);
	if (!e && !authz_record_in_scope(&c->who.subject, c->entity, scope, r))
		e = ERR_NOT_FOUND;
	struct buf b;
	buf_init(&b, 0);
	int64_t version;
	if (!e)
		e = repo_read_json(&rc, c->entity, id, &b, &version);
	json_t *j = e ? NULL : parse(&b);
	buf_free(&b);
	if (!e && !j)
		e = ERR_INTERNAL;
	if (e) {
		ui_error(c, e, NULL);
		return NULL;
	}
	if (rec)
		*rec = r;
	return j;
}

/* Opens a record's page: its title, under a link back to the register's list. */
static void page_heading(struct ctx *c, const char *title)
{
	ui_begin(c, title);
	ui_html(c, "<p class=\"muted\"><a href=\"/");
	ui_text(c, c->entity->plural);
	ui_html(c, "\">");
	ui_text(c, c->entity->title_plural);
	ui_html(c, "</a></p><h1>");
	ui_text(c, title);
	ui_html(c, "</h1>");
}

static int64_t param_id(struct ctx *c)
{
	int64_t id;
	if (c->nparams < 2 || !str_parse_i64(c->params[1], &id) || id <= 0) {
		ui_error(c, ERR_NOT_FOUND, NULL);
		return 0;
	}
	return id;
}

static const char *record_title(struct ctx *c, json_t *j)
{
	const char *l = row_label(c, c->entity, j);
	return l ? l
		 : arena_printf(c->a, "%s #%lld", c->entity->title,
				(long long)json_integer_value(json_object_get(j, "id")));
}

/* Records of other registers that point at this one, a few of each, with a link to all. */
/* Records of every register that point at (target, id), a few of each with a link to all;
 * *any says whether the section heading was written. */
static void referrers(struct ctx *c, const struct entity *target, int64_t id, bool *anyp)
{
	bool any = *anyp;
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *re = model_registry_at(i);
		unsigned scope = authz_scope(&c->who.subject, re, AUTHZ_READ);
		if (!scope)
			continue;
		for (size_t k = 0; k < re->nfields; k++) {
			const struct field *f = &re->fields[k];
			if (f->type != FT_REF || strcmp(f->ref, target->name) != 0)
				continue;
			struct list_query lq;
			http_list_query(c, &lq, scope);
			lq.limit = 10;
			const char *why, *v = arena_printf(c->a, "%lld", (long long)id);
			json_t *page = NULL;
			if (list_query_param(c->a, re, &lq, f->name, v, &why) != ERR_OK ||
			    list_page(c, re, &lq, &page, &why) != ERR_OK)
				continue;
			int64_t total = json_integer_value(json_object_get(page, "total"));
			if (total > 0 && !any) {
				ui_html(c, "<h2>Related records</h2><div class=\"related\">");
				any = true;
			}
			if (total > 0) {
				ui_html(c, "<section class=\"card\"><h3>");
				ui_text(c, re->title_plural);
				ui_html(c, " \xE2\x80\x94 ");
				ui_text(c, f->label);
				ui_html(c, " <span class=\"badge\">");
				ui_int(c, total);
				ui_html(c, "</span></h3><ul>");
				size_t n;
				json_t *row;
				json_array_foreach(json_object_get(page, "items"), n, row)
				{
					ui_html(c, "<li>");
					record_link(c, re, row);
					ui_html(c, "</li>");
				}
				ui_html(c, "</ul><a href=\"/");
				ui_text(c, re->plural);
				ui_html(c, "?");
				ui_text(c, f->name);
				ui_html(c, "=");
				ui_int(c, id);
				ui_html(c, "\">All ");
				ui_int(c, total);
				ui_html(c, "</a></section>");
			}
			json_decref(page);
		}
	}
	*anyp = any;
}

static void related(struct ctx *c, const struct record *rec)
{
	bool any = false;
	referrers(c, c->entity, rec->id, &any);
	/* a record that is one-to-one with another (a control and its catalogue control) shows
	 * that one's related records too: its equivalents in other frameworks */
	for (size_t i = 0; i < c->entity->nfields; i++) {
		const struct field *f = &c->entity->fields[i];
		const struct entity *re = f->type == FT_REF ? model_entity(f->ref) : NULL;
		const struct value *v = &rec->v[i];
		if (re && (f->flags & FF_UNIQUE) && v->set && !v->null &&
		    authz_scope(&c->who.subject, re, AUTHZ_READ) & SCOPE_ALL)
			referrers(c, re, v->i, &any);
	}
	if (any)
		ui_html(c, "</div>");
}

static void change_value(struct ctx *c, const struct field *f, json_t *v)
{
	const char *t = f ? ui_value_text(c, f, v) : NULL;
	if (!f && v && !json_is_null(v)) {
		char *s = json_dumps(v, JSON_ENCODE_ANY);
		if (s) {
			ui_text(c, s);
			free(s);
		}
		return;
	}
	if (!t) {
		ui_html(c, "<span class=\"muted\">(empty)</span>");
		return;
	}
	size_t n = strlen(t);
	if (n > 200) { /* long text: the start is enough to recognise the change */
		size_t cut = 200;
		while (cut > 0 && ((unsigned char)t[cut] & 0xC0) == 0x80)
			cut--; /* not inside a character */
		t = arena_printf(c->a, "%.*s\xE2\x80\xA6", (int)cut, t);
	}
	ui_text(c, t);
}

static void history(struct ctx *c, int64_t id)
{
	struct buf b;
	buf_init(&b, 0);
	enum err e = audit_history_json(c->db, c->entity->name, id, &b);
	json_t *j = e ? NULL : parse(&b);
	buf_free(&b);
	ui_html(c, "<section id=\"history\" aria-labelledby=\"history-h\">"
		   "<h2 id=\"history-h\">History</h2>");
	json_t *items = json_object_get(j, "items");
	if (!j || !json_array_size(items)) {
		ui_html(c, "<p class=\"muted\">No recorded changes.</p></section>");
		json_decref(j);
		return;
	}
	ui_html(c, "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">When</th>"
		   "<th scope=\"col\">Who</th><th scope=\"col\">What</th>"
		   "<th scope=\"col\">Changes</th></tr></thead><tbody>");
	for (size_t k = json_array_size(items); k-- > 0;) {
		json_t *ev = json_array_get(items, k);
		ui_html(c, "<tr><td>");
		static const struct field when = { .name = "at", .type = FT_TIMESTAMP };
		ui_text(c, ui_value_text(c, &when, json_object_get(ev, "at")));
		ui_html(c, "</td><td>");
		ui_text(c, json_string_value(json_object_get(ev, "actor")));
		ui_html(c, "</td><td>");
		ui_text(c, json_string_value(json_object_get(ev, "action")));
		ui_html(c, "</td><td><ul class=\"changes\">");
		const char *key;
		json_t *pair;
		json_object_foreach(json_object_get(ev, "changes"), key, pair)
		{
			const struct field *f = model_field(c->entity, key);
			json_t *before = json_array_get(pair, 0), *after = json_array_get(pair, 1);
			ui_html(c, "<li>");
			ui_text(c, f ? f->label : key);
			ui_html(c, ": ");
			/* a new record has no "before", a deleted one no "after": show one side */
			if (before && !json_is_null(before)) {
				ui_html(c, "<del>");
				change_value(c, f, before);
				ui_html(c, "</del>");
				if (after && !json_is_null(after))
					ui_html(c, " \xE2\x86\x92 ");
			}
			if (after && !json_is_null(after)) {
				ui_html(c, "<ins>");
				change_value(c, f, after);
				ui_html(c, "</ins>");
			}
			ui_html(c, "</li>");
		}
		ui_html(c, "</ul></td></tr>");
	}
	ui_html(c, "</tbody></table></div></section>");
	json_decref(j);
}

static void control(struct ctx *c, const struct field *f, const char *val, const char *err,
		    const char *idp);

/* The workflow steps this user may take on the record now, each a small form with its
 * inputs; failed is the step whose inputs were just refused (its values are kept). */
static void steps_panel(struct ctx *c, int64_t id, const struct record *rec, int64_t version,
			const struct step *failed, const struct verrors *ve)
{
	const struct entity *e = c->entity;
	const struct workflow *w = e->workflow;
	bool any = false;
	for (size_t k = 0; w && k < w->nsteps; k++) {
		const struct step *st = &w->steps[k];
		unsigned scope = authz_step_scope(&c->who.subject, e, st->name);
		if (!scope || !model_step_from(st, rec) ||
		    !authz_record_in_scope(&c->who.subject, e, scope, rec))
			continue;
		if (!any)
			ui_html(c, "<section class=\"card steps\" aria-labelledby=\"steps-h\">"
				   "<h2 id=\"steps-h\">Next steps</h2>");
		any = true;
		ui_html(c, "<form class=\"record step\" method=\"post\" action=\"/");
		ui_text(c, e->plural);
		ui_html(c, "/");
		ui_int(c, id);
		ui_html(c, "/step/");
		ui_text(c, st->name);
		ui_html(c, "\">");
		ui_csrf(c);
		ui_html(c, "<input type=\"hidden\" name=\"_version\" value=\"");
		ui_int(c, version);
		ui_html(c, "\">");
		if (st->help) {
			ui_html(c, "<p class=\"help\">");
			ui_text(c, st->help);
			ui_html(c, "</p>");
		}
		for (const char *const *in = st->inputs; in && *in; in++) {
			const struct field *f = model_field(e, *in);
			if (!f)
				continue;
			const char *err = NULL;
			for (size_t i = 0; failed == st && ve && i < ve->n; i++)
				if (ve->items[i].field && strcmp(ve->items[i].field, f->name) == 0)
					err = ve->items[i].message;
			control(c, f, failed == st ? ui_field(c, f->name) : NULL, err,
				arena_printf(c->a, "s-%s-", st->name));
		}
		ui_html(c, "<button type=\"submit\">");
		ui_text(c, st->label);
		ui_html(c, "</button></form>");
	}
	if (any)
		ui_html(c, "</section>");
}

static void show_page(struct ctx *c, int64_t id, int status, const char *alert,
		      const struct verrors *ve, const struct step *failed);

void ui_show(struct ctx *c)
{
	int64_t id = param_id(c);
	if (id)
		show_page(c, id, 200, NULL, NULL, NULL);
}

static void show_page(struct ctx *c, int64_t id, int status, const char *alert,
		      const struct verrors *ve, const struct step *failed)
{
	const struct entity *e = c->entity;
	unsigned scope = allowed(c, AUTHZ_READ);
	if (!scope)
		return;
	struct record *rec;
	json_t *j = load_visible(c, id, scope, &rec);
	if (!j)
		return;
	const char *title = record_title(c, j);
	page_heading(c, title);
	ui_flash(c);
	if (alert || (ve && ve->n)) {
		ui_html(c, "<div role=\"alert\" tabindex=\"-1\"><p>");
		ui_text(c, alert ? alert : "The step was not taken.");
		ui_html(c, "</p><ul>");
		for (size_t i = 0; ve && i < ve->n; i++) {
			const struct field *f =
				ve->items[i].field ? model_field(e, ve->items[i].field) : NULL;
			ui_html(c, "<li>");
			ui_text(c, f ? f->label : ve->items[i].field);
			ui_html(c, ve->items[i].field ? " " : "");
			ui_text(c, ve->items[i].message);
			ui_html(c, "</li>");
		}
		ui_html(c, "</ul></div>");
	}
	if (e->flag) {
		char today[11];
		time_format_date(time_now(), today);
		const char *flag = e->flag(c->db, c->a, rec, today);
		if (flag) {
			ui_html(c, "<p class=\"flag\"><span class=\"badge bad\">Attention</span> ");
			ui_text(c, flag);
			ui_html(c, "</p>");
		}
	}
	const struct authz_subject *s = &c->who.subject;
	const struct value *state = e->workflow ? model_get(rec, e->workflow->state_field) : NULL;
	const char *now = state && state->set && !state->null ? state->s : NULL;
	bool frozen = model_frozen(rec) != NULL;
	bool can_edit =
		!frozen && authz_record_in_scope(s, e, authz_scope(s, e, AUTHZ_UPDATE), rec);
	bool can_delete =
		!frozen && authz_record_in_scope(s, e, authz_scope(s, e, AUTHZ_DELETE), rec);
	if (can_edit || can_delete || e->record_pages) {
		ui_html(c, "<div class=\"bar\">");
		for (const struct entity_page *pg = e->record_pages; pg && pg->href; pg++) {
			if (pg->state && (!now || strcmp(pg->state, now) != 0))
				continue; /* a page of another state (a draft has no frozen copy) */
			if (!ui_page_allowed(c, e, pg))
				continue; /* a form the user could not send */
			const char *at = strstr(pg->href, "{id}");
			ui_html(c, "<a class=\"button plain\" href=\"");
			if (at) {
				html_escn(&c->resp->body, pg->href, (size_t)(at - pg->href));
				ui_int(c, id);
				ui_text(c, at + 4);
			} else {
				ui_text(c, pg->href);
			}
			ui_html(c, "\">");
			ui_text(c, pg->label);
			ui_html(c, "</a>");
		}
		if (can_edit) {
			ui_html(c, "<a class=\"button\" href=\"/");
			ui_text(c, e->plural);
			ui_html(c, "/");
			ui_int(c, id);
			ui_html(c, "/edit\">Edit</a>");
		}
		if (can_delete) {
			ui_html(c, "<form class=\"inline\" method=\"post\" action=\"/");
			ui_text(c, e->plural);
			ui_html(c, "/");
			ui_int(c, id);
			ui_html(c, "/delete\">");
			ui_csrf(c);
			ui_html(c, "<input type=\"hidden\" name=\"_version\" value=\"");
			ui_int(c, json_integer_value(json_object_get(j, "version")));
			ui_html(c,
				"\"><button class=\"danger\" type=\"submit\" data-confirm=\"Delete "
				"this record? This cannot be undone.\">Delete</button></form>");
		}
		ui_html(c, "</div>");
	}
	steps_panel(c, id, rec, json_integer_value(json_object_get(j, "version")), failed, ve);
	ui_html(c, "<dl class=\"record\">");
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		ui_html(c, "<dt>");
		ui_text(c, f->label);
		ui_html(c, "</dt><dd>");
		json_t *v = json_object_get(j, f->name);
		if (f->type == FT_FILE && json_is_object(v)) {
			ui_html(c, "<a href=\"/api/v1/");
			ui_text(c, e->plural);
			ui_html(c, "/");
			ui_int(c, id);
			ui_html(c, "/files/");
			ui_text(c, f->name);
			ui_html(c, "\" download>");
			ui_value(c, f, v);
			ui_html(c, "</a> <span class=\"muted hash\" title=\"BLAKE2b-256 of the "
				   "file\">");
			ui_text(c, json_string_value(json_object_get(v, "hash")));
			ui_html(c, "</span>");
		} else {
			ui_value(c, f, v);
		}
		ui_html(c, "</dd>");
	}
	static const struct field sys[] = {
		{ .name = "created_at", .label = "Created", .type = FT_TIMESTAMP },
		{ .name = "updated_at", .label = "Last changed", .type = FT_TIMESTAMP },
		{ .name = "version", .label = "Version", .type = FT_INT },
	};
	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		ui_html(c, "<dt>");
		ui_text(c, sys[i].label);
		ui_html(c, "</dt><dd>");
		ui_value(c, &sys[i], json_object_get(j, sys[i].name));
		ui_html(c, "</dd>");
	}
	ui_html(c, "</dl>");
	related(c, rec);
	history(c, id);
	json_decref(j);
	ui_end(c, status);
}

/* ---- forms ---- */

struct form_view {
	json_t *stored; /* the record being edited, or NULL */
	bool posted;	/* values come from the submitted form */
	const struct verrors *ve;
	int64_t version;
};

/* The text to show in field f's control. */
static const char *control_value(struct ctx *c, const struct form_view *fv, const struct field *f,
				 bool is_new)
{
	if (f->type == FT_FILE) /* the stored file's name: a browser never refills a file input */
		return fv->stored ? json_string_value(json_object_get(
					    json_object_get(fv->stored, f->name), "name"))
				  : NULL;
	if (fv->posted)
		return ui_field(c, f->name);
	if (fv->stored) {
		json_t *v = json_object_get(fv->stored, f->name);
		if (!v || json_is_null(v))
			return NULL;
		if (json_is_string(v))
			return json_string_value(v);
		if (json_is_integer(v))
			return arena_printf(c->a, "%lld", (long long)json_integer_value(v));
		if (json_is_boolean(v))
			return json_is_true(v) ? "true" : "false";
		return NULL;
	}
	if (!is_new)
		return NULL;
	/* a link may prefill a new record: /controls/new?catalog_control_id=12 */
	const char *q = http_query(c->req, f->name);
	return q && *q ? q : f->dflt;
}

static const char *field_error(const struct verrors *ve, const char *name)
{
	for (size_t i = 0; ve && i < ve->n; i++)
		if (ve->items[i].field && strcmp(ve->items[i].field, name) == 0)
			return ve->items[i].message;
	return NULL;
}

/* idp prefixes the control's id: "f-" on record forms, "s-STEP-" on step forms (several on
 * one page may ask for the same field). */
static void control(struct ctx *c, const struct field *f, const char *val, const char *err,
		    const char *idp)
{
	const char *id = arena_printf(c->a, "%s%s", idp, f->name);
	ui_html(c, "<div class=\"field\">");
	bool check = f->type == FT_BOOL;
	ui_html(c, "<label for=\"");
	ui_text(c, id);
	ui_html(c, "\">");
	ui_text(c, f->label);
	if (f->flags & FF_REQUIRED && !check)
		ui_html(c, " <span class=\"req\" aria-hidden=\"true\">*</span>");
	ui_html(c, "</label>");
	/* common attributes: id, name, the error and help it is described by */
	struct buf *b = &c->resp->body;
	size_t mark = b->len;
	ui_html(c, " id=\"");
	ui_text(c, id);
	ui_html(c, "\" name=\"");
	ui_text(c, f->name);
	ui_html(c, "\"");
	if ((f->flags & FF_REQUIRED) && !check)
		ui_html(c, " required");
	if (err || f->help) {
		ui_html(c, " aria-describedby=\"");
		if (err) {
			ui_text(c, id);
			ui_html(c, "-error");
		}
		if (f->help) {
			ui_html(c, err ? " " : "");
			ui_text(c, id);
			ui_html(c, "-help");
		}
		ui_html(c, "\"");
	}
	if (err)
		ui_html(c, " aria-invalid=\"true\"");
	char *attrs = arena_strndup(c->a, b->p + mark, b->len - mark);
	buf_truncate(b, mark);
	if (!attrs)
		attrs = "";

	bool choices = f->type == FT_ENUM || (f->type == FT_INT && f->choices);
	size_t before_select = b->len;
	bool select = false;
	if (choices || f->type == FT_REF) {
		ui_html(c, "<select");
		ui_html(c, attrs);
		ui_html(c, ">");
		if (choices) {
			option(c, "", "\xE2\x80\x94", !val || !*val);
			for (const struct choice *ch = f->choices; ch->value; ch++)
				option(c, ch->value, ch->label, val && strcmp(val, ch->value) == 0);
			select = true;
		} else {
			select = ui_ref_options(c, f, val);
		}
		if (select)
			ui_html(c, "</select>");
		else /* too many to list: the id is typed instead */
			buf_truncate(b, before_select);
	}
	if (select) {
		/* written above */
	} else if (f->type == FT_FILE) {
		if (val) {
			ui_html(c, "<p class=\"help\">Now: <strong>");
			ui_text(c, val);
			ui_html(c, "</strong>. Choose a file to replace it, or <label "
				   "class=\"inline\">"
				   "<input type=\"checkbox\" name=\"_remove_");
			ui_text(c, f->name);
			ui_html(c, "\" value=\"true\"> remove it</label>.</p>");
		}
		ui_html(c, "<input type=\"file\"");
		ui_html(c, attrs);
		ui_html(c, ">");
	} else if (f->type == FT_LONGTEXT || f->type == FT_MARKDOWN) {
		ui_html(c, "<textarea rows=\"6\"");
		ui_html(c, attrs);
		ui_html(c, ">");
		ui_text(c, val);
		ui_html(c, "</textarea>");
	} else if (check) {
		ui_html(c, "<input type=\"checkbox\" value=\"true\"");
		ui_html(c, attrs);
		if (val && strcmp(val, "true") == 0)
			ui_html(c, " checked");
		ui_html(c, ">");
	} else {
		const char *type = f->type == FT_DATE			    ? "date"
				   : f->type == FT_EMAIL		    ? "email"
				   : f->type == FT_INT || f->type == FT_REF ? "number"
									    : "text";
		ui_html(c, "<input type=\"");
		ui_html(c, type);
		ui_html(c, "\"");
		ui_html(c, attrs);
		if (f->type == FT_TEXT || f->type == FT_EMAIL) {
			ui_html(c, " maxlength=\"");
			ui_int(c, model_max_len(f));
			ui_html(c, "\"");
		}
		ui_html(c, " value=\"");
		ui_text(c, val);
		ui_html(c, "\">");
	}
	if (f->help) {
		ui_html(c, "<p class=\"help\" id=\"");
		ui_text(c, id);
		ui_html(c, "-help\">");
		ui_text(c, f->help);
		ui_html(c, "</p>");
	}
	if (err) {
		ui_html(c, "<p class=\"field-error\" id=\"");
		ui_text(c, id);
		ui_html(c, "-error\">");
		ui_text(c, f->label);
		ui_html(c, " ");
		ui_text(c, err);
		ui_html(c, "</p>");
	}
	ui_html(c, "</div>");
}

static void form_page(struct ctx *c, int64_t id, const struct form_view *fv, int status,
		      const char *alert)
{
	const struct entity *e = c->entity;
	const char *title = id ? arena_printf(c->a, "Edit %s",
					      fv->stored ? record_title(c, fv->stored) : e->title)
			       : arena_printf(c->a, "New %s", plural_lower(c, e, 1));
	page_heading(c, title);
	if (alert || (fv->ve && fv->ve->n)) {
		ui_html(c, "<div role=\"alert\" tabindex=\"-1\"><p>");
		ui_text(c, alert ? alert : "Please correct the errors below.");
		ui_html(c, "</p><ul>");
		/* each error links to its field; errors of rules across fields stand alone */
		for (size_t i = 0; fv->ve && i < fv->ve->n; i++) {
			const char *fn = fv->ve->items[i].field;
			const struct field *f = fn ? model_field(e, fn) : NULL;
			bool linked = f && !(f->flags & FF_READONLY);
			ui_html(c, "<li>");
			if (linked) {
				ui_html(c, "<a href=\"#f-");
				ui_text(c, f->name);
				ui_html(c, "\">");
			}
			ui_text(c, f ? f->label : fn);
			ui_html(c, fn ? " " : "");
			ui_text(c, fv->ve->items[i].message);
			ui_html(c, linked ? "</a></li>" : "</li>");
		}
		ui_html(c, "</ul></div>");
	}
	ui_html(c, "<form class=\"record card\" method=\"post\" novalidate");
	if (model_has_files(e))
		ui_html(c, " enctype=\"multipart/form-data\"");
	ui_html(c, " action=\"/");
	ui_text(c, e->plural);
	if (id) {
		ui_html(c, "/");
		ui_int(c, id);
	}
	ui_html(c, "\">");
	ui_csrf(c);
	if (id) {
		ui_html(c, "<input type=\"hidden\" name=\"_version\" value=\"");
		ui_int(c, fv->version);
		ui_html(c, "\">");
	}
	ui_html(c, "<p class=\"muted\">Fields marked <span class=\"req\">*</span> are "
		   "required.</p>");
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if ((f->flags & FF_READONLY) && f->type != FT_FILE)
			continue;
		control(c, f, control_value(c, fv, f, !id), field_error(fv->ve, f->name), "f-");
	}
	ui_html(c, "<div class=\"bar\"><button type=\"submit\">Save</button><a href=\"/");
	ui_text(c, e->plural);
	if (id) {
		ui_html(c, "/");
		ui_int(c, id);
	}
	ui_html(c, "\">Cancel</a></div></form>");
	ui_end(c, status);
}

void ui_new(struct ctx *c)
{
	if (!allowed(c, AUTHZ_CREATE))
		return;
	struct form_view fv = { 0 };
	form_page(c, 0, &fv, 200, NULL);
}

void ui_edit(struct ctx *c)
{
	int64_t id = param_id(c);
	unsigned scope = id ? allowed(c, AUTHZ_READ) : SCOPE_NONE;
	if (!scope || !allowed(c, AUTHZ_UPDATE))
		return;
	struct record *rec;
	json_t *j = load_visible(c, id, scope, &rec);
	if (!j)
		return;
	const struct authz_subject *s = &c->who.subject;
	if (!authz_record_in_scope(s, c->entity, authz_scope(s, c->entity, AUTHZ_UPDATE), rec)) {
		json_decref(j);
		ui_error(c, ERR_FORBIDDEN, "You may read this record but not change it.");
		return;
	}
	const char *frozen = model_frozen(rec);
	if (frozen) { /* as the API answers a PATCH: the record no longer changes */
		json_decref(j);
		ui_error(c, ERR_CONFLICT,
			 arena_printf(c->a, "This record is '%s' and no longer changes.", frozen));
		return;
	}
	struct form_view fv = { .stored = j,
				.version = json_integer_value(json_object_get(j, "version")) };
	form_page(c, id, &fv, 200, NULL);
	json_decref(j);
}

/* A file field of a posted form: a chosen file replaces the stored one; none chosen keeps it,
 * unless "remove" is ticked. */
static void form_file(struct ctx *c, const struct field *f, bool create, struct value *v,
		      struct verrors *ve)
{
	for (size_t k = 0; c->parts && k < c->parts->n; k++) {
		const struct multipart_part *pt = &c->parts->parts[k];
		if (strcmp(pt->name, f->name) != 0 || !pt->filename || !*pt->filename)
			continue;
		const char *why = NULL;
		if (!files_value(c->a, pt->filename, pt->content_type, pt->data, pt->n, v, &why))
			verrors_add(ve, f->name, why);
		return;
	}
	const char *rm = ui_field(c, arena_printf(c->a, "_remove_%s", f->name));
	if (!create && rm && strcmp(rm, "true") == 0)
		*v = (struct value){ .set = true, .null = true };
}

/* Reads the posted form into rec. Empty boxes: unset on create (so defaults and "required"
 * apply), NULL on edit (the user cleared the field). Unchecked boxes are false. */
static struct record *record_from_form(struct ctx *c, bool create, struct verrors *ve)
{
	const struct entity *e = c->entity;
	struct record *rec = model_record_new(c->a, e);
	if (!rec) {
		ui_error(c, ERR_NOMEM, NULL);
		return NULL;
	}
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (f->type == FT_FILE) {
			form_file(c, f, create, &rec->v[i], ve);
			continue;
		}
		if (f->flags & FF_READONLY)
			continue;
		const char *s = ui_field(c, f->name);
		struct value *v = &rec->v[i];
		if (f->type == FT_BOOL)
			s = s ? "true" : "false";
		if (!s || !*s) {
			if (!create) {
				v->set = v->null = true;
			}
			continue;
		}
		const char *why = NULL;
		if (!model_parse_text(c->a, f, s, strlen(s), v, &why))
			verrors_add(ve, f->name, why ? why : "is not valid");
	}
	return rec;
}

static int64_t posted_version(struct ctx *c)
{
	int64_t v;
	const char *s = ui_field(c, "_version");
	return s && str_parse_i64(s, &v) && v > 0 ? v : -1;
}

void ui_create(struct ctx *c)
{
	const struct entity *e = c->entity;
	if (!allowed(c, AUTHZ_CREATE))
		return;
	struct verrors ve = { 0 };
	struct record *rec = record_from_form(c, true, &ve);
	if (!rec)
		return;
	struct repo_ctx rc = http_repo(c);
	int64_t id = 0;
	/* parse errors and rule errors together: repo_create stops before writing */
	enum err err = repo_create(&rc, rec, &ve, &id);
	if (err == ERR_INVALID || err == ERR_CONFLICT) {
		struct form_view fv = { .posted = true, .ve = &ve };
		form_page(c, 0, &fv, 422, NULL);
		return;
	}
	if (err == ERR_FORBIDDEN) {
		struct form_view fv = { .posted = true, .ve = &ve };
		form_page(c, 0, &fv, 403,
			  "You may not create this record with these values (for example in "
			  "another department).");
		return;
	}
	if (err) {
		ui_error(c, err, NULL);
		return;
	}
	ui_redirect(c, arena_printf(c->a, "/%s/%lld?m=created", e->plural, (long long)id));
}

void ui_update(struct ctx *c)
{
	const struct entity *e = c->entity;
	int64_t id = param_id(c);
	if (!id || !allowed(c, AUTHZ_UPDATE))
		return;
	int64_t ver = posted_version(c);
	if (ver < 0) {
		ui_error(c, ERR_BAD_REQUEST, "The form is missing its version; reload the page.");
		return;
	}
	struct verrors ve = { 0 };
	struct record *patch = record_from_form(c, false, &ve);
	if (!patch)
		return;
	struct repo_ctx rc = http_repo(c);
	enum err err = repo_update(&rc, e, id, patch, ver, &ve);
	if (!err) {
		ui_redirect(c, arena_printf(c->a, "/%s/%lld?m=saved", e->plural, (long long)id));
		return;
	}
	if (err == ERR_NOT_FOUND) {
		ui_error(c, err, NULL);
		return;
	}
	const struct workflow *w = e->workflow;
	if (err == ERR_CONFLICT && w && ve.n && ve.items[0].field &&
	    strcmp(ve.items[0].field, w->state_field) == 0) {
		ui_error(c, err, arena_printf(c->a, "This record %s.", ve.items[0].message));
		return;
	}
	/* show the form again with what was typed; on a conflict, against the current version */
	unsigned scope = authz_scope(&c->who.subject, e, AUTHZ_READ);
	struct repo_ctx rr = http_repo(c);
	struct buf b;
	buf_init(&b, 0);
	int64_t cur = ver;
	json_t *stored = NULL;
	struct record *now = NULL;
	if (repo_load(&rr, e, id, &now) == ERR_OK &&
	    authz_record_in_scope(&c->who.subject, e, scope, now) &&
	    repo_read_json(&rr, e, id, &b, &cur) == ERR_OK)
		stored = parse(&b);
	buf_free(&b);
	struct form_view fv = { .stored = stored, .posted = true, .ve = &ve, .version = ver };
	if (err == ERR_PRECONDITION) {
		fv.version = cur;
		form_page(c, id, &fv, 409,
			  "This record was changed by someone else since you opened it. Your "
			  "changes are below and were not saved: check the record's history, then "
			  "save again to apply them over the current version.");
	} else if (err == ERR_INVALID || err == ERR_CONFLICT) {
		form_page(c, id, &fv, 422, NULL);
	} else if (err == ERR_FORBIDDEN) {
		form_page(c, id, &fv, 403, "You may not change this record to these values.");
	} else {
		ui_error(c, err, NULL);
	}
	json_decref(stored);
}

void ui_delete(struct ctx *c)
{
	const struct entity *e = c->entity;
	int64_t id = param_id(c);
	if (!id || !allowed(c, AUTHZ_DELETE))
		return;
	int64_t ver = posted_version(c);
	struct repo_ctx rc = http_repo(c);
	struct verrors ve = { 0 };
	enum err err = repo_delete(&rc, e, id, ver > 0 ? ver : 0, &ve);
	if (!err) {
		ui_redirect(c, arena_printf(c->a, "/%s?m=deleted", e->plural));
		return;
	}
	if (err == ERR_CONFLICT) {
		struct buf msg;
		buf_init(&msg, 0);
		bool state = e->workflow && ve.n && ve.items[0].field &&
			     strcmp(ve.items[0].field, e->workflow->state_field) == 0;
		buf_adds(&msg, state ? "This record cannot be deleted:"
				     : "This record cannot be deleted while other records refer to "
				       "it:");
		for (size_t i = 0; i < ve.n; i++) {
			buf_adds(&msg, i ? "; " : " ");
			if (ve.items[i].field) {
				buf_adds(&msg, ve.items[i].field);
				buf_addc(&msg, ' ');
			}
			buf_adds(&msg, ve.items[i].message);
		}
		buf_addc(&msg, '.');
		const char *m = arena_strdup(c->a, buf_cstr(&msg));
		buf_free(&msg);
		ui_error(c, err, m);
		return;
	}
	ui_error(c, err,
		 err == ERR_PRECONDITION ? "The record was changed since you opened it; reload it "
					   "and try again."
					 : NULL);
}

void ui_step(struct ctx *c)
{
	const struct entity *e = c->entity;
	int64_t id = param_id(c);
	if (!id)
		return;
	const struct step *st = model_step(e, c->params[2]);
	if (!st) {
		ui_error(c, ERR_NOT_FOUND, "This register has no such step.");
		return;
	}
	if (authz_step_scope(&c->who.subject, e, st->name) == SCOPE_NONE) {
		ui_error(c, ERR_FORBIDDEN, "Your roles do not allow this step.");
		return;
	}
	struct record *inputs = model_record_new(c->a, e);
	if (!inputs) {
		ui_error(c, ERR_NOMEM, NULL);
		return;
	}
	struct verrors ve = { 0 };
	for (const char *const *in = st->inputs; in && *in; in++) {
		int i = model_field_index(e, *in);
		const char *v = ui_field(c, *in);
		const char *why = NULL;
		if (i < 0 || !v || !*v)
			continue;
		if (!model_parse_text(c->a, &e->fields[i], v, strlen(v), &inputs->v[i], &why))
			verrors_add(&ve, e->fields[i].name, why ? why : "is not valid");
	}
	int64_t ver = posted_version(c);
	struct repo_ctx rc = http_repo(c);
	struct step_env env = http_step_env(c);
	c->step = st;
	enum err err = ve.n ? ERR_INVALID
			    : repo_step(&rc, e, id, st, &env, inputs, ver > 0 ? ver : 0, &ve);
	c->step = NULL;
	if (!err) {
		ui_redirect(c, arena_printf(c->a, "/%s/%lld?m=step", e->plural, (long long)id));
		return;
	}
	if (err == ERR_NOT_FOUND) {
		ui_error(c, err, NULL);
		return;
	}
	const char *alert = err == ERR_PRECONDITION
				    ? "The record was changed by someone else since you opened it; "
				      "check it below and take the step again."
			    : err == ERR_CONFLICT ? "The record is no longer in a state this step "
						    "starts from."
			    : err == ERR_FORBIDDEN && !ve.n ? "You may not take this step on this "
							      "record."
							    : NULL;
	if (err != ERR_INVALID && err != ERR_CONFLICT && err != ERR_FORBIDDEN &&
	    err != ERR_PRECONDITION) {
		ui_error(c, err, NULL);
		return;
	}
	show_page(c, id, err_http_status(err), alert, &ve, st);
}

void ui_export(struct ctx *c)
{
	const struct entity *e = c->entity;
	enum export_format fmt;
	if (c->nparams < 2 || strcmp(c->params[1], "json") == 0 ||
	    !export_format_parse(c->params[1], &fmt)) {
		ui_error(c, ERR_NOT_FOUND, "Exports are CSV or XLSX.");
		return;
	}
	struct list_query *lq;
	struct list_state *ls;
	if (!list_request(c, &lq, &ls))
		return;
	struct repo_ctx rc = http_repo(c);
	buf_reset(&c->resp->body);
	struct key_reader rd = http_key_reader(c);
	enum err err = export_register(&rc, e, lq, fmt, &rd, &c->resp->body);
	if (err) {
		buf_reset(&c->resp->body);
		ui_error(c, err,
			 err == ERR_TOO_LARGE
				 ? "Too many records for one file: narrow the list with "
				   "filters first."
				 : NULL);
		return;
	}
	respond_attachment(c, arena_printf(c->a, "%s.%s", e->plural, export_extension(fmt)), false);
	c->resp->status = 200;
	c->resp->content_type = export_content_type(fmt);
}
