/* ui.c - the page frame (head, header, navigation by ISMS area), messages, error pages and
 * the helpers every page uses to write text safely. */
#include "http/ui.h"

#include <string.h>

#include "core/authz.h"
#include "core/repo.h"
#include "http/assets.h"
#include "http/handlers.h"
#include "util/crypto.h"
#include "util/html.h"
#include "util/log.h"
#include "util/markdown.h"
#include "util/str.h"

/* The ISMS areas of the policy, in navigation order; a register names its area. */
static const struct {
	const char *key, *title;
} areas[] = {
	{ "governance", "Governance" }, { "policies", "Policies" },
	{ "assets", "Assets" },		{ "risk", "Risk" },
	{ "controls", "Controls" },	{ "incidents", "Incidents" },
	{ "people", "People" },		{ "continuity", "Continuity" },
	{ "compliance", "Compliance" }, { "audit", "Audit" },
};

void ui_text(struct ctx *c, const char *s)
{
	html_esc(&c->resp->body, s);
}

void ui_html(struct ctx *c, const char *markup)
{
	buf_adds(&c->resp->body, markup);
}

void ui_int(struct ctx *c, int64_t v)
{
	buf_add_i64(&c->resp->body, v);
}

bool ui_path(const char *path)
{
	return !str_has_prefix(path, "/api/") && strcmp(path, "/healthz") != 0;
}

const char *ui_field(struct ctx *c, const char *name)
{
	return c->form ? form_get(c->form, name) : NULL;
}

void ui_csrf(struct ctx *c)
{
	ui_html(c, "<input type=\"hidden\" name=\"_csrf\" value=\"");
	ui_text(c, c->who.csrf ? c->who.csrf : "");
	ui_html(c, "\">");
}

/* The static files' URLs carry their ETag, so a new build is fetched at once. */
static void asset_link(struct ctx *c, const char *name)
{
	for (size_t i = 0; i < web_assets_count; i++) {
		if (strcmp(web_assets[i].name, name) != 0)
			continue;
		ui_html(c, "/static/");
		ui_text(c, name);
		ui_html(c, "?v=");
		ui_text(c, web_asset_version(i));
		return;
	}
}

static void head(struct ctx *c, const char *title)
{
	struct http_req *r = c->req;
	http_set_header(r, c->resp, "Content-Security-Policy",
			"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' "
			"data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	/* same-origin: our own form posts carry their Origin; other sites learn nothing */
	http_set_header(r, c->resp, "Referrer-Policy", "same-origin");
	buf_reset(&c->resp->body);
	ui_html(c, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		   "<link rel=\"icon\" href=\"data:,\"><title>");
	ui_text(c, title);
	ui_html(c, " \xE2\x80\x94 Custos</title><link rel=\"stylesheet\" href=\"");
	asset_link(c, "custos.css");
	ui_html(c, "\"><script src=\"");
	asset_link(c, "custos.js");
	ui_html(c, "\" defer></script></head><body>"
		   "<a class=\"skip\" href=\"#main\">Skip to content</a>");
}

void ui_begin_bare(struct ctx *c, const char *title)
{
	head(c, title);
	ui_html(c, "<header class=\"top\"><a class=\"brand\" href=\"/\">Custos</a></header>"
		   "<main id=\"main\">");
}

static void nav(struct ctx *c)
{
	const struct authz_subject *s = &c->who.subject;
	ui_html(c, "<nav class=\"main\" aria-label=\"Main\">");
	for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++) {
		bool any = false;
		for (size_t i = 0; i < model_registry_count(); i++) {
			const struct entity *e = model_registry_at(i);
			if (strcmp(e->area, areas[a].key) != 0 ||
			    authz_scope(s, e, AUTHZ_READ) == SCOPE_NONE)
				continue;
			if (!any) {
				ui_html(c, "<section><h2>");
				ui_text(c, areas[a].title);
				ui_html(c, "</h2><ul>");
				any = true;
			}
			ui_html(c, "<li><a href=\"/");
			ui_text(c, e->plural);
			ui_html(c, "\"");
			if (c->entity == e)
				ui_html(c, " aria-current=\"page\"");
			ui_html(c, ">");
			ui_text(c, e->title_plural);
			ui_html(c, "</a></li>");
		}
		if (any)
			ui_html(c, "</ul></section>");
	}
	if (authz_can(s, CAP_MANAGE_ACCOUNTS))
		ui_html(c, "<section><h2>Administration</h2><ul>"
			   "<li><a href=\"/admin/users\">Users</a></li></ul></section>");
	ui_html(c, "</nav>");
}

