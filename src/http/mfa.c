/* mfa.c - two-factor enrolment for the signed-in user, and the setting of which roles need it.
 * The logic is in core/mfa.c; this file only speaks HTTP. */
#include <string.h>

#include "core/authz.h"
#include "core/mfa.h"
#include "http/handlers.h"
#include "http/respond.h"

/* The one string field "key" of a JSON body; answers 422 and returns NULL when absent. */
static const char *body_string(struct ctx *c, const char *key)
{
	json_t *body = api_body_json(c);
	if (!body)
		return NULL;
	json_t *v = json_object_get(body, key);
	const char *k;
	json_t *x;
	struct verrors ve = { 0 };
	json_object_foreach(body, k, x) if (strcmp(k, key) != 0)
		verrors_add(&ve, arena_strdup(c->a, k), "is not a known field");
	if (!json_is_string(v) || !*json_string_value(v))
		verrors_add(&ve, key, "is required");
	const char *out = ve.n ? NULL : arena_strdup(c->a, json_string_value(v));
	json_decref(body);
	if (ve.n)
		respond_problem(c, ERR_INVALID, "the request is not valid; see errors", &ve);
	return out;
}

void mfa_post(struct ctx *c)
{
	struct mfa_enrolment en;
	enum err e = mfa_begin(c->db, c->a, c->who.user_id, c->who.email, &en);
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	struct buf *b = &c->resp->body;
	buf_adds(b, "{\"secret\":");
	buf_add_json_str(b, en.secret, strlen(en.secret));
	buf_adds(b, ",\"otpauth_uri\":");
	buf_add_json_str(b, en.uri, strlen(en.uri));
	buf_adds(b, ",\"qr_svg\":");
	buf_add_json_str(b, en.svg, strlen(en.svg));
	buf_adds(b, ",\"next\":\"POST /api/v1/session/mfa/confirm with a code from your app\"}");
	respond_json(c, 201);
}

void mfa_confirm_post(struct ctx *c)
{
	const char *code = body_string(c, "code");
	if (!code)
		return;
	const char *codes[MFA_RECOVERY_CODES];
	enum err e =
		mfa_confirm(c->db, c->a, &c->actor, c->who.user_id, c->who.session_id, code, codes);
	if (e == ERR_INVALID) {
		respond_field_error(c, e, "code",
				    "is not the current code of the secret being set up");
		return;
	}
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	struct buf *b = &c->resp->body;
	buf_adds(b, "{\"recovery_codes\":[");
	for (int i = 0; i < MFA_RECOVERY_CODES; i++) {
		if (i)
			buf_addc(b, ',');
		buf_add_json_str(b, codes[i], strlen(codes[i]));
	}
	buf_adds(b, "],\"note\":\"each recovery code works once; keep them somewhere safe. Every "
		    "other session ended and every API token of the account was revoked\"}");
	respond_json(c, 200);
}

void mfa_delete(struct ctx *c)
{
	const char *code = body_string(c, "code");
	if (!code)
		return;
	struct verrors ve = { 0 };
	int64_t wait;
	enum err e = mfa_turn_off(c->db, &c->actor, c->who.user_id, c->who.subject.roles,
				  c->who.email, http_client_addr(c->req), code, &wait, &ve);
	if (e == ERR_THROTTLED) {
		respond_throttled(c, wait, "code checks");
		return;
	}
	if (e) {
		respond_problem(c, e,
				e == ERR_INVALID ? "two-factor sign-in stays on; see errors" : NULL,
				&ve);
		return;
	}
	c->resp->status = 204;
}

static void roles_answer(struct ctx *c, unsigned roles)
{
	struct buf *b = &c->resp->body;
	buf_reset(b);
	buf_adds(b, "{\"required_roles\":[");
	bool first = true;
	for (int r = 0; r < ROLE__COUNT; r++) {
		if (!(roles & (1u << r)))
			continue;
		if (!first)
			buf_addc(b, ',');
		first = false;
		buf_add_json_str(b, authz_role_name((enum role)r),
				 strlen(authz_role_name((enum role)r)));
	}
	buf_adds(b, "]}");
	respond_json(c, 200);
}

static bool may_set(struct ctx *c)
{
	if (authz_can(&c->who.subject, CAP_SECURITY_SETTINGS))
		return true;
	respond_problem(c, ERR_FORBIDDEN, "you may not change security settings", NULL);
	return false;
}

void mfa_settings_get(struct ctx *c)
{
	if (!may_set(c))
		return;
	unsigned roles;
	enum err e = mfa_required_roles(c->db, &roles);
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	roles_answer(c, roles);
}

void mfa_settings_put(struct ctx *c)
{
	if (!may_set(c))
		return;
	json_t *body = api_body_json(c);
	if (!body)
		return;
	struct verrors ve = { 0 };
	const char *k;
	json_t *x;
	json_object_foreach(body, k, x) if (strcmp(k, "required_roles") != 0)
		verrors_add(&ve, arena_strdup(c->a, k), "is not a known field");
	json_t *list = json_object_get(body, "required_roles");
	unsigned roles = 0;
	if (!json_is_array(list))
		verrors_add(&ve, "required_roles", "must be a list of roles");
	size_t i;
	json_array_foreach(list, i, x)
	{
		int r = json_is_string(x) ? authz_role_from_name(json_string_value(x)) : -1;
		if (r < 0)
			verrors_add(&ve, "required_roles", "contains something that is not a role");
		else
			roles |= 1u << r;
	}
	json_decref(body);
	if (ve.n) {
		respond_problem(c, ERR_INVALID, "the setting is not valid; see errors", &ve);
		return;
	}
	enum err e = mfa_set_required_roles(c->db, &c->actor, roles);
	if (e) {
		respond_problem(c, e, NULL, NULL);
		return;
	}
	roles_answer(c, roles);
}
