/* session.c - signing in and out, the current principal, and API tokens. Secrets are written
 * to the client once and stored only as hashes. */
#include <string.h>

#include "core/authz.h"
#include "core/mfa.h"
#include "core/throttle.h"
#include "core/user.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Over TLS the cookie carries the __Host- prefix, which browsers accept only with Secure, Path=/
 * and no Domain: no subdomain can then set or shadow it. Plain HTTP (local use) gets the bare name.
 */
#define COOKIE_NAME "custos_session"
#define COOKIE_HOST "__Host-custos_session"

static bool secure_request(struct ctx *c)
{
	return c->req->tls || c->app->cfg.cookie_secure;
}

static void set_session_cookie(struct ctx *c, const char *token, int64_t max_age)
{
	bool secure = secure_request(c);
	const char *cookie =
		arena_printf(c->a, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax%s",
			     secure ? COOKIE_HOST : COOKIE_NAME, token, (long long)max_age,
			     secure ? "; Secure" : "");
	http_add_header(c->req, c->resp, "Set-Cookie", cookie); /* beside the sign-in step's */
}

static void principal_from_user(struct ctx *c, const struct user *u)
{
	bool due = false;
	if (mfa_enrolment_due(c->db, u->id, &due) != ERR_OK)
		due = true; /* cannot tell: keep the account to its set-up routes */
	c->who.mfa_due = due;
	c->authed = true;
	c->who.user_id = u->id;
	c->who.email = u->email;
	c->who.name = u->name;
	c->who.subject = (struct authz_subject){
		.authenticated = true,
		.roles = u->roles,
		.person_id = u->person_id,
		.department_id = u->department_id,
	};
	c->actor.id = u->id;
	c->actor.name = u->email;
}

enum err session_authenticate(struct ctx *c)
{
	struct user u = { 0 };
	const char *auth = http_header(c->req, "Authorization");
	enum err e;
	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7) != 0)
			return ERR_UNAUTHORIZED;
		int64_t tid;
		if ((e = token_lookup(c->db, c->a, auth + 7, &u, &tid, &c->who.token)))
			return e;
		principal_from_user(c, &u);
		c->who.token_id = tid;
		c->who.subject.via_token = true;
		c->who.subject.token_permissions = c->who.token.permissions;
		return ERR_OK;
	}
	/* over TLS only the __Host- cookie counts: a sibling site or a plain-HTTP answer can
	 * plant a bare-named cookie, never a __Host- one (cookie tossing) */
	const char *cookie = http_cookie(c->req, secure_request(c) ? COOKIE_HOST : COOKIE_NAME);
	if (!cookie)
		return ERR_UNAUTHORIZED;
	int64_t sid;
	const char *csrf;
	if ((e = session_lookup(c->db, c->a, cookie, c->app->cfg.session_idle, &u, &sid, &csrf)))
		return e;
	principal_from_user(c, &u);
	c->who.via_cookie = true;
	c->who.session_id = sid;
	c->who.csrf = csrf;
	return ERR_OK;
}

static void user_json(struct buf *b, const struct principal *p)
{
	buf_adds(b, "{\"id\":");
	buf_add_i64(b, p->user_id);
	buf_adds(b, ",\"email\":");
	buf_add_json_str(b, p->email, strlen(p->email));
	buf_adds(b, ",\"name\":");
	buf_add_json_str(b, p->name, strlen(p->name));
	buf_adds(b, ",\"roles\":[");
	bool first = true;
	for (int r = 0; r < ROLE__COUNT; r++) {
		if (!authz_has_role(&p->subject, (enum role)r))
			continue;
		if (!first)
			buf_addc(b, ',');
		first = false;
		buf_add_json_str(b, authz_role_name((enum role)r),
				 strlen(authz_role_name((enum role)r)));
	}
	buf_adds(b, "],\"person_id\":");
	if (p->subject.person_id)
		buf_add_i64(b, p->subject.person_id);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"department_id\":");
	if (p->subject.department_id)
		buf_add_i64(b, p->subject.department_id);
	else
		buf_adds(b, "null");
	buf_addc(b, '}');
}

