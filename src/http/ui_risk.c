/* ui_risk.c - the risk heat map (inherent and residual, counts per likelihood x impact cell,
 * each cell a link to the risks in it) and the risk method as a readable document. Counts
 * go through the same scoped queries as every list, so nobody sees risks they may not read. */
#include <string.h>

#include "core/authz.h"
#include "core/repo.h"
#include "domain/risk.h"
#include "http/handlers.h"
#include "http/ui.h"
#include "util/html.h"
#include "util/str.h"

#define CELL 64 /* px */
#define LIVE "open,awaiting_owner,awaiting_board,accepted,review"

static int64_t cell_count(struct ctx *c, unsigned scope, const char *lf, const char *imf, int l,
			  int i)
{
	struct list_query lq;
	http_list_query(c, &lq, scope);
	const char *why;
	if (list_query_param(c->a, &entity_risk, &lq, lf, arena_printf(c->a, "%d", l), &why) ||
	    list_query_param(c->a, &entity_risk, &lq, imf, arena_printf(c->a, "%d", i), &why) ||
	    list_query_param(c->a, &entity_risk, &lq, "status", LIVE, &why))
		return 0;
	struct repo_ctx rc = http_repo(c);
	int64_t n = 0;
	return repo_count(&rc, &entity_risk, &lq, &n) == ERR_OK ? n : 0;
}

/* One matrix as SVG: likelihood upwards, impact to the right, band colours of the method. */
/* The largest rating a live risk the user may read has on an axis: risks assessed with an
 * older, larger method version must still have a cell. Scoped counts (cached), so the map
 * reveals nothing about risks the user may not read. */
static int widest(struct ctx *c, unsigned scope, const char *col, int at_least)
{
	for (int v = RISK_MAX_LEVELS; v > at_least; v--) {
		struct list_query lq;
		http_list_query(c, &lq, scope);
		const char *why;
		int64_t n = 0;
		struct repo_ctx rc = http_repo(c);
		if (list_query_param(c->a, &entity_risk, &lq, col, arena_printf(c->a, "%d", v),
				     &why) ||
		    list_query_param(c->a, &entity_risk, &lq, "status", LIVE, &why) ||
		    repo_count(&rc, &entity_risk, &lq, &n))
			return at_least;
		if (n > 0)
			return v;
	}
	return at_least;
}

static void matrix(struct ctx *c, const struct risk_method *m, unsigned scope, const char *title,
		   const char *lf, const char *imf)
{
	int nl = widest(c, scope, lf, m->nlevels[0]), ni = widest(c, scope, imf, m->nlevels[1]);
	int left = 120, top = 10, w = left + ni * CELL + 10, h = top + nl * CELL + 110;
	ui_html(c, "<figure class=\"heatmap\"><figcaption>");
	ui_text(c, title);
	ui_html(c, "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
		   "viewBox=\"0 0 ");
	ui_int(c, w);
	ui_html(c, " ");
	ui_int(c, h);
	ui_html(c, "\" aria-label=\"");
	ui_text(c, title);
	ui_html(c, "\">");
	for (int l = nl; l >= 1; l--) {
		int y = top + (nl - l) * CELL;
		ui_html(c, "<text class=\"axis\" x=\"");
		ui_int(c, left - 6);
		ui_html(c, "\" y=\"");
		ui_int(c, y + CELL / 2 + 4);
		ui_html(c, "\" text-anchor=\"end\">");
		ui_int(c, l);
		ui_html(c, " ");
		ui_text(c, l <= m->nlevels[0] ? m->names[0][l - 1] : "(older scale)");
		ui_html(c, "</text>");
		for (int i = 1; i <= ni; i++) {
			int x = left + (i - 1) * CELL;
			int score = risk_score(m, l, i);
			const struct risk_band *b = risk_band(m, score);
			int64_t n = cell_count(c, scope, lf, imf, l, i);
			ui_html(c, "<a href=\"/risks?");
			ui_text(c, lf);
			ui_html(c, "=");
			ui_int(c, l);
			ui_html(c, "&amp;");
			ui_text(c, imf);
			ui_html(c, "=");
			ui_int(c, i);
			ui_html(c, "&amp;status=" LIVE "\"><title>");
			ui_int(c, n);
			ui_html(c, n == 1 ? " risk" : " risks");
			ui_html(c, ": likelihood ");
			ui_int(c, l);
			ui_html(c, ", impact ");
			ui_int(c, i);
			ui_html(c, ", score ");
			ui_int(c, score);
			ui_html(c, "</title><rect x=\"");
			ui_int(c, x + 1);
			ui_html(c, "\" y=\"");
			ui_int(c, y + 1);
			ui_html(c, "\" width=\"");
			ui_int(c, CELL - 2);
			ui_html(c, "\" height=\"");
			ui_int(c, CELL - 2);
			ui_html(c, "\" rx=\"4\" fill=\"");
			ui_text(c, b ? b->colour : "#cccccc");
			ui_html(c, n ? "\" fill-opacity=\"1\"/>" : "\" fill-opacity=\"0.35\"/>");
			ui_html(c, "<text class=\"count\" x=\"");
			ui_int(c, x + CELL / 2);
			ui_html(c, "\" y=\"");
			ui_int(c, y + CELL / 2 + 7);
			ui_html(c, "\" text-anchor=\"middle\">");
			if (n)
				ui_int(c, n);
			ui_html(c, "</text></a>");
		}
	}
	for (int i = 1; i <= ni; i++) {
		int x = left + (i - 1) * CELL + CELL / 2, y = top + nl * CELL + 8;
		ui_html(c, "<text class=\"axis\" x=\"");
		ui_int(c, x);
		ui_html(c, "\" y=\"");
		ui_int(c, y);
		ui_html(c, "\" text-anchor=\"end\" transform=\"rotate(-40 ");
		ui_int(c, x);
		ui_html(c, " ");
		ui_int(c, y);
		ui_html(c, ")\">");
		ui_int(c, i);
		ui_html(c, " ");
		ui_text(c, i <= m->nlevels[1] ? m->names[1][i - 1] : "(older scale)");
		ui_html(c, "</text>");
	}
	ui_html(c, "</svg></figure>");
}

