/* ui_document.c - the pages of policies and documents beyond the generated ones: a published
 * version to read, who has read it, what someone was asked to acknowledge, the standalone HTML
 * copy, and the public trust page (the policy's "a copy is also available to external
 * parties"). Every page asks authz about the record it shows before reading anything else. */
#include <string.h>

#include "core/authz.h"
#include "core/repo.h"
#include "domain/document.h"
#include "domain/domain.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/ui.h"
#include "io/pdf.h"
#include "util/diff.h"
#include "util/html.h"
#include "util/markdown.h"
#include "util/str.h"
#include "util/timeutil.h"

/* Loads a record the page is entitled to by another one it may read (the version of an
 * acknowledgement): no permission of its own is asked. */
static struct record *load_linked(struct ctx *c, const struct entity *e, int64_t id)
{
	static const struct actor reader = { 0, "custos" };
	struct repo_ctx rc = { .db = c->db, .a = c->a, .who = &reader };
	struct record *r = NULL;
	enum err err = repo_load(&rc, e, id, &r);
	if (err) {
		ui_error(c, err, NULL);
		return NULL;
	}
	return r;
}

static const char *choice_label(const struct entity *e, const char *field, const char *value)
{
	const struct choice *ch = value ? model_choice(model_field(e, field), value) : NULL;
	return ch ? ch->label : value;
}

static void meta_row(struct ctx *c, const char *label, const char *value)
{
	if (!value)
		return;
	ui_html(c, "<tr><th scope=\"row\">");
	ui_text(c, label);
	ui_html(c, "</th><td>");
	ui_text(c, value);
	ui_html(c, "</td></tr>");
}

/* The version as a document: its title, the facts an auditor checks first (version, who
 * approved it and when, the hash of the text they approved, the next review), then the text.
 * owner: the owner's name when the reader may see it, else NULL. */
static void render_version(struct ctx *c, const struct record *doc, const struct record *ver,
			   const char *owner, bool public_view)
{
	ui_html(c, "<article class=\"document\"><h1>");
	ui_text(c, model_text(doc, "title"));
	ui_html(c, "</h1><table class=\"meta\"><tbody>");
	meta_row(c, "Reference", model_text(doc, "code"));
	meta_row(c, "Kind", choice_label(&entity_document, "kind", model_text(doc, "kind")));
	meta_row(c, "Version", arena_printf(c->a, "%lld", (long long)model_int(ver, "number")));
	meta_row(c, "Status",
		 choice_label(&entity_document_version, "status", model_text(ver, "status")));
	meta_row(c, "Classification",
		 choice_label(&entity_document, "classification",
			      model_text(doc, "classification")));
	meta_row(c, "Owner", owner);
	const char *approved = model_text(ver, "approved_at");
	meta_row(c, "Approved", approved ? arena_strndup(c->a, approved, 10) : NULL);
	const char *published = model_text(ver, "published_at");
	meta_row(c, "Published", published ? arena_strndup(c->a, published, 10) : NULL);
	if (model_int(doc, "current_version_id") == ver->id)
		meta_row(c, "Next review", model_text(doc, "next_review_on"));
	meta_row(c, "What changed", model_text(ver, "change_summary"));
	ui_html(c, "</tbody></table>");

	struct doc_signoff *so;
	size_t n = 0;
	if (document_signoffs(c->db, c->a, ver->id, &so, &n) == ERR_OK && n) {
		ui_html(c, "<section class=\"signoffs\"><h2>Approval</h2><ul>");
		for (size_t i = 0; i < n; i++) {
			ui_html(c, "<li>");
			ui_text(c, choice_label(&entity_document_signoff, "role", so[i].role));
			/* the public sees the role and the day, not the approvers' sign-in names */
			if (!public_view) {
				ui_html(c, ": ");
				ui_text(c, so[i].signed_by);
			}
			ui_html(c, ", ");
			ui_text(c, public_view ? arena_strndup(c->a, so[i].signed_at, 10)
					       : so[i].signed_at);
			ui_html(c, ", version ");
			ui_int(c, so[i].number);
			ui_html(c, "<br><span class=\"muted hash\">BLAKE2b-256 of the text: ");
			ui_text(c, so[i].body_hash);
			ui_html(c, "</span></li>");
		}
		ui_html(c, "</ul></section>");
	}
	ui_html(c, "<div class=\"md body\">");
	const char *body = model_text(ver, "body");
	if (body && markdown_html(&c->resp->body, body, strlen(body)) != ERR_OK)
		ui_html(c, "<p>The text could not be shown.</p>");
	ui_html(c, "</div></article>");
}

