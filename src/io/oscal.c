/* oscal.c - an OSCAL catalog (JSON) flattened into controls with Markdown text. jansson builds
 * the tree (duplicate keys refused, its own nesting limit); we walk it twice: once to check
 * the shape and list controls and parameters, once to render statements, since a statement
 * may insert a parameter declared later or by the control it enhances. No database here. */
#include "io/oscal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

#define TEXT_CAP     (1u << 20) /* one rendered statement; the field keeps far less */
#define INSERT_DEPTH 4		/* a choice may insert a parameter; deeper is a loop */

struct param {
	const char *id;
	json_t *p;
};

/* What a control needs until its text is rendered in the second pass. */
struct pending {
	json_t *parts;
};

struct walk {
	struct arena *a;
	struct oscal_catalog *cat;
	struct pending *pend;
	size_t cap; /* room in cat->controls and pend */
	struct param *params;
	size_t nparams, pcap;
	char path[512]; /* where we are, for messages */
	const char *why;
	enum err err;
};

static bool fail(struct walk *w, enum err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct walk *w, enum err e, const char *fmt, ...)
{
	if (w->err)
		return false;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->err = e;
	w->why = arena_strdup(w->a, msg);
	return false;
}

/* Appends ".key[i]" to the path; returns the old length to restore it with. */
static size_t path_push(struct walk *w, const char *key, size_t i)
{
	size_t n = strlen(w->path);
	snprintf(w->path + n, sizeof(w->path) - n, ".%s[%zu]", key, i);
	return n;
}

/* An optional member that must be an array when present; NULL when absent. */
static bool opt_array(struct walk *w, json_t *obj, const char *key, json_t **out)
{
	*out = json_object_get(obj, key);
	if (*out && !json_is_array(*out))
		return fail(w, ERR_BAD_REQUEST, "%s.%s must be an array", w->path, key);
	return true;
}

/* An optional member that must be a string when present; NULL when absent. */
static bool opt_string(struct walk *w, json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (v && !json_is_string(v))
		return fail(w, ERR_BAD_REQUEST, "%s.%s must be a string", w->path, key);
	*out = v ? json_string_value(v) : NULL;
	return true;
}

static bool add_params(struct walk *w, json_t *obj)
{
	json_t *ps, *p;
	size_t i;
	if (!opt_array(w, obj, "params", &ps))
		return false;
	json_array_foreach(ps, i, p)
	{
		const char *id;
		size_t old = path_push(w, "params", i);
		if (!json_is_object(p))
			return fail(w, ERR_BAD_REQUEST, "%s must be an object", w->path);
		if (!opt_string(w, p, "id", &id))
			return false;
		if (!id || !*id)
			return fail(w, ERR_BAD_REQUEST, "%s has no id", w->path);
		if (w->nparams == OSCAL_MAX_PARAMS)
			return fail(w, ERR_TOO_LARGE, "more than %d parameters", OSCAL_MAX_PARAMS);
		if (w->nparams == w->pcap) {
			size_t ncap = w->pcap ? w->pcap * 2 : 256;
			struct param *np = arena_alloc_raw(w->a, ncap * sizeof(*np));
			if (!np)
				return fail(w, ERR_NOMEM, "out of memory");
			if (w->nparams)
				memcpy(np, w->params, w->nparams * sizeof(*np));
			w->params = np;
			w->pcap = ncap;
		}
		w->params[w->nparams++] = (struct param){ id, p };
		w->path[old] = '\0';
	}
	return true;
}

/* props: the display label (the one without a class wins) and the withdrawn marker. */
static bool read_props(struct walk *w, json_t *obj, const char **label, bool *withdrawn)
{
	json_t *props, *p;
	size_t i;
	*label = NULL;
	*withdrawn = false;
	bool classless = false;
	if (!opt_array(w, obj, "props", &props))
		return false;
	json_array_foreach(props, i, p)
	{
		const char *name, *value, *cls;
		size_t old = path_push(w, "props", i);
		if (!json_is_object(p))
			return fail(w, ERR_BAD_REQUEST, "%s must be an object", w->path);
		if (!opt_string(w, p, "name", &name) || !opt_string(w, p, "value", &value) ||
		    !opt_string(w, p, "class", &cls))
			return false;
		if (!name || !value)
			return fail(w, ERR_BAD_REQUEST, "%s needs a name and a value", w->path);
		w->path[old] = '\0';
		if (strcmp(name, "label") == 0 && *value && (!*label || (!cls && !classless))) {
			*label = value;
			classless = !cls;
		} else if (strcmp(name, "status") == 0 && strcasecmp(value, "withdrawn") == 0) {
			*withdrawn = true;
		}
	}
	return true;
}

