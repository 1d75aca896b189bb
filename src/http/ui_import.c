/* ui_import.c - the import page of every register: a form to upload a CSV file (or paste its
 * text) with "keep the valid rows", the columns the register takes, and after a refused import
 * the row-by-row report. Rows go through io/import.c as the signed-in user, exactly as the
 * API's import; nothing here decides what a row may hold. */
#include <string.h>

#include "core/authz.h"
#include "http/handlers.h"
#include "http/ui.h"
#include "util/str.h"
#include "io/import.h"

/* What the page shows above the form after an import. */
struct outcome {
	int status;
	const char *alert;		 /* NULL: nothing was tried yet */
	const struct import_report *rep; /* may be NULL */
	const char *pasted;		 /* the text area's text, kept when refused */
	bool partial;
};

/* "Treatment actions" as a sentence says it */
static const char *lower(struct ctx *c, const char *title)
{
	char *s = arena_strdup(c->a, title);
	for (char *p = s; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s ? s : title;
}

static void report_table(struct ctx *c, const struct import_report *rep)
{
	const struct entity *e = c->entity;
	ui_html(c,
		"<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Row</th>"
		"<th scope=\"col\">Column</th><th scope=\"col\">Problem</th></tr></thead><tbody>");
	for (size_t i = 0; i < rep->nerrors; i++) {
		const struct import_error *x = &rep->errors[i];
		const struct field *f = x->field ? model_field(e, x->field) : NULL;
		ui_html(c, "<tr><td>");
		ui_int(c, x->row);
		ui_html(c, "</td><td>");
		if (f) {
			ui_text(c, f->label);
			ui_html(c, " <code>");
			ui_text(c, f->name);
			ui_html(c, "</code>");
		} else if (x->field) {
			ui_html(c, "<code>");
			ui_text(c, x->field);
			ui_html(c, "</code>");
		} else {
			ui_html(c, "<span class=\"muted\">\xE2\x80\x94</span>");
		}
		ui_html(c, "</td><td>");
		ui_text(c, x->message);
		ui_html(c, "</td></tr>");
	}
	ui_html(c, "</tbody></table></div>");
	if (rep->truncated)
		ui_html(c, "<p class=\"muted\">Only the first 1,000 problems are listed.</p>");
}

/* The register's writable fields as CSV columns: what a file must hold. */
static void columns_table(struct ctx *c)
{
	const struct entity *e = c->entity;
	ui_html(c, "<h2>Columns</h2><p class=\"muted\">The first row names the columns; their "
		   "order is free. Columns marked <span class=\"req\">*</span> are required. An "
		   "empty cell is no value (the default, where there is one). The columns id, "
		   "version, created_at and updated_at of an export are ignored, and its "
		   "computed columns are checked, not taken. A reference names its record by "
		   "its key (a code, an e-mail), as a CSV export writes it.</p>"
		   "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Column</th>"
		   "<th scope=\"col\">Field</th><th scope=\"col\">Values</th></tr></thead><tbody>");
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		/* an export's read-only columns are checked, not taken: not listed */
		if (f->flags & FF_READONLY)
			continue;
		ui_html(c, "<tr><td><code>");
		ui_text(c, f->name);
		ui_html(c, "</code>");
		if ((f->flags & FF_REQUIRED) && !f->dflt)
			ui_html(c, " <span class=\"req\">*</span>");
		ui_html(c, "</td><td>");
		ui_text(c, f->label);
		ui_html(c, "</td><td>");
		const struct entity *re = f->type == FT_REF ? model_entity(f->ref) : NULL;
		if (f->choices) {
			for (const struct choice *ch = f->choices; ch->value; ch++) {
				ui_html(c, ch == f->choices ? "<code>" : ", <code>");
				ui_text(c, ch->value);
				ui_html(c, "</code>");
			}
		} else if (re) {
			ui_text(c, "the ");
			ui_text(c, key_describe(c->a, re, -1));
			ui_text(c, " of a ");
			ui_text(c, re->title);
			ui_text(c, " record, as an export writes it (#12: the record with id 12)");
		} else {
			static const char *const hints[] = {
				[FT_TEXT] = "text, one line",
				[FT_LONGTEXT] = "text",
				[FT_MARKDOWN] = "text (Markdown)",
				[FT_EMAIL] = "an e-mail address",
				[FT_INT] = "a whole number",
				[FT_BOOL] = "true or false",
				[FT_DATE] = "a date, YYYY-MM-DD",
				[FT_TIMESTAMP] = "a time, e.g. 2026-01-31T09:00:00Z",
				[FT_ENUM] = "",
				[FT_REF] = "",
			};
			ui_text(c, hints[f->type]);
		}
		if (f->dflt) {
			ui_text(c, "; default ");
			ui_html(c, "<code>");
			ui_text(c, f->dflt);
			ui_html(c, "</code>");
		}
		ui_html(c, "</td></tr>");
	}
	ui_html(c, "</tbody></table></div>");
}

