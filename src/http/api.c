/* api.c - the JSON API for every register, driven by the entity table: list, get, create,
 * patch, delete, history. Permission is asked of authz before any data is touched. */
#include <string.h>

#include "core/authz.h"
#include "core/files.h"
#include "core/repo.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "util/crypto.h"
#include "util/html.h"
#include "util/str.h"
#include "util/timeutil.h"

/* Inside the write transaction: the record must be readable (else it does not exist for this
 * user), and both its old and its new state must lie in the scope of the action. */
enum err http_write_guard(void *arg, const struct entity *e, const struct record *before,
			  const struct record *after)
{
	struct ctx *c = arg;
	const struct authz_subject *s = &c->who.subject;
	if (before && !authz_record_in_scope(s, e, authz_scope(s, e, AUTHZ_READ), before))
		return ERR_NOT_FOUND;
	enum authz_action act = !before ? AUTHZ_CREATE : !after ? AUTHZ_DELETE : AUTHZ_UPDATE;
	unsigned scope = c->step ? authz_step_scope(s, e, c->step->name) : authz_scope(s, e, act);
	if ((before && !authz_record_in_scope(s, e, scope, before)) ||
	    (after && !authz_record_in_scope(s, e, scope, after)))
		return ERR_FORBIDDEN;
	return ERR_OK;
}

void http_list_query(struct ctx *c, struct list_query *lq, unsigned scope)
{
	list_query_init(lq);
	lq->scoped = true;
	lq->scope = scope;
	lq->scope_person = c->who.subject.person_id;
	lq->scope_department = c->who.subject.department_id;
}

struct repo_ctx http_repo(struct ctx *c)
{
	c->actor.id = c->who.user_id;
	c->actor.name = c->who.email;
	return (struct repo_ctx){ .db = c->db,
				  .a = c->a,
				  .who = &c->actor,
				  .person_id = c->who.subject.person_id,
				  .guard = http_write_guard,
				  .guard_arg = c };
}

/* The scope the user has for an action on this register; answers 403 when it is none. */
static unsigned allowed(struct ctx *c, enum authz_action a)
{
	unsigned scope = authz_scope(&c->who.subject, c->entity, a);
	if (scope != SCOPE_NONE)
		return scope;
	const char *m = arena_printf(c->a, "you may not %s %s", authz_action_name(a),
				     c->entity->title_plural);
	respond_problem(c, ERR_FORBIDDEN, m, NULL);
	return SCOPE_NONE;
}

/* Whether the stored record exists for this user (readable in scope). */
static enum err visible(struct ctx *c, int64_t id, unsigned scope)
{
	if (scope & SCOPE_ALL)
		return ERR_OK;
	struct repo_ctx rc = http_repo(c);
	struct record *r;
	enum err e = repo_load(&rc, c->entity, id, &r);
	if (e)
		return e;
	return authz_record_in_scope(&c->who.subject, c->entity, scope, r) ? ERR_OK : ERR_NOT_FOUND;
}

int64_t api_param_id(struct ctx *c, size_t i)
{
	int64_t id;
	if (i >= c->nparams || !str_parse_i64(c->params[i], &id) || id <= 0) {
		respond_problem(c, ERR_NOT_FOUND, "no such record", NULL);
		return 0;
	}
	return id;
}

/* Pulls the quoted key out of jansson's "duplicate object key near '"k"'" message. */
static const char *duplicate_key(struct arena *a, const char *text)
{
	const char *p = strstr(text, "near '\"");
	if (!p)
		return NULL;
	p += 7;
	const char *e = strstr(p, "\"'");
	return e ? arena_strndup(a, p, (size_t)(e - p)) : NULL;
}

bool api_json_type(struct ctx *c)
{
	const char *ct = http_header(c->req, "Content-Type");
	size_t jl = strlen("application/json");
	return ct && strncasecmp(ct, "application/json", jl) == 0 &&
	       (!ct[jl] || ct[jl] == ';' || ct[jl] == ' ');
}

