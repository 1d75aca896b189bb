/* model.c - generic field logic: JSON in, validation, JSON out. Knows no entity by name. */
#include "core/model.h"

#include <assert.h>

#include <stdio.h>
#include <string.h>

#include "util/str.h"
#include "util/timeutil.h"

const struct field model_system_fields[] = {
	{ .name = "id", .label = "ID", .type = FT_INT, .flags = FF_READONLY },
	{ .name = "version", .label = "Version", .type = FT_INT, .flags = FF_READONLY },
	{ .name = "created_at", .label = "Created", .type = FT_TIMESTAMP, .flags = FF_READONLY },
	{ .name = "updated_at", .label = "Updated", .type = FT_TIMESTAMP, .flags = FF_READONLY },
};
const size_t model_system_nfields = sizeof(model_system_fields) / sizeof(model_system_fields[0]);

static const struct entity *const *registry;
static size_t registry_n;

void model_registry_set(const struct entity *const *list, size_t n)
{
	registry = list;
	registry_n = n;
}

size_t model_registry_count(void)
{
	return registry_n;
}

const struct entity *model_registry_at(size_t i)
{
	return i < registry_n ? registry[i] : NULL;
}

/* Whether state is a value of the workflow's state field. */
static bool is_state(const struct entity *e, const struct field *sf, const char *state)
{
	(void)e;
	for (const struct choice *c = sf->choices; c && c->value; c++)
		if (strcmp(c->value, state) == 0)
			return true;
	return false;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			snprintf(why, wn, __VA_ARGS__);                                            \
			return false;                                                              \
		}                                                                                  \
	} while (0)

/* Every name one register's declaration uses must resolve. */
static bool check_entity(const struct entity *e, char *why, size_t wn)
{
	CHECK(e->name && e->plural && e->fields && e->nfields,
	      "a register without a name or fields");
	CHECK(!e->label_field || model_field(e, e->label_field), "%s: label_field %s is no field",
	      e->name, e->label_field);
	CHECK(!e->label_prefix || model_field(e, e->label_prefix),
	      "%s: label_prefix %s is no field", e->name, e->label_prefix);
	CHECK(!e->own_column || !strcmp(e->own_column, "id") || model_field(e, e->own_column),
	      "%s: own_column %s is no field", e->name, e->own_column);
	CHECK(!e->dept_column || model_field(e, e->dept_column), "%s: dept_column %s is no field",
	      e->name, e->dept_column);
	const struct field *pf = e->parent ? model_field(e, e->parent) : NULL;
	CHECK(!e->parent || (pf && pf->type == FT_REF && (pf->flags & FF_FIXED)),
	      "%s: parent %s is no fixed reference field", e->name, e->parent);
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		CHECK(f->name, "%s: field %zu has no name", e->name, i);
		const struct field *via = f->follows ? model_field(e, f->follows) : NULL;
		const struct entity *from =
			via && via->type == FT_REF ? model_entity(via->ref) : NULL;
		CHECK(!f->follows ||
			      (from && model_field(from, f->name) && (f->flags & FF_READONLY)),
		      "%s.%s follows %s, which names no record with a field %s (or it is not "
		      "read-only)",
		      e->name, f->name, f->follows, f->name);
		CHECK(!(f->flags & (FF_CREATE_TIME | FF_PER_STEP)) || (f->flags & FF_READONLY),
		      "%s.%s is set by Custos: declare it read-only", e->name, f->name);
		CHECK(!(f->flags & FF_CREATE_TIME) || f->type == FT_TIMESTAMP,
		      "%s.%s: a creation time is a timestamp", e->name, f->name);
		CHECK(f->type != FT_REF || (f->ref && model_entity(f->ref)),
		      "%s.%s refers to %s, which is no register", e->name, f->name,
		      f->ref ? f->ref : "nothing");
		CHECK(f->type != FT_ENUM || (f->choices && f->choices[0].value),
		      "%s.%s is a choice without choices", e->name, f->name);
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(e->fields[k].name, f->name), "%s.%s is declared twice",
			      e->name, f->name);
	}
	const struct workflow *w = e->workflow;
	if (!w)
		return true;
	const struct field *sf = model_field(e, w->state_field);
	CHECK(sf && sf->type == FT_ENUM && (sf->flags & FF_READONLY),
	      "%s: the workflow's state field %s is no read-only choice field", e->name,
	      w->state_field);
	for (size_t k = 0; k < w->nsteps; k++) {
		const struct step *st = &w->steps[k];
		CHECK(st->name && st->to && is_state(e, sf, st->to),
		      "%s: step %s leads to no state", e->name, st->name ? st->name : "?");
		for (const char *const *p = st->from; p && *p; p++)
			CHECK(is_state(e, sf, *p), "%s: step %s starts from %s, no state", e->name,
			      st->name, *p);
		for (const char *const *p = st->inputs; p && *p; p++)
			CHECK(model_field(e, *p), "%s: step %s takes %s, no field", e->name,
			      st->name, *p);
	}
	return true;
}

