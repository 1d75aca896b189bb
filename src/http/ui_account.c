/* ui_account.c - "my account" (password, two-factor sign-in, API tokens) and, for
 * administrators, user accounts: the formal registration and de-registration of policy 3.10.
 * The rules live in core (user.c, mfa.c, account.c); this file only asks and shows. */
#include <stdio.h>
#include <string.h>

#include "core/account.h"
#include "core/authz.h"
#include "core/mfa.h"
#include "core/user.h"
#include "http/handlers.h"
#include "http/ui.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"

static json_t *parse(struct buf *b)
{
	return json_loadb(b->p, b->len, 0, NULL);
}

static void alert(struct ctx *c, const char *m)
{
	if (!m)
		return;
	ui_html(c, "<div role=\"alert\">");
	ui_text(c, m);
	ui_html(c, "</div>");
}

/* The names the account forms show for the fields core names in its errors. */
static const char *field_label(const char *field)
{
	static const struct {
		const char *field, *label;
	} labels[] = {
		{ "current_password", "Current password" },
		{ "new_password", "New password" },
		{ "password", "Password" },
		{ "code", "The code" },
		{ "name", "Name" },
		{ "email", "E-mail" },
		{ "role", "Role" },
		{ "roles", "Roles" },
		{ "department", "Department" },
		{ "department_id", "Department" },
		{ "person_id", "Person" },
		{ "active", "Active" },
		{ "permissions", "Limits" },
		{ "expires_at", "Expiry" },
	};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].field, field) == 0)
			return labels[i].label;
	return field;
}

static void errors(struct ctx *c, const struct verrors *ve)
{
	if (!ve || !ve->n)
		return;
	ui_html(c, "<div role=\"alert\"><ul>");
	for (size_t i = 0; i < ve->n; i++) {
		ui_html(c, "<li>");
		if (ve->items[i].field) {
			ui_text(c, field_label(ve->items[i].field));
			ui_html(c, " ");
		}
		ui_text(c, ve->items[i].message);
		ui_html(c, "</li>");
	}
	ui_html(c, "</ul></div>");
}

static void input(struct ctx *c, const char *type, const char *name, const char *label,
		  const char *value, const char *extra)
{
	ui_html(c, "<div class=\"field\"><label for=\"f-");
	ui_text(c, name);
	ui_html(c, "\">");
	ui_text(c, label);
	ui_html(c, "</label><input type=\"");
	ui_text(c, type);
	ui_html(c, "\" id=\"f-");
	ui_text(c, name);
	ui_html(c, "\" name=\"");
	ui_text(c, name);
	ui_html(c, "\" value=\"");
	ui_text(c, value);
	ui_html(c, "\"");
	if (extra)
		ui_html(c, extra);
	ui_html(c, "></div>");
}

/* ---- my account ---- */

struct account_view {
	const char *alert;
	const struct verrors *ve;
	const struct mfa_enrolment *enrolling;
	const char *const *recovery; /* shown once after confirmation */
	const char *new_token;	     /* shown once after creation */
};

