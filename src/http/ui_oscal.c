/* ui_oscal.c - the "Import OSCAL catalog" page of the frameworks register: upload an OSCAL
 * catalog (JSON), optionally name its code, and read what was imported or why nothing was.
 * The records are written by domain/oscal_load.c as the signed-in user, exactly as the API's
 * import does; this file only draws the form and the outcome. */
#include <string.h>

#include "domain/domain.h"
#include "domain/oscal_load.h"
#include "http/handlers.h"
#include "http/ui.h"

struct outcome {
	int status;
	const char *alert; /* NULL: nothing tried yet */
	const struct oscal_load_report *rep;
	const char *code; /* the code field's text, kept when refused */
};

static void summary(struct ctx *c, const struct oscal_load_report *rep)
{
	ui_html(c, "<div role=\"status\"><p>Imported <a href=\"/frameworks/");
	ui_int(c, rep->framework_id);
	ui_html(c, "\">");
	ui_text(c, rep->name);
	ui_html(c, "</a>");
	if (rep->edition) {
		ui_text(c, " ");
		ui_text(c, rep->edition);
	}
	ui_text(c, " as ");
	ui_html(c, "<code>");
	ui_text(c, rep->code);
	ui_html(c, "</code>: ");
	ui_int(c, rep->controls);
	ui_text(c, rep->controls == 1 ? " control (" : " controls (");
	ui_int(c, rep->enhancements);
	ui_text(c, rep->enhancements == 1 ? " enhancement, " : " enhancements, ");
	ui_int(c, rep->withdrawn);
	ui_html(c, " withdrawn).</p><p><a href=\"/catalog_controls?framework_id=");
	ui_int(c, rep->framework_id);
	ui_html(c, "\">Its controls</a></p></div>");
}

static void oscal_page(struct ctx *c, const struct outcome *o)
{
	const char *title = "Import an OSCAL catalog";
	ui_begin(c, title);
	ui_html(c, "<p class=\"muted\"><a href=\"/frameworks\">Frameworks</a></p><h1>");
	ui_text(c, title);
	ui_html(c, "</h1>");
	if (o->rep) {
		summary(c, o->rep);
	} else if (o->alert) {
		ui_html(c, "<div role=\"alert\" tabindex=\"-1\"><p>");
		ui_text(c, o->alert);
		ui_html(c, "</p></div>");
	} else {
		ui_html(c,
			"<p>Adds a control catalogue from an OSCAL 1.x catalog in JSON, such as "
			"NIST SP 800-53 Rev 5: a framework, and one catalogue control per control "
			"and enhancement with its statement, guidance and parameters. Nothing is "
			"stored when the file has a problem, and every record gets its entry in "
			"the audit trail.</p>");
	}
	ui_html(c, "<form class=\"record card\" method=\"post\" enctype=\"multipart/form-data\" "
		   "action=\"/frameworks/oscal\">");
	ui_csrf(c);
	ui_html(c, "<div class=\"field\"><label for=\"f-file\">OSCAL catalog (JSON)</label>"
		   "<input type=\"file\" id=\"f-file\" name=\"file\" required "
		   "accept=\".json,application/json\" aria-describedby=\"f-file-help\">"
		   "<p class=\"help\" id=\"f-file-help\">At most 1 MiB here. Larger catalogues "
		   "(the full SP 800-53 and its resolved baselines are 2-4 MB) are imported on the "
		   "server with <code>custos import oscal FILE</code>.</p></div>"
		   "<div class=\"field\"><label for=\"f-code\">Code</label><input type=\"text\" "
		   "id=\"f-code\" name=\"code\" maxlength=\"64\" aria-describedby=\"f-code-help\" "
		   "value=\"");
	ui_text(c, o->code ? o->code : "");
	ui_html(c, "\"><p class=\"help\" id=\"f-code-help\">A short unique name for the "
		   "framework, e.g. nist-800-53r5. Left empty, it is made from the catalog's "
		   "title.</p></div><div class=\"bar\"><button type=\"submit\">Import</button>"
		   "<a href=\"/frameworks\">Cancel</a></div></form>");
	ui_end(c, o->status);
}

static bool may_import(struct ctx *c)
{
	if (http_oscal_allowed(c))
		return true;
	ui_error(c, ERR_FORBIDDEN, NULL);
	return false;
}

void ui_oscal_form(struct ctx *c)
{
	if (!may_import(c))
		return;
	struct outcome o = { .status = 200 };
	oscal_page(c, &o);
}

void ui_oscal(struct ctx *c)
{
	if (!may_import(c))
		return;
	const char *file = ui_field(c, "file"), *code = ui_field(c, "code");
	struct outcome o = { .code = code };
	if (!file || !*file) {
		o.status = 422;
		o.alert = "Choose an OSCAL catalog file (JSON).";
		oscal_page(c, &o);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	struct oscal_load_report rep;
	const char *why;
	enum err e = oscal_load(&rc, code && *code ? code : NULL, "OSCAL import (upload)", file,
				strlen(file), NULL, NULL, &rep, &why);
	if (e == ERR_OK) {
		o.status = 200;
		o.rep = &rep;
		o.code = NULL;
	} else if (why) {
		o.status = err_http_status(e);
		o.alert = arena_printf(c->a, "Nothing was imported: %s.", why);
	} else {
		ui_error(c, e, NULL);
		return;
	}
	oscal_page(c, &o);
}