static const char *owner_name(struct ctx *c, const struct record *doc)
{
	int64_t o = model_int(doc, "owner_id");
	return o ? ui_ref_label(c, "person", o) : NULL;
}

void ui_document_read(struct ctx *c)
{
	struct record *doc = ui_load_readable(c, &entity_document);
	if (!doc)
		return;
	int64_t vid = model_int(doc, "current_version_id");
	if (!vid) {
		ui_error(c, ERR_NOT_FOUND, "This document has no published version yet.");
		return;
	}
	struct record *ver = load_linked(c, &entity_document_version, vid);
	if (!ver)
		return;
	ui_begin(c, model_text(doc, "title"));
	ui_html(c, "<p class=\"muted\"><a href=\"/documents/");
	ui_int(c, doc->id);
	ui_html(c, "\">Document record</a> \xC2\xB7 <a href=\"/document_versions/");
	ui_int(c, vid);
	ui_html(c, "/export.html\">Download as HTML</a> \xC2\xB7 <a href=\"/document_versions/");
	ui_int(c, vid);
	ui_html(c, "/export.pdf\">Download as PDF</a></p>");
	render_version(c, doc, ver, owner_name(c, doc), false);
	ui_end(c, 200);
}

/* Acknowledgement coverage of the current version: the owner, the ISM and whoever reads every
 * acknowledgement see who has read it and who has not. */
void ui_document_coverage(struct ctx *c)
{
	struct record *doc = ui_load_readable(c, &entity_document);
	if (!doc)
		return;
	const struct authz_subject *s = &c->who.subject;
	bool owner = s->person_id && s->person_id == model_int(doc, "owner_id");
	if (!owner && !(authz_scope(s, &entity_acknowledgement, AUTHZ_READ) & SCOPE_ALL)) {
		ui_error(c, ERR_FORBIDDEN,
			 "Only the document's owner and the ISM see who has read it.");
		return;
	}
	int64_t vid = model_int(doc, "current_version_id");
	struct doc_coverage cov;
	enum err e = vid ? document_coverage(c->db, c->a, vid, &cov) : ERR_NOT_FOUND;
	if (e) {
		ui_error(c, e,
			 e == ERR_NOT_FOUND ? "This document has no published version yet." : NULL);
		return;
	}
	ui_begin(c, arena_printf(c->a, "Who has read %s", model_text(doc, "code")));
	ui_html(c, "<p class=\"muted\"><a href=\"/documents/");
	ui_int(c, doc->id);
	ui_html(c, "\">");
	ui_text(c, model_text(doc, "code"));
	ui_html(c, " ");
	ui_text(c, model_text(doc, "title"));
	ui_html(c, "</a></p><h1>Who has read version ");
	ui_int(c, model_int(doc, "current_number"));
	ui_html(c, "</h1>");
	int64_t pct = cov.asked ? (cov.acknowledged * 100) / cov.asked : 0;
	ui_html(c, "<p class=\"coverage\"><strong>");
	ui_int(c, cov.acknowledged);
	ui_html(c, " of ");
	ui_int(c, cov.asked);
	ui_html(c, "</strong> people asked have read and acknowledged it (<strong>");
	ui_int(c, pct);
	ui_html(c, "%</strong>). <meter min=\"0\" max=\"100\" value=\"");
	ui_int(c, pct);
	ui_html(c, "\" aria-label=\"Coverage\"></meter></p>");
	if (!cov.nrows) {
		ui_html(c, "<p>Nobody is waiting to read it.</p>");
		ui_end(c, 200);
		return;
	}
	ui_html(c, "<h2>Not read yet</h2><table><thead><tr><th scope=\"col\">Person</th>"
		   "<th scope=\"col\">Department</th><th scope=\"col\">Read by</th>"
		   "<th scope=\"col\">Reminders</th></tr></thead><tbody>");
	char today[11];
	time_format_date(time_now(), today);
	for (size_t i = 0; i < cov.nrows; i++) {
		const struct doc_pending *p = &cov.rows[i];
		ui_html(c, "<tr><td><a href=\"/acknowledgements/");
		ui_int(c, p->ack_id);
		ui_html(c, "\">");
		ui_text(c, p->person);
		ui_html(c, "</a></td><td>");
		ui_text(c, p->department ? p->department : "");
		ui_html(c, "</td><td>");
		ui_text(c, p->due_on ? p->due_on : "");
		if (p->due_on && strcmp(p->due_on, today) < 0)
			ui_html(c, " <span class=\"badge bad\">overdue</span>");
		ui_html(c, "</td><td>");
		ui_int(c, p->reminders);
		ui_html(c, "</td></tr>");
	}
	ui_html(c, "</tbody></table>");
	ui_end(c, 200);
}

