/* form.h - application/x-www-form-urlencoded bodies (HTML form posts), decoded into an arena.
 * Names and values must be valid UTF-8 after decoding; counts and sizes are capped. */
#ifndef CUSTOS_FORM_H
#define CUSTOS_FORM_H

#include <stddef.h>

#include "util/arena.h"
#include "util/err.h"

#define FORM_MAX_FIELDS 256

struct form {
	size_t n;
	struct form_field {
		const char *name, *value;
	} items[FORM_MAX_FIELDS];
};

/* ERR_BAD_REQUEST with *why on malformed input (bad escape, not UTF-8, too many fields). */
enum err form_parse(struct arena *a, const char *body, size_t n, struct form *out,
		    const char **why) WUR;
/* The first value of the named field, or NULL. */
const char *form_get(const struct form *f, const char *name);
/* Whether the named field is present (a checked checkbox). */
int form_count(const struct form *f, const char *name);

#endif