void ui_risk_heatmap(struct ctx *c)
{
	c->entity = &entity_risk;
	unsigned scope = authz_scope(&c->who.subject, &entity_risk, AUTHZ_READ);
	if (!scope) {
		ui_error(c, ERR_FORBIDDEN, NULL);
		return;
	}
	struct risk_method m;
	enum err e = risk_method_active(c->db, c->a, &m);
	if (e) {
		ui_error(c, e, e == ERR_NOT_FOUND ? "There is no active risk method yet." : NULL);
		return;
	}
	ui_begin(c, "Risk heat map");
	ui_html(c, "<p class=\"muted\"><a href=\"/risks\">Risks</a></p><h1>Risk heat map</h1>"
		   "<p>Risks that are not closed, by likelihood and impact, before and after "
		   "treatment; each cell opens the risks in it. Colours are the level bands of "
		   "<a href=\"/risk_methods/");
	ui_int(c, m.id);
	ui_html(c, "\">risk method version ");
	ui_int(c, m.version);
	ui_html(c, "</a>; the risk appetite is a score of ");
	ui_int(c, m.appetite);
	ui_html(c, ".</p><div class=\"heatmaps\">");
	matrix(c, &m, scope, "Inherent risk (before treatment)", "inherent_likelihood",
	       "inherent_impact");
	matrix(c, &m, scope, "Residual risk (after treatment)", "residual_likelihood",
	       "residual_impact");
	ui_html(c, "</div><ul class=\"legend\">");
	for (int i = 0; i < m.nbands; i++) {
		ui_html(c, "<li><svg width=\"14\" height=\"14\" aria-hidden=\"true\"><rect "
			   "width=\"14\" height=\"14\" rx=\"3\" fill=\"");
		ui_text(c, m.bands[i].colour);
		ui_html(c, "\"/></svg> <a href=\"/risks?residual_level=");
		ui_text(c, m.bands[i].level);
		ui_html(c, "\">");
		ui_text(c, risk_level_label(m.bands[i].level));
		ui_html(c, "</a>: ");
		ui_int(c, m.bands[i].lo);
		ui_html(c, "\xE2\x80\x93");
		ui_int(c, m.bands[i].hi);
		ui_html(c, "</li>");
	}
	ui_html(c, "</ul>");
	ui_end(c, 200);
}

static void scale_table(struct ctx *c, const struct risk_method *m, int axis, const char *title)
{
	ui_html(c, "<h2>");
	ui_text(c, title);
	ui_html(c, "</h2><table><thead><tr><th scope=\"col\">Level</th><th scope=\"col\">Name"
		   "</th><th scope=\"col\">Meaning</th></tr></thead><tbody>");
	for (int i = 0; i < m->nlevels[axis]; i++) {
		ui_html(c, "<tr><td>");
		ui_int(c, i + 1);
		ui_html(c, "</td><td>");
		ui_text(c, m->names[axis][i]);
		ui_html(c, "</td><td>");
		ui_text(c, m->descriptions[axis][i]);
		ui_html(c, "</td></tr>");
	}
	ui_html(c, "</tbody></table>");
}

