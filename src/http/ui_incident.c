/* ui_incident.c - the incident pages beyond the generated ones: the short report form every
 * signed-in user reaches from every page (policy 3.12: everyone knows how to report), the
 * metrics (inputs to the effectiveness measures), and an incident's full report as HTML and
 * PDF. Each asks authz before it reads. */
#include <string.h>

#include "core/authz.h"
#include "core/files.h"
#include "core/repo.h"
#include "domain/domain.h"
#include "domain/incident.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/ui.h"
#include "io/pdf.h"
#include "util/html.h"
#include "util/markdown.h"
#include "util/str.h"
#include "util/timeutil.h"

/* ---- the report form ---- */

static void report_page(struct ctx *c, int status, const struct verrors *ve, const char *alert)
{
	c->entity = &entity_incident;
	ui_begin(c, "Report an incident");
	ui_html(c, "<h1>Report an incident</h1><p>Report anything that may harm the organisation's "
		   "information, at once, even if you are not sure: a lost device, a suspicious "
		   "e-mail, an error or outage, a door left open, a password shared, a change made "
		   "without approval. Do not investigate yourself. The Support Team reads every "
		   "report and passes it to the Information Security Manager.</p>");
	if (alert || (ve && ve->n)) {
		ui_html(c, "<div role=\"alert\" tabindex=\"-1\"><p>");
		ui_text(c, alert ? alert : "Please correct the errors below.");
		ui_html(c, "</p><ul>");
		for (size_t i = 0; ve && i < ve->n; i++) {
			const struct field *f = ve->items[i].field ? model_field(&entity_incident,
										 ve->items[i].field)
								   : NULL;
			ui_html(c, "<li>");
			ui_text(c, f ? f->label : ve->items[i].field);
			ui_html(c, " ");
			ui_text(c, ve->items[i].message);
			ui_html(c, "</li>");
		}
		ui_html(c, "</ul></div>");
	}
	ui_html(c, "<form class=\"record card\" method=\"post\" action=\"/report\" "
		   "enctype=\"multipart/form-data\">");
	ui_csrf(c);
	ui_html(c, "<div class=\"field\"><label for=\"f-title\">What happened <span "
		   "class=\"req\" aria-hidden=\"true\">*</span></label><input type=\"text\" "
		   "id=\"f-title\" name=\"title\" required maxlength=\"200\" value=\"");
	ui_text(c, ui_field(c, "title"));
	ui_html(c, "\"><p class=\"help\">In a few words: \"Laptop stolen from car\", \"Phishing "
		   "e-mail opened\".</p></div>");
	ui_html(c, "<div class=\"field\"><label for=\"f-description\">Details</label><textarea "
		   "id=\"f-description\" name=\"description\" rows=\"6\">");
	ui_text(c, ui_field(c, "description"));
	ui_html(c, "</textarea><p class=\"help\">What you saw, what is affected, who else "
		   "knows.</p></div>");
	ui_html(c, "<div class=\"field\"><label for=\"f-occurred_at\">When it happened (UTC)"
		   "</label><input type=\"datetime-local\" id=\"f-occurred_at\" "
		   "name=\"occurred_at\" value=\"");
	ui_text(c, ui_field(c, "occurred_at"));
	ui_html(c, "\"><p class=\"help\">As near as you know; leave it empty if you do not."
		   "</p></div>");
	ui_html(c, "<div class=\"field\"><label for=\"f-category\">What kind of incident"
		   "</label><select id=\"f-category\" name=\"category\">");
	const char *cat = ui_field(c, "category");
	for (const struct choice *ch = incident_categories(); ch->value; ch++) {
		ui_html(c, "<option value=\"");
		ui_text(c, ch->value);
		bool sel = cat ? strcmp(cat, ch->value) == 0 : strcmp(ch->value, "not_sure") == 0;
		ui_html(c, sel ? "\" selected>" : "\">");
		ui_text(c, ch->label);
		ui_html(c, "</option>");
	}
	ui_html(c, "</select></div>");
	ui_html(c, "<div class=\"field\"><label for=\"f-attachment\">Attachment</label><input "
		   "type=\"file\" id=\"f-attachment\" name=\"attachment\"><p class=\"help\">A "
		   "screenshot, the suspicious e-mail saved as a file, a photo (optional).</p>"
		   "</div>");
	ui_html(c, "<div class=\"bar\"><button type=\"submit\">Send the report</button>"
		   "<a href=\"/\">Cancel</a></div></form>");
	ui_end(c, status);
}

