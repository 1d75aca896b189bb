/* err.c - the table from error code to HTTP status and a human title. */
#include "util/err.h"

static const struct {
	int status;
	const char *title;
	const char *name;
} err_table[ERR__COUNT] = {
	[ERR_OK] = { 200, "OK", "ok" },
	[ERR_NOMEM] = { 503, "Out of memory", "nomem" },
	[ERR_BAD_REQUEST] = { 400, "Bad request", "bad-request" },
	[ERR_INVALID] = { 422, "Validation failed", "invalid" },
	[ERR_UNAUTHORIZED] = { 401, "Authentication required", "unauthorized" },
	[ERR_FORBIDDEN] = { 403, "Forbidden", "forbidden" },
	[ERR_NOT_FOUND] = { 404, "Not found", "not-found" },
	[ERR_METHOD] = { 405, "Method not allowed", "method-not-allowed" },
	[ERR_CONFLICT] = { 409, "Conflict", "conflict" },
	[ERR_PRECONDITION] = { 412, "Precondition failed", "precondition-failed" },
	[ERR_TOO_LARGE] = { 413, "Request body too large", "too-large" },
	[ERR_MEDIA_TYPE] = { 415, "Unsupported media type", "unsupported-media-type" },
	[ERR_THROTTLED] = { 429, "Too many requests", "throttled" },
	[ERR_DB] = { 500, "Database error", "database" },
	[ERR_BUSY] = { 503, "Database busy", "busy" },
	[ERR_IO] = { 500, "I/O error", "io" },
	[ERR_INTERNAL] = { 500, "Internal error", "internal" },
};

int err_http_status(enum err e)
{
	return (unsigned)e < ERR__COUNT ? err_table[e].status : 500;
}

const char *err_title(enum err e)
{
	return (unsigned)e < ERR__COUNT ? err_table[e].title : "Internal error";
}

const char *err_name(enum err e)
{
	return (unsigned)e < ERR__COUNT ? err_table[e].name : "internal";
}