struct record *ui_load_readable(struct ctx *c, const struct entity *e)
{
	c->entity = e;
	const struct authz_subject *s = &c->who.subject;
	unsigned scope = authz_scope(s, e, AUTHZ_READ);
	if (!scope) {
		ui_error(c, ERR_FORBIDDEN, NULL);
		return NULL;
	}
	int64_t id = 0;
	struct repo_ctx rc = http_repo(c);
	struct record *r = NULL;
	enum err err = c->nparams && str_parse_i64(c->params[0], &id) && id > 0
			       ? repo_load(&rc, e, id, &r)
			       : ERR_NOT_FOUND;
	if (!err && !authz_record_in_scope(s, e, scope, r))
		err = ERR_NOT_FOUND;
	if (err) {
		ui_error(c, err, NULL);
		return NULL;
	}
	return r;
}

bool ui_page_allowed(struct ctx *c, const struct entity *e, const struct entity_page *pg)
{
	const struct authz_subject *s = &c->who.subject;
	const struct entity *makes = pg->creates ? model_entity(pg->creates) : NULL;
	if (pg->creates && (!makes || !authz_scope(s, makes, AUTHZ_CREATE)))
		return false;
	return !pg->reads_all || (authz_scope(s, e, AUTHZ_READ) & SCOPE_ALL);
}

void ui_begin(struct ctx *c, const char *title)
{
	head(c, title);
	ui_html(c, "<header class=\"top\"><a class=\"brand\" href=\"/\">Custos</a>"
		   "<span class=\"who\">");
	ui_text(c, c->who.name);
	ui_html(c, "</span>");
	/* everyone knows how to report (policy 3.12): the form is one click from every page */
	const struct entity *inc = model_entity("incident");
	if (inc && c->who.subject.person_id && authz_scope(&c->who.subject, inc, AUTHZ_CREATE))
		ui_html(c, "<a class=\"report\" href=\"/report\">Report an incident</a>");
	ui_html(c, "<a href=\"/account\">My account</a>"
		   "<form class=\"inline\" method=\"post\" action=\"/logout\">");
	ui_csrf(c);
	ui_html(c, "<button type=\"submit\">Sign out</button></form></header>"
		   "<div class=\"layout\">");
	nav(c);
	ui_html(c, "<main id=\"main\">");
}

void ui_end(struct ctx *c, int status)
{
	ui_html(c, "</main>");
	if (c->authed)
		ui_html(c, "</div>");
	ui_html(c, "</body></html>\n");
	c->resp->status = status;
	c->resp->content_type = "text/html; charset=utf-8";
}

/* Messages a redirect may ask for; the page never echoes text from the URL. */
static const struct {
	const char *key, *text;
	bool with_title; /* prefixed by the register's singular title */
} flashes[] = {
	{ "created", " created.", true },
	{ "saved", " saved.", true },
	{ "deleted", " deleted.", true },
	{ "step", ": the step was taken.", true },
	{ "signed_out", "You have signed out.", false },
	{ "password",
	  "Your password was changed. Your other sessions were signed out and your API tokens "
	  "were revoked.",
	  false },
	{ "mfa_off", "Two-factor sign-in is off.", false },
	{ "token_revoked", "The token was revoked.", false },
	{ "imported", "The CSV file was imported: every row was stored.", false },
	{ "user_saved", "The account was saved.", false },
	{ "expired", "Your session ended. Please sign in again.", false },
	{ "reported",
	  "Thank you: your report was received and the Support Team has been told. "
	  "Its reference is on this page; you can follow its status here.",
	  false },
};

