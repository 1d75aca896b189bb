/* openapi.c - the OpenAPI 3.1 document, generated from the entity table once per process, and
 * the health check. A new register appears here without a line of code. */
#include <pthread.h>
#include <string.h>

#include "core/model.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "util/log.h"

#ifndef CUSTOS_VERSION
#define CUSTOS_VERSION "0.0.0"
#endif

static char *openapi_doc;
static size_t openapi_len;
static pthread_once_t openapi_once = PTHREAD_ONCE_INIT;

static json_t *ref(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "#/components/schemas/%s", name);
	return json_pack("{ss}", "$ref", path);
}

static const char *schema_name(const struct entity *e, const char *suffix, char *out, size_t n)
{
	/* "interested_party" -> "InterestedParty" + suffix */
	size_t o = 0;
	bool up = true;
	for (const char *p = e->name; *p && o + 1 < n; p++) {
		if (*p == '_') {
			up = true;
			continue;
		}
		out[o++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
		up = false;
	}
	for (const char *p = suffix; *p && o + 1 < n; p++)
		out[o++] = *p;
	out[o] = '\0';
	return out;
}

/* A file field's value: the descriptor of the uploaded file (core/files.h). */
static json_t *file_schema(const struct field *f, bool nullable)
{
	json_t *o = json_pack(
		"{ss,ss,s{s{ss},s{ss},s{ss,si},s{ss,ss}},s[ssss],sb,sb,ss}", "type", "object",
		"title", f->label, "properties", "name", "type", "string", "type", "type", "string",
		"size", "type", "integer", "minimum", 1, "hash", "type", "string", "description",
		"BLAKE2b-256 of the bytes, hex", "required", "name", "type", "size", "hash",
		"additionalProperties", 0, "readOnly", 1, "description",
		"Upload with PUT /api/v1/{register}/{id}/files/{field}; download with GET.");
	return nullable ? json_pack("{s[o{ss}]}", "anyOf", o, "type", "null") : o;
}

static json_t *field_schema(const struct field *f, bool nullable)
{
	if (f->type == FT_FILE)
		return file_schema(f, nullable);
	json_t *s = json_object();
	const char *type = "string";
	switch (f->type) {
	case FT_INT:
	case FT_REF:
		type = "integer";
		break;
	case FT_BOOL:
		type = "boolean";
		break;
	default:
		break;
	}
	if (nullable)
		json_object_set_new(s, "type", json_pack("[ss]", type, "null"));
	else
		json_object_set_new(s, "type", json_string(type));
	json_object_set_new(s, "title", json_string(f->label));
	struct buf desc;
	buf_init(&desc, 0);
	if (f->help)
		buf_adds(&desc, f->help);
	switch (f->type) {
	case FT_TEXT:
	case FT_EMAIL:
	case FT_LONGTEXT:
	case FT_MARKDOWN:
		json_object_set_new(s, "maxLength", json_integer(model_max_len(f)));
		if (f->min)
			json_object_set_new(s, "minLength", json_integer(f->min));
		if (f->type == FT_EMAIL)
			json_object_set_new(s, "format", json_string("email"));
		if (f->type == FT_MARKDOWN)
			json_object_set_new(s, "contentMediaType", json_string("text/markdown"));
		break;
	case FT_DATE:
		json_object_set_new(s, "format", json_string("date"));
		break;
	case FT_TIMESTAMP:
		json_object_set_new(s, "format", json_string("date-time"));
		break;
	case FT_REF:
		json_object_set_new(s, "minimum", json_integer(1));
		buf_printf(&desc, "%sThe id of a %s.", desc.len ? " " : "", f->ref);
		break;
	case FT_INT:
	case FT_ENUM:
		if (f->choices) {
			json_t *en = json_array();
			if (nullable)
				json_array_append_new(en, json_null());
			buf_adds(&desc, desc.len ? " Values: " : "Values: ");
			for (const struct choice *c = f->choices; c->value; c++) {
				if (f->type == FT_INT) {
					long long v = 0;
					for (const char *p = c->value; *p; p++)
						v = v * 10 + (*p - '0');
					json_array_append_new(en, json_integer(v));
				} else {
					json_array_append_new(en, json_string(c->value));
				}
				buf_printf(&desc, "%s%s = %s", c == f->choices ? "" : "; ",
					   c->value, c->label);
			}
			buf_addc(&desc, '.');
			json_object_set_new(s, "enum", en);
		} else if (f->min || f->max) {
			json_object_set_new(s, "minimum", json_integer(f->min));
			json_object_set_new(s, "maximum", json_integer(f->max));
		}
		break;
	default:
		break;
	}
	if (desc.len && !buf_failed(&desc))
		json_object_set_new(s, "description", json_string(buf_cstr(&desc)));
	buf_free(&desc);
	if (f->flags & FF_READONLY)
		json_object_set_new(s, "readOnly", json_true());
	return s;
}

static json_t *entity_schema(const struct entity *e, bool input, bool patch)
{
	json_t *props = json_object(), *req = json_array();
	if (!input)
		for (size_t i = 0; i < model_system_nfields; i++) {
			json_t *fs = field_schema(&model_system_fields[i], false);
			json_object_set_new(fs, "readOnly", json_true());
			json_object_set_new(props, model_system_fields[i].name, fs);
			json_array_append_new(req, json_string(model_system_fields[i].name));
		}
	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (input && (f->flags & FF_READONLY))
			continue;
		bool required = f->flags & FF_REQUIRED;
		json_object_set_new(props, f->name, field_schema(f, !required || patch));
		if (!input || (required && !patch && !f->dflt))
			json_array_append_new(req, json_string(f->name));
	}
	json_t *s = json_pack("{ss,so,sb}", "type", "object", "properties", props,
			      "additionalProperties", 0);
	if (json_array_size(req))
		json_object_set_new(s, "required", req);
	else
		json_decref(req);
	if (e->description)
		json_object_set_new(s, "description", json_string(e->description));
	return s;
}

