/* model.h - registers are data: an entity is a constant table of field descriptors, and generic
 * code (validation, JSON, SQL, audit, API, UI) walks it. A domain file declares its entities and
 * adds only what is special to them through the check hook. No SQL and no HTTP in here. */
#ifndef CUSTOS_MODEL_H
#define CUSTOS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/arena.h"
#include "util/err.h"

enum field_type {
	FT_TEXT,     /* one line */
	FT_LONGTEXT, /* several lines, plain */
	FT_MARKDOWN, /* several lines, rendered as Markdown */
	FT_EMAIL,
	FT_INT, /* with choices: a labelled level such as a 1-4 rating */
	FT_BOOL,
	FT_DATE,      /* YYYY-MM-DD */
	FT_TIMESTAMP, /* RFC 3339, stored as UTC "YYYY-MM-DDTHH:MM:SSZ" */
	FT_ENUM,      /* one of choices[] */
	FT_REF,	      /* id of a row of entity `ref` */
	/* An uploaded file (core/files.h): its descriptor as JSON, an object in the API.
	 * Declare it FF_READONLY: it is set only by an upload (PUT /api/v1/{plural}/{id}/files/
	 * {field}, or a form's file input), never from JSON or CSV values. */
	FT_FILE,
};

enum field_flag {
	FF_REQUIRED = 1u << 0,
	FF_UNIQUE = 1u << 1,   /* checked before writing, so the error names the field */
	FF_SEARCH = 1u << 2,   /* matched by ?q= */
	FF_LIST = 1u << 3,     /* a column in list views */
	FF_READONLY = 1u << 4, /* computed or system-set: never taken from input */
	/* A date by which the record's owner must act (its next review): drives the owner's
	 * tasks and the overdue counts on the dashboard. */
	FF_DUE = 1u << 5,
	/* Once set, never changed or removed (an incident report's attachment: the reporter's
	 * evidence). */
	FF_KEEP = 1u << 6,
	/* A person reference that names whoever makes the record (an incident's reporter, a
	 * change request's author): on create, left out means the acting user's person. */
	FF_SELF = 1u << 7,
	/* Given when the record is made and never changed after (who reported an incident, the
	 * incident a note belongs to): an update or step that changes it is refused, naming it. */
	FF_FIXED = 1u << 8,
	/* The time the record is made (when an incident became known): set by the create, never
	 * from input. Declare it FF_READONLY. */
	FF_CREATE_TIME = 1u << 9,
	/* What was done at one step (its note): given with a step and kept until the next, which
	 * clears it unless it gives its own. Declare it FF_READONLY and list it in the steps'
	 * inputs. */
	FF_PER_STEP = 1u << 10,
};

struct choice {
	const char *value; /* for FT_INT, the number as text */
	const char *label;
	const char *help;
};

struct field {
	const char *name; /* JSON key and column name */
	const char *label;
	enum field_type type;
	unsigned flags;
	int64_t min, max; /* text: length in characters; int: value range (0,0: defaults) */
	const struct choice *choices; /* terminated by a {NULL} entry */
	const char *ref;	      /* FT_REF: the referenced entity's name */
	const char *help;
	const char *dflt; /* value (as text) taken on create when the input has none */
	/* The reference field whose record this field is copied from, on every write: its field
	 * of the same name (an incident's department follows its reporter: "reporter_id" gives
	 * the reporter's department_id). Declare it FF_READONLY. NULL: none. */
	const char *follows;
};

struct value {
	bool set; /* present in the input or loaded */
	bool null;
	int64_t i;     /* FT_INT, FT_BOOL, FT_REF */
	const char *s; /* every other type, NUL-terminated, in the arena */
	size_t n;
	/* FT_FILE being uploaded: the bytes repo stores with the record (s is the descriptor) */
	const void *blob;
	size_t blob_n;
};

struct entity;
struct db;
struct actor;

struct record {
	const struct entity *e;
	int64_t id;
	int64_t version;
	const char *created_at, *updated_at;
	struct value *v; /* e->nfields values */
};

#define VERRORS_MAX 32

struct verrors {
	size_t n;
	struct verror {
		const char *field;
		const char *message;
	} items[VERRORS_MAX];
};