bool model_registry_check(char *why, size_t wn)
{
	for (size_t i = 0; i < registry_n; i++) {
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(registry[k]->name, registry[i]->name) &&
				      strcmp(registry[k]->plural, registry[i]->plural),
			      "%s is declared twice", registry[i]->name);
		if (!check_entity(registry[i], why, wn))
			return false;
	}
	return true;
}

#undef CHECK

size_t model_registry_order(const struct entity **out, size_t cap)
{
	size_t n = registry_n;
	assert(n <= 64); /* the reachability sets are 64-bit words */
	if (n > cap || n > 64)
		return 0;
	/* which registers each one reaches through its references, transitively */
	uint64_t reach[64] = { 0 }, need[64] = { 0 };
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < registry[i]->nfields; k++) {
			const struct field *f = &registry[i]->fields[k];
			const struct entity *t = f->type == FT_REF ? model_entity(f->ref) : NULL;
			for (size_t j = 0; t && j < n; j++)
				if (registry[j] == t && j != i) {
					reach[i] |= 1ull << j;
					if (f->flags & FF_REQUIRED)
						need[i] |= 1ull << j;
				}
		}
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < n; i++)
			if (reach[i] & (1ull << k))
				reach[i] |= reach[k];
	/* a register comes after everything it reaches; within a cycle (a department's head is
	 * a person of a department) after what it requires, so each row can be written in turn */
	uint64_t done = 0;
	size_t m = 0;
	while (m < n) {
		size_t before = m;
		for (size_t i = 0; i < n; i++) {
			if (done & (1ull << i))
				continue;
			uint64_t cycle = 0;
			for (size_t j = 0; j < n; j++)
				if ((reach[i] & (1ull << j)) && (reach[j] & (1ull << i)))
					cycle |= 1ull << j;
			uint64_t wait = (reach[i] & ~cycle) | (need[i] & cycle);
			if ((wait & ~done) == 0) {
				done |= 1ull << i;
				out[m++] = registry[i];
				break; /* restart: keep the declared order wherever it is free */
			}
		}
		if (m == before)
			return 0; /* required references in a cycle: no order can write them */
	}
	return m;
}