json_t *api_body_json(struct ctx *c)
{
	struct http_req *r = c->req;
	if (r->body_too_large) {
		respond_problem(c, ERR_TOO_LARGE, "the request body is larger than 1 MiB", NULL);
		return NULL;
	}
	if (!api_json_type(c)) {
		respond_problem(c, ERR_MEDIA_TYPE, "send the body as application/json", NULL);
		return NULL;
	}
	if (r->body.len == 0) {
		respond_problem(c, ERR_BAD_REQUEST, "the request body is empty", NULL);
		return NULL;
	}
	if (!str_valid_utf8(r->body.p, r->body.len)) {
		respond_problem(c, ERR_BAD_REQUEST, "the request body is not valid UTF-8", NULL);
		return NULL;
	}
	json_error_t jerr;
	json_t *j = json_loadb(r->body.p, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		if (json_error_code(&jerr) == json_error_duplicate_key) {
			const char *k = duplicate_key(c->a, jerr.text);
			respond_field_error(c, ERR_BAD_REQUEST, k, "appears more than once");
		} else {
			const char *m =
				arena_printf(c->a, "malformed JSON at line %d, column %d: %s",
					     jerr.line, jerr.column, jerr.text);
			respond_problem(c, ERR_BAD_REQUEST, m, NULL);
		}
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		respond_problem(c, ERR_BAD_REQUEST, "the request body must be a JSON object", NULL);
		return NULL;
	}
	return j;
}

struct list_args {
	struct ctx *c;
	struct list_query *lq;
	const char *bad_name, *why;
};

static bool list_arg(void *arg, const char *k, const char *v)
{
	struct list_args *la = arg;
	const char *why = NULL;
	if (list_query_param(la->c->a, la->c->entity, la->lq, k, v, &why) != ERR_OK) {
		la->bad_name = k;
		la->why = why ? why : "is not valid";
		return false;
	}
	return true;
}

