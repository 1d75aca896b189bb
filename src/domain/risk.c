/* risk.c - risk management (ISO 27001 6.1.2, 6.1.3, 8.2, 8.3; policy 2.5): the risk method as
 * a versioned record, the risk register with scores computed by the method each assessment
 * used, treatment actions, affected assets, and the owner's (and above appetite the Board's)
 * acceptance of the residual risk, which expires back into review. */
#include "domain/risk.h"

#include <stdio.h>
#include <string.h>

#include "core/authz.h"
#include "core/jobs.h"
#include "core/repo.h"
#include "util/str.h"
#include "util/timeutil.h"

/* ---- the risk method ---- */

static const struct choice method_states[] = {
	{ "draft", "Draft", "Being prepared; not used by assessments yet." },
	{ "active", "Active", "The method every new assessment uses." },
	{ "superseded", "Superseded", "Replaced by a later version; kept for old assessments." },
	{ NULL, NULL, NULL },
};

static const struct choice combinations[] = {
	{ "product", "Likelihood \xC3\x97 impact", "The score is likelihood times impact." },
	{ "matrix", "Matrix look-up", "The score is read from the matrix below." },
	{ NULL, NULL, NULL },
};

static const struct field method_fields[] = {
	{ .name = "name",
	  .label = "Name",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "number",
	  .label = "Version",
	  .type = FT_INT,
	  .flags = FF_READONLY | FF_LIST,
	  .help = "Numbered automatically; each assessment records the version it used." },
	{ .name = "status",
	  .label = "Status",
	  .type = FT_ENUM,
	  .flags = FF_READONLY | FF_LIST,
	  .choices = method_states,
	  .dflt = "draft" },
	{ .name = "likelihood_scale",
	  .label = "Likelihood scale",
	  .type = FT_LONGTEXT,
	  .flags = FF_REQUIRED,
	  .help = "One level per line, lowest first: name | description. 2 to 10 levels." },
	{ .name = "impact_scale",
	  .label = "Impact scale",
	  .type = FT_LONGTEXT,
	  .flags = FF_REQUIRED,
	  .help = "One level per line, lowest first: name | description. 2 to 10 levels." },
	{ .name = "combination",
	  .label = "How likelihood and impact combine",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = combinations,
	  .dflt = "product" },
	{ .name = "matrix",
	  .label = "Matrix",
	  .type = FT_LONGTEXT,
	  .help = "For a matrix look-up: one line per likelihood level (lowest first), each with "
		  "one "
		  "score per impact level, separated by spaces." },
	{ .name = "bands",
	  .label = "Level bands",
	  .type = FT_LONGTEXT,
	  .flags = FF_REQUIRED,
	  .help = "One band per line: level | lowest score | highest score | colour, where level "
		  "is "
		  "low, medium, high or critical and colour is #rrggbb. Together the bands cover "
		  "every score from 1 to the highest." },
	{ .name = "appetite",
	  .label = "Risk appetite",
	  .type = FT_INT,
	  .flags = FF_REQUIRED | FF_LIST,
	  .min = 1,
	  .max = 100,
	  .help = "The highest residual score a risk owner may accept; above it the Board must "
		  "accept the risk too." },
	{ .name = "notes", .label = "Notes", .type = FT_MARKDOWN, .flags = FF_SEARCH },
	{ .name = "activated_at",
	  .label = "Activated",
	  .type = FT_TIMESTAMP,
	  .flags = FF_READONLY },
	{ .name = "activated_by",
	  .label = "Activated by",
	  .type = FT_TEXT,
	  .flags = FF_READONLY,
	  .max = 320 },
};

static const struct choice levels[] = {
	{ "low", "Low", NULL },		  { "medium", "Medium", NULL }, { "high", "High", NULL },
	{ "critical", "Critical", NULL }, { NULL, NULL, NULL },
};

