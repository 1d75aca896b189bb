/* ui_soa.c - the Statement of Applicability page (ISO 27001 6.1.3 d) and its gap view: per
 * domain or theme, how many controls apply, are implemented or partly, and lack evidence that
 * holds. It shows the whole organisation, so it needs read access to every control. */
#include <string.h>

#include "core/authz.h"
#include "core/repo.h"
#include "domain/domain.h"
#include "domain/soa.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/ui.h"
#include "util/crypto.h"
#include "util/html.h"
#include "util/str.h"
#include "util/timeutil.h"

static const char *status_label(const char *s)
{
	static const struct {
		const char *v, *l;
	} t[] = { { "not_started", "Not started" },
		  { "partial", "Partly implemented" },
		  { "implemented", "Implemented" },
		  { "not_applicable", "Not applicable" } };
	for (size_t i = 0; s && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].v, s) == 0)
			return t[i].l;
	return "Not assessed";
}

/* The frameworks the user may read, by code, as their list gives them. */
static void framework_options(struct ctx *c, const char *code)
{
	unsigned scope = authz_scope(&c->who.subject, &entity_framework, AUTHZ_READ);
	struct list_query lq;
	http_list_query(c, &lq, scope);
	lq.limit = LIST_MAX_LIMIT;
	const char *why;
	struct repo_ctx rc = http_repo(c);
	struct buf b;
	buf_init(&b, 0);
	json_t *page = NULL;
	if (scope &&
	    list_query_param(c->a, &entity_framework, &lq, "sort", "code", &why) == ERR_OK &&
	    repo_list_json(&rc, &entity_framework, &lq, &b, &why) == ERR_OK)
		page = json_loadb(b.p, b.len, 0, NULL);
	buf_free(&b);
	size_t k;
	json_t *row;
	json_array_foreach(json_object_get(page, "items"), k, row)
	{
		const char *fc = json_string_value(json_object_get(row, "code"));
		ui_html(c, "<option value=\"");
		ui_text(c, fc);
		ui_html(c, fc && strcmp(fc, code) == 0 ? "\" selected>" : "\">");
		ui_text(c, json_string_value(json_object_get(row, "name")));
		ui_html(c, "</option>");
	}
	json_decref(page);
}

/* Evidence is missing for an applicable control with no evidence, or only expired evidence. */
static bool lacks_evidence(const struct soa_row *r)
{
	return r->applicable && (r->evidence == 0 || r->evidence_expired == r->evidence);
}

static void gap_view(struct ctx *c, const struct soa *s)
{
	ui_html(c,
		"<section aria-labelledby=\"gap-h\"><h2 id=\"gap-h\">Gap view</h2>"
		"<div class=\"scroll\"><table class=\"gap\"><thead><tr><th scope=\"col\">Group</th>"
		"<th scope=\"col\">Controls</th><th scope=\"col\">Applicable</th>"
		"<th scope=\"col\">Implemented</th><th scope=\"col\">Partly</th>"
		"<th scope=\"col\">Not started or not assessed</th>"
		"<th scope=\"col\">Missing evidence</th></tr></thead><tbody>");
	int64_t tot[6] = { 0 };
	/* one line per group, in the order groups first appear, even where the catalogue's order
	 * interleaves them */
	for (size_t i = 0; i < s->n; i++) {
		const char *g = s->rows[i].group_id ? s->rows[i].group_id : "";
		bool seen = false;
		for (size_t p = 0; p < i && !seen; p++)
			seen = !strcmp(s->rows[p].group_id ? s->rows[p].group_id : "", g);
		if (seen)
			continue;
		int64_t k[6] = { 0 };
		for (size_t j = i; j < s->n; j++) {
			const struct soa_row *r = &s->rows[j];
			if (strcmp(r->group_id ? r->group_id : "", g) != 0)
				continue;
			k[0]++;
			k[1] += r->applicable;
			k[2] += r->applicable && r->status && !strcmp(r->status, "implemented");
			k[3] += r->applicable && r->status && !strcmp(r->status, "partial");
			k[4] += !r->control ||
				(r->applicable && r->status && !strcmp(r->status, "not_started"));
			k[5] += lacks_evidence(r);
		}
		ui_html(c, "<tr><th scope=\"row\">");
		ui_text(c, g);
		ui_html(c, " ");
		ui_text(c, s->rows[i].group_title);
		ui_html(c, "</th>");
		for (int m = 0; m < 6; m++) {
			ui_html(c, "<td>");
			ui_int(c, k[m]);
			ui_html(c, "</td>");
			tot[m] += k[m];
		}
		ui_html(c, "</tr>");
	}
	ui_html(c, "</tbody><tfoot><tr><th scope=\"row\">All</th>");
	for (int m = 0; m < 6; m++) {
		ui_html(c, "<td><strong>");
		ui_int(c, tot[m]);
		ui_html(c, "</strong></td>");
	}
	ui_html(c, "</tr></tfoot></table></div></section>");
}