/* How a register's records are named and carried in files (io/keys.c, io/import.c). */
struct entity_io {
	/* The natural key: the fields that identify a record in any installation, so that a
	 * reference to it can be written in a CSV or XLSX file and found again after an import
	 * into another installation. Alternatives are separated by '|' and tried in that order;
	 * the fields of one alternative by '+', their texts joined by one space (a reference
	 * field gives its record's key). "code|name": a department by its code, by its name
	 * where it has none. The last alternative must be made of required fields, so every
	 * record has a key; a reference field in a key must be required. Every register that
	 * other registers refer to declares one (tests/unit/test_keys.c); NULL: none. */
	const char *key;
	/* Why an import must not create the register's records although it has no workflow
	 * (their state comes from other records' steps, or there is only one of them); NULL:
	 * an import may, unless the register has a workflow or refers to one that may not. */
	const char *no_import;
};

/* What one role may do with a register: its actions with their scope, as `custos permissions`
 * prints them: "r:all c:own u:department d:all triage:all" (r c u d = read create update delete,
 * any other name a workflow step of the register; scopes all, own, department, own+department).
 * Parsed and checked once at start (authz_load): a name that does not resolve stops the program. */
struct grant {
	int role; /* an enum role (core/authz.h) */
	const char *rights;
};

struct entity {
	const char *name;	  /* "asset" */
	const char *plural;	  /* "assets": URL segment and table name */
	const char *title;	  /* "Asset" */
	const char *title_plural; /* "Assets" */
	const char *area;	  /* ISMS area for navigation: "assets", "people", ... */
	const char *description;
	const struct field *fields;
	size_t nfields;
	const char *label_field; /* the field that names a row */
	/* A field shown before the label where records are listed by name ("A.9.2.1" before a
	 * catalogue control's title: two catalogues share titles); NULL: none. */
	const char *label_prefix;
	/* A reference made of the id ("INC-" gives "INC-00012"), shown before the label where a
	 * record is named, for registers whose records are quoted by number; NULL: none. */
	const char *id_prefix;
	/* For permission scopes: the column holding the owning person's id ("own"), and the
	 * column holding the department's id ("department"); NULL when the register has none. */
	const char *own_column;
	const char *dept_column;
	const char *default_sort;
	/* Pages of the register besides its list (a heat map), shown as links on the list. */
	const struct entity_page {
		const char *href, *label;
		const char *state; /* on a record page: only in this workflow state; NULL: any */
		/* shown only to who may create records of this register (the page makes one) */
		const char *creates;
		bool reads_all; /* shown only to who reads the whole register (metrics) */
	} * pages;		/* terminated by a {NULL} entry, or NULL */
	/* Pages of each record ("/risk_methods/{id}/document"), linked from its detail page. */
	const struct entity_page *record_pages;
	/* Workflow states in which a record no longer changes (an approved SoA): its page offers
	 * no edit or delete. NULL-terminated, or NULL. The domain rules still refuse them. */
	const char *const *frozen_states;
	/* Which records are still tasks for their owner when their FF_DUE date nears, as a list
	 * query ("status=planned,in_progress"); NULL: all of them. */
	const char *task_filter;
	/* A warning to show with a stored record as of today (YYYY-MM-DD), or NULL: a control
	 * whose evidence has expired. May read the database. */
	const char *(*flag)(struct db *db, struct arena *a, const struct record *rec,
			    const char *today);
	/* Whether a stored record may be deleted (a risk method in use may not): ERR_CONFLICT
	 * with ve saying why. Inside the delete's transaction; NULL: always. */
	enum err (*can_delete)(struct db *db, const struct record *rec, struct verrors *ve);
	/* Domain rules across fields (end after start, ...); add errors to ve. */
	void (*check)(const struct record *rec, struct arena *a, struct verrors *ve);
	/* Computes the read-only fields from the others, inside the write transaction (a risk's
	 * score and level from its likelihood, impact and the risk method); may read the
	 * database. before is NULL on create. ERR_INVALID with ve, or a store error. */
	enum err (*derive)(struct db *db, struct arena *a, const struct record *before,
			   struct record *after, struct verrors *ve);
	/* Effects of a write that need the stored record (its id): a notice queued for the
	 * outbox when an incident is reported or escalated. Inside the write's transaction,
	 * after the row and before the audit event; before is NULL on create; action is
	 * "create", "update" or the step's name. A non-OK answer undoes the write. NULL: none. */
	enum err (*after_write)(struct db *db, struct arena *a, const struct record *before,
				const struct record *after, const char *action);
	const struct workflow *workflow; /* NULL: the register has no states */
	struct entity_io io;		 /* natural key and whether imports may create records */
	/* The reference field naming the record this one belongs to (a note's incident): while
	 * that record is in one of its register's frozen states, this register takes no new
	 * record and no change for it. Declare the field FF_FIXED. NULL: none. */
	const char *parent;
	/* With a parent: records already there may still change while it is frozen (corrective
	 * actions are followed up after their incident closes); only new ones are refused. */
	bool parent_keeps_changes;
	/* Who may do what: one grant per role that may do anything, ended by { .rights = NULL };
	 * a role without one may do nothing (deny by default). */
	const struct grant *access;
};