static json_t *problem_response(const char *desc)
{
	return json_pack("{ss,s{s{so}}}", "description", desc, "content",
			 "application/problem+json", "schema", ref("Problem"));
}

static json_t *errors_for(bool body, bool id)
{
	json_t *r = json_object();
	if (body) {
		json_object_set_new(r, "400", problem_response("Malformed request"));
		json_object_set_new(r, "413", problem_response("Body too large"));
		json_object_set_new(r, "415", problem_response("Not application/json"));
		json_object_set_new(r, "422", problem_response("Validation failed"));
	}
	json_object_set_new(r, "401", problem_response("Not signed in"));
	json_object_set_new(r, "403", problem_response("Not allowed"));
	if (id)
		json_object_set_new(r, "404", problem_response("No such record"));
	return r;
}

static json_t *json_content(json_t *schema)
{
	return json_pack("{s{so}}", "application/json", "schema", schema);
}

static json_t *param(const char *name, const char *in, json_t *schema, const char *desc,
		     bool required)
{
	return json_pack("{ss,ss,so,ss,sb}", "name", name, "in", in, "schema", schema,
			 "description", desc, "required", required);
}

/* GET /api/v1/{plural}/export: the list's search, filters and sort (not its limit and cursor:
 * an export holds every record) and the format, answered with a file. */
static void add_export_path(json_t *paths, const struct entity *e, const char *record,
			    const json_t *list_params)
{
	json_t *ps = json_array();
	json_array_append_new(
		ps, param("format", "query",
			  json_pack("{ss,s[sss]}", "type", "string", "enum", "csv", "xlsx", "json"),
			  "csv (stored values, for import), xlsx (labels) or json", true));
	size_t i;
	json_t *p;
	json_array_foreach(list_params, i, p)
	{
		const char *n = json_string_value(json_object_get(p, "name"));
		if (n && strcmp(n, "limit") != 0 && strcmp(n, "cursor") != 0)
			json_array_append_new(ps, json_deep_copy(p));
	}
	json_t *content = json_object();
	json_object_set_new(content, "text/csv", json_pack("{s{ss}}", "schema", "type", "string"));
	json_object_set_new(
		content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		json_pack("{s{ss,ss}}", "schema", "type", "string", "format", "binary"));
	json_object_set_new(content, "application/json",
			    json_pack("{s{ss,s{s{ss,so},s{ss}},s[ss]}}", "schema", "type", "object",
				      "properties", "items", "type", "array", "items", ref(record),
				      "total", "type", "integer", "required", "items", "total"));
	json_t *r = errors_for(false, false);
	json_object_set_new(r, "400", problem_response("Bad format, unknown parameter or value"));
	json_object_set_new(r, "413", problem_response("More than 1,000,000 records"));
	json_object_set_new(r, "200",
			    json_pack("{ss,so,s{s{s{ss}}}}", "description",
				      "Every matching record; Content-Disposition names the file",
				      "content", content, "headers", "Content-Disposition",
				      "schema", "type", "string"));
	char opid[96], summary[160], path[128];
	snprintf(opid, sizeof(opid), "export_%s", e->plural);
	snprintf(summary, sizeof(summary), "Export %s as CSV, XLSX or JSON", e->title_plural);
	snprintf(path, sizeof(path), "/api/v1/%s/export", e->plural);
	json_object_set_new(paths, path,
			    json_pack("{s{ss,ss,s[s],so,so}}", "get", "operationId", opid,
				      "summary", summary, "tags", e->title_plural, "parameters", ps,
				      "responses", r));
}

/* The answer of an import: its counts and the refused rows (in a problem as well). */
static json_t *import_report_schema(bool problem)
{
	json_t *err =
		json_pack("{ss,s{s{ss},s{s[ss]},s{ss}},s[sss]}", "type", "object", "properties",
			  "row", "type", "integer", "field", "type", "string", "null", "message",
			  "type", "string", "required", "row", "field", "message");
	json_t *s = json_pack("{ss,s{s{ss},s{ss},s{ss},s{ss},s{ss,so}},s[sssss]}", "type", "object",
			      "properties", "rows", "type", "integer", "created", "type", "integer",
			      "failed", "type", "integer", "truncated", "type", "boolean", "errors",
			      "type", "array", "items", err, "required", "rows", "created",
			      "failed", "truncated", "errors");
	return problem ? json_pack("{s[oo]}", "allOf", ref("Problem"), s) : s;
}