static void account_page(struct ctx *c, int status, const struct account_view *v)
{
	ui_begin(c, "My account");
	ui_html(c, "<h1>My account</h1>");
	ui_flash(c);
	if (c->who.mfa_due)
		ui_html(c, "<div role=\"alert\">Your role requires two-factor sign-in. Set it up "
			   "below to continue.</div>");
	alert(c, v->alert);
	errors(c, v->ve);
	ui_html(c, "<dl class=\"record\"><dt>Name</dt><dd>");
	ui_text(c, c->who.name);
	ui_html(c, "</dd><dt>E-mail</dt><dd>");
	ui_text(c, c->who.email);
	ui_html(c, "</dd><dt>Roles</dt><dd>");
	bool first = true;
	for (int r = 0; r < ROLE__COUNT; r++)
		if (authz_has_role(&c->who.subject, (enum role)r)) {
			ui_html(c, first ? "" : ", ");
			ui_text(c, authz_role_name((enum role)r));
			first = false;
		}
	ui_html(c, "</dd></dl>");

	ui_html(c, "<section class=\"card\"><h2>Password</h2>"
		   "<form class=\"record\" method=\"post\" action=\"/account/password\">");
	ui_csrf(c);
	/* lets password managers file the new password under the right account */
	ui_html(c, "<input type=\"hidden\" name=\"username\" autocomplete=\"username\" value=\"");
	ui_text(c, c->who.email);
	ui_html(c, "\">");
	input(c, "password", "current_password", "Current password", NULL,
	      " autocomplete=\"current-password\" required");
	input(c, "password", "new_password", "New password (12 to 128 characters)", NULL,
	      " autocomplete=\"new-password\" required minlength=\"12\" maxlength=\"128\"");
	ui_html(c, "<button type=\"submit\">Change password</button></form></section>");

	ui_html(c, "<section class=\"card\"><h2>Two-factor sign-in</h2>");
	bool enrolled = false;
	if (mfa_enrolled(c->db, c->who.user_id, &enrolled) != ERR_OK)
		enrolled = false;
	if (v->recovery) {
		ui_html(c, "<p role=\"status\">Two-factor sign-in is on. Your other sessions were "
			   "signed out and your API tokens were revoked: make new ones if scripts "
			   "need them. Keep these recovery codes somewhere safe: each works once, "
			   "and they are shown only now.</p><ul>");
		for (int i = 0; i < MFA_RECOVERY_CODES; i++) {
			ui_html(c, "<li><code>");
			ui_text(c, v->recovery[i]);
			ui_html(c, "</code></li>");
		}
		ui_html(c, "</ul><p><a href=\"/\">Continue</a></p>");
	} else if (v->enrolling) {
		ui_html(c,
			"<p>Scan this code with your authenticator app, or type the secret, then "
			"enter the six-digit code it shows.</p><div class=\"qr\">");
		/* our own SVG from libqrencode: no text from users in it */
		ui_html(c, v->enrolling->svg);
		ui_html(c, "</div><p>Secret: <code class=\"secret\">");
		ui_text(c, v->enrolling->secret);
		ui_html(c, "</code></p><form class=\"record\" method=\"post\" "
			   "action=\"/account/mfa/confirm\">");
		ui_csrf(c);
		input(c, "text", "code", "Code from your app", NULL,
		      " inputmode=\"numeric\" autocomplete=\"one-time-code\" required");
		ui_html(c, "<button type=\"submit\">Turn on</button></form>");
	} else if (enrolled) {
		ui_html(c,
			"<p>Two-factor sign-in is <strong>on</strong>.</p>"
			"<form class=\"record\" method=\"post\" action=\"/account/mfa/disable\">");
		ui_csrf(c);
		input(c, "text", "code", "A current code, to turn it off", NULL,
		      " inputmode=\"numeric\" autocomplete=\"one-time-code\" required");
		ui_html(c, "<button class=\"danger\" type=\"submit\">Turn off</button></form>");
	} else {
		ui_html(c, "<p>Two-factor sign-in is <strong>off</strong>.</p>"
			   "<form method=\"post\" action=\"/account/mfa\">");
		ui_csrf(c);
		ui_html(c, "<button type=\"submit\">Set up two-factor sign-in</button></form>");
	}
	ui_html(c, "</section>");

	ui_html(c, "<section class=\"card\"><h2>API tokens</h2><p class=\"muted\">For scripts "
		   "and integrations: send <code>Authorization: Bearer &lt;token&gt;</code>.</p>");
	if (v->new_token) {
		ui_html(c, "<p role=\"status\">Your new token (shown only now): <code "
			   "class=\"secret\">");
		ui_text(c, v->new_token);
		ui_html(c, "</code></p>");
	}
	struct buf b;
	buf_init(&b, 0);
	json_t *list = token_list_json(c->db, c->who.user_id, &b) == ERR_OK ? parse(&b) : NULL;
	buf_free(&b);
	json_t *items = json_object_get(list, "items");
	if (json_array_size(items)) {
		ui_html(c,
			"<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Name</th>"
			"<th scope=\"col\">Created</th><th scope=\"col\">Expires</th>"
			"<th scope=\"col\">Last used</th><th scope=\"col\">State</th></tr></thead>"
			"<tbody>");
		size_t k;
		json_t *t;
		json_array_foreach(items, k, t)
		{
			static const char *const cols[] = { "name", "created_at", "expires_at",
							    "last_used_at" };
			ui_html(c, "<tr>");
			for (size_t i = 0; i < 4; i++) {
				ui_html(c, "<td>");
				const char *s = json_string_value(json_object_get(t, cols[i]));
				ui_text(c, s ? s : "\xE2\x80\x94");
				ui_html(c, "</td>");
			}
			ui_html(c, "<td>");
			if (json_is_string(json_object_get(t, "revoked_at"))) {
				ui_html(c, "revoked");
			} else {
				ui_html(c, "<form class=\"inline\" method=\"post\" "
					   "action=\"/account/tokens/");
				ui_int(c, json_integer_value(json_object_get(t, "id")));
				ui_html(c, "/revoke\">");
				ui_csrf(c);
				ui_html(c,
					"<button class=\"danger\" type=\"submit\">Revoke</button>"
					"</form>");
			}
			ui_html(c, "</td></tr>");
		}
		ui_html(c, "</tbody></table></div>");
	}
	json_decref(list);
	ui_html(c, "<form class=\"record\" method=\"post\" action=\"/account/tokens\">");
	ui_csrf(c);
	input(c, "text", "name", "Token name", NULL, " required maxlength=\"100\"");
	input(c, "text", "permissions",
	      "Limit to (optional, e.g. assets:read,*:read; account:users to manage accounts)",
	      NULL, NULL);
	input(c, "date", "expires_on", "Expires on (optional)", NULL, NULL);
	ui_html(c, "<button type=\"submit\">Create token</button></form></section>");
	ui_end(c, status);
}

