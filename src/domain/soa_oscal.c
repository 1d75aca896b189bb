/* soa_oscal.c - the Statement of Applicability as an OSCAL 1.1 component definition, so a GRC
 * tool or an auditor's pipeline can read it without Custos (no lock-in, issue 7 item 5).
 *
 * Why a component definition and not a system security plan (SSP): an SSP must describe one
 * system (system ids, the information types it handles, its authorisation boundary and status,
 * its users) and import a profile (a baseline as an OSCAL file, which ISO 27001 does not have).
 * Custos holds none of that for an ISMS, and inventing it would make the export claim what the
 * organisation never said. A component definition needs only what the SoA has: one component,
 * the organisation's ISMS, with one control implementation for the framework and an implemented
 * requirement per control. The SoA's own columns (applicability, reasons, implementation
 * status, counts) go in props under the Custos namespace below; the justification, the
 * organisation's own words, goes in the remarks; owners are parties in the metadata with the
 * role "control-owner".
 *
 * The namespace https://custos.example/ns/oscal is fixed: consumers key on it, so it must not
 * change between versions (docs/user-guide.md lists its prop names and values).
 *
 * UUIDs: the document itself is a new instance on every export (a random uuid, as OSCAL asks);
 * what it describes keeps its identity from one export to the next, so a tool can follow a
 * requirement across exports: version 5 UUIDs of names such as
 * "implemented-requirement/control/42" in the organisation's namespace. The names are part of
 * the format like the prop names: changing one changes that object's UUID everywhere. */
#include "domain/soa.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/crypto.h"
#include "util/timeutil.h"

#define NS	      "https://custos.example/ns/oscal"
#define OSCAL_VERSION "1.1.3" /* the schemas the tests validate against (../shared) */

/* The builder's sticky error: any failed jansson call (no memory, text that is not UTF-8)
 * spoils the document, which is then not written at all rather than written invalid. */
struct doc {
	struct arena *a;
	bool ok;
	unsigned char ns[16]; /* the namespace of the stable UUIDs */
	json_t *owners;	      /* party name ("party/person/7") -> uuid: one party per person */
	json_t *parties;
	json_t *used; /* requirement uuids so far, so that no two requirements share one */
};

static void set(struct doc *d, json_t *o, const char *k, json_t *v)
{
	if (!o || !v || json_object_set_new(o, k, v) != 0)
		d->ok = false;
}

static void push(struct doc *d, json_t *arr, json_t *v)
{
	if (!arr || !v || json_array_append_new(arr, v) != 0)
		d->ok = false;
}

/* The stable UUID of the object called name (see the top of this file). */
static const char *stable_uuid(struct doc *d, const char *name)
{
	char *u = arena_alloc(d->a, CRYPTO_UUID_LEN);
	if (!u || !name) {
		d->ok = false;
		return NULL;
	}
	crypto_uuid5(d->ns, name, strlen(name), u);
	return u;
}

static json_t *stable_json(struct doc *d, const char *name)
{
	const char *u = stable_uuid(d, name);
	return u ? json_string(u) : NULL;
}

/* OSCAL's string type (StringDatatype) has no leading or trailing white space and no line
 * breaks: names and prop values are folded onto one line. NULL when nothing is left. */
static const char *one_line(struct doc *d, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *t = arena_alloc(d->a, n + 1);
	if (!t) {
		d->ok = false;
		return NULL;
	}
	size_t o = 0;
	bool space = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' ||
		    ch == '\v') {
			space = o > 0;
			continue;
		}
		if (space)
			t[o++] = ' ';
		space = false;
		t[o++] = (char)ch;
	}
	t[o] = '\0';
	return o ? t : NULL;
}

/* A control identifier as an OSCAL token (an XML NCName: a letter or _ first, then letters,
 * digits, . - _), in the lower-case form OSCAL catalogues use: NIST's "AC-2(1)" becomes
 * "ac-2.1", as in NIST's own OSCAL catalogue. ISO 27001:2022 numbers its Annex A controls
 * "5.1": a token cannot start with a digit, so they become "a.5.1" (Annex A, as the 2013
 * edition writes "A.5.1.1"); any other framework's leading digit gets "_". The identifier as
 * the catalogue writes it stays in the prop "control-label". */
static const char *control_token(struct arena *a, const char *framework, const char *id)
{
	size_t n = id ? strlen(id) : 0;
	char *t = arena_alloc(a, n + 3);
	if (!t)
		return NULL;
	size_t o = 0;
	if (!n ||
	    !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') || id[0] == '_')) {
		if (framework && strncmp(framework, "iso27001", 8) == 0 && n && id[0] >= '0' &&
		    id[0] <= '9') {
			t[o++] = 'a';
			t[o++] = '.';
		} else {
			t[o++] = '_';
		}
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)id[i];
		if (ch >= 'A' && ch <= 'Z')
			t[o++] = (char)(ch - 'A' + 'a');
		else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
			 ch == '-' || ch == '_')
			t[o++] = (char)ch;
		else if (ch == '(' && o && t[o - 1] != '.')
			t[o++] = '.';
		else if (ch != ')' && ch != '(' && o && t[o - 1] != '-')
			t[o++] = '-'; /* spaces and anything else a token cannot hold */
	}
	t[o] = '\0';
	return t;
}