/* A workflow is data like the fields: the state field and the steps between states. A step is
 * its own permission (authz.c: role x register x step -> scope), audit action and URL
 * (POST /api/v1/{plural}/{id}/{step}). */
struct step_env {
	struct db *db;
	struct arena *a;
	const struct actor *who;
	int64_t person_id; /* the acting user's person record, 0 if none */
	unsigned roles;	   /* the acting user's roles (bit per enum role) */
	const char *today; /* YYYY-MM-DD */
	/* The values given with this step (set by repo_step): a rule can tell them from values
	 * merely left on the record. */
	const struct record *inputs;
	const char *now; /* RFC 3339 */
};

struct step {
	const char *name;	 /* "accept" */
	const char *label;	 /* "Accept the residual risk" */
	const char *help;	 /* what the step means, shown with its button */
	const char *const *from; /* states it starts from, NULL-terminated */
	const char *to;		 /* the state it leads to */
	/* Offered on the home page ("my tasks") to whoever may take it on a record. */
	bool task;
	/* Fields the caller gives with the step (read-only otherwise), NULL-terminated or NULL. */
	const char *const *inputs;
	/* Fields the record must hold after the step (given with it, or already): "is required
	 * to <step>" otherwise. NULL-terminated or NULL. Checked before apply runs. */
	const char *const *require;
	/* A timestamp field set to the step's time, and a field set to who took it (a person
	 * reference: the acting user's person; a text field: their sign-in name); NULL: none. */
	const char *stamp_at, *stamp_by;
	/* Rules and effects beyond the state change, inside the transaction: who may (beyond the
	 * role table, e.g. only the risk's owner: ERR_FORBIDDEN with a message in ve), what must
	 * be filled (ERR_INVALID), what is recorded (who accepted, when). May be NULL. */
	enum err (*apply)(const struct step_env *env, const struct record *before,
			  struct record *after, struct verrors *ve);
};

struct workflow {
	const char *state_field; /* an FT_ENUM field, FF_READONLY: only steps change it */
	const struct step *steps;
	size_t nsteps;
};

enum model_mode { MODEL_CREATE, MODEL_PATCH };

/* Typed access to a record's fields for domain code: a field is named by its descriptor, the
 * address of its entry in the register's field table, so a typo does not compile, and an
 * assert holds that it is a field of the record's own register. Domain files declare their
 * field tables indexed by an enum and name a field as &incident_fields[INC_ROOT_CAUSE]. Text
 * and numbers read NULL and 0 when unset or null; setting text NULL stores null. */
const struct value *rec_get(const struct record *r, const struct field *f);
bool rec_has(const struct record *r, const struct field *f); /* set and not null */
const char *rec_text(const struct record *r, const struct field *f);
int64_t rec_int(const struct record *r, const struct field *f);
void rec_set_text(struct record *r, const struct field *f, const char *s);
void rec_set_int(struct record *r, const struct field *f, int64_t v);
void rec_set_null(struct record *r, const struct field *f);
/* to's value of f (a field of to's register) from the same field of from (same register). */
void rec_copy(struct record *to, const struct record *from, const struct field *f);