static const char *string_member(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Only the listed keys, each a string: anything else is named in the answer. */
static bool only_strings(struct ctx *c, json_t *body, const char *const *keys)
{
	struct verrors ve = { 0 };
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v)
	{
		bool known = false;
		for (const char *const *p = keys; *p; p++)
			if (strcmp(*p, k) == 0)
				known = true;
		const char *name = arena_strdup(c->a, k);
		if (!known)
			verrors_add(&ve, name, "is not a known field");
		else if (!json_is_string(v) && !json_is_null(v))
			verrors_add(&ve, name, "must be a string");
	}
	if (ve.n) {
		respond_problem(c, ERR_INVALID, "the request is not valid; see errors", &ve);
		return false;
	}
	return true;
}

void session_post(struct ctx *c)
{
	json_t *body = api_body_json(c);
	if (!body)
		return;
	static const char *const keys[] = { "email", "password", "totp", NULL };
	if (!only_strings(c, body, keys)) {
		json_decref(body);
		return;
	}
	const char *email = string_member(body, "email"), *pw = string_member(body, "password");
	struct verrors ve = { 0 };
	if (!email || !*email)
		verrors_add(&ve, "email", "is required");
	if (!pw || !*pw)
		verrors_add(&ve, "password", "is required");
	if (ve.n) {
		json_decref(body);
		respond_problem(c, ERR_INVALID, "the request is not valid; see errors", &ve);
		return;
	}
	email = arena_strdup(c->a, email);
	pw = arena_strdup(c->a, pw);
	const char *totp = string_member(body, "totp");
	totp = totp ? arena_strdup(c->a, totp) : NULL;
	json_decref(body);
	struct user u = { 0 };
	enum sign_in res;
	int64_t wait = 0;
	enum err e = session_check(c, email, pw, totp, &u, &res, &wait);
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	switch (res) {
	case SIGN_IN_THROTTLED:
		respond_throttled(c, wait, "sign-ins");
		return;
	case SIGN_IN_WRONG:
		respond_problem(c, ERR_UNAUTHORIZED, "wrong e-mail or password", NULL);
		return;
	case SIGN_IN_TOTP_NEEDED:
		respond_field_error(c, ERR_UNAUTHORIZED, "totp",
				    "is required: this account signs in with a second factor");
		return;
	case SIGN_IN_TOTP_WRONG:
		respond_field_error(c, ERR_UNAUTHORIZED, "totp",
				    "is not a valid code (or was used already)");
		return;
	case SIGN_IN_OK:
		break;
	}
	if ((e = session_open(c, &u))) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	struct buf *b = &c->resp->body;
	buf_adds(b, "{\"csrf\":");
	buf_add_json_str(b, c->who.csrf, strlen(c->who.csrf));
	buf_adds(b, ",\"user\":");
	user_json(b, &c->who);
	buf_addc(b, '}');
	respond_json(c, 200);
}

static void note_failure(struct ctx *c, const char *email, const char *addr)
{
	if (throttle_fail(c->db, email, addr) != ERR_OK)
		log_warn("could not record a failed sign-in");
}

enum err session_check_totp(struct ctx *c, const struct user *u, const char *totp,
			    enum sign_in *res, int64_t *wait)
{
	const char *addr = http_client_addr(c->req);
	enum err e = throttle_check(c->db, u->email, addr, wait);
	if (e)
		return e;
	if (*wait > 0) {
		*res = SIGN_IN_THROTTLED;
		return ERR_OK;
	}
	if (!totp || !*totp) {
		*res = SIGN_IN_TOTP_NEEDED;
		return ERR_OK;
	}
	struct actor self = { u->id, u->email };
	e = mfa_verify(c->db, &self, u->id, totp);
	if (e == ERR_UNAUTHORIZED) {
		note_failure(c, u->email, addr);
		*res = SIGN_IN_TOTP_WRONG;
		return ERR_OK;
	}
	if (e)
		return e;
	if (throttle_clear(c->db, u->email) != ERR_OK)
		log_warn("could not clear failed sign-ins");
	*res = SIGN_IN_OK;
	return ERR_OK;
}