void ui_flash(struct ctx *c)
{
	const char *m = http_query(c->req, "m");
	if (!m)
		return;
	for (size_t i = 0; i < sizeof(flashes) / sizeof(flashes[0]); i++) {
		if (strcmp(flashes[i].key, m) != 0)
			continue;
		if (flashes[i].with_title && !c->entity)
			return;
		ui_html(c, "<p role=\"status\">");
		if (flashes[i].with_title)
			ui_text(c, c->entity->title);
		ui_text(c, flashes[i].text);
		ui_html(c, "</p>");
		return;
	}
}

void ui_redirect(struct ctx *c, const char *location)
{
	buf_reset(&c->resp->body);
	http_set_header(c->req, c->resp, "Location", location);
	c->resp->status = 303;
	c->resp->content_type = "text/plain; charset=utf-8";
}

void ui_error(struct ctx *c, enum err e, const char *message)
{
	int status = err_http_status(e);
	const char *title = e == ERR_FORBIDDEN	 ? "Not allowed"
			    : e == ERR_NOT_FOUND ? "Not found"
						 : err_title(e);
	if (c->authed && !c->who.mfa_due)
		ui_begin(c, title);
	else
		ui_begin_bare(c, title);
	ui_html(c, "<h1>");
	ui_text(c, title);
	ui_html(c, "</h1><p>");
	if (message)
		ui_text(c, message);
	else if (e == ERR_FORBIDDEN)
		ui_text(c, "Your roles do not give you access to this page.");
	else if (e == ERR_NOT_FOUND)
		ui_text(c, "There is no such page, or it is not visible to you.");
	else
		ui_text(c, "Something went wrong on our side. Please try again.");
	ui_html(c, "</p><p><a href=\"/\">Back to the home page</a></p>");
	ui_end(c, status);
}

/* ---- values ---- */

struct ref_cache {
	size_t n;
	struct {
		const char *entity;
		int64_t id;
		const char *label;
	} items[128];
};

static struct ref_cache *ref_cache(struct ctx *c)
{
	if (!c->ui_cache)
		c->ui_cache = arena_alloc(c->a, sizeof(struct ref_cache));
	return c->ui_cache;
}

struct label_sink {
	struct ref_cache *rc;
	const char *entity;
};

static void keep_label(void *arg, int64_t id, const char *label)
{
	struct label_sink *ls = arg;
	struct ref_cache *rc = ls->rc;
	if (rc->n < sizeof(rc->items) / sizeof(rc->items[0]))
		rc->items[rc->n++] = (typeof(rc->items[0])){ ls->entity, id, label };
}

static bool cached(const struct ref_cache *rc, const char *entity, int64_t id)
{
	for (size_t j = 0; j < rc->n; j++)
		if (rc->items[j].id == id && strcmp(rc->items[j].entity, entity) == 0)
			return true;
	return false;
}

/* Looks the names of ids up through the user's read scope, as their list would show them; an
 * id the user may not read stays unnamed ("#12"), and is remembered so. */
static void fetch_labels(struct ctx *c, const struct entity *e, const int64_t *ids, size_t n)
{
	struct ref_cache *rc = ref_cache(c);
	unsigned scope = authz_scope(&c->who.subject, e, AUTHZ_READ);
	if (!rc || !n)
		return;
	int64_t want[REPO_LABELS_MAX]; /* the ids not looked up yet, each once */
	size_t k = 0;
	for (size_t i = 0; i < n && k < REPO_LABELS_MAX; i++) {
		bool known = cached(rc, e->name, ids[i]);
		for (size_t j = 0; j < k && !known; j++)
			known = want[j] == ids[i];
		if (!known)
			want[k++] = ids[i];
	}
	struct label_sink ls = { rc, e->name };
	if (k && scope && e->label_field) {
		struct list_query lq;
		http_list_query(c, &lq, scope);
		struct repo_ctx r = http_repo(c);
		if (repo_labels(&r, e, &lq, want, k, keep_label, &ls) != ERR_OK)
			return; /* names are a courtesy: the ids stand */
	}
	for (size_t i = 0; i < k; i++)
		if (!cached(rc, e->name, want[i]))
			keep_label(&ls, want[i], arena_printf(c->a, "#%lld", (long long)want[i]));
}

void ui_ref_prefetch(struct ctx *c, const char *entity, const int64_t *ids, size_t n)
{
	const struct entity *e = model_entity(entity);
	if (e)
		fetch_labels(c, e, ids, n);
}

