/* respond.h - building answers: JSON bodies and RFC 9457 problem details. */
#ifndef CUSTOS_RESPOND_H
#define CUSTOS_RESPOND_H

#include "core/model.h"
#include "http/ctx.h"

/* Sets status and the JSON content type; the body is whatever the caller appends. */
void respond_json(struct ctx *c, int status);
/* application/problem+json from an error code; detail may be NULL; ve may be NULL. */
void respond_problem(struct ctx *c, enum err e, const char *detail, const struct verrors *ve);
/* One field error, as 400 or 422 (e decides). */
void respond_field_error(struct ctx *c, enum err e, const char *field, const char *message);

/* 429 with Retry-After: wait seconds, and a detail saying what was throttled ("sign-ins"). */
void respond_throttled(struct ctx *c, int64_t wait, const char *what);

/* Content-Disposition: attachment named name: an ASCII form with anything else, quotes and
 * backslashes as '_'; for a name a user gave (any UTF-8), the exact name as filename* too
 * (RFC 6266). */
void respond_attachment(struct ctx *c, const char *name, bool user_named);

#endif
