/* repo.h - generic persistence for every register: create/read/update/delete with validation
 * and an audit event in the same transaction, and lists with search, filters, multi-field sort,
 * keyset cursors and a total. SQL is generated from the entity table; values are always bound. */
#ifndef CUSTOS_REPO_H
#define CUSTOS_REPO_H

#include "core/audit.h"
#include "core/model.h"
#include "store/db.h"
#include "util/buf.h"

struct repo_ctx {
	struct db *db;
	struct arena *a;
	const struct actor *who;
	int64_t person_id; /* the acting user's person (0: none), for FF_SELF fields */
	bool in_tx; /* the caller holds a write transaction: repo neither begins nor ends one */
	/* Asked inside the write transaction before anything is written: before is NULL on
	 * create, after is NULL on delete. A non-OK answer aborts the write with that error. */
	enum err (*guard)(void *arg, const struct entity *e, const struct record *before,
			  const struct record *after);
	void *guard_arg;
};

#define LIST_MAX_FILTERS   16
#define LIST_MAX_VALUES	   20
#define LIST_MAX_SORT	   4
#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT	   500
#define LIST_MAX_Q	   200

enum filter_op { FILTER_EQ, FILTER_GTE, FILTER_LTE };

struct list_query {
	const char *q;
	size_t nfilters;
	struct list_filter {
		const struct field *f;
		enum filter_op op;
		size_t nvals; /* EQ with several values means "any of" */
		struct value vals[LIST_MAX_VALUES];
	} filters[LIST_MAX_FILTERS];
	size_t nsort;
	struct list_sort {
		const struct field *f;
		bool desc;
	} sort[LIST_MAX_SORT];
	int limit;
	const char *cursor;
	/* The caller's permission scope (authz.h): when scoped, only rows the scope covers are
	 * listed and counted. It reads only the register's own columns, which is what lets
	 * cached totals be keyed on the register's change counter alone. */
	bool scoped;
	unsigned scope;
	int64_t scope_person, scope_department;
};

void list_query_init(struct list_query *lq);
/* Applies one query-string parameter; on failure *why says what is wrong with it. */
enum err list_query_param(struct arena *a, const struct entity *e, struct list_query *lq,
			  const char *name, const char *value, const char **why) WUR;

/* {"items":[...],"next":...,"total":N}. ERR_BAD_REQUEST with *why for a bad cursor. */
enum err repo_list_json(struct repo_ctx *c, const struct entity *e, const struct list_query *lq,
			struct buf *out, const char **why) WUR;
/* Only the number of rows the query's filters and scope select (cached like list totals):
 * for counts on pages, without reading a row. */
enum err repo_count(struct repo_ctx *c, const struct entity *e, const struct list_query *lq,
		    int64_t *total) WUR;
/* The names of the records ids[0..n) that the list query selects (its permission scope and
 * filters: a name is read as a list is), as fn(arg, id, label): label_prefix and label_field
 * joined by a space, "#id" when the record has no name. Ids it does not select are skipped. */
#define REPO_LABELS_MAX 64
enum err repo_labels(struct repo_ctx *c, const struct entity *e, const struct list_query *lq,
		     const int64_t *ids, size_t n,
		     void (*fn)(void *arg, int64_t id, const char *label), void *arg) WUR;
enum err repo_get_json(struct repo_ctx *c, const struct entity *e, int64_t id, struct buf *out) WUR;
/* The same, also giving the record's version (for ETags). */
enum err repo_read_json(struct repo_ctx *c, const struct entity *e, int64_t id, struct buf *out,
			int64_t *version) WUR;
enum err repo_load(struct repo_ctx *c, const struct entity *e, int64_t id, struct record **out) WUR;

/* The record is validated (fields, references, uniqueness); ERR_INVALID fills ve. */
enum err repo_create(struct repo_ctx *c, struct record *rec, struct verrors *ve, int64_t *id) WUR;
/* patch holds the fields to change. if_version 0 means "any". ERR_PRECONDITION when the
 * stored version differs. */
enum err repo_update(struct repo_ctx *c, const struct entity *e, int64_t id, struct record *patch,
		     int64_t if_version, struct verrors *ve) WUR;
/* Takes a workflow step: the record must be in one of the step's start states (ERR_CONFLICT
 * naming the state field otherwise); inputs holds the step's input fields; the state moves to
 * the step's target, the step's apply hook runs, and one audit event named after the step is
 * written. The guard is asked as for an update; it must know the step itself. */
enum err repo_step(struct repo_ctx *c, const struct entity *e, int64_t id, const struct step *st,
		   const struct step_env *env, struct record *inputs, int64_t if_version,
		   struct verrors *ve) WUR;
/* ERR_CONFLICT (with ve naming what still refers to it) when other records point here. */
enum err repo_delete(struct repo_ctx *c, const struct entity *e, int64_t id, int64_t if_version,
		     struct verrors *ve) WUR;

/* Inside a write's hooks (derive, a step's apply): the actor the write is for; NULL outside
 * one. Changes a hook makes to other records are audited under it. */
const struct actor *repo_actor(void);

/* Writes the row at columns col.. (id, fields, version, created_at, updated_at) as a JSON
 * object: integers and references as numbers, booleans as true/false, NULL as null. */
void repo_row_json(struct db_stmt *st, int col, const struct entity *e, struct buf *out);

#endif