/* What a person was asked to read, with the button to acknowledge it: readable through the
 * acknowledgement, which is theirs, whatever they may read of the document registers. */
void ui_acknowledgement_read(struct ctx *c)
{
	struct record *ack = ui_load_readable(c, &entity_acknowledgement);
	if (!ack)
		return;
	struct record *ver = load_linked(c, &entity_document_version, model_int(ack, "version_id"));
	struct record *doc =
		ver ? load_linked(c, &entity_document, model_int(ver, "document_id")) : NULL;
	if (!doc)
		return;
	ui_begin(c, model_text(doc, "title"));
	const char *st = model_text(ack, "status");
	const struct authz_subject *s = &c->who.subject;
	bool mine = s->person_id && s->person_id == model_int(ack, "person_id");
	if (st && strcmp(st, "acknowledged") == 0) {
		ui_html(c, "<p class=\"flash\" role=\"status\">Acknowledged ");
		ui_text(c, model_text(ack, "acknowledged_at"));
		ui_html(c, ".</p>");
	}
	render_version(c, doc, ver, NULL, false);
	/* a reader who finds something wrong asks for a change (policy: changes go through
	 * formal change requests) */
	if (mine && s->person_id && authz_scope(s, &entity_change_request, AUTHZ_CREATE)) {
		ui_html(c, "<p><a href=\"/change_requests/new?document_id=");
		ui_int(c, doc->id);
		ui_html(c, "&amp;raised_by_id=");
		ui_int(c, s->person_id);
		ui_html(c, "\">Request a change to this document</a></p>");
	}
	if (st && strcmp(st, "pending") == 0 && mine &&
	    authz_step_scope(s, &entity_acknowledgement, "acknowledge")) {
		ui_html(c, "<form class=\"record card step\" method=\"post\" "
			   "action=\"/acknowledgements/");
		ui_int(c, ack->id);
		ui_html(c, "/step/acknowledge\">");
		ui_csrf(c);
		ui_html(c, "<input type=\"hidden\" name=\"_version\" value=\"");
		ui_int(c, ack->version);
		ui_html(c,
			"\"><p>By acknowledging, you confirm that you have read and understood "
			"this version and will follow it.</p><button type=\"submit\">I have read "
			"and understood it</button></form>");
	}
	ui_end(c, 200);
}

