/* ui_home.c - signing in (with the TOTP step) and out, and the home page: my tasks, counts
 * that respect the user's scope, and the ISMS dashboard for the ISM and the Board. */
#include <string.h>

#include "core/authz.h"
#include "core/repo.h"
#include "core/user.h"
#include "http/handlers.h"
#include "http/ui.h"
#include "util/crypto.h"
#include "util/html.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"

#define MFA_COOKIE     "custos_signin"
#define TASK_HORIZON   (30 * 86400) /* reviews due within a month are tasks */
#define TASKS_PER_LIST 20

/* Only a local path is a place to return to after sign-in: no scheme, host or "//". */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return "/";
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\')
			return "/";
	return next;
}

/* A sign-in form posted from another site is refused (login CSRF): nobody signs a visitor into
 * an account of theirs. Two checks: the browser's word on where the post came from
 * (Sec-Fetch-Site, or an Origin naming another host, or "null" from a sandboxed frame or a
 * data: page), and a token only this site's own sign-in page knows: it is in the form and in a
 * cookie set with the page (SameSite=Strict, and __Host- over TLS so no other site, sibling
 * subdomains included, can plant one). A post without both halves equal is refused. */
#define LOGIN_COOKIE	  "custos_login"
#define LOGIN_COOKIE_HOST "__Host-custos_login"

static bool same_origin(struct ctx *c)
{
	const char *site = http_header(c->req, "Sec-Fetch-Site");
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return false;
	const char *origin = http_header(c->req, "Origin");
	const char *host = http_header(c->req, "Host");
	if (!origin)
		return true; /* older browsers and scripts: the token decides */
	const char *p = strstr(origin, "://");
	return p && host && strcmp(p + 3, host) == 0;
}

static bool login_secure(struct ctx *c)
{
	return c->req->tls || c->app->cfg.cookie_secure;
}

/* The sign-in page's token: the one its cookie holds, or a new one set with this answer. */
static const char *login_token(struct ctx *c)
{
	bool secure = login_secure(c);
	const char *have = http_cookie(c->req, secure ? LOGIN_COOKIE_HOST : LOGIN_COOKIE);
	if (have && strlen(have) == CRYPTO_TOKEN_LEN - 1)
		return have;
	char tok[CRYPTO_TOKEN_LEN];
	crypto_token(tok);
	http_add_header(c->req, c->resp, "Set-Cookie",
			arena_printf(c->a, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
				     secure ? LOGIN_COOKIE_HOST : LOGIN_COOKIE, tok,
				     secure ? "; Secure" : ""));
	return arena_strdup(c->a, tok);
}

/* Whether a posted sign-in form came from this site's own page. */
static bool login_form_ok(struct ctx *c)
{
	if (!same_origin(c))
		return false;
	const char *cookie =
		http_cookie(c->req, login_secure(c) ? LOGIN_COOKIE_HOST : LOGIN_COOKIE);
	const char *field = ui_field(c, "_login");
	size_t n = CRYPTO_TOKEN_LEN - 1;
	return cookie && field && strlen(cookie) == n && strlen(field) == n &&
	       crypto_equal(cookie, field, n);
}

static void login_token_field(struct ctx *c)
{
	ui_html(c, "<input type=\"hidden\" name=\"_login\" value=\"");
	ui_text(c, login_token(c));
	ui_html(c, "\">");
}

static void login_page(struct ctx *c, int status, const char *alert, const char *email,
		       const char *next)
{
	ui_begin_bare(c, "Sign in");
	ui_html(c, "<div class=\"login\"><h1>Sign in</h1>");
	ui_flash(c);
	if (alert) {
		ui_html(c, "<div role=\"alert\">");
		ui_text(c, alert);
		ui_html(c, "</div>");
	}
	ui_html(c, "<form class=\"record card\" method=\"post\" action=\"/login\">"
		   "<div class=\"field\"><label for=\"email\">E-mail</label>"
		   "<input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"username\" "
		   "required autofocus value=\"");
	ui_text(c, email);
	ui_html(c, "\"></div><div class=\"field\"><label for=\"password\">Password</label>"
		   "<input type=\"password\" id=\"password\" name=\"password\" "
		   "autocomplete=\"current-password\" required></div>"
		   "<input type=\"hidden\" name=\"next\" value=\"");
	ui_text(c, safe_next(next));
	ui_html(c, "\">");
	login_token_field(c);
	ui_html(c, "<button type=\"submit\">Sign in</button></form></div>");
	ui_end(c, status);
}