static char *upper(struct arena *a, const char *s)
{
	char *u = s ? arena_strdup(a, s) : NULL;
	for (char *p = u; p && *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

static bool walk_control(struct walk *w, json_t *c, long parent, const char *gid,
			 const char *gtitle, int depth);

static bool walk_controls(struct walk *w, json_t *obj, long parent, const char *gid,
			  const char *gtitle, int depth)
{
	json_t *cs, *c;
	size_t i;
	if (!opt_array(w, obj, "controls", &cs))
		return false;
	json_array_foreach(cs, i, c)
	{
		size_t old = path_push(w, "controls", i);
		if (!walk_control(w, c, parent, gid, gtitle, depth))
			return false;
		w->path[old] = '\0';
	}
	return true;
}

static bool walk_control(struct walk *w, json_t *c, long parent, const char *gid,
			 const char *gtitle, int depth)
{
	if (depth > OSCAL_MAX_DEPTH)
		return fail(w, ERR_TOO_LARGE, "%s: controls nested more than %d deep", w->path,
			    OSCAL_MAX_DEPTH);
	if (!json_is_object(c))
		return fail(w, ERR_BAD_REQUEST, "%s must be an object", w->path);
	const char *id, *title, *label;
	bool withdrawn;
	json_t *parts;
	if (!opt_string(w, c, "id", &id) || !opt_string(w, c, "title", &title))
		return false;
	if (!id || !*id)
		return fail(w, ERR_BAD_REQUEST, "%s: a control without an id", w->path);
	if (!title || !*title)
		return fail(w, ERR_BAD_REQUEST, "%s: control '%s' has no title", w->path, id);
	if (!read_props(w, c, &label, &withdrawn) || !opt_array(w, c, "parts", &parts) ||
	    !add_params(w, c))
		return false;
	struct oscal_catalog *cat = w->cat;
	if (cat->ncontrols == OSCAL_MAX_CONTROLS)
		return fail(w, ERR_TOO_LARGE, "more than %d controls", OSCAL_MAX_CONTROLS);
	if (cat->ncontrols == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 512;
		struct oscal_control *nc = arena_alloc_raw(w->a, ncap * sizeof(*nc));
		struct pending *np = arena_alloc_raw(w->a, ncap * sizeof(*np));
		if (!nc || !np)
			return fail(w, ERR_NOMEM, "out of memory");
		if (cat->ncontrols) {
			memcpy(nc, cat->controls, cat->ncontrols * sizeof(*nc));
			memcpy(np, w->pend, cat->ncontrols * sizeof(*np));
		}
		cat->controls = nc;
		w->pend = np;
		w->cap = ncap;
	}
	long self = (long)cat->ncontrols++;
	struct oscal_control *oc = &cat->controls[self];
	*oc = (struct oscal_control){
		.id = arena_strdup(w->a, id),
		.label = arena_strdup(w->a, label ? label : id),
		.title = arena_strdup(w->a, title),
		.group_id = gid,
		.group_title = gtitle,
		.parent = parent,
		.withdrawn = withdrawn,
	};
	w->pend[self].parts = parts;
	if (!oc->id || !oc->label || !oc->title)
		return fail(w, ERR_NOMEM, "out of memory");
	cat->nenhancements += parent >= 0;
	cat->nwithdrawn += withdrawn;
	return walk_controls(w, c, self, gid, gtitle, depth + 1);
}

static bool walk_group(struct walk *w, json_t *g, const char *gid, const char *gtitle, int depth)
{
	if (depth > OSCAL_MAX_DEPTH)
		return fail(w, ERR_TOO_LARGE, "%s: groups nested more than %d deep", w->path,
			    OSCAL_MAX_DEPTH);
	if (!json_is_object(g))
		return fail(w, ERR_BAD_REQUEST, "%s must be an object", w->path);
	const char *id, *title;
	json_t *groups, *sub;
	size_t i;
	if (!opt_string(w, g, "id", &id) || !opt_string(w, g, "title", &title))
		return false;
	if (!title)
		return fail(w, ERR_BAD_REQUEST, "%s: a group without a title", w->path);
	if (!gtitle) { /* a top group names the family of everything below it */
		gid = upper(w->a, id);
		gtitle = arena_strdup(w->a, title);
		if (!gtitle)
			return fail(w, ERR_NOMEM, "out of memory");
	}
	if (!add_params(w, g) || !walk_controls(w, g, -1, gid, gtitle, depth + 1) ||
	    !opt_array(w, g, "groups", &groups))
		return false;
	json_array_foreach(groups, i, sub)
	{
		size_t old = path_push(w, "groups", i);
		if (!walk_group(w, sub, gid, gtitle, depth + 1))
			return false;
		w->path[old] = '\0';
	}
	return true;
}

static int param_cmp(const void *x, const void *y)
{
	return strcmp(((const struct param *)x)->id, ((const struct param *)y)->id);
}

static int control_id_cmp(const void *x, const void *y)
{
	return strcmp((*(const struct oscal_control *const *)x)->id,
		      (*(const struct oscal_control *const *)y)->id);
}

static void render_prose(struct walk *w, struct buf *b, const char *s, int depth);

/* A parameter where a statement inserts it. */
static void render_param(struct walk *w, struct buf *b, const char *id, size_t n, int depth)
{
	struct param key = { arena_strndup(w->a, id, n), NULL };
	struct param *p = key.id && w->nparams
				  ? bsearch(&key, w->params, w->nparams, sizeof(key), param_cmp)
				  : NULL;
	if (!p || depth >= INSERT_DEPTH) {
		buf_adds(b, "[Assignment: ");
		buf_add(b, id, n);
		buf_addc(b, ']');
		return;
	}
	json_t *values = json_object_get(p->p, "values"), *sel = json_object_get(p->p, "select");
	json_t *label = json_object_get(p->p, "label"), *v;
	size_t i;
	if (json_is_array(values) && json_array_size(values)) {
		json_array_foreach(values, i, v)
		{
			if (i)
				buf_adds(b, ", ");
			if (json_is_string(v))
				render_prose(w, b, json_string_value(v), depth + 1);
		}
		return;
	}
	if (json_is_object(sel)) {
		json_t *how = json_object_get(sel, "how-many");
		json_t *choices = json_object_get(sel, "choice");
		bool many = json_is_string(how) && strcmp(json_string_value(how), "one") != 0;
		buf_adds(b, many ? "[Selection (one or more): " : "[Selection: ");
		json_array_foreach(choices, i, v)
		{
			if (i)
				buf_adds(b, "; ");
			if (json_is_string(v))
				render_prose(w, b, json_string_value(v), depth + 1);
		}
		buf_addc(b, ']');
		return;
	}
	buf_adds(b, "[Assignment: ");
	if (json_is_string(label))
		render_prose(w, b, json_string_value(label), depth + 1);
	else
		buf_add(b, id, n);
	buf_addc(b, ']');
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Prose with every "{{ insert: param, ID }}" replaced by the parameter's text; any other
 * moustache is kept as written. */
static void render_prose(struct walk *w, struct buf *b, const char *s, int depth)
{
	for (;;) {
		const char *open = strstr(s, "{{");
		const char *close = open ? strstr(open + 2, "}}") : NULL;
		if (!close) {
			buf_adds(b, s);
			return;
		}
		buf_add(b, s, (size_t)(open - s));
		const char *p = skip_space(open + 2, close);
		bool done = false;
		if ((size_t)(close - p) > 7 && strncmp(p, "insert:", 7) == 0) {
			p = skip_space(p + 7, close);
			const char *comma = memchr(p, ',', (size_t)(close - p));
			if (comma && comma - p == 5 && strncmp(p, "param", 5) == 0) {
				const char *id = skip_space(comma + 1, close), *e = close;
				while (e > id && (e[-1] == ' ' || e[-1] == '\t'))
					e--;
				if (e > id) {
					render_param(w, b, id, (size_t)(e - id), depth);
					done = true;
				}
			}
		}
		if (!done)
			buf_add(b, open, (size_t)(close + 2 - open));
		s = close + 2;
	}
}

/* Prose inside a list item: later lines indented under the item's text. */
static void render_item_prose(struct walk *w, struct buf *b, const char *s, size_t indent)
{
	struct buf t;
	buf_init(&t, TEXT_CAP);
	render_prose(w, &t, s, 0);
	const char *p = t.len ? t.p : "";
	while (*p == ' ')
		p++;
	for (; *p; p++) {
		buf_addc(b, *p);
		if (*p == '\n')
			for (size_t k = 0; k < indent; k++)
				buf_addc(b, ' ');
	}
	if (buf_failed(&t))
		b->failed = true;
	buf_free(&t);
}

/* A part's children as a nested list: "- **a.** text", sub-items two spaces deeper. */
static bool render_items(struct walk *w, struct buf *b, json_t *parts, int level)
{
	json_t *p;
	size_t i;
	if (level > OSCAL_MAX_DEPTH)
		return fail(w, ERR_TOO_LARGE, "parts nested more than %d deep", OSCAL_MAX_DEPTH);
	json_array_foreach(parts, i, p)
	{
		if (!json_is_object(p))
			return fail(w, ERR_BAD_REQUEST, "%s: parts[%zu] must be an object", w->path,
				    i);
		const char *label, *prose;
		bool unused;
		json_t *sub;
		if (!read_props(w, p, &label, &unused) || !opt_string(w, p, "prose", &prose) ||
		    !opt_array(w, p, "parts", &sub))
			return false;
		for (int k = 0; k < level; k++)
			buf_adds(b, "  ");
		buf_adds(b, "- ");
		if (label) {
			buf_adds(b, "**");
			buf_adds(b, label);
			buf_adds(b, "** ");
		}
		if (prose)
			render_item_prose(w, b, prose, (size_t)level * 2 + 2);
		buf_addc(b, '\n');
		if (sub && !render_items(w, b, sub, level + 1))
			return false;
	}
	return true;
}

/* The text of the control's part named name: its prose, then its items as a list. */
static bool render_part(struct walk *w, json_t *parts, const char *name, const char **out)
{
	json_t *p;
	size_t i;
	struct buf b;
	buf_init(&b, TEXT_CAP);
	bool ok = true;
	json_array_foreach(parts, i, p)
	{
		const char *pname, *prose;
		json_t *sub;
		if (!json_is_object(p)) {
			ok = fail(w, ERR_BAD_REQUEST, "%s: parts[%zu] must be an object", w->path,
				  i);
			break;
		}
		if (!opt_string(w, p, "name", &pname) || !opt_string(w, p, "prose", &prose) ||
		    !opt_array(w, p, "parts", &sub)) {
			ok = false;
			break;
		}
		if (!pname || strcmp(pname, name) != 0)
			continue;
		if (b.len)
			buf_adds(&b, "\n\n");
		if (prose) {
			render_prose(w, &b, prose, 0);
			buf_adds(&b, sub ? "\n\n" : "");
		}
		if (sub && !(ok = render_items(w, &b, sub, 0)))
			break;
	}
	while (ok && b.len && b.p[b.len - 1] == '\n')
		b.len--;
	if (ok && buf_failed(&b))
		ok = fail(w, ERR_TOO_LARGE, "%s: the %s is longer than 1 MiB", w->path, name);
	*out = ok ? arena_strndup(w->a, b.len ? b.p : "", b.len) : NULL;
	if (ok && !*out)
		ok = fail(w, ERR_NOMEM, "out of memory");
	buf_free(&b);
	return ok;
}

static bool render_all(struct walk *w)
{
	struct oscal_catalog *cat = w->cat;
	if (w->nparams)
		qsort(w->params, w->nparams, sizeof(*w->params), param_cmp);
	for (size_t i = 0; i < cat->ncontrols; i++) {
		struct oscal_control *c = &cat->controls[i];
		json_t *parts = w->pend[i].parts;
		snprintf(w->path, sizeof(w->path), "control '%s'", c->id);
		if (!parts) {
			c->statement = c->guidance = "";
			continue;
		}
		if (!render_part(w, parts, "statement", &c->statement) ||
		    !render_part(w, parts, "guidance", &c->guidance))
			return false;
	}
	return true;
}

static bool check_unique(struct walk *w)
{
	struct oscal_catalog *cat = w->cat;
	if (cat->ncontrols < 2)
		return true;
	const struct oscal_control **by_id = arena_alloc_raw(w->a, cat->ncontrols * sizeof(*by_id));
	if (!by_id)
		return fail(w, ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < cat->ncontrols; i++)
		by_id[i] = &cat->controls[i];
	qsort(by_id, cat->ncontrols, sizeof(*by_id), control_id_cmp);
	for (size_t i = 1; i < cat->ncontrols; i++)
		if (strcmp(by_id[i - 1]->id, by_id[i]->id) == 0)
			return fail(w, ERR_BAD_REQUEST, "control id '%s' is used twice",
				    by_id[i]->id);
	return true;
}

/* The document's top level: a catalog, or a clear word on what it is instead. */
static bool walk_root(struct walk *w, json_t *root)
{
	static const char *const others[] = {
		"profile",	     "system-security-plan", "component-definition",
		"assessment-plan",   "assessment-results",   "plan-of-action-and-milestones",
		"mapping-collection"
	};
	if (!json_is_object(root))
		return fail(w, ERR_BAD_REQUEST,
			    "not an OSCAL catalog: the document is not a JSON "
			    "object");
	json_t *cat = json_object_get(root, "catalog");
	if (!cat) {
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
			if (json_object_get(root, others[i]))
				return fail(w, ERR_BAD_REQUEST, "not an OSCAL catalog but a %s%s",
					    others[i],
					    i == 0 ? " (import the catalog it resolves to)" : "");
		return fail(w, ERR_BAD_REQUEST, "not an OSCAL catalog: no \"catalog\" member");
	}
	snprintf(w->path, sizeof(w->path), "catalog");
	if (!json_is_object(cat))
		return fail(w, ERR_BAD_REQUEST, "catalog must be an object");
	json_t *meta = json_object_get(cat, "metadata"), *groups, *g;
	if (!json_is_object(meta))
		return fail(w, ERR_BAD_REQUEST, "catalog.metadata is missing or not an object");
	snprintf(w->path, sizeof(w->path), "catalog.metadata");
	const char *title, *version;
	if (!opt_string(w, meta, "title", &title) || !opt_string(w, meta, "version", &version))
		return false;
	if (!title || !*title)
		return fail(w, ERR_BAD_REQUEST, "catalog.metadata.title is missing");
	w->cat->title = arena_strdup(w->a, title);
	w->cat->version = version ? arena_strdup(w->a, version) : NULL;
	snprintf(w->path, sizeof(w->path), "catalog");
	size_t i;
	if (!add_params(w, cat) || !walk_controls(w, cat, -1, NULL, NULL, 0) ||
	    !opt_array(w, cat, "groups", &groups))
		return false;
	json_array_foreach(groups, i, g)
	{
		size_t old = path_push(w, "groups", i);
		if (!walk_group(w, g, NULL, NULL, 0))
			return false;
		w->path[old] = '\0';
	}
	return check_unique(w) && render_all(w);
}

enum err oscal_parse(struct arena *a, const char *data, size_t n, struct oscal_catalog *cat,
		     const char **why)
{
	memset(cat, 0, sizeof(*cat));
	*why = NULL;
	if (n > OSCAL_MAX_BYTES) {
		*why = "the file is larger than 64 MiB";
		return ERR_TOO_LARGE;
	}
	json_error_t jerr;
	json_t *root = json_loadb(data, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		*why = arena_printf(a, "not JSON: %s (line %d, column %d)", jerr.text, jerr.line,
				    jerr.column);
		if (!*why)
			*why = "not JSON";
		return ERR_BAD_REQUEST;
	}
	struct walk w = { .a = a, .cat = cat };
	walk_root(&w, root);
	json_decref(root);
	if (w.err) {
		*why = w.why ? w.why : "out of memory";
		memset(cat, 0, sizeof(*cat));
		return w.err;
	}
	if (!cat->title)
		return ERR_NOMEM;
	return ERR_OK;
}