/* A prop in the Custos namespace; skipped when the value is empty. */
static void prop(struct doc *d, json_t *props, const char *name, const char *value)
{
	const char *v = one_line(d, value);
	if (v)
		push(d, props, json_pack("{s:s,s:s,s:s}", "name", name, "ns", NS, "value", v));
}

static void prop_int(struct doc *d, json_t *props, const char *name, int64_t v)
{
	prop(d, props, name, arena_printf(d->a, "%lld", (long long)v));
}

/* The party uuid of a control's owner, adding the person to the metadata's parties the first
 * time: keyed by their person record (two people may share a name); by the name only where
 * the row has no record id. */
static const char *owner_party(struct doc *d, const struct soa_row *r)
{
	const char *n = one_line(d, r->owner);
	if (!n)
		return NULL;
	const char *key = r->owner_id
				  ? arena_printf(d->a, "party/person/%lld", (long long)r->owner_id)
				  : arena_printf(d->a, "party/person-name/%s", n);
	if (!key) {
		d->ok = false;
		return NULL;
	}
	const char *u = json_string_value(json_object_get(d->owners, key));
	if (u)
		return u;
	u = stable_uuid(d, key);
	if (!u)
		return NULL;
	set(d, d->owners, key, json_string(u));
	push(d, d->parties, json_pack("{s:s,s:s,s:s}", "uuid", u, "type", "person", "name", n));
	return u;
}

/* A requirement is the organisation's control record; a control not assessed yet has none and
 * is named by its framework and identifier. Rows without real record ids (a frozen copy: see
 * soa.h) could repeat a name: a repeat gets its row number, so uuids stay unique. */
static json_t *requirement_uuid(struct doc *d, const struct soa *s, const struct soa_row *r)
{
	const char *name = r->control ? arena_printf(d->a, "implemented-requirement/control/%lld",
						     (long long)r->control)
				      : NULL;
	const char *u = name ? stable_uuid(d, name) : NULL;
	if (!u || json_object_get(d->used, u)) {
		name = arena_printf(d->a, "implemented-requirement/%s/%s", s->framework_code,
				    r->control_id ? r->control_id : "");
		u = stable_uuid(d, name);
	}
	if (u && json_object_get(d->used, u))
		u = stable_uuid(d, arena_printf(d->a, "%s/%lld", name, (long long)(r - s->rows)));
	if (!u)
		return NULL;
	set(d, d->used, u, json_true());
	return json_string(u);
}

static const char *const reason_props[4] = { "risks", "legal", "contract", "business" };

static json_t *requirement(struct doc *d, const struct soa *s, const struct soa_row *r)
{
	json_t *req = json_object();
	set(d, req, "uuid", requirement_uuid(d, s, r));
	set(d, req, "control-id",
	    json_string(control_token(d->a, s->framework_code, r->control_id)));
	const char *applicability = !r->control	    ? "not-assessed"
				    : r->applicable ? "applicable"
						    : "not-applicable";
	/* the description says in words what the props say in values, for a reader without
	 * Custos's vocabulary */
	const char *status = !r->control || !r->status		    ? NULL
			     : !strcmp(r->status, "not_started")    ? "not started"
			     : !strcmp(r->status, "partial")	    ? "partly implemented"
			     : !strcmp(r->status, "not_applicable") ? "not applicable"
								    : r->status;
	set(d, req, "description",
	    json_string(arena_printf(d->a, "%s %s: %s%s%s.", r->control_id ? r->control_id : "",
				     r->title ? r->title : "",
				     !r->control     ? "not assessed yet"
				     : r->applicable ? "applicable"
						     : "excluded",
				     status ? "; " : "", status ? status : "")));
	json_t *props = json_array();
	prop(d, props, "control-label", r->control_id);
	prop(d, props, "control-title", r->title);
	prop(d, props, "group-id", r->group_id);
	prop(d, props, "group-title", r->group_title);
	prop(d, props, "applicability", applicability);
	if (r->control)
		prop(d, props, "implementation-status", r->status);
	const bool reasons[4] = { r->reason_risk, r->reason_legal, r->reason_contract,
				  r->reason_business };
	for (int k = 0; k < 4; k++)
		if (reasons[k])
			prop(d, props, "inclusion-reason", reason_props[k]);
	prop_int(d, props, "risk-count", r->risks);
	prop_int(d, props, "evidence-count", r->evidence);
	prop_int(d, props, "evidence-expired-count", r->evidence_expired);
	set(d, req, "props", props);
	const char *party = owner_party(d, r);
	if (party)
		set(d, req, "responsible-roles",
		    json_pack("[{s:s,s:[s]}]", "role-id", "control-owner", "party-uuids", party));
	/* remarks are OSCAL markup (Markdown in JSON): the justification goes in unchanged; JSON
	 * escaping is jansson's, so quotes, line breaks and markup survive as they were typed */
	if (r->justification && *r->justification)
		set(d, req, "remarks", json_string(r->justification));
	return req;
}