void api_list(struct ctx *c)
{
	unsigned scope = allowed(c, AUTHZ_READ);
	if (!scope)
		return;
	struct list_query *lq = arena_alloc(c->a, sizeof(*lq));
	if (!lq) {
		respond_problem(c, ERR_NOMEM, NULL, NULL);
		return;
	}
	http_list_query(c, lq, scope);
	struct list_args la = { .c = c, .lq = lq };
	http_query_each(c->req, list_arg, &la);
	if (la.bad_name) {
		respond_field_error(c, ERR_BAD_REQUEST, arena_strdup(c->a, la.bad_name), la.why);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	const char *why = NULL;
	enum err e = repo_list_json(&rc, c->entity, lq, &c->resp->body, &why);
	if (e == ERR_BAD_REQUEST) {
		respond_field_error(c, e, "cursor", why ? why : "is not valid");
		return;
	}
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	respond_json(c, 200);
}

static void set_etag(struct ctx *c, int64_t version)
{
	char tag[32];
	snprintf(tag, sizeof(tag), "\"%lld\"", (long long)version);
	http_set_header(c->req, c->resp, "ETag", tag);
}

/* Answers with the stored record as JSON, its ETag and the given status. */
static void answer_record(struct ctx *c, int64_t id, int status)
{
	struct repo_ctx rc = http_repo(c);
	int64_t version = 0;
	buf_reset(&c->resp->body);
	enum err e = repo_read_json(&rc, c->entity, id, &c->resp->body, &version);
	if (e) {
		respond_problem(c, e, e == ERR_NOT_FOUND ? "no such record" : NULL, NULL);
		return;
	}
	set_etag(c, version);
	respond_json(c, status);
}

void api_get(struct ctx *c)
{
	int64_t id = api_param_id(c, 1);
	unsigned scope = id ? allowed(c, AUTHZ_READ) : SCOPE_NONE;
	if (!scope)
		return;
	enum err e = visible(c, id, scope);
	if (e) {
		respond_problem(c, e, e == ERR_NOT_FOUND ? "no such record" : NULL, NULL);
		return;
	}
	answer_record(c, id, 200);
}

/* If-Match: "N" (or W/"N", or *) -> N; 0 when absent or *. -1, answered 400, when
 * malformed. */
static int64_t if_match(struct ctx *c)
{
	const char *h = http_header(c->req, "If-Match");
	if (!h || strcmp(h, "*") == 0)
		return 0;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	size_t n = strlen(h);
	int64_t v;
	if (n < 3 || h[0] != '"' || h[n - 1] != '"' || !str_to_i64(h + 1, n - 2, &v) || v < 0) {
		respond_field_error(c, ERR_BAD_REQUEST, "If-Match",
				    "must be an ETag such as \"3\"");
		return -1;
	}
	/* a well-formed tag no record has (versions start at 1) is simply stale: 412 */
	return v ? v : INT64_MAX;
}

static void answer_write_error(struct ctx *c, enum err e, struct verrors *ve)
{
	switch (e) {
	case ERR_INVALID:
		respond_problem(c, e, "the record is not valid; see errors", ve);
		break;
	case ERR_PRECONDITION:
		respond_problem(c, e,
				"the record was changed by someone else since you read it;"
				" reload it and apply your change again",
				NULL);
		break;
	case ERR_NOT_FOUND:
		respond_problem(c, e, "no such record", NULL);
		break;
	case ERR_CONFLICT:
		respond_problem(c, e, "the change conflicts with other records", ve);
		break;
	case ERR_FORBIDDEN:
		respond_problem(c, e, "this change lies outside what you may change", NULL);
		break;
	default:
		respond_problem(c, e, NULL, NULL);
	}
}

/* Writes the patch (If-Match version ver, 0: any) and answers with the record or the error. */
static void update_and_answer(struct ctx *c, int64_t id, struct record *patch, int64_t ver,
			      struct verrors *ve)
{
	struct repo_ctx rc = http_repo(c);
	enum err e = repo_update(&rc, c->entity, id, patch, ver, ve);
	if (e) {
		answer_write_error(c, e, ve);
		return;
	}
	answer_record(c, id, 200);
}

void api_create(struct ctx *c)
{
	if (!allowed(c, AUTHZ_CREATE))
		return;
	json_t *body = api_body_json(c);
	if (!body)
		return;
	struct record *rec = model_record_new(c->a, c->entity);
	struct verrors ve = { 0 };
	if (!rec) {
		json_decref(body);
		respond_problem(c, ERR_NOMEM, NULL, NULL);
		return;
	}
	/* parse errors and rule errors are reported together: repo_create stops before writing */
	model_from_json(c->a, c->entity, body, rec, &ve);
	json_decref(body);
	struct repo_ctx rc = http_repo(c);
	int64_t id = 0;
	enum err e = repo_create(&rc, rec, &ve, &id);
	if (e) {
		answer_write_error(c, e, &ve);
		return;
	}
	char loc[160];
	snprintf(loc, sizeof(loc), "/api/v1/%s/%lld", c->entity->plural, (long long)id);
	http_set_header(c->req, c->resp, "Location", loc);
	answer_record(c, id, 201);
}

void api_update(struct ctx *c)
{
	int64_t id = api_param_id(c, 1);
	if (!id || !allowed(c, AUTHZ_UPDATE))
		return;
	int64_t ver = if_match(c);
	if (ver < 0)
		return;
	json_t *body = api_body_json(c);
	if (!body)
		return;
	struct record *patch = model_record_new(c->a, c->entity);
	struct verrors ve = { 0 };
	if (!patch) {
		json_decref(body);
		respond_problem(c, ERR_NOMEM, NULL, NULL);
		return;
	}
	model_from_json(c->a, c->entity, body, patch, &ve);
	json_decref(body);
	update_and_answer(c, id, patch, ver, &ve);
}

void api_delete(struct ctx *c)
{
	int64_t id = api_param_id(c, 1);
	if (!id || !allowed(c, AUTHZ_DELETE))
		return;
	int64_t ver = if_match(c);
	if (ver < 0)
		return;
	struct repo_ctx rc = http_repo(c);
	struct verrors ve = { 0 };
	enum err e = repo_delete(&rc, c->entity, id, ver, &ve);
	if (e) {
		answer_write_error(c, e, &ve);
		return;
	}
	c->resp->status = 204;
}

void api_history(struct ctx *c)
{
	int64_t id = api_param_id(c, 1);
	unsigned scope = id ? allowed(c, AUTHZ_READ) : SCOPE_NONE;
	if (!scope)
		return;
	/* a deleted record's history needs the full read scope: its scope cannot be checked */
	enum err ve = visible(c, id, scope);
	if (ve) {
		respond_problem(c, ve, ve == ERR_NOT_FOUND ? "no such record" : NULL, NULL);
		return;
	}
	enum err e = audit_history_json(c->db, c->entity->name, id, &c->resp->body);
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	/* an id that never existed has no events: 404 rather than an empty list */
	if (strncmp(c->resp->body.p, "{\"items\":[]", 11) == 0) {
		respond_problem(c, ERR_NOT_FOUND, "no such record", NULL);
		return;
	}
	respond_json(c, 200);
}

/* The environment a step's rules see: who acts, today. */
struct step_env http_step_env(struct ctx *c)
{
	char *today = arena_alloc(c->a, 11), *now = arena_alloc(c->a, TIME_ISO_LEN);
	int64_t t = time_now();
	if (today)
		time_format_date(t, today);
	if (now)
		time_format_iso(t, now);
	return (struct step_env){ .db = c->db,
				  .a = c->a,
				  .who = &c->actor,
				  .person_id = c->who.subject.person_id,
				  .roles = c->who.subject.roles,
				  .today = today ? today : "",
				  .now = now ? now : "" };
}

void api_step(struct ctx *c)
{
	int64_t id = api_param_id(c, 1);
	if (!id)
		return;
	const struct step *st = model_step(c->entity, c->params[2]);
	if (!st) {
		respond_problem(c, ERR_NOT_FOUND, "no such workflow step for this register", NULL);
		return;
	}
	if (authz_step_scope(&c->who.subject, c->entity, st->name) == SCOPE_NONE) {
		/* an unreadable record stays unknown; a readable one says what is missing */
		unsigned rs = authz_scope(&c->who.subject, c->entity, AUTHZ_READ);
		enum err ve = rs ? visible(c, id, rs) : ERR_NOT_FOUND;
		respond_problem(c, ve ? ve : ERR_FORBIDDEN,
				ve ? "no such record"
				   : arena_printf(c->a, "you may not %s %s", st->name,
						  c->entity->title_plural),
				NULL);
		return;
	}
	int64_t ver = if_match(c);
	if (ver < 0)
		return;
	/* a step's inputs are optional, but a body of another type is still refused (415) */
	json_t *body = NULL;
	bool typed = http_header(c->req, "Content-Type") != NULL;
	if ((c->req->body.len || (typed && !api_json_type(c))) && !(body = api_body_json(c)))
		return;
	struct record *inputs = model_record_new(c->a, c->entity);
	struct verrors ve = { 0 };
	if (!inputs) {
		json_decref(body);
		respond_problem(c, ERR_NOMEM, NULL, NULL);
		return;
	}
	model_step_from_json(c->a, c->entity, st, body, inputs, &ve);
	json_decref(body);
	if (ve.n) {
		respond_problem(c, ERR_INVALID, "the step's inputs are not valid; see errors", &ve);
		return;
	}
	struct repo_ctx rc = http_repo(c);
	struct step_env env = http_step_env(c);
	c->step = st;
	enum err e = repo_step(&rc, c->entity, id, st, &env, inputs, ver, &ve);
	c->step = NULL;
	if (e == ERR_CONFLICT) {
		respond_problem(c, e, "the record is not in a state this step starts from", &ve);
		return;
	}
	if (e == ERR_FORBIDDEN && !ve.n && c->entity->own_column &&
	    !(authz_step_scope(&c->who.subject, c->entity, st->name) & ~(unsigned)SCOPE_OWN))
		/* the role may take this step only on what the user owns */
		verrors_add(&ve, c->entity->own_column,
			    arena_printf(c->a, "is not you: only the owner may %s it", st->name));
	if (e == ERR_FORBIDDEN && ve.n) { /* the step's own rule said who may */
		respond_problem(c, e, ve.items[0].message, &ve);
		return;
	}
	if (e) {
		answer_write_error(c, e, &ve);
		return;
	}
	answer_record(c, id, 200);
}

/* ---- files: PUT/GET/DELETE /api/v1/{plural}/{id}/files/{field} ---- */

/* The register's file field named by the route; 404 when there is none. */
static const struct field *file_field(struct ctx *c)
{
	const struct field *f = c->nparams > 2 ? model_field(c->entity, c->params[2]) : NULL;
	if (f && f->type == FT_FILE)
		return f;
	respond_problem(
		c, ERR_NOT_FOUND,
		arena_printf(c->a, "%s have no file field of that name", c->entity->title_plural),
		NULL);
	return NULL;
}

/* Uploads (or with bytes NULL removes) the record's file: an update of the record, with its
 * audit event, checked like any other (scope, If-Match, frozen states, domain rules). */
static void file_write(struct ctx *c, const void *bytes, size_t n)
{
	int64_t id = api_param_id(c, 1);
	if (!id || !allowed(c, AUTHZ_UPDATE))
		return;
	const struct field *f = file_field(c);
	if (!f)
		return;
	int64_t ver = if_match(c);
	if (ver < 0)
		return;
	struct record *patch = model_record_new(c->a, c->entity);
	if (!patch) {
		respond_problem(c, ERR_NOMEM, NULL, NULL);
		return;
	}
	struct value *v = &patch->v[model_field_index(c->entity, f->name)];
	if (bytes) {
		const char *why = NULL, *name = http_query(c->req, "name");
		if (!files_value(c->a, name, http_header(c->req, "Content-Type"), bytes, n, v,
				 &why)) {
			respond_field_error(c, ERR_BAD_REQUEST, f->name, why);
			return;
		}
	} else {
		*v = (struct value){ .set = true, .null = true };
	}
	struct verrors ve = { 0 };
	update_and_answer(c, id, patch, ver, &ve);
}

void api_file_put(struct ctx *c)
{
	struct http_req *r = c->req;
	if (r->body_too_large) {
		respond_problem(c, ERR_TOO_LARGE,
				arena_printf(c->a,
					     "the file is larger than the upload limit (%zu MiB)",
					     r->body_cap >> 20),
				NULL);
		return;
	}
	file_write(c, r->body.p ? r->body.p : "", r->body.len);
}

void api_file_delete(struct ctx *c)
{
	file_write(c, NULL, 0);
}

void api_file_get(struct ctx *c)
{
	int64_t id = api_param_id(c, 1);
	unsigned scope = id ? allowed(c, AUTHZ_READ) : SCOPE_NONE;
	if (!scope)
		return;
	const struct field *f = file_field(c);
	if (!f)
		return;
	struct repo_ctx rc = http_repo(c);
	struct record *rec;
	enum err e = repo_load(&rc, c->entity, id, &rec);
	if (!e && !authz_record_in_scope(&c->who.subject, c->entity, scope, rec))
		e = ERR_NOT_FOUND;
	if (e) {
		respond_problem(c, e, e == ERR_NOT_FOUND ? "no such record" : NULL, NULL);
		return;
	}
	const struct value *v = model_get(rec, f->name);
	struct file_desc d;
	if (!v->set || v->null) {
		respond_problem(c, ERR_NOT_FOUND, "the record has no file", NULL);
		return;
	}
	if (!files_desc_parse(c->a, v->s, v->n, &d)) {
		respond_problem(c, ERR_INTERNAL, NULL, NULL);
		return;
	}
	if ((e = files_read(c->db, d.hash, &c->resp->body))) {
		respond_problem(c, e, e == ERR_NOT_FOUND ? "the file's bytes are missing" : NULL,
				NULL);
		return;
	}
	/* a download, never a page: served as what it was uploaded as only when that type is
	 * harmless, in a sandbox, and named in both header forms (RFC 6266) */
	c->resp->status = 200;
	c->resp->content_type = files_media_type(d.type, d.name);
	respond_attachment(c, d.name, true);
	http_set_header(c->req, c->resp, "Content-Security-Policy", "default-src 'none'; sandbox");
	/* evidence and reports are as confidential as the pages around them: never kept on the
	 * user's disk by the browser (review I3) */
	http_set_header(c->req, c->resp, "Cache-Control", "no-store");
	char tag[CRYPTO_HASH_HEX + 2];
	snprintf(tag, sizeof(tag), "\"%s\"", d.hash);
	http_set_header(c->req, c->resp, "ETag", tag);
}