void ui_account(struct ctx *c)
{
	struct account_view v = { 0 };
	account_page(c, 200, &v);
}

/* A throttled secret check: the page again, with the wait. */
static void account_throttled(struct ctx *c, int64_t wait)
{
	char secs[24];
	snprintf(secs, sizeof(secs), "%lld", (long long)wait);
	http_set_header(c->req, c->resp, "Retry-After", secs);
	struct account_view v = {
		.alert = arena_printf(c->a, "Too many wrong attempts. Try again in %lld seconds.",
				      (long long)wait),
	};
	account_page(c, 429, &v);
}

void ui_account_password(struct ctx *c)
{
	struct verrors ve = { 0 };
	struct account_view v = { .ve = &ve };
	int64_t wait;
	enum err e = user_change_password(c->db, c->a, &c->actor, c->who.user_id, c->who.email,
					  http_client_addr(c->req), ui_field(c, "current_password"),
					  ui_field(c, "new_password"), &wait, &ve);
	if (e == ERR_THROTTLED) {
		account_throttled(c, wait);
		return;
	}
	if (e == ERR_INVALID) {
		v.alert = "The password was not changed.";
		account_page(c, 422, &v);
		return;
	}
	/* every session ended with the change, this one too: start a fresh one */
	struct user u = { .id = c->who.user_id,
			  .email = c->who.email,
			  .name = c->who.name,
			  .roles = c->who.subject.roles,
			  .person_id = c->who.subject.person_id,
			  .department_id = c->who.subject.department_id,
			  .active = true };
	if (!e)
		e = session_open(c, &u);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_redirect(c, "/account?m=password");
}

void ui_account_mfa(struct ctx *c)
{
	struct mfa_enrolment en;
	enum err e = mfa_begin(c->db, c->a, c->who.user_id, c->who.email, &en);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	struct account_view v = { .enrolling = &en };
	account_page(c, 200, &v);
}

void ui_account_mfa_confirm(struct ctx *c)
{
	const char *code = ui_field(c, "code");
	const char *codes[MFA_RECOVERY_CODES];
	enum err e = mfa_confirm(c->db, c->a, &c->actor, c->who.user_id, c->who.session_id,
				 code ? code : "", codes);
	if (e == ERR_INVALID) {
		/* a fresh secret: the old one was shown on a page that is gone */
		struct mfa_enrolment en;
		if ((e = mfa_begin(c->db, c->a, c->who.user_id, c->who.email, &en))) {
			ui_error(c, e, NULL);
			return;
		}
		struct account_view v = { .enrolling = &en,
					  .alert = "That code did not match. Scan this new code "
						   "and try again." };
		account_page(c, 422, &v);
		return;
	}
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	c->who.mfa_due = false;
	struct account_view v = { .recovery = codes };
	account_page(c, 200, &v);
}