/* POST /api/v1/{plural}/import: CSV in, the import's report out. */
static void add_import_path(json_t *paths, const struct entity *e)
{
	json_t *ps = json_array();
	json_array_append_new(ps,
			      param("partial", "query",
				    json_pack("{ss,s[ss],ss}", "type", "string", "enum", "true",
					      "false", "default", "false"),
				    "true: keep the valid rows when others are refused", false));
	json_t *body = json_pack(
		"{sb,ss,s{s{s{ss}}s{s{ss,ss}}}}", "required", 1, "description",
		"CSV (RFC 4180, UTF-8) or an XLSX workbook: a header row of field names, then one "
		"record per row, references by their records' natural keys; id, version, "
		"created_at and updated_at columns are ignored",
		"content", "text/csv", "schema", "type", "string",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "schema",
		"type", "string", "format", "binary");
	json_t *r = errors_for(false, false);
	json_object_set_new(r, "200",
			    json_pack("{ss,so}", "description",
				      "Imported (with partial=true, refused rows are listed)",
				      "content", json_content(import_report_schema(false))));
	static const struct {
		const char *status, *desc;
	} refusals[] = {
		{ "400", "Not CSV, or a bad parameter; nothing imported" },
		{ "413", "Larger than 1 MiB or more than 100,000 rows; nothing imported" },
		{ "422", "Rows or the header refused; nothing imported" },
	};
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		json_object_set_new(r, refusals[i].status,
				    json_pack("{ss,s{s{so}}}", "description", refusals[i].desc,
					      "content", "application/problem+json", "schema",
					      import_report_schema(true)));
	json_object_set_new(r, "415", problem_response("Neither text/csv nor an XLSX workbook"));
	char opid[96], summary[160], path[128];
	snprintf(opid, sizeof(opid), "import_%s", e->plural);
	snprintf(summary, sizeof(summary), "Import %s from CSV or XLSX", e->title_plural);
	snprintf(path, sizeof(path), "/api/v1/%s/import", e->plural);
	json_object_set_new(paths, path,
			    json_pack("{s{ss,ss,s[s],so,so,so}}", "post", "operationId", opid,
				      "summary", summary, "tags", e->title_plural, "parameters", ps,
				      "requestBody", body, "responses", r));
}

/* POST /api/v1/frameworks/import also takes an OSCAL catalog (http/oscal.c): format=oscal
 * and a JSON body, answered with the framework made and its counts. */
static void add_oscal_import(json_t *paths)
{
	json_t *post = json_object_get(json_object_get(paths, "/api/v1/frameworks/import"), "post");
	if (!post)
		return;
	json_object_set_new(post, "summary",
			    json_string("Import frameworks from CSV, or a control catalogue from "
					"an OSCAL catalog (format=oscal)"));
	json_object_set_new(
		post, "description",
		json_string(
			"With format=oscal the body is an OSCAL 1.x catalog in JSON (at most 1 "
			"MiB; larger catalogues such as the full NIST SP 800-53 go through custos "
			"import oscal FILE). One framework and one catalogue control per control "
			"and enhancement are created in one transaction, each audited; a "
			"malformed file or a code in use changes nothing."));
	json_t *ps = json_object_get(post, "parameters");
	json_array_append_new(ps,
			      param("format", "query",
				    json_pack("{ss,s[s]}", "type", "string", "enum", "oscal"),
				    "oscal: the body is an OSCAL catalog (absent: CSV)", false));
	json_array_append_new(
		ps, param("code", "query", json_pack("{ss,si}", "type", "string", "maxLength", 64),
			  "with format=oscal: the framework's code (default: made from "
			  "the catalog's title)",
			  false));
	json_object_set_new(json_object_get(json_object_get(post, "requestBody"), "content"),
			    "application/json", json_pack("{s{ss}}", "schema", "type", "object"));
	json_t *r = json_object_get(post, "responses");
	json_t *report =
		json_pack("{ss,s{s{ss},s{ss},s{ss},s{s[ss]},s{ss},s{ss},s{ss}},s[sssssss]}", "type",
			  "object", "properties", "framework_id", "type", "integer", "code", "type",
			  "string", "name", "type", "string", "edition", "type", "string", "null",
			  "controls", "type", "integer", "enhancements", "type", "integer",
			  "withdrawn", "type", "integer", "required", "framework_id", "code",
			  "name", "edition", "controls", "enhancements", "withdrawn");
	json_object_set_new(r, "201",
			    json_pack("{ss,so}", "description",
				      "format=oscal: the catalogue was imported", "content",
				      json_content(report)));
	json_object_set_new(r, "409", problem_response("format=oscal: the code is in use"));
	/* an OSCAL refusal is a plain problem: it has no rows to report */
	static const char *const refusals[] = { "400", "413", "422" };
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		json_t *content =
			json_object_get(json_object_get(json_object_get(r, refusals[i]), "content"),
					"application/problem+json");
		json_t *csv = json_object_get(content, "schema");
		if (csv)
			json_object_set_new(content, "schema",
					    json_pack("{s[Oo]}", "anyOf", csv, ref("Problem")));
	}
}