static void totp_page(struct ctx *c, int status, const char *alert, const char *next)
{
	ui_begin_bare(c, "Two-factor sign-in");
	ui_html(c, "<div class=\"login\"><h1>Two-factor sign-in</h1>");
	if (alert) {
		ui_html(c, "<div role=\"alert\">");
		ui_text(c, alert);
		ui_html(c, "</div>");
	}
	ui_html(c,
		"<form class=\"record card\" method=\"post\" action=\"/login/verify\">"
		"<div class=\"field\"><label for=\"totp\">Code from your authenticator app"
		"</label><input type=\"text\" id=\"totp\" name=\"totp\" inputmode=\"numeric\" "
		"autocomplete=\"one-time-code\" required autofocus aria-describedby=\"totp-help\">"
		"<p class=\"help\" id=\"totp-help\">Six digits, or one of your recovery codes."
		"</p></div><input type=\"hidden\" name=\"next\" value=\"");
	ui_text(c, safe_next(next));
	ui_html(c, "\">");
	login_token_field(c);
	ui_html(c, "<button type=\"submit\">Verify</button></form>"
		   "<p><a href=\"/login\">Start again</a></p></div>");
	ui_end(c, status);
}

static void signin_cookie(struct ctx *c, const char *value, int max_age)
{
	bool secure = c->req->tls || c->app->cfg.cookie_secure;
	http_add_header(c->req, c->resp, "Set-Cookie",
			arena_printf(c->a,
				     MFA_COOKIE "=%s; Path=/login; Max-Age=%d; HttpOnly; "
						"SameSite=Strict%s",
				     value, max_age, secure ? "; Secure" : ""));
}

void ui_login_get(struct ctx *c)
{
	if (session_authenticate(c) == ERR_OK && !c->who.mfa_due) {
		ui_redirect(c, safe_next(http_query(c->req, "next")));
		return;
	}
	c->authed = false;
	login_page(c, 200, NULL, NULL, http_query(c->req, "next"));
}

static void throttled(struct ctx *c, int64_t wait, bool totp, const char *next)
{
	char secs[24];
	snprintf(secs, sizeof(secs), "%lld", (long long)wait);
	http_set_header(c->req, c->resp, "Retry-After", secs);
	const char *m = arena_printf(c->a, "Too many failed sign-ins. Try again in %lld seconds.",
				     (long long)wait);
	if (totp)
		totp_page(c, 429, m, next);
	else
		login_page(c, 429, m, NULL, next);
}

/* Signed in: the session cookie, then back where the user was going. */
static void signed_in(struct ctx *c, const struct user *u, const char *next)
{
	enum err e = session_open(c, u);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_redirect(c, c->who.mfa_due ? "/account" : safe_next(next));
}

void ui_login_post(struct ctx *c)
{
	const char *email = ui_field(c, "email"), *pw = ui_field(c, "password");
	const char *next = ui_field(c, "next");
	if (!login_form_ok(c)) {
		/* a page left open past its cookie lands here too: a fresh page, nothing done */
		login_page(c, 403,
			   "This sign-in form did not come from this site's own page, or it has "
			   "expired. Please sign in again.",
			   NULL, next);
		return;
	}
	if (!email || !*email || !pw || !*pw) {
		login_page(c, 422, "Enter your e-mail address and your password.", email, next);
		return;
	}
	struct user u = { 0 };
	enum sign_in res;
	int64_t wait = 0;
	enum err e = session_check(c, email, pw, NULL, &u, &res, &wait);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	switch (res) {
	case SIGN_IN_OK:
		signed_in(c, &u, next);
		return;
	case SIGN_IN_THROTTLED:
		throttled(c, wait, false, next);
		return;
	case SIGN_IN_TOTP_NEEDED: {
		const char *ticket;
		if ((e = session_create_pending(c->db, c->a, u.id, &ticket))) {
			ui_error(c, e, NULL);
			return;
		}
		signin_cookie(c, ticket, SESSION_PENDING_TTL);
		totp_page(c, 200, NULL, next);
		return;
	}
	case SIGN_IN_WRONG:
	case SIGN_IN_TOTP_WRONG:
		break;
	}
	login_page(c, 401, "Wrong e-mail or password.", email, next);
}