void ui_account_mfa_disable(struct ctx *c)
{
	struct verrors ve = { 0 };
	struct account_view v = { .ve = &ve };
	int64_t wait;
	enum err e =
		mfa_turn_off(c->db, &c->actor, c->who.user_id, c->who.subject.roles, c->who.email,
			     http_client_addr(c->req), ui_field(c, "code"), &wait, &ve);
	if (e == ERR_THROTTLED) {
		account_throttled(c, wait);
		return;
	}
	if (e == ERR_INVALID) {
		v.alert = "Two-factor sign-in stays on.";
		account_page(c, 422, &v);
		return;
	}
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_redirect(c, "/account?m=mfa_off");
}

void ui_account_token(struct ctx *c)
{
	const char *name = ui_field(c, "name"), *perms = ui_field(c, "permissions");
	const char *exp = ui_field(c, "expires_on");
	struct verrors ve = { 0 };
	struct account_view v = { .ve = &ve };
	if (perms && !*perms)
		perms = NULL;
	if (!name || !*name || strlen(name) > 100)
		v.alert = "Give the token a name of at most 100 characters.";
	else if (perms && !authz_permissions_valid(perms))
		v.alert = "Limits are register:action items separated by commas, e.g. "
			  "assets:read,*:read.";
	char expiso[TIME_ISO_LEN] = "";
	if (!v.alert && exp && *exp) {
		int64_t t;
		if (!time_parse_date(exp, strlen(exp), &t) || t <= time_now())
			v.alert = "The expiry must be a date in the future.";
		else
			time_format_iso(t, expiso);
	}
	if (v.alert) {
		account_page(c, 422, &v);
		return;
	}
	const char *token;
	int64_t id;
	struct token_spec spec = { name, perms, expiso[0] ? expiso : NULL }, made;
	/* a signed-in session makes it (the route takes no bearer token): no parent limits */
	enum err e = token_create(c->db, c->a, &c->actor, c->who.user_id, &spec, NULL, &made,
				  &token, &id, &ve);
	if (e == ERR_INVALID) {
		account_page(c, 422, &v);
		return;
	}
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	v.new_token = token;
	account_page(c, 201, &v);
}

void ui_account_token_revoke(struct ctx *c)
{
	int64_t id;
	if (c->nparams < 1 || !str_parse_i64(c->params[0], &id)) {
		ui_error(c, ERR_NOT_FOUND, NULL);
		return;
	}
	enum err e = token_revoke(c->db, &c->actor, c->who.user_id, id);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_redirect(c, "/account?m=token_revoked");
}

/* ---- user administration ---- */

static bool may_manage(struct ctx *c)
{
	if (authz_can(&c->who.subject, CAP_MANAGE_ACCOUNTS))
		return true;
	ui_error(c, ERR_FORBIDDEN, "Only administrators manage user accounts.");
	return false;
}

static void roles_text(struct ctx *c, json_t *roles)
{
	size_t k;
	json_t *r;
	json_array_foreach(roles, k, r)
	{
		ui_html(c, k ? ", " : "");
		ui_text(c, json_string_value(r));
	}
}