static void add_entity_paths(json_t *paths, const struct entity *e)
{
	char name[64], input[64], patch[64], list[64];
	schema_name(e, "", name, sizeof(name));
	schema_name(e, "Input", input, sizeof(input));
	schema_name(e, "Patch", patch, sizeof(patch));
	schema_name(e, "List", list, sizeof(list));
	const char *tag = e->title_plural;

	json_t *lp = json_array();
	json_array_append_new(lp, param("q", "query",
					json_pack("{ss,si}", "type", "string", "maxLength", 200),
					"Text search over the searchable fields", false));
	json_array_append_new(
		lp,
		param("sort", "query", json_pack("{ss}", "type", "string"),
		      "Comma-separated fields, '-' for descending, e.g. name,-updated_at", false));
	json_array_append_new(lp, param("limit", "query",
					json_pack("{ss,si,si,si}", "type", "integer", "minimum", 1,
						  "maximum", 500, "default", 50),
					"Page size", false));
	json_array_append_new(lp, param("cursor", "query", json_pack("{ss}", "type", "string"),
					"The 'next' value of the previous page", false));
	for (size_t i = 0; i < e->nfields + model_system_nfields; i++) {
		const struct field *f =
			i < e->nfields ? &e->fields[i] : &model_system_fields[i - e->nfields];
		if (!model_field_filterable(f))
			continue;
		char d[160];
		snprintf(d, sizeof(d), "Filter: %s equals%s; 'null' for empty", f->label,
			 f->type == FT_TEXT || f->type == FT_EMAIL ? ""
								   : " (comma-separated: any of)");
		json_array_append_new(
			lp, param(f->name, "query", json_pack("{ss}", "type", "string"), d, false));
		if (f->type == FT_INT || f->type == FT_DATE || f->type == FT_TIMESTAMP ||
		    f->type == FT_TEXT) {
			char pn[80];
			snprintf(pn, sizeof(pn), "%s.gte", f->name);
			snprintf(d, sizeof(d), "Filter: %s at least", f->label);
			json_array_append_new(
				lp,
				param(pn, "query", json_pack("{ss}", "type", "string"), d, false));
			snprintf(pn, sizeof(pn), "%s.lte", f->name);
			snprintf(d, sizeof(d), "Filter: %s at most", f->label);
			json_array_append_new(
				lp,
				param(pn, "query", json_pack("{ss}", "type", "string"), d, false));
		}
	}
	add_export_path(paths, e, name, lp);
	add_import_path(paths, e);
	char opid[96];
	json_t *coll = json_object();
	json_t *r = errors_for(false, false);
	json_object_set_new(r, "400", problem_response("Unknown parameter or bad value"));
	json_object_set_new(r, "200",
			    json_pack("{ss,so}", "description", "A page of records", "content",
				      json_content(ref(list))));
	snprintf(opid, sizeof(opid), "list_%s", e->plural);
	json_object_set_new(coll, "get",
			    json_pack("{ss,ss,s[s],so,so}", "operationId", opid, "summary",
				      e->title_plural, "tags", tag, "parameters", lp, "responses",
				      r));
	r = errors_for(true, false);
	json_object_set_new(r, "201",
			    json_pack("{ss,so,s{s{s{ss}}}}", "description", "Created", "content",
				      json_content(ref(name)), "headers", "Location", "schema",
				      "type", "string"));
	snprintf(opid, sizeof(opid), "create_%s", e->name);
	json_object_set_new(coll, "post",
			    json_pack("{ss,s[s],s{sb,so},so}", "operationId", opid, "tags", tag,
				      "requestBody", "required", 1, "content",
				      json_content(ref(input)), "responses", r));
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/%s", e->plural);
	json_object_set_new(paths, path, coll);

	json_t *item = json_object();
	json_t *idp = json_pack("[o]", param("id", "path",
					     json_pack("{ss,si}", "type", "integer", "minimum", 1),
					     "Record id", true));
	json_object_set_new(item, "parameters", idp);
	r = errors_for(false, true);
	json_object_set_new(r, "200",
			    json_pack("{ss,so}", "description", "The record (ETag: its version)",
				      "content", json_content(ref(name))));
	snprintf(opid, sizeof(opid), "get_%s", e->name);
	json_object_set_new(
		item, "get",
		json_pack("{ss,s[s],so}", "operationId", opid, "tags", tag, "responses", r));
	json_t *ifm = json_pack("[o]",
				param("If-Match", "header", json_pack("{ss}", "type", "string"),
				      "The ETag you read; 412 if the record changed since", false));
	r = errors_for(true, true);
	json_object_set_new(r, "200",
			    json_pack("{ss,so}", "description", "The updated record", "content",
				      json_content(ref(name))));
	json_object_set_new(r, "412", problem_response("Changed by someone else"));
	snprintf(opid, sizeof(opid), "update_%s", e->name);
	json_object_set_new(item, "patch",
			    json_pack("{ss,s[s],sO,s{sb,so},so}", "operationId", opid, "tags", tag,
				      "parameters", ifm, "requestBody", "required", 1, "content",
				      json_content(ref(patch)), "responses", r));
	r = errors_for(false, true);
	json_object_set_new(r, "204", json_pack("{ss}", "description", "Deleted"));
	json_object_set_new(r, "409", problem_response("Still referenced by other records"));
	json_object_set_new(r, "412", problem_response("Changed by someone else"));
	snprintf(opid, sizeof(opid), "delete_%s", e->name);
	json_object_set_new(item, "delete",
			    json_pack("{ss,s[s],so,so}", "operationId", opid, "tags", tag,
				      "parameters", ifm, "responses", r));
	snprintf(path, sizeof(path), "/api/v1/%s/{id}", e->plural);
	json_object_set_new(paths, path, item);

	json_t *hist = json_object();
	r = errors_for(false, true);
	json_object_set_new(r, "200",
			    json_pack("{ss,so}", "description", "Audit events, oldest first",
				      "content", json_content(ref("History"))));
	snprintf(opid, sizeof(opid), "history_%s", e->name);
	json_object_set_new(hist, "get",
			    json_pack("{ss,s[s],sO,so}", "operationId", opid, "tags", tag,
				      "parameters", idp, "responses", r));
	snprintf(path, sizeof(path), "/api/v1/%s/{id}/history", e->plural);
	json_object_set_new(paths, path, hist);

	/* file fields: upload, download, remove */
	for (size_t k = 0; k < e->nfields; k++) {
		const struct field *f = &e->fields[k];
		if (f->type != FT_FILE)
			continue;
		json_t *fo = json_object();
		r = errors_for(false, true);
		json_object_set_new(r, "200",
				    json_pack("{ss,s{s{s{ssss}}}}", "description",
					      "The file's bytes, as an attachment", "content",
					      "application/octet-stream", "schema", "type",
					      "string", "format", "binary"));
		snprintf(opid, sizeof(opid), "download_%s_%s", e->name, f->name);
		json_object_set_new(fo, "get",
				    json_pack("{ss,s[s],sO,so}", "operationId", opid, "tags", tag,
					      "parameters", idp, "responses", r));
		json_t *params = json_deep_copy(idp);
		json_array_extend(params, ifm);
		json_array_append_new(
			params, param("name", "query", json_pack("{ss}", "type", "string"),
				      "The file's name (a path is cut to its last part)", false));
		r = errors_for(true, true);
		json_object_set_new(r, "200",
				    json_pack("{ss,so}", "description", "The updated record",
					      "content", json_content(ref(name))));
		json_object_set_new(r, "412", problem_response("Changed by someone else"));
		json_object_set_new(r, "413", problem_response("Larger than the upload limit"));
		snprintf(opid, sizeof(opid), "upload_%s_%s", e->name, f->name);
		json_object_set_new(fo, "put",
				    json_pack("{ss,s[s],so,s{sb,s{s{s{ssss}}}},so}", "operationId",
					      opid, "tags", tag, "parameters", params,
					      "requestBody", "required", 1, "content", "*/*",
					      "schema", "type", "string", "format", "binary",
					      "responses", r));
		r = errors_for(false, true);
		json_object_set_new(r, "200",
				    json_pack("{ss,so}", "description",
					      "The record without the file", "content",
					      json_content(ref(name))));
		json_object_set_new(r, "412", problem_response("Changed by someone else"));
		snprintf(opid, sizeof(opid), "remove_%s_%s", e->name, f->name);
		json_t *dparams = json_deep_copy(idp);
		json_array_extend(dparams, ifm);
		json_object_set_new(fo, "delete",
				    json_pack("{ss,s[s],so,so}", "operationId", opid, "tags", tag,
					      "parameters", dparams, "responses", r));
		snprintf(path, sizeof(path), "/api/v1/%s/{id}/files/%s", e->plural, f->name);
		json_object_set_new(paths, path, fo);
	}

	/* workflow steps: one operation each, its inputs as the optional body */
	for (size_t k = 0; e->workflow && k < e->workflow->nsteps; k++) {
		const struct step *st = &e->workflow->steps[k];
		json_t *props = json_object();
		for (const char *const *in = st->inputs; in && *in; in++) {
			const struct field *f = model_field(e, *in);
			if (f)
				json_object_set_new(props, f->name, field_schema(f, true));
		}
		json_t *body = json_pack("{ss,so,sb}", "type", "object", "properties", props,
					 "additionalProperties", 0);
		r = errors_for(true, true);
		json_object_set_new(r, "200",
				    json_pack("{ss,so}", "description", "The record after the step",
					      "content", json_content(ref(name))));
		json_object_set_new(r, "409",
				    problem_response("The record is not in a state the step "
						     "starts from"));
		json_object_set_new(r, "412", problem_response("Changed by someone else"));
		snprintf(opid, sizeof(opid), "%s_%s", st->name, e->name);
		json_t *params = json_deep_copy(idp);
		json_array_extend(params, ifm);
		json_t *op =
			json_pack("{ss,ss,s[s],so,s{sb,so},so}", "operationId", opid, "summary",
				  st->label, "tags", tag, "parameters", params, "requestBody",
				  "required", 0, "content", json_content(body), "responses", r);
		if (st->help)
			json_object_set_new(op, "description", json_string(st->help));
		snprintf(path, sizeof(path), "/api/v1/%s/{id}/%s", e->plural, st->name);
		json_object_set_new(paths, path, json_pack("{so}", "post", op));
	}
}

