/* err.h - the one project-wide error code. Every fallible function returns it; one table
 * (err_http_status, err_title) maps it to HTTP. Never an errno or a bare -1 across modules. */
#ifndef CUSTOS_ERR_H
#define CUSTOS_ERR_H

#define WUR __attribute__((warn_unused_result))

enum err {
	ERR_OK = 0,
	ERR_NOMEM,	  /* allocation failed or a size cap was hit internally */
	ERR_BAD_REQUEST,  /* malformed input: 400 */
	ERR_INVALID,	  /* well-formed but fails validation: 422 */
	ERR_UNAUTHORIZED, /* no or bad credentials: 401 */
	ERR_FORBIDDEN,	  /* 403 */
	ERR_NOT_FOUND,	  /* 404 */
	ERR_METHOD,	  /* 405 */
	ERR_CONFLICT,	  /* unique constraint, still-referenced row: 409 */
	ERR_PRECONDITION, /* If-Match mismatch: 412 */
	ERR_TOO_LARGE,	  /* 413 */
	ERR_MEDIA_TYPE,	  /* 415 */
	ERR_THROTTLED,	  /* 429 */
	ERR_DB,		  /* the store failed: 500/503 */
	ERR_BUSY,	  /* the store is locked: 503 */
	ERR_IO,
	ERR_INTERNAL,
	ERR__COUNT
};

int err_http_status(enum err e);
const char *err_title(enum err e);
const char *err_name(enum err e);

#endif