/* A framework code as a file name: letters, digits, dot, dash and underscore only, so it can
 * be put in a header (quotes, semicolons and non-ASCII would change its meaning). */
static const char *file_safe(struct ctx *c, const char *code)
{
	char *s = arena_strndup(c->a, code, strnlen(code, 64));
	for (char *p = s; p && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
			*p = '_';
	return s ? s : "soa";
}

/* The SoA the request asks for (?framework=, by default ISO 27001:2022) as of today. */
static enum err soa_requested(struct ctx *c, const char **code, char today[11], struct soa *s)
{
	*code = http_query(c->req, "framework");
	if (!*code || !**code)
		*code = SOA_DEFAULT_FRAMEWORK;
	time_format_date(time_now(), today);
	return soa_build(c->db, c->a, *code, today, s);
}

static bool may_read_soa(struct ctx *c)
{
	const struct authz_subject *sub = &c->who.subject;
	if ((authz_scope(sub, &entity_control, AUTHZ_READ) & SCOPE_ALL) &&
	    (authz_scope(sub, &entity_catalog_control, AUTHZ_READ) & SCOPE_ALL))
		return true;
	ui_error(c, ERR_FORBIDDEN,
		 "The Statement of Applicability covers every control: it needs read access to "
		 "all of them.");
	return false;
}

/* The controls table; live links to records only for the live SoA. */
static void soa_table(struct ctx *c, const struct soa *s, bool live)
{
	ui_html(c, "<h2>Controls</h2><div class=\"scroll\"><table class=\"soa\"><thead><tr>"
		   "<th scope=\"col\">Control</th><th scope=\"col\">Applicable</th>"
		   "<th scope=\"col\">Reasons</th><th scope=\"col\">Justification</th>"
		   "<th scope=\"col\">Implementation</th><th scope=\"col\">Owner</th>"
		   "<th scope=\"col\">Evidence</th></tr></thead><tbody>");
	const char *group = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct soa_row *r = &s->rows[i];
		if (!group || strcmp(group, r->group_id ? r->group_id : "") != 0) {
			group = r->group_id ? r->group_id : "";
			ui_html(c, "<tr class=\"group\"><th colspan=\"7\" scope=\"rowgroup\">");
			ui_text(c, group);
			ui_html(c, " ");
			ui_text(c, r->group_title);
			ui_html(c, "</th></tr>");
		}
		ui_html(c, "<tr><td>");
		if (live) {
			ui_html(c, "<a href=\"/catalog_controls/");
			ui_int(c, r->catalog_id);
			ui_html(c, "\">");
		}
		ui_text(c, r->control_id);
		ui_html(c, live ? "</a> " : " ");
		ui_text(c, r->title);
		ui_html(c, "</td><td>");
		if (!r->control) {
			ui_html(c, "<span class=\"badge bad\">not assessed</span>");
			if (live && authz_scope(&c->who.subject, &entity_control, AUTHZ_CREATE)) {
				ui_html(c, " <a href=\"/controls/new?catalog_control_id=");
				ui_int(c, r->catalog_id);
				ui_html(c, "\">assess</a>");
			}
		} else if (live) {
			ui_html(c, "<a href=\"/controls/");
			ui_int(c, r->control);
			ui_html(c, "\">");
			ui_html(c, r->applicable ? "Yes" : "No");
			ui_html(c, "</a>");
		} else {
			ui_html(c, r->applicable ? "Yes" : "No");
		}
		ui_html(c, "</td><td>");
		bool any = false;
		struct {
			bool on;
			const char *label;
		} reasons[] = { { r->reason_risk, "risks" },
				{ r->reason_legal, "legal" },
				{ r->reason_contract, "contract" },
				{ r->reason_business, "business" } };
		for (size_t k = 0; k < 4; k++) {
			if (!reasons[k].on)
				continue;
			ui_html(c, any ? ", " : "");
			ui_text(c, reasons[k].label);
			any = true;
		}
		if (r->risks) {
			ui_html(c, " (");
			if (live) {
				ui_html(c, "<a href=\"/control_risks?control_id=");
				ui_int(c, r->control);
				ui_html(c, "\">");
			}
			ui_int(c, r->risks);
			ui_html(c, r->risks == 1 ? " risk" : " risks");
			ui_html(c, live ? "</a>)" : ")");
		}
		ui_html(c, "</td><td>");
		ui_text(c, r->justification);
		ui_html(c, "</td><td>");
		ui_text(c, r->control ? status_label(r->status) : "");
		ui_html(c, "</td><td>");
		ui_text(c, r->owner);
		ui_html(c, "</td><td>");
		if (r->control && r->evidence) {
			if (live) {
				ui_html(c, "<a href=\"/evidence?control_id=");
				ui_int(c, r->control);
				ui_html(c, "\">");
			}
			ui_int(c, r->evidence);
			ui_html(c, live ? "</a>" : "");
		}
		if (r->evidence_expired)
			ui_html(c, " <span class=\"badge bad\">expired</span>");
		else if (lacks_evidence(r))
			ui_html(c, "<span class=\"badge bad\">missing</span>");
		ui_html(c, "</td></tr>");
	}
	ui_html(c, "</tbody></table></div>");
}

