/* ui.h - the server-rendered web UI. Pages are written into the response body through these
 * helpers only: text goes through html_esc (ui_text), markup is a literal (ui_html). Nothing
 * formats untrusted text into markup. */
#ifndef CUSTOS_UI_H
#define CUSTOS_UI_H

#include <jansson.h>

#include "http/ctx.h"

/* Opens a page: doctype, head, header with the account menu, navigation by ISMS area. */
void ui_begin(struct ctx *c, const char *title);
/* Closes the page and sets the status and content type. */
void ui_end(struct ctx *c, int status);
/* A bare page without navigation (sign-in, errors for anonymous users). */
void ui_begin_bare(struct ctx *c, const char *title);

void ui_text(struct ctx *c, const char *s);	 /* escaped text or attribute value */
void ui_html(struct ctx *c, const char *markup); /* a trusted literal */
void ui_int(struct ctx *c, int64_t v);
/* The hidden CSRF field every POST form carries. */
void ui_csrf(struct ctx *c);
/* The status message a redirect asked for with ?m=KEY (keys from a fixed table). */
void ui_flash(struct ctx *c);
/* 303 See Other to a local path. */
void ui_redirect(struct ctx *c, const char *location);
/* A whole error page for e, with an optional explanation. */
void ui_error(struct ctx *c, enum err e, const char *message);
/* Whether the request came from the UI (anything outside /api/). */
bool ui_path(const char *path);
/* A form field of the POST body (NULL when absent). */
const char *ui_field(struct ctx *c, const char *name);

/* The record of e named by the route's first parameter, loaded when the user may read it;
 * otherwise an error page (403 without read access, 404 outside its scope or for no such
 * record) and NULL. Sets c->entity. */
struct record *ui_load_readable(struct ctx *c, const struct entity *e);

/* Whether a page of register e (its list's pages or a record's) is for this user. */
bool ui_page_allowed(struct ctx *c, const struct entity *e, const struct entity_page *pg);

/* A record's value as display text (choices by label, booleans Yes/No); NULL when empty. */
const char *ui_value_text(struct ctx *c, const struct field *f, json_t *v);
/* Looks up the labels of many referenced records at once (a list page's owners), so that
 * ui_ref_label finds them without a query each. Only for registers the user reads in full. */
void ui_ref_prefetch(struct ctx *c, const char *entity, const int64_t *ids, size_t n);
/* The label of a referenced record the user may read, else "#id". */
const char *ui_ref_label(struct ctx *c, const char *entity, int64_t id);
/* Writes a value for display: references as links, long text with line breaks kept. */
void ui_value(struct ctx *c, const struct field *f, json_t *v);
/* The <option>s of a drop-down for a reference field: "—", then the referenced records the
 * user may read (the API's list for them, by name), val selected; a current value the user may
 * not read stays as the selected option. False, writing nothing, when the register is too
 * large for a drop-down (the form asks for the id instead). */
bool ui_ref_options(struct ctx *c, const struct field *f, const char *val);

#endif