static void import_page(struct ctx *c, const struct outcome *o)
{
	const struct entity *e = c->entity;
	const char *title = arena_printf(c->a, "Import %s", lower(c, e->title_plural));
	ui_begin(c, title ? title : "Import");
	ui_html(c, "<p class=\"muted\"><a href=\"/");
	ui_text(c, e->plural);
	ui_html(c, "\">");
	ui_text(c, e->title_plural);
	ui_html(c, "</a></p><h1>");
	ui_text(c, title ? title : "Import");
	ui_html(c, "</h1>");
	if (o->alert) {
		bool refused = o->status >= 400;
		ui_html(c, refused ? "<div role=\"alert\" tabindex=\"-1\"><p>"
				   : "<div role=\"status\"><p>");
		ui_text(c, o->alert);
		ui_html(c, "</p></div>");
		if (o->rep && o->rep->nerrors)
			report_table(c, o->rep);
	} else {
		ui_html(c, "<p>Add many records at once from a CSV file, for example one saved "
			   "from a spreadsheet as <em>CSV UTF-8</em> or a CSV export of this "
			   "register. Every row is checked as the form checks it, and each record "
			   "gets its entry in the audit trail.</p>");
		if (import_first_state_only(e))
			ui_html(c, "<p>Each row becomes a new record in its first state, as the "
				   "form makes it: the steps that move records on (an acceptance, "
				   "an approval, a closure) are taken here afterwards, never "
				   "copied from a file. A row in another state is refused.</p>");
	}
	ui_html(c, "<form class=\"record card\" method=\"post\" enctype=\"multipart/form-data\" "
		   "action=\"/");
	ui_text(c, e->plural);
	ui_html(c, "/import\">");
	ui_csrf(c);
	ui_html(c, "<div class=\"field\"><label for=\"f-file\">CSV file or XLSX workbook</label>"
		   "<input type=\"file\" id=\"f-file\" name=\"file\" accept=\".csv,.xlsx,text/csv,"
		   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\" "
		   "aria-describedby=\"f-file-help\"><p class=\"help\" id=\"f-file-help\">CSV in "
		   "UTF-8, or a workbook (its sheet named after the register, else the first); at "
		   "most 100,000 rows, larger files with custos import csv or xlsx.</p></div>"
		   "<div class=\"field\"><label for=\"f-csv\">Or paste the CSV text</label>"
		   "<textarea id=\"f-csv\" name=\"csv\" rows=\"8\">");
	ui_text(c, o->pasted ? o->pasted : "");
	ui_html(c, "</textarea></div><div class=\"field\"><label for=\"f-partial\">"
		   "Keep the valid rows</label><input type=\"checkbox\" id=\"f-partial\" "
		   "name=\"partial\" value=\"true\" aria-describedby=\"f-partial-help\"");
	ui_html(c, o->partial ? " checked>" : ">");
	ui_html(c, "<p class=\"help\" id=\"f-partial-help\">Without this, nothing is imported "
		   "when a row is refused.</p></div><div class=\"bar\"><button type=\"submit\">"
		   "Import</button><a href=\"/");
	ui_text(c, e->plural);
	ui_html(c, "\">Cancel</a></div></form>");
	columns_table(c);
	ui_end(c, o->status);
}