void ui_soa(struct ctx *c)
{
	c->entity = &entity_control;
	if (!may_read_soa(c))
		return;
	const char *code;
	char today[11];
	struct soa s;
	enum err e = soa_requested(c, &code, today, &s);
	if (e) {
		ui_error(c, e,
			 e == ERR_NOT_FOUND ? "There is no such framework: load a catalogue first "
					      "(custos import catalogue iso27001-2022)."
					    : NULL);
		return;
	}
	ui_begin(c, "Statement of Applicability");
	ui_html(c, "<h1>Statement of Applicability</h1><p>");
	ui_text(c, s.framework_name);
	ui_html(c, ": every control, whether it applies to the organisation and why, and how far "
		   "it is implemented (ISO/IEC 27001 6.1.3 d). Built from the "
		   "<a href=\"/controls\">controls</a> records as of ");
	ui_text(c, today);
	ui_html(c, ". Approved versions are kept under <a href=\"/soa_versions\">SoA versions</a>."
		   "</p><form class=\"filters\" method=\"get\" action=\"/soa\"><label>Framework"
		   "<select name=\"framework\">");
	framework_options(c, code);
	ui_html(c,
		"</select></label><button type=\"submit\">Show</button></form><div class=\"bar\">");
	static const char *const formats[] = { "xlsx", "csv", "json", "oscal" };
	static const char *const names[] = { "XLSX", "CSV", "JSON", "OSCAL" };
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		ui_html(c, "<a class=\"button plain\" download href=\"/soa/export.");
		ui_html(c, formats[i]);
		ui_html(c, "?framework=");
		struct buf q;
		buf_init(&q, 0);
		url_esc(&q, code);
		ui_text(c, buf_cstr(&q));
		buf_free(&q);
		ui_html(c, "\">");
		ui_html(c, names[i]);
		ui_html(c, "</a>");
	}
	ui_html(c, "</div>");
	gap_view(c, &s);
	soa_table(c, &s, true);
	ui_end(c, 200);
}