enum err session_check(struct ctx *c, const char *email, const char *pw, const char *totp,
		       struct user *u, enum sign_in *res, int64_t *wait)
{
	const char *addr = http_client_addr(c->req);
	*wait = 0;
	enum err e = throttle_check(c->db, email, addr, wait);
	if (e)
		return e;
	if (*wait > 0) {
		*res = SIGN_IN_THROTTLED;
		return ERR_OK;
	}
	e = user_authenticate(c->db, c->a, email, pw, u);
	if (e == ERR_UNAUTHORIZED) {
		note_failure(c, email, addr);
		*res = SIGN_IN_WRONG;
		return ERR_OK;
	}
	if (e)
		return e;
	/* the password is right; an account with a second factor needs its code too */
	bool enrolled = false;
	if ((e = mfa_enrolled(c->db, u->id, &enrolled)))
		return e;
	if (enrolled)
		return session_check_totp(c, u, totp, res, wait);
	if (throttle_clear(c->db, email) != ERR_OK)
		log_warn("could not clear failed sign-ins");
	*res = SIGN_IN_OK;
	return ERR_OK;
}

enum err session_open(struct ctx *c, const struct user *u)
{
	const char *token, *csrf;
	int64_t ttl = c->app->cfg.session_ttl;
	enum err e = session_create(c->db, c->a, u->id, ttl, &token, &csrf);
	if (e)
		return e;
	set_session_cookie(c, token, ttl);
	principal_from_user(c, u);
	c->who.via_cookie = true;
	c->who.csrf = csrf;
	log_info("sign-in: user %lld", (long long)u->id);
	return ERR_OK;
}

enum err session_close(struct ctx *c)
{
	if (c->who.via_cookie) {
		enum err e = session_delete(c->db, c->who.session_id);
		if (e)
			return e;
	}
	set_session_cookie(c, "", 0);
	return ERR_OK;
}

void session_get(struct ctx *c)
{
	struct buf *b = &c->resp->body;
	buf_adds(b, "{\"user\":");
	user_json(b, &c->who);
	buf_adds(b, ",\"mfa_setup_required\":");
	buf_adds(b, c->who.mfa_due ? "true" : "false");
	buf_adds(b, ",\"auth\":");
	buf_adds(b, c->who.via_cookie ? "\"session\"" : "\"token\"");
	if (c->who.via_cookie) {
		buf_adds(b, ",\"csrf\":");
		buf_add_json_str(b, c->who.csrf, strlen(c->who.csrf));
	}
	buf_addc(b, '}');
	respond_json(c, 200);
}

void session_del(struct ctx *c)
{
	enum err e = session_close(c);
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	c->resp->status = 204;
}

