/* handlers.h - every route's handler. The router's table is the list of them. */
#ifndef CUSTOS_HANDLERS_H
#define CUSTOS_HANDLERS_H

#include <jansson.h>

#include "http/ctx.h"

/* api.c: generic register handlers */
void api_list(struct ctx *c);
void api_get(struct ctx *c);
void api_create(struct ctx *c);
void api_update(struct ctx *c);
void api_delete(struct ctx *c);
void api_history(struct ctx *c);
/* Parses the request body as a JSON object; on failure the problem answer is already set. */
json_t *api_body_json(struct ctx *c);
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
void index_get(struct ctx *c);

#endif