/* The routes that are not registers, written out as JSON: easier to read than pack formats. */
static const char fixed_json[] =
	"{\"paths\":{"
	"\"/api/v1/soa\":{\"get\":{\"operationId\":\"statement_of_applicability\","
	"\"summary\":\"The Statement of Applicability of a framework, as it is today\","
	"\"parameters\":[{\"name\":\"framework\",\"in\":\"query\",\"required\":false,"
	"\"description\":\"A framework code; default iso27001-2022\","
	"\"schema\":{\"type\":\"string\",\"maxLength\":64}}],"
	"\"responses\":{\"200\":{\"description\":\"Every control with applicability, reasons, "
	"justification, implementation and evidence\",\"content\":{\"application/json\":"
	"{\"schema\":{\"type\":\"object\"}}}},"
	"\"400\":{\"$ref\":\"#/components/responses/Problem\"},"
	"\"401\":{\"$ref\":\"#/components/responses/Problem\"},"
	"\"403\":{\"$ref\":\"#/components/responses/Problem\"},"
	"\"404\":{\"$ref\":\"#/components/responses/Problem\"}}}},"
	"\"/healthz\":{\"get\":{\"operationId\":\"health\",\"summary\":\"Liveness and database "
	"check\","
	"\"security\":[],\"responses\":{\"200\":{\"description\":\"Healthy\"},"
	"\"503\":{\"description\":\"The database does not answer\"}}}},"
	"\"/api/v1/session\":{"
	"\"post\":{\"operationId\":\"sign_in\",\"summary\":\"Sign in: sets the session cookie and "
	"returns the CSRF token\","
	"\"security\":[],\"requestBody\":{\"required\":true,\"content\":{\"application/"
	"json\":{\"schema\":"
	"{\"type\":\"object\",\"properties\":{\"email\":{\"type\":\"string\",\"format\":\"email\"},"
	"\"password\":{\"type\":\"string\"},\"totp\":{\"type\":\"string\"}},"
	"\"required\":[\"email\",\"password\"],"
	"\"additionalProperties\":false}}}},"
	"\"responses\":{\"200\":{\"description\":\"Signed in\"},"
	"\"401\":{\"$ref\":\"#/components/responses/Problem\"},\"415\":{\"$ref\":\"#/components/"
	"responses/Problem\"},"
	"\"422\":{\"$ref\":\"#/components/responses/Problem\"}}},"
	"\"get\":{\"operationId\":\"whoami\",\"summary\":\"The signed-in "
	"user\",\"responses\":{\"200\":{\"description\":\"The signed-in user\"},"
	"\"401\":{\"$ref\":\"#/components/responses/Problem\"}}},"
	"\"delete\":{\"operationId\":\"sign_out\",\"summary\":\"Sign "
	"out\",\"responses\":{\"204\":{\"description\":\"Signed out\"},"
	"\"401\":{\"$ref\":\"#/components/responses/Problem\"}}}},"
	"\"/api/v1/tokens\":{"
	"\"post\":{\"operationId\":\"create_token\",\"summary\":\"Create a bearer token (shown "
	"once)\","
	"\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":"
	"{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":100},"
	"\"expires_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
	"\"permissions\":{\"type\":\"string\",\"description\":\"register:action, "
	"comma-separated\"}},"
	"\"required\":[\"name\"],"
	"\"additionalProperties\":false}}}},"
	"\"responses\":{\"201\":{\"description\":\"The "
	"token\"},\"401\":{\"$ref\":\"#/components/responses/Problem\"},"
	"\"422\":{\"$ref\":\"#/components/responses/Problem\"}}},"
	"\"get\":{\"operationId\":\"list_tokens\",\"summary\":\"Your tokens, without their "
	"secrets\","
	"\"responses\":{\"200\":{\"description\":\"Your "
	"tokens\"},\"401\":{\"$ref\":\"#/components/responses/Problem\"}}}},"
	"\"/api/v1/tokens/"
	"{id}\":{\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,"
	"\"schema\":{\"type\":\"integer\",\"minimum\":1}}],"
	"\"delete\":{\"operationId\":\"revoke_token\",\"summary\":\"Revoke a "
	"token\",\"responses\":{\"204\":{\"description\":\"Revoked\"},"
	"\"401\":{\"$ref\":\"#/components/responses/Problem\"},\"404\":{\"$ref\":\"#/components/"
	"responses/Problem\"}}}},"
	"\"/api/v1/users\":{"
	"\"get\":{\"operationId\":\"list_users\",\"summary\":\"Accounts (administrators only)\","
	"\"parameters\":[{\"name\":\"q\",\"in\":\"query\",\"schema\":{\"type\":\"string\"}}],"
	"\"responses\":{\"200\":{\"description\":\"Accounts\"},\"403\":{\"$ref\":\"#/components/"
	"responses/Problem\"}}},"
	"\"post\":{\"operationId\":\"create_user\",\"summary\":\"Register an account; a password "
	"is generated and shown once when none is given\","
	"\"requestBody\":{\"required\":true,\"content\":{\"application/"
	"json\":{\"schema\":{\"type\":\"object\","
	"\"properties\":{\"email\":{\"type\":\"string\",\"format\":\"email\"},\"name\":{\"type\":"
	"\"string\"},"
	"\"roles\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"department_id\":{"
	"\"type\":[\"integer\",\"null\"]},"
	"\"password\":{\"type\":\"string\"}},\"required\":[\"email\",\"name\",\"roles\"],"
	"\"additionalProperties\":false}}}},"
	"\"responses\":{\"201\":{\"description\":\"The "
	"account\"},\"403\":{\"$ref\":\"#/components/responses/Problem\"},"
	"\"422\":{\"$ref\":\"#/components/responses/Problem\"}}}},"
	"\"/api/v1/users/"
	"{id}\":{\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,"
	"\"schema\":{\"type\":\"integer\",\"minimum\":1}}],"
	"\"get\":{\"operationId\":\"get_user\",\"responses\":{\"200\":{\"description\":\"The "
	"account\"},"
	"\"404\":{\"$ref\":\"#/components/responses/Problem\"}}},"
	"\"patch\":{\"operationId\":\"update_user\",\"summary\":\"Change name, roles, department, "
	"person or active; privilege changes end the account's sessions\","
	"\"requestBody\":{\"required\":true,\"content\":{\"application/"
	"json\":{\"schema\":{\"type\":\"object\","
	"\"properties\":{\"name\":{\"type\":\"string\"},\"roles\":{\"type\":\"array\",\"items\":{"
	"\"type\":\"string\"}},"
	"\"department_id\":{\"type\":[\"integer\",\"null\"]},\"person_id\":{\"type\":[\"integer\","
	"\"null\"]},"
	"\"active\":{\"type\":\"boolean\"}},\"additionalProperties\":false}}}},"
	"\"responses\":{\"200\":{\"description\":\"The "
	"account\"},\"422\":{\"$ref\":\"#/components/responses/Problem\"}}}},"
	"\"/api/v1/session/"
	"password\":{\"post\":{\"operationId\":\"change_password\",\"summary\":\"Change your "
	"password; every session ends\","
	"\"requestBody\":{\"required\":true,\"content\":{\"application/"
	"json\":{\"schema\":{\"type\":\"object\","
	"\"properties\":{\"current_password\":{\"type\":\"string\"},\"new_password\":{\"type\":"
	"\"string\"}},"
	"\"required\":[\"current_password\",\"new_password\"],\"additionalProperties\":false}}}},"
	"\"responses\":{\"200\":{\"description\":\"Changed; a new session "
	"cookie\"},\"204\":{\"description\":\"Changed\"},"
	"\"422\":{\"$ref\":\"#/components/responses/Problem\"}}}},"
	"\"/api/v1/session/mfa\":{"
	"\"post\":{\"operationId\":\"mfa_begin\",\"summary\":\"Start setting up a TOTP second "
	"factor: secret, otpauth URI and QR code\","
	"\"responses\":{\"201\":{\"description\":\"The secret, its URI and an SVG QR code\"},"
	"\"401\":{\"$ref\":\"#/components/responses/Problem\"}}},"
	"\"delete\":{\"operationId\":\"mfa_remove\",\"summary\":\"Remove the second factor (needs "
	"a current code; not when a role requires it)\","
	"\"requestBody\":{\"required\":true,\"content\":{\"application/"
	"json\":{\"schema\":{\"type\":\"object\","
	"\"properties\":{\"code\":{\"type\":\"string\"}},\"required\":[\"code\"],"
	"\"additionalProperties\":false}}}},"
	"\"responses\":{\"204\":{\"description\":\"Removed\"},\"422\":{\"$ref\":\"#/components/"
	"responses/Problem\"}}}},"
	"\"/api/v1/session/mfa/confirm\":{\"post\":{\"operationId\":\"mfa_confirm\","
	"\"summary\":\"Confirm the second factor with a current code; returns recovery codes "
	"once\","
	"\"requestBody\":{\"required\":true,\"content\":{\"application/"
	"json\":{\"schema\":{\"type\":\"object\","
	"\"properties\":{\"code\":{\"type\":\"string\"}},\"required\":[\"code\"],"
	"\"additionalProperties\":false}}}},"
	"\"responses\":{\"200\":{\"description\":\"Recovery "
	"codes\"},\"422\":{\"$ref\":\"#/components/responses/Problem\"}}}},"
	"\"/api/v1/settings/mfa\":{"
	"\"get\":{\"operationId\":\"mfa_settings\",\"summary\":\"Roles that must use a second "
	"factor\","
	"\"responses\":{\"200\":{\"description\":\"The "
	"setting\"},\"403\":{\"$ref\":\"#/components/responses/Problem\"}}},"
	"\"put\":{\"operationId\":\"mfa_settings_set\",\"summary\":\"Set the roles that must use a "
	"second factor (ISM)\","
	"\"requestBody\":{\"required\":true,\"content\":{\"application/"
	"json\":{\"schema\":{\"type\":\"object\","
	"\"properties\":{\"required_roles\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
	"\"required\":[\"required_roles\"],\"additionalProperties\":false}}}},"
	"\"responses\":{\"200\":{\"description\":\"The "
	"setting\"},\"403\":{\"$ref\":\"#/components/responses/Problem\"},"
	"\"422\":{\"$ref\":\"#/components/responses/Problem\"}}}},"
	"\"/api/v1/openapi.json\":{\"get\":{\"operationId\":\"openapi\",\"summary\":\"This "
	"document\","
	"\"responses\":{\"200\":{\"description\":\"This "
	"document\"},\"401\":{\"$ref\":\"#/components/responses/Problem\"}}}}"
	"},"
	"\"responses\":{\"Problem\":{\"description\":\"An error (RFC "
	"9457)\",\"content\":{\"application/problem+json\":"
	"{\"schema\":{\"$ref\":\"#/components/schemas/Problem\"}}}}},"
	"\"schemas\":{"
	"\"Problem\":{\"type\":\"object\",\"properties\":{\"type\":{\"type\":\"string\"},\"title\":"
	"{\"type\":\"string\"},"
	"\"status\":{\"type\":\"integer\"},\"detail\":{\"type\":\"string\"},\"errors\":{\"type\":"
	"\"array\",\"items\":"
	"{\"type\":\"object\",\"properties\":{\"field\":{\"type\":[\"string\",\"null\"]},"
	"\"message\":{\"type\":\"string\"}},"
	"\"required\":[\"field\",\"message\"]}}},\"required\":[\"type\",\"title\",\"status\"]},"
	"\"History\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
	"\"type\":\"object\","
	"\"properties\":{\"seq\":{\"type\":\"integer\"},\"at\":{\"type\":\"string\",\"format\":"
	"\"date-time\"},"
	"\"actor_id\":{\"type\":[\"integer\",\"null\"]},\"actor\":{\"type\":\"string\"},\"action\":"
	"{\"type\":\"string\"},"
	"\"changes\":{\"type\":\"object\",\"description\":\"field -> [before, "
	"after]\"},\"hash\":{\"type\":\"string\"}}}}},"
	"\"required\":[\"items\"]}}}";