void ui_login_verify(struct ctx *c)
{
	const char *next = ui_field(c, "next");
	const char *ticket = http_cookie(c->req, MFA_COOKIE);
	if (!login_form_ok(c)) {
		login_page(c, 403,
			   "This sign-in form did not come from this site's own page, or it has "
			   "expired. Please sign in again.",
			   NULL, next);
		return;
	}
	struct user u = { 0 };
	int64_t pending = 0;
	enum err e = ticket ? session_pending_lookup(c->db, c->a, ticket, &u, &pending)
			    : ERR_UNAUTHORIZED;
	if (e == ERR_UNAUTHORIZED) {
		login_page(c, 401,
			   "Your sign-in took too long or was not started. Please start "
			   "again.",
			   NULL, next);
		return;
	}
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	enum sign_in res;
	int64_t wait = 0;
	if ((e = session_check_totp(c, &u, ui_field(c, "totp"), &res, &wait))) {
		ui_error(c, e, NULL);
		return;
	}
	if (res == SIGN_IN_THROTTLED) {
		throttled(c, wait, true, next);
		return;
	}
	if (res != SIGN_IN_OK) {
		totp_page(c, 401, "That code is not valid (or was used already).", next);
		return;
	}
	if (session_delete(c->db, pending) != ERR_OK)
		log_warn("could not remove a finished sign-in step");
	signin_cookie(c, "", 0);
	signed_in(c, &u, next);
}

void ui_logout(struct ctx *c)
{
	enum err e = session_close(c);
	if (e) {
		ui_error(c, e, NULL);
		return;
	}
	ui_redirect(c, "/login?m=signed_out");
}

/* ---- home ---- */

static json_t *run_list(struct ctx *c, const struct entity *e, struct list_query *lq)
{
	struct actor none = { 0 };
	struct repo_ctx rc = { .db = c->db, .a = c->a, .who = &none };
	struct buf b;
	buf_init(&b, 0);
	const char *why;
	json_t *j = NULL;
	if (repo_list_json(&rc, e, lq, &b, &why) == ERR_OK)
		j = json_loadb(b.p, b.len, 0, NULL);
	buf_free(&b);
	return j;
}

static bool scoped(struct ctx *c, const struct entity *e, struct list_query *lq)
{
	unsigned scope = authz_scope(&c->who.subject, e, AUTHZ_READ);
	if (!scope)
		return false;
	http_list_query(c, lq, scope);
	return true;
}

static const struct field *due_field(const struct entity *e)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (e->fields[i].flags & FF_DUE)
			return &e->fields[i];
	return NULL;
}

/* Applies a fixed query ("status=planned,in_progress&...") from the entity table. */
static bool apply_filter(struct ctx *c, const struct entity *e, struct list_query *lq,
			 const char *filter)
{
	char *q = filter ? arena_strdup(c->a, filter) : NULL;
	for (char *p = q; p && *p;) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = '\0';
		char *eq = strchr(p, '=');
		const char *why;
		if (!eq)
			return false;
		*eq = '\0';
		if (list_query_param(c->a, e, lq, p, eq + 1, &why) != ERR_OK)
			return false;
		p = amp ? amp + 1 : NULL;
	}
	return true;
}

/* Workflow steps that wait for this user: records in a step's start states, within the
 * user's scope for that step (an owner's risks to accept, the Board's above appetite). */