void ui_users(struct ctx *c)
{
	if (!may_manage(c))
		return;
	const char *q = http_query(c->req, "q");
	if (q && (!*q || strlen(q) > 200))
		q = NULL;
	struct buf b;
	buf_init(&b, 0);
	enum err e = account_list_json(c->db, q, &b);
	json_t *list = e ? NULL : parse(&b);
	buf_free(&b);
	if (!list) {
		ui_error(c, e ? e : ERR_INTERNAL, NULL);
		return;
	}
	ui_begin(c, "Users");
	ui_html(c, "<h1>Users</h1>");
	ui_flash(c);
	ui_html(c, "<div class=\"bar\"><p class=\"count grow\">");
	ui_int(c, json_integer_value(json_object_get(list, "total")));
	ui_html(c, " accounts</p><a class=\"button\" href=\"/admin/users/new\">New user</a></div>"
		   "<form class=\"filters\" role=\"search\" method=\"get\" action=\"/admin/users\">"
		   "<label>Search<input type=\"search\" name=\"q\" value=\"");
	ui_text(c, q);
	ui_html(c, "\"></label><button type=\"submit\">Filter</button></form>"
		   "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">E-mail</th>"
		   "<th scope=\"col\">Name</th><th scope=\"col\">Roles</th>"
		   "<th scope=\"col\">Active</th><th scope=\"col\">Last "
		   "seen</th></tr></thead><tbody>");
	size_t k;
	json_t *u;
	json_array_foreach(json_object_get(list, "items"), k, u)
	{
		ui_html(c, "<tr><td><a href=\"/admin/users/");
		ui_int(c, json_integer_value(json_object_get(u, "id")));
		ui_html(c, "\">");
		ui_text(c, json_string_value(json_object_get(u, "email")));
		ui_html(c, "</a></td><td>");
		ui_text(c, json_string_value(json_object_get(u, "name")));
		ui_html(c, "</td><td>");
		roles_text(c, json_object_get(u, "roles"));
		ui_html(c, "</td><td>");
		ui_html(c, json_is_true(json_object_get(u, "active")) ? "Yes" : "No");
		ui_html(c, "</td><td>");
		const char *seen = json_string_value(json_object_get(u, "last_seen_at"));
		ui_text(c, seen ? seen : "\xE2\x80\x94");
		ui_html(c, "</td></tr>");
	}
	ui_html(c, "</tbody></table></div>");
	json_decref(list);
	ui_end(c, 200);
}

/* Role checkboxes; held is the set currently on (bit per role). */
static void role_boxes(struct ctx *c, unsigned held)
{
	ui_html(c, "<fieldset class=\"field\"><legend>Roles</legend>");
	for (int r = 0; r < ROLE__COUNT; r++) {
		const char *name = authz_role_name((enum role)r);
		ui_html(c, "<label><input type=\"checkbox\" name=\"roles\" value=\"");
		ui_text(c, name);
		ui_html(c, held & (1u << r) ? "\" checked> " : "\"> ");
		ui_text(c, name);
		ui_html(c, "</label> ");
	}
	ui_html(c, "</fieldset>");
}

static unsigned posted_roles(struct ctx *c)
{
	unsigned roles = 0;
	for (size_t i = 0; c->form && i < c->form->n; i++) {
		if (strcmp(c->form->items[i].name, "roles") != 0)
			continue;
		int r = authz_role_from_name(c->form->items[i].value);
		if (r >= 0)
			roles |= 1u << r;
	}
	return roles;
}

static void new_user_page(struct ctx *c, int status, const struct verrors *ve, const char *password)
{
	ui_begin(c, "New user");
	ui_html(c, "<p class=\"muted\"><a href=\"/admin/users\">Users</a></p><h1>New user</h1>");
	errors(c, ve);
	if (password) {
		ui_html(c, "<p role=\"status\">The account was created. Its first password, shown "
			   "only now: <code class=\"secret\">");
		ui_text(c, password);
		ui_html(c, "</code></p>");
	}
	ui_html(c, "<form class=\"record card\" method=\"post\" action=\"/admin/users\">");
	ui_csrf(c);
	input(c, "email", "email", "E-mail", password ? NULL : ui_field(c, "email"), " required");
	input(c, "text", "name", "Name", password ? NULL : ui_field(c, "name"), " required");
	role_boxes(c, password ? 0 : posted_roles(c));
	input(c, "text", "department", "Department (code or name, optional)",
	      password ? NULL : ui_field(c, "department"), NULL);
	ui_html(c,
		"<p class=\"help\">A first password is generated and shown once; the user "
		"changes it under My account.</p><button type=\"submit\">Create</button></form>");
	ui_end(c, status);
}

void ui_user_new(struct ctx *c)
{
	if (may_manage(c))
		new_user_page(c, 200, NULL, NULL);
}