/* A record's reference for registers quoted by number ("INC-00012" from id_prefix "INC-");
 * NULL for registers without one. */
const char *model_reference(struct arena *a, const struct entity *e, int64_t id);

/* Whether every name the registers' declarations use resolves (references, scope and label
 * columns, the workflow's state field, states and step inputs; no register or field declared
 * twice); false with why naming the first that does not. Run at start: the program must not
 * start on a declaration that is wrong. */
bool model_registry_check(char *why, size_t n);
/* The registers in an order where each comes after those it refers to (within a cycle of
 * references, after those it requires), declared order otherwise: the order a whole
 * installation is copied in. Returns how many (0 if cap is too small or required references
 * form a cycle). */
size_t model_registry_order(const struct entity **out, size_t cap);

/* The registers of this build, set once at start by the domain layer. */
void model_registry_set(const struct entity *const *list, size_t n);
size_t model_registry_count(void);
const struct entity *model_registry_at(size_t i);
const struct entity *model_entity(const char *name);
const struct entity *model_entity_by_plural(const char *plural);

/* System columns every register has, in this order after the fields in SQL and JSON. */
extern const struct field model_system_fields[];
extern const size_t model_system_nfields;

const struct field *model_field(const struct entity *e, const char *name);
/* Whether the register has an FT_FILE field (its forms upload files). */
bool model_has_files(const struct entity *e);
int model_field_index(const struct entity *e, const char *name);
/* Whether a field can be filtered and sorted on (short, typed values only). */
bool model_field_filterable(const struct field *f);
const struct choice *model_choice(const struct field *f, const char *value);
const char *model_type_name(enum field_type t);
/* Effective limits, applying type defaults when the descriptor leaves 0,0. */
int64_t model_max_len(const struct field *f);
void model_int_range(const struct field *f, int64_t *min, int64_t *max);

/* The value of a named field of rec; NULL when the entity has no such field. */
const struct value *model_get(const struct record *rec, const char *name);
/* A field's text, or NULL when unset, null or no such field; an integer (reference, boolean),
 * or 0. */
const char *model_text(const struct record *rec, const char *name);
int64_t model_int(const struct record *rec, const char *name);
/* Sets a field (no-op for a name the entity lacks): text (NULL sets null) or an integer. */
void model_set_text(struct record *rec, const char *name, const char *s);
void model_set_int(struct record *rec, const char *name, int64_t v);
struct record *model_record_new(struct arena *a, const struct entity *e);
void verrors_add(struct verrors *ve, const char *field, const char *message);

/* The record's workflow state when it is one of the entity's frozen_states, else NULL. */
const char *model_frozen(const struct record *rec);
const struct step *model_step(const struct entity *e, const char *name);
/* Whether the step can start from the record's current state. */
bool model_step_from(const struct step *st, const struct record *rec);
/* Whether field name is one of the step's inputs. */
bool model_step_input(const struct step *st, const char *name);
/* Reads a step's inputs from a JSON object (NULL: none) into rec, refusing other keys. */
void model_step_from_json(struct arena *a, const struct entity *e, const struct step *st,
			  json_t *obj, struct record *rec, struct verrors *ve);

/* Reads a JSON object into rec: unknown or read-only keys, wrong JSON types and malformed
 * values become errors naming the field. In PATCH mode absent fields stay unset. */
void model_from_json(struct arena *a, const struct entity *e, json_t *obj, struct record *rec,
		     struct verrors *ve);
/* Parses one textual value (a query parameter, a CSV cell) as field f's type. */
bool model_parse_text(struct arena *a, const struct field *f, const char *s, size_t n,
		      struct value *out, const char **why);
/* Field rules that need no database: required, lengths, enum membership, ranges, and the
 * entity's check hook. For PATCH, `merged` is the record as it will be after the change. */
void model_validate(struct arena *a, const struct record *merged, struct verrors *ve);
/* The same field rules for a step's inputs (which are read-only fields elsewhere). */
void model_validate_inputs(struct arena *a, const struct record *inputs, const struct step *st,
			   struct verrors *ve);
/* A value as JSON (new reference). */
json_t *model_value_json(const struct field *f, const struct value *v);

#endif