static int step_tasks(struct ctx *c, int shown)
{
	int n = 0;
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		const struct workflow *w = e->workflow;
		for (size_t k = 0; w && k < w->nsteps; k++) {
			const struct step *st = &w->steps[k];
			unsigned scope = authz_step_scope(&c->who.subject, e, st->name);
			if (!st->task || !scope)
				continue;
			struct list_query lq;
			http_list_query(c, &lq, scope);
			lq.limit = TASKS_PER_LIST;
			struct buf states;
			buf_init(&states, 0);
			for (const char *const *f = st->from; f && *f; f++) {
				buf_adds(&states, states.len ? "," : "");
				buf_adds(&states, *f);
			}
			const char *why;
			bool ok = list_query_param(c->a, e, &lq, w->state_field,
						   arena_strdup(c->a, buf_cstr(&states)),
						   &why) == ERR_OK;
			buf_free(&states);
			json_t *page = ok ? run_list(c, e, &lq) : NULL;
			size_t r;
			json_t *row;
			json_array_foreach(json_object_get(page, "items"), r, row)
			{
				const char *label =
					json_string_value(json_object_get(row, e->label_field));
				if (!shown && !n)
					ui_html(c, "<ul class=\"tasks\">");
				n++;
				ui_html(c, "<li>");
				ui_text(c, st->label);
				ui_html(c, ": <a href=\"/");
				ui_text(c, e->plural);
				ui_html(c, "/");
				ui_int(c, json_integer_value(json_object_get(row, "id")));
				ui_html(c, "\">");
				ui_text(c, label ? label : e->title);
				ui_html(c, "</a></li>");
			}
			json_decref(page);
		}
	}
	return n;
}

/* Published documents this user was asked to read and has not acknowledged yet (policy 1.2:
 * the policy is communicated to every member of staff). */
static void must_read(struct ctx *c, const char *today)
{
	const struct authz_subject *s = &c->who.subject;
	const struct entity *e = model_entity("acknowledgement");
	unsigned scope = e ? authz_scope(s, e, AUTHZ_READ) : SCOPE_NONE;
	if (!scope || !s->person_id)
		return;
	struct list_query lq;
	http_list_query(c, &lq, scope);
	lq.limit = TASKS_PER_LIST;
	const char *filter =
		arena_printf(c->a, "status=pending&person_id=%lld", (long long)s->person_id);
	json_t *page = apply_filter(c, e, &lq, filter) ? run_list(c, e, &lq) : NULL;
	json_t *items = json_object_get(page, "items");
	if (json_array_size(items)) {
		ui_html(c, "<section aria-labelledby=\"read-h\"><h2 id=\"read-h\">Documents I must "
			   "read</h2><ul class=\"tasks\">");
		size_t r;
		json_t *row;
		json_array_foreach(items, r, row)
		{
			const char *due = json_string_value(json_object_get(row, "due_on"));
			ui_html(c, "<li><a href=\"/acknowledgements/");
			ui_int(c, json_integer_value(json_object_get(row, "id")));
			ui_html(c, "/read\">");
			ui_text(c, json_string_value(json_object_get(row, "name")));
			ui_html(c, "</a>");
			if (due) {
				ui_html(c, " \xE2\x80\x94 read by ");
				ui_text(c, due);
				if (strcmp(due, today) < 0)
					ui_html(c, " <span class=\"badge bad\">overdue</span>");
			}
			ui_html(c, "</li>");
		}
		ui_html(c, "</ul></section>");
	}
	json_decref(page);
}

/* Records whose due date falls within the horizon and that wait for this user: those the
 * user owns, or, in registers without owners, those the user may update everywhere. */
