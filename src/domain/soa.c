/* soa.c - building the Statement of Applicability with one query over the catalogue and the
 * organisation's controls, evidence and linked risks. */
#include "domain/soa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/domain.h"
#include "io/csv.h"
#include "io/xlsx.h"
#include "util/crypto.h"

static const char *text(struct arena *a, struct db_stmt *st, int col)
{
	const char *s = db_col_null(st, col) ? NULL : db_col_text(st, col, NULL);
	return s ? arena_strdup(a, s) : NULL;
}

enum err soa_build(struct db *db, struct arena *a, const char *code, const char *today,
		   struct soa *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT name FROM frameworks WHERE code = $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, code);
	bool row;
	e = db_step(st, &row);
	out->framework_name = !e && row ? text(a, st, 0) : NULL;
	db_done(st);
	if (e)
		return e;
	if (!out->framework_name)
		return ERR_NOT_FOUND;
	out->framework_code = arena_strdup(a, code);
	e = db_prepare(
		db,
		"SELECT cc.id, cc.control_id, cc.title, cc.group_id, cc.group_title, c.id,"
		" c.applicable, c.status, c.justification, p.name, c.reason_risk, c.reason_legal,"
		" c.reason_contract, c.reason_business,"
		" (SELECT count(*) FROM control_risks r WHERE r.control_id = c.id),"
		" (SELECT count(*) FROM evidence x WHERE x.control_id = c.id),"
		" (SELECT count(*) FROM evidence x WHERE x.control_id = c.id AND x.expires_on < "
		"$2),"
		" c.owner_id"
		" FROM catalog_controls cc JOIN frameworks f ON f.id = cc.framework_id"
		" LEFT JOIN controls c ON c.catalog_control_id = cc.id"
		" LEFT JOIN people p ON p.id = c.owner_id"
		" WHERE f.code = $1 AND cc.withdrawn = 0"
		/* no order last, on both engines */
		" ORDER BY cc.sort_order IS NULL, cc.sort_order, cc.id",
		&st);
	if (e)
		return e;
	db_bind_str(st, 1, code);
	db_bind_str(st, 2, today);
	size_t cap = 128;
	out->rows = arena_alloc(a, cap * sizeof(*out->rows));
	while (out->rows && (e = db_step(st, &row)) == ERR_OK && row) {
		if (out->n == SOA_MAX_ROWS) {
			e = ERR_TOO_LARGE;
			break;
		}
		if (out->n == cap) {
			struct soa_row *more = arena_alloc(a, 2 * cap * sizeof(*more));
			if (!more) {
				e = ERR_NOMEM;
				break;
			}
			memcpy(more, out->rows, cap * sizeof(*more));
			out->rows = more;
			cap *= 2;
		}
		struct soa_row *r = &out->rows[out->n++];
		r->catalog_id = db_col_int(st, 0);
		r->control_id = text(a, st, 1);
		r->title = text(a, st, 2);
		r->group_id = text(a, st, 3);
		r->group_title = text(a, st, 4);
		r->control = db_col_null(st, 5) ? 0 : db_col_int(st, 5);
		r->applicable = r->control && db_col_int(st, 6);
		r->status = text(a, st, 7);
		r->justification = text(a, st, 8);
		r->owner = text(a, st, 9);
		r->reason_risk = db_col_int(st, 10);
		r->reason_legal = db_col_int(st, 11);
		r->reason_contract = db_col_int(st, 12);
		r->reason_business = db_col_int(st, 13);
		r->risks = db_col_int(st, 14);
		r->evidence = db_col_int(st, 15);
		r->evidence_expired = db_col_int(st, 16);
		r->owner_id = db_col_null(st, 17) ? 0 : db_col_int(st, 17);
	}
	db_done(st);
	if (!out->rows)
		return ERR_NOMEM;
	return e;
}

static const char *const reason_names[4] = { "risks", "legal", "contract", "business" };