/* Answers 403 and returns false when the user may create no record of the register, and
 * 422 with the reason when no import may (documents, the organisation). */
static bool may_create(struct ctx *c)
{
	if (authz_scope(&c->who.subject, c->entity, AUTHZ_CREATE) == SCOPE_NONE) {
		ui_error(c, ERR_FORBIDDEN, NULL);
		return false;
	}
	const char *refusal = import_refusal(c->a, c->entity);
	if (refusal) {
		ui_error(c, ERR_INVALID, refusal);
		return false;
	}
	return true;
}

void ui_import_form(struct ctx *c)
{
	if (!may_create(c))
		return;
	struct outcome o = { .status = 200 };
	import_page(c, &o);
}

void ui_import(struct ctx *c)
{
	const struct entity *e = c->entity;
	if (!may_create(c))
		return;
	const char *pasted = ui_field(c, "csv");
	struct outcome o = { .partial = ui_field(c, "partial") != NULL, .pasted = pasted };
	struct import_file f = { .e = e, .format = IMPORT_CSV };
	/* a chosen file, as sent: a workbook by its zip signature, else CSV text */
	for (size_t i = 0; c->parts && i < c->parts->n && !f.data; i++) {
		const struct multipart_part *pt = &c->parts->parts[i];
		if (strcmp(pt->name, "file") != 0 || !pt->filename || !pt->n)
			continue;
		f.data = pt->data;
		f.n = pt->n;
		f.format = pt->n >= 4 && memcmp(pt->data, "PK\x03\x04", 4) == 0 ? IMPORT_XLSX
										: IMPORT_CSV;
		o.pasted = NULL; /* the file's text is the file's: fix it there */
	}
	if (!f.data && pasted && *pasted) {
		f.data = pasted;
		f.n = strlen(pasted);
	}
	if (!f.data) {
		o.status = 422;
		o.alert = "Choose a CSV file or an XLSX workbook, or paste CSV text.";
		import_page(c, &o);
		return;
	}
	if (f.format == IMPORT_CSV && !str_valid_utf8(f.data, f.n)) {
		o.status = 400;
		o.alert = "Nothing was imported: the file is neither CSV text in UTF-8 nor an XLSX "
			  "workbook.";
		import_page(c, &o);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	struct import_report rep;
	struct key_reader rd = http_key_reader(c);
	enum err err = import_files(&rc, &f, 1, o.partial, &rd, &rep);
	o.rep = &rep;
	switch (err) {
	case ERR_OK:
		if (!rep.failed) {
			ui_redirect(c, arena_printf(c->a, "/%s?m=imported", e->plural));
			return;
		}
		o.status = 200;
		o.alert = arena_printf(
			c->a, "Imported %lld %s. %lld %s refused:", (long long)rep.created,
			lower(c, rep.created == 1 ? e->title : e->title_plural),
			(long long)rep.failed, rep.failed == 1 ? "row was" : "rows were");
		o.pasted = NULL; /* the valid rows are in: sending the text again would fail */
		break;
	case ERR_INVALID:
		o.status = 422;
		if (!rep.rows)
			o.alert = "Nothing was imported: the first row (the header) has problems.";
		else
			o.alert = arena_printf(
				c->a, "Nothing was imported: %lld of %lld rows %s.%s",
				(long long)rep.failed, (long long)rep.rows,
				rep.failed == 1 ? "was refused" : "were refused",
				o.partial ? "" : " Correct them, or keep the valid rows.");
		break;
	case ERR_BAD_REQUEST:
		o.status = 400;
		o.alert = f.format == IMPORT_XLSX ? "Nothing was imported: the file is not an XLSX "
						    "workbook Custos can "
						    "read."
						  : "Nothing was imported: the file is not CSV as "
						    "a spreadsheet saves it.";
		break;
	case ERR_TOO_LARGE:
		o.status = 413;
		o.alert = "Nothing was imported: import at most 100,000 rows at once.";
		break;
	default:
		ui_error(c, err, NULL);
		return;
	}
	if (!o.alert)
		o.alert = "Nothing was imported.";
	import_page(c, &o);
}