static bool may_report(struct ctx *c)
{
	const struct authz_subject *s = &c->who.subject;
	if (!authz_scope(s, &entity_incident, AUTHZ_CREATE)) {
		ui_error(c, ERR_FORBIDDEN, NULL);
		return false;
	}
	if (!s->person_id) {
		ui_error(c, ERR_FORBIDDEN,
			 "Your account is not linked to a person of the organisation, so a report "
			 "cannot name you: tell the Support Team directly.");
		return false;
	}
	return true;
}

void ui_report_form(struct ctx *c)
{
	if (may_report(c))
		report_page(c, 200, NULL, NULL);
}

/* A browser's datetime-local value ("2026-11-29T07:30") as the RFC 3339 time it means. */
static const char *form_time(struct ctx *c, const char *v)
{
	if (!v || !*v)
		return NULL;
	size_t n = strlen(v);
	if (n == 16 && v[10] == 'T')
		return arena_printf(c->a, "%s:00Z", v);
	if (n == 19 && v[10] == 'T')
		return arena_printf(c->a, "%sZ", v);
	return v;
}

void ui_report(struct ctx *c)
{
	if (!may_report(c))
		return;
	c->entity = &entity_incident;
	struct record *r = model_record_new(c->a, &entity_incident);
	if (!r) {
		ui_error(c, ERR_NOMEM, NULL);
		return;
	}
	struct verrors ve = { 0 };
	static const char *const names[] = { "title", "description", "category", "occurred_at" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = ui_field(c, names[i]);
		if (i == 3)
			v = form_time(c, v);
		if (!v || !*v)
			continue;
		int k = model_field_index(&entity_incident, names[i]);
		const char *why = NULL;
		if (!model_parse_text(c->a, &entity_incident.fields[k], v, strlen(v), &r->v[k],
				      &why))
			verrors_add(&ve, names[i], why ? why : "is not valid");
	}
	int k = model_field_index(&entity_incident, "reporter_id");
	r->v[k] = (struct value){ .set = true, .i = c->who.subject.person_id };
	for (size_t i = 0; c->parts && i < c->parts->n; i++) {
		const struct multipart_part *pt = &c->parts->parts[i];
		if (strcmp(pt->name, "attachment") != 0 || !pt->filename || !*pt->filename)
			continue;
		const char *why = NULL;
		int fk = model_field_index(&entity_incident, "attachment");
		if (!files_value(c->a, pt->filename, pt->content_type, pt->data, pt->n, &r->v[fk],
				 &why))
			verrors_add(&ve, "attachment", why);
	}
	struct repo_ctx rc = http_repo(c);
	int64_t id = 0;
	enum err e = repo_create(&rc, r, &ve, &id);
	if (e == ERR_INVALID || e == ERR_CONFLICT) {
		report_page(c, 422, &ve, NULL);
		return;
	}
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_redirect(c, arena_printf(c->a, "/incidents/%lld?m=reported", (long long)id));
}

/* ---- metrics ---- */

static void minutes(struct ctx *c, int64_t m)
{
	if (m < 0) {
		ui_html(c, "<span class=\"muted\">\xE2\x80\x94</span>");
		return;
	}
	if (m < 120) {
		ui_int(c, m);
		ui_html(c, " min");
		return;
	}
	/* tenths of an hour in whole numbers, half up: no binary fraction decides the digit */
	int64_t tenths = (m + 3) / 6;
	ui_text(c, arena_printf(c->a, "%lld.%lld h", (long long)(tenths / 10),
				(long long)(tenths % 10)));
}