static int tasks(struct ctx *c, const char *today, const char *horizon)
{
	int shown = 0;
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		const struct field *due = due_field(e);
		struct list_query lq;
		if (!due || !scoped(c, e, &lq))
			continue;
		const char *why;
		bool ok = list_query_param(c->a, e, &lq, arena_printf(c->a, "%s.lte", due->name),
					   horizon, &why) == ERR_OK &&
			  list_query_param(c->a, e, &lq, "sort", due->name, &why) == ERR_OK;
		const struct field *own = e->own_column ? model_field(e, e->own_column) : NULL;
		if (own && c->who.subject.person_id)
			ok = ok &&
			     list_query_param(c->a, e, &lq, own->name,
					      arena_printf(c->a, "%lld",
							   (long long)c->who.subject.person_id),
					      &why) == ERR_OK;
		else if (own || !(authz_scope(&c->who.subject, e, AUTHZ_UPDATE) & SCOPE_ALL))
			continue;
		ok = ok && apply_filter(c, e, &lq, e->task_filter);
		lq.limit = TASKS_PER_LIST;
		json_t *page = ok ? run_list(c, e, &lq) : NULL;
		size_t k;
		json_t *row;
		json_array_foreach(json_object_get(page, "items"), k, row)
		{
			const char *when = json_string_value(json_object_get(row, due->name));
			const char *label = json_string_value(json_object_get(row, e->label_field));
			bool overdue = when && strcmp(when, today) < 0;
			if (!shown)
				ui_html(c, "<ul class=\"tasks\">");
			shown++;
			ui_html(c, "<li>Review ");
			ui_text(c, e->title);
			ui_html(c, " <a href=\"/");
			ui_text(c, e->plural);
			ui_html(c, "/");
			ui_int(c, json_integer_value(json_object_get(row, "id")));
			ui_html(c, "\">");
			ui_text(c, label ? label : "(unnamed)");
			ui_html(c, "</a> \xE2\x80\x94 ");
			ui_text(c, due->label);
			ui_html(c, " ");
			ui_text(c, when);
			if (overdue)
				ui_html(c, " <span class=\"badge bad\">overdue</span>");
			ui_html(c, "</li>");
		}
		json_decref(page);
	}
	shown += step_tasks(c, shown);
	if (shown)
		ui_html(c, "</ul>");
	return shown;
}

static int64_t count(struct ctx *c, const struct entity *e, const char *name, const char *value)
{
	struct list_query lq;
	if (!scoped(c, e, &lq))
		return -1;
	const char *why;
	if (name && list_query_param(c->a, e, &lq, name, value, &why) != ERR_OK)
		return -1;
	struct actor none = { 0 };
	struct repo_ctx rc = { .db = c->db, .a = c->a, .who = &none };
	int64_t n;
	return repo_count(&rc, e, &lq, &n) == ERR_OK ? n : -1;
}

static void stat(struct ctx *c, const char *href, int64_t n, const char *label, bool bad)
{
	ui_html(c, bad && n > 0 ? "<a class=\"stat bad\" href=\"" : "<a class=\"stat\" href=\"");
	ui_text(c, href);
	ui_html(c, "\"><strong>");
	ui_int(c, n);
	ui_html(c, "</strong>");
	ui_text(c, label);
	ui_html(c, "</a>");
}

