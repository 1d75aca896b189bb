/* users.c - account administration over HTTP: list, read, register and change accounts.
 * Everything here needs the manage-accounts permission; the logic lives in core/account.c. */
#include <string.h>

#include "core/account.h"
#include "core/authz.h"
#include "core/user.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "util/crypto.h"

static bool may_manage(struct ctx *c)
{
	if (authz_can(&c->who.subject, CAP_MANAGE_ACCOUNTS))
		return true;
	respond_problem(c, ERR_FORBIDDEN, "you may not manage accounts", NULL);
	return false;
}

struct users_args {
	struct ctx *c;
	const char *q, *bad;
};

static bool users_arg(void *arg, const char *k, const char *v)
{
	struct users_args *ua = arg;
	if (strcmp(k, "q") == 0 && strlen(v) <= 200) {
		ua->q = *v ? v : NULL;
		return true;
	}
	ua->bad = k;
	return false;
}

void users_list(struct ctx *c)
{
	if (!may_manage(c))
		return;
	struct users_args ua = { .c = c };
	http_query_each(c->req, users_arg, &ua);
	if (ua.bad) {
		respond_field_error(c, ERR_BAD_REQUEST, arena_strdup(c->a, ua.bad),
				    "is not a parameter of this list (q is)");
		return;
	}
	enum err e = account_list_json(c->db, ua.q, &c->resp->body);
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	respond_json(c, 200);
}

void users_get(struct ctx *c)
{
	int64_t id = api_param_id(c, 0);
	if (!id || !may_manage(c))
		return;
	enum err e = account_get_json(c->db, id, &c->resp->body);
	if (e) {
		respond_problem(c, e, e == ERR_NOT_FOUND ? "no such account" : NULL, NULL);
		return;
	}
	respond_json(c, 200);
}

/* "roles": ["a","b"] -> bit set; false (with an error) when malformed. */
static bool parse_roles(json_t *v, unsigned *out, struct verrors *ve)
{
	if (!json_is_array(v) || json_array_size(v) == 0) {
		verrors_add(ve, "roles", "must be a non-empty list of roles");
		return false;
	}
	*out = 0;
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x)
	{
		int r = json_is_string(x) ? authz_role_from_name(json_string_value(x)) : -1;
		if (r < 0) {
			verrors_add(ve, "roles", "contains something that is not a role");
			return false;
		}
		*out |= 1u << r;
	}
	return true;
}

/* An optional id: absent leaves *set false; null or a positive integer sets it. */
static void parse_ref(json_t *body, const char *key, bool *set, int64_t *out, struct verrors *ve)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		return;
	*set = true;
	if (json_is_null(v))
		*out = 0;
	else if (json_is_integer(v) && json_integer_value(v) > 0)
		*out = json_integer_value(v);
	else
		verrors_add(ve, key, "must be the id of a record, or null");
}

static bool only_keys(struct ctx *c, json_t *body, const char *const *keys, struct verrors *ve)
{
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v)
	{
		bool known = false;
		for (const char *const *p = keys; *p; p++)
			known |= strcmp(*p, k) == 0;
		if (!known)
			verrors_add(ve, arena_strdup(c->a, k), "is not a field of an account");
	}
	return ve->n == 0;
}