void ui_incident_metrics(struct ctx *c)
{
	c->entity = &entity_incident;
	if (!(authz_scope(&c->who.subject, &entity_incident, AUTHZ_READ) & SCOPE_ALL)) {
		ui_error(c, ERR_FORBIDDEN,
			 "The metrics count every incident: they are for those "
			 "who read them all.");
		return;
	}
	struct incident_metrics m;
	enum err e = incident_metrics(c->db, c->a, time_now(), &m);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_begin(c, "Incident metrics");
	ui_html(c, "<p class=\"muted\"><a href=\"/incidents\">Incidents</a></p><h1>Incident "
		   "metrics</h1><dl class=\"record\"><dt>Incidents recorded</dt><dd>");
	ui_int(c, m.total);
	ui_html(c, "</dd><dt>Open</dt><dd>");
	ui_int(c, m.open);
	ui_html(c, "</dd><dt>Overdue now</dt><dd>");
	ui_int(c, m.overdue);
	ui_html(c, "</dd><dt>Mean time to triage</dt><dd>");
	minutes(c, m.mean_triage);
	ui_html(c, "</dd><dt>Mean time to escalate</dt><dd>");
	minutes(c, m.mean_escalate);
	ui_html(c, "</dd><dt>Mean time to resolve</dt><dd>");
	minutes(c, m.mean_resolve);
	ui_html(c, "</dd></dl><p class=\"help\">Times run from the report (when the organisation "
		   "became aware) to the step.</p>");
	/* by month: categories, then severities */
	for (int table = 0; table < 2; table++) {
		const struct choice *ch = table ? incident_severities() : incident_categories();
		ui_html(c, table ? "<h2>By severity</h2>" : "<h2>By category</h2>");
		ui_html(c, "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Month</th>");
		int cols = 0;
		for (; ch[cols].value; cols++) {
			ui_html(c, "<th scope=\"col\">");
			ui_text(c, ch[cols].label);
			ui_html(c, "</th>");
		}
		if (table)
			ui_html(c, "<th scope=\"col\">Not triaged</th>");
		ui_html(c, "</tr></thead><tbody>");
		for (int i = 0; i < INCIDENT_METRIC_MONTHS; i++) {
			ui_html(c, "<tr><th scope=\"row\">");
			ui_text(c, m.month[i]);
			ui_html(c, "</th>");
			for (int k = 0; k < cols + table; k++) {
				ui_html(c, "<td>");
				ui_int(c, table ? m.by_severity[i][k] : m.by_category[i][k]);
				ui_html(c, "</td>");
			}
			ui_html(c, "</tr>");
		}
		ui_html(c, "</tbody></table></div>");
	}
	ui_end(c, 200);
}

/* ---- the full report of one incident ---- */

static const char *label_of(const struct record *r, const char *field)
{
	const char *v = model_text(r, field);
	const struct choice *ch = v ? model_choice(model_field(r->e, field), v) : NULL;
	return ch ? ch->label : v;
}

void ui_incident_report(struct ctx *c)
{
	/* the full report carries the investigation (notes, actions, who did what): for those
	 * who read every incident, not for a reporter following their own */
	if (!(authz_scope(&c->who.subject, &entity_incident, AUTHZ_READ) & SCOPE_ALL)) {
		c->entity = &entity_incident;
		ui_error(c, ERR_FORBIDDEN, "The full report is for those who handle incidents.");
		return;
	}
	struct record *r = ui_load_readable(c, &entity_incident);
	if (!r)
		return;
	enum err e;
	const char *fmt = c->nparams > 1 ? c->params[1] : "";
	struct buf md;
	buf_init(&md, 8u << 20);
	if ((e = incident_report_markdown(c->db, c->a, r, time_now(), &md))) {
		buf_free(&md);
		ui_error(c, e, NULL);
		return;
	}
	const char *name = model_reference(c->a, r->e, r->id);
	const char *title = arena_printf(c->a, "Incident %s: %s", name, model_text(r, "title"));
	if (strcmp(fmt, "pdf") == 0) {
		struct organisation_info org = { 0 };
		if ((e = organisation_get(c->db, c->a, &org)) == ERR_OK) {
			struct pdf_doc d = { .title = title,
					     .org = org.name,
					     .markdown = buf_cstr(&md),
					     .markdown_len = md.len,
					     .footer = arena_printf(c->a, "%s \xE2\x80\x94 %s",
								    name, label_of(r, "status")) };
			e = pdf_render(&d, &c->resp->body);
		}
		c->resp->content_type = "application/pdf";
	} else if (strcmp(fmt, "html") == 0) {
		struct buf *b = &c->resp->body;
		buf_adds(b,
			 "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
		html_esc(b, title);
		buf_adds(b,
			 "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;"
			 "margin:2rem auto;padding:0 1rem;color:#1b1f24}</style></head><body><h1>");
		html_esc(b, title);
		buf_adds(b, "</h1>");
		e = markdown_html(b, buf_cstr(&md), md.len);
		buf_adds(b, "</body></html>\n");
		c->resp->content_type = "text/html; charset=utf-8";
	} else {
		e = ERR_NOT_FOUND;
	}
	buf_free(&md);
	if (e) {
		buf_reset(&c->resp->body);
		ui_error(c, e, e == ERR_NOT_FOUND ? "Reports are made as .html or .pdf." : NULL);
		return;
	}
	respond_attachment(c, arena_printf(c->a, "%s.%s", name, fmt), false);
	c->resp->status = 200;
}
