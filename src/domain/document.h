/* document.h - policies and documents: the registers, and what other layers call (the
 * reminders job, the default approval, the pages that read a version's text). */
#ifndef CUSTOS_DOCUMENT_H
#define CUSTOS_DOCUMENT_H

#include "core/model.h"
#include "core/repo.h"
#include "store/db.h"

#define DOCUMENT_BODY_MAX     500000 /* characters of one version's text */
#define DOCUMENT_AUDIENCE_MAX 20000  /* people asked to acknowledge one publication */
/* Advisory lock keys of documents (db_lock): this plus the document's id. */
#define DOCUMENT_LOCK (INT64_C(0x444F43) << 32)

extern const struct entity entity_document;
extern const struct entity entity_document_version;
extern const struct entity entity_document_signoff;
extern const struct entity entity_document_review;
extern const struct entity entity_change_request;
extern const struct entity entity_acknowledgement;
extern const struct entity entity_document_control;

/* Who approves a document of this kind unless its record says otherwise. */
const char *document_default_approval(const char *kind);

/* Records a reminder (once a week) on each acknowledgement overdue on today; *n: how many. */
enum err document_send_reminders(struct db *db, struct arena *a, const char *today, int *n) WUR;
/* The same as a scheduled job (jobs.h). */
enum err document_reminders_job(struct db *db);

/* A policy written as Markdown or plain text, imported as a new document with its text as a
 * first draft version: numbered sections become headings (util/textdoc.h). title NULL: the
 * text's own. The document and its version are written in one transaction through rc (with
 * its guard: the importer needs to create both), each audited. ERR_INVALID with ve naming
 * the field, ERR_BAD_REQUEST (not UTF-8) or ERR_TOO_LARGE for the text. */
struct document_import {
	const char *code, *title, *kind, *classification, *audience, *source;
	int64_t owner_id;
	const char *text;
	size_t n;
};
enum err document_import(struct repo_ctx *rc, const struct document_import *in, struct verrors *ve,
			 int64_t *doc_id, int64_t *version_id) WUR;

/* A version's approval sign-offs, in the order given. */
struct doc_signoff {
	const char *role, *signed_by, *signed_at, *body_hash;
	int64_t number;
};
enum err document_signoffs(struct db *db, struct arena *a, int64_t version_id,
			   struct doc_signoff **out, size_t *n) WUR;

/* Who has been asked to read a version, and who has read it. */
struct doc_coverage {
	int64_t asked, acknowledged, pending, superseded;
	struct doc_pending {
		int64_t ack_id, person_id, reminders;
		const char *person, *department, *due_on;
	} * rows; /* the pending ones, by name; at most DOCUMENT_AUDIENCE_MAX */
	size_t nrows;
};
enum err document_coverage(struct db *db, struct arena *a, int64_t version_id,
			   struct doc_coverage *out) WUR;

/* The highest version number of a document (0: it has none yet), and version number n of it
 * (ERR_NOT_FOUND when there is none): for comparing two of a document's versions. */
enum err document_last_version(struct db *db, int64_t doc_id, int64_t *number) WUR;
enum err document_version_by_number(struct db *db, struct arena *a, int64_t doc_id, int64_t number,
				    struct record **out) WUR;

/* The documents anyone may read (classified public, with a published version), by code. */
struct doc_public {
	int64_t id, version_id, number;
	const char *code, *title, *kind, *approved_on, *published_on, *next_review_on;
};
enum err document_public(struct db *db, struct arena *a, struct doc_public **out, size_t *n) WUR;

#endif