/* A standalone copy of a version: one HTML file with its own style, to keep or send. */
static void export_html(struct ctx *c, const struct record *doc, const struct record *ver)
{
	struct buf *b = &c->resp->body;
	buf_adds(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	html_esc(b, model_text(doc, "title"));
	buf_adds(b, "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;"
		    "margin:2rem auto;padding:0 1rem;color:#1b1f24}table.meta{border-collapse:"
		    "collapse;margin:1rem 0}table.meta th{text-align:left;padding:.2rem 1rem .2rem "
		    "0;color:#555}.hash{font:.8rem monospace;word-break:break-all;color:#555}"
		    "h1{font-size:1.8rem}</style></head><body>");
	render_version(c, doc, ver, owner_name(c, doc), false);
	buf_adds(b, "</body></html>\n");
}

static const char *date_of(struct ctx *c, const char *ts)
{
	return ts ? arena_strndup(c->a, ts, 10) : NULL;
}

/* The same facts as the page, as a PDF made in-process (io/pdf.c). */
static enum err export_pdf(struct ctx *c, const struct record *doc, const struct record *ver)
{
	struct organisation_info org = { 0 };
	enum err e = organisation_get(c->db, c->a, &org);
	if (e)
		return e;
	bool current = model_int(doc, "current_version_id") == ver->id;
	struct pdf_meta meta[] = {
		{ "Reference", model_text(doc, "code") },
		{ "Version", arena_printf(c->a, "%lld", (long long)model_int(ver, "number")) },
		{ "Status",
		  choice_label(&entity_document_version, "status", model_text(ver, "status")) },
		{ "Classification", choice_label(&entity_document, "classification",
						 model_text(doc, "classification")) },
		{ "Owner", owner_name(c, doc) },
		{ "Approved", date_of(c, model_text(ver, "approved_at")) },
		{ "Published", date_of(c, model_text(ver, "published_at")) },
		{ "Next review", current ? model_text(doc, "next_review_on") : NULL },
		{ "What changed", model_text(ver, "change_summary") },
	};
	struct pdf_meta shown[sizeof(meta) / sizeof(meta[0])];
	size_t nshown = 0;
	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
		if (meta[i].value)
			shown[nshown++] = meta[i];
	struct doc_signoff *so;
	size_t n = 0;
	if ((e = document_signoffs(c->db, c->a, ver->id, &so, &n)))
		return e;
	struct pdf_signoff *ps = arena_alloc(c->a, sizeof(*ps) * (n ? n : 1));
	if (!ps)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		ps[i] = (struct pdf_signoff){
			.who = so[i].signed_by,
			.role = choice_label(&entity_document_signoff, "role", so[i].role),
			.at = so[i].signed_at,
			.hash = so[i].body_hash,
		};
	const char *body = model_text(ver, "body");
	const char *approved = date_of(c, model_text(ver, "approved_at"));
	struct pdf_doc d = {
		.title = model_text(doc, "title"),
		.org = org.name,
		.meta = shown,
		.nmeta = nshown,
		.signoffs = ps,
		.nsignoffs = n,
		.markdown = body ? body : "",
		.markdown_len = body ? strlen(body) : 0,
		.footer = arena_printf(c->a, "%s v%lld%s%s", model_text(doc, "code"),
				       (long long)model_int(ver, "number"),
				       approved ? " \xE2\x80\x94 approved " : "",
				       approved ? approved : ""),
	};
	return pdf_render(&d, &c->resp->body);
}

void ui_version_export(struct ctx *c)
{
	struct record *ver = ui_load_readable(c, &entity_document_version);
	if (!ver)
		return;
	struct record *doc = load_linked(c, &entity_document, model_int(ver, "document_id"));
	if (!doc)
		return;
	const char *fmt = c->nparams > 1 ? c->params[1] : "";
	const char *name = arena_printf(c->a, "%s-v%lld", model_text(doc, "code"),
					(long long)model_int(ver, "number"));
	if (strcmp(fmt, "html") == 0) {
		export_html(c, doc, ver);
		c->resp->content_type = "text/html; charset=utf-8";
	} else if (strcmp(fmt, "pdf") == 0) {
		enum err e = export_pdf(c, doc, ver);
		if (e) {
			buf_reset(&c->resp->body);
			ui_error(c, e, "The PDF could not be made.");
			return;
		}
		c->resp->content_type = "application/pdf";
	} else {
		ui_error(c, ERR_NOT_FOUND, "Versions are exported as .html or .pdf.");
		return;
	}
	respond_attachment(c, arena_printf(c->a, "%s.%s", name, fmt), false);
	c->resp->status = 200;
}

/* ---- the public trust page: no sign-in ---- */

void ui_trust(struct ctx *c)
{
	struct doc_public *d;
	size_t n;
	enum err e = document_public(c->db, c->a, &d, &n);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	struct organisation_info org = { 0 };
	if ((e = organisation_get(c->db, c->a, &org))) {
		ui_error(c, e, NULL);
		return;
	}
	const char *title =
		org.name ? arena_printf(c->a, "Security at %s", org.name) : "Security policies";
	ui_begin_bare(c, title);
	ui_html(c, "<h1>");
	ui_text(c, title);
	ui_html(c, "</h1>");
	if (org.trust_intro && *org.trust_intro) {
		ui_html(c, "<div class=\"md\">");
		if (markdown_html(&c->resp->body, org.trust_intro, strlen(org.trust_intro)))
			ui_html(c, "<p>The introduction could not be shown.</p>");
		ui_html(c, "</div>");
	}
	ui_html(c, "<p>The information security policies published for customers, suppliers and "
		   "other external parties, each in its current approved version.</p>");
	bool intro = org.trust_intro && *org.trust_intro;
	if (!intro && org.security_contact && *org.security_contact) {
		ui_html(c, "<p>To report a security issue, write to <a href=\"mailto:");
		ui_text(c, org.security_contact);
		ui_html(c, "\">");
		ui_text(c, org.security_contact);
		ui_html(c, "</a>.</p>");
	}
	if (!n) {
		ui_html(c, "<p>No policy is published here yet.</p>");
		ui_end(c, 200);
		return;
	}
	ui_html(c, "<table><thead><tr><th scope=\"col\">Document</th><th scope=\"col\">Version"
		   "</th><th scope=\"col\">Approved</th><th scope=\"col\">Next review</th></tr>"
		   "</thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		ui_html(c, "<tr><td><a href=\"/trust/");
		ui_int(c, d[i].id);
		ui_html(c, "\">");
		ui_text(c, d[i].code);
		ui_html(c, " ");
		ui_text(c, d[i].title);
		ui_html(c, "</a></td><td>");
		ui_int(c, d[i].number);
		ui_html(c, "</td><td>");
		ui_text(c, d[i].approved_on ? d[i].approved_on : "");
		ui_html(c, "</td><td>");
		ui_text(c, d[i].next_review_on ? d[i].next_review_on : "");
		ui_html(c, "</td></tr>");
	}
	ui_html(c, "</tbody></table>");
	ui_end(c, 200);
}