/* overdue_to: the last date that is overdue (yesterday: a review due today is not late) */
static void dashboard(struct ctx *c, const char *overdue_to)
{
	ui_html(c, "<section aria-labelledby=\"dash-h\"><h2 id=\"dash-h\">ISMS dashboard</h2>"
		   "<div class=\"grid\">");
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		const struct field *due = due_field(e);
		if (!due)
			continue;
		const char *name = arena_printf(c->a, "%s.lte", due->name);
		int64_t overdue = count(c, e, name, overdue_to);
		int64_t undated = count(c, e, due->name, "null");
		char *lbl = arena_strdup(c->a, due->label);
		if (lbl && lbl[0] >= 'A' && lbl[0] <= 'Z')
			lbl[0] = (char)(lbl[0] - 'A' + 'a');
		if (overdue >= 0)
			stat(c, arena_printf(c->a, "/%s?%s=%s", e->plural, name, overdue_to),
			     overdue, arena_printf(c->a, "%s: %s passed", e->title_plural, lbl),
			     true);
		if (undated >= 0)
			stat(c, arena_printf(c->a, "/%s?%s=null", e->plural, due->name), undated,
			     arena_printf(c->a, "%s without a %s", e->title_plural, lbl), true);
	}
	/* registers with a workflow: how many records wait in each state that is not an end */
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		const struct workflow *w = e->workflow;
		const struct field *sf = w ? model_field(e, w->state_field) : NULL;
		for (const struct choice *ch = sf ? sf->choices : NULL; ch && ch->value; ch++) {
			bool waits = false; /* a state some step starts from, marked as a task */
			for (size_t k = 0; k < w->nsteps; k++)
				for (const char *const *f = w->steps[k].from;
				     w->steps[k].task && *f; f++)
					waits = waits || strcmp(*f, ch->value) == 0;
			int64_t n = waits ? count(c, e, sf->name, ch->value) : -1;
			if (n > 0)
				stat(c,
				     arena_printf(c->a, "/%s?%s=%s", e->plural, sf->name,
						  ch->value),
				     n, arena_printf(c->a, "%s: %s", e->title_plural, ch->label),
				     true);
		}
		for (const struct entity_page *pg = e->pages; pg && pg->href; pg++)
			if (authz_scope(&c->who.subject, e, AUTHZ_READ) &&
			    ui_page_allowed(c, e, pg)) {
				ui_html(c, "<a class=\"stat\" href=\"");
				ui_text(c, pg->href);
				ui_html(c, "\"><strong>\xE2\x86\x92</strong>");
				ui_text(c, e->title_plural);
				ui_html(c, ": ");
				ui_text(c, pg->label);
				ui_html(c, "</a>");
			}
	}
	int64_t events = 0;
	char last[32];
	if (audit_summary(c->db, &events, last) == ERR_OK) {
		ui_html(c, "<div class=\"stat\"><strong>");
		ui_int(c, events);
		ui_html(c, "</strong>events in the audit trail");
		if (last[0]) {
			static const struct field at = { .name = "at", .type = FT_TIMESTAMP };
			json_t *j = json_string(last);
			ui_html(c, "<br><span class=\"muted\">last ");
			ui_text(c, ui_value_text(c, &at, j));
			json_decref(j);
			ui_html(c, "</span>");
		}
		ui_html(c, "</div>");
	}
	ui_html(c, "</div><p class=\"muted\">Risk, control, incident and policy figures appear "
		   "here as those registers are set up.</p></section>");
}

void ui_home(struct ctx *c)
{
	ui_begin(c, "Home");
	ui_html(c, "<h1>Home</h1>");
	ui_flash(c);
	ui_html(c, "<p>Signed in as ");
	ui_text(c, c->who.name);
	ui_html(c, " (");
	bool first = true;
	for (int r = 0; r < ROLE__COUNT; r++) {
		if (!authz_has_role(&c->who.subject, (enum role)r))
			continue;
		ui_html(c, first ? "" : ", ");
		ui_text(c, authz_role_name((enum role)r));
		first = false;
	}
	ui_html(c, ").</p>");

	int64_t now = time_now();
	char today[11], horizon[11], yesterday[11];
	time_format_date(now, today);
	time_format_date(now - 86400, yesterday);
	time_format_date(now + TASK_HORIZON, horizon);
	must_read(c, today);
	ui_html(c, "<section aria-labelledby=\"tasks-h\"><h2 id=\"tasks-h\">My tasks</h2>");
	if (!tasks(c, today, horizon))
		ui_html(c, "<p class=\"muted\">Nothing waits for you.</p>");
	ui_html(c, "</section>");

	const struct authz_subject *s = &c->who.subject;
	if (authz_has_role(s, ROLE_ISMS_MANAGER) || authz_has_role(s, ROLE_BOARD))
		dashboard(c, yesterday);

	bool any = false;
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		int64_t n = count(c, e, NULL, NULL);
		if (n < 0)
			continue;
		if (!any)
			ui_html(c, "<section aria-labelledby=\"reg-h\"><h2 id=\"reg-h\">Registers"
				   "</h2><div class=\"grid\">");
		any = true;
		stat(c, arena_printf(c->a, "/%s", e->plural), n, e->title_plural, false);
	}
	if (any)
		ui_html(c, "</div></section>");
	if (authz_can(s, CAP_MANAGE_ACCOUNTS))
		ui_html(c, "<p><a href=\"/admin/users\">Manage user accounts</a></p>");
	ui_end(c, 200);
}