void ui_user_create(struct ctx *c)
{
	if (!may_manage(c))
		return;
	struct verrors ve = { 0 };
	const char *email = ui_field(c, "email"), *name = ui_field(c, "name");
	const char *dept = ui_field(c, "department");
	int64_t dept_id = 0;
	if (dept && *dept) {
		enum err e = user_find_department(c->db, dept, &dept_id);
		if (e == ERR_NOT_FOUND)
			verrors_add(&ve, "department", "is not a known department");
		else if (e) {
			ui_error(c, e, NULL);
			return;
		}
	}
	unsigned roles = posted_roles(c);
	const char *names[ROLE__COUNT];
	size_t n = 0;
	for (int r = 0; r < ROLE__COUNT; r++)
		if (roles & (1u << r))
			names[n++] = authz_role_name((enum role)r);
	char tok[CRYPTO_TOKEN_LEN];
	crypto_token(tok);
	tok[24] = '\0'; /* 144 bits */
	int64_t id = 0;
	enum err e = ve.n ? ERR_INVALID
			  : user_create(c->db, c->a, &c->actor, email ? email : "",
					name ? name : "", tok, names, n, dept_id, &ve, &id);
	if (e == ERR_INVALID) {
		new_user_page(c, 422, &ve, NULL);
		return;
	}
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	new_user_page(c, 201, NULL, arena_strdup(c->a, tok));
}

static void user_page(struct ctx *c, int64_t id, int status, const struct verrors *ve)
{
	struct buf b;
	buf_init(&b, 0);
	enum err e = account_get_json(c->db, id, &b);
	json_t *u = e ? NULL : parse(&b);
	buf_free(&b);
	if (!u) {
		ui_error(c, e ? e : ERR_INTERNAL, e == ERR_NOT_FOUND ? "No such account." : NULL);
		return;
	}
	const char *email = json_string_value(json_object_get(u, "email"));
	ui_begin(c, email ? email : "User");
	ui_html(c, "<p class=\"muted\"><a href=\"/admin/users\">Users</a></p><h1>");
	ui_text(c, email);
	ui_html(c, "</h1>");
	ui_flash(c);
	errors(c, ve);
	unsigned held = 0;
	size_t k;
	json_t *r;
	json_array_foreach(json_object_get(u, "roles"), k, r)
	{
		int ri = authz_role_from_name(json_string_value(r));
		if (ri >= 0)
			held |= 1u << ri;
	}
	ui_html(c, "<form class=\"record card\" method=\"post\" action=\"/admin/users/");
	ui_int(c, id);
	ui_html(c, "\">");
	ui_csrf(c);
	input(c, "text", "name", "Name", json_string_value(json_object_get(u, "name")),
	      " required");
	if (id == c->who.user_id) {
		/* nobody changes their own powers: what cannot be changed is not offered */
		ui_html(c, "<p class=\"field\">Roles: ");
		roles_text(c, json_object_get(u, "roles"));
		ui_html(c, "</p><p class=\"help\">This is your own account: another administrator "
			   "changes its roles, person or state.</p>"
			   "<button type=\"submit\">Save</button></form>");
	} else {
		role_boxes(c, held);
		ui_html(c, "<div class=\"field\"><label><input type=\"checkbox\" name=\"active\" "
			   "value=\"true\"");
		if (json_is_true(json_object_get(u, "active")))
			ui_html(c, " checked");
		ui_html(c, "> Active (unticking signs the user out and revokes their tokens at "
			   "once)</label></div><button type=\"submit\">Save</button></form>");
	}
	json_decref(u);
	ui_end(c, status);
}

/* The account id of /admin/users/{id} for an administrator; 0 after an error page. */
static int64_t managed_id(struct ctx *c)
{
	int64_t id;
	if (!may_manage(c))
		return 0;
	if (!str_parse_i64(c->params[0], &id) || id <= 0) {
		ui_error(c, ERR_NOT_FOUND, NULL);
		return 0;
	}
	return id;
}

void ui_user_show(struct ctx *c)
{
	int64_t id = managed_id(c);
	if (id)
		user_page(c, id, 200, NULL);
}

void ui_user_update(struct ctx *c)
{
	int64_t id = managed_id(c);
	if (!id)
		return;
	bool self = id == c->who.user_id; /* the page offers only the name then */
	struct account_patch p = { .set_roles = !self,
				   .roles = posted_roles(c),
				   .set_active = !self,
				   .active = ui_field(c, "active") != NULL };
	const char *name = ui_field(c, "name");
	if (name && *name)
		p.name = name;
	struct verrors ve = { 0 };
	enum err e = account_update(c->db, c->a, &c->actor, c->who.user_id, id, &p, &ve);
	if (e == ERR_INVALID) {
		user_page(c, id, 422, &ve);
		return;
	}
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_redirect(c, arena_printf(c->a, "/admin/users/%lld?m=user_saved", (long long)id));
}