void ui_trust_document(struct ctx *c)
{
	int64_t id = 0;
	if (!c->nparams || !str_parse_i64(c->params[0], &id))
		id = 0; /* no such document: answered as any other */
	struct doc_public *d;
	size_t n;
	enum err e = document_public(c->db, c->a, &d, &n);
	size_t i = 0;
	while (!e && i < n && d[i].id != id)
		i++;
	if (e || i == n) { /* not public, not published, or no such document: all alike */
		ui_error(c, e ? e : ERR_NOT_FOUND, NULL);
		return;
	}
	struct record *doc = load_linked(c, &entity_document, id);
	struct record *ver = doc ? load_linked(c, &entity_document_version, d[i].version_id) : NULL;
	if (!ver)
		return;
	ui_begin_bare(c, model_text(doc, "title"));
	ui_html(c, "<p class=\"muted\"><a href=\"/trust\">All published policies</a></p>");
	render_version(c, doc, ver, NULL, true);
	ui_end(c, 200);
}

/* ---- comparing versions ---- */

/* Version number n of a document; NULL when there is none. */
static struct record *version_by_number(struct ctx *c, int64_t doc, int64_t n)
{
	struct record *r = NULL;
	return document_version_by_number(c->db, c->a, doc, n, &r) == ERR_OK ? r : NULL;
}

static int64_t query_number(struct ctx *c, const char *name, int64_t dflt, bool *bad)
{
	const char *q = http_query(c->req, name);
	int64_t n;
	if (!q || !*q)
		return dflt;
	if (!str_parse_i64(q, &n) || n < 1) {
		*bad = true;
		return dflt;
	}
	return n;
}

static void number_select(struct ctx *c, const char *name, const char *label, int64_t last,
			  int64_t sel)
{
	ui_html(c, "<label>");
	ui_text(c, label);
	ui_html(c, " <select name=\"");
	ui_text(c, name);
	ui_html(c, "\">");
	for (int64_t i = last; i >= 1; i--) {
		ui_html(c, "<option value=\"");
		ui_int(c, i);
		ui_html(c, i == sel ? "\" selected>" : "\">");
		ui_html(c, "v");
		ui_int(c, i);
		ui_html(c, "</option>");
	}
	ui_html(c, "</select></label> ");
}

/* Two versions side by side as a readable diff: what a reviewer or an auditor asks first
 * about a new version is what changed. Readers of the document may compare any two. */