void tokens_post(struct ctx *c)
{
	json_t *body = api_body_json(c);
	if (!body)
		return;
	static const char *const keys[] = { "name", "expires_at", "permissions", NULL };
	if (!only_strings(c, body, keys)) {
		json_decref(body);
		return;
	}
	struct verrors ve = { 0 };
	const char *name = string_member(body, "name");
	const char *exp = string_member(body, "expires_at");
	const char *perms = string_member(body, "permissions");
	struct token_spec spec = { .name = arena_strdup(c->a, name ? name : "") };
	if (perms && !authz_permissions_valid(perms))
		verrors_add(&ve, "permissions",
			    "must be register:action items separated by commas, e.g. "
			    "assets:read,*:read");
	spec.permissions = perms ? arena_strdup(c->a, perms) : NULL;
	char expiso[TIME_ISO_LEN] = "";
	if (!name || !*name)
		verrors_add(&ve, "name", "is required");
	else if (strlen(name) > 100)
		verrors_add(&ve, "name", "must be at most 100 characters");
	if (exp) {
		int64_t t;
		if (!time_parse_iso(exp, strlen(exp), &t))
			verrors_add(&ve, "expires_at",
				    "must be a timestamp such as 2027-01-31T00:00:00Z");
		else if (t <= time_now())
			verrors_add(&ve, "expires_at", "must be in the future");
		else
			time_format_iso(t, expiso);
	}
	json_decref(body);
	spec.expires_at = expiso[0] ? expiso : NULL;
	const char *token;
	int64_t id;
	struct token_spec made;
	enum err e = ve.n ? ERR_INVALID
			  : token_create(c->db, c->a, &c->actor, c->who.user_id, &spec,
					 c->who.subject.via_token ? &c->who.token : NULL, &made,
					 &token, &id, &ve);
	if (e) {
		respond_problem(c, e,
				e == ERR_INVALID ? "the request is not valid; see errors" : NULL,
				&ve);
		return;
	}
	struct buf *b = &c->resp->body;
	buf_adds(b, "{\"id\":");
	buf_add_i64(b, id);
	buf_adds(b, ",\"name\":");
	buf_add_json_str(b, made.name, strlen(made.name));
	buf_adds(b, ",\"expires_at\":");
	if (made.expires_at)
		buf_add_json_str(b, made.expires_at, strlen(made.expires_at));
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"permissions\":");
	if (made.permissions)
		buf_add_json_str(b, made.permissions, strlen(made.permissions));
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"token\":");
	buf_add_json_str(b, token, strlen(token));
	buf_addc(b, '}');
	char loc[64];
	snprintf(loc, sizeof(loc), "/api/v1/tokens/%lld", (long long)id);
	http_set_header(c->req, c->resp, "Location", loc);
	respond_json(c, 201);
}

void tokens_get(struct ctx *c)
{
	enum err e = token_list_json(c->db, c->who.user_id, &c->resp->body);
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	respond_json(c, 200);
}

void tokens_del(struct ctx *c)
{
	int64_t id = api_param_id(c, 0);
	if (!id)
		return;
	enum err e = token_revoke(c->db, &c->actor, c->who.user_id, id);
	if (e) {
		respond_problem(c, e, e == ERR_NOT_FOUND ? "no such token" : NULL, NULL);
		return;
	}
	c->resp->status = 204;
}

/* POST /api/v1/session/password {"current_password","new_password"}: every session of the
 * account ends and its tokens are revoked; the caller gets a fresh session in the answer. */
void session_password(struct ctx *c)
{
	json_t *body = api_body_json(c);
	if (!body)
		return;
	static const char *const keys[] = { "current_password", "new_password", NULL };
	if (!only_strings(c, body, keys)) {
		json_decref(body);
		return;
	}
	const char *cur = string_member(body, "current_password");
	const char *next = string_member(body, "new_password");
	cur = cur ? arena_strdup(c->a, cur) : NULL;
	next = next ? arena_strdup(c->a, next) : NULL;
	json_decref(body);
	struct verrors ve = { 0 };
	int64_t wait;
	enum err e = user_change_password(c->db, c->a, &c->actor, c->who.user_id, c->who.email,
					  http_client_addr(c->req), cur, next, &wait, &ve);
	if (e == ERR_THROTTLED) {
		respond_throttled(c, wait, "password checks");
		return;
	}
	if (e) {
		respond_problem(
			c, e, e == ERR_INVALID ? "the password was not changed; see errors" : NULL,
			&ve);
		return;
	}
	log_info("password changed: user %lld", (long long)c->who.user_id);
	const char *token, *csrf;
	if ((e = session_create(c->db, c->a, c->who.user_id, c->app->cfg.session_ttl, &token,
				&csrf))) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	set_session_cookie(c, token, c->app->cfg.session_ttl);
	buf_adds(&c->resp->body, "{\"csrf\":");
	buf_add_json_str(&c->resp->body, csrf, strlen(csrf));
	buf_adds(&c->resp->body, ",\"note\":\"every other session ended and every API token of "
				 "the account was revoked\"}");
	respond_json(c, 200);
}