enum err soa_to_oscal(struct arena *a, const struct soa *s, const char *as_of, const char *org_name,
		      const char *org_uuid, struct buf *out)
{
	struct doc d = { .a = a,
			 .ok = true,
			 .owners = json_object(),
			 .parties = json_array(),
			 .used = json_object() };
	if (!crypto_uuid_parse(org_uuid, d.ns) &&
	    !crypto_uuid_parse(SOA_OSCAL_DEFAULT_NAMESPACE, d.ns))
		d.ok = false;
	const char *org = one_line(&d, org_name);
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	char doc_uuid[CRYPTO_UUID_LEN];
	crypto_uuid4(doc_uuid);
	const char *resource =
		stable_uuid(&d, arena_printf(a, "resource/framework/%s", s->framework_code));
	if (!resource)
		resource = doc_uuid; /* d.ok is false: nothing is written */

	json_t *meta = json_object();
	set(&d, meta, "title",
	    json_string(arena_printf(a, "Statement of Applicability: %s%s%s", s->framework_name,
				     org ? " - " : "", org ? org : "")));
	set(&d, meta, "last-modified", json_string(now));
	/* the SoA is a state as of a day: that day is its version */
	set(&d, meta, "version", json_string(as_of));
	set(&d, meta, "oscal-version", json_string(OSCAL_VERSION));
	json_t *mprops = json_array();
	prop(&d, mprops, "framework-code", s->framework_code);
	prop(&d, mprops, "as-of", as_of);
	set(&d, meta, "props", mprops);
	set(&d, meta, "roles",
	    json_pack("[{s:s,s:s,s:s}]", "id", "control-owner", "title", "Control owner",
		      "description", "Answers for the implementation of a control."));
	if (org)
		push(&d, d.parties,
		     json_pack("{s:o,s:s,s:s}", "uuid", stable_json(&d, "party/organisation"),
			       "type", "organization", "name", org));

	json_t *reqs = json_array();
	for (size_t i = 0; i < s->n && d.ok; i++)
		push(&d, reqs, requirement(&d, s, &s->rows[i]));
	if (json_array_size(d.parties))
		set(&d, meta, "parties", json_incref(d.parties));

	json_t *impl = json_object();
	set(&d, impl, "uuid",
	    stable_json(&d, arena_printf(a, "control-implementation/%s", s->framework_code)));
	set(&d, impl, "source", json_string(arena_printf(a, "#%s", resource)));
	set(&d, impl, "description",
	    json_string(arena_printf(
		    a,
		    "Statement of Applicability (ISO/IEC 27001 6.1.3 d) for %s as of %s: every "
		    "control of the framework, whether it applies, why, and how far it is "
		    "implemented.",
		    s->framework_name, as_of)));
	json_t *comp = json_object();
	/* one ISMS whatever the framework: the same component in every SoA of the organisation */
	set(&d, comp, "uuid", stable_json(&d, "component/isms"));
	/* an ISMS is a set of processes and procedures, the closest of OSCAL's component types */
	set(&d, comp, "type", json_string("process-procedure"));
	set(&d, comp, "title",
	    json_string(org ? arena_printf(a, "Information security management system of %s", org)
			    : "Information security management system"));
	set(&d, comp, "description",
	    json_string("The organisation's information security management system (ISO/IEC "
			"27001), which selects and implements the controls listed here."));
	/* the schema wants at least one requirement: a framework without controls has no
	 * control implementation at all */
	if (json_array_size(reqs)) {
		set(&d, impl, "implemented-requirements", json_incref(reqs));
		set(&d, comp, "control-implementations", json_pack("[O]", impl));
	}
	json_decref(reqs);

	json_t *res =
		json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s}]}", "uuid", resource, "title",
			  s->framework_name, "description",
			  "The control catalogue the Statement of Applicability follows, as "
			  "loaded into Custos.",
			  "props", "name", "framework-code", "ns", NS, "value", s->framework_code);
	json_t *root =
		json_pack("{s:{s:s,s:O,s:[O],s:{s:[o]}}}", "component-definition", "uuid", doc_uuid,
			  "metadata", meta, "components", comp, "back-matter", "resources", res);
	json_decref(meta);
	json_decref(comp);
	json_decref(impl);
	json_decref(d.owners);
	json_decref(d.parties);
	json_decref(d.used);
	if (!root)
		d.ok = false;
	char *text = d.ok ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!text)
		return d.ok ? ERR_NOMEM : ERR_INVALID;
	buf_adds(out, text);
	buf_addc(out, '\n');
	free(text);
	return buf_failed(out) ? ERR_TOO_LARGE : ERR_OK;
}