void ui_document_compare(struct ctx *c)
{
	struct record *doc = ui_load_readable(c, &entity_document);
	if (!doc)
		return;
	int64_t last = 0;
	enum err e = document_last_version(c->db, doc->id, &last);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	bool bad = false;
	int64_t to = query_number(c, "to", last, &bad);
	int64_t from = query_number(c, "from", last > 1 ? last - 1 : last, &bad);
	struct record *a = last ? version_by_number(c, doc->id, from) : NULL;
	struct record *b = last ? version_by_number(c, doc->id, to) : NULL;
	if (bad || (last && (!a || !b))) {
		ui_error(c, ERR_BAD_REQUEST,
			 "from and to must be version numbers of this document.");
		return;
	}
	ui_begin(c, arena_printf(c->a, "Compare versions of %s", model_text(doc, "code")));
	ui_html(c, "<p class=\"muted\"><a href=\"/documents/");
	ui_int(c, doc->id);
	ui_html(c, "\">");
	ui_text(c, model_text(doc, "code"));
	ui_html(c, " ");
	ui_text(c, model_text(doc, "title"));
	ui_html(c, "</a></p><h1>Compare versions</h1>");
	if (!last) {
		ui_html(c, "<p>This document has no versions yet.</p>");
		ui_end(c, 200);
		return;
	}
	ui_html(c, "<form class=\"bar\" method=\"get\" action=\"/documents/");
	ui_int(c, doc->id);
	ui_html(c, "/compare\">");
	number_select(c, "from", "From", last, from);
	number_select(c, "to", "to", last, to);
	ui_html(c, "<button type=\"submit\">Compare</button></form>");
	const char *x = model_text(a, "body"), *y = model_text(b, "body");
	struct diff d;
	e = diff_lines(c->a, x ? x : "", x ? strlen(x) : 0, y ? y : "", y ? strlen(y) : 0, &d);
	if (e == ERR_TOO_LARGE) {
		ui_html(c, "<p>These versions differ too much to show line by line.</p>");
	} else if (e) {
		ui_end(c, 500);
		return;
	} else {
		size_t added, removed;
		diff_stats(&d, &added, &removed);
		ui_html(c, "<p>");
		if (!added && !removed) {
			ui_html(c, "The two versions have the same text.</p>");
		} else {
			ui_int(c, (int64_t)added);
			ui_html(c, added == 1 ? " line added, " : " lines added, ");
			ui_int(c, (int64_t)removed);
			ui_html(c, removed == 1 ? " line removed.</p>" : " lines removed.</p>");
			ui_html(c, "<div class=\"diff-wrap\">");
			diff_html(&c->resp->body, &d, 3);
			ui_html(c, "</div>");
		}
	}
	ui_end(c, 200);
}

/* ---- importing a policy from a file ---- */

struct upload_view {
	const char *alert;
	const struct verrors *ve;
};

static void upload_field(struct ctx *c, const char *name, const char *label, const char *help,
			 const struct verrors *ve)
{
	ui_html(c, "<div class=\"field\"><label for=\"f-");
	ui_text(c, name);
	ui_html(c, "\">");
	ui_text(c, label);
	ui_html(c, "</label>");
	for (size_t i = 0; ve && i < ve->n; i++)
		if (ve->items[i].field && strcmp(ve->items[i].field, name) == 0) {
			ui_html(c, "<p class=\"field-error\">");
			ui_text(c, label);
			ui_html(c, " ");
			ui_text(c, ve->items[i].message);
			ui_html(c, "</p>");
		}
	if (help) {
		ui_html(c, "<p class=\"help\">");
		ui_text(c, help);
		ui_html(c, "</p>");
	}
}

static void choice_select(struct ctx *c, const char *name, const char *sel)
{
	const struct field *f = model_field(&entity_document, name);
	ui_html(c, "<select id=\"f-");
	ui_text(c, name);
	ui_html(c, "\" name=\"");
	ui_text(c, name);
	ui_html(c, "\">");
	for (const struct choice *ch = f->choices; ch && ch->value; ch++) {
		ui_html(c, "<option value=\"");
		ui_text(c, ch->value);
		bool on =
			sel ? strcmp(sel, ch->value) == 0 : f->dflt && !strcmp(f->dflt, ch->value);
		ui_html(c, on ? "\" selected>" : "\">");
		ui_text(c, ch->label);
		ui_html(c, "</option>");
	}
	ui_html(c, "</select></div>");
}