void users_create(struct ctx *c)
{
	if (!may_manage(c))
		return;
	json_t *body = api_body_json(c);
	if (!body)
		return;
	static const char *const keys[] = { "email",	     "name",	 "roles",
					    "department_id", "password", NULL };
	struct verrors ve = { 0 };
	only_keys(c, body, keys, &ve);
	json_t *jemail = json_object_get(body, "email"), *jname = json_object_get(body, "name");
	json_t *jpw = json_object_get(body, "password");
	if (jemail && !json_is_string(jemail))
		verrors_add(&ve, "email", "must be a string");
	if (jname && !json_is_string(jname))
		verrors_add(&ve, "name", "must be a string");
	if (jpw && !json_is_string(jpw))
		verrors_add(&ve, "password", "must be a string");
	unsigned roles = 0;
	parse_roles(json_object_get(body, "roles"), &roles, &ve);
	bool dset = false;
	int64_t dept = 0;
	parse_ref(body, "department_id", &dset, &dept, &ve);
	const char *email =
		arena_strdup(c->a, json_is_string(jemail) ? json_string_value(jemail) : "");
	const char *name =
		arena_strdup(c->a, json_is_string(jname) ? json_string_value(jname) : "");
	char generated[32] = "";
	const char *pw = json_is_string(jpw) ? arena_strdup(c->a, json_string_value(jpw)) : NULL;
	json_decref(body);
	if (!pw) {
		char tok[CRYPTO_TOKEN_LEN];
		crypto_token(tok);
		memcpy(generated, tok, 24); /* 144 bits, shown once */
		generated[24] = '\0';
		pw = generated;
	}
	if (ve.n) {
		respond_problem(c, ERR_INVALID, "the account is not valid; see errors", &ve);
		return;
	}
	const char *names[ROLE__COUNT];
	size_t n = 0;
	for (int r = 0; r < ROLE__COUNT; r++)
		if (roles & (1u << r))
			names[n++] = authz_role_name((enum role)r);
	int64_t id = 0;
	enum err e = user_create(c->db, c->a, &c->actor, email, name, pw, names, n, dept, &ve, &id);
	if (e) {
		/* user_create names the role list "role"; the API calls it "roles" */
		for (size_t i = 0; i < ve.n; i++)
			if (ve.items[i].field && strcmp(ve.items[i].field, "role") == 0)
				ve.items[i].field = "roles";
		respond_problem(c, e,
				e == ERR_INVALID ? "the account is not valid; see errors" : NULL,
				&ve);
		return;
	}
	char loc[64];
	snprintf(loc, sizeof(loc), "/api/v1/users/%lld", (long long)id);
	http_set_header(c->req, c->resp, "Location", loc);
	struct buf *b = &c->resp->body;
	if ((e = account_get_json(c->db, id, b))) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	if (generated[0]) { /* add the one-time password to the object */
		buf_truncate(b, b->len - 1);
		buf_adds(b, ",\"initial_password\":");
		buf_add_json_str(b, generated, strlen(generated));
		buf_addc(b, '}');
	}
	respond_json(c, 201);
}

void users_update(struct ctx *c)
{
	int64_t id = api_param_id(c, 0);
	if (!id || !may_manage(c))
		return;
	json_t *body = api_body_json(c);
	if (!body)
		return;
	static const char *const keys[] = { "name",	 "roles",  "department_id",
					    "person_id", "active", NULL };
	struct verrors ve = { 0 };
	only_keys(c, body, keys, &ve);
	struct account_patch p = { 0 };
	json_t *v = json_object_get(body, "name");
	if (v && !json_is_string(v))
		verrors_add(&ve, "name", "must be a string");
	else if (v)
		p.name = arena_strdup(c->a, json_string_value(v));
	if ((v = json_object_get(body, "roles")))
		p.set_roles = parse_roles(v, &p.roles, &ve);
	parse_ref(body, "department_id", &p.set_department, &p.department_id, &ve);
	parse_ref(body, "person_id", &p.set_person, &p.person_id, &ve);
	if ((v = json_object_get(body, "active"))) {
		if (!json_is_boolean(v))
			verrors_add(&ve, "active", "must be true or false");
		p.set_active = true;
		p.active = json_is_true(v);
	}
	json_decref(body);
	if (ve.n) {
		respond_problem(c, ERR_INVALID, "the change is not valid; see errors", &ve);
		return;
	}
	enum err e = account_update(c->db, c->a, &c->actor, c->who.user_id, id, &p, &ve);
	if (e) {
		respond_problem(c, e,
				e == ERR_INVALID     ? "the change is not valid; see errors"
				: e == ERR_NOT_FOUND ? "no such account"
						     : NULL,
				&ve);
		return;
	}
	if ((e = account_get_json(c->db, id, &c->resp->body))) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	respond_json(c, 200);
}