/* The method as the documented information ISO 27001 6.1.2 asks for: readable, printable. */
void ui_risk_method_document(struct ctx *c)
{
	c->entity = &entity_risk_method;
	unsigned scope = authz_scope(&c->who.subject, &entity_risk_method, AUTHZ_READ);
	int64_t id = 0;
	if (!scope || c->nparams < 1 || !str_parse_i64(c->params[0], &id) || id <= 0) {
		ui_error(c, scope ? ERR_NOT_FOUND : ERR_FORBIDDEN, NULL);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	struct record *r;
	enum err e = repo_load(&rc, &entity_risk_method, id, &r);
	struct risk_method m;
	struct verrors ve = { 0 };
	if (!e && !risk_method_parse(c->a, r, &m, &ve))
		e = ERR_INVALID;
	if (e) {
		ui_error(c, e, e == ERR_INVALID ? "This method version is not complete." : NULL);
		return;
	}
	const struct value *name = model_get(r, "name"), *state = model_get(r, "status");
	const struct value *at = model_get(r, "activated_at"), *by = model_get(r, "activated_by");
	const struct value *notes = model_get(r, "notes");
	ui_begin(c, name->s);
	ui_html(c, "<p class=\"muted\"><a href=\"/risk_methods/");
	ui_int(c, id);
	ui_html(c, "\">Risk method record</a></p><article class=\"document\"><h1>");
	ui_text(c, name->s);
	ui_html(c, "</h1><p>Version ");
	ui_int(c, m.version);
	ui_html(c, " \xE2\x80\x94 ");
	ui_text(c, state->s);
	if (at->set && !at->null) {
		ui_html(c, ", activated ");
		ui_text(c, at->s);
		ui_html(c, " by ");
		ui_text(c, by->s);
	}
	ui_html(c,
		".</p><h2>Purpose</h2><p>This method is how the organisation identifies, analyses "
		"and evaluates information security risks (ISO/IEC 27001 clause 6.1.2). Each "
		"risk is rated for likelihood and impact on the scales below, before treatment "
		"(inherent) and after it (residual); the ratings give a score and a level.</p>");
	scale_table(c, &m, 0, "Likelihood");
	scale_table(c, &m, 1, "Impact");
	ui_html(c, "<h2>Score</h2><p>");
	ui_html(c, m.matrix_lookup ? "The score is read from this matrix (likelihood down, impact "
				     "across):"
				   : "The score is likelihood \xC3\x97 impact:");
	ui_html(c, "</p><table><thead><tr><th scope=\"col\">Likelihood \\ Impact</th>");
	for (int i = 1; i <= m.nlevels[1]; i++) {
		ui_html(c, "<th scope=\"col\">");
		ui_int(c, i);
		ui_html(c, "</th>");
	}
	ui_html(c, "</tr></thead><tbody>");
	for (int l = m.nlevels[0]; l >= 1; l--) {
		ui_html(c, "<tr><th scope=\"row\">");
		ui_int(c, l);
		ui_html(c, "</th>");
		for (int i = 1; i <= m.nlevels[1]; i++) {
			int s = risk_score(&m, l, i);
			const struct risk_band *b = risk_band(&m, s);
			ui_html(c, "<td>");
			ui_int(c, s);
			ui_html(c, " <span class=\"muted\">");
			ui_text(c, b ? risk_level_label(b->level) : "");
			ui_html(c, "</span></td>");
		}
		ui_html(c, "</tr>");
	}
	ui_html(c, "</tbody></table><h2>Levels</h2><ul>");
	for (int i = 0; i < m.nbands; i++) {
		ui_html(c, "<li><strong>");
		ui_text(c, risk_level_label(m.bands[i].level));
		ui_html(c, "</strong>: scores ");
		ui_int(c, m.bands[i].lo);
		ui_html(c, " to ");
		ui_int(c, m.bands[i].hi);
		ui_html(c, "</li>");
	}
	ui_html(c, "</ul><h2>Risk acceptance</h2><p>The risk appetite is a residual score of ");
	ui_int(c, m.appetite);
	ui_html(c, ". A risk owner approves the treatment plan and accepts a residual risk up to "
		   "it; above it the Board accepts the risk as well. An acceptance lasts until the "
		   "date set when it is given (one year by default); then the risk returns to "
		   "review. Changing this method makes a new version: every assessment records the "
		   "version it used.</p>");
	if (notes->set && !notes->null) {
		static const struct field nf = { .name = "notes", .type = FT_MARKDOWN };
		json_t *j = json_string(notes->s);
		ui_html(c, "<h2>Notes</h2>");
		ui_value(c, &nf, j);
		json_decref(j);
	}
	ui_html(c, "</article>");
	ui_end(c, 200);
}