static void upload_page(struct ctx *c, int status, const struct upload_view *v)
{
	ui_begin(c, "Import a policy");
	ui_html(c, "<h1>Import a policy or procedure</h1><p>A document written as plain text or "
		   "Markdown becomes a new document with its text as a first draft: numbered "
		   "sections (1., 1.1, 3.3.5) become headings and bullets become lists. Check the "
		   "draft, then send it for approval.</p>");
	if (v->alert || (v->ve && v->ve->n)) {
		ui_html(c, "<div role=\"alert\" tabindex=\"-1\"><p>");
		ui_text(c,
			v->alert ? v->alert : "Nothing was imported: please correct the errors.");
		ui_html(c, "</p></div>");
	}
	ui_html(c, "<form class=\"record card\" method=\"post\" enctype=\"multipart/form-data\" "
		   "action=\"/documents/upload\">");
	ui_csrf(c);
	upload_field(c, "file", "File", "UTF-8 text or Markdown, at most 1 MiB.", v->ve);
	ui_html(c, "<input type=\"file\" id=\"f-file\" name=\"file\" "
		   "accept=\".txt,.md,.markdown,text/plain,text/markdown\"></div>");
	upload_field(c, "code", "Reference", "A short unique reference, e.g. POL-001.", v->ve);
	ui_html(c, "<input type=\"text\" id=\"f-code\" name=\"code\" maxlength=\"32\" value=\"");
	ui_text(c, ui_field(c, "code"));
	ui_html(c, "\"></div>");
	upload_field(c, "title", "Title", "Leave empty to take the file's title line.", v->ve);
	ui_html(c, "<input type=\"text\" id=\"f-title\" name=\"title\" maxlength=\"200\" value=\"");
	ui_text(c, ui_field(c, "title"));
	ui_html(c, "\"></div>");
	upload_field(c, "kind", "Kind", NULL, v->ve);
	choice_select(c, "kind", ui_field(c, "kind"));
	upload_field(c, "classification", "Classification", NULL, v->ve);
	choice_select(c, "classification", ui_field(c, "classification"));
	upload_field(c, "owner_id", "Owner", NULL, v->ve);
	/* the owners offered are the people the user may read, as everywhere else */
	size_t mark = c->resp->body.len;
	ui_html(c, "<select id=\"f-owner_id\" name=\"owner_id\">");
	if (ui_ref_options(c, model_field(&entity_document, "owner_id"), ui_field(c, "owner_id"))) {
		ui_html(c, "</select>");
	} else {
		buf_truncate(&c->resp->body, mark);
		ui_html(c, "<input id=\"f-owner_id\" name=\"owner_id\" inputmode=\"numeric\" "
			   "value=\"");
		ui_text(c, ui_field(c, "owner_id"));
		ui_html(c, "\">");
	}
	ui_html(c, "</div><div class=\"bar\"><button type=\"submit\">Import</button>"
		   "<a href=\"/documents\">Cancel</a></div></form>");
	ui_end(c, status);
}

void ui_document_upload_form(struct ctx *c)
{
	c->entity = &entity_document;
	if (!authz_scope(&c->who.subject, &entity_document, AUTHZ_CREATE)) {
		ui_error(c, ERR_FORBIDDEN, NULL);
		return;
	}
	struct upload_view v = { 0 };
	upload_page(c, 200, &v);
}

void ui_document_upload(struct ctx *c)
{
	c->entity = &entity_document;
	if (!authz_scope(&c->who.subject, &entity_document, AUTHZ_CREATE)) {
		ui_error(c, ERR_FORBIDDEN, NULL);
		return;
	}
	const char *file = ui_field(c, "file");
	int64_t owner = 0;
	const char *o = ui_field(c, "owner_id");
	struct verrors ve = { 0 };
	if (o && *o && (!str_parse_i64(o, &owner) || owner <= 0))
		verrors_add(&ve, "owner_id", "must be a person");
	if (!file || !*file)
		verrors_add(&ve, "file", "is required: choose the file to import");
	struct upload_view v = { .ve = &ve };
	if (ve.n) {
		upload_page(c, 422, &v);
		return;
	}
	struct document_import in = {
		.code = ui_field(c, "code"),
		.title = ui_field(c, "title"),
		.kind = ui_field(c, "kind"),
		.classification = ui_field(c, "classification"),
		.source = "an uploaded file",
		.owner_id = owner,
		.text = file,
		.n = strlen(file),
	};
	struct repo_ctx rc = http_repo(c);
	int64_t doc, ver;
	enum err e = document_import(&rc, &in, &ve, &doc, &ver);
	if (e == ERR_INVALID || e == ERR_CONFLICT || e == ERR_BAD_REQUEST || e == ERR_TOO_LARGE) {
		if (!ve.n)
			v.alert = "Nothing was imported: the file could not be read as text.";
		upload_page(c, e == ERR_TOO_LARGE ? 413 : 422, &v);
		return;
	}
	if (e == ERR_FORBIDDEN) {
		v.alert = "You may not create this document (for example for another owner).";
		upload_page(c, 403, &v);
		return;
	}
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_redirect(c, arena_printf(c->a, "/document_versions/%lld?m=created", (long long)ver));
}