const struct entity *model_entity(const char *name)
{
	for (size_t i = 0; i < registry_n; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const struct entity *model_entity_by_plural(const char *plural)
{
	for (size_t i = 0; i < registry_n; i++)
		if (strcmp(registry[i]->plural, plural) == 0)
			return registry[i];
	return NULL;
}

int model_field_index(const struct entity *e, const char *name)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct field *model_field(const struct entity *e, const char *name)
{
	int i = model_field_index(e, name);
	if (i >= 0)
		return &e->fields[i];
	for (size_t j = 0; j < model_system_nfields; j++)
		if (strcmp(model_system_fields[j].name, name) == 0)
			return &model_system_fields[j];
	return NULL;
}

bool model_has_files(const struct entity *e)
{
	for (size_t i = 0; e && i < e->nfields; i++)
		if (e->fields[i].type == FT_FILE)
			return true;
	return false;
}

bool model_field_filterable(const struct field *f)
{
	return f->type != FT_LONGTEXT && f->type != FT_MARKDOWN && f->type != FT_FILE;
}

const struct choice *model_choice(const struct field *f, const char *value)
{
	if (!f->choices || !value)
		return NULL;
	for (const struct choice *c = f->choices; c->value; c++)
		if (strcmp(c->value, value) == 0)
			return c;
	return NULL;
}

const char *model_type_name(enum field_type t)
{
	static const char *const names[] = {
		[FT_TEXT] = "text",	[FT_LONGTEXT] = "longtext",   [FT_MARKDOWN] = "markdown",
		[FT_EMAIL] = "email",	[FT_INT] = "integer",	      [FT_BOOL] = "boolean",
		[FT_DATE] = "date",	[FT_TIMESTAMP] = "timestamp", [FT_ENUM] = "enum",
		[FT_REF] = "reference", [FT_FILE] = "file",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

int64_t model_max_len(const struct field *f)
{
	if (f->max)
		return f->max;
	switch (f->type) {
	case FT_TEXT:
		return 200;
	case FT_EMAIL:
		return 254;
	case FT_LONGTEXT:
	case FT_MARKDOWN:
		return 20000;
	default:
		return 64;
	}
}

void model_int_range(const struct field *f, int64_t *min, int64_t *max)
{
	if (f->min || f->max) {
		*min = f->min;
		*max = f->max;
	} else {
		*min = INT64_MIN;
		*max = INT64_MAX;
	}
}

const struct value *model_get(const struct record *r, const char *name)
{
	int i = model_field_index(r->e, name);
	return i < 0 ? NULL : &r->v[i];
}

const char *model_text(const struct record *rec, const char *name)
{
	const struct value *v = model_get(rec, name);
	return v && v->set && !v->null ? v->s : NULL;
}

int64_t model_int(const struct record *rec, const char *name)
{
	const struct value *v = model_get(rec, name);
	return v && v->set && !v->null ? v->i : 0;
}

void model_set_text(struct record *rec, const char *name, const char *s)
{
	int i = model_field_index(rec->e, name);
	if (i >= 0)
		rec->v[i] =
			(struct value){ .set = true, .s = s, .n = s ? strlen(s) : 0, .null = !s };
}

void model_set_int(struct record *rec, const char *name, int64_t v)
{
	int i = model_field_index(rec->e, name);
	if (i >= 0)
		rec->v[i] = (struct value){ .set = true, .i = v };
}

/* The index of field f in r's register; f must be an entry of that register's field table
 * (a handle such as &incident_fields[INC_ROOT_CAUSE]), which the assert holds to. */
static size_t slot(const struct record *r, const struct field *f)
{
	uintptr_t base = (uintptr_t)r->e->fields, at = (uintptr_t)f;
	size_t i = (at - base) / sizeof(*f);
	assert(at >= base && i < r->e->nfields && &r->e->fields[i] == f);
	return i;
}

const struct value *rec_get(const struct record *r, const struct field *f)
{
	return &r->v[slot(r, f)];
}

bool rec_has(const struct record *r, const struct field *f)
{
	const struct value *v = rec_get(r, f);
	return v->set && !v->null;
}

const char *rec_text(const struct record *r, const struct field *f)
{
	const struct value *v = rec_get(r, f);
	return v->set && !v->null ? v->s : NULL;
}

int64_t rec_int(const struct record *r, const struct field *f)
{
	const struct value *v = rec_get(r, f);
	return v->set && !v->null ? v->i : 0;
}

void rec_set_text(struct record *r, const struct field *f, const char *s)
{
	r->v[slot(r, f)] =
		(struct value){ .set = true, .s = s, .n = s ? strlen(s) : 0, .null = !s };
}

void rec_set_int(struct record *r, const struct field *f, int64_t v)
{
	r->v[slot(r, f)] = (struct value){ .set = true, .i = v };
}

void rec_set_null(struct record *r, const struct field *f)
{
	r->v[slot(r, f)] = (struct value){ .set = true, .null = true };
}

void rec_copy(struct record *to, const struct record *from, const struct field *f)
{
	to->v[slot(to, f)] = from->v[slot(from, f)];
}

struct record *model_record_new(struct arena *a, const struct entity *e)
{
	assert(e && e->fields && e->nfields > 0);
	struct record *r = arena_alloc(a, sizeof(*r));
	if (!r)
		return NULL;
	r->e = e;
	r->v = arena_alloc(a, sizeof(struct value) * (e->nfields ? e->nfields : 1));
	return r->v ? r : NULL;
}

void verrors_add(struct verrors *ve, const char *field, const char *message)
{
	for (size_t i = 0; i < ve->n; i++)
		if (ve->items[i].field && field && strcmp(ve->items[i].field, field) == 0)
			return; /* one message per field is enough and keeps answers short */
	if (ve->n < VERRORS_MAX) {
		ve->items[ve->n].field = field;
		ve->items[ve->n].message = message;
		ve->n++;
	}
}

static bool email_ok(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (!at || at == s || at == s + n - 1)
		return false;
	if (memchr(at + 1, '@', (size_t)(s + n - at - 1)))
		return false;
	const char *dot = memchr(at + 1, '.', (size_t)(s + n - at - 1));
	if (!dot || dot == at + 1 || dot == s + n - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' ||
		    c == '\\')
			return false;
	}
	return true;
}

/* C0 controls (but tab, and newlines in several-line text), DEL, C1 controls (U+0080-U+009F,
 * which include NEL and CSI), and in one-line text the line and paragraph separators. */
static bool has_control(const char *s, size_t n, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\r')) && c != '\t')
			return true;
		if (c == 0x7f)
			return true;
		if (c == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
			return true;
		if (!multiline && c == 0xE2 && i + 2 < n && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xA8 || p[i + 2] == 0xA9))
			return true;
	}
	return false;
}

bool model_parse_text(struct arena *a, const struct field *f, const char *s, size_t n,
		      struct value *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	out->set = true;
	if (!str_valid_utf8(s, n)) {
		*why = "is not valid UTF-8";
		return false;
	}
	switch (f->type) {
	case FT_INT:
	case FT_REF:
		if (!str_to_i64(s, n, &out->i)) {
			*why = f->type == FT_REF ? "must be the id of a record"
						 : "must be a whole number";
			return false;
		}
		return true;
	case FT_BOOL:
		if (n == 4 && memcmp(s, "true", 4) == 0)
			out->i = 1;
		else if (n == 5 && memcmp(s, "false", 5) == 0)
			out->i = 0;
		else {
			*why = "must be true or false";
			return false;
		}
		return true;
	case FT_DATE: {
		int64_t t;
		if (!time_parse_date(s, n, &t)) {
			*why = "must be a valid date (YYYY-MM-DD)";
			return false;
		}
		out->s = arena_strndup(a, s, n);
		out->n = n;
		return out->s != NULL;
	}
	case FT_FILE:
		*why = "is set by uploading a file, not as text";
		return false;
	case FT_TIMESTAMP: {
		int64_t t;
		if (!time_parse_iso(s, n, &t)) {
			*why = "must be a valid timestamp (RFC 3339, e.g. 2026-01-31T09:00:00Z)";
			return false;
		}
		char *iso = arena_alloc(a, TIME_ISO_LEN);
		if (!iso)
			return false;
		time_format_iso(t, iso);
		out->s = iso;
		out->n = strlen(iso);
		return true;
	}
	default:
		out->s = arena_strndup(a, s, n);
		out->n = n;
		return out->s != NULL;
	}
}

static void from_json_value(struct arena *a, const struct field *f, json_t *j, struct value *v,
			    struct verrors *ve)
{
	const char *why = NULL;
	memset(v, 0, sizeof(*v));
	v->set = true;
	if (json_is_null(j)) {
		v->null = true;
		return;
	}
	switch (f->type) {
	case FT_INT:
	case FT_REF:
		if (!json_is_integer(j)) {
			verrors_add(ve, f->name,
				    f->type == FT_REF ? "must be the id (a number) of a record"
						      : "must be a whole number");
			return;
		}
		v->i = json_integer_value(j);
		return;
	case FT_BOOL:
		if (!json_is_boolean(j)) {
			verrors_add(ve, f->name, "must be true or false");
			return;
		}
		v->i = json_is_true(j);
		return;
	default:
		if (!json_is_string(j)) {
			verrors_add(ve, f->name, "must be a string");
			return;
		}
		if (!model_parse_text(a, f, json_string_value(j), json_string_length(j), v, &why))
			verrors_add(ve, f->name, why ? why : "is not valid");
	}
}

void model_from_json(struct arena *a, const struct entity *e, json_t *obj, struct record *rec,
		     struct verrors *ve)
{
	const char *key;
	json_t *val;
	if (!json_is_object(obj)) {
		verrors_add(ve, NULL, "the body must be a JSON object");
		return;
	}
	json_object_foreach(obj, key, val)
	{
		int i = model_field_index(e, key);
		if (i < 0) {
			const struct field *sys = model_field(e, key);
			const char *k = arena_strdup(a, key);
			verrors_add(ve, k ? k : "?",
				    sys ? "is set by the system and cannot be written"
					: "is not a field of this record");
			continue;
		}
		const struct field *f = &e->fields[i];
		if (f->flags & FF_READONLY) {
			verrors_add(
				ve, f->name,
				f->type == FT_FILE
					? "is a file: upload it with PUT /api/v1/{register}/{id}"
					  "/files/{field}"
					: "is computed and cannot be written");
			continue;
		}
		size_t before = ve->n;
		from_json_value(a, f, val, &rec->v[i], ve);
		if (ve->n != before)
			rec->v[i].set = false; /* reported; validation must not look at it again */
	}
}

/* only: check just the step's inputs that are set (read-only fields a step may write). */
static void validate(struct arena *a, const struct record *r, const struct step *only,
		     struct verrors *ve)
{
	const struct entity *e = r->e;
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		const struct value *v = &r->v[i];
		if (only ? !v->set || !model_step_input(only, f->name) : (f->flags & FF_READONLY))
			continue;
		bool empty = !v->set || v->null ||
			     (v->s && f->type != FT_INT && f->type != FT_BOOL &&
			      f->type != FT_REF && v->n == 0);
		if (empty) {
			/* a field that is the acting user is empty only for an account with no
			 * person: say so, rather than ask for what the user cannot give */
			if (f->flags & FF_REQUIRED)
				verrors_add(ve, f->name,
					    f->flags & FF_SELF
						    ? "is you, but your account is not linked to a "
						      "person in the people register: ask an "
						      "administrator to link it"
						    : "is required");
			continue;
		}
		switch (f->type) {
		case FT_TEXT:
		case FT_EMAIL:
		case FT_LONGTEXT:
		case FT_MARKDOWN: {
			size_t chars = str_utf8_len(v->s, v->n);
			if ((int64_t)chars > model_max_len(f)) {
				const char *m = arena_printf(a, "must be at most %lld characters",
							     (long long)model_max_len(f));
				verrors_add(ve, f->name, m ? m : "is too long");
			} else if (f->min && (int64_t)chars < f->min) {
				const char *m = arena_printf(a, "must be at least %lld characters",
							     (long long)f->min);
				verrors_add(ve, f->name, m ? m : "is too short");
			} else if (has_control(v->s, v->n,
					       f->type != FT_TEXT && f->type != FT_EMAIL)) {
				verrors_add(ve, f->name, "contains control characters");
			} else if (f->type == FT_EMAIL && !email_ok(v->s, v->n)) {
				verrors_add(ve, f->name, "must be an e-mail address");
			} else if ((f->type == FT_TEXT || f->type == FT_EMAIL) && v->n &&
				   (v->s[0] == ' ' || v->s[v->n - 1] == ' ')) {
				verrors_add(ve, f->name, "must not start or end with a space");
			}
			break;
		}
		case FT_ENUM:
			if (!model_choice(f, v->s)) {
				size_t len = 32;
				for (const struct choice *c = f->choices; c && c->value; c++)
					len += strlen(c->value) + 2;
				char *m = arena_alloc(a, len);
				if (m) {
					size_t o = 0;
					memcpy(m, "must be one of: ", 16);
					o = 16;
					for (const struct choice *c = f->choices; c && c->value;
					     c++) {
						size_t cl = strlen(c->value);
						if (o + cl + 3 > len)
							break;
						if (c != f->choices) {
							m[o++] = ',';
							m[o++] = ' ';
						}
						memcpy(m + o, c->value, cl);
						o += cl;
					}
					m[o] = '\0';
				}
				verrors_add(ve, f->name,
					    m ? m : "is not one of the allowed values");
			}
			break;
		case FT_INT: {
			if (f->choices) {
				char num[24];
				snprintf(num, sizeof(num), "%lld", (long long)v->i);
				if (!model_choice(f, num)) {
					const struct choice *first = f->choices, *last = f->choices;
					while (last[1].value)
						last++;
					const char *m =
						arena_printf(a, "must be a level from %s to %s",
							     first->value, last->value);
					verrors_add(ve, f->name, m ? m : "is not an allowed level");
				}
				break;
			}
			int64_t min, max;
			model_int_range(f, &min, &max);
			if (v->i < min || v->i > max) {
				const char *m = arena_printf(a, "must be between %lld and %lld",
							     (long long)min, (long long)max);
				verrors_add(ve, f->name, m ? m : "is out of range");
			}
			break;
		}
		case FT_REF:
			if (v->i <= 0)
				verrors_add(ve, f->name, "must be the id of a record");
			break;
		default:
			break;
		}
	}
	if (!only && e->check && ve->n == 0)
		e->check(r, a, ve);
}

void model_validate(struct arena *a, const struct record *r, struct verrors *ve)
{
	validate(a, r, NULL, ve);
}

void model_validate_inputs(struct arena *a, const struct record *inputs, const struct step *st,
			   struct verrors *ve)
{
	validate(a, inputs, st, ve);
}

json_t *model_value_json(const struct field *f, const struct value *v)
{
	if (!v->set || v->null)
		return json_null();
	switch (f->type) {
	case FT_INT:
	case FT_REF:
		return json_integer(v->i);
	case FT_BOOL:
		return json_boolean(v->i);
	case FT_FILE: {
		/* the descriptor is our own JSON text; it reads as an object */
		json_t *o = v->s ? json_loadb(v->s, v->n, 0, NULL) : NULL;
		return o ? o : json_stringn(v->s ? v->s : "", v->n);
	}
	default:
		return json_stringn(v->s ? v->s : "", v->n);
	}
}

const char *model_frozen(const struct record *rec)
{
	const struct workflow *w = rec->e->workflow;
	const struct value *v = w ? model_get(rec, w->state_field) : NULL;
	if (!v || !v->set || v->null || !v->s)
		return NULL;
	for (const char *const *f = rec->e->frozen_states; f && *f; f++)
		if (strcmp(*f, v->s) == 0)
			return *f;
	return NULL;
}

const struct step *model_step(const struct entity *e, const char *name)
{
	const struct workflow *w = e->workflow;
	for (size_t i = 0; w && name && i < w->nsteps; i++)
		if (strcmp(w->steps[i].name, name) == 0)
			return &w->steps[i];
	return NULL;
}

bool model_step_from(const struct step *st, const struct record *rec)
{
	const struct workflow *w = rec->e->workflow;
	const struct value *v = w ? model_get(rec, w->state_field) : NULL;
	for (const char *const *p = st->from; v && p && *p; p++)
		if (v->set && !v->null && v->s && strcmp(v->s, *p) == 0)
			return true;
	return false;
}

bool model_step_input(const struct step *st, const char *name)
{
	for (const char *const *p = st->inputs; p && *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

void model_step_from_json(struct arena *a, const struct entity *e, const struct step *st,
			  json_t *obj, struct record *rec, struct verrors *ve)
{
	const char *key;
	json_t *val;
	if (!obj)
		return;
	json_object_foreach(obj, key, val)
	{
		int i = model_field_index(e, key);
		if (i < 0 || !model_step_input(st, key)) {
			const char *k = arena_strdup(a, key);
			verrors_add(ve, k ? k : "?", "is not given with this step");
			continue;
		}
		size_t before = ve->n;
		from_json_value(a, &e->fields[i], val, &rec->v[i], ve);
		if (ve->n != before)
			rec->v[i].set = false;
	}
}

const char *model_reference(struct arena *a, const struct entity *e, int64_t id)
{
	return e->id_prefix ? arena_printf(a, "%s%05lld", e->id_prefix, (long long)id) : NULL;
}