static void openapi_build(void)
{
	json_error_t jerr;
	json_t *fixed = json_loads(fixed_json, JSON_REJECT_DUPLICATES, &jerr);
	if (!fixed) {
		log_error("openapi: fixed part does not parse: %s at %d", jerr.text, jerr.position);
		return;
	}
	json_t *paths = json_incref(json_object_get(fixed, "paths"));
	json_t *schemas = json_incref(json_object_get(fixed, "schemas"));
	json_t *responses = json_incref(json_object_get(fixed, "responses"));
	json_decref(fixed);
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		char n[64], l[64];
		schema_name(e, "List", l, sizeof(l));
		json_object_set_new(schemas, schema_name(e, "Input", n, sizeof(n)),
				    entity_schema(e, true, false));
		json_object_set_new(schemas, schema_name(e, "Patch", n, sizeof(n)),
				    entity_schema(e, true, true));
		json_object_set_new(schemas, schema_name(e, "", n, sizeof(n)),
				    entity_schema(e, false, false));
		json_object_set_new(schemas, l,
				    json_pack("{ss,s{s{ss,so},s{s[ss]},s{ss}},s[sss]}", "type",
					      "object", "properties", "items", "type", "array",
					      "items", ref(n), "next", "type", "string", "null",
					      "total", "type", "integer", "required", "items",
					      "next", "total"));
		add_entity_paths(paths, e);
	}
	add_oscal_import(paths);
	json_t *doc = json_pack(
		"{ss,s{ss,ss,ss,s{ss,ss}},so,s{so,so,s{s{ss,ss},s{ss,ss,ss}}},s[{s[]},{s[]}]}",
		"openapi", "3.1.0", "info", "title", "Custos API", "version", CUSTOS_VERSION,
		"description", "The JSON API of Custos, generated from its entity table.",
		"license", "name", "Apache-2.0", "identifier", "Apache-2.0", "paths", paths,
		"components", "schemas", schemas, "responses", responses, "securitySchemes",
		"bearer", "type", "http", "scheme", "bearer", "session", "type", "apiKey", "in",
		"cookie", "name", "custos_session", "security", "bearer", "session");
	if (doc) {
		openapi_doc = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
		openapi_len = openapi_doc ? strlen(openapi_doc) : 0;
		json_decref(doc);
	}
}

void openapi_get(struct ctx *c)
{
	pthread_once(&openapi_once, openapi_build);
	if (!openapi_doc) {
		respond_problem(c, ERR_INTERNAL, "the API description could not be built", NULL);
		return;
	}
	buf_add(&c->resp->body, openapi_doc, openapi_len);
	respond_json(c, 200);
}

/* Until the web interface lands, the root page says what this server is and where the API is. */
void health_get(struct ctx *c)
{
	if (db_ping(c->db) != ERR_OK) {
		respond_problem(c, ERR_BUSY, "the database does not answer", NULL);
		return;
	}
	buf_adds(&c->resp->body, "{\"status\":\"ok\"}");
	respond_json(c, 200);
}