static bool reason(const struct soa_row *r, int k)
{
	return k == 0	? r->reason_risk
	       : k == 1 ? r->reason_legal
	       : k == 2 ? r->reason_contract
			: r->reason_business;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

enum err soa_to_json(const struct soa *s, const char *as_of, struct buf *out)
{
	json_t *rows = json_array();
	for (size_t i = 0; rows && i < s->n; i++) {
		const struct soa_row *r = &s->rows[i];
		json_t *reasons = json_array();
		for (int k = 0; reasons && k < 4; k++)
			if (reason(r, k))
				json_array_append_new(reasons, json_string(reason_names[k]));
		json_array_append_new(
			rows,
			json_pack("{s:o,s:o,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:o,s:I,s:I,s:I}",
				  "control_id", str_or_null(r->control_id), "title",
				  str_or_null(r->title), "group_id", str_or_null(r->group_id),
				  "group_title", str_or_null(r->group_title), "assessed",
				  r->control != 0, "applicable", r->applicable, "reasons",
				  reasons ? reasons : json_array(), "justification",
				  str_or_null(r->justification), "status", str_or_null(r->status),
				  "owner", str_or_null(r->owner), "risks", (json_int_t)r->risks,
				  "evidence", (json_int_t)r->evidence, "evidence_expired",
				  (json_int_t)r->evidence_expired));
	}
	json_t *doc =
		rows ? json_pack("{s:{s:s,s:s},s:s,s:o}", "framework", "code", s->framework_code,
				 "name", s->framework_name, "as_of", as_of, "controls", rows)
		     : NULL;
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		return ERR_NOMEM;
	buf_adds(out, text);
	free(text);
	return buf_failed(out) ? ERR_TOO_LARGE : ERR_OK;
}

static const char *member(struct arena *a, json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? arena_strdup(a, s) : NULL;
}

enum err soa_from_json(struct arena *a, const char *text, size_t n, struct soa *out,
		       const char **as_of)
{
	memset(out, 0, sizeof(*out));
	json_t *doc = json_loadb(text, n, 0, NULL);
	json_t *rows = json_object_get(doc, "controls");
	if (!doc || !json_is_array(rows) || json_array_size(rows) > SOA_MAX_ROWS) {
		json_decref(doc);
		return ERR_INVALID;
	}
	json_t *fw = json_object_get(doc, "framework");
	out->framework_code = member(a, fw, "code");
	out->framework_name = member(a, fw, "name");
	*as_of = member(a, doc, "as_of");
	out->rows = arena_alloc(a, (json_array_size(rows) + 1) * sizeof(*out->rows));
	size_t i;
	json_t *o;
	json_array_foreach(rows, i, o)
	{
		if (!out->rows)
			break;
		struct soa_row *r = &out->rows[out->n++];
		r->control_id = member(a, o, "control_id");
		r->title = member(a, o, "title");
		r->group_id = member(a, o, "group_id");
		r->group_title = member(a, o, "group_title");
		r->control = json_is_true(json_object_get(o, "assessed"));
		r->applicable = json_is_true(json_object_get(o, "applicable"));
		r->justification = member(a, o, "justification");
		r->status = member(a, o, "status");
		r->owner = member(a, o, "owner");
		r->risks = json_integer_value(json_object_get(o, "risks"));
		r->evidence = json_integer_value(json_object_get(o, "evidence"));
		r->evidence_expired = json_integer_value(json_object_get(o, "evidence_expired"));
		size_t k;
		json_t *rs;
		json_array_foreach(json_object_get(o, "reasons"), k, rs)
		{
			const char *v = json_string_value(rs);
			r->reason_risk |= v && !strcmp(v, "risks");
			r->reason_legal |= v && !strcmp(v, "legal");
			r->reason_contract |= v && !strcmp(v, "contract");
			r->reason_business |= v && !strcmp(v, "business");
		}
	}
	json_decref(doc);
	return out->rows ? ERR_OK : ERR_NOMEM;
}

static const char *const columns[] = { "Control",	  "Title",   "Group",
				       "Applicable",	  "Reasons", "Justification",
				       "Implementation",  "Owner",   "Evidence items",
				       "Evidence expired" };
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/* One row's cells as text (numbers too: the CSV needs text, the XLSX writes them as numbers). */
static void cells(struct arena *a, const struct soa_row *r, const char *out[NCOLS])
{
	char reasons[64] = "";
	size_t o = 0;
	for (int k = 0; k < 4; k++)
		if (reason(r, k))
			o += (size_t)snprintf(reasons + o, sizeof(reasons) - o, "%s%s",
					      o ? ", " : "", reason_names[k]);
	out[0] = r->control_id;
	out[1] = r->title;
	out[2] = r->group_title;
	out[3] = !r->control ? "not assessed" : r->applicable ? "yes" : "no";
	out[4] = arena_strdup(a, reasons);
	out[5] = r->justification;
	out[6] = r->control ? r->status : NULL;
	out[7] = r->owner;
	out[8] = arena_printf(a, "%lld", (long long)r->evidence);
	out[9] = arena_printf(a, "%lld", (long long)r->evidence_expired);
}

enum err soa_export(struct arena *a, const struct soa *s, const char *as_of, enum export_format fmt,
		    struct buf *out)
{
	if (fmt == EXPORT_JSON)
		return soa_to_json(s, as_of, out);
	struct xlsx *x = NULL;
	enum err e = fmt == EXPORT_XLSX ? xlsx_open("Statement of Applicability", &x) : ERR_OK;
	if (e)
		return e;
	for (size_t c = 0; c < NCOLS; c++) {
		if (x) {
			xlsx_header(x, (uint16_t)c, columns[c]);
			xlsx_width(x, (uint16_t)c, c == 1 || c == 5 ? 50 : 16);
		} else {
			csv_field(out, c == 0, NULL, columns[c], strlen(columns[c]));
		}
	}
	if (!x)
		csv_end_record(out);
	for (size_t i = 0; i < s->n; i++) {
		const char *v[NCOLS];
		cells(a, &s->rows[i], v);
		for (size_t c = 0; c < NCOLS; c++) {
			const char *t = v[c] ? v[c] : "";
			size_t n = strlen(t);
			const char *guard = export_starts_formula(t, n) ? "'" : NULL;
			if (x && c >= 8)
				xlsx_number(x, (uint32_t)i + 1, (uint16_t)c,
					    (double)(c == 8 ? s->rows[i].evidence
							    : s->rows[i].evidence_expired));
			else if (x)
				xlsx_text(x, (uint32_t)i + 1, (uint16_t)c, guard, t, n);
			else
				csv_field(out, c == 0, guard, t, n);
		}
		if (!x)
			csv_end_record(out);
	}
	if (x)
		return xlsx_finish(x, NCOLS, (uint32_t)s->n, out);
	return buf_failed(out) ? ERR_TOO_LARGE : ERR_OK;
}

/* ---- approved versions: a frozen, dated copy ---- */

static const struct choice soa_states[] = {
	{ "draft", "Draft", NULL },
	{ "approved", "Approved", "Frozen: the copy below is the SoA as approved." },
	{ NULL, NULL, NULL },
};

static const struct field soa_version_fields[] = {
	{ .name = "framework_id",
	  .label = "Framework",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "framework" },
	{ .name = "status",
	  .label = "Status",
	  .type = FT_ENUM,
	  .flags = FF_READONLY | FF_LIST,
	  .choices = soa_states,
	  .dflt = "draft" },
	{ .name = "notes", .label = "Notes", .type = FT_MARKDOWN, .flags = FF_SEARCH },
	{ .name = "as_of", .label = "As of", .type = FT_DATE, .flags = FF_READONLY | FF_LIST },
	{ .name = "approved_by",
	  .label = "Approved by",
	  .type = FT_TEXT,
	  .flags = FF_READONLY | FF_LIST,
	  .max = 320 },
	{ .name = "approved_at",
	  .label = "Approved at",
	  .type = FT_TIMESTAMP,
	  .flags = FF_READONLY },
	{ .name = "content_hash",
	  .label = "BLAKE2b of the frozen copy",
	  .type = FT_TEXT,
	  .flags = FF_READONLY,
	  .max = 128 },
	{ .name = "content",
	  .label = "Frozen copy (JSON)",
	  .type = FT_LONGTEXT,
	  .flags = FF_READONLY,
	  .max = 16000000 },
};

static const char *state_of(const struct record *r)
{
	const struct value *v = model_get(r, "status");
	return v && v->set && !v->null ? v->s : NULL;
}

/* An approved version is the record of what was approved: it never changes, and stays. */
static enum err soa_version_derive(struct db *db, struct arena *a, const struct record *before,
				   struct record *after, struct verrors *ve)
{
	(void)db;
	(void)a;
	const char *st = before ? state_of(before) : NULL;
	if (!st || strcmp(st, "approved") != 0)
		return ERR_OK;
	const struct value *x = model_get(before, "notes"), *y = model_get(after, "notes");
	const struct value *f = model_get(before, "framework_id"),
			   *g = model_get(after, "framework_id");
	bool notes_same = (x->null || !x->set) == (y->null || !y->set) &&
			  (x->null || !x->set || (x->n == y->n && !memcmp(x->s, y->s, x->n)));
	if (!notes_same || f->i != g->i) {
		verrors_add(ve, "status",
			    "is approved: an approved SoA does not change; start a "
			    "new version");
		return ERR_INVALID;
	}
	return ERR_OK;
}

static enum err soa_version_can_delete(struct db *db, const struct record *rec, struct verrors *ve)
{
	(void)db;
	const char *st = state_of(rec);
	if (!st || strcmp(st, "approved") != 0)
		return ERR_OK;
	verrors_add(ve, "status", "is approved: an approved SoA is kept as a record");
	return ERR_CONFLICT;
}

static void set_text(struct record *r, const char *name, const char *s)
{
	int i = model_field_index(r->e, name);
	if (i >= 0)
		r->v[i] = (struct value){ .set = true, .s = s, .n = s ? strlen(s) : 0, .null = !s };
}

/* Approving builds the SoA from the records as they are now and freezes it, with its hash. */
static enum err soa_approve(const struct step_env *env, const struct record *before,
			    struct record *after, struct verrors *ve)
{
	const struct value *fw = model_get(before, "framework_id");
	struct db_stmt *st;
	enum err e = db_prepare(env->db, "SELECT code FROM frameworks WHERE id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, fw->i);
	bool row;
	e = db_step(st, &row);
	const char *code = !e && row ? db_col_text(st, 0, NULL) : NULL;
	code = code ? arena_strdup(env->a, code) : NULL;
	db_done(st);
	if (e)
		return e;
	if (!code) {
		verrors_add(ve, "framework_id", "no such framework");
		return ERR_INVALID;
	}
	struct soa s;
	if ((e = soa_build(env->db, env->a, code, env->today, &s)))
		return e;
	struct buf b;
	buf_init(&b, 16000000);
	if ((e = soa_to_json(&s, env->today, &b))) {
		buf_free(&b);
		return e;
	}
	char hash[CRYPTO_HASH_HEX];
	crypto_hash_hex(b.p, b.len, NULL, 0, hash);
	set_text(after, "content", arena_strndup(env->a, b.p, b.len));
	buf_free(&b);
	set_text(after, "content_hash", arena_strdup(env->a, hash));
	set_text(after, "as_of", env->today);
	set_text(after, "approved_by", env->who->name);
	set_text(after, "approved_at", env->now);
	return ERR_OK;
}

static const char *const from_draft[] = { "draft", NULL };

static const struct step soa_steps[] = {
	{ .name = "approve",
	  .label = "Approve and freeze",
	  .help = "Freezes the Statement of Applicability as it is now, with the date, who "
		  "approved it and a hash of the exact copy.",
	  .from = from_draft,
	  .to = "approved",
	  .task = true,
	  .apply = soa_approve },
};

static const struct workflow soa_workflow = {
	.state_field = "status",
	.steps = soa_steps,
	.nsteps = sizeof(soa_steps) / sizeof(soa_steps[0]),
};

static const char *const frozen[] = { "approved", NULL };

static const struct entity_page soa_version_pages[] = {
	{ "/soa_versions/{id}/document", "Read the approved SoA", "approved" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant soa_version_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all approve:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_soa_version = {
	.access = soa_version_access,
	.name = "soa_version",
	.plural = "soa_versions",
	.title = "SoA version",
	.title_plural = "SoA versions",
	.area = "controls",
	.description = "Approved Statements of Applicability: each a dated, frozen copy.",
	.fields = soa_version_fields,
	.nfields = sizeof(soa_version_fields) / sizeof(soa_version_fields[0]),
	.label_field = "as_of",
	.default_sort = "-as_of",
	.record_pages = soa_version_pages,
	.frozen_states = frozen,
	.derive = soa_version_derive,
	.can_delete = soa_version_can_delete,
	.workflow = &soa_workflow,
};

/* The registers of this file, in navigation order, and their scheduled jobs (domain.h). */
const struct area area_soa = {
	.registers = (const struct entity *const[]){ &entity_soa_version, NULL },
};