void ui_soa_export(struct ctx *c)
{
	c->entity = &entity_control;
	enum export_format fmt = EXPORT_JSON;
	/* OSCAL is the SoA's alone: a JSON document, so it answers as JSON */
	bool oscal = c->nparams >= 1 && strcmp(c->params[0], "oscal") == 0;
	if (c->nparams < 1 || (!oscal && !export_format_parse(c->params[0], &fmt))) {
		ui_error(c, ERR_NOT_FOUND, "The SoA exports as XLSX, CSV, JSON or OSCAL.");
		return;
	}
	if (!may_read_soa(c))
		return;
	const char *code;
	char today[11];
	struct soa s;
	/* OSCAL names the organisation, and its record's uuid keeps the export's UUIDs stable */
	struct organisation_info org = { 0 };
	enum err e = soa_requested(c, &code, today, &s);
	if (!e && oscal)
		e = organisation_get(c->db, c->a, &org);
	if (!e) {
		buf_reset(&c->resp->body);
		e = oscal ? soa_to_oscal(c->a, &s, today, org.name, org.uuid, &c->resp->body)
			  : soa_export(c->a, &s, today, fmt, &c->resp->body);
	}
	if (e) {
		buf_reset(&c->resp->body);
		ui_error(c, e, e == ERR_NOT_FOUND ? "There is no such framework." : NULL);
		return;
	}
	respond_attachment(c,
			   arena_printf(c->a, "soa-%s-%s.%s", file_safe(c, code), today,
					oscal ? "oscal.json" : export_extension(fmt)),
			   false);
	c->resp->status = 200;
	c->resp->content_type = export_content_type(fmt);
}

/* An approved version: its frozen copy, as it was approved. */
void ui_soa_version_document(struct ctx *c)
{
	c->entity = &entity_soa_version;
	unsigned scope = authz_scope(&c->who.subject, &entity_soa_version, AUTHZ_READ);
	int64_t id;
	if (!scope || !str_parse_i64(c->params[0], &id) || id <= 0) {
		ui_error(c, scope ? ERR_NOT_FOUND : ERR_FORBIDDEN, NULL);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	struct record *r;
	enum err e = repo_load(&rc, &entity_soa_version, id, &r);
	const struct value *content = e ? NULL : model_get(r, "content");
	if (!e && (!content->set || content->null)) {
		ui_error(c, ERR_NOT_FOUND,
			 "This version is not approved yet: it has no frozen copy.");
		return;
	}
	struct soa s;
	const char *as_of = NULL;
	if (!e)
		e = soa_from_json(c->a, content->s, content->n, &s, &as_of);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	const struct value *by = model_get(r, "approved_by"), *at = model_get(r, "approved_at");
	const struct value *hash = model_get(r, "content_hash");
	ui_begin(c, "Approved Statement of Applicability");
	ui_html(c, "<p class=\"muted\"><a href=\"/soa_versions/");
	ui_int(c, id);
	ui_html(c, "\">SoA version record</a></p><h1>Statement of Applicability</h1><p>");
	ui_text(c, s.framework_name);
	ui_html(c, " \xE2\x80\x94 as of ");
	ui_text(c, as_of);
	ui_html(c, ", approved by ");
	ui_text(c, by->s);
	ui_html(c, " at ");
	ui_text(c, at->s);
	ui_html(c, ".</p><p class=\"muted\">BLAKE2b of the frozen copy: <code>");
	ui_text(c, hash->s);
	ui_html(c, "</code></p>");
	char now[CRYPTO_HASH_HEX];
	crypto_hash_hex(content->s, content->n, NULL, 0, now);
	if (!hash->set || hash->null || strcmp(now, hash->s) != 0)
		ui_html(c, "<div role=\"alert\">The frozen copy does not match its hash: it was "
			   "changed after approval. Run custos audit verify.</div>");
	gap_view(c, &s);
	soa_table(c, &s, false);
	ui_end(c, 200);
}

/* GET /api/v1/soa?framework=CODE: the same SoA as JSON, for scripts and auditors' tools. */
void api_soa(struct ctx *c)
{
	const struct authz_subject *sub = &c->who.subject;
	if (!(authz_scope(sub, &entity_control, AUTHZ_READ) & SCOPE_ALL) ||
	    !(authz_scope(sub, &entity_catalog_control, AUTHZ_READ) & SCOPE_ALL)) {
		respond_problem(c, ERR_FORBIDDEN,
				"the Statement of Applicability needs read access to every control",
				NULL);
		return;
	}
	const char *code = http_query(c->req, "framework");
	if (code && (!*code || strlen(code) > 64)) {
		respond_field_error(c, ERR_BAD_REQUEST, "framework", "must be a framework code");
		return;
	}
	char today[11];
	struct soa s;
	enum err e = soa_requested(c, &code, today, &s);
	if (!e)
		e = soa_to_json(&s, today, &c->resp->body);
	if (e) {
		respond_problem(c, e, e == ERR_NOT_FOUND ? "no such framework" : NULL, NULL);
		return;
	}
	respond_json(c, 200);
}
