/* handlers.h - every route's handler. The router's table is the list of them. */
#ifndef CUSTOS_HANDLERS_H
#define CUSTOS_HANDLERS_H

#include <jansson.h>

#include "core/repo.h"
#include "core/user.h"
#include "http/ctx.h"
#include "io/keys.h"

/* api.c: generic register handlers */
void api_list(struct ctx *c);
void api_get(struct ctx *c);
void api_create(struct ctx *c);
void api_update(struct ctx *c);
void api_delete(struct ctx *c);
void api_history(struct ctx *c);
void api_file_get(struct ctx *c);
void ui_document_read(struct ctx *c);
void ui_document_coverage(struct ctx *c);
void ui_acknowledgement_read(struct ctx *c);
void ui_version_export(struct ctx *c);
void ui_trust(struct ctx *c);
void ui_trust_document(struct ctx *c);
void ui_document_compare(struct ctx *c);
void ui_report_form(struct ctx *c);
void ui_report(struct ctx *c);
void ui_incident_metrics(struct ctx *c);
void ui_incident_report(struct ctx *c);
void ui_document_upload_form(struct ctx *c);
void ui_document_upload(struct ctx *c);
void api_file_put(struct ctx *c);
void api_file_delete(struct ctx *c);
void api_export(struct ctx *c); /* export.c: a register as a CSV, XLSX or JSON download */
void api_import(struct ctx *c); /* import.c: a register's records from a CSV or XLSX body */
/* import.c: the signed-in user as reader of natural keys (io/keys.h): the records of each
 * register the user may list, so an export or import never names one outside that scope. */
struct key_reader http_key_reader(struct ctx *c);
void api_step(struct ctx *c);
/* Who takes a workflow step, and when (for the step's rules). */
struct step_env http_step_env(struct ctx *c);
/* Parses the request body as a JSON object; on failure the problem answer is already set. */
/* Whether the request says its body is JSON (application/json, with parameters or not). */
bool api_json_type(struct ctx *c);
json_t *api_body_json(struct ctx *c);
/* The repository as the signed-in user: writes checked by http_write_guard inside their
 * transaction (the stored and the new state both in the user's scope for the action). */
struct repo_ctx http_repo(struct ctx *c);
/* An empty list query limited to what the signed-in user's scope covers (authz.h). */
void http_list_query(struct ctx *c, struct list_query *lq, unsigned scope);
enum err http_write_guard(void *arg, const struct entity *e, const struct record *before,
			  const struct record *after) WUR;
/* The {id} route parameter, or 0 after answering 404. */
int64_t api_param_id(struct ctx *c, size_t i);

/* session.c: sign-in, sign-out, who am I, API tokens */
void session_post(struct ctx *c);
void session_get(struct ctx *c);
void session_del(struct ctx *c);
void session_password(struct ctx *c);
void tokens_post(struct ctx *c);
void tokens_get(struct ctx *c);
void tokens_del(struct ctx *c);
/* Resolves bearer token or session cookie into c->who: ERR_UNAUTHORIZED when neither is
 * valid, another error when the store failed. */
enum err session_authenticate(struct ctx *c) WUR;
/* Sign-in shared by the API and the UI: throttled per account and address, failures counted. */
enum sign_in {
	SIGN_IN_OK,
	SIGN_IN_WRONG,	     /* unknown e-mail or wrong password: the same answer */
	SIGN_IN_TOTP_NEEDED, /* the password is right; the account needs its second factor */
	SIGN_IN_TOTP_WRONG,
	SIGN_IN_THROTTLED, /* *wait seconds before the next try */
};
enum err session_check(struct ctx *c, const char *email, const char *pw, const char *totp,
		       struct user *u, enum sign_in *res, int64_t *wait) WUR;
/* The second factor alone, for an account whose password was checked already. */
enum err session_check_totp(struct ctx *c, const struct user *u, const char *totp,
			    enum sign_in *res, int64_t *wait) WUR;
/* Starts a session for u: the row, the cookie and c->who (with its CSRF token). */
enum err session_open(struct ctx *c, const struct user *u) WUR;
/* Ends the caller's cookie session and clears the cookie. */
enum err session_close(struct ctx *c) WUR;

/* mfa.c: two-factor sign-in */
void mfa_post(struct ctx *c);
void mfa_confirm_post(struct ctx *c);
void mfa_delete(struct ctx *c);
void mfa_settings_get(struct ctx *c);
void mfa_settings_put(struct ctx *c);

/* users.c: account administration */
void users_list(struct ctx *c);
void users_get(struct ctx *c);
void users_create(struct ctx *c);
void users_update(struct ctx *c);

/* openapi.c */
void openapi_get(struct ctx *c);
void health_get(struct ctx *c);

/* static.c: the embedded CSS and JavaScript */
void static_get(struct ctx *c);

/* ui_home.c, ui_register.c, ui_account.c: the web UI */
void ui_home(struct ctx *c);
void ui_login_get(struct ctx *c);
void ui_login_post(struct ctx *c);
void ui_login_verify(struct ctx *c);
void ui_logout(struct ctx *c);
void ui_list(struct ctx *c);
void ui_show(struct ctx *c);
void ui_new(struct ctx *c);
void ui_edit(struct ctx *c);
void ui_create(struct ctx *c);
void ui_update(struct ctx *c);
void ui_delete(struct ctx *c);
void ui_step(struct ctx *c);
void ui_export(struct ctx *c);
void ui_import_form(struct ctx *c); /* ui_import.c: upload a CSV file into a register */
void ui_import(struct ctx *c);
/* oscal.c and ui_oscal.c: a control catalogue from an OSCAL catalog */
void api_frameworks_import(struct ctx *c);
bool http_oscal_allowed(struct ctx *c);
void ui_oscal_form(struct ctx *c);
void ui_oscal(struct ctx *c);
void ui_risk_heatmap(struct ctx *c);
void ui_soa(struct ctx *c);
void api_soa(struct ctx *c);
void ui_soa_export(struct ctx *c);
void ui_soa_version_document(struct ctx *c);
void ui_risk_method_document(struct ctx *c);
void ui_account(struct ctx *c);
void ui_account_password(struct ctx *c);
void ui_account_mfa(struct ctx *c);
void ui_account_mfa_confirm(struct ctx *c);
void ui_account_mfa_disable(struct ctx *c);
void ui_account_token(struct ctx *c);
void ui_account_token_revoke(struct ctx *c);
void ui_users(struct ctx *c);
void ui_user_new(struct ctx *c);
void ui_user_create(struct ctx *c);
void ui_user_show(struct ctx *c);
void ui_user_update(struct ctx *c);

#endif