const char *ui_ref_label(struct ctx *c, const char *entity, int64_t id)
{
	struct ref_cache *rc = ref_cache(c);
	const struct entity *e = model_entity(entity);
	if (!rc || !e)
		return "?";
	fetch_labels(c, e, &id, 1);
	for (size_t i = 0; i < rc->n; i++)
		if (rc->items[i].id == id && strcmp(rc->items[i].entity, entity) == 0)
			return rc->items[i].label;
	return arena_printf(c->a, "#%lld", (long long)id); /* the cache is full */
}

const char *ui_value_text(struct ctx *c, const struct field *f, json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	switch (f->type) {
	case FT_BOOL:
		return json_is_true(v) ? "Yes" : "No";
	case FT_INT:
		if (json_is_integer(v)) {
			const char *num =
				arena_printf(c->a, "%lld", (long long)json_integer_value(v));
			const struct choice *ch = f->choices ? model_choice(f, num) : NULL;
			return ch ? arena_printf(c->a, "%s (%s)", ch->label, num) : num;
		}
		return NULL;
	case FT_REF:
		return json_is_integer(v) ? ui_ref_label(c, f->ref, json_integer_value(v)) : NULL;
	case FT_ENUM: {
		const char *s = json_string_value(v);
		const struct choice *ch = s ? model_choice(f, s) : NULL;
		return ch ? ch->label : s;
	}
	case FT_TIMESTAMP: {
		const char *s = json_string_value(v);
		if (!s)
			return NULL;
		char *t = arena_strdup(c->a, s);
		if (t && strlen(t) >= 19) {
			t[10] = ' ';
			t[16] = '\0'; /* minutes are enough on a page; the API has the rest */
			return arena_printf(c->a, "%s UTC", t);
		}
		return t;
	}
	case FT_FILE: {
		const char *name = json_string_value(json_object_get(v, "name"));
		json_int_t size = json_integer_value(json_object_get(v, "size"));
		if (!name)
			return NULL;
		return size >= 1 << 20 ? arena_printf(c->a, "%s (%.1f MiB)", name, size / 1048576.0)
		       : size >= 1024
			       ? arena_printf(c->a, "%s (%lld KiB)", name,
					      (long long)(size + 1023) / 1024)
			       : arena_printf(c->a, "%s (%lld bytes)", name, (long long)size);
	}
	default:
		return json_string_value(v);
	}
}

void ui_value(struct ctx *c, const struct field *f, json_t *v)
{
	const char *t = ui_value_text(c, f, v);
	if (!t) {
		ui_html(c, "<span class=\"muted\">\xE2\x80\x94</span>");
		return;
	}
	if (f->type == FT_REF && json_is_integer(v)) {
		const struct entity *e = model_entity(f->ref);
		if (e && t[0] != '#') {
			ui_html(c, "<a href=\"/");
			ui_text(c, e->plural);
			ui_html(c, "/");
			ui_int(c, json_integer_value(v));
			ui_html(c, "\">");
			ui_text(c, t);
			ui_html(c, "</a>");
			return;
		}
	}
	if (f->type == FT_EMAIL) {
		ui_html(c, "<a href=\"mailto:");
		ui_text(c, t);
		ui_html(c, "\">");
		ui_text(c, t);
		ui_html(c, "</a>");
		return;
	}
	if (f->type == FT_MARKDOWN) {
		ui_html(c, "<div class=\"md\">");
		if (markdown_html(&c->resp->body, t, strlen(t)) != ERR_OK)
			log_warn("a Markdown value could not be parsed; shown as text");
		ui_html(c, "</div>");
		return;
	}
	if (f->type == FT_LONGTEXT) {
		/* paragraphs and line breaks kept; Markdown rendering comes with documents */
		ui_html(c, "<div class=\"md\"><p>");
		for (const char *p = t; *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			html_escn(&c->resp->body, p, n);
			if (!nl)
				break;
			p = nl + 1;
			if (*p == '\n') {
				ui_html(c, "</p><p>");
				while (*p == '\n')
					p++;
			} else {
				ui_html(c, "<br>");
			}
		}
		ui_html(c, "</p></div>");
		return;
	}
	ui_text(c, t);
}