/* Splits text into trimmed lines; returns how many (at most max), -1 when more. */
static int lines(struct arena *a, const char *text, char **out, int max)
{
	int n = 0;
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		const char *s = p;
		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		if (len) {
			if (n == max)
				return -1;
			out[n++] = arena_strndup(a, s, len);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* "a | b | c" -> trimmed parts; returns their number (at most max). */
static int parts(char *line, char **out, int max)
{
	int n = 0;
	for (char *p = line; p && n < max;) {
		char *bar = strchr(p, '|');
		if (bar)
			*bar = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		char *end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		out[n++] = p;
		p = bar ? bar + 1 : NULL;
	}
	return n;
}

static bool parse_int(const char *s, int64_t *v)
{
	return str_parse_i64(s, v);
}

const char *risk_level_label(const char *level)
{
	for (const struct choice *c = levels; c->value; c++)
		if (level && strcmp(c->value, level) == 0)
			return c->label;
	return level;
}

static const char *text_of(const struct record *r, const char *name)
{
	const struct value *v = model_get(r, name);
	return v && v->set && !v->null ? v->s : NULL;
}

static int64_t int_of(const struct record *r, const char *name, int64_t dflt)
{
	const struct value *v = model_get(r, name);
	return v && v->set && !v->null ? v->i : dflt;
}

/* Parses and checks a method record; errors name the field. */
bool risk_method_parse(struct arena *a, const struct record *r, struct risk_method *m,
		       struct verrors *ve)
{
	memset(m, 0, sizeof(*m));
	m->id = r->id;
	m->version = int_of(r, "number", 0);
	m->appetite = int_of(r, "appetite", 0);
	const char *comb = text_of(r, "combination");
	m->matrix_lookup = comb && strcmp(comb, "matrix") == 0;
	size_t before = ve->n;
	static const char *const scales[2] = { "likelihood_scale", "impact_scale" };
	for (int k = 0; k < 2; k++) {
		char *ls[RISK_MAX_LEVELS];
		int n = lines(a, text_of(r, scales[k]), ls, RISK_MAX_LEVELS);
		if (n < 2) {
			verrors_add(ve, scales[k],
				    n < 0 ? "has more than 10 levels" : "needs at least 2 levels");
			continue;
		}
		for (int i = 0; i < n; i++) {
			char *p[2];
			int np = parts(ls[i], p, 2);
			if (!*p[0]) {
				verrors_add(ve, scales[k],
					    arena_printf(a, "level %d has no name", i + 1));
				break;
			}
			m->names[k][i] = p[0];
			m->descriptions[k][i] = np > 1 ? p[1] : "";
		}
		m->nlevels[k] = n;
	}
	if (ve->n != before)
		return false;
	int64_t top = m->nlevels[0] * m->nlevels[1];
	if (m->matrix_lookup) {
		char *rows[RISK_MAX_LEVELS];
		int n = lines(a, text_of(r, "matrix"), rows, RISK_MAX_LEVELS);
		if (n != m->nlevels[0]) {
			verrors_add(ve, "matrix",
				    arena_printf(a, "needs one line per likelihood level (%d)",
						 m->nlevels[0]));
			return false;
		}
		top = 0;
		for (int i = 0; i < n; i++) {
			int j = 0;
			char *save = NULL;
			for (char *tok = strtok_r(rows[i], " \t", &save); tok;
			     tok = strtok_r(NULL, " \t", &save)) {
				int64_t v;
				if (j == m->nlevels[1] || !parse_int(tok, &v) || v < 1 ||
				    v > 1000) {
					verrors_add(ve, "matrix",
						    arena_printf(a,
								 "line %d must hold %d scores from "
								 "1 to 1000",
								 i + 1, m->nlevels[1]));
					return false;
				}
				m->matrix[i][j++] = (int)v;
				if (v > top)
					top = v;
			}
			if (j != m->nlevels[1]) {
				verrors_add(ve, "matrix",
					    arena_printf(a, "line %d must hold %d scores", i + 1,
							 m->nlevels[1]));
				return false;
			}
		}
	}
	m->top = (int)top;
	char *bl[8];
	int nb = lines(a, text_of(r, "bands"), bl, 4);
	if (nb < 2) {
		verrors_add(ve, "bands",
			    nb < 0 ? "has more than 4 bands" : "needs at least 2 bands");
		return false;
	}
	int64_t next = 1;
	for (int i = 0; i < nb; i++) {
		char *p[4];
		int64_t lo, hi;
		const char *why = NULL;
		if (parts(bl[i], p, 4) != 4)
			why = "must read: level | lowest | highest | #rrggbb";
		else if (!model_choice(&(struct field){ .choices = levels }, p[0]))
			why = "level must be low, medium, high or critical";
		else if (!parse_int(p[1], &lo) || !parse_int(p[2], &hi) || lo > hi || hi > 1000)
			why = "needs a lowest and a highest score, at most 1000";
		else if (lo != next)
			why = "must start where the band before ended (the first at 1)";
		else if (strlen(p[3]) != 7 || p[3][0] != '#' ||
			 strspn(p[3] + 1, "0123456789abcdefABCDEF") != 6)
			why = "colour must be #rrggbb";
		for (int k = 0; !why && k < i; k++)
			if (strcmp(m->bands[k].level, p[0]) == 0)
				why = "names a level twice";
		if (why) {
			verrors_add(ve, "bands", arena_printf(a, "line %d: %s", i + 1, why));
			return false;
		}
		m->bands[i].level = p[0];
		m->bands[i].lo = (int)lo;
		m->bands[i].hi = (int)hi;
		m->bands[i].colour = p[3];
		next = hi + 1;
	}
	m->nbands = nb;
	if (next <= m->top) {
		verrors_add(ve, "bands",
			    arena_printf(a, "must cover every score up to %d", m->top));
		return false;
	}
	if (m->appetite > m->top)
		verrors_add(ve, "appetite",
			    arena_printf(a, "must not exceed the highest score, %d", m->top));
	return ve->n == before;
}

int risk_score(const struct risk_method *m, int likelihood, int impact)
{
	if (likelihood < 1 || impact < 1 || likelihood > m->nlevels[0] || impact > m->nlevels[1])
		return 0;
	return m->matrix_lookup ? m->matrix[likelihood - 1][impact - 1] : likelihood * impact;
}

const struct risk_band *risk_band(const struct risk_method *m, int score)
{
	for (int i = 0; i < m->nbands; i++)
		if (score >= m->bands[i].lo && score <= m->bands[i].hi)
			return &m->bands[i];
	return NULL;
}

static bool differs(const struct record *a, const struct record *b, const char *name)
{
	int i = model_field_index(a->e, name);
	const struct value *x = &a->v[i], *y = &b->v[i];
	bool xn = !x->set || x->null, yn = !y->set || y->null;
	if (xn || yn)
		return xn != yn;
	if (x->s || y->s)
		return !x->s || !y->s || strcmp(x->s, y->s) != 0;
	return x->i != y->i;
}

static const struct actor system_actor = { 0, "custos" };

/* Method versions change one at a time across nodes: which version is active, and the first
 * (default) one, are decided under this lock (PostgreSQL advisory; SQLite's write lock). */
#define METHOD_LOCK 7101

static struct repo_ctx repo_in_tx(struct db *db, struct arena *a, const struct actor *who)
{
	return (struct repo_ctx){
		.db = db, .a = a, .who = who ? who : &system_actor, .in_tx = true
	};
}

/* The id of the active method, 0 when there is none. */
static enum err active_method_id(struct db *db, int64_t *id)
{
	struct db_stmt *st;
	enum err e = db_prepare(
		db, "SELECT id FROM risk_methods WHERE status = 'active' ORDER BY number DESC",
		&st);
	if (e)
		return e;
	bool row;
	e = db_step(st, &row);
	*id = !e && row ? db_col_int(st, 0) : 0;
	db_done(st);
	return e;
}

enum err risk_method_active(struct db *db, struct arena *a, struct risk_method *m)
{
	int64_t id;
	enum err e = active_method_id(db, &id);
	return e ? e : !id ? ERR_NOT_FOUND : risk_method_load(db, a, id, m);
}

enum err risk_method_load(struct db *db, struct arena *a, int64_t id, struct risk_method *m)
{
	struct repo_ctx rc = repo_in_tx(db, a, NULL);
	struct record *r;
	enum err e = repo_load(&rc, &entity_risk_method, id, &r);
	if (e)
		return e;
	struct verrors ve = { 0 };
	return risk_method_parse(a, r, m, &ve) ? ERR_OK : ERR_INVALID;
}

static void method_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	struct risk_method m;
	risk_method_parse(a, r, &m, ve);
}

/* A method in use never changes: a change is a new version. Versions are numbered here. */
static enum err method_derive(struct db *db, struct arena *a, const struct record *before,
			      struct record *after, struct verrors *ve)
{
	if (before) {
		const char *state = text_of(before, "status");
		const struct entity *e = after->e;
		bool changed = false;
		for (size_t i = 0; i < e->nfields; i++)
			if (!(e->fields[i].flags & FF_READONLY) &&
			    differs(before, after, e->fields[i].name))
				changed = true;
		if (changed && state && strcmp(state, "draft") != 0) {
			verrors_add(ve, "status",
				    "is not draft: a method in use does not change. Create a new "
				    "version, then activate it");
			return ERR_INVALID;
		}
		return ERR_OK;
	}
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT max(number) FROM risk_methods", &st);
	if (e)
		return e;
	bool row;
	e = db_step(st, &row);
	int64_t v = !e && row && !db_col_null(st, 0) ? db_col_int(st, 0) : 0;
	db_done(st);
	if (e)
		return e;
	int i = model_field_index(after->e, "number");
	after->v[i] = (struct value){ .set = true, .i = v + 1 };
	(void)a;
	return ERR_OK;
}

static void set_text(struct record *r, const char *name, const char *s)
{
	int i = model_field_index(r->e, name);
	if (i < 0)
		return;
	r->v[i] = s ? (struct value){ .set = true, .s = s, .n = strlen(s) }
		    : (struct value){ .set = true, .null = true };
}

static void set_int(struct record *r, const char *name, int64_t v, bool null)
{
	int i = model_field_index(r->e, name);
	if (i >= 0)
		r->v[i] = null ? (struct value){ .set = true, .null = true }
			       : (struct value){ .set = true, .i = v };
}

/* Activating a draft supersedes the method that was active (one audited change each). */
static enum err method_activate(const struct step_env *env, const struct record *before,
				struct record *after, struct verrors *ve)
{
	(void)before;
	int64_t cur;
	enum err e = db_lock(env->db, METHOD_LOCK);
	if (!e)
		e = active_method_id(env->db, &cur);
	if (e)
		return e;
	if (cur && cur != after->id) {
		struct repo_ctx rc = repo_in_tx(env->db, env->a, env->who);
		struct record *patch = model_record_new(env->a, &entity_risk_method);
		if (!patch)
			return ERR_NOMEM;
		set_text(patch, "status", "superseded");
		if ((e = repo_update(&rc, &entity_risk_method, cur, patch, 0, ve)))
			return e;
	}
	set_text(after, "activated_at", env->now);
	set_text(after, "activated_by", env->who->name);
	return ERR_OK;
}

/* Versions that were in use are the method's documented history: only drafts go. */
static enum err method_can_delete(struct db *db, const struct record *rec, struct verrors *ve)
{
	(void)db;
	const char *state = text_of(rec, "status");
	if (state && strcmp(state, "draft") == 0)
		return ERR_OK;
	verrors_add(ve, "status",
		    "is not draft: a version that was in use stays as the method's history");
	return ERR_CONFLICT;
}

static const char *const from_draft[] = { "draft", NULL };

static const struct step method_steps[] = {
	{ .name = "activate",
	  .label = "Activate this version",
	  .help = "New assessments use it from now on; the version in use until now is kept as "
		  "superseded for the assessments made with it.",
	  .from = from_draft,
	  .to = "active",
	  .task = true,
	  .apply = method_activate },
};

static const struct workflow method_workflow = {
	.state_field = "status",
	.steps = method_steps,
	.nsteps = sizeof(method_steps) / sizeof(method_steps[0]),
};

static const struct entity_page method_pages[] = {
	{ "/risk_methods/{id}/document", "Read as a document" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant risk_method_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all activate:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_HR_MANAGER, "r:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_risk_method = {
	.access = risk_method_access,
	.name = "risk_method",
	.plural = "risk_methods",
	.title = "Risk method",
	.title_plural = "Risk methods",
	.area = "risk",
	.description =
		"How risks are assessed (ISO 27001 6.1.2): likelihood and impact scales, how "
		"they combine, level bands and the risk appetite. Each version is kept.",
	.fields = method_fields,
	.nfields = sizeof(method_fields) / sizeof(method_fields[0]),
	.label_field = "name",
	.default_sort = "-number",
	.record_pages = method_pages,
	.check = method_check,
	.derive = method_derive,
	.can_delete = method_can_delete,
	.workflow = &method_workflow,
	.io = { .key = "name+number|name" },
};

/* ---- the risk register ---- */

static const struct choice risk_categories[] = {
	{ "information_security", "Information security", NULL },
	{ "operational", "Operational", NULL },
	{ "compliance", "Legal, regulatory or contractual", NULL },
	{ "supplier", "Supplier or third party", NULL },
	{ "continuity", "Business continuity", NULL },
	{ "people", "People", NULL },
	{ "physical", "Physical and environmental", NULL },
	{ "strategic", "Strategic", NULL },
	{ NULL, NULL, NULL },
};

static const struct choice treatments[] = {
	{ "modify", "Modify (treat)", "Reduce the risk with controls." },
	{ "retain", "Retain (tolerate)", "Accept the risk as it is." },
	{ "avoid", "Avoid (terminate)", "Stop the activity that causes the risk." },
	{ "share", "Share (transfer)",
	  "Pass part of the risk to others, e.g. insurance or a "
	  "supplier." },
	{ NULL, NULL, NULL },
};

static const struct choice risk_states[] = {
	{ "open", "Open", "Identified or being assessed and treated." },
	{ "awaiting_owner", "Awaiting the owner's acceptance", NULL },
	{ "awaiting_board", "Awaiting the Board's acceptance",
	  "The residual risk is above the appetite." },
	{ "accepted", "Accepted",
	  "The owner (and above appetite the Board) accepted the residual "
	  "risk until the acceptance expires." },
	{ "review", "Due for review", "The acceptance expired or was withdrawn." },
	{ "closed", "Closed", "The risk no longer applies." },
	{ NULL, NULL, NULL },
};

#define LEVEL_FIELD(n, l)                                                                          \
	{                                                                                          \
		.name = n, .label = l, .type = FT_ENUM, .flags = FF_READONLY | FF_LIST,            \
		.choices = levels                                                                  \
	}
#define SCORE_FIELD(n, l)                                                                          \
	{                                                                                          \
		.name = n, .label = l, .type = FT_INT, .flags = FF_READONLY                        \
	}

static const struct field risk_fields[] = {
	{ .name = "title",
	  .label = "Title",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "description", .label = "Description", .type = FT_MARKDOWN, .flags = FF_SEARCH },
	{ .name = "category",
	  .label = "Category",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = risk_categories,
	  .dflt = "information_security" },
	{ .name = "threat", .label = "Threat", .type = FT_TEXT, .flags = FF_SEARCH, .max = 500 },
	{ .name = "vulnerability",
	  .label = "Vulnerability",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH,
	  .max = 500 },
	{ .name = "owner_id",
	  .label = "Risk owner",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "person",
	  .help = "Accountable for the risk; approves its treatment and accepts the residual "
		  "risk (ISO 27001 6.1.3 f)." },
	{ .name = "department_id",
	  .label = "Department",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "department" },
	{ .name = "inherent_likelihood",
	  .label = "Likelihood (before treatment)",
	  .type = FT_INT,
	  .flags = FF_REQUIRED,
	  .min = 1,
	  .max = RISK_MAX_LEVELS,
	  .help = "A level of the active risk method's likelihood scale, 1 = lowest." },
	{ .name = "inherent_impact",
	  .label = "Impact (before treatment)",
	  .type = FT_INT,
	  .flags = FF_REQUIRED,
	  .min = 1,
	  .max = RISK_MAX_LEVELS,
	  .help = "A level of the active risk method's impact scale, 1 = lowest." },
	SCORE_FIELD("inherent_score", "Inherent score"),
	LEVEL_FIELD("inherent_level", "Inherent level"),
	{ .name = "existing_controls",
	  .label = "Existing controls",
	  .type = FT_LONGTEXT,
	  .flags = FF_SEARCH },
	{ .name = "treatment",
	  .label = "Treatment",
	  .type = FT_ENUM,
	  .flags = FF_LIST,
	  .choices = treatments },
	{ .name = "treatment_plan",
	  .label = "Treatment plan",
	  .type = FT_MARKDOWN,
	  .flags = FF_SEARCH,
	  .help = "What will be done, by whom and when (ISO 27001 6.1.3 e); actions with owners "
		  "and due dates are listed below the risk." },
	{ .name = "planned_controls",
	  .label = "Planned controls",
	  .type = FT_LONGTEXT,
	  .flags = FF_SEARCH },
	{ .name = "residual_likelihood",
	  .label = "Likelihood (after treatment)",
	  .type = FT_INT,
	  .min = 1,
	  .max = RISK_MAX_LEVELS },
	{ .name = "residual_impact",
	  .label = "Impact (after treatment)",
	  .type = FT_INT,
	  .min = 1,
	  .max = RISK_MAX_LEVELS },
	SCORE_FIELD("residual_score", "Residual score"),
	LEVEL_FIELD("residual_level", "Residual level"),
	{ .name = "method_id",
	  .label = "Assessed with",
	  .type = FT_REF,
	  .flags = FF_READONLY,
	  .ref = "risk_method",
	  .help = "The risk method version of the last assessment." },
	{ .name = "status",
	  .label = "Status",
	  .type = FT_ENUM,
	  .flags = FF_READONLY | FF_LIST,
	  .choices = risk_states,
	  .dflt = "open" },
	{ .name = "review_on", .label = "Next review", .type = FT_DATE, .flags = FF_LIST | FF_DUE },
	{ .name = "accepted_until",
	  .label = "Accepted until",
	  .type = FT_DATE,
	  .flags = FF_READONLY,
	  .help = "When the acceptance expires and the risk returns to review (default: one "
		  "year)." },
	{ .name = "acceptance_note",
	  .label = "Acceptance note",
	  .type = FT_LONGTEXT,
	  .flags = FF_READONLY },
	{ .name = "accepted_by",
	  .label = "Accepted by (owner)",
	  .type = FT_TEXT,
	  .flags = FF_READONLY,
	  .max = 320 },
	{ .name = "accepted_at",
	  .label = "Accepted by the owner at",
	  .type = FT_TIMESTAMP,
	  .flags = FF_READONLY },
	{ .name = "board_accepted_by",
	  .label = "Accepted by (Board)",
	  .type = FT_TEXT,
	  .flags = FF_READONLY,
	  .max = 320 },
	{ .name = "board_accepted_at",
	  .label = "Accepted by the Board at",
	  .type = FT_TIMESTAMP,
	  .flags = FF_READONLY },
	{ .name = "accepted_state",
	  .label = "What was accepted",
	  .type = FT_LONGTEXT,
	  .flags = FF_READONLY,
	  .help = "The risk as the acceptor saw it: scores, levels, treatment and method "
		  "version." },
};

/* Fields whose change is a new assessment: an acceptance of the old one no longer holds. */
static const char *const assessed[] = { "inherent_likelihood", "inherent_impact", "treatment",
					"residual_likelihood", "residual_impact", NULL };

static void score_pair(struct record *r, const struct risk_method *m, const char *l, const char *i,
		       const char *score, const char *level, struct verrors *ve, struct arena *a)
{
	const struct value *lv = model_get(r, l), *iv = model_get(r, i);
	bool have = lv->set && !lv->null && iv->set && !iv->null;
	if (!have) {
		set_int(r, score, 0, true);
		set_text(r, level, NULL);
		return;
	}
	if (lv->i > m->nlevels[0])
		verrors_add(ve, l,
			    arena_printf(a, "must be 1 to %d on risk method version %lld",
					 m->nlevels[0], (long long)m->version));
	if (iv->i > m->nlevels[1])
		verrors_add(ve, i,
			    arena_printf(a, "must be 1 to %d on risk method version %lld",
					 m->nlevels[1], (long long)m->version));
	int s = risk_score(m, (int)lv->i, (int)iv->i);
	const struct risk_band *b = s ? risk_band(m, s) : NULL;
	set_int(r, score, s, !s);
	set_text(r, level, b ? b->level : NULL);
}

static enum err ensure_method(struct db *db, struct arena *a);

/* An accepted or awaiting risk goes back to open with its acceptance cleared; the history
 * keeps who accepted what. */
static void reopen(const struct record *before, struct record *after)
{
	const char *state = text_of(before, "status");
	if (!state || (strcmp(state, "accepted") != 0 && strncmp(state, "awaiting_", 9) != 0))
		return;
	set_text(after, "status", "open");
	static const char *const cleared[] = { "accepted_by",
					       "accepted_at",
					       "board_accepted_by",
					       "board_accepted_at",
					       "accepted_until",
					       "accepted_state",
					       NULL };
	for (const char *const *p = cleared; *p; p++)
		set_text(after, *p, NULL);
}

static enum err risk_derive(struct db *db, struct arena *a, const struct record *before,
			    struct record *after, struct verrors *ve)
{
	bool reassessed = !before;
	for (const char *const *p = assessed; before && *p; p++)
		if (differs(before, after, *p))
			reassessed = true;
	/* a new owner has not accepted anything: whoever may edit a risk cannot make themselves
	 * its owner and so accept it in place of the owner who was asked */
	if (!reassessed && before && differs(before, after, "owner_id")) {
		reopen(before, after);
		return ERR_OK;
	}
	if (!reassessed)
		return ERR_OK;
	/* a new assessment uses the method active now; the scores follow from it */
	int64_t mid;
	enum err e = ensure_method(db, a);
	if (!e)
		e = active_method_id(db, &mid);
	if (e)
		return e;
	if (!mid) {
		verrors_add(ve, "method_id",
			    "there is no active risk method: activate a version first");
		return ERR_INVALID;
	}
	struct risk_method m;
	if ((e = risk_method_load(db, a, mid, &m)))
		return e;
	set_int(after, "method_id", mid, false);
	score_pair(after, &m, "inherent_likelihood", "inherent_impact", "inherent_score",
		   "inherent_level", ve, a);
	score_pair(after, &m, "residual_likelihood", "residual_impact", "residual_score",
		   "residual_level", ve, a);
	if (before)
		reopen(before, after); /* the acceptance was of the old assessment */
	return ve->n ? ERR_INVALID : ERR_OK;
}

static void risk_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	const struct value *l = model_get(r, "residual_likelihood");
	const struct value *i = model_get(r, "residual_impact");
	bool hl = l->set && !l->null, hi = i->set && !i->null;
	if (hl != hi)
		verrors_add(ve, hl ? "residual_impact" : "residual_likelihood",
			    "is needed with the other residual rating");
	(void)a;
}

/* The risk as the acceptor sees it, recorded with the acceptance. */
static const char *snapshot(struct arena *a, const struct record *r)
{
	const char *t = text_of(r, "treatment");
	return arena_printf(a,
			    "Inherent %lld x %lld = %lld (%s); residual %lld x %lld = %lld (%s); "
			    "treatment: %s; risk method #%lld",
			    (long long)int_of(r, "inherent_likelihood", 0),
			    (long long)int_of(r, "inherent_impact", 0),
			    (long long)int_of(r, "inherent_score", 0),
			    risk_level_label(text_of(r, "inherent_level")),
			    (long long)int_of(r, "residual_likelihood", 0),
			    (long long)int_of(r, "residual_impact", 0),
			    (long long)int_of(r, "residual_score", 0),
			    risk_level_label(text_of(r, "residual_level")), t ? t : "none",
			    (long long)int_of(r, "method_id", 0));
}

static enum err need_owner(const struct step_env *env, const struct record *r, struct verrors *ve)
{
	if (env->person_id && int_of(r, "owner_id", -1) == env->person_id)
		return ERR_OK;
	verrors_add(ve, "owner_id", "only the risk's owner takes this step");
	return ERR_FORBIDDEN;
}

static enum err risk_submit(const struct step_env *env, const struct record *before,
			    struct record *after, struct verrors *ve)
{
	(void)env;
	(void)before;
	if (!text_of(after, "treatment"))
		verrors_add(ve, "treatment", "is needed before the owner can accept the risk");
	if (int_of(after, "residual_score", 0) == 0)
		verrors_add(ve, "residual_likelihood",
			    "and the residual impact are needed before the owner can accept");
	return ve->n ? ERR_INVALID : ERR_OK;
}

/* The owner approves the treatment plan and accepts the residual risk; above the appetite of
 * the method it was assessed with, the Board must accept too. */
static enum err risk_accept(const struct step_env *env, const struct record *before,
			    struct record *after, struct verrors *ve)
{
	enum err e = need_owner(env, before, ve);
	if (e)
		return e;
	struct risk_method m;
	if ((e = risk_method_load(env->db, env->a, int_of(before, "method_id", 0), &m)))
		return e;
	/* a date given with this step, else a year: an old acceptance's date does not carry over */
	const char *until = env->inputs ? text_of(env->inputs, "accepted_until") : NULL;
	if (!until) {
		char d[11];
		time_format_date(time_now() + 365 * 86400, d);
		until = arena_strdup(env->a, d);
		set_text(after, "accepted_until", until);
	} else if (strcmp(until, env->today) <= 0) {
		verrors_add(ve, "accepted_until", "must be in the future");
		return ERR_INVALID;
	}
	set_text(after, "accepted_by", env->who->name);
	set_text(after, "accepted_at", env->now);
	set_text(after, "accepted_state", snapshot(env->a, before));
	set_text(after, "board_accepted_by", NULL);
	set_text(after, "board_accepted_at", NULL);
	if (int_of(before, "residual_score", 0) > m.appetite)
		set_text(after, "status", "awaiting_board");
	return ERR_OK;
}

static enum err risk_board_accept(const struct step_env *env, const struct record *before,
				  struct record *after, struct verrors *ve)
{
	(void)ve;
	(void)before;
	set_text(after, "board_accepted_by", env->who->name);
	set_text(after, "board_accepted_at", env->now);
	return ERR_OK;
}

static enum err risk_reject(const struct step_env *env, const struct record *before,
			    struct record *after, struct verrors *ve)
{
	const char *state = text_of(before, "status");
	if (state && strcmp(state, "awaiting_owner") == 0) {
		enum err e = need_owner(env, before, ve);
		if (e)
			return e;
	}
	/* the reason is this step's own: not empty, and not the note an acceptance left */
	const char *note = env->inputs ? text_of(env->inputs, "acceptance_note") : NULL;
	if (!note || strspn(note, " \t\n\r") == strlen(note)) {
		verrors_add(ve, "acceptance_note", "is needed: say why the risk is not accepted");
		return ERR_INVALID;
	}
	static const char *const cleared[] = { "accepted_by", "accepted_at", "accepted_until",
					       "accepted_state", NULL };
	for (const char *const *p = cleared; *p; p++)
		set_text(after, *p, NULL);
	return ERR_OK;
}

static const char *const from_open[] = { "open", "review", NULL };
static const char *const from_awaiting_owner[] = { "awaiting_owner", NULL };
static const char *const from_awaiting_board[] = { "awaiting_board", NULL };
static const char *const from_awaiting[] = { "awaiting_owner", "awaiting_board", NULL };
static const char *const from_accepted[] = { "accepted", NULL };
static const char *const from_live[] = { "open",	   "review",	     "accepted",
					 "awaiting_owner", "awaiting_board", NULL };
static const char *const from_closed[] = { "closed", NULL };
static const char *const accept_inputs[] = { "accepted_until", "acceptance_note", NULL };
static const char *const note_input[] = { "acceptance_note", NULL };

static const struct step risk_steps[] = {
	{ .name = "submit",
	  .label = "Ask the owner to accept",
	  .help = "The assessment and treatment plan are ready: the risk owner approves the plan "
		  "and accepts the residual risk.",
	  .from = from_open,
	  .to = "awaiting_owner",
	  .apply = risk_submit },
	{ .name = "accept",
	  .label = "Approve the plan and accept the residual risk",
	  .help = "As the risk owner. Above the risk appetite the Board must accept too.",
	  .from = from_awaiting_owner,
	  .to = "accepted",
	  .task = true,
	  .inputs = accept_inputs,
	  .apply = risk_accept },
	{ .name = "board_accept",
	  .label = "Accept for the Board",
	  .help = "The residual risk is above the appetite; the Board accepts it.",
	  .from = from_awaiting_board,
	  .to = "accepted",
	  .task = true,
	  .apply = risk_board_accept },
	{ .name = "reject",
	  .label = "Do not accept",
	  .help = "The risk goes back to be treated further; say why.",
	  .from = from_awaiting,
	  .to = "open",
	  .inputs = note_input,
	  .apply = risk_reject },
	{ .name = "review",
	  .label = "Withdraw the acceptance for review",
	  .help = "Reassess the risk; it must be accepted again.",
	  .from = from_accepted,
	  .to = "review" },
	{ .name = "close",
	  .label = "Close the risk",
	  .help = "The risk no longer applies (e.g. the activity was stopped).",
	  .from = from_live,
	  .to = "closed" },
	{ .name = "reopen", .label = "Reopen", .from = from_closed, .to = "open" },
};

static const struct workflow risk_workflow = {
	.state_field = "status",
	.steps = risk_steps,
	.nsteps = sizeof(risk_steps) / sizeof(risk_steps[0]),
};

static const struct entity_page risk_pages[] = {
	{ "/risks/heatmap", "Heat map" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): whoever assesses a
 * risk asks its owner to accept it; the owner accepts (the step checks it is the owner, any
 * role can own one), and above the appetite the Board (policy 1). */
static const struct grant risk_access[] = {
	{ ROLE_BOARD, "r:all accept:own board_accept:all reject:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all submit:all accept:own reject:own review:all "
			     "close:all reopen:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:all u:all submit:all accept:own reject:own" },
	{ ROLE_HR_MANAGER, "r:own accept:own reject:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:own+department c:department u:department submit:department "
				"accept:own reject:own review:own+department" },
	{ ROLE_SUPPORT, "r:own accept:own reject:own" },
	{ ROLE_STAFF, "r:own accept:own reject:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_risk = {
	.access = risk_access,
	.name = "risk",
	.plural = "risks",
	.title = "Risk",
	.title_plural = "Risks",
	.area = "risk",
	.description = "Information security risks: assessment by the risk method, treatment, and "
		       "the owner's acceptance of what remains (ISO 27001 6.1.2, 6.1.3, 8.2, 8.3).",
	.fields = risk_fields,
	.nfields = sizeof(risk_fields) / sizeof(risk_fields[0]),
	.label_field = "title",
	.default_sort = "-residual_score",
	.pages = risk_pages,
	.task_filter = "status=open,awaiting_owner,awaiting_board,accepted,review",
	.own_column = "owner_id",
	.dept_column = "department_id",
	.check = risk_check,
	.derive = risk_derive,
	.workflow = &risk_workflow,
	.io = { .key = "title" },
};

/* ---- treatment actions and affected assets ---- */

static const struct choice action_states[] = {
	{ "planned", "Planned", NULL }, { "in_progress", "In progress", NULL },
	{ "done", "Done", NULL },	{ "cancelled", "Cancelled", NULL },
	{ NULL, NULL, NULL },
};

static const struct field action_fields[] = {
	{ .name = "title",
	  .label = "Action",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "risk_id",
	  .label = "Risk",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "risk" },
	{ .name = "owner_id",
	  .label = "Owner",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "person" },
	{ .name = "due_on", .label = "Due date", .type = FT_DATE, .flags = FF_LIST | FF_DUE },
	{ .name = "status",
	  .label = "Status",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = action_states,
	  .dflt = "planned" },
	{ .name = "notes", .label = "Notes", .type = FT_MARKDOWN, .flags = FF_SEARCH },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant risk_action_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_HR_MANAGER, "r:own u:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:own u:own" },
	{ ROLE_SUPPORT, "r:own u:own" },
	{ ROLE_STAFF, "r:own u:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_risk_action = {
	.access = risk_action_access,
	.name = "risk_action",
	.plural = "risk_actions",
	.title = "Treatment action",
	.title_plural = "Treatment actions",
	.area = "risk",
	.description = "The risk treatment plan's actions, each with an owner and a due date (ISO "
		       "27001 6.1.3 e, 8.3).",
	.fields = action_fields,
	.nfields = sizeof(action_fields) / sizeof(action_fields[0]),
	.label_field = "title",
	.default_sort = "due_on",
	.own_column = "owner_id",
	.task_filter = "status=planned,in_progress",
};

static const struct field link_fields[] = {
	{ .name = "risk_id",
	  .label = "Risk",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "risk" },
	{ .name = "asset_id",
	  .label = "Asset",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "asset" },
	{ .name = "note",
	  .label = "How the asset is affected",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH | FF_LIST,
	  .max = 500 },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant risk_asset_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_risk_asset = {
	.access = risk_asset_access,
	.name = "risk_asset",
	.plural = "risk_assets",
	.title = "Affected asset",
	.title_plural = "Affected assets",
	.area = "risk",
	.description = "Which assets each risk affects.",
	.fields = link_fields,
	.nfields = sizeof(link_fields) / sizeof(link_fields[0]),
	.label_field = "note",
	.default_sort = "risk_id",
};

/* ---- the default method and expiry ---- */

static const char default_likelihood[] = "Rare | Less than once in ten years\n"
					 "Unlikely | Once in three to ten years\n"
					 "Possible | Once in one to three years\n"
					 "Likely | Several times a year\n"
					 "Almost certain | Monthly or more often\n";
static const char default_impact[] =
	"Negligible | No noticeable effect on customers, finances or compliance\n"
	"Minor | Short disruption or small loss, handled in the normal course of business\n"
	"Moderate | Noticeable disruption, loss or complaint; may need to be reported\n"
	"Major | Serious disruption, large loss, regulatory action or lasting damage to trust\n"
	"Severe | Threatens the organisation's survival or people's safety\n";
static const char default_bands[] = "low | 1 | 4 | #2e7d32\n"
				    "medium | 5 | 9 | #f9a825\n"
				    "high | 10 | 16 | #ef6c00\n"
				    "critical | 17 | 25 | #c62828\n";

/* The first risk of an installation gets the default 5 x 5 method, created and activated in
 * its transaction (audited like any change) so that every assessment has a method. */
static enum err ensure_method(struct db *db, struct arena *a)
{
	struct db_stmt *st;
	enum err e = db_lock(db, METHOD_LOCK);
	if (e)
		return e;
	e = db_prepare(db, "SELECT count(*) FROM risk_methods", &st);
	if (e)
		return e;
	bool row;
	e = db_step(st, &row);
	int64_t n = !e && row ? db_col_int(st, 0) : 1;
	db_done(st);
	if (e || n)
		return e;
	struct record *r = model_record_new(a, &entity_risk_method);
	if (!r)
		return ERR_NOMEM;
	set_text(r, "name", "Default 5 x 5 risk method");
	set_text(r, "likelihood_scale", default_likelihood);
	set_text(r, "impact_scale", default_impact);
	set_text(r, "combination", "product");
	set_text(r, "bands", default_bands);
	set_int(r, "appetite", 8, false);
	set_text(r, "notes",
		 "Created by Custos with the first risk. Adapt it to the organisation "
		 "in a new version, then activate that version.");
	struct repo_ctx rc = repo_in_tx(db, a, NULL);
	struct verrors ve = { 0 };
	int64_t id;
	if ((e = repo_create(&rc, r, &ve, &id)))
		return e;
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	struct step_env env = { .db = db, .a = a, .who = &system_actor, .today = "", .now = now };
	struct record *none = model_record_new(a, &entity_risk_method);
	return none ? repo_step(&rc, &entity_risk_method, id, &method_steps[0], &env, none, 0, &ve)
		    : ERR_NOMEM;
}

/* Acceptances past their date return the risk to review, as the system, once a day. */
enum err risk_expire_acceptances(struct db *db)
{
	char today[11], now[TIME_ISO_LEN];
	int64_t t = time_now();
	time_format_date(t, today);
	time_format_iso(t, now);
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT id FROM risks WHERE status = 'accepted' AND accepted_until "
				"IS NOT NULL AND accepted_until < $1 ORDER BY id LIMIT 500",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, today);
	int64_t ids[500];
	size_t n = 0;
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row && n < 500)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	if (e)
		return e;
	static const struct step expire = { .name = "expire",
					    .label = "Acceptance expired",
					    .from = from_accepted,
					    .to = "review" };
	for (size_t i = 0; i < n; i++) {
		struct arena a;
		arena_init(&a, 0);
		struct repo_ctx rc = { .db = db, .a = &a, .who = &system_actor };
		struct step_env env = {
			.db = db, .a = &a, .who = &system_actor, .today = today, .now = now
		};
		struct verrors ve = { 0 };
		struct record *none = model_record_new(&a, &entity_risk);
		/* a risk changed meanwhile (no longer accepted) is simply skipped */
		e = none ? repo_step(&rc, &entity_risk, ids[i], &expire, &env, none, 0, &ve)
			 : ERR_NOMEM;
		arena_free(&a);
		if (e && e != ERR_CONFLICT)
			return e;
	}
	return ERR_OK;
}

/* The registers of this file, in navigation order, and their scheduled jobs (domain.h). */
static const struct job area_risk_jobs[] = {
	{ "risk_acceptance_expiry", 3600, risk_expire_acceptances },
};

const struct area area_risk = {
	.registers =
		(const struct entity *const[]){ &entity_risk, &entity_risk_action,
						&entity_risk_asset, &entity_risk_method, NULL },
	.jobs = area_risk_jobs,
	.njobs = sizeof(area_risk_jobs) / sizeof(area_risk_jobs[0]),
};
